// SPDX-License-Identifier: MIT
/*
 * Programs run from many threads at once on shared maps (the program is
 * tests/bpf/concurrency.c): no lost update of an atomic counter, none of
 * a per-CPU counter updated without atomics, every thread's last key
 * present with its last run, and every ring buffer record consumed once
 * by a consumer running concurrently (or counted as dropped when the ring
 * was full). On every interpreter engine.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines.h"
#include "test.h"
#include "testfile.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/progtype.h"

#define THREADS 6
#define RUNS 4000

struct shared {
	const struct ubee_prog *prog;
	uint32_t flags;
	int drops[THREADS];
	int errors;
};

struct worker {
	struct shared *s;
	uint32_t id;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (uint32_t r = 0; r < RUNS; r++) {
		uint32_t in[2] = { w->id, r };
		struct ubee_test_run t = { .sz = sizeof(t), .data_in = in,
					   .data_size_in = sizeof(in),
					   .flags = w->s->flags };

		if (ubee_prog_test_run(w->s->prog, &t, NULL) || t.retval > 3 ||
		    t.retval == 1 || t.retval == 2)
			__atomic_add_fetch(&w->s->errors, 1, __ATOMIC_RELAXED);
		else if (t.retval == 3)
			w->s->drops[w->id]++;
	}
	return NULL;
}

struct consumer {
	struct ubee_map *rb;
	int stop;
	long seen;
	uint8_t *marks; /* [THREADS * RUNS] */
	int dup, bad;
};

static int on_event(void *arg, const void *data, size_t size)
{
	struct consumer *c = arg;
	uint32_t ev[2];

	if (size != sizeof(ev)) {
		c->bad++;
		return 0;
	}
	memcpy(ev, data, sizeof(ev));
	if (ev[0] >= THREADS || ev[1] >= RUNS) {
		c->bad++;
		return 0;
	}
	if (c->marks[ev[0] * RUNS + ev[1]]++)
		c->dup++;
	c->seen++;
	return 0;
}

static void *consume(void *arg)
{
	struct consumer *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
		if (ubee_ringbuf_consume(c->rb, on_event, c) < 0)
			c->bad++;
	ubee_ringbuf_consume(c->rb, on_event, c); /* the rest */
	return NULL;
}

static void run_engine(const uint8_t *bytes, size_t size, const struct t_engine *e)
{
	/* A plain-memory program over a ctx of any size: unverified. */
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .vmlinux_btf = "",
					    .prog_flags = UBEE_PROG_NO_VERIFY };
	struct ubee_object *obj = NULL;
	struct ubee_object_prog_info pi;
	struct shared s = { .flags = e->flags };
	struct worker w[THREADS];
	struct consumer c = { 0 };
	pthread_t tw[THREADS], tc;
	struct ubee_map *shared_map, *pcpu, *last;
	char buf[4096];
	struct ubee_log log;
	uint32_t zero = 0;
	uint64_t total = 0, *vals;
	long drops = 0;
	unsigned ncpu = ubee_map_nr_cpus();

	ubee_log_init(&log, buf, sizeof(buf));
	if (ubee_object_open_mem(bytes, size, "concurrency", &obj, &log) ||
	    ubee_object_load(obj, &lo, &log) || ubee_object_prog(obj, 0, &pi)) {
		T_CHECK(0, "load: %s", buf);
		goto out;
	}
	s.prog = pi.prog;
	{
		struct ubee_object_map_info mi;

		ubee_object_map(obj, (size_t)ubee_object_find_map(obj, "shared"), &mi);
		shared_map = mi.map;
		ubee_object_map(obj, (size_t)ubee_object_find_map(obj, "pcpu"), &mi);
		pcpu = mi.map;
		ubee_object_map(obj, (size_t)ubee_object_find_map(obj, "last"), &mi);
		last = mi.map;
		ubee_object_map(obj, (size_t)ubee_object_find_map(obj, "events"), &mi);
		c.rb = mi.map;
	}
	c.marks = calloc(THREADS * RUNS, 1);
	if (!c.marks || pthread_create(&tc, NULL, consume, &c)) {
		T_CHECK(0, "consumer thread");
		free(c.marks);
		goto out;
	}
	for (uint32_t i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ &s, i };
		T_CHECK(!pthread_create(&tw[i], NULL, work, &w[i]), "thread");
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(tw[i], NULL);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tc, NULL);

	T_CHECK(!s.errors, "%d runs failed", s.errors);
	T_CHECK(!ubee_map_lookup(shared_map, &zero, &total) &&
			total == (uint64_t)THREADS * RUNS,
		"atomic counter %llu, expected %d", (unsigned long long)total,
		THREADS * RUNS);
	vals = calloc(ncpu, 8);
	total = 0;
	if (vals && !ubee_map_lookup(pcpu, &zero, vals))
		for (unsigned i = 0; i < ncpu; i++)
			total += vals[i];
	free(vals);
	T_CHECK(total == (uint64_t)THREADS * RUNS,
		"per-CPU counter sum %llu, expected %d", (unsigned long long)total,
		THREADS * RUNS);
	for (uint32_t i = 0; i < THREADS; i++) {
		uint32_t run = 0;

		T_CHECK(!ubee_map_lookup(last, &i, &run) && run == RUNS - 1,
			"thread %u: last run %u", i, run);
		drops += s.drops[i];
	}
	T_CHECK(!c.dup && !c.bad, "ring buffer: %d duplicates, %d bad records",
		c.dup, c.bad);
	T_CHECK(c.seen + drops == (long)THREADS * RUNS,
		"ring buffer: %ld consumed + %ld dropped != %d", c.seen, drops,
		THREADS * RUNS);
	free(c.marks);
out:
	ubee_object_free(obj);
}

int main(void)
{
	char path[512];
	size_t size = 0;
	uint8_t *bytes = t_read_file(t_bpf_obj("concurrency.v3.o", path,
					       sizeof(path)), &size);

	for (size_t i = 0; i < T_NR_INTERP; i++) {
		t_begin("concurrency [%s]", t_engines[i].name);
		if (!size)
			t_skip("%s not built", path);
		else
			run_engine(bytes, size, &t_engines[i]);
		t_end();
	}
	free(bytes);
	return t_summary();
}
