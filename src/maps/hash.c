// SPDX-License-Identifier: MIT
/*
 * Hash maps: hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps.
 *
 * Storage, all allocated at creation (BPF_F_NO_PREALLOC is accepted and
 * changes nothing) and addressed by element index, never by pointer:
 *  - elems: max_entries elements of elem_size bytes:
 *	struct elem (16) | key, rounded up to 8 | value, stride bytes
 *    (per-CPU maps keep values apart, see pcpu; maps of maps store an
 *    inner map pointer as the value);
 *  - buckets: a power of two >= max_entries of {lock, head}; chains link
 *    elements by index + 1 (0 ends a chain), so zeroed memory is empty;
 *  - free lists: elements not in a bucket, one list per CPU (up to
 *    nr_cpus shards, each with its own lock; a pop that finds its shard
 *    empty takes from the others), one list for LRU maps;
 *  - pcpu: per-CPU values, one block per CPU (64-aligned) of
 *    max_entries * stride bytes: value of element i on cpu c at
 *    pcpu + c * cpu_stride + i * stride.
 *
 * Concurrency: every access to a chain holds its bucket's spin lock
 * (lookups too, briefly: no chain is walked while it changes). Lock order
 * is bucket, then free list; LRU eviction takes the free-list lock alone,
 * picks a victim, drops it, then takes the victim's bucket lock. A
 * program keeps the value pointer its lookup returned after the lock is
 * dropped: that memory stays valid for the map's lifetime, but if the key
 * is deleted the element may be reused for another key (the kernel's
 * preallocated hash maps behave the same). Updates of an existing key copy
 * the value in place, so atomic adds through a looked-up pointer are never
 * lost to an update of another key.
 *
 * LRU: eviction is the clock algorithm, the same approximation of "least
 * recently used" as the kernel's reference bits: a program's lookup or an
 * update sets the element's ref bit; when no element is free, the clock
 * hand sweeps the elements, clearing set ref bits and evicting the first
 * element whose bit is clear. An update into a full LRU map therefore
 * succeeds, evicting; it never gives -E2BIG. BPF_F_NO_COMMON_LRU (the
 * kernel's per-CPU LRU lists) is accepted and uses the one common clock.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

struct elem {
	uint32_t next;   /* bucket chain or free list: index + 1; 0 ends */
	uint32_t hash;   /* of the key (atomic: the LRU clock reads it) */
	uint8_t linked;  /* 1 while in a bucket (atomic) */
	uint8_t ref;     /* LRU: used since the clock last passed (atomic) */
	uint8_t pad[6];
	/* key, rounded up to 8, then the value unless per-CPU */
};
_Static_assert(sizeof(struct elem) == 16, "element header keeps keys 8-aligned");

struct bucket {
	uint32_t lock;
	uint32_t head; /* index + 1; 0: empty */
};

/* Padded to a cache line so that shards used by different CPUs don't
 * share one (calloc aligns to 16 only, hence padding, not alignment). */
struct freelist {
	uint32_t lock;
	uint32_t head; /* index + 1; 0: empty */
	char pad[56];
};

struct htab {
	char *elems;
	char *pcpu;              /* per-CPU values, or NULL */
	struct bucket *buckets;
	struct freelist *free;   /* [nr_free] */
	uint64_t cpu_stride;
	uint32_t elem_size;
	uint32_t val_off;        /* value offset in an element */
	uint32_t stride;         /* value stride */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t mask;           /* buckets - 1 */
	uint32_t nr_elems;
	uint32_t nr_free;
	uint32_t nr_cpus;
	uint32_t seed;
	uint32_t hand;           /* LRU clock hand: under free[0].lock */
	uint8_t percpu, lru, ptrs;
};

/* ---- creation ---------------------------------------------------------- */

#define HASH_FLAGS                                                            \
	(UBEE_F_NO_PREALLOC | UBEE_F_NO_COMMON_LRU | UBEE_F_NUMA_NODE |       \
	 UBEE_F_ACCESS_MASK | UBEE_F_ZERO_SEED)
/* The kernel refuses more buckets than U32_MAX / sizeof(its bucket). */
#define HASH_MAX_BUCKETS (UINT32_MAX / 16)
/* Key and value must fit in a kernel element with its 48-byte header. */
#define HASH_MAX_KV (UBEE_MAP_MAX_ALLOC - 48)

