r0 = *(s16 *)(r1 + 0xf)
exit
