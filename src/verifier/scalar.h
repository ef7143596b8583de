/* SPDX-License-Identifier: MIT */
/*
 * The verifier's abstract domain for 64-bit values: a tnum (which bits are
 * known, and their values) together with signed and unsigned bounds at 64
 * and at 32 bits (the low half), kept mutually consistent. A concrete
 * value v is "in" a scalar s when every one of the five views admits it:
 *
 *	(v & ~s.var.mask) == s.var.value
 *	s.smin <= (int64_t)v <= s.smax,   s.umin <= v <= s.umax
 *	s.s32_min <= (int32_t)v <= s.s32_max, s.u32_min <= (uint32_t)v <= s.u32_max
 *
 * Every operator here is sound: for all concrete inputs inside the
 * abstract inputs, the concrete result (with eBPF's semantics: division
 * by zero gives 0, modulo by zero keeps the dividend, shift amounts are
 * masked to the width, 32-bit operations zero-extend) lies inside the
 * abstract result. Precision follows the Linux verifier's (tnum
 * arithmetic plus interval arithmetic, then a bounds sync); never less
 * sound for it. The same scalar also describes the variable part of a
 * pointer's offset.
 *
 * tnum.c holds the tnum operators, scalar.c the bounds, ALU transfer
 * functions, branch decisions and refinement, comparison and printing.
 */
#ifndef UBEE_VERIFIER_SCALAR_H
#define UBEE_VERIFIER_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bits in mask are unknown; value holds the known bits (value & mask == 0). */
struct ubee_tnum {
	uint64_t value;
	uint64_t mask;
};

struct ubee_scalar {
	struct ubee_tnum var;
	int64_t smin, smax;
	uint64_t umin, umax;
	int32_t s32_min, s32_max;
	uint32_t u32_min, u32_max;
};

/* ---- tnums (tnum.c) ---------------------------------------------------- */

