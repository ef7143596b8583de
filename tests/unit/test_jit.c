// SPDX-License-Identifier: MIT
/*
 * JIT-specific tests (the instruction semantics are the data files' and
 * the differential tests'): code memory is never writable and executable
 * at once, which runs the JIT takes, helper calls and what they keep,
 * errors and early exits unwinding through callbacks, tail calls, deep
 * bpf-to-bpf calls, the inline array lookups, constant blinding, racing
 * first runs, and the code description for disassembly. Programs are
 * written in assembler text; every result is compared with the
 * interpreter's (unchecked) or a constant.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "test.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/ubee.h"
#include "util/util.h"
#include "vm/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char logbuf[4096];

struct env {
	const struct ubee_helpers *helpers;
	struct ubee_map *const *maps;
	size_t nr_maps;
	uint32_t flags; /* program flags */
	int verify;     /* load through the verifier */
};

/* Assemble and load printf-formatted text; NULL (a failure) on error. */
static struct ubee_prog *load(const struct env *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct ubee_prog *load(const struct env *e, const char *fmt, ...)
{
	static char text[65536];
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_prog *prog = NULL;
	struct ubee_insn *p;
	struct ubee_log log;
	size_t n;
	va_list ap;

	if (e) {
		po.helpers = e->helpers;
		po.maps = e->maps;
		po.nr_maps = e->nr_maps;
		po.flags = e->flags;
	}
	/* The JIT's semantics, also of code the verifier refuses (raw
	 * addresses, tricks): unverified, trusted runs, unless the env asks
	 * for the verifier. */
	if (!e || !e->verify)
		po.flags |= UBEE_PROG_NO_VERIFY;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (ubee_asm(text, &p, &n, &log)) {
		T_CHECK(0, "asm: %s", logbuf);
		return NULL;
	}
	if (ubee_prog_load(p, n, &po, &prog, &log))
		T_CHECK(0, "load: %s", logbuf);
	ubee_insns_free(p);
	return prog;
}

/* One run on engine with run flags; the log lands in logbuf. */
static int run(const struct ubee_prog *prog, enum ubee_engine engine,
	       uint32_t flags, void *ctx, size_t ctx_size, uint64_t *r0)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = ctx,
				    .ctx_size = ctx_size, .engine = engine,
				    .flags = flags };
	struct ubee_log log;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	*r0 = 0xdeadbeef;
	return ubee_prog_run(prog, &ro, r0, &log);
}

static int run_jit(const struct ubee_prog *prog, void *ctx, size_t size,
		   uint64_t *r0)
{
	return run(prog, UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED, ctx, size, r0);
}

static int run_interp(const struct ubee_prog *prog, void *ctx, size_t size,
		      uint64_t *r0)
{
	return run(prog, UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED, ctx, size, r0);
}

/* ---- code memory ----------------------------------------------------- */

/* Valgrind's own code cache is writable and executable. */
static int under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

/*
 * No mapping of this process may be writable and executable (under
 * valgrind, none but its own); the JIT's code must sit in a read-execute
 * mapping. *found: the code was seen.
 */
static int maps_wx_free(const void *code, int *found)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int ok = 1, vg = under_valgrind();

	*found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (perms[1] == 'w' && perms[2] == 'x' && !vg)
			ok = 0;
		if ((uintptr_t)code >= lo && (uintptr_t)code < hi)
			*found = !strncmp(perms, "r-x", 3);
	}
	fclose(f);
	return ok;
}

static void code_memory_never_wx(void)
{
	struct ubee_prog *progs[16];
	struct ubee_jit_info ji = { .sz = sizeof(ji) };
	uint64_t r0;
	int found;

	for (size_t i = 0; i < N(progs); i++) {
		progs[i] = load(NULL, "r0 = %zu\nr0 += r1\nexit\n", i);
		if (!progs[i])
			return;
		T_CHECK(!run_jit(progs[i], (void *)3, 0, &r0) && r0 == i + 3,
			"run %zu: r0 %llu %s", i, (unsigned long long)r0, logbuf);
	}
	T_CHECK(!ubee_prog_jit_info(progs[7], &ji, NULL) && ji.code, "info");
	T_CHECK(maps_wx_free(ji.code, &found), "a writable+executable mapping");
	T_CHECK(found, "the code is not in an r-x mapping");
	for (size_t i = 0; i < N(progs); i++)
		ubee_prog_free(progs[i]);
}

