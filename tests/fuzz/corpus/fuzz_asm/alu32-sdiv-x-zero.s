r0 = 0xfffffffb ll
r1 = 0x0
w0 s/= w1
exit
