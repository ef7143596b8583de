r0 = 0x7
r1 = 0xfffffffe ll
w0 s%= w1
exit
