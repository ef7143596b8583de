// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the assembler on arbitrary text. The input is the text
 * (a NUL is appended; an embedded NUL ends it early, as it would for any
 * C caller). Errors are fine; crashes, leaks and undefined behaviour are
 * not, and whatever assembles must survive disasm -> asm unchanged:
 * asm.h says every instruction the assembler produces is valid on its
 * own, so each one must disassemble, and the text must give the same
 * bytes back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ubee/asm.h"

static void fuzz_asm_one(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), logbuf[FUZZ_LOG_SIZE];
	struct ubee_insn *insns = NULL;
	struct ubee_log log;
	size_t cnt = 0;
	int err;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_asm(text, &insns, &cnt, &log);
	if (err) {
		if (err != -EINVAL && err != -E2BIG && err != -ENOMEM)
			FUZZ_FAIL("ubee_asm returned %d", err);
		if (!logbuf[0])
			FUZZ_FAIL("ubee_asm failed (%d) without a log line", err);
		goto out;
	}
	if (cnt && !fuzz_roundtrip(insns, cnt))
		FUZZ_FAIL("ubee_asm produced an instruction that does not disassemble");
out:
	ubee_insns_free(insns);
	free(text);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_asm_one(data, size);
	return 0;
}
#endif
