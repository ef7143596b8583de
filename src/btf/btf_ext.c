// SPDX-License-Identifier: MIT
/*
 * .BTF.ext: the per-instruction side tables clang writes next to .BTF.
 * After a header like BTF's (magic, version 1, flags 0, hdr_len, then
 * offset/length pairs relative to the header's end) come up to three
 * parts, each laid out the same way:
 *
 *   u32 rec_size
 *   repeated: u32 sec_name_off, u32 num_info, num_info * rec_size bytes
 *
 *   func info  (rec >= 8):  insn_off, type_id (a FUNC)
 *   line info  (rec >= 16): insn_off, file_name_off, line_off,
 *                           line_col (line << 10 | column)
 *   CO-RE      (rec >= 16): insn_off, type_id, access_str_off, kind
 *
 * (the CO-RE pair exists when hdr_len >= 32). Records larger than the
 * known size keep their known prefix, as libbpf does. insn_off is a byte
 * offset into the code section. Everything is decoded into arrays of
 * four words per record, after checking strings against the BTF's string
 * table and type ids against its types.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf_int.h"
#include "util/cursor.h"
#include "util/util.h"

#define EXT_HDR_MIN 24u  /* up to line_info_len */
#define EXT_HDR_CORE 32u /* with core_relo_off/len */
#define REC_WORDS 4u

struct ext_sec {
	const char *name; /* in the BTF's string table */
	size_t first;     /* index of its first record */
	size_t count;
};

struct ext_part {
	struct ext_sec *secs;
	size_t nsecs;
	uint32_t *recs;   /* REC_WORDS per record */
	size_t nrecs;
};

struct ubee_btf_ext {
	const struct ubee_btf *btf; /* borrowed */
	struct ext_part part[3];    /* by enum ubee_btf_ext_kind */
};

static const char *const part_name[3] = { "func info", "line info",
					   "CO-RE relocation" };
static const uint32_t min_rec[3] = { 8, 16, 16 };

static const char *const core_names[UBEE_CORE_KIND_MAX + 1] = {
	[UBEE_CORE_FIELD_BYTE_OFFSET] = "byte_off",
	[UBEE_CORE_FIELD_BYTE_SIZE] = "byte_sz",
	[UBEE_CORE_FIELD_EXISTS] = "field_exists",
	[UBEE_CORE_FIELD_SIGNED] = "signed",
	[UBEE_CORE_FIELD_LSHIFT_U64] = "lshift_u64",
	[UBEE_CORE_FIELD_RSHIFT_U64] = "rshift_u64",
	[UBEE_CORE_TYPE_ID_LOCAL] = "local_type_id",
	[UBEE_CORE_TYPE_ID_TARGET] = "target_type_id",
	[UBEE_CORE_TYPE_EXISTS] = "type_exists",
	[UBEE_CORE_TYPE_SIZE] = "type_size",
	[UBEE_CORE_ENUMVAL_EXISTS] = "enumval_exists",
	[UBEE_CORE_ENUMVAL_VALUE] = "enumval_value",
	[UBEE_CORE_TYPE_MATCHES] = "type_matches",
};

const char *ubee_core_kind_name(int kind)
{
	if (kind < 0 || kind > UBEE_CORE_KIND_MAX)
		return "unknown";
	return core_names[kind];
}

/* A checked string of the BTF, or NULL (empty strings too when !empty_ok). */
static const char *ext_str(const struct ubee_btf *b, uint32_t off, int empty_ok)
{
	if (off >= b->str_len || (!empty_ok && !b->strs[off]))
		return NULL;
	return btf_str(b, off);
}

/*
 * Check record r (kind k, at byte `at` of .BTF.ext) and store its words.
 * Returns 0 or -EINVAL after logging.
 */
static int check_rec(const struct ubee_btf *b, enum ubee_btf_ext_kind k,
		     const uint8_t *r, uint32_t *out, size_t at,
		     struct ubee_log *log)
{
	const char *what = part_name[k];

	for (unsigned i = 0; i < REC_WORDS; i++)
		out[i] = i * 4 < min_rec[k] ? ubee_le32(r + 4 * i) : 0;
	if (out[0] % 8) {
		ubee_logf(log, "BTF.ext: %s at offset 0x%zx: instruction offset %u is not a multiple of 8",
			  what, at, out[0]);
		return -EINVAL;
	}
	switch (k) {
	case UBEE_BTF_EXT_FUNC:
		if (out[1] >= b->count || btf_kind(b, out[1]) != UBEE_BTF_KIND_FUNC) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: type id %u is not a FUNC",
				  what, at, out[1]);
			return -EINVAL;
		}
		break;
	case UBEE_BTF_EXT_LINE:
		if (!ext_str(b, out[1], 1) || !ext_str(b, out[2], 1)) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: file name 0x%x or line 0x%x is past the string section (%u bytes)",
				  what, at, out[1], out[2], b->str_len);
			return -EINVAL;
		}
		break;
	case UBEE_BTF_EXT_CORE:
		if (!out[1] || out[1] >= b->count) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: type id %u is not a type (1..%u)",
				  what, at, out[1], b->count - 1);
			return -EINVAL;
		}
		if (!ext_str(b, out[2], 0)) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: access string offset 0x%x is empty or past the string section",
				  what, at, out[2]);
			return -EINVAL;
		}
		if (out[3] > UBEE_CORE_KIND_MAX) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: unknown kind %u",
				  what, at, out[3]);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

