r1 = 0x2
call f
r6 = r0
r1 = 0x3
call f
r0 <<= 0x8
r0 |= r6
exit
f:
r0 = r1
r0 *= r1
exit
