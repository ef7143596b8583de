// SPDX-License-Identifier: MIT
/*
 * Helpers: the registry (built-ins, add, replace, lookup, bad ids), custom
 * helpers called from programs on every engine, the built-in helpers'
 * results, bpf_loop callbacks (frames, early exit, errors inside), the
 * run state helpers see (ubee_run_current, nested runs, ubee_run_allow)
 * and checked mode's checks of helper arguments.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines.h"
#include "test.h"
#include "ubee/map.h"
#include "helpers/helpers.h"
#include "util/util.h"
#include "vm/vm.h"

#define N(a) UBEE_ARRAY_SIZE(a)
#define I(c, d, s, o, i)                                                      \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define LDDW(d, v)                                                            \
	I(0x18, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                   \
	I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define LDDW_FUNC(d, rel) I(0x18, d, 4, 0, rel), I(0, 0, 0, 0, 0)
#define MOV_K(d, k) I(0xb7, d, 0, 0, k)
#define MOV_X(d, s) I(0xbf, d, s, 0, 0)
#define ADD_K(d, k) I(0x07, d, 0, 0, k)
#define ADD_X(d, s) I(0x0f, d, s, 0, 0)
#define MUL_K(d, k) I(0x27, d, 0, 0, k)
#define LDX_DW(d, s, o) I(0x79, d, s, o, 0)
#define STX_DW(d, s, o) I(0x7b, d, s, o, 0)
#define JNE_K(d, k, o) I(0x55, d, 0, o, k)
#define JEQ_K(d, k, o) I(0x15, d, 0, o, k)
#define CALL(id) I(0x85, 0, 0, 0, id)
#define CALL_LOCAL(rel) I(0x85, 0, 1, 0, rel)
#define EXIT I(0x95, 0, 0, 0, 0)

/* The interpreter's variants: tests/lib/engines.c, shared by every test. */
#define modes(m) (t_engines[m].flags)
#define mode_name(m) (t_engines[m].name)

static char logbuf[4096];
/* The maps programs of exec() may use. */
static struct ubee_map *exec_maps[2];
static size_t exec_nr_maps;

/* Load with registry reg (NULL: built-ins) and run once. */
static int exec(const struct ubee_insn *p, size_t n,
		const struct ubee_helpers *reg, struct ubee_run_opts *ro,
		uint32_t flags, uint64_t *r0)
{
	/* Helper semantics, also with raw map addresses: unverified, run
	 * checked or trusted as the engine table says. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .helpers = reg,
				     .maps = exec_maps, .nr_maps = exec_nr_maps,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_run_opts def = { 0 };
	struct ubee_prog *prog;
	struct ubee_log log;
	int err;

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

/* ---- custom helpers -------------------------------------------------- */

static uint64_t h_add3(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e;
}

static uint64_t h_sub(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	return a - b;
}

/* 1 when the run is visible and its ctx is r1. */
static struct ubee_run *seen_run;
static uint64_t h_current(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			  uint64_t r5)
{
	seen_run = ubee_run_current();
	return seen_run && ubee_run_ctx(seen_run) == (void *)(uintptr_t)r1;
}

/* Runs inner_prog from inside a helper; 1 when the run state is right. */
static struct ubee_prog *inner_prog;
static uint64_t h_nested(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			 uint64_t r5)
{
	struct ubee_run *outer = ubee_run_current();
	uint64_t inner_ctx = 0, r0 = 0;
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = &inner_ctx,
				    .ctx_size = sizeof(inner_ctx) };
	int err;

	seen_run = NULL;
	err = ubee_prog_run(inner_prog, &ro, &r0, NULL);
	return !err && r0 == 1 && outer && seen_run && seen_run != outer &&
	       ubee_run_current() == outer;
}

/* Hands out bufs[r1], allowed (writable if r2) in checked runs. */
static uint64_t bufs[64][2];
static int last_allow_err;
static uint64_t h_give(uint64_t idx, uint64_t writable, uint64_t r3,
		       uint64_t r4, uint64_t r5)
{
	last_allow_err = ubee_run_allow(ubee_run_current(), bufs[idx],
					sizeof(bufs[idx]), (int)writable);
	return (uintptr_t)bufs[idx];
}

/* Hands out memory without allowing it. */
static uint64_t h_give_unallowed(uint64_t r1, uint64_t r2, uint64_t r3,
				 uint64_t r4, uint64_t r5)
{
	return (uintptr_t)bufs[0];
}

static uint64_t h_nr_allowed(uint64_t r1, uint64_t r2, uint64_t r3,
			     uint64_t r4, uint64_t r5)
{
	return ubee_run_current()->nr_allowed;
}

static uint64_t h_sum(uint64_t p, uint64_t size, uint64_t r3, uint64_t r4,
		      uint64_t r5)
{
	const uint8_t *b = (const uint8_t *)(uintptr_t)p;
	uint64_t s = 0;

	for (uint64_t i = 0; i < size; i++)
		s += b[i];
	return s;
}

static uint64_t h_fill(uint64_t p, uint64_t size, uint64_t r3, uint64_t r4,
		       uint64_t r5)
{
	if (size)
		memset((void *)(uintptr_t)p, 0x5a, size);
	return size;
}

