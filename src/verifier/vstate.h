/* SPDX-License-Identifier: MIT */
/*
 * The verifier core's internal state (private to src/verifier/).
 *
 * Design. The core interprets the program abstractly, path by path, as
 * the Linux verifier's do_check does: one current state (struct vstate)
 * steps through the instructions; a conditional jump whose outcome the
 * state does not decide pushes a copy for the other side on a branch
 * stack and continues with one side; a path ends at the exit of the main
 * program or when its state is covered by one already proven safe at a
 * prune point (pruning). Every path is checked on its own, so what one
 * path knows (a bounds check, a null check) holds exactly on that path.
 *
 * A state is a stack of frames (bpf-to-bpf calls and callbacks), each
 * with eleven registers (struct vreg) and its stack as 8-byte slots
 * (struct vslot), plus the references held (ring buffer records,
 * sockets) and the spin lock held. A register has a type (enum vtype);
 * for a scalar, s is its value; for a pointer, off is the fixed offset
 * from the object's start and s the variable part of the offset (a
 * constant 0 when there is none). id links copies of one value: a null
 * check of one copy of a map value pointer, a bounds check of one copy of
 * a packet pointer or the refinement of one copy of a scalar applies to
 * every copy. ref_obj_id names the reference a pointer belongs to.
 *
 * Stored states (struct vnode) live at prune points. They form a tree:
 * each has the node it descends from (parent), how many paths below it
 * are still unexplored (branches; 0 = fully explored, usable for
 * pruning) and the instructions executed from its parent to it
 * (history), which precision tracking walks backwards: a scalar starts
 * imprecise (any scalar covers it when states are compared) and becomes
 * precise in the stored states it came through when its value decides
 * safety (an offset added to a pointer, a size, a decided branch, a
 * return value), as the kernel's mark_chain_precision.
 *
 * Register liveness is computed statically (live[], a backward data-flow
 * over the instructions): a register that no path from a point reads
 * before writing it is ignored when states are compared there.
 */
#ifndef UBEE_VSTATE_H
#define UBEE_VSTATE_H

#include <string.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"
#include "isa/isa.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

struct ubee_map;
struct ubee_prog;

enum vtype {
	VT_NOT_INIT = 0,
	VT_SCALAR,
	VT_CTX,
	VT_STACK,      /* frame: which frame's stack; off from its top */
	VT_MAP_PTR,    /* map: the map (CONST_PTR_TO_MAP) */
	VT_MAP_VALUE,  /* map: whose value */
	VT_MAP_KEY,    /* map: whose key (for_each_map_elem callbacks) */
	VT_PKT,        /* range: bytes from the id's base proven readable */
	VT_PKT_META,
	VT_PKT_END,
	VT_MEM,        /* range: size in bytes */
	VT_FUNC,       /* aux: first instruction of the callback */
	VT_BTF_ID,     /* an opaque kernel object (verify-only) */
	VT_SOCK,       /* a struct bpf_sock (opaque here) */
	VT__COUNT
};

/* VT_PKT aux: a comparison proved the pointer at (>=) or past (>) the end. */
#define PKT_AT_END 1u
#define PKT_BEYOND_END 2u

/* flags */
#define VF_NULL 1u     /* may be NULL (map_value_or_null, mem_or_null, ...) */
#define VF_RDONLY 2u   /* memory the program may only read */
#define VF_RINGBUF 4u  /* VT_MEM: a ring buffer record */
#define VF_COMMON 8u   /* VT_SOCK: a struct sock_common (skb->sk) */

#define NREGS 11
#define REG_FP 10
#define SLOT 8
#define MAX_SLOTS (UBEE_V_MAX_STACK / SLOT)
#define MAX_REFS 32

struct vreg {
	struct ubee_scalar s;
	int32_t off;
	uint32_t id;
	uint32_t ref_obj_id;
	uint32_t range;            /* VT_PKT*: proven bytes; VT_MEM: size */
	uint32_t aux;              /* VT_FUNC: entry insn; VT_MEM: 1 = the ctx of
				    * a mem program; VT_PKT: PKT_AT_END or
				    * PKT_BEYOND_END when compared so */
	struct ubee_map *map;      /* VT_MAP_*: the map */
	uint8_t type;              /* enum vtype */
	uint8_t flags;             /* VF_* */
	uint8_t frame;             /* VT_STACK */
	uint8_t precise;           /* scalars: the value matters */
};

/* Per-byte kinds of a stack slot. */
enum { SK_INVALID = 0, SK_MISC, SK_ZERO, SK_SPILL };

