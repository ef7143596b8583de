// SPDX-License-Identifier: MIT
/*
 * strcmp over a table of NUL-terminated strings with long shared prefixes:
 * mem holds 64-byte slots, one string each; every string is compared with
 * the next 8. Returns a mix of the comparison signs and lengths matched.
 */
#include "bench.h"

#define SLOT 64
#define SPAN 8

BENCH_INLINE int str_cmp(const uint8_t BENCH_MEM *a,
			 const uint8_t BENCH_MEM *b, uint64_t *steps)
{
	uint64_t i = 0;

	/* slots are NUL-terminated by the harness: i < SLOT bounds the loop */
	while (i < SLOT - 1 && a[i] && a[i] == b[i])
		i++;
	*steps += i;
	return (int)a[i] - (int)b[i];
}

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t n = len / SLOT, i, k, steps = 0, h = 0;

	for (i = 0; BENCH_LOOP(i + SPAN < n); i++) {
		for (k = 1; k <= SPAN; k++) {
			int c = str_cmp(mem + i * SLOT, mem + (i + k) * SLOT,
					     &steps);
			h = h * 3 + (c < 0 ? 1 : c > 0 ? 2 : 0);
		}
	}
	return h ^ steps << 40;
}
