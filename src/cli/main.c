/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * redlight: real-time multitrack tracking recorder. This file only picks
 * the sub-command; it is the only place (with the cmd_* functions it
 * returns from) that decides the exit status.
 */
#include "redlight/cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
	fputs("usage: redlight [run] SESSION_DIR [options]   (redlight run --help)\n"
	      "       redlight new SESSION_DIR [--template NAME|FILE]\n"
	      "       redlight record [options] SESSION_DIR   (redlight record --help)\n"
	      "       redlight takes [list|keep|rate|note|discard|restore|headroom] ...\n"
	      "       redlight tracks [list|add|rename|move|input|set] ...\n"
	      "       redlight markers [list|add|move|rename|remove] ...\n"
	      "       redlight comp [list|use|off] SESSION_DIR ...\n"
	      "       redlight bounce SESSION_DIR [-o FILE] [--format pcm24|float]\n"
	      "       redlight recover SESSION_DIR\n"
	      "       redlight --help | --version\n"
	      "\n"
	      "run      the live recorder: the terminal UI (--headless: OSC only)\n"
	      "         on the session's tracks; OSC on UDP port 3819.\n"
	      "new      make a session, optionally with a band's tracks and inputs.\n"
	      "record   record takes of the matched JACK output ports into\n"
	      "         SESSION_DIR/takes/NNN/TT-name.wav, with transport, tempo map,\n"
	      "         click, scratch and keeper playback; one summary line a take.\n"
	      "takes    list the takes; keep, rate, annotate, discard to trash/,\n"
	      "         restore; headroom report.\n"
	      "tracks   list the tracks; add, rename, reorder; input port, group,\n"
	      "         colour, gain, pan, rec-safe.\n"
	      "markers  list the timeline's markers; add, move, rename, remove.\n"
	      "comp     keeper per section: a track's takes joined by song section\n"
	      "         with short crossfades, rendered to SESSION_DIR/comps/.\n"
	      "bounce   rough mix of every track's comp or keeper, with gain and\n"
	      "         pan, to a stereo WAV, with a peak/headroom report.\n"
	      "recover  repair take files left by a crash, clear a stale lock, and\n"
	      "         mark the takes recovered in session.json.\n"
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
	if (!strcmp(cmd, "new"))
		return cmd_new(argc - 1, argv + 1);
	if (!strcmp(cmd, "takes"))
		return cmd_takes(argc - 1, argv + 1);
	if (!strcmp(cmd, "tracks"))
		return cmd_tracks(argc - 1, argv + 1);
	if (!strcmp(cmd, "markers"))
		return cmd_markers(argc - 1, argv + 1);
	if (!strcmp(cmd, "comp"))
		return cmd_comp(argc - 1, argv + 1);
	if (!strcmp(cmd, "bounce"))
		return cmd_bounce(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	/* `redlight SESSION_DIR`: a directory, or anything with a '/', is a
	 * session to open; a bare word is a mistyped command, never a new
	 * session made by accident. */
	struct stat st;
	if (cmd[0] != '-' && (strchr(cmd, '/') ||
	                      (stat(cmd, &st) == 0 && S_ISDIR(st.st_mode))))
		return cmd_run(argc, argv);
	fprintf(stderr, "redlight: unknown command '%s' (a session directory "
	        "that does not exist yet: ./%s)\n", cmd, cmd);
	usage(stderr);
	return 2;
}
