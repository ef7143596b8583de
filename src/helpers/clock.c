// SPDX-License-Identifier: MIT
/*
 * Clock helpers: the kernel's clocks map to the same POSIX clocks
 * (ktime_get_ns: CLOCK_MONOTONIC, boot: CLOCK_BOOTTIME, coarse:
 * CLOCK_MONOTONIC_COARSE, tai: CLOCK_TAI) and jiffies64 counts ticks of a
 * fixed rate from the coarse clock.
 */
#define _GNU_SOURCE
#include <time.h>

#include "helpers/helpers.h"

/* jiffies64 counts ticks of this rate (a common CONFIG_HZ). */
#define UBEE_JIFFY_HZ 1000u

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ubee_bpf_ktime_get_ns(uint64_t r1, uint64_t r2, uint64_t r3,
			       uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t ubee_bpf_ktime_get_boot_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t ubee_bpf_ktime_get_coarse_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				      uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

uint64_t ubee_bpf_ktime_get_tai_ns(uint64_t r1, uint64_t r2, uint64_t r3,
				   uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_TAI);
}

uint64_t ubee_bpf_jiffies64(uint64_t r1, uint64_t r2, uint64_t r3,
			    uint64_t r4, uint64_t r5)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE) / (1000000000u / UBEE_JIFFY_HZ);
}