static uint64_t h_value(uint64_t r1, uint64_t p, uint64_t r3, uint64_t r4,
			uint64_t r5)
{
	return *(const uint8_t *)(uintptr_t)p;
}

#define A(k) UBEE_ARG_##k
enum {
	H_ADD3 = 1000, H_CURRENT, H_NESTED, H_GIVE, H_GIVE_UNALLOWED,
	H_NR_ALLOWED, H_SUM, H_FILL, H_VALUE,
};
static const struct ubee_helper custom[] = {
	{ H_ADD3, "test_add3", h_add3, UBEE_RET_INTEGER,
	  { A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING) } },
	{ H_CURRENT, "test_current", h_current, UBEE_RET_INTEGER, { A(PTR_TO_CTX) } },
	{ H_NESTED, "test_nested", h_nested, UBEE_RET_INTEGER, { 0 } },
	{ H_GIVE, "test_give", h_give, UBEE_RET_MEM_OR_NULL,
	  { A(ANYTHING), A(ANYTHING) } },
	{ H_GIVE_UNALLOWED, "test_give_unallowed", h_give_unallowed,
	  UBEE_RET_MEM_OR_NULL, { 0 } },
	{ H_NR_ALLOWED, "test_nr_allowed", h_nr_allowed, UBEE_RET_INTEGER, { 0 } },
	{ H_SUM, "test_sum", h_sum, UBEE_RET_INTEGER,
	  { A(PTR_TO_MEM), A(CONST_SIZE) } },
	{ H_FILL, "test_fill", h_fill, UBEE_RET_INTEGER,
	  { A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO) } },
	{ H_VALUE, "test_value", h_value, UBEE_RET_INTEGER,
	  { A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE) } },
};

/* The built-ins plus the custom helpers. */
static struct ubee_helpers *test_registry(void)
{
	struct ubee_helpers *reg = ubee_helpers_new();

	for (size_t i = 0; reg && i < N(custom); i++)
		if (ubee_helpers_add(reg, &custom[i])) {
			ubee_helpers_free(reg);
			return NULL;
		}
	return reg;
}

/* ---- the registry ---------------------------------------------------- */

static void registry_builtins(void)
{
	static const struct { int32_t id; const char *name; } want[] = {
		{ 5, "bpf_ktime_get_ns" }, { 7, "bpf_get_prandom_u32" },
		{ 8, "bpf_get_smp_processor_id" }, { 12, "bpf_tail_call" },
		{ 118, "bpf_jiffies64" }, { 125, "bpf_ktime_get_boot_ns" },
		{ 160, "bpf_ktime_get_coarse_ns" }, { 181, "bpf_loop" },
	};
	struct ubee_helpers *reg = ubee_helpers_new();
	const struct ubee_helper *h;

	T_CHECK(reg, "new");
	if (!reg)
		return;
	for (size_t i = 0; i < N(want); i++) {
		h = ubee_helpers_find(reg, want[i].id);
		T_CHECK(h && h->id == want[i].id && !strcmp(h->name, want[i].name) &&
				h->fn,
			"helper %d", want[i].id);
		T_CHECK(ubee_helper_lookup(NULL, want[i].id) != NULL,
			"built-in lookup %d", want[i].id);
	}
	h = ubee_helpers_find(reg, 181);
	T_CHECK(h && h->ret == UBEE_RET_INTEGER && h->args[0] == UBEE_ARG_ANYTHING &&
			h->args[1] == UBEE_ARG_PTR_TO_FUNC &&
			h->args[2] == UBEE_ARG_PTR_TO_STACK_OR_NULL &&
			h->args[3] == UBEE_ARG_ANYTHING && h->args[4] == UBEE_ARG_NONE,
		"bpf_loop prototype");
	h = ubee_helpers_find(reg, 12);
	T_CHECK(h && h->ret == UBEE_RET_VOID && h->args[0] == UBEE_ARG_PTR_TO_CTX &&
			h->args[1] == UBEE_ARG_CONST_MAP_PTR &&
			h->args[2] == UBEE_ARG_ANYTHING && h->args[3] == UBEE_ARG_NONE,
		"bpf_tail_call prototype");
	h = ubee_helpers_find(reg, 5);
	T_CHECK(h && h->ret == UBEE_RET_INTEGER && h->args[0] == UBEE_ARG_NONE,
		"bpf_ktime_get_ns prototype");
	T_CHECK(!ubee_helpers_find(reg, 99) && !ubee_helpers_find(reg, 0) &&
			!ubee_helpers_find(reg, -1) &&
			!ubee_helpers_find(reg, 1 << 20) &&
			!ubee_helpers_find(reg, 5000) && !ubee_helpers_find(NULL, 5),
		"absent ids");
	T_CHECK(!ubee_helper_lookup(NULL, 99), "built-in lookup 99");
	ubee_helpers_free(reg);
	ubee_helpers_free(NULL);
}

