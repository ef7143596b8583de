// SPDX-License-Identifier: MIT
/*
 * The packet path (src/pktio): the pcap/pcapng reader on well-formed,
 * truncated and malformed captures (errors name the packet and the byte
 * offset), the pcap writer (round trips in micro- and nanoseconds), the
 * runner's verdicts for xdp, tc and socket filters (actions, invalid
 * values, failed runs, redirects through bpf_redirect, devmap, devmap
 * broadcast and xskmap, adjust_head output, socket-filter truncation in
 * L2 and L3 views), its reuse of one context (no allocation per packet),
 * devmap/xskmap operations with the kernel's error codes, and the XDP
 * verdicts and output packets against the kernel's BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbpf.h"
#include "test.h"
#include "ubee/map.h"
#include "ubee/pktio.h"
#include "ubee/progtype.h"
#include "util/util.h"

#define N(a) UBEE_ARRAY_SIZE(a)
#define I(c, d, s, o, i)                                                      \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define LDDW(d, v)                                                            \
	I(0x18, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                   \
	I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define MOV_K(d, k) I(0xb7, d, 0, 0, k)
#define MOV_X(d, s) I(0xbf, d, s, 0, 0)
#define ADD_K(d, k) I(0x07, d, 0, 0, k)
#define LDX_W(d, s, o) I(0x61, d, s, o, 0)
#define LDX_B(d, s, o) I(0x71, d, s, o, 0)
#define ST_W(d, o, k) I(0x62, d, 0, o, k)
#define JGT_X(d, s, o) I(0x2d, d, s, o, 0)
#define CALL(id) I(0x85, 0, 0, 0, id)
#define EXIT I(0x95, 0, 0, 0, 0)

#define FN_REDIRECT 23
#define FN_XDP_ADJUST_HEAD 44
#define FN_REDIRECT_MAP 51

static char logbuf[4096];
static struct ubee_log lg;

/* ---- capture bytes built here ------------------------------------------ */

struct buf {
	uint8_t b[8192];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put16(struct buf *b, uint16_t v)
{
	put(b, &v, 2);
}

/* A frame of len bytes: Ethernet (type 0x0800) then bytes i * 7 + seed. */
static void frame(uint8_t *f, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seed);
	if (len >= 14) {
		f[12] = 0x08;
		f[13] = 0x00;
	}
}

static void pcap_hdr(struct buf *b, uint32_t magic, uint32_t snap)
{
	put32(b, magic);
	put16(b, 2);
	put16(b, 4);
	put32(b, 0);
	put32(b, 0);
	put32(b, snap);
	put32(b, 1);
}

static void pcap_rec(struct buf *b, uint32_t sec, uint32_t sub,
		     const uint8_t *d, uint32_t caplen, uint32_t len)
{
	put32(b, sec);
	put32(b, sub);
	put32(b, caplen);
	put32(b, len);
	put(b, d, caplen);
}

/* Three records: 60, 100 (wire 1500) and 42 bytes. */
static void three(struct buf *b, uint32_t magic)
{
	uint8_t f[100];

	b->n = 0;
	pcap_hdr(b, magic, 65535);
	frame(f, 60, 1);
	pcap_rec(b, 1700000000, 5, f, 60, 60);
	frame(f, 100, 2);
	pcap_rec(b, 1700000001, 999, f, 100, 1500);
	frame(f, 42, 3);
	pcap_rec(b, 1700000002, 0, f, 42, 42);
}

static void read_pcap(void)
{
	struct ubee_pcap_reader *r;
	struct ubee_packet p;
	struct buf b;
	uint8_t f[100];
	int rc;

	three(&b, 0xa1b2c3d4);
	rc = ubee_pcap_open_mem(b.b, b.n, &r, &lg);
	T_CHECK(rc == 0, "open: %d %s", rc, logbuf);
	if (rc)
		return;
	T_EQ_U64(ubee_pcap_linktype(r), 1);
	T_EQ_U64(ubee_pcap_snaplen(r), 65535);
	T_EQ_U64(ubee_pcap_nanosecond(r), 0);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	frame(f, 60, 1);
	T_EQ_U64(p.len, 60);
	T_EQ_U64(p.wire_len, 60);
	T_EQ_U64(p.index, 1);
	T_EQ_U64(p.ts_ns, 1700000000ull * 1000000000 + 5000);
	T_CHECK(!memcmp(p.data, f, 60), "bytes of packet 1");
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_EQ_U64(p.len, 100);
	T_EQ_U64(p.wire_len, 1500);
	T_EQ_U64(p.ts_ns, 1700000001ull * 1000000000 + 999000);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_EQ_U64(p.index, 3);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 0);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 0);
	ubee_pcap_close(r);
}

