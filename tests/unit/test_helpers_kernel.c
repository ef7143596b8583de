// SPDX-License-Identifier: MIT
/*
 * The kernel's helpers as ubee implements them, one family at a time,
 * with the kernel's results and error codes: the format language of
 * bpf_snprintf/bpf_trace_printk (compared with the kernel where bpf()
 * works), probe reads of good and bad memory, trace output and its sink,
 * "current" (pid, uid, comm, signals), attachment values, map helpers
 * (plus what checked mode makes of their results), for_each_map_elem,
 * ring buffers, perf event output, tail calls through program arrays,
 * spin locks across threads, strncmp, the CPU slot, redirects and
 * csum_diff. Programs are written in assembly and run on every
 * interpreter mode unless a case is about checked mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "engines.h"
#include "kbpf.h"
#include "test.h"
#include "vcase.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/pin.h"
#include "ubee/progtype.h"
#include "helpers/helpers.h"
#include "maps/maps.h"
#include "maps/perf.h"
#include "maps/ringbuf.h"
#include "progtypes/pkt.h"
#include "util/util.h"
#include "vm/vm.h"

#define N(a) UBEE_ARRAY_SIZE(a)
#define ADDR(p) ((unsigned long long)(uintptr_t)(p))

static char logbuf[8192];

/* What a program is loaded and run with. */
struct env {
	uint32_t type;
	struct ubee_map **maps;
	size_t nr_maps;
	void *ctx;
	size_t ctx_size;
	const struct ubee_region *regions;
	size_t nr_regions;
	const struct ubee_attach *attach;
};

/* Assemble and load printf-formatted text; NULL (case failed) on error. */
static struct ubee_prog *prog_of(const struct env *e, const char *fmt, ...)
{
	char text[16384];
	/* Helper semantics as the kernel's, also for calls the verifier
	 * refuses: unverified, runs checked or trusted per mode. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .prog_type = e->type,
				     .maps = e->maps, .nr_maps = e->nr_maps,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_insn *p;
	struct ubee_prog *prog = NULL;
	struct ubee_log log;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (ubee_asm(text, &p, &n, &log)) {
		T_CHECK(0, "asm: %s", logbuf);
		return NULL;
	}
	if (ubee_prog_load(p, n, &po, &prog, &log))
		T_CHECK(0, "load: %s", logbuf);
	ubee_insns_free(p);
	return prog;
}

/* Run once with the flags of interpreter mode m; the log in logbuf. */
static int run_mode(const struct ubee_prog *prog, const struct env *e, int m,
		    uint64_t *r0)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = e->ctx,
				    .ctx_size = e->ctx_size,
				    .regions = e->regions,
				    .nr_regions = e->nr_regions,
				    .engine = t_engines[m].engine,
				    .flags = t_engines[m].flags };
	struct ubee_log log;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	*r0 = 0xdeadbeef;
	return ubee_prog_run_attach(prog, &ro, e->attach, r0, &log);
}

/* Run on every interpreter mode: no errors, one r0, which is returned. */
static uint64_t run_all(const struct ubee_prog *prog, const struct env *e,
			const char *what)
{
	uint64_t r0 = 0, first = 0;

	for (int m = 0; prog && m < T_NR_INTERP; m++) {
		int err = run_mode(prog, e, m, &r0);

		T_CHECK(!err, "%s [%s]: %d %s", what, t_engines[m].name, err, logbuf);
		if (!m)
			first = r0;
		T_CHECK(r0 == first, "%s [%s]: r0 0x%llx, interp 0x%llx", what,
			t_engines[m].name, (unsigned long long)r0,
			(unsigned long long)first);
	}
	return first;
}

/* Run checked (goto and switch): the error, the log in logbuf. */
static int run_checked(const struct ubee_prog *prog, const struct env *e,
		       uint64_t *r0)
{
	int err = run_mode(prog, e, 2, r0);
	char first[sizeof(logbuf)];

	memcpy(first, logbuf, sizeof(first));
	T_CHECK(run_mode(prog, e, 3, r0) == err && !strcmp(first, logbuf),
		"checked-switch differs: %s / %s", first, logbuf);
	return err;
}

static struct ubee_map *map_new(uint32_t type, uint32_t key, uint32_t value,
				uint32_t max, uint32_t flags)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = type, .key_size = key,
				   .value_size = value, .max_entries = max,
				   .map_flags = flags };
	struct ubee_map *m = ubee_map_new(&s, NULL);

	T_CHECK(m, "map of type %u", type);
	return m;
}

/* ---- the format language ------------------------------------------------ */

struct fmt_case {
	const char *fmt;
	int nargs;
	const char *args[4]; /* a number, "s:<text>" or "m:<hex bytes>" */
	const char *want;    /* NULL: -EINVAL */
};

static const struct fmt_case fmt_cases[] = {
	{ "plain", 0, { 0 }, "plain" },
	{ "%d %i %u %x", 4, { "-5", "7", "-1", "255" }, "-5 7 4294967295 ff" },
	{ "%ld %lu %lx %lX", 4, { "-5", "-1", "0xdeadbeefcafe", "0xabc" },
	  "-5 18446744073709551615 deadbeefcafe ABC" },
	{ "%lld %llu %llx %%", 3, { "-9223372036854775807", "42", "0x10" },
	  "-9223372036854775807 42 10 %" },
	{ "[%5d|%-5d|%05d]", 3, { "42", "42", "-42" }, "[   42|42   |-0042]" },
	{ "[%+d|% d|%+d]", 3, { "5", "5", "-5" }, "[+5| 5|-5]" },
	{ "%d", 1, { "0x1ffffffff" }, "-1" },
	{ "%c%c%c", 3, { "104", "105", "0x121" }, "hi!" },
	{ "<%s> <%10s> <%-6s>", 3, { "s:hello", "s:right", "s:left" },
	  "<hello> <     right> <left  >" },
	{ "%s=%d", 2, { "s:", "3" }, "=3" },
	{ "%pI4 %pi4", 2, { "m:0a000001", "m:c0a80001" }, "10.0.0.1 192.168.000.001" },
	{ "%pI6", 1, { "m:20010db8000000000000000000000001" },
	  "2001:0db8:0000:0000:0000:0000:0000:0001" },
	{ "%pi6", 1, { "m:fe800000000000000000000000000001" },
	  "fe800000000000000000000000000001" },
	{ "%pks", 1, { "s:kern" }, "kern" },
	{ "%pks|%pus", 2, { "s:kern", "s:user" }, "kern|user" },
	{ "tab\there", 0, { 0 }, "tab\there" },
	{ "%d %d", 1, { "1" }, NULL },       /* more conversions than args */
	{ "%q", 1, { "1" }, NULL },          /* unknown conversion */
	{ "%.2d", 1, { "1" }, NULL },        /* no precision */
	{ "%lq", 1, { "1" }, NULL },
	{ "%", 1, { "1" }, NULL },
	{ "%pZ", 1, { "1" }, NULL },
	{ "\x01", 0, { 0 }, NULL },          /* not printable */
};

/*
 * A tc program: bpf_snprintf(r10 - 128, 128, fmt, args, 8 * nargs), then
 * the 128 bytes into the packet; r0 = what snprintf returned. The format
 * is at fmt_addr (ubee: the address; kernel: patched to a map value).
 * Strings and bytes of the args live on the stack from r10 - 512 up.
 */
static int fmt_prog_text(const struct fmt_case *c, char *t, size_t size)
{
	int len = 0, strs = 0;

#define OUT(...) (len += snprintf(t + len, size - (size_t)len, __VA_ARGS__))
	OUT("r6 = r1\n");
	for (int i = 0; i < 16; i++)
		OUT("r1 = 0\n*(u64 *)(r10 - %d) = r1\n", 8 * (i + 1));
	for (int a = 0; a < c->nargs; a++) {
		const char *v = c->args[a];
		int base = 512 - 64 * strs;

		if (v[0] == 's' || v[0] == 'm') {
			uint8_t bytes[48] = { 0 };
			size_t nb = 0;

			if (v[0] == 's') {
				nb = strlen(v + 2) + 1;
				memcpy(bytes, v + 2, nb);
			} else {
				for (const char *h = v + 2; h[0] && h[1]; h += 2)
					sscanf(h, "%2hhx", &bytes[nb++]);
			}
			for (size_t k = 0; k < (nb + 7) / 8; k++) {
				uint64_t q;

				memcpy(&q, bytes + 8 * k, 8);
				OUT("r1 = %#llx ll\n*(u64 *)(r10 - %d) = r1\n",
				    (unsigned long long)q, base - 8 * (int)k);
			}
			OUT("r1 = r10\nr1 += -%d\n", base);
			strs++;
		} else {
			OUT("r1 = %#llx ll\n", (unsigned long long)strtoull(v, NULL, 0));
		}
		OUT("*(u64 *)(r10 - %d) = r1\n", 160 - 8 * a);
	}
	OUT("r1 = r10\nr1 += -128\nr2 = 128\nr3 = 0x7777777777 ll\n"
	    "r4 = r10\nr4 += -160\nr5 = %d\ncall 165\nr7 = r0\n"
	    "r1 = r6\nr2 = 0\nr3 = r10\nr3 += -128\nr4 = 128\nr5 = 0\ncall 9\n"
	    "r0 = r7\nexit\n",
	    8 * c->nargs);
#undef OUT
	return len;
}

