// SPDX-License-Identifier: MIT
/*
 * Soundness and precision of the verifier's scalar domain (tnum.c,
 * scalar.c) against concrete eBPF semantics.
 *
 *  - exhaustive: abstract values whose tnum has at most three unknown bits
 *    (placed at low bits and at the sign bits of 32 and 64, over several
 *    patterns of the known bits), cut by every interval of their members
 *    in each of the four views; every operator is applied to every pair
 *    and every concrete member pair must land inside the result; branch
 *    decisions may never be wrong; refinement must keep every satisfying
 *    pair (and may say "dead" only when none exists);
 *  - random 64-bit values with random bounds (UBEE_LONG=1: millions);
 *  - precision on known cases and the kernel's log format.
 *
 * One test line per group of checks; the first counterexample is printed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "verifier/scalar.h"

typedef __int128 i128;

#define NOPS (UBEE_SALU_MOV + 1)
#define NCONDS (UBEE_SCOND_NSET + 1)

static const char *op_name[NOPS] = {
	"add", "sub", "mul", "div", "sdiv", "mod", "smod",
	"or", "and", "xor", "lsh", "rsh", "arsh", "mov",
};

static const char *cond_name[NCONDS] = {
	"eq", "ne", "gt", "ge", "lt", "le", "sgt", "sge", "slt", "sle",
	"set", "nset",
};

/* ---- concrete semantics (written independently of scalar.c) ----------- */

static uint64_t conc_alu(enum ubee_salu op, uint64_t x, uint64_t y, bool is32)
{
	if (is32) {
		uint32_t a = (uint32_t)x, b = (uint32_t)y;
		int32_t sa = (int32_t)a, sb = (int32_t)b;

		switch (op) {
		case UBEE_SALU_ADD: return (uint32_t)(a + b);
		case UBEE_SALU_SUB: return (uint32_t)(a - b);
		case UBEE_SALU_MUL: return (uint32_t)(a * b);
		case UBEE_SALU_DIV: return b ? a / b : 0;
		case UBEE_SALU_SDIV:
			if (!b)
				return 0;
			if (sa == INT32_MIN && sb == -1)
				return (uint32_t)sa;
			return (uint32_t)(sa / sb);
		case UBEE_SALU_MOD: return b ? a % b : a;
		case UBEE_SALU_SMOD:
			if (!b)
				return a;
			if (sb == -1)
				return 0;
			return (uint32_t)(sa % sb);
		case UBEE_SALU_OR: return a | b;
		case UBEE_SALU_AND: return a & b;
		case UBEE_SALU_XOR: return a ^ b;
		case UBEE_SALU_LSH: return (uint32_t)(a << (b & 31));
		case UBEE_SALU_RSH: return a >> (b & 31);
		case UBEE_SALU_ARSH: return (uint32_t)(sa >> (b & 31));
		case UBEE_SALU_MOV: return b;
		}
		return 0;
	}
	switch (op) {
	case UBEE_SALU_ADD: return x + y;
	case UBEE_SALU_SUB: return x - y;
	case UBEE_SALU_MUL: return x * y;
	case UBEE_SALU_DIV: return y ? x / y : 0;
	case UBEE_SALU_SDIV:
		if (!y)
			return 0;
		if ((int64_t)x == INT64_MIN && (int64_t)y == -1)
			return x;
		return (uint64_t)((int64_t)x / (int64_t)y);
	case UBEE_SALU_MOD: return y ? x % y : x;
	case UBEE_SALU_SMOD:
		if (!y)
			return x;
		if ((int64_t)y == -1)
			return 0;
		return (uint64_t)((int64_t)x % (int64_t)y);
	case UBEE_SALU_OR: return x | y;
	case UBEE_SALU_AND: return x & y;
	case UBEE_SALU_XOR: return x ^ y;
	case UBEE_SALU_LSH: return x << (y & 63);
	case UBEE_SALU_RSH: return x >> (y & 63);
	case UBEE_SALU_ARSH: return (uint64_t)((int64_t)x >> (y & 63));
	case UBEE_SALU_MOV: return y;
	}
	return 0;
}

static bool conc_cond(enum ubee_scond c, uint64_t x, uint64_t y, bool is32)
{
	int64_t sx = (int64_t)x, sy = (int64_t)y;

	if (is32) {
		x = (uint32_t)x;
		y = (uint32_t)y;
		sx = (int32_t)(uint32_t)x;
		sy = (int32_t)(uint32_t)y;
	}
	switch (c) {
	case UBEE_SCOND_EQ: return x == y;
	case UBEE_SCOND_NE: return x != y;
	case UBEE_SCOND_GT: return x > y;
	case UBEE_SCOND_GE: return x >= y;
	case UBEE_SCOND_LT: return x < y;
	case UBEE_SCOND_LE: return x <= y;
	case UBEE_SCOND_SGT: return sx > sy;
	case UBEE_SCOND_SGE: return sx >= sy;
	case UBEE_SCOND_SLT: return sx < sy;
	case UBEE_SCOND_SLE: return sx <= sy;
	case UBEE_SCOND_SET: return (x & y) != 0;
	case UBEE_SCOND_NSET: return (x & y) == 0;
	}
	return false;
}

