// SPDX-License-Identifier: MIT
/*
 * Prepared runs (struct ubee_runner, include/ubee/ubee.h): the same
 * results as ubee_prog_run on every engine; what each run resets (the
 * checked stack, a failed packet load's early exit, the tail-call count
 * over more runs than UBEE_MAX_TAIL_CALLS); -EBUSY for a run of a runner
 * inside its own run while another runner nests fine; statistics;
 * batches keeping per-CPU values exclusive across threads (a non-atomic
 * per-CPU counter loses nothing; two open batches hold two slots); no
 * allocation per run; bad options.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "test.h"
#include "testfile.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/pktio.h"
#include "ubee/progtype.h"
#include "util/util.h"
#include "vm/vm.h"

static char logbuf[4096];

/* An unverified program from assembler text, of type type. */
static struct ubee_prog *prog_of(const char *text, uint32_t type,
				 const struct ubee_helpers *helpers)
{
	struct ubee_prog_opts po = { .sz = sizeof(po), .prog_type = type,
				     .helpers = helpers,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog = NULL;
	struct ubee_insn *p;
	struct ubee_log log;
	size_t n;

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

static struct ubee_runner *runner_of(const struct ubee_prog *prog,
				     const struct t_engine *e)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .engine = e->engine,
				    .flags = e->flags };
	struct ubee_runner *r = NULL;
	struct ubee_log log;
	int err;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_runner_new(prog, &ro, &r, &log);
	T_CHECK(!err, "%s: ubee_runner_new: %d %s", e->name, err, logbuf);
	return r;
}

/* Every engine: r0 = ctx[0] + r2 (the ctx size), as ubee_prog_run gives. */
static void same_as_prog_run(void)
{
	struct ubee_prog *prog = prog_of("r0 = *(u32 *)(r1 + 0)\nr0 += r2\nexit\n",
					 UBEE_PROG_TYPE_MEM, NULL);

	for (size_t i = 0; prog && i < t_nr_engines; i++) {
		const struct t_engine *e = &t_engines[i];
		struct ubee_runner *r;

		if (!t_engine_built(e))
			continue;
		r = runner_of(prog, e);
		for (uint32_t v = 0; r && v < 50; v++) {
			uint32_t ctx[4] = { v * 1000003u };
			struct ubee_run_opts o = { .sz = sizeof(o), .ctx = ctx,
						   .ctx_size = 4 + v % 13,
						   .engine = e->engine,
						   .flags = e->flags };
			uint64_t want = 0, got = 1;

			T_CHECK(!ubee_prog_run(prog, &o, &want, NULL), "prog_run");
			T_CHECK(!ubee_runner_run(r, ctx, 4 + v % 13, NULL, 0, &got),
				"%s: runner_run", e->name);
			T_EQ_U64(got, want);
			T_EQ_U64(got, (uint64_t)v * 1000003u + 4 + v % 13);
		}
		ubee_runner_free(r);
	}
	ubee_prog_free(prog);
}

/*
 * A run that writes the stack (ctx[0] != 0) then one that only reads it:
 * checked runs start from a zeroed stack every time; unchecked ones (the
 * code vouched for never reads what it did not write) are not cleared.
 */
static void stack_reset(void)
{
	struct ubee_prog *prog = prog_of("r2 = *(u32 *)(r1 + 0)\n"
					 "if r2 == 0 goto read\n"
					 "*(u64 *)(r10 - 8) = 42\n"
					 "read:\n"
					 "r0 = *(u64 *)(r10 - 8)\n"
					 "exit\n", UBEE_PROG_TYPE_MEM, NULL);

	for (size_t i = 0; prog && i < t_nr_engines; i++) {
		const struct t_engine *e = &t_engines[i];
		uint32_t one = 1, zero = 0;
		struct ubee_runner *r;
		uint64_t r0 = 7;

		if (!t_engine_built(e))
			continue;
		r = runner_of(prog, e);
		T_CHECK(r && !ubee_runner_run(r, &one, 4, NULL, 0, &r0) && r0 == 42,
			"%s: first run %llu", e->name, (unsigned long long)r0);
		T_CHECK(r && !ubee_runner_run(r, &zero, 4, NULL, 0, &r0) &&
				r0 == (e->checked ? 0 : 42),
			"%s: second run read %llu", e->name, (unsigned long long)r0);
		ubee_runner_free(r);
	}
	ubee_prog_free(prog);
}

