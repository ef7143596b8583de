// SPDX-License-Identifier: MIT
/*
 * Differential test against the Linux kernel. Random bodies from
 * randprog_body() are wrapped twice:
 *
 *   kernel (XDP)                          ubee (raw: r1 = buffer, r2 = len)
 *   r2 = data; r3 = data_end              *(u64 *)(r10 - 8) = r1
 *   if data + LEN > data_end goto fail
 *   *(u64 *)(r10 - 8) = r2
 *   ------------------------- shared core -------------------------
 *   initialise the stack window [r10 - 16 - S, r10 - 16) and r0-r9
 *   body
 *   *(u64 *)(r10 - 16) = r9; r9 = *(u64 *)(r10 - 8)
 *   store r0-r9 at buffer[0..80) and the window at buffer[80..80+S)
 *   r0 = XDP_PASS; exit
 *   ---------------------------------------------------------------
 *   fail: r0 = XDP_DROP; exit
 *
 * The kernel runs its copy with BPF_PROG_TEST_RUN (data_out is the
 * packet afterwards); ubee runs its copy in every mode on a private copy
 * of the same bytes, and the whole buffers must be equal. The bodies use
 * every register, so nothing is reserved: the packet pointer lives in the
 * stack slot at r10 - 8, outside the window.
 *
 * Environment: UBEE_DIFF_COUNT (programs, default 2000), UBEE_DIFF_SEED
 * (base seed, default 1), UBEE_DIFF_ONLY (run only this program index and
 * print it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "isa/isa.h"
#include "kbpf.h"
#include "randprog.h"
#include "engines.h"
#include "test.h"
#include "ubee/asm.h"
#include "ubee/ubee.h"

#define BATCH 250
#define MAX_BODY 96            /* body slots */
#define MAX_WINDOW 496         /* stack window bytes: all of r10-512..r10-16 */
#define NREGS 10
#define OUT_MAX (NREGS * 8 + MAX_WINDOW)
#define MAX_PROG 1024
#define SLOT_PTR (-8)          /* where the prologue keeps the buffer pointer */
#define SLOT_TMP (-16)         /* where the epilogue parks r9 */

struct prog {
	struct ubee_insn insns[MAX_PROG];
	size_t n;
};

/* One generated case: the body and everything needed to run it twice. */
struct dcase {
	uint64_t seed;
	size_t index;
	unsigned features;
	unsigned window;          /* S, a multiple of 8 */
	size_t len;               /* bytes the epilogue writes: 80 + S */
	struct ubee_insn body[MAX_BODY];
	size_t nbody;
	struct prog core, kprog, uprog;
	uint8_t data_in[OUT_MAX];
};

/* The engines: tests/lib/engines.c, shared by every test. */
#define modes t_engines

/* Run-wide state. */
static struct {
	uint64_t seed;
	size_t count;
	long only;                /* -1: all */
	int kernel_ok;            /* the probe passed */
	char kernel_why[160];
	unsigned features;        /* generator features the kernel takes */
	size_t tried, rejected, compared;
	char first_reject[512];
	unsigned long op_count[UBEE_OP__COUNT];
	int details_printed;
} g;

static struct ubee_insn ins(uint8_t code, unsigned dst, unsigned src, int off,
			    int32_t imm)
{
	return (struct ubee_insn){ .code = code, .dst_reg = dst & 0xf,
				   .src_reg = src & 0xf, .off = (int16_t)off,
				   .imm = imm };
}

static void push(struct prog *p, struct ubee_insn in)
{
	if (p->n < MAX_PROG)
		p->insns[p->n] = in;
	p->n++;
}

static void push_lddw(struct prog *p, unsigned dst, uint64_t v)
{
	push(p, ins(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)v));
	push(p, ins(0, 0, 0, 0, (int32_t)(v >> 32)));
}

static void append(struct prog *p, const struct ubee_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		push(p, insns[i]);
}

