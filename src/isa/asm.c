// SPDX-License-Identifier: MIT
/*
 * The assembler: text in the disassembler's syntax (disasm.c) back to
 * instructions. The lexer (asm_lex.c) narrows each line to its
 * instruction; label definitions come off the front; the rest is
 * recognised by its shape ("if REG OP X goto T", "*(SZ *)(REG + OFF) = X",
 * "REG OP= X", "REG = NAME(...)") and its row is then found in the one op
 * table by (format, TEXT, width, access size). There is no opcode list
 * here: operators and mnemonics are matched against the TEXT column.
 *
 * Two passes: the first parses every line, recording label definitions
 * and the instructions that use labels; the second (resolve()) patches
 * their offsets. Every instruction produced passes ubee_isa_check_insn,
 * but the program as a whole is not validated: partial programs are fine.
 *
 * Immediates: a 32-bit operand that is sign-extended to 64 bits (64-bit
 * ALU and jumps, 64-bit stores, lddw pseudo offsets) takes
 * -0x80000000..0x7fffffff; one that is used as 32 bits (w registers,
 * narrow stores, helper and kfunc ids) also 0x80000000..0xffffffff.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/asm_lex.h"
#include "isa/isa.h"
#include "ubee/asm.h"
#include "util/util.h"

/* A label definition, or a use waiting for the second pass. */
struct label {
	const char *name; /* points into the source text */
	size_t len;
	size_t idx;       /* definition: the slot it names; use: slot to patch */
	unsigned line;
	int in_imm;       /* use: the target is imm (32-bit), not off */
};

struct labels {
	struct label *v;
	size_t n, cap;
};

struct asm_state {
	struct ubee_lex lx;
	struct ubee_insn *insns;
	size_t cnt, cap;
	struct labels defs, uses;
};

/* A jump or call target: a signed offset, or a label to resolve. */
struct target {
	int64_t rel;
	const char *label;
	size_t len;
};

enum { IMM_SIGNED, IMM_ANY };

/* ---- the table ------------------------------------------------------- */

/*
 * The row with this format and TEXT (NULL: any), width (w: 1 for F_32,
 * -1 any) and access size (0: any), or -1. The table has under 200 rows,
 * so a scan keeps it the only source of truth at little cost.
 */
static int find_op(enum ubee_fmt fmt, const char *text, int w, int size)
{
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		const struct ubee_op_info *o = &ubee_isa_ops[op];

		if (o->fmt != fmt || (text && strcmp(o->text, text)))
			continue;
		if (w >= 0 && !!(o->flags & UBEE_F_32) != w)
			continue;
		if (size && ubee_isa_access_size(op) != size)
			continue;
		return op;
	}
	return -1;
}

/*
 * Consume the longest TEXT of a row with format fmt that is next (an
 * operator such as "s>>=" or "(s16)") and return it, or NULL.
 */
static const char *accept_text(struct ubee_lex *l, enum ubee_fmt fmt)
{
	const char *best = NULL;
	size_t best_len = 0;

	ubee_lex_skip_ws(l);
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		const char *t = ubee_isa_ops[op].text;
		size_t n = strlen(t);

		if (ubee_isa_ops[op].fmt == fmt && n > best_len &&
		    (size_t)(l->end - l->p) >= n && !memcmp(l->p, t, n)) {
			best = t;
			best_len = n;
		}
	}
	l->p += best_len;
	return best;
}

/* Consume the next word if it is the TEXT of a row with format fmt. */
static const char *accept_word_text(struct ubee_lex *l, enum ubee_fmt fmt)
{
	int n = ubee_lex_ident_len(l);

	for (int op = 0; n && op < UBEE_OP__COUNT; op++) {
		const char *t = ubee_isa_ops[op].text;

		if (ubee_isa_ops[op].fmt == fmt && (int)strlen(t) == n &&
		    !memcmp(l->p, t, (size_t)n)) {
			l->p += n;
			return t;
		}
	}
	return NULL;
}

/* ---- output ---------------------------------------------------------- */

static int no_row(struct ubee_lex *l)
{
	return ubee_lex_fail(l, -EINVAL, "no such instruction: '%.*s'",
			     (int)(l->end - l->start), l->start);
}

