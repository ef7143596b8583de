r6 = r1
r7 = 0x2
r0 = *(u8 *)skb[r7 + 0x1]
exit
