/* SPDX-License-Identifier: MIT */
/*
 * Inside the object loader (include/ubee/object.h). One file per step:
 *
 *   object.c   open/free: the ELF, executable sections, functions, jump
 *              labels, license, BTF, then the steps below in order
 *   ext.c      .BTF.ext records indexed by code section and instruction
 *   sec.c      SEC() name -> program type (libbpf's table)
 *   progs.c    programs: one per global function outside .text
 *   maps_def.c map definitions: BTF-defined (.maps) and legacy ("maps"),
 *              inner maps and initial slots from .rel.maps
 *   globals.c  global data sections as single-entry array maps
 *   reloc.c    program relocations checked and decoded, then linking:
 *              each program's copy with its subprograms appended
 *   core.c     CO-RE relocations against a target BTF (at load)
 *   load.c     ubee_object_load: maps, CO-RE, ubee_prog_load
 *
 * Indices: obj->secs are the executable sections (as
 * ubee_object_section()), obj->progs the programs, obj->maps the maps as
 * listed; a map's inner template lives in map->inner, outside the list.
 * Everything a step derives from the file is checked where it is read,
 * with messages naming the section, symbol, relocation or instruction.
 */
#ifndef UBEE_LOADER_H
#define UBEE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "loader/elf.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/object.h"

/* Longest license string kept (libbpf keeps 64 bytes). */
#define UBEE_OBJ_LICENSE_MAX 128

/* ---- sec.c -------------------------------------------------------------- */

struct ubee_sec_def {
	const char *name;      /* libbpf's spelling, with its '+' or '/' */
	uint32_t prog_type;    /* enum bpf_prog_type */
	uint32_t attach_type;  /* enum bpf_attach_type (expected) */
	uint32_t flags;        /* UBEE_SEC_* */
};

/* The definition matching a section name ('?' already stripped), or NULL. */
const struct ubee_sec_def *ubee_sec_find(const char *name);
/* libbpf's name of a program type ("xdp"), or NULL when unknown. */
const char *ubee_sec_prog_type_name(uint32_t type);

/* ---- the object --------------------------------------------------------- */

enum obj_reloc_kind {
	OBJ_RELO_CALL,       /* call to a function: target */
	OBJ_RELO_FUNC,       /* lddw of a function address: target */
	OBJ_RELO_MAP,        /* lddw of a map: map */
	OBJ_RELO_MAP_VALUE,  /* lddw of an address in a data map: map + off */
};

/* A decoded relocation of an instruction in an executable section. */
struct obj_reloc {
	size_t insn;         /* index in the section */
	int kind;            /* enum obj_reloc_kind */
	size_t target_sec;   /* CALL, FUNC: index into obj->secs */
	size_t target_insn;  /*   and instruction index there */
	size_t map;          /* MAP, MAP_VALUE: index into obj->maps */
	uint32_t off;        /* MAP_VALUE: byte offset in the value */
};

/* An executable section. */
struct obj_sec {
	size_t shndx;
	const char *name;
	const struct ubee_insn *insns; /* into obj->insns */
	size_t cnt;
	struct obj_reloc *relos;       /* sorted by insn, one per insn */
	size_t nrelos;
};

/* A run of a program's linked copy: cnt instructions from (sec, start)
 * placed at dest. The first chunk is the program itself. */
struct obj_chunk {
	size_t func;         /* index into obj->funcs */
	size_t sec;
	size_t start;
	size_t cnt;
	size_t dest;
};

struct obj_prog {
	size_t func;                   /* index into obj->funcs */
	const char *name;
	const char *section;           /* without '?' */
	size_t sec;                    /* index into obj->secs */
	size_t off, cnt;               /* the function, in its section */
	const struct ubee_sec_def *def;/* NULL: unknown section */
	uint32_t prog_type;            /* from def, or as set */
	int autoload;
	struct ubee_insn *insns;       /* linked copy */
	size_t nr_insns;
	struct ubee_insn *final;       /* loaded: insns with CO-RE applied */
	struct obj_chunk *chunks;
	size_t nr_chunks;
	size_t *maps;                  /* indices of the maps it references */
	size_t nr_maps;
	struct ubee_object_line *lines;/* line info at linked positions */
	size_t nr_lines;
	struct ubee_object_func_info *finfo; /* func info, likewise */
	size_t nr_finfo;
	struct ubee_prog *prog;        /* once loaded */
};

/* An initial slot of a map of maps or prog array (from .rel.maps). */
struct obj_slot {
	uint32_t key;
	size_t target;       /* index into obj->maps, or obj->progs */
};

struct obj_map {
	const char *name;    /* borrowed from the ELF or BTF strings */
	int kind;            /* enum ubee_object_map_kind */
	size_t shndx;        /* ELF section of the definition or data */
	uint64_t off;        /* definition's offset in it (0 for data) */
	uint64_t def_size;   /* bytes of the definition or data */
	uint32_t type, key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	uint32_t pinning;
	int pinned_new;      /* pinned by this load (unpinned if it fails) */
	uint32_t btf_key, btf_value;
	uint32_t values_off; /* BTF maps with __array(values): the member's
			      * byte offset in the definition */
	struct obj_map *inner; /* owned template, or NULL */
	struct obj_slot *slots;
	size_t nr_slots;
	const uint8_t *data; /* initial value (global data) in obj->data;
			      * NULL: zeros */
	struct ubee_map *map;/* once loaded */
};

/* Where a map's definition or data is, for lookups by place. */
struct obj_place {
	size_t shndx;
	uint64_t off;
	size_t map;          /* index into obj->maps */
};

/* .BTF.ext records of one code section, sorted by instruction (ext.c). */
struct obj_ext_ent {
	uint32_t insn_off;   /* byte offset in the section */
	size_t rec;          /* record index for ubee_btf_ext_func/line/core */
};

