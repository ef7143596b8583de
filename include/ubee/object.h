/* SPDX-License-Identifier: MIT */
/*
 * eBPF ELF objects as clang writes them (clang -O2 -g -target bpf), read
 * and loaded the way libbpf does:
 *  - opening (ubee_object_open_*) parses and checks everything that needs
 *    no runtime: the ELF, the BTF and .BTF.ext, one program per global
 *    function of each executable section with its type from the SEC()
 *    name (libbpf's table; "?name" means not loaded by default), the maps
 *    (BTF-defined in .maps, legacy in "maps", and one single-entry array
 *    per global data section .data*, .rodata*, .bss*), and links every
 *    program: the .text subprograms it calls, directly or through other
 *    subprograms or as callbacks, are appended to its own copy, and map
 *    references become pseudo lddw (source 5 map index, 6 map index +
 *    value offset; the index is the object's map index);
 *  - loading (ubee_object_load) creates the maps with their initial
 *    contents (.rodata is then frozen), applies CO-RE relocations against
 *    the target BTF and loads each program with ubee_prog_load.
 * Everything the object hands out (names, instructions, maps, programs,
 * BTF) is borrowed and lives as long as the object; ubee_map_get() a map
 * that must outlive it.
 */
#ifndef UBEE_OBJECT_H
#define UBEE_OBJECT_H

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ubee_object;

/* 1 when the bytes start with the ELF magic. */
int ubee_is_elf(const void *data, size_t size);

/*
 * Parse an ELF64 little-endian EM_BPF relocatable object from data[size]
 * (copied) and everything in it (see above). Malformed input gives
 * -EINVAL and a log line naming what is wrong and where ("section 5
 * (.text): offset 0x1000 + size 0x40 is past the end of the file (0x800
 * bytes)", "section 4 (.relsocket): relocation 0 at offset 0x8
 * (instruction 1 of socket): ..."), never a crash; -E2BIG when a limit
 * is exceeded (a program linked past UBEE_MAX_INSNS); -ENOMEM.
 */
int ubee_object_open_mem(const void *data, size_t size, const char *name,
			 struct ubee_object **out, struct ubee_log *log);
int ubee_object_open_file(const char *path, struct ubee_object **out,
			  struct ubee_log *log);
void ubee_object_free(struct ubee_object *obj);

/* One function in an executable section (a program or a subprogram). */
struct ubee_object_func {
	const char *name;            /* symbol name; borrowed from obj */
	const char *section;         /* section name ("xdp", ".text") */
	size_t section_index;        /* ELF section index */
	const struct ubee_insn *insns; /* the function's instructions, as in
					* the file (no relocations applied) */
	size_t cnt;
	size_t offset;               /* first instruction's index in section */
};

/* Executable sections with instructions, in file order. */
size_t ubee_object_section_count(const struct ubee_object *obj);
/* Name, instructions and size of executable section i; -ENOENT if none. */
int ubee_object_section(const struct ubee_object *obj, size_t i,
			const char **name, const struct ubee_insn **insns,
			size_t *cnt);

/* Functions (STT_FUNC symbols, and section starts without one), ordered
 * by section then offset. */
size_t ubee_object_func_count(const struct ubee_object *obj);
int ubee_object_func(const struct ubee_object *obj, size_t i,
		     struct ubee_object_func *out);

/*
 * How many relocations apply to the instructions of function i (map
 * references, global data, calls to subprograms): a function with none is
 * self-contained and runs as it is.
 */
size_t ubee_object_func_reloc_count(const struct ubee_object *obj, size_t i);

/*
 * The nearest symbol at or before instruction idx of executable section
 * sec (an index as for ubee_object_section, not the ELF section index), as
 * llvm-objdump annotates jump targets: print "<name>" when *byte_off is 0,
 * else "<name+0xOFF>". Falls back to the section name. -ENOENT only for a
 * bad sec or idx.
 */
int ubee_object_symbolize(const struct ubee_object *obj, size_t sec,
			  size_t idx, const char **name, size_t *byte_off);

/* ---- programs ---------------------------------------------------------- */

/* Section flags (libbpf's SEC_* cookies that matter to ubee). */
#define UBEE_SEC_SLEEPABLE (1u << 0)  /* ".s" sections: may sleep */
#define UBEE_SEC_XDP_FRAGS (1u << 1)  /* "xdp.frags": multi-buffer packets */
#define UBEE_SEC_ATTACH_BTF (1u << 2) /* attaches to a BTF-named function */

