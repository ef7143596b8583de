; fuzz_bytecode seed (type xdp): bounds-checked packet access, head and
; tail adjustment
	r6 = r1
	r2 = *(u32 *)(r6 + 0x0)
	r3 = *(u32 *)(r6 + 0x4)
	r4 = r2
	r4 += 0xe
	if r4 > r3 goto out
	r0 = *(u8 *)(r2 + 0xc)
	r1 = r6
	r2 = -0x4
	call 0x2c
	r1 = r6
	r2 = 0x4
	call 0x2c
	r1 = r6
	r2 = -0x4
	call 0x41
out:
	r0 = 0x2
	exit
