// SPDX-License-Identifier: MIT
/*
 * The value printer: `bpftool map dump` output for a value described by
 * BTF (see include/ubee/btf.h for the format and where it deliberately
 * differs). The writer follows bpftool's json_writer: a separator that is
 * NUL right after an opening bracket or key and ',' after a value, a
 * newline plus 4 spaces per depth before each key and before a closing
 * bracket that follows a value (so pretty arrays end on their own line:
 * "[1,2\n    ]"). The printer recurses on value nesting only (modifiers
 * were resolved at parse time), at most UBEE_BTF_MAX_DUMP_DEPTH deep, and
 * checks every read against the bytes it was given.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf_int.h"
#include "util/util.h"

/* ---- the writer ------------------------------------------------------- */

void ubee_btf_w_init(struct ubee_btf_writer *w, char *buf, size_t size,
		     unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = buf ? size : 0;
	w->flags = flags;
	if (w->size)
		buf[0] = '\0';
}

static void put(struct ubee_btf_writer *w, const char *s, size_t n)
{
	if (w->len < w->size) {
		size_t room = w->size - 1 - w->len;
		size_t take = n < room ? n : room;

		memcpy(w->buf + w->len, s, take);
		w->buf[w->len + take] = '\0';
	}
	w->len += n;
}

static void putc_(struct ubee_btf_writer *w, char c)
{
	put(w, &c, 1);
}

static void eol(struct ubee_btf_writer *w)
{
	if (!(w->flags & UBEE_BTF_DUMP_PRETTY))
		return;
	putc_(w, '\n');
	for (unsigned i = 0; i < w->depth; i++)
		put(w, "    ", 4);
}

/* Before a value or a key: the comma that separates it from the last. */
static void eor(struct ubee_btf_writer *w)
{
	if (w->sep)
		putc_(w, w->sep);
	w->sep = ',';
}

void ubee_btf_w_begin(struct ubee_btf_writer *w, char c)
{
	eor(w);
	putc_(w, c);
	w->depth++;
	w->sep = '\0';
}

void ubee_btf_w_end(struct ubee_btf_writer *w, char c)
{
	if (w->depth)
		w->depth--;
	if (w->sep)
		eol(w);
	putc_(w, c);
	w->sep = ',';
}

/* A JSON string literal: quote, escape '"', '\\' and control bytes. */
static void quoted(struct ubee_btf_writer *w, const char *s)
{
	putc_(w, '"');
	for (; *s; s++) {
		char esc[8];

		switch (*s) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\t': put(w, "\\t", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\f': put(w, "\\f", 2); break;
		case '\b': put(w, "\\b", 2); break;
		default:
			if ((unsigned char)*s < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
				put(w, esc, 6);
			} else {
				putc_(w, *s);
			}
		}
	}
	putc_(w, '"');
}

void ubee_btf_w_name(struct ubee_btf_writer *w, const char *name)
{
	eor(w);
	eol(w);
	w->sep = '\0';
	quoted(w, name);
	putc_(w, ':');
	if (w->flags & UBEE_BTF_DUMP_PRETTY)
		putc_(w, ' ');
}

void ubee_btf_w_printf(struct ubee_btf_writer *w, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	eor(w);
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		put(w, tmp, (size_t)n);
		return;
	}
	/* Rare long value: format straight into the buffer's tail. */
	if (w->len < w->size) {
		va_start(ap, fmt);
		vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
		va_end(ap);
	}
	w->len += (size_t)n;
}

void ubee_btf_w_string(struct ubee_btf_writer *w, const char *s)
{
	eor(w);
	quoted(w, s);
}

/* ---- values ------------------------------------------------------------ */

struct dumper {
	struct ubee_btf_writer *w;
	const struct ubee_btf *b;
	int text; /* UBEE_BTF_DUMP_TEXT */
};

static int do_type(struct dumper *d, uint32_t id, uint32_t bit_off,
		   const uint8_t *p, size_t avail, unsigned depth);

static uint64_t rd_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* A 128-bit value as bpftool prints wide ints and bitfields: hex. */
static void print_hex128(struct dumper *d, uint64_t hi, uint64_t lo)
{
	const char *q = d->text ? "" : "\"";

	if (hi)
		ubee_btf_w_printf(d->w, "%s0x%llx%016llx%s", q,
				  (unsigned long long)hi, (unsigned long long)lo, q);
	else
		ubee_btf_w_printf(d->w, "%s0x%llx%s", q, (unsigned long long)lo, q);
}

