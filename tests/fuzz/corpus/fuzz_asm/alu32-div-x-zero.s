r0 = 0xffffffff00001234 ll
r1 = 0x0
w0 /= w1
exit
