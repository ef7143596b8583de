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
#include "ubee/pin.h"
#include "util/util.h"

struct elem {
	uint32_t next;   /* bucket chain or free list: index + 1; 0 ends */
	uint32_t hash;   /* of the key (atomic: the LRU clock reads it) */
	uint32_t owner;  /* pid of a process holding it off every list, or 0 */
	uint8_t linked;  /* 1 while in a bucket (atomic) */
	uint8_t ref;     /* LRU: used since the clock last passed (atomic) */
	uint8_t pad[2];
	/* key, rounded up to 8, then the value unless per-CPU */
};
_Static_assert(sizeof(struct elem) == 16, "element header keeps keys 8-aligned");

struct bucket {
	uint32_t lock;   /* ubee_rlock */
	uint32_t head;   /* index + 1; 0: empty */
};

/* A cache line each, so that shards used by different CPUs don't share
 * one (they sit 64-aligned in the region). */
struct freelist {
	uint32_t lock;
	uint32_t head; /* index + 1; 0: empty */
	char pad[56];
};

/* What processes share besides buckets and elements: region offset 0. */
struct hash_shm {
	uint32_t seed;
	uint32_t hand;           /* LRU clock hand: under free[0].lock */
	char pad[56];
};

struct htab {
	struct hash_shm *s;
	char *elems;
	char *pcpu;              /* per-CPU values, or NULL */
	struct bucket *buckets;
	struct freelist *free;   /* [nr_free] */
	uint32_t *dirty;         /* the map header's, or NULL (unshared) */
	void *base;              /* hash of maps: the allocation */
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
	uint32_t seed;           /* s->seed (never changes) */
	uint8_t percpu, lru, ptrs;
};

