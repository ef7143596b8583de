// SPDX-License-Identifier: MIT
/*
 * The ELF reader and the object API, on the clang-built object
 * $BUILD/bpf/elf_funcs.v{1,2,3,4}.o (from tests/bpf/elf_funcs.c): the
 * sections and functions of each, llvm-objdump's jump-target names,
 * relocation enumeration, a table of corrupted variants made in memory
 * (each rejected with -EINVAL and a log naming the fault), every
 * truncation, byte flips over the headers, and failing allocations.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engines.h"
#include "test.h"
#include "testfile.h"
#include "loader/elf.h"
#include "ubee/object.h"
#include "util/cursor.h"
#include "util/util.h"

static const char *const cpus[] = { "v1", "v2", "v3", "v4" };

/* ---- the object file and where things are in it ---------------------- */

static char path_buf[4096];

static const char *obj_path(const char *cpu)
{
	char name[64];

	snprintf(name, sizeof(name), "elf_funcs.%s.o", cpu);
	return t_bpf_obj(name, path_buf, sizeof(path_buf));
}

/* Read the object for cpu; NULL (case skipped) when it is not built. */
static uint8_t *load(const char *cpu, size_t *size)
{
	const char *p = obj_path(cpu);
	uint8_t *buf;

	if (access(p, R_OK)) {
		t_skip("%s is missing (make test builds it from tests/bpf/elf_funcs.c)", p);
		return NULL;
	}
	buf = t_read_file(p, size);
	T_CHECK(buf, "cannot read %s", p);
	return buf;
}

/* Offsets of the pieces the corruptions patch, found in the valid file. */
struct layout {
	size_t size;
	uint64_t shoff;
	unsigned shnum, shstrndx;
	uint64_t symoff, nsyms;  /* symbol table */
	uint64_t stroff, strsize; /* section name table */
};

static uint64_t rd(const uint8_t *b, uint64_t off, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[off + (uint64_t)i];
	return v;
}

static void wr(uint8_t *b, uint64_t off, int n, uint64_t v)
{
	for (int i = 0; i < n; i++, v >>= 8)
		b[off + (uint64_t)i] = (uint8_t)v;
}

#define EH(f) offsetof(Elf64_Ehdr, f)
#define SH(f) offsetof(Elf64_Shdr, f)
#define ST(f) offsetof(Elf64_Sym, f)

static void get_layout(const uint8_t *b, size_t size, struct layout *L)
{
	memset(L, 0, sizeof(*L));
	L->size = size;
	L->shoff = rd(b, EH(e_shoff), 8);
	L->shnum = (unsigned)rd(b, EH(e_shnum), 2);
	L->shstrndx = (unsigned)rd(b, EH(e_shstrndx), 2);
	L->stroff = rd(b, L->shoff + L->shstrndx * 64 + SH(sh_offset), 8);
	L->strsize = rd(b, L->shoff + L->shstrndx * 64 + SH(sh_size), 8);
	for (unsigned i = 0; i < L->shnum; i++) {
		uint64_t h = L->shoff + i * 64;

		if (rd(b, h + SH(sh_type), 4) == SHT_SYMTAB) {
			L->symoff = rd(b, h + SH(sh_offset), 8);
			L->nsyms = rd(b, h + SH(sh_size), 8) / 24;
		}
	}
}

/* Offset of section name's header (the file is trusted here). */
static uint64_t shdr(const uint8_t *b, const struct layout *L,
		     const char *name)
{
	for (unsigned i = 0; i < L->shnum; i++) {
		uint64_t h = L->shoff + i * 64;

		if (!strcmp((const char *)b + L->stroff + rd(b, h + SH(sh_name), 4), name))
			return h;
	}
	fprintf(stderr, "no section %s\n", name);
	abort();
}

/* Offset of symbol name's entry (.strtab holds both kinds of names). */
static uint64_t sym(const uint8_t *b, const struct layout *L, const char *name)
{
	for (uint64_t i = 0; i < L->nsyms; i++) {
		uint64_t s = L->symoff + i * 24;

		if (!strcmp((const char *)b + L->stroff + rd(b, s + ST(st_name), 4), name))
			return s;
	}
	fprintf(stderr, "no symbol %s\n", name);
	abort();
}

/* ---- the cursor ------------------------------------------------------ */

