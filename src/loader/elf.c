// SPDX-License-Identifier: MIT
/*
 * The ELF64 reader: one pass over the file header, the section header
 * table, the section names, the symbol table and the relocation section
 * headers, each checked before use (see elf.h). Messages name the item
 * and the byte offsets involved, e.g.
 *   section 5 (.text): offset 0x1000 + size 0x40 is past the end of the
 *   file (0x800 bytes)
 * Extended numbering (e_shnum 0 or e_shstrndx SHN_XINDEX, the real values
 * in section 0) is followed; SHN_XINDEX symbols are kept as special.
 */
#include <assert.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "loader/elf.h"
#include "util/cursor.h"
#include "util/util.h"

#define EHDR_SIZE sizeof(Elf64_Ehdr)
#define SHDR_SIZE sizeof(Elf64_Shdr)
#define SYM_SIZE sizeof(Elf64_Sym)
#define F(type, field, p) ((p) + offsetof(type, field))

_Static_assert(EHDR_SIZE == 64 && SHDR_SIZE == 64 && SYM_SIZE == 24,
	       "ELF64 layouts");

typedef unsigned long long ull;

int ubee_elf_sec_is_exec(const struct ubee_elf_sec *s)
{
	return s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR) &&
	       s->size > 0;
}

/* Decode section header i; the table's range was checked by the caller. */
static void read_shdr(const struct ubee_cursor *file, uint64_t shoff,
		      size_t i, struct ubee_elf_sec *s, uint32_t *name_off)
{
	const uint8_t *p = ubee_cur_at(file, shoff + i * SHDR_SIZE, SHDR_SIZE);

	assert(p);
	*name_off = ubee_le32(F(Elf64_Shdr, sh_name, p));
	s->type = ubee_le32(F(Elf64_Shdr, sh_type, p));
	s->flags = ubee_le64(F(Elf64_Shdr, sh_flags, p));
	s->offset = ubee_le64(F(Elf64_Shdr, sh_offset, p));
	s->size = ubee_le64(F(Elf64_Shdr, sh_size, p));
	s->link = ubee_le32(F(Elf64_Shdr, sh_link, p));
	s->info = ubee_le32(F(Elf64_Shdr, sh_info, p));
	s->addralign = ubee_le64(F(Elf64_Shdr, sh_addralign, p));
	s->entsize = ubee_le64(F(Elf64_Shdr, sh_entsize, p));
}

/*
 * Check the file header; give the section header table's offset, the
 * section count and the name table's index (extended numbering resolved).
 */
