r0 = *(s8 *)(r1 + 0x1)
exit
