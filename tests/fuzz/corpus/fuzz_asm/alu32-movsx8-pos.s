r1 = 0x7f
w0 = (s8)w1
exit
