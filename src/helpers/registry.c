// SPDX-License-Identifier: MIT
/*
 * The helper registry: helper records by kernel id. Ids are sparse but
 * small (the kernel's run to ~220; custom ones may go up to 1<<20), so the
 * records sit in pages of 256 indexed by id >> 8: lookup is two loads, and
 * memory grows with the ids in use, not with the largest possible id.
 * A registry is not locked: fill it before loading programs with it.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "util/util.h"

#define PAGE_SHIFT 8
#define PAGE_LEN (1u << PAGE_SHIFT)

struct ubee_helpers {
	struct ubee_helper **pages; /* [nr_pages]; NULL: no helper there */
	size_t nr_pages;
};

struct ubee_helpers *ubee_helpers_new_empty(void)
{
	struct ubee_helpers *reg = ubee_calloc(1, sizeof(*reg));

	if (!reg)
		errno = ENOMEM;
	return reg;
}

struct ubee_helpers *ubee_helpers_new(void)
{
	struct ubee_helpers *reg = ubee_helpers_new_empty();
	const struct ubee_helper *b;
	size_t i, n;
	int err;

	if (!reg)
		return NULL;
	b = ubee_builtin_helpers(&n);
	for (i = 0; i < n; i++) {
		err = ubee_helpers_add(reg, &b[i]);
		if (err) {
			ubee_helpers_free(reg);
			errno = -err;
			return NULL;
		}
	}
	return reg;
}

void ubee_helpers_free(struct ubee_helpers *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->nr_pages; i++)
		ubee_free(reg->pages[i]);
	ubee_free(reg->pages);
	ubee_free(reg);
}

int ubee_helpers_add(struct ubee_helpers *reg, const struct ubee_helper *h)
{
	size_t page;

	if (!reg || !h || !h->fn || h->id <= 0 || h->id >= UBEE_HELPER_ID_LIMIT)
		return -EINVAL;
	page = (size_t)h->id >> PAGE_SHIFT;
	if (page >= reg->nr_pages) {
		struct ubee_helper **p;

		p = ubee_realloc(reg->pages, (page + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + reg->nr_pages, 0,
		       (page + 1 - reg->nr_pages) * sizeof(*p));
		reg->pages = p;
		reg->nr_pages = page + 1;
	}
	if (!reg->pages[page]) {
		reg->pages[page] = ubee_calloc(PAGE_LEN, sizeof(struct ubee_helper));
		if (!reg->pages[page])
			return -ENOMEM;
	}
	reg->pages[page][h->id & (PAGE_LEN - 1)] = *h;
	return 0;
}

const struct ubee_helper *ubee_helpers_find(const struct ubee_helpers *reg,
					    int32_t id)
{
	const struct ubee_helper *h;
	size_t page;

	if (!reg || id <= 0 || id >= UBEE_HELPER_ID_LIMIT)
		return NULL;
	page = (size_t)id >> PAGE_SHIFT;
	if (page >= reg->nr_pages || !reg->pages[page])
		return NULL;
	h = &reg->pages[page][id & (PAGE_LEN - 1)];
	return h->fn ? h : NULL;
}

const struct ubee_helper *ubee_helper_lookup(const struct ubee_helpers *reg,
					     int32_t id)
{
	const struct ubee_helper *b;
	size_t i, n;

	if (reg)
		return ubee_helpers_find(reg, id);
	/* Load time only, and the table is short. */
	b = ubee_builtin_helpers(&n);
	for (i = 0; i < n; i++)
		if (b[i].id == id)
			return &b[i];
	return NULL;
}
