// SPDX-License-Identifier: MIT
/*
 * The maps XDP programs redirect through: devmap (an array of interfaces,
 * BPF_MAP_TYPE_DEVMAP), devmap_hash (interfaces by any u32 key,
 * BPF_MAP_TYPE_DEVMAP_HASH) and xskmap (an array of AF_XDP sockets,
 * BPF_MAP_TYPE_XSKMAP). bpf_redirect_map(&map, key, flags) sends the
 * packet to the slot's interface or socket (src/pktio resolves it); a
 * program's lookup sees the value.
 *
 * A device map's value is the kernel's struct bpf_devmap_val: a u32
 * ifindex, optionally followed by a u32 program fd (value_size 4 or 8).
 * Differences from the kernel, both because ubee is not the kernel:
 * ifindexes are not checked against the system's interfaces (a capture
 * replay may name interfaces this host lacks), and devmap programs (a
 * program fd in the value) are refused with -EOPNOTSUPP.
 *
 * An xskmap's value is a u32 socket fd as user space writes it. In the
 * kernel a program's lookup gives the socket (struct xdp_sock *), which
 * programs use only to test for presence; here it gives the stored fd,
 * non-NULL exactly when the kernel's would be. The fd is not checked to
 * be an AF_XDP socket: redirects to a slot are counted and handed to the
 * embedder by slot, so replays from captures work without sockets.
 *
 * devmap and xskmap are arrays of fixed-size slots with a "present" byte
 * each (empty slots look up as NULL, as in the kernel); devmap_hash is a
 * small chained hash table of such slots (below).
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

/* The kernel's DEV_CREATE_FLAG_MASK; xsk_map_alloc allows the same. */
#define DEV_FLAGS (UBEE_F_NUMA_NODE | UBEE_F_RDONLY | UBEE_F_WRONLY)

/* ---- slot arrays: devmap and xskmap -------------------------------------- */

/*
 * max_entries slots of stride bytes, then max_entries present bytes.
 * Updates and deletes hold the lock; a program's lookup reads the present
 * byte (acquire) and returns a pointer into the slot, which stays valid.
 */
struct slot_array {
	uint32_t lock;       /* ubee_spin_lock: updates and deletes */
	uint32_t stride;     /* bytes per slot */
	uint8_t *present;    /* [max_entries] */
	uint8_t values[];    /* [max_entries * stride] */
};

static int slots_init(struct ubee_map *map, uint32_t stride)
{
	size_t n = map->max_entries;
	struct slot_array *d = ubee_calloc(1, sizeof(*d) + n * stride + n);

	if (!d)
		return -ENOMEM;
	d->stride = stride;
	d->present = d->values + n * stride;
	map->priv = d;
	return 0;
}

/* Every type here keeps its storage in one allocation. */
static void free_priv(struct ubee_map *map)
{
	ubee_free(map->priv);
}

static void *slots_lookup(struct ubee_map *map, const void *key)
{
	struct slot_array *d = map->priv;
	uint32_t i;

	memcpy(&i, key, 4);
	if (i >= map->max_entries ||
	    !__atomic_load_n(&d->present[i], __ATOMIC_ACQUIRE))
		return NULL;
	return d->values + (size_t)i * d->stride;
}

/*
 * Slot i (< max_entries) to value, or emptied when value is NULL; the
 * caller holds the lock. A concurrent lookup sees the old value, no slot,
 * or the new value, never a mix.
 */
static void slot_set(struct ubee_map *map, uint32_t i, const void *value)
{
	struct slot_array *d = map->priv;

	__atomic_store_n(&d->present[i], 0, __ATOMIC_RELEASE);
	if (value) {
		memcpy(d->values + (size_t)i * d->stride, value, map->value_size);
		__atomic_store_n(&d->present[i], 1, __ATOMIC_RELEASE);
	}
}

static long slots_delete(struct ubee_map *map, const void *key)
{
	struct slot_array *d = map->priv;
	uint32_t i;

	memcpy(&i, key, 4);
	if (i >= map->max_entries)
		return -EINVAL;
	ubee_spin_lock(&d->lock);
	slot_set(map, i, NULL);
	ubee_spin_unlock(&d->lock);
	return 0;
}

/* Array order over every index, present or not, as the kernel. */
static int slots_get_next_key(struct ubee_map *map, const void *key,
			      void *next_key)
{
	uint32_t i, next;

	if (key)
		memcpy(&i, key, 4);
	if (!key || i >= map->max_entries)
		next = 0;
	else if (i == map->max_entries - 1)
		return -ENOENT;
	else
		next = i + 1;
	memcpy(next_key, &next, 4);
	return 0;
}

/* ---- devmap ---------------------------------------------------------------- */

