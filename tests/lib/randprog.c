// SPDX-License-Identifier: MIT
/*
 * Random eBPF program generators (see randprog.h). Instructions are
 * encoded through the instruction table (ubee_isa_ops) so that the
 * generators follow the table; the kernel differential test then checks
 * the table's encodings against the kernel's own decoder.
 */
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "randprog.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- random numbers (xoshiro256**, seeded by splitmix64) --------------- */

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void randprog_seed(struct randprog_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		rng->s[i] = z ^ (z >> 31);
	}
}

uint64_t randprog_u64(struct randprog_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

uint32_t randprog_below(struct randprog_rng *rng, uint32_t n)
{
	return (uint32_t)(((randprog_u64(rng) >> 32) * n) >> 32);
}

uint64_t randprog_value(struct randprog_rng *rng)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 0xffffffffffffffffull, 0x8000000000000000ull,
		0x7fffffffffffffffull, 0x80000000ull, 0xffffffffull,
		0x7fffffffull, 0xffffffff80000000ull, 0x100000000ull,
		0xffffffff00000000ull, 0x8000ull, 0xffffull, 0x80ull, 0xffull,
		0x7full, 0x8080808080808080ull,
	};
	uint64_t r = randprog_u64(rng);

	switch (randprog_below(rng, 8)) {
	case 0:
	case 1:
		return fixed[randprog_below(rng, ARRAY_SIZE(fixed))];
	case 2: /* small, either sign */
		return (uint64_t)(int64_t)((int)randprog_below(rng, 33) - 16);
	case 3: /* one bit, maybe inverted */
		r = 1ull << randprog_below(rng, 64);
		return randprog_below(rng, 2) ? r : ~r;
	case 4: /* a 32-bit value, zero- or sign-extended */
		return randprog_below(rng, 2) ? (uint32_t)r
					      : (uint64_t)(int64_t)(int32_t)r;
	default:
		return r;
	}
}

int32_t randprog_imm(struct randprog_rng *rng)
{
	return (int32_t)(uint32_t)randprog_value(rng);
}

/* A 16-bit offset for fields that are not jump targets. */
static int16_t rand_off(struct randprog_rng *rng)
{
	static const int16_t fixed[] = { 0, 1, -1, INT16_MIN, INT16_MAX, 8, -8 };

	switch (randprog_below(rng, 3)) {
	case 0:
		return fixed[randprog_below(rng, ARRAY_SIZE(fixed))];
	case 1:
		return (int16_t)((int)randprog_below(rng, 1024) - 512);
	default:
		return (int16_t)randprog_u64(rng);
	}
}

/*
 * Encode op with the given operands. The row's selector value is put in
 * its field and fields the format does not use are cleared, so callers
 * may pass anything there.
 */
static struct ubee_insn mk(int op, unsigned dst, unsigned src, int off,
			   int32_t imm)
{
	const struct ubee_op_info *o = &ubee_isa_ops[op];
	unsigned used = ubee_isa_fmt_fields(o->fmt);
	struct ubee_insn in = { .code = o->code };

	if (used & UBEE_FIELD_DST)
		in.dst_reg = dst & 0xf;
	if (used & UBEE_FIELD_SRC)
		in.src_reg = src & 0xf;
	if (used & UBEE_FIELD_OFF)
		in.off = (int16_t)off;
	if (used & UBEE_FIELD_IMM)
		in.imm = imm;
	switch (o->sel) {
	case UBEE_SEL_OFF:
		in.off = (int16_t)o->selval;
		break;
	case UBEE_SEL_IMM:
		in.imm = o->selval;
		break;
	case UBEE_SEL_SRC:
		in.src_reg = (uint8_t)o->selval;
		break;
	}
	return in;
}

