/* SPDX-License-Identifier: MIT */
/*
 * Verifier cases as data (the .txt files of tests/verifier): parsing the case files,
 * and loading a case's program into the kernel (bpf()) and into ubee
 * (unverified, so that the caller runs ubee_verifier_run itself), each
 * with the maps the case declares. The file format is documented at the
 * top of every case file and in docs/TESTING.md; in short:
 *
 *   === name of the case
 *   type: xdp                      program type (the kernel's name)
 *   map: array key=4 value=8 entries=1 [flags=0x80] [frozen] [lock=0]
 *        [init=0102ff...]          maps, indexed 0, 1, ... by map_fd(N)
 *   unpriv                         verify with the unprivileged rules
 *   expect: accept | reject
 *   error: R1 invalid mem access   rejects: substring of the reason
 *   kernel-error: ...              where the kernel's words differ
 *   kernel: skip <why>             not loadable into the kernel
 *   input: 00 11 22 ... | zero N   accepted: packet (or ctx) to run with
 *   retval: N                      accepted: r0 the run must return
 *   note: ...                      free text
 *   ---
 *   assembly (docs/ISA.md), up to the next "===" line
 */
#ifndef UBEE_TESTS_VCASE_H
#define UBEE_TESTS_VCASE_H

#include <stddef.h>
#include <stdint.h>

#include "ubee/map.h"
#include "ubee/ubee.h"

#define VCASE_MAX_MAPS 8

struct vcase_map {
	uint32_t type, key_size, value_size, max_entries, flags;
	int frozen;             /* freeze after init (".rodata") */
	int lock_off;           /* bpf_spin_lock offset in the value, or -1 */
	uint8_t *init;          /* value of key 0 (arrays), init_len bytes,
				 * malloc()ed (vcase_free frees it) */
	size_t init_len;
};

struct vcase {
	char name[128];
	char file[160];         /* the path given to vcase_parse */
	unsigned line;          /* of the "===" line */
	uint32_t prog_type;     /* kernel number */
	char type_name[32];
	int unpriv;
	int accept;             /* expected verdict */
	char error[256];        /* rejects: expected text ("" : any) */
	char kerror[256];       /* the kernel's text where it differs */
	char kskip[256];        /* non-empty: do not load into the kernel */
	struct vcase_map maps[VCASE_MAX_MAPS];
	int nr_maps;
	uint8_t *input;         /* malloc()ed, input_len bytes; NULL: no run */
	size_t input_len;
	int has_retval;
	uint64_t retval;
	char *text;             /* the assembly, malloc()ed */
	unsigned text_line;     /* file line of the first assembly line */
};

/*
 * Parse one case file, appending to *cases (realloc()ed, *n entries).
 * Returns 0, or -1 with err[errsz] naming the file and line.
 */
int vcase_parse(const char *path, struct vcase **cases, size_t *n, char *err,
		size_t errsz);
/* Parse every *.txt file of dir (tests/verifier), sorted by name. */
int vcase_parse_dir(const char *dir, struct vcase **cases, size_t *n,
		    char *err, size_t errsz);
void vcase_free(struct vcase *cases, size_t n);

/*
 * Assemble c's text: *insns (free with ubee_insns_free), *cnt. Returns 0
 * or -1 with the assembler's message in err.
 */
int vcase_asm(const struct vcase *c, struct ubee_insn **insns, size_t *cnt,
	      char *err, size_t errsz);

/* The last non-empty line of a log, copied into out[size]. */
const char *vcase_last_line(const char *log, char *out, size_t size);
/*
 * The kernel's reason in its verifier log: the last line before the
 * statistics lines ("processed N insns", "verification time", ...).
 */
const char *vcase_kernel_reason(const char *log, char *out, size_t size);
/* "file-stem/case name" (the test line's name) into out[size]. */
const char *vcase_id(const struct vcase *c, char *out, size_t size);

/* ---- the kernel ------------------------------------------------------- */

/*
 * Load c into the kernel: create its maps, patch map_fd(N) / map_value(N,
 * off) lddw to the fds, load with the verifier log on failure. Returns the
 * program fd (the caller closes it; maps stay referenced by it) or a
 * negative errno with log[size] holding the verifier's log. -ENOTSUP
 * (with a message in log) when a map cannot be created here.
 */
int vcase_kernel_load(const struct vcase *c, const struct ubee_insn *insns,
		      size_t cnt, char *log, size_t size);

/* ---- ubee ------------------------------------------------------------- */

struct vcase_ubee {
	struct ubee_map *maps[VCASE_MAX_MAPS];
	int nr_maps;
	struct ubee_prog *prog;
};

/*
 * Create c's maps in ubee and load the program with UBEE_PROG_NO_VERIFY
 * (plus UBEE_PROG_UNPRIV for unpriv cases, UBEE_PROG_VERIFY_ONLY when the
 * case has no input), so that the verifier can be run on u->prog. extra
 * flags are or-ed in. Returns 0, or the load's negative errno with its
 * message in log (the load itself may reject: e.g. a helper the type may
 * not call). Free with vcase_ubee_free in either case.
 */
int vcase_ubee_load(const struct vcase *c, const struct ubee_insn *insns,
		    size_t cnt, uint32_t extra_flags, struct vcase_ubee *u,
		    struct ubee_log *log);
void vcase_ubee_free(struct vcase_ubee *u);

/*
 * Known failures: the file "known-failures.list" of the case directory
 * lists test ids (the text after PASS/FAIL, e.g. "verifier stack/x"), one
 * per line, '#' comments, for gaps of ubee's verifier being worked on. A
 * listed id that fails is reported as SKIP "known failure" instead of FAIL
 * (so that make test stays green while the verifier grows); one that
 * passes is a plain PASS (the list should then lose it). Returns 1 when
 * id is listed.
 */
int vcase_known_failure(const char *dir, const char *id);

/* Does the log's reason match the expected text? (1 / 0) */
int vcase_msg_match(const char *log_text, const char *expected);

/*
 * Raw BTF for a map value of value_size bytes holding a struct
 * bpf_spin_lock at lock_off: [1] int, [2] struct bpf_spin_lock,
 * [3] struct v (the value type, id 3). Returns its size in bytes.
 */
size_t vcase_spin_lock_btf_raw(uint32_t value_size, uint32_t lock_off,
			       uint32_t buf[64]);

#endif /* UBEE_TESTS_VCASE_H */
