// SPDX-License-Identifier: MIT
/*
 * Insertion sort of 32-bit values: the first half of the input is copied to
 * the second half, which is sorted ascending (the input itself is left as
 * it was, so every run does the same work). Returns sum(a[i] * (i + 1)).
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t n = len / 8, i, sum = 0;
	const uint32_t BENCH_MEM *src = (const uint32_t BENCH_MEM *)mem;
	uint32_t BENCH_MEM *a = (uint32_t BENCH_MEM *)(mem + n * 4);

	for (i = 0; BENCH_LOOP(i < n); i++)
		a[i] = src[i];
	for (i = 1; BENCH_LOOP(i < n); i++) {
		uint32_t v = a[i];
		uint64_t j = i;

		while (BENCH_LOOP(j > 0 && a[j - 1] > v)) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
	for (i = 0; BENCH_LOOP(i < n); i++)
		sum += (uint64_t)a[i] * (i + 1);
	return sum;
}
