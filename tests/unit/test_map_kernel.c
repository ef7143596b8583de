// SPDX-License-Identifier: MIT
/*
 * Differential test against the kernel's maps (bpf() as root): creation
 * errors for a table of specs, then the same random sequence of user-side
 * operations (update with every flag and bad ones, delete, lookup,
 * get_next_key, freeze) on a kernel map and a ubee map of the same type,
 * comparing every return code and every value looked up.
 *
 * What is compared:
 *  - array, percpu_array: everything, get_next_key's keys included;
 *  - hash, percpu_hash: everything but the key get_next_key returns after
 *    an existing key (iteration order is the hash's own): its code is
 *    compared when the order cannot matter (first key, missing key), and
 *    complete iterations of both maps must give the same set of keys;
 *  - lru_hash, lru_percpu_hash: while the map cannot fill (the kernel's
 *    LRU keeps free elements on per-CPU lists, so it may evict before
 *    max_entries is reached: max_entries is sized so it never needs to),
 *    as for hash. Full, the choice of victim differs: then only what is
 *    deterministic is compared: updates always succeed on both, a key
 *    present in both has the same value, neither holds more than
 *    max_entries, and the key just written is present in both.
 * Per-CPU values are compared whole (every CPU, padding included) when
 * the kernel's possible CPUs equal ubee_map_nr_cpus(); else those cases
 * are skipped. Everything is skipped when bpf() is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbpf.h"
#include "maptest.h"
#include "test.h"
#include "maps/maps.h"
#include "util/util.h"

static int kernel_ok;      /* bpf() works */
static unsigned kcpus;     /* the kernel's possible CPUs */

static unsigned possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned a, b, n = 0;
	int c;

	if (!f)
		return 0;
	/* "0-3,5,7-8": add up the ranges. */
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			c = fgetc(f);
		}
		n += b - a + 1;
		if (c != ',')
			break;
	}
	fclose(f);
	return n;
}

static int skip_unless_kernel(int percpu)
{
	if (!kernel_ok) {
		t_skip("bpf() refused (not root, or no BPF)");
		return 1;
	}
	if (percpu && kcpus != ubee_map_nr_cpus()) {
		t_skip("kernel has %u possible CPUs, ubee %u", kcpus,
		       ubee_map_nr_cpus());
		return 1;
	}
	return 0;
}

/* ---- creation errors ---------------------------------------------------------- */

struct spec_case {
	uint32_t type, ks, vs, max, flags;
};

