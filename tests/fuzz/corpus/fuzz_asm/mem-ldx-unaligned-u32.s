r0 = *(u32 *)(r1 + 0x1)
exit
