// SPDX-License-Identifier: MIT
/*
 * Map benchmark: lpm_trie, IPv4 routes. The map holds MB_NOPS prefixes
 * MB_KEY(i) / MB_PREFIXLEN(i) (/24 to /31) with u64 values; "lookup"
 * looks up the /32 addresses MB_KEY(i) (each inside its own prefix, maybe
 * also inside a longer one), "update" rewrites each prefix, "delete"
 * removes it; see maps_bench.h. Updates and deletes compute the prefix
 * length too: two instructions per operation more than the baseline.
 */
#include "maps_bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MB_NOPS);
	__type(key, struct mb_lpm_key);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} m SEC(".maps");

SEC("xdp") int base(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		__u32 addr = MB_KEY(i);

		MB_OPAQUE(addr);
		sum += addr;
	}
	return mb_finish(ctx, sum);
}

SEC("xdp") int lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		struct mb_lpm_key key = { 32, MB_KEY(i) };
		__u64 *v;

		MB_OPAQUE(key.addr);
		v = bpf_map_lookup_elem(&m, &key);
		if (v)
			sum += *v;
	}
	return mb_finish(ctx, sum);
}

SEC("xdp") int update(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		struct mb_lpm_key key = { MB_PREFIXLEN(i), MB_KEY(i) };
		__u64 val = i + 1;

		MB_OPAQUE(key.addr);
		sum += bpf_map_update_elem(&m, &key, &val, BPF_ANY);
	}
	return mb_finish(ctx, sum);
}

SEC("xdp") int delete(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		struct mb_lpm_key key = { MB_PREFIXLEN(i), MB_KEY(i) };

		MB_OPAQUE(key.addr);
		sum += bpf_map_delete_elem(&m, &key);
	}
	return mb_finish(ctx, sum);
}

char LICENSE[] SEC("license") = "GPL";
