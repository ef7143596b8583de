// SPDX-License-Identifier: MIT
/*
 * Differential test of the JIT against the interpreter on random programs
 * that use everything a program can: the bodies of randprog_body() (ALU
 * and ALU32 of every kind, every jump, stack loads, stores and atomics)
 * joined by "items" that call out: a helper, array and per-CPU array
 * lookups (inlined by the JIT) that modify the value found, hash map
 * update/lookup/delete, bpf-to-bpf calls into subprograms (with their own
 * stack frames, bodies and calls), bpf_loop with callbacks, legacy packet
 * loads (out of bounds ends the program) and may_goto.
 *
 *   main(r1 = buffer):  *(u64 *)(r10 - 8) = r1
 *                       initialise the window [r10 - 16 - S, r10 - 16), r0-r9
 *                       body; item; body; item; ... body
 *                       store r0-r9 and the window into the buffer
 *                       r0 = 0x55; exit
 *   subprograms:        initialise their window; body; [item]; body; exit
 *   callbacks:          keep r2 (the ctx); window; body;
 *                       *(u64 *)ctx += rX; r0 = rY & 1; exit
 *
 * Each program runs on the interpreter (unchecked), the JIT, and the JIT
 * with constant blinding, each from the same start: buffer, packet and
 * every map reset. Results compared: the error, r0, the buffer, and the
 * contents of every map. The thread is pinned to one CPU so that per-CPU
 * values land in one slot in every run.
 *
 * Environment: UBEE_JIT_DIFF_COUNT (programs, default 4000; set millions
 * for a long run), UBEE_JIT_DIFF_SEED (default 1), UBEE_JIT_DIFF_ONLY
 * (run and print only this program).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/bpf.h>

#include "engines.h"
#include "isa/isa.h"
#include "randprog.h"
#include "test.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/ubee.h"

#define BATCH 500
#define MAX_PROG 4096
#define MAX_BODY 40
#define MAX_SUBS 3
#define MAX_CBS 2
#define MAX_WINDOW 256
#define NREGS 10
#define OUT_MAX (NREGS * 8 + MAX_WINDOW)
#define PKT_SIZE 48
#define ARRAY_N 8
#define HASH_N 16
#define VALUE 16             /* value size of every map */
#define H_MIX 1000           /* the custom helper */

/* ---- the world a program runs in -------------------------------------- */

static struct {
	struct ubee_map *array, *percpu, *hash;
	struct ubee_helpers *helpers;
	unsigned nr_cpus;
	uint64_t seed;
	size_t count;
	long only;
	unsigned long op_count[UBEE_OP__COUNT];
	size_t compared, printed;
} g;

static uint64_t h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		      uint64_t e)
{
	return (a * 0x9e3779b97f4a7c15ull) ^ (b << 7) ^ (c >> 3) ^ (d * 31) ^ ~e;
}

/* The maps' contents, a run's outcome and its buffers. */
struct state {
	int err;
	uint64_t r0;
	uint8_t buf[OUT_MAX];
	uint8_t maps[(ARRAY_N + ARRAY_N * 64 + HASH_N) * (VALUE + 1)];
	size_t maps_len;
};

/* Put every map back into the state program seed s starts from. */
static void reset_maps(uint64_t s)
{
	uint8_t v[VALUE * 64];
	struct randprog_rng rng;

	randprog_seed(&rng, s);
	for (uint32_t i = 0; i < ARRAY_N; i++) {
		for (size_t k = 0; k < sizeof(v); k += 8) {
			uint64_t x = randprog_value(&rng);

			memcpy(v + k, &x, 8);
		}
		ubee_map_update(g.array, &i, v, 0);
		ubee_map_update(g.percpu, &i, v, 0);
	}
	for (uint32_t k = 0; k < HASH_N; k++)
		ubee_map_delete(g.hash, &k);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t x[2] = { randprog_value(&rng), randprog_value(&rng) };

		ubee_map_update(g.hash, &k, x, 0);
	}
}

