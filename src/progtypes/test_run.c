// SPDX-License-Identifier: MIT
/*
 * ubee_prog_test_run: BPF_PROG_TEST_RUN for every program type (the
 * contract is in include/ubee/progtype.h). Packet types run on a packet
 * context (pkt.c), plain-memory programs on private copies of the input,
 * other types on a copy of the context the caller gives. Inputs are
 * restored before every repeat, outside the timed part.
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "progtypes/pkt.h"
#include "util/util.h"
#include "vm/vm.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int is_pkt_type(uint32_t id)
{
	return id == UBEE_PROG_TYPE_XDP || id == UBEE_PROG_TYPE_SOCKET_FILTER ||
	       id == UBEE_PROG_TYPE_SCHED_CLS || id == UBEE_PROG_TYPE_SCHED_ACT;
}

/* Copy the output data into t (all of it, or -ENOSPC past the room). */
static int give_data(struct ubee_test_run *t, const void *data, size_t len)
{
	size_t room = t->data_size_out;

	if (!t->data_out)
		return 0;
	t->data_size_out = len;
	memcpy(t->data_out, data, len < room ? len : room);
	return len > room ? -ENOSPC : 0;
}

/* 1 when bytes [from, to) of p are all zero. */
static int zero_range(const void *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (((const uint8_t *)p)[i])
			return 0;
	return 1;
}

/* An interface index the kernel's test run would accept (it looks it up). */
static int check_ifindex(uint32_t ifindex, struct ubee_log *log)
{
	char name[IF_NAMESIZE];

	if (ifindex <= 1 || if_indextoname(ifindex, name))
		return 0;
	ubee_logf(log, "0: ctx_in names interface %u, which does not exist", ifindex);
	return -ENODEV;
}

/*
 * The fields of ctx_in a packet context takes, with the kernel's checks
 * (net/bpf/test_run.c): xdp_md gives ingress_ifindex and rx_queue_index,
 * data_end must be the packet's size and data_meta and egress_ifindex 0;
 * __sk_buff gives mark, priority, ingress_ifindex, ifindex, cb and
 * tstamp, and every field the kernel does not take must be zero.
 */
static int pkt_opts_from_ctx(uint32_t type, const struct ubee_test_run *t,
			     struct ubee_pkt_opts *po, struct ubee_log *log)
{
	size_t max = type == UBEE_PROG_TYPE_XDP ? sizeof(struct ubee_xdp_md)
						: sizeof(struct ubee_sk_buff);

	*po = (struct ubee_pkt_opts){ .sz = sizeof(*po) };
	if (!t->ctx_in || !t->ctx_size_in)
		return 0;
	if (t->ctx_size_in > max && !zero_range(t->ctx_in, max, t->ctx_size_in)) {
		ubee_logf(log, "0: ctx_in of %zu bytes has non-zero bytes past the %zu-byte context",
			  t->ctx_size_in, max);
		return -EINVAL;
	}
	if (type == UBEE_PROG_TYPE_XDP) {
		struct ubee_xdp_md md = { 0 };

		memcpy(&md, t->ctx_in, t->ctx_size_in < max ? t->ctx_size_in : max);
		if (md.data) {
			ubee_logf(log, "0: XDP metadata in ctx_in (data = %u) is not supported",
				  md.data);
			return -EOPNOTSUPP;
		}
		if (md.data_meta || md.egress_ifindex ||
		    md.data_end != t->data_size_in) {
			ubee_logf(log, "0: ctx_in: xdp_md needs data_end = the packet's size (%zu) and data_meta, egress_ifindex 0",
				  t->data_size_in);
			return -EINVAL;
		}
		po->ifindex = md.ingress_ifindex;
		po->rx_queue_index = md.rx_queue_index;
		return check_ifindex(md.ingress_ifindex, log);
	}
	{
		struct ubee_sk_buff skb = { 0 };
		static const struct { size_t from, to; } must_be_zero[] = {
			{ 0, offsetof(struct ubee_sk_buff, mark) },
			{ offsetof(struct ubee_sk_buff, queue_mapping),
			  offsetof(struct ubee_sk_buff, priority) },
			{ offsetof(struct ubee_sk_buff, tc_index),
			  offsetof(struct ubee_sk_buff, cb) },
			{ offsetof(struct ubee_sk_buff, hash),
			  offsetof(struct ubee_sk_buff, tstamp) },
			{ offsetof(struct ubee_sk_buff, gso_segs) + 4,
			  offsetof(struct ubee_sk_buff, gso_size) },
			{ offsetof(struct ubee_sk_buff, gso_size) + 4,
			  offsetof(struct ubee_sk_buff, hwtstamp) },
		};

		memcpy(&skb, t->ctx_in, t->ctx_size_in < max ? t->ctx_size_in : max);
		for (size_t i = 0; i < sizeof(must_be_zero) / sizeof(must_be_zero[0]); i++)
			if (!zero_range(&skb, must_be_zero[i].from, must_be_zero[i].to)) {
				ubee_logf(log, "0: ctx_in: __sk_buff bytes %zu..%zu must be zero (the kernel does not take them)",
					  must_be_zero[i].from, must_be_zero[i].to - 1);
				return -EINVAL;
			}
		if (skb.wire_len && (skb.wire_len < t->data_size_in ||
				     skb.wire_len > 65536)) {
			ubee_logf(log, "0: ctx_in: wire_len %u is not between the packet's size and 65536",
				  skb.wire_len);
			return -EINVAL;
		}
		po->ifindex = skb.ifindex;
		po->mark = skb.mark;
		po->priority = skb.priority;
		po->ingress_ifindex = skb.ingress_ifindex;
		memcpy(po->cb, skb.cb, sizeof(po->cb));
		po->tstamp = skb.tstamp;
		return check_ifindex(skb.ifindex, log);
	}
}

