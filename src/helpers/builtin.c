// SPDX-License-Identifier: MIT
/*
 * The table of built-in helpers: {id, name, fn, ret, args} with the
 * kernel's ids, names and prototypes (return and argument kinds, the
 * kernel's own: checked mode enforces them and the verifier proves them).
 * The functions are in the family files named in helpers.h.
 */
#include "helpers/helpers.h"
#include "util/util.h"

#define A(k) UBEE_ARG_##k
#define R(k) UBEE_RET_##k
#define H(id, name, ret, ...)                                                 \
	{ UBEE_HELPER_##id, "bpf_" #name, ubee_bpf_##name, R(ret),            \
	  { __VA_ARGS__ } }
/* The same function under another id and name. */
#define H_AS(id, name, fn, ret, ...)                                          \
	{ UBEE_HELPER_##id, "bpf_" #name, ubee_bpf_##fn, R(ret),              \
	  { __VA_ARGS__ } }

#define PROBE_ARGS A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)

static const struct ubee_helper builtins[] = {
	H(MAP_LOOKUP_ELEM, map_lookup_elem, MAP_VALUE_OR_NULL,
	  A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY)),
	H(MAP_UPDATE_ELEM, map_update_elem, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING)),
	H(MAP_DELETE_ELEM, map_delete_elem, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_MAP_KEY)),
	H(PROBE_READ, probe_read, INTEGER, PROBE_ARGS),
	H(KTIME_GET_NS, ktime_get_ns, INTEGER, 0),
	H(TRACE_PRINTK, trace_printk, INTEGER, A(PTR_TO_MEM_RDONLY), A(CONST_SIZE),
	  A(ANYTHING), A(ANYTHING), A(ANYTHING)),
	H(GET_PRANDOM_U32, get_prandom_u32, INTEGER, 0),
	H(GET_SMP_PROCESSOR_ID, get_smp_processor_id, INTEGER, 0),
	H(SKB_STORE_BYTES, skb_store_bytes, INTEGER, A(PTR_TO_CTX),
	  A(ANYTHING), A(PTR_TO_MEM_RDONLY), A(CONST_SIZE), A(ANYTHING)),
	H(TAIL_CALL, tail_call, VOID, A(PTR_TO_CTX), A(CONST_MAP_PTR),
	  A(ANYTHING)),
	H(GET_CURRENT_PID_TGID, get_current_pid_tgid, INTEGER, 0),
	H(GET_CURRENT_UID_GID, get_current_uid_gid, INTEGER, 0),
	H(GET_CURRENT_COMM, get_current_comm, INTEGER, A(PTR_TO_UNINIT_MEM),
	  A(CONST_SIZE)),
	H(REDIRECT, redirect, INTEGER, A(ANYTHING), A(ANYTHING)),
	H(PERF_EVENT_OUTPUT, perf_event_output, INTEGER, A(PTR_TO_CTX),
	  A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM_RDONLY),
	  A(CONST_SIZE_OR_ZERO)),
	H(SKB_LOAD_BYTES, skb_load_bytes, INTEGER, A(PTR_TO_CTX), A(ANYTHING),
	  A(PTR_TO_UNINIT_MEM), A(CONST_SIZE)),
	H(CSUM_DIFF, csum_diff, INTEGER, A(PTR_TO_MEM_OR_NULL),
	  A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO),
	  A(ANYTHING)),
	H(GET_NUMA_NODE_ID, get_numa_node_id, INTEGER, 0),
	H(XDP_ADJUST_HEAD, xdp_adjust_head, INTEGER, A(PTR_TO_CTX), A(ANYTHING)),
	H_AS(PROBE_READ_STR, probe_read_str, probe_read_str, INTEGER, PROBE_ARGS),
	H(REDIRECT_MAP, redirect_map, INTEGER, A(CONST_MAP_PTR), A(ANYTHING),
	  A(ANYTHING)),
	H(XDP_ADJUST_META, xdp_adjust_meta, INTEGER, A(PTR_TO_CTX), A(ANYTHING)),
	H(XDP_ADJUST_TAIL, xdp_adjust_tail, INTEGER, A(PTR_TO_CTX), A(ANYTHING)),
	H(MAP_PUSH_ELEM, map_push_elem, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_MAP_VALUE), A(ANYTHING)),
	H(MAP_POP_ELEM, map_pop_elem, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_UNINIT_MAP_VALUE)),
	H(MAP_PEEK_ELEM, map_peek_elem, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_UNINIT_MAP_VALUE)),
	H(SPIN_LOCK, spin_lock, VOID, A(PTR_TO_SPIN_LOCK)),
	H(SPIN_UNLOCK, spin_unlock, VOID, A(PTR_TO_SPIN_LOCK)),
	H(SEND_SIGNAL, send_signal, INTEGER, A(ANYTHING)),
	H_AS(PROBE_READ_USER, probe_read_user, probe_read, INTEGER, PROBE_ARGS),
	H_AS(PROBE_READ_KERNEL, probe_read_kernel, probe_read, INTEGER,
	     PROBE_ARGS),
	H_AS(PROBE_READ_USER_STR, probe_read_user_str, probe_read_str, INTEGER,
	     PROBE_ARGS),
	H_AS(PROBE_READ_KERNEL_STR, probe_read_kernel_str, probe_read_str,
	     INTEGER, PROBE_ARGS),
	H(SEND_SIGNAL_THREAD, send_signal_thread, INTEGER, A(ANYTHING)),
	H(JIFFIES64, jiffies64, INTEGER, 0),
	H(KTIME_GET_BOOT_NS, ktime_get_boot_ns, INTEGER, 0),
	H(RINGBUF_OUTPUT, ringbuf_output, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_MEM_RDONLY), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	H(RINGBUF_RESERVE, ringbuf_reserve, MEM_OR_NULL, A(CONST_MAP_PTR),
	  A(CONST_ALLOC_SIZE_OR_ZERO), A(ANYTHING)),
	H(RINGBUF_SUBMIT, ringbuf_submit, VOID, A(PTR_TO_RINGBUF_MEM),
	  A(ANYTHING)),
	H(RINGBUF_DISCARD, ringbuf_discard, VOID, A(PTR_TO_RINGBUF_MEM),
	  A(ANYTHING)),
	H(RINGBUF_QUERY, ringbuf_query, INTEGER, A(CONST_MAP_PTR), A(ANYTHING)),
	H(KTIME_GET_COARSE_NS, ktime_get_coarse_ns, INTEGER, 0),
	H(FOR_EACH_MAP_ELEM, for_each_map_elem, INTEGER, A(CONST_MAP_PTR),
	  A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING)),
	H(SNPRINTF, snprintf, INTEGER, A(PTR_TO_UNINIT_MEM),
	  A(CONST_SIZE_OR_ZERO), A(PTR_TO_CONST_STR), A(PTR_TO_MEM_OR_NULL),
	  A(CONST_SIZE_OR_ZERO)),
	H(GET_FUNC_IP, get_func_ip, INTEGER, A(PTR_TO_CTX)),
	H(GET_ATTACH_COOKIE, get_attach_cookie, INTEGER, A(PTR_TO_CTX)),
	H(TRACE_VPRINTK, trace_vprintk, INTEGER, A(PTR_TO_MEM_RDONLY),
	  A(CONST_SIZE), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO)),
	H(LOOP, loop, INTEGER, A(ANYTHING), A(PTR_TO_FUNC),
	  A(PTR_TO_STACK_OR_NULL), A(ANYTHING)),
	H(STRNCMP, strncmp, INTEGER, A(PTR_TO_MEM_RDONLY), A(CONST_SIZE),
	  A(PTR_TO_CONST_STR)),
	H(MAP_LOOKUP_PERCPU_ELEM, map_lookup_percpu_elem, MAP_VALUE_OR_NULL,
	  A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING)),
	H(KTIME_GET_TAI_NS, ktime_get_tai_ns, INTEGER, 0),
};

const struct ubee_helper *ubee_builtin_helpers(size_t *n)
{
	*n = UBEE_ARRAY_SIZE(builtins);
	return builtins;
}
