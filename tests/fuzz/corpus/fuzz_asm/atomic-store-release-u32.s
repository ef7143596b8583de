r2 = 0x1122334455667788 ll
store_release((u32 *)(r1 + 0x4), w2)
r0 = 0x0
exit
