// SPDX-License-Identifier: MIT
/*
 * The packet-path benchmark behind the fourth part of `make bench`
 * (issue 7, item 5): packets per second through XDP programs and classic
 * filters, on a large capture generated here and held in memory, against
 * the kernel and libpcap.
 *
 *  1. A capture of --packets frames (default 1M) of a realistic mix
 *     (IPv4 TCP/UDP/ICMP, IPv6, ARP, VLAN-tagged IPv4; 8192 flows; frame
 *     sizes 60 to 1514 bytes) and as many 60-byte IPv4 UDP frames (the
 *     usual "64-byte packets" of packet-rate figures). The mix is also
 *     written to --out/mix.pcap for the end-to-end runs.
 *  2. XDP from memory: bench/pkt/drop.o (drop all) and bench/pkt/fw.o (a
 *     parser, an LPM trie of source rules and a hash map of flows, the
 *     rules filled here) over every packet through the library's packet
 *     runner (ubee_pktio_runner_process: the packet copied into its
 *     frame, the run, the verdict and the counters) in batches of 64
 *     (ubee_pktio_runner_begin/end: one CPU slot per batch, as a driver's
 *     poll), the default engine (the JIT for verified programs); the best
 *     of --passes passes.
 *  3. The kernel anchor: the same objects loaded by libbpf and run with
 *     BPF_PROG_TEST_RUN (--repeat times each) on --samples packets taken
 *     evenly from the mix, the kernel's own average duration per run;
 *     ubee runs the same samples the same number of times (each run
 *     through ubee_pktio_runner_process, so ubee's figure also pays for
 *     copying the packet in, which the kernel's repeat does not; one
 *     batch per sample, as the kernel's loop runs under one
 *     rcu_read_lock). The return values must agree.
 *  4. Classic filters alone: tcpdump expressions compiled by libpcap's
 *     pcap_compile, run over every packet of the mix by libpcap's
 *     interpreter (bpf_filter, one call per packet) and by ubee
 *     (ubee_cbpf_filter_run_batch in batches of FILTER_BATCH, the
 *     descriptors filled as the loop goes: the translated program,
 *     verified, on the JIT's batch loop); ns per packet. The number of
 *     packets selected must agree. A first row, the empty expression
 *     (one "ret"), measures what both sides pay to hand a packet over
 *     and take the verdict back; the "own" ratio leaves it out.
 *  5. End to end: `tcpdump -r mix.pcap -w A EXPR` against `ubee filter
 *     EXPR -r mix.pcap -w B`, CPU time (user + system) of the whole
 *     process (best of --passes, file in the page cache); A and B must be
 *     identical. The files are removed at the end.
 *
 * Times are CPU time (this thread's, or the child process's user and
 * system time): the benchmark machines are shared. Results go to stdout
 * and --json. Exit status: 0, 1 on a disagreement
 * or an error, 2 on bad usage. Without libbpf (-DBENCH_NO_LIBBPF) there
 * is no kernel column; without tcpdump or --ubee, no end-to-end rows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/types.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_NO_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#include "ubee/cbpf.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/pktio.h"
#include "ubee/ubee.h"

#include "pkt/fw.h"

/*
 * libpcap's <pcap/bpf.h> and the kernel's <linux/bpf.h> (through libbpf)
 * both define struct bpf_insn: pcap.h is taken without its bpf.h and the
 * little of it used here is declared below (libpcap's ABI: a classic
 * instruction is struct sock_filter, what struct ubee_cbpf_insn is).
 */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
struct bpf_program {
	unsigned int bf_len;
	struct ubee_cbpf_insn *bf_insns;
};
unsigned int bpf_filter(const struct ubee_cbpf_insn *insns, const unsigned char *pkt,
			unsigned int wirelen, unsigned int buflen);
#include <pcap/dlt.h>
#include <pcap/pcap.h>

extern char **environ;

#define NFLOWS 8192
#define MAX_FRAME 1514

/* ---- options and results ------------------------------------------------ */

static struct {
	const char *obj_dir;
	const char *out_dir;
	const char *json;
	const char *ubee;
	size_t packets;
	unsigned passes;
	unsigned samples;
	unsigned repeat;
	int filters_only;   /* --filters: parts 4 and 5 only */
	int keep;           /* --keep: leave mix.pcap in --out */
} opt = { .packets = 1000000, .passes = 3, .samples = 32, .repeat = 5000 };

static int failed;
static FILE *json;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pkt_harness: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failed = 1;
}

/*
 * The time measurements take: this thread's CPU time (the benchmark
 * machines are shared, and time spent descheduled is not the code's).
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the capture ---------------------------------------------------------- */

