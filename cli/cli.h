/* SPDX-License-Identifier: MIT */
/*
 * The `ubee` command: one file per command family, all through the public
 * API only. Shared bits: global options, file reading, error reporting.
 */
#ifndef UBEE_CLI_H
#define UBEE_CLI_H

#include <stddef.h>
#include <stdint.h>

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

/* A map to print, with the BTF that describes it (btf may be NULL). */
struct ubee_btf;
struct cli_map_view {
	struct ubee_map *map;
	const struct ubee_btf *btf;
	uint32_t key_type_id;   /* 0: none */
	uint32_t value_type_id; /* 0: none (hex dump) */
};

/*
 * Print the map's elements to f as `bpftool map dump` does, with
 * UBEE_BTF_DUMP_* flags (UBEE_BTF_DUMP_PLAIN for the plain form, 0 for
 * -j, UBEE_BTF_DUMP_PRETTY for -p). Returns 0 or -errno.
 */
#include <stdio.h>
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
/* Bytes as "01 02 03". */
void cli_print_hex(FILE *f, const void *p, size_t n);

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
