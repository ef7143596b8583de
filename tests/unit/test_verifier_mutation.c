// SPDX-License-Identifier: MIT
/*
 * The verifier's soundness against the kernel's verdicts, three ways:
 *
 *  1. Mutation test (issue 5 item 6e). Accepted programs - the accepted
 *     cases of the table (tests/verifier) and the programs of the
 *     examples objects (build/examples/bpf/ *.o) - are mutated one change
 *     at a time: a conditional jump becomes a no-op or an unconditional
 *     jump (a bounds or null check removed either way), a store to the
 *     stack is dropped (an initialization removed). A mutant is unsafe
 *     when this machine's kernel rejects it or, for table cases with an
 *     input, when the checked interpreter faults on that input. Every
 *     unsafe mutant must be rejected by ubee: one line per program, FAIL
 *     naming the first mutant ubee accepted.
 *  2. Examples differential (item 6d): every program of the examples
 *     objects must get the kernel's verdict from ubee (both accept).
 *  3. Random differential (item 6d): programs assembled from risky
 *     snippets (packet reads with or without a bounds check in every
 *     comparison style, map value reads with or without a null check at
 *     random offsets, stack reads of slots maybe never written, scalars
 *     with or without bounds used as offsets) verified by both: ubee
 *     accepts + kernel rejects = FAIL; kernel accepts + ubee rejects = a
 *     precision gap, counted and shown (INFO). Programs ubee accepts also
 *     run in checked mode on a random packet and must not fault.
 *
 * Every program is handled in a child process with a time limit (a hang
 * of the verifier is a FAIL, not a stuck test). Everything SKIPs when
 * bpf() is refused here.
 *
 * Environment: UBEE_MUT_RANDOM (random programs, default 300),
 * UBEE_MUT_SEED (default 1), UBEE_VCASES, UBEE_VCASE_ONLY.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "kbpf.h"
#include "randprog.h"
#include "test.h"
#include "testfile.h"
#include "ubee/asm.h"
#include "ubee/object.h"
#include "ubee/progtype.h"
#include "vcase.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#define PROG_SECONDS 120
/* A child's exit status; anything else (a sanitizer's report, a crash)
 * is reported as a crash of the program it handled. */
#define CHILD_OK 64
#define CHILD_FAILED 65
#define MAX_INSNS 4096

static char klog[1 << 18];
static const char *case_dir = "tests/verifier";
static char cur_test[300];   /* the current test line's id */

/* A failure of the current test line, or a SKIP when it is a known one. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (vcase_known_failure(case_dir, cur_test))
		t_skip("known failure: %s", msg);
	else
		t_fail(__FILE__, __LINE__, "%s", msg);
}

/* t_begin that also remembers the id for report(). */
#define BEGIN(...)                                                            \
	do {                                                                  \
		snprintf(cur_test, sizeof(cur_test), __VA_ARGS__);            \
		t_begin("%s", cur_test);                                      \
	} while (0)
static char ulog[1 << 14];

/* Counts a child reports back through a pipe. */
struct counts {
	unsigned mutants, unsafe, caught, missed, precision;
	unsigned agree, ubee_only, kernel_only, runs;
	char first[512];          /* first missed mutant / gap */
};

/* ---- verdicts ------------------------------------------------------------ */

/* The kernel's verdict: 1 accept, 0 reject, -1 cannot tell (skip). */
static int kernel_verdict(const struct vcase *c, const struct ubee_insn *p,
			  size_t n)
{
	int fd;

	klog[0] = '\0';
	fd = vcase_kernel_load(c, p, n, klog, sizeof(klog));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -ENOTSUP)
		return -1;
	return 0;
}

/*
 * ubee's verdict (1 / 0; -1 when the case cannot be loaded for a reason
 * that is no verdict). With run, an accepted program is also run once
 * in checked mode on c->input; *fault is set when that run faults.
 */
