// SPDX-License-Identifier: MIT
/*
 * Hostile programs: loops that do not terminate or that the verifier
 * cannot bound (spinning for ever, a counter never advanced or wrapping,
 * a trip count taken from the packet), and bpf_loop callbacks returning
 * what they may not. Records as in tests/unit/test_hostile.c.
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

// hostile: spin_forever
// type: socket_filter
// expect: infinite loop detected
SEC("socket")
int spin_forever(struct __sk_buff *skb)
{
	volatile __u32 *cb = skb->cb;

	for (;;)	/* wait for another CPU to set cb[0]... */
		if (cb[0] == 0xdead)
			return 1;
}

// hostile: counter_not_advanced
// type: socket_filter
// expect: BPF program is too large. Processed 1000001 insn
SEC("socket")
int counter_not_advanced(struct __sk_buff *skb)
{
	volatile __u32 *cb = skb->cb;
	__u32 i, j = 0;

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wfor-loop-analysis"
	for (i = 0; i < 4; j++)	/* the wrong counter is advanced */
#pragma clang diagnostic pop
		cb[i & 3] = j;
	return 0;
}

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wtautological-constant-out-of-range-compare"

// hostile: counter_wraps
// type: socket_filter
// expect: BPF program is too large. Processed 1000001 insn
SEC("socket")
int counter_wraps(struct __sk_buff *skb)
{
	volatile __u32 *cb = skb->cb;
	__u8 i;

	for (i = 0; i < 256; i++)	/* always true for a __u8 */
		cb[0] += i;
	return 0;
}

#pragma clang diagnostic pop

// hostile: trip_count_from_packet
// type: socket_filter
// expect: BPF program is too large. Processed 1000001 insn
SEC("socket")
int trip_count_from_packet(struct __sk_buff *skb)
{
	volatile __u32 *cb = skb->cb;
	__u32 n = skb->len;	/* up to 4 billion iterations */

	for (__u32 i = 0; i < n; i++)
		cb[0] += i;
	return 0;
}

// hostile: asm_back_edge
// type: socket_filter
// expect: infinite loop detected
SEC("socket")
int asm_back_edge(struct __sk_buff *skb)
{
	/* a jump to itself, written by hand */
	asm volatile("r0 = 0; l_%=: if r0 == 0 goto l_%=" ::: "r0");
	return 0;
}

static long bad_callback(__u64 index, void *ctx)
{
	return 2;	/* neither 0 (go on) nor 1 (stop) */
}

// hostile: loop_callback_bad_return
// type: socket_filter
// expect: At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]
SEC("socket")
int loop_callback_bad_return(struct __sk_buff *skb)
{
	bpf_loop(16, bad_callback, NULL, 0);
	return 0;
}

static long writes_past_ctx(__u64 index, void *ctx)
{
	((__u64 *)ctx)[1] = index;	/* ctx is the caller's one counter */
	return 0;
}

// hostile: loop_callback_ctx_overflow
// type: socket_filter
// expect: invalid write to stack R2 off=0 size=8
SEC("socket")
int loop_callback_ctx_overflow(struct __sk_buff *skb)
{
	__u64 count = 0;

	bpf_loop(16, writes_past_ctx, &count, 0);
	return count;
}
