// SPDX-License-Identifier: MIT
/*
 * The object loader (include/ubee/object.h) on clang-built objects from
 * tests/bpf/loader_*.c, for every -mcpu:
 *  - libbpf's SEC table, program listing (types, '?' autoload, counts
 *    before and after linking, which subprograms each copy holds);
 *  - running linked programs: static/global subprograms, callbacks, BTF
 *    maps of several types, maps of maps and prog arrays with initial
 *    contents, global data in .data/.rodata/.bss/.data.custom shared with
 *    user space, legacy maps;
 *  - CO-RE against a known target BTF (tests/bpf/loader_core_target.c)
 *    and against the kernel's, and the error for an unresolvable one;
 *  - line and func info, the API's edges;
 *  - corrupted objects made in memory, each rejected with -EINVAL and a
 *    log naming the fault, byte flips that must never crash, and failing
 *    allocations during open and load.
 * Programs run as UBEE_PROG_TYPE_MEM (r1 = the input bytes) on every
 * built engine; global data maps' values are passed as regions, which
 * checked mode needs for direct accesses.
 */
#define _GNU_SOURCE /* memmem */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines.h"
#include "test.h"
#include "testfile.h"
#include "loader/elf.h"
#include "loader/loader.h"
#include "maps/maps.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "util/cursor.h"
#include "util/util.h"

static const char *const cpus[] = { "v1", "v2", "v3", "v4" };

/* ---- objects ---------------------------------------------------------- */

static char path_buf[4096];

static const char *obj_path(const char *name, const char *cpu)
{
	char file[128];

	snprintf(file, sizeof(file), "%s.%s.o", name, cpu);
	return t_bpf_obj(file, path_buf, sizeof(path_buf));
}

/* 1 (case skipped) when the object is not built; 0 with its path in
 * path_buf. */
static int missing(const char *name, const char *cpu)
{
	if (!access(obj_path(name, cpu), R_OK))
		return 0;
	t_skip("%s is missing (make test builds it from tests/bpf/%s.c)",
	       path_buf, name);
	return 1;
}

/* The object's bytes; NULL (case skipped) when it is not built. */
static uint8_t *read_obj(const char *name, const char *cpu, size_t *size)
{
	uint8_t *buf;

	if (missing(name, cpu))
		return NULL;
	buf = t_read_file(path_buf, size);
	T_CHECK(buf, "cannot read %s", path_buf);
	return buf;
}

static char lbuf[16384];
static struct ubee_log tlog;

static struct ubee_log *fresh_log(void)
{
	ubee_log_init(&tlog, lbuf, sizeof(lbuf));
	return &tlog;
}

/* Open an object file; NULL when missing (skipped) or failed. */
static struct ubee_object *open_obj(const char *name, const char *cpu)
{
	struct ubee_object *obj = NULL;
	int err;

	if (missing(name, cpu))
		return NULL;
	err = ubee_object_open_file(path_buf, &obj, fresh_log());
	T_CHECK(!err && obj, "open %s: %d %s", path_buf, err, lbuf);
	return err ? NULL : obj;
}

/* Every program as UBEE_PROG_TYPE_MEM, then load (all when all). */
static int load_mem(struct ubee_object *obj, int all, const char *vmlinux)
{
	struct ubee_object_load_opts o;

	for (size_t i = 0; i < ubee_object_prog_count(obj); i++)
		ubee_object_prog_set_type(obj, i, UBEE_PROG_TYPE_MEM);
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.load_all = all;
	o.vmlinux_btf = vmlinux ? vmlinux : "";
	/* The loader's results, run on memory of any size: unverified
	 * (runs are checked, or trusted where a test says so). */
	o.prog_flags = UBEE_PROG_NO_VERIFY;
	return ubee_object_load(obj, &o, fresh_log());
}

static struct ubee_prog *prog_of(const struct ubee_object *obj,
				 const char *name)
{
	struct ubee_object_prog_info pi;
	int i = ubee_object_find_prog(obj, name);

	if (i < 0 || ubee_object_prog(obj, (size_t)i, &pi))
		return NULL;
	return pi.prog;
}

static struct ubee_map *map_of(const struct ubee_object *obj, const char *name)
{
	struct ubee_object_map_info mi;
	int i = ubee_object_find_map(obj, name);

	if (i < 0 || ubee_object_map(obj, (size_t)i, &mi))
		return NULL;
	return mi.map;
}

/* The value storage of a global data map (what programs address). */
static void *data_of(const struct ubee_object *obj, const char *name)
{
	int i = ubee_object_find_map(obj, name);
	size_t size = 0;
	void *p = i < 0 ? NULL : ubee_object_map_data(obj, (size_t)i, &size);

	T_CHECK(p && size, "no data for map %s", name);
	return p;
}

/*
 * Run program name of obj on in[len] with engine e; the global data maps
 * are regions. Returns 0 and *ret, or the run's error.
 */
static int run_on(const struct ubee_object *obj, const char *name,
		  const struct t_engine *e, void *in, size_t len,
		  uint64_t *ret)
{
	struct ubee_region regions[16];
	struct ubee_run_opts o;
	struct ubee_prog *p = prog_of(obj, name);
	size_t n = 0;

	if (!p) {
		t_fail(__FILE__, __LINE__, "program %s is not loaded", name);
		return -ENOENT;
	}
	for (size_t i = 0; i < ubee_object_map_count(obj) && n < 16; i++) {
		struct ubee_object_map_info mi;

		ubee_object_map(obj, i, &mi);
		if (mi.kind != UBEE_OBJECT_MAP_DATA && mi.kind != UBEE_OBJECT_MAP_RODATA &&
		    mi.kind != UBEE_OBJECT_MAP_BSS)
			continue;
		regions[n].addr = data_of(obj, mi.name);
		regions[n].size = mi.value_size;
		regions[n++].writable = mi.kind != UBEE_OBJECT_MAP_RODATA;
	}
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.ctx = in;
	o.ctx_size = len;
	o.regions = regions;
	o.nr_regions = n;
	o.engine = e->engine;
	o.flags = e->flags;
	return ubee_prog_run(p, &o, ret, fresh_log());
}

/* Run and compare with want on every built engine. */
static void expect_run(const struct ubee_object *obj, const char *name,
		       const uint8_t *in, size_t len, int64_t want)
{
	for (size_t k = 0; k < t_nr_engines; k++) {
		uint8_t buf[256];
		uint64_t r = 0;
		int err;

		if (!t_engine_built(&t_engines[k]))
			continue;
		memcpy(buf, in, len);
		err = run_on(obj, name, &t_engines[k], buf, len, &r);
		T_CHECK(!err && (int64_t)(int32_t)r == want,
			"%s on %s: err %d, r0 %lld, expected %lld; %s", name,
			t_engines[k].name, err, (long long)(int32_t)r,
			(long long)want, lbuf);
	}
}

/* Run once on the first built engine (for programs with side effects). */
static int64_t run_once(const struct ubee_object *obj, const char *name,
			const uint8_t *in, size_t len)
{
	uint8_t buf[256];
	uint64_t r = 0;
	int err;

	memcpy(buf, in, len);
	err = run_on(obj, name, &t_engines[0], buf, len, &r);
	T_CHECK(!err, "%s: %d %s", name, err, lbuf);
	return (int64_t)(int32_t)r;
}

/* ---- the SEC table ---------------------------------------------------- */

struct sec_case {
	const char *name;
	int found;
	uint32_t type, attach, flags;
};

