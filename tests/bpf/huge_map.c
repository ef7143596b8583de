// SPDX-License-Identifier: MIT
/*
 * An object whose hash map would need about 12 GiB (tests/unit/
 * test_limits.c): loading it must fail with a clear limit error before
 * anything is allocated.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 28);
	__type(key, __u32);
	__type(value, __u64);
} huge SEC(".maps");

SEC("mem")
int touch(void *p)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&huge, &k) != 0;
}

char LICENSE[] SEC("license") = "GPL";
