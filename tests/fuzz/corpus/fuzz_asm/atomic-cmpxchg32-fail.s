r0 = -0x80000000
r2 = 0xaaaaaaaaffffffff ll
w0 = cmpxchg32_32(r1 + 0x4, w0, w2)
exit
