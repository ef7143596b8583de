call f
r0 ^= -0x1
exit
f:
r0 = 0xffffffff00000000 ll
exit
