// SPDX-License-Identifier: MIT
/*
 * Legacy map definitions (struct bpf_map_def in the "maps" section, as
 * before BTF-defined maps) for tests/unit/test_loader.c. libbpf 1.x
 * refuses these objects; ubee still reads them, so
 * tests/sh/libbpf_xcheck.sh checks that libbpf rejects this one. The
 * program runs on plain memory: r1 points to the input bytes.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 32,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 4,
};

/* legacy_hash[p[0]] = p[1]; legacy_array[1] += p[1]; returns both added */
SEC("socket")
int legacy_prog(unsigned char *p)
{
	__u32 key = p[0], one = 1;
	__u64 v = p[1];
	__u64 *hv;
	__u32 *av;

	bpf_map_update_elem(&legacy_hash, &key, &v, BPF_ANY);
	hv = bpf_map_lookup_elem(&legacy_hash, &key);
	av = bpf_map_lookup_elem(&legacy_array, &one);
	if (!hv || !av)
		return -1;
	*av += p[1];
	return (int)(*hv + *av);
}

char LICENSE[] SEC("license") = "GPL";