/* Frames back to back in one buffer. */
struct capture {
	uint8_t *buf;
	size_t *off;   /* [n + 1] */
	size_t n;
	size_t bytes;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

enum flow_kind { F_TCP4, F_UDP4, F_ICMP4, F_TCP6, F_UDP6, F_ARP, F_VLAN_TCP4,
		 F_VLAN_UDP4 };

struct flow {
	enum flow_kind kind;
	uint8_t saddr[4], daddr[4];
	uint16_t sport, dport;
};

static struct flow flows_tab[NFLOWS];

/* Source addresses: a quarter each in 10/8, 192.168/16, 172.16/12 and
 * public space, so that the firewall's rules match some of each. */
static void make_flows(void)
{
	static const uint16_t dports[] = { 22, 53, 80, 443, 8080, 3306, 123, 5060 };

	for (int i = 0; i < NFLOWS; i++) {
		struct flow *f = &flows_tab[i];
		uint32_t k = rnd() % 100;

		f->kind = k < 45 ? F_TCP4 : k < 70 ? F_UDP4 : k < 78 ? F_ICMP4 :
			  k < 84 ? F_TCP6 : k < 88 ? F_UDP6 : k < 92 ? F_ARP :
			  k < 97 ? F_VLAN_TCP4 : F_VLAN_UDP4;
		switch (rnd() % 4) {
		case 0:
			f->saddr[0] = 10;
			f->saddr[1] = (uint8_t)(rnd() % 4);
			break;
		case 1:
			f->saddr[0] = 192;
			f->saddr[1] = 168;
			break;
		case 2:
			f->saddr[0] = 172;
			f->saddr[1] = (uint8_t)(16 + rnd() % 16);
			break;
		default:
			f->saddr[0] = (uint8_t)(1 + rnd() % 223);
			f->saddr[1] = (uint8_t)rnd();
			break;
		}
		f->saddr[2] = (uint8_t)(rnd() % 8);
		f->saddr[3] = (uint8_t)(1 + rnd() % 254);
		f->daddr[0] = 10;
		f->daddr[1] = 200;
		f->daddr[2] = (uint8_t)(rnd() % 4);
		f->daddr[3] = (uint8_t)(1 + rnd() % 254);
		f->sport = (uint16_t)(1024 + rnd() % 60000);
		f->dport = rnd() % 8 ? dports[rnd() % 8] : (uint16_t)(8000 + rnd() % 200);
	}
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint8_t *put_ipv4(uint8_t *p, const struct flow *f, uint8_t proto,
			 size_t l4len)
{
	uint8_t *ip = p;

	*p++ = 0x45;
	*p++ = 0;
	p = put16(p, (uint16_t)(20 + l4len));
	p = put16(p, (uint16_t)rnd());
	p = put16(p, 0x4000);
	*p++ = 64;
	*p++ = proto;
	p = put16(p, 0);
	memcpy(p, f->saddr, 4);
	memcpy(p + 4, f->daddr, 4);
	p += 8;
	put16(ip + 10, ip_csum(ip, 20));
	return p;
}

static uint8_t *put_ipv6(uint8_t *p, const struct flow *f, uint8_t proto,
			 size_t l4len)
{
	static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0 };

	p = put16(p, 0x6000);
	p = put16(p, 0);
	p = put16(p, (uint16_t)l4len);
	*p++ = proto;
	*p++ = 64;
	memcpy(p, pfx, 8);
	memcpy(p + 8, f->saddr, 4);
	memset(p + 12, 0, 4);
	memcpy(p + 16, pfx, 8);
	memcpy(p + 24, f->daddr, 4);
	memset(p + 28, 0, 4);
	return p + 32;
}

static uint8_t *put_l4(uint8_t *p, const struct flow *f, int tcp, size_t pl)
{
	static const uint8_t tcp_flags[] = { 0x02, 0x12, 0x10, 0x18, 0x11 };

	p = put16(p, f->sport);
	p = put16(p, f->dport);
	if (!tcp) {
		p = put16(p, (uint16_t)(8 + pl));
		return put16(p, 0);
	}
	memset(p, 0, 16);
	p[0] = (uint8_t)rnd();   /* seq */
	p[8] = 0x50;
	p[9] = tcp_flags[rnd() % 5];
	p[10] = 0xff;
	p[11] = 0xff;
	return p + 16;
}

/* One frame of flow f with pl payload bytes at p; returns its length. */
static size_t make_frame(uint8_t *p, const struct flow *f, size_t pl)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 1 };
	uint8_t *s = p;
	enum flow_kind k = f->kind;
	size_t l4;

	memcpy(p, dmac, 6);
	p[6] = 0x02;
	memcpy(p + 7, f->saddr, 4);
	p[11] = 2;
	p += 12;
	if (k == F_VLAN_TCP4 || k == F_VLAN_UDP4) {
		p = put16(p, 0x8100);
		p = put16(p, (uint16_t)(100 + (f->saddr[3] & 7)));
		k = k == F_VLAN_TCP4 ? F_TCP4 : F_UDP4;
	}
	switch (k) {
	case F_TCP4:
	case F_UDP4:
		l4 = (k == F_TCP4 ? 20 : 8) + pl;
		p = put16(p, 0x0800);
		p = put_ipv4(p, f, k == F_TCP4 ? 6 : 17, l4);
		p = put_l4(p, f, k == F_TCP4, pl);
		break;
	case F_TCP6:
	case F_UDP6:
		l4 = (k == F_TCP6 ? 20 : 8) + pl;
		p = put16(p, 0x86dd);
		p = put_ipv6(p, f, k == F_TCP6 ? 6 : 17, l4);
		p = put_l4(p, f, k == F_TCP6, pl);
		break;
	case F_ICMP4:
		pl = 32;
		p = put16(p, 0x0800);
		p = put_ipv4(p, f, 1, 8 + pl);
		*p++ = 8;
		*p++ = 0;
		p = put16(p, 0);
		p = put16(p, f->sport);
		p = put16(p, (uint16_t)rnd());
		break;
	default: /* ARP request */
		pl = 0;
		p = put16(p, 0x0806);
		p = put16(p, 1);
		p = put16(p, 0x0800);
		*p++ = 6;
		*p++ = 4;
		p = put16(p, 1);
		memcpy(p, s + 6, 6);
		memcpy(p + 6, f->saddr, 4);
		memset(p + 10, 0, 6);
		memcpy(p + 16, f->daddr, 4);
		p += 20;
		break;
	}
	for (size_t i = 0; i < pl; i++)
		*p++ = (uint8_t)(i * 7 + 1);
	while (p - s < 60)  /* Ethernet's minimum frame, without the FCS */
		*p++ = 0;
	return (size_t)(p - s);
}

