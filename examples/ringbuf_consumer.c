// SPDX-License-Identifier: MIT
/*
 * The user-space side of examples/bpf/ringbuf.c: open and load the
 * compiled object, run its XDP program on a few frames (as
 * BPF_PROG_TEST_RUN would), then drain the ring buffer and print one
 * line per event, and the program's .bss counters. Uses only the public
 * API (include/ubee/).
 *
 *   ringbuf_consumer [OBJ]     (default: bpf/ringbuf.o next to this binary)
 *
 * Prints, for the frames below:
 *   event 1: ipv4 udp 10.0.0.1:1234 -> 10.0.0.2:53 (54 bytes)
 *   event 2: ipv6 tcp [2001:db8::1]:50000 -> [2001:db8::2]:443 (74 bytes)
 *   ...
 *   4 events; .bss: submitted 4, lost 0
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/progtype.h"

/* The event record of examples/bpf/ringbuf.c. */
struct event {
	uint8_t family;
	uint8_t proto;
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint8_t saddr[16];
	uint8_t daddr[16];
};

/* The frames to run: an ARP frame among them produces no event. */
struct flow {
	int family;         /* 4, 6, or 0 for ARP */
	int proto;          /* 6 TCP, 17 UDP */
	const char *src, *dst;
	uint16_t sport, dport;
};

static const struct flow flows[] = {
	{ 4, 17, "10.0.0.1", "10.0.0.2", 1234, 53 },
	{ 6, 6, "2001:db8::1", "2001:db8::2", 50000, 443 },
	{ 0, 0, NULL, NULL, 0, 0 },
	{ 4, 6, "192.168.1.7", "192.168.1.1", 40000, 22 },
	{ 6, 17, "fe80::1", "ff02::fb", 5353, 5353 },
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Build the frame for f into buf (room for 128 bytes): Ethernet, then
 * IPv4/IPv6 and 8 bytes of TCP/UDP ports (checksums left 0: the program
 * does not check them), or a bare ARP header. Returns the length.
 */
static size_t build_frame(const struct flow *f, uint8_t *buf)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t *ip = buf + 14;
	size_t l3;

	memset(buf, 0, 128);
	memcpy(buf, macs, sizeof(macs));
	if (f->family == 4) {
		put16(buf + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, 20 + 20);
		ip[8] = 64;
		ip[9] = (uint8_t)f->proto;
		inet_pton(AF_INET, f->src, ip + 12);
		inet_pton(AF_INET, f->dst, ip + 16);
		l3 = 20;
	} else if (f->family == 6) {
		put16(buf + 12, 0x86dd);
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = (uint8_t)f->proto;
		ip[7] = 64;
		inet_pton(AF_INET6, f->src, ip + 8);
		inet_pton(AF_INET6, f->dst, ip + 24);
		l3 = 40;
	} else {
		put16(buf + 12, 0x0806);
		put16(ip, 1);          /* Ethernet */
		put16(ip + 2, 0x0800); /* IPv4 */
		ip[4] = 6;
		ip[5] = 4;
		put16(ip + 6, 1);      /* request */
		return 14 + 28;
	}
	put16(ip + l3, f->sport);
	put16(ip + l3 + 2, f->dport);
	return 14 + l3 + 20;
}

/* The ring buffer callback: one event, printed. */
static int print_event(void *arg, const void *data, size_t size)
{
	int *n = arg;
	struct event e;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af;

	if (size < sizeof(e)) {
		fprintf(stderr, "ringbuf_consumer: a %zu-byte record is too short\n", size);
		return -EINVAL;
	}
	memcpy(&e, data, sizeof(e));
	af = e.family == 4 ? AF_INET : AF_INET6;
	inet_ntop(af, e.saddr, src, sizeof(src));
	inet_ntop(af, e.daddr, dst, sizeof(dst));
	++*n;
	printf(af == AF_INET ? "event %d: ipv4 %s %s:%u -> %s:%u (%u bytes)\n" :
			       "event %d: ipv6 %s [%s]:%u -> [%s]:%u (%u bytes)\n",
	       *n, e.proto == 6 ? "tcp" : e.proto == 17 ? "udp" : "?", src,
	       e.sport, dst, e.dport, e.len);
	return 0;
}

