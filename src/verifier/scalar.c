// SPDX-License-Identifier: MIT
/*
 * Scalars: a tnum plus signed and unsigned bounds at 64 and 32 bits (see
 * scalar.h for the meaning and the soundness contract).
 *
 * Each ALU operation works on a "view" of one width (struct rng: the
 * unsigned and signed intervals of the 64-bit value, or of its low 32
 * bits) and on the tnum, computing exact interval bounds in 128-bit
 * arithmetic and wrapping them back to the width when the wrapped set is
 * still one interval. A 64-bit operation whose low half depends only on
 * the operands' low halves (add, sub, mul, and, or, xor, short left
 * shifts) also computes the 32-bit view; a 32-bit operation zero-extends.
 * ubee_scalar_sync then lets the five views tighten each other until they
 * agree, which is also where an impossible state shows up as an empty
 * interval.
 */
#include <stdarg.h>
#include <stdio.h>

#include "verifier/scalar.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

#define HI32 0xffffffff00000000ull

/* The intervals of one width: w = 64 (the value) or 32 (its low half). */
struct rng {
	uint64_t umin, umax;
	int64_t smin, smax;
};

static uint64_t umax_w(unsigned w)
{
	return w == 64 ? UINT64_MAX : UINT32_MAX;
}

static int64_t smin_w(unsigned w)
{
	return w == 64 ? INT64_MIN : INT32_MIN;
}

static int64_t smax_w(unsigned w)
{
	return w == 64 ? INT64_MAX : INT32_MAX;
}

/* The low w bits of x, as unsigned and as signed. */
static uint64_t trunc_u(i128 x, unsigned w)
{
	return (uint64_t)x & umax_w(w);
}

static int64_t trunc_s(i128 x, unsigned w)
{
	return w == 64 ? (int64_t)(uint64_t)x : (int32_t)(uint32_t)x;
}

