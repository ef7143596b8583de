// SPDX-License-Identifier: MIT
/*
 * Limits end in clear errors, never an out-of-memory kill or a hang: the
 * memory cap on an object's maps (default and caller-set), huge map
 * specs given directly, and the instruction budget of checked runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "testfile.h"
#include "ubee/map.h"
#include "ubee/object.h"

static char logbuf[4096];

/* Open and load name with cap (0: the default); the load's error. */
static int load(const char *name, uint64_t cap)
{
	/* Limits of the loader: its programs need not verify. */
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .vmlinux_btf = "",
					    .max_memory = cap,
					    .prog_flags = UBEE_PROG_NO_VERIFY };
	struct ubee_object *obj = NULL;
	struct ubee_log log;
	char path[512];
	uint8_t *bytes;
	size_t size;
	int err;

	bytes = t_read_file(t_bpf_obj(name, path, sizeof(path)), &size);
	if (!bytes)
		return -ENOENT;
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_object_open_mem(bytes, size, name, &obj, &log);
	if (!err)
		err = ubee_object_load(obj, &lo, &log);
	ubee_object_free(obj);
	free(bytes);
	return err;
}

static void object_memory_cap(void)
{
	int err = load("huge_map.v3.o", 0);

	if (err == -ENOENT) {
		t_skip("huge_map.v3.o not built");
		return;
	}
	T_CHECK(err == -E2BIG, "huge map: %d", err);
	T_CHECK(strstr(logbuf, "map 'huge': needs about") &&
			strstr(logbuf, "over the limit of 1073741824 bytes"),
		"log: %s", logbuf);
	/* A caller's smaller cap stops an ordinary object too. */
	T_CHECK(load("loader_maps.v3.o", 4096) == -E2BIG, "small cap: %s", logbuf);
	T_CHECK(load("loader_maps.v3.o", 0) == 0, "default cap: %s", logbuf);
}

static void map_spec_memory(void)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_HASH,
				   .key_size = 4, .value_size = 8,
				   .max_entries = 1000 };
	uint64_t plain = ubee_map_spec_memory(&s);

	T_CHECK(plain >= 1000 * 12, "hash estimate %llu", (unsigned long long)plain);
	s.type = UBEE_MAP_PERCPU_HASH;
	T_CHECK(ubee_map_spec_memory(&s) >= plain, "per-CPU estimate");
	s.type = UBEE_MAP_RINGBUF;
	s.key_size = s.value_size = 0;
	s.max_entries = 1 << 20;
	T_CHECK(ubee_map_spec_memory(&s) >= 1 << 20, "ringbuf estimate");
	s.type = 999;
	T_EQ_U64(ubee_map_spec_memory(&s), 0);
}

/* A map created directly with an impossible size fails, not crashes. */
static void huge_map_direct(void)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_ARRAY,
				   .key_size = 4, .value_size = 1 << 20,
				   .max_entries = 1u << 31 };
	struct ubee_map *m = ubee_map_new(&s, NULL);

	T_CHECK(!m && (errno == E2BIG || errno == ENOMEM || errno == EINVAL),
		"2 PiB array: %p errno %d", (void *)m, errno);
	ubee_map_put(m);
}

int main(void)
{
	T_RUN(object_memory_cap);
	T_RUN(map_spec_memory);
	T_RUN(huge_map_direct);
	return t_summary();
}
