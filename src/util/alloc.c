// SPDX-License-Identifier: MIT
/*
 * Allocation with fault injection: tests set a countdown after which every
 * allocation fails, to prove each error path is clean. The countdown is
 * process-wide and atomic; -1 (the default) never fails. Requests over
 * UBEE_ALLOC_MAX fail at once (ENOMEM) without asking the system, so a
 * spec with absurd sizes is an error, not a crash of a sanitizer build
 * or an overcommitted mapping that kills the process later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define UBEE_ALLOC_MAX (1ull << 40)

static long fail_after = -1;

void ubee_fail_alloc_after(long n)
{
	__atomic_store_n(&fail_after, n, __ATOMIC_SEQ_CST);
}

long ubee_fail_alloc_left(void)
{
	return __atomic_load_n(&fail_after, __ATOMIC_SEQ_CST);
}

static int should_fail(void)
{
	long n = __atomic_load_n(&fail_after, __ATOMIC_RELAXED);

	if (UBEE_LIKELY(n < 0))
		return 0;
	while (n > 0) {
		if (__atomic_compare_exchange_n(&fail_after, &n, n - 1, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return 0;
		if (n < 0)
			return 0;
	}
	return 1;
}

static int too_big(size_t n, size_t size)
{
	if (size && n > UBEE_ALLOC_MAX / size) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *ubee_malloc(size_t n)
{
	return should_fail() || too_big(n, 1) ? NULL : malloc(n ? n : 1);
}

void *ubee_calloc(size_t n, size_t size)
{
	return should_fail() || too_big(n, size) ? NULL
						 : calloc(n ? n : 1, size ? size : 1);
}

void *ubee_realloc(void *p, size_t n)
{
	return should_fail() || too_big(n, 1) ? NULL : realloc(p, n ? n : 1);
}

void ubee_free(void *p)
{
	free(p);
}

char *ubee_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = ubee_malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}
