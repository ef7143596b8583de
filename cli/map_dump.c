// SPDX-License-Identifier: MIT
/*
 * Printing a map's contents as `bpftool map dump` does: BTF-typed maps as
 * JSON-like entries (plain, -j or -p), others as hex "key: .. value: .."
 * lines, then "Found N elements"; under -j each element's raw bytes as
 * hex strings, with the BTF form under "formatted". One element the way
 * `bpftool map lookup` prints it. Shared by `run --dump-maps` and the
 * `map` commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubee/btf.h"
#include "ubee/map.h"

static int is_percpu(uint32_t type)
{
	return type == UBEE_MAP_PERCPU_ARRAY || type == UBEE_MAP_PERCPU_HASH ||
	       type == UBEE_MAP_LRU_PERCPU_HASH;
}

/* Maps whose elements are values without keys, or not readable at all. */
static int has_keys(uint32_t type)
{
	return type != UBEE_MAP_QUEUE && type != UBEE_MAP_STACK &&
	       type != UBEE_MAP_BLOOM_FILTER && type != UBEE_MAP_RINGBUF &&
	       type != UBEE_MAP_PERF_EVENT_ARRAY && type != UBEE_MAP_PROG_ARRAY &&
	       type != UBEE_MAP_ARRAY_OF_MAPS && type != UBEE_MAP_HASH_OF_MAPS;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%02x", i ? " " : "", p[i]);
}

/* bytes as bpftool's JSON hex array: ["0x00","0x01"] */
static void hex_json(struct ubee_btf_writer *w, const uint8_t *p, size_t n)
{
	ubee_btf_w_begin(w, '[');
	for (size_t i = 0; i < n; i++)
		ubee_btf_w_printf(w, "\"0x%02x\"", p[i]);
	ubee_btf_w_end(w, ']');
}

/* A value of the map's key or value type, as BTF or as hex. */
static void value_json(struct ubee_btf_writer *w, const struct cli_map_view *v,
		       uint32_t id, const void *p, size_t n)
{
	if (v->btf && id)
		ubee_btf_dump(w, v->btf, id, p, n);
	else
		hex_json(w, p, n);
}

/* One entry through the writer; per-CPU values as bpftool nests them. */
static void btf_entry(struct ubee_btf_writer *w, const struct cli_map_view *v,
		      const void *key, const uint8_t *value, size_t stride,
		      unsigned ncpu)
{
	struct ubee_map *m = v->map;

	if (!v->btf || !v->value_type_id) {
		ubee_btf_w_begin(w, '{');
		ubee_btf_w_name(w, "key");
		hex_json(w, key, ubee_map_key_size(m));
		ubee_btf_w_name(w, is_percpu(ubee_map_type(m)) ? "values" : "value");
		if (is_percpu(ubee_map_type(m))) {
			ubee_btf_w_begin(w, '[');
			for (unsigned c = 0; c < ncpu; c++) {
				ubee_btf_w_begin(w, '{');
				ubee_btf_w_name(w, "cpu");
				ubee_btf_w_printf(w, "%u", c);
				ubee_btf_w_name(w, "value");
				hex_json(w, value + c * stride, ubee_map_value_size(m));
				ubee_btf_w_end(w, '}');
			}
			ubee_btf_w_end(w, ']');
		} else {
			hex_json(w, value, ubee_map_value_size(m));
		}
		ubee_btf_w_end(w, '}');
		return;
	}
	if (!is_percpu(ubee_map_type(m))) {
		ubee_btf_dump_entry(w, v->btf, v->key_type_id, key,
				    ubee_map_key_size(m), v->value_type_id, value,
				    ubee_map_value_size(m));
		return;
	}
	ubee_btf_w_begin(w, '{');
	ubee_btf_w_name(w, "key");
	value_json(w, v, v->key_type_id, key, ubee_map_key_size(m));
	ubee_btf_w_name(w, "values");
	ubee_btf_w_begin(w, '[');
	for (unsigned c = 0; c < ncpu; c++) {
		ubee_btf_w_begin(w, '{');
		ubee_btf_w_name(w, "cpu");
		ubee_btf_w_printf(w, "%u", c);
		ubee_btf_w_name(w, "value");
		ubee_btf_dump(w, v->btf, v->value_type_id, value + c * stride,
			      ubee_map_value_size(m));
		ubee_btf_w_end(w, '}');
	}
	ubee_btf_w_end(w, ']');
	ubee_btf_w_end(w, '}');
}