static int ubee_verdict(const struct vcase *c, const struct ubee_insn *p,
			size_t n, int run, int *fault)
{
	struct vcase_ubee u;
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_log log;
	int rc;

	*fault = 0;
	ubee_log_init(&log, ulog, sizeof(ulog));
	rc = vcase_ubee_load(c, p, n, 0, &u, &log);
	if (rc == -ENOTSUP) {
		vcase_ubee_free(&u);
		return -1;
	}
	if (!rc) {
		po.prog_type = c->prog_type;
		po.flags = u.prog->flags;
		po.maps = u.maps;
		po.nr_maps = (size_t)u.nr_maps;
		rc = ubee_verifier_run(u.prog, &po, &log);
	}
	if (!rc && run && c->input) {
		uint8_t out[4096];
		struct ubee_test_run t = {
			.sz = sizeof(t), .data_in = c->input,
			.data_size_in = c->input_len,
			.engine = UBEE_ENGINE_INTERP, .flags = UBEE_RUN_CHECKED,
			.data_out = out, .data_size_out = sizeof(out),
		};
		char rlog[256];
		struct ubee_log l2;

		ubee_log_init(&l2, rlog, sizeof(rlog));
		*fault = ubee_prog_test_run(u.prog, &t, &l2) == -EFAULT;
	}
	vcase_ubee_free(&u);
	return rc ? 0 : 1;
}

/* The types whose ubee test runs take the case's input as a packet. */
static int ubee_runs(uint32_t type)
{
	return type == UBEE_PROG_TYPE_SOCKET_FILTER || type == UBEE_PROG_TYPE_XDP ||
	       type == UBEE_PROG_TYPE_SCHED_CLS || type == UBEE_PROG_TYPE_SCHED_ACT;
}

/* ---- mutations ---------------------------------------------------------- */

static int is_cond_jump(const struct ubee_insn *in)
{
	uint8_t cls = in->code & 7, op = in->code & 0xf0;

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA &&
	       op != BPF_CALL && op != BPF_EXIT && op != 0xe0 /* may_goto */;
}

static int is_stack_store(const struct ubee_insn *in)
{
	uint8_t cls = in->code & 7;

	return (cls == BPF_ST || cls == BPF_STX) &&
	       (in->code & 0xe0) == BPF_MEM && in->dst_reg == BPF_REG_10;
}

/*
 * Mutant k of p[n] into out (n slots); returns 0, or -1 past the last.
 * Mutants are numbered: per conditional jump two (never / always taken),
 * per stack store one (dropped). *what describes it.
 */
static int mutate(const struct ubee_insn *p, size_t n, unsigned k,
		  struct ubee_insn *out, char *what, size_t size)
{
	unsigned m = 0;

