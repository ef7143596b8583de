// SPDX-License-Identifier: MIT
/*
 * The pin directory and pin paths: where pins live by default, how a
 * PINPATH resolves, what a pinned file is (by its magic), and unpinning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pin/pin.h"
#include "util/util.h"

static char *dir_override;

int ubee_pin_set_dir(const char *dir)
{
	char *copy = NULL;

	if (dir) {
		copy = ubee_strdup(dir);
		if (!copy)
			return -ENOMEM;
	}
	ubee_free(dir_override);
	dir_override = copy;
	return 0;
}

/* dir exists as a directory we may write, or can be made so: 0 / -errno. */
static int usable_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return access(dir, W_OK | X_OK) ? -errno : 0;
}

static int set(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s%s", a, b);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ubee_pin_dir(char *buf, size_t size, struct ubee_log *log)
{
	const char *env = getenv("UBEE_PIN_DIR"), *xdg;
	char tmp[64];
	int err;

	if (dir_override || (env && *env)) {
		err = set(buf, size, dir_override ? dir_override : env, "");
		if (!err)
			err = usable_dir(buf);
		if (err)
			ubee_logf(log, "pin directory %s: %s",
				  dir_override ? dir_override : env,
				  strerror(-err));
		return err;
	}
	if (!set(buf, size, "/run/ubee", "") && !usable_dir(buf))
		return 0;
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg && !set(buf, size, xdg, "/ubee") && !usable_dir(buf))
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/ubee-%u", (unsigned)getuid());
	err = set(buf, size, tmp, "");
	if (!err)
		err = usable_dir(buf);
	if (err)
		ubee_logf(log, "pin directory: none of /run/ubee, $XDG_RUNTIME_DIR/ubee, %s is usable: %s",
			  tmp, strerror(-err));
	return err;
}

int ubee_pin_resolve(const char *pinpath, char *buf, size_t size,
		     struct ubee_log *log)
{
	char dir[PATH_MAX];
	int err;

	if (!pinpath || !*pinpath) {
		ubee_logf(log, "pin path: empty");
		return -EINVAL;
	}
	if (pinpath[0] == '/' || !strncmp(pinpath, "./", 2) ||
	    !strncmp(pinpath, "../", 3)) {
		err = set(buf, size, pinpath, "");
	} else {
		err = ubee_pin_dir(dir, sizeof(dir), log);
		if (err)
			return err;
		err = snprintf(buf, size, "%s/%s", dir, pinpath) >= (int)size
			      ? -ENAMETOOLONG : 0;
	}
	if (err)
		ubee_logf(log, "pin path %s: too long", pinpath);
	return err;
}

int ubee_pin_type(const char *pinpath)
{
	char path[PATH_MAX], magic[UBEE_PIN_MAGIC_LEN];
	ssize_t n;
	int fd, err;

	err = ubee_pin_resolve(pinpath, path, sizeof(path), NULL);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, magic, sizeof(magic), 0);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	if (n == (ssize_t)sizeof(magic) &&
	    !memcmp(magic, UBEE_PIN_MAP_MAGIC, sizeof(magic)))
		return UBEE_PIN_MAP;
	if (n == (ssize_t)sizeof(magic) &&
	    !memcmp(magic, UBEE_PIN_PROG_MAGIC, sizeof(magic)))
		return UBEE_PIN_PROG;
	return -EINVAL;
}

int ubee_pin_unlink(const char *pinpath, struct ubee_log *log)
{
	char path[PATH_MAX];
	int err = ubee_pin_resolve(pinpath, path, sizeof(path), log);

	if (err)
		return err;
	err = ubee_pin_type(path);
	if (err < 0) {
		if (err == -EINVAL)
			ubee_logf(log, "%s: not a ubee pin", path);
		else
			ubee_logf(log, "%s: %s", path, strerror(-err));
		return err;
	}
	if (unlink(path)) {
		err = -errno;
		ubee_logf(log, "%s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}
