// SPDX-License-Identifier: MIT
/*
 * Decoding and structural validation: the checks every program passes
 * before any engine or the verifier sees it. Each rejection names the
 * instruction index and the reason, in the kernel's spirit.
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
			return why_fail(why, whylen, "invalid opcode 0x%02x",
					in->code);
		return why_fail(why, whylen,
				"invalid variant of opcode 0x%02x (src %u, off %d, imm %d)",
				in->code, in->src_reg, in->off, in->imm);
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
		return why_fail(why, whylen, "reserved field dst_reg is %u, must be 0",
				in->dst_reg);
	if (!(used & UBEE_FIELD_SRC) && in->src_reg)
		return why_fail(why, whylen, "reserved field src_reg is %u, must be 0",
				in->src_reg);
	if (!(used & UBEE_FIELD_OFF) && in->off)
		return why_fail(why, whylen, "reserved field off is %d, must be 0",
				in->off);
	if (!(used & UBEE_FIELD_IMM) && in->imm)
		return why_fail(why, whylen, "reserved field imm is %d, must be 0",
				in->imm);
	if ((used & UBEE_FIELD_DST) && in->dst_reg > MAX_REG)
		return why_fail(why, whylen, "invalid register r%u", in->dst_reg);
	if ((used & UBEE_FIELD_SRC) && o->sel != UBEE_SEL_SRC &&
	    in->src_reg > MAX_REG)
		return why_fail(why, whylen, "invalid register r%u", in->src_reg);
	if (((o->flags & UBEE_F_WDST) && in->dst_reg == MAX_REG) ||
	    ((o->flags & UBEE_F_WSRC) && in->src_reg == MAX_REG))
		return why_fail(why, whylen, "frame pointer r10 is read only");

	if (o->flags & UBEE_F_LDDW) {
		const struct ubee_insn *hi = &insns[idx + 1];

		if (idx + 1 >= cnt)
			return why_fail(why, whylen, "lddw is missing its second slot");
		if (hi->code || hi->dst_reg || hi->src_reg || hi->off)
			return why_fail(why, whylen,
					"lddw second slot has non-zero reserved fields");
		/* Only the value pseudo sources use the second immediate. */
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
		ubee_logf(log, "%zu: last instruction is not exit or an unconditional jump",
			  cnt - 1);
		goto out;
	}

	/* Pass 2: every jump and call lands on the first slot of an insn. */
	for (i = 0; i < cnt; i++) {
		const char *what;
		int64_t t;

		if (second[i])
			continue;
		op = ubee_isa_lookup(&insns[i]);
		if (!(ubee_isa_ops[op].flags &
		      (UBEE_F_BRANCH | UBEE_F_BRANCH32 | UBEE_F_CALLREL)))
			continue;
		what = (ubee_isa_ops[op].flags & UBEE_F_CALLREL) ? "call" : "jump";
		t = ubee_isa_target(&insns[i], i, op);
		if (t < 0 || (uint64_t)t >= cnt) {
			ubee_logf(log, "%zu: %s out of range to %lld (program has %zu instructions)",
				  i, what, (long long)t, cnt);
			goto out;
		}
		if (second[t]) {
			ubee_logf(log, "%zu: %s into the middle of lddw at %lld", i,
				  what, (long long)t - 1);
			goto out;
		}
	}
	err = 0;
out:
	ubee_free(second);
	return err;
}
