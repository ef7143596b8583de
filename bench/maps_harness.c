// SPDX-License-Identifier: MIT
/*
 * The map benchmark behind the second table of `make bench`: the cost of
 * one map operation (lookup, update, delete) as a program sees it, on
 * ubee's engines and in the kernel, and the cost of the same operations
 * from user space (ubee_map_* calls against the bpf() syscall).
 *
 * Each bench/maps/<map>.c object (maps_bench.h says what is in one) is
 * loaded twice: by ubee (ubee_object_open_mem, ubee_object_load) and, when
 * bpf() is allowed, into the kernel by libbpf. Both copies of the map are
 * filled with the same MB_NOPS keys; then every program is run alone
 * (ubee_prog_test_run / BPF_PROG_TEST_RUN with repeat 1, on a 64-byte
 * packet) for about --time seconds and the fastest run is kept (the
 * machines are shared: the minimum is the least disturbed run). Deletes
 * run on a map refilled before each run and warmed by a lookup run, both
 * outside the timed part. Every run
 * must store the checksum the harness expects in the packet. The cost of
 * an operation is (fastest run - fastest run of "base") / MB_NOPS: "base"
 * is the same loop computing the same keys without the map operation.
 *
 * Exit status: 0 when every run gave the expected checksum, 1 on a
 * mismatch or error (a kernel that refuses bpf() is not an error: its
 * column is left out, with a note), 2 on bad usage. Without libbpf
 * (built with -DMB_NO_LIBBPF) there is no kernel column.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef MB_NO_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/progtype.h"
#include "ubee/ubee.h"

#include "maps_bench.h"

#define XDP_PASS_RET 2
#define PKT_SIZE 64
/* Runs per measurement: at least, and at most. */
#define MIN_SAMPLES 5
#define MAX_SAMPLES 5000

/* ---- the maps and their keys ------------------------------------------- */

enum key_kind {
	KEY_INDEX, /* arrays: u32 index MB_INDEX(i) */
	KEY_U32,   /* hash maps: u32 MB_KEY(i) */
	KEY_LPM,   /* lpm_trie: struct mb_lpm_key */
};

/* The programs of an object; "base" first (maps_bench.h). */
enum { OP_BASE, OP_LOOKUP, OP_UPDATE, OP_DELETE, NOPS_KINDS };
static const char *const op_names[NOPS_KINDS] = { "base", "lookup", "update",
						 "delete" };

struct mb_map {
	const char *name; /* bench/maps/<name>.c, compiled to <name>.o */
	enum key_kind kind;
	int percpu;       /* one value per CPU from user space */
	int has_delete;
};

static const struct mb_map mb_maps[] = {
	{ "array", KEY_INDEX, 0, 0 },
	{ "hash", KEY_U32, 0, 1 },
	{ "lru_hash", KEY_U32, 0, 1 },
	{ "percpu_hash", KEY_U32, 1, 1 },
	{ "lpm_trie", KEY_LPM, 0, 1 },
};

#define NMAPS (sizeof(mb_maps) / sizeof(mb_maps[0]))

static int has_op(const struct mb_map *mm, int op)
{
	return op != OP_DELETE || mm->has_delete;
}

/* The key of entry i (what the harness stores): its size. Its value is
 * i + 1; for arrays the entry i is index i. */
static size_t entry_key(enum key_kind kind, uint32_t i, void *key)
{
	struct mb_lpm_key lk = { MB_PREFIXLEN(i), MB_KEY(i) };
	uint32_t k = kind == KEY_INDEX ? i : MB_KEY(i);

	if (kind == KEY_LPM) {
		memcpy(key, &lk, sizeof(lk));
		return sizeof(lk);
	}
	memcpy(key, &k, sizeof(k));
	return sizeof(k);
}

