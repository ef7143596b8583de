// SPDX-License-Identifier: MIT
/*
 * `ubee` entry point: global options, then a command from the table.
 * Usage errors exit 2, any other failure 1.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct cli_globals cli_g;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "run", cmd_run,
	  "run PROG [--program NAME | --section SEC] [--data FILE] [--ctx FILE]\n"
	  "          [--data-out FILE] [--repeat N] [--engine interp|jit] [--harden]\n"
	  "          [--no-verify] [--json] [--dump-maps] [--max-memory BYTES]" },
	{ "disasm", cmd_disasm, "disasm FILE [--no-show-raw-insn] [--jited [--harden]]" },
	{ "asm", cmd_asm, "asm FILE -o OUT" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ubee [-j|-p] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  ubee %s\n", commands[i].usage);
	fprintf(f, "  ubee version\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			cli_g.json = 1;
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
			cli_g.json = cli_g.pretty = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			break;
		} else {
			cli_err("unknown global option '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "version") || !strcmp(argv[i], "-V") ||
	    !strcmp(argv[i], "--version")) {
		printf("ubee %d.%d.%d\n", UBEE_VERSION_MAJOR, UBEE_VERSION_MINOR,
		       UBEE_VERSION_PATCH);
		return 0;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(argc - i, argv + i);
	cli_err("unknown command '%s'", argv[i]);
	usage(stderr);
	return 2;
}
