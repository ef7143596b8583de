r0 = 0xffffffff ll
r1 = 0x1
r0 += r1
exit