/* Offsets of the parts of a region, each 64-aligned. */
struct hash_layout {
	uint64_t buckets, free, elems, pcpu, size;
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

/* Take a lock of h; a dead holder taken over leaves the map to repair. */
static inline __attribute__((always_inline)) void hlock(const struct htab *h,
							uint32_t *lock)
{
	if (UBEE_UNLIKELY(ubee_rlock(lock)) && h->dirty)
		__atomic_store_n(h->dirty, 1, __ATOMIC_RELEASE);
}

static void free_push(struct htab *h, uint32_t idx)
{
	struct freelist *fl = &h->free[h->nr_free > 1 ? ubee_map_cpu() % h->nr_free : 0];
	struct elem *e = elem_at(h, idx);

	hlock(h, &fl->lock);
	e->next = fl->head;
	__atomic_store_n(&fl->head, idx, __ATOMIC_RELEASE);
	__atomic_store_n(&e->owner, 0, __ATOMIC_RELAXED);
	ubee_runlock(&fl->lock);
}

/* Pop under fl's lock; the element is marked ours until linked or pushed. */
static uint32_t free_pop_one(struct htab *h, struct freelist *fl)
{
	uint32_t idx;

	hlock(h, &fl->lock);
	idx = fl->head;
	if (idx) {
		__atomic_store_n(&elem_at(h, idx)->owner, ubee_lock_self(),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&fl->head, elem_at(h, idx)->next,
				 __ATOMIC_RELEASE);
	}
	ubee_runlock(&fl->lock);
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

static uint64_t align64(uint64_t n)
{
	return (n + 63) & ~63ull;
}

/* The region's layout for map's geometry (and this host's CPUs). */
static struct hash_layout hash_layout_of(const struct ubee_map *map)
{
	int percpu = type_percpu(map->type), ptrs = map->type == UBEE_MAP_HASH_OF_MAPS;
	uint32_t stride = ptrs ? sizeof(void *) : ubee_map_percpu_stride(map);
	uint64_t val_off = sizeof(struct elem) + ((map->key_size + 7) & ~7u);
	uint64_t elem_size = val_off + (percpu ? 0 : stride);
	uint64_t nr_free = type_lru(map->type) ? 1 : ubee_map_nr_cpus();
	uint64_t nb = round_pow2(map->max_entries);
	struct hash_layout l;

	l.buckets = align64(sizeof(struct hash_shm));
	l.free = align64(l.buckets + nb * sizeof(struct bucket));
	l.elems = align64(l.free + nr_free * sizeof(struct freelist));
	l.pcpu = align64(l.elems + (uint64_t)map->max_entries * elem_size);
	l.size = l.pcpu;
	if (percpu)
		l.size += align64((uint64_t)map->max_entries * stride) *
			  ubee_map_nr_cpus();
	return l;
}

static uint64_t hash_shm_size(const struct ubee_map *map)
{
	return hash_layout_of(map).size;
}

/* Every index in a region from a file must name an element. */
static int hash_check_indices(const struct htab *h, struct ubee_log *log)
{
	uint32_t i;

	for (i = 0; i <= h->mask; i++)
		if (h->buckets[i].head > h->nr_elems) {
			ubee_logf(log, "hash: bucket %u heads element %u of %u",
				  i, h->buckets[i].head, h->nr_elems);
			return -EINVAL;
		}
	for (i = 0; i < h->nr_free; i++)
		if (h->free[i].head > h->nr_elems) {
			ubee_logf(log, "hash: free list %u heads element %u of %u",
				  i, h->free[i].head, h->nr_elems);
			return -EINVAL;
		}
	for (i = 1; i <= h->nr_elems; i++)
		if (elem_at(h, i)->next > h->nr_elems) {
			ubee_logf(log, "hash: element %u links to %u of %u", i,
				  elem_at(h, i)->next, h->nr_elems);
			return -EINVAL;
		}
	if (h->s->hand >= h->nr_elems) {
		ubee_logf(log, "hash: LRU hand %u past %u elements", h->s->hand,
			  h->nr_elems);
		return -EINVAL;
	}
	return 0;
}

/*
 * The view of a region at mem: fresh zeroed memory gets a seed and every
 * element on a free list; a file's region gets its indices checked.
 */
static int hash_view(struct ubee_map *map, void *mem, int fresh,
		     struct ubee_log *log)
{
	static uint32_t seeds;
	struct hash_layout l = hash_layout_of(map);
	struct htab *h = ubee_calloc(1, sizeof(*h));
	char *base = mem;
	uint32_t i;
	int err;

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
	h->s = mem;
	h->buckets = (struct bucket *)(base + l.buckets);
	h->free = (struct freelist *)(base + l.free);
	h->elems = base + l.elems;
	if (h->percpu) {
		h->pcpu = base + l.pcpu;
		h->cpu_stride = align64((uint64_t)h->nr_elems * h->stride);
	}
	h->dirty = ubee_map_dirty_word(map);
	if (fresh) {
		if (!(map->map_flags & UBEE_F_ZERO_SEED))
			h->s->seed = (__atomic_add_fetch(&seeds, 1, __ATOMIC_RELAXED) *
				      0x9e3779b9u) ^ (uint32_t)(uintptr_t)h ^
				     ubee_lock_self() * 0x85ebca6bu;
		/* Shards get every nr_free-th element; each pops in index order. */
		for (i = h->nr_elems; i >= 1; i--) {
			struct freelist *fl = &h->free[(i - 1) % h->nr_free];

			elem_at(h, i)->next = fl->head;
			fl->head = i;
		}
	} else {
		err = hash_check_indices(h, log);
		if (err) {
			ubee_free(h);
			return err;
		}
	}
	h->seed = h->s->seed;
	map->priv = h;
	return 0;
}

static int hash_shm_attach(struct ubee_map *map, void *mem, int fresh,
			   struct ubee_log *log)
{
	return hash_view(map, mem, fresh, log);
}

/* Hash of maps (pointers: never shared): the same layout, malloc'd. */
static int hash_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	struct hash_layout l = hash_layout_of(map);
	void *mem;
	int err;

	if (l.size > SIZE_MAX - 64)
		return -ENOMEM;
	mem = ubee_calloc(1, (size_t)l.size + 64);
	if (!mem)
		return -ENOMEM;
	err = hash_view(map, (void *)(((uintptr_t)mem + 63) & ~(uintptr_t)63), 1,
			NULL);
	if (err) {
		ubee_free(mem);
		return err;
	}
	((struct htab *)map->priv)->base = mem;
	return 0;
}

static void hash_free(struct htab *h)
{
	if (!h)
		return;
	ubee_free(h->base);
	ubee_free(h);
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
	__atomic_store_n(&b->head, idx, __ATOMIC_RELEASE);
	__atomic_store_n(&e->linked, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->owner, 0, __ATOMIC_RELAXED);
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

	hlock(h, &b->lock);
	for (l = &b->head; (cur = *l); l = &elem_at(h, cur)->next) {
		if (cur == idx) {
			__atomic_store_n(&e->owner, ubee_lock_self(),
					 __ATOMIC_RELAXED);
			unlink_elem(l, e);
			found = 1;
			break;
		}
	}
	ubee_runlock(&b->lock);
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

		i = free_pop_one(h, fl);
		if (i)
			return i;
		hlock(h, &fl->lock);
		for (n = 0; n < 2 * h->nr_elems && !victim; n++) {
			struct elem *e;

			i = h->s->hand + 1;
			h->s->hand = i == h->nr_elems ? 0 : i;
			e = elem_at(h, i);
			if (!__atomic_load_n(&e->linked, __ATOMIC_RELAXED))
				continue;
			if (__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
				__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
			else
				victim = i;
		}
		ubee_runlock(&fl->lock);
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
	int err, repaired = 0;

	if ((flags & ~(uint64_t)UBEE_F_LOCK) > UBEE_EXIST ||
	    (flags & UBEE_F_LOCK))
		return -EINVAL; /* no bpf_spin_lock in ubee values */
again:
	hlock(h, &b->lock);
	old = find(h, b, key, hash, NULL);
	err = check_flags(old, flags);
	if (err || old) {
		if (old && !err) {
			write_value(h, old, value, all, 0);
			if (h->lru)
				touch(elem_at(h, old));
		}
		ubee_runlock(&b->lock);
		return err;
	}
	if (!h->lru) {
		idx = free_pop(h);
		if (idx) {
			init_elem(h, idx, key, hash);
			write_value(h, idx, value, all, 1);
			link_elem(b, elem_at(h, idx), idx);
		}
		ubee_runlock(&b->lock);
		/* Full, but a dead process may have lost elements: find them. */
		if (!idx && !repaired && h->dirty &&
		    __atomic_load_n(h->dirty, __ATOMIC_ACQUIRE)) {
			repaired = 1;
			ubee_map_repair(map, NULL);
			goto again;
		}
		return idx ? 0 : -E2BIG;
	}
	ubee_runlock(&b->lock);
	idx = lru_pop(h);
	init_elem(h, idx, key, hash);
	write_value(h, idx, value, all, 1);
	hlock(h, &b->lock);
	old = find(h, b, key, hash, NULL);
	if (!old) {
		link_elem(b, elem_at(h, idx), idx);
		ubee_runlock(&b->lock);
		return 0;
	}
	/* Someone inserted key meanwhile: as if they had been first. */
	err = check_flags(old, flags);
	if (!err) {
		write_value(h, old, value, all, 0);
		touch(elem_at(h, old));
	}
	ubee_runlock(&b->lock);
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

	hlock(h, &b->lock);
	idx = find(h, b, key, hash, &link);
	if (idx) {
		/* Freed under the bucket lock: a repair holding every lock
		 * never sees it off both lists while we are alive. */
		unlink_elem(link, elem_at(h, idx));
		free_push(h, idx);
	}
	ubee_runlock(&b->lock);
	return idx ? 0 : -ENOENT;
}

/* A program's lookup: the value (its CPU's), marked used for LRU. */
static void *lookup_cpu(struct ubee_map *map, const void *key, uint32_t cpu,
			int mark)
{
	struct htab *h = map->priv;
	uint32_t hash = hash_key(key, h->key_size, h->seed), idx;
	struct bucket *b = bucket_of(h, hash);
	void *v = NULL;

	hlock(h, &b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx) {
		v = value_of(h, idx, cpu);
		if (mark)
			touch(elem_at(h, idx));
	}
	ubee_runlock(&b->lock);
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

	hlock(h, &b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx && !h->percpu)
		memcpy(value, value_of(h, idx, 0), h->value_size);
	for (c = 0; idx && h->percpu && c < h->nr_cpus; c++)
		memcpy((char *)value + (size_t)c * h->stride,
		       value_of(h, idx, c), h->stride);
	ubee_runlock(&b->lock);
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
		hlock(h, &b->lock);
		idx = b->head;
		if (idx)
			memcpy(next_key, key_of(elem_at(h, idx)), h->key_size);
		ubee_runlock(&b->lock);
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
	hlock(h, &b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx) {
		next = elem_at(h, idx)->next;
		if (next)
			memcpy(next_key, key_of(elem_at(h, next)), h->key_size);
	}
	ubee_runlock(&b->lock);
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
			hlock(h, &b->lock);
			for (idx = b->head, k = 0; idx && k < skip; k++)
				idx = elem_at(h, idx)->next;
			for (n = 0; idx && n < FOR_EACH_CHUNK; n++) {
				got[n] = idx;
				idx = elem_at(h, idx)->next;
			}
			ubee_runlock(&b->lock);
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

/* ---- repair --------------------------------------------------------------- */

/*
 * Walk the list starting at *link, marking its elements in seen; an index
 * out of range or already seen (a cycle, or an element on two lists)
 * ends the list there. linked is what each element's flag must say.
 */
static void walk_list(const struct htab *h, uint32_t *link, uint8_t *seen,
		      int linked, uint32_t bucket)
{
	uint32_t idx;

	while ((idx = *link)) {
		struct elem *e;

		if (idx > h->nr_elems || seen[(idx - 1) / 8] & (1u << ((idx - 1) % 8)) ||
		    (linked && (e = elem_at(h, idx), (e->hash & h->mask) != bucket))) {
			*link = 0;
			return;
		}
		e = elem_at(h, idx);
		seen[(idx - 1) / 8] |= (uint8_t)(1u << ((idx - 1) % 8));
		e->linked = (uint8_t)linked;
		if (linked)
			e->owner = 0;
		link = &e->next;
	}
}

/*
 * After a process died holding a lock (the map's dirty flag, or a lock
 * word naming a dead process): with every bucket lock and then every
 * free-list lock held (taking over dead holders), chains and free lists
 * are walked, and each element on neither that no live process holds
 * (its owner field) goes back to a free list. Chains are always well
 * formed (every change is one store of a valid index), so only elements
 * taken off a list by the dead process are lost; the walk also cuts
 * lists at bad indices, which only a damaged file can hold. Work:
 * O(buckets + max_entries), with the whole map locked.
 */
static int hash_repair(struct ubee_map *map, struct ubee_log *log)
{
	struct htab *h = map->priv;
	uint32_t i, self = ubee_lock_self(), dead = 0;
	uint8_t *seen;

	for (i = 0; i <= h->mask; i++)
		dead += (uint32_t)ubee_rlock_steal_dead(&h->buckets[i].lock);
	for (i = 0; i < h->nr_free; i++)
		dead += (uint32_t)ubee_rlock_steal_dead(&h->free[i].lock);
	/* Stolen locks are ours now: release them, then lock everything. */
	for (i = 0; dead && i <= h->mask; i++)
		if (__atomic_load_n(&h->buckets[i].lock, __ATOMIC_RELAXED) == self)
			ubee_runlock(&h->buckets[i].lock);
	for (i = 0; dead && i < h->nr_free; i++)
		if (__atomic_load_n(&h->free[i].lock, __ATOMIC_RELAXED) == self)
			ubee_runlock(&h->free[i].lock);
	if (!dead && !ubee_map_dirty(map))
		return 0;
	seen = ubee_calloc(1, (h->nr_elems + 7) / 8);
	if (!seen) {
		ubee_logf(log, "hash: no memory to repair the map");
		return -ENOMEM;
	}
	for (i = 0; i <= h->mask; i++)
		ubee_rlock(&h->buckets[i].lock);
	for (i = 0; i < h->nr_free; i++)
		ubee_rlock(&h->free[i].lock);
	for (i = 0; i <= h->mask; i++)
		walk_list(h, &h->buckets[i].head, seen, 1, i);
	for (i = 0; i < h->nr_free; i++)
		walk_list(h, &h->free[i].head, seen, 0, 0);
	if (h->s->hand >= h->nr_elems)
		h->s->hand = 0;
	for (i = 1; i <= h->nr_elems; i++) {
		struct elem *e = elem_at(h, i);
		struct freelist *fl = &h->free[(i - 1) % h->nr_free];

		if (seen[(i - 1) / 8] & (1u << ((i - 1) % 8)))
			continue;
		if (e->owner && e->owner != self && ubee_pid_alive(e->owner))
			continue;
		e->linked = 0;
		e->owner = 0;
		e->next = fl->head;
		fl->head = i;
	}
	for (i = 0; i < h->nr_free; i++)
		ubee_runlock(&h->free[i].lock);
	for (i = 0; i <= h->mask; i++)
		ubee_runlock(&h->buckets[i].lock);
	ubee_free(seen);
	return 0;
}

/*
 * The four flavours share their operations: LRU behaviour and per-CPU
 * values are decided by the map type in hash_init (h->lru, h->percpu);
 * per-CPU maps add the per-CPU lookup and the all-CPU user update.
 */
#define HASH_OPS                                                              \
	.check = hash_check, .fini = hash_fini,                               \
	.shm_size = hash_shm_size, .shm_attach = hash_shm_attach,             \
	.repair = hash_repair,                                                \
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

	hlock(h, &b->lock);
	idx = find(h, b, key, hash, NULL);
	if (idx)
		inner = *inner_slot(h, idx);
	ubee_runlock(&b->lock);
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
	hlock(h, &b->lock);
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
	ubee_runlock(&b->lock);
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
