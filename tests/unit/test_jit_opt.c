// SPDX-License-Identifier: MIT
/*
 * The JIT's pattern optimisations against the interpreter, on programs
 * built to hit each pattern with every register and many values (the
 * random differential test meets them only by chance):
 *
 *  - conditional moves for short branches (select arms): every jump
 *    kind, 32- and 64-bit, over arms of one to three ALU instructions
 *    writing one to three registers, ending at the target, at a "goto"
 *    to it, or at a goto elsewhere (not converted);
 *  - multiplications by constants (lea, shifts);
 *  - "d = s; d += x" as one lea, with every pair of registers;
 *  - variable shifts (BMI2 shlx/shrx/sarx when the CPU has them, else
 *    through cl) with every pair of registers;
 *  - a conditional jump over a goto as one inverse jump;
 *  - half- and word packet loads only compared with constants, left in
 *    memory order and compared with swapped constants, and the shapes
 *    where that must not happen (the value read later, read at a jump
 *    target, order compares, JSET with a register, constants too large,
 *    the compare a jump target).
 *
 * Each snippet runs between a prologue that loads r0-r9 from the ctx and
 * an epilogue that stores them back, on several register sets, plain and
 * with constant blinding; the ctx and r0 must equal the interpreter's.
 * Where the pattern leaves a trace in the code description (the blocks
 * of folded instructions are empty), the test also checks that it was
 * applied, so that the comparison covers the optimised code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "ubee/asm.h"
#include "ubee/ubee.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SETS 4   /* register sets per program */
#define FIRST 11 /* index of a snippet's first instruction */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Values that make compares equal, signs differ, 32-bit halves matter. */
static uint64_t value(void)
{
	static const uint64_t pool[] = {
		0, 1, 2, 3, 5, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ull, ~0ull, ~1ull, 0x8000000000000000ull,
		0x7fffffffffffffffull, 0xffffffff00000000ull,
	};

	return below(2) ? pool[below(N(pool))] : rnd();
}

static int32_t imm(void)
{
	static const int32_t pool[] = {
		0, 1, 2, 3, -1, -2, 5, 63, 0x7fffffff, -0x7fffffff - 1,
	};

	return below(2) ? pool[below(N(pool))] : (int32_t)rnd();
}

static char text[16384];
static size_t text_len;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text + text_len, sizeof(text) - text_len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(text) - text_len)
		text_len += (size_t)n;
}

/* Start a program: r0-r9 from ctx[0..9]; FIRST instructions. */
static void begin(void)
{
	text_len = 0;
	emit("*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r1 + 0)\n");
	for (int r = 2; r <= 9; r++)
		emit("r%d = *(u64 *)(r1 + %d)\n", r, r * 8);
	emit("r1 = *(u64 *)(r1 + 8)\n");
}

/* End it: r0-r9 back into ctx[0..9], return 0. */
static void end(void)
{
	for (int r = 0; r <= 9; r++)
		emit("*(u64 *)(r10 - %d) = r%d\n", 16 + r * 8, r);
	emit("r1 = *(u64 *)(r10 - 8)\n");
	for (int r = 0; r <= 9; r++)
		emit("r2 = *(u64 *)(r10 - %d)\n*(u64 *)(r1 + %d) = r2\n",
		     16 + r * 8, r * 8);
	emit("r0 = 0\nexit\n");
}

static struct ubee_prog *load(uint32_t flags)
{
	struct ubee_prog_opts po = { .sz = sizeof(po),
				     .flags = UBEE_PROG_NO_VERIFY | flags };
	struct ubee_prog *prog = NULL;
	struct ubee_insn *p;
	struct ubee_log log;
	char lbuf[1024];
	size_t n;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (ubee_asm(text, &p, &n, &log)) {
		T_CHECK(0, "asm: %s in\n%s", lbuf, text);
		return NULL;
	}
	if (ubee_prog_load(p, n, &po, &prog, &log))
		T_CHECK(0, "load: %s", lbuf);
	ubee_insns_free(p);
	return prog;
}

