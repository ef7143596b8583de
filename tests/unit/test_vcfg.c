// SPDX-License-Identifier: MIT
/*
 * The verifier's structural pass (src/verifier/cfg.c): subprogram
 * boundaries, jump and call targets, unreachable code, falling off a
 * function, back-edges, prune points, frame and combined stack bounds,
 * each rejection with the kernel's message. Programs are assembled and
 * loaded unverified; malformed ones the loader would refuse are built by
 * hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ubee/asm.h"
#include "ubee/progtype.h"
#include "ubee/ubee.h"
#include "helpers/helpers.h"
#include "isa/isa.h"
#include "test.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

static char logbuf[4096];
static struct ubee_log lg;

static struct ubee_prog *load(const char *text, uint32_t flags)
{
	struct ubee_prog_opts o = { .sz = sizeof(o), .prog_type = 6 /* xdp */,
				    .flags = UBEE_PROG_NO_VERIFY | flags };
	struct ubee_insn *insns = NULL;
	struct ubee_prog *prog = NULL;
	size_t cnt = 0;

	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	if (ubee_asm(text, &insns, &cnt, &lg)) {
		t_fail(__FILE__, __LINE__, "asm: %s", logbuf);
		return NULL;
	}
	if (ubee_prog_load(insns, cnt, &o, &prog, &lg))
		t_fail(__FILE__, __LINE__, "load: %s", logbuf);
	ubee_insns_free(insns);
	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	return prog;
}

/* Build cfg of text; expect err and (for errors) the exact log line. */
static struct ubee_prog *build(const char *text, uint32_t flags,
			       struct ubee_vcfg *cfg, int want,
			       const char *msg)
{
	struct ubee_prog *prog = load(text, flags);
	int err;

	if (!prog)
		return NULL;
	err = ubee_vcfg_build(prog, cfg, &lg);
	T_CHECK(err == want, "build returned %d, expected %d (log: %s)", err,
		want, logbuf);
	if (msg) {
		char line[256];

		snprintf(line, sizeof(line), "%s\n", msg);
		T_CHECK(strcmp(logbuf, line) == 0, "log '%s', expected '%s'",
			logbuf, msg);
	}
	if (err) {
		T_CHECK(cfg->subprogs == NULL && cfg->flags == NULL,
			"a failed build leaves nothing allocated");
	}
	return prog;
}

static void reject(const char *text, uint32_t flags, int want,
		   const char *msg)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(text, flags, &cfg, want, msg);

	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void straight_line(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build("r0 = 0\nr1 = 1\nexit\n", 0, &cfg, 0,
				       NULL);

	if (!prog)
		return;
	T_EQ_U64(cfg.nr_subprogs, 1);
	T_EQ_U64(cfg.subprogs[0].start, 0);
	T_EQ_U64(cfg.subprogs[0].end, 3);
	T_EQ_U64(cfg.subprogs[0].has_loop, 0);
	for (int i = 0; i < 3; i++) {
		T_EQ_U64(cfg.flags[i], 0);
		T_EQ_U64(cfg.subprog_of[i], 0);
	}
	T_EQ_U64(strlen(logbuf), 0);
	ubee_vcfg_free(&cfg);
	ubee_vcfg_free(&cfg); /* idempotent */
	ubee_prog_free(prog);
}

