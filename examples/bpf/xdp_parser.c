// SPDX-License-Identifier: MIT
/*
 * xdp_parser: a complete XDP packet parser with bounds checks at every
 * step, per-protocol statistics, and an ICMP echo responder.
 *
 * It walks Ethernet, up to two VLAN tags (802.1Q / 802.1ad), ARP, IPv4
 * (with options) and IPv6, then TCP, UDP, ICMP and ICMPv6, counting
 * packets and bytes for every header it recognises in a per-CPU array
 * (struct stats per enum proto). Verdicts:
 *  - a header cut short: XDP_DROP, counted as P_MALFORMED;
 *  - an IPv4 ICMP echo request (VLAN-tagged or not): answered in place
 *    (MACs and addresses swapped, type 0, ICMP checksum updated
 *    incrementally per RFC 1624) and sent back with XDP_TX;
 *  - anything else: XDP_PASS.
 *
 * Run it:
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/xdp_parser.o --data /tmp/pkts/ipv4_icmp_echo.bin \
 *       --dump-maps
 * gives retval 3 (XDP_TX), the echo reply in data_out, and counts for
 * P_ETH, P_IPV4, P_ICMP and P_ECHO_REPLIED.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum proto {
	P_ETH, P_VLAN, P_ARP, P_IPV4, P_IPV6, P_TCP, P_UDP, P_ICMP, P_ICMPV6,
	P_OTHER, P_MALFORMED, P_ECHO_REPLIED, NR_PROTO
};

struct stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_PROTO);
	__type(key, __u32);
	__type(value, struct stats);
} proto_stats SEC(".maps");

/*
 * The headers whose UAPI files (linux/if_arp.h, linux/icmp.h) pull in
 * libc's, which a BPF compile cannot use. ICMPv6 starts the same way.
 */
struct icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

struct arp_hdr {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* A cursor over the packet: every header is taken through pull(). */
struct cursor {
	void *pos;
	void *end;
};

#define pull(c, type) ({                                                   \
	type *h_ = (c)->pos;                                               \
	if ((void *)(h_ + 1) > (c)->end)                                   \
		h_ = 0;                                                    \
	else                                                               \
		(c)->pos = h_ + 1;                                         \
	h_; })

static __always_inline void count(__u32 p, __u64 bytes)
{
	struct stats *s = bpf_map_lookup_elem(&proto_stats, &p);

	if (s) {
		s->packets++;
		s->bytes += bytes;
	}
}

/* One's complement add of a 16-bit difference (RFC 1624 eq. 3). */
static __always_inline __u16 csum_replace(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline int echo_reply(struct ethhdr *eth, struct iphdr *ip,
				      struct icmp_hdr *icmp)
{
	__u8 mac[ETH_ALEN];
	__be32 addr;

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	/* Swapping the addresses keeps the IPv4 header checksum. */
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	/* type and code form the checksum's first word */
	icmp->checksum = csum_replace(icmp->checksum, bpf_htons(ICMP_ECHO << 8),
				      bpf_htons(ICMP_ECHOREPLY << 8));
	icmp->type = ICMP_ECHOREPLY;
	return XDP_TX;
}

SEC("xdp")
int parse(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	__u64 len = c.end - c.pos;
	struct ethhdr *eth;
	struct iphdr *ip = 0;
	__u16 type;
	__u8 l4;

	eth = pull(&c, struct ethhdr);
	if (!eth)
		goto malformed;
	count(P_ETH, len);
	type = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *v;

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		v = pull(&c, struct vlan_hdr);
		if (!v)
			goto malformed;
		count(P_VLAN, len);
		type = v->encap_proto;
	}

	if (type == bpf_htons(ETH_P_ARP)) {
		if (!pull(&c, struct arp_hdr))
			goto malformed;
		count(P_ARP, len);
		return XDP_PASS;
	} else if (type == bpf_htons(ETH_P_IP)) {
		ip = pull(&c, struct iphdr);
		if (!ip || ip->ihl < 5)
			goto malformed;
		/* Skip the options: bounded, ihl is 4 bits. */
		c.pos = (void *)ip + ip->ihl * 4;
		if (c.pos > c.end)
			goto malformed;
		count(P_IPV4, len);
		/* Later fragments carry no L4 header. */
		if (ip->frag_off & bpf_htons(0x1fff))
			return XDP_PASS;
		l4 = ip->protocol;
	} else if (type == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = pull(&c, struct ipv6hdr);

		if (!ip6)
			goto malformed;
		count(P_IPV6, len);
		l4 = ip6->nexthdr;
	} else {
		count(P_OTHER, len);
		return XDP_PASS;
	}

	switch (l4) {
	case IPPROTO_TCP:
		if (!pull(&c, struct tcphdr))
			goto malformed;
		count(P_TCP, len);
		break;
	case IPPROTO_UDP:
		if (!pull(&c, struct udphdr))
			goto malformed;
		count(P_UDP, len);
		break;
	case IPPROTO_ICMP: {
		struct icmp_hdr *icmp = pull(&c, struct icmp_hdr);

		if (!icmp)
			goto malformed;
		count(P_ICMP, len);
		if (ip && icmp->type == ICMP_ECHO && icmp->code == 0) {
			count(P_ECHO_REPLIED, len);
			return echo_reply(eth, ip, icmp);
		}
		break;
	}
	case IPPROTO_ICMPV6:
		if (!pull(&c, struct icmp_hdr))
			goto malformed;
		count(P_ICMPV6, len);
		break;
	default:
		count(P_OTHER, len);
	}
	return XDP_PASS;

malformed:
	count(P_MALFORMED, len);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
