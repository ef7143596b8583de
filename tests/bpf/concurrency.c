// SPDX-License-Identifier: MIT
/*
 * A program for tests/unit/test_concurrency.c, run by many threads at
 * once on shared maps: an atomic add into a hash value, a non-atomic add
 * into a per-CPU value (safe only if per-CPU slots are exclusive), an
 * update of a hash key per input, and one ring buffer record per run.
 * Input: 8 bytes, the thread number then the run number (u32 each).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

struct event {
	__u32 thread;
	__u32 run;
};

SEC("mem")
int hammer(__u32 *in)
{
	__u32 zero = 0, thread = in[0], run = in[1];
	__u64 one = 1, *v;
	struct event *e;

	v = bpf_map_lookup_elem(&shared, &zero);
	if (!v) {
		/* The first run creates the counter at 1; racing ones add. */
		if (!bpf_map_update_elem(&shared, &zero, &one, BPF_NOEXIST))
			goto counted;
		v = bpf_map_lookup_elem(&shared, &zero);
		if (!v)
			return 1;
	}
	__sync_fetch_and_add(v, 1);
counted:
	v = bpf_map_lookup_elem(&pcpu, &zero);
	if (!v)
		return 2;
	*v += 1; /* not atomic: exclusive per-CPU slots make it safe */
	bpf_map_update_elem(&last, &thread, &run, BPF_ANY);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 3;
	e->thread = thread;
	e->run = run;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
