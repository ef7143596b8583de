// SPDX-License-Identifier: MIT
/*
 * Parsing and validation of BTF. The input is untrusted, so it is read
 * only through the cursor and checked in passes, each relying on the
 * previous ones:
 *
 *  1. header: magic, version, flags, hdr_len, section ranges that stay
 *     inside the data and do not overlap, a string section that starts
 *     and ends with NUL (so any offset inside it names a C string);
 *  2. records: the type section is decoded into words and walked; every
 *     kind must be known and its record (with vlen trailing entries) must
 *     fit, which assigns each id its first word;
 *  3. per type: string offsets, referenced ids in range, and each kind's
 *     rules (int encodings, linkage values, FUNC -> FUNC_PROTO, DATASEC
 *     entries are VARs, decl tag component indices);
 *  4. the value graph (a type's edges go to what it contains by value or
 *     merely renames: modifiers, array elements, members, VAR types,
 *     DATASEC variables) is walked depth first without recursion; a back
 *     edge is a cycle (typedef A -> B -> A, a struct holding itself by
 *     value). In post-order each type's size and modifier-free target are
 *     computed from its already finished targets, and members are checked
 *     to lie inside their struct;
 *  5. the pointer graph (pointers and modifiers to their targets) gets the
 *     same walk, so a chain of pointers must end somewhere. A struct with
 *     a pointer to itself has no cycle in either graph.
 *
 * The same file keeps ubee_btf_fixup_datasec(), the one mutation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf_int.h"
#include "util/cursor.h"
#include "util/util.h"

#define BTF_MAGIC_LE 0xeb9f
#define BTF_MAGIC_BE 0x9feb
#define INFO_UNUSED_BITS 0x60ff0000u /* info bits 16-23 and 29-30 */

/* Layout rules of each kind's record: the table that drives pass 2. */
struct kind_desc {
	const char *name;
	uint8_t extra;    /* trailing words after struct btf_type */
	uint8_t per_vlen; /* words per vlen entry */
	uint8_t kflag_ok; /* kind_flag may be set */
	uint8_t vlen_ok;  /* vlen may be non-zero */
};

static const struct kind_desc kinds[UBEE_BTF_KIND_MAX + 1] = {
	[UBEE_BTF_KIND_VOID] = { "UNKN", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_INT] = { "INT", 1, 0, 0, 0 },
	[UBEE_BTF_KIND_PTR] = { "PTR", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_ARRAY] = { "ARRAY", 3, 0, 0, 0 },
	[UBEE_BTF_KIND_STRUCT] = { "STRUCT", 0, 3, 1, 1 },
	[UBEE_BTF_KIND_UNION] = { "UNION", 0, 3, 1, 1 },
	[UBEE_BTF_KIND_ENUM] = { "ENUM", 0, 2, 1, 1 },
	[UBEE_BTF_KIND_FWD] = { "FWD", 0, 0, 1, 0 },
	[UBEE_BTF_KIND_TYPEDEF] = { "TYPEDEF", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_VOLATILE] = { "VOLATILE", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_CONST] = { "CONST", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_RESTRICT] = { "RESTRICT", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_FUNC] = { "FUNC", 0, 0, 0, 1 }, /* vlen: linkage */
	[UBEE_BTF_KIND_FUNC_PROTO] = { "FUNC_PROTO", 0, 2, 0, 1 },
	[UBEE_BTF_KIND_VAR] = { "VAR", 1, 0, 0, 0 },
	[UBEE_BTF_KIND_DATASEC] = { "DATASEC", 0, 3, 0, 1 },
	[UBEE_BTF_KIND_FLOAT] = { "FLOAT", 0, 0, 0, 0 },
	[UBEE_BTF_KIND_DECL_TAG] = { "DECL_TAG", 1, 0, 1, 0 },
	[UBEE_BTF_KIND_TYPE_TAG] = { "TYPE_TAG", 0, 0, 1, 0 },
	[UBEE_BTF_KIND_ENUM64] = { "ENUM64", 0, 3, 1, 1 },
};

const char *ubee_btf_kind_name(int kind)
{
	if (kind < 0 || kind > UBEE_BTF_KIND_MAX)
		return "UNKN";
	return kinds[kind].name;
}

/* ---- messages --------------------------------------------------------- */

