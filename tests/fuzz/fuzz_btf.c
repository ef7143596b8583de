// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the BTF parser, its queries and the value printer. The
 * input is a .BTF section. Whatever parses is queried type by type (the
 * first FUZZ_MAX_TYPES ids): the common record, the kind-specific parts
 * for every index (and one past the last, which must be -ENOENT), name
 * lookups, resolve and size; each type with a size is printed in every
 * output style from value bytes taken from the input itself. Then every
 * DATASEC is fixed up with offsets derived from its variables' names and
 * printed again.
 *
 * Properties checked besides "no crash, leak or undefined behaviour":
 *  - ubee_btf_find(name, kind) gives the lowest id with that name and
 *    kind: never above the id we came from, and one with that name;
 *  - ubee_btf_resolve never lands on a typedef or qualifier;
 *  - ubee_btf_snprint is snprintf-like: the length it reports does not
 *    depend on the room, a short buffer holds a prefix of the full text;
 *  - failures are negative errnos, and parse failures log a line.
 *
 * Not printed: BTF with an array of many zero-size elements. Such a value
 * is 0 bytes and its text is up to UBEE_BTF_MAX_DUMP_LEN (64 MB): the
 * printer's documented bound, reached in about a second, which would make
 * every such input a libFuzzer timeout.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ubee/btf.h"

/* Value bytes: the input repeated from offset start, len bytes. */
static uint8_t *btf_value(const uint8_t *data, size_t size, size_t start,
			  size_t len)
{
	uint8_t *v = malloc(len ? len : 1);

	if (!v)
		return NULL;
	for (size_t i = 0; i < len; i++)
		v[i] = size ? data[(start + i) % size] : 0;
	return v;
}

/* Print id in every style; check the snprintf contract. */
static void btf_print(const struct ubee_btf *btf, uint32_t id,
		      const uint8_t *data, size_t size)
{
	static const unsigned styles[] = { 0, UBEE_BTF_DUMP_PRETTY,
					   UBEE_BTF_DUMP_PLAIN };
	int64_t tsize = ubee_btf_size(btf, id);
	char small[16], *full;
	uint8_t *v;

	if (tsize < 0 || tsize > FUZZ_DUMP_MAX)
		return;
	v = btf_value(data, size, (size_t)id * 7, (size_t)tsize);
	if (!v)
		return;
	for (size_t s = 0; s < FUZZ_ARRAY_SIZE(styles); s++) {
		int n = ubee_btf_snprint(btf, id, v, (size_t)tsize, styles[s],
					 small, sizeof(small));
		int m;

		if (n < 0)
			continue;
		full = malloc((size_t)n + 1);
		if (!full)
			break;
		m = ubee_btf_snprint(btf, id, v, (size_t)tsize, styles[s], full,
				     (size_t)n + 1);
		if (m != n)
			FUZZ_FAIL("type %u: snprint needs %d bytes, then %d", id, n, m);
		else if (strlen(full) != (size_t)n ||
			 strncmp(small, full, sizeof(small) - 1))
			FUZZ_FAIL("type %u: the short print is not a prefix of the full one",
				  id);
		free(full);
	}
	/* One byte short of the type must be refused. */
	if (tsize > 0 && ubee_btf_snprint(btf, id, v, (size_t)tsize - 1, 0, small,
					  sizeof(small)) >= 0)
		FUZZ_FAIL("type %u of %lld bytes printed from %lld bytes", id,
			  (long long)tsize, (long long)tsize - 1);
	free(v);
}

/* Every kind-specific record of id, then one past the last. */
static void btf_parts(const struct ubee_btf *btf, const struct ubee_btf_type *t)
{
	struct ubee_btf_member mem;
	struct ubee_btf_enum_val ev;
	struct ubee_btf_param par;
	struct ubee_btf_var_secinfo vs;
	struct ubee_btf_array arr;
	struct ubee_btf_int in;
	uint32_t n = t->vlen < FUZZ_MAX_VLEN ? t->vlen : FUZZ_MAX_VLEN;
	int err;

	ubee_btf_int(btf, t->id, &in);
	ubee_btf_array(btf, t->id, &arr);
	for (uint32_t i = 0; i <= n; i++) {
		int last = i == t->vlen;

		switch (t->kind) {
		case UBEE_BTF_KIND_STRUCT:
		case UBEE_BTF_KIND_UNION:
			err = ubee_btf_member(btf, t->id, i, &mem);
			break;
		case UBEE_BTF_KIND_ENUM:
		case UBEE_BTF_KIND_ENUM64:
			err = ubee_btf_enum_val(btf, t->id, i, &ev);
			break;
		case UBEE_BTF_KIND_FUNC_PROTO:
			err = ubee_btf_param(btf, t->id, i, &par);
			break;
		case UBEE_BTF_KIND_DATASEC:
			err = ubee_btf_datasec_var(btf, t->id, i, &vs);
			break;
		default:
			return;
		}
		if (last ? err != -ENOENT : err != 0)
			FUZZ_FAIL("type %u (%s): part %u of %u gives %d", t->id,
				  ubee_btf_kind_name(t->kind), i, t->vlen, err);
	}
}

