r0 = 0x80000000 ll
r1 = 0x4
r0 s>>= r1
exit