/* The packet of the runs (raw_loads), none elsewhere. */
static uint8_t pkt[16];
static uint32_t pkt_len;

static int run(const struct ubee_prog *prog, enum ubee_engine engine,
	       uint64_t regs[10], uint64_t *r0)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = regs,
				    .ctx_size = 10 * sizeof(*regs),
				    .engine = engine, .flags = UBEE_RUN_TRUSTED,
				    .pkt = pkt_len ? pkt : NULL,
				    .pkt_size = pkt_len };

	return ubee_prog_run(prog, &ro, r0, NULL);
}

static uint8_t code[16384];
static size_t code_len;

/*
 * Run the program in text on the interpreter and on the JIT (plain and
 * blinded) from SETS register sets; every outcome must agree. Returns
 * the plain program's code description in *ji and its code in code[]
 * (for shape checks; ji->code is gone) and 0, or -1 after recording a
 * failure.
 */
static int compare(struct ubee_jit_info *ji, uint32_t *ji_off, size_t max)
{
	struct ubee_prog *plain = load(0), *blinded = load(UBEE_PROG_HARDEN);
	int ret = -1;

	if (!plain || !blinded)
		goto out;
	for (int s = 0; s < SETS; s++) {
		uint64_t in[10], want[10], got[10], r0w, r0g;
		int ew, eg;

		for (int r = 0; r < 10; r++)
			in[r] = value();
		memcpy(want, in, sizeof(in));
		ew = run(plain, UBEE_ENGINE_INTERP, want, &r0w);
		for (int k = 0; k < 2; k++) {
			memcpy(got, in, sizeof(in));
			eg = run(k ? blinded : plain, UBEE_ENGINE_JIT, got, &r0g);
			if (ew != eg || (!ew && (r0w != r0g ||
						 memcmp(want, got, sizeof(got))))) {
				int r = 0;

				while (r < 9 && want[r] == got[r])
					r++;
				T_CHECK(0, "%s JIT differs: err %d/%d, r%d = 0x%llx, "
					"interpreter 0x%llx, from r%d = 0x%llx in\n%s",
					k ? "blinded" : "plain", eg, ew, r,
					(unsigned long long)got[r],
					(unsigned long long)want[r], r,
					(unsigned long long)in[r], text);
				goto out;
			}
		}
	}
	ji->sz = sizeof(*ji);
	if (ubee_prog_jit_info(plain, ji, NULL) || ji->insn_count + 1 > max) {
		T_CHECK(0, "no code description");
		goto out;
	}
	memcpy(ji_off, ji->insn_off, (ji->insn_count + 1) * sizeof(*ji_off));
	/* the code dies with the program: keep a copy for shape checks */
	code_len = ji->size < sizeof(code) ? ji->size : 0;
	memcpy(code, ji->code, code_len);
	ret = 0;
out:
	ubee_prog_free(plain);
	ubee_prog_free(blinded);
	return ret;
}

/* The machine code of instruction i has no bytes (folded elsewhere). */
static int folded(const uint32_t *off, size_t i)
{
	return off[i] == off[i + 1];
}

/* ---- select arms ------------------------------------------------------ */

static const char *const jumps[] = {
	"==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "&",
};

/*
 * One random ALU instruction an arm may hold, writing rd. Never one that
 * compiles to nothing (r1 = r1, r1 += 0, r1 <<= 0): a converted arm is
 * then exactly one whose instructions all have empty blocks.
 */
