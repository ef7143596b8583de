// SPDX-License-Identifier: MIT
/*
 * Run one program of an eBPF object in the kernel, as `ubee run` runs it
 * in ubee, and print the outcome in the shape of `ubee -j run --dump-maps`:
 *
 *   {"retval":N,"data_out":"HEX","maps":[{"name":..,"type":..,"elements":[..]}]}
 *
 * The object is opened and loaded with libbpf (every program, so prog
 * arrays get their members), initial map contents are written if asked,
 * the program runs once (or --repeat times) with BPF_PROG_TEST_RUN on the
 * packet file, and every map is dumped with its values formatted from
 * the object's BTF as bpftool's JSON does (an independent printer, for a
 * differential against ubee's): numbers, enumerator names, objects per
 * struct, lists per array, {"SEC":[{"var":..}]} for global data,
 * per-CPU values as "values":[{"cpu":N,"value":..}], hex byte lists
 * without BTF. Maps that have no keys to dump (prog and perf arrays,
 * ring buffers, queues, stacks, bloom filters, maps of maps) list [].
 * Global data maps are named from their first '.' (".bss"), as ubee does.
 *
 * Usage: kernel_run OBJ --program NAME --data FILE [--ctx FILE]
 *                   [--repeat N] [--map-update MAP KEYHEX VALUEHEX]...
 * (VALUEHEX of a per-CPU map is one CPU's value, written to every CPU.)
 * Exit 0 on success; 2 when the kernel refuses (bpf() not permitted, the
 * program or map type unknown, the verifier rejects the object, the test
 * run is not supported), with "kernel_run: refused: REASON" last on
 * stderr; 3 when BPF_PROG_TEST_RUN fails on this input (EINVAL for a
 * frame it will not take: an outcome to compare, not a refusal); 1 for
 * any other failure. Built and run by tests/sh/kernel_examples.sh.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's, not in libc's errno.h */
#endif

#define EXIT_REFUSED 2
#define EXIT_RUN_ERROR 3
#define MAX_UPDATES 16
#define MAX_DEPTH 32
/* Room for the packet to grow (bpf_xdp_adjust_tail) on output. */
#define DATA_OUT_SLACK 4096

struct update {
	const char *map, *key, *value;
};

struct args {
	const char *obj, *program, *data, *ctx;
	int repeat;
	struct update up[MAX_UPDATES];
	int nr_up;
};

