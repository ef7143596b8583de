r0 = 0x80000000 ll
r1 = 0x20
w0 s>>= w1
exit
