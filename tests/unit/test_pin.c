// SPDX-License-Identifier: MIT
/*
 * Pinned maps (include/ubee/pin.h): the pin directory and path rules,
 * pin and open of every pinnable type with contents intact and shared
 * live (a forked child's writes are seen by the parent, the JIT-stable
 * address of an array value survives pinning), shared freeze and BTF,
 * ring buffers consumed from another process, types that refuse to pin,
 * and files that are refused on open: truncated, another version, bad
 * magic, a program file, mismatched geometry, a region size that does
 * not match, BTF outside the file, indices out of range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptest.h"
#include "test.h"
#include "testfile.h"
#include "maps/maps.h"
#include "maps/ringbuf.h"
#include "pin/map_file.h"
#include "ubee/btf.h"
#include "ubee/object.h"
#include "ubee/pin.h"

static char dir[PATH_MAX];
static char logbuf[4096];
static struct ubee_log lg;

static struct ubee_log *fresh_log(void)
{
	ubee_log_init(&lg, logbuf, sizeof(logbuf));
	logbuf[0] = 0;
	return &lg;
}

static void set_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ubee-test-pin.%d", getpid());
	mkdir(dir, 0700);
	setenv("UBEE_PIN_DIR", dir, 1);
}

static void cleanup_dir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static void pin_dir_rules(void)
{
	char buf[PATH_MAX], want[PATH_MAX + 8];

	T_EQ_U64(ubee_pin_dir(buf, sizeof(buf), NULL), 0);
	T_CHECK(!strcmp(buf, dir), "pin dir %s", buf);
	T_EQ_U64(ubee_pin_resolve("m1", buf, sizeof(buf), NULL), 0);
	snprintf(want, sizeof(want), "%s/m1", dir);
	T_CHECK(!strcmp(buf, want), "relative %s", buf);
	T_EQ_U64(ubee_pin_resolve("/x/y", buf, sizeof(buf), NULL), 0);
	T_CHECK(!strcmp(buf, "/x/y"), "absolute %s", buf);
	T_EQ_U64(ubee_pin_resolve("./z", buf, sizeof(buf), NULL), 0);
	T_CHECK(!strcmp(buf, "./z"), "dot %s", buf);
	T_EQ_U64(ubee_pin_resolve("", buf, sizeof(buf), NULL), -EINVAL);
	T_EQ_U64(ubee_pin_resolve("m1", buf, 4, NULL), -ENAMETOOLONG);
	/* An override wins over the environment; NULL resets it. */
	T_EQ_U64(ubee_pin_set_dir("/tmp"), 0);
	T_EQ_U64(ubee_pin_dir(buf, sizeof(buf), NULL), 0);
	T_CHECK(!strcmp(buf, "/tmp"), "override %s", buf);
	T_EQ_U64(ubee_pin_set_dir(NULL), 0);
	T_EQ_U64(ubee_pin_dir(buf, sizeof(buf), NULL), 0);
	T_CHECK(!strcmp(buf, dir), "reset %s", buf);
	T_EQ_U64(ubee_pin_type("no-such-pin"), -ENOENT);
}

/* Key number i of a map of type: an LPM /32 10.0.0.i, else i as a u32. */
static void make_key(uint32_t type, uint32_t i, unsigned char key[16])
{
	memset(key, 0, 16);
	if (type == UBEE_MAP_LPM_TRIE) {
		uint32_t pl = 32;

		memcpy(key, &pl, 4);
		key[4] = 10;
		key[7] = (uint8_t)i;
	} else {
		memcpy(key, &i, 4);
	}
}