static void registry_add_replace_lookup(void)
{
	struct ubee_helpers *reg = ubee_helpers_new_empty();
	struct ubee_helper h = { H_ADD3, "test_add3", h_add3, UBEE_RET_INTEGER,
				 { A(ANYTHING) } };
	const struct ubee_helper *f;

	T_CHECK(reg, "new_empty");
	if (!reg)
		return;
	T_CHECK(!ubee_helpers_find(reg, 5), "empty has no built-ins");
	T_EQ_U64(ubee_helpers_add(reg, &h), 0);
	f = ubee_helpers_find(reg, H_ADD3);
	T_CHECK(f && f != &h && f->fn == h_add3 && !strcmp(f->name, "test_add3") &&
			f->args[0] == UBEE_ARG_ANYTHING,
		"found a copy");
	h.fn = h_sub;
	h.name = "test_sub";
	T_EQ_U64(ubee_helpers_add(reg, &h), 0);
	f = ubee_helpers_find(reg, H_ADD3);
	T_CHECK(f && f->fn == h_sub && !strcmp(f->name, "test_sub"), "replaced");
	h.id = (1 << 20) - 1;
	T_EQ_U64(ubee_helpers_add(reg, &h), 0);
	T_CHECK(ubee_helpers_find(reg, (1 << 20) - 1) != NULL, "largest id");
	T_CHECK(ubee_helpers_find(reg, (1 << 20) - 2) == NULL, "neighbour");
	h.id = 1;
	T_EQ_U64(ubee_helpers_add(reg, &h), 0);
	T_CHECK(ubee_helpers_find(reg, 1) != NULL, "smallest id");

	h.id = 0;
	T_EQ_U64(ubee_helpers_add(reg, &h), -EINVAL);
	h.id = -5;
	T_EQ_U64(ubee_helpers_add(reg, &h), -EINVAL);
	h.id = 1 << 20;
	T_EQ_U64(ubee_helpers_add(reg, &h), -EINVAL);
	h.id = 2000;
	h.fn = NULL;
	T_EQ_U64(ubee_helpers_add(reg, &h), -EINVAL);
	T_CHECK(!ubee_helpers_find(reg, 2000), "not added");
	T_EQ_U64(ubee_helpers_add(NULL, &h), -EINVAL);
	T_EQ_U64(ubee_helpers_add(reg, NULL), -EINVAL);
	ubee_helpers_free(reg);
}

static void registry_allocation_failures(void)
{
	int ok = 0;

	for (long n = 0; n < 10 && !ok; n++) {
		struct ubee_helpers *reg;

		ubee_fail_alloc_after(n);
		reg = ubee_helpers_new();
		ubee_fail_alloc_after(-1);
		T_CHECK(reg || errno == ENOMEM, "after %ld: errno %d", n, errno);
		ok = reg != NULL;
		ubee_helpers_free(reg);
	}
	T_CHECK(ok, "never built");
}

