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
 * Storage: the map's shared region (pinnable): a small header (lock,
 * root, free list, counts) then 2 * max_entries node slots laid out up
 * front (reserved address space; pages are committed as nodes are first
 * used), addressed by 1-based indices (0 = none); freed nodes go on a
 * free list and are reused. Nodes never move, so a value pointer a
 * program got from lookup stays valid memory, though after a delete it
 * may come to hold another entry's value (as with the kernel's
 * preallocated maps). One robust lock (ubee_rlock) guards the trie for
 * lookups and changes alike; a change publishes with one store of a
 * prepared node, so a process killed holding the lock leaves a well
 * formed trie, and whoever takes the lock over rebuilds the free list and
 * the entry count (lpm_repair_locked). Updates of an existing entry write
 * its value in place, so a user-side copy racing with a program's write
 * through a looked-up pointer may see a mix of old and new value, as with
 * the kernel's array maps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

#define LPM_DATA_MIN 1
#define LPM_DATA_MAX 256
/* The kernel's limit: KMALLOC_MAX_SIZE - LPM_DATA_MAX - its node header. */
#define LPM_VALUE_MAX (UBEE_MAP_MAX_ALLOC - LPM_DATA_MAX - 24)
#define LPM_MAX_DEPTH (LPM_DATA_MAX * 8 + 1)
#define LPM_FLAGS (UBEE_F_NO_PREALLOC | UBEE_F_NUMA_NODE | UBEE_F_ACCESS_MASK)
#define LPM_IM 1u /* node flag: intermediate */

/* Node layout: this header, data[data_size], padding to 8, value. */
struct lpm_node {
	uint32_t child[2];
	uint32_t prefixlen;
	uint32_t flags;
	uint8_t data[];
};

/* Shared state at the start of the region; the nodes follow. */
struct lpm_shm {
	uint32_t lock;                   /* ubee_rlock: every operation */
	uint32_t root;
	uint32_t free;                   /* free list, linked by child[0] */
	uint32_t used;                   /* nodes ever handed out */
	uint32_t entries;                /* non-intermediate nodes */
	uint32_t pad[11];
};

struct lpm {
	struct lpm_shm *s;
	uint8_t *nodes;                  /* node idx at (idx - 1) * stride */
	uint32_t nr_nodes;
	uint32_t data_size;
	uint32_t max_prefixlen;
	uint32_t value_off;              /* value offset in a node */
	size_t stride;                   /* node size */
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

/* A trie of n entries has at most 2n - 1 nodes; indices are u32. */
static uint32_t lpm_nr_nodes(const struct ubee_map *map)
{
	uint64_t n = 2 * (uint64_t)map->max_entries;

	return n > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)n;
}

static size_t lpm_stride(const struct ubee_map *map)
{
	uint32_t value_off = (sizeof(struct lpm_node) + map->key_size - 4 + 7) & ~7u;

	return value_off + (((size_t)map->value_size + 7) & ~(size_t)7);
}

/*
 * All nodes are laid out up front (the region is reserved, not
 * committed: untouched pages cost nothing), so they never move and are
 * addressed by a multiply.
 */
static uint64_t lpm_shm_size(const struct ubee_map *map)
{
	return sizeof(struct lpm_shm) + (uint64_t)lpm_nr_nodes(map) * lpm_stride(map);
}

static int lpm_repair_locked(struct lpm *t, struct ubee_log *log);

static int lpm_shm_attach(struct ubee_map *map, void *mem, int fresh,
			  struct ubee_log *log)
{
	struct lpm *t = ubee_calloc(1, sizeof(*t));
	struct lpm_shm *s = mem;

	if (!t)
		return -ENOMEM;
	t->s = s;
	t->nodes = (uint8_t *)(s + 1);
	t->nr_nodes = lpm_nr_nodes(map);
	t->data_size = map->key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	t->value_off = (sizeof(struct lpm_node) + t->data_size + 7) & ~7u;
	t->stride = lpm_stride(map);
	if (!fresh && (s->used > t->nr_nodes || s->root > s->used ||
		       s->free > s->used)) {
		ubee_logf(log, "lpm_trie: root %u, free list %u or used %u past %u nodes",
			  s->root, s->free, s->used, t->nr_nodes);
		ubee_free(t);
		return -EINVAL;
	}
	map->priv = t;
	return 0;
}

static void lpm_fini(struct ubee_map *map)
{
	ubee_free(map->priv);
	map->priv = NULL;
}

static struct lpm_node *lpm_node(const struct lpm *t, uint32_t idx)
{
	return (struct lpm_node *)(t->nodes + (size_t)(idx - 1) * t->stride);
}

static void *lpm_value(const struct lpm *t, struct lpm_node *n)
{
	return (uint8_t *)n + t->value_off;
}

/* A fresh node index (1-based), or 0 when every node is taken. */
static uint32_t lpm_alloc(struct lpm *t)
{
	uint32_t idx = t->s->free;

	if (idx) {
		t->s->free = lpm_node(t, idx)->child[0];
		return idx;
	}
	if (t->s->used == t->nr_nodes)
		return 0;
	return ++t->s->used;
}

static void lpm_release(struct lpm *t, uint32_t idx)
{
	lpm_node(t, idx)->child[0] = t->s->free;
	t->s->free = idx;
}

