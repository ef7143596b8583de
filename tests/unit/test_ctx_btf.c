// SPDX-License-Identifier: MIT
/*
 * ubee's context types as BTF (ubee_prog_type_btf) and CO-RE against it:
 *  - the BTF builder (src/btf/btf_build.c): every kind it adds read back
 *    through ubee_btf_parse and the queries, its argument errors (sticky
 *    until finish), failing allocations;
 *  - the context BTF: its bytes parse (and bpftool reads them, where
 *    installed), each struct's size and each member's offset and size are
 *    the C layout's (offsetof/sizeof of include/ubee/progtype.h), each
 *    program type's context id names its ctx_type;
 *  - the same structs in /sys/kernel/btf/vmlinux: member names, offsets
 *    and sizes identical (skipped without vmlinux);
 *  - $BUILD/bpf/core_ctx.<cpu>.o (tests/bpf/core_ctx.c), whose programs
 *    read their contexts through reordered ___local flavours: loaded with
 *    no vmlinux (vmlinux_btf ""), with the kernel's, and with a target
 *    BTF whose __sk_buff is wrong (ubee's context types win every time),
 *    then run with BPF_PROG_TEST_RUN semantics on every engine; a
 *    relocation on a field no context has fails naming the program,
 *    instruction and type.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf/btf_build.h"
#include "engines.h"
#include "test.h"
#include "testfile.h"
#include "ubee/btf.h"
#include "ubee/object.h"
#include "ubee/progtype.h"
#include "util/util.h"

static const char *const cpus[] = { "v1", "v2", "v3", "v4" };
static const char vmlinux_path[] = "/sys/kernel/btf/vmlinux";

static char lbuf[16384];
static struct ubee_log tlog;

static struct ubee_log *fresh_log(void)
{
	ubee_log_init(&tlog, lbuf, sizeof(lbuf));
	return &tlog;
}

/* ---- the builder ------------------------------------------------------- */

/* Every kind, read back after ubee_btf_parse. */
static void builder_kinds(void)
{
	struct ubee_btf_builder *b = ubee_btf_builder_new();
	struct ubee_btf *btf = NULL;
	struct ubee_btf_type t;
	struct ubee_btf_member m;
	struct ubee_btf_array a;
	struct ubee_btf_int in;
	struct ubee_btf_enum_val ev;
	int u32, ptr, arr, s, un, en, fwd, td, self, err;
	void *data = NULL;
	size_t size = 0;

	T_CHECK(b, "builder_new");
	if (!b)
		return;
	u32 = ubee_btf_add_int(b, "unsigned int", 4, 0);
	fwd = ubee_btf_add_fwd(b, "opaque", 1);
	ptr = ubee_btf_add_ptr(b, 6); /* forward: to the struct below */
	arr = ubee_btf_add_array(b, u32, u32, 3);
	un = ubee_btf_add_union(b, NULL, 4);
	T_EQ_U64(ubee_btf_add_member(b, "word", u32, 0, 0), 0);
	s = ubee_btf_add_struct(b, "node", 32);
	T_EQ_U64(ubee_btf_add_member(b, "next", ptr, 0, 0), 0);
	T_EQ_U64(ubee_btf_add_member(b, "vals", arr, 64, 0), 0);
	T_EQ_U64(ubee_btf_add_member(b, NULL, un, 160, 0), 0);
	T_EQ_U64(ubee_btf_add_member(b, "lo", u32, 192, 3), 0);
	T_EQ_U64(ubee_btf_add_member(b, "hi", u32, 195, 29), 0);
	en = ubee_btf_add_enum(b, "color", 4, 1);
	T_EQ_U64(ubee_btf_add_enum_value(b, "RED", -1), 0);
	T_EQ_U64(ubee_btf_add_enum_value(b, "BLUE", 7), 0);
	td = ubee_btf_add_typedef(b, "node_t", s);
	self = ubee_btf_add_int(b, "unsigned int", 4, 0); /* name stored once */
	T_CHECK(u32 == 1 && fwd == 2 && ptr == 3 && arr == 4 && un == 5 &&
		s == 6 && en == 7 && td == 8 && self == 9,
		"ids %d %d %d %d %d %d %d %d %d", u32, fwd, ptr, arr, un, s, en, td,
		self);
	err = ubee_btf_builder_finish(b, &data, &size);
	T_CHECK(!err && data, "finish: %d", err);
	ubee_btf_builder_free(b);
	if (err)
		return;
	err = ubee_btf_parse(data, size, &btf, fresh_log());
	T_CHECK(!err, "parse: %d %s", err, lbuf);
	if (err)
		goto out;
	T_EQ_U64(ubee_btf_type_count(btf), 10);
	T_CHECK(!ubee_btf_int(btf, 1, &in) && in.bits == 32 && !in.encoding &&
		ubee_btf_size(btf, 1) == 4, "int");
	T_CHECK(!ubee_btf_type(btf, 2, &t) && t.kind == UBEE_BTF_KIND_FWD &&
		t.kflag == 1 && !strcmp(t.name, "opaque"), "fwd");
	T_CHECK(!ubee_btf_type(btf, 3, &t) && t.kind == UBEE_BTF_KIND_PTR &&
		t.type == 6, "ptr");
	T_CHECK(!ubee_btf_array(btf, 4, &a) && a.type == 1 && a.nelems == 3 &&
		ubee_btf_size(btf, 4) == 12, "array");
	T_CHECK(!ubee_btf_type(btf, 5, &t) && t.kind == UBEE_BTF_KIND_UNION &&
		t.vlen == 1 && t.size == 4 && !t.name[0], "union");
	T_CHECK(!ubee_btf_type(btf, 6, &t) && t.kind == UBEE_BTF_KIND_STRUCT &&
		t.vlen == 5 && t.size == 32 && t.kflag == 1, "struct kflag");
	T_CHECK(!ubee_btf_member(btf, 6, 1, &m) && !strcmp(m.name, "vals") &&
		m.bit_offset == 64 && !m.bitfield_size, "member vals");
	T_CHECK(!ubee_btf_member(btf, 6, 2, &m) && !m.name[0] && m.type == 5 &&
		m.bit_offset == 160, "anonymous member");
	T_CHECK(!ubee_btf_member(btf, 6, 4, &m) && !strcmp(m.name, "hi") &&
		m.bit_offset == 195 && m.bitfield_size == 29, "bitfield");
	T_CHECK(!ubee_btf_enum_val(btf, 7, 0, &ev) && !strcmp(ev.name, "RED") &&
		(int64_t)ev.value == -1, "enum RED");
	T_CHECK(!ubee_btf_enum_val(btf, 7, 1, &ev) && ev.value == 7, "enum BLUE");
	T_EQ_U64(ubee_btf_resolve(btf, 8), 6);
	T_EQ_U64(ubee_btf_find(btf, "node_t", UBEE_BTF_KIND_TYPEDEF), 8);
	/* "unsigned int" is stored once in the strings */
	{
		const char *first = memmem(data, size, "unsigned int", 12);

		T_CHECK(first && !memmem(first + 1, size - (size_t)(first + 1 - (const char *)data),
					 "unsigned int", 12), "strings");
	}
out:
	ubee_btf_free(btf);
	ubee_free(data);
}

