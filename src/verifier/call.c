// SPDX-License-Identifier: MIT
/*
 * Calls and exits in the verifier core.
 *
 * Helper calls: each argument is checked against its kind (enum
 * ubee_arg_kind; a few built-in records use a weaker kind, corrected here
 * by helper id), the map a helper is given must be of a type the helper
 * works on, R1-R5 are clobbered and R0 gets the return kind's type.
 * References: a ring buffer reservation (or an acquired socket) is held
 * until submitted/discarded/released, and must not be held at exit.
 * Spin locks: one at a time, released by the same lock, no calls and no
 * exit while held. Helpers that move packet data invalidate every packet
 * pointer.
 *
 * bpf-to-bpf calls push a frame (R1-R5 passed, R6-R9 of the caller kept,
 * R0 returned). Callbacks of bpf_loop and bpf_for_each_map_elem run in a
 * frame of their own with their real arguments; at the callback's exit
 * the path both returns to the caller and enters the callback again
 * (another iteration), until the callback's entry state repeats (see
 * vstate_visit).
 */
#include <errno.h>
#include <string.h>

#include "ubee/btf.h"
#include "ubee/pin.h"
#include "helpers/helpers.h"
#include "maps/maps.h"
#include "util/util.h"
#include "verifier/vstate.h"
#include "vm/vm.h"

#define HELPER_SK_RELEASE 86

/* The kind of argument i of h, corrected where the built-in record is weaker. */
static int arg_kind(const struct ubee_helper *h, int i)
{
	int k = h->args[i];

	switch (h->id) {
	case UBEE_HELPER_SPIN_LOCK:
	case UBEE_HELPER_SPIN_UNLOCK:
		if (i == 0)
			return UBEE_ARG_PTR_TO_SPIN_LOCK;
		break;
	case UBEE_HELPER_RINGBUF_RESERVE:
		if (i == 1)
			return UBEE_ARG_CONST_ALLOC_SIZE_OR_ZERO;
		break;
	case UBEE_HELPER_MAP_POP_ELEM:
	case UBEE_HELPER_MAP_PEEK_ELEM:
		if (i == 1)
			return UBEE_ARG_PTR_TO_UNINIT_MAP_VALUE;
		break;
	case UBEE_HELPER_LOOP:
	case UBEE_HELPER_FOR_EACH_MAP_ELEM:
		if (i == 2)
			return UBEE_ARG_PTR_TO_STACK_OR_NULL;
		break;
	case UBEE_HELPER_SNPRINTF:
		if (i == 2)
			return UBEE_ARG_PTR_TO_CONST_STR;
		break;
	case UBEE_HELPER_STRNCMP:
		if (i == 2)
			return UBEE_ARG_PTR_TO_CONST_STR;
		break;
	default:
		break;
	}
	return k;
}

