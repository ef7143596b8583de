// SPDX-License-Identifier: MIT
/*
 * The disassembler: one instruction to one line of text, in the syntax
 * llvm-objdump-19 prints with --mcpu=v4 ("w2 = *(u32 *)(r1 + 0x4)",
 * "if r1 > 0x5 goto +0x3", "lock *(u32 *)(r1 + 0x4) += w0"). It switches
 * on the row's format (enum ubee_fmt) and takes the operator or mnemonic
 * from the row's TEXT column, so it has no opcode list of its own.
 *
 * As llvm does for -mcpu=v3 and later, 32-bit atomics and narrow
 * zero-extending loads and stores name w registers, whatever the cpu
 * version the code was compiled for.
 *
 * Where llvm's form loses information we print a lossless one that the
 * assembler (asm.c) reads back; UBEE_DISASM_LLVM prints llvm's instead:
 *   - helper calls print their id unsigned ("call 0xffffffff"), local
 *     calls a signed pc-relative offset ("call +0x5", "call -0x1");
 *     llvm prints both signed without "+";
 *   - kfunc calls print "call kfunc 0x4d" (", 0x3" for a module offset);
 *   - LD_IND prints its immediate ("skb[r2 + 0xc]");
 *   - pseudo lddw prints "map_fd(0x5) ll" etc. instead of "ld_pseudo".
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "isa/isa.h"
#include "ubee/asm.h"
#include "util/util.h"

/* An snprintf-style cursor: len counts what would have been written. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, const char *fmt, ...) UBEE_PRINTF(2, 3);
static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* Signed hex as llvm prints immediates: "0x5", "-0x80000000". */
static void put_shex(struct out *o, int64_t v)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

	put(o, "%s0x%llx", v < 0 ? "-" : "", (unsigned long long)mag);
}

/* A pc-relative offset always carries its sign: "+0x0", "-0x3". */
static void put_rel(struct out *o, int64_t v)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

	put(o, "%c0x%llx", v < 0 ? '-' : '+', (unsigned long long)mag);
}

static void put_reg(struct out *o, unsigned reg, int w)
{
	put(o, "%c%u", w ? 'w' : 'r', reg);
}

/* "r1 + 0x4" / "r10 - 0x4": a base register and its offset. */
static void put_addr(struct out *o, unsigned reg, int16_t off)
{
	put(o, "r%u %c 0x%x", reg, off < 0 ? '-' : '+',
	    off < 0 ? -(unsigned)off : (unsigned)off);
}

static const char *size_name(int bytes)
{
	switch (bytes) {
	case 1: return "u8";
	case 2: return "u16";
	case 4: return "u32";
	default: return "u64";
	}
}

/* Does the caller's opts (of its own sizeof, opts->sz) include field? */
#define OPT_HAS(opts, field)                                                  \
	((opts) && (opts)->sz >= offsetof(struct ubee_disasm_opts, field) +   \
				 sizeof((opts)->field))

/* " <f+0x148>" after a jump, when the caller names targets. */
static void put_target(struct out *o, const struct ubee_insn *in, size_t idx,
		       int op, const struct ubee_disasm_opts *opts)
{
	char scratch[256];
	const char *name;

	if (!OPT_HAS(opts, arg) || !opts->target_name)
		return;
	name = opts->target_name(opts->arg, ubee_isa_target(in, idx, op),
				 scratch, sizeof(scratch));
	if (name)
		put(o, " <%s>", name);
}

