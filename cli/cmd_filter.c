// SPDX-License-Identifier: MIT
/*
 * `ubee filter EXPRESSION -r IN [-w OUT] [-c] [-d]`: select packets of a
 * capture the way `tcpdump -r IN -w OUT EXPRESSION` does, with ubee doing
 * the filtering. libpcap reads the capture (pcap or pcapng) and compiles
 * the expression for its link type (pcap_compile, optimised, netmask 0 as
 * tcpdump uses for files); ubee checks the classic program, translates it
 * to eBPF, loads it as a socket filter and runs it on every packet (the
 * JIT by default). Selected packets are written unchanged with libpcap's
 * pcap_dump, so the output file is byte for byte what tcpdump writes.
 * --cbpf FILE takes a classic program (tcpdump -dd or -ddd text) instead
 * of an expression. Exit status: 0, 1 on any failure (an invalid
 * expression gives libpcap's message), 2 for usage errors.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ubee/asm.h"
#include "ubee/cbpf.h"

#define USAGE "usage: ubee filter [EXPRESSION | --cbpf FILE] -r IN [-w OUT] [-c] [-d]\n" \
	      "                   [--engine interp|jit] [--checked] [--stats]"

struct filter_args {
	const char *in, *out, *cbpf_file;
	char *expr;          /* the words of the expression, joined */
	int count, dump, checked, stats;
	enum ubee_engine engine;
};

/* Append word to the expression (tcpdump takes it as separate words too). */
static int add_word(struct filter_args *a, const char *w)
{
	size_t old = a->expr ? strlen(a->expr) : 0;
	char *e = realloc(a->expr, old + strlen(w) + 2);

	if (!e) {
		cli_err("filter: out of memory");
		return -1;
	}
	if (old)
		e[old++] = ' ';
	strcpy(e + old, w);
	a->expr = e;
	return 0;
}

static int parse_args(int argc, char **argv, struct filter_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-r") || !strcmp(o, "-w") || !strcmp(o, "--cbpf") ||
		    !strcmp(o, "--engine")) {
			if (!v) {
				cli_err("filter: %s needs a value", o);
				return -1;
			}
			i++;
			if (!strcmp(o, "-r")) {
				a->in = v;
			} else if (!strcmp(o, "-w")) {
				a->out = v;
			} else if (!strcmp(o, "--cbpf")) {
				a->cbpf_file = v;
			} else if (!strcmp(v, "interp")) {
				a->engine = UBEE_ENGINE_INTERP;
			} else if (!strcmp(v, "jit")) {
				a->engine = UBEE_ENGINE_JIT;
			} else {
				cli_err("filter: --engine is interp or jit, got '%s'", v);
				return -1;
			}
		} else if (!strcmp(o, "-c")) {
			a->count = 1;
		} else if (!strcmp(o, "-d")) {
			a->dump = 1;
		} else if (!strcmp(o, "--checked")) {
			a->checked = 1;
		} else if (!strcmp(o, "--stats")) {
			a->stats = 1;
		} else if (!strcmp(o, "--")) {
			for (i++; i < argc; i++)
				if (add_word(a, argv[i]))
					return -1;
		} else if (o[0] == '-' && o[1]) {
			cli_err("filter: unknown option '%s'", o);
			return -1;
		} else if (add_word(a, o)) {
			return -1;
		}
	}
	if (!a->in) {
		cli_err("filter: no capture given (-r IN)");
		return -1;
	}
	if (a->cbpf_file && a->expr) {
		cli_err("filter: give an expression or --cbpf FILE, not both");
		return -1;
	}
	if (a->checked && a->engine == UBEE_ENGINE_JIT) {
		cli_err("filter: --checked runs the interpreter; --engine jit cannot be checked");
		return -1;
	}
	return 0;
}

