// SPDX-License-Identifier: MIT
/*
 * Packet contexts (see pkt.h for the layout and why it lives below
 * 4 GiB): building them, running programs on them, and the packet
 * operations behind the packet helpers, with the kernel's bounds and
 * error codes. The state in struct ubee_pkt is the truth; the context
 * the program sees is refreshed from it after every change, so a
 * program that scribbles on its context (checked runs allow it) cannot
 * mislead a helper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "progtypes/pkt.h"
#include "util/util.h"
#include "vm/vm.h"

struct ubee_pkt {
	union {
		struct ubee_xdp_md xdp;
		struct ubee_sk_buff skb;
	} ctx;                     /* first: r1 points here */
	uint32_t prog_type;
	int xdp;
	struct ubee_pkt_opts opts;
	uint8_t *frame;            /* the frame's first byte (hard start) */
	size_t frame_size;
	uint8_t *data, *data_end, *data_meta;
	uint8_t *mac;              /* skb: the Ethernet header */
	/*
	 * The lowest byte of the headroom a run exposed (adjust_head or
	 * adjust_meta moved data_meta below the packet's start) since the
	 * headroom was last zeroed: resets zero only [low, start).
	 * Tailroom needs no zeroing: adjust_tail zeroes what it exposes.
	 */
	uint8_t *low;
	/*
	 * What checked runs may touch: [0] the packet (moved in place by
	 * the helpers), then the caller's regions of the current run.
	 */
	struct ubee_region *regions;
	size_t cap_regions;
	struct ubee_pkt_redirect redirect;
	size_t map_len;            /* of the whole mapping */
	uint8_t *keep;             /* room for a copy of the packet as given
				    * (after the largest frame the mapping
				    * holds) */
	uint8_t *orig;             /* keep, or NULL after a set_data that
				    * kept nothing (UBEE_PKT_F_NO_KEEP) */
	size_t orig_len;
	size_t max_len;            /* the largest packet the mapping holds */
};

/* Where the frame starts: after the state, 64-aligned. */
#define FRAME_OFF ((sizeof(struct ubee_pkt) + 63) & ~(size_t)63)
#define FOUR_GIB (1ull << 32)

/* A private anonymous mapping entirely below 4 GiB, or NULL. */
static void *low_map(size_t len)
{
	void *p;

#ifdef MAP_32BIT
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p != MAP_FAILED) {
		if ((uintptr_t)p + len <= FOUR_GIB)
			return p;
		munmap(p, len);
	}
#endif
	/* Hints are honoured when the range is free: try a few. */
	for (uint64_t hint = 1ull << 28; hint + len <= FOUR_GIB; hint += 1ull << 28) {
		p = mmap((void *)(uintptr_t)hint, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		if ((uintptr_t)p + len <= FOUR_GIB)
			return p;
		munmap(p, len);
	}
	return NULL;
}

static uint32_t addr32(const void *p)
{
	return (uint32_t)(uintptr_t)p;
}

/* The Ethernet header's protocol as eth_type_trans gives it (wire order). */
static uint16_t eth_protocol(const uint8_t *eth)
{
	uint16_t proto = (uint16_t)(eth[12] << 8 | eth[13]);
	uint16_t wire;

	if (proto < 0x600) /* 802.3 length: raw IPX (0xffff) or 802.2 LLC */
		proto = eth[14] == 0xff && eth[15] == 0xff ? 0x0001 : 0x0004;
	wire = (uint16_t)((proto >> 8) | (proto << 8));
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? wire : proto;
}

/*
 * eth_type_trans on the loopback device, whose address and broadcast
 * address are both 00:00:00:00:00:00: all-zero is for this host, any
 * group address (ff:ff:ff:ff:ff:ff too) is multicast, the rest is for
 * another host.
 */
static uint32_t eth_pkt_type(const uint8_t *eth)
{
	static const uint8_t zero[6];

	if (eth[0] & 1)
		return 2; /* PACKET_MULTICAST */
	return memcmp(eth, zero, 6) ? 3 /* PACKET_OTHERHOST */ : 0 /* PACKET_HOST */;
}

/*
 * The frame for a packet of len bytes: one page, or for packets that do
 * not fit one, the packet and both reserves rounded up to 64.
 */
