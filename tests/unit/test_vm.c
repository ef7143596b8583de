// SPDX-License-Identifier: MIT
/*
 * The interpreter and the program object: every ALU and jump op with its
 * edge cases (both widths) and every memory op, run on all four engines
 * ({unchecked, checked} x {goto, switch}) against fixed expected values;
 * atomics, also from four threads at once; checked-mode faults, budget,
 * call frames, tail calls, legacy packet loads, may_goto, pseudo lddw
 * resolution and load-time rejections.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "test.h"
#include "isa/isa.h"
#include "ubee/map.h"
#include "util/util.h"
#include "vm/vm.h"

#define N(a) UBEE_ARRAY_SIZE(a)
#define I(c, d, s, o, i)                                                      \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define LDDW(d, v)                                                            \
	I(0x18, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                   \
	I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define MOV_K(d, k) I(0xb7, d, 0, 0, k)
#define MOV_X(d, s) I(0xbf, d, s, 0, 0)
#define ADD_K(d, k) I(0x07, d, 0, 0, k)
#define ADD_X(d, s) I(0x0f, d, s, 0, 0)
#define MUL_K(d, k) I(0x27, d, 0, 0, k)
#define LDX_DW(d, s, o) I(0x79, d, s, o, 0)
#define STX_DW(d, s, o) I(0x7b, d, s, o, 0)
#define JA(o) I(0x05, 0, 0, o, 0)
#define JNE_K(d, k, o) I(0x55, d, 0, o, k)
#define CALL(id) I(0x85, 0, 0, 0, id)
#define CALL_LOCAL(rel) I(0x85, 0, 1, 0, rel)
#define EXIT I(0x95, 0, 0, 0, 0)
#define AW(op, d, s, o) I(0xc3, d, s, o, op)  /* 32-bit atomic */
#define ADW(op, d, s, o) I(0xdb, d, s, o, op) /* 64-bit atomic */

static struct ubee_insn mk(uint8_t c, uint8_t d, uint8_t s, int16_t o, int32_t i)
{
	return (struct ubee_insn){ .code = c, .dst_reg = d, .src_reg = s,
				   .off = o, .imm = i };
}

/* The interpreter's variants: tests/lib/engines.c, shared by every test. */
#define modes(m) (t_engines[m].flags)
#define mode_name(m) (t_engines[m].name)

static char logbuf[4096];

/*
 * Load p[n] (with popts, may be NULL) and run it once with ro (may be
 * NULL; sz and flags are set here). Returns the load or run error; the
 * log is in logbuf.
 */
static int exec(const struct ubee_insn *p, size_t n,
		const struct ubee_prog_opts *popts, struct ubee_run_opts *ro,
		uint32_t flags, uint64_t *r0)
{
	struct ubee_run_opts def = { 0 };
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_prog *prog;
	struct ubee_log log;
	int err;

	/*
	 * The interpreter's semantics, also of programs the verifier refuses
	 * (division by zero, raw addresses): unverified, so runs are checked
	 * unless flags say UBEE_RUN_TRUSTED.
	 */
	if (popts)
		po = *popts;
	po.flags |= UBEE_PROG_NO_VERIFY;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	*r0 = 0xdeadbeef;
	err = ubee_prog_load(p, n, &po, &prog, &log);
	if (err)
		return err;
	if (!ro)
		ro = &def;
	ro->sz = sizeof(*ro);
	ro->flags = flags;
	/* These tests are the interpreter's: the JIT has its own. */
	if (ro->engine == UBEE_ENGINE_DEFAULT)
		ro->engine = UBEE_ENGINE_INTERP;
	err = ubee_prog_run(prog, ro, r0, &log);
	ubee_prog_free(prog);
	return err;
}

static int exec_ctx(const struct ubee_insn *p, size_t n, uint32_t flags,
		    void *ctx, size_t ctx_size, uint64_t *r0)
{
	struct ubee_run_opts ro = { .ctx = ctx, .ctx_size = ctx_size };

	return exec(p, n, NULL, &ro, flags, r0);
}

/* Run in all four modes; each must succeed with r0 == want. */
static void expect_all(const struct ubee_insn *p, size_t n, uint64_t want)
{
	for (int m = 0; m < T_NR_INTERP; m++) {
		uint64_t r0;
		int err = exec(p, n, NULL, NULL, modes(m), &r0);

		T_CHECK(!err && r0 == want, "%s: err %d r0 0x%llx, want 0x%llx (%s)",
			mode_name(m), err, (unsigned long long)r0,
			(unsigned long long)want, logbuf);
	}
}

/* Run in all four modes; each must fail with err and a log line starting
 * with prefix and containing what. */
static void expect_fail(const struct ubee_insn *p, size_t n, int modes_from,
			struct ubee_run_opts *ro, int want_err,
			const char *prefix, const char *what)
{
	for (int m = modes_from; m < T_NR_INTERP; m++) {
		uint64_t r0;
		int err = exec(p, n, NULL, ro, modes(m), &r0);

		T_CHECK(err == want_err, "%s: err %d, want %d (%s)", mode_name(m),
			err, want_err, logbuf);
		T_CHECK(!strncmp(logbuf, prefix, strlen(prefix)) &&
				strstr(logbuf, what),
			"%s: log '%s' lacks '%s...%s'", mode_name(m), logbuf,
			prefix, what);
	}
}

/* ---- ALU ------------------------------------------------------------- */

struct alu_case {
	uint8_t code;
	int16_t off;
	char kind; /* X: r1 op= r2, K: r1 op= imm, N: neg, E: byte order */
	uint64_t a, b, want;
};

#define XC(c, o, a, b, w) { c, o, 'X', a, b, w }
#define KC(c, o, a, k, w) { c, o, 'K', a, (uint64_t)(int64_t)(k), w }
#define NC(c, a, w) { c, 0, 'N', a, 0, w }
#define EC(c, width, a, w) { c, 0, 'E', a, width, w }
#define MIN64 0x8000000000000000ull
#define ONES 0xffffffffffffffffull

