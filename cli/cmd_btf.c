// SPDX-License-Identifier: MIT
/*
 * `ubee btf dump [file|pinned] OBJ|PINPATH|BTF`: every type of a BTF, one
 * record per type, in the format of `bpftool btf dump` (plain text, -j
 * JSON, -p pretty JSON). The BTF comes from:
 *  - an ELF object: its .BTF section as in the file (DATASEC sizes and
 *    offsets 0 as clang writes them, like `bpftool btf dump file x.o`);
 *  - a pinned map or program: the BTF kept in its file (DATASECs filled
 *    in, like `bpftool btf dump id N` of the loaded object);
 *  - a raw BTF file (/sys/kernel/btf/vmlinux).
 * A path that exists is read as it is; another is a PINPATH under the pin
 * directory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "loader/elf.h"
#include "pin/prog_file.h"
#include "ubee/btf.h"
#include "ubee/map.h"
#include "ubee/pin.h"

#define BTF_USAGE "usage: ubee btf dump OBJ|PINPATH|BTF_FILE"

static const char *int_encoding(uint8_t enc)
{
	switch (enc) {
	case 0:
		return "(none)";
	case UBEE_BTF_INT_SIGNED:
		return "SIGNED";
	case UBEE_BTF_INT_CHAR:
		return "CHAR";
	case UBEE_BTF_INT_BOOL:
		return "BOOL";
	}
	return "UNKN";
}

static const char *linkage_name(uint32_t l)
{
	return l == 0 ? "static" : l == 1 ? "global" : l == 2 ? "extern" : "(unknown)";
}

static const char *anon(const char *name)
{
	return name && *name ? name : "(anon)";
}

/*
 * Where one type's record goes: bpftool's plain text (a line, with one
 * more line per member, enumerator, parameter or variable) or its JSON
 * object. The fields are the same in both, in the same order; the few
 * places where bpftool's two forms differ test r->f.
 */
struct rec {
	FILE *f;                    /* plain text; NULL: JSON into w */
	struct ubee_btf_writer *w;
	int sep;                    /* text: a space goes before the next field */
};

/* A field whose value is already formatted: text name=v, JSON "name": v. */
static void rec_raw(struct rec *r, const char *name, const char *v)
{
	if (r->f) {
		fprintf(r->f, "%s%s=%s", r->sep ? " " : "", name, v);
		r->sep = 1;
	} else {
		ubee_btf_w_name(r->w, name);
		ubee_btf_w_printf(r->w, "%s", v);
	}
}

static void rec_u(struct rec *r, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	rec_raw(r, name, buf);
}

/* A word: unquoted in text, a JSON string. */
static void rec_s(struct rec *r, const char *name, const char *s)
{
	if (r->f) {
		rec_raw(r, name, s);
	} else {
		ubee_btf_w_name(r->w, name);
		ubee_btf_w_string(r->w, s);
	}
}

/* The list of a type's parts: JSON "name": [ ... ]; nothing in text. */
static void rec_list(struct rec *r, const char *name)
{
	if (!r->f) {
		ubee_btf_w_name(r->w, name);
		ubee_btf_w_begin(r->w, '[');
	}
}

static void rec_list_end(struct rec *r)
{
	if (!r->f)
		ubee_btf_w_end(r->w, ']');
}

/*
 * One part (member, enumerator...): in text a new line "\t'name'" (no
 * name: "\t"), in JSON an object with "name" first. End with rec_part_end.
 */
static void rec_part(struct rec *r, const char *name)
{
	if (r->f) {
		fprintf(r->f, "\n\t");
		if (name)
			fprintf(r->f, "'%s'", name);
		r->sep = name != NULL;
	} else {
		ubee_btf_w_begin(r->w, '{');
		if (name)
			rec_s(r, "name", name);
	}
}

static void rec_part_end(struct rec *r)
{
	if (!r->f)
		ubee_btf_w_end(r->w, '}');
}

/* An enumerator's value: bpftool's text marks 64-bit ones with C
 * suffixes; its JSON widens a 32-bit unsigned value as signed. */
static void enum_val(struct rec *r, const struct ubee_btf_type *t, uint64_t v)
{
	int e64 = t->kind == UBEE_BTF_KIND_ENUM64;
	char buf[32];

	if (t->kflag)
		snprintf(buf, sizeof(buf), "%" PRId64 "%s", (int64_t)v,
			 r->f && e64 ? "LL" : "");
	else if (r->f)
		snprintf(buf, sizeof(buf), "%" PRIu64 "%s", v, e64 ? "ULL" : "");
	else
		snprintf(buf, sizeof(buf), "%" PRIu64,
			 e64 ? v : (uint64_t)(int64_t)(int32_t)v);
	rec_raw(r, "val", buf);
}

