r1 = 0x123456780000ffff ll
w0 = (s16)w1
exit
