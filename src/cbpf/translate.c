// SPDX-License-Identifier: MIT
/*
 * Classic BPF to eBPF, with the semantics of the kernel's conversion of
 * classic socket filters. The classic machine has a 32-bit accumulator A,
 * an index register X, 16 scratch words M[] and the packet; here:
 *
 *   A    r0  (the result of LD_ABS/LD_IND lands there; RET A returns it)
 *   X    r7  (callee-saved: survives packet loads and helper calls)
 *   ctx  r6  (LD_ABS/LD_IND take the skb from r6; context loads use it)
 *   tmp  r8  (keeps A while LDX MSH borrows r0)
 *   M[k] the 32-bit word at r10 - (16 - k) * 4
 *
 * Classic A and X start at 0: the prologue sets r0 and r7 to 0 only when
 * some path reads them before writing them (read_unset); LDX MSH keeps A
 * in r8 only when A is read afterwards (live_regs). Arithmetic is
 * 32-bit (ALU32, JMP32), so A and X always hold zero-extended 32-bit
 * values. Packet loads out of range end the program with 0 (eBPF's
 * LD_ABS rule, also classic BPF's); division and modulo by X test X first
 * and return 0 when it is 0. Each classic instruction becomes at most
 * MAX_EXPANSION eBPF instructions; jumps are emitted with their classic
 * target and patched once every instruction's eBPF address is known.
 * Unreachable classic instructions are left out.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cbpf/cbpf_int.h"
#include "ubee/progtype.h"
#include "util/util.h"

/* eBPF encoding (RFC 9669). */
enum {
	E_LD = 0x00, E_LDX = 0x01, E_STX = 0x03, E_ALU = 0x04, E_JMP = 0x05,
	E_JMP32 = 0x06, E_ALU64 = 0x07,
	E_W = 0x00, E_ABS = 0x20, E_IND = 0x40, E_MEM = 0x60,
	E_K = 0x00, E_X = 0x08,
	E_MOV = 0xb0, E_END = 0xd0, E_TO_BE = 0x08,
	E_JNE = 0x50, E_CALL = 0x80, E_EXIT = 0x90, E_JLT = 0xa0, E_JLE = 0xb0,
};

enum { R_A = 0, R_ARG1 = 1, R_CTX = 6, R_X = 7, R_TMP = 8, R_FP = 10 };

/* Helper ids (kernel numbering). */
enum { HELPER_GET_PRANDOM_U32 = 7, HELPER_GET_SMP_PROCESSOR_ID = 8 };

#define MAX_EXPANSION 6   /* LDX MSH */
#define PROLOGUE 3

struct tr {
	struct ubee_insn *out;
	int32_t *target;   /* per eBPF insn: classic jump target, or -1 */
	size_t len, cap;
};

static void emit(struct tr *t, uint8_t code, uint8_t dst, uint8_t src,
		 int16_t off, int32_t imm)
{
	struct ubee_insn *i;

	assert(t->len < t->cap);
	i = &t->out[t->len];
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
	t->target[t->len++] = -1;
}

/* A jump to classic instruction target, patched later. */
static void emit_jump(struct tr *t, uint8_t code, uint8_t dst, uint8_t src,
		      int32_t imm, size_t target)
{
	emit(t, code, dst, src, 0, imm);
	t->target[t->len - 1] = (int32_t)target;
}

static int16_t mem_off(uint32_t k)
{
	return (int16_t)(-(int)(UBEE_CBPF_MEMWORDS - k) * 4);
}

static void ctx_load(struct tr *t, size_t off)
{
	emit(t, E_LDX | E_W | E_MEM, R_A, R_CTX, (int16_t)off, 0);
}

/* A = a __be16 field of the context, in host order. */
static void ctx_load_be16(struct tr *t, size_t off)
{
	ctx_load(t, off);
	emit(t, E_ALU | E_END | E_TO_BE, R_A, 0, 0, 16);
}