static void read_pcap_nsec_big_endian(void)
{
	struct ubee_pcap_reader *r;
	struct ubee_packet p;
	struct buf b = { .n = 0 };
	uint8_t f[60];
	uint32_t h[6] = { 0x4d3cb2a1, 0x04000200, 0, 0, 0xffff0000, 0x01000000 };
	uint32_t rec[4] = { __builtin_bswap32(1700000000), __builtin_bswap32(123456789),
			    __builtin_bswap32(60), __builtin_bswap32(60) };

	put(&b, h, sizeof(h));
	put(&b, rec, sizeof(rec));
	frame(f, 60, 9);
	put(&b, f, 60);
	T_CHECK(ubee_pcap_open_mem(b.b, b.n, &r, &lg) == 0, "open: %s", logbuf);
	if (!t_ok())
		return;
	T_EQ_U64(ubee_pcap_nanosecond(r), 1);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_EQ_U64(p.ts_ns, 1700000000ull * 1000000000 + 123456789);
	T_CHECK(p.len == 60 && !memcmp(p.data, f, 60), "bytes");
	ubee_pcap_close(r);
}

/* SHB, IDB (tsresol default: us), EPB x2, SPB is not written. */
static void read_pcapng(void)
{
	struct ubee_pcap_reader *r;
	struct ubee_packet p;
	struct buf b = { .n = 0 };
	uint8_t f[64];
	uint64_t ts = 1700000000ull * 1000000 + 42;

	put32(&b, 0x0a0d0d0a); put32(&b, 28); put32(&b, 0x1a2b3c4d);
	put16(&b, 1); put16(&b, 0); put32(&b, 0xffffffff); put32(&b, 0xffffffff);
	put32(&b, 28);
	put32(&b, 1); put32(&b, 20); put16(&b, 1); put16(&b, 0); put32(&b, 262144);
	put32(&b, 20);
	for (int k = 0; k < 2; k++) {
		frame(f, 62, (uint8_t)(k + 4));
		put32(&b, 6); put32(&b, 32 + 64); put32(&b, 0);
		put32(&b, (uint32_t)(ts >> 32)); put32(&b, (uint32_t)ts);
		put32(&b, 62); put32(&b, 62 + k);
		f[62] = f[63] = 0;
		put(&b, f, 64);
		put32(&b, 32 + 64);
	}
	T_CHECK(ubee_pcap_open_mem(b.b, b.n, &r, &lg) == 0, "open: %s", logbuf);
	if (!t_ok())
		return;
	T_EQ_U64(ubee_pcap_linktype(r), 1);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	frame(f, 62, 4);
	T_CHECK(p.len == 62 && p.wire_len == 62 && !memcmp(p.data, f, 62), "packet 1");
	T_EQ_U64(p.ts_ns, ts * 1000);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_EQ_U64(p.wire_len, 63);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 0);
	ubee_pcap_close(r);
}

/* A capture cut inside record 3: two packets, then the error. */
static void truncated_file(void)
{
	struct ubee_pcap_reader *r;
	struct ubee_packet p;
	struct buf b;
	int rc;

	three(&b, 0xa1b2c3d4);
	b.n -= 5;
	T_CHECK(ubee_pcap_open_mem(b.b, b.n, &r, &lg) == 0, "open: %s", logbuf);
	if (!t_ok())
		return;
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	lg.len = 0;
	rc = ubee_pcap_next(r, &p, &lg);
	T_EQ_U64(rc, -EINVAL);
	/* 24 header + (16 + 60) + (16 + 100) = 216 */
	T_CHECK(strstr(logbuf, "packet 3 (byte offset 216): ") &&
		strstr(logbuf, "truncated"), "log: %s", logbuf);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), -EINVAL);
	ubee_pcap_close(r);

	/* Cut inside a record header. */
	three(&b, 0xa1b2c3d4);
	b.n = 24 + 16 + 60 + 7;
	T_CHECK(ubee_pcap_open_mem(b.b, b.n, &r, &lg) == 0, "open: %s", logbuf);
	if (!t_ok())
		return;
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	lg.len = 0;
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), -EINVAL);
	T_CHECK(strstr(logbuf, "packet 2 (byte offset 100): "), "log: %s", logbuf);
	ubee_pcap_close(r);
}

static void bad_files(void)
{
	struct ubee_pcap_reader *r = (void *)1;
	struct ubee_packet p;
	struct buf b;
	uint32_t *caplen;

	three(&b, 0x12345678);
	lg.len = 0;
	T_EQ_U64(ubee_pcap_open_mem(b.b, b.n, &r, &lg), -EINVAL);
	T_CHECK(r == NULL, "no reader");
	T_CHECK(strstr(logbuf, "not a capture libpcap can read: ") &&
		strstr(logbuf, "format"), "log: %s", logbuf);
	three(&b, 0xa1b2c3d4);
	lg.len = 0;
	T_EQ_U64(ubee_pcap_open_mem(b.b, 10, &r, &lg), -EINVAL);
	T_CHECK(strstr(logbuf, "truncated"), "log: %s", logbuf);
	lg.len = 0;
	T_EQ_U64(ubee_pcap_open_mem(b.b, 0, &r, &lg), -EINVAL);
	T_EQ_U64(ubee_pcap_open("/nonexistent/x.pcap", &r, &lg), -ENOENT);

	/* Record 2 claims 2 GiB captured: libpcap refuses it. */
	three(&b, 0xa1b2c3d4);
	caplen = (uint32_t *)(b.b + 24 + 16 + 60 + 8);
	*caplen = 0x7ffffff0;
	T_CHECK(ubee_pcap_open_mem(b.b, b.n, &r, &lg) == 0, "open: %s", logbuf);
	if (!t_ok())
		return;
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	lg.len = 0;
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), -EINVAL);
	T_CHECK(strstr(logbuf, "packet 2 (byte offset 100): "), "log: %s", logbuf);
	ubee_pcap_close(r);
}

