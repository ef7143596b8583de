// SPDX-License-Identifier: MIT
/*
 * CO-RE ("compile once, run everywhere") relocations: clang records, for
 * each instruction that depends on a type's layout, the local type, an
 * access string ("0:1:2": an index on the root pointer, then member or
 * element indices) and what the instruction needs (a field's byte
 * offset, size, existence, signedness, bitfield shifts; a type's id,
 * size or existence; an enumerator's value or existence). The loader
 * finds the same type in the target BTF by its name without a
 * "___flavour" suffix and kind, follows the access by member names
 * (looking through anonymous members, as libbpf does) and array indices
 * (within bounds unless the array is flexible), checks that the type it
 * reaches is compatible with the local one (libbpf's rules: composites
 * with composites, same kinds otherwise, enums and forwards by name,
 * arrays by element), and patches the instruction with the target's
 * value:
 *   ALU with an immediate  imm
 *   LDX/ST/STX             off (byte offsets only; an LDX of an unsigned
 *                          integer whose size differs is resized)
 *   lddw                   the 64-bit immediate
 * Before patching, the instruction must hold the local value (what clang
 * computed from the local type), which catches records that do not
 * belong to the instruction; not for bitfields, whose loads clang may
 * size differently (libbpf does not check those either). Every candidate type of that name is tried;
 * they must agree. A relocation without a match fails with a message
 * naming the program, instruction and type, except existence checks,
 * which become 0. TYPE_MATCHES is answered like TYPE_EXISTS (same name
 * and kind), not with libbpf's deeper structural comparison.
 *
 * Two BTFs are searched, as libbpf searches vmlinux and then the modules:
 * ubee's own context types (ubee_prog_type_btf: __sk_buff, xdp_md,
 * pt_regs, ...) first, then the target BTF (the kernel's, or the one the
 * load options name; there may be none). A name found among the context
 * types is resolved there only, even when the access does not match: the
 * context's layout is ubee's, whatever the kernel's type says. Type ids
 * (TYPE_ID_TARGET) are those of the BTF the type was found in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/loader.h"
#include "ubee/progtype.h"
#include "util/util.h"

#define CLS_LDX 0x01
#define CLS_ST 0x02
#define CLS_STX 0x03
#define CLS_ALU 0x04
#define CLS_ALU64 0x07
#define MODE_MEM 0x60
#define OP_LDDW 0x18

/* What a type access resolved to in one BTF. */
struct core_res {
	uint32_t root;       /* the root type (as named by the relocation or
			      * the matched candidate) */
	uint32_t field;      /* the type reached by the access */
	uint64_t bit_off;    /* from the root pointer */
	uint32_t bit_sz;     /* bitfield width, 0 for a whole field */
	int64_t enum_val;    /* ENUMVAL kinds */
};

/* One step of the local access that the target must follow. */
struct core_step {
	const char *name;    /* a member name, or NULL for an array index */
	uint32_t idx;
};

struct core_spec {
	uint32_t idx[UBEE_BTF_MAX_ACCESS_LEN];
	int n;
	struct core_step steps[UBEE_BTF_MAX_ACCESS_LEN];
	int nsteps;
	struct core_res local;
};

struct core_ctx {
	const struct obj_prog *p;
	size_t insn;                /* in the linked program */
	const char *sec;
	size_t sec_insn;
	const struct ubee_btf *lbtf;
	const struct ubee_btf *tbtf;    /* the BTF being searched */
	const struct ubee_btf *target;  /* the kernel's or the given one, or
					 * NULL */
	struct ubee_btf_core_relo r;
	struct ubee_log *log;
};

static void core_err(const struct core_ctx *c, const char *fmt, ...)
	UBEE_PRINTF(2, 3);
static void core_err(const struct core_ctx *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ubee_logf(c->log, "program '%s': instruction %zu (%s instruction %zu): CO-RE %s relocation of %s %s [%u] access %s: %s",
		  c->p->name, c->insn, c->sec, c->sec_insn,
		  ubee_core_kind_name((int)c->r.kind),
		  ubee_btf_kind_name(ubee_btf_kind(c->lbtf, c->r.type_id)),
		  ubee_btf_name(c->lbtf, c->r.type_id), c->r.type_id,
		  c->r.access, why);
}

