// SPDX-License-Identifier: MIT
/*
 * Array maps: array, percpu_array, and the pointer arrays prog_array and
 * array_of_maps. Values are laid out as struct ubee_array (maps.h)
 * describes - for array and percpu_array in the map's shared region
 * (pinnable, src/pin), for the pointer arrays in one allocation: value i at values + i * stride, per-CPU arrays one
 * such block per CPU. A program's lookup is therefore a bounds check, a
 * multiply and an add (ubee_array_elem, inlinable by the engines); values
 * never move and are never freed while the map lives, so a pointer a
 * program holds stays valid. Updates copy in place, as the kernel's do: a
 * concurrent reader may see a value half copied (use atomics or per-CPU
 * maps for counters); atomic adds through a looked-up pointer are never
 * lost, since nothing but an update of that very index writes there.
 *
 * Pointer arrays keep one 8-byte slot per index, read and swapped
 * atomically. Inner maps are referenced; one taken out is released only
 * after ubee_map_sync(), so a run that looked it up may keep using it.
 * Programs are borrowed (the caller keeps them alive while present).
 * Slots are set and cleared from user space only (the kernel's verifier
 * allows programs no update or delete on these types).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

/* ---- creation ----------------------------------------------------------- */

#define ARRAY_FLAGS                                                           \
	(UBEE_F_NUMA_NODE | UBEE_F_MMAPABLE | UBEE_F_ACCESS_MASK |            \
	 UBEE_F_PRESERVE_ELEMS | UBEE_F_INNER_MAP)

static int is_percpu(uint32_t type)
{
	return type == UBEE_MAP_PERCPU_ARRAY;
}

/* The kernel's array_map_alloc_check, in its order. */
static int array_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	int percpu = is_percpu(spec->type);
	uint32_t f = spec->map_flags;

	if (!spec->max_entries || spec->key_size != 4 || !spec->value_size) {
		ubee_logf(log, "array: key_size must be 4, value_size and max_entries non-zero");
		return -EINVAL;
	}
	if ((f & ~ARRAY_FLAGS) || !ubee_map_flags_access_ok(f) ||
	    (percpu && (f & UBEE_F_NUMA_NODE))) {
		ubee_logf(log, "array: invalid map_flags 0x%x", f);
		return -EINVAL;
	}
	if (spec->type != UBEE_MAP_ARRAY &&
	    (f & (UBEE_F_MMAPABLE | UBEE_F_INNER_MAP))) {
		ubee_logf(log, "array: mmapable and inner_map are for plain arrays");
		return -EINVAL;
	}
	if (f & UBEE_F_PRESERVE_ELEMS) {
		ubee_logf(log, "array: preserve_elems is for perf event arrays");
		return -EINVAL;
	}
	if (spec->value_size > UBEE_MAP_MAX_ARRAY_VALUE ||
	    (percpu && ((spec->value_size + 7) & ~7u) > UBEE_MAP_MAX_PERCPU_VALUE)) {
		ubee_logf(log, "array: value_size %u too large", spec->value_size);
		return -E2BIG;
	}
	return 0;
}

/* Prog arrays and arrays of maps: the value is a 4-byte handle. */
static int fd_array_check(const struct ubee_map_spec *spec,
			  struct ubee_log *log)
{
	if (spec->value_size != 4) {
		ubee_logf(log, "array: value_size must be 4 for %s",
			  ubee_map_type_name(spec->type));
		return -EINVAL;
	}
	if (spec->map_flags & (UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG)) {
		ubee_logf(log, "array: rdonly_prog/wronly_prog not supported");
		return -EINVAL;
	}
	return array_check(spec, log);
}

static int array_of_maps_check(const struct ubee_map_spec *spec,
			       struct ubee_log *log)
{
	int err = fd_array_check(spec, log);

	if (err)
		return err;
	if (!spec->inner) {
		ubee_logf(log, "array_of_maps: needs an inner map");
		return -EINVAL;
	}
	if (spec->inner->inner_meta || spec->inner->ops->get_ptr) {
		ubee_logf(log, "array_of_maps: inner map of type %s not supported",
			  ubee_map_type_name(spec->inner->type));
		return -EINVAL;
	}
	return 0;
}

/* Bytes of values: one block per CPU (64-aligned) for per-CPU arrays. */
static uint64_t array_bytes(const struct ubee_map *map, uint32_t stride,
			    int percpu, uint64_t *cpu_stride)
{
	uint64_t block = (uint64_t)map->max_entries * stride;

	*cpu_stride = percpu ? (block + 63) & ~63ull : 0;
	return percpu ? *cpu_stride * ubee_map_nr_cpus() : block;
}

/* The view of values (zeroed, 64-aligned) at v; priv is the only
 * allocation (values live in the caller's memory). */
static int array_view(struct ubee_map *map, char *v, uint32_t stride,
		      int percpu)
{
	struct ubee_array *a = ubee_calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	array_bytes(map, stride, percpu, &a->cpu_stride);
	a->values = v;
	a->stride = stride;
	a->max_entries = map->max_entries;
	a->nr_cpus = percpu ? ubee_map_nr_cpus() : 1;
	map->priv = a;
	return 0;
}

