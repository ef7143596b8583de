/* SPDX-License-Identifier: MIT */
/*
 * BTF, the kernel's type format (the .BTF and .BTF.ext sections of clang
 * objects, and /sys/kernel/btf/vmlinux). ubee_btf_parse() checks untrusted
 * bytes completely once: header and section ranges, every string offset,
 * every kind's record layout, every referenced type id, the absence of
 * reference cycles (typedef A -> typedef B -> typedef A, a struct that
 * contains itself by value, pointer chains that never end) and that every
 * struct member lies inside its struct. It then precomputes each type's
 * size and modifier-free target, so queries never recurse and cost O(1)
 * (name lookups: one hash chain). Type ids are those of the BTF: 0 is
 * void, 1 .. count-1 are types. Names are borrowed from the ubee_btf and
 * live as long as it.
 *
 * The pretty printer writes values in the style of `bpftool map dump`:
 *
 *   plain (UBEE_BTF_DUMP_PLAIN)        JSON (0)
 *   [{                                 [{"key":0,"value":{"cnt":3,
 *           "key": 0,                    "name":"abc","fl":{"a":"0x5"},
 *           "value": {                   "next":0,"arr":[1,2]}}]
 *               "cnt": 3,
 *               "name": "abc",
 *               "fl": {
 *                   "a": 0x5
 *               },
 *               "next": (nil),
 *               "arr": [1,2
 *               ]
 *           }
 *       }
 *   ]
 *
 * (bpftool -j prints the JSON form under "formatted", next to the raw
 * bytes.) Integers print in decimal, bitfields in hex ("0x5"; quoted in
 * JSON), char arrays holding a NUL-terminated printable string as a
 * string, enums by enumerator name when one matches, pointers as %p in
 * plain text and decimal in JSON, .data-style sections as
 * {".data": [{"var": value}, ...]}. Deliberate differences from bpftool:
 * strings are escaped as valid JSON ('\\' is "\\\\", bpftool writes
 * "\\n"; control characters are \uXXXX), enum values that match no
 * enumerator print with the enum's signedness (bpftool always signed),
 * bool ints read their own size (bpftool reads 4 bytes), and FLOAT values
 * of 4 and 8 bytes print as numbers (bpftool refuses the kind).
 */
#ifndef UBEE_BTF_H
#define UBEE_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits (every BTF bound in one place) ----------------------------- */

#define UBEE_BTF_MAX_SIZE (1u << 30)      /* bytes of .BTF or .BTF.ext */
#define UBEE_BTF_MAX_TYPES 0xfffffu       /* type ids, void included (kernel
					   * BTF_MAX_TYPE) */
#define UBEE_BTF_MAX_STR_LEN (1u << 24)   /* string section bytes (kernel:
					   * name offsets below 1 << 24) */
#define UBEE_BTF_MAX_BITS 128             /* widest int and bitfield */
#define UBEE_BTF_PTR_SIZE 8               /* pointers are 64-bit in BPF */
#define UBEE_BTF_MAX_DUMP_DEPTH 64        /* value nesting the printer follows */
#define UBEE_BTF_MAX_DUMP_LEN (64u << 20) /* printer output before -E2BIG */
#define UBEE_BTF_MAX_QUAL_CHAIN 32        /* qualifiers looked through when
					   * deciding that an array is a string */
#define UBEE_BTF_MAX_ACCESS_LEN 64        /* indices in a CO-RE access string */

/* ---- kinds (the kernel's BTF_KIND_* numbers) --------------------------- */