/*
 * A u64 variable of the object's .bss, found by name through the BTF of
 * the section (its DATASEC lists each variable's offset). -ENOENT when
 * there is none.
 */
static int bss_u64(const struct ubee_object *obj, const char *name,
		   uint64_t *out)
{
	const struct ubee_btf *btf = ubee_object_btf(obj);
	struct ubee_object_map_info mi;
	struct ubee_btf_var_secinfo v;
	const uint8_t *data;
	size_t size;
	int i = ubee_object_find_map(obj, ".bss");

	if (i < 0 || !btf || ubee_object_map(obj, (size_t)i, &mi))
		return -ENOENT;
	data = ubee_object_map_data(obj, (size_t)i, &size);
	for (uint32_t k = 0; data &&
	     !ubee_btf_datasec_var(btf, mi.btf_value_type_id, k, &v); k++) {
		const char *var = ubee_btf_name(btf, v.type);

		if (var && !strcmp(var, name) && v.size == sizeof(*out) &&
		    v.offset + v.size <= size) {
			memcpy(out, data + v.offset, sizeof(*out));
			return 0;
		}
	}
	return -ENOENT;
}

/* Default object path: bpf/ringbuf.o in the directory of argv0. */
static char *default_object(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	size_t dir = slash ? (size_t)(slash - argv0 + 1) : 0;
	char *path = malloc(dir + sizeof("bpf/ringbuf.o"));

	if (path) {
		memcpy(path, argv0, dir);
		strcpy(path + dir, "bpf/ringbuf.o");
	}
	return path;
}

int main(int argc, char **argv)
{
	char *path = argc > 1 ? strdup(argv[1]) : default_object(argv[0]);
	struct ubee_object *obj = NULL;
	struct ubee_object_prog_info prog;
	struct ubee_object_map_info events;
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	uint64_t submitted, lost;
	char lbuf[4096];
	struct ubee_log log;
	int err, i, n = 0, rc = 1;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (!path) {
		fprintf(stderr, "ringbuf_consumer: out of memory\n");
		return 1;
	}
	err = ubee_object_open_file(path, &obj, &log);
	if (!err)
		err = ubee_object_load(obj, &lo, &log);
	if (err) {
		fprintf(stderr, "ringbuf_consumer: %s: %s\n%s", path, strerror(-err), lbuf);
		goto out;
	}
	i = ubee_object_find_prog(obj, "flow_events");
	if (i < 0 || ubee_object_prog(obj, (size_t)i, &prog) ||
	    (i = ubee_object_find_map(obj, "events")) < 0 ||
	    ubee_object_map(obj, (size_t)i, &events)) {
		fprintf(stderr, "ringbuf_consumer: %s has no flow_events program or events map\n",
			path);
		goto out;
	}

	for (size_t f = 0; f < sizeof(flows) / sizeof(flows[0]); f++) {
		uint8_t frame[128];
		struct ubee_test_run t = { .sz = sizeof(t) };

		t.data_in = frame;
		t.data_size_in = build_frame(&flows[f], frame);
		/* No verifier yet: run with every access checked. */
		t.flags = UBEE_RUN_CHECKED;
		log.len = 0;
		err = ubee_prog_test_run(prog.prog, &t, &log);
		if (err) {
			fprintf(stderr, "ringbuf_consumer: frame %zu: %s\n%s", f,
				strerror(-err), lbuf);
			goto out;
		}
	}

	/* Everything the runs submitted, in order. */
	err = ubee_ringbuf_consume(events.map, print_event, &n);
	if (err < 0) {
		fprintf(stderr, "ringbuf_consumer: consume: %s\n", strerror(-err));
		goto out;
	}
	if (bss_u64(obj, "submitted", &submitted) || bss_u64(obj, "lost", &lost)) {
		fprintf(stderr, "ringbuf_consumer: no .bss counters\n");
		goto out;
	}
	printf("%d events; .bss: submitted %llu, lost %llu\n", err,
	       (unsigned long long)submitted, (unsigned long long)lost);
	rc = err == n ? 0 : 1;
out:
	ubee_object_free(obj);
	free(path);
	return rc;
}
