/* SPDX-License-Identifier: MIT */
/*
 * What the map tests share: a small random generator, making a map from
 * its spec fields, the errno of a creation that fails, failing each
 * allocation of a creation in turn, and (for the kernel differential
 * tests) creating the same spec with bpf(BPF_MAP_CREATE) and ubee_map_new
 * side by side. Per-type helpers (a ring buffer of a size, an LPM key)
 * stay in their tests.
 */
#ifndef UBEE_TEST_MAPTEST_H
#define UBEE_TEST_MAPTEST_H

#include <stdint.h>

#include "ubee/map.h"

/* The next number of a tiny deterministic generator (xorshift64*) whose
 * state *s must not be 0: random operation sequences that repeat. */
uint64_t t_rnd(uint64_t *s);

/* A map of these fields (no name, no BTF), or NULL with errno set. */
struct ubee_map *t_map_new(uint32_t type, uint32_t ks, uint32_t vs,
			   uint32_t max, uint32_t flags, uint64_t extra);

/*
 * 0 when a map of these fields can be created (it is freed again), else
 * the negative errno ubee_map_new failed with.
 */
int t_map_err(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
	      uint32_t flags, uint64_t extra);

/*
 * Create a map of these fields with its Nth allocation failing, for
 * N = 0, 1, ... while N < max_n, until creation succeeds; every failure
 * must set errno ENOMEM (a failed check of the current case otherwise).
 * The map is freed again. Returns the number of attempts the creation
 * took, or 0 when it never succeeded.
 */
long t_map_alloc_walk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		      long max_n);

/*
 * Create spec s (s->sz is set here) both in the kernel and in ubee. The
 * two must succeed or fail alike, with the same errno (a failed check
 * otherwise). Returns 0 with the kernel map in *fd and ubee's in *m when
 * both were created; else -1 with nothing held (*fd -1, *m NULL).
 */
int t_map_both_create(struct ubee_map_spec *s, int *fd, struct ubee_map **m);

/* Close the kernel map fd (when >= 0) and put m (NULL is fine). */
void t_map_both_free(int fd, struct ubee_map *m);

#endif /* UBEE_TEST_MAPTEST_H */
