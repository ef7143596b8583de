// SPDX-License-Identifier: MIT
/*
 * Instruction-semantics tests as data. Every tests/data/<group>/<name>.data
 * file (directory from $UBEE_TEST_DATA) holds one program, its input memory
 * and the expected r0, memory or error (format: docs/TEST-DATA.md). Each
 * file is parsed, assembled and loaded once, then run on every engine
 * configuration; every (file, engine) pair prints one case line such as
 * "PASS data/alu64/add-k.data [interp]". A malformed data file is a FAIL
 * naming the file and line.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ubee/asm.h"
#include "ubee/ubee.h"
#include "engines.h"
#include "test.h"
#include "testfile.h"

#define LOG_SIZE 4096

/* The engines: tests/lib/engines.c, shared by every test. */
#define engines t_engines
#define NR_ENGINES t_nr_engines

/* A growable byte buffer (hex sections, the asm text). */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			perror("realloc");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0'; /* the asm text is used as a C string */
}

enum section { S_ASM, S_RAW, S_MEM, S_RESULT, S_MEM_OUT, S_ERROR, S_ENGINES,
	       S_BUDGET, S_COUNT };

static const char *const section_names[S_COUNT] = {
	[S_ASM] = "asm",         [S_RAW] = "raw",         [S_MEM] = "mem",
	[S_RESULT] = "result",   [S_MEM_OUT] = "mem-out", [S_ERROR] = "error",
	[S_ENGINES] = "engines", [S_BUDGET] = "budget",
};

/* One parsed data file. */
struct dcase {
	int line[S_COUNT];   /* line of each section header; 0: absent */
	struct buf text;     /* -- asm, verbatim */
	struct buf raw;      /* -- raw, bytes */
	struct buf mem;      /* -- mem */
	struct buf mem_out;  /* -- mem-out */
	uint64_t result;
	uint64_t budget;     /* 0: the default */
	char error[256];     /* expected log substring */
	unsigned engines;    /* bit per engines[] entry; 0: all */
	char why[512];       /* parse error "file:line: reason" */
};

