// SPDX-License-Identifier: MIT
/*
 * Round trip of the text form: for random valid programs of every
 * instruction form, asm(disasm(x)) must give x back byte for byte. Also
 * checks the random program generators themselves: determinism, validity
 * and the promises randprog_body() makes (forward jumps, stack accesses
 * aligned inside the window, only the allowed registers and features).
 *
 * Environment: UBEE_RT_SEED (base seed, default 1), UBEE_RT_COUNT
 * (programs, default 20000), UBEE_RT_FEATURES (enum randprog_feature
 * mask, default all: narrows the forms to find a bug).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "randprog.h"
#include "test.h"
#include "ubee/asm.h"
#include "ubee/ubee.h"

#define BATCH 1000
#define MAX_SLOTS 64
#define LINE_MAX_ 160

static uint64_t base_seed;
static size_t count;
static unsigned features = RANDPROG_ALL;
static unsigned long valid_ops[UBEE_OP__COUNT];

static uint64_t prog_seed(uint64_t base, size_t i)
{
	return base * 0x9e3779b97f4a7c15ull + i * 0xd1b54a32d192ed03ull + 7;
}

static void print_insn(const char *who, const struct ubee_insn *insns,
		       size_t cnt, size_t i)
{
	const uint8_t *b = (const uint8_t *)&insns[i];
	char text[LINE_MAX_];

	ubee_disasm_insn(insns, cnt, i, NULL, text, sizeof(text));
	printf("    %s %zu: %02x %02x %02x %02x %02x %02x %02x %02x  %s\n", who,
	       i, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], text);
}

/*
 * Disassemble insns[cnt] into text (one "idx: insn" line each), assemble
 * it again and compare. Returns 0, or -1 after t_fail (and, if verbose,
 * printing the first difference).
 */
static int roundtrip_one(const struct ubee_insn *insns, size_t cnt,
			 const char *name, int verbose)
{
	size_t cap = cnt * LINE_MAX_ + 1, len = 0, out_cnt = 0, i;
	char *text = malloc(cap), line[LINE_MAX_], logbuf[512];
	struct ubee_insn *out = NULL;
	struct ubee_log log;
	int err, ret = -1;

	if (!text) {
		t_fail(__FILE__, __LINE__, "out of memory");
		return -1;
	}
	text[0] = '\0';
	for (i = 0; i < cnt;) {
		int w = ubee_disasm_insn(insns, cnt, i, NULL, line, sizeof(line));

		if (w <= 0) {
			t_fail(__FILE__, __LINE__, "%s: disasm of insn %zu failed: %s",
			       name, i, line);
			if (verbose)
				print_insn("original", insns, cnt, i);
			goto out;
		}
		len += (size_t)snprintf(text + len, cap - len, "%zu: %s\n", i, line);
		i += (size_t)w;
	}

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_asm(text, &out, &out_cnt, &log);
	if (err) {
		t_fail(__FILE__, __LINE__, "%s: ubee_asm: %d: %s", name, err, logbuf);
		if (verbose)
			printf("    %s: assembling the disassembly failed: %s%s",
			       name, logbuf, text);
		goto out;
	}
	for (i = 0; i < cnt && i < out_cnt; i++)
		if (memcmp(&insns[i], &out[i], sizeof(insns[i])))
			break;
	if (i < cnt || out_cnt != cnt) {
		t_fail(__FILE__, __LINE__, "%s: %zu slots in, %zu out, first difference at %zu",
		       name, cnt, out_cnt, i);
		if (verbose) {
			printf("    %s: first difference at slot %zu\n", name, i);
			if (i < cnt)
				print_insn("original", insns, cnt, i);
			if (i < out_cnt)
				print_insn("reassembled", out, out_cnt, i);
		}
		goto out;
	}
	ret = 0;
out:
	ubee_insns_free(out);
	free(text);
	return ret;
}

static void roundtrip_batch(size_t from, size_t to)
{
	struct randprog_opts o = { .features = features, .max_slots = MAX_SLOTS };
	struct ubee_insn insns[MAX_SLOTS];
	char logbuf[256], name[64];
	size_t failures = 0;

	t_begin("roundtrip programs %zu-%zu", from, to - 1);
	for (size_t i = from; i < to; i++) {
		struct randprog_rng rng;
		struct ubee_log log;
		size_t n;

		randprog_seed(&rng, prog_seed(base_seed, i));
		n = randprog_valid(&rng, &o, insns, MAX_SLOTS);
		for (size_t k = 0; k < n; k++) {
			int op = ubee_isa_lookup(&insns[k]);

			if (op >= 0)
				valid_ops[op]++;
			if (op >= 0 && (ubee_isa_ops[op].flags & UBEE_F_LDDW))
				k++;
		}
		snprintf(name, sizeof(name), "seed %" PRIu64 " program %zu",
			 base_seed, i);
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		if (ubee_isa_validate(insns, n, NULL, &log)) {
			t_fail(__FILE__, __LINE__, "%s: generator made an invalid program: %s",
			       name, logbuf);
			failures++;
			continue;
		}
		if (roundtrip_one(insns, n, name, failures < 3))
			failures++;
	}
	if (failures)
		printf("    %zu of %zu programs failed the round trip\n", failures,
		       to - from);
	t_end();
}

