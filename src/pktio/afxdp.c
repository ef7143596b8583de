// SPDX-License-Identifier: MIT
/*
 * AF_XDP: packets of one receive queue come to user space through an
 * XDP socket, straight from the driver (zero-copy where the driver can,
 * copy mode otherwise), with the kernel's ABI used directly:
 *
 *   UMEM   NR_FRAMES frames of FRAME_SIZE bytes in our memory, registered
 *          with XDP_UMEM_REG; every frame is at any time in exactly one
 *          place: our free stack, the fill ring (given to the kernel to
 *          receive into), the rx ring (received, not yet taken), our
 *          hands (returned by recv, until release), the tx ring or the
 *          completion ring (sent, not yet given back);
 *   rings  four single-producer single-consumer rings mapped from the
 *          socket (fill, completion, rx, tx), indexed by free-running
 *          u32 producer/consumer counters, with acquire/release ordering
 *          on the side each of us owns;
 *   kernel an XSKMAP and a redirect program (xdpprog.c).
 *
 * Sending copies the packet into a free frame (the program ran on its own
 * copy anyway) and posts it on the tx ring; a sendto() kicks the kernel.
 * Closing detaches the program first, then waits (briefly) for sends to
 * complete, and counts the frames not back: ubee_iface_info.frames_out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pktio/iface.h"
#include "util/util.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define NR_FRAMES 4096u
#define FRAME_SIZE 4096u
#define RING_SIZE 2048u          /* each ring; a power of two */
#define TX_RESERVE 256u          /* free frames kept back for sends */
#define CLOSE_WAIT_MS 200

struct ring {
	uint32_t *producer, *consumer, *flags;
	void *desc;              /* u64 addresses or struct xdp_desc */
	uint32_t mask;
	void *map;
	size_t map_len;
};

struct afxdp {
	int fd;
	uint8_t *umem;
	struct ring fill, comp, rx, tx;
	uint64_t free[NR_FRAMES];
	uint32_t nr_free;
	uint32_t held;           /* rx descriptors returned by recv */
	uint32_t tx_pending;     /* posted, not kicked */
	uint32_t tx_out;         /* posted, not completed */
	struct ubee_xdp_redirect kprog;
};

