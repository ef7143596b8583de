r0 = 0x89abcdef ll
r1 = 0x20
r0 <<= r1
exit
