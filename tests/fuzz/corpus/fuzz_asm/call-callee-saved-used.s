r6 = 0x100
r1 = 0x3
call f
r0 += r6
exit
f:
r6 = r1
r6 *= 0x5
r0 = r6
exit
