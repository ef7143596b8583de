r6 = r1
r7 = 0x4
r0 = *(u32 *)skb[r7 + 0x4]
exit
