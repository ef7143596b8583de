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

/* One type in bpftool's plain format. */
static void type_text(FILE *f, const struct ubee_btf *btf, uint32_t id)
{
	struct ubee_btf_type t;

	ubee_btf_type(btf, id, &t);
	fprintf(f, "[%u] %s '%s'", id, ubee_btf_kind_name(t.kind), anon(t.name));
	switch (t.kind) {
	case UBEE_BTF_KIND_INT: {
		struct ubee_btf_int in;

		ubee_btf_int(btf, id, &in);
		fprintf(f, " size=%u bits_offset=%u nr_bits=%u encoding=%s",
			t.size, in.offset, in.bits, int_encoding(in.encoding));
		break;
	}
	case UBEE_BTF_KIND_PTR:
	case UBEE_BTF_KIND_CONST:
	case UBEE_BTF_KIND_VOLATILE:
	case UBEE_BTF_KIND_RESTRICT:
	case UBEE_BTF_KIND_TYPEDEF:
	case UBEE_BTF_KIND_TYPE_TAG:
		fprintf(f, " type_id=%u", t.type);
		break;
	case UBEE_BTF_KIND_ARRAY: {
		struct ubee_btf_array a;

		ubee_btf_array(btf, id, &a);
		fprintf(f, " type_id=%u index_type_id=%u nr_elems=%u", a.type,
			a.index_type, a.nelems);
		break;
	}
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		fprintf(f, " size=%u vlen=%u", t.size, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_member m;

			ubee_btf_member(btf, id, i, &m);
			fprintf(f, "\n\t'%s' type_id=%u bits_offset=%u", anon(m.name),
				m.type, m.bit_offset);
			if (m.bitfield_size)
				fprintf(f, " bitfield_size=%u", m.bitfield_size);
		}
		break;
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
		fprintf(f, " encoding=%s size=%u vlen=%u",
			t.kflag ? "SIGNED" : "UNSIGNED", t.size, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_enum_val v;

			ubee_btf_enum_val(btf, id, i, &v);
			/* bpftool marks 64-bit enumerators with C suffixes. */
			if (t.kflag)
				fprintf(f, "\n\t'%s' val=%" PRId64 "%s", v.name,
					(int64_t)v.value, t.kind == UBEE_BTF_KIND_ENUM64 ? "LL" : "");
			else
				fprintf(f, "\n\t'%s' val=%" PRIu64 "%s", v.name, v.value,
					t.kind == UBEE_BTF_KIND_ENUM64 ? "ULL" : "");
		}
		break;
	case UBEE_BTF_KIND_FWD:
		fprintf(f, " fwd_kind=%s", t.kflag ? "union" : "struct");
		break;
	case UBEE_BTF_KIND_FUNC:
		fprintf(f, " type_id=%u linkage=%s", t.type, linkage_name(t.linkage));
		break;
	case UBEE_BTF_KIND_FUNC_PROTO:
		fprintf(f, " ret_type_id=%u vlen=%u", t.type, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_param p;

			ubee_btf_param(btf, id, i, &p);
			fprintf(f, "\n\t'%s' type_id=%u", anon(p.name), p.type);
		}
		break;
	case UBEE_BTF_KIND_VAR:
		fprintf(f, " type_id=%u, linkage=%s", t.type, linkage_name(t.linkage));
		break;
	case UBEE_BTF_KIND_DATASEC:
		fprintf(f, " size=%u vlen=%u", t.size, t.vlen);
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_var_secinfo v;
			int k;

			ubee_btf_datasec_var(btf, id, i, &v);
			k = ubee_btf_kind(btf, v.type);
			fprintf(f, "\n\ttype_id=%u offset=%u size=%u (%s '%s')", v.type,
				v.offset, v.size, ubee_btf_kind_name(k),
				anon(ubee_btf_name(btf, v.type)));
		}
		break;
	case UBEE_BTF_KIND_FLOAT:
		fprintf(f, " size=%u", t.size);
		break;
	case UBEE_BTF_KIND_DECL_TAG:
		fprintf(f, " type_id=%u component_idx=%d", t.type, t.component_idx);
		break;
	}
	fputc('\n', f);
}

static void w_u(struct ubee_btf_writer *w, const char *name, uint64_t v)
{
	ubee_btf_w_name(w, name);
	ubee_btf_w_printf(w, "%" PRIu64, v);
}

static void w_s(struct ubee_btf_writer *w, const char *name, const char *s)
{
	ubee_btf_w_name(w, name);
	ubee_btf_w_string(w, s);
}