static void sec_table(void)
{
	static const struct sec_case cases[] = {
		{ "socket", 1, 1, 0, 0 },
		{ "socket/x", 0, 0, 0, 0 },       /* exact name only */
		{ "kprobe", 1, 2, 0, 0 },
		{ "kprobe/do_sys_open", 1, 2, 0, 0 },
		{ "kprobex", 0, 0, 0, 0 },        /* '+' needs '/' or the end */
		{ "kprobe.multi/foo*", 1, 2, 42, 0 },
		{ "uprobe.s//bin/sh:main", 1, 2, 0, UBEE_SEC_SLEEPABLE },
		{ "tc", 1, 3, 0, 0 },
		{ "tc/ingress", 1, 3, 46, 0 },
		{ "tcx/egress", 1, 3, 47, 0 },
		{ "classifier", 1, 3, 0, 0 },
		{ "action", 1, 4, 0, 0 },
		{ "tracepoint/syscalls/sys_enter_open", 1, 5, 0, 0 },
		{ "tp/sched/sched_switch", 1, 5, 0, 0 },
		{ "xdp", 1, 6, 37, 0 },
		{ "xdp/foo", 0, 0, 0, 0 },
		{ "xdp.frags", 1, 6, 37, UBEE_SEC_XDP_FRAGS },
		{ "xdp/devmap", 1, 6, 33, 0 },
		{ "xdp.frags/cpumap", 1, 6, 35, UBEE_SEC_XDP_FRAGS },
		{ "perf_event", 1, 7, 0, 0 },
		{ "cgroup_skb/ingress", 1, 8, 0, 0 },
		{ "cgroup_skb/egress", 1, 8, 1, 0 },
		{ "cgroup/sock_create", 1, 9, 2, 0 },
		{ "cgroup/connect_unix", 1, 18, 49, 0 },
		{ "raw_tp/sys_enter", 1, 17, 0, 0 },
		{ "raw_tracepoint.w/x", 1, 24, 0, 0 },
		{ "sk_reuseport/migrate", 1, 21, 40, 0 },
		{ "sk_reuseport", 1, 21, 39, 0 },
		{ "sk_skb/stream_verdict", 1, 14, 5, 0 },
		{ "fentry/do_unlinkat", 1, 26, 24, UBEE_SEC_ATTACH_BTF },
		{ "fexit.s/x", 1, 26, 25, UBEE_SEC_ATTACH_BTF | UBEE_SEC_SLEEPABLE },
		{ "lsm.s/file_open", 1, 29, 27, UBEE_SEC_ATTACH_BTF | UBEE_SEC_SLEEPABLE },
		{ "iter/task", 1, 26, 28, UBEE_SEC_ATTACH_BTF },
		{ "syscall", 1, 31, 0, UBEE_SEC_SLEEPABLE },
		{ "netfilter", 1, 32, 45, 0 },
		{ "struct_ops/x", 1, 27, 0, 0 },
		{ "ubee_custom", 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0 },
	};

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(cases); i++) {
		const struct sec_case *c = &cases[i];
		const struct ubee_sec_def *d = ubee_sec_find(c->name);

		if (!c->found) {
			T_CHECK(!d, "'%s' matched '%s'", c->name, d ? d->name : "");
			continue;
		}
		T_CHECK(d && d->prog_type == c->type && d->attach_type == c->attach &&
			d->flags == c->flags,
			"'%s': %s type %u attach %u flags %u", c->name,
			d ? d->name : "(none)", d ? d->prog_type : 0,
			d ? d->attach_type : 0, d ? d->flags : 0);
	}
	T_CHECK(!strcmp(ubee_sec_prog_type_name(6), "xdp") &&
		!strcmp(ubee_sec_prog_type_name(0), "unspec") &&
		!strcmp(ubee_sec_prog_type_name(32), "netfilter") &&
		!ubee_sec_prog_type_name(33), "type names");
}

/* ---- programs and linking --------------------------------------------- */

struct prog_case {
	const char *name, *section;
	uint32_t type;
	int autoload;
	const char *subprogs[4]; /* .text functions linked in */
};

static const struct prog_case progs_expected[] = {
	{ "prog_add3", "socket", 1, 1, { "add3" } },
	{ "prog_twice", "xdp", 6, 1, { "twice_plus3", "add3" } },
	{ "prog_square", "tc", 3, 1, { "global_sq", "twice_plus3", "add3" } },
	{ "prog_k1", "kprobe/do_sys_open", 2, 1,
	  { "add3", "global_sq", "twice_plus3" } },
	{ "prog_k2", "kprobe/do_sys_open", 2, 1, { NULL } },
	{ "prog_loop", "tracepoint/syscalls/sys_enter_open", 5, 1, { "loop_cb" } },
	{ "prog_lazy", "socket", 1, 0, { "twice_plus3", "add3" } },
	{ "prog_cg", "cgroup_skb/ingress", 8, 1, { NULL } },
	{ "prog_custom", "ubee_custom", 0, 1, { "add3" } },
};

static int func_by_name(const struct ubee_object *obj, const char *name,
			struct ubee_object_func *out)
{
	for (size_t i = 0; i < ubee_object_func_count(obj); i++)
		if (!ubee_object_func(obj, i, out) && !strcmp(out->name, name))
			return 0;
	return -ENOENT;
}

/* Equal but for the immediates of calls and function addresses, which
 * linking rewrites. */
static int same_code(const struct ubee_insn *a, const struct ubee_insn *b,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rel = (a[i].code == 0x85 && a[i].src_reg == 1) ||
			  (a[i].code == 0x18 && a[i].src_reg == 4);

		if (a[i].code != b[i].code || a[i].dst_reg != b[i].dst_reg ||
		    a[i].off != b[i].off || (!rel && (a[i].imm != b[i].imm ||
						       a[i].src_reg != b[i].src_reg)))
			return 0;
	}
	return 1;
}

/* Does the copy hold fn's instructions at some call target? */
static int holds(const struct ubee_insn *insns, size_t n,
		 const struct ubee_object_func *fn)
{
	for (size_t i = 0; i < n; i++) {
		int64_t t;

		if (!((insns[i].code == 0x85 && insns[i].src_reg == 1) ||
		      (insns[i].code == 0x18 && insns[i].src_reg == 4)))
			continue;
		t = (int64_t)i + 1 + insns[i].imm;
		if (t >= 0 && (size_t)t + fn->cnt <= n &&
		    same_code(&insns[t], fn->insns, fn->cnt))
			return 1;
	}
	return 0;
}

