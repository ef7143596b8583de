// SPDX-License-Identifier: MIT
/*
 * Program relocations and linking, libbpf style.
 *
 * Collecting: every entry of a relocation section that applies to an
 * executable section is checked (offset on an instruction of the right
 * kind, symbol defined, target inside its section) and decoded into an
 * obj_reloc on the instruction:
 *   R_BPF_64_32 on a bpf-to-bpf call: the callee is instruction
 *     sym.value / 8 + imm + 1 of the symbol's section (global functions
 *     come as their own symbol with imm -1, static ones as the section
 *     symbol with the offset in imm);
 *   R_BPF_64_64 on an lddw: a function address (callbacks: byte
 *     sym.value + imm of a code section), a map (the definition at
 *     sym.value + imm of .maps or "maps") or global data (byte
 *     sym.value + imm of a data section's value).
 *
 * Linking: each program gets its own copy. Scanning it (and everything
 * appended to it), each call or function address whose callee is not yet
 * in the copy appends the whole function containing the callee; the
 * instruction's imm then becomes the pc-relative distance in the copy.
 * Calls inside a section need no relocation (clang writes calls between
 * .text functions as plain pc-relative calls): their callee is found
 * the same way. Map references become pseudo lddw with the object's map
 * index (source 5, or 6 with the value offset in the second imm). Each
 * function is appended at most once per program, so the work is linear
 * in the linked size times log(functions).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "util/util.h"

typedef unsigned long long ull;

#define OP_LDDW 0x18
#define OP_CALL 0x85
#define PSEUDO_CALL 1
#define PSEUDO_MAP_IDX 5
#define PSEUDO_MAP_IDX_VALUE 6
#define PSEUDO_FUNC 4

#ifndef R_BPF_64_64
#define R_BPF_64_64 1
#endif
#ifndef R_BPF_64_32
#define R_BPF_64_32 10
#endif

static const char *const pseudo_names[] = {
	"imm64", "map fd", "map value", "BTF id", "function", "map index",
	"map index value",
};

/* Where a relocation entry is, for messages. */
struct rel_where {
	const struct ubee_object *obj;
	size_t rsh;   /* relocation section */
	size_t e;     /* entry */
	uint64_t off; /* its offset */
	const struct obj_sec *os;
};

static void rel_err(const struct rel_where *w, struct ubee_log *log,
		    const char *fmt, ...) UBEE_PRINTF(3, 4);
static void rel_err(const struct rel_where *w, struct ubee_log *log,
		    const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ubee_logf(log, "section %zu (%s): relocation %zu at offset 0x%llx (instruction %llu of %s): %s",
		  w->rsh, w->obj->elf.secs[w->rsh].name, w->e, (ull)w->off,
		  (ull)(w->off / sizeof(struct ubee_insn)), w->os->name, why);
}

/* A symbol's name for messages: section symbols go by their section's. */
static const char *sym_label(const struct ubee_object *obj,
			     const struct ubee_elf_sym *sym)
{
	if (sym->name[0] || sym->shndx == SHN_UNDEF ||
	    sym->shndx >= obj->elf.nsecs)
		return sym->name;
	return obj->elf.secs[sym->shndx].name;
}

/* An lddw of data or a map: sym names a definition or a data address. */
static int decode_data(const struct rel_where *w, const struct ubee_elf_sym *sym,
		       int32_t imm, struct obj_reloc *r, struct ubee_log *log)
{
	const struct ubee_object *obj = w->obj;
	int64_t off = (int64_t)sym->value + imm;
	long m = obj_data_kind(&obj->elf.secs[sym->shndx]) >= 0 ?
		obj_map_at(obj, sym->shndx, 0) : -1;

	if (m >= 0) {
		if (off < 0 || (uint64_t)off >= obj->maps[m].def_size) {
			rel_err(w, log, "offset %lld of symbol '%s' is outside %s (0x%llx bytes)",
				(long long)off, sym_label(obj, sym), obj->maps[m].name,
				(ull)obj->maps[m].def_size);
			return -EINVAL;
		}
		r->kind = OBJ_RELO_MAP_VALUE;
		r->map = (size_t)m;
		r->off = (uint32_t)off;
		return 0;
	}
	m = off < 0 ? -1 : obj_map_at(obj, sym->shndx, (uint64_t)off);
	if (m >= 0) {
		r->kind = OBJ_RELO_MAP;
		r->map = (size_t)m;
		return 0;
	}
	rel_err(w, log, "symbol '%s' (offset %lld in section %u, %s) is neither a map definition nor global data",
		sym_label(obj, sym), (long long)off, sym->shndx,
		obj->elf.secs[sym->shndx].name);
	return -EINVAL;
}

