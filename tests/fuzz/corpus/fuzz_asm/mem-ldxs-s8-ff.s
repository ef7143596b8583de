r0 = *(s8 *)(r1 + 0x2)
exit
