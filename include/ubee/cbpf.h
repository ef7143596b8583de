/* SPDX-License-Identifier: MIT */
/*
 * Classic BPF: programs as tcpdump and SO_ATTACH_FILTER know them (struct
 * sock_filter), checked the way the kernel checks them (bpf_check_classic),
 * translated into eBPF the way the kernel converts them (A and X in
 * registers, the 16 scratch words on the stack, packet loads through
 * LD_ABS/LD_IND) and run as socket-filter programs over packets. The
 * return value of a classic filter is the number of bytes to keep: 0
 * drops the packet. docs/CBPF.md has the register map and the details.
 */
#ifndef UBEE_CBPF_H
#define UBEE_CBPF_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One classic instruction: the layout of struct sock_filter and of
 * libpcap's struct bpf_insn. */
struct ubee_cbpf_insn {
	uint16_t code;
	uint8_t jt;   /* conditional jumps: forward offset when true */
	uint8_t jf;   /* ... and when false */
	uint32_t k;
};
_Static_assert(sizeof(struct ubee_cbpf_insn) == 8, "struct sock_filter is 8 bytes");

#define UBEE_CBPF_MAX_INSNS 4096  /* BPF_MAXINSNS */
#define UBEE_CBPF_MEMWORDS 16     /* BPF_MEMWORDS: scratch words M[] */

/* Special load offsets (linux/filter.h): ancillary data from SKF_AD_OFF. */
#define UBEE_SKF_AD_OFF (-0x1000)
#define UBEE_SKF_NET_OFF (-0x100000)
#define UBEE_SKF_LL_OFF (-0x200000)

/*
 * Parse classic BPF text: `tcpdump -dd` output ("{ 0x28, 0, 0, 0x0000000c },"
 * one per line) or `tcpdump -ddd` output (a count line, then "code jt jf k"
 * in decimal per line). Blank lines and lines starting with '#' are
 * skipped. On success *out is a new array of *cnt instructions (free with
 * ubee_cbpf_free); else -EINVAL with "line N: reason", or -E2BIG over
 * UBEE_CBPF_MAX_INSNS. The program is not checked: see ubee_cbpf_check.
 */
int ubee_cbpf_parse(const char *text, struct ubee_cbpf_insn **out, size_t *cnt,
		    struct ubee_log *log);
void ubee_cbpf_free(struct ubee_cbpf_insn *insns);

/*
 * Check a classic program as the kernel's bpf_check_classic does: 1 to
 * UBEE_CBPF_MAX_INSNS instructions of known opcodes, jumps forward and
 * inside the program, scratch indexes below 16 and no load from a scratch
 * word that some path has not stored, no division or modulo by the
 * constant 0, no shift by a constant of 32 or more, ancillary loads ubee
 * supports (others are named), and a return as the last instruction.
 * Returns 0, -EINVAL (or -E2BIG for the size) with "N: reason" naming the
 * instruction.
 */
int ubee_cbpf_check(const struct ubee_cbpf_insn *insns, size_t cnt,
		    struct ubee_log *log);

struct ubee_cbpf_opts {
	size_t sz;        /* sizeof(struct ubee_cbpf_opts) */
	/*
	 * What SKF_AD_HATYPE loads (the device's ARPHRD_* type, which the
	 * context does not carry): 0 means ARPHRD_ETHER (1).
	 */
	uint32_t hatype;
};

/*
 * Check (as above), then translate into eBPF for a socket-filter program
 * (r1 = struct __sk_buff, packet loads relative to the link-layer
 * header). On success *out is a new array of *out_cnt instructions (free
 * with ubee_insns_free, include/ubee/asm.h) that the kernel's verifier
 * accepts as BPF_PROG_TYPE_SOCKET_FILTER. opts may be NULL. Returns 0 or
 * the check's errors, -ENOMEM.
 */
