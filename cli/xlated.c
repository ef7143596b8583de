// SPDX-License-Identifier: MIT
/*
 * One instruction in the kernel's own disassembly format, the one the
 * verifier log and `bpftool prog dump xlated` print ("(bf) r6 = r1",
 * "(69) r1 = *(u16 *)(r6 +176)", "(15) if r0 == 0x0 goto pc+1"), from
 * the instruction table's operators. llvm-objdump's format is
 * src/isa/disasm.c's. Map lddw name the map through a callback.
 */
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "xlated.h"

static char reg_c(unsigned flags)
{
	return (flags & UBEE_F_32) ? 'w' : 'r';
}

/* "u8".."u64" for an access size in bytes. */
static const char *sz_name(int size)
{
	return size == 1 ? "u8" : size == 2 ? "u16" : size == 4 ? "u32" : "u64";
}

int cli_xlated_insn(char *buf, size_t size, const struct ubee_insn *insns,
		    size_t cnt, size_t i, const struct cli_xlated_ops *ops)
{
	const struct ubee_insn *x = &insns[i];
	int op = ubee_isa_lookup(x);
	const struct ubee_op_info *o;
	char r = 'r', pre[8];
	int n;

	snprintf(pre, sizeof(pre), "(%02x) ", x->code);
	if (op < 0)
		return snprintf(buf, size, "%sinvalid", pre);
	o = &ubee_isa_ops[op];
	r = reg_c(o->flags);
	switch (o->fmt) {
	case UBEE_FMT_ALU_K:
		return snprintf(buf, size, "%s%c%u %s %d", pre, r, x->dst_reg,
				!strcmp(o->text, "=") ? "=" : o->text, x->imm);
	case UBEE_FMT_ALU_X:
		return snprintf(buf, size, "%s%c%u %s %c%u", pre, r, x->dst_reg,
				o->text, r, x->src_reg);
	case UBEE_FMT_NEG:
		return snprintf(buf, size, "%s%c%u = -%c%u", pre, r, x->dst_reg, r,
				x->dst_reg);
	case UBEE_FMT_MOVSX:
		return snprintf(buf, size, "%s%c%u = (s%d)%c%u", pre, r, x->dst_reg,
				x->off, r, x->src_reg);
	case UBEE_FMT_END:
		return snprintf(buf, size, "%sr%u = %s r%u", pre, x->dst_reg,
				o->text, x->dst_reg);
	case UBEE_FMT_JMP_K:
		return snprintf(buf, size, "%sif %c%u %s 0x%x goto pc%+d", pre, r,
				x->dst_reg, o->text, (uint32_t)x->imm, x->off);
	case UBEE_FMT_JMP_X:
		return snprintf(buf, size, "%sif %c%u %s %c%u goto pc%+d", pre, r,
				x->dst_reg, o->text, r, x->src_reg, x->off);
	case UBEE_FMT_JA:
		return snprintf(buf, size, "%sgoto pc%+d", pre, x->off);
	case UBEE_FMT_JA32:
		return snprintf(buf, size, "%sgotol pc%+d", pre, x->imm);
	case UBEE_FMT_MAY_GOTO:
		return snprintf(buf, size, "%smay_goto pc%+d", pre, x->off);
	case UBEE_FMT_CALL: {
		const char *name = ops && ops->helper_name ?
				   ops->helper_name(ops->arg, x->imm) : NULL;

		return snprintf(buf, size, "%scall %s#%d", pre, name ? name : "unknown",
				x->imm);
	}
	case UBEE_FMT_CALL_LOCAL:
		return snprintf(buf, size, "%scall pc%+d", pre, x->imm);
	case UBEE_FMT_CALL_KFUNC:
		return snprintf(buf, size, "%scall kernel-function#%d", pre, x->imm);
	case UBEE_FMT_EXIT:
		return snprintf(buf, size, "%sexit", pre);
	case UBEE_FMT_LDX:
		return snprintf(buf, size, "%sr%u = *(%s%s *)(r%u %+d)", pre, x->dst_reg,
				(x->code & 0xe0) == 0x80 ? "s" : "",
				sz_name(ubee_isa_access_size((enum ubee_op)op)) +
				((x->code & 0xe0) == 0x80), x->src_reg, x->off);
	case UBEE_FMT_ST:
		return snprintf(buf, size, "%s*(%s *)(r%u %+d) = %d", pre, o->text,
				x->dst_reg, x->off, x->imm);
	case UBEE_FMT_STX:
		return snprintf(buf, size, "%s*(%s *)(r%u %+d) = r%u", pre, o->text,
				x->dst_reg, x->off, x->src_reg);
	case UBEE_FMT_ATOMIC:
		return snprintf(buf, size, "%slock *(%s *)(r%u %+d) %s %c%u", pre,
				(o->flags & UBEE_F_32) ? "u32" : "u64", x->dst_reg,
				x->off, o->text, r, x->src_reg);
	case UBEE_FMT_ATOMIC_FETCH:
	case UBEE_FMT_XCHG:
		return snprintf(buf, size, "%s%c%u = atomic%s_%s((%s *)(r%u %+d), %c%u)",
				pre, r, x->src_reg, (o->flags & UBEE_F_32) ? "" : "64",
				o->text, (o->flags & UBEE_F_32) ? "u32" : "u64",
				x->dst_reg, x->off, r, x->src_reg);
	case UBEE_FMT_CMPXCHG:
		return snprintf(buf, size, "%s%c0 = atomic%s_cmpxchg((%s *)(r%u %+d), %c0, %c%u)",
				pre, r, (o->flags & UBEE_F_32) ? "" : "64",
				(o->flags & UBEE_F_32) ? "u32" : "u64", x->dst_reg,
				x->off, r, r, x->src_reg);
	case UBEE_FMT_LOAD_ACQ:
		return snprintf(buf, size, "%sr%u = load_acquire((%s *)(r%u %+d))", pre,
				x->dst_reg, o->text, x->src_reg, x->off);
	case UBEE_FMT_STORE_REL:
		return snprintf(buf, size, "%sstore_release((%s *)(r%u %+d), r%u)", pre,
				o->text, x->dst_reg, x->off, x->src_reg);
	case UBEE_FMT_LD_ABS:
		return snprintf(buf, size, "%sr0 = *(%s *)skb[%d]", pre, o->text, x->imm);
	case UBEE_FMT_LD_IND:
		return snprintf(buf, size, "%sr0 = *(%s *)skb[r%u + %d]", pre, o->text,
				x->src_reg, x->imm);
	case UBEE_FMT_LDDW: {
		uint64_t v = (uint32_t)x->imm;
		char map[64] = "";

		if (i + 1 < cnt)
			v |= (uint64_t)(uint32_t)insns[i + 1].imm << 32;
		if (x->src_reg == 1 || x->src_reg == 5 || x->src_reg == 2 ||
		    x->src_reg == 6) {
			if (ops && ops->map_name)
				ops->map_name(ops->arg, x->imm, map, sizeof(map));
			else
				snprintf(map, sizeof(map), "map[idx:%d]", x->imm);
			if (x->src_reg == 1 || x->src_reg == 5)
				return snprintf(buf, size, "%sr%u = %s", pre, x->dst_reg, map);
			n = i + 1 < cnt ? insns[i + 1].imm : 0;
			return snprintf(buf, size, "%sr%u = %s[0]+%d", pre, x->dst_reg, map, n);
		}
		if (x->src_reg == 4)
			return snprintf(buf, size, "%sr%u = func pc%+d", pre, x->dst_reg, x->imm);
		return snprintf(buf, size, "%sr%u = 0x%llx", pre, x->dst_reg,
				(unsigned long long)v);
	}
	}
	return snprintf(buf, size, "%s%s", pre, o->name);
}
