// SPDX-License-Identifier: MIT
/*
 * A small register-machine interpreter: switch dispatch over bytecode the
 * harness writes into the input. Layout (little-endian):
 *
 *   mem[0..4)  step budget      mem[4..8)  number of instructions
 *   mem[8..)   instructions, 4 bytes each: op, a, b, c
 *
 * Eight 64-bit registers. Ops: 0 halt (returns r[a]), 1 li r[a] = b|c<<8,
 * 2 add, 3 sub, 4 xor, 5 and, 6 mul (r[a] = r[b] op r[c]), 7 shl, 8 shr
 * (r[a] = r[b] shift c), 9 dec r[a], 10 jnz r[a] to b|c<<8, 11 mov r[a] = r[b].
 * An unknown op, a jump out of the code or an exhausted budget ends the
 * run with a distinct value.
 */
#include "bench.h"

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t r[8] = { 0 };
	uint64_t budget, n, pc = 0, step;

	if (len < 8)
		return ~0ull;
	budget = bench_le32(mem);
	n = bench_le32(mem + 4);
	if (n > (len - 8) / 4)
		return ~1ull;
	for (step = 0; BENCH_LOOP(step < budget); step++) {
		const uint8_t BENCH_MEM *in;
		uint64_t a, b, c;

		if (pc >= n)
			return ~2ull;
		in = mem + 8 + pc * 4;
		a = in[1] & 7;
		b = in[2];
		c = in[3];
		pc++;
		switch (in[0]) {
		case 0:
			return r[a];
		case 1:
			r[a] = b | c << 8;
			break;
		case 2:
			r[a] = r[b & 7] + r[c & 7];
			break;
		case 3:
			r[a] = r[b & 7] - r[c & 7];
			break;
		case 4:
			r[a] = r[b & 7] ^ r[c & 7];
			break;
		case 5:
			r[a] = r[b & 7] & r[c & 7];
			break;
		case 6:
			r[a] = r[b & 7] * r[c & 7];
			break;
		case 7:
			r[a] = r[b & 7] << (c & 63);
			break;
		case 8:
			r[a] = r[b & 7] >> (c & 63);
			break;
		case 9:
			r[a]--;
			break;
		case 10:
			if (r[a])
				pc = b | c << 8;
			break;
		case 11:
			r[a] = r[b & 7];
			break;
		default:
			return ~3ull;
		}
	}
	return ~4ull;
}
