// SPDX-License-Identifier: MIT
/*
 * The built-in program types as data: for each, its context's fields
 * (which bytes a load or store may touch, at which sizes, and what a load
 * of a packet pointer gives), the helpers it may call and its return
 * values. The kernel's rules are its *_is_valid_access and *_func_proto
 * functions; these tables were checked against a 6.18 kernel by loading
 * one access (or one helper call) at a time, and test_progtypes.c keeps
 * checking them where bpf() is available. Only helpers ubee implements
 * are listed.
 */
#include <stddef.h>

#include "progtypes/progtypes.h"

_Static_assert(sizeof(struct ubee_xdp_md) == 24, "struct xdp_md");
_Static_assert(sizeof(struct ubee_sk_buff) == 192, "struct __sk_buff");
_Static_assert(offsetof(struct ubee_sk_buff, data_meta) == 140, "__sk_buff.data_meta");
_Static_assert(offsetof(struct ubee_sk_buff, hwtstamp) == 184, "__sk_buff.hwtstamp");
_Static_assert(sizeof(struct ubee_sys_enter_ctx) == 64, "sys_enter record");
_Static_assert(sizeof(struct ubee_sys_exit_ctx) == 24, "sys_exit record");
#if !defined(__aarch64__)
_Static_assert(sizeof(struct ubee_pt_regs) == 168, "x86-64 pt_regs");
#endif

#define R(sz) .read = UBEE_CTX_SZ_##sz
#define W(sz) .write = UBEE_CTX_SZ_##sz
#define SKB(f) offsetof(struct ubee_sk_buff, f)
#define SKB_SIZE(f) sizeof(((struct ubee_sk_buff *)0)->f)
/* A __sk_buff field: narrow reads, writes of the full 4 bytes if w. */
#define SKB_U32(f, w) { #f, SKB(f), SKB_SIZE(f), R(NARROW), .write = (w) ? UBEE_CTX_SZ_4 : 0 }

/* ---- helper allow-lists (kernel ids, ascending) ------------------------ */

/* Every type gets bpf_base_func_proto's helpers (as root). */
static const int32_t mem_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 28, 42, 45, 87, 88, 89, 93,
	94, 109, 112, 113, 114, 115, 117, 118, 125, 130, 131, 132, 133, 134,
	160, 164, 165, 177, 181, 182, 195, 208,
};

static const int32_t sk_filter_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 25, 26, 42, 87, 88, 89, 93, 94,
	109, 112, 113, 114, 115, 117, 118, 125, 130, 131, 132, 133, 134, 160,
	164, 165, 177, 181, 182, 195, 208,
};

/* kprobe, tracepoint, perf_event, raw_tracepoint: no coarse clock. */
static const int32_t tracing_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 25, 42, 45, 87, 88, 89, 93,
	94, 109, 112, 113, 114, 115, 117, 118, 125, 130, 131, 132, 133, 134,
	164, 165, 173, 174, 177, 181, 182, 195, 208,
};

static const int32_t tc_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 9, 12, 14, 15, 16, 23, 25, 26, 28, 42, 87, 88,
	89, 93, 94, 109, 112, 113, 114, 115, 117, 118, 125, 130, 131, 132,
	133, 134, 160, 164, 165, 177, 181, 182, 195, 208,
};

static const int32_t xdp_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 23, 25, 28, 42, 44, 51, 54, 65,
	87, 88, 89, 93, 94, 109, 112, 113, 114, 115, 117, 118, 125, 130, 131,
	132, 133, 134, 160, 164, 165, 177, 181, 182, 195, 208,
};

/* ---- context fields ---------------------------------------------------- */

/* Read-only, exactly 4 bytes; egress_ifindex is for devmap programs only. */
static const struct ubee_ctx_field xdp_fields[] = {
	{ "data", 0, 4, R(4), .kind = UBEE_CTX_PKT },
	{ "data_end", 4, 4, R(4), .kind = UBEE_CTX_PKT_END },
	{ "data_meta", 8, 4, R(4), .kind = UBEE_CTX_PKT_META },
	{ "ingress_ifindex", 12, 4, R(4) },
	{ "rx_queue_index", 16, 4, R(4) },
};

/* No packet pointers and no socket fields; only cb[] is writable. */
static const struct ubee_ctx_field sk_filter_fields[] = {
	SKB_U32(len, 0), SKB_U32(pkt_type, 0), SKB_U32(mark, 0),
	SKB_U32(queue_mapping, 0), SKB_U32(protocol, 0),
	SKB_U32(vlan_present, 0), SKB_U32(vlan_tci, 0), SKB_U32(vlan_proto, 0),
	SKB_U32(priority, 0), SKB_U32(ingress_ifindex, 0), SKB_U32(ifindex, 0),
	SKB_U32(tc_index, 0),
	{ "cb", SKB(cb), SKB_SIZE(cb), R(ANY), W(ANY) },
	SKB_U32(hash, 0), SKB_U32(napi_id, 0), SKB_U32(gso_segs, 0),
	{ "sk", SKB(sk), 8, R(8), .kind = UBEE_CTX_SOCK_OR_NULL },
	SKB_U32(gso_size, 0),
};

