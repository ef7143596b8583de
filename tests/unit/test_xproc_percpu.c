// SPDX-License-Identifier: MIT
/*
 * Per-CPU maps shared between processes: CPU-slot claims in the pin
 * directory's claim table (src/maps/cpushare.c).
 *  - exact_counts: several processes x several threads run a program that
 *    increments a pinned percpu_array and percpu_hash value WITHOUT
 *    atomics (load, a delay loop, add, store); the sum over CPUs equals
 *    the number of runs exactly (with per-process slots it does not: two
 *    processes holding slot N at once lose updates);
 *  - switch_waits: opening a pinned per-CPU map waits for the runs that
 *    hold a process-local slot, and later claims land in the table file
 *    under the thread's pid and tid;
 *  - two_directories: with per-CPU maps of two directories open, a run
 *    claims its slot in both tables;
 *  - open_inside_run: a run may not open a new directory's per-CPU map;
 *  - no_table_without_percpu: pinning other types creates no table;
 *  - malformed_table: a bad table refuses pin and open, with its path;
 *  - dead_holder: a process SIGKILLed while its threads hold every slot
 *    blocks another process's claim for less than 100 ms;
 *  - killed_while_running: processes spinning in bpf_loop killed at
 *    random points while survivors increment a counter without atomics:
 *    every kill's claims are taken back within 100 ms, and the survivors'
 *    counts stay exact.
 * Times are wall clock, so on a loaded machine one slow kill (plus one in
 * 200) is tolerated as scheduling noise; none may take over a second.
 * UBEE_LONG=1 runs more and longer rounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maptest.h"
#include "test.h"
#include "maps/maps.h"
#include "ubee/pin.h"
#include "ubee/ubee.h"
#include "util/util.h"

#define I(c, d, s, o, i)                                                      \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define LDDW(d, v)                                                            \
	I(0x18, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                   \
	I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define LDDW_FUNC(d, rel) I(0x18, d, 4, 0, rel), I(0, 0, 0, 0, 0)
#define MOV_K(d, k) I(0xb7, d, 0, 0, k)
#define MOV_X(d, s) I(0xbf, d, s, 0, 0)
#define ADD_K(d, k) I(0x07, d, 0, 0, k)
#define ST_W(d, o, k) I(0x62, d, 0, o, k)
#define LDX_DW(d, s, o) I(0x79, d, s, o, 0)
#define STX_DW(d, s, o) I(0x7b, d, s, o, 0)
#define JNE_K(d, k, o) I(0x55, d, 0, o, k)
#define JEQ_K(d, k, o) I(0x15, d, 0, o, k)
#define CALL(id) I(0x85, 0, 0, 0, id)
#define EXIT I(0x95, 0, 0, 0, 0)

#define HASH_KEY 7
#define DELAY 40                 /* loop iterations between load and store */
#define STUCK_NS 100000000ull

static char dir[PATH_MAX];
static int long_mode;
static char logbuf[1024];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* dir/sub/name into buf. */
static void path_of(char *buf, size_t size, const char *sub, const char *name)
{
	snprintf(buf, size, "%s/%s%s%s", dir, sub, *name ? "/" : "", name);
}

static struct ubee_map *open_pin(const char *sub, const char *name)
{
	char p[PATH_MAX + 64];
	struct ubee_map *m = NULL;
	struct ubee_log log;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	path_of(p, sizeof(p), sub, name);
	if (ubee_map_open_pinned(p, &m, &log))
		return NULL;
	return m;
}

/* Create a per-CPU map of u64 values and pin it at dir/sub/name. */
static struct ubee_map *pinned_new(const char *sub, const char *name,
				   uint32_t type, uint32_t max)
{
	char p[PATH_MAX + 64];
	struct ubee_map *m = t_map_new(type, 4, 8, max, 0, 0);
	struct ubee_log log;
	int err;

	if (!m) {
		T_CHECK(0, "%s: creation failed", name);
		return NULL;
	}
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	path_of(p, sizeof(p), sub, name);
	err = ubee_map_pin(m, p, &log);
	T_CHECK(!err, "pin %s: %d %s", p, err, logbuf);
	if (err) {
		ubee_map_put(m);
		return NULL;
	}
	return m;
}