static bool changes_pkt_data(int32_t id)
{
	static const int32_t ids[] = { 9, 10, 11, 18, 19, 31, 38, 39, 43, 44,
				       50, 54, 65, 71, 73, 74, 75, 90, 91 };

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(ids); i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* May helper id be given a map of this type (and the reverse)? */
static int check_map_func(struct venv *env, const struct ubee_helper *h,
			  const struct ubee_map *m)
{
	uint32_t t = m->type;
	int32_t id = h->id;
	bool ok = true;

	switch (t) {
	case UBEE_MAP_RINGBUF:
		ok = id == UBEE_HELPER_RINGBUF_OUTPUT ||
		     id == UBEE_HELPER_RINGBUF_RESERVE ||
		     id == UBEE_HELPER_RINGBUF_QUERY;
		break;
	case UBEE_MAP_PROG_ARRAY:
		ok = id == UBEE_HELPER_TAIL_CALL;
		break;
	case UBEE_MAP_PERF_EVENT_ARRAY:
		ok = id == UBEE_HELPER_PERF_EVENT_OUTPUT || id == 22 || id == 55 ||
		     id == 27 || id == 67;
		break;
	case UBEE_MAP_QUEUE:
	case UBEE_MAP_STACK:
		ok = id == UBEE_HELPER_MAP_PUSH_ELEM || id == UBEE_HELPER_MAP_POP_ELEM ||
		     id == UBEE_HELPER_MAP_PEEK_ELEM;
		break;
	case UBEE_MAP_BLOOM_FILTER:
		ok = id == UBEE_HELPER_MAP_PUSH_ELEM || id == UBEE_HELPER_MAP_PEEK_ELEM;
		break;
	case UBEE_MAP_ARRAY_OF_MAPS:
	case UBEE_MAP_HASH_OF_MAPS:
		ok = id == UBEE_HELPER_MAP_LOOKUP_ELEM;
		break;
	default:
		break;
	}
	if (ok) {
		switch (id) {
		case UBEE_HELPER_TAIL_CALL:
			ok = t == UBEE_MAP_PROG_ARRAY;
			break;
		case UBEE_HELPER_RINGBUF_OUTPUT:
		case UBEE_HELPER_RINGBUF_RESERVE:
		case UBEE_HELPER_RINGBUF_QUERY:
			ok = t == UBEE_MAP_RINGBUF;
			break;
		case UBEE_HELPER_PERF_EVENT_OUTPUT:
			ok = t == UBEE_MAP_PERF_EVENT_ARRAY;
			break;
		case UBEE_HELPER_MAP_PUSH_ELEM:
		case UBEE_HELPER_MAP_PEEK_ELEM:
			ok = t == UBEE_MAP_QUEUE || t == UBEE_MAP_STACK ||
			     t == UBEE_MAP_BLOOM_FILTER;
			break;
		case UBEE_HELPER_MAP_POP_ELEM:
			ok = t == UBEE_MAP_QUEUE || t == UBEE_MAP_STACK;
			break;
		case UBEE_HELPER_MAP_LOOKUP_PERCPU_ELEM:
			ok = t == UBEE_MAP_PERCPU_ARRAY || t == UBEE_MAP_PERCPU_HASH ||
			     t == UBEE_MAP_LRU_PERCPU_HASH;
			break;
		case UBEE_HELPER_FOR_EACH_MAP_ELEM:
			ok = t == UBEE_MAP_HASH || t == UBEE_MAP_LRU_HASH ||
			     t == UBEE_MAP_ARRAY || t == UBEE_MAP_PERCPU_HASH ||
			     t == UBEE_MAP_PERCPU_ARRAY || t == UBEE_MAP_LRU_PERCPU_HASH;
			break;
		default:
			break;
		}
	}
	if (!ok && id == UBEE_HELPER_TAIL_CALL)
		return verr(env, "expected prog array map for tail call");
	if (!ok && id == UBEE_HELPER_FOR_EACH_MAP_ELEM)
		return verr(env, "callback function not allowed for map");
	if (!ok)
		return verr(env, "cannot pass map_type %u into func %s#%d", t,
			    h->name, id);
	return 0;
}

static uint64_t key_size_of(const struct ubee_map *m)
{
	return m->key_size;
}

/*
 * The value of an array map key on the stack, when known (as the kernel
 * 6.18's get_constant_map_key): key_size zero bytes, or a spilled
 * constant of exactly key_size bytes (then marked precise: the lookup's
 * non-NULL result depends on it). -1 when unknown.
 */
static int64_t const_map_key(struct venv *env, const struct vreg *r,
			     uint32_t key_size)
{
	const struct vframe *f;
	const struct vslot *sl;
	int64_t off;
	uint32_t spi;
	int b;

	if (env->unpriv || r->type != VT_STACK || !ubee_scalar_is_const(&r->s) ||
	    key_size != 4)
		return -1;
	off = (int64_t)r->off + (int64_t)r->s.var.value;
	if (off >= 0 || off < -(int64_t)UBEE_V_MAX_STACK || off % 4)
		return -1;
	f = env->cur.frames[r->frame];
	spi = (uint32_t)((-off - 1) / SLOT);
	if (spi >= f->nslots)
		return -1;
	sl = &f->slots[spi];
	b = (int)(off + (int64_t)SLOT * (spi + 1));
	/* The kernel spills only at the slot's start (ubee also at +4). */
	if (slot_spilled(sl) && !b && !sl->spill_off && sl->spill_size == key_size &&
	    sl->spill.type == VT_SCALAR && ubee_scalar_is_const(&sl->spill.s)) {
		vmark_slot_precise(env, r->frame, spi);
		return (int64_t)(uint32_t)sl->spill.s.var.value;
	}
	for (uint32_t i = 0; i < key_size; i++)
		if (sl->kind[b + (int)i] != SK_ZERO)
			return -1;
	return 0;
}

/* Check a size argument (regno) for the memory argument before it. */
static int check_size(struct venv *env, int regno, bool zero_ok, bool write,
		      struct vcall *meta)
{
	struct vreg *r = &cur_regs(env)[regno];

	(void)meta;
	if (r->type != VT_SCALAR)
		return verr(env, "R%d type=%s expected=scalar", regno,
			    vtype_name(r->type, r->flags));
	vmark_precise(env, regno);
	if (r->s.smin < 0)
		return verr(env, "R%d min value is negative, either use unsigned or 'var &= const'",
			    regno);
	if (!r->s.umin && !zero_ok && r->s.umax == 0)
		return verr(env, "R%d invalid zero-sized read: u64=[%llu,%llu]",
			    regno, (unsigned long long)r->s.umin,
			    (unsigned long long)r->s.umax);
	if (r->s.umax >= (1u << 29))
		return verr(env, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'",
			    regno);
	if (!r->s.umin && !zero_ok)
		return verr(env, "R%d invalid zero-sized read: u64=[%llu,%llu]",
			    regno, (unsigned long long)r->s.umin,
			    (unsigned long long)r->s.umax);
	return vmem_helper(env, regno - 1, r->s.umax, write, r->s.umin == 0);
}

static bool is_mem_kind(int k)
{
	return k == UBEE_ARG_PTR_TO_MEM || k == UBEE_ARG_PTR_TO_UNINIT_MEM ||
	       k == UBEE_ARG_PTR_TO_MEM_OR_NULL || k == UBEE_ARG_PTR_TO_MEM_RDONLY;
}

static int check_arg(struct venv *env, const struct ubee_helper *h, int i,
		     struct vcall *meta)
{
	int regno = i + 1, k = arg_kind(h, i);
	struct vreg *r = &cur_regs(env)[regno];
	const char *tn = vtype_name(r->type, r->flags);

	if (k == UBEE_ARG_NONE)
		return 0;
	/* The kernel's bpf_trace_printk checks only the format and its size. */
	if (h->id == UBEE_HELPER_TRACE_PRINTK && i >= 2)
		return 0;
	if (r->type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", regno);
	switch (k) {
	case UBEE_ARG_ANYTHING:
		if (env->unpriv && vreg_is_ptr(r))
			return verr(env, "R%d leaks addr into helper function", regno);
		return 0;
	case UBEE_ARG_CONST_MAP_PTR:
		if (r->type != VT_MAP_PTR || (r->flags & VF_NULL))
			return verr(env, "R%d type=%s expected=map_ptr", regno, tn);
		meta->map = r->map;
		meta->map_regno = regno;
		/* (the map type is checked after every argument, as the kernel) */
		return 0;
	case UBEE_ARG_PTR_TO_MAP_KEY:
	case UBEE_ARG_PTR_TO_MAP_VALUE:
	case UBEE_ARG_PTR_TO_UNINIT_MAP_VALUE: {
		uint64_t sz;

		if (!meta->map)
			return verr(env, "invalid map_ptr to access map->%s",
				    k == UBEE_ARG_PTR_TO_MAP_KEY ? "key" : "value");
		sz = k == UBEE_ARG_PTR_TO_MAP_KEY ? key_size_of(meta->map)
						  : meta->map->value_size;
		if (r->type == VT_SCALAR || r->type == VT_CTX)
			return verr(env, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value",
				    regno, tn);
		if (k == UBEE_ARG_PTR_TO_MAP_KEY &&
		    (meta->map->type == UBEE_MAP_ARRAY ||
		     meta->map->type == UBEE_MAP_PERCPU_ARRAY)) {
			struct vreg key = *r; /* the check may move the frame */
			int err = vmem_helper(env, regno, sz, false, false);

			if (!err)
				meta->const_key = const_map_key(env, &key, (uint32_t)sz);
			return err;
		}
		return vmem_helper(env, regno, sz,
				   k == UBEE_ARG_PTR_TO_UNINIT_MAP_VALUE, false);
	}
	case UBEE_ARG_PTR_TO_MEM_OR_NULL:
		if (vreg_is_const0(r)) {
			meta->func_regno = -1;
			return 0;
		}
		/* fall through */
	case UBEE_ARG_PTR_TO_MEM:
	case UBEE_ARG_PTR_TO_MEM_RDONLY:
	case UBEE_ARG_PTR_TO_UNINIT_MEM:
		if (r->type == VT_SCALAR || (r->flags & VF_NULL) ||
		    r->type == VT_MAP_PTR || r->type == VT_PKT_END ||
		    r->type == VT_FUNC || r->type == VT_BTF_ID ||
		    r->type == VT_SOCK ||
		    (r->type == VT_CTX && !(env->prog->type->flags & UBEE_PT_CTX_MEM)))
			return verr(env, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem",
				    regno, tn);
		/* checked with the size argument that follows */
		return 0;
	case UBEE_ARG_CONST_SIZE:
	case UBEE_ARG_CONST_SIZE_OR_ZERO: {
		int pk = i ? arg_kind(h, i - 1) : UBEE_ARG_NONE;
		struct vreg *p = &cur_regs(env)[regno - 1];

		if (!is_mem_kind(pk))
			return verr(env, "R%d size argument without a memory argument",
				    regno);
		if (pk == UBEE_ARG_PTR_TO_MEM_OR_NULL && vreg_is_const0(p)) {
			if (r->type != VT_SCALAR || !vreg_is_const0(r))
				return verr(env, "R%d must be 0 when R%d is NULL",
					    regno, regno - 1);
			return 0;
		}
		return check_size(env, regno, k == UBEE_ARG_CONST_SIZE_OR_ZERO,
				  pk == UBEE_ARG_PTR_TO_UNINIT_MEM, meta);
	}
	case UBEE_ARG_CONST_ALLOC_SIZE_OR_ZERO:
		if (r->type != VT_SCALAR || !ubee_scalar_is_const(&r->s))
			return verr(env, "R%d is not a known constant'", regno);
		vmark_precise(env, regno);
		if (r->s.var.value >= (1u << 29))
			return verr(env, "R%d unbounded memory access", regno);
		meta->alloc_size = (uint32_t)r->s.var.value;
		return 0;
	case UBEE_ARG_PTR_TO_CTX_OR_NULL:
		if (vreg_is_const0(r))
			return 0;
		/* fall through */
	case UBEE_ARG_PTR_TO_CTX:
		if (r->type == VT_MEM && r->aux == 1)
			goto ctx_ok; /* "mem" programs: r1 as received */
		if (r->type != VT_CTX)
			return verr(env, "R%d type=%s expected=ctx", regno, tn);
ctx_ok:
		if (r->off || !ubee_scalar_is_const(&r->s) || r->s.var.value)
			return verr(env, "dereference of modified ctx ptr R%d off=%d disallowed",
				    regno, r->off);
		return 0;
	case UBEE_ARG_PTR_TO_FUNC:
		if (r->type != VT_FUNC)
			return verr(env, "R%d type=%s expected=func", regno, tn);
		meta->func_regno = regno;
		return 0;
	case UBEE_ARG_PTR_TO_STACK_OR_NULL:
		if (vreg_is_const0(r))
			return 0;
		/* fall through */
	case UBEE_ARG_PTR_TO_STACK:
		if (r->type != VT_STACK)
			return verr(env, "R%d type=%s expected=fp", regno, tn);
		return 0;
	case UBEE_ARG_PTR_TO_RINGBUF_MEM:
		if (r->type != VT_MEM || (r->flags & VF_NULL) || !r->ref_obj_id)
			return verr(env, "R%d type=%s expected=ringbuf_mem", regno, tn);
		if (r->off || !ubee_scalar_is_const(&r->s) || r->s.var.value)
			return verr(env, "R%d must have zero offset when passed to release func",
				    regno);
		meta->release_id = r->ref_obj_id;
		meta->release_regno = regno;
		return 0;
	case UBEE_ARG_PTR_TO_SPIN_LOCK:
		if (r->type != VT_MAP_VALUE || (r->flags & VF_NULL))
			return verr(env, "R%d type=%s expected=map_value", regno, tn);
		if (!ubee_scalar_is_const(&r->s))
			return verr(env, "R%d doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
				    regno);
		{
			int64_t o = (int64_t)r->off + (int64_t)r->s.var.value;
			int lock = vmap_lock_off(env, r->map);

			/* As the kernel: the map's BTF says where the lock is. */
			if (lock == VLOCK_NO_BTF)
				return verr(env, "map '%s' has to have BTF in order to use bpf_spin_lock",
					    r->map->name);
			if (lock == VLOCK_NONE)
				return verr(env, "map '%s' has no valid bpf_spin_lock",
					    r->map->name);
			if (o != lock)
				return verr(env, "off %lld doesn't point to 'struct bpf_spin_lock' that is at %d",
					    (long long)o, lock);
			meta->lock_map = r->map;
			meta->lock_off = (uint32_t)o;
			meta->lock_obj = r->id;
			meta->lock_seen = true;
		}
		return 0;
	case UBEE_ARG_PTR_TO_CONST_STR: {
		struct ubee_map *m = r->map;
		const uint32_t zero = 0;
		const char *p;
		int64_t o;

		if (r->type != VT_MAP_VALUE || (r->flags & VF_NULL))
			return verr(env, "R%d type=%s expected=map_value", regno, tn);
		if (!ubee_scalar_is_const(&r->s))
			return verr(env, "R%d doesn't have constant offset", regno);
		if (!vmap_frozen(m) || !(m->map_flags & UBEE_F_RDONLY_PROG) ||
		    m->type != UBEE_MAP_ARRAY)
			return verr(env, "R%d does not point to a readonly map'", regno);
		o = (int64_t)r->off + (int64_t)r->s.var.value;
		p = m->ops->lookup ? m->ops->lookup(m, &zero) : NULL;
		if (o < 0 || (uint64_t)o >= m->value_size || !p)
			return verr(env, "R%d invalid access to map value", regno);
		if (!memchr(p + o, 0, m->value_size - (size_t)o))
			return verr(env, "string is not zero-terminated");
		return 0;
	}
	case UBEE_ARG_PTR_TO_LONG:
	case UBEE_ARG_PTR_TO_INT:
		return vmem_helper(env, regno, k == UBEE_ARG_PTR_TO_LONG ? 8 : 4,
				   true, false);
	case UBEE_ARG_PTR_TO_BTF_ID:
		if (r->type != VT_BTF_ID && r->type != VT_SOCK && r->type != VT_CTX)
			return verr(env, "R%d type=%s expected=ptr_", regno, tn);
		if (r->flags & VF_NULL)
			return verr(env, "R%d type=%s expected=ptr_", regno, tn);
		if (h->id == HELPER_SK_RELEASE) {
			if (!r->ref_obj_id)
				return verr(env, "R%d must be referenced when passed to release function",
					    regno);
			meta->release_id = r->ref_obj_id;
			meta->release_regno = regno;
		}
		return 0;
	default:
		return verr(env, "R%d unsupported argument kind %d of %s", regno,
			    k, h->name);
	}
}

int vmap_lock_off(struct venv *env, struct ubee_map *m)
{
	const struct ubee_btf *btf;
	uint32_t vid = 0;
	int off;

	for (uint32_t i = 0; i < env->nlocks; i++)
		if (env->locks[i].map == m)
			return env->locks[i].off;
	if (ubee_map_btf(m, &btf, NULL, &vid))
		off = VLOCK_NO_BTF;
	else if (!vid ||
		 (off = ubee_btf_struct_offset(btf, vid, "bpf_spin_lock")) < 0)
		off = VLOCK_NONE;
	if (env->nlocks < UBEE_ARRAY_SIZE(env->locks)) {
		env->locks[env->nlocks].map = m;
		env->locks[env->nlocks++].off = off;
	}
	return off;
}

/* Every copy of a released reference becomes unusable. */
void vrelease_ref(struct venv *env, uint32_t id)
{
	struct vstate *st = &env->cur;
	struct vreg *r;

	vstate_drop_ref(st, id);
	for_each_vreg(st, f, i, r)
		if (r->ref_obj_id == id)
			vreg_unknown(r);
}

static bool ref_held(const struct vstate *st, uint32_t id)
{
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i].id == id)
			return true;
	return false;
}

