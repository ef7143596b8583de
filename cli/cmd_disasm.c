// SPDX-License-Identifier: MIT
/*
 * `ubee disasm FILE [--no-show-raw-insn] [--jited [--harden]]`: print the
 * instructions of an eBPF ELF object the way `llvm-objdump -d` does
 * (section and symbol headers, per-section indices, jump targets as
 * <func+0xOFF>), or of a raw bytecode file (no headers). The text is what
 * `ubee asm` reads.
 *
 * --jited compiles the program (raw bytecode) or every program the object
 * loads with the JIT, as trusted code (compiling runs nothing), and prints
 * the x86-64 machine code (capstone, Intel syntax) under the text of the
 * eBPF instruction each block comes from, after the entry stub and before
 * the out-of-line stubs. --harden compiles with constant blinding.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jited.h"
#include "ubee/asm.h"
#include "ubee/object.h"

/* Which section of obj the jump targets refer to. */
struct sym_ctx {
	const struct ubee_object *obj;
	size_t sec;
};

static const char *target_name(void *arg, int64_t target, char *buf,
			       size_t size)
{
	const struct sym_ctx *c = arg;
	const char *name;
	size_t off;

	if (target < 0 ||
	    ubee_object_symbolize(c->obj, c->sec, (size_t)target, &name, &off))
		return NULL;
	if (!off)
		return name;
	snprintf(buf, size, "%s+0x%zx", name, off);
	return buf;
}

/*
 * One line per instruction: "%8zu:\t<bytes>\t<text>" as llvm-objdump
 * prints it (an lddw's 16 bytes on one line). Returns the slots consumed.
 */
static size_t print_insn(const struct ubee_insn *insns, size_t cnt, size_t i,
			 const struct ubee_disasm_opts *opts, int raw)
{
	char text[512];
	int n = ubee_disasm_insn(insns, cnt, i, opts, text, sizeof(text));
	size_t slots = n == 2 ? 2 : 1;

	printf("%8zu:\t", i);
	if (raw) {
		const unsigned char *b = (const unsigned char *)&insns[i];

		for (size_t k = 0; k < slots * sizeof(*insns); k++)
			printf(k ? " %02x" : "%02x", b[k]);
		putchar('\t');
	}
	printf("%s\n", text);
	return slots;
}

/*
 * Like llvm-objdump, a header "<name>:" wherever a symbol starts (one per
 * address: the one ubee_object_symbolize names, or the section name when
 * the section starts without a symbol).
 */
static void print_object(const struct ubee_object *obj, int raw)
{
	size_t nsec = ubee_object_section_count(obj);

	for (size_t s = 0; s < nsec; s++) {
		struct sym_ctx ctx = { .obj = obj, .sec = s };
		struct ubee_disasm_opts opts = { .sz = sizeof(opts),
			.target_name = target_name, .arg = &ctx };
		const struct ubee_insn *insns;
		const char *name;
		size_t cnt, off;

		if (ubee_object_section(obj, s, &name, &insns, &cnt))
			continue;
		printf("\nDisassembly of section %s:\n", name);
		for (size_t i = 0; i < cnt;) {
			if (!ubee_object_symbolize(obj, s, i, &name, &off) && !off)
				printf("\n%016zx <%s>:\n", i * sizeof(*insns), name);
			i += print_insn(insns, cnt, i, &opts, raw);
		}
	}
}

/* Machine code [from, to) of the JIT image, one line per instruction. */
static void print_x86(csh cs, const struct ubee_jit_info *ji, size_t from,
		      size_t to, int raw)
{
	cs_insn *in = NULL;
	size_t n = 0, at = from;

	if (from < to)
		n = cs_disasm(cs, ji->code + from, to - from, from, 0, &in);
	for (size_t k = 0; k < n; k++) {
		printf("%8llx:\t", (unsigned long long)in[k].address);
		if (raw) {
			for (size_t b = 0; b < in[k].size; b++)
				printf(b ? " %02x" : "%02x", in[k].bytes[b]);
			printf("%*s\t", (int)(3 * (in[k].size < 10 ? 10 - in[k].size : 0)), "");
		}
		printf("%s\t%s\n", in[k].mnemonic, in[k].op_str);
		at = (size_t)in[k].address + in[k].size;
	}
	cs_free(in, n);
	/* Bytes capstone does not know (never emitted by the JIT). */
	for (; at < to; at++)
		printf("%8zx:\t%02x\t(bad)\n", at, ji->code[at]);
}

