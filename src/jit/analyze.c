// SPDX-License-Identifier: MIT
/*
 * What the JIT learns about a program before translating it (jit_int.h):
 * which slots are jump, call and callback targets, which registers the
 * program uses at all, which registers are live after each instruction,
 * which packet loads need not swap their bytes, and whether a map lookup
 * can be inlined. Work is linear in the program
 * per liveness pass, with a bounded number of passes (past the bound,
 * everything is assumed live: slower code, never wrong code).
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "jit/jit_int.h"
#include "maps/maps.h"
#include "util/util.h"

#define BIT(r) ((uint16_t)(1u << (r)))

/* Liveness passes before assuming every register live everywhere. */
#define LIVE_MAX_PASSES 64
/* How far back an inlinable lookup looks for the lddw of its map. */
#define LOOKUP_SCAN 64

static int is_mov(int op)
{
	return op == UBEE_OP_MOV64_K || op == UBEE_OP_MOV32_K ||
	       op == UBEE_OP_MOV64_X || op == UBEE_OP_MOV32_X;
}

/*
 * Registers instruction i reads (*use) and writes (*def); exit_use is
 * what an EXIT reads. Not for the second slot of an lddw.
 */
static void use_def(const struct ubee_prog *prog, size_t i, uint16_t exit_use,
		    uint16_t *use, uint16_t *def)
{
	const struct ubee_dinsn *in = &prog->code[i];
	uint16_t d = BIT(in->dst), s = BIT(in->src), u = 0, w = 0;

	switch (ubee_isa_ops[in->op].fmt) {
	case UBEE_FMT_ALU_K:
		u = is_mov(in->op) ? 0 : d;
		w = d;
		break;
	case UBEE_FMT_ALU_X:
		u = (is_mov(in->op) ? 0 : d) | s;
		w = d;
		break;
	case UBEE_FMT_NEG:
	case UBEE_FMT_END:
		u = w = d;
		break;
	case UBEE_FMT_MOVSX:
	case UBEE_FMT_LDX:
	case UBEE_FMT_LOAD_ACQ:
		u = s;
		w = d;
		break;
	case UBEE_FMT_JMP_K:
	case UBEE_FMT_ST:
		u = d;
		break;
	case UBEE_FMT_JMP_X:
	case UBEE_FMT_STX:
	case UBEE_FMT_ATOMIC:
	case UBEE_FMT_STORE_REL:
		u = d | s;
		break;
	case UBEE_FMT_ATOMIC_FETCH:
	case UBEE_FMT_XCHG:
		u = d | s;
		w = s;
		break;
	case UBEE_FMT_CMPXCHG:
		u = d | s | JIT_R0;
		w = JIT_R0;
		break;
	case UBEE_FMT_CALL:
		u = JIT_R1_R5;
		w = JIT_R0;
		break;
	case UBEE_FMT_CALL_LOCAL:
		u = JIT_R0_R9;
		w = JIT_R0 | JIT_R1_R5;
		break;
	case UBEE_FMT_EXIT:
		u = exit_use;
		break;
	case UBEE_FMT_LD_ABS:
		w = JIT_R0;
		break;
	case UBEE_FMT_LD_IND:
		u = s;
		w = JIT_R0;
		break;
	case UBEE_FMT_LDDW:
		w = d;
		break;
	default: /* ja, gotol, may_goto */
		break;
	}
	*use = u & JIT_R0_R9;
	*def = w & JIT_R0_R9;
}

/* Where control goes after instruction i (at most two places). */
static int successors(const struct ubee_prog *prog, size_t i, size_t out[2])
{
	int op = prog->code[i].op, n = 0;
	unsigned fl = ubee_isa_ops[op].flags;

	if (op == UBEE_OP_EXIT)
		return 0;
	if (fl & (UBEE_F_BRANCH | UBEE_F_BRANCH32)) {
		out[n++] = (size_t)ubee_isa_target(&prog->insns[i], i, op);
		if (fl & UBEE_F_TERM)
			return n;
	}
	out[n++] = i + ((fl & UBEE_F_LDDW) ? 2 : 1);
	return n;
}

/* may_goto needs the run too. */
static int uses_run_otherwise(const struct ubee_prog *prog,
			      const struct jit_facts *f)
{
	for (size_t i = 0; i < f->cnt; i++)
		if (!(f->flags[i] & JF_SECOND) &&
		    prog->code[i].op == UBEE_OP_MAY_GOTO)
			return 1;
	return 0;
}

