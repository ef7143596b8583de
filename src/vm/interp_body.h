/* SPDX-License-Identifier: MIT */
/*
 * The interpreter loop. interp.c includes this once per variant, with
 *   INTERP_FN        the function's name
 *   INTERP_CHECKED   1: count instructions against the budget and check
 *                    every memory access and helper argument; 0: trust
 *   INTERP_THREADED  1: dispatch by computed goto; 0: by switch
 * so the four engines share one text and cannot drift apart. No include
 * guard on purpose.
 *
 * Every op of UBEE_OPS has exactly one handler below. In the threaded
 * variant the label table is built from UBEE_OPS, so a missing handler is
 * a compile error ("label used but not defined"), and a handler for an op
 * that is not in the table cannot be reached. Ops resolved at load time
 * (pseudo lddw, kfunc calls) have a handler that fails loudly.
 *
 * Frames: frame d's stack is [stack_top - (d+1)*512, stack_top - d*512),
 * r10 is its top. frames[d] holds what EXIT of frame d restores. An
 * invocation runs until EXIT of the frame it started in (base); bpf_loop
 * callbacks are invocations that start one frame below their caller.
 */

static int INTERP_FN(struct ubee_run *run, const struct ubee_dinsn *start,
		     const uint64_t args[5], unsigned depth, uint64_t *r0)
{
#if INTERP_THREADED
	static const void *const labels[UBEE_OP__COUNT + 1] = {
#define X(n_, ...) [UBEE_OP_##n_] = &&op_##n_,
		UBEE_OPS(X)
#undef X
		[UBEE_OP__COUNT] = &&op_bad,
	};
#endif
	const struct ubee_prog *prog = run->prog;
	const struct ubee_dinsn *code = prog->code;
	const struct ubee_helper *helpers = prog->helpers;
	const struct ubee_dinsn *pc = start;
	const unsigned base = depth;
	struct interp_frame frames[UBEE_MAX_CALL_FRAMES];
	uint64_t reg[11] = { 0 };
	uint64_t addr;
	int err = 0;
#if INTERP_CHECKED
	uint64_t count = run->insn_count;
	/*
	 * Oracle runs: a budget of 0 sends every instruction through
	 * out_budget, which checks the facts and goes on; plain checked
	 * runs pay nothing for it.
	 */
	const uint64_t budget = run->oracle ? 0 : run->budget;
	/* The stack a frame may use: its own and its callers' frames. */
	uint64_t stack_span = (uint64_t)(depth + 1) * UBEE_STACK_SIZE;
	uintptr_t stack_lo = run->stack_top - stack_span;
#endif

	reg[1] = args[0];
	reg[2] = args[1];
	reg[3] = args[2];
	reg[4] = args[3];
	reg[5] = args[4];
	reg[10] = run->stack_top - (uint64_t)depth * UBEE_STACK_SIZE;

#define DST reg[pc->dst]
#define SRC reg[pc->src]
#define IMM pc->imm
#define K64 ((uint64_t)(int64_t)pc->imm) /* imm sign-extended */
#define K32 ((uint32_t)pc->imm)
#define S64(x) ((int64_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define U32(x) ((uint32_t)(x))

#if INTERP_CHECKED
#define COUNT()                                                               \
	do {                                                                  \
		if (UBEE_UNLIKELY(++count > budget))                          \
			goto out_budget;                                      \
	} while (0)
#else
#define COUNT() do { } while (0)
#endif

#if INTERP_THREADED
#define DISPATCH()                                                            \
	do {                                                                  \
		COUNT();                                                      \
		goto *labels[pc->op];                                         \
	} while (0)
#define CASE(n) op_##n:
#define CASE_BAD op_bad:
#define SWITCH_BEGIN
#define SWITCH_END
#define DISPATCH_NOCOUNT() goto *labels[pc->op]
#else
#define DISPATCH() goto dispatch
#define CASE(n) case UBEE_OP_##n:
#define CASE_BAD default:
#if INTERP_CHECKED
#define SWITCH_BEGIN                                                          \
	dispatch:                                                             \
	COUNT();                                                              \
	dispatch_nocount:                                                     \
	switch (pc->op) {
#else
#define SWITCH_BEGIN                                                          \
	dispatch:                                                             \
	COUNT();                                                              \
	switch (pc->op) {
#endif
#define SWITCH_END }
#define DISPATCH_NOCOUNT() goto dispatch_nocount
#endif

#define NEXT()                                                                \
	do {                                                                  \
		pc++;                                                         \
		DISPATCH();                                                   \
	} while (0)
/* Jumps land at pc + 1 + off; NEXT adds the 1. */
#define JMP_IF(cond)                                                          \
	do {                                                                  \
		if (cond)                                                     \
			pc += pc->off;                                        \
		NEXT();                                                       \
	} while (0)

/*
 * addr = base register + off, then in checked mode: inside the stack
 * frames (fast path) or some other region, and aligned for atomics.
 */
#if INTERP_CHECKED
#define ACCESS(basereg, size, write, atomic)                                  \
	do {                                                                  \
		int why_;                                                     \
		addr = reg[basereg] + (uint64_t)(int64_t)pc->off;             \
		if (UBEE_UNLIKELY(addr - stack_lo > stack_span - (size))) {   \
			why_ = ubee_vm_region_check(run, addr, size, write,   \
						    depth);                   \
			if (why_) {                                           \
				mem_fault(run, (size_t)(pc - code), addr,     \
					  size, write, why_, basereg,         \
					  pc->off);                           \
				goto fault;                                   \
			}                                                     \
		}                                                             \
		if ((atomic) && (addr & ((size) - 1))) {                      \
			mem_fault(run, (size_t)(pc - code), addr, size,       \
				  write, FAULT_MISALIGNED, basereg, pc->off); \
			goto fault;                                           \
		}                                                             \
	} while (0)
#else
#define ACCESS(basereg, size, write, atomic)                                  \
	(addr = reg[basereg] + (uint64_t)(int64_t)pc->off)
#endif
#define LOAD(size, ld) do { ACCESS(pc->src, size, 0, 0); DST = ld(addr); NEXT(); } while (0)
#define LOADS(size, ld, T) do { ACCESS(pc->src, size, 0, 0); DST = (uint64_t)(int64_t)(T)ld(addr); NEXT(); } while (0)
#define STORE(size, st, v) do { ACCESS(pc->dst, size, 1, 0); st(addr, v); NEXT(); } while (0)
#define P(T) ((T *)(uintptr_t)addr)
#define SC __ATOMIC_SEQ_CST
/* lock *(T *)(dst + off) op= src: no result, no ordering promised. */
#define ATOMIC(T, fn)                                                         \
	do {                                                                  \
		ACCESS(pc->dst, sizeof(T), 1, 1);                             \
		fn(P(T), (T)SRC, __ATOMIC_RELAXED);                           \
		NEXT();                                                       \
	} while (0)
/* src = atomic_fetch_op((T *)(dst + off), src): fully ordered. */
#define ATOMIC_FETCH(T, fn)                                                   \
	do {                                                                  \
		ACCESS(pc->dst, sizeof(T), 1, 1);                             \
		SRC = fn(P(T), (T)SRC, SC);                                   \
		NEXT();                                                       \
	} while (0)
#define CMPXCHG(T)                                                            \
	do {                                                                  \
		T old_ = (T)reg[0];                                           \
		ACCESS(pc->dst, sizeof(T), 1, 1);                             \
		__atomic_compare_exchange_n(P(T), &old_, (T)SRC, 0, SC, SC);  \
		reg[0] = old_;                                                \
		NEXT();                                                       \
	} while (0)
#define LOAD_ACQ(T)                                                           \
	do {                                                                  \
		ACCESS(pc->src, sizeof(T), 0, 1);                             \
		DST = __atomic_load_n(P(T), __ATOMIC_ACQUIRE);                \
		NEXT();                                                       \
	} while (0)
#define STORE_REL(T)                                                          \
	do {                                                                  \
		ACCESS(pc->dst, sizeof(T), 1, 1);                             \
		__atomic_store_n(P(T), (T)SRC, __ATOMIC_RELEASE);             \
		NEXT();                                                       \
	} while (0)
#define PKT(off, size)                                                        \
	do {                                                                  \
		if (UBEE_UNLIKELY(pkt_load(run, (off), size, &reg[0])))       \
			goto pkt_exit;                                        \
		NEXT();                                                       \
	} while (0)

	DISPATCH();
	SWITCH_BEGIN

	/* 64-bit ALU: immediates are sign-extended to 64 bits. */
	CASE(ADD64_K) DST += K64; NEXT();
	CASE(ADD64_X) DST += SRC; NEXT();
	CASE(SUB64_K) DST -= K64; NEXT();
	CASE(SUB64_X) DST -= SRC; NEXT();
	CASE(MUL64_K) DST *= K64; NEXT();
	CASE(MUL64_X) DST *= SRC; NEXT();
	CASE(DIV64_K) DST = K64 ? DST / K64 : 0; NEXT();
	CASE(DIV64_X) DST = SRC ? DST / SRC : 0; NEXT();
	CASE(SDIV64_K) DST = sdiv64(DST, K64); NEXT();
	CASE(SDIV64_X) DST = sdiv64(DST, SRC); NEXT();
	CASE(OR64_K) DST |= K64; NEXT();
	CASE(OR64_X) DST |= SRC; NEXT();
	CASE(AND64_K) DST &= K64; NEXT();
	CASE(AND64_X) DST &= SRC; NEXT();
	CASE(LSH64_K) DST <<= IMM & 63; NEXT();
	CASE(LSH64_X) DST <<= SRC & 63; NEXT();
	CASE(RSH64_K) DST >>= IMM & 63; NEXT();
	CASE(RSH64_X) DST >>= SRC & 63; NEXT();
	CASE(MOD64_K) DST = K64 ? DST % K64 : DST; NEXT();
	CASE(MOD64_X) DST = SRC ? DST % SRC : DST; NEXT();
	CASE(SMOD64_K) DST = smod64(DST, K64); NEXT();
	CASE(SMOD64_X) DST = smod64(DST, SRC); NEXT();
	CASE(XOR64_K) DST ^= K64; NEXT();
	CASE(XOR64_X) DST ^= SRC; NEXT();
	CASE(MOV64_K) DST = K64; NEXT();
	CASE(MOV64_X) DST = SRC; NEXT();
	CASE(ARSH64_K) DST = (uint64_t)(S64(DST) >> (IMM & 63)); NEXT();
	CASE(ARSH64_X) DST = (uint64_t)(S64(DST) >> (SRC & 63)); NEXT();
	CASE(NEG64) DST = -DST; NEXT();
	CASE(MOVSX64_8) DST = (uint64_t)(int64_t)(int8_t)SRC; NEXT();
	CASE(MOVSX64_16) DST = (uint64_t)(int64_t)(int16_t)SRC; NEXT();
	CASE(MOVSX64_32) DST = (uint64_t)(int64_t)(int32_t)SRC; NEXT();

	/* 32-bit ALU: low halves in, result zero-extended. */
	CASE(ADD32_K) DST = U32(U32(DST) + K32); NEXT();
	CASE(ADD32_X) DST = U32(U32(DST) + U32(SRC)); NEXT();
	CASE(SUB32_K) DST = U32(U32(DST) - K32); NEXT();
	CASE(SUB32_X) DST = U32(U32(DST) - U32(SRC)); NEXT();
	CASE(MUL32_K) DST = U32(U32(DST) * K32); NEXT();
	CASE(MUL32_X) DST = U32(U32(DST) * U32(SRC)); NEXT();
	CASE(DIV32_K) DST = K32 ? U32(DST) / K32 : 0; NEXT();
	CASE(DIV32_X) DST = U32(SRC) ? U32(DST) / U32(SRC) : 0; NEXT();
	CASE(SDIV32_K) DST = sdiv32(U32(DST), K32); NEXT();
	CASE(SDIV32_X) DST = sdiv32(U32(DST), U32(SRC)); NEXT();
	CASE(OR32_K) DST = U32(DST) | K32; NEXT();
	CASE(OR32_X) DST = U32(DST) | U32(SRC); NEXT();
	CASE(AND32_K) DST = U32(DST) & K32; NEXT();
	CASE(AND32_X) DST = U32(DST) & U32(SRC); NEXT();
	CASE(LSH32_K) DST = U32(U32(DST) << (IMM & 31)); NEXT();
	CASE(LSH32_X) DST = U32(U32(DST) << (SRC & 31)); NEXT();
	CASE(RSH32_K) DST = U32(DST) >> (IMM & 31); NEXT();
	CASE(RSH32_X) DST = U32(DST) >> (SRC & 31); NEXT();
	CASE(MOD32_K) DST = K32 ? U32(DST) % K32 : U32(DST); NEXT();
	CASE(MOD32_X) DST = U32(SRC) ? U32(DST) % U32(SRC) : U32(DST); NEXT();
	CASE(SMOD32_K) DST = smod32(U32(DST), K32); NEXT();
	CASE(SMOD32_X) DST = smod32(U32(DST), U32(SRC)); NEXT();
	CASE(XOR32_K) DST = U32(DST) ^ K32; NEXT();
	CASE(XOR32_X) DST = U32(DST) ^ U32(SRC); NEXT();
	CASE(MOV32_K) DST = K32; NEXT();
	CASE(MOV32_X) DST = U32(SRC); NEXT();
	CASE(ARSH32_K) DST = U32(S32(DST) >> (IMM & 31)); NEXT();
	CASE(ARSH32_X) DST = U32(S32(DST) >> (SRC & 31)); NEXT();
	CASE(NEG32) DST = U32(-U32(DST)); NEXT();
	CASE(MOVSX32_8) DST = U32((int32_t)(int8_t)SRC); NEXT();
	CASE(MOVSX32_16) DST = U32((int32_t)(int16_t)SRC); NEXT();

	/* Byte order: the low 16/32/64 bits, zero-extended. */
	CASE(LE16) DST = to_le16((uint16_t)DST); NEXT();
	CASE(LE32) DST = to_le32(U32(DST)); NEXT();
	CASE(LE64) DST = to_le64(DST); NEXT();
	CASE(BE16) DST = to_be16((uint16_t)DST); NEXT();
	CASE(BE32) DST = to_be32(U32(DST)); NEXT();
	CASE(BE64) DST = to_be64(DST); NEXT();
	CASE(BSWAP16) DST = __builtin_bswap16((uint16_t)DST); NEXT();
	CASE(BSWAP32) DST = __builtin_bswap32(U32(DST)); NEXT();
	CASE(BSWAP64) DST = __builtin_bswap64(DST); NEXT();

	/* Jumps: JMP compares 64 bits (imm sign-extended), JMP32 32 bits. */
	CASE(JA) pc += pc->off; NEXT();
	CASE(JA32) pc += IMM; NEXT();
	CASE(JEQ64_K) JMP_IF(DST == K64);
	CASE(JEQ64_X) JMP_IF(DST == SRC);
	CASE(JGT64_K) JMP_IF(DST > K64);
	CASE(JGT64_X) JMP_IF(DST > SRC);
	CASE(JGE64_K) JMP_IF(DST >= K64);
	CASE(JGE64_X) JMP_IF(DST >= SRC);
	CASE(JSET64_K) JMP_IF(DST & K64);
	CASE(JSET64_X) JMP_IF(DST & SRC);
	CASE(JNE64_K) JMP_IF(DST != K64);
	CASE(JNE64_X) JMP_IF(DST != SRC);
	CASE(JSGT64_K) JMP_IF(S64(DST) > (int64_t)IMM);
	CASE(JSGT64_X) JMP_IF(S64(DST) > S64(SRC));
	CASE(JSGE64_K) JMP_IF(S64(DST) >= (int64_t)IMM);
	CASE(JSGE64_X) JMP_IF(S64(DST) >= S64(SRC));
	CASE(JLT64_K) JMP_IF(DST < K64);
	CASE(JLT64_X) JMP_IF(DST < SRC);
	CASE(JLE64_K) JMP_IF(DST <= K64);
	CASE(JLE64_X) JMP_IF(DST <= SRC);
	CASE(JSLT64_K) JMP_IF(S64(DST) < (int64_t)IMM);
	CASE(JSLT64_X) JMP_IF(S64(DST) < S64(SRC));
	CASE(JSLE64_K) JMP_IF(S64(DST) <= (int64_t)IMM);
	CASE(JSLE64_X) JMP_IF(S64(DST) <= S64(SRC));
	CASE(JEQ32_K) JMP_IF(U32(DST) == K32);
	CASE(JEQ32_X) JMP_IF(U32(DST) == U32(SRC));
	CASE(JGT32_K) JMP_IF(U32(DST) > K32);
	CASE(JGT32_X) JMP_IF(U32(DST) > U32(SRC));
	CASE(JGE32_K) JMP_IF(U32(DST) >= K32);
	CASE(JGE32_X) JMP_IF(U32(DST) >= U32(SRC));
	CASE(JSET32_K) JMP_IF(U32(DST) & K32);
	CASE(JSET32_X) JMP_IF(U32(DST) & U32(SRC));
	CASE(JNE32_K) JMP_IF(U32(DST) != K32);
	CASE(JNE32_X) JMP_IF(U32(DST) != U32(SRC));
	CASE(JSGT32_K) JMP_IF(S32(DST) > IMM);
	CASE(JSGT32_X) JMP_IF(S32(DST) > S32(SRC));
	CASE(JSGE32_K) JMP_IF(S32(DST) >= IMM);
	CASE(JSGE32_X) JMP_IF(S32(DST) >= S32(SRC));
	CASE(JLT32_K) JMP_IF(U32(DST) < K32);
	CASE(JLT32_X) JMP_IF(U32(DST) < U32(SRC));
	CASE(JLE32_K) JMP_IF(U32(DST) <= K32);
	CASE(JLE32_X) JMP_IF(U32(DST) <= U32(SRC));
	CASE(JSLT32_K) JMP_IF(S32(DST) < IMM);
	CASE(JSLT32_X) JMP_IF(S32(DST) < S32(SRC));
	CASE(JSLE32_K) JMP_IF(S32(DST) <= IMM);
	CASE(JSLE32_X) JMP_IF(S32(DST) <= S32(SRC));

	/* Falls through while the run's loop allowance lasts, then jumps. */
	CASE(MAY_GOTO)
		if (run->loops_left) {
			run->loops_left--;
			NEXT();
		}
		pc += pc->off;
		NEXT();

	/*
	 * r0 = helper(r1..r5). The kernel clobbers r1-r5; ubee leaves them
	 * as they were (a verified program cannot tell the difference).
	 */
	CASE(CALL) {
		const struct ubee_helper *h = &helpers[pc->imm];

#if INTERP_CHECKED
		if (h->args[0] != UBEE_ARG_NONE) {
			err = check_helper_args(run, h, reg, (size_t)(pc - code),
						depth);
			if (err)
				goto fail;
		}
		run->insn_count = count;
#endif
		run->depth = depth;
		run->call_idx = (size_t)(pc - code);
		reg[0] = h->fn(reg[1], reg[2], reg[3], reg[4], reg[5]);
#if INTERP_CHECKED
		count = run->insn_count;
#endif
		if (UBEE_UNLIKELY(run->pending))
			goto pending;
		NEXT();
	}

	/* Push a frame: r6-r10 and the return point; the callee's r10 is
	 * one frame lower. */
	CASE(CALL_LOCAL) {
		struct interp_frame *f;

		if (UBEE_UNLIKELY(depth + 1 >= UBEE_MAX_CALL_FRAMES)) {
			ubee_logf(run->log, "%zu: call depth exceeds %d frames",
				  (size_t)(pc - code), UBEE_MAX_CALL_FRAMES);
			err = -E2BIG;
			goto fail;
		}
		f = &frames[++depth];
		memcpy(f->saved, &reg[6], sizeof(f->saved));
		f->ret = pc + 1;
		f->prog = prog;
		reg[10] -= UBEE_STACK_SIZE;
#if INTERP_CHECKED
		stack_lo -= UBEE_STACK_SIZE;
		stack_span += UBEE_STACK_SIZE;
#endif
		pc += pc->imm;
		NEXT();
	}

	CASE(EXIT) {
		const struct interp_frame *f;

		if (depth == base)
			goto done;
		f = &frames[depth--];
		memcpy(&reg[6], f->saved, sizeof(f->saved));
		pc = f->ret;
		if (f->prog != prog) { /* we returned across a tail call */
			prog = f->prog;
			run->prog = prog;
			code = prog->code;
			helpers = prog->helpers;
		}
#if INTERP_CHECKED
		stack_lo += UBEE_STACK_SIZE;
		stack_span -= UBEE_STACK_SIZE;
#endif
		DISPATCH();
	}

	CASE(LDX_B) LOAD(1, ld_u8);
	CASE(LDX_H) LOAD(2, ld_u16);
	CASE(LDX_W) LOAD(4, ld_u32);
	CASE(LDX_DW) LOAD(8, ld_u64);
	CASE(LDXS_B) LOADS(1, ld_u8, int8_t);
	CASE(LDXS_H) LOADS(2, ld_u16, int16_t);
	CASE(LDXS_W) LOADS(4, ld_u32, int32_t);
	CASE(ST_B) STORE(1, st_u8, (uint8_t)IMM);
	CASE(ST_H) STORE(2, st_u16, (uint16_t)IMM);
	CASE(ST_W) STORE(4, st_u32, K32);
	CASE(ST_DW) STORE(8, st_u64, K64);
	CASE(STX_B) STORE(1, st_u8, (uint8_t)SRC);
	CASE(STX_H) STORE(2, st_u16, (uint16_t)SRC);
	CASE(STX_W) STORE(4, st_u32, U32(SRC));
	CASE(STX_DW) STORE(8, st_u64, SRC);

	CASE(ATOMIC_ADD_W) ATOMIC(uint32_t, __atomic_fetch_add);
	CASE(ATOMIC_OR_W) ATOMIC(uint32_t, __atomic_fetch_or);
	CASE(ATOMIC_AND_W) ATOMIC(uint32_t, __atomic_fetch_and);
	CASE(ATOMIC_XOR_W) ATOMIC(uint32_t, __atomic_fetch_xor);
	CASE(ATOMIC_FETCH_ADD_W) ATOMIC_FETCH(uint32_t, __atomic_fetch_add);
	CASE(ATOMIC_FETCH_OR_W) ATOMIC_FETCH(uint32_t, __atomic_fetch_or);
	CASE(ATOMIC_FETCH_AND_W) ATOMIC_FETCH(uint32_t, __atomic_fetch_and);
	CASE(ATOMIC_FETCH_XOR_W) ATOMIC_FETCH(uint32_t, __atomic_fetch_xor);
	CASE(ATOMIC_XCHG_W) ATOMIC_FETCH(uint32_t, __atomic_exchange_n);
	CASE(ATOMIC_CMPXCHG_W) CMPXCHG(uint32_t);
	CASE(ATOMIC_ADD_DW) ATOMIC(uint64_t, __atomic_fetch_add);
	CASE(ATOMIC_OR_DW) ATOMIC(uint64_t, __atomic_fetch_or);
	CASE(ATOMIC_AND_DW) ATOMIC(uint64_t, __atomic_fetch_and);
	CASE(ATOMIC_XOR_DW) ATOMIC(uint64_t, __atomic_fetch_xor);
	CASE(ATOMIC_FETCH_ADD_DW) ATOMIC_FETCH(uint64_t, __atomic_fetch_add);
	CASE(ATOMIC_FETCH_OR_DW) ATOMIC_FETCH(uint64_t, __atomic_fetch_or);
	CASE(ATOMIC_FETCH_AND_DW) ATOMIC_FETCH(uint64_t, __atomic_fetch_and);
	CASE(ATOMIC_FETCH_XOR_DW) ATOMIC_FETCH(uint64_t, __atomic_fetch_xor);
	CASE(ATOMIC_XCHG_DW) ATOMIC_FETCH(uint64_t, __atomic_exchange_n);
	CASE(ATOMIC_CMPXCHG_DW) CMPXCHG(uint64_t);
	CASE(LOAD_ACQ_B) LOAD_ACQ(uint8_t);
	CASE(LOAD_ACQ_H) LOAD_ACQ(uint16_t);
	CASE(LOAD_ACQ_W) LOAD_ACQ(uint32_t);
	CASE(LOAD_ACQ_DW) LOAD_ACQ(uint64_t);
	CASE(STORE_REL_B) STORE_REL(uint8_t);
	CASE(STORE_REL_H) STORE_REL(uint16_t);
	CASE(STORE_REL_W) STORE_REL(uint32_t);
	CASE(STORE_REL_DW) STORE_REL(uint64_t);

	/* Legacy packet loads: the offset is an int, as in the kernel. */
	CASE(LD_ABS_B) PKT(IMM, 1);
	CASE(LD_ABS_H) PKT(IMM, 2);
	CASE(LD_ABS_W) PKT(IMM, 4);
	CASE(LD_IND_B) PKT(S32(SRC + K64), 1);
	CASE(LD_IND_H) PKT(S32(SRC + K64), 2);
	CASE(LD_IND_W) PKT(S32(SRC + K64), 4);

	CASE(LDDW)
		DST = U32(IMM) | (uint64_t)U32(pc[1].imm) << 32;
		pc += 2;
		DISPATCH();

	/* Resolved at load time: reaching one is a bug in ubee. */
	CASE(LDDW_MAP_FD)
	CASE(LDDW_MAP_VALUE)
	CASE(LDDW_BTF_ID)
	CASE(LDDW_FUNC)
	CASE(LDDW_MAP_IDX)
	CASE(LDDW_MAP_IDX_VALUE)
	CASE(CALL_KFUNC)
	CASE_BAD
		ubee_logf(run->log, "%zu: internal error: %s cannot run",
			  (size_t)(pc - code),
			  pc->op < UBEE_OP__COUNT ? ubee_isa_ops[pc->op].name
						  : "an lddw's second slot");
		err = -EINVAL;
		goto fail;

	SWITCH_END

pending:
	if (run->err) {
		err = run->err;
		goto out;
	}
	if (run->exit_now) {
		reg[0] = 0;
		goto done;
	}
	/* A tail call: same frame, same r1 (the ctx the caller passed). */
	prog = run->tail_next;
	run->tail_next = NULL;
	run->pending = 0;
	run->prog = prog;
	code = prog->code;
	helpers = prog->helpers;
	pc = code;
	DISPATCH();

pkt_exit:
	/* The whole program returns 0, even from a callback. */
	if (base != 0) {
		run->exit_now = 1;
		run->pending = 1;
	}
	reg[0] = 0;
	goto done;

#if INTERP_CHECKED
out_budget:
	if (run->oracle && count <= run->budget) {
		err = ubee_oracle_check(run, (size_t)(pc - code), reg);
		if (err)
			goto fail;
		DISPATCH_NOCOUNT();
	}
	count = run->budget;
	ubee_logf(run->log, "%zu: instruction budget of %llu exhausted",
		  (size_t)(pc - code), (unsigned long long)run->budget);
	err = -ETIME;
	goto fail;
fault:
	err = -EFAULT;
	goto fail;
#endif

done:
	*r0 = reg[0];
	goto out;
fail:
	run->err = err;
	run->pending = 1;
out:
#if INTERP_CHECKED
	run->insn_count = count;
#endif
	return err;

#undef DST
#undef SRC
#undef IMM
#undef K64
#undef K32
#undef S64
#undef S32
#undef U32
#undef COUNT
#undef DISPATCH
#undef DISPATCH_NOCOUNT
#undef CASE
#undef CASE_BAD
#undef SWITCH_BEGIN
#undef SWITCH_END
#undef NEXT
#undef JMP_IF
#undef ACCESS
#undef LOAD
#undef LOADS
#undef STORE
#undef P
#undef SC
#undef ATOMIC
#undef ATOMIC_FETCH
#undef CMPXCHG
#undef LOAD_ACQ
#undef STORE_REL
#undef PKT
}
