// SPDX-License-Identifier: MIT
/*
 * The verifier case table (the .txt files of tests/verifier, checked
 * against the kernel by test_verifier_kernel) run through ubee's
 * verifier: one line per case, PASS when ubee's verdict is the expected
 * one and, for a reject, its log (level 0: the reason) contains the
 * expected text; FAIL names the case and shows ubee's last log line.
 *
 * The program is loaded unverified (UBEE_PROG_NO_VERIFY) with the case's
 * maps and ubee_verifier_run is called on it, so a rejection by the load
 * itself (an unknown helper, a helper the type may not call, a malformed
 * instruction) counts as ubee's rejection with the load's message.
 *
 * Accepted cases with an input also run (ubee_prog_test_run) on every
 * engine: the checked ones must not fault, the unchecked ones run because
 * the verifier said they may, and every engine must return the case's
 * retval.
 *
 * Runs are made without UBEE_RUN_TRUSTED: what lets the unchecked engines
 * run is prog->verified (the test clears UBEE_PROG_NO_VERIFY after an
 * acceptance, as a verified load would have it).
 *
 * Each case runs in a child process: one whose verification takes more
 * than CASE_SECONDS (T_VALGRIND_SLOWDOWN times that under valgrind), or
 * that crashes, fails on its own and the table goes on (a hang is a
 * verifier bug, never a silent one).
 *
 * SKIP: a program type ubee does not know, a map ubee cannot create.
 * Environment: UBEE_VCASES, UBEE_VCASE_ONLY (as test_verifier_kernel),
 * UBEE_VCASE_VERBOSE=1 (print ubee's reason for every rejected case).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engines.h"
#include "test.h"
#include "ubee/asm.h"
#include "ubee/progtype.h"
#include "vcase.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#define CASE_SECONDS 30


static char ulog[1 << 16];
static char cur_id[256];
static int cur_known;      /* cur_id is in the known failures */
static const char *case_dir;
static char fmsg[1024];    /* the current case's first failure */

