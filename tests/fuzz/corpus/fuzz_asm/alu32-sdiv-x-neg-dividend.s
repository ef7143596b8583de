r0 = 0xfffffff9 ll
r1 = 0x2
w0 s/= w1
exit