static int type_percpu(uint32_t t)
{
	return t == UBEE_MAP_PERCPU_HASH || t == UBEE_MAP_LRU_PERCPU_HASH;
}

static int type_lru(uint32_t t)
{
	return t == UBEE_MAP_LRU_HASH || t == UBEE_MAP_LRU_PERCPU_HASH;
}

static uint64_t round_pow2(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* The kernel's htab_map_alloc_check and htab_map_alloc checks, in order. */
static int hash_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	int percpu = type_percpu(spec->type), lru = type_lru(spec->type);
	uint32_t f = spec->map_flags;

	if ((f & ~HASH_FLAGS) || !ubee_map_flags_access_ok(f) ||
	    (!lru && (f & UBEE_F_NO_COMMON_LRU))) {
		ubee_logf(log, "hash: invalid map_flags 0x%x", f);
		return -EINVAL;
	}
	if (lru && (f & UBEE_F_NO_PREALLOC)) {
		ubee_logf(log, "hash: LRU maps are always preallocated");
		return -UBEE_ENOTSUPP;
	}
	if ((f & UBEE_F_NUMA_NODE) && (percpu || (f & UBEE_F_NO_COMMON_LRU))) {
		ubee_logf(log, "hash: numa_node with per-CPU data");
		return -EINVAL;
	}
	if (!spec->max_entries || !spec->key_size || !spec->value_size) {
		ubee_logf(log, "hash: key_size, value_size and max_entries must be non-zero");
		return -EINVAL;
	}
	if ((uint64_t)spec->key_size + spec->value_size >= HASH_MAX_KV ||
	    (percpu && ((spec->value_size + 7) & ~7u) > UBEE_MAP_MAX_PERCPU_VALUE) ||
	    round_pow2(spec->max_entries) > HASH_MAX_BUCKETS) {
		ubee_logf(log, "hash: key_size %u, value_size %u or max_entries %u too large",
			  spec->key_size, spec->value_size, spec->max_entries);
		return -E2BIG;
	}
	return 0;
}

static int hash_of_maps_check(const struct ubee_map_spec *spec,
			      struct ubee_log *log)
{
	int err;

	if (spec->value_size != 4) {
		ubee_logf(log, "hash_of_maps: value_size must be 4");
		return -EINVAL;
	}
	err = hash_check(spec, log);
	if (err)
		return err;
	if (!spec->inner) {
		ubee_logf(log, "hash_of_maps: needs an inner map");
		return -EINVAL;
	}
	if (spec->inner->inner_meta || spec->inner->ops->get_ptr) {
		ubee_logf(log, "hash_of_maps: inner map of type %s not supported",
			  ubee_map_type_name(spec->inner->type));
		return -EINVAL;
	}
	return 0;
}

static struct elem *elem_at(const struct htab *h, uint32_t idx)
{
	return (struct elem *)(h->elems + (size_t)(idx - 1) * h->elem_size);
}

static void free_push(struct htab *h, uint32_t idx)
{
	struct freelist *fl = &h->free[h->nr_free > 1 ? ubee_map_cpu() % h->nr_free : 0];

	ubee_spin_lock(&fl->lock);
	elem_at(h, idx)->next = fl->head;
	fl->head = idx;
	ubee_spin_unlock(&fl->lock);
}

static uint32_t free_pop_one(struct htab *h, struct freelist *fl)
{
	uint32_t idx;

	ubee_spin_lock(&fl->lock);
	idx = fl->head;
	if (idx)
		fl->head = elem_at(h, idx)->next;
	ubee_spin_unlock(&fl->lock);
	return idx;
}

/* An element off the free lists (this CPU's first), or 0 when none. */
static uint32_t free_pop(struct htab *h)
{
	uint32_t start = h->nr_free > 1 ? ubee_map_cpu() % h->nr_free : 0;
	uint32_t i, s, idx;

	for (i = 0, s = start; i < h->nr_free; i++) {
		idx = free_pop_one(h, &h->free[s]);
		if (idx)
			return idx;
		s = s + 1 == h->nr_free ? 0 : s + 1;
	}
	return 0;
}

static void hash_free(struct htab *h)
{
	if (!h)
		return;
	ubee_free(h->pcpu);
	ubee_free(h->free);
	ubee_free(h->elems);
	ubee_free(h->buckets);
	ubee_free(h);
}