/* The classic program from --cbpf FILE. */
static int read_cbpf(const char *path, struct ubee_cbpf_insn **insns, size_t *cnt)
{
	struct ubee_log log;
	char lbuf[1024];
	uint8_t *data = NULL;
	char *text = NULL;
	size_t size;
	int err = -1;

	if (cli_read_file(path, &data, &size))
		return -1;
	text = malloc(size + 1);
	if (!text) {
		cli_err("'%s': out of memory", path);
		goto out;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (memchr(data, '\0', size)) {
		cli_err("'%s': not a text file (contains a NUL byte)", path);
		goto out;
	}
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_cbpf_parse(text, insns, cnt, &log);
	if (err) {
		cli_err_log(path, err, &log);
		err = -1;
	}
out:
	free(text);
	free(data);
	return err;
}

/* -d: the classic program as tcpdump -d prints it, then the eBPF. */
static void dump_progs(const struct ubee_cbpf_insn *insns, size_t cnt,
		       const struct ubee_prog *prog)
{
	const struct ubee_insn *e = ubee_prog_insns(prog);
	size_t n = ubee_prog_insn_count(prog);
	char buf[256];

	printf("classic BPF (%zu instructions):\n", cnt);
	for (size_t i = 0; i < cnt; i++) {
		struct bpf_insn b = { insns[i].code, insns[i].jt, insns[i].jf, insns[i].k };

		printf("%s\n", bpf_image(&b, (int)i));
	}
	printf("eBPF (%zu instructions):\n", n);
	for (size_t i = 0; i < n; i++) {
		int slots = ubee_disasm_insn(e, n, i, NULL, buf, sizeof(buf));

		printf("%5zu: %s\n", i, buf);
		if (slots == 2)
			i++;
	}
}

/*
 * Buffer of the capture's and the output's stdio streams (given, as
 * glibc ignores the size of a buffer it allocates itself): libpcap reads
 * and writes a record at a time (a 16-byte header, then the bytes), and
 * stdio's default 4 KiB buffer would cost a system call every few
 * packets.
 */
#define IO_BUF (1u << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_filter(int argc, char **argv)
{
	struct filter_args a = { 0 };
	struct ubee_cbpf_filter_opts fo = { .sz = sizeof(fo) };
	struct ubee_cbpf_filter *f = NULL;
	struct ubee_cbpf_insn *parsed = NULL;
	const struct ubee_cbpf_insn *insns;
	struct bpf_program bp = { 0 };
	char errbuf[PCAP_ERRBUF_SIZE], lbuf[4096];
	pcap_dumper_t *dumper = NULL;
	FILE *in = NULL, *out = NULL;
	char *in_buf = NULL, *out_buf = NULL;
	pcap_t *p = NULL;
	struct ubee_log log;
	uint64_t packets = 0, selected = 0;
	size_t cnt;
	double t0, secs;
	int ret = 1, err, rc;

	if (parse_args(argc, argv, &a)) {
		cli_err("%s", USAGE);
		free(a.expr);
		return 2;
	}
	in = fopen(a.in, "rb");
	if (!in) {
		cli_err("filter: %s: %s", a.in, strerror(errno));
		goto out;
	}
	in_buf = malloc(IO_BUF);
	if (in_buf)
		setvbuf(in, in_buf, _IOFBF, IO_BUF);
	p = pcap_fopen_offline(in, errbuf);
	if (!p) {
		cli_err("filter: %s", errbuf);
		goto out;
	}
	in = NULL; /* libpcap closes it */
	if (a.cbpf_file) {
		if (read_cbpf(a.cbpf_file, &parsed, &cnt))
			goto out;
		insns = parsed;
	} else {
		if (pcap_compile(p, &bp, a.expr ? a.expr : "", 1, 0) < 0) {
			cli_err("filter: %s", pcap_geterr(p));
			goto out;
		}
		insns = (const struct ubee_cbpf_insn *)bp.bf_insns;
		cnt = bp.bf_len;
	}
	/* Offline packets carry their VLAN tags inline; the device type only
	 * matters to SKF_AD_HATYPE (ARPHRD_ETHER, else ARPHRD_NONE). */
	fo.hatype = pcap_datalink(p) == DLT_EN10MB ? 1 : 0xfffe;
	fo.engine = a.checked ? UBEE_ENGINE_INTERP : a.engine;
	/* Translated classic filters are safe by construction (see
	 * include/ubee/cbpf.h): unchecked unless asked. */
	fo.run_flags = a.checked ? UBEE_RUN_CHECKED : UBEE_RUN_TRUSTED;
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_cbpf_filter_new(insns, cnt, &fo, &f, &log);
	if (err) {
		cli_err_log("filter", err, &log);
		goto out;
	}
	if (a.dump)
		dump_progs(insns, cnt, ubee_cbpf_filter_prog(f));
	if (a.out) {
		out = strcmp(a.out, "-") ? fopen(a.out, "wb") : stdout;
		if (!out) {
			cli_err("filter: %s: %s", a.out, strerror(errno));
			goto out;
		}
		/* (-d may have written to stdout already) */
		out_buf = out != stdout ? malloc(IO_BUF) : NULL;
		if (out_buf)
			setvbuf(out, out_buf, _IOFBF, IO_BUF);
		dumper = pcap_dump_fopen(p, out);
		if (!dumper) {
			cli_err("filter: %s", pcap_geterr(p));
			goto out;
		}
		out = NULL; /* the dumper closes it */
	}
	t0 = now_s();
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		uint32_t keep;

		rc = pcap_next_ex(p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc != 1) {
			cli_err("filter: %s: packet %llu: %s", a.in,
				(unsigned long long)packets + 1, pcap_geterr(p));
			goto out;
		}
		packets++;
		err = ubee_cbpf_filter_run(f, data, h->caplen, h->len, &keep, &log);
		if (err) {
			char what[64];

			snprintf(what, sizeof(what), "packet %llu", (unsigned long long)packets);
			cli_err_log(what, err, &log);
			goto out;
		}
		if (!keep)
			continue;
		selected++;
		if (dumper)
			pcap_dump((u_char *)dumper, h, data);
	}
	secs = now_s() - t0;
	if (dumper && pcap_dump_flush(dumper)) {
		cli_err("filter: writing '%s' failed", a.out);
		goto out;
	}
	if (cli_g.json)
		printf(cli_g.pretty ? "{\n    \"packets\": %llu,\n    \"selected\": %llu\n}\n" :
				      "{\"packets\":%llu,\"selected\":%llu}\n",
		       (unsigned long long)packets, (unsigned long long)selected);
	else if (a.count || !a.out)
		printf("%llu\n", (unsigned long long)selected);
	if (a.stats)
		fprintf(stderr, "%llu packets, %llu selected, %.3f s, %.0f packets/s\n",
			(unsigned long long)packets, (unsigned long long)selected, secs,
			secs > 0 ? (double)packets / secs : 0.0);
	ret = 0;
out:
	if (dumper)
		pcap_dump_close(dumper);
	if (in)
		fclose(in);
	if (out && out != stdout)
		fclose(out);
	if (p)
		pcap_close(p);
	free(in_buf);  /* after the streams that use them are closed */
	free(out_buf);
	ubee_cbpf_filter_free(f);
	ubee_cbpf_free(parsed);
	if (bp.bf_insns)
		pcap_freecode(&bp);
	free(a.expr);
	return ret;
}
