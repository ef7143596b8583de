// SPDX-License-Identifier: MIT
/*
 * The program object: validate and decode the instructions once, resolve
 * what the loader left symbolic (pseudo lddw through the caller's
 * resolver, callback addresses, helper ids to records, each checked
 * against what the program type allows), take a reference on the maps it
 * uses, and keep both the runnable decoded form and the resolved
 * originals. Immutable afterwards.
 */
#include <errno.h>
#include <string.h>

#include "ubee/map.h"
#include "helpers/helpers.h"
#include "jit/jit.h"
#include "maps/maps.h"
#include "util/util.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

int ubee_vm_copy_opts(void *dst, size_t dst_sz, const void *src,
		      struct ubee_log *log)
{
	const unsigned char *s = src;
	size_t sz;

	memset(dst, 0, dst_sz);
	if (!src)
		return 0;
	sz = *(const size_t *)src;
	if (sz < sizeof(size_t)) {
		ubee_logf(log, "0: options size %zu is too small", sz);
		return -EINVAL;
	}
	/* A newer caller may pass a bigger struct if it leaves the rest zero. */
	for (size_t i = dst_sz; i < sz; i++) {
		if (s[i]) {
			ubee_logf(log, "0: unknown option at byte %zu", i);
			return -EINVAL;
		}
	}
	memcpy(dst, src, sz < dst_sz ? sz : dst_sz);
	return 0;
}

/* Make CALL imm an index into prog->helpers, copying the record once. */
static int resolve_helper(struct ubee_prog *prog, const struct ubee_helpers *reg,
			  size_t idx, struct ubee_log *log)
{
	struct ubee_dinsn *in = &prog->code[idx];
	const struct ubee_helper *h;
	size_t i;

	for (i = 0; i < prog->nr_helpers; i++)
		if (prog->helpers[i].id == in->imm)
			goto found;
	h = ubee_helper_lookup(reg, in->imm);
	if (!h && (prog->flags & UBEE_PROG_VERIFY_ONLY))
		h = ubee_vproto_find(in->imm);
	if (!h) {
		ubee_logf(log, "%zu: invalid func unknown#%d", idx, in->imm);
		return -EINVAL;
	}
	if (!ubee_prog_type_allows_helper(prog->type, h->id)) {
		ubee_logf(log, "%zu: program of this type cannot use helper %s#%d (type %s)",
			  idx, h->name, h->id, prog->type->name);
		return -EACCES;
	}
	if (!(prog->nr_helpers & (prog->nr_helpers + 1))) {
		/* Grow at 0, 1, 3, 7, ... entries: doubling. */
		size_t cap = prog->nr_helpers * 2 + 1;
		struct ubee_helper *p;

		p = ubee_realloc(prog->helpers, cap * sizeof(*p));
		if (!p) {
			ubee_logf(log, "%zu: out of memory", idx);
			return -ENOMEM;
		}
		prog->helpers = p;
	}
	prog->helpers[i] = *h;
	prog->nr_helpers++;
found:
	in->imm = (int32_t)i;
	return 0;
}

/* Turn the lddw at idx into a plain one with value, in code (and insns). */
static void set_lddw(struct ubee_prog *prog, size_t idx, uint64_t value,
		     int originals_too)
{
	prog->code[idx].op = UBEE_OP_LDDW;
	prog->code[idx].src = 0;
	prog->code[idx].imm = (int32_t)(uint32_t)value;
	prog->code[idx + 1].imm = (int32_t)(uint32_t)(value >> 32);
	if (originals_too) {
		prog->insns[idx].src_reg = 0;
		prog->insns[idx].imm = prog->code[idx].imm;
		prog->insns[idx + 1].imm = prog->code[idx + 1].imm;
	}
}

static int resolve_func(struct ubee_prog *prog, size_t idx,
			struct ubee_log *log)
{
	size_t target = (size_t)ubee_isa_target(&prog->insns[idx], idx,
						UBEE_OP_LDDW_FUNC);

	if (!prog->func_entry) {
		prog->func_entry = ubee_calloc(prog->cnt, 1);
		if (!prog->func_entry) {
			ubee_logf(log, "%zu: out of memory", idx);
			return -ENOMEM;
		}
	}
	prog->func_entry[target] = 1;
	/* The originals keep the pseudo form: the address means nothing there. */
	set_lddw(prog, idx, (uint64_t)(uintptr_t)&prog->code[target], 0);
	return 0;
}

/*
 * Describe the value a pseudo lddw resolved to (prog->lds): the map it is
 * (one of the program's maps) or points into (inside the value of key 0
 * of one of them). A value that is neither keeps map NULL: the verifier
 * refuses such a program; checked runs still check every map argument.
 */
