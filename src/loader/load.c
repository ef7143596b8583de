// SPDX-License-Identifier: MIT
/*
 * ubee_object_load: turn an opened object into live maps and programs.
 *  1. Create every map (an inner template first, as the geometry its map
 *     of maps demands); global data maps get the section's bytes and
 *     .rodata maps are then frozen; maps of maps get their initial
 *     inner maps.
 *  2. When a program to load has CO-RE relocations, read the target BTF
 *     (vmlinux unless told otherwise; once) and apply them to a copy of
 *     the program.
 *  3. Load each program (every autoload one, or all) with its type from
 *     the SEC table and the maps it references; its pseudo lddw resolve
 *     to struct ubee_map pointers (source 5) or to addresses inside a
 *     global data map's value (source 6, found with the map's own lookup
 *     op so the program and user space share one copy).
 *  4. Fill prog arrays' initial slots with the loaded programs.
 * Failure at any step unloads what was done, so the object can be loaded
 * again.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"
#include "maps/maps.h"
#include "ubee/progtype.h"
#include "util/util.h"

#define DEFAULT_VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define PSEUDO_MAP_IDX 5
#define PSEUDO_MAP_IDX_VALUE 6

static int create_one(struct obj_map *m, const struct ubee_map *inner,
		      struct ubee_log *log)
{
	struct ubee_map_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.sz = sizeof(spec);
	spec.name = m->name;
	spec.type = m->type;
	spec.key_size = m->key_size;
	spec.value_size = m->value_size;
	spec.max_entries = m->max_entries;
	spec.map_flags = m->map_flags;
	spec.map_extra = m->map_extra;
	spec.inner = inner;
	m->map = ubee_map_new(&spec, log);
	if (!m->map) {
		int err = errno ? -errno : -EINVAL;

		ubee_logf(log, "map '%s': cannot create it (type %u, key %u, value %u, max_entries %u, flags 0x%x)",
			  m->name, m->type, m->key_size, m->value_size,
			  m->max_entries, m->map_flags);
		return err;
	}
	return 0;
}

static uint64_t obj_map_memory(const struct obj_map *m)
{
	struct ubee_map_spec spec = { .sz = sizeof(spec), .type = m->type,
				      .key_size = m->key_size,
				      .value_size = m->value_size,
				      .max_entries = m->max_entries };

	return ubee_map_spec_memory(&spec);
}

/*
 * The maps' memory against the cap, before anything is allocated: a huge
 * max_entries is a clear error, not an out-of-memory kill.
 */
static int check_memory(const struct ubee_object *obj, uint64_t cap,
			struct ubee_log *log)
{
	uint64_t total = 0;

	for (size_t i = 0; i < obj->nmaps; i++) {
		const struct obj_map *m = &obj->maps[i];
		uint64_t need = obj_map_memory(m) +
				(m->inner ? obj_map_memory(m->inner) : 0);

		if (need > cap - total) {
			ubee_logf(log, "map '%s': needs about %llu bytes, which takes the object's maps over the limit of %llu bytes",
				  m->name, (unsigned long long)need,
				  (unsigned long long)cap);
			return -E2BIG;
		}
		total += need;
	}
	return 0;
}

static int create_maps(struct ubee_object *obj,
		       const struct ubee_object_load_opts *o,
		       struct ubee_log *log)
{
	const uint32_t zero = 0;
	size_t i, j;
	int err;

