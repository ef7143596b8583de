*(u64 *)(r10 - 0x8) = 0x1234
r1 = r10
r1 += -0x8
call f
r1 = *(u64 *)(r10 - 0x8)
r0 <<= 0x10
r0 |= r1
exit
f:
r0 = *(u64 *)(r1 + 0x0)
*(u64 *)(r1 + 0x0) = 0x99
exit
