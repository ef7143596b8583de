// SPDX-License-Identifier: MIT
/*
 * Array maps (array, percpu_array, prog_array, array_of_maps) and the map
 * core: creation errors as the kernel's, accessors and type names, the
 * user-side operations with every flag, get_next_key order, the inlinable
 * lookup (base + index * stride), program-side ops, per-CPU slots, freeze
 * and access flags, pointer slots with references, and allocation failure
 * at every step of creation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "maptest.h"
#include "maps/maps.h"
#include "util/util.h"

static void create_errors(void)
{
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_ARRAY,
				   .key_size = 4, .value_size = 4,
				   .max_entries = 1 };
	char buf[256];
	struct ubee_log log;

	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 8, 8, 4, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 0, 4, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 0, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_NO_PREALLOC, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_MMAPABLE, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 4,
			   UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_ARRAY, 4, 8, 4, UBEE_F_MMAPABLE, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_ARRAY, 4, 8, 4, UBEE_F_NUMA_NODE, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_PRESERVE_ELEMS, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, (4u << 20) + 1, 1, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 1u << 31, 1, 0, 0), -E2BIG);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_ARRAY, 4, 32768, 1, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_PERCPU_ARRAY, 4, 32769, 1, 0, 0), -E2BIG);
	T_EQ_U64(t_map_err(UBEE_MAP_PROG_ARRAY, 4, 8, 4, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_PROG_ARRAY, 4, 4, 4, UBEE_F_RDONLY_PROG, 0),
		 -EINVAL);
	T_EQ_U64(t_map_err(UBEE_MAP_PROG_ARRAY, 4, 4, 4, 0, 0), 0);
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY_OF_MAPS, 4, 4, 4, 0, 0),
		 -EINVAL); /* no inner */
	T_EQ_U64(t_map_err(999, 4, 4, 4, 0, 0), -EINVAL);
	T_EQ_U64(t_map_err(0, 4, 4, 4, 0, 0), -EINVAL);

	errno = 0;
	T_CHECK(!ubee_map_new(NULL, NULL) && errno == EINVAL, "NULL spec");
	s.sz = 8;
	T_CHECK(!ubee_map_new(&s, NULL) && errno == EINVAL, "small sz");
	s.sz = sizeof(s);
	s.name = "bad name";
	ubee_log_init(&log, buf, sizeof(buf));
	T_CHECK(!ubee_map_new(&s, &log) && errno == EINVAL, "name with a space");
	T_CHECK(strstr(buf, "invalid character") != NULL, "log: %s", buf);
	s.name = NULL;
	s.key_size = 2;
	ubee_log_init(&log, buf, sizeof(buf));
	T_CHECK(!ubee_map_new(&s, &log), "key_size 2");
	T_CHECK(strstr(buf, "key_size must be 4") != NULL, "log: %s", buf);
}

static void accessors_and_names(void)
{
	struct ubee_map_spec s = {
		.sz = sizeof(s), .name = "a_very_long_map_name", .type = UBEE_MAP_ARRAY,
		.key_size = 4, .value_size = 12, .max_entries = 7,
		.map_flags = UBEE_F_MMAPABLE,
	};
	struct ubee_map *m = ubee_map_new(&s, NULL);
	static const struct { uint32_t t; const char *n; } names[] = {
		{ UBEE_MAP_HASH, "hash" }, { UBEE_MAP_ARRAY, "array" },
		{ UBEE_MAP_PROG_ARRAY, "prog_array" },
		{ UBEE_MAP_PERCPU_HASH, "percpu_hash" },
		{ UBEE_MAP_PERCPU_ARRAY, "percpu_array" },
		{ UBEE_MAP_LRU_HASH, "lru_hash" },
		{ UBEE_MAP_LRU_PERCPU_HASH, "lru_percpu_hash" },
		{ UBEE_MAP_ARRAY_OF_MAPS, "array_of_maps" },
		{ UBEE_MAP_HASH_OF_MAPS, "hash_of_maps" },
	};

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_CHECK(!strcmp(ubee_map_name(m), "a_very_long_map"), "name %s",
		ubee_map_name(m));
	T_EQ_U64(ubee_map_type(m), UBEE_MAP_ARRAY);
	T_EQ_U64(ubee_map_key_size(m), 4);
	T_EQ_U64(ubee_map_value_size(m), 12);
	T_EQ_U64(ubee_map_max_entries(m), 7);
	T_EQ_U64(ubee_map_flags(m), UBEE_F_MMAPABLE);
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(names); i++) {
		const char *n = ubee_map_type_name(names[i].t);

		T_CHECK(n && !strcmp(n, names[i].n), "name of %u", names[i].t);
		T_EQ_U64(ubee_map_type_by_name(names[i].n), names[i].t);
		T_CHECK(ubee_map_ops_of(names[i].t) != NULL, "ops of %u", names[i].t);
	}
	T_CHECK(ubee_map_type_name(0) == NULL, "type 0");
	T_CHECK(ubee_map_type_name(7) == NULL, "type 7 (hole)");
	T_CHECK(ubee_map_type_name(100000) == NULL, "huge type");
	T_EQ_U64(ubee_map_type_by_name("nope"), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_type_by_name(NULL), (uint64_t)-EINVAL);
	T_CHECK(ubee_map_ops_of(7) == NULL && ubee_map_ops_of(1u << 30) == NULL,
		"no ops for unknown types");
	/* References: get adds one, the last put frees (ASan checks). */
	T_CHECK(ubee_map_get(m) == m, "get");
	ubee_map_put(m);
	T_EQ_U64(ubee_map_max_entries(m), 7);
	ubee_map_put(m);
	ubee_map_put(NULL);
	T_CHECK(ubee_map_get(NULL) == NULL, "get(NULL)");
}

