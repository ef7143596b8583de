r0 = 0xf0000000 ll
r1 = 0x20
w0 >>= w1
exit