struct ubee_object_prog_info {
	const char *name;          /* the function's symbol */
	const char *section;       /* SEC() name without a leading '?' */
	uint32_t prog_type;        /* kernel BPF_PROG_TYPE_* from the SEC()
				    * name (or ubee_object_prog_set_type);
				    * 0 when libbpf knows no such section:
				    * then it loads as UBEE_PROG_TYPE_MEM */
	const char *prog_type_name;/* libbpf's: "socket_filter", "xdp", ...,
				    * "unspec" for 0 */
	uint32_t expected_attach_type; /* kernel BPF_* attach type, or 0 */
	uint32_t sec_flags;        /* UBEE_SEC_* */
	int autoload;              /* loaded by ubee_object_load */
	size_t insn_cnt;           /* the function's own instructions (as
				    * libbpf's bpf_program__insn_cnt after
				    * open) */
	size_t linked_insn_cnt;    /* with its subprograms appended */
	struct ubee_prog *prog;    /* after a load that loaded it, else NULL */
};

/* Programs: every global function outside .text, in section then offset
 * order (.text functions are subprograms, as in libbpf 1.x). */
size_t ubee_object_prog_count(const struct ubee_object *obj);
/* Program i; -ENOENT when out of range. */
int ubee_object_prog(const struct ubee_object *obj, size_t i,
		     struct ubee_object_prog_info *out);
/* Index of the program with this function name, or -ENOENT. */
int ubee_object_find_prog(const struct ubee_object *obj, const char *name);
/* Load program i or not; -EBUSY once the object is loaded. */
int ubee_object_prog_set_autoload(struct ubee_object *obj, size_t i,
				  int autoload);
/*
 * Load program i as type prog_type (a kernel BPF_PROG_TYPE_* number,
 * UBEE_PROG_TYPE_MEM, or an embedder's type) instead of the one its
 * section names, as libbpf's bpf_program__set_type. -EBUSY once loaded.
 */
int ubee_object_prog_set_type(struct ubee_object *obj, size_t i,
			      uint32_t prog_type);
/*
 * The linked instructions of program i: as in the file with subprograms
 * appended and calls, callback and map references relocated (map lddw
 * carry the object's map index); once the program is loaded, with its
 * CO-RE relocations applied: what ubee_prog_load received, before it
 * resolved lddw.
 */
int ubee_object_prog_insns(const struct ubee_object *obj, size_t i,
			   const struct ubee_insn **insns, size_t *cnt);

/* A source line, from .BTF.ext line info. */
struct ubee_object_line {
	size_t insn;           /* index in the linked program */
	const char *file;
	const char *line;      /* the source text ("" when unknown) */
	uint32_t line_num;
	uint32_t col;
};

/*
 * The line info of program i, ordered by instruction (subprogram copies
 * included, at their linked positions): *n records into *lines, borrowed.
 * -ENOENT when i is out of range; 0 with *n = 0 without .BTF.ext.
 */
int ubee_object_prog_lines(const struct ubee_object *obj, size_t i,
			   const struct ubee_object_line **lines, size_t *n);

/* A function's BTF type, from .BTF.ext func info. */
struct ubee_object_func_info {
	size_t insn;           /* index in the linked program */
	uint32_t type_id;      /* a FUNC in ubee_object_btf() */
};

/* The func info of program i (its own function first, then each linked
 * subprogram), ordered by instruction; like ubee_object_prog_lines. */
int ubee_object_prog_func_info(const struct ubee_object *obj, size_t i,
			       const struct ubee_object_func_info **info,
			       size_t *n);

/* ---- maps -------------------------------------------------------------- */

enum ubee_object_map_kind {
	UBEE_OBJECT_MAP_BTF = 0,   /* a variable in .maps */
	UBEE_OBJECT_MAP_LEGACY,    /* a struct bpf_map_def in "maps" */
	UBEE_OBJECT_MAP_DATA,      /* .data, .data.* */
	UBEE_OBJECT_MAP_RODATA,    /* .rodata, .rodata.*: frozen once loaded */
	UBEE_OBJECT_MAP_BSS,       /* .bss, .bss.*: zeroed */
	UBEE_OBJECT_MAP_INNER,     /* the inner map template of a map of maps */
};

