// SPDX-License-Identifier: MIT
/*
 * Hash maps (hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps):
 * creation errors as the kernel's, update flags and -E2BIG when full,
 * get_next_key (complete, restarting on a missing key), odd key and value
 * sizes against a model through thousands of random operations, per-CPU
 * values from both sides, LRU eviction instead of -E2BIG (and which
 * element goes when the order is unambiguous), maps of maps with
 * references, for_each with deletes in the callback, allocation failures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "maptest.h"
#include "maps/maps.h"
#include "util/util.h"

static void create_errors(void)
{
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 0, 8, 16, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 0, 16, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 0, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, UBEE_F_NO_PREALLOC, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, UBEE_F_ZERO_SEED, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, UBEE_F_NO_COMMON_LRU, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, UBEE_F_MMAPABLE, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, UBEE_F_INNER_MAP, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_LRU_HASH, 4, 8, 16,
			   UBEE_F_NO_COMMON_LRU, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_LRU_HASH, 4, 8, 16, UBEE_F_NO_PREALLOC, 0),
		 -UBEE_ENOTSUPP);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_HASH, 4, 8, 16, UBEE_F_NUMA_NODE, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, 16, UBEE_F_NUMA_NODE, 0), 0);
	/* Key and value together under 4 MiB - 48, as the kernel's. */
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4000, 8, 16, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4194250, 1, 1, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4194251, 5, 1, 0, 0), -E2BIG);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_HASH, 4, 32768, 4, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_HASH, 4, 32769, 4, 0, 0), -E2BIG);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 8, (1u << 27) + 1, 0, 0), -E2BIG);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH, 4, 4u << 20, 1, 0, 0), -E2BIG);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH_OF_MAPS, 4, 8, 4, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_HASH_OF_MAPS, 4, 4, 4, 0, 0),
		 -EINVAL); /* no inner */
}

static void flags_and_full(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_HASH, 8, 16, 4, 0, 0);
	uint64_t k, v[2], out[2];

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	k = 1;
	v[0] = 10, v[1] = 11;
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_EXIST), (uint64_t)-ENOENT);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_NOEXIST), 0);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_NOEXIST), (uint64_t)-EEXIST);
	v[0] = 20;
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_EXIST), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_EQ_U64(out[0], 20);
	T_EQ_U64(out[1], 11);
	T_EQ_U64(ubee_map_update(m, &k, v, 3), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_F_LOCK), (uint64_t)-EINVAL);
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_F_LOCK), (uint64_t)-EINVAL);
	for (k = 2; k <= 4; k++)
		T_EQ_U64(ubee_map_update(m, &k, v, UBEE_ANY), 0);
	/* Full: a new key is -E2BIG, unless the flags refuse it first. */
	k = 5;
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_ANY), (uint64_t)-E2BIG);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_NOEXIST), (uint64_t)-E2BIG);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_EXIST), (uint64_t)-ENOENT);
	k = 3;
	v[0] = 33;
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_ANY), 0); /* existing: fine */
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-ENOENT);
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	k = 5;
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_ANY), 0); /* room again */
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_EQ_U64(out[0], 33);
	ubee_map_put(m);
}

/* Every key once, in some order; the last gives -ENOENT. */
static int iterate(struct ubee_map *m, uint32_t *seen, uint32_t nkeys)
{
	uint32_t k, prev, n = 0;
	int err = ubee_map_get_next_key(m, NULL, &k);

	while (!err) {
		if (k >= nkeys || seen[k]++)
			return -1;
		n++;
		prev = k;
		err = ubee_map_get_next_key(m, &prev, &k);
	}
	return err == -ENOENT ? (int)n : -2;
}

static void get_next_key(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_HASH, 4, 4, 64, 0, 0);
	uint32_t seen[200] = { 0 }, k, first, next;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &k), (uint64_t)-ENOENT);
	k = 3;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), (uint64_t)-ENOENT);
	for (k = 0; k < 200; k += 4)
		T_EQ_U64(ubee_map_update(m, &k, &k, 0), 0);
	T_EQ_U64(iterate(m, seen, 200), 50);
	for (k = 0; k < 200; k++)
		T_EQ_U64(seen[k], k % 4 == 0);
	/* A missing key restarts from the first key. */
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &first), 0);
	k = 1;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), 0);
	T_EQ_U64(next, first);
	/* Deleting while iterating: the walk still ends, visiting each key
	 * at most once (deleting the current key restarts it). */
	memset(seen, 0, sizeof(seen));
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &k), 0);
	for (int guard = 0; guard < 1000; guard++) {
		seen[k]++;
		T_EQ_U64(ubee_map_delete(m, &k), 0);
		if (ubee_map_get_next_key(m, &k, &next))
			break;
		k = next;
	}
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &k), (uint64_t)-ENOENT);
	for (k = 0; k < 200; k++)
		T_EQ_U64(seen[k], k % 4 == 0);
	ubee_map_put(m);
}

