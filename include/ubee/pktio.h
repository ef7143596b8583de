/* SPDX-License-Identifier: MIT */
/*
 * The packet path: captures (pcap and pcapng in, pcap out, through
 * libpcap), live interfaces (AF_XDP, or an AF_PACKET TPACKET_V3 ring),
 * and a runner that puts every packet through an xdp, tc (sched_cls /
 * sched_act) or socket_filter program with the kernel's semantics and
 * counts what the program decided.
 *
 * A packet is handed around as struct ubee_packet: borrowed bytes, valid
 * until the next call on the object that gave them. Nothing here
 * allocates per packet.
 */
#ifndef UBEE_PKTIO_H
#define UBEE_PKTIO_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One packet: what a capture record or a receive ring holds. */
struct ubee_packet {
	const uint8_t *data;   /* the captured bytes (borrowed) */
	uint32_t len;          /* captured bytes at data */
	uint32_t wire_len;     /* bytes on the wire (>= len) */
	uint64_t ts_ns;        /* time stamp, ns since the epoch */
	uint64_t index;        /* 1 for the first packet of the source */
};

/* ---- captures ------------------------------------------------------------ */

struct ubee_pcap_reader;

/*
 * Open a pcap or pcapng capture (path "-": standard input, read whole
 * into memory first). Returns 0 and *out, or -ENOENT/-EACCES (cannot
 * open), -EINVAL (not a capture libpcap can read: its reason in the
 * log), -ENOMEM.
 */
int ubee_pcap_open(const char *path, struct ubee_pcap_reader **out,
		   struct ubee_log *log);
/* The same over size bytes of memory (borrowed until close). */
int ubee_pcap_open_mem(const void *data, size_t size,
		       struct ubee_pcap_reader **out, struct ubee_log *log);
void ubee_pcap_close(struct ubee_pcap_reader *r);

/*
 * The next packet: 1 and *pkt, 0 at the end of the capture, or -EINVAL
 * when the capture is broken at this point (a truncated record, a bad
 * block): the log then says "packet N (byte offset O): <libpcap's
 * reason>" and every later call returns -EINVAL too. A record whose
 * captured length is over its wire length is returned with wire_len
 * raised to len (and counted in ubee_pcap_anomalies).
 */
int ubee_pcap_next(struct ubee_pcap_reader *r, struct ubee_packet *pkt,
		   struct ubee_log *log);
/* The capture's link type (DLT_*: 1 is Ethernet) and snapshot length. */
int ubee_pcap_linktype(const struct ubee_pcap_reader *r);
uint32_t ubee_pcap_snaplen(const struct ubee_pcap_reader *r);
/* 1 when the capture's time stamps have nanosecond resolution. */
int ubee_pcap_nanosecond(const struct ubee_pcap_reader *r);
/* Records seen whose captured length exceeded their wire length. */
uint64_t ubee_pcap_anomalies(const struct ubee_pcap_reader *r);

struct ubee_pcap_writer;

/*
 * Create a pcap file (path "-" is standard output) with this link type
 * and snapshot length (0: 262144), microsecond time stamps, or
 * nanosecond ones when nsec is set. 0, or -errno with a log line.
 */
int ubee_pcap_create(const char *path, int linktype, uint32_t snaplen,
		     int nsec, struct ubee_pcap_writer **out,
		     struct ubee_log *log);
/*
 * Append data[len] as a record with pkt's time stamp; its wire length is
 * pkt->wire_len - pkt->len + len (what the capture left out stays left
 * out), never below len. 0 or -EIO.
 */
int ubee_pcap_write(struct ubee_pcap_writer *w, const struct ubee_packet *pkt,
		    const void *data, size_t len);
/* Flush and close: 0, or -EIO with a log line when a write failed. */
int ubee_pcap_writer_close(struct ubee_pcap_writer *w, struct ubee_log *log);

/* ---- running programs over packets ----------------------------------- */

/* What became of a packet, in the kernel's terms for each type. */
enum ubee_pktio_action {
	UBEE_PKTIO_ABORTED = 0, /* xdp: XDP_ABORTED, an invalid action, a
				 * redirect that went nowhere; any type: the
				 * run failed (counted in errors too) */
	UBEE_PKTIO_DROP,        /* XDP_DROP, TC_ACT_SHOT/STOLEN/QUEUED/TRAP,
				 * a socket filter returning 0 */
	UBEE_PKTIO_PASS,        /* XDP_PASS, TC_ACT_OK/UNSPEC/PIPE/...,
				 * a socket filter keeping bytes */
	UBEE_PKTIO_TX,          /* XDP_TX: back out of the same interface */
	UBEE_PKTIO_REDIRECT,    /* XDP_REDIRECT, TC_ACT_REDIRECT */
	UBEE_PKTIO_NR_ACTIONS
};

