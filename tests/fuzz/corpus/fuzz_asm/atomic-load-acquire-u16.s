r0 = -0x1
w0 = load_acquire((u16 *)(r1 + 0x6))
exit
