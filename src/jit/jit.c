// SPDX-License-Identifier: MIT
/*
 * The JIT: decoded eBPF to x86-64 machine code.
 *
 * Registers map 1:1 (reg_map below), chosen so that r1-r5 are the System V
 * argument registers and r0 the return register: a helper call is a
 * plain call. r6-r9 and r10 live in callee-saved registers, which helpers
 * keep; r12 holds the run; r9-r11 are scratch within one instruction.
 *
 * Layout of the code of one program:
 *
 *   entry      uint64_t entry(target, run, args, r10): saves what C needs
 *              kept, loads r1-r5 and r10, calls target, returns r0. For
 *              programs that call helpers or subprograms it also records
 *              the native stack pointer in run->jit_rsp, to which errors
 *              and early exits unwind (exit_ok, unwind); programs that
 *              call nothing get a light entry (light_run).
 *   batch      for programs that call nothing and leave r2-r5 and r9
 *              alone: a loop running the body once per packet
 *              (emit_batch); their packet loads read the packet's
 *              address and length from registers (pkt_preamble).
 *   body       one block per eBPF instruction, in order. Every function
 *              (main, bpf-to-bpf callee, callback) is entered by a native
 *              call and its EXIT is a ret, so a tail call is a jump into
 *              the next program's body in the same frame and its exits
 *              return wherever the caller's would have.
 *   stubs      out-of-line paths: after a helper left run->pending set,
 *              a packet load out of bounds, a call too deep.
 *
 * Native stack: bodies run with rsp 16-byte aligned, so a helper call
 * pushes an even number of words; a bpf-to-bpf call site pushes an odd
 * number (the live r6-r9, r10) to keep the callee aligned. The eBPF stack
 * is the run's, as in the interpreter: frame d's r10 = top - d * 512.
 *
 * Code is emitted once, every jump to a label in its long form (rel32),
 * each recorded. Then the jumps are relaxed: a jump becomes short (rel8)
 * when its target is within reach once the jumps already found short
 * have shrunk (shrinking only brings targets closer, so a few cheap
 * passes over the jump list converge), and the final code is written
 * straight into code memory, copying the bytes between jumps and
 * encoding each jump in its chosen form. The code is position-
 * independent: absolute addresses are helpers, runtime functions and
 * program data, never the code itself; jumps within one instruction's
 * code (fwd8, land8) are short from the start and never span a label
 * jump. The memory is then made executable and never writable again
 * (mem.c).
 *
 * Beyond one x86 instruction per eBPF instruction where possible
 * (immediate forms, compare fused with the branch, no zero-extension that
 * x86's 32-bit operations already do, short jumps, no prologue for leaf
 * programs), a few patterns of clang's output get better code:
 *  - a conditional jump over up to three ALU instructions writing at most
 *    two registers, whose arm ends at the target or at a goto to it,
 *    becomes conditional moves (select_arm): clang's eBPF backend emits
 *    no selects, and such branches are often unpredictable;
 *  - "d = s; d += x" is one lea (mov_add);
 *  - multiplications by 3, 5, 9 are a lea, by powers of two a shift;
 *  - variable shifts are BMI2 shlx/shrx/sarx when the CPU has them;
 *  - "if cond goto L; goto M; L:" is one jump on the inverse condition
 *    (jump_over_goto);
 *  - a packet half or word load only compared with constants keeps its
 *    bytes in memory order and the compares use swapped constants
 *    (raw_load; the analysis is jit_int.h's raw[]).
 *
 * With UBEE_PROG_HARDEN every program-chosen constant is blinded: emitted
 * as (imm ^ key) and xor'ed with a random per-instruction key at run
 * time (forms that would show the constant, lea and shifts for
 * multiplications, are not used).
 *
 * UBEE_JIT_MUTATE (a build-time switch for tests/sh/jit_mutation.sh only)
 * plants one known bug, to prove the differential test catches it:
 * 1 = signed > compiles to unsigned >, 2 = 64-bit left shifts by a
 * constant mask the count with 31.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include "helpers/helpers.h"
#include "jit/jit.h"
#include "jit/jit_int.h"
#include "jit/x86.h"
#include "maps/maps.h"
#include "util/util.h"

#ifndef UBEE_JIT_MUTATE
#define UBEE_JIT_MUTATE 0
#endif

/*
 * eBPF register -> x86-64 register.
 *
 *   r0  rax   return value (helpers return in rax)
 *   r1  rdi   argument 1 \
 *   r2  rsi   argument 2  |
 *   r3  rdx   argument 3  | System V argument registers: helpers take
 *   r4  rcx   argument 4  | r1-r5 where C passes its arguments
 *   r5  r8    argument 5 /
 *   r6  rbx   \
 *   r7  r13    | callee-saved in System V, as r6-r9 are in eBPF
 *   r8  r14    |
 *   r9  r15   /
 *   r10 rbp   frame pointer (read-only in eBPF), callee-saved
 *
 * Not eBPF registers: r12 = struct ubee_run * (callee-saved, set by the
 * entry), r9/r10/r11 = scratch, never live across instructions. Division
 * needs rax/rdx and variable shifts need rcx: those instructions save and
 * restore the eBPF registers living there through the scratch registers.
 */
static const uint8_t reg_map[11] = {
	X86_RAX, X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8,
	X86_RBX, X86_R13, X86_R14, X86_R15, X86_RBP,
};

#define RUN X86_R12
#define RUN_OFF(f) ((int32_t)offsetof(struct ubee_run, f))

/*
 * The packet of programs with a batch entry, which never touch r2-r5:
 * its address in r5's host, its captured length (64 bits) in r3's. The
 * batch loop loads them from each packet's descriptor; every other way
 * into the body passes through instruction 0's preamble, which loads them
 * from the run.
 */
#define PKT_DATA X86_R8
#define PKT_LEN X86_RDX

/* Labels past the instructions' (0..cnt-1; cnt is the end of the body). */
enum {
	LF_ENTRY,
	LF_EXIT_OK,  /* rax = r0: back to C */
	LF_UNWIND,   /* rsp = run->jit_rsp, r0 = 0, back to C */
	LF_PENDING,  /* after a helper set run->pending */
	LF_PKT_FAIL, /* LD_ABS/LD_IND out of the packet */
	LF_DEPTH,    /* esi = index of a call exceeding the frames */
	LF_BATCH,    /* the batch entry (batch_ok programs) */
	LF_B_LOOP,   /* the batch loop: the next packet */
	LF_B_NULL,   /*   a packet with no address */
	LF_B_GO,     /*   run it */
	LF_B_FAIL,   /*   its packet load out of range: r0 = 0 */
	LF_B_STORE,  /*   its verdict, and on */
	LF_B_DONE,   /*   back to C */
	LF__COUNT,
};

/* A jump to a label, recorded for relaxation. */
struct jit_jump {
	uint32_t at;    /* where its long form starts */
	uint32_t label;
	uint8_t cc;     /* enum x86_cc, X86_CC_ALWAYS, or JUMP_CALL */
	uint8_t short_; /* relaxed to rel8 */
};

#define JUMP_CALL 0x11 /* a call rel32 (never short) */

struct jit_ctx {
	const struct ubee_prog *prog;
	const struct jit_facts *f;
	struct x86_buf b;
	size_t nlabels;
	uint32_t *off;   /* [nlabels] block offsets (long jumps, then final) */
	uint32_t *lab_j; /* [nlabels] jumps recorded before each block */
	struct jit_jump *jumps;
	size_t njumps, jcap;
	uint32_t *cum;   /* [njumps + 1] bytes saved before each jump */
	int harden;
	int bmi2;        /* the CPU has BMI2 (shlx, shrx, sarx) */
	uint32_t *keys;  /* [2 * cnt] blinding keys (harden) */
	int light;       /* the run is used, but no unwinding: light_run */
	int batch;       /* a batch entry is emitted: batch_ok; packet
			  * loads then take the packet from PKT_DATA and
			  * PKT_LEN (pkt_preamble) */
	uint32_t *known; /* [cnt] batch: caplen proved at each insn, or NULL */
	int copy;        /* emitting the batch loop's copy of the body */
	size_t copy_base; /* its instruction labels: copy_base + index */
	size_t idx;      /* instruction being emitted */
	size_t skip_to;  /* instructions before it were emitted already */
	size_t local_k;  /* bpf-to-bpf call sites emitted so far */
	struct ubee_log *log;
	int err;         /* a translation error (logged) */
};

static size_t lbl_fixed(const struct jit_ctx *c, int k)
{
	return c->prog->cnt + 1 + (size_t)k;
}

static size_t lbl_stub(const struct jit_ctx *c, size_t k)
{
	return c->prog->cnt + 1 + LF__COUNT + k;
}

/*
 * In the batch loop's copy of the body, instruction labels are the
 * copy's own and a packet load out of range gives the packet 0.
 */
static size_t copy_label(const struct jit_ctx *c, size_t label)
{
	if (!c->copy)
		return label;
	if (label <= c->prog->cnt)
		return c->copy_base + label;
	return label == lbl_fixed(c, LF_PKT_FAIL) ? lbl_fixed(c, LF_B_FAIL) : label;
}

static void block(struct jit_ctx *c, size_t label)
{
	label = copy_label(c, label);
	c->off[label] = (uint32_t)c->b.len;
	c->lab_j[label] = (uint32_t)c->njumps;
}

/* Record a jump to label at the current point (its long form follows). */
static void record(struct jit_ctx *c, size_t label, uint8_t cc)
{
	struct jit_jump *j;

	label = copy_label(c, label);
	if (c->njumps == c->jcap) {
		size_t cap = c->jcap ? 2 * c->jcap : 64;

		j = ubee_realloc(c->jumps, cap * sizeof(*j));
		if (!j) {
			if (!c->b.err)
				c->b.err = -ENOMEM;
			return;
		}
		c->jumps = j;
		c->jcap = cap;
	}
	c->jumps[c->njumps++] = (struct jit_jump){
		.at = (uint32_t)c->b.len, .label = (uint32_t)label, .cc = cc,
	};
}

