// SPDX-License-Identifier: MIT
/*
 * The per-op facts, expanded from UBEE_OPS, and lookups by opcode byte.
 * The opcode index is built once, thread-safely, on first use.
 */
#include <pthread.h>

#include "isa/isa.h"
#include "util/util.h"

#define SEL_NONE UBEE_SEL_NONE
#define SEL_OFF UBEE_SEL_OFF
#define SEL_IMM UBEE_SEL_IMM
#define SEL_SRC UBEE_SEL_SRC
#define F_32 UBEE_F_32
#define F_WDST UBEE_F_WDST
#define F_WSRC UBEE_F_WSRC
#define F_WR0 UBEE_F_WR0
#define F_BRANCH UBEE_F_BRANCH
#define F_BRANCH32 UBEE_F_BRANCH32
#define F_TERM UBEE_F_TERM
#define F_CALL UBEE_F_CALL
#define F_CALLREL UBEE_F_CALLREL
#define F_MEM UBEE_F_MEM
#define F_PKT UBEE_F_PKT
#define F_LDDW UBEE_F_LDDW

const struct ubee_op_info ubee_isa_ops[UBEE_OP__COUNT] = {
#define X(n_, code_, sel_, selval_, fmt_, text_, flags_)                      \
	[UBEE_OP_##n_] = { .name = #n_, .text = text_, .code = code_,        \
			   .sel = sel_, .fmt = UBEE_##fmt_, .flags = flags_,  \
			   .selval = selval_ },
	UBEE_OPS(X)
#undef X
};

unsigned ubee_isa_fmt_fields(enum ubee_fmt fmt)
{
	enum { D = UBEE_FIELD_DST, S = UBEE_FIELD_SRC, O = UBEE_FIELD_OFF,
	       I = UBEE_FIELD_IMM };
	static const unsigned char fields[] = {
		[UBEE_FMT_ALU_K] = D | I,      [UBEE_FMT_ALU_X] = D | S,
		[UBEE_FMT_NEG] = D,            [UBEE_FMT_MOVSX] = D | S,
		[UBEE_FMT_END] = D,            [UBEE_FMT_JMP_K] = D | O | I,
		[UBEE_FMT_JMP_X] = D | S | O,  [UBEE_FMT_JA] = O,
		[UBEE_FMT_JA32] = I,           [UBEE_FMT_MAY_GOTO] = O,
		[UBEE_FMT_CALL] = I,           [UBEE_FMT_CALL_LOCAL] = I,
		[UBEE_FMT_CALL_KFUNC] = I | O, [UBEE_FMT_EXIT] = 0,
		[UBEE_FMT_LDX] = D | S | O,    [UBEE_FMT_ST] = D | O | I,
		[UBEE_FMT_STX] = D | S | O,    [UBEE_FMT_ATOMIC] = D | S | O,
		[UBEE_FMT_ATOMIC_FETCH] = D | S | O,
		[UBEE_FMT_XCHG] = D | S | O,   [UBEE_FMT_CMPXCHG] = D | S | O,
		[UBEE_FMT_LOAD_ACQ] = D | S | O,
		[UBEE_FMT_STORE_REL] = D | S | O,
		[UBEE_FMT_LD_ABS] = I,         [UBEE_FMT_LD_IND] = S | I,
		[UBEE_FMT_LDDW] = D | I,
	};
	return (size_t)fmt < sizeof(fields) ? fields[fmt] : 0;
}

/*
 * first[code] is the first op with that opcode byte + 1 (0: none); rows
 * with the same byte are chained through next[].
 */
static uint8_t first[256];
static uint8_t next[UBEE_OP__COUNT];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
	for (int op = UBEE_OP__COUNT - 1; op >= 0; op--) {
		uint8_t c = ubee_isa_ops[op].code;
		next[op] = first[c];
		first[c] = (uint8_t)(op + 1);
	}
}

static int32_t sel_value(const struct ubee_insn *insn, enum ubee_sel sel)
{
	switch (sel) {
	case UBEE_SEL_OFF: return insn->off;
	case UBEE_SEL_IMM: return insn->imm;
	case UBEE_SEL_SRC: return insn->src_reg;
	default: return 0;
	}
}

int ubee_isa_lookup(const struct ubee_insn *insn)
{
	pthread_once(&index_once, build_index);
	for (int i = first[insn->code]; i; i = next[i - 1]) {
		const struct ubee_op_info *o = &ubee_isa_ops[i - 1];
		if (o->sel == UBEE_SEL_NONE || sel_value(insn, o->sel) == o->selval)
			return i - 1;
	}
	return -1;
}

int ubee_isa_find(uint8_t code, int32_t selval)
{
	pthread_once(&index_once, build_index);
	for (int i = first[code]; i; i = next[i - 1]) {
		const struct ubee_op_info *o = &ubee_isa_ops[i - 1];
		if (o->sel == UBEE_SEL_NONE || o->selval == selval)
			return i - 1;
	}
	return -1;
}

int ubee_isa_access_size(enum ubee_op op)
{
	const struct ubee_op_info *o = &ubee_isa_ops[op];
	static const int size_of[4] = { 4, 2, 1, 8 }; /* W, H, B, DW */

	if (!(o->flags & (UBEE_F_MEM | UBEE_F_PKT)))
		return 0;
	return size_of[(o->code >> 3) & 3];
}
