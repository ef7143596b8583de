// SPDX-License-Identifier: MIT
/*
 * `ubee prog ...`: pinned programs (src/pin/prog_file.h) in bpftool's
 * words and output shapes:
 *
 *   prog load OBJ PINPATH [--program NAME] [pinmaps DIR]
 *       load (and so verify) one program of OBJ with its maps, pin each
 *       map it uses (kept where LIBBPF_PIN_BY_NAME already pinned it,
 *       else DIR/<name>, DIR defaulting to the pin directory), then pin
 *       the program file at PINPATH
 *   prog show [PINPATH]        every pinned program, or one, with its run
 *                              count and run time (shared counters)
 *   prog dump xlated PINPATH [linum] [opcodes]
 *   prog dump jited PINPATH [opcodes]
 *                              the JIT's x86-64 code under the eBPF
 *                              instruction each block comes from
 *   prog run PINPATH --data FILE [--ctx FILE] [--data-out FILE] [--repeat N]
 *   prog unpin PINPATH
 *
 * Exit status 2 for usage errors, 1 for failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "jited.h"
#include "parse.h"
#include "pin/pin.h"
#include "pin/prog_file.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/pin.h"
#include "ubee/progtype.h"
#include "util/util.h"
#include "vm/vm.h"
#include "xlated.h"

struct prog_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct prog_cmd *c);
	const char *usage;
};

static int usage_err(const struct prog_cmd *c, const char *msg)
{
	cli_err("prog %s: %s (usage: ubee prog %s)", c->name, msg, c->usage);
	return 2;
}

static const char *type_name(uint32_t t)
{
	const struct ubee_prog_type *pt = ubee_prog_type_find(t);

	return pt ? pt->name : "unknown";
}

static int open_prog(const char *path, struct ubee_prog_file **pf)
{
	char lbuf[2048];
	struct ubee_log log;
	int err;

	if (ubee_pin_type(path) == UBEE_PIN_MAP) {
		cli_err("%s: a pinned map, not a program", path);
		return 1;
	}
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_prog_file_open(path, pf, &log);
	if (err) {
		cli_err_log(path, err, &log);
		return 1;
	}
	return 0;
}

/* ---- load ---------------------------------------------------------------- */

/* A map's pin file name: its name with '.' as '_' (libbpf's rule). */
static void pin_name(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s", name && *name ? name : "map");
	for (char *p = out; *p; p++)
		if (*p == '.' || *p == '/')
			*p = '_';
}

/*
 * The pin name of an object's map: its name, global data as libbpf
 * names it ("<object>.bss", the object's name cut to fit 15 bytes), with
 * '.' as '_' (globals_bss).
 */
static void map_pin_name(const char *obj_path, const char *map, char *out,
			 size_t size)
{
	const char *base = strrchr(obj_path, '/') ? strrchr(obj_path, '/') + 1 : obj_path;
	size_t blen = strcspn(base, "."), room;
	char full[64];

	if (map[0] == '.') {
		room = (size_t)UBEE_PROG_NAME_MAX - strlen(map);
		snprintf(full, sizeof(full), "%.*s%s",
			 (int)(blen < room ? blen : room), base, map);
	} else {
		snprintf(full, sizeof(full), "%s", map);
	}
	pin_name(full, out, size);
}