/* Argument errors: each is -EINVAL (or -E2BIG) and sticks. */
static void builder_errors(void)
{
	static const struct {
		const char *what;
		int expect;
	} cases[] = {
		{ "member without a struct", -EINVAL },
		{ "int of 3 bytes", -EINVAL },
		{ "int without a name", -EINVAL },
		{ "typedef without a name", -EINVAL },
		{ "pointer to a failed add", -EINVAL },
		{ "unsigned enumerator -1", -EINVAL },
		{ "signed enumerator 2^31", -EINVAL },
		{ "member after another type", -EINVAL },
		{ "bitfield past 2^24 bits", -E2BIG },
		{ "array of void", -EINVAL },
	};

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(cases); i++) {
		struct ubee_btf_builder *b = ubee_btf_builder_new();
		void *data = (void *)1;
		size_t size = 1;
		int u, err = 0;

		if (!b) {
			T_CHECK(0, "builder_new");
			return;
		}
		u = ubee_btf_add_int(b, "int", 4, UBEE_BTF_INT_SIGNED);
		switch (i) {
		case 0:
			err = ubee_btf_add_member(b, "x", u, 0, 0);
			break;
		case 1:
			err = ubee_btf_add_int(b, "odd", 3, 0);
			break;
		case 2:
			err = ubee_btf_add_int(b, "", 4, 0);
			break;
		case 3:
			err = ubee_btf_add_typedef(b, NULL, u);
			break;
		case 4:
			err = ubee_btf_add_ptr(b, -EINVAL);
			break;
		case 5:
			ubee_btf_add_enum(b, "e", 4, 0);
			err = ubee_btf_add_enum_value(b, "A", -1);
			break;
		case 6:
			ubee_btf_add_enum(b, "e", 4, 1);
			err = ubee_btf_add_enum_value(b, "A", (int64_t)1 << 31);
			break;
		case 7:
			ubee_btf_add_struct(b, "s", 4);
			ubee_btf_add_ptr(b, u);
			err = ubee_btf_add_member(b, "x", u, 0, 0);
			break;
		case 8:
			ubee_btf_add_struct(b, "s", 1u << 22);
			ubee_btf_add_member(b, "x", u, 1u << 24, 0);
			err = ubee_btf_add_member(b, "y", u, 0, 3);
			break;
		case 9:
			err = ubee_btf_add_array(b, 0, u, 1);
			break;
		}
		T_CHECK(err == cases[i].expect, "%s: %d", cases[i].what, err);
		/* sticky: later adds and finish report the first error */
		T_CHECK(ubee_btf_add_int(b, "fine", 4, 0) == cases[i].expect &&
			ubee_btf_builder_finish(b, &data, &size) == cases[i].expect &&
			!data && !size, "%s: not sticky", cases[i].what);
		ubee_btf_builder_free(b);
	}
	ubee_btf_builder_free(NULL);
}