static void user_ops(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 12, 5, 0, 0);
	uint8_t v[12], out[12], zero[12] = { 0 };
	uint32_t k, next;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	for (k = 0; k < 5; k++) {
		memset(out, 0xaa, sizeof(out));
		T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
		T_CHECK(!memcmp(out, zero, 12), "index %u starts zeroed", k);
	}
	k = 3;
	memset(v, 0x5c, sizeof(v));
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_CHECK(!memcmp(out, v, 12), "value back");
	v[0] = 1;
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_EXIST), 0);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_NOEXIST), (uint64_t)-EEXIST);
	T_EQ_U64(ubee_map_update(m, &k, v, 3), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, v, 8), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_F_LOCK), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_EQ_U64(out[0], 1);
	k = 5;
	T_EQ_U64(ubee_map_update(m, &k, v, UBEE_ANY), (uint64_t)-E2BIG);
	T_EQ_U64(ubee_map_update(m, &k, v, 3), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	k = 0xffffffff;
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	k = 1;
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-EINVAL);
	k = 9;
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-EINVAL);
	/* Arguments. */
	T_EQ_U64(ubee_map_lookup(NULL, &k, out), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_lookup(m, NULL, out), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_lookup(m, &k, NULL), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_update(m, NULL, v, 0), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_update(m, &k, NULL, 0), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, NULL), (uint64_t)-EINVAL);
	/* Value-only and pointer ops the type lacks. */
	T_EQ_U64(ubee_map_push(m, v, 0), (uint64_t)-EOPNOTSUPP);
	T_EQ_U64(ubee_map_pop(m, v), (uint64_t)-EOPNOTSUPP);
	T_EQ_U64(ubee_map_peek(m, v), (uint64_t)-EOPNOTSUPP);
	k = 0;
	T_EQ_U64(ubee_map_set_ptr(m, &k, m), (uint64_t)-EINVAL);

	/* get_next_key: NULL or out of range starts at 0; the last ends. */
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &next), 0);
	T_EQ_U64(next, 0);
	for (k = 0; k < 4; k++) {
		T_EQ_U64(ubee_map_get_next_key(m, &k, &next), 0);
		T_EQ_U64(next, k + 1);
	}
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), (uint64_t)-ENOENT);
	k = 77;
	next = 99;
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), 0);
	T_EQ_U64(next, 0);
	ubee_map_put(m);
}