/* jcc / jmp (X86_CC_ALWAYS) to a label: short when relaxation allows. */
static void jump(struct jit_ctx *c, enum x86_cc cc, size_t label)
{
	record(c, label, (uint8_t)cc);
	x86_jcc32(&c->b, cc, 0);
}

static void call_label(struct jit_ctx *c, size_t label)
{
	record(c, label, JUMP_CALL);
	x86_call32(&c->b, 0);
}

/* A forward jump within one instruction's code: emit, then land. */
static size_t fwd8(struct jit_ctx *c, enum x86_cc cc)
{
	x86_jcc8(&c->b, cc, 0);
	return c->b.len;
}

/* (Relaxation moves code only at label jumps: none may lie between.) */
static void land8(struct jit_ctx *c, size_t from)
{
	if (!from)
		return;
	if (c->njumps && c->jumps[c->njumps - 1].at >= from && !c->b.err)
		c->b.err = -EFAULT;
	x86_patch8(&c->b, from - 1, (int64_t)c->b.len - (int64_t)from);
}

/* Call a C function at an absolute address (through r11). */
static void call_abs(struct jit_ctx *c, const void *fn)
{
	x86_movabs(&c->b, X86_R11, (uint64_t)(uintptr_t)fn);
	x86_call_r(&c->b, X86_R11);
}

/* ---- constants --------------------------------------------------------- */

static uint32_t key32(const struct jit_ctx *c, int which)
{
	return c->keys[2 * c->idx + (size_t)which] | 1u; /* never 0 */
}

/*
 * Under harden, put imm (sign-extended when w64) into r11 without its
 * bytes appearing in the code, and return 1; else return 0 and let the
 * caller use an immediate form. 0 is not blinded (nothing to hide).
 */
static int blind(struct jit_ctx *c, int w64, int32_t imm)
{
	uint32_t key;

	if (!c->harden || !imm)
		return 0;
	key = key32(c, 0);
	x86_mov_ri32(&c->b, w64, X86_R11, (int32_t)((uint32_t)imm ^ key));
	x86_alu_ri32(&c->b, w64, X86_XOR, X86_R11, (int32_t)key);
	return 1;
}

/* dst = 64-bit value. */
static void load_imm64(struct jit_ctx *c, int dst, uint64_t v)
{
	uint64_t key;

	if (!c->harden || !v) {
		x86_mov_ri(&c->b, dst, v);
		return;
	}
	key = key32(c, 0) | (uint64_t)key32(c, 1) << 32;
	x86_movabs(&c->b, dst, v ^ key);
	x86_movabs(&c->b, X86_R11, key);
	x86_alu_rr(&c->b, 1, X86_XOR, dst, X86_R11);
}

/* ---- ALU --------------------------------------------------------------- */

/* dst op= imm; 32-bit forms zero-extend (x86 does it for free). */
static void alu_k(struct jit_ctx *c, int w64, enum x86_alu op, int dst,
		  int32_t imm)
{
	if (blind(c, w64, imm)) {
		x86_alu_rr(&c->b, w64, op, dst, X86_R11);
		return;
	}
	if (!imm && op != X86_AND) {
		/* x + 0, x - 0, x | 0, x ^ 0: only the zero-extension is left. */
		if (!w64)
			x86_mov_rr(&c->b, 0, dst, dst);
		return;
	}
	if (op == X86_AND && w64 && imm >= 0)
		w64 = 0; /* the upper half becomes 0 either way: shorter form */
	x86_alu_ri(&c->b, w64, op, dst, imm);
}

static void mov_k(struct jit_ctx *c, int w64, int dst, int32_t imm)
{
	uint32_t key;

	if (c->harden && imm) {
		key = key32(c, 0);
		x86_mov_ri32(&c->b, w64, dst, (int32_t)((uint32_t)imm ^ key));
		x86_alu_ri32(&c->b, w64, X86_XOR, dst, (int32_t)key);
		return;
	}
	x86_mov_ri(&c->b, dst, w64 ? (uint64_t)(int64_t)imm : (uint32_t)imm);
}

/* dst *= imm; by 3, 5, 9 a lea, by a power of two a shift. */
static void mul_k(struct jit_ctx *c, int w64, int dst, int32_t imm)
{
	if (blind(c, w64, imm))
		x86_imul_rr(&c->b, w64, dst, X86_R11);
	else if (!c->harden && (imm == 3 || imm == 5 || imm == 9))
		x86_lea_idx(&c->b, w64, dst, dst, dst,
			    (unsigned)__builtin_ctz((unsigned)imm - 1), 0);
	else if (!c->harden && imm > 1 && !(imm & (imm - 1)))
		x86_shift_ri(&c->b, w64, X86_SHL, dst,
			     (unsigned)__builtin_ctz((unsigned)imm));
	else
		x86_imul_rri(&c->b, w64, dst, dst, imm);
}

static void shift_k(struct jit_ctx *c, int w64, enum x86_shift op, int dst,
		    int32_t imm)
{
	unsigned count = (unsigned)imm & (w64 ? 63u : 31u);

#if UBEE_JIT_MUTATE == 2
	if (w64 && op == X86_SHL)
		count = (unsigned)imm & 31u;
#endif
	if (count)
		x86_shift_ri(&c->b, w64, op, dst, count);
	else if (!w64)
		x86_mov_rr(&c->b, 0, dst, dst);
}

/*
 * Variable shifts: BMI2's shlx/shrx/sarx take the count in any register;
 * without them the count goes in cl (r4 lives in rcx: kept in r11).
 */
static void shift_x(struct jit_ctx *c, int w64, enum x86_shift op, int dst,
		    int src)
{
	struct x86_buf *b = &c->b;

	if (c->bmi2) {
		x86_shiftx(b, w64, op, dst, dst, src);
		return;
	}
	if (src == X86_RCX) {
		x86_shift_cl(b, w64, op, dst);
		return;
	}
	x86_mov_rr(b, 1, X86_R11, X86_RCX);
	x86_mov_rr(b, 1, X86_RCX, src);
	if (dst == X86_RCX) {
		x86_shift_cl(b, w64, op, X86_R11);
		x86_mov_rr(b, 1, X86_RCX, X86_R11);
	} else {
		x86_shift_cl(b, w64, op, dst);
		x86_mov_rr(b, 1, X86_RCX, X86_R11);
	}
}

/*
 * dst = dst / r11 or dst % r11 (x86 div, in rax/rdx: r0 and r3 are kept
 * in r9/r10 unless dst is one of them). The divisor is known not to be 0
 * (or -1 for signed ops) here.
 */
static void divide(struct jit_ctx *c, int w64, int mod, int sgn, int dst)
{
	struct x86_buf *b = &c->b;

	if (dst != X86_RAX)
		x86_mov_rr(b, 1, X86_R9, X86_RAX);
	if (dst != X86_RDX)
		x86_mov_rr(b, 1, X86_R10, X86_RDX);
	if (dst != X86_RAX)
		x86_mov_rr(b, w64, X86_RAX, dst);
	if (sgn) {
		if (w64)
			x86_byte(b, 0x48);
		x86_byte(b, 0x99); /* cqo / cdq */
	} else {
		x86_alu_rr(b, 0, X86_XOR, X86_RDX, X86_RDX);
	}
	x86_grp3(b, w64, sgn ? X86_IDIV : X86_DIV, X86_R11);
	x86_mov_rr(b, 1, X86_R11, mod ? X86_RDX : X86_RAX);
	if (dst != X86_RAX)
		x86_mov_rr(b, 1, X86_RAX, X86_R9);
	if (dst != X86_RDX)
		x86_mov_rr(b, 1, X86_RDX, X86_R10);
	x86_mov_rr(b, 1, dst, X86_R11);
}

/* What x / 0 and x % 0 give: 0, and x (zero-extended in 32-bit ops). */
static void div_by_zero(struct jit_ctx *c, int w64, int mod, int dst)
{
	if (!mod)
		x86_mov_ri(&c->b, dst, 0);
	else if (!w64)
		x86_mov_rr(&c->b, 0, dst, dst);
}

/* Signed x / -1 = -x (no trap on INT_MIN), x % -1 = 0. */
static void div_by_minus1(struct jit_ctx *c, int w64, int mod, int dst)
{
	if (!mod)
		x86_grp3(&c->b, w64, X86_NEG, dst);
	else
		x86_mov_ri(&c->b, dst, 0);
}

static void divmod_x(struct jit_ctx *c, int w64, int mod, int sgn, int dst,
		     int src)
{
	struct x86_buf *b = &c->b;
	size_t nz, normal = 0, done1, done2 = 0;

	x86_mov_rr(b, w64, X86_R11, src);
	x86_test_rr(b, w64, X86_R11, X86_R11);
	nz = fwd8(c, X86_CC_NE);
	div_by_zero(c, w64, mod, dst);
	done1 = fwd8(c, X86_CC_ALWAYS);
	land8(c, nz);
	if (sgn) {
		x86_alu_ri(b, w64, X86_CMP, X86_R11, -1);
		normal = fwd8(c, X86_CC_NE);
		div_by_minus1(c, w64, mod, dst);
		done2 = fwd8(c, X86_CC_ALWAYS);
		land8(c, normal);
	}
	divide(c, w64, mod, sgn, dst);
	land8(c, done1);
	land8(c, done2);
}

static void divmod_k(struct jit_ctx *c, int w64, int mod, int sgn, int dst,
		     int32_t imm)
{
	uint64_t k = w64 ? (uint64_t)(int64_t)imm : (uint32_t)imm;

	if (!k) {
		div_by_zero(c, w64, mod, dst);
		return;
	}
	if (sgn && imm == -1) {
		div_by_minus1(c, w64, mod, dst);
		return;
	}
	if (!sgn && !c->harden && !(k & (k - 1)) && k <= INT32_MAX) {
		/* Unsigned by a power of two: a shift or a mask. */
		if (mod)
			alu_k(c, w64, X86_AND, dst, (int32_t)(k - 1));
		else
			shift_k(c, w64, X86_SHR, dst, __builtin_ctzll(k));
		return;
	}
	if (!blind(c, w64, imm))
		x86_mov_ri32(&c->b, w64, X86_R11, imm);
	divide(c, w64, mod, sgn, dst);
}