	for (size_t i = 0; i < n; i++) {
		int nm = is_cond_jump(&p[i]) ? 2 : is_stack_store(&p[i]) ? 1 : 0;

		if (p[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			i++;
			continue;
		}
		if (k >= m + (unsigned)nm) {
			m += (unsigned)nm;
			continue;
		}
		memcpy(out, p, n * sizeof(*p));
		if (nm == 1) {
			out[i] = (struct ubee_insn){ .code = BPF_JMP | BPF_JA };
			snprintf(what, size, "insn %zu: stack store dropped", i);
		} else if (k == m) {
			out[i] = (struct ubee_insn){ .code = BPF_JMP | BPF_JA };
			snprintf(what, size, "insn %zu: jump never taken", i);
		} else {
			out[i] = (struct ubee_insn){ .code = BPF_JMP | BPF_JA,
						     .off = p[i].off };
			snprintf(what, size, "insn %zu: jump always taken", i);
		}
		return 0;
	}
	return -1;
}

/* Every mutant of one accepted program. */
static void mutate_all(const struct vcase *c, const struct ubee_insn *p,
		       size_t n, struct counts *k)
{
	struct ubee_insn *mut = malloc(n * sizeof(*mut));
	char what[128];
	int fault;

	if (!mut)
		return;
	for (unsigned i = 0; !mutate(p, n, i, mut, what, sizeof(what)); i++) {
		int kv = kernel_verdict(c, mut, n), uv;
		int run = c->input && ubee_runs(c->prog_type);

		if (kv < 0)
			continue;
		uv = ubee_verdict(c, mut, n, run, &fault);
		if (uv < 0)
			continue;
		k->mutants++;
		if (kv == 0 || fault) {
			k->unsafe++;
			if (uv == 0) {
				k->caught++;
			} else {
				k->missed++;
				if (!k->first[0])
					snprintf(k->first, sizeof(k->first),
						 "%s accepted; kernel: %s%s", what,
						 vcase_kernel_reason(klog, ulog, 200),
						 fault ? " (checked run faults)" : "");
			}
		} else if (uv == 0) {
			k->precision++;
		}
	}
	free(mut);
}

/* ---- children ----------------------------------------------------------- */

static char cur_name[256];
static int cur_known;

static void on_alarm(int sig)
{
	static const char fail[] = "FAIL ", skip[] = "SKIP ";
	static const char post[] = ": timed out (verifier hang?)\n";

	(void)sig;
	if (write(1, cur_known ? skip : fail, sizeof(fail) - 1) < 0 ||
	    write(1, cur_name, strlen(cur_name)) < 0 ||
	    write(1, post, sizeof(post) - 1) < 0)
		_exit(CHILD_FAILED);
	_exit(cur_known ? CHILD_OK : CHILD_FAILED);
}

/*
 * Run fn(arg, &counts) in a child with a time limit; add its counts into
 * *tot. The child prints the case line itself. Returns 1 when the child
 * failed (its FAIL line is printed), else 0.
 */
static int in_child(const char *name, void (*fn)(void *, struct counts *),
		    void *arg, struct counts *tot)
{
	struct counts k;
	int fds[2], st;
	pid_t pid;

	memset(&k, 0, sizeof(k));
	if (pipe(fds))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		snprintf(cur_name, sizeof(cur_name), "%s", name);
		cur_known = vcase_known_failure(case_dir, name);
		signal(SIGALRM, on_alarm);
		alarm(PROG_SECONDS);
		fn(arg, &k);
		if (write(fds[1], &k, sizeof(k)) != (ssize_t)sizeof(k))
			_exit(CHILD_FAILED);
		_exit(t_summary() ? CHILD_FAILED : CHILD_OK);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return 1;
	}
	if (read(fds[0], &k, sizeof(k)) == (ssize_t)sizeof(k)) {
		tot->mutants += k.mutants;
		tot->unsafe += k.unsafe;
		tot->caught += k.caught;
		tot->missed += k.missed;
		tot->precision += k.precision;
		tot->agree += k.agree;
		tot->ubee_only += k.ubee_only;
		tot->kernel_only += k.kernel_only;
		tot->runs += k.runs;
		if (!tot->first[0] && k.first[0])
			memcpy(tot->first, k.first, sizeof(k.first));
	}
	close(fds[0]);
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	if (!WIFEXITED(st) || (WEXITSTATUS(st) != CHILD_OK &&
				WEXITSTATUS(st) != CHILD_FAILED)) {
		BEGIN("%s", name);
		report("crashed (status 0x%x, see the output above)", st);
		t_end();
		return !vcase_known_failure(case_dir, name);
	}
	return WEXITSTATUS(st) != CHILD_OK;
}

/* ---- 1. mutants of the table's accepted cases ---------------------------- */

static void table_case(void *arg, struct counts *k)
{
	const struct vcase *c = arg;
	struct ubee_insn *insns = NULL;
	char id[256], err[512];
	size_t n;

	BEGIN("mutation %s", vcase_id(c, id, sizeof(id)));
	if (vcase_asm(c, &insns, &n, err, sizeof(err))) {
		report("%s", err);
	} else {
		mutate_all(c, insns, n, k);
		if (k->missed)
			report("%u of %u unsafe mutants accepted: %s", k->missed,
			       k->unsafe, k->first);
	}
	ubee_insns_free(insns);
	t_end();
}

/* ---- 2. the examples objects -------------------------------------------- */

struct obj_prog {
	const char *path;
	struct ubee_object *obj;
	size_t idx;
	struct vcase c;          /* maps and type; no text */
	struct ubee_insn *insns; /* map_idx lddw turned into map_fd(i) */
	size_t cnt;
	int skip;
	char why[128];
};

