// SPDX-License-Identifier: MIT
/*
 * Ring buffer map (BPF_MAP_TYPE_RINGBUF): many producers (programs on any
 * number of threads) reserve, fill and submit variable-sized records; one
 * consumer reads them in reservation order. The memory layout and the
 * protocol are the kernel's (see ringbuf.h), so a libbpf-style consumer
 * works on ubee_ringbuf_area().
 *
 * Memory: the map's shared region (pinnable, src/pin): [meta page]
 * [consumer page][producer page][data], with the data mapped a second
 * time right after it (a memfd or the pinned file), which keeps every
 * record contiguous even when it wraps, for producers (they write through
 * the sample pointer) and consumers alike. The meta page holds the locks
 * and pending_pos, so producers and consumers may be in different
 * processes.
 *
 * Protocol: a producer takes the spinlock, checks there is room between
 * the consumer position and the oldest record still reserved
 * (pending_pos), writes the record header with the busy bit and publishes
 * the new producer position (release). Submitting clears the busy bit
 * (release), optionally setting the discard bit. The consumer reads the
 * producer position and each header's length (acquire), stops at a busy
 * record, calls back for submitted records and publishes its position
 * (release) after each one, which frees the space for producers.
 *
 * Robustness: both locks are robust (ubee_rlock); every position is
 * published with one store, so a process killed holding one leaves
 * nothing to repair. A producer killed between reserve and submit leaves
 * a busy record carrying its process id (in pg_off): consumers and
 * producers that reach it find the process dead and mark it discarded.
 *
 * Not done: wakeups (BPF_RB_NO_WAKEUP/FORCE_WAKEUP are accepted and have
 * no effect), since no consumer sleeps on a ubee ring buffer yet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maps/maps.h"
#include "maps/ringbuf.h"
#include "util/util.h"

#define RINGBUF_MAX_RECORD (UINT32_MAX / 4)
/* Pages before the data: meta, consumer_pos, producer_pos. */
#define RINGBUF_META_PAGES 1
#define RINGBUF_POS_PAGES 2

/* Shared state, in the region's first page (the kernel's meta page). */
struct ringbuf_shm {
	uint32_t lock;             /* orders reservations (ubee_rlock) */
	uint32_t consume;          /* one consumer at a time (ubee_rlock) */
	uint64_t pending_pos;      /* oldest record maybe still busy */
};

struct ringbuf {
	struct ringbuf_shm *s;
	uint64_t mask;             /* data size - 1 */
	size_t page;
	uint64_t *consumer_pos;
	uint64_t *producer_pos;
	uint8_t *data;
};

struct ringbuf_hdr {
	uint32_t len;
	uint32_t pg_off;
};

static int ringbuf_check(const struct ubee_map_spec *spec,
			 struct ubee_log *log)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t n = spec->max_entries;

	if (spec->map_flags & ~UBEE_F_NUMA_NODE || spec->map_extra) {
		ubee_logf(log, "ringbuf: invalid map_flags 0x%x or map_extra",
			  spec->map_flags);
		return -EINVAL;
	}
	if (spec->key_size || spec->value_size || !n || (n & (n - 1)) ||
	    n % (uint32_t)page) {
		ubee_logf(log, "ringbuf: key_size and value_size must be 0, "
			  "max_entries (%u) a power of 2 multiple of %ld", n,
			  page);
		return -EINVAL;
	}
	return 0;
}

/* The region: meta, consumer and producer pages, then the data. */
static uint64_t ringbuf_shm_size(const struct ubee_map *map)
{
	return (RINGBUF_META_PAGES + RINGBUF_POS_PAGES) *
		       (uint64_t)sysconf(_SC_PAGESIZE) + map->max_entries;
}

/* The data is mapped a second time right after itself. */
static uint64_t ringbuf_shm_mirror(const struct ubee_map *map)
{
	return map->max_entries;
}