struct obj_ext_sec {
	size_t es;           /* the section's index in the .BTF.ext kind */
	struct obj_ext_ent *ents;
	size_t n;
};

#define OBJ_EXT_KINDS 3      /* UBEE_BTF_EXT_FUNC, _LINE, _CORE */

struct ubee_object {
	uint8_t *data;   /* the file */
	size_t size;
	struct ubee_elf elf;
	struct ubee_insn *insns;
	struct obj_sec *secs;
	size_t nsecs;
	size_t *exec_of; /* [elf.nsecs]: index into secs + 1, or 0 */
	size_t *sym_order; /* named symbols sorted by (section, name) */
	size_t nsym_order;
	struct ubee_object_func *funcs;
	size_t nfuncs;
	struct obj_label *labels;
	size_t nlabels;
	char license[UBEE_OBJ_LICENSE_MAX];
	struct ubee_btf *btf;       /* NULL without .BTF */
	struct ubee_btf_ext *ext;   /* NULL without .BTF.ext */
	struct obj_ext_sec *ext_idx[OBJ_EXT_KINDS]; /* [nsecs] each, or NULL */
	struct obj_prog *progs;
	size_t nprogs;
	struct obj_map *maps;
	size_t nmaps, cap_maps;
	struct obj_place *map_order; /* [nmaps] by (shndx, off) */
	int loaded;
};

/* ---- steps of opening (each 0 or -errno, logged) ------------------------ */

/* Add a map to obj->maps (copied); its index in *idx. */
int obj_map_add(struct ubee_object *obj, const struct obj_map *m, size_t *idx);
/* Free what a map record owns (inner template, slots). */
void obj_map_release(struct obj_map *m);

/* ext.c: index the .BTF.ext records of every code section. */
int obj_ext_index(struct ubee_object *obj);
void obj_ext_free(struct ubee_object *obj);
/*
 * ext.c: the records of kind for instructions [start, start + cnt) of
 * code section sec: ents[*first .. *end) of the returned index, or NULL
 * when the section has none of that kind.
 */
const struct obj_ext_sec *obj_ext_range(const struct ubee_object *obj,
					int kind, size_t sec, size_t start,
					size_t cnt, size_t *first, size_t *end);

/* maps_def.c: legacy "maps" then BTF-defined ".maps". */
int obj_maps_collect(struct ubee_object *obj, struct ubee_log *log);
/* maps_def.c: index the maps by place (after all are collected);
 * -EINVAL when two share one. */
int obj_maps_index(struct ubee_object *obj, struct ubee_log *log);
/* maps_def.c: the map defined exactly at (ELF section, offset), or -1. */
long obj_map_at(const struct ubee_object *obj, size_t shndx, uint64_t off);
/* maps_def.c: the map whose definition covers that byte, or -1. */
long obj_map_covering(const struct ubee_object *obj, size_t shndx,
		      uint64_t off);
/* maps_def.c: initial slots from .rel.maps (after the programs). */
int obj_maps_slots(struct ubee_object *obj, struct ubee_log *log);
/* globals.c: the kind of map a section makes (UBEE_OBJECT_MAP_DATA,
 * _RODATA, _BSS), or -1 for sections that hold no global data. */
int obj_data_kind(const struct ubee_elf_sec *s);
/* globals.c: one map per non-empty .data*, .rodata*, .bss* section. */
int obj_globals_collect(struct ubee_object *obj, struct ubee_log *log);
/* progs.c: the programs. */
int obj_progs_collect(struct ubee_object *obj, struct ubee_log *log);
/* reloc.c: decode every executable section's relocations. */
int obj_relocs_collect(struct ubee_object *obj, struct ubee_log *log);
/* reloc.c: link every program (after obj_relocs_collect). */
int obj_link_all(struct ubee_object *obj, struct ubee_log *log);

/* The program whose function starts at (exec section sec, insn), or -1. */
long obj_prog_at(const struct ubee_object *obj, size_t sec, size_t insn);
/* The ELF section index with this name, or 0. */
size_t obj_sec_by_name(const struct ubee_object *obj, const char *name);
/* The symbol index of a named symbol defined in ELF section shndx, or -1. */
long obj_sym_in(const struct ubee_object *obj, size_t shndx, const char *name);

/* ---- loading ------------------------------------------------------------ */

/* load.c: release what a load created (programs, maps, slots); the object
 * is then as freshly opened. */
void obj_unload(struct ubee_object *obj);

/*
 * Pinning by name (pin.c), as libbpf: a map with pinning
 * LIBBPF_PIN_BY_NAME reuses the map pinned at root/NAME (root NULL: no
 * pinning; "": the pin directory) when it exists and matches (1, m->map set; -EINVAL,
 * logged, when it does not match), else 0 and the loader creates it.
 * obj_map_created then gives a new map the object's BTF and pins it by
 * name when asked; obj_unpin_new removes what a failed load pinned.
 */
int obj_map_reuse_pinned(struct ubee_object *obj, struct obj_map *m,
			 const char *root, struct ubee_log *log);
int obj_map_created(struct ubee_object *obj, struct obj_map *m,
		    const char *root, struct ubee_log *log);
void obj_unpin_new(struct ubee_object *obj, const char *root);

/* core.c: apply the CO-RE relocations to program p's linked copy against
 * target; -EINVAL naming program, instruction and type when one fails. */
int obj_core_apply(struct ubee_object *obj, struct obj_prog *p,
		   const struct ubee_btf *target, struct ubee_log *log);
/* core.c: 1 when program p's linked copy has CO-RE relocations. */
int obj_core_needed(const struct ubee_object *obj, const struct obj_prog *p);

#endif /* UBEE_LOADER_H */