static void cursor_checks_ranges(void)
{
	static const uint8_t bytes[] = { 1, 2, 3, 4, 5, 6, 7, 8, 'a', 'b', 0, 'c' };
	struct ubee_cursor c = ubee_cursor_init(bytes, sizeof(bytes)), sub;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t two[2];

	T_CHECK(ubee_range_ok(0, 12, 12) && ubee_range_ok(12, 0, 12), "edges");
	T_CHECK(!ubee_range_ok(13, 0, 12) && !ubee_range_ok(1, 12, 12), "past end");
	T_CHECK(!ubee_range_ok(UINT64_MAX, 2, 12) && !ubee_range_ok(2, UINT64_MAX, 12),
		"wraparound");
	T_CHECK(!ubee_range_ok(UINT64_MAX - 1, 2, UINT64_MAX), "off + len == 2^64");
	T_CHECK(ubee_cur_le16(&c, 0, &v16) == 0 && v16 == 0x0201, "le16");
	T_CHECK(ubee_cur_le32(&c, 1, &v32) == 0 && v32 == 0x05040302, "le32 unaligned");
	T_CHECK(ubee_cur_le64(&c, 0, &v64) == 0 && v64 == 0x0807060504030201ull, "le64");
	T_EQ_U64(ubee_cur_le64(&c, 5, &v64), -EINVAL);
	T_EQ_U64(ubee_cur_le32(&c, UINT64_MAX - 1, &v32), -EINVAL);
	T_CHECK(ubee_cur_str(&c, 8) && !strcmp(ubee_cur_str(&c, 8), "ab"), "str");
	T_CHECK(!ubee_cur_str(&c, 11), "unterminated string");
	T_CHECK(!ubee_cur_str(&c, 12) && !ubee_cur_str(&c, UINT64_MAX), "string past end");
	T_CHECK(ubee_cur_sub(&c, 8, 3, &sub) == 0 && sub.size == 3 &&
		ubee_cur_str(&sub, 0), "sub");
	T_EQ_U64(ubee_cur_sub(&c, 8, 5, &sub), -EINVAL);
	c.pos = 10;
	T_CHECK(ubee_cur_take(&c, two, 2) == 0 && two[0] == 0 && two[1] == 'c' &&
		ubee_cur_left(&c) == 0, "take");
	T_EQ_U64(ubee_cur_take(&c, two, 1), -EINVAL);
	T_EQ_U64(c.pos, 12);
}

/* ---- the valid objects ----------------------------------------------- */

struct want_func {
	const char *name, *section;
	size_t shndx, offset, cnt;
};

struct want {
	size_t sec_cnt[4];                /* .text, xdp, tc, socket */
	struct want_func funcs[7];
};

/* Values read off llvm-readelf-19 -s and llvm-objdump-19 -d. */
static const struct want want_v12 = {
	{ 106, 12, 7, 5 },
	{ { "global_mix", ".text", 2, 0, 10 }, { "clamp", ".text", 2, 10, 14 },
	  { "sum_bytes", ".text", 2, 24, 82 }, { "xdp_count", "xdp", 3, 0, 10 },
	  { "xdp_pass", "xdp", 3, 10, 2 }, { "tc_mark", "tc", 5, 0, 7 },
	  { "sock_len", "socket", 7, 0, 5 } },
};
static const struct want want_v34 = {
	{ 98, 10, 7, 5 },
	{ { "global_mix", ".text", 2, 0, 9 }, { "clamp", ".text", 2, 9, 7 },
	  { "sum_bytes", ".text", 2, 16, 82 }, { "xdp_count", "xdp", 3, 0, 8 },
	  { "xdp_pass", "xdp", 3, 8, 2 }, { "tc_mark", "tc", 5, 0, 7 },
	  { "sock_len", "socket", 7, 0, 5 } },
};

static void check_object(const char *cpu)
{
	static const char *const secs[] = { ".text", "xdp", "tc", "socket" };
	const struct want *w = cpu[1] <= '2' ? &want_v12 : &want_v34;
	struct ubee_object *obj = NULL;
	struct ubee_object_func fn;
	const struct ubee_insn *insns;
	const char *name;
	struct layout L;
	char lbuf[1024];
	struct ubee_log log;
	size_t size, cnt, i;
	uint8_t *b = load(cpu, &size);
	int err;

	if (!b)
		return;
	get_layout(b, size, &L);
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	T_CHECK(ubee_is_elf(b, size), "magic");
	err = ubee_object_open_mem(b, size, obj_path(cpu), &obj, &log);
	T_CHECK(err == 0 && obj, "open: %d %s", err, lbuf);
	if (err)
		goto out;
	T_EQ_U64(ubee_object_section_count(obj), 4);
	for (i = 0; i < 4; i++) {
		if (ubee_object_section(obj, i, &name, &insns, &cnt)) {
			T_CHECK(0, "section %zu missing", i);
			continue;
		}
		T_CHECK(!strcmp(name, secs[i]), "section %zu is %s", i, name);
		T_EQ_U64(cnt, w->sec_cnt[i]);
		/* The instructions are the file's bytes. */
		T_CHECK(!memcmp(insns, b + rd(b, shdr(b, &L, secs[i]) + SH(sh_offset), 8),
				cnt * 8), "section %s bytes", secs[i]);
	}
	T_EQ_U64(ubee_object_section(obj, 4, &name, &insns, &cnt), -ENOENT);
	T_EQ_U64(ubee_object_func_count(obj), 7);
	for (i = 0; i < 7; i++) {
		const struct want_func *wf = &w->funcs[i];

		if (ubee_object_func(obj, i, &fn)) {
			T_CHECK(0, "func %zu missing", i);
			continue;
		}
		T_CHECK(!strcmp(fn.name, wf->name) && !strcmp(fn.section, wf->section),
			"func %zu is %s in %s, expected %s in %s", i, fn.name,
			fn.section, wf->name, wf->section);
		T_EQ_U64(fn.section_index, wf->shndx);
		T_EQ_U64(fn.offset, wf->offset);
		T_EQ_U64(fn.cnt, wf->cnt);
		ubee_object_section(obj, fn.section_index == 2 ? 0 : fn.section_index / 2,
				    &name, &insns, &cnt);
		T_CHECK(fn.insns == insns + fn.offset, "func %s points into its section",
			fn.name);
		/* Each function ends in exit (or a backward goto: sum_bytes). */
		T_CHECK(fn.insns[fn.cnt - 1].code == 0x95 || fn.insns[fn.cnt - 1].code == 0x05,
			"%s ends with opcode 0x%02x", fn.name, fn.insns[fn.cnt - 1].code);
	}
	T_EQ_U64(ubee_object_func(obj, 7, &fn), -ENOENT);
out:
	ubee_object_free(obj);
	free(b);
}