int ubee_cbpf_translate(const struct ubee_cbpf_insn *insns, size_t cnt,
			const struct ubee_cbpf_opts *opts,
			struct ubee_insn **out, size_t *out_cnt,
			struct ubee_log *log);

/* ---- filters: a translated program run over packets --------------------- */

struct ubee_cbpf_filter;

struct ubee_cbpf_filter_opts {
	size_t sz;             /* sizeof(struct ubee_cbpf_filter_opts) */
	uint32_t hatype;       /* as in struct ubee_cbpf_opts */
	uint32_t ifindex;      /* SKF_AD_IFINDEX; 0: 1 */
	uint32_t prog_flags;   /* enum ubee_prog_flags for the load */
	enum ubee_engine engine;
	/*
	 * enum ubee_run_flags for every run. Translated classic programs
	 * touch only fixed context fields, their scratch words on the stack
	 * and bounds-checked packet loads, so (like the kernel, which does
	 * not run its eBPF verifier on converted classic filters) an
	 * embedder may pass UBEE_RUN_TRUSTED to run them unchecked before
	 * the verifier has proved them.
	 */
	uint32_t run_flags;
};

/*
 * Check, translate and load a classic program as a socket filter. On
 * success *out owns the new filter (free with ubee_cbpf_filter_free).
 * Returns 0, or the errors of ubee_cbpf_translate and ubee_prog_load.
 */
int ubee_cbpf_filter_new(const struct ubee_cbpf_insn *insns, size_t cnt,
			 const struct ubee_cbpf_filter_opts *opts,
			 struct ubee_cbpf_filter **out, struct ubee_log *log);
void ubee_cbpf_filter_free(struct ubee_cbpf_filter *f);

/* The loaded eBPF program (borrowed; lives as long as the filter). */
const struct ubee_prog *ubee_cbpf_filter_prog(const struct ubee_cbpf_filter *f);

/*
 * Run the filter on one packet: pkt[caplen] are the captured bytes from
 * the link-layer header on, wirelen the packet's length on the wire (what
 * BPF_LEN and skb->len give; at least caplen). For Ethernet (hatype 1) the
 * context's protocol and pkt_type come from the Ethernet header as the
 * kernel sets them. *keep gets the filter's verdict: the bytes to keep, 0
 * to drop. Returns 0 or the run's negative errno (logged). Thread-safe:
 * any number of threads may run one filter at once.
 */
int ubee_cbpf_filter_run(const struct ubee_cbpf_filter *f, const void *pkt,
			 uint32_t caplen, uint32_t wirelen, uint32_t *keep,
			 struct ubee_log *log);

/* One packet of a batch (layout fixed: 16 bytes). */
struct ubee_cbpf_pkt {
	const void *data;  /* captured bytes from the link-layer header on */
	uint32_t caplen;   /* bytes at data */
	uint32_t wirelen;  /* length on the wire, as in ubee_cbpf_filter_run */
};

/*
 * Run the filter on pkts[0..n) (n may be 0): keep[i] gets packet i's
 * verdict, exactly what ubee_cbpf_filter_run gives for it. The set-up of
 * a run is done once per batch: with the JIT, a program that reads
 * neither skb->protocol nor pkt_type runs in a loop compiled into its
 * code (per packet a few stores and the program's own instructions,
 * packet loads bounds-checked as in single runs); otherwise packets run
 * one by one on the filter's prepared run. Batches of a few dozen to a
 * few thousand packets amortise the set-up. Returns 0; -EINVAL when f,
 * pkts or keep is NULL (nothing run) or at the first packet with a
 * caplen but no data; or a run's error (logged). After an error the
 * packets before the failing one have their verdicts, and keep[] of it
 * and of the later ones is 0. Thread-safe as ubee_cbpf_filter_run.
 */
int ubee_cbpf_filter_run_batch(const struct ubee_cbpf_filter *f,
			       const struct ubee_cbpf_pkt *pkts, size_t n,
			       uint32_t *keep, struct ubee_log *log);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_CBPF_H */