/* ---- which runs the JIT takes ------------------------------------------ */

static void engine_policy(void)
{
	struct env verify = { .verify = 1 };
	struct env nv = { .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog = load(&verify, "r0 = 7\nexit\n");
	struct ubee_prog *unverified = load(&nv, "r0 = 8\nexit\n");
	uint64_t r0;

	if (!prog || !unverified)
		goto out;
	T_CHECK(ubee_engine_available(UBEE_ENGINE_JIT), "available");
	T_CHECK(!strcmp(ubee_engine_name(UBEE_ENGINE_DEFAULT), "jit"), "default name");
	T_EQ_U64(run(prog, UBEE_ENGINE_JIT, UBEE_RUN_CHECKED, NULL, 0, &r0),
		 -EOPNOTSUPP);
	T_CHECK(!strcmp(logbuf, "0: the JIT runs verified or trusted programs only; this run is checked\n"),
		"log: %s", logbuf);
	/* Neither verified nor trusted: checked, so not for the JIT. */
	T_EQ_U64(run(unverified, UBEE_ENGINE_JIT, 0, NULL, 0, &r0), -EOPNOTSUPP);
	/* Verified: unchecked, the JIT by default. */
	T_CHECK(ubee_prog_verified(prog) && !ubee_prog_verified(unverified),
		"verified");
	T_CHECK(!run(prog, UBEE_ENGINE_JIT, 0, NULL, 0, &r0) && r0 == 7,
		"verified on the jit");
	/* Trusted: the embedder's word stands in for the verifier's. */
	T_CHECK(!run(unverified, UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED, NULL, 0,
		     &r0) && r0 == 8, "trusted on the jit");
	/* The default engine runs checked code in the interpreter. */
	T_CHECK(!run(unverified, UBEE_ENGINE_DEFAULT, 0, NULL, 0,
		     &r0) && r0 == 8, "default, checked");
	T_CHECK(!run(prog, UBEE_ENGINE_DEFAULT, UBEE_RUN_CHECKED, NULL, 0, &r0) &&
			r0 == 7, "default, checked run");
	T_CHECK(!run(prog, UBEE_ENGINE_DEFAULT, UBEE_RUN_TRUSTED, NULL, 0, &r0) &&
			r0 == 7, "default, trusted");
	T_CHECK(!run_jit(prog, NULL, 0, &r0) && r0 == 7, "jit");
out:
	ubee_prog_free(prog);
	ubee_prog_free(unverified);
}

/* ---- helpers ------------------------------------------------------------ */

#define H_RECORD 1000 /* records r1-r5, returns their sum + 1 */
#define H_FAIL 1001   /* fails the run */
#define H_NESTED 1002 /* runs nested_prog in the JIT from inside a helper */

static uint64_t seen[5];
static const struct ubee_prog *nested_prog;

static uint64_t h_record(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			 uint64_t e)
{
	seen[0] = a, seen[1] = b, seen[2] = c, seen[3] = d, seen[4] = e;
	return a + b + c + d + e + 1;
}

static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		       uint64_t e)
{
	return (uint64_t)ubee_vm_fail(ubee_run_current(), -EFAULT,
				      "h_fail says no (%llu)",
				      (unsigned long long)a);
}

static uint64_t h_nested(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			 uint64_t e)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .engine = UBEE_ENGINE_JIT,
				    .flags = UBEE_RUN_TRUSTED,
				    .ctx = (void *)(uintptr_t)a };
	uint64_t r0 = 0;

	if (ubee_prog_run(nested_prog, &ro, &r0, NULL))
		return (uint64_t)-1;
	return r0;
}

static struct ubee_helpers *registry(void)
{
	static const struct ubee_helper custom[] = {
		{ H_RECORD, "h_record", h_record, UBEE_RET_INTEGER, { 0 } },
		{ H_FAIL, "h_fail", h_fail, UBEE_RET_INTEGER, { 0 } },
		{ H_NESTED, "h_nested", h_nested, UBEE_RET_INTEGER, { 0 } },
	};
	struct ubee_helpers *reg = ubee_helpers_new();

	for (size_t i = 0; reg && i < N(custom); i++)
		if (ubee_helpers_add(reg, &custom[i])) {
			ubee_helpers_free(reg);
			return NULL;
		}
	return reg;
}