/*
 * r0 = 1 after arr[0] += 1 and (hash given) hash[HASH_KEY] += 1, each a
 * load, a delay loop and a store: no atomics; r0 = 0 if a lookup fails.
 */
static struct ubee_prog *inc_prog(struct ubee_map *arr, struct ubee_map *hash)
{
	struct ubee_insn p[] = {
		ST_W(10, -4, 0),          /* 0 */
		LDDW(1, (uintptr_t)arr),  /* 1 */
		MOV_X(2, 10),             /* 3 */
		ADD_K(2, -4),
		CALL(1),                  /* 5: map_lookup_elem */
		JEQ_K(0, 0, 17),          /* 6: -> 24 */
		LDX_DW(1, 0, 0),
		MOV_K(3, DELAY),
		ADD_K(3, -1),             /* 9 */
		JNE_K(3, 0, -2),          /* 10: -> 9 */
		ADD_K(1, 1),
		STX_DW(0, 1, 0),          /* 12 */
		ST_W(10, -4, HASH_KEY),   /* 13 */
		LDDW(1, (uintptr_t)hash), /* 14 */
		MOV_X(2, 10),             /* 16 */
		ADD_K(2, -4),
		CALL(1),                  /* 18 */
		JEQ_K(0, 0, 4),           /* 19: -> 24 */
		LDX_DW(1, 0, 0),
		ADD_K(1, 1),
		STX_DW(0, 1, 0),          /* 22 */
		MOV_K(0, 1),              /* 23 */
		EXIT,                     /* 24 */
	};
	struct ubee_map *maps[2] = { arr, hash };
	struct ubee_prog_opts po = { .sz = sizeof(po),
				     .flags = UBEE_PROG_NO_VERIFY,
				     .maps = maps, .nr_maps = hash ? 2 : 1 };
	struct ubee_prog *prog = NULL;
	struct ubee_log log;

	if (!hash) {
		/* arr only: r0 = 1 and exit after the first store. */
		p[6] = (struct ubee_insn)JEQ_K(0, 0, 7);
		p[13] = (struct ubee_insn)MOV_K(0, 1);
		p[14] = (struct ubee_insn)EXIT;
	}
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (ubee_prog_load(p, hash ? 25 : 15, &po, &prog, &log))
		return NULL;
	return prog;
}

/* bpf_loop(1 << 20, cb = { return 0; }): holds a slot for a while. */
static struct ubee_prog *spin_prog(struct ubee_map *arr)
{
	struct ubee_insn p[] = {
		MOV_K(1, 1 << 20),
		LDDW_FUNC(2, 5),          /* 1: -> 7 */
		MOV_K(3, 0),
		MOV_K(4, 0),
		CALL(181),                /* 5: bpf_loop */
		EXIT,
		MOV_K(0, 0),              /* 7 */
		EXIT,
	};
	struct ubee_prog_opts po = { .sz = sizeof(po),
				     .flags = UBEE_PROG_NO_VERIFY,
				     .maps = &arr, .nr_maps = 1 };
	struct ubee_prog *prog = NULL;

	if (ubee_prog_load(p, UBEE_ARRAY_SIZE(p), &po, &prog, NULL))
		return NULL;
	return prog;
}

static int run1(const struct ubee_prog *prog, uint64_t *r0)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro),
				    .flags = UBEE_RUN_TRUSTED };

	return ubee_prog_run(prog, &ro, r0, NULL);
}

/* Sum over CPUs of the u64 value of key in a per-CPU map. */
static uint64_t percpu_sum(struct ubee_map *m, uint32_t key)
{
	unsigned n = ubee_map_nr_cpus();
	uint64_t *v = calloc(n, 8), sum = 0;

	if (!v || ubee_map_lookup(m, &key, v))
		T_CHECK(0, "lookup of key %u failed", key);
	else
		for (unsigned c = 0; c < n; c++)
			sum += v[c];
	free(v);
	return sum;
}

/* What worker threads report through memory shared with the parent. */
struct report {
	uint64_t runs;
	int errors;
};

struct worker {
	const struct ubee_prog *prog;
	struct report *rep;
	uint64_t runs;           /* 0: until *stop */
	volatile int *stop;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t r0;

	while (w->runs ? w->rep->runs < w->runs : !*w->stop) {
		if (run1(w->prog, &r0) || r0 != 1)
			w->rep->errors++;
		w->rep->runs++;
	}
	return NULL;
}