/* The JIT's code for prog (jited.h; also `prog dump jited`). */
int cli_print_jited(const char *what, const struct ubee_prog *prog,
		    const struct ubee_insn *insns, size_t cnt,
		    const struct ubee_disasm_opts *opts, int raw)
{
	struct ubee_jit_info ji = { .sz = sizeof(ji) };
	struct ubee_log log;
	char lbuf[4096], text[512];
	csh cs;
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_prog_jit_info(prog, &ji, &log);
	if (err) {
		cli_err_log(what, err, &log);
		return -1;
	}
	if (ji.insn_count != cnt) {
		cli_err("%s: %zu instructions compiled, %zu in the text", what,
			ji.insn_count, cnt);
		return -1;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		cli_err("disasm: capstone cannot open x86-64");
		return -1;
	}
	printf("; %zu bytes of x86-64%s\n<entry>:\n", ji.size,
	       ji.hardened ? ", constants blinded" : "");
	print_x86(cs, &ji, 0, ji.insn_off[0], raw);
	for (size_t i = 0; i < cnt;) {
		int w = ubee_disasm_insn(insns, cnt, i, opts, text, sizeof(text));
		size_t next = i + (w == 2 ? 2 : 1);

		printf("; %zu: %s\n", i, text);
		print_x86(cs, &ji, ji.insn_off[i], ji.insn_off[next], raw);
		i = next;
	}
	if (ji.insn_off[cnt] < ji.size) {
		printf("<stubs>:\n");
		print_x86(cs, &ji, ji.insn_off[cnt], ji.size, raw);
	}
	cs_close(&cs);
	return 0;
}

/* --jited for an object: every program the default load loads. */
static int jited_object(const char *path, struct ubee_object *obj,
			int harden, int raw)
{
	struct ubee_object_load_opts lo = { .sz = sizeof(lo),
		.prog_flags = harden ? UBEE_PROG_HARDEN : 0 };
	struct ubee_log log;
	char lbuf[4096];
	size_t n = ubee_object_prog_count(obj);
	int err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_object_load(obj, &lo, &log);
	if (err) {
		cli_err_log(path, err, &log);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct ubee_object_prog_info info;
		const struct ubee_insn *insns;
		size_t cnt;

		if (ubee_object_prog(obj, i, &info) || !info.prog ||
		    ubee_object_prog_insns(obj, i, &insns, &cnt))
			continue;
		printf("\nJIT code of program %s (section %s):\n", info.name,
		       info.section);
		if (cli_print_jited(path, info.prog, insns, cnt, NULL, raw))
			return -1;
	}
	return 0;
}

/* --jited for raw bytecode: loaded as a plain-memory program. */
static int jited_raw(const char *path, const struct ubee_insn *insns,
		     size_t cnt, int harden, int raw)
{
	/* Compiling runs nothing: no verification (its input is unknown). */
	struct ubee_prog_opts po = { .sz = sizeof(po),
		.flags = UBEE_PROG_NO_VERIFY | (harden ? UBEE_PROG_HARDEN : 0) };
	struct ubee_prog *prog = NULL;
	struct ubee_log log;
	char lbuf[4096];
	int err, ret;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_prog_load(insns, cnt, &po, &prog, &log);
	if (err) {
		cli_err_log(path, err, &log);
		return -1;
	}
	ret = cli_print_jited(path, prog, insns, cnt, NULL, raw);
	ubee_prog_free(prog);
	return ret;
}

int cmd_disasm(int argc, char **argv)
{
	const char *path = NULL;
	struct ubee_object *obj = NULL;
	struct ubee_log log;
	char lbuf[4096];
	uint8_t *data = NULL;
	size_t size;
	int raw = 1, ret = 1, jited = 0, harden = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-show-raw-insn")) {
			raw = 0;
		} else if (!strcmp(argv[i], "--jited")) {
			jited = 1;
		} else if (!strcmp(argv[i], "--harden")) {
			harden = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_err("disasm: unknown option '%s'", argv[i]);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			cli_err("disasm: more than one file given");
			return 2;
		}
	}
	if (!path) {
		cli_err("usage: ubee disasm FILE [--no-show-raw-insn] [--jited [--harden]]");
		return 2;
	}
	if (harden && !jited) {
		cli_err("disasm: --harden is for --jited");
		return 2;
	}
	if (cli_read_file(path, &data, &size))
		return 1;
	if (ubee_is_elf(data, size)) {
		ubee_log_init(&log, lbuf, sizeof(lbuf));
		int err = ubee_object_open_mem(data, size, path, &obj, &log);

		if (err) {
			cli_err_log(path, err, &log);
			goto out;
		}
		if (jited) {
			if (jited_object(path, obj, harden, raw))
				goto out;
		} else {
			print_object(obj, raw);
		}
	} else {
		const struct ubee_insn *insns = (const struct ubee_insn *)data;
		size_t cnt = size / sizeof(*insns);

		if (size % sizeof(*insns)) {
			cli_err("'%s': raw bytecode must be a multiple of 8 bytes, got %zu bytes",
				path, size);
			goto out;
		}
		if (jited) {
			if (jited_raw(path, insns, cnt, harden, raw))
				goto out;
		} else {
			for (size_t i = 0; i < cnt;)
				i += print_insn(insns, cnt, i, NULL, raw);
		}
	}
	if (fflush(stdout)) {
		cli_err("disasm: cannot write the output");
		goto out;
	}
	ret = 0;
out:
	ubee_object_free(obj);
	free(data);
	return ret;
}