static void helper_calls(void)
{
	struct ubee_helpers *reg = registry();
	struct env e = { .helpers = reg };
	uint64_t out[8], r0;
	/* r1-r5 keep their values across the call; r6-r9 too. */
	struct ubee_prog *prog = load(&e,
		"r6 = r1\n"
		"r7 = -7\nr8 = 0x123456789 ll\nr9 = 99\n"
		"r1 = 11\nr2 = 22\nr3 = 33\nr4 = 44\nr5 = 55\n"
		"call %d\n"
		"*(u64 *)(r6 + 0) = r0\n"
		"*(u64 *)(r6 + 8) = r1\n*(u64 *)(r6 + 16) = r2\n"
		"*(u64 *)(r6 + 24) = r3\n*(u64 *)(r6 + 32) = r4\n"
		"*(u64 *)(r6 + 40) = r5\n"
		"r7 += r8\nr7 += r9\n*(u64 *)(r6 + 48) = r7\n"
		"r1 = r10\ncall %d\n" /* r1 = the frame pointer, as the helper sees it */
		"r0 = r1\nr0 -= r10\nexit\n", H_RECORD, H_RECORD);

	if (!prog)
		goto out;
	memset(out, 0, sizeof(out));
	T_CHECK(!run_jit(prog, out, sizeof(out), &r0), "run: %s", logbuf);
	T_EQ_U64(out[0], 11 + 22 + 33 + 44 + 55 + 1);
	for (int i = 0; i < 5; i++)
		T_EQ_U64(out[1 + i], 11u * (i + 1));
	T_EQ_U64(out[6], (uint64_t)-7 + 0x123456789ull + 99);
	T_EQ_U64(r0, 0);
	ubee_prog_free(prog);

	/* A helper failing the run: its error and log line, nothing more. */
	prog = load(&e, "r1 = 5\nr6 = 1\ncall %d\nr6 = 2\nexit\n", H_FAIL);
	if (!prog)
		goto out;
	for (int k = 0; k < 2; k++) {
		T_EQ_U64(run_jit(prog, NULL, 0, &r0), -EFAULT);
		T_CHECK(!strcmp(logbuf, "2: h_fail says no (5)\n"), "log: %s", logbuf);
	}
	ubee_prog_free(prog);

	/* A JIT run nested inside a helper of a JIT run. */
	nested_prog = load(&e, "r0 = r1\nr0 *= 3\nexit\n");
	prog = load(&e, "r6 = 5\nr1 = 14\ncall %d\nr0 += r6\nexit\n", H_NESTED);
	if (prog && nested_prog)
		T_CHECK(!run_jit(prog, NULL, 0, &r0) && r0 == 47,
			"nested: r0 %llu %s", (unsigned long long)r0, logbuf);
	ubee_prog_free((struct ubee_prog *)nested_prog);
out:
	ubee_prog_free(prog);
	ubee_helpers_free(reg);
}

/* ---- bpf_loop, errors and early exits --------------------------------- */

