// SPDX-License-Identifier: MIT
/*
 * Classic BPF: the text parser, the checker's verdicts and messages, and
 * the translator against two oracles. libpcap's own interpreter
 * (bpf_filter) and a kernel-semantics reference (tests/lib/cbpf_ref.h)
 * judge every opcode, thousands of random classic programs and the
 * programs pcap_compile makes of tcpdump expressions, each run on every
 * engine (checked interpreter, unchecked interpreter, JIT). The kernel
 * judges the emitted eBPF: it must load as a socket filter and compute
 * the same verdicts through BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ubee/asm.h"
#include "ubee/cbpf.h"
#include "ubee/ubee.h"
#include "util/util.h"
#include "verifier/verifier.h"
#include "cbpf_cases.h"
#include "cbpf_ref.h"
#include "kbpf.h"
#include "test.h"

#define LOG_SIZE 8192
#define SOCKET_FILTER 1 /* BPF_PROG_TYPE_SOCKET_FILTER */



/* ---- engines ----------------------------------------------------------- */

struct engine {
	const char *name;
	enum ubee_engine engine;
	uint32_t run_flags;
};

static const struct engine engines[] = {
	{ "checked", UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED },
	{ "interp", UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED },
	{ "switch", UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED | UBEE_RUN_SWITCH },
	{ "jit", UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED },
};
#define NR_ENGINES (sizeof(engines) / sizeof(engines[0]))

static int engine_ok(size_t e)
{
	return engines[e].engine != UBEE_ENGINE_JIT ||
	       ubee_engine_available(UBEE_ENGINE_JIT);
}

/* The filters of a program, one per engine (NULL where not available). */
static int filters_new(const struct ubee_cbpf_insn *insns, size_t cnt,
		       struct ubee_cbpf_filter *f[NR_ENGINES])
{
	memset(f, 0, NR_ENGINES * sizeof(f[0]));
	for (size_t e = 0; e < NR_ENGINES; e++) {
		struct ubee_cbpf_filter_opts o = {
			.sz = sizeof(o), .engine = engines[e].engine,
			.run_flags = engines[e].run_flags,
		};
		int err;

		if (!engine_ok(e))
			continue;
		err = ubee_cbpf_filter_new(insns, cnt, &o, &f[e], fresh_log());
		if (err) {
			t_fail(__FILE__, __LINE__, "filter_new: %d: %s", err, logbuf);
			return err;
		}
	}
	return 0;
}

static void filters_free(struct ubee_cbpf_filter *f[NR_ENGINES])
{
	for (size_t e = 0; e < NR_ENGINES; e++)
		ubee_cbpf_filter_free(f[e]);
}

/*
 * Run insns on p on every engine and compare with the reference (and
 * with libpcap when the reference says libpcap applies). Returns 0 when
 * all agree, else fails the case with the details.
 */
static int compare_one(const struct ubee_cbpf_insn *insns, size_t cnt,
		       struct ubee_cbpf_filter *f[NR_ENGINES], const uint8_t *p,
		       uint32_t caplen, uint32_t wirelen, const char *what)
{
	int diverged;
	uint32_t want = cbpf_ref_run(insns, cnt, p, caplen, wirelen, &diverged);

	if (!diverged) {
		uint32_t lp = bpf_filter((const struct bpf_insn *)insns, p,
					 wirelen, caplen);

		if (lp != want) {
			t_fail(__FILE__, __LINE__, "%s: reference 0x%x, libpcap 0x%x",
			       what, want, lp);
			return -1;
		}
	}
	if (diverged == 2) {
		t_fail(__FILE__, __LINE__, "%s: the reference cannot judge it", what);
		return -1;
	}
	for (size_t e = 0; e < NR_ENGINES; e++) {
		uint32_t keep = 0;
		int err;

		if (!f[e])
			continue;
		err = ubee_cbpf_filter_run(f[e], p, caplen, wirelen, &keep,
					   fresh_log());
		if (err || keep != want) {
			t_fail(__FILE__, __LINE__,
			       "%s [%s]: got 0x%x (err %d %s), expected 0x%x (caplen %u)",
			       what, engines[e].name, keep, err, logbuf, want, caplen);
			return -1;
		}
	}
	return 0;
}

/* ---- parsing ----------------------------------------------------------- */

static void parse_dd(void)
{
	const char *text = "{ 0x28, 0, 0, 0x0000000c },\n"
			   "{ 0x15, 0, 1, 0x00000800 },\n"
			   "\n"
			   "{ 0x6, 0, 0, 0x00040000 },\n"
			   "{ 0x6, 0, 0, 0x00000000 },\n";
	static const struct ubee_cbpf_insn want[] = {
		S(0x28, 12), I(0x15, 0, 1, 0x800), S(0x06, 0x40000), S(0x06, 0),
	};
	struct ubee_cbpf_insn *insns;
	size_t cnt;
	int err = ubee_cbpf_parse(text, &insns, &cnt, fresh_log());

	T_CHECK(!err, "parse: %d %s", err, logbuf);
	if (err)
		return;
	T_EQ_U64(cnt, 4);
	T_CHECK(cnt == 4 && !memcmp(insns, want, sizeof(want)), "instructions differ");
	ubee_cbpf_free(insns);
}

static void parse_ddd(void)
{
	const char *text = "3\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n";
	struct ubee_cbpf_insn *insns;
	size_t cnt;
	int err = ubee_cbpf_parse(text, &insns, &cnt, fresh_log());

	T_CHECK(!err, "parse: %d %s", err, logbuf);
	if (err)
		return;
	T_EQ_U64(cnt, 3);
	T_EQ_U64(insns[1].code, 0x15);
	T_EQ_U64(insns[1].jf, 1);
	T_EQ_U64(insns[2].k, 262144);
	ubee_cbpf_free(insns);
}

