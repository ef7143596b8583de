// SPDX-License-Identifier: MIT
/*
 * Map benchmark: hash. A plain hash map of exactly MB_NOPS elements.
 */
#define MB_MAP_TYPE BPF_MAP_TYPE_HASH
#define MB_MAX_ENTRIES MB_NOPS
#include "hash_progs.h"