/*
 * nbits (1..128) starting bit_off bits into p, little-endian bit order,
 * printed in hex. The caller checked that the bits lie inside avail.
 */
static void print_bits(struct dumper *d, const uint8_t *p, uint32_t bit_off,
		       uint32_t nbits)
{
	uint64_t v[2] = { 0, 0 };

	for (uint32_t i = 0; i < nbits; i++) {
		uint32_t b = bit_off + i;

		if (p[b / 8] >> (b % 8) & 1)
			v[i / 64] |= 1ull << (i % 64);
	}
	print_hex128(d, v[1], v[0]);
}

static int bits_fit(uint32_t bit_off, uint32_t nbits, size_t avail)
{
	return ((uint64_t)bit_off + nbits + 7) / 8 <= avail;
}

static int dump_int(struct dumper *d, const uint32_t *t, uint32_t bit_off,
		    const uint8_t *p, size_t avail)
{
	uint32_t v = t[3], enc = (v >> 24) & 0xf, ioff = (v >> 16) & 0xff;
	uint32_t bits = v & 0xff, size = t[2];
	uint64_t x;

	if (bit_off || ioff ||
	    (bits != 8 && bits != 16 && bits != 32 && bits != 64 && bits != 128)) {
		if (!bits_fit(bit_off + ioff, bits, avail))
			return -EINVAL;
		print_bits(d, p, bit_off + ioff, bits);
		return 0;
	}
	if (size > avail)
		return -EINVAL;
	if (bits == 128) {
		print_hex128(d, rd_le(p + 8, 8), rd_le(p, 8));
		return 0;
	}
	x = rd_le(p, bits / 8);
	switch (enc) {
	case UBEE_BTF_INT_SIGNED: {
		int64_t s = bits == 64 ? (int64_t)x :
			(int64_t)(x ^ 1ull << (bits - 1)) - (int64_t)(1ull << (bits - 1));

		ubee_btf_w_printf(d->w, "%lld", (long long)s);
		return 0;
	}
	case UBEE_BTF_INT_CHAR: {
		char s[2] = { (char)x, 0 };

		if (isprint((unsigned char)s[0]))
			ubee_btf_w_string(d->w, s);
		else if (d->text)
			ubee_btf_w_printf(d->w, "0x%x", (unsigned)(uint8_t)x);
		else
			ubee_btf_w_printf(d->w, "\"\\u00%02x\"", (unsigned)(uint8_t)x);
		return 0;
	}
	case UBEE_BTF_INT_BOOL:
		ubee_btf_w_printf(d->w, "%s", x ? "true" : "false");
		return 0;
	}
	ubee_btf_w_printf(d->w, "%llu", (unsigned long long)x);
	return 0;
}

static int dump_enum(struct dumper *d, const uint32_t *t, const uint8_t *p,
		     size_t avail)
{
	int is64 = btf_kind_of(t) == UBEE_BTF_KIND_ENUM64;
	uint32_t size = t[2], per = is64 ? 3 : 2;
	int sgn = btf_kflag_of(t);
	uint64_t x;

	if (size > avail)
		return -EINVAL;
	x = rd_le(p, size);
	if (sgn && size < 8 && x >> (size * 8 - 1))
		x |= ~0ull << (size * 8); /* sign-extend */
	for (uint32_t i = 0; i < btf_vlen_of(t); i++) {
		const uint32_t *e = t + BTF_TYPE_WORDS + per * i;
		uint64_t ev = is64 ? (uint64_t)e[2] << 32 | e[1] :
			sgn ? (uint64_t)(int64_t)(int32_t)e[1] : e[1];

		if (ev == x) {
			ubee_btf_w_string(d->w, btf_str(d->b, e[0]));
			return 0;
		}
	}
	if (sgn)
		ubee_btf_w_printf(d->w, "%lld", (long long)x);
	else
		ubee_btf_w_printf(d->w, "%llu", (unsigned long long)x);
	return 0;
}