static void check_progs(const char *cpu)
{
	struct ubee_object *obj = open_obj("loader_progs", cpu);

	if (!obj)
		return;
	T_EQ_U64(ubee_object_prog_count(obj), UBEE_ARRAY_SIZE(progs_expected));
	T_CHECK(!strcmp(ubee_object_license(obj), "Dual MIT/GPL"), "license '%s'",
		ubee_object_license(obj));
	for (size_t i = 0; i < ubee_object_prog_count(obj) &&
			   i < UBEE_ARRAY_SIZE(progs_expected); i++) {
		const struct prog_case *c = &progs_expected[i];
		struct ubee_object_prog_info pi;
		struct ubee_object_func fn;
		const struct ubee_insn *insns;
		size_t n, want;

		T_CHECK(!ubee_object_prog(obj, i, &pi), "prog %zu", i);
		T_CHECK(!strcmp(pi.name, c->name) && !strcmp(pi.section, c->section) &&
			pi.prog_type == c->type && pi.autoload == c->autoload &&
			!pi.prog,
			"prog %zu: %s %s type %u autoload %d", i, pi.name,
			pi.section, pi.prog_type, pi.autoload);
		T_CHECK(!strcmp(pi.prog_type_name, ubee_sec_prog_type_name(c->type)),
			"%s: type name %s", c->name, pi.prog_type_name);
		T_CHECK(!func_by_name(obj, c->name, &fn) && pi.insn_cnt == fn.cnt,
			"%s: %zu instructions", c->name, pi.insn_cnt);
		want = pi.insn_cnt;
		T_CHECK(!ubee_object_prog_insns(obj, i, &insns, &n) && n == pi.linked_insn_cnt,
			"%s: insns", c->name);
		for (int k = 0; k < 4 && c->subprogs[k]; k++) {
			T_CHECK(!func_by_name(obj, c->subprogs[k], &fn), "no %s",
				c->subprogs[k]);
			want += fn.cnt;
			T_CHECK(holds(insns, n, &fn), "%s: no linked copy of %s",
				c->name, c->subprogs[k]);
		}
		T_CHECK(pi.linked_insn_cnt == want, "%s: %zu linked instructions, expected %zu",
			c->name, pi.linked_insn_cnt, want);
		/* The copy starts with the program itself, unchanged but for
		 * relocated calls. */
		T_CHECK(!func_by_name(obj, c->name, &fn) &&
			insns[0].code == fn.insns[0].code, "%s: first insn", c->name);
	}
	ubee_object_free(obj);
}

static void progs_listed(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		t_begin("progs_listed_%s", cpus[c]);
		check_progs(cpus[c]);
		t_end();
	}
}

static void check_progs_run(const char *cpu)
{
	static const uint8_t in[] = { 5, 7, 9 };
	struct ubee_object *obj = open_obj("loader_progs", cpu);
	int err;

	if (!obj)
		return;
	err = load_mem(obj, 1, NULL);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	if (!err) {
		expect_run(obj, "prog_add3", in, sizeof(in), 8);
		expect_run(obj, "prog_twice", in, sizeof(in), 16);
		expect_run(obj, "prog_square", in, sizeof(in), 25 + 8);
		expect_run(obj, "prog_k1", in, sizeof(in), 10 + 4 + 8);
		expect_run(obj, "prog_k2", in, sizeof(in), 7);
		expect_run(obj, "prog_loop", in, sizeof(in), 2 * (0 + 1 + 2 + 3 + 4));
		expect_run(obj, "prog_lazy", in, sizeof(in), 116);
		expect_run(obj, "prog_cg", in, sizeof(in), 1);
		expect_run(obj, "prog_custom", in, sizeof(in), 43);
	}
	ubee_object_free(obj);
}

static void progs_run(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		t_begin("progs_run_%s", cpus[c]);
		check_progs_run(cpus[c]);
		t_end();
	}
}

/* Loads that test the loader, not the verifier. */
static const struct ubee_object_load_opts unverified = {
	.sz = sizeof(unverified), .prog_flags = UBEE_PROG_NO_VERIFY,
};

/* Types from the SEC table, autoload, a type ubee lacks, set_type. */
static void types_and_autoload(void)
{
	struct ubee_object *obj = open_obj("loader_progs", "v3");
	struct ubee_object_prog_info pi;
	int cg, lazy, err;

	if (!obj)
		return;
	cg = ubee_object_find_prog(obj, "prog_cg");
	lazy = ubee_object_find_prog(obj, "prog_lazy");
	T_CHECK(cg >= 0 && lazy >= 0, "find");
	if (cg < 0 || lazy < 0)
		goto out;
	/* cgroup_skb is not a type ubee runs: the load names it. */
	err = ubee_object_load(obj, &unverified, fresh_log());
	T_CHECK(err == -EOPNOTSUPP &&
		strstr(lbuf, "program 'prog_cg' (section cgroup_skb/ingress): ubee does not support program type cgroup_skb (8)"),
		"load: %d %s", err, lbuf);
	T_CHECK(!ubee_object_prog(obj, 0, &pi) && !pi.prog, "unloaded after failure");
	T_EQ_U64(ubee_object_prog_set_autoload(obj, (size_t)cg, 0), 0);
	err = ubee_object_load(obj, &unverified, fresh_log());
	T_CHECK(!err, "load without prog_cg: %d %s", err, lbuf);
	T_CHECK(!ubee_object_prog(obj, (size_t)lazy, &pi) && !pi.prog && !pi.autoload,
		"'?' section loaded");
	T_CHECK(!ubee_object_prog(obj, (size_t)cg, &pi) && !pi.prog, "cg loaded");
	T_CHECK(prog_of(obj, "prog_add3") && prog_of(obj, "prog_twice") &&
		prog_of(obj, "prog_custom"), "programs missing");
	T_EQ_U64(ubee_object_load(obj, &unverified, fresh_log()), -EBUSY);
	T_EQ_U64(ubee_object_prog_set_autoload(obj, 0, 0), -EBUSY);
	T_EQ_U64(ubee_object_prog_set_type(obj, 0, 0), -EBUSY);
out:
	ubee_object_free(obj);
}

/* Line and func info follow the linked copies. */
static void line_info(void)
{
	struct ubee_object *obj = open_obj("loader_progs", "v3");
	const struct ubee_btf *btf;
	const struct ubee_object_line *lines;
	const struct ubee_object_func_info *fi;
	size_t nl, nf, n;
	const struct ubee_insn *insns;
	int i;

	if (!obj)
		return;
	btf = ubee_object_btf(obj);
	i = ubee_object_find_prog(obj, "prog_square");
	T_CHECK(btf && i >= 0, "btf/prog");
	if (!btf || i < 0)
		goto out;
	T_EQ_U64(ubee_object_prog_lines(obj, (size_t)i, &lines, &nl), 0);
	T_EQ_U64(ubee_object_prog_func_info(obj, (size_t)i, &fi, &nf), 0);
	ubee_object_prog_insns(obj, (size_t)i, &insns, &n);
	/* prog_square, global_sq, twice_plus3, add3 */
	T_EQ_U64(nf, 4);
	T_CHECK(nf && fi[0].insn == 0 &&
		!strcmp(ubee_btf_name(btf, fi[0].type_id), "prog_square"),
		"func info 0");
	for (size_t k = 1; k < nf; k++) {
		const char *name = ubee_btf_name(btf, fi[k].type_id);
		struct ubee_object_func fn;

		T_CHECK(fi[k].insn > fi[k - 1].insn && fi[k].insn < n &&
			ubee_btf_kind(btf, fi[k].type_id) == UBEE_BTF_KIND_FUNC &&
			!func_by_name(obj, name, &fn) &&
			insns[fi[k].insn].code == fn.insns[0].code,
			"func info %zu: %s at %zu", k, name, fi[k].insn);
	}
	T_CHECK(nl >= 4, "%zu lines", nl);
	for (size_t k = 0; k < nl; k++) {
		T_CHECK(lines[k].insn < n && (!k || lines[k].insn >= lines[k - 1].insn) &&
			strstr(lines[k].file, "loader_progs.c") && lines[k].line_num > 0,
			"line %zu: insn %zu %s:%u", k, lines[k].insn, lines[k].file,
			lines[k].line_num);
	}
	T_CHECK(nl && strstr(lines[0].line, "prog_square") == NULL &&
		strstr(lines[0].line, "global_sq"), "first line '%s'",
		nl ? lines[0].line : "");
	T_EQ_U64(ubee_object_prog_lines(obj, 999, &lines, &nl), -ENOENT);
out:
	ubee_object_free(obj);
}

/* ---- maps ------------------------------------------------------------- */

struct map_case {
	const char *name;
	int kind;
	uint32_t type, key, value, max, flags, pinning;
	const char *key_type, *value_type; /* BTF names, NULL: none */
};

