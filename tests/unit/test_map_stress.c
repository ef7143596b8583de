// SPDX-License-Identifier: MIT
/*
 * Maps under many threads, as when programs run concurrently: atomic adds
 * into array and hash values through looked-up pointers (exact totals),
 * per-CPU values incremented non-atomically inside CPU slots (exact
 * totals prove that slots are exclusive), hash churn where each thread
 * owns a key range and keeps a model while others iterate (the map must
 * equal the models at the end), LRU maps overfilled from every thread
 * (never -E2BIG, never more than max_entries, values intact), and inner
 * maps replaced under readers (freed only after the readers' runs: ASan
 * would see a use after free).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "maptest.h"
#include "test.h"
#include "maps/maps.h"
#include "util/util.h"

#define THREADS 8

struct worker {
	pthread_t th;
	struct ubee_map *map;
	unsigned id;
	uint64_t seed;
	int errors;      /* unexpected return codes seen */
	char why[160];
};

static void bad(struct worker *w, const char *what, long got)
{
	if (!w->errors++)
		snprintf(w->why, sizeof(w->why), "thread %u: %s: %ld", w->id,
			 what, got);
}

static int run_workers(struct worker *w, struct ubee_map *m,
		       void *(*fn)(void *))
{
	int errors = 0;

	for (unsigned i = 0; i < THREADS; i++) {
		w[i].map = m;
		w[i].id = i;
		w[i].seed = 0x9e3779b97f4a7c15ull * (i + 1);
		w[i].errors = 0;
		if (pthread_create(&w[i].th, NULL, fn, &w[i]))
			return -1;
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].errors && !errors++)
			T_CHECK(0, "%s", w[i].why);
	}
	return errors;
}

/* ---- atomic adds into an array ------------------------------------------- */

#define ADDS 200000
#define SLOTS 64

static void *array_adder(void *arg)
{
	struct worker *w = arg;
	uint64_t v[1];

	for (unsigned i = 0; i < ADDS; i++) {
		uint32_t k = (uint32_t)(t_rnd(&w->seed) % SLOTS);
		unsigned cpu = ubee_map_cpu_enter();

		__atomic_fetch_add((uint64_t *)ubee_array_elem(w->map, k), 1,
				   __ATOMIC_RELAXED);
		ubee_map_cpu_exit(cpu);
		if (i % 512 == 0 && ubee_map_lookup(w->map, &k, v))
			bad(w, "lookup", -1);
	}
	return NULL;
}

static void array_atomic_adds(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 8, SLOTS, 0, 0);
	struct worker w[THREADS];
	uint64_t total = 0, v;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	run_workers(w, m, array_adder);
	for (uint32_t k = 0; k < SLOTS; k++) {
		T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
		total += v;
	}
	T_EQ_U64(total, (uint64_t)THREADS * ADDS);
	ubee_map_put(m);
}

/* ---- per-CPU values, plain increments inside a slot ---------------------- */

static void *percpu_incr(void *arg)
{
	struct worker *w = arg;
	uint32_t k = 1;

	for (unsigned i = 0; i < ADDS; i++) {
		unsigned cpu = ubee_map_cpu_enter();
		volatile uint64_t *p = w->map->ops->lookup(w->map, &k);

		if (!p) {
			bad(w, "lookup", 0);
			ubee_map_cpu_exit(cpu);
			break;
		}
		/* Not atomic: correct only if nobody else holds this slot. */
		uint64_t x = *p;
		if (i % 64 == 0)
			sched_yield();
		*p = x + 1;
		ubee_map_cpu_exit(cpu);
	}
	return NULL;
}

static void percpu_exclusive(uint32_t type)
{
	struct ubee_map *m = t_map_new(type, 4, 8, 4, 0, 0);
	unsigned n = ubee_map_nr_cpus();
	uint64_t *all = calloc(n, 8), total = 0;
	struct worker w[THREADS];
	uint32_t k = 1;

	t_begin("percpu_exclusive_%s", ubee_map_type_name(type));
	T_CHECK(m && all, "create");
	if (!m || !all)
		goto out;
	T_EQ_U64(ubee_map_update(m, &k, all, 0), 0);
	run_workers(w, m, percpu_incr);
	T_EQ_U64(ubee_map_lookup(m, &k, all), 0);
	for (unsigned c = 0; c < n; c++)
		total += all[c];
	T_EQ_U64(total, (uint64_t)THREADS * ADDS);
out:
	t_end();
	ubee_map_put(m);
	free(all);
}

