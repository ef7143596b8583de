// SPDX-License-Identifier: MIT
/*
 * tailcall: an XDP dispatcher that tail-calls one program per IP protocol
 * through a BPF_MAP_TYPE_PROG_ARRAY.
 *
 * The prog array is filled in the object itself (libbpf's `.values`
 * initialiser: slot i holds the program named there), so loading the
 * object is enough. A tail call replaces the running program and never
 * returns; when the slot is empty, bpf_tail_call() returns and the
 * dispatcher goes on. Each handler counts in a per-CPU array (one slot
 * per CPU: no atomics needed) and returns its verdict: TCP and UDP pass,
 * ICMP is dropped; frames with no handler (ICMPv6, ARP, ...) are counted
 * as "missed" by the dispatcher and pass.
 *
 * Run it (the dispatcher is the program to run):
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/tailcall.o --program dispatch \
 *       --data /tmp/pkts/ipv4_icmp_echo.bin --dump-maps
 * gives retval 1 (XDP_DROP) and hits[HIT_ICMP] = 1 (summed over CPUs).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { SLOT_TCP, SLOT_UDP, SLOT_ICMP, SLOT_ICMPV6, NR_SLOTS };
enum { HIT_TCP, HIT_UDP, HIT_ICMP, HIT_MISSED, HIT_NOT_IP, NR_HITS };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_HITS);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&hits, &what);

	if (n)
		*n += 1;
	return 0;
}

SEC("xdp")
int handle_tcp(struct xdp_md *ctx)
{
	count(HIT_TCP);
	return XDP_PASS;
}

SEC("xdp")
int handle_udp(struct xdp_md *ctx)
{
	count(HIT_UDP);
	return XDP_PASS;
}

SEC("xdp")
int handle_icmp(struct xdp_md *ctx)
{
	count(HIT_ICMP);
	return XDP_DROP;
}

/* No handler for ICMPv6 in slot SLOT_ICMPV6: those tail calls fall through. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, NR_SLOTS);
	__type(key, __u32);
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = {
		[SLOT_TCP] = (void *)&handle_tcp,
		[SLOT_UDP] = (void *)&handle_udp,
		[SLOT_ICMP] = (void *)&handle_icmp,
	},
};

/* The slot for the frame's IP protocol, or -1. */
static __always_inline int slot_of(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	__u8 proto;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return -1;
		proto = ip->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		proto = ip6->nexthdr;
	} else {
		return -1;
	}
	switch (proto) {
	case IPPROTO_TCP: return SLOT_TCP;
	case IPPROTO_UDP: return SLOT_UDP;
	case IPPROTO_ICMP: return SLOT_ICMP;
	case IPPROTO_ICMPV6: return SLOT_ICMPV6;
	}
	return -1;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	int slot = slot_of((void *)(long)ctx->data, (void *)(long)ctx->data_end);

	if (slot < 0)
		return count(HIT_NOT_IP), XDP_PASS;
	bpf_tail_call(ctx, &jmp_table, slot);
	/* Only reached when the slot is empty. */
	count(HIT_MISSED);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
