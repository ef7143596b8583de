// SPDX-License-Identifier: MIT
/*
 * The built-in helpers that need no maps: clocks, a random number source,
 * the CPU number, tail calls (through the program's tail-call hook) and
 * bpf_loop (through the interpreter's callback entry). Each is a record
 * {id, name, fn, ret, args} with the kernel's prototype.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "helpers/helpers.h"
#include "util/util.h"
#include "vm/vm.h"

/* jiffies64 counts ticks of this rate (a common CONFIG_HZ). */
#define UBEE_JIFFY_HZ 1000u

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t bpf_ktime_get_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				 uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t bpf_ktime_get_boot_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				      uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_BOOTTIME);
}

static uint64_t bpf_ktime_get_coarse_ns(uint64_t r1, uint64_t r2, uint64_t r3,
					uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

static uint64_t bpf_jiffies64(uint64_t r1, uint64_t r2, uint64_t r3,
			      uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE) / (1000000000u / UBEE_JIFFY_HZ);
}

static uint64_t bpf_get_smp_processor_id(uint64_t r1, uint64_t r2, uint64_t r3,
					 uint64_t r4, uint64_t r5)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : (uint64_t)cpu;
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

static uint64_t bpf_get_prandom_u32(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5)
{
	static uint64_t threads;

	if (UBEE_UNLIKELY(!prandom_seeded)) {
		uint64_t n = __atomic_add_fetch(&threads, 1, __ATOMIC_RELAXED);

		prandom_state = clock_ns(CLOCK_MONOTONIC) ^
				(uint64_t)(uintptr_t)&prandom_state ^
				(n * 0xd1b54a32d192ed03ull);
		prandom_seeded = 1;
	}
	return (uint32_t)(splitmix64(&prandom_state) >> 32);
}

/*
 * bpf_tail_call(ctx, prog_array, index): on success the interpreter
 * continues with the next program and this call never "returns" to the
 * caller; on failure it returns a negative errno and the caller goes on.
 */
static uint64_t bpf_tail_call(uint64_t ctx, uint64_t map, uint64_t index,
			      uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();

	if (!run)
		return (uint64_t)-EINVAL;
	return (uint64_t)(int64_t)ubee_vm_tail_call(run, (void *)(uintptr_t)map,
						    (uint32_t)index);
}

/*
 * bpf_loop(nr_loops, callback, callback_ctx, flags): calls
 * callback(i, callback_ctx) for i = 0.. until it returns non-zero.
 * Returns the number of calls made, or -E2BIG / -EINVAL.
 */
static uint64_t bpf_loop(uint64_t nr, uint64_t func, uint64_t cb_ctx,
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

#define A(k) UBEE_ARG_##k

static const struct ubee_helper builtins[] = {
	{ UBEE_HELPER_KTIME_GET_NS, "bpf_ktime_get_ns", bpf_ktime_get_ns,
	  UBEE_RET_INTEGER, { 0 } },
	{ UBEE_HELPER_GET_PRANDOM_U32, "bpf_get_prandom_u32",
	  bpf_get_prandom_u32, UBEE_RET_INTEGER, { 0 } },
	{ UBEE_HELPER_GET_SMP_PROCESSOR_ID, "bpf_get_smp_processor_id",
	  bpf_get_smp_processor_id, UBEE_RET_INTEGER, { 0 } },
	{ UBEE_HELPER_TAIL_CALL, "bpf_tail_call", bpf_tail_call,
	  UBEE_RET_VOID, { A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING) } },
	{ UBEE_HELPER_JIFFIES64, "bpf_jiffies64", bpf_jiffies64,
	  UBEE_RET_INTEGER, { 0 } },
	{ UBEE_HELPER_KTIME_GET_BOOT_NS, "bpf_ktime_get_boot_ns",
	  bpf_ktime_get_boot_ns, UBEE_RET_INTEGER, { 0 } },
	{ UBEE_HELPER_KTIME_GET_COARSE_NS, "bpf_ktime_get_coarse_ns",
	  bpf_ktime_get_coarse_ns, UBEE_RET_INTEGER, { 0 } },
	{ UBEE_HELPER_LOOP, "bpf_loop", bpf_loop, UBEE_RET_INTEGER,
	  { A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK), A(ANYTHING) } },
};

const struct ubee_helper *ubee_builtin_helpers(size_t *n)
{
	*n = UBEE_ARRAY_SIZE(builtins);
	return builtins;
}
