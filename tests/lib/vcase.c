// SPDX-License-Identifier: MIT
/*
 * Verifier cases as data: the case-file parser and loading a case into
 * the kernel and into ubee with its maps (see vcase.h for the format).
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "kbpf.h"
#include "maps/maps.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/pin.h"
#include "util/util.h"
#include "vcase.h"
#include "vm/vm.h"

/* The kernel's program type names (enum bpf_prog_type), plus ubee's mem. */
static const struct {
	const char *name;
	uint32_t id;
} prog_types[] = {
	{ "mem", 0 }, { "socket_filter", 1 }, { "kprobe", 2 },
	{ "sched_cls", 3 }, { "sched_act", 4 }, { "tracepoint", 5 },
	{ "xdp", 6 }, { "perf_event", 7 }, { "cgroup_skb", 8 },
	{ "cgroup_sock", 9 }, { "lwt_in", 10 }, { "lwt_out", 11 },
	{ "lwt_xmit", 12 }, { "sock_ops", 13 }, { "sk_skb", 14 },
	{ "cgroup_device", 15 }, { "sk_msg", 16 }, { "raw_tracepoint", 17 },
	{ "cgroup_sock_addr", 18 }, { "flow_dissector", 22 },
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int fail(char *err, size_t errsz, const char *path, unsigned line,
		const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errsz, "%s:%u: ", path, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errsz)
		vsnprintf(err + n, errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hex bytes, spaces allowed between them: count into *len (cap max). */
static int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || n >= max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return 0;
}

static int parse_map(char *s, struct vcase_map *m)
{
	char *tok, *save = NULL;
	int type;

	memset(m, 0, sizeof(*m));
	m->lock_off = -1;
	tok = strtok_r(s, " \t", &save);
	if (!tok)
		return -1;
	type = ubee_map_type_by_name(tok);
	if (type < 0)
		return -1;
	m->type = (uint32_t)type;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		unsigned long v = 0;

		if (eq) {
			*eq++ = '\0';
			if (strcmp(tok, "init"))
				v = strtoul(eq, NULL, 0);
		}
		if (!strcmp(tok, "key") && eq)
			m->key_size = (uint32_t)v;
		else if (!strcmp(tok, "value") && eq)
			m->value_size = (uint32_t)v;
		else if (!strcmp(tok, "entries") && eq)
			m->max_entries = (uint32_t)v;
		else if (!strcmp(tok, "flags") && eq)
			m->flags = (uint32_t)v;
		else if (!strcmp(tok, "lock") && eq)
			m->lock_off = (int)v;
		else if (!strcmp(tok, "init") && eq) {
			free(m->init);
			m->init = malloc(strlen(eq) / 2 + 1);
			if (!m->init ||
			    parse_hex(eq, m->init, strlen(eq) / 2 + 1, &m->init_len))
				return -1;
		} else if (!strcmp(tok, "frozen") && !eq)
			m->frozen = 1;
		else
			return -1;
	}
	return 0;
}