enum ubee_btf_kind {
	UBEE_BTF_KIND_VOID = 0, /* id 0 only */
	UBEE_BTF_KIND_INT = 1,
	UBEE_BTF_KIND_PTR = 2,
	UBEE_BTF_KIND_ARRAY = 3,
	UBEE_BTF_KIND_STRUCT = 4,
	UBEE_BTF_KIND_UNION = 5,
	UBEE_BTF_KIND_ENUM = 6,
	UBEE_BTF_KIND_FWD = 7,
	UBEE_BTF_KIND_TYPEDEF = 8,
	UBEE_BTF_KIND_VOLATILE = 9,
	UBEE_BTF_KIND_CONST = 10,
	UBEE_BTF_KIND_RESTRICT = 11,
	UBEE_BTF_KIND_FUNC = 12,
	UBEE_BTF_KIND_FUNC_PROTO = 13,
	UBEE_BTF_KIND_VAR = 14,
	UBEE_BTF_KIND_DATASEC = 15,
	UBEE_BTF_KIND_FLOAT = 16,
	UBEE_BTF_KIND_DECL_TAG = 17,
	UBEE_BTF_KIND_TYPE_TAG = 18,
	UBEE_BTF_KIND_ENUM64 = 19,
	UBEE_BTF_KIND_MAX = UBEE_BTF_KIND_ENUM64,
	UBEE_BTF_KIND_ANY = -1, /* ubee_btf_find(): match every kind */
};

/* INT encoding bits, BTF_INT_SIGNED/CHAR/BOOL. */
#define UBEE_BTF_INT_SIGNED 1
#define UBEE_BTF_INT_CHAR 2
#define UBEE_BTF_INT_BOOL 4

/* "INT", "STRUCT", ... ("UNKN" for id 0 and unknown kinds). Static. */
const char *ubee_btf_kind_name(int kind);

/* ---- parsing ----------------------------------------------------------- */

struct ubee_btf;

/*
 * Check and decode the BTF in data[size] (the .BTF section of an object,
 * or /sys/kernel/btf/vmlinux). The bytes are copied. Returns 0 and *out
 * (free with ubee_btf_free); -EINVAL with one log line naming the type id
 * or byte offset and the fault; -E2BIG when a limit above is exceeded;
 * -ENOMEM. Work and memory are linear in size. Split BTF (kernel modules,
 * which continue vmlinux's ids) is not supported.
 */
int ubee_btf_parse(const void *data, size_t size, struct ubee_btf **out,
		   struct ubee_log *log);
void ubee_btf_free(struct ubee_btf *btf);

/*
 * Fill in a DATASEC as the loader needs it. clang (checked with clang-19)
 * writes every DATASEC of a relocatable object with size 0 and every
 * variable offset 0; the real values are the ELF section's size and the
 * values of the variables' symbols (clang also emits .rel.BTF
 * R_BPF_64_NODYLD32 relocations for those offsets, which only a static
 * linker applies). For the DATASEC named sec_name (".data", ".rodata.str",
 * ".bss", ".maps", ...) this sets the size to sec_size and each variable's
 * offset to what var_offset() reports for the variable's name, then sorts
 * the variables by offset. var_offset returns 0 and the offset, or a
 * negative errno (-ENOENT: no such symbol) that aborts the fixup.
 * Returns 0; -ENOENT when no DATASEC has that name; -EINVAL (logged) when
 * the DATASEC already has another non-zero size, an entry is not a VAR,
 * var_offset fails (its errno is logged; -ENOMEM is passed on instead),
 * or a variable does not fit in the section; -ENOMEM. On failure the BTF
 * may be half updated and should be dropped.
 */
typedef int (*ubee_btf_var_offset_fn)(void *arg, const char *var_name,
				      uint32_t *offset);
int ubee_btf_fixup_datasec(struct ubee_btf *btf, const char *sec_name,
			   uint32_t sec_size, ubee_btf_var_offset_fn var_offset,
			   void *arg, struct ubee_log *log);

/* ---- types by id ------------------------------------------------------- */

/* Number of type ids, void included (the last id is count - 1). */
uint32_t ubee_btf_type_count(const struct ubee_btf *btf);

/* The common part of a type. Fields that a kind does not use are 0. */
struct ubee_btf_type {
	uint32_t id;
	int kind;          /* enum ubee_btf_kind */
	const char *name;  /* "" when anonymous; borrowed from btf */
	uint32_t vlen;     /* members, enumerators, params, variables */
	int kflag;         /* STRUCT/UNION: bitfield offsets; ENUM/ENUM64:
			    * signed; FWD: union */
	uint32_t size;     /* INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT */
	uint32_t type;     /* PTR, TYPEDEF, qualifiers, TYPE_TAG, FUNC (its
			    * FUNC_PROTO), FUNC_PROTO (return type), VAR,
			    * DECL_TAG (the tagged type) */
	uint32_t linkage;  /* FUNC: static 0, global 1, extern 2; VAR: static 0,
			    * allocated 1, extern 2 */
	int32_t component_idx; /* DECL_TAG: member/param index, or -1 */
};