static void snapshot_maps(struct state *st)
{
	uint8_t v[VALUE * 64];
	size_t n = 0;

	for (uint32_t i = 0; i < ARRAY_N; i++) {
		ubee_map_lookup(g.array, &i, v);
		memcpy(st->maps + n, v, VALUE);
		n += VALUE;
		ubee_map_lookup(g.percpu, &i, v);
		memcpy(st->maps + n, v, (size_t)VALUE * g.nr_cpus);
		n += (size_t)VALUE * g.nr_cpus;
	}
	for (uint32_t k = 0; k < HASH_N; k++) {
		memset(v, 0, VALUE);
		st->maps[n++] = !ubee_map_lookup(g.hash, &k, v);
		memcpy(st->maps + n, v, VALUE);
		n += VALUE;
	}
	st->maps_len = n;
}

/* ---- generating programs ---------------------------------------------- */

struct fix {
	size_t at;   /* call or lddw func */
	int target;  /* subprogram (0..) or callback (MAX_SUBS + k) */
};

struct gen {
	struct randprog_rng rng;
	struct ubee_insn p[MAX_PROG];
	size_t n;
	struct fix fix[256];
	size_t nfix;
	size_t start[MAX_SUBS + MAX_CBS];
	int nsubs, ncbs;
	int use_pkt;
	uint8_t data[OUT_MAX];
	uint8_t pkt[PKT_SIZE];
	unsigned window; /* main's */
};

static struct ubee_insn ins(uint8_t code, unsigned dst, unsigned src, int off,
			    int32_t imm)
{
	return (struct ubee_insn){ .code = code, .dst_reg = dst & 0xf,
				   .src_reg = src & 0xf, .off = (int16_t)off,
				   .imm = imm };
}

static void emit(struct gen *x, struct ubee_insn in)
{
	if (x->n < MAX_PROG)
		x->p[x->n] = in;
	x->n++;
}

static void emit_lddw(struct gen *x, unsigned dst, unsigned src, uint64_t v)
{
	emit(x, ins(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (int32_t)(uint32_t)v));
	emit(x, ins(0, 0, 0, 0, (int32_t)(v >> 32)));
}

static uint32_t below(struct gen *x, uint32_t n)
{
	return randprog_below(&x->rng, n);
}

/* A register other than r0 (which may hold a map value pointer). */
static unsigned any_reg(struct gen *x)
{
	return 1 + below(x, 9);
}

/* [r10 - 16 - size, r10 - 16) filled with constants. */
static void init_window(struct gen *x, unsigned size)
{
	for (int off = -16 - (int)size; off < -16; off += 8) {
		uint64_t v = randprog_value(&x->rng);

		if (below(x, 2)) {
			emit(x, ins(BPF_ST | BPF_DW | BPF_MEM, BPF_REG_10, 0, off,
				    (int32_t)v));
		} else {
			emit(x, ins(BPF_ST | BPF_W | BPF_MEM, BPF_REG_10, 0, off,
				    (int32_t)v));
			emit(x, ins(BPF_ST | BPF_W | BPF_MEM, BPF_REG_10, 0, off + 4,
				    (int32_t)(v >> 32)));
		}
	}
}

static void body(struct gen *x, unsigned window)
{
	struct randprog_opts o = { .features = RANDPROG_V4 | RANDPROG_ATOMIC,
				   .max_slots = MAX_BODY, .regs = 0x3ff,
				   .stack_off = -16 - (int)window,
				   .stack_size = window };
	struct ubee_insn tmp[MAX_BODY];
	size_t n;

	if (below(x, 2)) {
		o.regs &= (uint16_t)randprog_u64(&x->rng);
		o.regs |= (uint16_t)(1u << below(x, 10));
	}
	n = randprog_body(&x->rng, &o, tmp, MAX_BODY);
	for (size_t i = 0; i < n; i++)
		emit(x, tmp[i]);
}

/*
 * Lookup in an array, the key in the 8-byte slot at r10 - 16; the value
 * found changes; r0 becomes 0 or 1.
 */
