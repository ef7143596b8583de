/* SPDX-License-Identifier: MIT */
/*
 * The JIT's machine code as `ubee disasm --jited` and `ubee prog dump
 * jited` print it (cmd_disasm.c): capstone's x86-64 text, Intel syntax.
 * The entry stub comes first, then each eBPF instruction's text with the
 * block compiled from it, then the out-of-line stubs.
 */
#ifndef UBEE_CLI_JITED_H
#define UBEE_CLI_JITED_H

#include <stddef.h>

#include "ubee/asm.h"
#include "ubee/ubee.h"

/*
 * Compile prog (if not yet) and print its code; the eBPF text comes from
 * insns[cnt], the slots the program was loaded from, named by opts (NULL:
 * plain). raw: show the machine code bytes. 0, or -1 after an error
 * line naming what.
 */
int cli_print_jited(const char *what, const struct ubee_prog *prog,
		    const struct ubee_insn *insns, size_t cnt,
		    const struct ubee_disasm_opts *opts, int raw);

#endif /* UBEE_CLI_JITED_H */
