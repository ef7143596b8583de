// SPDX-License-Identifier: MIT
/*
 * `ubee xdp|tc|socket OBJ [--program NAME] (--pcap IN | --iface IF)
 *       [--write OUT.pcap] [--stats] [--duration S] [--count N]
 *       [--engine interp|jit] [--no-verify] [--dump-maps]
 *       [--devmap MAP KEY IFACE]...
 *       [--mode auto|xdp|packet] [--queue N] [--copy] [--skb-mode]`
 *
 * Runs an xdp, tc (sched_cls/sched_act) or socket_filter program of an
 * ELF object over every packet of a capture (pcap or pcapng) or of a
 * live interface, with the kernel's semantics (src/pktio/runner.c).
 * Packets the program passes (and, for xdp, transmits), as it left them,
 * go to --write. Live: XDP_TX goes back out of the interface, redirects
 * to the interface they name; SIGINT/SIGTERM stop cleanly. --stats (or
 * -j) prints the counters and packets per second at the end (live: also
 * once a second on stderr).
 *
 * Exit status: 0, 1 when the program cannot load or the capture is
 * broken (the packets before the break are processed and counted), 2
 * for usage errors.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/pktio.h"
#include "ubee/progtype.h"

#define MAX_ERRORS_SHOWN 10
#define MAX_TARGETS 64
#define BATCH 64
#define BPF_F_EXCLUDE_INGRESS (1ull << 4)

#define MAX_DEVMAP_SETS 16

/* --devmap NAME KEY IFACE: tx_ports[KEY] = ifindex of IFACE. */
struct devmap_set {
	const char *map, *iface;
	uint32_t key;
};

struct pkt_args {
	const char *cmd, *obj, *program, *pcap, *iface, *write;
	struct devmap_set devmap[MAX_DEVMAP_SETS];
	size_t nr_devmap;
	uint64_t count;
	double duration;
	enum ubee_engine engine;
	struct ubee_iface_opts io;
	int stats, no_verify, dump_maps, json;
};

/* Per-redirect-target counters (and, live, the interface to send on). */
struct target {
	enum ubee_pktio_target kind;
	uint32_t id;              /* ifindex or xsk slot */
	uint64_t packets;
	struct ubee_iface *tx;    /* live: opened at first use */
	int tx_failed;
};

