// SPDX-License-Identifier: MIT
/*
 * counter: a hash map counting packets and bytes per EtherType, in a
 * socket filter.
 *
 * Shows a BTF-defined BPF_MAP_TYPE_HASH (.maps section), the
 * lookup-or-insert idiom (BPF_NOEXIST so concurrent inserts never reset a
 * count) and atomic adds into a map value. A socket filter reads the
 * frame's metadata from its __sk_buff (protocol, len: no direct packet
 * access) and returns how many bytes of the frame to keep: all of them.
 *
 * Run it (frames from tests/tools/mkpkt.py):
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/counter.o --data /tmp/pkts/ipv4_udp.bin \
 *       --repeat 3 --dump-maps
 * gives retval 58 (the frame's length: keep it all) and one entry: key
 * 2048 (0x0800, IPv4), {"packets":3,"bytes":174}.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);             /* EtherType, host byte order */
	__type(value, struct stats);
} counts SEC(".maps");

SEC("socket")
int count_ethertype(struct __sk_buff *skb)
{
	__u16 proto = bpf_ntohs(skb->protocol);
	struct stats *s, zero = {};

	s = bpf_map_lookup_elem(&counts, &proto);
	if (!s) {
		/* Another CPU may insert first: then keep its entry. */
		bpf_map_update_elem(&counts, &proto, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&counts, &proto);
		if (!s)
			return skb->len; /* the map is full */
	}
	__sync_fetch_and_add(&s->packets, 1);
	__sync_fetch_and_add(&s->bytes, skb->len);
	return skb->len;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
