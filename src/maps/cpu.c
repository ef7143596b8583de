// SPDX-License-Identifier: MIT
/*
 * CPU slots for per-CPU maps. The kernel runs a program with preemption
 * off, so a per-CPU value is touched by one run at a time; ubee's runs are
 * threads that may share a CPU, so each run claims one of
 * ubee_map_nr_cpus() slots exclusively for its duration (one atomic
 * exchange), and per-CPU maps index their values by that slot. A slot
 * also counts the runs that released it, which is what ubee_map_sync()
 * waits on: after a pointer is unpublished, every run that was holding a
 * slot has either released it or had it counted, so none can still hold
 * the pointer (RCU's grace period, with runs as read-side sections).
 * The maps' spin lock's slow path is here too.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <sched.h>
#include <unistd.h>

#include "maps/maps.h"

/* One cache line per slot: claims on neighbouring slots never bounce. */
struct cpu_slot {
	int held;            /* 1 while a run holds the slot */
	unsigned long runs;  /* runs that released it; written by the holder */
} __attribute__((aligned(64)));

static struct cpu_slot slots[UBEE_MAP_MAX_CPUS];
static unsigned nr_cpus;

/* The slot this thread's run holds, and how deeply runs are nested. */
static __thread unsigned cur_slot;
static __thread unsigned depth;

/*
 * sysconf(_SC_NPROCESSORS_CONF), the configured (possible) CPUs, read
 * once; at least 1 and at most UBEE_MAP_MAX_CPUS.
 */
unsigned ubee_map_nr_cpus(void)
{
	unsigned n = __atomic_load_n(&nr_cpus, __ATOMIC_RELAXED);
	long c;

	if (n)
		return n;
	c = sysconf(_SC_NPROCESSORS_CONF);
	if (c < 1)
		c = 1;
	if (c > UBEE_MAP_MAX_CPUS)
		c = UBEE_MAP_MAX_CPUS;
	n = (unsigned)c;
	__atomic_store_n(&nr_cpus, n, __ATOMIC_RELAXED);
	return n;
}

/* The CPU this thread runs on now, as a slot number. */
static unsigned current_cpu(unsigned n)
{
	int c = sched_getcpu();

	return c < 0 ? 0 : (unsigned)c % n;
}

unsigned ubee_map_cpu(void)
{
	if (depth)
		return cur_slot;
	return current_cpu(ubee_map_nr_cpus());
}

/*
 * Claim a slot, starting with this CPU's and going round the others;
 * when all are held (more runs than CPUs), yield and go round again. A
 * relaxed load skips held slots without writing to their cache line.
 */
unsigned ubee_map_cpu_enter(void)
{
	unsigned n, c, i;

	if (depth++)
		return cur_slot;
	n = ubee_map_nr_cpus();
	c = current_cpu(n);
	for (;;) {
		for (i = 0; i < n; i++) {
			struct cpu_slot *s = &slots[c];

			if (!__atomic_load_n(&s->held, __ATOMIC_RELAXED) &&
			    !__atomic_exchange_n(&s->held, 1, __ATOMIC_SEQ_CST)) {
				cur_slot = c;
				return c;
			}
			c = c + 1 == n ? 0 : c + 1;
		}
		sched_yield();
	}
}

/*
 * Release the slot. The run count goes up before the slot is freed, both
 * with release order, so ubee_map_sync() seeing either change knows the
 * run's memory accesses are complete.
 */
void ubee_map_cpu_exit(unsigned cpu)
{
	struct cpu_slot *s;

	assert(depth > 0 && cpu == cur_slot);
	if (--depth)
		return;
	s = &slots[cpu];
	__atomic_store_n(&s->runs, s->runs + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&s->held, 0, __ATOMIC_RELEASE);
}

/*
 * Work: one pass over the slots, waiting on each that is held until its
 * run ends (a run started after the call may be waited for too: harmless).
 */
void ubee_map_sync(void)
{
	unsigned n = ubee_map_nr_cpus(), c;

	/* Order the caller's unpublishing store before the loads below. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (c = 0; c < n; c++) {
		struct cpu_slot *s = &slots[c];
		unsigned long runs;
		unsigned spins = 0;

		if (depth && c == cur_slot)
			continue;
		runs = __atomic_load_n(&s->runs, __ATOMIC_ACQUIRE);
		while (__atomic_load_n(&s->held, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&s->runs, __ATOMIC_ACQUIRE) == runs) {
			if (++spins < 64)
				ubee_cpu_relax();
			else
				sched_yield();
		}
	}
}

/* The contended path of ubee_spin_lock: wait for a free lock, then take it. */
void ubee_spin_wait(uint32_t *lock)
{
	unsigned spins = 0;

	do {
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins < 128)
				ubee_cpu_relax();
			else
				sched_yield();
		}
	} while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE));
}