struct pkt_state {
	struct pkt_args a;
	uint32_t prog_type;
	struct ubee_pktio_runner *runner;
	struct ubee_pcap_writer *writer;
	struct ubee_iface *iface;
	struct target targets[MAX_TARGETS];
	size_t nr_targets;
	uint64_t written, write_errors, tx_errors, errors_shown;
	uint32_t ifindex;
	double seconds;
	int broken;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage_err(const char *cmd, const char *msg, const char *arg)
{
	cli_err("%s: %s%s%s%s", cmd, msg, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "");
	return -1;
}

static int parse_args(int argc, char **argv, struct pkt_args *a)
{
	memset(a, 0, sizeof(*a));
	a->cmd = argv[0];
	a->json = cli_g.json;
	a->io.sz = sizeof(a->io);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		int takes = 1;

		if (!strcmp(o, "--devmap")) {
			struct devmap_set *d = &a->devmap[a->nr_devmap];

			if (i + 3 >= argc || cli_parse_u64(argv[i + 2], &n) ||
			    n > UINT32_MAX)
				return usage_err(a->cmd, "--devmap needs MAP KEY IFACE", NULL);
			if (a->nr_devmap == MAX_DEVMAP_SETS)
				return usage_err(a->cmd, "too many --devmap options", NULL);
			d->map = argv[i + 1];
			d->key = (uint32_t)n;
			d->iface = argv[i + 3];
			a->nr_devmap++;
			i += 2;
		} else if (!strcmp(o, "--program")) a->program = v;
		else if (!strcmp(o, "--pcap") || !strcmp(o, "-r")) a->pcap = v;
		else if (!strcmp(o, "--iface") || !strcmp(o, "-i")) a->iface = v;
		else if (!strcmp(o, "--write") || !strcmp(o, "-w")) a->write = v;
		else if (!strcmp(o, "--count") || !strcmp(o, "-c")) {
			if (!v || cli_parse_u64(v, &a->count) || !a->count)
				return usage_err(a->cmd, "--count needs a positive number, got", v ? v : "");
		} else if (!strcmp(o, "--duration")) {
			char *end;

			a->duration = v ? strtod(v, &end) : 0;
			if (!v || *end || !(a->duration > 0) || a->duration > 1e9)
				return usage_err(a->cmd, "--duration needs a positive number of seconds, got", v ? v : "");
		} else if (!strcmp(o, "--queue")) {
			if (!v || cli_parse_u64(v, &n) || n > 65535)
				return usage_err(a->cmd, "--queue needs a queue number, got", v ? v : "");
			a->io.queue = (uint32_t)n;
		} else if (!strcmp(o, "--mode")) {
			if (v && !strcmp(v, "auto")) a->io.mode = UBEE_IFACE_AUTO;
			else if (v && !strcmp(v, "xdp")) a->io.mode = UBEE_IFACE_XDP;
			else if (v && !strcmp(v, "packet")) a->io.mode = UBEE_IFACE_PACKET;
			else return usage_err(a->cmd, "--mode is auto, xdp or packet, got", v ? v : "");
		} else if (!strcmp(o, "--engine")) {
			if (v && !strcmp(v, "interp")) a->engine = UBEE_ENGINE_INTERP;
			else if (v && !strcmp(v, "jit")) a->engine = UBEE_ENGINE_JIT;
			else return usage_err(a->cmd, "--engine is interp or jit, got", v ? v : "");
		} else {
			takes = 0;
			if (!strcmp(o, "--stats")) a->stats = 1;
			else if (!strcmp(o, "--no-verify")) a->no_verify = 1;
			else if (!strcmp(o, "--dump-maps")) a->dump_maps = 1;
			else if (!strcmp(o, "--copy")) a->io.copy = 1;
			else if (!strcmp(o, "--skb-mode")) a->io.skb_mode = 1;
			else if (!strcmp(o, "--json") || !strcmp(o, "-j")) a->json = 1;
			else if (o[0] == '-' && o[1])
				return usage_err(a->cmd, "unknown option", o);
			else if (!a->obj) a->obj = o;
			else return usage_err(a->cmd, "unexpected argument", o);
		}
		if (takes) {
			if (!v)
				return usage_err(a->cmd, "this option needs a value:", o);
			i++;
		}
	}
	if (!a->obj) {
		cli_err("%s: no object given (usage: ubee %s OBJ (--pcap IN | --iface IF) ...)",
			a->cmd, a->cmd);
		return -1;
	}
	if (!a->pcap == !a->iface) {
		cli_err("%s: give exactly one of --pcap IN and --iface IF", a->cmd);
		return -1;
	}
	return 0;
}

static int type_fits(const char *cmd, uint32_t type)
{
	if (!strcmp(cmd, "xdp"))
		return type == UBEE_PROG_TYPE_XDP;
	if (!strcmp(cmd, "tc"))
		return type == UBEE_PROG_TYPE_SCHED_CLS ||
		       type == UBEE_PROG_TYPE_SCHED_ACT;
	return type == UBEE_PROG_TYPE_SOCKET_FILTER;
}

