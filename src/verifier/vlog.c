// SPDX-License-Identifier: MIT
/*
 * The verifier's log: register and stack states in the kernel's spelling
 * ("R1=ctx() R2=fp-8 R3=map_value(map=counts,ks=4,vs=8) R4=pkt(off=14,r=14)
 * R0=scalar(smin=0,smax=umax=255,var_off=(0x0; 0xff)) fp-8=mmmmmmmm")
 * and instruction lines ("12: (bf) r1 = r6").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ubee/asm.h"
#include "maps/maps.h"
#include "util/util.h"
#include "verifier/vstate.h"

const char *vtype_name(uint8_t type, uint8_t flags)
{
	bool null = flags & VF_NULL;

	switch (type) {
	case VT_NOT_INIT: return "?";
	case VT_SCALAR: return "scalar";
	case VT_CTX: return "ctx";
	case VT_STACK: return "fp";
	case VT_MAP_PTR: return null ? "map_ptr_or_null" : "map_ptr";
	case VT_MAP_VALUE: return null ? "map_value_or_null" : "map_value";
	case VT_MAP_KEY: return "map_key";
	case VT_PKT: return "pkt";
	case VT_PKT_META: return "pkt_meta";
	case VT_PKT_END: return "pkt_end";
	case VT_MEM:
		if (flags & VF_RINGBUF)
			return null ? "ringbuf_mem_or_null" : "ringbuf_mem";
		return null ? "mem_or_null" : (flags & VF_RDONLY) ? "rdonly_mem" : "mem";
	case VT_FUNC: return "func";
	case VT_BTF_ID: return null ? "ptr_or_null_" : "ptr_";
	case VT_SOCK:
		if (flags & VF_COMMON)
			return null ? "sock_common_or_null" : "sock_common";
		return null ? "sock_or_null" : "sock";
	default: return "?";
	}
}

#define ADD(...)                                                              \
	do {                                                                  \
		if (len < size) {                                             \
			int n_ = snprintf(buf + len, size - len, __VA_ARGS__); \
			if (n_ > 0)                                           \
				len += (size_t)n_;                            \
		}                                                             \
	} while (0)

int vlog_reg(char *buf, size_t size, const struct vreg *r)
{
	size_t len = 0;
	char sc[256];
	const char *sep = "";

	if (!size)
		return 0;
	buf[0] = 0;
	if (r->type == VT_SCALAR) {
		if (ubee_scalar_is_const(&r->s)) {
			ADD("%lld", (long long)r->s.var.value);
			return (int)len;
		}
		ubee_scalar_print(sc, sizeof(sc), &r->s);
		if (r->id)
			ADD("scalar(id=%u%s%s)", r->id, sc[0] ? "," : "", sc);
		else
			ADD("scalar(%s)", sc);
		return (int)len;
	}
	if (r->type == VT_STACK && !r->id && ubee_scalar_is_const(&r->s) &&
	    !r->s.var.value) {
		ADD("fp%d", r->off);
		return (int)len;
	}
	ADD("%s(", vtype_name(r->type, r->flags));
	if (r->id) {
		ADD("%sid=%u", sep, r->id);
		sep = ",";
	}
	if (r->ref_obj_id) {
		ADD("%sref_obj_id=%u", sep, r->ref_obj_id);
		sep = ",";
	}
	if (r->map && (r->type == VT_MAP_PTR || r->type == VT_MAP_VALUE ||
		       r->type == VT_MAP_KEY)) {
		ADD("%smap=%s,ks=%u,vs=%u", sep, r->map->name, r->map->key_size,
		    r->map->value_size);
		sep = ",";
	}
	if (r->off) {
		ADD("%soff=%d", sep, r->off);
		sep = ",";
	}
	if (r->type == VT_PKT || r->type == VT_PKT_META) {
		ADD("%sr=%u", sep, r->range);
		sep = ",";
	}
	if (r->type == VT_MEM) {
		ADD("%ssz=%u", sep, r->range);
		sep = ",";
	}
	if (!ubee_scalar_is_const(&r->s) || r->s.var.value) {
		ubee_scalar_print(sc, sizeof(sc), &r->s);
		if (ubee_scalar_is_const(&r->s))
			ADD("%simm=%lld", sep, (long long)r->s.var.value);
		else if (sc[0])
			ADD("%s%s", sep, sc);
	}
	ADD(")");
	return (int)len;
}

int vlog_state(struct venv *env, const struct vstate *st, char *buf,
	       size_t size)
{
	const struct vframe *f = st->frames[st->depth];
	size_t len = 0;
	char rb[384];

	(void)env;
	if (!size)
		return 0;
	buf[0] = 0;
	if (st->depth)
		ADD("frame%u: ", st->depth);
	for (int r = 0; r < NREGS; r++) {
		if (f->regs[r].type == VT_NOT_INIT)
			continue;
		vlog_reg(rb, sizeof(rb), &f->regs[r]);
		ADD("%sR%d=%s", len && buf[len - 1] != ' ' ? " " : "", r, rb);
	}
	for (uint32_t spi = 0; spi < f->nslots; spi++) {
		const struct vslot *s = &f->slots[spi];
		char k[SLOT + 1];
		bool any = false;

		if (slot_spilled(s) && s->spill_size == SLOT) {
			vlog_reg(rb, sizeof(rb), &s->spill);
			ADD(" fp%d=%s", -(int)(spi + 1) * SLOT, rb);
			continue;
		}
		for (int i = 0; i < SLOT; i++) {
			static const char c[] = { '?', 'm', '0', 'r' };

			/* kernel order: highest address first */
			k[i] = c[s->kind[SLOT - 1 - i] & 3];
			any |= s->kind[SLOT - 1 - i] != SK_INVALID;
		}
		k[SLOT] = 0;
		if (any)
			ADD(" fp%d=%s", -(int)(spi + 1) * SLOT, k);
	}
	return (int)len;
}