/* Flags, counts and the registers used at all. */
static void scan(const struct ubee_prog *prog, struct jit_facts *f)
{
	for (size_t i = 0; i < f->cnt; i++) {
		int op = prog->code[i].op;
		unsigned fl;
		uint16_t u, d;

		if (f->flags[i] & JF_SECOND)
			continue;
		fl = ubee_isa_ops[op].flags;
		if (fl & UBEE_F_LDDW)
			f->flags[i + 1] |= JF_SECOND;
		if (prog->func_entry && prog->func_entry[i])
			f->flags[i] |= JF_CB | JF_TARGET;
		if (op == UBEE_OP_CALL) {
			f->has_helper = f->need_run = 1;
		} else if (op == UBEE_OP_CALL_LOCAL) {
			size_t t = (size_t)ubee_isa_target(&prog->insns[i], i, op);

			f->flags[t] |= JF_FUNC | JF_TARGET;
			f->nr_local++;
			f->need_run = 1;
		} else if (fl & UBEE_F_PKT) {
			f->has_pkt = f->need_run = 1;
		} else if (op == UBEE_OP_MAY_GOTO) {
			f->need_run = 1;
		}
		if (fl & (UBEE_F_BRANCH | UBEE_F_BRANCH32))
			f->flags[ubee_isa_target(&prog->insns[i], i, op)] |= JF_TARGET;
		use_def(prog, i, JIT_R0, &u, &d);
		f->used |= u | d;
		/* Unused fields are 0, so 10 here is always a real r10. */
		if (prog->code[i].dst == 10 || prog->code[i].src == 10)
			f->uses_fp = 1;
	}
	f->used |= JIT_R0;
}

/*
 * A program whose only helper calls are inlined lookups calls no helper:
 * no tail call can happen, and plain arrays do not even need the run.
 */
static void inline_calls(const struct ubee_prog *prog, struct jit_facts *f)
{
	int real = 0, run = 0;

	if (!f->has_helper)
		return;
	for (size_t i = 0; i < f->cnt; i++) {
		const struct ubee_map *m;

		if ((f->flags[i] & JF_SECOND) || prog->code[i].op != UBEE_OP_CALL)
			continue;
		m = jit_inline_lookup_map(prog, f, i);
		if (!m)
			real = 1;
		else if (m->type == UBEE_MAP_PERCPU_ARRAY)
			run = 1; /* the run's CPU slot */
	}
	f->has_helper = real;
	if (!real && !run && !f->nr_local && !f->has_pkt)
		f->need_run = uses_run_otherwise(prog, f);
}

/*
 * Functions start at 0 and at call and callback targets. When no jump or
 * fall-through crosses from one function into another, an exit belongs
 * to the function it lies in, and only exits of call targets can return
 * to eBPF code that may read r1-r5; else every exit is assumed to.
 * Returns the function start of each slot in fn[] and whether the
 * program is structured that way.
 */
/* What liveness needs of one instruction, computed once. */
struct lv_insn {
	uint32_t succ[2]; /* successors inside the program */
	uint16_t use, def;
	uint8_t nsucc;
	uint8_t escapes;  /* a successor past the end */
};

/* Successors, uses and definitions of every instruction into lv[]. */
static void describe(const struct ubee_prog *prog, const struct jit_facts *f,
		     struct lv_insn *lv)
{
	for (size_t i = 0; i < f->cnt; i++) {
		size_t s[2];
		int n;

		if (f->flags[i] & JF_SECOND)
			continue;
		n = successors(prog, i, s);
		for (int k = 0; k < n; k++) {
			if (s[k] < f->cnt)
				lv[i].succ[lv[i].nsucc++] = (uint32_t)s[k];
			else
				lv[i].escapes = 1;
		}
		use_def(prog, i, JIT_R0, &lv[i].use, &lv[i].def);
	}
}

static int functions(const struct jit_facts *f, const struct lv_insn *lv,
		     uint32_t *fn)
{
	uint32_t cur = 0;

	for (size_t i = 0; i < f->cnt; i++) {
		if (f->flags[i] & (JF_FUNC | JF_CB))
			cur = (uint32_t)i;
		fn[i] = cur;
	}
	for (size_t i = 0; i < f->cnt; i++) {
		if (lv[i].escapes)
			return 0;
		for (int k = 0; k < lv[i].nsucc; k++)
			if (fn[lv[i].succ[k]] != fn[i])
				return 0;
	}
	return 1;
}

