// SPDX-License-Identifier: MIT
/*
 * Code memory for the JIT. A program's machine code gets its own private
 * mapping: created read-write, filled, then switched to read-execute
 * before anything can run it, and never made writable again. No page of
 * it is ever writable and executable at once (W^X), so a bug that writes
 * through a stray pointer cannot plant code.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit/jit.h"

/* size rounded up to whole pages. */
static size_t page_round(size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t p = pg > 0 ? (size_t)pg : 4096;

	return (size + p - 1) / p * p;
}

int ubee_jit_mem_load(const void *code, size_t size, void **out,
		      size_t *map_size)
{
	size_t len = page_round(size ? size : 1);
	void *p;

	*out = NULL;
	*map_size = 0;
	if (len < size)
		return -ENOMEM;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	memcpy(p, code, size);
	/* Unused tail bytes trap (int3) if anything jumps there. */
	memset((char *)p + size, 0xcc, len - size);
	if (mprotect(p, len, PROT_READ | PROT_EXEC)) {
		int err = -errno;

		munmap(p, len);
		return err;
	}
	*out = p;
	*map_size = len;
	return 0;
}

void ubee_jit_mem_free(void *code, size_t map_size)
{
	if (code)
		munmap(code, map_size);
}
