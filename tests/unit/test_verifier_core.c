// SPDX-License-Identifier: MIT
/*
 * The verifier core (src/verifier/verifier.c and friends):
 *  - every clang-built object of examples/bpf and tests/bpf (all -mcpu)
 *    loads with UBEE_PROG_NO_VERIFY and is then verified through
 *    ubee_verifier_run: each program must be accepted (except the ones
 *    listed as rejected, with the kernel's reason);
 *  - focused accept/reject cases in assembly for each rule of the core
 *    (register types, stack, ctx, map values, packets, helpers,
 *    references, spin locks, calls, callbacks, loops, pruning, return
 *    values, unprivileged mode), each reject with its message;
 *  - the log format, statistics and recorded facts;
 *  - big generated programs (straight line and many branches) within the
 *    complexity limit, with their times.
 *
 * With arguments (test_verifier_core OBJ...), verifies those objects
 * instead and prints each program's verdict, statistics and log
 * (UBEE_VLOG=0/1/2 picks the log level).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "testfile.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/progtype.h"
#include "util/util.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

static char lbuf[1 << 20];
static struct ubee_log tlog;

static void log_reset(void)
{
	ubee_log_init(&tlog, lbuf, sizeof(lbuf));
}

/* The last line of the log (without the newline). */
static const char *last_line(char *tmp, size_t size)
{
	size_t n = tlog.len;
	const char *p;

	while (n && lbuf[n - 1] == '\n')
		n--;
	p = lbuf + n;
	while (p > lbuf && p[-1] != '\n')
		p--;
	snprintf(tmp, size, "%.*s", (int)(lbuf + n - p), p);
	return tmp;
}

/* ---- objects ------------------------------------------------------------ */

struct obj_result {
	int nprogs, accepted;
};

/*
 * Verify every program of the object at path; print one case per
 * program ("<tag>/<prog>"): PASS when the verdict is the expected one
 * (accepted unless named in reject[] with the expected last-line text).
 */
struct expect_reject {
	const char *obj;   /* substring of the path */
	const char *prog;
	const char *why;   /* substring of the last log line */
};

static const struct expect_reject rejects[] = {
	/* multiplies a packet pointer it was given (the kernel refuses too) */
	{ "control.", "second", "R0 pointer arithmetic with *= operator prohibited" },
	/* LD_IND of r3 after an LD_ABS clobbered it (the kernel refuses too) */
	{ "forms.", "forms", "R3 !read_ok" },
	/* byte loads from an xdp context (the loader tests run them as "mem") */
	{ "loader_globals.", "accumulate", "invalid bpf_context access off=0 size=1" },
	{ "loader_maps.", "queue_it", "invalid bpf_context access off=0 size=1" },
	{ NULL, NULL, NULL },
};

static const struct expect_reject *find_reject(const char *path,
					       const char *prog)
{
	for (const struct expect_reject *r = rejects; r->obj; r++)
		if (strstr(path, r->obj) && !strcmp(prog, r->prog))
			return r;
	return NULL;
}

static int verify_object(const char *path, const char *tag, int level,
			 int verbose, struct obj_result *res)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_object *obj = NULL;
	int err;

	log_reset();
	err = ubee_object_open_file(path, &obj, &tlog);
	if (err)
		return err;
	lo.prog_flags = UBEE_PROG_NO_VERIFY;
	/* UBEE_VTYPE=mem: every program as plain memory (bench/progs). */
	if (verbose && getenv("UBEE_VTYPE") && !strcmp(getenv("UBEE_VTYPE"), "mem"))
		for (size_t i = 0; i < ubee_object_prog_count(obj); i++)
			ubee_object_prog_set_type(obj, i, UBEE_PROG_TYPE_MEM);
	err = ubee_object_load(obj, &lo, &tlog);
	if (err) {
		if (verbose)
			printf("%s: load failed (%d): %s\n", path, err, lbuf);
		ubee_object_free(obj);
		return err;
	}
	for (size_t i = 0; i < ubee_object_prog_count(obj); i++) {
		struct ubee_object_prog_info pi;
		struct ubee_verify_stats st;
		struct ubee_prog_opts po = { .sz = sizeof(po) };
		const struct ubee_object_line *lines = NULL;
		size_t nl = 0;
		const struct expect_reject *rj;
		char tmp[512];

		if (ubee_object_prog(obj, i, &pi) || !pi.prog)
			continue;
		ubee_object_prog_lines(obj, i, &lines, &nl);
		po.lines = lines;
		po.nr_lines = nl;
		po.log_level = level;
		po.stats = &st;
		po.ctx_size = getenv("UBEE_VCTX") ? (uint32_t)atoi(getenv("UBEE_VCTX")) : 64;
		pi.prog->ctx_size = po.ctx_size; /* unspec sections load as "mem" */
		log_reset();
		err = ubee_verifier_run(pi.prog, &po, &tlog);
		res->nprogs++;
		res->accepted += !err;
		rj = find_reject(path, pi.name);
		if (verbose) {
			printf("%s %s/%s: %s insns=%zu processed=%llu states=%u peak=%u stack=%u time=%lluus\n",
			       err ? "REJECT" : "ACCEPT", path, pi.name,
			       pi.prog_type_name, pi.prog->cnt,
			       (unsigned long long)st.insns_processed,
			       st.total_states, st.peak_states, st.stack_depth,
			       (unsigned long long)(st.time_ns / 1000));
			if (err || level)
				printf("%s\n", lbuf);
			continue;
		}
		t_begin("object %s/%s", tag, pi.name);
		if (rj) {
			T_CHECK(err == -EACCES, "accepted (%d), expected: %s", err,
				rj->why);
			T_CHECK(strstr(last_line(tmp, sizeof(tmp)), rj->why),
				"log ends '%s', expected '%s'", tmp, rj->why);
		} else {
			T_CHECK(!err, "rejected (%d): %s", err,
				last_line(tmp, sizeof(tmp)));
			T_CHECK(pi.prog->verified, "not marked verified");
			T_CHECK(st.insns_processed > 0 && st.error_insn == UINT32_MAX,
				"statistics: processed %llu error_insn %u",
				(unsigned long long)st.insns_processed,
				st.error_insn);
		}
		t_end();
	}
	ubee_object_free(obj);
	return 0;
}