static const struct alu_case alu_cases[] = {
	/* 64-bit */
	XC(0x0f, 0, ONES, 1, 0),
	KC(0x07, 0, 1, -1, 0),
	KC(0x07, 0, 0, INT32_MIN, 0xffffffff80000000ull),
	XC(0x1f, 0, 0, 1, ONES),
	KC(0x17, 0, 5, -3, 8),
	XC(0x2f, 0, 0x100000000ull, 0x100000000ull, 0),
	KC(0x27, 0, 3, -2, 0xfffffffffffffffaull),
	XC(0x3f, 0, 10, 0, 0),
	XC(0x3f, 0, ONES, 2, 0x7fffffffffffffffull),
	KC(0x37, 0, 10, -1, 0),
	KC(0x37, 0, ONES, -1, 1),
	KC(0x37, 0, 100, 0, 0),
	XC(0x3f, 1, MIN64, ONES, MIN64),
	XC(0x3f, 1, (uint64_t)-7, 2, (uint64_t)-3),
	XC(0x3f, 1, 7, (uint64_t)-2, (uint64_t)-3),
	XC(0x3f, 1, 7, 0, 0),
	KC(0x37, 1, MIN64, -1, MIN64),
	KC(0x37, 1, (uint64_t)-7, 2, (uint64_t)-3),
	XC(0x4f, 0, 0xf0, 0x0f, 0xff),
	KC(0x47, 0, 0, -1, ONES),
	XC(0x5f, 0, 0xff00ff, 0x000ff0, 0xf0),
	KC(0x57, 0, ONES, 0x7fffffff, 0x7fffffff),
	KC(0x57, 0, ONES, -2, 0xfffffffffffffffeull),
	XC(0x6f, 0, 1, 64, 1),
	XC(0x6f, 0, 1, 65, 2),
	XC(0x6f, 0, 1, 63, MIN64),
	KC(0x67, 0, 3, 62, 0xc000000000000000ull),
	XC(0x7f, 0, MIN64, 63, 1),
	XC(0x7f, 0, MIN64, 64, MIN64),
	KC(0x77, 0, 0xf0, 4, 0xf),
	XC(0x9f, 0, 10, 0, 10),
	XC(0x9f, 0, 10, 3, 1),
	KC(0x97, 0, ONES, -1, 0),
	KC(0x97, 0, 10, -1, 10),
	KC(0x97, 0, 10, 0, 10),
	XC(0x9f, 1, MIN64, ONES, 0),
	XC(0x9f, 1, (uint64_t)-7, 2, ONES),
	XC(0x9f, 1, 7, (uint64_t)-2, 1),
	XC(0x9f, 1, (uint64_t)-7, 0, (uint64_t)-7),
	KC(0x97, 1, MIN64, -1, 0),
	KC(0x97, 1, (uint64_t)-7, 3, ONES),
	XC(0xaf, 0, 0xff, 0x0f, 0xf0),
	KC(0xa7, 0, 0, -1, ONES),
	XC(0xbf, 0, 5, 0x123456789ull, 0x123456789ull),
	KC(0xb7, 0, 5, -1, ONES),
	XC(0xcf, 0, MIN64, 63, ONES),
	XC(0xcf, 0, MIN64, 64, MIN64),
	KC(0xc7, 0, (uint64_t)-16, 2, (uint64_t)-4),
	NC(0x87, 5, (uint64_t)-5),
	NC(0x87, MIN64, MIN64),
	NC(0x87, 0, 0),
	XC(0xbf, 8, 0, 0x180, 0xffffffffffffff80ull),
	XC(0xbf, 8, 0, 0x7f, 0x7f),
	XC(0xbf, 16, 0, 0x12348000, 0xffffffffffff8000ull),
	XC(0xbf, 32, 0, 0x80000000, 0xffffffff80000000ull),
	XC(0xbf, 32, 0, 0x17fffffffull, 0x7fffffff),
	/* 32-bit: low halves in, zero-extended out */
	XC(0x0c, 0, 0xffffffff, 1, 0),
	XC(0x0c, 0, 0x100000005ull, 0x100000000ull, 5),
	KC(0x04, 0, 0xffffffff00000001ull, -1, 0),
	XC(0x1c, 0, 0, 1, 0xffffffff),
	KC(0x14, 0, 0x100000000ull, 1, 0xffffffff),
	XC(0x2c, 0, 0x10000, 0x10000, 0),
	XC(0x2c, 0, 0xffffffff, 0xffffffff, 1),
	KC(0x24, 0, 3, -2, 0xfffffffa),
	XC(0x3c, 0, 0xffffffff00000010ull, 0, 0),
	XC(0x3c, 0, 0xffffffff, 2, 0x7fffffff),
	XC(0x3c, 0, 100, 0x100000000ull, 0),
	XC(0x3c, 0, 0x100000064ull, 0x10000000aull, 10),
	KC(0x34, 0, 0x10000000aull, 3, 3),
	KC(0x34, 0, 0xffffffff, -1, 1),
	XC(0x3c, 1, 0x80000000, 0xffffffff, 0x80000000),
	XC(0x3c, 1, 0xfffffff9, 2, 0xfffffffd),
	XC(0x3c, 1, (uint64_t)-7, 2, 0xfffffffd),
	XC(0x3c, 1, 7, 0, 0),
	KC(0x34, 1, 0x80000000, -1, 0x80000000),
	KC(0x34, 1, 0xfffffff9, 2, 0xfffffffd),
	XC(0x4c, 0, 0xffffffff00000000ull, 1, 1),
	KC(0x44, 0, 0, -1, 0xffffffff),
	XC(0x5c, 0, ONES, 0xffffffff0000ffffull, 0xffff),
	KC(0x54, 0, ONES, -1, 0xffffffff),
	XC(0x6c, 0, 1, 32, 1),
	XC(0x6c, 0, 1, 31, 0x80000000),
	XC(0x6c, 0, 0xffffffff, 4, 0xfffffff0),
	KC(0x64, 0, 0x100000001ull, 1, 2),
	XC(0x7c, 0, 0xffffffff80000000ull, 31, 1),
	XC(0x7c, 0, 0xffffffff80000000ull, 32, 0x80000000),
	KC(0x74, 0, 0xf0000000000000f0ull, 4, 0xf),
	XC(0x9c, 0, 0xffffffff0000000aull, 0, 0xa),
	XC(0x9c, 0, 10, 3, 1),
	XC(0x9c, 0, 0x10000000aull, 0x100000000ull, 0xa),
	KC(0x94, 0, 0x100000007ull, 0, 7),
	KC(0x94, 0, 10, -1, 10),
	XC(0x9c, 1, 0x80000000, 0xffffffff, 0),
	XC(0x9c, 1, 0xfffffff9, 2, 0xffffffff),
	XC(0x9c, 1, (uint64_t)-7, 0, 0xfffffff9),
	XC(0x9c, 1, 7, 0xfffffffe, 1),
	KC(0x94, 1, 0x80000000, -1, 0),
	KC(0x94, 1, (uint64_t)-7, 3, 0xffffffff),
	XC(0xac, 0, 0xffffffff000000ffull, 0xf, 0xf0),
	KC(0xa4, 0, 0, -1, 0xffffffff),
	XC(0xbc, 0, 5, ONES, 0xffffffff),
	KC(0xb4, 0, 5, -1, 0xffffffff),
	XC(0xcc, 0, 0x80000000, 31, 0xffffffff),
	XC(0xcc, 0, 0x180000000ull, 4, 0xf8000000),
	XC(0xcc, 0, 0xffffffff80000000ull, 32, 0x80000000),
	KC(0xc4, 0, 0xfffffff0, 2, 0xfffffffc),
	NC(0x84, 5, 0xfffffffb),
	NC(0x84, 0x80000000, 0x80000000),
	NC(0x84, 0xffffffff00000001ull, 0xffffffff),
	XC(0xbc, 8, 0, 0x80, 0xffffff80),
	XC(0xbc, 8, 0, 0xffffffffffffff7full, 0x7f),
	XC(0xbc, 16, 0, 0x8000, 0xffff8000),
	/* byte order */
	EC(0xd4, 16, 0x1122334455667788ull, 0x7788),
	EC(0xd4, 32, 0x1122334455667788ull, 0x55667788),
	EC(0xd4, 64, 0x1122334455667788ull, 0x1122334455667788ull),
	EC(0xdc, 16, 0x1122334455667788ull, 0x8877),
	EC(0xdc, 32, 0x1122334455667788ull, 0x88776655),
	EC(0xdc, 64, 0x1122334455667788ull, 0x8877665544332211ull),
	EC(0xd7, 16, 0x1122334455667788ull, 0x8877),
	EC(0xd7, 32, 0x1122334455667788ull, 0x88776655),
	EC(0xd7, 64, 0x1122334455667788ull, 0x8877665544332211ull),
};

static void alu_every_op_every_engine(void)
{
	uint8_t covered[UBEE_OP__COUNT] = { 0 };

	for (size_t i = 0; i < N(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		struct ubee_insn p[] = {
			LDDW(1, c->a), LDDW(2, c->b), EXIT, MOV_X(0, 1), EXIT,
		};
		int op;

		if (c->kind == 'X')
			p[4] = mk(c->code, 1, 2, c->off, 0);
		else if (c->kind == 'N')
			p[4] = mk(c->code, 1, 0, 0, 0);
		else
			p[4] = mk(c->code, 1, 0, c->off, (int32_t)c->b);
		op = ubee_isa_lookup(&p[4]);
		T_CHECK(op >= 0, "case %zu: bad opcode 0x%02x", i, c->code);
		if (op < 0)
			continue;
		covered[op] = 1;
		for (int m = 0; m < T_NR_INTERP; m++) {
			uint64_t r0;
			int err = exec(p, N(p), NULL, NULL, modes(m), &r0);

			T_CHECK(!err && r0 == c->want,
				"case %zu %s a=0x%llx b=0x%llx on %s: err %d, got 0x%llx want 0x%llx",
				i, ubee_isa_ops[op].name, (unsigned long long)c->a,
				(unsigned long long)c->b, mode_name(m), err,
				(unsigned long long)r0, (unsigned long long)c->want);
		}
	}
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		int fmt = ubee_isa_ops[op].fmt;

		if (fmt == UBEE_FMT_ALU_K || fmt == UBEE_FMT_ALU_X ||
		    fmt == UBEE_FMT_NEG || fmt == UBEE_FMT_MOVSX ||
		    fmt == UBEE_FMT_END)
			T_CHECK(covered[op], "ALU op %s has no case",
				ubee_isa_ops[op].name);
	}
}

