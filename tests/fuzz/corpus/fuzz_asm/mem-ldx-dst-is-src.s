r1 = *(u64 *)(r1 + 0x8)
r0 = r1
exit
