// SPDX-License-Identifier: MIT
/*
 * Program files (prog_file.h): writing one from a spec, opening and
 * checking one, and loading the program it holds with its pinned maps.
 * The file is mapped MAP_SHARED read-write so that runs in any process
 * add to the counters in its header (relaxed atomic adds; a process
 * killed between the two adds leaves a count without its time, nothing
 * worse). Everything else in the file is written once, before the file
 * is linked under its name, and only read afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maps/maps.h"
#include "pin/prog_file.h"
#include "ubee/map.h"
#include "ubee/pin.h"
#include "util/util.h"
#include "vm/vm.h"

#define PF_PSEUDO_MAP_IDX 5
#define PF_PSEUDO_MAP_IDX_VALUE 6
#define PF_MAX_FILE (1ull << 30)
#define PF_MAX_MAPS 4096u
#define PF_MAX_RECS (1u << 24)

struct pf_sec {
	uint64_t off, size;
};

struct pf_hdr {
	char magic[UBEE_PIN_MAGIC_LEN];   /* 0 */
	uint32_t version;                 /* 8 */
	uint32_t hdr_size;                /* 12 */
	uint64_t file_size;               /* 16 */
	uint32_t prog_type;               /* 24 */
	uint32_t expected_attach_type;    /* 28 */
	uint32_t prog_flags;              /* 32 */
	uint32_t gpl;                     /* 36 */
	uint32_t uid;                     /* 40 */
	uint32_t license;                 /* 44: string offset */
	uint64_t load_time;               /* 48 */
	uint8_t tag[8];                   /* 56 */
	/* 64: the shared counters, alone in their cache line */
	struct ubee_prog_stats stats;
	uint8_t pad[48];
	char name[16];                    /* 128 */
	uint32_t nr_insns, nr_maps, nr_lines, nr_funcs; /* 144 */
	struct pf_sec insns, maps, lines, funcs, strs, btf; /* 160 */
};
_Static_assert(sizeof(struct pf_hdr) == 256, "program file header layout");
_Static_assert(__builtin_offsetof(struct pf_hdr, stats) == 64,
	       "counters at offset 64");

struct pf_line {
	uint32_t insn, file, line, line_num, col;
};

struct pf_func {
	uint32_t insn, type_id;
};

struct ubee_prog_file {
	struct ubee_prog_file_info info;
	char path[PATH_MAX];
	uint8_t *base;
	size_t size;
	int writable;
	const char *strs;
	uint32_t str_size;
	const uint32_t *maps;
	struct ubee_object_line *lines;
	struct ubee_object_func_info *funcs;
	struct ubee_btf *btf;
};

/* ---- writing ----------------------------------------------------------- */

struct pf_buf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

/*
 * Room for need bytes in b, the capacity doubling from first. Returns 0,
 * or the error kept in b->err (-ENOMEM): every later put then does
 * nothing, and the writer checks b->err once at the end.
 */