static int capture_alloc(struct capture *c, size_t n, size_t max_bytes)
{
	c->buf = malloc(max_bytes);
	c->off = malloc((n + 1) * sizeof(*c->off));
	c->n = 0;
	c->bytes = 0;
	if (!c->buf || !c->off) {
		fail("out of memory for %zu packets", n);
		return -1;
	}
	c->off[0] = 0;
	return 0;
}

/* The mix: payload sizes 0-1400 (a third under 20 bytes). */
static int make_mix(struct capture *c, size_t n)
{
	static const uint16_t pls[] = { 0, 0, 6, 18, 18, 100, 100, 512, 1400, 1400 };

	if (capture_alloc(c, n, n * (MAX_FRAME + 64)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = &flows_tab[rnd() % NFLOWS];
		size_t len = make_frame(c->buf + c->bytes, f, pls[rnd() % 10]);

		c->bytes += len;
		c->off[++c->n] = c->bytes;
	}
	return 0;
}

/* 60-byte IPv4 UDP frames (18 payload bytes). */
static int make_small(struct capture *c, size_t n)
{
	if (capture_alloc(c, n, n * 60))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct flow f = flows_tab[rnd() % NFLOWS];

		f.kind = F_UDP4;
		c->bytes += make_frame(c->buf + c->bytes, &f, 18);
		c->off[++c->n] = c->bytes;
	}
	return 0;
}

static const uint8_t *frame_at(const struct capture *c, size_t i, uint32_t *len)
{
	*len = (uint32_t)(c->off[i + 1] - c->off[i]);
	return c->buf + c->off[i];
}

static int write_pcap(const struct capture *c, const char *path)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
	pcap_dumper_t *d = p ? pcap_dump_open(p, path) : NULL;
	struct pcap_pkthdr h;

	if (!d) {
		fail("%s: %s", path, p ? pcap_geterr(p) : "pcap_open_dead failed");
		if (p)
			pcap_close(p);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		const uint8_t *f = frame_at(c, i, &h.caplen);

		h.len = h.caplen;
		h.ts.tv_sec = 1700000000 + (time_t)(i / 1000000);
		h.ts.tv_usec = (suseconds_t)(i % 1000000);
		pcap_dump((u_char *)d, &h, f);
	}
	/* On disk before any timing: no write-back lands in a timed run. */
	if (pcap_dump_flush(d) || fsync(fileno(pcap_dump_file(d)))) {
		fail("%s: %s", path, strerror(errno));
		pcap_dump_close(d);
		pcap_close(p);
		return -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

/* ---- the firewall's rules ---------------------------------------------------- */

struct rule {
	uint8_t addr[4];
	uint32_t prefixlen;
	uint32_t action;
};

static struct rule rules_tab[1024];
static size_t nr_rules;

/* Nested rules over the private ranges, and /24s and /32s of public
 * space, some of which the flows' addresses fall into. */
static void make_rules(void)
{
	static const struct rule fixed[] = {
		{ { 10, 0, 0, 0 }, 8, FW_DENY },
		{ { 10, 1, 0, 0 }, 16, FW_ALLOW },
		{ { 10, 1, 2, 0 }, 24, FW_DENY },
		{ { 10, 2, 0, 0 }, 15, FW_ALLOW },
		{ { 192, 168, 3, 0 }, 24, FW_DENY },
		{ { 192, 168, 0, 0 }, 16, FW_ALLOW },
		{ { 172, 16, 0, 0 }, 12, FW_ALLOW },
		{ { 172, 20, 0, 0 }, 16, FW_DENY },
	};

	memcpy(rules_tab, fixed, sizeof(fixed));
	nr_rules = sizeof(fixed) / sizeof(fixed[0]);
	while (nr_rules < sizeof(rules_tab) / sizeof(rules_tab[0])) {
		const struct flow *f = &flows_tab[rnd() % NFLOWS];
		struct rule *r = &rules_tab[nr_rules++];

		memcpy(r->addr, f->saddr, 4);
		r->prefixlen = rnd() % 2 ? 32 : 24;
		if (r->prefixlen == 24)
			r->addr[3] = 0;
		if (f->saddr[0] == 10 || f->saddr[0] == 172 || f->saddr[0] == 192)
			r->addr[0] = (uint8_t)(1 + rnd() % 100); /* public only */
		r->action = FW_DENY;
	}
}

static struct fw_lpm_key rule_key(const struct rule *r)
{
	struct fw_lpm_key k = { .prefixlen = r->prefixlen };

	memcpy(k.addr, r->addr, 4);
	return k;
}

/* ---- ubee ------------------------------------------------------------------- */

struct uprog {
	const char *name;      /* object and program: bench/pkt/<name>.c */
	const char *func;
	struct ubee_object *obj;
	const struct ubee_prog *prog;
	struct ubee_pktio_runner *runner;
};

static int ubee_load(struct uprog *u)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_pktio_runner_opts ro = { .sz = sizeof(ro) };
	struct ubee_object_prog_info pi;
	char path[4096], lbuf[4096];
	struct ubee_log log;
	int i, err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	snprintf(path, sizeof(path), "%s/%s.o", opt.obj_dir, u->name);
	err = ubee_object_open_file(path, &u->obj, &log);
	if (!err)
		err = ubee_object_load(u->obj, &lo, &log);
	i = err ? err : ubee_object_find_prog(u->obj, u->func);
	if (i >= 0)
		err = ubee_object_prog(u->obj, (size_t)i, &pi);
	if (err || i < 0 || !pi.prog) {
		fail("%s: ubee cannot load %s: %s", path, u->func, lbuf);
		return -1;
	}
	u->prog = pi.prog;
	err = ubee_pktio_runner_new(u->prog, &ro, &u->runner, &log);
	if (err) {
		fail("%s: %s", path, lbuf);
		return -1;
	}
	return 0;
}

