// SPDX-License-Identifier: MIT
/*
 * Programs for the packet-path tests (tests/sh/test_pkt*.sh): one per
 * verdict path of `ubee xdp`, `ubee tc` and `ubee socket`.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("xdp")
int xdp_drop_all(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* IPv4 UDP is dropped, IPv4 TCP sent back (MACs swapped), the rest passes. */
SEC("xdp")
int xdp_sort(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u8 tmp[ETH_ALEN];
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&seen, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol == IPPROTO_UDP)
		return XDP_DROP;
	if (ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

/* Every packet to tx_ports[0] (XDP_DROP when the slot is empty). */
SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx_ports, 0, XDP_DROP);
}

/* Grow the packet: 4 bytes before it (0xfeedf00d), 4 after (0xdeadbeef). */
SEC("xdp")
int xdp_grow(struct xdp_md *ctx)
{
	void *data, *end, *tail;
	__u32 len;

	if (bpf_xdp_adjust_tail(ctx, 4) || bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 4 > end)
		return XDP_ABORTED;
	*(__u32 *)data = bpf_htonl(0xfeedf00d);
	/*
	 * The verifier allows no access through data_end, nor at a negative
	 * offset from a variable one: data + (len - 4), the difference kept
	 * a scalar (the barrier stops clang from folding the - 4 back) and
	 * bounded well below the verifier's 64 KiB packet offset limit.
	 */
	len = ctx->data_end - ctx->data - 4;
	asm volatile("" : "+r"(len));
	if (len > 0x3fff)
		return XDP_ABORTED;
	tail = data + len;
	if (tail + 4 > end)
		return XDP_ABORTED;
	*(__u32 *)tail = bpf_htonl(0xdeadbeef);
	return XDP_PASS;
}

/* tc: IPv4 UDP shot, everything else on (direct packet access). */
SEC("tc")
int tc_no_udp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)(ip + 1) > end || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	return ip->protocol == IPPROTO_UDP ? TC_ACT_SHOT : TC_ACT_OK;
}

/*
 * socket: non-IPv4 dropped, TCP cut to 54 bytes (headers only), the rest
 * kept; protocol read with LD_ABS, the Ethernet type with skb_load_bytes.
 */
/* LD_ABS, as the kernel's samples reach it. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

SEC("socket")
int sock_headers(struct __sk_buff *skb)
{
	__u16 type;

	if (bpf_skb_load_bytes(skb, 12, &type, sizeof(type)) ||
	    type != bpf_htons(ETH_P_IP))
		return 0;
	if (load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol)) ==
	    IPPROTO_TCP)
		return 54;
	return skb->len;
}

char _license[] SEC("license") = "GPL";