static void check_map_list(const struct ubee_object *obj,
			   const struct map_case *c, size_t n)
{
	const struct ubee_btf *btf = ubee_object_btf(obj);

	T_EQ_U64(ubee_object_map_count(obj), n);
	for (size_t i = 0; i < n && i < ubee_object_map_count(obj); i++) {
		struct ubee_object_map_info mi;

		T_CHECK(!ubee_object_map(obj, i, &mi), "map %zu", i);
		T_CHECK(!strcmp(mi.name, c[i].name) && mi.kind == c[i].kind &&
			mi.type == c[i].type && mi.key_size == c[i].key &&
			mi.value_size == c[i].value && mi.max_entries == c[i].max &&
			mi.map_flags == c[i].flags && mi.pinning == c[i].pinning &&
			!mi.map,
			"map %zu: %s kind %d type %u %u/%u max %u flags 0x%x pin %u",
			i, mi.name, mi.kind, mi.type, mi.key_size, mi.value_size,
			mi.max_entries, mi.map_flags, mi.pinning);
		T_CHECK(c[i].key_type ? btf && mi.btf_key_type_id &&
			!strcmp(ubee_btf_name(btf, mi.btf_key_type_id), c[i].key_type)
				      : !mi.btf_key_type_id,
			"%s: key type %u", c[i].name, mi.btf_key_type_id);
		T_CHECK(c[i].value_type ? btf && mi.btf_value_type_id &&
			!strcmp(ubee_btf_name(btf, mi.btf_value_type_id), c[i].value_type)
					: !mi.btf_value_type_id,
			"%s: value type %u", c[i].name, mi.btf_value_type_id);
		T_EQ_U64(ubee_object_find_map(obj, c[i].name), i);
	}
}

/* In .maps order (clang's layout; libbpf lists them the same way). */
static const struct map_case maps_expected[] = {
	{ "inner_a", UBEE_OBJECT_MAP_BTF, 2, 4, 4, 4, 0, 0, "__u32", "__u32" },
	{ "inner_b", UBEE_OBJECT_MAP_BTF, 2, 4, 4, 4, 0, 0, "__u32", "__u32" },
	{ "outer", UBEE_OBJECT_MAP_BTF, 12, 4, 4, 4, 0, 0, "__u32", NULL },
	{ "jumps", UBEE_OBJECT_MAP_BTF, 3, 4, 4, 4, 0, 0, "__u32", NULL },
	{ "counters", UBEE_OBJECT_MAP_BTF, 1, 4, 16, 64, 1, 0, "__u32", "val" },
	{ "slots", UBEE_OBJECT_MAP_BTF, 2, 4, 8, 8, 0, 1, NULL, NULL },
	{ "fifo", UBEE_OBJECT_MAP_BTF, 22, 0, 4, 16, 0, 0, NULL, "__u32" },
	{ "pcpu", UBEE_OBJECT_MAP_BTF, 6, 4, 8, 2, 0, 0, "__u32", "__u64" },
	{ "lru", UBEE_OBJECT_MAP_BTF, 9, 8, 4, 128, 0, 0, "__u64", "__u32" },
	{ "events", UBEE_OBJECT_MAP_BTF, 27, 0, 0, 4096, 0, 0, NULL, NULL },
};

static void check_maps(const char *cpu)
{
	static const uint8_t c1[] = { 3, 9 }, c2[] = { 3, 4 };
	struct ubee_object *obj = open_obj("loader_maps", cpu);
	struct ubee_object_map_info mi;
	struct ubee_map *inner_a, *inner_b;
	uint32_t key = 3, ikey = 1, got = 0;
	uint64_t v[2] = { 0, 0 };
	int err;

	if (!obj)
		return;
	check_map_list(obj, maps_expected, UBEE_ARRAY_SIZE(maps_expected));
	T_CHECK(!ubee_object_map_inner(obj, 2, &mi) && mi.kind == UBEE_OBJECT_MAP_INNER &&
		mi.type == 2 && mi.key_size == 4 && mi.value_size == 4 &&
		mi.max_entries == 4, "outer's inner template");
	T_EQ_U64(ubee_object_map_inner(obj, 0, &mi), -ENOENT);
	err = load_mem(obj, 1, NULL);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	if (err)
		goto out;
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(maps_expected); i++)
		T_CHECK(!ubee_object_map(obj, i, &mi) && mi.map &&
			ubee_map_type(mi.map) == maps_expected[i].type &&
			ubee_map_max_entries(mi.map) == maps_expected[i].max,
			"map %zu not created", i);
	/* A hash map, through the helpers, seen from user space. */
	T_EQ_U64(run_once(obj, "count", c1, 2), 1);
	T_EQ_U64(run_once(obj, "count", c2, 2), 2);
	T_CHECK(!ubee_map_lookup(map_of(obj, "counters"), &key, v) &&
		v[0] == 2 && (uint32_t)v[1] == 4, "counters[3]: %llu %llu",
		(unsigned long long)v[0], (unsigned long long)v[1]);
	/* The map of maps holds inner_a at 0 and inner_b at 2. */
	{
		static const uint8_t a[] = { 0, 42 }, b[] = { 2, 5 }, e[] = { 1, 1 };

		expect_run(obj, "through_outer", a, 2, 42);
		expect_run(obj, "through_outer", b, 2, 5);
		expect_run(obj, "through_outer", e, 2, -1);
	}
	inner_a = map_of(obj, "inner_a");
	inner_b = map_of(obj, "inner_b");
	T_CHECK(inner_a && !ubee_map_lookup(inner_a, &ikey, &got) && got == 42,
		"inner_a[1] = %u", got);
	T_CHECK(inner_b && !ubee_map_lookup(inner_b, &ikey, &got) && got == 5,
		"inner_b[1] = %u", got);
	/* The prog array holds tail_one at 1 and tail_two at 3. */
	{
		static const uint8_t j0[] = { 0 }, j1[] = { 1 }, j3[] = { 3 };

		expect_run(obj, "jump", j1, 1, 101);
		expect_run(obj, "jump", j3, 1, 202);
		expect_run(obj, "jump", j0, 1, -1);
	}
	{
		static const uint8_t s[] = { 2 }, q[] = { 7, 8 };

		/* slots[i] = 2i; sum of 2i * (i + 1) for i < 8 */
		expect_run(obj, "sum_slots", s, 1, 2 * (140 + 28));
		T_EQ_U64(run_once(obj, "queue_it", q, 2), 7);
		expect_run(obj, "touch_all", q, 2, 1);
	}
out:
	ubee_object_free(obj);
}

static void maps_btf(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		t_begin("maps_btf_%s", cpus[c]);
		check_maps(cpus[c]);
		t_end();
	}
}

