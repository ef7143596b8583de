r2 = 0x80000000 ll
lock *(u64 *)(r1 + 0x0) += r2
r0 = *(u64 *)(r1 + 0x0)
exit
