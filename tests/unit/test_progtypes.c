// SPDX-License-Identifier: MIT
/*
 * Program types: the built-in tables (context fields, helper allow-lists,
 * return values) checked for consistency and, where bpf() works, against
 * the running kernel access by access and helper by helper; load-time
 * rejection of helpers a type may not call; types registered by an
 * embedder; packet contexts (xdp_md, __sk_buff) and the packet helpers
 * compared with BPF_PROG_TEST_RUN (adjust_head/meta/tail, skb fields,
 * skb_load/store_bytes, csum_diff). Kernel comparisons skip cleanly when
 * the kernel refuses to load programs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "engines.h"
#include "kbpf.h"
#include "test.h"
#include "ubee/asm.h"
#include "ubee/progtype.h"
#include "helpers/helpers.h"
#include "progtypes/pkt.h"
#include "util/util.h"
#include "vm/vm.h"

#define N(a) UBEE_ARRAY_SIZE(a)

static char logbuf[8192];

/* Assemble printf-formatted text; NULL on failure (the case fails). */
static struct ubee_insn *assemble(size_t *n, const char *fmt, ...)
{
	char text[8192];
	struct ubee_insn *p = NULL;
	struct ubee_log log;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (ubee_asm(text, &p, n, &log)) {
		T_CHECK(0, "asm: %s", logbuf);
		return NULL;
	}
	return p;
}

