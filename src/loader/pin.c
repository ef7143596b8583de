// SPDX-License-Identifier: MIT
/*
 * Maps pinned by name, as libbpf does for __uint(pinning,
 * LIBBPF_PIN_BY_NAME) when the load options give a pin root (NULL: no
 * pinning, "": the pin directory): before creating such a map the loader
 * looks for ROOT/NAME; a map pinned there is reused when its type, key and value
 * sizes, max_entries, flags and map_extra all match (libbpf's
 * map_is_reuse_compat) and refused with a message naming the first
 * difference otherwise. A map the loader creates gets the object's BTF
 * (so that a pinned map pretty-prints from another process) and, when
 * pinned by name, is pinned at ROOT/NAME after its initial contents are
 * written; a failed load removes the pins it made.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "loader/loader.h"
#include "maps/maps.h"
#include "pin/pin.h"
#include "util/util.h"

#define PIN_BY_NAME 1

static int pin_path(const char *root, const struct obj_map *m, char *buf,
		    size_t size, struct ubee_log *log)
{
	char dir[PATH_MAX];
	int err = 0;

	if (!*root) {
		err = ubee_pin_dir(dir, sizeof(dir), log);
		root = dir;
	}
	if (!err && snprintf(buf, size, "%s/%s", root, m->name) >= (int)size)
		err = -ENAMETOOLONG;
	if (err)
		ubee_logf(log, "map '%s': no pin path (%d)", m->name, err);
	return err;
}

/* The first field in which the pinned map differs from the definition. */
static const char *mismatch(const struct ubee_map *p, const struct obj_map *m,
			    uint64_t *have, uint64_t *want)
{
#define CMP(field, a, b)                                                      \
	do {                                                                  \
		if ((uint64_t)(a) != (uint64_t)(b)) {                         \
			*have = (a);                                          \
			*want = (b);                                          \
			return field;                                         \
		}                                                             \
	} while (0)
	CMP("type", p->type, m->type);
	CMP("key_size", p->key_size, m->key_size);
	CMP("value_size", p->value_size, m->value_size);
	CMP("max_entries", p->max_entries, m->max_entries);
	CMP("map_flags", p->map_flags, m->map_flags);
	CMP("map_extra", p->map_extra, m->map_extra);
#undef CMP
	return NULL;
}

int obj_map_reuse_pinned(struct ubee_object *obj, struct obj_map *m,
			 const char *root, struct ubee_log *log)
{
	char path[PATH_MAX];
	struct ubee_map *p = NULL;
	uint64_t have, want;
	const char *field;
	int err;

	if (m->pinning != PIN_BY_NAME || !root)
		return 0;
	err = pin_path(root, m, path, sizeof(path), log);
	if (err)
		return err;
	if (ubee_pin_type(path) == -ENOENT)
		return 0;
	err = ubee_map_open_pinned(path, &p, log);
	if (err) {
		ubee_logf(log, "map '%s': cannot reuse the map pinned at %s",
			  m->name, path);
		return err;
	}
	field = mismatch(p, m, &have, &want);
	if (field) {
		ubee_logf(log, "map '%s': the map pinned at %s is incompatible: %s %llu, the object wants %llu",
			  m->name, path, field, (unsigned long long)have,
			  (unsigned long long)want);
		ubee_map_put(p);
		return -EINVAL;
	}
	m->map = p;
	return 1;
}

int obj_map_created(struct ubee_object *obj, struct obj_map *m,
		    const char *root, struct ubee_log *log)
{
	char path[PATH_MAX];
	int err;

	if (obj->btf && (m->btf_key || m->btf_value)) {
		err = ubee_map_set_btf_obj(m->map, obj->btf, m->btf_key,
					   m->btf_value);
		if (err)
			return err;
	}
	if (m->pinning != PIN_BY_NAME || !root)
		return 0;
	err = pin_path(root, m, path, sizeof(path), log);
	if (!err)
		err = ubee_map_pin(m->map, path, log);
	if (err) {
		ubee_logf(log, "map '%s': cannot pin it by name", m->name);
		return err;
	}
	m->pinned_new = 1;
	return 0;
}

void obj_unpin_new(struct ubee_object *obj, const char *root)
{
	for (size_t i = 0; i < obj->nmaps; i++) {
		struct obj_map *m = &obj->maps[i];
		char path[PATH_MAX];

		if (m->pinned_new && root &&
		    !pin_path(root, m, path, sizeof(path), NULL))
			ubee_pin_unlink(path, NULL);
		m->pinned_new = 0;
	}
}
