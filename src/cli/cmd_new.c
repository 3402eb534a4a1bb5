/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight new SESSION_DIR [--template NAME|FILE] [--force-existing]`:
 * create a session with its tracks (name + input port) from a template.
 * Needs no JACK server. Never touches an existing session.json.
 */
#include "cli_template.h"

#include "redlight/cli.h"
#include "redlight/session.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void new_usage(FILE *f)
{
	fputs("usage: redlight new SESSION_DIR [--template NAME|FILE] [--force-existing]\n"
	      "\n"
	      "Create the session SESSION_DIR with the tracks of a template; an\n"
	      "existing session is never touched.\n"
	      "  --template band    11 tracks: kick snare hihat tom1 tom2 oh-l oh-r\n"
	      "                     bass-di gtr keys vox on system:capture_1..11\n"
	      "  --template empty   no tracks (the default)\n"
	      "  --template FILE    one track per line: NAME [PORT [RIGHT_PORT]]\n"
	      "                     (two ports: a stereo track); '#' starts a\n"
	      "                     comment; a PORT with spaces goes in \"quotes\".\n"
	      "                     A name with a '/' or not built-in is a file.\n"
	      "  --force-existing   make the session in a directory that already\n"
	      "                     has other files in it\n",
	      f);
}

/* Does dir have entries other than "." and ".."? */
static bool dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool any = false;
	struct dirent *e;
	while (!any && (e = readdir(d)) != NULL)
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return any;
}

/*
 * Create the directory (only its last component, as session_open() does)
 * or check that an existing one may become a session. *created says
 * whether it was made here.
 */
static enum rl_status prepare_dir(const char *dir, bool force_existing,
                                  bool *created, struct error *err)
{
	char file[SESSION_PATH_MAX + 16];
	struct stat st;

	*created = false;
	snprintf(file, sizeof file, "%s/session.json", dir);
	if (lstat(file, &st) == 0)
		return error_set(err, RL_ERR_EXISTS,
		                 "%s is already a session (it has a "
		                 "session.json); not touching it", dir);
	if (mkdir(dir, 0777) == 0) {
		*created = true;
		return RL_OK;
	}
	int e = errno;
	if (e == EEXIST) {
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			return error_set(err, RL_ERR_EXISTS,
			                 "cannot make a session at %s: it exists "
			                 "and is not a directory", dir);
		if (!force_existing && dir_has_entries(dir))
			return error_set(err, RL_ERR_EXISTS,
			                 "%s exists and is not empty; use "
			                 "--force-existing to make a session in "
			                 "it", dir);
		return RL_OK;
	}
	if (e == ENOENT)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "cannot create session directory %s: its "
		                 "parent directory does not exist", dir);
	return error_set(err, rl_status_from_errno(e),
	                 "cannot create session directory %s: %s", dir,
	                 strerror(e));
}

int cmd_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "force-existing", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *spec = "empty";
	bool force_existing = false;
	int c;
	while ((c = getopt_long(argc, argv, "t:Fh", opts, NULL)) != -1) {
		switch (c) {
		case 't': spec = optarg; break;
		case 'F': force_existing = true; break;
		case 'h':
			new_usage(stdout);
			return 0;
		default:
			new_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !argv[optind][0] || !spec[0]) {
		new_usage(stderr);
		return 2;
	}
	const char *dir = argv[optind];
	if (strlen(dir) >= SESSION_PATH_MAX - 32) {
		fprintf(stderr, "redlight: session directory path too long\n");
		return 1;
	}

	/* The template first: a mistake in it leaves nothing behind. */
	struct error err = { 0 };
	struct cli_template t;
	if (cli_template_load(spec, &t, &err) != RL_OK) {
		fprintf(stderr, "redlight: %s\n", err.message);
		return 1;
	}
	bool created = false;
	enum rl_status rc = prepare_dir(dir, force_existing, &created, &err);
	if (rc == RL_OK)
		rc = cli_template_write_session(dir, &t, &err);
	if (rc != RL_OK) {
		fprintf(stderr, "redlight: %s\n", err.message);
		/* A directory made here and left empty goes again. */
		if (created)
			rmdir(dir);
		cli_template_free(&t);
		return 1;
	}
	printf("session %s: %zu tracks (template %s)\n", dir, t.count, t.name);
	cli_template_free(&t);
	return 0;
}