static int do_load(int argc, char **argv, const struct prog_cmd *c)
{
	const char *obj_path = NULL, *pinpath = NULL, *program = NULL, *mapdir = NULL;
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_object_prog_info pi;
	struct ubee_prog_file_spec spec;
	struct ubee_object *obj = NULL;
	const struct ubee_insn *insns;
	char lbuf[16384], dir[PATH_MAX];
	char **paths = NULL;
	void *raw = NULL;
	size_t cnt, nmaps, raw_size = 0;
	struct ubee_log log;
	int ret = 1, err, idx = -1;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--program") || !strcmp(argv[i], "pinmaps")) {
			if (i + 1 >= argc)
				return usage_err(c, "missing value after --program/pinmaps");
			const char **dst = argv[i][0] == '-' ? &program : &mapdir;

			*dst = argv[i + 1];
			i++;
		} else if (argv[i][0] == '-') {
			cli_err("prog load: unknown option '%s' (usage: ubee prog %s)",
				argv[i], c->usage);
			return 2;
		} else if (!obj_path) {
			obj_path = argv[i];
		} else if (!pinpath) {
			pinpath = argv[i];
		} else {
			cli_err("prog load: unexpected argument '%s' (usage: ubee prog %s)",
				argv[i], c->usage);
			return 2;
		}
	}
	if (!pinpath)
		return usage_err(c, obj_path ? "missing PINPATH" : "missing OBJ and PINPATH");
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (ubee_pin_type(pinpath) != -ENOENT) {
		cli_err("%s: already exists (unpin it first)", pinpath);
		return 1;
	}
	err = ubee_object_open_file(obj_path, &obj, &log);
	if (err) {
		cli_err_log(obj_path, err, &log);
		goto out;
	}
	if (program) {
		idx = ubee_object_find_prog(obj, program);
		if (idx < 0) {
			cli_err("%s: no program named '%s'", obj_path, program);
			goto out;
		}
	} else if (ubee_object_prog_count(obj)) {
		idx = 0;
	} else {
		cli_err("%s: the object has no programs", obj_path);
		goto out;
	}
	for (size_t i = 0; i < ubee_object_prog_count(obj); i++)
		ubee_object_prog_set_autoload(obj, i, (int)i == idx);
	log.len = 0;
	lbuf[0] = 0;
	err = ubee_object_load(obj, &lo, &log);
	if (err) {
		cli_err_log(obj_path, err, &log);
		goto out;
	}
	if (mapdir) {
		/* relative to the pin directory, like every PINPATH */
		if ((err = ubee_pin_resolve(mapdir, dir, sizeof(dir), &log))) {
			cli_err_log(mapdir, err, &log);
			goto out;
		}
		if (mkdir(dir, 0755) && errno != EEXIST) {
			cli_err("pinmaps %s: %s", dir, strerror(errno));
			goto out;
		}
	} else if ((err = ubee_pin_dir(dir, sizeof(dir), &log))) {
		cli_err_log("pin directory", err, &log);
		goto out;
	}
	ubee_object_prog(obj, (size_t)idx, &pi);
	ubee_object_prog_insns(obj, (size_t)idx, &insns, &cnt);
	nmaps = ubee_object_map_count(obj);
	paths = calloc(nmaps + 1, sizeof(*paths));
	if (!paths)
		goto out;
	/* Without BTF (none, or no memory) the maps dump as hex. */
	ubee_pin_btf_raw(ubee_object_btf(obj), &raw, &raw_size);
	/* Pin the maps the program names (lddw map index / index value). */
	for (size_t i = 0; i < cnt; i++) {
		struct ubee_object_map_info mi;
		char name[64], path[PATH_MAX];
		const char *pinned;
		int m = insns[i].imm;

		if (insns[i].code != 0x18 || (insns[i].src_reg != 5 && insns[i].src_reg != 6) ||
		    m < 0 || (size_t)m >= nmaps || paths[m] ||
		    ubee_object_map(obj, (size_t)m, &mi) || !mi.map)
			continue;
		pinned = ubee_map_pin_path(mi.map);
		if (!pinned && raw && ubee_map_btf(mi.map, &(const struct ubee_btf *){ NULL },
						   NULL, NULL) == -ENOENT)
			/* for `map dump` to pretty-print (failure: hex dumps) */
			ubee_map_set_btf(mi.map, raw, raw_size, mi.btf_key_type_id,
					 mi.btf_value_type_id);
		if (!pinned) {
			map_pin_name(obj_path, mi.name, name, sizeof(name));
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
			    sizeof(path)) {
				cli_err("%s/%s: path too long", dir, name);
				goto out;
			}
			log.len = 0;
			lbuf[0] = 0;
			err = ubee_map_pin(mi.map, path, &log);
			if (err) {
				cli_err_log(path, err, &log);
				if (err == -EEXIST)
					cli_err("prog load: map '%s' is pinned there already; give pinmaps DIR to pin this object's maps elsewhere",
						mi.name);
				goto out;
			}
			pinned = ubee_map_pin_path(mi.map);
		}
		paths[m] = strdup(pinned ? pinned : path);
		if (!paths[m])
			goto out;
	}
	memset(&spec, 0, sizeof(spec));
	spec.name = pi.name;
	spec.prog_type = pi.prog_type;
	spec.expected_attach_type = pi.expected_attach_type;
	spec.license = ubee_object_license(obj);
	spec.insns = insns;
	spec.nr_insns = cnt;
	spec.map_paths = (const char *const *)paths;
	spec.nr_maps = nmaps;
	spec.btf = raw;
	spec.btf_size = raw_size;
	ubee_object_prog_lines(obj, (size_t)idx, &spec.lines, &spec.nr_lines);
	if (raw)
		ubee_object_prog_func_info(obj, (size_t)idx, &spec.funcs, &spec.nr_funcs);
	log.len = 0;
	lbuf[0] = 0;
	err = ubee_prog_file_pin(pinpath, &spec, &log);
	if (err) {
		cli_err_log(pinpath, err, &log);
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; paths && i < ubee_object_map_count(obj); i++)
		free(paths[i]);
	free(paths);
	ubee_free(raw);
	ubee_object_free(obj);
	return ret;
}

