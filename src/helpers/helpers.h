/* SPDX-License-Identifier: MIT */
/*
 * Internals of the helper subsystem: the kernel ids ubee implements, the
 * functions behind them (one file per family: clock.c, misc.c, probe.c,
 * trace.c, task.c, maps.c, output.c, pkt.c), the table of built-in
 * helpers (builtin.c) and a lookup that treats a NULL registry as "the
 * built-ins" (what a program loaded without a registry sees).
 *
 * Every helper has the kernel's id, name and prototype and the kernel's
 * error codes. Whether a program may call it is its program type's
 * business (src/progtypes/), checked when the program is loaded.
 */
#ifndef UBEE_HELPERS_H
#define UBEE_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

/* Helper ids are 0 < id < UBEE_HELPER_ID_LIMIT. */
#define UBEE_HELPER_ID_LIMIT (1 << 20)

/* Kernel helper ids (linux/bpf.h, enum bpf_func_id). */
enum ubee_helper_id {
	UBEE_HELPER_MAP_LOOKUP_ELEM = 1,
	UBEE_HELPER_MAP_UPDATE_ELEM = 2,
	UBEE_HELPER_MAP_DELETE_ELEM = 3,
	UBEE_HELPER_PROBE_READ = 4,
	UBEE_HELPER_KTIME_GET_NS = 5,
	UBEE_HELPER_TRACE_PRINTK = 6,
	UBEE_HELPER_GET_PRANDOM_U32 = 7,
	UBEE_HELPER_GET_SMP_PROCESSOR_ID = 8,
	UBEE_HELPER_SKB_STORE_BYTES = 9,
	UBEE_HELPER_TAIL_CALL = 12,
	UBEE_HELPER_GET_CURRENT_PID_TGID = 14,
	UBEE_HELPER_GET_CURRENT_UID_GID = 15,
	UBEE_HELPER_GET_CURRENT_COMM = 16,
	UBEE_HELPER_REDIRECT = 23,
	UBEE_HELPER_PERF_EVENT_OUTPUT = 25,
	UBEE_HELPER_SKB_LOAD_BYTES = 26,
	UBEE_HELPER_CSUM_DIFF = 28,
	UBEE_HELPER_GET_NUMA_NODE_ID = 42,
	UBEE_HELPER_XDP_ADJUST_HEAD = 44,
	UBEE_HELPER_PROBE_READ_STR = 45,
	UBEE_HELPER_REDIRECT_MAP = 51,
	UBEE_HELPER_XDP_ADJUST_META = 54,
	UBEE_HELPER_XDP_ADJUST_TAIL = 65,
	UBEE_HELPER_MAP_PUSH_ELEM = 87,
	UBEE_HELPER_MAP_POP_ELEM = 88,
	UBEE_HELPER_MAP_PEEK_ELEM = 89,
	UBEE_HELPER_SPIN_LOCK = 93,
	UBEE_HELPER_SPIN_UNLOCK = 94,
	UBEE_HELPER_SEND_SIGNAL = 109,
	UBEE_HELPER_PROBE_READ_USER = 112,
	UBEE_HELPER_PROBE_READ_KERNEL = 113,
	UBEE_HELPER_PROBE_READ_USER_STR = 114,
	UBEE_HELPER_PROBE_READ_KERNEL_STR = 115,
	UBEE_HELPER_SEND_SIGNAL_THREAD = 117,
	UBEE_HELPER_JIFFIES64 = 118,
	UBEE_HELPER_KTIME_GET_BOOT_NS = 125,
	UBEE_HELPER_RINGBUF_OUTPUT = 130,
	UBEE_HELPER_RINGBUF_RESERVE = 131,
	UBEE_HELPER_RINGBUF_SUBMIT = 132,
	UBEE_HELPER_RINGBUF_DISCARD = 133,
	UBEE_HELPER_RINGBUF_QUERY = 134,
	UBEE_HELPER_KTIME_GET_COARSE_NS = 160,
	UBEE_HELPER_FOR_EACH_MAP_ELEM = 164,
	UBEE_HELPER_SNPRINTF = 165,
	UBEE_HELPER_GET_FUNC_IP = 173,
	UBEE_HELPER_GET_ATTACH_COOKIE = 174,
	UBEE_HELPER_TRACE_VPRINTK = 177,
	UBEE_HELPER_LOOP = 181,
	UBEE_HELPER_STRNCMP = 182,
	UBEE_HELPER_MAP_LOOKUP_PERCPU_ELEM = 195,
	UBEE_HELPER_KTIME_GET_TAI_NS = 208,
};

/* The built-in helpers: *n records, sorted by id, static storage. */
const struct ubee_helper *ubee_builtin_helpers(size_t *n);

/*
 * The helper with this id in reg, or among the built-ins when reg is
 * NULL; NULL when there is none.
 */
const struct ubee_helper *ubee_helper_lookup(const struct ubee_helpers *reg,
					     int32_t id);

/* The functions behind the built-in records, by family. */
#define UBEE_HELPER_DECL(fn)                                                  \
	uint64_t fn(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,       \
		    uint64_t r5)

