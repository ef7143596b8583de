// SPDX-License-Identifier: MIT
/*
 * Verifier states: registers and frames, copies, the branch stack, stored
 * states at prune points and their comparison (pruning), loop detection,
 * and precision tracking (backtracking along a path's history). See
 * vstate.h for what each field means.
 *
 * Pruning rule: a state cur reaching instruction i is safe when a state
 * old stored at i whose exploration has finished covers it: every live
 * register of old admits what cur has (a scalar old has not marked
 * precise admits any scalar), every stack byte old relied on is the same
 * kind in cur, the same references and lock are held. A stored state
 * still being explored (branches > 0) is an ancestor of cur: equal to cur
 * means the path loops forever.
 */
#include <errno.h>
#include <string.h>

#include "util/util.h"
#include "verifier/vstate.h"

void vreg_not_init(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	ubee_scalar_unknown(&r->s);
}

void vreg_unknown(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	r->type = VT_SCALAR;
	ubee_scalar_unknown(&r->s);
}

void vreg_const(struct vreg *r, uint64_t v)
{
	memset(r, 0, sizeof(*r));
	r->type = VT_SCALAR;
	ubee_scalar_const(&r->s, v);
}

bool vreg_is_ptr(const struct vreg *r)
{
	return r->type != VT_NOT_INIT && r->type != VT_SCALAR;
}

bool vreg_is_const0(const struct vreg *r)
{
	return r->type == VT_SCALAR && ubee_scalar_is_const(&r->s) &&
	       r->s.var.value == 0;
}

struct vframe *vframe_new(uint32_t cap)
{
	struct vframe *f;

	f = ubee_malloc(sizeof(*f) + (size_t)cap * sizeof(struct vslot));
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < NREGS; i++)
		vreg_not_init(&f->regs[i]);
	return f;
}

int vstate_grow(struct vstate *st, uint32_t fi, uint32_t nslots)
{
	struct vframe *f = st->frames[fi];

	if (nslots <= f->nslots)
		return 0;
	if (nslots > st->caps[fi]) {
		uint32_t cap = st->caps[fi] * 2;
		struct vframe *n;

		if (cap < nslots)
			cap = nslots;
		if (cap > MAX_SLOTS)
			cap = MAX_SLOTS;
		n = ubee_realloc(f, sizeof(*f) + (size_t)cap * sizeof(struct vslot));
		if (!n)
			return -ENOMEM;
		st->frames[fi] = f = n;
		st->caps[fi] = cap;
	}
	memset(&f->slots[f->nslots], 0,
	       (nslots - f->nslots) * sizeof(struct vslot));
	f->nslots = nslots;
	return 0;
}

void vstate_free(struct vstate *st)
{
	for (uint32_t i = 0; i < UBEE_V_MAX_FRAMES; i++) {
		ubee_free(st->frames[i]);
		st->frames[i] = NULL;
	}
	ubee_free(st->hist);
	st->hist = NULL;
	st->nhist = st->caphist = 0;
}

static int copy_frames(struct vstate *dst, const struct vstate *src)
{
	for (uint32_t i = 0; i <= src->depth; i++) {
		const struct vframe *f = src->frames[i];
		size_t sz = sizeof(*f) + f->nslots * sizeof(struct vslot);

		dst->frames[i] = ubee_malloc(sz);
		if (!dst->frames[i])
			return -ENOMEM;
		memcpy(dst->frames[i], f, sz);
		dst->caps[i] = f->nslots;
	}
	return 0;
}

/* dst (uninitialised) becomes a copy of src, history included. */
int vstate_copy(struct vstate *dst, const struct vstate *src)
{
	memcpy(dst, src, sizeof(*dst));
	memset(dst->frames, 0, sizeof(dst->frames));
	dst->hist = NULL;
	dst->caphist = dst->nhist = 0;
	if (copy_frames(dst, src))
		goto nomem;
	if (src->nhist) {
		dst->hist = ubee_malloc(src->nhist * sizeof(*dst->hist));
		if (!dst->hist)
			goto nomem;
		memcpy(dst->hist, src->hist, src->nhist * sizeof(*dst->hist));
		dst->nhist = dst->caphist = src->nhist;
	}
	return 0;
nomem:
	vstate_free(dst);
	return -ENOMEM;
}

