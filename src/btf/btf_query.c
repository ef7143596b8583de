// SPDX-License-Identifier: MIT
/*
 * Questions about parsed BTF: a type's common fields and its kind's
 * records by id, lookup by name through a hash index built at parse time,
 * and the precomputed modifier-free target and size. Everything here
 * reads words the parser checked, so each call is O(1) except lookups
 * (one hash chain) and nothing fails for valid ids and indices.
 */
#include <errno.h>
#include <string.h>

#include "btf/btf_int.h"
#include "util/util.h"

/* FNV-1a: short names, good spread, no state. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/*
 * Index every named type. Chains are built from the highest id down so
 * each bucket lists ids in ascending order, which makes find() return
 * the lowest id and find_next() a continuation. Work O(types + names).
 */
int btf_index_names(struct ubee_btf *b)
{
	uint32_t n = 1;

	while (n < b->count)
		n <<= 1;
	b->nbuckets = n;
	b->hash = ubee_calloc(n, sizeof(*b->hash));
	b->hnext = ubee_calloc(b->count, sizeof(*b->hnext));
	if (!b->hash || !b->hnext)
		return -ENOMEM;
	for (uint32_t id = b->count - 1; id >= 1; id--) {
		const char *name = btf_name(b, id);
		uint32_t h;

		if (!*name)
			continue;
		h = name_hash(name) & (n - 1);
		b->hnext[id] = b->hash[h];
		b->hash[h] = id;
	}
	return 0;
}

int ubee_btf_find_next(const struct ubee_btf *btf, const char *name, int kind,
		       uint32_t after)
{
	uint32_t id;

	if (!name || !*name)
		return -ENOENT;
	id = btf->hash[name_hash(name) & (btf->nbuckets - 1)];
	for (; id; id = btf->hnext[id]) {
		if (id <= after)
			continue;
		if ((kind == UBEE_BTF_KIND_ANY || btf_kind(btf, id) == kind) &&
		    !strcmp(btf_name(btf, id), name))
			return (int)id;
	}
	return -ENOENT;
}

int ubee_btf_find(const struct ubee_btf *btf, const char *name, int kind)
{
	return ubee_btf_find_next(btf, name, kind, 0);
}

uint32_t ubee_btf_type_count(const struct ubee_btf *btf)
{
	return btf->count;
}

int ubee_btf_type(const struct ubee_btf *btf, uint32_t id,
		  struct ubee_btf_type *out)
{
	const uint32_t *t;
	int kind;

	if (id >= btf->count)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->name = "";
	if (!id)
		return 0;
	t = btf_t(btf, id);
	kind = btf_kind_of(t);
	out->kind = kind;
	out->name = btf_str(btf, t[0]);
	out->vlen = btf_vlen_of(t);
	out->kflag = btf_kflag_of(t);
	switch (kind) {
	case UBEE_BTF_KIND_INT:
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
	case UBEE_BTF_KIND_DATASEC:
	case UBEE_BTF_KIND_FLOAT:
		out->size = t[2];
		break;
	case UBEE_BTF_KIND_FUNC:
		out->type = t[2];
		out->linkage = out->vlen;
		out->vlen = 0;
		break;
	case UBEE_BTF_KIND_VAR:
		out->type = t[2];
		out->linkage = t[3];
		break;
	case UBEE_BTF_KIND_DECL_TAG:
		out->type = t[2];
		out->component_idx = (int32_t)t[3];
		break;
	case UBEE_BTF_KIND_ARRAY:
	case UBEE_BTF_KIND_FWD:
		break;
	default: /* PTR, modifiers, TYPE_TAG, FUNC_PROTO */
		out->type = t[2];
		break;
	}
	return 0;
}

int ubee_btf_kind(const struct ubee_btf *btf, uint32_t id)
{
	return id < btf->count ? btf_kind(btf, id) : -ENOENT;
}

const char *ubee_btf_name(const struct ubee_btf *btf, uint32_t id)
{
	if (id >= btf->count) {
		errno = ENOENT;
		return NULL;
	}
	return btf_name(btf, id);
}

/*
 * Record i (of `per` words) of type id if its kind is k1 or k2: a pointer
 * to the record, or NULL with *err set (-ENOENT / -EINVAL).
 */
static const uint32_t *record(const struct ubee_btf *b, uint32_t id,
			      uint32_t i, int k1, int k2, int *err)
{
	const uint32_t *t;
	int kind;

	*err = -ENOENT;
	if (!id || id >= b->count)
		return NULL;
	t = btf_t(b, id);
	kind = btf_kind_of(t);
	*err = -EINVAL;
	if (kind != k1 && kind != k2)
		return NULL;
	*err = -ENOENT;
	if (kind != UBEE_BTF_KIND_INT && kind != UBEE_BTF_KIND_ARRAY &&
	    i >= btf_vlen_of(t))
		return NULL;
	*err = 0;
	switch (kind) {
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_FUNC_PROTO:
		return t + BTF_TYPE_WORDS + 2 * i;
	default:
		return t + BTF_TYPE_WORDS + 3 * i;
	}
}

