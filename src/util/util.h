/* SPDX-License-Identifier: MIT */
/*
 * Small shared utilities: log formatting, checked arithmetic, the
 * fault-injecting allocator hooks. Every subsystem may use this.
 */
#ifndef UBEE_UTIL_H
#define UBEE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

#define UBEE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define UBEE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UBEE_LIKELY(x) __builtin_expect(!!(x), 1)
#define UBEE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define UBEE_PRINTF(f, a)
#define UBEE_LIKELY(x) (x)
#define UBEE_UNLIKELY(x) (x)
#endif

/* Append one line (a trailing newline is added) to log; NULL log is fine. */
void ubee_logf(struct ubee_log *log, const char *fmt, ...) UBEE_PRINTF(2, 3);
void ubee_vlogf(struct ubee_log *log, const char *fmt, va_list ap);

/*
 * Allocation goes through these so that tests can fail the Nth one
 * (ubee_fail_alloc_after). Same contracts as malloc/calloc/realloc/free.
 */
void *ubee_malloc(size_t n);
void *ubee_calloc(size_t n, size_t size);
void *ubee_realloc(void *p, size_t n);
void ubee_free(void *p);
char *ubee_strdup(const char *s);

/* Fail the allocation after n more succeed (-1: never). For tests. */
void ubee_fail_alloc_after(long n);
/* Allocations left before the injected failure (-1: none armed; 0: the
 * failure has happened). For tests. */
long ubee_fail_alloc_left(void);

#endif /* UBEE_UTIL_H */
