// SPDX-License-Identifier: MIT
/*
 * Map benchmark: lru_hash. Four times larger than its MB_NOPS keys, so
 * that the kernel's LRU (which keeps free elements on per-CPU lists and
 * may evict before it is full) never evicts: every lookup hits.
 */
#define MB_MAP_TYPE BPF_MAP_TYPE_LRU_HASH
#define MB_MAX_ENTRIES (4 * MB_NOPS)
#include "hash_progs.h"