/* Patch the format's placeholder lddw: ubee, an address; kernel, a map value. */
static void patch_fmt(struct ubee_insn *p, size_t n, uint64_t addr, int map_fd)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i].code == 0x18 && p[i].imm == 0x77777777 && p[i + 1].imm == 0x77) {
			if (map_fd >= 0) {
				p[i].src_reg = 2; /* BPF_PSEUDO_MAP_VALUE */
				p[i].imm = map_fd;
				p[i + 1].imm = 0;
			} else {
				p[i].imm = (int32_t)(uint32_t)addr;
				p[i + 1].imm = (int32_t)(uint32_t)(addr >> 32);
			}
		}
	}
}

/* The kernel's bpf_snprintf on case c: 1 ran (out, ret), 0 refused, -1 no kernel. */
static int kernel_snprintf(const struct fmt_case *c, const struct ubee_insn *tmpl,
			   size_t n, char *out, uint32_t *ret)
{
	static char klog[1 << 16];
	struct ubee_insn *p = malloc(n * sizeof(*p));
	uint8_t pkt[160] = { 0 }, kout[256];
	size_t kout_len = sizeof(kout);
	char value[64] = { 0 };
	uint32_t key = 0;
	int fd, mfd, result = -1;

	if (!p)
		return -1;
	mfd = kbpf_map_create(2 /* array */, 4, sizeof(value), 1, 1u << 7 /* RDONLY_PROG */);
	if (mfd < 0)
		goto out;
	strncpy(value, c->fmt, sizeof(value) - 1);
	if (kbpf_map_update(mfd, &key, value, 0) || kbpf_map_freeze(mfd))
		goto out_map;
	memcpy(p, tmpl, n * sizeof(*p));
	patch_fmt(p, n, 0, mfd);
	fd = kbpf_prog_load(3, p, n, klog, sizeof(klog));
	if (fd < 0) {
		result = fd == -EACCES || fd == -EINVAL ? 0 : -1;
		goto out_map;
	}
	if (!kbpf_test_run(fd, pkt, sizeof(pkt), kout, &kout_len, ret)) {
		memcpy(out, kout, 128);
		result = 1;
	}
	close(fd);
out_map:
	close(mfd);
out:
	free(p);
	return result;
}

static void formats(void)
{
	static char text[16384];
	uint8_t frame[160] = { 0 };
	int kernel_ok = 0, kernel_seen = 0;

	for (size_t i = 0; i < N(fmt_cases); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		/* The format is patched in as a raw address: unverified. */
		struct ubee_prog_opts po = { .sz = sizeof(po),
					     .prog_type = UBEE_PROG_TYPE_SCHED_CLS,
					     .flags = UBEE_PROG_NO_VERIFY };
		char fmt[64] = { 0 }, kbuf[128];
		struct ubee_region fmt_region = { fmt, sizeof(fmt), 0 };
		struct ubee_insn *p;
		struct ubee_prog *prog = NULL;
		struct ubee_log log;
		uint32_t kret = 0;
		size_t n;
		int k;

		strncpy(fmt, c->fmt, sizeof(fmt) - 1);
		fmt_prog_text(c, text, sizeof(text));
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		if (ubee_asm(text, &p, &n, &log)) {
			T_CHECK(0, "asm %zu: %s", i, logbuf);
			continue;
		}
		/*
		 * One address space here: a "user" pointer reads like any
		 * other, where the kernel's %pus of a kernel address prints
		 * nothing. Not compared.
		 */
		k = strstr(c->fmt, "%pus") ? -1 : kernel_snprintf(c, p, n, kbuf, &kret);
		kernel_seen |= k >= 0;
		patch_fmt(p, n, (uintptr_t)fmt, -1);
		T_CHECK(!ubee_prog_load(p, n, &po, &prog, &log), "load %zu: %s", i, logbuf);
		ubee_insns_free(p);
		for (int m = 0; prog && m < T_NR_INTERP; m++) {
			struct ubee_run_opts ro = { .sz = sizeof(ro),
						    .regions = &fmt_region,
						    .nr_regions = 1,
						    .flags = t_engines[m].flags };
			struct ubee_pkt *pkt;
			const char *out;
			uint64_t r0 = 0;
			size_t len;

			if (ubee_pkt_new(UBEE_PROG_TYPE_SCHED_CLS, frame, sizeof(frame),
					 NULL, &pkt, NULL))
				break;
			T_CHECK(!ubee_pkt_run(pkt, prog, &ro, &r0, &log),
				"run %zu: %s", i, logbuf);
			out = ubee_pkt_data(pkt, &len);
			if (c->want) {
				T_CHECK(r0 == strlen(c->want) + 1 && !strcmp(out, c->want),
					"\"%s\" [%s]: %lld \"%s\", want \"%s\"", c->fmt,
					t_engines[m].name, (long long)r0, out, c->want);
			} else {
				T_CHECK(r0 == (uint64_t)-EINVAL && !out[0],
					"\"%s\" [%s]: %lld, want -EINVAL", c->fmt,
					t_engines[m].name, (long long)r0);
			}
			/* The kernel refuses a bad constant format at load time. */
			if (k == 1 && m == 0) {
				kernel_ok++;
				T_CHECK((uint32_t)r0 == kret && !memcmp(out, kbuf, 128),
					"\"%s\": ubee %lld \"%s\", kernel %d \"%s\"", c->fmt,
					(long long)r0, out, (int)kret, kbuf);
			} else if (k == 0 && m == 0) {
				kernel_ok++;
				T_CHECK(!c->want, "\"%s\": the kernel refused it", c->fmt);
			}
			ubee_pkt_free(pkt);
		}
		ubee_prog_free(prog);
	}
	if (kernel_seen)
		T_CHECK(kernel_ok == (int)N(fmt_cases) - 1, "kernel compared %d of %zu",
			kernel_ok, N(fmt_cases));
}

/* Pointers print as 16 hex digits (not hashed); IPs read without faulting. */
static void format_pointers(void)
{
	uint64_t args[3] = { 0x1234, 0xdeadbeef, 8 };
	char out[128];
	long n;

	n = ubee_bprintf(out, sizeof(out), "%p %px %pK", 4, args, 3);
	T_EQ_U64(n, -EINVAL); /* no NUL within fmt_size */
	n = ubee_bprintf(out, sizeof(out), "%p %px %pK", 12, args, 3);
	T_CHECK(n == 50 && !strcmp(out, "0000000000001234 00000000deadbeef 0000000000000008"),
		"%ld %s", n, out);
	n = ubee_bprintf(out, sizeof(out), "[%s] [%pI4]", 12, (uint64_t[]){ 8, 8 }, 2);
	T_CHECK(!strcmp(out, "[] [0.0.0.0]"), "unreadable: %s", out);
	n = ubee_bprintf(out, 5, "%d", 3, (uint64_t[]){ 123456 }, 1);
	T_CHECK(n == 6 && !strcmp(out, "1234"), "truncated: %ld %s", n, out);
	n = ubee_bprintf(NULL, 0, "%d", 3, (uint64_t[]){ 123456 }, 1);
	T_EQ_U64(n, 6);
}

/* ---- probe reads --------------------------------------------------------- */

/* Two pages: the first readable, the second inaccessible (PROT_NONE,
 * not unmapped: a later mapping could land in a hole). */
static uint8_t *edge_page(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	mprotect(m + pg, (size_t)pg, PROT_NONE);
	return m;
}

static void probe_reads(void)
{
	static const int32_t ids[] = { 4, 112, 113 };
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *page = edge_page(), *end;
	static const char src[16] = "0123456789abcdef";
	uint8_t dst[32];
	struct env e = { .type = UBEE_PROG_TYPE_MEM, .ctx = dst, .ctx_size = sizeof(dst) };

	if (!page)
		return;
	end = page + pg;
	memcpy(end - 8, src, 8);
	for (size_t i = 0; i < N(ids); i++) {
		const struct { const void *p; uint32_t size; long ret; } c[] = {
			{ src, 16, 0 }, { src, 0, 0 }, { NULL, 8, -EFAULT },
			{ end, 8, -EFAULT }, { end - 8, 8, 0 }, { end - 8, 16, -EFAULT },
			{ (void *)(uintptr_t)-8, 16, -EFAULT },
		};

		for (size_t k = 0; k < N(c); k++) {
			struct ubee_prog *prog = prog_of(&e,
				"r2 = %u\nr3 = %#llx ll\ncall %d\nexit\n", c[k].size,
				ADDR(c[k].p), ids[i]);
			uint64_t r0;

			for (int m = 0; prog && m < T_NR_INTERP; m++) {
				memset(dst, 0xaa, sizeof(dst));
				T_CHECK(!run_mode(prog, &e, m, &r0), "%s", logbuf);
				T_CHECK(r0 == (uint64_t)c[k].ret, "id %d case %zu: %lld", ids[i],
					k, (long long)r0);
				if (c[k].ret) /* zeroed on failure */
					T_CHECK(!dst[0] && !dst[c[k].size - 1] &&
							dst[c[k].size] == 0xaa,
						"id %d case %zu: not zeroed", ids[i], k);
				else if (c[k].size)
					T_CHECK(!memcmp(dst, c[k].p, c[k].size) &&
							dst[c[k].size] == 0xaa,
						"id %d case %zu: bytes", ids[i], k);
				else
					T_CHECK(dst[0] == 0xaa, "size 0 wrote");
			}
			ubee_prog_free(prog);
		}
	}
	munmap(page, (size_t)pg);
}

