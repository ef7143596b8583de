r2 = 0xaaaaaaaaffffffff ll
w2 = atomic_fetch_and((u32 *)(r1 + 0x4), w2)
r0 = r2
exit
