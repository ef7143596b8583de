// SPDX-License-Identifier: MIT
/*
 * Perf event array: per-slot record rings written by programs
 * (bpf_perf_event_output) and drained by the host (see perf.h for the
 * interface and record layout).
 *
 * Each slot is a byte ring (power-of-2 size, positions that only grow)
 * behind its own spinlock. Producers copy a record in under the lock; the
 * consumer copies one record out under the lock into a scratch buffer and
 * calls back with the lock released. As every access to a ring's memory
 * holds its slot's lock, replacing or closing a ring from user space
 * frees the old memory safely.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "maps/maps.h"
#include "maps/perf.h"
#include "util/util.h"

/* The kernel refuses the program access flags on fd arrays. */
#define PERF_FLAGS                                                            \
	(UBEE_F_NUMA_NODE | UBEE_F_RDONLY | UBEE_F_WRONLY |                    \
	 UBEE_F_PRESERVE_ELEMS)
#define PERF_RECORD_SAMPLE 9
#define PERF_HDR_SZ 12      /* perf_event_header + u32 raw size */
#define PERF_RECORD_MAX 0xffffu
#define PERF_RING_MAX (1ull << 31)

struct perf_ring {
	uint32_t lock;      /* ubee_spin_lock */
	uint8_t *buf;       /* NULL: slot closed */
	uint64_t size;      /* power of 2 */
	uint64_t head;      /* producer position */
	uint64_t tail;      /* consumer position */
	uint64_t lost;      /* records dropped, not reported yet */
};

struct perf {
	uint32_t n;
	struct perf_ring ring[];
};

static int perf_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	uint32_t f = spec->map_flags;

	if (spec->key_size != 4 || spec->value_size != 4 ||
	    spec->max_entries == 0) {
		ubee_logf(log, "perf_event_array: key_size and value_size must "
			  "be 4, max_entries > 0");
		return -EINVAL;
	}
	if ((f & ~PERF_FLAGS) || spec->map_extra ||
	    !ubee_map_flags_access_ok(f)) {
		ubee_logf(log, "perf_event_array: invalid map_flags 0x%x or "
			  "map_extra", f);
		return -EINVAL;
	}
	return 0;
}

static int perf_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	struct perf *p;

	p = ubee_calloc(1, sizeof(*p) +
				   (size_t)spec->max_entries * sizeof(p->ring[0]));
	if (!p)
		return -ENOMEM;
	p->n = spec->max_entries;
	map->priv = p;
	return 0;
}

static void perf_fini(struct ubee_map *map)
{
	struct perf *p = map->priv;
	uint32_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		ubee_free(p->ring[i].buf);
	ubee_free(p);
	map->priv = NULL;
}

static uint32_t perf_key(const void *key)
{
	uint32_t i;

	memcpy(&i, key, 4);
	return i;
}

/* Install buf (NULL: close) as slot i's ring; returns the old buffer. */
static uint8_t *perf_swap(struct perf_ring *r, uint8_t *buf, uint64_t size)
{
	uint8_t *old;

	ubee_spin_lock(&r->lock);
	old = r->buf;
	r->buf = buf;
	r->size = size;
	r->head = 0;
	r->tail = 0;
	r->lost = 0;
	ubee_spin_unlock(&r->lock);
	return old;
}

/* Open (or reopen) slot *key with a ring of *value pages. */
static int perf_sys_update(struct ubee_map *map, const void *key,
			   const void *value, uint64_t flags)
{
	struct perf *p = map->priv;
	uint32_t i = perf_key(key), pages;
	uint64_t size;
	uint8_t *buf;

	if (flags != UBEE_ANY)
		return -EINVAL;
	if (i >= p->n)
		return -E2BIG;
	memcpy(&pages, value, 4);
	size = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
	if (!pages || (pages & (pages - 1)) || size > PERF_RING_MAX)
		return -EINVAL;
	buf = ubee_malloc(size);
	if (!buf)
		return -ENOMEM;
	ubee_free(perf_swap(&p->ring[i], buf, size));
	return 0;
}

/* Close slot *key: 0, -E2BIG (out of range), -ENOENT (not open). */
static long perf_delete(struct ubee_map *map, const void *key)
{
	struct perf *p = map->priv;
	uint32_t i = perf_key(key);
	uint8_t *old;

	if (i >= p->n)
		return -E2BIG;
	old = perf_swap(&p->ring[i], NULL, 0);
	if (!old)
		return -ENOENT;
	ubee_free(old);
	return 0;
}

static int perf_sys_lookup(struct ubee_map *map, const void *key, void *value)
{
	return -UBEE_ENOTSUPP;
}

/* Array order: 0, 1, ..., max_entries - 1; a bad key restarts at 0. */
static int perf_get_next_key(struct ubee_map *map, const void *key,
			     void *next_key)
{
	struct perf *p = map->priv;
	uint32_t i = key ? perf_key(key) : UINT32_MAX, next;

	if (i >= p->n)
		next = 0;
	else if (i == p->n - 1)
		return -ENOENT;
	else
		next = i + 1;
	memcpy(next_key, &next, 4);
	return 0;
}

