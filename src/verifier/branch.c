// SPDX-License-Identifier: MIT
/*
 * Conditional jumps in the verifier core. A comparison of scalars is
 * decided when the abstract values allow one outcome only (the other side
 * is dead and the scalars become precise); otherwise the taken side is
 * pushed on the branch stack and each side narrows both operands (and
 * every copy linked by id) to the values it admits, at 64 or 32 bits.
 * Comparing a maybe-NULL pointer with 0 splits it into NULL (a scalar 0;
 * a reference it held is gone) and non-NULL on every copy. Comparing a
 * packet pointer with the packet end (in any of the eight spellings)
 * proves the bytes below it readable on the side where it is not past
 * the end, for every packet pointer derived from the same base.
 */
#include <errno.h>
#include <string.h>

#include "util/util.h"
#include "verifier/vstate.h"

static int cond_of(int op, enum ubee_scond *c)
{
	switch (op) {
#define C(a, b)                                                               \
	case UBEE_OP_##a##64_K: case UBEE_OP_##a##64_X:                      \
	case UBEE_OP_##a##32_K: case UBEE_OP_##a##32_X:                      \
		*c = UBEE_SCOND_##b;                                          \
		return 0;
	C(JEQ, EQ) C(JNE, NE) C(JGT, GT) C(JGE, GE) C(JLT, LT) C(JLE, LE)
	C(JSGT, SGT) C(JSGE, SGE) C(JSLT, SLT) C(JSLE, SLE) C(JSET, SET)
#undef C
	default:
		return -1;
	}
}

/* Every scalar linked to id in st gets value s. */
static void sync_scalar_id(struct vstate *st, uint32_t id,
			   const struct ubee_scalar *s)
{
	if (!id)
		return;
	for (uint32_t f = 0; f <= st->depth; f++) {
		struct vframe *fr = st->frames[f];

		for (int r = 0; r < NREGS; r++)
			if (fr->regs[r].type == VT_SCALAR && fr->regs[r].id == id)
				fr->regs[r].s = *s;
		for (uint32_t i = 0; i < fr->nslots; i++) {
			struct vslot *sl = &fr->slots[i];

			if (slot_spilled(sl) && sl->spill.type == VT_SCALAR &&
			    sl->spill.id == id && sl->spill_size == SLOT)
				sl->spill.s = *s;
		}
	}
}

/* Narrow dst (and src, or the constant k) of st's top frame by c. */
static bool refine_in(struct vstate *st, int dreg, int sreg, uint64_t k,
		      enum ubee_scond c, bool is32)
{
	struct vreg *regs = st->frames[st->depth]->regs;
	struct ubee_scalar a = regs[dreg].s, b;

	if (sreg >= 0)
		b = regs[sreg].s;
	else
		ubee_scalar_const(&b, k);
	if (!ubee_scalar_refine(&a, &b, c, is32))
		return false;
	regs[dreg].s = a;
	sync_scalar_id(st, regs[dreg].id, &a);
	if (sreg >= 0) {
		regs[sreg].s = b;
		sync_scalar_id(st, regs[sreg].id, &b);
	}
	return true;
}

/* Every copy of the nullable pointer id becomes NULL or non-NULL. */
static void mark_ptr_or_null(struct vstate *st, uint32_t id, bool is_null)
{
	struct vreg *r;
	uint32_t ref = 0;

	for_each_vreg(st, f, i, r) {
		if (!(r->flags & VF_NULL) || r->id != id)
			continue;
		if (is_null) {
			if (r->ref_obj_id)
				ref = r->ref_obj_id;
			vreg_const(r, 0);
		} else {
			r->flags &= (uint8_t)~VF_NULL;
		}
	}
	if (ref)
		vstate_drop_ref(st, ref);
}

/* Packet pointers with p's base (type and id) get at least range. */
static void pkt_range(struct vstate *st, const struct vreg *p, uint32_t range)
{
	struct vreg *r;

	if (p->off < 0 || p->s.umax > 0xffff || (uint64_t)p->off + range > 0x10000)
		return;
	for_each_vreg(st, f, i, r)
		if (r->type == p->type && r->id == p->id && r->range < range)
			r->range = range;
}

/* The packet pointer register regno of st's frame is at / past the end. */
static void pkt_end_mark(struct vstate *st, int regno, uint32_t mark)
{
	struct vreg *r = &st->frames[st->depth]->regs[regno];

	if (r->type == VT_PKT)
		r->aux = mark;
}

/*
 * dst c src with dst a packet (or meta) pointer and src its end: the
 * range each side proves ("le": on that side dst <= end; "lt": dst < end),
 * and the side where the pointer is at or past the end marks it so (as
 * the kernel's mark_pkt_end: a later comparison of it is then decided).
 */
static void pkt_cond(struct venv *env, struct vstate *taken, const struct vreg *p,
		     int pregno, enum ubee_scond c, bool p_is_dst)
{
	struct vstate *fall = &env->cur;
	uint32_t le = (uint32_t)p->off, lt = (uint32_t)p->off + 1;

	if (!p_is_dst)
		c = ubee_scond_swap(c);
	/* Now: p c end. */
	switch (c) {
	case UBEE_SCOND_GT:  /* taken: p > end; fall: p <= end */
		pkt_range(fall, p, le);
		pkt_end_mark(taken, pregno, PKT_BEYOND_END);
		break;
	case UBEE_SCOND_GE:  /* taken: p >= end; fall: p < end */
		pkt_range(fall, p, lt);
		pkt_end_mark(taken, pregno, PKT_AT_END);
		break;
	case UBEE_SCOND_LT:  /* taken: p < end; fall: p >= end */
		pkt_range(taken, p, lt);
		pkt_end_mark(fall, pregno, PKT_AT_END);
		break;
	case UBEE_SCOND_LE:  /* taken: p <= end; fall: p > end */
		pkt_range(taken, p, le);
		pkt_end_mark(fall, pregno, PKT_BEYOND_END);
		break;
	default:
		break;
	}
}

