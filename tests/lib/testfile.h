/* SPDX-License-Identifier: MIT */
/*
 * Files for tests: a whole file's bytes, and where `make test` put the
 * clang-built BPF objects of tests/bpf ($BUILD/bpf/<name>, BUILD
 * defaulting to "build").
 */
#ifndef UBEE_TEST_TESTFILE_H
#define UBEE_TEST_TESTFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The whole file at path, read until end of file (so /sys and /proc files
 * work too). *size gets its length; one NUL byte follows the last byte, so
 * a text file can be used as a string. Returns a buffer the caller free()s,
 * or NULL with errno set (ENOENT when the file does not exist).
 */
uint8_t *t_read_file(const char *path, size_t *size);

/*
 * The path of the built BPF object name ("loader_maps.v3.o"), written
 * into buf[size]: "$BUILD/bpf/<name>", or "build/bpf/<name>" when BUILD
 * is unset or empty. Returns buf.
 */
const char *t_bpf_obj(const char *name, char *buf, size_t size);

#endif /* UBEE_TEST_TESTFILE_H */
