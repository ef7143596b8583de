r1 = 0x7fff
w0 = (s16)w1
exit
