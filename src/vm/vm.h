/* SPDX-License-Identifier: MIT */
/*
 * Internals of the program object and of a run, shared by the loader of
 * programs (prog.c), the run API (run.c), the interpreter (interp.c) and
 * helpers that need the run (bpf_loop, bpf_tail_call).
 *
 * A loaded program is immutable: many threads may run it at once. All
 * mutable state of one execution lives in struct ubee_run, on the C stack
 * of ubee_prog_run.
 *
 * The decoded program differs from the original instructions in three
 * ways, all fixed at load time:
 *  - CALL (helper): imm is an index into prog->helpers (copies of the
 *    registry records), not the helper id;
 *  - pseudo lddw (map fd, map value, ...) became a plain LDDW carrying the
 *    value from the resolver (ubee_prog_insns shows the same);
 *  - LDDW_FUNC became a plain LDDW carrying the address of the callee's
 *    first decoded instruction, the value bpf_loop and friends receive as
 *    the callback (ubee_prog_insns keeps the pseudo form).
 *
 * A program also knows its type (the helpers it was allowed to call were
 * checked against it at load time) and holds a reference on each map the
 * loader said it uses: checked mode accepts only those (and inner maps a
 * lookup handed out during the run) as map arguments of helpers.
 */
#ifndef UBEE_VM_H
#define UBEE_VM_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/progtype.h"
#include "ubee/ubee.h"
#include "isa/isa.h"

struct ubee_pkt;
struct ubee_jit;
struct ubee_vfacts;

/*
 * A resolved pseudo lddw: src is the pseudo source (UBEE_PSEUDO_*: map fd
 * or index -> the map itself, map value or index value -> an address off
 * bytes into the value of key 0 of map, btf id -> map NULL).
 */
enum ubee_pseudo {
	UBEE_PSEUDO_MAP_FD = 1,
	UBEE_PSEUDO_MAP_VALUE = 2,
	UBEE_PSEUDO_BTF_ID = 3,
	UBEE_PSEUDO_FUNC = 4,
	UBEE_PSEUDO_MAP_IDX = 5,
	UBEE_PSEUDO_MAP_IDX_VALUE = 6,
};

struct ubee_prog_ld {
	uint32_t insn;
	uint8_t src;
	struct ubee_map *map;
	uint32_t off;
};

/* Memory regions helpers may hand out during one checked run. */
#define UBEE_RUN_MAX_ALLOWED 65536

/*
 * The tail-call hook: set by the code that owns program arrays. Given the
 * map operand (r2) and index (r3) of bpf_tail_call, store the program to
 * continue with in *next and return 0, or return non-zero when there is
 * none (the call then fails and the caller continues, as in the kernel).
 * map is whatever the program passed, unchecked even in checked mode: the
 * hook must make sure it is one of its program arrays before using it.
 */
typedef int (*ubee_tail_call_fn)(void *map, uint32_t index,
				 const struct ubee_prog **next);

/* Counters of a program's runs (zero when statistics are off). */
struct ubee_prog_stats {
	uint64_t run_cnt;      /* runs */
	uint64_t run_time_ns;  /* their total wall time */
};

struct ubee_prog {
	char *name;
	size_t cnt;                   /* instruction slots */
	struct ubee_insn *insns;      /* originals, pseudo lddw resolved */
	struct ubee_dinsn *code;      /* what the interpreter runs */
	struct ubee_helper *helpers;  /* helpers called, by CALL imm */
	size_t nr_helpers;
	uint8_t *func_entry;          /* [cnt] 1: target of an LDDW_FUNC (or NULL) */
	uint32_t flags;               /* enum ubee_prog_flags */
	int verified;                 /* set by the verifier: may run unchecked */
	int uninit_stack;             /* verified, reads stack it never wrote */
	ubee_tail_call_fn tail_call;  /* NULL: every tail call fails */
	const struct ubee_prog_type *type; /* never NULL once loaded */
	struct ubee_map **maps;       /* [nr_maps], a reference on each */
	size_t nr_maps;
	/* Every pseudo lddw the resolver resolved, by instruction (for the
	 * verifier: which map a loaded value is, or points into). */
	struct ubee_prog_ld *lds;
	size_t nr_lds;
	uint32_t ctx_size;            /* UBEE_PROG_TYPE_MEM: verified ctx bytes */
	struct ubee_verify_stats vstats; /* of the verification (zero: none) */
	struct ubee_vfacts *facts;    /* UBEE_PROG_RECORD_FACTS, else NULL */
	/*
	 * The JIT's code: NULL until the first JIT run compiles it, then
	 * published once (atomic compare-and-swap, src/jit/runtime.c): the
	 * one field of a loaded program that changes, and only NULL -> set.
	 */
	struct ubee_jit *jit;
	/*
	 * Run statistics, as the kernel's bpf_stats: when counting is on
	 * (ubee_vm_stats_enabled), each run through ubee_vm_run is counted
	 * (a monotonic clock read before and after, two relaxed atomic
	 * adds) into *stats_at when set (a pinned program's counters,
	 * shared with other processes through its file), else into stats.
	 * The only other fields that change after the load.
	 */
	struct ubee_prog_stats stats;
	struct ubee_prog_stats *stats_at;
};