/* The feature a row needs (0: always available). */
static unsigned op_feature(int op)
{
	const struct ubee_op_info *o = &ubee_isa_ops[op];

	switch (op) {
	case UBEE_OP_SDIV64_K: case UBEE_OP_SDIV64_X:
	case UBEE_OP_SMOD64_K: case UBEE_OP_SMOD64_X:
	case UBEE_OP_SDIV32_K: case UBEE_OP_SDIV32_X:
	case UBEE_OP_SMOD32_K: case UBEE_OP_SMOD32_X:
	case UBEE_OP_BSWAP16: case UBEE_OP_BSWAP32: case UBEE_OP_BSWAP64:
	case UBEE_OP_LDXS_B: case UBEE_OP_LDXS_H: case UBEE_OP_LDXS_W:
	case UBEE_OP_JA32:
		return RANDPROG_V4;
	case UBEE_OP_MAY_GOTO:
		return RANDPROG_MAY_GOTO;
	}
	switch (o->fmt) {
	case UBEE_FMT_MOVSX:
		return RANDPROG_V4;
	case UBEE_FMT_ATOMIC: case UBEE_FMT_ATOMIC_FETCH:
	case UBEE_FMT_XCHG: case UBEE_FMT_CMPXCHG:
		return RANDPROG_ATOMIC;
	case UBEE_FMT_LOAD_ACQ: case UBEE_FMT_STORE_REL:
		return RANDPROG_ACQREL;
	}
	if (o->flags & UBEE_F_CALL)
		return RANDPROG_CALLS;
	if (o->flags & UBEE_F_PKT)
		return RANDPROG_PKT;
	if ((o->flags & UBEE_F_LDDW) && op != UBEE_OP_LDDW)
		return RANDPROG_PSEUDO;
	return 0;
}

static int allowed(const struct randprog_opts *opts, int op)
{
	unsigned f = op_feature(op);

	return !f || (opts->features & f);
}

/* ---- runnable bodies ---------------------------------------------------- */

enum body_kind {
	K_ALU_K, K_ALU_X, K_UNARY, K_MOVSX, K_LDDW, K_JMP_K, K_JMP_X, K_JA,
	K_LDX, K_ST, K_STX, K_ATOMIC, K__COUNT
};

#define A(n) UBEE_OP_##n##64_K, UBEE_OP_##n##32_K
static const uint8_t alu_k_ops[] = {
	A(ADD), A(SUB), A(MUL), A(DIV), A(SDIV), A(OR), A(AND), A(LSH),
	A(RSH), A(MOD), A(SMOD), A(XOR), A(MOV), A(ARSH),
};
#undef A
#define A(n) UBEE_OP_##n##64_X, UBEE_OP_##n##32_X
static const uint8_t alu_x_ops[] = {
	A(ADD), A(SUB), A(MUL), A(DIV), A(SDIV), A(OR), A(AND), A(LSH),
	A(RSH), A(MOD), A(SMOD), A(XOR), A(MOV), A(ARSH),
};
#undef A
static const uint8_t unary_ops[] = {
	UBEE_OP_NEG64, UBEE_OP_NEG32, UBEE_OP_LE16, UBEE_OP_LE32,
	UBEE_OP_LE64, UBEE_OP_BE16, UBEE_OP_BE32, UBEE_OP_BE64,
	UBEE_OP_BSWAP16, UBEE_OP_BSWAP32, UBEE_OP_BSWAP64,
};
static const uint8_t movsx_ops[] = {
	UBEE_OP_MOVSX64_8, UBEE_OP_MOVSX64_16, UBEE_OP_MOVSX64_32,
	UBEE_OP_MOVSX32_8, UBEE_OP_MOVSX32_16,
};
static const uint8_t lddw_ops[] = { UBEE_OP_LDDW };
#define J(n) UBEE_OP_##n##64_K, UBEE_OP_##n##32_K
static const uint8_t jmp_k_ops[] = {
	J(JEQ), J(JGT), J(JGE), J(JSET), J(JNE), J(JSGT), J(JSGE), J(JLT),
	J(JLE), J(JSLT), J(JSLE),
};
#undef J
#define J(n) UBEE_OP_##n##64_X, UBEE_OP_##n##32_X
static const uint8_t jmp_x_ops[] = {
	J(JEQ), J(JGT), J(JGE), J(JSET), J(JNE), J(JSGT), J(JSGE), J(JLT),
	J(JLE), J(JSLT), J(JSLE),
};
#undef J
static const uint8_t ja_ops[] = { UBEE_OP_JA, UBEE_OP_JA32 };
static const uint8_t ldx_ops[] = {
	UBEE_OP_LDX_B, UBEE_OP_LDX_H, UBEE_OP_LDX_W, UBEE_OP_LDX_DW,
	UBEE_OP_LDXS_B, UBEE_OP_LDXS_H, UBEE_OP_LDXS_W,
};
static const uint8_t st_ops[] = {
	UBEE_OP_ST_B, UBEE_OP_ST_H, UBEE_OP_ST_W, UBEE_OP_ST_DW,
};
static const uint8_t stx_ops[] = {
	UBEE_OP_STX_B, UBEE_OP_STX_H, UBEE_OP_STX_W, UBEE_OP_STX_DW,
};
#define AT(n) UBEE_OP_ATOMIC_##n##_W, UBEE_OP_ATOMIC_##n##_DW
static const uint8_t atomic_ops[] = {
	AT(ADD), AT(FETCH_ADD), AT(OR), AT(FETCH_OR), AT(AND), AT(FETCH_AND),
	AT(XOR), AT(FETCH_XOR), AT(XCHG), AT(CMPXCHG),
};
#undef AT

