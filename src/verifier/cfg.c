// SPDX-License-Identifier: MIT
/*
 * The verifier's structural pass, run before any abstract interpretation:
 * it splits the program into subprograms (main at 0, every bpf-to-bpf call
 * target, every LDDW_FUNC callback), rejects jumps that leave their
 * subprogram and bodies that fall into the next one (the kernel's
 * check_subprogs), walks the control-flow graph depth-first from insn 0 the
 * way the kernel's check_cfg does (fall-through edge first, call and
 * callback edges followed) to reject unreachable code and to mark
 * back-edges (bounded loops: the core proves they end), marks the prune
 * points, and bounds call chains: frames statically here, combined stack
 * depth once the core knows each frame's size (check_max_stack_depth).
 *
 * Every message is the kernel's, prefixed by the instruction index.
 * Work is linear in the program size, except the call-chain walk, which
 * visits each (subprogram, frame, incoming depth) at most once.
 */
#include <errno.h>
#include <string.h>

#include "util/util.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#define HELPER_TAIL_CALL 12     /* BPF_FUNC_tail_call */
#define TAIL_CALL_STACK_MAX 256 /* caller frames' bytes allowed with tail calls */
#define FRAME_ROUND 16          /* the kernel rounds JITed frames to 16 */

/* Flags of a decoded op; 0 for the second slot of an lddw. */
static unsigned op_flags(const struct ubee_dinsn *d)
{
	return d->op < UBEE_OP__COUNT ? ubee_isa_ops[d->op].flags : 0;
}

/*
 * Whether slot i is an LDDW_FUNC. prog->code holds the resolved plain
 * lddw; the originals keep the pseudo source (hand-built programs may
 * still have the pseudo op in code).
 */
static int is_lddw_func(const struct ubee_prog *prog, size_t i)
{
	if (prog->code[i].op == UBEE_OP_LDDW_FUNC)
		return 1;
	return prog->code[i].op == UBEE_OP_LDDW && prog->insns &&
	       prog->insns[i].src_reg == UBEE_PSEUDO_FUNC;
}

/* The callee of a CALL_LOCAL or LDDW_FUNC at i (may be out of range). */
static int64_t callee_of(const struct ubee_prog *prog, size_t i)
{
	int32_t imm = prog->code[i].op == UBEE_OP_LDDW && prog->insns ?
		prog->insns[i].imm : prog->code[i].imm;

	return (int64_t)i + 1 + imm;
}

/* Jump target of a (conditional or not) jump at i. */
static int64_t jump_target(const struct ubee_dinsn *d, size_t i)
{
	if (op_flags(d) & UBEE_F_BRANCH32)
		return (int64_t)i + 1 + d->imm;
	return (int64_t)i + 1 + d->off;
}

static int is_jump(const struct ubee_dinsn *d)
{
	return (op_flags(d) & (UBEE_F_BRANCH | UBEE_F_BRANCH32)) != 0;
}

/* The helper id of a CALL at i (code imm indexes prog->helpers once loaded). */
static int32_t helper_id(const struct ubee_prog *prog, size_t i)
{
	uint32_t k = (uint32_t)prog->code[i].imm;

	if (prog->helpers && k < prog->nr_helpers)
		return prog->helpers[k].id;
	return prog->insns ? prog->insns[i].imm : prog->code[i].imm;
}

static int helper_takes_func(const struct ubee_prog *prog, size_t i)
{
	uint32_t k = (uint32_t)prog->code[i].imm;

	if (!prog->helpers || k >= prog->nr_helpers)
		return 0;
	for (int a = 0; a < 5; a++)
		if (prog->helpers[k].args[a] == UBEE_ARG_PTR_TO_FUNC)
			return 1;
	return 0;
}

static size_t slot_len(const struct ubee_dinsn *d)
{
	return (op_flags(d) & UBEE_F_LDDW) ? 2 : 1;
}

/* Mark subprogram starts (start[i]: 1 call target, 2 callback, 4 main). */
static int find_starts(const struct ubee_prog *prog, uint8_t *start,
		       size_t *nr, struct ubee_log *log)
{
	size_t n = 1, i;

	start[0] = 4;
	for (i = 0; i < prog->cnt; i += slot_len(&prog->code[i])) {
		int func = is_lddw_func(prog, i);
		int64_t t;

		if (prog->code[i].op != UBEE_OP_CALL_LOCAL && !func)
			continue;
		if (prog->flags & UBEE_PROG_UNPRIV) {
			ubee_logf(log, "%zu: loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN",
				  i);
			return -EACCES;
		}
		t = callee_of(prog, i);
		if (t < 0 || (uint64_t)t >= prog->cnt) {
			ubee_logf(log, "%zu: call to invalid destination", i);
			return -EINVAL;
		}
		if (!start[t] && ++n > UBEE_V_MAX_SUBPROGS) {
			ubee_logf(log, "%zu: too many subprograms", i);
			return -EINVAL;
		}
		start[t] |= func ? 2 : 1;
	}
	*nr = n;
	return 0;
}

