// SPDX-License-Identifier: MIT
/*
 * LPM trie maps: creation checks, longest-prefix lookups, exact-match
 * update/delete with the kernel's error codes, get_next_key's post order
 * (the kernel's documented example), random operations against a brute
 * force model (lookups, the whole iteration order, the data bytes kept),
 * allocation failures, and threads doing atomic adds into values while
 * others insert and delete around them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/maptest.h"
#include "../lib/test.h"
#include "maps/maps.h"
#include "util/util.h"

struct key4 {
	uint32_t prefixlen;
	uint8_t data[4];
};

static struct ubee_map *mk(uint32_t ks, uint32_t vs, uint32_t me,
			   uint32_t flags)
{
	return t_map_new(UBEE_MAP_LPM_TRIE, ks, vs, me, flags, 0);
}

/* 0, or the negative errno creating this LPM trie fails with. */
static int mk_err(uint32_t ks, uint32_t vs, uint32_t me, uint32_t flags,
		  uint64_t extra)
{
	return t_map_err(UBEE_MAP_LPM_TRIE, ks, vs, me, flags, extra);
}

static void create_checks(void)
{
	const uint32_t np = UBEE_F_NO_PREALLOC;
	const uint32_t vmax = UBEE_MAP_MAX_ALLOC - 256 - 24;

	T_EQ_U64(mk_err(8, 4, 1, np, 0), 0);
	T_EQ_U64(mk_err(5, 4, 1, np, 0), 0);
	T_EQ_U64(mk_err(4, 4, 1, np, 0), -EINVAL);
	T_EQ_U64(mk_err(260, 4, 1, np, 0), 0);
	T_EQ_U64(mk_err(261, 4, 1, np, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 1, 0, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 0, 1, np, 0), -EINVAL);
	T_EQ_U64(mk_err(8, vmax, 1, np, 0), 0);
	T_EQ_U64(mk_err(8, vmax + 1, 1, np, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 0, np, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 1, np, 1), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 1, np | UBEE_F_ZERO_SEED, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 1, np | UBEE_F_MMAPABLE, 0), -EINVAL);
	T_EQ_U64(mk_err(8, 4, 1, np | UBEE_F_RDONLY_PROG, 0), 0);
	T_EQ_U64(mk_err(8, 4, 1, np | UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG,
			0),
		 -EINVAL);
	/*
	 * Huge max_entries: nothing is preallocated, but the nodes' address
	 * space (terabytes) is reserved, more than valgrind can map.
	 */
	if (!t_valgrind())
		T_EQ_U64(mk_err(260, 1024, UINT32_MAX, np, 0), 0);
	T_CHECK(!strcmp(ubee_map_type_name(UBEE_MAP_LPM_TRIE), "lpm_trie"),
		"name");
}

static struct key4 k4(uint32_t pl, uint8_t a, uint8_t b, uint8_t c,
		      uint8_t d)
{
	struct key4 k = { pl, { a, b, c, d } };

	return k;
}

static void lookups(void)
{
	struct ubee_map *m = mk(8, 4, 16, UBEE_F_NO_PREALLOC);
	struct key4 k;
	uint32_t v;

	T_CHECK(m, "create");
	if (!m)
		return;
	k = k4(32, 192, 168, 1, 1);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -ENOENT);
	v = 16;
	k = k4(16, 192, 168, 0, 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	v = 24;
	k = k4(24, 192, 168, 1, 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), 0);
	v = 0;
	k = k4(0, 0, 0, 0, 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	v = 32;
	k = k4(32, 192, 168, 1, 7);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);

	k = k4(32, 192, 168, 1, 1);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 24);
	k = k4(32, 192, 168, 1, 7);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 32);
	k = k4(32, 192, 168, 2, 7);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 16);
	k = k4(32, 10, 0, 0, 1);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 0);
	/* The key's own prefix length bounds the match. */
	k = k4(20, 192, 168, 1, 7);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 16);
	k = k4(24, 192, 168, 1, 7);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 24);
	k = k4(33, 192, 168, 1, 7);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -ENOENT);
	T_CHECK(!m->ops->lookup(m, &k), "prefixlen 33 found");
	/* The program-side pointer is the stored value. */
	k = k4(32, 192, 168, 1, 7);
	T_CHECK(m->ops->lookup(m, &k) &&
			*(uint32_t *)m->ops->lookup(m, &k) == 32,
		"program lookup");

	/* Delete is exact: /24 goes, /32 and /16 stay. */
	k = k4(24, 192, 168, 1, 99);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_EQ_U64(ubee_map_delete(m, &k), -ENOENT);
	k = k4(23, 192, 168, 1, 0);
	T_EQ_U64(ubee_map_delete(m, &k), -ENOENT);
	k = k4(33, 192, 168, 1, 0);
	T_EQ_U64(ubee_map_delete(m, &k), -EINVAL);
	k = k4(32, 192, 168, 1, 1);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 16);
	k = k4(0, 1, 2, 3, 4);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	k = k4(32, 10, 0, 0, 1);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -ENOENT);
	ubee_map_put(m);
}

