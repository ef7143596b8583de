// SPDX-License-Identifier: MIT
/*
 * Print the programs and maps of eBPF objects as ubee's loader sees them
 * after opening (no load), in the format of tests/tools/libbpf_dump.c, so
 * tests/sh/libbpf_xcheck.sh can compare the two line by line:
 *   prog <name> sec=<section> type=<prog type> insns=<count> autoload=<0|1>
 *   map <name> type=<t> key=<k> value=<v> max=<n> flags=0x<f>
 * Programs in libbpf's order (section, then offset), maps sorted by name.
 * Usage: ubee_dump OBJ...; exit 1 when an object cannot be opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubee/object.h"

struct line {
	char text[512];
};

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text,
		      ((const struct line *)b)->text);
}

static int dump(const char *path)
{
	char buf[8192];
	struct ubee_log log;
	struct ubee_object *obj;
	struct line *maps;
	size_t i, n;
	int err;

	ubee_log_init(&log, buf, sizeof(buf));
	err = ubee_object_open_file(path, &obj, &log);
	if (err) {
		fprintf(stderr, "ubee_dump: %s: %s", path, buf);
		return 1;
	}
	printf("object %s\n", path);
	for (i = 0; i < ubee_object_prog_count(obj); i++) {
		struct ubee_object_prog_info p;

		ubee_object_prog(obj, i, &p);
		printf("prog %s sec=%s type=%u insns=%zu autoload=%d\n", p.name,
		       p.section, p.prog_type, p.insn_cnt, p.autoload);
	}
	n = ubee_object_map_count(obj);
	maps = calloc(n ? n : 1, sizeof(*maps));
	if (!maps) {
		ubee_object_free(obj);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct ubee_object_map_info m;

		ubee_object_map(obj, i, &m);
		snprintf(maps[i].text, sizeof(maps[i].text),
			 "map %s type=%u key=%u value=%u max=%u flags=0x%x",
			 m.name, m.type, m.key_size, m.value_size, m.max_entries,
			 m.map_flags);
	}
	qsort(maps, n, sizeof(*maps), line_cmp);
	for (i = 0; i < n; i++)
		printf("%s\n", maps[i].text);
	free(maps);
	ubee_object_free(obj);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++)
		rc |= dump(argv[i]);
	return rc;
}