static uint64_t conc_sext(uint64_t x, unsigned bits, bool is32)
{
	uint64_t r;

	if (bits == 8)
		r = (uint64_t)(int64_t)(int8_t)x;
	else if (bits == 16)
		r = (uint64_t)(int64_t)(int16_t)x;
	else
		r = (uint64_t)(int64_t)(int32_t)x;
	return is32 ? (uint32_t)r : r;
}

static uint64_t conc_end(uint64_t x, enum ubee_send kind, unsigned bits)
{
	if (kind == UBEE_SEND_TO_LE)
		return bits == 64 ? x : x & ((1ull << bits) - 1);
	if (bits == 16)
		return __builtin_bswap16((uint16_t)x);
	if (bits == 32)
		return __builtin_bswap32((uint32_t)x);
	return __builtin_bswap64(x);
}

/* ---- abstract values with enumerable members -------------------------- */

#define MAXM 8

struct aval {
	struct ubee_scalar s;
	int n;                  /* members */
	uint64_t m[MAXM];
};

static struct aval *univ;
static size_t nuniv, cap_univ;

static char fail_buf[512];

static const char *show(const struct ubee_scalar *s)
{
	static char b[4][256];
	static int k;
	char *p = b[k++ & 3];

	snprintf(p, 256,
		 "{var=(0x%" PRIx64 ";0x%" PRIx64 ") u=[0x%" PRIx64 ",0x%" PRIx64
		 "] s=[%" PRId64 ",%" PRId64 "] u32=[0x%x,0x%x] s32=[%d,%d]}",
		 s->var.value, s->var.mask, s->umin, s->umax, s->smin, s->smax,
		 s->u32_min, s->u32_max, s->s32_min, s->s32_max);
	return p;
}

static void members(struct aval *a)
{
	uint64_t mask = a->s.var.mask, sub = 0;

	a->n = 0;
	/* enumerate subsets of mask (at most MAXM) */
	do {
		uint64_t v = a->s.var.value | sub;

		if (ubee_scalar_contains(&a->s, v) && a->n < MAXM)
			a->m[a->n++] = v;
		sub = (sub - mask) & mask;
	} while (sub);
}

static void add_univ(const struct ubee_scalar *s)
{
	struct aval a;
	size_t i;

	a.s = *s;
	if (!ubee_scalar_sync(&a.s))
		return;
	members(&a);
	if (!a.n)
		return;
	for (i = nuniv; i-- > 0 && i + 64 > nuniv;)
		if (ubee_scalar_equal(&univ[i].s, &a.s))
			return;
	if (nuniv == cap_univ) {
		cap_univ = cap_univ ? cap_univ * 2 : 1024;
		univ = realloc(univ, cap_univ * sizeof(*univ));
		if (!univ)
			abort();
	}
	univ[nuniv++] = a;
}

static uint64_t key_of(uint64_t v, int view)
{
	switch (view) {
	case 0: return v;
	case 1: return v ^ (1ull << 63);          /* signed order */
	case 2: return (uint32_t)v;
	default: return (uint32_t)v ^ (1u << 31);
	}
}

/* Every tnum over the bit positions pos[0..np) (x, 0 or 1 each) with the
 * other bits from base; each cut by every member interval of each view. */
static void gen(const unsigned *pos, int np, uint64_t base, bool cuts)
{
	int total = 1, t, i, view;

	for (i = 0; i < np; i++) {
		base &= ~(1ull << pos[i]);
		total *= 3;
	}
	for (t = 0; t < total; t++) {
		struct ubee_scalar s;
		struct aval a;
		int d = t;

		ubee_scalar_unknown(&s);
		s.var.value = base;
		s.var.mask = 0;
		for (i = 0; i < np; i++, d /= 3) {
			if (d % 3 == 1)
				s.var.mask |= 1ull << pos[i];
			else if (d % 3 == 2)
				s.var.value |= 1ull << pos[i];
		}
		s.var.mask |= 0;
		s.var.value &= ~s.var.mask;
		add_univ(&s);
		if (!cuts)
			continue;
		a.s = s;
		members(&a);
		for (view = 0; view < 4; view++) {
			int lo, hi;

			for (lo = 0; lo < a.n; lo++) {
				for (hi = 0; hi < a.n; hi++) {
					uint64_t l = a.m[lo], h = a.m[hi];
					struct ubee_scalar c = s;

					if (key_of(l, view) > key_of(h, view))
						continue;
					if (view == 0) {
						c.umin = l;
						c.umax = h;
					} else if (view == 1) {
						c.smin = (int64_t)l;
						c.smax = (int64_t)h;
					} else if (view == 2) {
						c.u32_min = (uint32_t)l;
						c.u32_max = (uint32_t)h;
					} else {
						c.s32_min = (int32_t)(uint32_t)l;
						c.s32_max = (int32_t)(uint32_t)h;
					}
					add_univ(&c);
				}
			}
		}
	}
}

