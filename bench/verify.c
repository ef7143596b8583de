// SPDX-License-Identifier: MIT
/*
 * Verification benchmark (make bench, bench/run.sh): for the examples
 * (every program of each build/examples/bpf object), the bench programs
 * (raw XDP bytecode) and large generated programs, ubee's verification
 * time and processed instructions next to the kernel verifier's own
 * figures for the same program on this machine (BPF_PROG_LOAD with
 * log_level BPF_LOG_STATS: "processed N insns ... verification time X
 * usec"). The kernel column needs root (and libbpf for objects); the
 * crc32 bench program is never given to the kernel (it oopses 6.18).
 *
 * usage: verify [--examples DIR] [--bin DIR] [--json FILE]
 */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_NO_LIBBPF
#include <bpf/libbpf.h>
#endif

#include "ubee/object.h"
#include "ubee/progtype.h"
#include "ubee/ubee.h"

/* The verifier's entry (src/verifier/verifier.h), run on programs loaded
 * unverified so that its time is measured alone. */
struct ubee_prog;
int ubee_verifier_run(struct ubee_prog *prog, const struct ubee_prog_opts *o,
		      struct ubee_log *log);

struct row {
	char name[96];
	int ok;                  /* ubee accepted */
	uint64_t insns, time_us;
	uint32_t peak;
	long k_insns, k_time_us; /* -1: no kernel figure */
	int k_ok;
};

static struct row rows[512];
static size_t nr_rows;
static char klog[1 << 20];

/* "processed N insns ... verification time X usec" of a kernel log. */
static void parse_klog(const char *log, struct row *r)
{
	const char *p = strstr(log, "processed ");
	const char *t = strstr(log, "verification time ");

	if (p)
		r->k_insns = strtol(p + 10, NULL, 10);
	if (t)
		r->k_time_us = strtol(t + 18, NULL, 10);
}

static void kernel_raw(const struct ubee_insn *insns, size_t cnt, int type,
		       struct row *r)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = (uint32_t)type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uint64_t)(uintptr_t)"GPL";
	a.log_buf = (uint64_t)(uintptr_t)klog;
	a.log_size = sizeof(klog);
	a.log_level = 4; /* BPF_LOG_STATS */
	klog[0] = '\0';
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	r->k_ok = fd >= 0;
	if (fd >= 0)
		close(fd);
	parse_klog(klog, r);
}

static void ubee_verify(struct ubee_prog *prog, struct row *r)
{
	struct ubee_verify_stats st = { 0 };
	struct ubee_prog_opts o = { .sz = sizeof(o), .stats = &st };
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->ok = !ubee_verifier_run(prog, &o, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->insns = st.insns_processed;
	r->peak = st.peak_states;
	r->time_us = st.time_ns ? st.time_ns / 1000 :
		(uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
			   (t1.tv_nsec - t0.tv_nsec) / 1000);
}

static struct row *new_row(const char *fmt, const char *a, const char *b)
{
	struct row *r = &rows[nr_rows < 511 ? nr_rows++ : 511];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), fmt, a, b);
	r->k_insns = r->k_time_us = -1;
	return r;
}

static void raw_prog(const char *name, const struct ubee_insn *insns,
		     size_t cnt, int kernel)
{
	struct ubee_prog_opts po = { .sz = sizeof(po), .flags = UBEE_PROG_NO_VERIFY,
				     .prog_type = UBEE_PROG_TYPE_XDP };
	struct ubee_prog *prog = NULL;
	struct row *r = new_row("%s%s", name, "");

	if (!ubee_prog_load(insns, cnt, &po, &prog, NULL))
		ubee_verify(prog, r);
	ubee_prog_free(prog);
	if (kernel)
		kernel_raw(insns, cnt, BPF_PROG_TYPE_XDP, r);
}

static void bench_bins(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		char path[4096], name[256];
		size_t n = strlen(e->d_name), cnt;
		struct ubee_insn *insns;
		FILE *f;
		long len;

		if (n < 5 || strcmp(e->d_name + n - 4, ".bin"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 ||
		    len % 8) {
			if (f)
				fclose(f);
			continue;
		}
		rewind(f);
		cnt = (size_t)len / 8;
		insns = malloc((size_t)len);
		if (insns && fread(insns, 8, cnt, f) == cnt) {
			snprintf(name, sizeof(name), "bench/%.*s", (int)(n - 4), e->d_name);
			/* Never give crc32 to the kernel: it oopses 6.18. */
			raw_prog(name, insns, cnt, strcmp(e->d_name, "crc32.bin") != 0);
		}
		free(insns);
		fclose(f);
	}
	if (d)
		closedir(d);
}

#ifndef BENCH_NO_LIBBPF
/* The kernel's figures for every program of an object, by name. */
static void kernel_object(const char *path, const char *base, size_t first)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	char *bufs[64] = { 0 };
	size_t k = 0;

	if (!obj || libbpf_get_error(obj))
		return;
	/* Each program its own log: libbpf keeps the buffer it is given. */
	bpf_object__for_each_program(p, obj) {
		if (k == 64 || !(bufs[k] = calloc(1, 65536)))
			break;
		bpf_program__set_log_level(p, 4);
		bpf_program__set_log_buf(p, bufs[k++], 65536);
	}
	if (!bpf_object__load(obj)) {
		bpf_object__for_each_program(p, obj) {
			char name[96];
			size_t sz = 0;
			const char *log = bpf_program__log_buf(p, &sz);

			snprintf(name, sizeof(name), "%s/%s", base, bpf_program__name(p));
			for (size_t i = first; i < nr_rows && log; i++) {
				if (strcmp(rows[i].name, name))
					continue;
				rows[i].k_ok = 1;
				parse_klog(log, &rows[i]);
			}
		}
	}
	bpf_object__close(obj);
	while (k)
		free(bufs[--k]);
}
#endif

