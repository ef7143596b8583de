// SPDX-License-Identifier: MIT
/*
 * Captures through libpcap: reading pcap and pcapng (libpcap tells them
 * apart and parses both; we ask for nanosecond time stamps so that none
 * are rounded), writing pcap. libpcap does the parsing of the untrusted
 * file; what we add is where a broken capture breaks: the number of the
 * packet being read and the byte offset of its record (the stdio
 * position libpcap reads from), and a check libpcap does not make
 * (captured length over wire length). A broken capture stays broken:
 * libpcap's state after an error is not meant to be read on from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ubee/pktio.h"
#include "util/util.h"

#define PCAP_NSEC_MAGIC 0xa1b23c4du
#define MAX_SNAPLEN 262144u /* libpcap's and tcpdump's largest */

struct ubee_pcap_reader {
	pcap_t *p;
	FILE *f;              /* owned by p once p exists */
	uint64_t count;       /* packets returned */
	uint64_t anomalies;
	/*
	 * Where the next record starts. pcap records are a 16-byte header
	 * and the captured bytes, so the offset is counted; pcapng blocks
	 * vary, so it is asked of stdio (ftell, which costs more).
	 */
	uint64_t next_off;
	int ng;
	int nsec;             /* the file's own resolution is ns */
	int broken;
	void *owned;          /* standard input, read whole (ubee_free) */
};

struct ubee_pcap_writer {
	pcap_t *p;
	pcap_dumper_t *d;
	int nsec;
	int failed;
};

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16

/* The first four bytes: pcap with nanoseconds, pcapng? Rewind after. */
static void peek_magic(FILE *f, struct ubee_pcap_reader *r)
{
	uint8_t m[4];
	uint32_t le, be;

	if (fread(m, 1, 4, f) == 4) {
		le = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
		     (uint32_t)m[3] << 24;
		be = __builtin_bswap32(le);
		r->nsec = le == PCAP_NSEC_MAGIC || be == PCAP_NSEC_MAGIC;
		r->ng = le == PCAPNG_SHB;
	}
	rewind(f);
}

/* Take f (closed on failure too) and open the capture in it. */
static int open_file(FILE *f, const char *what, struct ubee_pcap_reader **out,
		     struct ubee_log *log)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct ubee_pcap_reader *r;

	*out = NULL;
	r = ubee_calloc(1, sizeof(*r));
	if (!r) {
		fclose(f);
		ubee_logf(log, "%s: out of memory", what);
		return -ENOMEM;
	}
	/* Fewer, larger reads: libpcap reads a record at a time. */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	peek_magic(f, r);
	r->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO,
							errbuf);
	if (!r->p) {
		fclose(f);
		ubee_free(r);
		ubee_logf(log, "%s: not a capture libpcap can read: %s", what,
			  errbuf);
		return -EINVAL;
	}
	r->f = f;
	r->next_off = PCAP_FILE_HDR;
	*out = r;
	return 0;
}

/*
 * Standard input, read whole: a pipe cannot be rewound after the magic
 * is looked at, and offsets need a position.
 */