static void put_lddw(struct out *o, const struct ubee_insn *in, int op,
		     int llvm)
{
	const struct ubee_op_info *info = &ubee_isa_ops[op];
	uint32_t lo = (uint32_t)in[0].imm, hi = (uint32_t)in[1].imm;

	if (op == UBEE_OP_LDDW) {
		put(o, "r%u = ", in->dst_reg);
		put_shex(o, (int64_t)((uint64_t)hi << 32 | lo));
		put(o, " ll");
		return;
	}
	if (llvm) {
		put(o, "ld_pseudo\tr%u, 0x%x, ", in->dst_reg, in->src_reg);
		put_shex(o, in->imm);
		return;
	}
	put(o, "r%u = %s(", in->dst_reg, info->text);
	if (info->flags & UBEE_F_CALLREL)
		put_rel(o, in->imm);
	else
		put(o, "0x%x", lo);
	/* The value kinds carry an offset into the map value. */
	if (op == UBEE_OP_LDDW_MAP_VALUE || op == UBEE_OP_LDDW_MAP_IDX_VALUE)
		put(o, ", 0x%x", hi);
	put(o, ") ll");
}

int ubee_disasm_insn(const struct ubee_insn *insns, size_t cnt, size_t idx,
		     const struct ubee_disasm_opts *opts, char *buf,
		     size_t size)
{
	struct out o = { .buf = buf, .size = size };
	const struct ubee_insn *in = &insns[idx];
	const struct ubee_op_info *info;
	int llvm = OPT_HAS(opts, flags) && (opts->flags & UBEE_DISASM_LLVM);
	char why[160];
	int op, w, bytes;

	if (size)
		buf[0] = '\0';
	if (idx >= cnt) {
		put(&o, "<invalid: index %zu past the end (%zu instructions)>",
		    idx, cnt);
		return -EINVAL;
	}
	op = ubee_isa_check_insn(insns, cnt, idx, why, sizeof(why));
	if (op < 0) {
		put(&o, "<invalid: %s>", why);
		return -EINVAL;
	}
	info = &ubee_isa_ops[op];
	w = !!(info->flags & UBEE_F_32);
	bytes = ubee_isa_access_size(op);

	switch ((enum ubee_fmt)info->fmt) {
	case UBEE_FMT_ALU_K:
		put_reg(&o, in->dst_reg, w);
		put(&o, " %s ", info->text);
		put_shex(&o, in->imm);
		break;
	case UBEE_FMT_ALU_X:
		put_reg(&o, in->dst_reg, w);
		put(&o, " %s ", info->text);
		put_reg(&o, in->src_reg, w);
		break;
	case UBEE_FMT_NEG:
		put_reg(&o, in->dst_reg, w);
		put(&o, " = %s", info->text);
		put_reg(&o, in->dst_reg, w);
		break;
	case UBEE_FMT_MOVSX:
		put_reg(&o, in->dst_reg, w);
		put(&o, " = %s", info->text);
		put_reg(&o, in->src_reg, w);
		break;
	case UBEE_FMT_END:
		put(&o, "r%u = %s r%u", in->dst_reg, info->text, in->dst_reg);
		break;
	case UBEE_FMT_JMP_K:
	case UBEE_FMT_JMP_X:
		put(&o, "if ");
		put_reg(&o, in->dst_reg, w);
		put(&o, " %s ", info->text);
		if (info->fmt == UBEE_FMT_JMP_K)
			put_shex(&o, in->imm);
		else
			put_reg(&o, in->src_reg, w);
		put(&o, " goto ");
		put_rel(&o, in->off);
		put_target(&o, in, idx, op, opts);
		break;
	case UBEE_FMT_JA:
	case UBEE_FMT_MAY_GOTO:
		put(&o, "%s ", info->text);
		put_rel(&o, in->off);
		put_target(&o, in, idx, op, opts);
		break;
	case UBEE_FMT_JA32:
		put(&o, "%s ", info->text);
		put_rel(&o, in->imm);
		put_target(&o, in, idx, op, opts);
		break;
	case UBEE_FMT_CALL:
		put(&o, "%s ", info->text);
		if (llvm)
			put_shex(&o, in->imm);
		else
			put(&o, "0x%x", (uint32_t)in->imm);
		break;
	case UBEE_FMT_CALL_LOCAL:
		put(&o, "%s ", info->text);
		if (llvm)
			put_shex(&o, in->imm);
		else
			put_rel(&o, in->imm);
		break;
	case UBEE_FMT_CALL_KFUNC:
		if (llvm) {
			put(&o, "%s ", info->text);
			put_shex(&o, in->imm);
			break;
		}
		put(&o, "%s kfunc 0x%x", info->text, (uint32_t)in->imm);
		if (in->off) {
			put(&o, ", ");
			put_shex(&o, in->off);
		}
		break;
	case UBEE_FMT_EXIT:
		put(&o, "%s", info->text);
		break;
	case UBEE_FMT_LDX:
		/* Zero-extending narrow loads write a w register (alu32). */
		put_reg(&o, in->dst_reg, bytes < 8 && info->text[0] == 'u');
		put(&o, " = *(%s *)(", info->text);
		put_addr(&o, in->src_reg, in->off);
		put(&o, ")");
		break;
	case UBEE_FMT_ST:
		put(&o, "*(%s *)(", info->text);
		put_addr(&o, in->dst_reg, in->off);
		put(&o, ") = ");
		put_shex(&o, in->imm);
		break;
	case UBEE_FMT_STX:
		put(&o, "*(%s *)(", info->text);
		put_addr(&o, in->dst_reg, in->off);
		put(&o, ") = ");
		put_reg(&o, in->src_reg, bytes < 8);
		break;
	case UBEE_FMT_ATOMIC:
		put(&o, "lock *(%s *)(", size_name(bytes));
		put_addr(&o, in->dst_reg, in->off);
		put(&o, ") %s ", info->text);
		put_reg(&o, in->src_reg, w);
		break;
	case UBEE_FMT_ATOMIC_FETCH:
		put_reg(&o, in->src_reg, w);
		put(&o, " = %s((%s *)(", info->text, size_name(bytes));
		put_addr(&o, in->dst_reg, in->off);
		put(&o, "), ");
		put_reg(&o, in->src_reg, w);
		put(&o, ")");
		break;
	case UBEE_FMT_XCHG:
		put_reg(&o, in->src_reg, w);
		put(&o, " = %s(", info->text);
		put_addr(&o, in->dst_reg, in->off);
		put(&o, ", ");
		put_reg(&o, in->src_reg, w);
		put(&o, ")");
		break;
	case UBEE_FMT_CMPXCHG:
		put_reg(&o, 0, w);
		put(&o, " = %s(", info->text);
		put_addr(&o, in->dst_reg, in->off);
		put(&o, ", ");
		put_reg(&o, 0, w);
		put(&o, ", ");
		put_reg(&o, in->src_reg, w);
		put(&o, ")");
		break;
	case UBEE_FMT_LOAD_ACQ:
		put_reg(&o, in->dst_reg, bytes < 8);
		put(&o, " = load_acquire((%s *)(", info->text);
		put_addr(&o, in->src_reg, in->off);
		put(&o, "))");
		break;
	case UBEE_FMT_STORE_REL:
		put(&o, "store_release((%s *)(", info->text);
		put_addr(&o, in->dst_reg, in->off);
		put(&o, "), ");
		put_reg(&o, in->src_reg, bytes < 8);
		put(&o, ")");
		break;
	case UBEE_FMT_LD_ABS:
		put(&o, "r0 = *(%s *)skb[", info->text);
		put_shex(&o, in->imm);
		put(&o, "]");
		break;
	case UBEE_FMT_LD_IND:
		put(&o, "r0 = *(%s *)skb[r%u", info->text, in->src_reg);
		if (in->imm && !llvm)
			put(&o, " %c 0x%x", in->imm < 0 ? '-' : '+',
			    in->imm < 0 ? -(uint32_t)in->imm : (uint32_t)in->imm);
		put(&o, "]");
		break;
	case UBEE_FMT_LDDW:
		put_lddw(&o, in, op, llvm);
		return 2;
	}
	return 1;
}