static void objects_open(void)
{
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(cpus); i++) {
		t_begin("object_%s", cpus[i]);
		check_object(cpus[i]);
		t_end();
	}
}

static void open_file_works(void)
{
	struct ubee_object *obj = (void *)1;
	char lbuf[512];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	if (access(obj_path("v3"), R_OK)) {
		t_skip("%s is missing", obj_path("v3"));
		return;
	}
	err = ubee_object_open_file(obj_path("v3"), &obj, &log);
	T_CHECK(err == 0 && obj, "open_file: %d %s", err, lbuf);
	T_EQ_U64(ubee_object_func_count(obj), 7);
	ubee_object_free(obj);
	ubee_object_free(NULL);
}

static void open_file_errors(void)
{
	char tmpl[] = "/tmp/ubee_test_elf_XXXXXX";
	struct ubee_object *obj = (void *)1;
	char lbuf[512];
	struct ubee_log log;
	int fd, err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_open_file("/nonexistent/x.o", &obj, &log);
	T_EQ_U64(err, -ENOENT);
	T_CHECK(!obj && strstr(lbuf, "/nonexistent/x.o: cannot open"), "log: %s", lbuf);

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_open_file("/tmp", &obj, &log);
	T_EQ_U64(err, -EISDIR);
	T_CHECK(!obj && strstr(lbuf, "cannot read"), "log: %s", lbuf);

	/* A sparse file one byte over the limit is refused before reading. */
	fd = mkstemp(tmpl);
	T_CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t)UBEE_ELF_MAX_FILE_SIZE + 1) == 0) {
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		err = ubee_object_open_file(tmpl, &obj, &log);
		T_EQ_U64(err, -E2BIG);
		T_CHECK(!obj && strstr(lbuf, "larger than 1073741824 bytes (1 GiB)"),
			"log: %s", lbuf);
	}
	/* Empty: read, then rejected by the reader. */
	T_CHECK(ftruncate(fd, 0) == 0, "truncate");
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_open_file(tmpl, &obj, &log);
	T_EQ_U64(err, -EINVAL);
	T_CHECK(!obj && strstr(lbuf, "file is 0 bytes"), "log: %s", lbuf);
	close(fd);
	unlink(tmpl);
}

static void api_edges(void)
{
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F' };
	struct ubee_object *obj = (void *)1;
	const char *name;
	size_t off;

	T_CHECK(ubee_is_elf(elf, 4) && !ubee_is_elf(elf, 3) && !ubee_is_elf(NULL, 0) &&
		!ubee_is_elf("\x7f" "ELG", 4), "ubee_is_elf");
	T_EQ_U64(ubee_object_open_mem(NULL, 4, "x", &obj, NULL), -EINVAL);
	T_CHECK(!obj, "out cleared");
	T_EQ_U64(ubee_object_open_mem(elf, 4, "x", NULL, NULL), -EINVAL);
	T_EQ_U64(ubee_object_section_count(NULL), 0);
	T_EQ_U64(ubee_object_func_count(NULL), 0);
	T_EQ_U64(ubee_object_symbolize(NULL, 0, 0, &name, &off), -ENOENT);
	ubee_object_free(NULL);
}

/* ---- jump-target names ------------------------------------------------ */

struct sym_case {
	size_t sec, idx;
	const char *name; /* NULL: -ENOENT */
	size_t off;
};

/* Open b[size]; on failure record it and return NULL. */
static struct ubee_object *open_ok(const uint8_t *b, size_t size)
{
	struct ubee_object *obj = NULL;
	char lbuf[1024];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_open_mem(b, size, "variant", &obj, &log);
	T_CHECK(err == 0, "open: %d %s", err, lbuf);
	return obj;
}

static void check_syms(const struct ubee_object *obj, const struct sym_case *c,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;
		size_t off = 12345;
		int err = ubee_object_symbolize(obj, c[i].sec, c[i].idx, &name, &off);

		if (!c[i].name) {
			T_CHECK(err == -ENOENT, "(%zu, %zu): %d", c[i].sec, c[i].idx, err);
			continue;
		}
		T_CHECK(err == 0 && !strcmp(name, c[i].name) && off == c[i].off,
			"(%zu, %zu) gives %d <%s+0x%zx>, expected <%s+0x%zx>",
			c[i].sec, c[i].idx, err, err ? "" : name, off, c[i].name,
			c[i].off);
	}
}

/*
 * Expected values are llvm-objdump-19 -d's annotations on the v3 object
 * ("goto +0x1 <clamp+0x20>") and on the variants written to a file.
 */