static int ubee_fill_rules(struct uprog *u)
{
	struct ubee_object_map_info mi;
	int i = ubee_object_find_map(u->obj, "rules");

	if (i < 0 || ubee_object_map(u->obj, (size_t)i, &mi) || !mi.map) {
		fail("fw.o: no map 'rules'");
		return -1;
	}
	for (size_t k = 0; k < nr_rules; k++) {
		struct fw_lpm_key key = rule_key(&rules_tab[k]);

		if (ubee_map_update(mi.map, &key, &rules_tab[k].action, 0)) {
			fail("fw.o: rule %zu: update failed", k);
			return -1;
		}
	}
	return 0;
}

static int ubee_process(struct uprog *u, const uint8_t *data, uint32_t len,
			uint64_t idx, uint64_t *ret)
{
	struct ubee_packet p = { .data = data, .len = len, .wire_len = len,
				 .index = idx };
	struct ubee_pktio_verdict v;
	char lbuf[256];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_pktio_runner_process(u->runner, &p, &v, &log);
	if (err) {
		fail("%s: packet %llu: %s", u->name, (unsigned long long)idx, lbuf);
		return -1;
	}
	*ret = v.retval;
	return 0;
}

/*
 * Packets go through the runner in batches of BATCH (one CPU slot per
 * batch: ubee_pktio_runner_begin), as a driver's poll hands them over.
 */
#define BATCH 64

/* Every packet of c through u, best of opt.passes: packets per second. */
static double ubee_pps(struct uprog *u, const struct capture *c, uint64_t *drops)
{
	double best = 0;

	for (unsigned pass = 0; pass < opt.passes; pass++) {
		double t0 = now_s(), dt;
		uint64_t ret, nd = 0;

		for (size_t i = 0; i < c->n; i++) {
			uint32_t len;
			const uint8_t *f = frame_at(c, i, &len);
			int err;

			if (i % BATCH == 0)
				ubee_pktio_runner_begin(u->runner);
			err = ubee_process(u, f, len, i + 1, &ret);
			if (i % BATCH == BATCH - 1 || i + 1 == c->n || err)
				ubee_pktio_runner_end(u->runner);
			if (err)
				return 0;
			nd += ret == 1;
		}
		dt = now_s() - t0;
		if (c->n / dt > best)
			best = (double)c->n / dt;
		*drops = nd;
	}
	return best;
}

/* The samples, each run opt.repeat times: ns per run; rets[] the results. */
static double ubee_repeat(struct uprog *u, const struct capture *c,
			  uint64_t *rets)
{
	size_t step = c->n / opt.samples;
	double best = 0;

	for (unsigned pass = 0; pass < opt.passes; pass++) {
		double t0 = now_s(), ns;

		for (unsigned s = 0; s < opt.samples; s++) {
			uint32_t len;
			const uint8_t *f = frame_at(c, s * step, &len);

			int err = 0;

			/* One batch, as the kernel's repeat loop runs under one
			 * rcu_read_lock with migration off. */
			ubee_pktio_runner_begin(u->runner);
			for (unsigned r = 0; r < opt.repeat && !err; r++)
				err = ubee_process(u, f, len, s * step + 1, &rets[s]);
			ubee_pktio_runner_end(u->runner);
			if (err)
				return 0;
		}
		ns = (now_s() - t0) * 1e9 / ((double)opt.samples * opt.repeat);
		if (!best || ns < best)
			best = ns;
	}
	return best;
}

/* ---- the kernel --------------------------------------------------------------- */