/*
 * Append the instruction of row op (-1: there is none) with these fields,
 * set the row's selector field, and check it. Returns its slot or < 0.
 */
static long emit_at(struct asm_state *s, int op, unsigned dst, unsigned src,
		    int16_t off, int32_t imm, int32_t imm_hi)
{
	const struct ubee_op_info *o;
	struct ubee_insn in;
	size_t need, at = s->cnt;
	char why[160];

	if (op < 0)
		return no_row(&s->lx);
	o = &ubee_isa_ops[op];
	in = (struct ubee_insn){ .code = o->code, .dst_reg = dst & 0xf,
				 .src_reg = src & 0xf, .off = off, .imm = imm };
	if (o->sel == UBEE_SEL_OFF)
		in.off = (int16_t)o->selval;
	else if (o->sel == UBEE_SEL_IMM)
		in.imm = o->selval;
	else if (o->sel == UBEE_SEL_SRC)
		in.src_reg = (uint8_t)o->selval;
	need = (o->flags & UBEE_F_LDDW) ? 2 : 1;
	if (s->cnt + need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct ubee_insn *v = ubee_realloc(s->insns, cap * sizeof(*v));

		if (!v)
			return ubee_lex_fail(&s->lx, -ENOMEM, "out of memory");
		s->insns = v;
		s->cap = cap;
	}
	s->insns[s->cnt++] = in;
	if (need == 2)
		s->insns[s->cnt++] = (struct ubee_insn){ .imm = imm_hi };
	if (ubee_isa_check_insn(s->insns, s->cnt, at, why, sizeof(why)) < 0)
		return ubee_lex_fail(&s->lx, -EINVAL, "%s", why);
	return (long)at;
}

static int emit(struct asm_state *s, int op, unsigned dst, unsigned src,
		int16_t off, int32_t imm)
{
	return emit_at(s, op, dst, src, off, imm, 0) < 0 ? s->lx.err : 0;
}

static int add_label(struct asm_state *s, struct labels *lb, const char *name,
		     size_t len, size_t idx, int in_imm)
{
	if (lb->n == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 32;
		struct label *v = ubee_realloc(lb->v, cap * sizeof(*v));

		if (!v)
			return ubee_lex_fail(&s->lx, -ENOMEM, "out of memory");
		lb->v = v;
		lb->cap = cap;
	}
	lb->v[lb->n++] = (struct label){ .name = name, .len = len, .idx = idx,
					 .line = s->lx.line, .in_imm = in_imm };
	return 0;
}

/* Emit row op whose off (or, with in_imm, imm) is the target t. */
static int emit_target(struct asm_state *s, int op, unsigned dst, unsigned src,
		       int32_t imm, const struct target *t, int in_imm)
{
	long at = in_imm ? emit_at(s, op, dst, src, 0, (int32_t)t->rel, 0)
			 : emit_at(s, op, dst, src, (int16_t)t->rel, imm, 0);

	if (at < 0)
		return s->lx.err;
	if (t->label)
		return add_label(s, &s->uses, t->label, t->len, (size_t)at,
				 in_imm);
	return 0;
}

/* ---- operands -------------------------------------------------------- */

/* A 32-bit immediate; IMM_ANY also takes 0x80000000..0xffffffff. */
static int parse_imm32(struct ubee_lex *l, int any, int32_t *imm)
{
	struct ubee_lex_num n;
	int64_t v;

	*imm = 0;
	if (ubee_lex_num(l, &n) ||
	    ubee_lex_fit(l, &n, 0x80000000u, any ? 0xffffffffu : 0x7fffffffu,
			 "immediate", &v))
		return l->err;
	*imm = (int32_t)(uint32_t)v;
	return 0;
}

/* "(u32 *)": the size name into name[4] and its size in bytes. */
static int parse_cast(struct ubee_lex *l, char name[4], int *bytes)
{
	static const char *const names[] = { "u8", "u16", "u32", "u64",
					      "s8", "s16", "s32" };
	static const int sizes[] = { 1, 2, 4, 8, 1, 2, 4 };
	int n;

	if (ubee_lex_expect(l, "("))
		return l->err;
	n = ubee_lex_ident_len(l);
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(names); i++) {
		if (n == (int)strlen(names[i]) &&
		    !memcmp(l->p, names[i], (size_t)n)) {
			memcpy(name, names[i], (size_t)n + 1);
			*bytes = sizes[i];
			l->p += n;
			if (ubee_lex_expect(l, "*") || ubee_lex_expect(l, ")"))
				return l->err;
			return 0;
		}
	}
	return ubee_lex_fail(l, -EINVAL, "expected a size (u8, u16, u32, u64, s8, s16, s32) before '%.*s'",
			     ubee_lex_rest(l), l->p);
}

