// SPDX-License-Identifier: MIT
/*
 * Sieve of Eratosthenes over the input memory: mem[i] ends 1 when i is
 * prime, for i < len. Returns the number of primes times 2^32 plus the low
 * 32 bits of their sum. Byte stores and a strided inner loop.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t i, j, count = 0, sum = 0;

	for (i = BENCH_OPAQUE(0); BENCH_LOOP(i < len); i++)
		mem[i] = i >= 2;
	for (i = 2; BENCH_LOOP(i * i < len); i++) {
		if (!mem[i])
			continue;
		for (j = i * i; BENCH_LOOP(j < len); j += i)
			mem[j] = 0;
	}
	for (i = 0; BENCH_LOOP(i < len); i++) {
		if (mem[i]) {
			count++;
			sum += i;
		}
	}
	return count << 32 | (sum & 0xffffffff);
}