int vhist_push(struct vstate *st, uint32_t idx, uint8_t frame)
{
	if (st->nhist == st->caphist) {
		uint32_t cap = st->caphist ? st->caphist * 2 : 16;
		struct vhist *h = ubee_realloc(st->hist, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		st->hist = h;
		st->caphist = cap;
	}
	st->hist[st->nhist++] = (struct vhist){ idx, frame, 0, 0, 0 };
	return 0;
}

int vpush_branch(struct venv *env, uint32_t idx, struct vstate **out)
{
	struct vstate *st;

	if (env->nstack == env->capstack) {
		size_t cap = env->capstack ? env->capstack * 2 : 64;
		struct vstate *n;

		if (env->nstack > 8192) {
			vlogf(env, "%u: the sequence of %zu jumps is too complex",
				  env->cur_idx, env->nstack);
			return -E2BIG;
		}
		n = ubee_realloc(env->stack, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		env->stack = n;
		env->capstack = cap;
	}
	st = &env->stack[env->nstack];
	if (vstate_copy(st, &env->cur))
		return -ENOMEM;
	st->idx = idx;
	st->log_pos = (uint32_t)env->trace_len;
	env->nstack++;
	if (st->parent)
		st->parent->branches++;
	if (out)
		*out = st;
	return 0;
}

/* ---- comparison ---------------------------------------------------------- */

struct idmap {
	uint32_t n;
	uint32_t old[256], cur[256];
};

static bool check_ids(struct idmap *m, uint32_t old, uint32_t cur)
{
	if (!old && !cur)
		return true;
	if (!old || !cur)
		return false;
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->old[i] == old)
			return m->cur[i] == cur;
		if (m->cur[i] == cur)
			return false;
	}
	if (m->n == UBEE_ARRAY_SIZE(m->old))
		return false;
	m->old[m->n] = old;
	m->cur[m->n++] = cur;
	return true;
}

/* How states are compared: pruning, pruning with every scalar taken as
 * precise (against a state still being explored), or exactly (loops). */
enum { CMP_NORMAL = 0, CMP_FULL, CMP_EXACT };

static bool regsafe(struct idmap *m, const struct vreg *old,
		    const struct vreg *cur, int mode)
{
	bool exact = mode == CMP_EXACT;

	if (old->type == VT_NOT_INIT)
		return !exact || cur->type == VT_NOT_INIT;
	if (old->type != cur->type)
		return false;
	if (old->type == VT_SCALAR) {
		if (exact)
			return ubee_scalar_equal(&old->s, &cur->s);
		if (!old->precise && mode == CMP_NORMAL)
			return true;
		if (!ubee_scalar_within(&old->s, &cur->s))
			return false;
		return !old->id || check_ids(m, old->id, cur->id);
	}
	if (old->flags != cur->flags || old->off != cur->off ||
	    old->map != cur->map || old->frame != cur->frame ||
	    old->aux != cur->aux)
		return false;
	if (exact ? !ubee_scalar_equal(&old->s, &cur->s)
		  : !ubee_scalar_within(&old->s, &cur->s))
		return false;
	switch (old->type) {
	case VT_PKT:
	case VT_PKT_META:
		if (exact ? old->range != cur->range : old->range > cur->range)
			return false;
		break;
	case VT_MEM:
		if (old->range != cur->range)
			return false;
		break;
	default:
		break;
	}
	if ((old->id || cur->id) && !check_ids(m, old->id, cur->id))
		return false;
	if ((old->ref_obj_id || cur->ref_obj_id) &&
	    !check_ids(m, old->ref_obj_id, cur->ref_obj_id))
		return false;
	return true;
}

static bool slot_all(const struct vslot *s, uint8_t kind)
{
	for (int i = 0; i < SLOT; i++)
		if (s->kind[i] != kind)
			return false;
	return true;
}

static bool slot_is_spill8(const struct vslot *s)
{
	return s->spill_size == SLOT && slot_all(s, SK_SPILL);
}

/* Can this slot be read as a scalar without a pointer coming out? */
static bool slot_scalar_only(const struct vslot *s)
{
	for (int i = 0; i < SLOT; i++)
		if (s->kind[i] == SK_SPILL && s->spill.type != VT_SCALAR)
			return false;
	return true;
}

static const struct vslot empty_slot;