static void clear_pkt_pointers(struct vstate *st)
{
	struct vreg *r;

	for_each_vreg(st, f, i, r)
		if (r->type == VT_PKT || r->type == VT_PKT_META ||
		    r->type == VT_PKT_END)
			vreg_unknown(r);
}

static int acquire_ref(struct venv *env, uint32_t id)
{
	struct vstate *st = &env->cur;

	if (st->nrefs == MAX_REFS)
		return verr(env, "too many references held");
	st->refs[st->nrefs++] = (struct vref){ id, env->cur_idx };
	return 0;
}

/* Push a callback frame onto st for the helper call at st's current
 * instruction; the arguments come from the caller's registers. */
static int enter_callback(struct venv *env, struct vstate *st, uint32_t hidx,
			  const struct ubee_dinsn *in)
{
	const struct ubee_helper *h = &env->prog->helpers[in->imm];
	struct vframe *caller = st->frames[st->depth], *f;
	uint32_t entry = caller->regs[2].aux;
	uint32_t d = st->depth + 1;

	if (d >= UBEE_V_MAX_FRAMES)
		return verr(env, "the call stack of %u frames is too deep", d + 1);
	f = vframe_new(4);
	if (!f)
		return -ENOMEM;
	f->callsite = hidx;
	f->cb_helper = hidx;
	f->subprog = env->cfg.subprog_of[entry];
	f->regs[REG_FP].type = VT_STACK;
	f->regs[REG_FP].frame = (uint8_t)d;
	ubee_scalar_const(&f->regs[REG_FP].s, 0);
	if (h->id == UBEE_HELPER_LOOP) {
		f->callback = CB_LOOP;
		vreg_unknown(&f->regs[1]);
		f->regs[2] = caller->regs[3];
	} else {
		struct ubee_map *m = caller->regs[1].map;

		f->callback = CB_FOR_EACH;
		f->regs[1] = caller->regs[1];
		memset(&f->regs[2], 0, sizeof(f->regs[2]));
		ubee_scalar_const(&f->regs[2].s, 0);
		f->regs[2].type = VT_MAP_KEY;
		f->regs[2].map = m;
		f->regs[3] = f->regs[2];
		f->regs[3].type = VT_MAP_VALUE;
		f->regs[4] = caller->regs[3];
	}
	ubee_free(st->frames[d]);
	st->frames[d] = f;
	st->caps[d] = 4;
	st->depth = d;
	st->idx = entry;
	st->slot_written[d] = ~0ull; /* a new frame: nothing older is read */
	return 0;
}

