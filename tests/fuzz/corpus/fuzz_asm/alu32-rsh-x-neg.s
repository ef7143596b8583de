r0 = 0x80000000 ll
r1 = -0x1
w0 >>= w1
exit