/* Type id (0 gives kind VOID). -ENOENT when id >= count. */
int ubee_btf_type(const struct ubee_btf *btf, uint32_t id,
		  struct ubee_btf_type *out);
/* Kind of id, or -ENOENT. */
int ubee_btf_kind(const struct ubee_btf *btf, uint32_t id);
/* Name of id ("" when anonymous), or NULL with errno ENOENT. */
const char *ubee_btf_name(const struct ubee_btf *btf, uint32_t id);

struct ubee_btf_int {
	uint8_t encoding;  /* UBEE_BTF_INT_* bits */
	uint8_t offset;    /* bit offset of the value inside size bytes */
	uint8_t bits;      /* width */
};

struct ubee_btf_member {
	const char *name;      /* "" for an anonymous struct/union member */
	uint32_t type;
	uint32_t bit_offset;   /* from the start of the struct */
	uint32_t bitfield_size; /* 0 unless a kflag struct's bitfield */
};

struct ubee_btf_array {
	uint32_t type;         /* element */
	uint32_t index_type;
	uint32_t nelems;
};

struct ubee_btf_enum_val {
	const char *name;
	uint64_t value;        /* two's complement: (int64_t)value for signed
				* enums (kflag), sign-extended from 32 bits */
};

struct ubee_btf_param {
	const char *name;      /* "" when unnamed */
	uint32_t type;         /* 0 for the "..." of a variadic prototype */
};

struct ubee_btf_var_secinfo {
	uint32_t type;         /* a VAR (or FUNC in extern sections) */
	uint32_t offset;       /* in the section; 0 in clang objects until
				* ubee_btf_fixup_datasec() */
	uint32_t size;
};

/*
 * Kind-specific parts. Each returns 0; -ENOENT when id or the index i is
 * out of range; -EINVAL when id is of another kind (ubee_btf_enum_val
 * takes ENUM and ENUM64).
 */
int ubee_btf_int(const struct ubee_btf *btf, uint32_t id,
		 struct ubee_btf_int *out);
int ubee_btf_member(const struct ubee_btf *btf, uint32_t id, uint32_t i,
		    struct ubee_btf_member *out);
int ubee_btf_array(const struct ubee_btf *btf, uint32_t id,
		   struct ubee_btf_array *out);
int ubee_btf_enum_val(const struct ubee_btf *btf, uint32_t id, uint32_t i,
		      struct ubee_btf_enum_val *out);
int ubee_btf_param(const struct ubee_btf *btf, uint32_t id, uint32_t i,
		   struct ubee_btf_param *out);
int ubee_btf_datasec_var(const struct ubee_btf *btf, uint32_t id, uint32_t i,
			 struct ubee_btf_var_secinfo *out);

/* ---- queries ----------------------------------------------------------- */

/*
 * The lowest id with this name and kind (UBEE_BTF_KIND_ANY: any kind), or
 * -ENOENT. ubee_btf_find_next() continues after id `after`. Names are
 * exact: a CO-RE caller strips a "___flavour" suffix itself.
 */
int ubee_btf_find(const struct ubee_btf *btf, const char *name, int kind);
int ubee_btf_find_next(const struct ubee_btf *btf, const char *name, int kind,
		       uint32_t after);

/*
 * id with typedefs, const, volatile, restrict and type tags skipped (0 if
 * that reaches void), or -ENOENT for a bad id.
 */
int ubee_btf_resolve(const struct ubee_btf *btf, uint32_t id);

/*
 * Byte offset of the first struct named name inside struct or union id
 * (id itself, or a member's, nested up to 8 levels; bitfields skipped),
 * or -ENOENT. For special kernel types such as bpf_spin_lock in a map
 * value.
 */
int ubee_btf_struct_offset(const struct ubee_btf *btf, uint32_t id,
			   const char *name);

