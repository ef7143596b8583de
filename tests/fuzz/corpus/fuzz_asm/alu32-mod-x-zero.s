r0 = 0x100000007 ll
r1 = 0x0
w0 %= w1
exit