static int hash_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	static uint32_t seeds;
	struct htab *h = ubee_calloc(1, sizeof(*h));
	uint64_t block;
	uint32_t i;

	if (!h)
		return -ENOMEM;
	h->percpu = (uint8_t)type_percpu(map->type);
	h->lru = (uint8_t)type_lru(map->type);
	h->ptrs = map->type == UBEE_MAP_HASH_OF_MAPS;
	h->key_size = map->key_size;
	h->value_size = map->value_size;
	h->stride = h->ptrs ? sizeof(void *) : ubee_map_percpu_stride(map);
	h->val_off = sizeof(struct elem) + ((map->key_size + 7) & ~7u);
	h->elem_size = h->val_off + (h->percpu ? 0 : h->stride);
	h->nr_elems = map->max_entries;
	h->mask = (uint32_t)round_pow2(map->max_entries) - 1;
	h->nr_cpus = ubee_map_nr_cpus();
	h->nr_free = h->lru ? 1 : h->nr_cpus;
	if (!(map->map_flags & UBEE_F_ZERO_SEED))
		h->seed = (__atomic_add_fetch(&seeds, 1, __ATOMIC_RELAXED) *
			   0x9e3779b9u) ^ (uint32_t)(uintptr_t)h;
	h->buckets = ubee_calloc((size_t)h->mask + 1, sizeof(*h->buckets));
	h->elems = ubee_calloc(h->nr_elems, h->elem_size);
	h->free = ubee_calloc(h->nr_free, sizeof(*h->free));
	if (!h->buckets || !h->elems || !h->free)
		goto nomem;
	if (h->percpu) {
		block = (uint64_t)h->nr_elems * h->stride;
		h->cpu_stride = (block + 63) & ~63ull;
		if (h->cpu_stride > SIZE_MAX / h->nr_cpus)
			goto nomem;
		h->pcpu = ubee_calloc(h->nr_cpus, (size_t)h->cpu_stride);
		if (!h->pcpu)
			goto nomem;
	}
	/* Shards get every nr_free-th element; each pops in index order. */
	for (i = h->nr_elems; i >= 1; i--) {
		struct freelist *fl = &h->free[(i - 1) % h->nr_free];

		elem_at(h, i)->next = fl->head;
		fl->head = i;
	}
	map->priv = h;
	return 0;
nomem:
	hash_free(h);
	return -ENOMEM;
}

/* ---- elements ----------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/*
 * The last n (1-7) bytes of a key as memcpy(&v, p, n) into a zeroed u64
 * gives them. On little-endian hosts it is put together from 4-, 2- and
 * 1-byte loads: a variable-size memcpy compiles to byte stores that the
 * 8-byte load after them must wait for (no store forwarding), which was
 * a third of a 4-byte-key lookup.
 */
static uint64_t key_tail(const unsigned char *p, uint32_t n)
{
	uint64_t v = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t w4, off = 0;
	uint16_t w2;

	if (n & 4) {
		memcpy(&w4, p, 4);
		v = w4;
		off = 4;
	}
	if (n & 2) {
		memcpy(&w2, p + off, 2);
		v |= (uint64_t)w2 << (8 * off);
		off += 2;
	}
	if (n & 1)
		v |= (uint64_t)p[off] << (8 * off);
#else
	memcpy(&v, p, n);
#endif
	return v;
}

/* A 32-bit hash of n key bytes: 8 at a time, the tail zero-padded. */
static uint32_t hash_key(const void *key, uint32_t n, uint32_t seed)
{
	const unsigned char *p = key;
	uint64_t h = seed ^ ((uint64_t)n << 32), v;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&v, p, 8);
		h = (h ^ mix64(v)) * 0x9e3779b97f4a7c15ull;
	}
	if (n)
		h = (h ^ mix64(key_tail(p, n))) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(mix64(h) >> 32);
}

/* Key equality; the common sizes inline instead of calling memcmp. */
static int key_eq(const void *a, const void *b, uint32_t n)
{
	uint64_t x8, y8;
	uint32_t x4, y4;

	if (n == 4) {
		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		return x4 == y4;
	}
	if (n == 8) {
		memcpy(&x8, a, 8);
		memcpy(&y8, b, 8);
		return x8 == y8;
	}
	return !memcmp(a, b, n);
}

