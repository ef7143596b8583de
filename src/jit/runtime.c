// SPDX-License-Identifier: MIT
/*
 * The JIT at run time: publishing a program's compiled code once, entering
 * it from C (a run's start, a bpf_loop callback), and the services the
 * compiled code calls back for: a tail call's next program, a call chain
 * too deep. Also the public view of the code (ubee_prog_jit_info).
 */
#include <errno.h>
#include <string.h>

#include "jit/jit.h"
#include "util/util.h"

/* The entry at the start of every program's code (jit.c). */
typedef uint64_t (*jit_entry_fn)(const void *target, struct ubee_run *run,
				 const uint64_t *args, uint64_t r10);

int ubee_jit_available(void)
{
#if defined(__x86_64__)
	return 1;
#else
	return 0;
#endif
}

int ubee_jit_get(const struct ubee_prog *prog, const struct ubee_jit **out,
		 struct ubee_log *log)
{
	/* The compiled code is a cache: the one mutable field (vm.h). */
	struct ubee_jit **slot = &((struct ubee_prog *)prog)->jit;
	struct ubee_jit *jit = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	struct ubee_jit *none = NULL;
	int err;

	if (jit) {
		*out = jit;
		return 0;
	}
	*out = NULL;
	if (!ubee_jit_available()) {
		ubee_logf(log, "0: the JIT is not built for this machine");
		return -EOPNOTSUPP;
	}
	err = ubee_jit_compile(prog, &jit, log);
	if (err)
		return err;
	/* Threads may race to compile: the first to publish wins. */
	if (!__atomic_compare_exchange_n(slot, &none, jit, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		ubee_jit_free(jit);
		jit = none;
	}
	*out = jit;
	return 0;
}

int ubee_jit_exec(struct ubee_run *run, const struct ubee_dinsn *start,
		  const uint64_t args[5], unsigned depth, uint64_t *r0)
{
	const struct ubee_prog *prog = run->prog;
	const struct ubee_jit *jit = __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE);
	size_t idx = (size_t)(start - prog->code);
	jit_entry_fn entry = (jit_entry_fn)(uintptr_t)jit->code;
	uint64_t ret;

	ret = entry(jit->code + jit->insn_off[idx], run, args,
		    run->stack_top - (uint64_t)depth * UBEE_STACK_SIZE);
	if (run->err)
		return run->err;
	*r0 = ret;
	return 0;
}

/* The batch entry of programs that have one (jit.c, emit_batch). */
typedef const struct ubee_jit_pkt *(*jit_batch_fn)(struct ubee_run *run,
			     const struct ubee_jit_pkt *pkt,
			     const struct ubee_jit_pkt *end, uint32_t *out,
			     void *ctx, uint64_t r10);

int ubee_jit_runner_pkts(struct ubee_runner *r, void *ctx, size_t ctx_size,
			 const struct ubee_jit_pkt *pkts, size_t n,
			 uint32_t *out, size_t *done)
{
	struct ubee_run *run = &r->run;
	const struct ubee_jit *jit = NULL;
	const struct ubee_jit_pkt *stop;
	jit_batch_fn batch;

	*done = 0;
	if (run->jit)
		jit = __atomic_load_n(&r->prog->jit, __ATOMIC_ACQUIRE);
	if (UBEE_UNLIKELY(!jit || !jit->batch_off || r->busy || !ctx ||
			  ctx_size < r->ctx_min || ubee_vm_stats_enabled(r->prog)))
		return -EOPNOTSUPP;
	if (UBEE_UNLIKELY(!n))
		return 0;
	batch = (jit_batch_fn)(uintptr_t)(jit->code + jit->batch_off);
	run->prog = r->prog;
	run->ctx = ctx;
	run->ctx_size = ctx_size;
	r->busy = 1;
	if (r->needs_cpu)
		ubee_runner_begin(r);
	stop = batch(run, pkts, pkts + n, out, ctx, run->stack_top);
	if (r->needs_cpu)
		ubee_runner_end(r);
	r->busy = 0;
	*done = (size_t)(stop - pkts);
	return 0;
}

const void *ubee_jit_pending(struct ubee_run *run)
{
	const struct ubee_prog *next = run->tail_next;
	const struct ubee_jit *jit;
	int err;

	if (run->err || run->exit_now || !next)
		return NULL;
	/* A tail call: same frame, same registers, the next program. */
	run->tail_next = NULL;
	run->pending = 0;
	run->prog = next;
	err = ubee_jit_get(next, &jit, run->log);
	if (err) {
		run->err = err;
		run->pending = 1;
		return NULL;
	}
	return jit->code + jit->insn_off[0];
}

void ubee_jit_depth_fail(struct ubee_run *run, uint64_t idx)
{
	ubee_logf(run->log, "%llu: call depth exceeds %d frames",
		  (unsigned long long)idx, UBEE_MAX_CALL_FRAMES);
	run->err = -E2BIG;
	run->pending = 1;
}

int ubee_prog_jit_info(const struct ubee_prog *prog, struct ubee_jit_info *info,
		       struct ubee_log *log)
{
	const struct ubee_jit *jit;
	struct ubee_jit_info in;
	int err;

	if (!prog || !info)
		return -EINVAL;
	err = ubee_vm_copy_opts(&in, sizeof(in), info, log);
	if (err)
		return err;
	err = ubee_jit_get(prog, &jit, log);
	if (err)
		return err;
	in.code = jit->code;
	in.size = jit->size;
	in.insn_off = jit->insn_off;
	in.insn_count = jit->cnt;
	in.hardened = jit->hardened;
	memcpy(info, &in, in.sz < sizeof(in) ? in.sz : sizeof(in));
	return 0;
}
