// SPDX-License-Identifier: MIT
/*
 * Kernel helper prototypes for offline verification (UBEE_PROG_VERIFY_ONLY):
 * the helpers the kernel has and ubee does not implement, with the
 * kernel's ids, names and argument/return kinds (its bpf_func_proto, as
 * /usr/include/linux/bpf.h documents them), so that programs written for
 * the kernel verify as they would there. fn is NULL: such a program loads
 * but never runs.
 *
 * The table covers every helper the kernel (6.18) allows for the program
 * types of ubee_prog_type_at (their allow-lists were read off the kernel
 * with bpf(BPF_PROG_LOAD), one helper at a time). Where one id has several
 * kernel prototypes depending on the program type, the entry is the one
 * of the types ubee lists (bpf_get_cgroup_classid: the no-argument
 * version of the base set).
 *
 * Kernel kinds enum ubee_arg_kind has no word for are mapped onto the
 * nearest kind that rejects at least what the kernel rejects (a precision
 * gap, never a soundness one): socket, task, timer, dynptr, kptr, per-cpu
 * and fixed-size header pointers become UBEE_ARG_PTR_TO_BTF_ID (an opaque
 * kernel object the program cannot make), returned sockets and objects
 * that need no release become UBEE_RET_PTR_TO_BTF_ID(_OR_NULL), and
 * bpf_get_local_storage's never-NULL map value is MAP_VALUE_OR_NULL.
 * One gap the other way: the optional value argument of
 * sk/task/cgrp_storage_get (ARG_PTR_TO_MAP_VALUE_OR_NULL) is ANYTHING.
 */
#include <stddef.h>

#include "util/util.h"
#include "verifier/verifier.h"