static void update_errors(void)
{
	struct ubee_map *m = mk(8, 4, 3, UBEE_F_NO_PREALLOC);
	struct key4 k, n;
	uint32_t v = 1;

	T_CHECK(m, "create");
	if (!m)
		return;
	k = k4(8, 10, 1, 2, 3);
	T_EQ_U64(ubee_map_update(m, &k, &v, 3), -EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_F_LOCK), -EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), -ENOENT);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), -EEXIST);
	/* Same prefix, other trailing bytes: the same entry, bytes replaced. */
	k = k4(8, 10, 9, 9, 9);
	v = 2;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), 0);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &n), 0);
	T_CHECK(!memcmp(&n, &k, sizeof(k)), "data bytes not replaced");
	k = k4(33, 10, 9, 9, 9);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), -EINVAL);
	k = k4(16, 10, 1, 0, 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	k = k4(24, 10, 1, 2, 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	/* Full: -ENOSPC (the kernel's code for LPM), replacing still works. */
	k = k4(32, 10, 1, 2, 3);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), -ENOSPC);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), -ENOSPC);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), -ENOENT);
	k = k4(24, 10, 1, 2, 0);
	v = 7;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 7);
	ubee_map_put(m);
}

/* The kernel's example: 192.168.0.0/24, /1.0/24, /128.0/24, then /16. */
static void next_key_order(void)
{
	static const struct key4 in[] = {
		{ 16, { 192, 168, 0, 0 } }, { 24, { 192, 168, 0, 0 } },
		{ 24, { 192, 168, 128, 0 } }, { 24, { 192, 168, 1, 0 } },
		{ 0, { 0, 0, 0, 0 } }, { 8, { 10, 0, 0, 0 } },
		{ 32, { 255, 255, 255, 255 } }, { 1, { 128, 0, 0, 0 } },
	};
	static const int order[] = { 5, 1, 3, 2, 0, 6, 7, 4 };
	struct ubee_map *m = mk(8, 4, 16, UBEE_F_NO_PREALLOC);
	struct key4 k, n;
	uint32_t v = 0;
	size_t i;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &n), -ENOENT);
	for (i = 0; i < UBEE_ARRAY_SIZE(in); i++)
		T_EQ_U64(ubee_map_update(m, &in[i], &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &n), 0);
	for (i = 0; i < UBEE_ARRAY_SIZE(order) && t_ok(); i++) {
		T_CHECK(!memcmp(&n, &in[order[i]], sizeof(n)),
			"position %zu: /%u %u.%u.%u.%u", i, n.prefixlen,
			n.data[0], n.data[1], n.data[2], n.data[3]);
		k = n;
		T_EQ_U64(ubee_map_get_next_key(m, &k, &n),
			 i + 1 < UBEE_ARRAY_SIZE(order) ? 0 : -ENOENT);
	}
	/* Absent keys (and prefixlen > 32) restart at the first entry. */
	k = k4(24, 192, 168, 2, 0);
	T_EQ_U64(ubee_map_get_next_key(m, &k, &n), 0);
	T_CHECK(!memcmp(&n, &in[order[0]], sizeof(n)), "restart");
	k = k4(33, 192, 168, 0, 0);
	T_EQ_U64(ubee_map_get_next_key(m, &k, &n), 0);
	T_CHECK(!memcmp(&n, &in[order[0]], sizeof(n)), "restart");
	ubee_map_put(m);
}

/* ---- random operations against a brute-force model -------------------- */

#define DBYTES 2
#define MAXE 40

struct mkey {
	uint32_t prefixlen;
	uint8_t data[DBYTES];
} __attribute__((packed));

struct ment {
	struct mkey key;
	uint32_t value;
};

static int bit_of(const uint8_t *d, uint32_t i)
{
	return (d[i / 8] >> (7 - i % 8)) & 1;
}

/* Do a and b agree on their first n bits? */
static int same_bits(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (bit_of(a, i) != bit_of(b, i))
			return 0;
	return 1;
}

/* The kernel's post order as a comparison: < 0 when a comes first. */
static int post_cmp(const struct mkey *a, const struct mkey *b)
{
	uint32_t n = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;

	for (uint32_t i = 0; i < n; i++)
		if (bit_of(a->data, i) != bit_of(b->data, i))
			return bit_of(a->data, i) ? 1 : -1;
	return (int)b->prefixlen - (int)a->prefixlen;
}

