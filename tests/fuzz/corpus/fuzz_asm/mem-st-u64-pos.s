*(u64 *)(r1 + 0x8) = 0x7fffffff
r0 = *(u64 *)(r1 + 0x8)
exit