/* ---- show ---------------------------------------------------------------- */

/* The ids of the maps the program uses (opened by path), into ids[max]. */
static size_t map_ids(const struct ubee_prog_file *pf, uint32_t *ids, size_t max)
{
	const struct ubee_prog_file_info *in = ubee_prog_file_info(pf);
	size_t n = 0;

	for (size_t i = 0; i < in->nr_maps && n < max; i++) {
		const char *p = ubee_prog_file_map_path(pf, i);
		struct ubee_map *m;
		struct ubee_log log = { 0 };

		if (p && !ubee_map_open_pinned(p, &m, &log)) {
			ids[n++] = ubee_map_id(m);
			ubee_map_put(m);
		}
	}
	return n;
}

static void show_one(const struct ubee_prog_file *pf, int *first)
{
	const struct ubee_prog_file_info *in = ubee_prog_file_info(pf);
	uint64_t cnt, ns;
	uint32_t ids[64];
	size_t nids = map_ids(pf, ids, 64);
	char when[64] = "";
	time_t t = (time_t)in->load_time;
	struct tm tm;

	ubee_prog_file_stats(pf, &cnt, &ns);
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S+0000", &tm);
	if (cli_g.json) {
		const char *nl = cli_g.pretty ? "\n    " : "";
		const char *sp = cli_g.pretty ? " " : "";

		printf("%s{%s\"id\":%s%u,%s\"type\":%s\"%s\",%s\"name\":%s\"%s\",%s\"tag\":%s\"",
		       *first ? "" : ",", nl, sp, in->id, nl, sp, type_name(in->prog_type),
		       nl, sp, in->name, nl, sp);
		for (int i = 0; i < 8; i++)
			printf("%02x", in->tag[i]);
		printf("\",%s\"gpl_compatible\":%s%s,", nl, sp,
		       in->gpl_compatible ? "true" : "false");
		if (cnt)
			printf("%s\"run_time_ns\":%s%" PRIu64 ",%s\"run_cnt\":%s%" PRIu64 ",",
			       nl, sp, ns, nl, sp, cnt);
		printf("%s\"loaded_at\":%s%" PRIu64 ",%s\"uid\":%s%u,%s\"bytes_xlated\":%s%zu,"
		       "%s\"jited\":%sfalse,%s\"insns\":%s%zu,%s\"map_ids\":%s[",
		       nl, sp, in->load_time, nl, sp, in->uid, nl, sp, in->nr_insns * 8,
		       nl, sp, nl, sp, in->nr_insns, nl, sp);
		for (size_t i = 0; i < nids; i++)
			printf("%s%u", i ? "," : "", ids[i]);
		printf("],%s\"pinned\":%s[\"%s\"]%s}", nl, sp, in->path,
		       cli_g.pretty ? "\n" : "");
	} else {
		printf("%u: %s  name %s  tag ", in->id, type_name(in->prog_type), in->name);
		for (int i = 0; i < 8; i++)
			printf("%02x", in->tag[i]);
		printf("%s", in->gpl_compatible ? "  gpl" : "");
		if (cnt)
			printf(" run_time_ns %" PRIu64 " run_cnt %" PRIu64, ns, cnt);
		printf("\n\tloaded_at %s  uid %u\n", when, in->uid);
		printf("\txlated %zuB  insns %zu  not jited", in->nr_insns * 8, in->nr_insns);
		if (nids) {
			printf("  map_ids ");
			for (size_t i = 0; i < nids; i++)
				printf("%s%u", i ? "," : "", ids[i]);
		}
		printf("\n\tpinned %s\n", in->path);
	}
	*first = 0;
}