static uint32_t load_acq(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_rel(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t *addr_at(struct ring *r, uint32_t i)
{
	return (uint64_t *)r->desc + (i & r->mask);
}

static struct xdp_desc *desc_at(struct ring *r, uint32_t i)
{
	return (struct xdp_desc *)r->desc + (i & r->mask);
}

/* Give the kernel every free frame but the send reserve. */
static void refill(struct afxdp *x)
{
	uint32_t prod = *x->fill.producer, cons = load_acq(x->fill.consumer);
	uint32_t room = RING_SIZE - (prod - cons);

	while (room && x->nr_free > TX_RESERVE) {
		*addr_at(&x->fill, prod++) = x->free[--x->nr_free];
		room--;
	}
	store_rel(x->fill.producer, prod);
}

/* Sent frames back onto the free stack. */
static void reap(struct afxdp *x)
{
	uint32_t cons = *x->comp.consumer, prod = load_acq(x->comp.producer);

	while (cons != prod) {
		x->free[x->nr_free++] = *addr_at(&x->comp, cons++) & ~(uint64_t)(FRAME_SIZE - 1);
		x->tx_out--;
	}
	store_rel(x->comp.consumer, cons);
}

static void kick(struct afxdp *x)
{
	if (!x->tx_pending)
		return;
	/* EAGAIN/EBUSY/ENOBUFS: the kernel is busy; the next kick retries. */
	sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	x->tx_pending = 0;
}

static int xs_recv(struct ubee_iface *iface, struct ubee_packet *pkts,
		   unsigned max, int timeout_ms)
{
	struct afxdp *x = iface->priv;
	uint32_t cons = *x->rx.consumer, prod = load_acq(x->rx.producer);
	struct timespec ts;
	uint64_t now;
	unsigned n = 0;

	if (cons == prod) {
		struct pollfd pfd = { .fd = x->fd, .events = POLLIN };

		if (poll(&pfd, 1, timeout_ms) < 0)
			return errno == EINTR ? 0 : -errno;
		prod = load_acq(x->rx.producer);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	while (cons + n != prod && n < max) {
		const struct xdp_desc *d = desc_at(&x->rx, cons + n);

		pkts[n] = (struct ubee_packet){
			.data = x->umem + d->addr, .len = d->len,
			.wire_len = d->len, .ts_ns = now,
			.index = ++iface->count,
		};
		n++;
	}
	x->held = n;
	iface->info.rx += n;
	return (int)n;
}

/* Received frames back to the free stack, then to the fill ring. */
static void xs_release(struct ubee_iface *iface)
{
	struct afxdp *x = iface->priv;
	uint32_t cons = *x->rx.consumer;

	for (uint32_t i = 0; i < x->held; i++)
		x->free[x->nr_free++] = desc_at(&x->rx, cons + i)->addr &
					~(uint64_t)(FRAME_SIZE - 1);
	store_rel(x->rx.consumer, cons + x->held);
	x->held = 0;
	reap(x);
	refill(x);
}

static int xs_send(struct ubee_iface *iface, const void *data, size_t len)
{
	struct afxdp *x = iface->priv;
	uint32_t prod = *x->tx.producer;
	struct xdp_desc *d;
	uint64_t addr;

	if (len > FRAME_SIZE) {
		iface->info.tx_errors++;
		return -E2BIG;
	}
	if (!x->nr_free || prod - load_acq(x->tx.consumer) == RING_SIZE) {
		kick(x);
		reap(x);
		if (!x->nr_free || prod - load_acq(x->tx.consumer) == RING_SIZE) {
			iface->info.tx_errors++;
			return -EAGAIN;
		}
	}
	addr = x->free[--x->nr_free];
	memcpy(x->umem + addr, data, len);
	d = desc_at(&x->tx, prod);
	d->addr = addr;
	d->len = (uint32_t)len;
	d->options = 0;
	store_rel(x->tx.producer, prod + 1);
	x->tx_pending++;
	x->tx_out++;
	iface->info.tx++;
	return 0;
}

static void xs_flush(struct ubee_iface *iface)
{
	struct afxdp *x = iface->priv;

	kick(x);
	reap(x);
}

static void xs_stats(struct ubee_iface *iface)
{
	struct afxdp *x = iface->priv;
	struct xdp_statistics st;
	socklen_t sl = sizeof(st);

	if (!getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &st, &sl))
		iface->info.rx_dropped = st.rx_dropped + st.rx_ring_full;
}

static void unmap_rings(struct afxdp *x)
{
	struct ring *rs[] = { &x->fill, &x->comp, &x->rx, &x->tx };

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(rs); i++)
		if (rs[i]->map)
			munmap(rs[i]->map, rs[i]->map_len);
}

/*
 * Detach, then account for every frame: wait for sends to complete,
 * take back what sits in the rx ring; frames still in the fill ring are
 * the kernel's to give back when the socket closes (it never wrote to
 * them), which leaves frames_out: frames lost.
 */
static void xs_close(struct ubee_iface *iface)
{
	struct afxdp *x = iface->priv;
	uint32_t in_fill;

	ubee_xdp_redirect_detach(&x->kprog);
	for (int ms = 0; x->tx_out && ms < CLOSE_WAIT_MS; ms++) {
		x->tx_pending = 1;
		kick(x);
		reap(x);
		if (x->tx_out)
			usleep(1000);
	}
	xs_stats(iface);
	x->held = load_acq(x->rx.producer) - *x->rx.consumer;
	iface->info.rx_dropped += x->held; /* received, never run */
	xs_release(iface);
	in_fill = *x->fill.producer - load_acq(x->fill.consumer);
	iface->info.frames_out = NR_FRAMES - x->nr_free - in_fill;
	unmap_rings(x);
	close(x->fd);
	munmap(x->umem, (size_t)NR_FRAMES * FRAME_SIZE);
	ubee_free(x);
}

static const struct ubee_iface_ops afxdp_ops = {
	.recv = xs_recv, .release = xs_release, .send = xs_send,
	.flush = xs_flush, .stats = xs_stats, .close = xs_close,
};

static int map_ring(struct afxdp *x, struct ring *r,
		    const struct xdp_ring_offset *off, size_t desc_size,
		    uint64_t pgoff, struct ubee_log *log)
{
	uint8_t *m;

	r->map_len = off->desc + RING_SIZE * desc_size;
	m = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, x->fd, (off_t)pgoff);
	if (m == MAP_FAILED) {
		ubee_logf(log, "AF_XDP: mapping a ring: %s", strerror(errno));
		return -errno;
	}
	r->map = m;
	r->producer = (uint32_t *)(m + off->producer);
	r->consumer = (uint32_t *)(m + off->consumer);
	r->flags = (uint32_t *)(m + off->flags);
	r->desc = m + off->desc;
	r->mask = RING_SIZE - 1;
	return 0;
}

