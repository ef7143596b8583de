// SPDX-License-Identifier: MIT
/*
 * Memory accesses in the verifier core: loads, stores and atomics through
 * a pointer register, and the memory arguments of helpers. Each pointer
 * type has its own bounds: the stack of its frame (-512..0, bytes
 * initialised before reads in unprivileged mode, spilled registers kept
 * whole), the context (the program type's field table; loads of packet
 * fields give packet pointers), map values and keys (value_size /
 * key_size, read-only maps refuse writes, frozen read-only maps give
 * their bytes as constants), packets (the range proven by comparisons
 * with the packet end) and sized memory (ring buffer records). A variable
 * offset counts with its whole range.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "progtypes/progtypes.h"
#include "util/util.h"
#include "verifier/vstate.h"

#define MAX_VAR_OFF (1 << 29)

static void set_hist_stack(struct venv *env, uint32_t frame, uint32_t spi)
{
	struct vstate *st = &env->cur;

	if (!st->nhist)
		return;
	st->hist[st->nhist - 1].flags |= H_STACK;
	st->hist[st->nhist - 1].sframe = (uint8_t)frame;
	st->hist[st->nhist - 1].spi = (uint8_t)spi;
}

/* The loaded value for a scalar of size bytes (sext: sign-extended). */
static void load_unknown(struct vreg *dst, uint32_t size, bool sext)
{
	vreg_unknown(dst);
	if (sext)
		ubee_scalar_unknown_sext(&dst->s, size);
	else
		ubee_scalar_unknown_size(&dst->s, size);
}

static void load_const(struct vreg *dst, uint64_t v, uint32_t size, bool sext)
{
	if (size < 8) {
		v &= (1ull << (size * 8)) - 1;
		if (sext && (v >> (size * 8 - 1)))
			v |= ~0ull << (size * 8);
	}
	vreg_const(dst, v);
}

/* ---- alignment ----------------------------------------------------------- */

static const char *ptr_desc(uint8_t type)
{
	switch (type) {
	case VT_STACK: return "stack ";
	case VT_CTX: return "context ";
	case VT_MAP_VALUE: return "value ";
	case VT_MAP_KEY: return "map_key ";
	case VT_PKT: return "packet ";
	case VT_PKT_META: return "packet_meta ";
	case VT_SOCK: return "sock ";
	default: return "";
	}
}

/*
 * Is reg + off aligned to size for every value of the variable offset?
 * The kernel demands it for stack accesses always and for every access
 * of an atomic instruction (this host allows other unaligned accesses).
 */
static int check_align(struct venv *env, const struct vreg *reg, int32_t off,
		       uint32_t size)
{
	struct ubee_tnum t = ubee_tnum_add(reg->s.var,
			ubee_tnum_const((uint64_t)(int64_t)reg->off + (uint64_t)(int64_t)off));
	char tn[64];

	if (size <= 1 || !((t.value | t.mask) & (size - 1)))
		return 0;
	ubee_tnum_print(tn, sizeof(tn), reg->s.var);
	if (reg->type == VT_PKT || reg->type == VT_PKT_META)
		return verr(env, "misaligned packet access off 0+%s+%d+%d size %u",
			    tn, reg->off, off, size);
	return verr(env, "misaligned %saccess off %s+%d+%d size %u",
		    ptr_desc(reg->type), tn, reg->off, off, size);
}

/* ---- stack ------------------------------------------------------------- */

static int stack_grow(struct venv *env, uint32_t frame, int64_t lo)
{
	uint32_t need = (uint32_t)((-lo + SLOT - 1) / SLOT);
	struct vframe *f;
	int err;

	err = vstate_grow(&env->cur, frame, need);
	if (err)
		return err;
	f = env->cur.frames[frame];
	if (need > env->max_slots[f->subprog])
		env->max_slots[f->subprog] = need;
	return 0;
}

static inline struct vslot *slot_of(struct vframe *f, int64_t o, int *b)
{
	uint32_t spi = (uint32_t)((-o - 1) / SLOT);

	*b = (int)(o + (int64_t)SLOT * (spi + 1));
	return &f->slots[spi];
}

/* A byte of slot s is overwritten: a spill there is no longer whole. */
static void break_spill(struct vslot *s)
{
	if (!s->spill_size)
		return;
	for (int i = 0; i < SLOT; i++)
		if (s->kind[i] == SK_SPILL)
			s->kind[i] = SK_MISC;
	s->spill_size = 0;
}