/* caplen over len: taken, wire_len raised, counted. */
static void caplen_over_len(void)
{
	struct ubee_pcap_reader *r;
	struct ubee_packet p;
	struct buf b = { .n = 0 };
	uint8_t f[60];

	pcap_hdr(&b, 0xa1b2c3d4, 65535);
	frame(f, 60, 0);
	pcap_rec(&b, 1, 0, f, 60, 40);
	T_CHECK(ubee_pcap_open_mem(b.b, b.n, &r, &lg) == 0, "open: %s", logbuf);
	if (!t_ok())
		return;
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_EQ_U64(p.len, 60);
	T_EQ_U64(p.wire_len, 60);
	T_EQ_U64(ubee_pcap_anomalies(r), 1);
	ubee_pcap_close(r);
}

static void write_roundtrip(int nsec)
{
	char path[] = "/tmp/ubee_pktio_XXXXXX";
	struct ubee_pcap_writer *w;
	struct ubee_pcap_reader *r;
	struct ubee_packet in = { .len = 60, .wire_len = 70,
				  .ts_ns = 1700000000ull * 1000000000 + 123456789 };
	struct ubee_packet p;
	uint8_t f[80];
	int fd = mkstemp(path);

	T_CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	close(fd);
	frame(f, 80, 5);
	T_CHECK(ubee_pcap_create(path, 1, 1000, nsec, &w, &lg) == 0, "create: %s", logbuf);
	if (!t_ok())
		goto out;
	/* The program grew the packet to 80: the 10 missing bytes stay missing. */
	T_EQ_U64(ubee_pcap_write(w, &in, f, 80), 0);
	T_EQ_U64(ubee_pcap_write(w, &in, f, 20), 0);
	T_EQ_U64(ubee_pcap_writer_close(w, &lg), 0);
	T_CHECK(ubee_pcap_open(path, &r, &lg) == 0, "reopen: %s", logbuf);
	if (!t_ok())
		goto out;
	T_EQ_U64(ubee_pcap_snaplen(r), 1000);
	T_EQ_U64(ubee_pcap_nanosecond(r), nsec);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_CHECK(p.len == 80 && p.wire_len == 90 && !memcmp(p.data, f, 80), "record 1");
	T_EQ_U64(p.ts_ns, nsec ? in.ts_ns : in.ts_ns - 789);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 1);
	T_CHECK(p.len == 20 && p.wire_len == 30, "record 2: %u/%u", p.len, p.wire_len);
	T_EQ_U64(ubee_pcap_next(r, &p, &lg), 0);
	ubee_pcap_close(r);
out:
	unlink(path);
}

static void write_usec(void)
{
	write_roundtrip(0);
}

static void write_nsec(void)
{
	write_roundtrip(1);
}

static void write_bad_path(void)
{
	struct ubee_pcap_writer *w = (void *)1;

	lg.len = 0;
	T_CHECK(ubee_pcap_create("/nonexistent/dir/out.pcap", 1, 0, 0, &w, &lg) < 0,
		"refused");
	T_CHECK(w == NULL && strstr(logbuf, "/nonexistent/dir/out.pcap"), "log: %s",
		logbuf);
}

/* ---- runners ---------------------------------------------------------- */

static struct ubee_prog *load(uint32_t type, const struct ubee_insn *insns,
			      size_t n, struct ubee_map **maps, size_t nr_maps)
{
	/* Hand-written runner tests (raw map addresses, faulting programs):
	 * unverified; the runner runs them checked. */
	struct ubee_prog_opts po = { .sz = sizeof(po), .prog_type = type,
				     .maps = maps, .nr_maps = nr_maps,
				     .flags = UBEE_PROG_NO_VERIFY };
	struct ubee_prog *prog = NULL;
	int err;

	lg.len = 0;
	err = ubee_prog_load(insns, n, &po, &prog, &lg);
	T_CHECK(err == 0, "load: %d %s", err, logbuf);
	return prog;
}

static struct ubee_pktio_runner *runner(const struct ubee_prog *prog,
					int sock_l3)
{
	struct ubee_pktio_runner_opts o = { .sz = sizeof(o), .ifindex = 9,
					    .sock_l3 = sock_l3 };
	struct ubee_pktio_runner *r = NULL;
	int err;

	if (!prog)
		return NULL;
	lg.len = 0;
	err = ubee_pktio_runner_new(prog, &o, &r, &lg);
	T_CHECK(err == 0, "runner: %d %s", err, logbuf);
	return r;
}

