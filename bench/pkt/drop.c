// SPDX-License-Identifier: MIT
/*
 * The packet benchmark's drop-all program (bench/pkt_harness.c): the
 * smallest XDP program, so a run measures the packet path and the cost of
 * entering and leaving a program, nothing else.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
