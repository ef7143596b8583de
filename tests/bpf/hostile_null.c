// SPDX-License-Identifier: MIT
/*
 * Hostile programs: use of maybe-NULL pointers (map lookups, ring buffer
 * reservations, the socket of an skb) and reads of uninitialized
 * registers and stack. Privileged programs may read uninitialized stack
 * (the kernel allows it: the bytes are unknown scalars), so the stack
 * cases are unprivileged. Records as in tests/unit/test_hostile.c.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
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

/* ---- maybe NULL --------------------------------------------------------- */

// hostile: lookup_no_check
// type: socket_filter
// expect: invalid mem access 'map_value_or_null'
SEC("socket")
int lookup_no_check(struct __sk_buff *skb)
{
	__u32 key = skb->mark;	/* "marks are always < 4" */
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	return (int)*v;
}

// hostile: hash_lookup_no_check
// type: socket_filter
// expect: invalid mem access 'map_value_or_null'
SEC("socket")
int hash_lookup_no_check(struct __sk_buff *skb)
{
	__u64 key = skb->hash;
	__u64 *v = bpf_map_lookup_elem(&flows, &key);

	*v += 1;
	return 0;
}

// hostile: check_other_pointer
// type: socket_filter
// expect: invalid mem access 'map_value_or_null'
SEC("socket")
int check_other_pointer(struct __sk_buff *skb)
{
	__u64 k1 = skb->hash, k2 = skb->mark;
	__u64 *a = bpf_map_lookup_elem(&flows, &k1);
	__u64 *b = bpf_map_lookup_elem(&flows, &k2);

	if (!a)
		return 0;
	*b = *a;	/* b was never checked */
	return 0;
}

// hostile: arith_before_check
// type: socket_filter
// expect: pointer arithmetic on map_value_or_null prohibited, null-check it first
SEC("socket")
int arith_before_check(struct __sk_buff *skb)
{
	__u64 key = skb->hash;
	__u8 *v = bpf_map_lookup_elem(&flows, &key);

	/* hide the pointer: the compiler would fold the check otherwise */
	asm volatile("%0 += 4" : "+r"(v));
	if (!v)
		return 0;
	return *v;
}

// hostile: check_after_use
// type: socket_filter
// expect: invalid mem access 'map_value_or_null'
SEC("socket")
int check_after_use(struct __sk_buff *skb)
{
	__u64 key = skb->hash;
	volatile __u64 *v = bpf_map_lookup_elem(&flows, &key);
	__u64 x = *v;	/* the check comes too late */

	asm volatile("" : "+r"(v));
	if (!v)
		return 0;
	return (int)x;
}

// hostile: ringbuf_no_check
// type: socket_filter
// expect: invalid mem access 'ringbuf_mem_or_null'
SEC("socket")
int ringbuf_no_check(struct __sk_buff *skb)
{
	__u64 *e = bpf_ringbuf_reserve(&events, 8, 0);

	*e = skb->len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// hostile: skb_sk_no_check
// type: sched_cls
// expect: invalid mem access 'sock_common_or_null'
SEC("tc")
int skb_sk_no_check(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	return sk->family == 2 ? TC_ACT_OK : TC_ACT_SHOT;
}

/* ---- uninitialized registers ---------------------------------------------- */

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wuninitialized"
#pragma clang diagnostic ignored "-Wreturn-type"

static __attribute__((noinline)) int classify(struct __sk_buff *skb)
{
	/* forgot the return statement */
	skb->cb[0] = skb->len;
}

// hostile: subprog_no_return
// type: socket_filter
// expect: R0 !read_ok
SEC("socket")
int subprog_no_return(struct __sk_buff *skb)
{
	return classify(skb) + 1;
}

// hostile: no_return_value
// type: xdp
// expect: R0 !read_ok
SEC("xdp")
int no_return_value(struct xdp_md *ctx)
{
}

#pragma clang diagnostic pop

// hostile: read_callee_saved
// type: socket_filter
// expect: R7 !read_ok
SEC("socket")
int read_callee_saved(struct __sk_buff *skb)
{
	long leftover;

	/* what the loader left in r7? */
	asm volatile("%0 = r7" : "=r"(leftover));
	return (int)leftover;
}

// hostile: read_clobbered_arg
// type: socket_filter
// expect: R3 !read_ok
SEC("socket")
int read_clobbered_arg(struct __sk_buff *skb)
{
	long v;

	/* r3 survives a helper call? (r1-r5 are clobbered) */
	asm volatile("r3 = 7; call %[ktime]; %[v] = r3"
		     : [v] "=r"(v)
		     : [ktime] "i"(BPF_FUNC_ktime_get_ns)
		     : "r0", "r1", "r2", "r3", "r4", "r5");
	return (int)v;
}

/* ---- uninitialized stack (unprivileged) ------------------------------------- */

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wuninitialized"

// hostile: uninit_key_unpriv
// type: socket_filter
// unpriv
// expect: invalid indirect read from stack R2 off -4+0 size 4
SEC("socket")
int uninit_key_unpriv(struct __sk_buff *skb)
{
	__u32 key;
	__u64 *v;

	asm volatile("" : "=m"(key));	/* "the key is set somewhere" */
	v = bpf_map_lookup_elem(&vals, &key);
	return v ? (int)*v : 0;
}

// hostile: uninit_stack_read_unpriv
// type: socket_filter
// unpriv
// expect: invalid read from stack
SEC("socket")
int uninit_stack_read_unpriv(struct __sk_buff *skb)
{
	volatile __u64 scratch[4];

	scratch[0] = skb->len;
	return (int)scratch[3];	/* never written: old kernel stack bytes */
}

#pragma clang diagnostic pop