/* Load insns as type (built-in helpers); the error, log in logbuf. */
static int load(uint32_t type, const struct ubee_insn *p, size_t n,
		struct ubee_prog **out)
{
	/* Type rules checked at load (helper allow-lists...), not the
	 * verifier's: unverified. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .prog_type = type,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_log log;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	return ubee_prog_load(p, n, &po, out, &log);
}

/* ---- the kernel -------------------------------------------------------- */

static int kernel_state; /* 0 unknown, 1 usable, -1 not */
static char kernel_why[256];

/* 1 when programs can be loaded into the kernel; else the case is skipped. */
static int kernel_usable(void)
{
	static const struct ubee_insn p[] = {
		T_INSN(0xb7, 0, 0, 0, 0), T_INSN(0x95, 0, 0, 0, 0),
	};
	int fd;

	if (!kernel_state) {
		fd = kbpf_prog_load(1, p, N(p), NULL, 0);
		kernel_state = fd >= 0 ? 1 : -1;
		if (fd >= 0)
			close(fd);
		else
			snprintf(kernel_why, sizeof(kernel_why),
				 "the kernel refuses BPF programs (%s)", strerror(-fd));
	}
	if (kernel_state < 0)
		t_skip("%s", kernel_why);
	return kernel_state > 0;
}

/* Load into the kernel: fd or -errno; the verifier's log in klog. */
static char klog[1 << 16];
static int kload(uint32_t type, const struct ubee_insn *p, size_t n)
{
	klog[0] = '\0';
	return kbpf_prog_load((int)type, p, n, klog, sizeof(klog));
}

static const uint32_t kernel_types[] = {
	UBEE_PROG_TYPE_SOCKET_FILTER, UBEE_PROG_TYPE_KPROBE,
	UBEE_PROG_TYPE_SCHED_CLS, UBEE_PROG_TYPE_SCHED_ACT,
	UBEE_PROG_TYPE_TRACEPOINT, UBEE_PROG_TYPE_XDP,
	UBEE_PROG_TYPE_PERF_EVENT, UBEE_PROG_TYPE_RAW_TRACEPOINT,
};

/* ---- the tables -------------------------------------------------------- */

static void builtin_tables(void)
{
	static const char *const names[] = {
		"mem", "socket_filter", "kprobe", "sched_cls", "sched_act",
		"tracepoint", "xdp", "perf_event", "raw_tracepoint",
		"cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit",
		"sock_ops", "sk_skb", "sk_msg", "cgroup_sock_addr",
		"flow_dissector",
	};
	const struct ubee_prog_type *t;
	size_t i;

	for (i = 0; i < N(names); i++) {
		t = ubee_prog_type_by_name(names[i]);
		T_CHECK(t && ubee_prog_type_find(t->id) == t, "type %s", names[i]);
	}
	T_CHECK(ubee_prog_type_find(0) == ubee_prog_type_by_name("mem"), "mem is 0");
	T_CHECK(ubee_prog_type_find(6) == ubee_prog_type_by_name("xdp"), "xdp is 6");
	T_CHECK(!ubee_prog_type_find(99) && !ubee_prog_type_by_name("nope") &&
			!ubee_prog_type_by_name(NULL),
		"unknown types");
	for (i = 0; (t = ubee_prog_type_at(i)); i++) {
		uint64_t end = 0;

		for (size_t f = 0; f < t->nr_fields; f++) {
			const struct ubee_ctx_field *fl = &t->fields[f];

			T_CHECK(fl->off >= end && fl->size &&
					fl->off + fl->size <= t->ctx_size && fl->read,
				"%s: field %s", t->name, fl->name);
			end = fl->off + fl->size;
		}
		for (size_t h = 0; h < t->nr_helpers; h++) {
			T_CHECK(!h || t->helpers[h] > t->helpers[h - 1],
				"%s: helpers not ascending at %zu", t->name, h);
			T_CHECK(ubee_helper_lookup(NULL, t->helpers[h]) != NULL,
				"%s: helper %d is not built in", t->name, t->helpers[h]);
		}
	}
	T_EQ_U64(i, N(names));
	T_CHECK(ubee_prog_type_at(i) == NULL, "past the end");
}

/* Every built-in helper has the kernel's id for its name (linux/bpf.h). */
static void helper_ids_match_uapi(void)
{
#define K(x) { BPF_FUNC_##x, "bpf_" #x }
	static const struct { int id; const char *name; } k[] = {
		K(map_lookup_elem), K(map_update_elem), K(map_delete_elem),
		K(probe_read), K(ktime_get_ns), K(trace_printk),
		K(get_prandom_u32), K(get_smp_processor_id), K(skb_store_bytes),
		K(tail_call), K(get_current_pid_tgid), K(get_current_uid_gid),
		K(get_current_comm), K(redirect), K(perf_event_output),
		K(skb_load_bytes), K(csum_diff), K(get_numa_node_id),
		K(xdp_adjust_head), K(probe_read_str), K(redirect_map),
		K(xdp_adjust_meta), K(xdp_adjust_tail), K(map_push_elem),
		K(map_pop_elem), K(map_peek_elem), K(spin_lock), K(spin_unlock),
		K(send_signal), K(probe_read_user), K(probe_read_kernel),
		K(probe_read_user_str), K(probe_read_kernel_str),
		K(send_signal_thread), K(jiffies64), K(ktime_get_boot_ns),
		K(ringbuf_output), K(ringbuf_reserve), K(ringbuf_submit),
		K(ringbuf_discard), K(ringbuf_query), K(ktime_get_coarse_ns),
		K(for_each_map_elem), K(snprintf), K(get_func_ip),
		K(get_attach_cookie), K(trace_vprintk), K(loop), K(strncmp),
		K(map_lookup_percpu_elem), K(ktime_get_tai_ns),
	};
#undef K
	const struct ubee_helper *b;
	size_t n;

	b = ubee_builtin_helpers(&n);
	T_EQ_U64(n, N(k));
	for (size_t i = 0; i < N(k); i++) {
		const struct ubee_helper *h = ubee_helper_lookup(NULL, k[i].id);

		T_CHECK(h && !strcmp(h->name, k[i].name), "%s is %d, ubee has %s",
			k[i].name, k[i].id, h ? h->name : "nothing");
	}
	for (size_t i = 1; i < n; i++)
		T_CHECK(b[i].id > b[i - 1].id, "not sorted at %d", b[i].id);
}

static void ctx_access_rules(void)
{
	const struct ubee_prog_type *xdp = ubee_prog_type_find(UBEE_PROG_TYPE_XDP);
	const struct ubee_prog_type *sf = ubee_prog_type_find(UBEE_PROG_TYPE_SOCKET_FILTER);
	const struct ubee_prog_type *tc = ubee_prog_type_find(UBEE_PROG_TYPE_SCHED_CLS);
	const struct ubee_prog_type *kp = ubee_prog_type_find(UBEE_PROG_TYPE_KPROBE);
	const struct ubee_prog_type *tp = ubee_prog_type_find(UBEE_PROG_TYPE_TRACEPOINT);
	const struct ubee_prog_type *pe = ubee_prog_type_find(UBEE_PROG_TYPE_PERF_EVENT);
	const struct ubee_prog_type *mem = ubee_prog_type_find(UBEE_PROG_TYPE_MEM);
	const struct ubee_ctx_field *f;

	T_CHECK(!ubee_prog_type_ctx_access(xdp, 0, 4, 0, &f) && f &&
			f->kind == UBEE_CTX_PKT && !strcmp(f->name, "data"),
		"xdp data");
	T_CHECK(!ubee_prog_type_ctx_access(xdp, 4, 4, 0, &f) && f->kind == UBEE_CTX_PKT_END,
		"xdp data_end");
	T_EQ_U64(ubee_prog_type_ctx_access(xdp, 0, 2, 0, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(xdp, 0, 4, 1, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(xdp, 20, 4, 0, NULL), -EACCES); /* egress */
	T_EQ_U64(ubee_prog_type_ctx_access(xdp, 24, 4, 0, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(sf, 76, 4, 0, NULL), -EACCES); /* data */
	T_EQ_U64(ubee_prog_type_ctx_access(sf, 8, 4, 1, NULL), -EACCES);  /* mark */
	T_EQ_U64(ubee_prog_type_ctx_access(sf, 48, 8, 1, NULL), 0);       /* cb */
	T_EQ_U64(ubee_prog_type_ctx_access(sf, 64, 8, 0, NULL), -EACCES); /* past cb */
	T_EQ_U64(ubee_prog_type_ctx_access(sf, 2, 2, 0, NULL), 0);        /* narrow */
	T_EQ_U64(ubee_prog_type_ctx_access(sf, 2, 4, 0, NULL), -EACCES);  /* unaligned */
	T_EQ_U64(ubee_prog_type_ctx_access(tc, 8, 4, 1, NULL), 0);
	T_EQ_U64(ubee_prog_type_ctx_access(tc, 8, 2, 1, NULL), -EACCES);
	T_CHECK(!ubee_prog_type_ctx_access(tc, 76, 4, 0, &f) && f->kind == UBEE_CTX_PKT,
		"tc data");
	T_CHECK(!ubee_prog_type_ctx_access(tc, 168, 8, 0, &f) &&
			f->kind == UBEE_CTX_SOCK_OR_NULL,
		"tc sk");
	T_EQ_U64(ubee_prog_type_ctx_access(kp, 160, 8, 0, NULL), 0);
	T_EQ_U64(ubee_prog_type_ctx_access(kp, 164, 8, 0, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(kp, 0, 8, 1, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(tp, 0, 8, 0, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(tp, 8, 8, 0, NULL), 0);
	T_EQ_U64(ubee_prog_type_ctx_access(pe, 0, 4, 0, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(pe, 168, 4, 0, NULL), 0);
	T_EQ_U64(ubee_prog_type_ctx_access(mem, 12345, 8, 1, NULL), 0);
	T_EQ_U64(ubee_prog_type_ctx_access(mem, 0, 3, 0, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(NULL, 0, 4, 0, NULL), -EACCES);
}

/* One context access of the kernel: 1 accepted, 0 refused. */
static int kernel_access(uint32_t type, uint32_t off, uint32_t size, int write)
{
	static const uint8_t sz[9] = { [1] = 0x10, [2] = 0x08, [4] = 0x00, [8] = 0x18 };
	struct ubee_insn p[4] = {
		T_INSN(0xb7, 2, 0, 0, 0),
		write ? (struct ubee_insn)T_INSN(0x63 | sz[size], 1, 2, (int16_t)off, 0) :
			(struct ubee_insn)T_INSN(0x61 | sz[size], 0, 1, (int16_t)off, 0),
		T_INSN(0xb7, 0, 0, 0, 0), T_INSN(0x95, 0, 0, 0, 0),
	};
	int fd = kbpf_prog_load((int)type, p, N(p), NULL, 0);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static void ctx_access_vs_kernel(void)
{
	if (!kernel_usable())
		return;
	for (size_t i = 0; i < N(kernel_types); i++) {
		const struct ubee_prog_type *t = ubee_prog_type_find(kernel_types[i]);
		uint32_t end = t->ctx_size + 8;
		int diffs = 0;

		for (uint32_t off = 0; off < end && diffs < 3; off++) {
			/* The tracepoint's 8 KiB: its start and its end. */
			if (t->id == UBEE_PROG_TYPE_TRACEPOINT && off == 64)
				off = t->ctx_size - 16;
			for (uint32_t size = 1; size <= 8; size *= 2) {
				for (int w = 0; w < 2; w++) {
					int k = kernel_access(t->id, off, size, w);
					int u = !ubee_prog_type_ctx_access(t, off, size, w, NULL);

					if (k != u && diffs++ < 3)
						T_CHECK(0, "%s: %s of %u at %u: kernel %d ubee %d",
							t->name, w ? "write" : "read", size,
							off, k, u);
				}
			}
		}
	}
}

/* Does the kernel let a program of type call helper id? */
static int kernel_allows(uint32_t type, int32_t id)
{
	const struct ubee_insn p[] = {
		T_INSN(0xb7, 1, 0, 0, 0), T_INSN(0xb7, 2, 0, 0, 0),
		T_INSN(0xb7, 3, 0, 0, 0), T_INSN(0xb7, 4, 0, 0, 0),
		T_INSN(0xb7, 5, 0, 0, 0), T_INSN(0x85, 0, 0, 0, id),
		T_INSN(0xb7, 0, 0, 0, 0), T_INSN(0x95, 0, 0, 0, 0),
	};
	int fd = kload(type, p, N(p));

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	/* Refused for its arguments, not for the helper itself. */
	return !strstr(klog, "cannot use helper") && !strstr(klog, "unknown func") &&
	       !strstr(klog, "invalid func");
}

static void helpers_vs_kernel(void)
{
	const struct ubee_helper *b;
	size_t nb;

	if (!kernel_usable())
		return;
	b = ubee_builtin_helpers(&nb);
	for (size_t i = 0; i < N(kernel_types); i++) {
		const struct ubee_prog_type *t = ubee_prog_type_find(kernel_types[i]);

		for (size_t h = 0; h < nb; h++) {
			int k = kernel_allows(t->id, b[h].id);
			int u = ubee_prog_type_allows_helper(t, b[h].id);

			T_CHECK(k == u, "%s: %s (%d): kernel %d ubee %d", t->name,
				b[h].name, b[h].id, k, u);
		}
	}
}

/* ---- loading ----------------------------------------------------------- */

static uint64_t h_custom(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			 uint64_t r5)
{
	return 77;
}

static void load_checks_helpers(void)
{
	struct ubee_insn *p;
	struct ubee_prog *prog = NULL;
	size_t n;
	int err;

	p = assemble(&n, "r0 = 0\nr1 = 0\ncall 26\nexit\n");
	if (!p)
		return;
	err = load(UBEE_PROG_TYPE_XDP, p, n, &prog);
	T_CHECK(err == -EACCES &&
			!strcmp(logbuf, "2: program of this type cannot use helper bpf_skb_load_bytes#26 (type xdp)\n"),
		"xdp + skb_load_bytes: %d %s", err, logbuf);
	err = load(UBEE_PROG_TYPE_SCHED_CLS, p, n, &prog);
	T_CHECK(!err && ubee_prog_get_type(prog) ==
				ubee_prog_type_find(UBEE_PROG_TYPE_SCHED_CLS),
		"tc + skb_load_bytes: %d %s", err, logbuf);
	ubee_prog_free(prog);
	prog = NULL;
	err = load(UBEE_PROG_TYPE_KPROBE, p, n, &prog);
	T_CHECK(err == -EACCES &&
			!strcmp(logbuf, "2: program of this type cannot use helper bpf_skb_load_bytes#26 (type kprobe)\n"),
		"kprobe: %d %s", err, logbuf);
	err = load(UBEE_PROG_TYPE_MEM, p, n, &prog);
	T_CHECK(err == -EACCES &&
			!strcmp(logbuf, "2: program of this type cannot use helper bpf_skb_load_bytes#26 (type mem)\n"),
		"mem: %d %s", err, logbuf);
	p[2].imm = 211; /* no such helper here */
	err = load(UBEE_PROG_TYPE_XDP, p, n, &prog);
	T_CHECK(err == -EINVAL && !strcmp(logbuf, "2: invalid func unknown#211\n"),
		"unknown: %d %s", err, logbuf);
	err = load(99, p, n, &prog);
	T_CHECK(err == -EINVAL && !strcmp(logbuf, "0: unknown program type 99\n"),
		"unknown type: %d %s", err, logbuf);

	/* Embedder helpers (ids from 1000) are open to every type. */
	{
		struct ubee_helpers *reg = ubee_helpers_new();
		struct ubee_helper h = { UBEE_HELPER_CUSTOM_FIRST, "my_helper",
					 h_custom, UBEE_RET_INTEGER, { 0 } };
		struct ubee_prog_opts po = { .sz = sizeof(po), .helpers = reg,
					     .prog_type = UBEE_PROG_TYPE_XDP };
		struct ubee_run_opts ro = { .sz = sizeof(ro), .flags = UBEE_RUN_CHECKED };
		uint64_t r0 = 0;

		T_CHECK(reg && !ubee_helpers_add(reg, &h), "registry");
		p[2].imm = UBEE_HELPER_CUSTOM_FIRST;
		err = ubee_prog_load(p, n, &po, &prog, NULL);
		T_CHECK(!err, "custom helper in xdp: %d", err);
		if (!err) {
			T_CHECK(!ubee_prog_run(prog, &ro, &r0, NULL) && r0 == 77, "ran");
			ubee_prog_free(prog);
		}
		ubee_helpers_free(reg);
	}
	ubee_insns_free(p);
}

static void custom_type_registration(void)
{
	static const struct ubee_ctx_field fields[] = {
		{ "in", 0, 8, UBEE_CTX_SZ_ANY, 0, UBEE_CTX_SCALAR },
		{ "out", 8, 8, UBEE_CTX_SZ_8, UBEE_CTX_SZ_8, UBEE_CTX_SCALAR },
	};
	static const int32_t helpers[] = { 5, 181 };
	static const struct ubee_prog_type mine = {
		.id = UBEE_PROG_TYPE_CUSTOM_FIRST + 1, .name = "my_hook",
		.ctx_type = "my_ctx", .ctx_size = 16, .fields = fields,
		.nr_fields = 2, .helpers = helpers, .nr_helpers = 2,
		.ret_min = 0, .ret_max = 1,
	};
	static const struct ubee_ctx_field overlap[] = {
		{ "a", 0, 8, UBEE_CTX_SZ_8, 0, 0 }, { "b", 4, 8, UBEE_CTX_SZ_8, 0, 0 },
	};
	static const int32_t unsorted[] = { 7, 5 };
	struct ubee_prog_type bad = mine;
	struct ubee_insn *p;
	struct ubee_prog *prog = NULL;
	size_t n;
	int err;

	err = ubee_prog_type_register(&mine);
	T_CHECK(!err || err == -EEXIST, "register: %d", err);
	T_EQ_U64(ubee_prog_type_register(&mine), -EEXIST);
	T_CHECK(ubee_prog_type_find(mine.id) == &mine &&
			ubee_prog_type_by_name("my_hook") == &mine,
		"found");
	bad.id++;
	T_EQ_U64(ubee_prog_type_register(&bad), -EEXIST); /* same name */
	bad.name = "other";
	bad.fields = overlap;
	T_EQ_U64(ubee_prog_type_register(&bad), -EINVAL);
	bad.fields = fields;
	bad.helpers = unsorted;
	T_EQ_U64(ubee_prog_type_register(&bad), -EINVAL);
	bad.helpers = helpers;
	bad.id = 7;
	T_EQ_U64(ubee_prog_type_register(&bad), -EINVAL); /* a kernel number */
	bad.id = mine.id + 5;
	bad.ctx_size = 8; /* the fields do not fit */
	T_EQ_U64(ubee_prog_type_register(&bad), -EINVAL);
	T_EQ_U64(ubee_prog_type_register(NULL), -EINVAL);

	T_EQ_U64(ubee_prog_type_ctx_access(&mine, 8, 8, 1, NULL), 0);
	T_EQ_U64(ubee_prog_type_ctx_access(&mine, 0, 8, 1, NULL), -EACCES);
	T_CHECK(ubee_prog_type_ret_ok(&mine, 1) && !ubee_prog_type_ret_ok(&mine, 2),
		"returns");

	p = assemble(&n, "r6 = r1\ncall 5\n*(u64 *)(r6 + 8) = r0\nr0 = 1\nexit\n");
	if (!p)
		return;
	err = load(mine.id, p, n, &prog);
	T_CHECK(!err, "load: %d %s", err, logbuf);
	if (!err) {
		uint64_t ctx[2] = { 0, 0 }, r0 = 0;
		struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = ctx,
					    .ctx_size = sizeof(ctx),
					    .flags = UBEE_RUN_CHECKED };

		T_CHECK(!ubee_prog_run(prog, &ro, &r0, NULL) && r0 == 1 && ctx[1],
			"run: r0 %llu", (unsigned long long)r0);
		T_CHECK(!strcmp(ubee_prog_get_type(prog)->name, "my_hook"), "type");
		ubee_prog_free(prog);
	}
	p[1].imm = 7; /* not on its list */
	err = load(mine.id, p, n, &prog);
	T_CHECK(err == -EACCES &&
			!strcmp(logbuf, "1: program of this type cannot use helper bpf_get_prandom_u32#7 (type my_hook)\n"),
		"not allowed: %d %s", err, logbuf);
	ubee_insns_free(p);
}

static void return_values(void)
{
	const struct ubee_prog_type *xdp = ubee_prog_type_find(UBEE_PROG_TYPE_XDP);
	const struct ubee_prog_type *tc = ubee_prog_type_find(UBEE_PROG_TYPE_SCHED_CLS);
	const struct ubee_prog_type *kp = ubee_prog_type_find(UBEE_PROG_TYPE_KPROBE);

	T_CHECK(ubee_prog_type_ret_ok(xdp, 0) && ubee_prog_type_ret_ok(xdp, 4) &&
			!ubee_prog_type_ret_ok(xdp, 5) &&
			!ubee_prog_type_ret_ok(xdp, 0xffffffff),
		"xdp");
	T_CHECK(ubee_prog_type_ret_ok(tc, 0xffffffff) && ubee_prog_type_ret_ok(tc, 8) &&
			!ubee_prog_type_ret_ok(tc, 9) && !ubee_prog_type_ret_ok(tc, 0xfffffffe),
		"tc");
	T_CHECK(ubee_prog_type_ret_ok(kp, 12345678) && !ubee_prog_type_ret_ok(NULL, 0),
		"kprobe");
}

/* ---- packet contexts --------------------------------------------------- */

/* An Ethernet frame: IPv4/UDP from 10.0.0.1 to 10.0.0.2, len bytes. */
static void make_frame(uint8_t *f, size_t len, const uint8_t dst[6])
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	f[13] = 0x00;
}

static const uint8_t mac_other[6] = { 0x02, 0, 0, 0, 0, 2 };

static void pkt_contexts(void)
{
	uint8_t frame[100];
	struct ubee_pkt *pkt = NULL;
	struct ubee_xdp_md *xdp;
	struct ubee_sk_buff *skb;
	const uint8_t *out;
	size_t len;
	int err;

	make_frame(frame, sizeof(frame), mac_other);
	err = ubee_pkt_new(UBEE_PROG_TYPE_XDP, frame, sizeof(frame), NULL, &pkt, NULL);
	if (err == -EOPNOTSUPP) {
		t_skip("no memory below 4 GiB here");
		return;
	}
	T_CHECK(!err, "xdp: %d", err);
	if (err)
		return;
	xdp = ubee_pkt_ctx(pkt);
	T_EQ_U64(ubee_pkt_ctx_size(pkt), 24);
	T_EQ_U64(xdp->data_end - xdp->data, sizeof(frame));
	T_EQ_U64(xdp->data_meta, xdp->data);
	T_EQ_U64(xdp->ingress_ifindex, 1);
	T_CHECK(!memcmp((void *)(uintptr_t)xdp->data, frame, sizeof(frame)),
		"the u32 data field is the packet's address");
	out = ubee_pkt_data(pkt, &len);
	T_CHECK(len == sizeof(frame) && !memcmp(out, frame, len), "data");
	ubee_pkt_free(pkt);

	err = ubee_pkt_new(UBEE_PROG_TYPE_SCHED_CLS, frame, sizeof(frame), NULL, &pkt, NULL);
	T_CHECK(!err, "tc: %d", err);
	if (!err) {
		skb = ubee_pkt_ctx(pkt);
		T_EQ_U64(ubee_pkt_ctx_size(pkt), 192);
		T_EQ_U64(skb->len, sizeof(frame));
		T_EQ_U64(skb->data_end - skb->data, sizeof(frame));
		T_EQ_U64(skb->protocol, 8); /* htons(ETH_P_IP) */
		T_EQ_U64(skb->pkt_type, 3); /* PACKET_OTHERHOST */
		T_EQ_U64(skb->ifindex, 1);
		T_CHECK(!memcmp((void *)(uintptr_t)skb->data, frame, 4), "tc data");
		ubee_pkt_free(pkt);
	}
	err = ubee_pkt_new(UBEE_PROG_TYPE_SOCKET_FILTER, frame, sizeof(frame), NULL,
			   &pkt, NULL);
	T_CHECK(!err, "socket filter: %d", err);
	if (!err) {
		skb = ubee_pkt_ctx(pkt);
		T_EQ_U64(skb->len, sizeof(frame) - 14);
		T_CHECK(!memcmp((void *)(uintptr_t)skb->data, frame + 14, 4),
			"after the Ethernet header");
		out = ubee_pkt_data(pkt, &len);
		T_CHECK(len == sizeof(frame) && !memcmp(out, frame, len), "whole frame");
		ubee_pkt_free(pkt);
	}
	T_EQ_U64(ubee_pkt_new(UBEE_PROG_TYPE_KPROBE, frame, 20, NULL, &pkt, NULL), -EINVAL);
	T_EQ_U64(ubee_pkt_new(UBEE_PROG_TYPE_XDP, frame, 13, NULL, &pkt, NULL), -EINVAL);
	T_EQ_U64(ubee_pkt_new(UBEE_PROG_TYPE_XDP, frame, UBEE_PKT_MAX_LEN + 1, NULL,
			      &pkt, NULL), -E2BIG);
}

/* Run text as type on frame in ubee (every interpreter mode: same r0 and
 * bytes) and in the kernel; compare. Returns 0 when the kernel is absent. */
static int run_both(uint32_t type, const char *text, const uint8_t *frame,
		    size_t len, const char *what)
{
	static uint8_t kout[8192];
	struct ubee_insn *p;
	struct ubee_prog *prog = NULL;
	size_t n, kout_len = sizeof(kout);
	uint32_t kret = 0;
	int fd, err, ran = 0;

	p = assemble(&n, "%s", text);
	if (!p)
		return 0;
	fd = kload(type, p, n);
	if (fd < 0) {
		T_CHECK(0, "%s: the kernel refused: %s", what, klog);
		goto out;
	}
	err = kbpf_test_run(fd, frame, len, kout, &kout_len, &kret);
	close(fd);
	T_CHECK(!err, "%s: test run: %d", what, err);
	if (load(type, p, n, &prog)) {
		T_CHECK(0, "%s: load: %s", what, logbuf);
		goto out;
	}
	for (int m = 0; m < T_NR_INTERP; m++) {
		struct ubee_run_opts ro = { .sz = sizeof(ro), .flags = t_engines[m].flags };
		struct ubee_pkt *pkt;
		struct ubee_log log;
		const uint8_t *out;
		uint64_t r0 = 0;
		size_t olen;

		if (ubee_pkt_new(type, frame, len, NULL, &pkt, NULL)) {
			T_CHECK(0, "%s: pkt", what);
			break;
		}
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		err = ubee_pkt_run(pkt, prog, &ro, &r0, &log);
		out = ubee_pkt_data(pkt, &olen);
		T_CHECK(!err && (uint32_t)r0 == kret, "%s [%s]: err %d r0 0x%llx, kernel 0x%x %s",
			what, t_engines[m].name, err, (unsigned long long)r0, kret, logbuf);
		/* Socket filters: the kernel hands back a zeroed MAC header. */
		if (type == UBEE_PROG_TYPE_SOCKET_FILTER) {
			out += 14;
			olen -= 14;
			kout_len -= kout_len >= 14 ? 14 : kout_len;
			memmove(kout, kout + 14, kout_len);
		}
		T_CHECK(olen == kout_len && !memcmp(out, kout, olen),
			"%s [%s]: packet of %zu bytes, kernel %zu", what,
			t_engines[m].name, olen, kout_len);
		if (type == UBEE_PROG_TYPE_SOCKET_FILTER) {
			memmove(kout + 14, kout, kout_len);
			kout_len += 14;
		}
		ubee_pkt_free(pkt);
	}
	ran = 1;
out:
	ubee_prog_free(prog);
	ubee_insns_free(p);
	return ran;
}

static void xdp_adjust_vs_kernel(void)
{
	static const int head[] = { -300, -257, -256, -217, -216, -215, -40, -1, 0,
				    1, 49, 50, 51, 64, 1000 };
	static const int meta[] = { 4, 1, -1, -2, -4, -8, -32, -36, -64, -252,
				    -256, -216, -220, -260 };
	static const int tail[] = { -100, -51, -50, -1, 0, 1, 7, 3456, 3457, 5000 };
	uint8_t frame[64];
	char text[512], what[64];

	if (!kernel_usable())
		return;
	make_frame(frame, sizeof(frame), mac_other);
	for (size_t i = 0; i < N(head); i++) {
		snprintf(text, sizeof(text), "r2 = %d\ncall 44\nexit\n", head[i]);
		snprintf(what, sizeof(what), "adjust_head(%d)", head[i]);
		run_both(UBEE_PROG_TYPE_XDP, text, frame, sizeof(frame), what);
	}
	for (size_t i = 0; i < N(meta); i++) {
		snprintf(text, sizeof(text), "r2 = %d\ncall 54\nexit\n", meta[i]);
		snprintf(what, sizeof(what), "adjust_meta(%d)", meta[i]);
		run_both(UBEE_PROG_TYPE_XDP, text, frame, sizeof(frame), what);
	}
	for (size_t i = 0; i < N(tail); i++) {
		snprintf(text, sizeof(text), "r2 = %d\ncall 65\nexit\n", tail[i]);
		snprintf(what, sizeof(what), "adjust_tail(%d)", tail[i]);
		run_both(UBEE_PROG_TYPE_XDP, text, frame, sizeof(frame), what);
	}
	/* Metadata then a head move: the metadata moves along. */
	for (int d = -40; d <= 40; d += 20) {
		snprintf(text, sizeof(text),
			 "r6 = r1\nr2 = -8\ncall 54\nif r0 != 0 goto out\n"
			 "r2 = *(u32 *)(r6 + 8)\nr3 = *(u32 *)(r6 + 0)\n"
			 "r5 = r2\nr5 += 8\nif r5 > r3 goto out\n"
			 "r4 = 0x1122334455667788 ll\n*(u64 *)(r2 + 0) = r4\n"
			 "r1 = r6\nr2 = %d\ncall 44\nif r0 != 0 goto out\n"
			 "r2 = *(u32 *)(r6 + 8)\nr3 = *(u32 *)(r6 + 0)\n"
			 "r0 = r3\nr0 -= r2\n"
			 "r5 = r2\nr5 += 8\nif r5 > r3 goto out\n"
			 "r4 = *(u32 *)(r2 + 0)\nr0 += r4\n"
			 "out:\nexit\n",
			 d);
		snprintf(what, sizeof(what), "meta, then head %d", d);
		run_both(UBEE_PROG_TYPE_XDP, text, frame, sizeof(frame), what);
	}
}

static void skb_fields_vs_kernel(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	static const uint8_t zero[6];
	static const uint8_t *const dsts[] = { mac_other, bcast, mcast, zero };
	/* len, pkt_type, mark, queue_mapping, protocol, vlan_*, priority,
	 * ingress_ifindex, ifindex, tc_index, cb[0], hash, napi_id */
	static const int offs[] = { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44,
				    48, 68, 84 };
	static const uint32_t types[] = { UBEE_PROG_TYPE_SOCKET_FILTER,
					  UBEE_PROG_TYPE_SCHED_CLS };
	uint8_t frame[80];
	char text[512], what[64];

	if (!kernel_usable())
		return;
	for (size_t d = 0; d < N(dsts); d++) {
		make_frame(frame, sizeof(frame), dsts[d]);
		if (d == 3) { /* an 802.3 frame: a length, then LLC */
			frame[12] = 0;
			frame[13] = 60;
		}
		for (size_t t = 0; t < N(types); t++) {
			for (size_t o = 0; o < N(offs); o++) {
				snprintf(text, sizeof(text), "r0 = *(u32 *)(r1 + %d)\nexit\n",
					 offs[o]);
				snprintf(what, sizeof(what), "%s dst %zu field at %d",
					 types[t] == 1 ? "socket_filter" : "tc", d, offs[o]);
				run_both(types[t], text, frame, sizeof(frame), what);
			}
		}
		run_both(UBEE_PROG_TYPE_SCHED_CLS,
			 "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\n"
			 "r4 = *(u32 *)(r1 + 140)\nr0 = r3\nr0 -= r2\n"
			 "if r4 == r2 goto out\nr0 = 999\nout:\nexit\n",
			 frame, sizeof(frame), "tc data pointers");
	}
}

static void skb_bytes_vs_kernel(void)
{
	static const int offs[] = { 0, 1, 13, 14, 50, 62, 63, 64, 65, -1, 0x7fffffff };
	static const int lens[] = { 1, 2, 3, 4, 8 };
	static const uint32_t types[] = { UBEE_PROG_TYPE_SOCKET_FILTER,
					  UBEE_PROG_TYPE_SCHED_CLS };
	uint8_t frame[80];
	char text[1024], what[96];

	if (!kernel_usable())
		return;
	make_frame(frame, sizeof(frame), mac_other);
	for (size_t t = 0; t < N(types); t++) {
		for (size_t o = 0; o < N(offs); o++) {
			for (size_t l = 0; l < N(lens); l++) {
				/* the bytes read (or the error) come back in r0 */
				snprintf(text, sizeof(text),
					 "r2 = 0x5555555555555555 ll\n*(u64 *)(r10 - 8) = r2\n"
					 "r2 = %d\nr3 = r10\nr3 += -8\nr4 = %d\ncall 26\n"
					 "if r0 != 0 goto out\nr0 = *(u64 *)(r10 - 8)\n"
					 "out:\nexit\n",
					 offs[o], lens[l]);
				snprintf(what, sizeof(what), "%s load_bytes(%d, %d)",
					 types[t] == 1 ? "socket_filter" : "tc", offs[o], lens[l]);
				run_both(types[t], text, frame, sizeof(frame), what);
			}
		}
	}
	/* Stores (tc only), with the flags the kernel knows and one it does not. */
	for (size_t o = 0; o < N(offs); o++) {
		for (int flags = 0; flags < 8; flags += flags == 3 ? 5 : 1) {
			snprintf(text, sizeof(text),
				 "r2 = 0x1122334455667788 ll\n*(u64 *)(r10 - 8) = r2\n"
				 "r2 = %d\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = %d\ncall 9\n"
				 "exit\n",
				 offs[o], flags);
			snprintf(what, sizeof(what), "store_bytes(%d, 4, %d)", offs[o], flags);
			run_both(UBEE_PROG_TYPE_SCHED_CLS, text, frame, sizeof(frame), what);
		}
	}
}

static void csum_diff_vs_kernel(void)
{
	static const struct { int from, to; } sizes[] = {
		{ 0, 4 }, { 4, 0 }, { 4, 4 }, { 8, 4 }, { 12, 20 }, { 0, 60 },
		{ 60, 0 }, { 32, 32 }, { 64, 64 }, { 2, 4 }, { 4, 6 },
	};
	uint8_t frame[64];
	char text[4096], what[64];
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	if (!kernel_usable())
		return;
	make_frame(frame, sizeof(frame), mac_other);
	for (size_t i = 0; i < N(sizes); i++) {
		for (int s = 0; s < 3; s++) {
			int len = 0;

			/* 64 bytes of "from" at r10-128, 64 of "to" at r10-64 */
			for (int k = 0; k < 16; k++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				len += snprintf(text + len, sizeof(text) - (size_t)len,
						"r1 = %#llx ll\n*(u64 *)(r10 - %d) = r1\n",
						(unsigned long long)seed, 8 * (k + 1));
			}
			snprintf(text + len, sizeof(text) - (size_t)len,
				 "r1 = r10\nr1 += -128\nr2 = %d\nr3 = r10\nr3 += -64\n"
				 "r4 = %d\nr5 = %#x\ncall 28\nexit\n",
				 sizes[i].from, sizes[i].to,
				 s == 0 ? 0 : s == 1 ? 0xffff : (unsigned)(seed >> 40));
			snprintf(what, sizeof(what), "csum_diff(%d, %d) seed %d",
				 sizes[i].from, sizes[i].to, s);
			run_both(UBEE_PROG_TYPE_SCHED_CLS, text, frame, sizeof(frame), what);
		}
	}
}

int main(void)
{
	T_RUN(builtin_tables);
	T_RUN(helper_ids_match_uapi);
	T_RUN(ctx_access_rules);
	T_RUN(ctx_access_vs_kernel);
	T_RUN(helpers_vs_kernel);
	T_RUN(load_checks_helpers);
	T_RUN(custom_type_registration);
	T_RUN(return_values);
	T_RUN(pkt_contexts);
	T_RUN(xdp_adjust_vs_kernel);
	T_RUN(skb_fields_vs_kernel);
	T_RUN(skb_bytes_vs_kernel);
	T_RUN(csum_diff_vs_kernel);
	return t_summary();
}
