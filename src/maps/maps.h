/* SPDX-License-Identifier: MIT */
/*
 * Internals of maps: the object every map type shares and the ops table
 * each type fills in (kernel style: one struct ubee_map_ops per type,
 * found by type number in a table, no switches on the type elsewhere).
 *
 * Two kinds of callers:
 *  - programs, through helpers: lookup returns a pointer into the map's
 *    storage (for per-CPU maps, the slot of the run's CPU), update/delete
 *    copy; these are the fast paths and must be safe when many threads
 *    run programs at once;
 *  - user space (CLI, embedder), through the sys_* ops: values are copied
 *    out and in (per-CPU maps: every CPU's slot).
 *
 * Storage is designed to move into a shared memory-mapped file later
 * (pinning): keep it in one or a few contiguous allocations addressed by
 * offsets or indices, not by pointers stored inside the storage.
 */
#ifndef UBEE_MAPS_H
#define UBEE_MAPS_H

#include <stdint.h>

#include "ubee/map.h"

struct ubee_map;

struct ubee_map_ops {
	/* Check a spec for this type (sizes, flags): 0 or -EINVAL, logged. */
	int (*check)(const struct ubee_map_spec *spec, struct ubee_log *log);
	/* Allocate the type's storage into map->priv: 0 or -errno. */
	int (*init)(struct ubee_map *map, const struct ubee_map_spec *spec);
	void (*fini)(struct ubee_map *map);

	/* Program side (helpers). NULL when the type lacks the op. */
	void *(*lookup)(struct ubee_map *map, const void *key);
	long (*update)(struct ubee_map *map, const void *key, const void *value,
		       uint64_t flags);
	long (*delete)(struct ubee_map *map, const void *key);
	long (*push)(struct ubee_map *map, const void *value, uint64_t flags);
	long (*pop)(struct ubee_map *map, void *value);
	long (*peek)(struct ubee_map *map, void *value);
	/* Per-CPU maps: the value of cpu (bpf_map_lookup_percpu_elem). */
	void *(*lookup_cpu)(struct ubee_map *map, const void *key, uint32_t cpu);
	/*
	 * bpf_for_each_map_elem: call fn(map, key, value, ctx) for each
	 * element until it returns non-zero; returns the number of calls.
	 */
	long (*for_each)(struct ubee_map *map,
			 long (*fn)(struct ubee_map *map, void *key,
				    void *value, void *ctx),
			 void *ctx, uint64_t flags);

	/* User side: copies (per-CPU: all CPUs). NULL: use the program op. */
	int (*sys_lookup)(struct ubee_map *map, const void *key, void *value);
	int (*sys_update)(struct ubee_map *map, const void *key,
			  const void *value, uint64_t flags);
	int (*get_next_key)(struct ubee_map *map, const void *key,
			    void *next_key);
	/* Prog arrays and maps of maps: slot key's pointer (NULL: none). */
	void *(*get_ptr)(struct ubee_map *map, const void *key);
	int (*set_ptr)(struct ubee_map *map, const void *key, void *ptr);

	/*
	 * Shared storage, for the types that can be pinned (NULL: the type
	 * keeps its storage in ubee_malloc'd memory and cannot be pinned).
	 * Such a type keeps everything it shares - locks, counters, keys,
	 * values - in one region of shm_size(map) bytes (page-rounded by the
	 * caller) addressed by offsets and indices only; priv holds this
	 * process's pointers into it. The region follows the map's header
	 * page (src/pin/map_file.h) and may be a file mapped by several
	 * processes at once.
	 */
	uint64_t (*shm_size)(const struct ubee_map *map);
	/*
	 * Build priv over the region at mem (page-aligned): fresh (zeroed
	 * memory) initialises the contents (init's job); else the contents
	 * come from a file: check every index and position in them against
	 * the geometry (-EINVAL, logged), never trusting them blindly.
	 */
	int (*shm_attach)(struct ubee_map *map, void *mem, int fresh,
			  struct ubee_log *log);
	/*
	 * Bring the region back to a consistent state after a process died
	 * holding one of its locks (lost elements freed, counts recounted);
	 * NULL when every change is already atomic. 0 or -errno (logged).
	 */
	int (*repair)(struct ubee_map *map, struct ubee_log *log);
	/* Bytes at the end of the region mapped a second time right after
	 * it (ring buffers' data), 0 for none. */
	uint64_t (*shm_mirror)(const struct ubee_map *map);
};

