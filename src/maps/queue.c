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

/* The shared part, at the start of the map's region; values follow. */
struct queue_shm {
	uint32_t lock;      /* ubee_rlock */
	uint32_t head;      /* next slot to write */
	uint32_t tail;      /* oldest value */
	uint32_t pad;
};

struct queue {
	struct queue_shm *s;
	uint32_t size;      /* max_entries + 1 slots */
	uint32_t value_size;
	int lifo;           /* stack */
	uint8_t *values;    /* size * value_size bytes */
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

static uint64_t queue_shm_size(const struct ubee_map *map)
{
	return sizeof(struct queue_shm) +
	       ((uint64_t)map->max_entries + 1) * map->value_size;
}

/* A file's head and tail must be slots of the ring. */
static int queue_shm_attach(struct ubee_map *map, void *mem, int fresh,
			    struct ubee_log *log)
{
	struct queue_shm *s = mem;
	struct queue *q;

	if (map->max_entries == UINT32_MAX)
		return -ENOMEM; /* slots would not fit a u32 */
	if (!fresh && (s->head > map->max_entries ||
		       s->tail > map->max_entries)) {
		ubee_logf(log, "queue/stack: head %u or tail %u past the last slot %u",
			  s->head, s->tail, map->max_entries);
		return -EINVAL;
	}
	q = ubee_malloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->s = s;
	q->size = map->max_entries + 1;
	q->value_size = map->value_size;
	q->lifo = map->type == UBEE_MAP_STACK;
	q->values = (uint8_t *)(s + 1);
	map->priv = q;
	return 0;
}

static void queue_fini(struct ubee_map *map)
{
	ubee_free(map->priv);
	map->priv = NULL;
}

/*
 * Every change is complete before the one store (head or tail) that
 * publishes it, so a holder killed anywhere leaves a consistent ring; the
 * process that takes its lock over has nothing to repair.
 */
static void queue_lock(struct queue *q)
{
	ubee_rlock(&q->s->lock);
}

static uint32_t queue_next(const struct queue *q, uint32_t i)
{
	return i + 1 == q->size ? 0 : i + 1;
}

static uint8_t *queue_slot(const struct queue *q, uint32_t i)
{
	return q->values + (size_t)i * q->value_size;
}

/* Copy the next value out (pop: and remove it); -ENOENT when empty. */
static long queue_take(struct ubee_map *map, void *value, int remove)
{
	struct queue *q = map->priv;
	uint32_t i;
	long err = 0;

	queue_lock(q);
	if (q->s->head == q->s->tail) {
		err = -ENOENT;
		goto out;
	}
	i = q->lifo ? (q->s->head == 0 ? q->size - 1 : q->s->head - 1)
		    : q->s->tail;
	memcpy(value, queue_slot(q, i), q->value_size);
	if (remove && q->lifo)
		__atomic_store_n(&q->s->head, i, __ATOMIC_RELEASE);
	else if (remove)
		__atomic_store_n(&q->s->tail, queue_next(q, i), __ATOMIC_RELEASE);
out:
	ubee_runlock(&q->s->lock);
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
	queue_lock(q);
	if (queue_next(q, q->s->head) == q->s->tail) {
		if (!(flags & UBEE_EXIST)) {
			err = -E2BIG;
			goto out;
		}
		__atomic_store_n(&q->s->tail, queue_next(q, q->s->tail),
				 __ATOMIC_RELEASE);
	}
	memcpy(queue_slot(q, q->s->head), value, q->value_size);
	__atomic_store_n(&q->s->head, queue_next(q, q->s->head),
			 __ATOMIC_RELEASE);
out:
	ubee_runlock(&q->s->lock);
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
	.check = queue_check, .fini = queue_fini,                             \
	.shm_size = queue_shm_size, .shm_attach = queue_shm_attach,           \
	.update = queue_update, .delete = queue_delete, .push = queue_push,   \
	.pop = queue_pop, .peek = queue_peek, .sys_lookup = queue_sys_lookup, \
	.sys_update = queue_sys_update, .get_next_key = queue_get_next_key

const struct ubee_map_ops ubee_queue_ops = { QUEUE_OPS };
const struct ubee_map_ops ubee_stack_ops = { QUEUE_OPS };