static void branch_prune_points(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"r0 = 0\n"              /* 0 */
		"if r1 > 5 goto +2\n"   /* 1 */
		"r0 = 1\n"              /* 2 */
		"goto +1\n"             /* 3 */
		"r0 = 2\n"              /* 4 */
		"exit\n",               /* 5 */
		0, &cfg, 0, NULL);

	if (!prog)
		return;
	T_EQ_U64(cfg.flags[0], 0);
	T_EQ_U64(cfg.flags[1], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[2], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[3], 0);
	T_EQ_U64(cfg.flags[4], UBEE_VCFG_PRUNE | UBEE_VCFG_JMP_TARGET);
	T_EQ_U64(cfg.flags[5], UBEE_VCFG_PRUNE | UBEE_VCFG_JMP_TARGET);
	T_EQ_U64(cfg.subprogs[0].has_loop, 0);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void bounded_loop_marked(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"r0 = 0\n"              /* 0 */
		"loop:\n"
		"r0 += 1\n"             /* 1 */
		"if r0 < 10 goto loop\n"/* 2 */
		"exit\n",               /* 3 */
		0, &cfg, 0, NULL);

	if (!prog)
		return;
	T_EQ_U64(cfg.subprogs[0].has_loop, 1);
	T_EQ_U64(cfg.flags[1], UBEE_VCFG_PRUNE | UBEE_VCFG_JMP_TARGET |
			       UBEE_VCFG_LOOP_HEAD);
	T_EQ_U64(cfg.flags[0], 0);
	T_EQ_U64(cfg.flags[3], UBEE_VCFG_PRUNE);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void self_loop_marked(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build("r0 = 0\nif r0 == 0 goto -1\nexit\n", 0,
				       &cfg, 0, NULL);

	if (!prog)
		return;
	T_CHECK(cfg.flags[1] & UBEE_VCFG_LOOP_HEAD, "jump to itself is a loop");
	T_EQ_U64(cfg.subprogs[0].has_loop, 1);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void unpriv_back_edge(void)
{
	reject("r0 = 0\nloop:\nr0 += 1\nif r0 < 10 goto loop\nexit\n",
	       UBEE_PROG_UNPRIV, -EACCES, "2: back-edge from insn 2 to 1");
}

static void unreachable(void)
{
	reject("r0 = 0\nexit\nr0 = 1\nexit\n", 0, -EINVAL,
	       "2: unreachable insn 2");
	/* Both arms jump over insn 3. */
	reject("if r1 == 0 goto +1\ngoto +2\ngoto +1\nr0 = 2\nr0 = 3\nexit\n",
	       0, -EINVAL, "3: unreachable insn 3");
}

static void unreachable_lddw(void)
{
	reject("r0 = 0\nexit\nr0 = 0x1122334455667788 ll\nexit\n", 0,
	       -EINVAL, "2: unreachable insn 2");
}

static void subprograms(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"r1 = 1\n"              /* 0 */
		"call f\n"              /* 1 */
		"r0 = 0\n"              /* 2 */
		"exit\n"                /* 3 */
		"f:\n"
		"if r1 == 0 goto +1\n"  /* 4 */
		"call g\n"              /* 5 */
		"r0 = 1\n"              /* 6 */
		"exit\n"                /* 7 */
		"g:\n"
		"r0 = 2\n"              /* 8 */
		"exit\n",               /* 9 */
		0, &cfg, 0, NULL);
	static const uint32_t of[10] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2 };

	if (!prog)
		return;
	T_EQ_U64(cfg.nr_subprogs, 3);
	T_EQ_U64(cfg.subprogs[1].start, 4);
	T_EQ_U64(cfg.subprogs[1].end, 8);
	T_EQ_U64(cfg.subprogs[2].start, 8);
	T_EQ_U64(cfg.subprogs[2].end, 10);
	T_EQ_U64(cfg.subprogs[1].is_callback, 0);
	for (int i = 0; i < 10; i++)
		T_EQ_U64(cfg.subprog_of[i], of[i]);
	T_EQ_U64(cfg.flags[1], UBEE_VCFG_CALLSITE | UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[2], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[4], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[5], UBEE_VCFG_CALLSITE | UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[6], UBEE_VCFG_PRUNE | UBEE_VCFG_JMP_TARGET);
	T_EQ_U64(cfg.flags[8], UBEE_VCFG_PRUNE);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void callback_subprog(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"r1 = 4\n"                  /* 0 */
		"r2 = func(cb) ll\n"        /* 1-2 */
		"r3 = 0\n"                  /* 3 */
		"r4 = 0\n"                  /* 4 */
		"call 181\n"                /* 5: bpf_loop */
		"r0 = 0\n"                  /* 6 */
		"exit\n"                    /* 7 */
		"cb:\n"
		"r0 = 0\n"                  /* 8 */
		"exit\n",                   /* 9 */
		0, &cfg, 0, NULL);

	if (!prog)
		return;
	T_EQ_U64(cfg.nr_subprogs, 2);
	T_EQ_U64(cfg.subprogs[1].start, 8);
	T_EQ_U64(cfg.subprogs[1].is_callback, 1);
	T_EQ_U64(cfg.subprogs[0].is_callback, 0);
	T_EQ_U64(cfg.flags[1], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[3], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[5], UBEE_VCFG_CALLSITE | UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[6], UBEE_VCFG_PRUNE);
	T_EQ_U64(cfg.flags[8], UBEE_VCFG_PRUNE);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void jump_leaves_subprog(void)
{
	/* main jumps into f's body */
	reject("call f\nif r0 == 0 goto +2\nexit\nf:\nr0 = 1\nexit\n", 0,
	       -EINVAL, "1: jump out of range from insn 1 to 4");
	/* f jumps back into main */
	reject("call f\nr0 = 0\nexit\nf:\nif r1 == 0 goto -3\nr0 = 1\nexit\n",
	       0, -EINVAL, "3: jump out of range from insn 3 to 1");
}

