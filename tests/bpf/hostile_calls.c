// SPDX-License-Identifier: MIT
/*
 * Hostile programs: stack exhaustion through calls (too many frames,
 * frames whose stacks add up past 512 bytes, recursion), stack pointers
 * escaping their frame, and tail-call tricks (a map that is not a program
 * array, a context that is not one, a tail call holding a reference or
 * reached through a big stack). Records as in tests/unit/test_hostile.c.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define noinline __attribute__((noinline))

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 4);
} not_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 4);
	__uint(max_entries, 4);
} jumps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* ---- too many frames --------------------------------------------------- */

/* Nine levels of parsing helpers, each a real call (r1 is the skb). */
#define LEVEL(n, next)                                                        \
	static noinline int level##n(struct __sk_buff *skb)                   \
	{                                                                     \
		volatile __u32 *cb = skb->cb;                                 \
									      \
		cb[n & 3] += n;                                               \
		return next(skb) + 1;                                         \
	}

static noinline int level9(struct __sk_buff *skb)
{
	return skb->len;
}

LEVEL(8, level9)
LEVEL(7, level8)
LEVEL(6, level7)
LEVEL(5, level6)
LEVEL(4, level5)
LEVEL(3, level4)
LEVEL(2, level3)
LEVEL(1, level2)

// hostile: too_many_frames
// type: socket_filter
// expect: the call stack of 9 frames is too deep
SEC("socket")
int too_many_frames(struct __sk_buff *skb)
{
	return level1(skb);
}

/* ---- frames adding up past 512 bytes ---------------------------------- */

static noinline int scratch_c(struct __sk_buff *skb)
{
	volatile __u64 buf[28];	/* 224 bytes */

	buf[skb->len & 7] = skb->mark;
	return (int)buf[0];
}

static noinline int scratch_b(struct __sk_buff *skb)
{
	volatile __u64 buf[28];

	buf[skb->len & 7] = skb->hash;
	return (int)buf[1] + scratch_c(skb);
}

// hostile: combined_stack_too_big
// type: socket_filter
// expect: combined stack size of 3 calls is
SEC("socket")
int combined_stack_too_big(struct __sk_buff *skb)
{
	volatile __u64 buf[28];

	buf[skb->len & 7] = skb->priority;
	return (int)buf[2] + scratch_b(skb);
}

/* ---- recursion --------------------------------------------------------- */

static noinline int walk(struct __sk_buff *skb, __u32 depth)
{
	volatile __u32 *cb = skb->cb;

	if (cb[0] == depth)
		return depth;
	return walk(skb, depth + 1);	/* "it stops when it finds it" */
}

// hostile: recursion
// type: socket_filter
// expect: BPF program is too large. Processed 1000001 insn
SEC("socket")
int recursion(struct __sk_buff *skb)
{
	return walk(skb, 0);
}

/* ---- stack pointers escaping ------------------------------------------- */

static noinline __u64 *scratch_slot(struct __sk_buff *skb)
{
	volatile __u64 slot[2] = { skb->len, skb->mark };
	__u64 *p = (__u64 *)slot;

	asm volatile("" : "+r"(p));	/* (the compiler would warn) */
	return p;	/* the frame dies with the return */
}

// hostile: return_stack_pointer
// type: socket_filter
// expect: cannot return stack pointer to the caller
SEC("socket")
int return_stack_pointer(struct __sk_buff *skb)
{
	__u64 *p = scratch_slot(skb);

	return (int)*p;
}

static noinline int fill(__u64 *out, struct __sk_buff *skb)
{
	out[0] = skb->len;
	out[1] = skb->mark;	/* the caller gave one slot */
	return 0;
}

// hostile: callee_writes_past_buffer
// type: socket_filter
// expect: invalid write to stack R1 off=0 size=8
SEC("socket")
int callee_writes_past_buffer(struct __sk_buff *skb)
{
	__u64 one;

	fill(&one, skb);
	return (int)one;
}

/* ---- tail-call tricks ---------------------------------------------------- */

// hostile: tail_call_hash_map
// type: socket_filter
// expect: expected prog array map for tail call
SEC("socket")
int tail_call_hash_map(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &not_progs, 0);	/* a value becomes a program? */
	return 0;
}

// hostile: tail_call_fake_ctx
// type: socket_filter
// expect: R1 type=fp expected=ctx
SEC("socket")
int tail_call_fake_ctx(struct __sk_buff *skb)
{
	__u64 fake[24] = { 0 };	/* a context of our own making */

	fake[0] = skb->len;
	bpf_tail_call(fake, &jumps, 0);
	return 0;
}

// hostile: tail_call_holding_record
// type: socket_filter
// expect: tail_call would lead to reference leak
SEC("socket")
int tail_call_holding_record(struct __sk_buff *skb)
{
	__u64 *e = bpf_ringbuf_reserve(&events, 8, 0);

	if (!e)
		return 0;
	*e = skb->len;
	bpf_tail_call(skb, &jumps, 0);	/* the record is never submitted */
	bpf_ringbuf_discard(e, 0);
	return 0;
}

static noinline int dispatch(struct __sk_buff *skb)
{
	volatile __u64 big[32];	/* 256 bytes */

	big[skb->len & 31] = skb->mark;
	bpf_tail_call(skb, &jumps, skb->mark & 3);
	return (int)big[0];
}

// hostile: tail_call_big_stack
// type: socket_filter
// expect: tail_calls are not allowed when call stack of previous frames is
SEC("socket")
int tail_call_big_stack(struct __sk_buff *skb)
{
	volatile __u64 big[32];

	big[skb->len & 31] = skb->hash;
	return dispatch(skb) + (int)big[1];
}