/*
 * check_subprogs: jumps stay inside their subprogram, each subprogram
 * ends with exit or an unconditional jump; also the per-subprogram facts
 * (tail calls, legacy packet loads) and the static prune points.
 */
static int check_subprogs(const struct ubee_prog *prog, struct ubee_vcfg *cfg,
			  struct ubee_log *log)
{
	const struct ubee_dinsn *code = prog->code;
	size_t cur = 0, i;

	for (i = 0; i < prog->cnt; i++) {
		struct ubee_vsubprog *sp;
		unsigned fl = op_flags(&code[i]);

		if (cur + 1 < cfg->nr_subprogs && i == cfg->subprogs[cur + 1].start)
			cur++;
		sp = &cfg->subprogs[cur];
		cfg->subprog_of[i] = (uint32_t)cur;
		if (is_jump(&code[i])) {
			int64_t t = jump_target(&code[i], i);

			if (t < sp->start || t >= sp->end) {
				ubee_logf(log, "%zu: jump out of range from insn %zu to %lld",
					  i, i, (long long)t);
				return -EINVAL;
			}
			cfg->flags[t] |= UBEE_VCFG_PRUNE | UBEE_VCFG_JMP_TARGET;
			if (!(fl & UBEE_F_TERM)) {
				/* Conditional: the kernel checks states at the
				 * jump; the fall-through starts a new path too. */
				cfg->flags[i] |= UBEE_VCFG_PRUNE;
				if (i + 1 < sp->end)
					cfg->flags[i + 1] |= UBEE_VCFG_PRUNE;
			}
		}
		if (fl & UBEE_F_CALL) {
			cfg->flags[i] |= UBEE_VCFG_CALLSITE;
			if (code[i].op == UBEE_OP_CALL_LOCAL ||
			    (code[i].op == UBEE_OP_CALL &&
			     helper_takes_func(prog, i)))
				cfg->flags[i] |= UBEE_VCFG_PRUNE;
			if (i + 1 < sp->end)
				cfg->flags[i + 1] |= UBEE_VCFG_PRUNE;
			if (code[i].op == UBEE_OP_CALL &&
			    helper_id(prog, i) == HELPER_TAIL_CALL)
				sp->has_tail_call = 1;
		}
		if (fl & UBEE_F_PKT)
			sp->has_ld_abs = 1;
		if (is_lddw_func(prog, i)) {
			cfg->flags[i] |= UBEE_VCFG_PRUNE;
			if (i + 2 < sp->end)
				cfg->flags[i + 2] |= UBEE_VCFG_PRUNE;
		}
		if (i + 1 == sp->end) {
			uint8_t op = code[i].op;

			if (op != UBEE_OP_EXIT && op != UBEE_OP_JA &&
			    op != UBEE_OP_JA32) {
				ubee_logf(log, "%zu: last insn is not an exit or jmp", i);
				return -EINVAL;
			}
		}
	}
	for (cur = 1; cur < cfg->nr_subprogs; cur++)
		cfg->flags[cfg->subprogs[cur].start] |= UBEE_VCFG_PRUNE;
	return 0;
}

enum { ST_NEW = 0, ST_DISCOVERED, ST_EXPLORED };

/*
 * Successors of i in the kernel's order: fall-through first, then the
 * jump, call or callback target. Returns how many (0..2).
 */
static int successors(const struct ubee_prog *prog, size_t i, int64_t out[2],
		      int *call_edge)
{
	const struct ubee_dinsn *d = &prog->code[i];
	unsigned fl = op_flags(d);
	int n = 0;

	*call_edge = 0;
	if (d->op == UBEE_OP_EXIT)
		return 0;
	if (!(fl & UBEE_F_TERM))
		out[n++] = (int64_t)(i + slot_len(d));
	if (is_jump(d)) {
		out[n++] = jump_target(d, i);
	} else if (d->op == UBEE_OP_CALL_LOCAL || is_lddw_func(prog, i)) {
		out[n++] = callee_of(prog, i);
		*call_edge = 1;
	}
	return n;
}