static bool stacksafe(struct venv *env, struct idmap *m,
		      const struct vframe *old, const struct vframe *cur,
		      int mode, uint64_t live)
{
	bool exact = mode == CMP_EXACT;

	for (uint32_t spi = 0; spi < old->nslots; spi++) {
		const struct vslot *os = &old->slots[spi];
		const struct vslot *cs = spi < cur->nslots ? &cur->slots[spi]
							  : &empty_slot;

		/* No path after old read this slot before writing it. */
		if (!(live & (1ull << spi)))
			continue;

		if (exact) {
			if (memcmp(os->kind, cs->kind, SLOT) ||
			    os->spill_size != cs->spill_size ||
			    os->spill_off != cs->spill_off)
				return false;
			if (slot_spilled(os) &&
			    !regsafe(m, &os->spill, &cs->spill, CMP_EXACT))
				return false;
			continue;
		}
		if (slot_all(os, SK_INVALID)) {
			if (!env->unpriv && !slot_scalar_only(cs))
				return false;
			continue;
		}
		if (slot_is_spill8(os)) {
			if (slot_is_spill8(cs)) {
				if (!regsafe(m, &os->spill, &cs->spill, mode))
					return false;
				continue;
			}
			if (os->spill.type != VT_SCALAR || !slot_scalar_only(cs))
				return false;
			if (os->spill.precise || mode == CMP_FULL) {
				struct ubee_scalar z;

				if (!slot_all(cs, SK_ZERO))
					return false;
				ubee_scalar_const(&z, 0);
				if (!ubee_scalar_within(&os->spill.s, &z))
					return false;
			}
			continue;
		}
		if (slot_spilled(os)) {
			/* A narrow spill: the same spill, or nothing relied on. */
			if (cs->spill_size != os->spill_size ||
			    cs->spill_off != os->spill_off ||
			    memcmp(os->kind, cs->kind, SLOT) ||
			    !regsafe(m, &os->spill, &cs->spill, mode))
				return false;
			continue;
		}
		for (int i = 0; i < SLOT; i++) {
			uint8_t o = os->kind[i], c = cs->kind[i];

			switch (o) {
			case SK_INVALID:
				if (!env->unpriv && c == SK_SPILL &&
				    cs->spill.type != VT_SCALAR)
					return false;
				break;
			case SK_MISC:
				if (c == SK_SPILL && cs->spill.type != VT_SCALAR)
					return false;
				if (c == SK_INVALID && env->unpriv)
					return false;
				break;
			default:
				if (o != c)
					return false;
				break;
			}
		}
	}
	return true;
}

/*
 * Does old (slot_read: its stack liveness, NULL for every slot) cover
 * cur for mode?
 */
static bool states_equal(struct venv *env, const struct vstate *old,
			 const uint64_t *slot_read, const struct vstate *cur,
			 int mode)
{
	struct idmap m;

	/* Recording facts: every value must be covered, dead or imprecise. */
	if (env->facts && mode == CMP_NORMAL)
		mode = CMP_FULL;
	if (old->depth != cur->depth || old->nrefs != cur->nrefs ||
	    old->lock_id != cur->lock_id || old->lock_map != cur->lock_map ||
	    old->lock_off != cur->lock_off)
		return false;
	m.n = 0;
	for (uint32_t f = 0; f <= old->depth; f++) {
		const struct vframe *of = old->frames[f], *cf = cur->frames[f];
		uint16_t live;

		if (of->callsite != cf->callsite || of->callback != cf->callback)
			return false;
		if (f == old->depth)
			live = env->live[cur->idx];
		else
			live = env->live[old->frames[f + 1]->callsite + 1] & ~0x3fu;
		if (env->facts)
			live = 0x7ff;
		for (int r = 0; r < NREGS; r++) {
			if (!(live & (1u << r)))
				continue;
			if (!regsafe(&m, &of->regs[r], &cf->regs[r], mode))
				return false;
		}
		if (!stacksafe(env, &m, of, cf, mode,
			       mode == CMP_NORMAL && slot_read ? slot_read[f] : ~0ull))
			return false;
	}
	for (uint32_t i = 0; i < old->nrefs; i++)
		if (!check_ids(&m, old->refs[i].id, cur->refs[i].id))
			return false;
	if ((old->lock_obj || cur->lock_obj) &&
	    !check_ids(&m, old->lock_obj, cur->lock_obj))
		return false;
	return true;
}

/* ---- precision ----------------------------------------------------------- */

struct vmask {
	uint16_t regs[UBEE_V_MAX_FRAMES];
	uint64_t slots[UBEE_V_MAX_FRAMES];
};

static bool mask_empty(const struct vmask *m)
{
	for (uint32_t f = 0; f < UBEE_V_MAX_FRAMES; f++)
		if (m->regs[f] || m->slots[f])
			return false;
	return true;
}

/* The callee register holding the caller's R3 in a callback (enum vcb). */
static uint16_t cb_arg_bit(uint8_t cb)
{
	return cb == CB_LOOP ? 1u << 2 : cb == CB_FOR_EACH ? 1u << 4 : 0;
}

