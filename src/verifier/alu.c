// SPDX-License-Identifier: MIT
/*
 * ALU instructions in the verifier core: scalars through the abstract
 * domain (scalar.h), pointers by the kernel's rules. A pointer may only
 * have a scalar added or subtracted, in 64 bits, and only when it is not
 * nullable and not a packet end, map or function pointer; the sum keeps
 * the constant part in off and the variable part in s (the scalar is then
 * marked precise: its bounds decide later accesses). Two pointers of the
 * same kind subtract to a scalar (privileged only). Everything else on a
 * pointer is refused, or in privileged mode turns the result into an
 * unknown scalar where the kernel does so.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"
#include "verifier/vstate.h"

/* The kernel's BPF_MAX_VAR_OFF: bigger pointer offsets are refused. */
#define MAX_VAR_OFF (1 << 29)

static int salu_of(int op, enum ubee_salu *out)
{
	switch (op) {
#define C(a, b)                                                               \
	case UBEE_OP_##a##64_K: case UBEE_OP_##a##64_X:                      \
	case UBEE_OP_##a##32_K: case UBEE_OP_##a##32_X:                      \
		*out = UBEE_SALU_##b;                                         \
		return 0;
	C(ADD, ADD) C(SUB, SUB) C(MUL, MUL) C(DIV, DIV) C(SDIV, SDIV)
	C(MOD, MOD) C(SMOD, SMOD) C(OR, OR) C(AND, AND) C(XOR, XOR)
	C(LSH, LSH) C(RSH, RSH) C(ARSH, ARSH) C(MOV, MOV)
#undef C
	default:
		return -1;
	}
}

static const char *salu_text(enum ubee_salu op)
{
	static const char *const t[] = {
		[UBEE_SALU_ADD] = "+=", [UBEE_SALU_SUB] = "-=",
		[UBEE_SALU_MUL] = "*=", [UBEE_SALU_DIV] = "/=",
		[UBEE_SALU_SDIV] = "s/=", [UBEE_SALU_MOD] = "%=",
		[UBEE_SALU_SMOD] = "s%=", [UBEE_SALU_OR] = "|=",
		[UBEE_SALU_AND] = "&=", [UBEE_SALU_XOR] = "^=",
		[UBEE_SALU_LSH] = "<<=", [UBEE_SALU_RSH] = ">>=",
		[UBEE_SALU_ARSH] = "s>>=", [UBEE_SALU_MOV] = "=",
	};
	return t[op];
}

static int ptr_leak(struct venv *env, int regno, const char *what)
{
	return verr(env, "R%d %s", regno, what);
}

/* dst (a pointer) op= src (a scalar), 64-bit ADD or SUB. */
static int ptr_scalar(struct venv *env, struct vreg *dst, int dregno,
		      const struct vreg *ptr, const struct vreg *sc, int sregno,
		      enum ubee_salu op, bool ptr_is_dst)
{
	struct vreg res = *ptr;
	const char *tn = vtype_name(ptr->type, ptr->flags);

	if (ptr->type == VT_PKT)
		res.aux = 0; /* no longer the pointer compared with the end */

