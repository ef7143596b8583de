// SPDX-License-Identifier: MIT
/*
 * The verifier case table (the .txt files of tests/verifier) against this machine's
 * kernel: every case is loaded with bpf(BPF_PROG_LOAD) (its maps created
 * with BPF_MAP_CREATE) and the kernel's verdict must be the expected one;
 * for a reject, the kernel's reason must contain the case's kernel-error
 * (or error) text. Accepted cases with an input of a packet type are also
 * run once with BPF_PROG_TEST_RUN and must return the case's retval. This
 * is what makes the table trustworthy: the expectations are the kernel's.
 *
 * SKIP: bpf() refused here, cases marked "kernel: skip", unprivileged
 * cases (this machine disables unprivileged bpf), a map the kernel cannot
 * create, or a load the kernel refuses before its verifier runs (no log).
 *
 * Environment: UBEE_VCASES (case directory, default tests/verifier),
 * UBEE_VCASE_ONLY (only cases whose id contains it), UBEE_VCASE_VERBOSE=1
 * (print the kernel's reason for every rejected case).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbpf.h"
#include "test.h"
#include "ubee/asm.h"
#include "vcase.h"

static char klog[1 << 20];

static int is_pkt_type(uint32_t t)
{
	return t == 1 || t == 3 || t == 4 || t == 6 || t == 8;
}

static void run_case(const struct vcase *c, int verbose, unsigned *agree,
		     unsigned *total)
{
	char id[256], err[512], reason[512];
	const char *want = c->kerror[0] ? c->kerror : c->error;
	struct ubee_insn *insns = NULL;
	size_t cnt;
	int fd;

	t_begin("kernel %s", vcase_id(c, id, sizeof(id)));
	if (c->kskip[0]) {
		t_skip("%s", c->kskip);
		goto out;
	}
	if (c->prog_type == 0) {
		t_skip("ubee's own program type");
		goto out;
	}
	if (vcase_asm(c, &insns, &cnt, err, sizeof(err))) {
		t_fail(__FILE__, __LINE__, "assembly: %s", err);
		goto out;
	}
	klog[0] = '\0';
	fd = vcase_kernel_load(c, insns, cnt, klog, sizeof(klog));
	if (c->unpriv) {
		/*
		 * Privileged rules are a superset: an unprivileged accept must
		 * load as privileged too. The verdict itself is not checked.
		 */
		if (fd < 0 && fd != -ENOTSUP && c->accept)
			t_fail(__FILE__, __LINE__, "kernel rejects even as privileged: %s",
			       vcase_kernel_reason(klog, reason, sizeof(reason)));
		else
			t_skip("unprivileged bpf is disabled on this machine");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (fd == -ENOTSUP) {
		t_skip("%s", klog);
		goto out;
	}
	vcase_kernel_reason(klog, reason, sizeof(reason));
	if (fd < 0 && !reason[0] && fd != -E2BIG) {
		t_skip("refused before verification: %s", strerror(-fd));
		goto out;
	}
	(*total)++;
	if (verbose && fd < 0)
		printf("    %s: %s\n", id, reason);
	if (fd >= 0 && !c->accept) {
		t_fail(__FILE__, __LINE__, "kernel accepts, expected reject (%s)",
		       c->error);
	} else if (fd < 0 && c->accept) {
		t_fail(__FILE__, __LINE__, "kernel rejects (%s): %s",
		       strerror(-fd), reason);
	} else if (fd < 0 && !vcase_msg_match(klog, want)) {
		t_fail(__FILE__, __LINE__, "kernel says '%s', expected '%s'",
		       reason, want);
	} else {
		(*agree)++;
	}
	if (fd >= 0 && c->input && is_pkt_type(c->prog_type) && t_ok()) {
		uint8_t out[4096];
		size_t out_size = sizeof(out);
		uint32_t ret = 0;
		int rc = kbpf_test_run(fd, c->input, c->input_len, out,
				       &out_size, &ret);

		if (rc)
			t_fail(__FILE__, __LINE__, "test run: %s", strerror(-rc));
		else if (c->has_retval && ret != (uint32_t)c->retval)
			t_fail(__FILE__, __LINE__, "kernel run returns %u, expected %llu",
			       ret, (unsigned long long)c->retval);
	}
	if (fd >= 0)
		close(fd);
out:
	ubee_insns_free(insns);
	t_end();
}

int main(void)
{
	const char *dir = getenv("UBEE_VCASES");
	const char *only = getenv("UBEE_VCASE_ONLY");
	const char *vb = getenv("UBEE_VCASE_VERBOSE");
	struct vcase *cases = NULL;
	size_t n = 0;
	char err[512], id[256];
	unsigned agree = 0, total = 0;
	int probe;

	if (vcase_parse_dir(dir ? dir : "tests/verifier", &cases, &n, err,
			    sizeof(err))) {
		t_begin("kernel case files");
		t_fail(__FILE__, __LINE__, "%s", err);
		t_end();
		vcase_free(cases, n);
		return t_summary();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	probe = kbpf_map_probe();
	for (size_t i = 0; i < n; i++) {
		if (only && !strstr(vcase_id(&cases[i], id, sizeof(id)), only))
			continue;
		if (probe) {
			t_begin("kernel %s", id);
			t_skip("bpf() refused here: %s", strerror(-probe));
			t_end();
			continue;
		}
		run_case(&cases[i], vb && *vb == '1', &agree, &total);
	}
	printf("    kernel agrees with %u of %u cases it verified (%zu cases)\n",
	       agree, total, n);
	vcase_free(cases, n);
	return t_summary();
}
