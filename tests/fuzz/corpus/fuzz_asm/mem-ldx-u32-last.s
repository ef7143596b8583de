r0 = *(u32 *)(r1 + 0xc)
exit
