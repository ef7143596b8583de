r0 = 0xf0000000 ll
r1 = 0x21
w0 >>= w1
exit
