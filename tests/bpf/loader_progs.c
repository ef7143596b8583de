// SPDX-License-Identifier: MIT
/*
 * Programs for the loader's tests (tests/unit/test_loader.c and
 * tests/sh/libbpf_xcheck.sh): one program per global function in
 * sections of many kinds, a section libbpf does not know, a `?` section
 * (not loaded by default), static and global subprograms in .text called
 * transitively (so each program gets its own linked copy), and a bpf_loop
 * callback (a pseudo-func lddw). No maps and no global data: the
 * programs run on plain memory, r1 pointing to the input bytes.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int add3(int x)
{
	return x + 3;
}

static __attribute__((noinline)) int twice_plus3(int x)
{
	return add3(x) * 2;
}

/* Global: a separate function for the verifier, still linked by copy. */
__attribute__((noinline)) int global_sq(int x)
{
	return x * x + twice_plus3(1);
}

struct loop_ctx {
	int sum;
	int step;
};

static int loop_cb(__u32 i, void *data)
{
	struct loop_ctx *c = data;

	c->sum += (int)i * c->step;
	return 0;
}

/* p[0] + 3 */
SEC("socket")
int prog_add3(unsigned char *p)
{
	return add3(p[0]);
}

/* (p[0] + 3) * 2 */
SEC("xdp")
int prog_twice(unsigned char *p)
{
	return twice_plus3(p[0]);
}

/* p[0]^2 + 8, through a global subprogram calling static ones */
SEC("tc")
int prog_square(unsigned char *p)
{
	return global_sq(p[0]);
}

/* Two programs in one section, each linked on its own. */
SEC("kprobe/do_sys_open")
int prog_k1(unsigned char *p)
{
	return add3(p[1]) + global_sq(2);
}

SEC("kprobe/do_sys_open")
int prog_k2(unsigned char *p)
{
	return 7;
}

/* sum over i < p[0] of i * 2 */
SEC("tracepoint/syscalls/sys_enter_open")
int prog_loop(unsigned char *p)
{
	struct loop_ctx c = { 0, 2 };

	bpf_loop(p[0], loop_cb, &c, 0);
	return c.sum;
}

/* Not loaded unless asked for. */
SEC("?socket")
int prog_lazy(unsigned char *p)
{
	return twice_plus3(p[0]) + 100;
}

SEC("cgroup_skb/ingress")
int prog_cg(unsigned char *p)
{
	return 1;
}

/* libbpf knows no such section: the program type stays unspecified. */
SEC("ubee_custom")
int prog_custom(unsigned char *p)
{
	return add3(40);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