static void parse_errors(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "", "line 1: no instructions" },
		{ "{ 0x28, 0, 0, 12 },\n{ 0x15, 0, 1 },\n", "line 2: expected ','" },
		{ "{ 0x28, 0, 0x100, 12 },\n", "line 1: number out of range" },
		{ "{ 0x10028, 0, 0, 12 },\n", "line 1: number out of range" },
		{ "{ 0x28, 0, 0, 0x100000000 },\n", "line 1: number out of range" },
		{ "{ 0x28, 0, 0, 12 } junk\n", "line 1: unexpected text" },
		{ "2\n40 0 0 12\n", "line 3: 1 instructions, the first line says 2" },
		{ "1\n40 0 x 12\n", "line 2: expected a number" },
		{ "5000\n", "line 1: number out of range" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ubee_cbpf_insn *insns = (void *)1;
		size_t cnt = 1;
		int err = ubee_cbpf_parse(cases[i].text, &insns, &cnt, fresh_log());

		T_CHECK(err == -EINVAL, "case %zu: err %d", i, err);
		T_CHECK(!insns && !cnt, "case %zu: output not cleared", i);
		T_CHECK(strstr(logbuf, cases[i].msg), "case %zu: log '%s', expected '%s'",
			i, logbuf, cases[i].msg);
	}
}

/* ---- the checker ------------------------------------------------------- */

struct check_case {
	const char *name;
	struct ubee_cbpf_insn insns[8];
	size_t cnt;
	const char *msg; /* NULL: accepted */
};

#define ADOFF(x) ((uint32_t)UBEE_SKF_AD_OFF + (x))

static const struct check_case check_cases[] = {
	{ "ret", { S(0x06, 0) }, 1, NULL },
	{ "unknown opcode", { S(0x18, 0), S(0x06, 0) }, 2, "0: unknown classic BPF opcode 0x18" },
	{ "ld imm size h", { S(0x08, 0), S(0x06, 0) }, 2, "0: unknown classic BPF opcode 0x8" },
	{ "ret x", { S(0x0e, 0) }, 1, "0: unknown classic BPF opcode 0xe" },
	{ "opcode over 8 bits", { S(0x106, 0) }, 1, "0: unknown classic BPF opcode 0x106" },
	{ "no ret at end", { S(0x00, 1) }, 1, "0: the last instruction is not a return" },
	{ "ja out of range", { S(0x05, 1), S(0x06, 0) }, 2, "0: jump out of range (ja +1)" },
	{ "ja backward", { S(0x00, 0), S(0x05, 0xfffffffe), S(0x06, 0) }, 3,
	  "1: backward jump (ja -2): classic BPF jumps only forward" },
	{ "ja to last", { S(0x05, 1), S(0x06, 1), S(0x06, 0) }, 3, NULL },
	{ "jeq jt out of range", { I(0x15, 1, 0, 0), S(0x06, 0) }, 2,
	  "0: jump out of range (jt +1, jf +0)" },
	{ "jeq jf out of range", { I(0x15, 0, 2, 0), S(0x06, 0), S(0x06, 0) }, 3,
	  "0: jump out of range (jt +0, jf +2)" },
	{ "ld mem 16", { S(0x02, 0), S(0x60, 16), S(0x06, 0) }, 3,
	  "1: scratch word M[16] out of range" },
	{ "st 16", { S(0x02, 16), S(0x06, 0) }, 2, "0: scratch word M[16] out of range" },
	{ "stx 99", { S(0x03, 99), S(0x06, 0) }, 2, "0: scratch word M[99] out of range" },
	{ "ld mem uninit", { S(0x60, 3), S(0x16, 0) }, 2,
	  "0: load from M[3], which may be uninitialised" },
	{ "ldx mem uninit one path",
	  { I(0x15, 0, 1, 7), S(0x02, 5), S(0x61, 5), S(0x16, 0) }, 4,
	  "2: load from M[5], which may be uninitialised" },
	{ "ld mem init every path",
	  { I(0x15, 0, 2, 7), S(0x02, 5), S(0x05, 1), S(0x03, 5), S(0x60, 5),
	    S(0x16, 0) }, 6, NULL },
	{ "unreachable load ignored",
	  { S(0x06, 0), S(0x60, 5), S(0x16, 0) }, 3, NULL },
	{ "div k 0", { S(0x34, 0), S(0x16, 0) }, 2, "0: division by the constant 0" },
	{ "mod k 0", { S(0x94, 0), S(0x16, 0) }, 2, "0: division by the constant 0" },
	{ "div x", { S(0x3c, 0), S(0x16, 0) }, 2, NULL },
	{ "lsh k 32", { S(0x64, 32), S(0x16, 0) }, 2, "0: shift by the constant 32" },
	{ "rsh k 31", { S(0x74, 31), S(0x16, 0) }, 2, NULL },
	{ "pay_offset", { S(0x20, ADOFF(52)), S(0x16, 0) }, 2,
	  "0: ancillary load SKF_AD_PAY_OFFSET is not supported" },
	{ "nlattr", { S(0x20, ADOFF(12)), S(0x16, 0) }, 2,
	  "0: ancillary load SKF_AD_NLATTR is not supported" },
	{ "unknown ancillary", { S(0x30, ADOFF(64)), S(0x16, 0) }, 2,
	  "0: unknown ancillary load SKF_AD_OFF+64" },
	{ "odd ancillary", { S(0x30, ADOFF(2)), S(0x16, 0) }, 2,
	  "0: unknown ancillary load SKF_AD_OFF+2" },
	{ "protocol", { S(0x28, ADOFF(0)), S(0x16, 0) }, 2, NULL },
	{ "ld len", { S(0x80, 0), S(0x81, 0), S(0x16, 0) }, 3, NULL },
	{ "ld len b", { S(0x90, 0), S(0x16, 0) }, 2, "0: unknown classic BPF opcode 0x90" },
	{ "msh h", { S(0xa9, 0), S(0x16, 0) }, 2, "0: unknown classic BPF opcode 0xa9" },
};

static void check_verdicts(void)
{
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		int err = ubee_cbpf_check(c->insns, c->cnt, fresh_log());

		t_begin("check %s", c->name);
		if (!c->msg) {
			T_CHECK(!err, "rejected: %s", logbuf);
		} else {
			T_CHECK(err == -EINVAL, "err %d, expected -EINVAL", err);
			T_CHECK(strstr(logbuf, c->msg), "log '%s', expected '%s'",
				logbuf, c->msg);
		}
		t_end();
	}
}