static void ancillary(struct tr *t, uint32_t off, uint32_t hatype)
{
	switch (off) {
	case CB_AD_PROTOCOL:
		ctx_load_be16(t, offsetof(struct ubee_sk_buff, protocol));
		break;
	case CB_AD_PKTTYPE:
		ctx_load(t, offsetof(struct ubee_sk_buff, pkt_type));
		break;
	case CB_AD_IFINDEX:
		ctx_load(t, offsetof(struct ubee_sk_buff, ifindex));
		break;
	case CB_AD_MARK:
		ctx_load(t, offsetof(struct ubee_sk_buff, mark));
		break;
	case CB_AD_QUEUE:
		ctx_load(t, offsetof(struct ubee_sk_buff, queue_mapping));
		break;
	case CB_AD_HATYPE:
		emit(t, E_ALU | E_MOV | E_K, R_A, 0, 0, (int32_t)hatype);
		break;
	case CB_AD_RXHASH:
		ctx_load(t, offsetof(struct ubee_sk_buff, hash));
		break;
	case CB_AD_CPU:
		emit(t, E_JMP | E_CALL, 0, 0, 0, HELPER_GET_SMP_PROCESSOR_ID);
		break;
	case CB_AD_ALU_XOR_X:
		emit(t, E_ALU | CB_XOR | E_X, R_A, R_X, 0, 0);
		break;
	case CB_AD_VLAN_TAG:
		ctx_load(t, offsetof(struct ubee_sk_buff, vlan_tci));
		break;
	case CB_AD_VLAN_TAG_PRESENT:
		ctx_load(t, offsetof(struct ubee_sk_buff, vlan_present));
		break;
	case CB_AD_RANDOM:
		emit(t, E_JMP | E_CALL, 0, 0, 0, HELPER_GET_PRANDOM_U32);
		break;
	case CB_AD_VLAN_TPID:
		ctx_load_be16(t, offsetof(struct ubee_sk_buff, vlan_proto));
		break;
	default:
		/* cbpf_check refused every other offset. */
		assert(0);
	}
}

static void load(struct tr *t, const struct ubee_cbpf_insn *in, uint32_t hatype,
		 int keep_a)
{
	uint8_t size = (uint8_t)CB_SIZE(in->code);
	uint8_t dst = CB_CLASS(in->code) == CB_LD ? R_A : R_X;

	switch (CB_MODE(in->code)) {
	case CB_ABS:
		if (cbpf_is_ancillary(in))
			ancillary(t, in->k - (uint32_t)UBEE_SKF_AD_OFF, hatype);
		else
			emit(t, E_LD | E_ABS | size, 0, 0, 0, (int32_t)in->k);
		break;
	case CB_IND:
		emit(t, E_LD | E_IND | size, 0, R_X, 0, (int32_t)in->k);
		break;
	case CB_IMM:
		emit(t, E_ALU | E_MOV | E_K, dst, 0, 0, (int32_t)in->k);
		break;
	case CB_MEM:
		emit(t, E_LDX | E_W | E_MEM, dst, R_FP, mem_off(in->k), 0);
		break;
	case CB_LEN:
		emit(t, E_LDX | E_W | E_MEM, dst, R_CTX,
		     offsetof(struct ubee_sk_buff, len), 0);
		break;
	case CB_MSH:
		/* X = (P[k] & 0xf) << 2; the byte load needs r0, so keep A
		 * when something reads it afterwards. */
		if (keep_a)
			emit(t, E_ALU64 | E_MOV | E_X, R_TMP, R_A, 0, 0);
		emit(t, E_LD | E_ABS | CB_B, 0, 0, 0, (int32_t)in->k);
		emit(t, E_ALU | CB_AND | E_K, R_A, 0, 0, 0xf);
		emit(t, E_ALU | CB_LSH | E_K, R_A, 0, 0, 2);
		emit(t, E_ALU | E_MOV | E_X, R_X, R_A, 0, 0);
		if (keep_a)
			emit(t, E_ALU64 | E_MOV | E_X, R_A, R_TMP, 0, 0);
		break;
	}
}

static void alu(struct tr *t, const struct ubee_cbpf_insn *in)
{
	uint8_t op = (uint8_t)CB_OP(in->code);

	if (op == CB_NEG) {
		emit(t, E_ALU | CB_NEG, R_A, 0, 0, 0);
		return;
	}
	if (CB_SRC(in->code) == CB_K) {
		emit(t, E_ALU | op | E_K, R_A, 0, 0, (int32_t)in->k);
		return;
	}
	if (op == CB_DIV || op == CB_MOD) {
		/* if X != 0 goto +2; return 0 */
		emit(t, E_JMP32 | E_JNE | E_K, R_X, 0, 2, 0);
		emit(t, E_ALU | E_MOV | E_K, R_A, 0, 0, 0);
		emit(t, E_JMP | E_EXIT, 0, 0, 0, 0);
	}
	emit(t, E_ALU | op | E_X, R_A, R_X, 0, 0);
}

static void jump(struct tr *t, const struct ubee_cbpf_insn *in, size_t pc)
{
	uint8_t op = (uint8_t)CB_OP(in->code), inv;
	uint8_t src = CB_SRC(in->code) == CB_X ? E_X : E_K;
	uint8_t sreg = src == E_X ? R_X : 0;
	int32_t imm = src == E_X ? 0 : (int32_t)in->k;
	size_t tpc = pc + 1 + in->jt, fpc = pc + 1 + in->jf;

	if (op == CB_JA) {
		if (in->k)
			emit_jump(t, E_JMP | CB_JA, 0, 0, 0, pc + 1 + in->k);
		return;
	}
	if (tpc == fpc) {
		if (tpc != pc + 1)
			emit_jump(t, E_JMP | CB_JA, 0, 0, 0, tpc);
		return;
	}
	inv = op == CB_JEQ ? E_JNE : op == CB_JGT ? E_JLE : op == CB_JGE ? E_JLT : 0;
	if (fpc == pc + 1) {
		emit_jump(t, E_JMP32 | op | src, R_A, sreg, imm, tpc);
	} else if (tpc == pc + 1 && inv) {
		emit_jump(t, E_JMP32 | inv | src, R_A, sreg, imm, fpc);
	} else {
		emit_jump(t, E_JMP32 | op | src, R_A, sreg, imm, tpc);
		emit_jump(t, E_JMP | CB_JA, 0, 0, 0, fpc);
	}
}

