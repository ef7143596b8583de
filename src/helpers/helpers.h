/* SPDX-License-Identifier: MIT */
/*
 * Internals of the helper subsystem: the kernel ids ubee implements, the
 * table of built-in helpers and a lookup that treats a NULL registry as
 * "the built-ins" (what a program loaded without a registry sees).
 */
#ifndef UBEE_HELPERS_H
#define UBEE_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"

/* Helper ids are 0 < id < UBEE_HELPER_ID_LIMIT. */
#define UBEE_HELPER_ID_LIMIT (1 << 20)

/* Kernel helper ids (linux/bpf.h, enum bpf_func_id). */
enum ubee_helper_id {
	UBEE_HELPER_KTIME_GET_NS = 5,
	UBEE_HELPER_GET_PRANDOM_U32 = 7,
	UBEE_HELPER_GET_SMP_PROCESSOR_ID = 8,
	UBEE_HELPER_TAIL_CALL = 12,
	UBEE_HELPER_JIFFIES64 = 118,
	UBEE_HELPER_KTIME_GET_BOOT_NS = 125,
	UBEE_HELPER_KTIME_GET_COARSE_NS = 160,
	UBEE_HELPER_LOOP = 181,
};

/* The built-in helpers: *n records, sorted by id, static storage. */
const struct ubee_helper *ubee_builtin_helpers(size_t *n);

/*
 * The helper with this id in reg, or among the built-ins when reg is
 * NULL; NULL when there is none.
 */
const struct ubee_helper *ubee_helper_lookup(const struct ubee_helpers *reg,
					     int32_t id);

#endif /* UBEE_HELPERS_H */