/*
 * check_cfg: depth-first walk from insn 0. A target still on the walk's
 * stack closes a cycle: a loop when inside one subprogram (marked; the
 * unprivileged rules forbid it), recursion when through a call (left to
 * the frame bound). Then every slot must have been reached, and no edge
 * may land on an lddw's second slot.
 */
static int check_cfg(const struct ubee_prog *prog, struct ubee_vcfg *cfg,
		     struct ubee_log *log)
{
	size_t cnt = prog->cnt, sp = 0, i;
	uint8_t *state = NULL, *edge = NULL;
	uint32_t *stack = NULL;
	int err = -ENOMEM;

	state = ubee_calloc(cnt, 1);
	edge = ubee_calloc(cnt, 1);
	stack = ubee_malloc(cnt * sizeof(*stack));
	if (!state || !edge || !stack) {
		ubee_logf(log, "0: out of memory walking %zu instructions", cnt);
		goto out;
	}
	err = -EINVAL;
	state[0] = ST_DISCOVERED;
	stack[sp++] = 0;
	while (sp) {
		size_t t = stack[sp - 1];
		int64_t succ[2];
		int call, n = successors(prog, t, succ, &call);
		size_t w;

		if (edge[t] >= n) {
			state[t] = ST_EXPLORED;
			sp--;
			continue;
		}
		if (succ[edge[t]] < 0 || (uint64_t)succ[edge[t]] >= cnt) {
			ubee_logf(log, "%zu: jump out of range from insn %zu to %lld",
				  t, t, (long long)succ[edge[t]]);
			goto out;
		}
		w = (size_t)succ[edge[t]];
		call = call && edge[t] == n - 1;
		edge[t]++;
		if (state[w] == ST_NEW) {
			state[w] = ST_DISCOVERED;
			stack[sp++] = (uint32_t)w;
		} else if (state[w] == ST_DISCOVERED) {
			if (prog->flags & UBEE_PROG_UNPRIV) {
				ubee_logf(log, "%zu: back-edge from insn %zu to %zu",
					  t, t, w);
				err = -EACCES;
				goto out;
			}
			if (!call && cfg->subprog_of[t] == cfg->subprog_of[w]) {
				cfg->flags[w] |= UBEE_VCFG_LOOP_HEAD;
				cfg->subprogs[cfg->subprog_of[w]].has_loop = 1;
			}
		}
	}
	for (i = 0; i < cnt; i++) {
		if (state[i] != ST_EXPLORED) {
			ubee_logf(log, "%zu: unreachable insn %zu", i, i);
			goto out;
		}
		if (op_flags(&prog->code[i]) & UBEE_F_LDDW) {
			if (i + 1 < cnt && state[i + 1] != ST_NEW) {
				ubee_logf(log, "%zu: jump into the middle of ldimm64 insn %zu",
					  i, i);
				goto out;
			}
			i++;
		}
	}
	err = 0;
out:
	ubee_free(stack);
	ubee_free(edge);
	ubee_free(state);
	return err;
}

/* ---- call chains ---------------------------------------------------------- */

struct chain_walk {
	const struct ubee_prog *prog;
	const struct ubee_vcfg *cfg;
	int with_stack;   /* check combined stack and tail calls too */
	/* seen[sp * MAX_FRAMES + frame]: 1 + largest incoming depth done */
	uint32_t *seen;
	uint32_t max;
	struct ubee_log *log;
};

static uint32_t frame_size(const struct ubee_vsubprog *sp)
{
	return (sp->stack_depth + FRAME_ROUND - 1) & ~(uint32_t)(FRAME_ROUND - 1);
}

/* A visit already done at a deeper or equal frame and depth covers this one. */
static int covered(const struct chain_walk *w, size_t sp, unsigned frame,
		   uint32_t depth)
{
	for (unsigned f = frame; f < UBEE_V_MAX_FRAMES; f++)
		if (w->seen[sp * UBEE_V_MAX_FRAMES + f] > depth)
			return 1;
	return 0;
}

/*
 * Visit subprogram sp entered from insn site in frame `frame` (0: main)
 * with `depth` bytes of stack in the frames below, then each call and
 * callback it holds, in instruction order (as the kernel). Recursion ends
 * at UBEE_V_MAX_FRAMES.
 */