/*
 * Random operations on a map with key_size ks and value_size vs and on a
 * model (present flag and value per key in a small key space): every
 * return code and value must match. Keys differ in their last byte and
 * one middle byte so that all of a key's bytes matter.
 */
static void model_run(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	enum { NKEYS = 96, OPS = 20000 };
	struct ubee_map *m = t_map_new(type, ks, vs, max, 0, 0);
	uint8_t *vals = calloc(NKEYS, vs), *present = calloc(NKEYS, 1);
	uint8_t key[64], v[64], out[64];
	uint32_t count = 0, i;
	uint64_t s = 0x1234567 + ks * 31 + vs;

	t_begin("model_%s_k%u_v%u_max%u", ubee_map_type_name(type), ks, vs, max);
	T_CHECK(m && vals && present, "create");
	if (!m || !vals || !present)
		goto out;
	for (i = 0; i < OPS && t_ok(); i++) {
		uint32_t k = (uint32_t)(t_rnd(&s) % NKEYS), op = t_rnd(&s) % 8;
		uint64_t flags = t_rnd(&s) % 3;
		int want, got;

		memset(key, 0x11, ks);
		key[ks - 1] = (uint8_t)k;
		if (ks > 1)
			key[ks / 2] ^= (uint8_t)(k * 7);
		if (op < 4) {
			for (uint32_t j = 0; j < vs; j++)
				v[j] = (uint8_t)t_rnd(&s);
			if (present[k])
				want = flags == UBEE_NOEXIST ? -EEXIST : 0;
			else if (flags == UBEE_EXIST)
				want = -ENOENT;
			else
				want = count < max ? 0 : -E2BIG;
			got = ubee_map_update(m, key, v, flags);
			T_CHECK(got == want, "op %u: update key %u flags %llu: %d, want %d",
				i, k, (unsigned long long)flags, got, want);
			if (!want) {
				count += !present[k];
				present[k] = 1;
				memcpy(vals + k * vs, v, vs);
			}
		} else if (op < 6) {
			want = present[k] ? 0 : -ENOENT;
			got = ubee_map_delete(m, key);
			T_CHECK(got == want, "op %u: delete key %u: %d, want %d", i,
				k, got, want);
			count -= present[k];
			present[k] = 0;
		} else {
			want = present[k] ? 0 : -ENOENT;
			got = ubee_map_lookup(m, key, out);
			T_CHECK(got == want, "op %u: lookup key %u: %d", i, k, got);
			if (!got && want == 0)
				T_CHECK(!memcmp(out, vals + k * vs, vs),
					"op %u: value of key %u", i, k);
		}
	}
	/* The iteration has exactly the model's keys. */
	{
		uint8_t cur[64], next[64];
		uint32_t n = 0;
		int err = ubee_map_get_next_key(m, NULL, next);

		while (!err && n <= NKEYS) {
			n++;
			T_CHECK(present[next[ks - 1]], "iterated key %u absent",
				next[ks - 1]);
			memcpy(cur, next, ks);
			err = ubee_map_get_next_key(m, cur, next);
		}
		T_EQ_U64(err, (uint64_t)-ENOENT);
		T_EQ_U64(n, count);
	}
out:
	t_end();
	ubee_map_put(m);
	free(vals);
	free(present);
}

static void model_runs(void)
{
	static const uint32_t sizes[][3] = {
		{ 4, 8, 128 }, { 1, 1, 128 }, { 3, 5, 40 }, { 13, 7, 64 },
		{ 64, 64, 96 }, { 8, 4, 1 }, { 16, 24, 17 },
	};

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(sizes); i++)
		model_run(UBEE_MAP_HASH, sizes[i][0], sizes[i][1], sizes[i][2]);
	model_run(UBEE_MAP_LRU_HASH, 4, 8, 200); /* never full: a plain hash */
}