static bool spill_ptr_in(struct vframe *f, int64_t lo, int64_t hi)
{
	for (int64_t o = lo; o < hi; o++) {
		int b;
		struct vslot *s = slot_of(f, o, &b);

		if (s->kind[b] == SK_SPILL && s->spill.type != VT_SCALAR)
			return true;
	}
	return false;
}

static int stack_write_fixed(struct venv *env, struct vframe *f,
			     uint32_t fi, int64_t off, uint32_t size,
			     const struct vreg *val, bool is_imm, int64_t imm)
{
	struct vreg tmp;
	bool zero = false;
	int b;
	struct vslot *s = slot_of(f, off, &b);
	uint32_t spi = (uint32_t)((-off - 1) / SLOT);

	if (is_imm) {
		if (imm) {
			vreg_const(&tmp, size < 8 ? (uint64_t)imm &
							    ((1ull << (size * 8)) - 1)
						   : (uint64_t)imm);
			val = &tmp;
		} else {
			zero = true;
		}
	}
	/* As the kernel: a pointer goes to the stack whole, or not at all. */
	if (val && vreg_is_ptr(val) && size != SLOT)
		return verr(env, "invalid size of register spill");
	/* (a callee's stack is gone when it returns; the kernel refuses any) */
	if (val && val->type == VT_STACK && fi != env->cur.depth)
		return verr(env, "cannot spill pointers to stack into stack frame of the caller");
	if (val && (b == 0 || (b == 4 && size <= 4)) &&
	    (size == SLOT ||
	     (val->type == VT_SCALAR && val->s.umax < (1ull << (size * 8))))) {
		for (uint32_t i = 0; i < SLOT; i++) {
			if (s->kind[i] == SK_SPILL)
				s->kind[i] = SK_MISC;
			if (i >= (uint32_t)b && i < b + size)
				s->kind[i] = SK_SPILL;
		}
		s->spill = *val;
		s->spill.precise = 0;
		s->spill_size = (uint8_t)size;
		s->spill_off = (uint8_t)b;
		/* backtracking: the slot's value comes from here */
		set_hist_stack(env, fi, spi);
		return 0;
	}
	if (val && vreg_is_ptr(val) && env->unpriv)
		return verr(env, "attempt to corrupt spilled pointer on stack");
	if (val && vreg_is_const0(val))
		zero = true;
	for (int64_t o = off; o < off + size; o++) {
		struct vslot *t = slot_of(f, o, &b);

		if (t->kind[b] == SK_SPILL && t->spill.type != VT_SCALAR &&
		    env->unpriv)
			return verr(env, "attempt to corrupt spilled pointer on stack");
		break_spill(t);
		t->kind[b] = zero ? SK_ZERO : SK_MISC;
	}
	return 0;
}

static int stack_read_fixed(struct venv *env, struct vframe *f, uint32_t fi,
			    int regno, int64_t off, uint32_t size,
			    struct vreg *dst, bool sext)
{
	int b;
	struct vslot *s = slot_of(f, off, &b);
	uint32_t spi = (uint32_t)((-off - 1) / SLOT);
	bool all_zero = true;

	if (slot_spilled(s) && b == s->spill_off && s->spill_size == size) {
		if (dst) {
			struct vreg v = s->spill;

			if (sext && size < 8) {
				vreg_unknown(dst);
				ubee_scalar_movsx(&dst->s, &v.s, size * 8, false);
			} else {
				*dst = v;
				dst->precise = 0;
			}
		}
		set_hist_stack(env, fi, spi);
		return 0;
	}
	for (int64_t o = off; o < off + size; o++) {
		struct vslot *t = slot_of(f, o, &b);

		switch (t->kind[b]) {
		case SK_SPILL:
			if (t->spill.type != VT_SCALAR)
				return verr(env, "invalid size of register fill");
			all_zero = false;
			break;
		case SK_INVALID:
			if (env->unpriv)
				return verr(env, "invalid read from stack off %lld+%lld size %u",
					    (long long)off, (long long)(o - off), size);
			env->uninit_stack = true;
			all_zero = false;
			break;
		case SK_MISC:
			all_zero = false;
			break;
		default:
			break;
		}
	}
	(void)regno;
	if (dst) {
		if (all_zero)
			vreg_const(dst, 0);
		else
			load_unknown(dst, size, sext);
	}
	return 0;
}

