// SPDX-License-Identifier: MIT
/*
 * Opening eBPF objects (include/ubee/object.h): the ELF reader's output
 * turned into executable sections, the functions in them and the symbol
 * lookup used to annotate jump targets, then the license, the BTF and
 * the loader's steps (loader.h) in dependency order. The object owns a
 * copy of the file; names point into it, and each section's
 * instructions are copied into one aligned array (a section's file
 * offset need not be 8-aligned).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"
#include "ubee/btf.h"
#include "util/cursor.h"
#include "util/util.h"

typedef unsigned long long ull;

/*
 * A symbol that names code for ubee_object_symbolize(): any named symbol
 * in an executable section except section and file symbols, as
 * llvm-objdump considers them. Sorted by (sec, off, name).
 */
struct obj_label {
	size_t sec;      /* index into obj->secs */
	uint64_t off;    /* byte offset in the section */
	const char *name;
};

int ubee_is_elf(const void *data, size_t size)
{
	return data && size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

static int label_cmp(const void *a, const void *b)
{
	const struct obj_label *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Copy the executable sections' instructions, in file order, and set
 * exec_of[shndx] to the section's index in obj->secs plus one.
 */
static int build_sections(struct ubee_object *obj, size_t *exec_of)
{
	const struct ubee_elf *elf = &obj->elf;
	struct ubee_cursor file = ubee_cursor_init(obj->data, obj->size);
	size_t i, total = 0;

	for (i = 0; i < elf->nsecs; i++) {
		if (ubee_elf_sec_is_exec(&elf->secs[i])) {
			obj->nsecs++;
			total += (size_t)(elf->secs[i].size / sizeof(struct ubee_insn));
		}
	}
	obj->secs = ubee_calloc(obj->nsecs, sizeof(*obj->secs));
	obj->insns = ubee_calloc(total, sizeof(*obj->insns));
	if (!obj->secs || !obj->insns)
		return -ENOMEM;
	total = 0;
	obj->nsecs = 0;
	for (i = 0; i < elf->nsecs; i++) {
		const struct ubee_elf_sec *s = &elf->secs[i];
		struct obj_sec *os = &obj->secs[obj->nsecs];

		if (!ubee_elf_sec_is_exec(s))
			continue;
		os->shndx = i;
		os->name = s->name;
		os->cnt = (size_t)(s->size / sizeof(struct ubee_insn));
		os->insns = obj->insns + total;
		/* The reader checked the range; this cannot fail. */
		if (ubee_cur_read(&file, s->offset, obj->insns + total,
				  (size_t)s->size))
			return -EINVAL;
		total += os->cnt;
		exec_of[i] = ++obj->nsecs;
	}
	return 0;
}

/* The executable section (index into obj->secs) of sym, or -1. */
static long sym_sec(const struct ubee_object *obj, const size_t *exec_of,
		    const struct ubee_elf_sym *sym)
{
	if (sym->shndx == SHN_UNDEF || sym->shndx >= SHN_LORESERVE ||
	    !exec_of[sym->shndx])
		return -1;
	return (long)exec_of[sym->shndx] - 1;
}

/* A function symbol before ordering; size 0 means "to the next one". */
struct func_sym {
	size_t sec;
	uint64_t off;
	uint64_t size;
	size_t sym;
};

static int func_cmp(const void *a, const void *b)
{
	const struct func_sym *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

/* Symbol i, a function in section os, must cover whole instructions. */
static int check_func(const struct ubee_object *obj, size_t i,
		      const struct obj_sec *os, struct ubee_log *log)
{
	const struct ubee_elf_sym *sym = &obj->elf.syms[i];
	uint64_t end = (uint64_t)os->cnt * sizeof(struct ubee_insn);
	const char *why = NULL;

	if (sym->value % sizeof(struct ubee_insn))
		why = "offset is not a multiple of 8";
	else if (sym->value >= end)
		why = "offset is past the end of the section";
	else if (sym->size % sizeof(struct ubee_insn))
		why = "size is not a multiple of 8";
	else if (sym->size > end - sym->value)
		why = "offset + size is past the end of the section";
	if (!why)
		return 0;
	ubee_logf(log, "symbol %zu (%s): offset 0x%llx, size 0x%llx in section %zu (%s, 0x%llx bytes): %s",
		  i, sym->name, (ull)sym->value, (ull)sym->size, os->shndx,
		  os->name, (ull)end, why);
	return -EINVAL;
}

static void add_func(struct ubee_object *obj, const char *name,
		     const struct obj_sec *os, size_t offset, size_t cnt)
{
	struct ubee_object_func *f = &obj->funcs[obj->nfuncs++];

	f->name = name;
	f->section = os->name;
	f->section_index = os->shndx;
	f->insns = os->insns + offset;
	f->cnt = cnt;
	f->offset = offset;
}

/*
 * Functions: the STT_FUNC symbols of executable sections ordered by
 * section and offset (a size of 0 extends to the next function or the
 * section end), and the whole section for a section without any.
 * Work: O(n log n) in the number of symbols.
 */
static int build_funcs(struct ubee_object *obj, const size_t *exec_of,
		       struct ubee_log *log)
{
	const struct ubee_elf *elf = &obj->elf;
	struct func_sym *fs;
	size_t i, j, n = 0, sec = (size_t)-1;
	uint64_t bound = 0, later = 0;
	int err = 0;

	fs = ubee_calloc(elf->nsyms, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	for (i = 0; i < elf->nsyms; i++) {
		long s = sym_sec(obj, exec_of, &elf->syms[i]);

		if (s < 0 || elf->syms[i].type != STT_FUNC)
			continue;
		err = check_func(obj, i, &obj->secs[s], log);
		if (err)
			goto out;
		fs[n].sec = (size_t)s;
		fs[n].off = elf->syms[i].value;
		fs[n].size = elf->syms[i].size;
		fs[n++].sym = i;
	}
	qsort(fs, n, sizeof(*fs), func_cmp);
	/* Backwards: bound is the nearest function start after fs[i]. */
	for (i = n; i-- > 0;) {
		if (fs[i].sec != sec) {
			sec = fs[i].sec;
			bound = later = obj->secs[sec].cnt * sizeof(struct ubee_insn);
		}
		if (fs[i].off < later) {
			bound = later;
			later = fs[i].off;
		}
		if (!fs[i].size)
			fs[i].size = bound - fs[i].off;
	}
	obj->funcs = ubee_calloc(n + obj->nsecs, sizeof(*obj->funcs));
	if (!obj->funcs) {
		err = -ENOMEM;
		goto out;
	}
	for (sec = 0, j = 0; sec < obj->nsecs; sec++) {
		const struct obj_sec *os = &obj->secs[sec];

		if (j == n || fs[j].sec != sec)
			add_func(obj, os->name, os, 0, os->cnt);
		for (; j < n && fs[j].sec == sec; j++)
			add_func(obj, elf->syms[fs[j].sym].name, os,
				 (size_t)(fs[j].off / sizeof(struct ubee_insn)),
				 (size_t)(fs[j].size / sizeof(struct ubee_insn)));
	}
out:
	ubee_free(fs);
	return err;
}

/* The symbols ubee_object_symbolize() may name, sorted. */
static int build_labels(struct ubee_object *obj, const size_t *exec_of)
{
	const struct ubee_elf *elf = &obj->elf;
	size_t i;

	obj->labels = ubee_calloc(elf->nsyms, sizeof(*obj->labels));
	if (!obj->labels)
		return -ENOMEM;
	for (i = 0; i < elf->nsyms; i++) {
		const struct ubee_elf_sym *sym = &elf->syms[i];
		long s = sym_sec(obj, exec_of, sym);

		if (s < 0 || sym->type == STT_SECTION || sym->type == STT_FILE ||
		    !sym->name[0] ||
		    sym->value >= obj->secs[s].cnt * sizeof(struct ubee_insn))
			continue;
		obj->labels[obj->nlabels].sec = (size_t)s;
		obj->labels[obj->nlabels].off = sym->value;
		obj->labels[obj->nlabels++].name = sym->name;
	}
	qsort(obj->labels, obj->nlabels, sizeof(*obj->labels), label_cmp);
	return 0;
}

static int sym_name_cmp(const struct ubee_object *obj, size_t a, size_t b)
{
	const struct ubee_elf_sym *x = &obj->elf.syms[a], *y = &obj->elf.syms[b];

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Heap sort of obj->sym_order by (section, name): no qsort context
 * argument is needed and the work stays O(n log n) for any input. */
static void sift(struct ubee_object *obj, size_t *a, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1, t;

		if (c >= n)
			return;
		if (c + 1 < n && sym_name_cmp(obj, a[c], a[c + 1]) < 0)
			c++;
		if (sym_name_cmp(obj, a[i], a[c]) >= 0)
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

/* Index the named symbols defined in a section for obj_sym_in(). */
static int build_sym_order(struct ubee_object *obj)
{
	const struct ubee_elf *elf = &obj->elf;
	size_t i, n = 0, *a;

	a = ubee_calloc(elf->nsyms, sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (i = 0; i < elf->nsyms; i++) {
		const struct ubee_elf_sym *sym = &elf->syms[i];

		if (sym->name[0] && sym->type != STT_SECTION &&
		    sym->type != STT_FILE && sym->shndx != SHN_UNDEF &&
		    sym->shndx < SHN_LORESERVE)
			a[n++] = i;
	}
	for (i = n / 2; i-- > 0;)
		sift(obj, a, i, n);
	for (i = n; i-- > 1;) {
		size_t t = a[0];

		a[0] = a[i];
		a[i] = t;
		sift(obj, a, 0, i);
	}
	obj->sym_order = a;
	obj->nsym_order = n;
	return 0;
}

long obj_sym_in(const struct ubee_object *obj, size_t shndx, const char *name)
{
	size_t lo = 0, hi = obj->nsym_order;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ubee_elf_sym *sym = &obj->elf.syms[obj->sym_order[mid]];
		int c = sym->shndx != shndx ? (sym->shndx < shndx ? -1 : 1)
					    : strcmp(sym->name, name);

		if (!c)
			return (long)obj->sym_order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t obj_sec_by_name(const struct ubee_object *obj, const char *name)
{
	for (size_t i = 1; i < obj->elf.nsecs; i++)
		if (!strcmp(obj->elf.secs[i].name, name))
			return i;
	return 0;
}

/* The license: the "license" section's bytes up to the first NUL. */
static void read_license(struct ubee_object *obj)
{
	size_t i = obj_sec_by_name(obj, "license");
	const struct ubee_elf_sec *s = &obj->elf.secs[i];
	size_t n;

	if (!i || s->type != SHT_PROGBITS)
		return;
	n = s->size < sizeof(obj->license) - 1 ? (size_t)s->size
					       : sizeof(obj->license) - 1;
	memcpy(obj->license, obj->data + s->offset, n);
	obj->license[n] = '\0';
}

struct datasec_ctx {
	const struct ubee_object *obj;
	size_t shndx;
};

static int var_offset(void *arg, const char *var_name, uint32_t *offset)
{
	const struct datasec_ctx *c = arg;
	long sym = obj_sym_in(c->obj, c->shndx, var_name);

	if (sym < 0)
		return -ENOENT;
	if (c->obj->elf.syms[sym].value > UINT32_MAX)
		return -EINVAL;
	*offset = (uint32_t)c->obj->elf.syms[sym].value;
	return 0;
}

/*
 * .BTF and .BTF.ext, when present. clang leaves every DATASEC's size and
 * variable offsets 0; fill them in from the ELF section of the same name
 * and its symbols, as libbpf does, for the sections that become maps
 * (.maps and global data). Other DATASECs (license, externs' .kconfig
 * and .ksyms) are not used and stay as they are.
 */
static int load_btf(struct ubee_object *obj, struct ubee_log *log)
{
	size_t bi = obj_sec_by_name(obj, ".BTF"), ei = obj_sec_by_name(obj, ".BTF.ext");
	const struct ubee_elf_sec *s;
	uint32_t id, n;
	int err;

	if (!bi) {
		if (ei) {
			ubee_logf(log, "section %zu (.BTF.ext): there is no .BTF section for it",
				  ei);
			return -EINVAL;
		}
		return 0;
	}
	s = &obj->elf.secs[bi];
	if (s->type != SHT_PROGBITS) {
		ubee_logf(log, "section %zu (.BTF): type %u is not SHT_PROGBITS",
			  bi, s->type);
		return -EINVAL;
	}
	err = ubee_btf_parse(obj->data + s->offset, (size_t)s->size, &obj->btf,
			     log);
	if (err) {
		ubee_logf(log, "section %zu (.BTF): malformed BTF", bi);
		return err;
	}
	n = ubee_btf_type_count(obj->btf);
	for (id = 1; id < n; id++) {
		struct datasec_ctx c = { obj, 0 };
		const char *name;

		if (ubee_btf_kind(obj->btf, id) != UBEE_BTF_KIND_DATASEC)
			continue;
		name = ubee_btf_name(obj->btf, id);
		c.shndx = obj_sec_by_name(obj, name);
		if (!c.shndx || (strcmp(name, ".maps") &&
				 obj_data_kind(&obj->elf.secs[c.shndx]) < 0))
			continue;
		if (obj->elf.secs[c.shndx].size > UINT32_MAX) {
			ubee_logf(log, "section %zu (%s): size 0x%llx does not fit a BTF DATASEC",
				  c.shndx, name,
				  (ull)obj->elf.secs[c.shndx].size);
			return -EINVAL;
		}
		err = ubee_btf_fixup_datasec(obj->btf, name,
					     (uint32_t)obj->elf.secs[c.shndx].size,
					     var_offset, &c, log);
		if (err) {
			ubee_logf(log, "section %zu (.BTF): DATASEC [%u] %s: cannot fill in sizes and offsets",
				  bi, id, name);
			return err;
		}
	}
	if (!ei)
		return 0;
	s = &obj->elf.secs[ei];
	if (s->type != SHT_PROGBITS) {
		ubee_logf(log, "section %zu (.BTF.ext): type %u is not SHT_PROGBITS",
			  ei, s->type);
		return -EINVAL;
	}
	err = ubee_btf_ext_parse(obj->data + s->offset, (size_t)s->size,
				 obj->btf, &obj->ext, log);
	if (err)
		ubee_logf(log, "section %zu (.BTF.ext): malformed BTF.ext", ei);
	return err;
}

/* Open the file bytes data[size]; takes ownership of data. name (the
 * caller's label for the file) only appears in messages. */
static int object_open(uint8_t *data, size_t size, const char *name,
		       struct ubee_object **out, struct ubee_log *log)
{
	struct ubee_object *obj;
	int err;

	obj = ubee_calloc(1, sizeof(*obj));
	if (!obj) {
		ubee_free(data);
		err = -ENOMEM;
		goto fail;
	}
	obj->data = data;
	obj->size = size;
	err = ubee_elf_parse(&obj->elf, data, size, log);
	if (err)
		goto fail;
	obj->exec_of = ubee_calloc(obj->elf.nsecs, sizeof(*obj->exec_of));
	if (!obj->exec_of) {
		err = -ENOMEM;
		goto fail;
	}
	err = build_sections(obj, obj->exec_of);
	if (!err)
		err = build_funcs(obj, obj->exec_of, log);
	if (!err)
		err = build_labels(obj, obj->exec_of);
	if (!err)
		err = build_sym_order(obj);
	if (err)
		goto fail;
	read_license(obj);
	/* Each step needs the ones before it (see loader.h). */
	err = load_btf(obj, log);
	if (!err)
		err = obj_ext_index(obj);
	if (!err)
		err = obj_maps_collect(obj, log);
	if (!err)
		err = obj_globals_collect(obj, log);
	if (!err)
		err = obj_maps_index(obj, log);
	if (!err)
		err = obj_progs_collect(obj, log);
	if (!err)
		err = obj_relocs_collect(obj, log);
	if (!err)
		err = obj_link_all(obj, log);
	if (!err)
		err = obj_maps_slots(obj, log);
	if (err)
		goto fail;
	*out = obj;
	return 0;
fail:
	if (err == -ENOMEM)
		ubee_logf(log, "out of memory opening %s", name ? name : "object");
	ubee_object_free(obj);
	return err;
}

int ubee_object_open_mem(const void *data, size_t size, const char *name,
			 struct ubee_object **out, struct ubee_log *log)
{
	uint8_t *copy;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!data && size) {
		ubee_logf(log, "no data for %zu bytes", size);
		return -EINVAL;
	}
	copy = ubee_malloc(size);
	if (!copy) {
		ubee_logf(log, "out of memory opening %s", name ? name : "object");
		return -ENOMEM;
	}
	if (size)
		memcpy(copy, data, size);
	return object_open(copy, size, name, out, log);
}

/* Read all of fd (at most UBEE_ELF_MAX_FILE_SIZE bytes) into *buf. */
static int read_all(int fd, const char *path, uint8_t **buf, size_t *len,
		    struct ubee_log *log)
{
	const size_t max = (size_t)UBEE_ELF_MAX_FILE_SIZE;
	size_t cap = 64 * 1024;
	struct stat st;
	uint8_t *nb;
	ssize_t r;
	int err = 0;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > max) {
			err = -E2BIG;
			goto out;
		}
		cap = (size_t)st.st_size + 1; /* + 1: see EOF without growing */
	}
	for (;;) {
		if (*len > max) {
			err = -E2BIG;
			goto out;
		}
		if (*len == cap || !*buf) {
			if (*buf)
				cap = cap > max / 2 ? max + 1 : cap * 2;
			nb = ubee_realloc(*buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			*buf = nb;
		}
		r = read(fd, *buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			ubee_logf(log, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
out:
	if (err == -E2BIG)
		ubee_logf(log, "%s: file is larger than %llu bytes (1 GiB), the limit for an object file",
			  path, (ull)UBEE_ELF_MAX_FILE_SIZE);
	else if (err == -ENOMEM)
		ubee_logf(log, "%s: out of memory reading the file", path);
	if (err) {
		ubee_free(*buf);
		*buf = NULL;
	}
	return err;
}

int ubee_object_open_file(const char *path, struct ubee_object **out,
			  struct ubee_log *log)
{
	uint8_t *data;
	size_t size;
	int fd, err;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		ubee_logf(log, "%s: cannot open: %s", path, strerror(errno));
		return err;
	}
	err = read_all(fd, path, &data, &size, log);
	close(fd);
	if (err)
		return err;
	return object_open(data, size, path, out, log);
}

void ubee_object_free(struct ubee_object *obj)
{
	size_t i;

	if (!obj)
		return;
	obj_unload(obj);
	for (i = 0; i < obj->nprogs; i++) {
		struct obj_prog *p = &obj->progs[i];

		ubee_free(p->insns);
		ubee_free(p->chunks);
		ubee_free(p->maps);
		ubee_free(p->lines);
		ubee_free(p->finfo);
	}
	ubee_free(obj->progs);
	for (i = 0; i < obj->nmaps; i++)
		obj_map_release(&obj->maps[i]);
	ubee_free(obj->maps);
	ubee_free(obj->map_order);
	for (i = 0; obj->secs && i < obj->nsecs; i++)
		ubee_free(obj->secs[i].relos);
	obj_ext_free(obj);
	ubee_btf_ext_free(obj->ext);
	ubee_btf_free(obj->btf);
	ubee_free(obj->sym_order);
	ubee_free(obj->exec_of);
	ubee_free(obj->labels);
	ubee_free(obj->funcs);
	ubee_free(obj->secs);
	ubee_free(obj->insns);
	ubee_elf_release(&obj->elf);
	ubee_free(obj->data);
	ubee_free(obj);
}

size_t ubee_object_section_count(const struct ubee_object *obj)
{
	return obj ? obj->nsecs : 0;
}

int ubee_object_section(const struct ubee_object *obj, size_t i,
			const char **name, const struct ubee_insn **insns,
			size_t *cnt)
{
	if (!obj || i >= obj->nsecs)
		return -ENOENT;
	if (name)
		*name = obj->secs[i].name;
	if (insns)
		*insns = obj->secs[i].insns;
	if (cnt)
		*cnt = obj->secs[i].cnt;
	return 0;
}

size_t ubee_object_func_count(const struct ubee_object *obj)
{
	return obj ? obj->nfuncs : 0;
}

int ubee_object_func(const struct ubee_object *obj, size_t i,
		     struct ubee_object_func *out)
{
	if (!obj || i >= obj->nfuncs)
		return -ENOENT;
	*out = obj->funcs[i];
	return 0;
}

size_t ubee_object_func_reloc_count(const struct ubee_object *obj, size_t i)
{
	const struct ubee_object_func *fn;
	uint64_t lo, hi;
	size_t n = 0;

	if (!obj || i >= obj->nfuncs)
		return 0;
	fn = &obj->funcs[i];
	lo = fn->offset * sizeof(struct ubee_insn);
	hi = lo + fn->cnt * sizeof(struct ubee_insn);
	for (size_t r = 0; r < obj->elf.nrels; r++) {
		size_t shndx = obj->elf.rels[r];
		size_t cnt = ubee_elf_rel_count(&obj->elf, shndx);

		if (obj->elf.secs[shndx].info != fn->section_index)
			continue;
		for (size_t e = 0; e < cnt; e++) {
			struct ubee_elf_rel rel;

			if (!ubee_elf_rel(&obj->elf, shndx, e, &rel, NULL) &&
			    rel.offset >= lo && rel.offset < hi)
				n++;
		}
	}
	return n;
}

/*
 * sec indexes the executable sections (as ubee_object_section()). Like
 * llvm-objdump: the last label at or before the target byte in (offset,
 * name) order, so among symbols at one offset the greatest name wins;
 * symbol sizes are ignored; without one, the section name. Callers print
 * "<name>" when *byte_off is 0 and "<name+0x%zx>" otherwise.
 * Work: O(log labels).
 */
int ubee_object_symbolize(const struct ubee_object *obj, size_t sec,
			  size_t idx, const char **name, size_t *byte_off)
{
	uint64_t target;
	size_t lo = 0, hi;

	if (!obj || sec >= obj->nsecs || idx >= obj->secs[sec].cnt)
		return -ENOENT;
	target = (uint64_t)idx * sizeof(struct ubee_insn);
	hi = obj->nlabels;
	while (lo < hi) { /* first label past (sec, target) */
		size_t mid = lo + (hi - lo) / 2;
		const struct obj_label *l = &obj->labels[mid];

		if (l->sec < sec || (l->sec == sec && l->off <= target))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && obj->labels[lo - 1].sec == sec) {
		*name = obj->labels[lo - 1].name;
		*byte_off = (size_t)(target - obj->labels[lo - 1].off);
	} else {
		*name = obj->secs[sec].name;
		*byte_off = (size_t)target;
	}
	return 0;
}

const char *ubee_object_license(const struct ubee_object *obj)
{
	return obj ? obj->license : "";
}

const struct ubee_btf *ubee_object_btf(const struct ubee_object *obj)
{
	return obj ? obj->btf : NULL;
}
