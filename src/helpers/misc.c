// SPDX-License-Identifier: MIT
/*
 * Helpers without a family of their own: random numbers, the CPU and NUMA
 * node, bpf_loop (through the interpreter's callback entry), bpf_strncmp;
 * and the checks of memory arguments the argument kinds cannot express,
 * which helpers make in checked runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "helpers/helpers.h"
#include "maps/maps.h"
#include "util/util.h"
#include "vm/vm.h"

/* The CPU slot this run holds (maps/cpu.c), as the kernel's CPU number. */
uint64_t ubee_bpf_get_smp_processor_id(uint64_t r1, uint64_t r2, uint64_t r3,
				       uint64_t r4, uint64_t r5)
{
	return ubee_map_cpu();
}

uint64_t ubee_bpf_get_numa_node_id(uint64_t r1, uint64_t r2, uint64_t r3,
				   uint64_t r4, uint64_t r5)
{
	unsigned cpu, node;

	return getcpu(&cpu, &node) ? 0 : node;
}

/* splitmix64: a fast, well-mixed step; also turns any seed into a state. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * One generator per thread, so threads never contend or share a
 * sequence. Seeded on first use from the clock, the thread's address
 * space position and a process-wide counter.
 */
static __thread uint64_t prandom_state;
static __thread int prandom_seeded;

uint64_t ubee_bpf_get_prandom_u32(uint64_t r1, uint64_t r2, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	static uint64_t threads;

	if (UBEE_UNLIKELY(!prandom_seeded)) {
		uint64_t n = __atomic_add_fetch(&threads, 1, __ATOMIC_RELAXED);
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		prandom_state = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
				(uint64_t)(uintptr_t)&prandom_state ^
				(n * 0xd1b54a32d192ed03ull);
		prandom_seeded = 1;
	}
	return (uint32_t)(splitmix64(&prandom_state) >> 32);
}

/*
 * bpf_loop(nr_loops, callback, callback_ctx, flags): calls
 * callback(i, callback_ctx) for i = 0.. until it returns non-zero.
 * Returns the number of calls made, or -E2BIG / -EINVAL.
 */
uint64_t ubee_bpf_loop(uint64_t nr, uint64_t func, uint64_t cb_ctx,
		       uint64_t flags, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();
	uint64_t i, ret;

	if (!run || flags)
		return (uint64_t)-EINVAL;
	if (nr > UBEE_MAX_LOOPS)
		return (uint64_t)-E2BIG;
	for (i = 0; i < nr; i++) {
		const uint64_t args[5] = { i, cb_ctx };

		if (ubee_vm_callback(run, func, args, &ret))
			return 0; /* the run is ending; ignored */
		if (ret)
			return i + 1;
	}
	return i;
}

/*
 * bpf_strncmp(s1, s1_sz, s2): compare at most s1_sz bytes with the
 * constant string s2, as the kernel's strncmp: -1, 0 or 1.
 */
uint64_t ubee_bpf_strncmp(uint64_t s1, uint64_t s1_sz, uint64_t s2,
			  uint64_t r4, uint64_t r5)
{
	const unsigned char *a = (const unsigned char *)(uintptr_t)s1;
	const unsigned char *b = (const unsigned char *)(uintptr_t)s2;
	struct ubee_run *run = ubee_run_current();

	if (run && run->checked &&
	    ubee_helper_check_str(run, "bpf_strncmp", 3, b))
		return 0;
	for (uint64_t i = 0; i < s1_sz; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? (uint64_t)-1 : 1;
		if (!a[i])
			break;
	}
	return 0;
}

int ubee_helper_check_mem(struct ubee_run *run, const char *helper, int argno,
			  const void *p, uint64_t size, int write)
{
	int why;

	if (!run || !run->checked || !size)
		return 0;
	why = ubee_vm_region_check(run, (uintptr_t)p, size, write, run->depth);
	if (!why)
		return 0;
	if (why == 2)
		return ubee_vm_fail(run, -EFAULT,
				    "%s arg%d: write of %llu bytes to read-only memory at %p",
				    helper, argno, (unsigned long long)size, p);
	return ubee_vm_fail(run, -EFAULT, "%s arg%d: out-of-bounds %s of %llu bytes at %p",
			    helper, argno, write ? "write" : "read",
			    (unsigned long long)size, p);
}

/* Strings longer than this are not constants a program could hold. */
#define STR_MAX (1u << 20)

int ubee_helper_check_str(struct ubee_run *run, const char *helper, int argno,
			  const void *p)
{
	uint64_t lo = 0, hi = STR_MAX;

	if (!run || !run->checked)
		return 0;
	/* The longest [p, p + n) inside one region: inclusion is monotone in n. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (!ubee_vm_region_check(run, (uintptr_t)p, mid, 0, run->depth))
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo && memchr(p, 0, lo))
		return 0;
	return ubee_vm_fail(run, -EFAULT, "%s arg%d: %p is not a string inside a region",
			    helper, argno, p);
}