static void falls_into_next(void)
{
	reject("call f\nr0 = 0\nexit\nf:\nr0 = 1\ncall g\ng:\nr0 = 2\nexit\n",
	       0, -EINVAL, "4: last insn is not an exit or jmp");
	/* main itself falls into a subprogram */
	reject("call f\nr0 = 0\nf:\nr0 = 1\nexit\n", 0, -EINVAL,
	       "1: last insn is not an exit or jmp");
}

static void ends_with_goto(void)
{
	/* f's last insn is a backward goto: it does not fall into g */
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"call f\ncall g\nexit\n"
		"f:\nr0 += 1\nif r0 < 3 goto +1\nexit\ngoto -4\n"
		"g:\nr0 = 0\nexit\n", 0, &cfg, 0, NULL);

	if (!prog)
		return;
	T_EQ_U64(cfg.nr_subprogs, 3);
	T_EQ_U64(cfg.subprogs[1].end, 7);
	T_EQ_U64(cfg.subprogs[1].has_loop, 1);
	T_EQ_U64(cfg.subprogs[0].has_loop, 0);
	T_EQ_U64(cfg.subprogs[2].has_loop, 0);
	T_CHECK(cfg.flags[3] & UBEE_VCFG_LOOP_HEAD, "loop head at 3");
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void unpriv_calls(void)
{
	reject("call f\nexit\nf:\nr0 = 0\nexit\n", UBEE_PROG_UNPRIV, -EACCES,
	       "0: loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN");
}

/* A chain main -> f1 -> ... -> f<depth-1>, every frame using stack bytes. */
static char *chain_text(int frames)
{
	size_t cap = 4096, len = 0;
	char *t = malloc(cap);

	len += snprintf(t + len, cap - len,
			"*(u64 *)(r10 - 8) = r1\ncall f1\nr0 = 0\nexit\n");
	for (int i = 1; i < frames; i++) {
		if (i + 1 < frames)
			len += snprintf(t + len, cap - len,
					"f%d:\ncall f%d\nexit\n", i, i + 1);
		else
			len += snprintf(t + len, cap - len,
					"f%d:\nr0 = 0\nexit\n", i);
	}
	return t;
}

static void frames_bound(void)
{
	char *t8 = chain_text(8), *t9 = chain_text(9);
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(t8, 0, &cfg, 0, NULL);

	if (prog)
		T_EQ_U64(cfg.nr_subprogs, 8);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
	/* f7 is frame 7 (the 8th): its call would make a 9th */
	reject(t9, 0, -EINVAL, "16: the call stack of 9 frames is too deep");
	free(t8);
	free(t9);
}

static void recursion(void)
{
	reject("call f\nexit\nf:\ncall f\nexit\n", 0, -EINVAL,
	       "2: the call stack of 9 frames is too deep");
	/* mutual recursion through a callback */
	reject("r1 = 1\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall 181\nexit\n"
	       "cb:\ncall cb2\nexit\ncb2:\nr2 = func(cb) ll\nexit\n",
	       0, -EINVAL, "7: the call stack of 9 frames is too deep");
}

