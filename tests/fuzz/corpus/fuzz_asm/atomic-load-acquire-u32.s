r0 = -0x1
w0 = load_acquire((u32 *)(r1 + 0x4))
exit
