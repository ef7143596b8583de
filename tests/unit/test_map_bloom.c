// SPDX-License-Identifier: MIT
/*
 * Bloom filter maps: creation checks (map_extra = number of hashes), push
 * and peek from both sides, the kernel's errors for everything else, no
 * false negatives and a false-positive rate near the design's, one hash
 * versus many, and pushes from many threads that lose nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/maptest.h"
#include "../lib/test.h"
#include "maps/maps.h"
#include "util/util.h"

static struct ubee_map *mk(uint32_t vs, uint32_t me, uint32_t flags,
			   uint64_t extra)
{
	return t_map_new(UBEE_MAP_BLOOM_FILTER, 0, vs, me, flags, extra);
}

/* 0, or the negative errno creating this bloom filter fails with. */
static int mk_err(uint32_t ks, uint32_t vs, uint32_t me, uint32_t flags,
		  uint64_t extra)
{
	return t_map_err(UBEE_MAP_BLOOM_FILTER, ks, vs, me, flags, extra);
}

static void create_checks(void)
{
	T_EQ_U64(mk_err(0, 4, 1, 0, 0), 0);
	T_EQ_U64(mk_err(4, 4, 1, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 0, 1, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 4, 0, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 4, 1, 0, 15), 0);
	T_EQ_U64(mk_err(0, 4, 1, 0, 16), -EINVAL);
	T_EQ_U64(mk_err(0, 4, 1, 0, 1ull << 32), -EINVAL);
	T_EQ_U64(mk_err(0, 4, 1, UBEE_F_NO_PREALLOC, 0), -EINVAL);
	T_EQ_U64(mk_err(0, 4, 1, UBEE_F_ZERO_SEED, 0), 0);
	T_EQ_U64(mk_err(0, 4, 1, UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG, 0),
		 -EINVAL);
	T_EQ_U64(mk_err(0, UBEE_MAP_MAX_ALLOC, 1, 0, 0), 0);
	T_EQ_U64(mk_err(0, UBEE_MAP_MAX_ALLOC + 1, 1, 0, 0), -E2BIG);
	T_CHECK(!strcmp(ubee_map_type_name(UBEE_MAP_BLOOM_FILTER),
			"bloom_filter"),
		"name");
}

static void ops(void)
{
	struct ubee_map *m = mk(8, 100, 0, 0);
	uint64_t v = 42, k = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_peek(m, &v), -ENOENT);
	T_EQ_U64(ubee_map_lookup(m, NULL, &v), -ENOENT);
	T_EQ_U64(ubee_map_push(m, &v, UBEE_NOEXIST), -EINVAL);
	T_EQ_U64(ubee_map_push(m, &v, UBEE_EXIST), -EINVAL);
	T_EQ_U64(ubee_map_update(m, NULL, &v, UBEE_EXIST), -EINVAL);
	T_EQ_U64(ubee_map_peek(m, &v), -ENOENT);
	T_EQ_U64(ubee_map_push(m, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_peek(m, &v), 0);
	T_EQ_U64(ubee_map_lookup(m, NULL, &v), 0);
	v = 43;
	T_EQ_U64(ubee_map_update(m, NULL, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_peek(m, &v), 0);
	/* Nothing leaves a bloom filter. */
	T_EQ_U64(ubee_map_delete(m, NULL), -EOPNOTSUPP);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &k), -EOPNOTSUPP);
	T_CHECK(!m->ops->pop && !m->ops->lookup, "pop/lookup ops");
	T_EQ_U64(m->ops->update(m, NULL, &v, 0), -EINVAL);
	T_EQ_U64(ubee_map_peek(m, &v), 0);
	ubee_map_put(m);
}

/*
 * n values pushed into a filter sized for n: all found; the share of
 * absent values reported present stays near the design's ~2% (5 hashes,
 * 1.4 * 5 * n bits rounded up to a power of 2).
 */
