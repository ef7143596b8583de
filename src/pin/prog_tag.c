// SPDX-License-Identifier: MIT
/*
 * A program's tag, as the kernel computes it and bpftool prints it: the
 * first 8 bytes of the SHA-256 (FIPS 180-4) of the instructions as
 * loaded, with the immediates of map lddw (pseudo map fd and map value:
 * both slots) zeroed, since they hold per-process handles. Kernels before
 * 6.18 used SHA-1; this machine's 6.18 uses SHA-256 (checked against
 * bpf(BPF_OBJ_GET_INFO_BY_FD), see tests/sh/test_cli_prog.sh). ubee's
 * object map references (pseudo sources 5 and 6, map index) count as
 * what libbpf hands the kernel for them (sources 1 and 2).
 */
#include <string.h>

#include "pin/prog_file.h"

struct sha256 {
	uint32_t h[8];
	uint8_t block[64];
	size_t used;      /* bytes in block */
	uint64_t total;   /* bytes hashed */
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t e = v[4], a = v[0];
		uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			      ((e & v[5]) ^ (~e & v[6])) + sha256_k[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));

		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->used = 0;
	s->total = 0;
}

static void sha256_add(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->total += n;
	while (n) {
		size_t k = 64 - s->used < n ? 64 - s->used : n;

		memcpy(s->block + s->used, p, k);
		s->used += k;
		p += k;
		n -= k;
		if (s->used == 64) {
			sha256_block(s, s->block);
			s->used = 0;
		}
	}
}

static void sha256_end(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->total * 8;
	uint8_t pad = 0x80, len[8];

	sha256_add(s, &pad, 1);
	pad = 0;
	while (s->used != 56)
		sha256_add(s, &pad, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_add(s, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void ubee_sha256(const void *data, size_t n, uint8_t out[32])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_add(&s, data, n);
	sha256_end(&s, out);
}

void ubee_prog_tag(const struct ubee_insn *insns, size_t cnt, uint8_t tag[8])
{
	struct sha256 s;
	uint8_t digest[32];
	int second = 0;

	sha256_init(&s);
	for (size_t i = 0; i < cnt; i++) {
		struct ubee_insn in = insns[i];

		if (second) {
			in.imm = 0;
			second = 0;
		} else if (in.code == 0x18 && in.src_reg >= 1 && in.src_reg != 3 &&
			   in.src_reg != 4 && in.src_reg <= 6) {
			/* map fd/value (1, 2) or map index/index value (5, 6) */
			in.src_reg = in.src_reg == 5 ? 1 : in.src_reg == 6 ? 2 :
				     in.src_reg;
			in.imm = 0;
			second = 1;
		}
		sha256_add(&s, &in, sizeof(in));
	}
	sha256_end(&s, digest);
	memcpy(tag, digest, 8);
}