/* Pin a map of each type with some contents, open it, compare. */
static void roundtrip_keyed(uint32_t type, uint32_t ks, uint32_t vs,
			    uint32_t max, uint32_t flags, const char *name)
{
	struct ubee_map *m = t_map_new(type, ks, vs, max, flags, 0), *o = NULL;
	unsigned ncpu = ubee_map_nr_cpus();
	size_t vbytes = (type == UBEE_MAP_PERCPU_ARRAY ||
			 type == UBEE_MAP_PERCPU_HASH ||
			 type == UBEE_MAP_LRU_PERCPU_HASH)
				? (size_t)ncpu * ((vs + 7) & ~7u) : vs;
	unsigned char key[16] = { 0 }, v[4096], w[4096];
	uint32_t i, n = 0;

	t_begin("roundtrip_%s", name);
	T_CHECK(m, "create");
	if (!m)
		goto out;
	for (i = 0; i < max / 2; i++) {
		make_key(type, i, key);
		memset(v, (int)(i + 1), vbytes);
		T_EQ_U64(ubee_map_update(m, key, v, UBEE_ANY), 0);
	}
	T_EQ_U64(ubee_map_pin(m, name, fresh_log()), 0);
	T_EQ_U64(ubee_pin_type(name), UBEE_PIN_MAP);
	T_EQ_U64(ubee_map_pin(m, "other", NULL), -EBUSY);
	T_EQ_U64(ubee_map_open_pinned(name, &o, fresh_log()), 0);
	T_CHECK(o, "open: %s", logbuf);
	if (!o)
		goto out;
	T_EQ_U64(ubee_map_type(o), type);
	T_EQ_U64(ubee_map_key_size(o), ks);
	T_EQ_U64(ubee_map_value_size(o), vs);
	T_EQ_U64(ubee_map_max_entries(o), max);
	T_EQ_U64(ubee_map_id(o), ubee_map_id(m));
	T_CHECK(ubee_map_pin_path(o) && strstr(ubee_map_pin_path(o), name),
		"pin path");
	/* Same keys, same values; iteration finds them all. */
	for (i = 0; i < max / 2; i++) {
		make_key(type, i, key);
		memset(w, 0, vbytes);
		T_EQ_U64(ubee_map_lookup(o, key, w), 0);
		memset(v, (int)(i + 1), vbytes);
		T_CHECK(!memcmp(v, w, vbytes), "value %u", i);
	}
	for (int err = ubee_map_get_next_key(o, NULL, key); !err;
	     err = ubee_map_get_next_key(o, key, key))
		n++;
	if (type == UBEE_MAP_ARRAY || type == UBEE_MAP_PERCPU_ARRAY)
		T_EQ_U64(n, max);
	else
		T_EQ_U64(n, max / 2);
	/* Live sharing: a write through one handle is seen by the other. */
	make_key(type, 1, key);
	memset(v, 0x5a, vbytes);
	T_EQ_U64(ubee_map_update(o, key, v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_lookup(m, key, w), 0);
	T_CHECK(!memcmp(v, w, vbytes), "shared write");
	if (type != UBEE_MAP_ARRAY && type != UBEE_MAP_PERCPU_ARRAY) {
		T_EQ_U64(ubee_map_delete(m, key), 0);
		T_EQ_U64(ubee_map_lookup(o, key, w), -ENOENT);
	}
	T_EQ_U64(ubee_pin_unlink(name, NULL), 0);
	T_EQ_U64(ubee_pin_type(name), -ENOENT);
out:
	ubee_map_put(o);
	ubee_map_put(m);
	t_end();
}

static void roundtrips(void)
{
	roundtrip_keyed(UBEE_MAP_ARRAY, 4, 12, 16, 0, "array");
	roundtrip_keyed(UBEE_MAP_PERCPU_ARRAY, 4, 12, 16, 0, "percpu_array");
	roundtrip_keyed(UBEE_MAP_HASH, 4, 12, 64, 0, "hash");
	roundtrip_keyed(UBEE_MAP_PERCPU_HASH, 4, 12, 64, 0, "percpu_hash");
	roundtrip_keyed(UBEE_MAP_LRU_HASH, 4, 12, 64, 0, "lru_hash");
	roundtrip_keyed(UBEE_MAP_LRU_PERCPU_HASH, 4, 8, 64, 0, "lru_percpu_hash");
	roundtrip_keyed(UBEE_MAP_LPM_TRIE, 8, 8, 64, UBEE_F_NO_PREALLOC,
			"lpm_trie");
}

/* Queue, stack and bloom filter: value-only types. */
static void value_types(void)
{
	struct ubee_map *q = t_map_new(UBEE_MAP_QUEUE, 0, 8, 4, 0, 0), *qo = NULL;
	struct ubee_map *s = t_map_new(UBEE_MAP_STACK, 0, 8, 4, 0, 0), *so = NULL;
	struct ubee_map *b = t_map_new(UBEE_MAP_BLOOM_FILTER, 0, 8, 100, 0, 0), *bo = NULL;
	uint64_t v;

	T_CHECK(q && s && b, "create");
	if (!q || !s || !b)
		goto out;
	for (v = 1; v <= 3; v++) {
		T_EQ_U64(ubee_map_push(q, &v, 0), 0);
		T_EQ_U64(ubee_map_push(s, &v, 0), 0);
		T_EQ_U64(ubee_map_push(b, &v, 0), 0);
	}
	T_EQ_U64(ubee_map_pin(q, "q", NULL), 0);
	T_EQ_U64(ubee_map_pin(s, "s", NULL), 0);
	T_EQ_U64(ubee_map_pin(b, "b", NULL), 0);
	T_EQ_U64(ubee_map_open_pinned("q", &qo, NULL), 0);
	T_EQ_U64(ubee_map_open_pinned("s", &so, NULL), 0);
	T_EQ_U64(ubee_map_open_pinned("b", &bo, NULL), 0);
	if (!qo || !so || !bo)
		goto out;
	T_EQ_U64(ubee_map_pop(qo, &v), 0);
	T_EQ_U64(v, 1);
	T_EQ_U64(ubee_map_pop(so, &v), 0);
	T_EQ_U64(v, 3);
	T_EQ_U64(ubee_map_peek(q, &v), 0);
	T_EQ_U64(v, 2);
	v = 2;
	T_EQ_U64(ubee_map_peek(bo, &v), 0);
	v = 1000;
	T_EQ_U64(ubee_map_push(bo, &v, 0), 0);
	T_EQ_U64(ubee_map_peek(b, &v), 0);
out:
	ubee_map_put(qo);
	ubee_map_put(so);
	ubee_map_put(bo);
	ubee_map_put(q);
	ubee_map_put(s);
	ubee_map_put(b);
}

/* A value's address does not change when its map is pinned (the JIT
 * bakes array addresses into code), and a forked child's writes through
 * its own opened map are seen there. */
static void address_stable_and_shared(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);
	uint32_t k = 2;
	uint64_t *p, v = 7;
	int status;
	pid_t pid;

	T_CHECK(m, "create");
	if (!m)
		return;
	p = m->ops->lookup(m, &k);
	*p = 41;
	T_EQ_U64(ubee_map_pin(m, "stable", NULL), 0);
	T_CHECK(m->ops->lookup(m, &k) == p, "address moved");
	T_EQ_U64(*p, 41);
	pid = fork();
	if (pid == 0) {
		struct ubee_map *o = NULL;

		if (ubee_map_open_pinned("stable", &o, NULL))
			_exit(1);
		__atomic_fetch_add((uint64_t *)o->ops->lookup(o, &k), 1,
				   __ATOMIC_SEQ_CST);
		v = 99;
		k = 3;
		_exit(ubee_map_update(o, &k, &v, UBEE_ANY) ? 2 : 0);
	}
	T_CHECK(pid > 0, "fork");
	waitpid(pid, &status, 0);
	T_CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "child %d", status);
	T_EQ_U64(*p, 42);
	k = 3;
	T_EQ_U64(ubee_map_lookup(m, &k, &v), 0);
	T_EQ_U64(v, 99);
	ubee_map_put(m);
}

