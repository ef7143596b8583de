r0 = 0xabcdef0012345678 ll
r1 = 0xffffffff00000000 ll
w0 %= w1
exit