/* "r1 + 0x4", "r10 - 0x8" or "r1": a base register and 16-bit offset. */
static int parse_addr(struct ubee_lex *l, unsigned *reg, int16_t *off)
{
	struct ubee_lex_num n;
	int64_t v;

	*off = 0;
	if (ubee_lex_reg(l, reg, 0, NULL) || ubee_lex_disp(l, &n) ||
	    ubee_lex_fit(l, &n, 0x8000, 0x7fff, "offset", &v))
		return l->err;
	*off = (int16_t)v;
	return 0;
}

/* "(r1 + 0x4)" */
static int parse_paddr(struct ubee_lex *l, unsigned *reg, int16_t *off)
{
	if (ubee_lex_expect(l, "(") || parse_addr(l, reg, off) ||
	    ubee_lex_expect(l, ")"))
		return l->err;
	return 0;
}

/* A target: a signed offset ("+0x3", "-2", "5") or a label. */
static int parse_target(struct ubee_lex *l, struct target *t, int in_imm)
{
	struct ubee_lex_num n;
	int len = ubee_lex_ident_len(l);

	t->label = NULL;
	t->rel = 0;
	if (len) {
		t->label = l->p;
		t->len = (size_t)len;
		l->p += len;
		return 0;
	}
	if (ubee_lex_num(l, &n))
		return l->err;
	return ubee_lex_fit(l, &n, in_imm ? 0x80000000u : 0x8000,
			    in_imm ? 0x7fffffffu : 0x7fff,
			    in_imm ? "offset" : "jump offset", &t->rel);
}

/* The register that names both the result and an operand must match. */
static int same_reg(struct ubee_lex *l, unsigned a, unsigned b)
{
	if (a != b)
		return ubee_lex_fail(l, -EINVAL, "both registers must be the same in '%.*s'",
				     (int)(l->end - l->start), l->start);
	return 0;
}

/* ---- statements ------------------------------------------------------ */

/* if REG OP (REG | IMM) goto TARGET */
static int parse_if(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	const char *opname;
	struct target t;
	unsigned dst, src = 0;
	int32_t imm = 0;
	int w, is_x;

	if (ubee_lex_reg(l, &dst, -1, &w))
		return l->err;
	opname = accept_text(l, UBEE_FMT_JMP_K);
	if (!opname)
		return ubee_lex_fail(l, -EINVAL, "expected a comparison before '%.*s'",
				     ubee_lex_rest(l), l->p);
	is_x = ubee_lex_at_reg(l);
	if (is_x ? ubee_lex_reg(l, &src, w, NULL) : parse_imm32(l, w, &imm))
		return l->err;
	if (!ubee_lex_word(l, "goto"))
		return ubee_lex_expect(l, "goto");
	if (parse_target(l, &t, 0))
		return l->err;
	return emit_target(s, find_op(is_x ? UBEE_FMT_JMP_X : UBEE_FMT_JMP_K,
				      opname, w, 0),
			   dst, src, imm, &t, 0);
}

/* call IMM (helper) | call +/-OFF | call LABEL | call kfunc IMM[, OFF] */
static int parse_call(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	struct ubee_lex_num n;
	struct target t;
	int64_t off = 0;
	int32_t imm = 0;

	ubee_lex_skip_ws(l);
	if (l->p < l->end && isdigit((unsigned char)*l->p)) {
		if (parse_imm32(l, IMM_ANY, &imm))
			return l->err;
		return emit(s, find_op(UBEE_FMT_CALL, NULL, -1, 0), 0, 0, 0, imm);
	}
	if (ubee_lex_word(l, "kfunc")) {
		if (!ubee_lex_at_num(l)) {
			l->p -= strlen("kfunc"); /* a label named kfunc */
		} else {
			if (parse_imm32(l, IMM_ANY, &imm) ||
			    (ubee_lex_accept(l, ",") &&
			     (ubee_lex_num(l, &n) ||
			      ubee_lex_fit(l, &n, 0x8000, 0x7fff, "offset", &off))))
				return l->err;
			return emit(s, find_op(UBEE_FMT_CALL_KFUNC, NULL, -1, 0),
				    0, 0, (int16_t)off, imm);
		}
	}
	/* A sign or a label: a pc-relative local call. */
	if (parse_target(l, &t, 1))
		return l->err;
	return emit_target(s, find_op(UBEE_FMT_CALL_LOCAL, NULL, -1, 0), 0, 0,
			   0, &t, 1);
}