/*
 * "p c end" decided by p's mark (the kernel's is_pkt_ptr_branch_taken):
 * 1 / 0, or -1 when it depends.
 */
static int pkt_decided(const struct vreg *p, enum ubee_scond c, bool p_is_dst)
{
	if (p->type != VT_PKT || !p->aux)
		return -1;
	if (!p_is_dst)
		c = ubee_scond_swap(c);
	switch (c) {
	case UBEE_SCOND_GT:
	case UBEE_SCOND_LE:
		if (p->aux == PKT_BEYOND_END)
			return c == UBEE_SCOND_GT;
		return -1;
	case UBEE_SCOND_LT:
	case UBEE_SCOND_GE:
		return c == UBEE_SCOND_GE;
	default:
		return -1;
	}
}

static bool is_pkt_pair(const struct vreg *a, const struct vreg *b)
{
	if (a->type == VT_PKT && b->type == VT_PKT_END)
		return true;
	if (a->type == VT_PKT_META && b->type == VT_PKT && !b->off &&
	    ubee_scalar_is_const(&b->s) && !b->s.var.value)
		return true;
	return false;
}

static void drop_pushed(struct venv *env)
{
	struct vstate *st = &env->stack[--env->nstack];

	vpath_done(env, st);
	vstate_free(st);
}

int vbranch(struct venv *env, const struct ubee_dinsn *in)
{
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];
	struct vreg *regs = cur_regs(env);
	uint32_t idx = env->cur_idx, target = idx + 1 + (uint32_t)(int32_t)in->off;
	bool is32 = oi->flags & UBEE_F_32, is_x = oi->fmt == UBEE_FMT_JMP_X;
	struct vreg *a = &regs[in->dst], kreg, *b;
	struct vstate *taken;
	enum ubee_scond c;
	uint64_t k = is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm;
	int r, err;

	if (cond_of(in->op, &c))
		return verr(env, "unknown jump %s", oi->name);
	if (a->type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", in->dst);
	if (is_x) {
		b = &regs[in->src];
		if (b->type == VT_NOT_INIT)
			return verr(env, "R%d !read_ok", in->src);
	} else {
		vreg_const(&kreg, k);
		b = &kreg;
	}

	if (a->type == VT_SCALAR && b->type == VT_SCALAR) {
		r = ubee_scalar_cond(&a->s, &b->s, c, is32);
		if (r >= 0) {
			vmark_precise(env, in->dst);
			if (is_x)
				vmark_precise(env, in->src);
			env->cur.idx = r ? target : idx + 1;
			return 0;
		}
		err = vpush_branch(env, target, &taken);
		if (err)
			return err;
		if (!refine_in(taken, in->dst, is_x ? in->src : -1, k, c, is32))
			drop_pushed(env);
		if (!refine_in(&env->cur, in->dst, is_x ? in->src : -1, k,
			       ubee_scond_negate(c), is32))
			return 1;
		env->cur.idx = idx + 1;
		return 0;
	}

	/*
	 * A nullable pointer against the immediate 0 (as the kernel: a
	 * register holding 0 proves nothing about the pointer).
	 */
	if (!is32 && (c == UBEE_SCOND_EQ || c == UBEE_SCOND_NE)) {
		struct vreg *p = NULL;

		if (!is_x && (a->flags & VF_NULL) && vreg_is_const0(b))
			p = a;
		if (p) {
			uint32_t id = p->id;

			err = vpush_branch(env, target, &taken);
			if (err)
				return err;
			mark_ptr_or_null(taken, id, c == UBEE_SCOND_EQ);
			mark_ptr_or_null(&env->cur, id, c == UBEE_SCOND_NE);
			env->cur.idx = idx + 1;
			return 0;
		}
		/* A pointer that cannot be NULL is never 0. */
		if ((vreg_is_ptr(a) && !(a->flags & VF_NULL) && vreg_is_const0(b)) ||
		    (vreg_is_ptr(b) && !(b->flags & VF_NULL) && vreg_is_const0(a))) {
			env->cur.idx = c == UBEE_SCOND_NE ? target : idx + 1;
			return 0;
		}
	}

	if (!is32 && is_x && (is_pkt_pair(a, b) || is_pkt_pair(b, a))) {
		bool p_is_dst = is_pkt_pair(a, b);
		struct vreg p = p_is_dst ? *a : *b;

		r = b->type == VT_PKT_END || a->type == VT_PKT_END
			    ? pkt_decided(&p, c, p_is_dst) : -1;
		if (r >= 0) {
			env->cur.idx = r ? target : idx + 1;
			return 0;
		}
		err = vpush_branch(env, target, &taken);
		if (err)
			return err;
		pkt_cond(env, taken, &p, p_is_dst ? in->dst : in->src, c,
			 p_is_dst);
		env->cur.idx = idx + 1;
		return 0;
	}

	if (env->unpriv && (vreg_is_ptr(a) || vreg_is_ptr(b)) &&
	    !(vreg_is_ptr(a) && vreg_is_ptr(b) && a->type == b->type &&
	      (a->type == VT_PKT || a->type == VT_PKT_META)))
		return verr(env, "R%d pointer comparison prohibited",
			    vreg_is_ptr(a) ? in->dst : in->src);
	/* Other pointer comparisons: both ways, nothing learned. */
	err = vpush_branch(env, target, NULL);
	if (err)
		return err;
	env->cur.idx = idx + 1;
	return 0;
}