/* ---- jumps ----------------------------------------------------------- */

struct jmp_case {
	uint8_t code;
	uint64_t a, b; /* b: src register, or the immediate for _K */
	int taken;
};

#define J(c, a, b, t) { c, a, (uint64_t)(b), t }

static const struct jmp_case jmp_cases[] = {
	J(0x15, ONES, -1, 1), J(0x15, 0xffffffff, -1, 0),
	J(0x1d, 5, 5, 1), J(0x1d, 5, 6, 0),
	J(0x25, ONES, -1, 0), J(0x25, ONES, 1, 1),
	J(0x2d, ONES, 1, 1), J(0x2d, 1, 2, 0),
	J(0x35, 5, 5, 1), J(0x35, 4, 5, 0),
	J(0x3d, 5, 5, 1), J(0x3d, 0, ONES, 0),
	J(0x45, 0x100000000ull, -1, 1), J(0x45, 0x100000000ull, 0x7fffffff, 0),
	J(0x4d, 6, 1, 0), J(0x4d, 6, 2, 1),
	J(0x55, 0xffffffff, -1, 1), J(0x55, ONES, -1, 0),
	J(0x5d, 1, 1, 0), J(0x5d, 1, 2, 1),
	J(0x65, 0, -1, 1), J(0x65, ONES, 0, 0),
	J(0x6d, ONES, 1, 0), J(0x6d, 2, 1, 1),
	J(0x75, ONES, -1, 1), J(0x75, (uint64_t)-2, -1, 0),
	J(0x7d, MIN64, 0, 0), J(0x7d, 0, MIN64, 1),
	J(0xa5, 1, -1, 1), J(0xa5, ONES, -1, 0),
	J(0xad, 1, 2, 1), J(0xad, 2, 1, 0),
	J(0xb5, 5, 5, 1), J(0xb5, 6, 5, 0),
	J(0xbd, ONES, 0, 0), J(0xbd, 0, 0, 1),
	J(0xc5, ONES, 0, 1), J(0xc5, 0, -1, 0),
	J(0xcd, MIN64, 0x7fffffffffffffffull, 1), J(0xcd, 0x7fffffffffffffffull, MIN64, 0),
	J(0xd5, ONES, -1, 1), J(0xd5, 0, -1, 0),
	J(0xdd, 0x80000000, 0, 0), J(0xdd, (uint64_t)-5, (uint64_t)-5, 1),
	/* JMP32: low halves only */
	J(0x16, 0x1ffffffffull, -1, 1), J(0x16, 0x1ffffffffull, 0x7fffffff, 0),
	J(0x1e, 0x100000005ull, 5, 1), J(0x1e, 5, 6, 0),
	J(0x26, 0x100000001ull, 2, 0), J(0x26, 3, 2, 1),
	J(0x2e, 0xffffffff, 0x100000000ull, 1), J(0x2e, 0, 0, 0),
	J(0x36, 0xffffffff, -1, 1), J(0x36, 0xfffffffe, -1, 0),
	J(0x3e, 5, 5, 1), J(0x3e, 4, 5, 0),
	J(0x46, 0x100000000ull, -1, 0), J(0x46, 1, -1, 1),
	J(0x4e, 0x100000000ull, 0x100000000ull, 0), J(0x4e, 3, 2, 1),
	J(0x56, 0x1ffffffffull, -1, 0), J(0x56, 0, -1, 1),
	J(0x5e, 0x100000000ull, 0, 0), J(0x5e, 1, 0, 1),
	J(0x66, 0x80000000, 0, 0), J(0x66, 1, 0, 1),
	J(0x6e, 0, 0xffffffff, 1), J(0x6e, 0xffffffff, 0, 0),
	J(0x76, 0xffffffff, -1, 1), J(0x76, 0x7fffffff, -1, 1), J(0x76, 0x80000000, -1, 0),
	J(0x7e, 0x80000000, 0, 0), J(0x7e, 0, 0, 1),
	J(0xa6, 0x100000000ull, 1, 1), J(0xa6, 2, 1, 0),
	J(0xae, 1, 0xffffffff, 1), J(0xae, 0xffffffff, 1, 0),
	J(0xb6, 0xffffffff, -1, 1), J(0xb6, 0x100000005ull, 4, 0),
	J(0xbe, 5, 5, 1), J(0xbe, 6, 5, 0),
	J(0xc6, 0x80000000, 0, 1), J(0xc6, 0, 0, 0),
	J(0xce, 0xffffffff, 0, 1), J(0xce, 0, 0xffffffff, 0),
	J(0xd6, 0xffffffff, -1, 1), J(0xd6, 0, -1, 0),
	J(0xde, 0x80000000, 0x7fffffff, 1), J(0xde, 0x7fffffff, 0x80000000, 0),
};

static void jumps_every_op_every_engine(void)
{
	uint8_t covered[UBEE_OP__COUNT] = { 0 };

	for (size_t i = 0; i < N(jmp_cases); i++) {
		const struct jmp_case *c = &jmp_cases[i];
		struct ubee_insn p[] = {
			LDDW(1, c->a), LDDW(2, c->b), EXIT,
			MOV_K(0, 0), EXIT, MOV_K(0, 1), EXIT,
		};
		int op;

		if (c->code & 0x08)
			p[4] = mk(c->code, 1, 2, 2, 0);
		else
			p[4] = mk(c->code, 1, 0, 2, (int32_t)c->b);
		op = ubee_isa_lookup(&p[4]);
		T_CHECK(op >= 0, "case %zu: bad opcode 0x%02x", i, c->code);
		if (op < 0)
			continue;
		covered[op] = 1;
		for (int m = 0; m < T_NR_INTERP; m++) {
			uint64_t r0;
			int err = exec(p, N(p), NULL, NULL, modes(m), &r0);

			T_CHECK(!err && r0 == (uint64_t)c->taken,
				"case %zu %s a=0x%llx b=0x%llx on %s: err %d, taken %llu",
				i, ubee_isa_ops[op].name, (unsigned long long)c->a,
				(unsigned long long)c->b, mode_name(m), err,
				(unsigned long long)r0);
		}
	}
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		int fmt = ubee_isa_ops[op].fmt;

		if (fmt == UBEE_FMT_JMP_K || fmt == UBEE_FMT_JMP_X)
			T_CHECK(covered[op], "jump op %s has no case",
				ubee_isa_ops[op].name);
	}
}

static void unconditional_jumps(void)
{
	const struct ubee_insn p[] = {
		MOV_K(0, 1),
		JA(2),                  /* 1: -> 4 */
		ADD_K(0, 100),          /* 2: from 5 */
		EXIT,                   /* 3 */
		I(0x06, 0, 0, 0, 1),    /* 4: gotol -> 6 */
		JA(-4),                 /* 5: never */
		ADD_K(0, 10),           /* 6 */
		I(0x06, 0, 0, 0, -6),   /* 7: gotol -> 2 */
	};

	expect_all(p, N(p), 111);
}

/* ---- memory ---------------------------------------------------------- */