static void check_limits(void)
{
	static struct ubee_cbpf_insn big[UBEE_CBPF_MAX_INSNS + 1];
	int err;

	for (size_t i = 0; i < UBEE_CBPF_MAX_INSNS + 1; i++)
		big[i] = (struct ubee_cbpf_insn)S(0x06, 0);
	err = ubee_cbpf_check(big, UBEE_CBPF_MAX_INSNS, fresh_log());
	T_CHECK(!err, "4096 instructions: %s", logbuf);
	err = ubee_cbpf_check(big, UBEE_CBPF_MAX_INSNS + 1, fresh_log());
	T_CHECK(err == -E2BIG && strstr(logbuf, "4097 instructions, over the limit"),
		"4097: %d %s", err, logbuf);
	err = ubee_cbpf_check(big, 0, fresh_log());
	T_CHECK(err == -EINVAL && strstr(logbuf, "empty"), "0: %d %s", err, logbuf);
}

/* ---- translation, opcode by opcode ------------------------------------- */

static const uint8_t pkt20[20] = {
	0x00, 0x11, 0x22, 0xff, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0x08, 0x00, 0x45, 0x01, 0x02, 0x03, 0xfe, 0xdc,
};

struct op_case {
	const char *name;
	struct ubee_cbpf_insn insns[8];
	size_t cnt;
	uint32_t want;
};

static const struct op_case op_cases[] = {
	{ "ld_abs_w", { S(0x20, 2), S(0x16, 0) }, 2, 0x22ff4455 },
	{ "ld_abs_h", { S(0x28, 12), S(0x16, 0) }, 2, 0x0800 },
	{ "ld_abs_b", { S(0x30, 3), S(0x16, 0) }, 2, 0xff },
	{ "ld_abs_w_last", { S(0x20, 16), S(0x16, 0) }, 2, 0x0203fedc },
	{ "ld_abs_w_past_end", { S(0x00, 9), S(0x20, 17), S(0x16, 0) }, 3, 0 },
	{ "ld_abs_b_huge", { S(0x00, 9), S(0x30, 0x80000000), S(0x16, 0) }, 3, 0 },
	{ "ld_ind_w", { S(0x01, 4), S(0x40, 2), S(0x16, 0) }, 3, 0x66778899 },
	{ "ld_ind_h", { S(0x01, 4), S(0x48, 8), S(0x16, 0) }, 3, 0x0800 },
	{ "ld_ind_b", { S(0x01, 10), S(0x50, 9), S(0x16, 0) }, 3, 0xdc },
	{ "ld_ind_past_end", { S(0x01, 10), S(0x50, 10), S(0x06, 7) }, 3, 0 },
	{ "ld_imm", { S(0x00, 0xdeadbeef), S(0x16, 0) }, 2, 0xdeadbeef },
	{ "ld_len", { S(0x80, 0), S(0x16, 0) }, 2, 60 },
	{ "ldx_len", { S(0x81, 0), S(0x87, 0), S(0x16, 0) }, 3, 60 },
	{ "ldx_imm_txa", { S(0x01, 77), S(0x87, 0), S(0x16, 0) }, 3, 77 },
	{ "ldx_msh", { S(0x00, 5), S(0xb1, 14), S(0x87, 0), S(0x16, 0) }, 4, 20 },
	{ "ldx_msh_keeps_a", { S(0x00, 5), S(0xb1, 14), S(0x16, 0) }, 3, 5 },
	{ "ldx_msh_past_end", { S(0x00, 5), S(0xb1, 20), S(0x16, 0) }, 3, 0 },
	{ "st_ld_mem", { S(0x00, 42), S(0x02, 15), S(0x00, 0), S(0x60, 15), S(0x16, 0) }, 5, 42 },
	{ "stx_ldx_mem", { S(0x01, 43), S(0x03, 0), S(0x01, 0), S(0x61, 0), S(0x87, 0), S(0x16, 0) }, 6, 43 },
	{ "tax", { S(0x00, 9), S(0x07, 0), S(0x00, 1), S(0x87, 0), S(0x16, 0) }, 5, 9 },
	{ "add_k", { S(0x00, 0xffffffff), S(0x04, 2), S(0x16, 0) }, 3, 1 },
	{ "sub_x", { S(0x00, 1), S(0x01, 2), S(0x1c, 0), S(0x16, 0) }, 4, 0xffffffff },
	{ "mul_k", { S(0x00, 0x10001), S(0x24, 0x10001), S(0x16, 0) }, 3, 0x20001 },
	{ "div_k_big", { S(0x00, 0xffffffff), S(0x34, 0x80000000), S(0x16, 0) }, 3, 1 },
	{ "div_x", { S(0x00, 100), S(0x01, 7), S(0x3c, 0), S(0x16, 0) }, 4, 14 },
	{ "div_x_zero", { S(0x00, 100), S(0x3c, 0), S(0x06, 5) }, 3, 0 },
	{ "mod_k", { S(0x00, 100), S(0x94, 7), S(0x16, 0) }, 3, 2 },
	{ "mod_x_zero", { S(0x00, 100), S(0x9c, 0), S(0x06, 5) }, 3, 0 },
	{ "or_k", { S(0x00, 0xf0), S(0x44, 0x0f), S(0x16, 0) }, 3, 0xff },
	{ "and_x", { S(0x00, 0xf0), S(0x01, 0x3c), S(0x5c, 0), S(0x16, 0) }, 4, 0x30 },
	{ "lsh_k", { S(0x00, 0x81), S(0x64, 31), S(0x16, 0) }, 3, 0x80000000 },
	{ "rsh_x", { S(0x00, 0x80000000), S(0x01, 31), S(0x7c, 0), S(0x16, 0) }, 4, 1 },
	{ "neg", { S(0x00, 1), S(0x84, 0), S(0x16, 0) }, 3, 0xffffffff },
	{ "xor_k", { S(0x00, 0xff00), S(0xa4, 0x0ff0), S(0x16, 0) }, 3, 0xf0f0 },
	{ "xor_x", { S(0x00, 3), S(0x01, 5), S(0xac, 0), S(0x16, 0) }, 4, 6 },
	{ "ja", { S(0x05, 1), S(0x06, 1), S(0x06, 2) }, 3, 2 },
	{ "jeq_k_true", { S(0x00, 5), I(0x15, 1, 0, 5), S(0x06, 1), S(0x06, 2) }, 4, 2 },
	{ "jeq_k_false", { S(0x00, 4), I(0x15, 1, 0, 5), S(0x06, 1), S(0x06, 2) }, 4, 1 },
	{ "jeq_k_inverted", { S(0x00, 4), I(0x15, 0, 1, 5), S(0x06, 1), S(0x06, 2) }, 4, 2 },
	{ "jgt_k_big", { S(0x00, 0xffffffff), I(0x25, 1, 0, 0x80000000), S(0x06, 1), S(0x06, 2) }, 4, 2 },
	{ "jge_x", { S(0x00, 5), S(0x01, 5), I(0x3d, 0, 1, 0), S(0x06, 1), S(0x06, 2) }, 5, 1 },
	{ "jset_k_both", { S(0x00, 6), I(0x45, 1, 2, 4), S(0x06, 1), S(0x06, 2), S(0x06, 3) }, 5, 2 },
	{ "jset_k_false_jt0", { S(0x00, 6), I(0x45, 0, 1, 1), S(0x06, 1), S(0x06, 2) }, 4, 2 },
	{ "jset_x", { S(0x00, 6), S(0x01, 8), I(0x4d, 0, 1, 0), S(0x06, 1), S(0x06, 2) }, 5, 2 },
	{ "jeq_same_target", { I(0x15, 1, 1, 0), S(0x06, 1), S(0x06, 2) }, 3, 2 },
	{ "ret_k", { S(0x06, 0x40000) }, 1, 0x40000 },
	{ "ret_a_initial", { S(0x16, 0) }, 1, 0 },
	{ "x_initial", { S(0x87, 0), S(0x16, 0) }, 2, 0 },
};