/* Failing allocations: -ENOMEM from an add or finish, never a crash or
 * a half-written result; the context BTF then builds at some point. */
static void builder_oom(void)
{
	int built = 0;
	long n;

	for (n = 0; n < 200 && !built; n++) {
		struct ubee_btf_builder *b;
		void *data = NULL;
		size_t size = 0;
		int err, s;

		ubee_fail_alloc_after(n);
		b = ubee_btf_builder_new();
		if (!b) {
			ubee_fail_alloc_after(-1);
			T_CHECK(errno == ENOMEM, "new: errno %d", errno);
			continue;
		}
		ubee_btf_add_int(b, "int", 4, UBEE_BTF_INT_SIGNED);
		s = ubee_btf_add_struct(b, "a_rather_long_struct_name_to_grow_strings", 8);
		for (int i = 0; i < 40; i++) {
			char name[16];

			snprintf(name, sizeof(name), "m%d", i);
			ubee_btf_add_member(b, name, 1, 0, 0);
		}
		err = ubee_btf_builder_finish(b, &data, &size);
		ubee_fail_alloc_after(-1);
		T_CHECK(err == 0 || err == -ENOMEM, "after %ld: %d", n, err);
		T_CHECK(!err || (!data && !size), "after %ld: output on error", n);
		if (!err) {
			struct ubee_btf *btf = NULL;

			T_CHECK(s == 2 && !ubee_btf_parse(data, size, &btf, fresh_log()),
				"after %ld: %s", n, lbuf);
			ubee_btf_free(btf);
			built = 1;
		}
		ubee_free(data);
		ubee_btf_builder_free(b);
	}
	T_CHECK(built && n > 3, "never built (%ld tries)", n);
}

/* ---- the context BTF --------------------------------------------------- */

/*
 * Member name of composite id, looked for through anonymous members (as
 * CO-RE does): 1 and its absolute bit offset and member record, or 0.
 */
static int find_flat(const struct ubee_btf *btf, uint32_t id, const char *name,
		     uint64_t base, uint64_t *bit_off, struct ubee_btf_member *out)
{
	struct ubee_btf_type t;

	if (ubee_btf_type(btf, id, &t))
		return 0;
	for (uint32_t i = 0; i < t.vlen; i++) {
		struct ubee_btf_member m;
		int r;

		if (ubee_btf_member(btf, id, i, &m))
			return 0;
		if (m.name[0] && !strcmp(m.name, name)) {
			*bit_off = base + m.bit_offset;
			*out = m;
			return 1;
		}
		r = ubee_btf_resolve(btf, m.type);
		if (!m.name[0] && r > 0 &&
		    find_flat(btf, (uint32_t)r, name, base + m.bit_offset, bit_off, out))
			return 1;
	}
	return 0;
}

/* Named members, anonymous ones looked through. */
static size_t count_flat(const struct ubee_btf *btf, uint32_t id)
{
	struct ubee_btf_type t;
	size_t n = 0;

	if (ubee_btf_type(btf, id, &t))
		return 0;
	for (uint32_t i = 0; i < t.vlen; i++) {
		struct ubee_btf_member m;

		if (ubee_btf_member(btf, id, i, &m))
			break;
		if (m.name[0])
			n++;
		else if (ubee_btf_resolve(btf, m.type) > 0)
			n += count_flat(btf, (uint32_t)ubee_btf_resolve(btf, m.type));
	}
	return n;
}

struct exp_member {
	const char *name;
	size_t off, size;
};

struct exp_struct {
	const char *name;
	size_t size;
	const struct exp_member *m;
	size_t n;
};

#define EM(T, f) { #f, offsetof(T, f), sizeof(((T *)0)->f) }
#define EM_AS(name, T, f) { name, offsetof(T, f), sizeof(((T *)0)->f) }
#define ES(name, size, a) { name, size, a, UBEE_ARRAY_SIZE(a) }

static const struct exp_member xdp_m[] = {
	EM(struct ubee_xdp_md, data), EM(struct ubee_xdp_md, data_end),
	EM(struct ubee_xdp_md, data_meta), EM(struct ubee_xdp_md, ingress_ifindex),
	EM(struct ubee_xdp_md, rx_queue_index), EM(struct ubee_xdp_md, egress_ifindex),
};

#define SKB(f) EM(struct ubee_sk_buff, f)
static const struct exp_member skb_m[] = {
	SKB(len), SKB(pkt_type), SKB(mark), SKB(queue_mapping), SKB(protocol),
	SKB(vlan_present), SKB(vlan_tci), SKB(vlan_proto), SKB(priority),
	SKB(ingress_ifindex), SKB(ifindex), SKB(tc_index), SKB(cb), SKB(hash),
	SKB(tc_classid), SKB(data), SKB(data_end), SKB(napi_id), SKB(family),
	SKB(remote_ip4), SKB(local_ip4), SKB(remote_ip6), SKB(local_ip6),
	SKB(remote_port), SKB(local_port), SKB(data_meta), SKB(flow_keys),
	SKB(tstamp), SKB(wire_len), SKB(gso_segs), SKB(sk), SKB(gso_size),
	SKB(tstamp_type), SKB(hwtstamp),
};

