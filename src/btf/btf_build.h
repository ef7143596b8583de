/* SPDX-License-Identifier: MIT */
/*
 * Building BTF in memory: types are added one at a time and numbered from
 * 1 in the order they are added, then the whole is written out in the
 * kernel's binary format (header, type section, string section, little
 * endian), ready for ubee_btf_parse(). ubee uses it to describe its own
 * context types (src/progtypes/ctx_btf.c).
 *
 * Each add returns the new type's id (members and enumerators: 0), or a
 * negative errno: -EINVAL for a bad argument (an empty name where the
 * kind needs one, a member with nothing to attach to, a size an int
 * cannot have), -E2BIG past a BTF limit (UBEE_BTF_MAX_TYPES, 0xffff
 * members, UBEE_BTF_MAX_STR_LEN), -ENOMEM. The first error is kept: every
 * later add returns it and does nothing, and ubee_btf_builder_finish()
 * reports it, so a sequence of adds may be checked once at the end.
 * Type ids given as arguments are ints as the adds return them; a
 * negative one (a failed add) is -EINVAL. Ids of types not added yet are
 * accepted (a struct may point to itself); ubee_btf_parse() of the result
 * checks every reference.
 */
#ifndef UBEE_BTF_BUILD_H
#define UBEE_BTF_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct ubee_btf_builder;

/* A new, empty builder (only void, id 0), or NULL with errno ENOMEM. */
struct ubee_btf_builder *ubee_btf_builder_new(void);
void ubee_btf_builder_free(struct ubee_btf_builder *b);

/* INT of size 1, 2, 4, 8 or 16 bytes, all bits used; encoding is 0 or
 * one of UBEE_BTF_INT_SIGNED, _CHAR, _BOOL. */
int ubee_btf_add_int(struct ubee_btf_builder *b, const char *name,
		     uint32_t size, unsigned encoding);
int ubee_btf_add_ptr(struct ubee_btf_builder *b, int type);
int ubee_btf_add_array(struct ubee_btf_builder *b, int elem, int index_type,
		       uint32_t nelems);
/* STRUCT / UNION of size bytes; name NULL or "" for an anonymous one.
 * Its members are added right after it, with ubee_btf_add_member(). */
int ubee_btf_add_struct(struct ubee_btf_builder *b, const char *name,
			uint32_t size);
int ubee_btf_add_union(struct ubee_btf_builder *b, const char *name,
		       uint32_t size);
/*
 * A member of the struct or union added last (no other type may come in
 * between): name NULL or "" for an anonymous member, its offset in bits,
 * bitfield_size 0 for a whole field. A bitfield switches the struct to
 * kind_flag encoding, where offsets must stay below 1 << 24 bits.
 */
int ubee_btf_add_member(struct ubee_btf_builder *b, const char *name,
			int type, uint32_t bit_offset, uint32_t bitfield_size);
/* ENUM of size 1, 2, 4 or 8 bytes (values are 32-bit); enumerators are
 * added right after it with ubee_btf_add_enum_value(), and must fit in
 * an int32_t (is_signed) or a uint32_t. */
int ubee_btf_add_enum(struct ubee_btf_builder *b, const char *name,
		      uint32_t size, int is_signed);
int ubee_btf_add_enum_value(struct ubee_btf_builder *b, const char *name,
			    int64_t value);
/* FWD of a struct (is_union 0) or union. */
int ubee_btf_add_fwd(struct ubee_btf_builder *b, const char *name,
		     int is_union);
int ubee_btf_add_typedef(struct ubee_btf_builder *b, const char *name,
			 int type);

/*
 * The BTF so far, as one new buffer (*data, *size; free with ubee_free).
 * Returns 0, the first error of the adds, or -ENOMEM. The builder is
 * unchanged and may be extended and written again.
 */
int ubee_btf_builder_finish(const struct ubee_btf_builder *b, void **data,
			    size_t *size);

#endif /* UBEE_BTF_BUILD_H */
