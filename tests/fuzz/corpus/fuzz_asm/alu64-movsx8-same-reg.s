r0 = 0x1ff
r0 = (s8)r0
exit
