r0 = *(u8 *)(r1 + 0xf)
exit