int vcall_helper(struct venv *env, const struct ubee_dinsn *in)
{
	const struct ubee_helper *h = &env->prog->helpers[in->imm];
	struct vstate *st = &env->cur;
	struct vcall meta;
	struct vreg *regs;
	int err;

	memset(&meta, 0, sizeof(meta));
	meta.func_regno = -1;
	meta.const_key = -1;
	if (st->lock_id && h->id != UBEE_HELPER_SPIN_UNLOCK)
		return verr(env, "function calls are not allowed while holding a lock");
	if ((env->prog->flags & UBEE_PROG_VERIFY_ONLY) == 0 && !h->fn)
		return verr(env, "unknown func %s#%d", h->name ? h->name : "?", h->id);
	for (int i = 0; i < 5 && h->args[i] != UBEE_ARG_NONE; i++) {
		err = check_arg(env, h, i, &meta);
		if (err)
			return err;
	}
	if (meta.map) {
		err = check_map_func(env, h, meta.map);
		if (err)
			return err;
	}
	if (h->id == UBEE_HELPER_SPIN_LOCK) {
		if (st->lock_id)
			return verr(env, "Locking two bpf_spin_locks are not allowed");
		st->lock_id = vnew_id(env);
		st->lock_map = meta.lock_map;
		st->lock_off = meta.lock_off;
		st->lock_obj = meta.lock_obj;
	} else if (h->id == UBEE_HELPER_SPIN_UNLOCK) {
		if (!st->lock_id)
			return verr(env, "bpf_spin_unlock without taking a lock");
		if (st->lock_map != meta.lock_map || st->lock_off != meta.lock_off ||
		    st->lock_obj != meta.lock_obj)
			return verr(env, "bpf_spin_unlock of different lock");
		st->lock_id = 0;
		st->lock_map = NULL;
		st->lock_off = 0;
		st->lock_obj = 0;
	}
	if (meta.map && (meta.map->map_flags & UBEE_F_RDONLY_PROG) &&
	    (h->id == UBEE_HELPER_MAP_UPDATE_ELEM ||
	     h->id == UBEE_HELPER_MAP_DELETE_ELEM ||
	     h->id == UBEE_HELPER_MAP_PUSH_ELEM ||
	     h->id == UBEE_HELPER_MAP_POP_ELEM))
		return verr(env, "write into map forbidden");
	if (meta.release_id) {
		if (!ref_held(st, meta.release_id))
			return verr(env, "R%d must be referenced when passed to release function",
				    meta.release_regno);
		vrelease_ref(env, meta.release_id);
	}
	if (h->id == UBEE_HELPER_TAIL_CALL && st->nrefs)
		return verr(env, "tail_call would lead to reference leak");
	if (meta.func_regno > 0 &&
	    (h->id == UBEE_HELPER_LOOP || h->id == UBEE_HELPER_FOR_EACH_MAP_ELEM)) {
		/* The callback runs first; the caller resumes at its exit. */
		st->hist[st->nhist - 1].flags |= H_CB_ENTER;
		st->hist[st->nhist - 1].spi = h->id == UBEE_HELPER_LOOP ? CB_LOOP
									 : CB_FOR_EACH;
		return enter_callback(env, st, env->cur_idx, in);
	}
	if (changes_pkt_data(h->id))
		clear_pkt_pointers(st);
	regs = cur_regs(env);
	for (int r = 1; r <= 5; r++)
		vreg_not_init(&regs[r]);
	switch (h->ret) {
	case UBEE_RET_VOID:
		vreg_not_init(&regs[0]);
		break;
	case UBEE_RET_MAP_VALUE_OR_NULL:
		if (!meta.map)
			return verr(env, "kernel subsystem misconfigured verifier");
		memset(&regs[0], 0, sizeof(regs[0]));
		ubee_scalar_const(&regs[0].s, 0);
		if (meta.map->type == UBEE_MAP_ARRAY_OF_MAPS ||
		    meta.map->type == UBEE_MAP_HASH_OF_MAPS) {
			regs[0].type = VT_MAP_PTR;
			regs[0].map = meta.map->inner_meta;
			if (!regs[0].map)
				return verr(env, "map %s has no inner map", meta.map->name);
		} else {
			regs[0].type = VT_MAP_VALUE;
			regs[0].map = meta.map;
			/*
			 * An array lookup of a known in-range key is never
			 * NULL (kernel 6.18). The id still names the value
			 * (a spin lock in it is told apart by it).
			 */
			regs[0].id = vnew_id(env);
			if (h->id == UBEE_HELPER_MAP_LOOKUP_ELEM &&
			    meta.const_key >= 0 &&
			    (uint64_t)meta.const_key < meta.map->max_entries)
				break;
		}
		regs[0].flags = VF_NULL;
		if (!regs[0].id)
			regs[0].id = vnew_id(env);
		break;
	case UBEE_RET_MEM_OR_NULL:
		memset(&regs[0], 0, sizeof(regs[0]));
		ubee_scalar_const(&regs[0].s, 0);
		regs[0].type = VT_MEM;
		regs[0].flags = VF_NULL;
		regs[0].range = meta.alloc_size;
		regs[0].id = vnew_id(env);
		if (h->id == UBEE_HELPER_RINGBUF_RESERVE) {
			/* the reference has an id of its own, as the kernel's */
			regs[0].flags |= VF_RINGBUF;
			regs[0].ref_obj_id = vnew_id(env);
			err = acquire_ref(env, regs[0].ref_obj_id);
			if (err)
				return err;
		}
		break;
	case UBEE_RET_PTR_TO_BTF_ID_OR_NULL:
	case UBEE_RET_PTR_TO_BTF_ID:
		memset(&regs[0], 0, sizeof(regs[0]));
		ubee_scalar_const(&regs[0].s, 0);
		regs[0].type = VT_BTF_ID;
		if (h->ret == UBEE_RET_PTR_TO_BTF_ID_OR_NULL) {
			regs[0].flags = VF_NULL;
			regs[0].id = vnew_id(env);
		}
		break;
	case UBEE_RET_PTR_TO_SOCKET_OR_NULL:
		memset(&regs[0], 0, sizeof(regs[0]));
		ubee_scalar_const(&regs[0].s, 0);
		regs[0].type = VT_SOCK;
		regs[0].flags = VF_NULL;
		regs[0].id = vnew_id(env);
		regs[0].ref_obj_id = vnew_id(env);
		err = acquire_ref(env, regs[0].ref_obj_id);
		if (err)
			return err;
		break;
	default:
		vreg_unknown(&regs[0]);
		break;
	}
	st->idx = env->cur_idx + 1;
	return 0;
}

