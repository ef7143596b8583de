// SPDX-License-Identifier: MIT
/*
 * Decoding and structural validation: the checks every program passes
 * before any engine or the verifier sees it. Each rejection names the
 * instruction index and the reason in the kernel's words for the same
 * error (what its verifier logs), with ubee's detail after them.
 */
#include <errno.h>
#include <stdio.h>

#include "isa/isa.h"
#include "util/util.h"

#define MAX_REG 10

int64_t ubee_isa_target(const struct ubee_insn *insn, size_t idx, int op)
{
	unsigned fl = ubee_isa_ops[op].flags;

	if (fl & UBEE_F_BRANCH)
		return (int64_t)idx + 1 + insn->off;
	if (fl & (UBEE_F_BRANCH32 | UBEE_F_CALLREL))
		return (int64_t)idx + 1 + insn->imm;
	return -1;
}

static int why_fail(char *why, size_t len, const char *fmt, ...)
	UBEE_PRINTF(3, 4);
static int why_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * The kernel's words for an instruction whose opcode byte is known but
 * whose other fields do not fit (its "<class> uses reserved fields" per
 * instruction kind), so both reject with the same text.
 */
static const char *reserved_words(uint8_t code)
{
	unsigned op = code & 0xf0;

	switch (code & 0x07) {
	case 0x00: /* LD: lddw has its own checks; the rest is ABS/IND */
		return (code & 0xe0) ? "BPF_LD_[ABS|IND] uses reserved fields" :
			"BPF_LD_IMM64 uses reserved fields";
	case 0x01:
		return "BPF_LDX uses reserved fields";
	case 0x02:
		return "BPF_ST uses reserved fields";
	case 0x03:
		return "BPF_STX uses reserved fields";
	case 0x04: case 0x07: /* ALU, ALU64 */
		if (op == 0xb0)
			return "BPF_MOV uses reserved fields";
		if (op == 0x80)
			return "BPF_NEG uses reserved fields";
		if (op == 0xd0)
			return "BPF_END uses reserved fields";
		return "BPF_ALU uses reserved fields";
	default: /* JMP, JMP32 */
		if (op == 0x80)
			return "BPF_CALL uses reserved fields";
		if (op == 0x00)
			return "BPF_JA uses reserved fields";
		if (op == 0x90)
			return "BPF_EXIT uses reserved fields";
		return "BPF_JMP/JMP32 uses reserved fields";
	}
}

/* Whether imm is an atomic operation of some size (its size is the fault). */
static int atomic_imm_known(int32_t imm)
{
	for (int i = 0; i < UBEE_OP__COUNT; i++)
		if ((ubee_isa_ops[i].code & 0xe7) == 0xc3 &&
		    ubee_isa_ops[i].selval == imm)
			return 1;
	return 0;
}

/*
 * An opcode byte with no row: the kernel's text for it. An LDX of another
 * mode than MEM/MEMSX is a reserved field to the kernel (checked before the
 * opcode table); every other unknown byte is an unknown opcode.
 */
static int unknown_code(const struct ubee_insn *in, char *why, size_t len)
{
	unsigned mode = in->code & 0xe0;

	if ((in->code & 0x07) == 0x01 && mode != 0x60 && mode != 0x80)
		return why_fail(why, len, "BPF_LDX uses reserved fields (opcode 0x%02x: mode 0x%02x)",
				in->code, mode);
	return why_fail(why, len, "unknown opcode %02x", in->code);
}

/* A known opcode byte whose selector field matches no row. */
static int bad_variant(const struct ubee_insn *in, char *why, size_t len)
{
	char words[64];

	if ((in->code & 0xe7) == 0xc3 && atomic_imm_known(in->imm))
		snprintf(words, sizeof(words), "invalid atomic operand size");
	else if ((in->code & 0xe7) == 0xc3) /* STX ATOMIC: imm selects the op */
		snprintf(words, sizeof(words), "BPF_ATOMIC uses invalid atomic opcode %02x",
			 (unsigned)in->imm);
	else if (in->code == 0x18)
		snprintf(words, sizeof(words), "unrecognized bpf_ld_imm64 insn");
	else
		snprintf(words, sizeof(words), "%s", reserved_words(in->code));
	return why_fail(why, len, "%s (opcode 0x%02x: src %u, off %d, imm %d)",
			words, in->code, in->src_reg, in->off, in->imm);
}