/* XDP: the action is packet byte 14 (DROP when the packet is shorter). */
static const struct ubee_insn xdp_byte14[] = {
	LDX_W(2, 1, 0), LDX_W(3, 1, 4),
	MOV_X(4, 2), ADD_K(4, 15), JGT_X(4, 3, 2),
	LDX_B(0, 2, 14), EXIT,
	MOV_K(0, 1), EXIT,
};

static int process(struct ubee_pktio_runner *r, const uint8_t *d, size_t len,
		   uint64_t index, struct ubee_pktio_verdict *v)
{
	struct ubee_packet p = { .data = d, .len = (uint32_t)len,
				 .wire_len = (uint32_t)len, .index = index };

	lg.len = 0;
	return ubee_pktio_runner_process(r, &p, v, &lg);
}

/*
 * A 64-byte frame (frame(f, 64, 0)) through a new program of type made of
 * insns (maps: what its lddw addresses name) under a new runner. *v gets
 * the verdict, data NULL: the packet went with the runner. Returns the
 * runner's status, or -1 when the program or the runner could not be
 * made (a failed check is recorded).
 */
static int verdict_of(uint32_t type, const struct ubee_insn *insns, size_t n,
		      struct ubee_map **maps, size_t nr_maps,
		      struct ubee_pktio_verdict *v)
{
	struct ubee_prog *prog = load(type, insns, n, maps, nr_maps);
	struct ubee_pktio_runner *r = runner(prog, 0);
	uint8_t f[64];
	int err = -1;

	memset(v, 0, sizeof(*v));
	if (r) {
		frame(f, sizeof(f), 0);
		err = process(r, f, sizeof(f), 1, v);
		v->data = NULL;
	}
	ubee_pktio_runner_free(r);
	ubee_prog_free(prog);
	return err;
}