/* Address bytes as the trie reads them (first byte most significant). */
static uint32_t lpm_bits(uint32_t addr)
{
	uint8_t b[4];

	memcpy(b, &addr, 4);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static int lpm_covers(uint32_t prefix, uint32_t len, uint32_t addr)
{
	uint32_t mask = len ? ~0u << (32 - len) : 0;

	return !((lpm_bits(prefix) ^ lpm_bits(addr)) & mask);
}

/*
 * The checksum program op of map kind must store. For lpm lookups, the
 * longest stored prefix covering each address, found by brute force; -1
 * (impossible for a u64 sum of MB_NOPS small values) when two entries are
 * the same prefix, which would make the map smaller than MB_NOPS.
 */
static uint64_t expected_sum(enum key_kind kind, int op)
{
	uint64_t sum = 0;
	uint32_t i, j, best, best_len;

	if (op == OP_UPDATE || op == OP_DELETE)
		return 0;
	for (i = 0; i < MB_NOPS; i++) {
		if (op == OP_BASE) {
			sum += kind == KEY_INDEX ? MB_INDEX(i) : MB_KEY(i);
			continue;
		}
		if (kind != KEY_LPM) {
			sum += i + 1;
			continue;
		}
		for (best = 0, best_len = 0, j = 0; j < MB_NOPS; j++) {
			uint32_t len = MB_PREFIXLEN(j);

			if (j < i && len == MB_PREFIXLEN(i) &&
			    lpm_covers(MB_KEY(j), len, MB_KEY(i)))
				return (uint64_t)-1;
			if (len > best_len && lpm_covers(MB_KEY(j), len, MB_KEY(i))) {
				best = j + 1;
				best_len = len;
			}
		}
		sum += best;
	}
	return sum;
}

/* ---- the two sides: ubee and the kernel ------------------------------- */

/* One loaded object: its map "m" and its programs. */
struct side {
	int kernel;
	const struct mb_map *mm;
	unsigned ncpus;          /* values per entry from user space */
	struct ubee_object *obj; /* ubee */
	struct ubee_map *map;
	struct ubee_prog *prog[NOPS_KINDS];
	void *kobj;              /* kernel: struct bpf_object */
	int map_fd;
	int prog_fd[NOPS_KINDS];
};

struct engine {
	const char *name;
	int kernel;
	enum ubee_engine ubee_engine;
	uint32_t flags;          /* enum ubee_run_flags */
};

/* Columns of the program table. */
static const struct engine engines[] = {
	{ "interp", 0, UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED },
	{ "checked", 0, UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED },
	{ "jit", 0, UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED },
	{ "kernel", 1, 0, 0 },
};

#define NENGINES (sizeof(engines) / sizeof(engines[0]))
#define KERNEL_ENGINE (NENGINES - 1)

static char logbuf[8192];
static struct ubee_log ulog;

static void reset_log(void)
{
	ubee_log_init(&ulog, logbuf, sizeof(logbuf));
}

static int ubee_open(struct side *s, const void *elf, size_t size)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .vmlinux_btf = "" };
	struct ubee_object_map_info mi;
	struct ubee_object_prog_info pi;
	int i, err;

	reset_log();
	err = ubee_object_open_mem(elf, size, s->mm->name, &s->obj, &ulog);
	if (!err)
		err = ubee_object_load(s->obj, &lo, &ulog);
	if (err)
		return err;
	i = ubee_object_find_map(s->obj, "m");
	if (i < 0 || ubee_object_map(s->obj, i, &mi))
		return -ENOENT;
	s->map = mi.map;
	for (int op = 0; op < NOPS_KINDS; op++) {
		if (!has_op(s->mm, op))
			continue;
		i = ubee_object_find_prog(s->obj, op_names[op]);
		if (i < 0 || ubee_object_prog(s->obj, i, &pi) || !pi.prog)
			return -ENOENT;
		s->prog[op] = pi.prog;
	}
	s->ncpus = s->mm->percpu ? ubee_map_nr_cpus() : 1;
	return 0;
}

static int ubee_run(struct side *s, const struct engine *e, int op,
		    double *ns, uint64_t *sum)
{
	uint8_t in[PKT_SIZE] = { 0 }, out[PKT_SIZE];
	struct ubee_test_run t = {
		.sz = sizeof(t),
		.data_in = in,
		.data_size_in = sizeof(in),
		.repeat = 1,
		.engine = e->ubee_engine,
		.flags = e->flags,
		.data_out = out,
		.data_size_out = sizeof(out),
	};
	int err;

	reset_log();
	err = ubee_prog_test_run(s->prog[op], &t, &ulog);
	if (err)
		return err;
	if (t.retval != XDP_PASS_RET || t.data_size_out < 8)
		return -EIO;
	memcpy(sum, out, 8);
	*ns = (double)t.duration_ns;
	return 0;
}