static int perr(struct dcase *c, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int perr(struct dcase *c, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->why, sizeof(c->why), "%s:%d: ", file, line);

	if (n < 0 || (size_t)n >= sizeof(c->why))
		return -1; /* the location alone fills the buffer */
	va_start(ap, fmt);
	vsnprintf(c->why + n, sizeof(c->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Cut a '#' comment and return the line without surrounding blanks. */
static char *strip(char *s, int comments)
{
	char *e;

	if (comments && (e = strchr(s, '#')))
		*e = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
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

/* Append the hex bytes of one line: tokens of an even number of digits. */
static int parse_hex(struct dcase *c, const char *file, int ln, char *s,
		     struct buf *out)
{
	for (char *tok = strtok(s, " \t"); tok; tok = strtok(NULL, " \t")) {
		size_t n = strlen(tok);

		if (n % 2)
			return perr(c, file, ln, "odd number of hex digits in '%s'", tok);
		for (size_t i = 0; i < n; i += 2) {
			int hi = hexval(tok[i]), lo = hexval(tok[i + 1]);
			unsigned char byte;

			if (hi < 0 || lo < 0)
				return perr(c, file, ln, "bad hex byte in '%s'", tok);
			byte = (unsigned char)(hi << 4 | lo);
			buf_add(out, &byte, 1);
		}
	}
	return 0;
}

/* One number: decimal, 0x hex or negative (taken modulo 2^64). */
static int parse_num(struct dcase *c, const char *file, int ln, const char *s,
		     int *seen, uint64_t *out)
{
	const char *p = s;
	char *end;
	unsigned long long v;
	int neg = 0;

	if (*seen)
		return perr(c, file, ln, "more than one number in the section");
	if (*p == '-')
		neg = 1, p++;
	if (*p < '0' || *p > '9')
		return perr(c, file, ln, "bad number '%s'", s);
	errno = 0;
	v = strtoull(p, &end, 0);
	if (errno || *end)
		return perr(c, file, ln, "bad number '%s'", s);
	*out = neg ? (uint64_t)0 - v : v;
	*seen = 1;
	return 0;
}

/*
 * "interp" selects interp and interp-switch; "checked-switch" only itself:
 * a name matches an engine called name or name-<something>.
 */
static int parse_engines(struct dcase *c, const char *file, int ln, char *s)
{
	for (char *tok = strtok(s, " \t,"); tok; tok = strtok(NULL, " \t,")) {
		size_t n = strlen(tok);
		int hit = 0;

		for (size_t i = 0; i < NR_ENGINES; i++) {
			const char *e = engines[i].name;

			if (!strncmp(e, tok, n) && (e[n] == '\0' || e[n] == '-')) {
				c->engines |= 1u << i;
				hit = 1;
			}
		}
		if (!hit)
			return perr(c, file, ln, "unknown engine '%s'", tok);
	}
	return 0;
}

/* Per-section body line. Returns 0 or -1 with c->why set. */
static int parse_line(struct dcase *c, const char *file, int ln, enum section s,
		      char *line, int *seen)
{
	char *t;

	switch (s) {
	case S_ASM:
		buf_add(&c->text, line, strlen(line));
		buf_add(&c->text, "\n", 1);
		return 0;
	case S_RAW:
		return parse_hex(c, file, ln, strip(line, 1), &c->raw);
	case S_MEM:
		return parse_hex(c, file, ln, strip(line, 1), &c->mem);
	case S_MEM_OUT:
		return parse_hex(c, file, ln, strip(line, 1), &c->mem_out);
	case S_RESULT:
	case S_BUDGET:
		t = strip(line, 1);
		if (!*t)
			return 0;
		return parse_num(c, file, ln, t, seen,
				 s == S_RESULT ? &c->result : &c->budget);
	case S_ERROR:
		t = strip(line, 0);
		if (!*t)
			return 0;
		if (*seen)
			return perr(c, file, ln, "the error section takes one line");
		if (strlen(t) >= sizeof(c->error))
			return perr(c, file, ln, "error text too long");
		strcpy(c->error, t);
		*seen = 1;
		return 0;
	case S_ENGINES:
		return parse_engines(c, file, ln, strip(line, 1));
	default:
		return perr(c, file, ln, "internal: bad section");
	}
}

/* Parse text (modified in place) of file into c. 0 or -1 with c->why. */
static int parse_case(struct dcase *c, const char *file, char *text)
{
	enum section cur = S_COUNT;
	int ln = 0, seen = 0;
	char *line, *next;

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (!*line)
			break;
		ln++;
		if (!strncmp(line, "-- ", 3)) {
			char *name = strip(line + 3, 0);
			int s;

			if (cur == S_RESULT && !seen)
				return perr(c, file, ln, "-- result has no value");
			if (cur == S_BUDGET && !seen)
				return perr(c, file, ln, "-- budget has no value");
			if (cur == S_ERROR && !seen)
				return perr(c, file, ln, "-- error has no text");
			for (s = 0; s < S_COUNT; s++)
				if (!strcmp(name, section_names[s]))
					break;
			if (s == S_COUNT)
				return perr(c, file, ln, "unknown section '%s'", name);
			if (c->line[s])
				return perr(c, file, ln, "section '%s' repeated (first at line %d)",
					    name, c->line[s]);
			c->line[s] = ln;
			cur = (enum section)s;
			seen = 0;
			continue;
		}
		if (cur == S_COUNT) {
			char *t = strip(line, 0);

			if (*t && *t != '#')
				return perr(c, file, ln, "text before the first section");
			continue;
		}
		if (parse_line(c, file, ln, cur, line, &seen))
			return -1;
	}
	if ((cur == S_RESULT || cur == S_BUDGET || cur == S_ERROR) && !seen)
		return perr(c, file, ln, "-- %s is empty", section_names[cur]);

	if (ln == 0)
		ln = 1; /* an empty file: blame its first line */
	if (!c->line[S_ASM] == !c->line[S_RAW])
		return perr(c, file, ln, "needs exactly one of -- asm and -- raw");
	if (!c->line[S_RESULT] == !c->line[S_ERROR])
		return perr(c, file, ln, "needs exactly one of -- result and -- error");
	if (c->line[S_RAW] && c->raw.len % 8)
		return perr(c, file, c->line[S_RAW],
			    "raw program is %zu bytes, not a multiple of 8", c->raw.len);
	if (c->line[S_MEM_OUT] && !c->line[S_RESULT])
		return perr(c, file, c->line[S_MEM_OUT], "-- mem-out needs -- result");
	if (c->line[S_MEM_OUT] && c->mem_out.len != c->mem.len)
		return perr(c, file, c->line[S_MEM_OUT],
			    "-- mem-out has %zu bytes, -- mem has %zu",
			    c->mem_out.len, c->mem.len);
	if (c->line[S_ENGINES] && !c->engines)
		return perr(c, file, c->line[S_ENGINES], "-- engines is empty");
	return 0;
}

/* ---- finding the files ------------------------------------------------- */

struct list {
	char **v;
	size_t n, cap;
};

static void list_add(struct list *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			perror("realloc");
			exit(2);
		}
	}
	l->v[l->n++] = s;
}

/* Collect root/rel/ **.data as paths relative to root. -errno on failure. */
static int collect(const char *root, const char *rel, struct list *out)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[4096], sub[4096];
		struct stat st;
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
				     de->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", root, sub) >= sizeof(path) ||
		    stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			collect(root, sub, out);
		else if (n > 5 && !strcmp(de->d_name + n - 5, ".data"))
			list_add(out, strdup(sub));
	}
	closedir(d);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- running ----------------------------------------------------------- */

