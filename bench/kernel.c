// SPDX-License-Identifier: MIT
/*
 * The kernel's copy of a benchmark program: bench/run.sh compiles this file
 * once per program with -DBENCH_KERNEL -DBENCH_PROG='"progs/<name>.c"', so the
 * program's source is included here and its bench_main, inlined, runs
 * inside one XDP program that BPF_PROG_TEST_RUN can time (bench/harness.c,
 * engine "kernel").
 *
 * The input lives in the BPF arena "arena", which the harness creates,
 * maps into its own address space, fills and hands to libbpf before the
 * object is loaded (an arena must be mapped before a program using it
 * loads). The test run's packet is a struct bench_kernel_io (progs/bench.h):
 * the input's address in the harness's mapping and its length in, the
 * 64-bit result out. An arena pointer's low 32 bits are its offset in the
 * arena, so the harness's address is the program's pointer as it is.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "progs/bench.h"
#include BENCH_PROG

/* UAPI value of BPF_MAP_TYPE_ARENA (kernel 6.9+; older headers lack it). */
#define BENCH_MAP_TYPE_ARENA 33

/* Its real size is set by the harness, which creates it. */
struct {
	__uint(type, BENCH_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
} arena SEC(".maps");

SEC("xdp")
int bench_kernel(struct xdp_md *ctx)
{
	struct bench_kernel_io *io = (void *)(long)ctx->data;

	if ((void *)(io + 1) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	/* The verifier allows arena pointers only in programs using one. */
	asm volatile("" : : "r"(&arena));
	io->result =
	    bench_main((uint8_t BENCH_MEM *)(unsigned long)io->mem, io->len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
