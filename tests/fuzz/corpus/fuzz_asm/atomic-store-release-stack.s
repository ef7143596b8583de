*(u64 *)(r10 - 0x8) = -0x1
r2 = 0x12345678
store_release((u32 *)(r10 - 0x8), w2)
r0 = *(u64 *)(r10 - 0x8)
exit
