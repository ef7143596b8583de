// SPDX-License-Identifier: MIT
/*
 * Perf event arrays: creation checks, opening and closing slots with the
 * kernel's error codes, bpf_perf_event_output's flags (index, current
 * CPU, bad bits), records in order across ring wraps, full rings counting
 * lost records, a callback error, and producers on many threads with a
 * concurrent consumer: every record is either consumed once, in order, or
 * reported lost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/maptest.h"
#include "../lib/test.h"
#include "maps/maps.h"
#include "maps/perf.h"
#include "util/util.h"

static struct ubee_map *mk(uint32_t me)
{
	return t_map_new(UBEE_MAP_PERF_EVENT_ARRAY, 4, 4, me, 0, 0);
}

/* 0, or the negative errno creating this perf event array fails with. */
static int mk_err(uint32_t ks, uint32_t vs, uint32_t me, uint32_t flags,
		  uint64_t extra)
{
	return t_map_err(UBEE_MAP_PERF_EVENT_ARRAY, ks, vs, me, flags, extra);
}

static void create_checks(void)
{
	T_EQ_U64(mk_err(4, 4, 1, 0, 0), 0);
	T_EQ_U64(mk_err(4, 4, 0, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 1, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(4, 8, 1, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(4, 4, 1, UBEE_F_RDONLY_PROG, 0), -EINVAL);
	T_EQ_U64(mk_err(4, 4, 1, UBEE_F_MMAPABLE, 0), -EINVAL);
	T_EQ_U64(mk_err(4, 4, 1, UBEE_F_PRESERVE_ELEMS, 0), 0);
	T_EQ_U64(mk_err(4, 4, 1, 0, 1), -EINVAL);
	T_CHECK(!strcmp(ubee_map_type_name(UBEE_MAP_PERF_EVENT_ARRAY),
			"perf_event_array"),
		"name");
}

static void slots(void)
{
	struct ubee_map *m = mk(4);
	uint32_t k, v, n;

	T_CHECK(m, "create");
	if (!m)
		return;
	k = 0;
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -UBEE_ENOTSUPP);
	T_EQ_U64(ubee_map_delete(m, &k), -ENOENT);
	v = 1;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), -EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), -EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	v = 3;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), -EINVAL);
	v = 0;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), -EINVAL);
	k = 4;
	v = 1;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), -E2BIG);
	T_EQ_U64(ubee_map_delete(m, &k), -E2BIG);
	k = 0;
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_EQ_U64(ubee_map_delete(m, &k), -ENOENT);
	/* Array order; a bad key restarts at 0. */
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &n), 0);
	T_EQ_U64(n, 0);
	k = 2;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &n), 0);
	T_EQ_U64(n, 3);
	k = 3;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &n), -ENOENT);
	k = 9;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &n), 0);
	T_EQ_U64(n, 0);
	ubee_map_put(m);
}

struct got {
	int n;
	uint32_t cpu[64];
	uint32_t size[64];
	uint8_t data[64][16];
	uint64_t lost[8];
	int stop_at;
};

static int sample(void *arg, uint32_t cpu, const void *data, uint32_t size)
{
	struct got *g = arg;

	if (g->n < 64) {
		g->cpu[g->n] = cpu;
		g->size[g->n] = size;
		memcpy(g->data[g->n], data, size < 16 ? size : 16);
	}
	g->n++;
	return g->n == g->stop_at ? -EINTR : 0;
}

static void lost(void *arg, uint32_t cpu, uint64_t cnt)
{
	struct got *g = arg;

	if (cpu < 8)
		g->lost[cpu] += cnt;
}

