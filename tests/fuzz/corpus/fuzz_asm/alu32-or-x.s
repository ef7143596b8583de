r0 = 0x1200000010 ll
r1 = 0xff00000001 ll
w0 |= w1
exit
