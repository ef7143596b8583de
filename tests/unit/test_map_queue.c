// SPDX-License-Identifier: MIT
/*
 * Queue and stack maps: creation checks, FIFO/LIFO order, full maps with
 * and without BPF_EXIST, the kernel's error codes for every operation
 * (user side and program side), a long random sequence against a simple
 * model, and threads pushing and popping at once with every value seen
 * exactly once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/maptest.h"
#include "../lib/test.h"
#include "maps/maps.h"
#include "util/util.h"

static void create_checks(void)
{
	static const uint32_t types[] = { UBEE_MAP_QUEUE, UBEE_MAP_STACK };

	for (int i = 0; i < 2; i++) {
		uint32_t t = types[i];

		T_EQ_U64(t_map_err(t, 0, 4, 1, 0, 0), 0);
		T_EQ_U64(t_map_err(t, 4, 4, 1, 0, 0), -EINVAL);
		T_EQ_U64(t_map_err(t, 0, 0, 1, 0, 0), -EINVAL);
		T_EQ_U64(t_map_err(t, 0, 4, 0, 0, 0), -EINVAL);
		T_EQ_U64(t_map_err(t, 0, 4, 1, UBEE_F_NO_PREALLOC, 0), -EINVAL);
		T_EQ_U64(t_map_err(t, 0, 4, 1, UBEE_F_ZERO_SEED, 0), -EINVAL);
		T_EQ_U64(t_map_err(t, 0, 4, 1, 0, 1), -EINVAL);
		T_EQ_U64(t_map_err(t, 0, 4, 1, UBEE_F_RDONLY_PROG, 0), 0);
		T_EQ_U64(t_map_err(t, 0, 4, 1,
				   UBEE_F_RDONLY_PROG | UBEE_F_WRONLY_PROG, 0),
			 -EINVAL);
		T_EQ_U64(t_map_err(t, 0, UBEE_MAP_MAX_ALLOC, 1, 0, 0), 0);
		T_EQ_U64(t_map_err(t, 0, UBEE_MAP_MAX_ALLOC + 1, 1, 0, 0),
			 -E2BIG);
	}
	T_CHECK(!strcmp(ubee_map_type_name(UBEE_MAP_QUEUE), "queue"), "name");
	T_CHECK(!strcmp(ubee_map_type_name(UBEE_MAP_STACK), "stack"), "name");
}

static void queue_fifo(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_QUEUE, 0, 4, 3, 0, 0);
	uint32_t v, k = 0;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_pop(m, &v), -ENOENT);
	T_EQ_U64(ubee_map_peek(m, &v), -ENOENT);
	T_EQ_U64(ubee_map_lookup(m, NULL, &v), -ENOENT);
	for (v = 1; v <= 3; v++)
		T_EQ_U64(ubee_map_push(m, &v, UBEE_ANY), 0);
	v = 4;
	T_EQ_U64(ubee_map_push(m, &v, UBEE_ANY), -E2BIG);
	T_EQ_U64(ubee_map_push(m, &v, UBEE_NOEXIST), -EINVAL);
	T_EQ_U64(ubee_map_push(m, &v, 3), -EINVAL);
	T_EQ_U64(ubee_map_push(m, &v, 8), -EINVAL);
	/* BPF_EXIST on a full queue drops the oldest (1). */
	T_EQ_U64(ubee_map_push(m, &v, UBEE_EXIST), 0);
	T_EQ_U64(ubee_map_peek(m, &v), 0);
	T_EQ_U64(v, 2);
	T_EQ_U64(ubee_map_lookup(m, NULL, &v), 0);
	T_EQ_U64(v, 2);
	T_EQ_U64(ubee_map_pop(m, &v), 0);
	T_EQ_U64(v, 2);
	/* User-side update pushes, with the same flag rules. */
	v = 5;
	T_EQ_U64(ubee_map_update(m, NULL, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_update(m, NULL, &v, UBEE_ANY), -E2BIG);
	T_EQ_U64(ubee_map_update(m, NULL, &v, UBEE_NOEXIST), -EINVAL);
	for (uint32_t want = 3; want <= 5; want++) {
		T_EQ_U64(ubee_map_pop(m, &v), 0);
		T_EQ_U64(v, want);
	}
	T_EQ_U64(ubee_map_pop(m, &v), -ENOENT);
	/* Keyed operations: the kernel's -EINVAL. */
	T_EQ_U64(ubee_map_delete(m, NULL), -EINVAL);
	T_EQ_U64(ubee_map_get_next_key(m, NULL, &k), -EINVAL);
	T_EQ_U64(m->ops->update(m, NULL, &v, 0), -EINVAL);
	T_EQ_U64(m->ops->delete(m, NULL), -EINVAL);
	T_CHECK(!m->ops->lookup, "no program lookup");
	ubee_map_put(m);
}