static const struct ubee_ctx_field tc_fields[] = {
	SKB_U32(len, 0), SKB_U32(pkt_type, 0), SKB_U32(mark, 1),
	SKB_U32(queue_mapping, 1), SKB_U32(protocol, 0),
	SKB_U32(vlan_present, 0), SKB_U32(vlan_tci, 0), SKB_U32(vlan_proto, 0),
	SKB_U32(priority, 1), SKB_U32(ingress_ifindex, 0), SKB_U32(ifindex, 0),
	SKB_U32(tc_index, 1),
	{ "cb", SKB(cb), SKB_SIZE(cb), R(ANY), W(ANY) },
	SKB_U32(hash, 0), SKB_U32(tc_classid, 1),
	{ "data", SKB(data), 4, R(4), .kind = UBEE_CTX_PKT },
	{ "data_end", SKB(data_end), 4, R(4), .kind = UBEE_CTX_PKT_END },
	SKB_U32(napi_id, 0),
	{ "data_meta", SKB(data_meta), 4, R(4), .kind = UBEE_CTX_PKT_META },
	{ "tstamp", SKB(tstamp), 8, R(8), W(8) },
	SKB_U32(wire_len, 0), SKB_U32(gso_segs, 0),
	{ "sk", SKB(sk), 8, R(8), .kind = UBEE_CTX_SOCK_OR_NULL },
	SKB_U32(gso_size, 0),
	{ "tstamp_type", SKB(tstamp_type), 1, R(1) },
	{ "hwtstamp", SKB(hwtstamp), 8, R(8) },
};

/* Registers: any aligned read, no writes. */
static const struct ubee_ctx_field kprobe_fields[] = {
	{ "regs", 0, sizeof(struct ubee_pt_regs), R(ANY) },
};

/* The common fields (8 bytes) are hidden; the event's size is not known
 * here, so reads reach up to the kernel's PERF_MAX_TRACE_SIZE. */
#define UBEE_MAX_TRACE_SIZE 8192
static const struct ubee_ctx_field tracepoint_fields[] = {
	{ "fields", 8, UBEE_MAX_TRACE_SIZE - 8, R(ANY) },
};

static const struct ubee_ctx_field raw_tp_fields[] = {
	{ "args", 0, UBEE_RAW_TP_MAX_ARGS * 8, R(ANY) },
};

/* Registers as whole longs; the two counters also narrower. */
static const struct ubee_ctx_field perf_event_fields[] = {
	{ "regs", 0, sizeof(struct ubee_pt_regs), R(8) },
	{ "sample_period", offsetof(struct ubee_perf_event_data, sample_period), 8, R(ANY) },
	{ "addr", offsetof(struct ubee_perf_event_data, addr), 8, R(ANY) },
};

/* ---- the types --------------------------------------------------------- */

#define FIELDS(a) .fields = (a), .nr_fields = sizeof(a) / sizeof((a)[0])
#define HELPERS(a) .helpers = (a), .nr_helpers = sizeof(a) / sizeof((a)[0])

const struct ubee_prog_type ubee_builtin_prog_types[] = {
	{ .id = UBEE_PROG_TYPE_MEM, .name = "mem", .ctx_type = NULL,
	  .ctx_size = 0, HELPERS(mem_helpers),
	  .flags = UBEE_PT_CTX_MEM | UBEE_PT_RET_ANY },
	{ .id = UBEE_PROG_TYPE_SOCKET_FILTER, .name = "socket_filter",
	  .ctx_type = "__sk_buff", .ctx_size = sizeof(struct ubee_sk_buff),
	  FIELDS(sk_filter_fields), HELPERS(sk_filter_helpers),
	  .flags = UBEE_PT_RET_ANY },
	{ .id = UBEE_PROG_TYPE_KPROBE, .name = "kprobe", .ctx_type = "pt_regs",
	  .ctx_size = sizeof(struct ubee_pt_regs), FIELDS(kprobe_fields),
	  HELPERS(tracing_helpers), .flags = UBEE_PT_RET_ANY },
	/* TC_ACT_UNSPEC (-1) .. TC_ACT_TRAP (8) */
	{ .id = UBEE_PROG_TYPE_SCHED_CLS, .name = "sched_cls",
	  .ctx_type = "__sk_buff", .ctx_size = sizeof(struct ubee_sk_buff),
	  FIELDS(tc_fields), HELPERS(tc_helpers), .ret_min = -1, .ret_max = 8 },
	{ .id = UBEE_PROG_TYPE_SCHED_ACT, .name = "sched_act",
	  .ctx_type = "__sk_buff", .ctx_size = sizeof(struct ubee_sk_buff),
	  FIELDS(tc_fields), HELPERS(tc_helpers), .ret_min = -1, .ret_max = 8 },
	{ .id = UBEE_PROG_TYPE_TRACEPOINT, .name = "tracepoint",
	  .ctx_type = NULL, .ctx_size = UBEE_MAX_TRACE_SIZE,
	  FIELDS(tracepoint_fields), HELPERS(tracing_helpers),
	  .flags = UBEE_PT_RET_ANY },
	/* XDP_ABORTED (0) .. XDP_REDIRECT (4) */
	{ .id = UBEE_PROG_TYPE_XDP, .name = "xdp", .ctx_type = "xdp_md",
	  .ctx_size = sizeof(struct ubee_xdp_md), FIELDS(xdp_fields),
	  HELPERS(xdp_helpers), .ret_min = 0, .ret_max = 4 },
	{ .id = UBEE_PROG_TYPE_PERF_EVENT, .name = "perf_event",
	  .ctx_type = "bpf_perf_event_data",
	  .ctx_size = sizeof(struct ubee_perf_event_data),
	  FIELDS(perf_event_fields), HELPERS(tracing_helpers),
	  .flags = UBEE_PT_RET_ANY },
	{ .id = UBEE_PROG_TYPE_RAW_TRACEPOINT, .name = "raw_tracepoint",
	  .ctx_type = "bpf_raw_tracepoint_args",
	  .ctx_size = UBEE_RAW_TP_MAX_ARGS * 8, FIELDS(raw_tp_fields),
	  HELPERS(tracing_helpers), .flags = UBEE_PT_RET_ANY },
};

const size_t ubee_nr_builtin_prog_types =
	sizeof(ubee_builtin_prog_types) / sizeof(ubee_builtin_prog_types[0]);