static const unsigned pos_sets[][3] = {
	{ 0, 1, 2 }, { 0, 1, 31 }, { 0, 1, 63 }, { 0, 31, 63 }, { 1, 32, 63 },
	{ 2, 31, 32 },
};

static const uint64_t bases[] = {
	0, ~0ull, 0x7fffffffull, 0x8000000000000000ull, 0xfffffff8ull,
	0x7ffffffffffffff8ull, 0xffffffff00000000ull, 0x100000005ull,
	0x80000000ull, 0x7fffffff7fffffffull,
};

static void build_universe(bool big)
{
	size_t p, b;

	nuniv = 0;
	for (p = 0; p < sizeof(pos_sets) / sizeof(pos_sets[0]); p++)
		for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			gen(pos_sets[p], big ? 3 : 2, bases[b], true);
}

/* ---- checks ------------------------------------------------------------ */

static long nfail;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	va_list ap;

	if (nfail++)
		return;
	va_start(ap, fmt);
	vsnprintf(fail_buf, sizeof(fail_buf), fmt, ap);
	va_end(ap);
}

static void end_group(void)
{
	if (nfail)
		t_fail(__FILE__, __LINE__, "%ld counterexamples; first: %s",
		       nfail, fail_buf);
	nfail = 0;
}

static void check_alu_pair(const struct aval *a, const struct aval *b,
			   enum ubee_salu op, bool is32)
{
	struct ubee_scalar r = a->s;
	int i, j;

	ubee_scalar_alu(&r, &b->s, op, is32);
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			uint64_t v = conc_alu(op, a->m[i], b->m[j], is32);

			if (!ubee_scalar_contains(&r, v)) {
				report("%s%s 0x%" PRIx64 ", 0x%" PRIx64 " = 0x%" PRIx64
				       " not in %s; a=%s b=%s", op_name[op],
				       is32 ? "32" : "", a->m[i], b->m[j], v,
				       show(&r), show(&a->s), show(&b->s));
				return;
			}
		}
}

static void check_cond_pair(const struct aval *a, const struct aval *b,
			    enum ubee_scond c, bool is32)
{
	int d = ubee_scalar_cond(&a->s, &b->s, c, is32);
	struct ubee_scalar x = a->s, y = b->s;
	bool live = ubee_scalar_refine(&x, &y, c, is32);
	int i, j;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			bool t = conc_cond(c, a->m[i], b->m[j], is32);

			if (d >= 0 && t != (bool)d) {
				report("cond %s%s decided %d for 0x%" PRIx64
				       ", 0x%" PRIx64 "; a=%s b=%s", cond_name[c],
				       is32 ? "32" : "", d, a->m[i], b->m[j],
				       show(&a->s), show(&b->s));
				return;
			}
			if (!t)
				continue;
			if (!live) {
				report("refine %s%s dead but 0x%" PRIx64 ", 0x%" PRIx64
				       " holds; a=%s b=%s", cond_name[c],
				       is32 ? "32" : "", a->m[i], b->m[j],
				       show(&a->s), show(&b->s));
				return;
			}
			if (!ubee_scalar_contains(&x, a->m[i]) ||
			    !ubee_scalar_contains(&y, b->m[j])) {
				report("refine %s%s lost 0x%" PRIx64 ", 0x%" PRIx64
				       "; a=%s b=%s -> %s %s", cond_name[c],
				       is32 ? "32" : "", a->m[i], b->m[j],
				       show(&a->s), show(&b->s), show(&x), show(&y));
				return;
			}
		}
}