static const struct spec_case specs[] = {
	{ UBEE_MAP_ARRAY, 4, 8, 4, 0 },
	{ UBEE_MAP_ARRAY, 8, 8, 4, 0 },
	{ UBEE_MAP_ARRAY, 0, 8, 4, 0 },
	{ UBEE_MAP_ARRAY, 4, 0, 4, 0 },
	{ UBEE_MAP_ARRAY, 4, 8, 0, 0 },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_NO_PREALLOC },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_ZERO_SEED },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_MMAPABLE },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_INNER_MAP },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_PRESERVE_ELEMS },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_NUMA_NODE },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_RDONLY | UBEE_F_WRONLY },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG },
	{ UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_RDONLY_PROG },
	{ UBEE_MAP_ARRAY, 4, 8, 4, 1u << 20 },
	{ UBEE_MAP_ARRAY, 4, (4u << 20) + 1, 1, 0 },
	{ UBEE_MAP_ARRAY, 4, 1u << 31, 1, 0 },
	{ UBEE_MAP_ARRAY, 4, 0xffffffffu, 1, 0 },
	{ UBEE_MAP_PERCPU_ARRAY, 4, 8, 4, 0 },
	{ UBEE_MAP_PERCPU_ARRAY, 4, 8, 4, UBEE_F_MMAPABLE },
	{ UBEE_MAP_PERCPU_ARRAY, 4, 8, 4, UBEE_F_NUMA_NODE },
	{ UBEE_MAP_PERCPU_ARRAY, 4, 8, 4, UBEE_F_INNER_MAP },
	{ UBEE_MAP_PERCPU_ARRAY, 4, 32768, 1, 0 },
	{ UBEE_MAP_PERCPU_ARRAY, 4, 32769, 1, 0 },
	{ UBEE_MAP_PROG_ARRAY, 4, 4, 4, 0 },
	{ UBEE_MAP_PROG_ARRAY, 4, 8, 4, 0 },
	{ UBEE_MAP_PROG_ARRAY, 8, 4, 4, 0 },
	{ UBEE_MAP_PROG_ARRAY, 4, 4, 4, UBEE_F_RDONLY_PROG },
	{ UBEE_MAP_PROG_ARRAY, 4, 4, 4, UBEE_F_MMAPABLE },
	{ UBEE_MAP_HASH, 4, 8, 4, 0 },
	{ UBEE_MAP_HASH, 0, 8, 4, 0 },
	{ UBEE_MAP_HASH, 4, 0, 4, 0 },
	{ UBEE_MAP_HASH, 4, 8, 0, 0 },
	{ UBEE_MAP_HASH, 1, 1, 1, 0 },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_NO_PREALLOC },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_NO_COMMON_LRU },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_ZERO_SEED },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_NUMA_NODE },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_MMAPABLE },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_INNER_MAP },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_RDONLY | UBEE_F_WRONLY },
	{ UBEE_MAP_HASH, 4, 8, 4, UBEE_F_WRONLY_PROG },
	{ UBEE_MAP_HASH, 512, 8, 4, 0 },
	{ UBEE_MAP_HASH, 4000, 8, 4, 0 },
	{ UBEE_MAP_HASH, 4, 4u << 20, 1, 0 },
	{ UBEE_MAP_HASH, 4194250, 1, 1, 0 },
	{ UBEE_MAP_HASH, 4194251, 5, 1, 0 },
	{ UBEE_MAP_HASH, 1, 4194251, 1, 0 },
	{ UBEE_MAP_HASH, 1, 4194260, 1, 0 },
	{ UBEE_MAP_HASH, 4, 8, (1u << 27) + 1, 0 },
	{ UBEE_MAP_HASH, 4, 8, 0xffffffffu, 0 },
	{ UBEE_MAP_PERCPU_HASH, 4, 8, 4, 0 },
	{ UBEE_MAP_PERCPU_HASH, 4, 8, 4, UBEE_F_NUMA_NODE },
	{ UBEE_MAP_PERCPU_HASH, 4, 32768, 2, 0 },
	{ UBEE_MAP_PERCPU_HASH, 4, 32769, 2, 0 },
	{ UBEE_MAP_LRU_HASH, 4, 8, 4, 0 },
	{ UBEE_MAP_LRU_HASH, 4, 8, 4, UBEE_F_NO_PREALLOC },
	{ UBEE_MAP_LRU_HASH, 4, 8, 4, UBEE_F_NUMA_NODE },
	{ UBEE_MAP_LRU_HASH, 4, 8, 4, UBEE_F_NUMA_NODE | UBEE_F_NO_COMMON_LRU },
	{ UBEE_MAP_LRU_HASH, 0, 8, 4, 0 },
	{ UBEE_MAP_LRU_PERCPU_HASH, 4, 8, 4, 0 },
	{ UBEE_MAP_LRU_PERCPU_HASH, 4, 8, 4, UBEE_F_NUMA_NODE },
	{ UBEE_MAP_LRU_PERCPU_HASH, 4, 8, 4, UBEE_F_NO_PREALLOC },
};

