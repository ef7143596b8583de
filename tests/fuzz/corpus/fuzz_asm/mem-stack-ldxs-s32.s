r2 = 0xfffffff0 ll
*(u64 *)(r10 - 0x8) = r2
r0 = *(s32 *)(r10 - 0x8)
exit
