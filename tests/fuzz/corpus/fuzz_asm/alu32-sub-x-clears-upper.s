r0 = 0xffffffff00000005 ll
r1 = 0x1200000003 ll
w0 -= w1
exit
