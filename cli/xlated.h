/* SPDX-License-Identifier: MIT */
/*
 * The kernel's disassembly format for one instruction (xlated.c), as
 * `bpftool prog dump xlated` and the verifier log print it.
 */
#ifndef UBEE_CLI_XLATED_H
#define UBEE_CLI_XLATED_H

#include <stddef.h>

#include "ubee/ubee.h"

struct cli_xlated_ops {
	void *arg;
	/* Helper name for a call imm, or NULL. */
	const char *(*helper_name)(void *arg, int32_t id);
	/* Text naming map index idx of a map lddw ("map[id:5]"). */
	void (*map_name)(void *arg, int32_t idx, char *buf, size_t size);
};

/*
 * Instruction i of insns[cnt] into buf[size] without a newline (for an
 * lddw, both slots). Returns the length snprintf reports. ops may be NULL.
 */
int cli_xlated_insn(char *buf, size_t size, const struct ubee_insn *insns,
		    size_t cnt, size_t i, const struct cli_xlated_ops *ops);

#endif /* UBEE_CLI_XLATED_H */