static void stack_depth(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"call f\nexit\nf:\ncall g\nexit\ng:\nexit\n", 0, &cfg, 0, NULL);
	uint32_t max = 0;

	if (!prog)
		return;
	cfg.subprogs[0].stack_depth = 200; /* 208 */
	cfg.subprogs[1].stack_depth = 8;   /* 16 */
	cfg.subprogs[2].stack_depth = 280; /* 288 */
	T_EQ_U64(ubee_vcfg_check_stack(prog, &cfg, &max, &lg), 0);
	T_EQ_U64(max, 512);
	T_EQ_U64(strlen(logbuf), 0);
	cfg.subprogs[2].stack_depth = 296; /* 304: 528 */
	T_EQ_U64(ubee_vcfg_check_stack(prog, &cfg, &max, &lg), -EACCES);
	T_CHECK(strcmp(logbuf, "2: combined stack size of 3 calls is 528. Too large\n") == 0,
		"log '%s'", logbuf);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void stack_depth_worst_path(void)
{
	/* main calls a (small) then b (big); b is the deeper path */
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"call a\ncall b\nexit\na:\nexit\nb:\nexit\n", 0, &cfg, 0, NULL);
	uint32_t max = 0;

	if (!prog)
		return;
	cfg.subprogs[0].stack_depth = 64;
	cfg.subprogs[1].stack_depth = 1;   /* 16 */
	cfg.subprogs[2].stack_depth = 440; /* 448 */
	T_EQ_U64(ubee_vcfg_check_stack(prog, &cfg, &max, &lg), 0);
	T_EQ_U64(max, 512);
	cfg.subprogs[2].stack_depth = 449; /* 464: 528 */
	T_EQ_U64(ubee_vcfg_check_stack(prog, &cfg, &max, &lg), -EACCES);
	T_CHECK(strcmp(logbuf, "1: combined stack size of 2 calls is 528. Too large\n") == 0,
		"log '%s'", logbuf);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void tail_call_stack(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"call f\nexit\n"
		"f:\nr2 = 0\nr3 = 0\ncall 12\nr0 = 0\nexit\n", 0, &cfg, 0, NULL);
	uint32_t max = 0;

	if (!prog)
		return;
	T_EQ_U64(cfg.subprogs[1].has_tail_call, 1);
	T_EQ_U64(cfg.subprogs[0].has_tail_call, 0);
	cfg.subprogs[0].stack_depth = 248; /* 256 */
	T_EQ_U64(ubee_vcfg_check_stack(prog, &cfg, &max, &lg), -EACCES);
	T_CHECK(strcmp(logbuf, "0: tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large\n") == 0,
		"log '%s'", logbuf);
	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	cfg.subprogs[0].stack_depth = 240;
	cfg.subprogs[1].stack_depth = 16;
	T_EQ_U64(ubee_vcfg_check_stack(prog, &cfg, &max, &lg), 0);
	T_EQ_U64(max, 256);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

static void ld_abs_flag(void)
{
	struct ubee_vcfg cfg;
	struct ubee_prog *prog = build(
		"r6 = r1\nr0 = *(u8 *)skb[0xc]\nexit\n", 0, &cfg, 0, NULL);

	if (!prog)
		return;
	T_EQ_U64(cfg.subprogs[0].has_ld_abs, 1);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);
}

/* ---- hand-built programs the loader would refuse ---------------------- */

static int build_raw(const struct ubee_insn *insns, size_t cnt,
		     struct ubee_vcfg *cfg)
{
	struct ubee_dinsn code[64];
	struct ubee_prog prog = { .cnt = cnt, .insns = (struct ubee_insn *)insns,
				  .code = code };

	for (size_t i = 0; i < cnt; i++) {
		int op = ubee_isa_lookup(&insns[i]);

		code[i] = (struct ubee_dinsn){ .op = op < 0 ? UBEE_OP__COUNT :
					       (uint8_t)op,
					       .dst = insns[i].dst_reg,
					       .src = insns[i].src_reg,
					       .off = insns[i].off,
					       .imm = insns[i].imm };
		if (op >= 0 && (ubee_isa_ops[op].flags & UBEE_F_LDDW) &&
		    i + 1 < cnt) {
			i++;
			code[i] = (struct ubee_dinsn){ .op = UBEE_OP__COUNT,
						       .imm = insns[i].imm };
		}
	}
	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	return ubee_vcfg_build(&prog, cfg, &lg);
}

#define I(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

static void raw_jump_out_of_range(void)
{
	const struct ubee_insn p[] = { I(0x05, 0, 0, 7, 0), I(0x95, 0, 0, 0, 0) };
	const struct ubee_insn q[] = { I(0x15, 1, 0, -5, 0), I(0x95, 0, 0, 0, 0) };
	struct ubee_vcfg cfg;

	T_EQ_U64(build_raw(p, 2, &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "0: jump out of range from insn 0 to 8\n") == 0,
		"log '%s'", logbuf);
	T_EQ_U64(build_raw(q, 2, &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "0: jump out of range from insn 0 to -4\n") == 0,
		"log '%s'", logbuf);
}