static void create_errors(void)
{
	if (skip_unless_kernel(0))
		return;
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(specs); i++) {
		const struct spec_case *c = &specs[i];
		struct ubee_map_spec s = {
			.type = c->type, .key_size = c->ks, .value_size = c->vs,
			.max_entries = c->max, .map_flags = c->flags,
		};
		struct ubee_map *m;
		int fd;

		if (!t_map_both_create(&s, &fd, &m))
			t_map_both_free(fd, m);
	}
}

/* ---- random operation sequences ---------------------------------------------- */

struct pair {
	int kfd;
	struct ubee_map *m;
	uint32_t type, ks, vs, max;
	size_t vbuf;        /* user value size: per-CPU maps hold every CPU */
	int ordered;        /* arrays: iteration order is defined */
	uint64_t seed;
	unsigned nkeys;     /* key space */
};

static void make_key(const struct pair *p, unsigned k, uint8_t *key)
{
	if (p->type == UBEE_MAP_ARRAY || p->type == UBEE_MAP_PERCPU_ARRAY) {
		uint32_t i = k;

		memcpy(key, &i, 4);
		return;
	}
	memset(key, 0x5a, p->ks);
	memcpy(key, &k, p->ks < 4 ? p->ks : 4);
	if (p->ks > 4)
		key[p->ks - 1] ^= (uint8_t)(k * 13);
}

/* Both iterations give the same set of keys (any order, each once). */
static void same_key_sets(struct pair *p, unsigned op)
{
	uint8_t *ka = calloc(p->max + 1, p->ks), *kb = calloc(p->max + 1, p->ks);
	uint8_t cur[512], next[512];
	unsigned na = 0, nb = 0;
	int err;

	if (!ka || !kb)
		goto out;
	for (err = kbpf_map_get_next_key(p->kfd, NULL, next);
	     !err && na <= p->max; na++) {
		memcpy(ka + (size_t)na * p->ks, next, p->ks);
		memcpy(cur, next, p->ks);
		err = kbpf_map_get_next_key(p->kfd, cur, next);
	}
	T_CHECK(err == -ENOENT, "op %u: kernel iteration: %d", op, err);
	for (err = ubee_map_get_next_key(p->m, NULL, next);
	     !err && nb <= p->max; nb++) {
		memcpy(kb + (size_t)nb * p->ks, next, p->ks);
		memcpy(cur, next, p->ks);
		err = ubee_map_get_next_key(p->m, cur, next);
	}
	T_CHECK(err == -ENOENT, "op %u: ubee iteration: %d", op, err);
	T_CHECK(na == nb, "op %u: kernel iterates %u keys, ubee %u", op, na, nb);
	/* Every key of one is in the other (the counts are equal). */
	for (unsigned i = 0; i < na && t_ok(); i++) {
		unsigned j;

		for (j = 0; j < nb; j++)
			if (!memcmp(ka + (size_t)i * p->ks, kb + (size_t)j * p->ks,
				    p->ks))
				break;
		T_CHECK(j < nb, "op %u: a kernel key is missing in ubee", op);
	}
out:
	free(ka);
	free(kb);
}

/*
 * ops random operations on both maps of p, comparing. lru_full: the map
 * may fill (LRU): compare only what does not depend on the victim.
 */
