r0 = 0x80
r0 = be32 r0
exit
