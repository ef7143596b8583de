r0 = 0xfedcba9876543210 ll
r1 = 0x123456789 ll
r0 /= r1
exit