/* A packet load past the end ends a run with 0; the next run is whole. */
static void ld_abs_then_ok(void)
{
	struct ubee_prog *prog = prog_of("r6 = r1\nr0 = *(u8 *)skb[20]\nr0 += 1\nexit\n",
					 UBEE_PROG_TYPE_SOCKET_FILTER, NULL);
	uint8_t pkt[32] = { [20] = 0x76 };
	struct ubee_sk_buff skb = { 0 };

	for (size_t i = 0; prog && i < t_nr_engines; i++) {
		const struct t_engine *e = &t_engines[i];
		struct ubee_runner *r;
		uint64_t r0 = 9;

		if (!t_engine_built(e))
			continue;
		r = runner_of(prog, e);
		for (int k = 0; r && k < 3; k++) {
			T_CHECK(!ubee_runner_run(r, &skb, sizeof(skb), pkt, 10, &r0) &&
					r0 == 0,
				"%s: short packet gave %llu", e->name,
				(unsigned long long)r0);
			T_CHECK(!ubee_runner_run(r, &skb, sizeof(skb), pkt, sizeof(pkt),
						 &r0) && r0 == 0x77,
				"%s: whole packet gave %llu", e->name,
				(unsigned long long)r0);
		}
		ubee_runner_free(r);
	}
	ubee_prog_free(prog);
}

/* The helper of nesting(): runs a runner (from the run's ctx) inside. */
static struct ubee_runner *nest_target;

static uint64_t nest_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			    uint64_t r5)
{
	uint32_t ctx = 5;
	uint64_t r0 = 0;
	int err;

	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	err = ubee_runner_run(nest_target, &ctx, sizeof(ctx), NULL, 0, &r0);
	return err ? (uint64_t)(int64_t)err : r0;
}

/*
 * A helper running the runner of the program calling it gets -EBUSY; a
 * helper running another runner gets that program's result, and the
 * outer run goes on.
 */
static void nesting(void)
{
	struct ubee_helper h = { .id = 1000, .name = "nest", .fn = nest_helper,
				 .args = { UBEE_ARG_NONE } };
	struct ubee_helpers *reg = ubee_helpers_new();
	struct ubee_prog *outer = NULL, *inner = NULL;
	struct ubee_runner *ro = NULL, *ri = NULL;
	const struct t_engine *e = &t_engines[0];
	uint32_t ctx = 1;
	uint64_t r0 = 0;

	if (!reg || ubee_helpers_add(reg, &h)) {
		T_CHECK(0, "helper registry");
		goto out;
	}
	outer = prog_of("call 1000\nr0 += 1000\nexit\n", UBEE_PROG_TYPE_MEM, reg);
	inner = prog_of("r0 = *(u32 *)(r1 + 0)\nexit\n", UBEE_PROG_TYPE_MEM, NULL);
	if (!outer || !inner)
		goto out;
	for (size_t i = 0; i < t_nr_engines; i++) {
		e = &t_engines[i];
		if (!t_engine_built(e))
			continue;
		ro = runner_of(outer, e);
		ri = runner_of(inner, e);
		nest_target = ro;
		T_CHECK(ro && !ubee_runner_run(ro, &ctx, 4, NULL, 0, &r0) &&
				r0 == (uint64_t)-EBUSY + 1000,
			"%s: own runner: r0 0x%llx", e->name, (unsigned long long)r0);
		nest_target = ri;
		T_CHECK(ro && !ubee_runner_run(ro, &ctx, 4, NULL, 0, &r0) && r0 == 1005,
			"%s: other runner: r0 %llu", e->name, (unsigned long long)r0);
		ubee_runner_free(ro);
		ubee_runner_free(ri);
		ro = ri = NULL;
	}
out:
	ubee_prog_free(outer);
	ubee_prog_free(inner);
	ubee_helpers_free(reg);
}

/* Statistics count every run of a runner when they are on. */
static void statistics(void)
{
	struct ubee_prog *prog = prog_of("r0 = 3\nexit\n", UBEE_PROG_TYPE_MEM, NULL);
	struct ubee_runner *r = prog ? runner_of(prog, &t_engines[0]) : NULL;
	struct ubee_prog_stats a, b;
	uint64_t r0;

	if (!r)
		goto out;
	ubee_vm_stats_enable(1);
	ubee_vm_prog_stats(prog, &a);
	for (int i = 0; i < 25; i++)
		T_CHECK(!ubee_runner_run(r, NULL, 0, NULL, 0, &r0) && r0 == 3, "run");
	ubee_vm_prog_stats(prog, &b);
	ubee_vm_stats_enable(0);
	T_EQ_U64(b.run_cnt - a.run_cnt, 25);
	T_CHECK(b.run_time_ns > a.run_time_ns, "no run time counted");
	for (int i = 0; i < 5; i++)
		ubee_runner_run(r, NULL, 0, NULL, 0, &r0);
	ubee_vm_prog_stats(prog, &a);
	T_EQ_U64(a.run_cnt, b.run_cnt);
out:
	ubee_runner_free(r);
	ubee_prog_free(prog);
}