/* clock.c */
UBEE_HELPER_DECL(ubee_bpf_ktime_get_ns);
UBEE_HELPER_DECL(ubee_bpf_ktime_get_boot_ns);
UBEE_HELPER_DECL(ubee_bpf_ktime_get_coarse_ns);
UBEE_HELPER_DECL(ubee_bpf_ktime_get_tai_ns);
UBEE_HELPER_DECL(ubee_bpf_jiffies64);
/* misc.c */
UBEE_HELPER_DECL(ubee_bpf_get_prandom_u32);
UBEE_HELPER_DECL(ubee_bpf_get_smp_processor_id);
UBEE_HELPER_DECL(ubee_bpf_get_numa_node_id);
UBEE_HELPER_DECL(ubee_bpf_loop);
UBEE_HELPER_DECL(ubee_bpf_strncmp);
/* probe.c */
UBEE_HELPER_DECL(ubee_bpf_probe_read);
UBEE_HELPER_DECL(ubee_bpf_probe_read_str);
/* trace.c */
UBEE_HELPER_DECL(ubee_bpf_trace_printk);
UBEE_HELPER_DECL(ubee_bpf_trace_vprintk);
UBEE_HELPER_DECL(ubee_bpf_snprintf);
/* task.c */
UBEE_HELPER_DECL(ubee_bpf_get_current_pid_tgid);
UBEE_HELPER_DECL(ubee_bpf_get_current_uid_gid);
UBEE_HELPER_DECL(ubee_bpf_get_current_comm);
UBEE_HELPER_DECL(ubee_bpf_send_signal);
UBEE_HELPER_DECL(ubee_bpf_send_signal_thread);
UBEE_HELPER_DECL(ubee_bpf_get_func_ip);
UBEE_HELPER_DECL(ubee_bpf_get_attach_cookie);
/* maps.c */
UBEE_HELPER_DECL(ubee_bpf_map_lookup_elem);
UBEE_HELPER_DECL(ubee_bpf_map_update_elem);
UBEE_HELPER_DECL(ubee_bpf_map_delete_elem);
UBEE_HELPER_DECL(ubee_bpf_map_push_elem);
UBEE_HELPER_DECL(ubee_bpf_map_pop_elem);
UBEE_HELPER_DECL(ubee_bpf_map_peek_elem);
UBEE_HELPER_DECL(ubee_bpf_map_lookup_percpu_elem);
UBEE_HELPER_DECL(ubee_bpf_for_each_map_elem);
UBEE_HELPER_DECL(ubee_bpf_tail_call);
UBEE_HELPER_DECL(ubee_bpf_spin_lock);
UBEE_HELPER_DECL(ubee_bpf_spin_unlock);
/* output.c */
UBEE_HELPER_DECL(ubee_bpf_ringbuf_output);
UBEE_HELPER_DECL(ubee_bpf_ringbuf_reserve);
UBEE_HELPER_DECL(ubee_bpf_ringbuf_submit);
UBEE_HELPER_DECL(ubee_bpf_ringbuf_discard);
UBEE_HELPER_DECL(ubee_bpf_ringbuf_query);
UBEE_HELPER_DECL(ubee_bpf_perf_event_output);
/* pkt.c */
UBEE_HELPER_DECL(ubee_bpf_csum_diff);
UBEE_HELPER_DECL(ubee_bpf_xdp_adjust_head);
UBEE_HELPER_DECL(ubee_bpf_xdp_adjust_meta);
UBEE_HELPER_DECL(ubee_bpf_xdp_adjust_tail);
UBEE_HELPER_DECL(ubee_bpf_redirect);
UBEE_HELPER_DECL(ubee_bpf_redirect_map);
UBEE_HELPER_DECL(ubee_bpf_skb_load_bytes);
UBEE_HELPER_DECL(ubee_bpf_skb_store_bytes);

/*
 * The tail-call hook every program gets (maps.c): map must be a program
 * array of the running program; the slot's program must have the same
 * type. See ubee_tail_call_fn in vm/vm.h.
 */
int ubee_prog_array_tail_call(void *map, uint32_t index,
			      const struct ubee_prog **next);

/*
 * Copy n bytes from any address without faulting (probe.c): 0, or
 * -EFAULT with dst zeroed when some byte of src cannot be read.
 */
int ubee_probe_copy(void *dst, const void *src, size_t n);
/*
 * Copy a NUL-terminated string of at most size bytes (NUL included)
 * without faulting: the kernel's strncpy_from_*_nofault. Returns the
 * length copied including the NUL (size when truncated: dst[size-1] is
 * then NUL), 0 for size 0, or -EFAULT (dst zeroed).
 */
long ubee_probe_copy_str(char *dst, const void *src, size_t size);

/*
 * Format like the kernel's bpf_bprintf_prepare + bstr_printf (printf.c):
 * fmt must hold a NUL within fmt_size bytes; each conversion takes the
 * next of args[nr_args]. Conversions: %d %i %u %x %X with l/ll, flags
 * "0+- " and a width; %c; %s, %pks, %pus (strings read without faulting;
 * an unreadable one prints as empty); %p %pK %px %ps %pS (the address);
 * %pi4 %pI4 %pi6 %pI6 (an address read from memory); %%. Writes at most
 * size bytes to out, NUL-terminated when size > 0, and returns the length
 * of the whole output (without NUL), or -EINVAL for a bad format (more
 * conversions than args, an unknown one, a non-printable character).
 */
long ubee_bprintf(char *out, size_t size, const char *fmt, size_t fmt_size,
		  const uint64_t *args, size_t nr_args);

/* The kernel's limits for bpf_snprintf/bpf_trace_vprintk and output. */
#define UBEE_BPRINTF_MAX_ARGS 12
#define UBEE_BPRINTF_BUF 1024

/*
 * Checked runs: fail the run unless [p, p+size) is inside a region
 * (writable if write). Returns 0, or the error already recorded by
 * ubee_vm_fail. Unchecked runs: 0.
 */
struct ubee_run;
int ubee_helper_check_mem(struct ubee_run *run, const char *helper, int argno,
			  const void *p, uint64_t size, int write);
/*
 * Checked runs: fail the run unless p is a NUL-terminated string inside
 * one region (PTR_TO_CONST_STR: the verifier's job otherwise).
 */
int ubee_helper_check_str(struct ubee_run *run, const char *helper, int argno,
			  const void *p);

#endif /* UBEE_HELPERS_H */