/* Step the mask of what must be precise back over one instruction. */
static void backtrack_insn(struct venv *env, const struct vhist *h,
			   struct vmask *m)
{
	const struct ubee_dinsn *in = &env->code[h->idx];
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];
	uint32_t f = h->frame;
	uint16_t *regs = &m->regs[f];
	uint16_t dbit = (uint16_t)(1u << in->dst), sbit = (uint16_t)(1u << in->src);

	switch (oi->fmt) {
	case UBEE_FMT_ALU_K:
		if (in->op == UBEE_OP_MOV64_K || in->op == UBEE_OP_MOV32_K)
			*regs &= (uint16_t)~dbit;
		break;
	case UBEE_FMT_ALU_X:
		if (!(*regs & dbit))
			break;
		if (in->op == UBEE_OP_MOV64_X || in->op == UBEE_OP_MOV32_X)
			*regs &= (uint16_t)~dbit;
		*regs |= sbit;
		break;
	case UBEE_FMT_MOVSX:
		if (*regs & dbit) {
			*regs &= (uint16_t)~dbit;
			*regs |= sbit;
		}
		break;
	case UBEE_FMT_LDX:
	case UBEE_FMT_LOAD_ACQ:
		if (*regs & dbit) {
			*regs &= (uint16_t)~dbit;
			if (h->flags & H_STACK)
				m->slots[h->sframe] |= 1ull << h->spi;
		}
		break;
	case UBEE_FMT_ST:
	case UBEE_FMT_STX:
	case UBEE_FMT_STORE_REL:
		if ((h->flags & H_STACK) &&
		    (m->slots[h->sframe] & (1ull << h->spi))) {
			m->slots[h->sframe] &= ~(1ull << h->spi);
			if (oi->fmt != UBEE_FMT_ST)
				*regs |= sbit;
		}
		break;
	case UBEE_FMT_ATOMIC_FETCH:
	case UBEE_FMT_XCHG:
		*regs &= (uint16_t)~sbit;
		break;
	case UBEE_FMT_CMPXCHG:
		*regs &= (uint16_t)~1u;
		break;
	case UBEE_FMT_LDDW:
		*regs &= (uint16_t)~dbit;
		break;
	case UBEE_FMT_JMP_X:
		if (*regs & (dbit | sbit))
			*regs |= dbit | sbit;
		break;
	case UBEE_FMT_CALL:
	case UBEE_FMT_CALL_KFUNC:
	case UBEE_FMT_LD_ABS:
	case UBEE_FMT_LD_IND:
		*regs &= (uint16_t)~0x3fu;
		if ((h->flags & H_CB_ENTER) && f + 1 < UBEE_V_MAX_FRAMES) {
			/* The callback's scalar argument is the caller's R3. */
			if (m->regs[f + 1] & cb_arg_bit(h->spi))
				*regs |= 1u << 3;
			m->regs[f + 1] = 0;
			m->slots[f + 1] = 0;
		}
		break;
	case UBEE_FMT_CALL_LOCAL:
		if (f + 1 < UBEE_V_MAX_FRAMES) {
			*regs |= m->regs[f + 1] & 0x3e;
			m->regs[f + 1] = 0;
			m->slots[f + 1] = 0;
		}
		break;
	case UBEE_FMT_EXIT:
		if (!f)
			break;
		if (h->flags & H_CB_EXIT) {
			/*
			 * Either the caller goes on (its R0 is a new unknown)
			 * or the callback is entered again, with its scalar
			 * argument from the caller's R3 (still there).
			 */
			m->regs[f - 1] &= (uint16_t)~1u;
			if (m->regs[f] & cb_arg_bit(h->spi))
				m->regs[f - 1] |= 1u << 3;
			m->regs[f] = 0;
		} else {
			m->regs[f] = m->regs[f - 1] & 1u;
			m->regs[f - 1] &= (uint16_t)~1u;
		}
		m->slots[f] = 0;
		break;
	default:
		break;
	}
	m->regs[f] &= (uint16_t)~(1u << REG_FP);
}

/* Mark what m names as precise in a stored state; drop non-scalars. */
static void mark_node(struct vstate *st, struct vmask *m)
{
	for (uint32_t f = 0; f < UBEE_V_MAX_FRAMES; f++) {
		struct vframe *fr;

		if (f > st->depth) {
			m->regs[f] = 0;
			m->slots[f] = 0;
			continue;
		}
		fr = st->frames[f];
		for (int r = 0; r < NREGS; r++) {
			if (!(m->regs[f] & (1u << r)))
				continue;
			/* Already precise: its sources were marked then. */
			if (fr->regs[r].type == VT_SCALAR && !fr->regs[r].precise)
				fr->regs[r].precise = 1;
			else
				m->regs[f] &= (uint16_t)~(1u << r);
		}
		for (uint32_t spi = 0; spi < MAX_SLOTS; spi++) {
			struct vslot *s;

			if (!(m->slots[f] & (1ull << spi)))
				continue;
			s = spi < fr->nslots ? &fr->slots[spi] : NULL;
			if (s && slot_spilled(s) &&
			    s->spill.type == VT_SCALAR && !s->spill.precise)
				s->spill.precise = 1;
			else
				m->slots[f] &= ~(1ull << spi);
		}
	}
}

