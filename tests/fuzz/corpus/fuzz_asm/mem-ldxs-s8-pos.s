r0 = *(s8 *)(r1 + 0x0)
exit
