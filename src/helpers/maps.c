// SPDX-License-Identifier: MIT
/*
 * Map helpers: the program side of maps (lookup, update, delete, queue
 * and stack operations, per-CPU lookup, iteration), tail calls through
 * program arrays, and bpf_spin_lock in map values. Each goes through the
 * map type's ops (maps/maps.h); a type that lacks an op answers as the
 * kernel's would (-ENOTSUPP, or NULL for lookups).
 *
 * Checked runs: the interpreter has made sure map arguments are maps of
 * the program and keys/values are readable; here, memory a helper hands
 * out becomes accessible (a value: writable unless the map is read-only
 * for programs; an inner map of a map of maps: usable as a map), and
 * memory a helper writes must be writable.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/maps.h"
#include "ubee/btf.h"
#include "ubee/pin.h"
#include "util/util.h"
#include "vm/vm.h"

#define MAP(m) ((struct ubee_map *)(uintptr_t)(m))
#define PTR(p) ((void *)(uintptr_t)(p))

/*
 * What a lookup returned becomes accessible to a checked run. Returns v,
 * or 0 after failing the run when that cannot be recorded.
 */
static uint64_t hand_out(struct ubee_map *map, void *v, const char *helper)
{
	struct ubee_run *run = ubee_run_current();
	int err;

	if (!v || !run || !run->checked)
		return (uintptr_t)v;
	if (map->inner_meta)
		err = ubee_vm_add_inner_map(run, v);
	else
		err = ubee_run_allow(run, v, map->value_size,
				     !(map->map_flags & UBEE_F_RDONLY_PROG));
	if (err) {
		ubee_vm_fail(run, err, "%s: cannot record the value for checks (%d)",
			     helper, err);
		return 0;
	}
	return (uintptr_t)v;
}

/*
 * bpf_map_lookup_elem(map, key): the value, or NULL. Arrays, the most
 * common map, are looked up here (array.c's lookup is ubee_array_elem)
 * rather than through an indirect call.
 */
uint64_t ubee_bpf_map_lookup_elem(uint64_t m, uint64_t key, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = MAP(m);
	uint32_t index;

	if (map->type == UBEE_MAP_ARRAY) {
		memcpy(&index, PTR(key), sizeof(index));
		return hand_out(map, ubee_array_elem(map, index),
				"bpf_map_lookup_elem");
	}
	if (!map->ops->lookup)
		return 0;
	return hand_out(map, map->ops->lookup(map, PTR(key)),
			"bpf_map_lookup_elem");
}

/* bpf_map_lookup_percpu_elem(map, key, cpu): that CPU's value, or NULL. */
uint64_t ubee_bpf_map_lookup_percpu_elem(uint64_t m, uint64_t key,
					 uint64_t cpu, uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = MAP(m);

	if (!map->ops->lookup_cpu || (uint32_t)cpu >= ubee_map_nr_cpus())
		return 0;
	return hand_out(map, map->ops->lookup_cpu(map, PTR(key), (uint32_t)cpu),
			"bpf_map_lookup_percpu_elem");
}

/* A write from a program into a map it may only read: the verifier's
 * "write into map forbidden", which checked runs report. */
static int prog_may_write(struct ubee_map *map, const char *helper)
{
	struct ubee_run *run;

	if (!(map->map_flags & UBEE_F_RDONLY_PROG))
		return 1;
	run = ubee_run_current();
	if (run && run->checked)
		ubee_vm_fail(run, -EACCES, "%s: map %s is read-only for programs",
			     helper, map->name);
	return 0;
}

/* bpf_map_update_elem(map, key, value, flags): 0 or -errno. */
uint64_t ubee_bpf_map_update_elem(uint64_t m, uint64_t key, uint64_t value,
				  uint64_t flags, uint64_t r5)
{
	struct ubee_map *map = MAP(m);

	if (!prog_may_write(map, "bpf_map_update_elem"))
		return (uint64_t)-EPERM;
	if (!map->ops->update)
		return (uint64_t)-UBEE_ENOTSUPP;
	return (uint64_t)map->ops->update(map, PTR(key), PTR(value), flags);
}

/* bpf_map_delete_elem(map, key): 0 or -errno. */
uint64_t ubee_bpf_map_delete_elem(uint64_t m, uint64_t key, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = MAP(m);

	if (!prog_may_write(map, "bpf_map_delete_elem"))
		return (uint64_t)-EPERM;
	if (!map->ops->delete)
		return (uint64_t)-UBEE_ENOTSUPP;
	return (uint64_t)map->ops->delete(map, PTR(key));
}

/* bpf_map_push_elem(map, value, flags): 0 or -errno. */
uint64_t ubee_bpf_map_push_elem(uint64_t m, uint64_t value, uint64_t flags,
				uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = MAP(m);

	if (!prog_may_write(map, "bpf_map_push_elem"))
		return (uint64_t)-EPERM;
	if (!map->ops->push)
		return (uint64_t)-UBEE_ENOTSUPP;
	return (uint64_t)map->ops->push(map, PTR(value), flags);
}

