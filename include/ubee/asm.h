/* SPDX-License-Identifier: MIT */
/*
 * Text form of eBPF: a disassembler and an assembler in the syntax
 * llvm-objdump and the kernel print ("r0 = *(u8 *)(r1 + 0x2)",
 * "if r1 > 0x5 goto +0x3", "lock *(u64 *)(r10 - 0x8) += r1").
 * asm(disasm(x)) == x byte for byte for every valid program.
 */
#ifndef UBEE_ASM_H
#define UBEE_ASM_H

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ubee_disasm_flags {
	/*
	 * Print exactly as llvm-objdump does where our default form differs
	 * (kfunc calls print as plain calls). Lossy: for display only.
	 */
	UBEE_DISASM_LLVM = 1u << 0,
};

struct ubee_disasm_opts {
	size_t sz;       /* sizeof(struct ubee_disasm_opts) */
	unsigned flags;  /* enum ubee_disasm_flags */
	/*
	 * Optional: a name for the jump target at instruction index target,
	 * printed after the jump as " <name>" (llvm-objdump's "<f+0x148>").
	 * Return NULL for none. buf[size] is scratch space for the callee.
	 */
	const char *(*target_name)(void *arg, int64_t target, char *buf,
				   size_t size);
	void *arg;
};

/*
 * Format insns[idx] (of cnt) as text into buf[size], without index or
 * bytes. Returns the number of slots it takes (1, or 2 for lddw), or
 * -EINVAL for an invalid instruction, in which case buf holds
 * "<invalid: reason>". opts may be NULL.
 */
int ubee_disasm_insn(const struct ubee_insn *insns, size_t cnt, size_t idx,
		     const struct ubee_disasm_opts *opts, char *buf,
		     size_t size);

/*
 * Assemble NUL-terminated text. Accepts one instruction per line, labels
 * ("loop:"), jump and call targets as labels or signed offsets, comments
 * (";", "//", "#"), and the disassembler's own output (a leading "12:"
 * index and raw byte columns are skipped). On success *out is a new array
 * of *cnt instructions (free with ubee_insns_free) and 0 is returned;
 * otherwise -EINVAL and a log line "line N: reason".
 */
int ubee_asm(const char *text, struct ubee_insn **out, size_t *cnt,
	     struct ubee_log *log);
void ubee_insns_free(struct ubee_insn *insns);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_ASM_H */
