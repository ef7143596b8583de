// SPDX-License-Identifier: MIT
/*
 * Fuzz target: raw bytecode through validation, loading (and the
 * verifier, once ubee_prog_load runs one) and the checked interpreter.
 *
 * Input layout (the committed seeds follow it, see docs/FUZZING.md):
 *
 *   byte 0     program type: index into ubee_prog_type_at(), modulo
 *   byte 1     bit 0: switch dispatch for the test run; bit 1: load with
 *              UBEE_PROG_NO_VERIFY
 *   byte 2     size of the run's input buffer (0..FUZZ_DATA_MAX-1)
 *   bytes 3-7  seed of the buffer's contents
 *   then       instructions, 8 bytes each (a trailing partial one is
 *              dropped)
 *
 * Properties checked besides "no crash, leak or undefined behaviour":
 *  - a structurally valid program disassembles and assembles back to the
 *    same bytes (asm.h's promise);
 *  - every failure of ubee_prog_load and of a run is a negative errno
 *    with a log line;
 *  - a program without helper calls or maps gives the same r0, error,
 *    instruction count and context bytes under both dispatch modes (run
 *    directly on one static buffer: addresses are the same in both);
 *  - a program the verifier accepted never faults in checked mode.
 *
 * Helpers are the built-in ones but for the two that signal the process
 * (fuzz_helpers()).
 *
 * Maps for pseudo lddw (source 1 and 5: map imm; 2 and 6: map imm's
 * value + imm2, single-entry arrays only) are made fresh for every input:
 * 0 an array, 1 a hash, 2 a queue, 3 a ring buffer, 4 a prog array
 * holding the program itself (tail calls), 5 a single-entry array (global
 * data), so map helpers are reached from raw code.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "isa/isa.h"
#include "maps/maps.h"
#include "util/util.h"
#include "ubee/asm.h"
#include "ubee/map.h"
#include "ubee/progtype.h"
#include "ubee/ubee.h"
#include "vm/vm.h"

#define BC_HDR 8
#define BC_NR_MAPS 6
#define BC_PROG_ARRAY 4

struct bc_maps {
	struct ubee_map *m[BC_NR_MAPS];
};

static const struct ubee_map_spec bc_specs[BC_NR_MAPS] = {
	{ .sz = sizeof(struct ubee_map_spec), .name = "arr",
	  .type = UBEE_MAP_ARRAY, .key_size = 4, .value_size = 16,
	  .max_entries = 4 },
	{ .sz = sizeof(struct ubee_map_spec), .name = "hash",
	  .type = UBEE_MAP_HASH, .key_size = 4, .value_size = 8,
	  .max_entries = 8 },
	{ .sz = sizeof(struct ubee_map_spec), .name = "queue",
	  .type = UBEE_MAP_QUEUE, .value_size = 8, .max_entries = 4 },
	{ .sz = sizeof(struct ubee_map_spec), .name = "rb",
	  .type = UBEE_MAP_RINGBUF, .max_entries = 4096 },
	{ .sz = sizeof(struct ubee_map_spec), .name = "progs",
	  .type = UBEE_MAP_PROG_ARRAY, .key_size = 4, .value_size = 4,
	  .max_entries = 2 },
	{ .sz = sizeof(struct ubee_map_spec), .name = ".data",
	  .type = UBEE_MAP_ARRAY, .key_size = 4, .value_size = 16,
	  .max_entries = 1 },
};

static int bc_resolve(void *arg, uint32_t insn_idx, int src, int32_t imm,
		      int32_t imm2, uint64_t *value, struct ubee_log *log)
{
	struct bc_maps *maps = arg;
	const uint32_t zero = 0;
	struct ubee_map *m;
	uint8_t *base;

	if ((src != 1 && src != 2 && src != 5 && src != 6) || imm < 0 ||
	    imm >= BC_NR_MAPS) {
		ubee_logf(log, "%u: no map for source %d, imm %d", insn_idx, src, imm);
		return -EINVAL;
	}
	m = maps->m[imm];
	if (src == 1 || src == 5) {
		*value = (uint64_t)(uintptr_t)m;
		return 0;
	}
	/* Direct value access: single-entry arrays only, as the kernel. */
	if (ubee_map_type(m) != UBEE_MAP_ARRAY || ubee_map_max_entries(m) != 1 ||
	    imm2 < 0 ||
	    (uint32_t)imm2 >= ubee_map_value_size(m)) {
		ubee_logf(log, "%u: no value address in map %d at %d", insn_idx,
			  imm, imm2);
		return -EINVAL;
	}
	base = m->ops->lookup(m, &zero);
	*value = (uint64_t)(uintptr_t)(base + imm2);
	return 0;
}

