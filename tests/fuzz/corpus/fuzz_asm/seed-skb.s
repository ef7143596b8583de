; fuzz_bytecode seed (type sched_cls): skb fields, load/store bytes,
; legacy packet loads
	r6 = r1
	r7 = *(u32 *)(r6 + 0x0)
	r1 = r6
	r2 = 0x0
	r3 = r10
	r3 += -0x8
	r4 = 0x4
	call 0x1a
	r1 = r6
	r2 = 0x2
	r3 = r10
	r3 += -0x8
	r4 = 0x2
	r5 = 0x0
	call 0x9
	r0 = *(u16 *)skb[0xc]
	r2 = 0x2
	r0 = *(u8 *)skb[r2 + 0x1]
	r0 = 0x0
	exit
