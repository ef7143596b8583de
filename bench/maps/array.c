// SPDX-License-Identifier: MIT
/*
 * Map benchmark: array. MB_NOPS lookups or updates (BPF_ANY) of u64
 * values at the indexes MB_INDEX(i); see maps_bench.h. Arrays have no
 * delete.
 */
#include "maps_bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MB_NOPS);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

SEC("xdp") int base(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		__u32 key = MB_INDEX(i);

		MB_OPAQUE(key);
		sum += key;
	}
	return mb_finish(ctx, sum);
}

SEC("xdp") int lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		__u32 key = MB_INDEX(i);
		__u64 *v;

		MB_OPAQUE(key);
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
		__u32 key = MB_INDEX(i);
		__u64 val = key + 1;

		MB_OPAQUE(key);
		sum += bpf_map_update_elem(&m, &key, &val, BPF_ANY);
	}
	return mb_finish(ctx, sum);
}

char LICENSE[] SEC("license") = "GPL";
