/* SPDX-License-Identifier: MIT */
/*
 * Internals of live interfaces: the object every backend shares and the
 * ops each one fills in (afxdp.c: AF_XDP sockets; afpacket.c: AF_PACKET
 * TPACKET_V3 receive rings, and plain AF_PACKET sends), plus the small
 * kernel XDP program AF_XDP needs (xdpprog.c).
 */
#ifndef UBEE_PKTIO_IFACE_H
#define UBEE_PKTIO_IFACE_H

#include <net/if.h>

#include "ubee/pktio.h"

struct ubee_iface;

struct ubee_iface_ops {
	int (*recv)(struct ubee_iface *iface, struct ubee_packet *pkts,
		    unsigned max, int timeout_ms);
	void (*release)(struct ubee_iface *iface);
	int (*send)(struct ubee_iface *iface, const void *data, size_t len);
	void (*flush)(struct ubee_iface *iface);
	/* Update info's counters from the kernel's (drops). */
	void (*stats)(struct ubee_iface *iface);
	/* Stop receiving, drain what is in flight, free priv. */
	void (*close)(struct ubee_iface *iface);
};

struct ubee_iface {
	const struct ubee_iface_ops *ops;
	struct ubee_iface_info info;
	char name[IF_NAMESIZE];
	char note[640];          /* why AUTO fell back to AF_PACKET */
	uint64_t count;          /* packets received (their index) */
	void *priv;
};

/* Backends: 0 and iface->ops/priv/info set, or -errno with a log line. */
int ubee_afxdp_open(struct ubee_iface *iface, const struct ubee_iface_opts *o,
		    struct ubee_log *log);
int ubee_afpacket_open(struct ubee_iface *iface, int rx,
		       struct ubee_log *log);

/*
 * The kernel side of AF_XDP: an XSKMAP and a program redirecting every
 * packet of queue q to the socket in slot q (others pass), attached to
 * ifindex with a BPF link (closing link_fd detaches it). drv_mode first
 * unless skb_mode; *mode says which held. 0 or -errno, logged.
 */
struct ubee_xdp_redirect {
	int map_fd, prog_fd, link_fd;
	const char *mode;        /* "drv" or "skb" */
};
int ubee_xdp_redirect_attach(struct ubee_xdp_redirect *x, uint32_t ifindex,
			     uint32_t queue, int xsk_fd, int skb_mode,
			     struct ubee_log *log);
void ubee_xdp_redirect_detach(struct ubee_xdp_redirect *x);

#endif /* UBEE_PKTIO_IFACE_H */