/* 1 when some array has more than a few elements of size 0. */
static int btf_has_empty_arrays(const struct ubee_btf *btf, uint32_t n)
{
	struct ubee_btf_array arr;

	for (uint32_t id = 1; id < n; id++)
		if (!ubee_btf_array(btf, id, &arr) && arr.nelems > 64 &&
		    ubee_btf_size(btf, arr.type) == 0)
			return 1;
	return 0;
}

static void btf_query(const struct ubee_btf *btf, uint32_t id,
		      const uint8_t *data, size_t size, int print)
{
	struct ubee_btf_type t;
	int found, r, k;

	if (ubee_btf_type(btf, id, &t)) {
		FUZZ_FAIL("type %u of %u: no record", id, ubee_btf_type_count(btf));
		return;
	}
	k = ubee_btf_kind(btf, id);
	if (k != t.kind || !ubee_btf_name(btf, id) ||
	    strcmp(ubee_btf_name(btf, id), t.name))
		FUZZ_FAIL("type %u: kind or name differ between queries", id);
	btf_parts(btf, &t);
	if (t.name[0]) {
		found = ubee_btf_find(btf, t.name, t.kind);
		if (found < 0 || (uint32_t)found > id ||
		    strcmp(ubee_btf_name(btf, (uint32_t)found), t.name) ||
		    ubee_btf_kind(btf, (uint32_t)found) != t.kind)
			FUZZ_FAIL("type %u '%s': find gives %d", id, t.name, found);
		found = ubee_btf_find(btf, t.name, UBEE_BTF_KIND_ANY);
		if (found < 0 || (uint32_t)found > id)
			FUZZ_FAIL("type %u '%s': find (any kind) gives %d", id,
				  t.name, found);
		ubee_btf_find_next(btf, t.name, t.kind, id);
	}
	r = ubee_btf_resolve(btf, id);
	if (r < 0) {
		FUZZ_FAIL("type %u: resolve gives %d", id, r);
	} else {
		k = ubee_btf_kind(btf, (uint32_t)r);
		if (k == UBEE_BTF_KIND_TYPEDEF || k == UBEE_BTF_KIND_CONST ||
		    k == UBEE_BTF_KIND_VOLATILE || k == UBEE_BTF_KIND_RESTRICT ||
		    k == UBEE_BTF_KIND_TYPE_TAG)
			FUZZ_FAIL("type %u resolves to %d, a %s", id, r,
				  ubee_btf_kind_name(k));
	}
	if (print)
		btf_print(btf, id, data, size);
}

/* A variable's offset: a hash of its name, kept small. */
static int btf_var_offset(void *arg, const char *name, uint32_t *offset)
{
	uint32_t h = 2166136261u;

	(void)arg;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	if (h % 17 == 0)
		return -ENOENT;
	*offset = h % 64;
	return 0;
}

static void fuzz_btf_one(const uint8_t *data, size_t size)
{
	struct ubee_btf *btf = NULL;
	char logbuf[FUZZ_LOG_SIZE];
	struct ubee_log log;
	uint32_t count, n;
	int err, print;

	ubee_log_init(&log, logbuf, sizeof(logbuf));
	err = ubee_btf_parse(data, size, &btf, &log);
	if (err) {
		if (err > 0 || !logbuf[0])
			FUZZ_FAIL("ubee_btf_parse returned %d with log '%s'", err,
				  logbuf);
		return;
	}
	count = ubee_btf_type_count(btf);
	n = count < FUZZ_MAX_TYPES ? count : FUZZ_MAX_TYPES;
	print = !btf_has_empty_arrays(btf, count);
	for (uint32_t id = 0; id < n; id++)
		btf_query(btf, id, data, size, print);
	if (ubee_btf_type(btf, count, &(struct ubee_btf_type){ 0 }) != -ENOENT)
		FUZZ_FAIL("type %u past the last one exists", count);

	/* Fix up each DATASEC (the last error leaves the BTF half done). */
	for (uint32_t id = 1; id < n; id++) {
		struct ubee_btf_type t;

		if (ubee_btf_type(btf, id, &t) || t.kind != UBEE_BTF_KIND_DATASEC)
			continue;
		ubee_log_init(&log, logbuf, sizeof(logbuf));
		err = ubee_btf_fixup_datasec(btf, t.name, 64 + id % 64,
					     btf_var_offset, NULL, &log);
		if (err)
			break;
		if (print)
			btf_print(btf, id, data, size);
	}
	ubee_btf_free(btf);
}

#ifndef UBEE_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_btf_one(data, size);
	return 0;
}
#endif
