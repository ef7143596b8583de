// SPDX-License-Identifier: MIT
/*
 * floor(log2(x)) by halving steps over an array of 64-bit values in the
 * input (each value shifted right by its own low 6 bits, so results spread
 * over 0..63). Returns the sum of the logarithms and a position mix.
 * Data-dependent branches.
 */
#include "bench.h"

BENCH_INLINE uint64_t ilog2(uint64_t x)
{
	uint64_t r = 0;

	if (x >> 32) {
		x >>= 32;
		r += 32;
	}
	if (x >> 16) {
		x >>= 16;
		r += 16;
	}
	if (x >> 8) {
		x >>= 8;
		r += 8;
	}
	if (x >> 4) {
		x >>= 4;
		r += 4;
	}
	if (x >> 2) {
		x >>= 2;
		r += 2;
	}
	if (x >> 1)
		r += 1;
	return r;
}

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t n = len / 8, i, sum = 0, mix = 0;
	const uint64_t BENCH_MEM *a = (const uint64_t BENCH_MEM *)mem;

	for (i = 0; BENCH_LOOP(i < n); i++) {
		uint64_t l = ilog2((a[i] >> (a[i] & 63)) | 1);

		sum += l;
		mix = mix * 65 + l;
	}
	return sum << 48 ^ mix;
}
