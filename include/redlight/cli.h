/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file cli.h
 * The sub-commands of the `redlight` program. Each takes the arguments
 * after its own name (argv[0] is the sub-command) and returns the process
 * exit status: 0 success, 1 failure at run time, 2 bad usage. Main thread.
 */
#ifndef REDLIGHT_CLI_H
#define REDLIGHT_CLI_H

/** `redlight record [options] SESSION_DIR`: headless recording of a take. */
int cmd_record(int argc, char **argv);

/** `redlight recover SESSION_DIR`: repair files a crash left behind. */
int cmd_recover(int argc, char **argv);

/** `redlight new SESSION_DIR [--template NAME|FILE]`: a new session. */
int cmd_new(int argc, char **argv);

/** `redlight takes [list|keep|rate|note|discard|restore] ...`: the takes
 *  of a session from the shell. */
int cmd_takes(int argc, char **argv);

#endif
