call f
r0 = *(u64 *)(r0 - 0x8)
exit
f:
*(u64 *)(r10 - 0x8) = 0x1
r0 = r10
exit
