// SPDX-License-Identifier: MIT
/*
 * The run API: pick the engine and the mode, set up the state of one run
 * (registers' inputs, the stack on this C stack, the regions of checked
 * mode) and expose it to helpers through a thread-local pointer. Also the
 * services helpers get from the run: memory they hand out (ubee_run_allow),
 * callbacks into the program, tail calls, maps, ending the run on a
 * helper's error.
 *
 * The engine of a run is the interpreter or the JIT (src/jit/jit.h), for
 * the whole run: callbacks and tail calls stay in it. The JIT takes only
 * runs that may go unchecked.
 *
 * Each outermost run on a thread holds a CPU slot (maps/cpu.c) from start
 * to end: per-CPU map values and bpf_get_smp_processor_id use it, and no
 * two runs share a slot at once, as no two programs share a CPU in the
 * kernel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit/jit.h"
#include "maps/maps.h"
#include "maps/ringbuf.h"
#include "util/util.h"
#include "vm/vm.h"

/* The run executing on this thread; nested runs save and restore it. */
static __thread struct ubee_run *current_run;

struct ubee_run *ubee_run_current(void)
{
	return current_run;
}

void *ubee_run_ctx(const struct ubee_run *run)
{
	return run ? run->ctx : NULL;
}

const char *ubee_engine_name(enum ubee_engine e)
{
	switch (e) {
	case UBEE_ENGINE_DEFAULT:
		return ubee_jit_available() ? "jit" : "interp";
	case UBEE_ENGINE_INTERP:
		return "interp";
	case UBEE_ENGINE_JIT:
		return "jit";
	}
	return NULL;
}

int ubee_engine_available(enum ubee_engine e)
{
	switch (e) {
	case UBEE_ENGINE_DEFAULT:
	case UBEE_ENGINE_INTERP:
		return 1;
	case UBEE_ENGINE_JIT:
		return ubee_jit_available();
	}
	return 0;
}

int ubee_vm_needs_checks(const struct ubee_prog *prog, uint32_t run_flags)
{
	if (run_flags & (UBEE_RUN_CHECKED | UBEE_RUN_ORACLE))
		return 1;
	/* The embedder's word stands in for the verifier's proof. */
	return !prog->verified && !(run_flags & UBEE_RUN_TRUSTED);
}

/* [addr, addr+size) inside [base, base+len), without wrapping around. */
static inline int inside(uint64_t addr, uint64_t size, const void *base,
			 size_t len)
{
	uint64_t off = addr - (uintptr_t)base;

	return addr >= (uintptr_t)base && off <= len && size <= len - off;
}

/*
 * Index of the last allowed region starting at or below addr, or -1.
 * The list is sorted by start address.
 */