static void symbolize_like_objdump(void)
{
	static const struct sym_case plain[] = {
		{ 0, 0, "global_mix", 0 }, { 0, 8, "global_mix", 0x40 },
		{ 0, 9, "clamp", 0 }, { 0, 13, "clamp", 0x20 },
		{ 0, 20, "sum_bytes", 0x20 }, { 0, 97, "sum_bytes", 0x288 },
		{ 0, 98, NULL, 0 }, { 1, 7, "xdp_count", 0x38 },
		{ 1, 8, "xdp_pass", 0 }, { 2, 6, "tc_mark", 0x30 },
		{ 3, 0, "sock_len", 0 }, { 4, 0, NULL, 0 },
	};
	/* global_mix moved to 0x8: the section name covers byte 0. */
	static const struct sym_case moved[] = {
		{ 0, 0, ".text", 0 }, { 0, 1, "global_mix", 0 },
		{ 0, 5, "global_mix", 0x20 }, { 0, 9, "clamp", 0 },
	};
	/*
	 * Labels sharing an offset with a function: the greatest name wins
	 * (elf_funcs.c over clamp at 0x48, global_mix over LICENSE at 0).
	 */
	static const struct sym_case aliases[] = {
		{ 0, 0, "global_mix", 0 }, { 0, 9, "elf_funcs.c", 0 },
		{ 0, 13, "elf_funcs.c", 0x20 }, { 0, 16, "sum_bytes", 0 },
	};
	/* The xdp symbols as STT_NOTYPE labels: still names (as objdump). */
	static const struct sym_case labels[] = {
		{ 1, 0, "xdp_count", 0 }, { 1, 9, "xdp_pass", 0x8 },
	};
	struct ubee_object *obj;
	struct ubee_object_func fn;
	struct layout L;
	size_t size;
	uint8_t *b = load("v3", &size);
	uint64_t h;

	if (!b)
		return;
	get_layout(b, size, &L);
	obj = open_ok(b, size);
	check_syms(obj, plain, UBEE_ARRAY_SIZE(plain));
	ubee_object_free(obj);

	wr(b, sym(b, &L, "global_mix") + ST(st_value), 8, 8);
	obj = open_ok(b, size);
	check_syms(obj, moved, UBEE_ARRAY_SIZE(moved));
	T_CHECK(!ubee_object_func(obj, 0, &fn) && !strcmp(fn.name, "global_mix") &&
		fn.offset == 1 && fn.cnt == 9, "moved global_mix");
	ubee_object_free(obj);
	wr(b, sym(b, &L, "global_mix") + ST(st_value), 8, 0);

	h = sym(b, &L, "elf_funcs.c"); /* the STT_FILE symbol */
	wr(b, h + ST(st_info), 1, ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE));
	wr(b, h + ST(st_shndx), 2, 2);
	wr(b, h + ST(st_value), 8, 0x48);
	h = sym(b, &L, "LICENSE");
	wr(b, h + ST(st_info), 1, ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE));
	wr(b, h + ST(st_shndx), 2, 2);
	obj = open_ok(b, size);
	check_syms(obj, aliases, UBEE_ARRAY_SIZE(aliases));
	T_EQ_U64(ubee_object_func_count(obj), 7);
	ubee_object_free(obj);
	free(b);
	b = load("v3", &size);

	wr(b, sym(b, &L, "xdp_count") + ST(st_info), 1, ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE));
	wr(b, sym(b, &L, "xdp_pass") + ST(st_info), 1, ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE));
	obj = open_ok(b, size);
	check_syms(obj, labels, UBEE_ARRAY_SIZE(labels));
	/* No function symbol left in xdp: one function named after it. */
	T_EQ_U64(ubee_object_func_count(obj), 6);
	T_CHECK(!ubee_object_func(obj, 3, &fn) && !strcmp(fn.name, "xdp") &&
		!strcmp(fn.section, "xdp") && fn.offset == 0 && fn.cnt == 10,
		"section-named function: %s %zu %zu", fn.name, fn.offset, fn.cnt);
	ubee_object_free(obj);
	free(b);
}

/* ---- accepted variants ------------------------------------------------ */

static void variants_accepted(void)
{
	struct ubee_object *obj;
	struct ubee_object_func fn;
	const struct ubee_insn *insns;
	const char *name;
	struct layout L;
	size_t size, cnt;
	uint8_t *b = load("v3", &size), *big;
	uint64_t h;

	if (!b)
		return;
	get_layout(b, size, &L);

	/* st_size 0: a function extends to the next one or the section end. */
	wr(b, sym(b, &L, "xdp_count") + ST(st_size), 8, 0);
	wr(b, sym(b, &L, "xdp_pass") + ST(st_size), 8, 0);
	obj = open_ok(b, size);
	T_CHECK(!ubee_object_func(obj, 3, &fn) && fn.offset == 0 && fn.cnt == 8,
		"xdp_count: %zu %zu", fn.offset, fn.cnt);
	T_CHECK(!ubee_object_func(obj, 4, &fn) && fn.offset == 8 && fn.cnt == 2,
		"xdp_pass: %zu %zu", fn.offset, fn.cnt);
	ubee_object_free(obj);
	free(b);
	b = load("v3", &size);

	/* Extended numbering: e_shnum 0 and e_shstrndx SHN_XINDEX. */
	wr(b, L.shoff + SH(sh_size), 8, L.shnum);
	wr(b, L.shoff + SH(sh_link), 4, L.shstrndx);
	wr(b, EH(e_shnum), 2, 0);
	wr(b, EH(e_shstrndx), 2, SHN_XINDEX);
	obj = open_ok(b, size);
	T_EQ_U64(ubee_object_func_count(obj), 7);
	ubee_object_free(obj);
	free(b);
	b = load("v3", &size);

	/* SHT_NOBITS sizes are not file ranges; special symbol indices. */
	h = shdr(b, &L, "license");
	wr(b, h + SH(sh_type), 4, SHT_NOBITS);
	wr(b, h + SH(sh_size), 8, UINT64_MAX);
	wr(b, sym(b, &L, "LICENSE") + ST(st_shndx), 2, SHN_ABS);
	obj = open_ok(b, size);
	T_EQ_U64(ubee_object_func_count(obj), 7);
	ubee_object_free(obj);
	free(b);
	b = load("v3", &size);

	/* .text moved to an odd file offset: instructions are copied out. */
	big = malloc(size + 3 + 0x310);
	if (big) {
		h = shdr(b, &L, ".text");
		memcpy(big, b, size);
		memset(big + size, 0xaa, 3);
		memcpy(big + size + 3, b + rd(b, h + SH(sh_offset), 8), 0x310);
		memset(big + rd(b, h + SH(sh_offset), 8), 0, 0x310);
		wr(big, h + SH(sh_offset), 8, size + 3);
		obj = open_ok(big, size + 3 + 0x310);
		T_CHECK(!ubee_object_section(obj, 0, &name, &insns, &cnt) && cnt == 98 &&
			!memcmp(insns, big + size + 3, 0x310), "moved .text");
		ubee_object_free(obj);
		free(big);
	}
	free(b);
}