/* Name of an action ("aborted", "drop", "pass", "tx", "redirect"). */
const char *ubee_pktio_action_name(enum ubee_pktio_action a);

/* Where a redirect goes. */
enum ubee_pktio_target {
	UBEE_PKTIO_TO_NONE = 0,
	UBEE_PKTIO_TO_IFINDEX,  /* an interface: bpf_redirect, a devmap */
	UBEE_PKTIO_TO_XSK,      /* an AF_XDP socket: an xskmap slot (key) */
	UBEE_PKTIO_TO_BROADCAST,/* every interface of a devmap (BPF_F_BROADCAST) */
};

/* The outcome of one packet (borrowed data: valid until the next one). */
struct ubee_pktio_verdict {
	enum ubee_pktio_action action;
	uint64_t retval;          /* r0 as the program returned it */
	const uint8_t *data;      /* the packet now (pass, tx, redirect) */
	size_t len;
	enum ubee_pktio_target target;
	uint32_t ifindex;         /* UBEE_PKTIO_TO_IFINDEX */
	uint32_t key;             /* UBEE_PKTIO_TO_XSK: the xskmap slot */
	struct ubee_map *map;     /* the devmap/xskmap, or NULL */
	uint64_t flags;           /* the redirect's flags */
};

/* Counters over the packets a runner saw. */
#define UBEE_PKTIO_NR_RETVALS 16
struct ubee_pktio_stats {
	uint64_t packets;                        /* runs */
	uint64_t bytes;                          /* their input bytes */
	uint64_t action[UBEE_PKTIO_NR_ACTIONS];
	/* Return values -1 .. 14 at [r + 1] (xdp and tc), the rest in
	 * retval_other. Socket filters: not counted (they return lengths). */
	uint64_t retval[UBEE_PKTIO_NR_RETVALS];
	uint64_t retval_other;
	uint64_t errors;          /* runs that failed (logged; aborted) */
	uint64_t invalid;         /* xdp: actions out of range (aborted) */
	uint64_t truncated;       /* socket filters: packets cut short */
	uint64_t skipped;         /* packets no context could take (under 14
				   * bytes, over max_len; logged) */
};

struct ubee_pktio_runner;

struct ubee_pktio_runner_opts {
	size_t sz;                /* sizeof(struct ubee_pktio_runner_opts) */
	enum ubee_engine engine;
	uint32_t run_flags;       /* enum ubee_run_flags */
	uint64_t insn_budget;     /* checked runs; 0: the default */
	uint32_t ifindex;         /* the receiving interface (0: 1) */
	uint32_t rx_queue_index;
	uint32_t max_len;         /* largest packet (0: 262144) */
	/*
	 * Socket filters: see the packet from the network header on, as
	 * BPF_PROG_TEST_RUN does, instead of from the Ethernet header as
	 * an AF_PACKET SOCK_RAW socket (the default).
	 */
	int sock_l3;
};

/*
 * A runner for prog (borrowed: it must outlive the runner), an xdp,
 * socket_filter, sched_cls or sched_act program. Returns 0 and *out, or
 * -EINVAL (another type), -ENOMEM, -EOPNOTSUPP (no memory below 4 GiB
 * for packet contexts), with a log line.
 */
int ubee_pktio_runner_new(const struct ubee_prog *prog,
			  const struct ubee_pktio_runner_opts *opts,
			  struct ubee_pktio_runner **out, struct ubee_log *log);
void ubee_pktio_runner_free(struct ubee_pktio_runner *r);

/*
 * Run the program on one packet and classify the result into *v (also
 * counted). Returns 0; or a negative errno with a log line starting
 * "packet N: " when the packet could not be run (skipped: too short,
 * too long) or the run failed (aborted: the run's error); the counters
 * say which. The caller decides whether to go on.
 */
int ubee_pktio_runner_process(struct ubee_pktio_runner *r,
			      const struct ubee_packet *pkt,
			      struct ubee_pktio_verdict *v,
			      struct ubee_log *log);
