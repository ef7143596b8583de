// SPDX-License-Identifier: MIT
/*
 * `ubee run PROG [--program NAME | --section SEC] [--data FILE] [--ctx FILE]
 *               [--data-out FILE] [--repeat N] [--engine interp|jit]
 *               [--harden] [--no-verify] [--json] [--dump-maps]
 *               [--max-memory BYTES]`
 *
 * Runs a program like BPF_PROG_TEST_RUN (ubee_prog_test_run has the
 * semantics per program type). PROG is an ELF object, loaded with its maps
 * and global data, whose program is chosen by name or section (default:
 * the first one), or raw bytecode, which runs as a plain-memory program:
 * r1 = a private copy of the --data bytes (NULL without), r2 = its length.
 *
 * The program is verified when it loads (a plain-memory program may
 * access the --data bytes r1 points to); a rejected one fails with the
 * verifier's reason. Verified programs run unchecked, on the JIT unless
 * --engine interp. --no-verify skips the verifier: the run is then
 * checked (bounds and budget) on the interpreter. --harden asks the JIT
 * for constant blinding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubee/object.h"
#include "ubee/progtype.h"

struct run_args {
	const char *prog, *data, *ctx, *data_out, *program, *section;
	uint64_t repeat, max_memory;
	enum ubee_engine engine;
	int no_verify, json, dump_maps, harden;
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	memset(a, 0, sizeof(*a));
	a->repeat = 1;
	a->engine = UBEE_ENGINE_DEFAULT;
	a->json = cli_g.json;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;

		if (!strcmp(o, "--data")) a->data = v;
		else if (!strcmp(o, "--ctx")) a->ctx = v;
		else if (!strcmp(o, "--data-out")) a->data_out = v;
		else if (!strcmp(o, "--program")) a->program = v;
		else if (!strcmp(o, "--section")) a->section = v;
		else if (!strcmp(o, "--repeat")) {
			if (!v || cli_parse_u64(v, &a->repeat) || !a->repeat ||
			    a->repeat > UINT32_MAX) {
				cli_err("run: --repeat needs a number from 1 to %u, got '%s'",
					UINT32_MAX, v ? v : "");
				return -1;
			}
		} else if (!strcmp(o, "--max-memory")) {
			if (!v || cli_parse_u64(v, &a->max_memory) || !a->max_memory) {
				cli_err("run: --max-memory needs a positive number of bytes, got '%s'",
					v ? v : "");
				return -1;
			}
		} else if (!strcmp(o, "--engine")) {
			if (v && !strcmp(v, "interp")) a->engine = UBEE_ENGINE_INTERP;
			else if (v && !strcmp(v, "jit")) a->engine = UBEE_ENGINE_JIT;
			else {
				cli_err("run: --engine is interp or jit, got '%s'", v ? v : "");
				return -1;
			}
		} else {
			takes = 0;
			if (!strcmp(o, "--no-verify")) a->no_verify = 1;
			else if (!strcmp(o, "--harden")) a->harden = 1;
			else if (!strcmp(o, "--json") || !strcmp(o, "-j")) a->json = 1;
			else if (!strcmp(o, "--dump-maps")) a->dump_maps = 1;
			else if (o[0] == '-' && o[1]) {
				cli_err("run: unknown option '%s'", o);
				return -1;
			} else if (!a->prog) a->prog = o;
			else {
				cli_err("run: unexpected argument '%s'", o);
				return -1;
			}
		}
		if (takes) {
			if (!v) {
				cli_err("run: %s needs a value", o);
				return -1;
			}
			i++;
		}
	}
	if (!a->prog) {
		cli_err("run: no program given (usage: ubee run PROG [--data FILE] ...)");
		return -1;
	}
	if (a->program && a->section) {
		cli_err("run: give --program or --section, not both");
		return -1;
	}
	return 0;
}

/* The program to run: by name, by section, or the first one. */
static int pick_prog(struct ubee_object *obj, const struct run_args *a)
{
	struct ubee_object_prog_info info;
	size_t n = ubee_object_prog_count(obj);

	if (a->program) {
		int i = ubee_object_find_prog(obj, a->program);

		if (i < 0)
			cli_err("%s: no program named '%s'", a->prog, a->program);
		return i;
	}
	for (size_t i = 0; i < n; i++)
		if (!ubee_object_prog(obj, i, &info) &&
		    (a->section ? !strcmp(info.section, a->section) : 1))
			return (int)i;
	if (a->section)
		cli_err("%s: no program in section '%s'", a->prog, a->section);
	else
		cli_err("%s: the object has no programs", a->prog);
	return -ENOENT;
}