static int dump_float(struct dumper *d, const uint32_t *t, const uint8_t *p,
		      size_t avail)
{
	uint64_t x;

	if (t[2] > avail)
		return -EINVAL;
	if (t[2] == 4) {
		uint32_t u = (uint32_t)rd_le(p, 4);
		float f;

		memcpy(&f, &u, sizeof(f));
		ubee_btf_w_printf(d->w, "%.9g", (double)f);
		return 0;
	}
	if (t[2] == 8) {
		double f;

		x = rd_le(p, 8);
		memcpy(&f, &x, sizeof(f));
		ubee_btf_w_printf(d->w, "%.17g", f);
		return 0;
	}
	ubee_btf_w_printf(d->w, "(unsupported-kind");
	return -EINVAL;
}

/*
 * bpftool's test for a char array to print as a string: elements are
 * 1-byte ints named "char" or with the char encoding (qualifiers looked
 * through, typedefs not), and the bytes are printable up to a NUL.
 */
static int is_string(const struct ubee_btf *b, const uint32_t *arr,
		     const uint8_t *p, size_t avail)
{
	uint32_t elem = arr[3], n = arr[5];
	const uint32_t *e;

	for (unsigned i = 0; elem && btf_is_qualifier(btf_kind(b, elem)); i++) {
		if (i == UBEE_BTF_MAX_QUAL_CHAIN)
			return 0;
		elem = btf_t(b, elem)[2];
	}
	if (!n || !elem || btf_kind(b, elem) != UBEE_BTF_KIND_INT || n > avail)
		return 0;
	e = btf_t(b, elem);
	if (e[2] != 1 || (((e[3] >> 24) & 0xf) != UBEE_BTF_INT_CHAR &&
			  strcmp(btf_str(b, e[0]), "char")))
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!p[i])
			return 1;
		if (p[i] <= 0x1f || p[i] >= 0x7f)
			return 0;
	}
	return 0;
}

static int dump_array(struct dumper *d, const uint32_t *t, const uint8_t *p,
		      size_t avail, unsigned depth)
{
	int64_t esz = d->b->sizes[t[3]];
	int err = 0;

	if (is_string(d->b, t, p, avail)) {
		ubee_btf_w_string(d->w, (const char *)p);
		return 0;
	}
	if (esz < 0 || (uint64_t)esz * t[5] > avail)
		return -EINVAL;
	ubee_btf_w_begin(d->w, '[');
	for (uint32_t i = 0; i < t[5] && !err; i++)
		err = do_type(d, t[3], 0, p + (size_t)esz * i, (size_t)esz,
			      depth + 1);
	ubee_btf_w_end(d->w, ']');
	return err;
}

static int dump_struct(struct dumper *d, const uint32_t *t, const uint8_t *p,
		       size_t avail, unsigned depth)
{
	int err = 0;

	if (t[2] > avail)
		return -EINVAL;
	ubee_btf_w_begin(d->w, '{');
	for (uint32_t i = 0; i < btf_vlen_of(t) && !err; i++) {
		const uint32_t *m = t + BTF_TYPE_WORDS + 3 * i;
		uint32_t off = m[2], bsz = 0;

		if (btf_kflag_of(t)) {
			bsz = m[2] >> 24;
			off &= 0xffffff;
		}
		ubee_btf_w_name(d->w, btf_str(d->b, m[0]));
		if (bsz) {
			if (!bits_fit(off, bsz, t[2]))
				err = -EINVAL;
			else
				print_bits(d, p, off, bsz);
		} else if (off / 8 > t[2]) {
			err = -EINVAL;
		} else {
			err = do_type(d, m[1], off % 8, p + off / 8,
				      t[2] - off / 8, depth + 1);
		}
	}
	ubee_btf_w_end(d->w, '}');
	return err;
}

static int dump_datasec(struct dumper *d, const uint32_t *t, const uint8_t *p,
			size_t avail, unsigned depth)
{
	int err = 0;

	ubee_btf_w_begin(d->w, '{');
	ubee_btf_w_name(d->w, btf_str(d->b, t[0]));
	ubee_btf_w_begin(d->w, '[');
	for (uint32_t i = 0; i < btf_vlen_of(t) && !err; i++) {
		const uint32_t *v = t + BTF_TYPE_WORDS + 3 * i;

		if (v[1] > avail)
			err = -EINVAL;
		else
			err = do_type(d, v[0], 0, p + v[1], avail - v[1],
				      depth + 1);
	}
	ubee_btf_w_end(d->w, ']');
	ubee_btf_w_end(d->w, '}');
	return err;
}