static void loop_callbacks(void)
{
	struct ubee_helpers *reg = registry();
	struct env e = { .helpers = reg };
	static uint8_t pkt[2] = { 0x11, 0x22 };
	struct ubee_run_opts ro = { .sz = sizeof(ro), .engine = UBEE_ENGINE_JIT,
				    .flags = UBEE_RUN_TRUSTED, .pkt = pkt,
				    .pkt_size = sizeof(pkt) };
	struct ubee_log log;
	uint64_t r0;
	const char *body =
		/* sum = 0; n = bpf_loop(nr, cb, &sum, 0); r0 = sum * 100 + n */
		"r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = %d\n"
		"r2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\n"
		"r6 = r0\nr0 = *(u64 *)(r10 - 8)\nr0 *= 100\nr0 += r6\nexit\n"
		"cb:\n"
		"*(u64 *)(r10 - 8) = r1\n"      /* its own frame */
		"r3 = *(u64 *)(r2 + 0)\nr3 += r1\n*(u64 *)(r2 + 0) = r3\n"
		"%s"
		"r0 = 0\nif r1 != %d goto +1\nr0 = 1\nexit\n";
	struct ubee_prog *prog = load(&e, body, 10, "", 99);

	if (!prog)
		goto out;
	T_CHECK(!run_jit(prog, NULL, 0, &r0) && r0 == 4510, "all: r0 %llu %s",
		(unsigned long long)r0, logbuf);
	ubee_prog_free(prog);
	prog = load(&e, body, 10, "", 4);
	T_CHECK(prog && !run_jit(prog, NULL, 0, &r0) && r0 == 1005,
		"break: r0 %llu", (unsigned long long)r0);
	ubee_prog_free(prog);
	/* An error inside the callback ends the whole run. */
	prog = load(&e, body, 10, "if r1 != 3 goto +2\nr1 = 9\ncall 1001\n", 99);
	T_CHECK(prog && run_jit(prog, NULL, 0, &r0) == -EFAULT &&
			!strcmp(logbuf, "20: h_fail says no (9)\n"),
		"error in callback: %s", logbuf);
	ubee_prog_free(prog);
	/* A failed packet load inside the callback: the program returns 0. */
	prog = load(&e, body, 10,
		    "r0 = *(u8 *)skb[1]\nif r1 != 2 goto +1\nr0 = *(u8 *)skb[2]\n", 99);
	if (prog) {
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		T_CHECK(!ubee_prog_run(prog, &ro, &r0, &log) && r0 == 0,
			"packet exit: r0 %llu %s", (unsigned long long)r0, logbuf);
	}
	ubee_prog_free(prog);
	/* The same run again: nothing is left over from the unwinding. */
	prog = load(&e, body, 3, "r0 = *(u8 *)skb[1]\n", 99);
	if (prog) {
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		T_CHECK(!ubee_prog_run(prog, &ro, &r0, &log) && r0 == 303,
			"after: r0 %llu %s", (unsigned long long)r0, logbuf);
	}
	/* Not a callback: refused, not jumped to. */
	ubee_prog_free(prog);
	prog = load(&e, "r1 = 1\nr2 = 12345\nr3 = 0\nr4 = 0\ncall 181\nexit\n");
	T_CHECK(prog && run_jit(prog, NULL, 0, &r0) == -EFAULT &&
			strstr(logbuf, "4: 0x3039 is not a callback of this program"),
		"bad callback: %s", logbuf);
out:
	ubee_prog_free(prog);
	ubee_helpers_free(reg);
}

/* ---- tail calls --------------------------------------------------------- */

static const struct ubee_prog *tc_progs[3];
static int tc_calls;

static int tc_hook(void *map, uint32_t index, const struct ubee_prog **next)
{
	if (index >= N(tc_progs) || !tc_progs[index])
		return -1;
	tc_calls++;
	*next = tc_progs[index];
	return 0;
}

