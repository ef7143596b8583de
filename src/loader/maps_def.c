// SPDX-License-Identifier: MIT
/*
 * Map definitions, as libbpf reads them.
 *
 * Legacy maps: the "maps" section is an array of struct bpf_map_def
 * { u32 type, key_size, value_size, max_entries, map_flags }, one per
 * symbol; each definition is the section size divided by the number of
 * symbols, so loaders' longer variants (iproute2 adds fields) work when
 * the extra bytes are zero.
 *
 * BTF-defined maps: each variable of the .maps DATASEC is a map whose
 * type is an anonymous struct describing it with bpf_helpers.h's macros:
 *   __uint(name, N)     int (*name)[N]     type, max_entries, map_flags,
 *                                          key_size, value_size, map_extra,
 *                                          numa_node, pinning
 *   __type(name, T)     T *name            key, value (size from T's BTF)
 *   __array(values, S)  S *values[]        the last member: for maps of
 *                                          maps S defines the inner map,
 *                                          for prog arrays S is a function
 * Initial contents of an __array come as R_BPF_64_ABS64 relocations in
 * .rel.maps: one per slot, naming the inner map or the program.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "util/cursor.h"
#include "util/util.h"

typedef unsigned long long ull;

#define LEGACY_DEF_SIZE 20   /* struct bpf_map_def */
#define PIN_NONE 0
#define PIN_BY_NAME 1
#ifndef R_BPF_64_ABS64
#define R_BPF_64_ABS64 2
#endif

