// SPDX-License-Identifier: MIT
/*
 * The hostile-program corpus (tests/bpf/hostile_*.c, built by make into
 * $BUILD/bpf/hostile_*.v1..v4.o): unsafe programs written in C the way
 * attackers and careless users write them, each of which must be
 * rejected, with its expected message, by ubee and by the kernel.
 *
 * Each program of a source is preceded by its record, comment lines:
 *
 *   // hostile: <function name>
 *   // type: <program type: libbpf's name, as its SEC() gives it>
 *   // expect: <text ubee's log must contain (the kernel's wording)>
 *   // kernel: <the kernel's text, where it differs> | skip <why>
 *   // unpriv                 (loaded with UBEE_PROG_UNPRIV)
 *   // known: <why>           (ubee rejects it with other words, a gap
 *                              being fixed: SKIP instead of FAIL; an
 *                              acceptance still fails)
 *
 * For every object (-mcpu v1..v4) and record, two cases:
 *  - "hostile <obj>/<prog> ubee": the object is opened and loaded through
 *    the normal object path (ubee_object_load, which verifies) with only
 *    that program autoloaded; the load must fail and its log contain the
 *    expected text. An accepted hostile program is a verifier soundness
 *    bug.
 *  - "hostile <obj>/<prog> kernel": the same linked instructions loaded
 *    into this machine's kernel (maps created like the object's, map
 *    references patched to their fds, function BTF for subprograms: as
 *    tests/lib/vcase.c loads a table case); the kernel must refuse it with
 *    its text. SKIP when bpf() is refused here, and for unpriv records
 *    (this machine has no unprivileged bpf).
 * An object program without a record, or a record without a program,
 * fails. Each case runs in a child process with a time limit, so that a
 * verifier hang or crash fails that case only.
 *
 * Environment: BUILD (objects, default "build"), UBEE_SRC_DIR (root of
 * the sources, default "."), UBEE_HOSTILE_ONLY (only case names
 * containing the text), UBEE_HOSTILE_VERBOSE=1 (print both reasons).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "kbpf.h"
#include "test.h"
#include "testfile.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/ubee.h"
#include "vcase.h"

#define CASE_SECONDS 30
#define MAX_RECORDS 256

struct record {
	char prog[64];
	char expect[256];
	char kernel[256];       /* "" : as expect */
	char kskip[256];        /* non-empty: do not load into the kernel */
	char known[256];        /* non-empty: a known ubee gap */
	char type[64];          /* the program type (libbpf's name) */
	int unpriv;
	unsigned line;
};

static const char *const cpus[] = { "v1", "v2", "v3", "v4" };
static int verbose;
static const char *only;
static char ulog[1 << 16];
static char klog[1 << 20];

/* snprintf into a buffer where truncation is fine (names, messages). */
static void strfmt(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void strfmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

/* "key: value" after "// " into out (trimmed); 1 when the key matched. */
static int field(const char *l, const char *key, char *out, size_t size)
{
	size_t n = strlen(key);
	const char *v;
	size_t len;

	if (strncmp(l, key, n) || !strchr(":\r\n", l[n]))
		return 0;
	v = l + n + (l[n] == ':');
	while (*v == ' ' || *v == '\t')
		v++;
	len = strcspn(v, "\r\n");
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	snprintf(out, size, "%.*s", (int)len, v);
	return 1;
}

/*
 * The records of one source file into rec[] (*n of them). Returns 0, or
 * -1 with err naming the file and line.
 */
static int parse_source(const char *path, struct record *rec, size_t *n,
			char *err, size_t errsz)
{
	char line[512], tmp[256];
	struct record *r = NULL;
	unsigned ln = 0;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (!f) {
		strfmt(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *l = line;

		ln++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, "// ", 3)) {
			r = NULL;
			continue;
		}
		l += 3;
		if (field(l, "hostile", tmp, sizeof(tmp))) {
			if (*n == MAX_RECORDS || !tmp[0])
				goto bad;
			r = &rec[(*n)++];
			memset(r, 0, sizeof(*r));
			strfmt(r->prog, sizeof(r->prog), "%s", tmp);
			r->line = ln;
		} else if (!r) {
			continue;
		} else if (field(l, "expect", r->expect, sizeof(r->expect)) ||
			   field(l, "type", r->type, sizeof(r->type)) ||
			   field(l, "known", r->known, sizeof(r->known))) {
		} else if (field(l, "kernel", tmp, sizeof(tmp))) {
			if (!strncmp(tmp, "skip", 4))
				snprintf(r->kskip, sizeof(r->kskip), "%s",
					 tmp[4] ? tmp + 5 : "no reason given");
			else
				snprintf(r->kernel, sizeof(r->kernel), "%s", tmp);
		} else if (field(l, "unpriv", tmp, sizeof(tmp))) {
			r->unpriv = 1;
		}
	}
	fclose(f);
	for (size_t i = 0; i < *n; i++) {
		if (!rec[i].expect[0] || !rec[i].type[0]) {
			strfmt(err, errsz, "%s:%u: record %s needs type and expect lines",
				 path, rec[i].line, rec[i].prog);
			return -1;
		}
	}
	return 0;
bad:
	strfmt(err, errsz, "%s:%u: bad or too many hostile records", path, ln);
	fclose(f);
	return -1;
}