/* ---- relocation sections ---------------------------------------------- */

static void relocations_enumerated(void)
{
	struct ubee_elf elf;
	struct ubee_elf_rel r;
	char lbuf[512];
	struct ubee_log log;
	size_t size, i, xdp = 0, rel_xdp = 0;
	uint8_t *b = load("v3", &size);
	int err;

	if (!b)
		return;
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_elf_parse(&elf, b, size, &log);
	T_CHECK(err == 0, "parse: %s", lbuf);
	if (err)
		goto out;
	T_EQ_U64(elf.nsecs, 31);
	T_EQ_U64(elf.symtab, 30);
	T_EQ_U64(elf.nsyms, 23);
	/* .relxdp .reltc .relsocket and 7 for debug info and BTF. */
	T_EQ_U64(elf.nrels, 10);
	for (i = 0; i < elf.nsecs; i++) {
		if (!strcmp(elf.secs[i].name, "xdp"))
			xdp = i;
		if (!strcmp(elf.secs[i].name, ".relxdp"))
			rel_xdp = i;
	}
	T_CHECK(xdp == 3 && rel_xdp == 4 && elf.rels[0] == rel_xdp, "indices");
	T_EQ_U64(elf.secs[rel_xdp].info, xdp);
	T_EQ_U64(ubee_elf_rel_count(&elf, rel_xdp), 1);
	T_EQ_U64(ubee_elf_rel_count(&elf, xdp), 0);
	/* The call sum_bytes at insn 2 of xdp_count, through .text's symbol. */
	err = ubee_elf_rel(&elf, rel_xdp, 0, &r, &log);
	T_CHECK(err == 0, "rel: %d", err);
	T_EQ_U64(r.offset, 0x10);
	T_EQ_U64(r.type, 10 /* R_BPF_64_32 */);
	T_CHECK(r.sym < elf.nsyms && elf.syms[r.sym].type == STT_SECTION &&
		elf.syms[r.sym].shndx == 2, "symbol %u", r.sym);
	T_EQ_U64(ubee_elf_rel(&elf, rel_xdp, 1, &r, &log), -ENOENT);
	T_EQ_U64(ubee_elf_rel(&elf, xdp, 0, &r, &log), -ENOENT);
	/* A symbol index past the table is reported when read. */
	wr(b, elf.secs[rel_xdp].offset + 8 + 4, 4, 999);
	err = ubee_elf_rel(&elf, rel_xdp, 0, &r, &log);
	T_EQ_U64(err, -EINVAL);
	T_CHECK(strstr(lbuf, "relocation 0: symbol index 999 is out of range (23 symbols)"),
		"log: %s", lbuf);
	ubee_elf_release(&elf);
out:
	free(b);
}

/* ---- corrupted variants ------------------------------------------------ */

struct bad {
	const char *name;
	void (*mutate)(uint8_t *b, size_t *size, const struct layout *L);
	const char *frag; /* expected in the log; printf format, given the
			   * file size twice, or the LICENSE symbol's offset
			   * for sym_name_nul */
};

#define MUT(n) static void n(uint8_t *b, size_t *size, const struct layout *L)