/* A frame for the tail-call dispatcher: IPv4 ICMP. */
static void icmp_frame(uint8_t *f, size_t len)
{
	memset(f, 0, len);
	f[12] = 0x08;            /* IPv4 */
	f[14] = 0x45;
	f[16] = 0;
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = 1;               /* ICMP */
}

/*
 * examples/bpf/tailcall.o's dispatcher tail-calls its ICMP handler: 100
 * packets (over UBEE_MAX_TAIL_CALLS) through the packet runner, which
 * uses a prepared run, in batches and out of them: every one is dropped
 * by the handler and counted once in its per-CPU array.
 */
static void tail_calls(void)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .vmlinux_btf = "" };
	struct ubee_pktio_runner_opts opts = { .sz = sizeof(opts) };
	struct ubee_pktio_runner *run = NULL;
	struct ubee_object *obj = NULL;
	struct ubee_object_prog_info pi;
	struct ubee_object_map_info mi;
	char path[512];
	const char *build = getenv("BUILD");
	uint8_t frame[60];
	uint32_t key = 2; /* HIT_ICMP */
	uint64_t *vals = NULL, sum = 0;
	unsigned ncpu = ubee_map_nr_cpus();
	struct ubee_log log;
	int i;

	snprintf(path, sizeof(path), "%s/examples/bpf/tailcall.o",
		 build && *build ? build : "build");
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (ubee_object_open_file(path, &obj, &log)) {
		t_skip("%s: %s", path, logbuf);
		return;
	}
	i = ubee_object_find_prog(obj, "dispatch");
	if (ubee_object_load(obj, &lo, &log) || i < 0 ||
	    ubee_object_prog(obj, (size_t)i, &pi) ||
	    ubee_pktio_runner_new(pi.prog, &opts, &run, &log)) {
		T_CHECK(0, "load: %s", logbuf);
		goto out;
	}
	icmp_frame(frame, sizeof(frame));
	for (int k = 0; k < 100; k++) {
		struct ubee_packet p = { .data = frame, .len = sizeof(frame),
					 .wire_len = sizeof(frame), .index = k + 1 };
		struct ubee_pktio_verdict v;

		if (k % 10 == 0 && k < 50)
			ubee_pktio_runner_begin(run);
		T_CHECK(!ubee_pktio_runner_process(run, &p, &v, &log) &&
				v.action == UBEE_PKTIO_DROP && v.retval == 1,
			"packet %d: action %d retval %llu %s", k + 1, (int)v.action,
			(unsigned long long)v.retval, logbuf);
		if (k % 10 == 9 && k < 50)
			ubee_pktio_runner_end(run);
	}
	vals = calloc(ncpu, sizeof(*vals));
	i = ubee_object_find_map(obj, "hits");
	if (!vals || i < 0 || ubee_object_map(obj, (size_t)i, &mi) ||
	    ubee_map_lookup(mi.map, &key, vals)) {
		T_CHECK(0, "hits map");
		goto out;
	}
	for (unsigned c = 0; c < ncpu; c++)
		sum += vals[c];
	T_EQ_U64(sum, 100);
out:
	free(vals);
	ubee_pktio_runner_free(run);
	ubee_object_free(obj);
}

/* ---- per-CPU exclusivity across threads, with batches ------------------ */

#define THREADS 6
#define RUNS 3000
#define BATCH 16

struct worker {
	const struct ubee_prog *prog;
	const struct t_engine *e;
	uint32_t id;
	int errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ubee_run_opts ro = { .sz = sizeof(ro), .engine = w->e->engine,
				    .flags = w->e->flags };
	struct ubee_runner *r = NULL;
	uint64_t r0;

	if (ubee_runner_new(w->prog, &ro, &r, NULL)) {
		w->errors = RUNS;
		return NULL;
	}
	for (uint32_t k = 0; k < RUNS; k++) {
		uint32_t in[2] = { w->id, k };

		if (k % BATCH == 0)
			ubee_runner_begin(r);
		if (ubee_runner_run(r, in, sizeof(in), NULL, 0, &r0) || r0 == 1 ||
		    r0 == 2 || r0 > 3)
			w->errors++;
		if (k % BATCH == BATCH - 1)
			ubee_runner_end(r);
	}
	ubee_runner_free(r); /* ends the open batch, if any */
	return NULL;
}