static void custom_helper_called(void)
{
	const struct ubee_insn p[] = {
		MOV_K(1, 1), MOV_K(2, 2), MOV_K(3, 3), MOV_K(4, 4), MOV_K(5, 5),
		CALL(H_ADD3),
		/* r1-r5 are left as they were (the kernel clobbers them) */
		ADD_X(0, 1), ADD_X(0, 5), EXIT,
	};
	struct ubee_helpers *reg = test_registry();
	struct ubee_helper sub = { H_ADD3, "test_sub", h_sub, UBEE_RET_INTEGER, { 0 } };
	struct ubee_prog_opts po = { .sz = sizeof(po), .helpers = reg,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *before;
	uint64_t r0;
	int err;

	T_CHECK(reg, "registry");
	if (!reg)
		return;
	for (int m = 0; m < T_NR_INTERP; m++) {
		err = exec(p, N(p), reg, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 55 + 1 + 5, "%s: %d r0 %llu (%s)", mode_name(m),
			err, (unsigned long long)r0, logbuf);
	}
	/* A program keeps the helper it was loaded with. */
	T_CHECK(!ubee_prog_load(p, N(p), &po, &before, NULL), "load");
	T_EQ_U64(ubee_helpers_add(reg, &sub), 0);
	for (int m = 0; m < T_NR_INTERP; m++) {
		err = exec(p, N(p), reg, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == (uint64_t)-1 + 6, "%s: replaced: r0 %llu",
			mode_name(m), (unsigned long long)r0);
	}
	if (t_ok()) {
		struct ubee_run_opts ro = { .sz = sizeof(ro) };

		T_CHECK(!ubee_prog_run(before, &ro, &r0, NULL) && r0 == 61,
			"loaded before the replacement: %llu", (unsigned long long)r0);
		ubee_prog_free(before);
	}
	ubee_helpers_free(reg);
}

static void unknown_helper_rejected(void)
{
	const struct ubee_insn p[] = { CALL(5), EXIT };
	const struct ubee_insn q[] = { MOV_K(0, 0), CALL(H_ADD3), EXIT };
	struct ubee_helpers *empty = ubee_helpers_new_empty();
	uint64_t r0;

	/* Built-in, but not in this registry. */
	T_EQ_U64(exec(p, N(p), empty, NULL, 0, &r0), -EINVAL);
	T_CHECK(!strcmp(logbuf, "0: invalid func unknown#5\n"), "log: %s", logbuf);
	/* Custom, but the built-ins are used. */
	T_EQ_U64(exec(q, N(q), NULL, NULL, 0, &r0), -EINVAL);
	T_CHECK(!strcmp(logbuf, "1: invalid func unknown#1000\n"), "log: %s", logbuf);
	ubee_helpers_free(empty);
}

/* ---- built-in helpers ------------------------------------------------ */

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void builtin_helpers(void)
{
	const struct ubee_insn p[] = {
		MOV_X(6, 1),
		CALL(5), STX_DW(6, 0, 0),
		CALL(125), STX_DW(6, 0, 8),
		CALL(160), STX_DW(6, 0, 16),
		CALL(118), STX_DW(6, 0, 24),
		CALL(8), STX_DW(6, 0, 32),
		CALL(7), STX_DW(6, 0, 40), CALL(7), STX_DW(6, 0, 48),
		CALL(7), STX_DW(6, 0, 56), CALL(7), STX_DW(6, 0, 64),
		CALL(5), STX_DW(6, 0, 72),
		MOV_K(0, 0), EXIT,
	};
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	for (int m = 0; m < T_NR_INTERP; m++) {
		uint64_t c[10] = { 0 }, r0, before, after, coarse_before;
		struct ubee_run_opts ro = { .ctx = c, .ctx_size = sizeof(c) };
		int err, same = 1;

		coarse_before = now_ns(CLOCK_MONOTONIC_COARSE);
		before = now_ns(CLOCK_MONOTONIC);
		err = exec(p, N(p), NULL, &ro, modes(m), &r0);
		after = now_ns(CLOCK_MONOTONIC);
		T_CHECK(!err, "%s: %d %s", mode_name(m), err, logbuf);
		T_CHECK(before <= c[0] && c[0] <= c[9] && c[9] <= after,
			"%s: ktime %llu..%llu outside %llu..%llu", mode_name(m),
			(unsigned long long)c[0], (unsigned long long)c[9],
			(unsigned long long)before, (unsigned long long)after);
		/* Boot time includes suspend: never behind monotonic time. */
		T_CHECK(c[1] >= before, "%s: boot ns %llu < %llu", mode_name(m),
			(unsigned long long)c[1], (unsigned long long)before);
		T_CHECK(c[2] >= coarse_before && c[2] <= after + 20000000,
			"%s: coarse ns %llu", mode_name(m), (unsigned long long)c[2]);
		T_CHECK(c[3] + 1 >= coarse_before / 1000000 &&
				c[3] <= after / 1000000 + 20,
			"%s: jiffies %llu", mode_name(m), (unsigned long long)c[3]);
		T_CHECK(cpus > 0 && c[4] < (uint64_t)cpus, "%s: cpu %llu of %ld",
			mode_name(m), (unsigned long long)c[4], cpus);
		for (int i = 5; i < 9; i++) {
			T_CHECK(c[i] <= UINT32_MAX, "prandom 0x%llx", (unsigned long long)c[i]);
			same &= c[i] == c[5];
		}
		T_CHECK(!same, "%s: prandom gave 4 equal values", mode_name(m));
	}
}

/* ---- bpf_loop -------------------------------------------------------- */

/*
 * sum = 0 on the stack; n = bpf_loop(nr, cb, &sum, 0); r0 = sum * 100 + n.
 * cb(i, ctx): writes its own stack, *ctx += i; stops after i == brk.
 */
static void loop_prog(struct ubee_insn *p, size_t *n, int32_t nr, int32_t brk)
{
	const struct ubee_insn t[] = {
		MOV_K(1, 0), STX_DW(10, 1, -8),
		MOV_K(1, nr),
		LDDW_FUNC(2, 10),            /* 3: -> 14 */
		MOV_X(3, 10), ADD_K(3, -8),
		MOV_K(4, 0),
		CALL(181),                   /* 8 */
		MOV_X(6, 0),
		LDX_DW(0, 10, -8), MUL_K(0, 100), ADD_X(0, 6),
		EXIT,
		/* 14: the callback */
		STX_DW(10, 1, -8),
		LDX_DW(3, 2, 0), ADD_X(3, 1), STX_DW(2, 3, 0),
		MOV_K(0, 0),
		JNE_K(1, brk, 1),
		MOV_K(0, 1),
		EXIT,
	};

	memcpy(p, t, sizeof(t));
	*n = N(t);
}

static void bpf_loop_callbacks(void)
{
	struct ubee_insn p[32];
	size_t n;
	uint64_t r0;
	int err;

	for (int m = 0; m < T_NR_INTERP; m++) {
		loop_prog(p, &n, 10, 99);
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 4510, "%s: all: %d r0 %llu (%s)", mode_name(m),
			err, (unsigned long long)r0, logbuf);
		loop_prog(p, &n, 10, 4);
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 1005, "%s: break: %d r0 %llu", mode_name(m),
			err, (unsigned long long)r0);
		loop_prog(p, &n, 0, 99);
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 0, "%s: zero: %d r0 %llu", mode_name(m), err,
			(unsigned long long)r0);
		loop_prog(p, &n, UBEE_MAX_LOOPS + 1, 99);
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == (uint64_t)-E2BIG, "%s: too many: %d r0 %llu",
			mode_name(m), err, (unsigned long long)r0);
		loop_prog(p, &n, 1, 99);
		p[7] = (struct ubee_insn)MOV_K(4, 1); /* flags */
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == (uint64_t)-EINVAL, "%s: flags: %d r0 %llu",
			mode_name(m), err, (unsigned long long)r0);
	}
}

