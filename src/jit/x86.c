// SPDX-License-Identifier: MIT
/*
 * The x86-64 encoder (see x86.h for the instruction layout). Each emitter
 * writes one instruction in its shortest correct form unless it says it
 * is fixed-size; none of them knows about eBPF.
 */
#include <errno.h>
#include <string.h>

#include "jit/x86.h"
#include "util/util.h"

void x86_init(struct x86_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void x86_fini(struct x86_buf *b)
{
	ubee_free(b->p);
	memset(b, 0, sizeof(*b));
}

int x86_grow(struct x86_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->err)
		return 0;
	if (b->len + n <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	p = ubee_realloc(b->p, cap);
	if (!p) {
		b->err = -ENOMEM;
		return 0;
	}
	b->p = p;
	b->cap = cap;
	return 1;
}

void x86_u16(struct x86_buf *b, uint16_t v)
{
	x86_byte(b, (uint8_t)v);
	x86_byte(b, (uint8_t)(v >> 8));
}

void x86_u32(struct x86_buf *b, uint32_t v)
{
	x86_u16(b, (uint16_t)v);
	x86_u16(b, (uint16_t)(v >> 16));
}

void x86_u64(struct x86_buf *b, uint64_t v)
{
	x86_u32(b, (uint32_t)v);
	x86_u32(b, (uint32_t)(v >> 32));
}

void x86_patch8(struct x86_buf *b, size_t at, int64_t v)
{
	if (b->err)
		return;
	if (at >= b->len || v < INT8_MIN || v > INT8_MAX) {
		b->err = -EINVAL;
		return;
	}
	b->p[at] = (uint8_t)(int8_t)v;
}

static int fits8(int64_t v)
{
	return v >= INT8_MIN && v <= INT8_MAX;
}

/* A byte register that needs a REX prefix to be spl/bpl/sil/dil. */
static int low_byte_reg(int r)
{
	return r >= 4 && r < 8;
}

/* Prefixes, REX and the opcode; reg/rm only for their high bits. */
static void head(struct x86_buf *b, unsigned flags, uint32_t op, int reg,
		 int rm)
{
	uint8_t rex = 0x40;

	if (flags & X86_LOCK)
		x86_byte(b, 0xf0);
	if (flags & X86_W16)
		x86_byte(b, 0x66);
	if (flags & X86_W64)
		rex |= 8;
	if (reg & 8)
		rex |= 4;
	if (rm & 8)
		rex |= 1;
	if (rex != 0x40 || ((flags & X86_BREG) && low_byte_reg(reg)) ||
	    ((flags & X86_BRM) && low_byte_reg(rm)))
		x86_byte(b, rex);
	if (op > 0xffff)
		x86_byte(b, (uint8_t)(op >> 16));
	if (op > 0xff)
		x86_byte(b, (uint8_t)(op >> 8));
	x86_byte(b, (uint8_t)op);
}

void x86_op_rr(struct x86_buf *b, unsigned flags, uint32_t op, int reg, int rm)
{
	head(b, flags, op, reg, rm);
	x86_byte(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

void x86_op_rm(struct x86_buf *b, unsigned flags, uint32_t op, int reg,
	       int base, int32_t disp)
{
	int mod;

	head(b, flags, op, reg, base);
	if (disp == 0 && (base & 7) != X86_RBP)
		mod = 0;
	else if (fits8(disp))
		mod = 1;
	else
		mod = 2;
	x86_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == X86_RSP)
		x86_byte(b, 0x24); /* SIB: no index, base = rsp/r12 */
	if (mod == 1)
		x86_byte(b, (uint8_t)(int8_t)disp);
	else if (mod == 2)
		x86_u32(b, (uint32_t)disp);
}

static unsigned w(int w64)
{
	return w64 ? X86_W64 : 0;
}

void x86_mov_rr(struct x86_buf *b, int w64, int dst, int src)
{
	x86_op_rr(b, w(w64), 0x89, src, dst);
}

void x86_mov_ri32(struct x86_buf *b, int w64, int dst, int32_t imm)
{
	if (w64) {
		x86_op_rr(b, X86_W64, 0xc7, 0, dst);
	} else {
		if (dst & 8)
			x86_byte(b, 0x41);
		x86_byte(b, (uint8_t)(0xb8 + (dst & 7)));
	}
	x86_u32(b, (uint32_t)imm);
}

void x86_movabs(struct x86_buf *b, int dst, uint64_t imm)
{
	x86_byte(b, (uint8_t)(0x48 | (dst & 8 ? 1 : 0)));
	x86_byte(b, (uint8_t)(0xb8 + (dst & 7)));
	x86_u64(b, imm);
}

void x86_mov_ri(struct x86_buf *b, int dst, uint64_t imm)
{
	if (!imm)
		x86_alu_rr(b, 0, X86_XOR, dst, dst);
	else if (imm <= UINT32_MAX)
		x86_mov_ri32(b, 0, dst, (int32_t)(uint32_t)imm);
	else if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX)
		x86_mov_ri32(b, 1, dst, (int32_t)imm);
	else
		x86_movabs(b, dst, imm);
}

void x86_alu_rr(struct x86_buf *b, int w64, enum x86_alu op, int dst, int src)
{
	x86_op_rr(b, w(w64), (uint32_t)op * 8 + 1, src, dst);
}

void x86_alu_ri32(struct x86_buf *b, int w64, enum x86_alu op, int dst,
		  int32_t imm)
{
	x86_op_rr(b, w(w64), 0x81, op, dst);
	x86_u32(b, (uint32_t)imm);
}

void x86_alu_ri(struct x86_buf *b, int w64, enum x86_alu op, int dst,
		int32_t imm)
{
	if (fits8(imm)) {
		x86_op_rr(b, w(w64), 0x83, op, dst);
		x86_byte(b, (uint8_t)(int8_t)imm);
	} else {
		x86_alu_ri32(b, w64, op, dst, imm);
	}
}

void x86_alu_rm(struct x86_buf *b, int w64, enum x86_alu op, int dst,
		int base, int32_t disp)
{
	x86_op_rm(b, w(w64), (uint32_t)op * 8 + 3, dst, base, disp);
}

void x86_alu_mi(struct x86_buf *b, int w64, enum x86_alu op, int base,
		int32_t disp, int32_t imm)
{
	if (fits8(imm)) {
		x86_op_rm(b, w(w64), 0x83, op, base, disp);
		x86_byte(b, (uint8_t)(int8_t)imm);
	} else {
		x86_op_rm(b, w(w64), 0x81, op, base, disp);
		x86_u32(b, (uint32_t)imm);
	}
}

void x86_test_rr(struct x86_buf *b, int w64, int a, int c)
{
	x86_op_rr(b, w(w64), 0x85, c, a);
}

void x86_test_ri(struct x86_buf *b, int w64, int dst, int32_t imm)
{
	x86_op_rr(b, w(w64), 0xf7, 0, dst);
	x86_u32(b, (uint32_t)imm);
}

void x86_shift_ri(struct x86_buf *b, int w64, enum x86_shift op, int dst,
		  unsigned count)
{
	if (count == 1) {
		x86_op_rr(b, w(w64), 0xd1, op, dst);
	} else {
		x86_op_rr(b, w(w64), 0xc1, op, dst);
		x86_byte(b, (uint8_t)count);
	}
}

void x86_shift_cl(struct x86_buf *b, int w64, enum x86_shift op, int dst)
{
	x86_op_rr(b, w(w64), 0xd3, op, dst);
}

void x86_shiftx(struct x86_buf *b, int w64, enum x86_shift op, int dst,
		int src, int count)
{
	/* VEX.LZ.pp.0F38.W F7 /r; pp: 66 shlx, F3 sarx, F2 shrx */
	uint8_t pp = op == X86_SHL ? 1 : op == X86_SAR ? 2 : 3;

	x86_byte(b, 0xc4);
	x86_byte(b, (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) |
			      0x02));
	x86_byte(b, (uint8_t)((w64 ? 0x80 : 0) | (~count & 15) << 3 | pp));
	x86_byte(b, 0xf7);
	x86_byte(b, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
}

void x86_grp3(struct x86_buf *b, int w64, enum x86_grp3 op, int rm)
{
	x86_op_rr(b, w(w64), 0xf7, op, rm);
}

void x86_imul_rr(struct x86_buf *b, int w64, int dst, int src)
{
	x86_op_rr(b, w(w64), 0x0faf, dst, src);
}

void x86_cmov(struct x86_buf *b, enum x86_cc cc, int dst, int src)
{
	x86_op_rr(b, X86_W64, 0x0f40 + (uint32_t)cc, dst, src);
}

void x86_imul_rri(struct x86_buf *b, int w64, int dst, int src, int32_t imm)
{
	if (fits8(imm)) {
		x86_op_rr(b, w(w64), 0x6b, dst, src);
		x86_byte(b, (uint8_t)(int8_t)imm);
	} else {
		x86_op_rr(b, w(w64), 0x69, dst, src);
		x86_u32(b, (uint32_t)imm);
	}
}

void x86_bswap(struct x86_buf *b, int w64, int reg)
{
	uint8_t rex = (uint8_t)(0x40 | (w64 ? 8 : 0) | (reg & 8 ? 1 : 0));

	if (rex != 0x40)
		x86_byte(b, rex);
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0xc8 + (reg & 7)));
}

