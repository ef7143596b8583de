// SPDX-License-Identifier: MIT
/*
 * The verifier core's driver: ubee_verifier_run.
 *
 * Passes:
 *  1. the structural pass (cfg.c): subprograms, jumps, unreachable code,
 *     prune points;
 *  2. static register liveness (a backward data-flow over the
 *     instructions), used when states are compared;
 *  3. path-sensitive abstract interpretation from the entry, as the
 *     kernel's do_check: the current state steps through the program
 *     (alu.c, mem.c, branch.c, call.c), undecided conditional jumps push
 *     their other side, paths end at the main exit or when pruned at a
 *     prune point (state.c), until the branch stack is empty or the
 *     complexity limit is hit;
 *  4. the combined stack depth of call chains (cfg.c).
 * What each state field means is described in vstate.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ubee/asm.h"
#include "ubee/object.h"
#include "helpers/helpers.h"
#include "util/util.h"
#include "verifier/vstate.h"
#include "vm/vm.h"

uint32_t vnew_id(struct venv *env)
{
	return ++env->id_gen;
}

static void log_source(struct venv *env, uint32_t idx)
{
	const struct ubee_object_line *best = NULL;

	for (size_t i = 0; i < env->o->nr_lines; i++) {
		if (env->o->lines[i].insn > idx)
			break;
		best = &env->o->lines[i];
	}
	if (best && best->line && best->line[0])
		ubee_logf(env->log, "; %s @ %s:%u", best->line,
			  best->file ? best->file : "?", best->line_num);
}

void verr_begin(struct venv *env)
{
	int n;

	vtrace_flush(env);
	if (env->prog->vstats.error_insn != UINT32_MAX)
		return;
	env->prog->vstats.error_insn = env->cur_idx;
	if (env->o->lines)
		log_source(env, env->cur_idx);
	if (env->log_level >= 1) {
		n = vlog_state(env, &env->cur, env->buf, sizeof(env->buf));
		if (n > 0)
			ubee_logf(env->log, "%u: %s", env->cur_idx, env->buf);
	}
}

int verr(struct venv *env, const char *fmt, ...)
{
	va_list ap;
	int n;

	verr_begin(env);
	n = snprintf(env->buf, sizeof(env->buf), "%u: ", env->cur_idx);
	va_start(ap, fmt);
	vsnprintf(env->buf + n, sizeof(env->buf) - (size_t)n, fmt, ap);
	va_end(ap);
	ubee_logf(env->log, "%s", env->buf);
	return -EACCES;
}

/* ---- liveness ------------------------------------------------------------ */

#define R(n) ((uint16_t)(1u << (n)))
#define R0_5 ((uint16_t)0x3f)
#define R1_5 ((uint16_t)0x3e)

static void use_def(const struct venv *env, uint32_t i, uint16_t *use,
		    uint16_t *def)
{
	const struct ubee_dinsn *in = &env->code[i];
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];

	*use = 0;
	*def = 0;
	switch (oi->fmt) {
	case UBEE_FMT_ALU_K:
		if (in->op != UBEE_OP_MOV64_K && in->op != UBEE_OP_MOV32_K)
			*use = R(in->dst);
		*def = R(in->dst);
		break;
	case UBEE_FMT_ALU_X:
		*use = R(in->src);
		if (in->op != UBEE_OP_MOV64_X && in->op != UBEE_OP_MOV32_X)
			*use |= R(in->dst);
		*def = R(in->dst);
		break;
	case UBEE_FMT_MOVSX:
		*use = R(in->src);
		*def = R(in->dst);
		break;
	case UBEE_FMT_NEG:
	case UBEE_FMT_END:
		*use = *def = R(in->dst);
		break;
	case UBEE_FMT_LDX:
	case UBEE_FMT_LOAD_ACQ:
		*use = R(in->src);
		*def = R(in->dst);
		break;
	case UBEE_FMT_ST:
		*use = R(in->dst);
		break;
	case UBEE_FMT_STX:
	case UBEE_FMT_STORE_REL:
	case UBEE_FMT_ATOMIC:
	case UBEE_FMT_ATOMIC_FETCH:
	case UBEE_FMT_XCHG:
		*use = R(in->dst) | R(in->src);
		break;
	case UBEE_FMT_CMPXCHG:
		*use = R(in->dst) | R(in->src) | R(0);
		break;
	case UBEE_FMT_LDDW:
		*def = R(in->dst);
		break;
	case UBEE_FMT_JMP_K:
		*use = R(in->dst);
		break;
	case UBEE_FMT_JMP_X:
		*use = R(in->dst) | R(in->src);
		break;
	case UBEE_FMT_CALL: {
		const struct ubee_helper *h = &env->prog->helpers[in->imm];

		for (int a = 0; a < 5 && h->args[a] != UBEE_ARG_NONE; a++)
			*use |= R(a + 1);
		*def = R0_5;
		break;
	}
	case UBEE_FMT_CALL_LOCAL:
	case UBEE_FMT_CALL_KFUNC:
		*use = R1_5;
		*def = R0_5;
		break;
	case UBEE_FMT_EXIT:
		*use = R(0);
		break;
	case UBEE_FMT_LD_ABS:
		*use = R(6);
		*def = R0_5;
		break;
	case UBEE_FMT_LD_IND:
		*use = R(6) | R(in->src);
		*def = R0_5;
		break;
	default:
		break;
	}
}