static void hex_entry(FILE *f, const struct cli_map_view *v, const void *key,
		      const uint8_t *value, size_t stride, unsigned ncpu)
{
	struct ubee_map *m = v->map;

	/* bpftool: "key: K  value: V", per-CPU maps "key:\nK\n" then a line per CPU */
	fputs(is_percpu(ubee_map_type(m)) ? "key:\n" : "key: ", f);
	hex(f, key, ubee_map_key_size(m));
	if (!is_percpu(ubee_map_type(m))) {
		fputs("  value: ", f);
		hex(f, value, ubee_map_value_size(m));
		fputc('\n', f);
		return;
	}
	fputc('\n', f);
	for (unsigned c = 0; c < ncpu; c++) {
		fprintf(f, "value (CPU %02u): ", c);
		hex(f, value + c * stride, ubee_map_value_size(m));
		fputc('\n', f);
	}
}

/* How walk prints each element. */
enum walk_mode {
	WALK_HEX,  /* text lines to f */
	WALK_BTF,  /* BTF entries into the writer (run --dump-maps, plain dump) */
	WALK_RAW,  /* bpftool -j entries: raw bytes and "formatted" */
};

/*
 * bpftool -j's entry: the key and value bytes as hex strings (per-CPU
 * values per CPU), then, when the map has BTF, the same element formatted
 * under "formatted". key NULL: "key": [] (queue/stack elements).
 */
static void raw_entry(struct ubee_btf_writer *w, const struct cli_map_view *v,
		      const void *key, const uint8_t *value, size_t stride,
		      unsigned ncpu)
{
	struct ubee_map *m = v->map;
	int percpu = is_percpu(ubee_map_type(m));

	ubee_btf_w_begin(w, '{');
	ubee_btf_w_name(w, "key");
	hex_json(w, key, key ? ubee_map_key_size(m) : 0);
	ubee_btf_w_name(w, percpu ? "values" : "value");
	if (percpu) {
		ubee_btf_w_begin(w, '[');
		for (unsigned c = 0; c < ncpu; c++) {
			ubee_btf_w_begin(w, '{');
			ubee_btf_w_name(w, "cpu");
			ubee_btf_w_printf(w, "%u", c);
			ubee_btf_w_name(w, "value");
			hex_json(w, value + c * stride, ubee_map_value_size(m));
			ubee_btf_w_end(w, '}');
		}
		ubee_btf_w_end(w, ']');
	} else {
		hex_json(w, value, ubee_map_value_size(m));
	}
	if (key && v->btf && v->value_type_id) {
		ubee_btf_w_name(w, "formatted");
		btf_entry(w, v, key, value, stride, ncpu);
	}
	ubee_btf_w_end(w, '}');
}

static unsigned view_ncpu(const struct cli_map_view *v)
{
	return is_percpu(ubee_map_type(v->map)) ? ubee_map_nr_cpus() : 1;
}

static size_t view_stride(const struct cli_map_view *v)
{
	uint32_t vs = ubee_map_value_size(v->map);

	return is_percpu(ubee_map_type(v->map)) ? ((vs + 7) & ~7u) : vs;
}

/*
 * Walk the keys, printing each element as mode says (into the writer w,
 * or as hex lines to f). Returns the number of elements or -errno.
 */
static long walk(FILE *f, struct ubee_btf_writer *w, const struct cli_map_view *v,
		 enum walk_mode mode)
{
	struct ubee_map *m = v->map;
	uint32_t ks = ubee_map_key_size(m);
	unsigned ncpu = view_ncpu(v);
	size_t stride = view_stride(v);
	uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1);
	uint8_t *value = calloc(ncpu, stride + 1);
	long n = -ENOMEM;
	int err;

	if (!key || !next || !value)
		goto out;
	n = 0;
	for (err = ubee_map_get_next_key(m, NULL, next); !err;
	     err = ubee_map_get_next_key(m, key, next)) {
		memcpy(key, next, ks);
		if (ubee_map_lookup(m, key, value))
			continue; /* deleted meanwhile */
		if (mode == WALK_BTF)
			btf_entry(w, v, key, value, stride, ncpu);
		else if (mode == WALK_RAW)
			raw_entry(w, v, key, value, stride, ncpu);
		else
			hex_entry(f, v, key, value, stride, ncpu);
		n++;
	}
	if (err != -ENOENT)
		n = err;
out:
	free(key);
	free(next);
	free(value);
	return n;
}

/*
 * Run fill twice at most into a writer with flags (the writer counts what
 * did not fit), then print the text and a newline to f. Returns fill's
 * result (a count or -errno); nothing is printed on error.
 */