static int model_find(const struct ment *e, int n, const struct mkey *k)
{
	for (int i = 0; i < n; i++)
		if (e[i].key.prefixlen == k->prefixlen &&
		    same_bits(e[i].key.data, k->data, k->prefixlen))
			return i;
	return -1;
}

static void random_key(struct mkey *k)
{
	/* Few distinct bit patterns, so that prefixes nest and collide. */
	static const uint8_t pat[] = { 0x00, 0x0f, 0x80, 0xa5, 0xff, 0x5a };

	k->prefixlen = (uint32_t)(rand() % (DBYTES * 8 + 2));
	for (int i = 0; i < DBYTES; i++)
		k->data[i] = rand() % 3 ? pat[rand() % 6] : (uint8_t)rand();
}

static void random_model(void)
{
	struct ubee_map *m = mk(sizeof(struct mkey), 4, MAXE,
				UBEE_F_NO_PREALLOC);
	struct ment e[MAXE];
	int n = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	srand(1234);
	for (int it = 0; it < 30000 && t_ok(); it++) {
		struct mkey k, nk, prev;
		uint32_t v = (uint32_t)rand(), got;
		int op = rand() % 10, i = -1, best, err, want;
		uint64_t flags = (uint64_t)(rand() % 3);

		random_key(&k);
		if (k.prefixlen <= DBYTES * 8)
			i = model_find(e, n, &k);
		if (op < 4) {
			err = ubee_map_update(m, &k, &v, flags);
			if (k.prefixlen > DBYTES * 8)
				want = -EINVAL;
			else if (i >= 0)
				want = flags == UBEE_NOEXIST ? -EEXIST : 0;
			else if (flags == UBEE_EXIST)
				want = -ENOENT;
			else
				want = n == MAXE ? -ENOSPC : 0;
			T_EQ_U64(err, want);
			if (!want && i < 0)
				i = n++;
			if (!want)
				e[i].key = k, e[i].value = v;
		} else if (op < 7) {
			err = ubee_map_delete(m, &k);
			want = k.prefixlen > DBYTES * 8 ? -EINVAL :
			       i < 0                    ? -ENOENT :
							  0;
			T_EQ_U64(err, want);
			if (!want)
				e[i] = e[--n];
		} else if (op < 9) {
			err = ubee_map_lookup(m, &k, &got);
			best = -1;
			for (int j = 0; j < n && k.prefixlen <= DBYTES * 8;
			     j++)
				if (e[j].key.prefixlen <= k.prefixlen &&
				    same_bits(e[j].key.data, k.data,
					      e[j].key.prefixlen) &&
				    (best < 0 || e[j].key.prefixlen >
							 e[best].key.prefixlen))
					best = j;
			T_EQ_U64(err, best < 0 ? -ENOENT : 0);
			if (best >= 0)
				T_EQ_U64(got, e[best].value);
		} else {
			/* Whole iteration: each entry once, in post order. */
			int seen = 0;

			err = ubee_map_get_next_key(m, NULL, &nk);
			while (!err && seen <= n && t_ok()) {
				i = model_find(e, n, &nk);
				T_CHECK(i >= 0 && !memcmp(&e[i].key, &nk,
							  sizeof(nk)),
					"iteration gave an unknown key");
				T_CHECK(!seen || post_cmp(&prev, &nk) < 0,
					"iteration out of order");
				prev = nk;
				seen++;
				err = ubee_map_get_next_key(m, &prev, &nk);
			}
			T_EQ_U64(err, -ENOENT);
			T_EQ_U64(seen, n);
		}
	}
	ubee_map_put(m);
}

/* Nodes are laid out at creation: updates never allocate, so an
 * allocator that fails changes nothing; creation fails cleanly. */
static void alloc_failure(void)
{
	struct ubee_map *m = mk(8, 4, 1000, UBEE_F_NO_PREALLOC);
	struct key4 k;
	uint32_t v, i, ok = 0, nomem = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	for (i = 0; i < 600; i++) {
		k = k4(32, 10, (uint8_t)(i >> 8), (uint8_t)i, 1);
		v = i;
		ubee_fail_alloc_after(i % 3 ? -1 : 0);
		int err = ubee_map_update(m, &k, &v, UBEE_ANY);
		ubee_fail_alloc_after(-1);
		if (err == -ENOMEM)
			nomem++;
		else if (!err)
			ok++;
		else
			T_EQ_U64(err, 0);
	}
	T_CHECK(nomem == 0 && ok == 600, "update allocated (%u ENOMEM, %u ok)",
		nomem, ok);
	for (i = 0; i < 600; i++) {
		k = k4(32, 10, (uint8_t)(i >> 8), (uint8_t)i, 1);
		if (!ubee_map_lookup(m, &k, &v)) {
			T_EQ_U64(v, i);
			ok--;
		}
	}
	T_EQ_U64(ok, 0);
	ubee_fail_alloc_after(0);
	T_CHECK(!mk(8, 4, 1, UBEE_F_NO_PREALLOC), "created without memory");
	T_EQ_U64(errno, ENOMEM);
	ubee_fail_alloc_after(1);
	T_CHECK(!mk(8, 4, 1, UBEE_F_NO_PREALLOC), "created without memory");
	ubee_fail_alloc_after(-1);
	ubee_map_put(m);
}

