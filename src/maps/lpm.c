// SPDX-License-Identifier: MIT
/*
 * Longest-prefix-match trie (BPF_MAP_TYPE_LPM_TRIE) with the kernel's
 * semantics. A key is { u32 prefixlen; u8 data[key_size - 4] }, data in
 * network order (bit 0 is the top bit of data[0]). Lookup returns the value
 * of the longest stored prefix that covers the key's first prefixlen bits;
 * update and delete work on exact (prefixlen, first prefixlen bits) pairs;
 * get_next_key walks the kernel's post order: within a node's subtree the
 * 0-branch, then the 1-branch, then the node, so longer (more specific)
 * prefixes come before the prefixes containing them. A key that is absent
 * restarts the walk at the first entry, as in the kernel.
 *
 * The trie is the kernel's shape: a path-compressed binary trie where each
 * node holds a prefix and child[b] continues with bit b at position
 * prefixlen. Nodes that only join two subtrees are "intermediate" (no
 * value, not an entry); every intermediate node has exactly two children,
 * so a trie of n entries has at most 2n - 1 nodes. A node keeps all data
 * bytes of the key that last wrote it (get_next_key returns them).
 *
 * Storage: nodes live in chunks of geometrically growing size (chunk c
 * holds LPM_CHUNK0 << c nodes) allocated on demand, addressed by 1-based
 * indices (0 = none); freed nodes go on a free list and are reused. A
 * chunk is never freed before the map, so a value pointer a program got
 * from lookup stays valid memory, though after a delete it may come to
 * hold another entry's value (as with the kernel's preallocated maps).
 * A reader-writer lock guards the trie: lookups share it, changes take it
 * alone (writers preferred). Updates of an existing entry write its value
 * in place, so a user-side copy racing with an update may see a mix of
 * the old and new value, as with the kernel's array maps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

#define LPM_DATA_MIN 1
#define LPM_DATA_MAX 256
/* The kernel's limit: KMALLOC_MAX_SIZE - LPM_DATA_MAX - its node header. */
#define LPM_VALUE_MAX (UBEE_MAP_MAX_ALLOC - LPM_DATA_MAX - 24)
#define LPM_MAX_DEPTH (LPM_DATA_MAX * 8 + 1)
#define LPM_CHUNK0 64u
#define LPM_CHUNKS 32
#define LPM_FLAGS (UBEE_F_NO_PREALLOC | UBEE_F_NUMA_NODE | UBEE_F_ACCESS_MASK)
#define LPM_IM 1u /* node flag: intermediate */

/* Node layout: this header, data[data_size], padding to 8, value. */
struct lpm_node {
	uint32_t child[2];
	uint32_t prefixlen;
	uint32_t flags;
	uint8_t data[];
};

struct lpm {
	pthread_rwlock_t lock;
	uint32_t root;
	uint32_t free;                   /* free list, linked by child[0] */
	uint32_t used;                   /* nodes ever handed out */
	uint32_t entries;                /* non-intermediate nodes */
	uint32_t data_size;
	uint32_t max_prefixlen;
	uint32_t value_off;              /* value offset in a node */
	size_t stride;                   /* node size */
	uint8_t *chunk[LPM_CHUNKS];
};

static int lpm_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	uint32_t f = spec->map_flags;

	if (spec->max_entries == 0 || spec->map_extra ||
	    !(f & UBEE_F_NO_PREALLOC) || (f & ~LPM_FLAGS) ||
	    !ubee_map_flags_access_ok(f)) {
		ubee_logf(log, "lpm_trie: max_entries must be > 0 and map_flags "
			  "(0x%x) must have BPF_F_NO_PREALLOC", f);
		return -EINVAL;
	}
	if (spec->key_size < 4 + LPM_DATA_MIN ||
	    spec->key_size > 4 + LPM_DATA_MAX) {
		ubee_logf(log, "lpm_trie: key_size %u not in [%u, %u]",
			  spec->key_size, 4 + LPM_DATA_MIN, 4 + LPM_DATA_MAX);
		return -EINVAL;
	}
	if (spec->value_size == 0 || spec->value_size > LPM_VALUE_MAX) {
		ubee_logf(log, "lpm_trie: value_size %u not in [1, %u]",
			  spec->value_size, LPM_VALUE_MAX);
		return -EINVAL;
	}
	return 0;
}