static size_t frame_size_for(size_t len)
{
	size_t n = UBEE_XDP_HEADROOM + len + UBEE_XDP_SHINFO;

	return n <= UBEE_XDP_FRAME_SIZE ? UBEE_XDP_FRAME_SIZE :
					  (n + 63) & ~(size_t)63;
}

/* The context and the region from the state. */
static void sync_ctx(struct ubee_pkt *pkt)
{
	if (pkt->data_meta < pkt->low)
		pkt->low = pkt->data_meta;
	if (pkt->xdp) {
		pkt->ctx.xdp.data = addr32(pkt->data);
		pkt->ctx.xdp.data_end = addr32(pkt->data_end);
		pkt->ctx.xdp.data_meta = addr32(pkt->data_meta);
		pkt->regions[0] = (struct ubee_region){
			pkt->data_meta, (size_t)(pkt->data_end - pkt->data_meta), 1
		};
		return;
	}
	pkt->ctx.skb.len = (uint32_t)(pkt->data_end - pkt->data);
	pkt->ctx.skb.data = addr32(pkt->data);
	pkt->ctx.skb.data_end = addr32(pkt->data_end);
	pkt->ctx.skb.data_meta = addr32(pkt->data_meta);
	pkt->regions[0] = (struct ubee_region){
		pkt->data_meta, (size_t)(pkt->data_end - pkt->data_meta),
		pkt->prog_type != UBEE_PROG_TYPE_SOCKET_FILTER
	};
}

void ubee_pkt_reset(struct ubee_pkt *pkt)
{
	uint8_t *start = pkt->frame + UBEE_XDP_HEADROOM;
	uint32_t ifindex = pkt->opts.ifindex ? pkt->opts.ifindex : 1;

	if (pkt->low < start)
		memset(pkt->low, 0, (size_t)(start - pkt->low));
	pkt->low = start;
	if (pkt->orig)
		memcpy(start, pkt->orig, pkt->orig_len);
	memset(&pkt->redirect, 0, sizeof(pkt->redirect));
	pkt->mac = start;
	pkt->data = start;
	pkt->data_end = start + pkt->orig_len;
	pkt->data_meta = start;
	if (pkt->xdp) {
		/* All of xdp_md, field by field (sync_ctx sets the pointers):
		 * cheaper than clearing the union per packet. */
		pkt->ctx.xdp = (struct ubee_xdp_md){
			.ingress_ifindex = ifindex,
			.rx_queue_index = pkt->opts.rx_queue_index,
		};
	} else {
		memset(&pkt->ctx, 0, sizeof(pkt->ctx));
		/* Socket filters see the packet from the network header on
		 * (BPF_PROG_TEST_RUN), or from the Ethernet header (L2). */
		if (pkt->prog_type == UBEE_PROG_TYPE_SOCKET_FILTER &&
		    !(pkt->opts.flags & UBEE_PKT_F_L2))
			pkt->data = pkt->data_meta = start + UBEE_ETH_HLEN;
		pkt->ctx.skb.protocol = eth_protocol(start);
		pkt->ctx.skb.pkt_type = eth_pkt_type(start);
		pkt->ctx.skb.ifindex = ifindex;
		pkt->ctx.skb.mark = pkt->opts.mark;
		pkt->ctx.skb.priority = pkt->opts.priority;
		pkt->ctx.skb.ingress_ifindex = pkt->opts.ingress_ifindex;
		memcpy(pkt->ctx.skb.cb, pkt->opts.cb, sizeof(pkt->ctx.skb.cb));
		pkt->ctx.skb.tstamp = pkt->opts.tstamp;
	}
	sync_ctx(pkt);
}

int ubee_pkt_new(uint32_t prog_type, const void *data, size_t len,
		 const struct ubee_pkt_opts *opts, struct ubee_pkt **out,
		 struct ubee_log *log)
{
	const struct ubee_prog_type *t = ubee_prog_type_find(prog_type);
	struct ubee_pkt_opts o;
	struct ubee_pkt *pkt;
	size_t frame_size, map_len, cap;
	uint8_t *m;
	int err;

