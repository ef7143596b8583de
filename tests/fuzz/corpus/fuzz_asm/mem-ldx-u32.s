r0 = *(u32 *)(r1 + 0x4)
exit
