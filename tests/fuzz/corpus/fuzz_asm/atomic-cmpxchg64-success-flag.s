r3 = 0xfffffff80000001 ll
r0 = r3
r2 = 0x7
r0 = cmpxchg_64(r1 + 0x8, r0, r2)
r4 = *(u64 *)(r1 + 0x8)
r0 -= r3
r0 += r4
exit
