// SPDX-License-Identifier: MIT
/*
 * Oracle runs: the verifier's proof checked against concrete execution.
 * Before each instruction of a checked run with UBEE_RUN_ORACLE, every
 * register the verifier recorded a fact for must lie inside it: a scalar
 * inside its tnum and bounds, a pointer to the ctx, the stack or the
 * packet at its base + fixed offset + a value of its variable offset
 * (or 0 when it may be NULL). Pointers to other memory (map values,
 * helper memory) and registers whose type differs between paths are not
 * checked here; the checked mode's access checks cover their use.
 *
 * Bases: the ctx is the run's; the top of the stack frame f is found
 * from r10, whose fact names the frame the instruction runs in (this
 * holds across bpf-to-bpf calls, callbacks and tail calls alike); the
 * packet pointers are what the context's PKT, PKT_END and PKT_META
 * fields hold (the program type's field table says where they are).
 */
#include <errno.h>
#include <string.h>

#include "util/util.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

static const char *const ptr_name[] = {
	[UBEE_VFACT_CTX] = "ctx",
	[UBEE_VFACT_STACK] = "fp",
	[UBEE_VFACT_PKT] = "pkt",
	[UBEE_VFACT_PKT_END] = "pkt_end",
	[UBEE_VFACT_PKT_META] = "pkt_meta",
	[UBEE_VFACT_OTHER] = "mem",
};

/* The packet pointer the context field of this kind holds, or 0. */
static uint64_t ctx_pkt_field(const struct ubee_run *run, unsigned kind)
{
	const struct ubee_prog_type *t = run->prog->type;
	uint64_t v = 0;
	size_t i;

	if (!t || !run->ctx)
		return 0;
	for (i = 0; i < t->nr_fields; i++) {
		const struct ubee_ctx_field *f = &t->fields[i];

		if (f->kind != kind || f->size > sizeof(v) ||
		    (uint64_t)f->off + f->size > run->ctx_size)
			continue;
		memcpy(&v, (const uint8_t *)run->ctx + f->off, f->size);
		return v;
	}
	return 0;
}

/*
 * The address fact x's offsets count from, given r10 and the frame the
 * instruction runs in (cur, -1: unknown). False when unknown: no check.
 */
static bool ptr_base(const struct ubee_run *run, const struct ubee_vfact *x,
		     uint64_t r10, int cur, uint64_t *base)
{
	switch (x->ptr) {
	case UBEE_VFACT_CTX:
		*base = (uintptr_t)run->ctx;
		return run->ctx != NULL;
	case UBEE_VFACT_STACK:
		if (cur < 0 || x->frame > cur)
			return false;
		*base = r10 + (uint64_t)(cur - x->frame) * UBEE_STACK_SIZE;
		return true;
	case UBEE_VFACT_PKT:
		*base = ctx_pkt_field(run, UBEE_CTX_PKT);
		return *base != 0;
	case UBEE_VFACT_PKT_END:
		*base = ctx_pkt_field(run, UBEE_CTX_PKT_END);
		return *base != 0;
	case UBEE_VFACT_PKT_META:
		*base = ctx_pkt_field(run, UBEE_CTX_PKT_META);
		return *base != 0;
	default:
		return false;
	}
}

__attribute__((cold, noinline)) static int
violation(const struct ubee_run *run, size_t idx, unsigned r, uint64_t v,
	  const struct ubee_vfact *x, uint64_t base)
{
	char s[256];

	ubee_scalar_print(s, sizeof(s), &x->s);
	if (x->kind == UBEE_VFACT_SCALAR)
		ubee_logf(run->log, "%zu: oracle: R%u=0x%llx outside scalar(%s)",
			  idx, r, (unsigned long long)v, s);
	else
		ubee_logf(run->log,
			  "%zu: oracle: R%u=0x%llx (%s%+lld) outside %s(%soff=%d%s%s)",
			  idx, r, (unsigned long long)v, ptr_name[x->ptr],
			  (long long)(v - base), ptr_name[x->ptr],
			  x->maybe_null ? "or_null," : "", x->off, s[0] ? "," : "",
			  s);
	return -EFAULT;
}

int ubee_oracle_check(const struct ubee_run *run, size_t idx,
		      const uint64_t reg[11])
{
	const struct ubee_vfacts *f = run->prog->facts;
	const struct ubee_vfact *fr;
	int cur = -1;
	unsigned r;

	if (!f || idx >= f->cnt)
		return 0;
	fr = f->regs[idx];
	if (fr[10].kind == UBEE_VFACT_PTR && fr[10].ptr == UBEE_VFACT_STACK)
		cur = fr[10].frame;
	for (r = 0; r < 11; r++) {
		const struct ubee_vfact *x = &fr[r];
		uint64_t v = reg[r], base = 0;

		if (x->kind == UBEE_VFACT_SCALAR) {
			if (!ubee_scalar_contains(&x->s, v))
				return violation(run, idx, r, v, x, 0);
			continue;
		}
		if (x->kind != UBEE_VFACT_PTR || (x->maybe_null && !v))
			continue;
		if (!ptr_base(run, x, reg[10], cur, &base))
			continue;
		if (!ubee_scalar_contains(&x->s, v - base - (uint64_t)(int64_t)x->off))
			return violation(run, idx, r, v, x, base);
	}
	return 0;
}