static void probe_read_strings(void)
{
	static const int32_t ids[] = { 45, 114, 115 };
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *page = edge_page(), *page2 = edge_page(), *end, *end2;
	uint8_t dst[32];
	struct env e = { .type = UBEE_PROG_TYPE_MEM, .ctx = dst, .ctx_size = sizeof(dst) };

	if (!page || !page2)
		return;
	end = page + pg;
	end2 = page2 + pg;
	memcpy(end - 4, "abc", 4);     /* ends right at the page's end */
	memset(end2 - 12, 'x', 12);    /* runs into the missing page */
	for (size_t i = 0; i < N(ids); i++) {
		const struct { const void *p; uint32_t size; long ret; const char *want; } c[] = {
			{ "hello", 32, 6, "hello" },
			{ "hello", 4, 4, "hel" },
			{ "hello", 6, 6, "hello" },
			{ "", 8, 1, "" },
			{ "hello", 0, 0, NULL },
			{ end - 4, 32, 4, "abc" },
			{ end2 - 12, 32, -EFAULT, NULL },
			{ end2 - 12, 8, 8, "xxxxxxx" }, /* stops before the gap */
			{ NULL, 8, -EFAULT, NULL },
		};

		for (size_t k = 0; k < N(c); k++) {
			struct ubee_prog *prog = prog_of(&e,
				"r2 = %u\nr3 = %#llx ll\ncall %d\nexit\n", c[k].size,
				ADDR(c[k].p), ids[i]);
			uint64_t r0;

			for (int m = 0; prog && m < T_NR_INTERP; m++) {
				memset(dst, 0xaa, sizeof(dst));
				T_CHECK(!run_mode(prog, &e, m, &r0), "%s", logbuf);
				T_CHECK(r0 == (uint64_t)c[k].ret, "id %d case %zu: %lld",
					ids[i], k, (long long)r0);
				if (c[k].want)
					T_CHECK(!strcmp((char *)dst, c[k].want) &&
							dst[c[k].ret] == 0xaa,
						"id %d case %zu: \"%s\"", ids[i], k, dst);
				else if (c[k].ret < 0)
					T_CHECK(!dst[0] && !dst[c[k].size - 1],
						"id %d case %zu: not zeroed", ids[i], k);
				else
					T_CHECK(dst[0] == 0xaa, "size 0 wrote");
			}
			ubee_prog_free(prog);
		}
	}
	munmap(page, (size_t)pg);
	munmap(page2, (size_t)pg);
	/* Long copies cross pages. */
	{
		static uint8_t big[3 * 4096 + 100];
		static uint8_t copy[sizeof(big)];

		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)(i * 13);
		T_EQ_U64(ubee_probe_copy(copy, big + 7, sizeof(big) - 7), 0);
		T_CHECK(!memcmp(copy, big + 7, sizeof(big) - 7), "big copy");
	}
}

/* In a child where seccomp refuses process_vm_readv: the pipe fallback. */
static int child_without_vm_readv(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { N(f), f };
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *page = edge_page(), big[3 * 4096], copy[sizeof(big)];
	char dst[16];

	if (!page || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 77;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	memcpy(page + pg - 3, "ab", 3);
	if (ubee_probe_copy(copy, big, sizeof(big)) || memcmp(copy, big, sizeof(big)))
		return 1;
	if (ubee_probe_copy(copy, page + pg - 8, 16) != -EFAULT || copy[0])
		return 2;
	if (ubee_probe_copy_str(dst, page + pg - 3, sizeof(dst)) != 3 || strcmp(dst, "ab"))
		return 3;
	if (ubee_probe_copy_str(dst, NULL, sizeof(dst)) != -EFAULT)
		return 4;
	/* the system call really is refused */
	{
		struct iovec l = { copy, 8 }, r = { big, 8 };

		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != -1 || errno != EPERM)
			return 5;
	}
	return 0;
}

static void probe_read_fallback(void)
{
	int status = 0;
	pid_t pid;

	/* valgrind's own syscalls trip the child's seccomp filter. */
	if (t_valgrind()) {
		t_skip("seccomp child not run under valgrind");
		return;
	}
	pid = fork();

	if (pid == 0)
		_exit(child_without_vm_readv());
	T_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status),
		"child");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		t_skip("seccomp is not available");
	else
		T_CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "child failed at %d",
			WEXITSTATUS(status));
}

/* ---- trace output ------------------------------------------------------ */

static char sink_lines[8][1200];
static int sink_n;

static void capture(void *arg, const char *line, size_t len)
{
	T_CHECK(arg == (void *)sink_lines, "sink arg");
	T_CHECK(strlen(line) == len, "len %zu", len);
	if (sink_n < (int)N(sink_lines))
		snprintf(sink_lines[sink_n], sizeof(sink_lines[0]), "%s", line);
	sink_n++;
}

/* The text after the trace_pipe prefix, which is checked too. */
static const char *trace_text(const char *line)
{
	char comm[17] = "", want[64];
	const char *t = strstr(line, ": bpf_trace_printk: ");

	prctl(PR_GET_NAME, comm, 0, 0, 0);
	snprintf(want, sizeof(want), "%16s-%-7d [", comm, (int)gettid());
	T_CHECK(!strncmp(line, want, strlen(want)), "prefix of \"%s\"", line);
	return t ? t + 20 : "";
}

