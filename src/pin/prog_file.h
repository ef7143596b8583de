/* SPDX-License-Identifier: MIT */
/*
 * Pinned programs: a program file in the pin directory holds what another
 * process needs to load and run the program (name, type, license, the
 * instructions with map references by pin path, BTF and line info for
 * dumps) and its run statistics, shared live through a MAP_SHARED mapping
 * so that `ubee prog show` in one process sees the runs of all others.
 *
 * Layout (little-endian, offsets from the start of the file):
 *
 *   0     struct pf_hdr (prog_file.c): magic UBEE_PIN_PROG_MAGIC, version,
 *         sizes, identity (id, type, name, tag, license flag, load time,
 *         uid) and the offset/size of each section below
 *   64..  shared counters: run_cnt, run_time_ns (own cache line)
 *   ...   sections: instructions (8 bytes each), map paths (u32 string
 *         offsets, 0: none), line info (5 x u32 records), func info
 *         (2 x u32), strings (NUL-terminated table), BTF (raw .BTF)
 *
 * Opening checks the magic, the version, every section against the
 * file's size and every string offset against the string table, and
 * parses the BTF: a truncated or foreign file is refused with one log
 * line naming the file and the field. Instructions are checked by
 * ubee_prog_load when the program is loaded from the file.
 */
#ifndef UBEE_PIN_PROG_FILE_H
#define UBEE_PIN_PROG_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/btf.h"
#include "ubee/object.h"
#include "ubee/ubee.h"

#define UBEE_PROG_FILE_VERSION 1
#define UBEE_PROG_NAME_MAX 15     /* bytes of a name kept (kernel's 16 - 1) */

/* What a program file is made from. Everything is borrowed and copied. */
struct ubee_prog_file_spec {
	const char *name;
	uint32_t prog_type;
	uint32_t expected_attach_type;
	uint32_t prog_flags;          /* enum ubee_prog_flags used at load */
	const char *license;
	/* The instructions before lddw resolution: map references are
	 * pseudo sources 5 (map) / 6 (map value) with imm an index into
	 * map_paths. */
	const struct ubee_insn *insns;
	size_t nr_insns;
	const char *const *map_paths; /* absolute paths; NULL: unused index */
	size_t nr_maps;
	const void *btf;              /* raw BTF or NULL */
	size_t btf_size;
	const struct ubee_object_line *lines;
	size_t nr_lines;
	const struct ubee_object_func_info *funcs;
	size_t nr_funcs;
};

/*
 * Write a program file at pinpath (resolved as ubee_pin_resolve does).
 * The file appears complete or not at all. -EEXIST when pinpath exists,
 * -EINVAL for a bad spec, -E2BIG past the limits, else -errno; logged.
 */
int ubee_prog_file_pin(const char *pinpath,
		       const struct ubee_prog_file_spec *spec,
		       struct ubee_log *log);

/* An open, mapped program file. */
struct ubee_prog_file;

/* What an open program file says; everything borrowed from it. */
struct ubee_prog_file_info {
	const char *path;             /* absolute */
	uint32_t id;                  /* stable across processes */
	const char *name;
	uint32_t prog_type;
	uint32_t expected_attach_type;
	uint32_t prog_flags;
	uint8_t tag[8];
	int gpl_compatible;
	const char *license;
	uint64_t load_time;           /* seconds since the epoch, at pinning */
	uint32_t uid;                 /* of the process that pinned it */
	const struct ubee_insn *insns;
	size_t nr_insns;
	size_t nr_maps;
	const struct ubee_object_line *lines; /* ordered by insn */
	size_t nr_lines;
	const struct ubee_object_func_info *funcs;
	size_t nr_funcs;
};

/*
 * Open and check the program file at pinpath (see above). *out is freed
 * with ubee_prog_file_close. -ENOENT no file, -EINVAL not a program file
 * or a bad field, -EPROTO another version, -ENOMEM; logged.
 */
int ubee_prog_file_open(const char *pinpath, struct ubee_prog_file **out,
			struct ubee_log *log);
/*
 * Close the file. Programs loaded from it must be freed first (their
 * counters live in the mapping).
 */
void ubee_prog_file_close(struct ubee_prog_file *pf);

const struct ubee_prog_file_info *ubee_prog_file_info(const struct ubee_prog_file *pf);
/* The file's BTF, or NULL when it has none. Borrowed. */
const struct ubee_btf *ubee_prog_file_btf(const struct ubee_prog_file *pf);
/* Pin path of map i (absolute), or NULL when the program does not use it. */
const char *ubee_prog_file_map_path(const struct ubee_prog_file *pf, size_t i);
/* The shared counters (live: another process may be adding to them). */
void ubee_prog_file_stats(const struct ubee_prog_file *pf, uint64_t *run_cnt,
			  uint64_t *run_time_ns);

/*
 * Load the program: open its pinned maps, resolve its map references and
 * ubee_prog_load it (with helpers, NULL for the built-ins, and the flags
 * it was pinned with plus extra_flags). Its runs count into the file's
 * counters. *out must be freed before ubee_prog_file_close. -ENOENT when
 * a map's pin is gone, else as ubee_map_open_pinned and ubee_prog_load;
 * logged.
 */
int ubee_prog_file_load(struct ubee_prog_file *pf,
			const struct ubee_helpers *helpers, uint32_t extra_flags,
			struct ubee_prog **out, struct ubee_log *log);

/* The tag of a program (prog_tag.c): see there. */
void ubee_prog_tag(const struct ubee_insn *insns, size_t cnt, uint8_t tag[8]);
void ubee_sha256(const void *data, size_t n, uint8_t out[32]);

#endif /* UBEE_PIN_PROG_FILE_H */
