// SPDX-License-Identifier: MIT
/*
 * Batches of classic filters (ubee_cbpf_filter_run_batch): for every
 * tcpdump expression of the shared list (cbpf_cases.h) on every engine,
 * each packet's verdict in a batch equals its single run's
 * (ubee_cbpf_filter_run) and libpcap's bpf_filter (where the reference
 * interpreter says libpcap applies). The packets are mutated frames,
 * truncated captures (caplen < wire length), wire lengths below caplen,
 * empty packets and packets longer than any frame limit; batches of 0,
 * 1, odd sizes and the whole set. Also: the JIT takes its compiled
 * batch loop for these programs; packets with bytes but no address stop
 * a batch with -EINVAL; programs reading skb->protocol and pkt_type or
 * calling helpers (no compiled loop) give the same verdicts; threads
 * other than the filter's owner; statistics counting every run; the
 * JIT's light entry (which batches rely on) when its program is reached
 * by a tail call.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jit/jit.h"
#include "ubee/asm.h"
#include "ubee/cbpf.h"
#include "ubee/ubee.h"
#include "vm/vm.h"
#include "cbpf_cases.h"
#include "cbpf_ref.h"
#include "test.h"

#define MUTATIONS 40
#define BIG_PKT 70000 /* past any frame limit (65535, a jumbo frame) */
#define NR_SPECIAL 6
#define NR_PKTS (NR_FRAMES * MUTATIONS + NR_SPECIAL)
#define FRAME_MAX 128

#define ADOFF(x) ((uint32_t)UBEE_SKF_AD_OFF + (x))


struct engine {
	const char *name;
	enum ubee_engine engine;
	uint32_t run_flags;
};

static const struct engine engines[] = {
	{ "checked", UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED },
	{ "interp", UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED },
	{ "jit", UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED },
};
#define NR_ENGINES (sizeof(engines) / sizeof(engines[0]))
#define JIT_ENGINE 2

/* The filter of insns on engine e, or NULL (failing the case) / JIT absent. */
static struct ubee_cbpf_filter *filter_on(const struct ubee_cbpf_insn *insns,
					  size_t cnt, size_t e)
{
	struct ubee_cbpf_filter_opts o = {
		.sz = sizeof(o), .engine = engines[e].engine,
		.run_flags = engines[e].run_flags,
	};
	struct ubee_cbpf_filter *f = NULL;
	int err;

	if (engines[e].engine == UBEE_ENGINE_JIT &&
	    !ubee_engine_available(UBEE_ENGINE_JIT))
		return NULL;
	err = ubee_cbpf_filter_new(insns, cnt, &o, &f, fresh_log());
	T_CHECK(!err, "%s: filter_new: %d: %s", engines[e].name, err, logbuf);
	return f;
}

/* Whether f's program got the JIT's batch loop. */
static int has_batch_loop(const struct ubee_cbpf_filter *f)
{
	const struct ubee_jit *jit = ubee_cbpf_filter_prog(f)->jit;

	return jit && jit->batch_off;
}

/* ---- the packets --------------------------------------------------------- */

static uint8_t *pkt_mem;
static struct ubee_cbpf_pkt pkts[NR_PKTS];

/*
 * Every frame mutated MUTATIONS times (a few bytes past the MAC addresses
 * changed; every 7th cut short, every 5th longer on the wire, every 11th
 * with a wire length below caplen, which counts as caplen), then the special packets: empty,
 * empty with no address, one byte, and BIG_PKT bytes starting with a
 * frame (twice: wire length equal and larger).
 */
