/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * redlight: real-time multitrack tracking recorder. This file only picks
 * the sub-command; it is the only place (with the cmd_* functions it
 * returns from) that decides the exit status.
 */
#include "redlight/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: redlight record [--duration SECONDS] [--inputs REGEX | --input PORT ...]\n"
	      "                       [--format pcm24|float|pcm16] [--buffer-seconds S]\n"
	      "                       [--client-name NAME] [--stats] SESSION_DIR\n"
	      "       redlight recover SESSION_DIR\n"
	      "       redlight --help | --version\n"
	      "\n"
	      "record   record one take of every matched JACK output port into\n"
	      "         SESSION_DIR/takes/NNN/TT-name.wav until the duration ends or\n"
	      "         SIGINT/SIGTERM; prints one summary line.\n"
	      "recover  repair take files left by a crash and mark their takes\n"
	      "         recovered in session.json.\n"
	      "\nSee redlight(1).\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		puts("redlight 0.1.0");
		return 0;
	}
	if (!strcmp(cmd, "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(cmd, "recover"))
		return cmd_recover(argc - 1, argv + 1);
	fprintf(stderr, "redlight: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
