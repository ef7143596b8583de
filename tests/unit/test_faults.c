// SPDX-License-Identifier: MIT
/*
 * Fault injection over the whole pipeline: for every N, fail the Nth
 * allocation made while opening an object, loading it (maps, CO-RE,
 * programs), test-running each program in checked mode and, for objects
 * whose programs are safe to trust, JIT-compiling and running them; every step
 * must fail cleanly with -ENOMEM or succeed, leaving nothing leaked or
 * half-initialised (the sanitizer and valgrind builds check the leaks).
 * The walk ends at the first N past the pipeline's last allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "testfile.h"
#include "ubee/object.h"
#include "ubee/progtype.h"
#include "util/util.h"

/*
 * One pass of the pipeline. Returns 0 when every step succeeded, the
 * first error otherwise; *why names the step.
 */
static int pipeline(const uint8_t *bytes, size_t size, int jit, uint32_t prog_flags,
		    const char **why)
{
	static const uint8_t pkt[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2,
					 3, 4, 5, 6, 0x08, 0x00, 0x45 };
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .vmlinux_btf = "",
					    .prog_flags = prog_flags };
	struct ubee_object *obj = NULL;
	char buf[2048];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, buf, sizeof(buf));
	*why = "open";
	err = ubee_object_open_mem(bytes, size, "obj", &obj, &log);
	if (err)
		return err;
	*why = "load";
	err = ubee_object_load(obj, &lo, &log);
	for (size_t i = 0; !err && i < ubee_object_prog_count(obj); i++) {
		struct ubee_object_prog_info info;
		struct ubee_test_run t = { .sz = sizeof(t), .data_in = pkt,
					   .data_size_in = sizeof(pkt),
					   .flags = UBEE_RUN_CHECKED };
		uint8_t out[256];

		if (ubee_object_prog(obj, i, &info) || !info.prog)
			continue;
		t.data_out = out;
		t.data_size_out = sizeof(out);
		*why = "run";
		err = ubee_prog_test_run(info.prog, &t, &log);
		/* Program-level results (faults of the program) are not ours. */
		if (err != -ENOMEM)
			err = 0;
		if (!err && jit) {
			t.engine = UBEE_ENGINE_JIT;
			t.flags = UBEE_RUN_TRUSTED;
			t.data_size_out = sizeof(out);
			*why = "jit";
			err = ubee_prog_test_run(info.prog, &t, &log);
		}
	}
	ubee_object_free(obj);
	return err;
}

static void walk(const char *name, int jit, uint32_t prog_flags)
{
	char path[512];
	const char *why;
	uint8_t *bytes;
	size_t size;
	long n;
	int err;

	if (!strncmp(name, "examples/", 9))
		snprintf(path, sizeof(path), "%s/%s",
			 getenv("BUILD") && *getenv("BUILD") ? getenv("BUILD") : "build",
			 name);
	else
		t_bpf_obj(name, path, sizeof(path));
	bytes = t_read_file(path, &size);
	if (!bytes) {
		t_skip("%s not built", path);
		return;
	}
	err = pipeline(bytes, size, jit, prog_flags, &why);
	T_CHECK(!err, "%s: the pipeline fails without injected faults (%s: %d)",
		name, why, err);
	for (n = 0; t_ok() && n < 100000; n++) {
		ubee_fail_alloc_after(n);
		err = pipeline(bytes, size, jit, prog_flags, &why);
		if (ubee_fail_alloc_left() > 0) { /* no allocation failed: done */
			ubee_fail_alloc_after(-1);
			T_CHECK(!err, "%s: error %d at %s with no fault injected",
				name, err, why);
			break;
		}
		ubee_fail_alloc_after(-1);
		T_CHECK(!err || err == -ENOMEM,
			"%s: allocation %ld failed: %s gave %d, not -ENOMEM",
			name, n, why, err);
	}
	T_CHECK(n > 10, "%s: only %ld allocations", name, n);
	printf("# %s: walked %ld allocations\n", name, n);
	/* The pipeline still works afterwards: nothing was left broken. */
	T_CHECK(!pipeline(bytes, size, jit, prog_flags, &why), "%s: broken after the walk", name);
	free(bytes);
}

int main(void)
{
	/*
	 * jit: the programs are safe to run unchecked on the 64-byte input.
	 * Objects the verifier refuses (plain-memory programs with no ctx
	 * size, byte loads of an xdp context) load unverified; the examples
	 * walk the verifier's allocations too.
	 */
	static const struct {
		const char *name;
		int jit;
		uint32_t flags;
	} objs[] = {
		{ "loader_maps.v3.o", 0, UBEE_PROG_NO_VERIFY },
		{ "loader_globals.v3.o", 0, UBEE_PROG_NO_VERIFY },
		{ "loader_legacy.v3.o", 0, 0 },
		{ "cli_prog.v3.o", 1, UBEE_PROG_NO_VERIFY },
		{ "concurrency.v3.o", 1, UBEE_PROG_NO_VERIFY },
		{ "examples/bpf/xdp_parser.o", 1, 0 },
		{ "examples/bpf/ringbuf.o", 1, 0 },
	};

	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		t_begin("faults %s%s", objs[i].name, objs[i].jit ? " +jit" : "");
		walk(objs[i].name, objs[i].jit, objs[i].flags);
		t_end();
	}
	return t_summary();
}
