// SPDX-License-Identifier: MIT
/*
 * CPU slots shared between processes. A per-CPU value of a pinned map is
 * reachable from every process that has the map open, so a run's claim on
 * slot N must exclude runs of the other processes too, not only of this
 * one's threads (cpu.c's table). The claims then live in a claim table, a
 * small file next to the map file, mapped by every process that has a
 * per-CPU map of that directory open or pinned:
 *
 *   offset 0    struct cpus_hdr: magic "UBEECPU\x01", version, header
 *               size, number of CPUs, slot size (64 bytes)
 *   64 + 64*N   slot N: owner word (pid << 32 | tid of the holding
 *               thread, 0 when free), then the count of runs that
 *               released it; one cache line each
 *
 * A process switches to shared claims when it first opens or pins a
 * per-CPU map (ubee_map_cpus_share): it publishes its tables, then waits
 * with ubee_map_sync() for the runs that claimed fewer tables (or a local
 * slot) before it. A run re-reads the number of tables after its claim
 * and starts over when it changed (both sides order with seq_cst, so
 * either the run sees the new tables or the grace period sees its
 * claim), so no run that holds only a local slot touches a map that is
 * now shared. Tables are kept for the life of the process. A process
 * with per-CPU maps of several directories claims the same slot number
 * in every table, never waiting while holding a partial claim (so no
 * lock-order deadlock between processes).
 *
 * A claim is one compare-and-swap of 0 to the thread's owner word. A
 * claimer that waits, or finds its own CPU's slot held, looks (at most
 * every SWEEP_NS per process) at the holders of the other processes'
 * claims and frees those whose thread is gone or whose process is a
 * zombie, as the robust locks (lock.c) do: a process killed holding a
 * slot blocks nobody for more than a few milliseconds. Processes sharing
 * a table must share a pid namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "maps/maps.h"
#include "util/util.h"

#define CPUS_MAGIC "UBEECPU\x01"
#define CPUS_VERSION 1u
#define CPUS_SLOT 64u
/* A waiting claimer looks for dead holders at most this often. */
#define SWEEP_NS 1000000ull

struct cpus_hdr {
	char magic[8];           /* CPUS_MAGIC */
	uint32_t version;        /* CPUS_VERSION */
	uint32_t hdr_size;       /* CPUS_SLOT: slot 0's offset */
	uint32_t nr_cpus;        /* ubee_map_nr_cpus() of the creator */
	uint32_t slot_size;      /* CPUS_SLOT */
	uint8_t reserved[40];
};
_Static_assert(sizeof(struct cpus_hdr) == CPUS_SLOT, "claim table header");

struct cpus_slot {
	uint64_t owner;          /* shared: pid << 32 | tid; 0 free */
	uint64_t runs;           /* shared: runs that released the slot */
	uint8_t pad[CPUS_SLOT - 16];
};
_Static_assert(sizeof(struct cpus_slot) == CPUS_SLOT, "claim table slot");

unsigned ubee_cpus_nr_shared;
/* Slot arrays of the tables in use; [0, nr_shared) are published. */
static struct cpus_slot *tables[UBEE_CPUS_MAX_TABLES];
static dev_t table_dev[UBEE_CPUS_MAX_TABLES];
static ino_t table_ino[UBEE_CPUS_MAX_TABLES];
static pthread_mutex_t share_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t next_sweep;

/*
 * This thread's owner word, cached; cleared in a forked child (the
 * thread has another pid and tid there).
 */
static __thread uint64_t self_claim;
static pthread_once_t tid_once = PTHREAD_ONCE_INIT;

static void forget_claim(void)
{
	self_claim = 0;
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_claim);
}

static __attribute__((noinline)) uint64_t self_word_init(void)
{
	pthread_once(&tid_once, register_atfork);
	self_claim = (uint64_t)ubee_lock_self() << 32 |
		     (uint32_t)syscall(SYS_gettid);
	return self_claim;
}