#if defined(__aarch64__)
#define REG(f) EM(struct ubee_pt_regs, f)
static const struct exp_member regs_m[] = { REG(regs), REG(sp), REG(pc), REG(pstate) };
#else
#define REG(f) EM(struct ubee_pt_regs, f)
static const struct exp_member regs_m[] = {
	REG(r15), REG(r14), REG(r13), REG(r12), REG(bp), REG(bx), REG(r11),
	REG(r10), REG(r9), REG(r8), REG(ax), REG(cx), REG(dx), REG(si), REG(di),
	REG(orig_ax), REG(ip), REG(cs), REG(flags), REG(sp), REG(ss),
};
#endif

static const struct exp_member perf_m[] = {
	EM(struct ubee_perf_event_data, regs),
	EM(struct ubee_perf_event_data, sample_period),
	EM(struct ubee_perf_event_data, addr),
};

static const struct exp_member raw_tp_m[] = { { "args", 0, 0 } };

static const struct exp_member trace_m[] = {
	EM(struct ubee_trace_common, type), EM(struct ubee_trace_common, flags),
	EM(struct ubee_trace_common, preempt_count), EM(struct ubee_trace_common, pid),
};

/* "long id" spans the C view's int nr and its padding. */
static const struct exp_member enter_m[] = {
	EM_AS("ent", struct ubee_sys_enter_ctx, common),
	{ "id", offsetof(struct ubee_sys_enter_ctx, nr), 8 },
	EM(struct ubee_sys_enter_ctx, args),
	{ "__data", sizeof(struct ubee_sys_enter_ctx), 0 },
};

static const struct exp_member exit_m[] = {
	EM_AS("ent", struct ubee_sys_exit_ctx, common),
	{ "id", offsetof(struct ubee_sys_exit_ctx, nr), 8 },
	EM(struct ubee_sys_exit_ctx, ret),
	{ "__data", sizeof(struct ubee_sys_exit_ctx), 0 },
};

static const struct exp_struct structs[] = {
	ES("xdp_md", sizeof(struct ubee_xdp_md), xdp_m),
	ES("__sk_buff", sizeof(struct ubee_sk_buff), skb_m),
	ES("pt_regs", sizeof(struct ubee_pt_regs), regs_m),
	ES("bpf_perf_event_data", sizeof(struct ubee_perf_event_data), perf_m),
	ES("bpf_raw_tracepoint_args", 0, raw_tp_m),
	ES("trace_entry", sizeof(struct ubee_trace_common), trace_m),
	ES("trace_event_raw_sys_enter", sizeof(struct ubee_sys_enter_ctx), enter_m),
	ES("trace_event_raw_sys_exit", sizeof(struct ubee_sys_exit_ctx), exit_m),
};

/* The bytes parse, the parsed BTF is kept, and bpftool reads them too. */
static void ctx_btf_parses(void)
{
	const struct ubee_btf *ctx = ubee_prog_type_btf();
	struct ubee_btf *btf = NULL;
	const void *data;
	size_t size = 0;
	char path[64], cmd[256], line[256];
	int err, seen = 0;
	FILE *f, *p;

	T_CHECK(ctx && ctx == ubee_prog_type_btf(), "ubee_prog_type_btf");
	data = ubee_prog_type_btf_data(&size);
	T_CHECK(data && size > 24, "data %p %zu", data, size);
	if (!ctx || !data)
		return;
	err = ubee_btf_parse(data, size, &btf, fresh_log());
	T_CHECK(!err, "parse: %d %s", err, lbuf);
	if (err)
		return;
	T_EQ_U64(ubee_btf_type_count(btf), ubee_btf_type_count(ctx));
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(structs); i++)
		T_CHECK(ubee_btf_find(btf, structs[i].name, UBEE_BTF_KIND_STRUCT) ==
			ubee_btf_find(ctx, structs[i].name, UBEE_BTF_KIND_STRUCT) &&
			ubee_btf_find(ctx, structs[i].name, UBEE_BTF_KIND_STRUCT) > 0,
			"%s", structs[i].name);
	ubee_btf_free(btf);
	/* bpftool's own reader, where installed */
	if (system("bpftool version >/dev/null 2>&1"))
		return;
	snprintf(path, sizeof(path), "/tmp/ubee_test_ctx_btf_%d.btf", (int)getpid());
	f = fopen(path, "wb");
	T_CHECK(f && fwrite(data, 1, size, f) == size, "write %s", path);
	if (f)
		fclose(f);
	snprintf(cmd, sizeof(cmd), "bpftool btf dump file %s format raw 2>&1", path);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		seen += !strncmp(strchr(line, ']') ? strchr(line, ']') + 2 : line,
				 "STRUCT '__sk_buff' size=192 vlen=34", 34) ||
			!strncmp(strchr(line, ']') ? strchr(line, ']') + 2 : line,
				 "STRUCT 'xdp_md' size=24 vlen=6", 30);
	T_CHECK(p && !pclose(p) && seen == 2, "bpftool btf dump: %d", seen);
	unlink(path);
}

