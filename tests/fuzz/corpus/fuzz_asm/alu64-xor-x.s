r0 = 0xffff0000ffff0000 ll
r1 = 0xf0f0f0f0f0f0f0f ll
r0 ^= r1
exit