/*
 * Plain and per-CPU arrays keep their values in the map's shared region
 * (pinnable); nothing in it is an index, so a region from a file needs
 * no checks, and every write is a plain store: no lock to repair.
 */
static uint64_t array_shm_size(const struct ubee_map *map)
{
	uint64_t cs;

	return array_bytes(map, ubee_map_percpu_stride(map),
			   is_percpu(map->type), &cs);
}

static int array_shm_attach(struct ubee_map *map, void *mem, int fresh,
			    struct ubee_log *log)
{
	return array_view(map, mem, ubee_map_percpu_stride(map),
			  is_percpu(map->type));
}

static void array_fini(struct ubee_map *map)
{
	ubee_free(map->priv);
	map->priv = NULL;
}

/* Pointer arrays: one allocation, the view followed by the slots. */
static int ptr_array_init(struct ubee_map *map,
			  const struct ubee_map_spec *spec)
{
	uint64_t cs, total = array_bytes(map, sizeof(void *), 0, &cs);
	char *mem;
	int err;

	if (total > SIZE_MAX - 64)
		return -ENOMEM;
	mem = ubee_calloc(1, (size_t)total + 64);
	if (!mem)
		return -ENOMEM;
	err = array_view(map, (char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63),
			 sizeof(void *), 0);
	if (err) {
		ubee_free(mem);
		return err;
	}
	((struct ubee_array *)map->priv)->base = mem;
	return 0;
}

static void ptr_array_fini(struct ubee_map *map)
{
	struct ubee_array *a = map->priv;

	ubee_free(a->base);
	array_fini(map);
}

/* ---- plain arrays ---------------------------------------------------------- */

static inline uint32_t key_index(const void *key)
{
	uint32_t i;

	memcpy(&i, key, sizeof(i));
	return i;
}

static void *array_lookup(struct ubee_map *map, const void *key)
{
	return ubee_array_elem(map, key_index(key));
}

/* The kernel's order: bad flags, index, BPF_NOEXIST (every index exists). */
static long array_check_update(struct ubee_map *map, uint32_t i,
			       uint64_t flags)
{
	if ((flags & ~(uint64_t)UBEE_F_LOCK) > UBEE_EXIST)
		return -EINVAL;
	if (i >= map->max_entries)
		return -E2BIG;
	if (flags & UBEE_NOEXIST)
		return -EEXIST;
	if (flags & UBEE_F_LOCK)
		return -EINVAL; /* no bpf_spin_lock in ubee values */
	return 0;
}

static long array_update(struct ubee_map *map, const void *key,
			 const void *value, uint64_t flags)
{
	uint32_t i = key_index(key);
	long err = array_check_update(map, i, flags);

	if (!err)
		memcpy(ubee_array_elem(map, i), value, map->value_size);
	return err;
}

/* Array elements cannot be deleted. */
static long array_delete(struct ubee_map *map, const void *key)
{
	return -EINVAL;
}

/*
 * The kernel's order: no key or one out of range gives index 0; the last
 * index gives -ENOENT; else the next index.
 */
