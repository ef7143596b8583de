// SPDX-License-Identifier: MIT
/*
 * Program types from SEC() names, as libbpf assigns them: one table of
 * section definitions in libbpf's order (the first match wins, so more
 * specific names come before their prefixes), each with the kernel's
 * program type and expected attach type numbers and flags. Matching
 * follows libbpf's three forms of a definition:
 *   "xdp"      the section name must be exactly this;
 *   "kprobe+"  exactly "kprobe", or "kprobe/" followed by anything;
 *   "foo/"     any name starting with "foo/".
 * The numbers are the kernel's enum bpf_prog_type / bpf_attach_type
 * (include/uapi/linux/bpf.h), spelled out because the headers on a build
 * machine may predate some of them.
 */
#include <string.h>

#include "loader/loader.h"
#include "util/util.h"

/* enum bpf_prog_type */
enum {
	PT_SOCKET_FILTER = 1, PT_KPROBE = 2, PT_SCHED_CLS = 3, PT_SCHED_ACT = 4,
	PT_TRACEPOINT = 5, PT_XDP = 6, PT_PERF_EVENT = 7, PT_CGROUP_SKB = 8,
	PT_CGROUP_SOCK = 9, PT_LWT_IN = 10, PT_LWT_OUT = 11, PT_LWT_XMIT = 12,
	PT_SOCK_OPS = 13, PT_SK_SKB = 14, PT_CGROUP_DEVICE = 15, PT_SK_MSG = 16,
	PT_RAW_TRACEPOINT = 17, PT_CGROUP_SOCK_ADDR = 18, PT_LWT_SEG6LOCAL = 19,
	PT_LIRC_MODE2 = 20, PT_SK_REUSEPORT = 21, PT_FLOW_DISSECTOR = 22,
	PT_CGROUP_SYSCTL = 23, PT_RAW_TRACEPOINT_WRITABLE = 24,
	PT_CGROUP_SOCKOPT = 25, PT_TRACING = 26, PT_STRUCT_OPS = 27, PT_EXT = 28,
	PT_LSM = 29, PT_SK_LOOKUP = 30, PT_SYSCALL = 31, PT_NETFILTER = 32,
};

/* enum bpf_attach_type */
enum {
	AT_CGROUP_INET_INGRESS = 0, AT_CGROUP_INET_EGRESS = 1,
	AT_CGROUP_INET_SOCK_CREATE = 2, AT_CGROUP_SOCK_OPS = 3,
	AT_SK_SKB_STREAM_PARSER = 4, AT_SK_SKB_STREAM_VERDICT = 5,
	AT_CGROUP_DEVICE = 6, AT_SK_MSG_VERDICT = 7, AT_CGROUP_INET4_BIND = 8,
	AT_CGROUP_INET6_BIND = 9, AT_CGROUP_INET4_CONNECT = 10,
	AT_CGROUP_INET6_CONNECT = 11, AT_CGROUP_INET4_POST_BIND = 12,
	AT_CGROUP_INET6_POST_BIND = 13, AT_CGROUP_UDP4_SENDMSG = 14,
	AT_CGROUP_UDP6_SENDMSG = 15, AT_LIRC_MODE2 = 16, AT_FLOW_DISSECTOR = 17,
	AT_CGROUP_SYSCTL = 18, AT_CGROUP_UDP4_RECVMSG = 19,
	AT_CGROUP_UDP6_RECVMSG = 20, AT_CGROUP_GETSOCKOPT = 21,
	AT_CGROUP_SETSOCKOPT = 22, AT_TRACE_RAW_TP = 23, AT_TRACE_FENTRY = 24,
	AT_TRACE_FEXIT = 25, AT_MODIFY_RETURN = 26, AT_LSM_MAC = 27,
	AT_TRACE_ITER = 28, AT_CGROUP_INET4_GETPEERNAME = 29,
	AT_CGROUP_INET6_GETPEERNAME = 30, AT_CGROUP_INET4_GETSOCKNAME = 31,
	AT_CGROUP_INET6_GETSOCKNAME = 32, AT_XDP_DEVMAP = 33,
	AT_CGROUP_INET_SOCK_RELEASE = 34, AT_XDP_CPUMAP = 35, AT_SK_LOOKUP = 36,
	AT_XDP = 37, AT_SK_SKB_VERDICT = 38, AT_SK_REUSEPORT_SELECT = 39,
	AT_SK_REUSEPORT_SELECT_OR_MIGRATE = 40, AT_PERF_EVENT = 41,
	AT_TRACE_KPROBE_MULTI = 42, AT_LSM_CGROUP = 43, AT_STRUCT_OPS = 44,
	AT_NETFILTER = 45, AT_TCX_INGRESS = 46, AT_TCX_EGRESS = 47,
	AT_TRACE_UPROBE_MULTI = 48, AT_CGROUP_UNIX_CONNECT = 49,
	AT_CGROUP_UNIX_SENDMSG = 50, AT_CGROUP_UNIX_RECVMSG = 51,
	AT_CGROUP_UNIX_GETPEERNAME = 52, AT_CGROUP_UNIX_GETSOCKNAME = 53,
	AT_NETKIT_PRIMARY = 54, AT_NETKIT_PEER = 55,
};