static char *key_of(struct elem *e)
{
	return (char *)(e + 1);
}

/* The value of element idx: its cpu's for per-CPU maps. */
static void *value_of(const struct htab *h, uint32_t idx, uint32_t cpu)
{
	if (h->percpu)
		return h->pcpu + cpu * h->cpu_stride +
		       (uint64_t)(idx - 1) * h->stride;
	return (char *)elem_at(h, idx) + h->val_off;
}

static struct bucket *bucket_of(const struct htab *h, uint32_t hash)
{
	return &h->buckets[hash & h->mask];
}

/*
 * The element holding key in bucket b (locked), or 0. *link gets the
 * chain link pointing to it, for unlinking.
 */
static uint32_t find(const struct htab *h, struct bucket *b, const void *key,
		     uint32_t hash, uint32_t **link)
{
	uint32_t *l = &b->head, idx;

	while ((idx = *l)) {
		struct elem *e = elem_at(h, idx);

		if (e->hash == hash && key_eq(key_of(e), key, h->key_size)) {
			if (link)
				*link = l;
			return idx;
		}
		l = &e->next;
	}
	return 0;
}

/* Chain links are stored atomically: first_from peeks at heads unlocked. */
static void link_elem(struct bucket *b, struct elem *e, uint32_t idx)
{
	e->next = b->head;
	__atomic_store_n(&b->head, idx, __ATOMIC_RELAXED);
	__atomic_store_n(&e->linked, 1, __ATOMIC_RELAXED);
}

static void unlink_elem(uint32_t *link, struct elem *e)
{
	__atomic_store_n(link, e->next, __ATOMIC_RELAXED);
	__atomic_store_n(&e->linked, 0, __ATOMIC_RELAXED);
}

