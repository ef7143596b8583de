r0 = -0x1
r1 = 0xffffffff0000ffff ll
w0 &= w1
exit