/* The fast path is base + index * stride, and the ops agree with it. */
static void fast_path(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 5, 100, 0, 0);
	const struct ubee_array *a;
	uint8_t v[5] = { 1, 2, 3, 4, 5 }, out[5];
	uint32_t k;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	a = m->priv;
	T_EQ_U64(a->stride, 8);
	T_EQ_U64(a->max_entries, 100);
	T_EQ_U64((uintptr_t)a->values % 8, 0);
	for (k = 0; k < 100; k++) {
		T_CHECK(ubee_array_elem(m, k) == a->values + k * 8, "index %u", k);
		T_CHECK(m->ops->lookup(m, &k) == ubee_array_elem(m, k), "op %u", k);
	}
	T_CHECK(ubee_array_elem(m, 100) == NULL, "index 100 is out");
	T_CHECK(ubee_array_elem(m, UINT32_MAX) == NULL, "index -1 is out");
	k = 100;
	T_CHECK(m->ops->lookup(m, &k) == NULL, "op: index 100 is out");
	/* A program writes through the pointer; user space reads it. */
	k = 42;
	memcpy(ubee_array_elem(m, k), v, 5);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_CHECK(!memcmp(out, v, 5), "write through pointer seen");
	/* Program-side update and its flags. */
	v[0] = 9;
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_ANY), 0);
	T_EQ_U64(((uint8_t *)ubee_array_elem(m, k))[0], 9);
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_NOEXIST), (uint64_t)-EEXIST);
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_F_LOCK), (uint64_t)-EINVAL);
	/* The kernel's order: NOEXIST is refused before F_LOCK. */
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_F_LOCK | UBEE_NOEXIST),
		 (uint64_t)-EEXIST);
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_F_LOCK | UBEE_EXIST),
		 (uint64_t)-EINVAL);
	T_EQ_U64(m->ops->update(m, &k, v, 8), (uint64_t)-EINVAL);
	k = 1000;
	T_EQ_U64(m->ops->update(m, &k, v, UBEE_F_LOCK), (uint64_t)-E2BIG);
	T_EQ_U64(m->ops->delete(m, &k), (uint64_t)-EINVAL);
	ubee_map_put(m);
}

static long count_cb(struct ubee_map *map, void *key, void *value, void *ctx)
{
	uint64_t *sum = ctx;

	*sum += *(uint32_t *)key * 1000 + *(uint64_t *)value;
	return *(uint32_t *)key == 6;
}

static void for_each(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 8, 10, 0, 0);
	uint64_t sum = 0, v;
	uint32_t k;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	for (k = 0; k < 10; k++) {
		v = k;
		ubee_map_update(m, &k, &v, 0);
	}
	/* Stops after key 6 returned 1: 7 calls. */
	T_EQ_U64(m->ops->for_each(m, count_cb, &sum, 0), 7);
	T_EQ_U64(sum, 21 * 1000 + 21);
	T_EQ_U64(m->ops->for_each(m, count_cb, &sum, 1), (uint64_t)-EINVAL);
	ubee_map_put(m);
}

static void freeze_and_access(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_ARRAY, 4, 8, 2, 0, 0);
	uint64_t v = 7, out;
	uint32_t k = 1, next;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_freeze(m), 0);
	T_EQ_U64(ubee_map_freeze(m), (uint64_t)-EPERM); /* as the kernel */
	T_EQ_U64(ubee_map_update(m, &k, &v, 0), (uint64_t)-EPERM);
	T_EQ_U64(ubee_map_update(m, &k, &v, UBEE_F_LOCK), (uint64_t)-EPERM);
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-EPERM);
	T_EQ_U64(ubee_map_lookup(m, &k, &out), 0);
	T_EQ_U64(ubee_map_get_next_key(m, &k, &next), (uint64_t)-ENOENT);
	/* Programs may still write a frozen map. */
	T_EQ_U64(m->ops->update(m, &k, &v, 0), 0);
	T_EQ_U64(ubee_map_lookup(m, &k, &out), 0);
	T_EQ_U64(out, 7);
	T_EQ_U64(ubee_map_freeze(NULL), (uint64_t)-EINVAL);
	ubee_map_put(m);

	m = t_map_new(UBEE_MAP_ARRAY, 4, 8, 2, UBEE_F_RDONLY, 0);
	T_CHECK(m != NULL, "rdonly");
	if (m) {
		T_EQ_U64(ubee_map_update(m, &k, &v, 0), (uint64_t)-EPERM);
		T_EQ_U64(ubee_map_lookup(m, &k, &out), 0);
		ubee_map_put(m);
	}
	m = t_map_new(UBEE_MAP_ARRAY, 4, 8, 2, UBEE_F_WRONLY, 0);
	T_CHECK(m != NULL, "wronly");
	if (m) {
		T_EQ_U64(ubee_map_update(m, &k, &v, 0), 0);
		T_EQ_U64(ubee_map_lookup(m, &k, &out), (uint64_t)-EPERM);
		T_EQ_U64(ubee_map_get_next_key(m, &k, &next), (uint64_t)-EPERM);
		ubee_map_put(m);
	}
	T_EQ_U64(t_map_err(UBEE_MAP_ARRAY, 4, 8, 2,
			   UBEE_F_RDONLY | UBEE_F_WRONLY, 0),
		 -EINVAL);
}