static void objects_in(const char *dir, const char *suffix, const char *tag)
{
	char cmd[4200];
	FILE *p;
	char line[4096];
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls %s/*%s 2>/dev/null", dir, suffix);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		struct obj_result r = { 0, 0 };
		const char *base;
		char t[512];

		line[strcspn(line, "\n")] = 0;
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		/* unsafe on purpose: test_hostile checks their rejections */
		if (!strncmp(base, "hostile_", 8))
			continue;
		snprintf(t, sizeof(t), "%.200s/%.200s", tag, base);
		if (verify_object(line, t, 0, 0, &r)) {
			/* Not the verifier's business (a program type ubee
			 * lacks, a map over the memory cap, no kernel BTF). */
			t_begin("object %s", t);
			t_skip("does not load: %.200s", lbuf);
			t_end();
		}
		n++;
	}
	pclose(p);
	if (!n) {
		t_begin("objects %s", tag);
		t_skip("no objects in %s (make builds them)", dir);
		t_end();
	}
}

static void test_objects(void)
{
	const char *b = getenv("BUILD");
	char dir[4096];

	if (!b || !*b)
		b = "build";
	snprintf(dir, sizeof(dir), "%s/examples/bpf", b);
	objects_in(dir, ".o", "examples");
	snprintf(dir, sizeof(dir), "%s/bpf", b);
	objects_in(dir, ".o", "tests");
}

/* ---- assembly cases ------------------------------------------------------ */

struct vcase {
	const char *name;
	uint32_t type;         /* program type */
	uint32_t flags;        /* UBEE_PROG_* */
	const char *text;      /* assembly; maps: m_hash (fd slot 1), ... */
	const char *err;       /* NULL: accepted; else a substring of the last line */
};

/* Maps cases can reference with "r1 = map[N]" (lddw pseudo map idx). */
static struct ubee_map *maps[8];

static int resolve(void *arg, uint32_t insn, int src, int32_t imm, int32_t imm2,
		   uint64_t *value, struct ubee_log *log)
{
	(void)arg;
	(void)insn;
	(void)imm2;
	if (imm < 0 || imm >= 8 || !maps[imm]) {
		ubee_logf(log, "no map %d", imm);
		return -EINVAL;
	}
	if (src == 1 || src == 5) {
		*value = (uint64_t)(uintptr_t)maps[imm];
		return 0;
	}
	return -EINVAL;
}

static int run_case(const struct vcase *c, struct ubee_verify_stats *st,
		    int level)
{
	struct ubee_insn *insns = NULL;
	size_t cnt = 0;
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_prog *prog = NULL;
	int err;

	log_reset();
	err = ubee_asm(c->text, &insns, &cnt, &tlog);
	if (err)
		return 1000 + err;
	po.flags = c->flags | UBEE_PROG_NO_VERIFY;
	po.prog_type = c->type;
	po.resolve_ldimm64 = resolve;
	po.maps = maps;
	po.nr_maps = 0;
	while (po.nr_maps < 8 && maps[po.nr_maps])
		po.nr_maps++;
	po.ctx_size = 64;
	err = ubee_prog_load(insns, cnt, &po, &prog, &tlog);
	ubee_insns_free(insns);
	if (err)
		return 2000 + err;
	po.flags = c->flags;
	po.log_level = level;
	po.stats = st;
	log_reset();
	err = ubee_verifier_run(prog, &po, &tlog);
	ubee_prog_free(prog);
	return err;
}

#define XDP UBEE_PROG_TYPE_XDP
#define MEM UBEE_PROG_TYPE_MEM
#define SKF UBEE_PROG_TYPE_SOCKET_FILTER
#define TC UBEE_PROG_TYPE_SCHED_CLS
#define KP UBEE_PROG_TYPE_KPROBE

