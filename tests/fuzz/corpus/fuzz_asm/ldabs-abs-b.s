r6 = r1
r0 = *(u8 *)skb[0x1]
exit