static void item_array(struct gen *x, struct ubee_map *map)
{
	unsigned ra = any_reg(x), rb = any_reg(x);

	if (ra == 2 || ra == 3)
		ra = 6;
	emit(x, ins(BPF_ST | BPF_DW | BPF_MEM, BPF_REG_10, 0, -16,
		    (int32_t)below(x, ARRAY_N + 2)));
	emit_lddw(x, BPF_REG_1, 0, (uintptr_t)map);
	emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0));
	emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -16));
	emit(x, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem));
	emit(x, ins(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 5, 0));
	emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_3, BPF_REG_0, 8, 0));
	emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, ra, 0, 0));
	emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_3, 8, 0));
	emit(x, ins(BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, rb == 2 ? 4 : rb,
		    0, BPF_ADD));
	emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
	emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0,
		    (int32_t)randprog_u64(&x->rng)));
}

/*
 * Hash update (the value: 16 bytes from the window's start, so through
 * the key slot at r10 - 16 for small windows: all of it written),
 * lookup (r0 = value + 1 or 0), delete.
 */
static void item_hash(struct gen *x, unsigned window)
{
	int op = (int)below(x, 3);

	emit(x, ins(BPF_ST | BPF_DW | BPF_MEM, BPF_REG_10, 0, -16,
		    (int32_t)below(x, 8)));
	emit_lddw(x, BPF_REG_1, 0, (uintptr_t)g.hash);
	emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0));
	emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -16));
	if (op == 0) {
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0));
		emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0,
			    -16 - (int)window));
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0,
			    (int32_t)below(x, 3)));
		emit(x, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem));
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 3));
	} else if (op == 1) {
		emit(x, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem));
		emit(x, ins(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0));
		emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_0, 0, 0));
		emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_0, 0, 0, 1));
	} else {
		emit(x, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_delete_elem));
	}
	emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 2));
}

static void item_pkt(struct gen *x)
{
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W };
	uint8_t sz = sizes[below(x, 3)];

	x->use_pkt = 1;
	if (below(x, 2)) {
		emit(x, ins(BPF_LD | BPF_ABS | sz, 0, 0, 0,
			    (int32_t)below(x, PKT_SIZE + 3) - 1));
	} else {
		unsigned r = any_reg(x);

		emit(x, ins(BPF_ALU64 | BPF_AND | BPF_K, r, 0, 0, 63));
		emit(x, ins(BPF_LD | BPF_IND | sz, 0, r, 0,
			    (int32_t)below(x, 8) - 2));
	}
}

/* One call-out between two bodies; subs: inside a subprogram. */
static void item(struct gen *x, unsigned window, int in_sub)
{
	switch (below(x, in_sub ? 4 : 9)) {
	case 0:
		emit(x, ins(BPF_JMP | BPF_CALL, 0, 0, 0, H_MIX));
		break;
	case 1:
		item_array(x, g.array);
		break;
	case 2:
		item_array(x, g.percpu);
		break;
	case 3:
		item_hash(x, window);
		break;
	case 4:
	case 5:
		x->fix[x->nfix++] = (struct fix){ x->n, (int)below(x, MAX_SUBS) };
		emit(x, ins(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
		break;
	case 6:
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0,
			    (int32_t)below(x, 5)));
		x->fix[x->nfix++] = (struct fix){ x->n, MAX_SUBS + (int)below(x, MAX_CBS) };
		emit_lddw(x, BPF_REG_2, BPF_PSEUDO_FUNC, 0);
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0));
		emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0,
			    -16 - (int)window));
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0));
		emit(x, ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop));
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 5));
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 6));
		break;
	case 7:
		item_pkt(x);
		break;
	default:
		/* may_goto over one instruction: counts down, never exhausts */
		emit(x, ins(BPF_JMP | 0xe0 /* may_goto */, 0, 0, 1, 0));
		emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_K, any_reg(x), 0, 0, 1));
		break;
	}
}

static unsigned pick_window(struct gen *x)
{
	return 8 * (1 + below(x, below(x, 2) ? 4 : MAX_WINDOW / 8 - 1));
}