static inline uint64_t self_word(void)
{
	uint64_t w = self_claim;

	return UBEE_LIKELY(w) ? w : self_word_init();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 1 while the thread named by an owner word runs (its process too). */
static int holder_alive(uint64_t w)
{
	uint32_t pid = (uint32_t)(w >> 32), tid = (uint32_t)w;

	if (!ubee_pid_alive(pid))
		return 0;
	if (!tid || tid > INT32_MAX)
		return 0;
	return !(syscall(SYS_tgkill, (pid_t)pid, (pid_t)tid, 0) &&
		 errno == ESRCH);
}

/*
 * Free every claim of nt tables held by a dead thread of another process.
 * Work: one liveness check (a few system calls) per claim held by
 * another process.
 */
static void sweep(unsigned nt)
{
	unsigned n = ubee_map_nr_cpus(), k, c;
	uint32_t self = ubee_lock_self();

	for (k = 0; k < nt; k++) {
		for (c = 0; c < n; c++) {
			uint64_t *o = &tables[k][c].owner;
			uint64_t w = __atomic_load_n(o, __ATOMIC_ACQUIRE);

			if (w && (uint32_t)(w >> 32) != self && !holder_alive(w))
				__atomic_compare_exchange_n(o, &w, 0, 0,
							    __ATOMIC_ACQ_REL,
							    __ATOMIC_RELAXED);
		}
	}
}

/* Sweep when SWEEP_NS have passed since this process's last sweep. */
static void maybe_sweep(unsigned nt)
{
	uint64_t t = now_ns(), next = __atomic_load_n(&next_sweep,
						      __ATOMIC_RELAXED);

	if (t < next || !__atomic_compare_exchange_n(&next_sweep, &next,
						     t + SWEEP_NS, 0,
						     __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		return;
	sweep(nt);
}

/* Give up the claims on slot c of tables [0, k), no run counted. */
static void drop(unsigned k, unsigned c)
{
	while (k--)
		__atomic_store_n(&tables[k][c].owner, 0, __ATOMIC_RELEASE);
}

/* Claim slot c in all nt tables, or in none (0). */
static int try_claim(unsigned nt, unsigned c, uint64_t me)
{
	unsigned k;

	for (k = 0; k < nt; k++) {
		uint64_t *o = &tables[k][c].owner, zero = 0;

		if (__atomic_load_n(o, __ATOMIC_RELAXED) ||
		    !__atomic_compare_exchange_n(o, &zero, me, 0,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED)) {
			drop(k, c);
			return 0;
		}
	}
	return 1;
}

/* ubee_cpus_claim beyond its common case. */
static __attribute__((noinline)) unsigned claim_slow(unsigned c,
						     unsigned *nt_out)
{
	unsigned n = ubee_map_nr_cpus(), nt, i, spins = 0;
	uint64_t me = self_word();

	for (;;) {
		nt = __atomic_load_n(&ubee_cpus_nr_shared, __ATOMIC_ACQUIRE);
		for (i = 0; i < n; i++) {
			if (try_claim(nt, c, me)) {
				/* Tables added meanwhile: claim them too. */
				if (UBEE_LIKELY(__atomic_load_n(&ubee_cpus_nr_shared,
								__ATOMIC_SEQ_CST) == nt)) {
					*nt_out = nt;
					return c;
				}
				drop(nt, c);
				break;
			}
			if (!i)
				maybe_sweep(nt);
			c = c + 1 == n ? 0 : c + 1;
		}
		if (i < n)
			continue;
		if (++spins < 64) {
			ubee_cpu_relax();
		} else {
			sched_yield();
			maybe_sweep(nt);
		}
	}
}

/*
 * The common case first: one table, slot start free, and no table added
 * meanwhile; anything else starts over in claim_slow.
 */
unsigned ubee_cpus_claim(unsigned start, unsigned *nt_out)
{
	if (UBEE_LIKELY(__atomic_load_n(&ubee_cpus_nr_shared,
					__ATOMIC_ACQUIRE) == 1)) {
		uint64_t *o = &tables[0][start].owner, zero = 0;

		if (!__atomic_load_n(o, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(o, &zero, self_word(), 0,
						__ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED)) {
			if (UBEE_LIKELY(__atomic_load_n(&ubee_cpus_nr_shared,
							__ATOMIC_SEQ_CST) == 1)) {
				*nt_out = 1;
				return start;
			}
			drop(1, start);
		}
	}
	return claim_slow(start, nt_out);
}

static inline void release_one(struct cpus_slot *s)
{
	__atomic_store_n(&s->runs, __atomic_load_n(&s->runs, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
}

void ubee_cpus_release(unsigned nt, unsigned c)
{
	if (UBEE_LIKELY(nt == 1)) {
		release_one(&tables[0][c]);
		return;
	}
	while (nt--)
		release_one(&tables[nt][c]);
}

void ubee_cpus_sync(unsigned skip)
{
	unsigned nt = __atomic_load_n(&ubee_cpus_nr_shared, __ATOMIC_ACQUIRE);
	unsigned n = ubee_map_nr_cpus(), k, c;
	uint32_t self = ubee_lock_self();
	uint64_t me = self_word();

	for (k = 0; k < nt; k++) {
		for (c = 0; c < n; c++) {
			struct cpus_slot *s = &tables[k][c];
			uint64_t w = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
			uint64_t runs;
			unsigned spins = 0;

			/* Other processes' runs cannot hold our pointers. */
			if (!w || (uint32_t)(w >> 32) != self ||
			    (c == skip && w == me))
				continue;
			runs = __atomic_load_n(&s->runs, __ATOMIC_ACQUIRE);
			while (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == w &&
			       __atomic_load_n(&s->runs, __ATOMIC_ACQUIRE) == runs) {
				if (++spins < 64)
					ubee_cpu_relax();
				else
					sched_yield();
			}
		}
	}
}

/* Bytes of a claim table for n CPUs. */
static uint64_t table_bytes(unsigned n)
{
	return CPUS_SLOT + (uint64_t)n * CPUS_SLOT;
}

/*
 * Create the table at path unless it exists: written in full under a
 * temporary name, then linked, so nobody sees it half made. 0 (made, or
 * someone else's is there) or -errno, logged.
 */
static int table_create(const char *path, struct ubee_log *log)
{
	static unsigned seq;
	char tmp[PATH_MAX + 32];
	struct cpus_hdr h;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%u.%u", path, ubee_lock_self(),
		 __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		ubee_logf(log, "%s: cannot create the CPU claim table: %s",
			  path, strerror(-err));
		return err;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CPUS_MAGIC, sizeof(h.magic));
	h.version = CPUS_VERSION;
	h.hdr_size = CPUS_SLOT;
	h.nr_cpus = ubee_map_nr_cpus();
	h.slot_size = CPUS_SLOT;
	if (ftruncate(fd, (off_t)table_bytes(h.nr_cpus)))
		err = -errno;
	else if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		err = -EIO;
	else if (link(tmp, path) && errno != EEXIST)
		err = -errno;
	if (err)
		ubee_logf(log, "%s: cannot create the CPU claim table: %s",
			  path, strerror(-err));
	unlink(tmp);
	close(fd);
	return err;
}

/* A header check: log "PATH: what" and fail with e. */
#define BAD(e, ...)                                                           \
	do {                                                                  \
		ubee_logf(log, __VA_ARGS__);                                  \
		err = (e);                                                    \
		goto out;                                                     \
	} while (0)

/*
 * Open (creating it first when missing) and check the claim table at
 * path; *fd and *st describe it. 0 or -errno, logged.
 */
static int table_open(const char *path, int *fd_out, struct stat *st,
		      struct ubee_log *log)
{
	unsigned n = ubee_map_nr_cpus();
	struct cpus_hdr h;
	int fd, err = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		err = table_create(path, log);
		if (err)
			return err;
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		err = -errno;
		ubee_logf(log, "%s: cannot open the CPU claim table: %s", path,
			  strerror(-err));
		return err;
	}
	if (fstat(fd, st))
		BAD(-EIO, "%s: cannot stat the CPU claim table", path);
	if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size < sizeof(h))
		BAD(-EINVAL, "%s: not a CPU claim table (%lld bytes)", path,
		    (long long)st->st_size);
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		BAD(-EIO, "%s: cannot read the CPU claim table", path);
	if (memcmp(h.magic, CPUS_MAGIC, sizeof(h.magic)))
		BAD(-EINVAL, "%s: not a ubee CPU claim table (bad magic)", path);
	if (h.version != CPUS_VERSION)
		BAD(-EPROTO, "%s: CPU claim table version %u, this ubee reads version %u",
		    path, h.version, CPUS_VERSION);
	if (h.hdr_size != CPUS_SLOT || h.slot_size != CPUS_SLOT)
		BAD(-EINVAL, "%s: CPU claim table header size %u, slot size %u, expected %u and %u",
		    path, h.hdr_size, h.slot_size, CPUS_SLOT, CPUS_SLOT);
	if (h.nr_cpus != n)
		BAD(-ENXIO, "%s: CPU claim table made for %u CPUs, this host has %u",
		    path, h.nr_cpus, n);
	if ((uint64_t)st->st_size != table_bytes(n))
		BAD(-EINVAL, "%s: CPU claim table of %lld bytes, %u CPUs need %llu",
		    path, (long long)st->st_size, n,
		    (unsigned long long)table_bytes(n));
out:
	if (err)
		close(fd);
	else
		*fd_out = fd;
	return err;
}

/*
 * The claim table's path for the map file at path: the same directory,
 * the target's when path is a symbolic link to a map file elsewhere.
 */
static int table_path(const char *path, char *buf, size_t size,
		      struct ubee_log *log)
{
	char *real = realpath(path, NULL);
	const char *slash;
	int len, r;

	if (real)
		path = real;
	slash = strrchr(path, '/');
	len = slash ? (int)(slash - path) : 1;

	r = snprintf(buf, size, "%.*s/%s", len, slash ? path : ".",
		     UBEE_CPUS_FILE);
	if (r < 0 || (size_t)r >= size) {
		ubee_logf(log, "%s: path too long for its CPU claim table", path);
		r = -ENAMETOOLONG;
	} else {
		r = 0;
	}
	free(real);
	return r;
}

static int is_percpu(uint32_t type)
{
	return type == UBEE_MAP_PERCPU_ARRAY || type == UBEE_MAP_PERCPU_HASH ||
	       type == UBEE_MAP_LRU_PERCPU_HASH;
}

int ubee_map_cpus_share(const struct ubee_map *map, const char *path,
			struct ubee_log *log)
{
	char tpath[PATH_MAX];
	struct stat st;
	unsigned nt, k;
	void *mem;
	int fd = -1, added = 0, err;

	if (!is_percpu(map->type))
		return 0;
	err = table_path(path, tpath, sizeof(tpath), log);
	if (err)
		return err;
	pthread_mutex_lock(&share_lock);
	err = table_open(tpath, &fd, &st, log);
	if (err)
		goto out;
	nt = __atomic_load_n(&ubee_cpus_nr_shared, __ATOMIC_RELAXED);
	for (k = 0; k < nt; k++)
		if (table_dev[k] == st.st_dev && table_ino[k] == st.st_ino)
			goto out;
	/* The thread's own run could not take the new table into account. */
	if (ubee_map_cpu_in_run()) {
		ubee_logf(log, "%s: a per-CPU map cannot be opened or pinned from inside a program run or batch",
			  path);
		err = -EBUSY;
		goto out;
	}
	if (nt == UBEE_CPUS_MAX_TABLES) {
		ubee_logf(log, "%s: per-CPU maps of more than %u directories are open",
			  tpath, UBEE_CPUS_MAX_TABLES);
		err = -E2BIG;
		goto out;
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		ubee_logf(log, "%s: cannot map the CPU claim table: %s", tpath,
			  strerror(-err));
		goto out;
	}
	tables[nt] = (struct cpus_slot *)((char *)mem + CPUS_SLOT);
	table_dev[nt] = st.st_dev;
	table_ino[nt] = st.st_ino;
	__atomic_store_n(&ubee_cpus_nr_shared, nt + 1, __ATOMIC_SEQ_CST);
	added = 1;
out:
	pthread_mutex_unlock(&share_lock);
	if (fd >= 0)
		close(fd);
	/* Runs that claimed without this table end before it is needed. */
	if (added)
		ubee_map_sync();
	return err;
}
