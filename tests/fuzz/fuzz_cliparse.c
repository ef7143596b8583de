// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the CLI's argument parsers (cli/parse.c, included here:
 * fuzz targets link the library only). The input's first two bytes give
 * a key and a value size (0-31 bytes each); the rest is split at spaces
 * and NULs into at most FUZZ_MAX_ARGS arguments, parsed as a map element
 * list (`key [hex] BYTES value [hex] BYTES [any|exist|noexist]`) and as
 * `map create` arguments.
 *
 * Properties checked besides "no crash, leak or undefined behaviour":
 *  - a failure returns -EINVAL with a message and leaves both buffers
 *    untouched (nothing changes on error);
 *  - a success reports only parts that were asked for, and printing the
 *    parsed key and value back as `key hex .. value hex ..` parses to the
 *    same bytes;
 *  - map create succeeds only with a known type and every required size.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../cli/parse.c"
#include "ubee/map.h"

#define FUZZ_MAX_ARGS 64

/* key, value: the parsed buffers; check `key hex K value hex V` agrees. */
static void cliparse_roundtrip(const struct cli_elem *e)
{
	char kbuf[2 * 32 + 1], vbuf[2 * 32 + 1], err[256];
	uint8_t k2[32], v2[32];
	struct cli_elem e2 = { k2, e->key_size, v2, e->value_size, 0, 0 };
	char *full[6];
	int n = 0;

	for (size_t i = 0; i < e->key_size; i++)
		sprintf(kbuf + 2 * i, "%02x", e->key[i]);
	for (size_t i = 0; i < e->value_size; i++)
		sprintf(vbuf + 2 * i, "%02x", e->value[i]);
	full[n++] = "key";
	full[n++] = "hex";
	if (e->key_size)
		full[n++] = kbuf;
	full[n++] = "value";
	full[n++] = "hex";
	if (e->value_size)
		full[n++] = vbuf;
	if (cli_parse_elem(n, full, CLI_ELEM_KEY | CLI_ELEM_VALUE, &e2, err,
			   sizeof(err)))
		FUZZ_FAIL("round trip of the parsed bytes fails: %s", err);
	if (memcmp(k2, e->key, e->key_size) || memcmp(v2, e->value, e->value_size))
		FUZZ_FAIL("round trip changed the bytes");
}

static void fuzz_cliparse_one(const uint8_t *data, size_t size)
{
	uint8_t key[32], value[32];
	char *copy, *argv[FUZZ_MAX_ARGS], err[256];
	struct cli_elem e;
	struct cli_map_create c;
	int argc = 0, ret;

	if (size < 2)
		return;
	e = (struct cli_elem){ key, data[0] % 32u, value, data[1] % 32u, 0, 0 };
	copy = malloc(size - 1);
	if (!copy)
		return;
	memcpy(copy, data + 2, size - 2);
	copy[size - 2] = 0;
	for (size_t i = 0, start = 0; i <= size - 2 && argc < FUZZ_MAX_ARGS; i++) {
		if (i < size - 2 && copy[i] != ' ' && copy[i])
			continue;
		copy[i] = 0;
		if (i > start)
			argv[argc++] = copy + start;
		start = i + 1;
	}

	memset(key, 0xa5, sizeof(key));
	memset(value, 0x5a, sizeof(value));
	err[0] = 0;
	ret = cli_parse_elem(argc, argv, CLI_ELEM_KEY | CLI_ELEM_VALUE |
			     CLI_ELEM_FLAGS, &e, err, sizeof(err));
	if (ret) {
		if (ret != -EINVAL || !err[0])
			FUZZ_FAIL("failure %d without a message", ret);
		for (size_t i = 0; i < sizeof(key); i++)
			if (key[i] != 0xa5 || value[i] != 0x5a)
				FUZZ_FAIL("a failed parse wrote byte %zu", i);
	} else {
		if (e.flags > UBEE_EXIST)
			FUZZ_FAIL("flags %llu", (unsigned long long)e.flags);
		if ((e.have & (CLI_ELEM_KEY | CLI_ELEM_VALUE)) ==
		    (CLI_ELEM_KEY | CLI_ELEM_VALUE))
			cliparse_roundtrip(&e);
	}

	err[0] = 0;
	ret = cli_parse_map_create(argc, argv, &c, err, sizeof(err));
	if (ret && (ret != -EINVAL || !err[0]))
		FUZZ_FAIL("map create: failure %d without a message", ret);
	if (!ret && !ubee_map_type_name(c.type))
		FUZZ_FAIL("map create: accepted unknown type %u", c.type);
	free(copy);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_cliparse_one(data, size);
	return 0;
}
#endif
