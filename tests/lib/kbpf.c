// SPDX-License-Identifier: MIT
/* bpf() system call wrappers for kernel differential tests (see kbpf.h). */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "kbpf.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
#ifdef __NR_bpf
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int load(int type, const void *insns, size_t cnt, char *log,
		size_t log_size)
{
	static const char license[] = "GPL";
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = (uint32_t)type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t)license;
	if (log && log_size) {
		log[0] = '\0';
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)log_size;
		attr.log_level = 1;
	}
	/* The verifier may be interrupted by a signal; just try again. */
	do
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
	while (fd < 0 && (errno == EINTR || errno == EAGAIN));
	return fd < 0 ? -errno : (int)fd;
}

int kbpf_prog_load(int type, const void *insns, size_t cnt, char *log,
		   size_t log_size)
{
	int fd, fd2;

	if (cnt > UINT32_MAX)
		return -E2BIG;
	/* Fast path without the log; only a failure pays for the log. */
	fd = load(type, insns, cnt, NULL, 0);
	if (fd >= 0 || !log || !log_size)
		return fd;
	/*
	 * The kernel's log is rolling: when it overflows, the tail (with the
	 * reason) is kept. The first error code is the one reported.
	 */
	fd2 = load(type, insns, cnt, log, log_size);
	return fd2 >= 0 ? fd2 : fd;
}

int kbpf_test_run(int prog_fd, const void *data_in, size_t size_in,
		  void *data_out, size_t *size_out, uint32_t *retval)
{
	union bpf_attr attr;

	if (size_in > UINT32_MAX || *size_out > UINT32_MAX)
		return -E2BIG;
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog_fd;
	attr.test.data_in = (uint64_t)(uintptr_t)data_in;
	attr.test.data_size_in = (uint32_t)size_in;
	attr.test.data_out = (uint64_t)(uintptr_t)data_out;
	attr.test.data_size_out = (uint32_t)*size_out;
	attr.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
		return -errno;
	*size_out = attr.test.data_size_out;
	*retval = attr.test.retval;
	return 0;
}