/* The object program idx as a case: its maps and linked instructions. */
static int obj_case(struct obj_prog *op)
{
	struct ubee_object_prog_info pi;
	const struct ubee_insn *src;
	int err = ubee_object_prog(op->obj, op->idx, &pi);

	memset(&op->c, 0, sizeof(op->c));
	if (err || ubee_object_prog_insns(op->obj, op->idx, &src, &op->cnt))
		return -1;
	op->c.prog_type = pi.prog_type;
	snprintf(op->c.name, sizeof(op->c.name), "%s", pi.name);
	snprintf(op->c.file, sizeof(op->c.file), "%s", op->path);
	snprintf(op->c.type_name, sizeof(op->c.type_name), "%s",
		 pi.prog_type_name);
	op->c.accept = 1;
	if (ubee_object_map_count(op->obj) > VCASE_MAX_MAPS) {
		snprintf(op->why, sizeof(op->why), "more than %d maps", VCASE_MAX_MAPS);
		op->skip = 1;
		return 0;
	}
	for (size_t i = 0; i < ubee_object_map_count(op->obj); i++) {
		struct ubee_object_map_info mi;
		struct vcase_map *m = &op->c.maps[i];
		size_t size;
		void *data;

		if (ubee_object_map(op->obj, i, &mi))
			return -1;
		if (mi.has_inner) {
			snprintf(op->why, sizeof(op->why), "map of maps %s", mi.name);
			op->skip = 1;
			return 0;
		}
		memset(m, 0, sizeof(*m));
		m->lock_off = -1;
		m->type = mi.type;
		m->key_size = mi.key_size;
		m->value_size = mi.value_size;
		m->max_entries = mi.max_entries;
		m->flags = mi.map_flags;
		data = ubee_object_map_data(op->obj, i, &size);
		if (data && size) {
			m->init = malloc(size);
			if (!m->init)
				return -1;
			memcpy(m->init, data, size);
			m->init_len = size;
		}
		if (mi.kind == UBEE_OBJECT_MAP_RODATA) {
			m->frozen = 1;
			m->flags |= BPF_F_RDONLY_PROG;
		}
		op->c.nr_maps++;
	}
	op->insns = malloc(op->cnt * sizeof(*op->insns));
	if (!op->insns)
		return -1;
	memcpy(op->insns, src, op->cnt * sizeof(*src));
	for (size_t i = 0; i + 1 < op->cnt; i++) {
		struct ubee_insn *in = &op->insns[i];

		if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
			continue;
		if (in->src_reg == UBEE_PSEUDO_MAP_IDX)
			in->src_reg = BPF_PSEUDO_MAP_FD;
		else if (in->src_reg == UBEE_PSEUDO_MAP_IDX_VALUE)
			in->src_reg = BPF_PSEUDO_MAP_VALUE;
		i++;
	}
	return 0;
}

static void obj_prog_run(void *arg, struct counts *k)
{
	struct obj_prog *op = arg;
	int kv, uv, fault;

	BEGIN("examples %s/%s", strrchr(op->path, '/') + 1, op->c.name);
	kv = kernel_verdict(&op->c, op->insns, op->cnt);
	uv = ubee_verdict(&op->c, op->insns, op->cnt, 0, &fault);
	if (kv < 0 || uv < 0) {
		t_skip("cannot load: %s", kv < 0 ? klog : ulog);
		t_end();
		return;
	}
	if (kv == uv)
		k->agree++;
	else if (uv)
		k->ubee_only++;
	else
		k->kernel_only++;
	if (kv && !uv)
		report("kernel accepts, ubee rejects: %s",
		       vcase_last_line(ulog, ulog, sizeof(ulog)));
	else if (!kv && uv)
		report("ubee accepts, kernel rejects: %s",
		       vcase_kernel_reason(klog, klog, sizeof(klog)));
	t_end();
	if (kv && uv) {
		char name[300];

		snprintf(name, sizeof(name), "mutation examples %s/%s",
			 strrchr(op->path, '/') + 1, op->c.name);
		BEGIN("%s", name);
		mutate_all(&op->c, op->insns, op->cnt, k);
		if (k->missed)
			report("%u of %u unsafe mutants accepted: %s", k->missed,
			       k->unsafe, k->first);
		t_end();
	}
}

