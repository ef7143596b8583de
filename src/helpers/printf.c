// SPDX-License-Identifier: MIT
/*
 * The format language of bpf_trace_printk, bpf_trace_vprintk and
 * bpf_snprintf, with the kernel's rules: a format is checked as a whole
 * before anything is written (every character printable or space, at
 * most one conversion per argument, only the conversions below), then
 * printed. Arguments are u64 values; pointers in them (%s, %pI4, ...) are
 * read without faulting, and an unreadable one prints as an empty string
 * (or a zero address), as in the kernel.
 *
 *   %[flags][width]conv      flags: '0' '+' '-' ' '   width: digits
 *   conv: d i u x X (int), ld lu lx ... lld llu llx ... (64 bits), c, s,
 *         p pK px ps pS pB (the address, 16 hex digits; not hashed),
 *         pks pus (strings), pi4 pI4 pi6 pI6 (addresses read from memory)
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"

/* A string argument is read up to this many bytes (the kernel's budget). */
#define STR_MAX 512

struct spec {
	unsigned minus : 1, plus : 1, space : 1, zero : 1;
	unsigned width;
	char conv;     /* d u x X c s p 4 6 (the last two: IP addresses) */
	char sub;      /* for 4/6: 'i' or 'I' */
	int is_long;   /* l or ll: 64 bits */
};