/*
 * tests/bpf/concurrency.c's program (a non-atomic add into a per-CPU
 * value) from THREADS threads, each with its own runner in batches: the
 * per-CPU sum is every run, as with unprepared runs.
 */
static void batches_exclusive(void)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .vmlinux_btf = "",
					    .prog_flags = UBEE_PROG_NO_VERIFY };
	struct ubee_object *obj = NULL;
	struct ubee_object_prog_info pi;
	struct ubee_object_map_info mi;
	char path[512];
	size_t size = 0;
	uint8_t *bytes = t_read_file(t_bpf_obj("concurrency.v3.o", path,
					       sizeof(path)), &size);
	unsigned ncpu = ubee_map_nr_cpus();
	struct ubee_log log;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (!size) {
		t_skip("%s not built", path);
		goto out;
	}
	if (ubee_object_open_mem(bytes, size, "concurrency", &obj, &log) ||
	    ubee_object_load(obj, &lo, &log) || ubee_object_prog(obj, 0, &pi) ||
	    ubee_object_map(obj, (size_t)ubee_object_find_map(obj, "pcpu"), &mi)) {
		T_CHECK(0, "load: %s", logbuf);
		goto out;
	}
	for (size_t i = 0; i < t_nr_engines; i++) {
		const struct t_engine *e = &t_engines[i];
		struct worker w[THREADS];
		pthread_t t[THREADS];
		uint64_t *before = calloc(ncpu, 8), *after = calloc(ncpu, 8);
		uint64_t sum = 0;
		uint32_t zero = 0;
		int errors = 0;

		if (!t_engine_built(e) || !before || !after) {
			free(before);
			free(after);
			continue;
		}
		ubee_map_lookup(mi.map, &zero, before);
		for (uint32_t k = 0; k < THREADS; k++) {
			w[k] = (struct worker){ pi.prog, e, k, 0 };
			T_CHECK(!pthread_create(&t[k], NULL, work, &w[k]), "thread");
		}
		for (int k = 0; k < THREADS; k++) {
			pthread_join(t[k], NULL);
			errors += w[k].errors;
		}
		ubee_map_lookup(mi.map, &zero, after);
		for (unsigned c = 0; c < ncpu; c++)
			sum += after[c] - before[c];
		T_CHECK(!errors, "%s: %d runs failed", e->name, errors);
		T_CHECK(sum == (uint64_t)THREADS * RUNS,
			"%s: per-CPU sum %llu, expected %d", e->name,
			(unsigned long long)sum, THREADS * RUNS);
		free(before);
		free(after);
	}
out:
	ubee_object_free(obj);
	free(bytes);
}

struct holder {
	const struct ubee_prog *prog;
	const struct t_engine *e;
	pthread_barrier_t *bar;
	uint64_t cpu;
	int bad;
};

/* A batch open across both barriers; every run inside sees one CPU. */
static void *hold(void *arg)
{
	struct holder *h = arg;
	struct ubee_run_opts ro = { .sz = sizeof(ro), .engine = h->e->engine,
				    .flags = h->e->flags };
	struct ubee_runner *r = NULL;
	uint64_t r0 = 0;

	if (ubee_runner_new(h->prog, &ro, &r, NULL)) {
		h->bad = 1;
		pthread_barrier_wait(h->bar);
		pthread_barrier_wait(h->bar);
		return NULL;
	}
	ubee_runner_begin(r);
	h->bad |= ubee_runner_run(r, NULL, 0, NULL, 0, &h->cpu) != 0;
	pthread_barrier_wait(h->bar);
	for (int k = 0; k < 20; k++)
		h->bad |= ubee_runner_run(r, NULL, 0, NULL, 0, &r0) || r0 != h->cpu;
	pthread_barrier_wait(h->bar);
	ubee_runner_end(r);
	ubee_runner_free(r);
	return NULL;
}

/*
 * Two threads with a batch open at the same time: each batch holds its
 * own CPU slot (bpf_get_smp_processor_id differs between them and stays
 * the same across a batch's runs).
 */
