// SPDX-License-Identifier: MIT
/*
 * Collatz trajectories of 1..N, N the little-endian u32 at mem[0]: a pure
 * ALU and branch loop (no memory traffic). Each trajectory is capped at
 * 1000 steps to keep the loop bounded. Returns the total step count and the
 * start with the longest trajectory.
 */
#include "bench.h"

#define MAX_STEPS 1000

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t n, i, total = 0, best = 0, best_steps = 0;

	if (len < 4)
		return 0;
	n = bench_le32(mem);
	for (i = BENCH_OPAQUE(1); BENCH_LOOP(i <= n); i++) {
		uint64_t x = i, steps = BENCH_OPAQUE(0);

		while (BENCH_LOOP(x != 1 && steps < MAX_STEPS)) {
			x = x & 1 ? 3 * x + 1 : x >> 1;
			steps++;
		}
		total += steps;
		if (steps > best_steps) {
			best_steps = steps;
			best = i;
		}
	}
	return total << 32 | best;
}
