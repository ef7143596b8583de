// SPDX-License-Identifier: MIT
/*
 * What the program learns about "current", the task it runs in: in user
 * space the calling thread of this process (pid = thread id, tgid =
 * process id, as in the kernel), its credentials and name; signals to it;
 * and what the attachment of the run provides (bpf_get_func_ip,
 * bpf_get_attach_cookie: ubee_prog_run_attach).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "util/util.h"
#include "vm/vm.h"

/*
 * The thread's ids change only across fork() (in the child): cache them
 * per thread, tagged with a generation that fork bumps.
 */
static unsigned fork_gen = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static __thread uint64_t cached_pid_tgid;
static __thread unsigned cached_gen;

static void after_fork(void)
{
	__atomic_add_fetch(&fork_gen, 1, __ATOMIC_RELAXED);
}

static void atfork_init(void)
{
	pthread_atfork(NULL, NULL, after_fork);
}

/* bpf_get_current_pid_tgid(): tgid << 32 | pid (process id, thread id). */
uint64_t ubee_bpf_get_current_pid_tgid(uint64_t r1, uint64_t r2, uint64_t r3,
				       uint64_t r4, uint64_t r5)
{
	unsigned gen = __atomic_load_n(&fork_gen, __ATOMIC_RELAXED);

	if (UBEE_UNLIKELY(cached_gen != gen)) {
		pthread_once(&atfork_once, atfork_init);
		gen = __atomic_load_n(&fork_gen, __ATOMIC_RELAXED);
		cached_pid_tgid = (uint64_t)(uint32_t)getpid() << 32 |
				  (uint32_t)gettid();
		cached_gen = gen;
	}
	return cached_pid_tgid;
}

/* bpf_get_current_uid_gid(): gid << 32 | uid. */
uint64_t ubee_bpf_get_current_uid_gid(uint64_t r1, uint64_t r2, uint64_t r3,
				      uint64_t r4, uint64_t r5)
{
	return (uint64_t)getgid() << 32 | getuid();
}

/*
 * bpf_get_current_comm(buf, size): the thread's name, NUL-terminated and
 * zero-padded to size (truncated to fit). 0.
 */
uint64_t ubee_bpf_get_current_comm(uint64_t buf, uint64_t size, uint64_t r3,
				   uint64_t r4, uint64_t r5)
{
	char comm[17] = "";
	char *dst = (char *)(uintptr_t)buf;
	uint32_t n = (uint32_t)size;
	size_t len;

	if (!n)
		return (uint64_t)-EINVAL;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	len = strnlen(comm, sizeof(comm) - 1);
	if (len > n - 1)
		len = n - 1;
	memcpy(dst, comm, len);
	memset(dst + len, 0, n - len);
	return 0;
}

/* Signal numbers the kernel accepts (0 only checks permission). */
static int signal_ok(uint64_t sig)
{
	return sig <= 64;
}

/* bpf_send_signal(sig): to the whole process. 0, -EINVAL, -EPERM. */
uint64_t ubee_bpf_send_signal(uint64_t sig, uint64_t r2, uint64_t r3,
			      uint64_t r4, uint64_t r5)
{
	if (!signal_ok((uint32_t)sig))
		return (uint64_t)-EINVAL;
	/* The kernel refuses to signal init. */
	if (getpid() == 1)
		return (uint64_t)-EPERM;
	return kill(getpid(), (int)(uint32_t)sig) ? (uint64_t)-errno : 0;
}

/* bpf_send_signal_thread(sig): to the calling thread only. */
uint64_t ubee_bpf_send_signal_thread(uint64_t sig, uint64_t r2, uint64_t r3,
				     uint64_t r4, uint64_t r5)
{
	if (!signal_ok((uint32_t)sig))
		return (uint64_t)-EINVAL;
	if (getpid() == 1)
		return (uint64_t)-EPERM;
	if (syscall(SYS_tgkill, getpid(), gettid(), (int)(uint32_t)sig))
		return (uint64_t)-errno;
	return 0;
}

/* bpf_get_func_ip(ctx): the attached function's address, or 0. */
uint64_t ubee_bpf_get_func_ip(uint64_t ctx, uint64_t r2, uint64_t r3,
			      uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();

	return run ? run->env.func_ip : 0;
}

/* bpf_get_attach_cookie(ctx): the attachment's cookie, or 0. */
uint64_t ubee_bpf_get_attach_cookie(uint64_t ctx, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5)
{
	struct ubee_run *run = ubee_run_current();

	return run ? run->env.cookie : 0;
}