static void check_unary(const struct aval *a)
{
	static const unsigned bits3[] = { 16, 32, 64 };
	static const unsigned sx[] = { 8, 16, 32 };
	struct ubee_scalar r;
	int i, k, w, kind;
	char buf[256];

	for (w = 0; w < 2; w++) {
		r = a->s;
		ubee_scalar_neg(&r, w);
		for (i = 0; i < a->n; i++) {
			uint64_t v = w ? (uint32_t)-(uint32_t)a->m[i] : -a->m[i];

			if (!ubee_scalar_contains(&r, v))
				report("neg%s 0x%" PRIx64 " not in %s; a=%s",
				       w ? "32" : "", a->m[i], show(&r), show(&a->s));
		}
		for (k = 0; k < 3; k++) {
			r = a->s;
			ubee_scalar_movsx(&r, &a->s, sx[k], w);
			for (i = 0; i < a->n; i++)
				if (!ubee_scalar_contains(&r, conc_sext(a->m[i], sx[k], w)))
					report("movsx%u%s 0x%" PRIx64 " not in %s; a=%s",
					       sx[k], w ? "32" : "", a->m[i], show(&r),
					       show(&a->s));
		}
	}
	for (kind = 0; kind < 3; kind++)
		for (k = 0; k < 3; k++) {
			r = a->s;
			ubee_scalar_end(&r, (enum ubee_send)kind, bits3[k]);
			for (i = 0; i < a->n; i++)
				if (!ubee_scalar_contains(&r, conc_end(a->m[i], kind, bits3[k])))
					report("end%d/%u 0x%" PRIx64 " not in %s; a=%s",
					       kind, bits3[k], a->m[i], show(&r),
					       show(&a->s));
		}
	r = a->s;
	ubee_scalar_zext32(&r);
	for (i = 0; i < a->n; i++)
		if (!ubee_scalar_contains(&r, (uint32_t)a->m[i]))
			report("zext32 0x%" PRIx64 " not in %s", a->m[i], show(&r));
	/* sync keeps members and is idempotent-safe */
	r = a->s;
	if (!ubee_scalar_sync(&r) || !ubee_scalar_within(&a->s, &r))
		report("sync of a synced value changed it: %s", show(&a->s));
	/* printing never overflows and is stable */
	if (ubee_scalar_print(buf, sizeof(buf), &a->s) >= (int)sizeof(buf))
		report("print too long");
}

/* Raw (unsynced) views: sync must keep every member and find emptiness
 * only when there is none. */
static void check_sync_raw(const struct aval *a, const struct aval *b)
{
	struct ubee_scalar raw = a->s, r;
	int i, n = 0;

	/* a's tnum with b's bounds: an arbitrary, maybe empty, combination */
	raw.umin = b->s.umin;
	raw.smax = b->s.smax;
	raw.u32_max = b->s.u32_max;
	raw.s32_min = b->s.s32_min;
	if (raw.umin > raw.umax || raw.smin > raw.smax ||
	    raw.u32_min > raw.u32_max || raw.s32_min > raw.s32_max)
		return;
	r = raw;
	if (!ubee_scalar_sync(&r)) {
		for (i = 0; i < a->n; i++)
			if (ubee_scalar_contains(&raw, a->m[i]))
				report("sync says empty but 0x%" PRIx64 " is in %s",
				       a->m[i], show(&raw));
		return;
	}
	for (i = 0; i < a->n; i++) {
		if (!ubee_scalar_contains(&raw, a->m[i]))
			continue;
		n++;
		if (!ubee_scalar_contains(&r, a->m[i]))
			report("sync lost 0x%" PRIx64 ": %s -> %s", a->m[i],
			       show(&raw), show(&r));
	}
	(void)n;
}

static void check_join_within(const struct aval *a, const struct aval *b)
{
	struct ubee_scalar j = a->s;
	int i;

	ubee_scalar_join(&j, &b->s);
	for (i = 0; i < a->n; i++)
		if (!ubee_scalar_contains(&j, a->m[i]))
			report("join lost 0x%" PRIx64, a->m[i]);
	for (i = 0; i < b->n; i++)
		if (!ubee_scalar_contains(&j, b->m[i]))
			report("join lost 0x%" PRIx64, b->m[i]);
	if (ubee_scalar_within(&a->s, &b->s))
		for (i = 0; i < b->n; i++)
			if (!ubee_scalar_contains(&a->s, b->m[i]))
				report("within: 0x%" PRIx64 " of %s not in %s",
				       b->m[i], show(&b->s), show(&a->s));
}

static size_t stride_for(size_t n, size_t budget)
{
	size_t s = 1;

	while ((n / s) * (n / s) > budget)
		s++;
	return s;
}

static bool long_mode;

static void exhaustive_alu(void)
{
	size_t i, j, st = stride_for(nuniv, long_mode ? 4000000 : 200000);
	int op, w;

	t_begin("exhaustive alu: %zu values, pairs with stride %zu", nuniv, st);
	for (op = 0; op < NOPS; op++)
		for (w = 0; w < 2; w++)
			for (i = 0; i < nuniv; i += st)
				for (j = (i * 7) % st; j < nuniv; j += st)
					check_alu_pair(&univ[i], &univ[j], op, w);
	end_group();
	t_end();
}