static uint64_t case_seed(uint64_t base, size_t index)
{
	return base * 0x9e3779b97f4a7c15ull + index * 0xd1b54a32d192ed03ull + 1;
}

/* Generate case index of the run: body, window, initial values, buffers. */
static void make_case(struct dcase *c, uint64_t base, size_t index,
		      unsigned features)
{
	struct randprog_rng rng;
	struct randprog_opts o = { .features = features, .max_slots = MAX_BODY };
	struct prog *core = &c->core;
	int win_off;

	memset(c, 0, sizeof(*c));
	c->seed = base;
	c->index = index;
	c->features = features;
	randprog_seed(&rng, case_seed(base, index));

	/* Small windows make accesses overlap; large ones cover the range. */
	c->window = 8 * (1 + randprog_below(&rng, randprog_below(&rng, 2) ? 4 : 62));
	c->len = NREGS * 8 + c->window;
	win_off = SLOT_TMP - (int)c->window;
	for (size_t i = 0; i < c->len; i++)
		c->data_in[i] = (uint8_t)randprog_u64(&rng);

	/* All registers, or a few (more data flow between them). */
	o.regs = 0x3ff;
	if (randprog_below(&rng, 2)) {
		o.regs &= (uint16_t)randprog_u64(&rng);
		o.regs |= (uint16_t)(1u << randprog_below(&rng, 10));
	}
	o.stack_off = win_off;
	o.stack_size = c->window;
	c->nbody = randprog_body(&rng, &o, c->body, MAX_BODY);

	/* Initialise the window, one 8-byte slot at a time, then r0-r9. */
	for (int off = win_off; off < SLOT_TMP; off += 8) {
		uint64_t v = randprog_value(&rng);

		switch (randprog_below(&rng, 3)) {
		case 0:
			push_lddw(core, BPF_REG_0, v);
			push(core, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10,
				       BPF_REG_0, off, 0));
			break;
		case 1:
			push(core, ins(BPF_ST | BPF_DW | BPF_MEM, BPF_REG_10, 0,
				       off, (int32_t)v));
			break;
		default:
			push(core, ins(BPF_ST | BPF_W | BPF_MEM, BPF_REG_10, 0,
				       off, (int32_t)v));
			push(core, ins(BPF_ST | BPF_W | BPF_MEM, BPF_REG_10, 0,
				       off + 4, (int32_t)(v >> 32)));
			break;
		}
	}
	for (unsigned r = 0; r < NREGS; r++) {
		uint64_t v = randprog_value(&rng);

		switch (randprog_below(&rng, 4)) {
		case 0:
			push(core, ins(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0,
				       (int32_t)v));
			break;
		case 1:
			push(core, ins(BPF_ALU | BPF_MOV | BPF_K, r, 0, 0,
				       (int32_t)v));
			break;
		default:
			push_lddw(core, r, v);
			break;
		}
	}

	append(core, c->body, c->nbody);

	/* Epilogue: every register and the window into the buffer. */
	push(core, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_9,
		       SLOT_TMP, 0));
	push(core, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_9, BPF_REG_10,
		       SLOT_PTR, 0));
	for (unsigned r = 0; r < 9; r++)
		push(core, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_9, r,
			       (int)r * 8, 0));
	push(core, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_10,
		       SLOT_TMP, 0));
	push(core, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_9, BPF_REG_0, 72, 0));
	for (unsigned k = 0; k < c->window / 8; k++) {
		push(core, ins(BPF_LDX | BPF_DW | BPF_MEM, BPF_REG_0, BPF_REG_10,
			       win_off + (int)k * 8, 0));
		push(core, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_9, BPF_REG_0,
			       NREGS * 8 + (int)k * 8, 0));
	}
	push(core, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS));
	push(core, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));

	/* Kernel: find the packet, check its length, keep the pointer. */
	push(&c->kprog, ins(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1,
			    offsetof(struct xdp_md, data), 0));
	push(&c->kprog, ins(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1,
			    offsetof(struct xdp_md, data_end), 0));
	push(&c->kprog, ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0));
	push(&c->kprog, ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0,
			    (int32_t)c->len));
	push(&c->kprog, ins(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3,
			    (int)core->n + 1, 0));
	push(&c->kprog, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_2,
			    SLOT_PTR, 0));
	append(&c->kprog, core->insns, core->n);
	push(&c->kprog, ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP));
	push(&c->kprog, ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));

	/* ubee: r1 already points at the buffer. */
	push(&c->uprog, ins(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_1,
			    SLOT_PTR, 0));
	append(&c->uprog, core->insns, core->n);
}

