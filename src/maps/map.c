// SPDX-License-Identifier: MIT
/*
 * The map object every type shares: creation (common checks, then the
 * type's check and init from its ops, found in one table by type number),
 * reference counting, accessors, type names, and the user-side operations
 * of include/ubee/map.h. Those validate their arguments and the map's
 * permissions (frozen, BPF_F_RDONLY/WRONLY: -EPERM as the kernel's fd
 * checks), then call the type's sys_* op or fall back to the program op
 * (a lookup's pointer is copied out), or to push/peek for the value-only
 * types, as bpf(BPF_MAP_*_ELEM) does for queues, stacks and bloom filters.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

struct type_info {
	const char *name; /* bpftool's name */
	const struct ubee_map_ops *ops;
};

/* Indexed by enum ubee_map_type; holes are types ubee lacks. */
static const struct type_info types[] = {
	[UBEE_MAP_HASH] = { "hash", &ubee_hash_ops },
	[UBEE_MAP_ARRAY] = { "array", &ubee_array_ops },
	[UBEE_MAP_PROG_ARRAY] = { "prog_array", &ubee_prog_array_ops },
	[UBEE_MAP_PERF_EVENT_ARRAY] = { "perf_event_array",
					&ubee_perf_event_array_ops },
	[UBEE_MAP_PERCPU_HASH] = { "percpu_hash", &ubee_percpu_hash_ops },
	[UBEE_MAP_PERCPU_ARRAY] = { "percpu_array", &ubee_percpu_array_ops },
	[UBEE_MAP_LRU_HASH] = { "lru_hash", &ubee_lru_hash_ops },
	[UBEE_MAP_LRU_PERCPU_HASH] = { "lru_percpu_hash",
				       &ubee_lru_percpu_hash_ops },
	[UBEE_MAP_LPM_TRIE] = { "lpm_trie", &ubee_lpm_ops },
	[UBEE_MAP_ARRAY_OF_MAPS] = { "array_of_maps", &ubee_array_of_maps_ops },
	[UBEE_MAP_HASH_OF_MAPS] = { "hash_of_maps", &ubee_hash_of_maps_ops },
	[UBEE_MAP_DEVMAP] = { "devmap", &ubee_devmap_ops }, [UBEE_MAP_XSKMAP] = { "xskmap", &ubee_xskmap_ops }, [UBEE_MAP_DEVMAP_HASH] = { "devmap_hash", &ubee_devmap_hash_ops },
	[UBEE_MAP_QUEUE] = { "queue", &ubee_queue_ops },
	[UBEE_MAP_STACK] = { "stack", &ubee_stack_ops },
	[UBEE_MAP_RINGBUF] = { "ringbuf", &ubee_ringbuf_ops },
	[UBEE_MAP_BLOOM_FILTER] = { "bloom_filter", &ubee_bloom_ops },
};

const struct ubee_map_ops *ubee_map_ops_of(uint32_t type)
{
	if (type >= UBEE_ARRAY_SIZE(types))
		return NULL;
	return types[type].ops;
}

uint64_t ubee_map_spec_memory(const struct ubee_map_spec *spec)
{
	uint64_t key = ((uint64_t)spec->key_size + 7) & ~7ull;
	uint64_t value = ((uint64_t)spec->value_size + 7) & ~7ull;
	uint64_t n = spec->max_entries;

	if (!ubee_map_ops_of(spec->type))
		return 0;
	switch (spec->type) {
	case UBEE_MAP_RINGBUF:
		return n + 3 * 4096; /* data, consumer/producer/meta pages */
	case UBEE_MAP_PERF_EVENT_ARRAY:
		return n * 8;        /* rings come later, from user space */
	case UBEE_MAP_PERCPU_ARRAY:
	case UBEE_MAP_PERCPU_HASH:
	case UBEE_MAP_LRU_PERCPU_HASH:
		value *= ubee_map_nr_cpus();
		break;
	default:
		break;
	}
	/* Per element: key, value(s), and a header or bucket (32 bytes). */
	return n * (key + value + 32) + 4096;
}

const char *ubee_map_type_name(uint32_t type)
{
	if (type >= UBEE_ARRAY_SIZE(types) || !types[type].ops)
		return NULL;
	return types[type].name;
}

int ubee_map_type_by_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(types); i++)
		if (types[i].ops && !strcmp(types[i].name, name))
			return (int)i;
	return -EINVAL;
}