	for (i = 0; i < obj->nmaps; i++) {
		struct obj_map *m = &obj->maps[i];

		if (m->inner) {
			err = create_one(m->inner, NULL, log);
			if (err)
				return err;
		}
		/* A map pinned by name is reused as it is (pin.c). */
		err = obj_map_reuse_pinned(obj, m, o->pin_root_path, log);
		if (err < 0)
			return err;
		if (err > 0)
			continue;
		err = create_one(m, m->inner ? m->inner->map : NULL, log);
		if (err)
			return err;
		if (m->data) {
			err = ubee_map_update(m->map, &zero, m->data, UBEE_ANY);
			if (err) {
				ubee_logf(log, "map '%s': cannot store its initial value", m->name);
				return err;
			}
		}
		if (m->kind == UBEE_OBJECT_MAP_RODATA) {
			err = ubee_map_freeze(m->map);
			if (err)
				return err;
		}
		err = obj_map_created(obj, m, o->pin_root_path, log);
		if (err)
			return err;
	}
	for (i = 0; i < obj->nmaps; i++) {
		struct obj_map *m = &obj->maps[i];

		if (m->type == UBEE_MAP_PROG_ARRAY)
			continue;
		for (j = 0; j < m->nr_slots; j++) {
			if (m->key_size != sizeof(uint32_t)) {
				ubee_logf(log, "map '%s': initial values need a 4-byte key, not %u bytes",
					  m->name, m->key_size);
				return -EINVAL;
			}
			err = ubee_map_set_ptr(m->map, &m->slots[j].key,
					       obj->maps[m->slots[j].target].map);
			if (err) {
				ubee_logf(log, "map '%s': cannot put map '%s' in slot %u",
					  m->name, obj->maps[m->slots[j].target].name,
					  m->slots[j].key);
				return err;
			}
		}
	}
	return 0;
}

struct resolve_ctx {
	const struct ubee_object *obj;
	const struct obj_prog *p;
};

/* ubee_ldimm64_fn for the lddw the linker wrote (map index, value). */
static int resolve(void *arg, uint32_t insn_idx, int src, int32_t imm,
		   int32_t imm2, uint64_t *value, struct ubee_log *log)
{
	const struct resolve_ctx *c = arg;
	const uint32_t zero = 0;
	const struct obj_map *m;
	uint8_t *base;

	if ((src != PSEUDO_MAP_IDX && src != PSEUDO_MAP_IDX_VALUE) || imm < 0 ||
	    (size_t)imm >= c->obj->nmaps) {
		ubee_logf(log, "%u: lddw source %d with map index %d: the object has no such map (%zu maps)",
			  insn_idx, src, imm, c->obj->nmaps);
		return -EINVAL;
	}
	m = &c->obj->maps[imm];
	if (src == PSEUDO_MAP_IDX) {
		*value = (uint64_t)(uintptr_t)m->map;
		return 0;
	}
	if (imm2 < 0 || (uint32_t)imm2 >= m->value_size || !m->map->ops->lookup ||
	    !(base = m->map->ops->lookup(m->map, &zero))) {
		ubee_logf(log, "%u: lddw of map '%s' value + %d: no such address",
			  insn_idx, m->name, imm2);
		return -EINVAL;
	}
	*value = (uint64_t)(uintptr_t)(base + imm2);
	return 0;
}

/* Read a whole file (the target BTF) into a new buffer. */
static int read_file(const char *path, uint8_t **buf, size_t *len,
		     struct ubee_log *log)
{
	struct stat st;
	size_t got = 0;
	int fd, err = 0;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > UBEE_BTF_MAX_SIZE) {
		err = fd < 0 ? -errno : -EINVAL;
		ubee_logf(log, "target BTF %s: cannot read it%s", path,
			  fd < 0 ? "" : " (not a regular file of at most 1 GiB)");
		goto out;
	}
	/* sysfs reports a size but may deliver less: read until EOF. */
	*buf = ubee_malloc((size_t)st.st_size + 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, *buf + got, (size_t)st.st_size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			ubee_logf(log, "target BTF %s: read error", path);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > (size_t)st.st_size) {
			ubee_logf(log, "target BTF %s: the file grew while being read",
				  path);
			err = -EINVAL;
			goto out;
		}
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	if (err) {
		ubee_free(*buf);
		*buf = NULL;
	}
	return err;
}

/* The CO-RE target BTF per the options, or NULL when there is none. */
static int open_target(const struct ubee_object_load_opts *o,
		       struct ubee_btf **out, struct ubee_log *log)
{
	const char *path = o->vmlinux_btf;
	uint8_t *buf;
	size_t len = 0;
	int err;

