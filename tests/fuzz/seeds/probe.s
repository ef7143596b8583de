; fuzz_bytecode seed: probe reads of the context and of a bad address,
; trace_printk, get_current_comm, for_each_map_elem over the array
	r6 = r1
	r1 = r10
	r1 += -0x10
	r2 = 0x8
	r3 = r6
	call 0x4
	r1 = r10
	r1 += -0x10
	r2 = 0x8
	r3 = 0x10
	call 0x71
	r1 = r10
	r1 += -0x20
	r2 = 0x10
	r3 = r6
	call 0x72
	*(u64 *)(r10 - 0x28) = 0xa6425
	r1 = r10
	r1 += -0x28
	r2 = 0x4
	r3 = 0x2a
	call 0x6
	r1 = r10
	r1 += -0x38
	r2 = 0x10
	call 0x10
	r1 = map_fd(0x0) ll
	r2 = func(each) ll
	r3 = 0x0
	r4 = 0x0
	call 0xa4
	exit
each:
	r0 = 0x0
	exit