/*
 * Size in bytes of id (through typedefs and qualifiers; pointers are
 * UBEE_BTF_PTR_SIZE; arrays nelems * element). -EINVAL when the type has
 * no size (void, FWD, FUNC, FUNC_PROTO, DECL_TAG, or a VAR of one of
 * those), -ENOENT for a bad id.
 */
int64_t ubee_btf_size(const struct ubee_btf *btf, uint32_t id);

/* ---- pretty printer ---------------------------------------------------- */

#define UBEE_BTF_DUMP_PRETTY 1u  /* newlines and 4-space indentation */
#define UBEE_BTF_DUMP_TEXT 2u    /* plain-text values (bitfields unquoted,
				  * pointers as %p) */
#define UBEE_BTF_DUMP_PLAIN (UBEE_BTF_DUMP_PRETTY | UBEE_BTF_DUMP_TEXT)
				 /* `bpftool map dump`; 0 is `-j`, PRETTY `-p` */

/*
 * A streaming writer into buf[size] (bpftool's json_writer rules for
 * commas and indentation). len counts every byte produced even when buf
 * is full (like snprintf); buf stays NUL-terminated. The struct is the
 * caller's; fields are read-only outside the ubee_btf_w_* functions.
 */
struct ubee_btf_writer {
	char *buf;
	size_t size;
	size_t len;
	unsigned flags;    /* UBEE_BTF_DUMP_* */
	unsigned depth;
	char sep;
};

void ubee_btf_w_init(struct ubee_btf_writer *w, char *buf, size_t size,
		     unsigned flags);