/* Struct sizes, member offsets and sizes: the C layouts'. */
static void ctx_btf_layouts(void)
{
	const struct ubee_btf *btf = ubee_prog_type_btf();

	if (!btf) {
		T_CHECK(0, "no context BTF");
		return;
	}
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(structs); i++) {
		const struct exp_struct *e = &structs[i];
		int id = ubee_btf_find(btf, e->name, UBEE_BTF_KIND_STRUCT);

		if (id <= 0) {
			T_CHECK(0, "no struct %s", e->name);
			continue;
		}
		T_CHECK(ubee_btf_size(btf, (uint32_t)id) == (int64_t)e->size,
			"%s: size %lld, C %zu", e->name,
			(long long)ubee_btf_size(btf, (uint32_t)id), e->size);
		T_CHECK(count_flat(btf, (uint32_t)id) == e->n, "%s: %zu members, C %zu",
			e->name, count_flat(btf, (uint32_t)id), e->n);
		for (size_t j = 0; j < e->n; j++) {
			struct ubee_btf_member m;
			uint64_t off = 0;

			if (!find_flat(btf, (uint32_t)id, e->m[j].name, 0, &off, &m)) {
				T_CHECK(0, "%s.%s missing", e->name, e->m[j].name);
				continue;
			}
			T_CHECK(off == e->m[j].off * 8 && !m.bitfield_size &&
				ubee_btf_size(btf, m.type) == (int64_t)e->m[j].size,
				"%s.%s: bit %llu size %lld, C byte %zu size %zu", e->name,
				e->m[j].name, (unsigned long long)off,
				(long long)ubee_btf_size(btf, m.type), e->m[j].off,
				e->m[j].size);
		}
	}
}

/* Each program type's context id names its ctx_type. */
static void ctx_btf_ids(void)
{
	const struct ubee_btf *btf = ubee_prog_type_btf();
	const struct ubee_prog_type *t;
	struct ubee_prog_type custom = { .name = "x", .ctx_type = "no_such_ctx" };
	int with = 0;

	for (size_t i = 0; btf && (t = ubee_prog_type_at(i)); i++) {
		int id = ubee_prog_type_ctx_btf_id(t);

		if (!t->ctx_type) {
			T_CHECK(id == -ENOENT, "%s: %d", t->name, id);
			continue;
		}
		with++;
		T_CHECK(id > 0 && ubee_btf_kind(btf, (uint32_t)id) == UBEE_BTF_KIND_STRUCT &&
			!strcmp(ubee_btf_name(btf, (uint32_t)id), t->ctx_type) &&
			ubee_btf_size(btf, (uint32_t)id) <= t->ctx_size,
			"%s: id %d", t->name, id);
	}
	T_CHECK(with >= 6, "%d types with a context BTF id", with);
	T_EQ_U64(ubee_prog_type_ctx_btf_id(&custom), -ENOENT);
	T_EQ_U64(ubee_prog_type_ctx_btf_id(NULL), -ENOENT);
	T_EQ_U64(ubee_prog_type_ctx_btf_id(ubee_prog_type_find(UBEE_PROG_TYPE_XDP)),
		 ubee_btf_find(btf, "xdp_md", UBEE_BTF_KIND_STRUCT));
}

/* ---- against the kernel's BTF ------------------------------------------ */

/*
 * Composite uid of ubee's BTF u against kid of the kernel's k: the same
 * size and members, each with the same name, bit offset and size;
 * anonymous members are compared member by member alike. One exception,
 * for kernels with FRED: the kernel's pt_regs holds cs and ss in
 * anonymous unions ({ u16 cs; u64 csx; struct fred_cs fred_cs; }) where
 * the UAPI and ubee have an unsigned long; the union must then have
 * ubee's member's size and offset and a member of that name at 0.
 */
