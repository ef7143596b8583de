r6 = r1
r7 = 0x1
r8 = 0x2
r0 = *(u8 *)skb[r7 + 0x0]
r0 += r7
r0 += r8
exit