static void end_op(struct jit_ctx *c, int op, int dst)
{
	struct x86_buf *b = &c->b;

	switch (op) {
	case UBEE_OP_LE16:
		x86_movzx_rr(b, 2, dst, dst);
		break;
	case UBEE_OP_LE32:
		x86_mov_rr(b, 0, dst, dst);
		break;
	case UBEE_OP_LE64:
		break;
	case UBEE_OP_BE16:
	case UBEE_OP_BSWAP16:
		x86_rol16_8(b, dst);
		x86_movzx_rr(b, 2, dst, dst);
		break;
	case UBEE_OP_BE32:
	case UBEE_OP_BSWAP32:
		x86_bswap(b, 0, dst);
		break;
	default: /* BE64, BSWAP64 */
		x86_bswap(b, 1, dst);
		break;
	}
}

/* ---- memory ------------------------------------------------------------ */

static void store_k(struct jit_ctx *c, int size, int base, int16_t off,
		    int32_t imm)
{
	if (blind(c, size == 8, imm))
		x86_store(&c->b, size, X86_R11, base, off);
	else
		x86_store_imm(&c->b, size, base, off, imm);
}

/*
 * src = fetch_op(*(dst + off), src) for or/and/xor, which x86 has no
 * fetching form of: a cmpxchg loop in rax (r0, pushed unless it is src),
 * with the address in r11, the operand in r10, the new value in r9.
 */
static void atomic_fetch_loop(struct jit_ctx *c, int w64, enum x86_alu op,
			      int dst, int src, int16_t off)
{
	struct x86_buf *b = &c->b;
	size_t loop;

	if (src != X86_RAX)
		x86_push(b, X86_RAX);
	x86_lea(b, 1, X86_R11, dst, off);
	x86_mov_rr(b, 1, X86_R10, src);
	x86_load(b, w64 ? 8 : 4, 0, X86_RAX, X86_R11, 0);
	loop = b->len;
	x86_mov_rr(b, 1, X86_R9, X86_RAX);
	x86_alu_rr(b, w64, op, X86_R9, X86_R10);
	x86_op_rm(b, X86_LOCK | (w64 ? X86_W64 : 0), 0x0fb1, X86_R9, X86_R11, 0);
	x86_jcc8(b, X86_CC_NE, (int8_t)((int64_t)loop - (int64_t)(b->len + 2)));
	if (src != X86_RAX) {
		x86_mov_rr(b, w64, src, X86_RAX);
		x86_pop(b, X86_RAX);
	} else if (!w64) {
		x86_mov_rr(b, 0, X86_RAX, X86_RAX);
	}
}

static void atomic(struct jit_ctx *c, const struct ubee_dinsn *in)
{
	const struct ubee_op_info *o = &ubee_isa_ops[in->op];
	int w64 = !(o->flags & UBEE_F_32), dst = reg_map[in->dst];
	int src = reg_map[in->src];
	unsigned fl = (w64 ? X86_W64 : 0);
	struct x86_buf *b = &c->b;
	enum x86_alu op;

	switch (o->selval & 0xf0) {
	case 0x00:
		op = X86_ADD;
		break;
	case 0x40:
		op = X86_OR;
		break;
	case 0x50:
		op = X86_AND;
		break;
	default:
		op = X86_XOR;
		break;
	}
	switch (o->fmt) {
	case UBEE_FMT_ATOMIC:
		x86_op_rm(b, fl | X86_LOCK, (uint32_t)op * 8 + 1, src, dst, in->off);
		break;
	case UBEE_FMT_ATOMIC_FETCH:
		if (op == X86_ADD)
			x86_op_rm(b, fl | X86_LOCK, 0x0fc1, src, dst, in->off);
		else
			atomic_fetch_loop(c, w64, op, dst, src, in->off);
		break;
	case UBEE_FMT_XCHG:
		x86_op_rm(b, fl, 0x87, src, dst, in->off);
		break;
	default: /* CMPXCHG: rax is r0, the expected value and the result */
		x86_op_rm(b, fl | X86_LOCK, 0x0fb1, src, dst, in->off);
		if (!w64) /* a successful 32-bit cmpxchg leaves rax's top alone */
			x86_mov_rr(b, 0, X86_RAX, X86_RAX);
		break;
	}
}

/*
 * The packet load at i, or the compare at i, works on the loaded bytes
 * in memory order (jit_int.h, raw[]): returns the load's size, or 0.
 * Not under harden, which keeps every compare's constant blinded.
 */
static int raw_load(const struct jit_ctx *c, size_t i)
{
	return c->harden ? 0 : c->f->raw[i];
}

/*
 * r0 = big-endian value of size bytes at pkt[off], off = imm (LD_ABS) or
 * (int32_t)(src + imm) (LD_IND); off < 0 or past the packet ends the
 * program with r0 = 0 (LF_PKT_FAIL). Programs with a batch entry find
 * the packet in PKT_DATA and PKT_LEN, others in the run.
 */
static void pkt_load(struct jit_ctx *c, int size, int ind, int src,
		     int32_t imm)
{
	struct x86_buf *b = &c->b;
	int32_t disp = 0;
	int64_t end = (int64_t)imm + size;
	int base = X86_R11;
	/* an earlier load on every path reached as far (pkt_known) */
	int proved = c->known && end <= c->known[c->idx];

	if (!ind && !c->harden) {
		if (imm < 0) {
			jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_PKT_FAIL));
			return;
		}
		if (!proved && end <= INT32_MAX) {
			if (c->batch)
				x86_alu_ri(b, 1, X86_CMP, PKT_LEN, (int32_t)end);
			else
				x86_alu_mi(b, 1, X86_CMP, RUN, RUN_OFF(pkt_size),
					   (int32_t)end);
			jump(c, X86_CC_B, lbl_fixed(c, LF_PKT_FAIL));
		} else if (!proved) {
			x86_mov_ri(b, X86_R11, (uint64_t)end);
			if (c->batch)
				x86_alu_rr(b, 1, X86_CMP, X86_R11, PKT_LEN);
			else
				x86_alu_rm(b, 1, X86_CMP, X86_R11, RUN, RUN_OFF(pkt_size));
			jump(c, X86_CC_A, lbl_fixed(c, LF_PKT_FAIL));
		}
		if (c->batch)
			base = PKT_DATA;
		else
			x86_load(b, 8, 0, X86_R11, RUN, RUN_OFF(pkt));
		disp = imm;
	} else {
		if (ind && !c->harden)
			x86_lea(b, 0, X86_R11, src, imm);
		else if (!blind(c, 0, imm))
			x86_mov_ri32(b, 0, X86_R11, imm);
		if (ind && c->harden)
			x86_alu_rr(b, 0, X86_ADD, X86_R11, src);
		x86_test_rr(b, 0, X86_R11, X86_R11);
		jump(c, X86_CC_S, lbl_fixed(c, LF_PKT_FAIL));
		x86_lea(b, 1, X86_R10, X86_R11, size);
		if (c->batch)
			x86_alu_rr(b, 1, X86_CMP, X86_R10, PKT_LEN);
		else
			x86_alu_rm(b, 1, X86_CMP, X86_R10, RUN, RUN_OFF(pkt_size));
		jump(c, X86_CC_A, lbl_fixed(c, LF_PKT_FAIL));
		if (c->batch)
			x86_alu_rr(b, 1, X86_ADD, X86_R11, PKT_DATA);
		else
			x86_alu_rm(b, 1, X86_ADD, X86_R11, RUN, RUN_OFF(pkt));
	}
	x86_load(b, size == 4 ? 4 : size, 0, X86_RAX, base, disp);
	if (raw_load(c, c->idx))
		return; /* only compared, with swapped constants */
	if (size == 2)
		x86_rol16_8(b, X86_RAX);
	else if (size == 4)
		x86_bswap(b, 0, X86_RAX);
}

/* ---- jumps and calls --------------------------------------------------- */

/* The condition of a conditional jump, JMP and JMP32 alike. */
static enum x86_cc jcc_of(int op)
{
	switch (ubee_isa_ops[op].code & 0xf0) {
	case 0x10:
		return X86_CC_E;
	case 0x20:
		return X86_CC_A;
	case 0x30:
		return X86_CC_AE;
	case 0x60:
#if UBEE_JIT_MUTATE == 1
		return X86_CC_A;
#else
		return X86_CC_G;
#endif
	case 0x70:
		return X86_CC_GE;
	case 0xa0:
		return X86_CC_B;
	case 0xb0:
		return X86_CC_BE;
	case 0xc0:
		return X86_CC_L;
	case 0xd0:
		return X86_CC_LE;
	default: /* jne, jset (after a test) */
		return X86_CC_NE;
	}
}

/*
 * The flags for conditional jump in: cmp, or test for jset (and for a
 * compare with 0). Returns 0, emitting nothing, for a jump never taken.
 */
static int compare(struct jit_ctx *c, const struct ubee_dinsn *in)
{
	const struct ubee_op_info *o = &ubee_isa_ops[in->op];
	int w64 = !(o->flags & UBEE_F_32), dst = reg_map[in->dst];
	int set = (o->code & 0xf0) == 0x40;
	int raw = raw_load(c, (size_t)(in - c->prog->code));
	int32_t imm = in->imm;
	struct x86_buf *b = &c->b;

	if (raw == 2) {
		/* r0 holds the bytes as loaded: compare with the constant's */
		imm = (int32_t)__builtin_bswap16((uint16_t)imm);
		w64 = 0; /* r0's upper half is 0, and so is the constant's */
	} else if (raw == 4) {
		imm = (int32_t)__builtin_bswap32((uint32_t)imm);
		w64 = 0;
	}
	if (o->fmt == UBEE_FMT_JMP_X) {
		if (set)
			x86_test_rr(b, w64, dst, reg_map[in->src]);
		else
			x86_alu_rr(b, w64, X86_CMP, dst, reg_map[in->src]);
	} else if (blind(c, w64, imm)) {
		if (set)
			x86_test_rr(b, w64, dst, X86_R11);
		else
			x86_alu_rr(b, w64, X86_CMP, dst, X86_R11);
	} else if (set) {
		if (!imm)
			return 0; /* x & 0: never taken */
		x86_test_ri(b, w64, dst, imm);
	} else if (!imm) {
		x86_test_rr(b, w64, dst, dst);
	} else {
		x86_alu_ri(b, w64, X86_CMP, dst, imm);
	}
	return 1;
}

