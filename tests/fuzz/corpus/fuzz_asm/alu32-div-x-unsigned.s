r0 = 0xffffffff ll
r1 = 0x2
w0 /= w1
exit
