// SPDX-License-Identifier: MIT
/*
 * Arithmetic as clang emits it for every -mcpu: 64- and 32-bit ALU with
 * registers and immediates, shifts, unsigned and (v4) signed division,
 * byte swaps, sign extensions and negation. Inputs come from the context
 * through volatile reads so that nothing folds to a constant.
 */
#define SEC(n) __attribute__((section(n), used))
#define __noinline __attribute__((noinline))

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef short s16;
typedef signed char s8;

char LICENSE[] SEC("license") = "GPL";

static __noinline u64 arith64(u64 a, u64 b)
{
	u64 r = a + b;

	r ^= a * 7;
	r -= b << 3;
	r |= a >> 5;
	r &= ~(b >> 61);
	r += a / (b | 1);
	r += a % (b | 3);
	r *= b;
	r += (s64)a >> 17;
	r += a << (b & 31);
	r += a >> (b & 15);
	r += (s64)b >> (a & 7);
	r += -a;
	r += a & 0xffff0000;
	return r;
}

static __noinline u32 arith32(u32 a, u32 b)
{
	u32 r = a + b;

	r ^= a * 13;
	r -= b << 2;
	r |= a >> 3;
	r &= b | 0x80;
	r += a / (b | 1);
	r += a % (b | 5);
	r += (s32)a >> 4;
	r += a << (b & 15);
	r += (s32)b >> (a & 7);
	r += a >> (b & 7);
	r -= 100;
	r += -b;
	return r;
}

static __noinline s64 signed_div(s64 a, s64 b, s32 c, s32 d)
{
#if __BPF_CPU_VERSION__ >= 4
	/* sdiv/smod only exist from v4 on. */
	return a / (b | 1) + a % (b | 3) + c / (d | 1) + c % (d | 7) +
	       a / -3 + c % 5;
#else
	return a + b + c + d;
#endif
}

static __noinline u64 swaps(u64 a, u32 b, u16 c)
{
	return __builtin_bswap64(a) ^ __builtin_bswap32(b) ^
	       __builtin_bswap16(c);
}

static __noinline s64 extend(s64 a, s32 b)
{
	s8 x = (s8)a;
	s16 y = (s16)b;
	s32 z = (s32)a;

	return (s64)x + (s64)y * 3 + (s64)z * 5 + (s64)(s8)b;
}

SEC("socket")
int alu(unsigned int *ctx)
{
	volatile u32 va = ctx[0], vb = ctx[1];
	u64 a = va, b = vb;
	u64 r;

	r = arith64(a * 0x100000001ull, b);
	r += arith32((u32)a, (u32)b);
	r += signed_div((s64)a - 1000, (s64)b, (s32)a, (s32)b - 3);
	r += swaps(a, (u32)b, (u16)a);
	r += extend((s64)a, (s32)b);
	r += 0x123456789abcdefull;
	return (int)(r ^ (r >> 32));
}