static void exhaustive_cond(void)
{
	size_t i, j, st = stride_for(nuniv, long_mode ? 4000000 : 200000);
	int c, w;

	t_begin("exhaustive cond and refine: %zu values", nuniv);
	for (c = 0; c < NCONDS; c++)
		for (w = 0; w < 2; w++)
			for (i = 0; i < nuniv; i += st)
				for (j = (i * 3) % st; j < nuniv; j += st)
					check_cond_pair(&univ[i], &univ[j], c, w);
	end_group();
	t_end();
}

static void exhaustive_unary(void)
{
	size_t i;

	t_begin("exhaustive neg, movsx, end, zext32, sync, print: %zu values",
		nuniv);
	for (i = 0; i < nuniv; i++)
		check_unary(&univ[i]);
	end_group();
	t_end();
}

static void exhaustive_sync_join(void)
{
	size_t i, j, st = stride_for(nuniv, long_mode ? 4000000 : 400000);

	t_begin("exhaustive sync of raw views, join, within");
	for (i = 0; i < nuniv; i += st)
		for (j = (i * 5) % st; j < nuniv; j += st) {
			check_sync_raw(&univ[i], &univ[j]);
			check_join_within(&univ[i], &univ[j]);
		}
	end_group();
	t_end();
}

/* Shift amounts: every small amount and amounts just over the width. */
static void exhaustive_shifts(void)
{
	size_t i;
	unsigned amt;
	int op, w;

	t_begin("exhaustive shifts by ranges of amounts");
	for (i = 0; i < nuniv; i++)
		for (amt = 0; amt < 70; amt += (amt < 8 || amt > 28) ? 1 : 3) {
			struct aval b;
			unsigned span;

			for (span = 0; span < 3; span++) {
				uint64_t k;

				ubee_scalar_urange(&b.s, amt, amt + span * span);
				b.n = 0;
				for (k = amt; k <= amt + span * span && b.n < MAXM; k++)
					b.m[b.n++] = k;
				for (op = UBEE_SALU_LSH; op <= UBEE_SALU_ARSH; op++)
					for (w = 0; w < 2; w++)
						check_alu_pair(&univ[i], &b, op, w);
			}
		}
	end_group();
	t_end();
}

/* ---- random 64-bit ------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t rnd_interesting(void)
{
	static const uint64_t pts[] = {
		0, 1, 2, 7, 8, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
		~0ull, ~0ull - 1, 0xffffffff80000000ull,
	};
	uint64_t base = pts[rnd() % (sizeof(pts) / sizeof(pts[0]))];

	switch (rnd() % 4) {
	case 0: return base;
	case 1: return base + (rnd() % 16) - 8;
	case 2: return rnd() >> (rnd() % 64);
	default: return rnd();
	}
}

/* A random abstract value around a random member x, with a few more
 * members found by sampling. */
static void rnd_aval(struct aval *a)
{
	uint64_t x = rnd_interesting(), mask, d;
	struct ubee_scalar s;
	int tries;

	switch (rnd() % 4) {
	case 0: mask = 0; break;
	case 1: mask = rnd() & rnd() & rnd(); break;
	case 2: mask = (1ull << (rnd() % 64)) - 1; break;
	default: mask = rnd(); break;
	}
	ubee_scalar_unknown(&s);
	s.var.mask = mask;
	s.var.value = x & ~mask;
	d = rnd() >> (rnd() % 64);
	if (rnd() & 1) {
		s.umin = x - (d > x ? x : d);
		d = rnd() >> (rnd() % 64);
		s.umax = x + (d > ~x ? ~x : d);
	}
	if (rnd() & 1) {
		i128 lo, hi;

		lo = (i128)(int64_t)x - (i128)(rnd() >> (1 + rnd() % 63));
		hi = (i128)(int64_t)x + (i128)(rnd() >> (1 + rnd() % 63));
		s.smin = lo < INT64_MIN ? INT64_MIN : (int64_t)lo;
		s.smax = hi > INT64_MAX ? INT64_MAX : (int64_t)hi;
	}
	if (rnd() & 1) {
		uint32_t x32 = (uint32_t)x, d32 = (uint32_t)(rnd() >> (32 + rnd() % 32));

		s.u32_min = x32 - (d32 > x32 ? x32 : d32);
		d32 = (uint32_t)(rnd() >> (32 + rnd() % 32));
		s.u32_max = x32 + (d32 > ~x32 ? ~x32 : d32);
	}
	if (rnd() & 1) {
		int32_t x32 = (int32_t)(uint32_t)x;
		int64_t d1 = (int64_t)(rnd() >> (33 + rnd() % 31));
		int64_t d2 = (int64_t)(rnd() >> (33 + rnd() % 31));

		s.s32_min = (int32_t)((int64_t)x32 - d1 < INT32_MIN ? INT32_MIN : x32 - d1);
		s.s32_max = (int32_t)((int64_t)x32 + d2 > INT32_MAX ? INT32_MAX : x32 + d2);
	}
	a->s = s;
	if (!ubee_scalar_sync(&a->s)) {
		report("sync of a value holding 0x%" PRIx64 " says empty: %s",
		       x, show(&s));
		ubee_scalar_const(&a->s, x);
	}
	a->n = 0;
	a->m[a->n++] = x;
	for (tries = 0; tries < 24 && a->n < 4; tries++) {
		uint64_t y = a->s.var.value | (rnd() & a->s.var.mask);

		if (rnd() & 1)
			y = a->s.umin + (rnd() & 3);
		if (ubee_scalar_contains(&a->s, y))
			a->m[a->n++] = y;
	}
	if (!ubee_scalar_contains(&a->s, x))
		report("sync lost 0x%" PRIx64 ": %s -> %s", x, show(&s),
		       show(&a->s));
}