/* ---- ubee ---------------------------------------------------------------- */

/*
 * Load only program prog of the object at path through ubee_object_load.
 * Returns the load's result (0: accepted), the log in ulog; -ENOENT when
 * the object has no such program, another negative errno when the object
 * does not open.
 */
static int ubee_load(const char *path, const struct record *r, int *opened)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_object *obj = NULL;
	struct ubee_log log;
	int idx, err;

	ulog[0] = '\0';
	ubee_log_init(&log, ulog, sizeof(ulog));
	*opened = 0;
	err = ubee_object_open_file(path, &obj, &log);
	if (err)
		return err;
	*opened = 1;
	idx = ubee_object_find_prog(obj, r->prog);
	if (idx < 0) {
		err = -ENOENT;
		goto out;
	}
	for (size_t i = 0; i < ubee_object_prog_count(obj); i++)
		ubee_object_prog_set_autoload(obj, i, (int)i == idx);
	lo.prog_flags = r->unpriv ? UBEE_PROG_UNPRIV : 0;
	err = ubee_object_load(obj, &lo, &log);
out:
	ubee_object_free(obj);
	return err;
}

/* The log on one line (lines joined by " | "), at most size bytes. */
static const char *one_line(const char *log, char *out, size_t size)
{
	size_t n = 0;

	while (*log == '\n')
		log++;
	for (; *log && n + 4 < size; log++) {
		if (*log != '\n') {
			out[n++] = *log;
		} else if (log[1]) {
			memcpy(out + n, " | ", 3);
			n += 3;
		}
	}
	out[n] = '\0';
	return out;
}

static void ubee_case(const char *path, const char *tag,
		      const struct record *r)
{
	char last[1024];
	int opened, err;

	t_begin("hostile %s/%s ubee", tag, r->prog);
	err = ubee_load(path, r, &opened);
	one_line(ulog, last, sizeof(last));
	if (verbose)
		printf("    %s/%s ubee (%d): %s\n", tag, r->prog, err, last);
	if (!opened) {
		t_fail(__FILE__, __LINE__, "object does not open: %s", last);
	} else if (err == -ENOENT && !ulog[0]) {
		t_fail(__FILE__, __LINE__, "no program %s in the object", r->prog);
	} else if (!err) {
		t_fail(__FILE__, __LINE__,
		       "ubee ACCEPTS the hostile program (soundness bug), expected '%s'",
		       r->expect);
	} else if (!vcase_msg_match(ulog, r->expect)) {
		if (r->known[0])
			t_skip("known failure: ubee says '%s' (%s)", last, r->known);
		else
			t_fail(__FILE__, __LINE__, "ubee says '%s' (%s), expected '%s'",
			       last, strerror(-err), r->expect);
	}
	t_end();
}

/* ---- the kernel ---------------------------------------------------------- */

/*
 * The program's linked instructions as a table case: the object's maps
 * (global data as single-entry arrays, .rodata frozen), map references
 * rewritten from the object's map index (src 5, 6) to vcase's numbering
 * (src 1 fd, 2 value) so that vcase_kernel_load patches in the fds.
 */
