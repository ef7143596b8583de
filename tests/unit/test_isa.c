// SPDX-License-Identifier: MIT
/*
 * The instruction table and the structural validator: every row decodes to
 * itself, every other opcode byte is rejected, and each malformed-program
 * rule is reported with its instruction index.
 */
#include <errno.h>
#include <string.h>

#include "isa/isa.h"
#include "test.h"

#define I(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define EXIT I(0x95, 0, 0, 0, 0)

/* A valid instance of row op: selector set, used registers r1/r2. */
static struct ubee_insn instance(int op)
{
	const struct ubee_op_info *o = &ubee_isa_ops[op];
	unsigned f = ubee_isa_fmt_fields(o->fmt);
	struct ubee_insn in = { .code = o->code };

	if (f & UBEE_FIELD_DST)
		in.dst_reg = 1;
	if (f & UBEE_FIELD_SRC)
		in.src_reg = 2;
	if (o->sel == UBEE_SEL_OFF)
		in.off = (int16_t)o->selval;
	if (o->sel == UBEE_SEL_IMM)
		in.imm = o->selval;
	if (o->sel == UBEE_SEL_SRC)
		in.src_reg = (uint8_t)o->selval;
	return in;
}

static void every_row_decodes_to_itself(void)
{
	for (int op = 0; op < UBEE_OP__COUNT; op++) {
		struct ubee_insn in = instance(op);

		T_CHECK(ubee_isa_lookup(&in) == op, "row %s decodes to %d",
			ubee_isa_ops[op].name, ubee_isa_lookup(&in));
	}
}

static void rows_are_unique(void)
{
	for (int a = 0; a < UBEE_OP__COUNT; a++)
		for (int b = a + 1; b < UBEE_OP__COUNT; b++) {
			const struct ubee_op_info *x = &ubee_isa_ops[a], *y = &ubee_isa_ops[b];

			T_CHECK(!(x->code == y->code && x->sel == y->sel &&
				  x->selval == y->selval),
				"rows %s and %s collide", x->name, y->name);
			T_CHECK(strcmp(x->name, y->name), "duplicate name %s", x->name);
		}
}

static void unknown_opcodes_rejected(void)
{
	int known = 0;

	for (int c = 0; c < 256; c++) {
		int has = 0;

		for (int op = 0; op < UBEE_OP__COUNT; op++)
			has |= ubee_isa_ops[op].code == c;
		known += has;
		if (!has) {
			struct ubee_insn p[2] = { I(c, 0, 0, 0, 0), EXIT };
			char why[160];

			T_CHECK(ubee_isa_check_insn(p, 2, 0, why, sizeof(why)) == -EINVAL,
				"opcode 0x%02x accepted", c);
			char want[64];
			int mode = c & 0xe0;

			/* The kernel's words: an LDX of another mode than
			 * MEM/MEMSX is a reserved field, the rest unknown. */
			if ((c & 7) == 1 && mode != 0x60 && mode != 0x80)
				snprintf(want, sizeof(want), "BPF_LDX uses reserved fields (opcode 0x%02x", c);
			else
				snprintf(want, sizeof(want), "unknown opcode %02x", c);
			T_CHECK(!strncmp(why, want, strlen(want)), "0x%02x: %s", c, why);
		}
	}
	/*
	 * ALU/ALU64 53, JMP/JMP32 49, LDX/ST/STX/atomic 19, LD 7: the opcode
	 * bytes of RFC 9669 plus Linux's may_goto and load-acquire/store-release.
	 */
	T_CHECK(known == 128, "%d opcode bytes known, expected 128", known);
}

struct bad {
	const char *name;
	struct ubee_insn p[5];
	size_t n;
	const char *msg;
};

