// SPDX-License-Identifier: MIT
/*
 * The benchmark harness behind `make bench`. Every program of bench/progs is
 * here three times: as raw eBPF bytecode (<bin dir>/<name>.bin, extracted
 * by bench/run.sh), as the same C compiled natively (native_<name>, linked
 * in) and, for the kernel, as an XDP object (<kernel dir>/<name>.o, built
 * from bench/kernel.c). For each program the harness fills a
 * deterministic input, runs it on every engine of the engine table, checks
 * that every engine returns what the native code returned, and times it:
 * runs are repeated until about --time seconds have passed, three times,
 * and the best per-run time is kept (the machines are noisy; the minimum is
 * the least disturbed run). The number of eBPF instructions per run comes
 * from one checked run with insn_count; the JIT's compile time from
 * compiling fresh copies of the program (ubee_prog_jit_info compiles).
 *
 * The kernel engine loads the object with libbpf, its input in a BPF arena
 * the harness has mapped and filled, and times BPF_PROG_TEST_RUN with
 * repeat (the kernel measures; see bench/kernel.c). A program the kernel
 * refuses keeps an empty cell and a note; a kernel that refuses bpf()
 * loses the column, with a note. Built with -DBENCH_NO_LIBBPF there is no
 * kernel column.
 *
 * New engines are one row in engines[] and, for a new comparison, one row
 * in ratios[]; nothing else changes.
 *
 * Exit status: 0 when every result matched, 1 on any mismatch or error,
 * 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_NO_LIBBPF
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#include "ubee/ubee.h"

#include "bench.h" /* struct bench_kernel_io */

typedef uint64_t (*native_fn)(uint8_t *mem, uint64_t len);

/* Checked runs: far above any program here (aluloop runs ~1.5e8). */
#define BENCH_INSN_BUDGET (1ull << 40)

/* ---- inputs ------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void fill_random(uint8_t *mem, size_t size, uint32_t param)
{
	uint64_t s = 0x853c49e6748fea9bull ^ param;
	size_t i;

	for (i = 0; i < size; i++)
		mem[i] = rng_next(&s) >> 56;
}

/* A loop count for the pure ALU programs, the rest zero. */
static void fill_param(uint8_t *mem, size_t size, uint32_t param)
{
	memset(mem, 0, size);
	put_le32(mem, param);
}

/* Ascending 32-bit keys with random gaps of 0..7 (duplicates included). */
static void fill_sorted(uint8_t *mem, size_t size, uint32_t param)
{
	uint64_t s = 0xda3e39cb94b95bdbull;
	uint32_t *a = (uint32_t *)mem, v = 0;
	size_t i;

	for (i = 0; i < size / 4; i++) {
		v += rng_next(&s) >> 61;
		a[i] = v;
	}
}

/*
 * 64-byte slots, each a NUL-terminated string of 32..62 letters copied
 * from one template, most with one letter changed at a random place: the
 * comparisons run over long common prefixes, as in symbol tables.
 */
static void fill_strings(uint8_t *mem, size_t size, uint32_t param)
{
	uint64_t s = 0x2b992ddfa23249d6ull;
	uint8_t tmpl[64];
	size_t i, k, len;

	for (k = 0; k < sizeof(tmpl); k++)
		tmpl[k] = 'a' + rng_next(&s) % 26;
	memset(mem, 0, size);
	for (i = 0; i + 64 <= size; i += 64) {
		len = 32 + rng_next(&s) % 31;
		memcpy(mem + i, tmpl, len);
		if (rng_next(&s) % 4)
			mem[i + rng_next(&s) % len] = 'a' + rng_next(&s) % 26;
	}
}

/* One instruction of the bench/progs/vm.c machine. */
static void vm_insn(uint8_t **p, int op, int a, int b, int c)
{
	(*p)[0] = op;
	(*p)[1] = a;
	(*p)[2] = b;
	(*p)[3] = c;
	*p += 4;
}

enum { VM_HALT, VM_LI, VM_ADD, VM_SUB, VM_XOR, VM_AND, VM_MUL, VM_SHL,
       VM_SHR, VM_DEC, VM_JNZ, VM_MOV };