int ubee_btf_int(const struct ubee_btf *btf, uint32_t id,
		 struct ubee_btf_int *out)
{
	int err;
	const uint32_t *r = record(btf, id, 0, UBEE_BTF_KIND_INT,
				   UBEE_BTF_KIND_INT, &err);

	if (!r)
		return err;
	out->encoding = (uint8_t)((r[0] >> 24) & 0xf);
	out->offset = (uint8_t)(r[0] >> 16);
	out->bits = (uint8_t)r[0];
	return 0;
}

int ubee_btf_member(const struct ubee_btf *btf, uint32_t id, uint32_t i,
		    struct ubee_btf_member *out)
{
	int err;
	const uint32_t *r = record(btf, id, i, UBEE_BTF_KIND_STRUCT,
				   UBEE_BTF_KIND_UNION, &err);

	if (!r)
		return err;
	out->name = btf_str(btf, r[0]);
	out->type = r[1];
	out->bit_offset = r[2];
	out->bitfield_size = 0;
	if (btf_kflag_of(btf_t(btf, id))) {
		out->bit_offset = r[2] & 0xffffff;
		out->bitfield_size = r[2] >> 24;
	}
	return 0;
}

int ubee_btf_array(const struct ubee_btf *btf, uint32_t id,
		   struct ubee_btf_array *out)
{
	int err;
	const uint32_t *r = record(btf, id, 0, UBEE_BTF_KIND_ARRAY,
				   UBEE_BTF_KIND_ARRAY, &err);

	if (!r)
		return err;
	out->type = r[0];
	out->index_type = r[1];
	out->nelems = r[2];
	return 0;
}

int ubee_btf_enum_val(const struct ubee_btf *btf, uint32_t id, uint32_t i,
		      struct ubee_btf_enum_val *out)
{
	int err;
	const uint32_t *r = record(btf, id, i, UBEE_BTF_KIND_ENUM,
				   UBEE_BTF_KIND_ENUM64, &err);
	const uint32_t *t;

	if (!r)
		return err;
	t = btf_t(btf, id);
	out->name = btf_str(btf, r[0]);
	if (btf_kind_of(t) == UBEE_BTF_KIND_ENUM64)
		out->value = (uint64_t)r[2] << 32 | r[1];
	else if (btf_kflag_of(t))
		out->value = (uint64_t)(int64_t)(int32_t)r[1];
	else
		out->value = r[1];
	return 0;
}

int ubee_btf_param(const struct ubee_btf *btf, uint32_t id, uint32_t i,
		   struct ubee_btf_param *out)
{
	int err;
	const uint32_t *r = record(btf, id, i, UBEE_BTF_KIND_FUNC_PROTO,
				   UBEE_BTF_KIND_FUNC_PROTO, &err);

	if (!r)
		return err;
	out->name = btf_str(btf, r[0]);
	out->type = r[1];
	return 0;
}

int ubee_btf_datasec_var(const struct ubee_btf *btf, uint32_t id, uint32_t i,
			 struct ubee_btf_var_secinfo *out)
{
	int err;
	const uint32_t *r = record(btf, id, i, UBEE_BTF_KIND_DATASEC,
				   UBEE_BTF_KIND_DATASEC, &err);

	if (!r)
		return err;
	out->type = r[0];
	out->offset = r[1];
	out->size = r[2];
	return 0;
}

int ubee_btf_resolve(const struct ubee_btf *btf, uint32_t id)
{
	if (id >= btf->count)
		return -ENOENT;
	return (int)btf->resolved[id];
}

static int struct_offset(const struct ubee_btf *btf, uint32_t id,
			 const char *name, int depth)
{
	struct ubee_btf_type t;
	int rid = ubee_btf_resolve(btf, id);

	if (rid <= 0 || depth > 8 || ubee_btf_type(btf, (uint32_t)rid, &t) ||
	    (t.kind != UBEE_BTF_KIND_STRUCT && t.kind != UBEE_BTF_KIND_UNION))
		return -ENOENT;
	if (t.kind == UBEE_BTF_KIND_STRUCT && !strcmp(t.name, name))
		return 0;
	for (uint32_t i = 0; i < t.vlen; i++) {
		struct ubee_btf_member mb;
		int off;

		if (ubee_btf_member(btf, (uint32_t)rid, i, &mb) || mb.bitfield_size)
			continue;
		off = struct_offset(btf, mb.type, name, depth + 1);
		if (off >= 0)
			return off + (int)(mb.bit_offset / 8);
	}
	return -ENOENT;
}

int ubee_btf_struct_offset(const struct ubee_btf *btf, uint32_t id,
			   const char *name)
{
	return struct_offset(btf, id, name, 0);
}

int64_t ubee_btf_size(const struct ubee_btf *btf, uint32_t id)
{
	if (id >= btf->count)
		return -ENOENT;
	return btf->sizes[id] == BTF_NO_SIZE ? -EINVAL : btf->sizes[id];
}
