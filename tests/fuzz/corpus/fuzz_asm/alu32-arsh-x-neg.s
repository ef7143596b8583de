r0 = 0xfffffffe ll
r1 = -0x1
w0 s>>= w1
exit
