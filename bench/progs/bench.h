/* SPDX-License-Identifier: MIT */
/*
 * Shared by every benchmark program. Each bench/progs/<name>.c defines one
 * entry, bench_main(mem, len), compiled twice from the same source:
 *  - for eBPF (clang -target bpf): the entry goes into section "xdp" and its
 *    bytes are extracted raw with llvm-objcopy, so a program must need no
 *    maps, no global or read-only data (no string literals, no static const
 *    tables, no switch jump tables) and no calls: every helper function is
 *    BENCH_INLINE. r1 = mem, r2 = len.
 *  - natively (cc -O2 -Dbench_main=native_<name>) and linked into the
 *    harness.
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
#define BENCH_ENTRY __attribute__((section("xdp"), used))
#else
#include <stdint.h>
#define BENCH_ENTRY
#endif

#define BENCH_INLINE static inline __attribute__((always_inline))

uint64_t bench_main(uint8_t *mem, uint64_t len);

/* Little-endian loads from the input for parameters the harness writes. */
BENCH_INLINE uint32_t bench_le32(const uint8_t *p)
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
