r0 = 0x100000007 ll
r1 = 0x100000004 ll
w0 %= w1
exit