static void same_layout(const struct ubee_btf *u, uint32_t uid,
			const struct ubee_btf *k, uint32_t kid, const char *path)
{
	struct ubee_btf_type ut, kt;

	if (ubee_btf_type(u, uid, &ut) || ubee_btf_type(k, kid, &kt)) {
		T_CHECK(0, "%s: bad ids", path);
		return;
	}
	T_CHECK(ut.kind == kt.kind && ut.size == kt.size && ut.vlen == kt.vlen,
		"%s: %s size %u vlen %u, kernel %s size %u vlen %u", path,
		ubee_btf_kind_name(ut.kind), ut.size, ut.vlen,
		ubee_btf_kind_name(kt.kind), kt.size, kt.vlen);
	for (uint32_t i = 0; i < ut.vlen && i < kt.vlen; i++) {
		struct ubee_btf_member um, km, inner;
		int64_t us, ks;
		uint64_t off = 0;
		char sub[256];

		if (ubee_btf_member(u, uid, i, &um) || ubee_btf_member(k, kid, i, &km))
			break;
		us = ubee_btf_size(u, um.type);
		ks = ubee_btf_size(k, km.type);
		snprintf(sub, sizeof(sub), "%s.%s", path, um.name[0] ? um.name : "(anon)");
		T_CHECK(um.bit_offset == km.bit_offset && us == ks &&
			um.bitfield_size == km.bitfield_size,
			"%s: bit %u size %lld, kernel '%s' bit %u size %lld", sub,
			um.bit_offset, (long long)us, km.name, km.bit_offset,
			(long long)ks);
		if (!strcmp(um.name, km.name)) {
			if (!um.name[0])
				same_layout(u, (uint32_t)ubee_btf_resolve(u, um.type), k,
					    (uint32_t)ubee_btf_resolve(k, km.type), sub);
			continue;
		}
		T_CHECK(!km.name[0] && ubee_btf_kind(k, (uint32_t)ubee_btf_resolve(k, km.type)) ==
				UBEE_BTF_KIND_UNION &&
			find_flat(k, (uint32_t)ubee_btf_resolve(k, km.type), um.name, 0,
				  &off, &inner) && off == 0,
			"%s: named '%s' in the kernel", sub, km.name);
	}
}

static void ctx_btf_vs_vmlinux(void)
{
	const struct ubee_btf *u = ubee_prog_type_btf();
	struct ubee_btf *k = NULL;
	struct ubee_btf_type ut, kt;
	size_t size = 0;
	uint8_t *buf = t_read_file(vmlinux_path, &size);
	int err, ue, ke, ud, kd;

	if (!buf) {
		t_skip("%s is not readable", vmlinux_path);
		return;
	}
	err = u ? ubee_btf_parse(buf, size, &k, fresh_log()) : -ENOMEM;
	free(buf);
	T_CHECK(!err, "vmlinux: %d %s", err, lbuf);
	if (err)
		return;
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(structs); i++) {
		int uid = ubee_btf_find(u, structs[i].name, UBEE_BTF_KIND_STRUCT);
		int kid = ubee_btf_find(k, structs[i].name, UBEE_BTF_KIND_STRUCT);

		if (uid <= 0 || kid <= 0) {
			T_CHECK(0, "%s: ids %d %d", structs[i].name, uid, kid);
			continue;
		}
		same_layout(u, (uint32_t)uid, k, (uint32_t)kid, structs[i].name);
	}
	/* enum xdp_action: the same enumerators */
	ue = ubee_btf_find(u, "xdp_action", UBEE_BTF_KIND_ENUM);
	ke = ubee_btf_find(k, "xdp_action", UBEE_BTF_KIND_ENUM);
	T_CHECK(ue > 0 && ke > 0 && !ubee_btf_type(u, (uint32_t)ue, &ut) &&
		!ubee_btf_type(k, (uint32_t)ke, &kt) && ut.vlen == kt.vlen &&
		ut.size == kt.size, "enum xdp_action");
	for (uint32_t i = 0; ue > 0 && ke > 0 && i < ut.vlen && i < kt.vlen; i++) {
		struct ubee_btf_enum_val a, b;

		T_CHECK(!ubee_btf_enum_val(u, (uint32_t)ue, i, &a) &&
			!ubee_btf_enum_val(k, (uint32_t)ke, i, &b) &&
			!strcmp(a.name, b.name) && a.value == b.value,
			"xdp_action %u", i);
	}
	/* bpf_user_pt_regs_t names the same struct */
	ud = ubee_btf_find(u, "bpf_user_pt_regs_t", UBEE_BTF_KIND_TYPEDEF);
	kd = ubee_btf_find(k, "bpf_user_pt_regs_t", UBEE_BTF_KIND_TYPEDEF);
	T_CHECK(ud > 0 && kd > 0 &&
		!strcmp(ubee_btf_name(u, (uint32_t)ubee_btf_resolve(u, (uint32_t)ud)),
			ubee_btf_name(k, (uint32_t)ubee_btf_resolve(k, (uint32_t)kd))),
		"bpf_user_pt_regs_t");
	ubee_btf_free(k);
}

/* ---- CO-RE on contexts -------------------------------------------------- */

static char path_buf[4096];

static const char *obj_path(const char *cpu)
{
	char name[64];

	snprintf(name, sizeof(name), "core_ctx.%s.o", cpu);
	return t_bpf_obj(name, path_buf, sizeof(path_buf));
}

/* Open and load core_ctx.<cpu>.o against target ("" none, NULL the
 * kernel's); NULL when missing (skipped) or failed. */
