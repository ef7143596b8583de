/* SPDX-License-Identifier: MIT */
/*
 * Perf event array maps (BPF_MAP_TYPE_PERF_EVENT_ARRAY) in user space: one
 * record ring per slot (slot = CPU index, as the host opens one perf event
 * per CPU), which programs write with bpf_perf_event_output and the host
 * drains with ubee_perf_consume.
 *
 * Slots start closed. User space opens slot i with ubee_map_update(map,
 * &i, &pages, BPF_ANY), pages (u32) being the ring's size in pages, a
 * power of 2 (in the kernel the value is a perf event fd); updating an
 * open slot replaces its ring (unread records are dropped), and
 * ubee_map_delete(map, &i) closes it. Lookup from user space fails with
 * -ENOTSUPP, as in the kernel; get_next_key iterates indices like an array.
 *
 * Records in a ring are the perf layout { u32 type = PERF_RECORD_SAMPLE;
 * u16 misc; u16 size; u32 raw_size; raw data; padding to 8 }, wrapping at
 * the ring's end. Unlike the kernel, raw_size is the exact size the
 * program passed (the kernel pads it), and lost records are counted per
 * slot and reported through lost_fn rather than as in-ring records.
 */
#ifndef UBEE_MAPS_PERF_H
#define UBEE_MAPS_PERF_H

#include <stdint.h>

#include "maps/maps.h"

#define UBEE_PERF_INDEX_MASK 0xffffffffull  /* BPF_F_INDEX_MASK */
#define UBEE_PERF_CURRENT_CPU 0xffffffffull /* BPF_F_CURRENT_CPU */

/*
 * bpf_perf_event_output: append a record of size bytes to the ring of
 * slot flags & UBEE_PERF_INDEX_MASK (UBEE_PERF_CURRENT_CPU: the slot of
 * ubee_map_cpu()). Returns 0, -EINVAL (other flag bits), -E2BIG (slot out
 * of range or record over 64 KiB), -ENOENT (slot closed), -ENOSPC (ring
 * full: the record is counted as lost).
 */
long ubee_perf_event_output(struct ubee_map *m, uint64_t flags,
			    const void *data, uint64_t size);

/* A record: its slot, and the data (valid only during the call). */
typedef int (*ubee_perf_sample_fn)(void *arg, uint32_t cpu, const void *data,
				   uint32_t size);
/* cnt records of slot cpu were dropped because its ring was full. */
typedef void (*ubee_perf_lost_fn)(void *arg, uint32_t cpu, uint64_t cnt);

/*
 * Drain every open slot in index order: its records in order, then its
 * lost count (if non-zero and lost_fn is not NULL). Returns the number of
 * records consumed, a negative value returned by sample_fn (which stops
 * the drain; that record counts as consumed), -EINVAL (not a perf event
 * array, or no sample_fn) or -ENOMEM. Safe while programs write; callbacks
 * run without any lock held.
 */
int ubee_perf_consume(struct ubee_map *m, ubee_perf_sample_fn sample_fn,
		      ubee_perf_lost_fn lost_fn, void *arg);

#endif /* UBEE_MAPS_PERF_H */