static void loads_and_stores_every_size(void)
{
	const struct ubee_insn p[] = {
		LDDW(2, 0x8899aabbccddeeffull),
		I(0x73, 1, 2, 0, 0),         /* *(u8 *)(r1 + 0) = r2 */
		I(0x6b, 1, 2, 2, 0),         /* *(u16 *)(r1 + 2) = r2 */
		I(0x63, 1, 2, 4, 0),         /* *(u32 *)(r1 + 4) = r2 */
		I(0x7b, 1, 2, 8, 0),         /* *(u64 *)(r1 + 8) = r2 */
		I(0x72, 1, 0, 16, 0x1ff),    /* *(u8 *)(r1 + 16) = 0x1ff */
		I(0x6a, 1, 0, 18, -2),       /* *(u16 *)(r1 + 18) = -2 */
		I(0x62, 1, 0, 20, -3),       /* *(u32 *)(r1 + 20) = -3 */
		I(0x7a, 1, 0, 24, -4),       /* *(u64 *)(r1 + 24) = -4 */
		I(0x71, 3, 1, 0, 0),         /* r3 = *(u8 *)(r1 + 0) */
		I(0x91, 4, 1, 0, 0),         /* r4 = *(s8 *)(r1 + 0) */
		I(0x69, 5, 1, 2, 0),         /* r5 = *(u16 *)(r1 + 2) */
		I(0x89, 6, 1, 2, 0),         /* r6 = *(s16 *)(r1 + 2) */
		I(0x61, 7, 1, 4, 0),         /* r7 = *(u32 *)(r1 + 4) */
		I(0x81, 8, 1, 4, 0),         /* r8 = *(s32 *)(r1 + 4) */
		I(0x79, 9, 1, 8, 0),         /* r9 = *(u64 *)(r1 + 8) */
		STX_DW(1, 3, 32), STX_DW(1, 4, 40), STX_DW(1, 5, 48),
		STX_DW(1, 6, 56), STX_DW(1, 7, 64), STX_DW(1, 8, 72),
		STX_DW(1, 9, 80),
		/* the stack, unaligned too */
		STX_DW(10, 2, -8),
		I(0x61, 3, 10, -7, 0),       /* r3 = *(u32 *)(r10 - 7) */
		I(0x89, 4, 10, -2, 0),       /* r4 = *(s16 *)(r10 - 2) */
		I(0x81, 5, 10, -8, 0),       /* r5 = *(s32 *)(r10 - 8) */
		STX_DW(1, 3, 88), STX_DW(1, 4, 96), STX_DW(1, 5, 104),
		I(0x61, 0, 1, 1, 0),         /* r0 = *(u32 *)(r1 + 1), unaligned */
		EXIT,
	};
	static const uint8_t want_lo[32] = {
		0xff, 0, 0xff, 0xee, 0xff, 0xee, 0xdd, 0xcc,
		0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
		0xff, 0, 0xfe, 0xff, 0xfd, 0xff, 0xff, 0xff,
		0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	static const uint64_t want_hi[10] = {
		0xff, ONES, 0xeeff, 0xffffffffffffeeffull, 0xccddeeff,
		0xffffffffccddeeffull, 0x8899aabbccddeeffull,
		0xbbccddee, 0xffffffffffff8899ull, 0xffffffffccddeeffull,
	};

	for (int m = 0; m < T_NR_INTERP; m++) {
		uint64_t ctx[14] = { 0 }, r0;
		int err = exec_ctx(p, N(p), modes(m), ctx, sizeof(ctx), &r0);

		T_CHECK(!err, "%s: err %d (%s)", mode_name(m), err, logbuf);
		T_CHECK(!memcmp(ctx, want_lo, 32), "%s: stored bytes differ",
			mode_name(m));
		for (int i = 0; i < 10; i++)
			T_CHECK(ctx[4 + i] == want_hi[i], "%s: load %d: 0x%llx want 0x%llx",
				mode_name(m), i, (unsigned long long)ctx[4 + i],
				(unsigned long long)want_hi[i]);
		T_EQ_U64(r0, 0xffeeff00);
	}
}

static void atomics_every_form(void)
{
	const struct ubee_insn p[] = {
		/* 64-bit on ctx[0] = 0x10 */
		MOV_K(2, 5), ADW(0x00, 1, 2, 0),     /* += 5     -> 0x15 */
		MOV_K(2, 0x100), ADW(0x40, 1, 2, 0), /* |= 0x100 -> 0x115 */
		MOV_K(2, 0xff0), ADW(0x50, 1, 2, 0), /* &= 0xff0 -> 0x110 */
		MOV_K(2, 3), ADW(0xa0, 1, 2, 0),     /* ^= 3     -> 0x113 */
		MOV_K(3, 2), ADW(0x01, 1, 3, 0),     /* r3 = 0x113, -> 0x115 */
		MOV_K(4, 0x1000), ADW(0x41, 1, 4, 0),/* r4 = 0x115, -> 0x1115 */
		MOV_K(5, 0x1010), ADW(0x51, 1, 5, 0),/* r5 = 0x1115, -> 0x1010 */
		MOV_K(6, 1), ADW(0xa1, 1, 6, 0),     /* r6 = 0x1010, -> 0x1011 */
		MOV_K(7, 0x77), ADW(0xe1, 1, 7, 0),  /* r7 = 0x1011, -> 0x77 */
		STX_DW(1, 3, 16), STX_DW(1, 4, 24), STX_DW(1, 5, 32),
		STX_DW(1, 6, 40), STX_DW(1, 7, 48),
		MOV_K(0, 0x77), MOV_K(8, 0x88), ADW(0xf1, 1, 8, 0), /* ok */
		STX_DW(1, 0, 56),
		MOV_K(0, 1), MOV_K(8, 0x99), ADW(0xf1, 1, 8, 0),    /* fails */
		STX_DW(1, 0, 64),
		/* 32-bit on ctx[1] low half = 0x10; high bits of src ignored */
		LDDW(2, 0xffffffff00000005ull), AW(0x00, 1, 2, 8),
		LDDW(2, 0xffffffff00000100ull), AW(0x40, 1, 2, 8),
		LDDW(2, 0xffffffff00000ff0ull), AW(0x50, 1, 2, 8),
		LDDW(2, 0xffffffff00000003ull), AW(0xa0, 1, 2, 8),
		LDDW(3, 0xffffffff00000002ull), AW(0x01, 1, 3, 8),
		LDDW(4, 0xffffffff00001000ull), AW(0x41, 1, 4, 8),
		LDDW(5, 0xffffffff00001010ull), AW(0x51, 1, 5, 8),
		LDDW(6, 0xffffffff00000001ull), AW(0xa1, 1, 6, 8),
		LDDW(7, 0xffffffff00000077ull), AW(0xe1, 1, 7, 8),
		STX_DW(1, 3, 72), STX_DW(1, 4, 80), STX_DW(1, 5, 88),
		STX_DW(1, 6, 96), STX_DW(1, 7, 104),
		LDDW(0, 0xffffffff00000077ull), MOV_K(8, 0x88), AW(0xf1, 1, 8, 8),
		STX_DW(1, 0, 112),
		MOV_K(0, 1), MOV_K(8, 0x99), AW(0xf1, 1, 8, 8),
		STX_DW(1, 0, 120),
		/* load-acquire / store-release, every size */
		LDDW(2, 0x0102030405060708ull),
		I(0xdb, 1, 2, 128, 0x110), I(0xdb, 3, 1, 128, 0x100),
		I(0xc3, 1, 2, 136, 0x110), I(0xc3, 4, 1, 128, 0x100),
		I(0xcb, 1, 2, 144, 0x110), I(0xcb, 5, 1, 128, 0x100),
		I(0xd3, 1, 2, 152, 0x110), I(0xd3, 6, 1, 128, 0x100),
		STX_DW(1, 4, 160), STX_DW(1, 5, 168), STX_DW(1, 6, 176),
		/* 32-bit old values with the top bit set stay zero-extended */
		I(0x62, 1, 0, 184, (int32_t)0x80000001u),
		MOV_K(2, 0), AW(0x01, 1, 2, 184), STX_DW(1, 2, 192),
		LDDW(0, 0x80000001u), MOV_K(7, 5), AW(0xf1, 1, 7, 184),
		STX_DW(1, 0, 200),
		MOV_X(0, 3), EXIT,
	};
	static const uint64_t want_fetch[7] = { 0x113, 0x115, 0x1115, 0x1010,
						0x1011, 0x77, 0x88 };

	for (int m = 0; m < T_NR_INTERP; m++) {
		uint64_t c[26] = { 0x10, 0xaaaaaaaa00000010ull }, r0;
		int err = exec_ctx(p, N(p), modes(m), c, sizeof(c), &r0);

		T_CHECK(!err, "%s: err %d (%s)", mode_name(m), err, logbuf);
		T_EQ_U64(c[0], 0x88);
		T_EQ_U64(c[1], 0xaaaaaaaa00000088ull);
		for (int i = 0; i < 7; i++) {
			T_CHECK(c[2 + i] == want_fetch[i], "%s: 64-bit result %d: 0x%llx",
				mode_name(m), i, (unsigned long long)c[2 + i]);
			T_CHECK(c[9 + i] == want_fetch[i], "%s: 32-bit result %d: 0x%llx",
				mode_name(m), i, (unsigned long long)c[9 + i]);
		}
		T_EQ_U64(c[16], 0x0102030405060708ull);
		T_EQ_U64(c[17], 0x05060708);
		T_EQ_U64(c[18], 0x0708);
		T_EQ_U64(c[19], 0x08);
		T_EQ_U64(c[20], 0x05060708);
		T_EQ_U64(c[21], 0x0708);
		T_EQ_U64(c[22], 0x08);
		T_EQ_U64(c[23], 5);
		T_EQ_U64(c[24], 0x80000001);
		T_EQ_U64(c[25], 0x80000001);
		T_EQ_U64(r0, 0x0102030405060708ull);
	}
}

struct shared {
	uint64_t a;
	uint32_t b;
	uint32_t pad;
	uint64_t c;
};

struct thread_arg {
	const struct ubee_prog *prog;
	struct shared *s;
	uint32_t flags;
	int err;
};

static void *atomic_thread(void *p)
{
	struct thread_arg *a = p;
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = a->s,
				    .ctx_size = sizeof(*a->s), .flags = a->flags };
	uint64_t r0;

	a->err = ubee_prog_run(a->prog, &ro, &r0, NULL);
	return NULL;
}