static void random_checks(void)
{
	long n = long_mode ? 3000000 : 60000, k;
	struct aval a, b;

	t_begin("random 64-bit: %ld value pairs, every operator and condition", n);
	for (k = 0; k < n; k++) {
		int op = (int)(rnd() % NOPS), c = (int)(rnd() % NCONDS);
		bool w = rnd() & 1;

		rnd_aval(&a);
		rnd_aval(&b);
		check_alu_pair(&a, &b, op, w);
		check_cond_pair(&a, &b, c, w);
		check_unary(&a);
		check_join_within(&a, &b);
		if (nfail)
			break;
	}
	end_group();
	t_end();
}

/* ---- precision and printing -------------------------------------------- */

static void s_print(char *buf, const struct ubee_scalar *s)
{
	ubee_scalar_print(buf, 256, s);
}

#define T_STR(got, want)                                                      \
	T_CHECK(!strcmp((got), (want)), "got \"%s\", want \"%s\"", (got), (want))

static void precision_alu(void)
{
	struct ubee_scalar a, b, c;

	ubee_scalar_urange(&a, 0, 255);
	b = a;
	ubee_scalar_alu(&b, &a, UBEE_SALU_ADD, false);
	T_EQ_U64(b.umin, 0);
	T_EQ_U64(b.umax, 510);
	T_EQ_U64(b.smax, 510);
	T_EQ_U64(b.u32_max, 510);

	ubee_scalar_unknown(&a);
	ubee_scalar_const(&c, 0xff);
	ubee_scalar_alu(&a, &c, UBEE_SALU_AND, false);
	T_EQ_U64(a.umax, 255);
	T_EQ_U64(a.smin, 0);
	T_EQ_U64(a.var.mask, 0xff);

	/* constants fold exactly for every operator */
	for (int op = 0; op < NOPS; op++)
		for (int w = 0; w < 2; w++) {
			uint64_t x = 0xfffffffffffffff6ull, y = 3;

			ubee_scalar_const(&a, x);
			ubee_scalar_const(&b, y);
			ubee_scalar_alu(&a, &b, op, w);
			T_CHECK(ubee_scalar_is_const(&a), "%s%s of constants not constant",
				op_name[op], w ? "32" : "");
			T_EQ_U64(a.var.value, conc_alu(op, x, y, w));
		}

	/* unsigned division and modulo by constants */
	ubee_scalar_urange(&a, 10, 100);
	ubee_scalar_const(&b, 10);
	c = a;
	ubee_scalar_alu(&c, &b, UBEE_SALU_DIV, false);
	T_EQ_U64(c.umin, 1);
	T_EQ_U64(c.umax, 10);
	c = a;
	ubee_scalar_alu(&c, &b, UBEE_SALU_MOD, false);
	T_EQ_U64(c.umax, 9);
	/* x % 8 is x & 7 */
	ubee_scalar_unknown(&a);
	ubee_scalar_const(&b, 8);
	ubee_scalar_alu(&a, &b, UBEE_SALU_MOD, false);
	T_EQ_U64(a.var.mask, 7);

	/* 32-bit add wraps into the 32-bit range and zero-extends */
	ubee_scalar_urange(&a, 0xfffffff0ull, 0xffffffffull);
	ubee_scalar_const(&b, 0x20);
	ubee_scalar_alu(&a, &b, UBEE_SALU_ADD, true);
	T_EQ_U64(a.umin, 0x10);
	T_EQ_U64(a.umax, 0x1f);

	/* sign extension idiom: (x << 32) s>> 32 of a 32-bit value in [0, 100] */
	ubee_scalar_urange(&a, 0, 100);
	ubee_scalar_const(&b, 32);
	ubee_scalar_alu(&a, &b, UBEE_SALU_LSH, false);
	ubee_scalar_alu(&a, &b, UBEE_SALU_ARSH, false);
	T_EQ_U64(a.umax, 100);

	/* movsx of a byte load */
	ubee_scalar_unknown_size(&a, 1);
	ubee_scalar_movsx(&b, &a, 8, false);
	T_EQ_U64(b.smin, (uint64_t)-128);
	T_EQ_U64(b.smax, 127);

	/* be16 of a 16-bit load stays within 16 bits */
	ubee_scalar_unknown_size(&a, 2);
	ubee_scalar_end(&a, UBEE_SEND_TO_BE, 16);
	T_EQ_U64(a.umax, 0xffff);
}

