/* SPDX-License-Identifier: MIT */
/*
 * A bounds-checked reader for ELF64 little-endian EM_BPF relocatable
 * objects (what clang -target bpf -c writes). ubee_elf_parse() checks the
 * file header, every section header, the section names, the symbol table
 * and the relocation section headers once, and decodes them into arrays;
 * after that every offset and size it hands out is known to lie inside
 * the file (except SHT_NOBITS sizes), so users read section contents with
 * a cursor over [offset, offset + size) without further overflow care.
 * All file bytes are read through src/util/cursor.h; <elf.h> supplies
 * only constants and layouts.
 */
#ifndef UBEE_LOADER_ELF_H
#define UBEE_LOADER_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

/* Largest object file ubee_object_open_file() reads. */
#define UBEE_ELF_MAX_FILE_SIZE (1ull << 30)

struct ubee_elf_sec {
	const char *name;     /* NUL-terminated, inside the file bytes */
	uint32_t type;        /* SHT_* */
	uint64_t flags;       /* SHF_* */
	uint64_t offset;      /* offset + size is inside the file unless */
	uint64_t size;        /* type is SHT_NOBITS or SHT_NULL */
	uint32_t link;
	uint32_t info;
	uint64_t addralign;
	uint64_t entsize;
};

struct ubee_elf_sym {
	const char *name;     /* NUL-terminated, inside the file bytes */
	uint64_t value;
	uint64_t size;
	uint16_t shndx;       /* < nsecs, or SHN_UNDEF, or >= SHN_LORESERVE */
	uint8_t type;         /* STT_* */
	uint8_t bind;         /* STB_* */
};

/* One relocation entry (addend 0 for SHT_REL, as BPF objects use). */
struct ubee_elf_rel {
	uint64_t offset;      /* byte offset in the relocated section */
	uint32_t sym;         /* < nsyms */
	uint32_t type;        /* R_BPF_* */
	int64_t addend;
};

struct ubee_elf {
	const uint8_t *data;  /* the file; borrowed, must outlive the reader */
	size_t size;
	struct ubee_elf_sec *secs; /* all section headers, index = ELF index */
	size_t nsecs;
	size_t shstrndx;
	struct ubee_elf_sym *syms; /* the symbol table (empty if none) */
	size_t nsyms;
	size_t symtab;        /* section index of SHT_SYMTAB, 0 when none */
	size_t *rels;         /* indices of the SHT_REL/SHT_RELA sections, */
	size_t nrels;         /* file order; their info and link are valid */
};

/*
 * Check and decode data[size] into *elf (zeroed first). The bytes are
 * borrowed: names point into them. Returns 0; -EINVAL with one log line
 * naming what is wrong and where; -ENOMEM. On failure *elf holds nothing
 * to release. Work and memory are linear in size.
 */
int ubee_elf_parse(struct ubee_elf *elf, const void *data, size_t size,
		   struct ubee_log *log);
/* Free what ubee_elf_parse() allocated; the reader may be zeroed. */
void ubee_elf_release(struct ubee_elf *elf);

/* 1 for a section holding eBPF instructions (PROGBITS, EXECINSTR, size>0). */
int ubee_elf_sec_is_exec(const struct ubee_elf_sec *s);

/* Number of entries of relocation section shndx (0 if it is not one). */
size_t ubee_elf_rel_count(const struct ubee_elf *elf, size_t shndx);
/*
 * Entry i of relocation section shndx. -ENOENT when i is out of range or
 * shndx is not a relocation section; -EINVAL (logged) when the entry
 * names a symbol past the symbol table.
 */
int ubee_elf_rel(const struct ubee_elf *elf, size_t shndx, size_t i,
		 struct ubee_elf_rel *out, struct ubee_log *log);

#endif /* UBEE_LOADER_ELF_H */
