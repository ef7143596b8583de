// SPDX-License-Identifier: MIT
/*
 * The classic BPF checker: what the kernel's bpf_check_classic accepts,
 * with an error naming the instruction for everything else. One forward
 * pass suffices because classic jumps only go forward: each instruction's
 * set of initialised scratch words is the intersection over the edges
 * into it, all of which come from earlier instructions. The same pass
 * marks which instructions are reachable (the translator leaves the
 * others out, as an eBPF verifier rejects unreachable code).
 */
#include <errno.h>
#include <string.h>

#include "cbpf/cbpf_int.h"
#include "util/util.h"

static const struct {
	const char *name;
	int supported;
} ancillary[] = {
	[CB_AD_PROTOCOL / 4] = { "SKF_AD_PROTOCOL", 1 },
	[CB_AD_PKTTYPE / 4] = { "SKF_AD_PKTTYPE", 1 },
	[CB_AD_IFINDEX / 4] = { "SKF_AD_IFINDEX", 1 },
	[CB_AD_NLATTR / 4] = { "SKF_AD_NLATTR", 0 },
	[CB_AD_NLATTR_NEST / 4] = { "SKF_AD_NLATTR_NEST", 0 },
	[CB_AD_MARK / 4] = { "SKF_AD_MARK", 1 },
	[CB_AD_QUEUE / 4] = { "SKF_AD_QUEUE", 1 },
	[CB_AD_HATYPE / 4] = { "SKF_AD_HATYPE", 1 },
	[CB_AD_RXHASH / 4] = { "SKF_AD_RXHASH", 1 },
	[CB_AD_CPU / 4] = { "SKF_AD_CPU", 1 },
	[CB_AD_ALU_XOR_X / 4] = { "SKF_AD_ALU_XOR_X", 1 },
	[CB_AD_VLAN_TAG / 4] = { "SKF_AD_VLAN_TAG", 1 },
	[CB_AD_VLAN_TAG_PRESENT / 4] = { "SKF_AD_VLAN_TAG_PRESENT", 1 },
	[CB_AD_PAY_OFFSET / 4] = { "SKF_AD_PAY_OFFSET", 0 },
	[CB_AD_RANDOM / 4] = { "SKF_AD_RANDOM", 1 },
	[CB_AD_VLAN_TPID / 4] = { "SKF_AD_VLAN_TPID", 1 },
};

const char *cbpf_ancillary_name(uint32_t off, int *supported)
{
	*supported = 0;
	if (off % 4 || off / 4 >= UBEE_ARRAY_SIZE(ancillary))
		return NULL;
	*supported = ancillary[off / 4].supported;
	return ancillary[off / 4].name;
}

/* 1 for the opcodes bpf_check_classic knows (its codes[] table). */
static int known_code(uint16_t code)
{
	if (code > 0xff)
		return 0;
	switch (CB_CLASS(code)) {
	case CB_LD:
		switch (CB_MODE(code)) {
		case CB_ABS:
		case CB_IND:
			return CB_SIZE(code) != 0x18;
		case CB_IMM:
		case CB_MEM:
		case CB_LEN:
			return CB_SIZE(code) == CB_W;
		}
		return 0;
	case CB_LDX:
		switch (CB_MODE(code)) {
		case CB_IMM:
		case CB_MEM:
		case CB_LEN:
			return CB_SIZE(code) == CB_W;
		case CB_MSH:
			return CB_SIZE(code) == CB_B;
		}
		return 0;
	case CB_ST:
	case CB_STX:
		return code == CB_CLASS(code);
	case CB_ALU:
		if (CB_OP(code) == CB_NEG)
			return code == (CB_ALU | CB_NEG);
		return CB_OP(code) <= CB_XOR;
	case CB_JMP:
		if (CB_OP(code) == CB_JA)
			return code == (CB_JMP | CB_JA);
		return CB_OP(code) <= CB_JSET;
	case CB_RET:
		return code == (CB_RET | CB_K) || code == (CB_RET | CB_A);
	case CB_MISC:
		return code == (CB_MISC | CB_TAX) || code == (CB_MISC | CB_TXA);
	}
	return 0;
}

/* The instruction's own rules (operands), before any flow. */
static int check_insn(const struct ubee_cbpf_insn *in, size_t pc, size_t cnt,
		      struct ubee_log *log)
{
	uint16_t c = in->code;

