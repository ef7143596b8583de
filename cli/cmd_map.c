// SPDX-License-Identifier: MIT
/*
 * `ubee map ...`: bpftool's map commands on pinned maps (include/ubee/
 * pin.h), in bpftool's words and output shapes:
 *
 *   map show [PINPATH]            every map pinned under the pin dir, or one
 *   map dump PINPATH              elements, BTF pretty-printed, hex otherwise
 *   map create PINPATH type T key K value V entries N [name X] [flags F]
 *   map lookup|getnext PINPATH [key [hex] BYTES]
 *   map update PINPATH key [hex] BYTES value [hex] BYTES [any|exist|noexist]
 *   map delete PINPATH key [hex] BYTES
 *   map push|enqueue PINPATH value [hex] BYTES;  map pop|dequeue|peek PINPATH
 *   map event_pipe PINPATH [count N]   ring buffer records until SIGINT
 *   map freeze PINPATH;  map unpin PINPATH
 *
 * Exit status: 2 for a usage error (unknown command, missing or malformed
 * argument, key or value of the wrong size) with one line naming the
 * argument and the command's usage; 1 for a failure (no such pin, key not
 * found, map full); nothing is changed when an argument is wrong, since
 * every argument is parsed before the map is touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "parse.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/pin.h"

struct map_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct map_cmd *c);
	const char *usage;    /* after "ubee map " */
};

static int usage_err(const struct map_cmd *c, const char *msg)
{
	cli_err("map %s: %s (usage: ubee map %s)", c->name, msg, c->usage);
	return 2;
}

static enum cli_map_fmt fmt(void)
{
	return !cli_g.json ? CLI_FMT_TEXT : cli_g.pretty ? CLI_FMT_PRETTY : CLI_FMT_JSON;
}

/* Open the map pinned at path, or say why not (1). */
static int open_map(const char *path, struct ubee_map **m)
{
	char lbuf[2048];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (ubee_pin_type(path) == UBEE_PIN_PROG) {
		cli_err("%s: a pinned program, not a map", path);
		return 1;
	}
	err = ubee_map_open_pinned(path, m, &log);
	if (err) {
		cli_err_log(path, err, &log);
		return 1;
	}
	return 0;
}

static struct cli_map_view view_of(struct ubee_map *m)
{
	struct cli_map_view v = { m, NULL, 0, 0 };

	if (ubee_map_btf(m, &v.btf, &v.key_type_id, &v.value_type_id))
		v = (struct cli_map_view){ m, NULL, 0, 0 };
	return v;
}

/* ---- show ---------------------------------------------------------------- */