/* A cli_pin_show_fn: the program pinned at path, when it opens. */
static void show_path(const char *path, int *first)
{
	struct ubee_log log = { 0 };
	struct ubee_prog_file *pf;

	if (!ubee_prog_file_open(path, &pf, &log)) {
		show_one(pf, first);
		ubee_prog_file_close(pf);
	}
}

static int do_show(int argc, char **argv, const struct prog_cmd *c)
{
	struct ubee_prog_file *pf;
	int first = 1;

	if (argc > 1)
		return usage_err(c, "too many arguments");
	if (argc == 0)
		return cli_pin_show_all(UBEE_PIN_PROG, show_path);
	if (open_prog(argv[0], &pf))
		return 1;
	show_one(pf, &first);
	if (cli_g.json && !cli_g.pretty)
		putchar('\n');
	ubee_prog_file_close(pf);
	return 0;
}

/* ---- dump xlated --------------------------------------------------------- */

struct names {
	const struct ubee_prog_file *pf;
	struct ubee_helpers *helpers;
};

static const char *helper_name(void *arg, int32_t id)
{
	struct names *n = arg;
	const struct ubee_helper *h = n->helpers ? ubee_helpers_find(n->helpers, id) : NULL;

	return h ? h->name : NULL;
}

static void map_name(void *arg, int32_t idx, char *buf, size_t size)
{
	struct names *n = arg;
	const char *p = idx >= 0 ? ubee_prog_file_map_path(n->pf, (size_t)idx) : NULL;
	struct ubee_log log = { 0 };
	struct ubee_map *m;

	if (p && !ubee_map_open_pinned(p, &m, &log)) {
		snprintf(buf, size, "map[id:%u]", ubee_map_id(m));
		ubee_map_put(m);
	} else {
		snprintf(buf, size, "map[idx:%d]", idx);
	}
}

/* A type as C spells it in a prototype ("struct __sk_buff *"). */
static void c_type(const struct ubee_btf *b, uint32_t id, char *out, size_t size,
		   int depth)
{
	/* Truncation is fine: a long name ends cut in a listing. */
	struct ubee_btf_type t;
	char inner[128];

	if (depth > 16 || ubee_btf_type(b, id, &t)) {
		snprintf(out, size, "?");
		return;
	}
	switch (t.kind) {
	case UBEE_BTF_KIND_VOID:
		snprintf(out, size, "void");
		break;
	case UBEE_BTF_KIND_PTR:
		c_type(b, t.type, inner, sizeof(inner), depth + 1);
		snprintf(out, size, "%s *", inner);
		break;
	case UBEE_BTF_KIND_CONST:
	case UBEE_BTF_KIND_VOLATILE:
		c_type(b, t.type, inner, sizeof(inner), depth + 1);
		snprintf(out, size, "%s %s", t.kind == UBEE_BTF_KIND_CONST ?
			 "const" : "volatile", inner);
		break;
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
	case UBEE_BTF_KIND_ENUM:
		snprintf(out, size, "%s %s", t.kind == UBEE_BTF_KIND_STRUCT ? "struct" :
			 t.kind == UBEE_BTF_KIND_UNION ? "union" : "enum", t.name);
		break;
	default:
		snprintf(out, size, "%s", t.name);
	}
}

