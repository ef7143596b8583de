// SPDX-License-Identifier: MIT
/*
 * The assembler's lexer: a cursor over one line, the words of the syntax
 * (registers, numbers, punctuation) and the removal of what the
 * disassembler prints around an instruction. No allocation; every read
 * is bounded by the end of the line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/asm_lex.h"

#define MAX_REG 10

int ubee_lex_fail(struct ubee_lex *l, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (l->err)
		return l->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ubee_logf(l->log, "line %u: %s", l->line, msg);
	l->err = err;
	return err;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '$';
}

static int is_sign(const struct ubee_lex *l, const char *q)
{
	return q < l->end && (*q == '+' || *q == '-');
}

void ubee_lex_skip_ws(struct ubee_lex *l)
{
	while (l->p < l->end && isspace((unsigned char)*l->p))
		l->p++;
}

int ubee_lex_rest(const struct ubee_lex *l)
{
	return (int)(l->end - l->p);
}

int ubee_lex_accept(struct ubee_lex *l, const char *lit)
{
	size_t n = strlen(lit);

	ubee_lex_skip_ws(l);
	if ((size_t)(l->end - l->p) < n || memcmp(l->p, lit, n))
		return 0;
	l->p += n;
	return 1;
}

int ubee_lex_word(struct ubee_lex *l, const char *word)
{
	int n = ubee_lex_ident_len(l);

	if (n != (int)strlen(word) || memcmp(l->p, word, (size_t)n))
		return 0;
	l->p += n;
	return 1;
}

int ubee_lex_expect(struct ubee_lex *l, const char *lit)
{
	if (ubee_lex_accept(l, lit))
		return 0;
	if (l->p >= l->end)
		return ubee_lex_fail(l, -EINVAL, "expected '%s' at end of line",
				     lit);
	return ubee_lex_fail(l, -EINVAL, "expected '%s' before '%.*s'", lit,
			     ubee_lex_rest(l), l->p);
}

int ubee_lex_ident_len(struct ubee_lex *l)
{
	const char *q;

	ubee_lex_skip_ws(l);
	q = l->p;
	if (q >= l->end || !(isalpha((unsigned char)*q) || *q == '_' || *q == '.'))
		return 0;
	while (q < l->end && is_ident((unsigned char)*q))
		q++;
	return (int)(q - l->p);
}

int ubee_lex_at_reg(struct ubee_lex *l)
{
	int n = ubee_lex_ident_len(l);

	if (n < 2 || (l->p[0] != 'r' && l->p[0] != 'w'))
		return 0;
	for (int i = 1; i < n; i++)
		if (!isdigit((unsigned char)l->p[i]))
			return 0;
	return 1;
}

int ubee_lex_reg(struct ubee_lex *l, unsigned *reg, int want_w, int *w)
{
	int n, v = 0, is_w;

	if (!ubee_lex_at_reg(l)) {
		n = ubee_lex_ident_len(l);
		if (l->p >= l->end)
			return ubee_lex_fail(l, -EINVAL,
					     "expected a register at end of line");
		return ubee_lex_fail(l, -EINVAL, "expected a register, got '%.*s'",
				     n ? n : ubee_lex_rest(l), l->p);
	}
	n = ubee_lex_ident_len(l);
	for (int i = 1; i < n && v <= MAX_REG; i++)
		v = v * 10 + (l->p[i] - '0');
	if (v > MAX_REG || (n > 2 && l->p[1] == '0'))
		return ubee_lex_fail(l, -EINVAL, "bad register '%.*s'", n, l->p);
	is_w = l->p[0] == 'w';
	if (want_w >= 0 && is_w != want_w)
		return ubee_lex_fail(l, -EINVAL, "register '%.*s' must be %s", n,
				     l->p, want_w ? "a 32-bit w register"
						  : "a 64-bit r register");
	*reg = (unsigned)v;
	if (w)
		*w = is_w;
	l->p += n;
	return 0;
}

int ubee_lex_at_num(struct ubee_lex *l)
{
	const char *q;

	ubee_lex_skip_ws(l);
	q = l->p + is_sign(l, l->p);
	return q < l->end && isdigit((unsigned char)*q);
}

int ubee_lex_num(struct ubee_lex *l, struct ubee_lex_num *n)
{
	const char *q, *tok;
	uint64_t v = 0;
	unsigned base = 10;

	ubee_lex_skip_ws(l);
	/* The whole word, so "12ab" is one bad number, not 12 and "ab". */
	for (tok = l->p + is_sign(l, l->p); tok < l->end &&
	     is_ident((unsigned char)*tok); tok++)
		;
	n->text = l->p;
	n->neg = is_sign(l, l->p) && *l->p == '-';
	q = l->p + is_sign(l, l->p);
	if (tok - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		base = 16;
		q += 2;
	}
	if (q == tok)
		goto bad;
	for (; q < tok; q++) {
		unsigned d;

		if (isdigit((unsigned char)*q))
			d = (unsigned)(*q - '0');
		else if (isxdigit((unsigned char)*q))
			d = (unsigned)(tolower((unsigned char)*q) - 'a' + 10);
		else
			goto bad;
		if (d >= base)
			goto bad;
		if (v > (UINT64_MAX - d) / base)
			return ubee_lex_fail(l, -EINVAL, "number '%.*s' is too large",
					     (int)(tok - l->p), l->p);
		v = v * base + d;
	}
	n->mag = v;
	n->len = (int)(tok - l->p);
	l->p = tok;
	return 0;