static void trace_printk(void)
{
	char ctx[64] = "v=%d s=%s c=%c\n";
	struct env e = { .type = UBEE_PROG_TYPE_MEM, .ctx = ctx, .ctx_size = sizeof(ctx) };
	struct ubee_prog *prog;
	uint64_t r0;

	ubee_trace_set_sink(capture, sink_lines);
	sink_n = 0;
	memcpy(ctx + 32, "str", 4);
	prog = prog_of(&e, "r2 = 16\nr3 = -7\nr4 = r1\nr4 += 32\nr5 = 65\ncall 6\nexit\n");
	r0 = run_all(prog, &e, "trace_printk");
	T_EQ_U64(r0, 15);
	T_EQ_U64(sink_n, T_NR_INTERP);
	T_CHECK(!strcmp(trace_text(sink_lines[0]), "v=-7 s=str c=A"), "line: %s",
		sink_lines[0]);
	ubee_prog_free(prog);

	/* errors: four conversions, no NUL within fmt_size, unknown */
	sink_n = 0;
	strcpy(ctx, "%d%d%d%d");
	prog = prog_of(&e, "r2 = 9\nr3 = 1\nr4 = 2\nr5 = 3\ncall 6\nexit\n");
	T_EQ_U64(run_all(prog, &e, "four"), -EINVAL);
	ubee_prog_free(prog);
	strcpy(ctx, "abc");
	prog = prog_of(&e, "r2 = 3\ncall 6\nexit\n");
	T_EQ_U64(run_all(prog, &e, "no NUL"), -EINVAL);
	ubee_prog_free(prog);
	T_EQ_U64(sink_n, 0);

	/* trace_vprintk: up to 12 arguments from memory */
	{
		uint64_t data[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
		char fmt[] = "%d %d %d %d %d %d %d %d %d %d %d %d";
		struct ubee_region regs[2] = { { data, sizeof(data), 0 },
					       { fmt, sizeof(fmt), 0 } };
		struct env v = { .type = UBEE_PROG_TYPE_KPROBE, .regions = regs, .nr_regions = 2 };

		prog = prog_of(&v, "r1 = %#llx ll\nr2 = %zu\nr3 = %#llx ll\nr4 = 96\n"
			       "call 177\nexit\n", ADDR(fmt), sizeof(fmt), ADDR(data));
		T_EQ_U64(run_all(prog, &v, "vprintk"), 26);
		T_CHECK(!strcmp(trace_text(sink_lines[0]), "1 2 3 4 5 6 7 8 9 10 11 12"),
			"vprintk: %s", sink_lines[0]);
		ubee_prog_free(prog);
		prog = prog_of(&v, "r1 = %#llx ll\nr2 = %zu\nr3 = %#llx ll\nr4 = 104\n"
			       "call 177\nexit\n", ADDR(fmt), sizeof(fmt), ADDR(data));
		T_EQ_U64(run_all(prog, &v, "vprintk 13"), -EINVAL);
		ubee_prog_free(prog);
		prog = prog_of(&v, "r1 = %#llx ll\nr2 = %zu\nr3 = %#llx ll\nr4 = 12\n"
			       "call 177\nexit\n", ADDR(fmt), sizeof(fmt), ADDR(data));
		T_EQ_U64(run_all(prog, &v, "vprintk 12 bytes"), -EINVAL);
		ubee_prog_free(prog);
	}

	/* The fd sink: one line and a newline per message. */
	{
		int fds[2];
		char buf[512] = "";
		ssize_t got;

		/* Non-blocking: a run that writes nothing fails, never hangs. */
		T_CHECK(!pipe2(fds, O_NONBLOCK), "pipe");
		ubee_trace_set_sink(ubee_trace_sink_fd, (void *)(intptr_t)fds[1]);
		strcpy(ctx, "to a file");
		prog = prog_of(&e, "r2 = 10\ncall 6\nexit\n");
		run_mode(prog, &e, 0, &r0);
		got = read(fds[0], buf, sizeof(buf) - 1);
		T_CHECK(got > 0 && buf[got - 1] == '\n' &&
				strstr(buf, ": bpf_trace_printk: to a file\n"),
			"fd sink: %s", buf);
		ubee_prog_free(prog);
		close(fds[0]);
		close(fds[1]);
	}
	ubee_trace_set_sink(NULL, NULL);
}

static void snprintf_helper(void)
{
	char fmt[] = "%s-%d";
	char str[] = "hello";
	uint64_t data[2] = { (uintptr_t)str, 42 };
	char out[16];
	struct ubee_region regs[3] = { { fmt, sizeof(fmt), 0 },
				       { str, sizeof(str), 0 },
				       { data, sizeof(data), 0 } };
	struct env e = { .type = UBEE_PROG_TYPE_MEM, .ctx = out,
	                 .ctx_size = sizeof(out), .regions = regs,
	                 .nr_regions = 3 };
	struct ubee_prog *prog;
	uint64_t r0;

	prog = prog_of(&e, "r2 = 16\nr3 = %#llx ll\nr4 = %#llx ll\nr5 = 16\ncall 165\nexit\n",
		       ADDR(fmt), ADDR(data));
	T_EQ_U64(run_all(prog, &e, "snprintf"), 9);
	T_CHECK(!strcmp(out, "hello-42"), "%s", out);
	ubee_prog_free(prog);
	/* Truncated: the whole length still comes back. */
	prog = prog_of(&e, "r2 = 4\nr3 = %#llx ll\nr4 = %#llx ll\nr5 = 16\ncall 165\nexit\n",
		       ADDR(fmt), ADDR(data));
	T_EQ_U64(run_all(prog, &e, "snprintf short"), 9);
	T_CHECK(!strcmp(out, "hel"), "%s", out);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r2 = 16\nr3 = %#llx ll\nr4 = %#llx ll\nr5 = 12\ncall 165\nexit\n",
		       ADDR(fmt), ADDR(data));
	T_EQ_U64(run_all(prog, &e, "snprintf data_len"), -EINVAL);
	ubee_prog_free(prog);
	/* Checked runs: the format must be a string inside a region. */
	prog = prog_of(&e, "r2 = 16\nr3 = %#llx ll\nr4 = %#llx ll\nr5 = 16\ncall 165\nexit\n",
		       ADDR(logbuf), ADDR(data));
	T_CHECK(run_checked(prog, &e, &r0) == -EFAULT &&
			strstr(logbuf, "6: bpf_snprintf arg3:") &&
			strstr(logbuf, "is outside every region"),
		"unchecked format: %s", logbuf);
	ubee_prog_free(prog);
}

/* ---- current and the attachment ----------------------------------------- */

static volatile sig_atomic_t got_signal;
static volatile pid_t signal_tid;

static void on_usr1(int sig)
{
	got_signal++;
	signal_tid = gettid();
}

static void current_task(void)
{
	char comm[32];
	struct env e = { .type = UBEE_PROG_TYPE_KPROBE, .ctx = comm, .ctx_size = sizeof(comm) };
	struct ubee_prog *prog;
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	char name[17] = "";

	prog = prog_of(&e, "call 14\nexit\n");
	T_EQ_U64(run_all(prog, &e, "pid_tgid"),
		 (uint64_t)getpid() << 32 | (uint32_t)gettid());
	ubee_prog_free(prog);
	prog = prog_of(&e, "call 15\nexit\n");
	T_EQ_U64(run_all(prog, &e, "uid_gid"), (uint64_t)getgid() << 32 | getuid());
	ubee_prog_free(prog);

	prctl(PR_GET_NAME, name, 0, 0, 0);
	prctl(PR_SET_NAME, "ubee-comm-test", 0, 0, 0);
	prog = prog_of(&e, "r6 = r1\nr1 = r6\nr2 = 32\ncall 16\nexit\n");
	memset(comm, 0x55, sizeof(comm));
	T_EQ_U64(run_all(prog, &e, "comm"), 0);
	T_CHECK(!strcmp(comm, "ubee-comm-test") && !comm[31], "comm: %s", comm);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r2 = 5\ncall 16\nexit\n");
	memset(comm, 0x55, sizeof(comm));
	T_EQ_U64(run_all(prog, &e, "comm 5"), 0);
	T_CHECK(!strcmp(comm, "ubee") && comm[5] == 0x55, "comm 5: %s", comm);
	ubee_prog_free(prog);
	prctl(PR_SET_NAME, name, 0, 0, 0);

	sigaction(SIGUSR1, &sa, &old);
	got_signal = 0;
	prog = prog_of(&e, "r1 = %d\ncall 109\nexit\n", SIGUSR1);
	T_EQ_U64(run_all(prog, &e, "send_signal"), 0);
	T_EQ_U64(got_signal, T_NR_INTERP);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = %d\ncall 117\nexit\n", SIGUSR1);
	got_signal = 0;
	T_EQ_U64(run_all(prog, &e, "send_signal_thread"), 0);
	T_CHECK(got_signal == T_NR_INTERP && signal_tid == gettid(), "to this thread");
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = 65\ncall 109\nexit\n");
	T_EQ_U64(run_all(prog, &e, "bad signal"), -EINVAL);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = 0\ncall 109\nexit\n");
	T_EQ_U64(run_all(prog, &e, "signal 0"), 0);
	ubee_prog_free(prog);
	sigaction(SIGUSR1, &old, NULL);
}

static void attachment(void)
{
	struct ubee_pt_regs regs = { 0 };
	struct ubee_attach at = { .sz = sizeof(at), .cookie = 0x1122334455667788ull,
				  .func_ip = 0xffffffff81000010ull };
	struct env e = { .type = UBEE_PROG_TYPE_KPROBE, .ctx = &regs,
	                 .ctx_size = sizeof(regs), .attach = &at };
	struct ubee_prog *prog;

	prog = prog_of(&e, "r6 = r1\ncall 174\nr7 = r0\nr1 = r6\ncall 173\nr0 ^= r7\nexit\n");
	T_EQ_U64(run_all(prog, &e, "cookie ^ ip"), at.cookie ^ at.func_ip);
	e.attach = NULL;
	T_EQ_U64(run_all(prog, &e, "no attachment"), 0);
	ubee_prog_free(prog);
}

/* ---- maps ---------------------------------------------------------------- */