/*
 * Arms of at most SELECT_MAX instructions writing at most SELECT_REGS
 * registers become conditional moves; each register written is computed
 * in a scratch register of its own (r10, r9) until the moves.
 */
#define SELECT_MAX 3
#define SELECT_REGS 2

static const uint8_t arm_scratch[SELECT_REGS] = { X86_R10, X86_R9 };

/* An ALU op writing only its dst, with nothing that needs r9-r11. */
static int arm_op_ok(const struct ubee_dinsn *in)
{
	const struct ubee_op_info *o = &ubee_isa_ops[in->op];
	unsigned alu = o->code & 0xf0;

	if (o->fmt != UBEE_FMT_ALU_K && o->fmt != UBEE_FMT_ALU_X &&
	    o->fmt != UBEE_FMT_NEG)
		return 0;
	switch (alu) {
	case 0x30: /* div */
	case 0x90: /* mod */
		return 0;
	case 0x60: /* shifts: constant counts only */
	case 0x70:
	case 0xc0:
		return o->fmt == UBEE_FMT_ALU_K;
	default:
		return 1;
	}
}

/* An instruction that sets its dst whatever the dst held before. */
static int full_def(const struct ubee_dinsn *in)
{
	return in->op == UBEE_OP_MOV64_K || in->op == UBEE_OP_MOV32_K ||
	       ((in->op == UBEE_OP_MOV64_X || in->op == UBEE_OP_MOV32_X) &&
		in->src != in->dst);
}

/* One arm instruction on the registers at loc[] (its dst: acc). */
static void emit_arm(struct jit_ctx *c, const struct ubee_dinsn *in, int acc,
		     int src)
{
	const struct ubee_op_info *o = &ubee_isa_ops[in->op];
	int w64 = !(o->flags & UBEE_F_32);
	struct x86_buf *b = &c->b;
	enum x86_alu alu;

	switch (o->code & 0xf0) {
	case 0x00: alu = X86_ADD; break;
	case 0x10: alu = X86_SUB; break;
	case 0x40: alu = X86_OR; break;
	case 0x50: alu = X86_AND; break;
	case 0xa0: alu = X86_XOR; break;
	case 0x20: /* mul */
		if (o->fmt == UBEE_FMT_ALU_K)
			mul_k(c, w64, acc, in->imm);
		else
			x86_imul_rr(b, w64, acc, src);
		return;
	case 0x60:
		shift_k(c, w64, X86_SHL, acc, in->imm);
		return;
	case 0x70:
		shift_k(c, w64, X86_SHR, acc, in->imm);
		return;
	case 0xc0:
		shift_k(c, w64, X86_SAR, acc, in->imm);
		return;
	case 0x80:
		x86_grp3(b, w64, X86_NEG, acc);
		return;
	default: /* 0xb0: mov */
		if (o->fmt == UBEE_FMT_ALU_K)
			mov_k(c, w64, acc, in->imm);
		else if (src != acc || !w64)
			x86_mov_rr(b, w64, acc, src);
		return;
	}
	if (o->fmt == UBEE_FMT_ALU_K)
		alu_k(c, w64, alu, acc, in->imm);
	else
		x86_alu_rr(b, w64, alu, acc, src);
}

/* Whether code[from, to) writes register r. */
static int arm_writes(const struct ubee_dinsn *code, size_t from, size_t to,
		      unsigned r)
{
	for (size_t j = from; j < to; j++)
		if (code[j].dst == r)
			return 1;
	return 0;
}

/*
 * Where the arm of the conditional jump at i to t ends: at t itself
 * (the arm falls into the target) or at a "goto t" (both ways meet at
 * t). 0 when there is no such end within SELECT_MAX instructions.
 */
static size_t arm_end(const struct jit_ctx *c, size_t i, size_t t)
{
	const struct ubee_dinsn *code = c->prog->code;

	for (size_t j = i + 1; j <= i + 1 + SELECT_MAX && j < c->prog->cnt; j++) {
		if (j == t)
			return j > i + 1 ? j : 0;
		if ((code[j].op == UBEE_OP_JA || code[j].op == UBEE_OP_JA32) &&
		    !(c->f->flags[j] & JF_SECOND))
			return j > i + 1 && (size_t)ubee_isa_target(
				&c->prog->insns[j], j, code[j].op) == t ? j : 0;
	}
	return 0;
}

/*
 * if-conversion: "if cond goto t" over at most SELECT_MAX ALU
 * instructions that nothing jumps into and that end at t or at a "goto
 * t" computes the arm into scratch registers, compares, and moves each
 * result into its register unless the jump would be taken: no branch to
 * mispredict. The arm's instructions get empty blocks; a closing goto is
 * emitted as usual. Returns 0 when the pattern does not apply.
 */
static int select_arm(struct jit_ctx *c, size_t i, size_t t)
{
	const struct ubee_dinsn *code = c->prog->code;
	size_t end = arm_end(c, i, t);
	int loc[11], scratch[11], nd = 0, taken;
	enum x86_cc keep;

	if (!end)
		return 0;
	for (int r = 0; r < 11; r++) {
		loc[r] = reg_map[r];
		scratch[r] = -1;
	}
	for (size_t j = i + 1; j < end; j++) {
		unsigned d = code[j].dst;

		if ((c->f->flags[j] & (JF_TARGET | JF_SECOND)) ||
		    !arm_op_ok(&code[j]))
			return 0;
		if (scratch[d] < 0) {
			if (nd == SELECT_REGS)
				return 0;
			scratch[d] = arm_scratch[nd++];
		}
	}
	keep = (enum x86_cc)(jcc_of(code[i].op) ^ 1);
	/* One 64-bit move: a cmov straight from its source. */
	if (end == i + 2 && code[i + 1].op == UBEE_OP_MOV64_X &&
	    code[i + 1].src != code[i + 1].dst) {
		if (compare(c, &code[i]))
			x86_cmov(&c->b, keep, reg_map[code[i + 1].dst],
				 reg_map[code[i + 1].src]);
		else
			x86_mov_rr(&c->b, 1, reg_map[code[i + 1].dst],
				   reg_map[code[i + 1].src]);
		c->skip_to = end;
		return 1;
	}
	/* A scratch starts as its register unless first written whole. */
	for (size_t j = i + 1; j < end; j++) {
		unsigned d = code[j].dst;

		if (loc[d] == scratch[d])
			continue;
		if (!full_def(&code[j]))
			x86_mov_rr(&c->b, 1, scratch[d], reg_map[d]);
		loc[d] = scratch[d];
	}
	for (int r = 0; r < 11; r++)
		loc[r] = reg_map[r];
	for (size_t j = i + 1; j < end; j++) {
		unsigned d = code[j].dst;
		int src = loc[code[j].src];

		/*
		 * d = s, s computed in the arm, neither written again: d's
		 * result is s's scratch.
		 */
		if (code[j].op == UBEE_OP_MOV64_X && src != reg_map[code[j].src] &&
		    !arm_writes(code, j + 1, end, d) &&
		    !arm_writes(code, j + 1, end, code[j].src)) {
			loc[d] = src;
			continue;
		}
		loc[d] = scratch[d];
		c->idx = j; /* blinding keys are per instruction */
		emit_arm(c, &code[j], loc[d], src);
	}
	c->idx = i;
	taken = compare(c, &code[i]);
	for (int r = 0; r < 11; r++) {
		if (scratch[r] < 0)
			continue;
		if (taken)
			x86_cmov(&c->b, keep, reg_map[r], loc[r]);
		else
			x86_mov_rr(&c->b, 1, reg_map[r], loc[r]);
	}
	c->skip_to = end;
	return 1;
}

/*
 * "if cond goto i + 2; goto u" with nothing jumping to the goto (what a
 * classic jset whose true branch falls through becomes): one jump to u
 * on the inverse condition. Returns 0 when the pattern does not apply.
 */
static int jump_over_goto(struct jit_ctx *c, size_t i, size_t t)
{
	const struct ubee_dinsn *nx = &c->prog->code[i + 1];
	size_t u;

	if (t != i + 2 || i + 1 >= c->prog->cnt ||
	    (c->f->flags[i + 1] & (JF_TARGET | JF_SECOND)) ||
	    (nx->op != UBEE_OP_JA && nx->op != UBEE_OP_JA32))
		return 0;
	u = (size_t)ubee_isa_target(&c->prog->insns[i + 1], i + 1, nx->op);
	if (u != i + 2) {
		if (compare(c, &c->prog->code[i]))
			jump(c, (enum x86_cc)(jcc_of(c->prog->code[i].op) ^ 1), u);
		else
			jump(c, X86_CC_ALWAYS, u);
	}
	c->skip_to = i + 2;
	return 1;
}

/* A compare fused with the jump; none to the next instruction. */
static void cond_jump(struct jit_ctx *c, size_t i)
{
	const struct ubee_dinsn *in = &c->prog->code[i];
	size_t t = (size_t)ubee_isa_target(&c->prog->insns[i], i, in->op);

	if (t == i + 1 || select_arm(c, i, t) || jump_over_goto(c, i, t))
		return;
	if (compare(c, in))
		jump(c, jcc_of(in->op), t);
}

/*
 * bpf_map_lookup_elem on an array whose map is known here: the bounds
 * check and address computation of ubee_array_elem inline (for per-CPU
 * arrays, of the run's CPU slot). r1-r5 untouched. 0 when not possible.
 */
