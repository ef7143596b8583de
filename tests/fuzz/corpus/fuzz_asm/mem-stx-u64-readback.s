r2 = 0xfedcba9876543210 ll
*(u64 *)(r1 + 0x0) = r2
r0 = *(u64 *)(r1 + 0x0)
exit
