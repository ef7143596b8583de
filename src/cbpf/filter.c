// SPDX-License-Identifier: MIT
/*
 * Classic filters over packets: a translated program loaded as a socket
 * filter, run on captured packets. The packet for LD_ABS/LD_IND is the
 * captured bytes from the link-layer header on, as a packet socket sees
 * them; skb->len is the length on the wire, as BPF_LEN is in libpcap.
 *
 * One filter serves many threads. The first thread to run it takes its
 * prepared run (struct ubee_runner) and __sk_buff for good: its runs
 * cost the program and a few stores. Other threads run it through
 * ubee_prog_run with a per-thread __sk_buff (correct, slower).
 *
 * Batches (ubee_cbpf_filter_run_batch) on the owner's JIT runner go
 * through the loop the JIT compiles into every program that calls
 * nothing (src/jit/jit.c, emit_batch): the batch is entered once, and
 * per packet the loop stores the packet's address and sizes and calls
 * the program's body. Other batches run packet by packet.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "cbpf/cbpf_int.h"
#include "jit/jit.h"
#include "ubee/asm.h"
#include "ubee/progtype.h"
#include "util/util.h"

/* A batch of ubee_cbpf_pkt is what the JIT's batch loop reads. */
_Static_assert(sizeof(struct ubee_cbpf_pkt) == sizeof(struct ubee_jit_pkt) &&
	       offsetof(struct ubee_cbpf_pkt, data) == offsetof(struct ubee_jit_pkt, data) &&
	       offsetof(struct ubee_cbpf_pkt, caplen) == offsetof(struct ubee_jit_pkt, caplen) &&
	       offsetof(struct ubee_cbpf_pkt, wirelen) == offsetof(struct ubee_jit_pkt, wirelen),
	       "struct ubee_cbpf_pkt is struct ubee_jit_pkt");
_Static_assert(offsetof(struct ubee_sk_buff, len) == 0,
	       "the batch loop stores the length at ctx + 0");

#define ARPHRD_ETHER 1
#define ETH_HLEN 14

struct ubee_cbpf_filter {
	struct ubee_prog *prog;
	uint32_t hatype;
	uint32_t ifindex;
	enum ubee_engine engine;
	uint32_t run_flags;
	/* The program reads skb->protocol or pkt_type: set them per run. */
	int need_meta;
	/*
	 * The fast path, owned by the first thread that runs the filter
	 * (owner: that thread's pthread_self(), unique among live threads;
	 * set once, by compare-and-swap): a prepared run and its context.
	 * NULL runner: the options make runs fail; the slow path says why.
	 */
	struct ubee_runner *runner;
	uintptr_t owner;
	struct ubee_log *log;      /* the runner's log now */
	struct ubee_sk_buff skb;
};

/* Whether prog reads the skb's protocol or pkt_type (32-bit ctx loads). */
static int reads_meta(const struct ubee_prog *prog)
{
	const struct ubee_insn *in = ubee_prog_insns(prog);
	size_t n = ubee_prog_insn_count(prog);

	for (size_t i = 0; i < n; i++) {
		if (in[i].code != (0x01 | 0x60 | 0x00) /* BPF_LDX|BPF_MEM|BPF_W */)
			continue;
		if (in[i].off == offsetof(struct ubee_sk_buff, protocol) ||
		    in[i].off == offsetof(struct ubee_sk_buff, pkt_type))
			return 1;
	}
	return 0;
}

int ubee_cbpf_filter_new(const struct ubee_cbpf_insn *insns, size_t cnt,
			 const struct ubee_cbpf_filter_opts *opts,
			 struct ubee_cbpf_filter **out, struct ubee_log *log)
{
	struct ubee_cbpf_filter_opts o = { 0 };
	struct ubee_cbpf_opts topts = { .sz = sizeof(topts) };
	struct ubee_prog_opts popts = { .sz = sizeof(popts) };
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	struct ubee_cbpf_filter *f = NULL;
	struct ubee_insn *prog = NULL;
	size_t prog_cnt;
	int err;