struct vslot {
	struct vreg spill;        /* a spilled register (kind SK_SPILL bytes) */
	uint8_t kind[SLOT];       /* by byte: kind[0] is the lowest address */
	uint8_t spill_size;       /* bytes spilled (8, or 1/2/4 for scalars) */
	uint8_t spill_off;        /* first spilled byte: 0, or 4 */
};

/* Does the slot hold a (whole or narrow) spilled register? */
static inline bool slot_spilled(const struct vslot *s)
{
	return s->spill_size && s->kind[s->spill_off] == 3 /* SK_SPILL */;
}

struct vframe {
	struct vreg regs[NREGS];
	uint32_t callsite;        /* the call that made the frame (main: ~0) */
	uint32_t subprog;         /* cfg subprogram index */
	uint8_t callback;         /* 0: bpf-to-bpf call; else enum vcb */
	uint32_t cb_helper;       /* callbacks: the helper insn */
	uint32_t nslots;          /* slots in use: slot i covers fp-8(i+1)..fp-8i */
	struct vslot slots[];     /* [cap] */
};

enum vcb { CB_NONE = 0, CB_LOOP, CB_FOR_EACH };

struct vref {
	uint32_t id;
	uint32_t insn;
};

/* One instruction of a path's history (for precision backtracking). */
struct vhist {
	uint32_t idx;
	uint8_t frame;      /* frame depth the instruction ran in */
	uint8_t flags;      /* H_* */
	uint8_t sframe;     /* H_STACK: frame whose stack was accessed */
	uint8_t spi;        /* H_STACK: slot; H_CB_*: the callback kind (enum vcb) */
};

#define H_STACK 1u      /* a spill/fill of a register to/from a slot */
#define H_CB_ENTER 2u   /* a helper call that entered a callback */
#define H_CB_EXIT 4u    /* an exit returning from a callback */

struct vnode;

struct vstate {
	struct vframe *frames[UBEE_V_MAX_FRAMES];
	uint32_t caps[UBEE_V_MAX_FRAMES];   /* slot capacity of each frame */
	uint32_t depth;                      /* current frame index */
	uint32_t idx;                        /* next instruction */
	struct vref refs[MAX_REFS];
	uint32_t nrefs;
	uint32_t lock_id;                    /* spin lock held (0: none) */
	struct ubee_map *lock_map;
	uint32_t lock_off;
	uint32_t lock_obj;
	uint32_t may_goto_depth;             /* may_goto loop bodies entered */
	uint32_t log_pos;                    /* trace length when pushed */
	/*
	 * Stack liveness: slots (bit spi) of each frame overwritten whole
	 * since the parent node (a stored node keeps the mask of the
	 * stretch that led to it). A read of a slot not written since marks
	 * it read in the nodes above, up to the one whose stretch wrote it.
	 */
	uint64_t slot_written[UBEE_V_MAX_FRAMES];
	struct vnode *parent;
	struct vhist *hist;
	uint32_t nhist, caphist;
};

struct vnode {
	struct vnode *next;       /* same instruction (or the retired list) */
	struct vnode *prev;       /* the retired list */
	struct vnode *parent;
	uint32_t branches;
	uint32_t idx;
	uint32_t hits, misses;
	uint8_t evicted;          /* on the retired list */
	/* slots (by frame) a path below read before writing: only these
	 * matter when the node is compared for pruning */
	uint64_t slot_read[UBEE_V_MAX_FRAMES];
	uint64_t hash;            /* of what an exact comparison looks at */
	struct vstate st;         /* hist: from parent to here */
};

/* What a helper call learned from its arguments. */
struct vcall {
	struct ubee_map *map;
	int map_regno;
	uint32_t alloc_size;
	uint32_t release_id;      /* reference to release */
	int release_regno;
	int func_regno;
	uint32_t lock_off;        /* spin lock arg */
	struct ubee_map *lock_map;
	uint32_t lock_obj;        /* id of the map value holding the lock */
	bool lock_seen;
	int64_t const_key;        /* the key's known value (array lookup), or -1 */
};