static void percpu(void)
{
	unsigned n = ubee_map_nr_cpus(), c, me;
	struct ubee_map *m = t_map_new(UBEE_MAP_PERCPU_HASH, 4, 12, 8, 0, 0);
	uint8_t *all = calloc(n, 16), *out = calloc(n, 16);
	uint32_t k = 7, v[3] = { 1, 2, 3 };
	uint8_t *p;

	T_CHECK(m && all && out, "create");
	if (!m || !all || !out)
		goto out;
	for (c = 0; c < n; c++)
		memset(all + c * 16, (int)c + 1, 16);
	T_EQ_U64(ubee_map_update(m, &k, all, UBEE_NOEXIST), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_CHECK(!memcmp(out, all, n * 16), "all CPUs back (stride 16)");
	for (c = 0; c < n; c++) {
		p = m->ops->lookup_cpu(m, &k, c);
		T_CHECK(p && p[0] == c + 1 && p[11] == c + 1, "cpu %u", c);
	}
	T_CHECK(m->ops->lookup_cpu(m, &k, n) == NULL, "cpu nr_cpus");
	/* A program's update of an existing key changes its CPU only. */
	me = ubee_map_cpu_enter();
	T_CHECK(m->ops->lookup(m, &k) == m->ops->lookup_cpu(m, &k, me), "slot");
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_EXIST), 0);
	/* A new key from a program: its CPU has the value, others zero. */
	k = 8;
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_ANY), 0);
	ubee_map_cpu_exit(me);
	k = 7;
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	for (c = 0; c < n; c++)
		T_CHECK(c == me ? !memcmp(out + c * 16, v, 12) :
				  out[c * 16] == c + 1,
			"key 7 cpu %u", c);
	k = 8;
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	for (c = 0; c < n; c++) {
		static const uint8_t z[16];

		T_CHECK(c == me ? !memcmp(out + c * 16, v, 12) &&
					  !memcmp(out + c * 16 + 12, z, 4) :
				  !memcmp(out + c * 16, z, 16),
			"key 8 cpu %u", c);
	}
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	ubee_map_put(m);

	/* The LRU per-CPU variant shares the code; a quick round trip. */
	m = t_map_new(UBEE_MAP_LRU_PERCPU_HASH, 4, 12, 2, 0, 0);
	T_CHECK(m != NULL, "lru percpu");
	if (!m)
		goto out;
	for (k = 0; k < 5; k++)
		T_EQ_U64(ubee_map_update(m, &k, all, 0), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	k = 4;
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_CHECK(!memcmp(out, all, n * 16), "lru percpu values");
out:
	ubee_map_put(m);
	free(all);
	free(out);
}

static int present(struct ubee_map *m, uint32_t k)
{
	uint64_t v;

	return ubee_map_lookup(m, &k, &v) == 0;
}

static void lru(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_LRU_HASH, 4, 8, 4, 0, 0);
	uint64_t v = 1;
	uint32_t k, n;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	for (k = 1; k <= 4; k++)
		T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), 0);
	/* Programs use 1, 2, 3: inserting 5 evicts 4, the unused one. */
	for (k = 1; k <= 3; k++)
		T_CHECK(m->ops->lookup(m, &k) != NULL, "lookup %u", k);
	k = 5;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	T_CHECK(!present(m, 4), "4 evicted");
	for (k = 1; k <= 5; k++)
		if (k != 4)
			T_CHECK(present(m, k), "%u kept", k);
	/* User-side lookups do not count as use (as the kernel's). */
	for (k = 1; k <= 5; k++)
		present(m, k);
	/* Flags still apply when full. */
	k = 1;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), (uint64_t)-EEXIST);
	k = 100;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), (uint64_t)-ENOENT);
	/* Many more inserts: never -E2BIG, never more than max_entries. */
	for (k = 10; k < 1000; k++) {
		v = k * 3;
		T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
		T_CHECK(m->ops->lookup(m, &k) != NULL, "just inserted %u", k);
	}
	n = 0;
	for (k = 0; k < 1000; k++) {
		if (ubee_map_lookup(m, &k, &v) == 0) {
			n++;
			T_EQ_U64(v, k * 3);
		}
	}
	T_EQ_U64(n, 4);
	T_CHECK(present(m, 999), "the last insert stays");
	/* A hot key survives a stream of cold inserts. */
	k = 999;
	for (uint32_t j = 2000; j < 2100; j++) {
		T_CHECK(m->ops->lookup(m, &k) != NULL, "hot key at %u", j);
		T_EQ_U64(ubee_map_update(m, &j, &v, UBEE_ANY), 0);
	}
	/* Delete frees a slot without eviction. */
	k = 2099;
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	k = 3000;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	k = 999;
	T_CHECK(present(m, 999), "hot key kept");
	ubee_map_put(m);
}

static long del_cb(struct ubee_map *map, void *key, void *value, void *ctx)
{
	uint64_t *sum = ctx;

	*sum += *(uint64_t *)value;
	return ubee_map_delete(map, key) ? 1 : 0;
}

