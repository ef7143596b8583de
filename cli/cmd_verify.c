// SPDX-License-Identifier: MIT
/*
 * `ubee verify OBJ|RAW [--program NAME] [--section SEC] [--type TYPE]
 *  [--log-level 0|1|2] [--json]`: prove programs safe without running
 * them, as the kernel's verifier would at BPF_PROG_LOAD, and say per
 * program whether it is accepted, how many instructions the verifier
 * processed, its peak number of stored states and the time taken. A
 * rejection prints the kernel-style log (registers, source lines from the
 * object's line info) ending with the reason; without --log-level the
 * log is level 1 on rejection only, as libbpf retries a failed load.
 *
 * Programs load with UBEE_PROG_VERIFY_ONLY (kernel helpers ubee does not
 * implement verify against their kernel prototypes) and
 * UBEE_PROG_NO_VERIFY, and verify() then runs the verifier itself with
 * this command's log options. Each program of an object is loaded on its
 * own, so that one program failing to load does not hide the others.
 * Exit status: 0 when every program is accepted, 1 otherwise, 2 on usage
 * errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ubee/object.h"
#include "ubee/progtype.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

struct verify_args {
	const char *path, *program, *section, *type;
	int log_level;  /* -1: 1 on rejection only */
	int json;
};

/* What one program's verification gave. */
struct verdict {
	const char *name, *section, *type;
	int loaded, accepted;
	struct ubee_verify_stats st;
	char error[512];
};

/* The verifier's log: streamed to stdout or not, the last line kept. */
struct log_sink {
	int print;
	char last[512];
};

static void sink_line(void *arg, const char *line)
{
	struct log_sink *s = arg;
	size_t n = strlen(line);

	if (s->print)
		fputs(line, stdout);
	while (n && line[n - 1] == '\n')
		n--;
	/* The statistics line the kernel ends its log with is not the why. */
	if (!n || !strncmp(line, "processed ", 10))
		return;
	if (n >= sizeof(s->last))
		n = sizeof(s->last) - 1;
	memcpy(s->last, line, n);
	s->last[n] = '\0';
}

static void usage(void)
{
	fprintf(stderr, "usage: ubee verify OBJ|RAW [--program NAME] [--section SEC] [--type TYPE]\n"
			"                   [--log-level 0|1|2] [--json]\n");
}

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	memset(a, 0, sizeof(*a));
	a->log_level = -1;
	a->json = cli_g.json;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--json") || !strcmp(o, "-j")) {
			a->json = 1;
			continue;
		}
		if (o[0] != '-') {
			if (a->path) {
				cli_err("verify: more than one file ('%s', '%s')",
					a->path, o);
				return -1;
			}
			a->path = o;
			continue;
		}
		if (!v) {
			cli_err("verify: %s needs a value", o);
			return -1;
		}
		if (!strcmp(o, "--program")) {
			a->program = v;
		} else if (!strcmp(o, "--section")) {
			a->section = v;
		} else if (!strcmp(o, "--type")) {
			a->type = v;
		} else if (!strcmp(o, "--log-level")) {
			if (strlen(v) != 1 || v[0] < '0' || v[0] > '2') {
				cli_err("verify: --log-level takes 0, 1 or 2, not '%s'", v);
				return -1;
			}
			a->log_level = v[0] - '0';
		} else {
			cli_err("verify: unknown option '%s'", o);
			return -1;
		}
		i++;
	}
	if (!a->path) {
		cli_err("verify: which file?");
		return -1;
	}
	return 0;
}

/* The type named by --type, or NULL after saying why. */
static const struct ubee_prog_type *find_type(const char *name)
{
	const struct ubee_prog_type *t = ubee_prog_type_by_name(name);

	if (!t) {
		cli_err("verify: program type '%s' is not supported; ubee knows:", name);
		for (size_t i = 0; (t = ubee_prog_type_at(i)); i++)
			fprintf(stderr, "  %s\n", t->name);
		return NULL;
	}
	return t;
}

/*
 * Run the verifier on prog (loaded unverified, so that every program of
 * an object gets its own verdict and a rejected one can be verified again
 * with a fuller log) with the log at level. Returns its result.
 */
static int verify(struct ubee_prog *prog, const struct ubee_object_line *lines,
		  size_t nr_lines, int level, struct ubee_verify_stats *st,
		  struct log_sink *sink)
{
	struct ubee_prog_opts o = { .sz = sizeof(o), .log_level = level,
				    .lines = lines, .nr_lines = nr_lines,
				    .stats = st, .ctx_size = prog->ctx_size };
	struct ubee_log log;
	struct timespec t0, t1;
	int err;

	ubee_log_init(&log, NULL, 0);
	log.print = sink_line;
	log.arg = sink;
	memset(st, 0, sizeof(*st));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ubee_verifier_run(prog, &o, &log);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!st->time_ns)
		st->time_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
			      (uint64_t)(t1.tv_nsec - t0.tv_nsec);
	return err;
}

