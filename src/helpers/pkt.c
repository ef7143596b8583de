// SPDX-License-Identifier: MIT
/*
 * Packet helpers: checksums (bpf_csum_diff), XDP head/meta/tail moves,
 * skb byte loads and stores, and redirects. The packet they work on is
 * the one ubee_pkt_run set up (src/progtypes/pkt.h); a program run some
 * other way has no packet state, and these helpers then fail
 * (-EOPNOTSUPP for the xdp ones, -EFAULT for the skb ones). Redirects are
 * recorded for the embedder (ubee_pkt_get_redirect; src/pktio performs
 * them).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/maps.h"
#include "progtypes/pkt.h"
#include "vm/vm.h"

#define XDP_ABORTED 0
#define XDP_REDIRECT 4
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define BPF_F_INGRESS 1u
#define BPF_F_RECOMPUTE_CSUM 1u
#define BPF_F_INVALIDATE_HASH 2u
#define BPF_F_BROADCAST (1ull << 3)
#define BPF_F_EXCLUDE_INGRESS (1ull << 4)

/*
 * The kernel's csum_partial on x86-64 over len bytes: a 64-bit one's
 * complement sum of little-endian words (the last one zero-padded),
 * starting from seed, folded to 32 bits with the end-around carry.
 */
static uint32_t csum_partial(const uint8_t *p, size_t len, uint32_t seed)
{
	uint64_t sum = seed, q;
	uint32_t lo, hi, r;

	for (; len; p += 8, len = len > 8 ? len - 8 : 0) {
		q = 0;
		memcpy(&q, p, len < 8 ? len : 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		q = __builtin_bswap64(q);
#endif
		sum += q;
		sum += sum < q;
	}
	lo = (uint32_t)sum;
	hi = (uint32_t)(sum >> 32);
	r = lo + hi;
	return r + (r < lo);
}

/* One's complement 32-bit addition (end-around carry). */
static uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	return s + (s < b);
}

/* The 32-bit sum folded to 16 bits (not complemented). */
static uint32_t fold16(uint32_t x)
{
	x = (x & 0xffff) + (x >> 16);
	return (x & 0xffff) + (x >> 16);
}

/*
 * bpf_csum_diff(from, from_size, to, to_size, seed): the checksum of the
 * "to" bytes minus that of the "from" bytes, on top of seed, folded to
 * 16 bits so that every architecture gives the same value (the kernel
 * does so since 6.13; before, it returned the unfolded 32-bit sum and
 * refused sizes that were not multiples of 4).
 */
uint64_t ubee_bpf_csum_diff(uint64_t from, uint64_t from_size, uint64_t to,
			    uint64_t to_size, uint64_t seed)
{
	const uint8_t *f = (const uint8_t *)(uintptr_t)from;
	const uint8_t *t = (const uint8_t *)(uintptr_t)to;
	uint32_t fs = (uint32_t)from_size, ts = (uint32_t)to_size;
	uint32_t ret = (uint32_t)seed;

	if (fs && ts)
		ret = csum_add(csum_partial(t, ts, ret), ~csum_partial(f, fs, 0));
	else if (ts)
		ret = csum_partial(t, ts, ret);
	else if (fs)
		ret = ~csum_partial(f, fs, ~ret);
	return fold16(ret);
}

/* The run's packet, if ctx is its context and it is an XDP one. */
static struct ubee_pkt *xdp_pkt(uint64_t ctx)
{
	struct ubee_pkt *pkt = ubee_pkt_of_run();

	if (!pkt || !ubee_pkt_is_xdp(pkt) ||
	    ubee_pkt_ctx(pkt) != (void *)(uintptr_t)ctx)
		return NULL;
	return pkt;
}

/* bpf_xdp_adjust_head(ctx, delta): 0 or -EINVAL. */
uint64_t ubee_bpf_xdp_adjust_head(uint64_t ctx, uint64_t delta, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	struct ubee_pkt *pkt = xdp_pkt(ctx);

	if (!pkt)
		return (uint64_t)-EOPNOTSUPP;
	return (uint64_t)(int64_t)ubee_pkt_xdp_adjust_head(pkt, (int)delta);
}

/* bpf_xdp_adjust_meta(ctx, delta): 0, -EINVAL or -EACCES. */
uint64_t ubee_bpf_xdp_adjust_meta(uint64_t ctx, uint64_t delta, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	struct ubee_pkt *pkt = xdp_pkt(ctx);

	if (!pkt)
		return (uint64_t)-EOPNOTSUPP;
	return (uint64_t)(int64_t)ubee_pkt_xdp_adjust_meta(pkt, (int)delta);
}