static int refused(const char *fmt, ...)
{
	va_list ap;

	fputs("kernel_run: refused: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_REFUSED;
}

static int failed(const char *fmt, ...)
{
	va_list ap;

	fputs("kernel_run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* libbpf's warnings (the verifier log among them) go to stderr. */
static int print_warnings(enum libbpf_print_level level, const char *fmt,
			  va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	unsigned char *p = malloc(cap);

	if (!f || !p) {
		if (f)
			fclose(f);
		free(p);
		return -1;
	}
	for (;;) {
		size_t got = fread(p + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		unsigned char *q = realloc(p, cap);
		if (!q) {
			free(p);
			fclose(f);
			return -1;
		}
		p = q;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

/* Hex text (even length, no separators) into exactly n bytes. */
static int parse_hex(const char *s, unsigned char *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* ---- the value printer (bpftool's JSON) -------------------------------- */

static unsigned long long rd_le(const unsigned char *p, size_t n)
{
	unsigned long long v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* nbits at bit_off of p, little-endian bit order, as a hex string. */
static void print_bits(const unsigned char *p, unsigned bit_off, unsigned nbits)
{
	unsigned long long v[2] = { 0, 0 };

	for (unsigned i = 0; i < nbits && i < 128; i++) {
		unsigned b = bit_off + i;

		if (p[b / 8] >> (b % 8) & 1)
			v[i / 64] |= 1ull << (i % 64);
	}
	if (v[1])
		printf("\"0x%llx%016llx\"", v[1], v[0]);
	else
		printf("\"0x%llx\"", v[0]);
}

static void print_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* An array of 1-byte chars holding a printable NUL-terminated string. */
static int is_string(const struct btf *btf, const struct btf_array *a,
		     const unsigned char *p)
{
	const struct btf_type *e = btf__type_by_id(btf, a->type);

	while (e && (btf_is_const(e) || btf_is_volatile(e) || btf_is_restrict(e)))
		e = btf__type_by_id(btf, e->type);
	if (!e || !btf_is_int(e) || e->size != 1 || !a->nelems ||
	    (!(btf_int_encoding(e) & BTF_INT_CHAR) &&
	     strcmp(btf__name_by_offset(btf, e->name_off), "char")))
		return 0;
	for (unsigned i = 0; i < a->nelems; i++) {
		if (!p[i])
			return 1;
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return 0;
	}
	return 0;
}

static int print_value(const struct btf *btf, __u32 id, const unsigned char *p,
		       unsigned bit_off, int depth);

static int print_int(const struct btf_type *t, const unsigned char *p,
		     unsigned bit_off)
{
	unsigned bits = btf_int_bits(t), enc = btf_int_encoding(t);
	unsigned long long x;

	bit_off += btf_int_offset(t);
	if (bit_off || (bits != 8 && bits != 16 && bits != 32 && bits != 64)) {
		print_bits(p, bit_off, bits);
		return 0;
	}
	x = rd_le(p, bits / 8);
	if (enc & BTF_INT_SIGNED) {
		long long s = bits == 64 ? (long long)x :
			(long long)(x ^ 1ull << (bits - 1)) - (long long)(1ull << (bits - 1));

		printf("%lld", s);
	} else if (enc & BTF_INT_CHAR) {
		if (isprint((int)x))
			printf("\"%c\"", (int)x);
		else
			printf("\"\\u00%02x\"", (unsigned)x);
	} else if (enc & BTF_INT_BOOL) {
		printf("%s", x ? "true" : "false");
	} else {
		printf("%llu", x);
	}
	return 0;
}

static int print_enum(const struct btf *btf, const struct btf_type *t,
		      const unsigned char *p)
{
	int sgn = btf_kflag(t);
	unsigned long long x = rd_le(p, t->size);

	if (sgn && t->size < 8 && x >> (t->size * 8 - 1))
		x |= ~0ull << (t->size * 8);
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		unsigned long long v;
		const char *name;

		if (btf_is_enum64(t)) {
			v = btf_enum64_value(btf_enum64(t) + i);
			name = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
		} else {
			v = sgn ? (unsigned long long)(long long)btf_enum(t)[i].val :
				  (unsigned)btf_enum(t)[i].val;
			name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
		}
		if (v == x) {
			print_string(name);
			return 0;
		}
	}
	if (sgn)
		printf("%lld", (long long)x);
	else
		printf("%llu", x);
	return 0;
}

static int print_value(const struct btf *btf, __u32 id, const unsigned char *p,
		       unsigned bit_off, int depth)
{
	const struct btf_type *t;
	int err = 0;

	if (depth > MAX_DEPTH)
		return -E2BIG;
	t = btf__type_by_id(btf, id);
	/* btf__resolve_type() would look through a VAR too. */
	if (t && !btf_is_var(t)) {
		id = btf__resolve_type(btf, id);
		t = btf__type_by_id(btf, id);
	}
	if (!t)
		return -EINVAL;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return print_int(t, p, bit_off);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return print_enum(btf, t, p);
	case BTF_KIND_PTR:
		printf("%llu", rd_le(p, 8));
		return 0;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		__s64 esz = btf__resolve_size(btf, a->type);

		if (esz < 0)
			return (int)esz;
		if (is_string(btf, a, p)) {
			print_string((const char *)p);
			return 0;
		}
		putchar('[');
		for (unsigned i = 0; i < a->nelems && !err; i++) {
			if (i)
				putchar(',');
			err = print_value(btf, a->type, p + esz * i, 0, depth + 1);
		}
		putchar(']');
		return err;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);

		putchar('{');
		for (unsigned i = 0; i < btf_vlen(t) && !err; i++) {
			unsigned off = btf_member_bit_offset(t, i);
			unsigned bsz = btf_member_bitfield_size(t, i);

			printf("%s", i ? "," : "");
			print_string(btf__name_by_offset(btf, m[i].name_off));
			putchar(':');
			if (bsz)
				print_bits(p, off, bsz);
			else
				err = print_value(btf, m[i].type, p + off / 8,
						  off % 8, depth + 1);
		}
		putchar('}');
		return err;
	}
	case BTF_KIND_VAR:
		putchar('{');
		print_string(btf__name_by_offset(btf, t->name_off));
		putchar(':');
		err = print_value(btf, t->type, p, 0, depth + 1);
		putchar('}');
		return err;
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = btf_var_secinfos(t);

		putchar('{');
		print_string(btf__name_by_offset(btf, t->name_off));
		printf(":[");
		for (unsigned i = 0; i < btf_vlen(t) && !err; i++) {
			if (i)
				putchar(',');
			err = print_value(btf, v[i].type, p + v[i].offset, 0,
					  depth + 1);
		}
		printf("]}");
		return err;
	}
	}
	return -EOPNOTSUPP;
}

/* ---- maps -------------------------------------------------------------- */

static int has_keys(enum bpf_map_type type)
{
	switch (type) {
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_BLOOM_FILTER:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return 0;
	default:
		return 1;
	}
}

static int is_percpu(enum bpf_map_type type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static void print_hex_list(const unsigned char *p, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s\"0x%02x\"", i ? "," : "", p[i]);
	putchar(']');
}

/* A key or value: through BTF when the map has a type for it. */
static int print_typed(const struct btf *btf, __u32 id, const unsigned char *p,
		       size_t n)
{
	if (btf && id)
		return print_value(btf, id, p, 0, 0);
	print_hex_list(p, n);
	return 0;
}

static int dump_map(const struct bpf_object *obj, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	enum bpf_map_type type = bpf_map__type(map);
	__u32 ks = bpf_map__key_size(map), vs = bpf_map__value_size(map);
	__u32 kid = bpf_map__btf_key_type_id(map), vid = bpf_map__btf_value_type_id(map);
	int ncpu = is_percpu(type) ? libbpf_num_possible_cpus() : 1;
	size_t stride = is_percpu(type) ? (vs + 7) / 8 * 8 : vs;
	unsigned char *key = calloc(1, ks + 1), *next = calloc(1, ks + 1);
	unsigned char *val = calloc(ncpu > 0 ? ncpu : 1, stride + 8);
	const char *name = bpf_map__name(map);
	int fd = bpf_map__fd(map), first = 1, err = 0;
	void *prev = NULL;

	if (!key || !next || !val || ncpu <= 0) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map__is_internal(map) && strchr(name, '.'))
		name = strchr(name, '.');
	printf("{\"name\":");
	print_string(name);
	printf(",\"type\":\"%s\",\"elements\":[", libbpf_bpf_map_type_str(type));
	if (!vid)
		btf = NULL; /* no types: hex keys and values, as ubee */
	while (has_keys(type) && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ks);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* deleted meanwhile */
		printf("%s{", first ? "" : ",");
		first = 0;
		if (!btf || kid) {
			printf("\"key\":");
			err = print_typed(btf, kid, key, ks);
			putchar(',');
		}
		if (!is_percpu(type)) {
			printf("\"value\":");
			err = err ?: print_typed(btf, vid, val, vs);
		} else {
			printf("\"values\":[");
			for (int c = 0; c < ncpu && !err; c++) {
				printf("%s{\"cpu\":%d,\"value\":", c ? "," : "", c);
				err = print_typed(btf, vid, val + c * stride, vs);
				putchar('}');
			}
			putchar(']');
		}
		putchar('}');
		if (err)
			break;
	}
	printf("]}");
out:
	free(key);
	free(next);
	free(val);
	return err;
}

/* Write one --map-update. */
static int apply_update(struct bpf_object *obj, const struct update *u)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, u->map);
	unsigned char *key, *one, *val;
	size_t ks, vs, stride;
	int ncpu = 1, err = 1;

	if (!map)
		return failed("--map-update: no map named '%s'", u->map);
	ks = bpf_map__key_size(map);
	vs = bpf_map__value_size(map);
	stride = vs;
	if (is_percpu(bpf_map__type(map))) {
		ncpu = libbpf_num_possible_cpus();
		stride = (vs + 7) / 8 * 8;
	}
	key = calloc(1, ks);
	one = calloc(1, vs);
	val = calloc(ncpu > 0 ? ncpu : 1, stride);
	if (!key || !one || !val || ncpu <= 0)
		goto out;
	if (parse_hex(u->key, key, ks) || parse_hex(u->value, one, vs)) {
		failed("--map-update %s: the key must be %zu and the value %zu bytes of hex",
		       u->map, ks, vs);
		goto out;
	}
	for (int c = 0; c < ncpu; c++)
		memcpy(val + c * stride, one, vs);
	if (bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY)) {
		failed("--map-update %s: %s", u->map, strerror(errno));
		goto out;
	}
	err = 0;
