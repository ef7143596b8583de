// SPDX-License-Identifier: MIT
/*
 * Oracle runs (UBEE_RUN_ORACLE): the interpreter checks every register
 * against the facts the verifier recorded before each instruction.
 *
 *  - a hand-built facts table: right facts pass, a wrong scalar, a wrong
 *    ctx offset or a wrong stack frame offset fails the run with -EFAULT
 *    and the "N: oracle: ..." line, in both dispatch variants; runs
 *    without the flag ignore the facts;
 *  - random straight-line programs (tests/lib/randprog.h) over inputs
 *    loaded from the context in every width: each one the verifier
 *    accepts runs in oracle mode on several random contexts with no
 *    violation and no checked-mode fault (UBEE_LONG=1: many more).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "randprog.h"
#include "test.h"
#include "util/util.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#define I(c, d, s, o, i)                                                      \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

static char lbuf[8192];
static struct ubee_log tlog;

static struct ubee_prog *load(const struct ubee_insn *insns, size_t cnt,
			      uint32_t ctx_size, uint32_t flags)
{
	struct ubee_prog_opts o = { .sz = sizeof(o) };
	struct ubee_prog *p = NULL;
	int err;

	o.prog_type = UBEE_PROG_TYPE_MEM;
	o.ctx_size = ctx_size;
	o.flags = flags;
	ubee_log_init(&tlog, lbuf, sizeof(lbuf));
	err = ubee_prog_load(insns, cnt, &o, &p, &tlog);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	return err ? NULL : p;
}

static int run(const struct ubee_prog *p, void *ctx, size_t size,
	       uint32_t flags, uint64_t *r0)
{
	struct ubee_run_opts o = { .sz = sizeof(o) };

	o.ctx = ctx;
	o.ctx_size = size;
	o.flags = flags;
	o.engine = UBEE_ENGINE_INTERP;
	ubee_log_init(&tlog, lbuf, sizeof(lbuf));
	return ubee_prog_run(p, &o, r0, &tlog);
}

static void fact_scalar(struct ubee_vfact *f, uint64_t lo, uint64_t hi)
{
	memset(f, 0, sizeof(*f));
	f->kind = UBEE_VFACT_SCALAR;
	ubee_scalar_urange(&f->s, lo, hi);
}

static void fact_ptr(struct ubee_vfact *f, unsigned ptr, int32_t off,
		     unsigned frame)
{
	memset(f, 0, sizeof(*f));
	f->kind = UBEE_VFACT_PTR;
	f->ptr = (uint8_t)ptr;
	f->off = off;
	f->frame = (uint8_t)frame;
	ubee_scalar_const(&f->s, 0);
}

static void handmade(void)
{
	/* r0 = 5; r0 += 1; r2 = *(u64 *)(r1 + 0); *(u64 *)(r10 - 8) = r2;
	 * r3 = r10; r3 += -8; exit */
	static const struct ubee_insn insns[] = {
		I(0xb7, 0, 0, 0, 5),
		I(0x07, 0, 0, 0, 1),
		I(0x79, 2, 1, 0, 0),
		I(0x7b, 10, 2, -8, 0),
		I(0xbf, 3, 10, 0, 0),
		I(0x07, 3, 0, 0, -8),
		I(0x95, 0, 0, 0, 0),
	};
	static const uint32_t modes[] = { 0, UBEE_RUN_SWITCH };
	struct ubee_prog *p = load(insns, 7, 8, UBEE_PROG_NO_VERIFY);
	struct ubee_vfacts *f;
	struct ubee_vfact (*r)[11];
	uint64_t ctx = 1234, r0 = 0;
	size_t i, m;
	int err;

	if (!p)
		return;
	f = ubee_calloc(1, sizeof(*f));
	T_CHECK(f, "calloc");
	if (!f)
		goto out;
	f->cnt = 7;
	f->regs = ubee_calloc(7, sizeof(*f->regs));
	r = f->regs;
	((struct ubee_prog *)p)->facts = f;
	for (i = 0; i < 7; i++) {
		fact_ptr(&r[i][1], UBEE_VFACT_CTX, 0, 0);
		fact_ptr(&r[i][10], UBEE_VFACT_STACK, 0, 0);
	}
	fact_scalar(&r[1][0], 5, 5);
	fact_scalar(&r[2][0], 6, 6);
	fact_scalar(&r[3][2], 0, UINT64_MAX);
	fact_ptr(&r[6][3], UBEE_VFACT_STACK, -8, 0);

	for (m = 0; m < 2; m++) {
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(!err && r0 == 6, "right facts: %d r0=%llu %s", err,
			(unsigned long long)r0, lbuf);

		/* a wrong scalar */
		fact_scalar(&r[1][0], 6, 10);
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(err == -EFAULT, "wrong scalar not caught: %d", err);
		T_CHECK(strstr(lbuf, "1: oracle: R0=0x5 outside scalar(") != NULL,
			"log: %s", lbuf);
		/* runs without the flag do not look at facts */
		err = run(p, &ctx, 8, UBEE_RUN_CHECKED | modes[m], &r0);
		T_CHECK(!err && r0 == 6, "checked run: %d %s", err, lbuf);
		fact_scalar(&r[1][0], 5, 5);

		/* a wrong ctx offset */
		fact_ptr(&r[4][1], UBEE_VFACT_CTX, 8, 0);
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(err == -EFAULT && strstr(lbuf, "4: oracle: R1="),
			"wrong ctx offset not caught: %d %s", err, lbuf);
		fact_ptr(&r[4][1], UBEE_VFACT_CTX, 0, 0);
		/* maybe-null pointers may be 0, not something else */
		r[4][1].maybe_null = 1;
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(!err, "maybe_null ctx: %d %s", err, lbuf);
		r[4][1].maybe_null = 0;

		/* a wrong stack offset, and a stack pointer of the caller's
		 * frame where there is none */
		fact_ptr(&r[6][3], UBEE_VFACT_STACK, -16, 0);
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(err == -EFAULT && strstr(lbuf, "6: oracle: R3="),
			"wrong stack offset not caught: %d %s", err, lbuf);
		fact_ptr(&r[6][3], UBEE_VFACT_STACK, -8, 0);

		/* the variable part of a pointer is checked too */
		ubee_scalar_urange(&r[6][3].s, 1, 4);
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(err == -EFAULT, "variable offset not checked: %d", err);
		ubee_scalar_urange(&r[6][3].s, 0, 4);
		err = run(p, &ctx, 8, UBEE_RUN_ORACLE | modes[m], &r0);
		T_CHECK(!err, "variable offset in range: %d %s", err, lbuf);
		ubee_scalar_const(&r[6][3].s, 0);
	}
