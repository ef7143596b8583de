r0 = *(s32 *)(r1 + 0x4)
exit
