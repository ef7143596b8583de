// SPDX-License-Identifier: MIT
/*
 * ubee's context types as BTF (ubee_prog_type_btf), so that a program's
 * CO-RE relocations on its context resolve against the layout ubee gives
 * it, with or without a kernel BTF. The BTF is built once, at first use,
 * from the C layouts of include/ubee/progtype.h: every member is added at
 * its C field's offsetof, and a _Static_assert checks that the field has
 * exactly the C type standing for the BTF type it is described with
 * (c_u32 for __u32, c_ulongx6 for unsigned long[6], ...), so the C structs
 * and the BTF cannot drift apart. Names, member order, offsets and sizes
 * are the kernel's (its UAPI headers and vmlinux BTF, which
 * test_ctx_btf.c compares them with); where the C structs say it
 * differently:
 *   - __sk_buff's flow_keys and sk are the UAPI's anonymous unions holding
 *     a pointer to a forward-declared struct (u64 fields in C);
 *   - trace_entry is struct ubee_trace_common, and the syscall records'
 *     "long id" covers the C view's int nr and its padding;
 *   - bpf_raw_tracepoint_args is "__u64 args[0]", as in the UAPI (ubee
 *     passes up to UBEE_RAW_TP_MAX_ARGS);
 *   - the syscall records end in the kernel's "char __data[0]".
 * enum xdp_action is included too (the values XDP programs return), so
 * enumerator relocations have a target without vmlinux. The adders
 * return void: the builder keeps the first error, checked once when the
 * BTF is written.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>

#include "btf/btf_build.h"
#include "progtypes/progtypes.h"
#include "ubee/btf.h"
#include "util/util.h"

/* The C type standing for each BTF type a member is described with. */
typedef uint8_t c_uchar;
typedef uint16_t c_ushort;
typedef int32_t c_s32;
typedef int64_t c_slong;
typedef uint64_t c_ulong;
typedef uint8_t c_u8;
typedef uint32_t c_u32;
typedef uint64_t c_u64;
typedef uint32_t c_u32x4[4];
typedef uint32_t c_u32x5[5];
typedef uint64_t c_ulongx6[6];
typedef struct ubee_trace_common c_trace_entry;
typedef struct ubee_pt_regs c_user_regs; /* bpf_user_pt_regs_t */
#if defined(__aarch64__)
typedef uint64_t c_u64x31[31];
#endif

/* Ids of the types members refer to, named as their C stand-ins. */
struct ids {
	int uchar, ushort, s32, uint, slong, ulong, ullong, chr;
	int u8, u32, u64;
	int u32x4, u32x5, ulongx6, u64x0, charx0;
	int trace_entry, user_regs;
#if defined(__aarch64__)
	int u64x31;
#endif
};

