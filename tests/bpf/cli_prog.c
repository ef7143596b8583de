// SPDX-License-Identifier: MIT
/*
 * Programs for tests/sh/cli_run.sh: one self-contained program, which runs
 * from the object today, and one calling a subprogram, which needs the
 * loader's relocations and must be refused clearly until then. Raw-memory
 * convention: the first argument points to the --data bytes.
 */
#define SEC(n) __attribute__((section(n), used))

SEC("socket") int first_plus_one(unsigned char *p)
{
	return p[0] + 1;
}

static __attribute__((noinline)) int twice(int x)
{
	return x * 2;
}

SEC("socket") int calls_sub(unsigned char *p)
{
	return twice(p[0]);
}

char LICENSE[] SEC("license") = "GPL";
