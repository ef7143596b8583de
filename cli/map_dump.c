// SPDX-License-Identifier: MIT
/*
 * Printing a map's contents as `bpftool map dump` does: BTF-typed maps as
 * JSON-like entries (plain, -j or -p), others as hex "key: .. value: .."
 * lines, then "Found N elements"; under -j each element's raw bytes as
 * hex strings, with the BTF form under "formatted". One element the way
 * `bpftool map lookup` prints it. Every map of an object after a run.
 * Shared by `run`, `xdp`/`tc`/`socket` (--dump-maps) and the `map`
 * commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/object.h"

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

int cli_map_is_percpu(struct ubee_map *m)
{
	uint32_t t = ubee_map_type(m);

	return t == UBEE_MAP_PERCPU_ARRAY || t == UBEE_MAP_PERCPU_HASH ||
	       t == UBEE_MAP_LRU_PERCPU_HASH;
}

unsigned cli_map_value_slots(struct ubee_map *m)
{
	return cli_map_is_percpu(m) ? ubee_map_nr_cpus() : 1;
}

size_t cli_map_value_stride(struct ubee_map *m)
{
	uint32_t vs = ubee_map_value_size(m);

	return cli_map_is_percpu(m) ? ((vs + 7) & ~7u) : vs;
}

/* A value of the map's key or value type id, as BTF or (id 0) as hex. */
static void value_json(struct ubee_btf_writer *w, const struct cli_map_view *v,
		       uint32_t id, const void *p, size_t n)
{
	if (v->btf && id)
		ubee_btf_dump(w, v->btf, id, p, n);
	else
		hex_json(w, p, n);
}

/* Per-CPU values as bpftool nests them: [{"cpu":0,"value":..},..]. */
static void cpu_values(struct ubee_btf_writer *w, const struct cli_map_view *v,
		       uint32_t id, const uint8_t *value)
{
	size_t stride = cli_map_value_stride(v->map);
	unsigned ncpu = cli_map_value_slots(v->map);

	ubee_btf_w_begin(w, '[');
	for (unsigned c = 0; c < ncpu; c++) {
		ubee_btf_w_begin(w, '{');
		ubee_btf_w_name(w, "cpu");
		ubee_btf_w_printf(w, "%u", c);
		ubee_btf_w_name(w, "value");
		value_json(w, v, id, value + c * stride, ubee_map_value_size(v->map));
		ubee_btf_w_end(w, '}');
	}
	ubee_btf_w_end(w, ']');
}

/*
 * The members "key" and "value" (per-CPU: "values") of an element as hex
 * byte arrays, inside an open object; key NULL: "key": [].
 */
static void hex_members(struct ubee_btf_writer *w, const struct cli_map_view *v,
			const void *key, const uint8_t *value)
{
	struct ubee_map *m = v->map;
	int percpu = cli_map_is_percpu(m);

	ubee_btf_w_name(w, "key");
	hex_json(w, key, key ? ubee_map_key_size(m) : 0);
	ubee_btf_w_name(w, percpu ? "values" : "value");
	if (percpu)
		cpu_values(w, v, 0, value);
	else
		hex_json(w, value, ubee_map_value_size(m));
}

/* One entry through the writer, formatted by BTF where the map has it. */
static void btf_entry(struct ubee_btf_writer *w, const struct cli_map_view *v,
		      const void *key, const uint8_t *value)
{
	struct ubee_map *m = v->map;

	if (!v->btf || !v->value_type_id) {
		ubee_btf_w_begin(w, '{');
		hex_members(w, v, key, value);
		ubee_btf_w_end(w, '}');
	} else if (!cli_map_is_percpu(m)) {
		ubee_btf_dump_entry(w, v->btf, v->key_type_id, key,
				    ubee_map_key_size(m), v->value_type_id, value,
				    ubee_map_value_size(m));
	} else {
		ubee_btf_w_begin(w, '{');
		ubee_btf_w_name(w, "key");
		value_json(w, v, v->key_type_id, key, ubee_map_key_size(m));
		ubee_btf_w_name(w, "values");
		cpu_values(w, v, v->value_type_id, value);
		ubee_btf_w_end(w, '}');
	}
}