static struct ubee_object *load_obj(const char *cpu, const char *target,
				    int all, int *errp)
{
	struct ubee_object_load_opts o = { .sz = sizeof(o) };
	struct ubee_object *obj = NULL;
	int err;

	*errp = 0;
	if (access(obj_path(cpu), R_OK)) {
		t_skip("%s is missing (make test builds it from tests/bpf/core_ctx.c)",
		       obj_path(cpu));
		return NULL;
	}
	err = ubee_object_open_file(obj_path(cpu), &obj, fresh_log());
	T_CHECK(!err, "open %s: %d %s", obj_path(cpu), err, lbuf);
	if (err)
		return NULL;
	o.vmlinux_btf = target;
	o.load_all = all;
	*errp = ubee_object_load(obj, &o, fresh_log());
	return obj;
}

static const struct ubee_prog *prog_of(const struct ubee_object *obj,
				       const char *name)
{
	struct ubee_object_prog_info pi;
	int i = ubee_object_find_prog(obj, name);

	if (i < 0 || ubee_object_prog(obj, (size_t)i, &pi))
		return NULL;
	return pi.prog;
}

/* Run name on every built engine; each must give want (and, when out is
 * given, the same first bytes of output data). */
static void expect(const struct ubee_object *obj, const char *name,
		   const void *data, size_t dlen, const void *ctx, size_t clen,
		   uint64_t want, const void *out, size_t olen)
{
	const struct ubee_prog *p = prog_of(obj, name);

	T_CHECK(p, "%s not loaded", name);
	for (size_t e = 0; p && e < t_nr_engines; e++) {
		struct ubee_test_run t = { .sz = sizeof(t) };
		uint8_t got[256];
		int err;

		if (!t_engine_built(&t_engines[e]))
			continue;
		t.data_in = data;
		t.data_size_in = dlen;
		t.ctx_in = ctx;
		t.ctx_size_in = clen;
		t.engine = t_engines[e].engine;
		t.flags = t_engines[e].flags;
		t.data_out = got;
		t.data_size_out = sizeof(got);
		err = ubee_prog_test_run(p, &t, fresh_log());
		T_CHECK(!err && t.retval == want, "%s [%s]: %d r0 %llu, expected %llu %s",
			name, t_engines[e].name, err, (unsigned long long)t.retval,
			(unsigned long long)want, lbuf);
		if (!err && out)
			T_CHECK(t.data_size_out >= olen && !memcmp(got, out, olen),
				"%s [%s]: output data", name, t_engines[e].name);
	}
}

/* Every program of a loaded core_ctx object gives its stated result. */
static void run_all(const struct ubee_object *obj)
{
	const struct ubee_btf *btf = ubee_prog_type_btf();
	uint8_t pkt[64] = { 0 };
	struct ubee_sk_buff skb = { .mark = 3, .priority = 4 };
	/* As the kernel takes it: data_end = the packet's size, a real
	 * interface (1: loopback). */
	struct ubee_xdp_md md = { .data_end = 64, .ingress_ifindex = 1 };
	struct ubee_pt_regs regs;
	struct ubee_sys_enter_ctx enter = { .nr = 257 };
	struct ubee_sys_exit_ctx ex = { .ret = -5 };
	struct ubee_perf_event_data perf;
	uint64_t raw[3] = { 10, 0, 52 };
	uint32_t xdp_out[2] = { sizeof(pkt), 1 };
	int xdp_id = ubee_btf_find(btf, "xdp_md", UBEE_BTF_KIND_STRUCT);
	int skb_id = ubee_btf_find(btf, "__sk_buff", UBEE_BTF_KIND_STRUCT);

	/* len: the kernel's socket filters see the packet without its
	 * 14-byte Ethernet header */
	expect(obj, "skb_fields", pkt, 60, &skb, sizeof(skb),
	       46 + (3 << 8) + (4 << 16) + (5u << 24), NULL, 0);
	/* exists 1, missing 0, size(cb) 20, offset(sk) 168, size 192 */
	expect(obj, "skb_facts", pkt, 60, NULL, 0, 1 + 2000 + 1680000 + 10000000,
	       NULL, 0);
	expect(obj, "type_ids", pkt, 60, NULL, 0,
	       (uint64_t)(xdp_id + 1000 * skb_id), NULL, 0);
	expect(obj, "xdp_fields", pkt, sizeof(pkt), &md, sizeof(md), 2, xdp_out,
	       sizeof(xdp_out));
	memset(&regs, 0, sizeof(regs));
#if !defined(__aarch64__)
	regs.di = 1;
	regs.si = 2;
	regs.ax = 3;
	regs.ip = 1000;
	/* di + 2 si + 3 ax + ip + (size of cs, 8) << 16 */
	expect(obj, "regs", NULL, 0, &regs, sizeof(regs), 1014 + (8 << 16), NULL, 0);
	memset(&perf, 0, sizeof(perf));
	perf.regs.ax = 1;
	perf.sample_period = 2;
	perf.addr = 3;
	expect(obj, "perf", NULL, 0, &perf, sizeof(perf), 321, NULL, 0);
#else
	(void)perf;
#endif
	enter.args[1] = 7;
	expect(obj, "tp_enter", NULL, 0, &enter, sizeof(enter), 25707, NULL, 0);
	expect(obj, "tp_exit", NULL, 0, &ex, sizeof(ex), 1005, NULL, 0);
	expect(obj, "raw_tp", NULL, 0, raw, sizeof(raw), 42, NULL, 0);
}