/* One type as bpftool's JSON object. */
static void type_json(struct ubee_btf_writer *w, const struct ubee_btf *btf,
		      uint32_t id)
{
	struct ubee_btf_type t;

	ubee_btf_type(btf, id, &t);
	ubee_btf_w_begin(w, '{');
	w_u(w, "id", id);
	w_s(w, "kind", ubee_btf_kind_name(t.kind));
	w_s(w, "name", anon(t.name));
	switch (t.kind) {
	case UBEE_BTF_KIND_INT: {
		struct ubee_btf_int in;

		ubee_btf_int(btf, id, &in);
		w_u(w, "size", t.size);
		w_u(w, "bits_offset", in.offset);
		w_u(w, "nr_bits", in.bits);
		w_s(w, "encoding", int_encoding(in.encoding));
		break;
	}
	case UBEE_BTF_KIND_PTR:
	case UBEE_BTF_KIND_CONST:
	case UBEE_BTF_KIND_VOLATILE:
	case UBEE_BTF_KIND_RESTRICT:
	case UBEE_BTF_KIND_TYPEDEF:
	case UBEE_BTF_KIND_TYPE_TAG:
		w_u(w, "type_id", t.type);
		break;
	case UBEE_BTF_KIND_ARRAY: {
		struct ubee_btf_array a;

		ubee_btf_array(btf, id, &a);
		w_u(w, "type_id", a.type);
		w_u(w, "index_type_id", a.index_type);
		w_u(w, "nr_elems", a.nelems);
		break;
	}
	case UBEE_BTF_KIND_STRUCT:
	case UBEE_BTF_KIND_UNION:
		w_u(w, "size", t.size);
		w_u(w, "vlen", t.vlen);
		ubee_btf_w_name(w, "members");
		ubee_btf_w_begin(w, '[');
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_member m;

			ubee_btf_member(btf, id, i, &m);
			ubee_btf_w_begin(w, '{');
			w_s(w, "name", anon(m.name));
			w_u(w, "type_id", m.type);
			w_u(w, "bits_offset", m.bit_offset);
			if (m.bitfield_size)
				w_u(w, "bitfield_size", m.bitfield_size);
			ubee_btf_w_end(w, '}');
		}
		ubee_btf_w_end(w, ']');
		break;
	case UBEE_BTF_KIND_ENUM:
	case UBEE_BTF_KIND_ENUM64:
		w_s(w, "encoding", t.kflag ? "SIGNED" : "UNSIGNED");
		w_u(w, "size", t.size);
		w_u(w, "vlen", t.vlen);
		ubee_btf_w_name(w, "values");
		ubee_btf_w_begin(w, '[');
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_enum_val v;

			ubee_btf_enum_val(btf, id, i, &v);
			ubee_btf_w_begin(w, '{');
			w_s(w, "name", v.name);
			ubee_btf_w_name(w, "val");
			if (t.kflag)
				ubee_btf_w_printf(w, "%" PRId64, (int64_t)v.value);
			else if (t.kind == UBEE_BTF_KIND_ENUM)
				/* bpftool widens a 32-bit value as signed here */
				ubee_btf_w_printf(w, "%" PRIu64,
						  (uint64_t)(int64_t)(int32_t)v.value);
			else
				ubee_btf_w_printf(w, "%" PRIu64, v.value);
			ubee_btf_w_end(w, '}');
		}
		ubee_btf_w_end(w, ']');
		break;
	case UBEE_BTF_KIND_FWD:
		w_s(w, "fwd_kind", t.kflag ? "union" : "struct");
		break;
	case UBEE_BTF_KIND_FUNC:
		w_u(w, "type_id", t.type);
		w_s(w, "linkage", linkage_name(t.linkage));
		break;
	case UBEE_BTF_KIND_FUNC_PROTO:
		w_u(w, "ret_type_id", t.type);
		w_u(w, "vlen", t.vlen);
		ubee_btf_w_name(w, "params");
		ubee_btf_w_begin(w, '[');
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_param p;

			ubee_btf_param(btf, id, i, &p);
			ubee_btf_w_begin(w, '{');
			w_s(w, "name", anon(p.name));
			w_u(w, "type_id", p.type);
			ubee_btf_w_end(w, '}');
		}
		ubee_btf_w_end(w, ']');
		break;
	case UBEE_BTF_KIND_VAR:
		w_u(w, "type_id", t.type);
		w_s(w, "linkage", linkage_name(t.linkage));
		break;
	case UBEE_BTF_KIND_DATASEC:
		w_u(w, "size", t.size);
		w_u(w, "vlen", t.vlen);
		ubee_btf_w_name(w, "vars");
		ubee_btf_w_begin(w, '[');
		for (uint32_t i = 0; i < t.vlen; i++) {
			struct ubee_btf_var_secinfo v;

			ubee_btf_datasec_var(btf, id, i, &v);
			ubee_btf_w_begin(w, '{');
			w_u(w, "type_id", v.type);
			w_u(w, "offset", v.offset);
			w_u(w, "size", v.size);
			ubee_btf_w_end(w, '}');
		}
		ubee_btf_w_end(w, ']');
		break;
	case UBEE_BTF_KIND_FLOAT:
		w_u(w, "size", t.size);
		break;
	case UBEE_BTF_KIND_DECL_TAG:
		w_u(w, "type_id", t.type);
		ubee_btf_w_name(w, "component_idx");
		ubee_btf_w_printf(w, "%d", t.component_idx);
		break;
	}
	ubee_btf_w_end(w, '}');
}

/* The whole dump as {"types":[...]}: a counting pass, then the real one. */
static int dump_json(const struct ubee_btf *btf)
{
	struct ubee_btf_writer w;
	uint32_t n = ubee_btf_type_count(btf);
	size_t size = 0;
	char *buf = NULL;

	for (int pass = 0; pass < 2; pass++) {
		ubee_btf_w_init(&w, buf, size, cli_g.pretty ? UBEE_BTF_DUMP_PRETTY : 0);
		ubee_btf_w_begin(&w, '{');
		ubee_btf_w_name(&w, "types");
		ubee_btf_w_begin(&w, '[');
		for (uint32_t id = 1; id < n; id++)
			type_json(&w, btf, id);
		ubee_btf_w_end(&w, ']');
		ubee_btf_w_end(&w, '}');
		if (pass == 0) {
			size = w.len + 1;
			buf = malloc(size);
			if (!buf) {
				cli_err("btf dump: out of memory");
				return -ENOMEM;
			}
		}
	}
	printf("%s\n", buf);
	free(buf);
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
		if (dump_json(btf))
			goto out;
	} else {
		for (uint32_t id = 1; id < ubee_btf_type_count(btf); id++)
			type_text(stdout, btf, id);
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