static int inline_lookup(struct jit_ctx *c, size_t i)
{
	const struct ubee_map *m = jit_inline_lookup_map(c->prog, c->f, i);
	const struct ubee_array *a;
	struct x86_buf *b = &c->b;
	size_t null, done;
	int percpu;

	if (!m)
		return 0;
	a = m->priv;
	percpu = m->type == UBEE_MAP_PERCPU_ARRAY;
	x86_load(b, 4, 0, X86_RAX, reg_map[2], 0);
	x86_alu_ri(b, 0, X86_CMP, X86_RAX, (int32_t)a->max_entries);
	null = fwd8(c, X86_CC_AE);
	if (!(a->stride & (a->stride - 1)))
		x86_shift_ri(b, 1, X86_SHL, X86_RAX, (unsigned)__builtin_ctz(a->stride));
	else
		x86_imul_rri(b, 1, X86_RAX, X86_RAX, (int32_t)a->stride);
	if (percpu) {
		x86_load(b, 4, 0, X86_R11, RUN, RUN_OFF(cpu));
		x86_imul_rri(b, 1, X86_R11, X86_R11, (int32_t)a->cpu_stride);
		x86_alu_rr(b, 1, X86_ADD, X86_RAX, X86_R11);
	}
	x86_movabs(b, X86_R11, (uint64_t)(uintptr_t)a->values);
	x86_alu_rr(b, 1, X86_ADD, X86_RAX, X86_R11);
	done = fwd8(c, X86_CC_ALWAYS);
	land8(c, null);
	x86_alu_rr(b, 0, X86_XOR, X86_RAX, X86_RAX);
	land8(c, done);
	return 1;
}

/*
 * r0 = helper(r1..r5), a direct call. The live ones of r1-r5 are saved
 * around it (all of them for bpf_tail_call: the next program sees them);
 * the run learns where the call is (logs, callbacks); a pending error,
 * early exit or tail call leaves through LF_PENDING.
 */
static void helper_call(struct jit_ctx *c, size_t i)
{
	const struct ubee_helper *h = &c->prog->helpers[c->prog->code[i].imm];
	uint16_t save = c->f->live_out[i] & JIT_R1_R5;
	struct x86_buf *b = &c->b;
	int n = 0;

	if (inline_lookup(c, i))
		return;
	if (h->fn == ubee_bpf_tail_call || h->id == 12)
		save = JIT_R1_R5;
	for (int r = 1; r <= 5; r++) {
		if (save & (1u << r)) {
			x86_push(b, reg_map[r]);
			n++;
		}
	}
	if (n & 1)
		x86_alu_ri(b, 1, X86_SUB, X86_RSP, 8);
	x86_op_rm(b, X86_W64, 0xc7, 0, RUN, RUN_OFF(call_idx));
	x86_u32(b, (uint32_t)i);
	x86_store(b, 8, X86_RBP, RUN, RUN_OFF(jit_fp));
	x86_movabs(b, X86_RAX, (uint64_t)(uintptr_t)h->fn);
	x86_call_r(b, X86_RAX);
	if (n & 1)
		x86_alu_ri(b, 1, X86_ADD, X86_RSP, 8);
	for (int r = 5; r >= 1; r--)
		if (save & (1u << r))
			x86_pop(b, reg_map[r]);
	x86_alu_mi(b, 0, X86_CMP, RUN, RUN_OFF(pending), 0);
	jump(c, X86_CC_NE, lbl_fixed(c, LF_PENDING));
}

/*
 * A bpf-to-bpf call: a native call with r10 one frame lower. The live
 * ones of r6-r9 (which the callee may use) and r10 are pushed, with one
 * more word when needed to keep the callee's stack aligned. A callee may
 * tail-call into another program, which leaves run->prog changed: the
 * interpreter restores it on return, and so does this.
 */
static void local_call(struct jit_ctx *c, size_t i)
{
	const struct ubee_dinsn *in = &c->prog->code[i];
	size_t t = (size_t)ubee_isa_target(&c->prog->insns[i], i, in->op);
	uint16_t save = c->f->live_out[i] & JIT_R6_R9;
	struct x86_buf *b = &c->b;
	int n = 1;

	x86_alu_rm(b, 1, X86_CMP, X86_RBP, RUN, RUN_OFF(jit_stack_lo));
	jump(c, X86_CC_BE, lbl_stub(c, c->local_k++));
	for (int r = 6; r <= 9; r++) {
		if (save & (1u << r)) {
			x86_push(b, reg_map[r]);
			n++;
		}
	}
	x86_push(b, X86_RBP);
	if (!(n & 1))
		x86_alu_ri(b, 1, X86_SUB, X86_RSP, 8);
	x86_alu_ri(b, 1, X86_SUB, X86_RBP, UBEE_STACK_SIZE);
	call_label(c, t);
	if (!(n & 1))
		x86_alu_ri(b, 1, X86_ADD, X86_RSP, 8);
	x86_pop(b, X86_RBP);
	for (int r = 9; r >= 6; r--)
		if (save & (1u << r))
			x86_pop(b, reg_map[r]);
	if (c->f->has_helper) {
		x86_movabs(b, X86_R11, (uint64_t)(uintptr_t)c->prog);
		x86_store(b, 8, X86_R11, RUN, RUN_OFF(prog));
	}
}

/*
 * "d = s; d += x" (x a register or a constant; nothing jumps to the add):
 * one lea d, [s + x], 32-bit (zero-extending) when the add is. Returns 0
 * when the pattern does not apply.
 */
static int mov_add(struct jit_ctx *c, size_t i)
{
	const struct ubee_dinsn *in = &c->prog->code[i], *nx = in + 1;
	int d = reg_map[in->dst], s = reg_map[in->src], w64;

	if (i + 1 >= c->prog->cnt || (c->f->flags[i + 1] & JF_TARGET) ||
	    nx->dst != in->dst || in->src == in->dst)
		return 0;
	if (nx->op == UBEE_OP_ADD64_X || nx->op == UBEE_OP_ADD64_K)
		w64 = 1;
	else if (nx->op == UBEE_OP_ADD32_X || nx->op == UBEE_OP_ADD32_K)
		w64 = 0;
	else
		return 0;
	if (w64 && in->op != UBEE_OP_MOV64_X)
		return 0; /* (u32)s + x: not one lea */
	if (nx->op == UBEE_OP_ADD64_X || nx->op == UBEE_OP_ADD32_X) {
		/* d += d adds s again */
		x86_lea_idx(&c->b, w64, d, s,
			    nx->src == in->dst ? s : reg_map[nx->src], 0, 0);
	} else {
		if (c->harden || !nx->imm)
			return 0;
		x86_lea(&c->b, w64, d, s, nx->imm);
	}
	c->skip_to = i + 2;
	return 1;
}

/* may_goto: falls through while the run's allowance lasts, then jumps. */
static void may_goto(struct jit_ctx *c, size_t i)
{
	const struct ubee_dinsn *in = &c->prog->code[i];
	size_t t = (size_t)ubee_isa_target(&c->prog->insns[i], i, in->op);

	x86_alu_mi(&c->b, 0, X86_CMP, RUN, RUN_OFF(loops_left), 0);
	jump(c, X86_CC_E, t);
	x86_alu_mi(&c->b, 0, X86_SUB, RUN, RUN_OFF(loops_left), 1);
}

/*
 * op with a memory operand at base + index * 2^scale + disp (disp8): the
 * batch loop's descriptor and verdict accesses. index is never rsp.
 */
static void mem_idx(struct x86_buf *b, int w64, uint8_t op, int reg, int base,
		    int index, unsigned scale, int8_t disp)
{
	uint8_t rex = (uint8_t)(0x40 | (w64 ? 8 : 0) | (reg & 8 ? 4 : 0) |
				(index & 8 ? 2 : 0) | (base & 8 ? 1 : 0));
	int mod = disp == 0 && (base & 7) != X86_RBP ? 0 : 1;

	if (rex != 0x40)
		x86_byte(b, rex);
	x86_byte(b, op);
	x86_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
	x86_byte(b, (uint8_t)(scale << 6 | (index & 7) << 3 | (base & 7)));
	if (mod)
		x86_byte(b, (uint8_t)disp);
}

#define MOV_LOAD 0x8b
#define MOV_STORE 0x89

/*
 * The batch loop's step after a packet's run: out[i] = the low 32 bits
 * of r0 (LF_B_STORE, and at each exit of the loop's copy of the body but
 * the last, which falls into it: no jump to it), then the next packet;
 * after the last one, falls through.
 */
static void batch_step(struct jit_ctx *c)
{
	mem_idx(&c->b, 0, MOV_STORE, X86_RAX, X86_R15, X86_RCX, 0, 0);
	x86_alu_ri(&c->b, 1, X86_ADD, X86_RCX, 4);
	jump(c, X86_CC_NE, lbl_fixed(c, LF_B_LOOP));
}

/* ---- one instruction --------------------------------------------------- */

#define ALU(n, x)                                                             \
	case UBEE_OP_##n##64_K: alu_k(c, 1, x, dst, in->imm); break;          \
	case UBEE_OP_##n##64_X: x86_alu_rr(b, 1, x, dst, src); break;         \
	case UBEE_OP_##n##32_K: alu_k(c, 0, x, dst, in->imm); break;          \
	case UBEE_OP_##n##32_X: x86_alu_rr(b, 0, x, dst, src); break;
#define SHIFT(n, x)                                                           \
	case UBEE_OP_##n##64_K: shift_k(c, 1, x, dst, in->imm); break;        \
	case UBEE_OP_##n##64_X: shift_x(c, 1, x, dst, src); break;            \
	case UBEE_OP_##n##32_K: shift_k(c, 0, x, dst, in->imm); break;        \
	case UBEE_OP_##n##32_X: shift_x(c, 0, x, dst, src); break;
#define DIVMOD(n, mod, sgn)                                                   \
	case UBEE_OP_##n##64_K: divmod_k(c, 1, mod, sgn, dst, in->imm); break; \
	case UBEE_OP_##n##64_X: divmod_x(c, 1, mod, sgn, dst, src); break;    \
	case UBEE_OP_##n##32_K: divmod_k(c, 0, mod, sgn, dst, in->imm); break; \
	case UBEE_OP_##n##32_X: divmod_x(c, 0, mod, sgn, dst, src); break;

/*
 * A move to a register nothing reads afterwards: left out in programs
 * with a batch entry (a translated filter's "r6 = r1" when it loads only
 * packet bytes, which do not take r6 from a register here).
 */