/* Print a program with indices, as the disassembler shows it. */
static void print_prog(const char *title, const struct ubee_insn *insns,
		       size_t n)
{
	char line[128];

	printf("    %s (%zu slots):\n", title, n);
	for (size_t i = 0; i < n;) {
		int w = ubee_disasm_insn(insns, n, i, NULL, line, sizeof(line));

		printf("    %4zu: %s\n", i, line);
		i += w > 0 ? (size_t)w : 1;
	}
}

static void print_case(const struct dcase *c)
{
	printf("    UBEE_DIFF_SEED=%" PRIu64 " UBEE_DIFF_ONLY=%zu (window %u bytes)\n",
	       c->seed, c->index, c->window);
	print_prog("body", c->body, c->nbody);
	print_prog("ubee program", c->uprog.insns, c->uprog.n);
}

/* Where byte offset off of the buffer comes from, for messages. */
static void describe(size_t off, unsigned window, char *buf, size_t size)
{
	if (off < NREGS * 8)
		snprintf(buf, size, "r%zu", off / 8);
	else
		snprintf(buf, size, "stack[r10%+d]",
			 SLOT_TMP - (int)window + (int)(off - NREGS * 8));
}

/*
 * Compare the kernel's buffer with ubee's. Returns 0 when equal, else 1
 * with the first differing 8-byte word described in why[size].
 */
static int compare(const uint8_t *kbuf, const uint8_t *ubuf, size_t len,
		   unsigned window, char *why, size_t size)
{
	for (size_t off = 0; off < len; off += 8) {
		uint64_t kv, uv;
		char where[32];

		if (!memcmp(kbuf + off, ubuf + off, 8))
			continue;
		memcpy(&kv, kbuf + off, 8);
		memcpy(&uv, ubuf + off, 8);
		describe(off, window, where, sizeof(where));
		snprintf(why, size, "%s: kernel 0x%016" PRIx64 ", ubee 0x%016" PRIx64,
			 where, kv, uv);
		return 1;
	}
	return 0;
}

/*
 * The line of a verifier log that says why: the last one, not counting
 * the "processed N insns" statistics. Cuts log in place.
 */
static const char *log_reason(char *log)
{
	char *end = log + strlen(log), *line;

	for (;;) {
		while (end > log && end[-1] == '\n')
			*--end = '\0';
		for (line = end; line > log && line[-1] != '\n'; line--)
			;
		if (line == log || strncmp(line, "processed ", 10))
			return line;
		end = line;
	}
}

enum outcome { OK, REJECTED, MISMATCH, ERROR };

/*
 * Run case c on the kernel and in every ubee mode. corrupt flips a bit
 * of ubee's result first (to prove the comparison can fail). Fills
 * why[size] for anything but OK.
 */
