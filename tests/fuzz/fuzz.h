/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets share. Each target (fuzz_<name>.c) puts its work
 * in one static function, fuzz_<name>_one(data, size), and ends with the
 * libFuzzer entry point unless UBEE_FUZZ_NO_ENTRY is defined: then
 * tests/unit/test_regress.c includes the target's source and feeds saved
 * inputs (tests/regress/<name>/, tests/fuzz/corpus/<name>/) through
 * exactly the same function, without libFuzzer.
 *
 * A target reports a broken property (a round trip that changed bytes,
 * two runs that disagree) with FUZZ_FAIL: under libFuzzer that aborts, so
 * the input is saved as a crash; under the test runner it fails the case.
 * Crashes, leaks and undefined behaviour are the sanitizers' to find.
 */
#ifndef UBEE_FUZZ_H
#define UBEE_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubee/asm.h"
#include "ubee/progtype.h"

/* Bounds on the work one input may cause (checked runs, loops in targets). */
#define FUZZ_INSN_BUDGET 20000u  /* instructions per checked run */
#define FUZZ_DATA_MAX 256u       /* bytes of the input buffer of a run */
#define FUZZ_LOG_SIZE 4096u      /* each call's log buffer */
#define FUZZ_MAX_TYPES 4096u     /* BTF types queried per input */
#define FUZZ_MAX_VLEN 256u       /* members/params/... queried per type */
#define FUZZ_DUMP_MAX 4096u      /* bytes of a value the BTF printer reads */

#define FUZZ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifdef UBEE_FUZZ_NO_ENTRY
#include "test.h"

__attribute__((format(printf, 3, 4))) static void
fuzz_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_fail(file, line, "%s", msg);
}
#else
__attribute__((format(printf, 3, 4), noreturn)) static void
fuzz_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
#endif

#define FUZZ_FAIL(...) fuzz_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* bpf_trace_printk lines go nowhere: fuzzing must not flood stderr. */
static inline void fuzz_trace_sink(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)line;
	(void)len;
}

static inline void fuzz_quiet(void)
{
	ubee_trace_set_sink(fuzz_trace_sink, NULL);
}

static inline uint64_t fuzz_no_signal(uint64_t r1, uint64_t r2, uint64_t r3,
				      uint64_t r4, uint64_t r5)
{
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	return 0;
}

/*
 * The built-in helpers, but bpf_send_signal and bpf_send_signal_thread
 * (kernel ids 109 and 117) do nothing: they signal this very process, as
 * the kernel's signal the current task, and a program could kill or stop
 * the fuzzer. Made once, never freed.
 */
static inline const struct ubee_helpers *fuzz_helpers(void)
{
	static struct ubee_helpers *reg;
	static const int32_t ids[] = { 109, 117 };

	if (reg)
		return reg;
	reg = ubee_helpers_new();
	for (size_t i = 0; reg && i < FUZZ_ARRAY_SIZE(ids); i++) {
		struct ubee_helper h = *ubee_helpers_find(reg, ids[i]);

		h.fn = fuzz_no_signal;
		ubee_helpers_add(reg, &h);
	}
	return reg;
}

/* Longest line the disassembler writes, with room to spare. */
#define FUZZ_LINE_MAX 192

/*
 * The round trip asm.h promises: disassemble insns[cnt] (one "idx: text"
 * line each, as `ubee disasm` prints), assemble the text and compare.
 * Returns 1 when the bytes came back, 0 when an instruction does not
 * disassemble (the caller decides whether that is allowed) and FUZZ_FAIL
 * otherwise. Memory: about FUZZ_LINE_MAX bytes per slot.
 */
static inline int fuzz_roundtrip(const struct ubee_insn *insns, size_t cnt)
{
	size_t cap = cnt * FUZZ_LINE_MAX + 1, len = 0, out_cnt = 0, i;
	char *text = malloc(cap), line[FUZZ_LINE_MAX], logbuf[FUZZ_LOG_SIZE];
	struct ubee_insn *out = NULL;
	struct ubee_log log;
	int err, ret = 0;

	if (!text)
		return 0;
	text[0] = '\0';
	for (i = 0; i < cnt;) {
		int w = ubee_disasm_insn(insns, cnt, i, NULL, line, sizeof(line));

		if (w <= 0)
			goto out;
		len += (size_t)snprintf(text + len, cap - len, "%zu: %s\n", i, line);
		i += (size_t)w;
	}
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_asm(text, &out, &out_cnt, &log);
	if (err) {
		FUZZ_FAIL("the disassembly of %zu slots does not assemble (%d): %s",
			  cnt, err, logbuf);
		goto out;
	}
	for (i = 0; i < cnt && i < out_cnt; i++)
		if (memcmp(&insns[i], &out[i], sizeof(insns[i])))
			break;
	if (i < cnt || out_cnt != cnt) {
		FUZZ_FAIL("round trip: %zu slots in, %zu out, first difference at slot %zu",
			  cnt, out_cnt, i);
		goto out;
	}
	ret = 1;
out:
	ubee_insns_free(out);
	free(text);
	return ret;
}

#endif /* UBEE_FUZZ_H */
