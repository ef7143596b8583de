r0 = 0x123456789 ll
r1 = 0x10
r0 *= r1
exit