static void touch(struct elem *e)
{
	if (!__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
		__atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
}

/*
 * Write value into element idx. User space (all) gives every CPU's
 * value, stride bytes each; a program gives its CPU's, and a new per-CPU
 * element starts at zero on the other CPUs.
 */
static void write_value(const struct htab *h, uint32_t idx, const void *value,
			int all, int fresh)
{
	uint32_t me, c;

	if (!h->percpu) {
		memcpy(value_of(h, idx, 0), value, h->value_size);
		return;
	}
	if (all) {
		for (c = 0; c < h->nr_cpus; c++)
			memcpy(value_of(h, idx, c),
			       (const char *)value + (size_t)c * h->stride,
			       h->stride);
		return;
	}
	me = ubee_map_cpu();
	for (c = 0; fresh && c < h->nr_cpus; c++)
		memset(value_of(h, idx, c), 0, h->stride);
	memcpy(value_of(h, idx, me), value, h->value_size);
}

/* A popped element takes key and hash; its value padding is cleared. */
static struct elem *init_elem(const struct htab *h, uint32_t idx,
			      const void *key, uint32_t hash)
{
	struct elem *e = elem_at(h, idx);

	__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
	memcpy(key_of(e), key, h->key_size);
	if (!h->percpu && !h->ptrs)
		memset((char *)e + h->val_off, 0, h->stride);
	return e;
}

/* ---- LRU eviction -------------------------------------------------------- */

/*
 * Take victim idx out of its bucket: 1 when it was still there (the
 * caller now owns it), 0 when someone deleted or evicted it first.
 */
static int evict(struct htab *h, uint32_t idx)
{
	struct elem *e = elem_at(h, idx);
	struct bucket *b = bucket_of(h, __atomic_load_n(&e->hash, __ATOMIC_RELAXED));
	uint32_t *l, cur;
	int found = 0;

	ubee_spin_lock(&b->lock);
	for (l = &b->head; (cur = *l); l = &elem_at(h, cur)->next) {
		if (cur == idx) {
			unlink_elem(l, e);
			found = 1;
			break;
		}
	}
	ubee_spin_unlock(&b->lock);
	return found;
}

/*
 * A free element for an LRU map, evicting when none is free. The clock
 * runs under the free-list lock (two sweeps clear every ref bit); the
 * eviction itself takes the victim's bucket lock after dropping it.
 * Work: O(max_entries) per attempt; retries only when racing updates
 * hold every element, yielding between attempts.
 */
static uint32_t lru_pop(struct htab *h)
{
	struct freelist *fl = &h->free[0];

	for (;;) {
		uint32_t victim = 0, n, i;

		ubee_spin_lock(&fl->lock);
		i = fl->head;
		if (i) {
			fl->head = elem_at(h, i)->next;
			ubee_spin_unlock(&fl->lock);
			return i;
		}
		for (n = 0; n < 2 * h->nr_elems && !victim; n++) {
			struct elem *e;

			i = h->hand + 1;
			h->hand = i == h->nr_elems ? 0 : i;
			e = elem_at(h, i);
			if (!__atomic_load_n(&e->linked, __ATOMIC_RELAXED))
				continue;
			if (__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
				__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
			else
				victim = i;
		}
		ubee_spin_unlock(&fl->lock);
		if (victim && evict(h, victim))
			return victim;
		if (!victim)
			sched_yield();
	}
}

/* ---- operations ----------------------------------------------------------- */

/* The kernel's check_flags: BPF_NOEXIST needs no element, BPF_EXIST one. */
static int check_flags(uint32_t idx, uint64_t flags)
{
	if (idx && flags == UBEE_NOEXIST)
		return -EEXIST;
	if (!idx && flags == UBEE_EXIST)
		return -ENOENT;
	return 0;
}

/*
 * Insert or replace key. A plain hash map takes a free element under the
 * bucket lock (-E2BIG when none); an LRU map drops the lock to get one
 * (evicting may need another bucket's lock), then looks again.
 */
static int do_update(struct ubee_map *map, const void *key, const void *value,
		     uint64_t flags, int all)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx, old;
	struct bucket *b = bucket_of(h, hash);
	int err;

	if ((flags & ~(uint64_t)UBEE_F_LOCK) > UBEE_EXIST ||
	    (flags & UBEE_F_LOCK))
		return -EINVAL; /* no bpf_spin_lock in ubee values */
	ubee_spin_lock(&b->lock);
	old = find(h, b, key, hash, NULL);
	err = check_flags(old, flags);
	if (err || old) {
		if (old && !err) {
			write_value(h, old, value, all, 0);
			if (h->lru)
				touch(elem_at(h, old));
		}
		ubee_spin_unlock(&b->lock);
		return err;
	}
	if (!h->lru) {
		idx = free_pop(h);
		if (idx) {
			init_elem(h, idx, key, hash);
			write_value(h, idx, value, all, 1);
			link_elem(b, elem_at(h, idx), idx);
		}
		ubee_spin_unlock(&b->lock);
		return idx ? 0 : -E2BIG;
	}
	ubee_spin_unlock(&b->lock);
	idx = lru_pop(h);
	init_elem(h, idx, key, hash);
	write_value(h, idx, value, all, 1);
	ubee_spin_lock(&b->lock);
	old = find(h, b, key, hash, NULL);
	if (!old) {
		link_elem(b, elem_at(h, idx), idx);
		ubee_spin_unlock(&b->lock);
		return 0;
	}
	/* Someone inserted key meanwhile: as if they had been first. */
	err = check_flags(old, flags);
	if (!err) {
		write_value(h, old, value, all, 0);
		touch(elem_at(h, old));
	}
	ubee_spin_unlock(&b->lock);
	free_push(h, idx);
	return err;
}

static long hash_update(struct ubee_map *map, const void *key,
			const void *value, uint64_t flags)
{
	return do_update(map, key, value, flags, 0);
}

static int hash_sys_update(struct ubee_map *map, const void *key,
			   const void *value, uint64_t flags)
{
	return do_update(map, key, value, flags, 1);
}

static long hash_delete(struct ubee_map *map, const void *key)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx, *link;
	struct bucket *b = bucket_of(h, hash);

	ubee_spin_lock(&b->lock);
	idx = find(h, b, key, hash, &link);
	if (idx)
		unlink_elem(link, elem_at(h, idx));
	ubee_spin_unlock(&b->lock);
	if (!idx)
		return -ENOENT;
	free_push(h, idx);
	return 0;
}

/* A program's lookup: the value (its CPU's), marked used for LRU. */
static void *lookup_cpu(struct ubee_map *map, const void *key, uint32_t cpu,
			int mark)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx;
	struct bucket *b = bucket_of(h, hash);
	void *v = NULL;

	ubee_spin_lock(&b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx) {
		v = value_of(h, idx, cpu);
		if (mark)
			touch(elem_at(h, idx));
	}
	ubee_spin_unlock(&b->lock);
	return v;
}