/*
 * Log "BTF type [id] KIND 'name' at offset 0x..: <what>" and return
 * -EINVAL. Safe before pass 3: the name is printed only when its offset
 * is inside the string section, and the kind may be unknown.
 */
static int UBEE_PRINTF(4, 5) type_err(const struct ubee_btf *b,
				      struct ubee_log *log, uint32_t id,
				      const char *fmt, ...)
{
	const uint32_t *t = btf_t(b, id);
	uint32_t byte = b->hdr_len + b->type_off + b->off[id] * 4u;
	int kind = btf_kind_of(t);
	char what[512], kname[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (kind >= 1 && kind <= UBEE_BTF_KIND_MAX)
		snprintf(kname, sizeof(kname), "%s", kinds[kind].name);
	else
		snprintf(kname, sizeof(kname), "kind %d", kind);
	ubee_logf(log, "BTF type [%u] %s '%s' at offset 0x%x: %s", id, kname,
		  t[0] < b->str_len ? btf_str(b, t[0]) : "?", byte, what);
	return -EINVAL;
}

/* ---- pass 1: header ---------------------------------------------------- */

static int parse_header(struct ubee_btf *b, const struct ubee_cursor *c,
			struct ubee_cursor *types, struct ubee_cursor *strs,
			struct ubee_log *log)
{
	uint32_t hdr_len = 0, type_off = 0, type_len = 0, str_off = 0, str_len = 0;
	uint16_t magic = 0;
	uint8_t version = 0, flags = 0;
	struct ubee_cursor body;

	if (c->size < BTF_HDR_SIZE) {
		ubee_logf(log, "BTF: %zu bytes are too few for the %u-byte header",
			  c->size, BTF_HDR_SIZE);
		return -EINVAL;
	}
	ubee_cur_le16(c, 0, &magic);
	ubee_cur_read(c, 2, &version, 1);
	ubee_cur_read(c, 3, &flags, 1);
	ubee_cur_le32(c, 4, &hdr_len);
	if (magic == BTF_MAGIC_BE) {
		ubee_logf(log, "BTF: big-endian BTF is not supported");
		return -EINVAL;
	}
	if (magic != BTF_MAGIC_LE) {
		ubee_logf(log, "BTF: bad magic 0x%04x at offset 0 (expected 0x%04x)",
			  magic, BTF_MAGIC_LE);
		return -EINVAL;
	}
	if (version != 1) {
		ubee_logf(log, "BTF: unsupported version %u at offset 2", version);
		return -EINVAL;
	}
	if (flags) {
		ubee_logf(log, "BTF: unsupported flags 0x%x at offset 3", flags);
		return -EINVAL;
	}
	if (hdr_len < BTF_HDR_SIZE || hdr_len > c->size) {
		ubee_logf(log, "BTF: header length %u at offset 4 is not in %u..%zu",
			  hdr_len, BTF_HDR_SIZE, c->size);
		return -EINVAL;
	}
	for (uint32_t i = BTF_HDR_SIZE; i < hdr_len; i++) {
		if (c->base[i]) {
			ubee_logf(log, "BTF: header byte at offset %u is not zero (unknown header field)",
				  i);
			return -EINVAL;
		}
	}
	ubee_cur_le32(c, 8, &type_off);
	ubee_cur_le32(c, 12, &type_len);
	ubee_cur_le32(c, 16, &str_off);
	ubee_cur_le32(c, 20, &str_len);
	ubee_cur_sub(c, hdr_len, c->size - hdr_len, &body);
	if (ubee_cur_sub(&body, type_off, type_len, types)) {
		ubee_logf(log, "BTF: type section (offset %u, length %u) is past the end of the %zu bytes after the header",
			  type_off, type_len, body.size);
		return -EINVAL;
	}
	if (ubee_cur_sub(&body, str_off, str_len, strs)) {
		ubee_logf(log, "BTF: string section (offset %u, length %u) is past the end of the %zu bytes after the header",
			  str_off, str_len, body.size);
		return -EINVAL;
	}
	if (type_len && str_len && (uint64_t)type_off < (uint64_t)str_off + str_len &&
	    (uint64_t)str_off < (uint64_t)type_off + type_len) {
		ubee_logf(log, "BTF: type section [0x%x, 0x%llx) overlaps string section [0x%x, 0x%llx)",
			  type_off, (unsigned long long)type_off + type_len,
			  str_off, (unsigned long long)str_off + str_len);
		return -EINVAL;
	}
	if (type_len % 4) {
		ubee_logf(log, "BTF: type section length %u is not a multiple of 4",
			  type_len);
		return -EINVAL;
	}
	if (str_len > UBEE_BTF_MAX_STR_LEN) {
		ubee_logf(log, "BTF: string section of %u bytes is above the limit of %u",
			  str_len, UBEE_BTF_MAX_STR_LEN);
		return -E2BIG;
	}
	if (!str_len || strs->base[0]) {
		ubee_logf(log, "BTF: string section at offset 0x%x does not start with the empty string",
			  hdr_len + str_off);
		return -EINVAL;
	}
	if (strs->base[str_len - 1]) {
		ubee_logf(log, "BTF: string section is not NUL-terminated (last byte at offset 0x%x)",
			  hdr_len + str_off + str_len - 1);
		return -EINVAL;
	}
	b->hdr_len = hdr_len;
	b->type_off = type_off;
	return 0;
}

/* ---- pass 2: records --------------------------------------------------- */

static int walk_records(struct ubee_btf *b, struct ubee_log *log)
{
	uint32_t pos = 0, n = 1;

	/*
	 * Records start at least BTF_TYPE_WORDS words apart, the last one
	 * possibly cut short: a bound on ids, void included.
	 */
	b->off = ubee_calloc((b->nwords + BTF_TYPE_WORDS - 1) / BTF_TYPE_WORDS + 1,
			     sizeof(*b->off));
	if (!b->off)
		return -ENOMEM;
	while (pos < b->nwords) {
		const uint32_t *t = b->words + pos;
		const struct kind_desc *k;
		uint32_t vlen;
		uint64_t need;
		int kind;

		if (n >= UBEE_BTF_MAX_TYPES) {
			ubee_logf(log, "BTF: more than %u type ids", UBEE_BTF_MAX_TYPES);
			return -E2BIG;
		}
		b->off[n] = pos;
		if (b->nwords - pos < BTF_TYPE_WORDS) {
			ubee_logf(log, "BTF type [%u] at offset 0x%x: the 12-byte record is cut off by the end of the type section",
				  n, b->hdr_len + b->type_off + pos * 4u);
			return -EINVAL;
		}
		kind = btf_kind_of(t);
		vlen = btf_vlen_of(t);
		if (kind == UBEE_BTF_KIND_VOID || kind > UBEE_BTF_KIND_MAX)
			return type_err(b, log, n, "unknown kind %d", kind);
		if (t[1] & INFO_UNUSED_BITS)
			return type_err(b, log, n, "unused info bits are set (info 0x%08x)",
					t[1]);
		k = &kinds[kind];
		if (vlen && !k->vlen_ok)
			return type_err(b, log, n, "vlen %u must be 0", vlen);
		if (btf_kflag_of(t) && !k->kflag_ok)
			return type_err(b, log, n, "kind_flag must be 0");
		need = BTF_TYPE_WORDS + k->extra + (uint64_t)k->per_vlen * vlen;
		if (need > b->nwords - pos)
			return type_err(b, log, n, "the %llu-byte record is cut off by the end of the type section",
					(unsigned long long)need * 4);
		pos += (uint32_t)need;
		n++;
	}
	b->count = n;
	return 0;
}

/* ---- pass 3: each type on its own -------------------------------------- */

static int check_str(const struct ubee_btf *b, struct ubee_log *log,
		     uint32_t id, uint32_t off, const char *what)
{
	if (off < b->str_len)
		return 0;
	return type_err(b, log, id, "%s offset 0x%x is past the string section (%u bytes)",
			what, off, b->str_len);
}

static int check_ref(const struct ubee_btf *b, struct ubee_log *log,
		     uint32_t id, uint32_t ref, const char *what, int void_ok)
{
	if (ref >= b->count)
		return type_err(b, log, id, "%s type id %u is past the last type (%u)",
				what, ref, b->count - 1);
	if (!ref && !void_ok)
		return type_err(b, log, id, "%s type id is 0 (void)", what);
	return 0;
}

static int check_named(const struct ubee_btf *b, struct ubee_log *log,
		       uint32_t id)
{
	if (*btf_name(b, id))
		return 0;
	return type_err(b, log, id, "the name is empty");
}

static int size_in(uint32_t size, const uint32_t *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (size == ok[i])
			return 1;
	return 0;
}

static int check_int(const struct ubee_btf *b, struct ubee_log *log,
		     uint32_t id, const uint32_t *t)
{
	static const uint32_t sizes[] = { 1, 2, 4, 8, 16 };
	uint32_t v = t[3], enc = (v >> 24) & 0xf, off = (v >> 16) & 0xff;
	uint32_t bits = v & 0xff;

	if (!size_in(t[2], sizes, UBEE_ARRAY_SIZE(sizes)))
		return type_err(b, log, id, "int size %u is not 1, 2, 4, 8 or 16", t[2]);
	if (v & 0xf000ff00u)
		return type_err(b, log, id, "int data 0x%08x has unused bits set", v);
	if (!bits || bits > UBEE_BTF_MAX_BITS)
		return type_err(b, log, id, "int width %u is not in 1..%u bits",
				bits, UBEE_BTF_MAX_BITS);
	if (off + bits > t[2] * 8)
		return type_err(b, log, id, "int of %u bits at bit offset %u does not fit in %u bytes",
				bits, off, t[2]);
	if (enc != 0 && enc != UBEE_BTF_INT_SIGNED && enc != UBEE_BTF_INT_CHAR &&
	    enc != UBEE_BTF_INT_BOOL)
		return type_err(b, log, id, "int encoding 0x%x is not one of signed, char, bool",
				enc);
	return 0;
}

static int check_members(const struct ubee_btf *b, struct ubee_log *log,
			 uint32_t id, const uint32_t *t)
{
	int err = 0;

	for (uint32_t i = 0; i < btf_vlen_of(t) && !err; i++) {
		const uint32_t *m = t + BTF_TYPE_WORDS + 3 * i;
		char what[32];

		snprintf(what, sizeof(what), "member %u", i);
		err = check_str(b, log, id, m[0], what);
		if (!err)
			err = check_ref(b, log, id, m[1], what, 0);
		if (!err && btf_kflag_of(t) && (m[2] >> 24) > UBEE_BTF_MAX_BITS)
			err = type_err(b, log, id, "member %u bitfield size %u is above %u",
				       i, m[2] >> 24, UBEE_BTF_MAX_BITS);
	}
	return err;
}

static int check_enum(const struct ubee_btf *b, struct ubee_log *log,
		      uint32_t id, const uint32_t *t, uint32_t per)
{
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	int err = 0;

	if (!size_in(t[2], sizes, UBEE_ARRAY_SIZE(sizes)))
		return type_err(b, log, id, "enum size %u is not 1, 2, 4 or 8", t[2]);
	for (uint32_t i = 0; i < btf_vlen_of(t) && !err; i++)
		err = check_str(b, log, id, t[BTF_TYPE_WORDS + per * i],
				"enumerator name");
	return err;
}

static int check_proto(const struct ubee_btf *b, struct ubee_log *log,
		       uint32_t id, const uint32_t *t)
{
	uint32_t vlen = btf_vlen_of(t);
	int err = check_ref(b, log, id, t[2], "return", 1);

	for (uint32_t i = 0; i < vlen && !err; i++) {
		const uint32_t *p = t + BTF_TYPE_WORDS + 2 * i;

		err = check_str(b, log, id, p[0], "parameter name");
		if (!err)
			err = check_ref(b, log, id, p[1], "parameter", 1);
		/* void only as the last, unnamed one: "..." */
		if (!err && !p[1] && (i + 1 < vlen || p[0]))
			err = type_err(b, log, id, "parameter %u is void", i);
	}
	return err;
}

static int check_datasec(const struct ubee_btf *b, struct ubee_log *log,
			 uint32_t id, const uint32_t *t)
{
	int err = check_named(b, log, id);

	for (uint32_t i = 0; i < btf_vlen_of(t) && !err; i++) {
		const uint32_t *v = t + BTF_TYPE_WORDS + 3 * i;
		int k;

		err = check_ref(b, log, id, v[0], "variable", 0);
		if (err)
			break;
		k = btf_kind(b, v[0]);
		if (k != UBEE_BTF_KIND_VAR && k != UBEE_BTF_KIND_FUNC)
			return type_err(b, log, id, "entry %u (type [%u]) is a %s, not a VAR",
					i, v[0], kinds[k].name);
		if (t[2] && (uint64_t)v[1] + v[2] > t[2])
			return type_err(b, log, id, "variable %u at offset %u with size %u does not fit in %u bytes",
					i, v[1], v[2], t[2]);
	}
	return err;
}

static int check_decl_tag(const struct ubee_btf *b, struct ubee_log *log,
			  uint32_t id, const uint32_t *t)
{
	int32_t idx = (int32_t)t[3];
	uint32_t n;
	int err = check_named(b, log, id);

	if (!err)
		err = check_ref(b, log, id, t[2], "tagged", 0);
	if (err || idx == -1)
		return err;
	if (idx < -1)
		return type_err(b, log, id, "component index %d is below -1", idx);
	switch (btf_kind(b, t[2])) {
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		n = btf_vlen_of(btf_t(b, t[2]));
		break;
	case UBEE_BTF_KIND_FUNC: {
		uint32_t proto = btf_t(b, t[2])[2];

		/* A bad FUNC is reported by its own check. */
		if (proto >= b->count || btf_kind(b, proto) != UBEE_BTF_KIND_FUNC_PROTO)
			return 0;
		n = btf_vlen_of(btf_t(b, proto));
		break;
	}
	default:
		return type_err(b, log, id, "component index %d on a %s", idx,
				kinds[btf_kind(b, t[2])].name);
	}
	if ((uint32_t)idx >= n)
		return type_err(b, log, id, "component index %d is past the %u members or parameters",
				idx, n);
	return 0;
}

static int check_type(const struct ubee_btf *b, struct ubee_log *log,
		      uint32_t id)
{
	static const uint32_t float_sizes[] = { 2, 4, 8, 12, 16 };
	const uint32_t *t = btf_t(b, id);
	int err = check_str(b, log, id, t[0], "name");

	if (err)
		return err;
	switch (btf_kind_of(t)) {
	case UBEE_BTF_KIND_INT:
		return check_int(b, log, id, t);
	case UBEE_BTF_KIND_TYPEDEF:
	case UBEE_BTF_KIND_TYPE_TAG:
		err = check_named(b, log, id);
		/* fall through */
	case UBEE_BTF_KIND_PTR:
	case UBEE_BTF_KIND_VOLATILE:
	case UBEE_BTF_KIND_CONST:
	case UBEE_BTF_KIND_RESTRICT:
		return err ? err : check_ref(b, log, id, t[2], "target", 1);
	case UBEE_BTF_KIND_ARRAY:
		if (t[2])
			return type_err(b, log, id, "size field %u must be 0", t[2]);
		err = check_ref(b, log, id, t[3], "element", 0);
		return err ? err : check_ref(b, log, id, t[4], "index", 1);
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		return check_members(b, log, id, t);
	case UBEE_BTF_KIND_ENUM:
		return check_enum(b, log, id, t, 2);
	case UBEE_BTF_KIND_ENUM64:
		return check_enum(b, log, id, t, 3);
	case UBEE_BTF_KIND_FWD:
		if (t[2])
			return type_err(b, log, id, "type field %u must be 0", t[2]);
		return check_named(b, log, id);
	case UBEE_BTF_KIND_FUNC:
		err = check_named(b, log, id);
		if (!err && btf_vlen_of(t) > 2)
			err = type_err(b, log, id, "linkage %u is not static, global or extern",
				       btf_vlen_of(t));
		if (!err)
			err = check_ref(b, log, id, t[2], "prototype", 0);
		if (!err && btf_kind(b, t[2]) != UBEE_BTF_KIND_FUNC_PROTO)
			err = type_err(b, log, id, "type [%u] is a %s, not a FUNC_PROTO",
				       t[2], kinds[btf_kind(b, t[2])].name);
		return err;
	case UBEE_BTF_KIND_FUNC_PROTO:
		return check_proto(b, log, id, t);
	case UBEE_BTF_KIND_VAR:
		err = check_named(b, log, id);
		if (!err && t[3] > 2)
			err = type_err(b, log, id, "linkage %u is not static, allocated or extern",
				       t[3]);
		return err ? err : check_ref(b, log, id, t[2], "variable", 0);
	case UBEE_BTF_KIND_DATASEC:
		return check_datasec(b, log, id, t);
	case UBEE_BTF_KIND_FLOAT:
		if (!size_in(t[2], float_sizes, UBEE_ARRAY_SIZE(float_sizes)))
			return type_err(b, log, id, "float size %u is not 2, 4, 8, 12 or 16",
					t[2]);
		return 0;
	case UBEE_BTF_KIND_DECL_TAG:
		return check_decl_tag(b, log, id, t);
	}
	return type_err(b, log, id, "unknown kind"); /* pass 2 prevents this */
}

/* ---- passes 4 and 5: graphs -------------------------------------------- */

enum graph {
	G_VALUE, /* contains by value or renames: sizes depend on these */
	G_PTR,   /* pointers and modifiers to their targets */
};

static uint32_t edge_count(const struct ubee_btf *b, uint32_t id, enum graph g)
{
	const uint32_t *t = btf_t(b, id);
	int kind = btf_kind_of(t);

	if (btf_is_modifier(kind))
		return 1;
	if (g == G_PTR)
		return kind == UBEE_BTF_KIND_PTR;
	switch (kind) {
	case UBEE_BTF_KIND_ARRAY:
	case UBEE_BTF_KIND_VAR:
		return 1;
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
	case UBEE_BTF_KIND_DATASEC:
		return btf_vlen_of(t);
	}
	return 0;
}

static uint32_t edge_to(const struct ubee_btf *b, uint32_t id, uint32_t i)
{
	const uint32_t *t = btf_t(b, id);

	switch (btf_kind_of(t)) {
	case UBEE_BTF_KIND_ARRAY:
		return t[3];
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		return t[BTF_TYPE_WORDS + 3 * i + 1];
	case UBEE_BTF_KIND_DATASEC:
		return t[BTF_TYPE_WORDS + 3 * i];
	}
	return t[2]; /* modifiers, PTR, VAR */
}

/* Check that the members of struct/union id (finished targets) fit. */
static int check_layout(const struct ubee_btf *b, struct ubee_log *log,
			uint32_t id, const uint32_t *t)
{
	uint64_t limit = (uint64_t)t[2] * 8;

	for (uint32_t i = 0; i < btf_vlen_of(t); i++) {
		const uint32_t *m = t + BTF_TYPE_WORDS + 3 * i;
		uint32_t off = m[2], bsz = 0, rt = b->resolved[m[1]];
		int64_t msz = b->sizes[m[1]];
		int rk = btf_kind(b, rt);
		uint64_t end;

		if (btf_kflag_of(t)) {
			bsz = m[2] >> 24;
			off = m[2] & 0xffffff;
		}
		if (msz == BTF_NO_SIZE)
			return type_err(b, log, id, "member %u '%s' (type [%u] %s) has no size",
					i, btf_str(b, m[0]), m[1], kinds[rk].name);
		if (bsz) {
			if (rk != UBEE_BTF_KIND_INT && rk != UBEE_BTF_KIND_ENUM &&
			    rk != UBEE_BTF_KIND_ENUM64)
				return type_err(b, log, id, "bitfield member %u '%s' is a %s, not an int or enum",
						i, btf_str(b, m[0]), kinds[rk].name);
			if (bsz > msz * 8)
				return type_err(b, log, id, "bitfield member %u '%s' of %u bits is wider than its %lld-byte type",
						i, btf_str(b, m[0]), bsz, (long long)msz);
			end = (uint64_t)off + bsz;
		} else if (rk == UBEE_BTF_KIND_INT) {
			uint32_t v = btf_t(b, rt)[3];

			end = (uint64_t)off + ((v >> 16) & 0xff) + (v & 0xff);
		} else {
			if (off % 8)
				return type_err(b, log, id, "member %u '%s' at bit offset %u is not byte aligned",
						i, btf_str(b, m[0]), off);
			end = (uint64_t)off + (uint64_t)msz * 8;
		}
		if (end > limit)
			return type_err(b, log, id, "member %u '%s' ends at bit %llu, past the %u-byte %s",
					i, btf_str(b, m[0]), (unsigned long long)end,
					t[2], kinds[btf_kind_of(t)].name);
	}
	return 0;
}

/* Post-order step of the value walk: every edge target is finished. */
static int finish(struct ubee_btf *b, struct ubee_log *log, uint32_t id)
{
	const uint32_t *t = btf_t(b, id);
	int kind = btf_kind_of(t);
	int64_t size = BTF_NO_SIZE;
	uint32_t res = id;

	switch (kind) {
	case UBEE_BTF_KIND_INT:
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
	case UBEE_BTF_KIND_FLOAT:
	case UBEE_BTF_KIND_DATASEC:
		size = t[2];
		break;
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		size = t[2];
		if (check_layout(b, log, id, t))
			return -EINVAL;
		break;
	case UBEE_BTF_KIND_PTR:
		size = UBEE_BTF_PTR_SIZE;
		break;
	case UBEE_BTF_KIND_ARRAY: {
		int64_t esz = b->sizes[t[3]];

		if (esz == BTF_NO_SIZE)
			return type_err(b, log, id, "element type [%u] %s has no size",
					t[3], kinds[btf_kind(b, b->resolved[t[3]])].name);
		if ((uint64_t)esz * t[5] > UINT32_MAX)
			return type_err(b, log, id, "%u elements of %lld bytes are more than 4 GiB",
					t[5], (long long)esz);
		size = esz * t[5];
		break;
	}
	case UBEE_BTF_KIND_VAR:
		size = b->sizes[t[2]];
		break;
	default:
		if (btf_is_modifier(kind)) {
			res = t[2] ? b->resolved[t[2]] : 0;
			size = t[2] ? b->sizes[t[2]] : BTF_NO_SIZE;
		}
		break;
	}
	b->resolved[id] = res;
	b->sizes[id] = size;
	return 0;
}

/*
 * Depth-first walk of graph g from every id, with an explicit stack (the
 * depth can reach the type count). A grey target is a cycle. In G_VALUE
 * each node is finish()ed when its edges are done. Work O(types + edges).
 */
static int walk_graph(struct ubee_btf *b, struct ubee_log *log, enum graph g)
{
	enum { WHITE, GREY, BLACK };
	uint8_t *color = ubee_calloc(b->count, 1);
	uint32_t *stk = ubee_malloc(b->count * sizeof(*stk));
	uint32_t *pos = ubee_malloc(b->count * sizeof(*pos));
	int err = 0;

	if (!color || !stk || !pos) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t root = 1; root < b->count && !err; root++) {
		size_t sp = 0;

		if (color[root])
			continue;
		stk[sp] = root;
		pos[sp++] = 0;
		color[root] = GREY;
		while (sp && !err) {
			uint32_t u = stk[sp - 1], v;

			if (pos[sp - 1] < edge_count(b, u, g)) {
				v = edge_to(b, u, pos[sp - 1]++);
				if (!v || color[v] == BLACK)
					continue;
				if (color[v] == GREY) {
					err = type_err(b, log, v, g == G_VALUE ?
						       "reference cycle: it contains or names itself through type [%u]" :
						       "pointer cycle: the chain of pointers through type [%u] never ends",
						       u);
					break;
				}
				color[v] = GREY;
				stk[sp] = v;
				pos[sp++] = 0;
				continue;
			}
			if (g == G_VALUE)
				err = finish(b, log, u);
			color[u] = BLACK;
			sp--;
		}
	}
out:
	ubee_free(pos);
	ubee_free(stk);
	ubee_free(color);
	return err;
}

