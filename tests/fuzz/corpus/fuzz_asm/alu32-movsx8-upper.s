r1 = -0xff
w0 = (s8)w1
exit