static int lpm_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	struct lpm *t = ubee_calloc(1, sizeof(*t));
	pthread_rwlockattr_t attr;
	int err;

	if (!t)
		return -ENOMEM;
	/* Writers first, or a stream of lookups could starve updates. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	err = pthread_rwlock_init(&t->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (err) {
		ubee_free(t);
		return -ENOMEM;
	}
	t->data_size = spec->key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	t->value_off = (sizeof(struct lpm_node) + t->data_size + 7) & ~7u;
	t->stride = t->value_off + (((size_t)spec->value_size + 7) & ~(size_t)7);
	map->priv = t;
	return 0;
}

static void lpm_fini(struct ubee_map *map)
{
	struct lpm *t = map->priv;
	int c;

	if (!t)
		return;
	for (c = 0; c < LPM_CHUNKS; c++)
		ubee_free(t->chunk[c]);
	pthread_rwlock_destroy(&t->lock);
	ubee_free(t);
	map->priv = NULL;
}

/* Chunk c holds nodes [LPM_CHUNK0 * (2^c - 1), LPM_CHUNK0 * (2^(c+1) - 1)). */
static int lpm_chunk_of(uint32_t i0)
{
	return 31 - __builtin_clz(i0 / LPM_CHUNK0 + 1);
}

static struct lpm_node *lpm_node(const struct lpm *t, uint32_t idx)
{
	uint32_t i0 = idx - 1;
	int c = lpm_chunk_of(i0);
	size_t first = (size_t)LPM_CHUNK0 * ((1ul << c) - 1);

	return (struct lpm_node *)(t->chunk[c] + (i0 - first) * t->stride);
}

static void *lpm_value(const struct lpm *t, struct lpm_node *n)
{
	return (uint8_t *)n + t->value_off;
}

/* A fresh node index (1-based), or 0 when memory runs out. */
static uint32_t lpm_alloc(struct lpm *t)
{
	uint32_t idx = t->free;
	int c;

	if (idx) {
		t->free = lpm_node(t, idx)->child[0];
		return idx;
	}
	if (t->used == UINT32_MAX)
		return 0;
	c = lpm_chunk_of(t->used);
	if (!t->chunk[c]) {
		t->chunk[c] = ubee_malloc(((size_t)LPM_CHUNK0 << c) * t->stride);
		if (!t->chunk[c])
			return 0;
	}
	return ++t->used;
}

static void lpm_release(struct lpm *t, uint32_t idx)
{
	lpm_node(t, idx)->child[0] = t->free;
	t->free = idx;
}

static int lpm_bit(const uint8_t *data, uint32_t i)
{
	return (data[i / 8] >> (7 - i % 8)) & 1;
}

/* Leading bits node and key share, at most min(both prefix lengths). */
static uint32_t lpm_match(const struct lpm_node *n, const uint8_t *data,
			  uint32_t prefixlen)
{
	uint32_t limit = n->prefixlen < prefixlen ? n->prefixlen : prefixlen;
	uint32_t i, m;
	uint8_t x;

	for (i = 0; i * 8 < limit; i++) {
		x = n->data[i] ^ data[i];
		if (x) {
			m = i * 8 + (uint32_t)__builtin_clz(x) - 24;
			return m < limit ? m : limit;
		}
	}
	return limit;
}

static uint32_t lpm_key_prefixlen(const void *key)
{
	uint32_t pl;

	memcpy(&pl, key, 4);
	return pl;
}

static const uint8_t *lpm_key_data(const void *key)
{
	return (const uint8_t *)key + 4;
}

