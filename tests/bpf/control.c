// SPDX-License-Identifier: MIT
/*
 * Control flow: loops, a switch, signed and unsigned comparisons in 64
 * and 32 bits against registers and immediates, bit tests, subprogram
 * calls forwards and backwards, a helper call, and through inline asm
 * the jumps clang only emits rarely (gotol, may_goto).
 */
#define SEC(n) __attribute__((section(n), used))
#define __noinline __attribute__((noinline))

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;

char LICENSE[] SEC("license") = "GPL";

static long (*bpf_ktime_get_ns)(void) = (void *)5;

static __noinline s64 leaf(s64 x)
{
	return x * 3 + 1;
}

static __noinline s64 classify(s64 a, s64 b, s32 c, u32 d)
{
	s64 r = 0;

	if (a > b)
		r += 1;
	if (a < -5)
		r += 2;
	if (c >= 7)
		r += 4;
	if (d <= 100)
		r += 8;
	if ((u64)a > (u64)b)
		r += 16;
	if (a & 0x40)
		r += 32;
	if (c != (s32)d)
		r += leaf(r);
	if ((u32)c < d)
		r += 64;
	if (b == 1234567)
		r -= 1;
	return r;
}

static __noinline s64 pick(u32 k, s64 v)
{
	switch (k) {
	case 0: return v + 1;
	case 1: return v * 2;
	case 2: return v - 7;
	case 3: return leaf(v);
	case 5: return v ^ 0x55;
	case 8: return v << 2;
	case 13: return -v;
	default: return 0;
	}
}

static __noinline s64 loop(u32 n)
{
	s64 s = 0;

	for (u32 i = 0; i < n && i < 64; i++) {
		if (i % 3 == 0)
			continue;
		s += pick(i & 15, s) + i;
		if (s > 100000)
			break;
	}
	return s;
}

SEC("socket")
int control(u32 *ctx)
{
	s64 r = classify(ctx[0], ctx[1], (s32)ctx[2], ctx[3]);

	r += loop(ctx[4]);
	r += bpf_ktime_get_ns() & 1;
	asm volatile("if r0 == 0 goto +1; gotol +0; may_goto +0" ::: "r0");
	return (int)r;
}

SEC("xdp")
int second(u32 *ctx)
{
	return (int)leaf(ctx[0]) & 3;
}