static int bc_maps_new(struct bc_maps *maps)
{
	memset(maps, 0, sizeof(*maps));
	for (size_t i = 0; i < BC_NR_MAPS; i++) {
		maps->m[i] = ubee_map_new(&bc_specs[i], NULL);
		if (!maps->m[i])
			return -1;
	}
	return 0;
}

static void bc_maps_free(struct bc_maps *maps)
{
	for (size_t i = 0; i < BC_NR_MAPS; i++)
		ubee_map_put(maps->m[i]);
}

/* 1 when the program calls helpers or uses maps (runs may then differ). */
static int bc_has_state(const struct ubee_insn *insns, size_t cnt)
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

/*
 * One checked test run of prog on data[len] (as ctx for types that take
 * a context, as packet/memory otherwise), as `ubee run` does.
 */
static void bc_test_run(const struct ubee_prog *prog, const uint8_t *data,
			size_t len, uint32_t flags)
{
	const struct ubee_prog_type *type = ubee_prog_get_type(prog);
	struct ubee_test_run t = { .sz = sizeof(t) };
	uint8_t out[FUZZ_DATA_MAX + 64];
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	int err;

	t.flags = UBEE_RUN_CHECKED | flags;
	t.insn_budget = FUZZ_INSN_BUDGET;
	t.data_out = out;
	t.data_size_out = sizeof(out);
	if (type->id == UBEE_PROG_TYPE_MEM || type->id == UBEE_PROG_TYPE_XDP ||
	    type->id == UBEE_PROG_TYPE_SOCKET_FILTER ||
	    type->id == UBEE_PROG_TYPE_SCHED_CLS ||
	    type->id == UBEE_PROG_TYPE_SCHED_ACT) {
		t.data_in = data;
		t.data_size_in = len;
	} else {
		t.ctx_in = data;
		t.ctx_size_in = len < type->ctx_size ? len : type->ctx_size;
	}
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_prog_test_run(prog, &t, &log);
	if (err > 0 || (err && !logbuf[0]))
		FUZZ_FAIL("test run returned %d with log '%s'", err, logbuf);
	if (err == -EFAULT && prog->verified)
		FUZZ_FAIL("a verified program faulted in checked mode: %s", logbuf);
}

struct bc_result {
	int err;
	uint64_t retval;
	uint64_t count;
	uint8_t ctx[FUZZ_DATA_MAX];
};

/*
 * The context of the direct runs: one static buffer, so that both runs
 * see the same addresses (the stack too is at the same place: both runs
 * come through the same calls), whatever the program does with them.
 */
static uint8_t bc_ctx[FUZZ_DATA_MAX];

/* One checked ubee_prog_run on bc_ctx = data[len]; results into *r. */
static void bc_direct(const struct ubee_prog *prog, const uint8_t *data,
		      size_t len, uint32_t flags, struct bc_result *r)
{
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;

	memcpy(bc_ctx, data, len);
	ro.ctx = bc_ctx;
	ro.ctx_size = len;
	ro.flags = UBEE_RUN_CHECKED | flags;
	ro.insn_budget = FUZZ_INSN_BUDGET;
	ro.insn_count = &r->count;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	r->retval = 0;
	r->err = ubee_prog_run(prog, &ro, &r->retval, &log);
	memcpy(r->ctx, bc_ctx, len);
	if (r->err > 0 || (r->err && !logbuf[0]))
		FUZZ_FAIL("run returned %d with log '%s'", r->err, logbuf);
}

