r0 = *(u8 *)(r1 + 0x0)
exit