void x86_rol16_8(struct x86_buf *b, int reg)
{
	x86_op_rr(b, X86_W16, 0xc1, X86_ROL, reg);
	x86_byte(b, 8);
}

void x86_movzx_rr(struct x86_buf *b, int size, int dst, int src)
{
	if (size == 1)
		x86_op_rr(b, X86_BRM, 0x0fb6, dst, src);
	else
		x86_op_rr(b, 0, 0x0fb7, dst, src);
}

void x86_movsx_rr(struct x86_buf *b, int w64, int size, int dst, int src)
{
	if (size == 1)
		x86_op_rr(b, w(w64) | X86_BRM, 0x0fbe, dst, src);
	else if (size == 2)
		x86_op_rr(b, w(w64), 0x0fbf, dst, src);
	else
		x86_op_rr(b, X86_W64, 0x63, dst, src);
}

void x86_lea(struct x86_buf *b, int w64, int dst, int base, int32_t disp)
{
	x86_op_rm(b, w(w64), 0x8d, dst, base, disp);
}

void x86_lea_idx(struct x86_buf *b, int w64, int dst, int base, int index,
		 unsigned shift, int32_t disp)
{
	uint8_t rex = (uint8_t)(0x40 | (w64 ? 8 : 0) | (dst & 8 ? 4 : 0) |
				(index & 8 ? 2 : 0) | (base & 8 ? 1 : 0));
	int mod = disp == 0 && (base & 7) != X86_RBP ? 0 : fits8(disp) ? 1 : 2;

	if ((index & 7) == X86_RSP && !(index & 8)) {
		b->err = b->err ? b->err : -EINVAL; /* rsp cannot index */
		return;
	}
	if (rex != 0x40)
		x86_byte(b, rex);
	x86_byte(b, 0x8d);
	x86_byte(b, (uint8_t)(mod << 6 | (dst & 7) << 3 | 4));
	x86_byte(b, (uint8_t)(shift << 6 | (index & 7) << 3 | (base & 7)));
	if (mod == 1)
		x86_byte(b, (uint8_t)(int8_t)disp);
	else if (mod == 2)
		x86_u32(b, (uint32_t)disp);
}

