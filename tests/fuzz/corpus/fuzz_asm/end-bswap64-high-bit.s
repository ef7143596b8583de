r0 = 0x80
r0 = bswap64 r0
exit
