// SPDX-License-Identifier: MIT
/*
 * The raw-speed micro-benchmark: N (the little-endian u32 at mem[0])
 * iterations of add, xor, shift and a data-dependent conditional branch on
 * registers only. It measures instructions per second of an engine's
 * dispatch loop rather than any algorithm.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t n, i, x = BENCH_OPAQUE(0x2545f4914f6cdd1dull), y = 0;

	if (len < 4)
		return 0;
	n = bench_le32(mem);
	for (i = 0; BENCH_LOOP(i < n); i++) {
		x += i;
		x ^= x >> 7;
		x ^= x << 9;
		if (x & 0x100)
			y += x;
		else
			y ^= i;
	}
	return x ^ y;
}