/* Every row of the instruction table came up in the round-trip programs. */
static void roundtrip_coverage(void)
{
	char missing[256] = "";
	size_t mlen = 0;
	unsigned seen = 0;

	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		if (valid_ops[op])
			seen++;
		else if (mlen < sizeof(missing) - 32)
			mlen += (size_t)snprintf(missing + mlen, sizeof(missing) - mlen,
						 " %s", ubee_isa_ops[op].name);
	}
	printf("    round trip covered %u of %d instruction forms\n", seen,
	       UBEE_OP__COUNT);
	if (count >= 5000 && features == RANDPROG_ALL)
		T_CHECK(seen == UBEE_OP__COUNT, "forms never generated:%s", missing);
}

static void generator_deterministic(void)
{
	struct randprog_opts vo = { .features = RANDPROG_ALL, .max_slots = MAX_SLOTS };
	struct randprog_opts bo = { .features = RANDPROG_V4 | RANDPROG_ATOMIC,
				    .max_slots = MAX_SLOTS, .regs = 0x3ff,
				    .stack_off = -64, .stack_size = 48 };
	struct ubee_insn a[MAX_SLOTS], b[MAX_SLOTS];
	struct randprog_rng r1, r2;
	size_t na, nb;
	int differ = 0;

	for (uint64_t s = 0; s < 50; s++) {
		randprog_seed(&r1, s);
		randprog_seed(&r2, s);
		na = randprog_valid(&r1, &vo, a, MAX_SLOTS);
		nb = randprog_valid(&r2, &vo, b, MAX_SLOTS);
		T_CHECK(na == nb && !memcmp(a, b, na * sizeof(a[0])),
			"randprog_valid differs for seed %" PRIu64, s);
		na = randprog_body(&r1, &bo, a, MAX_SLOTS);
		nb = randprog_body(&r2, &bo, b, MAX_SLOTS);
		T_CHECK(na == nb && !memcmp(a, b, na * sizeof(a[0])),
			"randprog_body differs for seed %" PRIu64, s);
		randprog_seed(&r2, s + 1000);
		nb = randprog_body(&r2, &bo, b, MAX_SLOTS);
		differ += na != nb || memcmp(a, b, na * sizeof(a[0]));
	}
	T_CHECK(differ >= 45, "only %d of 50 seed pairs gave different bodies", differ);
}

/*
 * Check one body against randprog_body()'s promises. Returns NULL or the
 * reason it breaks one, with *at the slot.
 */
static const char *body_problem(const struct randprog_opts *o,
				const struct ubee_insn *body, size_t n, size_t *at)
{
	struct ubee_insn prog[MAX_SLOTS + 1];
	uint8_t reach[MAX_SLOTS + 1] = { 1 };
	unsigned regs = o->regs;

	memcpy(prog, body, n * sizeof(body[0]));
	prog[n] = (struct ubee_insn){ .code = 0x95 }; /* exit */
	*at = 0;
	if (ubee_isa_validate(prog, n + 1, NULL, NULL))
		return "body + exit is not valid";
	for (size_t i = 0; i < n; i++) {
		const struct ubee_insn *in = &body[i];
		int op = ubee_isa_lookup(in);
		const struct ubee_op_info *oi = &ubee_isa_ops[op];
		unsigned used = ubee_isa_fmt_fields(oi->fmt);
		int64_t t = ubee_isa_target(in, i, op);
		int w = ubee_isa_access_size(op);
		unsigned base = oi->fmt == UBEE_FMT_LDX ? in->src_reg : in->dst_reg;

		*at = i;
		if (!reach[i])
			return "unreachable slot";
		if (!randprog_body_can_emit(o, op))
			return "op the options do not allow";
		if (!(oi->flags & UBEE_F_TERM))
			reach[i + 1 + !!(oi->flags & UBEE_F_LDDW)] = 1;
		if (t >= 0) {
			if (t <= (int64_t)i || t > (int64_t)n)
				return "jump not forward or past the end";
			reach[t] = 1;
		}
		if (w) {
			if (base != 10)
				return "memory access not based on r10";
			if (in->off % w || in->off < o->stack_off ||
			    in->off + w > o->stack_off + (int)o->stack_size)
				return "stack access unaligned or outside the window";
		}
		if ((used & UBEE_FIELD_DST) && !(w && base == in->dst_reg) &&
		    !(regs >> in->dst_reg & 1))
			return "dst register outside the mask";
		if ((used & UBEE_FIELD_SRC) && oi->sel != UBEE_SEL_SRC &&
		    !(w && base == in->src_reg) && !(regs >> in->src_reg & 1))
			return "src register outside the mask";
		if ((oi->flags & UBEE_F_WR0) && !(regs & 1))
			return "writes r0 outside the mask";
		if (oi->flags & UBEE_F_LDDW)
			i++;
	}
	return NULL;
}

