r1 = 0x5
call fact
exit
fact:
if r1 > 0x1 goto +0x2
r0 = 0x1
exit
r6 = r1
r1 -= 0x1
call fact
r0 *= r6
exit