static const struct {
	const uint8_t *ops;
	unsigned n;
	unsigned weight;
	int mem; /* needs the stack window */
} kinds[K__COUNT] = {
#define KIND(k, arr, w, m) [k] = { arr, ARRAY_SIZE(arr), w, m }
	KIND(K_ALU_K, alu_k_ops, 20, 0),
	KIND(K_ALU_X, alu_x_ops, 20, 0),
	KIND(K_UNARY, unary_ops, 5, 0),
	KIND(K_MOVSX, movsx_ops, 3, 0),
	KIND(K_LDDW, lddw_ops, 4, 0),
	KIND(K_JMP_K, jmp_k_ops, 10, 0),
	KIND(K_JMP_X, jmp_x_ops, 8, 0),
	KIND(K_JA, ja_ops, 3, 0),
	KIND(K_LDX, ldx_ops, 8, 1),
	KIND(K_ST, st_ops, 4, 1),
	KIND(K_STX, stx_ops, 6, 1),
	KIND(K_ATOMIC, atomic_ops, 6, 1),
#undef KIND
};

/* Whether op may be emitted under opts (r0 is needed for cmpxchg). */
static int body_op_ok(const struct randprog_opts *opts, int op, int mem)
{
	if (!allowed(opts, op))
		return 0;
	if (mem && (!opts->stack_size || opts->stack_size % 8 ||
		    opts->stack_off % 8))
		return 0;
	if (ubee_isa_ops[op].fmt == UBEE_FMT_CMPXCHG && !(opts->regs & 1))
		return 0;
	return (opts->regs & 0x3ff) != 0;
}

int randprog_body_can_emit(const struct randprog_opts *opts, int op)
{
	for (int k = 0; k < K__COUNT; k++)
		for (unsigned i = 0; i < kinds[k].n; i++)
			if (kinds[k].ops[i] == op)
				return body_op_ok(opts, op, kinds[k].mem);
	return 0;
}

struct body {
	struct randprog_rng *rng;
	const struct randprog_opts *o;
	struct ubee_insn *out;
	size_t n;            /* slots written */
	size_t items;        /* items written */
	size_t *item_slot;   /* first slot of each item */
	size_t *target;      /* jump target item, or SIZE_MAX */
	uint8_t regs[10];
	unsigned nregs;
};

static unsigned pick_reg(struct body *b)
{
	return b->regs[randprog_below(b->rng, b->nregs)];
}

/* A random op of kind k that opts allow, or -1 (after a few tries). */
static int pick_op(struct body *b, int k)
{
	for (int tries = 0; tries < 32; tries++) {
		int op = kinds[k].ops[randprog_below(b->rng, kinds[k].n)];

		if (body_op_ok(b->o, op, kinds[k].mem))
			return op;
	}
	return -1;
}

/* Start a new item at the current slot with an optional jump target. */
static void item(struct body *b, struct ubee_insn in, size_t target)
{
	b->item_slot[b->items] = b->n;
	b->target[b->items++] = target;
	b->out[b->n++] = in;
}

/* A forward target item for a jump at item it: mostly near, sometimes far. */
static size_t fwd_target(struct body *b, size_t it)
{
	uint32_t d = randprog_below(b->rng, 4) ? 1 + randprog_below(b->rng, 8)
					       : 1 + randprog_below(b->rng, 256);
	return it + d; /* clamped to the end when patched */
}

/* An aligned offset of an access of size w inside the stack window. */
static int stack_slot(struct body *b, int w)
{
	return b->o->stack_off +
	       w * (int)randprog_below(b->rng, b->o->stack_size / (unsigned)w);
}

static int32_t alu_imm(struct body *b, int op)
{
	const struct ubee_op_info *o = &ubee_isa_ops[op];
	unsigned alu = o->code & 0xf0;
	int32_t imm;

	if (alu == 0x60 || alu == 0x70 || alu == 0xc0) /* shifts */
		return (int32_t)randprog_below(b->rng, o->flags & UBEE_F_32 ? 32 : 64);
	imm = randprog_imm(b->rng);
	if (imm == 0 && (alu == 0x30 || alu == 0x90)) /* div, mod: K must be != 0 */
		imm = randprog_below(b->rng, 2) ? 1 : -1;
	return imm;
}

