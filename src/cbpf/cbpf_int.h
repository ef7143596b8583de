/* SPDX-License-Identifier: MIT */
/*
 * Classic BPF internals shared by the checker and the translator: the
 * classic opcode fields and the ancillary loads (SKF_AD_*).
 *
 * A classic opcode (16 bits, only the low 8 used):
 *
 *   bits  7..5        4..3       2..0
 *        +-----------+----------+--------+
 *   LD*  | mode      | size     | class  |   mode: IMM ABS IND MEM LEN MSH
 *   ALU  | op (7..4)       | src| class  |   src: K 0x00, X 0x08
 *   JMP  | op (7..4)       | src| class  |
 *   RET  |            | rval  | class  |   rval: K 0x00, A 0x10
 *   MISC | TAX 0x00, TXA 0x80   | class  |
 *        +-----------+----------+--------+
 */
#ifndef UBEE_CBPF_INT_H
#define UBEE_CBPF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/cbpf.h"

enum {
	CB_LD = 0x00, CB_LDX = 0x01, CB_ST = 0x02, CB_STX = 0x03,
	CB_ALU = 0x04, CB_JMP = 0x05, CB_RET = 0x06, CB_MISC = 0x07,
};
#define CB_CLASS(c) ((c) & 0x07)
#define CB_SIZE(c) ((c) & 0x18)
#define CB_MODE(c) ((c) & 0xe0)
#define CB_OP(c) ((c) & 0xf0)
#define CB_SRC(c) ((c) & 0x08)
#define CB_RVAL(c) ((c) & 0x18)
#define CB_MISCOP(c) ((c) & 0xf8)

enum { CB_W = 0x00, CB_H = 0x08, CB_B = 0x10 };
enum {
	CB_IMM = 0x00, CB_ABS = 0x20, CB_IND = 0x40, CB_MEM = 0x60,
	CB_LEN = 0x80, CB_MSH = 0xa0,
};
enum {
	CB_ADD = 0x00, CB_SUB = 0x10, CB_MUL = 0x20, CB_DIV = 0x30,
	CB_OR = 0x40, CB_AND = 0x50, CB_LSH = 0x60, CB_RSH = 0x70,
	CB_NEG = 0x80, CB_MOD = 0x90, CB_XOR = 0xa0,
};
enum { CB_JA = 0x00, CB_JEQ = 0x10, CB_JGT = 0x20, CB_JGE = 0x30, CB_JSET = 0x40 };
enum { CB_K = 0x00, CB_X = 0x08, CB_A = 0x10 };
enum { CB_TAX = 0x00, CB_TXA = 0x80 };

/* Ancillary loads: LD ABS at SKF_AD_OFF + one of these. */
enum {
	CB_AD_PROTOCOL = 0, CB_AD_PKTTYPE = 4, CB_AD_IFINDEX = 8,
	CB_AD_NLATTR = 12, CB_AD_NLATTR_NEST = 16, CB_AD_MARK = 20,
	CB_AD_QUEUE = 24, CB_AD_HATYPE = 28, CB_AD_RXHASH = 32,
	CB_AD_CPU = 36, CB_AD_ALU_XOR_X = 40, CB_AD_VLAN_TAG = 44,
	CB_AD_VLAN_TAG_PRESENT = 48, CB_AD_PAY_OFFSET = 52,
	CB_AD_RANDOM = 56, CB_AD_VLAN_TPID = 60,
};

/* 1 when insn is an LD ABS whose offset is in the ancillary range. */
static inline int cbpf_is_ancillary(const struct ubee_cbpf_insn *insn)
{
	return CB_CLASS(insn->code) == CB_LD && CB_MODE(insn->code) == CB_ABS &&
	       insn->k >= (uint32_t)UBEE_SKF_AD_OFF;
}

/*
 * The name of ancillary load off (k - SKF_AD_OFF), "SKF_AD_PROTOCOL", or
 * NULL for an offset the kernel does not define; *supported says whether
 * ubee translates it.
 */
const char *cbpf_ancillary_name(uint32_t off, int *supported);

/*
 * ubee_cbpf_check, also marking in reachable[cnt] (when not NULL) the
 * instructions some path from the first reaches.
 */
int cbpf_check(const struct ubee_cbpf_insn *insns, size_t cnt,
	       uint8_t *reachable, struct ubee_log *log);

#endif /* UBEE_CBPF_INT_H */
