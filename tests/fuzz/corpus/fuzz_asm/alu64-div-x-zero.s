r0 = 0x123456789abc ll
r1 = 0x0
r0 /= r1
exit