/* A target BTF whose __sk_buff has mark at 0 and no len: ubee's context
 * types must win over it. Written to path; 0 or -1. */
static int wrong_target(char *path, size_t len)
{
	struct ubee_btf_builder *b = ubee_btf_builder_new();
	void *data = NULL;
	size_t size = 0;
	int u32, ok = 0;
	FILE *f;

	if (!b)
		return -1;
	u32 = ubee_btf_add_int(b, "unsigned int", 4, 0);
	ubee_btf_add_struct(b, "__sk_buff", 8);
	ubee_btf_add_member(b, "mark", u32, 0, 0);
	ubee_btf_add_member(b, "priority", u32, 32, 0);
	if (!ubee_btf_builder_finish(b, &data, &size)) {
		snprintf(path, len, "/tmp/ubee_test_ctx_btf_%d_target.btf", (int)getpid());
		f = fopen(path, "wb");
		ok = f && fwrite(data, 1, size, f) == size;
		if (f)
			fclose(f);
	}
	ubee_free(data);
	ubee_btf_builder_free(b);
	return ok ? 0 : -1;
}

/* Same instructions for every program of a and b (after CO-RE). */
static void same_insns(const struct ubee_object *a, const struct ubee_object *b)
{
	for (size_t i = 0; i < ubee_object_prog_count(a); i++) {
		const struct ubee_insn *ia, *ib;
		size_t na, nb;
		struct ubee_object_prog_info pi;

		if (ubee_object_prog(a, i, &pi) || !pi.prog)
			continue;
		T_CHECK(!ubee_object_prog_insns(a, i, &ia, &na) &&
			!ubee_object_prog_insns(b, i, &ib, &nb) && na == nb &&
			!memcmp(ia, ib, na * sizeof(*ia)), "%s differs", pi.name);
	}
}

static void core_ctx(const char *cpu)
{
	struct ubee_object *none, *obj;
	char target[128];
	int err;

	/* No vmlinux at all: the context types are enough. */
	none = load_obj(cpu, "", 0, &err);
	if (!none)
		return;
	T_CHECK(!err, "load without vmlinux: %d %s", err, lbuf);
	if (err)
		goto out;
	run_all(none);
	/* With the kernel's BTF: the same instructions (pt_regs' cs keeps
	 * ubee's 8 bytes, not the kernel's u16). */
	if (!access(vmlinux_path, R_OK)) {
		obj = load_obj(cpu, NULL, 0, &err);
		T_CHECK(obj && !err, "load with vmlinux: %d %s", err, lbuf);
		if (obj && !err)
			same_insns(none, obj);
		ubee_object_free(obj);
	}
	/* With a target whose __sk_buff is another layout. */
	if (!wrong_target(target, sizeof(target))) {
		obj = load_obj(cpu, target, 0, &err);
		T_CHECK(obj && !err, "load with %s: %d %s", target, err, lbuf);
		if (obj && !err) {
			same_insns(none, obj);
			run_all(obj);
		}
		ubee_object_free(obj);
		unlink(target);
	} else {
		T_CHECK(0, "cannot write a target BTF");
	}
out:
	ubee_object_free(none);
}

/* A field no context has: program, instruction and type are named. */
static void core_ctx_missing(const char *cpu)
{
	const char *targets[] = { "", NULL };

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(targets); i++) {
		struct ubee_object *obj;
		int err;

		if (!targets[i] && access(vmlinux_path, R_OK))
			break;
		obj = load_obj(cpu, targets[i], 1, &err);
		if (!obj)
			return;
		T_CHECK(err == -EINVAL &&
			strstr(lbuf, "program 'ctx_missing': instruction 1 ") &&
			strstr(lbuf, "STRUCT __sk_buff___local") &&
			strstr(lbuf, "byte_off") &&
			strstr(lbuf, "no type '__sk_buff' in ubee's context types has this field"),
			"target %s: %d %s", targets[i] ? targets[i] : "vmlinux", err, lbuf);
		T_CHECK(!prog_of(obj, "skb_fields"), "loaded after failure");
		ubee_object_free(obj);
	}
}

int main(void)
{
	T_RUN(builder_kinds);
	T_RUN(builder_errors);
	T_RUN(builder_oom);
	T_RUN(ctx_btf_parses);
	T_RUN(ctx_btf_layouts);
	T_RUN(ctx_btf_ids);
	T_RUN(ctx_btf_vs_vmlinux);
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		t_begin("core_ctx_%s", cpus[c]);
		core_ctx(cpus[c]);
		t_end();
		t_begin("core_ctx_missing_%s", cpus[c]);
		core_ctx_missing(cpus[c]);
		t_end();
	}
	return t_summary();
}