	if (ptr->flags & VF_NULL)
		return verr(env, "R%d pointer arithmetic on %s prohibited, null-check it first",
			    dregno, tn);
	switch (ptr->type) {
	case VT_PKT_END:
	case VT_MAP_PTR:
	case VT_FUNC:
	case VT_SOCK:
	case VT_BTF_ID:
		return verr(env, "R%d pointer arithmetic on %s prohibited",
			    dregno, tn);
	default:
		break;
	}
	if (ptr->type == VT_STACK && op == UBEE_SALU_SUB && ptr_is_dst)
		return verr(env, "R%d subtraction from stack pointer prohibited",
			    dregno);
	/*
	 * The pointer's offset depends on the scalar's value, known or not:
	 * states must not be pruned on a different one (as the kernel marks
	 * the scalar of pointer arithmetic precise).
	 */
	if (sregno >= 0)
		vmark_precise(env, sregno);
	if (ubee_scalar_is_const(&sc->s)) {
		int64_t k = (int64_t)sc->s.var.value;
		int64_t off = op == UBEE_SALU_ADD ? (int64_t)ptr->off + k
						  : (int64_t)ptr->off - k;

		if (k <= -MAX_VAR_OFF || k >= MAX_VAR_OFF)
			return verr(env, "math between %s pointer and %lld is not allowed",
				    tn, (long long)k);
		if (off <= -MAX_VAR_OFF || off >= MAX_VAR_OFF)
			return verr(env, "%s pointer offset %lld is not allowed", tn,
				    (long long)off);
		res.off = (int32_t)off;
	} else {
		if (sc->s.smin == INT64_MIN)
			return verr(env, "math between %s pointer and register with unbounded min value is not allowed",
				    tn);
		if (sc->s.smin <= -MAX_VAR_OFF || sc->s.smin >= MAX_VAR_OFF)
			return verr(env, "value %lld makes %s pointer be out of bounds",
				    (long long)sc->s.smin, tn);
		ubee_scalar_alu(&res.s, &sc->s, op, false);
		if (ptr->type == VT_PKT || ptr->type == VT_PKT_META) {
			res.id = vnew_id(env);
			res.range = 0;
		}
	}
	/*
	 * Unprivileged (the kernel's Spectre v1 sanitizing needs it): a
	 * stack or map value pointer must stay inside its object.
	 */
	if (env->unpriv && res.type == VT_STACK) {
		int64_t o = (int64_t)res.off + (int64_t)res.s.var.value;

		if (!ubee_scalar_is_const(&res.s)) {
			char vo[64];

			ubee_tnum_print(vo, sizeof(vo), res.s.var);
			return verr(env, "R%d variable stack access prohibited for !root, var_off=%s off=%d",
				    dregno, vo, res.off);
		}
		if (o >= 0 || o < -(int64_t)UBEE_V_MAX_STACK)
			return verr(env, "R%d stack pointer arithmetic goes out of range, prohibited for !root; off=%lld",
				    dregno, (long long)o);
	}
	if (env->unpriv && res.type == VT_MAP_VALUE &&
	    vmem_region_check(env, &res, dregno, 0, 1, res.map->value_size,
			      "map value", "value_size"))
		return verr(env, "R%d pointer arithmetic of map value goes out of range, prohibited for !root",
			    dregno);
	*dst = res;
	return 0;
}

static int alu_ptr(struct venv *env, const struct ubee_dinsn *in,
		   enum ubee_salu op, bool is32, struct vreg *dst,
		   const struct vreg *src, int sregno)
{
	struct vreg d = *dst;
	bool dp = vreg_is_ptr(&d), sp = vreg_is_ptr(src);

	if (dp && sp && op == UBEE_SALU_SUB && !env->unpriv) {
		/* The distance between two pointers: a scalar. */
		vreg_unknown(dst);
		if (is32)
			ubee_scalar_unknown_size(&dst->s, 4);
		return 0;
	}
	if (is32) {
		if (dp && op == UBEE_SALU_SUB && !env->unpriv) {
			/* The kernel lets this through as a scalar. */
			vreg_unknown(dst);
			ubee_scalar_unknown_size(&dst->s, 4);
			return 0;
		}
		if (dp)
			return verr(env, "R%d 32-bit pointer arithmetic prohibited",
				    in->dst);
		/* A scalar op= 32-bit part of a pointer. */
		if (env->unpriv)
			return ptr_leak(env, sregno, "32-bit pointer arithmetic prohibited");
		vreg_unknown(dst);
		ubee_scalar_unknown_size(&dst->s, 4);
		return 0;
	}
	if (op != UBEE_SALU_ADD && op != UBEE_SALU_SUB) {
		if (op == UBEE_SALU_AND || op == UBEE_SALU_OR ||
		    op == UBEE_SALU_XOR)
			return verr(env, "R%d bitwise operator %s on pointer prohibited",
				    in->dst, salu_text(op));
		return verr(env, "R%d pointer arithmetic with %s operator prohibited",
			    in->dst, salu_text(op));
	}
	if (dp && sp) {
		if (op == UBEE_SALU_ADD)
			return verr(env, "R%d pointer += pointer prohibited", in->dst);
		return verr(env, "R%d pointer -= pointer prohibited", in->dst);
	}
	if (!dp) {
		if (op == UBEE_SALU_SUB)
			return verr(env, "R%d tried to subtract pointer from scalar",
				    in->dst);
		return ptr_scalar(env, dst, in->dst, src, &d, in->dst, op, false);
	}
	return ptr_scalar(env, dst, in->dst, &d, src, sregno, op, true);
}