#ifndef BENCH_NO_LIBBPF
struct kprog {
	struct bpf_object *obj;
	int fd;
};

static int libbpf_quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}

static int kernel_load(const char *name, const char *func, struct kprog *k)
{
	char path[4096];
	struct bpf_program *p;

	snprintf(path, sizeof(path), "%s/%s.o", opt.obj_dir, name);
	k->obj = bpf_object__open_file(path, NULL);
	if (!k->obj || bpf_object__load(k->obj))
		return -1;
	p = bpf_object__find_program_by_name(k->obj, func);
	k->fd = p ? bpf_program__fd(p) : -1;
	return k->fd < 0 ? -1 : 0;
}

static int kernel_fill_rules(struct kprog *k)
{
	int fd = bpf_object__find_map_fd_by_name(k->obj, "rules");

	for (size_t i = 0; fd >= 0 && i < nr_rules; i++) {
		struct fw_lpm_key key = rule_key(&rules_tab[i]);

		if (bpf_map_update_elem(fd, &key, &rules_tab[i].action, 0))
			return -1;
	}
	return fd < 0 ? -1 : 0;
}

/* The kernel's average duration per run over the samples, best pass. */
static double kernel_repeat(struct kprog *k, const struct capture *c,
			    uint64_t *rets)
{
	size_t step = c->n / opt.samples;
	double best = 0;

	for (unsigned pass = 0; pass < opt.passes; pass++) {
		uint64_t total = 0;

		for (unsigned s = 0; s < opt.samples; s++) {
			uint32_t len;
			const uint8_t *f = frame_at(c, s * step, &len);
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f,
				    .data_size_in = len, .repeat = opt.repeat);

			if (bpf_prog_test_run_opts(k->fd, &o))
				return -errno;
			total += o.duration;
			rets[s] = o.retval;
		}
		if (!best || (double)total / opt.samples < best)
			best = (double)total / opt.samples;
	}
	return best;
}
#endif

/* ---- classic filters ------------------------------------------------------------ */

static const char *const exprs[] = {
	"tcp dst port 443",
	"(tcp or udp) and (port 53 or port 443 or portrange 8000-8080) and not src net 192.168.0.0/16",
	"vlan and tcp[tcpflags] & tcp-syn != 0",
};
#define NEXPRS (sizeof(exprs) / sizeof(exprs[0]))

/* Packets of the mix the warm figures cycle through (in the caches). */
#define WARM_PACKETS 1024
/* Packets per ubee_cbpf_filter_run_batch (as `ubee filter` reads them). */
#define FILTER_BATCH 256

/* The verdicts of a full batch that keep a packet (a fixed count: vectorised). */
static int64_t count_kept(const uint32_t keep[FILTER_BATCH])
{
	uint32_t k = 0;

	for (size_t j = 0; j < FILTER_BATCH; j++)
		k += keep[j] != 0;
	return k;
}

/*
 * ubee's filter over packets [0, n) of c in batches of FILTER_BATCH (the
 * descriptors filled from the capture as libpcap's loop reads it):
 * the packets selected, or -1 on an error.
 */
static int64_t ubee_filter_pass(const struct capture *c, size_t n,
				const struct ubee_cbpf_filter *f,
				struct ubee_log *log, const char *lbuf)
{
	struct ubee_cbpf_pkt pk[FILTER_BATCH];
	uint32_t keep[FILTER_BATCH];
	int64_t k = 0;

	for (size_t i = 0; i < n; i += FILTER_BATCH) {
		size_t m = n - i < FILTER_BATCH ? n - i : FILTER_BATCH;

		for (size_t j = 0; j < m; j++) {
			pk[j].data = frame_at(c, i + j, &pk[j].caplen);
			pk[j].wirelen = pk[j].caplen;
		}
		if (ubee_cbpf_filter_run_batch(f, pk, m, keep, log)) {
			fail("packets %zu-%zu: %s", i + 1, i + m, lbuf);
			return -1;
		}
		if (m == FILTER_BATCH) {
			k += count_kept(keep);
			continue;
		}
		for (size_t j = 0; j < m; j++)
			k += keep[j] != 0;
	}
	return k;
}

/*
 * ns per packet of one filter over packets [0, n) of c, rounds times,
 * best of opt.passes; *sel the packets selected in one round. f NULL:
 * libpcap's bpf_filter on bp, else ubee's filter. -1 on an error.
 */
static double time_filter(const struct capture *c, size_t n, unsigned rounds,
			  const struct bpf_program *bp,
			  const struct ubee_cbpf_filter *f, uint64_t *sel)
{
	char lbuf[1024];
	struct ubee_log log;
	double best = 0;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	for (unsigned pass = 0; pass < opt.passes; pass++) {
		double t0 = now_s(), t;
		uint64_t k = 0;

		for (unsigned r = 0; r < rounds; r++) {
			int64_t got;

			if (!f) {
				for (size_t i = 0; i < n; i++) {
					uint32_t len;
					const uint8_t *d = frame_at(c, i, &len);

					k += bpf_filter(bp->bf_insns, d, len, len) != 0;
				}
				continue;
			}
			got = ubee_filter_pass(c, n, f, &log, lbuf);
			if (got < 0)
				return -1;
			k += (uint64_t)got;
		}
		t = (now_s() - t0) * 1e9 / ((double)n * rounds);
		if (!best || t < best)
			best = t;
		*sel = k / rounds;
	}
	return best;
}