#ifndef MB_NO_LIBBPF
/* The last line libbpf printed: the reason a kernel load failed. */
static char kernel_msg[512];

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level != LIBBPF_DEBUG) {
		vsnprintf(kernel_msg, sizeof(kernel_msg), fmt, ap);
		kernel_msg[strcspn(kernel_msg, "\n")] = 0;
	}
	return 0;
}

static int kernel_open(struct side *s, const void *elf, size_t size)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = s->mm->name);
	struct bpf_object *obj;
	struct bpf_program *p;
	int err, cpus;

	kernel_msg[0] = 0;
	obj = bpf_object__open_mem(elf, size, &oo);
	if (!obj)
		return -errno;
	s->kobj = obj;
	err = bpf_object__load(obj);
	if (err)
		return err;
	s->map_fd = bpf_object__find_map_fd_by_name(obj, "m");
	if (s->map_fd < 0)
		return -ENOENT;
	for (int op = 0; op < NOPS_KINDS; op++) {
		if (!has_op(s->mm, op))
			continue;
		p = bpf_object__find_program_by_name(obj, op_names[op]);
		if (!p)
			return -ENOENT;
		s->prog_fd[op] = bpf_program__fd(p);
	}
	cpus = libbpf_num_possible_cpus();
	if (cpus < 1)
		return cpus < 0 ? cpus : -EINVAL;
	s->ncpus = s->mm->percpu ? (unsigned)cpus : 1;
	return 0;
}

static int kernel_run(struct side *s, int op, double *ns, uint64_t *sum)
{
	uint8_t in[PKT_SIZE] = { 0 }, out[PKT_SIZE];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = in,
		    .data_size_in = sizeof(in), .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(s->prog_fd[op], &t);
	if (err)
		return -errno;
	if (t.retval != XDP_PASS_RET || t.data_size_out < 8)
		return -EIO;
	memcpy(sum, out, 8);
	*ns = t.duration;
	return 0;
}

static void kernel_close(struct side *s)
{
	bpf_object__close(s->kobj);
}

static int kernel_update(struct side *s, const void *key, const void *val)
{
	return bpf_map_update_elem(s->map_fd, key, val, BPF_ANY) ? -errno : 0;
}

static int kernel_lookup(struct side *s, const void *key, void *val)
{
	return bpf_map_lookup_elem(s->map_fd, key, val) ? -errno : 0;
}
#else
static char kernel_msg[] = "built without libbpf";

static int kernel_open(struct side *s, const void *elf, size_t size)
{
	return -ENOSYS;
}

static int kernel_run(struct side *s, int op, double *ns, uint64_t *sum)
{
	return -ENOSYS;
}

static void kernel_close(struct side *s)
{
}

static int kernel_update(struct side *s, const void *key, const void *val)
{
	return -ENOSYS;
}

static int kernel_lookup(struct side *s, const void *key, void *val)
{
	return -ENOSYS;
}
#endif /* MB_NO_LIBBPF */

static void side_close(struct side *s)
{
	if (s->kernel)
		kernel_close(s);
	else
		ubee_object_free(s->obj);
}

static int side_update(struct side *s, const void *key, const void *val)
{
	return s->kernel ? kernel_update(s, key, val) :
			   ubee_map_update(s->map, key, val, UBEE_ANY);
}

static int side_lookup(struct side *s, const void *key, void *val)
{
	return s->kernel ? kernel_lookup(s, key, val) :
			   ubee_map_lookup(s->map, key, val);
}

static int side_run(struct side *s, const struct engine *e, int op,
		    double *ns, uint64_t *sum)
{
	return s->kernel ? kernel_run(s, op, ns, sum) :
			   ubee_run(s, e, op, ns, sum);
}

/* Value of entry i: i + 1 on every CPU. vals has room for ncpus u64. */
static void entry_value(const struct side *s, uint32_t i, uint64_t *vals)
{
	for (unsigned c = 0; c < s->ncpus; c++)
		vals[c] = i + 1;
}

/* Store all MB_NOPS entries (again). 0 or the first error. */
static int fill(struct side *s, uint64_t *vals)
{
	uint8_t key[8];
	int err;

	for (uint32_t i = 0; i < MB_NOPS; i++) {
		entry_key(s->mm->kind, i, key);
		entry_value(s, i, vals);
		err = side_update(s, key, vals);
		if (err)
			return err;
	}
	return 0;
}

