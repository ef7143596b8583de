// SPDX-License-Identifier: MIT
/*
 * Classic BPF as text: what `tcpdump -dd` prints (a C initialiser, one
 * "{ code, jt, jf, k }," per line) and what `tcpdump -ddd` prints (the
 * instruction count, then "code jt jf k" in decimal per line). The form is
 * told by the first non-blank character: '{' is -dd. Numbers are read in
 * any C base and range-checked; errors name the line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf_int.h"
#include "util/util.h"

struct lexer {
	const char *p;
	unsigned line;
};

static void skip_blank(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
		lx->p++;
}

/* Skip blank lines and '#' comment lines; returns 0 at the end of text. */
static int next_line(struct lexer *lx)
{
	for (;;) {
		skip_blank(lx);
		if (*lx->p == '#')
			while (*lx->p && *lx->p != '\n')
				lx->p++;
		if (*lx->p != '\n')
			return *lx->p != 0;
		lx->p++;
		lx->line++;
	}
}

/* An unsigned number no larger than max. */
static int number(struct lexer *lx, unsigned long max, uint32_t *out,
		  struct ubee_log *log)
{
	unsigned long v;
	char *end;

	skip_blank(lx);
	if (!isdigit((unsigned char)*lx->p)) {
		ubee_logf(log, "line %u: expected a number", lx->line);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(lx->p, &end, 0);
	if (errno || v > max) {
		ubee_logf(log, "line %u: number out of range (largest %lu)",
			  lx->line, max);
		return -EINVAL;
	}
	lx->p = end;
	*out = (uint32_t)v;
	return 0;
}

static int expect(struct lexer *lx, char c, struct ubee_log *log)
{
	skip_blank(lx);
	if (*lx->p != c) {
		ubee_logf(log, "line %u: expected '%c'", lx->line, c);
		return -EINVAL;
	}
	lx->p++;
	return 0;
}

/* The end of an instruction's line. */
static int end_of_line(struct lexer *lx, struct ubee_log *log)
{
	skip_blank(lx);
	if (*lx->p && *lx->p != '\n') {
		ubee_logf(log, "line %u: unexpected text after the instruction",
			  lx->line);
		return -EINVAL;
	}
	return 0;
}

/* One instruction; with_braces for the -dd form. */
static int parse_insn(struct lexer *lx, int with_braces,
		      struct ubee_cbpf_insn *in, struct ubee_log *log)
{
	uint32_t v[4];
	static const unsigned long max[4] = { 0xffff, 0xff, 0xff, 0xffffffff };
	int err = 0;

	if (with_braces)
		err = expect(lx, '{', log);
	for (int i = 0; i < 4 && !err; i++) {
		if (i && with_braces)
			err = expect(lx, ',', log);
		if (!err)
			err = number(lx, max[i], &v[i], log);
	}
	if (!err && with_braces) {
		err = expect(lx, '}', log);
		skip_blank(lx);
		if (!err && *lx->p == ',')
			lx->p++;
	}
	if (!err)
		err = end_of_line(lx, log);
	if (err)
		return err;
	in->code = (uint16_t)v[0];
	in->jt = (uint8_t)v[1];
	in->jf = (uint8_t)v[2];
	in->k = v[3];
	return 0;
}

int ubee_cbpf_parse(const char *text, struct ubee_cbpf_insn **out, size_t *cnt,
		    struct ubee_log *log)
{
	struct lexer lx = { text, 1 };
	struct ubee_cbpf_insn *insns = NULL;
	size_t n = 0;
	uint32_t declared = 0;
	int braces, err = 0;

	*out = NULL;
	*cnt = 0;
	if (!text)
		return -EINVAL;
	if (!next_line(&lx)) {
		ubee_logf(log, "line %u: no instructions", lx.line);
		return -EINVAL;
	}
	braces = *lx.p == '{';
	if (!braces) {
		err = number(&lx, UBEE_CBPF_MAX_INSNS, &declared, log);
		if (!err)
			err = end_of_line(&lx, log);
		if (err)
			return err;
	}
	insns = ubee_calloc(UBEE_CBPF_MAX_INSNS, sizeof(*insns));
	if (!insns) {
		ubee_logf(log, "0: out of memory");
		return -ENOMEM;
	}
	while (next_line(&lx)) {
		if (n == UBEE_CBPF_MAX_INSNS) {
			ubee_logf(log, "line %u: more than %d instructions",
				  lx.line, UBEE_CBPF_MAX_INSNS);
			err = -E2BIG;
			goto out;
		}
		err = parse_insn(&lx, braces, &insns[n++], log);
		if (err)
			goto out;
	}
	if (!n) {
		ubee_logf(log, "line %u: no instructions", lx.line);
		err = -EINVAL;
		goto out;
	}
	if (!braces && n != declared) {
		ubee_logf(log, "line %u: %zu instructions, the first line says %u",
			  lx.line, n, declared);
		err = -EINVAL;
		goto out;
	}
	*out = insns;
	*cnt = n;
	insns = NULL;
out:
	ubee_free(insns);
	return err;
}

void ubee_cbpf_free(struct ubee_cbpf_insn *insns)
{
	ubee_free(insns);
}