/* Program lookup: the value of the longest covering prefix, or NULL. */
static void *lpm_lookup(struct ubee_map *map, const void *key)
{
	struct lpm *t = map->priv;
	uint32_t pl = lpm_key_prefixlen(key), idx;
	const uint8_t *data = lpm_key_data(key);
	struct lpm_node *n, *found = NULL;

	if (pl > t->max_prefixlen)
		return NULL;
	pthread_rwlock_rdlock(&t->lock);
	for (idx = t->root; idx; idx = n->child[lpm_bit(data, n->prefixlen)]) {
		n = lpm_node(t, idx);
		if (lpm_match(n, data, pl) < n->prefixlen)
			break;
		if (!(n->flags & LPM_IM))
			found = n;
		if (n->prefixlen == pl)
			break;
	}
	pthread_rwlock_unlock(&t->lock);
	return found ? lpm_value(t, found) : NULL;
}

static void lpm_fill(struct lpm *t, struct lpm_node *n, const void *key,
		     const void *value, uint32_t value_size)
{
	n->child[0] = 0;
	n->child[1] = 0;
	n->prefixlen = lpm_key_prefixlen(key);
	n->flags = 0;
	memcpy(n->data, lpm_key_data(key), t->data_size);
	memcpy(lpm_value(t, n), value, value_size);
}

/*
 * Insert or replace the exact prefix of key: 0, -EINVAL (flags, prefix
 * too long), -EEXIST (BPF_NOEXIST), -ENOENT (BPF_EXIST), -ENOSPC (full,
 * the kernel's code for this map), -ENOMEM.
 */
static long lpm_update(struct ubee_map *map, const void *key,
		       const void *value, uint64_t flags)
{
	struct lpm *t = map->priv;
	uint32_t pl = lpm_key_prefixlen(key), idx, nidx, imidx, m = 0, *slot;
	const uint8_t *data = lpm_key_data(key);
	struct lpm_node *n = NULL, *nn, *im;
	long err = 0;

	if (flags > UBEE_EXIST || pl > t->max_prefixlen)
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	slot = &t->root;
	while ((idx = *slot)) {
		n = lpm_node(t, idx);
		m = lpm_match(n, data, pl);
		if (m != n->prefixlen || n->prefixlen == pl)
			break;
		slot = &n->child[lpm_bit(data, n->prefixlen)];
	}
	if (idx && n->prefixlen == pl && m == pl) {
		/* The exact node exists: an entry, or intermediate. */
		if (!(n->flags & LPM_IM)) {
			if (flags == UBEE_NOEXIST) {
				err = -EEXIST;
				goto out;
			}
		} else if (flags == UBEE_EXIST) {
			err = -ENOENT;
			goto out;
		} else if (t->entries == map->max_entries) {
			err = -ENOSPC;
			goto out;
		} else {
			t->entries++;
			n->flags = 0;
		}
		memcpy(n->data, data, t->data_size);
		memcpy(lpm_value(t, n), value, map->value_size);
		goto out;
	}
	if (flags == UBEE_EXIST) {
		err = -ENOENT;
		goto out;
	}
	if (t->entries == map->max_entries) {
		err = -ENOSPC;
		goto out;
	}
	nidx = lpm_alloc(t);
	if (!nidx) {
		err = -ENOMEM;
		goto out;
	}
	/* lpm_alloc may not move nodes, so n stays valid. */
	nn = lpm_node(t, nidx);
	lpm_fill(t, nn, key, value, map->value_size);
	if (!idx) {
		*slot = nidx;
	} else if (m == pl) {
		/* The key is a prefix of n: n hangs below the new node. */
		nn->child[lpm_bit(n->data, pl)] = idx;
		*slot = nidx;
	} else {
		/* They part at bit m: join them under an intermediate node. */
		imidx = lpm_alloc(t);
		if (!imidx) {
			lpm_release(t, nidx);
			err = -ENOMEM;
			goto out;
		}
		im = lpm_node(t, imidx);
		im->prefixlen = m;
		im->flags = LPM_IM;
		memcpy(im->data, n->data, t->data_size);
		im->child[lpm_bit(data, m)] = nidx;
		im->child[!lpm_bit(data, m)] = idx;
		*slot = imidx;
	}
	t->entries++;
out:
	pthread_rwlock_unlock(&t->lock);
	return err;
}

