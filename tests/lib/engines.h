/* SPDX-License-Identifier: MIT */
/*
 * The engine configurations every test runs, in one place: the
 * interpreter's four variants and the JIT (skipped where not built).
 * Tests that check the interpreter's checked mode use the first
 * T_NR_INTERP entries.
 */
#ifndef UBEE_TEST_ENGINES_H
#define UBEE_TEST_ENGINES_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

struct t_engine {
	const char *name;
	enum ubee_engine engine;
	uint32_t flags;   /* run flags */
	int checked;      /* bounds-checked: runtime faults are errors */
};

#define T_NR_INTERP 4
extern const struct t_engine t_engines[];
extern const size_t t_nr_engines;

/* 1 when the engine of e is built into the library under test. */
int t_engine_built(const struct t_engine *e);

/* One instruction, for tests that write programs as arrays. */
#define T_INSN(c, d, s, o, i)                                                 \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

#endif /* UBEE_TEST_ENGINES_H */