static int count_rec(void *arg, const void *data, size_t size)
{
	uint64_t *sum = arg;
	uint64_t x;

	if (size != sizeof(x))
		return -EINVAL;
	memcpy(&x, data, sizeof(x));
	*sum += x;
	return 0;
}

/* Records produced in one process are consumed in another, in order. */
static void ringbuf_cross_process(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_RINGBUF, 0, 0, 4096, 0, 0), *o = NULL;
	uint64_t sum = 0, i;
	int status, got = 0;
	pid_t pid;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_pin(m, "rb", NULL), 0);
	pid = fork();
	if (pid == 0) {
		if (ubee_map_open_pinned("rb", &o, NULL))
			_exit(1);
		for (i = 1; i <= 1000; i++)
			while (ubee_ringbuf_output(o, &i, sizeof(i), 0))
				usleep(10);
		_exit(0);
	}
	T_EQ_U64(ubee_map_open_pinned("rb", &o, NULL), 0);
	while (o && got < 1000) {
		int n = ubee_ringbuf_consume(o, count_rec, &sum);

		if (n < 0)
			break;
		got += n;
		if (!n)
			usleep(10);
	}
	waitpid(pid, &status, 0);
	T_CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "child %d", status);
	T_EQ_U64(got, 1000);
	T_EQ_U64(sum, 1000 * 1001 / 2);
	ubee_map_put(o);
	ubee_map_put(m);
}

