/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked reading of untrusted bytes (ELF, BTF, packets, files).
 * A cursor is a borrowed view base[0, size) plus a position for
 * sequential reads. Every access checks its range with ubee_range_ok(),
 * which never computes off + len and so cannot wrap around; values are
 * copied out with memcpy and decoded as little-endian, so the bytes need
 * no alignment. Nothing here allocates or logs: callers turn a failure
 * into a message that says what was being read and where.
 */
#ifndef UBEE_CURSOR_H
#define UBEE_CURSOR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ubee_cursor {
	const uint8_t *base; /* borrowed */
	size_t size;
	size_t pos;          /* next sequential read; always <= size */
};

static inline struct ubee_cursor ubee_cursor_init(const void *base, size_t size)
{
	struct ubee_cursor c = { (const uint8_t *)base, base ? size : 0, 0 };

	return c;
}

/* 1 when [off, off + len) lies inside [0, size), without wraparound. */
static inline int ubee_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Little-endian decoding of bytes already range-checked. */
static inline uint16_t ubee_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ubee_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t ubee_le64(const uint8_t *p)
{
	return (uint64_t)ubee_le32(p) | (uint64_t)ubee_le32(p + 4) << 32;
}

/* A pointer to len bytes at off, or NULL when they are not all inside. */
static inline const uint8_t *ubee_cur_at(const struct ubee_cursor *c,
					 uint64_t off, uint64_t len)
{
	return ubee_range_ok(off, len, c->size) ? c->base + off : NULL;
}

/* Copy len bytes at off into dst: 0, or -EINVAL when out of range. */
static inline int ubee_cur_read(const struct ubee_cursor *c, uint64_t off,
				void *dst, size_t len)
{
	const uint8_t *p = ubee_cur_at(c, off, len);

	if (!p)
		return -EINVAL;
	if (len)
		memcpy(dst, p, len);
	return 0;
}

static inline int ubee_cur_le16(const struct ubee_cursor *c, uint64_t off,
				uint16_t *v)
{
	const uint8_t *p = ubee_cur_at(c, off, 2);

	if (!p)
		return -EINVAL;
	*v = ubee_le16(p);
	return 0;
}

static inline int ubee_cur_le32(const struct ubee_cursor *c, uint64_t off,
				uint32_t *v)
{
	const uint8_t *p = ubee_cur_at(c, off, 4);

	if (!p)
		return -EINVAL;
	*v = ubee_le32(p);
	return 0;
}

static inline int ubee_cur_le64(const struct ubee_cursor *c, uint64_t off,
				uint64_t *v)
{
	const uint8_t *p = ubee_cur_at(c, off, 8);

	if (!p)
		return -EINVAL;
	*v = ubee_le64(p);
	return 0;
}

/* A cursor over [off, off + len) of c: 0, or -EINVAL when out of range. */
static inline int ubee_cur_sub(const struct ubee_cursor *c, uint64_t off,
			       uint64_t len, struct ubee_cursor *sub)
{
	const uint8_t *p = ubee_cur_at(c, off, len);

	if (!p)
		return -EINVAL;
	*sub = ubee_cursor_init(p, (size_t)len);
	return 0;
}

/*
 * The NUL-terminated string starting at off, or NULL when off is outside
 * the cursor or no NUL follows before its end. Work: O(size - off).
 */
static inline const char *ubee_cur_str(const struct ubee_cursor *c,
				       uint64_t off)
{
	if (off >= c->size)
		return NULL;
	if (!memchr(c->base + off, 0, c->size - (size_t)off))
		return NULL;
	return (const char *)(c->base + off);
}

/* Sequential read: copy len bytes at pos and advance; -EINVAL at the end
 * (pos is then unchanged). */
static inline int ubee_cur_take(struct ubee_cursor *c, void *dst, size_t len)
{
	int err = ubee_cur_read(c, c->pos, dst, len);

	if (!err)
		c->pos += len;
	return err;
}

/* Bytes left after pos. */
static inline size_t ubee_cur_left(const struct ubee_cursor *c)
{
	return c->size - c->pos;
}

#endif /* UBEE_CURSOR_H */
