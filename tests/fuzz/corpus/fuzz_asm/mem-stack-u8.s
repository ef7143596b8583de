r2 = 0x1ff
*(u8 *)(r10 - 0x1) = r2
r0 = *(u8 *)(r10 - 0x1)
exit