static void show_one(struct ubee_map *m, const char *path, int *first)
{
	const struct ubee_btf *btf;
	uint32_t k, v;
	struct ubee_map_spec spec = { .sz = sizeof(spec), .type = ubee_map_type(m),
				      .key_size = ubee_map_key_size(m),
				      .value_size = ubee_map_value_size(m),
				      .max_entries = ubee_map_max_entries(m),
				      .map_flags = ubee_map_flags(m) };
	uint64_t mem = ubee_map_spec_memory(&spec);
	int has_btf = !ubee_map_btf(m, &btf, &k, &v);
	const char *tname = ubee_map_type_name(ubee_map_type(m));

	if (cli_g.json) {
		struct ubee_btf_writer w;
		char buf[8192];

		ubee_btf_w_init(&w, buf, sizeof(buf),
				cli_g.pretty ? UBEE_BTF_DUMP_PRETTY : 0);
		ubee_btf_w_begin(&w, '{');
		ubee_btf_w_name(&w, "id");
		ubee_btf_w_printf(&w, "%u", ubee_map_id(m));
		ubee_btf_w_name(&w, "type");
		ubee_btf_w_string(&w, tname ? tname : "unknown");
		ubee_btf_w_name(&w, "name");
		ubee_btf_w_string(&w, ubee_map_name(m));
		ubee_btf_w_name(&w, "flags");
		ubee_btf_w_printf(&w, "%u", ubee_map_flags(m));
		ubee_btf_w_name(&w, "bytes_key");
		ubee_btf_w_printf(&w, "%u", ubee_map_key_size(m));
		ubee_btf_w_name(&w, "bytes_value");
		ubee_btf_w_printf(&w, "%u", ubee_map_value_size(m));
		ubee_btf_w_name(&w, "max_entries");
		ubee_btf_w_printf(&w, "%u", ubee_map_max_entries(m));
		ubee_btf_w_name(&w, "bytes_memlock");
		ubee_btf_w_printf(&w, "%" PRIu64, mem);
		ubee_btf_w_name(&w, "frozen");
		ubee_btf_w_printf(&w, "%d", ubee_map_frozen(m) ? 1 : 0);
		ubee_btf_w_name(&w, "btf");
		ubee_btf_w_printf(&w, "%s", has_btf ? "true" : "false");
		ubee_btf_w_name(&w, "pinned");
		ubee_btf_w_begin(&w, '[');
		ubee_btf_w_string(&w, path);
		ubee_btf_w_end(&w, ']');
		ubee_btf_w_end(&w, '}');
		printf("%s%s", *first ? "" : ",", buf);
		if (cli_g.pretty)
			putchar('\n');
	} else {
		printf("%u: %s  name %s  flags 0x%x\n", ubee_map_id(m),
		       tname ? tname : "unknown", ubee_map_name(m), ubee_map_flags(m));
		printf("\tkey %uB  value %uB  max_entries %u  memlock %" PRIu64 "B\n",
		       ubee_map_key_size(m), ubee_map_value_size(m),
		       ubee_map_max_entries(m), mem);
		if (has_btf || ubee_map_frozen(m))
			printf("\t%s%s%s\n", has_btf ? "btf" : "",
			       has_btf && ubee_map_frozen(m) ? "  " : "",
			       ubee_map_frozen(m) ? "frozen" : "");
		printf("\tpinned %s\n", path);
	}
	*first = 0;
}

/* A cli_pin_show_fn: the map pinned at path, when it opens. */
static void show_path(const char *path, int *first)
{
	struct ubee_log log = { 0 };
	struct ubee_map *m;

	if (!ubee_map_open_pinned(path, &m, &log)) {
		show_one(m, path, first);
		ubee_map_put(m);
	}
}

static int do_show(int argc, char **argv, const struct map_cmd *c)
{
	char path[PATH_MAX], lbuf[1024];
	struct ubee_log log;
	struct ubee_map *m;
	int first = 1;

	if (argc > 1)
		return usage_err(c, "too many arguments");
	if (argc == 0)
		return cli_pin_show_all(UBEE_PIN_MAP, show_path);
	if (open_map(argv[0], &m))
		return 1;
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (ubee_pin_resolve(argv[0], path, sizeof(path), &log))
		snprintf(path, sizeof(path), "%s", argv[0]);
	show_one(m, path, &first);
	if (cli_g.json && !cli_g.pretty)
		putchar('\n');
	ubee_map_put(m);
	return 0;
}

/* ---- dump ---------------------------------------------------------------- */

static int do_dump(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_map_view v;
	int err;

	if (argc != 1)
		return usage_err(c, argc ? "too many arguments" : "missing PINPATH");
	if (open_map(argv[0], &m))
		return 1;
	v = view_of(m);
	err = cli_map_dump_fmt(stdout, &v, fmt());
	if (err)
		cli_err("map dump: %s: %s", argv[0], strerror(-err));
	ubee_map_put(m);
	return err ? 1 : 0;
}

/* ---- element commands ---------------------------------------------------- */

/*
 * Open the map at argv[0] and parse argv[1..] as want says into buffers
 * sized from the map. On success *m, e->key and e->value belong to the
 * caller (elem_done). Returns 0 or the exit status.
 */
static int elem_begin(int argc, char **argv, const struct map_cmd *c,
		      unsigned want, struct ubee_map **m, struct cli_elem *e)
{
	char err[256];

	memset(e, 0, sizeof(*e));
	*m = NULL;
	if (argc < 1)
		return usage_err(c, "missing PINPATH");
	if (open_map(argv[0], m))
		return 1;
	e->key_size = ubee_map_key_size(*m);
	e->value_size = ubee_map_value_size(*m);
	e->key = calloc(1, e->key_size + 1);
	/* Per-CPU maps: one value from the user, replicated per CPU later. */
	e->value = calloc(cli_map_value_slots(*m), cli_map_value_stride(*m) + 1);
	if (!e->key || !e->value) {
		cli_err("map %s: out of memory", c->name);
		return 1;
	}
	if (cli_parse_elem(argc - 1, argv + 1, want, e, err, sizeof(err)))
		return usage_err(c, err);
	return 0;
}