static void arm_insn(unsigned rd, unsigned rs)
{
	static const char *const ops[] = { "+=", "-=", "|=", "&=", "^=", "*=" };
	char w = below(3) ? 'r' : 'w';
	const char *op = ops[below(N(ops))];
	int32_t k = imm();

	switch (below(6)) {
	case 0:
		emit("%c%u = %d\n", w, rd, k);
		break;
	case 1:
		emit("%c%u = %c%u\n", w, rd, w, rs == rd ? (rs + 1) % 10 : rs);
		break;
	case 2:
		emit("%c%u %s %d\n", w, rd, op, k || op[0] == '&' ? k : 1);
		break;
	case 3:
		emit("%c%u %s %c%u\n", w, rd, op, w, rs);
		break;
	case 4:
		emit("%c%u %s %u\n", w, rd,
		     below(3) == 0 ? "<<=" : below(2) ? ">>=" : "s>>=",
		     1 + below(w == 'r' ? 63 : 31));
		break;
	default:
		emit("%c%u = -%c%u\n", w, rd, w, rd);
		break;
	}
}

static int arm_folded(const uint32_t *off, unsigned len)
{
	for (unsigned k = 1; k <= len; k++)
		if (!folded(off, FIRST + k))
			return 0;
	return 1;
}

static void select_arms(void)
{
	struct ubee_jit_info ji;
	uint32_t off[256];
	unsigned converted = 0, by_goto = 0, two_regs = 0;

	for (int p = 0; p < 3000 && t_ok(); p++) {
		unsigned len = 1 + below(3), nregs = 1 + below(3), regs[3];
		unsigned ending = below(10), a = below(10), bb = below(10);
		char w = below(2) ? 'r' : 'w';
		int distinct = 0;

		for (unsigned k = 0; k < nregs; k++)
			regs[k] = below(10);
		begin();
		if (below(2))
			emit("if %c%u %s %c%u goto t\n", w, a, jumps[below(N(jumps))],
			     w, bb);
		else
			emit("if %c%u %s %d goto t\n", w, a, jumps[below(N(jumps))],
			     imm());
		for (unsigned k = 0; k < len; k++)
			arm_insn(regs[below(nregs)], below(10));
		/* 0-4: falls into t; 5-8: goto t; 9: goto elsewhere */
		if (ending >= 5)
			emit("goto %s\nr0 = 77\n", ending == 9 ? "u" : "t");
		emit("t:\nr1 ^= r2\nu:\n");
		end();
		if (compare(&ji, off, N(off)))
			break;
		for (unsigned k = 0; k < nregs; k++) {
			unsigned j = 0;

			while (j < k && regs[j] != regs[k])
				j++;
			distinct += j == k;
		}
		if (arm_folded(off, len)) {
			converted++;
			by_goto += ending >= 5;
			two_regs += distinct == 2;
			T_CHECK(ending != 9, "an arm ending in a goto elsewhere "
				"became a select:\n%s", text);
		}
	}
	T_CHECK(converted > 1000 && by_goto > 300 && two_regs > 100,
		"selects: %u, ending in a goto %u, of two registers %u",
		converted, by_goto, two_regs);
}

/* ---- multiplications, mov + add, variable shifts ------------------------ */

static void mul_constants(void)
{
	static const int32_t k[] = { 3, 5, 9, 2, 4, 8, 1 << 30, 1, 0, -1, 7, 6 };
	struct ubee_jit_info ji;
	uint32_t off[64];

	for (unsigned r = 0; r < 10 && t_ok(); r++) {
		for (size_t i = 0; i < N(k) && t_ok(); i++) {
			for (int w = 0; w < 2; w++) {
				begin();
				emit("%c%u *= %d\n", w ? 'w' : 'r', r, k[i]);
				end();
				if (compare(&ji, off, N(off)))
					return;
			}
		}
	}
}