static void check_globals(const char *cpu)
{
	static const struct map_case expected[] = {
		{ ".data", UBEE_OBJECT_MAP_DATA, 2, 4, 4, 1, UBEE_F_MMAPABLE, 0,
		  NULL, ".data" },
		{ ".rodata", UBEE_OBJECT_MAP_RODATA, 2, 4, 17, 1,
		  UBEE_F_MMAPABLE | UBEE_F_RDONLY_PROG, 0, NULL, ".rodata" },
		{ ".data.custom", UBEE_OBJECT_MAP_DATA, 2, 4, 4, 1,
		  UBEE_F_MMAPABLE, 0, NULL, ".data.custom" },
		{ ".bss", UBEE_OBJECT_MAP_BSS, 2, 4, 12, 1, UBEE_F_MMAPABLE, 0,
		  NULL, ".bss" },
	};
	static const uint8_t three[] = { 3 }, four[] = { 4 }, two[] = { 2 },
			     one[] = { 1 };
	struct ubee_object *obj = open_obj("loader_globals", cpu);
	const uint32_t zero = 0;
	uint8_t ro[17];
	int32_t *counter;
	uint64_t *total;
	int err;

	if (!obj)
		return;
	check_map_list(obj, expected, UBEE_ARRAY_SIZE(expected));
	err = load_mem(obj, 0, NULL);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	if (err)
		goto out;
	counter = data_of(obj, ".data");
	total = data_of(obj, ".bss");
	T_CHECK(counter && *counter == 5 && total && !*total, "initial values");
	T_EQ_U64(run_once(obj, "add_counter", three, 1), 8);
	T_EQ_U64(run_once(obj, "add_counter", three, 1), 11);
	T_CHECK(counter && *counter == 11, "counter %d", counter ? *counter : -1);
	/* User space and programs share the value. */
	T_EQ_U64(ubee_map_update(map_of(obj, ".data"), &zero, &(int32_t){ 1000 }, 0), 0);
	T_EQ_U64(run_once(obj, "add_counter", one, 1), 1001);
	expect_run(obj, "read_table", four, 1, 8 + 11);
	T_EQ_U64(run_once(obj, "accumulate", two, 1), 200);
	T_EQ_U64(run_once(obj, "accumulate", two, 1), 400);
	T_CHECK(total && *total == 400, "total");
	/* custom 77 + greeting[1] 'b' + 3 calls of bump */
	expect_run(obj, "read_custom", one, 1, 77 + 'b' + 3);
	/* .rodata: initial contents, frozen for user space. */
	T_CHECK(!ubee_map_lookup(map_of(obj, ".rodata"), &zero, ro), "rodata lookup");
	T_EQ_U64(ubee_map_update(map_of(obj, ".rodata"), &zero, ro, 0), -EPERM);
out:
	ubee_object_free(obj);
}

static void globals(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		t_begin("globals_%s", cpus[c]);
		check_globals(cpus[c]);
		t_end();
	}
}

static void legacy_maps(void)
{
	static const struct map_case expected[] = {
		{ "legacy_hash", UBEE_OBJECT_MAP_LEGACY, 1, 4, 8, 32, 1, 0, NULL, NULL },
		{ "legacy_array", UBEE_OBJECT_MAP_LEGACY, 2, 4, 4, 4, 0, 0, NULL, NULL },
	};
	static const uint8_t a[] = { 4, 10 }, b[] = { 4, 5 };
	struct ubee_object *obj = open_obj("loader_legacy", "v3");
	int err;

	if (!obj)
		return;
	check_map_list(obj, expected, UBEE_ARRAY_SIZE(expected));
	err = load_mem(obj, 0, NULL);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	if (!err) {
		T_EQ_U64(run_once(obj, "legacy_prog", a, 2), 20);
		T_EQ_U64(run_once(obj, "legacy_prog", b, 2), 5 + 15);
	}
	ubee_object_free(obj);
}

/* ---- CO-RE ------------------------------------------------------------ */

/* Write the .BTF of loader_core_target.<cpu>.o to a temporary file. */
static int target_btf(const char *cpu, char *path, size_t len)
{
	struct ubee_elf elf;
	size_t size, i;
	uint8_t *b = read_obj("loader_core_target", cpu, &size);
	int ok = 0;
	FILE *f;

	if (!b)
		return -1;
	if (ubee_elf_parse(&elf, b, size, NULL)) {
		free(b);
		return -1;
	}
	snprintf(path, len, "/tmp/ubee_test_loader_%d_%s.btf", (int)getpid(), cpu);
	for (i = 0; i < elf.nsecs; i++) {
		if (strcmp(elf.secs[i].name, ".BTF"))
			continue;
		f = fopen(path, "wb");
		ok = f && fwrite(b + elf.secs[i].offset, 1, (size_t)elf.secs[i].size, f) ==
			elf.secs[i].size;
		if (f)
			fclose(f);
	}
	ubee_elf_release(&elf);
	free(b);
	T_CHECK(ok, "cannot write %s", path);
	return ok ? 0 : -1;
}

static void check_core(const char *cpu)
{
	struct ubee_object *obj = open_obj("loader_core", cpu);
	char target[256];
	uint8_t task[64], skb[16], bits[4];
	int err;

	if (!obj)
		return;
	if (target_btf(cpu, target, sizeof(target)))
		goto out;
	err = load_mem(obj, 0, target);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	if (!err) {
		int32_t pid = 1000, tgid = 7;
		uint32_t mark = 99, f;

		memset(task, 0xee, sizeof(task));
		memcpy(task + 56, &pid, 4);
		memcpy(task + 16, &tgid, 4);
		expect_run(obj, "core_pid", task, sizeof(task), 1007);
		memset(skb, 0, sizeof(skb));
		memcpy(skb + 8, &mark, 4);
		expect_run(obj, "core_skb", skb, sizeof(skb), 99);
		/* exists(tgid) 1, exists(no_such) 0, size(comm) 32, BLUE 7 */
		expect_run(obj, "core_facts", task, sizeof(task), 1 + 3200 + 70000);
		expect_run(obj, "core_type_size", task, sizeof(task), 64);
		/* other 0xab, lo 5, mid 0x123, neg -3 */
		f = 0xab | 5u << 8 | 0x123u << 12 | (uint32_t)(-3 & 0xff) << 24;
		memcpy(bits, &f, 4);
		expect_run(obj, "core_bits", bits, sizeof(bits), 0x123 - 3);
	}
	ubee_object_free(obj);
	/* core_bad reads a field no target type has. */
	obj = open_obj("loader_core", cpu);
	if (obj) {
		err = load_mem(obj, 1, target);
		T_CHECK(err == -EINVAL &&
			strstr(lbuf, "program 'core_bad': instruction 0") &&
			strstr(lbuf, "task_struct___ubee") &&
			strstr(lbuf, "byte_off"), "core_bad: %d %s", err, lbuf);
		T_CHECK(!prog_of(obj, "core_pid"), "loaded after failure");
	}
	unlink(target);
out:
	ubee_object_free(obj);
}

static void core_known_target(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		t_begin("core_known_target_%s", cpus[c]);
		check_core(cpus[c]);
		t_end();
	}
}

/* The byte offset of member name of struct sname in btf, or -1. */
static long member_off(const struct ubee_btf *btf, const char *sname,
		       const char *name)
{
	int id = ubee_btf_find(btf, sname, UBEE_BTF_KIND_STRUCT);
	struct ubee_btf_type t;

	if (id < 0 || ubee_btf_type(btf, (uint32_t)id, &t))
		return -1;
	for (uint32_t i = 0; i < t.vlen; i++) {
		struct ubee_btf_member m;

		if (!ubee_btf_member(btf, (uint32_t)id, i, &m) && !strcmp(m.name, name))
			return (long)(m.bit_offset / 8);
	}
	return -1;
}