/*
 * Bounds of an access of size bytes at the stack pointer reg + off:
 * *lo..*hi (exclusive), relative to the frame's top. Returns 0 or logs.
 */
static int stack_bounds(struct venv *env, const struct vreg *reg, int regno,
			int32_t off, uint32_t size, const char *what,
			int64_t *lo, int64_t *hi)
{
	int64_t base = (int64_t)reg->off + off;
	char tn[64];

	if (ubee_scalar_is_const(&reg->s)) {
		base += (int64_t)reg->s.var.value;
		if (base < -(int64_t)UBEE_V_MAX_STACK || base + size > 0 ||
		    base >= 0)
			return verr(env, "invalid %sstack R%d off=%lld size=%u",
				    what, regno, (long long)base, size);
		*lo = base;
		*hi = base + size;
		return 0;
	}
	ubee_tnum_print(tn, sizeof(tn), reg->s.var);
	if (reg->s.smin <= -MAX_VAR_OFF || reg->s.smax >= MAX_VAR_OFF)
		return verr(env, "invalid unbounded variable-offset %sstack R%d",
			    what, regno);
	*lo = base + reg->s.smin;
	*hi = base + reg->s.smax + size;
	if (*lo < -(int64_t)UBEE_V_MAX_STACK || *hi > 0)
		return verr(env, "invalid variable-offset %sstack R%d var_off=%s off=%d size=%u",
			    what, regno, tn, off, size);
	return 0;
}

static int stack_access(struct venv *env, const struct vreg *reg, int regno,
			int32_t off, uint32_t size, bool write,
			struct vreg *dst, bool sext, const struct vreg *val,
			bool is_imm, int64_t imm)
{
	uint32_t fi = reg->frame;
	struct vframe *f;
	int64_t lo, hi;
	int err;

	/* As the kernel: alignment first, then bounds. */
	err = check_align(env, reg, off, size);
	if (err)
		return err;
	err = stack_bounds(env, reg, regno, off, size,
			   write ? "write to " : "read from ", &lo, &hi);
	if (err)
		return err;
	err = stack_grow(env, fi, lo);
	if (err)
		return err;
	f = env->cur.frames[fi];
	if (!write)
		vslot_read(env, fi, vslot_mask(lo, hi));
	if (ubee_scalar_is_const(&reg->s)) {
		if (write) {
			/* a whole slot overwritten: its old value is dead */
			if (size == SLOT && !(lo % SLOT))
				env->cur.slot_written[fi] |= vslot_mask(lo, hi);
			return stack_write_fixed(env, f, fi, lo, size, val,
						 is_imm, imm);
		}
		return stack_read_fixed(env, f, fi, regno, lo, size, dst, sext);
	}
	/* Variable offset: every byte it may reach. */
	if (write) {
		for (int64_t o = lo; o < hi; o++) {
			int b;
			struct vslot *t = slot_of(f, o, &b);

			if (env->unpriv && t->kind[b] == SK_SPILL &&
			    t->spill.type != VT_SCALAR)
				return verr(env, "attempt to corrupt spilled pointer on stack");
			break_spill(t);
			t->kind[b] = SK_MISC;
		}
		return 0;
	}
	for (int64_t o = lo; o < hi; o++) {
		int b;
		struct vslot *t = slot_of(f, o, &b);

		if (t->kind[b] == SK_INVALID)
			env->uninit_stack = true;
		if ((t->kind[b] == SK_INVALID && env->unpriv) ||
		    (t->kind[b] == SK_SPILL && t->spill.type != VT_SCALAR &&
		     env->unpriv)) {
			char tn[64];

			ubee_tnum_print(tn, sizeof(tn), reg->s.var);
			return verr(env, "invalid variable-offset read from stack R%d var_off=%s off=%d size=%u",
				    regno, tn, off, size);
		}
	}
	if (dst)
		load_unknown(dst, size, sext);
	return 0;
}

/* ---- bounded memory (map values and keys, packets, mem) ------------------ */

/* The kernel's first line for an access of size at o outside [0, limit). */
static void log_bad_access(struct venv *env, const char *what,
			   const char *lim_name, uint64_t limit, int64_t o,
			   uint64_t size)
{
	verr_begin(env);
	vlogf(env, "%u: invalid access to %s, %s=%llu off=%d size=%llu",
		  env->cur_idx, what, lim_name, (unsigned long long)limit,
		  (int)o, (unsigned long long)size);
}

