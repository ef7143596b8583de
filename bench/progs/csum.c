// SPDX-License-Identifier: MIT
/*
 * The Internet checksum (RFC 1071) of the whole input: 16-bit words summed
 * into a 64-bit accumulator, folded at the end. Computed in the machine's
 * byte order (little-endian), as the RFC permits, and returned as the
 * one's complement 16-bit value.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	const uint16_t BENCH_MEM *w = (const uint16_t BENCH_MEM *)mem;
	uint64_t n = len / 2, i, sum = 0;

	for (i = 0; BENCH_LOOP(i < n); i++)
		sum += w[i];
	if (len & 1)
		sum += mem[len - 1];
	while (BENCH_LOOP(sum >> 16))
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}
