// SPDX-License-Identifier: MIT
/*
 * A byte-at-a-time memcpy of the first half of the input into the second
 * half, then a check over the copy read back as 64-bit words. The loop is
 * the naive one programs write when they cannot call memcpy.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t half = len / 2 & ~7ull, i, h = 0;
	volatile uint8_t BENCH_MEM *dst = mem + half;

	/* volatile keeps this a byte loop in both builds: no libc memcpy */
	for (i = 0; BENCH_LOOP(i < half); i++)
		dst[i] = mem[i];
	for (i = 0; BENCH_LOOP(i < half); i += 8)
		h = (h ^ *(uint64_t BENCH_MEM *)(mem + half + i)) *
		    0x100000001b3ull;
	return h;
}