static void stack_lifo(void)
{
	struct ubee_map *m = t_map_new(UBEE_MAP_STACK, 0, 8, 3, 0, 0);
	uint64_t v;

	T_CHECK(m, "create");
	if (!m)
		return;
	T_EQ_U64(ubee_map_pop(m, &v), -ENOENT);
	for (v = 1; v <= 3; v++)
		T_EQ_U64(ubee_map_push(m, &v, UBEE_ANY), 0);
	T_EQ_U64(ubee_map_push(m, &v, UBEE_ANY), -E2BIG);
	T_EQ_U64(ubee_map_peek(m, &v), 0);
	T_EQ_U64(v, 3);
	/* Overwrite drops the bottom (oldest, 1): 2 3 4. */
	v = 4;
	T_EQ_U64(ubee_map_push(m, &v, UBEE_EXIST), 0);
	for (uint64_t want = 4; want >= 2; want--) {
		T_EQ_U64(ubee_map_pop(m, &v), 0);
		T_EQ_U64(v, want);
	}
	T_EQ_U64(ubee_map_pop(m, &v), -ENOENT);
	T_EQ_U64(ubee_map_peek(m, &v), -ENOENT);
	ubee_map_put(m);
}

/* Random operations against an array model, across many wraps. */
static void random_model(void)
{
	for (int t = 0; t < 2; t++) {
		uint32_t type = t ? UBEE_MAP_STACK : UBEE_MAP_QUEUE;
		struct ubee_map *m = t_map_new(type, 0, 12, 5, 0, 0);
		uint32_t model[5][3], n = 0, v[3], next = 1;

		T_CHECK(m, "create");
		if (!m)
			return;
		srand(7 + t);
		for (int i = 0; i < 20000 && t_ok(); i++) {
			int op = rand() % 4, err;
			uint64_t flags = rand() % 3 == 0 ? UBEE_EXIST : UBEE_ANY;

			if (op <= 1) {
				v[0] = next++, v[1] = ~v[0], v[2] = v[0] * 3;
				err = ubee_map_push(m, v, flags);
				if (n == 5 && flags != UBEE_EXIST) {
					T_EQ_U64(err, -E2BIG);
					continue;
				}
				T_EQ_U64(err, 0);
				if (n == 5) {
					memmove(model[0], model[1],
						sizeof(model[0]) * 4);
					n--;
				}
				memcpy(model[n++], v, sizeof(v));
			} else {
				uint32_t *want = type == UBEE_MAP_QUEUE ?
							 model[0] :
							 model[n ? n - 1 : 0];

				err = op == 2 ? ubee_map_pop(m, v) :
						ubee_map_peek(m, v);
				if (!n) {
					T_EQ_U64(err, -ENOENT);
					continue;
				}
				T_EQ_U64(err, 0);
				T_CHECK(!memcmp(v, want, sizeof(v)),
					"op %d: value %u, want %u", i, v[0],
					want[0]);
				if (op == 2 && type == UBEE_MAP_QUEUE)
					memmove(model[0], model[1],
						sizeof(model[0]) * --n);
				else if (op == 2)
					n--;
			}
		}
		ubee_map_put(m);
	}
}

/* ---- threads ------------------------------------------------------------ */

#define PRODUCERS 4
#define CONSUMERS 3
#define PER_PRODUCER 20000