/* Open and load the object; *prog gets the chosen program. */
static int load_object(const struct run_args *a, const uint8_t *bytes,
		       size_t size, size_t data_len, struct ubee_object **obj,
		       const struct ubee_prog **prog, struct ubee_log *log)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_object_prog_info info;
	int err, i;

	err = ubee_object_open_mem(bytes, size, a->prog, obj, log);
	if (err) {
		cli_err_log(a->prog, err, log);
		return -1;
	}
	i = pick_prog(*obj, a);
	if (i < 0)
		return -1;
	ubee_object_prog_set_autoload(*obj, (size_t)i, 1);
	lo.max_memory = a->max_memory;
	lo.mem_ctx_size = (uint32_t)data_len;
	lo.prog_flags = (a->no_verify ? UBEE_PROG_NO_VERIFY : 0) |
			(a->harden ? UBEE_PROG_HARDEN : 0);
	log->len = 0;
	err = ubee_object_load(*obj, &lo, log);
	if (err) {
		cli_err_log(a->prog, err, log);
		return -1;
	}
	ubee_object_prog(*obj, (size_t)i, &info);
	*prog = info.prog;
	return 0;
}

static void print_hex_json(const uint8_t *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('"');
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct ubee_object *obj = NULL;
	struct ubee_prog *raw_prog = NULL;
	const struct ubee_prog *prog;
	struct ubee_insn *insns = NULL;
	uint8_t *bytes = NULL, *data = NULL, *ctx = NULL, *out = NULL;
	size_t size, cnt, data_len = 0, ctx_len = 0;
	char lbuf[8192];
	struct ubee_log log;
	struct ubee_test_run t = { .sz = sizeof(t) };
	const struct ubee_prog_type *type;
	int ret = 1, err;

	if (parse_args(argc, argv, &a))
		return 2;
	if ((a.data && cli_read_file(a.data, &data, &data_len)) ||
	    (a.ctx && cli_read_file(a.ctx, &ctx, &ctx_len)) ||
	    cli_read_file(a.prog, &bytes, &size))
		goto out;
	ubee_log_init(&log, lbuf, sizeof(lbuf));

	if (ubee_is_elf(bytes, size)) {
		if (load_object(&a, bytes, size, data_len, &obj, &prog, &log))
			goto out;
	} else {
		struct ubee_prog_opts po = { .sz = sizeof(po),
					     .ctx_size = (uint32_t)data_len };

		if (a.program || a.section || a.dump_maps) {
			cli_err("%s: --program, --section and --dump-maps need an ELF object",
				a.prog);
			goto out;
		}
		if (size == 0 || size % sizeof(struct ubee_insn)) {
			cli_err("%s: raw bytecode must be a non-empty multiple of 8 bytes, got %zu bytes",
				a.prog, size);
			goto out;
		}
		insns = (struct ubee_insn *)bytes;
		cnt = size / sizeof(*insns);
		po.flags = (a.no_verify ? UBEE_PROG_NO_VERIFY : 0) |
			   (a.harden ? UBEE_PROG_HARDEN : 0);
		err = ubee_prog_load(insns, cnt, &po, &raw_prog, &log);
		if (err) {
			cli_err_log(a.prog, err, &log);
			goto out;
		}
		prog = raw_prog;
	}

	type = ubee_prog_get_type(prog);
	t.data_in = data;
	t.data_size_in = data_len;
	t.ctx_in = ctx;
	t.ctx_size_in = ctx_len;
	t.repeat = (uint32_t)a.repeat;
	t.engine = a.engine;
	/* Verified programs run unchecked; --no-verify ones checked. */
	t.flags = 0;
	/* Room for the packet to grow (adjust_tail) by a page and more. */
	t.data_size_out = data_len + 8192;
	t.data_out = out = malloc(t.data_size_out);
	if (!out) {
		cli_err("run: out of memory");
		goto out;
	}
	log.len = 0;
	err = ubee_prog_test_run(prog, &t, &log);
	if (err) {
		cli_err_log(a.prog, err, &log);
		goto out;
	}
	if (a.data_out && cli_write_file(a.data_out, out, t.data_size_out))
		goto out;

	if (a.json) {
		printf("{\"retval\":%llu,\"duration_ns\":%llu,\"repeat\":%llu,"
		       "\"engine\":\"%s\",\"checked\":%s,\"program\":\"%s\","
		       "\"type\":\"%s\"",
		       (unsigned long long)t.retval,
		       (unsigned long long)t.duration_ns,
		       (unsigned long long)a.repeat,
		       ubee_engine_name(a.engine != UBEE_ENGINE_DEFAULT ? a.engine :
					ubee_prog_verified(prog) ? UBEE_ENGINE_DEFAULT :
					UBEE_ENGINE_INTERP),
		       ubee_prog_verified(prog) ? "false" : "true",
		       ubee_prog_name(prog), type->name);
		if (data) {
			printf(",\"data_out\":");
			print_hex_json(out, t.data_size_out);
		}
		if (a.dump_maps)
			cli_object_dump_maps(obj, 1);
		printf("}\n");
	} else {
		printf("retval: 0x%llx (%llu)\nduration (average): %lluns over %llu run%s\n",
		       (unsigned long long)t.retval, (unsigned long long)t.retval,
		       (unsigned long long)t.duration_ns,
		       (unsigned long long)a.repeat, a.repeat == 1 ? "" : "s");
		if (a.dump_maps && cli_object_dump_maps(obj, 0))
			goto out;
	}
	ret = 0;
out:
	ubee_prog_free(raw_prog);
	ubee_object_free(obj);
	free(bytes);
	free(data);
	free(ctx);
	free(out);
	return ret;
}
