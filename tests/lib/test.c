// SPDX-License-Identifier: MIT
/* The test protocol's bookkeeping (see test.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static char cur[256];
static char why[512];
static int failed, skipped, any_failed;

void t_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur, sizeof(cur), fmt, ap);
	va_end(ap);
	failed = skipped = 0;
	why[0] = '\0';
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failed++)
		return;
	n = snprintf(why, sizeof(why), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
	va_end(ap);
}

void t_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	skipped = 1;
}

int t_ok(void)
{
	return !failed;
}

void t_end(void)
{
	/* Reasons are one line: the counter reads one line per case. */
	for (char *p = why; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (failed) {
		any_failed = 1;
		printf("FAIL %s: %s\n", cur, why);
	} else if (skipped) {
		printf("SKIP %s: %s\n", cur, why);
	} else {
		printf("PASS %s\n", cur);
	}
	fflush(stdout);
}

int t_summary(void)
{
	return any_failed;
}

int t_valgrind(void)
{
	const char *v = getenv("VALGRIND");

	return v && !strcmp(v, "1");
}
