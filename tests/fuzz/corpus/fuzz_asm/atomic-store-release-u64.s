r2 = 0x1122334455667788 ll
store_release((u64 *)(r1 + 0x8), r2)
r0 = 0x0
exit