	*out = NULL;
	if (path && !*path)
		return 0;
	if (!path) {
		if (access(DEFAULT_VMLINUX_BTF, R_OK))
			return 0;
		path = DEFAULT_VMLINUX_BTF;
	}
	err = read_file(path, &buf, &len, log);
	if (err)
		return err;
	err = ubee_btf_parse(buf, len, out, log);
	if (err)
		ubee_logf(log, "target BTF %s: malformed", path);
	ubee_free(buf);
	return err;
}

static int load_prog(struct ubee_object *obj, struct obj_prog *p,
		     const struct ubee_object_load_opts *o,
		     const struct ubee_btf *target, struct ubee_log *log)
{
	struct resolve_ctx rc = { obj, p };
	const struct ubee_prog_type *type;
	struct ubee_prog_opts po;
	struct ubee_map **maps = NULL;
	size_t i;
	int err;

	type = ubee_prog_type_find(p->prog_type);
	/* A type ubee only verifies loads for offline verification only. */
	if (!type || ((type->flags & UBEE_PT_VERIFY_ONLY) &&
		      !(o->prog_flags & UBEE_PROG_VERIFY_ONLY))) {
		ubee_logf(log, "program '%s' (section %s): ubee does not support program type %s (%u)%s",
			  p->name, p->section,
			  ubee_sec_prog_type_name(p->prog_type) ?
				  ubee_sec_prog_type_name(p->prog_type) : "unknown",
			  p->prog_type,
			  type ? "; it can only be verified (ubee verify)" : "");
		return -EOPNOTSUPP;
	}
	p->final = ubee_malloc(p->nr_insns * sizeof(*p->final));
	maps = ubee_calloc(p->nr_maps ? p->nr_maps : 1, sizeof(*maps));
	if (!p->final || !maps) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(p->final, p->insns, p->nr_insns * sizeof(*p->final));
	err = obj_core_apply(obj, p, target, log);
	if (err)
		goto out;
	for (i = 0; i < p->nr_maps; i++)
		maps[i] = obj->maps[p->maps[i]].map;
	memset(&po, 0, sizeof(po));
	po.sz = sizeof(po);
	po.name = p->name;
	po.helpers = o->helpers;
	po.flags = o->prog_flags;
	po.resolve_ldimm64 = resolve;
	po.resolve_arg = &rc;
	po.prog_type = p->prog_type;
	po.maps = maps;
	po.nr_maps = p->nr_maps;
	po.log_level = o->log_level;
	po.ctx_size = o->mem_ctx_size;
	po.lines = p->lines;
	po.nr_lines = p->nr_lines;
	err = ubee_prog_load(p->final, p->nr_insns, &po, &p->prog, log);
	if (err)
		ubee_logf(log, "program '%s' (section %s): cannot load it",
			  p->name, p->section);
out:
	ubee_free(maps);
	return err;
}

static int fill_prog_arrays(struct ubee_object *obj, struct ubee_log *log)
{
	for (size_t i = 0; i < obj->nmaps; i++) {
		struct obj_map *m = &obj->maps[i];

		if (m->type != UBEE_MAP_PROG_ARRAY)
			continue;
		for (size_t j = 0; j < m->nr_slots; j++) {
			struct obj_prog *p = &obj->progs[m->slots[j].target];
			int err;

			if (!p->prog)
				continue; /* not loaded: the slot stays empty */
			err = ubee_map_set_ptr(m->map, &m->slots[j].key, p->prog);
			if (err) {
				ubee_logf(log, "map '%s': cannot put program '%s' in slot %u",
					  m->name, p->name, m->slots[j].key);
				return err;
			}
		}
	}
	return 0;
}