/* *(SZ *)(REG + OFF) = (REG | IMM) */
static int parse_store(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	char size[4];
	unsigned dst, src;
	int16_t off;
	int32_t imm;
	int bytes;

	if (ubee_lex_expect(l, "*") || parse_cast(l, size, &bytes) ||
	    parse_paddr(l, &dst, &off) || ubee_lex_expect(l, "="))
		return l->err;
	if (ubee_lex_at_reg(l)) {
		/* Narrow stores take w (as llvm prints them) or r. */
		if (ubee_lex_reg(l, &src, bytes < 8 ? -1 : 0, NULL))
			return l->err;
		return emit(s, find_op(UBEE_FMT_STX, size, -1, 0), dst, src,
			    off, 0);
	}
	if (parse_imm32(l, bytes < 8, &imm))
		return l->err;
	return emit(s, find_op(UBEE_FMT_ST, size, -1, 0), dst, 0, off, imm);
}

/* lock *(SZ *)(REG + OFF) OP= REG */
static int parse_lock(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	const char *opname;
	char size[4];
	unsigned dst, src;
	int16_t off;
	int bytes;

	if (ubee_lex_expect(l, "*") || parse_cast(l, size, &bytes) ||
	    parse_paddr(l, &dst, &off))
		return l->err;
	opname = accept_text(l, UBEE_FMT_ATOMIC);
	if (!opname)
		return ubee_lex_fail(l, -EINVAL, "expected an atomic operator before '%.*s'",
				     ubee_lex_rest(l), l->p);
	if (ubee_lex_reg(l, &src, bytes == 4 ? -1 : 0, NULL))
		return l->err;
	if (size[0] != 'u')
		return no_row(l);
	return emit(s, find_op(UBEE_FMT_ATOMIC, opname, -1, bytes), dst, src,
		    off, 0);
}

/* store_release((SZ *)(REG + OFF), REG) */
static int parse_store_release(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	char size[4];
	unsigned dst, src;
	int16_t off;
	int bytes;

	if (ubee_lex_expect(l, "(") || parse_cast(l, size, &bytes) ||
	    parse_paddr(l, &dst, &off) || ubee_lex_expect(l, ",") ||
	    ubee_lex_reg(l, &src, bytes < 8 ? -1 : 0, NULL) ||
	    ubee_lex_expect(l, ")"))
		return l->err;
	return emit(s, find_op(UBEE_FMT_STORE_REL, size, -1, 0), dst, src, off,
		    0);
}

/* r0 = *(SZ *)skb[IMM] | skb[REG] | skb[REG +/- IMM], after the cast */
static int parse_skb(struct asm_state *s, const char *size, unsigned dst,
		     int w)
{
	struct ubee_lex *l = &s->lx;
	struct ubee_lex_num n;
	unsigned src = 0;
	int32_t imm = 0;
	int64_t v;

	if (dst != 0 || w)
		return ubee_lex_fail(l, -EINVAL, "packet loads write r0");
	if (ubee_lex_expect(l, "["))
		return l->err;
	if (!ubee_lex_at_reg(l)) {
		if (parse_imm32(l, IMM_SIGNED, &imm) || ubee_lex_expect(l, "]"))
			return l->err;
		return emit(s, find_op(UBEE_FMT_LD_ABS, size, -1, 0), 0, 0, 0,
			    imm);
	}
	if (ubee_lex_reg(l, &src, 0, NULL) || ubee_lex_disp(l, &n) ||
	    ubee_lex_fit(l, &n, 0x80000000u, 0x7fffffff, "immediate", &v) ||
	    ubee_lex_expect(l, "]"))
		return l->err;
	return emit(s, find_op(UBEE_FMT_LD_IND, size, -1, 0), 0, src, 0,
		    (int32_t)v);
}