static int parse_ehdr(const struct ubee_cursor *file, uint64_t *shoff,
		      size_t *shnum, size_t *shstrndx, struct ubee_log *log)
{
	uint8_t h[EHDR_SIZE];
	struct ubee_elf_sec s0;
	uint32_t name0;
	uint16_t type, machine, entsize;
	uint64_t num, strndx;

	if (ubee_cur_read(file, 0, h, sizeof(h))) {
		ubee_logf(log, "file is %zu bytes, smaller than an ELF64 header (%zu bytes)",
			  file->size, EHDR_SIZE);
		return -EINVAL;
	}
	if (memcmp(h, ELFMAG, SELFMAG)) {
		ubee_logf(log, "bad ELF magic %02x %02x %02x %02x at offset 0 (expected 7f 45 4c 46)",
			  h[0], h[1], h[2], h[3]);
		return -EINVAL;
	}
	if (h[EI_CLASS] != ELFCLASS64) {
		ubee_logf(log, "ELF class %u at offset 0x%x is not ELFCLASS64 (2): only 64-bit objects are supported",
			  h[EI_CLASS], EI_CLASS);
		return -EINVAL;
	}
	if (h[EI_DATA] != ELFDATA2LSB) {
		ubee_logf(log, "ELF data encoding %u at offset 0x%x is not ELFDATA2LSB (1): only little-endian objects are supported",
			  h[EI_DATA], EI_DATA);
		return -EINVAL;
	}
	type = ubee_le16(F(Elf64_Ehdr, e_type, h));
	machine = ubee_le16(F(Elf64_Ehdr, e_machine, h));
	entsize = ubee_le16(F(Elf64_Ehdr, e_shentsize, h));
	*shoff = ubee_le64(F(Elf64_Ehdr, e_shoff, h));
	num = ubee_le16(F(Elf64_Ehdr, e_shnum, h));
	strndx = ubee_le16(F(Elf64_Ehdr, e_shstrndx, h));
	if (type != ET_REL) {
		ubee_logf(log, "e_type %u is not ET_REL (1): only relocatable objects (clang -c) are supported",
			  type);
		return -EINVAL;
	}
	if (machine != EM_BPF) {
		ubee_logf(log, "e_machine %u is not EM_BPF (%u)", machine, EM_BPF);
		return -EINVAL;
	}
	if (entsize != SHDR_SIZE) {
		ubee_logf(log, "e_shentsize %u is not %zu (Elf64_Shdr)", entsize,
			  SHDR_SIZE);
		return -EINVAL;
	}
	if (*shoff == 0) {
		ubee_logf(log, "no section header table (e_shoff is 0)");
		return -EINVAL;
	}
	if (num == 0 || strndx == SHN_XINDEX) {
		/* Extended numbering: the real values live in section 0. */
		if (!ubee_cur_at(file, *shoff, SHDR_SIZE)) {
			ubee_logf(log, "section header 0: e_shoff 0x%llx + 0x%zx is past the end of the file (0x%zx bytes)",
				  (ull)*shoff, SHDR_SIZE, file->size);
			return -EINVAL;
		}
		read_shdr(file, *shoff, 0, &s0, &name0);
		if (num == 0)
			num = s0.size;
		if (strndx == SHN_XINDEX)
			strndx = s0.link;
	}
	if (num == 0 || num > file->size / SHDR_SIZE ||
	    !ubee_range_ok(*shoff, num * SHDR_SIZE, file->size)) {
		ubee_logf(log, "section header table: e_shoff 0x%llx + %llu * %zu bytes is past the end of the file (0x%zx bytes)",
			  (ull)*shoff, (ull)num, SHDR_SIZE, file->size);
		return -EINVAL;
	}
	if (strndx == SHN_UNDEF || strndx >= num) {
		ubee_logf(log, "e_shstrndx %llu is out of range (%llu sections)",
			  (ull)strndx, (ull)num);
		return -EINVAL;
	}
	*shnum = (size_t)num;
	*shstrndx = (size_t)strndx;
	return 0;
}

/* Section i's bytes must lie in the file; what names it until its name
 * is known. */
static int check_range(const struct ubee_elf *elf, size_t i,
		       const char *what, struct ubee_log *log)
{
	const struct ubee_elf_sec *s = &elf->secs[i];

	if (s->type == SHT_NOBITS || s->type == SHT_NULL ||
	    ubee_range_ok(s->offset, s->size, elf->size))
		return 0;
	ubee_logf(log, "section %zu (%s): offset 0x%llx + size 0x%llx is past the end of the file (0x%zx bytes)",
		  i, s->name ? s->name : what, (ull)s->offset, (ull)s->size,
		  elf->size);
	return -EINVAL;
}

/* Section i must be a string table; *strs covers its bytes. */
static int strtab_cursor(const struct ubee_elf *elf, size_t i,
			 const char *what, struct ubee_cursor *strs,
			 struct ubee_log *log)
{
	const struct ubee_elf_sec *s = &elf->secs[i];
	struct ubee_cursor file = ubee_cursor_init(elf->data, elf->size);

	if (s->type != SHT_STRTAB && s->name) {
		ubee_logf(log, "section %zu (%s) has type %u, not SHT_STRTAB (%u), and cannot be the %s",
			  i, s->name, s->type, SHT_STRTAB, what);
		return -EINVAL;
	}
	if (s->type != SHT_STRTAB) {
		ubee_logf(log, "section %zu, the %s, has type %u, not SHT_STRTAB (%u)",
			  i, what, s->type, SHT_STRTAB);
		return -EINVAL;
	}
	if (check_range(elf, i, what, log))
		return -EINVAL;
	return ubee_cur_sub(&file, s->offset, s->size, strs);
}

static int parse_sections(struct ubee_elf *elf, uint64_t shoff,
			  struct ubee_log *log)
{
	struct ubee_cursor file = ubee_cursor_init(elf->data, elf->size);
	struct ubee_cursor names;
	uint32_t *name_offs;
	size_t i;
	int err = 0;