/*
 * Child: wait for a byte on fd, open dir/sub's arr (and hash if named),
 * run the increment program on threads threads (runs each, or until
 * *stop), report into reps[threads], exit 0 (3: setup failed).
 */
static void child_workers(int fd, const char *sub, const char *hash_name,
			  unsigned threads, uint64_t runs, volatile int *stop,
			  struct report *reps)
{
	struct ubee_map *arr, *hash = NULL;
	struct ubee_prog *prog;
	struct worker w[16];
	pthread_t th[16];
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(3);
	arr = open_pin(sub, "arr");
	if (hash_name)
		hash = open_pin(sub, hash_name);
	if (!arr || (hash_name && !hash))
		_exit(3);
	prog = inc_prog(arr, hash);
	if (!prog)
		_exit(3);
	for (unsigned t = 0; t < threads; t++) {
		w[t] = (struct worker){ prog, &reps[t], runs, stop };
		if (pthread_create(&th[t], NULL, work, &w[t]))
			_exit(3);
	}
	for (unsigned t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	_exit(0);
}

static void *shared_mem(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : memset(p, 0, size);
}

static void wait_ok(pid_t pid, const char *what)
{
	int status = 0;

	waitpid(pid, &status, 0);
	T_CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "%s %d: status %d",
		what, (int)pid, status);
}

#define PROCS 4
#define THREADS 3

static void exact_counts(void)
{
	uint64_t runs = long_mode ? 400000 : 15000, total = 0, zero[1024] = { 0 };
	unsigned n = PROCS * THREADS;
	struct report *reps = shared_mem(sizeof(*reps) * n);
	struct ubee_map *arr = NULL, *hash = NULL;
	uint32_t k = HASH_KEY;
	pid_t pids[PROCS];
	int fds[2];
	char sub[] = "exact";
	char p[PATH_MAX + 64];

	path_of(p, sizeof(p), sub, "");
	if (!reps || mkdir(p, 0700) || pipe(fds)) {
		T_CHECK(0, "setup");
		return;
	}
	/* Forked before the maps exist: each switches over when it opens them. */
	for (unsigned i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (!pids[i])
			child_workers(fds[0], sub, "hash", THREADS, runs, NULL,
				      &reps[i * THREADS]);
	}
	arr = pinned_new(sub, "arr", UBEE_MAP_PERCPU_ARRAY, 1);
	hash = pinned_new(sub, "hash", UBEE_MAP_PERCPU_HASH, 4);
	if (hash)
		T_EQ_U64(ubee_map_update(hash, &k, zero, UBEE_NOEXIST), 0);
	if (write(fds[1], "gogo", PROCS) != PROCS)
		T_CHECK(0, "pipe");
	for (unsigned i = 0; i < PROCS; i++)
		wait_ok(pids[i], "worker");
	for (unsigned t = 0; t < n; t++) {
		T_CHECK(!reps[t].errors, "thread %u: %d failed runs", t,
			reps[t].errors);
		total += reps[t].runs;
	}
	T_EQ_U64(total, runs * n);
	if (arr && hash) {
		T_EQ_U64(percpu_sum(arr, 0), total);
		T_EQ_U64(percpu_sum(hash, HASH_KEY), total);
	}
	path_of(p, sizeof(p), sub, UBEE_CPUS_FILE);
	T_CHECK(!access(p, F_OK), "no %s", p);
	close(fds[0]);
	close(fds[1]);
	ubee_map_put(arr);
	ubee_map_put(hash);
	munmap(reps, sizeof(*reps) * n);
}

/* The owner word of slot c in the claim table mapped at t. */
static uint64_t owner_of(const void *t, unsigned c)
{
	return __atomic_load_n((const uint64_t *)((const char *)t + 64 + 64 * c),
			       __ATOMIC_ACQUIRE);
}

