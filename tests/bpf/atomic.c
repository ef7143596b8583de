// SPDX-License-Identifier: MIT
/*
 * Atomic read-modify-write: the non-fetching adds every -mcpu has, and
 * from v3 on the fetching forms, xchg and cmpxchg, in 32 and 64 bits.
 */
#define SEC(n) __attribute__((section(n), used))
#define __noinline __attribute__((noinline))

typedef unsigned long long u64;
typedef unsigned int u32;

char LICENSE[] SEC("license") = "GPL";

static __noinline u64 atomics64(u64 *p, u64 v)
{
	u64 r = 0;

	__sync_fetch_and_add(p, v);
#if __BPF_CPU_VERSION__ >= 3
	r += __sync_fetch_and_add(p, 3);
	r += __sync_fetch_and_or(p, v);
	r += __sync_fetch_and_and(p, ~v);
	r += __sync_fetch_and_xor(p, 0x55);
	__sync_fetch_and_or(p, 1);
	__sync_fetch_and_and(p, 0xff);
	__sync_fetch_and_xor(p, v);
	r += __sync_lock_test_and_set(p, v);
	r += __sync_val_compare_and_swap(p, r, v);
#endif
	return r;
}

static __noinline u32 atomics32(u32 *p, u32 v)
{
	u32 r = 0;

	__sync_fetch_and_add(p, v);
#if __BPF_CPU_VERSION__ >= 3
	r += __sync_fetch_and_add(p, 7);
	r += __sync_fetch_and_or(p, v);
	r += __sync_fetch_and_and(p, v);
	r += __sync_fetch_and_xor(p, v);
	__sync_fetch_and_or(p, 2);
	__sync_fetch_and_and(p, 3);
	__sync_fetch_and_xor(p, 4);
	r += __sync_lock_test_and_set(p, v);
	r += __sync_val_compare_and_swap(p, r, v);
#endif
	return r;
}

SEC("socket")
int atomic(u32 *ctx)
{
	u64 w = ctx[0];
	u32 h = ctx[1];

	return (int)(atomics64(&w, ctx[2]) + atomics32(&h, ctx[3]) + w + h);
}
