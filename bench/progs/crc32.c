// SPDX-License-Identifier: MIT
/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320) of the input,
 * bit by bit: eight shift/xor steps per byte, no lookup table.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint32_t crc = 0xffffffff;
	uint64_t i;
	int k;

	for (i = 0; BENCH_LOOP(i < len); i++) {
		crc ^= mem[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}
