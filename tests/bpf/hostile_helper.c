// SPDX-License-Identifier: MIT
/*
 * Hostile programs: helpers called with bad arguments (keys and values of
 * the wrong size or kind, sizes negative, unbounded or too big for the
 * buffer, a non-constant ring buffer size, helpers the program type may
 * not call, helper numbers that do not exist) and references not
 * released or used after release (ring buffer records). Records as in
 * tests/unit/test_hostile.c.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} vals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, __u64);
	__uint(max_entries, 16);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct event {
	__u64 len, mark;
};

/* ---- bad arguments ---------------------------------------------------- */

// hostile: key_null
// type: socket_filter
// expect: R2 type=scalar expected=fp
SEC("socket")
int key_null(struct __sk_buff *skb)
{
	__u64 *v = bpf_map_lookup_elem(&vals, (void *)0);

	return v ? (int)*v : 0;
}

// hostile: key_too_short
// type: socket_filter
// expect: invalid read from stack R2 off=-4 size=8
SEC("socket")
int key_too_short(struct __sk_buff *skb)
{
	__u32 key = skb->hash;	/* the map's keys are 8 bytes */
	__u64 *v = bpf_map_lookup_elem(&flows, &key);

	return v ? (int)*v : 0;
}

// hostile: key_is_ctx
// type: socket_filter
// expect: R2 type=ctx expected=fp
SEC("socket")
int key_is_ctx(struct __sk_buff *skb)
{
	__u64 *v = bpf_map_lookup_elem(&vals, skb);	/* "len is the key" */

	return v ? (int)*v : 0;
}

// hostile: value_too_short
// type: socket_filter
// expect: invalid read from stack R3 off=-4 size=8
SEC("socket")
int value_too_short(struct __sk_buff *skb)
{
	__u32 one = 1;	/* the map's values are 8 bytes */
	__u64 key = skb->hash;

	bpf_map_update_elem(&flows, &key, &one, BPF_ANY);
	return 0;
}

/* The helper, declared by hand with a signed length. */
static long (*load_bytes)(const void *skb, __u32 off, void *to, long len) =
	(void *)BPF_FUNC_skb_load_bytes;

// hostile: load_bytes_signed_len
// type: socket_filter
// expect: R4 min value is negative, either use unsigned or 'var &= const'
SEC("socket")
int load_bytes_signed_len(struct __sk_buff *skb)
{
	char buf[64];
	long len = (int)skb->cb[0];	/* may be negative */

	if (len > (long)sizeof(buf))
		return 0;
	load_bytes(skb, 0, buf, len);
	return buf[0];
}

// hostile: load_bytes_maybe_zero
// type: socket_filter
// expect: R4 invalid zero-sized read
SEC("socket")
int load_bytes_maybe_zero(struct __sk_buff *skb)
{
	char buf[64];
	__u32 len = skb->cb[0];

	if (len > (int)sizeof(buf))
		return 0;
	bpf_skb_load_bytes(skb, 0, buf, len);
	return buf[0];
}

// hostile: load_bytes_len_too_big
// type: socket_filter
// expect: invalid write to stack R3 off=-64 size=127
SEC("socket")
int load_bytes_len_too_big(struct __sk_buff *skb)
{
	char buf[64];
	__u32 len = skb->cb[0] & 127;	/* "small enough" */

	if (len == 0)
		return 0;
	bpf_skb_load_bytes(skb, 0, buf, len);
	return buf[0];
}

// hostile: output_past_stack_buffer
// type: socket_filter
// expect: invalid read from stack R2 off=-16 size=64
SEC("socket")
int output_past_stack_buffer(struct __sk_buff *skb)
{
	struct event e = { skb->len, skb->mark };

	/* copy "a bit more": the rest is the kernel stack */
	bpf_ringbuf_output(&events, &e, 64, 0);
	return 0;
}

// hostile: reserve_var_size
// type: socket_filter
// expect: R2 is not a known constant
SEC("socket")
int reserve_var_size(struct __sk_buff *skb)
{
	__u8 *rec = bpf_ringbuf_reserve(&events, skb->len & 255, 0);

	if (!rec)
		return 0;
	rec[0] = 1;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

// hostile: submit_map_value
// type: socket_filter
// expect: R1 type=map_value expected=ringbuf_mem
SEC("socket")
int submit_map_value(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (v)
		bpf_ringbuf_submit(v, 0);	/* "it is memory too" */
	return 0;
}

// hostile: helper_wrong_type
// type: socket_filter
// expect: program of this type cannot use helper bpf_xdp_adjust_head#44
SEC("socket")
int helper_wrong_type(struct __sk_buff *skb)
{
	/* an XDP helper from a socket filter */
	return bpf_xdp_adjust_head((struct xdp_md *)skb, 14);
}

// hostile: helper_unknown
// type: socket_filter
// expect: invalid func unknown#999
SEC("socket")
int helper_unknown(struct __sk_buff *skb)
{
	long (*secret)(void *) = (void *)999;

	return (int)secret(skb);
}

/* ---- references (ring buffer records) -------------------------------------- */

// hostile: leak_on_error_path
// type: socket_filter
// expect: Unreleased reference
SEC("socket")
int leak_on_error_path(struct __sk_buff *skb)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	if (skb->len < 14)
		return 0;	/* forgot bpf_ringbuf_discard */
	e->len = skb->len;
	e->mark = skb->mark;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// hostile: never_submitted
// type: socket_filter
// expect: Unreleased reference
SEC("socket")
int never_submitted(struct __sk_buff *skb)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (e)
		e->len = skb->len;
	return 0;
}

// hostile: use_after_submit
// type: socket_filter
// expect: invalid mem access 'scalar'
SEC("socket")
int use_after_submit(struct __sk_buff *skb)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->len = skb->len;
	bpf_ringbuf_submit(e, 0);
	e->mark = skb->mark;	/* the consumer may be reading it already */
	return 0;
}

// hostile: submit_twice
// type: socket_filter
// expect: R1 type=scalar expected=ringbuf_mem
SEC("socket")
int submit_twice(struct __sk_buff *skb)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->len = skb->len;
	bpf_ringbuf_submit(e, 0);
	bpf_ringbuf_discard(e, 0);
	return 0;
}

// hostile: submit_inner_pointer
// type: socket_filter
// expect: R1 must have zero offset when passed to release func
SEC("socket")
int submit_inner_pointer(struct __sk_buff *skb)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->len = skb->len;
	e->mark = 0;
	bpf_ringbuf_submit(&e->mark, 0);	/* not the record's start */
	return 0;
}
