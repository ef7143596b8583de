// SPDX-License-Identifier: MIT
/*
 * Recorded facts (see verifier.h): owned by the program that recorded
 * them, freed with it. The core records, before each instruction it
 * checks, the join over every state that reaches it: a scalar's bounds
 * and tnum joined, a pointer's base kind with its offset folded into the
 * variable part when paths disagree, ANY when the kinds differ (or a
 * register is uninitialised on some path).
 */
#include <errno.h>
#include <string.h>

#include "util/util.h"
#include "verifier/verifier.h"
#include "verifier/vstate.h"

void ubee_vfacts_free(struct ubee_vfacts *f)
{
	if (!f)
		return;
	ubee_free(f->regs);
	ubee_free(f);
}

int vfacts_init(struct venv *env)
{
	struct ubee_vfacts *f = ubee_calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->cnt = env->cnt;
	f->regs = ubee_calloc(env->cnt, sizeof(*f->regs));
	if (!f->regs) {
		ubee_free(f);
		return -ENOMEM;
	}
	env->facts = f;
	return 0;
}

static void to_fact(const struct vreg *r, struct ubee_vfact *out)
{
	memset(out, 0, sizeof(*out));
	switch (r->type) {
	case VT_NOT_INIT:
		out->kind = UBEE_VFACT_ANY;
		return;
	case VT_SCALAR:
		out->kind = UBEE_VFACT_SCALAR;
		out->s = r->s;
		return;
	case VT_CTX:
		out->ptr = UBEE_VFACT_CTX;
		break;
	case VT_STACK:
		out->ptr = UBEE_VFACT_STACK;
		out->frame = r->frame;
		break;
	case VT_PKT:
		out->ptr = UBEE_VFACT_PKT;
		break;
	case VT_PKT_END:
		out->ptr = UBEE_VFACT_PKT_END;
		break;
	case VT_PKT_META:
		out->ptr = UBEE_VFACT_PKT_META;
		break;
	default:
		out->ptr = UBEE_VFACT_OTHER;
		break;
	}
	out->kind = UBEE_VFACT_PTR;
	out->maybe_null = (r->flags & VF_NULL) != 0;
	out->off = r->off;
	out->s = r->s;
}

/* Fold the fixed offset into the variable part. */
static void fold_off(struct ubee_vfact *f)
{
	struct ubee_scalar k;

	if (!f->off)
		return;
	ubee_scalar_const(&k, (uint64_t)(int64_t)f->off);
	ubee_scalar_alu(&f->s, &k, UBEE_SALU_ADD, false);
	f->off = 0;
}

/*
 * a gets every value of b, view by view (each view of the result holds
 * both; the oracle checks every view alone, so no bounds sync is needed,
 * which keeps recording cheap in long loops).
 */
static void join_views(struct ubee_scalar *a, const struct ubee_scalar *b)
{
	a->var = ubee_tnum_union(a->var, b->var);
	if (b->umin < a->umin)
		a->umin = b->umin;
	if (b->umax > a->umax)
		a->umax = b->umax;
	if (b->smin < a->smin)
		a->smin = b->smin;
	if (b->smax > a->smax)
		a->smax = b->smax;
	if (b->u32_min < a->u32_min)
		a->u32_min = b->u32_min;
	if (b->u32_max > a->u32_max)
		a->u32_max = b->u32_max;
	if (b->s32_min < a->s32_min)
		a->s32_min = b->s32_min;
	if (b->s32_max > a->s32_max)
		a->s32_max = b->s32_max;
}

static void join(struct ubee_vfact *a, const struct ubee_vfact *b)
{
	struct ubee_vfact bb = *b;

	if (a->kind == UBEE_VFACT_NONE) {
		*a = *b;
		return;
	}
	if (a->kind == UBEE_VFACT_ANY)
		return;
	if (a->kind != b->kind || (a->kind == UBEE_VFACT_PTR &&
				   (a->ptr != b->ptr || a->frame != b->frame))) {
		memset(a, 0, sizeof(*a));
		a->kind = UBEE_VFACT_ANY;
		return;
	}
	/* Already covered: the usual case once a loop has been seen. */
	if (a->kind == UBEE_VFACT_SCALAR && ubee_scalar_within(&a->s, &bb.s))
		return;
	if (a->kind == UBEE_VFACT_PTR) {
		a->maybe_null |= b->maybe_null;
		if (a->off == bb.off && ubee_scalar_within(&a->s, &bb.s))
			return;
		if (a->off != bb.off) {
			fold_off(a);
			fold_off(&bb);
		}
	}
	join_views(&a->s, &bb.s);
}

void vfacts_record(struct venv *env, uint32_t idx)
{
	struct ubee_vfact *regs = env->facts->regs[idx];
	const struct vframe *f = cur_frame(env);

	for (int r = 0; r < NREGS; r++) {
		const struct vreg *reg = &f->regs[r];
		struct ubee_vfact v;

		/* Fast paths: nothing new to record. */
		if (regs[r].kind == UBEE_VFACT_ANY)
			continue;
		if (reg->type == VT_SCALAR && regs[r].kind == UBEE_VFACT_SCALAR &&
		    ubee_scalar_within(&regs[r].s, &reg->s))
			continue;
		to_fact(reg, &v);
		if (v.kind == UBEE_VFACT_ANY) {
			memset(&regs[r], 0, sizeof(regs[r]));
			regs[r].kind = UBEE_VFACT_ANY;
			continue;
		}
		join(&regs[r], &v);
	}
}
