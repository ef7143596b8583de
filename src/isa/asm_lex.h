/* SPDX-License-Identifier: MIT */
/*
 * The assembler's lexer (asm_lex.c): a cursor over one line of text and
 * the words of the eBPF text syntax: registers, numbers, punctuation.
 * Errors go to the log as "line N: reason" and only the first one counts,
 * so the parser chains calls with || and then returns l->err.
 */
#ifndef UBEE_ASM_LEX_H
#define UBEE_ASM_LEX_H

#include <stdint.h>

#include "ubee/ubee.h"
#include "util/util.h"

struct ubee_lex {
	const char *p;     /* the cursor */
	const char *end;   /* end of this line's text */
	const char *start; /* start of the instruction, for messages */
	unsigned line;     /* 1-based line number */
	int err;           /* first error (negative errno), 0 while none */
	struct ubee_log *log;
};

/* A number as written: sign and magnitude (lddw needs all 64 bits). */
struct ubee_lex_num {
	int neg;
	uint64_t mag;
	const char *text; /* as written, for messages */
	int len;
};

/* Log "line N: message" unless an error is already set; returns l->err. */
int ubee_lex_fail(struct ubee_lex *l, int err, const char *fmt, ...)
	UBEE_PRINTF(3, 4);

void ubee_lex_skip_ws(struct ubee_lex *l);
/* Length of the rest of the line, for messages. */
int ubee_lex_rest(const struct ubee_lex *l);
/* Consume the punctuation lit after optional blanks if it is next. */
int ubee_lex_accept(struct ubee_lex *l, const char *lit);
/* Consume word if it is next as a whole word. */
int ubee_lex_word(struct ubee_lex *l, const char *word);
/* ubee_lex_accept or an error naming what was expected; 0 or l->err. */
int ubee_lex_expect(struct ubee_lex *l, const char *lit);
/* Length of the identifier at the cursor (after blanks), 0 if none. */
int ubee_lex_ident_len(struct ubee_lex *l);

/* 1 if a register name (r or w and digits) is next. */
int ubee_lex_at_reg(struct ubee_lex *l);
/*
 * A register r0..r10 or w0..w10. want_w: 1 a w register is required, 0 an
 * r register, -1 either; *w (may be NULL) tells which it was.
 */
int ubee_lex_reg(struct ubee_lex *l, unsigned *reg, int want_w, int *w);

/* 1 if a number (with an optional sign glued to it) is next. */
int ubee_lex_at_num(struct ubee_lex *l);
/* A decimal or 0x-hex number with an optional sign, up to 64 bits. */
int ubee_lex_num(struct ubee_lex *l, struct ubee_lex_num *n);
/* An optional " + N" or " - N"; *n is 0 when absent. */
int ubee_lex_disp(struct ubee_lex *l, struct ubee_lex_num *n);
/* n as a value in [-lim_neg, lim_pos], else "WHAT 'N' out of range". */
int ubee_lex_fit(struct ubee_lex *l, const struct ubee_lex_num *n,
		 uint64_t lim_neg, uint64_t lim_pos, const char *what,
		 int64_t *out);

/*
 * Narrow [p, end) to the instruction: drop a comment (";", "//", "#"),
 * a leading "12:" index, 8 or 16 raw byte columns and a trailing
 * " <f+0x10>" annotation. Returns 1 when nothing is left to assemble.
 */
int ubee_lex_clean_line(struct ubee_lex *l);

#endif /* UBEE_ASM_LEX_H */
