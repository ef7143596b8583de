r0 = *(s16 *)(r1 + 0x4)
exit
