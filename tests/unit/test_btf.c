// SPDX-License-Identifier: MIT
/*
 * The BTF parser, queries, printer and .BTF.ext reader. On the clang
 * objects $BUILD/bpf/btf_types.v{1,2,3,4}.o (tests/bpf/btf_types.c):
 * layouts, members, enums, functions, maps and data sections checked
 * against the source; every type rendered in `bpftool btf dump` raw
 * format and compared with bpftool's own output; DATASEC fixup from the
 * ELF symbols; values printed as `bpftool map dump` printed them for the
 * same bytes (captured from the kernel with the object loaded); func,
 * line and CO-RE records checked against the source text and the
 * instructions. Then a table of corrupted BTF, each rejected with -EINVAL
 * or -E2BIG and a message naming the type and the fault; truncation at
 * every length; random byte flips with every query and the printer run
 * on whatever still parses; failing allocations; and the kernel's own
 * /sys/kernel/btf/vmlinux, timed and compared with bpftool.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/test.h"
#include "../lib/testfile.h"
#include "loader/elf.h"
#include "ubee/btf.h"
#include "util/util.h"

static const char *const cpus[] = { "v1", "v2", "v3", "v4" };

static char logbuf[8192];
static struct ubee_log lg;

static struct ubee_log *fresh_log(void)
{
	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	return &lg;
}

/* An object with its .BTF and .BTF.ext located. */
struct obj {
	char path[4096];
	uint8_t *file;
	size_t size;
	struct ubee_elf elf;
	const uint8_t *btf, *ext;
	size_t btf_size, ext_size;
};

static int sec_index(const struct ubee_elf *elf, const char *name)
{
	for (size_t i = 0; i < elf->nsecs; i++)
		if (!strcmp(elf->secs[i].name, name))
			return (int)i;
	return -1;
}

/* Open btf_types.<cpu>.o; 0, or -1 with the case skipped or failed. */
static int obj_open(const char *cpu, struct obj *o)
{
	char name[64];
	int b, e;

	memset(o, 0, sizeof(*o));
	snprintf(name, sizeof(name), "btf_types.%s.o", cpu);
	t_bpf_obj(name, o->path, sizeof(o->path));
	o->file = t_read_file(o->path, &o->size);
	if (!o->file) {
		t_skip("%s is missing (make test builds it from tests/bpf/btf_types.c)",
		       o->path);
		return -1;
	}
	if (ubee_elf_parse(&o->elf, o->file, o->size, fresh_log())) {
		t_fail(__FILE__, __LINE__, "ELF: %s", logbuf);
		free(o->file);
		return -1;
	}
	b = sec_index(&o->elf, ".BTF");
	e = sec_index(&o->elf, ".BTF.ext");
	if (b < 0 || e < 0) {
		t_fail(__FILE__, __LINE__, "%s has no .BTF or .BTF.ext", o->path);
		ubee_elf_release(&o->elf);
		free(o->file);
		return -1;
	}
	o->btf = o->file + o->elf.secs[b].offset;
	o->btf_size = o->elf.secs[b].size;
	o->ext = o->file + o->elf.secs[e].offset;
	o->ext_size = o->elf.secs[e].size;
	return 0;
}

static void obj_close(struct obj *o)
{
	ubee_elf_release(&o->elf);
	free(o->file);
}

static struct ubee_btf *parse_ok(const void *data, size_t size)
{
	struct ubee_btf *btf = NULL;
	int err = ubee_btf_parse(data, size, &btf, fresh_log());

	T_CHECK(!err && btf, "parse: %d %s", err, logbuf);
	return err ? NULL : btf;
}

/* ---- bpftool's raw format, for comparison ------------------------------ */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void UBEE_PRINTF(2, 3) sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p ? s->p + s->len : NULL,
			      s->p ? s->cap - s->len : 0, fmt, ap);
		va_end(ap);
		if (s->p && (size_t)n < s->cap - s->len)
			break;
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
	}
	s->len += (size_t)n;
}

static const char *anon(const char *s)
{
	return *s ? s : "(anon)";
}

static const char *linkage_str(uint32_t l)
{
	return l == 0 ? "static" : l == 1 ? "global" : "extern";
}

/* Type id as `bpftool btf dump file X` prints it. */
static void render(const struct ubee_btf *btf, uint32_t id, struct sbuf *o)
{
	static const char *const enc[] = { "(none)", "SIGNED", "CHAR", "UNKN",
					   "BOOL" };
	struct ubee_btf_type t;
	union {
		struct ubee_btf_int i;
		struct ubee_btf_array a;
		struct ubee_btf_member m;
		struct ubee_btf_enum_val e;
		struct ubee_btf_param p;
		struct ubee_btf_var_secinfo v;
	} u;

	ubee_btf_type(btf, id, &t);
	sb_printf(o, "[%u] %s '%s'", id, ubee_btf_kind_name(t.kind), anon(t.name));
	switch (t.kind) {
	case UBEE_BTF_KIND_INT:
		ubee_btf_int(btf, id, &u.i);
		sb_printf(o, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t.size,
			  u.i.offset, u.i.bits, enc[u.i.encoding]);
		break;
	case UBEE_BTF_KIND_PTR:
	case UBEE_BTF_KIND_TYPEDEF:
	case UBEE_BTF_KIND_VOLATILE:
	case UBEE_BTF_KIND_CONST:
	case UBEE_BTF_KIND_RESTRICT:
	case UBEE_BTF_KIND_TYPE_TAG:
		sb_printf(o, " type_id=%u", t.type);
		break;
	case UBEE_BTF_KIND_ARRAY:
		ubee_btf_array(btf, id, &u.a);
		sb_printf(o, " type_id=%u index_type_id=%u nr_elems=%u", u.a.type,
			  u.a.index_type, u.a.nelems);
		break;
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		sb_printf(o, " size=%u vlen=%u", t.size, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			ubee_btf_member(btf, id, i, &u.m);
			sb_printf(o, "\n\t'%s' type_id=%u bits_offset=%u", anon(u.m.name),
				  u.m.type, u.m.bit_offset);
			if (u.m.bitfield_size)
				sb_printf(o, " bitfield_size=%u", u.m.bitfield_size);
		}
		break;
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
		sb_printf(o, " encoding=%s size=%u vlen=%u",
			  t.kflag ? "SIGNED" : "UNSIGNED", t.size, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			ubee_btf_enum_val(btf, id, i, &u.e);
			if (t.kind == UBEE_BTF_KIND_ENUM && t.kflag)
				sb_printf(o, "\n\t'%s' val=%d", u.e.name, (int)u.e.value);
			else if (t.kind == UBEE_BTF_KIND_ENUM)
				sb_printf(o, "\n\t'%s' val=%u", u.e.name, (unsigned)u.e.value);
			else if (t.kflag)
				sb_printf(o, "\n\t'%s' val=%lldLL", u.e.name, (long long)u.e.value);
			else
				sb_printf(o, "\n\t'%s' val=%lluULL", u.e.name,
					  (unsigned long long)u.e.value);
		}
		break;
	case UBEE_BTF_KIND_FWD:
		sb_printf(o, " fwd_kind=%s", t.kflag ? "union" : "struct");
		break;
	case UBEE_BTF_KIND_FUNC:
		sb_printf(o, " type_id=%u linkage=%s", t.type, linkage_str(t.linkage));
		break;
	case UBEE_BTF_KIND_FUNC_PROTO:
		sb_printf(o, " ret_type_id=%u vlen=%u", t.type, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			ubee_btf_param(btf, id, i, &u.p);
			sb_printf(o, "\n\t'%s' type_id=%u", anon(u.p.name), u.p.type);
		}
		break;
	case UBEE_BTF_KIND_VAR:
		sb_printf(o, " type_id=%u, linkage=%s", t.type, linkage_str(t.linkage));
		break;
	case UBEE_BTF_KIND_DATASEC:
		sb_printf(o, " size=%u vlen=%u", t.size, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			ubee_btf_datasec_var(btf, id, i, &u.v);
			sb_printf(o, "\n\ttype_id=%u offset=%u size=%u (%s '%s')", u.v.type,
				  u.v.offset, u.v.size,
				  ubee_btf_kind_name(ubee_btf_kind(btf, u.v.type)),
				  anon(ubee_btf_name(btf, u.v.type)));
		}
		break;
	case UBEE_BTF_KIND_FLOAT:
		sb_printf(o, " size=%u", t.size);
		break;
	case UBEE_BTF_KIND_DECL_TAG:
		sb_printf(o, " type_id=%u component_idx=%d", t.type, t.component_idx);
		break;
	}
	sb_printf(o, "\n");
}

/*
 * Compare every type with `bpftool btf dump file path`: 1 when equal, 0
 * after reporting the first different line, -1 when bpftool is missing.
 */