/* The --devmap settings: an interface name or a number, into the map. */
static int set_devmaps(const struct pkt_args *a, struct ubee_object *obj)
{
	for (size_t k = 0; k < a->nr_devmap; k++) {
		const struct devmap_set *d = &a->devmap[k];
		struct ubee_object_map_info mi;
		uint64_t n;
		uint32_t ifindex;
		int i = ubee_object_find_map(obj, d->map), err;

		if (i < 0 || ubee_object_map(obj, (size_t)i, &mi) || !mi.map ||
		    (mi.type != UBEE_MAP_DEVMAP && mi.type != UBEE_MAP_DEVMAP_HASH)) {
			cli_err("%s: --devmap: no devmap named '%s'", a->obj, d->map);
			return -1;
		}
		ifindex = if_nametoindex(d->iface);
		if (!ifindex && !cli_parse_u64(d->iface, &n) && n && n <= UINT32_MAX)
			ifindex = (uint32_t)n;
		if (!ifindex) {
			cli_err("%s: --devmap: no interface '%s'", a->obj, d->iface);
			return -1;
		}
		err = ubee_map_update(mi.map, &d->key, &ifindex, 0);
		if (err) {
			cli_err("%s: --devmap: %s[%u] = %u: %s", a->obj, d->map,
				d->key, ifindex, strerror(-err));
			return -1;
		}
	}
	return 0;
}

/* Open and load the object with the program to run; *prog gets it. */
static int load_object(const struct pkt_args *a, struct ubee_object **obj,
		       const struct ubee_prog **prog, uint32_t *type,
		       struct ubee_log *log)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_object_prog_info info;
	size_t n;
	int err, i = -1;

	err = ubee_object_open_file(a->obj, obj, log);
	if (err) {
		cli_err_log(a->obj, err, log);
		return -1;
	}
	n = ubee_object_prog_count(*obj);
	if (a->program) {
		i = ubee_object_find_prog(*obj, a->program);
		if (i < 0) {
			cli_err("%s: no program named '%s'", a->obj, a->program);
			return -1;
		}
		ubee_object_prog(*obj, (size_t)i, &info);
		if (!type_fits(a->cmd, info.prog_type)) {
			cli_err("%s: program '%s' is of type %s, not one `ubee %s` runs",
				a->obj, a->program, info.prog_type_name, a->cmd);
			return -1;
		}
	} else {
		for (size_t k = 0; k < n && i < 0; k++)
			if (!ubee_object_prog(*obj, k, &info) &&
			    type_fits(a->cmd, info.prog_type))
				i = (int)k;
		if (i < 0) {
			cli_err("%s: no %s program in the object", a->obj,
				!strcmp(a->cmd, "xdp") ? "xdp" :
				!strcmp(a->cmd, "tc") ? "tc (sched_cls/sched_act)" :
							 "socket_filter");
			return -1;
		}
	}
	for (size_t k = 0; k < n; k++)
		ubee_object_prog_set_autoload(*obj, k, k == (size_t)i);
	lo.prog_flags = a->no_verify ? UBEE_PROG_NO_VERIFY : 0;
	log->len = 0;
	err = ubee_object_load(*obj, &lo, log);
	if (err) {
		cli_err_log(a->obj, err, log);
		return -1;
	}
	ubee_object_prog(*obj, (size_t)i, &info);
	*prog = info.prog;
	*type = info.prog_type;
	return set_devmaps(a, *obj);
}

static struct target *target_of(struct pkt_state *st,
				enum ubee_pktio_target kind, uint32_t id)
{
	for (size_t i = 0; i < st->nr_targets; i++)
		if (st->targets[i].kind == kind && st->targets[i].id == id)
			return &st->targets[i];
	if (st->nr_targets == MAX_TARGETS)
		return NULL;
	st->targets[st->nr_targets] = (struct target){ .kind = kind, .id = id };
	return &st->targets[st->nr_targets++];
}

/* Live: send a redirected packet out of interface ifindex. */
static void send_to(struct pkt_state *st, struct target *t, const void *data,
		    size_t len)
{
	char lbuf[512];
	struct ubee_log log;
	int err;

	if (!st->iface || !t || t->tx_failed)
		return;
	if (t->id == st->ifindex) {
		err = ubee_iface_send(st->iface, data, len);
	} else {
		if (!t->tx) {
			ubee_log_init(&log, lbuf, sizeof(lbuf));
			err = ubee_iface_open_tx(t->id, &t->tx, &log);
			if (err) {
				t->tx_failed = 1;
				cli_err_log(st->a.cmd, err, &log);
				return;
			}
		}
		err = ubee_iface_send(t->tx, data, len);
	}
	if (err)
		st->tx_errors++;
}