static void tail_calls(void)
{
	/* ctx[0] counts entries; tail-calls ctx[1]; ctx[2] gets the error. */
	struct ubee_prog *self = load(NULL,
		"r2 = *(u64 *)(r1 + 0)\nr2 += 1\n*(u64 *)(r1 + 0) = r2\n"
		"r2 = 0\nr3 = *(u64 *)(r1 + 8)\nr6 = r1\ncall 12\n"
		"*(u64 *)(r6 + 16) = r0\nr0 = 7\nexit\n");
	struct ubee_prog *other = load(NULL, "r0 = *(u64 *)(r1 + 0)\nr0 += 40\nexit\n");
	/* A subprogram tail-calls; the caller's code resumes after it. */
	struct ubee_prog *sub = load(NULL,
		"r6 = r1\nr7 = 1000\ncall f\nr0 += r7\nexit\n"
		"f:\nr2 = 0\nr3 = 1\ncall 12\nr0 = 5\nexit\n");
	struct env nv = { .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *unverified = load(&nv, "r0 = 9\nexit\n");
	uint64_t ctx[3], r0;

	if (!self || !other || !sub || !unverified)
		goto out;
	self->tail_call = sub->tail_call = tc_hook;
	tc_progs[0] = self;
	tc_progs[1] = other;
	tc_progs[2] = unverified;

	memset(ctx, 0, sizeof(ctx));
	tc_calls = 0;
	T_CHECK(!run_jit(self, ctx, sizeof(ctx), &r0) && r0 == 7, "self: %s", logbuf);
	T_EQ_U64(ctx[0], 1 + UBEE_MAX_TAIL_CALLS);
	T_EQ_U64(tc_calls, UBEE_MAX_TAIL_CALLS);
	T_EQ_U64(ctx[2], (uint64_t)-E2BIG);

	memset(ctx, 0, sizeof(ctx));
	ctx[1] = 1;
	T_CHECK(!run_jit(self, ctx, sizeof(ctx), &r0) && r0 == 41 && ctx[0] == 1,
		"other: r0 %llu", (unsigned long long)r0);
	ctx[0] = 0;
	ctx[1] = 7;
	T_CHECK(!run_jit(self, ctx, sizeof(ctx), &r0) && r0 == 7 &&
			ctx[2] == (uint64_t)-ENOENT,
		"missing: r0 %llu", (unsigned long long)r0);
	/* A run unchecked because its program is verified (not trusted)
	 * never continues into a program needing checks. */
	ctx[0] = 0;
	ctx[1] = 2;
	self->verified = 1;
	T_CHECK(!run(self, UBEE_ENGINE_JIT, 0, ctx, sizeof(ctx), &r0) && r0 == 7 &&
			ctx[2] == (uint64_t)-EACCES,
		"into unverified: r0 %llu", (unsigned long long)r0);

	/* From a subprogram: other's exit returns into sub's caller. */
	ctx[0] = 2;
	T_CHECK(!run_jit(sub, ctx, sizeof(ctx), &r0) && r0 == 1042,
		"from a subprogram: r0 %llu %s", (unsigned long long)r0, logbuf);
	T_CHECK(!run_interp(sub, ctx, sizeof(ctx), &r0) && r0 == 1042,
		"interp agrees: r0 %llu", (unsigned long long)r0);
out:
	ubee_prog_free(self);
	ubee_prog_free(other);
	ubee_prog_free(sub);
	ubee_prog_free(unverified);
}

/* ---- bpf-to-bpf calls --------------------------------------------------- */

/*
 * A chain of depth frames: level k (0 = main) stores k + 1 in its own
 * frame, calls level k + 1 and adds its stored value and r6 (k + 1,
 * restored) to r0; the innermost returns its r10 and main subtracts its
 * own: r0 = sum of 2 (k + 1) - (depth - 1) * 512.
 */
static struct ubee_prog *chain(int depth)
{
	char text[8192];
	size_t n = 0;

	for (int i = 0; i < depth - 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "r6 = %d\n*(u64 *)(r10 - 8) = r6\ncall f%d\n"
				      "r1 = *(u64 *)(r10 - 8)\nr0 += r1\nr0 += r6\n"
				      "%sexit\nf%d:\n",
				      i + 1, i + 1, i ? "" : "r0 -= r10\n", i + 1);
	snprintf(text + n, sizeof(text) - n,
		 "r6 = 100\n*(u64 *)(r10 - 8) = r6\nr0 = r10\nexit\n");
	return load(NULL, "%s", text);
}

static void deep_calls(void)
{
	struct ubee_prog *p8 = chain(UBEE_MAX_CALL_FRAMES);
	struct ubee_prog *p9 = chain(UBEE_MAX_CALL_FRAMES + 1);
	struct ubee_prog *rec = load(NULL, "r1 = 0\ncall f\nexit\nf:\nr1 += 1\n"
					   "if r1 > 50 goto +1\ncall f\nr0 = r1\nexit\n");
	const uint64_t want = 2 * (UBEE_MAX_CALL_FRAMES - 1) * UBEE_MAX_CALL_FRAMES / 2 -
			      (uint64_t)(UBEE_MAX_CALL_FRAMES - 1) * UBEE_STACK_SIZE;
	uint64_t a, b;

	if (!p8 || !p9 || !rec)
		goto out;
	T_CHECK(!run_jit(p8, NULL, 0, &a) && a == want, "depth 8: jit 0x%llx %s",
		(unsigned long long)a, logbuf);
	T_CHECK(!run_interp(p8, NULL, 0, &b) && b == want, "depth 8: interp 0x%llx",
		(unsigned long long)b);
	T_EQ_U64(run_jit(p9, NULL, 0, &a), -E2BIG);
	T_CHECK(!strcmp(logbuf, "52: call depth exceeds 8 frames\n"), "log: %s", logbuf);
	T_EQ_U64(run_jit(rec, NULL, 0, &a), -E2BIG);
	T_CHECK(!strcmp(logbuf, "5: call depth exceeds 8 frames\n"), "log: %s", logbuf);
	/* Still fine afterwards. */
	T_CHECK(!run_jit(p8, NULL, 0, &a) && a == want, "again");
out:
	ubee_prog_free(p8);
	ubee_prog_free(p9);
	ubee_prog_free(rec);
}

/* bpf_loop at depth d: the callback takes one more frame. */
static void callback_frames(void)
{
	for (int d = UBEE_MAX_CALL_FRAMES - 2; d <= UBEE_MAX_CALL_FRAMES - 1; d++) {
		char text[4096];
		size_t n = 0;
		struct ubee_prog *prog;
		uint64_t r0;
		int err;

		for (int i = 0; i < d; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "call +1\nexit\n");
		snprintf(text + n, sizeof(text) - n,
			 "r1 = 1\nr2 = func(+5) ll\nr3 = 0\nr4 = 0\ncall 181\nexit\n"
			 "r0 = 0\nexit\n");
		prog = load(NULL, "%s", text);
		if (!prog)
			return;
		err = run_jit(prog, NULL, 0, &r0);
		if (d == UBEE_MAX_CALL_FRAMES - 2)
			T_CHECK(!err && r0 == 1, "depth %d: %d %s", d, err, logbuf);
		else
			T_CHECK(err == -E2BIG &&
					!strcmp(logbuf, "19: callback exceeds 8 call frames\n"),
				"depth %d: %d %s", d, err, logbuf);
		ubee_prog_free(prog);
	}
}

/* ---- inline array lookups ----------------------------------------------- */

/* 1 when the code of instruction idx holds no call (call rax: ff d0). */
static int inlined(const struct ubee_prog *prog, size_t idx)
{
	struct ubee_jit_info ji = { .sz = sizeof(ji) };

	if (ubee_prog_jit_info(prog, &ji, NULL))
		return 0;
	for (uint32_t k = ji.insn_off[idx]; k + 1 < ji.insn_off[idx + 1]; k++)
		if (ji.code[k] == 0xff && ji.code[k + 1] == 0xd0)
			return 0;
	return 1;
}

static void array_lookups(void)
{
	cpu_set_t old, one;

	/* Per-CPU values: both runs must get the same CPU slot. */
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (int percpu = 0; percpu < 2; percpu++) {
		struct ubee_map_spec spec = {
			.sz = sizeof(spec),
			.type = percpu ? UBEE_MAP_PERCPU_ARRAY : UBEE_MAP_ARRAY,
			.key_size = 4, .value_size = 12, .max_entries = 5,
		};
		struct ubee_map *map = ubee_map_new(&spec, NULL);
		struct env e = { .maps = &map, .nr_maps = 1 };
		struct ubee_prog *prog;
		uint64_t out[16], ref[16], r0, r1;

		if (!map) {
			T_CHECK(0, "map");
			return;
		}
		/*
		 * For keys -1..6: the value pointer (or 0) into out[], and an
		 * increment of the value's first word; r1-r5 stay put.
		 */
		prog = load(&e,
			    "r6 = r1\nr7 = -1\n"
			    "loop:\n*(u32 *)(r10 - 4) = r7\n"
			    "r1 = %#llx ll\nr2 = r10\nr2 += -4\nr3 = 33\n"
			    "call 1\n"
			    "r8 = r7\nr8 += 1\nr8 <<= 3\nr8 += r6\n"
			    "*(u64 *)(r8 + 0) = r0\n"
			    "if r0 == 0 goto +3\nr4 = *(u64 *)(r0 + 0)\nr4 += r3\n"
			    "*(u64 *)(r0 + 0) = r4\n"
			    "r2 -= r10\n*(u64 *)(r6 + 120) = r2\n"
			    "r7 += 1\nif r7 s< 7 goto loop\nexit\n",
			    (unsigned long long)(uintptr_t)map);
		if (!prog)
			return;
		memset(out, 0, sizeof(out));
		memset(ref, 0, sizeof(ref));
		T_CHECK(!run_interp(prog, ref, sizeof(ref), &r1), "interp: %s", logbuf);
		T_CHECK(!run_jit(prog, out, sizeof(out), &r0), "jit: %s", logbuf);
		T_CHECK(!memcmp(out, ref, sizeof(out)), "%s: pointers differ",
			percpu ? "percpu" : "array");
		T_CHECK(!out[0] && !out[6] && !out[7] && out[1] && out[5],
			"bounds: %llx %llx", (unsigned long long)out[0],
			(unsigned long long)out[6]);
		T_EQ_U64(out[15], (uint64_t)-4);
		T_CHECK(inlined(prog, 8), "the lookup was not inlined");
		if (!percpu) {
			uint32_t k = 3;
			uint64_t v[2] = { 0 };

			T_CHECK(!ubee_map_lookup(map, &k, v) && v[0] == 66,
				"value %llu", (unsigned long long)v[0]);
		}
		ubee_prog_free(prog);
		ubee_map_put(map);
	}
	sched_setaffinity(0, sizeof(old), &old);
}

/* ---- constant blinding -------------------------------------------------- */

static int has_bytes(const uint8_t *p, size_t n, uint32_t v)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (!memcmp(p + i, &v, 4))
			return 1;
	return 0;
}

