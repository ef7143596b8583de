// SPDX-License-Identifier: MIT
/*
 * Printing a map's contents as `bpftool map dump` does: BTF-typed maps as
 * JSON-like entries (plain, -j or -p), others as hex "key: .. value: .."
 * lines, then "Found N elements". Shared by `run --dump-maps` and the
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

	fputs("key: ", f);
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

/*
 * Walk the keys; with a writer, dump BTF entries into it, else print hex
 * lines to f. Returns the number of elements or -errno.
 */
static long walk(FILE *f, struct ubee_btf_writer *w, const struct cli_map_view *v)
{
	struct ubee_map *m = v->map;
	uint32_t ks = ubee_map_key_size(m);
	unsigned ncpu = is_percpu(ubee_map_type(m)) ? ubee_map_nr_cpus() : 1;
	size_t stride = is_percpu(ubee_map_type(m)) ?
			((ubee_map_value_size(m) + 7) & ~7u) : ubee_map_value_size(m);
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
		if (w)
			btf_entry(w, v, key, value, stride, ncpu);
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

int cli_map_dump(FILE *f, const struct cli_map_view *v, unsigned btf_flags)
{
	struct ubee_btf_writer w;
	size_t size = 1 << 16;
	char *buf = NULL;
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
		n = walk(f, NULL, v);
		if (n >= 0)
			fprintf(f, "Found %ld element%s\n", n, n == 1 ? "" : "s");
		return n < 0 ? (int)n : 0;
	}
	/* Twice at most: the writer counts what did not fit. */
	for (int pass = 0; pass < 2; pass++) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		ubee_btf_w_init(&w, buf, size, btf_flags);
		ubee_btf_w_begin(&w, '[');
		n = walk(f, &w, v);
		ubee_btf_w_end(&w, ']');
		if (n < 0 || w.len < size)
			break;
		size = w.len + 1;
		free(buf);
		buf = NULL;
	}
	if (n >= 0) {
		fprintf(f, "%s\n", buf);
		if (btf_flags & UBEE_BTF_DUMP_TEXT)
			fprintf(f, "Found %ld element%s\n", n, n == 1 ? "" : "s");
	}
	free(buf);
	return n < 0 ? (int)n : 0;
}
