r0 = 0x89abcdef01234567 ll
r1 = 0x20
r0 >>= r1
exit