static void make_prog(struct gen *x, uint64_t seed)
{
	unsigned w;
	int items;

	memset(x, 0, sizeof(*x));
	randprog_seed(&x->rng, seed);
	for (size_t i = 0; i < sizeof(x->data); i++)
		x->data[i] = (uint8_t)randprog_u64(&x->rng);
	for (size_t i = 0; i < sizeof(x->pkt); i++)
		x->pkt[i] = (uint8_t)randprog_u64(&x->rng);

	/* main */
	x->window = w = pick_window(x);
	emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_1, -8, 0));
	init_window(x, w);
	for (unsigned r = 0; r < NREGS; r++) {
		uint64_t v = randprog_value(&x->rng);

		if (below(x, 2))
			emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, (int32_t)v));
		else
			emit_lddw(x, r, 0, v);
	}
	items = (int)below(x, 5);
	body(x, w);
	for (int i = 0; i < items; i++) {
		item(x, w, 0);
		body(x, w);
	}
	emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_9, -16, 0));
	emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_9, BPF_REG_10, -8, 0));
	for (unsigned r = 0; r < 9; r++)
		emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_9, r, (int)r * 8, 0));
	emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_10, -16, 0));
	emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_9, BPF_REG_0, 72, 0));
	for (unsigned k = 0; k < w / 8; k++) {
		emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_10,
			    -16 - (int)w + (int)k * 8, 0));
		emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_9, BPF_REG_0,
			    NREGS * 8 + (int)k * 8, 0));
	}
	emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0x55));
	emit(x, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));

	/* subprograms: their own window, bodies, at most one item */
	for (int s = 0; s < MAX_SUBS; s++) {
		x->start[s] = x->n;
		w = pick_window(x);
		init_window(x, w);
		body(x, w);
		if (below(x, 2)) {
			item(x, w, 1);
			body(x, w);
		}
		emit(x, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	/* callbacks: add to *ctx, stop when rY is odd */
	for (int c = 0; c < MAX_CBS; c++) {
		x->start[MAX_SUBS + c] = x->n;
		w = pick_window(x);
		emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_2, -8, 0));
		init_window(x, w);
		body(x, w);
		emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_2, BPF_REG_10, -8, 0));
		emit(x, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_1, BPF_REG_2, 0, 0));
		emit(x, ins(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_1, 3 + below(x, 7), 0, 0));
		emit(x, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0));
		emit(x, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, 3 + below(x, 7), 0, 0));
		emit(x, ins(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, 1));
		emit(x, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	for (size_t i = 0; i < x->nfix; i++)
		x->p[x->fix[i].at].imm =
			(int32_t)((long)x->start[x->fix[i].target] - (long)x->fix[i].at - 1);
}

/* ---- running and comparing ---------------------------------------------- */