static enum outcome check_case(struct dcase *c, int corrupt, char *why,
			       size_t size)
{
	char klog[4096];
	uint8_t kout[OUT_MAX + 64], ubuf[OUT_MAX];
	size_t kout_len = sizeof(kout);
	uint32_t kret = 0;
	/*
	 * The kernel verified these programs, so they may run unchecked (the
	 * JIT too); the checked engines still check every access.
	 */
	struct ubee_prog_opts popts = { .sz = sizeof(popts) };
	struct ubee_prog *prog = NULL;
	struct ubee_log log;
	char ulog[512];
	enum outcome res = ERROR;
	int fd, err;

	if (c->kprog.n > MAX_PROG) {
		snprintf(why, size, "program too long (%zu slots)", c->kprog.n);
		return ERROR;
	}
	fd = kbpf_prog_load(BPF_PROG_TYPE_XDP, c->kprog.insns, c->kprog.n, klog,
			    sizeof(klog));
	if (fd < 0) {
		snprintf(why, size, "kernel rejected (%s): %s", strerror(-fd),
			 log_reason(klog));
		return REJECTED;
	}
	err = kbpf_test_run(fd, c->data_in, c->len, kout, &kout_len, &kret);
	close(fd);
	if (err || kret != XDP_PASS || kout_len != c->len) {
		snprintf(why, size, "kernel test run: %s, retval %u, %zu bytes out",
			 err ? strerror(-err) : "ok", kret, kout_len);
		return ERROR;
	}

	ubee_log_init(&log, ulog, sizeof(ulog));
	popts.ctx_size = (uint32_t)c->len;
	err = ubee_prog_load(c->uprog.insns, c->uprog.n, &popts, &prog, &log);
	if (err) {
		snprintf(why, size, "ubee_prog_load: %s: %s", strerror(-err), ulog);
		return ERROR;
	}
	res = OK;
	for (size_t m = 0; m < t_nr_engines && res == OK; m++) {
		struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = ubuf,
					    .ctx_size = c->len,
					    .engine = modes[m].engine,
					    .flags = modes[m].flags };
		uint64_t ret = 0;
		char diff[160];

		if (!ubee_engine_available(modes[m].engine))
			continue;
		memcpy(ubuf, c->data_in, c->len);
		ubee_log_init(&log, ulog, sizeof(ulog));
		err = ubee_prog_run(prog, &ro, &ret, &log);
		if (err) {
			snprintf(why, size, "%s: ubee_prog_run: %s: %s",
				 modes[m].name, strerror(-err), ulog);
			res = ERROR;
			break;
		}
		if (corrupt)
			ubuf[(c->index * 8 + 13) % c->len] ^= 0x10;
		if (ret != kret) {
			snprintf(why, size, "%s: return value kernel %u, ubee %" PRIu64,
				 modes[m].name, kret, ret);
			res = MISMATCH;
		} else if (compare(kout, ubuf, c->len, c->window, diff, sizeof(diff))) {
			snprintf(why, size, "%s: %s", modes[m].name, diff);
			res = MISMATCH;
		}
	}
	ubee_prog_free(prog);
	return res;
}

/* Count the ops of a body for the coverage line. */
static void count_ops(const struct dcase *c)
{
	for (size_t i = 0; i < c->nbody; i++) {
		int op = ubee_isa_lookup(&c->body[i]);

		if (op < 0)
			continue;
		g.op_count[op]++;
		if (ubee_isa_ops[op].flags & UBEE_F_LDDW)
			i++;
	}
}

