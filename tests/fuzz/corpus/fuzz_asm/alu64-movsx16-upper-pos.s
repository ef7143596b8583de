r1 = -0xedcc
r0 = (s16)r1
exit
