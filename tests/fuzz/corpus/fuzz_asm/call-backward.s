goto main
f:
r0 = r1
r0 += 0x1
exit
main:
r1 = 0x29
call f
exit
