// SPDX-License-Identifier: MIT
/*
 * The built-in program types as data: for each, its context's fields
 * (which bytes a load or store may touch, at which sizes, and what a load
 * of a packet pointer gives), the helpers it may call and its return
 * values. The kernel's rules are its *_is_valid_access and *_func_proto
 * functions; these tables were checked against a 6.18 kernel by loading
 * one access (or one helper call) at a time, and test_progtypes.c keeps
 * checking them where bpf() is available. helpers lists the helpers ubee
 * implements, kernel_helpers all the kernel allows (for offline
 * verification). The types from cgroup_skb on are verify-only: ubee has
 * no context builder for them, and they need no helpers list (what they
 * may call is their kernel list).
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

/*
 * The kernel's complete allow-lists (kernel 6.18, read off bpf() one
 * helper at a time), for programs loaded with UBEE_PROG_VERIFY_ONLY:
 * they may call kernel helpers ubee does not implement
 * (src/verifier/protos.c has their prototypes).
 */
static const int32_t sk_filter_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 42, 46,
	47, 55, 68, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112, 113, 114,
	115, 117, 118, 120, 122, 123, 125, 130, 131, 132, 133, 134, 136, 137,
	138, 139, 140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165,
	169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 194, 195,
	196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
static const int32_t kprobe_kernel_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42,
	45, 55, 67, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112, 113, 114,
	115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134, 141, 148, 149,
	153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 173, 174, 175,
	176, 177, 180, 181, 182, 191, 194, 195, 197, 198, 199, 200, 201, 202,
	203, 208, 209, 210, 211,
};
static const int32_t perf_event_kernel_helpers[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 27, 35, 37, 42,
	45, 55, 56, 67, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112, 113, 114,
	115, 117, 118, 119, 120, 123, 125, 130, 131, 132, 133, 134, 141, 148,
	149, 153, 154, 156, 157, 158, 164, 165, 169, 170, 171, 172, 173, 174,
	175, 176, 177, 180, 181, 182, 191, 194, 195, 197, 198, 199, 200, 201,
	202, 203, 208, 209, 210, 211,
};
static const int32_t sched_cls_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 34, 35, 37, 38, 39,
	40, 41, 42, 43, 46, 47, 48, 50, 55, 66, 68, 69, 79, 80, 83, 84, 85,
	86, 87, 88, 89, 93, 94, 95, 96, 97, 98, 99, 100, 105, 106, 107, 108,
	109, 110, 112, 113, 114, 115, 117, 118, 120, 122, 123, 124, 125, 130,
	131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 148, 149, 151,
	152, 153, 154, 155, 156, 157, 158, 160, 163, 164, 165, 169, 170, 171,
	172, 175, 176, 177, 178, 180, 181, 182, 191, 192, 194, 195, 196, 197,
	198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211,
};
static const int32_t xdp_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 23, 25, 28, 35, 37, 42,
	44, 51, 54, 55, 65, 69, 80, 84, 85, 86, 87, 88, 89, 93, 94, 99, 100,
	105, 106, 109, 110, 112, 113, 114, 115, 117, 118, 120, 123, 125, 130,
	131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 148, 149, 153, 154,
	156, 157, 158, 160, 163, 164, 165, 169, 170, 171, 172, 175, 176, 177,
	178, 180, 181, 182, 188, 189, 190, 191, 194, 195, 196, 197, 198, 199,
	200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211,
};
static const int32_t cgroup_skb_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 42, 46,
	47, 55, 68, 79, 80, 81, 83, 84, 85, 86, 87, 88, 89, 93, 94, 95, 96,
	97, 98, 99, 105, 106, 107, 108, 109, 112, 113, 114, 115, 117, 118,
	120, 122, 123, 125, 128, 129, 130, 131, 132, 133, 134, 136, 137, 138,
	139, 140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169,
	170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 194, 195, 196,
	197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
static const int32_t cgroup_sock_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 55,
	80, 81, 87, 88, 89, 93, 94, 105, 106, 107, 109, 112, 113, 114, 115,
	117, 118, 120, 122, 123, 125, 130, 131, 132, 133, 134, 141, 148, 149,
	153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176,
	177, 180, 181, 182, 186, 187, 191, 194, 195, 197, 198, 199, 200, 201,
	202, 203, 208, 209, 210, 211,
};
static const int32_t lwt_in_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 24, 25, 26, 28, 33, 34,
	35, 37, 39, 42, 55, 73, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112,
	113, 114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134, 136,
	137, 138, 139, 140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164,
	165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 194,
	195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