/*
 * One expression: warm (WARM_PACKETS packets cycled, in the caches: the
 * filter's own cost) and over the whole capture once (each packet's
 * headers come from memory: what a capture much larger than the caches
 * costs). base (NULL for the baseline itself) holds the baseline's warm
 * ns, libpcap's and ubee's: the cost of handing a packet over and taking
 * the verdict back, which the "own" ratio leaves out of both; the
 * baseline's warm ns go to *warm.
 */
static void filter_alone(const struct capture *c, const char *expr, int first,
			 const double base[2], double warm[2])
{
	struct ubee_cbpf_filter_opts fo = { .sz = sizeof(fo),
					    .engine = UBEE_ENGINE_JIT };
	struct ubee_cbpf_filter *f = NULL;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
	struct bpf_program bp;
	size_t warm_n = c->n < WARM_PACKETS ? c->n : WARM_PACKETS;
	unsigned rounds = (unsigned)(c->n / warm_n);
	char lbuf[4096], own[16] = "-";
	struct ubee_log log;
	double pw, uw, pc, uc, ratio = 0;
	uint64_t n[4];

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (!p || pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		fail("'%s': %s", expr, p ? pcap_geterr(p) : "pcap_open_dead");
		goto out_close;
	}
	if (ubee_cbpf_filter_new(bp.bf_insns, bp.bf_len, &fo, &f, &log)) {
		fail("'%s': %s", expr, lbuf);
		goto out;
	}
	pw = time_filter(c, warm_n, rounds, &bp, NULL, &n[0]);
	uw = time_filter(c, warm_n, rounds, &bp, f, &n[1]);
	pc = time_filter(c, c->n, 1, &bp, NULL, &n[2]);
	uc = time_filter(c, c->n, 1, &bp, f, &n[3]);
	if (pw < 0 || uw < 0 || pc < 0 || uc < 0)
		goto out;
	if (n[0] != n[1] || n[2] != n[3])
		fail("'%s': libpcap selects %llu packets, ubee %llu", expr,
		     (unsigned long long)n[n[0] != n[1] ? 0 : 2],
		     (unsigned long long)n[n[0] != n[1] ? 1 : 3]);
	if (base && pw > base[0] && uw > base[1] + 0.05) {
		ratio = (pw - base[0]) / (uw - base[1]);
		snprintf(own, sizeof(own), "%.1fx", ratio);
	}
	if (!base) {
		warm[0] = pw;
		warm[1] = uw;
	}
	printf("%-40.40s %9llu %8.1f %8.1f %7.2fx %7s %8.1f %8.1f %7.2fx\n",
	       *expr ? expr : "(empty: accept all; the baseline)",
	       (unsigned long long)n[3], pw, uw, pw / uw, own, pc, uc, pc / uc);
	if (json)
		fprintf(json, "%s{\"expr\":\"%s\",\"selected\":%llu,"
			"\"warm\":{\"libpcap_ns\":%.2f,\"ubee_jit_ns\":%.2f,\"speedup\":%.3f,"
			"\"own_speedup\":%.3f},"
			"\"capture\":{\"libpcap_ns\":%.2f,\"ubee_jit_ns\":%.2f,\"speedup\":%.3f}}",
			first ? "" : ",", expr, (unsigned long long)n[3], pw, uw,
			pw / uw, ratio, pc, uc, pc / uc);
out:
	ubee_cbpf_filter_free(f);
	pcap_freecode(&bp);
out_close:
	if (p)
		pcap_close(p);
}

/* ---- end to end ------------------------------------------------------------------ */

/*
 * Run argv with stdout and stderr to /dev/null: the CPU seconds (user and
 * system) it took, or -1 when it failed.
 */
