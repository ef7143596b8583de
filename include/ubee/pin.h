/* SPDX-License-Identifier: MIT */
/*
 * Pinning: maps (and programs, see the CLI) that outlive the process that
 * made them, as bpffs pins do in Linux, without root. A pinned map is a
 * file in the pin directory whose storage IS the map's storage: every
 * process that pins or opens it maps it MAP_SHARED, so contents, locks,
 * ring buffer positions and the frozen flag are shared live.
 *
 * A map file is [header page][the type's storage][BTF]. The header
 * carries magic, version, type, key/value sizes, max_entries, flags, the
 * number of CPUs (per-CPU maps) and where the BTF is; opening checks every
 * field against the file's size and the type's own geometry rules, and
 * refuses a truncated file, another version or mismatched geometry with a
 * one-line log message naming the file and the field. docs/PINNING.md
 * describes the layout and what each type does to stay consistent when a
 * process is killed in the middle of an update.
 *
 * Pinnable types: array, percpu_array, hash, percpu_hash, lru_hash,
 * lru_percpu_hash, lpm_trie, queue, stack, ringbuf, bloom_filter. Others
 * (prog_array, maps of maps, perf_event_array) hold process-local pointers
 * and refuse with -EOPNOTSUPP.
 *
 * Paths: a PINPATH that starts with '/', "./" or "../" is used as it is;
 * any other is relative to the pin directory (ubee_pin_dir).
 */
#ifndef UBEE_PIN_H
#define UBEE_PIN_H

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ubee_map;
struct ubee_btf;

/* The first 8 bytes of a map file and of a program file (the CLI's). */
#define UBEE_PIN_MAP_MAGIC "UBEEMAP\x01"
#define UBEE_PIN_PROG_MAGIC "UBEEPRG\x01"
#define UBEE_PIN_MAGIC_LEN 8

/* What ubee_pin_type finds at a path. */
enum ubee_pin_kind {
	UBEE_PIN_MAP = 1,
	UBEE_PIN_PROG = 2,
};

/*
 * The pin directory into buf[size]: the one set by ubee_pin_set_dir, else
 * $UBEE_PIN_DIR, else /run/ubee when it is (or can be made) writable, else
 * $XDG_RUNTIME_DIR/ubee, else /tmp/ubee-UID. The directory is created
 * when missing (its parent must exist). 0, -ENAMETOOLONG, or the errno of
 * mkdir/access with a log line naming the directory.
 */
int ubee_pin_dir(char *buf, size_t size, struct ubee_log *log);

/* Override the pin directory for this process (--pin-dir); NULL resets.
 * The string is copied. 0 or -ENOMEM. */
int ubee_pin_set_dir(const char *dir);

/* Resolve a PINPATH (see above) into buf[size]: 0 or -errno, logged. */
int ubee_pin_resolve(const char *pinpath, char *buf, size_t size,
		     struct ubee_log *log);

/*
 * What the file at pinpath is, from its magic: UBEE_PIN_MAP,
 * UBEE_PIN_PROG, -ENOENT (no such file), -EINVAL (not a ubee pin), or
 * another -errno from open/read. Logs nothing (use it to sort a listing).
 */
int ubee_pin_type(const char *pinpath);

/*
 * Remove a pin (bpftool's "unpin" is rm on bpffs): the file goes, maps
 * and programs already open in processes keep working on their mapping.
 * Refuses (-EINVAL, logged) a file that is not a ubee pin.
 */
int ubee_pin_unlink(const char *pinpath, struct ubee_log *log);

/*
 * Pin map at pinpath: write the header, the current contents and the BTF
 * (ubee_map_set_btf) to a new file, then map the file over the map's
 * storage at the same address, so pointers programs and JITed code hold
 * stay valid and from now on address the file. The file appears complete
 * or not at all (written under a temporary name, then linked).
 * Pin before programs write the map: an update racing with the pin call
 * may be lost (the loader pins right after creating the map).
 * -EEXIST when pinpath exists, -EBUSY when map is already pinned,
 * -EOPNOTSUPP for a type that cannot be pinned, else -errno; logged.
 */
int ubee_map_pin(struct ubee_map *map, const char *pinpath,
		 struct ubee_log *log);

/*
 * Open the map pinned at pinpath: check the header against the file (see
 * above), map it shared and build this process's view of it. *out gets a
 * new reference (ubee_map_put). The map is pinned (ubee_map_pin_path) and
 * behaves as the map that was pinned: same ops, same errors. A map left
 * inconsistent by a killed process is repaired before it is returned.
 * -ENOENT no file; -EINVAL not a map file / bad header / geometry the
 * type refuses / storage indices out of range; -EPROTO another version;
 * -ENXIO a per-CPU map made for another number of CPUs; each logged with
 * the path and the field.
 */
int ubee_map_open_pinned(const char *pinpath, struct ubee_map **out,
			 struct ubee_log *log);

/* The absolute path this process pinned or opened the map at, or NULL. */
const char *ubee_map_pin_path(const struct ubee_map *map);

/*
 * A number naming the map in listings (bpftool's id): for a pinned map
 * the same in every process (from the file), else unique in the process.
 */
uint32_t ubee_map_id(const struct ubee_map *map);

/* 1 when the map is frozen (ubee_map_freeze; shared when pinned). */
int ubee_map_frozen(const struct ubee_map *map);

/*
 * Attach BTF for pretty printing: btf[size] (raw .BTF bytes, checked and
 * copied) and the key and value type ids in it (0: none). Before pinning,
 * so that it goes into the file; -EBUSY once pinned; -EINVAL bad BTF or
 * ids (logged nowhere: check with ubee_btf_parse first if needed).
 */
int ubee_map_set_btf(struct ubee_map *map, const void *btf, size_t size,
		     uint32_t key_type_id, uint32_t value_type_id);

/*
 * The map's BTF (set, or read from its file) and its key/value type ids
 * (0 when none). *btf is borrowed and lives as long as the map. -ENOENT
 * when the map has no BTF.
 */
int ubee_map_btf(struct ubee_map *map, const struct ubee_btf **btf,
		 uint32_t *key_type_id, uint32_t *value_type_id);

/*
 * Check a pinned map and repair it (lock words held by dead processes
 * freed, lost elements returned to free lists, counters recounted): what
 * ubee_map_open_pinned does before it returns. 0, or -errno with a log
 * line naming what was wrong and could not be fixed. Safe while other
 * processes use the map.
 */
int ubee_map_repair(struct ubee_map *map, struct ubee_log *log);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_PIN_H */
