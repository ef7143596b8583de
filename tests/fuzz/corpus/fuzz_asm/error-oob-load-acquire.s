r0 = load_acquire((u64 *)(r1 + 0xc))
exit