/* DST = *(SZ *)(REG + OFF) | DST = *(SZ *)skb[...] */
static int parse_load(struct asm_state *s, unsigned dst, int w)
{
	struct ubee_lex *l = &s->lx;
	char size[4];
	unsigned src;
	int16_t off;
	int bytes;

	if (ubee_lex_expect(l, "*") || parse_cast(l, size, &bytes))
		return l->err;
	if (ubee_lex_word(l, "skb"))
		return parse_skb(s, size, dst, w);
	if (parse_paddr(l, &src, &off))
		return l->err;
	/* A w destination only for zero-extending narrow loads (alu32). */
	if (w && (bytes == 8 || size[0] == 's'))
		return ubee_lex_fail(l, -EINVAL, "load of %s needs a 64-bit r register",
				     size);
	return emit(s, find_op(UBEE_FMT_LDX, size, -1, 0), dst, src, off, 0);
}

/* Atomics of the form DST = NAME(...), after NAME (text t, format fmt). */
static int parse_atomic_call(struct asm_state *s, enum ubee_fmt fmt,
			     const char *t, unsigned dst, int w)
{
	struct ubee_lex *l = &s->lx;
	unsigned reg, src, r0 = 0;
	char size[4];
	int16_t off;
	int bytes = 0, op;

	if (ubee_lex_expect(l, "("))
		return l->err;
	if (fmt == UBEE_FMT_ATOMIC_FETCH) {
		/* w0 = atomic_fetch_add((u32 *)(r1 + 0x4), w0) */
		if (parse_cast(l, size, &bytes) || parse_paddr(l, &reg, &off))
			return l->err;
		if (size[0] != 'u')
			return no_row(l);
	} else if (parse_addr(l, &reg, &off)) {
		/* r0 = xchg_64(r1 + 0x0, r0), r0 = cmpxchg_64(r1, r0, r2) */
		return l->err;
	}
	if (fmt == UBEE_FMT_CMPXCHG &&
	    (ubee_lex_expect(l, ",") || ubee_lex_reg(l, &r0, w, NULL)))
		return l->err;
	if (ubee_lex_expect(l, ",") || ubee_lex_reg(l, &src, w, NULL) ||
	    ubee_lex_expect(l, ")"))
		return l->err;
	if (fmt == UBEE_FMT_CMPXCHG && (dst != 0 || r0 != 0))
		return ubee_lex_fail(l, -EINVAL, "%s compares with and writes r0",
				     t);
	if (fmt != UBEE_FMT_CMPXCHG && same_reg(l, dst, src))
		return l->err;
	op = find_op(fmt, t, -1, bytes);
	if (op >= 0 && w && !(ubee_isa_ops[op].flags & UBEE_F_32))
		return ubee_lex_fail(l, -EINVAL, "%s of 64 bits needs r registers",
				     t);
	return emit(s, op, reg, src, off, 0);
}

/* r1 = map_value(0x5, 0x6) ll, r1 = func(+0x5) ll, after the name */
static int parse_pseudo(struct asm_state *s, const char *t, unsigned dst,
			int w)
{
	struct ubee_lex *l = &s->lx;
	int op = find_op(UBEE_FMT_LDDW, t, -1, 0);
	int32_t a = 0, b = 0;
	struct target tg;

	if (w)
		return ubee_lex_fail(l, -EINVAL, "lddw needs a 64-bit r register");
	if (ubee_lex_expect(l, "("))
		return l->err;
	if (ubee_isa_ops[op].flags & UBEE_F_CALLREL) {
		if (parse_target(l, &tg, 1) || ubee_lex_expect(l, ")"))
			return l->err;
	} else if (parse_imm32(l, IMM_ANY, &a) ||
		   (ubee_lex_accept(l, ",") && parse_imm32(l, IMM_ANY, &b)) ||
		   ubee_lex_expect(l, ")")) {
		return l->err;
	}
	if (!ubee_lex_word(l, "ll"))
		return ubee_lex_expect(l, "ll");
	if (ubee_isa_ops[op].flags & UBEE_F_CALLREL)
		return emit_target(s, op, dst, 0, 0, &tg, 1);
	return emit_at(s, op, dst, 0, 0, a, b) < 0 ? l->err : 0;
}