static const int32_t lwt_out_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 24, 25, 26, 28, 33, 34,
	35, 37, 39, 42, 55, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112, 113,
	114, 115, 117, 118, 120, 123, 125, 130, 131, 132, 133, 134, 136, 137,
	138, 139, 140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165,
	169, 170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 194, 195,
	196, 197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
static const int32_t lwt_xmit_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22,
	23, 24, 25, 26, 28, 29, 30, 33, 34, 35, 37, 38, 39, 40, 41, 42, 43,
	55, 73, 80, 87, 88, 89, 93, 94, 105, 106, 109, 112, 113, 114, 115,
	117, 118, 120, 123, 125, 130, 131, 132, 133, 134, 135, 136, 137, 138,
	139, 140, 141, 148, 149, 153, 154, 156, 157, 158, 160, 164, 165, 169,
	170, 171, 172, 175, 176, 177, 178, 180, 181, 182, 191, 194, 195, 196,
	197, 198, 199, 200, 201, 202, 203, 208, 209, 210, 211,
};
static const int32_t sock_ops_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 49,
	53, 55, 57, 59, 70, 80, 81, 87, 88, 89, 93, 94, 96, 105, 106, 107,
	108, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130, 131,
	132, 133, 134, 136, 137, 138, 139, 140, 141, 142, 143, 144, 148, 149,
	153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176,
	177, 178, 180, 181, 182, 191, 194, 195, 196, 197, 198, 199, 200, 201,
	202, 203, 208, 209, 210, 211,
};
static const int32_t sk_skb_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 9, 12, 14, 15, 16, 17, 22, 25, 26, 35, 37, 38,
	39, 42, 43, 46, 47, 50, 52, 55, 72, 80, 84, 85, 86, 87, 88, 89, 93,
	94, 99, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120, 123, 125,
	130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 148, 149, 153,
	154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177,
	178, 180, 181, 182, 191, 194, 195, 196, 197, 198, 199, 200, 201, 202,
	203, 208, 209, 210, 211,
};
static const int32_t sk_msg_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 55, 60,
	61, 62, 63, 71, 80, 87, 88, 89, 90, 91, 93, 94, 105, 106, 107, 108,
	109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130, 131, 132,
	133, 134, 136, 137, 138, 139, 140, 141, 148, 149, 153, 154, 156, 157,
	158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178, 180, 181,
	182, 191, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 208, 209,
	210, 211,
};
static const int32_t sock_addr_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 25, 35, 37, 42, 46, 49,
	55, 57, 64, 80, 81, 84, 85, 86, 87, 88, 89, 93, 94, 99, 105, 106,
	107, 108, 109, 112, 113, 114, 115, 117, 118, 120, 122, 123, 125, 130,
	131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 148, 149, 153, 154,
	156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175, 176, 177, 178,
	180, 181, 182, 186, 187, 191, 194, 195, 196, 197, 198, 199, 200, 201,
	202, 203, 208, 209, 210, 211,
};
static const int32_t flow_dissector_kernel_helpers[] = {
	1, 2, 3, 5, 6, 7, 8, 12, 14, 15, 16, 17, 22, 26, 35, 37, 42, 55, 80,
	87, 88, 89, 93, 94, 105, 106, 109, 112, 113, 114, 115, 117, 118, 120,
	123, 125, 130, 131, 132, 133, 134, 136, 137, 138, 139, 140, 141, 148,
	149, 153, 154, 156, 157, 158, 160, 164, 165, 169, 170, 171, 172, 175,
	176, 177, 178, 180, 181, 182, 191, 194, 195, 196, 197, 198, 199, 200,
	201, 202, 203, 208, 209, 210, 211,
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

/*
 * Types ubee verifies but cannot run (UBEE_PT_VERIFY_ONLY): tables read
 * off the kernel with bpf(), one access of each size at each offset of
 * each field (loads, then stores of a scalar); a field's mask holds the
 * sizes allowed at every aligned offset inside it. cgroup_sock is probed
 * with the BPF_CGROUP_INET_SOCK_CREATE attach type (its src_* fields are
 * for post_bind programs), cgroup_sock_addr with BPF_CGROUP_INET4_CONNECT.
 */
static const struct ubee_ctx_field cgroup_skb_fields[] = {
	{ "len", 0, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "pkt_type", 4, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "mark", 8, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "queue_mapping", 12, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "protocol", 16, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_present", 20, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_tci", 24, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_proto", 28, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "priority", 32, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "ingress_ifindex", 36, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "ifindex", 40, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "tc_index", 44, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "cb", 48, 20, .read = UBEE_CTX_SZ_ANY, .write = UBEE_CTX_SZ_ANY },
	{ "hash", 68, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "data", 76, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT },
	{ "data_end", 80, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT_END },
	{ "napi_id", 84, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "family", 88, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "remote_ip4", 92, 4, .read = UBEE_CTX_SZ_4 },
	{ "local_ip4", 96, 4, .read = UBEE_CTX_SZ_4 },
	{ "remote_ip6", 100, 16, .read = UBEE_CTX_SZ_4 },
	{ "local_ip6", 116, 16, .read = UBEE_CTX_SZ_4 },
	{ "remote_port", 132, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "local_port", 136, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "tstamp", 152, 8, .read = UBEE_CTX_SZ_8, .write = UBEE_CTX_SZ_8 },
	{ "gso_segs", 164, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "sk", 168, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_SOCK_OR_NULL },
	{ "gso_size", 176, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "hwtstamp", 184, 8, .read = UBEE_CTX_SZ_8 },
};
static const struct ubee_ctx_field cgroup_sock_fields[] = {
	{ "bound_dev_if", 0, 4, .read = UBEE_CTX_SZ_4, .write = UBEE_CTX_SZ_4 },
	{ "family", 4, 4, .read = UBEE_CTX_SZ_4 },
	{ "type", 8, 4, .read = UBEE_CTX_SZ_4 },
	{ "protocol", 12, 4, .read = UBEE_CTX_SZ_4 },
	{ "mark", 16, 4, .read = UBEE_CTX_SZ_4, .write = UBEE_CTX_SZ_4 },
	{ "priority", 20, 4, .read = UBEE_CTX_SZ_4, .write = UBEE_CTX_SZ_4 },
	{ "dst_port", 48, 4, .read = UBEE_CTX_SZ_4 }, /* __be16, 2 zero bytes */
	{ "dst_ip4", 52, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "dst_ip6", 56, 16, .read = UBEE_CTX_SZ_NARROW },
	{ "state", 72, 4, .read = UBEE_CTX_SZ_4 },
	{ "rx_queue_mapping", 76, 4, .read = UBEE_CTX_SZ_4 },
};
static const struct ubee_ctx_field sock_ops_fields[] = {
	{ "op", 0, 4, .read = UBEE_CTX_SZ_4 },
	/* args[4] | reply | replylong[4]: only reply may be written */
	{ "reply", 4, 4, .read = UBEE_CTX_SZ_4, .write = UBEE_CTX_SZ_4 },
	{ "args", 8, 12, .read = UBEE_CTX_SZ_4 },
	{ "family", 20, 4, .read = UBEE_CTX_SZ_4 },
	{ "remote_ip4", 24, 4, .read = UBEE_CTX_SZ_4 },
	{ "local_ip4", 28, 4, .read = UBEE_CTX_SZ_4 },
	{ "remote_ip6", 32, 16, .read = UBEE_CTX_SZ_4 },
	{ "local_ip6", 48, 16, .read = UBEE_CTX_SZ_4 },
	{ "remote_port", 64, 4, .read = UBEE_CTX_SZ_4 },
	{ "local_port", 68, 4, .read = UBEE_CTX_SZ_4 },
	{ "is_fullsock", 72, 4, .read = UBEE_CTX_SZ_4 },
	{ "snd_cwnd", 76, 4, .read = UBEE_CTX_SZ_4 },
	{ "srtt_us", 80, 4, .read = UBEE_CTX_SZ_4 },
	{ "bpf_sock_ops_cb_flags", 84, 4, .read = UBEE_CTX_SZ_4 },
	{ "state", 88, 4, .read = UBEE_CTX_SZ_4 },
	{ "rtt_min", 92, 4, .read = UBEE_CTX_SZ_4 },
	{ "snd_ssthresh", 96, 4, .read = UBEE_CTX_SZ_4 },
	{ "rcv_nxt", 100, 4, .read = UBEE_CTX_SZ_4 },
	{ "snd_nxt", 104, 4, .read = UBEE_CTX_SZ_4 },
	{ "snd_una", 108, 4, .read = UBEE_CTX_SZ_4 },
	{ "mss_cache", 112, 4, .read = UBEE_CTX_SZ_4 },
	{ "ecn_flags", 116, 4, .read = UBEE_CTX_SZ_4 },
	{ "rate_delivered", 120, 4, .read = UBEE_CTX_SZ_4 },
	{ "rate_interval_us", 124, 4, .read = UBEE_CTX_SZ_4 },
	{ "packets_out", 128, 4, .read = UBEE_CTX_SZ_4 },
	{ "retrans_out", 132, 4, .read = UBEE_CTX_SZ_4 },
	{ "total_retrans", 136, 4, .read = UBEE_CTX_SZ_4 },
	{ "segs_in", 140, 4, .read = UBEE_CTX_SZ_4 },
	{ "data_segs_in", 144, 4, .read = UBEE_CTX_SZ_4 },
	{ "segs_out", 148, 4, .read = UBEE_CTX_SZ_4 },
	{ "data_segs_out", 152, 4, .read = UBEE_CTX_SZ_4 },
	{ "lost_out", 156, 4, .read = UBEE_CTX_SZ_4 },
	{ "sacked_out", 160, 4, .read = UBEE_CTX_SZ_4 },
	{ "sk_txhash", 164, 4, .read = UBEE_CTX_SZ_4, .write = UBEE_CTX_SZ_4 },
	{ "bytes_received", 168, 8, .read = UBEE_CTX_SZ_8 },
	{ "bytes_acked", 176, 8, .read = UBEE_CTX_SZ_8 },
	{ "sk", 184, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_SOCK_OR_NULL },
	{ "skb_data", 192, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_PKT },
	{ "skb_data_end", 200, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_PKT_END },
	{ "skb_len", 208, 4, .read = UBEE_CTX_SZ_4 },
	{ "skb_tcp_flags", 212, 4, .read = UBEE_CTX_SZ_4 },
	{ "skb_hwtstamp", 216, 8, .read = UBEE_CTX_SZ_8 },
};
static const struct ubee_ctx_field sk_skb_fields[] = {
	{ "len", 0, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "pkt_type", 4, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "queue_mapping", 12, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "protocol", 16, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_present", 20, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_tci", 24, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_proto", 28, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "priority", 32, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "ingress_ifindex", 36, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "ifindex", 40, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "tc_index", 44, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "cb", 48, 20, .read = UBEE_CTX_SZ_ANY },
	{ "hash", 68, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "data", 76, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT },
	{ "data_end", 80, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT_END },
	{ "napi_id", 84, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "family", 88, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "remote_ip4", 92, 4, .read = UBEE_CTX_SZ_4 },
	{ "local_ip4", 96, 4, .read = UBEE_CTX_SZ_4 },
	{ "remote_ip6", 100, 16, .read = UBEE_CTX_SZ_4 },
	{ "local_ip6", 116, 16, .read = UBEE_CTX_SZ_4 },
	{ "remote_port", 132, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "local_port", 136, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "gso_segs", 164, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "sk", 168, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_SOCK_OR_NULL },
	{ "gso_size", 176, 4, .read = UBEE_CTX_SZ_NARROW },
};
static const struct ubee_ctx_field sk_msg_fields[] = {
	{ "data", 0, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_PKT },
	{ "data_end", 8, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_PKT_END },
	{ "family", 16, 4, .read = UBEE_CTX_SZ_4 },
	{ "remote_ip4", 20, 4, .read = UBEE_CTX_SZ_4 },
	{ "local_ip4", 24, 4, .read = UBEE_CTX_SZ_4 },
	{ "remote_ip6", 28, 16, .read = UBEE_CTX_SZ_4 },
	{ "local_ip6", 44, 16, .read = UBEE_CTX_SZ_4 },
	{ "remote_port", 60, 4, .read = UBEE_CTX_SZ_4 },
	{ "local_port", 64, 4, .read = UBEE_CTX_SZ_4 },
	{ "size", 68, 4, .read = UBEE_CTX_SZ_4 },
	{ "sk", 72, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_SOCK_OR_NULL }, /* never NULL here */
};
static const struct ubee_ctx_field sock_addr_fields[] = {
	{ "user_family", 0, 4, .read = UBEE_CTX_SZ_4 },
	{ "user_ip4", 4, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "user_port", 24, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "family", 28, 4, .read = UBEE_CTX_SZ_4 },
	{ "type", 32, 4, .read = UBEE_CTX_SZ_4 },
	{ "protocol", 36, 4, .read = UBEE_CTX_SZ_4 },
	{ "sk", 64, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_SOCK_OR_NULL }, /* never NULL here */
};
/* lwt_in, lwt_out and lwt_xmit: the kernel checks them alike. */
static const struct ubee_ctx_field lwt_fields[] = {
	{ "len", 0, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "pkt_type", 4, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "mark", 8, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "queue_mapping", 12, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "protocol", 16, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_present", 20, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_tci", 24, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "vlan_proto", 28, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "priority", 32, 4, .read = UBEE_CTX_SZ_NARROW, .write = UBEE_CTX_SZ_4 },
	{ "ingress_ifindex", 36, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "ifindex", 40, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "tc_index", 44, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "cb", 48, 20, .read = UBEE_CTX_SZ_ANY, .write = UBEE_CTX_SZ_ANY },
	{ "hash", 68, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "data", 76, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT },
	{ "data_end", 80, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT_END },
	{ "napi_id", 84, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "gso_segs", 164, 4, .read = UBEE_CTX_SZ_NARROW },
	{ "sk", 168, 8, .read = UBEE_CTX_SZ_8, .kind = UBEE_CTX_SOCK_OR_NULL },
	{ "gso_size", 176, 4, .read = UBEE_CTX_SZ_NARROW },
};
static const struct ubee_ctx_field flow_dissector_fields[] = {
	{ "data", 76, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT },
	{ "data_end", 80, 4, .read = UBEE_CTX_SZ_4, .kind = UBEE_CTX_PKT_END },
	/* flow_keys is a pointer the kernel lets the program write through;
	 * loaded here as a scalar, so any use of it is rejected. */
	{ "flow_keys", 144, 8, .read = UBEE_CTX_SZ_8 },
};

/* ---- the types --------------------------------------------------------- */

#define FIELDS(a) .fields = (a), .nr_fields = sizeof(a) / sizeof((a)[0])
#define HELPERS(a) .helpers = (a), .nr_helpers = sizeof(a) / sizeof((a)[0])
#define KHELPERS(a) .kernel_helpers = (a), \
	.nr_kernel_helpers = sizeof(a) / sizeof((a)[0])
/*
 * A type ubee verifies but does not run. ctx_type is NULL where ubee's
 * context BTF (ubee_prog_type_btf) lacks the struct: CO-RE relocations
 * against such a context then resolve against the kernel's BTF.
 */
#define VONLY(id_, name_, ctx_, size_, f_, h_, flags_, lo_, hi_)              \
	{ .id = (id_), .name = (name_), .ctx_type = (ctx_), .ctx_size = (size_), \
	  FIELDS(f_), KHELPERS(h_##_kernel_helpers),                          \
	  .flags = UBEE_PT_VERIFY_ONLY | (flags_), .ret_min = (lo_),         \
	  .ret_max = (hi_) }

const struct ubee_prog_type ubee_builtin_prog_types[] = {
	{ .id = UBEE_PROG_TYPE_MEM, .name = "mem", .ctx_type = NULL,
	  .ctx_size = 0, HELPERS(mem_helpers),
	  .flags = UBEE_PT_CTX_MEM | UBEE_PT_RET_ANY },
	{ .id = UBEE_PROG_TYPE_SOCKET_FILTER, .name = "socket_filter",
	  .ctx_type = "__sk_buff", .ctx_size = sizeof(struct ubee_sk_buff),
	  FIELDS(sk_filter_fields), HELPERS(sk_filter_helpers),
	  .flags = UBEE_PT_RET_ANY,
	  KHELPERS(sk_filter_kernel_helpers) },
	{ .id = UBEE_PROG_TYPE_KPROBE, .name = "kprobe", .ctx_type = "pt_regs",
	  .ctx_size = sizeof(struct ubee_pt_regs), FIELDS(kprobe_fields),
	  HELPERS(tracing_helpers), .flags = UBEE_PT_RET_ANY,
	  KHELPERS(kprobe_kernel_helpers) },
	/* TC_ACT_UNSPEC (-1) .. TC_ACT_TRAP (8) */
	{ .id = UBEE_PROG_TYPE_SCHED_CLS, .name = "sched_cls",
	  .ctx_type = "__sk_buff", .ctx_size = sizeof(struct ubee_sk_buff),
	  FIELDS(tc_fields), HELPERS(tc_helpers), .ret_min = -1, .ret_max = 8,
	  KHELPERS(sched_cls_kernel_helpers) },
	{ .id = UBEE_PROG_TYPE_SCHED_ACT, .name = "sched_act",
	  .ctx_type = "__sk_buff", .ctx_size = sizeof(struct ubee_sk_buff),
	  FIELDS(tc_fields), HELPERS(tc_helpers), .ret_min = -1, .ret_max = 8,
	  KHELPERS(sched_cls_kernel_helpers) },
	{ .id = UBEE_PROG_TYPE_TRACEPOINT, .name = "tracepoint",
	  .ctx_type = NULL, .ctx_size = UBEE_MAX_TRACE_SIZE,
	  FIELDS(tracepoint_fields), HELPERS(tracing_helpers),
	  .flags = UBEE_PT_RET_ANY,
	  KHELPERS(kprobe_kernel_helpers) },
	/* XDP_ABORTED (0) .. XDP_REDIRECT (4) */
	{ .id = UBEE_PROG_TYPE_XDP, .name = "xdp", .ctx_type = "xdp_md",
	  .ctx_size = sizeof(struct ubee_xdp_md), FIELDS(xdp_fields),
	  HELPERS(xdp_helpers), .ret_min = 0, .ret_max = 4,
	  KHELPERS(xdp_kernel_helpers) },
	{ .id = UBEE_PROG_TYPE_PERF_EVENT, .name = "perf_event",
	  .ctx_type = "bpf_perf_event_data",
	  .ctx_size = sizeof(struct ubee_perf_event_data),
	  FIELDS(perf_event_fields), HELPERS(tracing_helpers),
	  .flags = UBEE_PT_RET_ANY,
	  KHELPERS(perf_event_kernel_helpers) },
	/* 0 (reject) or 1 (allow): the kernel's return range for these. */
	VONLY(UBEE_PROG_TYPE_CGROUP_SKB, "cgroup_skb", "__sk_buff",
	      sizeof(struct ubee_sk_buff), cgroup_skb_fields, cgroup_skb, 0, 0, 1),
	VONLY(UBEE_PROG_TYPE_CGROUP_SOCK, "cgroup_sock", NULL, 80,
	      cgroup_sock_fields, cgroup_sock, 0, 0, 1),
	VONLY(UBEE_PROG_TYPE_LWT_IN, "lwt_in", "__sk_buff",
	      sizeof(struct ubee_sk_buff), lwt_fields, lwt_in, UBEE_PT_RET_ANY,
	      0, 0),
	VONLY(UBEE_PROG_TYPE_LWT_OUT, "lwt_out", "__sk_buff",
	      sizeof(struct ubee_sk_buff), lwt_fields, lwt_out,
	      UBEE_PT_RET_ANY, 0, 0),
	VONLY(UBEE_PROG_TYPE_LWT_XMIT, "lwt_xmit", "__sk_buff",
	      sizeof(struct ubee_sk_buff), lwt_fields, lwt_xmit,
	      UBEE_PT_RET_ANY, 0, 0),
	VONLY(UBEE_PROG_TYPE_SOCK_OPS, "sock_ops", NULL, 224,
	      sock_ops_fields, sock_ops, 0, 0, 1),
	VONLY(UBEE_PROG_TYPE_SK_SKB, "sk_skb", "__sk_buff",
	      sizeof(struct ubee_sk_buff), sk_skb_fields, sk_skb, UBEE_PT_RET_ANY,
	      0, 0),
	VONLY(UBEE_PROG_TYPE_SK_MSG, "sk_msg", NULL, 80, sk_msg_fields,
	      sk_msg, UBEE_PT_RET_ANY, 0, 0),
	{ .id = UBEE_PROG_TYPE_RAW_TRACEPOINT, .name = "raw_tracepoint",
	  .ctx_type = "bpf_raw_tracepoint_args",
	  .ctx_size = UBEE_RAW_TP_MAX_ARGS * 8, FIELDS(raw_tp_fields),
	  HELPERS(tracing_helpers), .flags = UBEE_PT_RET_ANY,
	  KHELPERS(kprobe_kernel_helpers) },
	VONLY(UBEE_PROG_TYPE_CGROUP_SOCK_ADDR, "cgroup_sock_addr",
	      NULL, 72, sock_addr_fields, sock_addr, 0, 0, 1),
	VONLY(UBEE_PROG_TYPE_FLOW_DISSECTOR, "flow_dissector", "__sk_buff",
	      sizeof(struct ubee_sk_buff), flow_dissector_fields, flow_dissector,
	      UBEE_PT_RET_ANY, 0, 0),
};

const size_t ubee_nr_builtin_prog_types =
	sizeof(ubee_builtin_prog_types) / sizeof(ubee_builtin_prog_types[0]);