static void hex_entry(FILE *f, const struct cli_map_view *v, const void *key,
		      const uint8_t *value)
{
	struct ubee_map *m = v->map;
	int percpu = cli_map_is_percpu(m);

	/* bpftool: "key: K  value: V", per-CPU maps "key:\nK\n" then a line per CPU */
	fputs(percpu ? "key:\n" : "key: ", f);
	hex(f, key, ubee_map_key_size(m));
	if (!percpu) {
		fputs("  value: ", f);
		hex(f, value, ubee_map_value_size(m));
		fputc('\n', f);
		return;
	}
	fputc('\n', f);
	for (unsigned c = 0; c < cli_map_value_slots(m); c++) {
		fprintf(f, "value (CPU %02u): ", c);
		hex(f, value + c * cli_map_value_stride(m), ubee_map_value_size(m));
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
		      const void *key, const uint8_t *value)
{
	ubee_btf_w_begin(w, '{');
	hex_members(w, v, key, value);
	if (key && v->btf && v->value_type_id) {
		ubee_btf_w_name(w, "formatted");
		btf_entry(w, v, key, value);
	}
	ubee_btf_w_end(w, '}');
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
	uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1);
	uint8_t *value = calloc(cli_map_value_slots(m), cli_map_value_stride(m) + 1);
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
			btf_entry(w, v, key, value);
		else if (mode == WALK_RAW)
			raw_entry(w, v, key, value);
		else
			hex_entry(f, v, key, value);
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
		raw_entry(w, j->v, j->key, j->value);
	else
		btf_entry(w, j->v, j->key, j->value);
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
	n = cli_emit_json(f, btf_flags, fill_all, &j);
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
	n = cli_emit_json(f, fmt == CLI_FMT_PRETTY ? UBEE_BTF_DUMP_PRETTY : 0,
			  fill_all, &j);
	return n < 0 ? (int)n : 0;
}

int cli_map_print_elem(FILE *f, const struct cli_map_view *v, const void *key,
		       const void *value, enum cli_map_fmt fmt)
{
	struct dump_job j = { f, v, WALK_RAW, key, value };
	struct ubee_map *m = v->map;

	if (fmt == CLI_FMT_TEXT && key && v->btf && v->value_type_id) {
		j.mode = WALK_BTF;
		return cli_emit_json(f, UBEE_BTF_DUMP_PLAIN, fill_one, &j) < 0 ?
		       -ENOMEM : 0;
	}
	if (fmt == CLI_FMT_TEXT) {
		if (!key) { /* queue/stack: bpftool's "value: .." */
			fputs("value: ", f);
			hex(f, value, ubee_map_value_size(m));
			fputc('\n', f);
			return 0;
		}
		hex_entry(f, v, key, value);
		return 0;
	}
	return cli_emit_json(f, fmt == CLI_FMT_PRETTY ? UBEE_BTF_DUMP_PRETTY : 0,
			     fill_one, &j) < 0 ? -ENOMEM : 0;
}

void cli_print_hex(FILE *f, const void *p, size_t n)
{
	hex(f, p, n);
}

int cli_object_dump_maps(const struct ubee_object *obj, int json)
{
	size_t n = ubee_object_map_count(obj);
	unsigned flags = !json ? UBEE_BTF_DUMP_PLAIN :
			 cli_g.pretty ? UBEE_BTF_DUMP_PRETTY : 0;
	int err = 0;

	if (json)
		printf(",\"maps\":[");
	for (size_t i = 0; i < n && !err; i++) {
		struct ubee_object_map_info mi;
		struct cli_map_view v;

		if (ubee_object_map(obj, i, &mi) || !mi.map)
			continue;
		v = (struct cli_map_view){ mi.map, ubee_object_btf(obj),
					   mi.btf_key_type_id, mi.btf_value_type_id };
		if (json)
			printf("%s{\"name\":\"%s\",\"type\":\"%s\",\"elements\":",
			       i ? "," : "", mi.name, ubee_map_type_name(mi.type));
		else
			printf("map %s (%s):\n", mi.name, ubee_map_type_name(mi.type));
		err = cli_map_dump(stdout, &v, flags);
		if (json)
			putchar('}');
		if (err)
			cli_err("map %s: cannot dump: %s", mi.name, strerror(-err));
	}
	if (json)
		putchar(']');
	return err;
}