/* DST = NUMBER [ll] */
static int parse_const(struct asm_state *s, unsigned dst, int w)
{
	struct ubee_lex *l = &s->lx;
	struct ubee_lex_num n;
	int64_t v;

	if (ubee_lex_num(l, &n))
		return l->err;
	if (ubee_lex_word(l, "ll")) {
		if (w)
			return ubee_lex_fail(l, -EINVAL, "lddw needs a 64-bit r register");
		if (ubee_lex_fit(l, &n, 1ull << 63, UINT64_MAX, "immediate", &v))
			return l->err;
		return emit_at(s, find_op(UBEE_FMT_LDDW, "", -1, 0), dst, 0, 0,
			       (int32_t)(uint32_t)v,
			       (int32_t)(uint32_t)((uint64_t)v >> 32)) < 0
			       ? l->err : 0;
	}
	if (ubee_lex_fit(l, &n, 0x80000000u, w ? 0xffffffffu : 0x7fffffffu,
			 w ? "immediate"
			   : "immediate (add 'll' for a 64-bit constant)", &v))
		return l->err;
	return emit(s, find_op(UBEE_FMT_ALU_K, "=", w, 0), dst, 0, 0,
		    (int32_t)(uint32_t)v);
}

/* DST = ... : everything that assigns with a plain "=" */
static int parse_mov(struct asm_state *s, unsigned dst, int w)
{
	struct ubee_lex *l = &s->lx;
	const char *t;
	unsigned src;

	ubee_lex_skip_ws(l);
	if (l->p < l->end && *l->p == '*')
		return parse_load(s, dst, w);
	if (ubee_lex_at_num(l))
		return parse_const(s, dst, w);
	if ((t = accept_text(l, UBEE_FMT_MOVSX))) {
		/* r1 = (s16)r2 */
		if (ubee_lex_reg(l, &src, w, NULL))
			return l->err;
		return emit(s, find_op(UBEE_FMT_MOVSX, t, w, 0), dst, src, 0, 0);
	}
	if ((t = accept_text(l, UBEE_FMT_NEG))) {
		/* r1 = -r1 */
		if (ubee_lex_reg(l, &src, w, NULL) || same_reg(l, dst, src))
			return l->err;
		return emit(s, find_op(UBEE_FMT_NEG, t, w, 0), dst, 0, 0, 0);
	}
	if (ubee_lex_at_reg(l)) {
		if (ubee_lex_reg(l, &src, w, NULL))
			return l->err;
		return emit(s, find_op(UBEE_FMT_ALU_X, "=", w, 0), dst, src, 0, 0);
	}
	if ((t = accept_word_text(l, UBEE_FMT_END))) {
		/* r1 = le16 r1 */
		if (w)
			return ubee_lex_fail(l, -EINVAL, "byte swaps use r registers");
		if (ubee_lex_reg(l, &src, 0, NULL) || same_reg(l, dst, src))
			return l->err;
		return emit(s, find_op(UBEE_FMT_END, t, -1, 0), dst, 0, 0, 0);
	}
	if ((t = accept_word_text(l, UBEE_FMT_ATOMIC_FETCH)))
		return parse_atomic_call(s, UBEE_FMT_ATOMIC_FETCH, t, dst, w);
	if ((t = accept_word_text(l, UBEE_FMT_XCHG)))
		return parse_atomic_call(s, UBEE_FMT_XCHG, t, dst, w);
	if ((t = accept_word_text(l, UBEE_FMT_CMPXCHG)))
		return parse_atomic_call(s, UBEE_FMT_CMPXCHG, t, dst, w);
	if ((t = accept_word_text(l, UBEE_FMT_LDDW)))
		return parse_pseudo(s, t, dst, w);
	if (ubee_lex_word(l, "load_acquire")) {
		/* w0 = load_acquire((u8 *)(r1 + 0x0)) */
		char size[4];
		int16_t off;
		int bytes;

		if (ubee_lex_expect(l, "(") || parse_cast(l, size, &bytes) ||
		    parse_paddr(l, &src, &off) || ubee_lex_expect(l, ")"))
			return l->err;
		if (w && bytes == 8)
			return ubee_lex_fail(l, -EINVAL, "load of u64 needs a 64-bit r register");
		return emit(s, find_op(UBEE_FMT_LOAD_ACQ, size, -1, 0), dst, src,
			    off, 0);
	}
	if (ubee_lex_ident_len(l))
		return ubee_lex_fail(l, -EINVAL, "unknown operation '%.*s'",
				     ubee_lex_ident_len(l), l->p);
	return ubee_lex_fail(l, -EINVAL, "syntax error at '%.*s'",
			     ubee_lex_rest(l), l->p);
}