static void map_helpers(void)
{
	struct ubee_map *h = map_new(UBEE_MAP_HASH, 4, 8, 2, 0);
	struct ubee_map *q = map_new(UBEE_MAP_QUEUE, 0, 8, 2, 0);
	struct ubee_map *maps[2] = { h, q };
	uint64_t ctx[4] = { 0 };
	struct env e = { .type = UBEE_PROG_TYPE_SOCKET_FILTER, .maps = maps,
	                 .nr_maps = 2, .ctx = ctx, .ctx_size = sizeof(ctx) };
	struct ubee_prog *prog;
	/* update(key r7, value 100 + key, flags r8); r0 = result */
	const char *update =
		"*(u32 *)(r10 - 4) = r7\nr1 = r7\nr1 += 100\n*(u64 *)(r10 - 16) = r1\n"
		"r1 = %#llx ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = r8\n"
		"call 2\nexit\n";
	static const struct { uint32_t key; uint64_t flags; int64_t ret; } ups[] = {
		{ 1, UBEE_NOEXIST, 0 }, { 1, UBEE_NOEXIST, -EEXIST },
		{ 2, UBEE_EXIST, -ENOENT }, { 2, UBEE_ANY, 0 },
		{ 3, UBEE_ANY, -E2BIG }, { 1, 8, -EINVAL }, { 1, UBEE_EXIST, 0 },
	};
	uint64_t r0;

	if (!h || !q)
		goto out;
	for (size_t i = 0; i < N(ups); i++) {
		char text[1024];

		snprintf(text, sizeof(text), update, ADDR(h));
		prog = prog_of(&e, "r7 = %u\nr8 = %llu\n%s", ups[i].key,
			       (unsigned long long)ups[i].flags, text);
		/* the first mode makes the change; the others see it made */
		T_CHECK(!run_mode(prog, &e, 0, &r0) && r0 == (uint64_t)ups[i].ret,
			"update %zu: %lld", i, (long long)r0);
		ubee_prog_free(prog);
	}
	/* lookup: *value, or -1 for NULL; delete: 0, then -ENOENT */
	prog = prog_of(&e, "r1 = 2\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
		       "r2 += -4\ncall 1\nif r0 == 0 goto none\nr0 = *(u64 *)(r0 + 0)\n"
		       "exit\nnone:\nr0 = -1\nexit\n", ADDR(h));
	T_EQ_U64(run_all(prog, &e, "lookup"), 102);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = 2\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
		       "r2 += -4\ncall 3\nexit\n", ADDR(h));
	T_CHECK(!run_mode(prog, &e, 0, &r0) && r0 == 0, "delete");
	T_CHECK(!run_mode(prog, &e, 2, &r0) && r0 == (uint64_t)-ENOENT, "delete again");
	ubee_prog_free(prog);

	/* queue: push, push, push (full), peek, pop, pop, pop (empty) */
	prog = prog_of(&e,
		       "r6 = r1\nr7 = 0\n"
		       "loop:\nr1 = r7\nr1 += 10\n*(u64 *)(r10 - 8) = r1\n"
		       "r1 = %#llx ll\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\n"
		       "r1 = r7\nr1 <<= 3\nr1 += r6\n*(u64 *)(r1 + 0) = r0\n"
		       "r7 += 1\nif r7 < 3 goto loop\n"
		       "r1 = %#llx ll\nr2 = r10\nr2 += -8\ncall 89\nr0 = *(u64 *)(r10 - 8)\n"
		       "*(u64 *)(r6 + 24) = r0\n"
		       "r1 = %#llx ll\nr2 = r10\nr2 += -8\ncall 88\n"
		       "r1 = %#llx ll\nr2 = r10\nr2 += -8\ncall 88\n"
		       "r1 = %#llx ll\nr2 = r10\nr2 += -8\ncall 88\nexit\n",
		       ADDR(q), ADDR(q), ADDR(q), ADDR(q), ADDR(q));
	T_EQ_U64(run_all(prog, &e, "queue"), -ENOENT);
	T_CHECK(ctx[0] == 0 && ctx[1] == 0 && ctx[2] == (uint64_t)-E2BIG && ctx[3] == 10,
		"queue: %lld %lld %lld %lld", (long long)ctx[0], (long long)ctx[1],
		(long long)ctx[2], (long long)ctx[3]);
	ubee_prog_free(prog);
	/* Checked: pop must write value_size bytes to writable memory. */
	{
		static uint64_t ro_val;
		struct ubee_region r = { &ro_val, sizeof(ro_val), 0 };
		struct env c = e;

		c.regions = &r;
		c.nr_regions = 1;
		prog = prog_of(&c, "r1 = %#llx ll\nr2 = %#llx ll\ncall 88\nexit\n",
			       ADDR(q), ADDR(&ro_val));
		T_CHECK(run_checked(prog, &c, &r0) == -EFAULT &&
				strstr(logbuf, "bpf_map_pop_elem arg2: write of 8 bytes to read-only memory"),
			"pop to read-only: %s", logbuf);
		ubee_prog_free(prog);
	}
	/* Helpers a map type lacks: -ENOTSUPP (524), or NULL from lookups. */
	prog = prog_of(&e, "r1 = %#llx ll\nr2 = r10\nr2 += -8\n*(u64 *)(r2 + 0) = r1\n"
		       "call 87\nexit\n", ADDR(h));
	T_EQ_U64(run_all(prog, &e, "push to a hash"), -UBEE_ENOTSUPP);
	ubee_prog_free(prog);
out:
	ubee_map_put(h);
	ubee_map_put(q);
}

/* Checked mode and the memory maps hand out. */
static void map_values_checked(void)
{
	struct ubee_map *a = map_new(UBEE_MAP_ARRAY, 4, 16, 4, 0);
	struct ubee_map *ro = map_new(UBEE_MAP_ARRAY, 4, 16, 4, UBEE_F_RDONLY_PROG);
	struct ubee_map *pc = map_new(UBEE_MAP_PERCPU_ARRAY, 4, 8, 2, 0);
	struct ubee_map *outer = NULL, *maps[4] = { a, ro, pc, NULL };
	struct env e = { .type = UBEE_PROG_TYPE_KPROBE, .maps = maps, .nr_maps = 3 };
	const char *lookup0 = "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
			      "r2 += -4\ncall 1\nif r0 == 0 goto out\n";
	struct ubee_prog *prog;
	char text[2048];
	uint64_t r0;

	if (!a || !ro || !pc)
		goto out;
	/* write the value's last byte, read it back */
	snprintf(text, sizeof(text), lookup0, ADDR(a));
	prog = prog_of(&e, "%sr1 = 9\n*(u8 *)(r0 + 15) = r1\nr0 = *(u8 *)(r0 + 15)\nout:\nexit\n",
		       text);
	T_EQ_U64(run_all(prog, &e, "value"), 9);
	ubee_prog_free(prog);
	/* one past the value faults in checked mode */
	prog = prog_of(&e, "%sr0 = *(u8 *)(r0 + 16)\nout:\nexit\n", text);
	T_CHECK(run_checked(prog, &e, &r0) == -EFAULT &&
			!strncmp(logbuf, "8: out-of-bounds read of 1 bytes", 32),
		"past the value: %s", logbuf);
	ubee_prog_free(prog);
	/* a read-only map's value is read-only */
	snprintf(text, sizeof(text), lookup0, ADDR(ro));
	prog = prog_of(&e, "%sr1 = 1\n*(u8 *)(r0 + 0) = r1\nout:\nexit\n", text);
	T_CHECK(run_checked(prog, &e, &r0) == -EFAULT &&
			!strncmp(logbuf, "9: write of 1 bytes to read-only memory", 39),
		"read-only value: %s", logbuf);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 24) = r1\n"
		       "*(u64 *)(r10 - 16) = r1\nr1 = %#llx ll\nr2 = r10\nr2 += -4\n"
		       "r3 = r10\nr3 += -24\nr4 = 0\ncall 2\nexit\n", ADDR(ro));
	T_CHECK(run_checked(prog, &e, &r0) == -EACCES &&
			strstr(logbuf, "bpf_map_update_elem: map  is read-only for programs"),
		"update read-only: %s", logbuf);
	ubee_prog_free(prog);
	/* per-CPU: another CPU's value through lookup_percpu */
	prog = prog_of(&e, "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
		       "r2 += -4\nr3 = %u\ncall 195\nexit\n", ADDR(pc), ubee_map_nr_cpus());
	T_EQ_U64(run_all(prog, &e, "percpu: no such cpu"), 0);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
		       "r2 += -4\nr3 = 0\ncall 195\nif r0 == 0 goto out\nr1 = 5\n"
		       "*(u64 *)(r0 + 0) = r1\nr0 = *(u64 *)(r0 + 0)\nout:\nexit\n", ADDR(pc));
	T_EQ_U64(run_all(prog, &e, "percpu cpu 0"), 5);
	ubee_prog_free(prog);

	/* A map of maps hands out its inner map, usable as a map argument. */
	{
		struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_ARRAY_OF_MAPS,
					   .key_size = 4, .value_size = 4,
					   .max_entries = 1, .inner = a };
		uint32_t k = 0;

		outer = ubee_map_new(&s, NULL);
		T_CHECK(outer && !ubee_map_set_ptr(outer, &k, a), "outer");
		maps[3] = outer;
		e.nr_maps = 4;
		/* only outer is loaded as a map of the program */
		e.maps = &maps[3];
		e.nr_maps = 1;
		snprintf(text, sizeof(text), lookup0, ADDR(outer));
		prog = prog_of(&e, "%sr1 = r0\nr2 = r10\nr2 += -4\ncall 1\n"
			       "if r0 == 0 goto out\nr0 = *(u8 *)(r0 + 15)\nr0 += 100\nout:\nexit\n",
			       text);
		T_EQ_U64(run_all(prog, &e, "inner map"), 109);
		ubee_prog_free(prog);
	}
out:
	ubee_map_put(a);
	ubee_map_put(ro);
	ubee_map_put(pc);
	ubee_map_put(outer);
}