static void backtrack(struct venv *env, struct vmask *m, bool skip_last)
{
	struct vstate *st = &env->cur;
	const struct vhist *h = st->hist;
	uint32_t n = st->nhist;
	struct vnode *node = st->parent;

	if (skip_last && n)
		n--;
	for (;;) {
		while (n) {
			backtrack_insn(env, &h[--n], m);
			if (mask_empty(m))
				return;
		}
		if (!node)
			return;
		mark_node(&node->st, m);
		if (mask_empty(m))
			return;
		h = node->st.hist;
		n = node->st.nhist;
		node = node->parent;
	}
}

int vmark_precise(struct venv *env, int regno)
{
	struct vmask m;
	struct vreg *r = &cur_regs(env)[regno];

	/*
	 * Already precise in the current state: its history was marked then
	 * (and the register not written since: a write clears the flag).
	 */
	if (r->type != VT_SCALAR || r->precise)
		return 0;
	memset(&m, 0, sizeof(m));
	m.regs[env->cur.depth] = (uint16_t)(1u << regno);
	backtrack(env, &m, true);
	r->precise = 1;
	return 0;
}

void vslot_read(struct venv *env, uint32_t frame, uint64_t mask)
{
	mask &= ~env->cur.slot_written[frame];
	for (struct vnode *n = env->cur.parent; n && mask; n = n->parent) {
		if (frame > n->st.depth)
			break;
		/* Bits already there were carried up from n then. */
		mask &= ~n->slot_read[frame];
		n->slot_read[frame] |= mask;
		mask &= ~n->st.slot_written[frame];
	}
}

/* cur ends covered by old: what old's paths read, cur's path reads. */
static void propagate_liveness(struct venv *env, const struct vnode *old)
{
	for (uint32_t f = 0; f <= old->st.depth; f++)
		if (old->slot_read[f])
			vslot_read(env, f, old->slot_read[f]);
}

/* cur ends covered by an ancestor still being explored: every slot. */
static void all_slots_read(struct venv *env)
{
	for (uint32_t f = 0; f <= env->cur.depth; f++)
		vslot_read(env, f, ~0ull);
}

int vmark_slot_precise(struct venv *env, uint32_t frame, uint32_t spi)
{
	struct vslot *sl = &env->cur.frames[frame]->slots[spi];
	struct vmask m;

	if (!slot_spilled(sl) || sl->spill.type != VT_SCALAR || sl->spill.precise)
		return 0;
	memset(&m, 0, sizeof(m));
	m.slots[frame] = 1ull << spi;
	backtrack(env, &m, false);
	sl->spill.precise = 1;
	return 0;
}

/* cur was found covered by old: what old relied on, cur's path relies on. */
static void propagate_precision(struct venv *env, const struct vstate *old)
{
	struct vmask m;

	memset(&m, 0, sizeof(m));
	for (uint32_t f = 0; f <= old->depth; f++) {
		const struct vframe *fr = old->frames[f];

		for (int r = 0; r < NREGS; r++)
			if (fr->regs[r].type == VT_SCALAR && fr->regs[r].precise)
				m.regs[f] |= (uint16_t)(1u << r);
		for (uint32_t spi = 0; spi < fr->nslots; spi++)
			if (slot_spilled(&fr->slots[spi]) &&
			    fr->slots[spi].spill.type == VT_SCALAR &&
			    fr->slots[spi].spill.precise)
				m.slots[f] |= 1ull << spi;
	}
	if (!mask_empty(&m))
		backtrack(env, &m, false);
}

/* ---- prune points ---------------------------------------------------------- */

/* Everything scalar in cur's live registers and stack becomes precise. */
static void mark_all_precise(struct venv *env)
{
	const struct vstate *cur = &env->cur;
	struct vmask m;

	memset(&m, 0, sizeof(m));
	for (uint32_t f = 0; f <= cur->depth; f++) {
		const struct vframe *fr = cur->frames[f];

		for (int r = 0; r < REG_FP; r++)
			if (fr->regs[r].type == VT_SCALAR)
				m.regs[f] |= (uint16_t)(1u << r);
		for (uint32_t spi = 0; spi < fr->nslots; spi++)
			if (slot_spilled(&fr->slots[spi]) &&
			    fr->slots[spi].spill.type == VT_SCALAR)
				m.slots[f] |= 1ull << spi;
	}
	backtrack(env, &m, false);
}