static int make_pkts(void)
{
	uint32_t s = 0xba7c4;
	size_t n = 0;
	uint8_t *p;

	pkt_mem = calloc(1, NR_FRAMES * MUTATIONS * FRAME_MAX + 2 * BIG_PKT + 16);
	if (!pkt_mem)
		return -1;
	p = pkt_mem;
	for (size_t fr = 0; fr < NR_FRAMES; fr++) {
		uint8_t base[FRAME_MAX];
		int len = hexbytes(frames[fr], base, sizeof(base));

		if (len <= 14)
			return -1;
		for (int m = 0; m < MUTATIONS; m++, n++, p += FRAME_MAX) {
			uint32_t caplen = (uint32_t)len, wirelen = (uint32_t)len;

			memcpy(p, base, (size_t)len);
			for (int c = m ? 1 + rnd(&s) % 3 : 0; c > 0; c--) {
				uint32_t at = 12 + rnd(&s) % ((uint32_t)len - 12);

				p[at] = rnd(&s) % 2 ? (uint8_t)rnd(&s) : p[at] ^ 1;
			}
			if (m % 7 == 6)
				caplen = rnd(&s) % (uint32_t)len;
			if (m % 5 == 4)
				wirelen += rnd(&s) % 1400;
			if (m % 11 == 10)
				wirelen = caplen / 2;
			pkts[n] = (struct ubee_cbpf_pkt){ p, caplen, wirelen };
		}
	}
	pkts[n++] = (struct ubee_cbpf_pkt){ p, 0, 60 };
	pkts[n++] = (struct ubee_cbpf_pkt){ NULL, 0, 0 };
	*p = 0x45;
	pkts[n++] = (struct ubee_cbpf_pkt){ p, 1, 1 };
	p += 16;
	for (size_t i = 0; i < 2; i++, p += BIG_PKT) {
		uint8_t base[FRAME_MAX];
		int len = hexbytes(frames[i], base, sizeof(base));

		memcpy(p, base, (size_t)len);
		for (size_t k = (size_t)len; k < BIG_PKT; k++)
			p[k] = (uint8_t)(k * 13);
		pkts[n++] = (struct ubee_cbpf_pkt){ p, BIG_PKT, BIG_PKT + (uint32_t)i * 9000 };
	}
	pkts[n++] = pkts[0];
	return n == NR_PKTS ? 0 : -1;
}

/* ---- verdicts ------------------------------------------------------------ */

/* Batch sizes cycled through (0: an empty batch in between). */
static const size_t sizes[] = { 1, 7, 0, 64, 13, 3, 1, 256, 2, 31 };

/*
 * Run all of pkts through f in batches of the sizes above (then once as
 * one batch) and compare every verdict with want[]; also each single
 * run. 0, or -1 having failed the case.
 */
static int check_filter(const struct ubee_cbpf_filter *f, const uint32_t *want,
			const char *what)
{
	static uint32_t keep[NR_PKTS];
	size_t i = 0, k = 0;
	int err;

	memset(keep, 0xa5, sizeof(keep));
	while (i < NR_PKTS) {
		size_t n = sizes[k++ % (sizeof(sizes) / sizeof(sizes[0]))];

		if (n > NR_PKTS - i)
			n = NR_PKTS - i;
		if (!n) {
			uint32_t sentinel = 0x5a5a5a5a;

			err = ubee_cbpf_filter_run_batch(f, pkts + i, 0, &sentinel,
							 fresh_log());
			T_CHECK(!err && sentinel == 0x5a5a5a5a,
				"%s: empty batch: err %d, keep 0x%x", what, err, sentinel);
			continue;
		}
		err = ubee_cbpf_filter_run_batch(f, pkts + i, n, keep + i, fresh_log());
		if (err) {
			t_fail(__FILE__, __LINE__, "%s: batch at %zu: %d: %s", what, i,
			       err, logbuf);
			return -1;
		}
		i += n;
	}
	for (int whole = 0; whole < 2; whole++) {
		for (i = 0; i < NR_PKTS; i++) {
			uint32_t one = 0;

			err = ubee_cbpf_filter_run(f, pkts[i].data, pkts[i].caplen,
						   pkts[i].wirelen, &one, fresh_log());
			if (err || one != want[i] || keep[i] != want[i]) {
				t_fail(__FILE__, __LINE__,
				       "%s: packet %zu (caplen %u, wirelen %u)%s: batch 0x%x, single 0x%x (err %d), expected 0x%x",
				       what, i, pkts[i].caplen, pkts[i].wirelen,
				       whole ? " in one batch" : "", keep[i], one, err,
				       want[i]);
				return -1;
			}
		}
		if (whole)
			break;
		memset(keep, 0xa5, sizeof(keep));
		err = ubee_cbpf_filter_run_batch(f, pkts, NR_PKTS, keep, fresh_log());
		if (err) {
			t_fail(__FILE__, __LINE__, "%s: one batch: %d: %s", what, err,
			       logbuf);
			return -1;
		}
	}
	return 0;
}