/* Open '{' or '[' / close with '}' or ']'. */
void ubee_btf_w_begin(struct ubee_btf_writer *w, char c);
void ubee_btf_w_end(struct ubee_btf_writer *w, char c);
/* An object key ("name": ). */
void ubee_btf_w_name(struct ubee_btf_writer *w, const char *name);
/* A value: formatted verbatim / a JSON string. */
void ubee_btf_w_printf(struct ubee_btf_writer *w, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void ubee_btf_w_string(struct ubee_btf_writer *w, const char *s);

/*
 * Write the value of type id held in data[size] as one value. Returns 0;
 * -EINVAL when the type has no size or size is smaller than it, or a kind
 * cannot be printed (FWD, FUNC, ...); -E2BIG past UBEE_BTF_MAX_DUMP_DEPTH
 * nesting or UBEE_BTF_MAX_DUMP_LEN bytes of output; -ENOENT for a bad id.
 * On error the output so far stays in the writer (bpftool prints as far
 * as it got). Work: linear in the output.
 */
int ubee_btf_dump(struct ubee_btf_writer *w, const struct ubee_btf *btf,
		  uint32_t id, const void *data, size_t size);

/*
 * One `map dump` entry: {"key": K, "value": V}. key_id 0 leaves out the
 * key, as bpftool does for global-data maps whose key has no BTF. A whole
 * dump is ubee_btf_w_begin(w, '['), one entry per element, and
 * ubee_btf_w_end(w, ']'); bpftool then prints a newline. Per-CPU maps are
 * built from the primitives as bpftool does: "key", then "values" holding
 * [{"cpu": 0, "value": V}, ...].
 */
int ubee_btf_dump_entry(struct ubee_btf_writer *w, const struct ubee_btf *btf,
			uint32_t key_id, const void *key, size_t key_size,
			uint32_t value_id, const void *value,
			size_t value_size);

/*
 * One value into buf[size] (NUL-terminated, truncated when short).
 * Returns the length it needs (as snprintf does) or a negative errno as
 * ubee_btf_dump().
 */
int ubee_btf_snprint(const struct ubee_btf *btf, uint32_t id, const void *data,
		     size_t data_size, unsigned flags, char *buf, size_t size);

/* ---- .BTF.ext: func info, line info, CO-RE relocations ---------------- */

struct ubee_btf_ext;

/*
 * Check and decode a .BTF.ext section against the object's BTF, which is
 * borrowed and must outlive the result (names and file/line strings are
 * in its string table). Every record's strings and type ids are checked:
 * func info names a FUNC, CO-RE relocations name a type and a non-empty
 * access string, instruction offsets are multiples of 8. Returns 0 and
 * *out; -EINVAL with a log line naming the byte offset; -ENOMEM.
 */
int ubee_btf_ext_parse(const void *data, size_t size,
		       const struct ubee_btf *btf, struct ubee_btf_ext **out,
		       struct ubee_log *log);
void ubee_btf_ext_free(struct ubee_btf_ext *ext);

enum ubee_btf_ext_kind {
	UBEE_BTF_EXT_FUNC = 0,
	UBEE_BTF_EXT_LINE = 1,
	UBEE_BTF_EXT_CORE = 2,
};

/* CO-RE relocation kinds (enum bpf_core_relo_kind). */
enum ubee_core_kind {
	UBEE_CORE_FIELD_BYTE_OFFSET = 0,
	UBEE_CORE_FIELD_BYTE_SIZE = 1,
	UBEE_CORE_FIELD_EXISTS = 2,
	UBEE_CORE_FIELD_SIGNED = 3,
	UBEE_CORE_FIELD_LSHIFT_U64 = 4,
	UBEE_CORE_FIELD_RSHIFT_U64 = 5,
	UBEE_CORE_TYPE_ID_LOCAL = 6,
	UBEE_CORE_TYPE_ID_TARGET = 7,
	UBEE_CORE_TYPE_EXISTS = 8,
	UBEE_CORE_TYPE_SIZE = 9,
	UBEE_CORE_ENUMVAL_EXISTS = 10,
	UBEE_CORE_ENUMVAL_VALUE = 11,
	UBEE_CORE_TYPE_MATCHES = 12,
	UBEE_CORE_KIND_MAX = UBEE_CORE_TYPE_MATCHES,
};

/* "byte_off", "exists", "type_id_local", ... ("unknown" otherwise). */
const char *ubee_core_kind_name(int kind);

/* Records are per code section, in the order of the file. */
struct ubee_btf_func_info {
	uint32_t insn_off;     /* byte offset in the section (insn * 8) */
	uint32_t type_id;      /* a FUNC */
};

struct ubee_btf_line_info {
	uint32_t insn_off;     /* byte offset in the section */
	const char *file;      /* borrowed from the BTF */
	const char *line;      /* source text of the line ("" if none) */
	uint32_t line_num;
	uint32_t col;
};

struct ubee_btf_core_relo {
	uint32_t insn_off;     /* byte offset in the section */
	uint32_t type_id;      /* the local root type */
	const char *access;    /* "0:1:2": indices from the root */
	uint32_t kind;         /* enum ubee_core_kind */
};

/* Sections that have records of this kind. */
size_t ubee_btf_ext_sec_count(const struct ubee_btf_ext *ext,
			      enum ubee_btf_ext_kind kind);
/* Name and record count of section i; -ENOENT when out of range. */
int ubee_btf_ext_sec(const struct ubee_btf_ext *ext,
		     enum ubee_btf_ext_kind kind, size_t i, const char **name,
		     size_t *nrecs);
/* Index of the section with this name, or -ENOENT. */
int ubee_btf_ext_find_sec(const struct ubee_btf_ext *ext,
			  enum ubee_btf_ext_kind kind, const char *name);
/* Record j of section sec; -ENOENT when out of range. */
int ubee_btf_ext_func(const struct ubee_btf_ext *ext, size_t sec, size_t j,
		      struct ubee_btf_func_info *out);
int ubee_btf_ext_line(const struct ubee_btf_ext *ext, size_t sec, size_t j,
		      struct ubee_btf_line_info *out);
int ubee_btf_ext_core(const struct ubee_btf_ext *ext, size_t sec, size_t j,
		      struct ubee_btf_core_relo *out);

/*
 * Split a CO-RE access string ("0:1:2") into idx[max]. Returns the number
 * of indices, or -EINVAL when s is empty, not decimal numbers separated
 * by ':', a number exceeds UINT32_MAX, or there are more than max.
 */
int ubee_core_access_parse(const char *s, uint32_t *idx, size_t max);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_BTF_H */