/* ---- the whole parse -------------------------------------------------- */

int ubee_btf_parse(const void *data, size_t size, struct ubee_btf **out,
		   struct ubee_log *log)
{
	struct ubee_cursor c = ubee_cursor_init(data, size), types, strs;
	struct ubee_btf *b;
	int err;

	*out = NULL;
	if (size > UBEE_BTF_MAX_SIZE) {
		ubee_logf(log, "BTF: %zu bytes is above the limit of %u", size,
			  UBEE_BTF_MAX_SIZE);
		return -E2BIG;
	}
	b = ubee_calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = parse_header(b, &c, &types, &strs, log);
	if (err)
		goto fail;
	b->str_len = (uint32_t)strs.size;
	b->nwords = (uint32_t)(types.size / 4);
	b->strs = ubee_malloc(b->str_len);
	b->words = ubee_malloc((size_t)b->nwords * 4);
	if (!b->strs || !b->words) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(b->strs, strs.base, b->str_len);
	for (uint32_t i = 0; i < b->nwords; i++)
		b->words[i] = ubee_le32(types.base + 4 * (size_t)i);
	err = walk_records(b, log);
	if (err)
		goto fail;
	for (uint32_t id = 1; id < b->count && !err; id++)
		err = check_type(b, log, id);
	if (err)
		goto fail;
	b->resolved = ubee_calloc(b->count, sizeof(*b->resolved));
	b->sizes = ubee_malloc(b->count * sizeof(*b->sizes));
	if (!b->resolved || !b->sizes) {
		err = -ENOMEM;
		goto fail;
	}
	b->sizes[0] = BTF_NO_SIZE;
	err = walk_graph(b, log, G_VALUE);
	if (!err)
		err = walk_graph(b, log, G_PTR);
	if (!err)
		err = btf_index_names(b);
	if (err)
		goto fail;
	*out = b;
	return 0;
fail:
	ubee_btf_free(b);
	return err;
}

