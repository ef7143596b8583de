/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer maps (BPF_MAP_TYPE_RINGBUF), the program side used by the
 * helpers bpf_ringbuf_reserve/submit/discard/output/query. The user side
 * is ubee_ringbuf_consume in include/ubee/map.h.
 *
 * Memory is the kernel's, so a libbpf-style consumer can read it directly
 * (ubee_ringbuf_area gives what mmap() of a kernel ring buffer's fd gives):
 *
 *   area + 0          u64 consumer_pos   (page; written by the consumer)
 *   area + page       u64 producer_pos   (page; written by producers)
 *   area + 2 * page   data[size], then the same data mapped again, so a
 *                     record that wraps past the end reads contiguously
 *
 * A record at data + (pos & (size - 1)) is an 8-byte header, { u32 len;
 * u32 pg_off; }, then len bytes of sample, padded to 8. len carries
 * UBEE_RINGBUF_BUSY_BIT until the record is submitted and
 * UBEE_RINGBUF_DISCARD_BIT when it was discarded; pg_off is the header's
 * page offset from the ring's start (a metadata page precedes the
 * consumer page, as in the kernel). Positions only grow.
 */
#ifndef UBEE_MAPS_RINGBUF_H
#define UBEE_MAPS_RINGBUF_H

#include <stdint.h>

#include "maps/maps.h"

#define UBEE_RINGBUF_BUSY_BIT (1u << 31)
#define UBEE_RINGBUF_DISCARD_BIT (1u << 30)
#define UBEE_RINGBUF_HDR_SZ 8

/* Flags of output/submit/discard, and what query reports (BPF_RB_*). */
#define UBEE_RB_NO_WAKEUP (1ull << 0)
#define UBEE_RB_FORCE_WAKEUP (1ull << 1)
#define UBEE_RB_AVAIL_DATA 0
#define UBEE_RB_RING_SIZE 1
#define UBEE_RB_CONS_POS 2
#define UBEE_RB_PROD_POS 3

/*
 * Reserve size bytes for a record (bpf_ringbuf_reserve): a pointer to the
 * 8-byte aligned sample, which the caller must hand to ubee_ringbuf_commit
 * exactly once; NULL when flags is not 0, size is too big or the ring has
 * no room. Safe from any number of threads (a spinlock orders reservations).
 */
void *ubee_ringbuf_reserve(struct ubee_map *m, uint64_t size, uint64_t flags);

/*
 * Submit (discard 0) or discard a reserved sample: the consumer sees it,
 * or skips it. Records become visible in reservation order: a consumer
 * stops at the first record still reserved.
 */
void ubee_ringbuf_commit(void *sample, int discard);

/*
 * Copy size bytes into a new record (bpf_ringbuf_output): 0, -EINVAL for
 * flags other than UBEE_RB_NO_WAKEUP/UBEE_RB_FORCE_WAKEUP, -EAGAIN when
 * there is no room.
 */
long ubee_ringbuf_output(struct ubee_map *m, const void *data, uint64_t size,
			 uint64_t flags);

/* bpf_ringbuf_query: one of UBEE_RB_AVAIL_DATA..UBEE_RB_PROD_POS, else 0. */
uint64_t ubee_ringbuf_query(struct ubee_map *m, uint64_t flags);

/* The consumer page (see the layout above); NULL for another map type. */
void *ubee_ringbuf_area(struct ubee_map *m);

#endif /* UBEE_MAPS_RINGBUF_H */