/* Type id as bpftool prints it, in r's form. */
static void type_rec(struct rec *r, const struct ubee_btf *btf, uint32_t id)
{
	struct ubee_btf_type t;

	ubee_btf_type(btf, id, &t);
	if (r->f) {
		fprintf(r->f, "[%u] %s '%s'", id, ubee_btf_kind_name(t.kind),
			anon(t.name));
		r->sep = 1;
	} else {
		ubee_btf_w_begin(r->w, '{');
		rec_u(r, "id", id);
		rec_s(r, "kind", ubee_btf_kind_name(t.kind));
		rec_s(r, "name", anon(t.name));
	}
	switch (t.kind) {
	case UBEE_BTF_KIND_INT: {
		struct ubee_btf_int in;

		ubee_btf_int(btf, id, &in);
		rec_u(r, "size", t.size);
		rec_u(r, "bits_offset", in.offset);
		rec_u(r, "nr_bits", in.bits);
		rec_s(r, "encoding", int_encoding(in.encoding));
		break;
	}
	case UBEE_BTF_KIND_PTR:
	case UBEE_BTF_KIND_CONST:
	case UBEE_BTF_KIND_VOLATILE:
	case UBEE_BTF_KIND_RESTRICT:
	case UBEE_BTF_KIND_TYPEDEF:
	case UBEE_BTF_KIND_TYPE_TAG:
		rec_u(r, "type_id", t.type);
		break;
	case UBEE_BTF_KIND_ARRAY: {
		struct ubee_btf_array a;

		ubee_btf_array(btf, id, &a);
		rec_u(r, "type_id", a.type);
		rec_u(r, "index_type_id", a.index_type);
		rec_u(r, "nr_elems", a.nelems);
		break;
	}
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		rec_u(r, "size", t.size);
		rec_u(r, "vlen", t.vlen);
		rec_list(r, "members");
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_member m;

			ubee_btf_member(btf, id, i, &m);
			rec_part(r, anon(m.name));
			rec_u(r, "type_id", m.type);
			rec_u(r, "bits_offset", m.bit_offset);
			if (m.bitfield_size)
				rec_u(r, "bitfield_size", m.bitfield_size);
			rec_part_end(r);
		}
		rec_list_end(r);
		break;
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
		rec_s(r, "encoding", t.kflag ? "SIGNED" : "UNSIGNED");
		rec_u(r, "size", t.size);
		rec_u(r, "vlen", t.vlen);
		rec_list(r, "values");
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_enum_val v;

			ubee_btf_enum_val(btf, id, i, &v);
			rec_part(r, v.name);
			enum_val(r, &t, v.value);
			rec_part_end(r);
		}
		rec_list_end(r);
		break;
	case UBEE_BTF_KIND_FWD:
		rec_s(r, "fwd_kind", t.kflag ? "union" : "struct");
		break;
	case UBEE_BTF_KIND_FUNC:
		rec_u(r, "type_id", t.type);
		rec_s(r, "linkage", linkage_name(t.linkage));
		break;
	case UBEE_BTF_KIND_FUNC_PROTO:
		rec_u(r, "ret_type_id", t.type);
		rec_u(r, "vlen", t.vlen);
		rec_list(r, "params");
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_param p;

			ubee_btf_param(btf, id, i, &p);
			rec_part(r, anon(p.name));
			rec_u(r, "type_id", p.type);
			rec_part_end(r);
		}
		rec_list_end(r);
		break;
	case UBEE_BTF_KIND_VAR:
		rec_u(r, "type_id", t.type);
		if (r->f)
			fputc(',', r->f); /* bpftool's text: "type_id=N, linkage=" */
		rec_s(r, "linkage", linkage_name(t.linkage));
		break;
	case UBEE_BTF_KIND_DATASEC:
		rec_u(r, "size", t.size);
		rec_u(r, "vlen", t.vlen);
		rec_list(r, "vars");
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_var_secinfo v;

			ubee_btf_datasec_var(btf, id, i, &v);
			rec_part(r, NULL);
			rec_u(r, "type_id", v.type);
			rec_u(r, "offset", v.offset);
			rec_u(r, "size", v.size);
			if (r->f) /* the text names the variable too */
				fprintf(r->f, " (%s '%s')",
					ubee_btf_kind_name(ubee_btf_kind(btf, v.type)),
					anon(ubee_btf_name(btf, v.type)));
			rec_part_end(r);
		}
		rec_list_end(r);
		break;
	case UBEE_BTF_KIND_FLOAT:
		rec_u(r, "size", t.size);
		break;
	case UBEE_BTF_KIND_DECL_TAG: {
		char idx[16];

		rec_u(r, "type_id", t.type);
		snprintf(idx, sizeof(idx), "%d", t.component_idx);
		rec_raw(r, "component_idx", idx);
		break;
	}
	}
	if (r->f)
		fputc('\n', r->f);
	else
		ubee_btf_w_end(r->w, '}');
}

