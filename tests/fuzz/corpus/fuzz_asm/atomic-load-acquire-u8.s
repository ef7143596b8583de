r0 = -0x1
w0 = load_acquire((u8 *)(r1 + 0x7))
exit
