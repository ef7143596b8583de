r0 = *(u8 *)(r1 + 0x1)
exit