/* bpf_xdp_adjust_tail(ctx, delta): 0 or -EINVAL. */
uint64_t ubee_bpf_xdp_adjust_tail(uint64_t ctx, uint64_t delta, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	struct ubee_pkt *pkt = xdp_pkt(ctx);

	if (!pkt)
		return (uint64_t)-EOPNOTSUPP;
	return (uint64_t)(int64_t)ubee_pkt_xdp_adjust_tail(pkt, (int)delta);
}

/* The run's packet, if ctx is its context and it is an skb. */
static struct ubee_pkt *skb_pkt(uint64_t ctx)
{
	struct ubee_pkt *pkt = ubee_pkt_of_run();

	if (!pkt || ubee_pkt_is_xdp(pkt) ||
	    ubee_pkt_ctx(pkt) != (void *)(uintptr_t)ctx)
		return NULL;
	return pkt;
}

/*
 * bpf_skb_load_bytes(skb, offset, to, len): 0, or -EFAULT (to zeroed)
 * when the bytes are not all in the packet.
 */
uint64_t ubee_bpf_skb_load_bytes(uint64_t ctx, uint64_t off, uint64_t to,
				 uint64_t len, uint64_t r5)
{
	struct ubee_pkt *pkt = skb_pkt(ctx);
	void *buf = (void *)(uintptr_t)to;

	if (!pkt || (uint32_t)off > INT_MAX ||
	    ubee_pkt_skb_load(pkt, (uint32_t)off, buf, (uint32_t)len)) {
		memset(buf, 0, (uint32_t)len);
		return (uint64_t)-EFAULT;
	}
	return 0;
}

/*
 * bpf_skb_store_bytes(skb, offset, from, len, flags): 0, -EINVAL (flags
 * other than BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH), -EFAULT.
 */
uint64_t ubee_bpf_skb_store_bytes(uint64_t ctx, uint64_t off, uint64_t from,
				  uint64_t len, uint64_t flags)
{
	struct ubee_pkt *pkt = skb_pkt(ctx);

	if (flags & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return (uint64_t)-EINVAL;
	if (!pkt || (uint32_t)off > INT_MAX ||
	    ubee_pkt_skb_store(pkt, (uint32_t)off, (const void *)(uintptr_t)from,
			       (uint32_t)len))
		return (uint64_t)-EFAULT;
	if (flags & BPF_F_INVALIDATE_HASH)
		ubee_pkt_skb_clear_hash(pkt);
	return 0;
}

static int run_is_xdp(void)
{
	struct ubee_run *run = ubee_run_current();

	return run && run->prog->type->id == UBEE_PROG_TYPE_XDP;
}

/*
 * bpf_redirect(ifindex, flags). XDP: XDP_REDIRECT, or XDP_ABORTED for
 * any flag. tc: TC_ACT_REDIRECT, or TC_ACT_SHOT for flags other than
 * BPF_F_INGRESS.
 */
uint64_t ubee_bpf_redirect(uint64_t ifindex, uint64_t flags, uint64_t r3,
			   uint64_t r4, uint64_t r5)
{
	struct ubee_pkt *pkt = ubee_pkt_of_run();
	int xdp = run_is_xdp();

	if (xdp ? flags != 0 : (flags & ~(uint64_t)BPF_F_INGRESS) != 0)
		return xdp ? XDP_ABORTED : TC_ACT_SHOT;
	if (pkt)
		ubee_pkt_set_redirect(pkt, (uint32_t)ifindex, flags, NULL, 0);
	return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
}

/*
 * bpf_redirect_map(map, key, flags): XDP_REDIRECT when key is in the map,
 * else the action in the low two bits of flags; XDP_ABORTED for other
 * flags. Devmaps also take BPF_F_BROADCAST (every interface of the map;
 * redirects even when key is absent) and BPF_F_EXCLUDE_INGRESS; xskmaps
 * take no flags. Other maps with lookups serve as a table of targets
 * too (the kernel would want a cpumap there).
 */
uint64_t ubee_bpf_redirect_map(uint64_t m, uint64_t key, uint64_t flags,
			       uint64_t r4, uint64_t r5)
{
	struct ubee_map *map = (struct ubee_map *)(uintptr_t)m;
	struct ubee_pkt *pkt = ubee_pkt_of_run();
	uint32_t k = (uint32_t)key;
	uint64_t allowed = 3;
	int found;

	if (map->type == UBEE_MAP_DEVMAP || map->type == UBEE_MAP_DEVMAP_HASH)
		allowed |= BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
	if (flags & ~allowed)
		return XDP_ABORTED;
	found = map->ops->lookup && map->key_size == sizeof(k) &&
		map->ops->lookup(map, &k);
	if (!found && !(flags & BPF_F_BROADCAST))
		return flags & 3;
	if (pkt)
		ubee_pkt_set_redirect(pkt, 0, flags, map, k);
	return XDP_REDIRECT;
}
