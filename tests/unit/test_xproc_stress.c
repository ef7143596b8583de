// SPDX-License-Identifier: MIT
/*
 * Pinned maps under several processes times several threads, each doing
 * random operations on the same files, with exact invariants at the end:
 *  - array and hash: atomic adds through looked-up pointers (the program
 *    fast path) into shared counters: the totals are exact;
 *  - hash churn: each thread owns a key range, keeps a model of it and
 *    updates/deletes/looks up only there while everyone iterates; values
 *    are 64 bytes of one repeated word, so a torn copy shows; at the end
 *    the map equals the union of the models;
 *  - lru_hash overfilled from everywhere: never -E2BIG, never more than
 *    max_entries, every value still matches its key;
 *  - lpm_trie: per-thread prefixes inserted and deleted, lookups of own
 *    prefixes must give own values; the trie equals the models at the end;
 *  - queue: every pushed value is popped exactly once (sums match);
 *  - ring buffer: records from every producer consumed by the parent
 *    process (sum and count exact);
 *  - bloom filter: every pushed value peeks as present.
 * Each worker process opens the pins itself (ubee_map_open_pinned).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptest.h"
#include "test.h"
#include "maps/maps.h"
#include "maps/ringbuf.h"
#include "ubee/pin.h"

#define PROCS 4
#define THREADS 4
#define OPS 100000
#define RANGE 32               /* hash keys per thread */
#define LRU_MAX 64
#define VWORDS 8               /* 64-byte hash values */
#define COUNTERS 4

static char dir[PATH_MAX];

struct maps {
	struct ubee_map *arr, *hash, *lru, *lpm, *q, *rb, *bloom;
};

/* What each worker thread reports through shared memory. */
struct report {
	int errors;
	char why[160];
	uint64_t pushed_sum, popped_sum, pushed, popped;
	uint64_t produced_sum, produced;
	uint8_t model[RANGE];     /* hash: key present? */
	uint64_t model_val[RANGE];
	uint8_t lpm_model[RANGE];
};

static struct report *reports; /* [PROCS * THREADS], MAP_SHARED */

struct worker {
	pthread_t th;
	struct maps *m;
	unsigned id;              /* global thread id */
	struct report *r;
};

static void bad(struct report *r, const char *what, long got)
{
	if (!r->errors++)
		snprintf(r->why, sizeof(r->why), "%s: %ld", what, got);
}

static uint32_t hash_key_of(unsigned id, unsigned i)
{
	return id * RANGE + i;
}