/* ---- measuring --------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * The fastest of single runs of program op for about budget_ns (at least
 * MIN_SAMPLES runs), each checked against expect; deletes refill the map
 * (and run "lookup" once, untimed) before every run, and refill it after
 * the last. 0, -EIO on a wrong checksum, or
 * the run's error.
 */
static int measure(struct side *s, const struct engine *e, int op,
		   uint64_t expect, double budget_ns, uint64_t *vals,
		   double *best)
{
	double t0 = now_ns(), ns = 0;
	uint64_t sum = 0;
	int n, err = 0;

	*best = 0;
	for (n = 0; n < MIN_SAMPLES ||
		    (n < MAX_SAMPLES && now_ns() - t0 < budget_ns); n++) {
		if (op == OP_DELETE) {
			/* refilled, and warmed by one lookup run, as the
			 * other programs find their maps */
			err = fill(s, vals);
			if (!err)
				err = side_run(s, e, OP_LOOKUP, &ns, &sum);
			if (err)
				break;
		}
		err = side_run(s, e, op, &ns, &sum);
		if (err)
			break;
		if (sum != expect) {
			fprintf(stderr, "MISMATCH %s %s on %s: checksum 0x%llx, expected 0x%llx\n",
				s->mm->name, op_names[op], e->name,
				(unsigned long long)sum, (unsigned long long)expect);
			err = -EIO;
			break;
		}
		if (!*best || ns < *best)
			*best = ns;
	}
	if (op == OP_DELETE) {
		int e2 = fill(s, vals);

		err = err ? err : e2;
	}
	return err;
}

/* User-side operations measured: lookup and update of existing keys. */
enum { UOP_LOOKUP, UOP_UPDATE, NUOPS };
static const char *const uop_names[NUOPS] = { "lookup", "update" };

/*
 * Nanoseconds per user-side operation uop: passes over all keys for about
 * budget_ns (at least 3), the fastest pass. Lookups must find i + 1.
 */
static int measure_user(struct side *s, int uop, double budget_ns,
			uint64_t *vals, double *best)
{
	double t0 = now_ns(), t;
	uint8_t key[8];
	int pass, err;

	*best = 0;
	for (pass = 0; pass < 3 || (pass < 1000 && now_ns() - t0 < budget_ns);
	     pass++) {
		t = now_ns();
		for (uint32_t i = 0; i < MB_NOPS; i++) {
			entry_key(s->mm->kind, i, key);
			if (uop == UOP_UPDATE) {
				entry_value(s, i, vals);
				err = side_update(s, key, vals);
			} else {
				err = side_lookup(s, key, vals);
				if (!err && vals[0] != i + 1)
					err = -EIO;
			}
			if (err) {
				fprintf(stderr, "%s: user-side %s of entry %u on %s failed: %s\n",
					s->mm->name, uop_names[uop], i,
					s->kernel ? "kernel" : "ubee",
					strerror(-err));
				return err;
			}
		}
		t = (now_ns() - t) / MB_NOPS;
		if (!*best || t < *best)
			*best = t;
	}
	return 0;
}

/* ---- one map ----------------------------------------------------------- */

struct map_result {
	int ran;
	double run_ns[NOPS_KINDS][NENGINES]; /* fastest run; 0: none */
	double user_ns[NUOPS][2];            /* [ubee, kernel]; 0: none */
};

/* ns per operation op (per loop iteration for OP_BASE), or 0. */
static double per_op(const struct map_result *r, int op, size_t e)
{
	double ns = r->run_ns[op][e], base = r->run_ns[OP_BASE][e];

	if (!ns || !base)
		return 0;
	if (op == OP_BASE)
		return base / MB_NOPS;
	/* A result under the noise is shown as 0.0, not as "not run". */
	return ns > base ? (ns - base) / MB_NOPS : 1e-9;
}

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

/* Why the kernel column is missing ("" while it is not). */
static char kernel_note[768];

/*
 * Load <dir>/<name>.o on both sides, fill the maps, measure every
 * selected engine and the user-side operations. 0 when everything that
 * ran gave the right results.
 */