static int record_ld(struct ubee_prog *prog, size_t idx, int src,
		     uint64_t value, struct ubee_log *log)
{
	struct ubee_prog_ld *ld;
	struct ubee_map *map = NULL;
	uint32_t off = 0;
	const uint32_t zero = 0;

	if (src == UBEE_PSEUDO_MAP_FD || src == UBEE_PSEUDO_MAP_IDX) {
		if (ubee_vm_prog_has_map(prog, (void *)(uintptr_t)value))
			map = (struct ubee_map *)(uintptr_t)value;
	} else if (src == UBEE_PSEUDO_MAP_VALUE ||
		   src == UBEE_PSEUDO_MAP_IDX_VALUE) {
		for (size_t i = 0; i < prog->nr_maps && !map; i++) {
			struct ubee_map *m = prog->maps[i];
			uintptr_t base;

			if (!m->ops->lookup || m->ops->get_ptr)
				continue;
			base = (uintptr_t)m->ops->lookup(m, &zero);
			if (base && value >= base && value - base < m->value_size) {
				map = m;
				off = (uint32_t)(value - base);
			}
		}
	}
	ld = ubee_realloc(prog->lds, (prog->nr_lds + 1) * sizeof(*ld));
	if (!ld) {
		ubee_logf(log, "%zu: out of memory", idx);
		return -ENOMEM;
	}
	prog->lds = ld;
	ld[prog->nr_lds++] = (struct ubee_prog_ld){ (uint32_t)idx, (uint8_t)src,
						    map, off };
	return 0;
}

static int resolve_pseudo(struct ubee_prog *prog,
			  const struct ubee_prog_opts *o, size_t idx,
			  struct ubee_log *log)
{
	const struct ubee_insn *in = &prog->insns[idx];
	uint64_t value = 0;
	int err;

	if (!o->resolve_ldimm64) {
		ubee_logf(log, "%zu: lddw with pseudo source %s needs maps (none available)",
			  idx, ubee_isa_ops[prog->code[idx].op].text);
		return -EINVAL;
	}
	err = o->resolve_ldimm64(o->resolve_arg, (uint32_t)idx, in->src_reg,
				 in->imm, in[1].imm, &value, log);
	if (err)
		return err < 0 ? err : -EINVAL;
	err = record_ld(prog, idx, in->src_reg, value, log);
	if (err)
		return err;
	set_lddw(prog, idx, value, 1);
	return 0;
}

/* Take a reference on each map the program uses. */
static int take_maps(struct ubee_prog *prog, const struct ubee_prog_opts *o,
		     struct ubee_log *log)
{
	if (!o->nr_maps)
		return 0;
	prog->maps = ubee_calloc(o->nr_maps, sizeof(*prog->maps));
	if (!prog->maps) {
		ubee_logf(log, "0: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < o->nr_maps; i++) {
		if (!o->maps[i]) {
			ubee_logf(log, "0: map %zu of the program is NULL", i);
			return -EINVAL;
		}
		prog->maps[prog->nr_maps++] = ubee_map_get(o->maps[i]);
	}
	return 0;
}

int ubee_prog_load(const struct ubee_insn *insns, size_t cnt,
		   const struct ubee_prog_opts *opts, struct ubee_prog **out,
		   struct ubee_log *log)
{
	const struct ubee_prog_type *type;
	struct ubee_prog_opts o;
	struct ubee_prog *prog = NULL;
	size_t i;
	int err;

	if (!out || (!insns && cnt))
		return -EINVAL;
	*out = NULL;
	err = ubee_vm_copy_opts(&o, sizeof(o), opts, log);
	if (err)
		return err;
	if (o.flags & ~(uint32_t)(UBEE_PROG_NO_VERIFY | UBEE_PROG_HARDEN |
				  UBEE_PROG_UNPRIV | UBEE_PROG_VERIFY_ONLY |
				  UBEE_PROG_RECORD_FACTS)) {
		ubee_logf(log, "0: unknown program flags 0x%x", o.flags);
		return -EINVAL;
	}
	type = ubee_prog_type_find(o.prog_type);
	if (!type) {
		ubee_logf(log, "0: unknown program type %u", o.prog_type);
		return -EINVAL;
	}
	if ((type->flags & UBEE_PT_VERIFY_ONLY) &&
	    !(o.flags & UBEE_PROG_VERIFY_ONLY)) {
		ubee_logf(log, "0: program type %s can only be verified here (ubee cannot run it): load it with UBEE_PROG_VERIFY_ONLY",
			  type->name);
		return -EOPNOTSUPP;
	}
	if (!o.maps && o.nr_maps) {
		ubee_logf(log, "0: %zu maps but no array of them", o.nr_maps);
		return -EINVAL;
	}
	/* Structural checks first, so limits are enforced before allocating. */
	err = ubee_isa_validate(insns, cnt, NULL, log);
	if (err)
		return err;