static void elem_done(struct ubee_map *m, struct cli_elem *e)
{
	free(e->key);
	free(e->value);
	ubee_map_put(m);
}

/* The per-CPU user-space value from one value: the same bytes on every CPU. */
static void replicate(struct ubee_map *m, uint8_t *value)
{
	uint32_t vs = ubee_map_value_size(m);
	size_t stride = cli_map_value_stride(m);

	if (!cli_map_is_percpu(m))
		return;
	for (unsigned c = ubee_map_nr_cpus(); c-- > 1;) {
		memmove(value + (size_t)c * stride, value, vs);
		memset(value + (size_t)c * stride + vs, 0, stride - vs);
	}
	memset(value + vs, 0, stride - vs);
}

static int op_fail(const struct map_cmd *c, const char *what, int err)
{
	if (cli_g.json)
		printf("{\"error\":\"%s: %s\"}\n", what, strerror(-err));
	cli_err("map %s: %s: %s", c->name, what, strerror(-err));
	return 1;
}

static int do_lookup(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_elem e;
	struct cli_map_view v;
	int ret = elem_begin(argc, argv, c, CLI_ELEM_KEY, &m, &e), err;

	if (ret)
		goto out;
	if (!(e.have & CLI_ELEM_KEY) && e.key_size) {
		ret = usage_err(c, "missing key");
		goto out;
	}
	err = ubee_map_lookup(m, e.key, e.value);
	if (err == -ENOENT) {
		if (cli_g.json) {
			printf("null\n");
		} else {
			printf("key:\n");
			cli_print_hex(stdout, e.key, e.key_size);
			printf("\n\nNot found\n");
		}
		ret = 1;
		goto out;
	}
	if (err) {
		ret = op_fail(c, "lookup failed", err);
		goto out;
	}
	v = view_of(m);
	ret = cli_map_print_elem(stdout, &v, e.key, e.value, fmt()) ? 1 : 0;
out:
	elem_done(m, &e);
	return ret;
}

static int do_getnext(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_elem e;
	uint8_t *next = NULL;
	int ret = elem_begin(argc, argv, c, CLI_ELEM_KEY, &m, &e), err;
	int has = 0;

	if (ret)
		goto out;
	has = !!(e.have & CLI_ELEM_KEY);
	next = calloc(1, e.key_size + 1);
	if (!next) {
		ret = 1;
		goto out;
	}
	err = ubee_map_get_next_key(m, has ? e.key : NULL, next);
	if (err) {
		ret = op_fail(c, "can't get next key", err);
		goto out;
	}
	if (cli_g.json) {
		printf("{\"key\":");
		if (has) {
			printf("[");
			for (size_t i = 0; i < e.key_size; i++)
				printf("%s\"0x%02x\"", i ? "," : "", e.key[i]);
			printf("]");
		} else {
			printf("null");
		}
		printf(",\"next_key\":[");
		for (size_t i = 0; i < e.key_size; i++)
			printf("%s\"0x%02x\"", i ? "," : "", next[i]);
		printf("]}\n");
	} else {
		if (has) {
			printf("key:\n");
			cli_print_hex(stdout, e.key, e.key_size);
			printf("\n");
		} else {
			printf("key: None\n");
		}
		printf("next key:\n");
		cli_print_hex(stdout, next, e.key_size);
		printf("\n");
	}
out:
	free(next);
	elem_done(m, &e);
	return ret;
}

