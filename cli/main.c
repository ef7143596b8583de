// SPDX-License-Identifier: MIT
/*
 * `ubee` entry point: global options, then a command from the table.
 * Usage errors exit 2, any other failure 1.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ubee/pin.h"

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
	{ "verify", cmd_verify, "verify OBJ|RAW [--program NAME] [--section SEC] [--type TYPE]\n"
	  "          [--log-level 0|1|2] [--json]" },
	{ "prog", cmd_prog, "prog { load OBJ PINPATH [--program NAME] [pinmaps DIR] | show [PINPATH] |\n"
	  "          dump xlated PINPATH [linum] [opcodes] |\n"
	  "          run PINPATH --data FILE [--ctx FILE] [--data-out FILE] [--repeat N] |\n"
	  "          unpin PINPATH }" },
	{ "map", cmd_map, "map { show [PINPATH] | dump PINPATH | create PINPATH type T key K value V\n"
	  "          entries N [name X] [flags F] | lookup|getnext PINPATH [key [hex] BYTES] |\n"
	  "          update PINPATH key [hex] BYTES value [hex] BYTES [any|exist|noexist] |\n"
	  "          delete PINPATH key [hex] BYTES | push PINPATH value BYTES | pop|peek PINPATH |\n"
	  "          event_pipe PINPATH | freeze PINPATH | unpin PINPATH }" },
	{ "btf", cmd_btf, "btf dump OBJ|PINPATH|BTF_FILE" },
	{ "filter", cmd_filter, "filter [EXPRESSION | --cbpf FILE] -r IN [-w OUT.pcap] [-c] [-d]\n"
	  "          [--engine interp|jit] [--checked] [--stats]" },
	{ "xdp", cmd_pkt, "xdp OBJ [--program NAME] (--pcap IN | --iface IF) [--write OUT.pcap]\n"
	  "          [--stats] [--duration S] [--count N] [--engine interp|jit] [--dump-maps]\n"
	  "          [--mode auto|xdp|packet] [--queue N] [--copy] [--skb-mode] [--no-verify]\n"
	  "          [--devmap MAP KEY IFACE]..." },
	{ "tc", cmd_pkt, "tc OBJ ... (the options of xdp)" },
	{ "socket", cmd_pkt, "socket OBJ ... (the options of xdp)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ubee [-j|-p] [--pin-dir DIR] COMMAND ...\n\ncommands:\n");
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
		} else if (!strcmp(argv[i], "--pin-dir")) {
			if (i + 1 >= argc || ubee_pin_set_dir(argv[i + 1])) {
				cli_err("--pin-dir needs a directory");
				return 2;
			}
			i++;
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