void x86_load(struct x86_buf *b, int size, int sext, int dst, int base,
	      int32_t disp)
{
	switch (size) {
	case 1:
		x86_op_rm(b, sext ? X86_W64 : 0, sext ? 0x0fbe : 0x0fb6, dst,
			  base, disp);
		break;
	case 2:
		x86_op_rm(b, sext ? X86_W64 : 0, sext ? 0x0fbf : 0x0fb7, dst,
			  base, disp);
		break;
	case 4:
		x86_op_rm(b, sext ? X86_W64 : 0, sext ? 0x63 : 0x8b, dst, base,
			  disp);
		break;
	default:
		x86_op_rm(b, X86_W64, 0x8b, dst, base, disp);
		break;
	}
}

void x86_store(struct x86_buf *b, int size, int src, int base, int32_t disp)
{
	switch (size) {
	case 1:
		x86_op_rm(b, X86_BREG, 0x88, src, base, disp);
		break;
	case 2:
		x86_op_rm(b, X86_W16, 0x89, src, base, disp);
		break;
	case 4:
		x86_op_rm(b, 0, 0x89, src, base, disp);
		break;
	default:
		x86_op_rm(b, X86_W64, 0x89, src, base, disp);
		break;
	}
}

void x86_store_imm(struct x86_buf *b, int size, int base, int32_t disp,
		   int32_t imm)
{
	switch (size) {
	case 1:
		x86_op_rm(b, 0, 0xc6, 0, base, disp);
		x86_byte(b, (uint8_t)imm);
		break;
	case 2:
		x86_op_rm(b, X86_W16, 0xc7, 0, base, disp);
		x86_u16(b, (uint16_t)imm);
		break;
	case 4:
		x86_op_rm(b, 0, 0xc7, 0, base, disp);
		x86_u32(b, (uint32_t)imm);
		break;
	default:
		x86_op_rm(b, X86_W64, 0xc7, 0, base, disp);
		x86_u32(b, (uint32_t)imm);
		break;
	}
}

