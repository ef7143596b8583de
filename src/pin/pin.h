/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the files of src/pin (the public API is
 * include/ubee/pin.h).
 */
#ifndef UBEE_PIN_PIN_H
#define UBEE_PIN_PIN_H

#include <limits.h>
#include <stddef.h>

#include "pin/map_file.h"
#include "ubee/btf.h"

/* map->pin, allocated on first use; NULL when out of memory. */
struct ubee_map_pin *ubee_map_pin_state(struct ubee_map *map);

/*
 * A parsed BTF (the loader's, after its DATASEC fix-ups) back in raw form
 * as map and program files keep it: header, type section, strings,
 * little-endian, ready for ubee_btf_parse(). *raw is new (ubee_free) and
 * *size its length; on error they are NULL and 0. Returns 0, -EINVAL (btf
 * NULL) or -ENOMEM.
 */
int ubee_pin_btf_raw(const struct ubee_btf *btf, void **raw, size_t *size);

/*
 * Attach a parsed BTF (the loader's, after its DATASEC fix-ups) to map:
 * encoded back to raw form, as ubee_map_set_btf would take it.
 */
int ubee_map_set_btf_obj(struct ubee_map *map, const struct ubee_btf *btf,
			 uint32_t key_type_id, uint32_t value_type_id);

#endif /* UBEE_PIN_PIN_H */