static void translate_ops(void)
{
	for (size_t i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		const struct op_case *c = &op_cases[i];
		struct ubee_cbpf_filter *f[NR_ENGINES];
		int diverged;

		t_begin("op %s", c->name);
		T_EQ_U64(cbpf_ref_run(c->insns, c->cnt, pkt20, 20, 60, &diverged), c->want);
		T_EQ_U64(bpf_filter((const struct bpf_insn *)c->insns, pkt20, 60, 20), c->want);
		if (!filters_new(c->insns, c->cnt, f))
			compare_one(c->insns, c->cnt, f, pkt20, 20, 60, c->name);
		filters_free(f);
		t_end();
	}
}

/* Ancillary loads: the context the filter builds from the Ethernet header. */
static void translate_ancillary(void)
{
	static const struct {
		uint32_t off, want;
	} cases[] = {
		{ 0, 0x0800 },  /* protocol, host order */
		{ 4, 0 },       /* pkt_type: unicast = PACKET_HOST */
		{ 8, 5 },       /* ifindex from the options */
		{ 20, 0 }, { 24, 0 }, { 28, 1 }, { 32, 0 },
		{ 44, 0 }, { 48, 0 }, { 60, 0 },
	};
	struct ubee_cbpf_filter_opts o = { .sz = sizeof(o), .ifindex = 5 };
	uint8_t bcast[20];

	memcpy(bcast, pkt20, 20);
	memset(bcast, 0xff, 6);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ubee_cbpf_insn p[] = { S(0x20, ADOFF(cases[i].off)), S(0x16, 0) };
		struct ubee_cbpf_filter *f = NULL;
		uint32_t keep = 99;
		int err = ubee_cbpf_filter_new(p, 2, &o, &f, fresh_log());

		T_CHECK(!err, "off %u: %s", cases[i].off, logbuf);
		if (err)
			continue;
		err = ubee_cbpf_filter_run(f, pkt20, 20, 20, &keep, fresh_log());
		T_CHECK(!err && keep == cases[i].want, "off %u: got %u (err %d), expected %u",
			cases[i].off, keep, err, cases[i].want);
		if (cases[i].off == 4) {
			err = ubee_cbpf_filter_run(f, bcast, 20, 20, &keep, fresh_log());
			T_CHECK(!err && keep == 1, "broadcast pkt_type %u", keep);
			bcast[5] = 0xfe;
			err = ubee_cbpf_filter_run(f, bcast, 20, 20, &keep, fresh_log());
			T_CHECK(!err && keep == 2, "multicast pkt_type %u", keep);
		}
		ubee_cbpf_filter_free(f);
	}
	{
		/* A ^= X, and the CPU and a random number through helpers. */
		struct ubee_cbpf_insn p[] = {
			S(0x00, 6), S(0x01, 3), S(0x20, ADOFF(40)), S(0x02, 0),
			S(0x20, ADOFF(36)), S(0x20, ADOFF(56)), S(0x60, 0), S(0x16, 0),
		};
		struct ubee_cbpf_opts to = { .sz = sizeof(to), .hatype = 772 };
		struct ubee_cbpf_insn h[] = { S(0x20, ADOFF(28)), S(0x16, 0) };
		struct ubee_cbpf_filter *f = NULL;
		struct ubee_insn *e = NULL;
		size_t n = 0;
		uint32_t keep = 0;
		int err = ubee_cbpf_filter_new(p, 8, NULL, &f, fresh_log());

		T_CHECK(!err, "xor/cpu/random: %s", logbuf);
		if (!err) {
			err = ubee_cbpf_filter_run(f, pkt20, 20, 20, &keep, fresh_log());
			T_CHECK(!err && keep == 5, "6 ^ 3 kept through helper calls: %u", keep);
		}
		ubee_cbpf_filter_free(f);
		err = ubee_cbpf_translate(h, 2, &to, &e, &n, fresh_log());
		T_CHECK(!err && n == 3 && e[1].code == 0xb4 && e[1].imm == 772,
			"hatype constant: %d n=%zu", err, n);
		ubee_insns_free(e);
	}
}