	*out = NULL;
	if (opts) {
		if (opts->sz < sizeof(size_t)) {
			ubee_logf(log, "0: struct ubee_cbpf_filter_opts: bad sz %zu",
				  opts->sz);
			return -EINVAL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	topts.hatype = o.hatype ? o.hatype : ARPHRD_ETHER;
	err = ubee_cbpf_translate(insns, cnt, &topts, &prog, &prog_cnt, log);
	if (err)
		return err;
	f = ubee_calloc(1, sizeof(*f));
	if (!f) {
		ubee_logf(log, "0: out of memory");
		err = -ENOMEM;
		goto out;
	}
	f->hatype = topts.hatype;
	f->ifindex = o.ifindex ? o.ifindex : 1;
	f->engine = o.engine;
	f->run_flags = o.run_flags;
	popts.name = "cbpf";
	popts.prog_type = UBEE_PROG_TYPE_SOCKET_FILTER;
	popts.flags = o.prog_flags;
	err = ubee_prog_load(prog, prog_cnt, &popts, &f->prog, log);
	if (err)
		goto out;
	f->need_meta = f->hatype == ARPHRD_ETHER && reads_meta(f->prog);
	f->skb.ifindex = f->ifindex;
	ro.engine = f->engine;
	ro.flags = f->run_flags;
	/* Options no run can take leave no fast path: runs then fail as
	 * ubee_prog_run says. */
	if (ubee_runner_new(f->prog, &ro, &f->runner, NULL) == -ENOMEM) {
		ubee_logf(log, "0: out of memory");
		err = -ENOMEM;
		goto out;
	}
	*out = f;
	f = NULL;
out:
	ubee_cbpf_filter_free(f);
	ubee_insns_free(prog);
	return err;
}

void ubee_cbpf_filter_free(struct ubee_cbpf_filter *f)
{
	if (!f)
		return;
	ubee_runner_free(f->runner);
	ubee_prog_free(f->prog);
	ubee_free(f);
}

const struct ubee_prog *ubee_cbpf_filter_prog(const struct ubee_cbpf_filter *f)
{
	return f->prog;
}

/*
 * protocol and pkt_type as the kernel's eth_type_trans sets them. With no
 * device address to compare with, unicast frames count as PACKET_HOST.
 */
static void eth_meta(struct ubee_sk_buff *skb, const uint8_t *eth,
		     uint32_t caplen)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint16_t type = (uint16_t)(eth[12] << 8 | eth[13]);
	uint8_t be[2];

	if (type < 0x600) /* an 802.3 length: raw IPX (0xffff) or 802.2 LLC */
		type = caplen >= ETH_HLEN + 2 && eth[14] == 0xff &&
		       eth[15] == 0xff ? 0x0001 : 0x0004;
	be[0] = (uint8_t)(type >> 8);
	be[1] = (uint8_t)type;
	memcpy(&skb->protocol, be, 2); /* network order, as on the wire */
	if (eth[0] & 1)
		skb->pkt_type = memcmp(eth, bcast, 6) ? 2 /* MULTICAST */ :
							1 /* BROADCAST */;
}

/*
 * The context of this thread's runs when another thread owns the fast
 * path. Translated programs never write the context, so only the fields
 * set per run change: the rest stays zero, and no run pays for clearing
 * 192 bytes.
 */
static __thread struct ubee_sk_buff run_skb;

/* A run through ubee_prog_run (the threads that do not own the runner). */
static int slow_run(const struct ubee_cbpf_filter *f, const void *pkt,
		    uint32_t caplen, uint32_t wirelen, uint64_t *r0,
		    struct ubee_log *log)
{
	struct ubee_sk_buff *skb = &run_skb;
	struct ubee_run_opts o;