static int as_vcase(const struct ubee_object *obj, size_t idx,
		    struct vcase *c, struct ubee_insn **insns, size_t *cnt,
		    char *err, size_t errsz)
{
	struct ubee_object_prog_info pi;
	const struct ubee_insn *src;
	size_t n;

	memset(c, 0, sizeof(*c));
	if (ubee_object_prog(obj, idx, &pi) ||
	    ubee_object_prog_insns(obj, idx, &src, &n)) {
		snprintf(err, errsz, "program %zu not found", idx);
		return -ENOENT;
	}
	snprintf(c->name, sizeof(c->name), "%s", pi.name);
	c->prog_type = pi.prog_type;
	if (ubee_object_map_count(obj) > VCASE_MAX_MAPS) {
		snprintf(err, errsz, "more than %d maps", VCASE_MAX_MAPS);
		return -E2BIG;
	}
	for (size_t i = 0; i < ubee_object_map_count(obj); i++) {
		struct ubee_object_map_info mi;
		struct vcase_map *m = &c->maps[c->nr_maps++];

		if (ubee_object_map(obj, i, &mi) || mi.has_inner) {
			snprintf(err, errsz, "map %zu: not supported here", i);
			return -ENOTSUP;
		}
		m->type = mi.type;
		m->key_size = mi.key_size;
		m->value_size = mi.value_size;
		m->max_entries = mi.max_entries;
		m->flags = mi.map_flags;
		m->frozen = mi.kind == UBEE_OBJECT_MAP_RODATA;
		m->lock_off = -1;
	}
	*insns = malloc((n ? n : 1) * sizeof(**insns));
	if (!*insns)
		return -ENOMEM;
	memcpy(*insns, src, n * sizeof(**insns));
	for (size_t k = 0; k + 1 < n; k++) {
		struct ubee_insn *in = &(*insns)[k];

		if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
			continue;
		if (in->src_reg == BPF_PSEUDO_MAP_IDX)
			in->src_reg = BPF_PSEUDO_MAP_FD;
		else if (in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
			in->src_reg = BPF_PSEUDO_MAP_VALUE;
		k++;
	}
	*cnt = n;
	return 0;
}

static void kernel_case(const char *path, const char *tag,
			const struct record *r)
{
	struct ubee_object *obj = NULL;
	struct ubee_insn *insns = NULL;
	struct ubee_log log;
	struct vcase c;
	char reason[512], err[512];
	const char *want = r->kernel[0] ? r->kernel : r->expect;
	size_t cnt = 0;
	int idx, fd;

	t_begin("hostile %s/%s kernel", tag, r->prog);
	memset(&c, 0, sizeof(c));
	if (r->unpriv) {
		t_skip("unprivileged mode: this machine runs bpf() as root only");
		goto out;
	}
	if (r->kskip[0]) {
		t_skip("%s", r->kskip);
		goto out;
	}
	if ((fd = kbpf_map_probe()) < 0) {
		t_skip("bpf() is refused here: %s", strerror(-fd));
		goto out;
	}
	ubee_log_init(&log, ulog, sizeof(ulog));
	if (ubee_object_open_file(path, &obj, &log)) {
		t_fail(__FILE__, __LINE__, "object does not open: %s", ulog);
		goto out;
	}
	idx = ubee_object_find_prog(obj, r->prog);
	if (idx < 0) {
		t_fail(__FILE__, __LINE__, "no program %s in the object", r->prog);
		goto out;
	}
	fd = as_vcase(obj, (size_t)idx, &c, &insns, &cnt, err, sizeof(err));
	if (fd) {
		t_skip("cannot give it to the kernel: %s", err);
		goto out;
	}
	klog[0] = '\0';
	fd = vcase_kernel_load(&c, insns, cnt, klog, sizeof(klog));
	vcase_kernel_reason(klog, reason, sizeof(reason));
	if (verbose)
		printf("    %s/%s kernel (%d): %s\n", tag, r->prog, fd, reason);
	if (fd >= 0) {
		close(fd);
		t_fail(__FILE__, __LINE__, "the kernel accepts it: the corpus is wrong (expected '%s')",
		       want);
	} else if (fd == -ENOTSUP) {
		t_skip("%s", klog);
	} else if (fd == -EPERM && !klog[0]) {
		t_skip("bpf(BPF_PROG_LOAD) is refused here");
	} else if (!vcase_msg_match(klog, want)) {
		t_fail(__FILE__, __LINE__, "the kernel says '%s' (%s), expected '%s'",
		       reason, strerror(-fd), want);
	}
out:
	ubee_object_free(obj);
	free(insns);
	t_end();
}

/* ---- driver -------------------------------------------------------------- */

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL hostile: case timed out (verifier hang?)\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(2);
}

/* Run fn(path, tag, r) in a child with a time limit; a crash fails. */
static int in_child(void (*fn)(const char *, const char *, const struct record *),
		    const char *path, const char *tag, const struct record *r,
		    const char *what)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGALRM, on_alarm);
		alarm(CASE_SECONDS * (t_valgrind() ? T_VALGRIND_SLOWDOWN : 1));
		fn(path, tag, r);
		_exit(t_summary());
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		t_begin("hostile %s/%s %s", tag, r->prog, what);
		t_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
		t_end();
		return 1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) <= 1)
		return WEXITSTATUS(st);
	t_begin("hostile %s/%s %s", tag, r->prog, what);
	t_fail(__FILE__, __LINE__, "crashed or hung (status 0x%x)", st);
	t_end();
	return 1;
}

