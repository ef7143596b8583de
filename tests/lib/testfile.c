// SPDX-License-Identifier: MIT
/* Reading test files and finding the built BPF objects (see testfile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "testfile.h"

uint8_t *t_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;
	int err = 0;

	if (!f)
		return NULL;
	do {
		if (cap - n < 2) { /* room to read and for the final NUL */
			cap = cap ? cap * 2 : 1 << 16;
			nb = realloc(buf, cap);
			if (!nb) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	if (ferror(f))
		err = EIO;
out:
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	*size = n;
	return buf;
}

const char *t_bpf_obj(const char *name, char *buf, size_t size)
{
	const char *build = getenv("BUILD");

	snprintf(buf, size, "%s/bpf/%s", build && *build ? build : "build",
		 name);
	return buf;
}
