r6 = r1
r0 = *(u16 *)skb[0xe]
exit
