// SPDX-License-Identifier: MIT
/* The caller-provided log: whole lines, always NUL-terminated. */
#include <stdio.h>
#include <string.h>

#include "util/util.h"

void ubee_log_init(struct ubee_log *log, char *buf, size_t size)
{
	memset(log, 0, sizeof(*log));
	log->buf = buf;
	log->size = buf ? size : 0;
	if (log->size)
		buf[0] = '\0';
}

void ubee_vlogf(struct ubee_log *log, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (!log)
		return;
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	if (log->buf && log->size) {
		size_t room = log->size - 1 - log->len;
		size_t take = (size_t)n <= room ? (size_t)n : room;

		memcpy(log->buf + log->len, line, take);
		log->len += take;
		log->buf[log->len] = '\0';
		if (take < (size_t)n)
			log->truncated = 1;
	}
	if (log->print)
		log->print(log->arg, line);
}

void ubee_logf(struct ubee_log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ubee_vlogf(log, fmt, ap);
	va_end(ap);
}