struct ubee_map {
	const struct ubee_map_ops *ops;
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t map_extra;
	char name[16];
	int frozen;              /* user space may no longer write */
	long refcnt;             /* atomic */
	/* Maps of maps: the geometry inner maps must match (a reference). */
	struct ubee_map *inner_meta;
	void *priv;              /* the type's storage */
	/*
	 * Types with shm ops: the header page, then the type's region at
	 * shm + UBEE_MAP_SHM_HDR; shm_span bytes mapped in all (src/pin).
	 */
	struct ubee_map_hdr *shm;
	uint64_t shm_span;
	struct ubee_map_pin *pin; /* pin path, BTF, id (src/pin); or NULL */
	uint32_t id;
};

/* Bytes of the header page before a map's shared region. */
#define UBEE_MAP_SHM_HDR 4096u

/* The shared region of a map with shm ops. */
static inline void *ubee_map_region(const struct ubee_map *map)
{
	return (char *)map->shm + UBEE_MAP_SHM_HDR;
}

/*
 * Shared storage life (src/pin/map_file.c): allocate the header page and
 * region for a new map (anonymous memory; a memfd when the type mirrors
 * its tail) and attach the type; free it (unmap, pin state). 0 / -errno.
 */
int ubee_map_shm_new(struct ubee_map *map, struct ubee_log *log);
void ubee_map_shm_free(struct ubee_map *map);
/* Offset of the frozen flag in the header page (map_file.h checks it). */
#define UBEE_MAP_HDR_FROZEN_OFF 100u

/* The word holding the map's frozen flag (shared when pinned). */
static inline int *ubee_map_frozen_word(struct ubee_map *map)
{
	return map->shm ? (int *)((char *)map->shm + UBEE_MAP_HDR_FROZEN_OFF)
			: &map->frozen;
}
/* Mark a map as needing repair (a dead lock holder was found); the
 * word itself (NULL without shared storage). */
void ubee_map_set_dirty(struct ubee_map *map);
uint32_t *ubee_map_dirty_word(struct ubee_map *map);
int ubee_map_dirty(const struct ubee_map *map);
void ubee_map_clear_dirty(struct ubee_map *map);

/* The ops of a map type, or NULL when ubee lacks the type. */
const struct ubee_map_ops *ubee_map_ops_of(uint32_t type);

/*
 * The CPU slot of the current thread for per-CPU maps and
 * bpf_get_smp_processor_id: while a program runs, the slot its run holds
 * exclusively (so two runs never interleave updates of one per-CPU value);
 * outside a run, sched_getcpu() bounded by ubee_map_nr_cpus().
 */
unsigned ubee_map_cpu(void);

/*
 * Claim a CPU slot for the run starting on this thread: the slot of
 * sched_getcpu() when free, else another free one, waiting (yield) when
 * all are held. Nested runs on one thread keep the slot they hold.
 * ubee_map_cpu_exit releases what ubee_map_cpu_enter returned.
 */
unsigned ubee_map_cpu_enter(void);
void ubee_map_cpu_exit(unsigned cpu);
/* 1 while this thread's run (or batch) holds a slot. */
int ubee_map_cpu_in_run(void);

/*
 * Wait until every program run that was in progress when called has
 * ended (runs hold a slot from ubee_map_cpu_enter): after unpublishing a
 * pointer (an inner map taken out of a map of maps), the pointer may be
 * freed once this returns. Like the kernel's synchronize_rcu(), for the
 * user side only; a run on the calling thread is not waited for.
 */
void ubee_map_sync(void);