int obj_map_add(struct ubee_object *obj, const struct obj_map *m, size_t *idx)
{
	if (obj->nmaps == obj->cap_maps) {
		size_t cap = obj->cap_maps ? obj->cap_maps * 2 : 8;
		struct obj_map *nm = ubee_realloc(obj->maps, cap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		obj->maps = nm;
		obj->cap_maps = cap;
	}
	obj->maps[obj->nmaps] = *m;
	*idx = obj->nmaps++;
	return 0;
}

void obj_map_release(struct obj_map *m)
{
	if (m->inner) {
		obj_map_release(m->inner);
		ubee_free(m->inner);
	}
	ubee_free(m->slots);
	m->inner = NULL;
	m->slots = NULL;
}

/* ---- legacy "maps" ------------------------------------------------------ */

static int off_cmp(const void *a, const void *b)
{
	const struct obj_map *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int legacy_maps(struct ubee_object *obj, struct ubee_log *log)
{
	size_t shndx = obj_sec_by_name(obj, "maps"), first = obj->nmaps;
	const struct ubee_elf_sec *s;
	size_t i, n = 0, idx;
	uint64_t dsz;
	int err;

	if (!shndx)
		return 0;
	s = &obj->elf.secs[shndx];
	if (s->type != SHT_PROGBITS) {
		ubee_logf(log, "section %zu (maps): type %u is not SHT_PROGBITS",
			  shndx, s->type);
		return -EINVAL;
	}
	for (i = 0; i < obj->elf.nsyms; i++) {
		const struct ubee_elf_sym *sym = &obj->elf.syms[i];

		n += sym->shndx == shndx && sym->name[0] &&
		     sym->type != STT_SECTION;
	}
	if (!n || !s->size || s->size % n) {
		ubee_logf(log, "section %zu (maps): %llu bytes do not divide into %zu map definitions (one per symbol)",
			  shndx, (ull)s->size, n);
		return -EINVAL;
	}
	dsz = s->size / n;
	for (i = 0; i < obj->elf.nsyms; i++) {
		const struct ubee_elf_sym *sym = &obj->elf.syms[i];
		uint32_t f[5] = { 0 };
		const uint8_t *d;
		struct obj_map m;

		if (sym->shndx != shndx || !sym->name[0] ||
		    sym->type == STT_SECTION)
			continue;
		if (sym->value > s->size || dsz > s->size - sym->value) {
			ubee_logf(log, "section %zu (maps): map '%s' at offset 0x%llx + %llu bytes is past the end of the section (0x%llx bytes)",
				  shndx, sym->name, (ull)sym->value, (ull)dsz,
				  (ull)s->size);
			return -EINVAL;
		}
		d = obj->data + s->offset + sym->value;
		for (uint64_t b = LEGACY_DEF_SIZE; b < dsz; b++) {
			if (d[b]) {
				ubee_logf(log, "section %zu (maps): map '%s' has non-zero byte 0x%02x at offset %llu of its definition, past the %d bytes of struct bpf_map_def",
					  shndx, sym->name, d[b], (ull)b,
					  LEGACY_DEF_SIZE);
				return -EINVAL;
			}
		}
		for (size_t k = 0; k < 5 && (k + 1) * 4 <= dsz; k++)
			f[k] = ubee_le32(d + 4 * k);
		memset(&m, 0, sizeof(m));
		m.name = sym->name;
		m.kind = UBEE_OBJECT_MAP_LEGACY;
		m.shndx = shndx;
		m.off = sym->value;
		m.def_size = dsz;
		m.type = f[0];
		m.key_size = f[1];
		m.value_size = f[2];
		m.max_entries = f[3];
		m.map_flags = f[4];
		err = obj_map_add(obj, &m, &idx);
		if (err)
			return err;
	}
	qsort(obj->maps + first, obj->nmaps - first, sizeof(*obj->maps), off_cmp);
	return 0;
}

/* ---- BTF-defined ".maps" ------------------------------------------------ */

/* __uint(name, N): a pointer to an array of N elements. */
static int get_uint(const struct ubee_btf *btf, const char *map,
		    const struct ubee_btf_member *mb, uint32_t *out,
		    struct ubee_log *log)
{
	struct ubee_btf_type t;
	struct ubee_btf_array arr;
	int id = ubee_btf_resolve(btf, mb->type);

	if (id < 0 || ubee_btf_type(btf, (uint32_t)id, &t) ||
	    t.kind != UBEE_BTF_KIND_PTR) {
		ubee_logf(log, "map '%s': field '%s' must be __uint() (a pointer to an array), not %s",
			  map, mb->name,
			  ubee_btf_kind_name(id < 0 ? -1 : ubee_btf_kind(btf, (uint32_t)id)));
		return -EINVAL;
	}
	if (ubee_btf_array(btf, t.type, &arr)) {
		ubee_logf(log, "map '%s': field '%s' must point to an array (__uint()), not %s",
			  map, mb->name,
			  ubee_btf_kind_name(ubee_btf_kind(btf, t.type)));
		return -EINVAL;
	}
	*out = arr.nelems;
	return 0;
}

/* __type(name, T): a pointer to T; gives T's id and size. */
static int get_type(const struct ubee_btf *btf, const char *map,
		    const struct ubee_btf_member *mb, uint32_t *id,
		    uint32_t *size, struct ubee_log *log)
{
	struct ubee_btf_type t;
	int r = ubee_btf_resolve(btf, mb->type);
	int64_t sz;

	if (r < 0 || ubee_btf_type(btf, (uint32_t)r, &t) ||
	    t.kind != UBEE_BTF_KIND_PTR) {
		ubee_logf(log, "map '%s': field '%s' must be __type() (a pointer to the type)",
			  map, mb->name);
		return -EINVAL;
	}
	sz = ubee_btf_size(btf, t.type);
	if (sz <= 0 || sz > UINT32_MAX) {
		ubee_logf(log, "map '%s': the %s type [%u] has no usable size",
			  map, mb->name, t.type);
		return -EINVAL;
	}
	*id = t.type;
	*size = (uint32_t)sz;
	return 0;
}

static int set_size(const char *map, const char *what, uint32_t *field,
		    uint32_t v, struct ubee_log *log)
{
	if (*field && *field != v) {
		ubee_logf(log, "map '%s': %s size %u contradicts the earlier %u",
			  map, what, v, *field);
		return -EINVAL;
	}
	*field = v;
	return 0;
}

static int parse_def(struct ubee_object *obj, const char *map, uint32_t sid,
		     struct obj_map *m, int inner, struct ubee_log *log);

/* __array(values, S): the inner map definition or the program prototype. */
static int parse_values(struct ubee_object *obj, const char *map,
			const struct ubee_btf_member *mb, int last,
			struct obj_map *m, int inner, struct ubee_log *log)
{
	const struct ubee_btf *btf = obj->btf;
	struct ubee_btf_array arr;
	struct ubee_btf_type t;
	int id = ubee_btf_resolve(btf, mb->type), err;

	if (inner) {
		ubee_logf(log, "map '%s': an inner map cannot have 'values' (one level of maps of maps)",
			  map);
		return -EINVAL;
	}
	if (!last) {
		ubee_logf(log, "map '%s': 'values' must be the last field", map);
		return -EINVAL;
	}
	if (id < 0 || ubee_btf_array(btf, (uint32_t)id, &arr) || arr.nelems ||
	    (id = ubee_btf_resolve(btf, arr.type)) < 0 ||
	    ubee_btf_type(btf, (uint32_t)id, &t) || t.kind != UBEE_BTF_KIND_PTR ||
	    (id = ubee_btf_resolve(btf, t.type)) < 0) {
		ubee_logf(log, "map '%s': 'values' must be __array() (a flexible array of pointers)",
			  map);
		return -EINVAL;
	}
	m->values_off = mb->bit_offset / 8;
	err = set_size(map, "value", &m->value_size, 4, log);
	if (err)
		return err;
	if (ubee_btf_kind(btf, (uint32_t)id) == UBEE_BTF_KIND_FUNC_PROTO) {
		if (m->type != UBEE_MAP_PROG_ARRAY) {
			ubee_logf(log, "map '%s': 'values' of functions needs type prog_array (%d), not %u (type must come first)",
				  map, UBEE_MAP_PROG_ARRAY, m->type);
			return -EINVAL;
		}
		return 0;
	}
	if (ubee_btf_kind(btf, (uint32_t)id) != UBEE_BTF_KIND_STRUCT) {
		ubee_logf(log, "map '%s': 'values' must point to an inner map definition (a struct) or a function",
			  map);
		return -EINVAL;
	}
	if (m->type != UBEE_MAP_ARRAY_OF_MAPS && m->type != UBEE_MAP_HASH_OF_MAPS) {
		ubee_logf(log, "map '%s': an inner map definition needs type array_of_maps (%d) or hash_of_maps (%d), not %u (type must come first)",
			  map, UBEE_MAP_ARRAY_OF_MAPS, UBEE_MAP_HASH_OF_MAPS, m->type);
		return -EINVAL;
	}
	m->inner = ubee_calloc(1, sizeof(*m->inner));
	if (!m->inner)
		return -ENOMEM;
	m->inner->name = map;
	m->inner->kind = UBEE_OBJECT_MAP_INNER;
	return parse_def(obj, map, (uint32_t)id, m->inner, 1, log);
}

static int parse_def(struct ubee_object *obj, const char *map, uint32_t sid,
		     struct obj_map *m, int inner, struct ubee_log *log)
{
	const struct ubee_btf *btf = obj->btf;
	struct ubee_btf_type st;
	uint32_t i, v, id, sz;
	int err;

	if (ubee_btf_type(btf, sid, &st) || st.kind != UBEE_BTF_KIND_STRUCT) {
		ubee_logf(log, "map '%s': the definition is a %s, not a struct",
			  map, ubee_btf_kind_name(ubee_btf_kind(btf, sid)));
		return -EINVAL;
	}
	for (i = 0; i < st.vlen; i++) {
		struct ubee_btf_member mb;
		const char *n;

		err = ubee_btf_member(btf, sid, i, &mb);
		if (err)
			return -EINVAL;
		n = mb.name;
		if (!strcmp(n, "key") || !strcmp(n, "value")) {
			err = get_type(btf, map, &mb, &id, &sz, log);
			if (!err)
				err = set_size(map, n, n[0] == 'k' ? &m->key_size
								   : &m->value_size,
					       sz, log);
			if (err)
				return err;
			*(n[0] == 'k' ? &m->btf_key : &m->btf_value) = id;
			continue;
		}
		if (!strcmp(n, "values")) {
			err = parse_values(obj, map, &mb, i + 1 == st.vlen, m,
					   inner, log);
			if (err)
				return err;
			continue;
		}
		if (strcmp(n, "type") && strcmp(n, "max_entries") &&
		    strcmp(n, "map_flags") && strcmp(n, "key_size") &&
		    strcmp(n, "value_size") && strcmp(n, "map_extra") &&
		    strcmp(n, "numa_node") && strcmp(n, "pinning")) {
			ubee_logf(log, "map '%s': unknown field '%s'", map, n);
			return -EINVAL;
		}
		err = get_uint(btf, map, &mb, &v, log);
		if (err)
			return err;
		if (!strcmp(n, "type"))
			m->type = v;
		else if (!strcmp(n, "max_entries"))
			m->max_entries = v;
		else if (!strcmp(n, "map_flags"))
			m->map_flags = v;
		else if (!strcmp(n, "map_extra"))
			m->map_extra = v;
		else if (!strcmp(n, "key_size"))
			err = set_size(map, "key", &m->key_size, v, log);
		else if (!strcmp(n, "value_size"))
			err = set_size(map, "value", &m->value_size, v, log);
		else if (!strcmp(n, "pinning"))
			m->pinning = v;
		if (err)
			return err;
	}
	if (m->pinning != PIN_NONE && m->pinning != PIN_BY_NAME) {
		ubee_logf(log, "map '%s': pinning %u is neither none (0) nor by name (1)",
			  map, m->pinning);
		return -EINVAL;
	}
	if (inner && m->pinning) {
		ubee_logf(log, "map '%s': an inner map cannot be pinned", map);
		return -EINVAL;
	}
	if (!m->type) {
		ubee_logf(log, "map '%s': no map type (__uint(type, ...))", map);
		return -EINVAL;
	}
	if (!inner && !m->inner && (m->type == UBEE_MAP_ARRAY_OF_MAPS ||
				    m->type == UBEE_MAP_HASH_OF_MAPS)) {
		ubee_logf(log, "map '%s': a map of maps needs its inner map defined with __array(values, ...)",
			  map);
		return -EINVAL;
	}
	return 0;
}

static int btf_maps(struct ubee_object *obj, struct ubee_log *log)
{
	size_t shndx = obj_sec_by_name(obj, ".maps"), idx;
	const struct ubee_btf *btf = obj->btf;
	struct ubee_btf_type ds;
	int dsid;
	int err;

	if (!shndx)
		return 0;
	if (!btf) {
		ubee_logf(log, "section %zu (.maps): BTF-defined maps need the object's .BTF, and there is none",
			  shndx);
		return -EINVAL;
	}
	dsid = ubee_btf_find(btf, ".maps", UBEE_BTF_KIND_DATASEC);
	if (dsid < 0 || ubee_btf_type(btf, (uint32_t)dsid, &ds)) {
		ubee_logf(log, "section %zu (.maps): no DATASEC '.maps' in the BTF",
			  shndx);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < ds.vlen; i++) {
		struct ubee_btf_var_secinfo vs;
		struct ubee_btf_type var;
		struct obj_map m;
		int sid;

		if (ubee_btf_datasec_var(btf, (uint32_t)dsid, i, &vs) ||
		    ubee_btf_type(btf, vs.type, &var) ||
		    var.kind != UBEE_BTF_KIND_VAR) {
			ubee_logf(log, "section %zu (.maps): DATASEC entry %u is not a variable",
				  shndx, i);
			return -EINVAL;
		}
		memset(&m, 0, sizeof(m));
		m.name = var.name;
		m.kind = UBEE_OBJECT_MAP_BTF;
		m.shndx = shndx;
		m.off = vs.offset;
		m.def_size = vs.size;
		sid = ubee_btf_resolve(btf, var.type);
		if (sid < 0)
			return -EINVAL;
		err = parse_def(obj, var.name, (uint32_t)sid, &m, 0, log);
		if (!err)
			err = obj_map_add(obj, &m, &idx);
		if (err) {
			obj_map_release(&m);
			return err;
		}
	}
	return 0;
}

int obj_maps_collect(struct ubee_object *obj, struct ubee_log *log)
{
	int err = legacy_maps(obj, log);

	return err ? err : btf_maps(obj, log);
}

/* ---- lookups by place --------------------------------------------------- */

static int place_cmp(const void *a, const void *b)
{
	const struct obj_place *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int obj_maps_index(struct ubee_object *obj, struct ubee_log *log)
{
	size_t i, n = obj->nmaps;
	struct obj_place *a;

	a = ubee_calloc(n ? n : 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		a[i].shndx = obj->maps[i].shndx;
		a[i].off = obj->maps[i].off;
		a[i].map = i;
	}
	qsort(a, n, sizeof(*a), place_cmp);
	obj->map_order = a;
	for (i = 1; i < n; i++) {
		const struct obj_map *x = &obj->maps[a[i - 1].map];
		const struct obj_map *y = &obj->maps[a[i].map];

		if (!place_cmp(&a[i - 1], &a[i])) {
			ubee_logf(log, "section %zu (%s): maps '%s' and '%s' share offset 0x%llx",
				  x->shndx, obj->elf.secs[x->shndx].name, x->name,
				  y->name, (ull)x->off);
			return -EINVAL;
		}
	}
	return 0;
}

/* The last place at or before (shndx, off), or NULL. */
static const struct obj_place *floor_at(const struct ubee_object *obj,
					size_t shndx, uint64_t off)
{
	struct obj_place key = { shndx, off, 0 };
	size_t lo = 0, hi = obj->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (place_cmp(&obj->map_order[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &obj->map_order[lo - 1] : NULL;
}

long obj_map_at(const struct ubee_object *obj, size_t shndx, uint64_t off)
{
	const struct obj_place *f = floor_at(obj, shndx, off);

	return f && f->shndx == shndx && f->off == off ? (long)f->map : -1;
}

long obj_map_covering(const struct ubee_object *obj, size_t shndx,
		      uint64_t off)
{
	const struct obj_place *f = floor_at(obj, shndx, off);

	return f && f->shndx == shndx &&
	       off - f->off < obj->maps[f->map].def_size ? (long)f->map : -1;
}

/* ---- initial slots (.rel.maps) ----------------------------------------- */

static int add_slot(struct ubee_object *obj, size_t rsh, size_t e,
		    const struct ubee_elf_rel *rel, size_t shndx,
		    struct ubee_log *log)
{
	const struct ubee_elf_sym *sym = &obj->elf.syms[rel->sym];
	long mi = obj_map_covering(obj, shndx, rel->offset), t = -1;
	struct obj_map *m;
	struct obj_slot *ns;
	uint64_t rel_off;

	if (mi < 0) {
		ubee_logf(log, "section %zu (.rel.maps): relocation %zu at offset 0x%llx is in no map definition",
			  rsh, e, (ull)rel->offset);
		return -EINVAL;
	}
	m = &obj->maps[mi];
	rel_off = rel->offset - m->off;
	if (rel->type != R_BPF_64_ABS64 || !m->values_off ||
	    rel_off < m->values_off || (rel_off - m->values_off) % 8) {
		ubee_logf(log, "section %zu (.rel.maps): relocation %zu (type %u) at offset 0x%llx of map '%s' is not an R_BPF_64_ABS64 slot of its 'values'",
			  rsh, e, rel->type, (ull)rel_off, m->name);
		return -EINVAL;
	}
	if (m->type == UBEE_MAP_PROG_ARRAY) {
		if (sym->type == STT_FUNC && sym->shndx < obj->elf.nsecs &&
		    obj->exec_of[sym->shndx] && !(sym->value % 8))
			t = obj_prog_at(obj, obj->exec_of[sym->shndx] - 1,
					(size_t)(sym->value / 8));
	} else if (sym->shndx == shndx) {
		t = obj_map_at(obj, shndx, sym->value);
	}
	if (t < 0) {
		ubee_logf(log, "section %zu (.rel.maps): relocation %zu: map '%s' slot %llu names '%s', which is not %s",
			  rsh, e, m->name, (ull)((rel_off - m->values_off) / 8),
			  sym->name, m->type == UBEE_MAP_PROG_ARRAY ?
			  "a program" : "a map in .maps");
		return -EINVAL;
	}
	if ((rel_off - m->values_off) / 8 >= m->max_entries) {
		ubee_logf(log, "section %zu (.rel.maps): relocation %zu: map '%s' slot %llu is past max_entries %u",
			  rsh, e, m->name, (ull)((rel_off - m->values_off) / 8),
			  m->max_entries);
		return -EINVAL;
	}
	ns = ubee_realloc(m->slots, (m->nr_slots + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	m->slots = ns;
	ns[m->nr_slots].key = (uint32_t)((rel_off - m->values_off) / 8);
	ns[m->nr_slots++].target = (size_t)t;
	return 0;
}

int obj_maps_slots(struct ubee_object *obj, struct ubee_log *log)
{
	size_t shndx = obj_sec_by_name(obj, ".maps");
	int err;

	if (!shndx)
		return 0;
	for (size_t r = 0; r < obj->elf.nrels; r++) {
		size_t rsh = obj->elf.rels[r], n;

		if (obj->elf.secs[rsh].info != shndx)
			continue;
		n = ubee_elf_rel_count(&obj->elf, rsh);
		for (size_t e = 0; e < n; e++) {
			struct ubee_elf_rel rel;

			err = ubee_elf_rel(&obj->elf, rsh, e, &rel, log);
			if (!err)
				err = add_slot(obj, rsh, e, &rel, shndx, log);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- public accessors --------------------------------------------------- */

static void fill_info(const struct obj_map *m, struct ubee_object_map_info *out)
{
	memset(out, 0, sizeof(*out));
	out->name = m->name;
	out->kind = m->kind;
	out->type = m->type;
	out->key_size = m->key_size;
	out->value_size = m->value_size;
	out->max_entries = m->max_entries;
	out->map_flags = m->map_flags;
	out->map_extra = m->map_extra;
	out->pinning = m->pinning;
	out->btf_key_type_id = m->btf_key;
	out->btf_value_type_id = m->btf_value;
	out->has_inner = m->inner != NULL;
	out->map = m->map;
}

size_t ubee_object_map_count(const struct ubee_object *obj)
{
	return obj ? obj->nmaps : 0;
}

int ubee_object_map(const struct ubee_object *obj, size_t i,
		    struct ubee_object_map_info *out)
{
	if (!obj || !out || i >= obj->nmaps)
		return -ENOENT;
	fill_info(&obj->maps[i], out);
	return 0;
}

int ubee_object_find_map(const struct ubee_object *obj, const char *name)
{
	if (!obj || !name)
		return -ENOENT;
	for (size_t i = 0; i < obj->nmaps; i++)
		if (!strcmp(obj->maps[i].name, name))
			return (int)i;
	return -ENOENT;
}

int ubee_object_map_inner(const struct ubee_object *obj, size_t i,
			  struct ubee_object_map_info *out)
{
	if (!obj || !out || i >= obj->nmaps || !obj->maps[i].inner)
		return -ENOENT;
	fill_info(obj->maps[i].inner, out);
	return 0;
}