static int compute_liveness(struct venv *env)
{
	size_t cnt = env->cnt;
	bool changed = true;

	env->live = ubee_calloc(cnt + 1, sizeof(*env->live));
	if (!env->live)
		return -ENOMEM;
	while (changed) {
		changed = false;
		for (size_t k = cnt; k-- > 0;) {
			const struct ubee_dinsn *in = &env->code[k];
			const struct ubee_op_info *oi;
			uint16_t use, def, out = 0, nl;
			int64_t t;

			if (in->op >= UBEE_OP__COUNT)
				continue;
			oi = &ubee_isa_ops[in->op];
			use_def(env, (uint32_t)k, &use, &def);
			if (!(oi->flags & UBEE_F_TERM) && oi->fmt != UBEE_FMT_EXIT) {
				size_t next = k + ((oi->flags & UBEE_F_LDDW) ? 2 : 1);

				if (next < cnt)
					out |= env->live[next];
			}
			if (oi->flags & (UBEE_F_BRANCH | UBEE_F_BRANCH32)) {
				if (in->op == UBEE_OP_JA32)
					t = (int64_t)k + 1 + in->imm;
				else
					t = (int64_t)k + 1 + in->off;
				if (t >= 0 && (size_t)t < cnt)
					out |= env->live[t];
			}
			nl = (uint16_t)(use | (out & (uint16_t)~def) | R(REG_FP));
			if (nl != env->live[k]) {
				env->live[k] = nl;
				changed = true;
			}
		}
	}
	return 0;
}

/* ---- single instructions ------------------------------------------------- */