/* A file's positions must be in order: consumer <= pending <= producer. */
static int ringbuf_shm_attach(struct ubee_map *map, void *mem, int fresh,
			      struct ubee_log *log)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ringbuf *rb = ubee_calloc(1, sizeof(*rb));
	uint8_t *at = (uint8_t *)mem + RINGBUF_META_PAGES * page;

	if (!rb)
		return -ENOMEM;
	rb->s = mem;
	rb->mask = map->max_entries - 1;
	rb->page = page;
	rb->consumer_pos = (uint64_t *)at;
	rb->producer_pos = (uint64_t *)(at + page);
	rb->data = at + RINGBUF_POS_PAGES * page;
	if (!fresh && (*rb->consumer_pos > *rb->producer_pos ||
		       rb->s->pending_pos > *rb->producer_pos ||
		       *rb->producer_pos - *rb->consumer_pos > rb->mask + 1 ||
		       (*rb->consumer_pos | *rb->producer_pos |
			rb->s->pending_pos) & 7)) {
		ubee_logf(log, "ringbuf: positions out of order (consumer %llu, pending %llu, producer %llu)",
			  (unsigned long long)*rb->consumer_pos,
			  (unsigned long long)rb->s->pending_pos,
			  (unsigned long long)*rb->producer_pos);
		ubee_free(rb);
		return -EINVAL;
	}
	map->priv = rb;
	return 0;
}

static void ringbuf_fini(struct ubee_map *map)
{
	ubee_free(map->priv);
	map->priv = NULL;
}

/*
 * A record still busy whose producer died will never be submitted: mark
 * it discarded so that consumers and producers get past it. 1 when hdr
 * (busy, length hlen) was such a record.
 */
static int ringbuf_reap(struct ringbuf_hdr *hdr, uint32_t hlen)
{
	uint32_t owner = __atomic_load_n(&hdr->pg_off, __ATOMIC_RELAXED);

	if (owner == ubee_lock_self() || ubee_pid_alive(owner))
		return 0;
	return __atomic_compare_exchange_n(
		&hdr->len, &hlen,
		(hlen & ~UBEE_RINGBUF_BUSY_BIT) | UBEE_RINGBUF_DISCARD_BIT, 0,
		__ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* Bytes a record of len sample bytes takes: header + len, 8-aligned. */
static uint64_t ringbuf_rec_size(uint32_t len)
{
	len &= ~(UBEE_RINGBUF_BUSY_BIT | UBEE_RINGBUF_DISCARD_BIT);
	return ((uint64_t)len + UBEE_RINGBUF_HDR_SZ + 7) & ~7ull;
}

void *ubee_ringbuf_reserve(struct ubee_map *m, uint64_t size, uint64_t flags)
{
	struct ringbuf *rb = m->priv;
	uint64_t len, cons, pend, prod;
	struct ringbuf_hdr *hdr;
	uint32_t hlen;

	if (flags || size > RINGBUF_MAX_RECORD)
		return NULL;
	len = ringbuf_rec_size((uint32_t)size);
	if (len > rb->mask + 1)
		return NULL;
	cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
	ubee_rlock(&rb->s->lock);
	pend = rb->s->pending_pos;
	prod = *rb->producer_pos;
	/* Move past records submitted since: their space is the consumer's. */
	while (pend < prod) {
		hdr = (struct ringbuf_hdr *)(rb->data + (pend & rb->mask));
		hlen = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);
		if ((hlen & UBEE_RINGBUF_BUSY_BIT) && !ringbuf_reap(hdr, hlen))
			break;
		pend += ringbuf_rec_size(hlen);
	}
	rb->s->pending_pos = pend;
	/* Room: unconsumed and still-reserved data stay below the ring size. */
	if (prod + len - cons > rb->mask || prod + len - pend > rb->mask) {
		ubee_runlock(&rb->s->lock);
		return NULL;
	}
	/*
	 * pg_off holds the producer's process id (the kernel's page offset
	 * there is only read by its own submit), so a dead producer's
	 * record can be recognised and skipped (ringbuf_reap).
	 */
	hdr = (struct ringbuf_hdr *)(rb->data + (prod & rb->mask));
	hdr->pg_off = ubee_lock_self();
	__atomic_store_n(&hdr->len, (uint32_t)size | UBEE_RINGBUF_BUSY_BIT,
			 __ATOMIC_RELAXED);
	__atomic_store_n(rb->producer_pos, prod + len, __ATOMIC_RELEASE);
	ubee_runlock(&rb->s->lock);
	return hdr + 1;
}

void ubee_ringbuf_commit(void *sample, int discard)
{
	struct ringbuf_hdr *hdr = (struct ringbuf_hdr *)sample - 1;
	uint32_t len = __atomic_load_n(&hdr->len, __ATOMIC_RELAXED);

	len &= ~UBEE_RINGBUF_BUSY_BIT;
	if (discard)
		len |= UBEE_RINGBUF_DISCARD_BIT;
	__atomic_store_n(&hdr->len, len, __ATOMIC_RELEASE);
}

long ubee_ringbuf_output(struct ubee_map *m, const void *data, uint64_t size,
			 uint64_t flags)
{
	void *rec;

	if (flags & ~(UBEE_RB_NO_WAKEUP | UBEE_RB_FORCE_WAKEUP))
		return -EINVAL;
	rec = ubee_ringbuf_reserve(m, size, 0);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	ubee_ringbuf_commit(rec, 0);
	return 0;
}

uint64_t ubee_ringbuf_query(struct ubee_map *m, uint64_t flags)
{
	struct ringbuf *rb = m->priv;
	uint64_t cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);

	switch (flags) {
	case UBEE_RB_AVAIL_DATA:
		return prod - cons;
	case UBEE_RB_RING_SIZE:
		return rb->mask + 1;
	case UBEE_RB_CONS_POS:
		return cons;
	case UBEE_RB_PROD_POS:
		return prod;
	default:
		return 0;
	}
}

