r0 = 0xffffffff0000ffff ll
r1 = -0x1
w0 ^= w1
exit
