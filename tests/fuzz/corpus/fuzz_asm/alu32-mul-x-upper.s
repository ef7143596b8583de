r0 = 0x100000003 ll
r1 = 0x100000005 ll
w0 *= w1
exit
