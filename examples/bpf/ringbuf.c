// SPDX-License-Identifier: MIT
/*
 * ringbuf: an XDP program producing one event per TCP/UDP flow packet into
 * a BPF_MAP_TYPE_RINGBUF, for a user-space consumer.
 *
 * bpf_ringbuf_reserve() hands out space for a fixed-size record inside
 * the ring; the program fills it in place and publishes it with
 * bpf_ringbuf_submit() (or withdraws it with bpf_ringbuf_discard()).
 * When the ring is full the reservation fails and the event is lost:
 * that is counted in .bss. Frames that are not IPv4/IPv6 TCP/UDP produce
 * nothing. Every frame passes.
 *
 * The consumer is examples/ringbuf_consumer.c (the host side: it runs
 * this program on a few frames and prints the events). From the command
 * line the ring's contents are not printed, but the run works:
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/ringbuf.o --data /tmp/pkts/ipv6_tcp.bin \
 *       --dump-maps
 * gives retval 2 (XDP_PASS) and .bss {submitted 1, lost 0}.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* One event; the consumer has the same layout. */
struct event {
	__u8 family;   /* 4 or 6 */
	__u8 proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 sport;   /* host order */
	__u16 dport;
	__u16 len;     /* the frame's length */
	__u8 saddr[16];/* IPv4 addresses in the first 4 bytes */
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* bytes: a power of 2, a page multiple */
} events SEC(".maps");

__u64 submitted;
__u64 lost;

SEC("xdp")
int flow_events(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *l4;
	struct event *e;
	__u8 proto, family;
	void *saddr, *daddr;
	__u32 alen;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		family = 4;
		proto = ip->protocol;
		saddr = &ip->saddr;
		daddr = &ip->daddr;
		alen = 4;
		l4 = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		family = 6;
		proto = ip6->nexthdr;
		saddr = &ip6->saddr;
		daddr = &ip6->daddr;
		alen = 16;
		l4 = (void *)(ip6 + 1);
	} else {
		return XDP_PASS;
	}
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) ||
	    (void *)(l4 + 1) > data_end)
		return XDP_PASS;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost, 1);
		return XDP_PASS;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->family = family;
	e->proto = proto;
	e->sport = bpf_ntohs(l4->source);
	e->dport = bpf_ntohs(l4->dest);
	e->len = data_end - data;
	if (alen == 4) {
		__builtin_memcpy(e->saddr, saddr, 4);
		__builtin_memcpy(e->daddr, daddr, 4);
	} else {
		__builtin_memcpy(e->saddr, saddr, 16);
		__builtin_memcpy(e->daddr, daddr, 16);
	}
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(&submitted, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
