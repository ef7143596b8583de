r0 = 0x100000008 ll
r1 = 0x100000002 ll
w0 /= w1
exit
