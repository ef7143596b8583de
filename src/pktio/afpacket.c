// SPDX-License-Identifier: MIT
/*
 * AF_PACKET: the fallback where AF_XDP is not available, and the way
 * packets are sent to a redirect target. Receiving uses a TPACKET_V3
 * ring: the kernel fills blocks of packets in memory shared with us
 * (no copy, no system call per packet) and hands a block over by
 * setting TP_STATUS_USER in its header; we hand it back with
 * TP_STATUS_KERNEL once every packet in it was processed. Only incoming
 * packets are taken (PACKET_IGNORE_OUTGOING, and the packet type as a
 * second check). A VLAN tag the driver took out of the frame (into
 * tp_vlan_tci) is put back, so programs see the frame as it was on the
 * wire. Sending is a plain send() on the socket bound to the interface.
 *
 * Unlike AF_XDP, AF_PACKET only taps: the kernel's stack still gets
 * every packet, whatever the program decides.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pktio/iface.h"
#include "util/util.h"

#define BLOCK_SIZE (1u << 18)
#define BLOCK_NR 16u
#define FRAME_SIZE 2048u
#define RETIRE_MS 10
#define MAX_FRAME 65536u

struct afpacket {
	int fd;
	uint8_t *ring;           /* BLOCK_NR blocks, or NULL (send only) */
	unsigned block;          /* the block being read */
	uint32_t left;           /* its packets not yet returned */
	uint8_t *next;           /* the next of them */
	int held;                /* the block is ours until release */
	uint8_t vbuf[MAX_FRAME + 4]; /* frames with their VLAN tag put back */
	uint8_t *vpos;           /* where the next such frame goes in vbuf */
};

static struct tpacket_block_desc *block_at(struct afpacket *ap, unsigned i)
{
	return (struct tpacket_block_desc *)(ap->ring + (size_t)i * BLOCK_SIZE);
}

/* A frame with its stripped VLAN tag back in (copied into vbuf). */
static const uint8_t *with_vlan(struct afpacket *ap,
				const struct tpacket3_hdr *h,
				const uint8_t *data, uint32_t *len)
{
	uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
				h->hv1.tp_vlan_tpid : ETH_P_8021Q;
	uint16_t tag[2] = { htons(tpid), htons((uint16_t)h->hv1.tp_vlan_tci) };
	uint8_t *out = ap->vpos;

	if (*len < 12 || (size_t)(ap->vbuf + sizeof(ap->vbuf) - out) < *len + 4u)
		return data;
	memcpy(out, data, 12);
	memcpy(out + 12, tag, 4);
	memcpy(out + 16, data + 12, *len - 12);
	*len += 4;
	ap->vpos = out + *len;
	return out;
}