/* ---- threads ------------------------------------------------------------ */

#define ADDERS 4
#define CHURNERS 3
#define ADDS 100000
#define STABLE 8

struct stress {
	struct ubee_map *m;
	uint8_t churn_in[CHURNERS][256];
	int bad;
};

struct worker {
	struct stress *s;
	int id;
};

/* Atomic adds into the values of entries nobody deletes. */
static void *adder(void *arg)
{
	struct worker *w = arg;
	struct ubee_map *m = w->s->m;

	for (int i = 0; i < ADDS; i++) {
		/* /32 lookups resolve to the stable /16 entries. */
		struct key4 k = k4(32, 172, (uint8_t)(i % STABLE),
				   (uint8_t)(192 + (i >> 3) % 64),
				   (uint8_t)w->id);
		uint64_t *p = m->ops->lookup(m, &k);

		if (!p) {
			w->s->bad = 1;
			break;
		}
		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Insert and delete /24s below the stable /16s, each thread its own
 * (third bytes id * 64 + 0..63, never those the adders look up).
 */
static void *churner(void *arg)
{
	struct worker *w = arg;
	struct ubee_map *m = w->s->m;
	uint64_t zero = 0;
	unsigned seed = (unsigned)w->id;

	for (int i = 0; i < 30000; i++) {
		int j = rand_r(&seed) % 64;
		struct key4 k = k4(24, 172, (uint8_t)(j % STABLE),
				   (uint8_t)(w->id * 64 + j), 0);
		uint8_t *in = &w->s->churn_in[w->id][k.data[2]];
		long err;

		if (*in) {
			err = m->ops->delete(m, &k);
			*in = 0;
		} else {
			err = m->ops->update(m, &k, &zero, UBEE_NOEXIST);
			*in = 1;
		}
		if (err)
			w->s->bad = 2;
	}
	return NULL;
}

static void threads(void)
{
	struct stress *s = calloc(1, sizeof(*s));
	pthread_t t[ADDERS + CHURNERS];
	struct worker w[ADDERS + CHURNERS];
	struct key4 k, n;
	uint64_t v, total = 0;
	int i, churned = 0, listed = 0;

	s->m = mk(8, 8, 1000, UBEE_F_NO_PREALLOC);
	T_CHECK(s->m, "create");
	if (!s->m)
		goto out;
	v = 0;
	for (i = 0; i < STABLE; i++) {
		k = k4(16, 172, (uint8_t)i, 0, 0);
		T_EQ_U64(ubee_map_update(s->m, &k, &v, UBEE_ANY), 0);
	}
	for (i = 0; i < ADDERS + CHURNERS; i++) {
		w[i].s = s;
		w[i].id = i < ADDERS ? i : i - ADDERS;
		pthread_create(&t[i], NULL, i < ADDERS ? adder : churner,
			       &w[i]);
	}
	for (i = 0; i < ADDERS + CHURNERS; i++)
		pthread_join(t[i], NULL);
	T_EQ_U64(s->bad, 0);
	for (i = 0; i < STABLE; i++) {
		k = k4(16, 172, (uint8_t)i, 0, 0);
		T_EQ_U64(ubee_map_lookup(s->m, &k, &v), 0);
		total += v;
	}
	T_EQ_U64(total, (uint64_t)ADDERS * ADDS);
	/* The iteration lists exactly the stable and the remaining /24s. */
	for (i = 0; i < CHURNERS; i++)
		for (int j = 0; j < 256; j++)
			churned += s->churn_in[i][j];
	for (int err = ubee_map_get_next_key(s->m, NULL, &n); !err;
	     err = ubee_map_get_next_key(s->m, &k, &n)) {
		k = n;
		listed++;
		if (k.prefixlen == 24)
			T_CHECK(s->churn_in[k.data[2] / 64][k.data[2]],
				"deleted /24 listed");
	}
	T_EQ_U64(listed, STABLE + churned);
	ubee_map_put(s->m);
out:
	free(s);
}

int main(void)
{
	T_RUN(create_checks);
	T_RUN(lookups);
	T_RUN(update_errors);
	T_RUN(next_key_order);
	T_RUN(random_model);
	T_RUN(alloc_failure);
	T_RUN(threads);
	return t_summary();
}