static int bench_map(const struct mb_map *mm, const char *dir,
		     const int *selected, double budget_ns,
		     struct map_result *r)
{
	struct side sides[2] = { { .kernel = 0, .mm = mm },
				 { .kernel = 1, .mm = mm, .map_fd = -1 } };
	uint64_t *vals = NULL;
	char path[4096];
	void *elf = NULL;
	size_t size = 0, e;
	int err, failed = 0, have_kernel = 0;

	memset(r, 0, sizeof(*r));
	r->ran = 1;
	snprintf(path, sizeof(path), "%s/%s.o", dir, mm->name);
	err = read_file(path, &elf, &size);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
		goto out;
	}
	err = ubee_open(&sides[0], elf, size);
	if (err) {
		fprintf(stderr, "%s: ubee load failed: %s\n%s", mm->name,
			strerror(-err), logbuf);
		goto out;
	}
	if (selected[KERNEL_ENGINE] && !kernel_note[0]) {
		err = kernel_open(&sides[1], elf, size);
		if (err)
			snprintf(kernel_note, sizeof(kernel_note),
				 "no kernel column: loading %s.o into the kernel failed: %s%s%s",
				 mm->name, strerror(-err), kernel_msg[0] ? ": " : "",
				 kernel_msg);
		have_kernel = !err;
	}
	/* Room for the larger side's per-CPU values. */
	vals = calloc(sides[0].ncpus > sides[1].ncpus ? sides[0].ncpus :
							sides[1].ncpus,
		      sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		goto out;
	}
	for (int k = 0; k < 1 + have_kernel; k++) {
		err = fill(&sides[k], vals);
		if (err) {
			fprintf(stderr, "%s: filling the %s map failed: %s\n",
				mm->name, k ? "kernel" : "ubee", strerror(-err));
			goto out;
		}
	}
	for (int op = 0; op < NOPS_KINDS; op++) {
		uint64_t expect = expected_sum(mm->kind, op);

		if (!has_op(mm, op))
			continue;
		if (expect == (uint64_t)-1) {
			fprintf(stderr, "%s: two entries are the same prefix\n",
				mm->name);
			err = -EINVAL;
			goto out;
		}
		for (e = 0; e < NENGINES; e++) {
			const struct engine *en = &engines[e];
			struct side *s = &sides[en->kernel];
			int e_err;

			if (!selected[e] || (en->kernel && !have_kernel) ||
			    (!en->kernel && !ubee_engine_available(en->ubee_engine)))
				continue;
			e_err = measure(s, en, op, expect, budget_ns, vals,
					&r->run_ns[op][e]);
			if (e_err) {
				if (e_err != -EIO)
					fprintf(stderr, "%s %s on %s failed: %s\n%s",
						mm->name, op_names[op], en->name,
						strerror(-e_err),
						en->kernel ? "" : logbuf);
				r->run_ns[op][e] = 0;
				failed = 1;
			}
		}
	}
	for (int k = 0; k < 1 + have_kernel; k++)
		for (int u = 0; u < NUOPS; u++)
			if (measure_user(&sides[k], u, budget_ns / 4, vals,
					 &r->user_ns[u][k]))
				failed = 1;
	err = failed ? -EIO : 0;
out:
	if (sides[1].kobj)
		side_close(&sides[1]);
	side_close(&sides[0]);
	free(vals);
	free(elf);
	return err;
}

/* ---- output ------------------------------------------------------------ */

static int shown(const int *selected, size_t e)
{
	if (!selected[e])
		return 0;
	if (engines[e].kernel)
		return !kernel_note[0];
	return ubee_engine_available(engines[e].ubee_engine);
}

static void print_ns(double v)
{
	if (v)
		printf(" %11.1f", v);
	else
		printf(" %11s", "-");
}

static void print_ratio(double num, double den)
{
	if (num && den)
		printf(" %12.2fx", num / den);
	else
		printf(" %13s", "-");
}