/* Decode entry e of relocation section rsh, which applies to os. */
static int decode(const struct ubee_object *obj, size_t rsh, size_t e,
		  const struct obj_sec *os, struct obj_reloc *r,
		  struct ubee_log *log)
{
	const struct ubee_elf *elf = &obj->elf;
	struct rel_where w = { obj, rsh, e, 0, os };
	const struct ubee_elf_sym *sym;
	const struct ubee_insn *in;
	struct ubee_elf_rel rel;
	size_t idx;
	int64_t t;
	int err;

	err = ubee_elf_rel(elf, rsh, e, &rel, log);
	if (err)
		return err;
	w.off = rel.offset;
	if (rel.offset % sizeof(struct ubee_insn) ||
	    rel.offset / sizeof(struct ubee_insn) >= os->cnt) {
		rel_err(&w, log, "the offset is %s",
			rel.offset % sizeof(struct ubee_insn) ?
				"not a multiple of 8" :
				"past the end of the section");
		return -EINVAL;
	}
	idx = (size_t)(rel.offset / sizeof(struct ubee_insn));
	in = &os->insns[idx];
	sym = &elf->syms[rel.sym];
	r->insn = idx;
	if (rel.type == R_BPF_64_64 &&
	    (in->code != OP_LDDW || idx + 1 >= os->cnt)) {
		rel_err(&w, log, "R_BPF_64_64 needs an lddw, found opcode 0x%02x%s",
			in->code, in->code == OP_LDDW ? " without its second slot" : "");
		return -EINVAL;
	}
	if (rel.type == R_BPF_64_32 &&
	    (in->code != OP_CALL || in->src_reg != PSEUDO_CALL)) {
		rel_err(&w, log, "R_BPF_64_32 needs a bpf-to-bpf call (opcode 0x85, source 1), found opcode 0x%02x source %u",
			in->code, in->src_reg);
		return -EINVAL;
	}
	if (rel.type != R_BPF_64_64 && rel.type != R_BPF_64_32) {
		rel_err(&w, log, "relocation type %u cannot apply to code (only R_BPF_64_64 and R_BPF_64_32 can)",
			rel.type);
		return -EINVAL;
	}
	if (sym->shndx == SHN_UNDEF) {
		rel_err(&w, log, "symbol %u ('%s') is undefined: externs (kconfig, ksyms, kfuncs) are not supported",
			rel.sym, sym_label(obj, sym));
		return -EINVAL;
	}
	if (sym->shndx >= SHN_LORESERVE) {
		rel_err(&w, log, "symbol %u ('%s') is in special section 0x%x",
			rel.sym, sym_label(obj, sym), sym->shndx);
		return -EINVAL;
	}
	if (sym->value > elf->secs[sym->shndx].size) {
		rel_err(&w, log, "symbol %u ('%s') has value 0x%llx, past the end of its section %u (%s, 0x%llx bytes)",
			rel.sym, sym_label(obj, sym), (ull)sym->value, sym->shndx,
			elf->secs[sym->shndx].name, (ull)elf->secs[sym->shndx].size);
		return -EINVAL;
	}
	if (!obj->exec_of[sym->shndx]) {
		if (rel.type == R_BPF_64_32) {
			rel_err(&w, log, "call to symbol '%s' in section %u (%s), which holds no code",
				sym_label(obj, sym), sym->shndx, elf->secs[sym->shndx].name);
			return -EINVAL;
		}
		return decode_data(&w, sym, in->imm, r, log);
	}
	r->target_sec = obj->exec_of[sym->shndx] - 1;
	if (rel.type == R_BPF_64_32) {
		r->kind = OBJ_RELO_CALL;
		t = (int64_t)(sym->value / sizeof(struct ubee_insn)) + in->imm + 1;
	} else {
		r->kind = OBJ_RELO_FUNC;
		t = ((int64_t)sym->value + in->imm) / (int64_t)sizeof(struct ubee_insn);
	}
	if (sym->value % sizeof(struct ubee_insn) ||
	    (rel.type == R_BPF_64_64 && in->imm % (int32_t)sizeof(struct ubee_insn))) {
		rel_err(&w, log, "target of symbol '%s' (value 0x%llx, imm %d) is not on an instruction",
			sym_label(obj, sym), (ull)sym->value, in->imm);
		return -EINVAL;
	}
	if (t < 0 || (uint64_t)t >= obj->secs[r->target_sec].cnt) {
		rel_err(&w, log, "target instruction %lld of section %s (symbol '%s') is outside it (%zu instructions)",
			(long long)t, obj->secs[r->target_sec].name, sym_label(obj, sym),
			obj->secs[r->target_sec].cnt);
		return -EINVAL;
	}
	r->target_insn = (size_t)t;
	return 0;
}

