// SPDX-License-Identifier: MIT
/*
 * Bloom filter map (BPF_MAP_TYPE_BLOOM_FILTER) with the kernel's semantics
 * and the kernel's bit layout, so that with BPF_F_ZERO_SEED the same pushes
 * give the same answers (false positives included) as a kernel map: push
 * sets nr_hashes bits of a bit array, peek answers 0 ("maybe present") when
 * all of a value's bits are set and -ENOENT ("definitely absent") when one
 * is clear. Nothing can be removed: delete fails with -EOPNOTSUPP and
 * there is no pop (bpf() answers BPF_MAP_LOOKUP_AND_DELETE_ELEM with
 * -ENOTSUPP, and the verifier rejects bpf_map_pop_elem on this type).
 *
 * The number of hashes is map_extra & 0xf (0: 5). The bit array has
 * max_entries * nr_hashes * 7 / 5 bits (7/5 ~ 1/ln 2, the size minimising
 * false positives) rounded up to a power of two, at least 64, or 2^32 when
 * that overflows 2^31. Hash i of a value is Bob Jenkins' lookup3 hash
 * (the kernel's jhash, or jhash2 over 32-bit words when value_size is a
 * multiple of 4) with initial value seed + i; the seed is random unless
 * BPF_F_ZERO_SEED. Bits are set with atomic OR, so pushes from many threads
 * never lose each other; no lock is needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maps/maps.h"
#include "util/util.h"

#define BLOOM_FLAGS                                                           \
	(UBEE_F_NUMA_NODE | UBEE_F_ZERO_SEED | UBEE_F_ACCESS_MASK)
#define BLOOM_HASHES_MASK 0xfull
#define BLOOM_HASHES_DEFAULT 5
#define JHASH_INITVAL 0xdeadbeefu

/* The shared region: the seed, then the bit array. */
struct bloom_shm {
	uint32_t seed;
	uint32_t pad;
	uint64_t bits[];
};

struct bloom {
	uint32_t mask;      /* bit array size - 1 */
	uint32_t nr_hashes;
	uint32_t seed;      /* copied from the region (never changes) */
	uint32_t words;     /* value_size / 4 when a multiple of 4, else 0 */
	uint64_t *bits;     /* in the region */
};

static int bloom_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	uint32_t f = spec->map_flags;

	if (spec->key_size != 0 || spec->value_size == 0 ||
	    spec->max_entries == 0) {
		ubee_logf(log, "bloom_filter: key_size must be 0, value_size "
			  "and max_entries > 0");
		return -EINVAL;
	}
	if ((f & ~BLOOM_FLAGS) || (spec->map_extra & ~BLOOM_HASHES_MASK) ||
	    !ubee_map_flags_access_ok(f)) {
		ubee_logf(log, "bloom_filter: invalid map_flags 0x%x or "
			  "map_extra 0x%llx (number of hashes 1-15)", f,
			  (unsigned long long)spec->map_extra);
		return -EINVAL;
	}
	if (spec->value_size > UBEE_MAP_MAX_ALLOC) {
		ubee_logf(log, "bloom_filter: value_size %u too big",
			  spec->value_size);
		return -E2BIG;
	}
	return 0;
}

static uint32_t bloom_seed(void)
{
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)(uintptr_t)&ts ^ (uint64_t)ts.tv_sec;
	return (uint32_t)(x ^ x >> 32);
}

/* Number of hashes and bit mask of the kernel's sizing. */
static uint64_t bloom_geometry(const struct ubee_map *map, uint32_t *hashes)
{
	uint32_t k = (uint32_t)(map->map_extra & BLOOM_HASHES_MASK);
	uint64_t nbits;

	if (!k)
		k = BLOOM_HASHES_DEFAULT;
	*hashes = k;
	/* The kernel's sizing, including its u32 overflow checks. */
	nbits = (uint64_t)map->max_entries * k;
	if (nbits <= UINT32_MAX)
		nbits = nbits / 5 * 7;
	if (nbits > (1ull << 31))
		return UINT32_MAX;
	if (nbits <= 64)
		return 63;
	return (1ull << (64 - __builtin_clzll(nbits - 1))) - 1;
}

static uint64_t bloom_shm_size(const struct ubee_map *map)
{
	uint32_t k;

	return sizeof(struct bloom_shm) + (bloom_geometry(map, &k) + 1) / 8;
}

/*
 * Bits are only ever set, with atomic OR: any content is consistent, and
 * a pusher killed half way has set some of a value's bits (a peek of
 * that value may say "absent", as before the push).
 */
static int bloom_shm_attach(struct ubee_map *map, void *mem, int fresh,
			    struct ubee_log *log)
{
	struct bloom_shm *s = mem;
	struct bloom *b = ubee_calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->mask = (uint32_t)bloom_geometry(map, &b->nr_hashes);
	if (fresh)
		s->seed = map->map_flags & UBEE_F_ZERO_SEED ? 0 : bloom_seed();
	b->seed = s->seed;
	b->words = map->value_size % 4 ? 0 : map->value_size / 4;
	b->bits = s->bits;
	map->priv = b;
	return 0;
}

static void bloom_fini(struct ubee_map *map)
{
	ubee_free(map->priv);
	map->priv = NULL;
}

static uint32_t rol32(uint32_t x, int s)
{
	return x << s | x >> (32 - s);
}