static int same_as_bpftool(const struct ubee_btf *btf, const char *path)
{
	struct sbuf mine = { 0 }, theirs = { 0 };
	char cmd[4200], line[65536];
	FILE *p;
	int same;

	snprintf(cmd, sizeof(cmd), "bpftool btf dump file '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		sb_printf(&theirs, "%s", line);
	if (pclose(p) != 0 || !theirs.len) {
		free(theirs.p);
		return -1;
	}
	for (uint32_t id = 1; id < ubee_btf_type_count(btf); id++)
		render(btf, id, &mine);
	same = mine.len == theirs.len && !memcmp(mine.p, theirs.p, mine.len);
	if (!same) {
		size_t i = 0, ls = 0;

		while (i < mine.len && i < theirs.len && mine.p[i] == theirs.p[i])
			if (mine.p[i++] == '\n')
				ls = i;
		t_fail(__FILE__, __LINE__, "differs from bpftool at byte %zu: ours '%.80s' bpftool '%.80s'",
		       i, mine.p + ls, theirs.p + ls);
	}
	free(mine.p);
	free(theirs.p);
	return same;
}

/* ---- the object's types ------------------------------------------------ */

static uint32_t find(const struct ubee_btf *btf, const char *name, int kind)
{
	int id = ubee_btf_find(btf, name, kind);

	T_CHECK(id > 0, "%s %s not found (%d)", ubee_btf_kind_name(kind), name, id);
	return id > 0 ? (uint32_t)id : 0;
}

static void check_member(const struct ubee_btf *btf, uint32_t sid, uint32_t i,
			 const char *name, uint32_t bit_off, uint32_t bsz)
{
	struct ubee_btf_member m;

	if (ubee_btf_member(btf, sid, i, &m)) {
		T_CHECK(0, "member %u of [%u] missing", i, sid);
		return;
	}
	T_CHECK(!strcmp(m.name, name), "member %u is '%s', expected '%s'", i, m.name, name);
	T_CHECK(m.bit_offset == bit_off, "member %s at bit %u, expected %u", name,
		m.bit_offset, bit_off);
	T_CHECK(m.bitfield_size == bsz, "member %s bitfield %u, expected %u", name,
		m.bitfield_size, bsz);
}

static uint32_t member_type(const struct ubee_btf *btf, uint32_t sid, uint32_t i)
{
	struct ubee_btf_member m = { 0 };

	ubee_btf_member(btf, sid, i, &m);
	return m.type;
}

/* The kind and name of the modifier-free type of id. */
static void check_resolves(const struct ubee_btf *btf, uint32_t id, int kind,
			   const char *name, int64_t size)
{
	int r = ubee_btf_resolve(btf, id);

	T_CHECK(r >= 0 && ubee_btf_kind(btf, (uint32_t)r) == kind &&
		!strcmp(ubee_btf_name(btf, (uint32_t)r), name),
		"[%u] resolves to [%d] %s '%s', expected %s '%s'", id, r,
		ubee_btf_kind_name(ubee_btf_kind(btf, (uint32_t)r)),
		r >= 0 ? ubee_btf_name(btf, (uint32_t)r) : "?",
		ubee_btf_kind_name(kind), name);
	T_EQ_U64(ubee_btf_size(btf, id), size);
}

/* The array length behind the pointer of a __uint()/__type() map field. */
static uint32_t map_uint(const struct ubee_btf *btf, uint32_t sid, uint32_t i)
{
	struct ubee_btf_type p;
	struct ubee_btf_array a = { 0 };

	ubee_btf_type(btf, member_type(btf, sid, i), &p);
	T_CHECK(p.kind == UBEE_BTF_KIND_PTR, "map field %u is not a pointer", i);
	T_CHECK(!ubee_btf_array(btf, p.type, &a), "map field %u is not a pointer to an array", i);
	return a.nelems;
}

static void check_types(const struct ubee_btf *btf)
{
	uint32_t foo = find(btf, "foo", UBEE_BTF_KIND_STRUCT);
	uint32_t fl = find(btf, "flags", UBEE_BTF_KIND_STRUCT);
	uint32_t num = find(btf, "num", UBEE_BTF_KIND_UNION);
	uint32_t color = find(btf, "color", UBEE_BTF_KIND_ENUM);
	uint32_t wide = find(btf, "wide", UBEE_BTF_KIND_ENUM64);
	struct ubee_btf_type t;
	struct ubee_btf_array a;
	struct ubee_btf_enum_val e;
	struct ubee_btf_param p;
	static const char *const fnames[] = { "cnt", "name", "col", "fl", "n",
					      "big", "cv", "next", "matrix", "w" };
	static const uint32_t foffs[] = { 0, 32, 96, 128, 160, 192, 256, 320, 384, 512 };

	if (!foo || !fl || !num || !color || !wide)
		return;
	ubee_btf_type(btf, foo, &t);
	T_EQ_U64(t.size, 72);
	T_EQ_U64(t.vlen, 10);
	T_EQ_U64(ubee_btf_size(btf, foo), 72);
	for (uint32_t i = 0; i < 10; i++)
		check_member(btf, foo, i, fnames[i], foffs[i], 0);
	T_EQ_U64(ubee_btf_member(btf, foo, 10, &(struct ubee_btf_member){ 0 }), -ENOENT);
	/* cnt: count_t -> u32 -> unsigned int */
	ubee_btf_type(btf, member_type(btf, foo, 0), &t);
	T_CHECK(t.kind == UBEE_BTF_KIND_TYPEDEF && !strcmp(t.name, "count_t"), "cnt is %s", t.name);
	T_CHECK(!strcmp(ubee_btf_name(btf, t.type), "u32"), "count_t -> %s", ubee_btf_name(btf, t.type));
	check_resolves(btf, member_type(btf, foo, 0), UBEE_BTF_KIND_INT, "unsigned int", 4);
	/* name: char[8], a string-capable array */
	T_CHECK(!ubee_btf_array(btf, member_type(btf, foo, 1), &a), "name not an array");
	T_EQ_U64(a.nelems, 8);
	check_resolves(btf, a.type, UBEE_BTF_KIND_INT, "char", 1);
	check_resolves(btf, member_type(btf, foo, 2), UBEE_BTF_KIND_ENUM, "color", 4);
	/* cv: const volatile u32 */
	T_EQ_U64(ubee_btf_kind(btf, member_type(btf, foo, 6)), UBEE_BTF_KIND_CONST);
	check_resolves(btf, member_type(btf, foo, 6), UBEE_BTF_KIND_INT, "unsigned int", 4);
	/* next: a pointer to foo itself */
	ubee_btf_type(btf, member_type(btf, foo, 7), &t);
	T_CHECK(t.kind == UBEE_BTF_KIND_PTR && t.type == foo, "next is not struct foo *");
	T_EQ_U64(ubee_btf_size(btf, member_type(btf, foo, 7)), 8);
	/* matrix: short[2][3] */
	T_CHECK(!ubee_btf_array(btf, member_type(btf, foo, 8), &a) && a.nelems == 2, "matrix outer");
	T_EQ_U64(ubee_btf_size(btf, member_type(btf, foo, 8)), 12);
	T_CHECK(!ubee_btf_array(btf, a.type, &a) && a.nelems == 3, "matrix inner");
	check_resolves(btf, a.type, UBEE_BTF_KIND_INT, "short", 2);
	/* bitfields */
	ubee_btf_type(btf, fl, &t);
	T_CHECK(t.kflag && t.size == 4 && t.vlen == 4, "flags: kflag %d size %u", t.kflag, t.size);
	check_member(btf, fl, 0, "a", 0, 3);
	check_member(btf, fl, 1, "b", 3, 5);
	check_member(btf, fl, 2, "c", 8, 7);
	check_member(btf, fl, 3, "d", 16, 0);
	check_resolves(btf, member_type(btf, fl, 2), UBEE_BTF_KIND_INT, "int", 4);
	/* union */
	ubee_btf_type(btf, num, &t);
	T_CHECK(t.size == 4 && t.vlen == 3, "union num");
	for (uint32_t i = 0; i < 3; i++)
		check_member(btf, num, i, i == 0 ? "u" : i == 1 ? "i" : "bytes", 0, 0);
	/* enums */
	ubee_btf_type(btf, color, &t);
	T_CHECK(t.kflag == 1 && t.vlen == 4 && t.size == 4, "enum color signed, 4 values");
	T_CHECK(!ubee_btf_enum_val(btf, color, 2, &e) && !strcmp(e.name, "BLUE") && e.value == 7, "BLUE");
	T_CHECK(!ubee_btf_enum_val(btf, color, 3, &e) && !strcmp(e.name, "DARK") &&
		(int64_t)e.value == -3, "DARK = %lld", (long long)e.value);
	T_CHECK(!ubee_btf_enum_val(btf, wide, 1, &e) && !strcmp(e.name, "WIDE_BIG") &&
		e.value == 0x123456789ull, "WIDE_BIG");
	T_EQ_U64(ubee_btf_size(btf, wide), 8);
	T_EQ_U64(ubee_btf_enum_val(btf, foo, 0, &e), -EINVAL);
	/* functions */
	{
		uint32_t w = find(btf, "weigh", UBEE_BTF_KIND_FUNC);
		uint32_t proto;

		ubee_btf_type(btf, w, &t);
		T_EQ_U64(t.linkage, 0);
		proto = t.type;
		ubee_btf_type(btf, proto, &t);
		T_CHECK(t.kind == UBEE_BTF_KIND_FUNC_PROTO && t.vlen == 2, "weigh's proto");
		check_resolves(btf, t.type, UBEE_BTF_KIND_INT, "int", 4);
		T_CHECK(!ubee_btf_param(btf, proto, 0, &p) && !strcmp(p.name, "f"), "param f");
		ubee_btf_type(btf, p.type, &t);
		T_CHECK(t.kind == UBEE_BTF_KIND_PTR && t.type == foo, "f is struct foo *");
		T_CHECK(!ubee_btf_param(btf, proto, 1, &p) && !strcmp(p.name, "scale"), "param scale");
		T_EQ_U64(ubee_btf_param(btf, proto, 2, &p), -ENOENT);
		ubee_btf_type(btf, find(btf, "btf_prog", UBEE_BTF_KIND_FUNC), &t);
		T_EQ_U64(t.linkage, 1);
		T_EQ_U64(ubee_btf_size(btf, w), -EINVAL);
	}
	/* the BTF-defined map m: type 1 (hash), 16 entries, u32 -> struct foo */
	{
		uint32_t m = find(btf, "m", UBEE_BTF_KIND_VAR);
		uint32_t def;

		ubee_btf_type(btf, m, &t);
		T_EQ_U64(t.linkage, 1);
		def = t.type;
		ubee_btf_type(btf, def, &t);
		T_CHECK(t.kind == UBEE_BTF_KIND_STRUCT && t.vlen == 4 && !*t.name, "map def");
		check_member(btf, def, 0, "type", 0, 0);
		check_member(btf, def, 3, "value", 192, 0);
		T_EQ_U64(map_uint(btf, def, 0), 1);
		T_EQ_U64(map_uint(btf, def, 1), 16);
		ubee_btf_type(btf, member_type(btf, def, 2), &t);
		T_CHECK(!strcmp(ubee_btf_name(btf, t.type), "u32"), "key is u32");
		ubee_btf_type(btf, member_type(btf, def, 3), &t);
		T_CHECK(t.type == foo, "value is struct foo");
	}
	/* lookups */
	T_EQ_U64(ubee_btf_find(btf, "foo", UBEE_BTF_KIND_ANY), foo);
	T_EQ_U64(ubee_btf_find(btf, "foo", UBEE_BTF_KIND_UNION), -ENOENT);
	T_EQ_U64(ubee_btf_find_next(btf, "foo", UBEE_BTF_KIND_STRUCT, foo), -ENOENT);
	T_EQ_U64(ubee_btf_find(btf, "no_such_type", UBEE_BTF_KIND_ANY), -ENOENT);
	T_EQ_U64(ubee_btf_find(btf, "", UBEE_BTF_KIND_ANY), -ENOENT);
	T_EQ_U64(ubee_btf_type(btf, ubee_btf_type_count(btf), &t), -ENOENT);
	T_EQ_U64(ubee_btf_size(btf, 0), -EINVAL);
	T_EQ_U64(ubee_btf_resolve(btf, ubee_btf_type_count(btf)), -ENOENT);
	T_CHECK(ubee_btf_name(btf, ubee_btf_type_count(btf)) == NULL && errno == ENOENT, "bad id name");
	T_EQ_U64(ubee_btf_kind(btf, 0), UBEE_BTF_KIND_VOID);
	T_CHECK(find(btf, "task_struct___ubee", UBEE_BTF_KIND_STRUCT), "CO-RE struct");
	T_CHECK(find(btf, "xdp_md", UBEE_BTF_KIND_STRUCT), "xdp_md");
}

static void objects(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		struct ubee_btf *btf;
		struct obj o;

		t_begin("types_%s", cpus[c]);
		if (!obj_open(cpus[c], &o)) {
			btf = parse_ok(o.btf, o.btf_size);
			if (btf) {
				check_types(btf);
				if (t_ok() && same_as_bpftool(btf, o.path) < 0)
					printf("# bpftool is not available for the comparison\n");
			}
			ubee_btf_free(btf);
			obj_close(&o);
		}
		t_end();
	}
}