static int pf_reserve(struct pf_buf *b, size_t need, size_t first)
{
	size_t cap;
	uint8_t *p;

	if (b->err || need <= b->cap)
		return b->err;
	cap = b->cap ? b->cap : first;
	while (cap < need)
		cap *= 2;
	p = ubee_realloc(b->p, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* n bytes of data (NULL: zeros) at the next 8-byte boundary: their offset. */
static size_t pf_put(struct pf_buf *b, const void *data, size_t n)
{
	size_t at = (b->len + 7) & ~(size_t)7;

	if (pf_reserve(b, at + n, 4096))
		return 0;
	memset(b->p + b->len, 0, at - b->len);
	if (data)
		memcpy(b->p + at, data, n);
	else
		memset(b->p + at, 0, n);
	b->len = at + n;
	return at;
}

/* The string table, built separately and appended at the end. */
static uint32_t pf_str(struct pf_buf *s, const char *str)
{
	size_t n = strlen(str ? str : "") + 1, at = s->len;

	if (!str || !*str || pf_reserve(s, at + n, 1024))
		return 0;
	memcpy(s->p + at, str, n);
	s->len += n;
	return (uint32_t)at;
}

static int gpl_compatible(const char *l)
{
	static const char *const ok[] = { "GPL", "GPL v2", "GPL and additional rights",
					  "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" };

	for (size_t i = 0; l && i < UBEE_ARRAY_SIZE(ok); i++)
		if (!strcmp(l, ok[i]))
			return 1;
	return 0;
}

/* Write b to a temporary file next to path, then link it as path. */
static int pf_write(const char *path, const struct pf_buf *b,
		    struct ubee_log *log)
{
	char tmp[PATH_MAX + 32];
	size_t done = 0;
	int fd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		ubee_logf(log, "%s: cannot create it: %s", tmp, strerror(errno));
		return err;
	}
	while (done < b->len) {
		ssize_t n = write(fd, b->p + done, b->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			ubee_logf(log, "%s: cannot write it: %s", tmp, strerror(-err));
			goto out;
		}
		done += (size_t)n;
	}
	if (link(tmp, path)) {
		err = -errno;
		ubee_logf(log, "%s: %s", path, err == -EEXIST ?
			  "already exists (unpin it first)" : strerror(errno));
	}
out:
	close(fd);
	unlink(tmp);
	return err;
}

int ubee_prog_file_pin(const char *pinpath,
		       const struct ubee_prog_file_spec *spec,
		       struct ubee_log *log)
{
	struct pf_buf b = { 0 }, s = { 0 };
	struct pf_hdr h;
	char path[PATH_MAX];
	uint32_t *maps = NULL;
	int err;

	if (!spec || !spec->insns || !spec->nr_insns ||
	    spec->nr_insns > UBEE_MAX_INSNS || spec->nr_maps > PF_MAX_MAPS ||
	    spec->nr_lines > PF_MAX_RECS || spec->nr_funcs > PF_MAX_RECS) {
		ubee_logf(log, "%s: nothing to pin or a limit exceeded", pinpath);
		return -EINVAL;
	}
	err = ubee_pin_resolve(pinpath, path, sizeof(path), log);
	if (err)
		return err;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, UBEE_PIN_PROG_MAGIC, UBEE_PIN_MAGIC_LEN);
	h.version = UBEE_PROG_FILE_VERSION;
	h.hdr_size = sizeof(h);
	h.prog_type = spec->prog_type;
	h.expected_attach_type = spec->expected_attach_type;
	h.prog_flags = spec->prog_flags;
	h.gpl = gpl_compatible(spec->license);
	h.uid = (uint32_t)getuid();
	h.load_time = (uint64_t)time(NULL);
	snprintf(h.name, sizeof(h.name), "%s", spec->name ? spec->name : "");
	h.nr_insns = (uint32_t)spec->nr_insns;
	h.nr_maps = (uint32_t)spec->nr_maps;
	h.nr_lines = (uint32_t)spec->nr_lines;
	h.nr_funcs = (uint32_t)spec->nr_funcs;
	ubee_prog_tag(spec->insns, spec->nr_insns, h.tag);

	s.cap = 1024;
	s.p = ubee_malloc(s.cap);
	if (!s.p) {
		err = -ENOMEM;
		goto out;
	}
	s.p[0] = 0; /* offset 0 is "" */
	s.len = 1;
	h.license = pf_str(&s, spec->license);
	pf_put(&b, NULL, sizeof(h));
	h.insns.size = spec->nr_insns * sizeof(struct ubee_insn);
	h.insns.off = pf_put(&b, spec->insns, h.insns.size);
	maps = ubee_calloc(spec->nr_maps ? spec->nr_maps : 1, sizeof(*maps));
	if (!maps) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < spec->nr_maps; i++)
		maps[i] = pf_str(&s, spec->map_paths[i]);
	h.maps.size = spec->nr_maps * sizeof(*maps);
	h.maps.off = pf_put(&b, maps, h.maps.size);
	h.lines.size = spec->nr_lines * sizeof(struct pf_line);
	h.lines.off = pf_put(&b, NULL, h.lines.size);
	for (size_t i = 0; i < spec->nr_lines && !b.err; i++) {
		const struct ubee_object_line *l = &spec->lines[i];
		struct pf_line r = { (uint32_t)l->insn, pf_str(&s, l->file),
				     pf_str(&s, l->line), l->line_num, l->col };

		memcpy(b.p + h.lines.off + i * sizeof(r), &r, sizeof(r));
	}
	h.funcs.size = spec->nr_funcs * sizeof(struct pf_func);
	h.funcs.off = pf_put(&b, NULL, h.funcs.size);
	for (size_t i = 0; i < spec->nr_funcs && !b.err; i++) {
		struct pf_func r = { (uint32_t)spec->funcs[i].insn,
				     spec->funcs[i].type_id };

		memcpy(b.p + h.funcs.off + i * sizeof(r), &r, sizeof(r));
	}
	h.btf.size = spec->btf ? spec->btf_size : 0;
	h.btf.off = pf_put(&b, spec->btf, h.btf.size);
	err = s.err ? s.err : b.err;
	if (err)
		goto out;
	h.strs.size = s.len;
	h.strs.off = pf_put(&b, s.p, s.len);
	h.file_size = b.len;
	if (b.err) {
		err = b.err;
		goto out;
	}
	memcpy(b.p, &h, sizeof(h));
	err = pf_write(path, &b, log);