/* Verify a loaded program and fill v (the log goes to stdout as asked). */
static void verify_loaded(const struct verify_args *a, struct ubee_prog *prog,
			  const struct ubee_object_line *lines, size_t nr_lines,
			  struct verdict *v)
{
	struct log_sink sink = { .print = !a->json && a->log_level > 0 };
	int level = a->log_level < 0 ? 0 : a->log_level;
	int err;

	v->loaded = 1;
	v->type = prog->type->name;
	err = verify(prog, lines, nr_lines, level, &v->st, &sink);
	v->accepted = !err;
	if (err) {
		snprintf(v->error, sizeof(v->error), "%s",
			 sink.last[0] ? sink.last : strerror(-err));
		if (a->log_level < 0 && !a->json && err != -EOPNOTSUPP) {
			/* As libbpf: again, with the path to the error. */
			struct ubee_verify_stats again;
			struct log_sink s1 = { .print = 1 };

			verify(prog, lines, nr_lines, 1, &again, &s1);
		}
	}
}

static void load_failed(struct verdict *v, int err, const struct ubee_log *log)
{
	char line[400];
	const char *p = log->buf, *last = NULL;

	/* The last non-empty line of the load's log says why. */
	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (nl != p)
			last = p;
		p = nl ? nl + 1 : p + strlen(p);
	}
	if (last) {
		size_t n = strcspn(last, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, last);
	} else {
		snprintf(line, sizeof(line), "%s", strerror(-err));
	}
	snprintf(v->error, sizeof(v->error), "cannot load: %s", line);
}

/* Verify program i of the object in bytes, loaded on its own. */
static void verify_obj_prog(const struct verify_args *a,
			    const struct ubee_prog_type *type,
			    const uint8_t *bytes, size_t size, size_t i,
			    struct verdict *v)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo),
		.prog_flags = UBEE_PROG_NO_VERIFY | UBEE_PROG_VERIFY_ONLY };
	struct ubee_object_prog_info info;
	const struct ubee_object_line *lines = NULL;
	struct ubee_object *obj = NULL;
	static char lbuf[16384];
	struct ubee_log log;
	size_t nr_lines = 0;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_open_mem(bytes, size, a->path, &obj, &log);
	if (err)
		goto fail;
	for (size_t k = 0; k < ubee_object_prog_count(obj); k++)
		ubee_object_prog_set_autoload(obj, k, k == i);
	if (type)
		ubee_object_prog_set_type(obj, i, type->id);
	err = ubee_object_load(obj, &lo, &log);
	if (err)
		goto fail;
	ubee_object_prog(obj, i, &info);
	ubee_object_prog_lines(obj, i, &lines, &nr_lines);
	verify_loaded(a, info.prog, lines, nr_lines, v);
	ubee_object_free(obj);
	return;
fail:
	load_failed(v, err, &log);
	ubee_object_free(obj);
}

/* Load raw instructions as one program and verify it. */
static void verify_raw(const struct verify_args *a,
		       const struct ubee_prog_type *type,
		       const struct ubee_insn *insns, size_t cnt,
		       struct verdict *v)
{
	struct ubee_prog_opts po = { .sz = sizeof(po),
		.flags = UBEE_PROG_NO_VERIFY | UBEE_PROG_VERIFY_ONLY,
		.prog_type = type ? type->id : UBEE_PROG_TYPE_MEM };
	struct ubee_prog *prog = NULL;
	char lbuf[4096];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_prog_load(insns, cnt, &po, &prog, &log);
	if (err) {
		load_failed(v, err, &log);
		return;
	}
	verify_loaded(a, prog, NULL, 0, v);
	ubee_prog_free(prog);
}

/*
 * --section naming an executable section that holds no program (".text"):
 * its code as one program, when it needs no relocation.
 */
