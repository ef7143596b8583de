// SPDX-License-Identifier: MIT
/*
 * Population count of every 64-bit word of the input by clearing the lowest
 * set bit until none is left (Kernighan): a loop whose trip count depends on
 * the data. Returns the total and a per-word mix.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	const uint64_t BENCH_MEM *a = (const uint64_t BENCH_MEM *)mem;
	uint64_t n = len / 8, i, total = 0, mix = 0;

	for (i = 0; BENCH_LOOP(i < n); i++) {
		uint64_t x = a[i], c = 0;

		while (BENCH_LOOP(x)) {
			x &= x - 1;
			c++;
		}
		total += c;
		mix = (mix << 3 | mix >> 61) ^ c;
	}
	return total << 40 ^ mix;
}
