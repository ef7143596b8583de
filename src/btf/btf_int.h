/* SPDX-License-Identifier: MIT */
/*
 * The inside of struct ubee_btf, shared by the files of src/btf. The type
 * section is decoded once into host-order 32-bit words (every BTF record
 * is made of u32/s32 fields), so after ubee_btf_parse() has checked it
 * the accessors below index the words directly:
 *
 *   words[off[id]]      name_off
 *   words[off[id] + 1]  info: vlen bits 0-15, kind bits 24-28, kflag bit 31
 *   words[off[id] + 2]  size or type
 *   words[off[id] + 3]  the kind's trailing records (vlen of them)
 *
 * Everything an accessor reaches was range-checked by the parser.
 */
#ifndef UBEE_BTF_INT_H
#define UBEE_BTF_INT_H

#include <stdint.h>

#include "ubee/btf.h"

#define BTF_HDR_SIZE 24u       /* struct btf_header */
#define BTF_TYPE_WORDS 3u      /* struct btf_type */
#define BTF_NO_SIZE INT64_C(-1)

struct ubee_btf {
	uint32_t *words;    /* type section, host order */
	uint32_t nwords;
	char *strs;         /* string section copy; strs[0] and the last
			     * byte are NUL */
	uint32_t str_len;
	uint32_t count;     /* type ids, void included */
	uint32_t *off;      /* off[id]: first word of type id (off[0] unused) */
	uint32_t *resolved; /* id with typedefs/qualifiers/type tags skipped */
	int64_t *sizes;     /* bytes, or BTF_NO_SIZE */
	uint32_t *hash;     /* name index: bucket heads (ids, 0 = empty) */
	uint32_t *hnext;    /* next id in the same bucket, ascending */
	uint32_t nbuckets;  /* a power of two */
	uint32_t hdr_len;   /* for messages: byte offset of words[0] in the */
	uint32_t type_off;  /* input is hdr_len + type_off */
};

static inline const uint32_t *btf_t(const struct ubee_btf *b, uint32_t id)
{
	return b->words + b->off[id];
}

static inline int btf_kind_of(const uint32_t *t)
{
	return (int)((t[1] >> 24) & 0x1f);
}

static inline uint32_t btf_vlen_of(const uint32_t *t)
{
	return t[1] & 0xffff;
}

static inline int btf_kflag_of(const uint32_t *t)
{
	return (int)(t[1] >> 31);
}

/* Kind of id; id 0 is void. The caller checked id < count. */
static inline int btf_kind(const struct ubee_btf *b, uint32_t id)
{
	return id ? btf_kind_of(btf_t(b, id)) : UBEE_BTF_KIND_VOID;
}

/* A string the parser checked (offset inside, NUL-terminated). */
static inline const char *btf_str(const struct ubee_btf *b, uint32_t off)
{
	return b->strs + off;
}

static inline const char *btf_name(const struct ubee_btf *b, uint32_t id)
{
	return id ? btf_str(b, btf_t(b, id)[0]) : "";
}

/* 1 for the kinds that only decorate their target (skipped by resolve). */
static inline int btf_is_modifier(int kind)
{
	return kind == UBEE_BTF_KIND_TYPEDEF || kind == UBEE_BTF_KIND_VOLATILE ||
	       kind == UBEE_BTF_KIND_CONST || kind == UBEE_BTF_KIND_RESTRICT ||
	       kind == UBEE_BTF_KIND_TYPE_TAG;
}

/* 1 for the qualifiers only (typedefs are not skipped). */
static inline int btf_is_qualifier(int kind)
{
	return kind == UBEE_BTF_KIND_VOLATILE || kind == UBEE_BTF_KIND_CONST ||
	       kind == UBEE_BTF_KIND_RESTRICT || kind == UBEE_BTF_KIND_TYPE_TAG;
}

/* Build the name index (btf_query.c): 0 or -ENOMEM. */
int btf_index_names(struct ubee_btf *b);

#endif /* UBEE_BTF_INT_H */
