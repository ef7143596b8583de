// SPDX-License-Identifier: MIT
/*
 * The packet benchmark's firewall (bench/pkt_harness.c): a parser and a
 * firewall of the kind XDP is used for. It walks Ethernet, up to two VLAN
 * tags, IPv4 (with options) or IPv6, then TCP or UDP ports; drops IPv4
 * packets whose source address the longest matching rule of an LPM trie
 * (filled by the harness) denies; and counts every other IPv4 TCP/UDP
 * packet per flow (5-tuple) in a hash map, adding a flow on its first
 * packet. Everything else passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fw.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fw_lpm_key);
	__type(value, __u32);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_MAX_FLOWS);
	__type(key, struct fw_flow_key);
	__type(value, struct fw_flow_val);
} flows SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

SEC("xdp")
int xdp_fw(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct fw_lpm_key lk = { .prefixlen = 32 };
	struct fw_flow_key fk = {};
	struct fw_flow_val *fv, nv;
	struct iphdr *ip;
	__u32 *verdict;
	__u16 proto;
	void *l4;

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	proto = eth->h_proto;
	l4 = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh = l4;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return XDP_DROP;
		proto = vh->proto;
		l4 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l4;

		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		return XDP_PASS;
	}
	if (proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = l4;
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return XDP_DROP;
	__builtin_memcpy(lk.addr, &ip->saddr, 4);
	verdict = bpf_map_lookup_elem(&rules, &lk);
	if (verdict && *verdict == FW_DENY)
		return XDP_DROP;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	l4 = (void *)ip + ip->ihl * 4;
	if (l4 + 4 > end)
		return XDP_DROP;
	fk.saddr = ip->saddr;
	fk.daddr = ip->daddr;
	fk.sport = ((__be16 *)l4)[0];
	fk.dport = ((__be16 *)l4)[1];
	fk.proto = ip->protocol;
	fv = bpf_map_lookup_elem(&flows, &fk);
	if (fv) {
		__sync_fetch_and_add(&fv->packets, 1);
		__sync_fetch_and_add(&fv->bytes, end - data);
	} else {
		nv.packets = 1;
		nv.bytes = end - data;
		bpf_map_update_elem(&flows, &fk, &nv, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