/*
 * [reg + off, + size) inside [0, limit) for every value of the variable
 * offset? what names the memory in the kernel's message ("map value",
 * "memory", ...). The checks and messages in the kernel's order
 * (check_mem_region_access): a negative minimum, the access at the
 * minimum, an unbounded maximum, the access at the maximum.
 */
int vmem_region_check(struct venv *env, const struct vreg *reg, int regno,
		      int32_t off, uint64_t size, uint64_t limit,
		      const char *what, const char *lim_name)
{
	int64_t o = (int64_t)reg->off + off;
	int64_t lo = o + reg->s.smin;

	if (reg->s.smin < 0 &&
	    (reg->s.smin == INT64_MIN || reg->s.smin < -(int64_t)MAX_VAR_OFF ||
	     lo != (int64_t)(int32_t)lo || lo < 0))
		return verr(env, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.",
			    regno);
	if (lo < 0 || (uint64_t)lo + size > limit) {
		log_bad_access(env, what, lim_name, limit, lo, size);
		return verr(env, "R%d min value is outside of the allowed memory range",
			    regno);
	}
	if (reg->s.umax >= MAX_VAR_OFF)
		return verr(env, "R%d unbounded memory access, make sure to bounds check any such access",
			    regno);
	if ((uint64_t)o + reg->s.umax + size > limit) {
		log_bad_access(env, what, lim_name, limit,
			       o + (int64_t)reg->s.umax, size);
		return verr(env, "R%d max value is outside of the allowed memory range",
			    regno);
	}
	return 0;
}

/* Program types that may write packet data directly (the kernel's). */
static bool pkt_writable(uint32_t type)
{
	switch (type) {
	case UBEE_PROG_TYPE_MEM:
	case UBEE_PROG_TYPE_SCHED_CLS:
	case UBEE_PROG_TYPE_SCHED_ACT:
	case UBEE_PROG_TYPE_XDP:
	case 11: /* lwt_xmit */
	case 14: /* sk_skb */
	case 16: /* sk_msg */
		return true;
	default:
		return type >= UBEE_PROG_TYPE_CUSTOM_FIRST;
	}
}

static int pkt_access(struct venv *env, const struct vreg *reg, int regno,
		      int32_t off, uint64_t size)
{
	int64_t o = (int64_t)reg->off + off;

	if (reg->s.smin < 0)
		return verr(env, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.",
			    regno);
	if (o < 0 || (uint64_t)o + size > reg->range) {
		/* (the kernel prints the access's offset in both places) */
		verr_begin(env);
		vlogf(env, "%u: invalid access to packet, off=%d size=%llu, R%d(id=%u,off=%d,r=%u)",
			  env->cur_idx, (int)o, (unsigned long long)size,
			  regno, reg->id, (int)o, reg->range);
		return verr(env, "R%d offset is outside of the packet", regno);
	}
	return 0;
}

/* As the kernel: no access may touch the map value's bpf_spin_lock. */
static int lock_overlap(struct venv *env, const struct vreg *reg, int32_t off,
			uint64_t size)
{
	int lock = vmap_lock_off(env, reg->map);
	int64_t lo = (int64_t)reg->off + off + reg->s.smin;
	int64_t hi = (int64_t)reg->off + off + (int64_t)reg->s.umax + (int64_t)size;

	if (lock >= 0 && lo < lock + 4 && lock < hi)
		return verr(env, "bpf_spin_lock cannot be accessed directly by load/store");
	return 0;
}

bool vmap_frozen(struct ubee_map *m)
{
	return __atomic_load_n(ubee_map_frozen_word(m), __ATOMIC_ACQUIRE) != 0;
}

/* Frozen read-only map data at a known offset: the bytes, as a constant. */
static bool rodata_const(const struct vreg *reg, int32_t off, uint32_t size,
			 uint64_t *v)
{
	struct ubee_map *m = reg->map;
	const uint32_t zero = 0;
	const uint8_t *p;
	int64_t o;

	if (!m || !vmap_frozen(m) || !(m->map_flags & UBEE_F_RDONLY_PROG) ||
	    m->type != UBEE_MAP_ARRAY || !m->ops->lookup ||
	    !ubee_scalar_is_const(&reg->s))
		return false;
	o = (int64_t)reg->off + off + (int64_t)reg->s.var.value;
	if (o < 0 || (uint64_t)o + size > m->value_size)
		return false;
	p = m->ops->lookup(m, &zero);
	if (!p)
		return false;
	*v = 0;
	memcpy(v, p + o, size);
	return true;
}

