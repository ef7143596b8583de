// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the object loader on an arbitrary file. The input is an
 * ELF object. Whatever opens is walked through every query of object.h
 * (sections disassembled with symbolized jump targets, functions,
 * programs, linked instructions, line and func info, maps, inner maps),
 * then loaded with every program (CO-RE against the target BTF named by
 * UBEE_FUZZ_CORE_BTF, default tests/fuzz/core_target.btf when it exists;
 * helpers from fuzz_helpers(), which send no signals), and each loaded
 * program runs once, checked, on a small input with a small instruction
 * budget. Finally every map is walked from user space
 * and its entries printed with the object's BTF, as `ubee run
 * --dump-maps` does.
 *
 * Properties checked besides "no crash, leak or undefined behaviour":
 * failures are negative errnos with a log line; lookups by name find an
 * entry with that name; a second load of a loaded object is -EBUSY.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "ubee/asm.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/object.h"
#include "ubee/progtype.h"

#define OBJ_RUN_DATA 64     /* bytes of a program run's input */
#define OBJ_MAX_INSNS 4096  /* instructions disassembled per section */
#define OBJ_MAX_KEYS 16     /* map entries walked per map */
#define OBJ_MAX_VALUE 65536 /* larger keys or values are not walked */
#define OBJ_MAX_MAP_BYTES (256ull << 20) /* maps of one object, roughly */

static const char *obj_core_btf(void)
{
	const char *p = getenv("UBEE_FUZZ_CORE_BTF");

	if (p)
		return p;
	p = "tests/fuzz/core_target.btf";
	return access(p, R_OK) ? "" : p;
}

struct obj_sym {
	const struct ubee_object *obj;
	size_t sec;
	size_t cnt;
};

/* Disassembler callback: name jump targets as llvm-objdump does. */
static const char *obj_target_name(void *arg, int64_t target, char *buf,
				   size_t size)
{
	const struct obj_sym *s = arg;
	const char *name;
	size_t off;

	if (target < 0 || (uint64_t)target >= s->cnt ||
	    ubee_object_symbolize(s->obj, s->sec, (size_t)target, &name, &off))
		return NULL;
	snprintf(buf, size, off ? "%s+0x%zx" : "%s", name, off);
	return buf;
}

static void obj_disasm(const struct ubee_object *obj, size_t sec,
		       const struct ubee_insn *insns, size_t cnt)
{
	struct obj_sym s = { obj, sec, cnt };
	struct ubee_disasm_opts o = { .sz = sizeof(o),
				      .target_name = obj_target_name, .arg = &s };
	char line[FUZZ_LINE_MAX];

	for (size_t i = 0; i < cnt && i < OBJ_MAX_INSNS;) {
		int w = ubee_disasm_insn(insns, cnt, i, &o, line, sizeof(line));

		i += w > 0 ? (size_t)w : 1;
	}
}

/* Everything object.h answers before a load. */
static void obj_walk(const struct ubee_object *obj)
{
	size_t n = ubee_object_section_count(obj), cnt, k;
	const struct ubee_object_func_info *fi;
	const struct ubee_object_line *lines;
	struct ubee_object_prog_info pi;
	struct ubee_object_map_info mi;
	struct ubee_object_func f;
	const struct ubee_insn *insns;
	const char *name;
	size_t off;
	int idx;

	for (size_t i = 0; i < n; i++) {
		if (ubee_object_section(obj, i, &name, &insns, &cnt)) {
			FUZZ_FAIL("section %zu of %zu is missing", i, n);
			continue;
		}
		obj_disasm(obj, i, insns, cnt);
		if (cnt && ubee_object_symbolize(obj, i, cnt - 1, &name, &off))
			FUZZ_FAIL("section %zu: its last instruction has no symbol", i);
	}
	if (ubee_object_section(obj, n, &name, &insns, &cnt) != -ENOENT)
		FUZZ_FAIL("section %zu past the last one exists", n);

	n = ubee_object_func_count(obj);
	for (size_t i = 0; i < n; i++) {
		if (ubee_object_func(obj, i, &f))
			FUZZ_FAIL("function %zu of %zu is missing", i, n);
		ubee_object_func_reloc_count(obj, i);
	}

	n = ubee_object_prog_count(obj);
	for (size_t i = 0; i < n; i++) {
		if (ubee_object_prog(obj, i, &pi)) {
			FUZZ_FAIL("program %zu of %zu is missing", i, n);
			continue;
		}
		idx = ubee_object_find_prog(obj, pi.name);
		if (idx < 0 || (size_t)idx > i)
			FUZZ_FAIL("program %zu '%s': find gives %d", i, pi.name, idx);
		if (!ubee_object_prog_insns(obj, i, &insns, &cnt))
			for (k = 0; k < cnt && k < OBJ_MAX_INSNS; k++)
				ubee_disasm_insn(insns, cnt, k, NULL, (char[FUZZ_LINE_MAX]){ 0 },
						 FUZZ_LINE_MAX);
		if (!ubee_object_prog_lines(obj, i, &lines, &cnt))
			for (k = 0; k < cnt; k++)
				if (!lines[k].file || !lines[k].line)
					FUZZ_FAIL("program %zu: line %zu has no text", i, k);
		ubee_object_prog_func_info(obj, i, &fi, &cnt);
	}

	n = ubee_object_map_count(obj);
	for (size_t i = 0; i < n; i++) {
		if (ubee_object_map(obj, i, &mi)) {
			FUZZ_FAIL("map %zu of %zu is missing", i, n);
			continue;
		}
		idx = ubee_object_find_map(obj, mi.name);
		if (idx < 0 || (size_t)idx > i)
			FUZZ_FAIL("map %zu '%s': find gives %d", i, mi.name, idx);
		ubee_object_map_inner(obj, i, &mi);
	}
	if (!ubee_object_license(obj))
		FUZZ_FAIL("no license string");
}

/* One checked run of program i (if loaded) on a small input. */
static void obj_run(const struct ubee_object *obj, size_t i,
		    const uint8_t *data, size_t size)
{
	struct ubee_test_run t = { .sz = sizeof(t) };
	struct ubee_object_prog_info pi;
	uint8_t in[OBJ_RUN_DATA], out[OBJ_RUN_DATA + 256];
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	int err;

	if (ubee_object_prog(obj, i, &pi) || !pi.prog)
		return;
	for (size_t k = 0; k < sizeof(in); k++)
		in[k] = size ? data[(k * 31 + i) % size] : 0;
	t.flags = UBEE_RUN_CHECKED;
	t.insn_budget = FUZZ_INSN_BUDGET;
	t.data_out = out;
	t.data_size_out = sizeof(out);
	switch (ubee_prog_get_type(pi.prog)->id) {
	case UBEE_PROG_TYPE_MEM:
	case UBEE_PROG_TYPE_XDP:
	case UBEE_PROG_TYPE_SOCKET_FILTER:
	case UBEE_PROG_TYPE_SCHED_CLS:
	case UBEE_PROG_TYPE_SCHED_ACT:
		t.data_in = in;
		t.data_size_in = sizeof(in);
		break;
	default:
		t.ctx_in = in;
		t.ctx_size_in = ubee_prog_get_type(pi.prog)->ctx_size < sizeof(in) ?
					ubee_prog_get_type(pi.prog)->ctx_size :
					sizeof(in);
		break;
	}
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_prog_test_run(pi.prog, &t, &log);
	if (err > 0 || (err && !logbuf[0]))
		FUZZ_FAIL("program %zu: test run returned %d with log '%s'", i,
			  err, logbuf);
}

/* Walk map i from user space and print its entries with the BTF. */
static void obj_dump_map(const struct ubee_object *obj, size_t i)
{
	const struct ubee_btf *btf = ubee_object_btf(obj);
	struct ubee_object_map_info mi;
	uint8_t *key = NULL, *next = NULL, *val = NULL;
	struct ubee_btf_writer w;
	char out[1024];
	size_t vsize;

	if (ubee_object_map(obj, i, &mi) || !mi.map)
		return;
	ubee_object_map_data(obj, i, &vsize);
	if (mi.key_size > OBJ_MAX_VALUE || mi.value_size > OBJ_MAX_VALUE)
		return;
	vsize = ((size_t)mi.value_size + 7) / 8 * 8 * ubee_map_nr_cpus() + 8;
	key = malloc(mi.key_size + 1);
	next = malloc(mi.key_size + 1);
	val = malloc(vsize);
	if (!key || !next || !val)
		goto out;
	ubee_btf_w_init(&w, out, sizeof(out), UBEE_BTF_DUMP_PLAIN);
	ubee_btf_w_begin(&w, '[');
	for (size_t k = 0; k < OBJ_MAX_KEYS; k++) {
		if (ubee_map_get_next_key(mi.map, k ? key : NULL, next))
			break;
		memcpy(key, next, mi.key_size);
		if (ubee_map_lookup(mi.map, key, val))
			continue;
		if (btf)
			ubee_btf_dump_entry(&w, btf, mi.btf_key_type_id, key,
					    mi.key_size, mi.btf_value_type_id, val,
					    mi.value_size);
	}
	ubee_btf_w_end(&w, ']');
out:
	free(key);
	free(next);
	free(val);
}

/*
 * Roughly the bytes the maps of obj will take. An object may ask for maps
 * of many gigabytes, which ubee (like the kernel, within the memory
 * limits of the caller) would try to allocate: an embedder that loads
 * untrusted objects bounds this itself, and so does this target, so that
 * libFuzzer's malloc limit keeps meaning "a size computed wrongly".
 */
static uint64_t obj_map_bytes(const struct ubee_object *obj)
{
	struct ubee_object_map_info mi;
	uint64_t total = 0;

	for (size_t i = 0; i < ubee_object_map_count(obj); i++) {
		uint64_t one;

		if (ubee_object_map(obj, i, &mi))
			continue;
		one = ((uint64_t)mi.key_size + mi.value_size + 64) * mi.max_entries;
		if (mi.type == UBEE_MAP_PERCPU_ARRAY ||
		    mi.type == UBEE_MAP_PERCPU_HASH ||
		    mi.type == UBEE_MAP_LRU_PERCPU_HASH)
			one *= ubee_map_nr_cpus();
		total += one;
		if (mi.has_inner && !ubee_object_map_inner(obj, i, &mi))
			total += ((uint64_t)mi.key_size + mi.value_size + 64) *
				 mi.max_entries;
	}
	return total;
}

static void fuzz_object_one(const uint8_t *data, size_t size)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo) };
	struct ubee_object *obj = NULL;
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	int err;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_object_open_mem(data, size, "fuzz.o", &obj, &log);
	if (err) {
		if (err > 0 || !logbuf[0])
			FUZZ_FAIL("ubee_object_open_mem returned %d with log '%s'",
				  err, logbuf);
		return;
	}
	obj_walk(obj);
	if (obj_map_bytes(obj) > OBJ_MAX_MAP_BYTES)
		goto out;

	lo.load_all = 1;
	lo.helpers = fuzz_helpers();
	lo.vmlinux_btf = obj_core_btf();
	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_object_load(obj, &lo, &log);
	if (err) {
		if (err > 0 || !logbuf[0])
			FUZZ_FAIL("ubee_object_load returned %d with log '%s'", err,
				  logbuf);
		goto out;
	}
	for (size_t i = 0; i < ubee_object_prog_count(obj); i++)
		obj_run(obj, i, data, size);
	for (size_t i = 0; i < ubee_object_map_count(obj); i++)
		obj_dump_map(obj, i);
	if (ubee_object_load(obj, &lo, NULL) != -EBUSY)
		FUZZ_FAIL("a second load of a loaded object is not -EBUSY");
out:
	ubee_object_free(obj);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet();
	fuzz_object_one(data, size);
	return 0;
}
#endif
