// SPDX-License-Identifier: MIT
/*
 * BTF-defined maps for the loader's tests (tests/unit/test_loader.c and
 * tests/sh/libbpf_xcheck.sh): several types with key/value given as
 * types or sizes, flags, pinning, a map of maps whose inner map and
 * initial slots come from __array, a prog array with initial programs,
 * and a bpf_for_each_map_elem callback. Programs run on plain memory:
 * r1 points to the input bytes.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val {
	__u64 hits;
	__u32 last;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, __u64);
	__type(value, __u32);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, __u32);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* Two maps that can sit in the map of maps. */
struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner inner_a SEC(".maps");
struct inner inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

int tail_one(unsigned char *p);
int tail_two(unsigned char *p);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(unsigned char *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&tail_one, [3] = (void *)&tail_two },
};

SEC("socket")
int tail_one(unsigned char *p)
{
	return 101;
}

SEC("socket")
int tail_two(unsigned char *p)
{
	return 202;
}

/* counters[p[0]].hits += 1; .last = p[1]; returns the new hit count */
SEC("socket")
int count(unsigned char *p)
{
	__u32 key = p[0];
	struct val *v = bpf_map_lookup_elem(&counters, &key);

	if (!v) {
		struct val init = { 0, 0, 0 };

		bpf_map_update_elem(&counters, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counters, &key);
		if (!v)
			return -1;
	}
	v->hits++;
	v->last = p[1];
	return (int)v->hits;
}

/* inner map at outer[p[0]]: store p[1] at index 1, return what is at 1 */
SEC("socket")
int through_outer(unsigned char *p)
{
	__u32 okey = p[0], ikey = 1, val = p[1];
	__u32 *got;
	void *in = bpf_map_lookup_elem(&outer, &okey);

	if (!in)
		return -1;
	bpf_map_update_elem(in, &ikey, &val, BPF_ANY);
	got = bpf_map_lookup_elem(in, &ikey);
	return got ? (int)*got : -2;
}

/* tail call to jumps[p[0]]; -1 when the slot is empty */
SEC("socket")
int jump(unsigned char *p)
{
	bpf_tail_call(p, &jumps, p[0]);
	return -1;
}

struct sum_ctx {
	__u64 sum;
};

static long add_slot(void *map, __u32 *key, __u64 *val, struct sum_ctx *c)
{
	c->sum += *val * (*key + 1);
	return 0;
}

/* slots[i] = i * p[0] for each i, then sum of slots[i] * (i + 1) */
SEC("socket")
int sum_slots(unsigned char *p)
{
	struct sum_ctx c = { 0 };

	for (__u32 i = 0; i < 8; i++) {
		__u64 v = (__u64)i * p[0];

		bpf_map_update_elem(&slots, &i, &v, BPF_ANY);
	}
	bpf_for_each_map_elem(&slots, add_slot, &c, 0);
	return (int)c.sum;
}

/* push p[0], p[1] into the queue; pop one: p[0] */
SEC("xdp")
int queue_it(unsigned char *p)
{
	__u32 a = p[0], b = p[1], out = 0;

	bpf_map_push_elem(&fifo, &a, 0);
	bpf_map_push_elem(&fifo, &b, 0);
	if (bpf_map_pop_elem(&fifo, &out))
		return -1;
	return (int)out;
}

SEC("tc")
int touch_all(unsigned char *p)
{
	__u32 k = 0;
	__u64 lk = 7;
	__u64 *pc = bpf_map_lookup_elem(&pcpu, &k);
	__u32 *l = bpf_map_lookup_elem(&lru, &lk);

	return (pc ? 1 : 0) + (l ? 2 : 0) +
	       (int)bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
}

char LICENSE[] SEC("license") = "GPL";
