/* SPDX-License-Identifier: MIT */
/*
 * The map file format and the pin state of a map (internal to src/pin and
 * src/maps). Every map with shared storage (the types with shm ops) is
 * laid out in memory as a file would be:
 *
 *   offset 0                 struct ubee_map_hdr, in a page of its own
 *   UBEE_MAP_SHM_HDR         the type's region (region_size bytes, a
 *                            multiple of the page size)
 *   (memory only)            ring buffers: the region's last data bytes
 *                            mapped a second time
 *   btf_off (file only)      btf_size bytes of raw BTF (not mapped)
 *
 * An unpinned map keeps this in anonymous memory; pinning writes it to a
 * file and maps the file over the same addresses. All fields are
 * little-endian fixed-width; the ones marked "shared" change while the
 * map lives and are accessed atomically.
 */
#ifndef UBEE_PIN_MAP_FILE_H
#define UBEE_PIN_MAP_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "maps/maps.h"
#include "ubee/pin.h"

#define UBEE_MAP_FILE_VERSION 1u

struct ubee_map_hdr {
	char magic[8];          /* UBEE_PIN_MAP_MAGIC */
	uint32_t version;       /* UBEE_MAP_FILE_VERSION */
	uint32_t hdr_size;      /* UBEE_MAP_SHM_HDR */
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t nr_cpus;       /* ubee_map_nr_cpus() of the creator */
	uint64_t map_extra;
	char name[16];
	uint64_t region_size;   /* the type's shm_size, page-rounded */
	uint64_t btf_off;       /* 0 when there is no BTF */
	uint64_t btf_size;
	uint32_t btf_key_id;
	uint32_t btf_value_id;
	uint32_t id;            /* ubee_map_id() */
	int32_t frozen;         /* shared: ubee_map_freeze */
	uint32_t dirty;         /* shared: a dead lock holder was seen */
	uint32_t pad;
};
_Static_assert(sizeof(struct ubee_map_hdr) == 112, "map file header layout");
_Static_assert(offsetof(struct ubee_map_hdr, frozen) == UBEE_MAP_HDR_FROZEN_OFF,
	       "maps.h reaches the frozen flag by this offset");

/* Per-process pin state of a map (map->pin). */
struct ubee_map_pin {
	char *path;             /* absolute; NULL until pinned or opened */
	void *btf_raw;          /* raw BTF (copied), or NULL */
	size_t btf_size;
	uint32_t btf_key_id, btf_value_id;
	struct ubee_btf *btf;   /* parsed on first ubee_map_btf() */
};

#endif /* UBEE_PIN_MAP_FILE_H */
