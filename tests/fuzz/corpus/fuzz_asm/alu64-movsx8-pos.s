r1 = 0x7f
r0 = (s8)r1
exit