static int alu_mov(struct venv *env, const struct ubee_dinsn *in, bool is32,
		   struct vreg *dst, struct vreg *src)
{
	if (in->op == UBEE_OP_MOV64_K || in->op == UBEE_OP_MOV32_K) {
		vreg_const(dst, is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
		return 0;
	}
	if (src->type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", in->src);
	if (!is32) {
		if (src->type == VT_SCALAR && !src->id &&
		    !ubee_scalar_is_const(&src->s))
			src->id = vnew_id(env);
		*dst = *src;
		dst->precise = 0;
		return 0;
	}
	if (vreg_is_ptr(src)) {
		if (env->unpriv)
			return verr(env, "R%d partial copy of pointer", in->src);
		vreg_unknown(dst);
		ubee_scalar_unknown_size(&dst->s, 4);
		return 0;
	}
	{
		struct vreg tmp = *src;

		ubee_scalar_zext32(&tmp.s);
		vreg_unknown(dst);
		dst->s = tmp.s;
	}
	return 0;
}

int valu(struct venv *env, const struct ubee_dinsn *in)
{
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];
	struct vreg *regs = cur_regs(env);
	struct vreg *dst = &regs[in->dst];
	bool is32 = oi->flags & UBEE_F_32;
	struct vreg srcv, *src = NULL;
	enum ubee_salu op;

	if (oi->fmt == UBEE_FMT_ALU_X || oi->fmt == UBEE_FMT_MOVSX) {
		src = &regs[in->src];
		if (src->type == VT_NOT_INIT)
			return verr(env, "R%d !read_ok", in->src);
	}
	if (oi->fmt == UBEE_FMT_MOVSX) {
		if (vreg_is_ptr(src)) {
			if (env->unpriv)
				return verr(env, "R%d sign-extension part of pointer",
					    in->src);
			vreg_unknown(dst);
			return 0;
		}
		srcv = *src;
		vreg_unknown(dst);
		ubee_scalar_movsx(&dst->s, &srcv.s,
				  in->op == UBEE_OP_MOVSX64_8 || in->op == UBEE_OP_MOVSX32_8
					  ? 8
				  : in->op == UBEE_OP_MOVSX64_32 ? 32 : 16,
				  is32);
		return 0;
	}
	if (salu_of(in->op, &op) == 0 && op == UBEE_SALU_MOV)
		return alu_mov(env, in, is32, dst, src);
	if (dst->type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", in->dst);
	if (oi->fmt == UBEE_FMT_NEG || oi->fmt == UBEE_FMT_END) {
		if (vreg_is_ptr(dst)) {
			if (env->unpriv)
				return verr(env, "R%d pointer arithmetic prohibited",
					    in->dst);
			vreg_unknown(dst);
			return 0;
		}
		dst->id = 0;
		dst->precise = 0;
		if (oi->fmt == UBEE_FMT_NEG) {
			ubee_scalar_neg(&dst->s, is32);
		} else {
			enum ubee_send k = oi->text[0] == 'l' ? UBEE_SEND_TO_LE
					 : oi->text[0] == 'b' && oi->text[1] == 'e'
						 ? UBEE_SEND_TO_BE
						 : UBEE_SEND_BSWAP;

			ubee_scalar_end(&dst->s, k, (unsigned)in->imm);
		}
		return 0;
	}
	if (salu_of(in->op, &op))
		return verr(env, "unknown ALU op %s", oi->name);
	if (oi->fmt == UBEE_FMT_ALU_K) {
		vreg_const(&srcv, is32 ? (uint32_t)in->imm
				       : (uint64_t)(int64_t)in->imm);
		src = &srcv;
		if ((op == UBEE_SALU_DIV || op == UBEE_SALU_SDIV ||
		     op == UBEE_SALU_MOD || op == UBEE_SALU_SMOD) && !in->imm)
			return verr(env, "div by zero");
		if ((op == UBEE_SALU_LSH || op == UBEE_SALU_RSH ||
		     op == UBEE_SALU_ARSH) &&
		    (uint32_t)in->imm >= (is32 ? 32u : 64u))
			return verr(env, "invalid shift %d", in->imm);
	}
	if (vreg_is_ptr(dst) || vreg_is_ptr(src))
		return alu_ptr(env, in, op, is32, dst, src,
			       oi->fmt == UBEE_FMT_ALU_X ? in->src : -1);
	srcv = *src;
	ubee_scalar_alu(&dst->s, &srcv.s, op, is32);
	dst->id = 0;
	dst->precise = 0;
	return 0;
}