/* The counters so far (borrowed). */
const struct ubee_pktio_stats *ubee_pktio_runner_stats(const struct ubee_pktio_runner *r);
/*
 * A batch of packets (ubee_runner_begin, ubee.h): the runs between begin
 * and end, on one thread, share one CPU slot instead of claiming one
 * each. Keep batches to a receive ring's worth of packets and never block
 * (wait for packets) inside one.
 */
void ubee_pktio_runner_begin(struct ubee_pktio_runner *r);
void ubee_pktio_runner_end(struct ubee_pktio_runner *r);

/*
 * The interfaces a BPF_F_BROADCAST redirect through devmap map reaches:
 * up to max ifindexes into out, without exclude (the ingress interface,
 * for BPF_F_EXCLUDE_INGRESS; 0: none). Returns how many there are
 * (possibly more than max).
 */
size_t ubee_pktio_devmap_targets(struct ubee_map *map, uint32_t exclude,
				 uint32_t *out, size_t max);

/* ---- live interfaces --------------------------------------------------- */

enum ubee_iface_mode {
	UBEE_IFACE_AUTO = 0,   /* AF_XDP, else AF_PACKET */
	UBEE_IFACE_XDP,        /* AF_XDP only (zero-copy, else copy mode) */
	UBEE_IFACE_PACKET,     /* AF_PACKET TPACKET_V3 ring only */
};

struct ubee_iface_opts {
	size_t sz;             /* sizeof(struct ubee_iface_opts) */
	enum ubee_iface_mode mode;
	uint32_t queue;        /* AF_XDP: the receive queue */
	int copy;              /* AF_XDP: never try zero-copy */
	int skb_mode;          /* AF_XDP: attach the kernel program in
				* generic (skb) mode */
};

/* What an open interface is using and what it saw. */
struct ubee_iface_info {
	const char *backend;   /* "af_xdp" or "af_packet" */
	int zerocopy;          /* AF_XDP bound in zero-copy mode */
	const char *xdp_mode;  /* AF_XDP: "drv" or "skb" */
	uint32_t ifindex;
	uint64_t rx, tx;       /* frames received, sent */
	uint64_t rx_dropped;   /* the kernel's count of frames it could not
				* queue to us */
	uint64_t tx_errors;
	uint32_t frames;       /* AF_XDP: UMEM frames */
	uint32_t frames_out;   /* AF_XDP: frames not back in our hands
				* (0 after a clean close) */
	const char *note;      /* why AUTO fell back to AF_PACKET, or NULL
				* (borrowed from the interface) */
};

struct ubee_iface;

/*
 * Open interface name for receiving and sending. AF_XDP loads a small
 * XDP program into the kernel that redirects the queue's packets to the
 * socket, and detaches it on close. Returns 0 and *out, or -errno with a
 * log line (-ENODEV no such interface, -EPERM not permitted, ...).
 */
int ubee_iface_open(const char *name, const struct ubee_iface_opts *opts,
		    struct ubee_iface **out, struct ubee_log *log);
/* Open an interface for sending only (a redirect target): AF_PACKET. */
int ubee_iface_open_tx(uint32_t ifindex, struct ubee_iface **out,
		       struct ubee_log *log);
/*
 * Detach, drain and free. Frames still in flight are waited for briefly;
 * info (may be NULL) gets the final figures, frames_out telling whether
 * any frame was lost.
 */
void ubee_iface_close(struct ubee_iface *iface, struct ubee_iface_info *info);

/*
 * Wait up to timeout_ms (-1: forever) for packets; up to max of them
 * into pkts (borrowed until ubee_iface_release). Returns how many (0 on
 * timeout or -EINTR when a signal came), or -errno.
 */
int ubee_iface_recv(struct ubee_iface *iface, struct ubee_packet *pkts,
		    unsigned max, int timeout_ms);
/* Give back the packets the last ubee_iface_recv returned. */
void ubee_iface_release(struct ubee_iface *iface);
/* Send a copy of data[len]: 0, or -errno (-EAGAIN: no room now). */
int ubee_iface_send(struct ubee_iface *iface, const void *data, size_t len);
/* Push queued sends to the device (AF_XDP kicks the kernel). */
void ubee_iface_flush(struct ubee_iface *iface);
void ubee_iface_get_info(const struct ubee_iface *iface,
			 struct ubee_iface_info *info);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_PKTIO_H */