static void malformed_programs(void)
{
	static const struct bad cases[] = {
		{ "empty", { EXIT }, 0, "0: empty program" },
		{ "opcode", { I(0x8e, 0, 0, 0, 0), EXIT }, 2, "0: unknown opcode 8e" },
		{ "variant", { I(0x3f, 1, 2, 2, 0), EXIT }, 2, "0: BPF_ALU uses reserved fields (opcode 0x3f: src 2, off 2, imm 0)" },
		{ "reserved-imm", { I(0x0f, 1, 2, 0, 5), EXIT }, 2, "0: BPF_ALU uses reserved fields (imm is 5, must be 0)" },
		{ "reserved-off", { I(0x07, 1, 0, 3, 5), EXIT }, 2, "0: BPF_ALU uses reserved fields (opcode 0x07: src 0, off 3, imm 5)" },
		{ "reserved-src", { EXIT, I(0x95, 0, 1, 0, 0) }, 2, "1: BPF_EXIT uses reserved fields (src_reg is 1, must be 0)" },
		{ "reserved-dst", { I(0x05, 3, 0, 0, 0), EXIT }, 2, "0: BPF_JA uses reserved fields (dst_reg is 3, must be 0)" },
		{ "bad-dst", { I(0xb7, 11, 0, 0, 1), EXIT }, 2, "0: R11 is invalid" },
		{ "bad-src", { I(0xbf, 0, 12, 0, 0), EXIT }, 2, "0: R12 is invalid" },
		{ "write-r10", { I(0xb7, 10, 0, 0, 1), EXIT }, 2, "0: frame pointer is read only" },
		{ "fetch-r10", { I(0xdb, 1, 10, 0, 1), EXIT }, 2, "0: frame pointer is read only" },
		{ "lddw-half", { EXIT, I(0x18, 1, 0, 0, 1) }, 2, "1: invalid bpf_ld_imm64 insn (lddw is missing its second slot)" },
		{ "lddw-2nd", { I(0x18, 1, 0, 0, 1), I(0x18, 0, 0, 0, 0), EXIT }, 3,
		  "0: invalid bpf_ld_imm64 insn (lddw second slot has non-zero reserved fields)" },
		{ "lddw-mapfd-imm2", { I(0x18, 1, 1, 0, 1), I(0, 0, 0, 0, 7), EXIT }, 3,
		  "0: unrecognized bpf_ld_imm64 insn (lddw map_fd has non-zero second immediate 7)" },
		{ "jump-out", { I(0x05, 0, 0, 5, 0), EXIT }, 2, "0: jump out of range from insn 0 to 6 (program has 2 instructions)" },
		{ "jump-back-out", { I(0x15, 1, 0, -3, 0), EXIT }, 2, "0: jump out of range from insn 0 to -2 (program has 2 instructions)" },
		{ "jump-lddw", { I(0x05, 0, 0, 1, 0), I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 2), EXIT }, 4,
		  "0: jump into the middle of ldimm64 insn 1" },
		{ "gotol-out", { I(0x06, 0, 0, 0, 9), EXIT }, 2, "0: jump out of range from insn 0 to 10 (program has 2 instructions)" },
		{ "call-out", { I(0x85, 0, 1, 0, 4), EXIT }, 2, "0: call to invalid destination (insn 5, program has 2 instructions)" },
		{ "func-out", { I(0x18, 1, 4, 0, -9), I(0, 0, 0, 0, 0), EXIT }, 3, "0: call to invalid destination (insn -8, program has 3 instructions)" },
		{ "no-exit", { I(0xb7, 0, 0, 0, 0) }, 1, "0: last insn is not an exit or jmp" },
		{ "ends-lddw", { I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 0) }, 2, "1: last insn is not an exit or jmp" },
		{ "ends-cond", { I(0x15, 1, 0, -1, 0) }, 1, "0: last insn is not an exit or jmp" },
		/* The kernel's words per kind of malformed instruction. */
		{ "ldx-mode", { I(0x21, 0, 1, 0, 0), EXIT }, 2,
		  "0: BPF_LDX uses reserved fields (opcode 0x21: mode 0x20)" },
		{ "ldx-imm", { I(0x61, 0, 1, 0, 1), EXIT }, 2, "0: BPF_LDX uses reserved fields (imm is 1" },
		{ "st-src", { I(0x62, 10, 1, -4, 0), EXIT }, 2, "0: BPF_ST uses reserved fields (src_reg is 1" },
		{ "stx-imm", { I(0x63, 10, 1, -4, 1), EXIT }, 2, "0: BPF_STX uses reserved fields (imm is 1" },
		{ "mov-off", { I(0xb7, 0, 0, 1, 0), EXIT }, 2,
		  "0: BPF_MOV uses reserved fields (opcode 0xb7: src 0, off 1, imm 0)" },
		{ "neg-imm", { I(0x87, 1, 0, 0, 1), EXIT }, 2, "0: BPF_NEG uses reserved fields (imm is 1" },
		{ "end-width", { I(0xd4, 1, 0, 0, 8), EXIT }, 2,
		  "0: BPF_END uses reserved fields (opcode 0xd4: src 0, off 0, imm 8)" },
		{ "call-dst", { I(0x85, 1, 0, 0, 1), EXIT }, 2, "0: BPF_CALL uses reserved fields (dst_reg is 1" },
		{ "call-src", { I(0x85, 0, 3, 0, 1), EXIT }, 2, "0: BPF_CALL uses reserved fields (opcode 0x85: src 3" },
		{ "ja-imm", { I(0x05, 0, 0, 0, 1), EXIT }, 2, "0: BPF_JA uses reserved fields (imm is 1" },
		{ "jmp-k-src", { I(0x15, 1, 2, 0, 0), EXIT }, 2,
		  "0: BPF_JMP/JMP32 uses reserved fields (src_reg is 2" },
		{ "jmp32-x-imm", { I(0x1e, 1, 2, 0, 3), EXIT }, 2,
		  "0: BPF_JMP/JMP32 uses reserved fields (imm is 3" },
		{ "ld-abs-dst", { I(0x20, 1, 0, 0, 0), EXIT }, 2,
		  "0: BPF_LD_[ABS|IND] uses reserved fields (dst_reg is 1" },
		{ "lddw-off", { I(0x18, 1, 0, 1, 1), I(0, 0, 0, 0, 0), EXIT }, 3,
		  "0: BPF_LD_IMM64 uses reserved fields (off is 1" },
		{ "lddw-src", { I(0x18, 1, 7, 0, 1), I(0, 0, 0, 0, 0), EXIT }, 3,
		  "0: unrecognized bpf_ld_imm64 insn (opcode 0x18: src 7" },
		{ "atomic-size", { I(0xd3, 10, 1, -8, 0), EXIT }, 2,
		  "0: invalid atomic operand size (opcode 0xd3" },
		{ "atomic-op", { I(0xdb, 10, 1, -8, 0x77), EXIT }, 2,
		  "0: BPF_ATOMIC uses invalid atomic opcode 77 (opcode 0xdb" },
		{ "may-goto-imm", { I(0xe5, 0, 0, 0, 1), EXIT }, 2,
		  "0: invalid may_goto imm 1 (imm is 1, must be 0)" },
		{ "may-goto-src", { I(0xe5, 0, 1, 0, 0), EXIT }, 2,
		  "0: invalid may_goto imm 0 (src_reg is 1, must be 0)" },
		{ "call-lddw", { I(0x85, 0, 1, 0, 2), EXIT, I(0x18, 0, 0, 0, 0), I(0, 0, 0, 0, 0), EXIT }, 5,
		  "0: last insn is not an exit or jmp (the callee 3 starts in the middle of ldimm64 insn 2)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *c = &cases[i];
		char buf[512];
		struct ubee_log log;
		int err;

		ubee_log_init(&log, buf, sizeof(buf));
		err = ubee_isa_validate(c->p, c->n, NULL, &log);
		T_CHECK(err == -EINVAL, "%s: validate returned %d", c->name, err);
		T_CHECK(strstr(buf, c->msg), "%s: log '%s' lacks '%s'", c->name, buf, c->msg);
	}
}