static struct ubee_prog *load(const struct gen *x, uint32_t flags, char *log,
			      size_t size)
{
	struct ubee_map *maps[3] = { g.array, g.percpu, g.hash };
	/* Random programs (unreachable code, raw addresses): unverified;
	 * both engines run them trusted. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .helpers = g.helpers,
				     .flags = flags | UBEE_PROG_NO_VERIFY,
				     .maps = maps, .nr_maps = 3 };
	struct ubee_prog *prog = NULL;
	struct ubee_log l;

	ubee_log_init(&l, log, size);
	if (ubee_prog_load(x->p, x->n, &po, &prog, &l))
		return NULL;
	return prog;
}

static void run_one(const struct gen *x, const struct ubee_prog *prog,
		    enum ubee_engine engine, uint64_t seed, struct state *st,
		    char *log, size_t size)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = st->buf,
				    .ctx_size = sizeof(st->buf),
				    .pkt = (void *)x->pkt, .pkt_size = PKT_SIZE,
				    .engine = engine, .flags = UBEE_RUN_TRUSTED };
	struct ubee_log l;

	memcpy(st->buf, x->data, sizeof(st->buf));
	reset_maps(seed);
	ubee_log_init(&l, log, size);
	st->r0 = 0;
	st->err = ubee_prog_run(prog, &ro, &st->r0, &l);
	snapshot_maps(st);
}

/* "" when equal, else what differs first. */
static void compare(const struct state *a, const struct state *b, char *why,
		    size_t size)
{
	why[0] = '\0';
	if (a->err != b->err || a->r0 != b->r0) {
		snprintf(why, size, "err %d r0 0x%" PRIx64 ", interp err %d r0 0x%" PRIx64,
			 b->err, b->r0, a->err, a->r0);
		return;
	}
	for (size_t i = 0; i < sizeof(a->buf); i++) {
		if (a->buf[i] != b->buf[i]) {
			if (i < NREGS * 8)
				snprintf(why, size, "r%zu differs (byte %zu)", i / 8, i % 8);
			else
				snprintf(why, size, "stack window byte %zu differs",
					 i - NREGS * 8);
			return;
		}
	}
	if (a->maps_len != b->maps_len || memcmp(a->maps, b->maps, a->maps_len))
		snprintf(why, size, "map contents differ");
}

static void print_prog(const struct gen *x)
{
	char line[160];

	for (size_t i = 0; i < x->n && i < MAX_PROG;) {
		int w = ubee_disasm_insn(x->p, x->n, i, NULL, line, sizeof(line));

		printf("    %4zu: %s\n", i, line);
		i += w > 0 ? (size_t)w : 1;
	}
}

static uint64_t prog_seed(size_t index)
{
	return g.seed * 0x9e3779b97f4a7c15ull + index * 0xd1b54a32d192ed03ull + 7;
}

/*
 * Program index on every engine. corrupt flips a bit of the JIT's buffer
 * (the comparison must notice). Returns 0, or 1 with why filled.
 */
static int check(size_t index, int corrupt, char *why, size_t size)
{
	static struct gen x;
	static struct state ref, got;
	struct ubee_prog *plain, *hard = NULL;
	char log[512];
	int bad = 0;

	make_prog(&x, prog_seed(index));
	if (x.n > MAX_PROG) {
		snprintf(why, size, "program too long (%zu slots)", x.n);
		return 1;
	}
	plain = load(&x, 0, log, sizeof(log));
	if (plain)
		hard = load(&x, UBEE_PROG_HARDEN, log, sizeof(log));
	if (!plain || !hard) {
		snprintf(why, size, "load: %s", log);
		bad = 1;
		goto out;
	}
	for (size_t i = 0; i < x.n; i++) {
		int op = ubee_isa_lookup(&x.p[i]);

		if (op >= 0 && !(i && x.p[i - 1].code == (BPF_LD | BPF_DW | BPF_IMM)))
			g.op_count[op]++;
	}
	run_one(&x, plain, UBEE_ENGINE_INTERP, index, &ref, log, sizeof(log));
	for (int h = 0; h < 2 && !bad; h++) {
		run_one(&x, h ? hard : plain, UBEE_ENGINE_JIT, index, &got, log,
			sizeof(log));
		if (corrupt)
			got.buf[(index * 8 + 13) % sizeof(got.buf)] ^= 0x10;
		compare(&ref, &got, why, size);
		if (why[0]) {
			size_t n = strlen(why);

			snprintf(why + n, size - n, " [jit%s] %s", h ? "-harden" : "", log);
			bad = 1;
		}
	}
out:
	if (g.only >= 0 || (bad && !corrupt && g.printed++ < 2)) {
		printf("    UBEE_JIT_DIFF_SEED=%" PRIu64 " UBEE_JIT_DIFF_ONLY=%zu: %s\n",
		       g.seed, index, bad ? why : "equal");
		print_prog(&x);
	}
	ubee_prog_free(plain);
	ubee_prog_free(hard);
	return bad;
}

/* ---- cases ---------------------------------------------------------------- */

static void setup(void)
{
	struct ubee_map_spec a = { .sz = sizeof(a), .type = UBEE_MAP_ARRAY,
				   .key_size = 4, .value_size = VALUE,
				   .max_entries = ARRAY_N };
	struct ubee_map_spec p = a, h = a;
	struct ubee_helper mix = { H_MIX, "h_mix", h_mix, UBEE_RET_INTEGER, { 0 } };
	const char *s;
	cpu_set_t one;

	p.type = UBEE_MAP_PERCPU_ARRAY;
	h.type = UBEE_MAP_HASH;
	h.max_entries = HASH_N;
	g.array = ubee_map_new(&a, NULL);
	g.percpu = ubee_map_new(&p, NULL);
	g.hash = ubee_map_new(&h, NULL);
	g.helpers = ubee_helpers_new();
	g.nr_cpus = ubee_map_nr_cpus();
	T_CHECK(g.array && g.percpu && g.hash && g.helpers, "maps and helpers");
	T_CHECK(g.nr_cpus <= 64, "%u CPUs: the snapshot has room for 64", g.nr_cpus);
	T_CHECK(g.helpers && !ubee_helpers_add(g.helpers, &mix), "helper");
	/* Per-CPU values: every run in one slot. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	s = getenv("UBEE_JIT_DIFF_COUNT");
	g.count = s ? strtoull(s, NULL, 0) : 4000;
	s = getenv("UBEE_JIT_DIFF_SEED");
	g.seed = s ? strtoull(s, NULL, 0) : 1;
	s = getenv("UBEE_JIT_DIFF_ONLY");
	g.only = s ? strtol(s, NULL, 0) : -1;
	printf("    jit_diff: UBEE_JIT_DIFF_SEED=%" PRIu64 " UBEE_JIT_DIFF_COUNT=%zu\n",
	       g.seed, g.count);
}

static void jit_diff_detects_corruption(void)
{
	char why[1024];

	T_CHECK(!check(0, 0, why, sizeof(why)), "program 0: %s", why);
	T_CHECK(check(0, 1, why, sizeof(why)), "a corrupted result was not reported");
	printf("    corrupted on purpose, reported: %.200s\n", why);
}

static void run_batch(size_t from, size_t to)
{
	char why[1024];
	size_t bad = 0;

	t_begin("jit_diff programs %zu-%zu", from, to - 1);
	for (size_t i = from; i < to; i++) {
		if (g.only >= 0 && (size_t)g.only != i)
			continue;
		if (check(i, 0, why, sizeof(why))) {
			if (!bad++)
				t_fail(__FILE__, __LINE__, "seed %" PRIu64 " program %zu: %s",
				       g.seed, i, why);
			continue;
		}
		g.compared++;
	}
	if (bad)
		printf("    batch %zu-%zu: %zu mismatches\n", from, to - 1, bad);
	t_end();
}

/* Every op the generators can produce showed up. */
static void jit_diff_coverage(void)
{
	struct randprog_opts o = { .features = RANDPROG_V4 | RANDPROG_ATOMIC,
				   .max_slots = MAX_BODY, .regs = 0x3ff,
				   .stack_off = -64, .stack_size = 48 };
	static const int extra[] = {
		UBEE_OP_CALL, UBEE_OP_CALL_LOCAL, UBEE_OP_LDDW_FUNC,
		UBEE_OP_LD_ABS_B, UBEE_OP_LD_ABS_H, UBEE_OP_LD_ABS_W,
		UBEE_OP_LD_IND_B, UBEE_OP_LD_IND_H, UBEE_OP_LD_IND_W,
		UBEE_OP_MAY_GOTO,
	};
	size_t want = 0, seen = 0;

	if (g.count < 1000 || g.only >= 0) {
		t_skip("needs at least 1000 programs");
		return;
	}
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		int w = randprog_body_can_emit(&o, op);

		for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++)
			w |= extra[k] == op;
		if (!w)
			continue;
		want++;
		if (g.op_count[op])
			seen++;
		else
			T_CHECK(0, "%s never generated", ubee_isa_ops[op].name);
	}
	printf("    coverage: %zu of %zu ops; %zu programs compared\n", seen, want,
	       g.compared);
}

int main(void)
{
	struct timespec t0, t1;

	if (!ubee_engine_available(UBEE_ENGINE_JIT)) {
		t_begin("jit_diff");
		t_skip("the JIT is not built for this machine");
		t_end();
		return t_summary();
	}
	T_RUN(setup);
	if (!t_ok() || !g.array)
		return t_summary();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_RUN(jit_diff_detects_corruption);
	for (size_t from = 0; from < g.count; from += BATCH)
		run_batch(from, from + BATCH < g.count ? from + BATCH : g.count);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("    %zu programs in %.1f s\n", g.count,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	T_RUN(jit_diff_coverage);
	ubee_map_put(g.array);
	ubee_map_put(g.percpu);
	ubee_map_put(g.hash);
	ubee_helpers_free(g.helpers);
	return t_summary();
}
