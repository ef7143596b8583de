r2 = 0xa1b2c3d4 ll
*(u32 *)(r1 + 0x5) = r2
r0 = *(u32 *)(r1 + 0x5)
exit