struct venv {
	struct ubee_prog *prog;
	const struct ubee_prog_opts *o;
	struct ubee_log *log;
	int log_level;
	bool unpriv;
	bool uninit_stack;        /* a privileged read of unwritten stack */
	size_t cnt;
	const struct ubee_dinsn *code;
	struct ubee_vcfg cfg;
	uint16_t *live;           /* [cnt] registers live before insn */
	struct vstate cur;
	struct vstate *stack;     /* pending branches */
	size_t nstack, capstack;
	struct vnode **explored;  /* [cnt] */
	struct vnode *retired;    /* dropped from explored, paths below alive */
	uint32_t *nexplored;      /* [cnt] states stored per insn */
	uint32_t id_gen;
	uint32_t cur_idx;         /* insn being checked (for messages) */
	uint64_t insns_processed;
	uint32_t total_states, cur_states, peak_states, max_per_insn;
	uint32_t *max_slots;      /* [nr_subprogs]: deepest slot count */
	bool pruned;
	int stx_src;              /* register a store takes its value from */
	uint64_t last_store_insns;/* insns_processed when a state was stored */
	uint32_t jmps, last_store_jmps;
	struct ubee_vfacts *facts;
	struct {                  /* where each map's bpf_spin_lock is */
		struct ubee_map *map;
		int off;              /* VLOCK_* or the offset in the value */
	} locks[8];
	uint32_t nlocks;
	/*
	 * Log level 1 keeps only the trace of the path being explored (as
	 * the kernel's): instruction lines wait here, a popped branch cuts
	 * the trace back to where it was pushed, and the trace goes to the
	 * log before any message (vlogf, verr) and at the end.
	 */
	char *trace;
	size_t trace_len, trace_cap;
	char buf[1024];           /* scratch for log lines */
};

/* vmap_lock_off: the map has no BTF / its value has no bpf_spin_lock. */
#define VLOCK_NO_BTF (-2)
#define VLOCK_NONE (-1)

/* ---- verifier.c ---------------------------------------------------------- */

/*
 * The start of a rejection's log, once: the pending trace, the source
 * line, the register state (log level >= 1).
 */