out:
	if (err == -ENOMEM)
		ubee_logf(log, "%s: out of memory", pinpath);
	ubee_free(maps);
	ubee_free(s.p);
	ubee_free(b.p);
	return err;
}

/* ---- opening ----------------------------------------------------------- */

/* sec lies inside the file, aligned to 8, and holds n records of rec bytes. */
static int sec_ok(const struct ubee_prog_file *pf, const struct pf_sec *sec,
		  uint64_t n, size_t rec)
{
	return sec->off <= pf->size && sec->size <= pf->size - sec->off &&
	       sec->off % 8 == 0 && sec->size == n * rec &&
	       (sec->size == 0 || sec->off >= sizeof(struct pf_hdr));
}

/* A string offset of the file's table, or NULL when out of range. */
static const char *pf_string(const struct ubee_prog_file *pf, uint32_t off)
{
	return off < pf->str_size ? pf->strs + off : NULL;
}

static int pf_check(struct ubee_prog_file *pf, struct ubee_log *log)
{
	const struct pf_hdr *h = (const void *)pf->base;
	const struct pf_line *lines;
	const struct pf_func *funcs;
	const char *what = NULL;

	if (pf->size < sizeof(*h) || memcmp(h->magic, UBEE_PIN_PROG_MAGIC,
					    UBEE_PIN_MAGIC_LEN)) {
		ubee_logf(log, "%s: not a ubee program file", pf->path);
		return -EINVAL;
	}
	if (h->version != UBEE_PROG_FILE_VERSION) {
		ubee_logf(log, "%s: program file version %u, this ubee reads version %u",
			  pf->path, h->version, UBEE_PROG_FILE_VERSION);
		return -EPROTO;
	}
	if (h->hdr_size != sizeof(*h))
		what = "header size";
	else if (h->file_size != pf->size)
		what = "file size (truncated?)";
	else if (!h->nr_insns || h->nr_insns > UBEE_MAX_INSNS ||
		 !sec_ok(pf, &h->insns, h->nr_insns, sizeof(struct ubee_insn)))
		what = "instructions";
	else if (h->nr_maps > PF_MAX_MAPS || !sec_ok(pf, &h->maps, h->nr_maps, 4))
		what = "maps";
	else if (h->nr_lines > PF_MAX_RECS ||
		 !sec_ok(pf, &h->lines, h->nr_lines, sizeof(struct pf_line)))
		what = "line info";
	else if (h->nr_funcs > PF_MAX_RECS ||
		 !sec_ok(pf, &h->funcs, h->nr_funcs, sizeof(struct pf_func)))
		what = "func info";
	else if (!sec_ok(pf, &h->strs, h->strs.size, 1) || !h->strs.size ||
		 h->strs.size > UINT32_MAX ||
		 pf->base[h->strs.off + h->strs.size - 1])
		what = "string table";
	else if (!sec_ok(pf, &h->btf, h->btf.size, 1))
		what = "BTF";
	else if (memchr(h->name, 0, sizeof(h->name)) == NULL)
		what = "name";
	if (what) {
		ubee_logf(log, "%s: bad program file: %s", pf->path, what);
		return -EINVAL;
	}
	pf->strs = (const char *)pf->base + h->strs.off;
	pf->str_size = (uint32_t)h->strs.size;
	pf->maps = (const uint32_t *)(pf->base + h->maps.off);
	for (uint32_t i = 0; i < h->nr_maps; i++)
		if (!pf_string(pf, pf->maps[i])) {
			ubee_logf(log, "%s: bad program file: map %u path", pf->path, i);
			return -EINVAL;
		}
	if (!pf_string(pf, h->license)) {
		ubee_logf(log, "%s: bad program file: license", pf->path);
		return -EINVAL;
	}
	pf->lines = ubee_calloc(h->nr_lines + 1, sizeof(*pf->lines));
	pf->funcs = ubee_calloc(h->nr_funcs + 1, sizeof(*pf->funcs));
	if (!pf->lines || !pf->funcs)
		return -ENOMEM;
	lines = (const void *)(pf->base + h->lines.off);
	for (uint32_t i = 0; i < h->nr_lines; i++) {
		struct ubee_object_line *l = &pf->lines[i];

		l->insn = lines[i].insn;
		l->file = pf_string(pf, lines[i].file);
		l->line = pf_string(pf, lines[i].line);
		l->line_num = lines[i].line_num;
		l->col = lines[i].col;
		if (!l->file || !l->line || l->insn >= h->nr_insns ||
		    (i && l->insn < pf->lines[i - 1].insn)) {
			ubee_logf(log, "%s: bad program file: line info record %u",
				  pf->path, i);
			return -EINVAL;
		}
	}
	funcs = (const void *)(pf->base + h->funcs.off);
	for (uint32_t i = 0; i < h->nr_funcs; i++) {
		pf->funcs[i].insn = funcs[i].insn;
		pf->funcs[i].type_id = funcs[i].type_id;
	}
	if (h->btf.size) {
		int err = ubee_btf_parse(pf->base + h->btf.off, h->btf.size,
					 &pf->btf, log);

		if (err) {
			ubee_logf(log, "%s: bad program file: BTF", pf->path);
			return err;
		}
		for (uint32_t i = 0; i < h->nr_funcs; i++)
			if (ubee_btf_kind(pf->btf, pf->funcs[i].type_id) !=
			    UBEE_BTF_KIND_FUNC) {
				ubee_logf(log, "%s: bad program file: func info record %u",
					  pf->path, i);
				return -EINVAL;
			}
	} else if (h->nr_funcs) {
		ubee_logf(log, "%s: bad program file: func info without BTF", pf->path);
		return -EINVAL;
	}
	return 0;
}

