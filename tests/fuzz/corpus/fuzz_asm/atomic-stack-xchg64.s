*(u64 *)(r10 - 0x8) = -0x1
r2 = 0x3
r2 = xchg_64(r10 - 0x8, r2)
r0 = *(u64 *)(r10 - 0x8)
r0 += r2
exit