static struct ubee_insn cond_jump(struct body *b)
{
	int op = pick_op(b, randprog_below(b->rng, 2) ? K_JMP_K : K_JMP_X);
	unsigned dst = pick_reg(b), src = pick_reg(b);
	int32_t imm = randprog_imm(b->rng);

	return mk(op, dst, src, 0, imm);
}

/* Emit one item (two for a goto, which gets a guard); room >= 1 slots. */
static void emit_item(struct body *b, size_t room)
{
	struct randprog_rng *rng = b->rng;
	unsigned total = 0, r, dst, src;
	int k, op = -1, off;
	int32_t imm;
	size_t target;

	for (k = 0; k < K__COUNT; k++)
		total += kinds[k].weight;
	while (op < 0) {
		r = randprog_below(rng, total);
		for (k = 0; r >= kinds[k].weight; k++)
			r -= kinds[k].weight;
		if ((k == K_LDDW || k == K_JA) && room < 2)
			continue;
		op = pick_op(b, k);
	}

	/*
	 * Draw the operands in statements of their own: C leaves the order
	 * of argument evaluation open, and a seed must give the same program
	 * whatever compiler built the generator.
	 */
	dst = pick_reg(b);
	src = pick_reg(b);
	switch (k) {
	case K_ALU_K:
		imm = alu_imm(b, op);
		item(b, mk(op, dst, 0, 0, imm), SIZE_MAX);
		break;
	case K_ALU_X:
	case K_UNARY:
	case K_MOVSX:
		item(b, mk(op, dst, src, 0, 0), SIZE_MAX);
		break;
	case K_LDDW: {
		uint64_t v = randprog_value(rng);

		item(b, mk(op, dst, 0, 0, (int32_t)(uint32_t)v), SIZE_MAX);
		b->out[b->n++] = (struct ubee_insn){ .imm = (int32_t)(v >> 32) };
		break;
	}
	case K_JMP_K:
	case K_JMP_X:
		imm = randprog_imm(rng);
		target = fwd_target(b, b->items);
		item(b, mk(op, dst, src, 0, imm), target);
		break;
	case K_JA: {
		/*
		 * The slot after a goto is reachable only through a guard that
		 * jumps over the goto (the kernel rejects unreachable code).
		 */
		struct ubee_insn guard = cond_jump(b);

		item(b, guard, b->items + 2);
		target = fwd_target(b, b->items);
		item(b, mk(op, 0, 0, 0, 0), target);
		break;
	}
	case K_LDX:
		off = stack_slot(b, ubee_isa_access_size(op));
		item(b, mk(op, dst, 10, off, 0), SIZE_MAX);
		break;
	case K_ST:
		off = stack_slot(b, ubee_isa_access_size(op));
		imm = randprog_imm(rng);
		item(b, mk(op, 10, 0, off, imm), SIZE_MAX);
		break;
	case K_STX:
	case K_ATOMIC:
		off = stack_slot(b, ubee_isa_access_size(op));
		item(b, mk(op, 10, src, off, 0), SIZE_MAX);
		break;
	}
}

size_t randprog_body(struct randprog_rng *rng, const struct randprog_opts *opts,
		     struct ubee_insn *out, size_t cap)
{
	struct body b = { .rng = rng, .o = opts, .out = out };
	size_t max = opts->max_slots < cap ? opts->max_slots : cap;
	size_t limit, i;

	if (max < 1)
		return 0;
	for (unsigned r = 0; r < 10; r++)
		if (opts->regs & (1u << r))
			b.regs[b.nregs++] = (uint8_t)r;
	b.item_slot = malloc((max + 1) * sizeof(*b.item_slot));
	b.target = malloc((max + 1) * sizeof(*b.target));
	if (!b.item_slot || !b.target || !b.nregs) {
		/* Nothing to work with: a body that does nothing. */
		out[0] = (struct ubee_insn){ .code = 0x05 }; /* goto +0 */
		b.n = 1;
		goto out;
	}

	limit = 1 + randprog_below(rng, (uint32_t)max);
	while (b.n < limit)
		emit_item(&b, limit - b.n);
	b.item_slot[b.items] = b.n;