int ubee_prog_file_open(const char *pinpath, struct ubee_prog_file **out,
			struct ubee_log *log)
{
	struct ubee_prog_file *pf;
	const struct pf_hdr *h;
	struct stat st;
	int fd = -1, err;

	*out = NULL;
	pf = ubee_calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	err = ubee_pin_resolve(pinpath, pf->path, sizeof(pf->path), log);
	if (err)
		goto fail;
	pf->writable = 1;
	fd = open(pf->path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS)) {
		pf->writable = 0; /* runs then count nowhere */
		fd = open(pf->path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		ubee_logf(log, "%s: %s", pf->path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct pf_hdr) ||
	    (uint64_t)st.st_size > PF_MAX_FILE) {
		err = -EINVAL;
		ubee_logf(log, "%s: not a ubee program file (%s)", pf->path,
			  S_ISREG(st.st_mode) ? "size" : "not a regular file");
		goto fail;
	}
	pf->size = (size_t)st.st_size;
	pf->base = mmap(NULL, pf->size, PROT_READ | (pf->writable ? PROT_WRITE : 0),
			MAP_SHARED, fd, 0);
	if (pf->base == MAP_FAILED) {
		pf->base = NULL;
		err = -errno;
		ubee_logf(log, "%s: cannot map it: %s", pf->path, strerror(errno));
		goto fail;
	}
	err = pf_check(pf, log);
	if (err)
		goto fail;
	h = (const void *)pf->base;
	pf->info = (struct ubee_prog_file_info){
		.path = pf->path,
		.id = (uint32_t)(st.st_ino & 0x7fffffff) ? (uint32_t)(st.st_ino & 0x7fffffff) : 1,
		.name = h->name,
		.prog_type = h->prog_type,
		.expected_attach_type = h->expected_attach_type,
		.prog_flags = h->prog_flags,
		.gpl_compatible = !!h->gpl,
		.license = pf_string(pf, h->license),
		.load_time = h->load_time,
		.uid = h->uid,
		.insns = (const struct ubee_insn *)(pf->base + h->insns.off),
		.nr_insns = h->nr_insns,
		.nr_maps = h->nr_maps,
		.lines = pf->lines,
		.nr_lines = h->nr_lines,
		.funcs = pf->funcs,
		.nr_funcs = h->nr_funcs,
	};
	memcpy(pf->info.tag, h->tag, sizeof(h->tag));
	close(fd);
	*out = pf;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	ubee_prog_file_close(pf);
	return err;
}

void ubee_prog_file_close(struct ubee_prog_file *pf)
{
	if (!pf)
		return;
	if (pf->base)
		munmap(pf->base, pf->size);
	ubee_btf_free(pf->btf);
	ubee_free(pf->lines);
	ubee_free(pf->funcs);
	ubee_free(pf);
}

const struct ubee_prog_file_info *ubee_prog_file_info(const struct ubee_prog_file *pf)
{
	return &pf->info;
}

const struct ubee_btf *ubee_prog_file_btf(const struct ubee_prog_file *pf)
{
	return pf->btf;
}