static void core_vmlinux(void)
{
	static const char *vmlinux = "/sys/kernel/btf/vmlinux";
	struct ubee_object *obj;
	struct ubee_object_load_opts o;
	struct ubee_btf *kbtf = NULL;
	const struct ubee_insn *insns;
	size_t n, size;
	uint8_t *buf;
	long pid, tgid, mark;
	int err;

	buf = t_read_file(vmlinux, &size);
	if (!buf) {
		t_skip("%s is not readable", vmlinux);
		return;
	}
	err = ubee_btf_parse(buf, size, &kbtf, fresh_log());
	free(buf);
	T_CHECK(!err, "vmlinux BTF: %d %s", err, lbuf);
	if (err)
		return;
	pid = member_off(kbtf, "task_struct", "pid");
	tgid = member_off(kbtf, "task_struct", "tgid");
	mark = member_off(kbtf, "__sk_buff", "mark");
	ubee_btf_free(kbtf);
	T_CHECK(pid > 0 && tgid > 0 && mark == 8, "kernel offsets %ld %ld %ld",
		pid, tgid, mark);
	obj = open_obj("loader_core", "v3");
	if (!obj)
		return;
	/* Only the relocations the kernel's types can satisfy. */
	for (size_t i = 0; i < ubee_object_prog_count(obj); i++)
		ubee_object_prog_set_autoload(obj, i, 0);
	ubee_object_prog_set_autoload(obj, (size_t)ubee_object_find_prog(obj, "core_pid"), 1);
	ubee_object_prog_set_autoload(obj, (size_t)ubee_object_find_prog(obj, "core_skb"), 1);
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.prog_flags = UBEE_PROG_NO_VERIFY; /* reads task_struct: kernel-only */
	err = ubee_object_load(obj, &o, fresh_log()); /* vmlinux by default */
	if (err == -EOPNOTSUPP) /* socket_filter missing: try as plain memory */
		err = load_mem(obj, 0, vmlinux);
	T_CHECK(!err, "load: %d %s", err, lbuf);
	if (!err) {
		ubee_object_prog_insns(obj, (size_t)ubee_object_find_prog(obj, "core_pid"),
				       &insns, &n);
		T_CHECK(n == 4 && insns[0].off == pid && insns[1].off == tgid,
			"core_pid offsets %d %d, kernel %ld %ld", insns[0].off,
			insns[1].off, pid, tgid);
		ubee_object_prog_insns(obj, (size_t)ubee_object_find_prog(obj, "core_skb"),
				       &insns, &n);
		T_CHECK(n == 2 && insns[0].off == 8, "core_skb offset %d", insns[0].off);
	}
	ubee_object_free(obj);
}

/* No target BTF at all: the error names program, instruction and type. */
static void core_no_target(void)
{
	struct ubee_object *obj = open_obj("loader_core", "v3");
	int err;

	if (!obj)
		return;
	err = load_mem(obj, 0, "");
	T_CHECK(err == -EINVAL && strstr(lbuf, "program 'core_pid': instruction 0") &&
		strstr(lbuf, "STRUCT task_struct___ubee") &&
		strstr(lbuf, "no target BTF"), "%d %s", err, lbuf);
	err = load_mem(obj, 0, "/nonexistent/vmlinux");
	T_CHECK(err == -ENOENT && strstr(lbuf, "/nonexistent/vmlinux"), "%d %s",
		err, lbuf);
	ubee_object_free(obj);
}

/* ---- corrupted objects ------------------------------------------------ */

/* A parsed pristine copy, to find what to patch. */
struct img {
	uint8_t *b;
	size_t size;
	struct ubee_elf elf;
	uint64_t shoff;
};

static int img_open(struct img *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->b = read_obj(name, "v3", &m->size);
	if (!m->b)
		return -1;
	if (ubee_elf_parse(&m->elf, m->b, m->size, NULL)) {
		t_fail(__FILE__, __LINE__, "%s does not parse", name);
		free(m->b);
		return -1;
	}
	m->shoff = ubee_le64(m->b + offsetof(Elf64_Ehdr, e_shoff));
	return 0;
}

static void img_close(struct img *m)
{
	ubee_elf_release(&m->elf);
	free(m->b);
}

static size_t sec_no(const struct img *m, const char *name)
{
	for (size_t i = 0; i < m->elf.nsecs; i++)
		if (!strcmp(m->elf.secs[i].name, name))
			return i;
	fprintf(stderr, "no section %s\n", name);
	abort();
}

static size_t sym_no(const struct img *m, const char *name)
{
	for (size_t i = 0; i < m->elf.nsyms; i++)
		if (!strcmp(m->elf.syms[i].name, name))
			return i;
	fprintf(stderr, "no symbol %s\n", name);
	abort();
}

static uint64_t sym_at(const struct img *m, size_t i)
{
	return m->elf.secs[m->elf.symtab].offset + i * sizeof(Elf64_Sym);
}

static uint64_t rel_at(const struct img *m, const char *sec, size_t i)
{
	return m->elf.secs[sec_no(m, sec)].offset + i * sizeof(Elf64_Rel);
}

static uint64_t insn_at(const struct img *m, const char *sec, size_t i)
{
	return m->elf.secs[sec_no(m, sec)].offset + i * 8;
}

static void wr(uint8_t *b, uint64_t off, int n, uint64_t v)
{
	for (int i = 0; i < n; i++, v >>= 8)
		b[off + (uint64_t)i] = (uint8_t)v;
}

static uint64_t rd(const uint8_t *b, uint64_t off, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[off + (uint64_t)i];
	return v;
}

#define R_INFO(m, off) ((off) + offsetof(Elf64_Rel, r_info))

/* Replace the first occurrence of s in section sec by t (same length). */
static void patch_str(struct img *m, const char *sec, const char *s,
		      const char *t)
{
	const struct ubee_elf_sec *h = &m->elf.secs[sec_no(m, sec)];
	uint8_t *p = memmem(m->b + h->offset, (size_t)h->size, s, strlen(s) + 1);

	if (!p)
		abort();
	memcpy(p, t, strlen(t));
}

/* The mutations; each names its object and the log fragment it expects. */
static void bad_rel_unaligned(struct img *m)
{
	uint64_t r = rel_at(m, ".relsocket", 0);

	wr(m->b, r, 8, rd(m->b, r, 8) + 4);
}

static void bad_rel_past(struct img *m)
{
	wr(m->b, rel_at(m, ".relsocket", 0), 8, 0x18);
}

static void bad_rel_sym(struct img *m)
{
	uint64_t r = R_INFO(m, rel_at(m, ".relsocket", 0));

	wr(m->b, r, 8, ELF64_R_INFO(9999, rd(m->b, r, 8) & 0xffffffff));
}

static void bad_rel_type_lddw(struct img *m)
{
	uint64_t r = R_INFO(m, rel_at(m, ".relsocket", 0));

	wr(m->b, r, 4, 1);
}

static void bad_rel_type_abs32(struct img *m)
{
	uint64_t r = R_INFO(m, rel_at(m, ".relsocket", 0));

	wr(m->b, r, 4, 3);
}

static void bad_call_target(struct img *m)
{
	wr(m->b, insn_at(m, "socket", 1) + 4, 4, 1000);
}

static void bad_extern(struct img *m)
{
	wr(m->b, sym_at(m, sym_no(m, "global_sq")) + offsetof(Elf64_Sym, st_shndx),
	   2, SHN_UNDEF);
}

static void bad_static_prog(struct img *m)
{
	wr(m->b, sym_at(m, sym_no(m, "prog_twice")) + offsetof(Elf64_Sym, st_info),
	   1, ELF64_ST_INFO(STB_LOCAL, STT_FUNC));
}

static void bad_pseudo_lddw(struct img *m)
{
	uint64_t at = insn_at(m, "tracepoint/syscalls/sys_enter_open", 0);

	m->b[at + 1] = (uint8_t)((m->b[at + 1] & 0x0f) | 2 << 4);
}

static void bad_two_relocs(struct img *m)
{
	wr(m->b, rel_at(m, ".relkprobe/do_sys_open", 1), 8,
	   rd(m->b, rel_at(m, ".relkprobe/do_sys_open", 0), 8));
}

