// SPDX-License-Identifier: MIT
/*
 * Reading memory that may not be there: bpf_probe_read{,_user,_kernel}
 * and their _str forms. In user space "kernel" and "user" memory are both
 * this process's, so the six helpers differ only in copying bytes or a
 * string. A bad address must give -EFAULT (the destination zeroed, as in
 * the kernel), never a crash: the copy goes through process_vm_readv() on
 * our own pid, which reports unmapped memory as EFAULT instead of
 * raising SIGSEGV. Where that system call is refused (seccomp, old
 * kernels), a pipe serves instead: write() from a bad address fails with
 * EFAULT too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers/helpers.h"

/* Copies never cross a page: a fault ends a string only where it starts. */
#define CHUNK 4096u

/* Set once process_vm_readv() turned out to be refused: use the pipe. */
static int use_pipe;

/* The pipe of the fallback: one per thread, closed when the thread ends. */
static pthread_key_t pipe_key;
static pthread_once_t pipe_once = PTHREAD_ONCE_INIT;
static __thread int pipe_fds[2] = { -1, -1 };

static void pipe_close(void *arg)
{
	int *fds = arg;

	close(fds[0]);
	close(fds[1]);
	fds[0] = fds[1] = -1;
}

static void pipe_key_init(void)
{
	pthread_key_create(&pipe_key, pipe_close);
}

/* Copy n <= CHUNK bytes through the thread's pipe: 0 or -EFAULT. */
static int copy_pipe(void *dst, const void *src, size_t n)
{
	ssize_t w, r;

	if (pipe_fds[0] < 0) {
		pthread_once(&pipe_once, pipe_key_init);
		if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK))
			return -EFAULT;
		pthread_setspecific(pipe_key, pipe_fds);
	}
	w = write(pipe_fds[1], src, n);
	if (w <= 0)
		return -EFAULT;
	r = read(pipe_fds[0], dst, (size_t)w);
	if (r != w || (size_t)w != n) {
		/* Drain what a partial write left behind. */
		char sink[256];

		while (read(pipe_fds[0], sink, sizeof(sink)) > 0)
			;
		return -EFAULT;
	}
	return 0;
}

/* Copy n <= CHUNK bytes that do not cross a page: 0 or -EFAULT. */
static int copy_chunk(void *dst, const void *src, size_t n)
{
	struct iovec local = { dst, n }, remote = { (void *)src, n };
	ssize_t got;

	if (!__atomic_load_n(&use_pipe, __ATOMIC_RELAXED)) {
		got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (got == (ssize_t)n)
			return 0;
		if (got >= 0 || (errno != ENOSYS && errno != EPERM))
			return -EFAULT;
		/* Refused (seccomp, an old kernel), perhaps only from now on. */
		__atomic_store_n(&use_pipe, 1, __ATOMIC_RELAXED);
	}
	return copy_pipe(dst, src, n);
}

/*
 * The address off bytes past p. Computed as an integer: p is an address
 * the program made up (NULL among them), and pointer arithmetic on one
 * that points to no object is undefined.
 */
static const void *addr_at(const void *p, size_t off)
{
	return (const void *)((uintptr_t)p + off);
}

/* Bytes from p to the end of its page, at most max. */
static size_t to_page_end(const void *p, size_t max)
{
	size_t left = CHUNK - ((uintptr_t)p & (CHUNK - 1));

	return left < max ? left : max;
}

int ubee_probe_copy(void *dst, const void *src, size_t n)
{
	size_t done = 0;

	if ((uintptr_t)src + n < (uintptr_t)src)
		goto fault;
	while (done < n) {
		size_t k = to_page_end(addr_at(src, done), n - done);

		if (copy_chunk((char *)dst + done, addr_at(src, done), k))
			goto fault;
		done += k;
	}
	return 0;
fault:
	memset(dst, 0, n);
	return -EFAULT;
}

long ubee_probe_copy_str(char *dst, const void *src, size_t size)
{
	const char *s = src;
	char buf[256];
	size_t done = 0;

	if (!size)
		return 0;
	/* Through a buffer: dst gets the string and its NUL, nothing more. */
	while (done < size - 1) {
		size_t k = to_page_end(addr_at(s, done), size - 1 - done);
		char *nul;

		if (k > sizeof(buf))
			k = sizeof(buf);
		if ((uintptr_t)s + done + k < (uintptr_t)s ||
		    copy_chunk(buf, addr_at(s, done), k)) {
			memset(dst, 0, size);
			return -EFAULT;
		}
		nul = memchr(buf, 0, k);
		if (nul) {
			memcpy(dst + done, buf, (size_t)(nul - buf) + 1);
			return (long)(done + (size_t)(nul - buf) + 1);
		}
		memcpy(dst + done, buf, k);
		done += k;
	}
	dst[size - 1] = '\0';
	return (long)size;
}

/* bpf_probe_read{,_user,_kernel}(dst, size, unsafe_ptr): 0 or -EFAULT. */
uint64_t ubee_bpf_probe_read(uint64_t dst, uint64_t size, uint64_t src,
			     uint64_t r4, uint64_t r5)
{
	return (uint64_t)(int64_t)ubee_probe_copy((void *)(uintptr_t)dst,
						  (const void *)(uintptr_t)src,
						  (uint32_t)size);
}

/*
 * bpf_probe_read{,_user,_kernel}_str(dst, size, unsafe_ptr): the length
 * including the NUL, or -EFAULT.
 */
uint64_t ubee_bpf_probe_read_str(uint64_t dst, uint64_t size, uint64_t src,
				 uint64_t r4, uint64_t r5)
{
	return (uint64_t)ubee_probe_copy_str((char *)(uintptr_t)dst,
					     (const void *)(uintptr_t)src,
					     (uint32_t)size);
}