static void redirect(struct pkt_state *st, const struct ubee_pktio_verdict *v)
{
	uint32_t ifs[MAX_TARGETS];
	size_t n;

	if (v->target != UBEE_PKTIO_TO_BROADCAST) {
		struct target *t = target_of(st, v->target,
					     v->target == UBEE_PKTIO_TO_XSK ? v->key : v->ifindex);

		if (t)
			t->packets++;
		if (v->target == UBEE_PKTIO_TO_IFINDEX)
			send_to(st, t, v->data, v->len);
		return;
	}
	n = ubee_pktio_devmap_targets(v->map,
				      v->flags & BPF_F_EXCLUDE_INGRESS ? st->ifindex : 0,
				      ifs, MAX_TARGETS);
	for (size_t i = 0; i < n && i < MAX_TARGETS; i++) {
		struct target *t = target_of(st, UBEE_PKTIO_TO_IFINDEX, ifs[i]);

		if (t)
			t->packets++;
		send_to(st, t, v->data, v->len);
	}
}

/* One packet through the program and to wherever its verdict sends it. */
static void process(struct pkt_state *st, const struct ubee_packet *p)
{
	struct ubee_pktio_verdict v;
	char lbuf[1024];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_pktio_runner_process(st->runner, p, &v, &log);
	if (err) {
		if (st->errors_shown++ < MAX_ERRORS_SHOWN)
			cli_err_log(st->a.cmd, err, &log);
		else if (st->errors_shown == MAX_ERRORS_SHOWN + 1)
			cli_err("%s: further errors are counted, not shown", st->a.cmd);
		return;
	}
	if (v.action == UBEE_PKTIO_TX && st->iface &&
	    ubee_iface_send(st->iface, v.data, v.len))
		st->tx_errors++;
	/* Passed and transmitted packets, as the program left them. */
	if ((v.action == UBEE_PKTIO_PASS || v.action == UBEE_PKTIO_TX) &&
	    st->writer) {
		if (ubee_pcap_write(st->writer, p, v.data, v.len))
			st->write_errors++;
		else
			st->written++;
	}
	if (v.action == UBEE_PKTIO_REDIRECT)
		redirect(st, &v);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_pcap(struct pkt_state *st, struct ubee_pcap_reader *r)
{
	struct ubee_packet p;
	char lbuf[1024];
	struct ubee_log log;
	uint64_t n = 0;
	double t0 = now_s();
	int rc;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	/* Batches of BATCH packets share one CPU slot (as from an interface). */
	ubee_pktio_runner_begin(st->runner);
	while (!stop && (!st->a.count || n < st->a.count)) {
		rc = ubee_pcap_next(r, &p, &log);
		if (rc == 0)
			break;
		if (rc < 0) {
			cli_err_log(st->a.pcap, rc, &log);
			st->broken = 1;
			break;
		}
		process(st, &p);
		if (++n % BATCH == 0) {
			ubee_pktio_runner_end(st->runner);
			ubee_pktio_runner_begin(st->runner);
		}
	}
	ubee_pktio_runner_end(st->runner);
	st->seconds = now_s() - t0;
	if (ubee_pcap_anomalies(r))
		cli_err("%s: %llu record(s) with a captured length over the wire length (taken as wire length)",
			st->a.pcap, (unsigned long long)ubee_pcap_anomalies(r));
	return 0;
}

static void print_live_line(struct pkt_state *st, double elapsed)
{
	const struct ubee_pktio_stats *s = ubee_pktio_runner_stats(st->runner);

	fprintf(stderr, "%.1fs: %llu packets (%.0f/s)", elapsed,
		(unsigned long long)s->packets,
		elapsed > 0 ? (double)s->packets / elapsed : 0.0);
	for (int i = 0; i < UBEE_PKTIO_NR_ACTIONS; i++)
		fprintf(stderr, " %s %llu", ubee_pktio_action_name(i),
			(unsigned long long)s->action[i]);
	fputc('\n', stderr);
}

static int run_iface(struct pkt_state *st)
{
	struct ubee_packet pkts[BATCH];
	uint64_t n = 0;
	double t0 = now_s(), last = t0, t;
	int got;

	while (!stop && (!st->a.count || n < st->a.count)) {
		t = now_s();
		if (st->a.duration && t - t0 >= st->a.duration)
			break;
		if (st->a.stats && !st->a.json && t - last >= 1.0) {
			print_live_line(st, t - t0);
			last = t;
		}
		got = ubee_iface_recv(st->iface, pkts, BATCH, 100);
		if (got < 0) {
			if (got == -EINTR)
				continue;
			cli_err("%s: %s: receive failed: %s", st->a.cmd, st->a.iface,
				strerror(-got));
			st->broken = 1;
			break;
		}
		/* One CPU slot for the batch, as a driver's poll runs. */
		ubee_pktio_runner_begin(st->runner);
		for (int i = 0; i < got && (!st->a.count || n < st->a.count); i++, n++)
			process(st, &pkts[i]);
		ubee_pktio_runner_end(st->runner);
		ubee_iface_release(st->iface);
		ubee_iface_flush(st->iface);
		for (size_t i = 0; i < st->nr_targets; i++)
			if (st->targets[i].tx)
				ubee_iface_flush(st->targets[i].tx);
	}
	st->seconds = now_s() - t0;
	return 0;
}

/* The names of return values worth naming, by type. */
static const char *retval_name(uint32_t type, int r)
{
	static const char *const xdp[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS",
					   "XDP_TX", "XDP_REDIRECT" };
	static const char *const tc[] = { "TC_ACT_UNSPEC", "TC_ACT_OK",
					  "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",
					  "TC_ACT_PIPE", "TC_ACT_STOLEN",
					  "TC_ACT_QUEUED", "TC_ACT_REPEAT",
					  "TC_ACT_REDIRECT", "TC_ACT_TRAP" };

	if (type == UBEE_PROG_TYPE_XDP)
		return r >= 0 && r < 5 ? xdp[r] : NULL;
	return r >= -1 && r < 9 ? tc[r + 1] : NULL;
}

static void print_stats(struct pkt_state *st, const struct ubee_iface_info *ii)
{
	const struct ubee_pktio_stats *s = ubee_pktio_runner_stats(st->runner);
	double pps = st->seconds > 0 ? (double)s->packets / st->seconds : 0;
	int first;

	if (st->a.json) {
		printf("{\"program_type\":\"%s\",\"packets\":%llu,\"bytes\":%llu,"
		       "\"seconds\":%.6f,\"packets_per_second\":%.0f,\"actions\":{",
		       st->a.cmd, (unsigned long long)s->packets,
		       (unsigned long long)s->bytes, st->seconds, pps);
		for (int i = 0; i < UBEE_PKTIO_NR_ACTIONS; i++)
			printf("%s\"%s\":%llu", i ? "," : "", ubee_pktio_action_name(i),
			       (unsigned long long)s->action[i]);
		printf("},\"retvals\":{");
		first = 1;
		for (int r = -1; r < UBEE_PKTIO_NR_RETVALS - 1; r++) {
			if (!s->retval[r + 1])
				continue;
			printf("%s\"%d\":%llu", first ? "" : ",", r,
			       (unsigned long long)s->retval[r + 1]);
			first = 0;
		}
		printf("},\"retval_other\":%llu,\"errors\":%llu,\"invalid\":%llu,"
		       "\"truncated\":%llu,\"skipped\":%llu,\"written\":%llu,"
		       "\"redirects\":[",
		       (unsigned long long)s->retval_other,
		       (unsigned long long)s->errors, (unsigned long long)s->invalid,
		       (unsigned long long)s->truncated, (unsigned long long)s->skipped,
		       (unsigned long long)st->written);
		for (size_t i = 0; i < st->nr_targets; i++)
			printf("%s{\"%s\":%u,\"packets\":%llu}", i ? "," : "",
			       st->targets[i].kind == UBEE_PKTIO_TO_XSK ? "xsk" : "ifindex",
			       st->targets[i].id,
			       (unsigned long long)st->targets[i].packets);
		printf("],\"complete\":%s", st->broken ? "false" : "true");
		if (ii)
			printf(",\"iface\":{\"backend\":\"%s\",\"zerocopy\":%s,"
			       "\"xdp_mode\":\"%s\",\"rx\":%llu,\"tx\":%llu,"
			       "\"rx_dropped\":%llu,\"tx_errors\":%llu,"
			       "\"frames_leaked\":%u}",
			       ii->backend, ii->zerocopy ? "true" : "false",
			       ii->xdp_mode ? ii->xdp_mode : "",
			       (unsigned long long)ii->rx, (unsigned long long)ii->tx,
			       (unsigned long long)ii->rx_dropped,
			       (unsigned long long)(ii->tx_errors + st->tx_errors),
			       ii->frames_out);
		return;
	}
	printf("packets: %llu (%llu bytes) in %.6f s: %.0f packets/s\n",
	       (unsigned long long)s->packets, (unsigned long long)s->bytes,
	       st->seconds, pps);
	for (int i = 0; i < UBEE_PKTIO_NR_ACTIONS; i++)
		printf("  %-9s %llu\n", ubee_pktio_action_name(i),
		       (unsigned long long)s->action[i]);
	if (st->prog_type != UBEE_PROG_TYPE_SOCKET_FILTER) {
		printf("return values:");
		for (int r = -1; r < UBEE_PKTIO_NR_RETVALS - 1; r++) {
			const char *name = retval_name(st->prog_type, r);

			if (!s->retval[r + 1])
				continue;
			if (name)
				printf(" %s %llu", name, (unsigned long long)s->retval[r + 1]);
			else
				printf(" %d: %llu", r, (unsigned long long)s->retval[r + 1]);
		}
		if (s->retval_other)
			printf(" other %llu", (unsigned long long)s->retval_other);
		printf("\n");
	} else {
		printf("truncated: %llu\n", (unsigned long long)s->truncated);
	}
	for (size_t i = 0; i < st->nr_targets; i++)
		printf("redirect to %s %u: %llu\n",
		       st->targets[i].kind == UBEE_PKTIO_TO_XSK ? "xsk slot" : "ifindex",
		       st->targets[i].id, (unsigned long long)st->targets[i].packets);
	printf("errors: %llu, invalid: %llu, skipped: %llu\n",
	       (unsigned long long)s->errors, (unsigned long long)s->invalid,
	       (unsigned long long)s->skipped);
	if (st->a.write)
		printf("written: %llu packets to %s\n", (unsigned long long)st->written,
		       st->a.write);
	if (ii)
		printf("interface %s (ifindex %u): %s%s%s%s, rx %llu, tx %llu, "
		       "kernel drops %llu, tx errors %llu, frames leaked %u\n",
		       st->a.iface, ii->ifindex, ii->backend,
		       ii->xdp_mode ? " " : "", ii->xdp_mode ? ii->xdp_mode : "",
		       ii->zerocopy ? " zero-copy" : "",
		       (unsigned long long)ii->rx, (unsigned long long)ii->tx,
		       (unsigned long long)ii->rx_dropped,
		       (unsigned long long)(ii->tx_errors + st->tx_errors),
		       ii->frames_out);
}

int cmd_pkt(int argc, char **argv)
{
	struct pkt_state *st;
	struct ubee_object *obj = NULL;
	struct ubee_pcap_reader *r = NULL;
	const struct ubee_prog *prog;
	struct ubee_pktio_runner_opts ro = { .sz = sizeof(ro) };
	struct ubee_iface_info ii;
	char lbuf[8192];
	struct ubee_log log;
	struct sigaction sa;
	int ret = 1, err;

	st = calloc(1, sizeof(*st));
	if (!st) {
		cli_err("%s: out of memory", argv[0]);
		return 1;
	}
	if (parse_args(argc, argv, &st->a)) {
		free(st);
		return 2;
	}
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (load_object(&st->a, &obj, &prog, &st->prog_type, &log))
		goto out;

	ro.engine = st->a.engine;
	log.len = 0;
	if (st->a.pcap) {
		err = ubee_pcap_open(st->a.pcap, &r, &log);
		if (err) {
			cli_err_log(st->a.cmd, err, &log);
			goto out;
		}
		if (ubee_pcap_linktype(r) != 1 /* DLT_EN10MB */) {
			cli_err("%s: %s: link type %d is not Ethernet: packet programs need Ethernet frames",
				st->a.cmd, st->a.pcap, ubee_pcap_linktype(r));
			goto out;
		}
	} else {
		err = ubee_iface_open(st->a.iface, &st->a.io, &st->iface, &log);
		if (err) {
			cli_err_log(st->a.cmd, err, &log);
			goto out;
		}
		ubee_iface_get_info(st->iface, &ii);
		if (ii.note)
			cli_err("%s: %s: %s", st->a.cmd, st->a.iface, ii.note);
		st->ifindex = ii.ifindex;
		ro.ifindex = ii.ifindex;
		ro.rx_queue_index = st->a.io.queue;
	}
	err = ubee_pktio_runner_new(prog, &ro, &st->runner, &log);
	if (err) {
		cli_err_log(st->a.cmd, err, &log);
		goto out;
	}
	if (st->a.write) {
		err = ubee_pcap_create(st->a.write, 1,
				       r ? ubee_pcap_snaplen(r) : 262144,
				       r ? ubee_pcap_nanosecond(r) : 0,
				       &st->writer, &log);
		if (err) {
			cli_err_log(st->a.cmd, err, &log);
			goto out;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (r)
		run_pcap(st, r);
	else
		run_iface(st);

	log.len = 0;
	if (st->writer && ubee_pcap_writer_close(st->writer, &log)) {
		cli_err_log(st->a.write, -EIO, &log);
		st->broken = 1;
	}
	st->writer = NULL;
	if (st->write_errors)
		cli_err("%s: %llu packets could not be written", st->a.write,
			(unsigned long long)st->write_errors);
	if (st->iface) {
		for (size_t i = 0; i < st->nr_targets; i++) {
			ubee_iface_close(st->targets[i].tx, NULL);
			st->targets[i].tx = NULL;
		}
		/* The figures after the close: frames in flight came back. */
		ubee_iface_close(st->iface, &ii);
		st->iface = NULL;
	}
	if (st->a.stats || st->a.json)
		print_stats(st, st->a.iface ? &ii : NULL);
	err = st->a.dump_maps ? cli_object_dump_maps(obj, st->a.json) : 0;
	if (st->a.json)
		printf("}\n");
	if (err)
		goto out;
	ret = st->broken ? 1 : 0;
out:
	ubee_pcap_writer_close(st->writer, NULL);
	ubee_pktio_runner_free(st->runner);
	for (size_t i = 0; i < st->nr_targets; i++)
		ubee_iface_close(st->targets[i].tx, NULL);
	ubee_iface_close(st->iface, NULL);
	ubee_pcap_close(r);
	ubee_object_free(obj);
	free(st);
	return ret;
}