static void for_each_map_elem(void)
{
	struct ubee_map *a = map_new(UBEE_MAP_ARRAY, 4, 8, 5, 0);
	struct env e = { .type = UBEE_PROG_TYPE_XDP, .maps = &a, .nr_maps = 1 };
	struct ubee_prog *prog;
	uint32_t k;
	uint64_t v;
	/* sum = 0; n = for_each(map, cb, &sum, 0); r0 = sum * 1000 + n;
	 * cb: sum += *value + *key * 100; *value *= 2; stops after key 2 */
	if (!a)
		return;
	for (k = 0; k < 5; k++) {
		v = k + 1;
		ubee_map_update(a, &k, &v, 0);
	}
	prog = prog_of(&e, "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = %#llx ll\nr2 = func(cb) ll\n"
		       "r3 = r10\nr3 += -8\nr4 = 0\ncall 164\nr6 = r0\n"
		       "r0 = *(u64 *)(r10 - 8)\nr0 *= 1000\nr0 += r6\nexit\n"
		       "cb:\nr5 = *(u64 *)(r4 + 0)\nr6 = *(u64 *)(r3 + 0)\nr5 += r6\n"
		       "r6 <<= 1\n*(u64 *)(r3 + 0) = r6\nr6 = *(u32 *)(r2 + 0)\n"
		       "r7 = r6\nr6 *= 100\nr5 += r6\n*(u64 *)(r4 + 0) = r5\n"
		       "r0 = 0\nif r7 != 2 goto go\nr0 = 1\ngo:\nexit\n", ADDR(a));
	/* keys 0..2: values 1+2+3 and keys 0+100+200, three calls */
	T_CHECK(prog && !run_mode(prog, &e, 2, &v) && v == 306 * 1000 + 3,
		"checked: %llu %s", (unsigned long long)v, logbuf);
	k = 1;
	T_CHECK(!ubee_map_lookup(a, &k, &v) && v == 4, "value doubled: %llu",
		(unsigned long long)v);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = %#llx ll\nr2 = func(cb) ll\n"
		       "r3 = r10\nr3 += -8\nr4 = 1\ncall 164\nexit\ncb:\nr0 = 0\nexit\n",
		       ADDR(a));
	T_EQ_U64(run_all(prog, &e, "flags"), -EINVAL);
	ubee_prog_free(prog);
	ubee_map_put(a);
}

/* ---- output channels ----------------------------------------------------- */

static int rb_count;
static char rb_last[64];

static int on_record(void *arg, const void *data, size_t size)
{
	rb_count++;
	memcpy(rb_last, data, size < sizeof(rb_last) ? size : sizeof(rb_last));
	return 0;
}

static void ringbuf_helpers(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct ubee_map *rb = map_new(UBEE_MAP_RINGBUF, 0, 0, (uint32_t)pg, 0);
	struct env e = { .type = UBEE_PROG_TYPE_TRACEPOINT, .maps = &rb, .nr_maps = 1 };
	struct ubee_prog *prog;
	uint64_t r0;

	if (!rb)
		return;
	/* output 8 bytes; reserve 16, fill, submit; reserve, discard */
	prog = prog_of(&e,
		       "r1 = 0x6f6c6c6568 ll\n*(u64 *)(r10 - 8) = r1\n"
		       "r1 = %#llx ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\n"
		       "if r0 != 0 goto out\n"
		       "r1 = %#llx ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto fail\n"
		       "r1 = 0x646c726f77 ll\n*(u64 *)(r0 + 8) = r1\nr1 = r0\nr2 = 0\ncall 132\n"
		       "r1 = %#llx ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto fail\n"
		       "r1 = r0\nr2 = 0\ncall 133\n"
		       "r1 = %#llx ll\nr2 = 1\ncall 134\nexit\n"
		       "fail:\nr0 = 1\nout:\nexit\n",
		       ADDR(rb), ADDR(rb), ADDR(rb), ADDR(rb));
	r0 = run_all(prog, &e, "ringbuf");
	T_EQ_U64(r0, pg); /* BPF_RB_RING_SIZE */
	rb_count = 0;
	T_EQ_U64(ubee_ringbuf_consume(rb, on_record, NULL), 2 * T_NR_INTERP);
	T_CHECK(rb_count == 2 * T_NR_INTERP && !strcmp(rb_last + 8, "world"),
		"records: %d %s", rb_count, rb_last + 8);
	ubee_prog_free(prog);

	/* bad flags, too big */
	prog = prog_of(&e, "r1 = %#llx ll\nr2 = r10\nr2 += -8\n*(u64 *)(r2 + 0) = r1\n"
		       "r3 = 8\nr4 = 4\ncall 130\nexit\n", ADDR(rb));
	T_EQ_U64(run_all(prog, &e, "output flags"), -EINVAL);
	ubee_prog_free(prog);
	prog = prog_of(&e, "r1 = %#llx ll\nr2 = %ld\nr3 = 0\ncall 131\nexit\n",
		       ADDR(rb), pg);
	T_EQ_U64(run_all(prog, &e, "reserve too big"), 0);
	ubee_prog_free(prog);

	/* checked: a record left reserved is discarded and reported */
	prog = prog_of(&e, "r1 = %#llx ll\nr2 = 8\nr3 = 0\ncall 131\nr0 = 0\nexit\n", ADDR(rb));
	T_CHECK(run_checked(prog, &e, &r0) == -EINVAL &&
			strstr(logbuf, "1 ring buffer records reserved and never submitted"),
		"leak: %s", logbuf);
	rb_count = 0;
	T_CHECK(ubee_ringbuf_consume(rb, on_record, NULL) == 0 && !rb_count,
		"leaked records were discarded");
	T_EQ_U64(ubee_ringbuf_query(rb, UBEE_RB_AVAIL_DATA), 0);
	ubee_prog_free(prog);
	/* checked: submitting something else fails the run */
	prog = prog_of(&e, "r1 = r10\nr1 += -8\nr2 = 0\ncall 132\nr0 = 0\nexit\n");
	T_CHECK(run_checked(prog, &e, &r0) == -EINVAL &&
			strstr(logbuf, "3: bpf_ringbuf_submit: ") &&
			strstr(logbuf, "is not a record this run reserved"),
		"submit stack: %s", logbuf);
	ubee_prog_free(prog);
	ubee_map_put(rb);
}

static uint32_t pe_cpu, pe_size;
static char pe_data[128];

static int on_sample(void *arg, uint32_t cpu, const void *data, uint32_t size)
{
	pe_cpu = cpu;
	pe_size = size;
	memcpy(pe_data, data, size < sizeof(pe_data) ? size : sizeof(pe_data));
	return 0;
}

static void perf_event_output(void)
{
	struct ubee_map *pa = map_new(UBEE_MAP_PERF_EVENT_ARRAY, 4, 4, 2, 0);
	uint8_t frame[64];
	struct ubee_pt_regs regs;
	struct env e = { .type = UBEE_PROG_TYPE_KPROBE, .maps = &pa,
	                 .nr_maps = 1, .ctx = &regs, .ctx_size = sizeof(regs) };
	struct ubee_prog *prog;
	uint32_t k = 1, pages = 1;
	const char *text = "r2 = %#llx ll\nr3 = %#llx ll\nr4 = 0x2a2a2a2a ll\n"
			   "*(u64 *)(r10 - 8) = r4\nr4 = r10\nr4 += -8\nr5 = 4\ncall 25\nexit\n";

	if (!pa)
		return;
	T_CHECK(!ubee_map_update(pa, &k, &pages, 0), "open slot 1");
	prog = prog_of(&e, text, ADDR(pa), 1ull);
	T_EQ_U64(run_all(prog, &e, "to slot 1"), 0);
	T_EQ_U64(ubee_perf_consume(pa, on_sample, NULL, NULL), T_NR_INTERP);
	T_CHECK(pe_cpu == 1 && pe_size == 4 && !memcmp(pe_data, "****", 4), "sample");
	ubee_prog_free(prog);
	prog = prog_of(&e, text, ADDR(pa), 0ull);
	T_EQ_U64(run_all(prog, &e, "closed slot"), -ENOENT);
	ubee_prog_free(prog);
	prog = prog_of(&e, text, ADDR(pa), 1ull << 32);
	T_EQ_U64(run_all(prog, &e, "ctx len in a kprobe"), -EINVAL);
	ubee_prog_free(prog);

	/* xdp: the first bytes of the packet follow the data */
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	e.type = UBEE_PROG_TYPE_XDP;
	prog = prog_of(&e, text, ADDR(pa), (3ull << 32) | 1);
	for (int m = 0; prog && m < T_NR_INTERP; m++) {
		struct ubee_run_opts ro = { .sz = sizeof(ro), .flags = t_engines[m].flags };
		struct ubee_pkt *pkt;
		uint64_t r0 = 1;

		if (ubee_pkt_new(UBEE_PROG_TYPE_XDP, frame, sizeof(frame), NULL, &pkt, NULL))
			break;
		T_CHECK(!ubee_pkt_run(pkt, prog, &ro, &r0, NULL) && r0 == 0, "xdp run");
		ubee_pkt_free(pkt);
	}
	pe_size = 0;
	T_EQ_U64(ubee_perf_consume(pa, on_sample, NULL, NULL), T_NR_INTERP);
	T_CHECK(pe_size == 7 && !memcmp(pe_data, "****\0\1\2", 7), "xdp sample of %u", pe_size);
	ubee_prog_free(prog);
	ubee_map_put(pa);
}

/* ---- tail calls ---------------------------------------------------------- */