/* A dead producer's unsubmitted record is skipped, not waited on. */
static void ringbuf_dead_producer(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_RINGBUF, 0, 0, 4096, 0, 0), *o;
	uint64_t sum = 0, x = 5;
	int status;
	pid_t pid;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_pin(m, "rb2", NULL), 0);
	pid = fork();
	if (pid == 0) {
		if (ubee_map_open_pinned("rb2", &o, NULL) ||
		    !ubee_ringbuf_reserve(o, 8, 0))
			_exit(1);
		_exit(0); /* dies holding the reservation */
	}
	waitpid(pid, &status, 0);
	T_CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "child %d", status);
	T_EQ_U64(ubee_ringbuf_output(m, &x, sizeof(x), 0), 0);
	T_EQ_U64(ubee_ringbuf_consume(m, count_rec, &sum), 1);
	T_EQ_U64(sum, 5);
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_AVAIL_DATA), 0);
	ubee_map_put(m);
}

/* Freeze is shared; BTF goes into the file and comes back. */
static void freeze_and_btf(void)
{
	/* BTF: [1] int "u32" 4 bytes. */
	static const unsigned char btf[] = {
		0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0,
		16, 0, 0, 0, 5, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 32, 0, 0, 0,
		0, 'u', '3', '2', 0,
	};
	struct ubee_map *m = t_map_new(UBEE_MAP_HASH, 4, 4, 8, 0, 0), *o = NULL;
	const struct ubee_btf *b;
	uint32_t k = 1, v = 2, kid = 9, vid = 9;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_set_btf(m, btf, sizeof(btf), 1, 1), 0);
	T_EQ_U64(ubee_map_set_btf(m, btf, sizeof(btf), 2, 1), -EINVAL);
	T_EQ_U64(ubee_map_set_btf(m, btf, 10, 1, 1), -EINVAL);
	T_EQ_U64(ubee_map_pin(m, "fz", NULL), 0);
	T_EQ_U64(ubee_map_set_btf(m, btf, sizeof(btf), 1, 1), -EBUSY);
	T_EQ_U64(ubee_map_open_pinned("fz", &o, NULL), 0);
	if (!o)
		goto out;
	T_EQ_U64(ubee_map_btf(o, &b, &kid, &vid), 0);
	T_EQ_U64(kid, 1);
	T_EQ_U64(vid, 1);
	T_CHECK(!strcmp(ubee_btf_name(b, 1), "u32"), "btf name");
	T_EQ_U64(ubee_map_frozen(o), 0);
	T_EQ_U64(ubee_map_freeze(m), 0);
	T_EQ_U64(ubee_map_frozen(o), 1);
	T_EQ_U64(ubee_map_update(o, &k, &v, UBEE_ANY), -EPERM);
	T_EQ_U64(ubee_map_freeze(o), -EPERM);
out:
	ubee_map_put(o);
	ubee_map_put(m);
}

static void unpinnable(void)
{
	struct ubee_map *p = t_map_new(UBEE_MAP_PROG_ARRAY, 4, 4, 4, 0, 0);
	struct ubee_map *pe = t_map_new(UBEE_MAP_PERF_EVENT_ARRAY, 4, 4, 4, 0, 0);

	T_CHECK(p && pe, "create");
	if (p)
		T_EQ_U64(ubee_map_pin(p, "pa", fresh_log()), -EOPNOTSUPP);
	T_CHECK(strstr(logbuf, "cannot be pinned"), "message: %s", logbuf);
	if (pe)
		T_EQ_U64(ubee_map_pin(pe, "pe", NULL), -EOPNOTSUPP);
	T_EQ_U64(ubee_pin_type("pa"), -ENOENT);
	ubee_map_put(p);
	ubee_map_put(pe);
}