/* ---- DATASEC fixup ----------------------------------------------------- */

struct sym_lookup {
	const struct ubee_elf *elf;
	int shndx;
};

/* The loader's callback: the STT_OBJECT symbol of that name in the section. */
static int sym_offset(void *arg, const char *name, uint32_t *off)
{
	const struct sym_lookup *s = arg;

	for (size_t i = 0; i < s->elf->nsyms; i++) {
		const struct ubee_elf_sym *y = &s->elf->syms[i];

		if (y->shndx == s->shndx && y->type == STT_OBJECT && !strcmp(y->name, name)) {
			*off = (uint32_t)y->value;
			return 0;
		}
	}
	return -ENOENT;
}

static int fake_offset(void *arg, const char *name, uint32_t *off)
{
	const char *const *tab = arg; /* name, "offset", ..., NULL */

	for (; *tab; tab += 2) {
		if (!strcmp(*tab, name)) {
			*off = (uint32_t)atoi(tab[1]);
			return 0;
		}
	}
	return -ENOENT;
}

static void check_sec(const struct ubee_btf *btf, const char *sec, uint32_t size,
		      const char *v0, uint32_t o0, const char *v1, uint32_t o1)
{
	int id = ubee_btf_find(btf, sec, UBEE_BTF_KIND_DATASEC);
	struct ubee_btf_var_secinfo v[2];
	struct ubee_btf_type t;

	if (id < 0 || ubee_btf_type(btf, (uint32_t)id, &t) || t.vlen != 2 ||
	    ubee_btf_datasec_var(btf, (uint32_t)id, 0, &v[0]) ||
	    ubee_btf_datasec_var(btf, (uint32_t)id, 1, &v[1])) {
		T_CHECK(0, "DATASEC %s with two variables missing", sec);
		return;
	}
	T_CHECK(t.size == size, "%s size %u, expected %u", sec, t.size, size);
	T_EQ_U64(ubee_btf_size(btf, (uint32_t)id), size);
	T_CHECK(!strcmp(ubee_btf_name(btf, v[0].type), v0) && v[0].offset == o0,
		"%s[0] is %s at %u, expected %s at %u", sec, ubee_btf_name(btf, v[0].type),
		v[0].offset, v0, o0);
	T_CHECK(!strcmp(ubee_btf_name(btf, v[1].type), v1) && v[1].offset == o1,
		"%s[1] is %s at %u, expected %s at %u", sec, ubee_btf_name(btf, v[1].type),
		v[1].offset, v1, o1);
}

static int fixup_from_elf(struct ubee_btf *btf, const struct obj *o, const char *sec)
{
	struct sym_lookup s = { &o->elf, sec_index(&o->elf, sec) };

	return ubee_btf_fixup_datasec(btf, sec, (uint32_t)o->elf.secs[s.shndx].size,
				      sym_offset, &s, fresh_log());
}

static void fixup(void)
{
	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		static const char *const swapped[] = { "data_a", "6", "data_s", "0", NULL };
		static const char *const half[] = { "data_a", "0", NULL };
		static const char *const too_far[] = { "data_a", "0", "data_s", "5", NULL };
		static const char *const secs[] = { ".data", ".rodata", ".bss", ".maps" };
		struct ubee_btf *btf;
		struct obj o;

		t_begin("fixup_datasec_%s", cpus[c]);
		if (obj_open(cpus[c], &o)) {
			t_end();
			continue;
		}
		btf = parse_ok(o.btf, o.btf_size);
		if (btf) {
			/* What clang-19 writes: sizes and offsets 0. */
			check_sec(btf, ".data", 0, "data_a", 0, "data_s", 0);
			check_sec(btf, ".bss", 0, "bss_hits", 0, "bss_foo", 0);
			for (size_t i = 0; i < UBEE_ARRAY_SIZE(secs); i++) {
				int err = fixup_from_elf(btf, &o, secs[i]);

				T_CHECK(!err, "fixup %s: %d %s", secs[i], err, logbuf);
			}
			check_sec(btf, ".data", 10, "data_a", 0, "data_s", 4);
			check_sec(btf, ".rodata", 10, "ro_limit", 0, "ro_tab", 4);
			check_sec(btf, ".bss", 80, "bss_hits", 0, "bss_foo", 8);
			check_sec(btf, ".maps", 64, "m", 0, "counts", 32);
			/* Doing it again is harmless. */
			T_EQ_U64(fixup_from_elf(btf, &o, ".data"), 0);
			check_sec(btf, ".data", 10, "data_a", 0, "data_s", 4);
			/* Another size is not. */
			T_EQ_U64(ubee_btf_fixup_datasec(btf, ".data", 12, fake_offset,
							(void *)swapped, fresh_log()), -EINVAL);
			T_CHECK(strstr(logbuf, "size 10 differs from the section's 12 bytes"), "log: %s", logbuf);
			T_EQ_U64(ubee_btf_fixup_datasec(btf, ".nope", 4, fake_offset,
							(void *)swapped, fresh_log()), -ENOENT);
			ubee_btf_free(btf);
		}
		/* Out-of-order offsets come out sorted. */
		btf = parse_ok(o.btf, o.btf_size);
		if (btf) {
			T_EQ_U64(ubee_btf_fixup_datasec(btf, ".data", 10, fake_offset,
							(void *)swapped, fresh_log()), 0);
			check_sec(btf, ".data", 10, "data_s", 0, "data_a", 6);
			ubee_btf_free(btf);
		}
		btf = parse_ok(o.btf, o.btf_size);
		if (btf) {
			T_EQ_U64(ubee_btf_fixup_datasec(btf, ".data", 10, fake_offset,
							(void *)half, fresh_log()), -EINVAL);
			T_CHECK(strstr(logbuf, "no offset for variable 'data_s'"), "log: %s", logbuf);
			ubee_btf_free(btf);
		}
		btf = parse_ok(o.btf, o.btf_size);
		if (btf) {
			T_EQ_U64(ubee_btf_fixup_datasec(btf, ".data", 10, fake_offset,
							(void *)too_far, fresh_log()), -EINVAL);
			T_CHECK(strstr(logbuf, "variable 'data_s' at offset 5 with size 6 does not fit"),
				"log: %s", logbuf);
			ubee_btf_free(btf);
		}
		obj_close(&o);
		t_end();
	}
}

/* ---- the printer ------------------------------------------------------- */

/*
 * struct foo values and what `bpftool map dump` printed for them with the
 * object loaded in the kernel (key 0 and key 1 of map m), plain and -j
 * ("formatted"). Differences: bpftool escapes '\\' as "\\n" (a bug); ours
 * is "\\\\".
 */
static const uint8_t foo0[72] = {
	0x03, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 0, 0x07, 0, 0, 0,
	0x8d, 0x77, 0xef, 0xbe, 0x61, 0x62, 0x63, 0x64,
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x01, 0, 0xfe, 0xff, 0x03, 0, 0x04, 0, 0x05, 0, 0xfa, 0xff, 0, 0, 0, 0,
	0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0,
};

static const uint8_t foo1[72] = {
	0, 0, 0, 0, 0x5c, 0x22, 0x27, 0x41, 0x2f, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff,
	[40] = 0x10, [41] = 0x20,
};