#define ADDS_PER_THREAD 100000

static void atomics_four_threads(void)
{
	const struct ubee_insn p[] = {
		MOV_K(2, ADDS_PER_THREAD), MOV_K(3, 1),
		ADW(0x00, 1, 3, 0),          /* lock *(u64 *)(r1 + 0) += r3 */
		AW(0x00, 1, 3, 8),           /* lock *(u32 *)(r1 + 8) += r3 */
		MOV_X(4, 3), ADW(0x01, 1, 4, 16), /* atomic_fetch_add */
		ADD_K(2, -1), JNE_K(2, 0, -6),
		MOV_K(0, 0), EXIT,
	};
	struct ubee_prog_opts po = { .sz = sizeof(po), .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog;

	T_CHECK(!ubee_prog_load(p, N(p), &po, &prog, NULL), "load");
	if (!t_ok())
		return;
	/* Round 0: all trusted (the fast engine); round 1: one engine each. */
	for (int round = 0; round < 2; round++) {
		struct shared s = { 0 };
		struct thread_arg a[4];
		pthread_t t[4];

		for (int i = 0; i < T_NR_INTERP; i++) {
			a[i] = (struct thread_arg){ prog, &s,
						    round ? modes(i) : UBEE_RUN_TRUSTED, 0 };
			T_CHECK(!pthread_create(&t[i], NULL, atomic_thread, &a[i]),
				"pthread_create");
		}
		for (int i = 0; i < T_NR_INTERP; i++) {
			pthread_join(t[i], NULL);
			T_CHECK(!a[i].err, "thread %d: %d", i, a[i].err);
		}
		T_EQ_U64(s.a, 4 * ADDS_PER_THREAD);
		T_EQ_U64(s.b, 4 * ADDS_PER_THREAD);
		T_EQ_U64(s.c, 4 * ADDS_PER_THREAD);
	}
	ubee_prog_free(prog);
}

/* ---- checked mode ---------------------------------------------------- */

static void checked_stack_below_frame(void)
{
	const struct ubee_insn below[] = {
		MOV_K(1, 1), I(0x63, 10, 1, -516, 0), MOV_K(0, 0), EXIT,
	};
	const struct ubee_insn above[] = {
		MOV_K(1, 1), MOV_K(0, 0), I(0x73, 10, 1, 0, 0), EXIT,
	};
	const struct ubee_insn edge[] = { /* the frame's first and last byte */
		MOV_K(1, 7), I(0x73, 10, 1, -512, 0), I(0x73, 10, 1, -1, 0),
		I(0x71, 0, 10, -512, 0), I(0x71, 2, 10, -1, 0), ADD_X(0, 2), EXIT,
	};

	expect_fail(below, N(below), 2, NULL, -EFAULT,
		    "1: out-of-bounds write of 4 bytes at 0x", "(r10 + -516)");
	expect_fail(above, N(above), 2, NULL, -EFAULT,
		    "2: out-of-bounds write of 1 bytes at 0x", "(r10 + 0)");
	expect_all(edge, N(edge), 14);
}

static void checked_ctx_overflow_by_one(void)
{
	const struct ubee_insn ok[] = { I(0x79, 0, 1, 8, 0), EXIT };
	const struct ubee_insn bad[] = { I(0x79, 0, 1, 9, 0), EXIT };
	uint64_t ctx[2] = { 1, 0x1234 }, r0;
	struct ubee_run_opts ro = { .ctx = ctx, .ctx_size = sizeof(ctx) };
	int err;

	for (int m = 0; m < T_NR_INTERP; m++) {
		err = exec_ctx(ok, N(ok), modes(m), ctx, sizeof(ctx), &r0);
		T_CHECK(!err && r0 == 0x1234, "%s: %d", mode_name(m), err);
	}
	expect_fail(bad, N(bad), 2, &ro, -EFAULT,
		    "0: out-of-bounds read of 8 bytes at 0x", "(r1 + 9)");
}

static void checked_null_deref(void)
{
	const struct ubee_insn p[] = { MOV_K(1, 0), LDX_DW(0, 1, 0), EXIT };

	expect_fail(p, N(p), 2, NULL, -EFAULT,
		    "1: out-of-bounds read of 8 bytes at 0x0 (r1 + 0)", "");
}

static void checked_read_only_region(void)
{
	static uint64_t ro_buf[2] = { 0x55, 0 }, rw_buf[2];
	struct ubee_region regions[2] = {
		{ ro_buf, sizeof(ro_buf), 0 }, { rw_buf, sizeof(rw_buf), 1 },
	};
	struct ubee_run_opts ro = { .regions = regions, .nr_regions = 2 };
	const struct ubee_insn read[] = {
		LDDW(1, (uintptr_t)ro_buf), LDX_DW(0, 1, 0), EXIT,
	};
	const struct ubee_insn write_rw[] = {
		LDDW(1, (uintptr_t)rw_buf), MOV_K(0, 9), STX_DW(1, 0, 8), EXIT,
	};
	const struct ubee_insn write_ro[] = {
		LDDW(1, (uintptr_t)ro_buf), MOV_K(0, 9), STX_DW(1, 0, 8), EXIT,
	};
	const struct ubee_insn atomic_ro[] = {
		LDDW(1, (uintptr_t)ro_buf), MOV_K(0, 9), ADW(0, 1, 0, 0), EXIT,
	};
	uint64_t r0;
	int err;

	for (int m = 2; m < T_NR_INTERP; m++) {
		err = exec(read, N(read), NULL, &ro, modes(m), &r0);
		T_CHECK(!err && r0 == 0x55, "%s: read: %d %s", mode_name(m), err, logbuf);
		err = exec(write_rw, N(write_rw), NULL, &ro, modes(m), &r0);
		T_CHECK(!err && rw_buf[1] == 9, "%s: write: %d %s", mode_name(m),
			err, logbuf);
	}
	expect_fail(write_ro, N(write_ro), 2, &ro, -EFAULT,
		    "3: write of 8 bytes to read-only memory at 0x", "(r1 + 8)");
	expect_fail(atomic_ro, N(atomic_ro), 2, &ro, -EFAULT,
		    "3: write of 8 bytes to read-only memory", "(r1 + 0)");
	T_EQ_U64(ro_buf[0], 0x55);
	T_EQ_U64(ro_buf[1], 0);
}

static void checked_misaligned_atomic(void)
{
	const struct ubee_insn p[] = {
		MOV_K(1, 1), STX_DW(10, 1, -16), ADW(0x00, 10, 1, -12), EXIT,
	};

	expect_fail(p, N(p), 2, NULL, -EFAULT,
		    "2: misaligned atomic access of 8 bytes", "(r10 + -12)");
}

static void checked_stack_is_zeroed(void)
{
	const struct ubee_insn p[] = { LDX_DW(0, 10, -256), EXIT };

	for (int m = 2; m < T_NR_INTERP; m++) {
		uint64_t r0;

		T_CHECK(!exec(p, N(p), NULL, NULL, modes(m), &r0) && r0 == 0,
			"%s: r0 0x%llx", mode_name(m), (unsigned long long)r0);
	}
}

static void no_verify_programs_always_checked(void)
{
	const struct ubee_insn p[] = { MOV_K(1, 0), LDX_DW(0, 1, 0), EXIT };
	struct ubee_prog_opts po = { .sz = sizeof(po), .flags = UBEE_PROG_NO_VERIFY };
	uint64_t r0;

	/* Without TRUSTED, an unverified program runs checked. */
	T_EQ_U64(exec(p, N(p), &po, NULL, 0, &r0), -EFAULT);
	T_CHECK(!strncmp(logbuf, "1: out-of-bounds read", 21), "log: %s", logbuf);
}

static void budget_exhaustion(void)
{
	const struct ubee_insn loop[] = { MOV_K(0, 0), ADD_K(0, 1), JA(-2), EXIT };
	uint64_t count = 0, r0;
	struct ubee_run_opts ro = { .insn_budget = 1000, .insn_count = &count };
	int err;

	for (int m = 2; m < T_NR_INTERP; m++) {
		count = 0;
		err = exec(loop, N(loop), NULL, &ro, modes(m), &r0);
		T_CHECK(err == -ETIME, "%s: err %d", mode_name(m), err);
		T_EQ_U64(count, 1000);
		T_CHECK(strstr(logbuf, ": instruction budget of 1000 exhausted") &&
				(logbuf[0] == '1' || logbuf[0] == '2'),
			"log: %s", logbuf);
	}
	/* The default budget stops an infinite loop too. */
	ro = (struct ubee_run_opts){ .insn_count = &count };
	err = exec(loop, N(loop), NULL, &ro, UBEE_RUN_CHECKED, &r0);
	T_CHECK(err == -ETIME, "default budget: err %d", err);
	T_EQ_U64(count, UBEE_DEFAULT_INSN_BUDGET);
}

static void insn_count_reported(void)
{
	const struct ubee_insn p[] = { MOV_K(0, 3), ADD_K(0, -1), JNE_K(0, 0, -2), EXIT };
	uint64_t count = 77, r0;
	struct ubee_run_opts ro = { .insn_count = &count };

	T_CHECK(!exec(p, N(p), NULL, &ro, UBEE_RUN_CHECKED, &r0), "checked");
	T_EQ_U64(count, 1 + 3 * 2 + 1);
	T_CHECK(!exec(p, N(p), NULL, &ro, UBEE_RUN_TRUSTED, &r0), "unchecked");
	T_EQ_U64(count, 0);
}

/* ---- calls ----------------------------------------------------------- */

/* calls nested subprogram calls: frame i calls frame i+1, the last
 * returns 42. */
static void call_chain(int calls, struct ubee_insn *p, size_t *n)
{
	size_t k = 0;

	for (int i = 0; i < calls; i++) {
		p[k++] = mk(0x85, 0, 1, 0, 1); /* call -> the next function */
		p[k++] = mk(0x95, 0, 0, 0, 0);
	}
	p[k++] = mk(0xb7, 0, 0, 0, 42);
	p[k++] = mk(0x95, 0, 0, 0, 0);
	*n = k;
}

static void call_depth_limit(void)
{
	struct ubee_insn p[32];
	size_t n;

	call_chain(UBEE_MAX_CALL_FRAMES - 1, p, &n);
	expect_all(p, n, 42);
	call_chain(UBEE_MAX_CALL_FRAMES, p, &n);
	expect_fail(p, n, 0, NULL, -E2BIG, "14: call depth exceeds 8 frames", "");
}

static void subprogram_own_stack(void)
{
	const struct ubee_insn p[] = {
		MOV_K(6, 7),
		MOV_K(1, 111), STX_DW(10, 1, -8),
		MOV_X(1, 10), ADD_K(1, -8),
		CALL_LOCAL(5),                 /* 5: -> 11 */
		LDX_DW(2, 10, -8),             /* 111: the callee did not touch it */
		MUL_K(0, 1000), ADD_X(0, 2), ADD_X(0, 6), /* r6 is back to 7 */
		EXIT,
		/* 11: the callee */
		MOV_K(6, 99),
		MOV_K(2, 222), STX_DW(10, 2, -8),
		LDX_DW(3, 1, 0),               /* the caller's 111, by pointer */
		LDX_DW(4, 10, -8),             /* its own 222 */
		MOV_X(5, 1), I(0x1f, 5, 10, 0, 0), /* r5 = r1 - r10 = 504 */
		JNE_K(5, 504, 4),
		MOV_X(0, 3), MUL_K(0, 1000), ADD_X(0, 4),
		EXIT,
		MOV_K(0, 0), EXIT,
	};

	expect_all(p, N(p), 111222118);
}

static void recursion_limit(void)
{
	const struct ubee_insn p[] = { CALL_LOCAL(-1), EXIT };

	expect_fail(p, N(p), 0, NULL, -E2BIG, "0: call depth exceeds 8 frames", "");
}

/* ---- tail calls ------------------------------------------------------ */

static int hook_calls;
static const struct ubee_prog *hook_self, *hook_other;
static struct ubee_map *hook_map; /* the program's map (checked mode) */

static int fake_tail_call(void *map, uint32_t index, const struct ubee_prog **next)
{
	if (map != hook_map)
		return -1;
	hook_calls++;
	if (index == 0)
		*next = hook_self;
	else if (index == 1)
		*next = hook_other;
	else
		return -1;
	return 0;
}

static void tail_calls(void)
{
	/* A map the program may pass: checked mode accepts no other. */
	const struct ubee_map_spec spec = { .sz = sizeof(spec),
					    .type = UBEE_MAP_PROG_ARRAY,
					    .key_size = 4, .value_size = 4,
					    .max_entries = 2 };
	struct ubee_map *map = ubee_map_new(&spec, NULL);
	/* counts itself in ctx[0], then tail-calls index ctx[1] */
	const struct ubee_insn p[] = {
		LDX_DW(2, 1, 0), ADD_K(2, 1), STX_DW(1, 2, 0),
		LDDW(2, (uintptr_t)map), LDX_DW(3, 1, 8),
		CALL(12),
		STX_DW(1, 0, 16), /* what the failed call returned */
		MOV_K(0, 7), EXIT,
	};
	const struct ubee_insn other[] = { MOV_K(0, 42), EXIT };
	/* A raw map address in a plain lddw: unverifiable, runs trusted or
	 * checked. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .maps = &map, .nr_maps = 1,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog, *prog2;

	T_CHECK(map != NULL, "map");
	hook_map = map;
	T_CHECK(!ubee_prog_load(p, N(p), &po, &prog, NULL), "load");
	T_CHECK(!ubee_prog_load(other, N(other), NULL, &prog2, NULL), "load");
	if (!t_ok())
		return;
	prog->tail_call = fake_tail_call;
	hook_self = prog;
	hook_other = prog2;
	for (int m = 0; m < T_NR_INTERP; m++) {
		uint64_t ctx[3] = { 0, 0, 0 }, r0 = 0;
		struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = ctx,
					    .ctx_size = sizeof(ctx),
					    .flags = modes(m) };
		int err;

		/* index 0: itself, until the limit makes the call fail */
		hook_calls = 0;
		err = ubee_prog_run(prog, &ro, &r0, NULL);
		T_CHECK(!err && r0 == 7, "%s: err %d r0 %llu", mode_name(m), err,
			(unsigned long long)r0);
		T_EQ_U64(ctx[0], 1 + UBEE_MAX_TAIL_CALLS);
		T_EQ_U64(hook_calls, UBEE_MAX_TAIL_CALLS);
		T_EQ_U64(ctx[2], (uint64_t)-E2BIG);
		/* index 1: another program, which returns 42 */
		ctx[0] = 0;
		ctx[1] = 1;
		err = ubee_prog_run(prog, &ro, &r0, NULL);
		T_CHECK(!err && r0 == 42 && ctx[0] == 1, "%s: to other: %d %llu",
			mode_name(m), err, (unsigned long long)r0);
		/* index 2: the hook has nothing, the caller continues */
		ctx[0] = 0;
		ctx[1] = 2;
		err = ubee_prog_run(prog, &ro, &r0, NULL);
		T_CHECK(!err && r0 == 7 && ctx[2] == (uint64_t)-ENOENT,
			"%s: missing: %d %llu", mode_name(m), err,
			(unsigned long long)r0);
	}
	/* No hook: every tail call fails. */
	prog->tail_call = NULL;
	{
		uint64_t ctx[3] = { 0 }, r0;
		struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = ctx,
					    .ctx_size = sizeof(ctx) };

		T_CHECK(!ubee_prog_run(prog, &ro, &r0, NULL) && r0 == 7 &&
				ctx[0] == 1,
			"no hook");
	}
	/* A run unchecked because its program was verified cannot continue
	 * into an unverified program. */
	prog->tail_call = fake_tail_call;
	prog->verified = 1;
	prog2->verified = 0;
	{
		uint64_t ctx[3] = { 0, 1, 0 }, r0;
		struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = ctx,
					    .ctx_size = sizeof(ctx) };

		T_CHECK(!ubee_prog_run(prog, &ro, &r0, NULL) && r0 == 7 &&
				ctx[2] == (uint64_t)-EACCES,
			"unchecked into NO_VERIFY: r0 %llu", (unsigned long long)r0);
		ro.flags = UBEE_RUN_CHECKED;
		T_CHECK(!ubee_prog_run(prog, &ro, &r0, NULL) && r0 == 42,
			"checked into NO_VERIFY");
	}
	ubee_prog_free(prog);
	ubee_prog_free(prog2);
	ubee_map_put(map);
}