/* ---- hash churn with owned key ranges ------------------------------------- */

#define OWN 100          /* keys per thread */
#define COUNTERS 16      /* shared keys, never deleted */
#define CHURN 100000

struct churn_model {
	uint8_t present[OWN];
	uint64_t val[OWN];
};

static struct churn_model models[THREADS];

static uint64_t own_key(unsigned t, unsigned i)
{
	return 1000000ull * (t + 1) + i;
}

static void *hash_churn(void *arg)
{
	struct worker *w = arg;
	struct churn_model *md = &models[w->id];
	struct ubee_map *m = w->map;

	memset(md, 0, sizeof(*md));
	for (unsigned i = 0; i < CHURN; i++) {
		unsigned op = t_rnd(&w->seed) % 16, j = t_rnd(&w->seed) % OWN;
		uint64_t k = own_key(w->id, j), v = t_rnd(&w->seed), out;
		uint64_t flags = t_rnd(&w->seed) % 3;
		long err, want;

		if (op < 4) {
			/* Atomic add into a shared counter, as a program. */
			uint64_t c = t_rnd(&w->seed) % COUNTERS;
			unsigned cpu = ubee_map_cpu_enter();
			uint64_t *p = m->ops->lookup(m, &c);

			if (p)
				__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
			else
				bad(w, "counter lookup", 0);
			ubee_map_cpu_exit(cpu);
		} else if (op < 9) {
			want = md->present[j] ? (flags == UBEE_NOEXIST ? -EEXIST : 0)
					      : (flags == UBEE_EXIST ? -ENOENT : 0);
			err = (op & 1) ? ubee_map_update(m, &k, &v, flags)
				       : m->ops->update(m, &k, &v, flags);
			if (err != want)
				bad(w, "update", err);
			if (!err) {
				md->present[j] = 1;
				md->val[j] = v;
			}
		} else if (op < 12) {
			err = ubee_map_delete(m, &k);
			if (err != (md->present[j] ? 0 : -ENOENT))
				bad(w, "delete", err);
			md->present[j] = 0;
		} else if (op < 15) {
			err = ubee_map_lookup(m, &k, &out);
			if (err != (md->present[j] ? 0 : -ENOENT) ||
			    (!err && out != md->val[j]))
				bad(w, "lookup", err);
		} else {
			/* A short walk: every key seen must be plausible. */
			uint64_t cur, next;
			int n = 0;

			err = ubee_map_get_next_key(m, NULL, &next);
			while (!err && n++ < 50) {
				if (next >= COUNTERS &&
				    (next < 1000000 || next % 1000000 >= OWN ||
				     next / 1000000 > THREADS))
					bad(w, "iterated key", (long)next);
				cur = next;
				err = ubee_map_get_next_key(m, &cur, &next);
			}
			if (err && err != -ENOENT)
				bad(w, "get_next_key", err);
		}
	}
	return NULL;
}

