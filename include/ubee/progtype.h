/* SPDX-License-Identifier: MIT */
/*
 * Program types: what a program of each kind receives in r1 (its context),
 * which bytes of that context it may read or write and at what sizes,
 * which helpers it may call and which return values mean something. The
 * kernel's types carry the kernel's numbers (enum bpf_prog_type) and the
 * kernel's rules; UBEE_PROG_TYPE_MEM is ubee's own, for embedding (r1 =
 * data, r2 = its length). Embedders add their own types and helpers.
 *
 * Also here: the C layouts of the kernel contexts (for embedders that build
 * them), running a program with what its attachment provides (the cookie
 * and function address of bpf_get_attach_cookie / bpf_get_func_ip), and
 * where bpf_trace_printk's lines go.
 *
 * Context layouts are described by the C structs below, the field tables
 * of each type and, for CO-RE relocations against the context, as BTF
 * (ubee_prog_type_btf).
 */
#ifndef UBEE_PROGTYPE_H
#define UBEE_PROGTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the types ubee knows ---------------------------------------------- */

/* The kernel's numbers (enum bpf_prog_type); UBEE_PROG_TYPE_MEM is 0. */
#define UBEE_PROG_TYPE_SOCKET_FILTER 1
#define UBEE_PROG_TYPE_KPROBE 2          /* also uprobes: ctx is pt_regs */
#define UBEE_PROG_TYPE_SCHED_CLS 3       /* tc classifier, __sk_buff */
#define UBEE_PROG_TYPE_SCHED_ACT 4       /* tc action, __sk_buff */
#define UBEE_PROG_TYPE_TRACEPOINT 5
#define UBEE_PROG_TYPE_XDP 6
#define UBEE_PROG_TYPE_PERF_EVENT 7
#define UBEE_PROG_TYPE_CGROUP_SKB 8      /* the types from here to 22 */
#define UBEE_PROG_TYPE_CGROUP_SOCK 9     /* verify but do not run (see */
#define UBEE_PROG_TYPE_LWT_IN 10         /* UBEE_PT_VERIFY_ONLY) */
#define UBEE_PROG_TYPE_LWT_OUT 11
#define UBEE_PROG_TYPE_LWT_XMIT 12
#define UBEE_PROG_TYPE_SOCK_OPS 13
#define UBEE_PROG_TYPE_SK_SKB 14
#define UBEE_PROG_TYPE_SK_MSG 16
#define UBEE_PROG_TYPE_RAW_TRACEPOINT 17
#define UBEE_PROG_TYPE_CGROUP_SOCK_ADDR 18
#define UBEE_PROG_TYPE_FLOW_DISSECTOR 22

/* Embedders number their own types from here up. */
#define UBEE_PROG_TYPE_CUSTOM_FIRST 0x10000u
/*
 * Helper ids from here up are the embedder's own (the kernel's stay far
 * below): every program type may call them, if the registry the program
 * is loaded with has them.
 */
#define UBEE_HELPER_CUSTOM_FIRST 1000

/* What a full-size load of a context field gives, for the verifier. */
enum ubee_ctx_kind {
	UBEE_CTX_SCALAR = 0,
	UBEE_CTX_PKT,          /* pointer to the packet's first byte */
	UBEE_CTX_PKT_END,      /* one past the packet's last byte */
	UBEE_CTX_PKT_META,     /* start of the metadata before the packet */
	UBEE_CTX_SOCK_OR_NULL, /* struct bpf_sock *, may be NULL */
};

/*
 * Access sizes as a mask: bit value == size in bytes (1, 2, 4, 8).
 * UBEE_CTX_SZ_NARROW is the usual "the full field or a narrower aligned
 * part of it" for a 4-byte field.
 */
#define UBEE_CTX_SZ_1 1u
#define UBEE_CTX_SZ_2 2u
#define UBEE_CTX_SZ_4 4u
#define UBEE_CTX_SZ_8 8u
#define UBEE_CTX_SZ_NARROW (UBEE_CTX_SZ_1 | UBEE_CTX_SZ_2 | UBEE_CTX_SZ_4)
#define UBEE_CTX_SZ_ANY (UBEE_CTX_SZ_NARROW | UBEE_CTX_SZ_8)

/*
 * A span of the context: an access of size n at offset off is allowed
 * when it lies inside [off, off + size) of one field, off % n == 0, and
 * n is in the field's read (loads) or write (stores) mask.
 */