/* One "key: value" header line of case c. */
static int parse_header(struct vcase *c, char *line, const char *path,
			unsigned ln, char *err, size_t errsz)
{
	char *colon = strchr(line, ':');
	char *key = line, *val;
	size_t i;

	if (!strcmp(line, "unpriv")) {
		c->unpriv = 1;
		return 0;
	}
	if (!colon)
		return fail(err, errsz, path, ln, "expected 'key: value'");
	*colon = '\0';
	key = trim(key);
	val = trim(colon + 1);
	if (!strcmp(key, "type")) {
		for (i = 0; i < sizeof(prog_types) / sizeof(prog_types[0]); i++)
			if (!strcmp(prog_types[i].name, val))
				break;
		if (i == sizeof(prog_types) / sizeof(prog_types[0]))
			return fail(err, errsz, path, ln, "unknown type '%s'", val);
		c->prog_type = prog_types[i].id;
		snprintf(c->type_name, sizeof(c->type_name), "%s", val);
	} else if (!strcmp(key, "map")) {
		if (c->nr_maps == VCASE_MAX_MAPS ||
		    parse_map(val, &c->maps[c->nr_maps]))
			return fail(err, errsz, path, ln, "bad map");
		c->nr_maps++;
	} else if (!strcmp(key, "expect")) {
		if (!strcmp(val, "accept"))
			c->accept = 1;
		else if (!strcmp(val, "reject"))
			c->accept = 0;
		else
			return fail(err, errsz, path, ln, "expect accept|reject");
	} else if (!strcmp(key, "error")) {
		snprintf(c->error, sizeof(c->error), "%s", val);
	} else if (!strcmp(key, "kernel-error")) {
		snprintf(c->kerror, sizeof(c->kerror), "%s", val);
	} else if (!strcmp(key, "kernel")) {
		if (strncmp(val, "skip", 4))
			return fail(err, errsz, path, ln, "kernel: skip <why>");
		snprintf(c->kskip, sizeof(c->kskip), "%s",
			 val[4] ? trim(val + 4) : "marked skip");
	} else if (!strcmp(key, "input")) {
		uint8_t buf[4096];
		size_t len;

		if (!strncmp(val, "zero", 4)) {
			len = strtoul(val + 4, NULL, 0);
			if (len > sizeof(buf))
				return fail(err, errsz, path, ln, "input too long");
			memset(buf, 0, len);
		} else if (parse_hex(val, buf, sizeof(buf), &len)) {
			return fail(err, errsz, path, ln, "bad hex input");
		}
		free(c->input);
		c->input = malloc(len ? len : 1);
		if (!c->input)
			return fail(err, errsz, path, ln, "out of memory");
		memcpy(c->input, buf, len);
		c->input_len = len;
	} else if (!strcmp(key, "retval")) {
		c->has_retval = 1;
		c->retval = strtoull(val, NULL, 0);
	} else if (strcmp(key, "note")) {
		return fail(err, errsz, path, ln, "unknown key '%s'", key);
	}
	return 0;
}

/* Append text to the case's assembly. */
static int add_text(struct vcase *c, const char *line)
{
	size_t old = c->text ? strlen(c->text) : 0, n = strlen(line);
	char *t = realloc(c->text, old + n + 2);

	if (!t)
		return -1;
	memcpy(t + old, line, n);
	t[old + n] = '\n';
	t[old + n + 1] = '\0';
	c->text = t;
	return 0;
}

static int finish(struct vcase *c, const char *path, char *err, size_t errsz)
{
	if (!c->type_name[0])
		return fail(err, errsz, path, c->line, "case '%s' has no type",
			    c->name);
	if (!c->text)
		return fail(err, errsz, path, c->line, "case '%s' has no code",
			    c->name);
	if (!c->accept && !c->error[0])
		return fail(err, errsz, path, c->line,
			    "reject case '%s' has no error", c->name);
	if (c->accept && c->error[0])
		return fail(err, errsz, path, c->line,
			    "accept case '%s' has an error", c->name);
	return 0;
}

int vcase_parse(const char *path, struct vcase **cases, size_t *n, char *err,
		size_t errsz)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	struct vcase *c = NULL;
	unsigned ln = 0;
	int in_code = 0, rc = 0, expect_seen = 0;

	if (!f)
		return fail(err, errsz, path, 0, "%s", strerror(errno));
	while (fgets(buf, sizeof(buf), f)) {
		char *line;

		ln++;
		if (!strncmp(buf, "===", 3)) {
			struct vcase *v;

			if (c && (rc = finish(c, path, err, errsz)))
				break;
			if (c && !expect_seen) {
				rc = fail(err, errsz, path, c->line, "no expect:");
				break;
			}
			v = realloc(*cases, (*n + 1) * sizeof(*v));
			if (!v) {
				rc = fail(err, errsz, path, ln, "out of memory");
				break;
			}
			*cases = v;
			c = &v[(*n)++];
			memset(c, 0, sizeof(*c));
			snprintf(c->file, sizeof(c->file), "%s", path);
			c->line = ln;
			snprintf(c->name, sizeof(c->name), "%s", trim(buf + 3));
			for (size_t i = 0; i + 1 < *n; i++)
				if (!strcmp(v[i].name, c->name)) {
					rc = fail(err, errsz, path, ln,
						  "duplicate case '%s'", c->name);
					goto out;
				}
			in_code = 0;
			expect_seen = 0;
			continue;
		}
		if (!c)
			continue; /* the file's header comment */
		if (in_code) {
			if (add_text(c, trim(buf))) {
				rc = fail(err, errsz, path, ln, "out of memory");
				break;
			}
			continue;
		}
		line = trim(buf);
		if (!*line || *line == '#')
			continue;
		if (!strcmp(line, "---")) {
			in_code = 1;
			c->text_line = ln + 1;
			continue;
		}
		if (!strncmp(line, "expect", 6))
			expect_seen = 1;
		rc = parse_header(c, line, path, ln, err, errsz);
		if (rc)
			break;
	}
	if (!rc && c) {
		rc = finish(c, path, err, errsz);
		if (!rc && !expect_seen)
			rc = fail(err, errsz, path, c->line, "no expect:");
	}
