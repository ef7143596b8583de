/* SPDX-License-Identifier: MIT */
/*
 * Shared by the map benchmark programs (bench/maps, compiled for BPF)
 * and their harness (bench/maps_harness.c, native): how many map
 * operations one run does and which keys they use, so that the harness
 * fills the maps with exactly the keys the programs ask for and knows
 * what every program must compute.
 *
 * Every object has one map named "m" and the XDP programs "base" (the
 * loop with its key computation and no map operation: the baseline that
 * is subtracted), "lookup", "update" and (not for arrays) "delete". Each
 * does MB_NOPS operations of its kind, adds up what they return (looked-up
 * values, or the helpers' return codes) and stores that sum in the first
 * 8 bytes of the packet, for the harness to check. Keys of operation i:
 *  - array: index MB_INDEX(i) (a permutation of 0..MB_NOPS-1);
 *  - hash maps: the u32 MB_KEY(i);
 *  - lpm_trie: lookups of the /32 address MB_KEY(i); updates and deletes
 *    of the stored prefix MB_KEY(i) / MB_PREFIXLEN(i).
 * The value of key i is the u64 i + 1 (per-CPU maps: on every CPU);
 * updates write the same value again, so a map's contents never change
 * except by deletes (which the harness refills).
 */
#ifndef MAPS_BENCH_H
#define MAPS_BENCH_H

#include <linux/types.h>

/* Operations per run: also the number of keys in every map. */
#define MB_NOPS 1024
#define MB_INDEX(i) (((__u32)(i) * 613u) & (MB_NOPS - 1))
#define MB_KEY(i) ((__u32)(i) * 0x9e3779b1u)
#define MB_PREFIXLEN(i) (24 + ((__u32)(i) & 7))

/* The lpm_trie key: prefix length, then the address (bytes as stored). */
struct mb_lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

#ifdef __bpf__
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

/*
 * Hide x from the optimizer: every loop computes its keys one by one in
 * the same instructions, whatever the loop body does with them.
 */
#define MB_OPAQUE(x) __asm__ __volatile__("" : "+r"(x))

/* Store the run's checksum in the packet; XDP_PASS, or XDP_ABORTED when
 * the packet is shorter than 8 bytes. */
static __always_inline int mb_finish(struct xdp_md *ctx, __u64 sum)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + sizeof(sum) > end)
		return XDP_ABORTED;
	*(__u64 *)data = sum;
	return XDP_PASS;
}
#endif /* __bpf__ */

#endif /* MAPS_BENCH_H */
