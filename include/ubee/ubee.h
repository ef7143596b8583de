/* SPDX-License-Identifier: MIT */
/*
 * ubee: an eBPF system in user space. This is the public embedding API.
 *
 * Conventions (the same in every ubee function):
 *  - int-returning functions return 0 or a negative errno: -EINVAL bad
 *    argument or malformed program, -E2BIG a limit exceeded, -ENOMEM,
 *    -EACCES rejected by a check, -ENOENT not found, -EFAULT a runtime
 *    memory violation in checked mode, -ETIME the instruction budget ran out.
 *  - Pointer-returning functions return NULL and set errno.
 *  - Human messages go to the caller's struct ubee_log (may be NULL); the
 *    library never writes to stdout or stderr.
 *  - Every object has a _new/_free (or _load/_free) pair; _free(NULL) is a
 *    no-op. Anything passed in is borrowed for the duration of the call
 *    unless the function's comment says it is copied or kept.
 */
#ifndef UBEE_UBEE_H
#define UBEE_UBEE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UBEE_VERSION_MAJOR 0
#define UBEE_VERSION_MINOR 1
#define UBEE_VERSION_PATCH 0

/* ---- instructions ------------------------------------------------------ */

/*
 * One eBPF instruction, little-endian as in RFC 9669:
 *
 *   byte 0      1          2..3        4..7
 *      +--------+----+----+-----------+---------------+
 *      | opcode |src |dst | offset    | immediate     |
 *      +--------+----+----+-----------+---------------+
 *                (high|low nibble)  s16          s32
 *
 * lddw (opcode 0x18) takes two slots; the second carries the upper 32 bits
 * of the constant in its immediate and must be zero elsewhere.
 */
struct ubee_insn {
	uint8_t code;
	uint8_t dst_reg : 4;
	uint8_t src_reg : 4;
	int16_t off;
	int32_t imm;
};
_Static_assert(sizeof(struct ubee_insn) == 8, "an eBPF instruction is 8 bytes");

/* ---- limits (the kernel's values) -------------------------------------- */

#define UBEE_STACK_SIZE 512           /* bytes of stack per call frame */
#define UBEE_MAX_CALL_FRAMES 8        /* bpf-to-bpf call depth, main included */
#define UBEE_MAX_TAIL_CALLS 33        /* chained tail calls per run */
#define UBEE_MAX_INSNS 1000000        /* instructions per program */
#define UBEE_MAX_LOOPS (1u << 23)     /* may_goto iterations per run */
#define UBEE_DEFAULT_INSN_BUDGET 100000000ull /* checked mode, per run */

/* ---- logs -------------------------------------------------------------- */

/*
 * A caller-provided log. The library appends whole lines ("12: R1 invalid
 * ...\n") to buf, always NUL-terminated, truncating when full (truncated is
 * then set). If print is set, each line is also handed to it. Zero the
 * struct and set buf/size (or print) before use.
 */
struct ubee_log {
	char *buf;
	size_t size;
	size_t len;
	int truncated;
	void (*print)(void *arg, const char *line);
	void *arg;
};

/* Initialise a log over buf[size]; buf may be NULL when size is 0. */
void ubee_log_init(struct ubee_log *log, char *buf, size_t size);

/* ---- helpers ----------------------------------------------------------- */

/*
 * A helper is called with r1-r5 and returns r0, as a plain System V call,
 * so JIT-compiled code can call it directly. A helper that needs the state
 * of the run that called it uses ubee_run_current().
 */
typedef uint64_t (*ubee_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3,
				   uint64_t r4, uint64_t r5);