void obj_unload(struct ubee_object *obj)
{
	size_t i, j;

	/* Prog arrays only borrow programs: empty the slots first. */
	for (i = 0; i < obj->nmaps; i++) {
		struct obj_map *m = &obj->maps[i];

		if (m->type != UBEE_MAP_PROG_ARRAY || !m->map)
			continue;
		for (j = 0; j < m->nr_slots; j++)
			ubee_map_set_ptr(m->map, &m->slots[j].key, NULL);
	}
	for (i = 0; i < obj->nprogs; i++) {
		ubee_prog_free(obj->progs[i].prog);
		obj->progs[i].prog = NULL;
		ubee_free(obj->progs[i].final);
		obj->progs[i].final = NULL;
	}
	for (i = 0; i < obj->nmaps; i++) {
		struct obj_map *m = &obj->maps[i];

		ubee_map_put(m->map);
		m->map = NULL;
		if (m->inner) {
			ubee_map_put(m->inner->map);
			m->inner->map = NULL;
		}
	}
	obj->loaded = 0;
}

/* Copy the caller's options: a shorter (older) struct is fine, a longer
 * one only if the bytes ubee does not know are zero. */
static int copy_opts(struct ubee_object_load_opts *o,
		     const struct ubee_object_load_opts *opts,
		     struct ubee_log *log)
{
	const unsigned char *s = (const unsigned char *)opts;

	memset(o, 0, sizeof(*o));
	if (!opts)
		return 0;
	if (opts->sz < sizeof(size_t)) {
		ubee_logf(log, "load options: size %zu is too small", opts->sz);
		return -EINVAL;
	}
	for (size_t i = sizeof(*o); i < opts->sz; i++) {
		if (s[i]) {
			ubee_logf(log, "load options: unknown option at byte %zu", i);
			return -EINVAL;
		}
	}
	memcpy(o, opts, opts->sz < sizeof(*o) ? opts->sz : sizeof(*o));
	return 0;
}

int ubee_object_load(struct ubee_object *obj,
		     const struct ubee_object_load_opts *opts,
		     struct ubee_log *log)
{
	struct ubee_object_load_opts o;
	struct ubee_btf *target = NULL;
	int err, target_read = 0;

	if (!obj)
		return -EINVAL;
	if (obj->loaded) {
		ubee_logf(log, "the object is already loaded");
		return -EBUSY;
	}
	err = copy_opts(&o, opts, log);
	if (err)
		return err;
	err = check_memory(obj, o.max_memory ? o.max_memory : UBEE_OBJECT_MAX_MEMORY,
			   log);
	if (!err)
		err = create_maps(obj, &o, log);
	for (size_t i = 0; !err && i < obj->nprogs; i++) {
		struct obj_prog *p = &obj->progs[i];

		if (!p->autoload && !o.load_all)
			continue;
		/* The target BTF is read once, when a program needs it. */
		if (!target_read && obj_core_needed(obj, p)) {
			target_read = 1;
			err = open_target(&o, &target, log);
			if (err)
				break;
		}
		err = load_prog(obj, p, &o, target, log);
	}
	if (!err)
		err = fill_prog_arrays(obj, log);
	ubee_btf_free(target);
	if (err) {
		if (err == -ENOMEM)
			ubee_logf(log, "out of memory loading the object");
		obj_unpin_new(obj, o.pin_root_path);
		obj_unload(obj);
		return err;
	}
	obj->loaded = 1;
	return 0;
}

void *ubee_object_map_data(const struct ubee_object *obj, size_t i,
			   size_t *size)
{
	const uint32_t zero = 0;
	const struct obj_map *m;
	void *v;

	if (!obj || i >= obj->nmaps || !obj->maps[i].map ||
	    (obj->maps[i].kind != UBEE_OBJECT_MAP_DATA &&
	     obj->maps[i].kind != UBEE_OBJECT_MAP_RODATA &&
	     obj->maps[i].kind != UBEE_OBJECT_MAP_BSS)) {
		errno = ENOENT;
		return NULL;
	}
	m = &obj->maps[i];
	v = m->map->ops->lookup(m->map, &zero);
	if (v && size)
		*size = m->value_size;
	if (!v)
		errno = ENOENT;
	return v;
}
