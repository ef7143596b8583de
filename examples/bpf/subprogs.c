// SPDX-License-Identifier: MIT
/*
 * subprogs: bpf-to-bpf calls to static and global subprograms, in a tc
 * classifier.
 *
 *  - l4_ports() is static and __noinline: a real call whose callee is
 *    verified in the caller's context, so it may take packet pointers;
 *  - classify() and is_blocked() are global: each is verified once, on
 *    its own, from its BTF prototype (a context pointer, scalars) and
 *    returns a scalar the caller knows nothing else about.
 * The loader appends the .text subprograms to the program and relocates
 * the calls.
 *
 * The classifier counts frames per class (other, TCP, UDP, ICMP) in an
 * array and drops TCP to ports 23 and 2323 (TC_ACT_SHOT); everything else
 * gets TC_ACT_OK.
 *
 * Run it:
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/subprogs.o --data /tmp/pkts/ipv4_tcp_telnet.bin \
 *       --dump-maps
 * gives retval 2 (TC_ACT_SHOT) and classes[1] (TCP) = 1.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { CLASS_OTHER, CLASS_TCP, CLASS_UDP, CLASS_ICMP, NR_CLASSES };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_CLASSES);
	__type(key, __u32);
	__type(value, __u64);
} classes SEC(".maps");

/* Source and destination port of the TCP/UDP header at l4 (host order);
 * -1 when it is cut short. */
static __noinline int l4_ports(void *l4, void *data_end, __u16 *sport,
			       __u16 *dport)
{
	struct udphdr *h = l4;

	if ((void *)(h + 1) > data_end)
		return -1;
	*sport = bpf_ntohs(h->source);
	*dport = bpf_ntohs(h->dest);
	return 0;
}

/* The class of an IPv4 frame; the destination port of TCP/UDP in the
 * upper 16 bits. */
__noinline int classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u16 sport = 0, dport = 0;
	int class;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return CLASS_OTHER;
	switch (ip->protocol) {
	case IPPROTO_TCP: class = CLASS_TCP; break;
	case IPPROTO_UDP: class = CLASS_UDP; break;
	case IPPROTO_ICMP: return CLASS_ICMP;
	default: return CLASS_OTHER;
	}
	if (l4_ports((void *)ip + ip->ihl * 4, data_end, &sport, &dport))
		return CLASS_OTHER;
	return class | dport << 16;
}

__noinline int is_blocked(int class, __u32 dport)
{
	return class == CLASS_TCP && (dport == 23 || dport == 2323);
}

SEC("tc")
int tc_classify(struct __sk_buff *skb)
{
	int r = classify(skb);
	__u32 class = r & 0xffff, dport = (__u32)r >> 16;
	__u64 *n;

	n = bpf_map_lookup_elem(&classes, &class);
	if (n)
		__sync_fetch_and_add(n, 1);
	return is_blocked(class, dport) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
