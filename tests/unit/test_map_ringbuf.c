// SPDX-License-Identifier: MIT
/*
 * Ring buffer maps: creation checks, the kernel's record layout (header
 * length with busy/discard bits, page offset, 8-byte alignment), reserve /
 * submit / discard / output / query, a full ring, records held back by an
 * earlier reservation, records that wrap past the end, a libbpf-style
 * consumer reading the shared memory directly, and producers on many
 * threads with a concurrent consumer that must see every submitted record
 * exactly once, in each producer's order, intact.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/maptest.h"
#include "../lib/test.h"
#include "maps/maps.h"
#include "maps/ringbuf.h"
#include "util/util.h"

static long page;

static struct ubee_map *mk(uint32_t size)
{
	return t_map_new(UBEE_MAP_RINGBUF, 0, 0, size, 0, 0);
}

/* 0, or the negative errno creating this ring buffer fails with. */
static int mk_err(uint32_t ks, uint32_t vs, uint32_t me, uint32_t flags,
		  uint64_t extra)
{
	return t_map_err(UBEE_MAP_RINGBUF, ks, vs, me, flags, extra);
}

static void create_checks(void)
{
	uint32_t p = (uint32_t)page;

	T_EQ_U64(mk_err(0, 0, p, 0, 0), 0);
	T_EQ_U64(mk_err(0, 0, 2 * p, 0, 0), 0);
	T_EQ_U64(mk_err(0, 0, 1u << 24, 0, 0), 0);
	T_EQ_U64(mk_err(0, 0, 3 * p, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 0, p / 2, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 0, 0, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(4, 0, p, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 4, p, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 0, p, UBEE_F_NUMA_NODE, 0), 0);
	T_EQ_U64(mk_err(0, 0, p, UBEE_F_MMAPABLE, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 0, p, UBEE_F_RDONLY_PROG, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 0, p, 0, 1), -EINVAL);
	T_CHECK(!strcmp(ubee_map_type_name(UBEE_MAP_RINGBUF), "ringbuf"),
		"name");
}

static void keyed_ops(void)
{
	struct ubee_map *m = mk((uint32_t)page);
	uint64_t v = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_lookup(m, NULL, &v), -UBEE_ENOTSUPP);
	T_EQ_U64(ubee_map_update(m, NULL, &v, 0), -UBEE_ENOTSUPP);
	T_EQ_U64(ubee_map_delete(m, NULL), -UBEE_ENOTSUPP);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &v), -UBEE_ENOTSUPP);
	T_CHECK(!m->ops->lookup && !m->ops->update && !m->ops->push,
		"program ops");
	ubee_map_put(m);
}

/* Consumer callback collecting records into a buffer. */
struct got {
	int n;
	uint32_t size[64];
	uint8_t data[64][64];
	int stop_at;      /* return -EINTR at this record (1-based) */
};

static int collect(void *arg, const void *data, size_t size)
{
	struct got *g = arg;

	if (g->n < 64) {
		g->size[g->n] = (uint32_t)size;
		memcpy(g->data[g->n], data, size < 64 ? size : 64);
	}
	g->n++;
	return g->n == g->stop_at ? -EINTR : 0;
}

