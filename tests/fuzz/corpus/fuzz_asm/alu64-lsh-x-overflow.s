r0 = 0xff00000000000001 ll
r1 = 0x8
r0 <<= r1
exit
