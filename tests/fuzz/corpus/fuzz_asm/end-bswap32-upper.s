r0 = 0xabcdef0012345678 ll
r0 = bswap32 r0
exit
