r0 = 0xabcdef0000001234 ll
r0 = bswap16 r0
exit