/* ---- packets, may_goto, lddw, load errors ---------------------------- */

static void legacy_packet_loads(void)
{
	static uint8_t pkt[6] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
	const struct ubee_insn p[] = {
		I(0x30, 0, 0, 0, 1), STX_DW(1, 0, 0),   /* u8 [1] */
		I(0x28, 0, 0, 0, 1), STX_DW(1, 0, 8),   /* u16 [1] */
		I(0x20, 0, 0, 0, 2), STX_DW(1, 0, 16),  /* u32 [2] */
		MOV_K(6, 1),
		I(0x40, 0, 6, 0, 1), STX_DW(1, 0, 24),  /* u32 [r6 + 1] */
		MOV_K(6, 4),
		I(0x48, 0, 6, 0, 0), STX_DW(1, 0, 32),  /* u16 [r6] */
		MOV_K(6, -1),
		I(0x50, 0, 6, 0, 6), STX_DW(1, 0, 40),  /* u8 [r6 + 6] = [5] */
		MOV_K(0, 1), EXIT,
	};
	/* Out of bounds: the program ends at once with r0 = 0. */
	const struct ubee_insn oob_abs[] = {
		MOV_K(0, 99), I(0x20, 0, 0, 0, 3), MOV_K(0, 5), EXIT,
	};
	const struct ubee_insn oob_ind[] = {
		MOV_K(0, 99), MOV_K(6, -1), I(0x50, 0, 6, 0, 0), MOV_K(0, 5), EXIT,
	};
	const struct ubee_insn oob_sub[] = { /* even from a subprogram */
		MOV_K(0, 99), CALL_LOCAL(2), ADD_K(0, 1), EXIT,
		I(0x30, 0, 0, 0, 6), EXIT,
	};
	const struct ubee_insn in_sub[] = {
		CALL_LOCAL(2), ADD_K(0, 1), EXIT,
		I(0x30, 0, 0, 0, 5), EXIT,
	};

	for (int m = 0; m < T_NR_INTERP; m++) {
		uint64_t ctx[6] = { 0 }, r0;
		struct ubee_run_opts ro = { .ctx = ctx, .ctx_size = sizeof(ctx),
					    .pkt = pkt, .pkt_size = sizeof(pkt) };
		int err = exec(p, N(p), NULL, &ro, modes(m), &r0);

		T_CHECK(!err && r0 == 1, "%s: %d %s", mode_name(m), err, logbuf);
		T_EQ_U64(ctx[0], 0x34);
		T_EQ_U64(ctx[1], 0x3456);
		T_EQ_U64(ctx[2], 0x56789abc);
		T_EQ_U64(ctx[3], 0x56789abc);
		T_EQ_U64(ctx[4], 0x9abc);
		T_EQ_U64(ctx[5], 0xbc);
		T_CHECK(!exec(oob_abs, N(oob_abs), NULL, &ro, modes(m), &r0) && r0 == 0,
			"%s: oob abs r0 %llu", mode_name(m), (unsigned long long)r0);
		T_CHECK(!exec(oob_ind, N(oob_ind), NULL, &ro, modes(m), &r0) && r0 == 0,
			"%s: oob ind r0 %llu", mode_name(m), (unsigned long long)r0);
		T_CHECK(!exec(oob_sub, N(oob_sub), NULL, &ro, modes(m), &r0) && r0 == 0,
			"%s: oob sub r0 %llu", mode_name(m), (unsigned long long)r0);
		T_CHECK(!exec(in_sub, N(in_sub), NULL, &ro, modes(m), &r0) && r0 == 0xbd,
			"%s: in sub r0 %llu", mode_name(m), (unsigned long long)r0);
	}
	/* No packet at all: every load is out of bounds. */
	expect_all(oob_abs, N(oob_abs), 0);
}

