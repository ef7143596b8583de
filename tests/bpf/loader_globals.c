// SPDX-License-Identifier: MIT
/*
 * Global data for the loader's tests (tests/unit/test_loader.c and
 * tests/sh/libbpf_xcheck.sh): variables in .data, .rodata, .bss and a
 * custom .data.custom section, static and global, read and written
 * directly by programs and by static and global subprograms. Programs
 * run on plain memory: r1 points to the input bytes.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counter = 5;                          /* .data */
static int hidden = 11;                   /* .data, static */
const volatile int limit = 100;           /* .rodata */
const volatile char table[8] = { 1, 2, 3, 5, 8, 13, 21, 34 }; /* .rodata */
__u64 total;                              /* .bss */
static __u32 calls;                       /* .bss, static */
int custom SEC(".data.custom") = 77;      /* its own map */
const char greeting[] = "ubee";           /* .rodata */

static __attribute__((noinline)) int bump(int by)
{
	calls++;
	counter += by;
	return counter;
}

__attribute__((noinline)) int fib_at(int i)
{
	return table[i & 7] + hidden;
}

/* counter += p[0]; returns counter (5 + p[0] the first time) */
SEC("socket")
int add_counter(unsigned char *p)
{
	return bump(p[0]);
}

/* table[p[0] & 7] + 11 */
SEC("socket")
int read_table(unsigned char *p)
{
	return fib_at(p[0]);
}

/* total += p[0] * limit; returns low 32 bits of total */
SEC("xdp")
int accumulate(unsigned char *p)
{
	total += (__u64)p[0] * limit;
	return (int)total;
}

/* custom + greeting[1] ('b' = 98) + calls */
SEC("tc")
int read_custom(unsigned char *p)
{
	return custom + greeting[p[0] & 3] + (int)calls;
}

char LICENSE[] SEC("license") = "GPL";
