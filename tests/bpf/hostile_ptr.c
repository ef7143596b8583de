// SPDX-License-Identifier: MIT
/*
 * Hostile programs: pointer leaks (unprivileged: into maps, through the
 * stack into helpers, as the return value, by comparisons and
 * subtraction), pointer arithmetic the verifier forbids (on map, packet
 * end and nullable pointers; multiplication, bitwise, 32-bit), and
 * self-modifying tricks through maps, the context and the stack: a
 * pointer written into a map or the context and read back, a spilled
 * pointer patched byte-wise, a forged map pointer, the program array or
 * .rodata rewritten from the program. Records as in
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
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 4);
	__uint(max_entries, 4);
} jumps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

const volatile __u32 threshold = 100;

/* Hide a value from the optimizer (it stays in a register). */
#define opaque(x) asm volatile("" : "+r"(x))

/* ---- pointer leaks (unprivileged) ------------------------------------------ */

// hostile: leak_ctx_into_map
// type: socket_filter
// unpriv
// expect: leaks addr into map
SEC("socket")
int leak_ctx_into_map(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (v)
		*v = (__u64)(long)skb;	/* user space reads the map */
	return 0;
}

// hostile: leak_value_addr
// type: socket_filter
// unpriv
// expect: leaks addr into map
SEC("socket")
int leak_value_addr(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (v)
		*v = (__u64)(long)v;	/* where does the map live? */
	return 0;
}

// hostile: leak_stack_addr_via_helper
// type: socket_filter
// unpriv
// expect: invalid indirect read from stack R3 off -16+0 size 8
SEC("socket")
int leak_stack_addr_via_helper(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 where[1];
	void *fp = where;

	opaque(fp);
	*(void *volatile *)where = fp;	/* the value is a stack address */
	bpf_map_update_elem(&vals, &key, where, BPF_ANY);
	return 0;
}

// hostile: leak_as_return
// type: socket_filter
// unpriv
// expect: R0 leaks addr as return value
SEC("socket")
long leak_as_return(struct __sk_buff *skb)
{
	return (long)skb;	/* the socket layer sees the return value */
}

// hostile: ptr_compare_unpriv
// type: socket_filter
// unpriv
// expect: pointer comparison prohibited
SEC("socket")
int ptr_compare_unpriv(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	void *ctx = skb;

	if (!v)
		return 0;
	opaque(ctx);
	/* a bit of the address layout, one comparison at a time */
	return (void *)v > ctx;
}

// hostile: ptr_sub_unpriv
// type: socket_filter
// unpriv
// expect: pointer -= pointer prohibited
SEC("socket")
int ptr_sub_unpriv(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	long a, b;

	if (!v)
		return 0;
	a = (long)v;
	b = (long)skb;
	opaque(a);
	opaque(b);
	*v = (__u64)(a - b);	/* the distance between two objects */
	return 0;
}

/* ---- forbidden pointer arithmetic ------------------------------------------- */

// hostile: map_ptr_arith
// type: socket_filter
// expect: pointer arithmetic on map_ptr prohibited
SEC("socket")
int map_ptr_arith(struct __sk_buff *skb)
{
	__u32 key = 0;
	void *m = &vals;
	__u64 *v;

	asm volatile("%0 += 8" : "+r"(m));	/* into struct bpf_map */
	v = bpf_map_lookup_elem(m, &key);
	return v ? (int)*v : 0;
}

// hostile: pkt_end_arith
// type: xdp
// expect: pointer arithmetic on pkt_end prohibited
SEC("xdp")
int pkt_end_arith(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	asm volatile("%0 += 64" : "+r"(end));	/* "the end is further" */
	if (data + 64 > end)
		return XDP_DROP;
	return data[63];
}

// hostile: ptr_multiply
// type: socket_filter
// expect: pointer arithmetic with *= operator prohibited
SEC("socket")
int ptr_multiply(struct __sk_buff *skb)
{
	long h = (long)skb;

	opaque(h);
	return (int)((h * 31) >> 4);	/* hashing an address */
}

// hostile: ptr_align_mask
// type: socket_filter
// expect: bitwise operator &= on pointer prohibited
SEC("socket")
int ptr_align_mask(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	long p;

	if (!v)
		return 0;
	p = (long)v;
	opaque(p);
	p &= ~63L;	/* align down to the cache line */
	return (int)*(__u64 *)p;
}

// hostile: ptr_32bit_add
// type: socket_filter
// expect: 32-bit pointer arithmetic prohibited
SEC("socket")
int ptr_32bit_add(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (!v)
		return 0;
	asm volatile("w0 += 4" ::: "r0");	/* r0 holds v here */
	return 0;
}

/* ---- self-modifying tricks ------------------------------------------------- */