/* Argument kinds, as in the kernel's bpf_func_proto. */
enum ubee_arg_kind {
	UBEE_ARG_NONE = 0,         /* no more arguments */
	UBEE_ARG_ANYTHING,         /* any initialised value */
	UBEE_ARG_CONST_MAP_PTR,    /* a map (lddw pseudo map) */
	UBEE_ARG_PTR_TO_MAP_KEY,   /* key_size readable bytes */
	UBEE_ARG_PTR_TO_MAP_VALUE, /* value_size readable bytes */
	UBEE_ARG_PTR_TO_MEM,       /* readable bytes, size in the next arg */
	UBEE_ARG_PTR_TO_UNINIT_MEM,/* writable bytes, size in the next arg */
	UBEE_ARG_CONST_SIZE,       /* size of the previous mem arg, > 0 */
	UBEE_ARG_CONST_SIZE_OR_ZERO,
	UBEE_ARG_PTR_TO_CTX,
	UBEE_ARG_PTR_TO_FUNC,      /* callback: a pseudo-func lddw */
	UBEE_ARG_PTR_TO_STACK,
	UBEE_ARG_PTR_TO_RINGBUF_MEM, /* a reserved record, released here */
	/* Kinds the verifier distinguishes (checked mode: as noted). */
	UBEE_ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size writable bytes */
	UBEE_ARG_CONST_ALLOC_SIZE_OR_ZERO,/* size of the returned memory */
	UBEE_ARG_PTR_TO_SPIN_LOCK,        /* a struct bpf_spin_lock in a map value */
	UBEE_ARG_PTR_TO_CONST_STR,        /* NUL-terminated, read-only map data */
	UBEE_ARG_PTR_TO_LONG,             /* 8 writable bytes */
	UBEE_ARG_PTR_TO_INT,              /* 4 writable bytes */
	UBEE_ARG_PTR_TO_CTX_OR_NULL,
	UBEE_ARG_PTR_TO_MEM_OR_NULL,      /* like PTR_TO_MEM, or NULL */
	UBEE_ARG_PTR_TO_STACK_OR_NULL,
	UBEE_ARG_PTR_TO_BTF_ID,           /* a kernel object: verify-only */
	UBEE_ARG_PTR_TO_MEM_RDONLY,       /* readable bytes the helper never writes */
};

/* Return kinds, as in the kernel's bpf_func_proto. */
enum ubee_ret_kind {
	UBEE_RET_INTEGER = 0,
	UBEE_RET_VOID,
	UBEE_RET_MAP_VALUE_OR_NULL,
	UBEE_RET_MEM_OR_NULL,      /* size: the CONST_ALLOC_SIZE argument */
	/* Verify-only kernel returns (the value is treated as a scalar
	 * or an opaque, non-dereferenceable pointer): */
	UBEE_RET_PTR_TO_BTF_ID_OR_NULL,
	UBEE_RET_PTR_TO_BTF_ID,
	UBEE_RET_PTR_TO_SOCKET_OR_NULL,   /* acquires a reference */
};

struct ubee_helper {
	int32_t id;          /* kernel helper id (call imm) */
	const char *name;    /* "bpf_map_lookup_elem"; kept, not copied */
	ubee_helper_fn fn;
	uint8_t ret;         /* enum ubee_ret_kind */
	uint8_t args[5];     /* enum ubee_arg_kind, UBEE_ARG_NONE-terminated */
};

/* A registry of helpers by id. */
struct ubee_helpers;

/* A registry holding ubee's built-in helpers. NULL + errno on failure. */
struct ubee_helpers *ubee_helpers_new(void);
/* An empty registry. */
struct ubee_helpers *ubee_helpers_new_empty(void);
void ubee_helpers_free(struct ubee_helpers *h);
/*
 * Add or replace the helper with h->id (0 < id < 1<<20). The record is
 * copied; name must outlive the registry. -EINVAL on a bad id or NULL fn.
 */
int ubee_helpers_add(struct ubee_helpers *reg, const struct ubee_helper *h);
/* The helper with this id, or NULL. */
const struct ubee_helper *ubee_helpers_find(const struct ubee_helpers *reg,
					    int32_t id);

/* ---- programs ---------------------------------------------------------- */

struct ubee_prog;
struct ubee_map;
struct ubee_object_line;

/*
 * Resolves an lddw with a pseudo source (1: map fd, 2: map value, 3: btf
 * id, 5: map index, 6: map index value) into the 64-bit value the program
 * sees. Return 0, or a negative errno after logging why. Source 4 (func,
 * a callback address) is resolved by ubee itself.
 */
typedef int (*ubee_ldimm64_fn)(void *arg, uint32_t insn_idx, int src,
			       int32_t imm, int32_t imm2, uint64_t *value,
			       struct ubee_log *log);