static void examples(struct counts *tot)
{
	static const char *const names[] = {
		"core", "counter", "globals", "loop", "lpm_firewall", "ringbuf",
		"subprogs", "tailcall", "xdp_parser",
	};
	const char *build = getenv("BUILD");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct ubee_object_load_opts lo = { .sz = sizeof(lo),
						    .prog_flags = UBEE_PROG_NO_VERIFY };
		char path[512], lbuf[256];
		struct ubee_object *obj = NULL;
		struct ubee_log log;

		snprintf(path, sizeof(path), "%s/examples/bpf/%s.o",
			 build && *build ? build : "build", names[i]);
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		if (ubee_object_open_file(path, &obj, &log) ||
		    ubee_object_load(obj, &lo, &log)) {
			t_begin("examples %s", names[i]);
			t_skip("%s: %s", path, lbuf);
			t_end();
			ubee_object_free(obj);
			continue;
		}
		for (size_t p = 0; p < ubee_object_prog_count(obj); p++) {
			struct obj_prog op = { .path = path, .obj = obj, .idx = p };
			char name[300];

			if (obj_case(&op)) {
				t_begin("examples %s/%zu", names[i], p);
				t_fail(__FILE__, __LINE__, "cannot read the program");
				t_end();
			} else if (op.skip) {
				t_begin("examples %s/%s", names[i], op.c.name);
				t_skip("%s", op.why);
				t_end();
			} else {
				snprintf(name, sizeof(name), "examples %s.o/%s",
					 names[i], op.c.name);
				in_child(name, obj_prog_run, &op, tot);
			}
			for (int m = 0; m < op.c.nr_maps; m++)
				free(op.c.maps[m].init);
			free(op.insns);
		}
		ubee_object_free(obj);
	}
}

/* ---- 3. random risky programs -------------------------------------------- */

struct gen {
	char *p;
	size_t left;
	unsigned label;
};

static void emit(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->p, g->left, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < g->left) {
		g->p += n;
		g->left -= (size_t)n;
	}
}

static const char *const sizes[] = { "u8", "u16", "u32", "u64" };

/* A packet read at off, guarded (or not) by a check of n bytes. */
static void snip_packet(struct randprog_rng *r, struct gen *g)
{
	static const char *const styles[][2] = {
		/* compare, 1: the read is on the taken branch */
		{ "if r4 > r3 goto L%u", "0" }, { "if r3 < r4 goto L%u", "0" },
		{ "if r4 >= r3 goto L%u", "0" }, { "if r3 <= r4 goto L%u", "0" },
		{ "if r4 <= r3 goto L%u", "1" }, { "if r3 >= r4 goto L%u", "1" },
		{ "if r4 < r3 goto L%u", "1" }, { "if r3 > r4 goto L%u", "1" },
		{ "if r4 s> r3 goto L%u", "0" }, { "if w4 > w3 goto L%u", "0" },
	};
	unsigned n = 1 + randprog_below(r, 40), sz = randprog_below(r, 4);
	unsigned off = randprog_below(r, n + 4), s = randprog_below(r, 10);
	unsigned l = g->label++, l2 = g->label++;
	int taken = styles[s][1][0] == '1';

	emit(g, "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += %u\n", n);
	if (randprog_below(r, 5)) {
		emit(g, styles[s][0], taken ? l : l2);
		emit(g, "\n");
		if (taken)
			emit(g, "goto L%u\nL%u:\n", l2, l);
	}
	emit(g, "r0 = *(%s *)(r2 + %u)\nL%u:\n", sizes[sz], off, l2);
	if (!taken)
		emit(g, "L%u:\n", l);
}

