r6 = r1
r0 = -0x1
r0 = *(u8 *)skb[0x2]
exit