/* Record a failure of the current case (reported by finish()). */
static void cfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void cfail(const char *fmt, ...)
{
	va_list ap;

	if (fmsg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(fmsg, sizeof(fmsg), fmt, ap);
	va_end(ap);
}

/* Report the current case's failure, or SKIP it when it is a known one. */
static void finish(void)
{
	char id[300];

	snprintf(id, sizeof(id), "verifier %s", cur_id);
	if (fmsg[0] && vcase_known_failure(case_dir, id))
		t_skip("known failure: %s", fmsg);
	else if (fmsg[0])
		t_fail(__FILE__, __LINE__, "%s", fmsg);
}


struct totals {
	unsigned verified, agree, runs;
};

/*
 * What a case's child process reports in its exit status: R_BASE plus
 * flags, so that any other status (a sanitizer's report, a crash) is
 * told apart.
 */
enum { R_VERIFIED = 1, R_AGREE = 2, R_RAN = 4, R_FAILED = 8, R_BASE = 64 };

static void on_alarm(int sig)
{
	static const char fail[] = "FAIL verifier ", skip[] = "SKIP verifier ";
	static const char post[] = ": timed out (verifier hang?)\n";
	const char *pre = cur_known ? skip : fail;

	(void)sig;
	if (write(1, pre, sizeof(fail) - 1) < 0 ||
	    write(1, cur_id, strlen(cur_id)) < 0 ||
	    write(1, post, sizeof(post) - 1) < 0)
		_exit(R_BASE | R_FAILED);
	_exit(R_BASE | (cur_known ? 0 : R_FAILED));
}

/* The types ubee's test runs feed with a packet (the case's input). */
static int ubee_runs(uint32_t type)
{
	return type == UBEE_PROG_TYPE_SOCKET_FILTER || type == UBEE_PROG_TYPE_XDP ||
	       type == UBEE_PROG_TYPE_SCHED_CLS || type == UBEE_PROG_TYPE_SCHED_ACT;
}

/* Run an accepted case's input on every engine. */
static void run_input(const struct vcase *c, const struct ubee_prog *prog,
		      struct totals *tot)
{
	char rlog[512];

	for (size_t e = 0; e < t_nr_engines; e++) {
		const struct t_engine *en = &t_engines[e];
		uint8_t out[4096];
		struct ubee_test_run t = {
			.sz = sizeof(t), .data_in = c->input,
			.data_size_in = c->input_len, .engine = en->engine,
			.flags = en->flags & ~(uint32_t)UBEE_RUN_TRUSTED,
			.data_out = out,
			.data_size_out = sizeof(out),
		};
		struct ubee_log log;
		int rc;

		if (!t_engine_built(en))
			continue;
		ubee_log_init(&log, rlog, sizeof(rlog));
		rc = ubee_prog_test_run(prog, &t, &log);
		if (rc) {
			cfail("%s run: %s: %s", en->name, strerror(-rc),
			       vcase_last_line(rlog, rlog, sizeof(rlog)));
			return;
		}
		if (c->has_retval && t.retval != c->retval) {
			cfail("%s run returns 0x%llx, expected 0x%llx",
			       en->name, (unsigned long long)t.retval,
			       (unsigned long long)c->retval);
			return;
		}
	}
	tot->runs++;
}

static void run_case(const struct vcase *c, int verbose, struct totals *tot)
{
	char id[256], err[512], last[512];
	struct ubee_insn *insns = NULL;
	struct vcase_ubee u = { 0 };
	struct ubee_prog_opts po = { .sz = sizeof(po) };
	struct ubee_log log;
	size_t cnt;
	int rc;

	t_begin("verifier %s", vcase_id(c, id, sizeof(id)));
	snprintf(cur_id, sizeof(cur_id), "%s", id);
	fmsg[0] = '\0';
	snprintf(err, sizeof(err), "verifier %s", id);
	cur_known = vcase_known_failure(case_dir, err);
	alarm(CASE_SECONDS * (t_valgrind() ? T_VALGRIND_SLOWDOWN : 1));
	if (!ubee_prog_type_find(c->prog_type)) {
		t_skip("program type %s unknown to ubee", c->type_name);
		goto out;
	}
	if (vcase_asm(c, &insns, &cnt, err, sizeof(err))) {
		cfail("assembly: %s", err);
		goto out;
	}
	ulog[0] = '\0';
	ubee_log_init(&log, ulog, sizeof(ulog));
	rc = vcase_ubee_load(c, insns, cnt, 0, &u, &log);
	if (rc == -ENOTSUP) {
		t_skip("%s", vcase_last_line(ulog, last, sizeof(last)));
		goto out;
	}
	if (!rc) {
		po.name = c->name;
		po.prog_type = c->prog_type;
		po.flags = u.prog->flags;
		po.maps = u.maps;
		po.nr_maps = (size_t)u.nr_maps;
		po.log_level = 0;
		rc = ubee_verifier_run(u.prog, &po, &log);
	}
	vcase_last_line(ulog, last, sizeof(last));
	tot->verified++;
	if (verbose && rc)
		printf("    %s: %s\n", id, last);
	if (!rc && !c->accept) {
		cfail("ubee accepts, expected reject (%s)",
		       c->error);
	} else if (rc && c->accept) {
		cfail("ubee rejects (%s): %s", strerror(-rc),
		       last);
	} else if (rc && !vcase_msg_match(ulog, c->error)) {
		cfail("ubee says '%s', expected '%s'", last,
		       c->error);
	} else {
		tot->agree++;
	}
	if (!rc && !u.prog->verified)
		cfail("accepted but prog->verified is not set");
	if (!rc && c->accept && c->input && !fmsg[0] && ubee_runs(c->prog_type)) {
		u.prog->flags &= ~(uint32_t)UBEE_PROG_NO_VERIFY;
		run_input(c, u.prog, tot);
	}
out:
	alarm(0);
	finish();
	vcase_ubee_free(&u);
	ubee_insns_free(insns);
	t_end();
}

int main(void)
{
	const char *dir = getenv("UBEE_VCASES");
	const char *only = getenv("UBEE_VCASE_ONLY");
	const char *vb = getenv("UBEE_VCASE_VERBOSE");
	struct vcase *cases = NULL;
	struct totals tot = { 0 };
	size_t n = 0;
	char err[512], id[256];
	unsigned failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	case_dir = dir ? dir : "tests/verifier";
	if (vcase_parse_dir(case_dir, &cases, &n, err,
			    sizeof(err))) {
		t_begin("verifier case files");
		t_fail(__FILE__, __LINE__, "%s", err);
		t_end();
		vcase_free(cases, n);
		return t_summary();
	}
	for (size_t i = 0; i < n; i++) {
		struct totals one = { 0 };
		pid_t pid;
		int st;

		vcase_id(&cases[i], id, sizeof(id));
		if (only && !strstr(id, only))
			continue;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			run_case(&cases[i], vb && *vb == '1', &one);
			_exit(R_BASE | (one.verified ? R_VERIFIED : 0) |
			      (one.agree ? R_AGREE : 0) | (one.runs ? R_RAN : 0) |
			      (t_summary() ? R_FAILED : 0));
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			t_begin("verifier %s", id);
			t_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
			t_end();
			continue;
		}
		if (!WIFEXITED(st) || (WEXITSTATUS(st) & ~15) != R_BASE) {
			char full[300];

			snprintf(full, sizeof(full), "verifier %s", id);
			t_begin("%s", full);
			if (vcase_known_failure(case_dir, full))
				t_skip("known failure: crashed (status 0x%x)", st);
			else
				t_fail(__FILE__, __LINE__, "crashed (status 0x%x, see the output above)", st);
			t_end();
			continue;
		}
		st = WEXITSTATUS(st);
		tot.verified += !!(st & R_VERIFIED);
		tot.agree += !!(st & R_AGREE);
		tot.runs += !!(st & R_RAN);
		failed += !!(st & R_FAILED);
	}
	printf("    ubee agrees with %u of %u cases it verified (%zu cases, %u run on every engine)\n",
	       tot.agree, tot.verified, n, tot.runs);
	vcase_free(cases, n);
	return t_summary() || failed;
}
