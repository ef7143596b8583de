r0 = 0x0
r0 = cmpxchg_64(r10 + 0x0, r0, r1)
exit