static int ctx_access(struct venv *env, const struct vreg *reg, int regno,
		      int32_t off, uint32_t size, bool write,
		      struct vreg *dst, bool sext)
{
	const struct ubee_prog_type *t = env->prog->type;
	const struct ubee_ctx_field *field = NULL;
	int64_t o = (int64_t)reg->off + off;

	if (!ubee_scalar_is_const(&reg->s) || reg->s.var.value) {
		char tn[64];

		ubee_tnum_print(tn, sizeof(tn), reg->s.var);
		return verr(env, "variable ctx access var_off=%s disallowed", tn);
	}
	if (reg->off)
		return verr(env, "dereference of modified ctx ptr R%d off=%d disallowed",
			    regno, reg->off);
	if (t->flags & UBEE_PT_CTX_MEM) {
		if (o < 0 || (uint64_t)o + size > env->prog->ctx_size)
			return verr(env, "invalid bpf_context access off=%lld size=%u",
				    (long long)o, size);
		if (dst && !write)
			load_unknown(dst, size, sext);
		return 0;
	}
	if (o < 0 || ubee_prog_type_ctx_access(t, (uint32_t)o, size, write, &field))
		return verr(env, "invalid bpf_context access off=%lld size=%u",
			    (long long)o, size);
	if (!dst || write)
		return 0;
	if (field && field->kind != UBEE_CTX_SCALAR && !sext &&
	    (size == field->size || size == 8 || size == 4) &&
	    (uint32_t)o == field->off) {
		memset(dst, 0, sizeof(*dst));
		ubee_scalar_const(&dst->s, 0);
		switch (field->kind) {
		case UBEE_CTX_PKT:
			dst->type = VT_PKT;
			break;
		case UBEE_CTX_PKT_END:
			dst->type = VT_PKT_END;
			break;
		case UBEE_CTX_PKT_META:
			dst->type = VT_PKT_META;
			break;
		default:
			dst->type = VT_SOCK;
			dst->flags = VF_NULL;
			/* skb->sk is a sock_common (sock_ops' sk a socket) */
			if (env->prog->type->id != UBEE_PROG_TYPE_SOCK_OPS)
				dst->flags |= VF_COMMON;
			dst->id = vnew_id(env);
			break;
		}
		return 0;
	}
	load_unknown(dst, size, sext);
	return 0;
}