/* Names keep at most 15 characters; those are checked, the rest dropped. */
static int check_name(const char *name, struct ubee_log *log)
{
	size_t i;

	/* The kernel's bpf_obj_name_cpy: alphanumerics, '_' and '.'. */
	for (i = 0; name[i] && i < sizeof(((struct ubee_map *)0)->name) - 1;
	     i++) {
		char c = name[i];

		if (!(c == '_' || c == '.' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
			ubee_logf(log, "map name '%s': invalid character", name);
			return -EINVAL;
		}
	}
	return 0;
}

/* In-process ids for ubee_map_id(); pinned maps take the file's. */
static uint32_t next_id;

struct ubee_map *ubee_map_new(const struct ubee_map_spec *spec,
			      struct ubee_log *log)
{
	const struct ubee_map_ops *ops;
	struct ubee_map *map = NULL;
	int err;

	if (!spec || spec->sz < sizeof(*spec)) {
		ubee_logf(log, "map spec: missing or too small (sz)");
		err = -EINVAL;
		goto out;
	}
	ops = ubee_map_ops_of(spec->type);
	if (!ops) {
		ubee_logf(log, "map type %u: unknown", spec->type);
		err = -EINVAL;
		goto out;
	}
	err = check_name(spec->name ? spec->name : "", log);
	if (err)
		goto out;
	err = ops->check(spec, log);
	if (err)
		goto out;
	map = ubee_calloc(1, sizeof(*map));
	if (!map) {
		err = -ENOMEM;
		goto out;
	}
	map->ops = ops;
	map->type = spec->type;
	map->key_size = spec->key_size;
	map->value_size = spec->value_size;
	map->max_entries = spec->max_entries;
	map->map_flags = spec->map_flags;
	map->map_extra = spec->map_extra;
	map->refcnt = 1;
	map->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
	if (spec->name)
		strncpy(map->name, spec->name, sizeof(map->name) - 1);
	/* Pinnable types keep their storage in a shared region (src/pin). */
	err = ops->shm_size ? ubee_map_shm_new(map, log) : ops->init(map, spec);
	if (err) {
		ubee_free(map);
		map = NULL;
		goto out;
	}
	/* Only maps of maps keep a geometry; their check demanded spec->inner. */
	if (spec->type == UBEE_MAP_ARRAY_OF_MAPS ||
	    spec->type == UBEE_MAP_HASH_OF_MAPS)
		map->inner_meta = ubee_map_get((struct ubee_map *)spec->inner);
out:
	if (err)
		errno = -err;
	return map;
}

struct ubee_map *ubee_map_get(struct ubee_map *map)
{
	if (map)
		__atomic_fetch_add(&map->refcnt, 1, __ATOMIC_RELAXED);
	return map;
}

void ubee_map_put(struct ubee_map *map)
{
	if (!map || __atomic_sub_fetch(&map->refcnt, 1, __ATOMIC_ACQ_REL))
		return;
	map->ops->fini(map);
	ubee_map_shm_free(map);
	ubee_map_put(map->inner_meta);
	ubee_free(map);
}

const char *ubee_map_name(const struct ubee_map *map)
{
	return map->name;
}

uint32_t ubee_map_type(const struct ubee_map *map)
{
	return map->type;
}

uint32_t ubee_map_key_size(const struct ubee_map *map)
{
	return map->key_size;
}

uint32_t ubee_map_value_size(const struct ubee_map *map)
{
	return map->value_size;
}

uint32_t ubee_map_max_entries(const struct ubee_map *map)
{
	return map->max_entries;
}

uint32_t ubee_map_flags(const struct ubee_map *map)
{
	return map->map_flags;
}

int ubee_map_meta_equal(const struct ubee_map *meta,
			const struct ubee_map *inner)
{
	if (meta->type != inner->type || meta->key_size != inner->key_size ||
	    meta->value_size != inner->value_size ||
	    meta->map_flags != inner->map_flags)
		return -EINVAL;
	/* Arrays' sizes are part of their type (verified bounds). */
	if ((meta->type == UBEE_MAP_ARRAY ||
	     meta->type == UBEE_MAP_PERCPU_ARRAY) &&
	    !(meta->map_flags & UBEE_F_INNER_MAP) &&
	    meta->max_entries != inner->max_entries)
		return -EINVAL;
	return 0;
}

/* User space may read (lookup, get_next_key) / write (update, delete...). */
static int can_read(const struct ubee_map *map)
{
	return !(map->map_flags & UBEE_F_WRONLY);
}

static int can_write(struct ubee_map *map)
{
	return !(map->map_flags & UBEE_F_RDONLY) &&
	       !__atomic_load_n(ubee_map_frozen_word(map), __ATOMIC_ACQUIRE);
}

/* A NULL key is only fine for the key-less types. */
static int bad_args(const struct ubee_map *map, const void *key)
{
	return !map || (!key && map->key_size);
}

int ubee_map_lookup(struct ubee_map *map, const void *key, void *value)
{
	const struct ubee_map_ops *ops;
	void *p;

	if (bad_args(map, key) || !value)
		return -EINVAL;
	if (!can_read(map))
		return -EPERM;
	ops = map->ops;
	if (ops->sys_lookup)
		return ops->sys_lookup(map, key, value);
	if (ops->lookup) {
		p = ops->lookup(map, key);
		if (!p)
			return -ENOENT;
		memcpy(value, p, map->value_size);
		return 0;
	}
	if (ops->peek)
		return (int)ops->peek(map, value);
	return -EOPNOTSUPP;
}

int ubee_map_update(struct ubee_map *map, const void *key, const void *value,
		    uint64_t flags)
{
	const struct ubee_map_ops *ops;

	if (bad_args(map, key) || !value)
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	/* No type has bpf_spin_lock values (there is no BTF), so no F_LOCK. */
	if (flags & UBEE_F_LOCK)
		return -EINVAL;
	ops = map->ops;
	if (ops->sys_update)
		return ops->sys_update(map, key, value, flags);
	if (ops->update)
		return (int)ops->update(map, key, value, flags);
	if (ops->push)
		return (int)ops->push(map, value, flags);
	return -EOPNOTSUPP;
}

int ubee_map_delete(struct ubee_map *map, const void *key)
{
	if (bad_args(map, key))
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	/* Pointer maps clear through set_ptr (programs may not delete). */
	if (map->ops->set_ptr)
		return map->ops->set_ptr(map, key, NULL);
	if (!map->ops->delete)
		return -EOPNOTSUPP;
	return (int)map->ops->delete(map, key);
}

int ubee_map_get_next_key(struct ubee_map *map, const void *key,
			  void *next_key)
{
	if (!map || !next_key)
		return -EINVAL;
	if (!can_read(map))
		return -EPERM;
	if (!map->ops->get_next_key)
		return -EOPNOTSUPP;
	return map->ops->get_next_key(map, key, next_key);
}

int ubee_map_push(struct ubee_map *map, const void *value, uint64_t flags)
{
	if (!map || !value)
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	if (!map->ops->push)
		return -EOPNOTSUPP;
	return (int)map->ops->push(map, value, flags);
}

/* Pop is lookup-and-delete: it needs both permissions. */
int ubee_map_pop(struct ubee_map *map, void *value)
{
	if (!map || !value)
		return -EINVAL;
	if (!can_read(map) || !can_write(map))
		return -EPERM;
	if (!map->ops->pop)
		return -EOPNOTSUPP;
	return (int)map->ops->pop(map, value);
}

int ubee_map_peek(struct ubee_map *map, void *value)
{
	if (!map || !value)
		return -EINVAL;
	if (!can_read(map))
		return -EPERM;
	if (!map->ops->peek)
		return -EOPNOTSUPP;
	return (int)map->ops->peek(map, value);
}

/*
 * As BPF_MAP_FREEZE: a frozen (or read-only) map is not writable, so a
 * second freeze is -EPERM; -EBUSY only for a racing one. Programs may
 * still write a frozen map.
 */
int ubee_map_freeze(struct ubee_map *map)
{
	int zero = 0;

	if (!map)
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	if (!__atomic_compare_exchange_n(ubee_map_frozen_word(map), &zero, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -EBUSY;
	return 0;
}

int ubee_map_set_ptr(struct ubee_map *map, const void *key, void *ptr)
{
	if (bad_args(map, key))
		return -EINVAL;
	if (!can_write(map))
		return -EPERM;
	if (!map->ops->set_ptr)
		return -EINVAL;
	return map->ops->set_ptr(map, key, ptr);
}
