r1 = 0x7fffffff
r0 = (s32)r1
exit
