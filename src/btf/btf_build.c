// SPDX-License-Identifier: MIT
/*
 * The BTF builder (btf_build.h): records are kept as the 32-bit words of
 * the type section, in the layout btf_int.h draws, and strings as the
 * string section, which always starts with the empty string. Members and
 * enumerators extend the record added last, so the vlen of that record
 * is the only field ever changed after it is written. Equal strings are
 * stored once (a linear search: the builder is for small descriptions).
 */
#include <errno.h>
#include <string.h>

#include "btf/btf_build.h"
#include "btf/btf_int.h"
#include "util/util.h"

#define BTF_MAGIC 0xeb9f
#define BTF_VERSION 1
#define VLEN_MAX 0xffffu
#define KFLAG_MAX_OFFSET (1u << 24) /* kind_flag member offsets: 24 bits */

struct ubee_btf_builder {
	uint32_t *words;   /* type section, host order */
	size_t nwords, cap_words;
	char *strs;        /* string section */
	size_t str_len, cap_strs;
	uint32_t count;    /* type ids, void included */
	size_t last;       /* first word of the record added last */
	int last_kind;     /* its kind; VOID before the first add */
	int err;           /* the first error, or 0 */
};

static int fail(struct ubee_btf_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	return b->err;
}

static int put_words(struct ubee_btf_builder *b, const uint32_t *w, size_t n)
{
	if (b->nwords + n > b->cap_words) {
		size_t cap = b->cap_words * 2 + n;
		uint32_t *p = ubee_realloc(b->words, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->words = p;
		b->cap_words = cap;
	}
	memcpy(b->words + b->nwords, w, n * sizeof(*w));
	b->nwords += n;
	return 0;
}

/* Offset of name in the string section, adding it when new; NULL and ""
 * are offset 0. */
static int put_str(struct ubee_btf_builder *b, const char *name, uint32_t *off)
{
	size_t len, i;

	*off = 0;
	if (!name || !name[0])
		return 0;
	len = strlen(name) + 1;
	for (i = 1; i < b->str_len; i += strlen(b->strs + i) + 1) {
		if (!strcmp(b->strs + i, name)) {
			*off = (uint32_t)i;
			return 0;
		}
	}
	if (b->str_len + len > UBEE_BTF_MAX_STR_LEN)
		return -E2BIG;
	if (b->str_len + len > b->cap_strs) {
		size_t cap = b->cap_strs * 2 + len;
		char *p = ubee_realloc(b->strs, cap);

		if (!p)
			return -ENOMEM;
		b->strs = p;
		b->cap_strs = cap;
	}
	memcpy(b->strs + b->str_len, name, len);
	*off = (uint32_t)b->str_len;
	b->str_len += len;
	return 0;
}

/* Append a record: struct btf_type (name, info, size/type) and the
 * kind's extra words. Returns the new id or the (sticky) error. */
static int add_type(struct ubee_btf_builder *b, const char *name, int kind,
		    int kflag, uint32_t size_or_type, const uint32_t *extra,
		    size_t nextra)
{
	uint32_t w[BTF_TYPE_WORDS + 3];
	size_t at = b->nwords;
	int err;

	if (b->err)
		return b->err;
	if (b->count >= UBEE_BTF_MAX_TYPES)
		return fail(b, -E2BIG);
	err = put_str(b, name, &w[0]);
	if (err)
		return fail(b, err);
	w[1] = (uint32_t)kind << 24 | (kflag ? 1u << 31 : 0);
	w[2] = size_or_type;
	if (nextra)
		memcpy(w + BTF_TYPE_WORDS, extra, nextra * sizeof(*extra));
	err = put_words(b, w, BTF_TYPE_WORDS + nextra);
	if (err)
		return fail(b, err);
	b->last = at;
	b->last_kind = kind;
	return (int)b->count++;
}

static int ref_ok(int id)
{
	return id >= 0 && (uint32_t)id < UBEE_BTF_MAX_TYPES;
}

static int named(const char *name)
{
	return name && name[0];
}

struct ubee_btf_builder *ubee_btf_builder_new(void)
{
	struct ubee_btf_builder *b = ubee_calloc(1, sizeof(*b));

	if (!b)
		goto nomem;
	b->strs = ubee_calloc(1, 64);
	if (!b->strs)
		goto nomem;
	b->cap_strs = 64;
	b->str_len = 1; /* the empty string */
	b->count = 1;   /* void */
	return b;
nomem:
	ubee_free(b);
	errno = ENOMEM;
	return NULL;
}

void ubee_btf_builder_free(struct ubee_btf_builder *b)
{
	if (!b)
		return;
	ubee_free(b->words);
	ubee_free(b->strs);
	ubee_free(b);
}

int ubee_btf_add_int(struct ubee_btf_builder *b, const char *name,
		     uint32_t size, unsigned encoding)
{
	uint32_t data = (encoding & 0xfu) << 24 | size * 8;

	if (b->err)
		return b->err;
	if (!named(name) || (size != 1 && size != 2 && size != 4 && size != 8 &&
			     size != 16) ||
	    (encoding != 0 && encoding != UBEE_BTF_INT_SIGNED &&
	     encoding != UBEE_BTF_INT_CHAR && encoding != UBEE_BTF_INT_BOOL))
		return fail(b, -EINVAL);
	return add_type(b, name, UBEE_BTF_KIND_INT, 0, size, &data, 1);
}

int ubee_btf_add_ptr(struct ubee_btf_builder *b, int type)
{
	if (b->err)
		return b->err;
	if (!ref_ok(type))
		return fail(b, -EINVAL);
	return add_type(b, NULL, UBEE_BTF_KIND_PTR, 0, (uint32_t)type, NULL, 0);
}

int ubee_btf_add_array(struct ubee_btf_builder *b, int elem, int index_type,
		       uint32_t nelems)
{
	uint32_t arr[3] = { (uint32_t)elem, (uint32_t)index_type, nelems };

	if (b->err)
		return b->err;
	if (!ref_ok(elem) || !elem || !ref_ok(index_type))
		return fail(b, -EINVAL);
	return add_type(b, NULL, UBEE_BTF_KIND_ARRAY, 0, 0, arr, 3);
}

int ubee_btf_add_struct(struct ubee_btf_builder *b, const char *name,
			uint32_t size)
{
	return add_type(b, name, UBEE_BTF_KIND_STRUCT, 0, size, NULL, 0);
}

int ubee_btf_add_union(struct ubee_btf_builder *b, const char *name,
		       uint32_t size)
{
	return add_type(b, name, UBEE_BTF_KIND_UNION, 0, size, NULL, 0);
}

/* Count one more entry in the last record's vlen; -E2BIG when full. */
static int bump_vlen(struct ubee_btf_builder *b)
{
	uint32_t *info = &b->words[b->last + 1];

	if ((*info & VLEN_MAX) == VLEN_MAX)
		return -E2BIG;
	(*info)++;
	return 0;
}

int ubee_btf_add_member(struct ubee_btf_builder *b, const char *name,
			int type, uint32_t bit_offset, uint32_t bitfield_size)
{
	uint32_t m[3], *rec;
	int err;

	if (b->err)
		return b->err;
	if ((b->last_kind != UBEE_BTF_KIND_STRUCT &&
	     b->last_kind != UBEE_BTF_KIND_UNION) ||
	    !ref_ok(type) || !type || bitfield_size > UBEE_BTF_MAX_BITS)
		return fail(b, -EINVAL);
	rec = &b->words[b->last];
	if (bitfield_size && !btf_kflag_of(rec)) {
		/* With kind_flag, a whole field's word is its offset (bitfield
		 * size 0 in the top byte): the words so far stay valid if
		 * their offsets fit in 24 bits. */
		for (uint32_t i = 0; i < btf_vlen_of(rec); i++)
			if (rec[BTF_TYPE_WORDS + 3 * i + 2] >= KFLAG_MAX_OFFSET)
				return fail(b, -E2BIG);
		rec[1] |= 1u << 31;
	}
	if (btf_kflag_of(rec) && bit_offset >= KFLAG_MAX_OFFSET)
		return fail(b, -E2BIG);
	err = put_str(b, name, &m[0]);
	if (!err)
		err = bump_vlen(b);
	if (err)
		return fail(b, err);
	m[1] = (uint32_t)type;
	m[2] = btf_kflag_of(&b->words[b->last]) ? bitfield_size << 24 | bit_offset
						 : bit_offset;
	err = put_words(b, m, 3);
	if (err) {
		b->words[b->last + 1]--;
		return fail(b, err);
	}
	return 0;
}

int ubee_btf_add_enum(struct ubee_btf_builder *b, const char *name,
		      uint32_t size, int is_signed)
{
	if (b->err)
		return b->err;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return fail(b, -EINVAL);
	return add_type(b, name, UBEE_BTF_KIND_ENUM, is_signed, size, NULL, 0);
}

int ubee_btf_add_enum_value(struct ubee_btf_builder *b, const char *name,
			    int64_t value)
{
	uint32_t e[2];
	int err;

	if (b->err)
		return b->err;
	if (b->last_kind != UBEE_BTF_KIND_ENUM || !named(name))
		return fail(b, -EINVAL);
	if (btf_kflag_of(&b->words[b->last]) ? value < INT32_MIN || value > INT32_MAX
					     : value < 0 || value > UINT32_MAX)
		return fail(b, -EINVAL);
	err = put_str(b, name, &e[0]);
	if (!err)
		err = bump_vlen(b);
	if (err)
		return fail(b, err);
	e[1] = (uint32_t)value;
	err = put_words(b, e, 2);
	if (err) {
		b->words[b->last + 1]--;
		return fail(b, err);
	}
	return 0;
}

int ubee_btf_add_fwd(struct ubee_btf_builder *b, const char *name, int is_union)
{
	if (b->err)
		return b->err;
	if (!named(name))
		return fail(b, -EINVAL);
	return add_type(b, name, UBEE_BTF_KIND_FWD, is_union, 0, NULL, 0);
}

int ubee_btf_add_typedef(struct ubee_btf_builder *b, const char *name,
			 int type)
{
	if (b->err)
		return b->err;
	if (!named(name) || !ref_ok(type))
		return fail(b, -EINVAL);
	return add_type(b, name, UBEE_BTF_KIND_TYPEDEF, 0, (uint32_t)type, NULL, 0);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * Layout of the result:
 *
 *   0   u16 magic 0xeb9f, u8 version 1, u8 flags 0, u32 hdr_len 24
 *   8   u32 type_off 0, type_len, str_off = type_len, str_len
 *   24  type section (type_len bytes), then the string section
 */
int ubee_btf_builder_finish(const struct ubee_btf_builder *b, void **data,
			    size_t *size)
{
	size_t type_len = b->nwords * 4, total;
	uint8_t *p;

	*data = NULL;
	*size = 0;
	if (b->err)
		return b->err;
	total = BTF_HDR_SIZE + type_len + b->str_len;
	if (total > UBEE_BTF_MAX_SIZE)
		return -E2BIG;
	p = ubee_malloc(total);
	if (!p)
		return -ENOMEM;
	p[0] = (uint8_t)BTF_MAGIC;
	p[1] = (uint8_t)(BTF_MAGIC >> 8);
	p[2] = BTF_VERSION;
	p[3] = 0;
	put_le32(p + 4, BTF_HDR_SIZE);
	put_le32(p + 8, 0);
	put_le32(p + 12, (uint32_t)type_len);
	put_le32(p + 16, (uint32_t)type_len);
	put_le32(p + 20, (uint32_t)b->str_len);
	for (size_t i = 0; i < b->nwords; i++)
		put_le32(p + BTF_HDR_SIZE + 4 * i, b->words[i]);
	memcpy(p + BTF_HDR_SIZE + type_len, b->strs, b->str_len);
	*data = p;
	*size = total;
	return 0;
}
