// SPDX-License-Identifier: MIT
/*
 * .BTF.ext records by code section: for each executable section and each
 * kind (func info, line info, CO-RE relocations), the section's records
 * sorted by instruction offset, so linking and CO-RE find the records of
 * any function with a binary search whatever order the file lists them
 * in. Built once at open; O(records log records).
 */
#include <errno.h>
#include <stdlib.h>

#include "loader/loader.h"
#include "util/util.h"

static int ent_cmp(const void *a, const void *b)
{
	const struct obj_ext_ent *x = a, *y = b;

	if (x->insn_off != y->insn_off)
		return x->insn_off < y->insn_off ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static uint32_t rec_off(const struct ubee_btf_ext *ext, int kind, size_t es,
			size_t j)
{
	struct ubee_btf_func_info fi;
	struct ubee_btf_line_info li;
	struct ubee_btf_core_relo cr;

	switch (kind) {
	case UBEE_BTF_EXT_FUNC:
		return ubee_btf_ext_func(ext, es, j, &fi) ? UINT32_MAX : fi.insn_off;
	case UBEE_BTF_EXT_LINE:
		return ubee_btf_ext_line(ext, es, j, &li) ? UINT32_MAX : li.insn_off;
	default:
		return ubee_btf_ext_core(ext, es, j, &cr) ? UINT32_MAX : cr.insn_off;
	}
}

int obj_ext_index(struct ubee_object *obj)
{
	if (!obj->ext)
		return 0;
	for (int kind = 0; kind < OBJ_EXT_KINDS; kind++) {
		obj->ext_idx[kind] = ubee_calloc(obj->nsecs ? obj->nsecs : 1,
						 sizeof(*obj->ext_idx[kind]));
		if (!obj->ext_idx[kind])
			return -ENOMEM;
		for (size_t s = 0; s < obj->nsecs; s++) {
			struct obj_ext_sec *x = &obj->ext_idx[kind][s];
			int es = ubee_btf_ext_find_sec(obj->ext, kind, obj->secs[s].name);
			const char *name;
			size_t n;

			if (es < 0 || ubee_btf_ext_sec(obj->ext, kind, (size_t)es,
						       &name, &n) || !n)
				continue;
			x->ents = ubee_calloc(n, sizeof(*x->ents));
			if (!x->ents)
				return -ENOMEM;
			x->es = (size_t)es;
			x->n = n;
			for (size_t j = 0; j < n; j++) {
				x->ents[j].insn_off = rec_off(obj->ext, kind, (size_t)es, j);
				x->ents[j].rec = j;
			}
			qsort(x->ents, n, sizeof(*x->ents), ent_cmp);
		}
	}
	return 0;
}

void obj_ext_free(struct ubee_object *obj)
{
	for (int kind = 0; kind < OBJ_EXT_KINDS; kind++) {
		for (size_t s = 0; obj->ext_idx[kind] && s < obj->nsecs; s++)
			ubee_free(obj->ext_idx[kind][s].ents);
		ubee_free(obj->ext_idx[kind]);
		obj->ext_idx[kind] = NULL;
	}
}

const struct obj_ext_sec *obj_ext_range(const struct ubee_object *obj,
					int kind, size_t sec, size_t start,
					size_t cnt, size_t *first, size_t *end)
{
	const struct obj_ext_sec *x;
	uint64_t lo = (uint64_t)start * sizeof(struct ubee_insn);
	uint64_t hi = lo + (uint64_t)cnt * sizeof(struct ubee_insn);
	size_t a = 0, b;

	if (!obj->ext_idx[kind] || !obj->ext_idx[kind][sec].n)
		return NULL;
	x = &obj->ext_idx[kind][sec];
	b = x->n;
	while (a < b) { /* first record at or after lo */
		size_t mid = a + (b - a) / 2;

		if (x->ents[mid].insn_off < lo)
			a = mid + 1;
		else
			b = mid;
	}
	*first = a;
	while (b < x->n && x->ents[b].insn_off < hi)
		b++;
	*end = b;
	return x;
}