/* The kernel's dev_map_alloc_check. */
static int dev_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	const char *name = ubee_map_type_name(spec->type);

	if (!spec->max_entries || spec->key_size != 4 ||
	    (spec->value_size != 4 && spec->value_size != 8)) {
		ubee_logf(log, "%s: key_size must be 4, value_size 4 or 8 (struct bpf_devmap_val), max_entries non-zero",
			  name);
		return -EINVAL;
	}
	if ((spec->map_flags & ~DEV_FLAGS) ||
	    !ubee_map_flags_access_ok(spec->map_flags)) {
		ubee_logf(log, "%s: invalid map_flags 0x%x", name, spec->map_flags);
		return -EINVAL;
	}
	if (spec->max_entries > (UBEE_MAP_MAX_ALLOC / 9)) {
		ubee_logf(log, "%s: max_entries %u too large", name,
			  spec->max_entries);
		return -E2BIG;
	}
	return 0;
}

/* The value's checks (ifindex 0 allowed only where it clears a slot). */
static int dev_value_check(const struct ubee_map *map, const void *value,
			   int zero_ok)
{
	uint32_t v[2] = { 0, 0 };

	memcpy(v, value, map->value_size);
	if (map->value_size == 8 && (int32_t)v[1] > 0)
		return v[0] ? -EOPNOTSUPP : -EINVAL;
	if (!v[0] && !zero_ok)
		return -EINVAL;
	return 0;
}

/* Every value in a slot of 8 bytes (value_size 4 or 8). */
static int devmap_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	return slots_init(map, 8);
}

/* dev_map_update_elem: an ifindex of 0 empties the slot. */
static long devmap_update(struct ubee_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct slot_array *d = map->priv;
	uint32_t i, ifindex;
	int err;

	memcpy(&i, key, 4);
	if (flags > UBEE_EXIST)
		return -EINVAL;
	if (i >= map->max_entries)
		return -E2BIG;
	if (flags == UBEE_NOEXIST)
		return -EEXIST;
	err = dev_value_check(map, value, 1);
	if (err)
		return err;
	memcpy(&ifindex, value, 4);
	ubee_spin_lock(&d->lock);
	slot_set(map, i, ifindex ? value : NULL);
	ubee_spin_unlock(&d->lock);
	return 0;
}

const struct ubee_map_ops ubee_devmap_ops = {
	.check = dev_check, .init = devmap_init, .fini = free_priv,
	.lookup = slots_lookup, .update = devmap_update,
	.delete = slots_delete, .get_next_key = slots_get_next_key,
};

/* ---- xskmap ---------------------------------------------------------------- */

/* The kernel's xsk_map_alloc checks. */
static int xsk_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	if (!spec->max_entries || spec->key_size != 4 || spec->value_size != 4) {
		ubee_logf(log, "xskmap: key_size and value_size must be 4, max_entries non-zero");
		return -EINVAL;
	}
	if ((spec->map_flags & ~DEV_FLAGS) ||
	    !ubee_map_flags_access_ok(spec->map_flags)) {
		ubee_logf(log, "xskmap: invalid map_flags 0x%x", spec->map_flags);
		return -EINVAL;
	}
	if (spec->max_entries > UBEE_MAP_MAX_ALLOC / 5) {
		ubee_logf(log, "xskmap: max_entries %u too large", spec->max_entries);
		return -E2BIG;
	}
	return 0;
}

static int xsk_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	return slots_init(map, 4);
}

/* xsk_map_update_elem: BPF_NOEXIST / BPF_EXIST against the slot. */
static long xsk_update(struct ubee_map *map, const void *key,
		       const void *value, uint64_t flags)
{
	struct slot_array *d = map->priv;
	uint32_t i;
	long err = 0;

	memcpy(&i, key, 4);
	if (flags > UBEE_EXIST)
		return -EINVAL;
	if (i >= map->max_entries)
		return -E2BIG;
	ubee_spin_lock(&d->lock);
	if (d->present[i] && flags == UBEE_NOEXIST)
		err = -EEXIST;
	else if (!d->present[i] && flags == UBEE_EXIST)
		err = -ENOENT;
	else
		slot_set(map, i, value);
	ubee_spin_unlock(&d->lock);
	return err;
}

/* User space cannot read sockets back (the kernel's sys lookup). */
static int xsk_sys_lookup(struct ubee_map *map, const void *key, void *value)
{
	return -EOPNOTSUPP;
}

const struct ubee_map_ops ubee_xskmap_ops = {
	.check = xsk_check, .init = xsk_init, .fini = free_priv,
	.lookup = slots_lookup, .update = xsk_update, .delete = slots_delete,
	.sys_lookup = xsk_sys_lookup, .get_next_key = slots_get_next_key,
};

/* ---- devmap_hash ---------------------------------------------------------- */

/*
 * max_entries slots that never move (a program's lookup pointer stays
 * valid), chained from a power-of-two bucket array by index + 1 (0 ends
 * a chain), free slots on a list. Updates and deletes hold the lock;
 * lookups walk chains without it (a slot deleted meanwhile may be seen
 * once more, as an RCU reader would in the kernel).
 */