static bool same_frames(const struct vstate *a, const struct vstate *b)
{
	if (a->depth != b->depth)
		return false;
	for (uint32_t f = 0; f <= a->depth; f++)
		if (a->frames[f]->callsite != b->frames[f]->callsite ||
		    a->frames[f]->callback != b->frames[f]->callback)
			return false;
	return true;
}

/*
 * Widening at a callback's entry: scalars and stack bytes where cur
 * differs from old (the state of an earlier iteration) become unknown, so
 * that the iterations reach a state that covers the next one.
 */
static int widen(struct venv *env, const struct vstate *old)
{
	struct vstate *cur = &env->cur;

	for (uint32_t f = 0; f <= cur->depth; f++) {
		const struct vframe *of = old->frames[f];
		struct vframe *cf = cur->frames[f];
		int err;

		for (int r = 0; r < REG_FP; r++) {
			struct vreg *c = &cf->regs[r];

			if (c->type == VT_SCALAR &&
			    (of->regs[r].type != VT_SCALAR ||
			     !ubee_scalar_equal(&of->regs[r].s, &c->s)))
				vreg_unknown(c);
		}
		err = vstate_grow(cur, f, of->nslots);
		if (err)
			return err;
		cf = cur->frames[f];
		for (uint32_t spi = 0; spi < cf->nslots; spi++) {
			const struct vslot *os = spi < of->nslots ? &of->slots[spi]
								 : &empty_slot;
			struct vslot *cs = &cf->slots[spi];
			bool same = !memcmp(os->kind, cs->kind, SLOT) &&
				    os->spill_size == cs->spill_size;

			if (same && slot_spilled(cs))
				same = cs->spill.type == os->spill.type &&
				       (cs->spill.type != VT_SCALAR ||
					ubee_scalar_equal(&os->spill.s, &cs->spill.s));
			if (same || !slot_scalar_only(os) || !slot_scalar_only(cs))
				continue;
			for (int i = 0; i < SLOT; i++) {
				uint8_t o = os->kind[i], c = cs->kind[i];

				if (o == SK_INVALID || c == SK_INVALID)
					cs->kind[i] = SK_INVALID;
				else if (o == SK_ZERO && c == SK_ZERO)
					cs->kind[i] = SK_ZERO;
				else
					cs->kind[i] = SK_MISC;
			}
			cs->spill_size = 0;
		}
	}
	return 0;
}

/*
 * may_goto: the scalars of cur (a new iteration) that differ from old
 * (the state at the previous iteration's may_goto) and that no one has
 * marked precise become unknown, as the kernel's widen_imprecise_scalars:
 * iterations then converge (see vstate_visit) instead of counting.
 */
static void widen_imprecise(const struct vstate *old, struct vstate *cur)
{
	for (uint32_t f = 0; f <= cur->depth && f <= old->depth; f++) {
		const struct vframe *of = old->frames[f];
		struct vframe *cf = cur->frames[f];

		for (int r = 0; r < REG_FP; r++) {
			const struct vreg *o = &of->regs[r];
			struct vreg *c = &cf->regs[r];

			if (o->type == VT_SCALAR && c->type == VT_SCALAR &&
			    !o->precise && !c->precise &&
			    !ubee_scalar_equal(&o->s, &c->s))
				vreg_unknown(c);
		}
		for (uint32_t spi = 0; spi < cf->nslots && spi < of->nslots; spi++) {
			const struct vslot *os = &of->slots[spi];
			struct vslot *cs = &cf->slots[spi];

			if (slot_spilled(os) && slot_spilled(cs) &&
			    os->spill.type == VT_SCALAR && cs->spill.type == VT_SCALAR &&
			    os->spill_size == SLOT && cs->spill_size == SLOT &&
			    !os->spill.precise && !cs->spill.precise &&
			    !ubee_scalar_equal(&os->spill.s, &cs->spill.s))
				vreg_unknown(&cs->spill);
		}
	}
}