static int run_pkt(const struct ubee_prog *prog, struct ubee_test_run *t,
		   const struct ubee_run_opts *ro, struct ubee_log *log)
{
	uint32_t type = prog->type->id;
	struct ubee_pkt_opts po;
	struct ubee_pkt *pkt = NULL;
	const void *out;
	size_t len, room;
	uint64_t total = 0;
	int err;

	err = pkt_opts_from_ctx(type, t, &po, log);
	if (err)
		return err;
	err = ubee_pkt_new(type, t->data_in, t->data_size_in, &po, &pkt, log);
	if (err)
		return err;
	for (uint32_t i = 0; i < t->repeat; i++) {
		uint64_t t0;

		if (i)
			ubee_pkt_reset(pkt);
		t0 = now_ns();
		err = ubee_pkt_run(pkt, prog, ro, &t->retval, log);
		total += now_ns() - t0;
		if (err)
			goto out;
	}
	t->duration_ns = total / t->repeat;
	out = ubee_pkt_data(pkt, &len);
	room = t->data_size_out;
	err = give_data(t, out, len);
	/*
	 * A socket filter runs from the network header; the kernel gives
	 * the frame back with the Ethernet header zeroed.
	 */
	if (type == UBEE_PROG_TYPE_SOCKET_FILTER && t->data_out)
		memset(t->data_out, 0, UBEE_ETH_HLEN < room ? UBEE_ETH_HLEN : room);
out:
	ubee_pkt_free(pkt);
	return err;
}

/*
 * Plain memory and the other context types: private copies of data_in and
 * ctx (the context zero-padded to ctx_size), restored before each run.
 */
static int run_copies(const struct ubee_prog *prog, struct ubee_test_run *t,
		      struct ubee_run_opts *ro, size_t ctx_size,
		      struct ubee_log *log)
{
	uint8_t *data = NULL, *ctx = NULL;
	struct ubee_region region;
	uint64_t total = 0;
	int err = -ENOMEM;

	if (t->data_size_in && !(data = ubee_malloc(t->data_size_in)))
		goto nomem;
	if (ctx_size && !(ctx = ubee_calloc(1, ctx_size)))
		goto nomem;
	if (ctx) {
		ro->ctx = ctx;
		ro->ctx_size = ctx_size;
		if (data) {
			region = (struct ubee_region){ data, t->data_size_in, 1 };
			ro->regions = &region;
			ro->nr_regions = 1;
		}
	} else {
		ro->ctx = data;
		ro->ctx_size = t->data_size_in;
	}
	ro->pkt = data;
	ro->pkt_size = data ? t->data_size_in : 0;
	for (uint32_t i = 0; i < t->repeat; i++) {
		uint64_t t0;

		if (data)
			memcpy(data, t->data_in, t->data_size_in);
		if (ctx) {
			memset(ctx, 0, ctx_size);
			memcpy(ctx, t->ctx_in, t->ctx_size_in);
		}
		t0 = now_ns();
		err = ubee_prog_run(prog, ro, &t->retval, log);
		total += now_ns() - t0;
		if (err)
			goto out;
	}
	t->duration_ns = total / t->repeat;
	err = give_data(t, data ? data : (const void *)"", t->data_size_in);
	goto out;
nomem:
	ubee_logf(log, "0: out of memory for the test run's input");
out:
	ubee_free(data);
	ubee_free(ctx);
	return err;
}

int ubee_prog_test_run(const struct ubee_prog *prog, struct ubee_test_run *t,
		       struct ubee_log *log)
{
	const struct ubee_prog_type *type;
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	size_t ctx_size = 0;

	if (!prog || !t || t->sz < sizeof(*t) ||
	    (!t->data_in && t->data_size_in) || (!t->ctx_in && t->ctx_size_in))
		return -EINVAL;
	type = prog->type;
	t->retval = 0;
	t->duration_ns = 0;
	if (!t->repeat)
		t->repeat = 1;
	ro.engine = t->engine;
	ro.flags = t->flags;
	ro.insn_budget = t->insn_budget;

	if (is_pkt_type(type->id))
		return run_pkt(prog, t, &ro, log);
	if (type->flags & UBEE_PT_CTX_MEM) {
		ctx_size = t->ctx_in ? t->ctx_size_in : 0;
	} else {
		if (t->data_size_in) {
			ubee_logf(log, "0: %s programs take a context (ctx_in), not data",
				  type->name);
			return -EINVAL;
		}
		if (t->ctx_size_in > type->ctx_size) {
			ubee_logf(log, "0: ctx_in of %zu bytes is larger than the %u-byte %s context",
				  t->ctx_size_in, type->ctx_size, type->name);
			return -EINVAL;
		}
		ctx_size = type->ctx_size;
	}
	return run_copies(prog, t, &ro, ctx_size, log);
}