/* A pinned path that exists is -EEXIST, and nothing is left behind. */
static void pin_exists(void)
{
	struct ubee_map *a = t_map_new(UBEE_MAP_ARRAY, 4, 4, 4, 0, 0);
	struct ubee_map *b = t_map_new(UBEE_MAP_ARRAY, 4, 4, 4, 0, 0);

	T_CHECK(a && b, "create");
	if (a && b) {
		T_EQ_U64(ubee_map_pin(a, "dup", NULL), 0);
		T_EQ_U64(ubee_map_pin(b, "dup", fresh_log()), -EEXIST);
		T_CHECK(strstr(logbuf, "exists"), "message: %s", logbuf);
		T_CHECK(ubee_map_pin_path(b) == NULL, "b pinned");
	}
	ubee_map_put(a);
	ubee_map_put(b);
}

/* ---- refused files ----------------------------------------------------- */

static int copy_file(const char *from, const char *to, off_t trunc)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s/%s'", dir, from, dir, to);
	if (system(cmd))
		return -1;
	if (trunc >= 0) {
		snprintf(cmd, sizeof(cmd), "%s/%s", dir, to);
		return truncate(cmd, trunc);
	}
	return 0;
}

static int patch(const char *name, off_t off, const void *bytes, size_t n)
{
	char path[PATH_MAX + 64];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	ok = pwrite(fd, bytes, n, off) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

static void refuse(const char *name, int err, const char *msg)
{
	struct ubee_map *o = NULL;

	t_begin("refuse_%s", name);
	T_EQ_U64(ubee_map_open_pinned(name, &o, fresh_log()), err);
	T_CHECK(!o, "opened");
	T_CHECK(strstr(logbuf, msg) && strstr(logbuf, name),
		"message '%s' lacks '%s' or the path", logbuf, msg);
	ubee_map_put(o);
	t_end();
}

static void refused_files(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_HASH, 4, 8, 16, 0, 0);
	uint32_t u32;
	uint64_t u64;
	uint32_t k = 1;
	uint64_t v = 1;

	if (!m || ubee_map_pin(m, "good", NULL) ||
	    ubee_map_update(m, &k, &v, UBEE_ANY)) {
		t_begin("refused_files");
		T_CHECK(0, "setup");
		t_end();
		return;
	}
	copy_file("good", "trunc_hdr", 50);
	refuse("trunc_hdr", -EINVAL, "truncated");
	copy_file("good", "trunc_body", 4096 + 100);
	refuse("trunc_body", -EINVAL, "truncated");
	copy_file("good", "empty", 0);
	refuse("empty", -EINVAL, "truncated");
	copy_file("good", "magic", -1);
	patch("magic", 0, "NOTAUBEE", 8);
	refuse("magic", -EINVAL, "bad magic");
	copy_file("good", "prog", -1);
	patch("prog", 0, UBEE_PIN_PROG_MAGIC, 8);
	refuse("prog", -EINVAL, "pinned program");
	copy_file("good", "version", -1);
	u32 = 2;
	patch("version", offsetof(struct ubee_map_hdr, version), &u32, 4);
	refuse("version", -EPROTO, "version 2");
	copy_file("good", "geometry", -1);
	u32 = 4000; /* value_size 4000 over the region of value_size 8 */
	patch("geometry", offsetof(struct ubee_map_hdr, value_size), &u32, 4);
	refuse("geometry", -EINVAL, "region");
	copy_file("good", "badtype", -1);
	u32 = UBEE_MAP_PROG_ARRAY;
	patch("badtype", offsetof(struct ubee_map_hdr, type), &u32, 4);
	refuse("badtype", -EINVAL, "cannot be pinned");
	copy_file("good", "entries", -1);
	u32 = 0;
	patch("entries", offsetof(struct ubee_map_hdr, max_entries), &u32, 4);
	refuse("entries", -EINVAL, "geometry refused");
	copy_file("good", "cpus", -1);
	u32 = ubee_map_nr_cpus() + 1;
	patch("cpus", offsetof(struct ubee_map_hdr, nr_cpus), &u32, 4);
	refuse("cpus", -ENXIO, "CPUs");
	copy_file("good", "btf", -1);
	u64 = 1ull << 40;
	patch("btf", offsetof(struct ubee_map_hdr, btf_size), &u64, 8);
	u64 = 4096;
	patch("btf", offsetof(struct ubee_map_hdr, btf_off), &u64, 8);
	refuse("btf", -EINVAL, "BTF");
	copy_file("good", "index", -1);
	u32 = 1000; /* bucket 0's head: element 1000 of 16 */
	patch("index", 4096 + 64 + 4, &u32, 4);
	refuse("index", -EINVAL, "inconsistent");
	/* The intact file still opens. */
	t_begin("refuse_none");
	{
		struct ubee_map *o = NULL;

		T_EQ_U64(ubee_map_open_pinned("good", &o, fresh_log()), 0);
		T_CHECK(o, "%s", logbuf);
		ubee_map_put(o);
	}
	t_end();
	ubee_map_put(m);
}