static void percpu(void)
{
	unsigned n = ubee_map_nr_cpus(), c, c2;
	struct ubee_map *m = t_map_new(UBEE_MAP_PERCPU_ARRAY, 4, 4, 3, 0, 0);
	uint32_t *all = calloc(n, 8), *out = calloc(n, 8), k = 2, v;
	uint64_t *p;

	T_CHECK(m && all && out, "create");
	if (!m || !all || !out)
		goto out;
	T_CHECK(n >= 1 && n <= UBEE_MAP_MAX_CPUS, "nr_cpus %u", n);
	/* User space: stride 8 per CPU, padding copied both ways. */
	for (c = 0; c < n; c++) {
		all[2 * c] = 100 + c;
		all[2 * c + 1] = 0;
	}
	T_EQ_U64(ubee_map_update(m, &k, all, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_update(m, &k, all, UBEE_NOEXIST), (uint64_t)-EEXIST);
	k = 3;
	T_EQ_U64(ubee_map_update(m, &k, all, UBEE_ANY), (uint64_t)-E2BIG);
	T_EQ_U64(ubee_map_lookup(m, &k, out), (uint64_t)-ENOENT);
	k = 2;
	memset(out, 0xff, n * 8);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	T_CHECK(!memcmp(out, all, n * 8), "all CPUs back");
	for (c = 0; c < n; c++) {
		uint32_t *pc = m->ops->lookup_cpu(m, &k, c);

		T_CHECK(pc && *pc == 100 + c, "cpu %u", c);
	}
	T_CHECK(m->ops->lookup_cpu(m, &k, n) == NULL, "cpu nr_cpus");
	k = 3;
	T_CHECK(m->ops->lookup_cpu(m, &k, 0) == NULL, "index 3");
	/* A run holds a slot: the program's lookup and update use it. */
	c = ubee_map_cpu_enter();
	c2 = ubee_map_cpu_enter();
	T_EQ_U64(c2, c);
	T_EQ_U64(ubee_map_cpu(), c);
	k = 2;
	T_CHECK(m->ops->lookup(m, &k) == m->ops->lookup_cpu(m, &k, c), "lookup is slot's");
	v = 555;
	T_EQ_U64(m->ops->update(m, &k, &v, UBEE_EXIST), 0);
	ubee_map_cpu_exit(c2);
	T_EQ_U64(ubee_map_cpu(), c);
	ubee_map_cpu_exit(c);
	T_EQ_U64(ubee_map_lookup(m, &k, out), 0);
	for (c2 = 0; c2 < n; c2++)
		T_EQ_U64(out[2 * c2], c2 == c ? 555 : 100 + c2);
	/* Distinct CPU blocks never share a cache line. */
	p = m->ops->lookup_cpu(m, &k, 0);
	if (n > 1)
		T_CHECK((char *)m->ops->lookup_cpu(m, &k, 1) - (char *)p >= 64,
			"cpu blocks apart");
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &v), 0);
	T_EQ_U64(v, 0);
out:
	ubee_map_put(m);
	free(all);
	free(out);
}

static void prog_array(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_PROG_ARRAY, 4, 4, 4, 0, 0);
	int progs[2]; /* stand-ins: the array only stores the pointers */
	uint32_t k = 1, out;

	T_CHECK(m != NULL, "create");
	if (!m)
		return;
	T_CHECK(m->ops->get_ptr(m, &k) == NULL, "empty");
	T_EQ_U64(ubee_map_set_ptr(m, &k, &progs[0]), 0);
	T_CHECK(m->ops->get_ptr(m, &k) == &progs[0], "set");
	T_EQ_U64(ubee_map_set_ptr(m, &k, &progs[1]), 0);
	T_CHECK(m->ops->get_ptr(m, &k) == &progs[1], "replaced");
	T_CHECK(m->ops->lookup == NULL, "no program lookup");
	T_EQ_U64(ubee_map_lookup(m, &k, &out), (uint64_t)-EOPNOTSUPP);
	T_EQ_U64(ubee_map_update(m, &k, &out, 0), (uint64_t)-EOPNOTSUPP);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_CHECK(m->ops->get_ptr(m, &k) == NULL, "cleared");
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-ENOENT);
	T_EQ_U64(ubee_map_set_ptr(m, &k, NULL), (uint64_t)-ENOENT);
	k = 4;
	T_EQ_U64(ubee_map_set_ptr(m, &k, &progs[0]), (uint64_t)-E2BIG);
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-E2BIG);
	T_CHECK(m->ops->get_ptr(m, &k) == NULL, "out of range");
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &out), 0);
	T_EQ_U64(out, 0);
	ubee_map_freeze(m);
	k = 0;
	T_EQ_U64(ubee_map_set_ptr(m, &k, &progs[0]), (uint64_t)-EPERM);
	ubee_map_put(m);
}