static void constant_blinding(void)
{
	const char *text =
		"r0 = 0x3c909090\nr0 += 0x3c919191\nr0 ^= r1\n"
		"if r0 == 0x3c929292 goto +2\nr2 = 0x3c939393cafe1234 ll\n"
		"r0 *= r2\n*(u32 *)(r10 - 4) = 0x3c949494\n"
		"r3 = *(u32 *)(r10 - 4)\nr0 += r3\nr0 s/= 0x3c959595\nexit\n";
	static const uint32_t consts[] = {
		0x3c909090, 0x3c919191, 0x3c929292, 0x3c939393, 0x3c949494,
		0x3c959595,
	};
	struct env h = { .flags = UBEE_PROG_HARDEN };
	struct ubee_prog *plain = load(NULL, "%s", text);
	struct ubee_prog *hard1 = load(&h, "%s", text);
	struct ubee_prog *hard2 = load(&h, "%s", text);
	struct ubee_jit_info p = { .sz = sizeof(p) }, a = { .sz = sizeof(a) },
			     b = { .sz = sizeof(b) };

	if (!plain || !hard1 || !hard2)
		goto out;
	T_CHECK(!ubee_prog_jit_info(plain, &p, NULL) &&
			!ubee_prog_jit_info(hard1, &a, NULL) &&
			!ubee_prog_jit_info(hard2, &b, NULL),
		"compile");
	if (!t_ok())
		goto out;
	T_CHECK(!p.hardened && a.hardened && b.hardened, "hardened flags");
	for (size_t i = 0; i < N(consts); i++) {
		T_CHECK(has_bytes(p.code, p.size, consts[i]),
			"plain code lacks 0x%x", consts[i]);
		T_CHECK(!has_bytes(a.code, a.size, consts[i]) &&
				!has_bytes(b.code, b.size, consts[i]),
			"hardened code holds 0x%x", consts[i]);
	}
	T_CHECK(a.size == b.size && memcmp(a.code, b.code, a.size),
		"two hardened compiles give the same bytes");
	for (uint64_t x = 0; x < 64; x++) {
		uint64_t in = x * 0x9e3779b97f4a7c15ull, r0, r1, r2, ri;

		in = x == 1 ? (0x3c909090ull + 0x3c919191ull) ^ 0x3c929292ull : in;
		T_CHECK(!run_jit(plain, (void *)(uintptr_t)in, 0, &r0) &&
				!run_jit(hard1, (void *)(uintptr_t)in, 0, &r1) &&
				!run_jit(hard2, (void *)(uintptr_t)in, 0, &r2) &&
				!run_interp(plain, (void *)(uintptr_t)in, 0, &ri) &&
				r0 == ri && r1 == ri && r2 == ri,
			"input %llx: %llx %llx %llx %llx", (unsigned long long)in,
			(unsigned long long)r0, (unsigned long long)r1,
			(unsigned long long)r2, (unsigned long long)ri);
	}
out:
	ubee_prog_free(plain);
	ubee_prog_free(hard1);
	ubee_prog_free(hard2);
}

