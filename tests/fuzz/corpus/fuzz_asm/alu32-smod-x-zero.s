r0 = 0x1fffffffb ll
r1 = 0x0
w0 s%= w1
exit
