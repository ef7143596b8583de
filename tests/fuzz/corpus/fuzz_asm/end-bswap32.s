r0 = 0x1122334455667788 ll
r0 = bswap32 r0
exit