/*
 * Every program of the object must have a record, every record a program
 * of the record's type.
 */
static void check_records(const char *path, const char *tag,
			  const struct record *rec, size_t n)
{
	struct ubee_object *obj = NULL;
	struct ubee_log log;

	t_begin("hostile %s records", tag);
	ubee_log_init(&log, ulog, sizeof(ulog));
	if (ubee_object_open_file(path, &obj, &log)) {
		t_fail(__FILE__, __LINE__, "object does not open: %s", ulog);
		t_end();
		return;
	}
	for (size_t i = 0; i < ubee_object_prog_count(obj); i++) {
		struct ubee_object_prog_info pi;
		size_t k = 0;

		if (ubee_object_prog(obj, i, &pi))
			continue;
		while (k < n && strcmp(rec[k].prog, pi.name))
			k++;
		T_CHECK(k < n, "program %s has no hostile record", pi.name);
	}
	for (size_t k = 0; k < n; k++) {
		struct ubee_object_prog_info pi;
		int idx = ubee_object_find_prog(obj, rec[k].prog);

		T_CHECK(idx >= 0 && !ubee_object_prog(obj, (size_t)idx, &pi) &&
			!strcmp(pi.prog_type_name, rec[k].type),
			"record %s (line %u): no such program of type %s",
			rec[k].prog, rec[k].line, rec[k].type);
	}
	ubee_object_free(obj);
	t_end();
}

static int run_source(const char *src_dir, const char *file, unsigned *nprogs)
{
	static struct record rec[MAX_RECORDS];
	char path[1024], obj[1024], err[1024], stem[256], tag[300];
	size_t n, len;
	int failed = 0;

	strfmt(path, sizeof(path), "%s/%s", src_dir, file);
	len = strlen(file) - 2; /* ".c" */
	snprintf(stem, sizeof(stem), "%.*s", (int)len, file);
	if (parse_source(path, rec, &n, err, sizeof(err))) {
		t_begin("hostile %s", stem);
		t_fail(__FILE__, __LINE__, "%s", err);
		t_end();
		return 1;
	}
	*nprogs += (unsigned)n;
	for (size_t c = 0; c < sizeof(cpus) / sizeof(cpus[0]); c++) {
		char name[300];

		snprintf(name, sizeof(name), "%s.%s.o", stem, cpus[c]);
		t_bpf_obj(name, obj, sizeof(obj));
		snprintf(tag, sizeof(tag), "%s.%s", stem, cpus[c]);
		if (access(obj, R_OK)) {
			t_begin("hostile %s", tag);
			t_skip("%s is not built (make test builds it)", obj);
			t_end();
			continue;
		}
		if (!only)
			check_records(obj, tag, rec, n);
		for (size_t i = 0; i < n; i++) {
			strfmt(name, sizeof(name), "%s/%s", tag, rec[i].prog);
			if (only && !strstr(name, only))
				continue;
			failed |= in_child(ubee_case, obj, tag, &rec[i], "ubee");
			failed |= in_child(kernel_case, obj, tag, &rec[i], "kernel");
		}
	}
	return failed;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_hostile(const struct dirent *e)
{
	size_t l = strlen(e->d_name);

	return !strncmp(e->d_name, "hostile_", 8) && l > 10 &&
	       !strcmp(e->d_name + l - 2, ".c");
}

int main(void)
{
	const char *root = getenv("UBEE_SRC_DIR");
	const char *vb = getenv("UBEE_HOSTILE_VERBOSE");
	struct dirent **ents = NULL;
	char dir[1024];
	unsigned nprogs = 0;
	int n, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	verbose = vb && *vb == '1';
	only = getenv("UBEE_HOSTILE_ONLY");
	snprintf(dir, sizeof(dir), "%s/tests/bpf", root && *root ? root : ".");
	n = scandir(dir, &ents, is_hostile, by_name);
	if (n <= 0) {
		t_begin("hostile corpus");
		t_fail(__FILE__, __LINE__, "no tests/bpf/hostile_*.c under %s", dir);
		t_end();
		free(ents);
		return t_summary();
	}
	for (int i = 0; i < n; i++) {
		failed |= run_source(dir, ents[i]->d_name, &nprogs);
		free(ents[i]);
	}
	free(ents);
	printf("    %u hostile programs in %d sources, each in 4 objects (-mcpu v1..v4)\n",
	       nprogs, n);
	return t_summary() || failed;
}