static void xdp_actions(void)
{
	static const enum ubee_pktio_action want[] = {
		UBEE_PKTIO_ABORTED, UBEE_PKTIO_DROP, UBEE_PKTIO_PASS,
		UBEE_PKTIO_TX, UBEE_PKTIO_ABORTED /* REDIRECT, no target */,
		UBEE_PKTIO_ABORTED /* 5: invalid */,
	};
	struct ubee_prog *prog = load(UBEE_PROG_TYPE_XDP, xdp_byte14, N(xdp_byte14), NULL, 0);
	struct ubee_pktio_runner *r = runner(prog, 0);
	const struct ubee_pktio_stats *s;
	struct ubee_pktio_verdict v;
	uint8_t f[64];

	if (!r)
		goto out;
	for (unsigned a = 0; a < N(want); a++) {
		frame(f, 64, 0);
		f[14] = (uint8_t)a;
		T_EQ_U64(process(r, f, 64, a + 1, &v), 0);
		T_CHECK(v.action == want[a], "action %u: got %s", a,
			ubee_pktio_action_name(v.action));
		T_EQ_U64(v.retval, a);
		T_CHECK(v.len == 64 && !memcmp(v.data, f, 64), "data %u", a);
	}
	/* 14 bytes: the program's bounds check drops it. */
	T_EQ_U64(process(r, f, 14, 7, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_DROP, "short: %d", v.action);
	/* 10 bytes: no context takes it. */
	T_EQ_U64(process(r, f, 10, 8, &v), -EINVAL);
	T_CHECK(strstr(logbuf, "packet 8: ") && strstr(logbuf, "Ethernet"), "log: %s", logbuf);
	s = ubee_pktio_runner_stats(r);
	T_EQ_U64(s->packets, 7);
	T_EQ_U64(s->skipped, 1);
	T_EQ_U64(s->action[UBEE_PKTIO_ABORTED], 3);
	T_EQ_U64(s->action[UBEE_PKTIO_DROP], 2);
	T_EQ_U64(s->action[UBEE_PKTIO_PASS], 1);
	T_EQ_U64(s->action[UBEE_PKTIO_TX], 1);
	T_EQ_U64(s->invalid, 1);
	T_EQ_U64(s->retval[0 + 1], 1);
	T_EQ_U64(s->retval[1 + 1], 2);
	T_EQ_U64(s->retval[5 + 1], 1);
	T_EQ_U64(s->bytes, 6 * 64 + 14);
out:
	ubee_pktio_runner_free(r);
	ubee_prog_free(prog);
}

/* A checked run that faults: aborted, counted, logged with the packet. */
static void xdp_fault(void)
{
	static const struct ubee_insn p[] = {
		LDX_W(2, 1, 0), LDX_B(0, 2, 3000), EXIT,
	};
	struct ubee_prog *prog = load(UBEE_PROG_TYPE_XDP, p, N(p), NULL, 0);
	struct ubee_pktio_runner *r = runner(prog, 0);
	struct ubee_pktio_verdict v;
	uint8_t f[64];

	if (!r)
		goto out;
	frame(f, 64, 0);
	T_EQ_U64(process(r, f, 64, 42, &v), -EFAULT);
	T_CHECK(v.action == UBEE_PKTIO_ABORTED, "aborted");
	T_CHECK(!strncmp(logbuf, "packet 42: 1: ", 14), "log: %s", logbuf);
	T_EQ_U64(ubee_pktio_runner_stats(r)->errors, 1);
	T_EQ_U64(ubee_pktio_runner_stats(r)->action[UBEE_PKTIO_ABORTED], 1);
	/* A packet long enough runs normally: the context survived. */
	{
		uint8_t big[4000];

		frame(big, sizeof(big), 1);
		T_EQ_U64(process(r, big, sizeof(big), 44, &v), 0);
		T_EQ_U64(v.retval, big[3000]);
	}
out:
	ubee_pktio_runner_free(r);
	ubee_prog_free(prog);
}

/* adjust_head(-4) then 0xaaaaaaaa at the new start: the output grew. */
static void xdp_adjust_head(void)
{
	static const struct ubee_insn p[] = {
		MOV_X(6, 1), MOV_K(2, -4), CALL(FN_XDP_ADJUST_HEAD),
		LDX_W(2, 6, 0), LDX_W(3, 6, 4), MOV_X(4, 2), ADD_K(4, 4),
		JGT_X(4, 3, 1), ST_W(2, 0, (int32_t)0xaaaaaaaa),
		MOV_K(0, 2), EXIT,
	};
	struct ubee_prog *prog = load(UBEE_PROG_TYPE_XDP, p, N(p), NULL, 0);
	struct ubee_pktio_runner *r = runner(prog, 0);
	struct ubee_pktio_verdict v;
	uint8_t f[64];

	if (!r)
		goto out;
	for (int k = 0; k < 3; k++) {
		frame(f, 64, (uint8_t)k);
		T_EQ_U64(process(r, f, 64, 1, &v), 0);
		T_CHECK(v.action == UBEE_PKTIO_PASS && v.len == 68, "len %zu", v.len);
		T_CHECK(!memcmp(v.data, "\xaa\xaa\xaa\xaa", 4) &&
			!memcmp(v.data + 4, f, 64), "bytes %d", k);
	}
out:
	ubee_pktio_runner_free(r);
	ubee_prog_free(prog);
}

static void xdp_redirect_ifindex(void)
{
	static const struct ubee_insn p[] = {
		MOV_K(1, 7), MOV_K(2, 0), CALL(FN_REDIRECT), EXIT,
	};
	struct ubee_pktio_verdict v;

	T_EQ_U64(verdict_of(UBEE_PROG_TYPE_XDP, p, N(p), NULL, 0, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_REDIRECT && v.target == UBEE_PKTIO_TO_IFINDEX &&
		v.ifindex == 7 && v.len == 64, "verdict %d/%d/%u", v.action,
		v.target, v.ifindex);
}

static struct ubee_map *mkmap(uint32_t type, uint32_t vs, uint32_t max)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = type, .key_size = 4,
				   .value_size = vs, .max_entries = max };
	struct ubee_map *m;

	lg.len = 0;
	m = ubee_map_new(&s, &lg);
	T_CHECK(m != NULL, "map type %u: %s", type, logbuf);
	return m;
}

/* The verdict of bpf_redirect_map(map, key, flags) (verdict_of). */
static int redirect_map_verdict(struct ubee_map *m, uint32_t key, uint32_t flags,
				struct ubee_pktio_verdict *v)
{
	struct ubee_insn p[] = {
		LDDW(1, (uintptr_t)m), MOV_K(2, (int32_t)key),
		MOV_K(3, (int32_t)flags), CALL(FN_REDIRECT_MAP), EXIT,
	};

	return verdict_of(UBEE_PROG_TYPE_XDP, p, N(p), &m, 1, v);
}