	*out = NULL;
	err = ubee_vm_copy_opts(&o, sizeof(o), opts, log);
	if (err)
		return err;
	if (prog_type != UBEE_PROG_TYPE_XDP &&
	    prog_type != UBEE_PROG_TYPE_SOCKET_FILTER &&
	    prog_type != UBEE_PROG_TYPE_SCHED_CLS &&
	    prog_type != UBEE_PROG_TYPE_SCHED_ACT) {
		ubee_logf(log, "0: program type %s has no packet context",
			  t ? t->name : "(unknown)");
		return -EINVAL;
	}
	if (len < UBEE_ETH_HLEN || (!data && len)) {
		ubee_logf(log, "0: a packet of %zu bytes is shorter than an Ethernet header",
			  len);
		return -EINVAL;
	}
	/*
	 * The kernel's skb test runs also refuse an IPv4 or IPv6 frame (by
	 * its EtherType, untagged) too short for the fixed IP header
	 * (checked on 6.18: 33 and 53 bytes give EINVAL, 34 and 54 run).
	 */
	if (prog_type != UBEE_PROG_TYPE_XDP && len >= UBEE_ETH_HLEN) {
		const uint8_t *eth = data;
		uint16_t proto = (uint16_t)(eth[12] << 8 | eth[13]);
		size_t need = proto == 0x0800 ? 20 : proto == 0x86dd ? 40 : 0;

		if (len < UBEE_ETH_HLEN + need) {
			ubee_logf(log, "0: an IPv%d packet of %zu bytes is shorter than its %zu-byte headers",
				  proto == 0x0800 ? 4 : 6, len, UBEE_ETH_HLEN + need);
			return -EINVAL;
		}
	}
	cap = len > o.max_len ? len : o.max_len;
	if (cap > UBEE_PKT_MAX_LEN) {
		ubee_logf(log, "0: a packet of %zu bytes is over the limit of %u",
			  cap, UBEE_PKT_MAX_LEN);
		return -E2BIG;
	}
	if (o.flags & ~(UBEE_PKT_F_L2 | UBEE_PKT_F_NO_KEEP)) {
		ubee_logf(log, "0: unknown packet flags 0x%x", o.flags);
		return -EINVAL;
	}
	/* The original bytes go after the largest frame, for resets. */
	frame_size = frame_size_for(cap);
	map_len = (FRAME_OFF + frame_size + cap + 4095) & ~(size_t)4095;
	m = low_map(map_len);
	if (!m) {
		ubee_logf(log, "0: packet contexts need memory below 4 GiB, "
			  "which this system does not give");
		return -EOPNOTSUPP;
	}
	pkt = (struct ubee_pkt *)m;
	pkt->regions = ubee_calloc(1, sizeof(*pkt->regions));
	if (!pkt->regions) {
		munmap(m, map_len);
		ubee_logf(log, "0: out of memory");
		return -ENOMEM;
	}
	pkt->cap_regions = 1;
	pkt->prog_type = prog_type;
	pkt->xdp = prog_type == UBEE_PROG_TYPE_XDP;
	pkt->opts = o;
	pkt->frame = m + FRAME_OFF;
	pkt->frame_size = frame_size_for(len);
	pkt->map_len = map_len;
	pkt->max_len = cap;
	pkt->keep = pkt->orig = pkt->frame + frame_size;
	memcpy(pkt->orig, data, len);
	pkt->orig_len = len;
	/* The mapping came zeroed: no headroom to clear. */
	pkt->low = pkt->frame + UBEE_XDP_HEADROOM;
	ubee_pkt_reset(pkt);
	*out = pkt;
	return 0;
}

int ubee_pkt_set_data(struct ubee_pkt *pkt, const void *data, size_t len,
		      struct ubee_log *log)
{
	if (len < UBEE_ETH_HLEN || !data) {
		ubee_logf(log, "0: a packet of %zu bytes is shorter than an Ethernet header",
			  len);
		return -EINVAL;
	}
	if (len > pkt->max_len) {
		ubee_logf(log, "0: a packet of %zu bytes is over this context's limit of %zu",
			  len, pkt->max_len);
		return -E2BIG;
	}
	pkt->orig_len = len;
	pkt->frame_size = frame_size_for(len);
	if (pkt->opts.flags & UBEE_PKT_F_NO_KEEP) {
		/* Straight into the frame: nothing to reset from later. */
		memcpy(pkt->frame + UBEE_XDP_HEADROOM, data, len);
		pkt->orig = NULL;
	} else {
		pkt->orig = pkt->keep;
		memcpy(pkt->orig, data, len);
	}
	ubee_pkt_reset(pkt);
	return 0;
}