	prog = ubee_calloc(1, sizeof(*prog));
	if (!prog)
		goto nomem;
	prog->cnt = cnt;
	prog->flags = o.flags;
	prog->type = type;
	prog->ctx_size = o.ctx_size;
	prog->vstats.error_insn = UINT32_MAX;
	prog->tail_call = ubee_prog_array_tail_call;
	prog->name = ubee_strdup(o.name ? o.name : "prog");
	prog->insns = ubee_malloc(cnt * sizeof(*prog->insns));
	prog->code = ubee_malloc(cnt * sizeof(*prog->code));
	if (!prog->name || !prog->insns || !prog->code)
		goto nomem;
	memcpy(prog->insns, insns, cnt * sizeof(*insns));
	err = ubee_isa_validate(insns, cnt, prog->code, log);
	if (err)
		goto fail;
	err = take_maps(prog, &o, log);
	if (err)
		goto fail;

	for (i = 0; i < cnt; i++) {
		switch (prog->code[i].op) {
		case UBEE_OP_CALL:
			err = resolve_helper(prog, o.helpers, i, log);
			break;
		case UBEE_OP_CALL_KFUNC:
			ubee_logf(log, "%zu: kfunc calls are not supported", i);
			err = -EINVAL;
			break;
		case UBEE_OP_LDDW_FUNC:
			err = resolve_func(prog, i, log);
			break;
		case UBEE_OP_LDDW_MAP_FD:
		case UBEE_OP_LDDW_MAP_VALUE:
		case UBEE_OP_LDDW_BTF_ID:
		case UBEE_OP_LDDW_MAP_IDX:
		case UBEE_OP_LDDW_MAP_IDX_VALUE:
			err = resolve_pseudo(prog, &o, i, log);
			break;
		default:
			err = 0;
			break;
		}
		if (err)
			goto fail;
	}
	if (!(o.flags & UBEE_PROG_NO_VERIFY)) {
		err = ubee_verifier_run(prog, &o, log);
		if (err)
			goto fail;
	}
	*out = prog;
	return 0;
nomem:
	ubee_logf(log, "0: out of memory loading %zu instructions", cnt);
	err = -ENOMEM;
fail:
	ubee_prog_free(prog);
	return err;
}

void ubee_prog_free(struct ubee_prog *prog)
{
	if (!prog)
		return;
	ubee_jit_free(prog->jit);
	for (size_t i = 0; i < prog->nr_maps; i++)
		ubee_map_put(prog->maps[i]);
	ubee_free(prog->maps);
	ubee_free(prog->lds);
	ubee_vfacts_free(prog->facts);
	ubee_free(prog->func_entry);
	ubee_free(prog->helpers);
	ubee_free(prog->code);
	ubee_free(prog->insns);
	ubee_free(prog->name);
	ubee_free(prog);
}

size_t ubee_prog_insn_count(const struct ubee_prog *prog)
{
	return prog ? prog->cnt : 0;
}

const struct ubee_insn *ubee_prog_insns(const struct ubee_prog *prog)
{
	return prog ? prog->insns : NULL;
}

const char *ubee_prog_name(const struct ubee_prog *prog)
{
	return prog ? prog->name : NULL;
}

int ubee_prog_verified(const struct ubee_prog *prog)
{
	return prog ? prog->verified : 0;
}

const struct ubee_verify_stats *ubee_prog_verify_stats(const struct ubee_prog *prog)
{
	return prog ? &prog->vstats : NULL;
}

const struct ubee_prog_type *ubee_prog_get_type(const struct ubee_prog *prog)
{
	return prog ? prog->type : NULL;
}

int ubee_vm_prog_has_map(const struct ubee_prog *prog, const void *map)
{
	for (size_t i = 0; i < prog->nr_maps; i++)
		if (prog->maps[i] == map)
			return 1;
	return 0;
}

int ubee_vm_is_func(const struct ubee_prog *prog, uint64_t func)
{
	uintptr_t base = (uintptr_t)prog->code;
	uint64_t off = func - base;

	if (func < base || off >= prog->cnt * sizeof(*prog->code) ||
	    off % sizeof(*prog->code))
		return 0;
	return prog->func_entry && prog->func_entry[off / sizeof(*prog->code)];
}
