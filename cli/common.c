// SPDX-License-Identifier: MIT
/* Helpers shared by the CLI commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubee/object.h"

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

int cli_load_insns(const char *path, const char *prog_name,
		   struct ubee_insn **insns, size_t *cnt)
{
	struct ubee_object *obj = NULL;
	struct ubee_object_func fn;
	char lbuf[4096];
	struct ubee_log log;
	uint8_t *data;
	size_t size, i, n;
	int ret = -1;

	if (cli_read_file(path, &data, &size))
		return -1;
	if (!ubee_is_elf(data, size)) {
		if (size == 0 || size % sizeof(struct ubee_insn)) {
			cli_err("'%s': raw bytecode must be a non-empty multiple of 8 bytes, got %zu bytes",
				path, size);
			free(data);
			return -1;
		}
		*insns = (struct ubee_insn *)data;
		*cnt = size / sizeof(struct ubee_insn);
		return 0;
	}
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	ret = ubee_object_open_mem(data, size, path, &obj, &log);
	if (ret) {
		cli_err_log(path, ret, &log);
		ret = -1;
		goto out;
	}
	n = ubee_object_func_count(obj);
	for (i = 0; i < n; i++) {
		if (ubee_object_func(obj, i, &fn))
			continue;
		if (prog_name ? !strcmp(fn.name, prog_name)
			      : strcmp(fn.section, ".text") != 0)
			break;
	}
	if (i == n) {
		cli_err(prog_name ? "'%s': no program named '%s'"
				  : "'%s': no program found%s",
			path, prog_name ? prog_name : "");
		goto out;
	}
	/*
	 * Until the loader applies relocations, only self-contained programs
	 * (no subprogram calls, maps or global data) run from an object.
	 */
	if (ubee_object_func_reloc_count(obj, i)) {
		cli_err("%s: program '%s' uses maps, global data or subprogram calls; "
			"loading those arrives with the object loader",
			path, fn.name);
		goto out;
	}
	*insns = malloc(fn.cnt * sizeof(**insns));
	if (!*insns) {
		cli_err("'%s': out of memory", path);
		goto out;
	}
	memcpy(*insns, fn.insns, fn.cnt * sizeof(**insns));
	*cnt = fn.cnt;
	ret = 0;
out:
	ubee_object_free(obj);
	free(data);
	return ret;
}