static int reloc_cmp(const void *a, const void *b)
{
	const struct obj_reloc *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

int obj_relocs_collect(struct ubee_object *obj, struct ubee_log *log)
{
	const struct ubee_elf *elf = &obj->elf;
	size_t r, e, k;
	int err;

	/* Count per section first, so each gets one allocation. */
	for (r = 0; r < elf->nrels; r++) {
		size_t rsh = elf->rels[r], tgt = elf->secs[rsh].info;

		if (obj->exec_of[tgt])
			obj->secs[obj->exec_of[tgt] - 1].nrelos +=
				ubee_elf_rel_count(elf, rsh);
	}
	for (k = 0; k < obj->nsecs; k++) {
		struct obj_sec *os = &obj->secs[k];

		if (!os->nrelos)
			continue;
		os->relos = ubee_calloc(os->nrelos, sizeof(*os->relos));
		if (!os->relos)
			return -ENOMEM;
		os->nrelos = 0;
	}
	for (r = 0; r < elf->nrels; r++) {
		size_t rsh = elf->rels[r], tgt = elf->secs[rsh].info, n;
		struct obj_sec *os;

		if (!obj->exec_of[tgt])
			continue;
		os = &obj->secs[obj->exec_of[tgt] - 1];
		n = ubee_elf_rel_count(elf, rsh);
		for (e = 0; e < n; e++) {
			err = decode(obj, rsh, e, os, &os->relos[os->nrelos], log);
			if (err)
				return err;
			os->nrelos++;
		}
	}
	for (k = 0; k < obj->nsecs; k++) {
		struct obj_sec *os = &obj->secs[k];

		if (os->nrelos)
			qsort(os->relos, os->nrelos, sizeof(*os->relos), reloc_cmp);
		for (e = 1; e < os->nrelos; e++) {
			if (os->relos[e].insn == os->relos[e - 1].insn) {
				ubee_logf(log, "section %zu (%s): instruction %zu has two relocations",
					  os->shndx, os->name, os->relos[e].insn);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* ---- linking ------------------------------------------------------------ */

struct linker {
	struct ubee_object *obj;
	struct obj_prog *p;
	size_t cap_insns, cap_chunks, cap_maps;
	size_t *placed;   /* [nfuncs]: dest + 1 in this program, or 0 */
	uint8_t *seen;    /* [nmaps]: referenced by this program */
};

static const struct obj_reloc *find_reloc(const struct obj_sec *os,
					  size_t insn)
{
	size_t lo = 0, hi = os->nrelos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (os->relos[mid].insn == insn)
			return &os->relos[mid];
		if (os->relos[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The function of executable section sec containing insn: the last one
 * starting at or before it (obj->funcs is sorted by section, then
 * offset), if it reaches that far. -1 when none does.
 */
static long func_at(const struct ubee_object *obj, size_t sec, size_t insn)
{
	size_t shndx = obj->secs[sec].shndx, lo = 0, hi = obj->nfuncs;
	const struct ubee_object_func *f;

	while (lo < hi) { /* first function past (section, insn) */
		size_t mid = lo + (hi - lo) / 2;

		f = &obj->funcs[mid];
		if (obj->exec_of[f->section_index] - 1 < sec ||
		    (f->section_index == shndx && f->offset <= insn))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	f = &obj->funcs[lo - 1];
	if (f->section_index != shndx || insn >= f->offset + f->cnt)
		return -1;
	return (long)(lo - 1);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	void *np;
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	np = ubee_realloc(*p, n * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = n;
	return 0;
}

/* Append function fi to the copy; its first instruction lands at *dest. */
static int append(struct linker *L, size_t fi, size_t *dest,
		  struct ubee_log *log)
{
	struct obj_prog *p = L->p;
	const struct ubee_object_func *f = &L->obj->funcs[fi];
	struct obj_chunk *c;
	int err;

	if (f->cnt > UBEE_MAX_INSNS - p->nr_insns) {
		ubee_logf(log, "program '%s': more than %d instructions with its subprograms linked",
			  p->name, UBEE_MAX_INSNS);
		return -E2BIG;
	}
	err = grow((void **)&p->insns, &L->cap_insns, p->nr_insns + f->cnt,
		   sizeof(*p->insns));
	if (!err)
		err = grow((void **)&p->chunks, &L->cap_chunks, p->nr_chunks + 1,
			   sizeof(*p->chunks));
	if (err)
		return err;
	c = &p->chunks[p->nr_chunks++];
	c->func = fi;
	c->sec = L->obj->exec_of[f->section_index] - 1;
	c->start = f->offset;
	c->cnt = f->cnt;
	c->dest = p->nr_insns;
	memcpy(p->insns + p->nr_insns, f->insns, f->cnt * sizeof(*p->insns));
	p->nr_insns += f->cnt;
	L->placed[fi] = c->dest + 1;
	*dest = c->dest;
	return 0;
}

/* The copy's index of instruction insn of section sec, appending its
 * function if needed. at is the referring instruction, for messages. */
static int place(struct linker *L, size_t sec, size_t insn, size_t at,
		 size_t *dest, struct ubee_log *log)
{
	const struct ubee_object *obj = L->obj;
	long fi = func_at(obj, sec, insn);
	int err;

	if (fi < 0) {
		ubee_logf(log, "program '%s': instruction %zu refers to instruction %zu of section %s, which is in no function",
			  L->p->name, at, insn, obj->secs[sec].name);
		return -EINVAL;
	}
	if (!L->placed[fi]) {
		err = append(L, (size_t)fi, dest, log);
		if (err)
			return err;
	}
	*dest = L->placed[fi] - 1 + (insn - obj->funcs[fi].offset);
	return 0;
}

static int add_map(struct linker *L, size_t map)
{
	struct obj_prog *p = L->p;
	int err;

	if (L->seen[map])
		return 0;
	err = grow((void **)&p->maps, &L->cap_maps, p->nr_maps + 1,
		   sizeof(*p->maps));
	if (err)
		return err;
	L->seen[map] = 1;
	p->maps[p->nr_maps++] = map;
	return 0;
}

/* Relocate copy instruction i, originally instruction orig of section sec. */
static int link_insn(struct linker *L, size_t i, size_t sec, size_t orig,
		     struct ubee_log *log)
{
	const struct obj_sec *os = &L->obj->secs[sec];
	const struct obj_reloc *r = find_reloc(os, orig);
	struct ubee_insn *in = &L->p->insns[i];
	size_t dest;
	int64_t t;
	int err;

	if (r) {
		switch (r->kind) {
		case OBJ_RELO_CALL:
		case OBJ_RELO_FUNC:
			err = place(L, r->target_sec, r->target_insn, i, &dest, log);
			if (err)
				return err;
			in = &L->p->insns[i]; /* place() may move the copy */
			in->imm = (int32_t)((int64_t)dest - (int64_t)i - 1);
			if (r->kind == OBJ_RELO_FUNC) {
				in->src_reg = PSEUDO_FUNC;
				in[1].imm = 0;
			}
			return 0;
		case OBJ_RELO_MAP:
		case OBJ_RELO_MAP_VALUE:
			in->src_reg = r->kind == OBJ_RELO_MAP ? PSEUDO_MAP_IDX
							      : PSEUDO_MAP_IDX_VALUE;
			in->imm = (int32_t)r->map;
			in[1].imm = r->kind == OBJ_RELO_MAP ? 0 : (int32_t)r->off;
			return add_map(L, r->map);
		}
		return -EINVAL;
	}
	if ((in->code == OP_CALL && in->src_reg == PSEUDO_CALL) ||
	    (in->code == OP_LDDW && in->src_reg == PSEUDO_FUNC)) {
		/* pc-relative inside the section */
		t = (int64_t)orig + 1 + in->imm;
		if (t < 0 || (uint64_t)t >= os->cnt) {
			ubee_logf(log, "program '%s': instruction %zu (%s instruction %zu): %s target %lld is outside the section (%zu instructions)",
				  L->p->name, i, os->name, orig,
				  in->code == OP_CALL ? "call" : "function address",
				  (long long)t, os->cnt);
			return -EINVAL;
		}
		err = place(L, sec, (size_t)t, i, &dest, log);
		if (err)
			return err;
		in = &L->p->insns[i];
		in->imm = (int32_t)((int64_t)dest - (int64_t)i - 1);
		return 0;
	}
	if (in->code == OP_LDDW && in->src_reg) {
		ubee_logf(log, "program '%s': instruction %zu (%s instruction %zu): lddw with pseudo source %u (%s) but no relocation",
			  L->p->name, i, os->name, orig, in->src_reg,
			  in->src_reg < UBEE_ARRAY_SIZE(pseudo_names) ?
				  pseudo_names[in->src_reg] : "unknown");
		return -EINVAL;
	}
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	const struct ubee_object_line *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int finfo_cmp(const void *a, const void *b)
{
	const struct ubee_object_func_info *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

/* Line and func info of the program's chunks, at their linked positions. */
static int link_ext(struct ubee_object *obj, struct obj_prog *p)
{
	size_t cap_l = 0, cap_f = 0, j, end;
	const struct obj_ext_sec *x;
	int err;

	for (size_t c = 0; c < p->nr_chunks; c++) {
		const struct obj_chunk *ch = &p->chunks[c];

		x = obj_ext_range(obj, UBEE_BTF_EXT_LINE, ch->sec, ch->start,
				  ch->cnt, &j, &end);
		for (; x && j < end; j++) {
			struct ubee_btf_line_info li;
			struct ubee_object_line *l;

			if (ubee_btf_ext_line(obj->ext, x->es, x->ents[j].rec, &li))
				return -EINVAL;
			err = grow((void **)&p->lines, &cap_l, p->nr_lines + 1,
				   sizeof(*p->lines));
			if (err)
				return err;
			l = &p->lines[p->nr_lines++];
			l->insn = ch->dest + li.insn_off / 8 - ch->start;
			l->file = li.file;
			l->line = li.line;
			l->line_num = li.line_num;
			l->col = li.col;
		}
		x = obj_ext_range(obj, UBEE_BTF_EXT_FUNC, ch->sec, ch->start,
				  ch->cnt, &j, &end);
		for (; x && j < end; j++) {
			struct ubee_btf_func_info fi;
			struct ubee_object_func_info *f;

			if (ubee_btf_ext_func(obj->ext, x->es, x->ents[j].rec, &fi))
				return -EINVAL;
			err = grow((void **)&p->finfo, &cap_f, p->nr_finfo + 1,
				   sizeof(*p->finfo));
			if (err)
				return err;
			f = &p->finfo[p->nr_finfo++];
			f->insn = ch->dest + fi.insn_off / 8 - ch->start;
			f->type_id = fi.type_id;
		}
	}
	/* Chunks are placed in increasing order, each sorted: only the
	 * order of chunks can differ from the order of positions. */
	if (p->nr_lines)
		qsort(p->lines, p->nr_lines, sizeof(*p->lines), line_cmp);
	if (p->nr_finfo)
		qsort(p->finfo, p->nr_finfo, sizeof(*p->finfo), finfo_cmp);
	return 0;
}

static int link_prog(struct linker *L, struct ubee_log *log)
{
	struct obj_prog *p = L->p;
	size_t c, i, dest;
	int err;

	err = append(L, p->func, &dest, log);
	/* The chunk list grows while it is scanned: that is the transitive
	 * closure. */
	for (c = 0; !err && c < p->nr_chunks; c++) {
		for (i = 0; !err && i < p->chunks[c].cnt; i++) {
			const struct obj_chunk *ch = &p->chunks[c];
			size_t at = ch->dest + i;

			err = link_insn(L, at, ch->sec, ch->start + i, log);
			if (p->insns[at].code == OP_LDDW)
				i++;
		}
	}
	if (!err)
		err = link_ext(L->obj, p);
	for (c = 0; c < p->nr_chunks; c++)
		L->placed[p->chunks[c].func] = 0;
	for (i = 0; i < p->nr_maps; i++)
		L->seen[p->maps[i]] = 0;
	return err;
}

int obj_link_all(struct ubee_object *obj, struct ubee_log *log)
{
	struct linker L = { obj, NULL, 0, 0, 0, NULL, NULL };
	int err = 0;

	L.placed = ubee_calloc(obj->nfuncs, sizeof(*L.placed));
	L.seen = ubee_calloc(obj->nmaps ? obj->nmaps : 1, 1);
	if (!L.placed || !L.seen) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < obj->nprogs && !err; i++) {
		L.p = &obj->progs[i];
		L.cap_insns = L.cap_chunks = L.cap_maps = 0;
		err = link_prog(&L, log);
	}
out:
	ubee_free(L.seen);
	ubee_free(L.placed);
	return err;
}
