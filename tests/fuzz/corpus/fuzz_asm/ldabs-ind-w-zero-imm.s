r6 = r1
r7 = 0x10
r0 = *(u32 *)skb[r7 + 0x0]
exit