	skb->len = wirelen > caplen ? wirelen : caplen;
	skb->ifindex = f->ifindex;
	skb->protocol = 0;
	skb->pkt_type = 0;
	if (f->hatype == ARPHRD_ETHER && caplen >= ETH_HLEN)
		eth_meta(skb, pkt, caplen);
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.ctx = skb;
	o.ctx_size = sizeof(*skb);
	o.pkt = (void *)(uintptr_t)pkt;
	o.pkt_size = caplen;
	o.engine = f->engine;
	o.flags = f->run_flags;
	return ubee_prog_run(f->prog, &o, r0, log);
}

/*
 * Whether this thread owns f's runner (claiming it when nobody does).
 * The thread's identity is pthread_self(), a read of the thread pointer
 * (a thread-local variable's address would cost a __tls_get_addr call
 * in this position-independent library).
 */
static int owns_runner(struct ubee_cbpf_filter *f)
{
	uintptr_t self = (uintptr_t)pthread_self();
	uintptr_t owner = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
	uintptr_t none = 0;

	if (UBEE_LIKELY(owner == self))
		return 1;
	if (!f->runner || owner)
		return 0;
	return __atomic_compare_exchange_n(&f->owner, &none, self, 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* A run on the owner's runner (mf owned by this thread). */
static int fast_run(struct ubee_cbpf_filter *mf, const void *pkt,
		    uint32_t caplen, uint32_t wirelen, uint64_t *r0)
{
	struct ubee_sk_buff *skb = &mf->skb;

	skb->len = wirelen > caplen ? wirelen : caplen;
	if (mf->need_meta) {
		skb->protocol = 0;
		skb->pkt_type = 0;
		if (caplen >= ETH_HLEN)
			eth_meta(skb, pkt, caplen);
	}
	return ubee_runner_run(mf->runner, skb, sizeof(*skb), pkt, caplen, r0);
}

/* Make log the runner's log (mf owned by this thread). */
static void owner_log(struct ubee_cbpf_filter *mf, struct ubee_log *log)
{
	if (UBEE_UNLIKELY(mf->log != log)) {
		ubee_runner_set_log(mf->runner, log);
		mf->log = log;
	}
}

int ubee_cbpf_filter_run(const struct ubee_cbpf_filter *f, const void *pkt,
			 uint32_t caplen, uint32_t wirelen, uint32_t *keep,
			 struct ubee_log *log)
{
	/* The owner's fast path is the filter's one mutable part. */
	struct ubee_cbpf_filter *mf = (struct ubee_cbpf_filter *)f;
	uint64_t r0 = 0;
	int err;

	*keep = 0;
	if (!f || (!pkt && caplen))
		return -EINVAL;
	if (UBEE_UNLIKELY(!owns_runner(mf)))
		goto slow;
	owner_log(mf, log);
	if (!f->need_meta) {
		/* The JIT's batch loop for one packet: the cheapest entry. */
		const struct ubee_jit_pkt one = { pkt, caplen, wirelen };
		size_t done;

		if (!ubee_jit_runner_pkts(mf->runner, &mf->skb, sizeof(mf->skb),
					  &one, 1, keep, &done))
			return 0;
	}
	err = fast_run(mf, pkt, caplen, wirelen, &r0);
	if (UBEE_UNLIKELY(err == -EBUSY))
		goto slow; /* a run of this filter inside one of its runs */
	goto out;
slow:
	err = slow_run(f, pkt, caplen, wirelen, &r0, log);
out:
	if (!err)
		*keep = (uint32_t)r0;
	return err;
}

/*
 * The batch one packet at a time (the interpreter, checked runs,
 * programs reading protocol or pkt_type, threads other than the owner):
 * owner says whether this thread owns mf's runner.
 */
static int batch_each(struct ubee_cbpf_filter *mf, int owner,
		      const struct ubee_cbpf_pkt *pkts, size_t n,
		      uint32_t *keep, struct ubee_log *log)
{
	size_t i;
	int err = 0;

	if (owner)
		ubee_runner_begin(mf->runner);
	for (i = 0; i < n; i++) {
		const struct ubee_cbpf_pkt *p = &pkts[i];
		uint64_t r0 = 0;

		if (UBEE_UNLIKELY(!p->data && p->caplen)) {
			err = -EINVAL;
			break;
		}
		err = -EBUSY;
		if (owner)
			err = fast_run(mf, p->data, p->caplen, p->wirelen, &r0);
		if (UBEE_UNLIKELY(err == -EBUSY))
			err = slow_run(mf, p->data, p->caplen, p->wirelen, &r0,
				       log);
		if (UBEE_UNLIKELY(err))
			break;
		keep[i] = (uint32_t)r0;
	}
	if (owner)
		ubee_runner_end(mf->runner);
	if (err)
		memset(keep + i, 0, (n - i) * sizeof(*keep));
	return err;
}

int ubee_cbpf_filter_run_batch(const struct ubee_cbpf_filter *f,
			       const struct ubee_cbpf_pkt *pkts, size_t n,
			       uint32_t *keep, struct ubee_log *log)
{
	struct ubee_cbpf_filter *mf = (struct ubee_cbpf_filter *)f;
	size_t done;
	int owner;

	if (!f || (n && (!pkts || !keep)))
		return -EINVAL;
	owner = owns_runner(mf);
	if (owner)
		owner_log(mf, log);
	/*
	 * The JIT's loop over the packets, when the program has it and no
	 * packet needs the context's protocol and pkt_type: per packet a few
	 * stores and the program.
	 */
	if (owner && !f->need_meta &&
	    !ubee_jit_runner_pkts(mf->runner, &mf->skb, sizeof(mf->skb),
				  (const struct ubee_jit_pkt *)pkts, n, keep,
				  &done)) {
		if (UBEE_LIKELY(done == n))
			return 0;
		/* packet done has bytes but no address */
		memset(keep + done, 0, (n - done) * sizeof(*keep));
		return -EINVAL;
	}
	return batch_each(mf, owner, pkts, n, keep, log);
}
