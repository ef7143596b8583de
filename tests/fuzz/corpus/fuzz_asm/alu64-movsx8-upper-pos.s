r1 = 0x123456789abcde01 ll
r0 = (s8)r1
exit
