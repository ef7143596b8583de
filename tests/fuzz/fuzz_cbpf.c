// SPDX-License-Identifier: MIT
/*
 * Fuzz target: classic BPF through the text parser, the checker, the
 * translator, the load and every engine, judged by libpcap's bpf_filter
 * and the kernel-semantics reference (tests/lib/cbpf_ref.h).
 *
 * Input layout:
 *
 *   byte 0     bit 0: the rest is text for ubee_cbpf_parse (tcpdump -dd
 *              or -ddd) run on an empty packet; else binary as below
 *   byte 1     caplen: bytes of packet (0..FUZZ_DATA_MAX-1, fewer when
 *              the input ends)
 *   byte 2     wirelen - caplen
 *   then       the packet's caplen bytes, then classic instructions, 8
 *              bytes each (struct sock_filter, little-endian; a trailing
 *              partial one is dropped)
 *
 * Properties checked besides "no crash, leak or undefined behaviour":
 *  - ubee_cbpf_check and ubee_cbpf_translate accept the same programs,
 *    and a refusal is a negative errno with a log line;
 *  - what the checker accepts, ubee_prog_load accepts (the translation
 *    is valid eBPF) and the checked interpreter runs without a fault
 *    (translated programs stay inside their memory by construction);
 *  - every engine (checked, unchecked interpreter, JIT) returns the
 *    reference's verdict, which is libpcap's wherever libpcap's semantics
 *    are the kernel's (programs that load the CPU number or a random
 *    number only have to run).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cbpf_ref.h"
#include "ubee/cbpf.h"
#include "ubee/ubee.h"

static const struct {
	enum ubee_engine engine;
	uint32_t flags;
} fuzz_cbpf_engines[] = {
	{ UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED },
	{ UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED },
	{ UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED },
};

static void fuzz_cbpf_prog(const struct ubee_cbpf_insn *insns, size_t cnt,
			   const uint8_t *pkt, uint32_t caplen, uint32_t wirelen)
{
	char lbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	struct ubee_insn *e = NULL;
	size_t n = 0;
	uint32_t want, lp;
	int err, err2, diverged;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_cbpf_check(insns, cnt, &log);
	if (err && (err != -EINVAL && err != -E2BIG))
		FUZZ_FAIL("check: unexpected error %d", err);
	if (err && !log.len)
		FUZZ_FAIL("check: error %d without a log line", err);
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err2 = ubee_cbpf_translate(insns, cnt, NULL, &e, &n, &log);
	if (err2 == -ENOMEM)
		return;
	if (!!err != !!err2)
		FUZZ_FAIL("check says %d, translate %d (%s)", err, err2, lbuf);
	ubee_insns_free(e);
	if (err)
		return;

	want = cbpf_ref_run(insns, cnt, pkt, caplen, wirelen, &diverged);
	if (!diverged) {
		lp = bpf_filter((const struct bpf_insn *)insns, pkt, wirelen, caplen);
		if (lp != want)
			FUZZ_FAIL("reference 0x%x, libpcap 0x%x", want, lp);
	}
	for (size_t i = 0; i < FUZZ_ARRAY_SIZE(fuzz_cbpf_engines); i++) {
		struct ubee_cbpf_filter_opts o = {
			.sz = sizeof(o), .engine = fuzz_cbpf_engines[i].engine,
			.run_flags = fuzz_cbpf_engines[i].flags,
		};
		struct ubee_cbpf_filter *f = NULL;
		uint32_t keep = 0;

		if (o.engine == UBEE_ENGINE_JIT && !ubee_engine_available(o.engine))
			continue;
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		err = ubee_cbpf_filter_new(insns, cnt, &o, &f, &log);
		if (err == -ENOMEM)
			return;
		if (err)
			FUZZ_FAIL("engine %zu: an accepted program fails to load: %s", i, lbuf);
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		err = ubee_cbpf_filter_run(f, pkt, caplen, wirelen, &keep, &log);
		ubee_cbpf_filter_free(f);
		if (err)
			FUZZ_FAIL("engine %zu: run failed: %d %s", i, err, lbuf);
		if (keep != want && diverged != 2)
			FUZZ_FAIL("engine %zu: 0x%x, reference 0x%x", i, keep, want);
	}
}

static void fuzz_cbpf_text(const uint8_t *data, size_t size)
{
	char lbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	struct ubee_cbpf_insn *insns = NULL;
	size_t cnt = 0;
	char *text = malloc(size + 1);
	int err;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_cbpf_parse(text, &insns, &cnt, &log);
	free(text);
	if (err) {
		if (insns || cnt)
			FUZZ_FAIL("parse failed (%d) but returned instructions", err);
		if (err != -ENOMEM && !log.len)
			FUZZ_FAIL("parse: error %d without a log line", err);
		return;
	}
	if (!cnt || cnt > UBEE_CBPF_MAX_INSNS)
		FUZZ_FAIL("parse gave %zu instructions", cnt);
	fuzz_cbpf_prog(insns, cnt, (const uint8_t *)"", 0, 0);
	ubee_cbpf_free(insns);
}

static void fuzz_cbpf_one(const uint8_t *data, size_t size)
{
	struct ubee_cbpf_insn *insns;
	uint32_t caplen, wirelen;
	size_t cnt;

	fuzz_quiet();
	if (size < 3)
		return;
	if (data[0] & 1) {
		fuzz_cbpf_text(data + 3, size - 3);
		return;
	}
	caplen = data[1] % FUZZ_DATA_MAX;
	if (caplen > size - 3)
		caplen = (uint32_t)(size - 3);
	wirelen = caplen + data[2];
	cnt = (size - 3 - caplen) / sizeof(*insns);
	if (cnt > UBEE_CBPF_MAX_INSNS + 1)
		cnt = UBEE_CBPF_MAX_INSNS + 1;
	/* An aligned copy of the instructions (the input has no alignment). */
	insns = malloc(cnt ? cnt * sizeof(*insns) : 1);
	if (!insns)
		return;
	memcpy(insns, data + 3 + caplen, cnt * sizeof(*insns));
	fuzz_cbpf_prog(insns, cnt, data + 3, caplen, wirelen);
	free(insns);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_cbpf_one(data, size);
	return 0;
}
#endif
