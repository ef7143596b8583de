// SPDX-License-Identifier: MIT
/*
 * Map files: the shared storage of maps whose type has shm ops, and
 * pinning and opening it (layout in map_file.h).
 *
 * Every such map, pinned or not, lives in one page-aligned mapping: the
 * header page, then the type's region (a ring buffer's data mapped twice
 * in a row). An unpinned map's mapping is anonymous memory (a memfd for
 * the mirrored types). Pinning writes the header, the region and the BTF
 * to a file under a temporary name, links it to its pin path (so nobody
 * ever opens a half-written file, and an existing path is -EEXIST), then
 * maps the file MAP_SHARED|MAP_FIXED over the very same addresses: values
 * programs point to and addresses the JIT baked into code stay valid and
 * now reach the file. Opening reads the header with pread, checks every
 * field against the file size and the type's own rules before mapping
 * anything, maps the file shared and lets the type check the indices in
 * its region, then repairs what a killed process may have left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pin/map_file.h"
#include "pin/pin.h"
#include "util/util.h"

/* BTF kept in a map file is at most this big (vmlinux's is ~6 MiB). */
#define MAP_FILE_MAX_BTF (64u << 20)

static uint64_t page_round(uint64_t n)
{
	return (n + UBEE_MAP_SHM_HDR - 1) & ~(uint64_t)(UBEE_MAP_SHM_HDR - 1);
}

/* Header page + region, the part a file holds (no mirror, no BTF). */
static uint64_t shm_file_bytes(const struct ubee_map *map)
{
	return UBEE_MAP_SHM_HDR + map->shm->region_size;
}

static uint64_t shm_mirror(const struct ubee_map *map)
{
	return map->ops->shm_mirror ? map->ops->shm_mirror(map) : 0;
}

/*
 * Map fd's header and region at addr (MAP_FIXED; addr must be a mapping
 * of span bytes we own), and the mirrored tail after them. 0 or -errno.
 */