static void lpm_key(uint8_t key[8], unsigned id, unsigned i)
{
	uint32_t pl = 24;

	memcpy(key, &pl, 4);
	key[4] = 10;
	key[5] = (uint8_t)id;
	key[6] = (uint8_t)i;
	key[7] = 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct maps *m = w->m;
	struct report *r = w->r;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (w->id + 1), v[VWORDS], x;
	uint8_t key8[8];
	uint32_t k;
	int err;

	for (unsigned n = 0; n < OPS && r->errors < 5; n++) {
		uint64_t rnd = t_rnd(&seed);
		unsigned i = (unsigned)(rnd >> 8) % RANGE;

		switch (rnd % 12) {
		case 0: /* array counters: program-side pointer adds */
			k = (uint32_t)(rnd >> 20) % COUNTERS;
			__atomic_fetch_add((uint64_t *)m->arr->ops->lookup(m->arr, &k),
					   1, __ATOMIC_RELAXED);
			break;
		case 1: /* hash counters: keys 1000.. always present */
			k = 1000 + (uint32_t)(rnd >> 20) % COUNTERS;
			__atomic_fetch_add((uint64_t *)m->hash->ops->lookup(m->hash, &k) + 0,
					   1, __ATOMIC_RELAXED);
			break;
		case 2: /* own hash range: update */
			k = hash_key_of(w->id, i);
			for (int j = 0; j < VWORDS; j++)
				v[j] = rnd;
			err = ubee_map_update(m->hash, &k, v, UBEE_ANY);
			if (err)
				bad(r, "hash update", err);
			r->model[i] = 1;
			r->model_val[i] = rnd;
			break;
		case 3: /* own hash range: delete */
			k = hash_key_of(w->id, i);
			err = ubee_map_delete(m->hash, &k);
			if (err != (r->model[i] ? 0 : -ENOENT))
				bad(r, "hash delete", err);
			r->model[i] = 0;
			break;
		case 4: /* any hash key: a copy is never torn */
			k = (uint32_t)(rnd >> 20) % (PROCS * THREADS * RANGE);
			if (!ubee_map_lookup(m->hash, &k, v))
				for (int j = 1; j < VWORDS; j++)
					if (v[j] != v[0])
						bad(r, "torn hash value", (long)k);
			if (k / RANGE == w->id) {
				err = ubee_map_lookup(m->hash, &k, v);
				if (err != (r->model[k % RANGE] ? 0 : -ENOENT) ||
				    (!err && v[0] != r->model_val[k % RANGE]))
					bad(r, "own hash key", (long)k);
			}
			break;
		case 5: /* iterate a little */
			err = ubee_map_get_next_key(m->hash, NULL, &k);
			for (int j = 0; !err && j < 16; j++)
				err = ubee_map_get_next_key(m->hash, &k, &k);
			break;
		case 6: /* LRU overfill: never E2BIG */
			k = (uint32_t)(rnd >> 16) % 10000;
			x = (uint64_t)k * 3 + 1;
			err = ubee_map_update(m->lru, &k, &x, UBEE_ANY);
			if (err)
				bad(r, "lru update", err);
			if (!ubee_map_lookup(m->lru, &k, &x) && x != (uint64_t)k * 3 + 1)
				bad(r, "lru value", (long)k);
			break;
		case 7: /* LPM own prefixes */
			lpm_key(key8, w->id, i);
			x = (uint64_t)w->id << 32 | i;
			if (rnd & (1 << 30)) {
				err = ubee_map_update(m->lpm, key8, &x, UBEE_ANY);
				if (err)
					bad(r, "lpm update", err);
				r->lpm_model[i] = 1;
			} else {
				err = ubee_map_delete(m->lpm, key8);
				if (err != (r->lpm_model[i] ? 0 : -ENOENT))
					bad(r, "lpm delete", err);
				r->lpm_model[i] = 0;
			}
			break;
		case 8: /* LPM lookup of an own address */
			lpm_key(key8, w->id, i);
			key8[7] = 77;
			memcpy(key8, &(uint32_t){ 32 }, 4);
			err = ubee_map_lookup(m->lpm, key8, &x);
			if (err != (r->lpm_model[i] ? 0 : -ENOENT) ||
			    (!err && x != ((uint64_t)w->id << 32 | i)))
				bad(r, "lpm lookup", err);
			break;
		case 9: /* queue push/pop */
			x = rnd >> 1 | 1;
			if (rnd >> 40 & 1) {
				if (!ubee_map_push(m->q, &x, 0)) {
					r->pushed++;
					r->pushed_sum += x;
				}
			} else if (!ubee_map_pop(m->q, &x)) {
				r->popped++;
				r->popped_sum += x;
			}
			break;
		case 10: /* ring buffer records */
			x = rnd >> 4;
			if (!ubee_ringbuf_output(m->rb, &x, sizeof(x), 0)) {
				r->produced++;
				r->produced_sum += x;
			}
			break;
		case 11: /* bloom: pushed values are present */
			x = rnd;
			err = ubee_map_push(m->bloom, &x, 0);
			if (err || ubee_map_peek(m->bloom, &x))
				bad(r, "bloom", err);
			break;
		}
	}
	return NULL;
}