/* bpftool's function line: "int count_ethertype(struct __sk_buff * skb):". */
static void func_line(const struct ubee_btf *b, uint32_t func, char *out, size_t size)
{
	struct ubee_btf_type f, proto;
	char ret[256], ty[256];
	size_t len;

	if (ubee_btf_type(b, func, &f) || ubee_btf_type(b, f.type, &proto)) {
		snprintf(out, size, "?");
		return;
	}
	c_type(b, proto.type, ret, sizeof(ret), 0);
	len = (size_t)snprintf(out, size, "%s %s(", ret, f.name);
	for (uint32_t i = 0; i < proto.vlen && len < size; i++) {
		struct ubee_btf_param p;

		ubee_btf_param(b, f.type, i, &p);
		c_type(b, p.type, ty, sizeof(ty), 0);
		len += (size_t)snprintf(out + len, size - len, "%s%s %s", i ? ", " : "",
					ty, p.name);
	}
	if (len < size)
		snprintf(out + len, size - len, ")");
}

/* ---- dump jited ---------------------------------------------------------- */

/*
 * Load the pinned program as `prog run` does (its maps opened, verified
 * as it was pinned), compile it with the JIT and print the code as
 * `disasm --jited` does (jited.h); opcodes adds the bytes. Text only.
 */
static int dump_jited(int argc, char **argv, const struct prog_cmd *c)
{
	const struct ubee_prog_file_info *in;
	struct ubee_prog_file *pf = NULL;
	struct ubee_prog *prog = NULL;
	struct ubee_log log;
	char lbuf[8192];
	int opcodes = 0, ret = 1, err;

	if (argc < 2)
		return usage_err(c, "missing PINPATH");
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "opcodes")) {
			cli_err("prog dump: unexpected argument '%s' (usage: ubee prog %s)",
				argv[i], c->usage);
			return 2;
		}
		opcodes = 1;
	}
	if (cli_g.json)
		return usage_err(c, "jited dumps are text only (no -j)");
	if (open_prog(argv[1], &pf))
		return 1;
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_prog_file_load(pf, NULL, 0, &prog, &log);
	if (err) {
		cli_err_log(argv[1], err, &log);
		goto out;
	}
	in = ubee_prog_file_info(pf);
	printf("%s:\n", in->name);
	if (cli_print_jited(argv[1], prog, in->insns, in->nr_insns, NULL, opcodes))
		goto out;
	if (fflush(stdout)) {
		cli_err("prog dump: cannot write the output");
		goto out;
	}
	ret = 0;
out:
	ubee_prog_free(prog);
	ubee_prog_file_close(pf);
	return ret;
}

