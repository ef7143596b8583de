r0 = *(u64 *)(r1 + 0x0)
exit