/* Load an object; pin_root NULL: no pinning. 0 or the load's error. */
static int load_obj(const char *root, struct ubee_object **out)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo), .pin_root_path = root };
	char path[PATH_MAX];
	int err;

	*out = NULL;
	err = ubee_object_open_file(t_bpf_obj("loader_maps.v3.o", path, sizeof(path)),
				    out, fresh_log());
	/* Maps only: what the verifier thinks of the programs is not the
	 * subject here. */
	for (size_t i = 0; !err && i < ubee_object_prog_count(*out); i++)
		err = ubee_object_prog_set_autoload(*out, i, 0);
	if (!err)
		err = ubee_object_load(*out, &lo, fresh_log());
	return err;
}

static struct ubee_map *obj_map(struct ubee_object *obj, const char *name)
{
	struct ubee_object_map_info mi;
	int i = ubee_object_find_map(obj, name);

	return i >= 0 && !ubee_object_map(obj, (size_t)i, &mi) ? mi.map : NULL;
}

/*
 * LIBBPF_PIN_BY_NAME ("slots" in loader_maps.c): pinned at ROOT/slots by
 * the first load, reused by the second (same storage: a write through
 * one object is seen through the other), refused when incompatible, and
 * not pinned at all without a pin root.
 */
static void pin_by_name(void)
{
	struct ubee_object *a = NULL, *b = NULL, *c = NULL;
	struct ubee_map *ma, *mb, *bad;
	char root[PATH_MAX + 8], path[PATH_MAX + 16];
	uint32_t k = 3;
	uint64_t v = 1234, w = 0;
	int err;

	snprintf(root, sizeof(root), "%s/byname", dir);
	mkdir(root, 0700);
	snprintf(path, sizeof(path), "%s/slots", root);
	err = load_obj(NULL, &c);
	if (err == -ENOENT) {
		t_skip("loader_maps.v3.o not built");
		ubee_object_free(c);
		return;
	}
	T_EQ_U64(err, 0);
	T_EQ_U64(ubee_pin_type(path), -ENOENT);
	ubee_object_free(c);
	c = NULL;
	T_EQ_U64(load_obj(root, &a), 0);
	T_CHECK(!a || (ma = obj_map(a, "slots")), "slots");
	T_EQ_U64(ubee_pin_type(path), UBEE_PIN_MAP);
	T_EQ_U64(load_obj(root, &b), 0);
	if (!a || !b || !(ma = obj_map(a, "slots")) || !(mb = obj_map(b, "slots")))
		goto out;
	T_CHECK(ubee_map_pin_path(ma) && ubee_map_pin_path(mb), "both pinned");
	T_EQ_U64(ubee_map_update(ma, &k, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_lookup(mb, &k, &w), 0);
	T_EQ_U64(w, 1234);
	/* Another map pinned under that name: incompatible, clear error. */
	T_EQ_U64(ubee_pin_unlink(path, NULL), 0);
	bad = t_map_new(UBEE_MAP_ARRAY, 4, 8, 9, 0, 0);
	T_CHECK(bad && !ubee_map_pin(bad, path, NULL), "pin the impostor");
	ubee_map_put(bad);
	T_EQ_U64(load_obj(root, &c), -EINVAL);
	T_CHECK(strstr(logbuf, "incompatible") && strstr(logbuf, "max_entries 9"),
		"message: %s", logbuf);
out:
	ubee_object_free(a);
	ubee_object_free(b);
	ubee_object_free(c);
}

int main(void)
{
	set_dir();
	T_RUN(pin_dir_rules);
	roundtrips();
	T_RUN(value_types);
	T_RUN(address_stable_and_shared);
	T_RUN(ringbuf_cross_process);
	T_RUN(ringbuf_dead_producer);
	T_RUN(freeze_and_btf);
	T_RUN(unpinnable);
	T_RUN(pin_exists);
	refused_files();
	T_RUN(pin_by_name);
	cleanup_dir();
	return t_summary();
}