/* The eBPF for a simple filter, instruction by instruction. */
static void translate_shape(void)
{
	static const struct ubee_cbpf_insn p[] = {
		S(0x28, 12), I(0x15, 0, 1, 0x800), S(0x06, 0x40000), S(0x06, 0),
	};
	static const char *const want[] = {
		"r6 = r1", "r0 = *(u16 *)skb[0xc]", "if w0 != 0x800 goto +0x2",
		"w0 = 0x40000", "exit", "w0 = 0x0", "exit",
	};
	struct ubee_insn *e = NULL;
	size_t n = 0;
	char buf[128];
	int err = ubee_cbpf_translate(p, 4, NULL, &e, &n, fresh_log());

	T_CHECK(!err, "translate: %s", logbuf);
	T_EQ_U64(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; !err && i < n && i < sizeof(want) / sizeof(want[0]); i++) {
		ubee_disasm_insn(e, n, i, NULL, buf, sizeof(buf));
		T_CHECK(!strcmp(buf, want[i]), "%zu: '%s', expected '%s'", i, buf, want[i]);
	}
	ubee_insns_free(e);
}

/* ---- random programs --------------------------------------------------- */

/*
 * A k for packet loads: mostly inside a small packet, sometimes not. ind:
 * for LD IND, where a k near 2^32 makes X + k wrap (for LD ABS it would be
 * an ancillary load).
 */
static uint32_t rnd_off(uint32_t *s, int wild, int ind)
{
	uint32_t r = rnd(s) % 32;

	if (wild && r == 0)
		return 0x80000000u + rnd(s) % 16;
	if (wild && r == 1)
		return (uint32_t)UBEE_SKF_LL_OFF + rnd(s) % 16;
	if (wild && r == 2)
		return ind ? 0xfffffff0u + rnd(s) % 8 : 0xffffe000u + rnd(s) % 8;
	return rnd(s) % 72;
}

static uint32_t rnd_val(uint32_t *s, int wild)
{
	switch (rnd(s) % 4) {
	case 0:
		return rnd(s) % 40;
	case 1:
		return wild ? rnd(s) : rnd(s) % 0x10000;
	case 2:
		return 1u << (rnd(s) % 32);
	default:
		return rnd(s) % 256;
	}
}

/*
 * A random program that passes the checker: M[0..3] initialised first,
 * then n random instructions (jumps forward into the program), then
 * RET A. wild adds offsets and values where the kernel and libpcap part.
 */
static size_t gen_prog(uint32_t *s, struct ubee_cbpf_insn *p, size_t n, int wild)
{
	static const uint16_t alu_ops[] = { 0x00, 0x10, 0x20, 0x30, 0x40, 0x50,
					    0x60, 0x70, 0x90, 0xa0 };
	static const uint16_t sizes[] = { 0x00, 0x08, 0x10 };
	size_t len = 0, total;

	for (uint32_t w = 0; w < 4; w++) {
		p[len++] = (struct ubee_cbpf_insn)S(0x00, rnd_val(s, wild));
		p[len++] = (struct ubee_cbpf_insn)S(0x02, w);
	}
	p[len++] = (struct ubee_cbpf_insn)S(0x01, rnd(s) % 8);
	total = len + n + 1;
	while (len < total - 1) {
		struct ubee_cbpf_insn *in = &p[len];
		size_t room = total - 1 - (len + 1); /* largest jump offset */
		uint32_t r = rnd(s) % 100;

		memset(in, 0, sizeof(*in));
		if (r < 12) {
			in->code = 0x20 | sizes[rnd(s) % 3];
			in->k = rnd_off(s, wild, 0);
		} else if (r < 20) {
			in->code = 0x40 | sizes[rnd(s) % 3];
			in->k = rnd_off(s, wild, 1);
		} else if (r < 24) {
			in->code = rnd(s) % 2 ? 0x00 : 0x01;
			in->k = rnd_val(s, wild);
		} else if (r < 29) {
			in->code = rnd(s) % 2 ? 0x60 : 0x61;
			in->k = rnd(s) % 4;
		} else if (r < 33) {
			in->code = rnd(s) % 2 ? 0x02 : 0x03;
			in->k = rnd(s) % 16;
		} else if (r < 36) {
			in->code = rnd(s) % 2 ? 0x80 : 0x81;
		} else if (r < 40) {
			in->code = 0xb1;
			in->k = rnd_off(s, wild, 0);
		} else if (r < 62) {
			uint16_t op = alu_ops[rnd(s) % 10];

			if (rnd(s) % 2) {
				in->code = 0x04 | op | 0x08;
			} else {
				in->code = 0x04 | op;
				in->k = rnd_val(s, wild);
				if (op == 0x60 || op == 0x70)
					in->k %= 32;
				if ((op == 0x30 || op == 0x90) && !in->k)
					in->k = 3;
			}
		} else if (r < 64) {
			in->code = 0x84;
		} else if (r < 84 && room) {
			static const uint16_t jops[] = { 0x10, 0x20, 0x30, 0x40 };
			size_t lim = room < 255 ? room : 255;

			in->code = 0x05 | jops[rnd(s) % 4] | (rnd(s) % 2 ? 0x08 : 0);
			in->jt = (uint8_t)(rnd(s) % (lim + 1));
			in->jf = (uint8_t)(rnd(s) % (lim + 1));
			in->k = rnd_val(s, wild);
		} else if (r < 87 && room) {
			in->code = 0x05;
			in->k = rnd(s) % (room + 1);
		} else if (r < 90) {
			in->code = rnd(s) % 2 ? 0x06 : 0x16;
			in->k = rnd_val(s, wild);
		} else {
			in->code = rnd(s) % 2 ? 0x07 : 0x87;
		}
		len++;
	}
	p[len++] = (struct ubee_cbpf_insn)S(0x16, 0);
	return len;
}

static void gen_pkt(uint32_t *s, uint8_t *pkt, uint32_t *caplen, uint32_t *wirelen)
{
	*caplen = rnd(s) % 80;
	for (uint32_t i = 0; i < *caplen; i++)
		pkt[i] = (uint8_t)(rnd(s) % 4 ? rnd(s) % 16 : rnd(s));
	*wirelen = *caplen + (rnd(s) % 3 ? 0 : rnd(s) % 100);
}