/* A hash loop of param rounds, 12 VM instructions per round. */
static void fill_vm(uint8_t *mem, size_t size, uint32_t param)
{
	uint8_t *p = mem + 8;

	memset(mem, 0, size);
	vm_insn(&p, VM_LI, 1, 0x34, 0x12);
	vm_insn(&p, VM_LI, 2, param & 0xff, param >> 8 & 0xff);
	vm_insn(&p, VM_LI, 3, 1, 0);
	vm_insn(&p, VM_LI, 0, 0, 0);
	vm_insn(&p, VM_SHL, 4, 1, 5); /* 4: loop */
	vm_insn(&p, VM_XOR, 1, 1, 4);
	vm_insn(&p, VM_SHR, 4, 1, 7);
	vm_insn(&p, VM_XOR, 1, 1, 4);
	vm_insn(&p, VM_ADD, 0, 0, 1);
	vm_insn(&p, VM_MUL, 5, 0, 3);
	vm_insn(&p, VM_XOR, 3, 3, 5);
	vm_insn(&p, VM_SUB, 6, 3, 1);
	vm_insn(&p, VM_AND, 6, 6, 0);
	vm_insn(&p, VM_ADD, 0, 0, 6);
	vm_insn(&p, VM_DEC, 2, 0, 0);
	vm_insn(&p, VM_JNZ, 2, 4, 0);
	vm_insn(&p, VM_MOV, 7, 0, 0);
	vm_insn(&p, VM_HALT, 7, 0, 0);
	put_le32(mem, 1u << 24);
	put_le32(mem + 4, (p - mem - 8) / 4);
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* Write one Ethernet frame into f; returns its length. */
static size_t make_frame(uint8_t *f, uint64_t *s)
{
	int kind = rng_next(s) % 10, vlan = kind == 5, proto, ihl, l4len;
	size_t off = 12, ip, i, payload = rng_next(s) % 64;
	uint32_t sum;

	for (i = 0; i < 12; i++)
		f[i] = rng_next(s);
	if (vlan) {
		put_be16(f + off, 0x8100);
		put_be16(f + off + 2, rng_next(s) & 0xfff);
		off += 4;
	}
	if (kind == 7) { /* ARP-like: not parsed past Ethernet */
		put_be16(f + off, 0x0806);
		for (i = 0; i < 28; i++)
			f[off + 2 + i] = rng_next(s);
		return off + 30;
	}
	proto = kind == 3 || kind == 4 ? 6 : kind == 9 ? 47 : 17;
	l4len = proto == 6 ? 20 : 8;
	ip = off + 2;
	if (kind == 6) { /* IPv6 */
		put_be16(f + off, 0x86dd);
		f[ip] = 0x60;
		for (i = 1; i < 40; i++)
			f[ip + i] = rng_next(s);
		put_be16(f + ip + 4, l4len + payload);
		f[ip + 6] = proto;
		off = ip + 40;
	} else {
		put_be16(f + off, 0x0800);
		ihl = 5 + (kind == 8 ? 2 : 0);
		for (i = 0; i < (size_t)ihl * 4; i++)
			f[ip + i] = rng_next(s);
		f[ip] = 0x40 | ihl;
		put_be16(f + ip + 2, ihl * 4 + l4len + payload);
		f[ip + 9] = proto;
		put_be16(f + ip + 10, 0);
		for (sum = 0, i = 0; i < (size_t)ihl * 4; i += 2)
			sum += f[ip + i] << 8 | f[ip + i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		/* one frame in 16 carries a bad checksum */
		put_be16(f + ip + 10, ~sum ^ (rng_next(s) % 16 == 0));
		off = ip + ihl * 4;
	}
	for (i = 0; i < (size_t)l4len + payload; i++)
		f[off + i] = rng_next(s);
	if (proto == 17)
		put_be16(f + off + 4, 8 + payload);
	if (proto == 6)
		f[off + 12] = 5 << 4;
	return off + l4len + payload;
}

/* Records of a le16 length and a frame; a final 0xffff length ends them. */
static void fill_packets(uint8_t *mem, size_t size, uint32_t param)
{
	uint64_t s = 0x6a09e667f3bcc909ull;
	uint8_t frame[256];
	size_t off = 0, n;

	memset(mem, 0, size);
	for (;;) {
		n = make_frame(frame, &s);
		if (off + 2 + n > size)
			break;
		mem[off] = n;
		mem[off + 1] = n >> 8;
		memcpy(mem + off + 2, frame, n);
		off += 2 + n;
	}
	if (off + 2 <= size)
		mem[off] = mem[off + 1] = 0xff;
}

/* ---- programs ---------------------------------------------------------- */

/*
 * Why a program is not run in the kernel, where trying does harm. Loading
 * crc32 (as an arena or as a map-value program alike) oopses Linux 6.18.44:
 * a NULL pointer dereference in maybe_fork_scalars, the verifier's split of
 * a scalar in [-1, 0] before an AND, here `0xedb88320 & -(crc & 1)`, hit
 * after long verification; the loading process dies. run.sh still builds
 * its object; --kernel-all loads it anyway.
 */
#define KERNEL_OOPS_618 "skipped: Linux 6.18's verifier oopses on it " \
	"(NULL dereference in maybe_fork_scalars)"

/*
 * The programs: name (bench/progs/<name>.c), input size, input filler and
 * its parameter, and why the kernel does not run it (NULL: it does). One
 * row per program; run.sh checks every source has one.
 */
#define BENCH_PROGS(X)                                                        \
	X(sieve, 64 << 10, fill_random, 1, NULL)                              \
	X(memcpy, 64 << 10, fill_random, 2, NULL)                             \
	X(strcmp, 16 << 10, fill_strings, 0, NULL)                            \
	X(vm, 4 << 10, fill_vm, 20000, NULL)                                  \
	X(log2, 64 << 10, fill_random, 3, NULL)                               \
	X(csum, 256 << 10, fill_random, 4, NULL)                              \
	X(crc32, 16 << 10, fill_random, 5, KERNEL_OOPS_618)                   \
	X(bitcount, 64 << 10, fill_random, 6, NULL)                           \
	X(bsearch, 64 << 10, fill_sorted, 0, NULL)                            \
	X(isort, 4 << 10, fill_random, 7, NULL)                               \
	X(collatz, 64, fill_param, 3000, NULL)                                \
	X(pktparse, 64 << 10, fill_packets, 0, NULL)                          \
	X(aluloop, 64, fill_param, 10000000, NULL)

#define DECLARE(n, size, fill, param, kskip)                                  \
	uint64_t native_##n(uint8_t *mem, uint64_t len);
BENCH_PROGS(DECLARE)
#undef DECLARE

struct bench_prog {
	const char *name;
	native_fn native;
	size_t mem_size;
	void (*fill)(uint8_t *mem, size_t size, uint32_t param);
	uint32_t param;
	const char *kernel_skip;
};

static const struct bench_prog progs[] = {
#define ROW(n, size, fill, param, kskip)                                      \
	{ #n, native_##n, size, fill, param, kskip },
	BENCH_PROGS(ROW)
#undef ROW
};

#define NPROGS (sizeof(progs) / sizeof(progs[0]))

/* ---- the kernel -------------------------------------------------------- */

/* One program loaded into the kernel. */
struct kernel_prog {
	void *obj;        /* struct bpf_object */
	int prog_fd;
	int arena_fd;
	uint8_t *mem;     /* the arena, mapped here: the program's input */
	size_t map_size;
	double load_us;   /* bpf_object__load: verifier and JIT */
	size_t insns;     /* its size after the verifier's rewrites */
	size_t jit_bytes; /* the kernel JIT's code size */
};

/* Why the kernel column is missing ("" while it is not). */
static char kernel_off[600];

#ifndef BENCH_NO_LIBBPF
/* UAPI value of BPF_MAP_TYPE_ARENA (Linux 6.9+; older headers lack it). */
#define ARENA_MAP_TYPE 33
#define XDP_PASS_RET 2
/* The test run's packet: struct bench_kernel_io, padded to a frame. */
#define KERNEL_PKT 64

/*
 * The last libbpf warning (why an object did not open or load) and the
 * verifier's log of a failed load: the kernel keeps the log's end when it
 * does not fit, and the end is where the reason is.
 */
static char libbpf_msg[512];
static char verifier_log[1 << 16];

static int libbpf_capture(enum libbpf_print_level level, const char *fmt,
			  va_list ap)
{
	if (level != LIBBPF_DEBUG) {
		vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
		libbpf_msg[strcspn(libbpf_msg, "\n")] = 0;
	}
	return 0;
}

/* The last line of log that is not a statistic, in out ("" if none). */
static void verifier_reason(const char *log, char *out, size_t size)
{
	static const char *const stats[] = { "processed ", "verification time",
					     "stack depth" };
	const char *line, *end, *best = "";
	size_t i, n, best_len = 0;

	for (line = log; *line; line = end + !!*end) {
		end = line + strcspn(line, "\n");
		n = end - line;
		for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
			if (!strncmp(line, stats[i], strlen(stats[i])))
				break;
		if (n && i == sizeof(stats) / sizeof(stats[0])) {
			best = line;
			best_len = n;
		}
	}
	snprintf(out, size, "%.*s", (int)best_len, best);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void kernel_close(struct kernel_prog *k)
{
	bpf_object__close(k->obj);
	if (k->mem)
		munmap(k->mem, k->map_size);
	if (k->arena_fd >= 0)
		close(k->arena_fd);
	memset(k, 0, sizeof(*k));
	k->arena_fd = -1;
}

/*
 * Load <dir>/<name>.o with an arena of mem_size bytes (mapped at k->mem)
 * for its input. 0, or a negative errno with the reason in note; *global
 * is set when the reason is not the program (bpf() refused, no arenas).
 */
static int kernel_open(struct kernel_prog *k, const char *dir,
		       const char *name, size_t mem_size, char *note,
		       size_t note_size, int *global)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_prog_info info = { 0 };
	uint32_t info_len = sizeof(info);
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[4096];
	double t0;
	int err;

	memset(k, 0, sizeof(*k));
	k->arena_fd = -1;
	libbpf_msg[0] = 0;
	snprintf(path, sizeof(path), "%s/%s.o", dir, name);
	k->map_size = (mem_size + page - 1) / page * page;
	k->arena_fd = bpf_map_create(ARENA_MAP_TYPE, "arena", 0, 0,
				     k->map_size / page, &mo);
	if (k->arena_fd < 0) {
		err = -errno;
		*global = 1;
		snprintf(note, note_size, "creating a BPF arena failed: %s%s",
			 strerror(-err),
			 err == -EINVAL ? " (arenas need Linux 6.9)" : "");
		goto out;
	}
	/* An arena is mapped before the programs using it load. */
	k->mem = mmap(NULL, k->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->arena_fd, 0);
	if (k->mem == MAP_FAILED) {
		k->mem = NULL;
		err = -errno;
		*global = 1;
		snprintf(note, note_size, "mapping the arena failed: %s",
			 strerror(-err));
		goto out;
	}
	k->obj = bpf_object__open_file(path, NULL);
	if (!k->obj) {
		err = -errno;
		snprintf(note, note_size, "opening %.64s.o failed: %s", name,
			 strerror(-err));
		goto out;
	}
	map = bpf_object__find_map_by_name(k->obj, "arena");
	prog = bpf_object__find_program_by_name(k->obj, "bench_kernel");
	if (!map || !prog) {
		err = -ENOENT;
		snprintf(note, note_size, "%.64s.o: no map \"arena\" or program "
			 "\"bench_kernel\"", name);
		goto out;
	}
	err = bpf_map__reuse_fd(map, k->arena_fd);
	if (err) {
		snprintf(note, note_size, "reusing the arena: %s",
			 strerror(-err));
		goto out;
	}
	/* level 0: libbpf asks for the log only when the load fails */
	verifier_log[0] = 0;
	bpf_program__set_log_buf(prog, verifier_log, sizeof(verifier_log));
	t0 = now_us();
	err = bpf_object__load(k->obj);
	k->load_us = now_us() - t0;
	if (err) {
		char why[400];

		*global = err == -EPERM;
		verifier_reason(verifier_log, why, sizeof(why));
		if (why[0])
			snprintf(note, note_size, "kernel verifier refuses: %s",
				 why);
		else
			snprintf(note, note_size,
				 "loading %.64s.o failed: %s%s%.300s", name,
				 strerror(-err), libbpf_msg[0] ? ": " : "",
				 libbpf_msg);
		goto out;
	}
	k->prog_fd = bpf_program__fd(prog);
	if (!bpf_obj_get_info_by_fd(k->prog_fd, &info, &info_len)) {
		k->insns = info.xlated_prog_len / sizeof(struct bpf_insn);
		k->jit_bytes = info.jited_prog_len;
	}
	return 0;
out:
	kernel_close(k);
	return err;
}

/*
 * n runs in one BPF_PROG_TEST_RUN (repeat n): *ns is the kernel's time
 * per run. The result is that of the last run. 0 or a negative errno.
 */
static int kernel_batch(struct kernel_prog *k, size_t len, uint64_t n,
			double *ns, uint64_t *ret)
{
	uint8_t in[KERNEL_PKT] = { 0 }, out[KERNEL_PKT];
	struct bench_kernel_io io = { .mem = (uintptr_t)k->mem, .len = len };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = in,
		    .data_size_in = sizeof(in), .data_out = out,
		    .data_size_out = sizeof(out),
		    .repeat = n > UINT32_MAX ? UINT32_MAX : n);

	memcpy(in, &io, sizeof(io));
	if (bpf_prog_test_run_opts(k->prog_fd, &t))
		return -errno;
	if (t.retval != XDP_PASS_RET || t.data_size_out < sizeof(io))
		return -EIO;
	memcpy(&io, out, sizeof(io));
	*ret = io.result;
	*ns = t.duration;
	return 0;
}
#else
static void kernel_close(struct kernel_prog *k)
{
}

static int kernel_open(struct kernel_prog *k, const char *dir,
		       const char *name, size_t mem_size, char *note,
		       size_t note_size, int *global)
{
	*global = 1;
	snprintf(note, note_size, "built without libbpf");
	return -ENOSYS;
}

static int kernel_batch(struct kernel_prog *k, size_t len, uint64_t n,
			double *ns, uint64_t *ret)
{
	return -ENOSYS;
}
#endif /* BENCH_NO_LIBBPF */

/* ---- engines ----------------------------------------------------------- */

/* What an engine runs: the program each way, and the input. */
struct bench_ctx {
	const struct bench_prog *bp;
	struct ubee_prog *prog;
	struct kernel_prog kern;
	uint8_t *mem;
	size_t len;
	struct ubee_log *log;
};

struct engine {
	const char *name;
	/* run the program once on ctx->mem: 0 or a negative errno */
	int (*run)(const struct engine *e, struct bench_ctx *c, uint64_t *ret);
	/*
	 * or, when set, n runs timed by the engine itself: *ns per run, *ret
	 * the last run's result; its input is ctx->kern.mem
	 */
	int (*batch)(const struct engine *e, struct bench_ctx *c, uint64_t n,
		     double *ns, uint64_t *ret);
	enum ubee_engine ubee_engine; /* for ubee engines */
	uint32_t flags;               /* ubee_run_flags */
	int is_ubee;                  /* runs the bytecode: has an insn rate */
	int is_kernel;                /* needs the kernel object loaded */
	int on_by_default;
};

static int run_native(const struct engine *e, struct bench_ctx *c,
		      uint64_t *ret)
{
	*ret = c->bp->native(c->mem, c->len);
	return 0;
}

static int run_ubee(const struct engine *e, struct bench_ctx *c,
		    uint64_t *ret)
{
	struct ubee_run_opts o = {
		.sz = sizeof(o),
		.ctx = c->mem,
		.ctx_size = c->len,
		.engine = e->ubee_engine,
		.flags = e->flags,
		.insn_budget = BENCH_INSN_BUDGET,
	};

	return ubee_prog_run(c->prog, &o, ret, c->log);
}

static int batch_kernel(const struct engine *e, struct bench_ctx *c,
			uint64_t n, double *ns, uint64_t *ret)
{
	return kernel_batch(&c->kern, c->len, n, ns, ret);
}

/*
 * Column order; native first: it is the reference result. The JIT runs
 * the bytecode trusted, as "interp" does; engines the library was built
 * without are skipped (ubee_engine_available).
 */
static const struct engine engines[] = {
	{ .name = "native", .run = run_native, .on_by_default = 1 },
	{ .name = "jit", .run = run_ubee, .ubee_engine = UBEE_ENGINE_JIT,
	  .flags = UBEE_RUN_TRUSTED, .is_ubee = 1, .on_by_default = 1 },
	/* the same C in the kernel, its JIT timed by BPF_PROG_TEST_RUN */
	{ .name = "kernel", .batch = batch_kernel, .is_kernel = 1,
	  .on_by_default = 1 },
	{ .name = "interp", .run = run_ubee, .ubee_engine = UBEE_ENGINE_INTERP,
	  .flags = UBEE_RUN_TRUSTED, .is_ubee = 1, .on_by_default = 1 },
	{ .name = "checked", .run = run_ubee, .ubee_engine = UBEE_ENGINE_INTERP,
	  .flags = UBEE_RUN_CHECKED, .is_ubee = 1, .on_by_default = 1 },
	/* the plain switch dispatch, to compare with computed goto */
	{ .name = "switch", .run = run_ubee, .ubee_engine = UBEE_ENGINE_INTERP,
	  .flags = UBEE_RUN_TRUSTED | UBEE_RUN_SWITCH, .is_ubee = 1 },
};

#define NENGINES (sizeof(engines) / sizeof(engines[0]))

/* Time ratios reported per program and as a geometric mean. */
static const struct {
	const char *num, *den;
} ratios[] = {
	{ "jit", "native" },
	{ "jit", "kernel" },
	{ "interp", "jit" },
	{ "interp", "native" },
	{ "checked", "interp" },
	{ "switch", "interp" },
};

#define NRATIOS (sizeof(ratios) / sizeof(ratios[0]))

/* ---- measuring --------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * The CPU time of this thread: what user-space engines are timed with.
 * BPF_PROG_TEST_RUN's duration leaves out the time the kernel spends
 * rescheduling between runs (an XDP run itself is not preemptible), so
 * timing the other engines by the wall clock would charge them, and not
 * the kernel, for every other process on a shared machine.
 */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * n runs of engine e: *ns per run. Every result the engine shows must
 * equal expect. 0, -EIO on a wrong result (reported), or the engine's
 * error.
 */
static int run_batch(const struct engine *e, struct bench_ctx *c, uint64_t n,
		     uint64_t expect, double *ns)
{
	uint64_t ret = expect, i;
	double t0;
	int err = 0;

	if (e->batch) {
		err = e->batch(e, c, n, ns, &ret);
	} else {
		t0 = cpu_ns();
		for (i = 0; i < n && !err && ret == expect; i++)
			err = e->run(e, c, &ret);
		*ns = (cpu_ns() - t0) / n;
	}
	if (err)
		return err;
	if (ret != expect) {
		fprintf(stderr, "MISMATCH %s on %s: got 0x%llx, native 0x%llx\n",
			c->bp->name, e->name, (unsigned long long)ret,
			(unsigned long long)expect);
		return -EIO;
	}
	return 0;
}

/*
 * Best nanoseconds per run of engine e: one run to size the batch, then
 * three batches of about target_ns each. 0, -EIO on a wrong result, or
 * the engine's error.
 */
static int measure(const struct engine *e, struct bench_ctx *c,
		   uint64_t expect, double target_ns, double *best)
{
	uint64_t n;
	double t;
	int err, rep;

	err = run_batch(e, c, 1, expect, &t);
	if (err)
		return err;
	n = t > 0 ? (uint64_t)(target_ns / t) : 1000000;
	n = n < 1 ? 1 : n > 100000000 ? 100000000 : n;
	*best = t;
	for (rep = 0; rep < 3; rep++) {
		err = run_batch(e, c, n, expect, &t);
		if (err)
			return err;
		if (t > 0 && (!*best || t < *best))
			*best = t;
	}
	return 0;
}

/* ---- one program ------------------------------------------------------- */

struct result {
	int ok;                     /* every engine ran and matched */
	uint64_t value;             /* native result */
	uint64_t insns;             /* eBPF instructions per run, 0 unknown */
	size_t prog_insns;          /* program size in instructions */
	double ns[NENGINES];        /* 0: not run */
	double jit_us;              /* JIT compile time, 0: not measured */
	size_t jit_bytes;           /* JIT code size */
	double kernel_load_us;      /* kernel verifier + JIT, 0: not loaded */
	size_t kernel_insns;        /* the kernel's program size */
	size_t kernel_bytes;        /* the kernel JIT's code size */
	char kernel_note[512];      /* why the kernel cell is empty */
};

/* What to run: parsed options. */
struct bench_opts {
	const char *bin_dir;
	const char *kernel_dir;     /* NULL: no kernel column */
	int kernel_all;             /* also programs with a kernel_skip */
	const int *selected;        /* [NENGINES] */
	double target_ns;
};

static int read_file(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;
	int err = 0;

	*data = NULL;
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err = -EIO;
		goto out;
	}
	*data = malloc(n ? n : 1);
	if (!*data) {
		err = -ENOMEM;
		goto out;
	}
	if (fread(*data, 1, n, f) != (size_t)n) {
		free(*data);
		*data = NULL;
		err = -EIO;
		goto out;
	}
	*size = n;
out:
	fclose(f);
	return err;
}

static void print_log(const char *what, const struct ubee_log *log)
{
	if (log->len)
		fprintf(stderr, "%s: %s", what, log->buf);
}

/*
 * One checked run that counts the eBPF instructions executed (*insns) and
 * checks the result against the native one. 0, -EIO or the run's error.
 */
static int count_insns(struct bench_ctx *c, uint64_t expect, uint64_t *insns)
{
	struct ubee_run_opts o = {
		.sz = sizeof(o),
		.ctx = c->mem,
		.ctx_size = c->len,
		.engine = UBEE_ENGINE_INTERP,
		.flags = UBEE_RUN_CHECKED,
		.insn_budget = BENCH_INSN_BUDGET,
		.insn_count = insns,
	};
	uint64_t ret = 0;
	int err;

	err = ubee_prog_run(c->prog, &o, &ret, c->log);
	if (err) {
		fprintf(stderr, "%s: counting run failed: %s\n", c->bp->name,
			strerror(-err));
		print_log(c->bp->name, c->log);
		return err;
	}
	if (ret != expect) {
		fprintf(stderr,
			"MISMATCH %s on the counting run: got 0x%llx, native 0x%llx\n",
			c->bp->name, (unsigned long long)ret,
			(unsigned long long)expect);
		return -EIO;
	}
	return 0;
}

/*
 * The JIT's compile time: ubee_prog_jit_info on fresh loads of the
 * bytecode (it compiles on its first call; loading is not timed), at
 * least 3 and for about 20 ms, the fastest (*us); the code size in
 * *bytes. 0 or the first error.
 */
static int jit_compile_time(const struct bench_prog *bp, const void *code,
			    size_t size, struct ubee_log *log, double *us,
			    size_t *bytes)
{
	struct ubee_prog_opts po = { .sz = sizeof(po), .name = bp->name,
				      .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_jit_info info = { .sz = sizeof(info) };
	struct ubee_prog *prog;
	double t0 = now_ns(), t;
	int i, err;

	*us = 0;
	for (i = 0; i < 3 || (i < 1000 && now_ns() - t0 < 20e6); i++) {
		err = ubee_prog_load(code, size / sizeof(struct ubee_insn), &po,
				     &prog, log);
		if (err)
			return err;
		t = now_ns();
		err = ubee_prog_jit_info(prog, &info, log);
		t = (now_ns() - t) / 1e3;
		ubee_prog_free(prog);
		if (err)
			return err;
		if (!*us || t < *us)
			*us = t;
	}
	*bytes = info.size;
	return 0;
}

/*
 * Load the kernel's copy of bp into c->kern, or say in r->kernel_note why
 * not; a failure that is not the program's (bpf() refused, no arenas)
 * turns the kernel column off (kernel_off). 1 when loaded.
 */
static int kernel_load(const struct bench_prog *bp,
		       const struct bench_opts *o, struct bench_ctx *c,
		       struct result *r)
{
	int err, global = 0;

	if (bp->kernel_skip && !o->kernel_all) {
		snprintf(r->kernel_note, sizeof(r->kernel_note), "%s",
			 bp->kernel_skip);
		return 0;
	}
	err = kernel_open(&c->kern, o->kernel_dir, bp->name, bp->mem_size,
			  r->kernel_note, sizeof(r->kernel_note), &global);
	if (!err) {
		r->kernel_load_us = c->kern.load_us;
		r->kernel_insns = c->kern.insns;
		r->kernel_bytes = c->kern.jit_bytes;
		return 1;
	}
	if (global) {
		snprintf(kernel_off, sizeof(kernel_off),
			 "no kernel column: %s", r->kernel_note);
		r->kernel_note[0] = 0;
	}
	return 0;
}

/*
 * Load <bin dir>/<name>.bin, count its instructions, time its JIT
 * compile, load it into the kernel, then measure every selected engine.
 * Fills *r; returns 0 when everything ran and matched (a kernel that does
 * not load the program is not an error: r->kernel_note says why). The
 * bytecode loads unverified (a plain-memory program's input size is
 * unknown to the verifier) and runs trusted, as before the verifier.
 */
static int bench_one(const struct bench_prog *bp, const struct bench_opts *o,
		     struct result *r)
{
	char path[4096], logbuf[4096];
	struct ubee_log log;
	struct ubee_prog_opts po = { .sz = sizeof(po), .name = bp->name,
				      .flags = UBEE_PROG_NO_VERIFY };
	struct bench_ctx c = { .bp = bp, .len = bp->mem_size, .log = &log };
	void *code = NULL;
	size_t size = 0, i;
	int err, e_err, have_kernel = 0;

	memset(r, 0, sizeof(*r));
	c.kern.arena_fd = -1;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	c.mem = malloc(bp->mem_size);
	if (!c.mem) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.bin", o->bin_dir, bp->name);
	err = read_file(path, &code, &size);
	if (err || !size || size % sizeof(struct ubee_insn)) {
		fprintf(stderr, "%s: cannot read bytecode (%s)\n", path,
			err ? strerror(-err) : "size not a multiple of 8");
		err = err ? err : -EINVAL;
		goto out;
	}
	err = ubee_prog_load(code, size / sizeof(struct ubee_insn), &po,
			     &c.prog, &log);
	if (err) {
		fprintf(stderr, "%s: load failed: %s\n", bp->name,
			strerror(-err));
		print_log(bp->name, &log);
		goto out;
	}
	r->prog_insns = ubee_prog_insn_count(c.prog);

	bp->fill(c.mem, c.len, bp->param);
	r->value = bp->native(c.mem, c.len);

	bp->fill(c.mem, c.len, bp->param);
	err = count_insns(&c, r->value, &r->insns);
	if (err)
		goto out;

	for (i = 0; i < NENGINES; i++) {
		const struct engine *e = &engines[i];

		if (!o->selected[i])
			continue;
		if (e->is_ubee && e->ubee_engine == UBEE_ENGINE_JIT &&
		    ubee_engine_available(e->ubee_engine)) {
			ubee_log_init(&log, logbuf, sizeof(logbuf));
			err = jit_compile_time(bp, code, size, &log,
					       &r->jit_us, &r->jit_bytes);
			if (err) {
				fprintf(stderr, "%s: JIT compile failed: %s\n",
					bp->name, strerror(-err));
				print_log(bp->name, &log);
				goto out;
			}
		}
		if (e->is_kernel && !kernel_off[0])
			have_kernel = kernel_load(bp, o, &c, r);
	}

	for (i = 0; i < NENGINES; i++) {
		const struct engine *e = &engines[i];
		uint8_t *mem = e->is_kernel ? c.kern.mem : c.mem;

		if (!o->selected[i])
			continue;
		if (e->is_ubee && !ubee_engine_available(e->ubee_engine))
			continue;
		if (e->is_kernel && !have_kernel)
			continue;
		bp->fill(mem, c.len, bp->param);
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		e_err = measure(e, &c, r->value, o->target_ns, &r->ns[i]);
		if (e_err) {
			if (e_err != -EIO) {
				fprintf(stderr, "%s on %s: run failed: %s\n",
					bp->name, e->name, strerror(-e_err));
				print_log(bp->name, &log);
			}
			/* keep timing the other engines; report this one */
			r->ns[i] = 0;
			err = e_err;
		}
	}
	r->ok = !err;
out:
	kernel_close(&c.kern);
	ubee_prog_free(c.prog);
	free(code);
	free(c.mem);
	return err;
}

/* ---- output ------------------------------------------------------------ */

static int engine_index(const char *name)
{
	size_t i;

	for (i = 0; i < NENGINES; i++)
		if (!strcmp(engines[i].name, name))
			return i;
	return -1;
}

/* 1 when engine i has a column: selected, built in, kernel allowed. */
static int engine_shown(size_t i, const int *selected)
{
	const struct engine *e = &engines[i];

	if (!selected[i])
		return 0;
	if (e->is_ubee)
		return ubee_engine_available(e->ubee_engine);
	return !e->is_kernel || !kernel_off[0];
}

/* Ratio k for result r, or 0 when either side did not run. */
static double ratio_of(const struct result *r, size_t k)
{
	int a = engine_index(ratios[k].num), b = engine_index(ratios[k].den);

	if (a < 0 || b < 0 || !r->ns[a] || !r->ns[b])
		return 0;
	return r->ns[a] / r->ns[b];
}

/* 1 when both engines of ratio k have columns. */
static int ratio_shown(size_t k, const int *selected)
{
	int a = engine_index(ratios[k].num), b = engine_index(ratios[k].den);

	return a >= 0 && b >= 0 && engine_shown(a, selected) &&
	       engine_shown(b, selected);
}

/* Million eBPF instructions per second of engine i, or 0. */
static double minsn_of(const struct result *r, size_t i)
{
	if (!engines[i].is_ubee || !r->ns[i] || !r->insns)
		return 0;
	return r->insns / r->ns[i] * 1e3;
}

static void cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512], *p;

	snprintf(buf, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(p = strchr(line, ':')))
			continue;
		p += 1 + (p[1] == ' ');
		p[strcspn(p, "\n")] = 0;
		snprintf(buf, size, "%s", p);
		break;
	}
	fclose(f);
}