/* Classic registers, as bits of the sets below. */
enum { REG_A = 1, REG_X = 2 };

/*
 * What insn reads and writes of A and X in its translation (LDX MSH
 * parks A in r8 and puts it back, reading it, when A is read afterwards:
 * a_after). A conditional jump whose branches meet still counts as
 * reading.
 */
static void insn_regs(const struct ubee_cbpf_insn *in, unsigned a_after,
		      unsigned *rd, unsigned *wr)
{
	uint16_t c = in->code;

	*rd = *wr = 0;
	switch (CB_CLASS(c)) {
	case CB_LD:
		*wr = REG_A;
		if (CB_MODE(c) == CB_IND)
			*rd = REG_X;
		else if (cbpf_is_ancillary(in) &&
			 in->k - (uint32_t)UBEE_SKF_AD_OFF == CB_AD_ALU_XOR_X)
			*rd = REG_A | REG_X;
		break;
	case CB_LDX:
		*wr = REG_X;
		if (CB_MODE(c) == CB_MSH)
			*rd = a_after & REG_A;
		break;
	case CB_ST:
		*rd = REG_A;
		break;
	case CB_STX:
		*rd = REG_X;
		break;
	case CB_ALU:
		*rd = REG_A | (CB_OP(c) != CB_NEG && CB_SRC(c) == CB_X ? REG_X : 0);
		*wr = REG_A;
		break;
	case CB_JMP:
		if (CB_OP(c) != CB_JA)
			*rd = REG_A | (CB_SRC(c) == CB_X ? REG_X : 0);
		break;
	case CB_RET:
		if (CB_RVAL(c) == CB_A)
			*rd = REG_A;
		break;
	case CB_MISC:
		*rd = CB_MISCOP(c) == CB_TAX ? REG_A : REG_X;
		*wr = CB_MISCOP(c) == CB_TAX ? REG_X : REG_A;
		break;
	}
}

/*
 * live[pc] = the registers read at or after pc before being written (on
 * some path from pc): one backward pass, as classic jumps only go
 * forward. Unreachable instructions get 0.
 */
static void live_regs(const struct ubee_cbpf_insn *insns, size_t cnt,
		      const uint8_t *reachable, uint8_t *live)
{
	for (size_t pc = cnt; pc-- > 0;) {
		const struct ubee_cbpf_insn *in = &insns[pc];
		unsigned rd, wr, out = 0;

		live[pc] = 0;
		if (!reachable[pc])
			continue;
		switch (CB_CLASS(in->code)) {
		case CB_RET:
			break;
		case CB_JMP:
			if (CB_OP(in->code) == CB_JA)
				out = live[pc + 1 + in->k];
			else
				out = live[pc + 1 + in->jt] | live[pc + 1 + in->jf];
			break;
		default: /* the last instruction is a return */
			out = live[pc + 1];
			break;
		}
		insn_regs(in, out, &rd, &wr);
		live[pc] = (uint8_t)(rd | (out & ~wr));
	}
}

/* A is read after insns[pc] (a non-jump, not the last instruction). */
static unsigned a_after(const uint8_t *live, size_t pc)
{
	return live[pc + 1] & REG_A;
}

/*
 * The registers some reachable instruction may read before every path to
 * it wrote them: those the prologue must set to 0 (classic A and X start
 * at 0, and the kernel's verifier refuses a read of a register never
 * written). One forward pass, as classic jumps only go forward; set[pc]
 * (scratch, cnt bytes) holds what every path to pc wrote.
 */
static unsigned read_unset(const struct ubee_cbpf_insn *insns, size_t cnt,
			   const uint8_t *reachable, const uint8_t *live,
			   uint8_t *set)
{
	unsigned need = 0;

	memset(set, REG_A | REG_X, cnt);
	set[0] = 0;
	for (size_t pc = 0; pc < cnt; pc++) {
		const struct ubee_cbpf_insn *in = &insns[pc];
		unsigned rd, wr, s = set[pc];

		if (!reachable[pc])
			continue;
		insn_regs(in, CB_CLASS(in->code) == CB_LDX ? a_after(live, pc) : 0,
			  &rd, &wr);
		need |= rd & ~s;
		s |= wr;
		switch (CB_CLASS(in->code)) {
		case CB_RET:
			break;
		case CB_JMP:
			if (CB_OP(in->code) == CB_JA) {
				set[pc + 1 + in->k] &= (uint8_t)s;
				break;
			}
			set[pc + 1 + in->jt] &= (uint8_t)s;
			set[pc + 1 + in->jf] &= (uint8_t)s;
			break;
		default: /* the last instruction is a return */
			set[pc + 1] &= (uint8_t)s;
			break;
		}
	}
	return need;
}