static const struct vcase cases[] = {
	{ "exit r0=0", MEM, 0, "r0 = 0\nexit\n", NULL },
	{ "r0 not init", MEM, 0, "exit\n", "R0 !read_ok" },
	{ "scalar deref", MEM, 0, "r1 = 5\nr0 = *(u8 *)(r1 + 0)\nexit\n",
	  "R1 invalid mem access 'scalar'" },
	{ "uninit reg read", MEM, 0, "r0 = r3\nexit\n", "R3 !read_ok" },
	{ "div by zero const", MEM, 0, "r0 = 1\nr0 /= 0\nexit\n", "div by zero" },
	{ "div by reg ok", MEM, 0, "r0 = 1\nr2 = 0\nr0 /= r2\nexit\n", NULL },
	{ "stack write read", MEM, 0,
	  "r1 = 7\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit\n", NULL },
	{ "stack out of bounds", MEM, 0, "r1 = 7\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit\n",
	  "invalid write to stack R10 off=-520 size=8" },
	{ "stack above fp", MEM, 0, "r1 = 7\n*(u64 *)(r10 + 0) = r1\nr0 = 0\nexit\n",
	  "invalid write to stack" },
	{ "uninit stack priv ok", MEM, 0, "r0 = *(u64 *)(r10 - 8)\nexit\n", NULL },
	{ "uninit stack unpriv", SKF, UBEE_PROG_UNPRIV,
	  "r0 = *(u64 *)(r10 - 8)\nexit\n", "invalid read from stack off -8+0 size 8" },
	{ "spill keeps pointer", MEM, 0,
	  "*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u8 *)(r2 + 0)\nexit\n",
	  NULL },
	{ "partial fill of pointer", MEM, 0,
	  "*(u64 *)(r10 - 8) = r1\nr2 = *(u32 *)(r10 - 8)\nr0 = 0\nexit\n",
	  "invalid size of register fill" },
	{ "ctx mem in bounds", MEM, 0, "r0 = *(u64 *)(r1 + 56)\nexit\n", NULL },
	{ "ctx mem out of bounds", MEM, 0, "r0 = *(u64 *)(r1 + 60)\nexit\n",
	  "invalid access to memory, mem_size=64 off=60 size=8" },
	{ "ctx mem pointer arithmetic", MEM, 0,
	  "r1 += 8\nr0 = *(u64 *)(r1 + 48)\nexit\n", NULL },
	{ "ctx modified", TC, 0, "r1 += 8\nr0 = *(u32 *)(r1 + 0)\nexit\n",
	  "dereference of modified ctx ptr R1 off=8 disallowed" },
	{ "xdp ctx field", XDP, 0, "r0 = *(u32 *)(r1 + 0)\nr0 = 2\nexit\n", NULL },
	{ "xdp ctx bad field", XDP, 0, "r0 = *(u32 *)(r1 + 200)\nr0 = 2\nexit\n",
	  "invalid bpf_context access off=200 size=4" },
	/* As the kernel: XDP return codes are not checked. */
	{ "xdp ret any", XDP, 0, "r0 = 7\nexit\n", NULL },
	{ "void subprog", MEM, 0,
	  "call f\nr0 = 0\nexit\nf:\nexit\n", NULL },
	{ "xdp ret bounded", XDP, 0,
	  "r0 = *(u32 *)(r1 + 12)\nif r0 > 4 goto +1\nexit\nr0 = 1\nexit\n", NULL },
	{ "xdp pkt no check", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nr0 = 2\nexit\n",
	  "R2 offset is outside of the packet" },
	{ "xdp pkt checked", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
	  "if r4 > r3 goto +2\nr0 = *(u8 *)(r2 + 13)\nr0 = 2\nr0 = 2\nexit\n", NULL },
	{ "xdp pkt checked one short", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
	  "if r4 > r3 goto +2\nr0 = *(u8 *)(r2 + 14)\nr0 = 2\nr0 = 2\nexit\n",
	  "R2 offset is outside of the packet" },
	{ "xdp pkt end first", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
	  "if r3 < r4 goto +1\nr0 = *(u16 *)(r2 + 12)\nr0 = 2\nexit\n", NULL },
	{ "pkt end arithmetic", XDP, 0,
	  "r3 = *(u32 *)(r1 + 4)\nr3 += 1\nr0 = 2\nexit\n",
	  "R3 pointer arithmetic on pkt_end prohibited" },
	{ "ptr 32-bit arith", MEM, 0, "w1 += 1\nr0 = 0\nexit\n",
	  "R1 32-bit pointer arithmetic prohibited" },
	{ "ptr mul", MEM, 0, "r1 *= 2\nr0 = 0\nexit\n",
	  "R1 pointer arithmetic with *= operator prohibited" },
	{ "bounded loop", MEM, 0,
	  "r0 = 0\nr1 = 0\nl:\nr0 += r1\nr1 += 1\nif r1 < 10 goto l\nexit\n", NULL },
	{ "infinite loop", MEM, 0, "r0 = 0\nl:\nr1 = 0\ngoto l\n",
	  "infinite loop detected at insn 1" },
	{ "unbounded loop", MEM, 0,
	  "r0 = 0\nr1 = *(u64 *)(r1 + 0)\nl:\nr0 += 1\nif r0 != r1 goto l\nexit\n",
	  "BPF program is too large" },
	{ "unpriv ptr leak ret", SKF, UBEE_PROG_UNPRIV, "r0 = r1\nexit\n",
	  "R0 leaks addr as return value" },
	{ "unpriv ptr cmp", SKF, UBEE_PROG_UNPRIV,
	  "r0 = 0\nif r1 > r10 goto +0\nexit\n", "pointer comparison prohibited" },
	{ "shift too big", MEM, 0, "r0 = 1\nr0 <<= 64\nexit\n", "invalid shift 64" },
	{ "call subprog", MEM, 0,
	  "r1 = 3\ncall f\nexit\nf:\nr0 = r1\nr0 += 1\nexit\n", NULL },
	{ "subprog clobbers r1", MEM, 0,
	  "r1 = 3\ncall f\nr0 = r1\nexit\nf:\nr0 = 0\nexit\n", "R1 !read_ok" },
	{ "subprog keeps r6", MEM, 0,
	  "r6 = 3\ncall f\nr0 = r6\nexit\nf:\nr0 = 0\nexit\n", NULL },
	{ "caller stack via pointer", MEM, 0,
	  "r1 = r10\nr1 += -8\ncall f\nr0 = *(u64 *)(r10 - 8)\nexit\n"
	  "f:\nr2 = 5\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit\n", NULL },
	{ "branch decided dead code safe", MEM, 0,
	  "r0 = 0\nr2 = 1\nif r2 == 1 goto +1\nr0 = *(u8 *)(r0 + 0)\nexit\n", NULL },
	{ "refined bound used", MEM, 0,
	  "r2 = *(u64 *)(r1 + 0)\nif r2 > 56 goto +3\nr1 += r2\nr0 = *(u8 *)(r1 + 7)\nexit\nr0 = 0\nexit\n",
	  NULL },
	{ "refined bound one over", MEM, 0,
	  "r2 = *(u64 *)(r1 + 0)\nif r2 > 57 goto +3\nr1 += r2\nr0 = *(u8 *)(r1 + 7)\nexit\nr0 = 0\nexit\n",
	  "R1 max value is outside of the allowed memory range" },
	/* map[0]: array key 4 value 16, 4 entries; map[1]: hash key 4 value 8 */
	{ "array lookup const key non-null", MEM, 0,
	  "r1 = 3\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\n"
	  "r1 = map_fd(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 8)\nexit\n", NULL },
	{ "array lookup zeroed key non-null", MEM, 0,
	  "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\n"
	  "r1 = map_fd(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 8)\nexit\n", NULL },
	{ "array lookup key past end maybe null", MEM, 0,
	  "r1 = 4\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\n"
	  "r1 = map_fd(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 8)\nexit\n",
	  "R0 invalid mem access 'map_value_or_null'" },
	{ "array lookup unknown key maybe null", MEM, 0,
	  "r3 = *(u32 *)(r1 + 0)\n*(u32 *)(r10 - 8) = r3\nr2 = r10\nr2 += -8\n"
	  "r1 = map_fd(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 8)\nexit\n",
	  "R0 invalid mem access 'map_value_or_null'" },
	{ "array lookup unpriv const key maybe null", SKF, UBEE_PROG_UNPRIV,
	  "r1 = 1\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\n"
	  "r1 = map_fd(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 8)\nr0 = 0\nexit\n",
	  "R0 invalid mem access 'map_value_or_null'" },
	{ "hash lookup const key maybe null", MEM, 0,
	  "r1 = 1\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\n"
	  "r1 = map_fd(1) ll\ncall 1\nr0 = *(u64 *)(r0 + 0)\nexit\n",
	  "R0 invalid mem access 'map_value_or_null'" },
	{ "const key decided by branch is precise", MEM, 0,
	  /* key 1 or 5 (past the end): the two paths must not prune */
	  "r3 = *(u32 *)(r1 + 0)\nr4 = 1\nif r3 == 0 goto +1\nr4 = 5\n"
	  "*(u32 *)(r10 - 8) = r4\nr2 = r10\nr2 += -8\n"
	  "r1 = map_fd(0) ll\ncall 1\nr0 = *(u64 *)(r0 + 8)\nexit\n",
	  "R0 invalid mem access 'map_value_or_null'" },
	{ "may_goto loop bounded access", MEM, 0,
	  "r6 = 0\nl:\nmay_goto out\nr6 += 1\nif r6 > 56 goto out\n"
	  "r2 = r1\nr2 += r6\nr0 = *(u8 *)(r2 + 7)\ngoto l\nout:\nr0 = 0\nexit\n",
	  NULL },
	{ "may_goto loop access one over", MEM, 0,
	  "r6 = 0\nl:\nmay_goto out\nr6 += 1\nif r6 > 57 goto out\n"
	  "r2 = r1\nr2 += r6\nr0 = *(u8 *)(r2 + 7)\ngoto l\nout:\nr0 = 0\nexit\n",
	  "invalid access to memory, mem_size=64 off=64 size=1" },
	{ "may_goto loop counter unchecked", MEM, 0,
	  "r6 = 0\nl:\nmay_goto out\nr6 += 1\n"
	  "r2 = r1\nr2 += r6\nr0 = *(u8 *)(r2 + 0)\ngoto l\nout:\nr0 = 0\nexit\n",
	  "invalid access to memory, mem_size=64 off=64 size=1" },
	{ "may_goto counter cycles", MEM, 0,
	  /* r6 cycles 1, 2, 3, 0 (precise: an offset): the iterations meet */
	  "r6 = 0\nl:\nmay_goto out\nr6 += 1\nr6 &= 3\n"
	  "r2 = r1\nr2 += r6\nr0 = *(u32 *)(r2 + 56)\ngoto l\nout:\nr0 = 0\nexit\n",
	  NULL },
	{ "may_goto counter cycles one over", MEM, 0,
	  "r6 = 0\nl:\nmay_goto out\nr6 += 1\nr6 &= 7\n"
	  "r2 = r1\nr2 += r6\nr0 = *(u32 *)(r2 + 56)\ngoto l\nout:\nr0 = 0\nexit\n",
	  "invalid access to memory, mem_size=64 off=61 size=4" },
	{ "pkt beyond end decides later compare", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
	  "if r4 > r3 goto far\nr0 = 2\nexit\n"
	  "far:\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nout:\nr0 = 1\nexit\n",
	  NULL },
	{ "pkt at end decides ge", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
	  "if r4 < r3 goto in\nif r4 >= r3 goto out\nr0 = *(u8 *)(r2 + 0)\n"
	  "out:\nr0 = 1\nexit\nin:\nr0 = *(u8 *)(r2 + 13)\nr0 = 2\nexit\n",
	  NULL },
	{ "pkt moved pointer forgets end", XDP, 0,
	  "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\n"
	  "if r4 > r3 goto far\nr0 = 2\nexit\n"
	  "far:\nr4 += -20\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 0)\nout:\nr0 = 1\nexit\n",
	  "R2 offset is outside of the packet" },
	{ "constant offset is precise for pruning", MEM, 0,
	  /* the path with r6 = 0 stores a state at 7; r6 = 100 must not
	   * be pruned there (the constant decides the access) */
	  "r3 = *(u32 *)(r1 + 0)\nr4 = *(u32 *)(r1 + 4)\nr6 = 100\n"
	  "if r3 != 0 goto l2\nr6 = 0\nif r4 == 5 goto +0\nif r4 == 6 goto +0\n"
	  "l2:\nr2 = r1\nr2 += r6\nr0 = *(u8 *)(r2 + 0)\nexit\n",
	  "invalid access to memory, mem_size=64 off=100 size=1" },
	/* stack liveness: a slot read later must be compared when pruning
	 * (the path with a pointer in fp-8 stores a state the path with a
	 * scalar there reaches; these layouts make the heuristics store it) */
	{ "stack slot read later is live", MEM, 0,
	  "r3 = *(u32 *)(r1 + 0)\nr4 = *(u32 *)(r1 + 4)\nr2 = 5\n*(u64 *)(r10 - 8) = r2\n"
	  "if r3 != 0 goto l2\n*(u64 *)(r10 - 8) = r1\nif r4 == 5 goto +0\nif r4 == 6 goto +0\n"
	  "l2:\nr0 = 3\nr0 = 3\nr0 = 3\nif r4 == 7 goto +0\n"
	  "r5 = *(u64 *)(r10 - 8)\nr0 = *(u8 *)(r5 + 0)\nexit\n",
	  "R5 invalid mem access 'scalar'" },
	{ "stack slot read by callee is live", MEM, 0,
	  "r3 = *(u32 *)(r1 + 0)\nr4 = *(u32 *)(r1 + 4)\nr2 = 5\n*(u64 *)(r10 - 8) = r2\n"
	  "if r3 != 0 goto l2\n*(u64 *)(r10 - 8) = r1\nif r4 == 5 goto +0\nif r4 == 6 goto +0\n"
	  "l2:\nr1 = r10\nr1 += -8\ncall f\nexit\n"
	  "f:\nr2 = *(u64 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit\n",
	  "R2 invalid mem access 'scalar'" },
	{ "stack slot overwritten is dead", MEM, 0,
	  "r3 = *(u32 *)(r1 + 0)\nr4 = *(u32 *)(r1 + 4)\nr2 = 5\n*(u64 *)(r10 - 8) = r2\n"
	  "if r3 != 0 goto l2\n*(u64 *)(r10 - 8) = r1\nif r4 == 5 goto +0\nif r4 == 6 goto +0\n"
	  "l2:\nr0 = 3\nr0 = 3\nr0 = 3\nif r4 == 7 goto +0\n*(u64 *)(r10 - 8) = r1\n"
	  "r5 = *(u64 *)(r10 - 8)\nr0 = *(u8 *)(r5 + 0)\nexit\n",
	  NULL },
	{ "misaligned atomic on ctx mem", MEM, 0,
	  "r2 = 1\nlock *(u32 *)(r1 + 2) += r2\nr0 = 0\nexit\n",
	  "misaligned access off 0+0+2 size 4" },
	{ "aligned atomic on ctx mem", MEM, 0,
	  "r2 = 1\nlock *(u64 *)(r1 + 8) += r2\nr0 = 0\nexit\n", NULL },
	{ "misaligned stack access first", MEM, 0,
	  "r1 = 1\n*(u64 *)(r10 - 516) = r1\nr0 = 0\nexit\n",
	  "misaligned stack access off 0+0+-516 size 8" },
	{ "atomic grows stack", MEM, 0,
	  /* the first access of a deep slot grows (moves) the frame */
	  "r2 = 1\n*(u64 *)(r10 - 8) = r2\nr3 = 2\n*(u64 *)(r10 - 512) = r3\n"
	  "lock *(u64 *)(r10 - 504) += r2\nr0 = *(u64 *)(r10 - 8)\nexit\n", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* The maps the cases use (map_fd(N)). */
static void make_maps(void)
{
	struct ubee_map_spec a = { .sz = sizeof(a), .name = "arr",
		.type = UBEE_MAP_ARRAY, .key_size = 4, .value_size = 16,
		.max_entries = 4 };
	struct ubee_map_spec h = { .sz = sizeof(h), .name = "hash",
		.type = UBEE_MAP_HASH, .key_size = 4, .value_size = 8,
		.max_entries = 16 };

	if (!maps[0])
		maps[0] = ubee_map_new(&a, NULL);
	if (!maps[1])
		maps[1] = ubee_map_new(&h, NULL);
}

static void free_maps(void)
{
	for (int i = 0; i < 8; i++) {
		if (maps[i])
			ubee_map_put(maps[i]);
		maps[i] = NULL;
	}
}

static void test_cases(void)
{
	make_maps();
	for (const struct vcase *c = cases; c->name; c++) {
		struct ubee_verify_stats st;
		char tmp[512];
		int err;

		t_begin("asm %s", c->name);
		err = run_case(c, &st, 0);
		if (err >= 1000) {
			t_fail(__FILE__, __LINE__, "does not assemble/load (%d): %s",
			       err, lbuf);
		} else if (!c->err) {
			T_CHECK(!err, "rejected (%d): %s", err,
				last_line(tmp, sizeof(tmp)));
		} else {
			T_CHECK(err, "accepted, expected '%s'", c->err);
			T_CHECK(strstr(last_line(tmp, sizeof(tmp)), c->err) ||
					strstr(lbuf, c->err),
				"log ends '%s', expected '%s'", tmp, c->err);
		}
		t_end();
	}
}

/*
 * Log levels: 1 keeps the trace of the path that failed only (as the
 * kernel's), 2 every path with the states.
 */
static void test_log_levels(void)
{
	static const struct vcase c = { "trace", MEM, 0,
		"r3 = *(u32 *)(r1 + 0)\nr4 = *(u32 *)(r1 + 4)\nr6 = 100\n"
		"if r3 != 0 goto l2\nr6 = 0\nif r4 == 5 goto +0\nif r4 == 6 goto +0\n"
		"l2:\nr2 = r1\nr2 += r6\nr0 = *(u8 *)(r2 + 0)\nexit\n", "" };
	struct ubee_verify_stats st;

	T_CHECK(run_case(&c, &st, 1) == -EACCES, "level 1: not rejected");
	T_CHECK(strstr(lbuf, "3: (55) if r3 != 0x0 goto +0x3\n7: (bf) r2 = r1"),
		"level 1: no path trace: %s", lbuf);
	T_CHECK(!strstr(lbuf, "4: (b7)"), "level 1: the other path shows: %s",
		lbuf);
	T_CHECK(strstr(lbuf, "9: R1=mem(sz=64) R2=mem(off=100,sz=64)"),
		"level 1: no state at the error: %s", lbuf);
	T_CHECK(strstr(lbuf, " insns (limit 1000000) max_states_per_insn "),
		"level 1: no statistics line: %s", lbuf);
	T_CHECK(run_case(&c, &st, 2) == -EACCES, "level 2: not rejected");
	T_CHECK(strstr(lbuf, "4: (b7) r6 = 0x0") && strstr(lbuf, "from 3 to 7:") &&
			strstr(lbuf, "7: safe"),
		"level 2: not every path: %s", lbuf);
	T_CHECK(run_case(&c, &st, 0) == -EACCES && !strstr(lbuf, "(71)") &&
			strstr(lbuf, "9: R2 min value is outside"),
		"level 0: %s", lbuf);
}

/* ---- pruning soundness on random programs -------------------------------- */

/*
 * Random programs made to stress pruning (test_oracle records facts,
 * which makes every comparison exact, so it cannot see a pruning bug):
 * forward branches on bounded scalars, spills and fills of scalars and
 * pointers, pointer arithmetic with scalars the branches may or may not
 * bound, loads through the results. Each is verified as usual (imprecise
 * scalars, stack liveness, the store heuristics) and every accepted one
 * runs in checked mode on random contexts: a fault means the verifier
 * accepted an unsafe path, most likely by pruning it.
 */
#define PS_CTX 64
#define PS_BODY 40

struct ps_rng {
	uint64_t s;
};

static uint32_t ps_next(struct ps_rng *r, uint32_t n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)((r->s >> 11) % n);
}

#define PI(c, d, sr, o, i) (struct ubee_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (sr), .off = (int16_t)(o), .imm = (i) }

static size_t ps_make(struct ps_rng *r, struct ubee_insn *p)
{
	static const uint8_t sc[] = { 0, 2, 3, 4, 5 };  /* scalars */
	static const uint8_t ldx[] = { 0x71, 0x69, 0x61 }; /* u8 u16 u32 */
	static const uint8_t alu_k[] = { 0x07, 0x17, 0x57, 0x47, 0xa7, 0x77, 0x67, 0x27 };
	static const uint8_t alu_x[] = { 0x0f, 0x1f, 0x5f, 0x4f };
	static const uint8_t jmp_k[] = { 0x25, 0x35, 0xa5, 0xb5, 0x15, 0x55, 0x65, 0xc5 };
	static const uint8_t jmp_x[] = { 0x2d, 0x3d, 0xad, 0xbd, 0x1d, 0x5d };
	size_t n = 0, end;

	for (int k = 0; k < 5; k++)
		p[n++] = PI(ldx[ps_next(r, 3)], sc[k], 1, 8 * k, 0);
	p[n++] = PI(0xbf, 6, 1, 0, 0);
	end = n + PS_BODY;
	while (n < end) {
		uint8_t d = sc[ps_next(r, 5)], s2 = sc[ps_next(r, 5)];
		uint32_t left = (uint32_t)(end - n);
		int slot = -8 * (int)(1 + ps_next(r, 4));

		switch (ps_next(r, 10)) {
		case 0:
			p[n++] = PI(alu_k[ps_next(r, 8)], d, 0, 0,
				    (int32_t)ps_next(r, 8));
			break;
		case 1:
			p[n++] = PI(alu_x[ps_next(r, 4)], d, s2, 0, 0);
			break;
		case 2: /* mostly small constants, some past the context */
			p[n++] = PI(0xb7, d, 0, 0, (int32_t)(ps_next(r, 4) ?
				    ps_next(r, 56) : 56 + ps_next(r, 64)));
			break;
		case 3: case 4:
			if (left < 3)
				break;
			if (ps_next(r, 2))
				p[n++] = PI(jmp_k[ps_next(r, 8)], d, 0,
					    1 + ps_next(r, left - 2),
					    (int32_t)ps_next(r, 72));
			else
				p[n++] = PI(jmp_x[ps_next(r, 6)], d, s2,
					    1 + ps_next(r, left - 2), 0);
			break;
		case 5: /* spill a scalar or the ctx pointer */
			p[n++] = PI(0x7b, 10, ps_next(r, 3) ? d : 1, slot, 0);
			break;
		case 6: /* fill */
			p[n++] = PI(0x79, ps_next(r, 2) ? 6 : d, 10, slot, 0);
			break;
		case 7: /* ctx + scalar (bounded by a check, or not), a load */
			if (left < 5)
				break;
			if (ps_next(r, 2))
				p[n++] = PI(0x25, d, 0, 3, (int32_t)ps_next(r, 60));
			p[n++] = PI(0xbf, 6, 1, 0, 0);
			p[n++] = PI(0x0f, 6, d, 0, 0);
			p[n++] = PI(0x71, 0, 6, (int32_t)ps_next(r, 8), 0);
			break;
		case 8: /* a load through r6 (whatever it holds) */
			if (ps_next(r, 2))
				p[n++] = PI(0x71, 0, 6, (int32_t)ps_next(r, 8), 0);
			break;
		default: /* a stack pointer with a variable offset */
			if (left < 5)
				break;
			p[n++] = PI(0xbf, 8, d, 0, 0);
			p[n++] = PI(0x57, 8, 0, 0, ps_next(r, 8) ? 24 : 28);
			p[n++] = PI(0x17, 8, 0, 0, 32);
			p[n++] = PI(0xbf, 7, 10, 0, 0);
			p[n++] = PI(0x0f, 7, 8, 0, 0);
			p[n++] = PI(0x79, 0, 7, 0, 0);
			break;
		}
	}
	p[n++] = PI(0x95, 0, 0, 0, 0);
	return n;
}

static void test_prune_soundness(void)
{
	const char *l = getenv("UBEE_LONG");
	long count = l && !strcmp(l, "1") ? 200000 : 6000, k;
	long accepted = 0, pruned = 0, runs = 0, bad = 0;
	struct ps_rng rng = { 0x9e3779b97f4a7c15ull };
	struct ubee_insn insns[6 + PS_BODY + 8];

	for (k = 0; k < count && bad < 3; k++) {
		size_t n = ps_make(&rng, insns);
		struct ubee_prog_opts po = { .sz = sizeof(po) };
		struct ubee_verify_stats st;
		struct ubee_prog *prog = NULL;
		uint64_t seed = rng.s;
		int err;

		po.flags = UBEE_PROG_NO_VERIFY;
		po.prog_type = UBEE_PROG_TYPE_MEM;
		po.ctx_size = PS_CTX;
		log_reset();
		if (ubee_prog_load(insns, n, &po, &prog, &tlog))
			continue;
		po.flags = 0;
		po.stats = &st;
		err = ubee_verifier_run(prog, &po, &tlog);
		if (err && getenv("UBEE_PS_WHY")) {
			char tmp[256];

			printf("# why: %s\n", last_line(tmp, sizeof(tmp)));
		}
		if (!err) {
			accepted++;
			pruned += st.total_states > 0;
		}
		for (int j = 0; !err && j < 16; j++) {
			struct ubee_run_opts ro = { .sz = sizeof(ro) };
			uint8_t ctx[PS_CTX] __attribute__((aligned(8)));
			uint64_t r0;

			for (size_t b = 0; b < sizeof(ctx); b++)
				ctx[b] = (uint8_t)(j < 8 ? ps_next(&rng, 80)
							 : ps_next(&rng, 256));
			ro.ctx = ctx;
			ro.ctx_size = sizeof(ctx);
			ro.engine = UBEE_ENGINE_INTERP;
			ro.flags = UBEE_RUN_CHECKED;
			ro.insn_budget = 100000;
			log_reset();
			runs++;
			err = ubee_prog_run(prog, &ro, &r0, &tlog);
			if (err && err != -ETIME) {
				bad++;
				t_fail(__FILE__, __LINE__,
				       "program %ld (state 0x%llx) accepted but faults: %d: %s",
				       k, (unsigned long long)seed, err, lbuf);
			}
		}
		ubee_prog_free(prog);
	}
	printf("# prune soundness: %ld programs, %ld accepted (%ld storing states), %ld checked runs\n",
	       k, accepted, pruned, runs);
	T_CHECK(accepted * 20 >= k, "only %ld of %ld accepted", accepted, k);
}

/* ---- big generated programs ---------------------------------------------- */

static int verify_insns(const struct ubee_insn *insns, size_t cnt,
			struct ubee_verify_stats *st)
{
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_prog *prog = NULL;
	int err;

	po.flags = UBEE_PROG_NO_VERIFY;
	po.ctx_size = 64;
	log_reset();
	err = ubee_prog_load(insns, cnt, &po, &prog, &tlog);
	if (err)
		return 1000 + err;
	po.flags = 0;
	po.stats = st;
	err = ubee_verifier_run(prog, &po, &tlog);
	ubee_prog_free(prog);
	return err;
}

#define INSN(c, d, s, o, i) ((struct ubee_insn){ (c), (d), (s), (o), (i) })

/* 100k instructions of straight-line ALU and stack traffic. */
static void test_big_straight(void)
{
	size_t n = 100000, k = 0;
	struct ubee_insn *p = calloc(n, sizeof(*p));
	struct ubee_verify_stats st;
	int err;

	p[k++] = INSN(0xb7, 0, 0, 0, 0);                 /* r0 = 0 */
	while (k < n - 1) {
		p[k++] = INSN(0x07, 0, 0, 0, 1);         /* r0 += 1 */
		p[k++] = INSN(0x7b, 10, 0, -8, 0);       /* *(u64 *)(r10 - 8) = r0 */
		p[k++] = INSN(0x79, 0, 10, -8, 0);       /* r0 = *(u64 *)(r10 - 8) */
	}
	k = n - 1;
	p[k++] = INSN(0x95, 0, 0, 0, 0);
	err = verify_insns(p, k, &st);
	T_CHECK(!err, "rejected (%d): %s", err, lbuf);
	T_CHECK(st.insns_processed == k, "processed %llu of %zu",
		(unsigned long long)st.insns_processed, k);
	printf("# straight %zu insns: %llu processed, %llu us\n", k,
	       (unsigned long long)st.insns_processed,
	       (unsigned long long)st.time_ns / 1000);
	free(p);
}

/* 2000 independent branches on an unknown value: pruning keeps it linear. */
static void test_big_branches(void)
{
	size_t n = 2 + 2000 * 3 + 2, k = 0;
	struct ubee_insn *p = calloc(n, sizeof(*p));
	struct ubee_verify_stats st;
	int err;

	p[k++] = INSN(0x79, 2, 1, 0, 0);                 /* r2 = *(u64 *)(r1 + 0) */
	p[k++] = INSN(0xb7, 0, 0, 0, 0);                 /* r0 = 0 */
	for (int i = 0; i < 2000; i++) {
		p[k++] = INSN(0x25, 2, 0, 1, i);         /* if r2 > i goto +1 */
		p[k++] = INSN(0x07, 3, 0, 0, 0);         /* placeholder, replaced */
		p[k++] = INSN(0x77, 2, 0, 0, 1);         /* r2 >>= 1 */
		p[k - 2] = INSN(0xb7, 3, 0, 0, i);       /* r3 = i (dead) */
	}
	p[k++] = INSN(0xb7, 0, 0, 0, 1);
	p[k++] = INSN(0x95, 0, 0, 0, 0);
	err = verify_insns(p, k, &st);
	T_CHECK(!err, "rejected (%d): %s", err, lbuf);
	T_CHECK(st.insns_processed < 100000, "processed %llu",
		(unsigned long long)st.insns_processed);
	printf("# branches %zu insns: %llu processed, %u states, %llu us\n", k,
	       (unsigned long long)st.insns_processed, st.total_states,
	       (unsigned long long)st.time_ns / 1000);
	free(p);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		const char *lv = getenv("UBEE_VLOG");
		int level = lv ? atoi(lv) : 0;

		for (int i = 1; i < argc; i++) {
			struct obj_result r = { 0, 0 };

			if (verify_object(argv[i], argv[i], level, 1, &r))
				printf("%s: cannot load: %s\n", argv[i], lbuf);
		}
		return 0;
	}
	test_cases();
	free_maps();
	T_RUN(test_log_levels);
	T_RUN(test_prune_soundness);
	T_RUN(test_big_straight);
	T_RUN(test_big_branches);
	test_objects();
	return t_summary();
}
