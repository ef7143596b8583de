r0 = *(u8 *)(r1 + 0x10)
exit
