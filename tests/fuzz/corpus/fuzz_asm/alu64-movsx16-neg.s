r1 = 0x8000
r0 = (s16)r1
exit