static uint64_t umax2(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t umin2(uint64_t a, uint64_t b) { return a < b ? a : b; }
static int64_t smax2(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t smin2(int64_t a, int64_t b) { return a < b ? a : b; }

static void rng_full_u(struct rng *r, unsigned w)
{
	r->umin = 0;
	r->umax = umax_w(w);
}

static void rng_full_s(struct rng *r, unsigned w)
{
	r->smin = smin_w(w);
	r->smax = smax_w(w);
}

/*
 * The exact results lie in [lo, hi]; after wrapping to w bits they stay
 * one unsigned (set_u) or signed (set_s) interval unless the range spans
 * 2^w values or crosses the wrap point.
 */
static void set_u(struct rng *r, i128 lo, i128 hi, unsigned w)
{
	uint64_t l = trunc_u(lo, w), h = trunc_u(hi, w);

	if (hi - lo > (i128)umax_w(w) || l > h) {
		rng_full_u(r, w);
		return;
	}
	r->umin = l;
	r->umax = h;
}

static void set_s(struct rng *r, i128 lo, i128 hi, unsigned w)
{
	int64_t l = trunc_s(lo, w), h = trunc_s(hi, w);

	if (hi - lo > (i128)umax_w(w) || l > h) {
		rng_full_s(r, w);
		return;
	}
	r->smin = l;
	r->smax = h;
}

static struct rng view(const struct ubee_scalar *s, unsigned w)
{
	struct rng r;

	if (w == 64) {
		r.umin = s->umin;
		r.umax = s->umax;
		r.smin = s->smin;
		r.smax = s->smax;
	} else {
		r.umin = s->u32_min;
		r.umax = s->u32_max;
		r.smin = s->s32_min;
		r.smax = s->s32_max;
	}
	return r;
}

static void set_view(struct ubee_scalar *s, const struct rng *r, unsigned w)
{
	if (w == 64) {
		s->umin = r->umin;
		s->umax = r->umax;
		s->smin = r->smin;
		s->smax = r->smax;
	} else {
		s->u32_min = (uint32_t)r->umin;
		s->u32_max = (uint32_t)r->umax;
		s->s32_min = (int32_t)r->smin;
		s->s32_max = (int32_t)r->smax;
	}
}

static struct ubee_tnum tnum_w(struct ubee_tnum t, unsigned w)
{
	return w == 64 ? t : ubee_tnum_subreg(t);
}

/* ---- construction ------------------------------------------------------- */

void ubee_scalar_const(struct ubee_scalar *s, uint64_t v)
{
	s->var = ubee_tnum_const(v);
	s->umin = s->umax = v;
	s->smin = s->smax = (int64_t)v;
	s->u32_min = s->u32_max = (uint32_t)v;
	s->s32_min = s->s32_max = (int32_t)(uint32_t)v;
}

void ubee_scalar_unknown(struct ubee_scalar *s)
{
	s->var = ubee_tnum_unknown();
	s->umin = 0;
	s->umax = UINT64_MAX;
	s->smin = INT64_MIN;
	s->smax = INT64_MAX;
	s->u32_min = 0;
	s->u32_max = UINT32_MAX;
	s->s32_min = INT32_MIN;
	s->s32_max = INT32_MAX;
}

void ubee_scalar_unknown_size(struct ubee_scalar *s, unsigned size)
{
	ubee_scalar_unknown(s);
	if (size >= 8)
		return;
	s->var = ubee_tnum_cast(s->var, size);
	s->umax = s->var.mask;
	s->smin = 0;
	s->smax = (int64_t)s->var.mask;
	ubee_scalar_sync(s);
}

void ubee_scalar_unknown_sext(struct ubee_scalar *s, unsigned size)
{
	ubee_scalar_unknown(s);
	if (size >= 8)
		return;
	s->smin = -((int64_t)1 << (size * 8 - 1));
	s->smax = ((int64_t)1 << (size * 8 - 1)) - 1;
	ubee_scalar_sync(s);
}

void ubee_scalar_urange(struct ubee_scalar *s, uint64_t min, uint64_t max)
{
	ubee_scalar_unknown(s);
	s->umin = min;
	s->umax = max;
	ubee_scalar_sync(s);
}

void ubee_scalar_srange(struct ubee_scalar *s, int64_t min, int64_t max)
{
	ubee_scalar_unknown(s);
	s->smin = min;
	s->smax = max;
	ubee_scalar_sync(s);
}

/* ---- sync ---------------------------------------------------------------- */

/*
 * Intersect the unsigned and the signed interval of one width exactly:
 * the signed one is one or two unsigned pieces ([0, smax] and [smin, max]
 * when it holds both signs); each piece lies in one half, so the pieces
 * left after intersecting give both new intervals. False when empty.
 */
static bool meet(struct rng *r, unsigned w)
{
	uint64_t m = umax_w(w);
	uint64_t lo[2], hi[2];
	int n = 0, i;

	if (r->smin >= 0 || r->smax < 0) {
		lo[n] = (uint64_t)r->smin & m;
		hi[n++] = (uint64_t)r->smax & m;
	} else {
		lo[n] = 0;
		hi[n++] = (uint64_t)r->smax;
		lo[n] = (uint64_t)r->smin & m;
		hi[n++] = m;
	}
	for (i = 0; i < n; i++) {
		lo[i] = umax2(lo[i], r->umin);
		hi[i] = umin2(hi[i], r->umax);
	}
	if (n == 2 && lo[1] > hi[1])
		n = 1;
	if (lo[0] > hi[0]) {
		if (n == 1)
			return false;
		lo[0] = lo[1];
		hi[0] = hi[1];
		n = 1;
	}
	r->umin = lo[0];
	r->umax = hi[n - 1];
	r->smin = trunc_s(lo[0], w);
	r->smax = trunc_s(hi[0], w);
	if (n == 2) {
		/* lower piece non-negative, upper piece negative */
		r->smin = trunc_s(lo[1], w);
		r->smax = trunc_s(hi[0], w);
	}
	return true;
}

/* Bounds implied by the tnum's known bits, at width w. */
static void rng_from_tnum(struct rng *r, struct ubee_tnum t, unsigned w)
{
	uint64_t sign = 1ull << (w - 1);
	uint64_t m = umax_w(w);

	t = tnum_w(t, w);
	r->umin = umax2(r->umin, t.value);
	r->umax = umin2(r->umax, (t.value | t.mask) & m);
	r->smin = smax2(r->smin, trunc_s(t.value | (t.mask & sign), w));
	r->smax = smin2(r->smax, trunc_s(t.value | (t.mask & ~sign & m), w));
}

/*
 * The low halves of the values of a 64-bit interval [lo, hi] (unsigned
 * when is_signed is false): one interval when the high halves agree; as
 * signed 32-bit also when they differ by one and the low halves go from
 * negative to non-negative across the carry.
 */
static void lo32_from(struct rng *r32, uint64_t lo, uint64_t hi, bool is_signed)
{
	int64_t hlo = is_signed ? (int64_t)lo >> 32 : (int64_t)(lo >> 32);
	int64_t hhi = is_signed ? (int64_t)hi >> 32 : (int64_t)(hi >> 32);

	if (hlo == hhi) {
		r32->umin = umax2(r32->umin, (uint32_t)lo);
		r32->umax = umin2(r32->umax, (uint32_t)hi);
		if ((int32_t)(uint32_t)lo <= (int32_t)(uint32_t)hi) {
			r32->smin = smax2(r32->smin, (int32_t)(uint32_t)lo);
			r32->smax = smin2(r32->smax, (int32_t)(uint32_t)hi);
		}
	} else if (hlo + 1 == hhi && (int32_t)(uint32_t)lo < 0 &&
		   (int32_t)(uint32_t)hi >= 0) {
		r32->smin = smax2(r32->smin, (int32_t)(uint32_t)lo);
		r32->smax = smin2(r32->smax, (int32_t)(uint32_t)hi);
	}
}

/*
 * Move a 64-bit lower bound up (and an upper bound down) to the nearest
 * value whose low half is in [l32, h32]. block_of gives the multiple of
 * 2^32 at or below a value (arithmetically, for the signed bounds).
 * False when no such value exists in range.
 */
static bool raise_lo(uint64_t *v, uint32_t l32, uint32_t h32, uint64_t last)
{
	uint64_t block = *v & HI32;
	uint32_t low = (uint32_t)*v;

	if (low < l32) {
		*v = block | l32;
	} else if (low > h32) {
		if (block == last)
			return false;
		*v = (block + (1ull << 32)) | l32;
	}
	return true;
}

static bool lower_hi(uint64_t *v, uint32_t l32, uint32_t h32, uint64_t first)
{
	uint64_t block = *v & HI32;
	uint32_t low = (uint32_t)*v;

	if (low > h32) {
		*v = block | h32;
	} else if (low < l32) {
		if (block == first)
			return false;
		*v = (block - (1ull << 32)) | h32;
	}
	return true;
}

static bool tnum_meet(struct ubee_tnum *t, struct ubee_tnum o)
{
	if ((t->value ^ o.value) & ~(t->mask | o.mask))
		return false;
	*t = ubee_tnum_intersect(*t, o);
	return true;
}

static bool sync_once(struct ubee_scalar *s)
{
	struct rng r64 = view(s, 64), r32 = view(s, 32);
	uint64_t smin, smax;
	struct ubee_tnum t32;

	rng_from_tnum(&r64, s->var, 64);
	rng_from_tnum(&r32, s->var, 32);
	if (!meet(&r32, 32) || !meet(&r64, 64))
		return false;

	/* 32 from 64 */
	lo32_from(&r32, r64.umin, r64.umax, false);
	lo32_from(&r32, (uint64_t)r64.smin, (uint64_t)r64.smax, true);
	if (!meet(&r32, 32))
		return false;

	/* 64 from 32: each bound moves to a value with an admitted low half */
	if (!raise_lo(&r64.umin, (uint32_t)r32.umin, (uint32_t)r32.umax, HI32) ||
	    !lower_hi(&r64.umax, (uint32_t)r32.umin, (uint32_t)r32.umax, 0))
		return false;
	smin = (uint64_t)r64.smin;
	smax = (uint64_t)r64.smax;
	if (!raise_lo(&smin, (uint32_t)r32.umin, (uint32_t)r32.umax,
		      0x7fffffff00000000ull) ||
	    !lower_hi(&smax, (uint32_t)r32.umin, (uint32_t)r32.umax,
		      0x8000000000000000ull))
		return false;
	r64.smin = (int64_t)smin;
	r64.smax = (int64_t)smax;
	/* a 64-bit value within the s32 range is its own low half */
	if (r64.smin >= INT32_MIN && r64.smax <= INT32_MAX) {
		r64.smin = smax2(r64.smin, r32.smin);
		r64.smax = smin2(r64.smax, r32.smax);
	}
	if (r64.umin > r64.umax || r64.smin > r64.smax || !meet(&r64, 64))
		return false;

	/* tnum from the bounds */
	if (!tnum_meet(&s->var, ubee_tnum_range(r64.umin, r64.umax)))
		return false;
	t32 = ubee_tnum_subreg(s->var);
	if (!tnum_meet(&t32, ubee_tnum_range(r32.umin, r32.umax)))
		return false;
	s->var = ubee_tnum_with_subreg(s->var, t32);

	rng_from_tnum(&r64, s->var, 64);
	rng_from_tnum(&r32, s->var, 32);
	if (r64.umin > r64.umax || r64.smin > r64.smax ||
	    r32.umin > r32.umax || r32.smin > r32.smax)
		return false;
	set_view(s, &r64, 64);
	set_view(s, &r32, 32);
	return true;
}

bool ubee_scalar_sync(struct ubee_scalar *s)
{
	int i;

	if (s->umin > s->umax || s->smin > s->smax ||
	    s->u32_min > s->u32_max || s->s32_min > s->s32_max)
		return false;
	for (i = 0; i < 4; i++) {
		struct ubee_scalar old = *s;

		if (!sync_once(s))
			return false;
		if (ubee_scalar_equal(&old, s))
			break;
	}
	return true;
}

/* ---- ALU ----------------------------------------------------------------- */

/* The shift amounts (b masked to w - 1) as an interval. */
static void shift_range(struct rng b, struct ubee_tnum tb, unsigned w,
			unsigned *lo, unsigned *hi)
{
	struct ubee_tnum t;

	if (b.umax < w) {
		*lo = (unsigned)b.umin;
		*hi = (unsigned)b.umax;
		return;
	}
	t = ubee_tnum_and(tb, ubee_tnum_const(w - 1));
	*lo = (unsigned)t.value;
	*hi = (unsigned)(t.value | t.mask);
}

/* The tnum of a shift by any amount in [lo, hi]. */
static struct ubee_tnum tnum_shift(struct ubee_tnum a, enum ubee_salu op,
				   unsigned lo, unsigned hi, unsigned w)
{
	struct ubee_tnum r = { 0, 0 }, t;
	unsigned s;

	for (s = lo; s <= hi; s++) {
		if (op == UBEE_SALU_LSH)
			t = ubee_tnum_lsh(a, s);
		else if (op == UBEE_SALU_RSH)
			t = ubee_tnum_rsh(a, s);
		else
			t = ubee_tnum_arsh(a, s, w);
		r = s == lo ? t : ubee_tnum_union(r, t);
	}
	return tnum_w(r, w);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* The tnum of a op b at width w (a, b already cut to w). */
static struct ubee_tnum tnum_op(struct ubee_tnum a, struct ubee_tnum b,
				enum ubee_salu op, unsigned w, unsigned lo,
				unsigned hi)
{
	switch (op) {
	case UBEE_SALU_ADD:
		return tnum_w(ubee_tnum_add(a, b), w);
	case UBEE_SALU_SUB:
		return tnum_w(ubee_tnum_sub(a, b), w);
	case UBEE_SALU_MUL:
		return tnum_w(ubee_tnum_mul(a, b), w);
	case UBEE_SALU_AND:
		return ubee_tnum_and(a, b);
	case UBEE_SALU_OR:
		return ubee_tnum_or(a, b);
	case UBEE_SALU_XOR:
		return ubee_tnum_xor(a, b);
	case UBEE_SALU_LSH:
	case UBEE_SALU_RSH:
	case UBEE_SALU_ARSH:
		return tnum_shift(a, op, lo, hi, w);
	case UBEE_SALU_MOD:
		if (!b.mask && is_pow2(b.value))
			return ubee_tnum_and(a, ubee_tnum_const(b.value - 1));
		break;
	default:
		break;
	}
	return tnum_w(ubee_tnum_unknown(), w);
}

static void rng_add_sub(struct rng *r, const struct rng *a, const struct rng *b,
			bool sub, unsigned w)
{
	if (sub) {
		set_u(r, (i128)a->umin - b->umax, (i128)a->umax - b->umin, w);
		set_s(r, (i128)a->smin - b->smax, (i128)a->smax - b->smin, w);
	} else {
		set_u(r, (i128)a->umin + b->umin, (i128)a->umax + b->umax, w);
		set_s(r, (i128)a->smin + b->smin, (i128)a->smax + b->smax, w);
	}
}

static void rng_mul(struct rng *r, const struct rng *a, const struct rng *b,
		    unsigned w)
{
	u128 ulo = (u128)a->umin * b->umin, uhi = (u128)a->umax * b->umax;
	i128 c[4] = {
		(i128)a->smin * b->smin, (i128)a->smin * b->smax,
		(i128)a->smax * b->smin, (i128)a->smax * b->smax,
	};
	i128 lo = c[0], hi = c[0];
	int i;

	if (uhi <= (u128)umax_w(w)) {
		r->umin = (uint64_t)ulo;
		r->umax = (uint64_t)uhi;
	}
	for (i = 1; i < 4; i++) {
		lo = c[i] < lo ? c[i] : lo;
		hi = c[i] > hi ? c[i] : hi;
	}
	set_s(r, lo, hi, w);
}

/* Signed results in [lo, hi] that are all non-negative give the unsigned
 * interval too. */
static void u_from_s(struct rng *r, unsigned w)
{
	if (r->smin >= 0) {
		r->umin = (uint64_t)r->smin;
		r->umax = (uint64_t)r->smax;
	} else {
		rng_full_u(r, w);
	}
}

static void s_from_u(struct rng *r, unsigned w)
{
	if (r->umax <= (uint64_t)smax_w(w)) {
		r->smin = (int64_t)r->umin;
		r->smax = (int64_t)r->umax;
	} else {
		rng_full_s(r, w);
	}
}

static void widen(i128 *lo, i128 *hi, i128 a, i128 b, bool *any)
{
	if (!*any || a < *lo)
		*lo = a;
	if (!*any || b > *hi)
		*hi = b;
	*any = true;
}

/* Signed division over the divisors [y1, y2] of one sign: the corners. */
static void sdiv_part(i128 *lo, i128 *hi, bool *any, const struct rng *a,
		      int64_t y1, int64_t y2)
{
	i128 c[4] = {
		(i128)a->smin / y1, (i128)a->smin / y2,
		(i128)a->smax / y1, (i128)a->smax / y2,
	};
	i128 l = c[0], h = c[0];
	int i;

	for (i = 1; i < 4; i++) {
		l = c[i] < l ? c[i] : l;
		h = c[i] > h ? c[i] : h;
	}
	widen(lo, hi, l, h, any);
}

static void rng_sdiv(struct rng *r, const struct rng *a, const struct rng *b,
		     unsigned w)
{
	i128 lo = 0, hi = 0;
	bool any = false;

	if (b->smin <= 0 && b->smax >= 0)
		widen(&lo, &hi, 0, 0, &any);
	if (b->smin < 0)
		sdiv_part(&lo, &hi, &any, a, b->smin, smin2(b->smax, -1));
	if (b->smax > 0)
		sdiv_part(&lo, &hi, &any, a, smax2(b->smin, 1), b->smax);
	set_s(r, lo, hi, w);
	u_from_s(r, w);
}

/* Returns true when the result is exactly the dividend. */
static bool rng_smod(struct rng *r, const struct rng *a, const struct rng *b,
		     unsigned w)
{
	i128 lo = 0, hi = 0, big, small;
	bool any = false;

	if (b->smin == 0 && b->smax == 0)
		return true;
	if (b->smin == b->smax && b->smin != -1 &&
	    (i128)a->smin / b->smin == (i128)a->smax / b->smin) {
		/* one quotient: the remainder grows with the dividend */
		r->smin = a->smin % b->smin;
		r->smax = a->smax % b->smin;
		u_from_s(r, w);
		return false;
	}
	if (b->smin <= 0 && b->smax >= 0)
		widen(&lo, &hi, a->smin, a->smax, &any);
	/* |y| over the non-zero divisors: largest and smallest */
	big = b->smin < 0 ? -(i128)b->smin : 0;
	if (b->smax > big)
		big = b->smax;
	if (b->smin > 0)
		small = b->smin;
	else if (b->smax < 0)
		small = -(i128)b->smax;
	else
		small = 1;
	if (a->smin > -small && a->smax < small) {
		if (!any)
			return true;
		widen(&lo, &hi, a->smin, a->smax, &any);
	} else {
		i128 l = a->smin >= 0 ? 0 : (a->smin > -(big - 1) ? a->smin : -(big - 1));
		i128 h = a->smax <= 0 ? 0 : (a->smax < big - 1 ? a->smax : big - 1);

		widen(&lo, &hi, l, h, &any);
	}
	set_s(r, lo, hi, w);
	u_from_s(r, w);
	return false;
}

/*
 * The intervals of a op b at width w; tr is the result's tnum and
 * [lo, hi] the shift amounts. Returns true when the result is exactly a
 * (modulo by zero or by more than a), which the caller copies whole.
 */
static bool rng_op(struct rng *r, const struct rng *a, const struct rng *b,
		   struct ubee_tnum tr, enum ubee_salu op, unsigned w,
		   unsigned lo, unsigned hi)
{
	uint64_t m = umax_w(w);

	rng_full_u(r, w);
	rng_full_s(r, w);
	switch (op) {
	case UBEE_SALU_ADD:
	case UBEE_SALU_SUB:
		rng_add_sub(r, a, b, op == UBEE_SALU_SUB, w);
		break;
	case UBEE_SALU_MUL:
		rng_mul(r, a, b, w);
		break;
	case UBEE_SALU_DIV:
		if (!b->umax) {
			r->umin = r->umax = 0;
		} else {
			r->umin = b->umin ? a->umin / b->umax : 0;
			r->umax = a->umax / umax2(b->umin, 1);
		}
		s_from_u(r, w);
		break;
	case UBEE_SALU_SDIV:
		rng_sdiv(r, a, b, w);
		break;
	case UBEE_SALU_MOD:
		if (!b->umax || b->umin > a->umax)
			return true;
		if (b->umin == b->umax && a->umin / b->umin == a->umax / b->umin) {
			/* one quotient: the remainder grows with the dividend */
			r->umin = a->umin % b->umin;
			r->umax = a->umax % b->umin;
			s_from_u(r, w);
			break;
		}
		r->umin = 0;
		r->umax = b->umin ? umin2(a->umax, b->umax - 1) : a->umax;
		s_from_u(r, w);
		break;
	case UBEE_SALU_SMOD:
		return rng_smod(r, a, b, w);
	case UBEE_SALU_AND:
		r->umin = tr.value;
		r->umax = umin2(umin2(a->umax, b->umax), tr.value | tr.mask);
		if (a->smin >= 0 || b->smin >= 0) {
			r->smin = 0;
			r->smax = smin2(a->smin >= 0 ? a->smax : smax_w(w),
					b->smin >= 0 ? b->smax : smax_w(w));
		} else if (a->smax < 0 && b->smax < 0) {
			r->smax = smin2(a->smax, b->smax);
		}
		break;
	case UBEE_SALU_OR:
		r->umin = umax2(umax2(a->umin, b->umin), tr.value);
		r->umax = (tr.value | tr.mask) & m;
		if (a->smin >= 0 && b->smin >= 0) {
			r->smin = smax2(a->smin, b->smin);
		} else if (a->smax < 0 || b->smax < 0) {
			r->smin = smax2(a->smax < 0 ? a->smin : smin_w(w),
					b->smax < 0 ? b->smin : smin_w(w));
			r->smax = -1;
		}
		break;
	case UBEE_SALU_XOR:
		r->umin = tr.value;
		r->umax = (tr.value | tr.mask) & m;
		if ((a->smin >= 0 && b->smin >= 0) || (a->smax < 0 && b->smax < 0))
			r->smin = 0;
		else if ((a->smin >= 0 && b->smax < 0) || (a->smax < 0 && b->smin >= 0))
			r->smax = -1;
		break;
	case UBEE_SALU_LSH: {
		i128 c[4] = {
			(i128)a->smin * ((i128)1 << lo), (i128)a->smin * ((i128)1 << hi),
			(i128)a->smax * ((i128)1 << lo), (i128)a->smax * ((i128)1 << hi),
		};
		i128 l, h;
		int i;

		if (hi < w && a->umax <= (m >> hi)) {
			r->umin = a->umin << lo;
			r->umax = a->umax << hi;
		}
		l = h = c[0];
		for (i = 1; i < 4; i++) {
			l = c[i] < l ? c[i] : l;
			h = c[i] > h ? c[i] : h;
		}
		set_s(r, l, h, w);
		break;
	}
	case UBEE_SALU_RSH:
		r->umin = a->umin >> hi;
		r->umax = a->umax >> lo;
		if (lo)
			s_from_u(r, w);
		else if (!hi)
			*r = *a;
		break;
	case UBEE_SALU_ARSH:
		r->smin = a->smin >> (a->smin < 0 ? lo : hi);
		r->smax = a->smax >> (a->smax < 0 ? hi : lo);
		break;
	case UBEE_SALU_MOV:
		*r = *b;
		break;
	}
	return false;
}

void ubee_scalar_zext32(struct ubee_scalar *s)
{
	s->var = ubee_tnum_subreg(s->var);
	s->umin = s->u32_min;
	s->umax = s->u32_max;
	s->smin = s->u32_min;
	s->smax = s->u32_max;
	if (!ubee_scalar_sync(s))
		ubee_scalar_unknown_size(s, 4);
}

static bool low_depends_on_low(enum ubee_salu op)
{
	return op == UBEE_SALU_ADD || op == UBEE_SALU_SUB ||
	       op == UBEE_SALU_MUL || op == UBEE_SALU_AND ||
	       op == UBEE_SALU_OR || op == UBEE_SALU_XOR;
}

/*
 * A 64-bit left shift by 32 or more keeps only bits of the low half:
 * bound the result from the 32-bit views (x << 32 is (s32)x * 2^32).
 */
static void lsh_from_low(struct ubee_scalar *r, const struct ubee_scalar *a,
			 unsigned lo, unsigned hi)
{
	if (hi < 64 && (uint64_t)a->u32_max <= (UINT64_MAX >> hi)) {
		r->umin = umax2(r->umin, (uint64_t)a->u32_min << lo);
		r->umax = umin2(r->umax, (uint64_t)a->u32_max << hi);
	}
	if (lo == 32 && hi == 32) {
		r->smin = smax2(r->smin, (int64_t)a->s32_min * ((int64_t)1 << 32));
		r->smax = smin2(r->smax, (int64_t)a->s32_max * ((int64_t)1 << 32));
	}
}

void ubee_scalar_alu(struct ubee_scalar *dst, const struct ubee_scalar *src,
		     enum ubee_salu op, bool is32)
{
	struct ubee_scalar a = *dst, b = *src, r;
	unsigned w = is32 ? 32 : 64, lo = 0, hi = 0;
	struct ubee_tnum ta = tnum_w(a.var, w), tb = tnum_w(b.var, w), tr;
	struct rng ra = view(&a, w), rb = view(&b, w), rr, r32;

	if (op == UBEE_SALU_MOV) {
		*dst = b;
		if (is32)
			ubee_scalar_zext32(dst);
		return;
	}
	if (op == UBEE_SALU_LSH || op == UBEE_SALU_RSH || op == UBEE_SALU_ARSH)
		shift_range(rb, tb, w, &lo, &hi);
	tr = tnum_op(ta, tb, op, w, lo, hi);
	if (rng_op(&rr, &ra, &rb, tr, op, w, lo, hi)) {
		/* the result is the dividend, at this width */
		r = a;
		if (is32)
			ubee_scalar_zext32(&r);
		*dst = r;
		return;
	}
	ubee_scalar_unknown(&r);
	r.var = tr;
	if (is32) {
		set_view(&r, &rr, 32);
		r.umin = rr.umin;
		r.umax = rr.umax;
		r.smin = (int64_t)rr.umin;
		r.smax = (int64_t)rr.umax;
	} else {
		set_view(&r, &rr, 64);
		if (low_depends_on_low(op) || (op == UBEE_SALU_LSH && hi < 32)) {
			struct rng a32 = view(&a, 32), b32 = view(&b, 32);

			rng_op(&r32, &a32, &b32, ubee_tnum_subreg(tr), op, 32,
			       lo, hi);
			set_view(&r, &r32, 32);
		}
		if (op == UBEE_SALU_LSH && lo >= 32)
			lsh_from_low(&r, &a, lo, hi);
	}
	if (!ubee_scalar_sync(&r)) {
		/* only reachable from inconsistent inputs: stay sound */
		ubee_scalar_unknown(&r);
		if (is32)
			ubee_scalar_zext32(&r);
	}
	*dst = r;
}

void ubee_scalar_neg(struct ubee_scalar *dst, bool is32)
{
	struct ubee_scalar zero;

	ubee_scalar_const(&zero, 0);
	ubee_scalar_alu(&zero, dst, UBEE_SALU_SUB, is32);
	*dst = zero;
}

/* Signed values of sext_bits(x) for x's low bits in [lo, hi] (unsigned). */
static void sext_of(struct rng *r, uint64_t lo, uint64_t hi, unsigned bits)
{
	uint64_t half = 1ull << (bits - 1);
	int64_t l, h;

	if (hi < half) {
		l = (int64_t)lo;
		h = (int64_t)hi;
	} else if (lo >= half) {
		l = (int64_t)lo - (int64_t)(half << 1);
		h = (int64_t)hi - (int64_t)(half << 1);
	} else {
		l = -(int64_t)half;
		h = (int64_t)half - 1;
	}
	r->smin = smax2(r->smin, l);
	r->smax = smin2(r->smax, h);
}

/* x's low bits, from an interval [lo, hi] of x at some width (values
 * taken as integers: a signed interval passed as two's complement). */
static void sext_from(struct rng *r, uint64_t lo, uint64_t hi, bool is_signed,
		      unsigned bits)
{
	uint64_t m = (1ull << bits) - 1;
	bool same = is_signed ? ((int64_t)lo >> bits) == ((int64_t)hi >> bits)
			      : (lo >> bits) == (hi >> bits);

	if (same)
		sext_of(r, lo & m, hi & m, bits);
	/* values already in the sign-extended range are their own image */
	if (is_signed && (int64_t)lo >= -(int64_t)(m / 2 + 1) &&
	    (int64_t)hi <= (int64_t)(m / 2)) {
		r->smin = smax2(r->smin, (int64_t)lo);
		r->smax = smin2(r->smax, (int64_t)hi);
	}
}

void ubee_scalar_movsx(struct ubee_scalar *dst, const struct ubee_scalar *src,
		       unsigned bits, bool is32)
{
	struct ubee_scalar r;
	struct rng sr;
	struct ubee_tnum t;
	uint64_t sign, high;

	if (bits >= 64) {
		*dst = *src;
		if (is32)
			ubee_scalar_zext32(dst);
		return;
	}
	sign = 1ull << (bits - 1);
	high = ~((sign << 1) - 1);
	t = ubee_tnum_cast(src->var, bits / 8);
	if (t.mask & sign)
		t.mask |= high;
	else if (t.value & sign)
		t.value |= high;

	rng_full_s(&sr, 64);
	sext_of(&sr, 0, (sign << 1) - 1, bits);
	sext_from(&sr, src->umin, src->umax, false, bits);
	sext_from(&sr, (uint64_t)src->smin, (uint64_t)src->smax, true, bits);
	if (bits < 32) {
		sext_from(&sr, src->u32_min, src->u32_max, false, bits);
		sext_from(&sr, (uint64_t)(int64_t)src->s32_min,
			  (uint64_t)(int64_t)src->s32_max, true, bits);
	} else {
		sr.smin = smax2(sr.smin, src->s32_min);
		sr.smax = smin2(sr.smax, src->s32_max);
	}
	ubee_scalar_unknown(&r);
	r.var = t;
	r.smin = sr.smin;
	r.smax = sr.smax;
	if (!ubee_scalar_sync(&r)) {
		ubee_scalar_unknown(&r);
		r.var = t;
		ubee_scalar_sync(&r);
	}
	if (is32)
		ubee_scalar_zext32(&r);
	*dst = r;
}

static uint64_t bswap_bits(uint64_t v, unsigned bits)
{
	if (bits == 16)
		return __builtin_bswap16((uint16_t)v);
	if (bits == 32)
		return __builtin_bswap32((uint32_t)v);
	return __builtin_bswap64(v);
}

void ubee_scalar_end(struct ubee_scalar *s, enum ubee_send kind, unsigned bits)
{
	struct ubee_scalar r;
	struct ubee_tnum t = ubee_tnum_cast(s->var, bits / 8);

	if (kind == UBEE_SEND_TO_LE) {
		if (bits >= 64)
			return;
		ubee_scalar_unknown(&r);
		r.var = t;
		/* truncation keeps the interval when no value loses bits */
		if (s->umax >> bits == 0) {
			r.umin = s->umin;
			r.umax = s->umax;
		}
	} else {
		ubee_scalar_unknown(&r);
		r.var.value = bswap_bits(t.value, bits);
		r.var.mask = bswap_bits(t.mask, bits);
	}
	if (!ubee_scalar_sync(&r))
		ubee_scalar_unknown_size(&r, bits / 8);
	*s = r;
}

/* ---- branches ------------------------------------------------------------ */

enum ubee_scond ubee_scond_negate(enum ubee_scond c)
{
	static const enum ubee_scond neg[] = {
		[UBEE_SCOND_EQ] = UBEE_SCOND_NE,   [UBEE_SCOND_NE] = UBEE_SCOND_EQ,
		[UBEE_SCOND_GT] = UBEE_SCOND_LE,   [UBEE_SCOND_GE] = UBEE_SCOND_LT,
		[UBEE_SCOND_LT] = UBEE_SCOND_GE,   [UBEE_SCOND_LE] = UBEE_SCOND_GT,
		[UBEE_SCOND_SGT] = UBEE_SCOND_SLE, [UBEE_SCOND_SGE] = UBEE_SCOND_SLT,
		[UBEE_SCOND_SLT] = UBEE_SCOND_SGE, [UBEE_SCOND_SLE] = UBEE_SCOND_SGT,
		[UBEE_SCOND_SET] = UBEE_SCOND_NSET, [UBEE_SCOND_NSET] = UBEE_SCOND_SET,
	};

	return neg[c];
}

enum ubee_scond ubee_scond_swap(enum ubee_scond c)
{
	static const enum ubee_scond swp[] = {
		[UBEE_SCOND_EQ] = UBEE_SCOND_EQ,   [UBEE_SCOND_NE] = UBEE_SCOND_NE,
		[UBEE_SCOND_GT] = UBEE_SCOND_LT,   [UBEE_SCOND_GE] = UBEE_SCOND_LE,
		[UBEE_SCOND_LT] = UBEE_SCOND_GT,   [UBEE_SCOND_LE] = UBEE_SCOND_GE,
		[UBEE_SCOND_SGT] = UBEE_SCOND_SLT, [UBEE_SCOND_SGE] = UBEE_SCOND_SLE,
		[UBEE_SCOND_SLT] = UBEE_SCOND_SGT, [UBEE_SCOND_SLE] = UBEE_SCOND_SGE,
		[UBEE_SCOND_SET] = UBEE_SCOND_SET, [UBEE_SCOND_NSET] = UBEE_SCOND_NSET,
	};

	return swp[c];
}

/* a > b (strict) or a >= b, unsigned or signed, for all members. */
static int cond_gt(const struct rng *a, const struct rng *b, bool strict,
		   bool is_signed)
{
	if (is_signed) {
		if (strict ? a->smin > b->smax : a->smin >= b->smax)
			return 1;
		if (strict ? a->smax <= b->smin : a->smax < b->smin)
			return 0;
	} else {
		if (strict ? a->umin > b->umax : a->umin >= b->umax)
			return 1;
		if (strict ? a->umax <= b->umin : a->umax < b->umin)
			return 0;
	}
	return -1;
}

static int flip(int v)
{
	return v < 0 ? v : !v;
}

int ubee_scalar_cond(const struct ubee_scalar *a, const struct ubee_scalar *b,
		     enum ubee_scond c, bool is32)
{
	unsigned w = is32 ? 32 : 64;
	struct rng ra = view(a, w), rb = view(b, w);
	struct ubee_tnum ta = tnum_w(a->var, w), tb = tnum_w(b->var, w);

	switch (c) {
	case UBEE_SCOND_EQ:
		if (!ta.mask && !tb.mask)
			return ta.value == tb.value;
		if (ra.umin > rb.umax || ra.umax < rb.umin ||
		    ra.smin > rb.smax || ra.smax < rb.smin ||
		    ((ta.value ^ tb.value) & ~(ta.mask | tb.mask)))
			return 0;
		/* equal values have equal low halves */
		if (!is32 && (a->u32_min > b->u32_max || a->u32_max < b->u32_min ||
			      a->s32_min > b->s32_max || a->s32_max < b->s32_min))
			return 0;
		return -1;
	case UBEE_SCOND_NE:
		return flip(ubee_scalar_cond(a, b, UBEE_SCOND_EQ, is32));
	case UBEE_SCOND_GT:
		return cond_gt(&ra, &rb, true, false);
	case UBEE_SCOND_GE:
		return cond_gt(&ra, &rb, false, false);
	case UBEE_SCOND_LT:
		return cond_gt(&rb, &ra, true, false);
	case UBEE_SCOND_LE:
		return cond_gt(&rb, &ra, false, false);
	case UBEE_SCOND_SGT:
		return cond_gt(&ra, &rb, true, true);
	case UBEE_SCOND_SGE:
		return cond_gt(&ra, &rb, false, true);
	case UBEE_SCOND_SLT:
		return cond_gt(&rb, &ra, true, true);
	case UBEE_SCOND_SLE:
		return cond_gt(&rb, &ra, false, true);
	case UBEE_SCOND_SET:
		if (ta.value & tb.value)
			return 1;
		if (!((ta.value | ta.mask) & (tb.value | tb.mask)))
			return 0;
		return -1;
	case UBEE_SCOND_NSET:
		return flip(ubee_scalar_cond(a, b, UBEE_SCOND_SET, is32));
	}
	return -1;
}

/* Narrow a and b to the pairs with a > b (strict) or a >= b. */
static bool refine_gt(struct rng *a, struct rng *b, bool strict,
		      bool is_signed, unsigned w)
{
	if (is_signed) {
		int64_t amax = a->smax, bmin = b->smin;

		if (strict && (bmin == smax_w(w) || amax == smin_w(w)))
			return false;
		a->smin = smax2(a->smin, strict ? bmin + 1 : bmin);
		b->smax = smin2(b->smax, strict ? amax - 1 : amax);
		return a->smin <= a->smax && b->smin <= b->smax;
	}
	{
		uint64_t amax = a->umax, bmin = b->umin;

		if (strict && (bmin == umax_w(w) || amax == 0))
			return false;
		a->umin = umax2(a->umin, strict ? bmin + 1 : bmin);
		b->umax = umin2(b->umax, strict ? amax - 1 : amax);
		return a->umin <= a->umax && b->umin <= b->umax;
	}
}

/* a != v for a constant v: trim the interval ends equal to v. */
static bool refine_ne_const(struct rng *a, uint64_t v, unsigned w)
{
	int64_t sv = trunc_s(v, w);

	if ((a->umin == v && a->umax == v) || (a->smin == sv && a->smax == sv))
		return false;
	if (a->umin == v)
		a->umin++;
	if (a->umax == v)
		a->umax--;
	if (a->smin == sv)
		a->smin++;
	if (a->smax == sv)
		a->smax--;
	return true;
}

static bool refine_w(struct rng *ra, struct rng *rb, struct ubee_tnum *ta,
		     struct ubee_tnum *tb, enum ubee_scond c, unsigned w)
{
	switch (c) {
	case UBEE_SCOND_EQ:
		ra->umin = rb->umin = umax2(ra->umin, rb->umin);
		ra->umax = rb->umax = umin2(ra->umax, rb->umax);
		ra->smin = rb->smin = smax2(ra->smin, rb->smin);
		ra->smax = rb->smax = smin2(ra->smax, rb->smax);
		if (!tnum_meet(ta, *tb))
			return false;
		*tb = *ta;
		return ra->umin <= ra->umax && ra->smin <= ra->smax;
	case UBEE_SCOND_NE:
		if (!tb->mask && !refine_ne_const(ra, tb->value, w))
			return false;
		if (!ta->mask && !refine_ne_const(rb, ta->value, w))
			return false;
		return true;
	case UBEE_SCOND_GT:
		return refine_gt(ra, rb, true, false, w);
	case UBEE_SCOND_GE:
		return refine_gt(ra, rb, false, false, w);
	case UBEE_SCOND_LT:
		return refine_gt(rb, ra, true, false, w);
	case UBEE_SCOND_LE:
		return refine_gt(rb, ra, false, false, w);
	case UBEE_SCOND_SGT:
		return refine_gt(ra, rb, true, true, w);
	case UBEE_SCOND_SGE:
		return refine_gt(ra, rb, false, true, w);
	case UBEE_SCOND_SLT:
		return refine_gt(rb, ra, true, true, w);
	case UBEE_SCOND_SLE:
		return refine_gt(rb, ra, false, true, w);
	case UBEE_SCOND_SET:
		/* a & b != 0: neither is zero; a single known bit is set */
		if (!ra->umax || !rb->umax)
			return false;
		ra->umin = umax2(ra->umin, 1);
		rb->umin = umax2(rb->umin, 1);
		if (!tb->mask && is_pow2(tb->value) &&
		    !tnum_meet(ta, ubee_tnum_or(*ta, *tb)))
			return false;
		if (!ta->mask && is_pow2(ta->value) &&
		    !tnum_meet(tb, ubee_tnum_or(*tb, *ta)))
			return false;
		return true;
	case UBEE_SCOND_NSET:
		/* a & b == 0: the known ones of each are zeros of the other */
		if (ta->value & tb->value)
			return false;
		*ta = ubee_tnum_and(*ta, ubee_tnum_const(~tb->value));
		*tb = ubee_tnum_and(*tb, ubee_tnum_const(~ta->value));
		return true;
	}
	return true;
}

bool ubee_scalar_refine(struct ubee_scalar *a, struct ubee_scalar *b,
			enum ubee_scond c, bool is32)
{
	unsigned w = is32 ? 32 : 64;
	struct ubee_scalar x = *a, y = *b;
	struct rng rx = view(&x, w), ry = view(&y, w);
	struct ubee_tnum tx = tnum_w(x.var, w), ty = tnum_w(y.var, w);

	if (!refine_w(&rx, &ry, &tx, &ty, c, w))
		return false;
	set_view(&x, &rx, w);
	set_view(&y, &ry, w);
	if (is32) {
		x.var = ubee_tnum_with_subreg(x.var, tx);
		y.var = ubee_tnum_with_subreg(y.var, ty);
	} else {
		x.var = tx;
		y.var = ty;
		if (c == UBEE_SCOND_EQ) {
			/* equal values have equal low halves */
			struct rng x32 = view(&x, 32), y32 = view(&y, 32);

			x32.umin = y32.umin = umax2(x32.umin, y32.umin);
			x32.umax = y32.umax = umin2(x32.umax, y32.umax);
			x32.smin = y32.smin = smax2(x32.smin, y32.smin);
			x32.smax = y32.smax = smin2(x32.smax, y32.smax);
			if (x32.umin > x32.umax || x32.smin > x32.smax)
				return false;
			set_view(&x, &x32, 32);
			set_view(&y, &y32, 32);
		}
	}
	if (!ubee_scalar_sync(&x) || !ubee_scalar_sync(&y))
		return false;
	*a = x;
	*b = y;
	return true;
}

/* ---- comparison, join, printing ------------------------------------------ */

bool ubee_scalar_is_const(const struct ubee_scalar *s)
{
	return !s->var.mask;
}

bool ubee_scalar_is_const32(const struct ubee_scalar *s)
{
	return !(uint32_t)s->var.mask;
}

bool ubee_scalar_contains(const struct ubee_scalar *s, uint64_t v)
{
	int64_t sv = (int64_t)v;
	uint32_t v32 = (uint32_t)v;
	int32_t s32 = (int32_t)v32;

	return ubee_tnum_contains(s->var, v) && s->umin <= v && v <= s->umax &&
	       s->smin <= sv && sv <= s->smax && s->u32_min <= v32 &&
	       v32 <= s->u32_max && s->s32_min <= s32 && s32 <= s->s32_max;
}

bool ubee_scalar_within(const struct ubee_scalar *old,
			const struct ubee_scalar *cur)
{
	return old->umin <= cur->umin && cur->umax <= old->umax &&
	       old->smin <= cur->smin && cur->smax <= old->smax &&
	       old->u32_min <= cur->u32_min && cur->u32_max <= old->u32_max &&
	       old->s32_min <= cur->s32_min && cur->s32_max <= old->s32_max &&
	       ubee_tnum_in(old->var, cur->var);
}

void ubee_scalar_join(struct ubee_scalar *a, const struct ubee_scalar *b)
{
	a->var = ubee_tnum_union(a->var, b->var);
	a->umin = umin2(a->umin, b->umin);
	a->umax = umax2(a->umax, b->umax);
	a->smin = smin2(a->smin, b->smin);
	a->smax = smax2(a->smax, b->smax);
	a->u32_min = (uint32_t)umin2(a->u32_min, b->u32_min);
	a->u32_max = (uint32_t)umax2(a->u32_max, b->u32_max);
	a->s32_min = (int32_t)smin2(a->s32_min, b->s32_min);
	a->s32_max = (int32_t)smax2(a->s32_max, b->s32_max);
	if (!ubee_scalar_sync(a))
		ubee_scalar_unknown(a);
}

bool ubee_scalar_equal(const struct ubee_scalar *a, const struct ubee_scalar *b)
{
	return a->var.value == b->var.value && a->var.mask == b->var.mask &&
	       a->umin == b->umin && a->umax == b->umax &&
	       a->smin == b->smin && a->smax == b->smax &&
	       a->u32_min == b->u32_min && a->u32_max == b->u32_max &&
	       a->s32_min == b->s32_min && a->s32_max == b->s32_max;
}

/* Append to buf at *len, keeping the would-be length as snprintf does. */
static void put(char *buf, size_t size, int *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t size, int *len, const char *fmt, ...)
{
	size_t at = (size_t)*len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at < size ? buf + at : NULL, at < size ? size - at : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += n;
}

/* The kernel prints small numbers in decimal, others in hex. */
static void put_num(char *buf, size_t size, int *len, uint64_t v,
		    bool is_signed)
{
	if (is_signed && (int64_t)v >= -32768 && (int64_t)v <= 32767)
		put(buf, size, len, "%lld", (long long)v);
	else if (!is_signed && v <= 0xffff)
		put(buf, size, len, "%llu", (unsigned long long)v);
	else
		put(buf, size, len, "0x%llx", (unsigned long long)v);
}

/* A 32-bit signed bound printed in hex is not sign-extended. */
static uint64_t s32_shown(int32_t v)
{
	return v >= -32768 && v <= 32767 ? (uint64_t)(int64_t)v : (uint32_t)v;
}

/*
 * Bounds at their default (the full range) are left out; a bound equal to
 * a later one of the same signedness class (every second entry: min with
 * mins, max with maxes) is printed once under all their names.
 */
int ubee_scalar_print(char *buf, size_t size, const struct ubee_scalar *s)
{
	struct {
		const char *name;
		uint64_t val;
		bool omit;
	} m[] = {
		{ "smin", (uint64_t)s->smin, s->smin == INT64_MIN },
		{ "smax", (uint64_t)s->smax, s->smax == INT64_MAX },
		{ "umin", s->umin, s->umin == 0 },
		{ "umax", s->umax, s->umax == UINT64_MAX },
		{ "smin32", s32_shown(s->s32_min), s->s32_min == INT32_MIN },
		{ "smax32", s32_shown(s->s32_max), s->s32_max == INT32_MAX },
		{ "umin32", s->u32_min, s->u32_min == 0 },
		{ "umax32", s->u32_max, s->u32_max == UINT32_MAX },
	};
	const size_t n = sizeof(m) / sizeof(m[0]);
	const char *sep = "";
	int len = 0;
	size_t i, j;

	if (size)
		buf[0] = 0;
	if (!s->var.mask) {
		put_num(buf, size, &len, s->var.value, true);
		return len;
	}
	for (i = 0; i < n; i++) {
		bool neg = m[i].name[0] == 's' && (int64_t)m[i].val < 0;

		if (m[i].omit)
			continue;
		put(buf, size, &len, "%s%s=", sep, m[i].name);
		sep = ",";
		for (j = i + 2; j < n; j += 2) {
			bool neg2 = m[j].name[0] == 's' && (int64_t)m[j].val < 0;

			if (m[j].omit || m[j].val != m[i].val || neg2 != neg)
				continue;
			m[j].omit = true;
			put(buf, size, &len, "%s=", m[j].name);
		}
		put_num(buf, size, &len, m[i].val, m[i].name[0] == 's');
	}
	if (s->var.mask != UINT64_MAX) {
		put(buf, size, &len, "%svar_off=", sep);
		put(buf, size, &len, "(0x%llx; 0x%llx)",
		    (unsigned long long)s->var.value,
		    (unsigned long long)s->var.mask);
	}
	return len;
}