static double run_cmd(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	int st = -1;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Whole files a and b are equal: 1, else 0. */
static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	char x[65536], y[65536];
	size_t na, nb;
	int same = fa && fb;

	while (same) {
		na = fread(x, 1, sizeof(x), fa);
		nb = fread(y, 1, sizeof(y), fb);
		same = na == nb && !memcmp(x, y, na);
		if (!na)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void end_to_end(const char *cap, const char *expr, size_t n, int first)
{
	char out_t[4096], out_u[4096];
	char *targv[] = { "tcpdump", "-r", (char *)cap, "-w", out_t,
			  (char *)expr, NULL };
	char *uargv[] = { (char *)opt.ubee, "filter", (char *)expr, "-r",
			  (char *)cap, "-w", out_u, NULL };
	double bt = 0, bu = 0;

	snprintf(out_t, sizeof(out_t), "%s/e2e-tcpdump.pcap", opt.out_dir);
	snprintf(out_u, sizeof(out_u), "%s/e2e-ubee.pcap", opt.out_dir);
	for (unsigned pass = 0; pass < opt.passes; pass++) {
		double t = run_cmd(targv), u = run_cmd(uargv);

		if (t < 0 || u < 0) {
			fail("'%s': %s failed", expr, t < 0 ? "tcpdump" : "ubee filter");
			return;
		}
		if (!bt || t < bt)
			bt = t;
		if (!bu || u < bu)
			bu = u;
	}
	if (!same_file(out_t, out_u))
		fail("'%s': ubee filter's output differs from tcpdump's", expr);
	printf("%-40.40s %12.3f %12.3f %9.2fx %10.2f %10.2f\n", expr, bt, bu,
	       bu / bt, (double)n / bt / 1e6, (double)n / bu / 1e6);
	if (json)
		fprintf(json, "%s{\"expr\":\"%s\",\"tcpdump_s\":%.4f,\"ubee_s\":%.4f,"
			"\"ubee_over_tcpdump\":%.3f}", first ? "" : ",", expr, bt,
			bu, bu / bt);
}

/* ---- main ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: pkt_harness --obj DIR --out DIR [--ubee PATH] [--json FILE]\n"
		"                   [--packets N] [--passes N] [--samples N] [--repeat N]\n"
		"                   [--filters] [--keep]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "obj", required_argument, NULL, 'o' },
		{ "out", required_argument, NULL, 'd' },
		{ "ubee", required_argument, NULL, 'u' },
		{ "json", required_argument, NULL, 'j' },
		{ "packets", required_argument, NULL, 'n' },
		{ "passes", required_argument, NULL, 'p' },
		{ "samples", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "filters", no_argument, NULL, 'f' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o': opt.obj_dir = optarg; break;
		case 'd': opt.out_dir = optarg; break;
		case 'u': opt.ubee = optarg; break;
		case 'j': opt.json = optarg; break;
		case 'n': opt.packets = strtoul(optarg, NULL, 0); break;
		case 'p': opt.passes = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': opt.samples = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': opt.repeat = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'f': opt.filters_only = 1; break;
		case 'k': opt.keep = 1; break;
		default: usage();
		}
	}
	if (!opt.obj_dir || !opt.out_dir || optind != argc || !opt.passes ||
	    !opt.repeat || !opt.samples || opt.packets < opt.samples)
		usage();
}

/*
 * Parts 2 and 3: XDP from memory and per run against the kernel. 0, or
 * -1 when a program cannot be loaded.
 */
static int xdp_part(const struct capture *mix, const struct capture *small)
{
	struct uprog drop = { .name = "drop", .func = "xdp_drop" };
	struct uprog fw = { .name = "fw", .func = "xdp_fw" };
	struct uprog *progs[] = { &drop, &fw };
	double pps_mix[2] = { 0 }, pps_small = 0, u_ns[2] = { 0 }, k_ns[2] = { 0 };
	uint64_t drops[2] = { 0 }, small_drops = 0;
	uint64_t *urets = calloc(opt.samples, sizeof(*urets));
	uint64_t *krets = calloc(opt.samples, sizeof(*krets));
	int have_kernel = 0, ret = -1;

	if (!urets || !krets)
		goto out;
	if (ubee_load(&drop) || ubee_load(&fw) || ubee_fill_rules(&fw))
		goto out;
	for (int i = 0; i < 2; i++)
		pps_mix[i] = ubee_pps(progs[i], mix, &drops[i]);
	pps_small = ubee_pps(&drop, small, &small_drops);

#ifndef BENCH_NO_LIBBPF
	libbpf_set_print(libbpf_quiet);
	{
		struct kprog kd = { 0 }, kf = { 0 };
		struct kprog *kp[] = { &kd, &kf };

		if (kernel_load("drop", "xdp_drop", &kd) ||
		    kernel_load("fw", "xdp_fw", &kf) || kernel_fill_rules(&kf))
			printf("(no kernel column: cannot load into the kernel: %s)\n\n",
			       strerror(errno));
		else
			have_kernel = 1;
		for (int i = 0; i < 2; i++) {
			u_ns[i] = ubee_repeat(progs[i], mix, urets);
			if (!have_kernel)
				continue;
			k_ns[i] = kernel_repeat(kp[i], mix, krets);
			if (k_ns[i] < 0) {
				printf("(no kernel column: BPF_PROG_TEST_RUN: %s)\n\n",
				       strerror((int)-k_ns[i]));
				have_kernel = 0;
				continue;
			}
			for (unsigned s = 0; s < opt.samples; s++)
				if (urets[s] != krets[s]) {
					fail("%s: sample %u: ubee returns %llu, the kernel %llu",
					     progs[i]->name, s,
					     (unsigned long long)urets[s],
					     (unsigned long long)krets[s]);
					break;
				}
		}
		bpf_object__close(kd.obj);
		bpf_object__close(kf.obj);
	}
#else
	for (int i = 0; i < 2; i++)
		u_ns[i] = ubee_repeat(progs[i], mix, urets);
#endif

	printf("XDP from memory (ubee_pktio_runner_process, engine %s)\n",
	       ubee_engine_name(UBEE_ENGINE_DEFAULT));
	printf("%-14s %-8s %12s %10s\n", "program", "capture", "Mpps", "ns/pkt");
	printf("%-14s %-8s %12.2f %10.1f\n", "drop", "60-byte", pps_small / 1e6,
	       1e9 / pps_small);
	for (int i = 0; i < 2; i++)
		printf("%-14s %-8s %12.2f %10.1f   (dropped %llu)\n", progs[i]->name,
		       "mix", pps_mix[i] / 1e6, 1e9 / pps_mix[i],
		       (unsigned long long)drops[i]);
	printf("\nper run, %u sampled packets x %u repeats (kernel: BPF_PROG_TEST_RUN's duration)\n",
	       opt.samples, opt.repeat);
	printf("%-14s %12s %12s %12s\n", "program", "ubee ns", "kernel ns", "ubee/kernel");
	for (int i = 0; i < 2; i++) {
		if (have_kernel)
			printf("%-14s %12.1f %12.1f %11.2fx\n", progs[i]->name, u_ns[i],
			       k_ns[i], u_ns[i] / k_ns[i]);
		else
			printf("%-14s %12.1f %12s %12s\n", progs[i]->name, u_ns[i], "-", "-");
	}
	if (json) {
		fprintf(json, ",\"xdp\":{\"drop\":{\"small_pps\":%.0f,\"mix_pps\":%.0f,"
			"\"run_ns\":%.2f", pps_small, pps_mix[0], u_ns[0]);
		if (have_kernel)
			fprintf(json, ",\"kernel_run_ns\":%.2f", k_ns[0]);
		fprintf(json, "},\"fw\":{\"mix_pps\":%.0f,\"run_ns\":%.2f", pps_mix[1],
			u_ns[1]);
		if (have_kernel)
			fprintf(json, ",\"kernel_run_ns\":%.2f", k_ns[1]);
		fprintf(json, "}}");
	}
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		ubee_pktio_runner_free(progs[i]->runner);
		ubee_object_free(progs[i]->obj);
	}
	free(urets);
	free(krets);
	return ret;
}

int main(int argc, char **argv)
{
	struct capture mix, small;
	char cap[4096];

	parse_args(argc, argv);
	make_flows();
	make_rules();
	if (make_mix(&mix, opt.packets) ||
	    (!opt.filters_only && make_small(&small, opt.packets)))
		return 1;
	snprintf(cap, sizeof(cap), "%s/mix.pcap", opt.out_dir);
	if (write_pcap(&mix, cap))
		return 1;
	if (opt.json) {
		json = fopen(opt.json, "w");
		if (!json) {
			fail("%s: %s", opt.json, strerror(errno));
			return 1;
		}
		fprintf(json, "{\"packets\":%zu,\"mix_bytes\":%zu,\"passes\":%u,"
			"\"samples\":%u,\"repeat\":%u,\"engine\":\"%s\"", mix.n,
			mix.bytes, opt.passes, opt.samples, opt.repeat,
			ubee_engine_name(UBEE_ENGINE_DEFAULT));
	}
	printf("packet path: %zu packets in memory (mix: %.0f bytes on average), "
	       "best of %u passes\n\n", mix.n, (double)mix.bytes / (double)mix.n,
	       opt.passes);
	if (!opt.filters_only && xdp_part(&mix, &small))
		return 1;
	if (json)
		fprintf(json, ",\"filter\":[");
	printf("\nclassic filters alone, ns per packet (libpcap: bpf_filter; ubee: JIT, batches of %d);\n"
	       "warm: %d packets cycled (in the caches); capture: every packet once\n",
	       FILTER_BATCH, WARM_PACKETS);
	printf("own: the warm ratio less the baseline's ns on both sides (the hand-over)\n");
	printf("%-40s %9s %8s %8s %8s %7s %8s %8s %8s\n", "expression", "selected",
	       "pcap", "ubee", "speedup", "own", "pcap", "ubee", "speedup");
	printf("%-40s %9s %8s %8s %8s %7s %8s %8s %8s\n", "", "", "warm", "warm", "",
	       "", "capture", "capture", "");
	{
		double base[2] = { 0, 0 };

		filter_alone(&mix, "", 1, NULL, base);
		for (size_t e = 0; e < NEXPRS; e++)
			filter_alone(&mix, exprs[e], 0, base, NULL);
	}
	if (json)
		fprintf(json, "],\"end_to_end\":[");

	if (opt.ubee && run_cmd((char *const[]){ "tcpdump", "--version", NULL }) >= 0) {
		printf("\nend to end: tcpdump -r mix.pcap -w OUT EXPR vs ubee filter EXPR -r mix.pcap -w OUT\n");
		printf("%-40s %12s %12s %10s %10s %10s\n", "expression", "tcpdump s",
		       "ubee s", "ubee/tcpd", "tcpd Mpps", "ubee Mpps");
		for (size_t e = 0; e < NEXPRS; e++)
			end_to_end(cap, exprs[e], mix.n, !e);
	} else {
		printf("\n(no end-to-end rows: %s)\n", opt.ubee ? "no tcpdump" : "no --ubee");
	}
	if (json) {
		fprintf(json, "]}\n");
		fclose(json);
	}
	/* The capture and the outputs are large: gone once compared. */
	if (!opt.keep)
		unlink(cap);
	snprintf(cap, sizeof(cap), "%s/e2e-tcpdump.pcap", opt.out_dir);
	unlink(cap);
	snprintf(cap, sizeof(cap), "%s/e2e-ubee.pcap", opt.out_dir);
	unlink(cap);
	return failed;
}
