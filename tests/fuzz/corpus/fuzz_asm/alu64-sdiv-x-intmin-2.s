r0 = 0x8000000000000000 ll
r1 = 0x2
r0 s/= r1
exit