static void batch_holds_slot(void)
{
	struct ubee_prog *prog = prog_of("call 8\nexit\n", UBEE_PROG_TYPE_MEM, NULL);
	pthread_barrier_t bar;

	if (ubee_map_nr_cpus() < 2) {
		t_skip("one CPU slot only");
		ubee_prog_free(prog);
		return;
	}
	pthread_barrier_init(&bar, NULL, 2);
	for (size_t i = 0; prog && i < t_nr_engines; i++) {
		struct holder h[2] = { { prog, &t_engines[i], &bar, 0, 0 },
				       { prog, &t_engines[i], &bar, 0, 0 } };
		pthread_t t[2];

		if (!t_engine_built(&t_engines[i]))
			continue;
		for (int k = 0; k < 2; k++)
			T_CHECK(!pthread_create(&t[k], NULL, hold, &h[k]), "thread");
		for (int k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
		T_CHECK(!h[0].bad && !h[1].bad, "%s: a run failed or moved CPU",
			t_engines[i].name);
		T_CHECK(h[0].cpu != h[1].cpu, "%s: both batches on slot %llu",
			t_engines[i].name, (unsigned long long)h[0].cpu);
	}
	pthread_barrier_destroy(&bar);
	ubee_prog_free(prog);
}

/* Runs allocate nothing: every allocation fails, runs still succeed. */
static void no_alloc_per_run(void)
{
	struct ubee_prog *prog = prog_of("r2 = *(u32 *)(r1 + 0)\n"
					 "*(u64 *)(r10 - 8) = r2\n"
					 "r0 = *(u64 *)(r10 - 8)\nexit\n",
					 UBEE_PROG_TYPE_MEM, NULL);

	for (size_t i = 0; prog && i < t_nr_engines; i++) {
		const struct t_engine *e = &t_engines[i];
		struct ubee_runner *r;
		uint64_t r0;
		int bad = 0;

		if (!t_engine_built(e))
			continue;
		r = runner_of(prog, e);
		ubee_fail_alloc_after(0);
		for (uint32_t k = 0; r && k < 1000; k++)
			bad += ubee_runner_run(r, &k, 4, NULL, 0, &r0) || r0 != k;
		ubee_fail_alloc_after(-1);
		T_CHECK(!bad, "%s: %d runs failed or were wrong", e->name, bad);
		ubee_runner_free(r);
	}
	ubee_prog_free(prog);
}

/* What a runner refuses, when it is made and when it runs. */
static void bad_options(void)
{
	struct ubee_prog *prog = prog_of("r0 = 0\nexit\n", UBEE_PROG_TYPE_MEM, NULL);
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	struct ubee_runner *r = (struct ubee_runner *)1;
	struct ubee_log log;
	uint64_t r0;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	T_EQ_U64(ubee_runner_new(NULL, &ro, &r, &log), (uint64_t)-EINVAL);
	T_CHECK(r == NULL, "*out not cleared");
	ro.flags = 1u << 20;
	T_EQ_U64(ubee_runner_new(prog, &ro, &r, &log), (uint64_t)-EINVAL);
	T_CHECK(strstr(logbuf, "unknown run flags"), "log: %s", logbuf);
	if (ubee_engine_available(UBEE_ENGINE_JIT)) {
		ro.flags = UBEE_RUN_CHECKED;
		ro.engine = UBEE_ENGINE_JIT;
		T_EQ_U64(ubee_runner_new(prog, &ro, &r, &log), (uint64_t)-EOPNOTSUPP);
	}
	ro.flags = 0;
	ro.engine = UBEE_ENGINE_DEFAULT;
	ro.sz = 1;
	T_EQ_U64(ubee_runner_new(prog, &ro, &r, &log), (uint64_t)-EINVAL);
	ro.sz = sizeof(ro);
	T_CHECK(!ubee_runner_new(prog, &ro, &r, &log), "new: %s", logbuf);
	if (r) {
		ubee_runner_set_log(r, &log);
		T_EQ_U64(ubee_runner_run(r, NULL, 8, NULL, 0, &r0), (uint64_t)-EINVAL);
		T_EQ_U64(ubee_runner_run(r, NULL, 0, NULL, 4, &r0), (uint64_t)-EINVAL);
		T_CHECK(strstr(logbuf, "no address"), "log: %s", logbuf);
		T_CHECK(!ubee_runner_run(r, NULL, 0, NULL, 0, &r0) && r0 == 0, "run");
	}
	ubee_runner_free(r);
	ubee_runner_free(NULL);
	ubee_prog_free(prog);
}

int main(void)
{
	T_RUN(same_as_prog_run);
	T_RUN(stack_reset);
	T_RUN(ld_abs_then_ok);
	T_RUN(nesting);
	T_RUN(statistics);
	T_RUN(tail_calls);
	T_RUN(batches_exclusive);
	T_RUN(batch_holds_slot);
	T_RUN(no_alloc_per_run);
	T_RUN(bad_options);
	return t_summary();
}
