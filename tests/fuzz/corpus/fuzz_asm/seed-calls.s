; fuzz_bytecode seed: bpf_loop with a callback, a bpf-to-bpf call, a tail
; call into the program itself (map 4, slot 0), strncmp, snprintf
	r6 = r1
	*(u64 *)(r10 - 0x8) = 0x0
	r1 = 0x5
	r2 = func(cb) ll
	r3 = r10
	r3 += -0x8
	r4 = 0x0
	call 0xb5
	r1 = 0x3
	call sub
	*(u64 *)(r10 - 0x20) = 0x64636261
	r1 = r10
	r1 += -0x20
	r2 = 0x4
	r3 = r10
	r3 += -0x20
	call 0xb6
	*(u64 *)(r10 - 0x28) = 0x7
	r1 = r10
	r1 += -0x40
	r2 = 0x10
	r3 = r10
	r3 += -0x20
	r4 = r10
	r4 += -0x28
	r5 = 0x8
	call 0xa5
	r1 = r6
	r2 = map_fd(0x4) ll
	r3 = 0x0
	call 0xc
	r0 = *(u64 *)(r10 - 0x8)
	exit
cb:
	r3 = *(u64 *)(r2 + 0x0)
	r3 += r1
	*(u64 *)(r2 + 0x0) = r3
	r0 = 0x0
	exit
sub:
	r0 = r1
	r0 *= 0x7
	exit