void verr_begin(struct venv *env);
/* Log "idx: message" for the instruction being checked; returns -EACCES. */
int verr(struct venv *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Position i of a frame walk, i < NREGS + fr->nslots: the registers, then
 * each stack slot's spilled register (NULL for a slot that holds none).
 */
static inline struct vreg *vframe_reg(struct vframe *fr, int i)
{
	struct vslot *sl;

	if (i < NREGS)
		return &fr->regs[i];
	sl = &fr->slots[i - NREGS];
	return slot_spilled(sl) ? &sl->spill : NULL;
}

/* Run the statement after it on every register, spilled too, of st. */
#define for_each_vreg(st, f, i, r)                                            \
	for (uint32_t f = 0; f <= (st)->depth; f++)                           \
		for (int i = 0; i < NREGS + (int)(st)->frames[f]->nslots; i++) \
			if (((r) = vframe_reg((st)->frames[f], i)) != NULL)

/* Forget reference id of st (the entry, not the registers holding it). */
static inline void vstate_drop_ref(struct vstate *st, uint32_t id)
{
	for (uint32_t i = 0; i < st->nrefs; i++) {
		if (st->refs[i].id != id)
			continue;
		memmove(&st->refs[i], &st->refs[i + 1],
			(st->nrefs - i - 1) * sizeof(st->refs[0]));
		st->nrefs--;
		return;
	}
}

static inline struct vframe *cur_frame(struct venv *env)
{
	return env->cur.frames[env->cur.depth];
}
static inline struct vreg *cur_regs(struct venv *env)
{
	return cur_frame(env)->regs;
}
uint32_t vnew_id(struct venv *env);

/* ---- state.c ------------------------------------------------------------- */

void vreg_not_init(struct vreg *r);
void vreg_unknown(struct vreg *r);
void vreg_const(struct vreg *r, uint64_t v);
bool vreg_is_ptr(const struct vreg *r);
bool vreg_is_const0(const struct vreg *r);
struct vframe *vframe_new(uint32_t cap);
/* Make room for nslots slots in frame f of st: 0 or -ENOMEM. */
int vstate_grow(struct vstate *st, uint32_t f, uint32_t nslots);
int vstate_copy(struct vstate *dst, const struct vstate *src);
void vstate_free(struct vstate *st);
int vhist_push(struct vstate *st, uint32_t idx, uint8_t frame);
/* Push a copy of env->cur continuing at idx: 0 or -ENOMEM/-E2BIG. */
int vpush_branch(struct venv *env, uint32_t idx, struct vstate **out);
/* A path ended: release its share of its parents. */
void vpath_done(struct venv *env, struct vstate *st);
/*
 * At a prune point: 1 when env->cur is covered by an explored state
 * (the path ends), 0 to go on (the state may have been stored), <0 on
 * error (infinite loop, -ENOMEM).
 */
int vstate_visit(struct venv *env, uint32_t idx);
/* A may_goto at env->cur.idx: explore the jump now, the fall-through
 * (another iteration) later. 0 or -ENOMEM/-E2BIG. */
int vmay_goto(struct venv *env, const struct ubee_dinsn *in);
/* Precision: mark register regno of the current frame (-1: none) and/or
 * the listed slot as precise back through the current path. */
int vmark_precise(struct venv *env, int regno);
/* Slots `mask` of frame are read by the current path (stack liveness). */
void vslot_read(struct venv *env, uint32_t frame, uint64_t mask);
/* Slots [lo, hi) (offsets from the frame's top) as a mask. */
static inline uint64_t vslot_mask(int64_t lo, int64_t hi)
{
	uint32_t first = (uint32_t)((-hi) / SLOT);
	uint32_t last = (uint32_t)((-lo - 1) / SLOT);

	if (hi <= lo)
		return 0;
	return (last >= 63 ? ~0ull : (2ull << last) - 1) & ~((1ull << first) - 1);
}
/* The same for a spilled scalar in slot spi of frame (0 when none). */
int vmark_slot_precise(struct venv *env, uint32_t frame, uint32_t spi);
void vnodes_free(struct venv *env);

/* ---- alu.c --------------------------------------------------------------- */

int valu(struct venv *env, const struct ubee_dinsn *in);

/* ---- mem.c --------------------------------------------------------------- */

/*
 * Check an access of size bytes at reg + off (write or read); for a read
 * with dst set, *dst gets the loaded value (sext: sign-extending load).
 * val: the register stored (NULL for immediates / atomics), imm: its
 * value for immediate stores. Returns 0 or -EACCES (logged).
 */
int vmem_access(struct venv *env, int regno, int32_t off, uint32_t size,
		bool write, struct vreg *dst, bool sext, const struct vreg *val,
		bool is_imm, int64_t imm);
int vmem_insn(struct venv *env, const struct ubee_dinsn *in);
/*
 * [reg + off, + size) inside [0, limit) for every value of reg's variable
 * offset (what/lim_name name it in the messages: "map value",
 * "value_size"). 0 or -EACCES, logged as the kernel's
 * check_mem_region_access.
 */
int vmem_region_check(struct venv *env, const struct vreg *reg, int regno,
		      int32_t off, uint64_t size, uint64_t limit,
		      const char *what, const char *lim_name);
/* The map is frozen (user space can no longer change it). */
bool vmap_frozen(struct ubee_map *m);
/*
 * A helper reads (write false) or writes [reg, reg + size) with size in
 * [min, max] (min 0: maybe nothing). zero_ok: size 0 allowed.
 */
int vmem_helper(struct venv *env, int regno, uint64_t max_size, bool write,
		bool zero_ok);

/* ---- branch.c ------------------------------------------------------------ */

/* A conditional jump at env->cur.idx: sets cur.idx to where cur goes. */
int vbranch(struct venv *env, const struct ubee_dinsn *in);

/* ---- call.c -------------------------------------------------------------- */

int vcall_helper(struct venv *env, const struct ubee_dinsn *in);
int vcall_local(struct venv *env, const struct ubee_dinsn *in);
/* EXIT: returns 1 when the whole path ended (main exit), 0 to go on. */
int vexit(struct venv *env);
/*
 * Offset of the struct bpf_spin_lock in m's value (from the map's BTF, as
 * the kernel's btf_record), VLOCK_NONE, or VLOCK_NO_BTF.
 */
int vmap_lock_off(struct venv *env, struct ubee_map *m);
/* Invalidate every copy of reference id (released). */
void vrelease_ref(struct venv *env, uint32_t id);

/* ---- vlog.c -------------------------------------------------------------- */

const char *vtype_name(uint8_t type, uint8_t flags);
/* "R1=ctx() R10=fp0 fp-8=..." of the current frame into buf. */
int vlog_state(struct venv *env, const struct vstate *st, char *buf,
	       size_t size);
int vlog_reg(char *buf, size_t size, const struct vreg *r);
void vlog_insn(struct venv *env, uint32_t idx);
/* A message line: the pending trace first (log level 1), then the line. */
void vlogf(struct venv *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Write the pending trace to the log. */
void vtrace_flush(struct venv *env);

/* ---- facts.c ------------------------------------------------------------- */

int vfacts_init(struct venv *env);
void vfacts_record(struct venv *env, uint32_t idx);

#endif /* UBEE_VSTATE_H */