struct out {
	char *buf;
	size_t size;
	size_t len;    /* of the whole output, even past size */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void pad(struct out *o, char c, size_t n)
{
	char b[64];

	memset(b, c, sizeof(b));
	for (; n > sizeof(b); n -= sizeof(b))
		put(o, b, sizeof(b));
	put(o, b, n);
}

static int is_print_or_space(char c)
{
	unsigned char u = (unsigned char)c;

	return u < 0x80 && ((u >= 0x20 && u < 0x7f) || (u >= 9 && u <= 13));
}

static int is_punct(char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
	       (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/*
 * Parse the conversion after a '%' at f; returns the first character
 * after it, or NULL when the kernel would refuse it.
 */
static const char *parse(const char *f, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (;; f++) {
		if (*f == '0')
			sp->zero = 1;
		else if (*f == '+')
			sp->plus = 1;
		else if (*f == '-')
			sp->minus = 1;
		else if (*f == ' ')
			sp->space = 1;
		else
			break;
	}
	while (*f >= '0' && *f <= '9') {
		if (sp->width < 100000)
			sp->width = sp->width * 10 + (unsigned)(*f - '0');
		f++;
	}
	switch (*f) {
	case 'p':
		sp->conv = 'p';
		if ((f[1] == 'k' || f[1] == 'u') && f[2] == 's') {
			sp->conv = 's';
			return f + 3;
		}
		if (f[1] == 'K' || f[1] == 'x' || f[1] == 's' || f[1] == 'S' ||
		    f[1] == 'B')
			return f + 2;
		if (!f[1] || f[1] == ' ' || (f[1] >= 9 && f[1] <= 13) || is_punct(f[1]))
			return f + 1;
		if ((f[1] == 'i' || f[1] == 'I') && (f[2] == '4' || f[2] == '6')) {
			sp->conv = f[2];
			sp->sub = f[1];
			return f + 3;
		}
		return NULL;
	case 's':
	case 'c':
		sp->conv = *f;
		return f + 1;
	case 'l':
		sp->is_long = 1;
		if (*++f == 'l')
			f++;
		break;
	default:
		break;
	}
	if (*f == 'i' || *f == 'd')
		sp->conv = 'd';
	else if (*f == 'u' || *f == 'x' || *f == 'X')
		sp->conv = *f;
	else
		return NULL;
	return f + 1;
}

/* Text body[n] with sign/prefix pre[np], padded to the width. */
static void emit(struct out *o, const struct spec *sp, const char *pre,
		 size_t np, const char *body, size_t n, int zero_ok)
{
	size_t w = np + n, fill = sp->width > w ? sp->width - w : 0;

	if (!sp->minus && !(sp->zero && zero_ok))
		pad(o, ' ', fill);
	put(o, pre, np);
	if (!sp->minus && sp->zero && zero_ok)
		pad(o, '0', fill);
	put(o, body, n);
	if (sp->minus)
		pad(o, ' ', fill);
}

static void emit_number(struct out *o, const struct spec *sp, uint64_t v)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	const char *digits = sp->conv == 'X' ? upper : lower;
	unsigned base = sp->conv == 'x' || sp->conv == 'X' ? 16 : 10;
	char body[24], pre[1];
	size_t n = sizeof(body), np = 0;

	if (!sp->is_long)
		v = sp->conv == 'd' ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
	if (sp->conv == 'd') {
		if ((int64_t)v < 0) {
			pre[np++] = '-';
			v = -v;
		} else if (sp->plus) {
			pre[np++] = '+';
		} else if (sp->space) {
			pre[np++] = ' ';
		}
	}
	do {
		body[--n] = digits[v % base];
		v /= base;
	} while (v);
	emit(o, sp, pre, np, body + n, sizeof(body) - n, 1);
}

static void emit_ip(struct out *o, const struct spec *sp, uint64_t p)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t a[16];
	char body[48];
	size_t n = 0;

	ubee_probe_copy(a, (const void *)(uintptr_t)p, sp->conv == '4' ? 4 : 16);
	if (sp->conv == '4') {
		for (int i = 0; i < 4; i++) {
			unsigned v = a[i];

			if (i)
				body[n++] = '.';
			if (sp->sub == 'i' || v >= 100)
				body[n++] = (char)('0' + v / 100);
			if (sp->sub == 'i' || v >= 10)
				body[n++] = (char)('0' + v / 10 % 10);
			body[n++] = (char)('0' + v % 10);
		}
	} else {
		for (int i = 0; i < 16; i++) {
			if (sp->sub == 'I' && i && !(i & 1))
				body[n++] = ':';
			body[n++] = hex[a[i] >> 4];
			body[n++] = hex[a[i] & 15];
		}
	}
	emit(o, sp, "", 0, body, n, 0);
}

static void emit_one(struct out *o, const struct spec *sp, uint64_t v)
{
	char s[STR_MAX];
	long n;

	switch (sp->conv) {
	case 'c':
		s[0] = (char)v;
		emit(o, sp, "", 0, s, 1, 0);
		break;
	case 's':
		n = ubee_probe_copy_str(s, (const void *)(uintptr_t)v, sizeof(s));
		emit(o, sp, "", 0, s, n > 0 ? (size_t)n - 1 : 0, 0);
		break;
	case 'p': {
		/* 16 zero-padded hex digits unless a width says otherwise. */
		struct spec ps = *sp;

		ps.conv = 'x';
		ps.is_long = 1;
		if (!ps.width) {
			ps.width = 16;
			ps.zero = 1;
		}
		emit_number(o, &ps, v);
		break;
	}
	case '4':
	case '6':
		emit_ip(o, sp, v);
		break;
	default:
		emit_number(o, sp, v);
		break;
	}
}

long ubee_bprintf(char *out, size_t size, const char *fmt, size_t fmt_size,
		  const uint64_t *args, size_t nr_args)
{
	struct out o = { out, size, 0 };
	const char *end, *f;
	struct spec sp;
	size_t n = 0;

	end = fmt ? memchr(fmt, 0, fmt_size) : NULL;
	if (!end)
		return -EINVAL;
	/* Check everything first: a bad format prints nothing. */
	for (f = fmt; f < end;) {
		if (!is_print_or_space(*f))
			return -EINVAL;
		if (*f++ != '%')
			continue;
		if (*f == '%') {
			f++;
			continue;
		}
		if (n++ >= nr_args)
			return -EINVAL;
		f = parse(f, &sp);
		if (!f)
			return -EINVAL;
	}
	n = 0;
	for (f = fmt; f < end;) {
		const char *pct = memchr(f, '%', (size_t)(end - f));

		if (!pct) {
			put(&o, f, (size_t)(end - f));
			break;
		}
		put(&o, f, (size_t)(pct - f));
		if (pct[1] == '%') {
			put(&o, "%", 1);
			f = pct + 2;
			continue;
		}
		f = parse(pct + 1, &sp);
		emit_one(&o, &sp, args[n++]);
	}
	if (size)
		out[o.len < size ? o.len : size - 1] = '\0';
	return (long)o.len;
}