static void *hash_lookup(struct ubee_map *map, const void *key)
{
	struct htab *h = map->priv;

	return lookup_cpu(map, key, h->percpu ? ubee_map_cpu() : 0, h->lru);
}

static void *hash_lookup_percpu(struct ubee_map *map, const void *key,
				uint32_t cpu)
{
	struct htab *h = map->priv;

	if (cpu >= h->nr_cpus)
		return NULL;
	return lookup_cpu(map, key, cpu, h->lru);
}

/* User space: a copy taken under the bucket lock; LRU order untouched. */
static int hash_sys_lookup(struct ubee_map *map, const void *key, void *value)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx, c;
	struct bucket *b = bucket_of(h, hash);

	ubee_spin_lock(&b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx && !h->percpu)
		memcpy(value, value_of(h, idx, 0), h->value_size);
	for (c = 0; idx && h->percpu && c < h->nr_cpus; c++)
		memcpy((char *)value + (size_t)c * h->stride,
		       value_of(h, idx, c), h->stride);
	ubee_spin_unlock(&b->lock);
	return idx ? 0 : -ENOENT;
}

/* The first key of buckets i.. into next_key; -ENOENT past the last. */
static int first_from(struct htab *h, uint64_t i, void *next_key)
{
	for (; i <= h->mask; i++) {
		struct bucket *b = &h->buckets[i];
		uint32_t idx;

		if (!__atomic_load_n(&b->head, __ATOMIC_RELAXED))
			continue;
		ubee_spin_lock(&b->lock);
		idx = b->head;
		if (idx)
			memcpy(next_key, key_of(elem_at(h, idx)), h->key_size);
		ubee_spin_unlock(&b->lock);
		if (idx)
			return 0;
	}
	return -ENOENT;
}

/*
 * Iteration order is bucket by bucket, each chain in order. A key not in
 * the map restarts from the first key, as the kernel does.
 */
static int hash_get_next_key(struct ubee_map *map, const void *key,
			     void *next_key)
{
	struct htab *h = map->priv;
	uint32_t hash, idx, next = 0;
	struct bucket *b;

	if (!key)
		return first_from(h, 0, next_key);
	hash = hash_key(key, h->key_size, h->seed);
	b = bucket_of(h, hash);
	ubee_spin_lock(&b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx) {
		next = elem_at(h, idx)->next;
		if (next)
			memcpy(next_key, key_of(elem_at(h, next)), h->key_size);
	}
	ubee_spin_unlock(&b->lock);
	if (next)
		return 0;
	return first_from(h, idx ? (uint64_t)(hash & h->mask) + 1 : 0,
			  next_key);
}

/* Chains longer than this are visited a chunk at a time. */
#define FOR_EACH_CHUNK 32

/*
 * Calls fn(map, key, value) for each element until fn returns non-zero;
 * returns the number of calls. Each bucket's elements are collected under
 * its lock and visited without it, so fn may update or delete (even the
 * element it is given). Elements removed meanwhile by others are skipped.
 */
static long hash_for_each(struct ubee_map *map,
			  long (*fn)(struct ubee_map *map, void *key,
				     void *value, void *ctx),
			  void *ctx, uint64_t flags)
{
	struct htab *h = map->priv;
	uint32_t cpu = h->percpu ? ubee_map_cpu() : 0;
	uint32_t got[FOR_EACH_CHUNK];
	long calls = 0;

	if (flags)
		return -EINVAL;
	for (uint64_t i = 0; i <= h->mask; i++) {
		struct bucket *b = &h->buckets[i];
		uint32_t skip = 0, n, k, idx;

		do {
			ubee_spin_lock(&b->lock);
			for (idx = b->head, k = 0; idx && k < skip; k++)
				idx = elem_at(h, idx)->next;
			for (n = 0; idx && n < FOR_EACH_CHUNK; n++) {
				got[n] = idx;
				idx = elem_at(h, idx)->next;
			}
			ubee_spin_unlock(&b->lock);
			for (k = 0; k < n; k++) {
				struct elem *e = elem_at(h, got[k]);

				if (!__atomic_load_n(&e->linked, __ATOMIC_RELAXED))
					continue;
				calls++;
				if (fn(map, key_of(e), value_of(h, got[k], cpu),
				       ctx))
					return calls;
			}
			skip += n;
		} while (n == FOR_EACH_CHUNK);
	}
	return calls;
}

