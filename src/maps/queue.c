// SPDX-License-Identifier: MIT
/*
 * Queue (FIFO) and stack (LIFO) maps: value-only containers with the
 * kernel's semantics. Storage is one allocation: a ring of max_entries + 1
 * value slots (one slot always stays free, so head == tail means empty and
 * head + 1 == tail means full), indexed by head (next write) and tail
 * (oldest value). A queue pops at the tail, a stack at head - 1; both push
 * at the head, and a push with BPF_EXIST into a full map drops the oldest
 * value (the tail) first.
 *
 * Every operation copies values in and out under one spinlock, so there is
 * nothing a program could hold on to: the kernel's verifier only allows
 * push/pop/peek on these maps. User space sees lookup as peek, update as
 * push and pop as BPF_MAP_LOOKUP_AND_DELETE_ELEM, as bpf() does; delete and
 * get_next_key fail with -EINVAL.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"

#define QUEUE_FLAGS (UBEE_F_NUMA_NODE | UBEE_F_ACCESS_MASK)

struct queue {
	uint32_t lock;      /* ubee_spin_lock */
	uint32_t head;      /* next slot to write */
	uint32_t tail;      /* oldest value */
	uint32_t size;      /* max_entries + 1 slots */
	uint32_t value_size;
	int lifo;           /* stack */
	uint8_t values[];   /* size * value_size bytes */
};

static int queue_check(const struct ubee_map_spec *spec, struct ubee_log *log)
{
	uint32_t f = spec->map_flags;

	if (spec->key_size != 0) {
		ubee_logf(log, "queue/stack: key_size must be 0");
		return -EINVAL;
	}
	if (spec->value_size == 0 || spec->max_entries == 0) {
		ubee_logf(log, "queue/stack: value_size and max_entries must be > 0");
		return -EINVAL;
	}
	if ((f & ~QUEUE_FLAGS) || spec->map_extra ||
	    !ubee_map_flags_access_ok(f)) {
		ubee_logf(log, "queue/stack: invalid map_flags 0x%x or map_extra",
			  f);
		return -EINVAL;
	}
	if (spec->value_size > UBEE_MAP_MAX_ALLOC) {
		ubee_logf(log, "queue/stack: value_size %u too big",
			  spec->value_size);
		return -E2BIG;
	}
	return 0;
}

static int queue_init(struct ubee_map *map, const struct ubee_map_spec *spec)
{
	uint64_t slots = (uint64_t)spec->max_entries + 1;
	struct queue *q;

	if (slots > UINT32_MAX ||
	    slots * spec->value_size > SIZE_MAX - sizeof(*q))
		return -ENOMEM;
	q = ubee_malloc(sizeof(*q) + slots * spec->value_size);
	if (!q)
		return -ENOMEM;
	q->lock = 0;
	q->head = 0;
	q->tail = 0;
	q->size = (uint32_t)slots;
	q->value_size = spec->value_size;
	q->lifo = spec->type == UBEE_MAP_STACK;
	map->priv = q;
	return 0;
}

static void queue_fini(struct ubee_map *map)
{
	struct queue *q = map->priv;

	ubee_free(q);
	map->priv = NULL;
}

static uint32_t queue_next(const struct queue *q, uint32_t i)
{
	return i + 1 == q->size ? 0 : i + 1;
}

static uint8_t *queue_slot(struct queue *q, uint32_t i)
{
	return q->values + (size_t)i * q->value_size;
}

/* Copy the next value out (pop: and remove it); -ENOENT when empty. */
static long queue_take(struct ubee_map *map, void *value, int remove)
{
	struct queue *q = map->priv;
	uint32_t i;
	long err = 0;

	ubee_spin_lock(&q->lock);
	if (q->head == q->tail) {
		err = -ENOENT;
		goto out;
	}
	if (q->lifo) {
		i = q->head == 0 ? q->size - 1 : q->head - 1;
		if (remove)
			q->head = i;
	} else {
		i = q->tail;
		if (remove)
			q->tail = queue_next(q, i);
	}
	memcpy(value, queue_slot(q, i), q->value_size);
out:
	ubee_spin_unlock(&q->lock);
	return err;
}

/*
 * Push a copy of value: 0, -EINVAL for flags other than BPF_ANY/BPF_EXIST,
 * -E2BIG when full without BPF_EXIST (with it, the oldest value goes).
 */
static long queue_push(struct ubee_map *map, const void *value, uint64_t flags)
{
	struct queue *q = map->priv;
	long err = 0;

	if (flags & UBEE_NOEXIST || flags > UBEE_EXIST)
		return -EINVAL;
	ubee_spin_lock(&q->lock);
	if (queue_next(q, q->head) == q->tail) {
		if (!(flags & UBEE_EXIST)) {
			err = -E2BIG;
			goto out;
		}
		q->tail = queue_next(q, q->tail);
	}
	memcpy(queue_slot(q, q->head), value, q->value_size);
	q->head = queue_next(q, q->head);
out:
	ubee_spin_unlock(&q->lock);
	return err;
}

static long queue_pop(struct ubee_map *map, void *value)
{
	return queue_take(map, value, 1);
}

static long queue_peek(struct ubee_map *map, void *value)
{
	return queue_take(map, value, 0);
}

/* bpf() on a queue: lookup peeks, update pushes (key is unused). */
static int queue_sys_lookup(struct ubee_map *map, const void *key, void *value)
{
	return (int)queue_take(map, value, 0);
}

static int queue_sys_update(struct ubee_map *map, const void *key,
			    const void *value, uint64_t flags)
{
	return (int)queue_push(map, value, flags);
}

/* What the kernel answers for keyed operations on these maps. */
static long queue_update(struct ubee_map *map, const void *key,
			 const void *value, uint64_t flags)
{
	return -EINVAL;
}

static long queue_delete(struct ubee_map *map, const void *key)
{
	return -EINVAL;
}

static int queue_get_next_key(struct ubee_map *map, const void *key,
			      void *next_key)
{
	return -EINVAL;
}

/* Queues and stacks share storage and ops; init picks LIFO order from
 * the map type. */
#define QUEUE_OPS                                                             \
	.check = queue_check, .init = queue_init, .fini = queue_fini,         \
	.update = queue_update, .delete = queue_delete, .push = queue_push,   \
	.pop = queue_pop, .peek = queue_peek, .sys_lookup = queue_sys_lookup, \
	.sys_update = queue_sys_update, .get_next_key = queue_get_next_key

const struct ubee_map_ops ubee_queue_ops = { QUEUE_OPS };
const struct ubee_map_ops ubee_stack_ops = { QUEUE_OPS };
