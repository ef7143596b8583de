// SPDX-License-Identifier: MIT
/*
 * The pin directory as `map` and `prog` see it: listing every pinned
 * object of one kind (`map show`, `prog show` without a PINPATH) and
 * removing one pin after checking what it holds (`map unpin`,
 * `prog unpin`). The kind-specific part, opening and printing one
 * object, stays with the command.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "ubee/pin.h"

/* How many subdirectories of the pin directory a listing descends. */
#define CLI_PIN_WALK_DEPTH 8

/*
 * Every regular file holding kind under dir, in name order (dot files
 * skipped, symbolic links not followed), to show; recursion stops
 * CLI_PIN_WALK_DEPTH levels down.
 */
static void walk(const char *dir, int depth, int kind, cli_pin_show_fn show,
		 int *first)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;

		if (ents[i]->d_name[0] != '.' &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     ents[i]->d_name) < sizeof(path) &&
		    !lstat(path, &st)) {
			if (S_ISDIR(st.st_mode) && depth < CLI_PIN_WALK_DEPTH)
				walk(path, depth + 1, kind, show, first);
			else if (S_ISREG(st.st_mode) && ubee_pin_type(path) == kind)
				show(path, first);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

int cli_pin_show_all(int kind, cli_pin_show_fn show)
{
	char dir[PATH_MAX], lbuf[1024];
	struct ubee_log log;
	int first = 1, err;

	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_pin_dir(dir, sizeof(dir), &log);
	if (err) {
		cli_err_log("pin directory", err, &log);
		return 1;
	}
	if (cli_g.json)
		putchar('[');
	walk(dir, 0, kind, show, &first);
	if (cli_g.json)
		printf("]\n");
	return 0;
}

int cli_pin_unlink(const char *path, int kind, const char *what)
{
	char lbuf[1024];
	struct ubee_log log;
	int err;

	if (ubee_pin_type(path) != kind) {
		cli_err("%s: no pinned %s there", path, what);
		return 1;
	}
	ubee_log_init(&log, lbuf, sizeof(lbuf));
	err = ubee_pin_unlink(path, &log);
	if (err) {
		cli_err_log(path, err, &log);
		return 1;
	}
	return 0;
}