/*
 * What the hook a run comes from provides to helpers: the attachment's
 * cookie and function address, and the packet state of a packet context
 * built by src/progtypes/pkt.c (NULL otherwise).
 */
struct ubee_run_env {
	uint64_t cookie;
	uint64_t func_ip;
	struct ubee_pkt *pkt;
};

/* A stack frame of the interpreter lives in run->stack_top - depth * size. */
struct ubee_run {
	const struct ubee_prog *prog;  /* the program executing now */
	struct ubee_log *log;
	void *ctx;
	size_t ctx_size;
	void *pkt;
	size_t pkt_size;
	const struct ubee_region *regions; /* from the run options */
	size_t nr_regions;
	uint32_t flags;                /* enum ubee_run_flags */
	int checked;
	int oracle;                    /* UBEE_RUN_ORACLE (checked too) */
	int use_switch;
	uint64_t budget;               /* checked mode */
	uint64_t insn_count;           /* checked mode, executed so far */
	uint32_t loops_left;           /* may_goto */
	uint32_t tail_calls;
	uintptr_t stack_top;           /* one past frame 0 */
	unsigned depth;                /* frame of the last helper call */
	size_t call_idx;               /* its instruction index (for logs) */

	/*
	 * Set by helpers, seen by the interpreter after each helper call:
	 * a fatal error (err, already logged), the whole run ending with
	 * r0 = 0 (exit_now: a failed LD_ABS inside a callback), or a tail
	 * call to perform (tail_next).
	 */
	int pending;
	int err;
	int exit_now;
	const struct ubee_prog *tail_next;

	struct ubee_run_env env;
	unsigned cpu;                  /* slot from ubee_map_cpu_enter */
	uint32_t *spin_lock;           /* the bpf_spin_lock held, or NULL */
	size_t spin_lock_idx;          /* where it was taken (for logs) */
	/* Maps of maps: inner maps lookups handed out (checked runs). */
	void **inner_maps;            /* struct ubee_map * */
	size_t nr_inner_maps, cap_inner_maps;
	/* Ring buffer records reserved and not yet committed (checked). */
	void **ringbuf_recs;
	size_t nr_ringbuf_recs, cap_ringbuf_recs;

	/*
	 * JIT runs (jit set): the native stack pointer compiled code unwinds
	 * to, r10 at its last helper call, and the r10 at or below which a
	 * bpf-to-bpf call would exceed UBEE_MAX_CALL_FRAMES (src/jit/jit.h).
	 */
	int jit;
	uintptr_t jit_rsp;
	uintptr_t jit_fp;
	uintptr_t jit_stack_lo;

	/* Regions from ubee_run_allow, sorted by address. */
	struct ubee_region *allowed;
	size_t nr_allowed, cap_allowed;
	size_t allowed_max;            /* the largest size among them */
	struct ubee_region allowed_inline[8];
};

/*
 * ubee_prog_run with the hook's environment (env may be NULL: all zero).
 * ubee_prog_run, ubee_prog_run_attach and ubee_pkt_run come here.
 */
int ubee_vm_run(const struct ubee_prog *prog, const struct ubee_run_opts *opts,
		const struct ubee_run_env *env, uint64_t *retval,
		struct ubee_log *log);

/*
 * A prepared run (the public struct ubee_runner, ubee.h): run is set up
 * once by ubee_vm_runner_new, as ubee_vm_run sets up its run on the C
 * stack, and each ubee_runner_run resets only the fields a run changes:
 *  - always: prog (tail calls switch it), tail_calls, tail_next,
 *    pending, err, exit_now (helpers and the JIT's failed packet loads
 *    set them), loops_left (may_goto), depth, call_idx and jit_fp;
 *    release_held already clears spin_lock and the ring buffer records;
 *  - checked runs also: insn_count, the allowed regions and the inner
 *    maps (their arrays are kept for the next run), and the stack is
 *    zeroed. Unchecked runs never read stack they did not write (the
 *    verifier proved it, or the embedder vouched for it), so their stack
 *    is left as the last run left it.
 * needs_cpu is 0 for a program with no maps, no resolved lddw and no
 * helper calls: nothing it can do depends on a CPU slot (per-CPU values,
 * bpf_get_smp_processor_id, map memory ubee_map_sync protects), so its
 * runs claim none. Inside a batch (ubee_runner_begin) run.cpu is the
 * slot the batch holds until ubee_runner_end; its runs neither claim nor
 * release one.
 */
struct ubee_runner {
	struct ubee_run run;
	const struct ubee_prog *prog;  /* the program every run starts in */
	void *stack_mem;               /* the stack's allocation */
	uint64_t *insn_count;          /* from the options, or NULL */
	size_t ctx_min;                /* the fewest ctx bytes a run may pass */
	int needs_cpu;
	int busy;                      /* a run is in progress: no re-entry */
	int batch;                     /* ubee_runner_begin: run.cpu is held */
};