enum ubee_prog_flags {
	/*
	 * Skip the verifier: the program runs in checked mode, unless a run
	 * vouches for it with UBEE_RUN_TRUSTED.
	 */
	UBEE_PROG_NO_VERIFY = 1u << 0,
	/*
	 * JIT: blind every constant of the program (immediates of ALU,
	 * jumps, stores, lddw, packet loads) with a random key per
	 * instruction, so that no program-chosen bytes appear in executable
	 * memory (a defence against JIT spraying). Results do not change.
	 */
	UBEE_PROG_HARDEN = 1u << 1,
	/*
	 * Verify with the kernel's unprivileged rules (no pointer
	 * comparisons or arithmetic that could leak addresses, no pointers
	 * stored into maps, returned or passed to helpers as scalars).
	 */
	UBEE_PROG_UNPRIV = 1u << 2,
	/*
	 * Offline verification of a program written for the kernel: calls
	 * to kernel helpers ubee does not implement are verified against
	 * their kernel prototypes. Such a program loads but cannot run
	 * (every run fails with -EOPNOTSUPP).
	 */
	UBEE_PROG_VERIFY_ONLY = 1u << 3,
	/*
	 * Keep what the verifier proved about each instruction (register
	 * types, tnums and bounds, joined over all paths) so that oracle
	 * runs (UBEE_RUN_ORACLE) can check every concrete value against it.
	 */
	UBEE_PROG_RECORD_FACTS = 1u << 4,
};

/* Statistics of one verification, as the kernel's verifier log ends. */
struct ubee_verify_stats {
	uint64_t insns_processed;  /* instructions stepped over all paths */
	uint32_t total_states;     /* states stored at prune points */
	uint32_t peak_states;      /* the most stored at once */
	uint32_t max_states_per_insn;
	uint32_t stack_depth;      /* deepest combined stack of a call chain */
	uint32_t nr_subprogs;
	uint32_t error_insn;       /* rejected: the instruction; else UINT32_MAX */
	uint64_t time_ns;          /* wall time of the verification */
};

/*
 * Program types: the kernel's numbers (enum bpf_prog_type), and
 * UBEE_PROG_TYPE_MEM (0) for plain memory: r1 = data, r2 = its length.
 */
#define UBEE_PROG_TYPE_MEM 0

struct ubee_prog_opts {
	size_t sz;                         /* sizeof(struct ubee_prog_opts) */
	const char *name;                  /* copied; NULL: "prog" */
	const struct ubee_helpers *helpers;/* borrowed, must outlive the prog;
					    * NULL: the built-in helpers */
	uint32_t flags;                    /* enum ubee_prog_flags */
	ubee_ldimm64_fn resolve_ldimm64;   /* NULL: pseudo lddw is an error */
	void *resolve_arg;
	uint32_t prog_type;                /* UBEE_PROG_TYPE_MEM or a kernel
					    * BPF_PROG_TYPE_* number */
	/*
	 * The maps the program may use (what resolve_ldimm64 hands out):
	 * the program takes a reference on each; checked mode accepts only
	 * these as map arguments of helpers.
	 */
	struct ubee_map *const *maps;
	size_t nr_maps;
	/*
	 * The verifier's log: 0 only the line saying why a program is
	 * rejected (and the instruction), 1 also the path to it with the
	 * register state at each step (the kernel's log_level 1), 2 every
	 * instruction of every path with its state.
	 */
	int log_level;
	/*
	 * UBEE_PROG_TYPE_MEM: bytes of memory r1 points to that the verifier
	 * lets the program access (0: none, r1 then may not be dereferenced).
	 * A verified program's runs must pass at least this much.
	 */
	uint32_t ctx_size;
	/* Source lines (.BTF.ext line info) for the verifier's log; borrowed
	 * for the duration of ubee_prog_load. */
	const struct ubee_object_line *lines;
	size_t nr_lines;
	/* If set, filled with the verification's statistics (also when the
	 * program is rejected). */
	struct ubee_verify_stats *stats;
};

/*
 * Decode, validate and prepare cnt instructions (copied). On success *out
 * owns a new program (free with ubee_prog_free) and 0 is returned. A
 * malformed program gives -EINVAL and a log line naming the instruction:
 * "5: unknown opcode 8e".
 */
int ubee_prog_load(const struct ubee_insn *insns, size_t cnt,
		   const struct ubee_prog_opts *opts, struct ubee_prog **out,
		   struct ubee_log *log);
void ubee_prog_free(struct ubee_prog *prog);