out:
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vcase_parse_dir(const char *dir, struct vcase **cases, size_t *n,
		    char *err, size_t errsz)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t nn = 0;
	int rc = 0;

	if (!d)
		return fail(err, errsz, dir, 0, "%s", strerror(errno));
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char **p;

		if (l < 5 || strcmp(e->d_name + l - 4, ".txt"))
			continue;
		p = realloc(names, (nn + 1) * sizeof(*p));
		if (!p || asprintf(&p[nn], "%s/%s", dir, e->d_name) < 0) {
			names = p ? p : names;
			rc = fail(err, errsz, dir, 0, "out of memory");
			break;
		}
		names = p;
		nn++;
	}
	closedir(d);
	if (!rc)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		if (!rc)
			rc = vcase_parse(names[i], cases, n, err, errsz);
		free(names[i]);
	}
	free(names);
	return rc;
}

void vcase_free(struct vcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cases[i].input);
		free(cases[i].text);
		for (int k = 0; k < cases[i].nr_maps; k++)
			free(cases[i].maps[k].init);
	}
	free(cases);
}

/*
 * ".insn CODE DST SRC OFF IMM" lines give raw instructions the assembler
 * refuses (a write to r10, a reserved field set): each becomes a marker
 * "r0 = MARK + k" for the assembler and is patched afterwards.
 */
#define RAW_MARK 0x7ee00000
#define RAW_MAX 16

int vcase_asm(const struct vcase *c, struct ubee_insn **insns, size_t *cnt,
	      char *err, size_t errsz)
{
	char buf[512], *text, *p, *out;
	struct ubee_insn raw[RAW_MAX];
	struct ubee_log log;
	int nraw = 0, rc = -1;

	text = malloc(strlen(c->text) * 2 + 64);
	if (!text) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	out = text;
	for (p = c->text; *p;) {
		char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!strncmp(p, ".insn", 5)) {
			unsigned code, dst, src;
			int off, imm;

			if (nraw == RAW_MAX ||
			    sscanf(p + 5, "%i %u %u %i %i", (int *)&code, &dst,
				   &src, &off, &imm) != 5) {
				snprintf(err, errsz, "%s:%u: bad .insn line", c->file,
					 c->text_line);
				goto out;
			}
			raw[nraw] = (struct ubee_insn){ .code = (uint8_t)code,
				.dst_reg = dst & 15, .src_reg = src & 15,
				.off = (int16_t)off, .imm = imm };
			out += sprintf(out, "r0 = %d\n", RAW_MARK + nraw);
			nraw++;
		} else {
			memcpy(out, p, len);
			out += len;
			*out++ = '\n';
		}
		p += len + (e ? 1 : 0);
	}
	*out = '\0';
	ubee_log_init(&log, buf, sizeof(buf));
	if (ubee_asm(text, insns, cnt, &log)) {
		snprintf(err, errsz, "%s:%u: %s", c->file, c->text_line,
			 vcase_last_line(buf, buf, sizeof(buf)));
		goto out;
	}
	for (size_t i = 0; i < *cnt; i++) {
		struct ubee_insn *in = &(*insns)[i];

		if (in->code == (BPF_ALU64 | BPF_MOV | BPF_K) && !in->dst_reg &&
		    in->imm >= RAW_MARK && in->imm < RAW_MARK + nraw)
			*in = raw[in->imm - RAW_MARK];
	}
	rc = 0;
out:
	free(text);
	return rc;
}

const char *vcase_last_line(const char *log, char *out, size_t size)
{
	const char *end = log + strlen(log), *start;
	size_t n;

	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > log && start[-1] != '\n')
		start--;
	n = (size_t)(end - start);
	if (n >= size)
		n = size - 1;
	memmove(out, start, n);
	out[n] = '\0';
	return out;
}