static int do_update(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_elem e;
	int ret = elem_begin(argc, argv, c, CLI_ELEM_KEY | CLI_ELEM_VALUE |
			     CLI_ELEM_FLAGS, &m, &e), err;

	if (ret)
		goto out;
	if (!(e.have & CLI_ELEM_KEY) || !(e.have & CLI_ELEM_VALUE)) {
		ret = usage_err(c, !(e.have & CLI_ELEM_KEY) ? "missing key" :
				"missing value");
		goto out;
	}
	replicate(m, e.value);
	err = ubee_map_update(m, e.key, e.value, e.flags);
	if (err)
		ret = op_fail(c, "update failed", err);
out:
	elem_done(m, &e);
	return ret;
}

static int do_delete(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_elem e;
	int ret = elem_begin(argc, argv, c, CLI_ELEM_KEY, &m, &e), err;

	if (ret)
		goto out;
	if (!(e.have & CLI_ELEM_KEY)) {
		ret = usage_err(c, "missing key");
		goto out;
	}
	err = ubee_map_delete(m, e.key);
	if (err)
		ret = op_fail(c, "delete failed", err);
out:
	elem_done(m, &e);
	return ret;
}

static int do_push(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_elem e;
	int ret = elem_begin(argc, argv, c, CLI_ELEM_VALUE | CLI_ELEM_FLAGS, &m, &e);
	int err;

	if (ret)
		goto out;
	if (!(e.have & CLI_ELEM_VALUE)) {
		ret = usage_err(c, "missing value");
		goto out;
	}
	err = ubee_map_push(m, e.value, e.flags);
	if (err)
		ret = op_fail(c, "push failed", err);
out:
	elem_done(m, &e);
	return ret;
}

static int do_pop(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	struct cli_elem e;
	struct cli_map_view v;
	int ret = elem_begin(argc, argv, c, 0, &m, &e), err;

	if (ret)
		goto out;
	err = !strcmp(c->name, "peek") ? ubee_map_peek(m, e.value) :
	      ubee_map_pop(m, e.value);
	if (err == -ENOENT) {
		if (cli_g.json)
			printf("{\"error\":\"empty map\"}\n");
		cli_err("map %s: empty map", c->name);
		ret = 1;
		goto out;
	}
	if (err) {
		ret = op_fail(c, "failed", err);
		goto out;
	}
	v = view_of(m);
	ret = cli_map_print_elem(stdout, &v, NULL, e.value, fmt()) ? 1 : 0;
out:
	elem_done(m, &e);
	return ret;
}

/* ---- create, freeze, unpin ----------------------------------------------- */

static int do_create(int argc, char **argv, const struct map_cmd *c)
{
	struct cli_map_create mc;
	struct ubee_map_spec spec = { .sz = sizeof(spec) };
	struct ubee_map *m;
	char err[256], lbuf[2048];
	struct ubee_log log;
	int e;

	if (argc < 1)
		return usage_err(c, "missing PINPATH");
	if (cli_parse_map_create(argc - 1, argv + 1, &mc, err, sizeof(err)))
		return usage_err(c, err);
	spec.name = mc.name;
	spec.type = mc.type;
	spec.key_size = mc.key_size;
	spec.value_size = mc.value_size;
	spec.max_entries = mc.max_entries;
	spec.map_flags = mc.flags;
	spec.map_extra = mc.extra;
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	m = ubee_map_new(&spec, &log);
	if (!m) {
		cli_err_log("map create", -errno, &log);
		return 1;
	}
	log.len = 0;
	lbuf[0] = 0;
	e = ubee_map_pin(m, argv[0], &log);
	ubee_map_put(m);
	if (e) {
		cli_err_log(argv[0], e, &log);
		return 1;
	}
	return 0;
}

static int do_freeze(int argc, char **argv, const struct map_cmd *c)
{
	struct ubee_map *m;
	int err;

	if (argc != 1)
		return usage_err(c, argc ? "too many arguments" : "missing PINPATH");
	if (open_map(argv[0], &m))
		return 1;
	err = ubee_map_freeze(m);
	ubee_map_put(m);
	if (err)
		return op_fail(c, "can't freeze map", err);
	return 0;
}

static int do_unpin(int argc, char **argv, const struct map_cmd *c)
{
	if (argc != 1)
		return usage_err(c, argc ? "too many arguments" : "missing PINPATH");
	return cli_pin_unlink(argv[0], UBEE_PIN_MAP, "map");
}