static void precision_branches(void)
{
	struct ubee_scalar a, b, c;

	ubee_scalar_unknown(&a);
	ubee_scalar_const(&c, 10);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_LT, false), "x < 10 dead");
	T_EQ_U64(a.umax, 9);
	T_EQ_U64(a.smin, 0);

	ubee_scalar_unknown(&a);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_SLT, false), "x s< 10 dead");
	T_EQ_U64(a.smax, 9);

	/* register-register: a > b with b >= 5 gives a >= 6 */
	ubee_scalar_unknown(&a);
	ubee_scalar_urange(&b, 5, 20);
	T_CHECK(ubee_scalar_refine(&a, &b, UBEE_SCOND_GT, false), "a > b dead");
	T_EQ_U64(a.umin, 6);

	/* EQ intersects; NE with a constant trims an end */
	ubee_scalar_urange(&a, 0, 10);
	ubee_scalar_const(&c, 0);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_NE, false), "ne dead");
	T_EQ_U64(a.umin, 1);
	ubee_scalar_urange(&a, 0, 10);
	ubee_scalar_const(&c, 4);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_EQ, false), "eq dead");
	T_CHECK(ubee_scalar_is_const(&a) && a.var.value == 4, "eq not const");

	/* JSET: the false branch of x & 0x4 knows bit 2 is clear */
	ubee_scalar_unknown(&a);
	ubee_scalar_const(&c, 4);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_NSET, false), "nset dead");
	T_EQ_U64(a.var.mask, ~4ull);
	ubee_scalar_unknown(&a);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_SET, false), "set dead");
	T_EQ_U64(a.var.value, 4);

	/* decisions */
	ubee_scalar_urange(&a, 0, 9);
	ubee_scalar_const(&c, 10);
	T_CHECK(ubee_scalar_cond(&a, &c, UBEE_SCOND_LT, false) == 1, "0..9 < 10");
	T_CHECK(ubee_scalar_cond(&a, &c, UBEE_SCOND_EQ, false) == 0, "0..9 == 10");
	T_CHECK(ubee_scalar_cond(&a, &c, UBEE_SCOND_SGE, true) == 0, "0..9 s>= 10");
	ubee_scalar_const(&c, 5);
	T_CHECK(ubee_scalar_cond(&a, &c, UBEE_SCOND_LT, false) == -1, "0..9 < 5");
	/* a 32-bit compare ignores the upper half */
	ubee_scalar_const(&a, 0x100000001ull);
	ubee_scalar_const(&c, 1);
	T_CHECK(ubee_scalar_cond(&a, &c, UBEE_SCOND_EQ, true) == 1, "w eq");
	T_CHECK(ubee_scalar_cond(&a, &c, UBEE_SCOND_EQ, false) == 0, "eq");
	/* dead branch */
	ubee_scalar_urange(&a, 0, 9);
	ubee_scalar_const(&c, 10);
	T_CHECK(!ubee_scalar_refine(&a, &c, UBEE_SCOND_GE, false), "0..9 >= 10 live");
	/* 32-bit refinement narrows the 64-bit value of a zero-extended one */
	ubee_scalar_unknown_size(&a, 4);
	ubee_scalar_const(&c, 100);
	T_CHECK(ubee_scalar_refine(&a, &c, UBEE_SCOND_LT, true), "w < 100 dead");
	T_EQ_U64(a.umax, 99);

	T_CHECK(ubee_scond_negate(UBEE_SCOND_GT) == UBEE_SCOND_LE, "negate");
	T_CHECK(ubee_scond_swap(UBEE_SCOND_SGE) == UBEE_SCOND_SLE, "swap");
	for (int k = 0; k < NCONDS; k++) {
		T_CHECK(ubee_scond_negate(ubee_scond_negate(k)) == (enum ubee_scond)k,
			"negate twice");
		T_CHECK(ubee_scond_swap(ubee_scond_swap(k)) == (enum ubee_scond)k,
			"swap twice");
	}
}