static void may_goto_terminates(void)
{
	const struct ubee_insn p[] = {
		MOV_K(0, 0),
		I(0xe5, 0, 0, 2, 0), /* 1: may_goto -> 4 */
		ADD_K(0, 1),
		JA(-3),              /* -> 1 */
		EXIT,
	};

	expect_all(p, N(p), UBEE_MAX_LOOPS);
}

struct resolve_log {
	int calls;
	uint32_t idx[4];
	int src[4];
	int32_t imm[4], imm2[4];
};

static int resolver(void *arg, uint32_t insn_idx, int src, int32_t imm,
		    int32_t imm2, uint64_t *value, struct ubee_log *log)
{
	struct resolve_log *r = arg;

	if (imm == 13) {
		ubee_logf(log, "%u: map 13 is unlucky", insn_idx);
		return -ENOENT;
	}
	if (r->calls < 4) {
		r->idx[r->calls] = insn_idx;
		r->src[r->calls] = src;
		r->imm[r->calls] = imm;
		r->imm2[r->calls] = imm2;
	}
	r->calls++;
	*value = 0x100000000ull * (uint64_t)imm + (uint64_t)imm2;
	return 0;
}

static void pseudo_lddw_resolution(void)
{
	struct ubee_insn p[] = {
		I(0x18, 1, 1, 0, 7), I(0, 0, 0, 0, 0),  /* map_fd 7 */
		I(0x18, 2, 2, 0, 8), I(0, 0, 0, 0, 16), /* map_value 8 + 16 */
		MOV_X(0, 1), ADD_X(0, 2), EXIT,
	};
	struct resolve_log rl = { 0 };
	struct ubee_prog_opts po = { .sz = sizeof(po), .resolve_ldimm64 = resolver,
				     .resolve_arg = &rl };
	struct ubee_prog *prog;
	const struct ubee_insn *in;
	struct ubee_log log;
	uint64_t r0;
	int err;

	for (int m = 0; m < T_NR_INTERP; m++) {
		rl.calls = 0;
		err = exec(p, N(p), &po, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 0x0000000f00000010ull, "%s: %d 0x%llx",
			mode_name(m), err, (unsigned long long)r0);
		T_EQ_U64(rl.calls, 2);
	}
	T_CHECK(rl.idx[0] == 0 && rl.src[0] == 1 && rl.imm[0] == 7 && rl.imm2[0] == 0,
		"first call args");
	T_CHECK(rl.idx[1] == 2 && rl.src[1] == 2 && rl.imm[1] == 8 && rl.imm2[1] == 16,
		"second call args");

	/* The originals show the resolved values. */
	po.flags = UBEE_PROG_NO_VERIFY;  /* the values are no maps */
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	T_CHECK(!ubee_prog_load(p, N(p), &po, &prog, &log), "load");
	if (t_ok()) {
		in = ubee_prog_insns(prog);
		T_EQ_U64(ubee_prog_insn_count(prog), N(p));
		T_CHECK(in[0].src_reg == 0 && in[0].imm == 0 && in[1].imm == 7,
			"insn 0 not resolved");
		T_CHECK(in[2].src_reg == 0 && in[2].imm == 16 && in[3].imm == 8,
			"insn 2 not resolved");
		T_CHECK(!strcmp(ubee_prog_name(prog), "prog"), "default name");
		ubee_prog_free(prog);
	}

	/* No resolver. */
	err = exec(p, N(p), NULL, NULL, 0, &r0);
	T_EQ_U64(err, -EINVAL);
	T_CHECK(!strcmp(logbuf, "0: lddw with pseudo source map_fd needs maps (none available)\n"),
		"log: %s", logbuf);
	/* The resolver's error and message come through. */
	p[0].imm = 13;
	err = exec(p, N(p), &po, NULL, 0, &r0);
	T_EQ_U64(err, -ENOENT);
	T_CHECK(!strcmp(logbuf, "0: map 13 is unlucky\n"), "log: %s", logbuf);
}