/* ---- first runs racing -------------------------------------------------- */

#define RACERS 8

struct racer {
	const struct ubee_prog *prog;
	pthread_barrier_t *start;
	int bad;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	for (uint64_t i = 0; i < 200; i++) {
		struct ubee_run_opts ro = { .sz = sizeof(ro),
					    .engine = UBEE_ENGINE_JIT,
					    .flags = UBEE_RUN_TRUSTED,
					    .ctx = (void *)(uintptr_t)i };
		uint64_t r0;

		if (ubee_prog_run(r->prog, &ro, &r0, NULL) || r0 != i * 5 + 3)
			r->bad++;
	}
	return NULL;
}

static void racing_first_runs(void)
{
	for (int round = 0; round < 10; round++) {
		struct ubee_prog *prog = load(NULL, "r0 = r1\nr0 *= 5\nr0 += 3\nexit\n");
		pthread_barrier_t start;
		struct racer r[RACERS];
		pthread_t t[RACERS];
		int bad = 0;

		if (!prog)
			return;
		pthread_barrier_init(&start, NULL, RACERS);
		for (int i = 0; i < RACERS; i++) {
			r[i] = (struct racer){ prog, &start, 0 };
			pthread_create(&t[i], NULL, race, &r[i]);
		}
		for (int i = 0; i < RACERS; i++) {
			pthread_join(t[i], NULL);
			bad += r[i].bad;
		}
		pthread_barrier_destroy(&start);
		T_CHECK(!bad, "round %d: %d bad runs", round, bad);
		ubee_prog_free(prog);
	}
}