out:
	ubee_prog_free(p);
}

/* ---- random programs ---------------------------------------------------- */

#define CTX_SIZE 80
#define MAX_BODY 48

static const uint8_t ldx[4] = { 0x71, 0x69, 0x61, 0x79 }; /* B H W DW */

/* Prologue: r0, r2..r9 from the ctx in random widths, the stack window
 * [r10 - 64, r10) from them; the body; exit. Returns the length. */
static size_t make_prog(struct randprog_rng *rng, struct ubee_insn *out,
			size_t cap)
{
	static const unsigned regs[] = { 0, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct randprog_opts o = {
		.features = RANDPROG_V4 | RANDPROG_ATOMIC,
		.max_slots = MAX_BODY,
		.regs = 0x3fd,  /* r0, r2-r9 */
		.stack_off = -64,
		.stack_size = 64,
	};
	size_t n = 0, k;

	for (k = 0; k < 9; k++) {
		struct ubee_insn i = I(ldx[randprog_below(rng, 4)], regs[k], 1,
				       (int16_t)(8 * k), 0);

		out[n++] = i;
	}
	for (k = 0; k < 8; k++) {
		struct ubee_insn i = I(0x7b, 10, regs[k + 1], (int16_t)(-64 + 8 * k), 0);

		out[n++] = i;
	}
	n += randprog_body(rng, &o, out + n, cap - n - 1);
	{
		struct ubee_insn e = I(0x95, 0, 0, 0, 0);

		out[n++] = e;
	}
	return n;
}

static void random_programs(void)
{
	const char *l = getenv("UBEE_LONG");
	long count = l && !strcmp(l, "1") ? 100000 : 1500, k;
	long accepted = 0, runs = 0, bad = 0, bounded = 0;
	struct randprog_rng rng;
	struct ubee_insn insns[9 + 8 + MAX_BODY + 1];

	randprog_seed(&rng, 0x5eed0acc1e);
	for (k = 0; k < count && bad < 3; k++) {
		size_t n = make_prog(&rng, insns, sizeof(insns) / sizeof(insns[0]));
		struct ubee_prog_opts po = { .sz = sizeof(po) };
		struct ubee_prog *p;
		int err, j;

		p = load(insns, n, CTX_SIZE,
			 UBEE_PROG_NO_VERIFY | UBEE_PROG_RECORD_FACTS);
		if (!p)
			break;
		po.prog_type = UBEE_PROG_TYPE_MEM;
		po.ctx_size = CTX_SIZE;
		ubee_log_init(&tlog, lbuf, sizeof(lbuf));
		err = ubee_verifier_run(p, &po, &tlog);
		if (err) {
			ubee_prog_free(p);
			continue;
		}
		accepted++;
		T_CHECK(p->facts != NULL, "program %ld: accepted without facts", k);
		for (size_t x = 0; p->facts && x < p->facts->cnt; x++)
			for (int y = 0; y < 11; y++) {
				const struct ubee_vfact *v = &p->facts->regs[x][y];

				bounded += v->kind == UBEE_VFACT_SCALAR &&
					   v->s.var.mask != UINT64_MAX;
			}
		for (j = 0; j < 6 && p->facts; j++) {
			uint64_t ctx[CTX_SIZE / 8], r0;
			size_t b;

			for (b = 0; b < CTX_SIZE / 8; b++)
				ctx[b] = randprog_value(&rng);
			runs++;
			err = run(p, ctx, CTX_SIZE,
				  UBEE_RUN_ORACLE | (j & 1 ? UBEE_RUN_SWITCH : 0),
				  &r0);
			if (err) {
				bad++;
				t_fail(__FILE__, __LINE__,
				       "program %ld (seed 0x5eed0acc1e), run %d: %d: %s",
				       k, j, err, lbuf);
				break;
			}
		}
		ubee_prog_free(p);
	}
	printf("# oracle: %ld programs, %ld accepted, %ld oracle runs, %ld bounded scalar facts\n",
	       k, accepted, runs, bounded);
	T_CHECK(bounded > k, "too few bounded scalar facts: %ld", bounded);
	T_CHECK(accepted * 2 >= k, "only %ld of %ld programs accepted", accepted,
		k);
}

int main(void)
{
	T_RUN(handmade);
	T_RUN(random_programs);
	return t_summary();
}