/*
 * Print type id's value at p (bit_off 0..7 bits further for ints in a
 * struct) from avail bytes. Returns 0 or a negative errno.
 */
static int do_type(struct dumper *d, uint32_t id, uint32_t bit_off,
		   const uint8_t *p, size_t avail, unsigned depth)
{
	const uint32_t *t;
	int err;

	if (depth > UBEE_BTF_MAX_DUMP_DEPTH || d->w->len > UBEE_BTF_MAX_DUMP_LEN)
		return -E2BIG;
	id = d->b->resolved[id];
	if (!id) {
		ubee_btf_w_printf(d->w, "(unknown)");
		return 0;
	}
	t = btf_t(d->b, id);
	switch (btf_kind_of(t)) {
	case UBEE_BTF_KIND_INT:
		return dump_int(d, t, bit_off, p, avail);
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
		return dump_enum(d, t, p, avail);
	case UBEE_BTF_KIND_FLOAT:
		return dump_float(d, t, p, avail);
	case UBEE_BTF_KIND_PTR: {
		uint64_t x;

		if (avail < UBEE_BTF_PTR_SIZE)
			return -EINVAL;
		x = rd_le(p, UBEE_BTF_PTR_SIZE);
		if (!d->text)
			ubee_btf_w_printf(d->w, "%llu", (unsigned long long)x);
		else if (x)
			ubee_btf_w_printf(d->w, "0x%llx", (unsigned long long)x);
		else
			ubee_btf_w_printf(d->w, "(nil)"); /* glibc's %p */
		return 0;
	}
	case UBEE_BTF_KIND_ARRAY:
		return dump_array(d, t, p, avail, depth);
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		return dump_struct(d, t, p, avail, depth);
	case UBEE_BTF_KIND_VAR:
		ubee_btf_w_begin(d->w, '{');
		ubee_btf_w_name(d->w, btf_str(d->b, t[0]));
		err = do_type(d, t[2], bit_off, p, avail, depth + 1);
		ubee_btf_w_end(d->w, '}');
		return err;
	case UBEE_BTF_KIND_DATASEC:
		return dump_datasec(d, t, p, avail, depth);
	case UBEE_BTF_KIND_FWD:
		ubee_btf_w_printf(d->w, "(fwd-kind-invalid)");
		return -EINVAL;
	}
	ubee_btf_w_printf(d->w, "(unsupported-kind");
	return -EINVAL;
}

int ubee_btf_dump(struct ubee_btf_writer *w, const struct ubee_btf *btf,
		  uint32_t id, const void *data, size_t size)
{
	struct dumper d = { w, btf, !!(w->flags & UBEE_BTF_DUMP_TEXT) };
	int64_t need = ubee_btf_size(btf, id);

	if (need < 0)
		return (int)need;
	if ((uint64_t)need > size)
		return -EINVAL;
	return do_type(&d, id, 0, data, size, 0);
}

int ubee_btf_dump_entry(struct ubee_btf_writer *w, const struct ubee_btf *btf,
			uint32_t key_id, const void *key, size_t key_size,
			uint32_t value_id, const void *value,
			size_t value_size)
{
	int err = 0;

	ubee_btf_w_begin(w, '{');
	if (key_id) {
		ubee_btf_w_name(w, "key");
		err = ubee_btf_dump(w, btf, key_id, key, key_size);
	}
	if (!err) {
		ubee_btf_w_name(w, "value");
		err = ubee_btf_dump(w, btf, value_id, value, value_size);
	}
	ubee_btf_w_end(w, '}');
	return err;
}

int ubee_btf_snprint(const struct ubee_btf *btf, uint32_t id, const void *data,
		     size_t data_size, unsigned flags, char *buf, size_t size)
{
	struct ubee_btf_writer w;
	int err;

	ubee_btf_w_init(&w, buf, size, flags);
	err = ubee_btf_dump(&w, btf, id, data, data_size);
	if (err)
		return err;
	return w.len > INT32_MAX ? -E2BIG : (int)w.len;
}