static int is_composite(int kind)
{
	return kind == UBEE_BTF_KIND_STRUCT || kind == UBEE_BTF_KIND_UNION;
}

static int is_enum(int kind)
{
	return kind == UBEE_BTF_KIND_ENUM || kind == UBEE_BTF_KIND_ENUM64;
}

static int is_field_kind(uint32_t k)
{
	return k <= UBEE_CORE_FIELD_RSHIFT_U64;
}

/* Length of a name without its "___flavour" suffix. */
static size_t essential_len(const char *name)
{
	const char *f = strstr(name, "___");

	return f ? (size_t)(f - name) : strlen(name);
}

static int names_match(const char *a, const char *b)
{
	size_t n = essential_len(a);

	return n == essential_len(b) && !strncmp(a, b, n);
}

/* libbpf's field compatibility: composite with composite, same kinds
 * otherwise (enums of either width together), ints without bit offsets,
 * arrays of compatible elements, enums and forwards with one name. */
static int fields_compat(const struct ubee_btf *lb, uint32_t lid,
			 const struct ubee_btf *tb, uint32_t tid)
{
	for (int depth = 0; depth < UBEE_BTF_MAX_ACCESS_LEN; depth++) {
		int l = ubee_btf_resolve(lb, lid), t = ubee_btf_resolve(tb, tid);
		int lk, tk;
		struct ubee_btf_int li, ti;
		struct ubee_btf_array la, ta;

		if (l < 0 || t < 0)
			return 0;
		lk = ubee_btf_kind(lb, (uint32_t)l);
		tk = ubee_btf_kind(tb, (uint32_t)t);
		if (is_composite(lk) && is_composite(tk))
			return 1;
		if (lk != tk && !(is_enum(lk) && is_enum(tk)))
			return 0;
		switch (lk) {
		case UBEE_BTF_KIND_PTR:
		case UBEE_BTF_KIND_FLOAT:
			return 1;
		case UBEE_BTF_KIND_FWD:
		case UBEE_BTF_KIND_ENUM:
		case UBEE_BTF_KIND_ENUM64: {
			const char *ln = ubee_btf_name(lb, (uint32_t)l);
			const char *tn = ubee_btf_name(tb, (uint32_t)t);

			return !ln[0] || !tn[0] || names_match(ln, tn);
		}
		case UBEE_BTF_KIND_INT:
			return !ubee_btf_int(lb, (uint32_t)l, &li) &&
			       !ubee_btf_int(tb, (uint32_t)t, &ti) &&
			       !li.offset && !ti.offset;
		case UBEE_BTF_KIND_ARRAY:
			if (ubee_btf_array(lb, (uint32_t)l, &la) ||
			    ubee_btf_array(tb, (uint32_t)t, &ta))
				return 0;
			lid = la.type;
			tid = ta.type;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

/* Follow the access string through the local BTF, recording the named
 * steps the target must match. */
static int local_spec(struct core_ctx *c, struct core_spec *s)
{
	const struct ubee_btf *b = c->lbtf;
	int cur = ubee_btf_resolve(b, c->r.type_id);
	int64_t sz;

	s->n = ubee_core_access_parse(c->r.access, s->idx, UBEE_BTF_MAX_ACCESS_LEN);
	if (s->n < 1 || cur < 0) {
		core_err(c, "malformed access string");
		return -EINVAL;
	}
	memset(&s->local, 0, sizeof(s->local));
	s->nsteps = 0;
	s->local.root = c->r.type_id;
	if (!is_field_kind(c->r.kind)) {
		if (s->n != 1 || (s->idx[0] && !is_enum(ubee_btf_kind(b, (uint32_t)cur)))) {
			core_err(c, "a type relocation's access must be \"0\"");
			return -EINVAL;
		}
		if (c->r.kind == UBEE_CORE_ENUMVAL_EXISTS ||
		    c->r.kind == UBEE_CORE_ENUMVAL_VALUE) {
			struct ubee_btf_enum_val ev;

			if (!is_enum(ubee_btf_kind(b, (uint32_t)cur)) ||
			    ubee_btf_enum_val(b, (uint32_t)cur, s->idx[0], &ev)) {
				core_err(c, "no enumerator %u", s->idx[0]);
				return -EINVAL;
			}
			s->steps[0].name = ev.name;
			s->nsteps = 1;
			s->local.enum_val = (int64_t)ev.value;
		}
		return 0;
	}
	sz = ubee_btf_size(b, (uint32_t)cur);
	if (sz < 0) {
		core_err(c, "the root type has no size");
		return -EINVAL;
	}
	s->local.bit_off = (uint64_t)s->idx[0] * (uint64_t)sz * 8;
	for (int k = 1; k < s->n; k++) {
		int kind = ubee_btf_kind(b, (uint32_t)cur);

		if (is_composite(kind)) {
			struct ubee_btf_member m;

			if (ubee_btf_member(b, (uint32_t)cur, s->idx[k], &m)) {
				core_err(c, "no member %u in [%d]", s->idx[k], cur);
				return -EINVAL;
			}
			s->local.bit_off += m.bit_offset;
			s->local.bit_sz = m.bitfield_size;
			s->local.field = m.type;
			if (m.name[0]) {
				s->steps[s->nsteps].name = m.name;
				s->steps[s->nsteps++].idx = 0;
			}
		} else if (kind == UBEE_BTF_KIND_ARRAY) {
			struct ubee_btf_array a;

			if (ubee_btf_array(b, (uint32_t)cur, &a) ||
			    (sz = ubee_btf_size(b, a.type)) < 0) {
				core_err(c, "bad array [%d]", cur);
				return -EINVAL;
			}
			s->local.bit_off += (uint64_t)s->idx[k] * (uint64_t)sz * 8;
			s->local.bit_sz = 0;
			s->local.field = a.type;
			s->steps[s->nsteps].name = NULL;
			s->steps[s->nsteps++].idx = s->idx[k];
		} else {
			core_err(c, "step %d goes into a %s", k, ubee_btf_kind_name(kind));
			return -EINVAL;
		}
		cur = ubee_btf_resolve(b, s->local.field);
		if (cur < 0)
			return -EINVAL;
	}
	if (s->n == 1)
		s->local.field = c->r.type_id;
	return 0;
}

/*
 * Find member `name` in composite id of b, looking through anonymous
 * members; adds its bit offset to *bit_off. 1 found, 0 not.
 */
static int find_member(const struct ubee_btf *b, uint32_t id, const char *name,
		       int depth, uint64_t *bit_off, struct ubee_btf_member *out)
{
	struct ubee_btf_type t;

	if (depth > UBEE_BTF_MAX_ACCESS_LEN || ubee_btf_type(b, id, &t) ||
	    !is_composite(t.kind))
		return 0;
	for (uint32_t i = 0; i < t.vlen; i++) {
		struct ubee_btf_member m;
		uint64_t off = *bit_off;
		int r;

		if (ubee_btf_member(b, id, i, &m))
			return 0;
		if (m.name[0]) {
			if (strcmp(m.name, name))
				continue;
			*bit_off += m.bit_offset;
			*out = m;
			return 1;
		}
		r = ubee_btf_resolve(b, m.type);
		off += m.bit_offset;
		if (r > 0 && find_member(b, (uint32_t)r, name, depth + 1, &off, out)) {
			*bit_off = off;
			return 1;
		}
	}
	return 0;
}

/* Follow the local steps from candidate root cand of the target. 1 when
 * every step matches, with *res filled in. */
static int match(const struct core_ctx *c, const struct core_spec *s,
		 uint32_t cand, struct core_res *res)
{
	const struct ubee_btf *b = c->tbtf;
	int cur = ubee_btf_resolve(b, cand);
	int64_t sz;

	memset(res, 0, sizeof(*res));
	res->root = cand;
	res->field = cand;
	if (cur < 0)
		return 0;
	if (c->r.kind == UBEE_CORE_ENUMVAL_EXISTS ||
	    c->r.kind == UBEE_CORE_ENUMVAL_VALUE) {
		struct ubee_btf_type t;

		if (ubee_btf_type(b, (uint32_t)cur, &t))
			return 0;
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_enum_val ev;

			if (!ubee_btf_enum_val(b, (uint32_t)cur, i, &ev) &&
			    names_match(ev.name, s->steps[0].name)) {
				res->enum_val = (int64_t)ev.value;
				return 1;
			}
		}
		return 0;
	}
	if (!is_field_kind(c->r.kind))
		return 1;
	sz = ubee_btf_size(b, (uint32_t)cur);
	if (sz < 0)
		return 0;
	res->bit_off = (uint64_t)s->idx[0] * (uint64_t)sz * 8;
	for (int k = 0; k < s->nsteps; k++) {
		const struct core_step *st = &s->steps[k];

		if (st->name) {
			struct ubee_btf_member m;

			if (!find_member(b, (uint32_t)cur, st->name, 0,
					 &res->bit_off, &m))
				return 0;
			res->bit_sz = m.bitfield_size;
			res->field = m.type;
		} else {
			struct ubee_btf_array a;

			if (ubee_btf_array(b, (uint32_t)cur, &a) ||
			    (a.nelems && st->idx >= a.nelems) ||
			    (sz = ubee_btf_size(b, a.type)) < 0)
				return 0;
			res->bit_off += (uint64_t)st->idx * (uint64_t)sz * 8;
			res->bit_sz = 0;
			res->field = a.type;
		}
		cur = ubee_btf_resolve(b, res->field);
		if (cur < 0)
			return 0;
	}
	/* The type reached must be compatible with the local one. */
	return fields_compat(c->lbtf, s->n > 1 ? s->local.field : c->r.type_id,
			     b, res->field);
}

/* The value a relocation kind asks for, from a resolved access. */
static int field_value(const struct core_ctx *c, const struct ubee_btf *b,
		       const struct core_res *res, uint64_t *val,
		       uint32_t *byte_sz_out)
{
	int mt = ubee_btf_resolve(b, res->field);
	uint64_t byte_off, byte_sz, bit_sz = res->bit_sz;
	int64_t sz;

	if (mt < 0 || (sz = ubee_btf_size(b, (uint32_t)mt)) < 0) {
		core_err(c, "the field has no size");
		return -EINVAL;
	}
	byte_sz = (uint64_t)sz;
	if (!bit_sz) {
		byte_off = res->bit_off / 8;
		bit_sz = byte_sz * 8;
	} else {
		if (!byte_sz || byte_sz > 8) {
			core_err(c, "a bitfield of a %llu-byte type",
				 (unsigned long long)byte_sz);
			return -EINVAL;
		}
		byte_off = res->bit_off / 8 / byte_sz * byte_sz;
		while (res->bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8) {
				core_err(c, "the bitfield cannot be read with one 64-bit load");
				return -EINVAL;
			}
			byte_sz *= 2;
			byte_off = res->bit_off / 8 / byte_sz * byte_sz;
		}
	}
	*byte_sz_out = (uint32_t)byte_sz;
	switch (c->r.kind) {
	case UBEE_CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		break;
	case UBEE_CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case UBEE_CORE_FIELD_EXISTS:
		*val = 1;
		break;
	case UBEE_CORE_FIELD_SIGNED: {
		struct ubee_btf_type t;
		struct ubee_btf_int in;

		ubee_btf_type(b, (uint32_t)mt, &t);
		*val = (is_enum(t.kind) && t.kflag) ||
		       (t.kind == UBEE_BTF_KIND_INT &&
			!ubee_btf_int(b, (uint32_t)mt, &in) &&
			(in.encoding & UBEE_BTF_INT_SIGNED));
		break;
	}
	case UBEE_CORE_FIELD_LSHIFT_U64:
		*val = 64 - (res->bit_off + bit_sz - byte_off * 8);
		break;
	default: /* UBEE_CORE_FIELD_RSHIFT_U64 */
		*val = 64 - bit_sz;
		break;
	}
	return 0;
}

/* The value for one side (local or target); found 0 means "no match". */
static int value_of(const struct core_ctx *c, const struct ubee_btf *b,
		    const struct core_res *res, int found, uint64_t *val,
		    uint32_t *byte_sz)
{
	int64_t sz;

	*byte_sz = 0;
	switch (c->r.kind) {
	case UBEE_CORE_TYPE_ID_LOCAL:
		*val = c->r.type_id;
		return 0;
	case UBEE_CORE_TYPE_ID_TARGET:
		*val = res->root;
		return 0;
	case UBEE_CORE_TYPE_EXISTS:
	case UBEE_CORE_TYPE_MATCHES:
	case UBEE_CORE_ENUMVAL_EXISTS:
		*val = found;
		return 0;
	case UBEE_CORE_TYPE_SIZE:
		sz = ubee_btf_size(b, res->root);
		if (sz < 0) {
			core_err(c, "the type has no size");
			return -EINVAL;
		}
		*val = (uint64_t)sz;
		return 0;
	case UBEE_CORE_ENUMVAL_VALUE:
		*val = (uint64_t)res->enum_val;
		return 0;
	default:
		if (!found) { /* only FIELD_EXISTS gets here unmatched */
			*val = 0;
			return 0;
		}
		return field_value(c, b, res, val, byte_sz);
	}
}

static int bpf_size_of(int bytes)
{
	switch (bytes) {
	case 1: return 0x10;
	case 2: return 0x08;
	case 4: return 0x00;
	case 8: return 0x18;
	}
	return -1;
}

static int bytes_of(uint8_t code)
{
	static const int b[4] = { 4, 2, 1, 8 };

	return b[(code >> 3) & 3];
}

/* Check that insn holds the local value (unless !validate), then write
 * the target's; last: insn is the program's last slot (no room for an
 * lddw's second). */
static int patch(const struct core_ctx *c, struct ubee_insn *in, int last,
		 uint64_t orig, uint64_t val, uint32_t orig_sz,
		 uint32_t new_sz, int unsigned_field, int validate)
{
	int cls = in->code & 7;

	if ((cls == CLS_ALU || cls == CLS_ALU64) && !(in->code & 0x08)) {
		if (validate && (uint64_t)(int64_t)in->imm != orig &&
		    (uint32_t)in->imm != orig) {
			core_err(c, "the instruction's immediate %d is not the local value %llu",
				 in->imm, (unsigned long long)orig);
			return -EINVAL;
		}
		if (val > UINT32_MAX && (int64_t)val != (int32_t)val) {
			core_err(c, "value %llu does not fit a 32-bit immediate",
				 (unsigned long long)val);
			return -EINVAL;
		}
		in->imm = (int32_t)(uint32_t)val;
		return 0;
	}
	if (((cls == CLS_LDX || cls == CLS_ST || cls == CLS_STX) &&
	     (in->code & 0xe0) == MODE_MEM)) {
		if (c->r.kind != UBEE_CORE_FIELD_BYTE_OFFSET) {
			core_err(c, "a memory access can only take a byte offset");
			return -EINVAL;
		}
		if (validate && (uint64_t)(int64_t)in->off != orig) {
			core_err(c, "the instruction's offset %d is not the local offset %llu",
				 in->off, (unsigned long long)orig);
			return -EINVAL;
		}
		if (val > INT16_MAX) {
			core_err(c, "offset %llu does not fit an instruction",
				 (unsigned long long)val);
			return -EINVAL;
		}
		in->off = (int16_t)val;
		if (orig_sz != new_sz) {
			int sz = bpf_size_of((int)new_sz);

			if (cls != CLS_LDX || !unsigned_field || sz < 0 ||
			    bytes_of(in->code) != (int)orig_sz) {
				core_err(c, "the field is %u bytes in the target, %u here, and the access cannot be resized",
					 new_sz, orig_sz);
				return -EINVAL;
			}
			in->code = (uint8_t)((in->code & ~0x18) | sz);
		}
		return 0;
	}
	if (in->code == OP_LDDW && !in->src_reg && !last) {
		uint64_t cur = (uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;

		if (validate && cur != orig) {
			core_err(c, "the lddw's value %llu is not the local value %llu",
				 (unsigned long long)cur, (unsigned long long)orig);
			return -EINVAL;
		}
		in[0].imm = (int32_t)(uint32_t)val;
		in[1].imm = (int32_t)(uint32_t)(val >> 32);
		return 0;
	}
	core_err(c, "instruction opcode 0x%02x cannot be relocated", in->code);
	return -EINVAL;
}

/* 1 when the target field is an unsigned integer, enum or pointer (a
 * load of it may change width without sign extension). */
static int unsigned_field(const struct ubee_btf *b, uint32_t id)
{
	int r = ubee_btf_resolve(b, id);
	struct ubee_btf_type t;
	struct ubee_btf_int in;

	if (r < 0 || ubee_btf_type(b, (uint32_t)r, &t))
		return 0;
	if (t.kind == UBEE_BTF_KIND_PTR)
		return 1;
	if (is_enum(t.kind))
		return !t.kflag;
	return t.kind == UBEE_BTF_KIND_INT && !ubee_btf_int(b, (uint32_t)r, &in) &&
	       !(in.encoding & UBEE_BTF_INT_SIGNED);
}

/* What the candidates of one BTF gave. */
struct core_target {
	int ncand;                  /* types of the name and kind */
	int found;                  /* of which the access matched */
	uint64_t val;               /* the value they agree on */
	uint32_t sz;                /* the field's size (field kinds) */
	struct core_res first;      /* the first match */
};

/*
 * Try every type named ess of the relocation's kind in c->tbtf. Returns
 * 0 (with *t; t->ncand 0 when the BTF has no such type) or -EINVAL when
 * two candidates give different values. Work: the candidates times the
 * access length.
 */
static int resolve_in(const struct core_ctx *c, const struct core_spec *s,
		      const char *ess, int kind, struct core_target *t)
{
	const struct ubee_btf *b = c->tbtf;
	struct core_res res;
	uint64_t v;
	uint32_t sz;
	int id, err;

	memset(t, 0, sizeof(*t));
	for (id = ubee_btf_find(b, ess, UBEE_BTF_KIND_ANY); id > 0;
	     id = ubee_btf_find_next(b, ess, UBEE_BTF_KIND_ANY, (uint32_t)id)) {
		int tk = ubee_btf_kind(b, (uint32_t)id);

		if (tk != kind && !(is_enum(tk) && is_enum(kind)))
			continue;
		t->ncand++;
		if (!match(c, s, (uint32_t)id, &res))
			continue;
		err = value_of(c, b, &res, 1, &v, &sz);
		if (err)
			return err;
		if (t->found && v != t->val) {
			core_err(c, "target types [%u] and [%u] give different values (%llu, %llu)",
				 t->first.root, res.root, (unsigned long long)t->val,
				 (unsigned long long)v);
			return -EINVAL;
		}
		if (!t->found)
			t->first = res;
		t->found = 1;
		t->val = v;
		t->sz = sz;
	}
	return 0;
}

static int apply_one(struct core_ctx *c, struct ubee_insn *insns, size_t cnt)
{
	const struct ubee_btf *ctx_btf;
	struct core_spec s;
	struct core_target t;
	uint64_t orig, val;
	uint32_t orig_sz, new_sz;
	const char *name, *where;
	char ess[256];
	int kind, err;

	if (c->insn >= cnt) {
		core_err(c, "the instruction is outside the program");
		return -EINVAL;
	}
	err = local_spec(c, &s);
	if (!err)
		err = value_of(c, c->lbtf, &s.local, 1, &orig, &orig_sz);
	if (err)
		return err;
	if (c->r.kind == UBEE_CORE_TYPE_ID_LOCAL)
		return patch(c, &insns[c->insn], c->insn + 1 == cnt, orig, orig,
			     0, 0, 0, 1);
	name = ubee_btf_name(c->lbtf, c->r.type_id);
	kind = ubee_btf_kind(c->lbtf, c->r.type_id);
	if (!name || !name[0] || essential_len(name) >= sizeof(ess)) {
		core_err(c, "the type has no usable name to look up");
		return -EINVAL;
	}
	snprintf(ess, sizeof(ess), "%.*s", (int)essential_len(name), name);
	ctx_btf = ubee_prog_type_btf();
	if (!ctx_btf) {
		core_err(c, "out of memory building ubee's context type BTF");
		return -ENOMEM;
	}
	c->tbtf = ctx_btf;
	where = "ubee's context types";
	err = resolve_in(c, &s, ess, kind, &t);
	if (!err && !t.ncand) {
		if (!c->target) {
			core_err(c, "ubee's context types have no %s '%s', and there is no target BTF to resolve it against (no /sys/kernel/btf/vmlinux, and none given)",
				 ubee_btf_kind_name(kind), ess);
			return -EINVAL;
		}
		c->tbtf = c->target;
		where = "the target BTF";
		err = resolve_in(c, &s, ess, kind, &t);
	}
	if (err)
		return err;
	val = t.val;
	new_sz = t.sz;
	if (!t.found) {
		if (c->r.kind != UBEE_CORE_FIELD_EXISTS &&
		    c->r.kind != UBEE_CORE_TYPE_EXISTS &&
		    c->r.kind != UBEE_CORE_TYPE_MATCHES &&
		    c->r.kind != UBEE_CORE_ENUMVAL_EXISTS) {
			core_err(c, "no type '%s' in %s has this %s", ess, where,
				 is_field_kind(c->r.kind) ? "field" :
				 c->r.kind == UBEE_CORE_ENUMVAL_VALUE ? "enumerator" : "kind");
			return -EINVAL;
		}
		val = 0;
		new_sz = orig_sz;
	}
	/*
	 * clang and libbpf may size a bitfield's load differently (clang
	 * wrote 4 bytes for iphdr's ihl:4, libbpf computes 1): as libbpf,
	 * trust the local value only for whole fields.
	 */
	return patch(c, &insns[c->insn], c->insn + 1 == cnt, orig, val,
		     orig_sz, new_sz,
		     t.found && is_field_kind(c->r.kind) &&
		     unsigned_field(c->tbtf, t.first.field),
		     !(is_field_kind(c->r.kind) && s.local.bit_sz));
}

int obj_core_needed(const struct ubee_object *obj, const struct obj_prog *p)
{
	for (size_t k = 0; k < p->nr_chunks; k++) {
		size_t first, end;

		if (obj_ext_range(obj, UBEE_BTF_EXT_CORE, p->chunks[k].sec,
				  p->chunks[k].start, p->chunks[k].cnt, &first,
				  &end) && first < end)
			return 1;
	}
	return 0;
}

int obj_core_apply(struct ubee_object *obj, struct obj_prog *p,
		   const struct ubee_btf *target, struct ubee_log *log)
{
	struct core_ctx c;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.lbtf = obj->btf;
	c.target = target;
	c.log = log;
	for (size_t k = 0; k < p->nr_chunks; k++) {
		const struct obj_chunk *ch = &p->chunks[k];
		const struct obj_ext_sec *x;
		size_t j, end;

		x = obj_ext_range(obj, UBEE_BTF_EXT_CORE, ch->sec, ch->start,
				  ch->cnt, &j, &end);
		c.sec = obj->secs[ch->sec].name;
		for (; x && j < end; j++) {
			size_t at;
			int err;

			if (ubee_btf_ext_core(obj->ext, x->es, x->ents[j].rec, &c.r))
				return -EINVAL;
			at = c.r.insn_off / sizeof(struct ubee_insn);
			c.sec_insn = at;
			c.insn = ch->dest + (at - ch->start);
			err = apply_one(&c, p->final, p->nr_insns);
			if (err)
				return err;
		}
	}
	return 0;
}
