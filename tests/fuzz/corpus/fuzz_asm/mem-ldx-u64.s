r0 = *(u64 *)(r1 + 0x8)
exit