static void output(void)
{
	struct ubee_map *m = mk(3);
	struct got g = { 0 };
	uint32_t k, v = 1;
	unsigned cpu;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_perf_event_output(m, 0, "a", 1), -ENOENT);
	T_EQ_U64(ubee_perf_event_output(m, 3, "a", 1), -E2BIG);
	T_EQ_U64(ubee_perf_event_output(m, 1ull << 32, "a", 1), -EINVAL);
	for (k = 0; k < 3; k++)
		T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_perf_event_output(m, 2, "two", 3), 0);
	T_EQ_U64(ubee_perf_event_output(m, 0, "zero", 4), 0);
	T_EQ_U64(ubee_perf_event_output(m, 2, "2b", 2), 0);
	T_EQ_U64(ubee_perf_event_output(m, 1, "", 0), 0);
	T_EQ_U64(ubee_perf_consume(m, sample, lost, &g), 4);
	/* Slot order, then each slot's records in order. */
	T_EQ_U64(g.cpu[0], 0);
	T_EQ_U64(g.size[0], 4);
	T_CHECK(!memcmp(g.data[0], "zero", 4), "data 0");
	T_EQ_U64(g.cpu[1], 1);
	T_EQ_U64(g.size[1], 0);
	T_EQ_U64(g.cpu[2], 2);
	T_CHECK(!memcmp(g.data[2], "two", 3), "data 2");
	T_EQ_U64(g.cpu[3], 2);
	T_CHECK(!memcmp(g.data[3], "2b", 2), "data 3");
	T_EQ_U64(ubee_perf_consume(m, sample, lost, &g), 0);
	T_EQ_U64(ubee_perf_consume(m, NULL, lost, &g), -EINVAL);
	/* Too big for a perf record. */
	T_EQ_U64(ubee_perf_event_output(m, 0, &g, 0x10000), -E2BIG);
	ubee_map_put(m);

	/* BPF_F_CURRENT_CPU: the slot of the CPU the run holds. */
	m = mk(ubee_map_nr_cpus());
	T_CHECK(m, "create");
	if (!m)
		return;
	for (k = 0; k < ubee_map_nr_cpus(); k++)
		T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	cpu = ubee_map_cpu_enter();
	T_EQ_U64(ubee_perf_event_output(m, UBEE_PERF_CURRENT_CPU, "cur", 3),
		 0);
	ubee_map_cpu_exit(cpu);
	g.n = 0;
	T_EQ_U64(ubee_perf_consume(m, sample, lost, &g), 1);
	T_EQ_U64(g.cpu[0], cpu);
	ubee_map_put(m);
}

static void full_and_wrap(void)
{
	struct ubee_map *m = mk(2);
	struct got g = { 0 };
	uint32_t k = 1, pages = 1, i, n = 0, drops = 0, seq = 0, bad = 0;
	long page = sysconf(_SC_PAGESIZE);
	uint8_t rec[100];

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_update(m, &k, &pages, UBEE_ANY), 0);
	/* 100-byte records take 112 bytes: page / 112 fit. */
	for (i = 0; i < 100; i++) {
		memcpy(rec, &i, 4);
		long err = ubee_perf_event_output(m, 1, rec, sizeof(rec));

		if (!err)
			n++;
		else if (err == -ENOSPC)
			drops++;
		else
			T_EQ_U64(err, 0);
	}
	T_EQ_U64(n, (uint32_t)page / 112);
	T_EQ_U64(drops, 100 - n);
	g.stop_at = 2;
	T_EQ_U64(ubee_perf_consume(m, sample, lost, &g), -EINTR);
	T_EQ_U64(g.lost[1], 0);
	g.stop_at = 0;
	T_EQ_U64(ubee_perf_consume(m, sample, lost, &g), n - 2);
	T_EQ_U64(g.lost[1], drops);
	/* Many rounds of odd sizes wrap the ring; contents stay intact. */
	for (i = 0; i < 2000; i++) {
		uint32_t size = 4 + i % 97;

		memcpy(rec, &i, 4);
		memset(rec + 4, (int)i, size - 4);
		T_EQ_U64(ubee_perf_event_output(m, 1, rec, size), 0);
		g.n = 0;
		T_EQ_U64(ubee_perf_consume(m, sample, NULL, &g), 1);
		memcpy(&seq, g.data[0], 4);
		bad += seq != i || g.size[0] != size ||
		       (size > 4 && g.data[0][4] != (uint8_t)i);
	}
	T_EQ_U64(bad, 0);
	/* Reopening drops what was unread. */
	T_EQ_U64(ubee_perf_event_output(m, 1, rec, 8), 0);
	T_EQ_U64(ubee_map_update(m, &k, &pages, UBEE_ANY), 0);
	T_EQ_U64(ubee_perf_consume(m, sample, lost, &g), 0);
	ubee_map_put(m);
}