/*
 * Backward liveness to a fixed point (or everything live), over lv[]:
 * each pass is a walk over arrays. Exits read r0, and r1-r5 too where
 * the caller may look at them (see jit_int.h).
 */
static int liveness(const struct ubee_prog *prog, struct jit_facts *f,
		    const uint32_t *fn, int structured, uint16_t *live_in,
		    struct lv_insn *lv)
{
	int changed = 1;

	for (size_t i = 0; i < f->cnt; i++)
		if (!(f->flags[i] & JF_SECOND) &&
		    prog->code[i].op == UBEE_OP_EXIT &&
		    (!structured || (f->flags[fn[i]] & JF_FUNC)))
			lv[i].use = JIT_R0 | JIT_R1_R5;
	for (int pass = 0; pass < LIVE_MAX_PASSES && changed; pass++) {
		changed = 0;
		for (size_t i = f->cnt; i-- > 0;) {
			const struct lv_insn *l = &lv[i];
			uint16_t out = 0, in;

			if (f->flags[i] & JF_SECOND)
				continue;
			for (int k = 0; k < l->nsucc; k++)
				out |= live_in[l->succ[k]];
			in = (uint16_t)(l->use | (out & ~l->def));
			if (out != f->live_out[i] || in != live_in[i]) {
				f->live_out[i] = out;
				live_in[i] = in;
				changed = 1;
			}
		}
	}
	if (changed)
		for (size_t i = 0; i < f->cnt; i++)
			f->live_out[i] = JIT_R0_R9;
	return !changed;
}

/*
 * Whether in compares r0 with a constant in a way that holds as well
 * between the size-byte load's bytes in memory order and the constant
 * byte-swapped: ==, != (the constant fits the load) and & (any mask:
 * the bits above the load's size are 0 in r0 either way).
 */
static int raw_compare(const struct ubee_dinsn *in, int size)
{
	const struct ubee_op_info *o = &ubee_isa_ops[in->op];
	unsigned cc = o->code & 0xf0;
	uint64_t k;

	if (o->fmt != UBEE_FMT_JMP_K || in->dst != 0)
		return 0;
	if (cc == 0x40) /* jset */
		return 1;
	if (cc != 0x10 && cc != 0x50) /* jeq, jne */
		return 0;
	k = o->flags & UBEE_F_32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm;
	return k <= (size == 2 ? 0xffffu : 0xffffffffu);
}

/* Compares one load's value may reach before raw[] gives up on it. */
#define RAW_MAX 32

/*
 * Whether the value of the size-byte packet load at i reaches only
 * compares raw_compare accepts, each reached only from the load or from
 * those compares (npred[]: edges into each instruction), and if so mark
 * them all. Edges to an instruction where r0 is dead leave the region.
 */
static int raw_region(const struct ubee_prog *prog, struct jit_facts *f,
		      const struct lv_insn *lv, const uint16_t *live_in,
		      const uint32_t *npred, size_t i, int size)
{
	uint32_t stack[2 * RAW_MAX + 1], member[RAW_MAX], in[RAW_MAX];
	size_t top = 0, n = 0;

	if (lv[i].escapes)
		return 0;
	for (int k = 0; k < lv[i].nsucc; k++)
		stack[top++] = lv[i].succ[k];
	while (top) {
		uint32_t j = stack[--top];
		size_t m = 0;

		if (!(live_in[j] & JIT_R0))
			continue;
		while (m < n && member[m] != j)
			m++;
		if (m < n) {
			in[m]++;
			continue;
		}
		if (n == RAW_MAX || lv[j].escapes ||
		    (f->flags[j] & (JF_FUNC | JF_CB | JF_SECOND)) ||
		    !raw_compare(&prog->code[j], size))
			return 0;
		member[n] = j;
		in[n++] = 1;
		for (int k = 0; k < lv[j].nsucc; k++)
			stack[top++] = lv[j].succ[k];
	}
	for (size_t m = 0; m < n; m++)
		if (in[m] != npred[member[m]])
			return 0;
	if (!n)
		return 0;
	f->raw[i] = (uint8_t)size;
	for (size_t m = 0; m < n; m++)
		f->raw[member[m]] = (uint8_t)size;
	return 1;
}