/*
 * Walk part k at [off, off + len) of the data after the header (which
 * starts at byte base of .BTF.ext): first to count and range-check the
 * section headers, then to decode. Work O(len).
 */
static int parse_part(struct ubee_btf_ext *ext, enum ubee_btf_ext_kind k,
		      const struct ubee_cursor *body, uint32_t off,
		      uint32_t len, size_t base, struct ubee_log *log)
{
	struct ext_part *p = &ext->part[k];
	const struct ubee_btf *b = ext->btf;
	struct ubee_cursor c;
	uint32_t rec_size, name_off, num;
	size_t pos, nsecs = 0, nrecs = 0, s = 0, r = 0;
	int err = 0;

	if (!len)
		return 0;
	if (ubee_cur_sub(body, off, len, &c)) {
		ubee_logf(log, "BTF.ext: %s (offset %u, length %u) is past the end of the %zu bytes after the header",
			  part_name[k], off, len, body->size);
		return -EINVAL;
	}
	base += off;
	if (ubee_cur_le32(&c, 0, &rec_size) || rec_size < min_rec[k] ||
	    rec_size % 4) {
		ubee_logf(log, "BTF.ext: %s at offset 0x%zx: record size %u is below %u or not a multiple of 4",
			  part_name[k], base, len < 4 ? 0 : rec_size, min_rec[k]);
		return -EINVAL;
	}
	for (pos = 4; pos < len; pos += 8 + (size_t)num * rec_size) {
		if (ubee_cur_le32(&c, pos, &name_off) ||
		    ubee_cur_le32(&c, pos + 4, &num)) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: section header is cut off",
				  part_name[k], base + pos);
			return -EINVAL;
		}
		if (!ext_str(b, name_off, 0)) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: section name offset 0x%x is empty or past the string section",
				  part_name[k], base + pos, name_off);
			return -EINVAL;
		}
		if (!num || !ubee_range_ok(pos + 8, (uint64_t)num * rec_size, len)) {
			ubee_logf(log, "BTF.ext: %s at offset 0x%zx: section '%s' has %u records of %u bytes, %s",
				  part_name[k], base + pos, btf_str(b, name_off),
				  num, rec_size, num ? "past the end" : "none");
			return -EINVAL;
		}
		nsecs++;
		nrecs += num;
	}
	p->secs = ubee_calloc(nsecs, sizeof(*p->secs));
	p->recs = ubee_calloc(nrecs, REC_WORDS * sizeof(*p->recs));
	if (!p->secs || !p->recs)
		return -ENOMEM;
	for (pos = 4; pos < len && !err; pos += 8 + (size_t)num * rec_size, s++) {
		ubee_cur_le32(&c, pos, &name_off);
		ubee_cur_le32(&c, pos + 4, &num);
		p->secs[s].name = btf_str(b, name_off);
		p->secs[s].first = r;
		p->secs[s].count = num;
		for (uint32_t i = 0; i < num && !err; i++, r++) {
			size_t at = pos + 8 + (size_t)i * rec_size;

			err = check_rec(b, k, c.base + at, p->recs + REC_WORDS * r,
					base + at, log);
		}
	}
	p->nsecs = nsecs;
	p->nrecs = nrecs;
	return err;
}

int ubee_btf_ext_parse(const void *data, size_t size,
		       const struct ubee_btf *btf, struct ubee_btf_ext **out,
		       struct ubee_log *log)
{
	struct ubee_cursor c = ubee_cursor_init(data, size), body;
	uint32_t hdr_len = 0, w[6] = { 0 };
	struct ubee_btf_ext *ext;
	uint16_t magic = 0;
	uint8_t version = 0, flags = 0;
	int err;