void ubee_pkt_free(struct ubee_pkt *pkt)
{
	if (!pkt)
		return;
	ubee_free(pkt->regions);
	munmap(pkt, pkt->map_len);
}

void *ubee_pkt_ctx(struct ubee_pkt *pkt)
{
	return &pkt->ctx;
}

size_t ubee_pkt_ctx_size(const struct ubee_pkt *pkt)
{
	return pkt->xdp ? sizeof(pkt->ctx.xdp) : sizeof(pkt->ctx.skb);
}

/*
 * The run options of prog on pkt from the caller's opts: the context,
 * the skb's packet for LD_ABS/LD_IND, and the regions (the packet's,
 * then the caller's, copied into pkt->regions).
 */
static int pkt_opts(struct ubee_pkt *pkt, const struct ubee_prog *prog,
		    const struct ubee_run_opts *opts, struct ubee_run_opts *o,
		    struct ubee_log *log)
{
	int err;

	if (!pkt || !prog)
		return -EINVAL;
	if (prog->type->id != pkt->prog_type) {
		ubee_logf(log, "0: a %s program cannot run on a %s packet context",
			  prog->type->name, ubee_prog_type_find(pkt->prog_type)->name);
		return -EINVAL;
	}
	err = ubee_vm_copy_opts(o, sizeof(*o), opts, log);
	if (err)
		return err;
	if (!o->regions && o->nr_regions)
		return -EINVAL;
	/* The packet's region first, then the caller's. */
	if (o->nr_regions + 1 > pkt->cap_regions) {
		struct ubee_region *r;

		r = ubee_realloc(pkt->regions, (o->nr_regions + 1) * sizeof(*r));
		if (!r) {
			ubee_logf(log, "0: out of memory");
			return -ENOMEM;
		}
		pkt->regions = r;
		pkt->cap_regions = o->nr_regions + 1;
	}
	if (o->nr_regions)
		memcpy(pkt->regions + 1, o->regions, o->nr_regions * sizeof(*o->regions));
	o->sz = sizeof(*o);
	o->ctx = &pkt->ctx;
	o->ctx_size = ubee_pkt_ctx_size(pkt);
	/* LD_ABS/LD_IND read the skb from its data on. */
	o->pkt = pkt->xdp ? NULL : pkt->data;
	o->pkt_size = pkt->xdp ? 0 : (size_t)(pkt->data_end - pkt->data);
	/* regions[0] is updated in place when a helper moves the packet. */
	o->regions = pkt->regions;
	o->nr_regions += 1;
	return 0;
}

int ubee_pkt_run(struct ubee_pkt *pkt, const struct ubee_prog *prog,
		 const struct ubee_run_opts *opts, uint64_t *retval,
		 struct ubee_log *log)
{
	struct ubee_run_env env = { .pkt = pkt };
	struct ubee_run_opts o;
	int err;

	if (retval)
		*retval = 0;
	err = pkt_opts(pkt, prog, opts, &o, log);
	if (err)
		return err;
	memset(&pkt->redirect, 0, sizeof(pkt->redirect));
	return ubee_vm_run(prog, &o, &env, retval, log);
}

int ubee_pkt_prepare(struct ubee_pkt *pkt, const struct ubee_prog *prog,
		     const struct ubee_run_opts *opts, struct ubee_runner **out,
		     struct ubee_log *log)
{
	struct ubee_run_env env = { .pkt = pkt };
	struct ubee_run_opts o;
	int err;

	*out = NULL;
	err = pkt_opts(pkt, prog, opts, &o, log);
	if (err)
		return err;
	return ubee_vm_runner_new(prog, &o, &env, out, log);
}

int ubee_pkt_run_prepared(struct ubee_pkt *pkt, struct ubee_runner *r,
			  uint64_t *retval)
{
	memset(&pkt->redirect, 0, sizeof(pkt->redirect));
	if (pkt->xdp)
		return ubee_runner_run(r, &pkt->ctx, sizeof(pkt->ctx.xdp), NULL,
				       0, retval);
	return ubee_runner_run(r, &pkt->ctx, sizeof(pkt->ctx.skb), pkt->data,
			       (size_t)(pkt->data_end - pkt->data), retval);
}