#define SLEEP UBEE_SEC_SLEEPABLE
#define FRAGS UBEE_SEC_XDP_FRAGS
#define ABTF UBEE_SEC_ATTACH_BTF

/* libbpf's section_defs, in its order. */
static const struct ubee_sec_def sec_defs[] = {
	{ "socket", PT_SOCKET_FILTER, 0, 0 },
	{ "sk_reuseport/migrate", PT_SK_REUSEPORT, AT_SK_REUSEPORT_SELECT_OR_MIGRATE, 0 },
	{ "sk_reuseport", PT_SK_REUSEPORT, AT_SK_REUSEPORT_SELECT, 0 },
	{ "kprobe+", PT_KPROBE, 0, 0 },
	{ "uprobe+", PT_KPROBE, 0, 0 },
	{ "uprobe.s+", PT_KPROBE, 0, SLEEP },
	{ "kretprobe+", PT_KPROBE, 0, 0 },
	{ "uretprobe+", PT_KPROBE, 0, 0 },
	{ "uretprobe.s+", PT_KPROBE, 0, SLEEP },
	{ "kprobe.multi+", PT_KPROBE, AT_TRACE_KPROBE_MULTI, 0 },
	{ "kretprobe.multi+", PT_KPROBE, AT_TRACE_KPROBE_MULTI, 0 },
	{ "uprobe.multi+", PT_KPROBE, AT_TRACE_UPROBE_MULTI, 0 },
	{ "uretprobe.multi+", PT_KPROBE, AT_TRACE_UPROBE_MULTI, 0 },
	{ "uprobe.multi.s+", PT_KPROBE, AT_TRACE_UPROBE_MULTI, SLEEP },
	{ "uretprobe.multi.s+", PT_KPROBE, AT_TRACE_UPROBE_MULTI, SLEEP },
	{ "ksyscall+", PT_KPROBE, 0, 0 },
	{ "kretsyscall+", PT_KPROBE, 0, 0 },
	{ "usdt+", PT_KPROBE, 0, 0 },
	{ "usdt.s+", PT_KPROBE, 0, SLEEP },
	{ "tc/ingress", PT_SCHED_CLS, AT_TCX_INGRESS, 0 },
	{ "tc/egress", PT_SCHED_CLS, AT_TCX_EGRESS, 0 },
	{ "tcx/ingress", PT_SCHED_CLS, AT_TCX_INGRESS, 0 },
	{ "tcx/egress", PT_SCHED_CLS, AT_TCX_EGRESS, 0 },
	{ "tc", PT_SCHED_CLS, 0, 0 },
	{ "classifier", PT_SCHED_CLS, 0, 0 },
	{ "action", PT_SCHED_ACT, 0, 0 },
	{ "netkit/primary", PT_SCHED_CLS, AT_NETKIT_PRIMARY, 0 },
	{ "netkit/peer", PT_SCHED_CLS, AT_NETKIT_PEER, 0 },
	{ "tracepoint+", PT_TRACEPOINT, 0, 0 },
	{ "tp+", PT_TRACEPOINT, 0, 0 },
	{ "raw_tracepoint+", PT_RAW_TRACEPOINT, 0, 0 },
	{ "raw_tp+", PT_RAW_TRACEPOINT, 0, 0 },
	{ "raw_tracepoint.w+", PT_RAW_TRACEPOINT_WRITABLE, 0, 0 },
	{ "raw_tp.w+", PT_RAW_TRACEPOINT_WRITABLE, 0, 0 },
	{ "tp_btf+", PT_TRACING, AT_TRACE_RAW_TP, ABTF },
	{ "fentry+", PT_TRACING, AT_TRACE_FENTRY, ABTF },
	{ "fmod_ret+", PT_TRACING, AT_MODIFY_RETURN, ABTF },
	{ "fexit+", PT_TRACING, AT_TRACE_FEXIT, ABTF },
	{ "fentry.s+", PT_TRACING, AT_TRACE_FENTRY, ABTF | SLEEP },
	{ "fmod_ret.s+", PT_TRACING, AT_MODIFY_RETURN, ABTF | SLEEP },
	{ "fexit.s+", PT_TRACING, AT_TRACE_FEXIT, ABTF | SLEEP },
	{ "freplace+", PT_EXT, 0, ABTF },
	{ "lsm+", PT_LSM, AT_LSM_MAC, ABTF },
	{ "lsm.s+", PT_LSM, AT_LSM_MAC, ABTF | SLEEP },
	{ "lsm_cgroup+", PT_LSM, AT_LSM_CGROUP, ABTF },
	{ "iter+", PT_TRACING, AT_TRACE_ITER, ABTF },
	{ "iter.s+", PT_TRACING, AT_TRACE_ITER, ABTF | SLEEP },
	{ "syscall", PT_SYSCALL, 0, SLEEP },
	{ "xdp.frags/devmap", PT_XDP, AT_XDP_DEVMAP, FRAGS },
	{ "xdp/devmap", PT_XDP, AT_XDP_DEVMAP, 0 },
	{ "xdp.frags/cpumap", PT_XDP, AT_XDP_CPUMAP, FRAGS },
	{ "xdp/cpumap", PT_XDP, AT_XDP_CPUMAP, 0 },
	{ "xdp.frags", PT_XDP, AT_XDP, FRAGS },
	{ "xdp", PT_XDP, AT_XDP, 0 },
	{ "perf_event", PT_PERF_EVENT, 0, 0 },
	{ "lwt_in", PT_LWT_IN, 0, 0 },
	{ "lwt_out", PT_LWT_OUT, 0, 0 },
	{ "lwt_xmit", PT_LWT_XMIT, 0, 0 },
	{ "lwt_seg6local", PT_LWT_SEG6LOCAL, 0, 0 },
	{ "sockops", PT_SOCK_OPS, AT_CGROUP_SOCK_OPS, 0 },
	{ "sk_skb/stream_parser", PT_SK_SKB, AT_SK_SKB_STREAM_PARSER, 0 },
	{ "sk_skb/stream_verdict", PT_SK_SKB, AT_SK_SKB_STREAM_VERDICT, 0 },
	{ "sk_skb", PT_SK_SKB, 0, 0 },
	{ "sk_msg", PT_SK_MSG, AT_SK_MSG_VERDICT, 0 },
	{ "lirc_mode2", PT_LIRC_MODE2, AT_LIRC_MODE2, 0 },
	{ "flow_dissector", PT_FLOW_DISSECTOR, AT_FLOW_DISSECTOR, 0 },
	{ "cgroup_skb/ingress", PT_CGROUP_SKB, AT_CGROUP_INET_INGRESS, 0 },
	{ "cgroup_skb/egress", PT_CGROUP_SKB, AT_CGROUP_INET_EGRESS, 0 },
	{ "cgroup/skb", PT_CGROUP_SKB, 0, 0 },
	{ "cgroup/sock_create", PT_CGROUP_SOCK, AT_CGROUP_INET_SOCK_CREATE, 0 },
	{ "cgroup/sock_release", PT_CGROUP_SOCK, AT_CGROUP_INET_SOCK_RELEASE, 0 },
	{ "cgroup/sock", PT_CGROUP_SOCK, AT_CGROUP_INET_SOCK_CREATE, 0 },
	{ "cgroup/post_bind4", PT_CGROUP_SOCK, AT_CGROUP_INET4_POST_BIND, 0 },
	{ "cgroup/post_bind6", PT_CGROUP_SOCK, AT_CGROUP_INET6_POST_BIND, 0 },
	{ "cgroup/bind4", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET4_BIND, 0 },
	{ "cgroup/bind6", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET6_BIND, 0 },
	{ "cgroup/connect4", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET4_CONNECT, 0 },
	{ "cgroup/connect6", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET6_CONNECT, 0 },
	{ "cgroup/connect_unix", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_CONNECT, 0 },
	{ "cgroup/sendmsg4", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UDP4_SENDMSG, 0 },
	{ "cgroup/sendmsg6", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UDP6_SENDMSG, 0 },
	{ "cgroup/sendmsg_unix", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_SENDMSG, 0 },
	{ "cgroup/recvmsg4", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UDP4_RECVMSG, 0 },
	{ "cgroup/recvmsg6", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UDP6_RECVMSG, 0 },
	{ "cgroup/recvmsg_unix", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_RECVMSG, 0 },
	{ "cgroup/getpeername4", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET4_GETPEERNAME, 0 },
	{ "cgroup/getpeername6", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET6_GETPEERNAME, 0 },
	{ "cgroup/getpeername_unix", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_GETPEERNAME, 0 },
	{ "cgroup/getsockname4", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET4_GETSOCKNAME, 0 },
	{ "cgroup/getsockname6", PT_CGROUP_SOCK_ADDR, AT_CGROUP_INET6_GETSOCKNAME, 0 },
	{ "cgroup/getsockname_unix", PT_CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_GETSOCKNAME, 0 },
	{ "cgroup/sysctl", PT_CGROUP_SYSCTL, AT_CGROUP_SYSCTL, 0 },
	{ "cgroup/getsockopt", PT_CGROUP_SOCKOPT, AT_CGROUP_GETSOCKOPT, 0 },
	{ "cgroup/setsockopt", PT_CGROUP_SOCKOPT, AT_CGROUP_SETSOCKOPT, 0 },
	{ "cgroup/dev", PT_CGROUP_DEVICE, AT_CGROUP_DEVICE, 0 },
	{ "struct_ops+", PT_STRUCT_OPS, 0, 0 },
	{ "struct_ops.s+", PT_STRUCT_OPS, 0, SLEEP },
	{ "sk_lookup", PT_SK_LOOKUP, AT_SK_LOOKUP, 0 },
	{ "netfilter", PT_NETFILTER, AT_NETFILTER, 0 },
};

/* libbpf's names of the program types, indexed by number. */
static const char *const prog_type_names[] = {
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act",
	"tracepoint", "xdp", "perf_event", "cgroup_skb", "cgroup_sock",
	"lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
	"sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local",
	"lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
	"ext", "lsm", "sk_lookup", "syscall", "netfilter",
};

static int sec_matches(const char *def, const char *name)
{
	size_t len = strlen(def);

	if (def[len - 1] == '/')
		return !strncmp(name, def, len);
	if (def[len - 1] == '+') {
		len--;
		return !strncmp(name, def, len) &&
		       (name[len] == '\0' || name[len] == '/');
	}
	return !strcmp(name, def);
}

const struct ubee_sec_def *ubee_sec_find(const char *name)
{
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(sec_defs); i++)
		if (sec_matches(sec_defs[i].name, name))
			return &sec_defs[i];
	return NULL;
}

const char *ubee_sec_prog_type_name(uint32_t type)
{
	return type < UBEE_ARRAY_SIZE(prog_type_names) ? prog_type_names[type]
						       : NULL;
}
