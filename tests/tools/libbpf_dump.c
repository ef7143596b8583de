// SPDX-License-Identifier: MIT
/*
 * Print the programs and maps libbpf finds in eBPF objects with
 * bpf_object__open_file (no kernel involved), in the format of
 * tests/tools/ubee_dump.c. libbpf names global data maps
 * "<object prefix>.data"; the name is printed from its first '.', the
 * section name ubee uses. Built and run by tests/sh/libbpf_xcheck.sh.
 * Usage: libbpf_dump OBJ...; exit 1 when libbpf cannot open an object.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

struct line {
	char text[512];
};

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text,
		      ((const struct line *)b)->text);
}

static int print_warnings(enum libbpf_print_level level, const char *fmt,
			  va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int dump(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;
	struct line *maps = NULL;
	size_t n = 0, cap = 0;

	if (!obj) {
		fprintf(stderr, "libbpf_dump: %s: libbpf cannot open it\n", path);
		return 1;
	}
	printf("object %s\n", path);
	bpf_object__for_each_program(prog, obj)
		printf("prog %s sec=%s type=%u insns=%zu autoload=%d\n",
		       bpf_program__name(prog), bpf_program__section_name(prog),
		       (unsigned)bpf_program__type(prog),
		       bpf_program__insn_cnt(prog), bpf_program__autoload(prog));
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);

		if (bpf_map__is_internal(map) && strchr(name, '.'))
			name = strchr(name, '.');
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			maps = realloc(maps, cap * sizeof(*maps));
			if (!maps)
				return 1;
		}
		snprintf(maps[n++].text, sizeof(maps[0].text),
			 "map %s type=%u key=%u value=%u max=%u flags=0x%x", name,
			 (unsigned)bpf_map__type(map), bpf_map__key_size(map),
			 bpf_map__value_size(map), bpf_map__max_entries(map),
			 bpf_map__map_flags(map));
	}
	qsort(maps, n, sizeof(*maps), line_cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", maps[i].text);
	free(maps);
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	libbpf_set_print(print_warnings);
	for (int i = 1; i < argc; i++)
		rc |= dump(argv[i]);
	return rc;
}