/*
 * raw[] (jit_int.h), from live_in[] of a converged liveness; npred[] is
 * scratch. Each compare belongs to one load's region at most: its
 * predecessors all lie in that region.
 */
static void raw_loads(const struct ubee_prog *prog, struct jit_facts *f,
		      const struct lv_insn *lv, const uint16_t *live_in,
		      uint32_t *npred)
{
	memset(npred, 0, f->cnt * sizeof(*npred));
	for (size_t i = 0; i < f->cnt; i++)
		if (!(f->flags[i] & JF_SECOND))
			for (int k = 0; k < lv[i].nsucc; k++)
				npred[lv[i].succ[k]]++;
	for (size_t i = 0; i < f->cnt; i++) {
		const struct ubee_dinsn *in = &prog->code[i];
		int fmt, size;

		if (f->flags[i] & JF_SECOND)
			continue;
		fmt = ubee_isa_ops[in->op].fmt;
		size = ubee_isa_access_size(in->op);
		if ((fmt == UBEE_FMT_LD_ABS || fmt == UBEE_FMT_LD_IND) &&
		    (size == 2 || size == 4))
			raw_region(prog, f, lv, live_in, npred, i, size);
	}
}

int jit_analyze(const struct ubee_prog *prog, struct jit_facts *f)
{
	struct lv_insn *lv = NULL;
	uint16_t *live_in;
	uint32_t *fn;
	size_t n = prog->cnt ? prog->cnt : 1;
	int err = -ENOMEM;

	memset(f, 0, sizeof(*f));
	f->cnt = prog->cnt;
	/* live_out[], flags[] and raw[] in one block, freed as live_out. */
	f->live_out = ubee_calloc(n, sizeof(*f->live_out) + sizeof(*f->flags) +
				  sizeof(*f->raw));
	/* Scratch: lv[], fn[] and live_in[] in one block. */
	lv = ubee_calloc(n, sizeof(*lv) + sizeof(*fn) + sizeof(*live_in));
	if (!f->live_out || !lv)
		goto out;
	f->flags = (uint8_t *)(f->live_out + n);
	f->raw = f->flags + n;
	fn = (uint32_t *)(lv + n);
	live_in = (uint16_t *)(fn + n);
	scan(prog, f);
	inline_calls(prog, f);
	describe(prog, f, lv);
	if (liveness(prog, f, fn, functions(f, lv, fn), live_in, lv))
		raw_loads(prog, f, lv, live_in, fn); /* fn[] as scratch */
	err = 0;
out:
	ubee_free(lv);
	if (err)
		jit_facts_free(f);
	return err;
}

void jit_facts_free(struct jit_facts *f)
{
	ubee_free(f->live_out); /* flags share its block */
	f->flags = NULL;
	f->raw = NULL;
	f->live_out = NULL;
}

const struct ubee_map *jit_inline_lookup_map(const struct ubee_prog *prog,
					     const struct jit_facts *f,
					     size_t idx)
{
	const struct ubee_dinsn *code = prog->code;
	size_t j = idx, steps = 0;

	if (prog->helpers[code[idx].imm].fn != ubee_bpf_map_lookup_elem ||
	    (f->flags[idx] & JF_TARGET))
		return NULL;
	while (j-- > 0 && steps++ < LOOKUP_SCAN) {
		uint64_t value;
		uint16_t u, d;

		if (f->flags[j] & JF_SECOND)
			continue;
		if (code[j].op == UBEE_OP_CALL || code[j].op == UBEE_OP_CALL_LOCAL)
			return NULL;
		use_def(prog, j, JIT_R0, &u, &d);
		if (!(d & BIT(1))) {
			if (f->flags[j] & JF_TARGET)
				return NULL;
			continue;
		}
		if (code[j].op != UBEE_OP_LDDW)
			return NULL;
		value = (uint32_t)code[j].imm | (uint64_t)(uint32_t)code[j + 1].imm << 32;
		for (size_t k = 0; k < prog->nr_maps; k++) {
			const struct ubee_map *m = prog->maps[k];

			const struct ubee_array *a;

			if ((uintptr_t)m != value ||
			    (m->type != UBEE_MAP_ARRAY &&
			     m->type != UBEE_MAP_PERCPU_ARRAY))
				continue;
			/* Strides must fit the multiply's immediate. */
			a = m->priv;
			if (a->stride > INT32_MAX || a->cpu_stride > INT32_MAX)
				return NULL;
			return m;
		}
		return NULL;
	}
	return NULL;
}
