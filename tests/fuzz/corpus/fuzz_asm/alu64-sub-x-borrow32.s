r0 = 0x100000000 ll
r1 = 0x1
r0 -= r1
exit
