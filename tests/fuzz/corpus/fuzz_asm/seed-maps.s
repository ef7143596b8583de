; fuzz_bytecode seed: array lookup/update, hash update/lookup/delete,
; queue push/pop/peek, global data (maps 0 array, 1 hash, 2 queue, 5
; single-entry array of fuzz_bytecode.c)
	*(u32 *)(r10 - 0x4) = 0x1
	*(u64 *)(r10 - 0x10) = 0x2a
	r1 = map_fd(0x0) ll
	r2 = r10
	r2 += -0x4
	call 0x1
	if r0 == 0x0 goto hash
	r1 = *(u64 *)(r0 + 0x8)
	r1 += 0x1
	*(u64 *)(r0 + 0x8) = r1
hash:
	r1 = map_fd(0x1) ll
	r2 = r10
	r2 += -0x4
	r3 = r10
	r3 += -0x10
	r4 = 0x0
	call 0x2
	r1 = map_fd(0x1) ll
	r2 = r10
	r2 += -0x4
	call 0x1
	r1 = map_fd(0x1) ll
	r2 = r10
	r2 += -0x4
	call 0x3
	r1 = map_fd(0x2) ll
	r2 = r10
	r2 += -0x10
	r3 = 0x0
	call 0x57
	r1 = map_fd(0x2) ll
	r2 = r10
	r2 += -0x18
	call 0x59
	r1 = map_fd(0x2) ll
	r2 = r10
	r2 += -0x18
	call 0x58
	r0 = map_value(0x5, 0x8) ll
	r0 = *(u64 *)(r0 + 0x0)
	exit
