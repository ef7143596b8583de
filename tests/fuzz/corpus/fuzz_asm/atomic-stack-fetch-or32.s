*(u32 *)(r10 - 0x4) = 0x10
r2 = 0x101
w2 = atomic_fetch_or((u32 *)(r10 - 0x4), w2)
r0 = *(u32 *)(r10 - 0x4)
r0 <<= 0x20
r0 |= r2
exit