static void hash_churn_case(uint32_t type)
{
	struct ubee_map *m = t_map_new(type, 8, 8, 4096, 0, 0);
	struct worker w[THREADS];
	uint64_t k, v, total = 0, expect_count = COUNTERS, n = 0, cur, next;
	int err;

	t_begin("hash_churn_%s", ubee_map_type_name(type));
	T_CHECK(m != NULL, "create");
	if (!m)
		goto out;
	for (k = 0; k < COUNTERS; k++) {
		v = 0;
		T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), 0);
	}
	run_workers(w, m, hash_churn);
	for (k = 0; k < COUNTERS; k++) {
		T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
		total += v;
	}
	/* Each thread's op < 4 count is random; recount from the models'
	 * seeds is not possible, so compare with what the threads did. */
	for (unsigned t = 0; t < THREADS; t++) {
		for (unsigned j = 0; j < OWN; j++) {
			k = own_key(t, j);
			err = ubee_map_lookup(m, &k, &v);
			T_EQ_U64(err, models[t].present[j] ? 0 : -ENOENT);
			if (!err)
				T_EQ_U64(v, models[t].val[j]);
			expect_count += models[t].present[j];
		}
	}
	err = ubee_map_get_next_key(m, NULL, &next);
	while (!err && n <= expect_count) {
		n++;
		cur = next;
		err = ubee_map_get_next_key(m, &cur, &next);
	}
	T_EQ_U64(err, (uint64_t)-ENOENT);
	T_EQ_U64(n, expect_count);
	T_CHECK(total > 0, "counters moved");
	{
		/* Replay each thread's generator to count its counter adds. */
		uint64_t adds = 0;

		for (unsigned t = 0; t < THREADS; t++) {
			uint64_t s = 0x9e3779b97f4a7c15ull * (t + 1);

			for (unsigned i = 0; i < CHURN; i++) {
				unsigned op = t_rnd(&s) % 16;

				t_rnd(&s), t_rnd(&s), t_rnd(&s);
				if (op < 4) {
					adds++;
					t_rnd(&s);
				}
			}
		}
		T_EQ_U64(total, adds);
	}
out:
	t_end();
	ubee_map_put(m);
}

/* ---- LRU overfilled from every thread -------------------------------------- */

#define LRU_MAX 256

/* Per-CPU values: user space writes k * 7 to every CPU, a program to its
 * own (a new element is zero elsewhere): each CPU's value is 0 or k * 7. */
static int lru_value_ok(const struct ubee_map *m, const uint64_t *out,
			uint64_t k)
{
	unsigned n = m->type == UBEE_MAP_LRU_PERCPU_HASH ? ubee_map_nr_cpus() : 1;
	int seen = 0;

	for (unsigned c = 0; c < n; c++) {
		if (out[c] != 0 && out[c] != k * 7)
			return 0;
		seen |= out[c] == k * 7;
	}
	return seen;
}

static void *lru_filler(void *arg)
{
	static __thread uint64_t v[UBEE_MAP_MAX_CPUS], out[UBEE_MAP_MAX_CPUS];
	struct worker *w = arg;
	struct ubee_map *m = w->map;
	unsigned n = ubee_map_nr_cpus();

	for (unsigned i = 0; i < CHURN; i++) {
		uint64_t k = t_rnd(&w->seed) % 5000;
		unsigned op = t_rnd(&w->seed) % 8;
		long err;

		for (unsigned c = 0; c < n; c++)
			v[c] = k * 7;
		if (op < 4) {
			err = (op & 1) ? ubee_map_update(m, &k, v, UBEE_ANY)
				       : m->ops->update(m, &k, v, UBEE_ANY);
			if (err)
				bad(w, "update", err);
		} else if (op < 5) {
			err = ubee_map_delete(m, &k);
			if (err && err != -ENOENT)
				bad(w, "delete", err);
		} else {
			unsigned cpu = ubee_map_cpu_enter();
			uint64_t *p = m->ops->lookup(m, &k);

			/* Another thread may reuse the element: only read. */
			if (p)
				(void)__atomic_load_n(p, __ATOMIC_RELAXED);
			ubee_map_cpu_exit(cpu);
			err = ubee_map_lookup(m, &k, out);
			if ((err && err != -ENOENT) || (!err && !lru_value_ok(m, out, k)))
				bad(w, "lookup", err);
		}
	}
	return NULL;
}

