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
 * Once the process shares per-CPU data with others (a pinned per-CPU map
 * is open), runs claim slots in shared claim tables instead
 * (cpushare.c); a local claim re-checks that after its exchange.
 * The maps' spin lock's slow path is here too.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <limits.h>
#include <sched.h>
#include <unistd.h>

#include "maps/maps.h"
#include "util/util.h"

/* One cache line per slot: claims on neighbouring slots never bounce. */
struct cpu_slot {
	int held;            /* 1 while a run holds the slot */
	unsigned long runs;  /* runs that released it; written by the holder */
} __attribute__((aligned(64)));

static struct cpu_slot slots[UBEE_MAP_MAX_CPUS];
static unsigned nr_cpus;

/*
 * The slot this thread's run holds, how deeply runs are nested, and in
 * how many shared tables the slot is claimed (0: the local table; always
 * 0 outside runs, so a local claim need not write it).
 */
static __thread unsigned cur_slot;
static __thread unsigned depth;
static __thread unsigned cur_tables;

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
 * A local claim is good only while no shared table is in use: checked
 * after the exchange (seq_cst, as ubee_map_cpus_share publishes a table
 * before its grace period), else the shared tables are claimed instead.
 */
unsigned ubee_map_cpu_enter(void)
{
	unsigned n, c, i;

	if (depth++)
		return cur_slot;
	n = ubee_map_nr_cpus();
	c = current_cpu(n);
	if (UBEE_UNLIKELY(__atomic_load_n(&ubee_cpus_nr_shared,
					  __ATOMIC_RELAXED)))
		return cur_slot = ubee_cpus_claim(c, &cur_tables);
	for (;;) {
		for (i = 0; i < n; i++) {
			struct cpu_slot *s = &slots[c];

			if (!__atomic_load_n(&s->held, __ATOMIC_RELAXED) &&
			    !__atomic_exchange_n(&s->held, 1, __ATOMIC_SEQ_CST)) {
				if (UBEE_UNLIKELY(__atomic_load_n(&ubee_cpus_nr_shared,
								  __ATOMIC_SEQ_CST))) {
					__atomic_store_n(&s->held, 0,
							 __ATOMIC_RELEASE);
					return cur_slot = ubee_cpus_claim(c, &cur_tables);
				}
				cur_slot = c;
				return c;
			}
			c = c + 1 == n ? 0 : c + 1;
		}
		sched_yield();
	}
}

int ubee_map_cpu_in_run(void)
{
	return depth != 0;
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
	if (UBEE_UNLIKELY(cur_tables)) {
		unsigned nt = cur_tables;

		cur_tables = 0;
		ubee_cpus_release(nt, cpu);
		return;
	}
	s = &slots[cpu];
	__atomic_store_n(&s->runs, s->runs + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&s->held, 0, __ATOMIC_RELEASE);
}

/*
 * Work: one pass over the slots, waiting on each that is held until its
 * run ends (a run started after the call may be waited for too: harmless);
 * then the same over this process's claims in the shared tables (other
 * processes' runs cannot hold this process's pointers: not waited for,
 * so a dead holder never blocks this).
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

		if (depth && !cur_tables && c == cur_slot)
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
	ubee_cpus_sync(depth && cur_tables ? cur_slot : UINT_MAX);
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
