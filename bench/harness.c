// SPDX-License-Identifier: MIT
/*
 * The benchmark harness behind `make bench`. Every program of bench/progs is
 * here twice: as raw eBPF bytecode (<bin dir>/<name>.bin, extracted by
 * bench/run.sh) and as the same C compiled natively (native_<name>, linked
 * in). For each program the harness fills a deterministic input, runs it on
 * every engine of the engine table, checks that every engine returns what
 * the native code returned, and times it: runs are repeated until about
 * --time seconds have passed, three times, and the best per-run time is
 * kept (the machines are noisy; the minimum is the least disturbed run).
 * The number of eBPF instructions per run comes from one checked run with
 * insn_count. Results go to stdout as a table and to --json as JSON.
 *
 * New engines (the kernel, say) are one row in engines[] and, for a new
 * comparison, one row in ratios[]; nothing else changes.
 *
 * Exit status: 0 when every result matched, 1 on any mismatch or error,
 * 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ubee/ubee.h"

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
 * The programs: name (bench/progs/<name>.c), input size, input filler and
 * its parameter. One row per program; run.sh checks every source has one.
 */
#define BENCH_PROGS(X)                                                        \
	X(sieve, 64 << 10, fill_random, 1)                                    \
	X(memcpy, 64 << 10, fill_random, 2)                                   \
	X(strcmp, 16 << 10, fill_strings, 0)                                  \
	X(vm, 4 << 10, fill_vm, 20000)                                        \
	X(log2, 64 << 10, fill_random, 3)                                     \
	X(csum, 256 << 10, fill_random, 4)                                    \
	X(crc32, 16 << 10, fill_random, 5)                                    \
	X(bitcount, 64 << 10, fill_random, 6)                                 \
	X(bsearch, 64 << 10, fill_sorted, 0)                                  \
	X(isort, 4 << 10, fill_random, 7)                                     \
	X(collatz, 64, fill_param, 3000)                                      \
	X(pktparse, 64 << 10, fill_packets, 0)                                \
	X(aluloop, 64, fill_param, 10000000)

#define DECLARE(n, size, fill, param) uint64_t native_##n(uint8_t *mem, uint64_t len);
BENCH_PROGS(DECLARE)
#undef DECLARE

struct bench_prog {
	const char *name;
	native_fn native;
	size_t mem_size;
	void (*fill)(uint8_t *mem, size_t size, uint32_t param);
	uint32_t param;
};

static const struct bench_prog progs[] = {
#define ROW(n, size, fill, param) { #n, native_##n, size, fill, param },
	BENCH_PROGS(ROW)
#undef ROW
};

#define NPROGS (sizeof(progs) / sizeof(progs[0]))

/* ---- engines ----------------------------------------------------------- */

/* What an engine runs: the program both ways, and the input. */
struct bench_ctx {
	const struct bench_prog *bp;
	struct ubee_prog *prog;
	uint8_t *mem;
	size_t len;
	struct ubee_log *log;
};

