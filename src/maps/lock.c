// SPDX-License-Identifier: MIT
/*
 * Robust spin locks for map storage shared between processes. A lock is
 * a 4-byte word holding its owner's process id; taking it is one
 * compare-and-swap of 0 to our id. A waiter spins, then yields, and about
 * every millisecond looks at the owner: when that process no longer runs
 * (kill(pid, 0) says ESRCH, or /proc says it is a zombie), the waiter
 * swaps the dead id for its own and tells its caller, which repairs what
 * the dead owner may have left half done. Only the waiter whose swap
 * succeeds takes over, so two waiters never both do.
 *
 * The id is cached (getpid() is a system call in glibc) and refreshed in
 * forked children: a child must never take locks under its parent's id,
 * or its death would leave locks that look owned by a live process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maps/maps.h"

uint32_t ubee_self_pid;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void refresh_pid(void)
{
	__atomic_store_n(&ubee_self_pid, (uint32_t)getpid(), __ATOMIC_RELAXED);
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, refresh_pid);
}

uint32_t ubee_lock_self_init(void)
{
	pthread_once(&atfork_once, register_atfork);
	refresh_pid();
	return ubee_self_pid;
}

/* State letter of /proc/PID/stat ("pid (comm) S ..."), or 0. */
static char proc_state(uint32_t pid)
{
	char path[32], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

int ubee_pid_alive(uint32_t pid)
{
	char st;

	if (!pid || pid > INT32_MAX)
		return 0;
	if (kill((pid_t)pid, 0) && errno == ESRCH)
		return 0;
	st = proc_state(pid);
	return st != 'Z' && st != 'X';
}

int ubee_rlock_steal_dead(uint32_t *lock)
{
	uint32_t owner = __atomic_load_n(lock, __ATOMIC_ACQUIRE);

	if (!owner || owner == ubee_lock_self() || ubee_pid_alive(owner))
		return 0;
	return __atomic_compare_exchange_n(lock, &owner, ubee_lock_self(), 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The contended path: 0 when the lock was taken free, 1 when taken over
 * from a dead owner. Work: bounded by the owner's critical section, or
 * about a millisecond after the owner died.
 */
int ubee_rlock_wait(uint32_t *lock, uint32_t self)
{
	unsigned spins = 0;
	uint64_t next_check = 0, t;
	uint32_t cur, zero;

	for (;;) {
		cur = __atomic_load_n(lock, __ATOMIC_RELAXED);
		if (!cur) {
			zero = 0;
			if (__atomic_compare_exchange_n(lock, &zero, self, 0,
							__ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				return 0;
			continue;
		}
		if (++spins < 128) {
			ubee_cpu_relax();
			continue;
		}
		sched_yield();
		if (spins % 16)
			continue;
		t = now_ns();
		if (!next_check) {
			next_check = t + 1000000;
			continue;
		}
		if (t < next_check)
			continue;
		next_check = t + 1000000;
		if (cur != self && !ubee_pid_alive(cur) &&
		    __atomic_compare_exchange_n(lock, &cur, self, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 1;
	}
}