static void xdp_redirect_devmap(void)
{
	struct ubee_map *m = mkmap(UBEE_MAP_DEVMAP, 4, 8);
	struct ubee_map *h = mkmap(UBEE_MAP_DEVMAP_HASH, 8, 8);
	struct ubee_pktio_verdict v;
	uint32_t k, val, ifs[8];
	uint32_t hv[2] = { 11, 0 };

	if (!m || !h)
		goto out;
	k = 3; val = 5;
	T_EQ_U64(ubee_map_update(m, &k, &val, 0), 0);
	k = 6; val = 9;
	T_EQ_U64(ubee_map_update(m, &k, &val, 0), 0);
	k = 1000;
	T_EQ_U64(ubee_map_update(h, &k, hv, 0), 0);

	T_EQ_U64(redirect_map_verdict(m, 3, 0, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_REDIRECT && v.target == UBEE_PKTIO_TO_IFINDEX &&
		v.ifindex == 5, "devmap slot 3: %d/%d/%u", v.action, v.target, v.ifindex);

	/* An empty slot: the fallback action in the flags (XDP_PASS). */
	T_EQ_U64(redirect_map_verdict(m, 4, 2, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_PASS && v.retval == 2, "empty slot: %d", v.action);

	/* Broadcast, excluding the ingress interface (9). */
	T_EQ_U64(redirect_map_verdict(m, 0, (1u << 3) | (1u << 4), &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_REDIRECT && v.target == UBEE_PKTIO_TO_BROADCAST &&
		v.map == m, "broadcast: %d/%d", v.action, v.target);
	T_EQ_U64(ubee_pktio_devmap_targets(m, 9, ifs, 8), 1);
	T_EQ_U64(ifs[0], 5);
	T_EQ_U64(ubee_pktio_devmap_targets(m, 0, ifs, 8), 2);

	T_EQ_U64(redirect_map_verdict(h, 1000, 0, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_REDIRECT && v.ifindex == 11,
		"devmap_hash: %d/%u", v.action, v.ifindex);
out:
	ubee_map_put(m);
	ubee_map_put(h);
}

static void xdp_redirect_xsk(void)
{
	struct ubee_map *m = mkmap(UBEE_MAP_XSKMAP, 4, 4);
	struct ubee_pktio_verdict v;
	uint32_t k = 2, fd = 77;

	if (!m)
		return;
	T_EQ_U64(ubee_map_update(m, &k, &fd, 0), 0);
	T_EQ_U64(redirect_map_verdict(m, 2, 0, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_REDIRECT && v.target == UBEE_PKTIO_TO_XSK &&
		v.key == 2, "xsk: %d/%d/%u", v.action, v.target, v.key);
	/* Broadcast is for devmaps: XDP_ABORTED. */
	T_EQ_U64(redirect_map_verdict(m, 2, 1u << 3, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_ABORTED && v.retval == 0, "flags: %d", v.action);
	ubee_map_put(m);
}

static struct ubee_prog *ret_prog(uint32_t type, int32_t k)
{
	struct ubee_insn p[] = { MOV_K(0, k), EXIT };

	return load(type, p, N(p), NULL, 0);
}

static void tc_verdicts(void)
{
	static const struct {
		int32_t ret;
		enum ubee_pktio_action want;
	} c[] = {
		{ -1, UBEE_PKTIO_PASS }, { 0, UBEE_PKTIO_PASS }, { 1, UBEE_PKTIO_PASS },
		{ 2, UBEE_PKTIO_DROP }, { 3, UBEE_PKTIO_PASS }, { 4, UBEE_PKTIO_DROP },
		{ 5, UBEE_PKTIO_DROP }, { 6, UBEE_PKTIO_PASS },
		{ 7, UBEE_PKTIO_DROP } /* REDIRECT with no target */,
		{ 8, UBEE_PKTIO_DROP }, { 99, UBEE_PKTIO_PASS },
	};
	struct ubee_pktio_verdict v;
	uint8_t f[64];

	frame(f, 64, 0);
	for (size_t i = 0; i < N(c); i++) {
		struct ubee_prog *prog = ret_prog(UBEE_PROG_TYPE_SCHED_CLS, c[i].ret);
		struct ubee_pktio_runner *r = runner(prog, 0);

		if (r) {
			T_EQ_U64(process(r, f, 64, 1, &v), 0);
			T_CHECK(v.action == c[i].want, "ret %d: %s", c[i].ret,
				ubee_pktio_action_name(v.action));
			T_CHECK(v.len == 64 && !memcmp(v.data, f, 64), "data");
			T_EQ_U64(ubee_pktio_runner_stats(r)->retval_other, c[i].ret == 99);
		}
		ubee_pktio_runner_free(r);
		ubee_prog_free(prog);
	}
}

/* tc: bpf_redirect(3, BPF_F_INGRESS) then TC_ACT_REDIRECT. */
static void tc_redirect(void)
{
	static const struct ubee_insn p[] = {
		MOV_K(1, 3), MOV_K(2, 1), CALL(FN_REDIRECT), EXIT,
	};
	struct ubee_pktio_verdict v;

	T_EQ_U64(verdict_of(UBEE_PROG_TYPE_SCHED_CLS, p, N(p), NULL, 0, &v), 0);
	T_CHECK(v.action == UBEE_PKTIO_REDIRECT && v.retval == 7 && v.ifindex == 3 &&
		v.flags == 1, "verdict %d/%u", v.action, v.ifindex);
}

static void socket_truncation(void)
{
	static const struct {
		int32_t ret;
		int l3;
		enum ubee_pktio_action want;
		size_t len;
	} c[] = {
		{ 0, 0, UBEE_PKTIO_DROP, 0 }, { 20, 0, UBEE_PKTIO_PASS, 20 },
		{ 100, 0, UBEE_PKTIO_PASS, 64 }, { -1, 0, UBEE_PKTIO_PASS, 64 },
		{ 20, 1, UBEE_PKTIO_PASS, 34 }, { 50, 1, UBEE_PKTIO_PASS, 64 },
		{ 49, 1, UBEE_PKTIO_PASS, 63 },
	};
	struct ubee_pktio_verdict v;
	uint8_t f[64];

	frame(f, 64, 0);
	for (size_t i = 0; i < N(c); i++) {
		struct ubee_prog *prog = ret_prog(UBEE_PROG_TYPE_SOCKET_FILTER, c[i].ret);
		struct ubee_pktio_runner *r = runner(prog, c[i].l3);

		if (r) {
			T_EQ_U64(process(r, f, 64, 1, &v), 0);
			T_CHECK(v.action == c[i].want, "ret %d: %s", c[i].ret,
				ubee_pktio_action_name(v.action));
			if (c[i].want == UBEE_PKTIO_PASS)
				T_CHECK(v.len == c[i].len && !memcmp(v.data, f, v.len),
					"ret %d l3 %d: len %zu", c[i].ret, c[i].l3, v.len);
			T_EQ_U64(ubee_pktio_runner_stats(r)->truncated,
				 c[i].want == UBEE_PKTIO_PASS && c[i].len < 64);
		}
		ubee_pktio_runner_free(r);
		ubee_prog_free(prog);
	}
}

/* LD_ABS on a socket filter sees the Ethernet header at offset 0 (L2). */
static void socket_ld_abs(void)
{
	static const struct ubee_insn p[] = {
		MOV_X(6, 1), I(0x28, 0, 0, 0, 12) /* r0 = ntohs(pkt[12]) */, EXIT,
	};
	struct ubee_pktio_verdict v;

	T_EQ_U64(verdict_of(UBEE_PROG_TYPE_SOCKET_FILTER, p, N(p), NULL, 0, &v), 0);
	T_EQ_U64(v.retval, 0x0800);
	T_EQ_U64(v.len, 64);
}

static void not_a_packet_type(void)
{
	struct ubee_prog *prog = ret_prog(UBEE_PROG_TYPE_KPROBE, 0);
	struct ubee_pktio_runner *r = (void *)1;
	struct ubee_pktio_runner_opts o = { .sz = sizeof(o) };

	if (!prog)
		return;
	lg.len = 0;
	T_EQ_U64(ubee_pktio_runner_new(prog, &o, &r, &lg), -EINVAL);
	T_CHECK(r == NULL && strstr(logbuf, "kprobe"), "log: %s", logbuf);
	ubee_prog_free(prog);
}

/* No allocation per packet: every allocation fails, packets still run. */
static void no_alloc_per_packet(void)
{
	struct ubee_prog *prog = load(UBEE_PROG_TYPE_XDP, xdp_byte14, N(xdp_byte14), NULL, 0);
	struct ubee_pktio_runner *r = runner(prog, 0);
	struct ubee_pktio_verdict v;
	uint8_t f[1500];
	int bad = 0;

	if (!r)
		goto out;
	ubee_fail_alloc_after(0);
	for (int i = 0; i < 1000; i++) {
		size_t len = 14 + (size_t)(i * 37) % 1400;

		frame(f, len, (uint8_t)i);
		if (process(r, f, len, (uint64_t)i + 1, &v) ||
		    v.retval != (len >= 15 ? f[14] : 1))
			bad++;
	}
	ubee_fail_alloc_after(-1);
	T_EQ_U64(bad, 0);
out:
	ubee_pktio_runner_free(r);
	ubee_prog_free(prog);
}

/* ---- devmap / xskmap operations --------------------------------------- */

static void devmap_ops(void)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_DEVMAP,
				   .key_size = 4, .value_size = 4, .max_entries = 4 };
	struct ubee_map *m;
	uint32_t k, v, next, v8[2];

	s.value_size = 12;
	T_CHECK(!ubee_map_new(&s, NULL) && errno == EINVAL, "value_size 12");
	s.value_size = 4;
	s.map_flags = UBEE_F_NO_PREALLOC;
	T_CHECK(!ubee_map_new(&s, NULL) && errno == EINVAL, "flags");
	s.map_flags = 0;
	m = ubee_map_new(&s, NULL);
	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_EQ_U64(strcmp(ubee_map_type_name(UBEE_MAP_DEVMAP), "devmap"), 0);
	k = 1;
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -ENOENT);
	v = 3;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), -EEXIST);
	T_EQ_U64(ubee_map_update(m, &k, &v, 4), -EINVAL);
	k = 4;
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), -E2BIG);
	k = 1;
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), 0);
	v = 0;
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 3);
	/* ifindex 0 empties the slot. */
	v = 0;
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -ENOENT);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &next), 0);
	T_EQ_U64(next, 0);
	k = 3;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), -ENOENT);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	k = 4;
	T_EQ_U64(ubee_map_delete(m, &k), -EINVAL);
	ubee_map_put(m);

	/* value_size 8: a program fd is refused (no devmap programs here). */
	s.value_size = 8;
	m = ubee_map_new(&s, NULL);
	T_CHECK(m != NULL, "create 8");
	if (!m)
		return;
	k = 0;
	v8[0] = 2;
	v8[1] = 5;
	T_EQ_U64(ubee_map_update(m, &k, v8, 0), -EOPNOTSUPP);
	v8[1] = (uint32_t)-1;
	T_EQ_U64(ubee_map_update(m, &k, v8, 0), 0);
	ubee_map_put(m);

	s.type = UBEE_MAP_DEVMAP_HASH;
	s.value_size = 4;
	m = ubee_map_new(&s, NULL);
	T_CHECK(m != NULL, "create hash");
	if (!m)
		return;
	k = 77;
	v = 0;
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), -EINVAL);
	v = 4;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), -ENOENT);
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), -EEXIST);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &next), 0);
	T_EQ_U64(next, 77);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_EQ_U64(ubee_map_delete(m, &k), -ENOENT);
	ubee_map_put(m);
}

