r2 = 0xaabbccdd ll
*(u32 *)(r1 + 0x4) = r2
r0 = *(u16 *)(r1 + 0x4)
r3 = *(u16 *)(r1 + 0x6)
r3 <<= 0x20
r0 |= r3
exit