static void bad_call_into_data(struct img *m)
{
	uint64_t r = R_INFO(m, rel_at(m, ".relsocket", 0));

	wr(m->b, r, 8, ELF64_R_INFO(sym_no(m, "LICENSE"), 10));
}

static void bad_func_addr_sym(struct img *m)
{
	uint64_t r = R_INFO(m, rel_at(m, ".reltracepoint/syscalls/sys_enter_open", 0));

	wr(m->b, r, 8, ELF64_R_INFO(sym_no(m, "LICENSE"), 1));
}

static void bad_btf_magic(struct img *m)
{
	wr(m->b, m->elf.secs[sec_no(m, ".BTF")].offset, 2, 0x1234);
}

static void bad_map_field(struct img *m)
{
	patch_str(m, ".BTF", "max_entries", "max_entriez");
}

static void bad_slot_offset(struct img *m)
{
	uint64_t r = rel_at(m, ".rel.maps", 0);

	wr(m->b, r, 8, rd(m->b, r, 8) - 8);
}

static void bad_slot_target(struct img *m)
{
	uint64_t r = R_INFO(m, rel_at(m, ".rel.maps", 2));

	wr(m->b, r, 8, ELF64_R_INFO(sym_no(m, "inner_a"), 2));
}

static void bad_data_offset(struct img *m)
{
	/* read_custom's lddw of .bss + 8 (calls) */
	for (size_t i = 0; i < m->elf.secs[sec_no(m, "tc")].size / 8; i++) {
		uint64_t at = insn_at(m, "tc", i);

		if (m->b[at] == 0x18 && rd(m->b, at + 4, 4) == 8) {
			wr(m->b, at + 4, 4, 0x100);
			return;
		}
	}
	abort();
}

static void bad_datasec_symbol(struct img *m)
{
	wr(m->b, sym_at(m, sym_no(m, "counter")) + offsetof(Elf64_Sym, st_shndx),
	   2, sec_no(m, ".data.custom"));
}

static void bad_no_btf(struct img *m)
{
	uint64_t h = m->shoff + sec_no(m, ".BTF") * sizeof(Elf64_Shdr);
	uint32_t off = (uint32_t)rd(m->b, h + offsetof(Elf64_Shdr, sh_name), 4);

	/* ".BTF" becomes ".BTX" (and ".rel.BTF", which may share it). */
	m->b[m->elf.secs[m->elf.shstrndx].offset + off + 3] = 'X';
}

static void bad_legacy_size(struct img *m)
{
	uint64_t h = m->shoff + sec_no(m, "maps") * sizeof(Elf64_Shdr);

	wr(m->b, h + offsetof(Elf64_Shdr, sh_size), 8,
	   rd(m->b, h + offsetof(Elf64_Shdr, sh_size), 8) - 1);
}

static void bad_legacy_extra(struct img *m)
{
	/* Both definitions grow to 24 bytes; the second one's extra word is
	 * not zero (the first's is the second's type). */
	uint64_t h = m->shoff + sec_no(m, "maps") * sizeof(Elf64_Shdr);

	wr(m->b, h + offsetof(Elf64_Shdr, sh_size), 8, 48);
}

static void bad_shared_offset(struct img *m)
{
	wr(m->b, sym_at(m, sym_no(m, "legacy_array")) + offsetof(Elf64_Sym, st_value),
	   8, 0);
}

static void bad_mid_map(struct img *m)
{
	/* the first lddw of a map in count gets an addend of 4 */
	for (size_t i = 0; i < m->elf.secs[sec_no(m, "socket")].size / 8; i++) {
		uint64_t at = insn_at(m, "socket", i);

		if (m->b[at] == 0x18) {
			wr(m->b, at + 4, 4, 4);
			return;
		}
	}
	abort();
}

struct bad {
	const char *name;
	const char *obj;
	void (*mutate)(struct img *m);
	const char *frag;
};

static const struct bad bads[] = {
	{ "rel_unaligned", "loader_progs", bad_rel_unaligned,
	  "(.relsocket): relocation 0 at offset 0xc (instruction 1 of socket): the offset is not a multiple of 8" },
	{ "rel_past_end", "loader_progs", bad_rel_past,
	  "relocation 0 at offset 0x18 (instruction 3 of socket): the offset is past the end of the section" },
	{ "rel_symbol_index", "loader_progs", bad_rel_sym,
	  "relocation 0: symbol index 9999 is out of range" },
	{ "rel_64_64_on_call", "loader_progs", bad_rel_type_lddw,
	  "R_BPF_64_64 needs an lddw, found opcode 0x85" },
	{ "rel_abs32_in_code", "loader_progs", bad_rel_type_abs32,
	  "relocation type 3 cannot apply to code" },
	{ "call_target_outside", "loader_progs", bad_call_target,
	  "target instruction 1001 of section .text (symbol '.text') is outside it" },
	{ "extern_symbol", "loader_progs", bad_extern,
	  "('global_sq') is undefined: externs (kconfig, ksyms, kfuncs) are not supported" },
	{ "static_program", "loader_progs", bad_static_prog,
	  "(xdp): program 'prog_twice' is static" },
	{ "pseudo_lddw_no_reloc", "loader_progs", bad_pseudo_lddw,
	  "program 'prog_loop': instruction 0 (tracepoint/syscalls/sys_enter_open instruction 0): lddw with pseudo source 2 (map value) but no relocation" },
	{ "two_relocs_one_insn", "loader_progs", bad_two_relocs,
	  "(kprobe/do_sys_open): instruction 1 has two relocations" },
	{ "call_into_data", "loader_progs", bad_call_into_data,
	  "call to symbol 'LICENSE' in section" },
	{ "lddw_of_license", "loader_progs", bad_func_addr_sym,
	  "symbol 'LICENSE' (offset 96 in section" },
	{ "btf_magic", "loader_maps", bad_btf_magic, "(.BTF): malformed BTF" },
	{ "unknown_map_field", "loader_maps", bad_map_field,
	  "unknown field 'max_entriez'" },
	{ "slot_not_in_values", "loader_maps", bad_slot_offset,
	  "(.rel.maps): relocation 0" },
	{ "prog_array_slot_map", "loader_maps", bad_slot_target,
	  "map 'jumps' slot 1 names 'inner_a', which is not a program" },
	{ "data_offset_outside", "loader_globals", bad_data_offset,
	  "offset 256 of symbol '.bss' is outside .bss (0xc bytes)" },
	{ "datasec_without_symbol", "loader_globals", bad_datasec_symbol,
	  "DATASEC" },
	{ "btf_ext_without_btf", "loader_globals", bad_no_btf,
	  "(.BTF.ext): there is no .BTF section for it" },
	{ "legacy_size", "loader_legacy", bad_legacy_size,
	  "(maps): 39 bytes do not divide into 2 map definitions" },
	{ "legacy_extra_bytes", "loader_legacy", bad_legacy_extra,
	  "has non-zero byte" },
	{ "maps_share_offset", "loader_legacy", bad_shared_offset,
	  "(maps): maps 'legacy_hash' and 'legacy_array' share offset 0x0" },
	{ "lddw_inside_map", "loader_maps", bad_mid_map,
	  "symbol 'counters' (offset " },
};

static void corrupt_rejected(void)
{
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(bads); i++) {
		struct ubee_object *obj = (void *)1;
		struct img m;
		int err;

		t_begin("corrupt_%s", bads[i].name);
		if (!img_open(&m, bads[i].obj)) {
			bads[i].mutate(&m);
			err = ubee_object_open_mem(m.b, m.size, "bad", &obj, fresh_log());
			T_CHECK(err == -EINVAL && !obj && strstr(lbuf, bads[i].frag),
				"%d, log: %s (expected '%s')", err, lbuf, bads[i].frag);
			if (!err)
				ubee_object_free(obj);
			img_close(&m);
		}
		t_end();
	}
}

