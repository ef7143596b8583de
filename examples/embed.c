// SPDX-License-Identifier: MIT
/*
 * Embedding ubee: load bytecode, add a helper of your own, run it with a
 * context and read r0. Uses only the public API (include/ubee/).
 *
 *   cc embed.c $(pkg-config --cflags --libs ubee) -o embed
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ubee/ubee.h"

/* Our helper: scale a value by the factor in the run's context. */
#define HELPER_SCALE 10000

struct my_ctx {
	uint64_t factor;
	uint64_t input;
};

static uint64_t helper_scale(uint64_t x, uint64_t r2, uint64_t r3, uint64_t r4,
			     uint64_t r5)
{
	const struct my_ctx *c = ubee_run_ctx(ubee_run_current());

	(void)r2, (void)r3, (void)r4, (void)r5;
	return x * c->factor;
}

int main(void)
{
	/* r0 = scale(ctx->input) + 1, written out by hand as instructions. */
	static const struct ubee_insn prog[] = {
		{ .code = 0x79, .dst_reg = 1, .src_reg = 1, .off = 8 }, /* r1 = *(u64 *)(r1 + 8) */
		{ .code = 0x85, .imm = HELPER_SCALE },                  /* call scale */
		{ .code = 0x07, .dst_reg = 0, .imm = 1 },               /* r0 += 1 */
		{ .code = 0x95 },                                       /* exit */
	};
	static const struct ubee_helper scale = {
		.id = HELPER_SCALE, .name = "scale", .fn = helper_scale,
		.ret = UBEE_RET_INTEGER, .args = { UBEE_ARG_ANYTHING },
	};
	struct ubee_helpers *helpers = NULL;
	struct ubee_prog *p = NULL;
	struct my_ctx ctx = { .factor = 6, .input = 7 };
	char buf[1024];
	struct ubee_log log;
	uint64_t r0 = 0;
	int err;

	ubee_log_init(&log, buf, sizeof(buf));
	helpers = ubee_helpers_new();
	if (!helpers) {
		fprintf(stderr, "embed: %s\n", strerror(errno));
		return 1;
	}
	err = ubee_helpers_add(helpers, &scale);
	if (!err) {
		/* Verified for a context of sizeof(struct my_ctx) bytes. */
		struct ubee_prog_opts o = { .sz = sizeof(o), .name = "scale_demo",
					    .helpers = helpers,
					    .ctx_size = sizeof(struct my_ctx) };

		err = ubee_prog_load(prog, 4, &o, &p, &log);
	}
	if (!err) {
		/* Verified: runs unchecked, on the JIT where there is one. */
		struct ubee_run_opts r = { .sz = sizeof(r), .ctx = &ctx,
					   .ctx_size = sizeof(ctx) };

		err = ubee_prog_run(p, &r, &r0, &log);
	}
	if (err)
		fprintf(stderr, "embed: error %d (%s)\n%s", err, strerror(-err), buf);
	else
		printf("scale(%llu) * %llu + 1 = %llu\n",
		       (unsigned long long)ctx.input,
		       (unsigned long long)ctx.factor, (unsigned long long)r0);
	ubee_prog_free(p);
	ubee_helpers_free(helpers);
	return err ? 1 : 0;
}
