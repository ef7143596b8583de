// SPDX-License-Identifier: MIT
/*
 * globals: global variables as maps, the way libbpf skeletons use them.
 *
 *  - .rodata: `const volatile` configuration (a loader may rewrite it
 *    before the load; the program sees constants afterwards): the TCP/UDP
 *    destination port to block and the largest frame to let through;
 *  - .bss: zero-initialised counters, updated in place by the program;
 *  - .data: an initialised variable (the smallest frame seen so far,
 *    starting at ~0).
 *
 * The program drops IPv4 TCP/UDP frames to blocked_port and frames longer
 * than max_len; everything else passes.
 *
 * Run it:
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/globals.o --data /tmp/pkts/ipv4_tcp_telnet.bin \
 *       --dump-maps
 * gives retval 1 (XDP_DROP) and .bss {seen 1, dropped_port 1, dropped_len 0}.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* .rodata */
const volatile __u16 blocked_port = 23;
const volatile __u32 max_len = 1500;

/* .bss */
__u64 seen;
__u64 dropped_port;
__u64 dropped_len;

/* .data */
__u64 min_len = ~0ULL;

/* The destination port of an IPv4 TCP or UDP frame, or 0. */
static __always_inline __u16 ipv4_dport(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *l4; /* TCP and UDP both start with the two ports */

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return 0;
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 1) > data_end)
		return 0;
	return bpf_ntohs(l4->dest);
}

SEC("xdp")
int filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;

	__sync_fetch_and_add(&seen, 1);
	if (len < min_len)
		min_len = len; /* racy across CPUs: good enough for a statistic */
	if (len > max_len) {
		__sync_fetch_and_add(&dropped_len, 1);
		return XDP_DROP;
	}
	if (ipv4_dport(data, data_end) == blocked_port) {
		__sync_fetch_and_add(&dropped_port, 1);
		return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