/* Member f of C struct T, named name, as BTF type id->k. */
#define MEMBER_AS(T, f, name, k)                                              \
	do {                                                                  \
		_Static_assert(__builtin_types_compatible_p(                  \
				       __typeof__(((T *)0)->f), c_##k),       \
			       #T "." #f " is not " #k);                      \
		ubee_btf_add_member(b, name, id->k, offsetof(T, f) * 8, 0);   \
	} while (0)
#define MEMBER(T, f, k) MEMBER_AS(T, f, #f, k)

_Static_assert(sizeof(struct ubee_trace_common) == 8, "struct trace_entry");
_Static_assert(offsetof(struct ubee_sys_enter_ctx, args) -
		       offsetof(struct ubee_sys_enter_ctx, nr) == 8 &&
	       offsetof(struct ubee_sys_enter_ctx, nr) == 8,
	       "sys_enter: long id at 8");
_Static_assert(offsetof(struct ubee_sys_exit_ctx, ret) -
		       offsetof(struct ubee_sys_exit_ctx, nr) == 8 &&
	       offsetof(struct ubee_sys_exit_ctx, nr) == 8,
	       "sys_exit: long id at 8");
_Static_assert(sizeof(((struct ubee_sk_buff *)0)->flow_keys) == UBEE_BTF_PTR_SIZE &&
	       sizeof(((struct ubee_sk_buff *)0)->sk) == UBEE_BTF_PTR_SIZE,
	       "__sk_buff pointers");

static void add_base(struct ubee_btf_builder *b, struct ids *id)
{
	id->uchar = ubee_btf_add_int(b, "unsigned char", 1, 0);
	id->ushort = ubee_btf_add_int(b, "unsigned short", 2, 0);
	id->s32 = ubee_btf_add_int(b, "int", 4, UBEE_BTF_INT_SIGNED);
	id->uint = ubee_btf_add_int(b, "unsigned int", 4, 0);
	id->slong = ubee_btf_add_int(b, "long", 8, UBEE_BTF_INT_SIGNED);
	id->ulong = ubee_btf_add_int(b, "unsigned long", 8, 0);
	id->ullong = ubee_btf_add_int(b, "unsigned long long", 8, 0);
	id->chr = ubee_btf_add_int(b, "char", 1, 0);
	id->u8 = ubee_btf_add_typedef(b, "__u8", id->uchar);
	id->u32 = ubee_btf_add_typedef(b, "__u32", id->uint);
	id->u64 = ubee_btf_add_typedef(b, "__u64", id->ullong);
	id->u32x4 = ubee_btf_add_array(b, id->u32, id->s32, 4);
	id->u32x5 = ubee_btf_add_array(b, id->u32, id->s32, 5);
	id->ulongx6 = ubee_btf_add_array(b, id->ulong, id->s32, 6);
	id->u64x0 = ubee_btf_add_array(b, id->u64, id->s32, 0);
	id->charx0 = ubee_btf_add_array(b, id->chr, id->s32, 0);
#if defined(__aarch64__)
	id->u64x31 = ubee_btf_add_array(b, id->u64, id->s32, 31);
#endif
}

static void add_xdp(struct ubee_btf_builder *b, const struct ids *id)
{
	static const char *const actions[] = {
		"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
	};

	ubee_btf_add_struct(b, "xdp_md", sizeof(struct ubee_xdp_md));
	MEMBER(struct ubee_xdp_md, data, u32);
	MEMBER(struct ubee_xdp_md, data_end, u32);
	MEMBER(struct ubee_xdp_md, data_meta, u32);
	MEMBER(struct ubee_xdp_md, ingress_ifindex, u32);
	MEMBER(struct ubee_xdp_md, rx_queue_index, u32);
	MEMBER(struct ubee_xdp_md, egress_ifindex, u32);
	ubee_btf_add_enum(b, "xdp_action", 4, 0);
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(actions); i++)
		ubee_btf_add_enum_value(b, actions[i], (int64_t)i);
}

/* union { struct <fwd> *<member>; } (the UAPI's __bpf_md_ptr). */
static int add_ptr_union(struct ubee_btf_builder *b, const char *member,
			 const char *fwd)
{
	int ptr = ubee_btf_add_ptr(b, ubee_btf_add_fwd(b, fwd, 0));
	int u = ubee_btf_add_union(b, NULL, UBEE_BTF_PTR_SIZE);

	ubee_btf_add_member(b, member, ptr, 0, 0);
	return u;
}

static void add_skb(struct ubee_btf_builder *b, const struct ids *id)
{
	int flow_keys = add_ptr_union(b, "flow_keys", "bpf_flow_keys");
	int sk = add_ptr_union(b, "sk", "bpf_sock");

#define SKB(f, k) MEMBER(struct ubee_sk_buff, f, k)
	ubee_btf_add_struct(b, "__sk_buff", sizeof(struct ubee_sk_buff));
	SKB(len, u32);
	SKB(pkt_type, u32);
	SKB(mark, u32);
	SKB(queue_mapping, u32);
	SKB(protocol, u32);
	SKB(vlan_present, u32);
	SKB(vlan_tci, u32);
	SKB(vlan_proto, u32);
	SKB(priority, u32);
	SKB(ingress_ifindex, u32);
	SKB(ifindex, u32);
	SKB(tc_index, u32);
	SKB(cb, u32x5);
	SKB(hash, u32);
	SKB(tc_classid, u32);
	SKB(data, u32);
	SKB(data_end, u32);
	SKB(napi_id, u32);
	SKB(family, u32);
	SKB(remote_ip4, u32);
	SKB(local_ip4, u32);
	SKB(remote_ip6, u32x4);
	SKB(local_ip6, u32x4);
	SKB(remote_port, u32);
	SKB(local_port, u32);
	SKB(data_meta, u32);
	ubee_btf_add_member(b, NULL, flow_keys,
			    offsetof(struct ubee_sk_buff, flow_keys) * 8, 0);
	SKB(tstamp, u64);
	SKB(wire_len, u32);
	SKB(gso_segs, u32);
	ubee_btf_add_member(b, NULL, sk, offsetof(struct ubee_sk_buff, sk) * 8, 0);
	SKB(gso_size, u32);
	SKB(tstamp_type, u8);
	SKB(hwtstamp, u64);
#undef SKB
}

/* struct pt_regs and bpf_user_pt_regs_t; sets id->user_regs. */
static void add_regs(struct ubee_btf_builder *b, struct ids *id)
{
#if defined(__aarch64__)
	/* user_pt_regs; the kernel's pt_regs starts with the same fields
	 * (in an anonymous union), which CO-RE finds by name alike. */
	static const char *const names[] = { "user_pt_regs", "pt_regs" };
	int user = 0;

	for (size_t i = 0; i < UBEE_ARRAY_SIZE(names); i++) {
		int s = ubee_btf_add_struct(b, names[i], sizeof(struct ubee_pt_regs));

		user = user ? user : s;
		MEMBER(struct ubee_pt_regs, regs, u64x31);
		MEMBER(struct ubee_pt_regs, sp, u64);
		MEMBER(struct ubee_pt_regs, pc, u64);
		MEMBER(struct ubee_pt_regs, pstate, u64);
	}
	id->user_regs = ubee_btf_add_typedef(b, "bpf_user_pt_regs_t", user);
#else
	int s = ubee_btf_add_struct(b, "pt_regs", sizeof(struct ubee_pt_regs));

#define REG(f) MEMBER(struct ubee_pt_regs, f, ulong)
	REG(r15);
	REG(r14);
	REG(r13);
	REG(r12);
	REG(bp);
	REG(bx);
	REG(r11);
	REG(r10);
	REG(r9);
	REG(r8);
	REG(ax);
	REG(cx);
	REG(dx);
	REG(si);
	REG(di);
	REG(orig_ax);
	REG(ip);
	REG(cs);
	REG(flags);
	REG(sp);
	REG(ss);
#undef REG
	id->user_regs = ubee_btf_add_typedef(b, "bpf_user_pt_regs_t", s);
#endif
}

static void add_perf_raw_tp(struct ubee_btf_builder *b, const struct ids *id)
{
	ubee_btf_add_struct(b, "bpf_perf_event_data",
			    sizeof(struct ubee_perf_event_data));
	MEMBER(struct ubee_perf_event_data, regs, user_regs);
	MEMBER(struct ubee_perf_event_data, sample_period, u64);
	MEMBER(struct ubee_perf_event_data, addr, u64);
	ubee_btf_add_struct(b, "bpf_raw_tracepoint_args", 0);
	ubee_btf_add_member(b, "args", id->u64x0, 0, 0);
}

/* trace_entry and the syscall records; sets id->trace_entry. */
static void add_trace(struct ubee_btf_builder *b, struct ids *id)
{
	id->trace_entry = ubee_btf_add_struct(b, "trace_entry",
					      sizeof(struct ubee_trace_common));
	MEMBER(struct ubee_trace_common, type, ushort);
	MEMBER(struct ubee_trace_common, flags, uchar);
	MEMBER(struct ubee_trace_common, preempt_count, uchar);
	MEMBER(struct ubee_trace_common, pid, s32);

	ubee_btf_add_struct(b, "trace_event_raw_sys_enter",
			    sizeof(struct ubee_sys_enter_ctx));
	MEMBER_AS(struct ubee_sys_enter_ctx, common, "ent", trace_entry);
	ubee_btf_add_member(b, "id", id->slong,
			    offsetof(struct ubee_sys_enter_ctx, nr) * 8, 0);
	MEMBER(struct ubee_sys_enter_ctx, args, ulongx6);
	ubee_btf_add_member(b, "__data", id->charx0,
			    sizeof(struct ubee_sys_enter_ctx) * 8, 0);

	ubee_btf_add_struct(b, "trace_event_raw_sys_exit",
			    sizeof(struct ubee_sys_exit_ctx));
	MEMBER_AS(struct ubee_sys_exit_ctx, common, "ent", trace_entry);
	ubee_btf_add_member(b, "id", id->slong,
			    offsetof(struct ubee_sys_exit_ctx, nr) * 8, 0);
	MEMBER(struct ubee_sys_exit_ctx, ret, slong);
	ubee_btf_add_member(b, "__data", id->charx0,
			    sizeof(struct ubee_sys_exit_ctx) * 8, 0);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Once built, kept for the life of the process (under lock). */
static struct ubee_btf *ctx_btf;
static void *ctx_data;
static size_t ctx_size;

/* Build the BTF unless it is there; 0 or -ENOMEM (-EINVAL would be a bug
 * in the description above, which test_ctx_btf.c would show). */
static int ensure_built(void)
{
	struct ubee_btf_builder *b;
	struct ubee_btf *btf = NULL;
	struct ids id;
	void *data = NULL;
	size_t size = 0;
	int err;

	if (ctx_btf)
		return 0;
	b = ubee_btf_builder_new();
	if (!b)
		return -ENOMEM;
	add_base(b, &id);
	add_trace(b, &id);
	add_xdp(b, &id);
	add_skb(b, &id);
	add_regs(b, &id);
	add_perf_raw_tp(b, &id);
	err = ubee_btf_builder_finish(b, &data, &size);
	if (!err)
		err = ubee_btf_parse(data, size, &btf, NULL);
	ubee_btf_builder_free(b);
	if (err) {
		ubee_free(data);
		return err;
	}
	ctx_data = data;
	ctx_size = size;
	ctx_btf = btf;
	return 0;
}

const struct ubee_btf *ubee_prog_type_btf(void)
{
	const struct ubee_btf *btf;
	int err;

	pthread_mutex_lock(&lock);
	err = ensure_built();
	btf = ctx_btf;
	pthread_mutex_unlock(&lock);
	if (err)
		errno = -err;
	return btf;
}

const void *ubee_prog_type_btf_data(size_t *size)
{
	const void *data;
	int err;

	pthread_mutex_lock(&lock);
	err = ensure_built();
	data = ctx_data;
	if (!err && size)
		*size = ctx_size;
	pthread_mutex_unlock(&lock);
	if (err)
		errno = -err;
	return data;
}

int ubee_prog_type_ctx_btf_id(const struct ubee_prog_type *t)
{
	const struct ubee_btf *btf;

	if (!t || !t->ctx_type)
		return -ENOENT;
	btf = ubee_prog_type_btf();
	if (!btf)
		return -errno;
	return ubee_btf_find(btf, t->ctx_type, UBEE_BTF_KIND_STRUCT);
}