int vmem_access(struct venv *env, int regno, int32_t off, uint32_t size,
		bool write, struct vreg *dst, bool sext, const struct vreg *val,
		bool is_imm, int64_t imm)
{
	struct vreg reg = cur_regs(env)[regno];
	const char *tn = vtype_name(reg.type, reg.flags);
	int err;

	if (reg.type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", regno);
	if (reg.flags & VF_NULL)
		return verr(env, "R%d invalid mem access '%s'", regno, tn);
	if (write && val && vreg_is_ptr(val) && env->unpriv &&
	    reg.type != VT_STACK)
		return verr(env, "R%d leaks addr into %s", env->stx_src,
			    reg.type == VT_CTX ? "ctx" : reg.type == VT_MAP_VALUE ? "map" : "mem");
	switch (reg.type) {
	case VT_STACK:
		return stack_access(env, &reg, regno, off, size, write, dst, sext,
				    val, is_imm, imm);
	case VT_CTX:
		return ctx_access(env, &reg, regno, off, size, write, dst, sext);
	case VT_MAP_VALUE: {
		struct ubee_map *m = reg.map;
		uint64_t v;

		if (write && (m->map_flags & UBEE_F_RDONLY_PROG))
			return verr(env, "write into map forbidden, value_size=%u off=%lld size=%u",
				    m->value_size, (long long)reg.off + off, size);
		if (!write && (m->map_flags & UBEE_F_WRONLY_PROG))
			return verr(env, "read from map forbidden, value_size=%u off=%lld size=%u",
				    m->value_size, (long long)reg.off + off, size);
		err = vmem_region_check(env, &reg, regno, off, size, m->value_size,
				    "map value", "value_size");
		if (err)
			return err;
		err = lock_overlap(env, &reg, off, size);
		if (err)
			return err;
		if (dst && !write) {
			if (rodata_const(&reg, off, size, &v))
				load_const(dst, v, size, sext);
			else
				load_unknown(dst, size, sext);
		}
		return 0;
	}
	case VT_MAP_KEY:
		if (write)
			return verr(env, "write to change key R%d not allowed", regno);
		err = vmem_region_check(env, &reg, regno, off, size, reg.map->key_size,
				    "map key", "key_size");
		if (!err && dst)
			load_unknown(dst, size, sext);
		return err;
	case VT_MEM:
		if (write && (reg.flags & VF_RDONLY))
			return verr(env, "R%d cannot write into %s", regno, tn);
		err = vmem_region_check(env, &reg, regno, off, size, reg.range,
				    "memory", "mem_size");
		if (!err && dst && !write)
			load_unknown(dst, size, sext);
		return err;
	case VT_PKT:
	case VT_PKT_META:
		if (write && !pkt_writable(env->prog->type->id))
			return verr(env, "cannot write into packet");
		err = pkt_access(env, &reg, regno, off, size);
		if (!err && dst && !write)
			load_unknown(dst, size, sext);
		return err;
	case VT_BTF_ID:
	case VT_SOCK:
		/* Kernel objects of verify-only programs: read-only, unknown. */
		if (write)
			return verr(env, "R%d cannot write into %s", regno, tn);
		if (dst)
			load_unknown(dst, size, sext);
		return 0;
	default:
		return verr(env, "R%d invalid mem access '%s'", regno, tn);
	}
}

static bool atomic_ok(const struct vreg *r)
{
	return r->type == VT_STACK || r->type == VT_MAP_VALUE ||
	       (r->type == VT_MEM && !(r->flags & VF_RDONLY));
}

static int atomic_insn(struct venv *env, const struct ubee_dinsn *in,
		       uint32_t size)
{
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];
	struct vreg *regs = cur_regs(env);
	/* Copies: growing the stack below may move the frame. */
	struct vreg basev = regs[in->dst], srcv = regs[in->src];
	const struct vreg *base = &basev, *src = &srcv;
	int err;

	if (src->type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", in->src);
	if (oi->fmt == UBEE_FMT_CMPXCHG && regs[0].type == VT_NOT_INIT)
		return verr(env, "R0 !read_ok");
	if (base->type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", in->dst);
	if (vreg_is_ptr(src) && env->unpriv)
		return verr(env, "R%d leaks addr into mem", in->src);
	if (!atomic_ok(base) || (base->flags & VF_NULL))
		return verr(env, "BPF_ATOMIC stores into R%d %s is not allowed",
			    in->dst, vtype_name(base->type, base->flags));
	err = check_align(env, base, in->off, size);
	if (err)
		return err;
	if (base->type == VT_STACK) {
		int64_t lo, hi;

		err = stack_bounds(env, base, in->dst, in->off, size,
				   "read from ", &lo, &hi);
		if (err)
			return err;
		err = stack_grow(env, base->frame, lo);
		if (err)
			return err;
		/* (privileged: the slot just becomes a scalar, as the kernel) */
		if (env->unpriv && spill_ptr_in(env->cur.frames[base->frame], lo, hi))
			return verr(env, "attempt to corrupt spilled pointer on stack");
	}
	err = vmem_access(env, in->dst, in->off, size, false, NULL, false,
			  NULL, false, 0);
	if (!err)
		err = vmem_access(env, in->dst, in->off, size, true, NULL, false,
				  NULL, false, 0);
	if (err)
		return err;
	regs = cur_regs(env);
	if (oi->fmt == UBEE_FMT_ATOMIC_FETCH || oi->fmt == UBEE_FMT_XCHG)
		load_unknown(&regs[in->src], size, false);
	else if (oi->fmt == UBEE_FMT_CMPXCHG)
		load_unknown(&regs[0], size, false);
	return 0;
}

int vmem_insn(struct venv *env, const struct ubee_dinsn *in)
{
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];
	struct vreg *regs = cur_regs(env);
	uint32_t size = (uint32_t)ubee_isa_access_size(in->op);
	struct vreg val;
	int err;

	switch (oi->fmt) {
	case UBEE_FMT_LDX:
	case UBEE_FMT_LOAD_ACQ: {
		struct vreg out;

		err = vmem_access(env, in->src, in->off, size, false, &out,
				  oi->text[0] == 's', NULL, false, 0);
		if (!err) /* the access may have grown (moved) the frame */
			cur_regs(env)[in->dst] = out;
		return err;
	}
	case UBEE_FMT_ST:
		return vmem_access(env, in->dst, in->off, size, true, NULL, false,
				   NULL, true, in->imm);
	case UBEE_FMT_STX:
	case UBEE_FMT_STORE_REL:
		if (regs[in->src].type == VT_NOT_INIT)
			return verr(env, "R%d !read_ok", in->src);
		val = regs[in->src];
		env->stx_src = in->src;
		if (size < 8 && val.type == VT_SCALAR) {
			/* Only the low bytes reach memory. */
			if (size == 4)
				ubee_scalar_zext32(&val.s);
			else if (val.s.umax >= (1ull << (size * 8)))
				ubee_scalar_unknown_size(&val.s, size);
		}
		return vmem_access(env, in->dst, in->off, size, true, NULL, false,
				   &val, false, 0);
	default:
		return atomic_insn(env, in, size);
	}
}

/* ---- helper memory arguments ------------------------------------------- */

int vmem_helper(struct venv *env, int regno, uint64_t max_size, bool write,
		bool zero_ok)
{
	struct vreg reg = cur_regs(env)[regno];
	const char *tn = vtype_name(reg.type, reg.flags);
	uint32_t size = (uint32_t)max_size;

	if (!max_size) {
		if (zero_ok)
			return 0;
		return verr(env, "invalid zero-sized read");
	}
	if (reg.flags & VF_NULL)
		return verr(env, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem",
			    regno, tn);
	switch (reg.type) {
	case VT_STACK: {
		int64_t lo, hi;
		struct vframe *f;
		int err;

		err = stack_bounds(env, &reg, regno, 0, size,
				   write ? "write to " : "read from ",
				   &lo, &hi);
		if (err)
			return err;
		err = stack_grow(env, reg.frame, lo);
		if (err)
			return err;
		f = env->cur.frames[reg.frame];
		if (!write)
			vslot_read(env, reg.frame, vslot_mask(lo, hi));
		for (int64_t o = lo; o < hi; o++) {
			int b;
			struct vslot *t = slot_of(f, o, &b);

			if (write) {
				if (env->unpriv && t->kind[b] == SK_SPILL &&
				    t->spill.type != VT_SCALAR)
					return verr(env, "attempt to corrupt spilled pointer on stack");
				continue;
			}
			if (t->kind[b] == SK_INVALID)
				env->uninit_stack = true;
			if (env->unpriv &&
			    (t->kind[b] == SK_INVALID ||
			     (t->kind[b] == SK_SPILL && t->spill.type != VT_SCALAR)))
				return verr(env, "invalid indirect read from stack R%d off %lld+%lld size %u",
					    regno, (long long)lo, (long long)(o - lo), size);
		}
		if (write && ubee_scalar_is_const(&reg.s) && hi - lo == size) {
			/* The helper fills exactly these bytes. */
			for (int64_t o = lo; o < hi; o++) {
				int b;
				struct vslot *t = slot_of(f, o, &b);

				break_spill(t);
				t->kind[b] = SK_MISC;
			}
		} else if (write) {
			for (int64_t o = lo; o < hi; o++) {
				int b;
				struct vslot *t = slot_of(f, o, &b);

				if (t->kind[b] == SK_SPILL || t->kind[b] == SK_ZERO ||
				    ubee_scalar_is_const(&reg.s)) {
					break_spill(t);
					t->kind[b] = SK_MISC;
				}
			}
		}
		return 0;
	}
	case VT_CTX:
		if (env->prog->type->flags & UBEE_PT_CTX_MEM) {
			int64_t o = (int64_t)reg.off + (int64_t)reg.s.var.value;

			if (!ubee_scalar_is_const(&reg.s))
				return vmem_region_check(env, &reg, regno, 0, size,
						     env->prog->ctx_size, "ctx",
						     "ctx_size");
			if (o < 0 || (uint64_t)o + size > env->prog->ctx_size)
				return verr(env, "invalid bpf_context access off=%lld size=%u",
					    (long long)o, size);
			return 0;
		}
		break;
	case VT_MAP_VALUE:
	case VT_MAP_KEY:
	case VT_PKT:
	case VT_PKT_META:
	case VT_MEM:
		return vmem_access(env, regno, 0, size, write, NULL, false, NULL,
				   false, 0);
	default:
		break;
	}
	return verr(env, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem",
		    regno, tn);
}