static const char foo0_json[] =
	"{\"cnt\":3,\"name\":\"abc\",\"col\":\"BLUE\",\"fl\":{\"a\":\"0x5\",\"b\":\"0x11\","
	"\"c\":\"0x77\",\"d\":48879},\"n\":{\"u\":1684234849,\"i\":1684234849,"
	"\"bytes\":[97,98,99,100]},\"big\":1234605616436508552,\"cv\":9,\"next\":0,"
	"\"matrix\":[[1,-2,3],[4,5,-6]],\"w\":\"WIDE_BIG\"}";

static const char foo1_json[] =
	"{\"cnt\":0,\"name\":\"\\\\\\\"'A/\",\"col\":-7,\"fl\":{\"a\":\"0x0\",\"b\":\"0x0\","
	"\"c\":\"0x0\",\"d\":0},\"n\":{\"u\":0,\"i\":0,\"bytes\":[0,0,0,0]},\"big\":0,"
	"\"cv\":0,\"next\":8208,\"matrix\":[[0,0,0],[0,0,0]],\"w\":0}";

static const char dump_plain[] =
	"[{\n"
	"        \"key\": 1,\n"
	"        \"value\": {\n"
	"            \"cnt\": 0,\n"
	"            \"name\": \"\\\\\\\"'A/\",\n"
	"            \"col\": -7,\n"
	"            \"fl\": {\n"
	"                \"a\": 0x0,\n"
	"                \"b\": 0x0,\n"
	"                \"c\": 0x0,\n"
	"                \"d\": 0\n"
	"            },\n"
	"            \"n\": {\n"
	"                \"u\": 0,\n"
	"                \"i\": 0,\n"
	"                \"bytes\": [0,0,0,0\n"
	"                ]\n"
	"            },\n"
	"            \"big\": 0,\n"
	"            \"cv\": 0,\n"
	"            \"next\": 0x2010,\n"
	"            \"matrix\": [[0,0,0\n"
	"                ],[0,0,0\n"
	"                ]\n"
	"            ],\n"
	"            \"w\": 0\n"
	"        }\n"
	"    },{\n"
	"        \"key\": 0,\n"
	"        \"value\": {\n"
	"            \"cnt\": 3,\n"
	"            \"name\": \"abc\",\n"
	"            \"col\": \"BLUE\",\n"
	"            \"fl\": {\n"
	"                \"a\": 0x5,\n"
	"                \"b\": 0x11,\n"
	"                \"c\": 0x77,\n"
	"                \"d\": 48879\n"
	"            },\n"
	"            \"n\": {\n"
	"                \"u\": 1684234849,\n"
	"                \"i\": 1684234849,\n"
	"                \"bytes\": [97,98,99,100\n"
	"                ]\n"
	"            },\n"
	"            \"big\": 1234605616436508552,\n"
	"            \"cv\": 9,\n"
	"            \"next\": (nil),\n"
	"            \"matrix\": [[1,-2,3\n"
	"                ],[4,5,-6\n"
	"                ]\n"
	"            ],\n"
	"            \"w\": \"WIDE_BIG\"\n"
	"        }\n"
	"    }\n"
	"]";

/* .data of the object as bpftool dumped its global-data map (no key). */
static const char data_plain[] =
	"[{\n"
	"        \"value\": {\n"
	"            \".data\": [{\n"
	"                    \"data_a\": 5\n"
	"                },{\n"
	"                    \"data_s\": \"hello\"\n"
	"                }\n"
	"            ]\n"
	"        }\n"
	"    }\n"
	"]";

static void check_snprint(const struct ubee_btf *btf, uint32_t id, const void *v,
			  size_t n, unsigned flags, const char *want)
{
	char out[4096];
	int len = ubee_btf_snprint(btf, id, v, n, flags, out, sizeof(out));

	T_CHECK(len == (int)strlen(want) && !strcmp(out, want),
		"printed (%d) '%s', expected '%s'", len, out, want);
}

static void dump(void)
{
	static const uint8_t data_sec[10] = { 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0 };
	struct ubee_btf_writer w;
	struct ubee_btf *btf;
	uint32_t foo, u32, data;
	char out[4096], small[16];
	uint32_t k0 = 0, k1 = 1;
	struct obj o;
	int len;

	if (obj_open("v3", &o))
		return;
	btf = parse_ok(o.btf, o.btf_size);
	if (!btf)
		goto out;
	foo = find(btf, "foo", UBEE_BTF_KIND_STRUCT);
	u32 = find(btf, "u32", UBEE_BTF_KIND_TYPEDEF);
	check_snprint(btf, foo, foo0, sizeof(foo0), 0, foo0_json);
	check_snprint(btf, foo, foo1, sizeof(foo1), 0, foo1_json);
	check_snprint(btf, u32, &k1, 4, UBEE_BTF_DUMP_PLAIN, "1");

	/* The whole plain dump, entries in the kernel's order. */
	ubee_btf_w_init(&w, out, sizeof(out), UBEE_BTF_DUMP_PLAIN);
	ubee_btf_w_begin(&w, '[');
	T_EQ_U64(ubee_btf_dump_entry(&w, btf, u32, &k1, 4, foo, foo1, 72), 0);
	T_EQ_U64(ubee_btf_dump_entry(&w, btf, u32, &k0, 4, foo, foo0, 72), 0);
	ubee_btf_w_end(&w, ']');
	T_CHECK(w.len == strlen(dump_plain) && !strcmp(out, dump_plain),
		"plain dump:\n%s\nexpected:\n%s", out, dump_plain);

	/* -j: compact, the entry form that bpftool nests under "formatted". */
	ubee_btf_w_init(&w, out, sizeof(out), 0);
	ubee_btf_dump_entry(&w, btf, u32, &k0, 4, u32, &k1, 4);
	T_CHECK(!strcmp(out, "{\"key\":0,\"value\":1}"), "json entry %s", out);

	/* A global-data section after fixup: {".data": [{var}, ...]} */
	T_EQ_U64(fixup_from_elf(btf, &o, ".data"), 0);
	data = find(btf, ".data", UBEE_BTF_KIND_DATASEC);
	ubee_btf_w_init(&w, out, sizeof(out), UBEE_BTF_DUMP_PLAIN);
	ubee_btf_w_begin(&w, '[');
	T_EQ_U64(ubee_btf_dump_entry(&w, btf, 0, NULL, 0, data, data_sec, 10), 0);
	ubee_btf_w_end(&w, ']');
	T_CHECK(!strcmp(out, data_plain), "data dump:\n%s", out);
	check_snprint(btf, data, data_sec, 10, 0,
		      "{\".data\":[{\"data_a\":5},{\"data_s\":\"hello\"}]}");
	/* A char array without a NUL is an array. */
	check_snprint(btf, find(btf, ".data", UBEE_BTF_KIND_DATASEC),
		      (const uint8_t[10]){ 1, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', '!' },
		      10, 0, "{\".data\":[{\"data_a\":1},{\"data_s\":[104,101,108,108,111,33]}]}");

	/* Truncated output keeps the full length and a NUL. */
	len = ubee_btf_snprint(btf, foo, foo0, 72, 0, small, sizeof(small));
	T_EQ_U64(len, strlen(foo0_json));
	T_CHECK(!memcmp(small, foo0_json, sizeof(small) - 1) && !small[sizeof(small) - 1],
		"truncated '%s'", small);
	T_EQ_U64(ubee_btf_snprint(btf, foo, foo0, 72, 0, NULL, 0), strlen(foo0_json));
	/* Errors. */
	T_EQ_U64(ubee_btf_snprint(btf, foo, foo0, 71, 0, out, sizeof(out)), -EINVAL);
	T_EQ_U64(ubee_btf_snprint(btf, find(btf, "weigh", UBEE_BTF_KIND_FUNC), foo0, 72, 0,
				  out, sizeof(out)), -EINVAL);
	T_EQ_U64(ubee_btf_snprint(btf, 0, foo0, 72, 0, out, sizeof(out)), -EINVAL);
	T_EQ_U64(ubee_btf_snprint(btf, 100000, foo0, 72, 0, out, sizeof(out)), -ENOENT);
out:
	ubee_btf_free(btf);
	obj_close(&o);
}

/* ---- .BTF.ext ---------------------------------------------------------- */

/* Line n (1-based) of the text in src, without its newline, into out. */
static int source_line(const char *src, uint32_t n, char *out, size_t size)
{
	const char *end;

	if (!n)
		return -1;
	while (src && --n) {
		const char *nl = strchr(src, '\n');

		src = nl ? nl + 1 : NULL;
	}
	if (!src)
		return -1;
	end = strchr(src, '\n');
	if (!end)
		end = src + strlen(src);
	snprintf(out, size, "%.*s", (int)(end - src), src);
	return 0;
}

/* The byte offset the access string acc selects from struct root. */
static int64_t access_offset(const struct ubee_btf *btf, uint32_t root, const char *acc)
{
	uint32_t idx[UBEE_BTF_MAX_ACCESS_LEN];
	int n = ubee_core_access_parse(acc, idx, UBEE_ARRAY_SIZE(idx));
	struct ubee_btf_member m;

	if (n != 2 || idx[0] != 0 || ubee_btf_member(btf, root, idx[1], &m))
		return -1;
	return m.bit_offset / 8;
}

static void check_ext(const struct obj *o, const struct ubee_btf *btf,
		      const struct ubee_btf_ext *ext, const char *src)
{
	static const struct {
		const char *sec, *func;
	} funcs[] = { { "xdp", "btf_prog" }, { ".text", "weigh" },
		      { "tp_btf/sched_switch", "core_prog" } };
	static const struct {
		const char *access;
		uint32_t kind;
	} relos[] = { { "0:0", UBEE_CORE_FIELD_BYTE_OFFSET },
		      { "0:3", UBEE_CORE_FIELD_BYTE_OFFSET },
		      { "0:1", UBEE_CORE_FIELD_BYTE_OFFSET },
		      { "0:2", UBEE_CORE_FIELD_EXISTS } };
	uint32_t task = find(btf, "task_struct___ubee", UBEE_BTF_KIND_STRUCT);
	struct ubee_btf_func_info fi;
	struct ubee_btf_line_info li;
	struct ubee_btf_core_relo r;
	const char *name;
	size_t n, nlines = 0;
	uint32_t lookup_line = 0;
	int s, code;

	T_EQ_U64(ubee_btf_ext_sec_count(ext, UBEE_BTF_EXT_FUNC), 3);
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(funcs); i++) {
		s = ubee_btf_ext_find_sec(ext, UBEE_BTF_EXT_FUNC, funcs[i].sec);
		T_CHECK(s >= 0 && !ubee_btf_ext_sec(ext, UBEE_BTF_EXT_FUNC, (size_t)s, &name, &n) &&
			n == 1, "func info of %s", funcs[i].sec);
		T_CHECK(s >= 0 && !ubee_btf_ext_func(ext, (size_t)s, 0, &fi) && fi.insn_off == 0 &&
			!strcmp(ubee_btf_name(btf, fi.type_id), funcs[i].func),
			"%s starts with %s", funcs[i].sec, funcs[i].func);
	}
	T_EQ_U64(ubee_btf_ext_find_sec(ext, UBEE_BTF_EXT_FUNC, "nope"), -ENOENT);
	T_EQ_U64(ubee_btf_ext_func(ext, 0, 1, &fi), -ENOENT);

	/* Every line record's text is that line of the source file. */
	for (size_t i = 0; i < ubee_btf_ext_sec_count(ext, UBEE_BTF_EXT_LINE); i++) {
		uint32_t last = 0;

		ubee_btf_ext_sec(ext, UBEE_BTF_EXT_LINE, i, &name, &n);
		for (size_t j = 0; j < n; j++, nlines++) {
			char want[256];

			ubee_btf_ext_line(ext, i, j, &li);
			T_CHECK(strstr(li.file, "btf_types.c"), "file %s", li.file);
			T_CHECK(j == 0 || li.insn_off > last, "line records out of order");
			last = li.insn_off;
			T_CHECK(!source_line(src, li.line_num, want, sizeof(want)) &&
				!strcmp(want, li.line), "%s+%u: line %u is '%s', source has '%s'",
				name, li.insn_off, li.line_num, li.line, want);
			if (!strcmp(name, "xdp") && strstr(li.line, "lookup_elem(&m, &key)"))
				lookup_line = li.line_num;
		}
	}
	T_CHECK(nlines >= 20, "only %zu line records", nlines);
	T_CHECK(lookup_line > 1, "no xdp line record for the lookup of m");

	/* CO-RE: each relocated instruction is "rX = <local value>". */
	T_EQ_U64(ubee_btf_ext_sec_count(ext, UBEE_BTF_EXT_CORE), 1);
	s = ubee_btf_ext_find_sec(ext, UBEE_BTF_EXT_CORE, "tp_btf/sched_switch");
	code = sec_index(&o->elf, "tp_btf/sched_switch");
	T_CHECK(s == 0 && code > 0, "CO-RE section");
	if (s != 0 || code <= 0 || !task)
		return;
	ubee_btf_ext_sec(ext, UBEE_BTF_EXT_CORE, 0, &name, &n);
	T_EQ_U64(n, UBEE_ARRAY_SIZE(relos));
	for (size_t j = 0; j < n && j < UBEE_ARRAY_SIZE(relos); j++) {
		const struct ubee_elf_sec *cs = &o->elf.secs[code];
		const uint8_t *insn;
		int64_t want;

		ubee_btf_ext_core(ext, 0, j, &r);
		T_CHECK(r.type_id == task && r.kind == relos[j].kind &&
			!strcmp(r.access, relos[j].access), "relo %zu: [%u] %s %s", j,
			r.type_id, ubee_core_kind_name((int)r.kind), r.access);
		want = r.kind == UBEE_CORE_FIELD_EXISTS ? 1 : access_offset(btf, task, r.access);
		if (r.insn_off + 8 > cs->size) {
			T_CHECK(0, "relo %zu past the code", j);
			continue;
		}
		insn = o->file + cs->offset + r.insn_off;
		T_CHECK(insn[0] == 0xb7 && (int64_t)(int32_t)(insn[4] | insn[5] << 8 |
							 insn[6] << 16 | (uint32_t)insn[7] << 24) == want,
			"relo %zu at %u: insn %02x imm %d, expected mov %lld", j, r.insn_off,
			insn[0], insn[4], (long long)want);
	}
	T_CHECK(!strcmp(ubee_core_kind_name(UBEE_CORE_FIELD_BYTE_OFFSET), "byte_off") &&
		!strcmp(ubee_core_kind_name(99), "unknown"), "kind names");
}

