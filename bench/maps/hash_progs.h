/* SPDX-License-Identifier: MIT */
/*
 * The programs of the hash map benchmarks (hash.c, lru_hash.c,
 * percpu_hash.c define MB_MAP_TYPE and MB_MAX_ENTRIES, then include this):
 * MB_NOPS lookups, updates of existing keys (BPF_ANY) or deletes of u32
 * keys with u64 values; see maps_bench.h.
 */
#include "maps_bench.h"

struct {
	__uint(type, MB_MAP_TYPE);
	__uint(max_entries, MB_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

SEC("xdp") int base(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		__u32 key = MB_KEY(i);

		MB_OPAQUE(key);
		sum += key;
	}
	return mb_finish(ctx, sum);
}

SEC("xdp") int lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		__u32 key = MB_KEY(i);
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
		__u32 key = MB_KEY(i);
		__u64 val = i + 1;

		MB_OPAQUE(key);
		sum += bpf_map_update_elem(&m, &key, &val, BPF_ANY);
	}
	return mb_finish(ctx, sum);
}

SEC("xdp") int delete(struct xdp_md *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 0; i < MB_NOPS; i++) {
		__u32 key = MB_KEY(i);

		MB_OPAQUE(key);
		sum += bpf_map_delete_elem(&m, &key);
	}
	return mb_finish(ctx, sum);
}

char LICENSE[] SEC("license") = "GPL";