/* A number in a column of width w, or "-" when it is 0. */
static void cell(double v, int w, int prec, const char *suffix)
{
	if (v)
		printf(" %*.*f%s", w - (int)strlen(suffix), prec, v, suffix);
	else
		printf(" %*s", w, "-");
}

/*
 * The JIT's compile time as fixed + per-instruction cost: the least
 * squares line through (prog insns, jit comp us) over the programs
 * measured. 0 when fewer than two programs of different sizes are.
 */
static int compile_fit(const struct result *res, const int *run_prog,
		       double *fixed_us, double *ns_per_insn)
{
	double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, d;

	for (size_t p = 0; p < NPROGS; p++) {
		double x = (double)res[p].prog_insns, y = res[p].jit_us;

		if (!run_prog[p] || !y)
			continue;
		n++;
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	d = n * sxx - sx * sx;
	if (n < 2 || d <= 0)
		return 0;
	*ns_per_insn = (n * sxy - sx * sy) / d * 1e3;
	*fixed_us = (sy - *ns_per_insn / 1e3 * sx) / n;
	return 1;
}

/*
 * Two tables: nanoseconds per run and their ratios; then per program the
 * JIT's compile time and code size, the kernel's load time and the
 * instruction rates. Kernel notes follow the first.
 */
static void print_tables(const struct result *res, const int *run_prog,
			 const int *selected, const double *geo)
{
	size_t p, i, k;
	char head[64];
	double fixed, per;
	int kcol;

	printf("%-10s %11s", "program", "insns/run");
	for (i = 0; i < NENGINES; i++)
		if (engine_shown(i, selected)) {
			snprintf(head, sizeof(head), "%s ns", engines[i].name);
			printf(" %12s", head);
		}
	for (k = 0; k < NRATIOS; k++)
		if (ratio_shown(k, selected)) {
			snprintf(head, sizeof(head), "%s/%s", ratios[k].num,
				 ratios[k].den);
			printf(" %14s", head);
		}
	printf("\n");
	for (p = 0; p < NPROGS; p++) {
		const struct result *r = &res[p];

		if (!run_prog[p])
			continue;
		printf("%-10s %11llu", progs[p].name,
		       (unsigned long long)r->insns);
		for (i = 0; i < NENGINES; i++)
			if (engine_shown(i, selected))
				cell(r->ns[i], 12, 0, "");
		for (k = 0; k < NRATIOS; k++)
			if (ratio_shown(k, selected))
				cell(ratio_of(r, k), 14, 2, "x");
		printf("%s\n", r->ok ? "" : "  FAILED");
	}
	printf("%-10s %11s", "geomean", "");
	for (i = 0; i < NENGINES; i++)
		if (engine_shown(i, selected))
			printf(" %12s", "");
	for (k = 0; k < NRATIOS; k++)
		if (ratio_shown(k, selected))
			cell(geo[k], 14, 2, "x");
	printf("\n");
	if (kernel_off[0] && selected[engine_index("kernel")])
		printf("(%s)\n", kernel_off);
	for (p = 0; p < NPROGS; p++)
		if (run_prog[p] && res[p].kernel_note[0] &&
		    engine_shown(engine_index("kernel"), selected))
			printf("(kernel %s: %s)\n", progs[p].name,
			       res[p].kernel_note);

	kcol = engine_shown(engine_index("kernel"), selected);
	printf("\n%-10s %10s %12s %10s", "program", "prog insns", "jit comp us",
	       "jit bytes");
	if (kcol)
		printf(" %14s %12s %12s", "kernel load us", "kernel insns",
		       "kernel bytes");
	for (i = 0; i < NENGINES; i++)
		if (engine_shown(i, selected) && engines[i].is_ubee) {
			snprintf(head, sizeof(head), "%s Mi/s", engines[i].name);
			printf(" %12s", head);
		}
	printf("\n");
	for (p = 0; p < NPROGS; p++) {
		const struct result *r = &res[p];

		if (!run_prog[p])
			continue;
		printf("%-10s %10zu", progs[p].name, r->prog_insns);
		cell(r->jit_us, 12, 1, "");
		cell(r->jit_bytes, 10, 0, "");
		if (kcol) {
			cell(r->kernel_load_us, 14, 0, "");
			cell(r->kernel_insns, 12, 0, "");
			cell(r->kernel_bytes, 12, 0, "");
		}
		for (i = 0; i < NENGINES; i++)
			if (engine_shown(i, selected) && engines[i].is_ubee)
				cell(minsn_of(r, i), 12, 0, "");
		printf("\n");
	}
	if (compile_fit(res, run_prog, &fixed, &per))
		printf("jit compile: %.1f us + %.1f ns per instruction (least squares): "
		       "%.1f us per 1000 instructions\n", fixed, per,
		       fixed + per);
}

/* s as a JSON string body: quotes, backslashes and controls dropped. */
static void json_str(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= ' ')
			fputc(*s, f);
}