/* ---- event_pipe ---------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

struct pipe_state {
	uint64_t seen, max;
};

static int print_record(void *arg, const void *data, size_t size)
{
	struct pipe_state *s = arg;
	struct timespec ts;
	const uint8_t *p = data;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (cli_g.json) {
		printf("{\"timestamp\":%" PRIu64 ",\"size\":%zu,\"data\":[",
		       (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, size);
		for (size_t i = 0; i < size; i++)
			printf("%s\"0x%02x\"", i ? "," : "", p[i]);
		printf("]}\n");
	} else {
		printf("== @%lld.%09ld size: %zu =====\n", (long long)ts.tv_sec,
		       ts.tv_nsec, size);
		for (size_t i = 0; i < size; i += 16) {
			cli_print_hex(stdout, p + i, size - i < 16 ? size - i : 16);
			putchar('\n');
		}
	}
	s->seen++;
	return s->max && s->seen >= s->max ? -ECANCELED : 0;
}

static int do_event_pipe(int argc, char **argv, const struct map_cmd *c)
{
	struct pipe_state s = { 0, 0 };
	struct sigaction sa;
	struct ubee_map *m;
	int ret = 0;

	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "count")))
		return usage_err(c, argc ? "unexpected arguments" : "missing PINPATH");
	if (argc == 3 && (cli_parse_num(argv[2], UINT64_MAX, &s.max) || !s.max))
		return usage_err(c, "count: not a positive number");
	if (open_map(argv[0], &m))
		return 1;
	if (ubee_map_type(m) != UBEE_MAP_RINGBUF) {
		cli_err("%s: a %s map, not a ring buffer", argv[0],
			ubee_map_type_name(ubee_map_type(m)));
		ubee_map_put(m);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		int n = ubee_ringbuf_consume(m, print_record, &s);

		if (n == -ECANCELED)
			break;
		if (n < 0) {
			ret = op_fail(c, "consume failed", n);
			break;
		}
		if (n == 0)
			usleep(1000); /* no wakeups across processes: poll */
	}
	ubee_map_put(m);
	return ret;
}

static const struct map_cmd map_cmds[] = {
	{ "show", do_show, "show [PINPATH]" },
	{ "list", do_show, "list [PINPATH]" },
	{ "dump", do_dump, "dump PINPATH" },
	{ "create", do_create, "create PINPATH type TYPE key KEY_SIZE value VALUE_SIZE entries MAX_ENTRIES [name NAME] [flags FLAGS] [extra EXTRA]" },
	{ "lookup", do_lookup, "lookup PINPATH key [hex] BYTES" },
	{ "getnext", do_getnext, "getnext PINPATH [key [hex] BYTES]" },
	{ "update", do_update, "update PINPATH key [hex] BYTES value [hex] BYTES [any|exist|noexist]" },
	{ "delete", do_delete, "delete PINPATH key [hex] BYTES" },
	{ "push", do_push, "push PINPATH value [hex] BYTES" },
	{ "enqueue", do_push, "enqueue PINPATH value [hex] BYTES" },
	{ "pop", do_pop, "pop PINPATH" },
	{ "dequeue", do_pop, "dequeue PINPATH" },
	{ "peek", do_pop, "peek PINPATH" },
	{ "event_pipe", do_event_pipe, "event_pipe PINPATH [count N]" },
	{ "freeze", do_freeze, "freeze PINPATH" },
	{ "unpin", do_unpin, "unpin PINPATH" },
};

int cmd_map(int argc, char **argv)
{
	if (argc < 2) {
		cli_err("map: missing command (usage: ubee map { show | dump | create | lookup | getnext | update | delete | push | pop | peek | event_pipe | freeze | unpin } ...)");
		return 2;
	}
	for (size_t i = 0; i < sizeof(map_cmds) / sizeof(map_cmds[0]); i++)
		if (!strcmp(argv[1], map_cmds[i].name))
			return map_cmds[i].fn(argc - 2, argv + 2, &map_cmds[i]);
	cli_err("map: unknown command '%s' (usage: ubee map { show | dump | create | lookup | getnext | update | delete | push | pop | peek | event_pipe | freeze | unpin } ...)",
		argv[1]);
	return 2;
}
