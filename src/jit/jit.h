/* SPDX-License-Identifier: MIT */
/*
 * The JIT as the rest of ubee sees it: compile a loaded program to x86-64
 * once (lazily, on its first JIT run; threads racing to compile publish
 * one result atomically), and run compiled code within a struct ubee_run
 * the way ubee_interp_exec runs the interpreter, so that run.c can switch
 * engines per run and bpf_loop callbacks and tail calls stay inside the
 * engine the run started in.
 *
 * Only code that may run unchecked ever reaches the JIT: run.c refuses a
 * checked run and tail calls refuse to switch into a program that needs
 * checks (ubee_vm_tail_call).
 *
 * How compiled code uses the run (fields of struct ubee_run, vm.h):
 * jit_rsp is the native stack pointer of the innermost entry from C, to
 * which errors and early exits unwind; jit_fp is r10 at the last helper
 * call (ubee_vm_callback derives the frame of a callback from it);
 * jit_stack_lo bounds bpf-to-bpf calls to UBEE_MAX_CALL_FRAMES.
 */
#ifndef UBEE_JIT_JIT_H
#define UBEE_JIT_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "vm/vm.h"

/* One compiled program; immutable once published. */
struct ubee_jit {
	uint8_t *code;       /* read-execute mapping */
	size_t size;         /* bytes of code */
	size_t map_size;     /* bytes mapped */
	uint32_t *insn_off;  /* [cnt + 1]: start of each slot's code */
	size_t cnt;
	int hardened;
	uint32_t batch_off;  /* the batch entry (ubee_jit_exec_pkts), or 0 */
};

/* One packet of a batch run; the compiled loop reads this layout. */
struct ubee_jit_pkt {
	const void *data;
	uint32_t caplen;     /* bytes at data: run->pkt_size */
	uint32_t wirelen;    /* length on the wire (at least caplen counts) */
};
_Static_assert(sizeof(struct ubee_jit_pkt) == 16, "the batch loop's stride");

/* 1 when this machine can run JIT code (x86-64). */
int ubee_jit_available(void);

/*
 * Translate prog (its decoded code, helpers and maps as loaded) into a
 * new struct ubee_jit in *out. Returns 0, -ENOMEM, or -EINVAL for code the
 * JIT cannot translate (one log line). Does not publish.
 */
int ubee_jit_compile(const struct ubee_prog *prog, struct ubee_jit **out,
		     struct ubee_log *log);
void ubee_jit_free(struct ubee_jit *jit);

/*
 * prog's compiled code: compiled on first use and published in
 * prog->jit for every later caller. Returns 0 or the compile error.
 */
int ubee_jit_get(const struct ubee_prog *prog, const struct ubee_jit **out,
		 struct ubee_log *log);

/*
 * Run the compiled code of run->prog (already compiled: ubee_jit_get)
 * from instruction start in frame depth with r1-r5 = args, r10 = that
 * frame's top, r0 and r6-r9 zero, until the exit of that frame; *r0
 * gets r0. Returns 0 or the run's error (run->err, already logged).
 */
int ubee_jit_exec(struct ubee_run *run, const struct ubee_dinsn *start,
		  const uint64_t args[5], unsigned depth, uint64_t *r0);

/*
 * Run r's program (compiled, r->run.jit set) once per packet of
 * pkts[0..n) with one context: each run's packet loads see the packet's
 * bytes (caplen of them), and when the program may read its context the
 * u32 at ctx + 0 (skb->len for an __sk_buff) is the larger of caplen and
 * wirelen (else ctx is left alone); out[i] gets the low 32 bits of the
 * run's r0 (a packet load out of bounds gives 0). run->pkt and pkt_size
 * are not set. ctx_size is the context's size (at least r's minimum).
 * *done gets the packets run: all n, or fewer when packet *done has a
 * NULL address and a non-zero caplen (it is not run). Only programs that
 * call nothing and leave r2-r5 and r9 alone have the compiled loop for
 * it (classic filters); others, a runner already busy, or statistics
 * being counted get -EOPNOTSUPP (nothing run): run them one by one.
 * Returns 0.
 */
int ubee_jit_runner_pkts(struct ubee_runner *r, void *ctx, size_t ctx_size,
			 const struct ubee_jit_pkt *pkts, size_t n,
			 uint32_t *out, size_t *done);

/*
 * Called by compiled code (never by C): after a helper left run->pending
 * set, the entry point of the program a tail call continues with, or
 * NULL when the run must unwind (an error, an early exit, or the next
 * program failing to compile, logged).
 */
const void *ubee_jit_pending(struct ubee_run *run);
/* Called by compiled code: a bpf-to-bpf call at idx exceeds the frames. */
void ubee_jit_depth_fail(struct ubee_run *run, uint64_t idx);

/*
 * Code memory (mem.c): pages of their own for size bytes of code, read-
 * write (*out, *map_size bytes); 0 or -ENOMEM. Once filled, seal makes
 * them read-execute, never writable again (0 or -errno; on failure the
 * caller frees them). free unmaps them.
 */
int ubee_jit_mem_alloc(size_t size, void **out, size_t *map_size);
int ubee_jit_mem_seal(void *code, size_t size, size_t map_size);
void ubee_jit_mem_free(void *code, size_t map_size);

#endif /* UBEE_JIT_JIT_H */
