store_release((u16 *)(r1 + 0x10), w1)
r0 = 0x0
exit
