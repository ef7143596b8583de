// SPDX-License-Identifier: MIT
/*
 * Argument parsing for the map and prog commands (see parse.h): bpftool's
 * `key [hex] BYTES value [hex] BYTES [any|exist|noexist]` and `map
 * create`'s keyword list, checked completely before anything is written,
 * so that a command with one bad argument changes nothing. Bounds: one
 * pass over the arguments per list, two for byte lists (count, then copy).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "ubee/map.h"

__attribute__((format(printf, 3, 4))) static int
perr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cli_parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* strtoull alone takes spaces, signs and "-1" as ULLONG_MAX. */
	if (!s || !is_digit(s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Words that end a BYTES list. */
static int is_keyword(const char *s)
{
	static const char *const words[] = { "key", "value", "any", "exist",
					     "noexist" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i]))
			return 1;
	return 0;
}

int cli_parse_update_flag(const char *s, uint64_t *flags)
{
	if (!strcmp(s, "any"))
		*flags = UBEE_ANY;
	else if (!strcmp(s, "exist"))
		*flags = UBEE_EXIST;
	else if (!strcmp(s, "noexist"))
		*flags = UBEE_NOEXIST;
	else
		return -EINVAL;
	return 0;
}

/*
 * The bytes of one token into out (NULL: count only), at most room of
 * them written. Returns the number of bytes the token stands for, or -1
 * when it is not a byte list.
 */
static long token_bytes(const char *s, int hex, uint8_t *out, size_t room)
{
	size_t n = strlen(s);
	uint64_t v;

	if (!hex) {
		if (cli_parse_num(s, 255, &v))
			return -1;
		if (out && room)
			out[0] = (uint8_t)v;
		return 1;
	}
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2; /* "0x1f": one byte */
		n -= 2;
		if (n > 2)
			return -1;
	}
	if (n == 0 || (n > 2 && n % 2))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (hex_val(s[i]) < 0)
			return -1;
	if (n <= 2) {
		if (out && room)
			out[0] = (uint8_t)(n == 1 ? hex_val(s[0]) :
					   hex_val(s[0]) * 16 + hex_val(s[1]));
		return 1;
	}
	for (size_t i = 0; i < n / 2 && out && i < room; i++)
		out[i] = (uint8_t)(hex_val(s[2 * i]) * 16 + hex_val(s[2 * i + 1]));
	return (long)(n / 2);
}

/*
 * A BYTES list starting at argv[*i] (after `key`/`value`): tokens up to
 * the next keyword. On success *i is past the list and out (when not
 * NULL) holds exactly size bytes.
 */
static int parse_bytes(int argc, char **argv, int *i, const char *what,
		       uint8_t *out, size_t size, char *err, size_t errsz)
{
	int hex = 0, start;
	size_t got = 0;

	if (*i < argc && !strcmp(argv[*i], "hex")) {
		hex = 1;
		(*i)++;
	}
	start = *i;
	for (; *i < argc && !is_keyword(argv[*i]); (*i)++) {
		long n = token_bytes(argv[*i], hex, NULL, 0);

		if (n < 0)
			return perr(err, errsz, "%s: '%s' is not a %s", what,
				    argv[*i], hex ? "hex byte string" :
				    "byte (0-255, or 0x00-0xff)");
		got += (size_t)n;
		if (got > CLI_DATA_MAX)
			return perr(err, errsz, "%s: more than %u bytes", what,
				    CLI_DATA_MAX);
	}
	if (got != size)
		return perr(err, errsz, "%s: expected %zu byte%s, got %zu", what,
			    size, size == 1 ? "" : "s", got);
	if (!out)
		return 0;
	for (int j = start; j < *i; j++) {
		long n = token_bytes(argv[j], hex, out, size);

		out += n;
		size -= (size_t)n;
	}
	return 0;
}

/*
 * One pass of cli_parse_elem: with write 0 only checks, with write 1
 * fills the buffers (the arguments were checked already).
 */