static void ext_objects(void)
{
	size_t srclen = 0;
	char *src = NULL;

	for (size_t c = 0; c < UBEE_ARRAY_SIZE(cpus); c++) {
		struct ubee_btf_ext *ext = NULL;
		struct ubee_btf *btf;
		struct obj o;
		int err;

		t_begin("btf_ext_%s", cpus[c]);
		if (obj_open(cpus[c], &o)) {
			t_end();
			continue;
		}
		btf = parse_ok(o.btf, o.btf_size);
		if (btf) {
			err = ubee_btf_ext_parse(o.ext, o.ext_size, btf, &ext, fresh_log());
			T_CHECK(!err, "ext parse: %d %s", err, logbuf);
		}
		if (ext && !src) {
			struct ubee_btf_line_info li;

			/* The file named in the records, or the tree's copy
			 * (t_read_file ends it with a NUL: a string). */
			if (!ubee_btf_ext_line(ext, 0, 0, &li))
				src = (char *)t_read_file(li.file, &srclen);
			if (!src)
				src = (char *)t_read_file("tests/bpf/btf_types.c", &srclen);
		}
		if (ext && src)
			check_ext(&o, btf, ext, src);
		else if (ext)
			t_skip("the source of the line records is not readable");
		ubee_btf_ext_free(ext);
		ubee_btf_free(btf);
		obj_close(&o);
		t_end();
	}
	free(src);
}

static void core_access(void)
{
	uint32_t idx[4];

	T_EQ_U64(ubee_core_access_parse("0", idx, 4), 1);
	T_EQ_U64(ubee_core_access_parse("0:12:3", idx, 4), 3);
	T_CHECK(idx[0] == 0 && idx[1] == 12 && idx[2] == 3, "indices");
	T_EQ_U64(ubee_core_access_parse("4294967295", idx, 4), 1);
	T_EQ_U64(idx[0], 4294967295u);
	T_EQ_U64(ubee_core_access_parse("4294967296", idx, 4), -EINVAL);
	T_EQ_U64(ubee_core_access_parse("", idx, 4), -EINVAL);
	T_EQ_U64(ubee_core_access_parse("0:", idx, 4), -EINVAL);
	T_EQ_U64(ubee_core_access_parse(":1", idx, 4), -EINVAL);
	T_EQ_U64(ubee_core_access_parse("0:1a", idx, 4), -EINVAL);
	T_EQ_U64(ubee_core_access_parse("0:1:2:3:4", idx, 4), -EINVAL);
}

/* ---- hand-made BTF for corruption ------------------------------------- */

/*
 * A small valid BTF with one of every kind; the corruption table patches
 * words of it. Ids:
 *   1 INT int            8 FUNC_PROTO int(int x, node *y)  15 FWD fw
 *   2 PTR -> 3           9 FUNC f -> 8 (global)            16 ENUM64 e64
 *   3 STRUCT node (kflag) val@0, next@64, bits:4@32        17 TYPE_TAG tt -> 1
 *   4 TYPEDEF a_t -> 5  10 VAR v -> 6                      18 VOLATILE -> 14
 *   5 TYPEDEF b_t -> 1  11 DATASEC .data size 16 {10,0,16} 19 RESTRICT -> 2
 *   6 ARRAY int[4]      12 FLOAT float                     20 UNION u { int a }
 *   7 ENUM e {E1 = 1}   13 DECL_TAG tag -> 3 member 0
 *                       14 CONST -> 1
 */
struct bb {
	uint32_t w[256];
	uint32_t nw;
	uint32_t off[32]; /* word index of each id */
	uint32_t n;       /* next id */
	char s[512];
	uint32_t ns;
};

static uint32_t bb_str(struct bb *b, const char *s)
{
	uint32_t at = b->ns;

	if (!*s)
		return 0;
	memcpy(b->s + at, s, strlen(s) + 1);
	b->ns += (uint32_t)strlen(s) + 1;
	return at;
}

static void bb_type(struct bb *b, const char *name, int kind, uint32_t vlen,
		    int kflag, uint32_t size_type)
{
	b->off[b->n++] = b->nw;
	b->w[b->nw++] = bb_str(b, name);
	b->w[b->nw++] = (uint32_t)kind << 24 | vlen | (uint32_t)kflag << 31;
	b->w[b->nw++] = size_type;
}

static void bb_w(struct bb *b, uint32_t v)
{
	b->w[b->nw++] = v;
}

