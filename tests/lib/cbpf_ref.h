/* SPDX-License-Identifier: MIT */
/*
 * A reference classic BPF interpreter with the kernel's semantics, for the
 * tests and the fuzz target that check ubee's translation against
 * libpcap's bpf_filter. The two machines agree except in corners, which
 * this interpreter reports in *diverged so that callers know when
 * libpcap's answer does not apply:
 *  - shifts by X of 32 or more (eBPF masks the count to 5 bits, libpcap
 *    gives 0);
 *  - LD IND whose X + k is 2^31 or more yet, wrapped to an int as the
 *    kernel does, lands inside the packet (libpcap refuses it);
 *  - ancillary loads (libpcap's bpf_filter knows none of them; here
 *    they read what ubee_cbpf_filter_run puts in the context).
 * Header-only (static functions) so the fuzz target, which links only the
 * library, can use it too. Programs must have passed ubee_cbpf_check.
 */
#ifndef UBEE_TESTS_CBPF_REF_H
#define UBEE_TESTS_CBPF_REF_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/cbpf.h"

/* Big-endian load of size bytes at off, or -1 when outside [0, caplen). */
static inline int cbpf_ref_load(const uint8_t *p, uint32_t caplen, int64_t off,
				unsigned size, uint32_t *out)
{
	uint32_t v = 0;

	if (off < 0 || off + size > caplen)
		return -1;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[off + i];
	*out = v;
	return 0;
}

/*
 * An ancillary load as ubee_cbpf_filter_run's context gives it (Ethernet,
 * ifindex 1, everything else 0). Returns -1 for the CPU number and the
 * random number, whose values are not known here.
 */
static inline int cbpf_ref_ancillary(uint32_t off, const uint8_t *p,
				     uint32_t caplen, uint32_t A, uint32_t X,
				     uint32_t *v)
{
	*v = 0;
	switch (off) {
	case 0: /* SKF_AD_PROTOCOL, as eth_type_trans */
		if (caplen >= 14) {
			*v = (uint32_t)p[12] << 8 | p[13];
			if (*v < 0x600)
				*v = caplen >= 16 && p[14] == 0xff && p[15] == 0xff ? 1 : 4;
		}
		return 0;
	case 4: /* SKF_AD_PKTTYPE */
		if (caplen >= 14 && (p[0] & 1))
			*v = (p[0] & p[1] & p[2] & p[3] & p[4] & p[5]) == 0xff ? 1 : 2;
		return 0;
	case 8: /* SKF_AD_IFINDEX */
	case 28: /* SKF_AD_HATYPE: ARPHRD_ETHER */
		*v = 1;
		return 0;
	case 40: /* SKF_AD_ALU_XOR_X */
		*v = A ^ X;
		return 0;
	case 36: /* SKF_AD_CPU */
	case 56: /* SKF_AD_RANDOM */
		return -1;
	}
	return 0; /* mark, queue, rxhash, vlan tag, present, tpid */
}

/*
 * Run insns[cnt] on p[caplen] (wire length wirelen). Returns the filter's
 * result; *diverged is set when libpcap would disagree (see above) and
 * the result is then the kernel's. Ancillary loads are what
 * ubee_cbpf_filter_run's context holds; the CPU and random loads set
 * *diverged to 2 and return 0: the result is then unknown.
 */
static inline uint32_t cbpf_ref_run(const struct ubee_cbpf_insn *insns,
				    size_t cnt, const uint8_t *p,
				    uint32_t caplen, uint32_t wirelen,
				    int *diverged)
{
	static const unsigned sizes[4] = { 4, 2, 1, 0 };
	uint32_t A = 0, X = 0, M[16] = { 0 }, v;
	size_t pc = 0;

	*diverged = 0;
	while (pc < cnt) {
		const struct ubee_cbpf_insn *in = &insns[pc++];
		uint16_t c = in->code;
		unsigned size = sizes[(c >> 3) & 3];
		uint32_t src = (c & 0x08) ? X : in->k;

		switch (c & 0x07) {
		case 0x00: /* LD */
		case 0x01: /* LDX */
			switch (c & 0xe0) {
			case 0x00:
				v = in->k;
				break;
			case 0x20: /* ABS */
				if (in->k >= (uint32_t)UBEE_SKF_AD_OFF) {
					*diverged = 1;
					if (cbpf_ref_ancillary(in->k - (uint32_t)UBEE_SKF_AD_OFF,
							       p, caplen, A, X, &v)) {
						*diverged = 2;
						return 0;
					}
					break;
				}
				if (cbpf_ref_load(p, caplen, (int32_t)in->k, size, &v))
					return 0;
				break;
			case 0x40: { /* IND: the kernel adds in 64 bits, then takes an int */
				uint64_t exact = (uint64_t)X + in->k;
				int32_t off = (int32_t)(uint32_t)((uint64_t)X +
								  (uint64_t)(int64_t)(int32_t)in->k);

				if (cbpf_ref_load(p, caplen, off, size, &v))
					return 0;
				if (exact >= 0x80000000ull)
					*diverged = 1;
				break;
			}
			case 0x60:
				v = M[in->k];
				break;
			case 0x80:
				v = wirelen;
				break;
			default: /* MSH */
				if (cbpf_ref_load(p, caplen, (int32_t)in->k, 1, &v))
					return 0;
				v = (v & 0xf) << 2;
				break;
			}
			if ((c & 0x07) == 0x00)
				A = v;
			else
				X = v;
			break;
		case 0x02:
			M[in->k] = A;
			break;
		case 0x03:
			M[in->k] = X;
			break;
		case 0x04: /* ALU */
			switch (c & 0xf0) {
			case 0x00: A += src; break;
			case 0x10: A -= src; break;
			case 0x20: A *= src; break;
			case 0x30:
				if (!src)
					return 0;
				A /= src;
				break;
			case 0x40: A |= src; break;
			case 0x50: A &= src; break;
			case 0x60:
				if (src >= 32)
					*diverged = 1;
				A <<= (src & 31);
				break;
			case 0x70:
				if (src >= 32)
					*diverged = 1;
				A >>= (src & 31);
				break;
			case 0x80: A = -A; break;
			case 0x90:
				if (!src)
					return 0;
				A %= src;
				break;
			default: A ^= src; break;
			}
			break;
		case 0x05: { /* JMP */
			int t;

			switch (c & 0xf0) {
			case 0x00:
				pc += in->k;
				continue;
			case 0x10: t = A == src; break;
			case 0x20: t = A > src; break;
			case 0x30: t = A >= src; break;
			default: t = (A & src) != 0; break;
			}
			pc += t ? in->jt : in->jf;
			break;
		}
		case 0x06: /* RET */
			return (c & 0x18) == 0x10 ? A : in->k;
		default: /* MISC */
			if (c & 0x80)
				A = X;
			else
				X = A;
			break;
		}
	}
	return 0;
}

#endif /* UBEE_TESTS_CBPF_REF_H */
