r2 = 0x1122334455667788 ll
store_release((u16 *)(r1 + 0x6), w2)
r0 = 0x0
exit