/* The (decoded, resolved) instruction count and a read-only view. */
size_t ubee_prog_insn_count(const struct ubee_prog *prog);
const struct ubee_insn *ubee_prog_insns(const struct ubee_prog *prog);
const char *ubee_prog_name(const struct ubee_prog *prog);
/* 1 when the verifier accepted the program (it may run unchecked). */
int ubee_prog_verified(const struct ubee_prog *prog);
/* The statistics of the program's verification (zero when unverified). */
const struct ubee_verify_stats *ubee_prog_verify_stats(const struct ubee_prog *prog);

/*
 * The JIT (x86-64) runs only code that may run unchecked: verified
 * programs, or runs with UBEE_RUN_TRUSTED. A checked run asked to use it
 * fails with -EOPNOTSUPP; UBEE_ENGINE_DEFAULT picks the JIT when the run
 * may be unchecked and the JIT is built, else the interpreter.
 */
enum ubee_engine {
	UBEE_ENGINE_DEFAULT = 0, /* the fastest engine that may run it */
	UBEE_ENGINE_INTERP,
	UBEE_ENGINE_JIT,
};

/*
 * Returns "interp" / "jit"; for UBEE_ENGINE_DEFAULT the engine it prefers
 * (what unchecked runs use). NULL for an unknown value.
 */
const char *ubee_engine_name(enum ubee_engine e);
/* 1 when the engine is built into this library. */
int ubee_engine_available(enum ubee_engine e);

/*
 * The JIT's machine code for a program, for disassembly and tests. The
 * code is laid out as: an entry stub (what C calls), the instructions in
 * order, then out-of-line stubs. insn_off has insn_count + 1 entries: the
 * code of instruction slot i is [insn_off[i], insn_off[i + 1]) (empty for
 * the second slot of an lddw); insn_off[insn_count] is where the stubs
 * start. Everything stays valid and read-only until ubee_prog_free.
 */
struct ubee_jit_info {
	size_t sz;                  /* sizeof(struct ubee_jit_info) */
	const uint8_t *code;        /* executable, never writable */
	size_t size;                /* bytes of code */
	const uint32_t *insn_off;
	size_t insn_count;
	int hardened;               /* compiled with UBEE_PROG_HARDEN */
};

/*
 * Compile prog with the JIT unless it was compiled already (compiling
 * does not run it, so any program may be compiled) and describe the code
 * in *info. Returns 0, -EOPNOTSUPP when the JIT is not built, -ENOMEM, or
 * -EINVAL for a program the JIT cannot translate (logged).
 */
int ubee_prog_jit_info(const struct ubee_prog *prog, struct ubee_jit_info *info,
		       struct ubee_log *log);

enum ubee_run_flags {
	/*
	 * Run in checked mode: every load and store is bounds-checked against
	 * the regions the program may touch, and the instruction budget
	 * applies. Always on for programs loaded with UBEE_PROG_NO_VERIFY
	 * or not (yet) verified.
	 */
	UBEE_RUN_CHECKED = 1u << 0,
	/* Use the interpreter's switch dispatch instead of computed goto. */
	UBEE_RUN_SWITCH = 1u << 1,
	/*
	 * The embedder vouches that the code is safe: run without checks even
	 * though no verifier proved it. For trusted code and benchmarks only.
	 */
	UBEE_RUN_TRUSTED = 1u << 2,
	/*
	 * Oracle mode (programs loaded with UBEE_PROG_RECORD_FACTS): run
	 * checked and, before each instruction, check that every register
	 * lies inside what the verifier proved for it there; a value outside
	 * fails the run with -EFAULT and a log line naming the instruction,
	 * the register, the value and the proved facts. A verified program
	 * whose run fails any check of checked mode is a verifier bug.
	 */
	UBEE_RUN_ORACLE = 1u << 3,
};

/* A memory region the program may access in checked mode. */
struct ubee_region {
	void *addr;
	size_t size;
	int writable;
};

struct ubee_run_opts {
	size_t sz;                 /* sizeof(struct ubee_run_opts) */
	void *ctx;                 /* r1 (NULL allowed) */
	size_t ctx_size;           /* r2; ctx is a writable region */
	void *pkt;                 /* packet for LD_ABS/LD_IND, a region */
	size_t pkt_size;
	const struct ubee_region *regions; /* more regions (checked mode) */
	size_t nr_regions;
	enum ubee_engine engine;
	uint32_t flags;            /* enum ubee_run_flags */
	uint64_t insn_budget;      /* checked mode; 0: the default */
	uint64_t *insn_count;      /* if set: instructions executed (checked
				    * mode counts them; unchecked leaves 0) */
};