static void bb_base(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->ns = 1;
	b->n = 1;
	bb_type(b, "int", UBEE_BTF_KIND_INT, 0, 0, 4);
	bb_w(b, 0x01000020);
	bb_type(b, "", UBEE_BTF_KIND_PTR, 0, 0, 3);
	bb_type(b, "node", UBEE_BTF_KIND_STRUCT, 3, 1, 16);
	bb_w(b, bb_str(b, "val")), bb_w(b, 1), bb_w(b, 0);
	bb_w(b, bb_str(b, "next")), bb_w(b, 2), bb_w(b, 64);
	bb_w(b, bb_str(b, "bits")), bb_w(b, 1), bb_w(b, 4u << 24 | 32);
	bb_type(b, "a_t", UBEE_BTF_KIND_TYPEDEF, 0, 0, 5);
	bb_type(b, "b_t", UBEE_BTF_KIND_TYPEDEF, 0, 0, 1);
	bb_type(b, "", UBEE_BTF_KIND_ARRAY, 0, 0, 0);
	bb_w(b, 1), bb_w(b, 1), bb_w(b, 4);
	bb_type(b, "e", UBEE_BTF_KIND_ENUM, 1, 0, 4);
	bb_w(b, bb_str(b, "E1")), bb_w(b, 1);
	bb_type(b, "", UBEE_BTF_KIND_FUNC_PROTO, 2, 0, 1);
	bb_w(b, bb_str(b, "x")), bb_w(b, 1);
	bb_w(b, bb_str(b, "y")), bb_w(b, 2);
	bb_type(b, "f", UBEE_BTF_KIND_FUNC, 1, 0, 8);
	bb_type(b, "v", UBEE_BTF_KIND_VAR, 0, 0, 6);
	bb_w(b, 1);
	bb_type(b, ".data", UBEE_BTF_KIND_DATASEC, 1, 0, 16);
	bb_w(b, 10), bb_w(b, 0), bb_w(b, 16);
	bb_type(b, "float", UBEE_BTF_KIND_FLOAT, 0, 0, 4);
	bb_type(b, "tag", UBEE_BTF_KIND_DECL_TAG, 0, 0, 3);
	bb_w(b, 0);
	bb_type(b, "", UBEE_BTF_KIND_CONST, 0, 0, 1);
	bb_type(b, "fw", UBEE_BTF_KIND_FWD, 0, 0, 0);
	bb_type(b, "e64", UBEE_BTF_KIND_ENUM64, 1, 0, 8);
	bb_w(b, bb_str(b, "BIG")), bb_w(b, 1), bb_w(b, 2);
	bb_type(b, "tt", UBEE_BTF_KIND_TYPE_TAG, 0, 0, 1);
	bb_type(b, "", UBEE_BTF_KIND_VOLATILE, 0, 0, 14);
	bb_type(b, "", UBEE_BTF_KIND_RESTRICT, 0, 0, 2);
	bb_type(b, "u", UBEE_BTF_KIND_UNION, 1, 0, 4);
	bb_w(b, bb_str(b, "a")), bb_w(b, 1), bb_w(b, 0);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Header + types + strings into out (room for 4096 bytes); the size. */
static size_t bb_bytes(const struct bb *b, uint8_t *out)
{
	uint32_t tl = b->nw * 4;

	memset(out, 0, 24);
	out[0] = 0x9f;
	out[1] = 0xeb;
	out[2] = 1;
	wr32(out + 4, 24);
	wr32(out + 8, 0);
	wr32(out + 12, tl);
	wr32(out + 16, tl);
	wr32(out + 20, b->ns);
	for (uint32_t i = 0; i < b->nw; i++)
		wr32(out + 24 + 4 * i, b->w[i]);
	memcpy(out + 24 + tl, b->s, b->ns);
	return 24 + tl + b->ns;
}

#define HDR 0xffff /* patch id: a header field at byte `word` */

struct patch {
	uint32_t id, word, value; /* id 0: unused */
};

static const struct corrupt {
	const char *name;
	struct patch p[2];
	int err;
	const char *where, *what;
} corrupt[] = {
	{ "bad_magic", { { HDR, 0, 0xeb9e } }, -EINVAL, "BTF:", "bad magic 0xeb9e" },
	{ "big_endian", { { HDR, 0, 0x9feb } }, -EINVAL, "BTF:", "big-endian" },
	{ "version_2", { { HDR, 2, 2 } }, -EINVAL, "BTF:", "unsupported version 2" },
	{ "flags", { { HDR, 3, 1 } }, -EINVAL, "BTF:", "unsupported flags 0x1" },
	{ "hdr_len_short", { { HDR, 4, 20 } }, -EINVAL, "BTF:", "header length 20 at offset 4" },
	{ "hdr_len_long", { { HDR, 4, 1 << 20 } }, -EINVAL, "BTF:", "header length 1048576" },
	{ "hdr_extra_nonzero", { { HDR, 4, 28 } }, -EINVAL, "BTF:", "header byte at offset 24 is not zero" },
	{ "types_past_end", { { HDR, 12, 0x10000 } }, -EINVAL, "BTF:", "type section (offset 0, length 65536) is past the end" },
	{ "strings_past_end", { { HDR, 16, 0x10000 } }, -EINVAL, "BTF:", "string section (offset 65536" },
	{ "types_len_wraps", { { HDR, 8, 0xfffffffc }, { HDR, 12, 8 } }, -EINVAL, "BTF:", "type section (offset 4294967292" },
	{ "overlap", { { HDR, 16, 8 } }, -EINVAL, "BTF:", "overlaps string section" },
	{ "types_unaligned_len", { { HDR, 12, 10 } }, -EINVAL, "BTF:", "not a multiple of 4" },
	{ "strings_empty", { { HDR, 20, 0 } }, -EINVAL, "BTF:", "does not start with the empty string" },
	{ "strings_unterminated", { { HDR, 20, 30 } }, -EINVAL, "BTF:", "not NUL-terminated" },
	{ "kind_0", { { 1, 1, 0 } }, -EINVAL, "BTF type [1] kind 0 'int' at offset 0x18", "unknown kind 0" },
	{ "kind_20", { { 7, 1, 20u << 24 | 1 } }, -EINVAL, "BTF type [7] kind 20 'e'", "unknown kind 20" },
	{ "info_unused_bits", { { 1, 1, 1u << 24 | 1u << 16 } }, -EINVAL, "BTF type [1] INT", "unused info bits" },
	{ "int_vlen", { { 1, 1, 1u << 24 | 1 } }, -EINVAL, "BTF type [1] INT", "vlen 1 must be 0" },
	{ "ptr_kflag", { { 2, 1, 2u << 24 | 1u << 31 } }, -EINVAL, "BTF type [2] PTR", "kind_flag must be 0" },
	{ "record_cut", { { 20, 1, 5u << 24 | 2 } }, -EINVAL, "BTF type [20] UNION 'u'", "cut off by the end of the type section" },
	{ "name_past_strings", { { 1, 0, 0xffff } }, -EINVAL, "BTF type [1] INT '?'", "name offset 0xffff is past the string section" },
	{ "member_name_past_strings", { { 3, 3, 0x1000 } }, -EINVAL, "BTF type [3] STRUCT 'node'", "member 0 offset 0x1000 is past" },
	{ "ptr_target_range", { { 2, 2, 99 } }, -EINVAL, "BTF type [2] PTR ''", "target type id 99 is past the last type (20)" },
	{ "member_void", { { 3, 4, 0 } }, -EINVAL, "BTF type [3] STRUCT", "member 0 type id is 0 (void)" },
	{ "member_range", { { 3, 7, 21 } }, -EINVAL, "BTF type [3] STRUCT", "member 1 type id 21 is past" },
	{ "int_size_3", { { 1, 2, 3 } }, -EINVAL, "BTF type [1] INT", "int size 3 is not" },
	{ "int_bits_0", { { 1, 3, 0x01000000 } }, -EINVAL, "BTF type [1] INT", "int width 0" },
	{ "int_bits_too_wide", { { 1, 3, 0x01000021 } }, -EINVAL, "BTF type [1] INT", "does not fit in 4 bytes" },
	{ "int_encoding_3", { { 1, 3, 0x03000020 } }, -EINVAL, "BTF type [1] INT", "int encoding 0x3" },
	{ "int_unused_bits", { { 1, 3, 0x01000120 } }, -EINVAL, "BTF type [1] INT", "unused bits set" },
	{ "array_size_field", { { 6, 2, 4 } }, -EINVAL, "BTF type [6] ARRAY", "size field 4 must be 0" },
	{ "array_of_void", { { 6, 3, 0 } }, -EINVAL, "BTF type [6] ARRAY", "element type id is 0 (void)" },
	{ "array_of_fwd", { { 6, 3, 15 } }, -EINVAL, "BTF type [6] ARRAY", "element type [15] FWD has no size" },
	{ "array_4gib", { { 6, 5, 0x40000000 } }, -EINVAL, "BTF type [6] ARRAY", "more than 4 GiB" },
	{ "enum_size_3", { { 7, 2, 3 } }, -EINVAL, "BTF type [7] ENUM 'e'", "enum size 3" },
	{ "enum_name_range", { { 7, 3, 0x7777 } }, -EINVAL, "BTF type [7] ENUM", "enumerator name offset 0x7777" },
	{ "fwd_type", { { 15, 2, 1 } }, -EINVAL, "BTF type [15] FWD 'fw'", "type field 1 must be 0" },
	{ "func_linkage_3", { { 9, 1, 12u << 24 | 3 } }, -EINVAL, "BTF type [9] FUNC 'f'", "linkage 3 is not static, global or extern" },
	{ "func_not_proto", { { 9, 2, 1 } }, -EINVAL, "BTF type [9] FUNC", "type [1] is a INT, not a FUNC_PROTO" },
	{ "proto_void_param", { { 8, 4, 0 } }, -EINVAL, "BTF type [8] FUNC_PROTO", "parameter 0 is void" },
	{ "proto_ret_range", { { 8, 2, 1000 } }, -EINVAL, "BTF type [8] FUNC_PROTO", "return type id 1000" },
	{ "var_linkage_3", { { 10, 3, 3 } }, -EINVAL, "BTF type [10] VAR 'v'", "linkage 3 is not static, allocated or extern" },
	{ "var_void", { { 10, 2, 0 } }, -EINVAL, "BTF type [10] VAR", "variable type id is 0 (void)" },
	{ "var_empty_name", { { 10, 0, 0 } }, -EINVAL, "BTF type [10] VAR ''", "the name is empty" },
	{ "datasec_not_var", { { 11, 3, 1 } }, -EINVAL, "BTF type [11] DATASEC '.data'", "entry 0 (type [1]) is a INT, not a VAR" },
	{ "datasec_var_past_end", { { 11, 4, 8 } }, -EINVAL, "BTF type [11] DATASEC", "variable 0 at offset 8 with size 16 does not fit in 16 bytes" },
	{ "float_size_3", { { 12, 2, 3 } }, -EINVAL, "BTF type [12] FLOAT", "float size 3" },
	{ "decl_tag_index", { { 13, 3, 3 } }, -EINVAL, "BTF type [13] DECL_TAG 'tag'", "component index 3 is past the 3 members" },
	{ "decl_tag_below", { { 13, 3, 0xfffffffe } }, -EINVAL, "BTF type [13] DECL_TAG", "component index -2 is below -1" },
	{ "decl_tag_on_int", { { 13, 2, 1 } }, -EINVAL, "BTF type [13] DECL_TAG", "component index 0 on a INT" },
	{ "typedef_empty_name", { { 4, 0, 0 } }, -EINVAL, "BTF type [4] TYPEDEF ''", "the name is empty" },
	{ "typedef_cycle", { { 5, 2, 4 } }, -EINVAL, "BTF type [4] TYPEDEF 'a_t'", "reference cycle: it contains or names itself through type [5]" },
	{ "const_self", { { 14, 2, 14 } }, -EINVAL, "BTF type [14] CONST", "reference cycle" },
	{ "struct_contains_itself", { { 20, 4, 6 }, { 6, 3, 20 } }, -EINVAL, "BTF type [6] ARRAY", "reference cycle: it contains or names itself through type [20]" },
	{ "pointer_cycle", { { 2, 2, 19 } }, -EINVAL, "BTF type [2] PTR", "pointer cycle" },
	{ "member_past_end", { { 3, 8, 128 } }, -EINVAL, "BTF type [3] STRUCT 'node'", "member 1 'next' ends at bit 192, past the 16-byte STRUCT" },
	{ "member_unaligned", { { 3, 8, 65 } }, -EINVAL, "BTF type [3] STRUCT", "member 1 'next' at bit offset 65 is not byte aligned" },
	{ "bitfield_on_ptr", { { 3, 10, 2 } }, -EINVAL, "BTF type [3] STRUCT", "bitfield member 2 'bits' is a PTR, not an int or enum" },
	{ "bitfield_too_wide", { { 3, 11, 40u << 24 | 32 } }, -EINVAL, "BTF type [3] STRUCT", "bitfield member 2 'bits' of 40 bits is wider than its 4-byte type" },
	{ "bitfield_over_128", { { 3, 11, 129u << 24 } }, -EINVAL, "BTF type [3] STRUCT", "member 2 bitfield size 129 is above 128" },
	{ "member_of_fwd", { { 20, 4, 15 } }, -EINVAL, "BTF type [20] UNION 'u'", "member 0 'a' (type [15] FWD) has no size" },
	{ "member_of_func_proto", { { 20, 4, 8 } }, -EINVAL, "BTF type [20] UNION", "has no size" },
};

static size_t patched(const struct patch *p, size_t np, uint8_t *out)
{
	struct bb b;
	size_t size;

	bb_base(&b);
	for (size_t i = 0; i < np; i++)
		if (p[i].id && p[i].id != HDR)
			b.w[b.off[p[i].id] + p[i].word] = p[i].value;
	size = bb_bytes(&b, out);
	for (size_t i = 0; i < np; i++) {
		if (p[i].id != HDR)
			continue;
		if (p[i].word < 4) /* magic (2 bytes), version, flags */
			out[p[i].word] = (uint8_t)p[i].value;
		if (p[i].word == 0)
			out[1] = (uint8_t)(p[i].value >> 8);
		if (p[i].word >= 4)
			wr32(out + p[i].word, p[i].value);
	}
	return size;
}

static void corrupted(void)
{
	uint8_t buf[4096];
	struct ubee_btf *btf;
	struct bb b;
	size_t size;
	int err;

	/* The base itself is valid, and every kind reads back. */
	t_begin("handmade_valid");
	bb_base(&b);
	size = bb_bytes(&b, buf);
	btf = parse_ok(buf, size);
	if (btf) {
		struct ubee_btf_type t;
		struct ubee_btf_enum_val e;

		T_EQ_U64(ubee_btf_type_count(btf), 21);
		for (uint32_t id = 1; id < 21; id++)
			T_CHECK(!ubee_btf_type(btf, id, &t) && t.kind > 0, "type %u", id);
		T_EQ_U64(ubee_btf_resolve(btf, 4), 1);   /* a_t -> b_t -> int */
		T_EQ_U64(ubee_btf_resolve(btf, 18), 1);  /* volatile const int */
		T_EQ_U64(ubee_btf_resolve(btf, 17), 1);  /* type tag */
		T_EQ_U64(ubee_btf_resolve(btf, 19), 2);  /* restrict -> the pointer */
		T_EQ_U64(ubee_btf_size(btf, 6), 16);
		T_EQ_U64(ubee_btf_size(btf, 10), 16);
		T_EQ_U64(ubee_btf_size(btf, 15), -EINVAL);
		T_EQ_U64(ubee_btf_size(btf, 19), 8);
		T_CHECK(!ubee_btf_enum_val(btf, 16, 0, &e) && e.value == 0x200000001ull, "enum64");
		ubee_btf_type(btf, 13, &t);
		T_CHECK(t.type == 3 && t.component_idx == 0, "decl tag");
		T_EQ_U64(ubee_btf_int(btf, 2, &(struct ubee_btf_int){ 0 }), -EINVAL);
		check_snprint(btf, 3, (const uint8_t[16]){ 7, 0, 0, 0, 0xa5, [8] = 1 }, 16,
			      UBEE_BTF_DUMP_PLAIN,
			      "{\n    \"val\": 7,\n    \"next\": 0x1,\n    \"bits\": 0x5\n}");
		check_snprint(btf, 10, (const uint8_t[16]){ 1, 0, 0, 0, 2 }, 16, 0,
			      "{\"v\":[1,2,0,0]}");
		check_snprint(btf, 12, (const uint8_t[4]){ 0, 0, 0xc0, 0x3f }, 4, 0, "1.5");
		check_snprint(btf, 16, (const uint8_t[8]){ 1, 0, 0, 0, 2 }, 8, 0, "\"BIG\"");
		check_snprint(btf, 7, (const uint8_t[4]){ 0xff, 0xff, 0xff, 0xff }, 4, 0,
			      "4294967295");
		ubee_btf_free(btf);
	}
	t_end();

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(corrupt); i++) {
		const struct corrupt *c = &corrupt[i];

		t_begin("corrupt_%s", c->name);
		size = patched(c->p, UBEE_ARRAY_SIZE(c->p), buf);
		btf = (struct ubee_btf *)buf; /* must be reset to NULL */
		err = ubee_btf_parse(buf, size, &btf, fresh_log());
		T_CHECK(err == c->err && !btf, "parse gave %d, expected %d: %s", err, c->err, logbuf);
		T_CHECK(strstr(logbuf, c->where) && strstr(logbuf, c->what),
			"log '%s' lacks '%s' / '%s'", logbuf, c->where, c->what);
		T_CHECK(!strchr(logbuf, '\n') || !strchr(logbuf, '\n')[1], "more than one line: %s", logbuf);
		ubee_btf_free(btf);
		t_end();
	}

	/* Limits. */
	t_begin("limit_strings");
	{
		size_t n = UBEE_BTF_MAX_STR_LEN + 1;
		uint8_t *big = calloc(1, 24 + n);

		if (big) {
			big[0] = 0x9f, big[1] = 0xeb, big[2] = 1, big[3] = 0;
			wr32(big + 4, 24);
			wr32(big + 20, (uint32_t)n);
			err = ubee_btf_parse(big, 24 + n, &btf, fresh_log());
			T_CHECK(err == -E2BIG && strstr(logbuf, "above the limit"), "%d %s", err, logbuf);
			free(big);
		}
	}
	t_end();
	t_begin("limit_types");
	{
		size_t n = UBEE_BTF_MAX_TYPES, size2 = 24 + 12 * n + 1;
		uint8_t *big = calloc(1, size2);

		if (big) {
			big[0] = 0x9f, big[1] = 0xeb, big[2] = 1;
			wr32(big + 4, 24);
			wr32(big + 12, (uint32_t)(12 * n));
			wr32(big + 16, (uint32_t)(12 * n));
			wr32(big + 20, 1);
			for (size_t i = 0; i < n; i++)
				wr32(big + 24 + 12 * i + 4, (uint32_t)UBEE_BTF_KIND_PTR << 24);
			err = ubee_btf_parse(big, size2, &btf, fresh_log());
			T_CHECK(err == -E2BIG && strstr(logbuf, "more than 1048575 type ids"), "%d %s",
				err, logbuf);
			/* One fewer is fine: a million pointers to void. */
			wr32(big + 12, (uint32_t)(12 * (n - 1)));
			err = ubee_btf_parse(big, size2, &btf, fresh_log());
			T_CHECK(!err && ubee_btf_type_count(btf) == n, "%d %s", err, logbuf);
			ubee_btf_free(btf);
			free(big);
		}
	}
	t_end();
}