static void array_of_maps(void)
{
	struct ubee_map *meta = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);
	struct ubee_map *in1 = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);
	struct ubee_map *in2 = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, 0, 0);
	struct ubee_map *bad = t_map_new(UBEE_MAP_ARRAY, 4, 8, 5, 0, 0);
	struct ubee_map_spec s = { .sz = sizeof(s), .type = UBEE_MAP_ARRAY_OF_MAPS,
				   .key_size = 4, .value_size = 4, .max_entries = 3,
				   .inner = meta };
	struct ubee_map *m = ubee_map_new(&s, NULL), *mm;
	uint32_t k = 2, ik = 1;
	uint64_t v = 77, out;

	T_CHECK(meta && in1 && in2 && bad && m, "create");
	if (!meta || !in1 || !in2 || !bad || !m)
		goto out;
	T_CHECK(m->inner_meta == meta, "meta kept");
	T_EQ_U64(meta->refcnt, 2);
	T_CHECK(m->ops->lookup(m, &k) == NULL, "empty slot");
	T_EQ_U64(ubee_map_set_ptr(m, &k, bad), (uint64_t)-EINVAL);
	T_EQ_U64(ubee_map_set_ptr(m, &k, in1), 0);
	T_EQ_U64(in1->refcnt, 2);
	mm = m->ops->lookup(m, &k);
	T_CHECK(mm == in1, "lookup gives the inner map");
	T_EQ_U64(ubee_map_update(in1, &ik, &v, 0), 0);
	T_EQ_U64(ubee_map_lookup(mm, &ik, &out), 0);
	T_EQ_U64(out, 77);
	T_EQ_U64(ubee_map_set_ptr(m, &k, in2), 0);
	T_EQ_U64(in1->refcnt, 1);
	T_EQ_U64(in2->refcnt, 2);
	T_EQ_U64(ubee_map_lookup(m, &k, &out), (uint64_t)-EOPNOTSUPP);
	k = 0;
	T_EQ_U64(ubee_map_set_ptr(m, &k, in1), 0);
	T_EQ_U64(ubee_map_delete(m, &k), 0);
	T_EQ_U64(ubee_map_delete(m, &k), (uint64_t)-ENOENT);
	T_EQ_U64(in1->refcnt, 1);
	k = 3;
	T_EQ_U64(ubee_map_set_ptr(m, &k, in1), (uint64_t)-E2BIG);
	T_EQ_U64(in1->refcnt, 1);
	/* A map of maps cannot hold maps of maps, nor be built on one. */
	s.inner = m;
	T_CHECK(!ubee_map_new(&s, NULL) && errno == EINVAL, "nested meta");
	T_EQ_U64(ubee_map_set_ptr(m, &k, m), (uint64_t)-EINVAL);
	/* The inner map flagged BPF_F_INNER_MAP accepts other sizes. */
	ubee_map_put(m);
	m = NULL;
	T_EQ_U64(in2->refcnt, 1); /* released with the outer map */
	ubee_map_put(meta);
	meta = t_map_new(UBEE_MAP_ARRAY, 4, 8, 4, UBEE_F_INNER_MAP, 0);
	ubee_map_put(bad);
	bad = t_map_new(UBEE_MAP_ARRAY, 4, 8, 9, UBEE_F_INNER_MAP, 0);
	s.inner = meta;
	m = ubee_map_new(&s, NULL);
	T_CHECK(m && bad, "inner_map meta");
	k = 0;
	if (m && bad)
		T_EQ_U64(ubee_map_set_ptr(m, &k, bad), 0);
out:
	ubee_map_put(m);
	ubee_map_put(meta);
	ubee_map_put(in1);
	ubee_map_put(in2);
	ubee_map_put(bad);
}

/* Fail each allocation of creation in turn: clean -ENOMEM, no leak. */
static void alloc_failures(void)
{
	static const uint32_t types[] = { UBEE_MAP_ARRAY, UBEE_MAP_PERCPU_ARRAY,
					  UBEE_MAP_PROG_ARRAY };

	for (size_t t = 0; t < UBEE_ARRAY_SIZE(types); t++) {
		long n = t_map_alloc_walk(types[t], 4, 4, 8, 16);

		T_CHECK(n > 1, "type %u created after %ld", types[t], n);
	}
}

int main(void)
{
	T_RUN(create_errors);
	T_RUN(accessors_and_names);
	T_RUN(user_ops);
	T_RUN(fast_path);
	T_RUN(for_each);
	T_RUN(freeze_and_access);
	T_RUN(percpu);
	T_RUN(prog_array);
	T_RUN(array_of_maps);
	T_RUN(alloc_failures);
	return t_summary();
}