static void print_tables(const struct map_result *res, const int *selected)
{
	char head[64];
	size_t m, e;
	int op, u;

	printf("\nmap operations from a program, ns/op (MB_NOPS = %d per run; "
	       "\"loop\" = ns per iteration of the empty loop)\n", MB_NOPS);
	printf("%-12s %-7s", "map", "op");
	for (e = 0; e < NENGINES; e++)
		if (shown(selected, e)) {
			snprintf(head, sizeof(head), "%s ns", engines[e].name);
			printf(" %11s", head);
		}
	for (e = 0; e < KERNEL_ENGINE; e++)
		if (shown(selected, e) && shown(selected, KERNEL_ENGINE) &&
		    engines[e].flags != UBEE_RUN_CHECKED) {
			snprintf(head, sizeof(head), "%s/kernel", engines[e].name);
			printf(" %13s", head);
		}
	printf("\n");
	for (m = 0; m < NMAPS; m++) {
		if (!res[m].ran)
			continue;
		for (op = 0; op < NOPS_KINDS; op++) {
			if (!has_op(&mb_maps[m], op))
				continue;
			printf("%-12s %-7s", mb_maps[m].name,
			       op ? op_names[op] : "loop");
			for (e = 0; e < NENGINES; e++)
				if (shown(selected, e))
					print_ns(per_op(&res[m], op, e));
			for (e = 0; e < KERNEL_ENGINE; e++)
				if (shown(selected, e) &&
				    shown(selected, KERNEL_ENGINE) &&
				    engines[e].flags != UBEE_RUN_CHECKED)
					print_ratio(per_op(&res[m], op, e),
						    per_op(&res[m], op, KERNEL_ENGINE));
			printf("\n");
		}
	}
	if (kernel_note[0])
		printf("(%s)\n", kernel_note);

	printf("\nmap operations from user space, ns/op (ubee_map_* calls; kernel: bpf() syscalls)\n");
	printf("%-12s %-7s %11s", "map", "op", "ubee ns");
	if (shown(selected, KERNEL_ENGINE))
		printf(" %11s %13s", "kernel ns", "ubee/kernel");
	printf("\n");
	for (m = 0; m < NMAPS; m++) {
		if (!res[m].ran)
			continue;
		for (u = 0; u < NUOPS; u++) {
			printf("%-12s %-7s", mb_maps[m].name, uop_names[u]);
			print_ns(res[m].user_ns[u][0]);
			if (shown(selected, KERNEL_ENGINE)) {
				print_ns(res[m].user_ns[u][1]);
				print_ratio(res[m].user_ns[u][0],
					    res[m].user_ns[u][1]);
			}
			printf("\n");
		}
	}
}

/* The "maps" member of bench.json, without its name. */
static void write_maps_json(FILE *f, const struct map_result *res, int failed)
{
	size_t m, e, k;
	int op, u, first = 1;

	fprintf(f, "{\n    \"ok\": %s,\n    \"unit\": \"ns/op\",\n    \"ops_per_run\": %d,\n",
		failed ? "false" : "true", MB_NOPS);
	fprintf(f, "    \"kernel\": \"%s\",\n", kernel_note[0] ? "skipped" : "ok");
	fprintf(f, "    \"prog\": [");
	for (m = 0; m < NMAPS; m++) {
		if (!res[m].ran)
			continue;
		for (op = 0; op < NOPS_KINDS; op++) {
			double kns = per_op(&res[m], op, KERNEL_ENGINE);

			if (!has_op(&mb_maps[m], op))
				continue;
			fprintf(f, "%s\n      {\"map\": \"%s\", \"op\": \"%s\", \"ns\": {",
				first ? "" : ",", mb_maps[m].name,
				op ? op_names[op] : "loop");
			first = 0;
			for (k = 0, e = 0; e < NENGINES; e++)
				if (per_op(&res[m], op, e))
					fprintf(f, "%s\"%s\": %.2f", k++ ? ", " : "",
						engines[e].name,
						per_op(&res[m], op, e));
			fprintf(f, "}, \"ratios\": {");
			for (k = 0, e = 0; e < KERNEL_ENGINE; e++)
				if (kns && per_op(&res[m], op, e))
					fprintf(f, "%s\"%s/kernel\": %.3f",
						k++ ? ", " : "", engines[e].name,
						per_op(&res[m], op, e) / kns);
			fprintf(f, "}}");
		}
	}
	fprintf(f, "\n    ],\n    \"user\": [");
	for (first = 1, m = 0; m < NMAPS; m++) {
		if (!res[m].ran)
			continue;
		for (u = 0; u < NUOPS; u++) {
			fprintf(f, "%s\n      {\"map\": \"%s\", \"op\": \"%s\", \"ns\": {",
				first ? "" : ",", mb_maps[m].name, uop_names[u]);
			first = 0;
			fprintf(f, "\"ubee\": %.2f", res[m].user_ns[u][0]);
			if (res[m].user_ns[u][1])
				fprintf(f, ", \"kernel\": %.2f", res[m].user_ns[u][1]);
			fprintf(f, "}}");
		}
	}
	fprintf(f, "\n    ]\n  }");
}