void x86_push(struct x86_buf *b, int reg)
{
	if (reg & 8)
		x86_byte(b, 0x41);
	x86_byte(b, (uint8_t)(0x50 + (reg & 7)));
}

void x86_pop(struct x86_buf *b, int reg)
{
	if (reg & 8)
		x86_byte(b, 0x41);
	x86_byte(b, (uint8_t)(0x58 + (reg & 7)));
}

void x86_push_m(struct x86_buf *b, int base, int32_t disp)
{
	x86_op_rm(b, 0, 0xff, 6, base, disp);
}

void x86_pop_m(struct x86_buf *b, int base, int32_t disp)
{
	x86_op_rm(b, 0, 0x8f, 0, base, disp);
}

void x86_jcc8(struct x86_buf *b, enum x86_cc cc, int8_t rel)
{
	x86_byte(b, cc == X86_CC_ALWAYS ? 0xeb : (uint8_t)(0x70 + cc));
	x86_byte(b, (uint8_t)rel);
}

void x86_jcc32(struct x86_buf *b, enum x86_cc cc, int32_t rel)
{
	if (cc == X86_CC_ALWAYS) {
		x86_byte(b, 0xe9);
	} else {
		x86_byte(b, 0x0f);
		x86_byte(b, (uint8_t)(0x80 + cc));
	}
	x86_u32(b, (uint32_t)rel);
}

void x86_call32(struct x86_buf *b, int32_t rel)
{
	x86_byte(b, 0xe8);
	x86_u32(b, (uint32_t)rel);
}

void x86_call_r(struct x86_buf *b, int reg)
{
	x86_op_rr(b, 0, 0xff, 2, reg);
}

void x86_jmp_r(struct x86_buf *b, int reg)
{
	x86_op_rr(b, 0, 0xff, 4, reg);
}

void x86_ret(struct x86_buf *b)
{
	x86_byte(b, 0xc3);
}
