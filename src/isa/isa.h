/* SPDX-License-Identifier: MIT */
/*
 * Instruction set: the op enum and per-op facts generated from isa_ops.h,
 * the decoder and the structural validator. Depends on nothing but the
 * public instruction struct and the log.
 */
#ifndef UBEE_ISA_H
#define UBEE_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"
#include "isa/isa_ops.h"

/* Internal op: one per row of UBEE_OPS, in table order. */
enum ubee_op {
#define X(name, ...) UBEE_OP_##name,
	UBEE_OPS(X)
#undef X
	UBEE_OP__COUNT
};
_Static_assert(UBEE_OP__COUNT <= 255, "ops must fit the decoded op byte");

/* Which field disambiguates rows sharing an opcode byte. */
enum ubee_sel { UBEE_SEL_NONE, UBEE_SEL_OFF, UBEE_SEL_IMM, UBEE_SEL_SRC };

/* Operand shapes. Each fixes which fields are used; others must be zero. */
enum ubee_fmt {
	UBEE_FMT_ALU_K,        /* dst op= imm            uses dst, imm      */
	UBEE_FMT_ALU_X,        /* dst op= src            uses dst, src      */
	UBEE_FMT_NEG,          /* dst = -dst             uses dst           */
	UBEE_FMT_MOVSX,        /* dst = (sN)src          uses dst, src      */
	UBEE_FMT_END,          /* dst = le16 dst         uses dst           */
	UBEE_FMT_JMP_K,        /* if dst op imm goto off uses dst, off, imm */
	UBEE_FMT_JMP_X,        /* if dst op src goto off uses dst, src, off */
	UBEE_FMT_JA,           /* goto off               uses off           */
	UBEE_FMT_JA32,         /* gotol imm              uses imm           */
	UBEE_FMT_MAY_GOTO,     /* may_goto off           uses off           */
	UBEE_FMT_CALL,         /* call imm (helper id)   uses imm           */
	UBEE_FMT_CALL_LOCAL,   /* call pc+imm+1          uses imm           */
	UBEE_FMT_CALL_KFUNC,   /* call kfunc imm, off    uses imm, off      */
	UBEE_FMT_EXIT,         /* exit                   uses nothing       */
	UBEE_FMT_LDX,          /* dst = *(sz *)(src + off)                  */
	UBEE_FMT_ST,           /* *(sz *)(dst + off) = imm                  */
	UBEE_FMT_STX,          /* *(sz *)(dst + off) = src                  */
	UBEE_FMT_ATOMIC,       /* lock *(sz *)(dst + off) op= src           */
	UBEE_FMT_ATOMIC_FETCH, /* src = atomic_fetch_op((sz *)(dst+off), src)*/
	UBEE_FMT_XCHG,         /* src = xchg_64(dst + off, src)             */
	UBEE_FMT_CMPXCHG,      /* r0 = cmpxchg_64(dst + off, r0, src)       */
	UBEE_FMT_LOAD_ACQ,     /* dst = load_acquire((sz *)(src + off))     */
	UBEE_FMT_STORE_REL,    /* store_release((sz *)(dst + off), src)     */
	UBEE_FMT_LD_ABS,       /* r0 = *(sz *)skb[imm]   uses imm           */
	UBEE_FMT_LD_IND,       /* r0 = *(sz *)skb[src + imm]  uses src, imm */
	UBEE_FMT_LDDW,         /* dst = imm64 (two slots), src = pseudo kind */
};

enum ubee_op_flags {
	UBEE_F_32 = 1u << 0,       /* 32-bit operands (ALU32, JMP32, atomic W) */
	UBEE_F_WDST = 1u << 1,     /* writes dst */
	UBEE_F_WSRC = 1u << 2,     /* writes src (fetching atomics, xchg) */
	UBEE_F_WR0 = 1u << 3,      /* writes r0 (cmpxchg, packet loads) */
	UBEE_F_BRANCH = 1u << 4,   /* off is a pc-relative jump target */
	UBEE_F_BRANCH32 = 1u << 5, /* imm is a pc-relative jump target */
	UBEE_F_TERM = 1u << 6,     /* never falls through (exit, ja) */
	UBEE_F_CALL = 1u << 7,
	UBEE_F_CALLREL = 1u << 8,  /* imm is a pc-relative call target */
	UBEE_F_MEM = 1u << 9,      /* accesses memory through a register */
	UBEE_F_PKT = 1u << 10,     /* legacy packet load */
	UBEE_F_LDDW = 1u << 11,    /* two slots */
};

struct ubee_op_info {
	const char *name;  /* "ADD64_K" */
	const char *text;  /* operator or mnemonic as llvm-objdump prints it */
	uint8_t code;
	uint8_t sel;       /* enum ubee_sel */
	uint8_t fmt;       /* enum ubee_fmt */
	uint16_t flags;    /* enum ubee_op_flags */
	int32_t selval;
};

/* Indexed by enum ubee_op. */
extern const struct ubee_op_info ubee_isa_ops[UBEE_OP__COUNT];

/*
 * A decoded instruction: the same fields, with the opcode byte replaced by
 * the internal op, so engines dispatch once without re-decoding. The
 * second slot of an lddw decodes to op UBEE_OP__COUNT (never executed).
 */
struct ubee_dinsn {
	uint8_t op;
	uint8_t dst : 4;
	uint8_t src : 4;
	int16_t off;
	int32_t imm;
};
_Static_assert(sizeof(struct ubee_dinsn) == 8, "decoded insn is 8 bytes");

/* Which fields a format uses (bit set of UBEE_FIELD_*). */
enum { UBEE_FIELD_DST = 1, UBEE_FIELD_SRC = 2, UBEE_FIELD_OFF = 4,
       UBEE_FIELD_IMM = 8 };
unsigned ubee_isa_fmt_fields(enum ubee_fmt fmt);

/*
 * The op for an instruction's opcode byte and selector fields, or -1 when
 * no row matches. Does not check unused fields or registers.
 */
int ubee_isa_lookup(const struct ubee_insn *insn);

/* The row for (code, sel value), or -1. Used by the assembler. */
int ubee_isa_find(uint8_t code, int32_t selval);

/* Memory access size in bytes of a load/store/atomic/packet op, else 0. */
int ubee_isa_access_size(enum ubee_op op);

/*
 * Check one instruction at index idx of insns[cnt] on its own: known op,
 * registers in range, unused fields zero, no write to r10, lddw second
 * slot. Returns the op (>= 0) or -EINVAL after writing the reason (without
 * the index) into why[whylen].
 */
int ubee_isa_check_insn(const struct ubee_insn *insns, size_t cnt, size_t idx,
			char *why, size_t whylen);

/*
 * Structural validation of a whole program: every instruction valid, every
 * jump and call target inside the program and not in the middle of an
 * lddw, not empty, at most UBEE_MAX_INSNS, last instruction exit or an
 * unconditional jump. On success fills out[cnt] (may be NULL) with the
 * decoded program and returns 0; otherwise -EINVAL (-E2BIG for size) and
 * one log line "IDX: reason".
 */
int ubee_isa_validate(const struct ubee_insn *insns, size_t cnt,
		      struct ubee_dinsn *out, struct ubee_log *log);

/*
 * Target index of a jump or call at idx (pc-relative: idx + 1 + delta), or
 * -1 when the op has no target.
 */
int64_t ubee_isa_target(const struct ubee_insn *insn, size_t idx, int op);

#endif /* UBEE_ISA_H */