/*
 * Run the program once; *retval gets r0. Returns 0, or a negative errno
 * with a log line naming the instruction: -EFAULT for an access outside
 * every region ("7: out-of-bounds write of 4 bytes at 0x..."), -ETIME
 * when the budget ran out, -EOPNOTSUPP for an engine that is not built.
 * Thread-safe: many threads may run one program at once.
 */
int ubee_prog_run(const struct ubee_prog *prog, const struct ubee_run_opts *opts,
		  uint64_t *retval, struct ubee_log *log);

/* ---- prepared runs ------------------------------------------------------ */

/*
 * A prepared run, for running one program many times from one thread (a
 * loop over packets). ubee_runner_new does once what every ubee_prog_run
 * does before running: it checks the options, picks the engine (compiling
 * the JIT's code), and allocates the program's stack and the state of a
 * run. Each ubee_runner_run then resets only what a run changes: a run
 * without checks (verified or UBEE_RUN_TRUSTED) clears neither the stack
 * nor the run's state, and a program that uses no maps and calls no
 * helpers claims no CPU slot, as nothing it can do depends on one.
 * Checked runs, tail calls, callbacks, nested runs, per-CPU maps and run
 * statistics behave as with ubee_prog_run; so do results and errors.
 *
 * A runner serves one run at a time, on one thread at a time (any thread,
 * one after the other); runs of other programs and runners may nest in
 * its runs (a helper running a program), a run of the same runner may not.
 */
struct ubee_runner;

/*
 * A runner for prog (borrowed: it must outlive the runner). opts as for
 * ubee_prog_run, copied, except ctx and pkt, which each run gives (the
 * regions array is borrowed and read by every run: its contents may
 * change between runs); log (may be NULL) receives the messages of every
 * run (borrowed; ubee_runner_set_log replaces it). Returns 0 and *out, or
 * the errors ubee_prog_run gives before running (-EINVAL bad options,
 * -EOPNOTSUPP an engine that cannot run it, ...), -ENOMEM.
 */
int ubee_runner_new(const struct ubee_prog *prog,
		    const struct ubee_run_opts *opts, struct ubee_runner **out,
		    struct ubee_log *log);
void ubee_runner_free(struct ubee_runner *r);
void ubee_runner_set_log(struct ubee_runner *r, struct ubee_log *log);

/*
 * One run: r1 = ctx, r2 = ctx_size (ctx a writable region in checked
 * mode), pkt[pkt_size] the packet of LD_ABS/LD_IND (a region too); *retval
 * gets r0. Returns what ubee_prog_run returns, or -EBUSY from inside a
 * run of the same runner.
 */
int ubee_runner_run(struct ubee_runner *r, void *ctx, size_t ctx_size,
		    const void *pkt, size_t pkt_size, uint64_t *retval);

/*
 * A batch: the runs of r between ubee_runner_begin and ubee_runner_end
 * (on the same thread) share one CPU slot, claimed once, as the kernel
 * runs a poll's worth of packets on one CPU. While the batch is open the
 * slot is nobody else's, and ubee's grace periods (replacing an inner map
 * of a map of maps from another thread) wait for the batch to end: keep
 * batches short (a receive ring's worth of packets) and never block
 * inside one. Batches nest (counted); ubee_runner_free ends an open one.
 */
void ubee_runner_begin(struct ubee_runner *r);
void ubee_runner_end(struct ubee_runner *r);

/* ---- state of the current run (for helpers) ---------------------------- */

struct ubee_run;

/* The run executing on this thread, or NULL outside a helper call. */
struct ubee_run *ubee_run_current(void);
/*
 * Let the running program access [addr, addr+size) in checked mode (a
 * helper that returns memory calls this). No-op in unchecked runs.
 */
int ubee_run_allow(struct ubee_run *run, void *addr, size_t size,
		   int writable);
/* The ctx pointer of the current run. */
void *ubee_run_ctx(const struct ubee_run *run);

#ifdef __cplusplus
}
#endif
#endif /* UBEE_UBEE_H */