static int dead_move(const struct jit_ctx *c, size_t i)
{
	const struct ubee_dinsn *in = &c->prog->code[i];

	switch (in->op) {
	case UBEE_OP_MOV64_X:
	case UBEE_OP_MOV32_X:
	case UBEE_OP_MOV64_K:
	case UBEE_OP_MOV32_K:
		return in->dst < 10 && !(c->f->live_out[i] & (1u << in->dst));
	default:
		return 0;
	}
}

static void emit_insn(struct jit_ctx *c, size_t i)
{
	const struct ubee_dinsn *in = &c->prog->code[i];
	const struct ubee_op_info *o = &ubee_isa_ops[in->op];
	int dst = reg_map[in->dst], src = reg_map[in->src];
	int size = ubee_isa_access_size(in->op);
	struct x86_buf *b = &c->b;
	size_t t;

	if (c->batch && dead_move(c, i))
		return;
	switch (in->op) {
	ALU(ADD, X86_ADD)
	ALU(SUB, X86_SUB)
	ALU(OR, X86_OR)
	ALU(AND, X86_AND)
	ALU(XOR, X86_XOR)
	SHIFT(LSH, X86_SHL)
	SHIFT(RSH, X86_SHR)
	SHIFT(ARSH, X86_SAR)
	DIVMOD(DIV, 0, 0)
	DIVMOD(SDIV, 0, 1)
	DIVMOD(MOD, 1, 0)
	DIVMOD(SMOD, 1, 1)
	case UBEE_OP_MUL64_K: mul_k(c, 1, dst, in->imm); break;
	case UBEE_OP_MUL64_X: x86_imul_rr(b, 1, dst, src); break;
	case UBEE_OP_MUL32_K: mul_k(c, 0, dst, in->imm); break;
	case UBEE_OP_MUL32_X: x86_imul_rr(b, 0, dst, src); break;
	case UBEE_OP_MOV64_K: mov_k(c, 1, dst, in->imm); break;
	case UBEE_OP_MOV32_K: mov_k(c, 0, dst, in->imm); break;
	case UBEE_OP_MOV64_X:
		if (!mov_add(c, i) && dst != src)
			x86_mov_rr(b, 1, dst, src);
		break;
	case UBEE_OP_MOV32_X:
		if (!mov_add(c, i))
			x86_mov_rr(b, 0, dst, src);
		break;
	case UBEE_OP_NEG64: x86_grp3(b, 1, X86_NEG, dst); break;
	case UBEE_OP_NEG32: x86_grp3(b, 0, X86_NEG, dst); break;
	case UBEE_OP_MOVSX64_8: x86_movsx_rr(b, 1, 1, dst, src); break;
	case UBEE_OP_MOVSX64_16: x86_movsx_rr(b, 1, 2, dst, src); break;
	case UBEE_OP_MOVSX64_32: x86_movsx_rr(b, 1, 4, dst, src); break;
	case UBEE_OP_MOVSX32_8: x86_movsx_rr(b, 0, 1, dst, src); break;
	case UBEE_OP_MOVSX32_16: x86_movsx_rr(b, 0, 2, dst, src); break;
	case UBEE_OP_JA:
	case UBEE_OP_JA32:
		t = (size_t)ubee_isa_target(&c->prog->insns[i], i, in->op);
		if (t != i + 1)
			jump(c, X86_CC_ALWAYS, t);
		break;
	case UBEE_OP_MAY_GOTO: may_goto(c, i); break;
	case UBEE_OP_CALL: helper_call(c, i); break;
	case UBEE_OP_CALL_LOCAL: local_call(c, i); break;
	case UBEE_OP_EXIT:
		if (!c->copy)
			x86_ret(b);
		else if (i + 1 < c->prog->cnt) {
			batch_step(c);
			jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_B_DONE));
		}
		/* else the store follows */
		break;
	case UBEE_OP_LDDW:
		load_imm64(c, dst, (uint32_t)in->imm |
				   (uint64_t)(uint32_t)in[1].imm << 32);
		break;
	default:
		switch (o->fmt) {
		case UBEE_FMT_END:
			end_op(c, in->op, dst);
			break;
		case UBEE_FMT_JMP_K:
		case UBEE_FMT_JMP_X:
			cond_jump(c, i);
			break;
		case UBEE_FMT_LDX:
			x86_load(b, size, o->code & 0x80 ? 1 : 0, dst, src, in->off);
			break;
		case UBEE_FMT_LOAD_ACQ:
			/* x86 loads are acquire loads already. */
			x86_load(b, size, 0, dst, src, in->off);
			break;
		case UBEE_FMT_ST:
			store_k(c, size, dst, in->off, in->imm);
			break;
		case UBEE_FMT_STX:
		case UBEE_FMT_STORE_REL: /* and stores are release stores */
			x86_store(b, size, src, dst, in->off);
			break;
		case UBEE_FMT_ATOMIC:
		case UBEE_FMT_ATOMIC_FETCH:
		case UBEE_FMT_XCHG:
		case UBEE_FMT_CMPXCHG:
			atomic(c, in);
			break;
		case UBEE_FMT_LD_ABS:
			pkt_load(c, size, 0, 0, in->imm);
			break;
		case UBEE_FMT_LD_IND:
			pkt_load(c, size, 1, src, in->imm);
			break;
		default:
			if (!c->err)
				ubee_logf(c->log, "%zu: the JIT cannot translate %s",
					  i, o->name);
			c->err = -EINVAL;
			break;
		}
		break;
	}
}

#undef ALU
#undef SHIFT
#undef DIVMOD

/* ---- entry and stubs --------------------------------------------------- */

/*
 * uint64_t entry(const void *target, struct ubee_run *run,
 *                const uint64_t args[5], uint64_t r10)
 *
 * Programs that use the run save every callee-saved register (a tail
 * call may continue in a program using any of them) and record rsp for
 * unwinding; leaf programs save only the registers they use.
 */
static void emit_entry(struct jit_ctx *c)
{
	static const uint8_t callee_saved[6] = {
		X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15,
	};
	const struct jit_facts *f = c->f;
	struct x86_buf *b = &c->b;
	uint16_t used = f->used;
	int fp = f->uses_fp;

	block(c, lbl_fixed(c, LF_ENTRY));
	if (c->light) {
		x86_push(b, X86_RBP);
		x86_push(b, RUN);
		for (int r = 6; r <= 9; r++)
			if (used & (1u << r))
				x86_push(b, reg_map[r]);
		x86_mov_rr(b, 1, RUN, X86_RSI);
		fp = 1;
	} else if (f->need_run) {
		for (int k = 0; k < 6; k++)
			x86_push(b, callee_saved[k]);
		/* 7 words + the return address: 8 more keeps bodies aligned */
		x86_push_m(b, X86_RSI, RUN_OFF(jit_rsp));
		x86_alu_ri(b, 1, X86_SUB, X86_RSP, 8);
		x86_store(b, 8, X86_RSP, X86_RSI, RUN_OFF(jit_rsp));
		x86_mov_rr(b, 1, RUN, X86_RSI);
		used = JIT_R0_R9;
		fp = 1;
	} else {
		if (fp)
			x86_push(b, X86_RBP);
		for (int r = 6; r <= 9; r++)
			if (used & (1u << r))
				x86_push(b, reg_map[r]);
	}
	/* rcx (r10) and rdi (target) are read before r4 and r1 land there. */
	if (fp)
		x86_mov_rr(b, 1, X86_RBP, X86_RCX);
	x86_mov_rr(b, 1, X86_R11, X86_RDI);
	for (int r = 1; r <= 5; r++)
		if (r != 3 && (used & (1u << r)))
			x86_load(b, 8, 0, reg_map[r], X86_RDX, (r - 1) * 8);
	if (used & (1u << 3))
		x86_load(b, 8, 0, X86_RDX, X86_RDX, 16);
	for (int r = 0; r <= 9; r++)
		if ((r == 0 || r >= 6) && (used & (1u << r)))
			x86_alu_rr(b, 0, X86_XOR, reg_map[r], reg_map[r]);
	x86_call_r(b, X86_R11);
	if (!f->need_run || c->light) {
		for (int r = 9; r >= 6; r--)
			if (used & (1u << r))
				x86_pop(b, reg_map[r]);
		if (c->light)
			x86_pop(b, RUN);
		if (fp)
			x86_pop(b, X86_RBP);
		x86_ret(b);
		if (!f->need_run)
			return;
	}
	/* A light program's packet loads unwind through these only when
	 * it was tail-called from a frame other than the outermost. */
	block(c, lbl_fixed(c, LF_EXIT_OK));
	x86_alu_ri(b, 1, X86_ADD, X86_RSP, 8);
	x86_pop_m(b, RUN, RUN_OFF(jit_rsp));
	for (int k = 5; k >= 0; k--)
		x86_pop(b, callee_saved[k]);
	x86_ret(b);
	block(c, lbl_fixed(c, LF_UNWIND));
	x86_load(b, 8, 0, X86_RSP, RUN, RUN_OFF(jit_rsp));
	x86_alu_rr(b, 0, X86_XOR, X86_RAX, X86_RAX);
	jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_EXIT_OK));
}

/*
 * Whether the program may read through its context pointer: r1 at entry
 * and every register a 64-bit move copies it to (flow-insensitively) are
 * candidates, and any instruction other than such a copy or LD_ABS that
 * names one counts as a read. Translated classic filters read it only
 * for BPF_LEN and the ancillary loads.
 */
static int ctx_read(const struct ubee_prog *prog, const struct jit_facts *f)
{
	unsigned set = 1u << 1, old;

	do {
		old = set;
		for (size_t i = 0; i < prog->cnt; i++) {
			const struct ubee_dinsn *in = &prog->code[i];

			if (!(f->flags[i] & JF_SECOND) &&
			    in->op == UBEE_OP_MOV64_X && (set & (1u << in->src)))
				set |= 1u << in->dst;
		}
	} while (set != old);
	for (size_t i = 0; i < prog->cnt; i++) {
		const struct ubee_dinsn *in = &prog->code[i];

		if ((f->flags[i] & JF_SECOND) || in->op == UBEE_OP_MOV64_X ||
		    ubee_isa_ops[in->op].fmt == UBEE_FMT_LD_ABS)
			continue;
		if (set & ((1u << in->dst) | (1u << in->src)))
			return 1;
	}
	return 0;
}