static void lru_overfill(uint32_t type)
{
	struct ubee_map *m = t_map_new(type, 8, 8, LRU_MAX, 0, 0);
	unsigned n = ubee_map_nr_cpus();
	uint64_t *vals = calloc(n, 8), k, cur, next, count = 0;
	unsigned walked = 0;
	struct worker w[THREADS];
	int err;

	t_begin("lru_overfill_%s", ubee_map_type_name(type));
	T_CHECK(m && vals, "create");
	if (!m || !vals)
		goto out;
	run_workers(w, m, lru_filler);
	for (k = 0; k < 5000; k++) {
		if (ubee_map_lookup(m, &k, vals))
			continue;
		count++;
		T_CHECK(lru_value_ok(m, vals, k), "value of %llu",
			(unsigned long long)k);
	}
	T_CHECK(count > 0 && count <= LRU_MAX, "%llu elements",
		(unsigned long long)count);
	err = ubee_map_get_next_key(m, NULL, &next);
	while (!err && walked <= LRU_MAX) {
		walked++;
		cur = next;
		err = ubee_map_get_next_key(m, &cur, &next);
	}
	T_EQ_U64(err, (uint64_t)-ENOENT);
	T_EQ_U64(walked, count);
	/*
	 * Filling up again from one thread evicts without failing; the key
	 * just inserted is always there (which older ones survive depends on
	 * the reference bits the threads left, as in the kernel).
	 */
	for (k = 100000; k < 100000 + LRU_MAX; k++) {
		T_EQ_U64(ubee_map_update(m, &k, vals, UBEE_NOEXIST), 0);
		T_EQ_U64(ubee_map_lookup(m, &k, vals), 0);
	}
out:
	t_end();
	ubee_map_put(m);
	free(vals);
}

/* ---- inner maps replaced under readers -------------------------------------- */

static int stop_readers;

static void *inner_reader(void *arg)
{
	struct worker *w = arg;
	uint32_t k = 0, z = 0;
	unsigned long reads = 0;

	while (!__atomic_load_n(&stop_readers, __ATOMIC_ACQUIRE) || reads < 1000) {
		unsigned cpu = ubee_map_cpu_enter();
		struct ubee_map *inner = w->map->ops->lookup(w->map, &k);

		if (inner) {
			uint64_t *v = inner->ops->lookup(inner, &z);

			/* Every published inner map was marked first. */
			if (!v || __atomic_load_n(v, __ATOMIC_RELAXED) != 0xabcdef)
				bad(w, "inner value", v ? (long)*v : -1);
			reads++;
		}
		ubee_map_cpu_exit(cpu);
	}
	return NULL;
}

static void inner_replace(uint32_t outer_type)
{
	struct ubee_map *meta = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);
	struct ubee_map_spec s = { .sz = sizeof(s), .type = outer_type,
				   .key_size = 4, .value_size = 4,
				   .max_entries = 4, .inner = meta };
	struct ubee_map *m = ubee_map_new(&s, NULL);
	struct worker w[THREADS - 1];
	uint64_t mark = 0xabcdef;
	uint32_t k = 0, z = 0;
	int ok = 1;

	t_begin("inner_replace_%s", ubee_map_type_name(outer_type));
	T_CHECK(meta && m, "create");
	if (!meta || !m)
		goto out;
	__atomic_store_n(&stop_readers, 0, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < THREADS - 1; i++) {
		w[i] = (struct worker){ .map = m, .id = i };
		if (pthread_create(&w[i].th, NULL, inner_reader, &w[i]))
			ok = 0;
	}
	for (unsigned i = 0; i < 2000 && ok; i++) {
		struct ubee_map *in = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);

		if (!in || ubee_map_update(in, &z, &mark, 0) ||
		    ubee_map_set_ptr(m, &k, in))
			ok = 0;
		ubee_map_put(in); /* the outer map holds it now */
		if (i % 7 == 0)
			ubee_map_delete(m, &k);
	}
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < THREADS - 1; i++) {
		pthread_join(w[i].th, NULL);
		T_CHECK(!w[i].errors, "%s", w[i].why);
	}
	T_CHECK(ok, "writer failed");
out:
	t_end();
	ubee_map_put(m);
	ubee_map_put(meta);
}

int main(void)
{
	T_RUN(array_atomic_adds);
	percpu_exclusive(UBEE_MAP_PERCPU_ARRAY);
	percpu_exclusive(UBEE_MAP_PERCPU_HASH);
	percpu_exclusive(UBEE_MAP_LRU_PERCPU_HASH);
	hash_churn_case(UBEE_MAP_HASH);
	hash_churn_case(UBEE_MAP_LRU_HASH);
	lru_overfill(UBEE_MAP_LRU_HASH);
	lru_overfill(UBEE_MAP_LRU_PERCPU_HASH);
	inner_replace(UBEE_MAP_ARRAY_OF_MAPS);
	inner_replace(UBEE_MAP_HASH_OF_MAPS);
	return t_summary();
}