struct ubee_object_map_info {
	const char *name;          /* variable/symbol name, or the section
				    * name for global data (".data") */
	int kind;                  /* enum ubee_object_map_kind */
	uint32_t type;             /* enum ubee_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint64_t map_extra;
	uint32_t pinning;          /* 0 none, 1 by name (LIBBPF_PIN_BY_NAME) */
	uint32_t btf_key_type_id;  /* in ubee_object_btf(); 0 when none */
	uint32_t btf_value_type_id;/* global data: the section's DATASEC */
	int has_inner;             /* a map of maps: see ubee_object_map_inner */
	struct ubee_map *map;      /* after the load, else NULL */
};

/* Maps, in the order libbpf (0.x, which still read "maps") lists them:
 * legacy maps by offset, .maps variables by offset, then global data
 * sections in file order. Inner map templates are not listed. */
size_t ubee_object_map_count(const struct ubee_object *obj);
int ubee_object_map(const struct ubee_object *obj, size_t i,
		    struct ubee_object_map_info *out);
/* Index of the map with this name, or -ENOENT. */
int ubee_object_find_map(const struct ubee_object *obj, const char *name);
/* The inner map template of map i; -ENOENT when it has none. */
int ubee_object_map_inner(const struct ubee_object *obj, size_t i,
			  struct ubee_object_map_info *out);

/*
 * The live value of global data map i once loaded: the storage programs
 * address directly (as a libbpf skeleton's obj->bss), value_size bytes in
 * *size. Writes are seen by programs at once; .rodata is read-only for
 * programs, writing it here is the embedder's choice. NULL (errno ENOENT)
 * for other maps or before the load.
 */
void *ubee_object_map_data(const struct ubee_object *obj, size_t i,
			   size_t *size);

/* ---- the rest ---------------------------------------------------------- */

/* The "license" section's string, "" when there is none. */
const char *ubee_object_license(const struct ubee_object *obj);

struct ubee_btf;
/* The object's BTF (DATASEC sizes and offsets filled in), or NULL. */
const struct ubee_btf *ubee_object_btf(const struct ubee_object *obj);

struct ubee_object_load_opts {
	size_t sz;                          /* sizeof(struct ubee_object_load_opts) */
	const struct ubee_helpers *helpers; /* borrowed, must outlive the
					     * object; NULL: the built-ins */
	uint32_t prog_flags;                /* enum ubee_prog_flags, for every
					     * program */
	int load_all;                       /* also programs whose autoload is
					     * off */
	const char *vmlinux_btf;            /* target BTF for CO-RE; NULL:
					     * /sys/kernel/btf/vmlinux when it
					     * exists; "": none */
	uint64_t max_memory;                /* bytes the object's maps may
					     * take (ubee_map_spec_memory
					     * summed): over it the load fails
					     * with -E2BIG before allocating;
					     * 0: UBEE_OBJECT_MAX_MEMORY;
					     * UINT64_MAX: no limit */
	const char *pin_root_path;          /* maps with pinning
					     * LIBBPF_PIN_BY_NAME are pinned
					     * at DIR/NAME, or the map pinned
					     * there is reused (ubee/pin.h);
					     * NULL: pinning is ignored (no
					     * files appear behind an
					     * embedder's back); "": the pin
					     * directory (ubee_pin_dir) */
	int log_level;                      /* the verifier's log level
					     * (ubee_prog_opts.log_level) */
	uint32_t mem_ctx_size;              /* UBEE_PROG_TYPE_MEM programs:
					     * bytes of memory at r1 they may
					     * access (ubee_prog_opts.ctx_size) */
};

/* The default cap on the memory of one object's maps: 1 GiB. */
#define UBEE_OBJECT_MAX_MEMORY (1ull << 30)

/*
 * Create the maps, apply CO-RE relocations and load the programs (every
 * autoload one, or all with load_all). CO-RE relocations resolve against
 * ubee's context types (ubee_prog_type_btf) first, then against the
 * kernel's BTF or the one given.
 * Prog arrays get their initial programs; programs an embedder puts in
 * prog arrays must be taken out before ubee_object_free (arrays borrow
 * programs). On failure nothing stays loaded,
 * the error is the failing step's (-EINVAL with a log line naming the
 * program, instruction and type for a CO-RE relocation that cannot be
 * resolved; -EOPNOTSUPP for a program type ubee lacks, naming the
 * program) and the object may be loaded again. -EBUSY when already
 * loaded.
 */
int ubee_object_load(struct ubee_object *obj,
		     const struct ubee_object_load_opts *opts,
		     struct ubee_log *log);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_OBJECT_H */