int vcall_local(struct venv *env, const struct ubee_dinsn *in)
{
	struct vstate *st = &env->cur;
	uint32_t target = env->cur_idx + 1 + (uint32_t)in->imm;
	uint32_t d = st->depth + 1;
	struct vframe *caller = st->frames[st->depth], *f;

	if (st->lock_id)
		return verr(env, "function calls are not allowed while holding a lock");
	if (d >= UBEE_V_MAX_FRAMES)
		return verr(env, "the call stack of %u frames is too deep", d + 1);
	f = vframe_new(4);
	if (!f)
		return -ENOMEM;
	f->callsite = env->cur_idx;
	f->subprog = env->cfg.subprog_of[target];
	for (int r = 1; r <= 5; r++)
		f->regs[r] = caller->regs[r];
	f->regs[REG_FP].type = VT_STACK;
	f->regs[REG_FP].frame = (uint8_t)d;
	ubee_scalar_const(&f->regs[REG_FP].s, 0);
	ubee_free(st->frames[d]);
	st->frames[d] = f;
	st->caps[d] = 4;
	st->depth = d;
	st->idx = target;
	st->slot_written[d] = ~0ull; /* a new frame: nothing older is read */
	return 0;
}

/* Pointers into a frame that is gone become unknown scalars. */
static void drop_frame_ptrs(struct vstate *st, uint32_t dead)
{
	for (uint32_t f = 0; f < dead; f++) {
		struct vframe *fr = st->frames[f];

		for (int r = 0; r < NREGS; r++)
			if (fr->regs[r].type == VT_STACK && fr->regs[r].frame >= dead)
				vreg_unknown(&fr->regs[r]);
		for (uint32_t s = 0; s < fr->nslots; s++)
			if (slot_spilled(&fr->slots[s]) &&
			    fr->slots[s].spill.type == VT_STACK &&
			    fr->slots[s].spill.frame >= dead)
				vreg_unknown(&fr->slots[s].spill);
	}
}