static int open_all(struct maps *m)
{
	char p[PATH_MAX + 16];
	int err = 0;

#define OPEN(f, name)                                                         \
	snprintf(p, sizeof(p), "%s/" name, dir);                              \
	err = err ? err : ubee_map_open_pinned(p, &m->f, NULL)
	OPEN(arr, "arr");
	OPEN(hash, "hash");
	OPEN(lru, "lru");
	OPEN(lpm, "lpm");
	OPEN(q, "q");
	OPEN(rb, "rb");
	OPEN(bloom, "bloom");
#undef OPEN
	return err;
}

static void put_all(struct maps *m)
{
	ubee_map_put(m->arr);
	ubee_map_put(m->hash);
	ubee_map_put(m->lru);
	ubee_map_put(m->lpm);
	ubee_map_put(m->q);
	ubee_map_put(m->rb);
	ubee_map_put(m->bloom);
}

static int child(unsigned p)
{
	struct worker w[THREADS];
	struct maps m = { 0 };

	if (open_all(&m))
		return 10;
	for (unsigned t = 0; t < THREADS; t++) {
		w[t].m = &m;
		w[t].id = p * THREADS + t;
		w[t].r = &reports[w[t].id];
		if (pthread_create(&w[t].th, NULL, work, &w[t]))
			return 11;
	}
	for (unsigned t = 0; t < THREADS; t++)
		pthread_join(w[t].th, NULL);
	put_all(&m);
	return 0;
}

static int sum_rec(void *arg, const void *data, size_t size)
{
	uint64_t *acc = arg, x;

	memcpy(&x, data, sizeof(x));
	acc[0]++;
	acc[1] += x;
	return size == sizeof(x) ? 0 : -EINVAL;
}

static struct ubee_map *mk_pin(uint32_t type, uint32_t ks, uint32_t vs,
			       uint32_t max, uint32_t flags, const char *name)
{
	struct ubee_map *m = t_map_new(type, ks, vs, max, flags, 0);
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (m && ubee_map_pin(m, p, NULL)) {
		ubee_map_put(m);
		return NULL;
	}
	return m;
}