static void xskmap_ops(void)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_XSKMAP,
				   .key_size = 4, .value_size = 8, .max_entries = 4 };
	struct ubee_map *m;
	uint32_t k = 1, v = 5, next;

	T_CHECK(!ubee_map_new(&s, NULL) && errno == EINVAL, "value_size 8");
	s.value_size = 4;
	m = ubee_map_new(&s, NULL);
	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_EXIST), -ENOENT);
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), 0);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_NOEXIST), -EEXIST);
	/* User space cannot read sockets back, as in the kernel. */
	T_EQ_U64(ubee_map_lookup(m, &k, &v), -EOPNOTSUPP);
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), 0);
	T_EQ_U64(next, 2);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	k = 9;
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), -E2BIG);
	T_EQ_U64(ubee_map_delete(m, &k), -EINVAL);
	ubee_map_put(m);
}

/* The kernel's BPF_PROG_TEST_RUN and the runner on the same packets. */
static void xdp_vs_kernel(void)
{
	static const struct ubee_insn adj[] = {
		MOV_X(6, 1), MOV_K(2, -4), CALL(FN_XDP_ADJUST_HEAD),
		LDX_W(2, 6, 0), LDX_W(3, 6, 4), MOV_X(4, 2), ADD_K(4, 19),
		JGT_X(4, 3, 3), ST_W(2, 0, (int32_t)0xaaaaaaaa),
		LDX_B(0, 2, 18), EXIT,
		MOV_K(0, 1), EXIT,
	};
	const struct {
		const struct ubee_insn *insns;
		size_t n;
	} progs[] = { { xdp_byte14, N(xdp_byte14) }, { adj, N(adj) } };
	char klog[256];

	for (size_t pi = 0; pi < N(progs); pi++) {
		struct ubee_prog *prog = load(UBEE_PROG_TYPE_XDP, progs[pi].insns,
					      progs[pi].n, NULL, 0);
		struct ubee_pktio_runner *r = runner(prog, 0);
		int fd = kbpf_prog_load(6, progs[pi].insns, progs[pi].n, klog, sizeof(klog));

		if (fd < 0) {
			t_skip("the kernel refuses program %zu: %s: %s", pi, strerror(-fd), klog);
			ubee_pktio_runner_free(r);
			ubee_prog_free(prog);
			return;
		}
		for (int i = 0; r && i < 64; i++) {
			uint8_t f[300], kout[600];
			size_t len = 14 + (size_t)(i * 53) % 280, klen = sizeof(kout);
			uint32_t kret = 0;
			struct ubee_pktio_verdict v;

			frame(f, len, (uint8_t)(i * 3));
			if (len > 14)
				f[14] = (uint8_t)(i % 6);
			if (kbpf_test_run(fd, f, len, kout, &klen, &kret)) {
				T_CHECK(0, "kernel test run failed on packet %d", i);
				break;
			}
			T_EQ_U64(process(r, f, len, (uint64_t)i + 1, &v), 0);
			T_CHECK(v.retval == kret, "prog %zu packet %d: retval %llu, kernel %u",
				pi, i, (unsigned long long)v.retval, kret);
			T_CHECK(v.len == klen && !memcmp(v.data, kout, klen),
				"prog %zu packet %d: output differs (%zu vs %zu bytes)",
				pi, i, v.len, klen);
		}
		close(fd);
		ubee_pktio_runner_free(r);
		ubee_prog_free(prog);
	}
}

int main(void)
{
	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	T_RUN(read_pcap);
	T_RUN(read_pcap_nsec_big_endian);
	T_RUN(read_pcapng);
	T_RUN(truncated_file);
	T_RUN(bad_files);
	T_RUN(caplen_over_len);
	T_RUN(write_usec);
	T_RUN(write_nsec);
	T_RUN(write_bad_path);
	T_RUN(xdp_actions);
	T_RUN(xdp_fault);
	T_RUN(xdp_adjust_head);
	T_RUN(xdp_redirect_ifindex);
	T_RUN(xdp_redirect_devmap);
	T_RUN(xdp_redirect_xsk);
	T_RUN(tc_verdicts);
	T_RUN(tc_redirect);
	T_RUN(socket_truncation);
	T_RUN(socket_ld_abs);
	T_RUN(not_a_packet_type);
	T_RUN(no_alloc_per_packet);
	T_RUN(devmap_ops);
	T_RUN(xskmap_ops);
	T_RUN(xdp_vs_kernel);
	return t_summary();
}
