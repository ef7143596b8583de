// SPDX-License-Identifier: MIT
/*
 * A packet parser over a capture the harness writes: records of a
 * little-endian u16 length followed by that many bytes of Ethernet frame.
 * Each frame is parsed as an XDP program would: Ethernet, an optional
 * 802.1Q tag, IPv4 (header checksum verified) or IPv6, then UDP or TCP
 * ports; every length is checked before the bytes are read. Returns a flow
 * hash mixed over all packets and per-kind counts.
 */
#include "bench.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

BENCH_INLINE uint32_t be16(const uint8_t BENCH_MEM *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

BENCH_INLINE uint32_t be32(const uint8_t BENCH_MEM *p)
{
	return be16(p) << 16 | be16(p + 2);
}

BENCH_INLINE uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ull;
	return h ^ h >> 29;
}

/*
 * Parse one frame of n bytes. Returns its flow hash and counts it in
 * cnt[]: 0 bad, 1 udp, 2 tcp, 3 other L3/L4.
 */
BENCH_INLINE uint64_t parse(const uint8_t BENCH_MEM *p, uint64_t n,
			    uint64_t *cnt)
{
	uint64_t off = ETH_HLEN, h = 0xcbf29ce484222325ull, l4, i, sum;
	uint32_t proto, ihl;

	if (n < ETH_HLEN)
		goto bad;
	proto = be16(p + 12);
	if (proto == ETH_P_8021Q) {
		if (n < ETH_HLEN + 4)
			goto bad;
		h = mix(h, be16(p + 14) & 0xfff);
		proto = be16(p + 16);
		off += 4;
	}
	if (proto == ETH_P_IP) {
		if (n < off + 20 || p[off] >> 4 != 4)
			goto bad;
		ihl = (p[off] & 15) * 4;
		if (ihl < 20 || n < off + ihl || be16(p + off + 2) < ihl)
			goto bad;
		for (sum = 0, i = 0; i < ihl; i += 2)
			sum += be16(p + off + i);
		while (BENCH_LOOP(sum >> 16))
			sum = (sum & 0xffff) + (sum >> 16);
		if (sum != 0xffff)
			goto bad;
		h = mix(h, be32(p + off + 12));
		h = mix(h, be32(p + off + 16));
		proto = p[off + 9];
		l4 = off + ihl;
	} else if (proto == ETH_P_IPV6) {
		if (n < off + 40 || p[off] >> 4 != 6)
			goto bad;
		for (i = 8; i < 40; i += 4)
			h = mix(h, be32(p + off + i));
		proto = p[off + 6];
		l4 = off + 40;
	} else {
		cnt[3]++;
		return mix(h, proto);
	}
	h = mix(h, proto);
	if (proto == IPPROTO_UDP) {
		if (n < l4 + 8 || be16(p + l4 + 4) < 8)
			goto bad;
		cnt[1]++;
		return mix(h, be32(p + l4));
	}
	if (proto == IPPROTO_TCP) {
		if (n < l4 + 20 || p[l4 + 12] >> 4 < 5)
			goto bad;
		cnt[2]++;
		return mix(mix(h, be32(p + l4)), p[l4 + 13]);
	}
	cnt[3]++;
	return h;
bad:
	cnt[0]++;
	return 0;
}

BENCH_ENTRY uint64_t bench_main(uint8_t BENCH_MEM *mem, uint64_t len)
{
	uint64_t cnt[4] = { 0 }, off = 0, h = 0, n;

	/* every record advances off by at least 2: at most len/2 rounds */
	while (BENCH_LOOP(off + 2 <= len)) {
		n = mem[off] | (uint64_t)mem[off + 1] << 8;
		off += 2;
		if (n > len - off)
			break;
		h = h * 31 + parse(mem + off, n, cnt);
		off += n;
	}
	return h ^ cnt[0] << 48 ^ cnt[1] << 32 ^ cnt[2] << 16 ^ cnt[3];
}
