r1 = 0x7fff
r0 = (s16)r1
exit