/* A map value read, null-checked (or not), at a constant or masked offset. */
static void snip_map(struct randprog_rng *r, struct gen *g)
{
	unsigned l = g->label++, sz = randprog_below(r, 4);
	unsigned map = randprog_below(r, 2), off = randprog_below(r, 20);

	emit(g, "*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\n"
		"r1 = map_fd(%u) ll\ncall 1\nr1 = r6\n", map);
	if (randprog_below(r, 4))
		emit(g, "if r0 == 0 goto L%u\n", l);
	if (randprog_below(r, 3) == 0) {
		static const unsigned masks[] = { 7, 8, 15, 16, 31 };

		emit(g, "r5 = *(u32 *)(r1 + 12)\nr5 &= %u\nr0 += r5\n",
		     masks[randprog_below(r, 5)]);
	}
	emit(g, "r7 = *(%s *)(r0 + %u)\nL%u:\n", sizes[sz], off, l);
}

/* Stack writes of some slots, then a read of one maybe never written. */
static void snip_stack(struct randprog_rng *r, struct gen *g)
{
	unsigned w = randprog_below(r, 4);

	for (unsigned i = 0; i < w; i++)
		emit(g, "*(u64 *)(r10 - %u) = %u\n", 8 * (2 + randprog_below(r, 6)), i);
	emit(g, "r7 = *(%s *)(r10 - %u)\n", sizes[randprog_below(r, 4)],
	     8 * (2 + randprog_below(r, 6)));
}

/* A scalar from the context, bounded (or not), as a map value offset. */
static void snip_scalar(struct randprog_rng *r, struct gen *g)
{
	static const char *const checks[] = {
		"r5 &= 15", "r5 &= 31", "if r5 > 15 goto L%u", "if r5 > 16 goto L%u",
		"if r5 s> 15 goto L%u", "if w5 > 15 goto L%u", "r5 >>= 28", "",
	};
	unsigned c = randprog_below(r, 8), l = g->label++;

	emit(g, "r5 = *(u32 *)(r1 + 12)\n");
	emit(g, checks[c], l);
	emit(g, "\nr7 = map_value(1, 0) ll\nr7 += r5\nr7 = *(u8 *)(r7 + 0)\nL%u:\n", l);
}

static void random_prog(struct randprog_rng *r, struct vcase *c, char *text,
			size_t size)
{
	struct gen g = { text, size, 0 };
	unsigned n = 1 + randprog_below(r, 3);

	memset(c, 0, sizeof(*c));
	c->prog_type = BPF_PROG_TYPE_XDP;
	snprintf(c->type_name, sizeof(c->type_name), "xdp");
	c->nr_maps = 2;
	c->maps[0] = (struct vcase_map){ BPF_MAP_TYPE_HASH, 4, 16, 4, 0, 0, -1, NULL, 0 };
	c->maps[1] = (struct vcase_map){ BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 0, -1, NULL, 0 };
	emit(&g, "r6 = r1\n");
	for (unsigned i = 0; i < n; i++) {
		switch (randprog_below(r, 4)) {
		case 0: snip_packet(r, &g); break;
		case 1: snip_map(r, &g); break;
		case 2: snip_stack(r, &g); break;
		default: snip_scalar(r, &g); break;
		}
		emit(&g, "r1 = r6\n");
	}
	emit(&g, "r0 = 2\nexit\n");
}

struct rand_arg {
	uint64_t seed;
	unsigned count;
};

