// SPDX-License-Identifier: MIT
/*
 * Output channels from programs to user space: ring buffers
 * (bpf_ringbuf_output/reserve/submit/discard/query) and perf event
 * arrays (bpf_perf_event_output), over maps/ringbuf.h and maps/perf.h.
 *
 * Checked runs keep a list of the records they reserved: a submit or
 * discard must name one of them, a reserved record becomes accessible to
 * the program, and records still reserved when the run ends are
 * discarded (so consumers never wait on them) and reported (vm/run.c).
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/perf.h"
#include "maps/ringbuf.h"
#include "progtypes/pkt.h"
#include "util/util.h"
#include "vm/vm.h"

#define MAP(m) ((struct ubee_map *)(uintptr_t)(m))

/* A map argument of the wrong type: only unverified code gets here. */
static int wrong_type(struct ubee_map *map, uint32_t type, const char *helper)
{
	struct ubee_run *run;

	if (map->type == type)
		return 0;
	run = ubee_run_current();
	if (run && run->checked)
		ubee_vm_fail(run, -EINVAL, "%s: map %s has the wrong type", helper,
			     map->name);
	return 1;
}

/* bpf_ringbuf_output(ringbuf, data, size, flags): 0 or -errno. */
uint64_t ubee_bpf_ringbuf_output(uint64_t m, uint64_t data, uint64_t size,
				 uint64_t flags, uint64_t r5)
{
	if (wrong_type(MAP(m), UBEE_MAP_RINGBUF, "bpf_ringbuf_output"))
		return (uint64_t)-EINVAL;
	return (uint64_t)ubee_ringbuf_output(MAP(m), (const void *)(uintptr_t)data,
					     size, flags);
}

/* bpf_ringbuf_reserve(ringbuf, size, flags): the record, or NULL. */
uint64_t ubee_bpf_ringbuf_reserve(uint64_t m, uint64_t size, uint64_t flags,
				  uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();
	void *rec;

	if (wrong_type(MAP(m), UBEE_MAP_RINGBUF, "bpf_ringbuf_reserve"))
		return 0;
	rec = ubee_ringbuf_reserve(MAP(m), size, flags);
	if (!rec || !run || !run->checked)
		return (uintptr_t)rec;
	if (ubee_vm_ringbuf_track(run, rec) ||
	    ubee_run_allow(run, rec, (size_t)size, 1)) {
		ubee_ringbuf_commit(rec, 1);
		ubee_vm_fail(run, -ENOMEM,
			     "bpf_ringbuf_reserve: cannot record the record for checks");
		return 0;
	}
	return (uintptr_t)rec;
}

/* Submit or discard: checked runs only take records they reserved. */
static void commit(uint64_t rec, int discard, const char *helper)
{
	struct ubee_run *run = ubee_run_current();
	void *p = (void *)(uintptr_t)rec;

	if (run && run->checked && ubee_vm_ringbuf_untrack(run, p)) {
		ubee_vm_fail(run, -EINVAL, "%s: %p is not a record this run reserved",
			     helper, p);
		return;
	}
	ubee_ringbuf_commit(p, discard);
}

uint64_t ubee_bpf_ringbuf_submit(uint64_t rec, uint64_t flags, uint64_t r3,
				 uint64_t r4, uint64_t r5)
{
	commit(rec, 0, "bpf_ringbuf_submit");
	return 0;
}

uint64_t ubee_bpf_ringbuf_discard(uint64_t rec, uint64_t flags, uint64_t r3,
				  uint64_t r4, uint64_t r5)
{
	commit(rec, 1, "bpf_ringbuf_discard");
	return 0;
}

/* bpf_ringbuf_query(ringbuf, flags): BPF_RB_AVAIL_DATA etc., else 0. */
uint64_t ubee_bpf_ringbuf_query(uint64_t m, uint64_t flags, uint64_t r3,
				uint64_t r4, uint64_t r5)
{
	if (wrong_type(MAP(m), UBEE_MAP_RINGBUF, "bpf_ringbuf_query"))
		return 0;
	return ubee_ringbuf_query(MAP(m), flags);
}

/* BPF_F_CTXLEN_MASK: for packet programs, packet bytes to append. */
#define CTXLEN_MASK (0xfffffull << 32)

/*
 * bpf_perf_event_output(ctx, map, flags, data, size): a record of data to
 * the slot flags selects. Packet programs (xdp, socket_filter, tc) may
 * append the first (flags & BPF_F_CTXLEN_MASK) >> 32 bytes of the packet
 * (-EFAULT when it is shorter). Returns 0 or the kernel's -errno.
 */
uint64_t ubee_bpf_perf_event_output(uint64_t ctx, uint64_t m, uint64_t flags,
				    uint64_t data, uint64_t size)
{
	struct ubee_run *run = ubee_run_current();
	struct ubee_pkt *pkt = ubee_pkt_of_run();
	uint64_t ctxlen = (flags & CTXLEN_MASK) >> 32;
	const void *payload;
	size_t have;
	uint8_t *buf;
	long err;

	if (wrong_type(MAP(m), UBEE_MAP_PERF_EVENT_ARRAY, "bpf_perf_event_output"))
		return (uint64_t)-EINVAL;
	if (!run || !ctxlen || (run->prog->type->id != UBEE_PROG_TYPE_XDP &&
				run->prog->type->id != UBEE_PROG_TYPE_SOCKET_FILTER &&
				run->prog->type->id != UBEE_PROG_TYPE_SCHED_CLS &&
				run->prog->type->id != UBEE_PROG_TYPE_SCHED_ACT))
		return (uint64_t)ubee_perf_event_output(MAP(m), flags,
							(const void *)(uintptr_t)data,
							size);
	if (flags & ~(CTXLEN_MASK | UBEE_PERF_INDEX_MASK))
		return (uint64_t)-EINVAL;
	if (!pkt)
		return (uint64_t)-EFAULT;
	payload = ubee_pkt_payload(pkt, &have);
	if (ctxlen > have)
		return (uint64_t)-EFAULT;
	buf = ubee_malloc(size + ctxlen);
	if (!buf)
		return (uint64_t)-ENOMEM;
	if (size)
		memcpy(buf, (const void *)(uintptr_t)data, size);
	memcpy(buf + size, payload, ctxlen);
	err = ubee_perf_event_output(MAP(m), flags & ~CTXLEN_MASK, buf,
				     size + ctxlen);
	ubee_free(buf);
	return (uint64_t)err;
}