int vmay_goto(struct venv *env, const struct ubee_dinsn *in)
{
	uint32_t idx = env->cur.idx;
	struct vstate *next;
	struct vnode *prev = NULL;
	int err;

	/*
	 * The previous iteration's state here: the latest ancestor but the
	 * one just stored for this very visit.
	 */
	for (struct vnode *n = env->explored[idx]; n; n = n->next)
		if (n->branches && n != env->cur.parent &&
		    same_frames(&n->st, &env->cur)) {
			prev = n;
			break;
		}
	err = vpush_branch(env, idx + 1, &next);
	if (err)
		return err;
	next->may_goto_depth++;
	if (prev)
		widen_imprecise(&prev->st, next);
	env->cur.idx = idx + 1 + (uint32_t)(int32_t)in->off;
	return 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static inline uint64_t rotl(uint64_t v, unsigned n)
{
	return v << n | v >> (64 - n);
}

/* One multiply per register: the fields are folded first. */
static uint64_t hash_reg(uint64_t h, const struct vreg *r)
{
	uint64_t v = r->type | (uint64_t)r->flags << 8 | (uint64_t)r->frame << 16;

	if (r->type != VT_NOT_INIT)
		v ^= rotl(r->s.var.value, 7) ^ rotl(r->s.var.mask, 19) ^
		     rotl((uint64_t)r->s.smin, 29) ^ rotl(r->s.umax, 41) ^
		     rotl((uint64_t)(uint32_t)r->off << 32 | r->range, 53) ^
		     (uint64_t)(uintptr_t)r->map ^ r->aux;
	return mix(h, v);
}

/* A hash of the state as an exact comparison sees it (ids excluded). */
static uint64_t state_hash(const struct venv *env, const struct vstate *st)
{
	uint64_t h = mix(st->depth, st->nrefs);

	for (uint32_t f = 0; f <= st->depth; f++) {
		const struct vframe *fr = st->frames[f];
		uint16_t live = f == st->depth
					? env->live[st->idx]
					: env->live[st->frames[f + 1]->callsite + 1] & ~0x3fu;

		if (env->facts)
			live = 0x7ff;
		h = mix(h, fr->callsite);
		for (int r = 0; r < NREGS; r++)
			if (live & (1u << r))
				h = hash_reg(h, &fr->regs[r]);
		for (uint32_t spi = 0; spi < fr->nslots; spi++) {
			const struct vslot *sl = &fr->slots[spi];
			uint64_t k;

			memcpy(&k, sl->kind, SLOT);
			if (!k)
				continue;
			h = mix(h, k ^ spi);
			if (slot_spilled(sl))
				h = hash_reg(h, &sl->spill);
		}
	}
	return h;
}

static void node_free(struct venv *env, struct vnode *n)
{
	vstate_free(&n->st);
	ubee_free(n);
	env->cur_states--;
}

/*
 * Drop node *pp from its instruction's list: freed at once when no path
 * below it is alive, else kept on the retired list (paths below still
 * count on it) until its last path ends (vpath_done).
 */
static void evict(struct venv *env, struct vnode **pp)
{
	struct vnode *n = *pp;

	*pp = n->next;
	env->nexplored[n->idx]--;
	if (!n->branches) {
		node_free(env, n);
		return;
	}
	n->evicted = 1;
	n->prev = NULL;
	n->next = env->retired;
	if (env->retired)
		env->retired->prev = n;
	env->retired = n;
}

void vpath_done(struct venv *env, struct vstate *st)
{
	struct vnode *n = st->parent, *up;

	for (; n; n = up) {
		up = n->parent;
		if (--n->branches)
			break;
		if (!n->evicted)
			continue;
		/* Retired and nothing below it alive: free it. */
		if (n->prev)
			n->prev->next = n->next;
		else
			env->retired = n->next;
		if (n->next)
			n->next->prev = n->prev;
		node_free(env, n);
	}
}

/*
 * At a prune point, as the kernel's is_state_visited: a stored state
 * that covers cur ends the path; an ancestor (still being explored)
 * exactly equal to cur is an infinite loop. Every stored state that
 * fails to cover (or, for an ancestor, to equal) cur counts a miss when
 * a state is to be stored here; one that misses much more than it hits
 * is dropped (it would only slow every later visit down). Then cur may
 * be stored.
 */
int vstate_visit(struct venv *env, uint32_t idx)
{
	struct vnode *n, **pp, *wide = NULL;
	uint64_t hash = 0;
	bool have_hash = false;
	bool cb_entry = env->prog->func_entry && env->prog->func_entry[idx] &&
			cur_frame(env)->callback;
	bool may_goto = env->code[idx].op == UBEE_OP_MAY_GOTO;
	uint32_t dj = env->jmps - env->last_store_jmps;
	uint64_t di = env->insns_processed - env->last_store_insns;
	/*
	 * Store a state only every few jumps and instructions, as the kernel
	 * does; inside a loop (an ancestor at this instruction) only every
	 * 20 jumps or 100 instructions: iterations differ and rarely prune
	 * each other, and a loop too long for the complexity limit must fail
	 * fast. Always at a callback's entry, where iterations must meet,
	 * and when the path's own history since its last stored state is
	 * long (the counts above are of every path; precision tracking walks
	 * this history, as the kernel's force_new_state).
	 */
	bool force = cb_entry || may_goto || env->cur.nhist > 256;
	bool add = force || (dj >= 2 && di >= 8);
	int err;

	for (pp = &env->explored[idx]; (n = *pp);) {
		uint32_t limit = 3;

		if (n->branches) {
			if (cb_entry && same_frames(&n->st, &env->cur)) {
				/* An iteration of a callback within an earlier one. */
				if (states_equal(env, &n->st, NULL, &env->cur, CMP_FULL)) {
					n->hits++;
					mark_all_precise(env);
					all_slots_read(env);
					return 1;
				}
				if (!wide)
					wide = n;
				limit = 64; /* iterations must meet here */
				goto miss;
			}
			if (may_goto)
				limit = 64; /* as the kernel's checkpoints */
			/*
			 * Another may_goto iteration covered by an earlier one
			 * (every scalar compared): the loop converged.
			 */
			if (may_goto && n->st.may_goto_depth != env->cur.may_goto_depth &&
			    same_frames(&n->st, &env->cur) &&
			    states_equal(env, &n->st, NULL, &env->cur, CMP_FULL)) {
				n->hits++;
				mark_all_precise(env);
				all_slots_read(env);
				return 1;
			}
			if (!have_hash) {
				hash = state_hash(env, &env->cur);
				have_hash = true;
			}
			if (n->hash == hash &&
			    n->st.may_goto_depth == env->cur.may_goto_depth &&
			    states_equal(env, &n->st, NULL, &env->cur, CMP_EXACT)) {
				vlogf(env, "%u: infinite loop detected at insn %u",
					  idx, idx);
				return -EACCES;
			}
			if (!force && dj < 20 && di < 100)
				add = false;
			goto miss;
		}
		if (states_equal(env, &n->st, n->slot_read, &env->cur, CMP_NORMAL)) {
			n->hits++;
			propagate_precision(env, &n->st);
			propagate_liveness(env, n);
			return 1;
		}
miss:
		if (add)
			n->misses++;
		if (n->misses > n->hits * limit + limit && n != wide) {
			evict(env, pp);
			continue;
		}
		pp = &n->next;
	}
	if (!add)
		return 0;
	/* A hard bound on the states compared at one instruction. */
	if (env->nexplored[idx] >= UBEE_V_MAX_STATES_PER_INSN) {
		struct vnode **oldest = NULL;

		for (pp = &env->explored[idx]; *pp; pp = &(*pp)->next)
			if (*pp != wide)
				oldest = pp;
		if (oldest)
			evict(env, oldest);
	}
	env->last_store_jmps = env->jmps;
	env->last_store_insns = env->insns_processed;
	if (wide) {
		err = widen(env, &wide->st);
		if (err)
			return err;
	}
	n = ubee_malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n, 0, sizeof(*n));
	memcpy(&n->st, &env->cur, sizeof(n->st));
	memset(n->st.frames, 0, sizeof(n->st.frames));
	if (copy_frames(&n->st, &env->cur)) {
		n->st.hist = NULL;
		vstate_free(&n->st);
		ubee_free(n);
		return -ENOMEM;
	}
	/* The node takes the history (and writes) from its parent to here. */
	env->cur.hist = NULL;
	env->cur.nhist = env->cur.caphist = 0;
	memset(env->cur.slot_written, 0, sizeof(env->cur.slot_written));
	n->idx = idx;
	n->hash = state_hash(env, &env->cur);
	n->parent = env->cur.parent;
	n->branches = 1;
	n->next = env->explored[idx];
	env->explored[idx] = n;
	env->cur.parent = n;
	env->nexplored[idx]++;
	if (env->nexplored[idx] > env->max_per_insn)
		env->max_per_insn = env->nexplored[idx];
	env->total_states++;
	env->cur_states++;
	if (env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	return 0;
}

void vnodes_free(struct venv *env)
{
	struct vnode *n, *next;

	for (n = env->retired; n; n = next) {
		next = n->next;
		vstate_free(&n->st);
		ubee_free(n);
	}
	env->retired = NULL;
	if (!env->explored)
		return;
	for (size_t i = 0; i < env->cnt; i++) {
		for (n = env->explored[i]; n; n = next) {
			next = n->next;
			vstate_free(&n->st);
			ubee_free(n);
		}
	}
}