static void examples(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		struct ubee_object_load_opts lo = { .sz = sizeof(lo),
			.prog_flags = UBEE_PROG_NO_VERIFY };
		struct ubee_object *obj = NULL;
		char path[4096], base[64];
		size_t n = strlen(e->d_name), first = nr_rows;

		if (n < 3 || strcmp(e->d_name + n - 2, ".o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(base, sizeof(base), "%.*s", (int)(n - 2), e->d_name);
		if (ubee_object_open_file(path, &obj, NULL) ||
		    ubee_object_load(obj, &lo, NULL)) {
			ubee_object_free(obj);
			continue;
		}
		for (size_t i = 0; i < ubee_object_prog_count(obj); i++) {
			struct ubee_object_prog_info info;

			if (ubee_object_prog(obj, i, &info) || !info.prog)
				continue;
			ubee_verify(info.prog, new_row("%s/%s", base, info.name));
		}
		ubee_object_free(obj);
#ifndef BENCH_NO_LIBBPF
		kernel_object(path, base, first);
#else
		(void)first;
#endif
	}
	if (d)
		closedir(d);
}

#define INSN(c, d, s, o, i) (struct ubee_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) }

/* Large generated programs: straight line, many diamonds, a long loop. */
static void generated(void)
{
	size_t n = 0, cap = 200000;
	struct ubee_insn *p = malloc(cap * sizeof(*p));

	if (!p)
		return;
	/* 100000 ALU instructions. */
	p[n++] = INSN(0xb7, 0, 0, 0, 0);
	while (n < 100000)
		p[n++] = INSN(0x07, 0, 0, 0, 1);
	p[n++] = INSN(0xb7, 0, 0, 0, 2); /* XDP_PASS */
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	raw_prog("gen/straight-100k", p, n, 1);

	/* 200 diamonds on an unknown value: 2^200 paths without pruning. */
	n = 0;
	p[n++] = INSN(0x61, 2, 1, 0, 0);      /* r2 = ctx->data */
	p[n++] = INSN(0x61, 3, 1, 4, 0);      /* r3 = ctx->data_end */
	p[n++] = INSN(0xbf, 4, 3, 0, 0);
	p[n++] = INSN(0x1f, 4, 2, 0, 0);      /* r4 = len (unknown) */
	p[n++] = INSN(0xb7, 0, 0, 0, 0);
	for (int i = 0; i < 200; i++) {
		p[n++] = INSN(0x25, 4, 0, 1, i);  /* if r4 > i goto +1 */
		p[n++] = INSN(0x07, 0, 0, 0, 1);
	}
	p[n++] = INSN(0xb7, 0, 0, 0, 2);
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	raw_prog("gen/diamonds-200", p, n, 1);

	/* A bounded loop of 5000 iterations. */
	n = 0;
	p[n++] = INSN(0xb7, 0, 0, 0, 0);
	p[n++] = INSN(0x07, 0, 0, 0, 1);      /* loop: r0 += 1 */
	p[n++] = INSN(0xa5, 0, 0, -2, 5000);  /* if r0 < 5000 goto loop */
	p[n++] = INSN(0xb7, 0, 0, 0, 2);
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	raw_prog("gen/loop-5000", p, n, 1);
	free(p);
}

static void cell(FILE *f, long v)
{
	if (v < 0)
		fprintf(f, " %10s", "-");
	else
		fprintf(f, " %10ld", v);
}

int main(int argc, char **argv)
{
	const char *ex = "build/examples/bpf", *bin = NULL, *json = NULL;
	FILE *j;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--examples"))
			ex = argv[i + 1];
		else if (!strcmp(argv[i], "--bin"))
			bin = argv[i + 1];
		else if (!strcmp(argv[i], "--json"))
			json = argv[i + 1];
	}
	examples(ex);
	if (bin)
		bench_bins(bin);
	generated();

	printf("%-36s %8s %10s %10s %6s %10s %10s %7s\n", "program", "verdict",
	       "ubee insns", "ubee us", "peak", "kern insns", "kern us",
	       "speedup");
	for (size_t i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];

		printf("%-36s %8s %10llu %10llu %6u", r->name,
		       r->ok ? "accept" : "reject", (unsigned long long)r->insns,
		       (unsigned long long)r->time_us, r->peak);
		cell(stdout, r->k_insns);
		cell(stdout, r->k_time_us);
		if (r->k_time_us >= 0 && r->ok)
			printf(" %6.1fx", (double)r->k_time_us /
					  (double)(r->time_us ? r->time_us : 1));
		putchar('\n');
	}
	if (json && (j = fopen(json, "w"))) {
		fprintf(j, "{\"verify\":[");
		for (size_t i = 0; i < nr_rows; i++) {
			const struct row *r = &rows[i];

			fprintf(j, "%s{\"name\":\"%s\",\"accepted\":%s,\"insns_processed\":%llu,\"time_us\":%llu,\"peak_states\":%u,\"kernel_accepted\":%s,\"kernel_insns_processed\":%ld,\"kernel_time_us\":%ld}",
				i ? "," : "", r->name, r->ok ? "true" : "false",
				(unsigned long long)r->insns,
				(unsigned long long)r->time_us, r->peak,
				r->k_ok ? "true" : "false", r->k_insns,
				r->k_time_us);
		}
		fprintf(j, "]}\n");
		fclose(j);
	}
	return 0;
}