	name_offs = ubee_calloc(elf->nsecs, sizeof(*name_offs));
	if (!name_offs)
		return -ENOMEM;
	for (i = 0; i < elf->nsecs; i++)
		read_shdr(&file, shoff, i, &elf->secs[i], &name_offs[i]);
	err = strtab_cursor(elf, elf->shstrndx, "section name table", &names,
			    log);
	if (err)
		goto out;
	for (i = 0; i < elf->nsecs; i++) {
		elf->secs[i].name = ubee_cur_str(&names, name_offs[i]);
		if (!elf->secs[i].name) {
			ubee_logf(log, "section %zu: name offset 0x%x %s the section name table (section %zu, 0x%zx bytes)",
				  i, name_offs[i],
				  name_offs[i] >= names.size ? "is past the end of"
							     : "has no NUL before the end of",
				  elf->shstrndx, names.size);
			err = -EINVAL;
			goto out;
		}
	}
	for (i = 0; i < elf->nsecs && !err; i++) {
		const struct ubee_elf_sec *s = &elf->secs[i];

		err = check_range(elf, i, s->name, log);
		if (err)
			break;
		if (ubee_elf_sec_is_exec(s) && s->size % sizeof(struct ubee_insn)) {
			ubee_logf(log, "section %zu (%s): size 0x%llx is not a multiple of %zu (eBPF instructions are 8 bytes)",
				  i, s->name, (ull)s->size, sizeof(struct ubee_insn));
			err = -EINVAL;
		} else if (s->type == SHT_SYMTAB && elf->symtab) {
			ubee_logf(log, "section %zu (%s): a second symbol table (the first is section %zu)",
				  i, s->name, elf->symtab);
			err = -EINVAL;
		} else if (s->type == SHT_SYMTAB) {
			elf->symtab = i;
		}
	}
out:
	ubee_free(name_offs);
	return err;
}

static int parse_symtab(struct ubee_elf *elf, struct ubee_log *log)
{
	const struct ubee_elf_sec *st = &elf->secs[elf->symtab];
	struct ubee_cursor file = ubee_cursor_init(elf->data, elf->size);
	struct ubee_cursor strs;
	size_t i;
	int err;

	if (st->entsize != SYM_SIZE || st->size % SYM_SIZE) {
		ubee_logf(log, "section %zu (%s): entry size 0x%llx and size 0x%llx do not describe an array of %zu-byte Elf64_Sym",
			  elf->symtab, st->name, (ull)st->entsize, (ull)st->size,
			  SYM_SIZE);
		return -EINVAL;
	}
	if (st->link == 0 || st->link >= elf->nsecs) {
		ubee_logf(log, "section %zu (%s): string table index %u is out of range (%zu sections)",
			  elf->symtab, st->name, st->link, elf->nsecs);
		return -EINVAL;
	}
	err = strtab_cursor(elf, st->link, "symbol string table", &strs, log);
	if (err)
		return err;
	elf->nsyms = (size_t)(st->size / SYM_SIZE);
	elf->syms = ubee_calloc(elf->nsyms, sizeof(*elf->syms));
	if (!elf->syms)
		return -ENOMEM;
	for (i = 0; i < elf->nsyms; i++) {
		struct ubee_elf_sym *sym = &elf->syms[i];
		uint64_t off = st->offset + i * SYM_SIZE;
		const uint8_t *p = ubee_cur_at(&file, off, SYM_SIZE);
		uint32_t name;
		uint8_t info;

		if (!p)
			return -EINVAL; /* cannot happen: the range is checked */
		name = ubee_le32(F(Elf64_Sym, st_name, p));
		info = *F(Elf64_Sym, st_info, p);
		sym->type = ELF64_ST_TYPE(info);
		sym->bind = ELF64_ST_BIND(info);
		sym->shndx = ubee_le16(F(Elf64_Sym, st_shndx, p));
		sym->value = ubee_le64(F(Elf64_Sym, st_value, p));
		sym->size = ubee_le64(F(Elf64_Sym, st_size, p));
		sym->name = ubee_cur_str(&strs, name);
		if (!sym->name) {
			ubee_logf(log, "symbol %zu (at offset 0x%llx): name offset 0x%x %s the string table (section %u, 0x%zx bytes)",
				  i, (ull)off, name,
				  name >= strs.size ? "is past the end of"
						    : "has no NUL before the end of",
				  st->link, strs.size);
			return -EINVAL;
		}
		if (sym->shndx != SHN_UNDEF && sym->shndx < SHN_LORESERVE &&
		    sym->shndx >= elf->nsecs) {
			ubee_logf(log, "symbol %zu (%s): section index %u is out of range (%zu sections)",
				  i, sym->name, sym->shndx, elf->nsecs);
			return -EINVAL;
		}
	}
	return 0;
}

static size_t rel_entsize(const struct ubee_elf_sec *s)
{
	return s->type == SHT_RELA ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);
}