/*
 * want[] for insns from the reference interpreter, checked against
 * libpcap's bpf_filter wherever the reference says libpcap applies.
 */
static int expected(const struct ubee_cbpf_insn *insns, size_t cnt,
		    uint32_t *want, const char *what)
{
	static const uint8_t none[1];

	for (size_t i = 0; i < NR_PKTS; i++) {
		const uint8_t *d = pkts[i].data ? pkts[i].data : none;
		int diverged;

		/* The length is never below the bytes captured (cbpf.h). */
		uint32_t len = pkts[i].wirelen > pkts[i].caplen ?
			       pkts[i].wirelen : pkts[i].caplen;

		want[i] = cbpf_ref_run(insns, cnt, d, pkts[i].caplen, len,
				       &diverged);
		if (diverged == 2) {
			t_fail(__FILE__, __LINE__, "%s: packet %zu: the reference cannot judge it",
			       what, i);
			return -1;
		}
		if (!diverged &&
		    bpf_filter((const struct bpf_insn *)insns, d, len,
			       pkts[i].caplen) != want[i]) {
			t_fail(__FILE__, __LINE__, "%s: packet %zu: reference 0x%x, libpcap 0x%x",
			       what, i, want[i],
			       bpf_filter((const struct bpf_insn *)insns, d, len,
					  pkts[i].caplen));
			return -1;
		}
	}
	return 0;
}

/* One program on every engine; jit_loop: whether the JIT must loop. */
static void check_program(const struct ubee_cbpf_insn *insns, size_t cnt,
			  int jit_loop, const char *what)
{
	static uint32_t want[NR_PKTS];

	if (expected(insns, cnt, want, what))
		return;
	for (size_t e = 0; e < NR_ENGINES && t_ok(); e++) {
		struct ubee_cbpf_filter *f = filter_on(insns, cnt, e);
		char name[160];

		if (!f)
			continue;
		snprintf(name, sizeof(name), "%s [%s]", what, engines[e].name);
		if (e == JIT_ENGINE)
			T_CHECK(has_batch_loop(f) == jit_loop,
				"%s: batch loop %d, expected %d", name,
				has_batch_loop(f), jit_loop);
		check_filter(f, want, name);
		ubee_cbpf_filter_free(f);
	}
}

static void tcpdump_exprs(void)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);

	if (!dead) {
		t_begin("batch exprs");
		t_fail(__FILE__, __LINE__, "pcap_open_dead");
		t_end();
		return;
	}
	for (size_t x = 0; x < NR_EXPRS; x++) {
		struct bpf_program bp;
		char what[128];

		t_begin("batch '%s'", exprs[x]);
		snprintf(what, sizeof(what), "'%s'", exprs[x]);
		if (pcap_compile(dead, &bp, exprs[x], 1, 0xffffff00) < 0) {
			T_CHECK(0, "pcap_compile: %s", pcap_geterr(dead));
		} else {
			check_program((const struct ubee_cbpf_insn *)bp.bf_insns,
				      bp.bf_len, 1, what);
			pcap_freecode(&bp);
		}
		t_end();
	}
	pcap_close(dead);
}

/* ---- edges ----------------------------------------------------------------- */