struct ubee_ctx_field {
	const char *name;   /* "data", "cb", "regs" */
	uint32_t off;
	uint32_t size;
	uint8_t read;       /* UBEE_CTX_SZ_* mask; 0: not readable */
	uint8_t write;      /* UBEE_CTX_SZ_* mask; 0: read-only */
	uint8_t kind;       /* enum ubee_ctx_kind */
};

enum ubee_prog_type_flags {
	/* The context is plain memory of the run's ctx_size: any access
	 * inside it, any size, read and write (UBEE_PROG_TYPE_MEM). */
	UBEE_PT_CTX_MEM = 1u << 0,
	/* Every helper of the registry may be called (no allow-list). */
	UBEE_PT_ALL_HELPERS = 1u << 1,
	/* Every return value is valid (ret_min/ret_max are ignored). */
	UBEE_PT_RET_ANY = 1u << 2,
	/*
	 * ubee has no context builder for the type: its programs load and
	 * verify (offline verification of programs written for the kernel)
	 * but every run fails with -EOPNOTSUPP.
	 */
	UBEE_PT_VERIFY_ONLY = 1u << 3,
};

/*
 * A program type. Everything is borrowed: a registered type and the
 * arrays it points to must stay valid and unchanged for the life of the
 * process (static storage).
 */
struct ubee_prog_type {
	uint32_t id;                /* a kernel number or >= CUSTOM_FIRST */
	const char *name;           /* "xdp", as libbpf and bpftool say */
	const char *ctx_type;       /* C name of the context ("xdp_md",
				     * "__sk_buff"); NULL: plain memory */
	uint32_t ctx_size;          /* bytes of the context (the largest the
				     * program may address) */
	const struct ubee_ctx_field *fields; /* sorted by off, disjoint */
	size_t nr_fields;
	const int32_t *helpers;     /* kernel helper ids allowed, ascending */
	size_t nr_helpers;
	uint32_t flags;             /* enum ubee_prog_type_flags */
	/*
	 * Valid return values, compared as the s32 the kernel sees in w0
	 * (XDP: XDP_ABORTED..XDP_REDIRECT; tc: TC_ACT_UNSPEC..TC_ACT_TRAP).
	 */
	int32_t ret_min, ret_max;
	/*
	 * Every helper the kernel allows the type, ascending (NULL: the
	 * same as helpers): the allow-list of programs loaded with
	 * UBEE_PROG_VERIFY_ONLY, which may call kernel helpers ubee does
	 * not implement. helpers stays the list of those that can run.
	 */
	const int32_t *kernel_helpers;
	size_t nr_kernel_helpers;
};

/* The type with this number, or NULL. */
const struct ubee_prog_type *ubee_prog_type_find(uint32_t id);
/* The type with this name ("xdp", "kprobe", "mem", ...), or NULL. */
const struct ubee_prog_type *ubee_prog_type_by_name(const char *name);
/* The i-th known type (built-ins first, then registered), or NULL past
 * the last: for listing them. */
const struct ubee_prog_type *ubee_prog_type_at(size_t i);

/*
 * Add a program type (kept, not copied; see above). Returns 0, -EINVAL
 * for an id below UBEE_PROG_TYPE_CUSTOM_FIRST, a missing name, fields
 * that overlap or are unsorted, helpers not ascending, or ret_min >
 * ret_max; -EEXIST when the id or the name is taken; -ENOMEM.
 * Thread-safe; types cannot be removed.
 */
int ubee_prog_type_register(const struct ubee_prog_type *type);

/*
 * May a program of type t load (write 0) or store (write 1) size bytes at
 * ctx + off? Returns 0 and (if field is not NULL) the field, or -EACCES.
 */
int ubee_prog_type_ctx_access(const struct ubee_prog_type *t, uint32_t off,
			      uint32_t size, int write,
			      const struct ubee_ctx_field **field);
/* 1 when programs of type t may call helper id (one of helpers or of
 * kernel_helpers), else 0. */
int ubee_prog_type_allows_helper(const struct ubee_prog_type *t, int32_t id);
/* 1 when r0 is a valid return value for type t, else 0. */
int ubee_prog_type_ret_ok(const struct ubee_prog_type *t, uint64_t r0);

/* The type a program was loaded as. */
const struct ubee_prog_type *ubee_prog_get_type(const struct ubee_prog *prog);

/* ---- context types as BTF (for CO-RE) ---------------------------------- */

struct ubee_btf;

