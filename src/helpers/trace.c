// SPDX-License-Identifier: MIT
/*
 * Formatted output from programs: bpf_trace_printk and bpf_trace_vprintk
 * (one line each to the embedder's sink, trace_pipe style) and
 * bpf_snprintf (into the program's buffer). The format language is in
 * printf.c. The sink is process-wide, called under a lock so that lines
 * of concurrent runs stay whole; the default writes to standard error,
 * which is what an embedder gets until it says otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "ubee/progtype.h"
#include "helpers/helpers.h"
#include "maps/maps.h"
#include "vm/vm.h"

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static ubee_trace_fn sink_fn = ubee_trace_sink_fd;
static void *sink_arg = (void *)(intptr_t)2;

void ubee_trace_set_sink(ubee_trace_fn fn, void *arg)
{
	pthread_mutex_lock(&sink_lock);
	sink_fn = fn ? fn : ubee_trace_sink_fd;
	sink_arg = fn ? arg : (void *)(intptr_t)2;
	pthread_mutex_unlock(&sink_lock);
}

void ubee_trace_sink_fd(void *arg, const char *line, size_t len)
{
	int fd = (int)(intptr_t)arg;
	char buf[UBEE_BPRINTF_BUF + 128];
	size_t off = 0;

	/* One write per line, so lines from other processes stay whole too. */
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len++] = '\n';
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w <= 0 && errno != EINTR)
			return;
		if (w > 0)
			off += (size_t)w;
	}
}

/* Hand text (one message) to the sink with the trace_pipe prefix. */
static void trace_emit(const char *text, size_t len)
{
	char comm[17] = "", line[UBEE_BPRINTF_BUF + 128];
	struct timespec ts;
	int n;

	if (len && text[len - 1] == '\n')
		len--;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line),
		     "%16s-%-7d [%03u] ..... %5lld.%06ld: bpf_trace_printk: %.*s",
		     comm, (int)gettid(), ubee_map_cpu(), (long long)ts.tv_sec,
		     ts.tv_nsec / 1000, (int)len, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&sink_lock);
	sink_fn(sink_arg, line, (size_t)n);
	pthread_mutex_unlock(&sink_lock);
}

/* Format args into the trace buffer and emit: the printed length or -errno. */
static long trace_format(const char *fmt, uint32_t fmt_size,
			 const uint64_t *args, size_t nr_args)
{
	char buf[UBEE_BPRINTF_BUF];
	long n;

	n = ubee_bprintf(buf, sizeof(buf), fmt, fmt_size, args, nr_args);
	if (n < 0)
		return n;
	trace_emit(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

/* bpf_trace_printk(fmt, fmt_size, a1, a2, a3) */
uint64_t ubee_bpf_trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1,
			       uint64_t a2, uint64_t a3)
{
	const uint64_t args[3] = { a1, a2, a3 };

	return (uint64_t)trace_format((const char *)(uintptr_t)fmt,
				      (uint32_t)fmt_size, args, 3);
}

/* Arguments of vprintk/snprintf: data_len a multiple of 8, at most 12. */
static int data_ok(uint64_t data, uint64_t data_len)
{
	return !(data_len % 8) && data_len <= UBEE_BPRINTF_MAX_ARGS * 8 &&
	       (data || !data_len);
}

/* bpf_trace_vprintk(fmt, fmt_size, data, data_len) */
uint64_t ubee_bpf_trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data,
				uint64_t data_len, uint64_t r5)
{
	uint64_t args[UBEE_BPRINTF_MAX_ARGS];

	if (!data_ok(data, (uint32_t)data_len))
		return (uint64_t)-EINVAL;
	if (data_len)
		memcpy(args, (const void *)(uintptr_t)data, (uint32_t)data_len);
	return (uint64_t)trace_format((const char *)(uintptr_t)fmt,
				      (uint32_t)fmt_size, args,
				      (uint32_t)data_len / 8);
}

/*
 * bpf_snprintf(str, str_size, fmt, data, data_len): the length of the
 * whole output including its NUL (str holds what fits), or -EINVAL.
 */
uint64_t ubee_bpf_snprintf(uint64_t str, uint64_t str_size, uint64_t fmt,
			   uint64_t data, uint64_t data_len)
{
	struct ubee_run *run = ubee_run_current();
	uint64_t args[UBEE_BPRINTF_MAX_ARGS];
	long n;

	if (!data_ok(data, (uint32_t)data_len))
		return (uint64_t)-EINVAL;
	if (run && run->checked &&
	    ubee_helper_check_str(run, "bpf_snprintf", 3, (const void *)(uintptr_t)fmt))
		return 0;
	if (data_len)
		memcpy(args, (const void *)(uintptr_t)data, (uint32_t)data_len);
	n = ubee_bprintf((char *)(uintptr_t)str, (uint32_t)str_size,
			 (const char *)(uintptr_t)fmt,
			 strlen((const char *)(uintptr_t)fmt) + 1, args,
			 (uint32_t)data_len / 8);
	return n < 0 ? (uint64_t)n : (uint64_t)n + 1;
}
