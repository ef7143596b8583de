r3 = 0x4
r1 += r3
r0 = *(u16 *)(r1 + 0x2)
exit