	/* Patch forward jumps; targets past the end go to the end. */
	for (i = 0; i < b.items; i++) {
		struct ubee_insn *in = &out[b.item_slot[i]];
		size_t t = b.target[i];
		long delta;

		if (t == SIZE_MAX)
			continue;
		if (t > b.items)
			t = b.items;
		delta = (long)b.item_slot[t] - (long)b.item_slot[i] - 1;
		if (ubee_isa_ops[ubee_isa_lookup(in)].flags & UBEE_F_BRANCH32)
			in->imm = (int32_t)delta;
		else
			in->off = (int16_t)delta;
	}
out:
	free(b.item_slot);
	free(b.target);
	return b.n;
}

/* ---- valid programs of every form --------------------------------------- */

int randprog_valid_can_emit(const struct randprog_opts *opts, int op)
{
	return op >= 0 && op < UBEE_OP__COUNT && allowed(opts, op);
}

/* A random instruction start in [lo, hi] (inclusive), or -1 if none. */
static long pick_start(struct randprog_rng *rng, const uint8_t *second,
		       long lo, long hi)
{
	for (int tries = 0; tries < 64; tries++) {
		long t = lo + (long)randprog_below(rng, (uint32_t)(hi - lo + 1));

		if (!second[t])
			return t;
	}
	for (long t = lo; t <= hi; t++)
		if (!second[t])
			return t;
	return -1;
}

size_t randprog_valid(struct randprog_rng *rng, const struct randprog_opts *opts,
		      struct ubee_insn *out, size_t cap)
{
	size_t max = opts->max_slots < cap ? opts->max_slots : cap;
	size_t len, i;
	uint8_t *second;

	if (max < 1)
		return 0;
	len = 1 + randprog_below(rng, (uint32_t)max);
	second = calloc(len, 1);
	if (!second) {
		out[0] = (struct ubee_insn){ .code = 0x95 }; /* exit */
		return 1;
	}

	for (i = 0; i + 1 < len;) {
		const struct ubee_op_info *o;
		int op = (int)randprog_below(rng, UBEE_OP__COUNT);
		unsigned dst, src;
		int16_t off;
		int32_t imm;

		if (!allowed(opts, op))
			continue;
		o = &ubee_isa_ops[op];
		if ((o->flags & UBEE_F_LDDW) && i + 2 >= len)
			continue; /* both slots must come before the last one */
		dst = randprog_below(rng, (o->flags & UBEE_F_WDST) ? 10 : 11);
		src = randprog_below(rng, (o->flags & UBEE_F_WSRC) ? 10 : 11);
		off = rand_off(rng);
		imm = randprog_imm(rng);
		out[i] = mk(op, dst, src, off, imm);
		if (o->flags & UBEE_F_LDDW) {
			int hi = op == UBEE_OP_LDDW || op == UBEE_OP_LDDW_MAP_VALUE ||
				 op == UBEE_OP_LDDW_MAP_IDX_VALUE;

			out[i + 1] = (struct ubee_insn){
				.imm = hi ? randprog_imm(rng) : 0 };
			second[i + 1] = 1;
			i += 2;
		} else {
			i++;
		}
	}
	/* The last slot ends the program: exit or an unconditional jump. */
	for (;;) {
		static const uint8_t last[] = { UBEE_OP_EXIT, UBEE_OP_EXIT,
						UBEE_OP_JA, UBEE_OP_JA32 };
		int op = last[randprog_below(rng, ARRAY_SIZE(last))];

		if (allowed(opts, op)) {
			out[len - 1] = mk(op, 0, 0, 0, 0);
			break;
		}
	}

	/* Point every jump and pc-relative call at an instruction start. */
	for (i = 0; i < len; i++) {
		int op = second[i] ? -1 : ubee_isa_lookup(&out[i]);
		unsigned fl = op < 0 ? 0 : ubee_isa_ops[op].flags;
		long lo = 0, hi = (long)len - 1, t;

		if (!(fl & (UBEE_F_BRANCH | UBEE_F_BRANCH32 | UBEE_F_CALLREL)))
			continue;
		if (fl & UBEE_F_BRANCH) { /* a 16-bit offset */
			if (lo < (long)i + 1 + INT16_MIN)
				lo = (long)i + 1 + INT16_MIN;
			if (hi > (long)i + 1 + INT16_MAX)
				hi = (long)i + 1 + INT16_MAX;
		}
		t = pick_start(rng, second, lo, hi);
		if (fl & UBEE_F_BRANCH)
			out[i].off = (int16_t)(t - (long)i - 1);
		else
			out[i].imm = (int32_t)(t - (long)i - 1);
	}
	free(second);
	return len;
}