static long allowed_floor(const struct ubee_run *run, uint64_t addr)
{
	long lo = 0, hi = (long)run->nr_allowed - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if ((uintptr_t)run->allowed[mid].addr <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/*
 * 0: some allowed region holds the range with the right access; 2: only
 * read-only ones hold it for a write; 1: none. Regions may overlap, so
 * the floor is only a first guess: the scan goes down to the regions that
 * start too low to reach addr + size even at the largest size.
 */
static int allowed_check(const struct ubee_run *run, uint64_t addr,
			 uint64_t size, int write)
{
	long f = allowed_floor(run, addr);
	int ro = 0;

	if (size > run->allowed_max)
		return 1;
	for (long i = f; i >= 0; i--) {
		const struct ubee_region *r = &run->allowed[i];

		if (addr - (uintptr_t)r->addr > run->allowed_max - size)
			break;
		if (!inside(addr, size, r->addr, r->size))
			continue;
		if (!write || r->writable)
			return 0;
		ro = 1;
	}
	return ro ? 2 : 1;
}

int ubee_vm_region_check(const struct ubee_run *run, uint64_t addr,
			 uint64_t size, int write, unsigned depth)
{
	size_t span = (size_t)(depth + 1) * UBEE_STACK_SIZE;
	int ro = 0, why;

	if (inside(addr, size, (void *)(run->stack_top - span), span) ||
	    inside(addr, size, run->ctx, run->ctx_size) ||
	    inside(addr, size, run->pkt, run->pkt_size))
		return 0;
	for (size_t i = 0; i < run->nr_regions; i++) {
		const struct ubee_region *r = &run->regions[i];

		if (!inside(addr, size, r->addr, r->size))
			continue;
		if (!write || r->writable)
			return 0;
		ro = 1;
	}
	/*
	 * The value of the program's single-entry arrays: global data and
	 * other direct map-value lddw targets (the kernel allows direct
	 * value access only on such arrays), never handed out by a helper.
	 */
	for (size_t i = 0; run->prog && i < run->prog->nr_maps; i++) {
		const struct ubee_map *m = run->prog->maps[i];

		if (m->type != UBEE_MAP_ARRAY || m->max_entries != 1 ||
		    !inside(addr, size, ubee_array_elem(m, 0), m->value_size))
			continue;
		if (!write || !(m->map_flags & UBEE_F_RDONLY_PROG))
			return 0;
		ro = 1;
	}
	why = run->nr_allowed ? allowed_check(run, addr, size, write) : 1;
	if (why == 1 && ro)
		return 2;
	return why;
}

/*
 * Grow an allowed region that touches [a, a+size) with the same access
 * instead of adding one: the floor region when it reaches a, else the
 * next one when the range reaches it (it then starts at a, which keeps
 * the order). Lookups of neighbouring values (array elements in a loop)
 * so stay one region. 0 when merged, 1 when the range needs its own.
 */
static int allowed_merge(struct ubee_run *run, uintptr_t a, size_t size,
			 int writable)
{
	long f = allowed_floor(run, a);
	struct ubee_region *r;
	uintptr_t end = a + size, rend;

	if (f >= 0) {
		r = &run->allowed[f];
		rend = (uintptr_t)r->addr + r->size;
		if (r->writable == writable && rend >= a) {
			if (end > rend)
				r->size = end - (uintptr_t)r->addr;
			goto grown;
		}
	}
	if ((size_t)(f + 1) < run->nr_allowed) {
		r = &run->allowed[f + 1];
		rend = (uintptr_t)r->addr + r->size;
		if (r->writable == writable && end >= (uintptr_t)r->addr) {
			r->addr = (void *)a;
			r->size = (end > rend ? end : rend) - a;
			goto grown;
		}
	}
	return 1;
grown:
	if (r->size > run->allowed_max)
		run->allowed_max = r->size;
	return 0;
}

int ubee_run_allow(struct ubee_run *run, void *addr, size_t size, int writable)
{
	uintptr_t a = (uintptr_t)addr;
	long pos;

	if (!run || (!addr && size) || a + size < a)
		return -EINVAL;
	if (!run->checked || !size)
		return 0;
	if (!allowed_check(run, a, size, writable))
		return 0; /* already allowed: a helper handing out the same value */
	if (!allowed_merge(run, a, size, !!writable))
		return 0; /* grew a neighbour: values of one array, say */
	if (run->nr_allowed == UBEE_RUN_MAX_ALLOWED)
		return -E2BIG;
	if (run->nr_allowed == run->cap_allowed) {
		size_t cap = run->cap_allowed * 2;
		struct ubee_region *p;

		if (run->allowed == run->allowed_inline) {
			p = ubee_malloc(cap * sizeof(*p));
			if (p)
				memcpy(p, run->allowed, run->nr_allowed * sizeof(*p));
		} else {
			p = ubee_realloc(run->allowed, cap * sizeof(*p));
		}
		if (!p)
			return -ENOMEM;
		run->allowed = p;
		run->cap_allowed = cap;
	}
	pos = allowed_floor(run, a) + 1;
	memmove(&run->allowed[pos + 1], &run->allowed[pos],
		(run->nr_allowed - (size_t)pos) * sizeof(*run->allowed));
	run->allowed[pos] = (struct ubee_region){ addr, size, !!writable };
	run->nr_allowed++;
	if (size > run->allowed_max)
		run->allowed_max = size;
	return 0;
}

int ubee_vm_tail_call(struct ubee_run *run, void *map, uint32_t index)
{
	const struct ubee_prog *next = NULL;

	if (!run->prog->tail_call)
		return -ENOENT;
	if (run->tail_calls >= UBEE_MAX_TAIL_CALLS)
		return -E2BIG;
	if (run->prog->tail_call(map, index, &next) || !next)
		return -ENOENT;
	/* An unchecked run cannot switch into a program that needs checks. */
	if (!run->checked && ubee_vm_needs_checks(next, run->flags))
		return -EACCES;
	run->tail_calls++;
	run->tail_next = next;
	run->pending = 1;
	return 0;
}

/* Run from instruction start in frame depth with the run's engine. */
static int exec(struct ubee_run *run, const struct ubee_dinsn *start,
		const uint64_t args[5], unsigned depth, uint64_t *r0)
{
	if (run->jit)
		return ubee_jit_exec(run, start, args, depth, r0);
	return ubee_interp_exec(run, start, args, depth, r0);
}

int ubee_vm_callback(struct ubee_run *run, uint64_t func,
		     const uint64_t args[5], uint64_t *ret)
{
	const struct ubee_prog *prog = run->prog;
	uintptr_t fp = run->jit_fp;
	unsigned depth;
	size_t idx = run->call_idx;
	int err;

	if (run->pending)
		return run->err ? run->err : -ECANCELED;
	/* JIT code keeps r10 of the helper's caller, not its frame number. */
	if (run->jit)
		run->depth = (unsigned)((run->stack_top - fp) / UBEE_STACK_SIZE);
	depth = run->depth;
	/* Compiled code would jump anywhere: it checks like checked mode. */
	if ((run->checked || run->jit) && !ubee_vm_is_func(prog, func)) {
		ubee_logf(run->log, "%zu: 0x%llx is not a callback of this program",
			  idx, (unsigned long long)func);
		err = -EFAULT;
		goto fail;
	}
	if (depth + 1 >= UBEE_MAX_CALL_FRAMES) {
		ubee_logf(run->log, "%zu: callback exceeds %d call frames", idx,
			  UBEE_MAX_CALL_FRAMES);
		err = -E2BIG;
		goto fail;
	}
	err = exec(run, (const struct ubee_dinsn *)(uintptr_t)func, args,
		   depth + 1, ret);
	/* Whatever the callback did (even a tail call), the caller resumes. */
	run->prog = prog;
	run->depth = depth;
	run->call_idx = idx;
	run->jit_fp = fp;
	if (err)
		return err;
	return run->pending ? -ECANCELED : 0;
fail:
	run->err = err;
	run->pending = 1;
	return err;
}

int ubee_vm_fail(struct ubee_run *run, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ubee_logf(run->log, "%zu: %s", run->call_idx, msg);
	if (!run->err)
		run->err = err;
	run->pending = 1;
	return err;
}

int ubee_vm_map_ok(const struct ubee_run *run, const void *map)
{
	if (ubee_vm_prog_has_map(run->prog, map))
		return 1;
	for (size_t i = 0; i < run->nr_inner_maps; i++)
		if (run->inner_maps[i] == map)
			return 1;
	return 0;
}

/* Grow a pointer list by one slot: 0, -E2BIG or -ENOMEM. */
static int list_grow(void ***list, size_t nr, size_t *cap)
{
	size_t c = *cap ? *cap * 2 : 8;
	void **p;

	if (nr < *cap)
		return 0;
	if (*cap >= UBEE_RUN_MAX_ALLOWED)
		return -E2BIG;
	p = ubee_realloc(*list, c * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*list = p;
	*cap = c;
	return 0;
}

int ubee_vm_add_inner_map(struct ubee_run *run, struct ubee_map *map)
{
	int err;

	if (!run->checked || ubee_vm_map_ok(run, map))
		return 0;
	err = list_grow(&run->inner_maps, run->nr_inner_maps,
			&run->cap_inner_maps);
	if (err)
		return err;
	run->inner_maps[run->nr_inner_maps++] = map;
	return 0;
}

int ubee_vm_ringbuf_track(struct ubee_run *run, void *rec)
{
	int err = list_grow(&run->ringbuf_recs, run->nr_ringbuf_recs,
			    &run->cap_ringbuf_recs);

	if (err)
		return err;
	run->ringbuf_recs[run->nr_ringbuf_recs++] = rec;
	return 0;
}

int ubee_vm_ringbuf_untrack(struct ubee_run *run, void *rec)
{
	for (size_t i = run->nr_ringbuf_recs; i-- > 0;) {
		if (run->ringbuf_recs[i] == rec) {
			run->ringbuf_recs[i] = run->ringbuf_recs[--run->nr_ringbuf_recs];
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * What a program must give back before it ends: a bpf_spin_lock it holds
 * is released and ring buffer records it reserved are discarded.
 * Verified code cannot get here; checked code learns of it as an error.
 */
static int release_held(struct ubee_run *run, int err)
{
	int leak = 0;

	if (run->spin_lock) {
		ubee_spin_unlock(run->spin_lock);
		run->spin_lock = NULL;
		if (!err && run->checked)
			ubee_logf(run->log,
				  "%zu: bpf_spin_lock taken here is still held at exit",
				  run->spin_lock_idx);
		leak = 1;
	}
	if (run->nr_ringbuf_recs) {
		if (!err && !leak)
			ubee_logf(run->log,
				  "0: %zu ring buffer records reserved and never submitted",
				  run->nr_ringbuf_recs);
		for (size_t i = 0; i < run->nr_ringbuf_recs; i++)
			ubee_ringbuf_commit(run->ringbuf_recs[i], 1);
		run->nr_ringbuf_recs = 0;
		leak = 1;
	}
	if (err || !run->checked || !leak)
		return err;
	return -EINVAL;
}

/*
 * Statistics mode: -1 not decided yet (UBEE_STATS is read on first use),
 * 0 off, 1 every program, 2 (the default) programs whose counters are
 * shared through a pinned file, where `prog show` reads them. A run with
 * statistics costs two clock reads (about 45 ns on the machine of
 * docs/CLI.md, as much as a short JIT run), hence not every program.
 */
static int stats_mode = -1;

void ubee_vm_stats_enable(int on)
{
	__atomic_store_n(&stats_mode, on ? 1 : 0, __ATOMIC_RELAXED);
}

/* The mode, reading UBEE_STATS ("0" / "1") the first time. */
static int stats_get_mode(void)
{
	int m = __atomic_load_n(&stats_mode, __ATOMIC_RELAXED);

	if (m < 0) {
		const char *e = getenv("UBEE_STATS");

		m = e && !strcmp(e, "0") ? 0 : e && !strcmp(e, "1") ? 1 : 2;
		__atomic_store_n(&stats_mode, m, __ATOMIC_RELAXED);
	}
	return m;
}

/* Whether prog's runs are counted (inlined into every run). */
static inline int stats_on(const struct ubee_prog *prog)
{
	int m = __atomic_load_n(&stats_mode, __ATOMIC_RELAXED);

	if (UBEE_UNLIKELY(m < 0))
		m = stats_get_mode();
	return m == 1 || (m == 2 && prog->stats_at);
}

int ubee_vm_stats_enabled(const struct ubee_prog *prog)
{
	return stats_on(prog);
}

static uint64_t stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Count one run of prog that started at t0 (a loaded program is const to
 * its runs; the counters are the part meant to change). */
static void stats_count(const struct ubee_prog *prog, uint64_t t0)
{
	struct ubee_prog_stats *s = prog->stats_at ? prog->stats_at :
				    (struct ubee_prog_stats *)&prog->stats;
	uint64_t dt = stats_now() - t0;

	__atomic_fetch_add(&s->run_cnt, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->run_time_ns, dt, __ATOMIC_RELAXED);
}

void ubee_vm_prog_stats(const struct ubee_prog *prog,
			struct ubee_prog_stats *out)
{
	const struct ubee_prog_stats *s = prog->stats_at ? prog->stats_at :
					  &prog->stats;

	out->run_cnt = __atomic_load_n(&s->run_cnt, __ATOMIC_RELAXED);
	out->run_time_ns = __atomic_load_n(&s->run_time_ns, __ATOMIC_RELAXED);
}

int ubee_prog_run(const struct ubee_prog *prog, const struct ubee_run_opts *opts,
		  uint64_t *retval, struct ubee_log *log)
{
	return ubee_vm_run(prog, opts, NULL, retval, log);
}

int ubee_prog_run_attach(const struct ubee_prog *prog,
			 const struct ubee_run_opts *opts,
			 const struct ubee_attach *attach, uint64_t *retval,
			 struct ubee_log *log)
{
	struct ubee_run_env env = { 0 };
	struct ubee_attach a;
	int err;

	if (retval)
		*retval = 0;
	err = ubee_vm_copy_opts(&a, sizeof(a), attach, log);
	if (err)
		return err;
	env.cookie = a.cookie;
	env.func_ip = a.func_ip;
	return ubee_vm_run(prog, opts, &env, retval, log);
}

/*
 * The engine of a run: the JIT for runs that may go unchecked when asked
 * for (or by default, when it is built and compiles the program), else
 * the interpreter. *use_jit is set; the program is compiled when it is.
 */
static int pick_engine(const struct ubee_prog *prog,
		       const struct ubee_run_opts *o, struct ubee_log *log,
		       int *use_jit)
{
	const struct ubee_jit *jit;
	int checked = ubee_vm_needs_checks(prog, o->flags);

	*use_jit = 0;
	switch (o->engine) {
	case UBEE_ENGINE_DEFAULT:
		/* Compile errors (only running out of memory) fall back. */
		*use_jit = !checked && ubee_jit_available() &&
			   !ubee_jit_get(prog, &jit, NULL);
		return 0;
	case UBEE_ENGINE_INTERP:
		return 0;
	case UBEE_ENGINE_JIT:
		if (!ubee_jit_available()) {
			ubee_logf(log, "0: the JIT is not built for this machine");
			return -EOPNOTSUPP;
		}
		if (checked) {
			ubee_logf(log, "0: the JIT runs verified or trusted programs only; this run is checked");
			return -EOPNOTSUPP;
		}
		*use_jit = 1;
		return ubee_jit_get(prog, &jit, log);
	}
	ubee_logf(log, "0: unknown engine %d", (int)o->engine);
	return -EINVAL;
}

/* The program's stack: every frame, 16-byte aligned like the kernel's. */
#define STACK_WORDS (UBEE_MAX_CALL_FRAMES * UBEE_STACK_SIZE / 8)

/*
 * What a run's options and program must satisfy before it starts (the
 * per-run size check of verified plain-memory programs is ctx_min). 0 or
 * -errno, logged.
 */
static int check_opts(const struct ubee_prog *prog,
		      const struct ubee_run_opts *o, struct ubee_log *log)
{
	const uint32_t known = UBEE_RUN_CHECKED | UBEE_RUN_SWITCH |
			       UBEE_RUN_TRUSTED | UBEE_RUN_ORACLE;

	if (o->flags & ~known) {
		ubee_logf(log, "0: unknown run flags 0x%x", o->flags & ~known);
		return -EINVAL;
	}
	if ((!o->ctx && o->ctx_size) || (!o->pkt && o->pkt_size) ||
	    (!o->regions && o->nr_regions)) {
		ubee_logf(log, "0: a region has a size but no address");
		return -EINVAL;
	}
	if ((prog->flags & UBEE_PROG_VERIFY_ONLY) ||
	    (prog->type->flags & UBEE_PT_VERIFY_ONLY)) {
		ubee_logf(log, "0: program %s was loaded for verification only (%s) and cannot run",
			  prog->name, (prog->flags & UBEE_PROG_VERIFY_ONLY) ?
			  "it may call helpers ubee lacks" :
			  "ubee has no context for its type");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * The fewest bytes at r1 a run of prog may pass: a verified plain-memory
 * program running unchecked was proven for prog->ctx_size bytes.
 */
static size_t ctx_min(const struct ubee_prog *prog, int checked)
{
	if (!prog->verified || !(prog->type->flags & UBEE_PT_CTX_MEM) || checked)
		return 0;
	return prog->ctx_size;
}

static int ctx_too_small(const struct ubee_run *run, struct ubee_log *log)
{
	ubee_logf(log, "0: program %s was verified for %u bytes of memory at r1; this run has %zu",
		  run->prog->name, run->prog->ctx_size, run->ctx_size);
	return -EINVAL;
}

/*
 * Set up run (zeroed by the caller) for runs of prog with options o on
 * stack[STACK_WORDS]; the per-run fields start as a first run needs them.
 */
static void run_init(struct ubee_run *run, const struct ubee_prog *prog,
		     const struct ubee_run_opts *o,
		     const struct ubee_run_env *env, int use_jit,
		     uint64_t *stack, struct ubee_log *log)
{
	run->prog = prog;
	run->log = log;
	run->ctx = o->ctx;
	run->ctx_size = o->ctx_size;
	run->pkt = o->pkt;
	run->pkt_size = o->pkt_size;
	run->regions = o->regions;
	run->nr_regions = o->nr_regions;
	run->flags = o->flags;
	run->checked = ubee_vm_needs_checks(prog, o->flags);
	run->oracle = !!(o->flags & UBEE_RUN_ORACLE);
	run->use_switch = !!(o->flags & UBEE_RUN_SWITCH);
	run->budget = o->insn_budget ? o->insn_budget : UBEE_DEFAULT_INSN_BUDGET;
	run->loops_left = UBEE_MAX_LOOPS;
	run->stack_top = (uintptr_t)(stack + STACK_WORDS);
	run->allowed = run->allowed_inline;
	run->cap_allowed = UBEE_ARRAY_SIZE(run->allowed_inline);
	run->jit = use_jit;
	run->jit_stack_lo = run->stack_top -
			    (UBEE_MAX_CALL_FRAMES - 1) * UBEE_STACK_SIZE;
	if (env)
		run->env = *env;
}

/*
 * Execute run (set up, per-run fields reset) once from the start of
 * run->prog as the thread's current run, with statistics when they are
 * on; then take back what the program held. claim_cpu: claim a CPU slot
 * for the run (else run->cpu is already right). 0 and *r0, or -errno.
 */
static int run_once(struct ubee_run *run, int claim_cpu, uint64_t *r0)
{
	const struct ubee_prog *prog = run->prog;
	struct ubee_run *prev = current_run;
	uint64_t args[5] = { (uintptr_t)run->ctx, run->ctx_size }, t0 = 0;
	int err, stats;

	current_run = run;
	if (claim_cpu)
		run->cpu = ubee_map_cpu_enter();
	stats = stats_on(prog);
	if (UBEE_UNLIKELY(stats))
		t0 = stats_now();
	err = exec(run, prog->code, args, 0, r0);
	if (UBEE_UNLIKELY(stats))
		stats_count(prog, t0);
	err = release_held(run, err);
	if (claim_cpu)
		ubee_map_cpu_exit(run->cpu);
	current_run = prev;
	return err;
}

int ubee_vm_run(const struct ubee_prog *prog, const struct ubee_run_opts *opts,
		const struct ubee_run_env *env, uint64_t *retval,
		struct ubee_log *log)
{
	uint64_t stack[STACK_WORDS] __attribute__((aligned(16)));
	struct ubee_run_opts o;
	struct ubee_run run;
	uint64_t r0 = 0;
	int err, use_jit;

	if (retval)
		*retval = 0;
	if (!prog)
		return -EINVAL;
	err = ubee_vm_copy_opts(&o, sizeof(o), opts, log);
	if (err)
		return err;
	err = check_opts(prog, &o, log);
	if (err)
		return err;
	memset(&run, 0, sizeof(run));
	run_init(&run, prog, &o, env, 0, stack, log);
	if (run.ctx_size < ctx_min(prog, run.checked))
		return ctx_too_small(&run, log);
	err = pick_engine(prog, &o, log, &use_jit);
	if (err)
		return err;
	run.jit = use_jit;
	/*
	 * Unverified code may read stack it never wrote: make that 0; so
	 * may privileged verified code (the verifier said so), which would
	 * otherwise read what this C stack held before.
	 */
	if (run.checked || prog->uninit_stack)
		memset(stack, 0, sizeof(stack));
	err = run_once(&run, 1, &r0);
	ubee_free(run.inner_maps);
	ubee_free(run.ringbuf_recs);
	if (run.allowed != run.allowed_inline)
		ubee_free(run.allowed);
	if (o.insn_count)
		*o.insn_count = run.checked ? run.insn_count : 0;
	if (retval && !err)
		*retval = r0;
	return err;
}

/* ---- prepared runs ------------------------------------------------------ */

int ubee_vm_runner_new(const struct ubee_prog *prog,
		       const struct ubee_run_opts *opts,
		       const struct ubee_run_env *env, struct ubee_runner **out,
		       struct ubee_log *log)
{
	struct ubee_runner *r = NULL;
	struct ubee_run_opts o;
	void *mem = NULL;
	int err, use_jit;

	if (out)
		*out = NULL;
	if (!prog || !out)
		return -EINVAL;
	err = ubee_vm_copy_opts(&o, sizeof(o), opts, log);
	if (!err)
		err = check_opts(prog, &o, log);
	if (!err)
		err = pick_engine(prog, &o, log, &use_jit);
	if (err)
		return err;
	r = ubee_calloc(1, sizeof(*r));
	/* The stack on its own cache lines, 64 bytes past a line boundary. */
	mem = ubee_malloc(STACK_WORDS * 8 + 64);
	if (!r || !mem) {
		ubee_logf(log, "0: out of memory");
		ubee_free(r);
		ubee_free(mem);
		return -ENOMEM;
	}
	o.ctx = NULL;
	o.ctx_size = 0;
	o.pkt = NULL;
	o.pkt_size = 0;
	r->stack_mem = mem;
	r->prog = prog;
	r->insn_count = o.insn_count;
	r->needs_cpu = prog->nr_helpers || prog->nr_maps || prog->nr_lds;
	run_init(&r->run, prog, &o, env, use_jit,
		 (uint64_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63), log);
	r->ctx_min = ctx_min(prog, r->run.checked);
	/* A stack no run has written reads as zero, checked or not. */
	memset((void *)(r->run.stack_top - STACK_WORDS * 8), 0, STACK_WORDS * 8);
	*out = r;
	return 0;
}

int ubee_runner_new(const struct ubee_prog *prog,
		    const struct ubee_run_opts *opts, struct ubee_runner **out,
		    struct ubee_log *log)
{
	return ubee_vm_runner_new(prog, opts, NULL, out, log);
}

void ubee_runner_free(struct ubee_runner *r)
{
	if (!r)
		return;
	if (r->batch) {
		r->batch = 1;
		ubee_runner_end(r);
	}
	ubee_free(r->run.inner_maps);
	ubee_free(r->run.ringbuf_recs);
	if (r->run.allowed != r->run.allowed_inline)
		ubee_free(r->run.allowed);
	ubee_free(r->stack_mem);
	ubee_free(r);
}

void ubee_runner_set_log(struct ubee_runner *r, struct ubee_log *log)
{
	r->run.log = log;
}

int ubee_runner_run(struct ubee_runner *r, void *ctx, size_t ctx_size,
		    const void *pkt, size_t pkt_size, uint64_t *retval)
{
	struct ubee_run *run = &r->run;
	uint64_t r0 = 0;
	int err;

	if (retval)
		*retval = 0;
	if (UBEE_UNLIKELY(r->busy))
		return -EBUSY;
	if (UBEE_UNLIKELY((!ctx && ctx_size) || (!pkt && pkt_size))) {
		ubee_logf(run->log, "0: a region has a size but no address");
		return -EINVAL;
	}
	run->prog = r->prog;
	run->ctx = ctx;
	run->ctx_size = ctx_size;
	run->pkt = (void *)(uintptr_t)pkt;
	run->pkt_size = pkt_size;
	if (UBEE_UNLIKELY(ctx_size < r->ctx_min))
		return ctx_too_small(run, run->log);
	run->tail_calls = 0;
	run->tail_next = NULL;
	run->pending = 0;
	run->err = 0;
	run->exit_now = 0;
	run->loops_left = UBEE_MAX_LOOPS;
	run->depth = 0;
	run->call_idx = 0;
	run->jit_fp = 0;
	if (run->checked) {
		run->insn_count = 0;
		run->nr_allowed = 0;
		run->allowed_max = 0;
		run->nr_inner_maps = 0;
		/* Unverified code may read stack it never wrote: make that 0. */
		memset((void *)(run->stack_top - STACK_WORDS * 8), 0,
		       STACK_WORDS * 8);
	}
	r->busy = 1;
	err = run_once(run, r->needs_cpu && !r->batch, &r0);
	r->busy = 0;
	if (r->insn_count)
		*r->insn_count = run->checked ? run->insn_count : 0;
	if (retval && !err)
		*retval = r0;
	return err;
}

void ubee_runner_begin(struct ubee_runner *r)
{
	if (r->batch++ || !r->needs_cpu)
		return;
	r->run.cpu = ubee_map_cpu_enter();
}

void ubee_runner_end(struct ubee_runner *r)
{
	if (!r->batch || --r->batch || !r->needs_cpu)
		return;
	ubee_map_cpu_exit(r->run.cpu);
}
