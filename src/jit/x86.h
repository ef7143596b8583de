/* SPDX-License-Identifier: MIT */
/*
 * An x86-64 instruction encoder for the JIT: a growable byte buffer and
 * one emitter per instruction form the JIT uses. Emitters return void; a
 * failure (out of memory, an operand the form cannot encode) sets a
 * sticky error in the buffer, checked once after the whole program.
 *
 * Instruction layout (Intel SDM vol. 2, ch. 2):
 *
 *   [66] [REX 0100WRXB] opcode (1-3 bytes) [ModRM mod|reg|rm] [SIB] [disp] [imm]
 *
 * REX.W selects 64-bit operands, REX.R/B extend the reg and rm fields to
 * r8-r15. A REX prefix (even 0x40) also turns byte registers 4-7 from
 * ah/ch/dh/bh into spl/bpl/sil/dil, so byte operands in those registers
 * force one. rm = 100b (rsp, r12) as a memory base needs a SIB byte;
 * rm = 101b (rbp, r13) with mod 00 means rip-relative, so those bases
 * always carry a displacement.
 */
#ifndef UBEE_JIT_X86_H
#define UBEE_JIT_X86_H

#include <stddef.h>
#include <stdint.h>

enum x86_reg {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* Condition codes (the low nibble of Jcc/SETcc). */
enum x86_cc {
	X86_CC_O = 0x0, X86_CC_NO = 0x1, X86_CC_B = 0x2, X86_CC_AE = 0x3,
	X86_CC_E = 0x4, X86_CC_NE = 0x5, X86_CC_BE = 0x6, X86_CC_A = 0x7,
	X86_CC_S = 0x8, X86_CC_NS = 0x9, X86_CC_L = 0xc, X86_CC_GE = 0xd,
	X86_CC_LE = 0xe, X86_CC_G = 0xf,
	X86_CC_ALWAYS = 0x10, /* not a code: an unconditional jmp */
};

/* The /digit of the group-1 ALU ops (add, or, and, sub, xor, cmp). */
enum x86_alu {
	X86_ADD = 0, X86_OR = 1, X86_AND = 4, X86_SUB = 5, X86_XOR = 6,
	X86_CMP = 7,
};

/* The /digit of the shift group (C1, D1, D3). */
enum x86_shift { X86_ROL = 0, X86_SHL = 4, X86_SHR = 5, X86_SAR = 7 };

/* The /digit of group 3 (F7). */
enum x86_grp3 {
	X86_NEG = 3, X86_MUL = 4, X86_DIV = 6, X86_IDIV = 7,
};

/* Operand flags of x86_op_rr / x86_op_rm. */
enum {
	X86_W64 = 1u << 0,  /* REX.W: 64-bit operands */
	X86_W16 = 1u << 1,  /* 0x66: 16-bit operands */
	X86_BREG = 1u << 2, /* the reg field is a byte register */
	X86_BRM = 1u << 3,  /* the r/m field is a byte register */
	X86_LOCK = 1u << 4, /* 0xf0 */
};

struct x86_buf {
	uint8_t *p;
	size_t len, cap;
	int err; /* 0, or the first error: -ENOMEM, -EINVAL */
};

void x86_init(struct x86_buf *b);
void x86_fini(struct x86_buf *b);

/* Make room for n more bytes: 1, or 0 with b->err set (sticky). */
int x86_grow(struct x86_buf *b, size_t n);

static inline void x86_byte(struct x86_buf *b, uint8_t v)
{
	if (b->len < b->cap || x86_grow(b, 1))
		b->p[b->len++] = v;
}

void x86_u16(struct x86_buf *b, uint16_t v);
void x86_u32(struct x86_buf *b, uint32_t v);
void x86_u64(struct x86_buf *b, uint64_t v);
/* Overwrite bytes already emitted (jump patching). */
void x86_patch8(struct x86_buf *b, size_t at, int64_t v);

/*
 * The generic forms: prefixes, opcode (1-3 bytes, most significant first:
 * 0x0fb6 is 0f b6) and ModRM for a register operand (rm) or a memory
 * operand [base + disp]. ext instructions pass the /digit as reg.
 */
void x86_op_rr(struct x86_buf *b, unsigned flags, uint32_t op, int reg, int rm);
void x86_op_rm(struct x86_buf *b, unsigned flags, uint32_t op, int reg,
	       int base, int32_t disp);

/* w64: 1 for 64-bit operands, 0 for 32-bit (which zero-extend). */
void x86_mov_rr(struct x86_buf *b, int w64, int dst, int src);
/* dst = imm, in the shortest form (xor for 0: clobbers the flags). */
void x86_mov_ri(struct x86_buf *b, int dst, uint64_t imm);
/* Fixed-size forms: mov dst, imm32 (w64: sign-extended, 7 bytes). */
void x86_mov_ri32(struct x86_buf *b, int w64, int dst, int32_t imm);
void x86_movabs(struct x86_buf *b, int dst, uint64_t imm);
void x86_alu_rr(struct x86_buf *b, int w64, enum x86_alu op, int dst, int src);
/* imm8 when it fits, else imm32 (sign-extended in 64-bit ops). */
void x86_alu_ri(struct x86_buf *b, int w64, enum x86_alu op, int dst,
		int32_t imm);
/* Always the imm32 form (fixed size, for blinding). */
void x86_alu_ri32(struct x86_buf *b, int w64, enum x86_alu op, int dst,
		  int32_t imm);
/* op dst, [base + disp] (cmp/add with a memory source). */
void x86_alu_rm(struct x86_buf *b, int w64, enum x86_alu op, int dst,
		int base, int32_t disp);
/* op [base + disp], imm (w64: qword, else dword). */
void x86_alu_mi(struct x86_buf *b, int w64, enum x86_alu op, int base,
		int32_t disp, int32_t imm);
void x86_test_rr(struct x86_buf *b, int w64, int a, int c);
void x86_test_ri(struct x86_buf *b, int w64, int dst, int32_t imm);
void x86_shift_ri(struct x86_buf *b, int w64, enum x86_shift op, int dst,
		  unsigned count);
void x86_shift_cl(struct x86_buf *b, int w64, enum x86_shift op, int dst);
/* BMI2 shlx/shrx/sarx (not ROL): dst = src shifted by count (masked). */
void x86_shiftx(struct x86_buf *b, int w64, enum x86_shift op, int dst,
		int src, int count);
void x86_grp3(struct x86_buf *b, int w64, enum x86_grp3 op, int rm);
void x86_imul_rr(struct x86_buf *b, int w64, int dst, int src);
/* if (cc) dst = src, 64 bits. */
void x86_cmov(struct x86_buf *b, enum x86_cc cc, int dst, int src);
void x86_imul_rri(struct x86_buf *b, int w64, int dst, int src, int32_t imm);
void x86_bswap(struct x86_buf *b, int w64, int reg);
/* ror r16, 8: swap the two low bytes. */
void x86_rol16_8(struct x86_buf *b, int reg);
/* movzx/movsx dst, src of 1, 2 (or, for movsx, 4) bytes; w64 dst width. */
void x86_movzx_rr(struct x86_buf *b, int size, int dst, int src);
void x86_movsx_rr(struct x86_buf *b, int w64, int size, int dst, int src);
void x86_lea(struct x86_buf *b, int w64, int dst, int base, int32_t disp);
/* dst = base + (index << shift) + disp, shift 0-3; index is not rsp. */
void x86_lea_idx(struct x86_buf *b, int w64, int dst, int base, int index,
		 unsigned shift, int32_t disp);

/* dst = [base + disp] of size 1, 2, 4, 8 bytes, zero- or sign-extended. */
void x86_load(struct x86_buf *b, int size, int sext, int dst, int base,
	      int32_t disp);
void x86_store(struct x86_buf *b, int size, int src, int base, int32_t disp);
void x86_store_imm(struct x86_buf *b, int size, int base, int32_t disp,
		   int32_t imm);

void x86_push(struct x86_buf *b, int reg);
void x86_pop(struct x86_buf *b, int reg);
void x86_push_m(struct x86_buf *b, int base, int32_t disp);
void x86_pop_m(struct x86_buf *b, int base, int32_t disp);
/* Jumps with a displacement relative to the end of the instruction. */
void x86_jcc8(struct x86_buf *b, enum x86_cc cc, int8_t rel);
void x86_jcc32(struct x86_buf *b, enum x86_cc cc, int32_t rel);
void x86_call32(struct x86_buf *b, int32_t rel);
void x86_call_r(struct x86_buf *b, int reg);
void x86_jmp_r(struct x86_buf *b, int reg);
void x86_ret(struct x86_buf *b);

#endif /* UBEE_JIT_X86_H */