static int map_fd_at(void *addr, int fd, uint64_t bytes, uint64_t mirror)
{
	void *p;

	p = mmap(addr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (!mirror)
		return 0;
	p = mmap((char *)addr + bytes, mirror, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, (off_t)(bytes - mirror));
	return p == MAP_FAILED ? -errno : 0;
}

static void fill_hdr(struct ubee_map_hdr *h, const struct ubee_map *map,
		     uint64_t region)
{
	memcpy(h->magic, UBEE_PIN_MAP_MAGIC, sizeof(h->magic));
	h->version = UBEE_MAP_FILE_VERSION;
	h->hdr_size = UBEE_MAP_SHM_HDR;
	h->type = map->type;
	h->key_size = map->key_size;
	h->value_size = map->value_size;
	h->max_entries = map->max_entries;
	h->map_flags = map->map_flags;
	h->nr_cpus = ubee_map_nr_cpus();
	h->map_extra = map->map_extra;
	memcpy(h->name, map->name, sizeof(h->name));
	h->region_size = region;
	h->id = map->id;
}

int ubee_map_shm_new(struct ubee_map *map, struct ubee_log *log)
{
	uint64_t region = page_round(map->ops->shm_size(map));
	uint64_t mirror, bytes = UBEE_MAP_SHM_HDR + region, span;
	void *base, *token;
	int fd = -1, err;

	/* The allocator's fault injection covers this allocation too. */
	token = ubee_malloc(1);
	if (!token)
		return -ENOMEM;
	ubee_free(token);
	if (region > SIZE_MAX / 4)
		return -ENOMEM;
	map->shm_span = 0;
	mirror = map->ops->shm_mirror ? map->ops->shm_mirror(map) : 0;
	span = bytes + mirror;
	base = mmap(NULL, span, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -ENOMEM;
	if (mirror) {
		fd = memfd_create("ubee-map", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)bytes)) {
			err = -ENOMEM;
			goto fail;
		}
		err = map_fd_at(base, fd, bytes, mirror);
		if (err)
			goto fail;
		close(fd);
		fd = -1;
	}
	map->shm = base;
	map->shm_span = span;
	fill_hdr(map->shm, map, region);
	err = map->ops->shm_attach(map, ubee_map_region(map), 1, log);
	if (err) {
		map->shm = NULL;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	munmap(base, span);
	return err;
}

void ubee_map_shm_free(struct ubee_map *map)
{
	struct ubee_map_pin *pin = map->pin;

	if (map->shm)
		munmap(map->shm, map->shm_span);
	map->shm = NULL;
	if (!pin)
		return;
	ubee_btf_free(pin->btf);
	ubee_free(pin->btf_raw);
	ubee_free(pin->path);
	ubee_free(pin);
	map->pin = NULL;
}

void ubee_map_set_dirty(struct ubee_map *map)
{
	if (map->shm)
		__atomic_store_n(&map->shm->dirty, 1, __ATOMIC_RELEASE);
}

uint32_t *ubee_map_dirty_word(struct ubee_map *map)
{
	return map->shm ? &map->shm->dirty : NULL;
}

int ubee_map_dirty(const struct ubee_map *map)
{
	return map->shm && __atomic_load_n(&map->shm->dirty, __ATOMIC_ACQUIRE);
}

void ubee_map_clear_dirty(struct ubee_map *map)
{
	if (map->shm)
		__atomic_store_n(&map->shm->dirty, 0, __ATOMIC_RELEASE);
}

struct ubee_map_pin *ubee_map_pin_state(struct ubee_map *map)
{
	if (!map->pin)
		map->pin = ubee_calloc(1, sizeof(*map->pin));
	return map->pin;
}

static int write_all(int fd, const void *buf, uint64_t n, uint64_t off)
{
	const char *p = buf;

	while (n) {
		ssize_t w = pwrite(fd, p, n > (1u << 30) ? (1u << 30) : n,
				   (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (uint64_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* The pinned map's id: from the file's inode, the same for everyone. */
static uint32_t id_of(const struct stat *st)
{
	uint32_t id = (uint32_t)(st->st_ino ^ (st->st_ino >> 32)) & 0x7fffffffu;

	return id ? id : 1;
}

int ubee_map_pin(struct ubee_map *map, const char *pinpath,
		 struct ubee_log *log)
{
	static unsigned tmp_seq;
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	struct ubee_map_pin *pin;
	struct ubee_map_hdr hdr;
	struct stat st;
	uint64_t bytes;
	int fd = -1, err;

	if (!map || !pinpath)
		return -EINVAL;
	if (!map->ops->shm_size || !map->shm) {
		ubee_logf(log, "map '%s': a %s map cannot be pinned (it holds process-local pointers or has no shared storage)",
			  map->name, ubee_map_type_name(map->type));
		return -EOPNOTSUPP;
	}
	if (map->pin && map->pin->path) {
		ubee_logf(log, "map '%s': already pinned at %s", map->name,
			  map->pin->path);
		return -EBUSY;
	}
	err = ubee_pin_resolve(pinpath, path, sizeof(path), log);
	if (err)
		return err;
	pin = ubee_map_pin_state(map);
	if (!pin)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%u.%u", path, ubee_lock_self(),
		 __atomic_add_fetch(&tmp_seq, 1, __ATOMIC_RELAXED));
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		ubee_logf(log, "pin %s: cannot create %s: %s", path, tmp,
			  strerror(-err));
		return err;
	}
	bytes = shm_file_bytes(map);
	hdr = *map->shm;
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	hdr.id = id_of(&st);
	hdr.btf_off = pin->btf_raw ? bytes : 0;
	hdr.btf_size = pin->btf_raw ? pin->btf_size : 0;
	hdr.btf_key_id = pin->btf_key_id;
	hdr.btf_value_id = pin->btf_value_id;
	if (ftruncate(fd, (off_t)(bytes + hdr.btf_size))) {
		err = -errno;
		goto fail;
	}
	err = write_all(fd, ubee_map_region(map), map->shm->region_size,
			UBEE_MAP_SHM_HDR);
	if (!err && pin->btf_raw)
		err = write_all(fd, pin->btf_raw, pin->btf_size, bytes);
	if (!err)
		err = write_all(fd, &hdr, sizeof(hdr), 0);
	/* Per-CPU values: shared slot claims before anyone else can run. */
	if (!err)
		err = ubee_map_cpus_share(map, path, log);
	if (err)
		goto fail;
	if (link(tmp, path)) {
		err = -errno;
		if (err == -EEXIST)
			ubee_logf(log, "pin %s: the path exists", path);
		else
			ubee_logf(log, "pin %s: %s", path, strerror(-err));
		goto fail;
	}
	err = map_fd_at(map->shm, fd, bytes, shm_mirror(map));
	if (err) {
		/* The old mapping may be gone in part: nothing safe to do. */
		ubee_logf(log, "pin %s: cannot map the file: %s", path,
			  strerror(-err));
		unlink(path);
		goto fail;
	}
	pin->path = ubee_strdup(path);
	map->id = hdr.id;
	if (!pin->path)
		err = -ENOMEM;
fail:
	unlink(tmp);
	close(fd);
	return err;
}

/* A header field check: log "PATH: what" and fail with err. */
#define BAD(e, ...)                                                           \
	do {                                                                  \
		ubee_logf(log, __VA_ARGS__);                                  \
		err = (e);                                                    \
		goto out;                                                     \
	} while (0)

static int read_all(int fd, void *buf, uint64_t n, uint64_t off)
{
	char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		p += r;
		n -= (uint64_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/*
 * Check the header of the map file at path (size bytes) and build the map
 * object (no storage yet) into *out.
 */
static int check_hdr(const char *path, const struct ubee_map_hdr *h,
		     uint64_t size, struct ubee_map **out, struct ubee_log *log)
{
	struct ubee_map_spec spec;
	const struct ubee_map_ops *ops;
	struct ubee_map *map = NULL;
	uint64_t region;
	char name[16];
	int err = 0;

	if (!memcmp(h->magic, UBEE_PIN_PROG_MAGIC, UBEE_PIN_MAGIC_LEN))
		BAD(-EINVAL, "%s: a pinned program, not a map", path);
	if (memcmp(h->magic, UBEE_PIN_MAP_MAGIC, UBEE_PIN_MAGIC_LEN))
		BAD(-EINVAL, "%s: not a ubee map file (bad magic)", path);
	if (h->version != UBEE_MAP_FILE_VERSION)
		BAD(-EPROTO, "%s: map file version %u, this ubee reads version %u",
		    path, h->version, UBEE_MAP_FILE_VERSION);
	if (h->hdr_size != UBEE_MAP_SHM_HDR)
		BAD(-EINVAL, "%s: header size %u, expected %u", path,
		    h->hdr_size, UBEE_MAP_SHM_HDR);
	ops = ubee_map_ops_of(h->type);
	if (!ops || !ops->shm_size)
		BAD(-EINVAL, "%s: map type %u cannot be pinned", path, h->type);
	if (h->nr_cpus != ubee_map_nr_cpus())
		BAD(-ENXIO, "%s: made for %u CPUs, this host has %u", path,
		    h->nr_cpus, ubee_map_nr_cpus());
	memcpy(name, h->name, sizeof(name));
	name[sizeof(name) - 1] = 0;
	memset(&spec, 0, sizeof(spec));
	spec.sz = sizeof(spec);
	spec.name = name;
	spec.type = h->type;
	spec.key_size = h->key_size;
	spec.value_size = h->value_size;
	spec.max_entries = h->max_entries;
	spec.map_flags = h->map_flags;
	spec.map_extra = h->map_extra;
	err = ops->check(&spec, log);
	if (err)
		BAD(-EINVAL, "%s: geometry refused by the %s map type", path,
		    ubee_map_type_name(h->type));
	map = ubee_calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->ops = ops;
	map->type = h->type;
	map->key_size = h->key_size;
	map->value_size = h->value_size;
	map->max_entries = h->max_entries;
	map->map_flags = h->map_flags;
	map->map_extra = h->map_extra;
	map->refcnt = 1;
	map->id = h->id;
	memcpy(map->name, name, sizeof(map->name));
	region = page_round(ops->shm_size(map));
	if (h->region_size != region)
		BAD(-EINVAL, "%s: region of %llu bytes, the geometry needs %llu",
		    path, (unsigned long long)h->region_size,
		    (unsigned long long)region);
	if (size < UBEE_MAP_SHM_HDR + region)
		BAD(-EINVAL, "%s: truncated: %llu bytes, header and storage need %llu",
		    path, (unsigned long long)size,
		    (unsigned long long)(UBEE_MAP_SHM_HDR + region));
	if (h->btf_size &&
	    (h->btf_off < UBEE_MAP_SHM_HDR + region || h->btf_off > size ||
	     h->btf_size > size - h->btf_off || h->btf_size > MAP_FILE_MAX_BTF))
		BAD(-EINVAL, "%s: BTF at %llu + %llu is outside the file (%llu bytes)",
		    path, (unsigned long long)h->btf_off,
		    (unsigned long long)h->btf_size, (unsigned long long)size);
out:
	if (err && map) {
		ubee_free(map);
		map = NULL;
	}
	*out = map;
	return err;
}

/* Read and check the file's BTF into the map's pin state. */
static int load_btf(struct ubee_map *map, int fd, const struct ubee_map_hdr *h,
		    const char *path, struct ubee_log *log)
{
	void *raw;
	int err;

	if (!h->btf_size)
		return 0;
	raw = ubee_malloc(h->btf_size);
	if (!raw)
		return -ENOMEM;
	err = read_all(fd, raw, h->btf_size, h->btf_off);
	if (!err)
		err = ubee_map_set_btf(map, raw, h->btf_size, h->btf_key_id,
				       h->btf_value_id);
	ubee_free(raw);
	if (err == -EINVAL)
		ubee_logf(log, "%s: malformed BTF or type ids", path);
	return err;
}

int ubee_map_open_pinned(const char *pinpath, struct ubee_map **out,
			 struct ubee_log *log)
{
	char path[PATH_MAX];
	struct ubee_map_hdr h;
	struct ubee_map *map = NULL;
	struct stat st;
	uint64_t bytes, mirror;
	void *base;
	int fd, err;

	if (!pinpath || !out)
		return -EINVAL;
	*out = NULL;
	err = ubee_pin_resolve(pinpath, path, sizeof(path), log);
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		ubee_logf(log, "%s: %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(h)) {
		ubee_logf(log, "%s: truncated or not a regular file (%lld bytes)",
			  path, (long long)st.st_size);
		err = -EINVAL;
		goto out;
	}
	err = read_all(fd, &h, sizeof(h), 0);
	if (err)
		goto out;
	err = check_hdr(path, &h, (uint64_t)st.st_size, &map, log);
	if (!err)
		err = ubee_map_cpus_share(map, path, log);
	if (err)
		goto out;
	err = load_btf(map, fd, &h, path, log);
	if (err)
		goto out;
	bytes = UBEE_MAP_SHM_HDR + h.region_size;
	mirror = map->ops->shm_mirror ? map->ops->shm_mirror(map) : 0;
	base = mmap(NULL, bytes + mirror, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		err = -ENOMEM;
		goto out;
	}
	map->shm = base;
	map->shm_span = bytes + mirror;
	err = map_fd_at(base, fd, bytes, mirror);
	if (err) {
		ubee_logf(log, "%s: cannot map it: %s", path, strerror(-err));
		goto out;
	}
	err = map->ops->shm_attach(map, ubee_map_region(map), 0, log);
	if (err) {
		ubee_logf(log, "%s: inconsistent %s storage", path,
			  ubee_map_type_name(map->type));
		map->priv = NULL;
		goto out;
	}
	if (!ubee_map_pin_state(map) ||
	    !(map->pin->path = ubee_strdup(path))) {
		err = -ENOMEM;
		goto out;
	}
	err = ubee_map_repair(map, log);
out:
	close(fd);
	if (err && map) {
		if (map->priv)
			ubee_map_put(map);
		else {
			ubee_map_shm_free(map);
			ubee_free(map);
		}
		map = NULL;
	}
	*out = map;
	return err;
}

int ubee_map_repair(struct ubee_map *map, struct ubee_log *log)
{
	int err;

	if (!map)
		return -EINVAL;
	if (!map->shm || !map->ops->repair)
		return 0;
	err = map->ops->repair(map, log);
	if (!err)
		ubee_map_clear_dirty(map);
	return err;
}

const char *ubee_map_pin_path(const struct ubee_map *map)
{
	return map && map->pin ? map->pin->path : NULL;
}

uint32_t ubee_map_id(const struct ubee_map *map)
{
	return map ? map->id : 0;
}

int ubee_map_frozen(const struct ubee_map *map)
{
	return map && __atomic_load_n(ubee_map_frozen_word((struct ubee_map *)map),
				      __ATOMIC_ACQUIRE);
}