static int setup_socket(struct afxdp *x, struct ubee_log *log)
{
	struct xdp_umem_reg reg = {
		.addr = (uintptr_t)x->umem,
		.len = (uint64_t)NR_FRAMES * FRAME_SIZE,
		.chunk_size = FRAME_SIZE,
	};
	struct xdp_mmap_offsets off;
	socklen_t ol = sizeof(off);
	uint32_t n = RING_SIZE;
	int err;

	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)) ||
	    getsockopt(x->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol)) {
		ubee_logf(log, "AF_XDP: setting up the UMEM and rings: %s",
			  strerror(errno));
		return -errno;
	}
	if ((err = map_ring(x, &x->fill, &off.fr, sizeof(uint64_t),
			    XDP_UMEM_PGOFF_FILL_RING, log)) ||
	    (err = map_ring(x, &x->comp, &off.cr, sizeof(uint64_t),
			    XDP_UMEM_PGOFF_COMPLETION_RING, log)) ||
	    (err = map_ring(x, &x->rx, &off.rx, sizeof(struct xdp_desc),
			    XDP_PGOFF_RX_RING, log)) ||
	    (err = map_ring(x, &x->tx, &off.tx, sizeof(struct xdp_desc),
			    XDP_PGOFF_TX_RING, log)))
		return err;
	return 0;
}

/* Bind zero-copy unless told not to, else (or on refusal) copy mode. */
static int bind_socket(struct afxdp *x, struct ubee_iface *iface,
		       const struct ubee_iface_opts *o, struct ubee_log *log)
{
	struct sockaddr_xdp sa = {
		.sxdp_family = AF_XDP,
		.sxdp_ifindex = iface->info.ifindex,
		.sxdp_queue_id = o->queue,
	};

	if (!o->copy) {
		sa.sxdp_flags = XDP_ZEROCOPY;
		if (!bind(x->fd, (struct sockaddr *)&sa, sizeof(sa))) {
			iface->info.zerocopy = 1;
			return 0;
		}
	}
	sa.sxdp_flags = XDP_COPY;
	if (!bind(x->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return 0;
	ubee_logf(log, "AF_XDP: binding to %s queue %u: %s", iface->name,
		  o->queue, strerror(errno));
	return -errno;
}

int ubee_afxdp_open(struct ubee_iface *iface, const struct ubee_iface_opts *o,
		    struct ubee_log *log)
{
	struct afxdp *x;
	int err;

	x = ubee_calloc(1, sizeof(*x));
	if (!x) {
		ubee_logf(log, "out of memory");
		return -ENOMEM;
	}
	x->kprog.map_fd = x->kprog.prog_fd = x->kprog.link_fd = -1;
	x->umem = mmap(NULL, (size_t)NR_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->umem == MAP_FAILED) {
		ubee_free(x);
		ubee_logf(log, "AF_XDP: no memory for the UMEM");
		return -ENOMEM;
	}
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x->fd < 0) {
		err = -errno;
		ubee_logf(log, "AF_XDP socket: %s", strerror(errno));
		goto fail;
	}
	if ((err = setup_socket(x, log)))
		goto fail;
	for (uint32_t i = 0; i < NR_FRAMES; i++)
		x->free[x->nr_free++] = (uint64_t)(NR_FRAMES - 1 - i) * FRAME_SIZE;
	refill(x);
	if ((err = bind_socket(x, iface, o, log)) ||
	    (err = ubee_xdp_redirect_attach(&x->kprog, iface->info.ifindex,
					    o->queue, x->fd, o->skb_mode, log)))
		goto fail;
	iface->ops = &afxdp_ops;
	iface->priv = x;
	iface->info.backend = "af_xdp";
	iface->info.xdp_mode = x->kprog.mode;
	iface->info.frames = NR_FRAMES;
	return 0;
fail:
	ubee_xdp_redirect_detach(&x->kprog);
	unmap_rings(x);
	if (x->fd >= 0)
		close(x->fd);
	munmap(x->umem, (size_t)NR_FRAMES * FRAME_SIZE);
	ubee_free(x);
	return err;
}