/* DST OP= (REG | IMM), or DST = ... */
static int parse_assign(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	const char *opname;
	unsigned dst, src;
	int32_t imm;
	int w;

	if (ubee_lex_reg(l, &dst, -1, &w))
		return l->err;
	opname = accept_text(l, UBEE_FMT_ALU_K);
	if (!opname)
		return ubee_lex_fail(l, -EINVAL, "expected an assignment operator before '%.*s'",
				     ubee_lex_rest(l), l->p);
	if (!strcmp(opname, "="))
		return parse_mov(s, dst, w);
	if (ubee_lex_at_reg(l)) {
		if (ubee_lex_reg(l, &src, w, NULL))
			return l->err;
		return emit(s, find_op(UBEE_FMT_ALU_X, opname, w, 0), dst, src,
			    0, 0);
	}
	if (parse_imm32(l, w, &imm))
		return l->err;
	return emit(s, find_op(UBEE_FMT_ALU_K, opname, w, 0), dst, 0, 0, imm);
}

/* goto, gotol, may_goto: TEXT TARGET */
static int parse_jump(struct asm_state *s, enum ubee_fmt fmt, const char *t)
{
	struct target tg;
	int in_imm = fmt == UBEE_FMT_JA32;

	if (parse_target(&s->lx, &tg, in_imm))
		return s->lx.err;
	return emit_target(s, find_op(fmt, t, -1, 0), 0, 0, 0, &tg, in_imm);
}

static int parse_insn(struct asm_state *s)
{
	static const enum ubee_fmt jumps[] = { UBEE_FMT_JA, UBEE_FMT_JA32,
					       UBEE_FMT_MAY_GOTO };
	struct ubee_lex *l = &s->lx;
	const char *t;

	ubee_lex_skip_ws(l);
	if (l->p < l->end && *l->p == '*')
		return parse_store(s);
	if (ubee_lex_at_reg(l))
		return parse_assign(s);
	if (ubee_lex_word(l, "if"))
		return parse_if(s);
	if (ubee_lex_word(l, "call"))
		return parse_call(s);
	if (ubee_lex_word(l, "lock"))
		return parse_lock(s);
	if (ubee_lex_word(l, "store_release"))
		return parse_store_release(s);
	if ((t = accept_word_text(l, UBEE_FMT_EXIT)))
		return emit(s, find_op(UBEE_FMT_EXIT, t, -1, 0), 0, 0, 0, 0);
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(jumps); i++)
		if ((t = accept_word_text(l, jumps[i])))
			return parse_jump(s, jumps[i], t);
	if (ubee_lex_ident_len(l))
		return ubee_lex_fail(l, -EINVAL, "unknown mnemonic '%.*s'",
				     ubee_lex_ident_len(l), l->p);
	return ubee_lex_fail(l, -EINVAL, "syntax error at '%.*s'",
			     ubee_lex_rest(l), l->p);
}

/* ---- labels ---------------------------------------------------------- */

/*
 * Label definitions at the start of the line: "loop:", and llvm-objdump's
 * symbol header "0000000000000010 <name>:".
 */