/*
 * Shared CPU slots (cpushare.c): runs of processes that share per-CPU
 * data claim slots in claim tables, files named UBEE_CPUS_FILE next to
 * the map files (docs/PINNING.md), instead of cpu.c's process-local
 * table. ubee_map_cpus_share(map, path) is called before a per-CPU map
 * file at path becomes reachable by this process's runs (opening) or by
 * other processes (pinning, before the link): it maps the directory's
 * table (created when missing, refused with a log line when malformed),
 * from then on used by every run, and waits (ubee_map_sync) for the
 * runs that claimed without it. No-op for other map types. 0 or -errno.
 */
#define UBEE_CPUS_FILE ".ubee-cpus"
#define UBEE_CPUS_MAX_TABLES 8
int ubee_map_cpus_share(const struct ubee_map *map, const char *path,
			struct ubee_log *log);
/* Tables in use (0: local slots only); hidden: one load in the run path. */
extern unsigned ubee_cpus_nr_shared __attribute__((visibility("hidden")));
/*
 * Claim a slot, starting at start, in every table in use (as
 * ubee_map_cpu_enter: waiting, taking over dead holders' slots); *nt gets
 * the number of tables claimed, which ubee_cpus_release takes back.
 */
unsigned ubee_cpus_claim(unsigned start, unsigned *nt);
void ubee_cpus_release(unsigned nt, unsigned cpu);
/* ubee_map_sync's part for shared slots: this process's runs, but the
 * calling thread's own claim on slot skip. */
void ubee_cpus_sync(unsigned skip);

/* Spin-wait hint for busy loops. */
static inline void ubee_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * A 4-byte spin lock (0: free) for short critical sections such as a hash
 * bucket: test-and-set, spinning on plain loads, yielding the CPU when
 * the holder seems descheduled. Lives inside map storage (no pointers).
 */
void ubee_spin_wait(uint32_t *lock);

