r0 = 0x100000001 ll
r1 = 0x100000001 ll
r0 *= r1
exit