static int write_json(const char *path, const struct result *res,
		      const int *run_prog, const double *geo, int failed)
{
	FILE *f = fopen(path, "w");
	char cpu[256];
	double fixed, per;
	size_t p, i, k;
	int first;

	if (!f)
		return -errno;
	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\n  \"cpu\": \"");
	json_str(f, cpu);
	fprintf(f, "\",\n  \"ok\": %s,\n  \"unit\": \"ns/run\",\n",
		failed ? "false" : "true");
	fprintf(f, "  \"kernel\": \"");
	json_str(f, kernel_off[0] ? kernel_off : "ok");
	fprintf(f, "\",\n  \"programs\": [");
	for (first = 1, p = 0; p < NPROGS; p++) {
		const struct result *r = &res[p];

		if (!run_prog[p])
			continue;
		fprintf(f, "%s\n    {\"name\": \"%s\", \"ok\": %s, \"result\": \"0x%llx\", "
			"\"prog_insns\": %zu, \"insns_per_run\": %llu,\n",
			first ? "" : ",", progs[p].name, r->ok ? "true" : "false",
			(unsigned long long)r->value, r->prog_insns,
			(unsigned long long)r->insns);
		first = 0;
		fprintf(f, "     \"jit_compile_us\": %.1f, \"jit_code_bytes\": %zu, "
			"\"kernel_load_us\": %.0f,\n     \"kernel_prog_insns\": %zu, "
			"\"kernel_code_bytes\": %zu,",
			r->jit_us, r->jit_bytes, r->kernel_load_us,
			r->kernel_insns, r->kernel_bytes);
		if (r->kernel_note[0]) {
			fprintf(f, " \"kernel_note\": \"");
			json_str(f, r->kernel_note);
			fprintf(f, "\",");
		}
		fprintf(f, "\n     \"ns\": {");
		for (k = 0, i = 0; i < NENGINES; i++)
			if (r->ns[i])
				fprintf(f, "%s\"%s\": %.1f", k++ ? ", " : "",
					engines[i].name, r->ns[i]);
		fprintf(f, "},\n     \"ratios\": {");
		for (i = 0, k = 0; k < NRATIOS; k++)
			if (ratio_of(r, k))
				fprintf(f, "%s\"%s/%s\": %.3f", i++ ? ", " : "",
					ratios[k].num, ratios[k].den,
					ratio_of(r, k));
		fprintf(f, "},\n     \"minsn_per_s\": {");
		for (k = 0, i = 0; i < NENGINES; i++)
			if (minsn_of(r, i))
				fprintf(f, "%s\"%s\": %.1f", k++ ? ", " : "",
					engines[i].name, minsn_of(r, i));
		fprintf(f, "}}");
	}
	fprintf(f, "\n  ],\n");
	if (compile_fit(res, run_prog, &fixed, &per))
		fprintf(f, "  \"jit_compile_fit\": {\"fixed_us\": %.2f, "
			"\"ns_per_insn\": %.2f, \"us_per_1000_insns\": %.1f},\n",
			fixed, per, fixed + per);
	fprintf(f, "  \"geomean\": {");
	for (i = 0, k = 0; k < NRATIOS; k++)
		if (geo[k])
			fprintf(f, "%s\"%s/%s\": %.3f", i++ ? ", " : "",
				ratios[k].num, ratios[k].den, geo[k]);
	fprintf(f, "}\n}\n");
	if (fclose(f))
		return -errno;
	return 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: harness [--bin DIR] [--kernel DIR] [--kernel-all]\n"
		"               [--json FILE] [--time SEC]\n"
		"               [--engines a,b,...] [--only prog,...]\n"
		"  --bin DIR     where <prog>.bin bytecode is (default .)\n"
		"  --kernel DIR  where the kernel's <prog>.o objects are\n"
		"                (bench/kernel.c; without it no kernel column)\n"
		"  --kernel-all  load into the kernel also the programs known\n"
		"                to harm it (see the notes)\n"
		"  --json FILE   also write the results as JSON\n"
		"  --time SEC    length of one timed batch (default 0.2)\n"
		"  --engines     engines to time (default:");
	for (i = 0; i < NENGINES; i++)
		if (engines[i].on_by_default)
			fprintf(out, " %s", engines[i].name);
	fprintf(out, ")\n                known:");
	for (i = 0; i < NENGINES; i++)
		fprintf(out, " %s", engines[i].name);
	fprintf(out, "\n  --only        programs to run (default: all)\n");
}

