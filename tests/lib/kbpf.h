/* SPDX-License-Identifier: MIT */
/*
 * Thin wrappers over the Linux bpf() system call, for tests that compare
 * ubee with the kernel: load a program (with the verifier log on failure)
 * and run it once with BPF_PROG_TEST_RUN. Both return 0 / a file
 * descriptor, or a negative errno.
 */
#ifndef UBEE_TESTS_KBPF_H
#define UBEE_TESTS_KBPF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Load cnt 8-byte instructions as a program of the given type
 * (BPF_PROG_TYPE_*) with license "GPL". Returns the program fd or a
 * negative errno. When the load fails and log is non-NULL, it is retried
 * with the verifier log on and log[log_size] holds the log's tail.
 */
int kbpf_prog_load(int type, const void *insns, size_t cnt, char *log,
		   size_t log_size);

/*
 * kbpf_prog_load with BTF function information: btf_fd holds the types,
 * func_info[2 * i] is the first instruction of subprogram i and
 * func_info[2 * i + 1] its BTF_KIND_FUNC type id (nr_funcs entries,
 * sorted, the first at instruction 0).
 */
int kbpf_prog_load_func(int type, const void *insns, size_t cnt, int btf_fd,
			const uint32_t *func_info, size_t nr_funcs, char *log,
			size_t log_size);

/*
 * Run prog_fd once on data_in[size_in]. data_out[*size_out] receives the
 * packet afterwards (*size_out is updated to its length); *retval gets the
 * return value. Returns 0 or a negative errno (-ENOSPC: data_out too small).
 */
int kbpf_test_run(int prog_fd, const void *data_in, size_t size_in,
		  void *data_out, size_t *size_out, uint32_t *retval);

/*
 * Maps (for the map differential tests): create one, returning its fd or
 * a negative errno; the element operations return 0 or a negative errno,
 * as bpf(BPF_MAP_*_ELEM). key NULL in get_next_key asks for the first key.
 */
int kbpf_map_create(uint32_t type, uint32_t key_size, uint32_t value_size,
		    uint32_t max_entries, uint32_t map_flags);
/* The same with map_extra (a bloom filter's number of hashes). */
int kbpf_map_create_extra(uint32_t type, uint32_t key_size,
			  uint32_t value_size, uint32_t max_entries,
			  uint32_t map_flags, uint64_t map_extra);
int kbpf_map_lookup(int fd, const void *key, void *value);
int kbpf_map_update(int fd, const void *key, const void *value,
		    uint64_t flags);
int kbpf_map_delete(int fd, const void *key);
/* Queues and stacks pop with key NULL. */
int kbpf_map_lookup_and_delete(int fd, const void *key, void *value);
int kbpf_map_get_next_key(int fd, const void *key, void *next_key);
int kbpf_map_freeze(int fd);

/*
 * Load raw BTF (BPF_BTF_LOAD): its fd or a negative errno (log[size], when
 * given, gets the kernel's BTF log on failure).
 */
int kbpf_btf_load(const void *data, size_t size, char *log, size_t log_size);
/* A map whose key and value have BTF types (a value with a bpf_spin_lock). */
int kbpf_map_create_btf(uint32_t type, uint32_t key_size, uint32_t value_size,
			uint32_t max_entries, uint32_t map_flags, int btf_fd,
			uint32_t key_type_id, uint32_t value_type_id);

/* 0 when bpf(BPF_MAP_CREATE) works here (root, BPF in the kernel), else
 * its negative errno: the map tests' reason to skip. */
int kbpf_map_probe(void);

#endif /* UBEE_TESTS_KBPF_H */