/* A field the op does not use is non-zero. */
static int reserved_field(const struct ubee_insn *in, const char *field,
			  int val, char *why, size_t len)
{
	const char *words = reserved_words(in->code);

	if (in->code == 0xe5) /* may_goto: the kernel names the imm */
		return why_fail(why, len, "invalid may_goto imm %d (%s is %d, must be 0)",
				in->imm, field, val);
	return why_fail(why, len, "%s (%s is %d, must be 0)", words, field, val);
}

int ubee_isa_check_insn(const struct ubee_insn *insns, size_t cnt, size_t idx,
			char *why, size_t whylen)
{
	const struct ubee_insn *in = &insns[idx];
	int op = ubee_isa_lookup(in);
	const struct ubee_op_info *o;
	unsigned used;

	if (op < 0) {
		int known = 0;

		for (int i = 0; i < UBEE_OP__COUNT && !known; i++)
			known = ubee_isa_ops[i].code == in->code;
		if (!known)
			return unknown_code(in, why, whylen);
		return bad_variant(in, why, whylen);
	}
	o = &ubee_isa_ops[op];
	used = ubee_isa_fmt_fields(o->fmt);
	if (o->sel == UBEE_SEL_OFF)
		used |= UBEE_FIELD_OFF;
	if (o->sel == UBEE_SEL_IMM)
		used |= UBEE_FIELD_IMM;
	if (o->sel == UBEE_SEL_SRC)
		used |= UBEE_FIELD_SRC;

	if (!(used & UBEE_FIELD_DST) && in->dst_reg)
		return reserved_field(in, "dst_reg", in->dst_reg, why, whylen);
	if (!(used & UBEE_FIELD_SRC) && in->src_reg)
		return reserved_field(in, "src_reg", in->src_reg, why, whylen);
	if (!(used & UBEE_FIELD_OFF) && in->off)
		return reserved_field(in, "off", in->off, why, whylen);
	if (!(used & UBEE_FIELD_IMM) && in->imm)
		return reserved_field(in, "imm", in->imm, why, whylen);
	if ((used & UBEE_FIELD_DST) && in->dst_reg > MAX_REG)
		return why_fail(why, whylen, "R%u is invalid", in->dst_reg);
	if ((used & UBEE_FIELD_SRC) && o->sel != UBEE_SEL_SRC &&
	    in->src_reg > MAX_REG)
		return why_fail(why, whylen, "R%u is invalid", in->src_reg);
	if (((o->flags & UBEE_F_WDST) && in->dst_reg == MAX_REG) ||
	    ((o->flags & UBEE_F_WSRC) && in->src_reg == MAX_REG))
		return why_fail(why, whylen, "frame pointer is read only");

	if (o->flags & UBEE_F_LDDW) {
		const struct ubee_insn *hi = &insns[idx + 1];

		if (idx + 1 >= cnt)
			return why_fail(why, whylen,
					"invalid bpf_ld_imm64 insn (lddw is missing its second slot)");
		if (hi->code || hi->dst_reg || hi->src_reg || hi->off)
			return why_fail(why, whylen,
					"invalid bpf_ld_imm64 insn (lddw second slot has non-zero reserved fields)");
		/*
		 * Only the value pseudo sources use the second immediate;
		 * the kernel does not recognize map_fd/map_idx with one.
		 */
		if (hi->imm && (op == UBEE_OP_LDDW_MAP_FD || op == UBEE_OP_LDDW_MAP_IDX))
			return why_fail(why, whylen,
					"unrecognized bpf_ld_imm64 insn (lddw %s has non-zero second immediate %d)",
					o->text, hi->imm);
		if (hi->imm && op != UBEE_OP_LDDW && op != UBEE_OP_LDDW_MAP_VALUE &&
		    op != UBEE_OP_LDDW_MAP_IDX_VALUE)
			return why_fail(why, whylen,
					"lddw %s has non-zero second immediate %d",
					o->text, hi->imm);
	}
	return op;
}

