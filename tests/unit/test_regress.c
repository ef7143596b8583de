// SPDX-License-Identifier: MIT
/*
 * Fuzz findings and seeds as tests: every file under tests/regress/<t>/
 * (one per bug the fuzzers found, named after it) is one case, fed
 * through fuzz target <t>'s own function (the target's source is
 * included here without its libFuzzer entry point), and each seed corpus
 * tests/fuzz/corpus/<t>/ is one case over all of its files. A case fails
 * when the target reports a broken property; a crash or a sanitizer
 * report ends the binary, which the runner counts as a failure too
 * (`make test SANITIZE=1` runs this under ASan and UBSan).
 *
 * Inputs of bugs not fixed yet wait in tests/regress/pending/<t>/, which
 * this runner does not read.
 *
 * Paths are relative to the repository root (make test runs from there);
 * UBEE_SRC_DIR overrides the root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define UBEE_FUZZ_NO_ENTRY 1
#include "../fuzz/fuzz_asm.c"
#include "../fuzz/fuzz_btf.c"
#include "../fuzz/fuzz_bytecode.c"
#include "../fuzz/fuzz_cbpf.c"
#include "../fuzz/fuzz_cliparse.c"
#include "../fuzz/fuzz_jit.c"
#include "../fuzz/fuzz_object.c"
#include "../fuzz/fuzz_pcap.c"
#include "../fuzz/fuzz_verifier.c"

struct target {
	const char *name;
	void (*one)(const uint8_t *data, size_t size);
};

static const struct target targets[] = {
	{ "fuzz_asm", fuzz_asm_one },
	{ "fuzz_btf", fuzz_btf_one },
	{ "fuzz_bytecode", fuzz_bytecode_one },
	{ "fuzz_cbpf", fuzz_cbpf_one },
	{ "fuzz_cliparse", fuzz_cliparse_one },
	{ "fuzz_jit", fuzz_jit_one },
	{ "fuzz_object", fuzz_object_one },
	{ "fuzz_pcap", fuzz_pcap_one },
	{ "fuzz_verifier", fuzz_verifier_one },
};

static const char *root;

/* As in fuzz_bytecode: keep eBPF stacks at one address (ASan builds). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_stack_use_after_return=0";
}

/* Read a whole file; NULL on error. */
static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*size = (size_t)n;
out:
	fclose(f);
	return buf;
}

/* Feed one file to the target; 0, or -1 after t_fail when unreadable. */
static int feed(const struct target *t, const char *path)
{
	size_t size = 0;
	uint8_t *data = read_all(path, &size);

	if (!data) {
		t_fail(__FILE__, __LINE__, "cannot read %s", path);
		return -1;
	}
	t->one(data, size);
	free(data);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Regular files of dir, sorted; *n of them. NULL when there is no dir. */
static struct dirent **list(const char *dir, int *n)
{
	struct dirent **ents = NULL;

	*n = scandir(dir, &ents, NULL, by_name);
	if (*n < 0)
		return NULL;
	return ents;
}

static int is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* One case per file of tests/regress/<t>/. */
static void run_regress(const struct target *t)
{
	char dir[4096], path[8192];
	struct dirent **ents;
	int n;

	snprintf(dir, sizeof(dir), "%s/tests/regress/%s", root, t->name);
	ents = list(dir, &n);
	for (int i = 0; ents && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (is_file(path)) {
			t_begin("regress %s/%s", t->name, ents[i]->d_name);
			feed(t, path);
			t_end();
		}
		free(ents[i]);
	}
	free(ents);
}

/* One case for the whole seed corpus of t; it must not be empty. */
static void run_corpus(const struct target *t)
{
	char dir[4096], path[8192];
	struct dirent **ents;
	int n, fed = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", root, t->name);
	t_begin("corpus %s", t->name);
	ents = list(dir, &n);
	if (!ents)
		t_fail(__FILE__, __LINE__, "no seed corpus %s", dir);
	for (int i = 0; ents && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (is_file(path) && !feed(t, path))
			fed++;
		free(ents[i]);
	}
	free(ents);
	T_CHECK(fed > 0, "%s: no inputs", dir);
	t_end();
}

int main(void)
{
	root = getenv("UBEE_SRC_DIR") ? getenv("UBEE_SRC_DIR") : ".";
	fuzz_quiet();
	for (size_t i = 0; i < FUZZ_ARRAY_SIZE(targets); i++) {
		run_regress(&targets[i]);
		run_corpus(&targets[i]);
	}
	return t_summary();
}