static void load_rejections(void)
{
	const struct ubee_insn unknown[] = { MOV_K(0, 0), CALL(99), EXIT };
	const struct ubee_insn kfunc[] = { I(0x85, 0, 2, 0, 5), EXIT };
	const struct ubee_insn bad_op[] = { MOV_K(0, 0), I(0x8e, 0, 0, 0, 0), EXIT };
	const struct ubee_insn one[] = { EXIT };
	struct ubee_prog_opts po = { .sz = sizeof(po), .name = "named",
				     .flags = 1u << 5 };
	struct ubee_prog *prog = (void *)1;
	struct ubee_log log;
	uint64_t r0;

	T_EQ_U64(exec(unknown, N(unknown), NULL, NULL, 0, &r0), -EINVAL);
	T_CHECK(!strcmp(logbuf, "1: invalid func unknown#99\n"), "log: %s", logbuf);
	T_EQ_U64(exec(kfunc, N(kfunc), NULL, NULL, 0, &r0), -EINVAL);
	T_CHECK(!strcmp(logbuf, "0: kfunc calls are not supported\n"), "log: %s", logbuf);
	T_EQ_U64(exec(bad_op, N(bad_op), NULL, NULL, 0, &r0), -EINVAL);
	T_CHECK(!strcmp(logbuf, "1: unknown opcode 8e\n"), "log: %s", logbuf);
	T_EQ_U64(exec(one, 0, NULL, NULL, 0, &r0), -EINVAL);
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	T_EQ_U64(ubee_prog_load(one, 1, &po, &prog, &log), -EINVAL);
	T_CHECK(prog == NULL, "*out cleared on failure");
	T_EQ_U64(ubee_prog_load(NULL, 1, NULL, &prog, NULL), -EINVAL);
	T_EQ_U64(ubee_prog_load(one, 1, NULL, NULL, NULL), -EINVAL);
	po.flags = UBEE_PROG_NO_VERIFY;  /* exit with r0 unset */
	T_CHECK(!ubee_prog_load(one, 1, &po, &prog, NULL), "load");
	T_CHECK(prog && !strcmp(ubee_prog_name(prog), "named"), "name copied");
	T_CHECK(ubee_prog_run(NULL, NULL, &r0, NULL) == -EINVAL, "run NULL prog");
	/* NULL run options: defaults (checked), no ctx. */
	T_CHECK(!ubee_prog_run(prog, NULL, &r0, NULL) && r0 == 0, "run NULL opts");
	ubee_prog_free(prog);
	ubee_prog_free(NULL);
	T_CHECK(ubee_prog_insn_count(NULL) == 0 && !ubee_prog_insns(NULL) &&
			!ubee_prog_name(NULL),
		"NULL accessors");
}

static void engines(void)
{
	const struct ubee_insn p[] = { MOV_K(0, 5), EXIT };
	struct ubee_run_opts ro = { .engine = UBEE_ENGINE_JIT };
	uint64_t r0;

	/* An unverified program runs checked, which the JIT never does. */
	T_EQ_U64(exec(p, N(p), NULL, &ro, 0, &r0), -EOPNOTSUPP);
	T_CHECK(!strcmp(logbuf, "0: the JIT runs verified or trusted programs only; this run is checked\n"),
		"log: %s", logbuf);
	T_CHECK(!exec(p, N(p), NULL, &ro, UBEE_RUN_TRUSTED, &r0) && r0 == 5, "jit");
	ro.engine = (enum ubee_engine)77;
	T_EQ_U64(exec(p, N(p), NULL, &ro, 0, &r0), -EINVAL);
	ro.engine = UBEE_ENGINE_INTERP;
	T_CHECK(!exec(p, N(p), NULL, &ro, 0, &r0) && r0 == 5, "interp");
	ro.engine = UBEE_ENGINE_DEFAULT;
	T_EQ_U64(exec(p, N(p), NULL, &ro, 1u << 9, &r0), -EINVAL);
	T_CHECK(!strcmp(ubee_engine_name(UBEE_ENGINE_INTERP), "interp"), "name");
	T_CHECK(!strcmp(ubee_engine_name(UBEE_ENGINE_JIT), "jit"), "name");
	T_CHECK(!strcmp(ubee_engine_name(UBEE_ENGINE_DEFAULT), "jit"), "name");
	T_CHECK(ubee_engine_name((enum ubee_engine)77) == NULL, "name");
	T_CHECK(ubee_engine_available(UBEE_ENGINE_INTERP) &&
			ubee_engine_available(UBEE_ENGINE_DEFAULT) &&
			ubee_engine_available(UBEE_ENGINE_JIT),
		"available");
}

/* Options structs from a newer caller: bigger is fine if the rest is 0. */
static void options_sizes(void)
{
	const struct ubee_insn p[] = { MOV_X(0, 2), EXIT };
	struct { struct ubee_run_opts o; uint64_t extra; } big = { 0 };
	struct ubee_prog *prog;
	uint64_t r0;
	char ctx[24];

	T_CHECK(!ubee_prog_load(p, N(p), NULL, &prog, NULL), "load");
	if (!t_ok())
		return;
	big.o.sz = sizeof(big);
	big.o.ctx = ctx;
	big.o.ctx_size = sizeof(ctx);
	T_CHECK(!ubee_prog_run(prog, &big.o, &r0, NULL) && r0 == 24, "bigger, zero tail");
	big.extra = 1;
	T_EQ_U64(ubee_prog_run(prog, &big.o, &r0, NULL), -EINVAL);
	big.o.sz = 2;
	T_EQ_U64(ubee_prog_run(prog, &big.o, &r0, NULL), -EINVAL);
	ubee_prog_free(prog);
}

/* Every allocation of a load may fail; each failure is clean. */
static void load_allocation_failures(void)
{
	const struct ubee_insn p[] = {
		MOV_K(1, 1), I(0x18, 2, 4, 0, 6), I(0, 0, 0, 0, 0), MOV_K(3, 0),
		MOV_K(4, 0), CALL(181), CALL(5), EXIT,
		MOV_K(0, 1), EXIT,
	};
	/* The verifier's allocations are walked by test_faults. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .flags = UBEE_PROG_NO_VERIFY };
	int ok = 0;

	for (long n = 0; n < 20 && !ok; n++) {
		struct ubee_prog *prog = NULL;
		int err;

		ubee_fail_alloc_after(n);
		err = ubee_prog_load(p, N(p), &po, &prog, NULL);
		ubee_fail_alloc_after(-1);
		T_CHECK(err == 0 || err == -ENOMEM, "after %ld: %d", n, err);
		T_CHECK(!err == !!prog, "after %ld: prog %p", n, (void *)prog);
		ok = !err;
		ubee_prog_free(prog);
	}
	T_CHECK(ok, "never loaded");
}

int main(void)
{
	T_RUN(alu_every_op_every_engine);
	T_RUN(jumps_every_op_every_engine);
	T_RUN(unconditional_jumps);
	T_RUN(loads_and_stores_every_size);
	T_RUN(atomics_every_form);
	T_RUN(atomics_four_threads);
	T_RUN(checked_stack_below_frame);
	T_RUN(checked_ctx_overflow_by_one);
	T_RUN(checked_null_deref);
	T_RUN(checked_read_only_region);
	T_RUN(checked_misaligned_atomic);
	T_RUN(checked_stack_is_zeroed);
	T_RUN(no_verify_programs_always_checked);
	T_RUN(budget_exhaustion);
	T_RUN(insn_count_reported);
	T_RUN(call_depth_limit);
	T_RUN(subprogram_own_stack);
	T_RUN(recursion_limit);
	T_RUN(tail_calls);
	T_RUN(legacy_packet_loads);
	T_RUN(may_goto_terminates);
	T_RUN(pseudo_lddw_resolution);
	T_RUN(load_rejections);
	T_RUN(engines);
	T_RUN(options_sizes);
	T_RUN(load_allocation_failures);
	return t_summary();
}
