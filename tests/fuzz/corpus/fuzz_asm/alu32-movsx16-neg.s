r1 = 0x8000
w0 = (s16)w1
exit