/* The trace stops growing here (the log keeps far less anyway). */
#define TRACE_MAX (64u << 20)

void vtrace_flush(struct venv *env)
{
	char *p, *end;

	if (!env->trace)
		return;
	p = env->trace;
	end = env->trace + env->trace_len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		ubee_logf(env->log, "%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
	env->trace_len = 0;
}

void vlogf(struct venv *env, const char *fmt, ...)
{
	va_list ap;

	if (env->trace_len)
		vtrace_flush(env);
	va_start(ap, fmt);
	ubee_vlogf(env->log, fmt, ap);
	va_end(ap);
}

/* Level 1: keep the line in the trace of the current path. */
static void trace_line(struct venv *env, const char *line)
{
	size_t n = strlen(line);

	if (env->trace_len + n + 1 > env->trace_cap) {
		size_t cap = env->trace_cap ? env->trace_cap * 2 : 4096;
		char *t;

		while (cap < env->trace_len + n + 1)
			cap *= 2;
		if (cap > TRACE_MAX)
			return;
		t = ubee_realloc(env->trace, cap);
		if (!t)
			return;
		env->trace = t;
		env->trace_cap = cap;
	}
	memcpy(env->trace + env->trace_len, line, n);
	env->trace_len += n;
	env->trace[env->trace_len++] = '\n';
}

void vlog_insn(struct venv *env, uint32_t idx)
{
	char text[160], line[200];

	ubee_disasm_insn(env->prog->insns, env->cnt, idx, NULL, text,
			 sizeof(text));
	snprintf(line, sizeof(line), "%u: (%02x) %s", idx,
		 env->prog->insns[idx].code, text);
	if (env->log_level == 1) {
		trace_line(env, line);
		return;
	}
	{
		int n = vlog_state(env, &env->cur, env->buf, sizeof(env->buf));

		if (n > 0)
			ubee_logf(env->log, "%u: %s", idx, env->buf);
	}
	ubee_logf(env->log, "%s", line);
}
