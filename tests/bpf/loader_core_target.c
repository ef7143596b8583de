// SPDX-License-Identifier: MIT
/*
 * A stand-in "kernel" for the CO-RE tests of tests/unit/test_loader.c:
 * its BTF (the .BTF section of this object) is the target the loader
 * resolves tests/bpf/loader_core.c against, with layouts that differ
 * from the local views there, so every relocated offset, size and value
 * is known.
 */
/* No kernel headers: this file defines its own struct __sk_buff. */
#define SEC(n) __attribute__((section(n), used))
typedef unsigned int __u32;

struct task_struct {
	long state;             /* 0 */
	void *stack;            /* 8 */
	struct {
		int tgid;       /* 16: reached through an anonymous member */
		int prio;
	};
	char comm[32];          /* 24: twice the local size */
	int pid;                /* 56 */
	int pad;
};                              /* 64 bytes */

struct __sk_buff {
	__u32 len;              /* 0 */
	__u32 pkt_type;         /* 4 */
	__u32 mark;             /* 8 */
	__u32 priority;         /* 12 */
};

struct flagged {
	unsigned int other : 8; /* bits 0-7 */
	unsigned int lo : 4;    /* 8-11 */
	unsigned int mid : 12;  /* 12-23 */
	int neg : 8;            /* 24-31 */
};

enum ubee_color { UBEE_RED = 5, UBEE_GREEN = 6, UBEE_BLUE = 7 };

/* Globals keep every type in the BTF. */
struct task_struct keep_task;
struct __sk_buff keep_skb;
struct flagged keep_flags;
enum ubee_color keep_color = UBEE_BLUE;

SEC("socket")
int keep_types(struct task_struct *t)
{
	return t->pid + keep_skb.mark + keep_flags.mid + keep_color;
}

char LICENSE[] SEC("license") = "GPL";