out:
	free(key);
	free(one);
	free(val);
	return err;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->repeat = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--map-update") && i + 3 < argc) {
			if (a->nr_up == MAX_UPDATES)
				return failed("at most %d --map-update", MAX_UPDATES);
			a->up[a->nr_up++] = (struct update){ argv[i + 1], argv[i + 2],
							     argv[i + 3] };
			i += 3;
		} else if (i + 1 < argc && !strcmp(o, "--program")) {
			a->program = argv[++i];
		} else if (i + 1 < argc && !strcmp(o, "--data")) {
			a->data = argv[++i];
		} else if (i + 1 < argc && !strcmp(o, "--ctx")) {
			a->ctx = argv[++i];
		} else if (i + 1 < argc && !strcmp(o, "--repeat")) {
			a->repeat = atoi(argv[++i]);
		} else if (o[0] != '-' && !a->obj) {
			a->obj = o;
		} else {
			return failed("bad argument '%s'", o);
		}
	}
	if (!a->obj || !a->program || !a->data || a->repeat < 1)
		return failed("usage: kernel_run OBJ --program NAME --data FILE [--ctx FILE] [--repeat N] [--map-update MAP KEYHEX VALUEHEX]...");
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	unsigned char *data = NULL, *ctx = NULL, *out = NULL;
	size_t data_len = 0, ctx_len = 0;
	struct args a;
	int rc = 1, err, first = 1;

	if (parse_args(argc, argv, &a))
		return 1;
	libbpf_set_print(print_warnings);
	if (read_file(a.data, &data, &data_len) ||
	    (a.ctx && read_file(a.ctx, &ctx, &ctx_len))) {
		rc = failed("cannot read %s", a.ctx && data ? a.ctx : a.data);
		goto out;
	}
	obj = bpf_object__open_file(a.obj, NULL);
	if (!obj) {
		rc = failed("libbpf cannot open %s: %s", a.obj, strerror(errno));
		goto out;
	}
	prog = bpf_object__find_program_by_name(obj, a.program);
	if (!prog) {
		rc = failed("%s: no program named '%s'", a.obj, a.program);
		goto out;
	}
	err = libbpf_probe_bpf_prog_type(bpf_program__type(prog), NULL);
	if (err <= 0) {
		rc = refused("%s programs cannot be loaded: %s",
			     libbpf_bpf_prog_type_str(bpf_program__type(prog)),
			     err ? strerror(-err) :
			     "bpf() is not permitted or the kernel lacks the type");
		goto out;
	}
	err = bpf_object__load(obj);
	if (err) {
		rc = refused("loading %s: %s (the verifier log is above)", a.obj,
			     strerror(-err));
		goto out;
	}
	for (int i = 0; i < a.nr_up; i++)
		if (apply_update(obj, &a.up[i]))
			goto out;

	out = calloc(1, data_len + DATA_OUT_SLACK);
	if (!out) {
		rc = failed("out of memory");
		goto out;
	}
	run.data_in = data;
	run.data_size_in = (__u32)data_len;
	run.data_out = out;
	run.data_size_out = (__u32)(data_len + DATA_OUT_SLACK);
	run.ctx_in = ctx;
	run.ctx_size_in = (__u32)ctx_len;
	run.repeat = a.repeat;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &run);
	if (err) {
		err = -errno;
		if (err == -EOPNOTSUPP || err == -ENOTSUPP || err == -EPERM) {
			rc = refused("BPF_PROG_TEST_RUN: %s", strerror(-err));
		} else {
			failed("BPF_PROG_TEST_RUN refuses the input: %s", strerror(-err));
			rc = EXIT_RUN_ERROR;
		}
		goto out;
	}

	printf("{\"retval\":%u,\"data_out\":\"", run.retval);
	for (__u32 i = 0; i < run.data_size_out; i++)
		printf("%02x", out[i]);
	printf("\",\"maps\":[");
	bpf_object__for_each_map(map, obj) {
		printf("%s", first ? "" : ",");
		first = 0;
		err = dump_map(obj, map);
		if (err) {
			rc = failed("map %s: cannot dump: %s", bpf_map__name(map),
				    strerror(-err));
			goto out;
		}
	}
	printf("]}\n");
	rc = 0;
out:
	bpf_object__close(obj);
	free(data);
	free(ctx);
	free(out);
	return rc;
}