/* The first line of a log, for a one-line failure reason. */
static const char *first_line(char *log)
{
	char *nl = strchr(log, '\n');

	if (nl)
		*nl = '\0';
	return *log ? log : "(empty log)";
}

/* Run the loaded program on engine e and record the verdict in the case. */
static void run_engine(const struct dcase *c, const struct ubee_prog *prog,
		       const struct t_engine *e)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	char logbuf[LOG_SIZE];
	struct ubee_log log;
	unsigned char *mem = NULL;
	uint64_t r0 = 0;
	int err;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (c->mem.len) {
		mem = malloc(c->mem.len); /* a private copy per run */
		if (!mem) {
			t_fail(__FILE__, __LINE__, "out of memory");
			return;
		}
		memcpy(mem, c->mem.p, c->mem.len);
	}
	/* The memory is both the ctx (r1, r2) and the packet (LD_ABS/LD_IND). */
	ro.ctx = mem;
	ro.ctx_size = c->mem.len;
	ro.pkt = mem;
	ro.pkt_size = c->mem.len;
	ro.engine = e->engine;
	ro.flags = e->flags;
	ro.insn_budget = c->budget;
	err = ubee_prog_run(prog, &ro, &r0, &log);

	if (c->line[S_ERROR]) {
		if (!err)
			t_fail(__FILE__, __LINE__, "expected error '%s', ran with r0 = 0x%llx",
			       c->error, (unsigned long long)r0);
		else if (!strstr(logbuf, c->error))
			t_fail(__FILE__, __LINE__, "error %d, log '%s' lacks '%s'", err,
			       logbuf, c->error);
		goto out;
	}
	if (err) {
		t_fail(__FILE__, __LINE__, "run failed (%d): %s", err, first_line(logbuf));
		goto out;
	}
	T_EQ_U64(r0, c->result);
	if (c->line[S_MEM_OUT]) {
		for (size_t i = 0; i < c->mem.len; i++) {
			if (mem[i] != c->mem_out.p[i]) {
				t_fail(__FILE__, __LINE__,
				       "mem-out byte %zu is 0x%02x, expected 0x%02x", i,
				       mem[i], c->mem_out.p[i]);
				break;
			}
		}
	}