static void mov_add(void)
{
	static const char *const forms[] = {
		"r%u = r%u\nr%u += %s\n", "r%u = r%u\nw%u += %s\n",
		"w%u = w%u\nw%u += %s\n", "w%u = w%u\nr%u += %s\n",
	};
	struct ubee_jit_info ji;
	uint32_t off[64];
	unsigned fused = 0;

	for (unsigned d = 0; d < 10 && t_ok(); d++) {
		for (unsigned s = 0; s <= 10 && t_ok(); s++) {
			if (s == d)
				continue;
			for (size_t f = 0; f < N(forms) && t_ok(); f++) {
				for (int x = 0; x < 5; x++) {
					char add[32];

					if (x == 0)
						snprintf(add, sizeof(add), "%d", -0x40);
					else if (x == 1)
						snprintf(add, sizeof(add), "%d", 0x12345678);
					else
						snprintf(add, sizeof(add), "%c%u",
							 forms[f][10] == 'w' ? 'w' : 'r',
							 x == 2 ? d : x == 3 ? s : below(10));
					begin();
					emit(forms[f], d, s, d, add);
					end();
					if (compare(&ji, off, N(off)))
						return;
					fused += folded(off, FIRST + 1);
					/* (u32)s + x in 64 bits is no lea */
					T_CHECK(!(f == 3 && folded(off, FIRST + 1)),
						"folded:\n%s", text);
				}
			}
		}
	}
	T_CHECK(fused >= 10 * 10 * 3 * 5, "%u of the mov + add pairs fused",
		fused);
}

static void variable_shifts(void)
{
	static const char *const ops[] = { "<<=", ">>=", "s>>=" };
	struct ubee_jit_info ji;
	uint32_t off[64];

	for (unsigned d = 0; d < 10 && t_ok(); d++)
		for (unsigned s = 0; s < 10 && t_ok(); s++)
			for (size_t o = 0; o < N(ops) && t_ok(); o++)
				for (int w = 0; w < 2; w++) {
					char c = w ? 'w' : 'r';

					begin();
					emit("%c%u %s %c%u\n", c, d, ops[o], c, s);
					end();
					if (compare(&ji, off, N(off)))
						return;
				}
}

/* ---- a conditional jump over a goto ------------------------------------ */

/*
 * "if cond goto x; goto t; x:" is one jump on the inverse condition (the
 * goto's block empty), unless something jumps to the goto; with the
 * goto's target x itself, nothing at all.
 */
static void jump_over_goto(void)
{
	struct ubee_jit_info ji;
	uint32_t off[64];
	unsigned fused = 0;

	for (int p = 0; p < 600 && t_ok(); p++) {
		char w = below(2) ? 'r' : 'w';
		int kind = (int)below(4), at = FIRST + 1;

		begin();
		if (kind == 3) {
			emit("if r5 == 7 goto g\n");
			at++;
		}
		if (below(2))
			emit("if %c%u %s %c%u goto x\n", w, below(10),
			     jumps[below(N(jumps))], w, below(10));
		else
			emit("if %c%u %s %d goto x\n", w, below(10),
			     jumps[below(N(jumps))], imm());
		emit("%sgoto %s\nx:\nr1 ^= r2\nt:\nr3 += 1\n",
		     kind == 3 ? "g:\n" : "", kind == 2 ? "x" : "t");
		end();
		if (compare(&ji, off, N(off)))
			return;
		fused += folded(off, (size_t)at);
		T_CHECK(folded(off, (size_t)at) == (kind != 3),
			"goto %s:\n%s", kind == 3 ? "folded" : "not folded", text);
		T_CHECK(kind != 2 || folded(off, (size_t)at - 1),
			"a jump to the next instruction emitted:\n%s", text);
	}
	T_CHECK(fused > 300, "%u jumps over a goto fused", fused);
}

/* ---- packet loads compared without their byte swap ---------------------- */

/* Whether the code of slot i ends with a load's byte swap (rol, bswap). */
static int swapped(const uint32_t *off, size_t i, int size)
{
	static const uint8_t rol[] = { 0x66, 0xc1, 0xc0, 0x08 };
	static const uint8_t bswap[] = { 0x0f, 0xc8 };
	const uint8_t *want = size == 2 ? rol : bswap;
	size_t n = size == 2 ? sizeof(rol) : sizeof(bswap);

	return off[i + 1] - off[i] >= n && off[i + 1] <= code_len &&
	       !memcmp(code + off[i + 1] - n, want, n);
}