static void *map_table(const char *sub, int *fd)
{
	char p[PATH_MAX + 64];
	void *t;

	path_of(p, sizeof(p), sub, UBEE_CPUS_FILE);
	*fd = open(p, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	t = mmap(NULL, 64 + 64 * (size_t)ubee_map_nr_cpus(), PROT_READ,
		 MAP_SHARED, *fd, 0);
	return t == MAP_FAILED ? NULL : t;
}

struct holder {
	volatile int held, release;
	unsigned slot;
};

static void *hold_local(void *arg)
{
	struct holder *h = arg;

	h->slot = ubee_map_cpu_enter();
	__atomic_store_n(&h->held, 1, __ATOMIC_RELEASE);
	usleep(100000);
	__atomic_store_n(&h->release, 1, __ATOMIC_RELEASE);
	ubee_map_cpu_exit(h->slot);
	return NULL;
}

/* In a fresh child: the switch to shared claims waits for local runs. */
static void switch_child(void)
{
	struct holder h = { 0 };
	struct ubee_map *arr;
	pthread_t th;
	uint64_t t, me;
	unsigned c;
	void *tab;
	int fd;

	if (pthread_create(&th, NULL, hold_local, &h))
		_exit(3);
	while (!__atomic_load_n(&h.held, __ATOMIC_ACQUIRE))
		usleep(100);
	t = now_ns();
	arr = open_pin("switch", "arr");
	t = now_ns() - t;
	if (!arr)
		_exit(4);
	/* The open returned only after the local run ended. */
	if (!__atomic_load_n(&h.release, __ATOMIC_ACQUIRE) || t < 50000000)
		_exit(5);
	pthread_join(th, NULL);
	tab = map_table("switch", &fd);
	if (!tab)
		_exit(6);
	c = ubee_map_cpu_enter();
	me = (uint64_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid);
	if (owner_of(tab, c) != me)
		_exit(7);
	ubee_map_cpu_exit(c);
	if (owner_of(tab, c))
		_exit(8);
	ubee_map_put(arr);
	_exit(0);
}

static void switch_waits(void)
{
	char p[PATH_MAX + 64], b;
	struct ubee_map *arr;
	int fds[2];
	pid_t pid;

	if (pipe(fds)) {
		T_CHECK(0, "pipe");
		return;
	}
	/* Forked while no process has a table: the child starts local. */
	pid = fork();
	if (!pid) {
		if (read(fds[0], &b, 1) != 1)
			_exit(3);
		switch_child();
	}
	path_of(p, sizeof(p), "switch", "");
	T_CHECK(!mkdir(p, 0700), "mkdir %s", p);
	arr = pinned_new("switch", "arr", UBEE_MAP_PERCPU_ARRAY, 1);
	if (write(fds[1], "g", 1) != 1)
		T_CHECK(0, "pipe");
	wait_ok(pid, "switching child");
	close(fds[0]);
	close(fds[1]);
	ubee_map_put(arr);
}

/*
 * This process has per-CPU maps of two directories open (switch_waits and
 * exact_counts pinned them): a claim holds the slot in both tables.
 */
static void two_directories(void)
{
	uint64_t me = (uint64_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid);
	int fd1, fd2;
	void *t1 = map_table("switch", &fd1), *t2 = map_table("exact", &fd2);
	unsigned c;

	if (!t1 || !t2) {
		T_CHECK(0, "no tables");
		return;
	}
	c = ubee_map_cpu_enter();
	T_EQ_U64(owner_of(t1, c), me);
	T_EQ_U64(owner_of(t2, c), me);
	ubee_map_cpu_exit(c);
	T_EQ_U64(owner_of(t1, c), 0);
	T_EQ_U64(owner_of(t2, c), 0);
	munmap(t1, 64 + 64 * (size_t)ubee_map_nr_cpus());
	munmap(t2, 64 + 64 * (size_t)ubee_map_nr_cpus());
	close(fd1);
	close(fd2);
}

/* A run cannot switch its own claim: opening a new directory's per-CPU
 * map from inside one is refused, and works after it. */
static void open_inside_run(void)
{
	char p[PATH_MAX + 64];
	struct ubee_map *m = NULL;
	struct ubee_log log;
	unsigned c;
	pid_t pid;

	path_of(p, sizeof(p), "inrun", "");
	T_CHECK(!mkdir(p, 0700), "mkdir %s", p);
	pid = fork();
	if (!pid) {
		struct ubee_map *a = t_map_new(UBEE_MAP_PERCPU_ARRAY, 4, 8, 1, 0, 0);

		path_of(p, sizeof(p), "inrun", "arr");
		_exit(!a || ubee_map_pin(a, p, NULL));
	}
	wait_ok(pid, "pinning child");
	path_of(p, sizeof(p), "inrun", "arr");
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	c = ubee_map_cpu_enter();
	T_EQ_U64(ubee_map_open_pinned(p, &m, &log), -EBUSY);
	ubee_map_cpu_exit(c);
	T_CHECK(!m && strstr(logbuf, "inside a program run"), "log '%s'", logbuf);
	T_EQ_U64(ubee_map_open_pinned(p, &m, NULL), 0);
	ubee_map_put(m);
}

static void no_table_without_percpu(void)
{
	char p[PATH_MAX + 64];
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);

	path_of(p, sizeof(p), "plain", "");
	T_CHECK(!mkdir(p, 0700), "mkdir %s", p);
	path_of(p, sizeof(p), "plain", "arr");
	T_CHECK(m && !ubee_map_pin(m, p, NULL), "pin %s", p);
	ubee_map_put(m);
	m = NULL;
	T_CHECK(!ubee_map_open_pinned(p, &m, NULL), "open %s", p);
	ubee_map_put(m);
	path_of(p, sizeof(p), "plain", UBEE_CPUS_FILE);
	T_CHECK(access(p, F_OK) && errno == ENOENT, "%s exists", p);
}