const char *ubee_prog_file_map_path(const struct ubee_prog_file *pf, size_t i)
{
	const char *s;

	if (i >= pf->info.nr_maps)
		return NULL;
	s = pf_string(pf, pf->maps[i]);
	return s && *s ? s : NULL;
}

void ubee_prog_file_stats(const struct ubee_prog_file *pf, uint64_t *run_cnt,
			  uint64_t *run_time_ns)
{
	const struct pf_hdr *h = (const void *)pf->base;

	*run_cnt = __atomic_load_n(&h->stats.run_cnt, __ATOMIC_RELAXED);
	*run_time_ns = __atomic_load_n(&h->stats.run_time_ns, __ATOMIC_RELAXED);
}

/* ---- loading ----------------------------------------------------------- */

struct pf_resolve {
	struct ubee_prog_file *pf;
	struct ubee_map **maps;      /* by map index, opened on demand */
};

static int pf_resolve(void *arg, uint32_t insn_idx, int src, int32_t imm,
		      int32_t imm2, uint64_t *value, struct ubee_log *log)
{
	struct pf_resolve *r = arg;
	const uint32_t zero = 0;
	struct ubee_map *m;
	uint8_t *base;

	if ((src != PF_PSEUDO_MAP_IDX && src != PF_PSEUDO_MAP_IDX_VALUE) ||
	    imm < 0 || (size_t)imm >= r->pf->info.nr_maps || !r->maps[imm]) {
		ubee_logf(log, "%u: lddw source %d with map index %d: the program file has no such map",
			  insn_idx, src, imm);
		return -EINVAL;
	}
	m = r->maps[imm];
	if (src == PF_PSEUDO_MAP_IDX) {
		*value = (uint64_t)(uintptr_t)m;
		return 0;
	}
	if (imm2 < 0 || (uint32_t)imm2 >= m->value_size || !m->ops->lookup ||
	    !(base = m->ops->lookup(m, &zero))) {
		ubee_logf(log, "%u: lddw of map %s value + %d: no such address",
			  insn_idx, ubee_prog_file_map_path(r->pf, (size_t)imm), imm2);
		return -EINVAL;
	}
	*value = (uint64_t)(uintptr_t)(base + imm2);
	return 0;
}

int ubee_prog_file_load(struct ubee_prog_file *pf,
			const struct ubee_helpers *helpers, uint32_t extra_flags,
			struct ubee_prog **out, struct ubee_log *log)
{
	const struct ubee_prog_file_info *in = &pf->info;
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct pf_resolve r = { pf, NULL };
	struct ubee_map **used = NULL;
	size_t nr_used = 0;
	int err = -ENOMEM;

	*out = NULL;
	r.maps = ubee_calloc(in->nr_maps + 1, sizeof(*r.maps));
	used = ubee_calloc(in->nr_maps + 1, sizeof(*used));
	if (!r.maps || !used)
		goto out;
	/* The maps the instructions name, each opened once. */
	for (size_t i = 0; i < in->nr_insns; i++) {
		const struct ubee_insn *x = &in->insns[i];
		const char *path;

		if (x->code != 0x18 || (x->src_reg != PF_PSEUDO_MAP_IDX &&
					x->src_reg != PF_PSEUDO_MAP_IDX_VALUE))
			continue;
		if (x->imm < 0 || (size_t)x->imm >= in->nr_maps ||
		    r.maps[x->imm])
			continue; /* bad ones are the resolver's to report */
		path = ubee_prog_file_map_path(pf, (size_t)x->imm);
		if (!path)
			continue;
		err = ubee_map_open_pinned(path, &r.maps[x->imm], log);
		if (err) {
			ubee_logf(log, "%s: map %d of program %s: cannot open its pin",
				  in->path, x->imm, in->name);
			goto out;
		}
		used[nr_used++] = r.maps[x->imm];
	}
	po.name = in->name;
	po.helpers = helpers;
	po.flags = in->prog_flags | extra_flags;
	po.resolve_ldimm64 = pf_resolve;
	po.resolve_arg = &r;
	po.prog_type = in->prog_type;
	po.maps = used;
	po.nr_maps = nr_used;
	po.lines = in->lines;
	po.nr_lines = in->nr_lines;
	err = ubee_prog_load(in->insns, in->nr_insns, &po, out, log);
	if (!err && pf->writable)
		(*out)->stats_at = &((struct pf_hdr *)pf->base)->stats;
out:
	for (size_t i = 0; r.maps && i < in->nr_maps; i++)
		ubee_map_put(r.maps[i]);
	ubee_free(r.maps);
	ubee_free(used);
	return err;
}