struct engine {
	const char *name;
	/* run the program once on ctx->mem: 0 or a negative errno */
	int (*run)(const struct engine *e, struct bench_ctx *c, uint64_t *ret);
	enum ubee_engine ubee_engine; /* for ubee engines */
	uint32_t flags;               /* ubee_run_flags */
	int is_ubee;                  /* runs the bytecode: has an insn rate */
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

/*
 * Column order; native first: it is the reference result. The JIT runs
 * the bytecode trusted, as "interp" does; engines the library was built
 * without are skipped (ubee_engine_available).
 */
static const struct engine engines[] = {
	{ .name = "native", .run = run_native, .on_by_default = 1 },
	{ .name = "jit", .run = run_ubee, .ubee_engine = UBEE_ENGINE_JIT,
	  .flags = UBEE_RUN_TRUSTED, .is_ubee = 1, .on_by_default = 1 },
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
	{ "interp", "native" },
	{ "interp", "jit" },
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
 * Best nanoseconds per run of engine e: one run to size the batch, then
 * three batches of about target_ns each. Every run's result must equal
 * expect. Returns 0, -EIO on a wrong result, or the engine's error.
 */
static int measure(const struct engine *e, struct bench_ctx *c,
		   uint64_t expect, double target_ns, double *best)
{
	uint64_t ret, n, i;
	double t0, t;
	int err, rep;

	t0 = now_ns();
	err = e->run(e, c, &ret);
	t = now_ns() - t0;
	if (err)
		return err;
	if (ret != expect)
		goto wrong;
	n = t > 0 ? (uint64_t)(target_ns / t) : 1000000;
	n = n < 1 ? 1 : n > 100000000 ? 100000000 : n;
	*best = t;
	for (rep = 0; rep < 3; rep++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			err = e->run(e, c, &ret);
			if (err)
				return err;
			if (ret != expect)
				goto wrong;
		}
		t = (now_ns() - t0) / n;
		if (t < *best)
			*best = t;
	}
	return 0;
wrong:
	fprintf(stderr, "MISMATCH %s on %s: got 0x%llx, native 0x%llx\n",
		c->bp->name, e->name, (unsigned long long)ret,
		(unsigned long long)expect);
	return -EIO;
}

/* ---- one program ------------------------------------------------------- */

struct result {
	int ok;                     /* every engine ran and matched */
	uint64_t value;             /* native result */
	uint64_t insns;             /* eBPF instructions per run, 0 unknown */
	size_t prog_insns;          /* program size in instructions */
	double ns[NENGINES];        /* 0: not run */
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
 * Load <dir>/<name>.bin, count its instructions, then measure every
 * selected engine. Fills *r; returns 0 when everything ran and matched.
 */
static int bench_one(const struct bench_prog *bp, const char *dir,
		     const int *selected, double target_ns, struct result *r)
{
	char path[4096], logbuf[4096];
	struct ubee_log log;
	struct ubee_prog_opts po = { .sz = sizeof(po), .name = bp->name };
	struct bench_ctx c = { .bp = bp, .len = bp->mem_size, .log = &log };
	void *code = NULL;
	size_t size = 0, i;
	int err, e_err;

	memset(r, 0, sizeof(*r));
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	c.mem = malloc(bp->mem_size);
	if (!c.mem) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.bin", dir, bp->name);
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

		if (!selected[i])
			continue;
		if (e->is_ubee && !ubee_engine_available(e->ubee_engine))
			continue;
		bp->fill(c.mem, c.len, bp->param);
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		e_err = measure(e, &c, r->value, target_ns, &r->ns[i]);
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

/* Ratio k for result r, or 0 when either side did not run. */
static double ratio_of(const struct result *r, size_t k)
{
	int a = engine_index(ratios[k].num), b = engine_index(ratios[k].den);

	if (a < 0 || b < 0 || !r->ns[a] || !r->ns[b])
		return 0;
	return r->ns[a] / r->ns[b];
}

/* 1 when both engines of ratio k are selected. */
static int ratio_shown(size_t k, const int *selected)
{
	int a = engine_index(ratios[k].num), b = engine_index(ratios[k].den);

	return a >= 0 && b >= 0 && selected[a] && selected[b];
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

static void print_table(const struct result *res, const int *run_prog,
			const int *selected, const double *geo)
{
	size_t p, i, k;
	char head[64];

	printf("%-10s %11s", "program", "insns/run");
	for (i = 0; i < NENGINES; i++)
		if (selected[i]) {
			snprintf(head, sizeof(head), "%s ns", engines[i].name);
			printf(" %12s", head);
		}
	for (k = 0; k < NRATIOS; k++)
		if (ratio_shown(k, selected)) {
			snprintf(head, sizeof(head), "%s/%s", ratios[k].num,
				 ratios[k].den);
			printf(" %14s", head);
		}
	for (i = 0; i < NENGINES; i++)
		if (selected[i] && engines[i].is_ubee) {
			snprintf(head, sizeof(head), "%s Mi/s", engines[i].name);
			printf(" %12s", head);
		}
	printf("\n");
	for (p = 0; p < NPROGS; p++) {
		const struct result *r = &res[p];

		if (!run_prog[p])
			continue;
		printf("%-10s %11llu", progs[p].name,
		       (unsigned long long)r->insns);
		for (i = 0; i < NENGINES; i++)
			if (selected[i]) {
				if (r->ns[i])
					printf(" %12.0f", r->ns[i]);
				else
					printf(" %12s", "-");
			}
		for (k = 0; k < NRATIOS; k++)
			if (ratio_shown(k, selected)) {
				if (ratio_of(r, k))
					printf(" %13.2fx", ratio_of(r, k));
				else
					printf(" %14s", "-");
			}
		for (i = 0; i < NENGINES; i++)
			if (selected[i] && engines[i].is_ubee) {
				if (minsn_of(r, i))
					printf(" %12.0f", minsn_of(r, i));
				else
					printf(" %12s", "-");
			}
		printf("%s\n", r->ok ? "" : "  FAILED");
	}
	printf("%-10s %11s", "geomean", "");
	for (i = 0; i < NENGINES; i++)
		if (selected[i])
			printf(" %12s", "");
	for (k = 0; k < NRATIOS; k++)
		if (ratio_shown(k, selected)) {
			if (geo[k])
				printf(" %13.2fx", geo[k]);
			else
				printf(" %14s", "-");
		}
	printf("\n");
}

static int write_json(const char *path, const struct result *res,
		      const int *run_prog, const double *geo, int failed)
{
	FILE *f = fopen(path, "w");
	char cpu[256];
	size_t p, i, k;
	int first;

	if (!f)
		return -errno;
	cpu_model(cpu, sizeof(cpu));
	for (i = 0; cpu[i]; i++)
		if (cpu[i] == '"' || cpu[i] == '\\')
			cpu[i] = ' ';
	fprintf(f, "{\n  \"cpu\": \"%s\",\n  \"ok\": %s,\n  \"unit\": \"ns/run\",\n",
		cpu, failed ? "false" : "true");
	fprintf(f, "  \"programs\": [");
	for (first = 1, p = 0; p < NPROGS; p++) {
		const struct result *r = &res[p];

		if (!run_prog[p])
			continue;
		fprintf(f, "%s\n    {\"name\": \"%s\", \"ok\": %s, \"result\": \"0x%llx\", "
			"\"prog_insns\": %zu, \"insns_per_run\": %llu,\n     \"ns\": {",
			first ? "" : ",", progs[p].name, r->ok ? "true" : "false",
			(unsigned long long)r->value, r->prog_insns,
			(unsigned long long)r->insns);
		first = 0;
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
	fprintf(f, "\n  ],\n  \"geomean\": {");
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
		"usage: harness [--bin DIR] [--json FILE] [--time SEC]\n"
		"               [--engines a,b,...] [--only prog,...]\n"
		"  --bin DIR     where <prog>.bin bytecode is (default .)\n"
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
		{ "json", required_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "engines", required_argument, NULL, 'e' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".", *json = NULL, *elist = NULL, *only = NULL;
	double target_s = 0.2, geo[NRATIOS], logsum;
	int selected[NENGINES], run_prog[NPROGS], opt, failed = 0, err;
	static struct result res[NPROGS];
	size_t i, p, k, cnt, cnt_e;

	while ((opt = getopt_long(argc, argv, "b:j:t:e:o:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			dir = optarg;
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

	for (p = 0; p < NPROGS; p++) {
		if (!run_prog[p])
			continue;
		if (bench_one(&progs[p], dir, selected, target_s * 1e9, &res[p]))
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
	print_table(res, run_prog, selected, geo);
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
