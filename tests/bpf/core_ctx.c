// SPDX-License-Identifier: MIT
/*
 * CO-RE on program contexts, for tests/unit/test_ctx_btf.c: each program
 * reads its context through a local "___local" flavour of the kernel's
 * type holding a subset of the fields in another order, so every offset
 * clang wrote is wrong until the loader relocates it against ubee's
 * context BTF (ubee_prog_type_btf), which it must do with no vmlinux at
 * all. Each program's expected result is stated above it.
 * ctx_missing (not loaded by default) reads a field no context has.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct __sk_buff___local {
	__u32 priority;
	__u32 cb[5];
	__u32 mark;
	__bpf_md_ptr(struct bpf_sock *, sk);
	__u32 len;
	__u32 ubee_missing;
} __attribute__((preserve_access_index));

struct xdp_md___local {
	__u32 data_end;
	__u32 ingress_ifindex;
	__u32 data;
} __attribute__((preserve_access_index));

enum xdp_action___local {
	XDP_PASS___local = 7,
	XDP_DROP___local = 8,
};

struct pt_regs___local {
	unsigned long si;
	unsigned long ax;
	unsigned long di;
} __attribute__((preserve_access_index));

/* Not marked: accesses are relocated only inside
 * __builtin_preserve_access_index(). */
struct pt_regs___plain {
	unsigned long cs;
	unsigned long ip;
};

struct trace_event_raw_sys_enter___local {
	unsigned long args[6];
	long id;
} __attribute__((preserve_access_index));

struct trace_event_raw_sys_exit___local {
	long ret;
} __attribute__((preserve_access_index));

struct bpf_raw_tracepoint_args___local {
	__u64 args[0];
} __attribute__((preserve_access_index));

struct bpf_perf_event_data___local {
	__u64 addr;
	struct pt_regs___local regs;
	__u64 sample_period;
} __attribute__((preserve_access_index));

/* len + mark << 8 + priority << 16 + cb[2] << 24, cb[2] written first */
SEC("socket")
int skb_fields(struct __sk_buff___local *skb)
{
	skb->cb[2] = 5;
	return skb->len + (skb->mark << 8) + (skb->priority << 16) +
	       (skb->cb[2] << 24);
}

/* exists(mark) + 10 * exists(ubee_missing) + 100 * size(cb)
 * + 10000 * offset(sk) + 10000000 * (type size == 192) */
SEC("socket")
int skb_facts(struct __sk_buff___local *skb)
{
	return bpf_core_field_exists(skb->mark) +
	       10 * bpf_core_field_exists(skb->ubee_missing) +
	       100 * bpf_core_field_size(skb->cb) +
	       10000 * bpf_core_field_offset(skb->sk) +
	       10000000 * (bpf_core_type_size(struct __sk_buff___local) == 192);
}

/* Writes data_end - data and ingress_ifindex to the packet; returns
 * XDP_PASS as the target's enumerator (2) */
SEC("xdp")
int xdp_fields(struct xdp_md___local *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 *p = data;

	if (data + 8 > end)
		return bpf_core_enum_value(enum xdp_action___local, XDP_DROP___local);
	p[0] = (__u32)(end - data);
	p[1] = ctx->ingress_ifindex;
	return bpf_core_enum_value(enum xdp_action___local, XDP_PASS___local);
}

/* The target (context BTF) ids: xdp_md + 1000 * __sk_buff */
SEC("socket")
int type_ids(struct __sk_buff___local *skb)
{
	return bpf_core_type_id_kernel(struct xdp_md___local) +
	       1000 * bpf_core_type_id_kernel(struct __sk_buff___local);
}

/* di + 2 * si + 3 * ax (BPF_CORE_READ: bpf_probe_read_kernel) + ip +
 * (size of cs << 16) */
SEC("kprobe/ubee_core")
int regs(struct pt_regs___local *r)
{
	struct pt_regs___plain *p = (void *)r;

	return r->di + 2 * r->si + 3 * BPF_CORE_READ(r, ax) +
	       __builtin_preserve_access_index(p->ip) +
	       (__builtin_preserve_access_index(
			__builtin_preserve_field_info(p->cs, BPF_FIELD_BYTE_SIZE)) << 16);
}

/* id * 100 + args[1] */
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter(struct trace_event_raw_sys_enter___local *ctx)
{
	return ctx->id * 100 + ctx->args[1];
}

/* -ret + 1000 * signed(ret) */
SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit(struct trace_event_raw_sys_exit___local *ctx)
{
	return -ctx->ret +
	       1000 * __builtin_preserve_field_info(ctx->ret, BPF_FIELD_SIGNED);
}

/* args[2] - args[0] */
SEC("raw_tp/ubee_core")
int raw_tp(struct bpf_raw_tracepoint_args___local *ctx)
{
	return ctx->args[2] - ctx->args[0];
}

/* regs.ax + 10 * sample_period + 100 * addr */
SEC("perf_event")
int perf(struct bpf_perf_event_data___local *ctx)
{
	return ctx->regs.ax + 10 * ctx->sample_period + 100 * ctx->addr;
}

/* a field no context has: the relocation cannot be resolved */
SEC("?socket")
int ctx_missing(struct __sk_buff___local *skb)
{
	return skb->len + skb->ubee_missing;
}

char LICENSE[] SEC("license") = "GPL";