/* Whether r1 keeps its entry value throughout (no instruction writes it). */
static int r1_kept(const struct ubee_prog *prog, const struct jit_facts *f)
{
	for (size_t i = 0; i < prog->cnt; i++) {
		const struct ubee_dinsn *in = &prog->code[i];
		int fmt;

		if (f->flags[i] & JF_SECOND)
			continue;
		fmt = ubee_isa_ops[in->op].fmt;
		if (in->dst == 1 || (in->src == 1 && (fmt == UBEE_FMT_ATOMIC_FETCH ||
						      fmt == UBEE_FMT_XCHG)))
			return 0;
	}
	return 1;
}

/*
 * Instruction 0 of a program with a batch entry and packet loads: the
 * packet from the run into PKT_DATA and PKT_LEN, for every way in (the
 * batch loop has its own copy of the body).
 */
static void pkt_preamble(struct jit_ctx *c)
{
	if (c->batch && c->f->has_pkt && !c->copy) {
		x86_load(&c->b, 8, 0, PKT_DATA, RUN, RUN_OFF(pkt));
		x86_load(&c->b, 8, 0, PKT_LEN, RUN, RUN_OFF(pkt_size));
	}
}

/* The instructions' code, in order (the body, or the batch loop's copy). */
static void emit_body(struct jit_ctx *c)
{
	c->skip_to = 0;
	for (size_t i = 0; i < c->prog->cnt; i++) {
		block(c, i);
		if ((c->f->flags[i] & JF_SECOND) || i < c->skip_to)
			continue;
		c->idx = i;
		if (i == 0)
			pkt_preamble(c);
		emit_insn(c, i);
	}
}

/*
 * uint64_t batch(struct ubee_run *run, const struct ubee_jit_pkt *pkt,
 *                const struct ubee_jit_pkt *end, uint32_t *out, void *ctx,
 *                uint64_t r10)
 *
 * For each packet in [pkt, end) (at least one): PKT_DATA and PKT_LEN are
 * the packet's address and caplen, the u32 at ctx + 0 its length (the
 * larger of caplen and wirelen; only when the program may read the
 * context), r1 = ctx, r0 and r6-r9 zero (unless the program is verified:
 * it cannot tell); a copy of the body runs, each exit storing out[i]
 * (the low 32 bits of r0) and going on to the next packet (batch_step),
 * a packet load out of range jumping to r0 = 0 and the store (the loop
 * is always the outermost frame). A packet
 * with a NULL address and a non-zero caplen stops the loop before it
 * runs. Returns the address of the first packet not run (end when all
 * ran).
 *
 * The loop's state lives where batch_ok programs never look: rsi = end,
 * r15 = out + n, rcx = -4 * (packets left), so that packet i is at
 * rsi + 4 * rcx and its verdict at r15 + rcx, and one add steps both and
 * ends the loop; ctx is on the native stack, and in rdi throughout when
 * the program never writes r1.
 */
static void emit_batch(struct jit_ctx *c)
{
	static const uint8_t callee_saved[6] = {
		X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15,
	};
	struct x86_buf *b = &c->b;
	uint16_t used = c->f->used;
	int r1 = !!(used & (1u << 1)), r1_once = r1 && r1_kept(c->prog, c->f);
	int len = ctx_read(c->prog, c->f);

	block(c, lbl_fixed(c, LF_BATCH));
	for (int k = 0; k < 6; k++)
		x86_push(b, callee_saved[k]);
	x86_mov_rr(b, 1, RUN, X86_RDI);
	x86_mov_rr(b, 1, X86_RBP, X86_R9);
	x86_mov_rr(b, 1, X86_R11, X86_RDX);
	x86_alu_rr(b, 1, X86_SUB, X86_R11, X86_RSI);
	x86_shift_ri(b, 1, X86_SHR, X86_R11, 2);
	x86_lea_idx(b, 1, X86_R15, X86_RCX, X86_R11, 0, 0);
	x86_mov_rr(b, 1, X86_RSI, X86_RDX);
	x86_mov_rr(b, 1, X86_RCX, X86_R11);
	x86_grp3(b, 1, X86_NEG, X86_RCX);
	x86_push(b, X86_R8);   /* ctx: 0(%rsp) */
	if (r1_once)
		x86_mov_rr(b, 1, X86_RDI, X86_R8);
	block(c, lbl_fixed(c, LF_B_LOOP));
	mem_idx(b, 1, MOV_LOAD, PKT_DATA, X86_RSI, X86_RCX, 2, 0);
	mem_idx(b, 0, MOV_LOAD, PKT_LEN, X86_RSI, X86_RCX, 2, 8);
	x86_test_rr(b, 1, PKT_DATA, PKT_DATA);
	jump(c, X86_CC_E, lbl_fixed(c, LF_B_NULL));
	block(c, lbl_fixed(c, LF_B_GO));
	if (len || (r1 && !r1_once))
		x86_load(b, 8, 0, X86_RDI, X86_RSP, 0);
	if (len) {
		mem_idx(b, 0, MOV_LOAD, X86_R10, X86_RSI, X86_RCX, 2, 12);
		x86_alu_rr(b, 1, X86_CMP, X86_R10, PKT_LEN);
		x86_cmov(b, X86_CC_B, X86_R10, PKT_LEN);
		x86_store(b, 4, X86_R10, X86_RDI, 0);
	}
	/* A verified program never reads a register it has not written. */
	for (int r = 0; r <= 9 && !c->prog->verified; r++)
		if ((r == 0 || r >= 6) && (used & (1u << r)))
			x86_alu_rr(b, 0, X86_XOR, reg_map[r], reg_map[r]);
	c->copy = 1;
	emit_body(c);
	block(c, c->prog->cnt);
	c->copy = 0;
	block(c, lbl_fixed(c, LF_B_STORE));
	batch_step(c);
	block(c, lbl_fixed(c, LF_B_DONE));
	x86_lea_idx(b, 1, X86_RAX, X86_RSI, X86_RCX, 2, 0);
	x86_alu_ri(b, 1, X86_ADD, X86_RSP, 8);
	for (int k = 5; k >= 0; k--)
		x86_pop(b, callee_saved[k]);
	x86_ret(b);
	block(c, lbl_fixed(c, LF_B_FAIL));
	x86_alu_rr(b, 0, X86_XOR, X86_RAX, X86_RAX);
	jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_B_STORE));
	/* A NULL address: run it when it has no bytes, else stop. */
	block(c, lbl_fixed(c, LF_B_NULL));
	x86_test_rr(b, 0, PKT_LEN, PKT_LEN);
	jump(c, X86_CC_E, lbl_fixed(c, LF_B_GO));
	jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_B_DONE));
}

static void emit_stubs(struct jit_ctx *c)
{
	static const uint8_t keep[6] = {
		X86_RAX, X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8,
	};
	const struct jit_facts *f = c->f;
	struct x86_buf *b = &c->b;
	size_t k = 0;

	block(c, c->prog->cnt);
	if (f->has_helper) {
		/* r0-r5 go on into a tail call's next program: keep them. */
		block(c, lbl_fixed(c, LF_PENDING));
		for (int r = 0; r < 6; r++)
			x86_push(b, keep[r]);
		x86_mov_rr(b, 1, X86_RDI, RUN);
		call_abs(c, (const void *)ubee_jit_pending);
		x86_mov_rr(b, 1, X86_R11, X86_RAX);
		for (int r = 5; r >= 0; r--)
			x86_pop(b, keep[r]);
		x86_test_rr(b, 1, X86_R11, X86_R11);
		jump(c, X86_CC_E, lbl_fixed(c, LF_UNWIND));
		x86_jmp_r(b, X86_R11);
	}
	if (f->has_pkt) {
		block(c, lbl_fixed(c, LF_PKT_FAIL));
		if (c->light) {
			/* In the outermost frame: r0 = 0; exit. */
			size_t deeper;

			x86_alu_rm(b, 1, X86_CMP, X86_RBP, RUN, RUN_OFF(stack_top));
			deeper = fwd8(c, X86_CC_NE);
			x86_alu_rr(b, 0, X86_XOR, X86_RAX, X86_RAX);
			x86_ret(b);
			land8(c, deeper);
		}
		x86_store_imm(b, 4, RUN, RUN_OFF(exit_now), 1);
		x86_store_imm(b, 4, RUN, RUN_OFF(pending), 1);
		jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_UNWIND));
	}
	if (!f->nr_local)
		return;
	block(c, lbl_fixed(c, LF_DEPTH));
	x86_mov_rr(b, 1, X86_RDI, RUN);
	call_abs(c, (const void *)ubee_jit_depth_fail);
	jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_UNWIND));
	for (size_t i = 0; i < c->prog->cnt; i++) {
		if ((f->flags[i] & JF_SECOND) ||
		    c->prog->code[i].op != UBEE_OP_CALL_LOCAL)
			continue;
		block(c, lbl_stub(c, k++));
		x86_mov_ri32(b, 0, X86_RSI, (int32_t)i);
		jump(c, X86_CC_ALWAYS, lbl_fixed(c, LF_DEPTH));
	}
}

/* ---- what entries a program gets ------------------------------------------ */

/*
 * A program that uses the run but calls nothing (no helper left after
 * inlining, no bpf-to-bpf call) never leaves its outermost frame except
 * by its exit: it needs no unwinding, so its entry keeps only r10, r12
 * and the registers it uses, and a packet load out of bounds there is
 * "r0 = 0; exit" (a plain return). Only when it was tail-called from a
 * deeper frame of another program does the load unwind as before.
 */
static int light_run(const struct jit_facts *f)
{
	return f->need_run && !f->has_helper && !f->nr_local;
}

/*
 * A program that calls nothing, leaves r2-r5 and r9 alone (the batch loop
 * keeps its state and the packet there) and has no may_goto (its
 * allowance is per run) also gets a batch entry: classic filters
 * translated by src/cbpf are such programs.
 */
