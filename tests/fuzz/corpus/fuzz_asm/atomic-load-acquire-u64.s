r0 = -0x1
r0 = load_acquire((u64 *)(r1 + 0x8))
exit
