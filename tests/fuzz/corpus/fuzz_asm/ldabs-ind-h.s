r6 = r1
r7 = 0xa
r0 = *(u16 *)skb[r7 + 0x2]
exit
