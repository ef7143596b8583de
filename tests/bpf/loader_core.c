// SPDX-License-Identifier: MIT
/*
 * CO-RE relocations for tests/unit/test_loader.c: local views of kernel
 * types (the ___ubee suffix is a CO-RE flavour) whose field offsets,
 * sizes and existence, type sizes and enumerator values the loader must
 * take from the target BTF: tests/bpf/loader_core_target.c (a known
 * layout, compiled to BTF) or the running kernel's vmlinux. Programs run
 * on plain memory: r1 points to the input bytes, laid out as the target
 * type. core_bad (not loaded by default) reads a field no target has.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___ubee {
	int pid;
	int tgid;
	char comm[16];
	int ubee_no_such_field;
} __attribute__((preserve_access_index));

struct __sk_buff___ubee {
	__u32 len;
	__u32 mark;
	__u32 priority;
} __attribute__((preserve_access_index));

struct flagged___ubee {
	unsigned int lo : 4;
	unsigned int mid : 12;
	int neg : 8;
} __attribute__((preserve_access_index));

enum ubee_color___ubee { UBEE_RED___ubee = 0, UBEE_BLUE___ubee = 1 };

/* t->pid + t->tgid, at the target's offsets */
SEC("socket")
int core_pid(struct task_struct___ubee *t)
{
	return t->pid + t->tgid;
}

/* skb->mark (offset 8 in the kernel's __sk_buff) */
SEC("socket")
int core_skb(struct __sk_buff___ubee *skb)
{
	return skb->mark;
}

/* existence, sizes and enumerator values as one number:
 * exists(tgid) + 10 * exists(no_such) + 100 * size(comm)
 * + 10000 * enum(BLUE) */
SEC("socket")
int core_facts(struct task_struct___ubee *t)
{
	return bpf_core_field_exists(t->tgid) +
	       10 * bpf_core_field_exists(t->ubee_no_such_field) +
	       100 * bpf_core_field_size(t->comm) +
	       10000 * bpf_core_enum_value(enum ubee_color___ubee, UBEE_BLUE___ubee);
}

/* the size of the target's task_struct */
SEC("socket")
int core_type_size(struct task_struct___ubee *t)
{
	return bpf_core_type_size(struct task_struct___ubee);
}

/* bitfields: mid + neg (sign-extended) */
SEC("socket")
int core_bits(struct flagged___ubee *f)
{
	return BPF_CORE_READ_BITFIELD(f, mid) + BPF_CORE_READ_BITFIELD(f, neg);
}

/* a field no target type has: the relocation cannot be resolved */
SEC("?socket")
int core_bad(struct task_struct___ubee *t)
{
	return t->ubee_no_such_field;
}

char LICENSE[] SEC("license") = "GPL";