static void raw_call_invalid(void)
{
	const struct ubee_insn q[] = { I(0x85, 0, 1, 0, -3), I(0x95, 0, 0, 0, 0) };
	const struct ubee_insn f[] = { I(0x18, 2, 4, 0, 9), I(0, 0, 0, 0, 0),
				       I(0x95, 0, 0, 0, 0) };
	struct ubee_vcfg cfg;

	T_EQ_U64(build_raw((const struct ubee_insn[]){ I(0x85, 0, 1, 0, 5),
						       I(0x95, 0, 0, 0, 0) }, 2,
			   &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "0: call to invalid destination\n") == 0,
		"log '%s'", logbuf);
	T_EQ_U64(build_raw(q, 2, &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "0: call to invalid destination\n") == 0,
		"log '%s'", logbuf);
	T_EQ_U64(build_raw(f, 3, &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "0: call to invalid destination\n") == 0,
		"log '%s'", logbuf);
}

static void raw_into_lddw(void)
{
	/* goto +1 lands on the second slot of the lddw at 1 */
	const struct ubee_insn p[] = { I(0x05, 0, 0, 1, 0), I(0x18, 0, 0, 0, 1),
				       I(0, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0) };
	struct ubee_vcfg cfg;

	T_EQ_U64(build_raw(p, 4, &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "1: unreachable insn 1\n") == 0, "log '%s'",
		logbuf);
}

static void raw_last_is_lddw(void)
{
	const struct ubee_insn p[] = { I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 0) };
	struct ubee_vcfg cfg;

	T_EQ_U64(build_raw(p, 2, &cfg), -EINVAL);
	T_CHECK(strcmp(logbuf, "1: last insn is not an exit or jmp\n") == 0,
		"log '%s'", logbuf);
}

static void too_many_subprogs(void)
{
	size_t n = UBEE_V_MAX_SUBPROGS, len = 0, cap = 64 * 1024;
	char *t = malloc(cap);
	struct ubee_vcfg cfg;
	struct ubee_prog *prog;

	/* main calls f1..f<n-1>: exactly the limit */
	for (size_t i = 1; i < n; i++)
		len += snprintf(t + len, cap - len, "call f%zu\n", i);
	len += snprintf(t + len, cap - len, "exit\n");
	for (size_t i = 1; i < n; i++)
		len += snprintf(t + len, cap - len, "f%zu:\nexit\n", i);
	prog = build(t, 0, &cfg, 0, NULL);
	if (prog)
		T_EQ_U64(cfg.nr_subprogs, n);
	ubee_vcfg_free(&cfg);
	ubee_prog_free(prog);

	len = 0;
	for (size_t i = 1; i <= n; i++)
		len += snprintf(t + len, cap - len, "call f%zu\n", i);
	len += snprintf(t + len, cap - len, "exit\n");
	for (size_t i = 1; i <= n; i++)
		len += snprintf(t + len, cap - len, "f%zu:\nexit\n", i);
	reject(t, 0, -EINVAL, "255: too many subprograms");
	free(t);
}

/* ---- kernel helper prototypes (protos.c) ------------------------------- */

static void protos_cover_allow_lists(void)
{
	const struct ubee_prog_type *t;
	size_t n = 0;

	for (size_t i = 0; (t = ubee_prog_type_at(i)); i++) {
		for (size_t k = 0; k < t->nr_kernel_helpers; k++) {
			int32_t id = t->kernel_helpers[k];
			const struct ubee_helper *b = ubee_helper_lookup(NULL, id);
			const struct ubee_helper *p = ubee_vproto_find(id);

			T_CHECK(b || p, "%s: helper %d has no prototype", t->name, id);
			T_CHECK(!(b && p), "helper %d is both built in and a kernel prototype", id);
			T_CHECK(ubee_prog_type_allows_helper(t, id), "%s: %d", t->name, id);
			n++;
		}
	}
	T_CHECK(n > 1000, "only %zu allow-list entries", n);
}

