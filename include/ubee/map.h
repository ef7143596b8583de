/* SPDX-License-Identifier: MIT */
/*
 * Maps: the kernel's map types with the kernel's semantics, in user space.
 * Keys and values are plain bytes; per-CPU maps expose one value per
 * possible CPU (value_size rounded up to 8, times ubee_map_nr_cpus()) on
 * lookup/update from user space, as bpf(BPF_MAP_LOOKUP_ELEM) does.
 *
 * Errors are the kernel's: -ENOENT no such key, -EEXIST with BPF_NOEXIST,
 * -E2BIG map full, -EINVAL bad flags/sizes/type, -ENOTSUPP/-EOPNOTSUPP an
 * operation the type lacks, -ENOMEM.
 */
#ifndef UBEE_MAP_H
#define UBEE_MAP_H

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Map types: the kernel's numbers (enum bpf_map_type). */
enum ubee_map_type {
	UBEE_MAP_HASH = 1,
	UBEE_MAP_ARRAY = 2,
	UBEE_MAP_PROG_ARRAY = 3,
	UBEE_MAP_PERF_EVENT_ARRAY = 4,
	UBEE_MAP_PERCPU_HASH = 5,
	UBEE_MAP_PERCPU_ARRAY = 6,
	UBEE_MAP_LRU_HASH = 9,
	UBEE_MAP_LRU_PERCPU_HASH = 10,
	UBEE_MAP_LPM_TRIE = 11,
	UBEE_MAP_ARRAY_OF_MAPS = 12,
	UBEE_MAP_HASH_OF_MAPS = 13,
	UBEE_MAP_DEVMAP = 14,
	UBEE_MAP_XSKMAP = 17,
	UBEE_MAP_QUEUE = 22,
	UBEE_MAP_STACK = 23,
	UBEE_MAP_DEVMAP_HASH = 25,
	UBEE_MAP_RINGBUF = 27,
	UBEE_MAP_BLOOM_FILTER = 30,
};

/* Update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
#define UBEE_ANY 0
#define UBEE_NOEXIST 1
#define UBEE_EXIST 2
#define UBEE_F_LOCK 4

/* map_flags at creation: the kernel's BPF_F_* values. */
#define UBEE_F_NO_PREALLOC (1u << 0)
#define UBEE_F_NO_COMMON_LRU (1u << 1)
#define UBEE_F_RDONLY_PROG (1u << 7)
#define UBEE_F_WRONLY_PROG (1u << 8)
#define UBEE_F_MMAPABLE (1u << 10)

struct ubee_map_spec {
	size_t sz;              /* sizeof(struct ubee_map_spec) */
	const char *name;       /* copied; NULL: "" (at most 15 chars kept) */
	uint32_t type;          /* enum ubee_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	/* Bloom filter: number of hashes (1-15; 0 = 5), as map_extra. */
	uint64_t map_extra;
	/* Maps of maps: a map whose geometry every inner map must have. */
	const struct ubee_map *inner;
};

struct ubee_map;

/* Create a map; NULL + errno (EINVAL with a log line naming the field). */
struct ubee_map *ubee_map_new(const struct ubee_map_spec *spec,
			      struct ubee_log *log);
/* Maps are reference counted (maps of maps and programs hold them). */
struct ubee_map *ubee_map_get(struct ubee_map *map);
void ubee_map_put(struct ubee_map *map);

const char *ubee_map_name(const struct ubee_map *map);
uint32_t ubee_map_type(const struct ubee_map *map);
uint32_t ubee_map_key_size(const struct ubee_map *map);
uint32_t ubee_map_value_size(const struct ubee_map *map);
uint32_t ubee_map_max_entries(const struct ubee_map *map);
uint32_t ubee_map_flags(const struct ubee_map *map);
/* Name of a map type ("hash", "percpu_array", ...) or NULL. */
const char *ubee_map_type_name(uint32_t type);
/* Map type for a name, or -EINVAL. */
int ubee_map_type_by_name(const char *name);

/*
 * About how many bytes a map of this spec allocates (elements, per-CPU
 * copies, bookkeeping; ring buffers their data), for limits such as
 * ubee_object_load_opts.max_memory. Never less than what it allocates
 * up front; 0 for a spec of an unknown type.
 */
uint64_t ubee_map_spec_memory(const struct ubee_map_spec *spec);

/* Number of possible CPUs (per-CPU maps keep one slot each). */
unsigned ubee_map_nr_cpus(void);

/*
 * User-space (syscall-side) operations, as bpf(BPF_MAP_*_ELEM). For
 * per-CPU maps value is nr_cpus * round_up(value_size, 8) bytes. For maps
 * of maps and prog arrays, value is a u32 handle from ubee_map_fd / the
 * program table (see ubee_map_set_ptr below).
 */
int ubee_map_lookup(struct ubee_map *map, const void *key, void *value);
int ubee_map_update(struct ubee_map *map, const void *key, const void *value,
		    uint64_t flags);
int ubee_map_delete(struct ubee_map *map, const void *key);
/* key NULL: the first key. -ENOENT after the last. */
int ubee_map_get_next_key(struct ubee_map *map, const void *key,
			  void *next_key);
/* Queue/stack/bloom: value only (key must be NULL). */
int ubee_map_push(struct ubee_map *map, const void *value, uint64_t flags);
int ubee_map_pop(struct ubee_map *map, void *value);
int ubee_map_peek(struct ubee_map *map, void *value);
/* Make the map read-only for user space (as BPF_MAP_FREEZE). */
int ubee_map_freeze(struct ubee_map *map);

/*
 * Prog arrays and maps of maps hold pointers: set slot key to the program
 * (struct ubee_prog *) or inner map (struct ubee_map *), or NULL to clear.
 * The map takes a reference on inner maps; programs are borrowed and must
 * outlive their presence in the array.
 */
int ubee_map_set_ptr(struct ubee_map *map, const void *key, void *ptr);

/* Ring buffer consumer (user space), libbpf ring_buffer__consume style. */
typedef int (*ubee_ringbuf_fn)(void *arg, const void *data, size_t size);
/* Consume every committed record in order; returns records consumed or
 * a negative errno (a callback's negative return stops and is returned). */
int ubee_ringbuf_consume(struct ubee_map *map, ubee_ringbuf_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_MAP_H */
