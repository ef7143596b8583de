r1 = 0xffffffff00000005 ll
r0 = (s32)r1
exit