static void kernel_diff_probe(void)
{
	/* r0 = XDP_PASS; exit */
	static const struct ubee_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	/* r0 = -7; r0 s/= 2 (v4); r0 += 5; exit: XDP_PASS (2) on v4 kernels */
	static const struct ubee_insn v4[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = -7 },
		{ .code = BPF_ALU64 | BPF_DIV | BPF_K, .off = 1, .imm = 2 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .imm = 5 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint8_t data[64] = { 0 }, out[128];
	size_t out_len = sizeof(out);
	uint32_t ret = 0;
	char log[1024];
	int fd, err;

	g.features = RANDPROG_V4 | RANDPROG_ATOMIC;
	fd = kbpf_prog_load(BPF_PROG_TYPE_XDP, pass, 2, log, sizeof(log));
	if (fd < 0) {
		snprintf(g.kernel_why, sizeof(g.kernel_why),
			 "kernel refuses XDP programs: bpf(BPF_PROG_LOAD): %s",
			 strerror(-fd));
		t_skip("%s", g.kernel_why);
		return;
	}
	err = kbpf_test_run(fd, data, sizeof(data), out, &out_len, &ret);
	close(fd);
	if (err) {
		snprintf(g.kernel_why, sizeof(g.kernel_why),
			 "bpf(BPF_PROG_TEST_RUN) on XDP: %s", strerror(-err));
		t_skip("%s", g.kernel_why);
		return;
	}
	T_EQ_U64(ret, XDP_PASS);
	T_EQ_U64(out_len, sizeof(data));
	g.kernel_ok = t_ok();

	fd = kbpf_prog_load(BPF_PROG_TYPE_XDP, v4, 4, log, sizeof(log));
	if (fd < 0) {
		g.features &= ~RANDPROG_V4;
		printf("    kernel rejects v4 instructions (%s): testing without them\n",
		       strerror(-fd));
		return;
	}
	out_len = sizeof(out);
	err = kbpf_test_run(fd, data, sizeof(data), out, &out_len, &ret);
	close(fd);
	T_CHECK(!err && ret == 2, "v4 probe: err %d, retval %u (expected 2)", err, ret);
}

static void run_batch(size_t from, size_t to)
{
	struct dcase *c = malloc(sizeof(*c));
	char why[640];
	size_t mismatches = 0, errors = 0;

	t_begin("kernel_diff programs %zu-%zu", from, to - 1);
	if (!g.kernel_ok) {
		t_skip("%s", g.kernel_why[0] ? g.kernel_why : "kernel probe failed");
		goto out;
	}
	if (!c) {
		t_fail(__FILE__, __LINE__, "out of memory");
		goto out;
	}
	for (size_t i = from; i < to; i++) {
		enum outcome r;

		if (g.only >= 0 && (size_t)g.only != i)
			continue;
		make_case(c, g.seed, i, g.features);
		g.tried++;
		r = check_case(c, 0, why, sizeof(why));
		if (r == REJECTED) {
			if (!g.rejected++)
				snprintf(g.first_reject, sizeof(g.first_reject),
					 "program %zu: %.480s", i, why);
			continue;
		}
		count_ops(c);
		if (r == OK) {
			g.compared++;
			if (g.only >= 0)
				print_case(c);
			continue;
		}
		if (r == MISMATCH)
			mismatches++;
		else
			errors++;
		t_fail(__FILE__, __LINE__, "seed %" PRIu64 " program %zu: %s",
		       g.seed, i, why);
		if (g.details_printed++ < 3) {
			printf("    %s program %zu: %s\n",
			       r == MISMATCH ? "MISMATCH" : "ERROR", i, why);
			print_case(c);
		}
	}
	if (mismatches || errors)
		printf("    batch %zu-%zu: %zu mismatches, %zu errors\n", from,
		       to - 1, mismatches, errors);
out:
	t_end();
	free(c);
}

/* The comparison must be able to fail: corrupt one result on purpose. */
static void kernel_diff_detects_corruption(void)
{
	struct dcase *c;
	char why[640];
	enum outcome r = REJECTED;
	size_t i;

	if (!g.kernel_ok) {
		t_skip("%s", g.kernel_why[0] ? g.kernel_why : "kernel probe failed");
		return;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		t_fail(__FILE__, __LINE__, "out of memory");
		return;
	}
	/* The first program the kernel accepts. */
	for (i = 0; i < 100 && r == REJECTED; i++) {
		make_case(c, g.seed, i, g.features);
		r = check_case(c, 0, why, sizeof(why));
	}
	T_CHECK(r == OK, "uncorrupted program %zu: %s", i - 1,
		r == OK ? "" : why);
	if (r == OK) {
		r = check_case(c, 1, why, sizeof(why));
		T_CHECK(r == MISMATCH, "a corrupted result was not reported (outcome %d)",
			r);
		if (r == MISMATCH)
			printf("    corrupted on purpose, reported: %s\n", why);
	}
	free(c);
}

static void kernel_diff_acceptance(void)
{
	if (!g.kernel_ok) {
		t_skip("%s", g.kernel_why[0] ? g.kernel_why : "kernel probe failed");
		return;
	}
	printf("    kernel verifier rejected %zu of %zu programs; %zu compared\n",
	       g.rejected, g.tried, g.compared);
	if (g.rejected)
		printf("    first rejection: %s\n", g.first_reject);
	T_CHECK(g.tried > 0, "no programs tried");
	T_CHECK(g.rejected * 20 <= g.tried,
		"kernel rejected %zu of %zu programs (> 5%%): generator broken; first: %s",
		g.rejected, g.tried, g.first_reject);
}

/* Every op the generator can emit was run on both sides at least once. */
static void kernel_diff_coverage(void)
{
	struct randprog_opts o = { .features = g.features, .regs = 0x3ff,
				   .stack_off = -64, .stack_size = 48 };
	unsigned long per_class[8] = { 0 }, atomics = 0;
	unsigned expected = 0, seen = 0;
	char missing[256] = "";
	size_t mlen = 0;

	if (!g.kernel_ok) {
		t_skip("%s", g.kernel_why[0] ? g.kernel_why : "kernel probe failed");
		return;
	}
	if (g.only >= 0) {
		t_skip("one program only (UBEE_DIFF_ONLY)");
		return;
	}
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		const struct ubee_op_info *oi = &ubee_isa_ops[op];

		if (oi->fmt == UBEE_FMT_ATOMIC || oi->fmt == UBEE_FMT_ATOMIC_FETCH ||
		    oi->fmt == UBEE_FMT_XCHG || oi->fmt == UBEE_FMT_CMPXCHG)
			atomics += g.op_count[op];
		else
			per_class[oi->code & 7] += g.op_count[op];
		if (!randprog_body_can_emit(&o, op))
			continue;
		expected++;
		if (g.op_count[op]) {
			seen++;
		} else if (mlen < sizeof(missing) - 32) {
			mlen += (size_t)snprintf(missing + mlen, sizeof(missing) - mlen,
						 " %s", oi->name);
		}
	}
	printf("    coverage: %u of %u ops; alu64 %lu, alu32 %lu, jmp %lu, jmp32 %lu, "
	       "ld(dw) %lu, ldx %lu, st %lu, stx %lu, atomic %lu\n",
	       seen, expected, per_class[7], per_class[4], per_class[5],
	       per_class[6], per_class[0], per_class[1], per_class[2],
	       per_class[3], atomics);
	T_CHECK(expected > 100, "only %u ops expected", expected);
	T_CHECK(seen == expected, "ops never generated:%s", missing);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

int main(void)
{
	struct timespec t0, t1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g.seed = env_u64("UBEE_DIFF_SEED", 1);
	g.count = (size_t)env_u64("UBEE_DIFF_COUNT", 2000);
	g.only = getenv("UBEE_DIFF_ONLY") ? (long)env_u64("UBEE_DIFF_ONLY", 0) : -1;
	if (g.only >= 0 && (size_t)g.only >= g.count)
		g.count = (size_t)g.only + 1;
	printf("    kernel_diff: UBEE_DIFF_SEED=%" PRIu64 " UBEE_DIFF_COUNT=%zu\n",
	       g.seed, g.count);

	T_RUN(kernel_diff_probe);
	T_RUN(kernel_diff_detects_corruption);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t from = 0; from < g.count; from += BATCH) {
		size_t to = from + BATCH < g.count ? from + BATCH : g.count;

		if (g.only >= 0 && ((size_t)g.only < from || (size_t)g.only >= to))
			continue;
		run_batch(from, to);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("    %zu programs in %.1f s\n", g.tried,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	T_RUN(kernel_diff_acceptance);
	T_RUN(kernel_diff_coverage);
	return t_summary();
}
