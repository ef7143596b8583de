/* SPDX-License-Identifier: MIT */
/*
 * Packet contexts: an xdp_md or __sk_buff over a copy of a packet, for
 * running xdp, socket_filter and tc (sched_cls/sched_act) programs the way
 * BPF_PROG_TEST_RUN does, and the packet state the packet helpers
 * (bpf_xdp_adjust_*, bpf_skb_load/store_bytes, bpf_redirect*) change.
 *
 * The context's data/data_end/data_meta fields are u32, yet programs use
 * them as pointers (the kernel rewrites those loads; ubee does not). So
 * the context and the packet live in one mapping below 4 GiB, where the
 * u32 value IS the address: on x86-64 through MAP_32BIT, elsewhere by
 * asking mmap for a low address and checking what it gave. Where no low
 * memory can be had, ubee_pkt_new fails with -EOPNOTSUPP and says why.
 *
 * One mapping, page aligned:
 *
 *   +-------------------+ 0
 *   | struct ubee_pkt   |  the context first (what r1 points to), then
 *   |                   |  the state; programs may write the context
 *   |                   |  but the state is what helpers trust
 *   +-------------------+ frame (64-aligned)
 *   | headroom (256)    |  XDP_PACKET_HEADROOM: adjust_head/meta room;
 *   |                   |  the first 40 bytes stand for struct xdp_frame
 *   | packet            |  data .. data_end (data_meta .. data: metadata)
 *   | tailroom          |  xdp: up to frame_size - 320 (the kernel's
 *   |                   |  skb_shared_info reserve), for adjust_tail
 *   +-------------------+ frame + frame_size
 *
 * frame_size is 4096 (one page, what drivers and BPF_PROG_TEST_RUN use)
 * or, for packets that do not fit a page, the packet plus both reserves
 * rounded up to 64 (the kernel would use fragments; ubee keeps packets
 * linear).
 *
 * A packet context serves one run at a time (runs change it).
 *
 * __sk_buff contexts are filled as BPF_PROG_TEST_RUN fills them on the
 * loopback device: len, protocol and pkt_type from the Ethernet header,
 * ifindex 1, data/data_end/data_meta; for tc the packet starts at the
 * Ethernet header, for socket filters after it (len excludes it).
 */
#ifndef UBEE_PROGTYPES_PKT_H
#define UBEE_PROGTYPES_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/progtype.h"

#define UBEE_XDP_HEADROOM 256     /* XDP_PACKET_HEADROOM */
#define UBEE_XDP_FRAME_HDR 40     /* sizeof(struct xdp_frame) */
#define UBEE_XDP_SHINFO 320       /* SKB_DATA_ALIGN(sizeof(skb_shared_info)) */
#define UBEE_XDP_META_MAX 255     /* largest metadata (u8 meta_len) */
#define UBEE_XDP_FRAME_SIZE 4096  /* the usual frame: one page */
#define UBEE_ETH_HLEN 14
#define UBEE_PKT_MAX_LEN (1u << 20)

struct ubee_pkt;
struct ubee_map;
struct ubee_prog;
struct ubee_runner;

struct ubee_pkt_opts {
	size_t sz;                /* sizeof(struct ubee_pkt_opts) */
	uint32_t ifindex;         /* 0: 1 (loopback, as BPF_PROG_TEST_RUN) */
	uint32_t rx_queue_index;  /* xdp */
	uint32_t mark;            /* skb */
	uint32_t priority;        /* skb */
	uint32_t ingress_ifindex; /* skb */
	uint32_t cb[5];           /* skb: the control block programs share */
	uint64_t tstamp;          /* skb */
	/*
	 * The largest packet ubee_pkt_set_data will take (0: the packet
	 * given to ubee_pkt_new); the mapping is sized for it.
	 */
	uint32_t max_len;
	uint32_t flags;           /* UBEE_PKT_F_* */
};

/*
 * Socket filters see the packet from its Ethernet header on, with len
 * counting it, as on an AF_PACKET SOCK_RAW socket (what captures and
 * `ubee socket` model), instead of from the network header as
 * BPF_PROG_TEST_RUN gives it.
 */
#define UBEE_PKT_F_L2 1u
/*
 * ubee_pkt_set_data copies the packet straight into the frame and keeps
 * no copy of it: one copy per packet instead of two, for contexts that
 * take a new packet before every run (src/pktio). ubee_pkt_reset after
 * such a set_data restores the context and the headroom but leaves the
 * packet's bytes as the last run left them.
 */
#define UBEE_PKT_F_NO_KEEP 2u

/*
 * Build a context for a program of prog_type (xdp, socket_filter,
 * sched_cls, sched_act) over a copy of data[len]. Returns 0 and *out, or
 * -EINVAL (another type; len below the Ethernet header's 14 bytes),
 * -E2BIG (len over UBEE_PKT_MAX_LEN), -ENOMEM, -EOPNOTSUPP (no memory
 * below 4 GiB), with a log line.
 */
int ubee_pkt_new(uint32_t prog_type, const void *data, size_t len,
		 const struct ubee_pkt_opts *opts, struct ubee_pkt **out,
		 struct ubee_log *log);