static int walk_chain(struct chain_walk *w, size_t sp, size_t site,
		      unsigned frame, uint32_t depth)
{
	const struct ubee_vsubprog *s = &w->cfg->subprogs[sp];
	uint32_t in = depth;
	int err;

	if (covered(w, sp, frame, depth))
		return 0;
	if (w->with_stack) {
		if (sp && s->has_tail_call && depth >= TAIL_CALL_STACK_MAX) {
			ubee_logf(w->log, "%zu: tail_calls are not allowed when call stack of previous frames is %u bytes. Too large",
				  site, depth);
			return -EACCES;
		}
		depth += frame_size(s);
		if (depth > UBEE_V_MAX_STACK) {
			ubee_logf(w->log, "%zu: combined stack size of %u calls is %u. Too large",
				  site, frame + 1, depth);
			return -EACCES;
		}
		if (depth > w->max)
			w->max = depth;
	}
	for (size_t i = s->start; i < s->end; i += slot_len(&w->prog->code[i])) {
		size_t callee;

		if (w->prog->code[i].op != UBEE_OP_CALL_LOCAL &&
		    !is_lddw_func(w->prog, i))
			continue;
		if (frame + 1 >= UBEE_V_MAX_FRAMES) {
			ubee_logf(w->log, "%zu: the call stack of %u frames is too deep",
				  i, frame + 2);
			return w->with_stack ? -EACCES : -EINVAL;
		}
		callee = w->cfg->subprog_of[callee_of(w->prog, i)];
		err = walk_chain(w, callee, i, frame + 1, depth);
		if (err)
			return err;
	}
	w->seen[sp * UBEE_V_MAX_FRAMES + frame] = in + 1;
	return 0;
}

static int check_chains(const struct ubee_prog *prog,
			const struct ubee_vcfg *cfg, int with_stack,
			uint32_t *max, struct ubee_log *log)
{
	struct chain_walk w = { prog, cfg, with_stack, NULL, 0, log };
	int err;

	w.seen = ubee_calloc(cfg->nr_subprogs * UBEE_V_MAX_FRAMES,
			     sizeof(*w.seen));
	if (!w.seen) {
		ubee_logf(log, "0: out of memory checking call chains");
		return -ENOMEM;
	}
	err = walk_chain(&w, 0, 0, 0, 0);
	if (max)
		*max = w.max;
	ubee_free(w.seen);
	return err;
}

/* ---- entry points -------------------------------------------------------- */

int ubee_vcfg_build(const struct ubee_prog *prog, struct ubee_vcfg *cfg,
		    struct ubee_log *log)
{
	uint8_t *start = NULL;
	size_t cnt = prog->cnt, n = 0, k = 0, i;
	int err = -ENOMEM;

	memset(cfg, 0, sizeof(*cfg));
	if (!cnt) {
		ubee_logf(log, "0: empty program");
		return -EINVAL;
	}
	start = ubee_calloc(cnt, 1);
	cfg->flags = ubee_calloc(cnt, 1);
	cfg->subprog_of = ubee_calloc(cnt, sizeof(*cfg->subprog_of));
	if (!start || !cfg->flags || !cfg->subprog_of)
		goto nomem;
	err = find_starts(prog, start, &n, log);
	if (err)
		goto out;
	cfg->subprogs = ubee_calloc(n, sizeof(*cfg->subprogs));
	if (!cfg->subprogs)
		goto nomem;
	cfg->nr_subprogs = n;
	for (i = 0; i < cnt; i++) {
		if (!start[i])
			continue;
		if (k)
			cfg->subprogs[k - 1].end = (uint32_t)i;
		cfg->subprogs[k].start = (uint32_t)i;
		cfg->subprogs[k].is_callback = (start[i] & 2) != 0;
		k++;
	}
	cfg->subprogs[k - 1].end = (uint32_t)cnt;

	err = check_subprogs(prog, cfg, log);
	if (!err)
		err = check_cfg(prog, cfg, log);
	if (!err)
		err = check_chains(prog, cfg, 0, NULL, log);
	goto out;
nomem:
	ubee_logf(log, "0: out of memory building the CFG of %zu instructions",
		  cnt);
	err = -ENOMEM;
out:
	ubee_free(start);
	if (err)
		ubee_vcfg_free(cfg);
	return err;
}

void ubee_vcfg_free(struct ubee_vcfg *cfg)
{
	if (!cfg)
		return;
	ubee_free(cfg->subprogs);
	ubee_free(cfg->subprog_of);
	ubee_free(cfg->flags);
	memset(cfg, 0, sizeof(*cfg));
}

int ubee_vcfg_check_stack(const struct ubee_prog *prog,
			  const struct ubee_vcfg *cfg, uint32_t *max,
			  struct ubee_log *log)
{
	return check_chains(prog, cfg, 1, max, log);
}
