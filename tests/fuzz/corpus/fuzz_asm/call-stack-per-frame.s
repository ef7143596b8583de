*(u64 *)(r10 - 0x8) = 0x11
call f
r1 = *(u64 *)(r10 - 0x8)
r1 <<= 0x8
r0 |= r1
exit
f:
*(u64 *)(r10 - 0x8) = 0x22
r0 = *(u64 *)(r10 - 0x8)
exit
