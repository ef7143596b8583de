// SPDX-License-Identifier: MIT
/*
 * lpm_firewall: an IPv4 source-address firewall on a longest-prefix-match
 * trie (BPF_MAP_TYPE_LPM_TRIE).
 *
 * A lookup with a full /32 key returns the rule with the longest prefix
 * covering the address, so rules nest: 10.0.0.0/8 is denied, but
 * 10.1.0.0/16 inside it is allowed, except for the one host 10.1.2.99/32.
 * Each rule counts its hits in its own value (atomic add). Addresses no
 * rule covers pass, counted in .bss, as are non-IPv4 frames.
 *
 * Where the rules come from: a real deployment has its control plane fill
 * the trie from user space (bpf_map_update_elem on the map). To be
 * self-contained - the same object runs from `ubee run` and in the
 * kernel's BPF_PROG_TEST_RUN with nothing else to set up - this one
 * carries its rule set in .rodata (which a loader may rewrite before
 * the load, like any `const volatile`) and the first frame installs it
 * into the trie from the program itself.
 *
 * Run it:
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/lpm_firewall.o --data /tmp/pkts/ipv4_fw_host.bin \
 *       --dump-maps
 * gives retval 1 (XDP_DROP): 10.1.2.99 matches the /32 rule (id 3) whose
 * hits is then 1.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum fw_action { FW_ALLOW = 1, FW_DENY = 2 };

struct lpm_key {
	__u32 prefixlen;   /* bits of addr that count */
	__u8 addr[4];      /* network order */
};

struct rule {
	enum fw_action action;
	__u32 id;
	__u64 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */
	__type(key, struct lpm_key);
	__type(value, struct rule);
} rules SEC(".maps");

#define MAX_RULES 8

struct rule_def {
	__u8 addr[4];
	__u32 prefixlen;
	enum fw_action action;
};

/* .rodata: the rule set (id = index + 1). */
const volatile struct rule_def rule_set[MAX_RULES] = {
	{ { 10, 0, 0, 0 }, 8, FW_DENY },
	{ { 10, 1, 0, 0 }, 16, FW_ALLOW },
	{ { 10, 1, 2, 99 }, 32, FW_DENY },
	{ { 192, 168, 0, 0 }, 16, FW_DENY },
};
const volatile __u32 nr_rules = 4;

/* .bss */
__u32 installed;
__u64 no_match;
__u64 not_ipv4;

static __always_inline void install_rules(void)
{
	for (__u32 i = 0; i < MAX_RULES && i < nr_rules; i++) {
		struct lpm_key k = { .prefixlen = rule_set[i].prefixlen };
		struct rule r = { .action = rule_set[i].action, .id = i + 1 };

		__builtin_memcpy(k.addr, (const void *)rule_set[i].addr, 4);
		bpf_map_update_elem(&rules, &k, &r, BPF_NOEXIST);
	}
	installed = 1;
}

SEC("xdp")
int firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct lpm_key key = { .prefixlen = 32 };
	struct rule *r;

	if (!installed)
		install_rules();
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		__sync_fetch_and_add(&not_ipv4, 1);
		return XDP_PASS;
	}
	__builtin_memcpy(key.addr, &ip->saddr, 4);
	r = bpf_map_lookup_elem(&rules, &key);
	if (!r) {
		__sync_fetch_and_add(&no_match, 1);
		return XDP_PASS;
	}
	__sync_fetch_and_add(&r->hits, 1);
	return r->action == FW_DENY ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