/* The header fields of a claim table, as written into a bad one. */
struct thdr {
	char magic[8];
	uint32_t version, hdr_size, nr_cpus, slot_size;
	uint8_t reserved[40];
};

static void write_table(const char *sub, const struct thdr *h, size_t size)
{
	char p[PATH_MAX + 64];
	int fd;

	path_of(p, sizeof(p), sub, UBEE_CPUS_FILE);
	unlink(p);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) ||
	    pwrite(fd, h, size < sizeof(*h) ? size : sizeof(*h), 0) < 0)
		T_CHECK(0, "writing %s", p);
	if (fd >= 0)
		close(fd);
}

static void malformed_table(void)
{
	static const struct {
		const char *what, *msg;
		int err;
	} bad[] = {
		{ "magic", "bad magic", -EINVAL },
		{ "version", "version 2", -EPROTO },
		{ "cpus", "made for", -ENXIO },
		{ "truncated", "bytes", -EINVAL },
		{ "slot", "slot size", -EINVAL },
		{ "empty", "not a CPU claim table", -EINVAL },
	};
	unsigned n = ubee_map_nr_cpus();
	size_t good = 64 + 64 * (size_t)n;
	char p[PATH_MAX + 64], sub[] = "bad";
	struct ubee_map *m, *o;
	struct ubee_log log;
	struct thdr h;

	path_of(p, sizeof(p), sub, "");
	T_CHECK(!mkdir(p, 0700), "mkdir %s", p);
	/* A good table first, made by pinning, with a map to open later. */
	m = pinned_new(sub, "arr", UBEE_MAP_PERCPU_HASH, 4);
	ubee_map_put(m);
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(bad); i++) {
		size_t size = good;

		memset(&h, 0, sizeof(h));
		memcpy(h.magic, "UBEECPU\x01", 8);
		h.version = 1;
		h.hdr_size = 64;
		h.nr_cpus = n;
		h.slot_size = 64;
		switch (i) {
		case 0: h.magic[0] = 'X'; break;
		case 1: h.version = 2; break;
		case 2: h.nr_cpus = n + 1; break;
		case 3: size = good - 64; break;
		case 4: h.slot_size = 128; break;
		case 5: size = 0; break;
		}
		write_table(sub, &h, size);
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		m = t_map_new(UBEE_MAP_PERCPU_ARRAY, 4, 8, 1, 0, 0);
		path_of(p, sizeof(p), sub, "new");
		T_EQ_U64(ubee_map_pin(m, p, &log), bad[i].err);
		T_CHECK(strstr(logbuf, UBEE_CPUS_FILE) &&
			strstr(logbuf, bad[i].msg),
			"%s: log '%s'", bad[i].what, logbuf);
		T_CHECK(access(p, F_OK), "%s: %s was pinned", bad[i].what, p);
		ubee_map_put(m);
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		path_of(p, sizeof(p), sub, "arr");
		o = NULL;
		T_EQ_U64(ubee_map_open_pinned(p, &o, &log), bad[i].err);
		T_CHECK(!o && strstr(logbuf, bad[i].msg), "%s: open log '%s'",
			bad[i].what, logbuf);
	}
}

