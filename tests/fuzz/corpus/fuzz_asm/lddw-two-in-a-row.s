r1 = 0xf0f0f0f0f0f0f0f0 ll
r2 = 0x0f0f0f0f0f0f0f0f ll
r0 = r1
r0 ^= r2
exit