int ubee_isa_validate(const struct ubee_insn *insns, size_t cnt,
		      struct ubee_dinsn *out, struct ubee_log *log)
{
	uint8_t *second = NULL; /* second[i]: slot i is an lddw's upper half */
	char why[160];
	size_t i;
	int op = -1, err = -EINVAL;

	if (cnt == 0) {
		ubee_logf(log, "0: empty program");
		return -EINVAL;
	}
	if (cnt > UBEE_MAX_INSNS) {
		ubee_logf(log, "%d: program too large: %zu instructions, at most %d",
			  UBEE_MAX_INSNS, cnt, UBEE_MAX_INSNS);
		return -E2BIG;
	}
	second = ubee_calloc(cnt, 1);
	if (!second) {
		ubee_logf(log, "0: out of memory validating %zu instructions", cnt);
		return -ENOMEM;
	}

	/* Pass 1: each instruction on its own. */
	for (i = 0; i < cnt; i++) {
		op = ubee_isa_check_insn(insns, cnt, i, why, sizeof(why));
		if (op < 0) {
			ubee_logf(log, "%zu: %s", i, why);
			goto out;
		}
		if (out)
			out[i] = (struct ubee_dinsn){ .op = (uint8_t)op,
				.dst = insns[i].dst_reg, .src = insns[i].src_reg,
				.off = insns[i].off, .imm = insns[i].imm };
		if (ubee_isa_ops[op].flags & UBEE_F_LDDW) {
			second[++i] = 1;
			if (out)
				out[i] = (struct ubee_dinsn){ .op = UBEE_OP__COUNT,
							      .imm = insns[i].imm };
		}
	}
	/* The last slot must end the program (an lddw's upper half never does). */
	if (second[cnt - 1] || !(ubee_isa_ops[op].flags & UBEE_F_TERM)) {
		ubee_logf(log, "%zu: last insn is not an exit or jmp", cnt - 1);
		goto out;
	}

	/* Pass 2: every jump and call lands on the first slot of an insn. */
	for (i = 0; i < cnt; i++) {
		int call;
		int64_t t;

		if (second[i])
			continue;
		op = ubee_isa_lookup(&insns[i]);
		if (!(ubee_isa_ops[op].flags &
		      (UBEE_F_BRANCH | UBEE_F_BRANCH32 | UBEE_F_CALLREL)))
			continue;
		call = (ubee_isa_ops[op].flags & UBEE_F_CALLREL) != 0;
		t = ubee_isa_target(&insns[i], i, op);
		if (t < 0 || (uint64_t)t >= cnt) {
			if (call)
				ubee_logf(log, "%zu: call to invalid destination (insn %lld, program has %zu instructions)",
					  i, (long long)t, cnt);
			else
				ubee_logf(log, "%zu: jump out of range from insn %zu to %lld (program has %zu instructions)",
					  i, i, (long long)t, cnt);
			goto out;
		}
		/*
		 * A callee starting inside an lddw makes the lddw's first
		 * half the last insn of the body before it, which is what
		 * the kernel reports; a jump there is its check_cfg's.
		 */
		if (second[t] && call) {
			ubee_logf(log, "%zu: last insn is not an exit or jmp (the callee %lld starts in the middle of ldimm64 insn %lld)",
				  i, (long long)t, (long long)t - 1);
			goto out;
		}
		if (second[t]) {
			ubee_logf(log, "%zu: jump into the middle of ldimm64 insn %lld",
				  i, (long long)t - 1);
			goto out;
		}
	}
	err = 0;
out:
	ubee_free(second);
	return err;
}