/* ---- the code description ----------------------------------------------- */

static void jit_info(void)
{
	struct ubee_prog *prog = load(NULL, "r0 = 1\nr1 = 0x1122334455667788 ll\n"
					    "if r0 > 5 goto +1\nr0 += r1\nexit\n");
	struct ubee_jit_info ji = { .sz = sizeof(ji) };

	if (!prog)
		return;
	T_CHECK(!ubee_prog_jit_info(prog, &ji, NULL), "info");
	T_EQ_U64(ji.insn_count, 6);
	for (size_t i = 0; t_ok() && i < ji.insn_count; i++)
		T_CHECK(ji.insn_off[i] <= ji.insn_off[i + 1], "order at %zu", i);
	T_CHECK(ji.insn_off[0] > 0 && ji.insn_off[6] <= ji.size, "bounds");
	/* The second slot of the lddw has no code of its own. */
	T_EQ_U64(ji.insn_off[2], ji.insn_off[3]);
	/* exit is a ret */
	T_EQ_U64(ji.code[ji.insn_off[5]], 0xc3);
	T_EQ_U64(ubee_prog_jit_info(NULL, &ji, NULL), -EINVAL);
	ubee_prog_free(prog);
}

/* Every allocation of a compile failing in turn: -ENOMEM, then fine. */
static void compile_out_of_memory(void)
{
	const char *text =
		"r6 = r1\nr1 = 3\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\n"
		"call f\nr0 += r6\nexit\n"
		"f:\nr0 = *(u8 *)skb[0]\nr0 = 9\nexit\n"
		"cb:\nr0 = 0\nexit\n";
	struct env h = { .flags = UBEE_PROG_HARDEN };
	long n;

	for (int harden = 0; harden < 2; harden++) {
		for (n = 0; n < 100; n++) {
			struct ubee_prog *prog = load(harden ? &h : NULL, "%s", text);
			struct ubee_jit_info ji = { .sz = sizeof(ji) };
			int err;

			if (!prog)
				return;
			ubee_fail_alloc_after(n);
			err = ubee_prog_jit_info(prog, &ji, NULL);
			ubee_fail_alloc_after(-1);
			if (!err) {
				ubee_prog_free(prog);
				break;
			}
			T_CHECK(err == -ENOMEM, "allocation %ld: %d", n, err);
			T_CHECK(!ubee_prog_jit_info(prog, &ji, NULL) && ji.code,
				"allocation %ld: no recovery", n);
			ubee_prog_free(prog);
		}
		T_CHECK(n > 2 && n < 100, "compiles with %ld allocations", n);
	}
}

int main(void)
{
	if (!ubee_engine_available(UBEE_ENGINE_JIT)) {
		t_begin("jit");
		t_skip("the JIT is not built for this machine");
		t_end();
		return t_summary();
	}
	T_RUN(code_memory_never_wx);
	T_RUN(engine_policy);
	T_RUN(helper_calls);
	T_RUN(loop_callbacks);
	T_RUN(tail_calls);
	T_RUN(deep_calls);
	T_RUN(callback_frames);
	T_RUN(array_lookups);
	T_RUN(constant_blinding);
	T_RUN(racing_first_runs);
	T_RUN(jit_info);
	T_RUN(compile_out_of_memory);
	return t_summary();
}
