r0 = *(u8 *)(r10 + 0x0)
exit
