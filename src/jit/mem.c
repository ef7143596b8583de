// SPDX-License-Identifier: MIT
/*
 * Code memory for the JIT. A program's machine code gets pages of its
 * own: handed out read-write, filled, then switched to read-execute
 * before anything can run them, and never made writable again. No page
 * is ever writable and executable at once (W^X), so a bug that writes
 * through a stray pointer cannot plant code.
 *
 * Mapping a page per program costs three kernel entries (mmap, the page
 * fault of the first write, mprotect; on a virtual machine each is
 * about 1.5-2 us, most of a small program's compile time). So pages are
 * taken from chunks mapped read-write and pre-faulted (MAP_POPULATE)
 * CHUNK_PAGES at a time, shared by all threads under a lock; a program
 * then costs one mprotect. Pages never go back to a chunk: freeing a
 * program unmaps its pages, and the unused rest of a chunk is unmapped
 * when the next chunk replaces it. Programs larger than half a chunk
 * get a mapping of their own.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit/jit.h"

#define CHUNK_PAGES 16

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *pool_next; /* the current chunk's unused pages */
static size_t pool_left;

static size_t page_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096;
}

/* A new read-write, pre-faulted mapping of len bytes, or NULL. */
static void *map_rw(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int ubee_jit_mem_alloc(size_t size, void **out, size_t *map_size)
{
	size_t pg = page_size(), chunk = CHUNK_PAGES * pg;
	size_t len = (size + pg - 1) / pg * pg;
	void *p = NULL;

	*out = NULL;
	*map_size = 0;
	if (!size || len < size)
		return -ENOMEM;
	if (len > chunk / 2) {
		p = map_rw(len);
	} else {
		pthread_mutex_lock(&pool_lock);
		if (len > pool_left) {
			p = map_rw(chunk);
			if (p) {
				if (pool_left)
					munmap(pool_next, pool_left);
				pool_next = p;
				pool_left = chunk;
			}
		}
		if (len <= pool_left) {
			p = pool_next;
			pool_next += len;
			pool_left -= len;
		}
		pthread_mutex_unlock(&pool_lock);
	}
	if (!p)
		return -ENOMEM;
	*out = p;
	*map_size = len;
	return 0;
}

int ubee_jit_mem_seal(void *code, size_t size, size_t map_size)
{
	/* Unused tail bytes trap (int3) if anything jumps there. */
	memset((char *)code + size, 0xcc, map_size - size);
	if (mprotect(code, map_size, PROT_READ | PROT_EXEC))
		return -errno;
	return 0;
}

void ubee_jit_mem_free(void *code, size_t map_size)
{
	if (code)
		munmap(code, map_size);
}