struct devslot {
	uint32_t next;
	uint32_t key;
	uint32_t value[2];
};

struct devhash {
	uint32_t lock;
	uint32_t mask;           /* buckets - 1 */
	uint32_t free_head;      /* index + 1 */
	uint32_t count;
	uint32_t *buckets;       /* [mask + 1] */
	struct devslot *slots;   /* [max_entries] */
};

static uint32_t bucket_of(const struct devhash *h, uint32_t key)
{
	return (key * 2654435761u) & h->mask;
}

static int devhash_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	uint32_t nb = 1;
	struct devhash *h;
	size_t n = map->max_entries;

	while (nb < n)
		nb <<= 1;
	h = ubee_calloc(1, sizeof(*h) + nb * sizeof(uint32_t) +
			       n * sizeof(struct devslot));
	if (!h)
		return -ENOMEM;
	h->mask = nb - 1;
	h->buckets = (uint32_t *)(h + 1);
	h->slots = (struct devslot *)(h->buckets + nb);
	for (size_t i = 0; i < n; i++)
		h->slots[i].next = i + 1 < n ? (uint32_t)i + 2 : 0;
	h->free_head = 1;
	map->priv = h;
	return 0;
}

/* The slot index + 1 of key, 0 when absent; *prev gets the link to it. */
static uint32_t devhash_find(struct devhash *h, uint32_t key, uint32_t **prev)
{
	uint32_t *link = &h->buckets[bucket_of(h, key)], i;

	while ((i = __atomic_load_n(link, __ATOMIC_ACQUIRE))) {
		if (h->slots[i - 1].key == key)
			break;
		link = &h->slots[i - 1].next;
	}
	if (prev)
		*prev = link;
	return i;
}

static void *devhash_lookup(struct ubee_map *map, const void *key)
{
	struct devhash *h = map->priv;
	uint32_t k, i;

	memcpy(&k, key, 4);
	i = devhash_find(h, k, NULL);
	return i ? h->slots[i - 1].value : NULL;
}

/* dev_map_hash_update_elem: every element names an interface. */
static long devhash_update(struct ubee_map *map, const void *key,
			   const void *value, uint64_t flags)
{
	struct devhash *h = map->priv;
	struct devslot *s;
	uint32_t k, i, *link;
	long err = 0;

	if (flags > UBEE_EXIST)
		return -EINVAL;
	err = dev_value_check(map, value, 0);
	if (err)
		return err;
	memcpy(&k, key, 4);
	ubee_spin_lock(&h->lock);
	i = devhash_find(h, k, &link);
	if (i && flags == UBEE_NOEXIST) {
		err = -EEXIST;
	} else if (!i && flags == UBEE_EXIST) {
		err = -ENOENT;
	} else if (i) {
		memcpy(h->slots[i - 1].value, value, map->value_size);
	} else if (!h->free_head) {
		err = -E2BIG;
	} else {
		i = h->free_head;
		s = &h->slots[i - 1];
		h->free_head = s->next;
		s->key = k;
		memset(s->value, 0, sizeof(s->value));
		memcpy(s->value, value, map->value_size);
		s->next = 0;
		__atomic_store_n(link, i, __ATOMIC_RELEASE);
		h->count++;
	}
	ubee_spin_unlock(&h->lock);
	return err;
}

static long devhash_delete(struct ubee_map *map, const void *key)
{
	struct devhash *h = map->priv;
	uint32_t k, i, *link;
	long err = 0;

	memcpy(&k, key, 4);
	ubee_spin_lock(&h->lock);
	i = devhash_find(h, k, &link);
	if (!i) {
		err = -ENOENT;
	} else {
		__atomic_store_n(link, h->slots[i - 1].next, __ATOMIC_RELEASE);
		h->slots[i - 1].next = h->free_head;
		h->free_head = i;
		h->count--;
	}
	ubee_spin_unlock(&h->lock);
	return err;
}

/* Bucket order, then chain order; an absent key restarts at the first. */
static int devhash_get_next_key(struct ubee_map *map, const void *key,
				void *next_key)
{
	struct devhash *h = map->priv;
	uint32_t k, i = 0, b = 0;
	int err = -ENOENT;

	ubee_spin_lock(&h->lock);
	if (key) {
		memcpy(&k, key, 4);
		i = devhash_find(h, k, NULL);
		if (i) {
			b = bucket_of(h, k);
			i = h->slots[i - 1].next;
			if (!i)
				b++;
		}
	}
	for (; !i && b <= h->mask; b++)
		i = h->buckets[b];
	if (i) {
		memcpy(next_key, &h->slots[i - 1].key, 4);
		err = 0;
	}
	ubee_spin_unlock(&h->lock);
	return err;
}

const struct ubee_map_ops ubee_devmap_hash_ops = {
	.check = dev_check, .init = devhash_init, .fini = free_priv,
	.lookup = devhash_lookup, .update = devhash_update,
	.delete = devhash_delete, .get_next_key = devhash_get_next_key,
};