static void layout(void)
{
	struct ubee_map *m = mk((uint32_t)page);
	uint8_t *area, *data;
	uint32_t hdr[2];
	struct got g = { 0 };
	void *a, *b;

	T_CHECK(m, "create");
	if (!m)
		return;
	area = ubee_ringbuf_area(m);
	T_CHECK(area && !ubee_ringbuf_area(NULL), "area");
	data = area + 2 * page;
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_RING_SIZE), page);
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_AVAIL_DATA), 0);
	a = ubee_ringbuf_reserve(m, 5, 0);
	T_CHECK(a == data + 8, "first sample at data + 8");
	/* Header: size | busy, then where the kernel keeps the page offset
	 * (read only by its own submit) the producer's pid (ringbuf.c). */
	memcpy(hdr, data, 8);
	T_EQ_U64(hdr[0], 5 | UBEE_RINGBUF_BUSY_BIT);
	T_EQ_U64(hdr[1], getpid());
	T_EQ_U64(*(uint64_t *)(area + page), 16);
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_PROD_POS), 16);
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_AVAIL_DATA), 16);
	memcpy(a, "hello", 5);
	b = ubee_ringbuf_reserve(m, 8, 0);
	T_CHECK(b == data + 24, "second sample 8-aligned after the first");
	/* The first record is busy: nothing to consume yet. */
	T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), 0);
	memcpy(b, "discard!", 8);
	ubee_ringbuf_commit(b, 1);
	memcpy(hdr, data + 16, 8);
	T_EQ_U64(hdr[0], 8 | UBEE_RINGBUF_DISCARD_BIT);
	T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), 0);
	ubee_ringbuf_commit(a, 0);
	memcpy(hdr, data, 8);
	T_EQ_U64(hdr[0], 5);
	T_EQ_U64(ubee_ringbuf_output(m, "abc", 3, UBEE_RB_NO_WAKEUP), 0);
	T_EQ_U64(ubee_ringbuf_output(m, "xyz", 3, UBEE_RB_FORCE_WAKEUP), 0);
	T_EQ_U64(ubee_ringbuf_output(m, "abc", 3, 4), -EINVAL);
	T_CHECK(!ubee_ringbuf_reserve(m, 3, 1), "reserve with flags");
	/* Discarded records are skipped; a callback error stops after it. */
	g.stop_at = 2;
	T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), -EINTR);
	T_EQ_U64(g.n, 2);
	T_EQ_U64(g.size[0], 5);
	T_CHECK(!memcmp(g.data[0], "hello", 5), "data 0");
	T_EQ_U64(g.size[1], 3);
	T_CHECK(!memcmp(g.data[1], "abc", 3), "data 1");
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_CONS_POS), 48);
	T_EQ_U64(*(uint64_t *)area, 48);
	T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), 1);
	T_CHECK(!memcmp(g.data[2], "xyz", 3), "data 2");
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_AVAIL_DATA), 0);
	T_EQ_U64(ubee_ringbuf_query(m, 99), 0);
	T_EQ_U64(ubee_ringbuf_consume(m, NULL, &g), -EINVAL);
	ubee_map_put(m);
}

static void full_ring(void)
{
	struct ubee_map *m = mk((uint32_t)page);
	struct got g = { 0 };
	uint8_t rec[56] = { 0 };
	void *s;
	int n = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	/* Used space stays below the size: the largest record is size - 8. */
	T_CHECK(!ubee_ringbuf_reserve(m, (uint64_t)page, 0), "too big");
	T_CHECK(!ubee_ringbuf_reserve(m, (uint64_t)page - 8, 0), "too big");
	T_CHECK(!ubee_ringbuf_reserve(m, 1ull << 40, 0), "too big");
	s = ubee_ringbuf_reserve(m, (uint64_t)page - 16, 0);
	T_CHECK(s, "largest record");
	if (s)
		ubee_ringbuf_commit(s, 1);
	T_EQ_U64(ubee_ringbuf_output(m, "x", 1, 0), -EAGAIN);
	T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), 0);
	/* 56-byte records: (page - 8) / 64 of them fit. */
	while (ubee_ringbuf_output(m, rec, sizeof(rec), 0) == 0)
		n++;
	T_EQ_U64(n, (page - 8) / 64);
	T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), n);
	T_EQ_U64(g.n, n);
	T_EQ_U64(ubee_ringbuf_output(m, "x", 1, 0), 0);
	ubee_map_put(m);
}

/* Records that straddle the end of the data read back contiguously. */
static void wrap(void)
{
	struct ubee_map *m = mk((uint32_t)page);
	uint8_t buf[1000];
	struct got g = { 0 };
	int rounds, i, bad = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	for (rounds = 0; rounds < 100; rounds++) {
		uint32_t size = 100 + (uint32_t)rounds * 37 % 800;
		uint8_t *s = ubee_ringbuf_reserve(m, size, 0);

		T_CHECK(s, "reserve %u", size);
		if (!s)
			break;
		for (i = 0; i < (int)size; i++)
			s[i] = (uint8_t)(rounds + i);
		ubee_ringbuf_commit(s, 0);
		g.n = 0;
		T_EQ_U64(ubee_ringbuf_consume(m, collect, &g), 1);
		memcpy(buf, g.data[0], 64);
		for (i = 0; i < 64; i++)
			bad += buf[i] != (uint8_t)(rounds + i);
		/* The tail of the sample, through the second mapping. */
		for (i = 0; i < (int)size; i++)
			bad += s[i] != (uint8_t)(rounds + i);
	}
	T_EQ_U64(bad, 0);
	T_CHECK(ubee_ringbuf_query(m, UBEE_RB_CONS_POS) > 8 * (uint64_t)page,
		"did not wrap");
	ubee_map_put(m);
}