/* Copy n bytes to/from ring position pos, wrapping at the end. */
static void perf_put(struct perf_ring *r, uint64_t pos, const void *src,
		     uint64_t n)
{
	uint64_t at = pos & (r->size - 1), first = r->size - at;

	if (first > n)
		first = n;
	memcpy(r->buf + at, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

static void perf_get(const struct perf_ring *r, uint64_t pos, void *dst,
		     uint64_t n)
{
	uint64_t at = pos & (r->size - 1), first = r->size - at;

	if (first > n)
		first = n;
	memcpy(dst, r->buf + at, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
}

long ubee_perf_event_output(struct ubee_map *m, uint64_t flags,
			    const void *data, uint64_t size)
{
	static const uint8_t zero[8];
	struct perf *p = m->priv;
	uint64_t i = flags & UBEE_PERF_INDEX_MASK, rec;
	struct perf_ring *r;
	uint8_t hdr[PERF_HDR_SZ];
	uint32_t type = PERF_RECORD_SAMPLE, raw = (uint32_t)size;
	uint16_t misc = 0, rsize;
	long err = 0;

	if (flags & ~UBEE_PERF_INDEX_MASK)
		return -EINVAL;
	if (i == UBEE_PERF_CURRENT_CPU)
		i = ubee_map_cpu();
	if (i >= p->n || size > PERF_RECORD_MAX)
		return -E2BIG;
	rec = (PERF_HDR_SZ + size + 7) & ~7ull;
	if (rec > PERF_RECORD_MAX)
		return -E2BIG;
	rsize = (uint16_t)rec;
	memcpy(hdr, &type, 4);
	memcpy(hdr + 4, &misc, 2);
	memcpy(hdr + 6, &rsize, 2);
	memcpy(hdr + 8, &raw, 4);
	r = &p->ring[i];
	ubee_spin_lock(&r->lock);
	if (!r->buf) {
		err = -ENOENT;
		goto out;
	}
	if (r->size - (r->head - r->tail) < rec) {
		r->lost++;
		err = -ENOSPC;
		goto out;
	}
	perf_put(r, r->head, hdr, PERF_HDR_SZ);
	perf_put(r, r->head + PERF_HDR_SZ, data, size);
	perf_put(r, r->head + PERF_HDR_SZ + size, zero,
		 rec - PERF_HDR_SZ - size);
	r->head += rec;
out:
	ubee_spin_unlock(&r->lock);
	return err;
}

/*
 * Take slot r's next record into buf (PERF_RECORD_MAX bytes): its raw
 * size, or -1 when there is none; *lost gets the unreported lost count
 * when the ring is empty.
 */
static long perf_take(struct perf_ring *r, uint8_t *buf, uint64_t *lost)
{
	uint16_t rsize;
	uint32_t raw;
	long ret = -1;

	*lost = 0;
	ubee_spin_lock(&r->lock);
	if (!r->buf || r->head == r->tail) {
		*lost = r->lost;
		r->lost = 0;
		goto out;
	}
	perf_get(r, r->tail, buf, PERF_HDR_SZ);
	memcpy(&rsize, buf + 6, 2);
	memcpy(&raw, buf + 8, 4);
	perf_get(r, r->tail + PERF_HDR_SZ, buf, raw);
	r->tail += rsize;
	ret = raw;
out:
	ubee_spin_unlock(&r->lock);
	return ret;
}

int ubee_perf_consume(struct ubee_map *m, ubee_perf_sample_fn sample_fn,
		      ubee_perf_lost_fn lost_fn, void *arg)
{
	struct perf *p;
	uint8_t *buf;
	uint64_t lost;
	uint32_t i;
	long size;
	int cnt = 0, err;

	if (!m || !sample_fn || m->type != UBEE_MAP_PERF_EVENT_ARRAY)
		return -EINVAL;
	p = m->priv;
	buf = ubee_malloc(PERF_RECORD_MAX);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		while ((size = perf_take(&p->ring[i], buf, &lost)) >= 0) {
			err = sample_fn(arg, i, buf, (uint32_t)size);
			if (cnt < INT32_MAX)
				cnt++;
			if (err < 0) {
				cnt = err;
				goto out;
			}
		}
		if (lost && lost_fn)
			lost_fn(arg, i, lost);
	}
out:
	ubee_free(buf);
	return cnt;
}

const struct ubee_map_ops ubee_perf_event_array_ops = {
	.check = perf_check,
	.init = perf_init,
	.fini = perf_fini,
	.delete = perf_delete,
	.sys_lookup = perf_sys_lookup,
	.sys_update = perf_sys_update,
	.get_next_key = perf_get_next_key,
};
