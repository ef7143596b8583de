r0 = 0x1
r1 = 0xffffffff00000002 ll
w0 += w1
exit
