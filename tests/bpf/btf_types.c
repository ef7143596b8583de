// SPDX-License-Identifier: MIT
/*
 * Types for the BTF parser's tests (tests/unit/test_btf.c): structs,
 * unions, bitfields, enums (32- and 64-bit), arrays, typedef chains,
 * qualifiers, a self-referencing pointer, BTF-defined maps in .maps,
 * global data in .data, .rodata and .bss, functions with parameters
 * (func info, line info) and CO-RE field accesses (relocations in
 * .BTF.ext). The tests check layouts against this source, so changing
 * a type here means changing the expectations there. The programs pass
 * the kernel verifier, so the object can also be loaded with bpftool to
 * compare `bpftool map dump` output.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

typedef unsigned int u32;
typedef unsigned long long u64;
typedef u32 count_t;            /* typedef chain: count_t -> u32 -> int */

enum color { RED = 0, GREEN = 1, BLUE = 7, DARK = -3 };
enum wide { WIDE_SMALL = 1, WIDE_BIG = 0x123456789ULL };

struct flags {
	unsigned int a : 3;     /* bit 0 */
	unsigned int b : 5;     /* bit 3 */
	int c : 7;              /* bit 8 */
	unsigned short d;       /* byte 2 */
};

union num {
	u32 u;
	int i;
	unsigned char bytes[4];
};

struct foo {
	count_t cnt;            /* 0 */
	char name[8];           /* 4 */
	enum color col;         /* 12 */
	struct flags fl;        /* 16 */
	union num n;            /* 20 */
	u64 big;                /* 24 */
	const volatile u32 cv;  /* 32 */
	struct foo *next;       /* 40: a pointer to itself is fine */
	short matrix[2][3];     /* 48 */
	enum wide w;            /* 64 */
};                              /* 72 bytes */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, struct foo);
} m SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

int data_a = 5;                        /* .data */
char data_s[6] = "hello";              /* .data */
const volatile u32 ro_limit = 42;      /* .rodata */
const volatile short ro_tab[3] = { 1, 2, 3 }; /* .rodata */
u64 bss_hits;                          /* .bss */
struct foo bss_foo;                    /* .bss */

/*
 * A local view of the kernel's task_struct (the ___ suffix is a CO-RE
 * flavour): each field access below becomes a CO-RE relocation that the
 * loader resolves against the kernel's BTF.
 */
struct task_struct___ubee {
	int pid;
	int tgid;
	unsigned int flags;
	struct task_struct___ubee *real_parent;
} __attribute__((preserve_access_index));

static __attribute__((noinline)) int weigh(struct foo *f, int scale)
{
	return f->cnt * scale + f->fl.c;
}

SEC("xdp")
int btf_prog(struct xdp_md *ctx)
{
	u32 key = 0;
	struct foo *f = bpf_map_lookup_elem(&m, &key);
	u64 *c = bpf_map_lookup_elem(&counts, &key);

	if (c)
		__sync_fetch_and_add(c, 1);
	bss_hits += data_a + ro_tab[1];
	if (!f)
		return XDP_PASS;
	if (f->cnt > ro_limit)
		return XDP_DROP;
	return weigh(f, data_s[0]) > 3 ? XDP_PASS : XDP_DROP;
}

SEC("tp_btf/sched_switch")
int core_prog(u64 *ctx)
{
	struct task_struct___ubee *t = (void *)ctx[1];
	int pid = BPF_CORE_READ(t, pid);
	int ppid = BPF_CORE_READ(t, real_parent, tgid);

	bss_foo.cnt = pid;
	bss_foo.big = ppid;
	return bpf_core_field_exists(t->flags) ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