/* pop/peek write value_size bytes to value: writable in checked runs. */
static int value_writable(struct ubee_map *map, uint64_t value,
			  const char *helper)
{
	return !ubee_helper_check_mem(ubee_run_current(), helper, 2, PTR(value),
				      map->value_size, 1);
}

/* bpf_map_pop_elem(map, value): 0 or -errno (-ENOENT when empty). */
uint64_t ubee_bpf_map_pop_elem(uint64_t m, uint64_t value, uint64_t r3,
			       uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = MAP(m);

	if (!value_writable(map, value, "bpf_map_pop_elem"))
		return 0;
	if (!prog_may_write(map, "bpf_map_pop_elem"))
		return (uint64_t)-EPERM;
	if (!map->ops->pop)
		return (uint64_t)-UBEE_ENOTSUPP;
	return (uint64_t)map->ops->pop(map, PTR(value));
}

/* bpf_map_peek_elem(map, value): 0 or -errno. */
uint64_t ubee_bpf_map_peek_elem(uint64_t m, uint64_t value, uint64_t r3,
				uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = MAP(m);

	if (!value_writable(map, value, "bpf_map_peek_elem"))
		return 0;
	if (!map->ops->peek)
		return (uint64_t)-UBEE_ENOTSUPP;
	return (uint64_t)map->ops->peek(map, PTR(value));
}

/* The state of one bpf_for_each_map_elem call. */
struct for_each {
	struct ubee_run *run;
	uint64_t func;
	uint64_t cb_ctx;
	int ending;    /* the run is ending: stop and ignore the result */
};

/* Calls callback(map, key, value, ctx); non-zero stops the iteration. */
static long for_each_elem(struct ubee_map *map, void *key, void *value,
			  void *arg)
{
	struct for_each *fe = arg;
	const uint64_t args[5] = { (uintptr_t)map, (uintptr_t)key,
				   (uintptr_t)value, fe->cb_ctx };
	uint64_t ret = 0;

	if (fe->run->checked &&
	    (ubee_run_allow(fe->run, key, map->key_size, 0) ||
	     ubee_run_allow(fe->run, value, map->value_size,
			    !(map->map_flags & UBEE_F_RDONLY_PROG)))) {
		ubee_vm_fail(fe->run, -ENOMEM,
			     "bpf_for_each_map_elem: cannot record the element for checks");
		fe->ending = 1;
		return 1;
	}
	if (ubee_vm_callback(fe->run, fe->func, args, &ret)) {
		fe->ending = 1;
		return 1;
	}
	return ret != 0;
}

/*
 * bpf_for_each_map_elem(map, callback, callback_ctx, flags): the number
 * of elements the callback saw; -EINVAL for flags.
 */
uint64_t ubee_bpf_for_each_map_elem(uint64_t m, uint64_t func, uint64_t cb_ctx,
				    uint64_t flags, uint64_t r5)
{
	struct ubee_map *map = MAP(m);
	struct for_each fe = { ubee_run_current(), func, cb_ctx, 0 };
	long n;

	if (!fe.run || flags)
		return (uint64_t)-EINVAL;
	if (!map->ops->for_each)
		return (uint64_t)-UBEE_ENOTSUPP;
	n = map->ops->for_each(map, for_each_elem, &fe, 0);
	return fe.ending ? 0 : (uint64_t)n;
}

int ubee_prog_array_tail_call(void *m, uint32_t index,
			      const struct ubee_prog **next)
{
	struct ubee_run *run = ubee_run_current();
	struct ubee_map *map = m;
	const struct ubee_prog *p;

	/* map is whatever the program passed: only trust one of its maps. */
	if (!run || !ubee_vm_prog_has_map(run->prog, map) ||
	    map->type != UBEE_MAP_PROG_ARRAY || !map->ops->get_ptr ||
	    index >= map->max_entries)
		return -ENOENT;
	p = map->ops->get_ptr(map, &index);
	if (!p || p->type != run->prog->type)
		return -ENOENT;
	*next = p;
	return 0;
}

/*
 * bpf_tail_call(ctx, prog_array, index): on success the interpreter
 * continues with the next program and this call never "returns" to the
 * caller; on failure it returns a negative errno and the caller goes on.
 */
uint64_t ubee_bpf_tail_call(uint64_t ctx, uint64_t map, uint64_t index,
			    uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();

	if (!run)
		return (uint64_t)-EINVAL;
	return (uint64_t)(int64_t)ubee_vm_tail_call(run, PTR(map),
						    (uint32_t)index);
}

