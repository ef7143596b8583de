r1 = 0x1000
r0 = *(u32 *)(r1 + 0x0)
exit
