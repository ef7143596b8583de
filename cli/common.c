// SPDX-License-Identifier: MIT
/* Helpers shared by the CLI commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubee/btf.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("ubee: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_err_log(const char *what, int err, const struct ubee_log *log)
{
	const char *p = log ? log->buf : NULL;

	if (!p || !*p) {
		cli_err("%s: %s", what, strerror(err < 0 ? -err : err));
		return;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(stderr, "ubee: %s: %.*s\n", what, n, p);
		p += n + (nl ? 1 : 0);
	}
}

int cli_read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		cli_err("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				cli_err("'%s': out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		cli_err("cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*data = buf;
	*size = len;
	return 0;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return -1;
}

int cli_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	int ok;

	if (!f) {
		cli_err("cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	ok = fwrite(data, 1, size, f) == size;
	ok = (f == stdout ? fflush(f) : fclose(f)) == 0 && ok;
	if (!ok) {
		cli_err("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

long cli_emit_json(FILE *f, unsigned flags,
		   long (*fill)(struct ubee_btf_writer *w, void *arg), void *arg)
{
	struct ubee_btf_writer w;
	size_t size = 1 << 16;
	char *buf = NULL;
	long n = -ENOMEM;

	/* A second pass only when the first did not fit (w.len counts all). */
	for (int pass = 0; pass < 2; pass++) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		ubee_btf_w_init(&w, buf, size, flags);
		n = fill(&w, arg);
		if (n < 0 || w.len < size)
			break;
		size = w.len + 1;
		free(buf);
		buf = NULL;
	}
	if (n >= 0 && buf)
		fprintf(f, "%s\n", buf);
	free(buf);
	return n;
}
