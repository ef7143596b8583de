/* SPDX-License-Identifier: MIT */
/*
 * The test protocol: every test case prints exactly one line,
 *   PASS <name>
 *   FAIL <name>: <why>
 *   SKIP <name>: <why>
 * and tests/run-all.sh counts them across binaries and shell tests.
 * A test binary exits non-zero when any case failed.
 *
 *   static void my_case(void) { T_CHECK(1 + 1 == 2, "math"); }
 *   int main(void) { T_RUN(my_case); return t_summary(); }
 *
 * Cases with a runtime name (one per data file and engine) use
 * t_begin(name) ... t_end().
 */
#ifndef UBEE_TEST_H
#define UBEE_TEST_H

#include <stdint.h>
#include <stdio.h>

/* Start a case; failures before t_end() mark it failed. */
void t_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a failure of the current case (only the first is printed). */
void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the current case skipped, with the reason. */
void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End the case: prints its PASS/FAIL/SKIP line. */
void t_end(void);
/* 1 while the current case has not failed. */
int t_ok(void);
/* Exit status for main: 1 if any case failed. */
int t_summary(void);
/*
 * 1 when the binary runs under valgrind (`make test VALGRIND=1` sets
 * VALGRIND=1): time limits meant for native runs are scaled by
 * T_VALGRIND_SLOWDOWN there.
 */
int t_valgrind(void);
#define T_VALGRIND_SLOWDOWN 20

#define T_CHECK(cond, ...)                                                    \
	do {                                                                  \
		if (!(cond))                                                  \
			t_fail(__FILE__, __LINE__, __VA_ARGS__);              \
	} while (0)

#define T_EQ_U64(a, b)                                                        \
	do {                                                                  \
		uint64_t t_a_ = (uint64_t)(a), t_b_ = (uint64_t)(b);          \
		if (t_a_ != t_b_)                                             \
			t_fail(__FILE__, __LINE__, "%s == 0x%llx, expected 0x%llx", \
			       #a, (unsigned long long)t_a_,                  \
			       (unsigned long long)t_b_);                     \
	} while (0)

#define T_RUN(fn)                                                             \
	do {                                                                  \
		t_begin("%s", #fn);                                           \
		fn();                                                         \
		t_end();                                                      \
	} while (0)

#endif /* UBEE_TEST_H */
