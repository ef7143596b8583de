r1 = 0x80000000 ll
r0 = (s32)r1
exit