static int parse_labels(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	const char *q, *name;
	int n;

	ubee_lex_skip_ws(l);
	for (q = l->p; q < l->end && isxdigit((unsigned char)*q); q++)
		;
	if (q > l->p && q < l->end && isspace((unsigned char)*q)) {
		const char *save = l->p;

		l->p = q;
		if (ubee_lex_accept(l, "<") && (n = ubee_lex_ident_len(l)) &&
		    l->end - l->p == n + 2 && !memcmp(l->p + n, ">:", 2)) {
			name = l->p;
			l->p = l->end;
			return add_label(s, &s->defs, name, (size_t)n, s->cnt, 0);
		}
		l->p = save;
	}
	while ((n = ubee_lex_ident_len(l))) {
		for (q = l->p + n; q < l->end && isspace((unsigned char)*q); q++)
			;
		if (q >= l->end || *q != ':')
			return 0;
		if (ubee_lex_at_reg(l))
			return ubee_lex_fail(l, -EINVAL, "register name '%.*s' used as a label",
					     n, l->p);
		name = l->p;
		l->p = q + 1;
		if (add_label(s, &s->defs, name, (size_t)n, s->cnt, 0))
			return l->err;
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* By name, then by line, so that a duplicate follows the original. */
static int cmp_def(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = cmp_name(a, b);

	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

/* The second pass: sort the definitions, patch every use. */
static int resolve(struct asm_state *s)
{
	struct ubee_lex *l = &s->lx;
	struct labels *d = &s->defs;
	size_t i;

	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), cmp_def);
	for (i = 1; i < d->n; i++) {
		if (!cmp_name(&d->v[i], &d->v[i - 1])) {
			l->line = d->v[i].line;
			return ubee_lex_fail(l, -EINVAL, "label '%.*s' already defined on line %u",
					     (int)d->v[i].len, d->v[i].name,
					     d->v[i - 1].line);
		}
	}
	for (i = 0; i < s->uses.n; i++) {
		const struct label *u = &s->uses.v[i];
		struct ubee_insn *in = &s->insns[u->idx];
		const struct label *def = NULL;
		int64_t rel;

		if (d->n)
			def = bsearch(u, d->v, d->n, sizeof(*d->v), cmp_name);
		l->line = u->line;
		if (!def)
			return ubee_lex_fail(l, -EINVAL, "unknown label '%.*s'",
					     (int)u->len, u->name);
		rel = (int64_t)def->idx - (int64_t)u->idx - 1;
		if (u->in_imm && (rel < INT32_MIN || rel > INT32_MAX))
			return ubee_lex_fail(l, -EINVAL, "offset %lld to '%.*s' out of 32-bit range",
					     (long long)rel, (int)u->len, u->name);
		if (!u->in_imm && (rel < INT16_MIN || rel > INT16_MAX))
			return ubee_lex_fail(l, -EINVAL, "jump offset %lld to '%.*s' out of 16-bit range",
					     (long long)rel, (int)u->len, u->name);
		if (u->in_imm)
			in->imm = (int32_t)rel;
		else
			in->off = (int16_t)rel;
	}
	return 0;
}

/* ---- the entry point -------------------------------------------------- */

/* One line [line, end): labels, then at most one instruction. */
static int parse_line(struct asm_state *s, const char *line, const char *end)
{
	struct ubee_lex *l = &s->lx;

	l->p = line;
	l->end = end;
	if (ubee_lex_clean_line(l) || parse_labels(s))
		return l->err;
	ubee_lex_skip_ws(l);
	l->start = l->p;
	if (l->p == l->end || parse_insn(s))
		return l->err;
	ubee_lex_skip_ws(l);
	if (l->p < l->end)
		return ubee_lex_fail(l, -EINVAL, "unexpected '%.*s' after the instruction",
				     ubee_lex_rest(l), l->p);
	return 0;
}

int ubee_asm(const char *text, struct ubee_insn **out, size_t *cnt,
	     struct ubee_log *log)
{
	struct asm_state s = { .lx = { .log = log } };
	const char *line = text;
	int err;

	*out = NULL;
	*cnt = 0;
	for (;;) {
		const char *nl = strchr(line, '\n');

		s.lx.line++;
		if (parse_line(&s, line, nl ? nl : line + strlen(line)) || !nl)
			break;
		line = nl + 1;
	}
	if (!s.lx.err)
		resolve(&s);
	err = s.lx.err;
	ubee_free(s.defs.v);
	ubee_free(s.uses.v);
	if (err) {
		ubee_free(s.insns);
		return err;
	}
	*out = s.insns;
	*cnt = s.cnt;
	return 0;
}

void ubee_insns_free(struct ubee_insn *insns)
{
	ubee_free(insns);
}