	*out = NULL;
	if (size > UBEE_BTF_MAX_SIZE) {
		ubee_logf(log, "BTF.ext: %zu bytes is above the limit of %u", size,
			  UBEE_BTF_MAX_SIZE);
		return -E2BIG;
	}
	if (size < EXT_HDR_MIN) {
		ubee_logf(log, "BTF.ext: %zu bytes are too few for the %u-byte header",
			  size, EXT_HDR_MIN);
		return -EINVAL;
	}
	ubee_cur_le16(&c, 0, &magic);
	ubee_cur_read(&c, 2, &version, 1);
	ubee_cur_read(&c, 3, &flags, 1);
	ubee_cur_le32(&c, 4, &hdr_len);
	if (magic != 0xeb9f || version != 1 || flags) {
		ubee_logf(log, "BTF.ext: bad magic 0x%04x, version %u or flags 0x%x at offset 0 (expected 0xeb9f, 1, 0)",
			  magic, version, flags);
		return -EINVAL;
	}
	if (hdr_len < EXT_HDR_MIN || hdr_len > size) {
		ubee_logf(log, "BTF.ext: header length %u at offset 4 is not in %u..%zu",
			  hdr_len, EXT_HDR_MIN, size);
		return -EINVAL;
	}
	for (unsigned i = 0; i < 6 && 8 + 4 * i < hdr_len && 8 + 4 * i < EXT_HDR_CORE; i++)
		ubee_cur_le32(&c, 8 + 4 * i, &w[i]);
	ubee_cur_sub(&c, hdr_len, size - hdr_len, &body);
	ext = ubee_calloc(1, sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	ext->btf = btf;
	err = parse_part(ext, UBEE_BTF_EXT_FUNC, &body, w[0], w[1], hdr_len, log);
	if (!err)
		err = parse_part(ext, UBEE_BTF_EXT_LINE, &body, w[2], w[3], hdr_len, log);
	if (!err && hdr_len >= EXT_HDR_CORE)
		err = parse_part(ext, UBEE_BTF_EXT_CORE, &body, w[4], w[5], hdr_len, log);
	if (err) {
		ubee_btf_ext_free(ext);
		return err;
	}
	*out = ext;
	return 0;
}

void ubee_btf_ext_free(struct ubee_btf_ext *ext)
{
	if (!ext)
		return;
	for (unsigned k = 0; k < 3; k++) {
		ubee_free(ext->part[k].recs);
		ubee_free(ext->part[k].secs);
	}
	ubee_free(ext);
}

/* ---- iteration --------------------------------------------------------- */

size_t ubee_btf_ext_sec_count(const struct ubee_btf_ext *ext,
			      enum ubee_btf_ext_kind kind)
{
	return (unsigned)kind < 3 ? ext->part[kind].nsecs : 0;
}

int ubee_btf_ext_sec(const struct ubee_btf_ext *ext,
		     enum ubee_btf_ext_kind kind, size_t i, const char **name,
		     size_t *nrecs)
{
	if ((unsigned)kind >= 3 || i >= ext->part[kind].nsecs)
		return -ENOENT;
	*name = ext->part[kind].secs[i].name;
	*nrecs = ext->part[kind].secs[i].count;
	return 0;
}

int ubee_btf_ext_find_sec(const struct ubee_btf_ext *ext,
			  enum ubee_btf_ext_kind kind, const char *name)
{
	for (size_t i = 0; i < ubee_btf_ext_sec_count(ext, kind); i++)
		if (!strcmp(ext->part[kind].secs[i].name, name))
			return (int)i;
	return -ENOENT;
}

/* Words of record j of section sec in part k, or NULL. */
static const uint32_t *rec(const struct ubee_btf_ext *ext,
			   enum ubee_btf_ext_kind k, size_t sec, size_t j)
{
	const struct ext_part *p = &ext->part[k];

	if (sec >= p->nsecs || j >= p->secs[sec].count)
		return NULL;
	return p->recs + REC_WORDS * (p->secs[sec].first + j);
}

int ubee_btf_ext_func(const struct ubee_btf_ext *ext, size_t sec, size_t j,
		      struct ubee_btf_func_info *out)
{
	const uint32_t *r = rec(ext, UBEE_BTF_EXT_FUNC, sec, j);

	if (!r)
		return -ENOENT;
	out->insn_off = r[0];
	out->type_id = r[1];
	return 0;
}

int ubee_btf_ext_line(const struct ubee_btf_ext *ext, size_t sec, size_t j,
		      struct ubee_btf_line_info *out)
{
	const uint32_t *r = rec(ext, UBEE_BTF_EXT_LINE, sec, j);

	if (!r)
		return -ENOENT;
	out->insn_off = r[0];
	out->file = btf_str(ext->btf, r[1]);
	out->line = btf_str(ext->btf, r[2]);
	out->line_num = r[3] >> 10;
	out->col = r[3] & 0x3ff;
	return 0;
}

int ubee_btf_ext_core(const struct ubee_btf_ext *ext, size_t sec, size_t j,
		      struct ubee_btf_core_relo *out)
{
	const uint32_t *r = rec(ext, UBEE_BTF_EXT_CORE, sec, j);

	if (!r)
		return -ENOENT;
	out->insn_off = r[0];
	out->type_id = r[1];
	out->access = btf_str(ext->btf, r[2]);
	out->kind = r[3];
	return 0;
}

int ubee_core_access_parse(const char *s, uint32_t *idx, size_t max)
{
	size_t n = 0;

	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		uint64_t v = 0;

		if (*s < '0' || *s > '9' || n == max)
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				return -EINVAL;
		}
		idx[n++] = (uint32_t)v;
		if (!*s)
			return (int)n;
		if (*s++ != ':')
			return -EINVAL;
	}
}