static inline void ubee_spin_lock(uint32_t *lock)
{
	if (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		ubee_spin_wait(lock);
}

static inline void ubee_spin_unlock(uint32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/*
 * Robust locks for storage shared between processes (lock.c): the word
 * holds the owner's process id (0: free). A waiter that finds the owner
 * dead (gone or a zombie, checked about every millisecond) takes the lock
 * over, so no lock stays stuck after a process is killed holding it.
 * ubee_rlock returns 0, or 1 when the lock was taken over: the caller
 * then holds it but must expect half-done changes of the dead owner.
 * Processes sharing a map must share a pid namespace.
 */
/* 0 until ubee_lock_self_init(); hidden: no GOT load in the lock path. */
extern uint32_t ubee_self_pid __attribute__((visibility("hidden")));
uint32_t ubee_lock_self_init(void);
int ubee_rlock_wait(uint32_t *lock, uint32_t self);
/* 1 when process pid is running (not gone, not a zombie). */
int ubee_pid_alive(uint32_t pid);

/* This process's id as lock owner (cached; reset in a forked child). */
static inline uint32_t ubee_lock_self(void)
{
	uint32_t p = __atomic_load_n(&ubee_self_pid, __ATOMIC_RELAXED);

	return p ? p : ubee_lock_self_init();
}

static inline int ubee_rlock(uint32_t *lock)
{
	uint32_t self = ubee_lock_self(), zero = 0;

	if (__atomic_compare_exchange_n(lock, &zero, self, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return 0;
	return ubee_rlock_wait(lock, self);
}

static inline void ubee_runlock(uint32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/*
 * Take over lock if its owner is dead (without waiting for a live one):
 * 1 taken over (the caller holds it now), 0 free or held by a live
 * process. For repairs that inspect locks from outside.
 */
int ubee_rlock_steal_dead(uint32_t *lock);

/* At most this many CPU slots (ubee_map_nr_cpus() is bounded by it). */
#define UBEE_MAP_MAX_CPUS 1024

/*
 * Size limits, the kernel's (6.x, x86-64): hash elements must fit in
 * KMALLOC_MAX_SIZE, per-CPU values in PCPU_MIN_UNIT_SIZE, array values
 * in an int.
 */
#define UBEE_MAP_MAX_ALLOC (4u << 20)
#define UBEE_MAP_MAX_PERCPU_VALUE (32u << 10)
#define UBEE_MAP_MAX_ARRAY_VALUE 0x7fffffffu

/* The kernel's ENOTSUPP (not in user-space errno.h). */
#define UBEE_ENOTSUPP 524

/* map_flags the kernel accepts beyond the public ones (linux/bpf.h). */
#define UBEE_F_NUMA_NODE (1u << 2)      /* a hint: ignored */
#define UBEE_F_RDONLY (1u << 3)         /* user space may only read */
#define UBEE_F_WRONLY (1u << 4)         /* user space may only write */
#define UBEE_F_ZERO_SEED (1u << 6)      /* hash maps: hash seed 0 */
#define UBEE_F_PRESERVE_ELEMS (1u << 11)
#define UBEE_F_INNER_MAP (1u << 12)     /* inner maps may differ in max_entries */
#define UBEE_F_ACCESS_MASK                                                    \
	(UBEE_F_RDONLY | UBEE_F_WRONLY | UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG)

/* 0 when map_flags ask for both read-only and write-only (either side). */
static inline int ubee_map_flags_access_ok(uint32_t flags)
{
	return (flags & (UBEE_F_RDONLY | UBEE_F_WRONLY)) !=
		       (UBEE_F_RDONLY | UBEE_F_WRONLY) &&
	       (flags & (UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG)) !=
		       (UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG);
}

/*
 * Maps of maps: 0 when inner may be stored in a map whose inner_meta is
 * meta (same type, key and value size, flags; for arrays also max_entries
 * unless meta has UBEE_F_INNER_MAP), else -EINVAL.
 */
int ubee_map_meta_equal(const struct ubee_map *meta,
			const struct ubee_map *inner);

/*
 * Array storage (array.c), visible here so that lookups inline (the
 * helper fast path, the JIT): the value of index i is
 *
 *	values + i * stride		when i < max_entries, else none
 *
 * with stride = value_size rounded up to 8 (8 for prog arrays and arrays
 * of maps, whose slots hold pointers). Per-CPU arrays keep one such block
 * per CPU, cpu_stride bytes apart (a multiple of 64, so that two CPUs
 * never share a cache line): values + cpu * cpu_stride + i * stride.
 * Values are zeroed at creation and never move.
 */
struct ubee_array {
	char *values;            /* 8-aligned; inside this allocation */
	uint64_t cpu_stride;     /* per-CPU arrays; else 0 */
	uint32_t stride;
	uint32_t max_entries;
	uint32_t nr_cpus;        /* per-CPU arrays; else 1 */
	void *base;              /* pointer arrays: the allocation */
};

/*
 * The array fast path for UBEE_MAP_ARRAY (for per-CPU arrays it gives
 * CPU 0's value): a pointer to the value of index, NULL out of bounds.
 */
static inline void *ubee_array_elem(const struct ubee_map *map,
				    uint32_t index)
{
	const struct ubee_array *a = (const struct ubee_array *)map->priv;

	if (index >= a->max_entries)
		return (void *)0;
	return a->values + (uint64_t)index * a->stride;
}

/* The types' ops (array.c, hash.c). */
extern const struct ubee_map_ops ubee_array_ops, ubee_percpu_array_ops,
	ubee_prog_array_ops, ubee_array_of_maps_ops;
extern const struct ubee_map_ops ubee_hash_ops, ubee_percpu_hash_ops,
	ubee_lru_hash_ops, ubee_lru_percpu_hash_ops, ubee_hash_of_maps_ops;

/*
 * The other types' ops: lpm.c, queue.c (queue and stack), bloom.c,
 * ringbuf.c, perf.c. map.c's table refers to them by strong references:
 * a weak one would not pull their objects out of libubee.a.
 */
extern const struct ubee_map_ops ubee_lpm_ops, ubee_queue_ops, ubee_stack_ops,
	ubee_bloom_ops, ubee_ringbuf_ops, ubee_perf_event_array_ops;
extern const struct ubee_map_ops ubee_devmap_ops, ubee_devmap_hash_ops, ubee_xskmap_ops; /* devmap.c */

/* Per-CPU value stride: value_size rounded up to 8. */
static inline uint32_t ubee_map_percpu_stride(const struct ubee_map *map)
{
	return (map->value_size + 7) & ~7u;
}

#endif /* UBEE_MAPS_H */
