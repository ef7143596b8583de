// SPDX-License-Identifier: MIT
/*
 * Tristate numbers: a 64-bit value of which some bits are known (value)
 * and the others unknown (mask). Every operator returns a tnum holding
 * each concrete result of the operation on members of its inputs; the
 * arithmetic ones propagate carries as the Linux verifier's tnum does
 * (semantics, not code: see Documentation/bpf/verifier.rst).
 */
#include <stdio.h>

#include "verifier/scalar.h"

static struct ubee_tnum tn(uint64_t value, uint64_t mask)
{
	struct ubee_tnum t = { value & ~mask, mask };

	return t;
}

struct ubee_tnum ubee_tnum_const(uint64_t v)
{
	return tn(v, 0);
}

struct ubee_tnum ubee_tnum_unknown(void)
{
	return tn(0, ~0ull);
}

struct ubee_tnum ubee_tnum_range(uint64_t min, uint64_t max)
{
	uint64_t diff = min ^ max;
	unsigned bits;
	uint64_t low;

	if (!diff)
		return tn(min, 0);
	/* Bits above the highest differing one are common to the range. */
	bits = 64 - (unsigned)__builtin_clzll(diff);
	if (bits >= 64)
		return ubee_tnum_unknown();
	low = (1ull << bits) - 1;
	return tn(min & ~low, low);
}

/*
 * Addition: add the known parts and, separately, the largest values the
 * unknown bits can take; every bit where the two sums differ (a carry
 * may or may not reach it) and every unknown input bit is unknown.
 */
struct ubee_tnum ubee_tnum_add(struct ubee_tnum a, struct ubee_tnum b)
{
	uint64_t known = a.value + b.value;
	uint64_t most = known + a.mask + b.mask;

	return tn(known, (known ^ most) | a.mask | b.mask);
}

struct ubee_tnum ubee_tnum_sub(struct ubee_tnum a, struct ubee_tnum b)
{
	uint64_t diff = a.value - b.value;
	uint64_t hi = diff + a.mask;  /* largest a, smallest b */
	uint64_t lo = diff - b.mask;  /* smallest a, largest b */

	return tn(diff, (hi ^ lo) | a.mask | b.mask);
}

/*
 * Multiplication as a sum of shifted partial products: a known 1 bit of a
 * adds b's unknown part, an unknown bit adds anything b could be.
 */
struct ubee_tnum ubee_tnum_mul(struct ubee_tnum a, struct ubee_tnum b)
{
	uint64_t known = a.value * b.value;
	struct ubee_tnum acc = tn(0, 0);

	while (a.value | a.mask) {
		if (a.value & 1)
			acc = ubee_tnum_add(acc, tn(0, b.mask));
		else if (a.mask & 1)
			acc = ubee_tnum_add(acc, tn(0, b.value | b.mask));
		a = ubee_tnum_rsh(a, 1);
		b = ubee_tnum_lsh(b, 1);
	}
	return ubee_tnum_add(tn(known, 0), acc);
}

struct ubee_tnum ubee_tnum_and(struct ubee_tnum a, struct ubee_tnum b)
{
	uint64_t ones = a.value & b.value;
	uint64_t maybe = (a.value | a.mask) & (b.value | b.mask);

	return tn(ones, maybe & ~ones);
}

struct ubee_tnum ubee_tnum_or(struct ubee_tnum a, struct ubee_tnum b)
{
	uint64_t ones = a.value | b.value;

	return tn(ones, (a.mask | b.mask) & ~ones);
}

struct ubee_tnum ubee_tnum_xor(struct ubee_tnum a, struct ubee_tnum b)
{
	return tn(a.value ^ b.value, a.mask | b.mask);
}

struct ubee_tnum ubee_tnum_neg(struct ubee_tnum a)
{
	return ubee_tnum_sub(tn(0, 0), a);
}

struct ubee_tnum ubee_tnum_lsh(struct ubee_tnum a, unsigned shift)
{
	shift &= 63;
	return tn(a.value << shift, a.mask << shift);
}

struct ubee_tnum ubee_tnum_rsh(struct ubee_tnum a, unsigned shift)
{
	shift &= 63;
	return tn(a.value >> shift, a.mask >> shift);
}

/*
 * An unknown sign bit makes every bit it fills unknown: shifting the mask
 * arithmetically does exactly that.
 */
struct ubee_tnum ubee_tnum_arsh(struct ubee_tnum a, unsigned shift,
				unsigned insn_bitness)
{
	if (insn_bitness == 32) {
		shift &= 31;
		return tn((uint32_t)((int32_t)(uint32_t)a.value >> shift),
			  (uint32_t)((int32_t)(uint32_t)a.mask >> shift));
	}
	shift &= 63;
	return tn((uint64_t)((int64_t)a.value >> shift),
		  (uint64_t)((int64_t)a.mask >> shift));
}

struct ubee_tnum ubee_tnum_intersect(struct ubee_tnum a, struct ubee_tnum b)
{
	uint64_t mask = a.mask & b.mask;

	return tn((a.value | b.value) & ~mask, mask);
}

struct ubee_tnum ubee_tnum_union(struct ubee_tnum a, struct ubee_tnum b)
{
	return tn(a.value & b.value,
		  a.mask | b.mask | (a.value ^ b.value));
}

struct ubee_tnum ubee_tnum_cast(struct ubee_tnum a, unsigned size)
{
	uint64_t keep;

	if (size >= 8)
		return a;
	keep = (1ull << (size * 8)) - 1;
	return tn(a.value & keep, a.mask & keep);
}

struct ubee_tnum ubee_tnum_subreg(struct ubee_tnum a)
{
	return ubee_tnum_cast(a, 4);
}

struct ubee_tnum ubee_tnum_clear_subreg(struct ubee_tnum a)
{
	return tn(a.value & ~0xffffffffull, a.mask & ~0xffffffffull);
}

struct ubee_tnum ubee_tnum_with_subreg(struct ubee_tnum reg,
				       struct ubee_tnum subreg)
{
	return ubee_tnum_or(ubee_tnum_clear_subreg(reg),
			    ubee_tnum_subreg(subreg));
}

bool ubee_tnum_is_const(struct ubee_tnum a)
{
	return !a.mask;
}

bool ubee_tnum_in(struct ubee_tnum a, struct ubee_tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	return a.value == (b.value & ~a.mask);
}

bool ubee_tnum_contains(struct ubee_tnum a, uint64_t v)
{
	return (v & ~a.mask) == a.value;
}

/* A known value prints as the number, as the kernel's log does. */
int ubee_tnum_print(char *buf, size_t size, struct ubee_tnum a)
{
	if (!a.mask)
		return snprintf(buf, size, a.value <= 0xffff ? "%llu" : "0x%llx",
				(unsigned long long)a.value);
	return snprintf(buf, size, "(0x%llx; 0x%llx)",
			(unsigned long long)a.value,
			(unsigned long long)a.mask);
}