/* Both dispatch modes on the same input must agree on everything. */
static void bc_compare(const struct ubee_prog *prog, const uint8_t *data,
		       size_t len)
{
	static struct bc_result a, b;

	bc_direct(prog, data, len, 0, &a);
	bc_direct(prog, data, len, UBEE_RUN_SWITCH, &b);
	if (a.err != b.err || a.retval != b.retval || a.count != b.count ||
	    memcmp(a.ctx, b.ctx, len))
		FUZZ_FAIL("dispatch modes disagree: err %d/%d, r0 0x%llx/0x%llx, %llu/%llu insns, ctx %s",
			  a.err, b.err, (unsigned long long)a.retval,
			  (unsigned long long)b.retval, (unsigned long long)a.count,
			  (unsigned long long)b.count,
			  memcmp(a.ctx, b.ctx, len) ? "differs" : "same");
}

static void fuzz_bytecode_one(const uint8_t *data, size_t size)
{
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	const struct ubee_prog_type *type;
	struct ubee_insn *insns = NULL;
	struct ubee_prog *prog = NULL;
	char logbuf[FUZZ_LOG_SIZE];
	uint8_t buf[FUZZ_DATA_MAX];
	struct bc_maps maps;
	struct ubee_log log;
	size_t cnt, len, ntypes;
	uint32_t seed, flags;
	int err, valid;

	if (size < BC_HDR)
		return;
	for (ntypes = 0; ubee_prog_type_at(ntypes); ntypes++)
		;
	type = ubee_prog_type_at(data[0] % ntypes);
	flags = data[1] & 1 ? UBEE_RUN_SWITCH : 0;
	len = data[2];
	memcpy(&seed, data + 3, sizeof(seed));
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u + data[7];
		buf[i] = (uint8_t)(seed >> 16);
	}
	cnt = (size - BC_HDR) / sizeof(*insns);
	/* A copy: instructions must be aligned, the fuzzer's bytes are not. */
	insns = malloc(cnt ? cnt * sizeof(*insns) : 1);
	if (!insns)
		return;
	memcpy(insns, data + BC_HDR, cnt * sizeof(*insns));

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_isa_validate(insns, cnt, NULL, &log);
	valid = !err;
	if (err && (err != -EINVAL && err != -E2BIG))
		FUZZ_FAIL("ubee_isa_validate returned %d", err);
	if (err && !logbuf[0])
		FUZZ_FAIL("ubee_isa_validate failed without a log line");
	if (valid && !fuzz_roundtrip(insns, cnt))
		FUZZ_FAIL("a valid program does not disassemble");

	if (bc_maps_new(&maps))
		goto out_maps;
	po.prog_type = type->id;
	po.helpers = fuzz_helpers();
	po.flags = data[1] & 2 ? UBEE_PROG_NO_VERIFY : 0;
	po.resolve_ldimm64 = bc_resolve;
	po.resolve_arg = &maps;
	po.maps = maps.m;
	po.nr_maps = BC_NR_MAPS;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_prog_load(insns, cnt, &po, &prog, &log);
	if (err) {
		if (err > 0 || !logbuf[0])
			FUZZ_FAIL("ubee_prog_load returned %d with log '%s'", err,
				  logbuf);
		goto out_maps;
	}
	if (!valid)
		FUZZ_FAIL("ubee_prog_load took a program ubee_isa_validate refused");

	/* The program may tail-call itself through slot 0. */
	ubee_map_set_ptr(maps.m[BC_PROG_ARRAY], &(uint32_t){ 0 }, prog);
	bc_test_run(prog, buf, len, flags);
	if (!bc_has_state(insns, cnt))
		bc_compare(prog, buf, len);
	ubee_map_set_ptr(maps.m[BC_PROG_ARRAY], &(uint32_t){ 0 }, NULL);
out_maps:
	ubee_prog_free(prog);
	bc_maps_free(&maps);
	free(insns);
}

#ifndef UBEE_FUZZ_NO_ENTRY
/*
 * ASan's detection of stack use after return (on by default with clang
 * 15 and later) moves every frame to a heap "fake stack" at a new address
 * per call: the eBPF stack too, so r10 would differ between the two runs
 * bc_compare() makes. This target keeps frames on the real stack.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_stack_use_after_return=0";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet();
	fuzz_bytecode_one(data, size);
	return 0;
}
#endif