/* Child: hold every slot from as many threads, then wait to be killed. */
static void *hold_forever(void *arg)
{
	(void)arg;
	ubee_map_cpu_enter();
	for (;;)
		pause();
	return NULL;
}

static void dead_holder(void)
{
	unsigned n = ubee_map_nr_cpus(), kills = long_mode ? 300 : 20, slow = 0;
	uint64_t worst = 0;
	char p[PATH_MAX + 64];
	struct ubee_map *arr;
	void *tab;
	int fd;

	path_of(p, sizeof(p), "dead", "");
	T_CHECK(!mkdir(p, 0700), "mkdir %s", p);
	arr = pinned_new("dead", "arr", UBEE_MAP_PERCPU_ARRAY, 1);
	tab = map_table("dead", &fd);
	if (!arr || !tab) {
		T_CHECK(0, "setup");
		return;
	}
	for (unsigned i = 0; i < kills && t_ok(); i++) {
		uint64_t t0, t, deadline;
		unsigned held = 0, c;
		pid_t pid = fork();

		if (!pid) {
			pthread_t th;
			struct ubee_map *m = open_pin("dead", "arr");

			for (unsigned j = 0; m && j < n; j++)
				pthread_create(&th, NULL, hold_forever, NULL);
			for (;;)
				pause();
		}
		/* Wait until the child holds every slot. */
		deadline = now_ns() + 5000000000ull;
		while (held < n && now_ns() < deadline) {
			usleep(200);
			held = 0;
			for (c = 0; c < n; c++)
				held += owner_of(tab, c) >> 32 == (uint64_t)pid;
		}
		T_CHECK(held == n, "kill %u: the child holds %u of %u slots", i,
			held, n);
		kill(pid, SIGKILL);
		t0 = now_ns();
		c = ubee_map_cpu_enter();
		t = now_ns() - t0;
		ubee_map_cpu_exit(c);
		waitpid(pid, NULL, 0);
		if (t > worst)
			worst = t;
		slow += t >= STUCK_NS;
		T_CHECK(t < 10 * STUCK_NS, "kill %u: claim took %llu ms", i,
			(unsigned long long)(t / 1000000));
	}
	/* Wall clock on a loaded machine: a rare stall is not a stuck slot. */
	T_CHECK(slow <= 1 + kills / 200, "%u of %u claims took over 100 ms (worst %llu ms)",
		slow, kills, (unsigned long long)(worst / 1000000));
	fprintf(stderr, "dead_holder: %u kills, worst claim %llu us\n", kills,
		(unsigned long long)(worst / 1000));
	munmap(tab, 64 + 64 * (size_t)n);
	close(fd);
	ubee_map_put(arr);
}

/* Child: spin in bpf_loop on as many threads as CPUs until killed. */
static void *spin(void *arg)
{
	uint64_t r0;

	for (;;)
		run1(arg, &r0);
	return NULL;
}

static void spinner(int fd)
{
	struct ubee_map *arr = open_pin("crash", "arr");
	struct ubee_prog *prog = arr ? spin_prog(arr) : NULL;
	pthread_t th;

	for (unsigned j = 0; prog && j < ubee_map_nr_cpus(); j++)
		pthread_create(&th, NULL, spin, prog);
	if (write(fd, "r", 1) != 1 || !prog)
		_exit(3);
	for (;;)
		pause();
}

#define SURVIVORS 2
#define SURVIVOR_THREADS 2