bad:
	return ubee_lex_fail(l, -EINVAL, "expected a number, got '%.*s'",
			     tok > l->p ? (int)(tok - l->p) : ubee_lex_rest(l),
			     l->p);
}

int ubee_lex_disp(struct ubee_lex *l, struct ubee_lex_num *n)
{
	int neg;

	*n = (struct ubee_lex_num){ .text = l->p };
	if (ubee_lex_accept(l, "+"))
		neg = 0;
	else if (ubee_lex_accept(l, "-"))
		neg = 1;
	else
		return 0;
	if (ubee_lex_num(l, n))
		return l->err;
	if (is_sign(l, n->text))
		return ubee_lex_fail(l, -EINVAL, "expected a number after the sign, got '%.*s'",
				     n->len, n->text);
	n->neg = neg;
	return 0;
}

int ubee_lex_fit(struct ubee_lex *l, const struct ubee_lex_num *n,
		 uint64_t lim_neg, uint64_t lim_pos, const char *what,
		 int64_t *out)
{
	*out = 0;
	if (n->neg ? n->mag > lim_neg : n->mag > lim_pos)
		return ubee_lex_fail(l, -EINVAL, "%s '%.*s' out of range", what,
				     n->len, n->text);
	/* Two's complement: -(1 << 63) and values above INT64_MAX wrap. */
	*out = (int64_t)(n->neg ? -n->mag : n->mag);
	return 0;
}

static int is_byte_col(const struct ubee_lex *l, const char *q)
{
	return l->end - q >= 3 && isxdigit((unsigned char)q[0]) &&
	       isxdigit((unsigned char)q[1]) && isspace((unsigned char)q[2]);
}

int ubee_lex_clean_line(struct ubee_lex *l)
{
	const char *q, *lt;
	int cols = 0;

	for (q = l->p; q < l->end; q++)
		if (*q == ';' || *q == '#' ||
		    (*q == '/' && q + 1 < l->end && q[1] == '/'))
			break;
	l->end = q;
	while (l->end > l->p && isspace((unsigned char)l->end[-1]))
		l->end--;
	/* llvm-objdump's section header carries nothing to assemble. */
	if (ubee_lex_accept(l, "Disassembly of section "))
		return 1;
	/* An index "12:" (labels cannot start with a digit). */
	for (q = l->p; q < l->end && isdigit((unsigned char)*q); q++)
		;
	if (q > l->p && q < l->end && *q == ':') {
		l->p = q + 1;
		ubee_lex_skip_ws(l);
	}
	/* Raw bytes: exactly 8 or 16 two-digit hex columns. */
	for (q = l->p; is_byte_col(l, q); cols++) {
		q += 3;
		while (q < l->end && isspace((unsigned char)*q))
			q++;
	}
	if (cols == 8 || cols == 16)
		l->p = q;
	/* A trailing annotation "<name+0x10>" has no blanks inside. */
	if (l->end > l->p && l->end[-1] == '>') {
		for (lt = l->end - 1; lt > l->p && *lt != '<' &&
				      !isspace((unsigned char)*lt); lt--)
			;
		if (*lt == '<' && lt > l->p && isspace((unsigned char)lt[-1])) {
			l->end = lt;
			while (l->end > l->p && isspace((unsigned char)l->end[-1]))
				l->end--;
		}
	}
	return l->p == l->end;
}