static void verify_section_code(const struct verify_args *a,
				const struct ubee_prog_type *type,
				const struct ubee_object *obj, struct verdict *v)
{
	const struct ubee_insn *insns = NULL;
	const char *name;
	size_t cnt = 0, s, f;

	for (s = 0; s < ubee_object_section_count(obj); s++)
		if (!ubee_object_section(obj, s, &name, &insns, &cnt) &&
		    !strcmp(name, a->section))
			break;
	for (f = 0; f < ubee_object_func_count(obj); f++) {
		struct ubee_object_func fn;

		if (!ubee_object_func(obj, f, &fn) &&
		    !strcmp(fn.section, a->section) &&
		    ubee_object_func_reloc_count(obj, f)) {
			snprintf(v->error, sizeof(v->error),
				 "cannot load: section '%s' holds no program and its code needs relocations (function '%s')",
				 a->section, fn.name);
			return;
		}
	}
	verify_raw(a, type, insns, cnt, v);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_verdict(const struct verify_args *a, const struct verdict *v,
			  int first)
{
	uint64_t us = (v->st.time_ns + 500) / 1000;

	if (a->json) {
		printf("%s{\"name\":", first ? "" : ",");
		json_str(v->name);
		printf(",\"section\":");
		json_str(v->section);
		printf(",\"type\":");
		json_str(v->type);
		printf(",\"accepted\":%s,\"insns_processed\":%llu,\"peak_states\":%u,\"time_us\":%llu,\"error\":",
		       v->accepted ? "true" : "false",
		       (unsigned long long)v->st.insns_processed, v->st.peak_states,
		       (unsigned long long)us);
		if (v->accepted)
			printf("null");
		else
			json_str(v->error);
		putchar('}');
		return;
	}
	printf("%s (section %s, type %s): %s", v->name, v->section, v->type,
	       v->accepted ? "accepted" : "rejected");
	if (v->loaded)
		printf(", processed %llu insns, peak_states %u, time %llu us",
		       (unsigned long long)v->st.insns_processed,
		       v->st.peak_states, (unsigned long long)us);
	if (!v->accepted)
		printf(": %s", v->error);
	putchar('\n');
}

static int verify_object(const struct verify_args *a,
			 const struct ubee_prog_type *type,
			 const uint8_t *bytes, size_t size, int *all_ok)
{
	struct ubee_object *obj = NULL;
	char lbuf[8192];
	struct ubee_log log;
	size_t n, done = 0;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_open_mem(bytes, size, a->path, &obj, &log);
	if (err) {
		cli_err_log(a->path, err, &log);
		return -1;
	}
	if (a->program && ubee_object_find_prog(obj, a->program) < 0) {
		cli_err("%s: no program named '%s'", a->path, a->program);
		goto fail;
	}
	n = ubee_object_prog_count(obj);
	for (size_t i = 0; i < n; i++) {
		struct ubee_object_prog_info info;
		struct verdict v = { 0 };

		ubee_object_prog(obj, i, &info);
		if ((a->program && strcmp(info.name, a->program)) ||
		    (a->section && strcmp(info.section, a->section)))
			continue;
		v.name = info.name;
		v.section = info.section;
		v.type = type ? type->name : info.prog_type_name;
		verify_obj_prog(a, type, bytes, size, i, &v);
		*all_ok &= v.accepted;
		print_verdict(a, &v, !done++);
	}
	if (!done && a->section && !a->program) {
		struct verdict v = { .name = a->section, .section = a->section,
				     .type = type ? type->name : "mem" };
		const char *name;
		const struct ubee_insn *insns;
		size_t cnt, s;

		for (s = 0; s < ubee_object_section_count(obj); s++)
			if (!ubee_object_section(obj, s, &name, &insns, &cnt) &&
			    !strcmp(name, a->section))
				break;
		if (s == ubee_object_section_count(obj)) {
			cli_err("%s: no executable section '%s'", a->path, a->section);
			goto fail;
		}
		verify_section_code(a, type, obj, &v);
		*all_ok &= v.accepted;
		print_verdict(a, &v, !done++);
	}
	if (!done) {
		cli_err("%s: no program to verify", a->path);
		goto fail;
	}
	ubee_object_free(obj);
	return 0;
fail:
	ubee_object_free(obj);
	return -1;
}

int cmd_verify(int argc, char **argv)
{
	const struct ubee_prog_type *type = NULL;
	struct verify_args a;
	uint8_t *bytes = NULL;
	size_t size = 0;
	int all_ok = 1, ret = 1;

	if (parse_args(argc, argv, &a)) {
		usage();
		return 2;
	}
	if (a.type && !(type = find_type(a.type)))
		return 2;
	if (cli_read_file(a.path, &bytes, &size))
		return 1;
	if (a.json)
		printf("{\"programs\":[");
	if (ubee_is_elf(bytes, size)) {
		if (verify_object(&a, type, bytes, size, &all_ok))
			goto out;
	} else {
		const char *base = strrchr(a.path, '/');
		struct verdict v = { .name = base ? base + 1 : a.path,
				     .section = "", .type = type ? type->name : "mem" };

		if (a.program || a.section) {
			cli_err("%s: --program and --section need an ELF object", a.path);
			goto out;
		}
		if (!size || size % sizeof(struct ubee_insn)) {
			cli_err("%s: raw bytecode must be a non-empty multiple of 8 bytes, got %zu bytes",
				a.path, size);
			goto out;
		}
		verify_raw(&a, type, (const struct ubee_insn *)bytes,
			   size / sizeof(struct ubee_insn), &v);
		all_ok = v.accepted;
		print_verdict(&a, &v, 1);
	}
	ret = all_ok ? 0 : 1;
out:
	if (a.json)
		printf("]}\n");
	free(bytes);
	return ret;
}