out:
	free(mem);
}

static void free_case(struct dcase *c)
{
	free(c->text.p);
	free(c->raw.p);
	free(c->mem.p);
	free(c->mem_out.p);
}

/*
 * Parse, assemble and load root/rel, then print one case line per selected
 * engine (or a single FAIL line when the file cannot be used at all).
 */
static void run_file(const char *root, const char *rel, int jit)
{
	char path[4096], logbuf[LOG_SIZE], load_log[LOG_SIZE] = "";
	/* Data files test the engines' semantics, also of programs the
	 * verifier refuses (division by zero, wide shifts): not verified;
	 * the engine table's runs are checked or trusted. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .name = rel,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct dcase c = { 0 };
	struct ubee_log log;
	struct ubee_insn *insns = NULL;
	struct ubee_prog *prog = NULL;
	size_t cnt = 0, size;
	char *text;
	int load_err;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	text = (char *)t_read_file(path, &size); /* NUL-terminated */
	if (!text) {
		t_begin("data/%s", rel);
		t_fail(__FILE__, __LINE__, "cannot read %s: %s", path, strerror(errno));
		t_end();
		return;
	}
	if (parse_case(&c, path, text)) {
		t_begin("data/%s", rel);
		t_fail(__FILE__, __LINE__, "malformed data file: %s", c.why);
		t_end();
		goto out;
	}

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (c.line[S_ASM]) {
		int err = ubee_asm((const char *)c.text.p, &insns, &cnt, &log);

		if (err) {
			int n = 0;

			/* "line N: ..." counts from the first asm line. */
			sscanf(logbuf, "line %d", &n);
			t_begin("data/%s", rel);
			t_fail(__FILE__, __LINE__, "%s:%d: assembler error %d: %s", path,
			       c.line[S_ASM] + n, err, first_line(logbuf));
			t_end();
			goto out;
		}
	}

	/* Loaded once: loading does not depend on the engine. */
	ubee_log_init(&log, load_log, sizeof(load_log));
	load_err = ubee_prog_load(c.line[S_ASM] ? insns : (struct ubee_insn *)c.raw.p,
				  c.line[S_ASM] ? cnt : c.raw.len / 8, &po, &prog, &log);

	for (size_t i = 0; i < NR_ENGINES; i++) {
		const struct t_engine *e = &engines[i];

		if (c.engines && !(c.engines & (1u << i)))
			continue;
		if (e->engine == UBEE_ENGINE_JIT && !jit)
			continue;
		t_begin("data/%s [%s]", rel, e->name);
		if (load_err && !c.line[S_ERROR])
			t_fail(__FILE__, __LINE__, "load failed (%d): %s", load_err,
			       first_line(load_log));
		else if (load_err && !strstr(load_log, c.error))
			t_fail(__FILE__, __LINE__, "load error %d, log '%s' lacks '%s'",
			       load_err, load_log, c.error);
		else if (!load_err)
			run_engine(&c, prog, e);
		t_end();
	}
out:
	ubee_prog_free(prog);
	ubee_insns_free(insns);
	free_case(&c);
	free(text);
}

int main(void)
{
	const char *root = getenv("UBEE_TEST_DATA");
	struct list files = { 0 };
	int jit = ubee_engine_available(UBEE_ENGINE_JIT), err;

	if (!root || !*root)
		root = "tests/data";
	err = collect(root, "", &files);
	if (err || files.n == 0) {
		t_begin("data");
		t_fail(__FILE__, __LINE__, "no .data files under %s: %s", root,
		       err ? strerror(-err) : "empty");
		t_end();
		return t_summary();
	}
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);
	if (!jit) {
		t_begin("data [jit]");
		t_skip("the JIT engine is not built");
		t_end();
	}
	for (size_t i = 0; i < files.n; i++) {
		run_file(root, files.v[i], jit);
		free(files.v[i]);
	}
	free(files.v);
	return t_summary();
}
