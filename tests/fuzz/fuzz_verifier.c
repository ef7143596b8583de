// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the verifier's soundness. Raw bytecode is loaded as a
 * plain-memory program (UBEE_PROG_TYPE_MEM) recording facts and verified;
 * every program the verifier accepts runs in oracle mode
 * (UBEE_RUN_ORACLE: checked, and every register checked against what
 * the verifier proved before each instruction) on a few contexts.
 *
 * Input layout:
 *
 *   byte 0     bits 0-5: ctx_size / 4 (the bytes r1 points to, 0..252);
 *              bit 6: switch dispatch
 *   bytes 1-7  seed of the contexts' contents
 *   then       instructions, 8 bytes each (a trailing partial one is
 *              dropped)
 *
 * Properties: no crash, leak or undefined behaviour; an accepted program
 * never violates a fact and never faults in checked mode (any run error
 * but the instruction budget is a verifier bug); a rejection is a
 * negative errno with a log line.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "ubee/ubee.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#define FV_HDR 8
#define FV_RUNS 3
#define FV_MAX_INSNS 4096

static uint64_t fv_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fuzz_verifier_one(const uint8_t *data, size_t size)
{
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_insn insns[FV_MAX_INSNS];
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_prog *prog = NULL;
	uint8_t ctx[256] __attribute__((aligned(8)));
	struct ubee_log log;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t cnt, ctx_size;
	int err, run;

	if (size < FV_HDR + sizeof(struct ubee_insn))
		return;
	ctx_size = (size_t)(data[0] & 0x3f) * 4;
	for (int i = 1; i < FV_HDR; i++)
		seed = seed * 131 + data[i];
	cnt = (size - FV_HDR) / sizeof(struct ubee_insn);
	if (cnt > FV_MAX_INSNS)
		cnt = FV_MAX_INSNS;
	memcpy(insns, data + FV_HDR, cnt * sizeof(struct ubee_insn));

	po.prog_type = UBEE_PROG_TYPE_MEM;
	po.ctx_size = (uint32_t)ctx_size;
	po.helpers = fuzz_helpers();
	po.flags = UBEE_PROG_NO_VERIFY | UBEE_PROG_RECORD_FACTS;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	if (ubee_prog_load(insns, cnt, &po, &prog, &log))
		return;
	po.flags = 0;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_verifier_run(prog, &po, &log);
	if (err) {
		if (err > 0 || !logbuf[0])
			FUZZ_FAIL("verifier returned %d with log '%s'", err, logbuf);
		goto out;
	}
	if (!prog->facts)
		FUZZ_FAIL("accepted without recorded facts");
	for (run = 0; run < FV_RUNS; run++) {
		struct ubee_run_opts ro = { .sz = sizeof(ro) };
		uint64_t r0;

		for (size_t i = 0; i < sizeof(ctx); i += 8) {
			uint64_t v = fv_next(&seed);

			/* small values half the time: they pass more checks */
			if (v & 1)
				v = (v >> 1) % 64;
			memcpy(ctx + i, &v, 8);
		}
		ro.ctx = ctx;
		ro.ctx_size = ctx_size;
		ro.engine = UBEE_ENGINE_INTERP;
		ro.flags = UBEE_RUN_ORACLE | (data[0] & 0x40 ? UBEE_RUN_SWITCH : 0);
		ro.insn_budget = FUZZ_INSN_BUDGET;
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		err = ubee_prog_run(prog, &ro, &r0, &log);
		if (err && err != -ETIME)
			FUZZ_FAIL("verified program failed its oracle run: %d: %s",
				  err, logbuf);
	}
out:
	ubee_prog_free(prog);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet();
	fuzz_verifier_one(data, size);
	return 0;
}
#endif
