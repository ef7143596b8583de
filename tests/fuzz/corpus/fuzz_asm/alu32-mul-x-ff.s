r0 = 0xffffffff ll
r1 = 0xffffffff ll
w0 *= w1
exit
