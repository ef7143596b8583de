/* SPDX-License-Identifier: MIT */
/*
 * Internals of program types: the built-in table (types.c) behind the
 * public lookups of registry.c.
 */
#ifndef UBEE_PROGTYPES_H
#define UBEE_PROGTYPES_H

#include <stddef.h>

#include "ubee/progtype.h"

/* The kernel's types and "mem", in id order (types.c). */
extern const struct ubee_prog_type ubee_builtin_prog_types[];
extern const size_t ubee_nr_builtin_prog_types;

#endif /* UBEE_PROGTYPES_H */
