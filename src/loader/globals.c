// SPDX-License-Identifier: MIT
/*
 * Global data: each non-empty .data, .data.*, .rodata, .rodata.* (string
 * literals included) and .bss, .bss.* section becomes a single-entry
 * array map whose value is the whole section, as in libbpf. Programs
 * reach the variables directly: their lddw becomes a pseudo map value
 * (the map and a byte offset into the value), which the load resolves to
 * a pointer into the map's storage. The map's initial value is the
 * section's bytes (zeros for .bss); .rodata maps are read-only for
 * programs (BPF_F_RDONLY_PROG) and frozen once loaded. Flags follow
 * libbpf: a global data map is BPF_F_MMAPABLE when the section's DATASEC
 * holds a non-static variable (so not clang's constant pools, such as
 * .rodata.cst32, nor sections of static variables only). The value's BTF
 * type is the section's DATASEC.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "loader/loader.h"
#include "util/util.h"

typedef unsigned long long ull;

static int is_named(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '.');
}

int obj_data_kind(const struct ubee_elf_sec *s)
{
	if (s->type == SHT_PROGBITS && !(s->flags & SHF_EXECINSTR)) {
		if (is_named(s->name, ".data"))
			return UBEE_OBJECT_MAP_DATA;
		if (is_named(s->name, ".rodata"))
			return UBEE_OBJECT_MAP_RODATA;
	}
	if (s->type == SHT_NOBITS && is_named(s->name, ".bss"))
		return UBEE_OBJECT_MAP_BSS;
	return -1;
}

/* libbpf's rule: does DATASEC id hold a variable that is not static? */
static int datasec_mmapable(const struct ubee_btf *btf, uint32_t id)
{
	struct ubee_btf_var_secinfo vs;
	struct ubee_btf_type t;

	for (uint32_t i = 0; !ubee_btf_datasec_var(btf, id, i, &vs); i++)
		if (!ubee_btf_type(btf, vs.type, &t) &&
		    t.kind == UBEE_BTF_KIND_VAR && t.linkage != 0)
			return 1;
	return 0;
}

int obj_globals_collect(struct ubee_object *obj, struct ubee_log *log)
{
	for (size_t i = 1; i < obj->elf.nsecs; i++) {
		const struct ubee_elf_sec *s = &obj->elf.secs[i];
		struct obj_map m;
		int kind = obj_data_kind(s), id;
		size_t idx;
		int err;

		if (kind < 0 || !s->size)
			continue;
		if (s->size > UINT32_MAX) {
			ubee_logf(log, "section %zu (%s): 0x%llx bytes of global data, more than a map value can hold",
				  i, s->name, (ull)s->size);
			return -E2BIG;
		}
		memset(&m, 0, sizeof(m));
		m.name = s->name;
		m.kind = kind;
		m.shndx = i;
		m.def_size = s->size;
		m.type = UBEE_MAP_ARRAY;
		m.key_size = 4;
		m.value_size = (uint32_t)s->size;
		m.max_entries = 1;
		if (kind == UBEE_OBJECT_MAP_RODATA)
			m.map_flags |= UBEE_F_RDONLY_PROG;
		if (kind != UBEE_OBJECT_MAP_BSS)
			m.data = obj->data + s->offset;
		if (obj->btf) {
			id = ubee_btf_find(obj->btf, s->name, UBEE_BTF_KIND_DATASEC);
			m.btf_value = id > 0 ? (uint32_t)id : 0;
			if (id > 0 && datasec_mmapable(obj->btf, (uint32_t)id))
				m.map_flags |= UBEE_F_MMAPABLE;
		}
		err = obj_map_add(obj, &m, &idx);
		if (err)
			return err;
	}
	return 0;
}