static void generator_body(void)
{
	static const unsigned feats[] = { 0, RANDPROG_V4, RANDPROG_ATOMIC,
					  RANDPROG_V4 | RANDPROG_ATOMIC };
	struct ubee_insn body[MAX_SLOTS];
	unsigned long seen[UBEE_OP__COUNT] = { 0 };
	struct randprog_opts full = { .features = RANDPROG_V4 | RANDPROG_ATOMIC,
				      .regs = 0x3ff, .stack_off = -64,
				      .stack_size = 48 };
	int bad = 0;

	for (unsigned s = 0; s < 4000 && !bad; s++) {
		struct randprog_opts o = {
			.features = feats[s % 4], .max_slots = 1 + s % MAX_SLOTS,
			.regs = s % 3 ? 0x3ff : (uint16_t)((s * 37) & 0x3fe) | 2,
			.stack_off = -8 * (int)(2 + s % 60),
			.stack_size = 8 * (1 + s % 2),
		};
		struct randprog_rng rng;
		const char *why;
		size_t n, at;

		if (s % 7 == 0)
			o.stack_size = 0;
		randprog_seed(&rng, s);
		n = randprog_body(&rng, &o, body, MAX_SLOTS);
		T_CHECK(n >= 1 && n <= o.max_slots, "seed %u: %zu slots", s, n);
		why = body_problem(&o, body, n, &at);
		if (why) {
			char text[LINE_MAX_];

			ubee_disasm_insn(body, n, at, NULL, text, sizeof(text));
			t_fail(__FILE__, __LINE__, "seed %u slot %zu (%s): %s", s, at,
			       text, why);
			bad = 1;
		}
		for (size_t i = 0; i < n; i++) {
			int op = ubee_isa_lookup(&body[i]);

			seen[op]++;
			if (ubee_isa_ops[op].flags & UBEE_F_LDDW)
				i++;
		}
	}
	for (int op = 0; op < UBEE_OP__COUNT; op++)
		T_CHECK(!randprog_body_can_emit(&full, op) || seen[op],
			"randprog_body never emitted %s", ubee_isa_ops[op].name);
	/* Only the runnable subset: no calls, no packet loads, no exit. */
	T_CHECK(!randprog_body_can_emit(&full, UBEE_OP_CALL) &&
		!randprog_body_can_emit(&full, UBEE_OP_LD_ABS_W) &&
		!randprog_body_can_emit(&full, UBEE_OP_EXIT) &&
		randprog_body_can_emit(&full, UBEE_OP_SDIV64_X) &&
		randprog_body_can_emit(&full, UBEE_OP_ATOMIC_CMPXCHG_W),
		"randprog_body_can_emit disagrees with the documented op set");
}

/* Features that are off never show up in randprog_valid's programs. */
static void generator_valid_features(void)
{
	struct randprog_opts o = { .features = 0, .max_slots = MAX_SLOTS };
	struct ubee_insn insns[MAX_SLOTS];

	for (unsigned s = 0; s < 2000; s++) {
		struct randprog_rng rng;
		size_t n;

		randprog_seed(&rng, s);
		n = randprog_valid(&rng, &o, insns, MAX_SLOTS);
		T_CHECK(!ubee_isa_validate(insns, n, NULL, NULL),
			"seed %u: invalid program", s);
		for (size_t i = 0; i < n; i++) {
			int op = ubee_isa_lookup(&insns[i]);

			T_CHECK(randprog_valid_can_emit(&o, op),
				"seed %u: %s with no features", s,
				ubee_isa_ops[op].name);
			if (ubee_isa_ops[op].flags & UBEE_F_LDDW)
				i++;
		}
	}
	T_CHECK(!randprog_valid_can_emit(&o, UBEE_OP_CALL_LOCAL) &&
		!randprog_valid_can_emit(&o, UBEE_OP_SMOD32_K) &&
		randprog_valid_can_emit(&o, UBEE_OP_LDDW),
		"randprog_valid_can_emit ignores the features");
}

int main(void)
{
	const char *s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	s = getenv("UBEE_RT_SEED");
	base_seed = s && *s ? strtoull(s, NULL, 0) : 1;
	s = getenv("UBEE_RT_COUNT");
	count = s && *s ? strtoull(s, NULL, 0) : 20000;
	s = getenv("UBEE_RT_FEATURES");
	if (s && *s)
		features = (unsigned)strtoul(s, NULL, 0) & RANDPROG_ALL;
	printf("    roundtrip: UBEE_RT_SEED=%" PRIu64 " UBEE_RT_COUNT=%zu"
	       " UBEE_RT_FEATURES=0x%x\n", base_seed, count, features);

	T_RUN(generator_deterministic);
	T_RUN(generator_body);
	T_RUN(generator_valid_features);
	for (size_t from = 0; from < count; from += BATCH)
		roundtrip_batch(from, from + BATCH < count ? from + BATCH : count);
	T_RUN(roundtrip_coverage);
	return t_summary();
}