#define PRODUCERS 4
#define RECORDS 50000

struct stress {
	struct ubee_map *m;
	uint32_t next[PRODUCERS];
	uint64_t drops[PRODUCERS];
	uint64_t lost[PRODUCERS];
	long consumed;
	int done;
	int bad;
};

struct worker {
	struct stress *s;
	uint32_t id;
};

static void *producer(void *arg)
{
	struct worker *w = arg;

	for (uint32_t seq = 0; seq < RECORDS; seq++) {
		uint32_t rec[4] = { w->id, seq, seq * 3, ~seq };
		long err = ubee_perf_event_output(w->s->m, w->id, rec,
						  sizeof(rec));

		if (err == -ENOSPC)
			w->s->drops[w->id]++;
		else if (err)
			w->s->bad = 1;
	}
	return NULL;
}

static int check(void *arg, uint32_t cpu, const void *data, uint32_t size)
{
	struct stress *s = arg;
	uint32_t rec[4];

	memcpy(rec, data, sizeof(rec));
	if (size != sizeof(rec) || rec[0] != cpu || cpu >= PRODUCERS ||
	    rec[1] < s->next[cpu] || rec[2] != rec[1] * 3 || rec[3] != ~rec[1])
		s->bad = 2;
	else
		s->next[cpu] = rec[1] + 1;
	s->consumed++;
	return 0;
}

static void count_lost(void *arg, uint32_t cpu, uint64_t cnt)
{
	struct stress *s = arg;

	if (cpu < PRODUCERS)
		s->lost[cpu] += cnt;
}

static void *consumer(void *arg)
{
	struct stress *s = arg;

	for (;;) {
		int done = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
		int n = ubee_perf_consume(s->m, check, count_lost, s);

		if (n < 0)
			s->bad = 3;
		if (done && n == 0)
			break;
	}
	return NULL;
}

static void threads(void)
{
	struct stress *s = calloc(1, sizeof(*s));
	pthread_t pt[PRODUCERS], ct;
	struct worker w[PRODUCERS];
	uint32_t pages = 2;
	uint64_t drops = 0, lost_total = 0;

	s->m = mk(PRODUCERS);
	T_CHECK(s->m, "create");
	if (!s->m)
		goto out;
	for (uint32_t k = 0; k < PRODUCERS; k++)
		T_EQ_U64(ubee_map_update(s->m, &k, &pages, UBEE_ANY), 0);
	pthread_create(&ct, NULL, consumer, s);
	for (uint32_t i = 0; i < PRODUCERS; i++) {
		w[i].s = s;
		w[i].id = i;
		pthread_create(&pt[i], NULL, producer, &w[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(pt[i], NULL);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	pthread_join(ct, NULL);
	for (int i = 0; i < PRODUCERS; i++) {
		T_EQ_U64(s->lost[i], s->drops[i]);
		drops += s->drops[i];
		lost_total += s->lost[i];
	}
	T_EQ_U64(s->bad, 0);
	T_EQ_U64(s->consumed + drops, (uint64_t)PRODUCERS * RECORDS);
	T_EQ_U64(lost_total, drops);
	ubee_map_put(s->m);
out:
	free(s);
}

int main(void)
{
	T_RUN(create_checks);
	T_RUN(slots);
	T_RUN(output);
	T_RUN(full_and_wrap);
	T_RUN(threads);
	return t_summary();
}