static void bpf_loop_errors_inside(void)
{
	struct ubee_insn p[32];
	struct ubee_run_opts ro = { .insn_budget = 10000 };
	size_t n;
	uint64_t r0;
	int err;

	for (int m = 2; m < T_NR_INTERP; m++) {
		/* not a callback */
		loop_prog(p, &n, 10, 99);
		p[3] = (struct ubee_insn)I(0x18, 2, 0, 0, 12345);
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strcmp(logbuf, "8: bpf_loop arg2: 0x3039 is not a callback of this program\n"),
			"%s: bad callback: %d %s", mode_name(m), err, logbuf);
		/* a fault inside the callback ends the run */
		loop_prog(p, &n, 10, 99);
		p[6] = (struct ubee_insn)MOV_K(3, 0); /* NULL callback ctx */
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strncmp(logbuf, "15: out-of-bounds read of 8 bytes at 0x0 (r2 + 0)", 49),
			"%s: fault: %d %s", mode_name(m), err, logbuf);
		/* the budget covers callbacks */
		loop_prog(p, &n, UBEE_MAX_LOOPS, 99 - 1000);
		err = exec(p, n, NULL, &ro, modes(m), &r0);
		T_CHECK(err == -ETIME && strstr(logbuf, "instruction budget of 10000"),
			"%s: budget: %d %s", mode_name(m), err, logbuf);
		/* the callback ctx must be on the stack */
		loop_prog(p, &n, 10, 99);
		p[6] = (struct ubee_insn)MOV_K(3, 64);
		err = exec(p, n, NULL, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT && strstr(logbuf, "8: bpf_loop arg3: pointer 0x40 is not on the stack"),
			"%s: stack arg: %d %s", mode_name(m), err, logbuf);
	}
}

static void bpf_loop_packet_exit(void)
{
	/* A failed LD_ABS in a callback ends the whole program with 0. */
	const struct ubee_insn p[] = {
		MOV_K(1, 3),
		LDDW_FUNC(2, 6),      /* 1: -> 8 */
		MOV_K(3, 0), MOV_K(4, 0),
		CALL(181),
		MOV_K(0, 77), EXIT,
		I(0x30, 0, 0, 0, 100), /* 8: the callback */
		MOV_K(0, 0), EXIT,
	};
	const struct ubee_insn ok[] = {
		MOV_K(1, 3),
		LDDW_FUNC(2, 6),
		MOV_K(3, 0), MOV_K(4, 0),
		CALL(181),
		ADD_K(0, 70), EXIT,
		I(0x30, 0, 0, 0, 0), /* 8: loads 0x11, so the loop stops at once */
		EXIT,
	};
	static uint8_t pkt[1] = { 0x11 };

	for (int m = 0; m < T_NR_INTERP; m++) {
		struct ubee_run_opts ro = { .pkt = pkt, .pkt_size = sizeof(pkt) };
		uint64_t r0;
		int err = exec(p, N(p), NULL, &ro, modes(m), &r0);

		T_CHECK(!err && r0 == 0, "%s: %d r0 %llu", mode_name(m), err,
			(unsigned long long)r0);
		err = exec(ok, N(ok), NULL, &ro, modes(m), &r0);
		T_CHECK(!err && r0 == 71, "%s: ok: %d r0 %llu", mode_name(m), err,
			(unsigned long long)r0);
	}
}

/* bpf_loop from frame 'depth' (0-based): the callback needs one more. */
static void loop_at_depth(int depth, struct ubee_insn *p, size_t *n)
{
	size_t k = 0;
	const struct ubee_insn body[] = {
		MOV_K(1, 1), LDDW_FUNC(2, 5), MOV_K(3, 0), MOV_K(4, 0),
		CALL(181), EXIT,
		MOV_K(0, 0), EXIT,
	};

	for (int i = 0; i < depth; i++) {
		p[k++] = (struct ubee_insn)CALL_LOCAL(1);
		p[k++] = (struct ubee_insn)EXIT;
	}
	memcpy(&p[k], body, sizeof(body));
	*n = k + N(body);
}

static void bpf_loop_frames(void)
{
	struct ubee_insn p[32];
	size_t n;
	uint64_t r0;

	for (int m = 0; m < T_NR_INTERP; m++) {
		loop_at_depth(UBEE_MAX_CALL_FRAMES - 2, p, &n);
		T_CHECK(!exec(p, n, NULL, NULL, modes(m), &r0) && r0 == 1,
			"%s: depth 6: %s", mode_name(m), logbuf);
		loop_at_depth(UBEE_MAX_CALL_FRAMES - 1, p, &n);
		T_CHECK(exec(p, n, NULL, NULL, modes(m), &r0) == -E2BIG &&
				!strcmp(logbuf, "19: callback exceeds 8 call frames\n"),
			"%s: depth 7: %s", mode_name(m), logbuf);
	}
}

/* ---- the run state --------------------------------------------------- */

static void run_current_inside_helper(void)
{
	const struct ubee_insn p[] = { CALL(H_CURRENT), EXIT };
	struct ubee_helpers *reg = test_registry();
	uint64_t ctx = 5;

	T_CHECK(ubee_run_current() == NULL, "outside a run");
	for (int m = 0; m < T_NR_INTERP; m++) {
		struct ubee_run_opts ro = { .ctx = &ctx, .ctx_size = sizeof(ctx) };
		uint64_t r0;
		int err = exec(p, N(p), reg, &ro, modes(m), &r0);

		T_CHECK(!err && r0 == 1, "%s: %d r0 %llu", mode_name(m), err,
			(unsigned long long)r0);
	}
	T_CHECK(ubee_run_current() == NULL, "after the run");
	T_CHECK(ubee_run_ctx(NULL) == NULL, "ctx of NULL");
	ubee_helpers_free(reg);
}

