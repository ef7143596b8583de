// SPDX-License-Identifier: MIT
/*
 * Loads and stores of every size: stack arrays, context fields, packet
 * bytes behind bounds checks, stores of immediates and registers, and the
 * sign-extending loads that v4 emits for signed narrow types.
 */
#define SEC(n) __attribute__((section(n), used))
#define __noinline __attribute__((noinline))

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef short s16;
typedef unsigned char u8;
typedef signed char s8;

struct xdp_md {
	u32 data;
	u32 data_end;
	u32 data_meta;
	u32 ingress_ifindex;
	u32 rx_queue_index;
	u32 egress_ifindex;
};

struct rec {
	u8 a;
	s8 b;
	u16 c;
	s16 d;
	u32 e;
	s32 f;
	u64 g;
	s64 h;
};

char LICENSE[] SEC("license") = "GPL";

static __noinline s64 sum_rec(volatile struct rec *r)
{
	return r->a + r->b + r->c + r->d + r->e + r->f + r->g + r->h;
}

static __noinline void fill(volatile struct rec *r, u64 v)
{
	r->a = 0xff;
	r->b = -1;
	r->c = 0x1234;
	r->d = -2;
	r->e = 0xdeadbeef;
	r->f = -3;
	r->g = 0x7fffffff;
	r->h = -4;
	r->a = (u8)v;
	r->c = (u16)v;
	r->e = (u32)v;
	r->g = v;
}

SEC("xdp")
int mem(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data;
	u8 *end = (u8 *)(long)ctx->data_end;
	volatile struct rec r;
	volatile u64 buf[4];
	s64 total;

	if (data + 16 > end)
		return 1;
	fill(&r, *(u64 *)data);
	buf[0] = *(u32 *)(data + 8);
	buf[1] = *(u16 *)(data + 12);
	buf[2] = data[14];
	buf[3] = (s8)data[15];
	total = sum_rec(&r) + buf[0] + buf[1] + buf[2] + buf[3];
	total += *(s16 *)(data + 2) + *(s32 *)(data + 4);
	data[0] = (u8)total;
	*(u16 *)(data + 2) = (u16)total;
	*(u32 *)(data + 4) = (u32)ctx->ingress_ifindex;
	return total > 0 ? 2 : 1;
}
