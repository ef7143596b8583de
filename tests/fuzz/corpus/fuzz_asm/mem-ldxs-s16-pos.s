r0 = *(s16 *)(r1 + 0x2)
exit