static long stop_cb(struct ubee_map *map, void *key, void *value, void *ctx)
{
	return 1;
}

static void for_each(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_HASH, 4, 8, 300, 0, 0);
	uint64_t v, sum = 0;
	uint32_t k;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_EQ_U64(m->ops->for_each(m, stop_cb, NULL, 0), 0);
	for (k = 0; k < 300; k++) {
		v = k;
		ubee_map_update(m, &k, &v, 0);
	}
	T_EQ_U64(m->ops->for_each(m, stop_cb, NULL, 0), 1);
	T_EQ_U64(m->ops->for_each(m, stop_cb, NULL, 2), (uint64_t)-EINVAL);
	/* The callback deletes what it is given: all gone, each seen once. */
	T_EQ_U64(m->ops->for_each(m, del_cb, &sum, 0), 300);
	T_EQ_U64(sum, 299 * 300 / 2);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &k), (uint64_t)-ENOENT);
	ubee_map_put(m);
}

static void hash_of_maps(void)
{
	struct ubee_map *meta = t_map_new(UBEE_MAP_HASH, 4, 8, 4, 0, 0);
	struct ubee_map *in1 = t_map_new(UBEE_MAP_HASH, 4, 8, 4, 0, 0);
	/* in2's size may differ */
	struct ubee_map *in2 = t_map_new(UBEE_MAP_HASH, 4, 8, 64, 0, 0);
	struct ubee_map *bad = t_map_new(UBEE_MAP_HASH, 4, 16, 4, 0, 0);
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_HASH_OF_MAPS,
				   .key_size = 8, .value_size = 4, .max_entries = 2,
				   .inner = meta };
	struct ubee_map *m = ubee_map_new(&s, NULL);
	uint64_t k = 5, k2 = 6, k3 = 7, next;
	uint32_t out;

	T_CHECK(meta && in1 && in2 && bad && m, "create");
	if (!meta || !in1 || !in2 || !bad || !m)
		goto out;
	T_CHECK(m->ops->lookup(m, &k) == NULL, "empty");
	T_EQ_U64(ubee_map_set_ptr(m, &k, bad), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_set_ptr(m, &k, in1), 0);
	T_CHECK(m->ops->lookup(m, &k) == in1, "lookup");
	T_CHECK(m->ops->get_ptr(m, &k) == in1, "get_ptr");
	T_EQ_U64(in1->refcnt, 2);
	T_EQ_U64(ubee_map_set_ptr(m, &k, in2), 0);
	T_EQ_U64(in1->refcnt, 1);
	T_EQ_U64(in2->refcnt, 2);
	T_EQ_U64(ubee_map_set_ptr(m, &k2, in1), 0);
	T_EQ_U64(ubee_map_set_ptr(m, &k3, in1), (uint64_t)-E2BIG);
	T_EQ_U64(in1->refcnt, 2);
	T_EQ_U64(ubee_map_lookup(m, &k, &out), (uint64_t)-EOPNOTSUPP);
	T_EQ_U64(ubee_map_update(m, &k, &out, 0), (uint64_t)-EOPNOTSUPP);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &next), 0);
	T_CHECK(next == k || next == k2, "first key");
	T_EQ_U64(ubee_map_delete(m, &k2), 0);
	T_EQ_U64(ubee_map_delete(m, &k2), (uint64_t)-ENOENT);
	T_EQ_U64(in1->refcnt, 1);
	T_EQ_U64(ubee_map_set_ptr(m, &k3, in1), 0); /* room again */
out:
	ubee_map_put(m); /* releases in2 and in1 */
	if (in2)
		T_EQ_U64(in2->refcnt, 1);
	ubee_map_put(meta);
	ubee_map_put(in1);
	ubee_map_put(in2);
	ubee_map_put(bad);
}

static void alloc_failures(void)
{
	static const uint32_t types[] = { UBEE_MAP_HASH, UBEE_MAP_PERCPU_HASH,
					  UBEE_MAP_LRU_HASH,
					  UBEE_MAP_LRU_PERCPU_HASH };

	for (size_t t = 0; t < UBEE_ARRAY_SIZE(types); t++) {
		long n = t_map_alloc_walk(types[t], 4, 4, 8, 32);

		T_CHECK(n > 3, "type %u created after %ld", types[t], n);
	}
}

int main(void)
{
	T_RUN(create_errors);
	T_RUN(flags_and_full);
	T_RUN(get_next_key);
	model_runs();
	T_RUN(percpu);
	T_RUN(lru);
	T_RUN(for_each);
	T_RUN(hash_of_maps);
	T_RUN(alloc_failures);
	return t_summary();
}
