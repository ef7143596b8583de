// SPDX-License-Identifier: MIT
/*
 * Several programs in several sections, plus static and global
 * subprograms in .text: the object the ELF reader's tests open
 * (tests/unit/test_elf.c). The code only has to compile to distinct
 * functions with branches and bpf-to-bpf calls; nothing runs it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int sum_bytes(const unsigned char *p,
					       const unsigned char *end)
{
	int s = 0;

	for (int i = 0; i < 16 && p + i + 1 <= end; i++)
		s += p[i];
	return s;
}

static __attribute__((noinline)) int clamp(int v, int lo, int hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

__attribute__((noinline)) int global_mix(int a, int b)
{
	return clamp(a * 3 + b, 0, 1000) ^ (a >> 2);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	const unsigned char *data = (void *)(long)ctx->data;
	const unsigned char *end = (void *)(long)ctx->data_end;
	int s = sum_bytes(data, end);

	return s > 100 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	skb->mark = global_mix(skb->len, skb->protocol);
	return 0;
}

SEC("socket")
int sock_len(struct __sk_buff *skb)
{
	return clamp(skb->len, 14, 1500);
}

char LICENSE[] SEC("license") = "GPL";