static void protos_records(void)
{
	const struct ubee_helper *h = ubee_vproto_find(35);
	int found = 0;

	T_CHECK(h && !strcmp(h->name, "bpf_get_current_task") && !h->fn &&
			h->ret == UBEE_RET_INTEGER && h->args[0] == UBEE_ARG_NONE,
		"bpf_get_current_task");
	h = ubee_vproto_find(84);
	T_CHECK(h && !strcmp(h->name, "bpf_sk_lookup_tcp") &&
			h->ret == UBEE_RET_PTR_TO_SOCKET_OR_NULL &&
			h->args[0] == UBEE_ARG_PTR_TO_CTX &&
			h->args[2] == UBEE_ARG_CONST_SIZE && h->args[4] == UBEE_ARG_ANYTHING,
		"bpf_sk_lookup_tcp");
	h = ubee_vproto_find(10);
	T_CHECK(h && !strcmp(h->name, "bpf_l3_csum_replace"), "l3_csum_replace");
	T_CHECK(ubee_vproto_find(211) && !ubee_vproto_find(1) &&
			!ubee_vproto_find(0) && !ubee_vproto_find(-1) &&
			!ubee_vproto_find(100000),
		"edges");
	/* Every id from 1 to 211 is either built in or found, or absent. */
	for (int32_t id = 1; id <= 211; id++)
		found += ubee_vproto_find(id) != NULL;
	T_CHECK(found > 120, "%d prototypes", found);
}

static void verify_only_types(void)
{
	static const char *const names[] = {
		"cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit",
		"sock_ops", "sk_skb", "sk_msg", "cgroup_sock_addr",
		"flow_dissector",
	};
	const struct ubee_prog_type *t;
	const struct ubee_ctx_field *f;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t = ubee_prog_type_by_name(names[i]);
		T_CHECK(t && (t->flags & UBEE_PT_VERIFY_ONLY), "%s", names[i]);
	}
	t = ubee_prog_type_by_name("sock_ops");
	if (!t)
		return;
	T_EQ_U64(t->id, 13);
	T_EQ_U64(ubee_prog_type_ctx_access(t, 0, 4, 0, &f), 0);   /* op */
	T_EQ_U64(ubee_prog_type_ctx_access(t, 0, 4, 1, NULL), -EACCES);
	T_EQ_U64(ubee_prog_type_ctx_access(t, 164, 4, 1, NULL), 0); /* sk_txhash */
	T_EQ_U64(ubee_prog_type_ctx_access(t, 192, 8, 0, &f), 0);
	T_CHECK(f && f->kind == UBEE_CTX_PKT, "skb_data is a packet pointer");
	T_EQ_U64(ubee_prog_type_ctx_access(t, 192, 4, 0, NULL), -EACCES);
	T_CHECK(ubee_prog_type_allows_helper(t, 59), "sock_ops_cb_flags_set");
	T_CHECK(!ubee_prog_type_allows_helper(t, 44), "no xdp_adjust_head");
	T_CHECK(ubee_prog_type_ret_ok(t, 1) && !ubee_prog_type_ret_ok(t, 2),
		"returns 0 or 1");
	t = ubee_prog_type_by_name("cgroup_skb");
	T_EQ_U64(ubee_prog_type_ctx_access(t, 8, 4, 1, NULL), 0);   /* mark */
	T_EQ_U64(ubee_prog_type_ctx_access(t, 0, 4, 1, NULL), -EACCES);
	t = ubee_prog_type_by_name("xdp");
	T_CHECK(t && !(t->flags & UBEE_PT_VERIFY_ONLY) &&
			ubee_prog_type_allows_helper(t, 189) &&
			!ubee_prog_type_allows_helper(t, 59),
		"xdp: kernel list (xdp_load_bytes), not sock_ops helpers");
}

int main(void)
{
	T_RUN(straight_line);
	T_RUN(branch_prune_points);
	T_RUN(bounded_loop_marked);
	T_RUN(self_loop_marked);
	T_RUN(unpriv_back_edge);
	T_RUN(unreachable);
	T_RUN(unreachable_lddw);
	T_RUN(subprograms);
	T_RUN(callback_subprog);
	T_RUN(jump_leaves_subprog);
	T_RUN(falls_into_next);
	T_RUN(ends_with_goto);
	T_RUN(unpriv_calls);
	T_RUN(frames_bound);
	T_RUN(recursion);
	T_RUN(stack_depth);
	T_RUN(stack_depth_worst_path);
	T_RUN(tail_call_stack);
	T_RUN(ld_abs_flag);
	T_RUN(raw_jump_out_of_range);
	T_RUN(raw_call_invalid);
	T_RUN(raw_into_lddw);
	T_RUN(raw_last_is_lddw);
	T_RUN(too_many_subprogs);
	T_RUN(protos_cover_allow_lists);
	T_RUN(protos_records);
	T_RUN(verify_only_types);
	return t_summary();
}
