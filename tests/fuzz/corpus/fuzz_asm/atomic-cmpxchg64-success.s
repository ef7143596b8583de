r0 = 0xfffffff80000001 ll
r2 = 0xf0f0f0f00f0f0f0f ll
r0 = cmpxchg_64(r1 + 0x8, r0, r2)
exit
