r1 = 0x1ffff8001 ll
r0 = (s16)r1
exit
