// SPDX-License-Identifier: MIT
/*
 * Binary search in a sorted array of 32-bit keys (the whole input, sorted
 * ascending by the harness) for keys drawn from an xorshift stream. Returns
 * the number of hits and a mix of the insertion points.
 */
#include "bench.h"

#define LOOKUPS 8192

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	const uint32_t BENCH_MEM *a = (const uint32_t BENCH_MEM *)mem;
	uint64_t n = len / 4, q, hits = 0, mix = 0, x = 0x9e3779b97f4a7c15ull;
	uint32_t span;

	if (!n)
		return 0;
	span = a[n - 1] + 1;
	for (q = 0; BENCH_LOOP(q < BENCH_OPAQUE(LOOKUPS)); q++) {
		uint64_t lo = 0, hi = n;
		uint32_t key;

		x = bench_xorshift(x);
		key = (uint32_t)(x >> 32) % span;
		while (BENCH_LOOP(lo < hi)) {
			uint64_t mid = (lo + hi) / 2;

			if (a[mid] < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		hits += lo < n && a[lo] == key;
		mix = mix * 31 + lo;
	}
	return hits << 48 ^ mix;
}
