// SPDX-License-Identifier: MIT
/*
 * Hostile programs: out-of-bounds accesses of every region kind (stack,
 * context, packet, map value, ring buffer record, read-only global data),
 * written as careless C or deliberate C. Every one must be rejected by
 * the verifier; tests/unit/test_hostile.c checks ubee and the kernel.
 * Before each program, its record (format in test_hostile.c):
 * "// hostile: <function>", "// expect: <verifier message>", ...
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} vals SEC(".maps");

struct slots {
	__u64 slot[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct slots);
	__uint(max_entries, 1);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

const volatile __u32 limit = 10;

/* ---- stack ------------------------------------------------------------- */

// hostile: stack_below_frame
// type: socket_filter
// expect: invalid read from stack R1 off=-528 size=8
SEC("socket")
int stack_below_frame(struct __sk_buff *skb)
{
	volatile __u64 buf[2] = { skb->len, skb->mark };
	volatile __u64 *p = buf;

	/* hide p from the optimizer, then walk 64 slots below the array */
	asm volatile("" : "+r"(p));
	return (int)p[-64];
}

// hostile: stack_var_past_top
// type: socket_filter
// expect: invalid variable-offset read from stack
SEC("socket")
int stack_var_past_top(struct __sk_buff *skb)
{
	volatile __u64 buf[4] = { 1, 2, 3, 4 };
	__u32 i = skb->len & 7;	/* 0..7 over a 4-slot array */

	return (int)buf[i];
}

// hostile: stack_write_above_frame
// type: socket_filter
// expect: invalid write to stack R2 off=8 size=8
SEC("socket")
int stack_write_above_frame(struct __sk_buff *skb)
{
	volatile __u64 buf[1] = { 0 };
	volatile __u64 *p = buf;

	asm volatile("" : "+r"(p));
	p[2] = skb->len;	/* past the array: into the caller's frame */
	return 0;
}

/* ---- context ------------------------------------------------------------ */

// hostile: ctx_past_end
// type: socket_filter
// expect: invalid bpf_context access off=240 size=4
SEC("socket")
int ctx_past_end(struct __sk_buff *skb)
{
	return ((volatile __u32 *)skb)[60];
}

// hostile: ctx_write_len
// type: socket_filter
// expect: invalid bpf_context access off=0 size=4
SEC("socket")
int ctx_write_len(struct __sk_buff *skb)
{
	skb->len = 0;	/* read-only field: truncating the packet */
	return 0;
}

// hostile: ctx_var_offset
// type: socket_filter
// expect: variable ctx access var_off=
SEC("socket")
int ctx_var_offset(struct __sk_buff *skb)
{
	__u32 i = skb->len & 3;

	return skb->cb[i];
}

/* ---- packet ------------------------------------------------------------ */

// hostile: pkt_no_check
// type: xdp
// expect: invalid access to packet, off=12 size=1
SEC("xdp")
int pkt_no_check(struct xdp_md *ctx)
{
	struct ethhdr *eth = (void *)(long)ctx->data;

	return eth->h_proto == 0x0008 ? XDP_PASS : XDP_DROP;
}

// hostile: pkt_off_by_one
// type: xdp
// expect: invalid access to packet, off=14 size=1
SEC("xdp")
int pkt_off_by_one(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + sizeof(struct ethhdr) > end)
		return XDP_DROP;
	return data[sizeof(struct ethhdr)] == 0x45 ? XDP_PASS : XDP_DROP;
}

// hostile: pkt_var_offset
// type: xdp
// expect: invalid access to packet
SEC("xdp")
int pkt_var_offset(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u8 n;

	if (data + 64 > end)
		return XDP_DROP;
	n = data[0];	/* an attacker-chosen index */
	return data[n];
}

// hostile: pkt_direct_socket
// type: socket_filter
// expect: invalid bpf_context access off=80 size=4
SEC("socket")
int pkt_direct_socket(struct __sk_buff *skb)
{
	/* socket filters have no direct packet access (no data_end) */
	__u8 *data = (void *)(long)skb->data;
	__u8 *end = (void *)(long)skb->data_end;

	if (data + 1 > end)
		return 0;
	data[0] = 0xff;
	return 0;
}

/* ---- map values --------------------------------------------------------- */

// hostile: map_value_past_end
// type: socket_filter
// expect: invalid access to map value, value_size=8 off=8 size=4
SEC("socket")
int map_value_past_end(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (!v)
		return 0;
	return ((volatile __u32 *)v)[2];
}

// hostile: map_value_before_start
// type: socket_filter
// expect: invalid access to map value, value_size=8 off=-1 size=1
SEC("socket")
int map_value_before_start(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (!v)
		return 0;
	((volatile __u8 *)v)[-1] = 0;
	return 0;
}

// hostile: map_value_var_index
// type: socket_filter
// expect: max value is outside of the allowed memory range
SEC("socket")
int map_value_var_index(struct __sk_buff *skb)
{
	__u32 key = 0, i = skb->len;
	struct slots *s = bpf_map_lookup_elem(&table, &key);

	if (!s || i > 4)	/* should be i >= 4 */
		return 0;
	s->slot[i] = 1;
	return 0;
}

// hostile: map_value_unbounded
// type: socket_filter
// expect: unbounded memory access
SEC("socket")
int map_value_unbounded(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct slots *s = bpf_map_lookup_elem(&table, &key);

	if (!s)
		return 0;
	return (int)s->slot[skb->len];
}

/* ---- ring buffer records ------------------------------------------------- */

// hostile: ringbuf_past_record
// type: socket_filter
// expect: invalid access to memory, mem_size=16 off=16 size=8
SEC("socket")
int ringbuf_past_record(struct __sk_buff *skb)
{
	__u64 *e = bpf_ringbuf_reserve(&events, 16, 0);

	if (!e)
		return 0;
	e[0] = skb->len;
	e[1] = skb->mark;
	e[2] = skb->hash;	/* the record holds two words */
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// hostile: ringbuf_var_index
// type: socket_filter
// expect: invalid access to memory, mem_size=32
SEC("socket")
int ringbuf_var_index(struct __sk_buff *skb)
{
	__u64 *e = bpf_ringbuf_reserve(&events, 32, 0);
	__u32 i = skb->len & 7;

	if (!e)
		return 0;
	e[i] = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- read-only global data ----------------------------------------------- */

// hostile: rodata_write
// type: socket_filter
// expect: write into map forbidden
SEC("socket")
int rodata_write(struct __sk_buff *skb)
{
	*(volatile __u32 *)&limit = skb->len;	/* casting const away */
	return 0;
}

/* ---- atomics on memory that may not take them ------------------------------ */

// hostile: atomic_on_ctx
// type: socket_filter
// expect: BPF_ATOMIC stores into R1 ctx is not allowed
SEC("socket")
int atomic_on_ctx(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&skb->cb[0], 1);	/* a counter in the skb */
	return 0;
}

// hostile: atomic_on_packet
// type: xdp
// expect: BPF_ATOMIC stores into R1 pkt is not allowed
SEC("xdp")
int atomic_on_packet(struct xdp_md *ctx)
{
	__u32 *data = (void *)(long)ctx->data;
	__u32 *end = (void *)(long)ctx->data_end;

	if (data + 1 > end)
		return XDP_DROP;
	__sync_fetch_and_add(data, 1);
	return XDP_PASS;
}

// hostile: atomic_on_rodata
// type: socket_filter
// expect: write into map forbidden
SEC("socket")
int atomic_on_rodata(struct __sk_buff *skb)
{
	__sync_fetch_and_add((__u32 *)&limit, 1);
	return 0;
}