#define RANDOM_PROGS 3000
#define RANDOM_PKTS 12

static void random_programs(void)
{
	static struct ubee_cbpf_insn p[128];
	uint32_t s = 0x1234567;
	size_t runs = 0, diverged_runs = 0;

	for (int i = 0; i < RANDOM_PROGS && t_ok(); i++) {
		struct ubee_cbpf_filter *f[NR_ENGINES];
		int wild = i % 3 == 0;
		size_t n = gen_prog(&s, p, 4 + rnd(&s) % 60, wild);
		char what[64];

		if (ubee_cbpf_check(p, n, fresh_log())) {
			t_fail(__FILE__, __LINE__, "program %d rejected: %s", i, logbuf);
			break;
		}
		if (filters_new(p, n, f)) {
			filters_free(f);
			break;
		}
		for (int k = 0; k < RANDOM_PKTS; k++) {
			uint8_t pkt[80];
			uint32_t caplen, wirelen;
			int d;

			gen_pkt(&s, pkt, &caplen, &wirelen);
			snprintf(what, sizeof(what), "program %d packet %d", i, k);
			cbpf_ref_run(p, n, pkt, caplen, wirelen, &d);
			diverged_runs += d;
			runs++;
			if (compare_one(p, n, f, pkt, caplen, wirelen, what))
				break;
		}
		filters_free(f);
	}
	printf("random programs: %d programs, %zu runs x %zu engines, %zu where libpcap differs from the kernel\n",
	       RANDOM_PROGS, runs, NR_ENGINES, diverged_runs);
}

/* ---- the kernel as the judge of the emitted eBPF ----------------------- */