/* Programs by hand (the JIT loops for all of them: they call nothing). */
static void hand_programs(void)
{
	static const struct {
		const char *name;
		struct ubee_cbpf_insn p[6];
		size_t n;
		int loop;
	} cases[] = {
		/* The JIT leaves out checks an earlier load proved on every
		 * path: here the second load's, but not the join's. */
		{ "word at 40, then byte 43", { S(0x20, 40), S(0x30, 43), S(0x16, 0) }, 3, 1 },
		{ "byte 62 after a join", { S(0x30, 0), I(0x45, 0, 1, 1), S(0x20, 60),
					    S(0x30, 62), S(0x16, 0) }, 5, 1 },
		{ "word at 56 on both paths", { S(0x30, 0), I(0x45, 0, 1, 1), S(0x20, 56),
						S(0x20, 56), S(0x30, 59), S(0x16, 0) }, 6, 1 },
		{ "ret a, A never written", { S(0x16, 0) }, 1, 1 },
		{ "x never written", { S(0x50, 13), S(0x16, 0) }, 2, 1 },
		{ "first byte", { S(0x30, 0), S(0x16, 0) }, 2, 1 },
		{ "byte 59 (the last of a 60-byte frame)", { S(0x30, 59), S(0x16, 0) }, 2, 1 },
		{ "byte 69999 (the last of the big ones)", { S(0x30, BIG_PKT - 1), S(0x16, 0) }, 2, 1 },
		{ "word at 69996", { S(0x20, BIG_PKT - 4), S(0x16, 0) }, 2, 1 },
		{ "len", { S(0x80, 0), S(0x16, 0) }, 2, 1 },
		{ "ind at x = len - 2", { S(0x81, 0), S(0x48, (uint32_t)-2), S(0x16, 0) }, 3, 1 },
		{ "msh", { S(0xb1, 14), S(0x50, 14), S(0x0c, 0), S(0x16, 0) }, 4, 1 },
		{ "accept all", { S(0x06, 0xffffffff) }, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && t_ok(); i++)
		check_program(cases[i].p, cases[i].n, cases[i].loop, cases[i].name);
}

/*
 * Programs the JIT's loop does not take: reading protocol and pkt_type
 * (set per packet from the Ethernet header), calling a helper. Their
 * batches run packet by packet with the same verdicts as single runs.
 */
static void no_loop_programs(void)
{
	static const struct ubee_cbpf_insn proto[] = {
		S(0x28, ADOFF(0)), S(0x16, 0),
	};
	static const struct ubee_cbpf_insn pkttype[] = {
		S(0x20, ADOFF(4)), S(0x04, 1), S(0x16, 0),
	};
	static const struct ubee_cbpf_insn cpu[] = {
		S(0x20, ADOFF(36)), S(0x04, 7), S(0x16, 0),
	};
	static uint32_t want[NR_PKTS];
	const struct { const char *name; const struct ubee_cbpf_insn *p; size_t n; } cases[] = {
		{ "protocol", proto, 2 }, { "pkt_type + 1", pkttype, 3 },
		{ "cpu + 7", cpu, 3 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]) && t_ok(); c++) {
		/* The single runs on the interpreter are the expectation. */
		struct ubee_cbpf_filter *ref = filter_on(cases[c].p, cases[c].n, 1);

		if (!ref)
			return;
		for (size_t i = 0; i < NR_PKTS; i++)
			T_CHECK(!ubee_cbpf_filter_run(ref, pkts[i].data, pkts[i].caplen,
						      pkts[i].wirelen, &want[i],
						      fresh_log()),
				"%s: packet %zu: %s", cases[c].name, i, logbuf);
		ubee_cbpf_filter_free(ref);
		for (size_t e = 0; e < NR_ENGINES && t_ok(); e++) {
			struct ubee_cbpf_filter *f = filter_on(cases[c].p, cases[c].n, e);
			char name[96];

			if (!f)
				continue;
			snprintf(name, sizeof(name), "%s [%s]", cases[c].name,
				 engines[e].name);
			if (e == JIT_ENGINE && c == 2)
				T_CHECK(!has_batch_loop(f), "%s: a helper call got the loop",
					name);
			check_filter(f, want, name);
			ubee_cbpf_filter_free(f);
		}
	}
}