/*
 * ubee's context types as one BTF (include/ubee/btf.h): struct xdp_md and
 * enum xdp_action, struct __sk_buff (struct bpf_flow_keys and struct
 * bpf_sock forward-declared), struct pt_regs and bpf_user_pt_regs_t,
 * struct bpf_perf_event_data, struct bpf_raw_tracepoint_args, struct
 * trace_entry, struct trace_event_raw_sys_enter and _sys_exit. Names,
 * members, offsets and sizes are the kernel's (as its BTF has them),
 * built from the C layouts below. The object loader resolves CO-RE
 * relocations against these types first (they are what ubee's programs
 * see), and against the kernel's BTF for every other type. Built at first
 * use and kept for the life of the process; thread-safe. NULL with errno
 * ENOMEM when it cannot be built (a later call tries again).
 */
const struct ubee_btf *ubee_prog_type_btf(void);
/* The same BTF in the kernel's binary format, *size bytes (for a file
 * that bpftool btf dump reads); borrowed as above. NULL with errno. */
const void *ubee_prog_type_btf_data(size_t *size);
/*
 * The id in ubee_prog_type_btf() of the STRUCT named t->ctx_type, or
 * -ENOENT when t has no ctx_type or ubee's BTF has no such struct (as for
 * most registered types); -ENOMEM.
 */
int ubee_prog_type_ctx_btf_id(const struct ubee_prog_type *t);

/* ---- context layouts (the kernel's UAPI, byte for byte) ---------------- */

/* XDP (struct xdp_md): data, data_end, data_meta are packet addresses. */
struct ubee_xdp_md {
	uint32_t data;
	uint32_t data_end;
	uint32_t data_meta;
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex;
};

/* Socket filters and tc (struct __sk_buff). */
struct ubee_sk_buff {
	uint32_t len;
	uint32_t pkt_type;
	uint32_t mark;
	uint32_t queue_mapping;
	uint32_t protocol;        /* network byte order, as on the wire */
	uint32_t vlan_present;
	uint32_t vlan_tci;
	uint32_t vlan_proto;
	uint32_t priority;
	uint32_t ingress_ifindex;
	uint32_t ifindex;
	uint32_t tc_index;
	uint32_t cb[5];
	uint32_t hash;
	uint32_t tc_classid;
	uint32_t data;
	uint32_t data_end;
	uint32_t napi_id;
	uint32_t family;
	uint32_t remote_ip4;
	uint32_t local_ip4;
	uint32_t remote_ip6[4];
	uint32_t local_ip6[4];
	uint32_t remote_port;
	uint32_t local_port;
	uint32_t data_meta;
	uint64_t flow_keys;       /* a pointer in the kernel */
	uint64_t tstamp;
	uint32_t wire_len;
	uint32_t gso_segs;
	uint64_t sk;              /* a pointer in the kernel */
	uint32_t gso_size;
	uint8_t tstamp_type;
	uint8_t pad_[3];
	uint64_t hwtstamp;
};

/* kprobe/uprobe context: the registers of the probed function. */
#if defined(__aarch64__)
struct ubee_pt_regs {
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
};
#else
/* x86-64 (struct pt_regs of the UAPI). */
struct ubee_pt_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di, orig_ax;
	uint64_t ip, cs, flags, sp, ss;
};
#endif

/* perf_event context (struct bpf_perf_event_data). */
struct ubee_perf_event_data {
	struct ubee_pt_regs regs;
	uint64_t sample_period;
	uint64_t addr;
};

/*
 * Tracepoint contexts of the syscalls:sys_enter_* and sys_exit_* events
 * (the raw event record: 8 bytes of common fields the program may not
 * read, then the event's fields).
 */
struct ubee_trace_common {
	uint16_t type;
	uint8_t flags;
	uint8_t preempt_count;
	int32_t pid;
};

struct ubee_sys_enter_ctx {
	struct ubee_trace_common common;
	int32_t nr;               /* __syscall_nr */
	uint32_t pad_;
	uint64_t args[6];
};

struct ubee_sys_exit_ctx {
	struct ubee_trace_common common;
	int32_t nr;
	uint32_t pad_;
	int64_t ret;
};

/* raw_tracepoint: the tracepoint's arguments, u64 each. */
#define UBEE_RAW_TP_MAX_ARGS 12

/* ---- running with an attachment ---------------------------------------- */

