r1 = 0x80
r0 = (s8)r1
exit