MUT(m_empty) { *size = 0; }
MUT(m_short) { *size = 63; }
MUT(m_magic) { b[1] = 'X'; }
MUT(m_class) { b[EI_CLASS] = ELFCLASS32; }
MUT(m_endian) { b[EI_DATA] = ELFDATA2MSB; }
MUT(m_type) { wr(b, EH(e_type), 2, ET_EXEC); }
MUT(m_machine) { wr(b, EH(e_machine), 2, EM_X86_64); }
MUT(m_shentsize) { wr(b, EH(e_shentsize), 2, 40); }
MUT(m_shoff_zero) { wr(b, EH(e_shoff), 8, 0); }
MUT(m_shoff_past) { wr(b, EH(e_shoff), 8, *size + 8); }
MUT(m_shoff_near_end) { wr(b, EH(e_shoff), 8, *size - 64); }
MUT(m_shoff_wrap) { wr(b, EH(e_shoff), 8, UINT64_MAX - 63); }
MUT(m_shnum_huge) { wr(b, EH(e_shnum), 2, 0xfeff); }
MUT(m_shnum_ext_huge)
{
	wr(b, EH(e_shnum), 2, 0);
	wr(b, L->shoff + SH(sh_size), 8, (UINT64_MAX >> 6) + 2);
}
MUT(m_shstrndx_range) { wr(b, EH(e_shstrndx), 2, L->shnum); }
MUT(m_shstrndx_zero) { wr(b, EH(e_shstrndx), 2, 0); }
MUT(m_shstrndx_type) { wr(b, EH(e_shstrndx), 2, 2); }
MUT(m_shstrtab_past)
{
	wr(b, L->shoff + L->shstrndx * 64 + SH(sh_size), 8, *size);
}
MUT(m_sec_off_wrap) { wr(b, shdr(b, L, ".text") + SH(sh_offset), 8, UINT64_MAX - 8); }
MUT(m_sec_size_past) { wr(b, shdr(b, L, "xdp") + SH(sh_size), 8, *size); }
MUT(m_sec_size_wrap) { wr(b, shdr(b, L, ".BTF") + SH(sh_size), 8, UINT64_MAX); }
MUT(m_sec_name_range) { wr(b, shdr(b, L, ".text") + SH(sh_name), 4, 0xffffff); }
MUT(m_sec_name_nul)
{
	wr(b, shdr(b, L, "tc") + SH(sh_name), 4, L->strsize - 1);
	b[L->stroff + L->strsize - 1] = 'x';
}
MUT(m_exec_size) { wr(b, shdr(b, L, ".text") + SH(sh_size), 8, 0x30c); }
MUT(m_symtab_entsize) { wr(b, shdr(b, L, ".symtab") + SH(sh_entsize), 8, 16); }
MUT(m_symtab_size) { wr(b, shdr(b, L, ".symtab") + SH(sh_size), 8, L->nsyms * 24 - 1); }
MUT(m_symtab_link) { wr(b, shdr(b, L, ".symtab") + SH(sh_link), 4, L->shnum); }
MUT(m_symtab_link_type) { wr(b, shdr(b, L, ".symtab") + SH(sh_link), 4, 2); }
MUT(m_symtab_second) { wr(b, shdr(b, L, ".llvm_addrsig") + SH(sh_type), 4, SHT_SYMTAB); }
MUT(m_sym_name_range) { wr(b, sym(b, L, "xdp_count") + ST(st_name), 4, 0x7fffffff); }
MUT(m_sym_name_nul)
{
	/* The string table ends inside its last string. */
	wr(b, shdr(b, L, ".strtab") + SH(sh_size), 8, L->strsize - 1);
}
MUT(m_sym_shndx) { wr(b, sym(b, L, "xdp_count") + ST(st_shndx), 2, 200); }
MUT(m_sym_shndx_edge) { wr(b, sym(b, L, "LICENSE") + ST(st_shndx), 2, L->shnum); }
MUT(m_func_misaligned) { wr(b, sym(b, L, "xdp_pass") + ST(st_value), 8, 0x44); }
MUT(m_func_past) { wr(b, sym(b, L, "xdp_pass") + ST(st_value), 8, 0x50); }
MUT(m_func_far) { wr(b, sym(b, L, "clamp") + ST(st_value), 8, UINT64_MAX - 7); }
MUT(m_func_size) { wr(b, sym(b, L, "xdp_pass") + ST(st_size), 8, 12); }
MUT(m_func_size_past) { wr(b, sym(b, L, "xdp_pass") + ST(st_size), 8, 24); }
MUT(m_func_size_wrap) { wr(b, sym(b, L, "xdp_pass") + ST(st_size), 8, UINT64_MAX - 7); }
MUT(m_rel_size) { wr(b, shdr(b, L, ".relxdp") + SH(sh_size), 8, 0x11); }
MUT(m_rel_info) { wr(b, shdr(b, L, ".reltc") + SH(sh_info), 4, 5000); }
MUT(m_rel_link) { wr(b, shdr(b, L, ".relsocket") + SH(sh_link), 4, 1); }

