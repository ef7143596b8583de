// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the JIT against the interpreter. The input has the layout
 * of fuzz_bytecode's (8-byte header, then instructions), so the two
 * targets share seeds; of the header only byte 1 bit 2 (load with
 * UBEE_PROG_HARDEN: the JIT blinds constants), byte 2 (the size of the
 * context buffer) and bytes 3-7 (its contents' seed) are used.
 *
 * Only programs that are safe to run without checks may reach the JIT,
 * and ubee has no verifier yet. This target makes its own proof, for one
 * input at a time: the program runs first in the checked interpreter; if
 * that run ends cleanly (no fault, within the budget), the program is
 * deterministic on this input (it calls no helpers and uses no maps: such
 * programs are skipped), so an unchecked run on the same input takes the
 * same path through the same addresses and is safe too. It then runs
 * unchecked (UBEE_RUN_TRUSTED) in the interpreter and in the JIT, each
 * on the same static context buffer and a stack that starts zeroed as in
 * checked mode (see jit_paint_stack), and the two must agree on the
 * error, r0 and every byte of the context. The checked run's r0 must
 * agree too (a check on the harness itself).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "isa/isa.h"
#include "ubee/ubee.h"

#define JIT_HDR 8

struct jit_result {
	int err;
	uint64_t retval;
	uint8_t ctx[FUZZ_DATA_MAX];
};

/* The context of every run: one static buffer, one address. */
static uint8_t jit_ctx[FUZZ_DATA_MAX];

/*
 * Zero the stack below the caller. A checked run zeroes the eBPF stack
 * (an array in ubee_vm_run's frame) before it starts; an unchecked run
 * does not, and a program that reads a slot it never wrote would see
 * whatever an earlier call left there. Zeroing the memory that array
 * will occupy makes the unchecked runs see what the checked one saw.
 */
__attribute__((noinline)) static void jit_paint_stack(void)
{
	uint8_t pad[64 << 10];

	memset(pad, 0, sizeof(pad));
	/* The stores are the point: keep the compiler from dropping them. */
	__asm__ volatile("" : : "r"(pad) : "memory");
}

/* 1 when the program calls helpers or uses maps. */
static int jit_has_state(const struct ubee_insn *insns, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		int op = ubee_isa_lookup(&insns[i]);

		if (op < 0)
			continue;
		if (op == UBEE_OP_CALL || op == UBEE_OP_CALL_KFUNC ||
		    ((ubee_isa_ops[op].flags & UBEE_F_LDDW) && op != UBEE_OP_LDDW &&
		     op != UBEE_OP_LDDW_FUNC))
			return 1;
		if (ubee_isa_ops[op].flags & UBEE_F_LDDW)
			i++;
	}
	return 0;
}

/* One run on jit_ctx = data[len]; results into *r. */
static void jit_run(const struct ubee_prog *prog, const uint8_t *data,
		    size_t len, enum ubee_engine engine, uint32_t flags,
		    struct jit_result *r)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;

	memcpy(jit_ctx, data, len);
	ro.ctx = jit_ctx;
	ro.ctx_size = len;
	ro.engine = engine;
	ro.flags = flags;
	ro.insn_budget = FUZZ_INSN_BUDGET;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	r->retval = 0;
	jit_paint_stack();
	r->err = ubee_prog_run(prog, &ro, &r->retval, &log);
	memcpy(r->ctx, jit_ctx, len);
	if (r->err > 0 || (r->err && !logbuf[0]))
		FUZZ_FAIL("%s run returned %d with log '%s'",
			  ubee_engine_name(engine), r->err, logbuf);
}

static void fuzz_jit_one(const uint8_t *data, size_t size)
{
	static struct jit_result chk, interp, jit;
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_insn *insns = NULL;
	struct ubee_prog *prog = NULL;
	uint8_t buf[FUZZ_DATA_MAX];
	size_t cnt, len;
	uint32_t seed;

	if (size < JIT_HDR || !ubee_engine_available(UBEE_ENGINE_JIT))
		return;
	len = data[2];
	memcpy(&seed, data + 3, sizeof(seed));
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u + data[7];
		buf[i] = (uint8_t)(seed >> 16);
	}
	cnt = (size - JIT_HDR) / sizeof(*insns);
	insns = malloc(cnt ? cnt * sizeof(*insns) : 1);
	if (!insns)
		return;
	memcpy(insns, data + JIT_HDR, cnt * sizeof(*insns));
	/* The checked run below is the proof, not the verifier. */
	po.flags = UBEE_PROG_NO_VERIFY | (data[1] & 4 ? UBEE_PROG_HARDEN : 0);
	if (jit_has_state(insns, cnt) ||
	    ubee_prog_load(insns, cnt, &po, &prog, NULL))
		goto out;

	jit_run(prog, buf, len, UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED, &chk);
	if (chk.err)
		goto out;
	jit_run(prog, buf, len, UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED, &interp);
	if (interp.err || interp.retval != chk.retval ||
	    memcmp(interp.ctx, chk.ctx, len)) {
		FUZZ_FAIL("checked and unchecked interpreter disagree: err %d, r0 0x%llx/0x%llx",
			  interp.err, (unsigned long long)chk.retval,
			  (unsigned long long)interp.retval);
		goto out;
	}
	jit_run(prog, buf, len, UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED, &jit);
	if (jit.err != interp.err || jit.retval != interp.retval ||
	    memcmp(jit.ctx, interp.ctx, len))
		FUZZ_FAIL("JIT and interpreter disagree: err %d/%d, r0 0x%llx/0x%llx, context %s",
			  jit.err, interp.err, (unsigned long long)jit.retval,
			  (unsigned long long)interp.retval,
			  memcmp(jit.ctx, interp.ctx, len) ? "differs" : "same");
out:
	ubee_prog_free(prog);
	free(insns);
}

#ifndef UBEE_FUZZ_NO_ENTRY
/* As in fuzz_bytecode: keep frames, the eBPF stack among them, in place. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_stack_use_after_return=0";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_jit_one(data, size);
	return 0;
}
#endif