/* ubee_runner_new with the hook's environment (env may be NULL). */
int ubee_vm_runner_new(const struct ubee_prog *prog,
		       const struct ubee_run_opts *opts,
		       const struct ubee_run_env *env, struct ubee_runner **out,
		       struct ubee_log *log);

/*
 * Run the interpreter from instruction start of run->prog in frame depth
 * with r1-r5 = args[0..4], r10 = that frame's top and other registers 0,
 * until the exit of that frame; *r0 gets r0. Returns 0 or a negative
 * errno (already logged; run->err is set too).
 */
int ubee_interp_exec(struct ubee_run *run, const struct ubee_dinsn *start,
		     const uint64_t args[5], unsigned depth, uint64_t *r0);

/*
 * Call the callback func (an LDDW_FUNC value of the running program) with
 * r1-r5 = args, in the frame below the helper's caller; *ret gets its r0.
 * For helpers with a UBEE_ARG_PTR_TO_FUNC argument. Returns 0, or a
 * negative errno when the run must end (an error, already logged, or an
 * early exit): the helper must then return at once; its result is
 * ignored.
 */
int ubee_vm_callback(struct ubee_run *run, uint64_t func,
		     const uint64_t args[5], uint64_t *ret);

/*
 * bpf_tail_call: continue the run with the program the current program's
 * hook gives for (map, index) once the helper returns. Returns 0, or a
 * negative errno when there is no such program, UBEE_MAX_TAIL_CALLS were
 * made already, or the next program would need checks this unchecked run
 * does not make.
 */
int ubee_vm_tail_call(struct ubee_run *run, void *map, uint32_t index);

/*
 * Copy caller options of any known size (first member: size_t sz) into
 * dst[dst_sz], zero-filling fields the caller's version lacks. -EINVAL
 * (logged) for a size below sizeof(size_t) or non-zero unknown bytes.
 */
int ubee_vm_copy_opts(void *dst, size_t dst_sz, const void *src,
		      struct ubee_log *log);

/* Whether prog must run in checked mode under these run flags. */
int ubee_vm_needs_checks(const struct ubee_prog *prog, uint32_t run_flags);

/*
 * Check [addr, addr+size) against the regions of a checked run (frames 0
 * to depth of the stack, ctx, pkt, run options, allowed). Returns 0 when
 * inside one, 1 when outside all, 2 when only inside read-only ones and
 * write is set.
 */
int ubee_vm_region_check(const struct ubee_run *run, uint64_t addr,
			 uint64_t size, int write, unsigned depth);

/*
 * A helper found the run must end: log "<call index>: <message>", record
 * err (negative) for the interpreter and return it. The helper then
 * returns at once; its r0 is ignored.
 */
int ubee_vm_fail(struct ubee_run *run, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 1 when map is one of prog's maps. */
int ubee_vm_prog_has_map(const struct ubee_prog *prog, const void *map);
/* 1 when map is one of the running program's maps or an inner map a
 * lookup of this run handed out. */
int ubee_vm_map_ok(const struct ubee_run *run, const void *map);
/* Record an inner map a lookup hands out (checked runs; else a no-op). */
int ubee_vm_add_inner_map(struct ubee_run *run, struct ubee_map *map);

/*
 * Checked runs: remember a ring buffer record the run reserved / forget
 * one it commits (-ENOENT when it is not one of them). Records still
 * reserved when the run ends are discarded and the run fails.
 */
int ubee_vm_ringbuf_track(struct ubee_run *run, void *rec);
int ubee_vm_ringbuf_untrack(struct ubee_run *run, void *rec);

/*
 * Run statistics (see stats_at above). By default only pinned programs
 * count their runs (their counters are what `ubee prog show` reports);
 * UBEE_STATS=1 in the environment or ubee_vm_stats_enable(1) counts every
 * program's runs, UBEE_STATS=0 or ubee_vm_stats_enable(0) none, as the
 * kernel's kernel.bpf_stats_enabled switch. Counting costs two clock
 * reads per run. ubee_vm_prog_stats reads a program's counters.
 */
void ubee_vm_stats_enable(int on);
int ubee_vm_stats_enabled(const struct ubee_prog *prog);
void ubee_vm_prog_stats(const struct ubee_prog *prog,
			struct ubee_prog_stats *out);

/*
 * Oracle runs (src/vm/oracle.c): check r0-r10 before instruction idx of
 * run->prog against the facts its verifier recorded (none recorded: no
 * check). Returns 0, or -EFAULT after logging "idx: oracle: R3=0x...
 * outside scalar(...)". Called by the checked interpreter only.
 */
int ubee_oracle_check(const struct ubee_run *run, size_t idx,
		      const uint64_t reg[11]);

/* Whether func is the address of a callback entry of prog. */
int ubee_vm_is_func(const struct ubee_prog *prog, uint64_t func);

#endif /* UBEE_VM_H */
