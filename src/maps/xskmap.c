// SPDX-License-Identifier: MIT
/*
 * XSK maps (BPF_MAP_TYPE_XSKMAP): slots naming AF_XDP sockets, the
 * targets of bpf_redirect_map(&xsks, queue, flags). The value is a u32
 * socket fd as user space writes it. In the kernel a program's lookup
 * gives the socket (struct xdp_sock *), which programs use only to test
 * for presence; here it gives the stored fd, non-NULL exactly when the
 * kernel's would be. The fd is not checked to be an AF_XDP socket:
 * redirects to a slot are counted and handed to the embedder (src/pktio)
 * by slot, so replays from captures work without sockets.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

#define XSK_FLAGS (UBEE_F_NUMA_NODE | UBEE_F_RDONLY | UBEE_F_WRONLY)

struct xskmap {
	uint32_t lock;       /* ubee_spin_lock: updates */
	uint32_t pad_;
	uint32_t fd[];       /* [max_entries], with a present byte after */
};

static uint8_t *present(const struct ubee_map *map)
{
	struct xskmap *x = map->priv;

	return (uint8_t *)(x->fd + map->max_entries);
}

/* The kernel's xsk_map_alloc checks. */
static int xsk_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	if (!spec->max_entries || spec->key_size != 4 || spec->value_size != 4) {
		ubee_logf(log, "xskmap: key_size and value_size must be 4, max_entries non-zero");
		return -EINVAL;
	}
	if ((spec->map_flags & ~XSK_FLAGS) ||
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
	size_t n = map->max_entries;

	map->priv = ubee_calloc(1, sizeof(struct xskmap) + n * 4 + n);
	return map->priv ? 0 : -ENOMEM;
}

static void xsk_fini(struct ubee_map *map)
{
	ubee_free(map->priv);
}

static void *xsk_lookup(struct ubee_map *map, const void *key)
{
	struct xskmap *x = map->priv;
	uint32_t i;

	memcpy(&i, key, 4);
	if (i >= map->max_entries ||
	    !__atomic_load_n(&present(map)[i], __ATOMIC_ACQUIRE))
		return NULL;
	return &x->fd[i];
}

/* xsk_map_update_elem: BPF_NOEXIST / BPF_EXIST against the slot. */
static long xsk_update(struct ubee_map *map, const void *key,
		       const void *value, uint64_t flags)
{
	struct xskmap *x = map->priv;
	uint8_t *p = present(map);
	uint32_t i;
	long err = 0;

	memcpy(&i, key, 4);
	if (flags > UBEE_EXIST)
		return -EINVAL;
	if (i >= map->max_entries)
		return -E2BIG;
	ubee_spin_lock(&x->lock);
	if (p[i] && flags == UBEE_NOEXIST) {
		err = -EEXIST;
	} else if (!p[i] && flags == UBEE_EXIST) {
		err = -ENOENT;
	} else {
		__atomic_store_n(&p[i], 0, __ATOMIC_RELEASE);
		memcpy(&x->fd[i], value, 4);
		__atomic_store_n(&p[i], 1, __ATOMIC_RELEASE);
	}
	ubee_spin_unlock(&x->lock);
	return err;
}

static long xsk_delete(struct ubee_map *map, const void *key)
{
	struct xskmap *x = map->priv;
	uint32_t i;

	memcpy(&i, key, 4);
	if (i >= map->max_entries)
		return -EINVAL;
	ubee_spin_lock(&x->lock);
	__atomic_store_n(&present(map)[i], 0, __ATOMIC_RELEASE);
	ubee_spin_unlock(&x->lock);
	return 0;
}

/* User space cannot read sockets back (the kernel's sys lookup). */
static int xsk_sys_lookup(struct ubee_map *map, const void *key, void *value)
{
	return -EOPNOTSUPP;
}

static int xsk_get_next_key(struct ubee_map *map, const void *key,
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

const struct ubee_map_ops ubee_xskmap_ops = {
	.check = xsk_check, .init = xsk_init, .fini = xsk_fini,
	.lookup = xsk_lookup, .update = xsk_update, .delete = xsk_delete,
	.sys_lookup = xsk_sys_lookup, .get_next_key = xsk_get_next_key,
};