/* No address and no bytes is an empty packet: it runs, others go on. */
static void null_empty(void)
{
	static const struct ubee_cbpf_insn p[] = { S(0x80, 0), S(0x16, 0) };
	static const uint8_t bytes[4] = { 7, 8, 9, 10 };
	const struct ubee_cbpf_pkt b[3] = {
		{ bytes, 4, 4 }, { NULL, 0, 9 }, { bytes, 1, 1 },
	};

	for (size_t e = 0; e < NR_ENGINES && t_ok(); e++) {
		struct ubee_cbpf_filter *f = filter_on(p, 2, e);
		uint32_t keep[3] = { 0 };
		int err;

		if (!f)
			continue;
		err = ubee_cbpf_filter_run_batch(f, b, 3, keep, fresh_log());
		T_CHECK(!err && keep[0] == 4 && keep[1] == 9 && keep[2] == 1,
			"[%s] err %d, verdicts %u %u %u", engines[e].name, err,
			keep[0], keep[1], keep[2]);
		ubee_cbpf_filter_free(f);
	}
}

/* Bad arguments, and a packet with bytes but no address mid-batch. */
static void bad_batches(void)
{
	static const struct ubee_cbpf_insn p[] = { S(0x30, 0), S(0x16, 0) };
	static const uint8_t bytes[4] = { 7, 8, 9, 10 };
	struct ubee_cbpf_pkt b[6] = {
		{ bytes, 4, 4 }, { bytes + 1, 3, 3 }, { NULL, 0, 9 },
		{ NULL, 5, 5 }, { bytes + 2, 2, 2 }, { bytes, 1, 1 },
	};
	uint32_t keep[6];

	T_CHECK(ubee_cbpf_filter_run_batch(NULL, b, 1, keep, NULL) == -EINVAL,
		"a NULL filter");
	for (size_t e = 0; e < NR_ENGINES && t_ok(); e++) {
		struct ubee_cbpf_filter *f = filter_on(p, 2, e);
		int err;

		if (!f)
			continue;
		T_CHECK(ubee_cbpf_filter_run_batch(f, NULL, 1, keep, NULL) == -EINVAL,
			"[%s] NULL packets", engines[e].name);
		T_CHECK(ubee_cbpf_filter_run_batch(f, b, 1, NULL, NULL) == -EINVAL,
			"[%s] NULL verdicts", engines[e].name);
		T_CHECK(!ubee_cbpf_filter_run_batch(f, NULL, 0, NULL, NULL),
			"[%s] an empty batch with no arrays", engines[e].name);
		memset(keep, 0xa5, sizeof(keep));
		err = ubee_cbpf_filter_run_batch(f, b, 6, keep, fresh_log());
		T_CHECK(err == -EINVAL, "[%s] err %d", engines[e].name, err);
		T_CHECK(keep[0] == 7 && keep[1] == 8 && keep[2] == 0 &&
			keep[3] == 0 && keep[4] == 0 && keep[5] == 0,
			"[%s] verdicts %x %x %x %x %x %x", engines[e].name, keep[0],
			keep[1], keep[2], keep[3], keep[4], keep[5]);
		/* The filter still works afterwards. */
		err = ubee_cbpf_filter_run_batch(f, b + 4, 2, keep, fresh_log());
		T_CHECK(!err && keep[0] == 9 && keep[1] == 7, "[%s] after: %d %x %x",
			engines[e].name, err, keep[0], keep[1]);
		ubee_cbpf_filter_free(f);
	}
}

/* ---- threads ----------------------------------------------------------------- */

struct worker {
	const struct ubee_cbpf_filter *f;
	const uint32_t *want;
	int rounds;
	int bad;   /* batches that failed or disagreed */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	static __thread uint32_t keep[NR_PKTS];

