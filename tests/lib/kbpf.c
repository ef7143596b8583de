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

struct func_info {
	int btf_fd;
	const uint32_t *info;
	size_t nr;
};

static int load(int type, const void *insns, size_t cnt,
		const struct func_info *fi, char *log, size_t log_size)
{
	static const char license[] = "GPL";
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = (uint32_t)type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t)license;
	if (fi) {
		attr.prog_btf_fd = (uint32_t)fi->btf_fd;
		attr.func_info = (uint64_t)(uintptr_t)fi->info;
		attr.func_info_rec_size = 8;
		attr.func_info_cnt = (uint32_t)fi->nr;
	}
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

static int load_logged(int type, const void *insns, size_t cnt,
		       const struct func_info *fi, char *log, size_t log_size)
{
	int fd, fd2;

	if (cnt > UINT32_MAX)
		return -E2BIG;
	/* Fast path without the log; only a failure pays for the log. */
	fd = load(type, insns, cnt, fi, NULL, 0);
	if (fd >= 0 || !log || !log_size)
		return fd;
	/*
	 * The kernel's log is rolling: when it overflows, the tail (with the
	 * reason) is kept. The first error code is the one reported.
	 */
	fd2 = load(type, insns, cnt, fi, log, log_size);
	return fd2 >= 0 ? fd2 : fd;
}

int kbpf_prog_load(int type, const void *insns, size_t cnt, char *log,
		   size_t log_size)
{
	return load_logged(type, insns, cnt, NULL, log, log_size);
}

int kbpf_prog_load_func(int type, const void *insns, size_t cnt, int btf_fd,
			const uint32_t *func_info, size_t nr_funcs, char *log,
			size_t log_size)
{
	struct func_info fi = { btf_fd, func_info, nr_funcs };

	if (nr_funcs > UINT32_MAX)
		return -E2BIG;
	return load_logged(type, insns, cnt, &fi, log, log_size);
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

int kbpf_map_create_extra(uint32_t type, uint32_t key_size,
			  uint32_t value_size, uint32_t max_entries,
			  uint32_t map_flags, uint64_t map_extra)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.map_flags = map_flags;
	attr.map_extra = map_extra;
	fd = sys_bpf(BPF_MAP_CREATE, &attr);
	return fd < 0 ? -errno : (int)fd;
}

int kbpf_map_create_btf(uint32_t type, uint32_t key_size, uint32_t value_size,
			uint32_t max_entries, uint32_t map_flags, int btf_fd,
			uint32_t key_type_id, uint32_t value_type_id)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.map_flags = map_flags;
	attr.btf_fd = (uint32_t)btf_fd;
	attr.btf_key_type_id = key_type_id;
	attr.btf_value_type_id = value_type_id;
	fd = sys_bpf(BPF_MAP_CREATE, &attr);
	return fd < 0 ? -errno : (int)fd;
}

int kbpf_btf_load(const void *data, size_t size, char *log, size_t log_size)
{
	union bpf_attr attr;
	long fd;

	if (size > UINT32_MAX)
		return -E2BIG;
	memset(&attr, 0, sizeof(attr));
	attr.btf = (uint64_t)(uintptr_t)data;
	attr.btf_size = (uint32_t)size;
	if (log && log_size) {
		log[0] = '\0';
		attr.btf_log_buf = (uint64_t)(uintptr_t)log;
		attr.btf_log_size = (uint32_t)log_size;
		attr.btf_log_level = 1;
	}
	fd = sys_bpf(BPF_BTF_LOAD, &attr);
	return fd < 0 ? -errno : (int)fd;
}

int kbpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size,
		    uint32_t max_entries, uint32_t map_flags)
{
	return kbpf_map_create_extra(type, key_size, value_size, max_entries,
				     map_flags, 0);
}

/* One element command on fd with key, value (or next key) and flags. */
static int map_elem(int cmd, int fd, const void *key, void *value,
		    uint64_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)key;
	attr.value = (uint64_t)(uintptr_t)value; /* also next_key */
	attr.flags = flags;
	return sys_bpf(cmd, &attr) < 0 ? -errno : 0;
}

int kbpf_map_lookup(int fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

int kbpf_map_update(int fd, const void *key, const void *value,
		    uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, fd, key, (void *)value, flags);
}

int kbpf_map_delete(int fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

int kbpf_map_lookup_and_delete(int fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, 0);
}

int kbpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	return map_elem(BPF_MAP_GET_NEXT_KEY, fd, key, next_key, 0);
}

int kbpf_map_freeze(int fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	return sys_bpf(BPF_MAP_FREEZE, &attr) < 0 ? -errno : 0;
}

int kbpf_map_probe(void)
{
	int fd = kbpf_map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