static int elem_pass(int argc, char **argv, unsigned want, struct cli_elem *e,
		     int write, char *err, size_t errsz)
{
	int i = 0, err_;

	e->have = 0;
	while (i < argc) {
		const char *a = argv[i];
		unsigned bit = !strcmp(a, "key") ? CLI_ELEM_KEY :
			       !strcmp(a, "value") ? CLI_ELEM_VALUE :
			       !cli_parse_update_flag(a, &(uint64_t){ 0 }) ?
			       CLI_ELEM_FLAGS : 0;

		if (!bit || !(want & bit))
			return perr(err, errsz, "unexpected argument '%s'", a);
		if (e->have & bit)
			return perr(err, errsz, "'%s' given twice", a);
		e->have |= bit;
		i++;
		if (bit == CLI_ELEM_FLAGS) {
			if (write)
				cli_parse_update_flag(a, &e->flags);
			continue;
		}
		err_ = bit == CLI_ELEM_KEY ?
		       parse_bytes(argc, argv, &i, "key", write ? e->key : NULL,
				   e->key_size, err, errsz) :
		       parse_bytes(argc, argv, &i, "value",
				   write ? e->value : NULL, e->value_size, err,
				   errsz);
		if (err_)
			return err_;
	}
	return 0;
}

int cli_parse_elem(int argc, char **argv, unsigned want, struct cli_elem *e,
		   char *err, size_t errsz)
{
	int ret = elem_pass(argc, argv, want, e, 0, err, errsz);

	if (ret)
		return ret;
	e->flags = UBEE_ANY;
	return elem_pass(argc, argv, want, e, 1, err, errsz);
}

/* A u32 keyword argument of map create. */
static int create_u32(const char *what, const char *v, uint32_t *out,
		      char *err, size_t errsz)
{
	uint64_t n;

	if (cli_parse_num(v, UINT32_MAX, &n))
		return perr(err, errsz, "%s: '%s' is not a number from 0 to %u",
			    what, v, UINT32_MAX);
	*out = (uint32_t)n;
	return 0;
}

int cli_parse_map_create(int argc, char **argv, struct cli_map_create *c,
			 char *err, size_t errsz)
{
	enum { T = 1, K = 2, V = 4, E = 8 };
	unsigned have = 0;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < argc && !ret; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return perr(err, errsz, "%s: missing value", a);
		if (!strcmp(a, "type")) {
			int t = ubee_map_type_by_name(v);

			if (t < 0)
				return perr(err, errsz, "type: unknown map type '%s'", v);
			c->type = (uint32_t)t;
			have |= T;
		} else if (!strcmp(a, "key")) {
			ret = create_u32("key", v, &c->key_size, err, errsz);
			have |= K;
		} else if (!strcmp(a, "value")) {
			ret = create_u32("value", v, &c->value_size, err, errsz);
			have |= V;
		} else if (!strcmp(a, "entries")) {
			ret = create_u32("entries", v, &c->max_entries, err, errsz);
			have |= E;
		} else if (!strcmp(a, "flags")) {
			ret = create_u32("flags", v, &c->flags, err, errsz);
		} else if (!strcmp(a, "extra")) {
			if (cli_parse_num(v, UINT64_MAX, &c->extra))
				return perr(err, errsz, "extra: '%s' is not a number", v);
		} else if (!strcmp(a, "name")) {
			if (strlen(v) > CLI_NAME_MAX)
				return perr(err, errsz,
					    "name: '%s' is longer than %d characters",
					    v, CLI_NAME_MAX);
			strcpy(c->name, v);
		} else {
			return perr(err, errsz, "unexpected argument '%s'", a);
		}
	}
	if (ret)
		return ret;
	if (have != (T | K | V | E))
		return perr(err, errsz, "missing %s",
			    !(have & T) ? "type" : !(have & K) ? "key" :
			    !(have & V) ? "value" : "entries");
	return 0;
}
