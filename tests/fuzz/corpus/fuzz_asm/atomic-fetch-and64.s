r2 = 0xf0f0f0f00f0f0f0f ll
r2 = atomic_fetch_and((u64 *)(r1 + 0x8), r2)
r0 = r2
exit