static void tail_calls(void)
{
	struct ubee_map *pa = map_new(UBEE_MAP_PROG_ARRAY, 4, 4, 2, 0);
	struct ubee_map *other = map_new(UBEE_MAP_PROG_ARRAY, 4, 4, 2, 0);
	uint64_t ctx[2] = { 0 };
	struct env e = { .type = UBEE_PROG_TYPE_SOCKET_FILTER, .maps = &pa,
	                 .nr_maps = 1, .ctx = ctx, .ctx_size = sizeof(ctx) };
	struct env e2 = { .type = UBEE_PROG_TYPE_SCHED_CLS, .maps = &pa,
	                  .nr_maps = 1, .ctx = ctx, .ctx_size = sizeof(ctx) };
	struct ubee_prog *caller = NULL, *callee = NULL, *tc = NULL, *wrong = NULL;
	uint32_t k = 0;
	uint64_t r0;

	if (!pa || !other)
		goto out;
	/* r0 = tail_call(ctx, map, ctx[0]) result, or 42 from the callee */
	caller = prog_of(&e, "r6 = r1\nr2 = %#llx ll\nr3 = *(u64 *)(r6 + 0)\ncall 12\n"
			 "exit\n", ADDR(pa));
	callee = prog_of(&e, "r0 = 42\nexit\n");
	tc = prog_of(&e2, "r0 = 43\nexit\n");
	T_CHECK(!ubee_map_set_ptr(pa, &k, callee), "slot 0");
	k = 1;
	T_CHECK(!ubee_map_set_ptr(pa, &k, tc), "slot 1");
	T_EQ_U64(run_all(caller, &e, "to slot 0"), 42);
	ctx[0] = 1; /* a program of another type */
	T_EQ_U64(run_all(caller, &e, "another type"), -ENOENT);
	ctx[0] = 2; /* past the end */
	T_EQ_U64(run_all(caller, &e, "past the end"), -ENOENT);
	k = 0;
	ubee_map_set_ptr(pa, &k, NULL);
	ctx[0] = 0; /* empty slot */
	T_EQ_U64(run_all(caller, &e, "empty"), -ENOENT);
	/* A program array the program was not given: unchecked runs see a
	 * failed call; checked runs stop at the argument. */
	wrong = prog_of(&e, "r2 = %#llx ll\nr3 = 0\ncall 12\nexit\n", ADDR(other));
	T_CHECK(!run_mode(wrong, &e, 0, &r0) && r0 == (uint64_t)-ENOENT, "not ours");
	T_CHECK(run_checked(wrong, &e, &r0) == -EFAULT &&
			strstr(logbuf, "3: bpf_tail_call arg2: ") &&
			strstr(logbuf, "is not a map of this program"),
		"checked: %s", logbuf);
out:
	ubee_prog_free(caller);
	ubee_prog_free(callee);
	ubee_prog_free(tc);
	ubee_prog_free(wrong);
	ubee_map_put(pa);
	ubee_map_put(other);
}

/* ---- spin locks ------------------------------------------------------------ */

#define LOCK_THREADS 4
#define LOCK_ROUNDS 2000

static struct ubee_prog *lock_prog;
static struct env lock_env;

static void *lock_worker(void *arg)
{
	uint64_t r0;

	for (int i = 0; i < LOCK_ROUNDS; i++)
		run_mode(lock_prog, &lock_env, (int)(intptr_t)arg, &r0);
	return NULL;
}

/* A map whose value_size values hold a struct bpf_spin_lock at 0 (BTF). */
static struct ubee_map *lock_map_new(uint32_t type, uint32_t value_size)
{
	struct ubee_map *m = map_new(type, 4, value_size, 1, 0);
	uint32_t btf[64];
	size_t n = vcase_spin_lock_btf_raw(value_size, 0, btf);

	if (m && ubee_map_set_btf(m, btf, n, 1, 3)) {
		T_CHECK(0, "ubee_map_set_btf");
		ubee_map_put(m);
		m = NULL;
	}
	return m;
}

/*
 * Checked runs (unverified code) take only the struct bpf_spin_lock of a
 * map value whose BTF has one, and never wait for a lock longer than the
 * run's budget. pre looks up a's value 0 into r6. Leaves a's lock taken.
 */
static void spin_lock_checks(struct ubee_map *a, const char *pre)
{
	struct ubee_map *h = lock_map_new(UBEE_MAP_HASH, 16);
	struct ubee_map *plain = map_new(UBEE_MAP_ARRAY, 4, 16, 1, 0);
	struct ubee_map *maps[3] = { a, h, plain };
	struct env e = { .type = UBEE_PROG_TYPE_SCHED_CLS, .maps = maps, .nr_maps = 3 };
	const char *not_lock = "is not the struct bpf_spin_lock of a map value";
	struct ubee_prog *prog;
	uint64_t v[2] = { 0 }, r0;
	uint32_t k = 0;
	char text[1024];

	if (!h || !plain)
		goto out;
	T_CHECK(!ubee_map_update(h, &k, v, 0), "hash update");
	/* the stack, a word the program wrote 1 into first */
	prog = prog_of(&e, "r1 = r10\nr1 += -8\nr2 = 1\n*(u32 *)(r10 - 8) = r2\n"
		       "call 93\nr0 = 0\nexit\n");
	T_CHECK(run_checked(prog, &e, &r0) == -EINVAL &&
			!strncmp(logbuf, "4: bpf_spin_lock arg1: ", 23) &&
			strstr(logbuf, not_lock),
		"stack: %s", logbuf);
	ubee_prog_free(prog);
	/* a map value, 8 bytes past its lock */
	prog = prog_of(&e, "%sr1 = r6\nr1 += 8\ncall 93\nout:\nr0 = 0\nexit\n", pre);
	T_CHECK(run_checked(prog, &e, &r0) == -EINVAL && strstr(logbuf, not_lock),
		"wrong offset: %s", logbuf);
	ubee_prog_free(prog);
	/* the value of a map without BTF */
	snprintf(text, sizeof(text),
		 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
		 "r2 += -4\ncall 1\nif r0 == 0 goto out\nr1 = r0\ncall 93\n"
		 "out:\nr0 = 0\nexit\n", ADDR(plain));
	prog = prog_of(&e, "%s", text);
	T_CHECK(run_checked(prog, &e, &r0) == -EINVAL && strstr(logbuf, not_lock),
		"no BTF: %s", logbuf);
	ubee_prog_free(prog);
	/* a hash map's value: taken and given back */
	snprintf(text, sizeof(text),
		 "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
		 "r2 += -4\ncall 1\nif r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 93\n"
		 "r1 = r6\ncall 94\nr0 = 7\nout:\nexit\n", ADDR(h));
	prog = prog_of(&e, "%s", text);
	T_CHECK(run_checked(prog, &e, &r0) == 0 && r0 == 7, "hash: %s", logbuf);
	ubee_prog_free(prog);
	/* a lock word the program set: an error within the budget, no hang */
	prog = prog_of(&e, "%sr1 = 1\n*(u32 *)(r6 + 0) = r1\nr1 = r6\ncall 93\n"
		       "r1 = r6\ncall 94\nout:\nr0 = 0\nexit\n", pre);
	T_CHECK(run_checked(prog, &e, &r0) == -ETIME &&
			!strncmp(logbuf, "12: bpf_spin_lock: the lock at ", 31) &&
			strstr(logbuf, "stayed taken"),
		"lock word set: %s", logbuf);
	ubee_prog_free(prog);
out:
	ubee_map_put(h);
	ubee_map_put(plain);
}