/* A consumer as libbpf writes it, on the memory alone. */
static int libbpf_style(uint8_t *area, uint64_t mask, uint32_t *sum)
{
	uint64_t *cons = (uint64_t *)area, *prod = (uint64_t *)(area + page);
	uint8_t *data = area + 2 * page;
	uint64_t c = __atomic_load_n(cons, __ATOMIC_ACQUIRE), p;
	int n = 0;

	p = __atomic_load_n(prod, __ATOMIC_ACQUIRE);
	while (c < p) {
		uint32_t *hdr = (uint32_t *)(data + (c & mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

		if (len & UBEE_RINGBUF_BUSY_BIT)
			break;
		c += ((len & ~UBEE_RINGBUF_DISCARD_BIT) + 8 + 7) & ~7ull;
		if (!(len & UBEE_RINGBUF_DISCARD_BIT)) {
			*sum += *(uint32_t *)(hdr + 2);
			n++;
		}
		__atomic_store_n(cons, c, __ATOMIC_RELEASE);
	}
	return n;
}

static void direct_consumer(void)
{
	struct ubee_map *m = mk(2 * (uint32_t)page);
	uint32_t i, sum = 0, want = 0;
	int n = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	for (i = 0; i < 3000; i++) {
		uint8_t rec[40] = { 0 };

		memcpy(rec, &i, 4);
		while (ubee_ringbuf_output(m, rec, 4 + i % 36, 0) == -EAGAIN)
			n += libbpf_style(ubee_ringbuf_area(m),
					  2 * (uint64_t)page - 1, &sum);
		want += i;
	}
	n += libbpf_style(ubee_ringbuf_area(m), 2 * (uint64_t)page - 1, &sum);
	T_EQ_U64(n, 3000);
	T_EQ_U64(sum, want);
	ubee_map_put(m);
}

/* ---- threads ------------------------------------------------------------ */

#define PRODUCERS 6
#define RECORDS 40000

struct stress {
	struct ubee_map *m;
	uint32_t next[PRODUCERS];   /* the sequence expected next */
	long consumed;
	int done;
	int bad;
};

struct worker {
	struct stress *s;
	uint32_t id;
};

/* Submitted: sequence numbers not divisible by 5; those are discarded. */
static int submitted(uint32_t seq)
{
	return seq % 5 != 0;
}

static void *producer(void *arg)
{
	struct worker *w = arg;
	struct ubee_map *m = w->s->m;
	unsigned seed = w->id;

	for (uint32_t seq = 0; seq < RECORDS; seq++) {
		uint32_t size = 8 + (uint32_t)rand_r(&seed) % 120;
		uint8_t *s;

		while (!(s = ubee_ringbuf_reserve(m, size, 0)))
			sched_yield();
		memcpy(s, &w->id, 4);
		memcpy(s + 4, &seq, 4);
		for (uint32_t i = 8; i < size; i++)
			s[i] = (uint8_t)(seq * 7 + i);
		ubee_ringbuf_commit(s, !submitted(seq));
	}
	return NULL;
}

static int check_record(void *arg, const void *data, size_t size)
{
	struct stress *s = arg;
	const uint8_t *d = data;
	uint32_t id, seq;

	memcpy(&id, d, 4);
	memcpy(&seq, d + 4, 4);
	if (size < 8 || id >= PRODUCERS || seq != s->next[id]) {
		s->bad = 1;
		return 0;
	}
	for (size_t i = 8; i < size; i++)
		if (d[i] != (uint8_t)(seq * 7 + i))
			s->bad = 2;
	/* The next record of this producer that is not discarded. */
	do
		seq++;
	while (!submitted(seq));
	s->next[id] = seq;
	s->consumed++;
	return 0;
}

static void *consumer(void *arg)
{
	struct stress *s = arg;

	for (;;) {
		int done = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
		int n = ubee_ringbuf_consume(s->m, check_record, s);

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
	long want = 0;

	s->m = mk(16 * (uint32_t)page);
	T_CHECK(s->m, "create");
	if (!s->m)
		goto out;
	for (int i = 0; i < PRODUCERS; i++)
		s->next[i] = 1; /* seq 0 is discarded */
	pthread_create(&ct, NULL, consumer, s);
	for (int i = 0; i < PRODUCERS; i++) {
		w[i].s = s;
		w[i].id = (uint32_t)i;
		pthread_create(&pt[i], NULL, producer, &w[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(pt[i], NULL);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	pthread_join(ct, NULL);
	for (uint32_t seq = 0; seq < RECORDS; seq++)
		want += submitted(seq);
	T_EQ_U64(s->bad, 0);
	T_EQ_U64(s->consumed, want * PRODUCERS);
	T_EQ_U64(ubee_ringbuf_query(s->m, UBEE_RB_AVAIL_DATA), 0);
	ubee_map_put(s->m);
out:
	free(s);
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	T_RUN(create_checks);
	T_RUN(keyed_ops);
	T_RUN(layout);
	T_RUN(full_ring);
	T_RUN(wrap);
	T_RUN(direct_consumer);
	T_RUN(threads);
	return t_summary();
}
