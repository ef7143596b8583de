r1 = 0x12345678fffffffe ll
r0 = (s32)r1
exit