void *ubee_ringbuf_area(struct ubee_map *m)
{
	struct ringbuf *rb;

	if (!m || m->type != UBEE_MAP_RINGBUF)
		return NULL;
	rb = m->priv;
	return rb->consumer_pos;
}

/*
 * Consume in order until the ring is empty or the next record is still
 * reserved. Consumers are serialised by a mutex, so fn must not consume
 * this map itself. data is valid only during the call. Records produced
 * while consuming are consumed too, so a producer faster than fn keeps
 * this call going.
 */
int ubee_ringbuf_consume(struct ubee_map *map, ubee_ringbuf_fn fn, void *arg)
{
	struct ringbuf *rb;
	struct ringbuf_hdr *hdr;
	uint64_t cons, prod;
	uint32_t len;
	int cnt = 0, err;

	if (!map || !fn || map->type != UBEE_MAP_RINGBUF)
		return -EINVAL;
	rb = map->priv;
	ubee_rlock(&rb->s->consume);
	cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_RELAXED);
	for (;;) {
		prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		hdr = (struct ringbuf_hdr *)(rb->data + (cons & rb->mask));
		len = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);
		if ((len & UBEE_RINGBUF_BUSY_BIT) &&
		    (!ringbuf_reap(hdr, len) ||
		     !((len = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE)) &
		       UBEE_RINGBUF_DISCARD_BIT)))
			break;
		cons += ringbuf_rec_size(len);
		if (!(len & UBEE_RINGBUF_DISCARD_BIT)) {
			err = fn(arg, hdr + 1, len);
			if (err < 0) {
				cnt = err;
				__atomic_store_n(rb->consumer_pos, cons,
						 __ATOMIC_RELEASE);
				break;
			}
			if (cnt < INT32_MAX)
				cnt++;
		}
		__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
	}
	ubee_runlock(&rb->s->consume);
	return cnt;
}

/* No keyed operation exists on a ring buffer: bpf() says -ENOTSUPP. */
static int ringbuf_sys_lookup(struct ubee_map *map, const void *key,
			      void *value)
{
	return -UBEE_ENOTSUPP;
}

static int ringbuf_sys_update(struct ubee_map *map, const void *key,
			      const void *value, uint64_t flags)
{
	return -UBEE_ENOTSUPP;
}

static long ringbuf_delete(struct ubee_map *map, const void *key)
{
	return -UBEE_ENOTSUPP;
}

static int ringbuf_get_next_key(struct ubee_map *map, const void *key,
				void *next_key)
{
	return -UBEE_ENOTSUPP;
}

const struct ubee_map_ops ubee_ringbuf_ops = {
	.check = ringbuf_check,
	.fini = ringbuf_fini,
	.shm_size = ringbuf_shm_size,
	.shm_attach = ringbuf_shm_attach,
	.shm_mirror = ringbuf_shm_mirror,
	.delete = ringbuf_delete,
	.sys_lookup = ringbuf_sys_lookup,
	.sys_update = ringbuf_sys_update,
	.get_next_key = ringbuf_get_next_key,
};