/*
 * Take the trie's lock. Every change publishes with one store of a
 * prepared node index, so a holder killed anywhere leaves a well-formed
 * trie; what it may lose is nodes taken off the free list and the entry
 * count, which the new holder rebuilds before going on.
 */
static void lpm_lock(struct lpm *t)
{
	if (UBEE_UNLIKELY(ubee_rlock(&t->s->lock)))
		lpm_repair_locked(t, NULL);
}

static void lpm_unlock(struct lpm *t)
{
	ubee_runlock(&t->s->lock);
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
	lpm_lock(t);
	for (idx = t->s->root; idx; idx = n->child[lpm_bit(data, n->prefixlen)]) {
		n = lpm_node(t, idx);
		if (lpm_match(n, data, pl) < n->prefixlen)
			break;
		if (!(n->flags & LPM_IM))
			found = n;
		if (n->prefixlen == pl)
			break;
	}
	lpm_unlock(t);
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
	lpm_lock(t);
	slot = &t->s->root;
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
		} else if (t->s->entries == map->max_entries) {
			err = -ENOSPC;
			goto out;
		}
		memcpy(n->data, data, t->data_size);
		memcpy(lpm_value(t, n), value, map->value_size);
		if (n->flags & LPM_IM) {
			/* Filled before it becomes an entry (a crash between
			 * leaves the count to the repair's recount). */
			t->s->entries++;
			__atomic_store_n(&n->flags, 0, __ATOMIC_RELEASE);
		}
		goto out;
	}
	if (flags == UBEE_EXIST) {
		err = -ENOENT;
		goto out;
	}
	if (t->s->entries == map->max_entries) {
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
	t->s->entries++;
out:
	lpm_unlock(t);
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
	lpm_lock(t);
	slot = &t->s->root;
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
	t->s->entries--;
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
	lpm_unlock(t);
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

	lpm_lock(t);
	if (!t->s->root) {
		err = -ENOENT;
		goto out;
	}
	if (!key || lpm_key_prefixlen(key) > t->max_prefixlen)
		goto first;
	pl = lpm_key_prefixlen(key);
	data = lpm_key_data(key);
	for (idx = t->s->root; idx; idx = n->child[lpm_bit(data, n->prefixlen)]) {
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
	next = lpm_first(t, t->s->root);
copy:
	memcpy(next_key, &next->prefixlen, 4);
	memcpy((uint8_t *)next_key + 4, next->data, t->data_size);
out:
	lpm_unlock(t);
	return err;
}

/*
 * Rebuild what a dead lock holder may have left wrong: walk the trie from
 * the root (cutting links to bad indices, nodes seen twice, or deeper
 * than LPM_MAX_DEPTH: only a damaged file has them), recount the entries,
 * and put every node handed out but not in the trie on the free list.
 * Work: O(nodes used); called with the lock held.
 */
static int lpm_repair_locked(struct lpm *t, struct ubee_log *log)
{
	/* Pending links and the prefix length of their parent (+ 1). */
	uint32_t *slots[LPM_MAX_DEPTH + 2], least[LPM_MAX_DEPTH + 2];
	uint32_t *slot, idx, i, n = 0, entries = 0, min;
	uint8_t *seen = ubee_calloc(1, ((size_t)t->s->used + 8) / 8);
	struct lpm_node *nd;

	if (!seen) {
		ubee_logf(log, "lpm_trie: no memory to repair the trie");
		return -ENOMEM;
	}
	slots[n] = &t->s->root;
	least[n++] = 0;
	while (n) {
		slot = slots[--n];
		min = least[n];
		idx = *slot;
		if (!idx)
			continue;
		/* Prefixes grow down the trie, which bounds its depth. */
		nd = idx <= t->s->used ? lpm_node(t, idx) : NULL;
		if (!nd || seen[(idx - 1) / 8] & (1u << ((idx - 1) % 8)) ||
		    nd->prefixlen < min || nd->prefixlen > t->max_prefixlen ||
		    n + 2 > LPM_MAX_DEPTH + 1) {
			*slot = 0;
			continue;
		}
		seen[(idx - 1) / 8] |= (uint8_t)(1u << ((idx - 1) % 8));
		if (!(nd->flags & LPM_IM))
			entries++;
		slots[n] = &nd->child[0];
		least[n++] = nd->prefixlen + 1;
		slots[n] = &nd->child[1];
		least[n++] = nd->prefixlen + 1;
	}
	t->s->entries = entries;
	t->s->free = 0;
	for (i = t->s->used; i >= 1; i--)
		if (!(seen[(i - 1) / 8] & (1u << ((i - 1) % 8))))
			lpm_release(t, i);
	ubee_free(seen);
	return 0;
}

static int lpm_repair(struct ubee_map *map, struct ubee_log *log)
{
	struct lpm *t = map->priv;
	int err;

	ubee_rlock(&t->s->lock);
	err = lpm_repair_locked(t, log);
	ubee_runlock(&t->s->lock);
	return err;
}

const struct ubee_map_ops ubee_lpm_ops = {
	.check = lpm_check,
	.fini = lpm_fini,
	.shm_size = lpm_shm_size,
	.shm_attach = lpm_shm_attach,
	.repair = lpm_repair,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
};