static void nested_run_restores_current(void)
{
	const struct ubee_insn inner[] = { CALL(H_CURRENT), EXIT };
	const struct ubee_insn outer[] = {
		CALL(H_NESTED), MOV_X(6, 0), CALL(H_CURRENT), ADD_X(0, 6), EXIT,
	};
	struct ubee_helpers *reg = test_registry();
	struct ubee_prog_opts po = { .sz = sizeof(po), .helpers = reg,
				     .flags = UBEE_PROG_NO_VERIFY };
	uint64_t ctx = 0;

	T_CHECK(!ubee_prog_load(inner, N(inner), &po, &inner_prog, NULL), "load");
	if (!t_ok())
		return;
	for (int m = 0; m < T_NR_INTERP; m++) {
		struct ubee_run_opts ro = { .ctx = &ctx, .ctx_size = sizeof(ctx) };
		uint64_t r0;
		int err = exec(outer, N(outer), reg, &ro, modes(m), &r0);

		T_CHECK(!err && r0 == 2, "%s: %d r0 %llu", mode_name(m), err,
			(unsigned long long)r0);
	}
	T_CHECK(ubee_run_current() == NULL, "after the run");
	ubee_prog_free(inner_prog);
	ubee_helpers_free(reg);
}

static void run_allow_regions(void)
{
	/* Take 20 buffers (more than fit inline), read and write each. */
	const struct ubee_insn p[] = {
		MOV_K(7, 0), MOV_K(8, 0),
		MOV_X(1, 7), MOV_K(2, 1), CALL(H_GIVE),  /* 2 */
		LDX_DW(3, 0, 8), ADD_X(8, 3), STX_DW(0, 7, 0),
		ADD_K(7, 1), JNE_K(7, 20, -8),
		/* the same buffer again does not add a region */
		MOV_K(1, 3), MOV_K(2, 1), CALL(H_GIVE),
		MOV_K(1, 3), MOV_K(2, 0), CALL(H_GIVE),
		CALL(H_NR_ALLOWED), MUL_K(0, 1000), ADD_X(0, 8), EXIT,
	};
	const struct ubee_insn unallowed[] = {
		CALL(H_GIVE_UNALLOWED), LDX_DW(0, 0, 0), EXIT,
	};
	const struct ubee_insn ro_write[] = {
		MOV_K(1, 30), MOV_K(2, 0), CALL(H_GIVE), LDX_DW(1, 0, 0),
		STX_DW(0, 1, 8), EXIT,
	};
	struct ubee_helpers *reg = test_registry();
	uint64_t r0;
	int err;

	for (int m = 0; m < T_NR_INTERP; m++) {
		memset(bufs, 0, sizeof(bufs));
		for (int i = 0; i < 20; i++)
			bufs[i][1] = (uint64_t)i;
		err = exec(p, N(p), reg, NULL, modes(m), &r0);
		/*
		 * checked: the 20 neighbouring buffers merge into one region;
		 * unchecked: allow is a no-op
		 */
		T_CHECK(!err && r0 == (m >= 2 ? 1 : 0) * 1000 + 190,
			"%s: %d r0 %llu (%s)", mode_name(m), err,
			(unsigned long long)r0, logbuf);
		T_CHECK(bufs[19][0] == 19 && !last_allow_err, "%s: buffers written",
			mode_name(m));
	}
	for (int m = 2; m < T_NR_INTERP; m++) {
		err = exec(unallowed, N(unallowed), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT && !strncmp(logbuf, "1: out-of-bounds read of 8", 26),
			"%s: unallowed: %d %s", mode_name(m), err, logbuf);
		err = exec(ro_write, N(ro_write), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strncmp(logbuf, "4: write of 8 bytes to read-only memory", 39),
			"%s: read-only: %d %s", mode_name(m), err, logbuf);
	}
	/*
	 * Growing the list can fail; the helper sees -ENOMEM. Every other
	 * buffer, so that no two regions merge and the list must grow.
	 */
	{
		const struct ubee_insn sparse[] = {
			MOV_K(7, 0), MOV_K(8, 0),
			MOV_X(1, 7), ADD_X(1, 7), MOV_K(2, 1), CALL(H_GIVE), /* 2 */
			LDX_DW(3, 0, 8), ADD_X(8, 3), STX_DW(0, 7, 0),
			ADD_K(7, 1), JNE_K(7, 20, -9),
			MOV_X(0, 8), EXIT,
		};
		struct ubee_prog_opts po = { .sz = sizeof(po), .helpers = reg,
				     .flags = UBEE_PROG_NO_VERIFY };
		struct ubee_run_opts ro = { .sz = sizeof(ro), .flags = UBEE_RUN_CHECKED };
		struct ubee_prog *prog;
		struct ubee_log log;

		ubee_log_init(&log, logbuf, sizeof(logbuf));
		T_CHECK(!ubee_prog_load(sparse, N(sparse), &po, &prog, NULL), "load");
		if (t_ok()) {
			ubee_fail_alloc_after(0);
			err = ubee_prog_run(prog, &ro, &r0, &log);
			ubee_fail_alloc_after(-1);
			T_CHECK(err == -EFAULT && last_allow_err == -ENOMEM &&
					!strncmp(logbuf, "6: out-of-bounds read", 21),
				"no memory: %d %d %s", err, last_allow_err, logbuf);
			ubee_prog_free(prog);
		}
	}
	T_EQ_U64(ubee_run_allow(NULL, bufs, 8, 0), -EINVAL);
	ubee_helpers_free(reg);
}