static int kernel_probe(char *why, size_t size)
{
	static const struct ubee_cbpf_insn p[] = { S(0x06, 0) };
	struct ubee_insn *e = NULL;
	size_t n = 0;
	int fd;

	if (ubee_cbpf_translate(p, 1, NULL, &e, &n, NULL))
		return -1;
	fd = kbpf_prog_load(SOCKET_FILTER, e, n, NULL, 0);
	ubee_insns_free(e);
	if (fd < 0) {
		snprintf(why, size, "bpf(BPF_PROG_LOAD) failed: %s", strerror(-fd));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Load the translation of p into the kernel and run it on pkt: the kernel
 * pulls a 14-byte Ethernet header off a socket filter's test packet, so
 * one is put in front. Returns 0 and *retval, or -1 after failing.
 */
static int kernel_run(const struct ubee_cbpf_insn *p, size_t n, int *fd,
		      const uint8_t *pkt, uint32_t len, uint32_t *retval)
{
	uint8_t in[14 + 128], out[14 + 128 + 64];
	size_t out_size = sizeof(out);
	int err;

	if (*fd < 0) {
		static char klog[LOG_SIZE];
		struct ubee_insn *e = NULL;
		size_t cnt = 0;

		err = ubee_cbpf_translate(p, n, NULL, &e, &cnt, fresh_log());
		if (err) {
			t_fail(__FILE__, __LINE__, "translate: %s", logbuf);
			return -1;
		}
		*fd = kbpf_prog_load(SOCKET_FILTER, e, cnt, klog, sizeof(klog));
		ubee_insns_free(e);
		if (*fd < 0) {
			t_fail(__FILE__, __LINE__, "the kernel refuses the translation: %s: %s",
			       strerror(-*fd), klog);
			return -1;
		}
	}
	memset(in, 0, 14);
	in[0] = 0x02;           /* unicast */
	in[12] = 0x88;          /* an EtherType the kernel does not look into */
	in[13] = 0xb5;
	memcpy(in + 14, pkt, len);
	err = kbpf_test_run(*fd, in, 14 + len, out, &out_size, retval);
	if (err) {
		t_fail(__FILE__, __LINE__, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return -1;
	}
	return 0;
}

#define KERNEL_PROGS 400

static void kernel_random(void)
{
	static struct ubee_cbpf_insn p[128];
	char why[256];
	uint32_t s = 0xabcdef1;
	size_t runs = 0;

	if (kernel_probe(why, sizeof(why))) {
		t_skip("%s", why);
		return;
	}
	for (int i = 0; i < KERNEL_PROGS && t_ok(); i++) {
		size_t n = gen_prog(&s, p, 4 + rnd(&s) % 60, 0);
		int fd = -1;

		for (int k = 0; k < 6 && t_ok(); k++) {
			uint8_t pkt[80];
			uint32_t caplen, wirelen, kret, want;
			int d;

			gen_pkt(&s, pkt, &caplen, &wirelen);
			want = cbpf_ref_run(p, n, pkt, caplen, caplen, &d);
			if (kernel_run(p, n, &fd, pkt, caplen, &kret))
				break;
			runs++;
			T_CHECK(kret == want, "program %d packet %d: kernel 0x%x, reference 0x%x",
				i, k, kret, want);
		}
		if (fd >= 0)
			close(fd);
	}
	printf("kernel: %d translated programs loaded, %zu runs agree\n", KERNEL_PROGS, runs);
}

/* ---- tcpdump expressions ----------------------------------------------- */

#define EXPR_MUTATIONS 300

static void tcpdump_exprs(void)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	uint32_t s = 0x5eed;
	size_t runs = 0, matched = 0;
	char why[256];
	int kernel = !kernel_probe(why, sizeof(why));

	if (!dead) {
		t_fail(__FILE__, __LINE__, "pcap_open_dead");
		return;
	}
	for (size_t x = 0; x < sizeof(exprs) / sizeof(exprs[0]); x++) {
		struct bpf_program bp;
		struct ubee_cbpf_filter *f[NR_ENGINES];
		const struct ubee_cbpf_insn *p;
		int fd = -1;

		t_begin("expr '%s'", exprs[x]);
		if (pcap_compile(dead, &bp, exprs[x], 1, 0xffffff00) < 0) {
			T_CHECK(0, "pcap_compile: %s", pcap_geterr(dead));
			t_end();
			continue;
		}
		p = (const struct ubee_cbpf_insn *)bp.bf_insns;
		if (!filters_new(p, bp.bf_len, f)) {
			for (size_t fr = 0; fr < sizeof(frames) / sizeof(frames[0]) && t_ok(); fr++) {
				uint8_t base[128], pkt[128];
				int len = hexbytes(frames[fr], base, sizeof(base));

				T_CHECK(len > 14, "frame %zu is bad hex", fr);
				for (int m = 0; m < EXPR_MUTATIONS && t_ok() && len > 14; m++) {
					uint32_t caplen = (uint32_t)len, wirelen, kret;
					char what[96];

					memcpy(pkt, base, (size_t)len);
					/* Change a few bytes past the MAC addresses, and
					 * sometimes cut the capture short. */
					for (int c = m ? 1 + rnd(&s) % 3 : 0; c > 0; c--) {
						uint32_t at = 12 + rnd(&s) % ((uint32_t)len - 12);

						pkt[at] = rnd(&s) % 2 ? (uint8_t)rnd(&s) : pkt[at] ^ 1;
					}
					if (m % 7 == 6)
						caplen = rnd(&s) % (uint32_t)len;
					wirelen = (uint32_t)len + (m % 5 == 4 ? rnd(&s) % 1400 : 0);
					snprintf(what, sizeof(what), "frame %zu mutation %d", fr, m);
					runs++;
					if (compare_one(p, bp.bf_len, f, pkt, caplen, wirelen, what))
						break;
					matched += bpf_filter(bp.bf_insns, pkt, wirelen, caplen) != 0;
					/* The kernel sees the frame after its own Ethernet
					 * header: only offsets, so compare on a copy. */
					if (kernel && m < 20 && caplen == (uint32_t)len) {
						int d;
						uint32_t want = cbpf_ref_run(p, bp.bf_len, pkt,
									     caplen, caplen, &d);

						if (!kernel_run(p, bp.bf_len, &fd, pkt, caplen, &kret))
							T_CHECK(kret == want,
								"%s: kernel 0x%x, expected 0x%x",
								what, kret, want);
					}
				}
			}
		}
		if (fd >= 0)
			close(fd);
		filters_free(f);
		pcap_freecode(&bp);
		t_end();
	}
	pcap_close(dead);
	printf("tcpdump expressions: %zu expressions, %zu runs per engine, %zu selected\n",
	       sizeof(exprs) / sizeof(exprs[0]), runs, matched);
}

/* ---- ubee's verifier --------------------------------------------------- */

/* 0 when ubee's verifier accepts the translation of p as a socket filter. */
static int verify_one(const struct ubee_cbpf_insn *p, size_t n, const char *what)
{
	struct ubee_prog_opts o = { .sz = sizeof(o), .prog_type = SOCKET_FILTER,
				    .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog = NULL;
	struct ubee_insn *e = NULL;
	size_t cnt = 0;
	int err = ubee_cbpf_translate(p, n, NULL, &e, &cnt, fresh_log());

	if (!err)
		err = ubee_prog_load(e, cnt, &o, &prog, fresh_log());
	if (!err) {
		o.flags = 0;
		err = ubee_verifier_run(prog, &o, fresh_log());
	}
	T_CHECK(!err, "%s: %d: %s", what, err, logbuf);
	ubee_prog_free(prog);
	ubee_insns_free(e);
	return err;
}

/* Every translation must pass ubee's verifier, as it passes the kernel's. */
static void verifier_accepts(void)
{
	static struct ubee_cbpf_insn p[128];
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	uint32_t s = 0x77;
	char what[96];

	for (size_t x = 0; dead && x < sizeof(exprs) / sizeof(exprs[0]) && t_ok(); x++) {
		struct bpf_program bp;

		if (pcap_compile(dead, &bp, exprs[x], 1, 0xffffff00) < 0)
			continue;
		snprintf(what, sizeof(what), "'%s'", exprs[x]);
		verify_one((const struct ubee_cbpf_insn *)bp.bf_insns, bp.bf_len, what);
		pcap_freecode(&bp);
	}
	if (dead)
		pcap_close(dead);
	for (int i = 0; i < 500 && t_ok(); i++) {
		size_t n = gen_prog(&s, p, 4 + rnd(&s) % 60, i % 2);

		snprintf(what, sizeof(what), "random program %d", i);
		verify_one(p, n, what);
	}
}

/*
 * The prologue sets A (w0) and X (w7) to 0 only where some path reads
 * them before writing them; a program that does still sees 0 on every
 * engine, and the kernel and ubee's verifier accept every variant.
 */
struct live_case {
	const char *name;
	struct ubee_cbpf_insn insns[8];
	size_t cnt;
	unsigned zero;     /* 1: w0 = 0 in the prologue, 2: w7 = 0 */
	uint32_t want;     /* on pkt20 */
	size_t out;        /* eBPF instructions, when not 0 */
};

static const struct live_case live_cases[] = {
	{ "ret_a_unset", { S(0x16, 0) }, 1, 1, 0, 0 },
	{ "txa_unset", { S(0x87, 0), S(0x16, 0) }, 2, 2, 0, 0 },
	{ "tax_unset", { S(0x07, 0), S(0x87, 0), S(0x16, 0) }, 3, 1, 0, 0 },
	/* LDX MSH keeps A in r8 (2 moves) only when A is read after it */
	{ "msh_keeps_unset_a", { S(0xb1, 14), S(0x16, 0) }, 2, 1, 0, 1 + 6 + 1 + 1 },
	{ "msh_a_dead_after", { S(0xb1, 14), S(0x87, 0), S(0x16, 0) }, 3, 0, 20, 1 + 4 + 1 + 1 },
	{ "msh_a_read_after", { S(0x00, 3), S(0xb1, 14), S(0x0c, 0), S(0x16, 0) }, 4, 0, 23,
	  1 + 1 + 6 + 1 + 1 },
	{ "ld_ind_unset_x", { S(0x50, 12), S(0x16, 0) }, 2, 2, 0x08, 0 },
	{ "jeq_unset_a", { I(0x15, 0, 1, 0), S(0x06, 7), S(0x06, 9) }, 3, 1, 7, 0 },
	{ "jgt_x_unset", { S(0x00, 3), I(0x2d, 0, 1, 0), S(0x06, 7), S(0x06, 9) }, 4, 2, 7, 0 },
	{ "st_unset_a", { S(0x02, 0), S(0x01, 1), S(0x60, 0), S(0x16, 0) }, 4, 1, 0, 0 },
	{ "add_x_both_unset", { S(0x0c, 0), S(0x16, 0) }, 2, 3, 0, 0 },
	{ "written_first", { S(0x00, 5), S(0x07, 0), S(0x87, 0), S(0x16, 0) }, 4, 0, 5, 0 },
	{ "ret_k_only", { S(0x06, 0x40000) }, 1, 0, 0x40000, 0 },
	{ "x_on_one_path", { S(0x30, 3), I(0x15, 0, 1, 0xff), S(0x01, 4),
			     S(0x87, 0), S(0x16, 0) }, 5, 2, 4, 0 },
	{ "x_on_both_paths", { S(0x30, 3), I(0x15, 0, 2, 0xff), S(0x01, 4),
			       S(0x05, 1), S(0x01, 6), S(0x87, 0), S(0x16, 0) }, 7, 0, 4, 0 },
	{ "unreachable_read", { S(0x00, 2), S(0x05, 1), S(0x87, 0), S(0x16, 0) }, 4, 0, 2, 0 },
	{ "alu_xor_x_unset", { S(0x20, (uint32_t)UBEE_SKF_AD_OFF + 40), S(0x16, 0) }, 2, 3, 0, 0 },
};

static void translate_liveness(void)
{
	char why[256], buf[128];
	int kernel = !kernel_probe(why, sizeof(why));

	for (size_t i = 0; i < sizeof(live_cases) / sizeof(live_cases[0]) && t_ok(); i++) {
		const struct live_case *lc = &live_cases[i];
		struct ubee_cbpf_filter *f[NR_ENGINES];
		struct ubee_insn *e = NULL;
		size_t n = 0, at = 1;
		uint32_t kret = 0;
		int fd = -1, err;

		err = ubee_cbpf_translate(lc->insns, lc->cnt, NULL, &e, &n, fresh_log());
		T_CHECK(!err, "%s: translate: %s", lc->name, logbuf);
		if (err)
			continue;
		ubee_disasm_insn(e, n, 0, NULL, buf, sizeof(buf));
		T_CHECK(!strcmp(buf, "r6 = r1"), "%s: 0: '%s'", lc->name, buf);
		T_CHECK(!lc->out || n == lc->out, "%s: %zu eBPF instructions, expected %zu",
			lc->name, n, lc->out);
		for (unsigned r = 0; r < 2; r++) {
			const char *want = r ? "w7 = 0x0" : "w0 = 0x0";
			int has = 0;

			if (at < n) {
				ubee_disasm_insn(e, n, at, NULL, buf, sizeof(buf));
				has = !strcmp(buf, want);
			}
			T_CHECK(has == !!(lc->zero & (1u << r)), "%s: %s %s in the prologue",
				lc->name, want, has ? "is" : "is not");
			at += (size_t)has;
		}
		ubee_insns_free(e);
		if (!filters_new(lc->insns, lc->cnt, f)) {
			for (size_t k = 0; k < NR_ENGINES; k++) {
				uint32_t keep = 1;

				if (!f[k])
					continue;
				err = ubee_cbpf_filter_run(f[k], pkt20, 20, 20, &keep, fresh_log());
				T_CHECK(!err && keep == lc->want, "%s [%s]: 0x%x (%d), expected 0x%x",
					lc->name, engines[k].name, keep, err, lc->want);
			}
		}
		filters_free(f);
		verify_one(lc->insns, lc->cnt, lc->name);
		if (kernel && !kernel_run(lc->insns, lc->cnt, &fd, pkt20, 20, &kret))
			T_CHECK(kret == lc->want, "%s: kernel 0x%x, expected 0x%x",
				lc->name, kret, lc->want);
		if (fd >= 0)
			close(fd);
	}
	if (!kernel)
		printf("liveness: no kernel comparison: %s\n", why);
}

/* ---- allocation failures ----------------------------------------------- */

static void alloc_failures(void)
{
	static const struct ubee_cbpf_insn p[] = {
		S(0x28, 12), I(0x15, 0, 1, 0x800), S(0x06, 0x40000), S(0x06, 0),
	};
	int done = 0;

	for (long n = 0; n < 200 && !done; n++) {
		struct ubee_cbpf_filter *f = NULL;
		struct ubee_cbpf_insn *parsed = NULL;
		size_t cnt = 0;
		int err, err2;

		ubee_fail_alloc_after(n);
		err = ubee_cbpf_filter_new(p, 4, NULL, &f, fresh_log());
		err2 = ubee_cbpf_parse("1\n6 0 0 0\n", &parsed, &cnt, NULL);
		done = ubee_fail_alloc_left() != 0;
		ubee_fail_alloc_after(-1);
		T_CHECK(err == 0 || err == -ENOMEM, "after %ld: err %d", n, err);
		T_CHECK(err2 == 0 || err2 == -ENOMEM, "parse after %ld: err %d", n, err2);
		T_CHECK(err || f, "after %ld: no filter", n);
		ubee_cbpf_filter_free(f);
		ubee_cbpf_free(parsed);
	}
	T_CHECK(done, "never got past the allocations");
}

int main(void)
{
	T_RUN(parse_dd);
	T_RUN(parse_ddd);
	T_RUN(parse_errors);
	check_verdicts();
	T_RUN(check_limits);
	translate_ops();
	T_RUN(translate_ancillary);
	T_RUN(translate_shape);
	T_RUN(random_programs);
	T_RUN(kernel_random);
	tcpdump_exprs();
	T_RUN(verifier_accepts);
	T_RUN(translate_liveness);
	T_RUN(alloc_failures);
	return t_summary();
}
