r0 = *(u16 *)(r1 + 0x0)
exit
