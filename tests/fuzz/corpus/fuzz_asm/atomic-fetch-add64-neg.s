r2 = -0x1
r2 = atomic_fetch_add((u64 *)(r1 + 0x8), r2)
r0 = *(u64 *)(r1 + 0x8)
exit
