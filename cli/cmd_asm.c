// SPDX-License-Identifier: MIT
/*
 * `ubee asm FILE -o OUT`: assemble text (the syntax `ubee disasm` prints)
 * into raw little-endian bytecode. Errors are the assembler's log lines
 * ("line 3: unknown mnemonic 'foo'") on stderr, with exit status 1.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubee/asm.h"

int cmd_asm(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct ubee_insn *insns = NULL;
	struct ubee_log log;
	char lbuf[4096];
	uint8_t *data = NULL;
	char *text = NULL;
	size_t size, cnt;
	int ret = 1, err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_err("asm: unknown option '%s'", argv[i]);
			return 2;
		} else if (!in) {
			in = argv[i];
		} else {
			cli_err("asm: more than one input file given");
			return 2;
		}
	}
	if (!in || !out) {
		cli_err("usage: ubee asm FILE -o OUT");
		return 2;
	}
	if (cli_read_file(in, &data, &size))
		return 1;
	if (memchr(data, '\0', size)) {
		cli_err("'%s': not a text file (contains a NUL byte)", in);
		goto out;
	}
	text = malloc(size + 1);
	if (!text) {
		cli_err("'%s': out of memory", in);
		goto out;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_asm(text, &insns, &cnt, &log);
	if (err) {
		cli_err_log(in, err, &log);
		goto out;
	}
	if (cli_write_file(out, insns, cnt * sizeof(*insns)))
		goto out;
	ret = 0;
out:
	ubee_insns_free(insns);
	free(text);
	free(data);
	return ret;
}