/* Remove the exact prefix of key: 0, -EINVAL (prefix too long), -ENOENT. */
static long lpm_delete(struct ubee_map *map, const void *key)
{
	struct lpm *t = map->priv;
	uint32_t pl = lpm_key_prefixlen(key), idx, pidx = 0, m = 0;
	uint32_t *slot, *pslot = NULL;
	const uint8_t *data = lpm_key_data(key);
	struct lpm_node *n = NULL, *p;
	long err = 0;

	if (pl > t->max_prefixlen)
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	slot = &t->root;
	while ((idx = *slot)) {
		n = lpm_node(t, idx);
		m = lpm_match(n, data, pl);
		if (m != n->prefixlen || n->prefixlen == pl)
			break;
		pidx = idx;
		pslot = slot;
		slot = &n->child[lpm_bit(data, n->prefixlen)];
	}
	if (!idx || n->prefixlen != pl || m != pl || (n->flags & LPM_IM)) {
		err = -ENOENT;
		goto out;
	}
	t->entries--;
	if (n->child[0] && n->child[1]) {
		/* Still needed to join its two subtrees. */
		n->flags = LPM_IM;
		goto out;
	}
	p = pidx ? lpm_node(t, pidx) : NULL;
	if (p && (p->flags & LPM_IM) && !n->child[0] && !n->child[1]) {
		/* An intermediate parent left with one child goes too. */
		*pslot = p->child[p->child[0] == idx];
		lpm_release(t, pidx);
	} else {
		*slot = n->child[0] ? n->child[0] : n->child[1];
	}
	lpm_release(t, idx);
out:
	pthread_rwlock_unlock(&t->lock);
	return err;
}

/* First entry of a subtree in post order: its leftmost leaf. */
static struct lpm_node *lpm_first(const struct lpm *t, uint32_t idx)
{
	struct lpm_node *n = lpm_node(t, idx);

	while (n->child[0] || n->child[1])
		n = lpm_node(t, n->child[0] ? n->child[0] : n->child[1]);
	return n;
}

/*
 * The entry after key in post order (key NULL, longer than the map's
 * prefixes or absent: the first entry). -ENOENT after the last or when
 * empty. The bound on work is the trie's depth, <= LPM_MAX_DEPTH.
 */
static int lpm_get_next_key(struct ubee_map *map, const void *key,
			    void *next_key)
{
	struct lpm *t = map->priv;
	uint32_t path[LPM_MAX_DEPTH], idx, pl, m;
	struct lpm_node *n = NULL, *p, *next = NULL;
	const uint8_t *data;
	int depth = 0, err = 0;

	pthread_rwlock_rdlock(&t->lock);
	if (!t->root) {
		err = -ENOENT;
		goto out;
	}
	if (!key || lpm_key_prefixlen(key) > t->max_prefixlen)
		goto first;
	pl = lpm_key_prefixlen(key);
	data = lpm_key_data(key);
	for (idx = t->root; idx; idx = n->child[lpm_bit(data, n->prefixlen)]) {
		n = lpm_node(t, idx);
		path[depth++] = idx;
		m = lpm_match(n, data, pl);
		if (m != n->prefixlen || n->prefixlen == pl)
			break;
	}
	if (!idx || n->prefixlen != pl || m != pl || (n->flags & LPM_IM))
		goto first;
	/* Up from the entry: a right sibling subtree, else the parent. */
	for (depth--; depth > 0; depth--) {
		p = lpm_node(t, path[depth - 1]);
		if (p->child[0] == path[depth] && p->child[1]) {
			next = lpm_first(t, p->child[1]);
			goto copy;
		}
		if (!(p->flags & LPM_IM)) {
			next = p;
			goto copy;
		}
	}
	err = -ENOENT;
	goto out;
first:
	next = lpm_first(t, t->root);
copy:
	memcpy(next_key, &next->prefixlen, 4);
	memcpy((uint8_t *)next_key + 4, next->data, t->data_size);
out:
	pthread_rwlock_unlock(&t->lock);
	return err;
}

const struct ubee_map_ops ubee_lpm_ops = {
	.check = lpm_check,
	.init = lpm_init,
	.fini = lpm_fini,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
};
