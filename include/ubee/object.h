/* SPDX-License-Identifier: MIT */
/*
 * eBPF ELF objects as clang writes them (clang -O2 -g -target bpf).
 * This first version enumerates the functions of every executable section;
 * maps, relocations, BTF and program types come with the loader.
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
 * (copied). Malformed input gives -EINVAL and a log line naming what is
 * wrong and where ("section 5 (.text): offset 0x1000 + size 0x40 is past
 * the end of the file (0x800 bytes)"), never a crash.
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

#ifdef __cplusplus
}
#endif
#endif /* UBEE_OBJECT_H */