static void stress(void)
{
	struct maps m;
	pid_t pids[PROCS];
	uint64_t acc[2] = { 0, 0 }, total = 0, x, v[VWORDS];
	uint64_t pushed = 0, pushed_sum = 0, popped = 0, popped_sum = 0;
	uint64_t produced = 0, produced_sum = 0;
	uint8_t key8[8];
	uint32_t k;
	int status, running = PROCS;

	m.arr = mk_pin(UBEE_MAP_ARRAY, 4, 8, COUNTERS, 0, "arr");
	m.hash = mk_pin(UBEE_MAP_HASH, 4, VWORDS * 8, PROCS * THREADS * RANGE + COUNTERS,
			0, "hash");
	m.lru = mk_pin(UBEE_MAP_LRU_HASH, 4, 8, LRU_MAX, 0, "lru");
	m.lpm = mk_pin(UBEE_MAP_LPM_TRIE, 8, 8, PROCS * THREADS * RANGE,
		       UBEE_F_NO_PREALLOC, "lpm");
	m.q = mk_pin(UBEE_MAP_QUEUE, 0, 8, 64, 0, "q");
	m.rb = mk_pin(UBEE_MAP_RINGBUF, 0, 0, 1 << 16, 0, "rb");
	m.bloom = mk_pin(UBEE_MAP_BLOOM_FILTER, 0, 8, 100000, 0, "bloom");
	T_CHECK(m.arr && m.hash && m.lru && m.lpm && m.q && m.rb && m.bloom,
		"create and pin");
	if (!t_ok())
		goto out;
	memset(v, 0, sizeof(v));
	for (k = 1000; k < 1000 + COUNTERS; k++)
		T_EQ_U64(ubee_map_update(m.hash, &k, v, UBEE_NOEXIST), 0);
	for (unsigned p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(child(p));
	}
	/* The parent consumes the ring buffer while the workers run. */
	while (running) {
		if (ubee_ringbuf_consume(m.rb, sum_rec, acc) < 0)
			T_CHECK(0, "consume");
		for (unsigned p = 0; p < PROCS; p++) {
			if (pids[p] > 0 && waitpid(pids[p], &status, WNOHANG) == pids[p]) {
				T_CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
					"process %u: status %d", p, status);
				pids[p] = 0;
				running--;
			}
		}
		usleep(100);
	}
	ubee_ringbuf_consume(m.rb, sum_rec, acc);
	for (unsigned t = 0; t < PROCS * THREADS; t++) {
		struct report *r = &reports[t];

		T_CHECK(!r->errors, "thread %u: %s (%d errors)", t, r->why, r->errors);
		pushed += r->pushed;
		pushed_sum += r->pushed_sum;
		popped += r->popped;
		popped_sum += r->popped_sum;
		produced += r->produced;
		produced_sum += r->produced_sum;
		for (unsigned i = 0; i < RANGE; i++) {
			k = hash_key_of(t, i);
			if (r->model[i]) {
				T_EQ_U64(ubee_map_lookup(m.hash, &k, v), 0);
				T_EQ_U64(v[VWORDS - 1], r->model_val[i]);
			} else {
				T_EQ_U64(ubee_map_lookup(m.hash, &k, v), -ENOENT);
			}
			lpm_key(key8, t, i);
			T_EQ_U64(ubee_map_lookup(m.lpm, key8, &x),
				 r->lpm_model[i] ? 0 : -ENOENT);
		}
	}
	/* Array and hash counters: exact. */
	for (k = 0; k < COUNTERS; k++) {
		T_EQ_U64(ubee_map_lookup(m.arr, &k, &x), 0);
		total += x;
		k += 1000;
		T_EQ_U64(ubee_map_lookup(m.hash, &k, v), 0);
		total += v[0];
		k -= 1000;
	}
	{
		/* Ops of kinds 0 and 1 are 2/12 of all: recount them. */
		uint64_t want = 0;

		for (unsigned t = 0; t < PROCS * THREADS; t++) {
			uint64_t seed = 0x9e3779b97f4a7c15ull * (t + 1);

			for (unsigned n = 0; n < OPS; n++)
				want += t_rnd(&seed) % 12 < 2;
		}
		T_EQ_U64(total, want);
		T_CHECK(want > OPS, "only %llu counter adds", (unsigned long long)want);
	}
	/* Queue: what was pushed was popped, or is still there. */
	while (!ubee_map_pop(m.q, &x)) {
		popped++;
		popped_sum += x;
	}
	T_EQ_U64(popped, pushed);
	T_EQ_U64(popped_sum, pushed_sum);
	T_CHECK(pushed > OPS / 12 && produced > OPS / 12, "few pushes (%llu) or records (%llu)",
		(unsigned long long)pushed, (unsigned long long)produced);
	T_EQ_U64(acc[0], produced);
	T_EQ_U64(acc[1], produced_sum);
	/* LRU: never more than max_entries, values intact. */
	x = 0;
	for (int err = ubee_map_get_next_key(m.lru, NULL, &k); !err;
	     err = ubee_map_get_next_key(m.lru, &k, &k)) {
		uint64_t y;

		x++;
		if (!ubee_map_lookup(m.lru, &k, &y))
			T_EQ_U64(y, (uint64_t)k * 3 + 1);
	}
	T_CHECK(x <= LRU_MAX && x > 0, "lru holds %llu", (unsigned long long)x);
out:
	put_all(&m);
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "/tmp/ubee-test-xproc.%d", getpid());
	mkdir(dir, 0700);
	reports = mmap(NULL, sizeof(*reports) * PROCS * THREADS,
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reports == MAP_FAILED)
		return 1;
	memset(reports, 0, sizeof(*reports) * PROCS * THREADS);
	T_RUN(stress);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", dir);
	return t_summary();
}
