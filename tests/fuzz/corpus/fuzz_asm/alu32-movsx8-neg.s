r1 = 0x80
w0 = (s8)w1
exit
