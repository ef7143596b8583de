r0 = 0x1122334455667788 ll
r0 = bswap64 r0
exit
