// SPDX-License-Identifier: MIT
/*
 * Finding program types (built-in, then registered by embedders) and the
 * questions a type answers: may this context access happen, may this
 * helper be called, is this a valid return value. Registered types are
 * kept in a list that only grows; a mutex orders registration against
 * lookups (which happen at load time, never while programs run).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "progtypes/progtypes.h"
#include "util/util.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct ubee_prog_type **custom; /* [nr_custom], under lock */
static size_t nr_custom, cap_custom;

const struct ubee_prog_type *ubee_prog_type_at(size_t i)
{
	const struct ubee_prog_type *t = NULL;

	if (i < ubee_nr_builtin_prog_types)
		return &ubee_builtin_prog_types[i];
	i -= ubee_nr_builtin_prog_types;
	pthread_mutex_lock(&lock);
	if (i < nr_custom)
		t = custom[i];
	pthread_mutex_unlock(&lock);
	return t;
}

const struct ubee_prog_type *ubee_prog_type_find(uint32_t id)
{
	const struct ubee_prog_type *t;

	for (size_t i = 0; (t = ubee_prog_type_at(i)); i++)
		if (t->id == id)
			return t;
	return NULL;
}

const struct ubee_prog_type *ubee_prog_type_by_name(const char *name)
{
	const struct ubee_prog_type *t;

	if (!name)
		return NULL;
	for (size_t i = 0; (t = ubee_prog_type_at(i)); i++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* Fields sorted, disjoint and inside the context; helpers ascending. */
static int type_valid(const struct ubee_prog_type *t)
{
	uint64_t end = 0;

	if (t->id < UBEE_PROG_TYPE_CUSTOM_FIRST || !t->name || !t->name[0] ||
	    (!t->fields && t->nr_fields) || (!t->helpers && t->nr_helpers) ||
	    (!t->kernel_helpers && t->nr_kernel_helpers) ||
	    t->ret_min > t->ret_max)
		return 0;
	for (size_t i = 0; i < t->nr_fields; i++) {
		const struct ubee_ctx_field *f = &t->fields[i];

		if (f->off < end || !f->size ||
		    (uint64_t)f->off + f->size > t->ctx_size)
			return 0;
		end = (uint64_t)f->off + f->size;
	}
	for (size_t i = 1; i < t->nr_helpers; i++)
		if (t->helpers[i] <= t->helpers[i - 1])
			return 0;
	for (size_t i = 1; i < t->nr_kernel_helpers; i++)
		if (t->kernel_helpers[i] <= t->kernel_helpers[i - 1])
			return 0;
	return 1;
}

int ubee_prog_type_register(const struct ubee_prog_type *t)
{
	int err = 0;

	if (!t || !type_valid(t))
		return -EINVAL;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ubee_nr_builtin_prog_types + nr_custom; i++) {
		const struct ubee_prog_type *o = i < ubee_nr_builtin_prog_types ?
			&ubee_builtin_prog_types[i] :
			custom[i - ubee_nr_builtin_prog_types];

		if (o->id == t->id || !strcmp(o->name, t->name)) {
			err = -EEXIST;
			goto out;
		}
	}
	if (nr_custom == cap_custom) {
		size_t cap = cap_custom ? cap_custom * 2 : 4;
		const struct ubee_prog_type **p;

		p = ubee_realloc(custom, cap * sizeof(*p));
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		custom = p;
		cap_custom = cap;
	}
	custom[nr_custom++] = t;
out:
	pthread_mutex_unlock(&lock);
	return err;
}

int ubee_prog_type_ctx_access(const struct ubee_prog_type *t, uint32_t off,
			      uint32_t size, int write,
			      const struct ubee_ctx_field **field)
{
	size_t lo = 0, hi;

	if (field)
		*field = NULL;
	if (!t || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EACCES;
	if (t->flags & UBEE_PT_CTX_MEM)
		return 0;
	if (off % size)
		return -EACCES;
	/* The last field starting at or below off. */
	hi = t->nr_fields;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->fields[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -EACCES;
	{
		const struct ubee_ctx_field *f = &t->fields[lo - 1];
		uint8_t mask = write ? f->write : f->read;

		if ((uint64_t)off + size > (uint64_t)f->off + f->size ||
		    !(mask & size))
			return -EACCES;
		if (field)
			*field = f;
	}
	return 0;
}

/* 1 when id is in the ascending list ids[n]. */
static int in_list(const int32_t *ids, size_t n, int32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return 1;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int ubee_prog_type_allows_helper(const struct ubee_prog_type *t, int32_t id)
{
	if (!t || id <= 0)
		return 0;
	if (id >= UBEE_HELPER_CUSTOM_FIRST || (t->flags & UBEE_PT_ALL_HELPERS))
		return 1;
	return in_list(t->helpers, t->nr_helpers, id) ||
	       in_list(t->kernel_helpers, t->nr_kernel_helpers, id);
}

int ubee_prog_type_ret_ok(const struct ubee_prog_type *t, uint64_t r0)
{
	int32_t v = (int32_t)(uint32_t)r0;

	if (!t)
		return 0;
	if (t->flags & UBEE_PT_RET_ANY)
		return 1;
	return v >= t->ret_min && v <= t->ret_max;
}