static void killed_while_running(void)
{
	unsigned n = ubee_map_nr_cpus(), kills = long_mode ? 1000 : 20;
	unsigned nrep = SURVIVORS * SURVIVOR_THREADS, slow = 0, held_kills = 0;
	struct report *reps = shared_mem(sizeof(*reps) * nrep + 64);
	volatile int *stop = reps ? (volatile int *)(reps + nrep) : NULL;
	uint64_t worst = 0, total = 0, seed = 0x5eed;
	struct ubee_map *arr = NULL;
	pid_t surv[SURVIVORS];
	char p[PATH_MAX + 64];
	int go[2], fd = -1;
	void *tab = NULL;

	path_of(p, sizeof(p), "crash", "");
	if (!reps || mkdir(p, 0700) || pipe(go)) {
		T_CHECK(0, "setup");
		return;
	}
	arr = pinned_new("crash", "arr", UBEE_MAP_PERCPU_ARRAY, 1);
	tab = map_table("crash", &fd);
	if (!arr || !tab) {
		T_CHECK(0, "setup");
		return;
	}
	for (unsigned i = 0; i < SURVIVORS; i++) {
		surv[i] = fork();
		if (!surv[i])
			child_workers(go[0], "crash", NULL, SURVIVOR_THREADS, 0,
				      stop, &reps[i * SURVIVOR_THREADS]);
	}
	if (write(go[1], "gogo", SURVIVORS) != SURVIVORS)
		T_CHECK(0, "pipe");
	for (unsigned i = 0; i < kills && t_ok(); i++) {
		uint64_t t0, t, deadline;
		unsigned held = 0, c;
		int ready[2];
		pid_t pid;
		char b;

		if (pipe(ready))
			break;
		pid = fork();
		if (!pid)
			spinner(ready[1]);
		T_CHECK(read(ready[0], &b, 1) == 1, "spinner ready");
		close(ready[0]);
		close(ready[1]);
		/* Once it holds a slot, kill it 0-3 ms later. */
		deadline = now_ns() + 2000000000ull;
		do {
			usleep(100);
			held = 0;
			for (c = 0; c < n; c++)
				held += owner_of(tab, c) >> 32 == (uint64_t)pid;
		} while (!held && now_ns() < deadline);
		usleep((unsigned)(t_rnd(&seed) % 3000));
		held = 0;
		for (c = 0; c < n; c++)
			held += owner_of(tab, c) >> 32 == (uint64_t)pid;
		held_kills += held > 0;
		kill(pid, SIGKILL);
		t0 = now_ns();
		deadline = t0 + 10 * STUCK_NS;
		do {
			held = 0;
			for (c = 0; c < n; c++)
				held += owner_of(tab, c) >> 32 == (uint64_t)pid;
			if (held)
				usleep(100);
		} while (held && now_ns() < deadline);
		t = now_ns() - t0;
		waitpid(pid, NULL, 0);
		if (t > worst)
			worst = t;
		slow += t >= STUCK_NS;
		T_CHECK(!held, "kill %u: its claims still held after %llu ms", i,
			(unsigned long long)(t / 1000000));
	}
	*stop = 1;
	for (unsigned i = 0; i < SURVIVORS; i++)
		wait_ok(surv[i], "survivor");
	for (unsigned t = 0; t < nrep; t++) {
		T_CHECK(!reps[t].errors, "thread %u: %d failed runs", t,
			reps[t].errors);
		total += reps[t].runs;
	}
	T_CHECK(total > 0, "no survivor runs");
	T_EQ_U64(percpu_sum(arr, 0), total);
	T_CHECK(held_kills >= kills * 3 / 4, "only %u of %u kills hit a held slot",
		held_kills, kills);
	T_CHECK(slow <= 1 + kills / 200, "%u of %u kills took over 100 ms to free (worst %llu ms)",
		slow, kills, (unsigned long long)(worst / 1000000));
	fprintf(stderr, "killed_while_running: %u kills (%u holding), worst release %llu us, %llu survivor runs\n",
		kills, held_kills, (unsigned long long)(worst / 1000),
		(unsigned long long)total);
	munmap(tab, 64 + 64 * (size_t)n);
	close(fd);
	close(go[0]);
	close(go[1]);
	ubee_map_put(arr);
	munmap(reps, sizeof(*reps) * nrep + 64);
}

int main(void)
{
	const char *lng = getenv("UBEE_LONG");
	char cmd[PATH_MAX + 16];

	long_mode = lng && *lng && strcmp(lng, "0");
	snprintf(dir, sizeof(dir), "/tmp/ubee-test-percpu.%d", getpid());
	if (mkdir(dir, 0700))
		return 1;
	/* Fresh processes first: the test process itself switches later. */
	T_RUN(switch_waits);
	T_RUN(exact_counts);
	T_RUN(two_directories);
	T_RUN(open_inside_run);
	T_RUN(no_table_without_percpu);
	T_RUN(malformed_table);
	T_RUN(dead_holder);
	T_RUN(killed_while_running);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", dir);
	return t_summary();
}