/* The whole JSON dump, {"types":[...]} (a cli_emit_json fill). */
static long fill_types(struct ubee_btf_writer *w, void *arg)
{
	const struct ubee_btf *btf = arg;
	struct rec r = { NULL, w, 0 };

	ubee_btf_w_begin(w, '{');
	ubee_btf_w_name(w, "types");
	ubee_btf_w_begin(w, '[');
	for (uint32_t id = 1; id < ubee_btf_type_count(btf); id++)
		type_rec(&r, btf, id);
	ubee_btf_w_end(w, ']');
	ubee_btf_w_end(w, '}');
	return 0;
}

/* The .BTF section of an ELF object, parsed as it is in the file. */
static int btf_from_elf(const char *path, const uint8_t *data, size_t size,
			struct ubee_btf **out, struct ubee_log *log)
{
	struct ubee_elf elf;
	int err;

	err = ubee_elf_parse(&elf, data, size, log);
	if (err) {
		cli_err_log(path, err, log);
		return -1;
	}
	err = -ENOENT;
	for (size_t i = 0; i < elf.nsecs; i++) {
		const struct ubee_elf_sec *s = &elf.secs[i];

		if (strcmp(s->name, ".BTF") || s->type == 8 /* SHT_NOBITS */)
			continue;
		err = ubee_btf_parse(elf.data + s->offset, s->size, out, log);
		break;
	}
	ubee_elf_release(&elf);
	if (err == -ENOENT)
		cli_err("%s: the object has no .BTF section", path);
	else if (err)
		cli_err_log(path, err, log);
	return err ? -1 : 0;
}

/* The BTF of a pinned map or program; *hold keeps it alive. */
static int btf_from_pin(const char *path, int kind, const struct ubee_btf **btf,
			void **hold, struct ubee_log *log)
{
	int err;

	if (kind == UBEE_PIN_MAP) {
		struct ubee_map *m;
		uint32_t k, v;

		err = ubee_map_open_pinned(path, &m, log);
		if (err) {
			cli_err_log(path, err, log);
			return -1;
		}
		*hold = m;
		err = ubee_map_btf(m, btf, &k, &v);
	} else {
		struct ubee_prog_file *pf;

		err = ubee_prog_file_open(path, &pf, log);
		if (err) {
			cli_err_log(path, err, log);
			return -1;
		}
		*hold = pf;
		*btf = ubee_prog_file_btf(pf);
		err = *btf ? 0 : -ENOENT;
	}
	if (err == -ENOENT)
		cli_err("%s: no BTF", path);
	return err ? -1 : 0;
}

int cmd_btf(int argc, char **argv)
{
	static char lbuf[4096];
	struct ubee_log log;
	struct ubee_btf *own = NULL;
	const struct ubee_btf *btf = NULL;
	void *hold = NULL;
	int hold_kind = 0, ret = 1, kind;
	uint8_t *data = NULL;
	size_t size;
	const char *path;
	int i = 2;

	if (argc < 2 || strcmp(argv[1], "dump")) {
		cli_err("btf: %s '%s' (%s)", argc < 2 ? "missing command" : "unknown command",
			argc < 2 ? "" : argv[1], BTF_USAGE);
		return 2;
	}
	if (i < argc && (!strcmp(argv[i], "file") || !strcmp(argv[i], "pinned")))
		i++;
	if (i + 1 != argc) {
		cli_err("btf dump: %s (%s)", i >= argc ? "missing OBJ or PINPATH" :
			"too many arguments", BTF_USAGE);
		return 2;
	}
	path = argv[i];
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	kind = ubee_pin_type(path);
	if (kind == UBEE_PIN_MAP || kind == UBEE_PIN_PROG) {
		hold_kind = kind;
		if (btf_from_pin(path, kind, &btf, &hold, &log))
			goto out;
	} else {
		if (access(path, F_OK) && kind == -ENOENT) {
			cli_err("%s: no such file or pinned object", path);
			goto out;
		}
		if (cli_read_file(path, &data, &size))
			goto out;
		if (ubee_is_elf(data, size)) {
			if (btf_from_elf(path, data, size, &own, &log))
				goto out;
		} else if (ubee_btf_parse(data, size, &own, &log)) {
			cli_err_log(path, -EINVAL, &log);
			goto out;
		}
		btf = own;
	}
	if (cli_g.json) {
		if (cli_emit_json(stdout, cli_g.pretty ? UBEE_BTF_DUMP_PRETTY : 0,
				  fill_types, (void *)btf) < 0) {
			cli_err("btf dump: out of memory");
			goto out;
		}
	} else {
		struct rec r = { stdout, NULL, 0 };

		for (uint32_t id = 1; id < ubee_btf_type_count(btf); id++)
			type_rec(&r, btf, id);
	}
	ret = 0;
out:
	ubee_btf_free(own);
	if (hold_kind == UBEE_PIN_MAP)
		ubee_map_put(hold);
	else if (hold_kind == UBEE_PIN_PROG)
		ubee_prog_file_close(hold);
	free(data);
	return ret;
}
