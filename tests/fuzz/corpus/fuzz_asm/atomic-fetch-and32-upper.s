r2 = 0xffffffff0000ffff ll
w2 = atomic_fetch_and((u32 *)(r1 + 0x0), w2)
r0 = r2
exit
