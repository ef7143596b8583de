// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the capture reader (src/pktio/pcap.c over libpcap) and
 * the runner behind it. The input is a capture file, pcap or pcapng.
 * Every packet that reads is run through a small XDP program that moves
 * the head, stores into the packet and returns an action taken from the
 * packet, and the passed ones are written to a pcap writer on /dev/null.
 *
 * Properties checked besides "no crash, leak or undefined behaviour":
 *  - a packet has len <= wire_len (empty records exist), and its index counts
 *    1, 2, 3...; the end stays the end, an error stays an error (with a
 *    log line naming "packet N (byte offset O)");
 *  - the runner either refuses a packet (under 14 bytes, over its
 *    limit: counted as skipped) or runs it, and a run's output is the
 *    input with the 4 bytes the program stored in front;
 *  - the counters add up: packets + skipped = packets read.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "ubee/pktio.h"

#define FUZZ_MAX_PACKETS 2000u

/*
 * adjust_head(-4); if 4 + 15 bytes fit: store 0x5a5a5a5a in front and
 * return the byte that was at offset 14 (an action, valid or not); else
 * XDP_DROP.
 */
static const struct ubee_insn pcap_prog[] = {
	{ .code = 0xbf, .dst_reg = 6, .src_reg = 1 },
	{ .code = 0xb7, .dst_reg = 2, .imm = -4 },
	{ .code = 0x85, .imm = 44 },
	{ .code = 0x55, .dst_reg = 0, .off = 8 },
	{ .code = 0x61, .dst_reg = 2, .src_reg = 6, .off = 0 },
	{ .code = 0x61, .dst_reg = 3, .src_reg = 6, .off = 4 },
	{ .code = 0xbf, .dst_reg = 4, .src_reg = 2 },
	{ .code = 0x07, .dst_reg = 4, .imm = 19 },
	{ .code = 0x2d, .dst_reg = 4, .src_reg = 3, .off = 3 },
	{ .code = 0x62, .dst_reg = 2, .off = 0, .imm = 0x5a5a5a5a },
	{ .code = 0x71, .dst_reg = 0, .src_reg = 2, .off = 18 },
	{ .code = 0x95 },
	{ .code = 0xb7, .dst_reg = 0, .imm = 1 },
	{ .code = 0x95 },
};

static void fuzz_pcap_one(const uint8_t *data, size_t size)
{
	static struct ubee_prog *prog;
	struct ubee_prog_opts po = { .sz = sizeof(po), .prog_type = UBEE_PROG_TYPE_XDP };
	struct ubee_pktio_runner_opts ro = { .sz = sizeof(ro), .max_len = 65536,
					     .insn_budget = FUZZ_INSN_BUDGET };
	struct ubee_pktio_runner *runner = NULL;
	struct ubee_pcap_reader *r = NULL;
	struct ubee_pcap_writer *w = NULL;
	const struct ubee_pktio_stats *st;
	struct ubee_pktio_verdict v;
	struct ubee_packet p;
	char lbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	uint64_t n = 0;
	int rc = 0;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (!prog && ubee_prog_load(pcap_prog, FUZZ_ARRAY_SIZE(pcap_prog), &po,
				    &prog, &log))
		FUZZ_FAIL("the fuzz program does not load: %s", lbuf);
	if (ubee_pcap_open_mem(data, size, &r, &log)) {
		if (!log.len)
			FUZZ_FAIL("a refused capture logs why");
		return;
	}
	if (ubee_pktio_runner_new(prog, &ro, &runner, &log))
		goto out;
	ubee_pcap_create("/dev/null", ubee_pcap_linktype(r), ubee_pcap_snaplen(r),
			 ubee_pcap_nanosecond(r), &w, &log);
	while (n < FUZZ_MAX_PACKETS) {
		log.len = 0;
		rc = ubee_pcap_next(r, &p, &log);
		if (rc <= 0)
			break;
		n++;
		if (p.index != n || p.len > p.wire_len)
			FUZZ_FAIL("packet %llu: index %llu, len %u, wire %u",
				  (unsigned long long)n, (unsigned long long)p.index,
				  p.len, p.wire_len);
		if (ubee_pktio_runner_process(runner, &p, &v, &log))
			continue;
		/* XDP_DROP also stands for "did not fit": nothing stored. */
		if (v.action == UBEE_PKTIO_DROP)
			continue;
		if (v.len != (size_t)p.len + 4 || memcmp(v.data + 4, p.data, p.len) ||
		    memcmp(v.data, "\x5a\x5a\x5a\x5a", 4))
			FUZZ_FAIL("packet %llu: the output is not the input behind 4 bytes",
				  (unsigned long long)n);
		if (w && (v.action == UBEE_PKTIO_PASS || v.action == UBEE_PKTIO_TX))
			ubee_pcap_write(w, &p, v.data, v.len);
	}
	if (rc < 0 && (!strstr(lbuf, "packet ") || !strstr(lbuf, "(byte offset ")))
		FUZZ_FAIL("a broken capture names the packet and offset: %s", lbuf);
	if (rc < 0 && ubee_pcap_next(r, &p, &log) != rc)
		FUZZ_FAIL("an error does not stay an error");
	if (rc == 0 && ubee_pcap_next(r, &p, &log) != 0)
		FUZZ_FAIL("the end does not stay the end");
	st = ubee_pktio_runner_stats(runner);
	if (st->packets + st->skipped != n)
		FUZZ_FAIL("counters: %llu run + %llu skipped != %llu read",
			  (unsigned long long)st->packets,
			  (unsigned long long)st->skipped, (unsigned long long)n);
out:
	ubee_pcap_writer_close(w, NULL);
	ubee_pktio_runner_free(runner);
	ubee_pcap_close(r);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_pcap_one(data, size);
	return 0;
}
#endif