static const char *const raw_ops[] = {
	"==", "!=", "&", ">", ">=", "<", "<=", "s>", "s<=",
};

/*
 * A compare of r0 (w0 or r0) into buf: with r6 (one in eight), or a
 * constant: one equal to the
 * loaded value, near it, random within the size, too large for it (for
 * == and != never equal, and not a raw compare; -1 for a word load, too
 * large only in 64 bits), or 0. Returns whether
 * it may be made on the loaded bytes (jit_int.h, raw[]).
 */
static int raw_compare(char *buf, size_t len, int size, uint32_t val, int ops)
{
	const char *op = raw_ops[below((unsigned)ops)];
	char w = below(2) ? 'r' : 'w';
	uint32_t mask = size == 2 ? 0xffff : 0xffffffff;
	int64_t k;
	int eq = op[0] == '=' || op[0] == '!', fits = 1;

	if (!below(8)) { /* with a register (r6 = the loaded value or not) */
		snprintf(buf, len, "if %c0 %s %c6", w, op, w);
		return 0;
	}
	switch (below(5)) {
	case 0: k = val; break;
	case 1: k = val ^ 1; break;
	case 2: k = (uint32_t)rnd() & mask; break;
	case 3: /* w0 == -1 fits a word load; r0 == -1 does not (below) */
		k = size == 2 ? (int64_t)(val | 0x10000u) : -1;
		fits = size == 4;
		break;
	default: k = 0; break;
	}
	/* a 32-bit constant above INT32_MAX is written negative */
	if (k > INT32_MAX)
		k -= 0x100000000ll;
	/* r0 == -1 compares with 2^64 - 1: no load gives that */
	if (size == 4 && w == 'r' && k < 0)
		fits = 0;
	snprintf(buf, len, "if %c0 %s %lld", w, op, (long long)k);
	return op[0] == '&' || (eq && fits);
}

/*
 * The shapes: 0 one compare, r0 written on both ways after it; 1 two in
 * a row; 2 r0 read after the compare; 3 read at its target; 4 the
 * compare a jump target; 5 a compare of another register between; 6 two
 * in a row, r0 read at the first one's target; 7 the second compare at
 * the first one's target; 8 the same, with another way into the second.
 * Only 0, 1 and 7 may leave the bytes as loaded.
 */
static void raw_snippet(int shape, const char *ld, const char *c1,
			const char *c2)
{
	emit("r7 = 2\n");
	switch (shape) {
	case 0:
		emit("%s\n%s goto a\nr0 = 1\ngoto d\na:\nr0 = 2\nd:\n", ld, c1);
		break;
	case 1:
		emit("%s\n%s goto a\n%s goto b\nr0 = 1\ngoto d\na:\nr0 = 2\n"
		     "goto d\nb:\nr0 = 3\nd:\n", ld, c1, c2);
		break;
	case 2:
		emit("%s\n%s goto a\nr0 += 1\ngoto d\na:\nr0 = 2\nd:\n", ld, c1);
		break;
	case 3:
		emit("%s\n%s goto a\nr0 = 1\ngoto d\na:\nr0 += 2\nd:\n", ld, c1);
		break;
	case 4:
		emit("if r6 s> 0 goto c\n%s\nc:\n%s goto a\nr0 = 1\ngoto d\n"
		     "a:\nr0 = 2\nd:\n", ld, c1);
		break;
	case 5:
		emit("%s\nif w6 == 5 goto a\n%s goto b\nr0 = 1\ngoto d\na:\n"
		     "r0 = 2\ngoto d\nb:\nr0 = 3\nd:\n", ld, c1);
		break;
	case 6:
		emit("%s\n%s goto a\n%s goto b\nr0 = 1\ngoto d\na:\nr0 += 2\n"
		     "goto d\nb:\nr0 = 3\nd:\n", ld, c1, c2);
		break;
	case 7:
		emit("%s\n%s goto a\nr0 = 1\ngoto d\na:\n%s goto b\nr0 = 2\n"
		     "goto d\nb:\nr0 = 3\nd:\n", ld, c1, c2);
		break;
	default:
		emit("if r6 s> 0 goto a\n%s\n%s goto a\nr0 = 1\ngoto d\na:\n"
		     "%s goto b\nr0 = 2\ngoto d\nb:\nr0 = 3\nd:\n", ld, c1, c2);
		break;
	}
}