/* What the hook a program is attached to tells its helpers. */
struct ubee_attach {
	size_t sz;          /* sizeof(struct ubee_attach) */
	uint64_t cookie;    /* bpf_get_attach_cookie() */
	uint64_t func_ip;   /* bpf_get_func_ip(): the probed function */
};

/*
 * ubee_prog_run with the attachment's values (attach may be NULL: both
 * 0, which is also what ubee_prog_run gives the helpers).
 */
int ubee_prog_run_attach(const struct ubee_prog *prog,
			 const struct ubee_run_opts *opts,
			 const struct ubee_attach *attach, uint64_t *retval,
			 struct ubee_log *log);

/* ---- test runs (BPF_PROG_TEST_RUN) ------------------------------------ */

/*
 * One test run, with BPF_PROG_TEST_RUN's semantics, for every program
 * type:
 *  - xdp, socket_filter, sched_cls, sched_act: data_in is the packet
 *    (at least the 14-byte Ethernet header; skb types refuse IPv4 frames
 *    under 34 bytes and IPv6 under 54, as the kernel); the context is
 *    built as the kernel builds it (xdp_md / __sk_buff, data pointers
 *    live); ctx_in, when given, is checked and taken as the kernel does:
 *    xdp_md's ingress_ifindex and rx_queue_index (data_end must be the
 *    packet's size; metadata is not supported yet), __sk_buff's mark,
 *    priority, ingress_ifindex, ifindex, cb and tstamp (other fields must
 *    be zero); data_out is the packet after the last run (adjust_head/tail
 *    applied; socket filters get the Ethernet header zeroed, as the
 *    kernel's test run returns it);
 *  - mem: r1 = a private copy of data_in, r2 = its length; with ctx_in,
 *    r1/r2 describe a copy of ctx_in instead and data_in becomes the
 *    packet (LD_ABS/LD_IND) and a region the program may use; data_out is
 *    the data after the last run;
 *  - other types (kprobe, tracepoint, raw_tracepoint, perf_event and
 *    registered ones): ctx_in is the context, zero-padded to the type's
 *    size; data_in must be empty.
 * Every repeat starts from the same input; duration_ns is the average of
 * the runs alone. A redirect or drop shows only in retval.
 */
struct ubee_test_run {
	size_t sz;                /* sizeof(struct ubee_test_run) */
	const void *data_in;
	size_t data_size_in;
	const void *ctx_in;
	size_t ctx_size_in;
	uint32_t repeat;          /* 0 counts as 1 */
	enum ubee_engine engine;
	uint32_t flags;           /* enum ubee_run_flags */
	uint64_t insn_budget;     /* checked mode; 0: the default */

	/* Outputs. */
	uint64_t retval;          /* r0 of the last run */
	uint64_t duration_ns;     /* average per run */
	void *data_out;           /* NULL: not wanted */
	size_t data_size_out;     /* in: room at data_out; out: the size of
				   * the output data (when larger than the
				   * room, only the room is filled and
				   * -ENOSPC is returned, as the kernel) */
};

/*
 * Run prog as described above. Returns 0 or a negative errno with a log
 * line: -EINVAL for inputs the type cannot take (naming what), the run's
 * own errors (-EFAULT, -ETIME, ...), -ENOSPC (see data_size_out).
 */
int ubee_prog_test_run(const struct ubee_prog *prog, struct ubee_test_run *t,
		       struct ubee_log *log);

/* ---- bpf_trace_printk output ------------------------------------------- */

/*
 * bpf_trace_printk and bpf_trace_vprintk format like the kernel and hand
 * each message to a sink as one line, without the newline, in the
 * kernel's trace_pipe format:
 *
 *   "<comm>-<pid> [<cpu>] ..... <seconds>.<micros>: bpf_trace_printk: <text>"
 *
 * (one trailing newline of the text is dropped; len excludes the NUL).
 * Lines from concurrent runs never interleave: the sink is called under
 * a lock.
 */
typedef void (*ubee_trace_fn)(void *arg, const char *line, size_t len);

/*
 * Send lines to fn(arg, ...) from now on; fn NULL restores the default,
 * ubee_trace_sink_fd on standard error (fd 2).
 */
void ubee_trace_set_sink(ubee_trace_fn fn, void *arg);

/*
 * A sink writing each line and a newline to the file descriptor
 * (intptr_t)arg, e.g. an opened trace pipe file. Write errors are
 * ignored.
 */
void ubee_trace_sink_fd(void *arg, const char *line, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_PROGTYPE_H */