static void translate_insn(struct tr *t, const struct ubee_cbpf_insn *in,
			   size_t pc, uint32_t hatype, const uint8_t *live)
{
	switch (CB_CLASS(in->code)) {
	case CB_LD:
	case CB_LDX:
		load(t, in, hatype, CB_CLASS(in->code) == CB_LDX && a_after(live, pc));
		break;
	case CB_ST:
		emit(t, E_STX | E_W | E_MEM, R_FP, R_A, mem_off(in->k), 0);
		break;
	case CB_STX:
		emit(t, E_STX | E_W | E_MEM, R_FP, R_X, mem_off(in->k), 0);
		break;
	case CB_ALU:
		alu(t, in);
		break;
	case CB_JMP:
		jump(t, in, pc);
		break;
	case CB_RET:
		if (CB_RVAL(in->code) == CB_K)
			emit(t, E_ALU | E_MOV | E_K, R_A, 0, 0, (int32_t)in->k);
		emit(t, E_JMP | E_EXIT, 0, 0, 0, 0);
		break;
	case CB_MISC:
		if (CB_MISCOP(in->code) == CB_TAX)
			emit(t, E_ALU | E_MOV | E_X, R_X, R_A, 0, 0);
		else
			emit(t, E_ALU | E_MOV | E_X, R_A, R_X, 0, 0);
		break;
	}
}

int ubee_cbpf_translate(const struct ubee_cbpf_insn *insns, size_t cnt,
			const struct ubee_cbpf_opts *opts,
			struct ubee_insn **out, size_t *out_cnt,
			struct ubee_log *log)
{
	struct ubee_cbpf_opts o = { 0 };
	struct tr t = { 0 };
	uint8_t *reachable = NULL, *set = NULL;
	uint32_t *addr = NULL;
	unsigned need;
	int err;

	*out = NULL;
	*out_cnt = 0;
	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			ubee_logf(log, "0: struct ubee_cbpf_opts: bad sz %zu", opts->sz);
			return -EINVAL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!o.hatype)
		o.hatype = 1; /* ARPHRD_ETHER */
	if (!insns || !cnt || cnt > UBEE_CBPF_MAX_INSNS)
		return ubee_cbpf_check(insns, cnt, log);
	reachable = ubee_malloc(cnt);
	set = ubee_malloc(2 * cnt); /* and live[] */
	addr = ubee_malloc(cnt * sizeof(*addr));
	t.cap = PROLOGUE + cnt * MAX_EXPANSION;
	t.out = ubee_calloc(t.cap, sizeof(*t.out));
	t.target = ubee_malloc(t.cap * sizeof(*t.target));
	if (!reachable || !set || !addr || !t.out || !t.target) {
		ubee_logf(log, "0: out of memory");
		err = -ENOMEM;
		goto out;
	}
	err = cbpf_check(insns, cnt, reachable, log);
	if (err)
		goto out;

	/* ctx for LD_ABS; A and X start at 0 where they are read unset. */
	live_regs(insns, cnt, reachable, set + cnt);
	need = read_unset(insns, cnt, reachable, set + cnt, set);
	emit(&t, E_ALU64 | E_MOV | E_X, R_CTX, R_ARG1, 0, 0);
	if (need & REG_A)
		emit(&t, E_ALU | E_MOV | E_K, R_A, 0, 0, 0);
	if (need & REG_X)
		emit(&t, E_ALU | E_MOV | E_K, R_X, 0, 0, 0);
	for (size_t pc = 0; pc < cnt; pc++) {
		addr[pc] = (uint32_t)t.len;
		if (reachable[pc])
			translate_insn(&t, &insns[pc], pc, o.hatype, set + cnt);
	}
	for (size_t i = 0; i < t.len; i++) {
		if (t.target[i] < 0)
			continue;
		/* At most 3 + 6 * 4096 instructions: offsets fit in s16. */
		t.out[i].off = (int16_t)((int64_t)addr[t.target[i]] - (int64_t)i - 1);
	}
	*out = t.out;
	*out_cnt = t.len;
	t.out = NULL;
out:
	ubee_free(t.target);
	ubee_free(t.out);
	ubee_free(addr);
	ubee_free(set);
	ubee_free(reachable);
	return err;
}