static void hash_fini(struct ubee_map *map)
{
	hash_free(map->priv);
}

/*
 * The four flavours share their operations: LRU behaviour and per-CPU
 * values are decided by the map type in hash_init (h->lru, h->percpu);
 * per-CPU maps add the per-CPU lookup and the all-CPU user update.
 */
#define HASH_OPS                                                              \
	.check = hash_check, .init = hash_init, .fini = hash_fini,            \
	.lookup = hash_lookup, .update = hash_update,                         \
	.delete = hash_delete, .for_each = hash_for_each,                     \
	.sys_lookup = hash_sys_lookup, .get_next_key = hash_get_next_key
#define PERCPU_HASH_OPS                                                       \
	HASH_OPS, .lookup_cpu = hash_lookup_percpu,                           \
	.sys_update = hash_sys_update

const struct ubee_map_ops ubee_hash_ops = { HASH_OPS };
const struct ubee_map_ops ubee_lru_hash_ops = { HASH_OPS };
const struct ubee_map_ops ubee_percpu_hash_ops = { PERCPU_HASH_OPS };
const struct ubee_map_ops ubee_lru_percpu_hash_ops = { PERCPU_HASH_OPS };

/* ---- hash of maps ------------------------------------------------------------ */

static struct ubee_map **inner_slot(const struct htab *h, uint32_t idx)
{
	return (struct ubee_map **)value_of(h, idx, 0);
}

/* The inner map of key, or NULL: what a program's lookup sees. */
static void *hash_of_maps_lookup(struct ubee_map *map, const void *key)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx;
	struct bucket *b = bucket_of(h, hash);
	struct ubee_map *inner = NULL;

	ubee_spin_lock(&b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx)
		inner = *inner_slot(h, idx);
	ubee_spin_unlock(&b->lock);
	return inner;
}

/* User space reads handles (map.h), which ubee does not have yet. */
static int hash_of_maps_sys_lookup(struct ubee_map *map, const void *key,
				   void *value)
{
	return -EOPNOTSUPP;
}

/*
 * Set key's inner map (referenced), or delete key when ptr is NULL. The
 * map it replaces is released after ubee_map_sync(): runs that looked it
 * up finish with it first. User space only (it may wait for runs).
 */
static int hash_of_maps_set_ptr(struct ubee_map *map, const void *key,
				void *ptr)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx, *link;
	struct bucket *b = bucket_of(h, hash);
	struct ubee_map *inner = ptr, *old = NULL;
	int err = 0;

	if (inner && ubee_map_meta_equal(map->inner_meta, inner))
		return -EINVAL;
	ubee_map_get(inner);
	ubee_spin_lock(&b->lock);
	idx = find(h, b, key, hash, &link);
	if (idx) {
		old = *inner_slot(h, idx);
		if (inner)
			__atomic_store_n(inner_slot(h, idx), inner, __ATOMIC_RELEASE);
		else
			unlink_elem(link, elem_at(h, idx));
	} else if (!inner) {
		err = -ENOENT;
	} else if ((idx = free_pop(h))) {
		init_elem(h, idx, key, hash);
		*inner_slot(h, idx) = inner;
		link_elem(b, elem_at(h, idx), idx);
	} else {
		err = -E2BIG;
	}
	ubee_spin_unlock(&b->lock);
	if (err)
		ubee_map_put(inner);
	if (old) {
		ubee_map_sync();
		ubee_map_put(old);
		if (!inner)
			free_push(h, idx);
	}
	return err;
}

static void hash_of_maps_fini(struct ubee_map *map)
{
	struct htab *h = map->priv;

	for (uint32_t i = 1; i <= h->nr_elems; i++)
		if (elem_at(h, i)->linked)
			ubee_map_put(*inner_slot(h, i));
	hash_free(h);
}

const struct ubee_map_ops ubee_hash_of_maps_ops = {
	.check = hash_of_maps_check,
	.init = hash_init,
	.fini = hash_of_maps_fini,
	.lookup = hash_of_maps_lookup,
	.sys_lookup = hash_of_maps_sys_lookup,
	.get_next_key = hash_get_next_key,
	.get_ptr = hash_of_maps_lookup,
	.set_ptr = hash_of_maps_set_ptr,
};