static void run_ops(struct pair *p, unsigned ops, int lru_full)
{
	uint8_t key[512], next_k[512], next_u[512];
	uint8_t *v = calloc(1, p->vbuf), *ok = calloc(1, p->vbuf),
		*ou = calloc(1, p->vbuf);
	int frozen = 0;

	if (!v || !ok || !ou) {
		T_CHECK(0, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < ops && t_ok(); i++) {
		unsigned k = (unsigned)(t_rnd(&p->seed) % p->nkeys);
		unsigned op = (unsigned)(t_rnd(&p->seed) % 100);
		int kerr, uerr;

		make_key(p, k, key);
		if (op < 40) {
			uint64_t fl = t_rnd(&p->seed) % 16;

			/* Mostly ANY/NOEXIST/EXIST; sometimes a bad one. */
			fl = fl < 13 ? fl % 3 : (fl == 13 ? 3 : fl == 14 ? UBEE_F_LOCK : 8);
			if (lru_full)
				fl = UBEE_ANY;
			for (size_t j = 0; j < p->vbuf; j++)
				v[j] = (uint8_t)t_rnd(&p->seed);
			kerr = kbpf_map_update(p->kfd, key, v, fl);
			uerr = ubee_map_update(p->m, key, v, fl);
			T_CHECK(kerr == uerr, "op %u: update key %u flags %llu: kernel %d, ubee %d",
				i, k, (unsigned long long)fl, kerr, uerr);
			if (lru_full && !kerr && !uerr) {
				T_CHECK(!kbpf_map_lookup(p->kfd, key, ok) &&
						!ubee_map_lookup(p->m, key, ou) &&
						!memcmp(ok, ou, p->vbuf),
					"op %u: key %u just written", i, k);
			}
		} else if (op < 55) {
			kerr = kbpf_map_delete(p->kfd, key);
			uerr = ubee_map_delete(p->m, key);
			T_CHECK(kerr == uerr || (lru_full && kerr != uerr &&
						 (kerr == -ENOENT || uerr == -ENOENT)),
				"op %u: delete key %u: kernel %d, ubee %d", i, k,
				kerr, uerr);
		} else if (op < 90) {
			memset(ok, 0xee, p->vbuf);
			memset(ou, 0xdd, p->vbuf);
			kerr = kbpf_map_lookup(p->kfd, key, ok);
			uerr = ubee_map_lookup(p->m, key, ou);
			if (lru_full && kerr != uerr)
				continue; /* one of them evicted it */
			T_CHECK(kerr == uerr, "op %u: lookup key %u: kernel %d, ubee %d",
				i, k, kerr, uerr);
			if (!kerr && !uerr)
				T_CHECK(!memcmp(ok, ou, p->vbuf),
					"op %u: value of key %u differs", i, k);
		} else if (op < 97) {
			/* NULL, a missing key, or (ordered types) any key. */
			unsigned how = (unsigned)(t_rnd(&p->seed) % 3);
			const void *from = how == 0 ? NULL : key;

			if (how == 1 && !p->ordered) {
				/* a key neither map can hold */
				memset(key, 0xa5, p->ks);
				key[0] = 0xff;
			}
			if (how == 2 && !p->ordered)
				continue; /* order is each hash's own */
			kerr = kbpf_map_get_next_key(p->kfd, from, next_k);
			uerr = ubee_map_get_next_key(p->m, from, next_u);
			if (lru_full && kerr != uerr)
				continue;
			T_CHECK(kerr == uerr, "op %u: get_next_key (%u): kernel %d, ubee %d",
				i, how, kerr, uerr);
			if (p->ordered && !kerr && !uerr)
				T_CHECK(!memcmp(next_k, next_u, p->ks),
					"op %u: next key differs", i);
		} else if (op < 99) {
			if (!lru_full)
				same_key_sets(p, i);
		} else if (!frozen && t_rnd(&p->seed) % 8 == 0) {
			/* Late in a run: freeze, then writes fail on both. */
			kerr = kbpf_map_freeze(p->kfd);
			uerr = ubee_map_freeze(p->m);
			T_CHECK(kerr == uerr, "op %u: freeze: kernel %d, ubee %d", i,
				kerr, uerr);
			kerr = kbpf_map_freeze(p->kfd);
			uerr = ubee_map_freeze(p->m);
			T_CHECK(kerr == uerr, "op %u: freeze again: kernel %d, ubee %d",
				i, kerr, uerr);
			frozen = 1;
		}
	}
	if (!lru_full)
		same_key_sets(p, ops);
	else {
		/* Neither holds more than max_entries. */
		unsigned nk = 0, nu = 0;

		for (unsigned k = 0; k < p->nkeys; k++) {
			make_key(p, k, key);
			nk += !kbpf_map_lookup(p->kfd, key, ok);
			nu += !ubee_map_lookup(p->m, key, ou);
		}
		T_CHECK(nk <= p->max && nu <= p->max && nk > 0 && nu > 0,
			"elements: kernel %u, ubee %u, max %u", nk, nu, p->max);
	}
out:
	free(v);
	free(ok);
	free(ou);
}

static void diff_case(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		      unsigned nkeys, unsigned ops, int lru_full)
{
	int percpu = type == UBEE_MAP_PERCPU_ARRAY || type == UBEE_MAP_PERCPU_HASH ||
		     type == UBEE_MAP_LRU_PERCPU_HASH;
	struct pair p = {
		.kfd = -1, .type = type, .ks = ks, .vs = vs, .max = max,
		.ordered = type == UBEE_MAP_ARRAY || type == UBEE_MAP_PERCPU_ARRAY,
		.seed = 0xc0ffee + type * 1000003ull + ks * 131 + vs * 7 + max,
		.nkeys = nkeys,
	};

	t_begin("diff_%s_k%u_v%u_max%u%s", ubee_map_type_name(type), ks, vs, max,
		lru_full ? "_full" : "");
	if (skip_unless_kernel(percpu))
		goto out;
	p.vbuf = percpu ? (size_t)kcpus * ((vs + 7) & ~7u) : vs;
	p.kfd = kbpf_map_create(type, ks, vs, max, 0);
	p.m = t_map_new(type, ks, vs, max, 0, 0);
	T_CHECK(p.kfd >= 0 && p.m, "create: kernel %d, ubee %p", p.kfd, (void *)p.m);
	if (p.kfd >= 0 && p.m)
		run_ops(&p, ops, lru_full);
out:
	t_end();
	t_map_both_free(p.kfd, p.m);
}

int main(void)
{
	/* The kernel's LRU may keep this many free elements per CPU. */
	uint32_t lru_room;

	kernel_ok = !kbpf_map_probe();
	kcpus = possible_cpus();
	lru_room = 64 + 256 * (kcpus ? kcpus : 1);

	T_RUN(create_errors);
	diff_case(UBEE_MAP_ARRAY, 4, 8, 16, 20, 4000, 0);
	diff_case(UBEE_MAP_ARRAY, 4, 3, 7, 10, 2000, 0);
	diff_case(UBEE_MAP_ARRAY, 4, 100, 40, 45, 2000, 0);
	diff_case(UBEE_MAP_PERCPU_ARRAY, 4, 8, 16, 20, 3000, 0);
	diff_case(UBEE_MAP_PERCPU_ARRAY, 4, 5, 9, 12, 2000, 0);
	diff_case(UBEE_MAP_HASH, 4, 8, 32, 48, 6000, 0);
	diff_case(UBEE_MAP_HASH, 1, 1, 200, 250, 4000, 0);
	diff_case(UBEE_MAP_HASH, 13, 7, 16, 40, 4000, 0);
	diff_case(UBEE_MAP_HASH, 64, 24, 1, 3, 1000, 0);
	diff_case(UBEE_MAP_PERCPU_HASH, 4, 8, 32, 48, 4000, 0);
	diff_case(UBEE_MAP_PERCPU_HASH, 6, 12, 8, 20, 3000, 0);
	diff_case(UBEE_MAP_LRU_HASH, 4, 8, lru_room, 64, 4000, 0);
	diff_case(UBEE_MAP_LRU_HASH, 12, 20, lru_room, 64, 3000, 0);
	diff_case(UBEE_MAP_LRU_PERCPU_HASH, 4, 8, lru_room, 64, 3000, 0);
	diff_case(UBEE_MAP_LRU_HASH, 4, 8, 32, 300, 4000, 1);
	diff_case(UBEE_MAP_LRU_PERCPU_HASH, 4, 8, 32, 300, 3000, 1);
	return t_summary();
}