/* ---- robustness -------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Every query on every id, and the printer on a buffer of each size. */
static void exercise(const struct ubee_btf *btf)
{
	static uint8_t data[4096];
	char out[512];

	for (uint32_t id = 0; id < ubee_btf_type_count(btf); id++) {
		struct ubee_btf_type t;
		union {
			struct ubee_btf_member m;
			struct ubee_btf_enum_val e;
			struct ubee_btf_param p;
			struct ubee_btf_var_secinfo v;
			struct ubee_btf_array a;
			struct ubee_btf_int i;
		} u;
		int64_t sz = ubee_btf_size(btf, id);

		ubee_btf_type(btf, id, &t);
		ubee_btf_resolve(btf, id);
		ubee_btf_int(btf, id, &u.i);
		ubee_btf_array(btf, id, &u.a);
		for (uint32_t i = 0; i <= t.vlen && i < 64; i++) {
			ubee_btf_member(btf, id, i, &u.m);
			ubee_btf_enum_val(btf, id, i, &u.e);
			ubee_btf_param(btf, id, i, &u.p);
			ubee_btf_datasec_var(btf, id, i, &u.v);
		}
		if (*t.name)
			T_CHECK(ubee_btf_find(btf, t.name, t.kind) > 0, "find %s", t.name);
		if (sz >= 0 && sz <= (int64_t)sizeof(data)) {
			for (size_t i = 0; i < (size_t)sz; i++)
				data[i] = (uint8_t)rnd();
			ubee_btf_snprint(btf, id, data, (size_t)sz, UBEE_BTF_DUMP_PLAIN, out, sizeof(out));
			ubee_btf_snprint(btf, id, data, (size_t)sz, 0, out, sizeof(out));
		}
	}
}