/*
 * Half- and word loads (LD_ABS, LD_IND) only compared with constants
 * keep the bytes as loaded and compare with the swapped constant; every
 * shape where the value or its order matters keeps the swap. Results
 * against the interpreter (and the blinded JIT, which never does this),
 * with the loaded value equal to a constant, near it, and the load out
 * of the packet.
 */
static void raw_loads(void)
{
	struct ubee_jit_info ji;
	uint32_t off[128];
	unsigned applied = 0, kept = 0;

	pkt_len = sizeof(pkt);
	for (int p = 0; p < 3000 && t_ok(); p++) {
		int size = below(2) ? 2 : 4, raw, ops = below(2) ? 3 : N(raw_ops);
		static const int raw_shape[3] = { 0, 1, 7 };
		int shape = below(2) ? raw_shape[below(3)] : 2 + (int)below(7);
		/* one word load in eight past the packet's end: r0 = 0, exit */
		int at = (size == 4 && below(8) == 0) ? 14 : 4;
		size_t li = FIRST + 1 + (shape == 4 || shape == 8);
		int r6 = (int)below(2);
		char ld[64], c1[64], c2[64];
		uint32_t val;

		for (size_t k = 0; k < sizeof(pkt); k++)
			pkt[k] = below(4) ? (uint8_t)rnd() : below(2) ? 0 : 0xff;
		val = 0;
		for (int k = 0; k < size && at + k < (int)sizeof(pkt); k++)
			val |= (uint32_t)pkt[at + k] << (8 * (size - 1 - k));
		if (below(2))
			snprintf(ld, sizeof(ld), "r0 = *(u%d *)skb[%d]",
				 size * 8, at);
		else
			snprintf(ld, sizeof(ld), "r0 = *(u%d *)skb[r7 + %d]",
				 size * 8, at - 2);
		/* half the compares of a kind that may be raw */
		raw = raw_compare(c1, sizeof(c1), size, val, ops);
		if (shape == 1 || shape >= 6)
			raw &= raw_compare(c2, sizeof(c2), size, val, ops);
		raw &= shape <= 1 || shape == 7;
		begin();
		if (r6)
			emit("r6 = %u ll\n", val);
		raw_snippet(shape, ld, c1, c2);
		end();
		if (compare(&ji, off, N(off)))
			break;
		T_CHECK(swapped(off, li + 2 * (size_t)r6, size) == !raw,
			"byte swap %s:\n%s", raw ? "kept" : "left out", text);
		applied += raw;
		kept += !raw;
	}
	pkt_len = 0;
	T_CHECK(applied > 500 && kept > 1500, "%u loads left raw, %u swapped",
		applied, kept);
}

int main(void)
{
	if (!ubee_engine_available(UBEE_ENGINE_JIT)) {
		t_begin("jit_opt");
		t_skip("the JIT is not built for this machine");
		t_end();
		return t_summary();
	}
	T_RUN(select_arms);
	T_RUN(mul_constants);
	T_RUN(mov_add);
	T_RUN(variable_shifts);
	T_RUN(jump_over_goto);
	T_RUN(raw_loads);
	return t_summary();
}