/* The region list itself, on a run made by hand. */
static void allowed_regions_direct(void)
{
	static uint8_t mem[1 << 17];
	struct ubee_run run;
	uint8_t *b = mem + 4096;
	size_t i;
	int err = 0;

	memset(&run, 0, sizeof(run));
	run.checked = 1;
	run.allowed = run.allowed_inline;
	run.cap_allowed = N(run.allowed_inline);
	run.stack_top = (uintptr_t)mem + 1024; /* frame 0: mem[512..1024) */

	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)mem + 512, 512, 1, 0), 0);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)mem + 511, 8, 0, 0), 1);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)mem, 8, 0, 1), 0);
	T_EQ_U64(ubee_run_allow(&run, b, 64, 0), 0);       /* A: read-only */
	T_EQ_U64(ubee_run_allow(&run, b + 8, 16, 1), 0);   /* B: inside A, writable */
	T_EQ_U64(ubee_run_allow(&run, b + 8, 8, 1), 0);    /* inside B: no new one */
	T_EQ_U64(run.nr_allowed, 2);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b + 8, 16, 1, 0), 0);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b, 8, 1, 0), 2);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b + 40, 8, 0, 0), 0);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b + 20, 8, 1, 0), 2);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b + 60, 8, 0, 0), 1);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b - 1, 2, 0, 0), 1);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b, 65, 0, 0), 1);
	T_EQ_U64(ubee_vm_region_check(&run, UINT64_MAX - 3, 8, 0, 0), 1);
	/* Many small ones, in descending order, each found again. */
	for (i = 0; i < 1000 && !err; i++)
		err = ubee_run_allow(&run, b + 1000 + 2 * (999 - i), 1, 1);
	T_EQ_U64(err, 0);
	T_EQ_U64(run.nr_allowed, 1002);
	for (i = 0; i < 1000; i++) {
		T_CHECK(!ubee_vm_region_check(&run, (uintptr_t)b + 1000 + 2 * i, 1, 1, 0),
			"region %zu", i);
		T_CHECK(ubee_vm_region_check(&run, (uintptr_t)b + 1001 + 2 * i, 1, 1, 0) == 1,
			"gap %zu", i);
	}
	/* Neighbours with the same access merge, others do not. */
	T_EQ_U64(ubee_run_allow(&run, b + 3500, 8, 1), 0);
	T_EQ_U64(ubee_run_allow(&run, b + 3508, 8, 1), 0);  /* after: grows */
	T_EQ_U64(ubee_run_allow(&run, b + 3492, 8, 1), 0);  /* before: grows */
	T_EQ_U64(ubee_run_allow(&run, b + 3516, 8, 0), 0);  /* read-only: new */
	T_EQ_U64(run.nr_allowed, 1004);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b + 3492, 24, 1, 0), 0);
	T_EQ_U64(ubee_vm_region_check(&run, (uintptr_t)b + 3516, 8, 1, 0), 2);
	/* The list is bounded (alternating access: nothing merges). */
	for (i = 0; i < UBEE_RUN_MAX_ALLOWED && !err; i++)
		err = ubee_run_allow(&run, b + 4000 + i, 1, (int)(i & 1));
	T_EQ_U64(err, -E2BIG);
	T_EQ_U64(run.nr_allowed, UBEE_RUN_MAX_ALLOWED);
	T_EQ_U64(ubee_run_allow(&run, NULL, 8, 0), -EINVAL);
	T_EQ_U64(ubee_run_allow(&run, (void *)(UINTPTR_MAX - 3), 8, 0), -EINVAL);
	ubee_free(run.allowed);
}