/*
 * bpf_spin_lock(lock): the maps' spin lock on the 4-byte lock word inside
 * a map value (0: free), so user-space updates with BPF_F_LOCK take the
 * same lock. A program holds at most one. Verified programs take it on
 * the fast path. Checked runs (unverified code) accept, as the kernel's
 * verifier, only the struct bpf_spin_lock of a value of one of the
 * program's maps whose BTF value type holds one (array and hash maps:
 * the types the kernel allows locks in), and fail on a second lock, on
 * unlocking another, and on a lock that stays taken for longer than the
 * run's instruction budget allows (a word the program wrote, or a holder
 * that never unlocks): waiting counts against that budget, a pause as
 * one instruction and a yield of the CPU as LOCK_YIELD_COST.
 */
#define LOCK_YIELD_COST 128
#define LOCK_SPINS 128

/*
 * 1 when value (a lock's address minus the map's lock offset) is the start
 * of a value of map: an array element, or a hash value the run was handed
 * (such a region is exactly one value, never merged with another: values
 * of a hash map are apart).
 */
static int is_value_of(const struct ubee_run *run, const struct ubee_map *map,
		       uintptr_t value)
{
	if (map->type == UBEE_MAP_ARRAY) {
		const struct ubee_array *a = map->priv;
		uintptr_t first = (uintptr_t)a->values;

		return value >= first && (value - first) % a->stride == 0 &&
		       (value - first) / a->stride < a->max_entries;
	}
	if (map->type == UBEE_MAP_HASH && map->shm) {
		uintptr_t lo = (uintptr_t)ubee_map_region(map);

		return value >= lo && value - lo < map->shm_span - UBEE_MAP_SHM_HDR &&
		       !ubee_vm_region_check(run, value, map->value_size, 1,
					     run->depth);
	}
	return 0;
}

/* 1 when l is the bpf_spin_lock of a value of one of the program's maps. */
static int is_map_lock(const struct ubee_run *run, uintptr_t l)
{
	for (size_t i = 0; i < run->prog->nr_maps; i++) {
		struct ubee_map *m = run->prog->maps[i];
		const struct ubee_btf *btf;
		uint32_t vid = 0;
		int off;

		if ((m->type != UBEE_MAP_ARRAY && m->type != UBEE_MAP_HASH) ||
		    ubee_map_btf(m, &btf, NULL, &vid) || !vid)
			continue;
		off = ubee_btf_struct_offset(btf, vid, "bpf_spin_lock");
		if (off >= 0 && (uint64_t)off + 4 <= m->value_size &&
		    l >= (uintptr_t)off && is_value_of(run, m, l - (uintptr_t)off))
			return 1;
	}
	return 0;
}

/* Take l within the run's budget: 0, or -ETIME when it stayed taken. */
static int lock_bounded(struct ubee_run *run, uint32_t *l)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
		do {
			if (run->insn_count >= run->budget)
				return -ETIME;
			if (++spins < LOCK_SPINS) {
				ubee_cpu_relax();
				run->insn_count++;
			} else {
				sched_yield();
				run->insn_count += LOCK_YIELD_COST;
			}
		} while (__atomic_load_n(l, __ATOMIC_RELAXED));
	}
	return 0;
}

uint64_t ubee_bpf_spin_lock(uint64_t lock, uint64_t r2, uint64_t r3,
			    uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();
	uint32_t *l = PTR(lock);

	if (!run)
		return 0;
	if (!run->checked) {
		ubee_spin_lock(l);
		goto taken;
	}
	if (ubee_helper_check_mem(run, "bpf_spin_lock", 1, l, 4, 1))
		return 0;
	if (lock % 4) {
		ubee_vm_fail(run, -EFAULT,
			     "bpf_spin_lock arg1: %p is not 4-byte aligned", l);
		return 0;
	}
	if (run->spin_lock) {
		ubee_vm_fail(run, -EINVAL,
			     "bpf_spin_lock: the lock taken at %zu is still held",
			     run->spin_lock_idx);
		return 0;
	}
	if (!is_map_lock(run, (uintptr_t)lock)) {
		ubee_vm_fail(run, -EINVAL,
			     "bpf_spin_lock arg1: %p is not the struct bpf_spin_lock of a map value (the map's BTF says where it is)",
			     l);
		return 0;
	}
	if (lock_bounded(run, l)) {
		ubee_vm_fail(run, -ETIME,
			     "bpf_spin_lock: the lock at %p stayed taken for the rest of the instruction budget of %llu (never unlocked?)",
			     l, (unsigned long long)run->budget);
		return 0;
	}
taken:
	run->spin_lock = l;
	run->spin_lock_idx = run->call_idx;
	return 0;
}

uint64_t ubee_bpf_spin_unlock(uint64_t lock, uint64_t r2, uint64_t r3,
			      uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();
	uint32_t *l = PTR(lock);

	if (!run)
		return 0;
	/* With no lock held, spin_lock is NULL: unlocking NULL must fail too. */
	if (run->checked && (!run->spin_lock || run->spin_lock != l)) {
		ubee_vm_fail(run, -EINVAL, "bpf_spin_unlock: %p is not the lock held", l);
		return 0;
	}
	ubee_spin_unlock(l);
	run->spin_lock = NULL;
	return 0;
}