static int batch_ok(const struct ubee_prog *prog, const struct jit_facts *f)
{
	if (f->has_helper || f->nr_local ||
	    (f->used & ((JIT_R1_R5 & ~(1u << 1)) | (1u << 9))))
		return 0;
	for (size_t i = 0; i < prog->cnt; i++)
		if (!(f->flags[i] & JF_SECOND) &&
		    prog->code[i].op == UBEE_OP_MAY_GOTO)
			return 0;
	return 1;
}

/* ---- emission and relaxation -------------------------------------------- */

/*
 * For programs with a batch entry (the packet's length is in PKT_LEN and
 * stays the same for the whole run) and only forward jumps: known[i] =
 * the captured length every path to instruction i has proved, by an
 * LD_ABS that did not end the program (it ends it unless offset + size
 * <= caplen). An LD_ABS reaching no further needs no bounds check. One
 * pass in program order, as every edge goes forward; with a backward
 * jump known stays NULL. 0 or -ENOMEM.
 */
static int pkt_known(struct jit_ctx *c)
{
	const struct ubee_prog *prog = c->prog;
	uint32_t *kn;

	if (!c->batch || !c->f->has_pkt || c->harden)
		return 0;
	kn = ubee_malloc(prog->cnt * sizeof(*kn));
	if (!kn)
		return -ENOMEM;
	memset(kn, 0xff, prog->cnt * sizeof(*kn));
	kn[0] = 0;
	for (size_t i = 0; i < prog->cnt; i++) {
		const struct ubee_dinsn *in = &prog->code[i];
		uint32_t cur = kn[i] == UINT32_MAX ? 0 : kn[i];
		size_t next[2] = { i + 1, SIZE_MAX };
		int64_t t;
		int fmt;

		kn[i] = cur;
		if (c->f->flags[i] & JF_SECOND)
			continue;
		fmt = ubee_isa_ops[in->op].fmt;
		if (fmt == UBEE_FMT_LD_ABS && in->imm >= 0) {
			int64_t end = (int64_t)in->imm + ubee_isa_access_size(in->op);

			if (end > cur)
				cur = (uint32_t)end;
		}
		switch (fmt) {
		case UBEE_FMT_EXIT:
			next[0] = SIZE_MAX;
			break;
		case UBEE_FMT_LDDW:
			next[0] = i + 2;
			break;
		case UBEE_FMT_JA:
		case UBEE_FMT_JA32:
		case UBEE_FMT_JMP_K:
		case UBEE_FMT_JMP_X:
			t = ubee_isa_target(&prog->insns[i], i, in->op);
			if (t <= (int64_t)i) {
				ubee_free(kn);
				return 0;
			}
			next[fmt == UBEE_FMT_JA || fmt == UBEE_FMT_JA32 ? 0 : 1] = (size_t)t;
			break;
		default:
			break;
		}
		for (int k = 0; k < 2; k++)
			if (next[k] < prog->cnt && cur < kn[next[k]])
				kn[next[k]] = cur;
	}
	c->known = kn;
	return 0;
}

static int emit_all(struct jit_ctx *c)
{
	emit_entry(c);
	if (c->batch)
		emit_batch(c);
	emit_body(c);
	emit_stubs(c);
	if (c->b.err)
		return c->b.err;
	if (c->b.len > INT32_MAX)
		return -E2BIG;
	return c->err;
}

static unsigned long_len(const struct jit_jump *j)
{
	return j->cc == JUMP_CALL || j->cc == X86_CC_ALWAYS ? 5 : 6;
}

/* Bytes a jump saves when short. */
static unsigned saving(const struct jit_jump *j)
{
	return j->short_ ? long_len(j) - 2 : 0;
}

/* Final offset of label l once c->cum[] is up to date. */
static int64_t final_off(const struct jit_ctx *c, uint32_t l)
{
	return (int64_t)c->off[l] - c->cum[c->lab_j[l]];
}

/*
 * Pick short forms until none more fits; leaves c->cum[] for the final
 * layout and returns the final code size.
 */
static size_t relax(struct jit_ctx *c)
{
	int changed;

	do {
		uint32_t sum = 0;

		for (size_t k = 0; k < c->njumps; k++) {
			c->cum[k] = sum;
			sum += saving(&c->jumps[k]);
		}
		c->cum[c->njumps] = sum;
		changed = 0;
		for (size_t k = 0; k < c->njumps; k++) {
			struct jit_jump *j = &c->jumps[k];
			int64_t rel;

			if (j->short_ || j->cc == JUMP_CALL)
				continue;
			rel = final_off(c, j->label) -
			      ((int64_t)j->at - c->cum[k] + 2);
			if (rel >= INT8_MIN && rel <= INT8_MAX)
				changed = j->short_ = 1;
		}
	} while (changed);
	return c->b.len - c->cum[c->njumps];
}

static void put32(uint8_t *p, int64_t v)
{
	uint32_t u = (uint32_t)(int32_t)v;

	memcpy(p, &u, 4);
}

/* Write the relaxed code to out and move every label to its place. */
static void finish(struct jit_ctx *c, uint8_t *out)
{
	size_t pos = 0, o = 0;

	for (size_t k = 0; k < c->njumps; k++) {
		const struct jit_jump *j = &c->jumps[k];
		int64_t to = final_off(c, j->label);

		memcpy(out + o, c->b.p + pos, j->at - pos);
		o += j->at - pos;
		pos = j->at + long_len(j);
		if (j->short_) {
			out[o] = j->cc == X86_CC_ALWAYS ? 0xeb : 0x70 + j->cc;
			out[o + 1] = (uint8_t)(int8_t)(to - (int64_t)(o + 2));
			o += 2;
		} else if (j->cc == JUMP_CALL || j->cc == X86_CC_ALWAYS) {
			out[o] = j->cc == JUMP_CALL ? 0xe8 : 0xe9;
			put32(out + o + 1, to - (int64_t)(o + 5));
			o += 5;
		} else {
			out[o] = 0x0f;
			out[o + 1] = 0x80 + j->cc;
			put32(out + o + 2, to - (int64_t)(o + 6));
			o += 6;
		}
	}
	memcpy(out + o, c->b.p + pos, c->b.len - pos);
	for (size_t l = 0; l < c->nlabels; l++)
		c->off[l] = (uint32_t)final_off(c, (uint32_t)l);
}

/* Random blinding keys; getrandom(2) never fails short for small sizes. */
static int make_keys(struct jit_ctx *c)
{
	size_t len = 2 * c->prog->cnt * sizeof(*c->keys), got = 0;

	c->keys = ubee_malloc(len);
	if (!c->keys)
		return -ENOMEM;
	while (got < len) {
		ssize_t n = getrandom((char *)c->keys + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

int ubee_jit_compile(const struct ubee_prog *prog, struct ubee_jit **out,
		     struct ubee_log *log)
{
	struct jit_facts f;
	struct jit_ctx c;
	struct ubee_jit *jit = NULL;
	void *code = NULL;
	size_t size, map_size = 0;
	int err;

	*out = NULL;
	err = jit_analyze(prog, &f);
	if (err) {
		ubee_logf(log, "0: out of memory compiling %zu instructions",
			  prog->cnt);
		return err;
	}
	memset(&c, 0, sizeof(c));
	c.prog = prog;
	c.f = &f;
	c.log = log;
	c.harden = !!(prog->flags & UBEE_PROG_HARDEN);
	c.bmi2 = __builtin_cpu_supports("bmi2");
	c.light = light_run(&f);
	c.batch = batch_ok(prog, &f);
	c.nlabels = prog->cnt + 1 + LF__COUNT + f.nr_local;
	if (c.batch) {
		/* the batch loop's copy of the body has labels of its own */
		c.copy_base = c.nlabels;
		c.nlabels += prog->cnt + 1;
	}
	x86_init(&c.b);
	/* off[] and lab_j[] in one block */
	c.off = ubee_calloc(c.nlabels, 2 * sizeof(*c.off));
	err = -ENOMEM;
	if (!c.off || (c.harden && (err = make_keys(&c))))
		goto fail;
	c.lab_j = c.off + c.nlabels;
	err = pkt_known(&c);
	if (err)
		goto fail;
	err = emit_all(&c);
	if (err)
		goto fail;
	c.cum = ubee_malloc((c.njumps + 1) * sizeof(*c.cum));
	/* the description's offsets follow the struct */
	jit = ubee_calloc(1, sizeof(*jit) + (prog->cnt + 1) * sizeof(*jit->insn_off));
	err = -ENOMEM;
	if (!c.cum || !jit)
		goto fail;
	size = relax(&c);
	err = ubee_jit_mem_alloc(size, &code, &map_size);
	if (err)
		goto fail;
	finish(&c, code);
	err = ubee_jit_mem_seal(code, size, map_size);
	if (err)
		goto fail;
	jit->code = code;
	jit->size = size;
	jit->map_size = map_size;
	jit->cnt = prog->cnt;
	jit->hardened = c.harden;
	jit->insn_off = (uint32_t *)(jit + 1);
	jit->batch_off = c.batch ? c.off[lbl_fixed(&c, LF_BATCH)] : 0;
	memcpy(jit->insn_off, c.off, (prog->cnt + 1) * sizeof(*jit->insn_off));
	*out = jit;
	jit = NULL;
	goto out;
fail:
	if (err == -ENOMEM)
		ubee_logf(log, "0: out of memory compiling %zu instructions",
			  prog->cnt);
	else if (err == -E2BIG)
		ubee_logf(log, "0: the compiled program exceeds 2 GiB");
	else if (err != -EINVAL)
		ubee_logf(log, "0: the JIT failed: error %d", err);
	ubee_jit_mem_free(code, map_size);
	ubee_free(jit);
out:
	ubee_free(c.keys);
	ubee_free(c.known);
	ubee_free(c.off);
	ubee_free(c.cum);
	ubee_free(c.jumps);
	x86_fini(&c.b);
	jit_facts_free(&f);
	return err;
}

void ubee_jit_free(struct ubee_jit *jit)
{
	if (!jit)
		return;
	ubee_jit_mem_free(jit->code, jit->map_size);
	ubee_free(jit); /* insn_off shares its block */
}