#define A(k) UBEE_ARG_##k
#define P(id, name, ret, ...)                                                 \
	{ id, "bpf_" #name, NULL, UBEE_RET_##ret, { __VA_ARGS__ } }

#define SOCK A(PTR_TO_BTF_ID)       /* a kernel socket (sock_common) */
#define OBJ A(PTR_TO_BTF_ID)        /* task, timer, dynptr, kptr, ... */
#define MEM_RO A(PTR_TO_MEM_RDONLY)
#define UNINIT A(PTR_TO_UNINIT_MEM)
#define SIZE A(CONST_SIZE)
#define SIZE0 A(CONST_SIZE_OR_ZERO)
#define CTX A(PTR_TO_CTX)
#define MAP A(CONST_MAP_PTR)
#define ANY A(ANYTHING)
#define LOOKUP_ARGS CTX, MEM_RO, SIZE, ANY, ANY

/* Sorted by id (ubee_vproto_find searches it). */
static const struct ubee_helper protos[] = {
	P(10, l3_csum_replace, INTEGER, CTX, ANY, ANY, ANY, ANY),
	P(11, l4_csum_replace, INTEGER, CTX, ANY, ANY, ANY, ANY),
	P(13, clone_redirect, INTEGER, CTX, ANY, ANY),
	P(17, get_cgroup_classid, INTEGER, 0),
	P(18, skb_vlan_push, INTEGER, CTX, ANY, ANY),
	P(19, skb_vlan_pop, INTEGER, CTX),
	P(20, skb_get_tunnel_key, INTEGER, CTX, UNINIT, SIZE, ANY),
	P(21, skb_set_tunnel_key, INTEGER, CTX, MEM_RO, SIZE, ANY),
	P(22, perf_event_read, INTEGER, MAP, ANY),
	P(24, get_route_realm, INTEGER, CTX),
	P(27, get_stackid, INTEGER, CTX, MAP, ANY),
	P(29, skb_get_tunnel_opt, INTEGER, CTX, UNINIT, SIZE),
	P(30, skb_set_tunnel_opt, INTEGER, CTX, MEM_RO, SIZE),
	P(31, skb_change_proto, INTEGER, CTX, ANY, ANY),
	P(32, skb_change_type, INTEGER, CTX, ANY),
	P(33, skb_under_cgroup, INTEGER, CTX, MAP, ANY),
	P(34, get_hash_recalc, INTEGER, CTX),
	P(35, get_current_task, INTEGER, 0),
	P(36, probe_write_user, INTEGER, ANY, MEM_RO, SIZE),
	P(37, current_task_under_cgroup, INTEGER, MAP, ANY),
	P(38, skb_change_tail, INTEGER, CTX, ANY, ANY),
	P(39, skb_pull_data, INTEGER, CTX, ANY),
	P(40, csum_update, INTEGER, CTX, ANY),
	P(41, set_hash_invalid, VOID, CTX),
	P(43, skb_change_head, INTEGER, CTX, ANY, ANY),
	P(46, get_socket_cookie, INTEGER, CTX),
	P(47, get_socket_uid, INTEGER, CTX),
	P(48, set_hash, INTEGER, CTX, ANY),
	P(49, setsockopt, INTEGER, CTX, ANY, ANY, MEM_RO, SIZE),
	P(50, skb_adjust_room, INTEGER, CTX, ANY, ANY, ANY),
	P(52, sk_redirect_map, INTEGER, CTX, MAP, ANY, ANY),
	P(53, sock_map_update, INTEGER, CTX, MAP, A(PTR_TO_MAP_KEY), ANY),
	P(55, perf_event_read_value, INTEGER, MAP, ANY, UNINIT, SIZE),
	P(56, perf_prog_read_value, INTEGER, CTX, UNINIT, SIZE),
	P(57, getsockopt, INTEGER, CTX, ANY, ANY, UNINIT, SIZE),
	P(58, override_return, INTEGER, CTX, ANY),
	P(59, sock_ops_cb_flags_set, INTEGER, CTX, ANY),
	P(60, msg_redirect_map, INTEGER, CTX, MAP, ANY, ANY),
	P(61, msg_apply_bytes, INTEGER, CTX, ANY),
	P(62, msg_cork_bytes, INTEGER, CTX, ANY),
	P(63, msg_pull_data, INTEGER, CTX, ANY, ANY, ANY),
	P(64, bind, INTEGER, CTX, MEM_RO, SIZE),
	P(66, skb_get_xfrm_state, INTEGER, CTX, ANY, UNINIT, SIZE, ANY),
	P(67, get_stack, INTEGER, CTX, UNINIT, SIZE0, ANY),
	P(68, skb_load_bytes_relative, INTEGER, CTX, ANY, UNINIT, SIZE, ANY),
	P(69, fib_lookup, INTEGER, CTX, A(PTR_TO_MEM), SIZE, ANY),
	P(70, sock_hash_update, INTEGER, CTX, MAP, A(PTR_TO_MAP_KEY), ANY),
	P(71, msg_redirect_hash, INTEGER, CTX, MAP, A(PTR_TO_MAP_KEY), ANY),
	P(72, sk_redirect_hash, INTEGER, CTX, MAP, A(PTR_TO_MAP_KEY), ANY),
	P(73, lwt_push_encap, INTEGER, CTX, ANY, MEM_RO, SIZE),
	P(79, skb_cgroup_id, INTEGER, CTX),
	P(80, get_current_cgroup_id, INTEGER, 0),
	P(81, get_local_storage, MAP_VALUE_OR_NULL, MAP, ANY),
	P(82, sk_select_reuseport, INTEGER, CTX, MAP, A(PTR_TO_MAP_KEY), ANY),
	P(83, skb_ancestor_cgroup_id, INTEGER, CTX, ANY),
	P(84, sk_lookup_tcp, PTR_TO_SOCKET_OR_NULL, LOOKUP_ARGS),
	P(85, sk_lookup_udp, PTR_TO_SOCKET_OR_NULL, LOOKUP_ARGS),
	P(86, sk_release, INTEGER, SOCK),
	P(90, msg_push_data, INTEGER, CTX, ANY, ANY, ANY),
	P(91, msg_pop_data, INTEGER, CTX, ANY, ANY, ANY),
	P(95, sk_fullsock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(96, tcp_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(97, skb_ecn_set_ce, INTEGER, CTX),
	P(98, get_listener_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(99, skc_lookup_tcp, PTR_TO_SOCKET_OR_NULL, LOOKUP_ARGS),
	P(100, tcp_check_syncookie, INTEGER, SOCK, MEM_RO, SIZE, MEM_RO, SIZE),
	P(105, strtol, INTEGER, MEM_RO, SIZE, ANY, A(PTR_TO_LONG)),
	P(106, strtoul, INTEGER, MEM_RO, SIZE, ANY, A(PTR_TO_LONG)),
	P(107, sk_storage_get, MAP_VALUE_OR_NULL, MAP, SOCK, ANY, ANY),
	P(108, sk_storage_delete, INTEGER, MAP, SOCK),
	P(110, tcp_gen_syncookie, INTEGER, SOCK, MEM_RO, SIZE, MEM_RO, SIZE),
	P(119, read_branch_records, INTEGER, CTX, A(PTR_TO_MEM_OR_NULL), SIZE0,
	  ANY),
	P(120, get_ns_current_pid_tgid, INTEGER, ANY, ANY, UNINIT, SIZE),
	P(122, get_netns_cookie, INTEGER, A(PTR_TO_CTX_OR_NULL)),
	P(123, get_current_ancestor_cgroup_id, INTEGER, ANY),
	P(124, sk_assign, INTEGER, CTX, SOCK, ANY),
	P(128, sk_cgroup_id, INTEGER, SOCK),
	P(129, sk_ancestor_cgroup_id, INTEGER, SOCK, ANY),
	P(135, csum_level, INTEGER, CTX, ANY),
	P(136, skc_to_tcp6_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(137, skc_to_tcp_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(138, skc_to_tcp_timewait_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(139, skc_to_tcp_request_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(140, skc_to_udp6_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(141, get_task_stack, INTEGER, OBJ, UNINIT, SIZE0, ANY),
	P(142, load_hdr_opt, INTEGER, CTX, A(PTR_TO_MEM), SIZE, ANY),
	P(143, store_hdr_opt, INTEGER, CTX, MEM_RO, SIZE, ANY),
	P(144, reserve_hdr_opt, INTEGER, CTX, ANY, ANY),
	P(148, copy_from_user, INTEGER, UNINIT, SIZE0, ANY),
	P(149, snprintf_btf, INTEGER, A(PTR_TO_MEM), SIZE, MEM_RO, SIZE, ANY),
	P(151, skb_cgroup_classid, INTEGER, CTX),
	P(152, redirect_neigh, INTEGER, ANY, A(PTR_TO_MEM_OR_NULL), SIZE0, ANY),
	P(153, per_cpu_ptr, PTR_TO_BTF_ID_OR_NULL, OBJ, ANY),
	P(154, this_cpu_ptr, PTR_TO_BTF_ID, OBJ),
	P(155, redirect_peer, INTEGER, ANY, ANY),
	P(156, task_storage_get, MAP_VALUE_OR_NULL, MAP, OBJ, ANY, ANY),
	P(157, task_storage_delete, INTEGER, MAP, OBJ),
	P(158, get_current_task_btf, PTR_TO_BTF_ID, 0),
	P(163, check_mtu, INTEGER, CTX, ANY, A(PTR_TO_INT), ANY, ANY),
	P(169, timer_init, INTEGER, OBJ, MAP, ANY),
	P(170, timer_set_callback, INTEGER, OBJ, A(PTR_TO_FUNC)),
	P(171, timer_start, INTEGER, OBJ, ANY, ANY),
	P(172, timer_cancel, INTEGER, OBJ),
	P(175, task_pt_regs, PTR_TO_BTF_ID, OBJ),
	P(176, get_branch_snapshot, INTEGER, UNINIT, SIZE0, ANY),
	P(178, skc_to_unix_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(180, find_vma, INTEGER, OBJ, ANY, A(PTR_TO_FUNC),
	  A(PTR_TO_STACK_OR_NULL), ANY),
	P(186, get_retval, INTEGER, 0),
	P(187, set_retval, INTEGER, ANY),
	P(188, xdp_get_buff_len, INTEGER, CTX),
	P(189, xdp_load_bytes, INTEGER, CTX, ANY, UNINIT, SIZE),
	P(190, xdp_store_bytes, INTEGER, CTX, ANY, MEM_RO, SIZE),
	P(191, copy_from_user_task, INTEGER, UNINIT, SIZE0, ANY, OBJ, ANY),
	P(192, skb_set_tstamp, INTEGER, CTX, ANY, ANY),
	P(194, kptr_xchg, PTR_TO_BTF_ID_OR_NULL, OBJ, OBJ),
	P(196, skc_to_mptcp_sock, PTR_TO_BTF_ID_OR_NULL, SOCK),
	P(197, dynptr_from_mem, INTEGER, UNINIT, SIZE0, ANY, OBJ),
	P(198, ringbuf_reserve_dynptr, INTEGER, MAP, ANY, ANY, OBJ),
	P(199, ringbuf_submit_dynptr, VOID, OBJ, ANY),
	P(200, ringbuf_discard_dynptr, VOID, OBJ, ANY),
	P(201, dynptr_read, INTEGER, UNINIT, SIZE0, OBJ, ANY, ANY),
	P(202, dynptr_write, INTEGER, OBJ, ANY, MEM_RO, SIZE0, ANY),
	P(203, dynptr_data, PTR_TO_BTF_ID_OR_NULL, OBJ, ANY,
	  A(CONST_ALLOC_SIZE_OR_ZERO)),
	P(204, tcp_raw_gen_syncookie_ipv4, INTEGER, OBJ, MEM_RO, SIZE),
	P(205, tcp_raw_gen_syncookie_ipv6, INTEGER, OBJ, MEM_RO, SIZE),
	P(206, tcp_raw_check_syncookie_ipv4, INTEGER, OBJ, OBJ),
	P(207, tcp_raw_check_syncookie_ipv6, INTEGER, OBJ, OBJ),
	P(209, user_ringbuf_drain, INTEGER, MAP, A(PTR_TO_FUNC),
	  A(PTR_TO_STACK_OR_NULL), ANY),
	P(210, cgrp_storage_get, MAP_VALUE_OR_NULL, MAP, OBJ, ANY, ANY),
	P(211, cgrp_storage_delete, INTEGER, MAP, OBJ),
};

const struct ubee_helper *ubee_vproto_find(int32_t id)
{
	size_t lo = 0, hi = UBEE_ARRAY_SIZE(protos);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (protos[mid].id == id)
			return &protos[mid];
		if (protos[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