static void valid_programs(void)
{
	static const struct ubee_insn p[] = {
		I(0x18, 1, 0, 0, 1), I(0, 0, 0, 0, 2),  /* r1 = 0x200000001 ll */
		I(0x05, 0, 0, 1, 0),                    /* goto +1 (to 4) */
		I(0x06, 0, 0, 0, 0),                    /* gotol +0 */
		I(0x85, 0, 1, 0, 1),                    /* call +1 */
		EXIT,
		I(0xb4, 0, 0, 0, 7),                    /* w0 = 7 */
		EXIT,
	};
	struct ubee_dinsn d[8];
	char buf[256];
	struct ubee_log log;

	ubee_log_init(&log, buf, sizeof(buf));
	T_CHECK(ubee_isa_validate(p, 8, d, &log) == 0, "rejected: %s", buf);
	T_EQ_U64(d[0].op, UBEE_OP_LDDW);
	T_EQ_U64(d[1].op, UBEE_OP__COUNT);
	T_EQ_U64(d[1].imm, 2);
	T_EQ_U64(d[4].op, UBEE_OP_CALL_LOCAL);
	T_EQ_U64(d[6].op, UBEE_OP_MOV32_K);
}

static void access_sizes(void)
{
	T_EQ_U64(ubee_isa_access_size(UBEE_OP_LDX_B), 1);
	T_EQ_U64(ubee_isa_access_size(UBEE_OP_LDXS_H), 2);
	T_EQ_U64(ubee_isa_access_size(UBEE_OP_STX_W), 4);
	T_EQ_U64(ubee_isa_access_size(UBEE_OP_ATOMIC_CMPXCHG_DW), 8);
	T_EQ_U64(ubee_isa_access_size(UBEE_OP_LD_ABS_H), 2);
	T_EQ_U64(ubee_isa_access_size(UBEE_OP_ADD64_K), 0);
}

static void too_large(void)
{
	static struct ubee_insn big[UBEE_MAX_INSNS + 1];
	char buf[256];
	struct ubee_log log;

	ubee_log_init(&log, buf, sizeof(buf));
	T_CHECK(ubee_isa_validate(big, UBEE_MAX_INSNS + 1, NULL, &log) == -E2BIG,
		"no E2BIG: %s", buf);
	T_CHECK(strstr(buf, "too large"), "log: %s", buf);
}

int main(void)
{
	T_RUN(every_row_decodes_to_itself);
	T_RUN(rows_are_unique);
	T_RUN(unknown_opcodes_rejected);
	T_RUN(malformed_programs);
	T_RUN(valid_programs);
	T_RUN(access_sizes);
	T_RUN(too_large);
	return t_summary();
}