static void random_progs(void *arg, struct counts *k)
{
	const struct rand_arg *ra = arg;
	static uint8_t pkt[64];

	for (unsigned i = 0; i < ra->count; i++) {
		struct randprog_rng r;
		struct ubee_insn *insns = NULL;
		char text[8192], err[512];
		struct vcase c;
		size_t n;
		int kv, uv, fault;

		randprog_seed(&r, ra->seed * 1000003u + i);
		random_prog(&r, &c, text, sizeof(text));
		c.text = text;
		c.input = pkt;
		c.input_len = sizeof(pkt);
		snprintf(c.name, sizeof(c.name), "random %llu/%u",
			 (unsigned long long)ra->seed, i);
		if (vcase_asm(&c, &insns, &n, err, sizeof(err))) {
			t_begin("verdicts %s", c.name);
			t_fail(__FILE__, __LINE__, "generator: %s", err);
			t_end();
			continue;
		}
		kv = kernel_verdict(&c, insns, n);
		uv = ubee_verdict(&c, insns, n, 1, &fault);
		if (kv >= 0 && uv >= 0) {
			if (kv == uv)
				k->agree++;
			else if (uv)
				k->ubee_only++;
			else
				k->kernel_only++;
			if (!kv && uv) {
				t_begin("verdicts %s", c.name);
				t_fail(__FILE__, __LINE__, "ubee accepts, kernel rejects (%s):\n%s",
				       vcase_kernel_reason(klog, err, sizeof(err)), text);
				t_end();
			} else if (kv && !uv && !k->first[0]) {
				snprintf(k->first, sizeof(k->first), "%s: %s",
					 c.name, vcase_last_line(ulog, err, sizeof(err)));
			}
			if (uv && fault) {
				t_begin("verdicts %s", c.name);
				t_fail(__FILE__, __LINE__, "ubee accepts, checked run faults:\n%s",
				       text);
				t_end();
			}
			k->runs += uv == 1;
		}
		ubee_insns_free(insns);
	}
	t_begin("verdicts random %u programs", ra->count);
	printf("    random: %u agree, %u ubee-only accepts, %u kernel-only accepts (precision gaps)%s%s\n",
	       k->agree, k->ubee_only, k->kernel_only,
	       k->first[0] ? "; first gap: " : "", k->first);
	T_CHECK(k->ubee_only == 0, "%u programs ubee accepts and the kernel rejects",
		k->ubee_only);
	t_end();
}

int main(void)
{
	const char *dir = getenv("UBEE_VCASES");
	const char *only = getenv("UBEE_VCASE_ONLY");
	const char *nr = getenv("UBEE_MUT_RANDOM");
	const char *sd = getenv("UBEE_MUT_SEED");
	struct counts tot, ex, rnd;
	struct vcase *cases = NULL;
	struct rand_arg ra;
	char err[512], id[256];
	unsigned failed = 0;
	size_t n = 0;
	int probe;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&tot, 0, sizeof(tot));
	memset(&ex, 0, sizeof(ex));
	memset(&rnd, 0, sizeof(rnd));
	probe = kbpf_map_probe();
	if (probe) {
		t_begin("mutation");
		t_skip("bpf() refused here: %s", strerror(-probe));
		t_end();
		return t_summary();
	}
	if (dir)
		case_dir = dir;
	if (vcase_parse_dir(case_dir, &cases, &n, err,
			    sizeof(err))) {
		t_begin("mutation case files");
		t_fail(__FILE__, __LINE__, "%s", err);
		t_end();
		vcase_free(cases, n);
		return t_summary();
	}
	for (size_t i = 0; i < n; i++) {
		const struct vcase *c = &cases[i];
		char name[300];

		if (!c->accept || c->unpriv || c->kskip[0] || !c->prog_type ||
		    !ubee_prog_type_find(c->prog_type))
			continue;
		if (only && !strstr(vcase_id(c, id, sizeof(id)), only))
			continue;
		snprintf(name, sizeof(name), "mutation %s", vcase_id(c, id, sizeof(id)));
		failed += (unsigned)in_child(name, table_case, (void *)c, &tot);
	}
	vcase_free(cases, n);
	printf("    table mutants: %u, unsafe %u, rejected by ubee %u, accepted by ubee %u; safe mutants ubee rejects: %u\n",
	       tot.mutants, tot.unsafe, tot.caught, tot.missed, tot.precision);

	examples(&ex);
	printf("    examples: %u programs agree with the kernel, %u ubee-only, %u kernel-only; mutants %u, unsafe %u, rejected %u, accepted %u\n",
	       ex.agree, ex.ubee_only, ex.kernel_only, ex.mutants, ex.unsafe,
	       ex.caught, ex.missed);

	ra.seed = sd ? strtoull(sd, NULL, 0) : 1;
	ra.count = nr ? (unsigned)strtoul(nr, NULL, 0) : 300;
	failed += (unsigned)in_child("verdicts random", random_progs, &ra, &rnd);
	return t_summary() || failed;
}