	for (int r = 0; r < w->rounds; r++) {
		size_t n = 1 + (size_t)r * 37 % 200;

		for (size_t i = 0; i < NR_PKTS; i += n) {
			size_t m = n < NR_PKTS - i ? n : NR_PKTS - i;

			if (ubee_cbpf_filter_run_batch(w->f, pkts + i, m, keep + i, NULL))
				w->bad++;
		}
		if (memcmp(keep, w->want, sizeof(keep)))
			w->bad++;
	}
	return NULL;
}

/* The owner thread and two others batch one filter at once. */
static void threads(void)
{
	static uint32_t want[NR_PKTS];
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	struct bpf_program bp;
	const char *expr = "(tcp or udp) and (port 53 or port 443)";

	if (!dead || pcap_compile(dead, &bp, expr, 1, 0) < 0) {
		T_CHECK(0, "pcap_compile");
		goto out;
	}
	if (expected((const struct ubee_cbpf_insn *)bp.bf_insns, bp.bf_len, want, expr))
		goto free;
	for (size_t e = 0; e < NR_ENGINES && t_ok(); e++) {
		struct ubee_cbpf_filter *f = filter_on((const void *)bp.bf_insns,
						       bp.bf_len, e);
		struct worker w[3];
		pthread_t t[2];
		uint32_t one;

		if (!f)
			continue;
		/* This thread owns the runner from its first run. */
		T_CHECK(!ubee_cbpf_filter_run(f, pkts[0].data, pkts[0].caplen,
					      pkts[0].wirelen, &one, NULL), "first run");
		for (int i = 0; i < 3; i++)
			w[i] = (struct worker){ f, want, 30, 0 };
		for (int i = 0; i < 2; i++)
			T_CHECK(!pthread_create(&t[i], NULL, worker_main, &w[i]),
				"pthread_create");
		worker_main(&w[2]);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		T_CHECK(!w[0].bad && !w[1].bad && !w[2].bad,
			"[%s] bad batches: %d %d %d (owner last)", engines[e].name,
			w[0].bad, w[1].bad, w[2].bad);
		ubee_cbpf_filter_free(f);
	}
free:
	pcap_freecode(&bp);
out:
	if (dead)
		pcap_close(dead);
}

/* With statistics on, a batch counts one run per packet. */
static void statistics(void)
{
	static const struct ubee_cbpf_insn p[] = { S(0x30, 0), S(0x16, 0) };
	static uint32_t keep[NR_PKTS];

	ubee_vm_stats_enable(1);
	for (size_t e = 0; e < NR_ENGINES && t_ok(); e++) {
		struct ubee_cbpf_filter *f = filter_on(p, 2, e);
		struct ubee_prog_stats st;

		if (!f)
			continue;
		T_CHECK(!ubee_cbpf_filter_run_batch(f, pkts, NR_PKTS, keep, NULL),
			"[%s] batch", engines[e].name);
		ubee_vm_prog_stats(ubee_cbpf_filter_prog(f), &st);
		T_CHECK(st.run_cnt == NR_PKTS, "[%s] %llu runs counted, expected %zu",
			engines[e].name, (unsigned long long)st.run_cnt,
			(size_t)NR_PKTS);
		ubee_cbpf_filter_free(f);
	}
	ubee_vm_stats_enable(0);
}

/* ---- the JIT's light entry ---------------------------------------------------- */

static const struct ubee_prog *tail_target;

static int tail_hook(void *map, uint32_t index, const struct ubee_prog **next)
{
	(void)map;
	if (index)
		return -1;
	*next = tail_target;
	return 0;
}

static struct ubee_prog *load_asm(const char *text)
{
	struct ubee_prog_opts po = { .sz = sizeof(po), .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog = NULL;
	struct ubee_insn *p;
	size_t n;