static void checked_helper_arguments(void)
{
	static uint64_t ro_buf[2] = { 1, 2 };
	struct ubee_region region = { ro_buf, sizeof(ro_buf), 0 };
	struct ubee_run_opts ro = { .regions = &region, .nr_regions = 1 };
	/* sum(r10 - 8, size) of 8 bytes 0x0101...; size patched at 3 */
	struct ubee_insn sum[] = {
		LDDW(1, 0x0101010101010101ull), STX_DW(10, 1, -8),
		MOV_K(2, 8), MOV_X(1, 10), ADD_K(1, -8), CALL(H_SUM), EXIT,
	};
	struct ubee_insn fill[] = {
		LDDW(1, (uintptr_t)ro_buf), MOV_K(2, 8), CALL(H_FILL), EXIT,
	};
	/* Maps with 1-byte and 8-byte values: the value arg is checked with
	 * the size of the map before it. */
	struct ubee_map_spec spec = { .sz = sizeof(spec), .type = UBEE_MAP_ARRAY,
				      .key_size = 4, .value_size = 1,
				      .max_entries = 1 };
	struct ubee_map *map1 = ubee_map_new(&spec, NULL), *map8;
	struct ubee_insn value[] = {
		I(0x72, 10, 0, -1, 7), /* *(u8 *)(r10 - 1) = 7 */
		LDDW(1, (uintptr_t)map1), MOV_X(2, 10), ADD_K(2, -1),
		CALL(H_VALUE), EXIT,
	};
	const struct ubee_insn tail[] = {
		MOV_K(1, 0), MOV_K(2, 0), MOV_K(3, 0), CALL(12), EXIT,
	};
	struct ubee_helpers *reg = test_registry();
	uint64_t r0, ctx = 0;
	int err;

	spec.value_size = 8;
	map8 = ubee_map_new(&spec, NULL);
	T_CHECK(map1 && map8, "maps");
	if (!t_ok())
		return;
	exec_maps[0] = map1;
	exec_maps[1] = map8;
	exec_nr_maps = 2;
	for (int m = 0; m < T_NR_INTERP; m++) {
		sum[3].imm = 8;
		err = exec(sum, N(sum), reg, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 8, "%s: sum: %d %llu %s", mode_name(m), err,
			(unsigned long long)r0, logbuf);
		err = exec(value, N(value), reg, NULL, modes(m), &r0);
		T_CHECK(!err && r0 == 7, "%s: value: %d %s", mode_name(m), err, logbuf);
	}
	for (int m = 2; m < T_NR_INTERP; m++) {
		sum[3].imm = 16;
		err = exec(sum, N(sum), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strncmp(logbuf, "6: test_sum arg1: out-of-bounds read of 16 bytes at 0x", 54),
			"%s: sum 16: %d %s", mode_name(m), err, logbuf);
		sum[3].imm = 0;
		err = exec(sum, N(sum), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strcmp(logbuf, "6: test_sum arg2: size must not be 0\n"),
			"%s: sum 0: %d %s", mode_name(m), err, logbuf);

		fill[2].imm = 8;
		err = exec(fill, N(fill), reg, &ro, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strncmp(logbuf, "3: test_fill arg1: write of 8 bytes to read-only memory at 0x", 61),
			"%s: fill: %d %s", mode_name(m), err, logbuf);
		fill[2].imm = 0; /* size 0: nothing to check */
		err = exec(fill, N(fill), reg, &ro, modes(m), &r0);
		T_CHECK(!err && r0 == 0, "%s: fill 0: %d %s", mode_name(m), err, logbuf);

		value[3] = (struct ubee_insn)MOV_K(2, 0x1001);
		err = exec(value, N(value), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strcmp(logbuf, "5: test_value arg2: out-of-bounds read of 1 bytes at 0x1000\n"),
			"%s: value: %d %s", mode_name(m), err, logbuf);
		value[3] = (struct ubee_insn)MOV_X(2, 10);
		/* 8 bytes from r10 - 1 leave the stack */
		value[1].imm = (int32_t)(uintptr_t)map8;
		value[2].imm = (int32_t)((uintptr_t)map8 >> 32);
		err = exec(value, N(value), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strncmp(logbuf, "5: test_value arg2: out-of-bounds read of 8 bytes at 0x", 55),
			"%s: value 8: %d %s", mode_name(m), err, logbuf);
		/* not a map of the program */
		value[1].imm = 0x1234;
		value[2].imm = 0;
		err = exec(value, N(value), reg, NULL, modes(m), &r0);
		T_CHECK(err == -EFAULT &&
				!strcmp(logbuf, "5: test_value arg1: 0x1234 is not a map of this program\n"),
			"%s: not a map: %d %s", mode_name(m), err, logbuf);
		value[1].imm = (int32_t)(uintptr_t)map1;
		value[2].imm = (int32_t)((uintptr_t)map1 >> 32);

		ro.ctx = &ctx;
		ro.ctx_size = sizeof(ctx);
		err = exec(tail, N(tail), reg, &ro, modes(m), &r0);
		T_CHECK(err == -EFAULT && strstr(logbuf, "3: bpf_tail_call arg1: 0x0 is not the ctx"),
			"%s: tail ctx: %d %s", mode_name(m), err, logbuf);
		ro.ctx = NULL;
		ro.ctx_size = 0;
	}
	T_EQ_U64(ro_buf[0], 1);
	exec_nr_maps = 0;
	ubee_map_put(map1);
	ubee_map_put(map8);
	ubee_helpers_free(reg);
}

int main(void)
{
	T_RUN(registry_builtins);
	T_RUN(registry_add_replace_lookup);
	T_RUN(registry_allocation_failures);
	T_RUN(custom_helper_called);
	T_RUN(unknown_helper_rejected);
	T_RUN(builtin_helpers);
	T_RUN(bpf_loop_callbacks);
	T_RUN(bpf_loop_errors_inside);
	T_RUN(bpf_loop_packet_exit);
	T_RUN(bpf_loop_frames);
	T_RUN(run_current_inside_helper);
	T_RUN(nested_run_restores_current);
	T_RUN(run_allow_regions);
	T_RUN(allowed_regions_direct);
	T_RUN(checked_helper_arguments);
	return t_summary();
}
