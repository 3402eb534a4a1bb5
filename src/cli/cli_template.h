/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Session templates for `redlight new --template NAME|FILE`: the
 * built-in ones (band, empty) and template files, one track a line:
 *
 *     NAME [PORT [RIGHT_PORT]]     # comment
 *
 * (two ports: a stereo track; a PORT with spaces in "quotes"). Reading
 * a file is all or nothing: the first mistake is an RL_ERR_FORMAT error
 * "FILE:LINE: what is wrong", and no track is kept. Main thread.
 */
#ifndef REDLIGHT_CLI_TEMPLATE_H
#define REDLIGHT_CLI_TEMPLATE_H

#include "redlight/error.h"
#include "redlight/session.h"

#include <stddef.h>

/* Track names in a template: [A-Za-z0-9_.-]+, at most this long. */
#define CLI_TEMPLATE_NAME_MAX 63
/* Longest template line read (a port name is at most 319 bytes). */
#define CLI_TEMPLATE_LINE_MAX 1024

struct cli_template_track {
	char name[SESSION_NAME_MAX];
	char port[SESSION_PORT_MAX];
	char port_right[SESSION_PORT_MAX]; /* a stereo track's right input */
	unsigned line; /* in the template file, 0 for a built-in */
};

struct cli_template {
	char name[SESSION_PATH_MAX]; /* as printed: "band" or the file */
	size_t count;
	struct cli_template_track *tracks; /* owned */
};

/**
 * Load the template `spec`: "band" or "empty" unless it has a '/' in
 * it, else a file (cli_template_load_file()). On success t holds the
 * tracks (cli_template_free()); on failure t is empty and err says why.
 */
enum rl_status cli_template_load(const char *spec, struct cli_template *t,
                                 struct error *err);

/**
 * Read a template file into t (which must be empty: zeroed, or after
 * cli_template_free()). Names, ports, duplicates and the line length
 * are checked; errors name FILE:LINE. On failure t is freed.
 */
enum rl_status cli_template_load_file(const char *file,
                                      struct cli_template *t,
                                      struct error *err);

/** Free t's tracks; t is empty afterwards. */
void cli_template_free(struct cli_template *t);

/**
 * Make the new session `dir` (no session.json there yet) with t's
 * tracks, through the control layer (control_open_offline(), which
 * takes the session's lock and checks, under it, that nobody made a
 * session there meanwhile; action_track_add() for each track).
 */
enum rl_status cli_template_write_session(const char *dir,
                                          const struct cli_template *t,
                                          struct error *err);

#endif
