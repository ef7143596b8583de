// SPDX-License-Identifier: MIT
/*
 * `ubee disasm FILE [--no-show-raw-insn]`: print the instructions of an
 * eBPF ELF object the way `llvm-objdump -d` does (section and symbol
 * headers, per-section indices, jump targets as <func+0xOFF>), or of a
 * raw bytecode file (no headers). The text is what `ubee asm` reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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

int cmd_disasm(int argc, char **argv)
{
	const char *path = NULL;
	struct ubee_object *obj = NULL;
	struct ubee_log log;
	char lbuf[4096];
	uint8_t *data = NULL;
	size_t size;
	int raw = 1, ret = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-show-raw-insn")) {
			raw = 0;
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
		cli_err("usage: ubee disasm FILE [--no-show-raw-insn]");
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
		print_object(obj, raw);
	} else {
		const struct ubee_insn *insns = (const struct ubee_insn *)data;
		size_t cnt = size / sizeof(*insns);

		if (size % sizeof(*insns)) {
			cli_err("'%s': raw bytecode must be a multiple of 8 bytes, got %zu bytes",
				path, size);
			goto out;
		}
		for (size_t i = 0; i < cnt;)
			i += print_insn(insns, cnt, i, NULL, raw);
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