static int do_dump(int argc, char **argv, const struct prog_cmd *c)
{
	struct ubee_prog_file *pf;
	const struct ubee_prog_file_info *in;
	const struct ubee_btf *btf;
	struct names names;
	struct cli_xlated_ops ops;
	int linum = 0, opcodes = 0, first = 1;
	size_t li = 0, fi = 0;

	if (argc >= 1 && !strcmp(argv[0], "jited"))
		return dump_jited(argc, argv, c);
	if (argc < 1 || strcmp(argv[0], "xlated"))
		return usage_err(c, argc ? "dumps are 'xlated' or 'jited'" :
				 "missing 'xlated' or 'jited'");
	if (argc < 2)
		return usage_err(c, "missing PINPATH");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "linum"))
			linum = 1;
		else if (!strcmp(argv[i], "opcodes"))
			opcodes = 1;
		else {
			cli_err("prog dump: unexpected argument '%s' (usage: ubee prog %s)",
				argv[i], c->usage);
			return 2;
		}
	}
	if (open_prog(argv[1], &pf))
		return 1;
	in = ubee_prog_file_info(pf);
	btf = ubee_prog_file_btf(pf);
	names = (struct names){ pf, ubee_helpers_new() };
	ops = (struct cli_xlated_ops){ &names, helper_name, map_name };
	if (cli_g.json)
		printf("[");
	for (size_t i = 0; i < in->nr_insns; i++) {
		char text[256], fl[512] = "", src[1024] = "";

		if (i && in->insns[i - 1].code == 0x18)
			continue; /* second slot of an lddw */
		while (fi < in->nr_funcs && in->funcs[fi].insn < i)
			fi++;
		if (btf && fi < in->nr_funcs && in->funcs[fi].insn == i)
			func_line(btf, in->funcs[fi].type_id, fl, sizeof(fl));
		while (li < in->nr_lines && in->lines[li].insn < i)
			li++;
		if (li < in->nr_lines && in->lines[li].insn == i && in->lines[li].line[0]) {
			const struct ubee_object_line *l = &in->lines[li];
			const char *code = l->line + strspn(l->line, " \t");

			if (linum && !cli_g.json)
				snprintf(src, sizeof(src), "%s [file:%s line_num:%u line_col:%u]",
					 code, l->file, l->line_num, l->col);
			else
				snprintf(src, sizeof(src), "%s", code);
		}
		cli_xlated_insn(text, sizeof(text), in->insns, in->nr_insns, i, &ops);
		if (cli_g.json) {
			struct ubee_btf_writer w;
			char buf[4096];

			ubee_btf_w_init(&w, buf, sizeof(buf), 0);
			ubee_btf_w_begin(&w, '{');
			if (fl[0]) {
				ubee_btf_w_name(&w, "proto");
				ubee_btf_w_string(&w, fl);
			}
			if (src[0]) {
				ubee_btf_w_name(&w, "src");
				ubee_btf_w_string(&w, src);
			}
			ubee_btf_w_name(&w, "disasm");
			ubee_btf_w_string(&w, text);
			ubee_btf_w_end(&w, '}');
			printf("%s%s", first ? "" : ",", buf);
			first = 0;
			continue;
		}
		if (fl[0])
			printf("%s:\n", fl);
		if (src[0])
			printf("; %s\n", src);
		printf("%4zu: %s\n", i, text);
		if (opcodes) {
			const uint8_t *b = (const uint8_t *)&in->insns[i];
			int n = in->insns[i].code == 0x18 && i + 1 < in->nr_insns ? 16 : 8;

			printf("      ");
			for (int k = 0; k < n; k++)
				printf(" %02x", b[k]);
			printf("\n");
		}
	}
	if (cli_g.json)
		printf("]\n");
	ubee_helpers_free(names.helpers);
	ubee_prog_file_close(pf);
	return 0;
}

/* ---- run ----------------------------------------------------------------- */

