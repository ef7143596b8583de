/* SPDX-License-Identifier: MIT */
/*
 * The `ubee` command: one file per command family, all through the public
 * API only. Shared bits: global options, file reading, error reporting.
 */
#ifndef UBEE_CLI_H
#define UBEE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ubee/ubee.h"

/* Global options, parsed before the command (as bpftool does). */
struct cli_globals {
	int json;   /* -j */
	int pretty; /* -p (implies json) */
};
extern struct cli_globals cli_g;

/* One line on stderr: "ubee: <message>". */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Report a failure whose details are in log: one line per log line,
 * "ubee: <what>: <log line>"; "ubee: <what>: <strerror(-err)>" when the
 * log is empty.
 */
void cli_err_log(const char *what, int err, const struct ubee_log *log);

/*
 * Read a whole file ("-" is stdin) into a new buffer (free()). Returns 0,
 * or -1 after cli_err naming the file and the reason.
 */
int cli_read_file(const char *path, uint8_t **data, size_t *size);
/* Write size bytes to path, or -1 after cli_err. */
int cli_write_file(const char *path, const void *data, size_t size);

/* Parse an unsigned decimal or 0x-hex number; -1 on junk. */
int cli_parse_u64(const char *s, uint64_t *out);

/*
 * JSON (or bpftool's plain BTF text) built by fill into a writer with
 * UBEE_BTF_DUMP_* flags, printed to f with a newline: fill runs once, or
 * twice when the text outgrows the first buffer (it must write the same
 * both times). Returns fill's result (a count, or -errno: nothing is
 * printed), or -ENOMEM.
 */
struct ubee_btf_writer;
long cli_emit_json(FILE *f, unsigned flags,
		   long (*fill)(struct ubee_btf_writer *w, void *arg), void *arg);

/* A map to print, with the BTF that describes it (btf may be NULL). */
struct ubee_btf;
struct cli_map_view {
	struct ubee_map *map;
	const struct ubee_btf *btf;
	uint32_t key_type_id;   /* 0: none */
	uint32_t value_type_id; /* 0: none (hex dump) */
};

/*
 * The layout of a map's user-space value (what ubee_map_lookup copies
 * out): per-CPU maps (cli_map_is_percpu) hold one slot per CPU, each the
 * value rounded up to 8 bytes; other maps one slot of value_size bytes.
 */
int cli_map_is_percpu(struct ubee_map *m);
unsigned cli_map_value_slots(struct ubee_map *m);
size_t cli_map_value_stride(struct ubee_map *m);

/*
 * Print the map's elements to f as `bpftool map dump` does, with
 * UBEE_BTF_DUMP_* flags (UBEE_BTF_DUMP_PLAIN for the plain form, 0 for
 * -j, UBEE_BTF_DUMP_PRETTY for -p). Returns 0 or -errno.
 */
int cli_map_dump(FILE *f, const struct cli_map_view *v, unsigned btf_flags);

/* bpftool's three output shapes: plain text, -j, -p. */
enum cli_map_fmt { CLI_FMT_TEXT, CLI_FMT_JSON, CLI_FMT_PRETTY };
/* `bpftool map dump` in fmt (JSON: raw hex bytes plus "formatted"). */
int cli_map_dump_fmt(FILE *f, const struct cli_map_view *v, enum cli_map_fmt fmt);
/*
 * One element as `bpftool map lookup` prints it (value: the map's
 * user-space value, per-CPU values for every CPU); key NULL for queue and
 * stack values ("value: .."). 0 or -ENOMEM.
 */
int cli_map_print_elem(FILE *f, const struct cli_map_view *v, const void *key,
		       const void *value, enum cli_map_fmt fmt);
/*
 * Every map of obj with its dump, after a run (--dump-maps): plain, a
 * "map NAME (TYPE):" line before each; under json the member
 * ,"maps":[{"name":..,"type":..,"elements":DUMP},..] of the JSON object
 * the caller is printing. Stops at the first map that cannot be dumped
 * (reported). Returns 0 or -errno.
 */
struct ubee_object;
int cli_object_dump_maps(const struct ubee_object *obj, int json);
/* Bytes as "01 02 03". */
void cli_print_hex(FILE *f, const void *p, size_t n);

/*
 * Pinned objects (pins.c). A show callback opens the object pinned at
 * path and prints it as one list element (*first: no separator before
 * it; the callback clears it once it printed); it skips, silently, what
 * it cannot open.
 */
typedef void (*cli_pin_show_fn)(const char *path, int *first);
/*
 * Every object of kind (UBEE_PIN_MAP or UBEE_PIN_PROG) under the pin
 * directory, in name order and down to a few subdirectories, to show;
 * under -j wrapped in [ ]. Returns the exit status: 0, or 1 (reported)
 * when there is no usable pin directory.
 */
int cli_pin_show_all(int kind, cli_pin_show_fn show);
/*
 * Remove the pin at path when it holds kind; what names the kind in the
 * error ("map": "no pinned map there"). Returns the exit status, 0 or 1
 * (reported).
 */
int cli_pin_unlink(const char *path, int kind, const char *what);

/* Command entry points: argv[0] is the command name. Return exit status. */
int cmd_run(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_prog(int argc, char **argv); /* prog load|show|dump|run|unpin */
int cmd_map(int argc, char **argv);  /* map show|dump|lookup|update|... */
int cmd_btf(int argc, char **argv);  /* btf dump */
int cmd_filter(int argc, char **argv); /* cmd_filter.c */
int cmd_pkt(int argc, char **argv); /* xdp, tc, socket */
int cmd_verify(int argc, char **argv); /* cmd_verify.c */

#endif /* UBEE_CLI_H */
