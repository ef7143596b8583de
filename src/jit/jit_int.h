/* SPDX-License-Identifier: MIT */
/*
 * Shared between the JIT's analysis (analyze.c) and translator (jit.c):
 * what is known about a program before a byte is emitted.
 *
 * Liveness is over eBPF registers r0-r9 (bit n: rn), per instruction,
 * backward over the control-flow graph of the whole program. It decides
 * which registers survive a call without being saved: a helper clobbers
 * the host registers of r1-r5 (ubee promises they keep their values, so
 * the live ones are saved around the call), a bpf-to-bpf callee clobbers
 * those of r6-r9 (the interpreter restores them at its exit, so the live
 * ones are saved at the call site). Unknown effects are assumed to read
 * everything: a bpf-to-bpf call reads r0-r9, and an exit of a function
 * that is a call target reads r0-r5 (its caller may look at them).
 */
#ifndef UBEE_JIT_INT_H
#define UBEE_JIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vm/vm.h"

struct ubee_map;

/* Per-instruction facts. */
enum {
	JF_TARGET = 1u << 0, /* control may arrive other than by falling in */
	JF_FUNC = 1u << 1,   /* a bpf-to-bpf call target */
	JF_CB = 1u << 2,     /* a callback entry (lddw func) */
	JF_SECOND = 1u << 3, /* second slot of an lddw */
};

#define JIT_R0 0x001u
#define JIT_R1_R5 0x03eu
#define JIT_R6_R9 0x3c0u
#define JIT_R0_R9 0x3ffu

struct jit_facts {
	size_t cnt;
	uint8_t *flags;      /* [cnt] JF_* */
	uint16_t *live_out;  /* [cnt] registers live after each instruction */
	uint8_t *raw;        /* [cnt] byte-order-free packet loads: see below */
	uint16_t used;       /* registers r0-r9 named anywhere (r0 always) */
	int uses_fp;         /* r10 is named */
	int need_run;        /* helpers, local calls, packet loads, may_goto */
	int has_helper;      /* a helper call not inlined (tail calls come
			      * from one) */
	int has_pkt;         /* LD_ABS / LD_IND */
	size_t nr_local;     /* bpf-to-bpf call sites */
};

/*
 * raw[]: LD_ABS/LD_IND of 2 or 4 bytes whose value (big-endian, byte-
 * swapped into r0) is only ever compared for equality or tested against
 * constants before it dies: the load is marked with its size, and so is
 * each of those compares. The JIT may then leave the loaded bytes in
 * memory order and compare them with the swapped constant instead. The
 * compares (JEQ, JNE, JSET with a constant, on r0, 32- or 64-bit; for JEQ
 * and JNE a constant that fits the load) are every instruction the
 * load's r0 reaches while live (up to 32 of them), and every edge into
 * one of them comes from the load or from another of them ("ldh [12];
 * jeq #0x86dd jt L jf M; ... M: jeq #0x800" has two).
 */

/* Fill f for prog. 0 or -ENOMEM. */
int jit_analyze(const struct ubee_prog *prog, struct jit_facts *f);
void jit_facts_free(struct jit_facts *f);

/*
 * The map in r1 at the helper call at idx when the lookup can be inlined:
 * r1 was set by an lddw of one of prog's maps, an array or per-CPU array,
 * in the same basic block, the helper is ubee's own bpf_map_lookup_elem,
 * and the map's strides fit a 32-bit immediate. NULL otherwise.
 */
const struct ubee_map *jit_inline_lookup_map(const struct ubee_prog *prog,
					     const struct jit_facts *f,
					     size_t idx);

#endif /* UBEE_JIT_INT_H */