	if (!known_code(c)) {
		ubee_logf(log, "%zu: unknown classic BPF opcode 0x%x", pc, c);
		return -EINVAL;
	}
	switch (CB_CLASS(c)) {
	case CB_LD:
	case CB_LDX:
		if (CB_MODE(c) == CB_MEM && in->k >= UBEE_CBPF_MEMWORDS) {
			ubee_logf(log, "%zu: scratch word M[%u] out of range (16 words)",
				  pc, in->k);
			return -EINVAL;
		}
		if (cbpf_is_ancillary(in)) {
			uint32_t off = in->k - (uint32_t)UBEE_SKF_AD_OFF;
			int ok;
			const char *name = cbpf_ancillary_name(off, &ok);

			if (!name) {
				ubee_logf(log, "%zu: unknown ancillary load SKF_AD_OFF+%u",
					  pc, off);
				return -EINVAL;
			}
			if (!ok) {
				ubee_logf(log, "%zu: ancillary load %s is not supported",
					  pc, name);
				return -EINVAL;
			}
		}
		return 0;
	case CB_ST:
	case CB_STX:
		if (in->k >= UBEE_CBPF_MEMWORDS) {
			ubee_logf(log, "%zu: scratch word M[%u] out of range (16 words)",
				  pc, in->k);
			return -EINVAL;
		}
		return 0;
	case CB_ALU:
		if (CB_SRC(c) == CB_K && (CB_OP(c) == CB_DIV || CB_OP(c) == CB_MOD) &&
		    in->k == 0) {
			ubee_logf(log, "%zu: division by the constant 0", pc);
			return -EINVAL;
		}
		if (CB_SRC(c) == CB_K && (CB_OP(c) == CB_LSH || CB_OP(c) == CB_RSH) &&
		    in->k >= 32) {
			ubee_logf(log, "%zu: shift by the constant %u (32 or more)",
				  pc, in->k);
			return -EINVAL;
		}
		return 0;
	case CB_JMP:
		if (CB_OP(c) == CB_JA) {
			if (in->k >= 0x80000000u) {
				/* libpcap's bpf_filter wraps pc: its protochain loops. */
				ubee_logf(log, "%zu: backward jump (ja -%u): classic BPF jumps only forward",
					  pc, (unsigned)(0u - in->k));
				return -EINVAL;
			}
			if (in->k >= cnt - pc - 1) {
				ubee_logf(log, "%zu: jump out of range (ja +%u)", pc, in->k);
				return -EINVAL;
			}
		} else if (pc + 1 + in->jt >= cnt || pc + 1 + in->jf >= cnt) {
			ubee_logf(log, "%zu: jump out of range (jt +%u, jf +%u)",
				  pc, in->jt, in->jf);
			return -EINVAL;
		}
		return 0;
	}
	return 0;
}

int cbpf_check(const struct ubee_cbpf_insn *insns, size_t cnt,
	       uint8_t *reachable, struct ubee_log *log)
{
	/* mem[pc]: scratch words stored on every path to pc (bit per word). */
	uint16_t *mem = NULL;
	uint8_t *seen = reachable;
	int err = 0;

	if (!insns || !cnt) {
		ubee_logf(log, "0: empty classic BPF program");
		return -EINVAL;
	}
	if (cnt > UBEE_CBPF_MAX_INSNS) {
		ubee_logf(log, "0: %zu instructions, over the limit of %d",
			  cnt, UBEE_CBPF_MAX_INSNS);
		return -E2BIG;
	}
	for (size_t pc = 0; pc < cnt; pc++) {
		err = check_insn(&insns[pc], pc, cnt, log);
		if (err)
			return err;
	}
	if (CB_CLASS(insns[cnt - 1].code) != CB_RET) {
		ubee_logf(log, "%zu: the last instruction is not a return", cnt - 1);
		return -EINVAL;
	}
	mem = ubee_malloc(cnt * sizeof(*mem));
	if (!seen)
		seen = ubee_malloc(cnt);
	if (!mem || !seen) {
		ubee_logf(log, "0: out of memory");
		err = -ENOMEM;
		goto out;
	}
	memset(mem, 0xff, cnt * sizeof(*mem));
	memset(seen, 0, cnt);
	mem[0] = 0;
	seen[0] = 1;
	for (size_t pc = 0; pc < cnt; pc++) {
		const struct ubee_cbpf_insn *in = &insns[pc];
		uint16_t m = mem[pc], c = in->code;

		if (!seen[pc])
			continue;
		switch (CB_CLASS(c)) {
		case CB_LD:
		case CB_LDX:
			if (CB_MODE(c) == CB_MEM && !(m & (1u << in->k))) {
				ubee_logf(log, "%zu: load from M[%u], which may be uninitialised",
					  pc, in->k);
				err = -EINVAL;
				goto out;
			}
			break;
		case CB_ST:
		case CB_STX:
			m |= (uint16_t)(1u << in->k);
			break;
		case CB_RET:
			continue;
		case CB_JMP:
			if (CB_OP(c) == CB_JA) {
				mem[pc + 1 + in->k] &= m;
				seen[pc + 1 + in->k] = 1;
				continue;
			}
			mem[pc + 1 + in->jt] &= m;
			mem[pc + 1 + in->jf] &= m;
			seen[pc + 1 + in->jt] = seen[pc + 1 + in->jf] = 1;
			continue;
		}
		/* Falls through; the last instruction is a return. */
		mem[pc + 1] &= m;
		seen[pc + 1] = 1;
	}
out:
	if (seen != reachable)
		ubee_free(seen);
	ubee_free(mem);
	return err;
}

int ubee_cbpf_check(const struct ubee_cbpf_insn *insns, size_t cnt,
		    struct ubee_log *log)
{
	return cbpf_check(insns, cnt, NULL, log);
}