// hostile: ptr_roundtrip_map
// type: socket_filter
// expect: invalid mem access 'scalar'
SEC("socket")
int ptr_roundtrip_map(struct __sk_buff *skb)
{
	__u32 key = 0;
	volatile __u64 *v = bpf_map_lookup_elem(&vals, &key);
	struct __sk_buff *back;

	if (!v)
		return 0;
	*v = (__u64)(long)skb;	/* privileged: allowed, it is a number now */
	back = (void *)(long)*v;	/* ... and a pointer again? */
	return back->len;
}

// hostile: ptr_roundtrip_ctx
// type: socket_filter
// expect: invalid mem access 'scalar'
SEC("socket")
int ptr_roundtrip_ctx(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	volatile __u32 *cb = skb->cb;
	__u64 *back;

	if (!v)
		return 0;
	cb[0] = (__u32)(long)v;	/* an address parked in skb->cb */
	back = (__u64 *)(long)cb[0];
	return (int)*back;
}

// hostile: spill_patch_byte
// type: socket_filter
// expect: invalid mem access 'scalar'
SEC("socket")
int spill_patch_byte(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	volatile union {
		__u64 *p;
		__u8 b[8];
	} u;

	if (!v)
		return 0;
	u.p = v;
	u.b[0] = 0x40;	/* retarget the spilled pointer's low byte */
	return (int)*u.p;
}

// hostile: spill_read_byte
// type: socket_filter
// expect: invalid size of register fill
SEC("socket")
int spill_read_byte(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	volatile union {
		__u64 *p;
		__u8 b[8];
	} u;

	if (!v)
		return 0;
	u.p = v;
	u.b[0] += 64;	/* move the spilled pointer past the value */
	return (int)*u.p;
}

// hostile: forge_map_pointer
// type: socket_filter
// expect: type=scalar expected=map_ptr
SEC("socket")
int forge_map_pointer(struct __sk_buff *skb)
{
	__u32 key = 0;
	volatile union {
		void *map;
		__u8 b[8];
	} u;
	__u64 *v;

	u.map = &vals;
	u.b[1] = 0x10;	/* another struct bpf_map? */
	v = bpf_map_lookup_elem(u.map, &key);
	return v ? (int)*v : 0;
}

// hostile: map_ptr_roundtrip_map
// type: socket_filter
// expect: type=scalar expected=map_ptr
SEC("socket")
int map_ptr_roundtrip_map(struct __sk_buff *skb)
{
	__u32 key = 0;
	volatile __u64 *v = bpf_map_lookup_elem(&vals, &key);
	__u64 *w;

	if (!v)
		return 0;
	*v = (__u64)(long)&vals;	/* park the map pointer in the map */
	w = bpf_map_lookup_elem((void *)(long)*v, &key);
	return w ? (int)*w : 0;
}

// hostile: modified_ctx_to_helper
// type: socket_filter
// expect: modified ctx ptr R1
SEC("socket")
int modified_ctx_to_helper(struct __sk_buff *skb)
{
	char buf[8];
	void *fake = skb;

	asm volatile("%0 += 8" : "+r"(fake));	/* "skip the first fields" */
	bpf_skb_load_bytes(fake, 0, buf, sizeof(buf));
	return buf[0];
}

static __attribute__((noinline)) void scratch_addr(void **out)
{
	volatile __u64 local = 42;

	*out = (void *)&local;	/* the frame is gone once we return */
}

// hostile: leak_callee_frame
// type: socket_filter
// expect: cannot spill pointers to stack into stack frame of the caller
SEC("socket")
int leak_callee_frame(struct __sk_buff *skb)
{
	void *p = 0;

	scratch_addr(&p);
	return p ? (int)*(volatile __u64 *)p : 0;
}

// hostile: rewrite_prog_array
// type: socket_filter
// expect: cannot pass map_type 3 into func bpf_map_update_elem#2
SEC("socket")
int rewrite_prog_array(struct __sk_buff *skb)
{
	__u32 key = 0, fd = skb->mark;

	bpf_map_update_elem(&jumps, &key, &fd, BPF_ANY);
	return 0;
}

// hostile: read_prog_array
// type: socket_filter
// expect: cannot pass map_type 3 into func bpf_map_lookup_elem#1
SEC("socket")
int read_prog_array(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *prog = bpf_map_lookup_elem(&jumps, &key);

	return prog ? (int)*prog : 0;	/* read a struct bpf_prog * */
}

// hostile: lookup_ringbuf
// type: socket_filter
// expect: invalid zero-sized read
SEC("socket")
int lookup_ringbuf(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *page = bpf_map_lookup_elem(&events, &key);

	return page ? (int)*page : 0;
}

// hostile: rodata_via_helper
// type: socket_filter
// expect: write into map forbidden
SEC("socket")
int rodata_via_helper(struct __sk_buff *skb)
{
	/* let the packet choose the "constant" */
	bpf_skb_load_bytes(skb, 0, (void *)&threshold, sizeof(threshold));
	return skb->len > threshold;
}