static void false_positives(void)
{
	static const uint32_t sizes[] = { 4, 7, 16, 13, 64 };

	for (size_t s = 0; s < UBEE_ARRAY_SIZE(sizes); s++) {
		uint32_t vs = sizes[s], n = 1000, fp = 0, miss = 0;
		struct ubee_map *m = mk(vs, n, 0, 0);
		uint8_t v[64];

		T_CHECK(m, "create");
		if (!m)
			return;
		for (uint32_t i = 0; i < n; i++) {
			memset(v, 0, sizeof(v));
			memcpy(v + (vs > 4 ? vs - 4 : 0), &i, 4);
			T_EQ_U64(ubee_map_push(m, v, 0), 0);
		}
		for (uint32_t i = 0; i < 10 * n; i++) {
			memset(v, 0, sizeof(v));
			memcpy(v + (vs > 4 ? vs - 4 : 0), &i, 4);
			int err = ubee_map_peek(m, v);

			if (i < n)
				miss += err != 0;
			else if (err == 0)
				fp++;
			else
				T_EQ_U64(err, -ENOENT);
		}
		T_EQ_U64(miss, 0);
		T_CHECK(fp < 9 * n / 20, "value_size %u: %u false positives",
			vs, fp);
		ubee_map_put(m);
	}
}

/* A bigger filter and more hashes mean fewer false positives. */
static void hashes(void)
{
	uint32_t fp[2] = { 0, 0 };

	for (int h = 0; h < 2; h++) {
		struct ubee_map *m = mk(4, 2000, UBEE_F_ZERO_SEED, h ? 7 : 1);

		T_CHECK(m, "create");
		if (!m)
			return;
		for (uint32_t i = 0; i < 2000; i++)
			ubee_map_push(m, &i, 0);
		for (uint32_t i = 2000; i < 22000; i++)
			fp[h] += ubee_map_peek(m, &i) == 0;
		ubee_map_put(m);
	}
	T_CHECK(fp[1] < fp[0], "7 hashes: %u false positives, 1 hash: %u",
		fp[1], fp[0]);
}

/* Two zero-seed filters agree bit for bit; random seeds differ. */
static void seeds(void)
{
	struct ubee_map *a = mk(4, 64, UBEE_F_ZERO_SEED, 1);
	struct ubee_map *b = mk(4, 64, UBEE_F_ZERO_SEED, 1);
	uint32_t v = 12345, diff = 0;

	T_CHECK(a && b, "create");
	if (!a || !b)
		goto out;
	ubee_map_push(a, &v, 0);
	ubee_map_push(b, &v, 0);
	for (uint32_t i = 0; i < 5000; i++)
		diff += ubee_map_peek(a, &i) != ubee_map_peek(b, &i);
	T_EQ_U64(diff, 0);
	ubee_map_put(a);
	ubee_map_put(b);
	a = mk(4, 64, 0, 1);
	b = mk(4, 64, 0, 1);
	T_CHECK(a && b, "create");
	if (!a || !b)
		goto out;
	ubee_map_push(a, &v, 0);
	ubee_map_push(b, &v, 0);
	for (uint32_t i = 0; i < 5000; i++)
		diff += ubee_map_peek(a, &i) != ubee_map_peek(b, &i);
	T_CHECK(diff > 0, "random seeds gave the same filter");
out:
	ubee_map_put(a);
	ubee_map_put(b);
}

#define THREADS 6
#define PER_THREAD 20000

struct worker {
	struct ubee_map *m;
	uint32_t id;
};

static void *pusher(void *arg)
{
	struct worker *w = arg;

	for (uint32_t i = 0; i < PER_THREAD; i++) {
		uint64_t v = (uint64_t)w->id << 32 | i;

		w->m->ops->push(w->m, &v, 0);
		w->m->ops->peek(w->m, &v);
	}
	return NULL;
}

static void threads(void)
{
	struct ubee_map *m = mk(8, THREADS * PER_THREAD, 0, 3);
	pthread_t t[THREADS];
	struct worker w[THREADS];
	uint32_t miss = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	for (int i = 0; i < THREADS; i++) {
		w[i].m = m;
		w[i].id = (uint32_t)i;
		pthread_create(&t[i], NULL, pusher, &w[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (uint64_t id = 0; id < THREADS; id++)
		for (uint32_t i = 0; i < PER_THREAD; i++) {
			uint64_t v = id << 32 | i;

			miss += ubee_map_peek(m, &v) != 0;
		}
	T_EQ_U64(miss, 0);
	ubee_map_put(m);
}

static void alloc_failure(void)
{
	ubee_fail_alloc_after(1);
	errno = 0;
	T_CHECK(!mk(4, 10, 0, 0), "created without memory");
	T_EQ_U64(errno, ENOMEM);
	ubee_fail_alloc_after(-1);
}

int main(void)
{
	T_RUN(create_checks);
	T_RUN(ops);
	T_RUN(false_positives);
	T_RUN(hashes);
	T_RUN(seeds);
	T_RUN(threads);
	T_RUN(alloc_failure);
	return t_summary();
}