static const struct bad bads[] = {
	{ "empty", m_empty, "file is 0 bytes, smaller than an ELF64 header (64 bytes)" },
	{ "short", m_short, "file is 63 bytes" },
	{ "magic", m_magic, "bad ELF magic 7f 58 4c 46 at offset 0" },
	{ "class", m_class, "ELF class 1 at offset 0x4 is not ELFCLASS64" },
	{ "endian", m_endian, "is not ELFDATA2LSB" },
	{ "type", m_type, "e_type 2 is not ET_REL" },
	{ "machine", m_machine, "e_machine 62 is not EM_BPF (247)" },
	{ "shentsize", m_shentsize, "e_shentsize 40 is not 64" },
	{ "shoff_zero", m_shoff_zero, "no section header table" },
	{ "shoff_past", m_shoff_past, "+ 31 * 64 bytes is past the end of the file (0x%zx bytes)" },
	{ "shoff_near_end", m_shoff_near_end, "section header table: e_shoff 0x" },
	{ "shoff_wrap", m_shoff_wrap, "e_shoff 0xffffffffffffffc0 + 31 * 64 bytes is past the end" },
	{ "shnum_huge", m_shnum_huge, "+ 65279 * 64 bytes is past the end" },
	{ "shnum_ext_huge", m_shnum_ext_huge, "+ 288230376151711745 * 64 bytes is past" },
	{ "shstrndx_range", m_shstrndx_range, "e_shstrndx 31 is out of range (31 sections)" },
	{ "shstrndx_zero", m_shstrndx_zero, "e_shstrndx 0 is out of range" },
	{ "shstrndx_type", m_shstrndx_type, "section 2, the section name table, has type 1, not SHT_STRTAB (3)" },
	{ "shstrtab_past", m_shstrtab_past, "section 1 (section name table): offset 0x" },
	{ "sec_off_wrap", m_sec_off_wrap, "section 2 (.text): offset 0xfffffffffffffff7 + size 0x310 is past the end of the file (0x%zx bytes)" },
	{ "sec_size_past", m_sec_size_past, "section 3 (xdp): offset 0x350 + size 0x%zx is past the end of the file (0x%zx bytes)" },
	{ "sec_size_wrap", m_sec_size_wrap, "(.BTF): offset 0x" },
	{ "sec_name_range", m_sec_name_range, "section 2: name offset 0xffffff is past the end of the section name table (section 1, 0x151 bytes)" },
	{ "sec_name_nul", m_sec_name_nul, "section 5: name offset 0x150 has no NUL before the end of the section name table" },
	{ "exec_size", m_exec_size, "section 2 (.text): size 0x30c is not a multiple of 8" },
	{ "symtab_entsize", m_symtab_entsize, "section 30 (.symtab): entry size 0x10 and size 0x228" },
	{ "symtab_size", m_symtab_size, "entry size 0x18 and size 0x227 do not describe" },
	{ "symtab_link", m_symtab_link, "section 30 (.symtab): string table index 31 is out of range" },
	{ "symtab_link_type", m_symtab_link_type, "section 2 (.text) has type 1, not SHT_STRTAB (3), and cannot be the symbol string table" },
	{ "symtab_second", m_symtab_second, "section 30 (.symtab): a second symbol table (the first is section 29)" },
	{ "sym_name_range", m_sym_name_range, "name offset 0x7fffffff is past the end of the string table" },
	{ "sym_name_nul", m_sym_name_nul, "(at offset 0x%zx): name offset 0x149 has no NUL before the end of the string table (section 1, 0x150 bytes)" },
	{ "sym_shndx", m_sym_shndx, "(xdp_count): section index 200 is out of range (31 sections)" },
	{ "sym_shndx_edge", m_sym_shndx_edge, "(LICENSE): section index 31 is out of range" },
	{ "func_misaligned", m_func_misaligned, "(xdp_pass): offset 0x44, size 0x10 in section 3 (xdp, 0x50 bytes): offset is not a multiple of 8" },
	{ "func_past", m_func_past, "(xdp_pass): offset 0x50, size 0x10 in section 3 (xdp, 0x50 bytes): offset is past the end" },
	{ "func_far", m_func_far, "(clamp): offset 0xfffffffffffffff8" },
	{ "func_size", m_func_size, "(xdp_pass): offset 0x40, size 0xc in section 3 (xdp, 0x50 bytes): size is not a multiple of 8" },
	{ "func_size_past", m_func_size_past, "(xdp_pass): offset 0x40, size 0x18 in section 3 (xdp, 0x50 bytes): offset + size is past" },
	{ "func_size_wrap", m_func_size_wrap, "size 0xfffffffffffffff8 in section 3 (xdp, 0x50 bytes): offset + size is past" },
	{ "rel_size", m_rel_size, "section 4 (.relxdp): size 0x11 is not a multiple of 16" },
	{ "rel_info", m_rel_info, "section 6 (.reltc): relocated section index 5000 is out of range" },
	{ "rel_link", m_rel_link, "section 8 (.relsocket): symbol table index 1 is not the symbol table (section 30)" },
};

static void corrupt_rejected(void)
{
	size_t size, i;
	uint8_t *b, *c;
	struct layout L;

	t_begin("corrupt"); /* reports the SKIP when the object is missing */
	b = load("v3", &size);
	if (!b) {
		t_end();
		return;
	}
	get_layout(b, size, &L);
	c = malloc(size);
	for (i = 0; c && i < UBEE_ARRAY_SIZE(bads); i++) {
		struct ubee_object *obj = (void *)1;
		char lbuf[1024], frag[256];
		struct ubee_log log;
		size_t n = size;
		int err;

		t_begin("corrupt_%s", bads[i].name);
		memcpy(c, b, size);
		bads[i].mutate(c, &n, &L);
		if (bads[i].mutate == m_sym_name_nul)
			snprintf(frag, sizeof(frag), bads[i].frag,
				 (size_t)sym(b, &L, "LICENSE"));
		else
			snprintf(frag, sizeof(frag), bads[i].frag, size, size);
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		err = ubee_object_open_mem(c, n, "bad", &obj, &log);
		T_CHECK(err == -EINVAL && !obj, "open gives %d", err);
		T_CHECK(strstr(lbuf, frag), "log \"%s\" lacks \"%s\"", lbuf, frag);
		T_CHECK(!strchr(lbuf, '\n') || strchr(lbuf, '\n')[1] == '\0',
			"one line: %s", lbuf);
		if (!err)
			ubee_object_free(obj);
		t_end();
	}
	free(c);
	free(b);
}

/* ---- robustness loops -------------------------------------------------- */

