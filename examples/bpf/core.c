// SPDX-License-Identifier: MIT
/*
 * core: CO-RE (compile once, run everywhere) field accesses, relocated at
 * load time against the target's BTF (/sys/kernel/btf/vmlinux, for ubee
 * and for libbpf alike).
 *
 *  - struct __sk_buff___local is this program's own view of the context:
 *    only the fields it uses, in a different order, plus one the kernel
 *    does not have. With preserve_access_index every access is recorded
 *    as a relocation (the ___local suffix is ignored when matching), so
 *    the load puts each at the field's real offset: direct context loads,
 *    as the kernel wants them;
 *  - BPF_CORE_READ() reads fields of the packet's struct iphdr through
 *    bpf_probe_read_kernel() at relocated offsets, and
 *    BPF_CORE_READ_BITFIELD_PROBED() the 4-bit ihl and version fields
 *    (byte offset, size and shifts all come from the target);
 *  - bpf_core_field_exists(), bpf_core_field_size(), bpf_core_type_size()
 *    and bpf_core_enum_value() become constants at load time.
 * Everything read lands in .bss; the program returns TC_ACT_OK.
 *
 * Run it (the context may set mark and priority):
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/core.o --data /tmp/pkts/ipv4_options.bin \
 *       --dump-maps
 * gives .bss out {len 50, protocol 8 (ETH_P_IP as read on a little-endian
 * host), ttl 3, ihl 6, version 4, has_missing 0, has_hwtstamp 1,
 * skb_size 192, ...}.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

struct __sk_buff___local {
	__u32 priority;
	__u32 mark;
	__u32 len;
	__u32 protocol;
	__u64 hwtstamp;
	__u32 no_such_field;
} __attribute__((preserve_access_index));

struct out {
	__u32 len;
	__u32 protocol;
	__u32 mark;
	__u32 priority;
	__u32 ttl;
	__u32 ihl;
	__u32 version;
	__u32 saddr;        /* network order */
	__u32 has_missing;  /* bpf_core_field_exists(no_such_field) */
	__u32 has_hwtstamp;
	__u32 len_size;     /* bpf_core_field_size(len) */
	__u32 skb_size;     /* bpf_core_type_size(struct __sk_buff) */
	__u32 iphdr_size;
	__u32 xdp_tx;       /* bpf_core_enum_value(enum xdp_action, XDP_TX) */
};

struct out out;

SEC("tc")
int core_fields(struct __sk_buff *skb)
{
	struct __sk_buff___local *s = (void *)skb;
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;

	out.len = s->len;
	out.protocol = s->protocol;
	out.mark = s->mark;
	out.priority = s->priority;
	out.has_missing = bpf_core_field_exists(s->no_such_field);
	out.has_hwtstamp = bpf_core_field_exists(s->hwtstamp);
	out.len_size = bpf_core_field_size(s->len);
	out.skb_size = bpf_core_type_size(struct __sk_buff);
	out.iphdr_size = bpf_core_type_size(struct iphdr);
	out.xdp_tx = bpf_core_enum_value(enum xdp_action, XDP_TX);

	if (skb->protocol != bpf_htons(ETH_P_IP) || (void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	out.ttl = BPF_CORE_READ(ip, ttl);
	out.saddr = BPF_CORE_READ(ip, saddr);
	out.ihl = BPF_CORE_READ_BITFIELD_PROBED(ip, ihl);
	out.version = BPF_CORE_READ_BITFIELD_PROBED(ip, version);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