/* No map bigger than 16 MiB (flipped sizes would make ASan abort on a
 * huge calloc instead of failing it). */
static int small_maps(const struct ubee_object *obj)
{
	for (size_t i = 0; i < ubee_object_map_count(obj); i++) {
		struct ubee_object_map_info mi;

		for (int inner = 0; inner < 2; inner++) {
			if (inner ? ubee_object_map_inner(obj, i, &mi)
				  : ubee_object_map(obj, i, &mi))
				continue;
			if ((uint64_t)mi.max_entries *
			    ((uint64_t)mi.key_size + mi.value_size + 64) > (16u << 20))
				return 0;
		}
	}
	return 1;
}

/* Byte flips in the sections the loader reads: errors, never crashes.
 * Objects that still open are loaded too (loader_core against its known
 * target, so CO-RE runs on damaged records). */
static void byte_flips_never_crash(void)
{
	static const char *const objs[] = { "loader_maps", "loader_globals",
					    "loader_core", "loader_progs" };
	static const char *const secs[] = { ".BTF", ".BTF.ext", ".rel.maps",
					    ".maps", ".symtab", ".relsocket",
					    "socket", ".text" };
	uint32_t seed = 12345;
	unsigned opened = 0, failed = 0, loaded = 0;
	char target[256];

	if (target_btf("v3", target, sizeof(target)))
		return;
	for (size_t o = 0; o < UBEE_ARRAY_SIZE(objs); o++) {
		struct img m;

		if (img_open(&m, objs[o]))
			break;
		for (int it = 0; it < 480; it++) {
			uint8_t *b = malloc(m.size);
			const struct ubee_elf_sec *s = NULL;
			struct ubee_object *obj = NULL;

			for (size_t k = 0; k < m.elf.nsecs; k++)
				if (!strcmp(m.elf.secs[k].name,
					    secs[(size_t)it % UBEE_ARRAY_SIZE(secs)]))
					s = &m.elf.secs[k];
			if (!b)
				break;
			memcpy(b, m.b, m.size);
			if (s && s->size && s->type != SHT_NOBITS) {
				for (int f = 0; f < 1 + it % 3; f++) {
					seed = seed * 1103515245u + 12345u;
					b[s->offset + (seed >> 8) % s->size] ^=
						(uint8_t)(1u << (seed >> 4) % 8);
				}
			}
			if (ubee_object_open_mem(b, m.size, "flip", &obj, fresh_log())) {
				failed++;
			} else {
				opened++;
				if (small_maps(obj))
					loaded += !load_mem(obj, 1, target);
				ubee_object_free(obj);
			}
			free(b);
		}
		img_close(&m);
	}
	unlink(target);
	T_CHECK(opened > 0 && failed > 0 && loaded > 0,
		"opened %u, failed %u, loaded %u", opened, failed, loaded);
}

static void alloc_failures_are_clean(void)
{
	struct ubee_object *obj = NULL;
	struct img m;
	long n;
	int err = -ENOMEM;

	if (img_open(&m, "loader_maps"))
		return;
	for (n = 0; n < 2000 && err; n++) {
		obj = (void *)1;
		ubee_fail_alloc_after(n);
		err = ubee_object_open_mem(m.b, m.size, "oom", &obj, fresh_log());
		ubee_fail_alloc_after(-1);
		if (err) {
			T_CHECK(err == -ENOMEM && !obj && strstr(lbuf, "out of memory"),
				"open after %ld allocations: %d %s", n, err, lbuf);
			continue;
		}
		ubee_object_free(obj);
	}
	T_CHECK(!err && n > 10, "never opened (%ld tries)", n);
	err = -ENOMEM;
	for (n = 0; n < 5000 && err; n++) {
		if (ubee_object_open_mem(m.b, m.size, "oom", &obj, fresh_log()))
			break;
		ubee_fail_alloc_after(n);
		err = load_mem(obj, 1, "");
		ubee_fail_alloc_after(-1);
		T_CHECK(!err || err == -ENOMEM, "load after %ld allocations: %d %s",
			n, err, lbuf);
		if (err)
			T_CHECK(!prog_of(obj, "count") && !map_of(obj, "counters"),
				"half loaded after %ld", n);
		ubee_object_free(obj);
	}
	T_CHECK(!err && n > 10, "never loaded (%ld tries)", n);
	img_close(&m);
}

/* ---- API edges -------------------------------------------------------- */

static void api_edges(void)
{
	struct ubee_object_prog_info pi;
	struct ubee_object_map_info mi;
	struct ubee_object_load_opts o;
	const struct ubee_insn *insns;
	struct ubee_object *obj;
	size_t n;

	T_EQ_U64(ubee_object_prog_count(NULL), 0);
	T_EQ_U64(ubee_object_map_count(NULL), 0);
	T_EQ_U64(ubee_object_prog(NULL, 0, &pi), -ENOENT);
	T_EQ_U64(ubee_object_map(NULL, 0, &mi), -ENOENT);
	T_EQ_U64(ubee_object_find_prog(NULL, "x"), -ENOENT);
	T_EQ_U64(ubee_object_find_map(NULL, "x"), -ENOENT);
	T_EQ_U64(ubee_object_load(NULL, NULL, NULL), -EINVAL);
	T_CHECK(!strcmp(ubee_object_license(NULL), ""), "license");
	T_CHECK(!ubee_object_btf(NULL), "btf");
	obj = open_obj("loader_maps", "v3");
	if (!obj)
		return;
	T_EQ_U64(ubee_object_prog(obj, 99, &pi), -ENOENT);
	T_EQ_U64(ubee_object_map(obj, 99, &mi), -ENOENT);
	T_EQ_U64(ubee_object_prog_insns(obj, 99, &insns, &n), -ENOENT);
	T_EQ_U64(ubee_object_find_prog(obj, "nope"), -ENOENT);
	T_EQ_U64(ubee_object_find_map(obj, "nope"), -ENOENT);
	T_EQ_U64(ubee_object_prog_set_autoload(obj, 99, 1), -ENOENT);
	T_CHECK(!strcmp(ubee_object_license(obj), "GPL"), "license");
	/* Options: a bigger struct with unknown non-zero bytes is refused. */
	{
		struct {
			struct ubee_object_load_opts o;
			uint64_t extra;
		} big;

		memset(&big, 0, sizeof(big));
		big.o.sz = sizeof(big);
		big.extra = 1;
		T_EQ_U64(ubee_object_load(obj, &big.o, fresh_log()), -EINVAL);
		memset(&o, 0, sizeof(o));
		o.sz = 2;
		T_EQ_U64(ubee_object_load(obj, &o, fresh_log()), -EINVAL);
	}
	T_CHECK(!ubee_object_map(obj, 0, &mi) && !mi.map, "no map before load");
	ubee_object_free(obj);
	ubee_object_free(NULL);
}

int main(void)
{
	T_RUN(sec_table);
	progs_listed();
	progs_run();
	T_RUN(types_and_autoload);
	T_RUN(line_info);
	maps_btf();
	globals();
	T_RUN(legacy_maps);
	core_known_target();
	T_RUN(core_vmlinux);
	T_RUN(core_no_target);
	corrupt_rejected();
	T_RUN(byte_flips_never_crash);
	T_RUN(alloc_failures_are_clean);
	T_RUN(api_edges);
	return t_summary();
}