/* lookup3's mix of three words, and its final avalanche. */
#define JHASH_MIX(a, b, c)                                                    \
	do {                                                                  \
		a -= c; a ^= rol32(c, 4); c += b;                             \
		b -= a; b ^= rol32(a, 6); a += c;                             \
		c -= b; c ^= rol32(b, 8); b += a;                             \
		a -= c; a ^= rol32(c, 16); c += b;                            \
		b -= a; b ^= rol32(a, 19); a += c;                            \
		c -= b; c ^= rol32(b, 4); b += a;                             \
	} while (0)

#define JHASH_FINAL(a, b, c)                                                  \
	do {                                                                  \
		c ^= b; c -= rol32(b, 14);                                    \
		a ^= c; a -= rol32(c, 11);                                    \
		b ^= a; b -= rol32(a, 25);                                    \
		c ^= b; c -= rol32(b, 16);                                    \
		a ^= c; a -= rol32(c, 4);                                     \
		b ^= a; b -= rol32(a, 14);                                    \
		c ^= b; c -= rol32(b, 24);                                    \
	} while (0)

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* lookup3 over n bytes (the kernel's jhash; words in host order). */
static uint32_t jhash_bytes(const uint8_t *k, uint32_t n, uint32_t init)
{
	uint32_t a, b, c, tail[3] = { 0, 0, 0 };
	uint32_t i;

	a = b = c = JHASH_INITVAL + n + init;
	for (; n > 12; n -= 12, k += 12) {
		a += load32(k);
		b += load32(k + 4);
		c += load32(k + 8);
		JHASH_MIX(a, b, c);
	}
	if (!n)
		return c;
	/* The last 1-12 bytes, little-endian into a, b, c. */
	for (i = 0; i < n; i++)
		tail[i / 4] |= (uint32_t)k[i] << (i % 4 * 8);
	a += tail[0];
	b += tail[1];
	c += tail[2];
	JHASH_FINAL(a, b, c);
	return c;
}

/* lookup3 over n 32-bit words (the kernel's jhash2). */
static uint32_t jhash_words(const uint8_t *k, uint32_t n, uint32_t init)
{
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + (n << 2) + init;
	for (; n > 3; n -= 3, k += 12) {
		a += load32(k);
		b += load32(k + 4);
		c += load32(k + 8);
		JHASH_MIX(a, b, c);
	}
	if (!n)
		return c;
	if (n == 3)
		c += load32(k + 8);
	if (n >= 2)
		b += load32(k + 4);
	a += load32(k);
	JHASH_FINAL(a, b, c);
	return c;
}

static uint32_t bloom_bit(const struct ubee_map *map, const struct bloom *b,
			  const void *value, uint32_t i)
{
	uint32_t h;

	if (b->words)
		h = jhash_words(value, b->words, b->seed + i);
	else
		h = jhash_bytes(value, map->value_size, b->seed + i);
	return h & b->mask;
}

/* Add value: 0, or -EINVAL for any flags but BPF_ANY. */
static long bloom_push(struct ubee_map *map, const void *value, uint64_t flags)
{
	struct bloom *b = map->priv;
	uint32_t i, h;

	if (flags != UBEE_ANY)
		return -EINVAL;
	for (i = 0; i < b->nr_hashes; i++) {
		h = bloom_bit(map, b, value, i);
		__atomic_fetch_or(&b->bits[h / 64], 1ull << (h % 64),
				  __ATOMIC_RELAXED);
	}
	return 0;
}

/* 0 when value may have been pushed, -ENOENT when it surely was not. */
static long bloom_peek(struct ubee_map *map, void *value)
{
	struct bloom *b = map->priv;
	uint32_t i, h;

	for (i = 0; i < b->nr_hashes; i++) {
		h = bloom_bit(map, b, value, i);
		if (!(__atomic_load_n(&b->bits[h / 64], __ATOMIC_RELAXED) &
		      1ull << (h % 64)))
			return -ENOENT;
	}
	return 0;
}

/* bpf() on a bloom filter: lookup tests value, update pushes it. */
static int bloom_sys_lookup(struct ubee_map *map, const void *key,
			    void *value)
{
	return (int)bloom_peek(map, value);
}

static int bloom_sys_update(struct ubee_map *map, const void *key,
			    const void *value, uint64_t flags)
{
	return (int)bloom_push(map, value, flags);
}

/* What the kernel answers for keyed operations on this map. */
static long bloom_update(struct ubee_map *map, const void *key,
			 const void *value, uint64_t flags)
{
	return -EINVAL;
}

static long bloom_delete(struct ubee_map *map, const void *key)
{
	return -EOPNOTSUPP;
}

static int bloom_get_next_key(struct ubee_map *map, const void *key,
			      void *next_key)
{
	return -EOPNOTSUPP;
}

const struct ubee_map_ops ubee_bloom_ops = {
	.check = bloom_check,
	.fini = bloom_fini,
	.shm_size = bloom_shm_size,
	.shm_attach = bloom_shm_attach,
	.update = bloom_update,
	.delete = bloom_delete,
	.push = bloom_push,
	.peek = bloom_peek,
	.sys_lookup = bloom_sys_lookup,
	.sys_update = bloom_sys_update,
	.get_next_key = bloom_get_next_key,
};
