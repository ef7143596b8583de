/* SPDX-License-Identifier: MIT */
/*
 * Shared by every benchmark program. Each bench/progs/<name>.c defines one
 * entry, bench_main(mem, len), compiled three times from the same source:
 *  - for eBPF (clang -target bpf): the entry goes into section "xdp" and its
 *    bytes are extracted raw with llvm-objcopy, so a program must need no
 *    maps, no global or read-only data (no string literals, no static const
 *    tables, no switch jump tables) and no calls: every helper function is
 *    BENCH_INLINE. r1 = mem, r2 = len.
 *  - natively (cc -O2 -Dbench_main=native_<name>) and linked into the
 *    harness.
 *  - for the kernel (clang -target bpf -DBENCH_KERNEL, included by
 *    bench/kernel.c): the entry is inlined into an XDP program that the
 *    kernel's verifier must accept. Three macros, empty in the other two
 *    builds (so their code does not change), make that possible without
 *    changing what a program computes:
 *    BENCH_MEM marks every pointer into mem: the input is a BPF arena
 *    (address space 1), which the kernel accesses unchecked, as ubee's
 *    trusted runs do, instead of a map value whose every access the
 *    verifier must prove in bounds;
 *    BENCH_LOOP(cond) is the condition of every loop whose trip count
 *    depends on the input: it adds the kernel's may_goto, which lets the
 *    verifier check the loop body once instead of simulating every
 *    iteration (it gives up at 1M instructions). may_goto ends a loop when
 *    the kernel's budget runs out (a time far above any run here on
 *    x86-64 Linux 6.18; 8M iterations on kernels without timed may_goto);
 *    a run cut short returns a wrong result, which the harness reports;
 *    BENCH_OPAQUE(v) is v, hidden from the verifier: for a constant that
 *    starts or bounds a loop. The verifier tracks constants exactly, and a
 *    counter whose value decides a branch can never be generalised, so it
 *    would simulate every iteration of that loop.
 * The entry reads and writes only mem[0, len) and at most 512 bytes of
 * stack, has bounded loops, returns a checksum of its work, and gives the
 * same result when run again on the same memory (scratch areas are written
 * before they are read), so the harness may repeat it.
 */
#ifndef BENCH_H
#define BENCH_H

#ifdef __bpf__
/* no libc headers for the BPF target: the compiler knows the types */
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
#else
#include <stdint.h>
#endif

#define BENCH_INLINE static inline __attribute__((always_inline))

#if defined(BENCH_KERNEL)
#define BENCH_ENTRY BENCH_INLINE
#define BENCH_MEM __attribute__((address_space(1)))
#define BENCH_LOOP(cond) (bench_may_goto() && (cond))
#define BENCH_OPAQUE(v) ((v) + bench_kernel_zero)

/* Always 0, in a writable map (.bss): the verifier cannot know it. */
static volatile uint64_t bench_kernel_zero;

/* 1 while the kernel's loop budget lasts: one may_goto instruction. */
BENCH_INLINE int bench_may_goto(void)
{
	asm volatile goto("may_goto %l[stop]" :::: stop);
	return 1;
stop:
	return 0;
}
#else
#ifdef __bpf__
#define BENCH_ENTRY __attribute__((section("xdp"), used))
#else
#define BENCH_ENTRY
#endif
#define BENCH_MEM
#define BENCH_LOOP(cond) (cond)
#define BENCH_OPAQUE(v) (v)

uint64_t bench_main(uint8_t *mem, uint64_t len);
#endif

/*
 * How bench/kernel.c's XDP program finds its input: the test run's
 * packet is this record. The harness writes mem (the input's address in
 * the arena mapped into the harness) and len; the program writes the
 * 64-bit result (the test run's retval is only 32 bits).
 */
struct bench_kernel_io {
	uint64_t mem;
	uint64_t len;
	uint64_t result;
};

/* Little-endian loads from the input for parameters the harness writes. */
BENCH_INLINE uint32_t bench_le32(const uint8_t BENCH_MEM *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* One xorshift64 step: a deterministic key stream without tables. */
BENCH_INLINE uint64_t bench_xorshift(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

#endif /* BENCH_H */