/* 1 when name is an item of the comma-separated list. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "bin", required_argument, NULL, 'b' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "kernel-all", no_argument, NULL, 'K' },
		{ "json", required_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "engines", required_argument, NULL, 'e' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json = NULL, *elist = NULL, *only = NULL;
	struct bench_opts o = { .bin_dir = "." };
	double target_s = 0.2, geo[NRATIOS], logsum;
	int selected[NENGINES], run_prog[NPROGS], opt, failed = 0, err;
	static struct result res[NPROGS];
	size_t i, p, k, cnt, cnt_e;

	while ((opt = getopt_long(argc, argv, "b:k:Kj:t:e:o:h", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'b':
			o.bin_dir = optarg;
			break;
		case 'k':
			o.kernel_dir = optarg;
			break;
		case 'K':
			o.kernel_all = 1;
			break;
		case 'j':
			json = optarg;
			break;
		case 't':
			target_s = atof(optarg);
			break;
		case 'e':
			elist = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || target_s <= 0 || target_s > 60) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < NENGINES; i++)
		selected[i] = elist ? in_list(elist, engines[i].name) :
				      engines[i].on_by_default;
	selected[0] = 1; /* native is the reference result */
	for (cnt = 0, p = 0; p < NPROGS; p++) {
		run_prog[p] = !only || in_list(only, progs[p].name);
		cnt += run_prog[p];
	}
	for (cnt_e = 0, i = 0; i < NENGINES; i++)
		cnt_e += elist && in_list(elist, engines[i].name);
	if (!cnt || (elist && !cnt_e)) {
		fprintf(stderr, "harness: no known %s selected\n",
			cnt ? "engine" : "program");
		usage(stderr);
		return 2;
	}
	if (!o.kernel_dir)
		snprintf(kernel_off, sizeof(kernel_off),
			 "no kernel column: no --kernel directory");
#ifndef BENCH_NO_LIBBPF
	libbpf_set_print(libbpf_capture);
#else
	snprintf(kernel_off, sizeof(kernel_off),
		 "no kernel column: built without libbpf");
#endif
	o.selected = selected;
	o.target_ns = target_s * 1e9;

	for (p = 0; p < NPROGS; p++) {
		if (!run_prog[p])
			continue;
		if (bench_one(&progs[p], &o, &res[p]))
			failed = 1;
	}
	for (k = 0; k < NRATIOS; k++) {
		for (logsum = 0, cnt = 0, p = 0; p < NPROGS; p++) {
			if (run_prog[p] && ratio_of(&res[p], k)) {
				logsum += log(ratio_of(&res[p], k));
				cnt++;
			}
		}
		geo[k] = cnt ? exp(logsum / cnt) : 0;
	}
	print_tables(res, run_prog, selected, geo);
	if (json) {
		err = write_json(json, res, run_prog, geo, failed);
		if (err) {
			fprintf(stderr, "%s: %s\n", json, strerror(-err));
			failed = 1;
		}
	}
	if (failed)
		fprintf(stderr, "bench: FAILED (see the messages above)\n");
	return failed;
}