struct ubee_tnum ubee_tnum_const(uint64_t v);
struct ubee_tnum ubee_tnum_unknown(void);
/* The smallest tnum holding every value of [min, max] (unsigned). */
struct ubee_tnum ubee_tnum_range(uint64_t min, uint64_t max);
struct ubee_tnum ubee_tnum_add(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_sub(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_mul(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_and(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_or(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_xor(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_neg(struct ubee_tnum a);
/* Shifts by a known amount (0..63). */
struct ubee_tnum ubee_tnum_lsh(struct ubee_tnum a, unsigned shift);
struct ubee_tnum ubee_tnum_rsh(struct ubee_tnum a, unsigned shift);
/* Arithmetic right shift of the low insn_bitness (32 or 64) bits. */
struct ubee_tnum ubee_tnum_arsh(struct ubee_tnum a, unsigned shift,
				unsigned insn_bitness);
/* Values in both (a must be known-compatible with b; see the kernel's
 * tnum_intersect) and values in either (the join). */
struct ubee_tnum ubee_tnum_intersect(struct ubee_tnum a, struct ubee_tnum b);
struct ubee_tnum ubee_tnum_union(struct ubee_tnum a, struct ubee_tnum b);
/* Keep the low size bytes (the rest known zero). */
struct ubee_tnum ubee_tnum_cast(struct ubee_tnum a, unsigned size);
struct ubee_tnum ubee_tnum_subreg(struct ubee_tnum a);      /* low 32 */
struct ubee_tnum ubee_tnum_clear_subreg(struct ubee_tnum a);/* high 32 */
struct ubee_tnum ubee_tnum_with_subreg(struct ubee_tnum reg,
				       struct ubee_tnum subreg);
bool ubee_tnum_is_const(struct ubee_tnum a);
/* Every value of b is a value of a. */
bool ubee_tnum_in(struct ubee_tnum a, struct ubee_tnum b);
bool ubee_tnum_contains(struct ubee_tnum a, uint64_t v);
/* Kernel log form: "(0x0; 0xff)". Returns the length (snprintf). */
int ubee_tnum_print(char *buf, size_t size, struct ubee_tnum a);

/* ---- scalars (scalar.c) ------------------------------------------------ */

enum ubee_salu {
	UBEE_SALU_ADD,
	UBEE_SALU_SUB,
	UBEE_SALU_MUL,
	UBEE_SALU_DIV,   /* unsigned; x / 0 == 0 */
	UBEE_SALU_SDIV,  /* signed; x / 0 == 0, MIN / -1 == MIN */
	UBEE_SALU_MOD,   /* unsigned; x % 0 == x */
	UBEE_SALU_SMOD,  /* signed; x % 0 == x, x % -1 == 0 */
	UBEE_SALU_OR,
	UBEE_SALU_AND,
	UBEE_SALU_XOR,
	UBEE_SALU_LSH,   /* amount masked to width - 1 */
	UBEE_SALU_RSH,
	UBEE_SALU_ARSH,
	UBEE_SALU_MOV,   /* dst = src */
};

enum ubee_scond {
	UBEE_SCOND_EQ,
	UBEE_SCOND_NE,
	UBEE_SCOND_GT,   /* unsigned > */
	UBEE_SCOND_GE,
	UBEE_SCOND_LT,
	UBEE_SCOND_LE,
	UBEE_SCOND_SGT,  /* signed > */
	UBEE_SCOND_SGE,
	UBEE_SCOND_SLT,
	UBEE_SCOND_SLE,
	UBEE_SCOND_SET,  /* (a & b) != 0 */
	UBEE_SCOND_NSET, /* (a & b) == 0: JSET's false branch */
};

void ubee_scalar_const(struct ubee_scalar *s, uint64_t v);
void ubee_scalar_unknown(struct ubee_scalar *s);
/* Unknown in the low size bytes (1, 2, 4, 8), zero above: a load. */
void ubee_scalar_unknown_size(struct ubee_scalar *s, unsigned size);
/* Unknown, sign-extended from size bytes (1, 2, 4): a LDSX load. */
void ubee_scalar_unknown_sext(struct ubee_scalar *s, unsigned size);
/* Unsigned range [min, max]. */
void ubee_scalar_urange(struct ubee_scalar *s, uint64_t min, uint64_t max);
/* Signed range [min, max]. */
void ubee_scalar_srange(struct ubee_scalar *s, int64_t min, int64_t max);

/*
 * Make the five views agree: tighten each bound from the others and from
 * the tnum, and the tnum from the bounds (the kernel's reg_bounds_sync).
 * Returns false when the views admit no value at all (an impossible
 * state: the caller treats the path as dead).
 */
bool ubee_scalar_sync(struct ubee_scalar *s);

/* dst = dst op src, as the 64-bit (is32 false) or 32-bit ALU does. */
void ubee_scalar_alu(struct ubee_scalar *dst, const struct ubee_scalar *src,
		     enum ubee_salu op, bool is32);
/* dst = -dst (NEG), 64- or 32-bit. */
void ubee_scalar_neg(struct ubee_scalar *dst, bool is32);
/* MOVSX: dst = sign-extension of the low bits (8, 16, 32) of src, then
 * for is32 zero-extended from 32. */
void ubee_scalar_movsx(struct ubee_scalar *dst, const struct ubee_scalar *src,
		       unsigned bits, bool is32);
/* Zero-extend from 32 bits (what every 32-bit ALU result gets). */
void ubee_scalar_zext32(struct ubee_scalar *s);
/*
 * Byte order: END with to_be (BPF_TO_BE on this little-endian host: swap
 * the low bits, zero above), to_le (truncate to bits), or BSWAP (swap,
 * always) of width bits (16, 32, 64).
 */
enum ubee_send { UBEE_SEND_TO_LE, UBEE_SEND_TO_BE, UBEE_SEND_BSWAP };
void ubee_scalar_end(struct ubee_scalar *s, enum ubee_send kind, unsigned bits);

/*
 * Is "a c b" decided for every pair of values in a and b (compared as 64
 * bits, or as their low 32 bits when is32)? 1: always true, 0: always
 * false, -1: depends.
 */
int ubee_scalar_cond(const struct ubee_scalar *a, const struct ubee_scalar *b,
		     enum ubee_scond c, bool is32);
/* The condition of the other branch (EQ <-> NE, GT <-> LE, SET <-> NSET...). */
enum ubee_scond ubee_scond_negate(enum ubee_scond c);
/* The condition with operands swapped (GT -> LT, EQ -> EQ, ...). */
enum ubee_scond ubee_scond_swap(enum ubee_scond c);
/*
 * Narrow a and b to the values for which "a c b" holds (is32: of their
 * low 32 bits; the upper halves keep what they can). Returns false when no
 * pair satisfies it (the branch is dead).
 */
bool ubee_scalar_refine(struct ubee_scalar *a, struct ubee_scalar *b,
			enum ubee_scond c, bool is32);

bool ubee_scalar_is_const(const struct ubee_scalar *s);
/* The 32-bit subregister is a known constant. */
bool ubee_scalar_is_const32(const struct ubee_scalar *s);
bool ubee_scalar_contains(const struct ubee_scalar *s, uint64_t v);
/* Every value of cur is a value of old (state pruning: old covers cur). */
bool ubee_scalar_within(const struct ubee_scalar *old,
			const struct ubee_scalar *cur);
/* *a becomes a scalar holding the values of both (for recorded facts). */
void ubee_scalar_join(struct ubee_scalar *a, const struct ubee_scalar *b);
bool ubee_scalar_equal(const struct ubee_scalar *a, const struct ubee_scalar *b);

/*
 * The kernel's log form of a scalar's bounds, without "scalar(" and ")":
 * constants as the number ("5"; "-1"), else the non-default bounds and
 * var_off, merged as the kernel merges equal ones
 * ("smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)");
 * "" for a fully unknown scalar. Returns the length (snprintf).
 */
int ubee_scalar_print(char *buf, size_t size, const struct ubee_scalar *s);

#endif /* UBEE_VERIFIER_SCALAR_H */