static int ap_recv(struct ubee_iface *iface, struct ubee_packet *pkts,
		   unsigned max, int timeout_ms)
{
	struct afpacket *ap = iface->priv;
	struct tpacket_block_desc *b = block_at(ap, ap->block);
	unsigned n = 0;

	if (!ap->held) {
		if (!(__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER)) {
			struct pollfd pfd = { .fd = ap->fd, .events = POLLIN };

			if (poll(&pfd, 1, timeout_ms) < 0)
				return errno == EINTR ? 0 : -errno;
			if (!(__atomic_load_n(&b->hdr.bh1.block_status,
					      __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				return 0;
		}
		ap->held = 1;
		ap->left = b->hdr.bh1.num_pkts;
		ap->next = (uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
	}
	ap->vpos = ap->vbuf;
	while (ap->left && n < max) {
		const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)ap->next;
		const struct sockaddr_ll *sll = (const struct sockaddr_ll *)
			((const uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
		const uint8_t *data = (const uint8_t *)h + h->tp_mac;
		uint32_t len = h->tp_snaplen;

		ap->left--;
		ap->next += h->tp_next_offset;
		if (sll->sll_pkttype == PACKET_OUTGOING)
			continue;
		if (h->tp_status & TP_STATUS_VLAN_VALID)
			data = with_vlan(ap, h, data, &len);
		pkts[n] = (struct ubee_packet){
			.data = data, .len = len,
			.wire_len = h->tp_len + (len - h->tp_snaplen),
			.ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec,
			.index = ++iface->count,
		};
		n++;
	}
	iface->info.rx += n;
	return (int)n;
}

/* The block goes back to the kernel once all its packets were seen. */
static void ap_release(struct ubee_iface *iface)
{
	struct afpacket *ap = iface->priv;

	if (!ap->held || ap->left)
		return;
	__atomic_store_n(&block_at(ap, ap->block)->hdr.bh1.block_status,
			 TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	ap->held = 0;
	ap->block = (ap->block + 1) % BLOCK_NR;
}

static int ap_send(struct ubee_iface *iface, const void *data, size_t len)
{
	struct afpacket *ap = iface->priv;

	if (send(ap->fd, data, len, MSG_DONTWAIT) < 0) {
		iface->info.tx_errors++;
		return -errno;
	}
	iface->info.tx++;
	return 0;
}

static void ap_flush(struct ubee_iface *iface)
{
}

static void ap_stats(struct ubee_iface *iface)
{
	struct afpacket *ap = iface->priv;
	struct tpacket_stats_v3 st;
	socklen_t sl = sizeof(st);

	/* The kernel resets its counters on every read: add them up. */
	if (ap->ring && !getsockopt(ap->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		iface->info.rx_dropped += st.tp_drops;
}

static void ap_close(struct ubee_iface *iface)
{
	struct afpacket *ap = iface->priv;

	ap_stats(iface);
	if (ap->ring)
		munmap(ap->ring, (size_t)BLOCK_SIZE * BLOCK_NR);
	close(ap->fd);
	ubee_free(ap);
}

static const struct ubee_iface_ops afpacket_ops = {
	.recv = ap_recv, .release = ap_release, .send = ap_send,
	.flush = ap_flush, .stats = ap_stats, .close = ap_close,
};

/* Set up the TPACKET_V3 receive ring on ap->fd. */
static int setup_ring(struct afpacket *ap, struct ubee_log *log)
{
	struct tpacket_req3 req = {
		.tp_block_size = BLOCK_SIZE,
		.tp_block_nr = BLOCK_NR,
		.tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_NR,
		.tp_retire_blk_tov = RETIRE_MS,
	};
	int v = TPACKET_V3, one = 1;

	if (setsockopt(ap->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(ap->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		ubee_logf(log, "AF_PACKET: setting up a TPACKET_V3 ring: %s",
			  strerror(errno));
		return -errno;
	}
	/* Older kernels lack it; the packet type check then does the job. */
	setsockopt(ap->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	ap->ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR,
			PROT_READ | PROT_WRITE, MAP_SHARED, ap->fd, 0);
	if (ap->ring == MAP_FAILED) {
		ap->ring = NULL;
		ubee_logf(log, "AF_PACKET: mapping the ring: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int ubee_afpacket_open(struct ubee_iface *iface, int rx, struct ubee_log *log)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(rx ? ETH_P_ALL : 0),
		.sll_ifindex = (int)iface->info.ifindex,
	};
	struct afpacket *ap;
	int err;

	ap = ubee_calloc(1, sizeof(*ap));
	if (!ap) {
		ubee_logf(log, "out of memory");
		return -ENOMEM;
	}
	/* A send-only socket takes no protocol: it receives nothing. */
	ap->fd = socket(AF_PACKET, SOCK_RAW, rx ? htons(ETH_P_ALL) : 0);
	if (ap->fd < 0) {
		err = -errno;
		ubee_logf(log, "AF_PACKET socket: %s", strerror(errno));
		ubee_free(ap);
		return err;
	}
	if (rx && (err = setup_ring(ap, log)))
		goto fail;
	if (bind(ap->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		ubee_logf(log, "AF_PACKET: binding to ifindex %u: %s",
			  iface->info.ifindex, strerror(errno));
		goto fail;
	}
	iface->ops = &afpacket_ops;
	iface->priv = ap;
	iface->info.backend = "af_packet";
	return 0;
fail:
	if (ap->ring)
		munmap(ap->ring, (size_t)BLOCK_SIZE * BLOCK_NR);
	close(ap->fd);
	ubee_free(ap);
	return err;
}