static const struct ubee_prog_ld *find_ld(const struct ubee_prog *prog,
					  uint32_t idx)
{
	size_t lo = 0, hi = prog->nr_lds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prog->lds[mid].insn == idx)
			return &prog->lds[mid];
		if (prog->lds[mid].insn < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int do_lddw(struct venv *env, const struct ubee_dinsn *in)
{
	uint32_t idx = env->cur_idx;
	struct vreg *dst = &cur_regs(env)[in->dst];
	const struct ubee_insn *orig = &env->prog->insns[idx];
	const struct ubee_prog_ld *ld;

	if (orig->src_reg == UBEE_PSEUDO_FUNC) {
		memset(dst, 0, sizeof(*dst));
		ubee_scalar_const(&dst->s, 0);
		dst->type = VT_FUNC;
		dst->aux = idx + 1 + (uint32_t)orig->imm;
		return 0;
	}
	ld = find_ld(env->prog, idx);
	if (!ld) {
		vreg_const(dst, (uint64_t)(uint32_t)in->imm |
					((uint64_t)(uint32_t)in[1].imm << 32));
		return 0;
	}
	memset(dst, 0, sizeof(*dst));
	ubee_scalar_const(&dst->s, 0);
	switch (ld->src) {
	case UBEE_PSEUDO_MAP_FD:
	case UBEE_PSEUDO_MAP_IDX:
		if (!ld->map)
			return verr(env, "fd %d is not pointing to valid bpf_map",
				    orig->imm);
		dst->type = VT_MAP_PTR;
		dst->map = ld->map;
		return 0;
	case UBEE_PSEUDO_MAP_VALUE:
	case UBEE_PSEUDO_MAP_IDX_VALUE:
		if (!ld->map)
			return verr(env, "invalid access to map value pointer, value %u is not one of the program's maps",
				    (uint32_t)orig->imm);
		dst->type = VT_MAP_VALUE;
		dst->map = ld->map;
		dst->off = (int32_t)ld->off;
		return 0;
	default:
		if (!(env->prog->flags & UBEE_PROG_VERIFY_ONLY))
			return verr(env, "ldimm64 of a kernel object (btf id) needs verify-only mode");
		dst->type = VT_BTF_ID;
		return 0;
	}
}

static int do_ld_pkt(struct venv *env, const struct ubee_dinsn *in)
{
	struct vreg *regs = cur_regs(env);
	uint32_t t = env->prog->type->id;
	unsigned size = (unsigned)ubee_isa_access_size(in->op);

	if (t != UBEE_PROG_TYPE_SOCKET_FILTER && t != UBEE_PROG_TYPE_SCHED_CLS &&
	    t != UBEE_PROG_TYPE_SCHED_ACT && t != UBEE_PROG_TYPE_MEM)
		return verr(env, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	if (env->cur.depth && !(env->prog->flags & UBEE_PROG_VERIFY_ONLY) &&
	    cur_frame(env)->callback)
		return verr(env, "BPF_LD_[ABS|IND] instructions cannot be used in callbacks");
	if (env->cur.nrefs)
		return verr(env, "BPF_LD_[ABS|IND] would lead to reference leak");
	if (env->cur.lock_id)
		return verr(env, "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region");
	if (regs[6].type != VT_CTX)
		return verr(env, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
	if (ubee_isa_ops[in->op].fmt == UBEE_FMT_LD_IND &&
	    regs[in->src].type == VT_NOT_INIT)
		return verr(env, "R%d !read_ok", in->src);
	for (int r = 1; r <= 5; r++)
		vreg_not_init(&regs[r]);
	vreg_unknown(&regs[0]);
	ubee_scalar_unknown_size(&regs[0].s, size);
	return 0;
}

/*
 * Execute the instruction at env->cur.idx on env->cur. Returns 0 to go
 * on (cur.idx updated), 1 when the path ended, <0 on rejection.
 */
static int step(struct venv *env)
{
	uint32_t idx = env->cur.idx;
	const struct ubee_dinsn *in = &env->code[idx];
	const struct ubee_op_info *oi = &ubee_isa_ops[in->op];
	int err;

	switch (oi->fmt) {
	case UBEE_FMT_ALU_K:
	case UBEE_FMT_ALU_X:
	case UBEE_FMT_NEG:
	case UBEE_FMT_MOVSX:
	case UBEE_FMT_END:
		err = valu(env, in);
		env->cur.idx = idx + 1;
		return err;
	case UBEE_FMT_LDX:
	case UBEE_FMT_ST:
	case UBEE_FMT_STX:
	case UBEE_FMT_ATOMIC:
	case UBEE_FMT_ATOMIC_FETCH:
	case UBEE_FMT_XCHG:
	case UBEE_FMT_CMPXCHG:
	case UBEE_FMT_LOAD_ACQ:
	case UBEE_FMT_STORE_REL:
		err = vmem_insn(env, in);
		env->cur.idx = idx + 1;
		return err;
	case UBEE_FMT_LDDW:
		err = do_lddw(env, in);
		env->cur.idx = idx + 2;
		return err;
	case UBEE_FMT_JA:
		env->cur.idx = idx + 1 + (uint32_t)(int32_t)in->off;
		return 0;
	case UBEE_FMT_JA32:
		env->cur.idx = idx + 1 + (uint32_t)in->imm;
		return 0;
	case UBEE_FMT_JMP_K:
	case UBEE_FMT_JMP_X:
		return vbranch(env, in);
	case UBEE_FMT_MAY_GOTO:
		return vmay_goto(env, in);
	case UBEE_FMT_CALL:
		return vcall_helper(env, in);
	case UBEE_FMT_CALL_LOCAL:
		return vcall_local(env, in);
	case UBEE_FMT_EXIT:
		return vexit(env);
	case UBEE_FMT_LD_ABS:
	case UBEE_FMT_LD_IND:
		err = do_ld_pkt(env, in);
		env->cur.idx = idx + 1;
		return err;
	default:
		return verr(env, "unsupported instruction %s", oi->name);
	}
}

static void free_cur(struct venv *env)
{
	vstate_free(&env->cur);
	memset(&env->cur, 0, sizeof(env->cur));
}

/* The next path to explore: 1 when there is one, 0 when all are done. */
static int pop_path(struct venv *env)
{
	free_cur(env);
	if (!env->nstack)
		return 0;
	env->cur = env->stack[--env->nstack];
	/* Level 1: the trace goes back to where this branch was pushed. */
	if (env->cur.log_pos < env->trace_len)
		env->trace_len = env->cur.log_pos;
	if (env->log_level >= 2) {
		int n = vlog_state(env, &env->cur, env->buf, sizeof(env->buf));

		if (n > 0)
			ubee_logf(env->log, "from %u to %u: %s",
				  env->cur.hist && env->cur.nhist
					  ? env->cur.hist[env->cur.nhist - 1].idx
					  : 0,
				  env->cur.idx, env->buf);
	}
	return 1;
}

static int init_state(struct venv *env)
{
	struct vframe *f = vframe_new(8);
	struct vreg *r;

	if (!f)
		return -ENOMEM;
	memset(&env->cur, 0, sizeof(env->cur));
	env->cur.frames[0] = f;
	env->cur.caps[0] = 8;
	f->callsite = UINT32_MAX;
	r = &f->regs[1];
	memset(r, 0, sizeof(*r));
	ubee_scalar_const(&r->s, 0);
	r->type = VT_CTX;
	if (env->prog->type->flags & UBEE_PT_CTX_MEM) {
		/* Plain memory of ctx_size bytes (aux 1: it is the context). */
		r->type = VT_MEM;
		r->range = env->prog->ctx_size;
		r->aux = 1;
		vreg_unknown(&f->regs[2]);
		ubee_scalar_urange(&f->regs[2].s, env->prog->ctx_size, UINT64_MAX);
	}
	r = &f->regs[REG_FP];
	memset(r, 0, sizeof(*r));
	ubee_scalar_const(&r->s, 0);
	r->type = VT_STACK;
	return 0;
}

static int explore(struct venv *env)
{
	int err;

	for (;;) {
		uint32_t idx = env->cur.idx;

		env->cur_idx = idx;
		if (idx >= env->cnt)
			return verr(env, "jump out of range from insn to %u", idx);
		if (++env->insns_processed > UBEE_V_MAX_INSNS_PROCESSED) {
			vlogf(env, "%u: BPF program is too large. Processed %llu insn",
				  idx, (unsigned long long)env->insns_processed);
			env->prog->vstats.error_insn = idx;
			return -E2BIG;
		}
		if (env->cfg.flags[idx] & UBEE_VCFG_PRUNE) {
			err = vstate_visit(env, idx);
			if (err < 0) {
				env->prog->vstats.error_insn = idx;
				return err;
			}
			if (err == 1) {
				if (env->log_level >= 2)
					ubee_logf(env->log, "%u: safe", idx);
				vpath_done(env, &env->cur);
				if (!pop_path(env))
					return 0;
				continue;
			}
		}
		err = vhist_push(&env->cur, idx, (uint8_t)env->cur.depth);
		if (err)
			return err;
		if (env->facts)
			vfacts_record(env, idx);
		if (env->log_level >= 1)
			vlog_insn(env, idx);
		if (ubee_isa_ops[env->code[idx].op].flags &
		    (UBEE_F_BRANCH | UBEE_F_BRANCH32 | UBEE_F_CALL))
			env->jmps++;
		err = step(env);
		if (err < 0)
			return err;
		if (err == 1) {
			vpath_done(env, &env->cur);
			if (!pop_path(env))
				return 0;
		}
	}
}

static void free_env(struct venv *env)
{
	free_cur(env);
	while (env->nstack) {
		struct vstate *st = &env->stack[--env->nstack];

		vstate_free(st);
	}
	ubee_free(env->stack);
	vnodes_free(env);
	ubee_free(env->explored);
	ubee_free(env->nexplored);
	ubee_free(env->live);
	ubee_free(env->max_slots);
	ubee_free(env->trace);
	ubee_vcfg_free(&env->cfg);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ubee_verifier_run(struct ubee_prog *prog, const struct ubee_prog_opts *o,
		      struct ubee_log *log)
{
	static const struct ubee_prog_opts no_opts = { .sz = sizeof(no_opts) };
	struct venv *env;
	uint64_t t0 = now_ns();
	uint32_t max_depth = 0;
	int err;

	if (!o)
		o = &no_opts;
	env = ubee_calloc(1, sizeof(*env));
	if (!env) {
		ubee_logf(log, "0: out of memory");
		return -ENOMEM;
	}
	prog->verified = 0;
	prog->uninit_stack = 0;
	memset(&prog->vstats, 0, sizeof(prog->vstats));
	prog->vstats.error_insn = UINT32_MAX;
	env->prog = prog;
	env->o = o;
	env->log = log;
	env->log_level = o->log_level;
	env->unpriv = prog->flags & UBEE_PROG_UNPRIV;
	env->cnt = prog->cnt;
	env->code = prog->code;

	err = ubee_vcfg_build(prog, &env->cfg, log);
	if (err)
		goto out;
	err = -ENOMEM;
	env->explored = ubee_calloc(env->cnt, sizeof(*env->explored));
	env->nexplored = ubee_calloc(env->cnt, sizeof(*env->nexplored));
	env->max_slots = ubee_calloc(env->cfg.nr_subprogs + 1,
				     sizeof(*env->max_slots));
	if (!env->explored || !env->nexplored || !env->max_slots)
		goto nomem;
	if (compute_liveness(env))
		goto nomem;
	if ((prog->flags & UBEE_PROG_RECORD_FACTS) && vfacts_init(env))
		goto nomem;
	if (init_state(env))
		goto nomem;
	err = explore(env);
	if (err == -ENOMEM)
		goto nomem;
	if (err)
		goto out;
	for (size_t i = 0; i < env->cfg.nr_subprogs; i++)
		env->cfg.subprogs[i].stack_depth = env->max_slots[i] * SLOT;
	err = ubee_vcfg_check_stack(prog, &env->cfg, &max_depth, log);
	if (err)
		goto out;
	prog->verified = 1;
	prog->uninit_stack = env->uninit_stack;
	if (env->facts) {
		ubee_vfacts_free(prog->facts);
		prog->facts = env->facts;
		env->facts = NULL;
	}
	goto out;
nomem:
	ubee_logf(log, "%u: out of memory", env->cur_idx);
	err = -ENOMEM;
out:
	prog->vstats.insns_processed = env->insns_processed;
	prog->vstats.total_states = env->total_states;
	prog->vstats.peak_states = env->peak_states;
	prog->vstats.max_states_per_insn = env->max_per_insn;
	prog->vstats.stack_depth = max_depth;
	prog->vstats.nr_subprogs = (uint32_t)env->cfg.nr_subprogs;
	prog->vstats.time_ns = now_ns() - t0;
	if (err && err != -ENOMEM && prog->vstats.error_insn == UINT32_MAX)
		prog->vstats.error_insn = env->cur_idx;
	if (env->log_level >= 1)
		vlogf(env, "processed %llu insns (limit %u) max_states_per_insn %u total_states %u peak_states %u mark_read 0",
			  (unsigned long long)env->insns_processed,
			  UBEE_V_MAX_INSNS_PROCESSED, env->max_per_insn,
			  env->total_states, env->peak_states);
	if (o->stats)
		*o->stats = prog->vstats;
	ubee_vfacts_free(env->facts);
	free_env(env);
	ubee_free(env);
	return err;
}