const char *vcase_kernel_reason(const char *log, char *out, size_t size)
{
	static const char *const stats[] = {
		"processed ", "verification time", "stack depth", "mark_read",
		"cur state:", "old state:",
	};
	const char *p = log, *best = NULL, *best_end = NULL;
	size_t n;

	while (*p) {
		const char *e = strchr(p, '\n');
		int skip = 0;

		if (!e)
			e = p + strlen(p);
		for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
			if (!strncmp(p, stats[i], strlen(stats[i])))
				skip = 1;
		if (e > p && !skip) {
			best = p;
			best_end = e;
		}
		p = *e ? e + 1 : e;
	}
	if (!best) {
		out[0] = '\0';
		return out;
	}
	n = (size_t)(best_end - best);
	if (n >= size)
		n = size - 1;
	memmove(out, best, n);
	out[n] = '\0';
	return out;
}

const char *vcase_id(const struct vcase *c, char *out, size_t size)
{
	const char *base = strrchr(c->file, '/');
	size_t len;

	base = base ? base + 1 : c->file;
	len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".txt"))
		len -= 4;
	snprintf(out, size, "%.*s/%s", (int)len, base, c->name);
	return out;
}

int vcase_known_failure(const char *dir, const char *id)
{
	char path[512], line[512];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/known-failures.list", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *l = trim(line);

		found = *l && *l != '#' && !strcmp(l, id);
	}
	fclose(f);
	return found;
}

int vcase_msg_match(const char *log_text, const char *expected)
{
	return strstr(log_text, expected) != NULL;
}

/* ---- the kernel --------------------------------------------------------- */

/*
 * BTF for a map value holding a bpf_spin_lock at lock_off:
 *   [1] int, [2] struct bpf_spin_lock { int val; },
 *   [3] struct v (value_size bytes) { struct bpf_spin_lock l @ lock_off; }
 */
size_t vcase_spin_lock_btf_raw(uint32_t value_size, uint32_t lock_off,
			       uint32_t buf[64])
{
	static const char strs[] = "\0int\0bpf_spin_lock\0val\0v\0l";
	uint32_t *t;
	size_t tlen;

	t = buf + 6; /* after the 24-byte header */
	*t++ = 1; *t++ = 1u << 24; *t++ = 4; *t++ = (1u << 24) | 32; /* int */
	*t++ = 5; *t++ = (4u << 24) | 1; *t++ = 4;                  /* lock */
	*t++ = 19; *t++ = 1; *t++ = 0;                               /* .val */
	*t++ = 23; *t++ = (4u << 24) | 1; *t++ = value_size;         /* v */
	*t++ = 25; *t++ = 2; *t++ = lock_off * 8;                    /* .l */
	tlen = (size_t)(t - (buf + 6)) * 4;
	buf[0] = 0xeB9F | (1u << 16);   /* magic, version 1, flags 0 */
	buf[1] = 24;                    /* hdr_len */
	buf[2] = 0;                     /* type_off */
	buf[3] = (uint32_t)tlen;
	buf[4] = (uint32_t)tlen;        /* str_off */
	buf[5] = sizeof(strs);
	memcpy(t, strs, sizeof(strs));
	return 24 + tlen + sizeof(strs);
}

static int spin_lock_btf(uint32_t value_size, uint32_t lock_off)
{
	uint32_t buf[64];
	size_t n = vcase_spin_lock_btf_raw(value_size, lock_off, buf);

	return kbpf_btf_load(buf, n, NULL, 0);
}

/*
 * The kernel wants BTF function information for programs with callbacks:
 * one static function "fN" of type int(void) per subprogram (insn 0,
 * bpf-to-bpf call targets, pseudo-func lddw targets). Returns the BTF fd
 * with func_info[2 * n] filled and *nr set, 0 when the program has no
 * subprograms (nothing to load), or a negative errno.
 */
#define MAX_FUNCS 64