struct stress {
	struct ubee_map *m;
	uint8_t seen[PRODUCERS][PER_PRODUCER];
	uint32_t last[CONSUMERS][PRODUCERS]; /* queue: per-producer order */
	long popped;
	int producers_done;
	int order_bad;
};

struct worker {
	struct stress *s;
	uint32_t id;
};

static void *producer(void *arg)
{
	struct stress *s = ((struct worker *)arg)->s;
	uint32_t id = ((struct worker *)arg)->id;

	for (uint32_t i = 0; i < PER_PRODUCER; i++) {
		uint32_t v[2] = { id, i };

		while (s->m->ops->push(s->m, v, UBEE_ANY) == -E2BIG)
			;
	}
	__atomic_fetch_add(&s->producers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *s = ((struct worker *)arg)->s;
	uint32_t c = ((struct worker *)arg)->id;
	uint32_t v[2];

	for (;;) {
		if (s->m->ops->pop(s->m, v) == 0) {
			if (v[0] >= PRODUCERS || v[1] >= PER_PRODUCER) {
				__atomic_store_n(&s->order_bad, 1,
						 __ATOMIC_RELAXED);
				continue;
			}
			/* Each value once: a second pop would find it set. */
			if (__atomic_exchange_n(&s->seen[v[0]][v[1]], 1,
						__ATOMIC_RELAXED))
				__atomic_store_n(&s->order_bad, 2,
						 __ATOMIC_RELAXED);
			if (s->m->type == UBEE_MAP_QUEUE &&
			    v[1] + 1 <= s->last[c][v[0]])
				__atomic_store_n(&s->order_bad, 3,
						 __ATOMIC_RELAXED);
			s->last[c][v[0]] = v[1] + 1;
			__atomic_fetch_add(&s->popped, 1, __ATOMIC_RELAXED);
		} else if (__atomic_load_n(&s->producers_done,
					   __ATOMIC_ACQUIRE) == PRODUCERS &&
			   s->m->ops->peek(s->m, v) == -ENOENT) {
			break;
		}
	}
	return NULL;
}

static void threads(void)
{
	for (int t = 0; t < 2; t++) {
		struct stress *s = calloc(1, sizeof(*s));
		pthread_t pt[PRODUCERS + CONSUMERS];
		struct worker w[PRODUCERS + CONSUMERS];
		long missing = 0;

		s->m = t_map_new(t ? UBEE_MAP_STACK : UBEE_MAP_QUEUE, 0, 8, 64,
				 0, 0);
		T_CHECK(s->m, "create");
		if (!s->m) {
			free(s);
			return;
		}
		for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
			w[i].s = s;
			w[i].id = i < PRODUCERS ? i : i - PRODUCERS;
			pthread_create(&pt[i], NULL,
				       i < PRODUCERS ? producer : consumer,
				       &w[i]);
		}
		for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
			pthread_join(pt[i], NULL);
		for (int p = 0; p < PRODUCERS; p++)
			for (int i = 0; i < PER_PRODUCER; i++)
				missing += !s->seen[p][i];
		T_EQ_U64(s->order_bad, 0);
		T_EQ_U64(missing, 0);
		T_EQ_U64(s->popped, PRODUCERS * PER_PRODUCER);
		ubee_map_put(s->m);
		free(s);
	}
}

static void alloc_failure(void)
{
	ubee_fail_alloc_after(0);
	errno = 0;
	T_CHECK(!t_map_new(UBEE_MAP_QUEUE, 0, 4, 4, 0, 0),
		"created without memory");
	T_EQ_U64(errno, ENOMEM);
	ubee_fail_alloc_after(1);
	T_CHECK(!t_map_new(UBEE_MAP_STACK, 0, 4, 4, 0, 0),
		"created without memory");
	T_EQ_U64(errno, ENOMEM);
	ubee_fail_alloc_after(-1);
}

int main(void)
{
	T_RUN(create_checks);
	T_RUN(queue_fifo);
	T_RUN(stack_lifo);
	T_RUN(random_model);
	T_RUN(threads);
	T_RUN(alloc_failure);
	return t_summary();
}