static void printing(void)
{
	struct ubee_scalar a, b;
	char buf[256], t[64];

	ubee_scalar_urange(&a, 0, 255);
	s_print(buf, &a);
	T_STR(buf, "smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)");
	ubee_scalar_const(&a, 5);
	s_print(buf, &a);
	T_STR(buf, "5");
	ubee_scalar_const(&a, (uint64_t)-1);
	s_print(buf, &a);
	T_STR(buf, "-1");
	ubee_scalar_const(&a, 0x12345678);
	s_print(buf, &a);
	T_STR(buf, "0x12345678");
	ubee_scalar_unknown(&a);
	s_print(buf, &a);
	T_STR(buf, "");
	ubee_scalar_unknown_size(&a, 4);
	s_print(buf, &a);
	T_STR(buf, "smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)");
	ubee_scalar_unknown_sext(&a, 1);
	s_print(buf, &a);
	T_STR(buf, "smin=smin32=-128,smax=smax32=127");
	ubee_scalar_unknown(&a);
	ubee_scalar_const(&b, 32);
	ubee_scalar_alu(&a, &b, UBEE_SALU_LSH, false);
	ubee_scalar_alu(&a, &b, UBEE_SALU_ARSH, false);
	s_print(buf, &a);
	T_STR(buf, "smin=0xffffffff80000000,smax=0x7fffffff");
	/* truncation keeps the would-be length */
	ubee_scalar_urange(&a, 0, 255);
	T_CHECK(ubee_scalar_print(t, 8, &a) ==
			(int)strlen("smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)"),
		"length");
	T_CHECK(strlen(t) == 7, "truncated");
	ubee_tnum_print(t, sizeof(t), ubee_tnum_range(16, 31));
	T_STR(t, "(0x10; 0xf)");
}

static void tnum_basics(void)
{
	struct ubee_tnum a = ubee_tnum_range(0, 7), b = ubee_tnum_const(8);

	T_EQ_U64(ubee_tnum_add(a, b).value, 8);
	T_EQ_U64(ubee_tnum_add(a, b).mask, 7);
	T_EQ_U64(ubee_tnum_add(a, a).mask, 0xf);
	T_EQ_U64(ubee_tnum_mul(a, ubee_tnum_const(4)).mask, 0x1c);
	T_CHECK(ubee_tnum_in(ubee_tnum_unknown(), a), "unknown holds all");
	T_CHECK(!ubee_tnum_in(a, ubee_tnum_unknown()), "range holds not all");
	T_EQ_U64(ubee_tnum_arsh(ubee_tnum_const(0x80000000), 4, 32).value,
		 0xf8000000);
	T_EQ_U64(ubee_tnum_with_subreg(ubee_tnum_const(0x100000000ull),
				       ubee_tnum_const(5)).value, 0x100000005ull);
	T_CHECK(ubee_tnum_range(0, ~0ull).mask == ~0ull, "full range");
	/* exhaustive: every tnum over 4 bits, every operator, every pair */
	for (unsigned m1 = 0; m1 < 16; m1++)
		for (unsigned v1 = 0; v1 < 16; v1++) {
			struct ubee_tnum x = { v1 & ~m1, m1 };

			if (v1 & m1)
				continue;
			for (unsigned m2 = 0; m2 < 16; m2++)
				for (unsigned v2 = 0; v2 < 16; v2++) {
					struct ubee_tnum y = { v2 & ~m2, m2 };
					struct ubee_tnum r[6] = {
						ubee_tnum_add(x, y), ubee_tnum_sub(x, y),
						ubee_tnum_mul(x, y), ubee_tnum_and(x, y),
						ubee_tnum_or(x, y), ubee_tnum_xor(x, y),
					};
					struct ubee_tnum u = ubee_tnum_union(x, y);

					if (v2 & m2)
						continue;
					for (unsigned p = 0; p < 16; p++) {
						uint64_t cx = x.value | (p & m1);

						if ((p & m1) != p)
							continue;
						T_CHECK(ubee_tnum_contains(u, cx), "union");
						for (unsigned q = 0; q < 16; q++) {
							uint64_t cy = y.value | (q & m2);
							uint64_t c[6] = { cx + cy, cx - cy, cx * cy,
									  cx & cy, cx | cy, cx ^ cy };

							if ((q & m2) != q)
								continue;
							for (int k = 0; k < 6; k++)
								T_CHECK(ubee_tnum_contains(r[k], c[k]),
									"tnum op %d", k);
						}
					}
				}
		}
}

int main(void)
{
	const char *l = getenv("UBEE_LONG");

	long_mode = l && !strcmp(l, "1");
	T_RUN(tnum_basics);
	T_RUN(precision_alu);
	T_RUN(precision_branches);
	T_RUN(printing);
	build_universe(long_mode);
	exhaustive_unary();
	exhaustive_alu();
	exhaustive_cond();
	exhaustive_sync_join();
	exhaustive_shifts();
	random_checks();
	free(univ);
	return t_summary();
}