static int do_run(int argc, char **argv, const struct prog_cmd *c)
{
	const char *path = NULL, *data_f = NULL, *ctx_f = NULL, *out_f = NULL;
	struct ubee_test_run t = { .sz = sizeof(t) };
	struct ubee_prog_file *pf = NULL;
	struct ubee_prog *prog = NULL;
	uint8_t *data = NULL, *ctx = NULL, *out = NULL;
	size_t data_len = 0, ctx_len = 0;
	uint64_t repeat = 1;
	char lbuf[8192];
	struct ubee_log log;
	int ret = 1, err;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];
		/* bpftool's words (data_in, ctx_in, data_out, repeat) too */
		int takes = !strcmp(o, "--data") || !strcmp(o, "data_in") ||
			    !strcmp(o, "--ctx") || !strcmp(o, "ctx_in") ||
			    !strcmp(o, "--data-out") || !strcmp(o, "data_out") ||
			    !strcmp(o, "--repeat") || !strcmp(o, "repeat");

		if (takes && i + 1 >= argc) {
			cli_err("prog run: %s needs a value (usage: ubee prog %s)", o, c->usage);
			return 2;
		}
		if (!takes && o[0] == '-') {
			cli_err("prog run: unknown option '%s' (usage: ubee prog %s)", o, c->usage);
			return 2;
		}
		if (!takes) {
			if (path) {
				cli_err("prog run: unexpected argument '%s' (usage: ubee prog %s)",
					o, c->usage);
				return 2;
			}
			path = o;
			continue;
		}
		i++;
		if (strstr(o, "data_in") || !strcmp(o, "--data"))
			data_f = argv[i];
		else if (strstr(o, "ctx"))
			ctx_f = argv[i];
		else if (strstr(o, "out"))
			out_f = argv[i];
		else if (cli_parse_num(argv[i], UINT32_MAX, &repeat) || !repeat) {
			cli_err("prog run: repeat: '%s' is not a number from 1 to %u (usage: ubee prog %s)",
				argv[i], UINT32_MAX, c->usage);
			return 2;
		}
	}
	if (!path)
		return usage_err(c, "missing PINPATH");
	if ((data_f && cli_read_file(data_f, &data, &data_len)) ||
	    (ctx_f && cli_read_file(ctx_f, &ctx, &ctx_len)))
		goto out;
	if (open_prog(path, &pf))
		goto out;
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_prog_file_load(pf, NULL, 0, &prog, &log);
	if (err) {
		cli_err_log(path, err, &log);
		goto out;
	}
	t.data_in = data;
	t.data_size_in = data_len;
	t.ctx_in = ctx;
	t.ctx_size_in = ctx_len;
	t.repeat = (uint32_t)repeat;
	t.flags = prog->verified ? 0 : UBEE_RUN_CHECKED;
	t.data_size_out = data_len + 8192;
	t.data_out = out = malloc(t.data_size_out);
	if (!out)
		goto out;
	log.len = 0;
	lbuf[0] = 0;
	err = ubee_prog_test_run(prog, &t, &log);
	if (err) {
		cli_err_log(path, err, &log);
		goto out;
	}
	if (out_f && cli_write_file(out_f, out, t.data_size_out))
		goto out;
	if (cli_g.json)
		printf("{\"retval\":%" PRIu64 ",\"duration\":%" PRIu64 "}\n",
		       (uint64_t)t.retval, (uint64_t)t.duration_ns);
	else
		printf("Return value: %" PRIu64 ", duration%s: %" PRIu64 "ns\n",
		       (uint64_t)t.retval, repeat > 1 ? " (average)" : "",
		       (uint64_t)t.duration_ns);
	ret = 0;
out:
	ubee_prog_free(prog);
	ubee_prog_file_close(pf);
	free(data);
	free(ctx);
	free(out);
	return ret;
}

/* ---- unpin --------------------------------------------------------------- */

static int do_unpin(int argc, char **argv, const struct prog_cmd *c)
{
	if (argc != 1)
		return usage_err(c, argc ? "too many arguments" : "missing PINPATH");
	return cli_pin_unlink(argv[0], UBEE_PIN_PROG, "program");
}

static const struct prog_cmd prog_cmds[] = {
	{ "load", do_load, "load OBJ PINPATH [--program NAME] [pinmaps DIR]" },
	{ "show", do_show, "show [PINPATH]" },
	{ "list", do_show, "list [PINPATH]" },
	{ "dump", do_dump, "dump { xlated PINPATH [linum] [opcodes] | jited PINPATH [opcodes] }" },
	{ "run", do_run, "run PINPATH --data FILE [--ctx FILE] [--data-out FILE] [--repeat N]" },
	{ "unpin", do_unpin, "unpin PINPATH" },
};

int cmd_prog(int argc, char **argv)
{
	if (argc < 2) {
		cli_err("prog: missing command (usage: ubee prog { load | show | dump | run | unpin } ...)");
		return 2;
	}
	for (size_t i = 0; i < sizeof(prog_cmds) / sizeof(prog_cmds[0]); i++)
		if (!strcmp(argv[1], prog_cmds[i].name))
			return prog_cmds[i].fn(argc - 2, argv + 2, &prog_cmds[i]);
	cli_err("prog: unknown command '%s' (usage: ubee prog { load | show | dump | run | unpin } ...)",
		argv[1]);
	return 2;
}