static int array_get_next_key(struct ubee_map *map, const void *key,
			      void *next_key)
{
	uint32_t i = key ? key_index(key) : UINT32_MAX, next;

	if (i >= map->max_entries)
		next = 0;
	else if (i == map->max_entries - 1)
		return -ENOENT;
	else
		next = i + 1;
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

/* The value of index i for this run's CPU (plain arrays: cpu 0). */
static void *elem_cpu(const struct ubee_array *a, uint32_t i, uint32_t cpu)
{
	return a->values + cpu * a->cpu_stride + (uint64_t)i * a->stride;
}

/* Calls fn for every index in order; returns the number of calls. */
static long array_for_each(struct ubee_map *map,
			   long (*fn)(struct ubee_map *map, void *key,
				      void *value, void *ctx),
			   void *ctx, uint64_t flags)
{
	const struct ubee_array *a = map->priv;
	uint32_t cpu = is_percpu(map->type) ? ubee_map_cpu() : 0;
	long n = 0;

	if (flags)
		return -EINVAL;
	for (uint32_t i = 0; i < a->max_entries; i++) {
		uint32_t key = i;

		n++;
		if (fn(map, &key, elem_cpu(a, i, cpu), ctx))
			break;
	}
	return n;
}

const struct ubee_map_ops ubee_array_ops = {
	.check = array_check,
	.fini = array_fini,
	.shm_size = array_shm_size,
	.shm_attach = array_shm_attach,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.for_each = array_for_each,
	.get_next_key = array_get_next_key,
};

/* ---- per-CPU arrays ------------------------------------------------------ */

static void *percpu_array_lookup_cpu(struct ubee_map *map, const void *key,
				     uint32_t cpu)
{
	const struct ubee_array *a = map->priv;
	uint32_t i = key_index(key);

	if (i >= a->max_entries || cpu >= a->nr_cpus)
		return NULL;
	return elem_cpu(a, i, cpu);
}

static void *percpu_array_lookup(struct ubee_map *map, const void *key)
{
	return percpu_array_lookup_cpu(map, key, ubee_map_cpu());
}

/* A program's update writes its CPU's value only. */
static long percpu_array_update(struct ubee_map *map, const void *key,
				const void *value, uint64_t flags)
{
	uint32_t i = key_index(key);
	long err = array_check_update(map, i, flags);

	if (!err)
		memcpy(elem_cpu(map->priv, i, ubee_map_cpu()), value,
		       map->value_size);
	return err;
}

/* User space sees every CPU's value, stride bytes each (padding too). */
static int percpu_array_sys_lookup(struct ubee_map *map, const void *key,
				   void *value)
{
	const struct ubee_array *a = map->priv;
	uint32_t i = key_index(key);

	if (i >= a->max_entries)
		return -ENOENT;
	for (uint32_t c = 0; c < a->nr_cpus; c++)
		memcpy((char *)value + (size_t)c * a->stride, elem_cpu(a, i, c),
		       a->stride);
	return 0;
}

static int percpu_array_sys_update(struct ubee_map *map, const void *key,
				   const void *value, uint64_t flags)
{
	const struct ubee_array *a = map->priv;
	uint32_t i = key_index(key);
	int err = (int)array_check_update(map, i, flags);

	if (err)
		return err;
	for (uint32_t c = 0; c < a->nr_cpus; c++)
		memcpy(elem_cpu(a, i, c), (const char *)value + (size_t)c * a->stride,
		       a->stride);
	return 0;
}

const struct ubee_map_ops ubee_percpu_array_ops = {
	.check = array_check,
	.fini = array_fini,
	.shm_size = array_shm_size,
	.shm_attach = array_shm_attach,
	.lookup = percpu_array_lookup,
	.update = percpu_array_update,
	.delete = array_delete,
	.lookup_cpu = percpu_array_lookup_cpu,
	.for_each = array_for_each,
	.sys_lookup = percpu_array_sys_lookup,
	.sys_update = percpu_array_sys_update,
	.get_next_key = array_get_next_key,
};

/* ---- pointer arrays --------------------------------------------------------- */

static void **slot(struct ubee_map *map, const void *key)
{
	return ubee_array_elem(map, key_index(key));
}

static void *ptr_array_get_ptr(struct ubee_map *map, const void *key)
{
	void **s = slot(map, key);

	return s ? __atomic_load_n(s, __ATOMIC_ACQUIRE) : NULL;
}

/*
 * User space reads handles (map.h), which ubee does not have yet: the
 * slots are reached through ubee_map_set_ptr and the get_ptr op.
 */
static int ptr_array_sys_lookup(struct ubee_map *map, const void *key,
				void *value)
{
	return -EOPNOTSUPP;
}

/* Store ptr in the slot; returns the previous one through *old. */
static int ptr_array_swap(struct ubee_map *map, const void *key, void *ptr,
			  void **old)
{
	void **s = slot(map, key);

	if (!s)
		return -E2BIG;
	*old = __atomic_exchange_n(s, ptr, __ATOMIC_ACQ_REL);
	/* Clearing an empty slot is the kernel's delete of a missing key. */
	return !ptr && !*old ? -ENOENT : 0;
}

static int prog_array_set_ptr(struct ubee_map *map, const void *key,
			      void *ptr)
{
	void *old;

	return ptr_array_swap(map, key, ptr, &old);
}

/* The inner map of this index, or NULL: what a program's lookup sees. */
static void *array_of_maps_lookup(struct ubee_map *map, const void *key)
{
	return ptr_array_get_ptr(map, key);
}

static int array_of_maps_set_ptr(struct ubee_map *map, const void *key,
				 void *ptr)
{
	struct ubee_map *inner = ptr;
	void *old = NULL;
	int err;

	if (inner && ubee_map_meta_equal(map->inner_meta, inner))
		return -EINVAL;
	ubee_map_get(inner);
	err = ptr_array_swap(map, key, inner, &old);
	if (err) {
		ubee_map_put(inner);
		return err;
	}
	if (old) {
		ubee_map_sync();
		ubee_map_put(old);
	}
	return 0;
}

static void array_of_maps_fini(struct ubee_map *map)
{
	const struct ubee_array *a = map->priv;

	for (uint32_t i = 0; i < a->max_entries; i++)
		ubee_map_put(*(struct ubee_map **)elem_cpu(a, i, 0));
	ptr_array_fini(map);
}

const struct ubee_map_ops ubee_prog_array_ops = {
	.check = fd_array_check,
	.init = ptr_array_init,
	.fini = ptr_array_fini,
	.sys_lookup = ptr_array_sys_lookup,
	.get_next_key = array_get_next_key,
	.get_ptr = ptr_array_get_ptr,
	.set_ptr = prog_array_set_ptr,
};

const struct ubee_map_ops ubee_array_of_maps_ops = {
	.check = array_of_maps_check,
	.init = ptr_array_init,
	.fini = array_of_maps_fini,
	.lookup = array_of_maps_lookup,
	.sys_lookup = ptr_array_sys_lookup,
	.get_next_key = array_get_next_key,
	.get_ptr = ptr_array_get_ptr,
	.set_ptr = array_of_maps_set_ptr,
};
