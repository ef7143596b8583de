/* SPDX-License-Identifier: MIT */
/*
 * The verifier's interfaces between its parts and with the rest of ubee.
 *
 *   scalar.h / tnum.c, scalar.c  the abstract domain of values
 *   cfg.c       the structural pass: subprograms, jump and call targets,
 *               unreachable code, falling off the end, prune points,
 *               combined stack depth over call chains
 *   protos.c    kernel helper prototypes ubee does not implement (for
 *               offline verification, UBEE_PROG_VERIFY_ONLY)
 *   the core    path-sensitive abstract interpretation of a loaded program
 *               (its own files and internal header, vstate.h)
 *   facts       what the core proved per instruction, for oracle runs
 *
 * Entry: ubee_prog_load (src/vm/prog.c) calls ubee_verifier_run on the
 * decoded, resolved program unless UBEE_PROG_NO_VERIFY is set; acceptance
 * sets prog->verified, which lets the engines run without runtime checks.
 */
#ifndef UBEE_VERIFIER_H
#define UBEE_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/ubee.h"
#include "verifier/scalar.h"

struct ubee_prog;

/* The kernel's limits. */
#define UBEE_V_MAX_INSNS_PROCESSED 1000000u  /* BPF_COMPLEXITY_LIMIT_INSNS */
#define UBEE_V_MAX_STACK 512u                /* MAX_BPF_STACK, per frame and combined */
#define UBEE_V_MAX_FRAMES 8u                 /* MAX_CALL_FRAMES */
#define UBEE_V_MAX_SUBPROGS 256u
#define UBEE_V_MAX_STATES_PER_INSN 64u       /* before states are dropped */

/*
 * Verify prog (decoded by ubee_isa_validate, pseudo lddw resolved and
 * described in prog->lds, helpers resolved into prog->helpers) with the
 * options it was loaded with. On acceptance sets prog->verified = 1 and
 * returns 0; with UBEE_PROG_RECORD_FACTS in prog->flags also fills
 * prog->facts. On rejection returns -EACCES (unsafe program), -EINVAL
 * (malformed: bad jump, unreachable code, ...), -E2BIG (complexity limit)
 * or -ENOMEM, after writing the log (level o->log_level; the last line
 * says why). Statistics go to prog->vstats (and *o->stats when set).
 */
int ubee_verifier_run(struct ubee_prog *prog, const struct ubee_prog_opts *o,
		      struct ubee_log *log);

/* ---- structural pass (cfg.c) ------------------------------------------- */

struct ubee_vsubprog {
	uint32_t start;        /* first instruction */
	uint32_t end;          /* one past the last */
	uint32_t stack_depth;  /* bytes used, set by the core (rounded to 8) */
	uint8_t is_callback;   /* target of an LDDW_FUNC */
	uint8_t has_tail_call;
	uint8_t has_ld_abs;
	uint8_t has_loop;      /* holds a back-edge */
};

struct ubee_vcfg {
	struct ubee_vsubprog *subprogs; /* [nr_subprogs], by start; 0 is main */
	size_t nr_subprogs;
	uint32_t *subprog_of;  /* [cnt]: index of the subprogram holding insn */
	/*
	 * [cnt] flags per instruction: UBEE_VCFG_PRUNE where the core looks
	 * for an equivalent state (jump targets and the instruction after a
	 * conditional jump or a call, as the kernel's prune points),
	 * UBEE_VCFG_LOOP_HEAD at the target of a back-edge, UBEE_VCFG_CALLSITE
	 * for calls.
	 */
	uint8_t *flags;
};

#define UBEE_VCFG_PRUNE 1u
#define UBEE_VCFG_LOOP_HEAD 2u
#define UBEE_VCFG_CALLSITE 4u
#define UBEE_VCFG_JMP_TARGET 8u

/*
 * Build the CFG of prog and reject what the kernel's check_subprogs and
 * check_cfg reject, with the kernel's messages: "jump out of range from
 * insn 3 to 9", "unreachable insn 7", "last insn is not an exit or jmp",
 * "call to invalid destination", "the call stack of 9 frames is too deep",
 * more than UBEE_V_MAX_SUBPROGS subprograms, a function body falling into
 * the next. Back-edges are allowed (bounded loops, proved by the core) and
 * marked. Returns 0, -EINVAL or -ENOMEM (logged "N: message").
 */
int ubee_vcfg_build(const struct ubee_prog *prog, struct ubee_vcfg *cfg,
		    struct ubee_log *log);
void ubee_vcfg_free(struct ubee_vcfg *cfg);
/*
 * After the core set each subprogram's stack_depth: reject a call chain
 * whose combined stack exceeds UBEE_V_MAX_STACK ("combined stack size of
 * 2 calls is 544. Too large"), as the kernel's check_max_stack_depth
 * (tail calls from subprograms limit frames to 256 bytes). Sets *max to
 * the deepest combined depth. Returns 0 or -EACCES.
 */
int ubee_vcfg_check_stack(const struct ubee_prog *prog,
			  const struct ubee_vcfg *cfg, uint32_t *max,
			  struct ubee_log *log);

/* ---- kernel helper prototypes (protos.c) ------------------------------- */

/*
 * The kernel's prototype of helper id (name, ret and args as enum
 * ubee_ret_kind / ubee_arg_kind; fn NULL), for helpers ubee does not
 * implement, or NULL. With the built-in records this covers every helper
 * the program types of ubee_prog_type_at allow.
 */
const struct ubee_helper *ubee_vproto_find(int32_t id);

/* ---- recorded facts, for oracle runs ------------------------------------ */

/* What is known of a register before an instruction, over all paths. */
enum ubee_vfact_kind {
	UBEE_VFACT_NONE = 0,   /* not reached or not recorded: no check */
	UBEE_VFACT_SCALAR,     /* a scalar inside s */
	UBEE_VFACT_PTR,        /* a pointer of type ptr: off + s.{bounds} from its base */
	UBEE_VFACT_ANY,        /* types differ between paths: no check */
};

enum ubee_vfact_ptr {
	UBEE_VFACT_CTX = 1,    /* base: the run's ctx */
	UBEE_VFACT_STACK,      /* base: the top (r10) of frame `frame` */
	UBEE_VFACT_PKT,        /* base: the packet's data */
	UBEE_VFACT_PKT_END,    /* base: one past the packet (off 0) */
	UBEE_VFACT_PKT_META,   /* base: data_meta */
	UBEE_VFACT_OTHER,      /* map values, memory, maps, ...: not checked */
};

struct ubee_vfact {
	uint8_t kind;          /* enum ubee_vfact_kind */
	uint8_t ptr;           /* enum ubee_vfact_ptr */
	uint8_t maybe_null;    /* a pointer that may also be 0 */
	uint8_t frame;         /* UBEE_VFACT_STACK: frame number (0: main) */
	int32_t off;           /* pointers: fixed offset */
	struct ubee_scalar s;  /* scalar value, or the pointer's variable offset */
};

/* Facts of registers r0..r10 before each instruction of a program. */
struct ubee_vfacts {
	size_t cnt;                     /* instructions */
	struct ubee_vfact (*regs)[11];  /* [cnt][11] */
};

void ubee_vfacts_free(struct ubee_vfacts *f);

#endif /* UBEE_VERIFIER_H */