const void *ubee_pkt_data(const struct ubee_pkt *pkt, size_t *len)
{
	const uint8_t *start = pkt->xdp ? pkt->data_meta : pkt->mac;

	*len = (size_t)(pkt->data_end - start);
	return start;
}

const struct ubee_pkt_redirect *ubee_pkt_get_redirect(const struct ubee_pkt *pkt)
{
	return &pkt->redirect;
}

struct ubee_pkt *ubee_pkt_of_run(void)
{
	struct ubee_run *run = ubee_run_current();

	return run ? run->env.pkt : NULL;
}

int ubee_pkt_is_xdp(const struct ubee_pkt *pkt)
{
	return pkt->xdp;
}

/* The end of the room adjust_tail may grow into. */
static uint8_t *xdp_hard_end(const struct ubee_pkt *pkt)
{
	return pkt->frame + pkt->frame_size - UBEE_XDP_SHINFO;
}

int ubee_pkt_xdp_adjust_head(struct ubee_pkt *pkt, int delta)
{
	size_t metalen = (size_t)(pkt->data - pkt->data_meta);
	uint8_t *start = pkt->frame + UBEE_XDP_FRAME_HDR + metalen;
	/* Pointer arithmetic out of the object is avoided: compare offsets. */
	intptr_t data = (intptr_t)pkt->data + delta;

	if (!pkt->xdp)
		return -EINVAL;
	if (data < (intptr_t)start ||
	    data > (intptr_t)pkt->data_end - UBEE_ETH_HLEN)
		return -EINVAL;
	if (metalen)
		memmove(pkt->data_meta + delta, pkt->data_meta, metalen);
	pkt->data_meta += delta;
	pkt->data += delta;
	sync_ctx(pkt);
	return 0;
}

int ubee_pkt_xdp_adjust_meta(struct ubee_pkt *pkt, int delta)
{
	intptr_t meta = (intptr_t)pkt->data_meta + delta;
	intptr_t metalen = (intptr_t)pkt->data - meta;

	if (!pkt->xdp)
		return -EINVAL;
	if (meta < (intptr_t)(pkt->frame + UBEE_XDP_FRAME_HDR) ||
	    meta > (intptr_t)pkt->data)
		return -EINVAL;
	if (metalen % 4 || metalen > UBEE_XDP_META_MAX)
		return -EACCES;
	pkt->data_meta += delta;
	sync_ctx(pkt);
	return 0;
}

int ubee_pkt_xdp_adjust_tail(struct ubee_pkt *pkt, int delta)
{
	intptr_t end = (intptr_t)pkt->data_end + delta;

	if (!pkt->xdp)
		return -EINVAL;
	if (end > (intptr_t)xdp_hard_end(pkt) ||
	    end < (intptr_t)pkt->data + UBEE_ETH_HLEN)
		return -EINVAL;
	/* Growing exposes zeroes, never old bytes. */
	if (delta > 0)
		memset(pkt->data_end, 0, (size_t)delta);
	pkt->data_end += delta;
	sync_ctx(pkt);
	return 0;
}

int ubee_pkt_skb_load(const struct ubee_pkt *pkt, uint32_t off, void *buf,
		      uint32_t len)
{
	size_t have = (size_t)(pkt->data_end - pkt->data);

	if (off > have || len > have - off)
		return -EFAULT;
	memcpy(buf, pkt->data + off, len);
	return 0;
}

int ubee_pkt_skb_store(struct ubee_pkt *pkt, uint32_t off, const void *buf,
		       uint32_t len)
{
	size_t have = (size_t)(pkt->data_end - pkt->data);

	if (off > have || len > have - off)
		return -EFAULT;
	memmove(pkt->data + off, buf, len);
	return 0;
}

const void *ubee_pkt_payload(const struct ubee_pkt *pkt, size_t *len)
{
	*len = (size_t)(pkt->data_end - pkt->data);
	return pkt->data;
}

void ubee_pkt_skb_clear_hash(struct ubee_pkt *pkt)
{
	if (!pkt->xdp)
		pkt->ctx.skb.hash = 0;
}

void ubee_pkt_set_redirect(struct ubee_pkt *pkt, uint32_t ifindex,
			   uint64_t flags, struct ubee_map *map, uint32_t key)
{
	pkt->redirect = (struct ubee_pkt_redirect){ 1, ifindex, flags, map, key };
}