static int open_stdin(struct ubee_pcap_reader **out, struct ubee_log *log)
{
	size_t len = 0, cap = 1 << 16;
	uint8_t *buf = ubee_malloc(cap), *nb;
	ssize_t n;
	int err;

	while (buf) {
		n = read(0, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			ubee_logf(log, "-: cannot read: %s", strerror(errno));
			ubee_free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			nb = cap <= SIZE_MAX / 2 ? ubee_realloc(buf, cap * 2) : NULL;
			if (!nb)
				ubee_free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf) {
		ubee_logf(log, "-: out of memory");
		return -ENOMEM;
	}
	err = ubee_pcap_open_mem(buf, len, out, log);
	if (err)
		ubee_free(buf);
	else
		(*out)->owned = buf;
	return err;
}

int ubee_pcap_open(const char *path, struct ubee_pcap_reader **out,
		   struct ubee_log *log)
{
	FILE *f;

	*out = NULL;
	if (!path)
		return -EINVAL;
	if (!strcmp(path, "-"))
		return open_stdin(out, log);
	f = fopen(path, "rb");
	if (!f) {
		int err = -errno;

		ubee_logf(log, "%s: cannot open: %s", path, strerror(errno));
		return err;
	}
	return open_file(f, path, out, log);
}

int ubee_pcap_open_mem(const void *data, size_t size,
		       struct ubee_pcap_reader **out, struct ubee_log *log)
{
	FILE *f;

	*out = NULL;
	if (!data || !size) {
		ubee_logf(log, "capture: empty");
		return -EINVAL;
	}
	f = fmemopen((void *)data, size, "rb");
	if (!f) {
		ubee_logf(log, "capture: cannot open memory: %s", strerror(errno));
		return -ENOMEM;
	}
	return open_file(f, "capture", out, log);
}

void ubee_pcap_close(struct ubee_pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	ubee_free(r->owned);
	ubee_free(r);
}

int ubee_pcap_next(struct ubee_pcap_reader *r, struct ubee_packet *pkt,
		   struct ubee_log *log)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	long off;
	int rc;

	if (r->broken)
		return -EINVAL;
	off = r->ng ? ftell(r->f) : (long)r->next_off;
	rc = pcap_next_ex(r->p, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		r->broken = 1;
		ubee_logf(log, "packet %llu (byte offset %ld): %s",
			  (unsigned long long)r->count + 1, off,
			  rc == PCAP_ERROR ? pcap_geterr(r->p) : "unreadable record");
		return -EINVAL;
	}
	r->count++;
	r->next_off += PCAP_REC_HDR + (uint64_t)h->caplen;
	pkt->data = data;
	pkt->len = h->caplen;
	pkt->wire_len = h->len;
	if (h->len < h->caplen) {
		r->anomalies++;
		pkt->wire_len = h->caplen;
	}
	pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
	pkt->index = r->count;
	return 1;
}

int ubee_pcap_linktype(const struct ubee_pcap_reader *r)
{
	return pcap_datalink(r->p);
}

uint32_t ubee_pcap_snaplen(const struct ubee_pcap_reader *r)
{
	int n = pcap_snapshot(r->p);

	return n > 0 ? (uint32_t)n : MAX_SNAPLEN;
}

int ubee_pcap_nanosecond(const struct ubee_pcap_reader *r)
{
	return r->nsec;
}

uint64_t ubee_pcap_anomalies(const struct ubee_pcap_reader *r)
{
	return r->anomalies;
}

int ubee_pcap_create(const char *path, int linktype, uint32_t snaplen,
		     int nsec, struct ubee_pcap_writer **out,
		     struct ubee_log *log)
{
	struct ubee_pcap_writer *w;
	int err;

	*out = NULL;
	w = ubee_calloc(1, sizeof(*w));
	if (!w) {
		ubee_logf(log, "%s: out of memory", path);
		return -ENOMEM;
	}
	w->nsec = !!nsec;
	w->p = pcap_open_dead_with_tstamp_precision(linktype,
						    snaplen ? (int)snaplen : (int)MAX_SNAPLEN,
						    nsec ? PCAP_TSTAMP_PRECISION_NANO :
							   PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->p) {
		ubee_logf(log, "%s: out of memory", path);
		err = -ENOMEM;
		goto fail;
	}
	w->d = pcap_dump_open(w->p, path);
	if (!w->d) {
		ubee_logf(log, "%s", pcap_geterr(w->p));
		err = -EIO;
		goto fail;
	}
	*out = w;
	return 0;
fail:
	if (w->p)
		pcap_close(w->p);
	ubee_free(w);
	return err;
}

int ubee_pcap_write(struct ubee_pcap_writer *w, const struct ubee_packet *pkt,
		    const void *data, size_t len)
{
	struct pcap_pkthdr h;
	uint64_t div = w->nsec ? 1 : 1000;
	uint64_t missing = pkt->wire_len > pkt->len ? pkt->wire_len - pkt->len : 0;

	if (len > MAX_SNAPLEN * 4u)
		return -EIO;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(pkt->ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(pkt->ts_ns % 1000000000u / div);
	h.caplen = (uint32_t)len;
	h.len = (uint32_t)(len + missing);
	pcap_dump((u_char *)w->d, &h, data);
	if (ferror(pcap_dump_file(w->d))) {
		w->failed = 1;
		return -EIO;
	}
	return 0;
}

int ubee_pcap_writer_close(struct ubee_pcap_writer *w, struct ubee_log *log)
{
	int err = 0;

	if (!w)
		return 0;
	if (pcap_dump_flush(w->d) || w->failed) {
		ubee_logf(log, "capture: write failed: %s", strerror(errno));
		err = -EIO;
	}
	pcap_dump_close(w->d);
	pcap_close(w->p);
	ubee_free(w);
	return err;
}