/*
 * Add "maps" to the JSON object in path (bench/harness.c's), replacing an
 * earlier "maps" member; a missing or empty file becomes {"maps": ...}.
 */
static int merge_json(const char *path, const struct map_result *res,
		      int failed)
{
	static const char member[] = "\n  \"maps\": ";
	char *old = NULL, *cut;
	size_t size = 0, keep = 0;
	FILE *f;
	int err;

	err = read_file(path, (void **)&old, &size);
	if (err && err != -ENOENT)
		return err;
	if (old) {
		old = realloc(old, size + 1);
		if (!old)
			return -ENOMEM;
		old[size] = 0;
		cut = strstr(old, member);
		if (cut) {
			/* drop the "," or keep the "{" before it */
			keep = cut - old;
			if (keep && old[keep - 1] == ',')
				keep--;
		} else {
			cut = strrchr(old, '}');
			keep = cut ? (size_t)(cut - old) : 0;
		}
		while (keep && (old[keep - 1] == '\n' || old[keep - 1] == ' '))
			keep--;
	}
	f = fopen(path, "w");
	if (!f) {
		free(old);
		return -errno;
	}
	if (keep > 1)
		fprintf(f, "%.*s,", (int)keep, old);
	else
		fprintf(f, "{");
	fprintf(f, "%s", member);
	write_maps_json(f, res, failed);
	fprintf(f, "\n}\n");
	free(old);
	return fclose(f) ? -errno : 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: maps_harness [--obj DIR] [--json FILE] [--time SEC]\n"
		"                    [--engines a,b,...] [--only map,...]\n"
		"  --obj DIR     where <map>.o objects are (default .)\n"
		"  --json FILE   add the results as \"maps\" to this JSON object\n"
		"  --time SEC    time spent on one measurement (default 0.05)\n"
		"  --engines     columns (default all:");
	for (i = 0; i < NENGINES; i++)
		fprintf(out, " %s", engines[i].name);
	fprintf(out, ")\n  --only        maps (default all:");
	for (i = 0; i < NMAPS; i++)
		fprintf(out, " %s", mb_maps[i].name);
	fprintf(out, ")\n");
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
		{ "obj", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "time", required_argument, NULL, 't' },
		{ "engines", required_argument, NULL, 'e' },
		{ "only", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".", *json = NULL, *elist = NULL, *only = NULL;
	static struct map_result res[NMAPS];
	int selected[NENGINES], opt, failed = 0, err, cnt = 0;
	double target_s = 0.05;
	size_t i;

	while ((opt = getopt_long(argc, argv, "o:j:t:e:O:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
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
		case 'O':
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
		cnt += selected[i] = !elist || in_list(elist, engines[i].name);
	if (!cnt) {
		fprintf(stderr, "maps_harness: no known engine selected\n");
		return 2;
	}
	if (!selected[KERNEL_ENGINE])
		snprintf(kernel_note, sizeof(kernel_note), "kernel not selected");
#ifndef MB_NO_LIBBPF
	libbpf_set_print(libbpf_quiet);
#endif
	for (cnt = 0, i = 0; i < NMAPS; i++) {
		if (only && !in_list(only, mb_maps[i].name))
			continue;
		cnt++;
		if (bench_map(&mb_maps[i], dir, selected, target_s * 1e9, &res[i]))
			failed = 1;
	}
	if (!cnt) {
		fprintf(stderr, "maps_harness: no known map selected\n");
		return 2;
	}
	print_tables(res, selected);
	if (json) {
		err = merge_json(json, res, failed);
		if (err) {
			fprintf(stderr, "%s: %s\n", json, strerror(-err));
			failed = 1;
		}
	}
	if (failed)
		fprintf(stderr, "bench maps: FAILED (see the messages above)\n");
	return failed;
}
