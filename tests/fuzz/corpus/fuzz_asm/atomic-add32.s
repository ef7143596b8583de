r2 = 0xaaaaaaaaffffffff ll
lock *(u32 *)(r1 + 0x4) += w2
r0 = r2
exit