static void truncations_fail_cleanly(void)
{
	struct ubee_object *obj;
	char lbuf[1024];
	struct ubee_log log;
	size_t size, n, bad = 0;
	uint8_t *b = load("v3", &size), *c;
	int err;

	if (!b)
		return;
	for (n = 0; n <= size; n++) {
		/* An exact-size copy so ASan sees any read past the end. */
		c = malloc(n ? n : 1);
		if (!c)
			break;
		memcpy(c, b, n);
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		obj = (void *)1;
		err = ubee_object_open_mem(c, n, "cut", &obj, &log);
		if (n < size && (err != -EINVAL || obj || !lbuf[0]) && !bad++)
			T_CHECK(0, "length %zu: %d, log '%s'", n, err, lbuf);
		if (n == size)
			T_CHECK(err == 0 && ubee_object_func_count(obj) == 7, "full: %s", lbuf);
		if (!err)
			ubee_object_free(obj);
		free(c);
	}
	free(b);
}

/* Use every part of an object that opened; invariants must hold. */
static void exercise(const struct ubee_object *obj)
{
	struct ubee_object_func fn;
	const struct ubee_insn *insns;
	const char *name;
	size_t i, j, cnt, off;
	volatile unsigned sum = 0;

	for (i = 0; i < ubee_object_func_count(obj); i++) {
		T_CHECK(!ubee_object_func(obj, i, &fn) && fn.cnt > 0, "func %zu", i);
		for (j = 0; j < fn.cnt; j++)
			sum += fn.insns[j].code;
		sum += (unsigned)strlen(fn.name) + (unsigned)strlen(fn.section);
	}
	for (i = 0; i < ubee_object_section_count(obj); i++) {
		T_CHECK(!ubee_object_section(obj, i, &name, &insns, &cnt), "sec");
		for (j = 0; j < cnt; j++) {
			T_CHECK(!ubee_object_symbolize(obj, i, j, &name, &off) &&
				off <= j * 8, "symbolize");
			sum += (unsigned)strlen(name);
		}
	}
}

static void byte_flips_never_crash(void)
{
	static const uint8_t flips[] = { 0xff, 0x01, 0x80, 0x10 };
	struct ubee_object *obj;
	struct layout L;
	size_t size, i, k, n = 0, opened = 0, bad = 0;
	uint64_t regions[3][2];
	uint8_t *b = load("v3", &size), *c;
	int err;

	if (!b)
		return;
	get_layout(b, size, &L);
	regions[0][0] = 0;
	regions[0][1] = 64;
	regions[1][0] = L.shoff;
	regions[1][1] = L.shnum * 64;
	regions[2][0] = L.symoff;
	regions[2][1] = L.nsyms * 24;
	c = malloc(size);
	for (int r = 0; c && r < 3; r++) {
		for (i = regions[r][0]; i < regions[r][0] + regions[r][1]; i++) {
			for (k = 0; k < sizeof(flips); k++, n++) {
				memcpy(c, b, size);
				c[i] ^= flips[k];
				obj = NULL;
				err = ubee_object_open_mem(c, size, "flip", &obj, NULL);
				if (!err) {
					opened++;
					exercise(obj);
					ubee_object_free(obj);
				} else if ((err != -EINVAL || obj) && !bad++) {
					T_CHECK(0, "byte 0x%zx ^ 0x%02x: %d", i, flips[k], err);
				}
			}
		}
	}
	/* Flips of unused fields (sh_addr, padding) must still open. */
	T_CHECK(opened > 0 && opened < n, "%zu of %zu variants opened", opened, n);
	free(c);
	free(b);
}

static void alloc_failures_are_clean(void)
{
	struct ubee_object *obj;
	char lbuf[512];
	struct ubee_log log;
	size_t size;
	long n;
	uint8_t *b = load("v3", &size);
	int err = -ENOMEM;

	if (!b)
		return;
	for (n = 0; n < 100 && err; n++) {
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		obj = (void *)1;
		ubee_fail_alloc_after(n);
		err = ubee_object_open_mem(b, size, "oom", &obj, &log);
		ubee_fail_alloc_after(-1);
		if (err) {
			T_CHECK(err == -ENOMEM && !obj && strstr(lbuf, "out of memory"),
				"after %ld allocations: %d %s", n, err, lbuf);
		} else {
			T_EQ_U64(ubee_object_func_count(obj), 7);
			ubee_object_free(obj);
		}
	}
	T_CHECK(!err && n > 3, "never opened (%ld tries)", n);
	for (n = 0, err = -ENOMEM; n < 100 && err; n++) {
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		ubee_fail_alloc_after(n);
		err = ubee_object_open_file(obj_path("v3"), &obj, &log);
		ubee_fail_alloc_after(-1);
		T_CHECK(!err || err == -ENOMEM, "open_file after %ld: %d", n, err);
		if (!err)
			ubee_object_free(obj);
	}
	T_CHECK(!err, "open_file never succeeded");
	free(b);
}

int main(void)
{
	T_RUN(cursor_checks_ranges);
	objects_open();
	T_RUN(open_file_works);
	T_RUN(open_file_errors);
	T_RUN(api_edges);
	T_RUN(symbolize_like_objdump);
	T_RUN(variants_accepted);
	T_RUN(relocations_enumerated);
	corrupt_rejected();
	T_RUN(truncations_fail_cleanly);
	T_RUN(byte_flips_never_crash);
	T_RUN(alloc_failures_are_clean);
	return t_summary();
}