void ubee_btf_free(struct ubee_btf *btf)
{
	if (!btf)
		return;
	ubee_free(btf->hnext);
	ubee_free(btf->hash);
	ubee_free(btf->sizes);
	ubee_free(btf->resolved);
	ubee_free(btf->off);
	ubee_free(btf->words);
	ubee_free(btf->strs);
	ubee_free(btf);
}

/* ---- DATASEC fixup ----------------------------------------------------- */

struct secinfo_sort {
	uint32_t w[3]; /* type, offset, size */
	uint32_t idx;  /* original position: keeps the sort stable */
};

static int cmp_secinfo(const void *a, const void *b)
{
	const struct secinfo_sort *x = a, *y = b;

	if (x->w[1] != y->w[1])
		return x->w[1] < y->w[1] ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ubee_btf_fixup_datasec(struct ubee_btf *btf, const char *sec_name,
			   uint32_t sec_size, ubee_btf_var_offset_fn var_offset,
			   void *arg, struct ubee_log *log)
{
	int id = ubee_btf_find(btf, sec_name, UBEE_BTF_KIND_DATASEC);
	struct secinfo_sort *v = NULL;
	uint32_t *t, vlen;
	int err = 0;

	if (id < 0)
		return id;
	t = btf->words + btf->off[id];
	vlen = btf_vlen_of(t);
	if (t[2] && t[2] != sec_size)
		return type_err(btf, log, (uint32_t)id, "size %u differs from the section's %u bytes",
				t[2], sec_size);
	v = ubee_calloc(vlen, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < vlen; i++) {
		uint32_t *e = t + BTF_TYPE_WORDS + 3 * i;
		const char *name = btf_name(btf, e[0]);
		uint32_t off = 0;

		if (btf_kind(btf, e[0]) != UBEE_BTF_KIND_VAR) {
			err = type_err(btf, log, (uint32_t)id, "entry %u (type [%u]) is not a VAR",
				       i, e[0]);
			goto out;
		}
		err = var_offset(arg, name, &off);
		if (err) {
			ubee_logf(log, "BTF DATASEC '%s': no offset for variable '%s' (%s)",
				  sec_name, name, strerror(-err));
			if (err != -ENOMEM)
				err = -EINVAL;
			goto out;
		}
		if ((uint64_t)off + e[2] > sec_size) {
			err = type_err(btf, log, (uint32_t)id, "variable '%s' at offset %u with size %u does not fit in the section's %u bytes",
				       name, off, e[2], sec_size);
			goto out;
		}
		memcpy(v[i].w, e, sizeof(v[i].w));
		v[i].w[1] = off;
		v[i].idx = i;
	}
	qsort(v, vlen, sizeof(*v), cmp_secinfo);
	for (uint32_t i = 0; i < vlen; i++)
		memcpy(t + BTF_TYPE_WORDS + 3 * i, v[i].w, sizeof(v[i].w));
	t[2] = sec_size;
	btf->sizes[id] = sec_size;
out:
	ubee_free(v);
	return err;
}