static int check_range(struct venv *env, const char *ctx, int32_t lo, int32_t hi)
{
	struct vreg *r0 = &cur_regs(env)[0];

	if (r0->type != VT_SCALAR)
		return verr(env, "%s the register R0 is not a known value (%s)", ctx,
			    vtype_name(r0->type, r0->flags));
	vmark_precise(env, 0);
	if (r0->s.smin < lo || r0->s.smax > hi)
		return verr(env, "%s the register R0 has smin=%lld smax=%lld should have been in [%d, %d]",
			    ctx, (long long)r0->s.smin, (long long)r0->s.smax,
			    lo, hi);
	return 0;
}

int vexit(struct venv *env)
{
	struct vstate *st = &env->cur;
	struct vframe *f = st->frames[st->depth];
	struct vreg *r0 = &f->regs[0];
	int err;

	if (r0->type == VT_NOT_INIT && f->callback)
		return verr(env, "R0 not a scalar value");
	/* A subprogram may return nothing (void); the main program not. */
	if (r0->type == VT_NOT_INIT && !st->depth)
		return verr(env, "R0 !read_ok");
	if (st->lock_id)
		return verr(env, "bpf_spin_unlock is missing");
	if (f->callback) {
		struct vstate *again;
		struct vframe *caller;
		uint32_t hidx = f->cb_helper;

		err = check_range(env, "At callback return", 0, 1);
		if (err)
			return err;
		st->hist[st->nhist - 1].flags |= H_CB_EXIT;
		st->hist[st->nhist - 1].spi = f->callback;
		/* Another iteration: enter the callback again. */
		ubee_free(st->frames[st->depth]);
		st->frames[st->depth] = NULL;
		st->depth--;
		drop_frame_ptrs(st, st->depth + 1);
		err = vpush_branch(env, hidx, &again);
		if (err)
			return err;
		err = enter_callback(env, again, hidx, &env->code[hidx]);
		if (err)
			return err;
		caller = st->frames[st->depth];
		for (int r = 1; r <= 5; r++)
			vreg_not_init(&caller->regs[r]);
		vreg_unknown(&caller->regs[0]);
		st->idx = hidx + 1;
		return 0;
	}
	if (!st->depth) {
		const struct ubee_prog_type *t = env->prog->type;

		if (env->unpriv && vreg_is_ptr(r0))
			return verr(env, "R0 leaks addr as return value");
		/* As the kernel: XDP and tc return codes are not checked. */
		if (!(t->flags & UBEE_PT_RET_ANY) && t->id != UBEE_PROG_TYPE_XDP &&
		    t->id != UBEE_PROG_TYPE_SCHED_CLS &&
		    t->id != UBEE_PROG_TYPE_SCHED_ACT) {
			err = check_range(env, "At program exit", t->ret_min,
					  t->ret_max);
			if (err)
				return err;
		}
		if (st->nrefs)
			return verr(env, "Unreleased reference id=%u alloc_insn=%u",
				    st->refs[0].id, st->refs[0].insn);
		return 1;
	}
	if (r0->type == VT_STACK)
		return verr(env, "cannot return stack pointer to the caller");
	{
		uint32_t callsite = f->callsite;
		struct vframe *caller = st->frames[st->depth - 1];

		caller->regs[0] = *r0;
		caller->regs[0].precise = 0;
		for (int r = 1; r <= 5; r++)
			vreg_not_init(&caller->regs[r]);
		ubee_free(st->frames[st->depth]);
		st->frames[st->depth] = NULL;
		st->depth--;
		drop_frame_ptrs(st, st->depth + 1);
		st->idx = callsite + 1;
	}
	return 0;
}