static int parse_rels(struct ubee_elf *elf, struct ubee_log *log)
{
	size_t i, n = 0;

	for (i = 0; i < elf->nsecs; i++)
		n += elf->secs[i].type == SHT_REL || elf->secs[i].type == SHT_RELA;
	elf->rels = ubee_calloc(n, sizeof(*elf->rels));
	if (!elf->rels)
		return -ENOMEM;
	for (i = 0; i < elf->nsecs; i++) {
		const struct ubee_elf_sec *s = &elf->secs[i];

		if (s->type != SHT_REL && s->type != SHT_RELA)
			continue;
		if (s->size % rel_entsize(s)) {
			ubee_logf(log, "section %zu (%s): size 0x%llx is not a multiple of %zu (the relocation entry size)",
				  i, s->name, (ull)s->size, rel_entsize(s));
			return -EINVAL;
		}
		if (s->info == 0 || s->info >= elf->nsecs) {
			ubee_logf(log, "section %zu (%s): relocated section index %u is out of range (%zu sections)",
				  i, s->name, s->info, elf->nsecs);
			return -EINVAL;
		}
		if (s->size && s->link != elf->symtab) {
			ubee_logf(log, "section %zu (%s): symbol table index %u is not the symbol table (section %zu)",
				  i, s->name, s->link, elf->symtab);
			return -EINVAL;
		}
		elf->rels[elf->nrels++] = i;
	}
	return 0;
}

int ubee_elf_parse(struct ubee_elf *elf, const void *data, size_t size,
		   struct ubee_log *log)
{
	struct ubee_cursor file = ubee_cursor_init(data, size);
	uint64_t shoff;
	int err;

	memset(elf, 0, sizeof(*elf));
	elf->data = file.base;
	elf->size = file.size;
	err = parse_ehdr(&file, &shoff, &elf->nsecs, &elf->shstrndx, log);
	if (err)
		goto fail;
	elf->secs = ubee_calloc(elf->nsecs, sizeof(*elf->secs));
	if (!elf->secs) {
		err = -ENOMEM;
		goto fail;
	}
	err = parse_sections(elf, shoff, log);
	if (!err && elf->symtab)
		err = parse_symtab(elf, log);
	if (!err)
		err = parse_rels(elf, log);
	if (err)
		goto fail;
	return 0;
fail:
	ubee_elf_release(elf);
	return err;
}

void ubee_elf_release(struct ubee_elf *elf)
{
	ubee_free(elf->rels);
	ubee_free(elf->syms);
	ubee_free(elf->secs);
	memset(elf, 0, sizeof(*elf));
}

static const struct ubee_elf_sec *rel_sec(const struct ubee_elf *elf,
					  size_t shndx)
{
	const struct ubee_elf_sec *s;

	if (shndx >= elf->nsecs)
		return NULL;
	s = &elf->secs[shndx];
	return s->type == SHT_REL || s->type == SHT_RELA ? s : NULL;
}

size_t ubee_elf_rel_count(const struct ubee_elf *elf, size_t shndx)
{
	const struct ubee_elf_sec *s = rel_sec(elf, shndx);

	return s ? (size_t)(s->size / rel_entsize(s)) : 0;
}

int ubee_elf_rel(const struct ubee_elf *elf, size_t shndx, size_t i,
		 struct ubee_elf_rel *out, struct ubee_log *log)
{
	struct ubee_cursor file = ubee_cursor_init(elf->data, elf->size);
	const struct ubee_elf_sec *s = rel_sec(elf, shndx);
	const uint8_t *p;
	uint64_t info;

	if (!s || i >= ubee_elf_rel_count(elf, shndx))
		return -ENOENT;
	p = ubee_cur_at(&file, s->offset + i * rel_entsize(s), rel_entsize(s));
	if (!p)
		return -EINVAL; /* cannot happen: the range is checked */
	info = ubee_le64(F(Elf64_Rel, r_info, p));
	out->offset = ubee_le64(F(Elf64_Rel, r_offset, p));
	out->sym = (uint32_t)ELF64_R_SYM(info);
	out->type = (uint32_t)ELF64_R_TYPE(info);
	out->addend = s->type == SHT_RELA ?
		(int64_t)ubee_le64(F(Elf64_Rela, r_addend, p)) : 0;
	if (out->sym >= elf->nsyms) {
		ubee_logf(log, "section %zu (%s): relocation %zu: symbol index %u is out of range (%zu symbols)",
			  shndx, s->name, i, out->sym, elf->nsyms);
		return -EINVAL;
	}
	return 0;
}