static int func_btf(const struct ubee_insn *p, size_t cnt, uint32_t *func_info,
		    size_t *nr)
{
	uint32_t starts[MAX_FUNCS], buf[24 / 4 + 7 + 3 * MAX_FUNCS + MAX_FUNCS];
	char strs[5 + 8 * MAX_FUNCS];
	size_t n = 1, slen, tlen;
	uint32_t *t;
	int fd;

	starts[0] = 0;
	for (size_t i = 0; i < cnt; i++) {
		int64_t target = -1;

		if (p[i].code == (BPF_JMP | BPF_CALL) &&
		    p[i].src_reg == BPF_PSEUDO_CALL)
			target = (int64_t)i + p[i].imm + 1;
		else if (p[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
			 p[i].src_reg == BPF_PSEUDO_FUNC)
			target = (int64_t)i + p[i].imm + 1;
		if (target <= 0 || (uint64_t)target >= cnt)
			continue;
		size_t k = 0;

		while (k < n && starts[k] < (uint32_t)target)
			k++;
		if (k < n && starts[k] == (uint32_t)target)
			continue;
		if (n == MAX_FUNCS)
			return -E2BIG;
		memmove(&starts[k + 1], &starts[k], (n - k) * sizeof(*starts));
		starts[k] = (uint32_t)target;
		n++;
	}
	*nr = 0;
	if (n == 1)
		return 0;
	memcpy(strs, "\0int", 5);
	slen = 5;
	t = buf + 6;
	*t++ = 1; *t++ = 1u << 24; *t++ = 4; *t++ = (1u << 24) | 32; /* [1] int */
	*t++ = 0; *t++ = 13u << 24; *t++ = 1;                        /* [2] int(void) */
	for (size_t k = 0; k < n; k++) {                             /* [3 + k] fk */
		*t++ = (uint32_t)slen; *t++ = 12u << 24; *t++ = 2;
		slen += (size_t)sprintf(strs + slen, "f%zu", k) + 1;
		func_info[2 * k] = starts[k];
		func_info[2 * k + 1] = (uint32_t)(3 + k);
	}
	tlen = (size_t)(t - (buf + 6)) * 4;
	buf[0] = 0xeB9F | (1u << 16);
	buf[1] = 24;
	buf[2] = 0;
	buf[3] = (uint32_t)tlen;
	buf[4] = (uint32_t)tlen;
	buf[5] = (uint32_t)slen;
	memcpy(t, strs, slen);
	fd = kbpf_btf_load(buf, 24 + tlen + slen, NULL, 0);
	if (fd >= 0)
		*nr = n;
	return fd;
}

static int kernel_map(const struct vcase_map *m)
{
	const uint32_t zero = 0;
	int fd, btf = -1, err;

	if (m->lock_off >= 0) {
		btf = spin_lock_btf(m->value_size, (uint32_t)m->lock_off);
		if (btf < 0)
			return btf;
		fd = kbpf_map_create_btf(m->type, m->key_size, m->value_size,
					 m->max_entries, m->flags, btf, 1, 3);
		close(btf);
	} else {
		fd = kbpf_map_create(m->type, m->key_size, m->value_size,
				     m->max_entries, m->flags);
	}
	if (fd < 0)
		return fd;
	if (m->init_len) {
		uint8_t *v = calloc(1, m->value_size > m->init_len ?
					  m->value_size : m->init_len);

		if (!v) {
			close(fd);
			return -ENOMEM;
		}
		memcpy(v, m->init, m->init_len);
		err = kbpf_map_update(fd, &zero, v, 0);
		free(v);
		if (err) {
			close(fd);
			return err;
		}
	}
	if (m->frozen && (err = kbpf_map_freeze(fd))) {
		close(fd);
		return err;
	}
	return fd;
}

int vcase_kernel_load(const struct vcase *c, const struct ubee_insn *insns,
		      size_t cnt, char *log, size_t size)
{
	int fds[VCASE_MAX_MAPS];
	uint32_t func_info[2 * MAX_FUNCS];
	size_t nr_funcs = 0;
	struct ubee_insn *p;
	int i, fd = 0, btf;

	p = malloc((cnt ? cnt : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p, insns, cnt * sizeof(*p));
	for (i = 0; i < c->nr_maps; i++) {
		fds[i] = kernel_map(&c->maps[i]);
		if (fds[i] < 0) {
			snprintf(log, size, "map %d: creation failed: %s", i,
				 strerror(-fds[i]));
			fd = -ENOTSUP;
			goto out;
		}
	}
	for (size_t k = 0; k + 1 < cnt; k++) {
		if (p[k].code != (BPF_LD | BPF_DW | BPF_IMM))
			continue;
		if (p[k].src_reg == BPF_PSEUDO_MAP_FD ||
		    p[k].src_reg == BPF_PSEUDO_MAP_VALUE) {
			if (p[k].imm < 0 || p[k].imm >= c->nr_maps) {
				snprintf(log, size, "%zu: no map %d", k, p[k].imm);
				fd = -ENOTSUP;
				goto out;
			}
			p[k].imm = fds[p[k].imm];
		}
		k++;
	}
	btf = func_btf(p, cnt, func_info, &nr_funcs);
	if (btf < 0) {
		snprintf(log, size, "function BTF: %s", strerror(-btf));
		fd = -ENOTSUP;
		goto out;
	}
	if (nr_funcs) {
		fd = kbpf_prog_load_func((int)c->prog_type, p, cnt, btf,
					 func_info, nr_funcs, log, size);
		close(btf);
	} else {
		fd = kbpf_prog_load((int)c->prog_type, p, cnt, log, size);
	}
out:
	while (i-- > 0)
		close(fds[i]);
	free(p);
	return fd;
}

/* ---- ubee ------------------------------------------------------------- */

static int resolve(void *arg, uint32_t idx, int src, int32_t imm, int32_t imm2,
		   uint64_t *value, struct ubee_log *log)
{
	struct vcase_ubee *u = arg;
	const uint32_t zero = 0;
	struct ubee_map *m;
	void *v;

	if (imm < 0 || imm >= u->nr_maps) {
		ubee_logf(log, "%u: no map %d in the case", idx, imm);
		return -EINVAL;
	}
	m = u->maps[imm];
	if (src == UBEE_PSEUDO_MAP_FD) {
		*value = (uint64_t)(uintptr_t)m;
		return 0;
	}
	if (src == UBEE_PSEUDO_MAP_VALUE && m->ops->lookup && !m->ops->get_ptr &&
	    (v = m->ops->lookup(m, &zero))) {
		*value = (uint64_t)(uintptr_t)v + (uint32_t)imm2;
		return 0;
	}
	ubee_logf(log, "%u: pseudo source %d of map %d not supported by the cases",
		  idx, src, imm);
	return -EINVAL;
}

int vcase_ubee_load(const struct vcase *c, const struct ubee_insn *insns,
		    size_t cnt, uint32_t extra_flags, struct vcase_ubee *u,
		    struct ubee_log *log)
{
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	const uint32_t zero = 0;

	memset(u, 0, sizeof(*u));
	for (int i = 0; i < c->nr_maps; i++) {
		const struct vcase_map *m = &c->maps[i];
		struct ubee_map_spec s = {
			.sz = sizeof(s), .type = m->type, .key_size = m->key_size,
			.value_size = m->value_size,
			.max_entries = m->max_entries, .map_flags = m->flags,
		};

		u->maps[i] = ubee_map_new(&s, log);
		if (!u->maps[i]) {
			ubee_logf(log, "0: map %d: %s", i, strerror(errno));
			return -ENOTSUP;
		}
		u->nr_maps++;
		/* The same value BTF the kernel gets: where the lock is. */
		if (m->lock_off >= 0) {
			uint32_t buf[64];
			size_t n = vcase_spin_lock_btf_raw(m->value_size,
							   (uint32_t)m->lock_off, buf);

			if (ubee_map_set_btf(u->maps[i], buf, n, 1, 3))
				return -ENOTSUP;
		}
		if (m->init_len) {
			uint8_t *v = calloc(1, m->value_size > m->init_len ?
						  m->value_size : m->init_len);
			int err;

			if (!v)
				return -ENOMEM;
			memcpy(v, m->init, m->init_len);
			err = ubee_map_update(u->maps[i], &zero, v, 0);
			free(v);
			if (err) {
				ubee_logf(log, "0: map %d: init failed", i);
				return -ENOTSUP;
			}
		}
		if (m->frozen && ubee_map_freeze(u->maps[i])) {
			ubee_logf(log, "0: map %d: freeze failed", i);
			return -ENOTSUP;
		}
	}
	po.prog_type = c->prog_type;
	po.name = c->name;
	po.maps = u->maps;
	po.nr_maps = (size_t)u->nr_maps;
	po.resolve_ldimm64 = resolve;
	po.resolve_arg = u;
	po.flags = UBEE_PROG_NO_VERIFY | extra_flags;
	if (c->unpriv)
		po.flags |= UBEE_PROG_UNPRIV;
	if (!c->input)
		po.flags |= UBEE_PROG_VERIFY_ONLY;
	return ubee_prog_load(insns, cnt, &po, &u->prog, log);
}

void vcase_ubee_free(struct vcase_ubee *u)
{
	ubee_prog_free(u->prog);
	for (int i = 0; i < u->nr_maps; i++)
		ubee_map_put(u->maps[i]);
	memset(u, 0, sizeof(*u));
}