static void truncation(void)
{
	uint8_t buf[4096];
	struct bb b;
	size_t size;
	struct obj o;

	t_begin("truncate_every_length");
	bb_base(&b);
	size = bb_bytes(&b, buf);
	for (size_t n = 0; n < size; n++) {
		struct ubee_btf *btf = NULL;
		int err = ubee_btf_parse(buf, n, &btf, fresh_log());

		T_CHECK(err == -EINVAL && !btf, "length %zu gave %d", n, err);
		ubee_btf_free(btf);
	}
	/* Section lengths cut inside the data: every type-section length. */
	for (uint32_t tl = 0; tl <= b.nw * 4; tl++) {
		struct ubee_btf *btf = NULL;

		wr32(buf + 12, tl);
		if (!ubee_btf_parse(buf, size, &btf, fresh_log()))
			exercise(btf);
		ubee_btf_free(btf);
	}
	t_end();

	t_begin("truncate_object_btf");
	if (!obj_open("v2", &o)) {
		struct ubee_btf *full = parse_ok(o.btf, o.btf_size);

		for (size_t n = 0; n < o.btf_size; n++) {
			struct ubee_btf *btf = NULL;
			int err = ubee_btf_parse(o.btf, n, &btf, fresh_log());

			T_CHECK(err == -EINVAL, "length %zu gave %d", n, err);
			ubee_btf_free(btf);
		}
		for (size_t n = 0; full && n < o.ext_size; n++) {
			struct ubee_btf_ext *ext = NULL;
			int err = ubee_btf_ext_parse(o.ext, n, full, &ext, fresh_log());

			T_CHECK(err == -EINVAL && !ext, "ext length %zu gave %d", n, err);
			ubee_btf_ext_free(ext);
		}
		ubee_btf_free(full);
		obj_close(&o);
	}
	t_end();
}

static void flips(void)
{
	static const int rounds = 3000;
	uint8_t *copy;
	struct obj o;

	t_begin("byte_flips");
	if (obj_open("v3", &o)) {
		t_end();
		return;
	}
	copy = malloc(o.btf_size > o.ext_size ? o.btf_size : o.ext_size);
	if (!copy)
		abort();
	for (int r = 0; r < rounds; r++) {
		struct ubee_btf *btf = NULL;
		int nflip = 1 + (int)(rnd() % 4);

		memcpy(copy, o.btf, o.btf_size);
		for (int i = 0; i < nflip; i++) {
			/* Mostly the header and the type section. */
			size_t at = rnd() % (r % 2 ? o.btf_size : 24 + 12 * 64);

			copy[at % o.btf_size] ^= (uint8_t)(1u << (rnd() % 8));
		}
		if (!ubee_btf_parse(copy, o.btf_size, &btf, fresh_log()))
			exercise(btf);
		else
			T_CHECK(logbuf[0], "rejected without a message");
		ubee_btf_free(btf);
	}
	/* The hand-made BTF has the kinds clang did not emit. */
	{
		uint8_t base[4096], buf[4096];
		struct bb b;
		size_t size;

		bb_base(&b);
		size = bb_bytes(&b, base);
		for (int r = 0; r < rounds; r++) {
			struct ubee_btf *btf = NULL;

			memcpy(buf, base, size);
			for (int i = 0; i < 1 + (int)(rnd() % 3); i++)
				buf[rnd() % size] ^= (uint8_t)(1u << (rnd() % 8));
			if (!ubee_btf_parse(buf, size, &btf, fresh_log()))
				exercise(btf);
			ubee_btf_free(btf);
		}
	}
	/* .BTF.ext against the intact BTF. */
	{
		struct ubee_btf *btf = parse_ok(o.btf, o.btf_size);

		for (int r = 0; btf && r < rounds; r++) {
			struct ubee_btf_ext *ext = NULL;

			memcpy(copy, o.ext, o.ext_size);
			for (int i = 0; i < 1 + (int)(rnd() % 3); i++)
				copy[rnd() % o.ext_size] ^= (uint8_t)(1u << (rnd() % 8));
			if (!ubee_btf_ext_parse(copy, o.ext_size, btf, &ext, fresh_log())) {
				for (int k = 0; k < 3; k++) {
					for (size_t s = 0; s < ubee_btf_ext_sec_count(ext, k); s++) {
						struct ubee_btf_line_info li;
						struct ubee_btf_core_relo cr;
						struct ubee_btf_func_info fi;
						const char *name;
						size_t n;

						ubee_btf_ext_sec(ext, k, s, &name, &n);
						for (size_t j = 0; j < n; j++) {
							ubee_btf_ext_func(ext, s, j, &fi);
							ubee_btf_ext_line(ext, s, j, &li);
							ubee_btf_ext_core(ext, s, j, &cr);
						}
					}
				}
			}
			ubee_btf_ext_free(ext);
		}
		ubee_btf_free(btf);
	}
	free(copy);
	obj_close(&o);
	t_end();
}

static void alloc_failures(void)
{
	struct obj o;
	int done = 0;

	t_begin("alloc_failures");
	if (obj_open("v1", &o)) {
		t_end();
		return;
	}
	for (long n = 0; n < 100 && !done; n++) {
		struct ubee_btf *btf = NULL;
		struct ubee_btf_ext *ext = NULL;
		int err;

		ubee_fail_alloc_after(n);
		err = ubee_btf_parse(o.btf, o.btf_size, &btf, NULL);
		if (!err)
			err = ubee_btf_ext_parse(o.ext, o.ext_size, btf, &ext, NULL);
		if (!err)
			err = fixup_from_elf(btf, &o, ".bss");
		ubee_fail_alloc_after(-1);
		T_CHECK(err == 0 || err == -ENOMEM, "failing allocation %ld gave %d", n, err);
		done = !err;
		ubee_btf_ext_free(ext);
		ubee_btf_free(btf);
	}
	T_CHECK(done, "never succeeded");
	obj_close(&o);
	t_end();
}

/* ---- the kernel's BTF -------------------------------------------------- */

static void vmlinux(void)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	struct timespec a, b;
	struct ubee_btf *btf = NULL;
	uint8_t *data;
	size_t size;
	double ms;
	int err, id;

	data = t_read_file(path, &size);
	if (!data) {
		t_skip("%s is not readable", path);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	err = ubee_btf_parse(data, size, &btf, fresh_log());
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	T_CHECK(!err, "vmlinux: %d %s", err, logbuf);
	if (!err) {
		struct ubee_btf_member m;
		int found = 0;

		printf("# vmlinux BTF: %zu bytes, %u types, parsed in %.1f ms\n", size,
		       ubee_btf_type_count(btf) - 1, ms);
		T_CHECK(ubee_btf_type_count(btf) > 10000, "only %u types", ubee_btf_type_count(btf));
		id = ubee_btf_find(btf, "task_struct", UBEE_BTF_KIND_STRUCT);
		T_CHECK(id > 0 && ubee_btf_size(btf, (uint32_t)id) > 1000, "task_struct");
		for (uint32_t i = 0; id > 0 && !ubee_btf_member(btf, (uint32_t)id, i, &m); i++) {
			if (!strcmp(m.name, "pid")) {
				int r = ubee_btf_resolve(btf, m.type);

				found = r > 0 && ubee_btf_kind(btf, (uint32_t)r) == UBEE_BTF_KIND_INT &&
					ubee_btf_size(btf, m.type) == 4;
			}
		}
		T_CHECK(found, "task_struct.pid is not a 4-byte int");
		T_CHECK(ubee_btf_find(btf, "int", UBEE_BTF_KIND_INT) > 0, "int");
		T_CHECK(ms < 1000, "parsing took %.0f ms", ms);
		if (t_ok() && same_as_bpftool(btf, path) < 0)
			printf("# bpftool is not available for the comparison\n");
	}
	ubee_btf_free(btf);
	free(data);
}

int main(void)
{
	objects();
	fixup();
	T_RUN(dump);
	ext_objects();
	T_RUN(core_access);
	corrupted();
	truncation();
	flips();
	alloc_failures();
	T_RUN(vmlinux);
	return t_summary();
}
