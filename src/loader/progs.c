// SPDX-License-Identifier: MIT
/*
 * Programs, by libbpf's rules: every global function of an executable
 * section other than .text is a program (a static one there is an error,
 * as in libbpf); .text functions are subprograms, linked into the
 * programs that call them. A section starting with '?' holds programs
 * that are not loaded by default; the '?' is not part of the section name
 * the program reports. The program type comes from the SEC table
 * (sec.c). ubee also takes an executable section without any function
 * symbol (hand-assembled code) as one program named after the section.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "loader/loader.h"
#include "ubee/progtype.h"
#include "util/util.h"

static void add_prog(struct ubee_object *obj, size_t fi)
{
	const struct ubee_object_func *f = &obj->funcs[fi];
	struct obj_prog *p = &obj->progs[obj->nprogs++];

	p->func = fi;
	p->name = f->name;
	p->section = f->section;
	p->autoload = 1;
	if (p->section[0] == '?') {
		p->section++;
		p->autoload = 0;
	}
	p->sec = obj->exec_of[f->section_index] - 1;
	p->off = f->offset;
	p->cnt = f->cnt;
	p->def = ubee_sec_find(p->section);
	p->prog_type = p->def ? p->def->prog_type : UBEE_PROG_TYPE_MEM;
}

int obj_progs_collect(struct ubee_object *obj, struct ubee_log *log)
{
	size_t i;

	obj->progs = ubee_calloc(obj->nfuncs, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	for (i = 0; i < obj->nfuncs; i++) {
		const struct ubee_object_func *f = &obj->funcs[i];
		long sym;

		if (!strcmp(f->section, ".text"))
			continue;
		sym = obj_sym_in(obj, f->section_index, f->name);
		if (sym >= 0 && obj->elf.syms[sym].type == STT_FUNC &&
		    obj->elf.syms[sym].bind == STB_LOCAL) {
			ubee_logf(log, "section %zu (%s): program '%s' is static; programs must be global functions (static functions belong in .text)",
				  f->section_index, f->section, f->name);
			return -EINVAL;
		}
		add_prog(obj, i);
	}
	return 0;
}

/* libbpf's name for kernel types; ubee's registry for its own and the
 * embedder's ("mem" is reported as libbpf's "unspec"). */
static const char *prog_type_name(uint32_t type)
{
	const struct ubee_prog_type *t;
	const char *n = ubee_sec_prog_type_name(type);

	if (n)
		return n;
	t = ubee_prog_type_find(type);
	return t ? t->name : "unknown";
}

long obj_prog_at(const struct ubee_object *obj, size_t sec, size_t insn)
{
	size_t lo = 0, hi = obj->nprogs;

	/* Programs are in (section, offset) order, as obj->funcs. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct obj_prog *p = &obj->progs[mid];

		if (p->sec == sec && p->off == insn)
			return (long)mid;
		if (p->sec < sec || (p->sec == sec && p->off < insn))
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t ubee_object_prog_count(const struct ubee_object *obj)
{
	return obj ? obj->nprogs : 0;
}

int ubee_object_prog(const struct ubee_object *obj, size_t i,
		     struct ubee_object_prog_info *out)
{
	const struct obj_prog *p;

	if (!obj || !out || i >= obj->nprogs)
		return -ENOENT;
	p = &obj->progs[i];
	memset(out, 0, sizeof(*out));
	out->name = p->name;
	out->section = p->section;
	out->prog_type = p->prog_type;
	out->prog_type_name = prog_type_name(p->prog_type);
	out->expected_attach_type = p->def ? p->def->attach_type : 0;
	out->sec_flags = p->def ? p->def->flags : 0;
	out->autoload = p->autoload;
	out->insn_cnt = p->cnt;
	out->linked_insn_cnt = p->nr_insns;
	out->prog = p->prog;
	return 0;
}

int ubee_object_find_prog(const struct ubee_object *obj, const char *name)
{
	if (!obj || !name)
		return -ENOENT;
	for (size_t i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return (int)i;
	return -ENOENT;
}

int ubee_object_prog_set_autoload(struct ubee_object *obj, size_t i,
				  int autoload)
{
	if (!obj || i >= obj->nprogs)
		return -ENOENT;
	if (obj->loaded)
		return -EBUSY;
	obj->progs[i].autoload = !!autoload;
	return 0;
}

int ubee_object_prog_set_type(struct ubee_object *obj, size_t i,
			      uint32_t prog_type)
{
	if (!obj || i >= obj->nprogs)
		return -ENOENT;
	if (obj->loaded)
		return -EBUSY;
	obj->progs[i].prog_type = prog_type;
	return 0;
}

int ubee_object_prog_insns(const struct ubee_object *obj, size_t i,
			   const struct ubee_insn **insns, size_t *cnt)
{
	const struct obj_prog *p;

	if (!obj || i >= obj->nprogs)
		return -ENOENT;
	p = &obj->progs[i];
	if (insns)
		*insns = p->final ? p->final : p->insns;
	if (cnt)
		*cnt = p->nr_insns;
	return 0;
}

int ubee_object_prog_lines(const struct ubee_object *obj, size_t i,
			   const struct ubee_object_line **lines, size_t *n)
{
	if (!obj || i >= obj->nprogs)
		return -ENOENT;
	if (lines)
		*lines = obj->progs[i].lines;
	if (n)
		*n = obj->progs[i].nr_lines;
	return 0;
}

int ubee_object_prog_func_info(const struct ubee_object *obj, size_t i,
			       const struct ubee_object_func_info **info,
			       size_t *n)
{
	if (!obj || i >= obj->nprogs)
		return -ENOENT;
	if (info)
		*info = obj->progs[i].finfo;
	if (n)
		*n = obj->progs[i].nr_finfo;
	return 0;
}
