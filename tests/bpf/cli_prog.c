// SPDX-License-Identifier: MIT
/*
 * Programs for tests/sh/cli_run.sh, in a section libbpf does not know, so
 * they load as ubee's plain-memory type: the first argument points to the
 * --data bytes. One is self-contained, one calls a .text subprogram.
 */
#define SEC(n) __attribute__((section(n), used))

SEC("mem") int first_plus_one(unsigned char *p)
{
	return p[0] + 1;
}

static __attribute__((noinline)) int twice(int x)
{
	return x * 2;
}

SEC("mem") int calls_sub(unsigned char *p)
{
	return twice(p[0]);
}

char LICENSE[] SEC("license") = "GPL";
