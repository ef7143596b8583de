r0 = 0x1234
r1 = 0x100000000 ll
w0 /= w1
exit
