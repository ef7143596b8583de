r2 = 0x123456789 ll
*(u64 *)(r10 - 0x8) = r2
r0 = load_acquire((u64 *)(r10 - 0x8))
exit
