/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the map and prog commands' arguments in bpftool's words:
 * `key [hex] BYTES`, `value [hex] BYTES`, `any|exist|noexist`, numbers
 * and names. Pure functions over argv: nothing is printed, nothing is
 * changed; a failure writes one line naming the argument into err (the
 * command adds its usage hint) and returns -EINVAL. Shared with the
 * fuzz target tests/fuzz/fuzz_cliparse.c, which includes parse.c.
 */
#ifndef UBEE_CLI_PARSE_H
#define UBEE_CLI_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Longest map name kept (the kernel's BPF_OBJ_NAME_LEN - 1). */
#define CLI_NAME_MAX 15
/* The most bytes one key or value may be given with. */
#define CLI_DATA_MAX (1u << 20)

/* What cli_parse_elem may find: bits of `want` and of cli_elem.have. */
#define CLI_ELEM_KEY 1u
#define CLI_ELEM_VALUE 2u
#define CLI_ELEM_FLAGS 4u

/*
 * The element arguments after PINPATH. key and value point to buffers of
 * key_size and value_size bytes (the map's geometry) that the caller
 * owns; they are only written when the whole argument list parses.
 */
struct cli_elem {
	uint8_t *key;
	size_t key_size;
	uint8_t *value;
	size_t value_size;
	uint64_t flags;   /* UBEE_ANY (0), UBEE_NOEXIST (1), UBEE_EXIST (2) */
	unsigned have;    /* CLI_ELEM_* found */
};

/*
 * Parse argv[0..argc) as `[key [hex] BYTES] [value [hex] BYTES]
 * [any|exist|noexist]` allowing only the parts in want. Each BYTES list
 * must give exactly the buffer's size: one byte per token (decimal, 0x
 * hex or 0 octal, 0-255), or after `hex` tokens of hex digits, one or two
 * per byte or an even number for several bytes ("hex 00 08", "hex 0008").
 * Returns 0, or -EINVAL with err naming the argument ("key: expected 2
 * bytes, got 1", "value: '0x1zz' is not a byte", "unexpected argument
 * 'foo'"); the buffers are then untouched.
 */
int cli_parse_elem(int argc, char **argv, unsigned want, struct cli_elem *e,
		   char *err, size_t errsz);

/* "any" / "exist" / "noexist" to UBEE_ANY / UBEE_EXIST / UBEE_NOEXIST; -EINVAL. */
int cli_parse_update_flag(const char *s, uint64_t *flags);

/* An unsigned number (decimal or 0x hex) of at most max; -EINVAL. */
int cli_parse_num(const char *s, uint64_t max, uint64_t *out);

/*
 * The arguments of `map create PINPATH type T key K value V entries N
 * [name X] [flags F] [extra E]` after PINPATH. type names are
 * ubee_map_type_name()'s (bpftool's). Returns 0 or -EINVAL with err.
 */
struct cli_map_create {
	uint32_t type;
	uint32_t key_size, value_size, max_entries, flags;
	uint64_t extra;
	char name[CLI_NAME_MAX + 1];
};
int cli_parse_map_create(int argc, char **argv, struct cli_map_create *c,
			 char *err, size_t errsz);

#endif /* UBEE_CLI_PARSE_H */