void ubee_pkt_free(struct ubee_pkt *pkt);
/*
 * Back to the packet and context ubee_pkt_new (or the last
 * ubee_pkt_set_data) made, for repeated runs. Costs a copy of the packet
 * and of the context, plus zeroing the headroom the last run exposed
 * (see UBEE_PKT_F_NO_KEEP for the exception).
 */
void ubee_pkt_reset(struct ubee_pkt *pkt);
/*
 * Replace the packet by a copy of data[len] and reset the context, in
 * the same mapping (no allocation: the per-packet path of src/pktio).
 * Unlike ubee_pkt_new, an IPv4/IPv6 frame shorter than its fixed header
 * is taken (the kernel's receive path takes it; only its test run does
 * not). Returns 0, or -EINVAL (len below 14 bytes) or -E2BIG (over the
 * context's max_len), with a log line.
 */
int ubee_pkt_set_data(struct ubee_pkt *pkt, const void *data, size_t len,
		      struct ubee_log *log);

/* The context (r1) and its size. */
void *ubee_pkt_ctx(struct ubee_pkt *pkt);
size_t ubee_pkt_ctx_size(const struct ubee_pkt *pkt);

/*
 * Run prog on the packet: opts gives the engine, flags, budget and more
 * regions (may be NULL); its ctx and pkt are replaced by the packet's
 * (checked runs may touch the context, the packet and the regions). The
 * program's type must be the packet's, else -EINVAL. Same returns as
 * ubee_prog_run.
 */
int ubee_pkt_run(struct ubee_pkt *pkt, const struct ubee_prog *prog,
		 const struct ubee_run_opts *opts, uint64_t *retval,
		 struct ubee_log *log);

/*
 * A prepared run of prog on pkt (a struct ubee_runner, include/ubee/ubee.h,
 * that knows the packet for the packet helpers), for a loop of packets
 * through one context: each ubee_pkt_run_prepared then costs the run,
 * not its setup. opts as for ubee_pkt_run; the runner serves this pkt
 * only and must not outlive it (free it with ubee_runner_free), and
 * ubee_pkt_run with more regions than opts had must not be mixed with it
 * (the region array may move). Same errors as ubee_pkt_run's setup.
 */
int ubee_pkt_prepare(struct ubee_pkt *pkt, const struct ubee_prog *prog,
		     const struct ubee_run_opts *opts, struct ubee_runner **out,
		     struct ubee_log *log);
/* Run r (from ubee_pkt_prepare on pkt) on the packet as it is now: as
 * ubee_pkt_run; messages go to the runner's log. */
int ubee_pkt_run_prepared(struct ubee_pkt *pkt, struct ubee_runner *r,
			  uint64_t *retval);

/*
 * The packet as it is now (borrowed, valid until the next run, reset or
 * free), as BPF_PROG_TEST_RUN hands it back: xdp, from the metadata
 * (data_meta) to data_end; skb, from the Ethernet header to the end.
 */
const void *ubee_pkt_data(const struct ubee_pkt *pkt, size_t *len);

/* What bpf_redirect / bpf_redirect_map recorded in the last run. */
struct ubee_pkt_redirect {
	int set;                  /* 0: no redirect was asked for */
	uint32_t ifindex;         /* bpf_redirect */
	uint64_t flags;
	struct ubee_map *map;     /* bpf_redirect_map, else NULL */
	uint32_t key;
};
const struct ubee_pkt_redirect *ubee_pkt_get_redirect(const struct ubee_pkt *pkt);

/*
 * For the helpers (helpers/pkt.c): the packet of the running program, or
 * NULL when it was not run through ubee_pkt_run (the helpers then fail as
 * the kernel does for a context without a packet).
 */
struct ubee_pkt *ubee_pkt_of_run(void);
int ubee_pkt_is_xdp(const struct ubee_pkt *pkt);
/* The kernel's bpf_xdp_adjust_head/meta/tail: 0, -EINVAL, -EACCES. */
int ubee_pkt_xdp_adjust_head(struct ubee_pkt *pkt, int delta);
int ubee_pkt_xdp_adjust_meta(struct ubee_pkt *pkt, int delta);
int ubee_pkt_xdp_adjust_tail(struct ubee_pkt *pkt, int delta);
/* skb bytes at offset (from the skb's data) into / from buf: 0 or -EFAULT. */
int ubee_pkt_skb_load(const struct ubee_pkt *pkt, uint32_t off, void *buf,
		      uint32_t len);
int ubee_pkt_skb_store(struct ubee_pkt *pkt, uint32_t off, const void *buf,
		       uint32_t len);
/* The packet bytes after the skb's data or xdp's data, and their number. */
const void *ubee_pkt_payload(const struct ubee_pkt *pkt, size_t *len);
/* Clear the skb hash (BPF_F_INVALIDATE_HASH). */
void ubee_pkt_skb_clear_hash(struct ubee_pkt *pkt);
/* Record a redirect for the embedder to see. */
void ubee_pkt_set_redirect(struct ubee_pkt *pkt, uint32_t ifindex,
			   uint64_t flags, struct ubee_map *map, uint32_t key);

#endif /* UBEE_PROGTYPES_PKT_H */