static void spin_locks(void)
{
	/* value: { struct bpf_spin_lock lock; u32 pad; u64 a; u64 b } */
	struct ubee_map *a = lock_map_new(UBEE_MAP_ARRAY, 24);
	pthread_t th[LOCK_THREADS];
	struct ubee_prog *prog;
	uint64_t v[3] = { 0 }, r0;
	uint32_t k = 0;
	const char *lookup = "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr1 = %#llx ll\nr2 = r10\n"
			     "r2 += -4\ncall 1\nif r0 == 0 goto out\nr6 = r0\n";
	char pre[512];

	if (!a)
		return;
	snprintf(pre, sizeof(pre), lookup, ADDR(a));
	lock_env = (struct env){ .type = UBEE_PROG_TYPE_SCHED_CLS, .maps = &a, .nr_maps = 1 };
	/* a and b move together under the lock: a non-atomic read-modify-write */
	lock_prog = prog_of(&lock_env,
			    "%sr1 = r6\ncall 93\nr1 = *(u64 *)(r6 + 8)\nr1 += 1\n"
			    "*(u64 *)(r6 + 8) = r1\nr2 = *(u64 *)(r6 + 16)\nr2 += 2\n"
			    "*(u64 *)(r6 + 16) = r2\nr1 = r6\ncall 94\nout:\nr0 = 0\nexit\n",
			    pre);
	for (int i = 0; lock_prog && i < LOCK_THREADS; i++)
		pthread_create(&th[i], NULL, lock_worker, (void *)(intptr_t)(i % T_NR_INTERP));
	for (int i = 0; lock_prog && i < LOCK_THREADS; i++)
		pthread_join(th[i], NULL);
	T_CHECK(!ubee_map_lookup(a, &k, v) && v[1] == LOCK_THREADS * LOCK_ROUNDS &&
			v[2] == 2 * v[1] && v[0] == 0,
		"a %llu b %llu lock %llu", (unsigned long long)v[1],
		(unsigned long long)v[2], (unsigned long long)v[0]);
	ubee_prog_free(lock_prog);

	/* checked: a second lock, an unlock of nothing, an exit holding one */
	prog = prog_of(&lock_env, "%sr1 = r6\ncall 93\nr1 = r6\ncall 93\nout:\nexit\n", pre);
	T_CHECK(run_checked(prog, &lock_env, &r0) == -EINVAL &&
			!strcmp(logbuf, "12: bpf_spin_lock: the lock taken at 10 is still held\n"),
		"twice: %s", logbuf);
	ubee_prog_free(prog);
	prog = prog_of(&lock_env, "%sr1 = r6\ncall 94\nout:\nexit\n", pre);
	T_CHECK(run_checked(prog, &lock_env, &r0) == -EINVAL &&
			strstr(logbuf, "10: bpf_spin_unlock: ") &&
			strstr(logbuf, "is not the lock held"),
		"unlock: %s", logbuf);
	ubee_prog_free(prog);
	prog = prog_of(&lock_env, "%sr1 = r6\ncall 93\nout:\nr0 = 0\nexit\n", pre);
	T_CHECK(run_checked(prog, &lock_env, &r0) == -EINVAL &&
			!strcmp(logbuf, "10: bpf_spin_lock taken here is still held at exit\n"),
		"held at exit: %s", logbuf);
	T_CHECK(!ubee_map_lookup(a, &k, v) && v[0] == 0, "released");
	ubee_prog_free(prog);
	prog = prog_of(&lock_env, "r1 = r10\nr1 += -6\ncall 93\nr0 = 0\nexit\n");
	T_CHECK(run_checked(prog, &lock_env, &r0) == -EFAULT &&
			strstr(logbuf, "is not 4-byte aligned"),
		"misaligned: %s", logbuf);
	ubee_prog_free(prog);
	spin_lock_checks(a, pre);
	ubee_map_put(a);
}

/* ---- the rest --------------------------------------------------------------- */

static void strncmp_helper(void)
{
	char s[16] = "abcd";
	char c[4][8] = { "abcd", "abce", "abc", "abcdx" };
	struct ubee_region r = { c, sizeof(c), 0 };
	struct env e = { .type = UBEE_PROG_TYPE_MEM, .ctx = s,
	                 .ctx_size = sizeof(s), .regions = &r, .nr_regions = 1 };
	static const struct { int which; uint32_t n; int64_t want; } k[] = {
		{ 0, 16, 0 }, { 1, 16, -1 }, { 2, 16, 1 }, { 3, 16, -1 },
		{ 3, 4, 0 }, { 1, 3, 0 },
	};

	for (size_t i = 0; i < N(k); i++) {
		struct ubee_prog *prog = prog_of(&e, "r2 = %u\nr3 = %#llx ll\ncall 182\nexit\n",
						 k[i].n, ADDR(c[k[i].which]));

		T_EQ_U64(run_all(prog, &e, "strncmp"), k[i].want);
		ubee_prog_free(prog);
	}
}

static void cpu_and_clocks(void)
{
	struct env e = { .type = UBEE_PROG_TYPE_XDP };
	struct ubee_prog *prog = prog_of(&e, "call 8\nr6 = r0\ncall 8\nif r0 != r6 goto bad\n"
					 "call 42\nr7 = r0\ncall 208\nif r0 == 0 goto bad\n"
					 "r0 = r6\nexit\nbad:\nr0 = -1\nexit\n");
	uint64_t r0 = run_all(prog, &e, "cpu");

	T_CHECK(r0 < ubee_map_nr_cpus(), "cpu %llu of %u", (unsigned long long)r0,
		ubee_map_nr_cpus());
	ubee_prog_free(prog);
}

static void redirects(void)
{
	struct ubee_map *dev = map_new(UBEE_MAP_ARRAY, 4, 4, 2, 0);
	struct ubee_pkt *pkt = NULL;
	uint8_t frame[60] = { 0 };
	struct env x = { .type = UBEE_PROG_TYPE_XDP, .maps = &dev, .nr_maps = 1 };
	struct env t = { .type = UBEE_PROG_TYPE_SCHED_CLS };
	struct ubee_prog *prog;
	const struct ubee_pkt_redirect *rd;
	uint64_t r0;

	if (!dev)
		return;
	prog = prog_of(&x, "r1 = 7\nr2 = 0\ncall 23\nexit\n");
	T_EQ_U64(run_all(prog, &x, "xdp redirect"), 4);
	if (!ubee_pkt_new(UBEE_PROG_TYPE_XDP, frame, sizeof(frame), NULL, &pkt, NULL)) {
		T_CHECK(!ubee_pkt_run(pkt, prog, NULL, &r0, NULL) && r0 == 4, "run");
		rd = ubee_pkt_get_redirect(pkt);
		T_CHECK(rd->set && rd->ifindex == 7 && !rd->map, "recorded");
		ubee_pkt_free(pkt);
	}
	ubee_prog_free(prog);
	prog = prog_of(&x, "r1 = 7\nr2 = 1\ncall 23\nexit\n");
	T_EQ_U64(run_all(prog, &x, "xdp redirect flags"), 0);
	ubee_prog_free(prog);
	prog = prog_of(&t, "r1 = 7\nr2 = 1\ncall 23\nexit\n");
	T_EQ_U64(run_all(prog, &t, "tc redirect ingress"), 7);
	ubee_prog_free(prog);
	prog = prog_of(&t, "r1 = 7\nr2 = 2\ncall 23\nexit\n");
	T_EQ_U64(run_all(prog, &t, "tc redirect flags"), 2);
	ubee_prog_free(prog);
	/* redirect_map: a present key redirects, else the low bits of flags */
	prog = prog_of(&x, "r1 = %#llx ll\nr2 = 1\nr3 = 2\ncall 51\nexit\n", ADDR(dev));
	T_EQ_U64(run_all(prog, &x, "redirect_map"), 4);
	ubee_prog_free(prog);
	prog = prog_of(&x, "r1 = %#llx ll\nr2 = 5\nr3 = 2\ncall 51\nexit\n", ADDR(dev));
	T_EQ_U64(run_all(prog, &x, "redirect_map missing"), 2);
	ubee_prog_free(prog);
	prog = prog_of(&x, "r1 = %#llx ll\nr2 = 1\nr3 = 64\ncall 51\nexit\n", ADDR(dev));
	T_EQ_U64(run_all(prog, &x, "redirect_map flags"), 0);
	ubee_prog_free(prog);
	/* packet helpers without a packet context */
	prog = prog_of(&x, "r2 = -4\ncall 44\nexit\n");
	T_EQ_U64(run_all(prog, &x, "adjust_head without a packet"), -EOPNOTSUPP);
	ubee_prog_free(prog);
	ubee_map_put(dev);
}

/* Folded 16-bit sum of little-endian 16-bit words, mod 0xffff. */
static uint32_t word_sum(const uint8_t *p, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 0; i < len; i += 2)
		s += p[i] | (i + 1 < len ? p[i + 1] << 8 : 0);
	return (uint32_t)(s % 0xffff);
}

static void csum_diff_values(void)
{
	uint8_t buf[64];
	uint64_t seed = 88172645463325252ull;

	for (int i = 0; i < 200; i++) {
		uint32_t fs = 4 * (uint32_t)(i % 5), ts = 4 * (uint32_t)((i / 5) % 9);
		uint32_t s = (uint32_t)(seed >> 7) & 0xffff, got, want;

		for (size_t k = 0; k < sizeof(buf); k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			buf[k] = (uint8_t)seed;
		}
		got = (uint32_t)ubee_bpf_csum_diff((uintptr_t)buf, fs,
						   (uintptr_t)(buf + 32), ts, s);
		/* to - from + seed, in one's complement arithmetic mod 0xffff */
		want = (uint32_t)(((uint64_t)s + word_sum(buf + 32, ts) +
				   0xffff - word_sum(buf, fs)) % 0xffff);
		T_CHECK(got <= 0xffff && got % 0xffff == want,
			"case %d: 0x%x, want 0x%x mod 0xffff", i, got, want);
	}
}

int main(void)
{
	T_RUN(formats);
	T_RUN(format_pointers);
	T_RUN(probe_reads);
	T_RUN(probe_read_strings);
	T_RUN(probe_read_fallback);
	T_RUN(trace_printk);
	T_RUN(snprintf_helper);
	T_RUN(current_task);
	T_RUN(attachment);
	T_RUN(map_helpers);
	T_RUN(map_values_checked);
	T_RUN(for_each_map_elem);
	T_RUN(ringbuf_helpers);
	T_RUN(perf_event_output);
	T_RUN(tail_calls);
	T_RUN(spin_locks);
	T_RUN(strncmp_helper);
	T_RUN(cpu_and_clocks);
	T_RUN(redirects);
	T_RUN(csum_diff_values);
	return t_summary();
}
