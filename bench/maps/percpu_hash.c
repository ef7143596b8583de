// SPDX-License-Identifier: MIT
/*
 * Map benchmark: percpu_hash. A per-CPU hash map of MB_NOPS elements: programs see their CPU's value.
 */
#define MB_MAP_TYPE BPF_MAP_TYPE_PERCPU_HASH
#define MB_MAX_ENTRIES MB_NOPS
#include "hash_progs.h"