static long emit(FILE *f, unsigned flags,
		 long (*fill)(struct ubee_btf_writer *w, void *arg), void *arg)
{
	struct ubee_btf_writer w;
	size_t size = 1 << 16;
	char *buf = NULL;
	long n = -ENOMEM;

	for (int pass = 0; pass < 2; pass++) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		ubee_btf_w_init(&w, buf, size, flags);
		n = fill(&w, arg);
		if (n < 0 || w.len < size)
			break;
		size = w.len + 1;
		free(buf);
		buf = NULL;
	}
	if (n >= 0 && buf)
		fprintf(f, "%s\n", buf);
	free(buf);
	return n;
}

struct dump_job {
	FILE *f;
	const struct cli_map_view *v;
	enum walk_mode mode;
	const void *key, *value; /* one element (cli_map_print_elem) */
};

static long fill_all(struct ubee_btf_writer *w, void *arg)
{
	struct dump_job *j = arg;
	long n;

	ubee_btf_w_begin(w, '[');
	n = walk(j->f, w, j->v, j->mode);
	ubee_btf_w_end(w, ']');
	return n;
}

static long fill_one(struct ubee_btf_writer *w, void *arg)
{
	struct dump_job *j = arg;

	if (j->mode == WALK_RAW)
		raw_entry(w, j->v, j->key, j->value, view_stride(j->v),
			  view_ncpu(j->v));
	else
		btf_entry(w, j->v, j->key, j->value, view_stride(j->v),
			  view_ncpu(j->v));
	return 1;
}

int cli_map_dump(FILE *f, const struct cli_map_view *v, unsigned btf_flags)
{
	struct dump_job j = { f, v, WALK_BTF, NULL, NULL };
	long n;

	if (!has_keys(ubee_map_type(v->map))) {
		if (btf_flags & UBEE_BTF_DUMP_TEXT)
			fprintf(f, "(%s maps have no keys to dump)\n",
				ubee_map_type_name(ubee_map_type(v->map)));
		else
			fputs("[]\n", f);
		return 0;
	}
	if ((!v->btf || !v->value_type_id) && (btf_flags & UBEE_BTF_DUMP_TEXT)) {
		n = walk(f, NULL, v, WALK_HEX);
		if (n >= 0)
			fprintf(f, "Found %ld element%s\n", n, n == 1 ? "" : "s");
		return n < 0 ? (int)n : 0;
	}
	/* As bpftool: a BTF dump ends with its closing bracket, no count. */
	n = emit(f, btf_flags, fill_all, &j);
	return n < 0 ? (int)n : 0;
}

int cli_map_dump_fmt(FILE *f, const struct cli_map_view *v, enum cli_map_fmt fmt)
{
	struct dump_job j = { f, v, WALK_RAW, NULL, NULL };
	long n;

	if (fmt == CLI_FMT_TEXT)
		return cli_map_dump(f, v, UBEE_BTF_DUMP_PLAIN);
	if (!has_keys(ubee_map_type(v->map))) {
		fputs("[]\n", f);
		return 0;
	}
	n = emit(f, fmt == CLI_FMT_PRETTY ? UBEE_BTF_DUMP_PRETTY : 0, fill_all, &j);
	return n < 0 ? (int)n : 0;
}

int cli_map_print_elem(FILE *f, const struct cli_map_view *v, const void *key,
		       const void *value, enum cli_map_fmt fmt)
{
	struct dump_job j = { f, v, WALK_RAW, key, value };
	struct ubee_map *m = v->map;

	if (fmt == CLI_FMT_TEXT && key && v->btf && v->value_type_id) {
		j.mode = WALK_BTF;
		return emit(f, UBEE_BTF_DUMP_PLAIN, fill_one, &j) < 0 ? -ENOMEM : 0;
	}
	if (fmt == CLI_FMT_TEXT) {
		if (!key) { /* queue/stack: bpftool's "value: .." */
			fputs("value: ", f);
			hex(f, value, ubee_map_value_size(m));
			fputc('\n', f);
			return 0;
		}
		hex_entry(f, v, key, value, view_stride(v), view_ncpu(v));
		return 0;
	}
	return emit(f, fmt == CLI_FMT_PRETTY ? UBEE_BTF_DUMP_PRETTY : 0, fill_one,
		    &j) < 0 ? -ENOMEM : 0;
}

void cli_print_hex(FILE *f, const void *p, size_t n)
{
	hex(f, p, n);
}
