// SPDX-License-Identifier: MIT
/*
 * `ubee run PROG [--data FILE] [--ctx FILE] [--data-out FILE] [--repeat N]
 *               [--engine interp|jit] [--no-verify] [--json] [--program NAME]`
 *
 * Runs a program once or N times, like BPF_PROG_TEST_RUN. PROG is an ELF
 * object or raw bytecode. Raw programs see plain memory: r1 points to a
 * private copy of the --data bytes (NULL without --data) and r2 holds its
 * length. With --ctx, r1/r2 describe a private copy of the ctx bytes
 * instead and the data becomes the packet (LD_ABS/LD_IND) and a region the
 * program may access. Every repeat starts from the original bytes; the
 * bytes after the last run go to --data-out.
 *
 * Until the verifier exists every run is checked (bounds and budget);
 * --no-verify will skip the verifier and keep the checked mode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct run_args {
	const char *prog, *data, *ctx, *data_out, *program;
	uint64_t repeat;
	enum ubee_engine engine;
	int no_verify, json;
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
		else if (!strcmp(o, "--repeat")) {
			if (!v || cli_parse_u64(v, &a->repeat) || !a->repeat) {
				cli_err("run: --repeat needs a positive number, got '%s'",
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
			else if (!strcmp(o, "--json") || !strcmp(o, "-j")) a->json = 1;
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
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct ubee_insn *insns = NULL;
	struct ubee_prog *prog = NULL;
	uint8_t *data = NULL, *ctx = NULL, *data_run = NULL, *ctx_run = NULL;
	size_t cnt, data_len = 0, ctx_len = 0;
	char lbuf[8192];
	struct ubee_log log;
	struct ubee_prog_opts popts = { .sz = sizeof(popts) };
	struct ubee_run_opts ropts = { .sz = sizeof(ropts) };
	struct ubee_region region;
	uint64_t retval = 0, total_ns = 0;
	int ret = 1, err;

	if (parse_args(argc, argv, &a))
		return 2;
	if (a.engine == UBEE_ENGINE_JIT && !ubee_engine_available(UBEE_ENGINE_JIT)) {
		cli_err("run: the JIT engine is not built yet; use --engine interp");
		return 1;
	}
	if (cli_load_insns(a.prog, a.program, &insns, &cnt))
		return 1;
	if ((a.data && cli_read_file(a.data, &data, &data_len)) ||
	    (a.ctx && cli_read_file(a.ctx, &ctx, &ctx_len)))
		goto out;
	/* Private copies, so every repeat starts from the original bytes. */
	if ((data && !(data_run = malloc(data_len ? data_len : 1))) ||
	    (ctx && !(ctx_run = malloc(ctx_len ? ctx_len : 1)))) {
		cli_err("run: out of memory");
		goto out;
	}

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	popts.name = a.program;
	popts.flags = a.no_verify ? UBEE_PROG_NO_VERIFY : 0;
	err = ubee_prog_load(insns, cnt, &popts, &prog, &log);
	if (err) {
		cli_err_log(a.prog, err, &log);
		goto out;
	}

	ropts.engine = a.engine;
	/* No verifier yet: nothing runs unchecked from the command line. */
	ropts.flags = UBEE_RUN_CHECKED;
	if (ctx) {
		ropts.ctx = ctx_run;
		ropts.ctx_size = ctx_len;
		region = (struct ubee_region){ data_run, data_len, 1 };
		ropts.regions = data ? &region : NULL;
		ropts.nr_regions = data ? 1 : 0;
	} else {
		ropts.ctx = data_run;
		ropts.ctx_size = data_len;
	}
	ropts.pkt = data_run;
	ropts.pkt_size = data_len;

	for (uint64_t i = 0; i < a.repeat; i++) {
		uint64_t t0;

		if (data)
			memcpy(data_run, data, data_len);
		if (ctx)
			memcpy(ctx_run, ctx, ctx_len);
		log.len = 0;
		t0 = now_ns();
		err = ubee_prog_run(prog, &ropts, &retval, &log);
		total_ns += now_ns() - t0;
		if (err) {
			cli_err_log(a.prog, err, &log);
			goto out;
		}
	}
	if (a.data_out && cli_write_file(a.data_out, data_run ? data_run : (uint8_t *)"",
					 data ? data_len : 0))
		goto out;

	if (a.json)
		printf("{\"retval\":%llu,\"duration_ns\":%llu,\"repeat\":%llu,"
		       "\"engine\":\"%s\",\"checked\":true}\n",
		       (unsigned long long)retval,
		       (unsigned long long)(total_ns / a.repeat),
		       (unsigned long long)a.repeat,
		       ubee_engine_name(a.engine == UBEE_ENGINE_DEFAULT ?
					UBEE_ENGINE_INTERP : a.engine));
	else
		printf("retval: 0x%llx (%llu)\nduration (average): %lluns over %llu run%s\n",
		       (unsigned long long)retval, (unsigned long long)retval,
		       (unsigned long long)(total_ns / a.repeat),
		       (unsigned long long)a.repeat, a.repeat == 1 ? "" : "s");
	ret = 0;
out:
	ubee_prog_free(prog);
	free(insns);
	free(data);
	free(ctx);
	free(data_run);
	free(ctx_run);
	return ret;
}
