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
 *    through cl) with every pair of registers.
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

static int run(const struct ubee_prog *prog, enum ubee_engine engine,
	       uint64_t regs[10], uint64_t *r0)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro), .ctx = regs,
				    .ctx_size = 10 * sizeof(*regs),
				    .engine = engine, .flags = UBEE_RUN_TRUSTED };

	return ubee_prog_run(prog, &ro, r0, NULL);
}

/*
 * Run the program in text on the interpreter and on the JIT (plain and
 * blinded) from SETS register sets; every outcome must agree. Returns
 * the plain program's code description in *ji (for shape checks) and
 * 0, or -1 after recording a failure.
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
	return t_summary();
}