	if (ubee_asm(text, &p, &n, fresh_log())) {
		T_CHECK(0, "asm: %s", logbuf);
		return NULL;
	}
	if (ubee_prog_load(p, n, &po, &prog, fresh_log()))
		T_CHECK(0, "load: %s", logbuf);
	ubee_insns_free(p);
	return prog;
}

/* r0 of prog on engine e over pkt[len], or -1 (failing the case). */
static uint64_t run_on(const struct ubee_prog *prog, enum ubee_engine e,
		       const uint8_t *pkt, size_t len)
{
	struct ubee_run_opts o = { .sz = sizeof(o), .engine = e,
				   .flags = UBEE_RUN_TRUSTED };
	uint64_t ctx[8] = { 0 }, r0 = 0;
	int err;

	o.ctx = ctx;
	o.ctx_size = sizeof(ctx);
	o.pkt = (void *)(uintptr_t)pkt;
	o.pkt_size = len;
	err = ubee_prog_run(prog, &o, &r0, fresh_log());
	T_CHECK(!err, "run: %d: %s", err, logbuf);
	return err ? (uint64_t)-1 : r0;
}

/*
 * A program that calls nothing gets the light entry, whose out-of-range
 * packet load is a plain return in the outermost frame. Tail-called from
 * a subprogram of another program (a deeper frame) it must end the run
 * as before; from the outermost frame, return 0 from it. The JIT agrees
 * with the interpreter on each.
 */
static void light_entry_tail_calls(void)
{
	static const uint8_t pkt[32] = { 1, 2, 3, 4 };
	struct ubee_prog *target = load_asm("r0 = *(u8 *)skb[0x10]\nr0 = 77\nexit\n");
	struct ubee_prog *from_sub = load_asm(
		"r6 = r1\nr7 = 1000\ncall f\nr0 += r7\nexit\n"
		"f:\nr2 = 0\nr3 = 0\ncall 12\nr0 = 5\nexit\n");
	struct ubee_prog *from_main = load_asm(
		"r6 = r1\nr2 = 0\nr3 = 0\ncall 12\nr0 = 5\nexit\n");
	struct ubee_prog *progs[3] = { target, from_sub, from_main };

	if (!target || !from_sub || !from_main ||
	    !ubee_engine_available(UBEE_ENGINE_JIT))
		goto out;
	from_sub->tail_call = from_main->tail_call = tail_hook;
	tail_target = target;
	for (int i = 0; i < 3; i++) {
		for (size_t len = 4; len <= 32; len += 28) {
			uint64_t in = run_on(progs[i], UBEE_ENGINE_INTERP, pkt, len);
			uint64_t jit = run_on(progs[i], UBEE_ENGINE_JIT, pkt, len);

			T_CHECK(in == jit, "program %d, %zu bytes: interpreter %llu, JIT %llu",
				i, len, (unsigned long long)in, (unsigned long long)jit);
		}
	}
	T_EQ_U64(run_on(target, UBEE_ENGINE_JIT, pkt, 4), 0);
	T_EQ_U64(run_on(target, UBEE_ENGINE_JIT, pkt, 32), 77);
	T_EQ_U64(run_on(from_sub, UBEE_ENGINE_JIT, pkt, 32), 1077);
	T_EQ_U64(run_on(from_main, UBEE_ENGINE_JIT, pkt, 32), 77);
	T_EQ_U64(run_on(from_main, UBEE_ENGINE_JIT, pkt, 4), 0);
out:
	for (int i = 0; i < 3; i++)
		ubee_prog_free(progs[i]);
}

int main(void)
{
	int bad;

	t_begin("make packets");
	bad = make_pkts();
	T_CHECK(!bad, "the packet set");
	t_end();
	if (bad) {
		free(pkt_mem);
		return t_summary();
	}
	tcpdump_exprs();
	T_RUN(hand_programs);
	T_RUN(no_loop_programs);
	T_RUN(null_empty);
	T_RUN(bad_batches);
	T_RUN(threads);
	T_RUN(statistics);
	T_RUN(light_entry_tail_calls);
	free(pkt_mem);
	return t_summary();
}
