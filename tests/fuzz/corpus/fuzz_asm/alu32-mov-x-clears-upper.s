r1 = 0x123456789abcdef0 ll
w0 = w1
exit
