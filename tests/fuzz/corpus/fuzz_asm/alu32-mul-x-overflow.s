r0 = 0x10000
r1 = 0x10000
w0 *= w1
exit
