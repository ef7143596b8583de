/* SPDX-License-Identifier: MIT */
/*
 * Random eBPF programs for differential and round-trip tests. Everything
 * is deterministic from the caller's generator state (no global state), so
 * a seed printed on failure reproduces the program exactly.
 *
 * Two generators share the options struct:
 *  - randprog_body() makes a runnable straight-line body over registers and
 *    a stack window: ALU/ALU32 of every kind, lddw constants, jumps of every
 *    condition that only go forward (at most to the slot just after the
 *    body), stack loads/stores/atomics that stay aligned inside the window.
 *    The caller wraps it in a prologue that initialises the registers and
 *    the window and an epilogue that reads them out.
 *  - randprog_valid() makes a complete program that passes
 *    ubee_isa_validate(), drawn from every row of the instruction table
 *    (pseudo lddw, calls, LD_ABS/IND, acquire/release, may_goto ...). It
 *    is valid, not runnable.
 */
#ifndef UBEE_TESTS_RANDPROG_H
#define UBEE_TESTS_RANDPROG_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

/* xoshiro-style generator state; seed with randprog_seed(). */
struct randprog_rng {
	uint64_t s[4];
};

void randprog_seed(struct randprog_rng *rng, uint64_t seed);
uint64_t randprog_u64(struct randprog_rng *rng);
/* Uniform in [0, n); n > 0. */
uint32_t randprog_below(struct randprog_rng *rng, uint32_t n);
/*
 * An "interesting" 64-bit value: 0, 1, -1, INT64/INT32 limits, 0x80000000,
 * 0xffffffff, powers of two, small numbers, or fully random.
 */
uint64_t randprog_value(struct randprog_rng *rng);
/* The same for 32-bit immediates. */
int32_t randprog_imm(struct randprog_rng *rng);

enum randprog_feature {
	RANDPROG_V4 = 1u << 0,       /* sdiv/smod, movsx, bswap, ldxs, gotol */
	RANDPROG_ATOMIC = 1u << 1,   /* atomic add/or/and/xor/xchg/cmpxchg */
	/* The rest only matter to randprog_valid(). */
	RANDPROG_CALLS = 1u << 2,    /* helper, local and kfunc calls */
	RANDPROG_PSEUDO = 1u << 3,   /* lddw with a pseudo source */
	RANDPROG_PKT = 1u << 4,      /* LD_ABS / LD_IND */
	RANDPROG_ACQREL = 1u << 5,   /* load_acquire / store_release */
	RANDPROG_MAY_GOTO = 1u << 6,
	RANDPROG_ALL = (1u << 7) - 1,
};

struct randprog_opts {
	unsigned features;   /* enum randprog_feature */
	size_t max_slots;    /* at most this many slots (>= 2) */
	/*
	 * randprog_body only: registers the body may read and write (bit n is
	 * rn; r10 is never written and only used as the base of stack
	 * accesses), and the stack window [r10 + stack_off, r10 + stack_off +
	 * stack_size) that the caller has initialised. stack_off and
	 * stack_size are multiples of 8; stack_size 0 means no memory access.
	 */
	uint16_t regs;
	int stack_off;
	unsigned stack_size;
};

/*
 * Write a random body of 1..opts->max_slots slots into out[cap] (cap >=
 * max_slots) and return its length in slots. Jump targets lie in (pc,
 * len]: the body may jump to the slot that follows it, never backward.
 * Every slot is reachable in the static control-flow graph.
 */
size_t randprog_body(struct randprog_rng *rng, const struct randprog_opts *opts,
		     struct ubee_insn *out, size_t cap);

/* 1 if randprog_body() with these options can emit op (enum ubee_op). */
int randprog_body_can_emit(const struct randprog_opts *opts, int op);

/*
 * Write a random complete program of 1..opts->max_slots slots that passes
 * ubee_isa_validate() into out[cap]; return its length. Uses the rows of
 * the instruction table that opts->features allow; regs/stack are ignored.
 */
size_t randprog_valid(struct randprog_rng *rng, const struct randprog_opts *opts,
		      struct ubee_insn *out, size_t cap);

/* 1 if randprog_valid() with these options can emit op. */
int randprog_valid_can_emit(const struct randprog_opts *opts, int op);

#endif /* UBEE_TESTS_RANDPROG_H */
