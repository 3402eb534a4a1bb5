/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight markers`: the session's timeline markers from the shell --
 * list them, add one at a position, move, rename and remove them. A
 * change is made under the session lock (refused while a recorder holds
 * the session: its UI and OSC change them live) through the actions of
 * actions.h, saved to session.json at once. Positions are read as
 * everywhere (control_parse_position()): bars, bar|beat|tick, seconds,
 * frames, a section, another marker.
 */
#include "redlight/actions.h"
#include "redlight/cli.h"
#include "redlight/comp.h"
#include "redlight/session.h"
#include "redlight/tempo_map.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void markers_usage(FILE *f)
{
	fputs("usage: redlight markers [list] SESSION_DIR [--json]\n"
	      "       redlight markers add SESSION_DIR NAME POSITION\n"
	      "       redlight markers move SESSION_DIR NAME POSITION\n"
	      "       redlight markers rename SESSION_DIR NAME NEW_NAME\n"
	      "       redlight markers remove SESSION_DIR NAME\n"
	      "POSITION: bar (17), bar|beat|tick (17|3|0), seconds (12.5s),\n"
	      "frames (48000f), a section label or another marker's name.\n"
	      "A marker's name is a position for --start, --punch, --loop, the\n"
	      "UI's g and OSC's /redlight/locate too.\n", f);
}

#define usage_error(...) cli_usage_error(markers_usage, __VA_ARGS__)

/* "17|1|0", or "-" without a map. */
static void bbt_text(const struct tempo_map *map, uint64_t frame, char *out,
                     size_t size)
{
	if (!map) {
		snprintf(out, size, "-");
		return;
	}
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(map, (int64_t)frame, &bbt);
	snprintf(out, size, "%lld|%d|%d", (long long)bbt.bar, bbt.beat,
	         bbt.tick);
}

static void print_marker(const struct session *s, const struct tempo_map *map,
                         const struct session_marker *m)
{
	char bbt[48];
	bbt_text(map, m->frame, bbt, sizeof bbt);
	printf("marker \"%s\" at %s (frame %" PRIu64, m->name, bbt, m->frame);
	if (s->sample_rate)
		printf(", %.3f s", (double)m->frame / s->sample_rate);
	printf(")\n");
}

static json_t *marker_json(const struct session *s,
                           const struct tempo_map *map,
                           const struct session_marker *m)
{
	char bbt[48];
	bbt_text(map, m->frame, bbt, sizeof bbt);
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "frame", json_integer((json_int_t)m->frame));
	json_object_set_new(o, "seconds", s->sample_rate
	                    ? json_real((double)m->frame / s->sample_rate)
	                    : json_null());
	json_object_set_new(o, "position", map ? json_string(bbt)
	                                       : json_null());
	json_object_set_new(o, "take", m->take ? json_integer(m->take)
	                                       : json_null());
	return o;
}

static int print_list(const struct session *s, const struct tempo_map *map,
                      bool as_json)
{
	if (as_json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < s->marker_count; i++) {
			json_t *o = marker_json(s, map, &s->markers[i]);
			if (!o || json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		}
		return cli_print_json(arr);
	}
	if (s->marker_count == 0) {
		printf("%s: no markers\n", s->dir);
		return 0;
	}
	printf("%-4s %-24s %-12s %-12s %s\n", "#", "name", "position",
	       "frame", "take");
	for (size_t i = 0; i < s->marker_count; i++) {
		const struct session_marker *m = &s->markers[i];
		char bbt[48], take[16] = "-";
		bbt_text(map, m->frame, bbt, sizeof bbt);
		if (m->take)
			snprintf(take, sizeof take, "%03u", m->take);
		printf("%-4zu %-24s %-12s %-12" PRIu64 " %s\n", i + 1, m->name,
		       bbt, m->frame, take);
	}
	return 0;
}

/* Reading needs no lock: it works while a recorder has the session. */
static int list_markers(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool as_json = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (opt == 'j') {
			as_json = true;
		} else if (opt == 'h') {
			markers_usage(stdout);
			return 0;
		} else {
			markers_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1)
		return usage_error("%s", argc - optind > 1
		                         ? "one SESSION_DIR, please"
		                         : "which session? (SESSION_DIR missing)");
	struct session *s = NULL;
	int rc = cli_open_session(argv[optind], &s);
	if (rc)
		return rc;
	struct tempo_map *map = NULL;
	if (s->sample_rate)
		comp_session_map(s, s->sample_rate, &map, NULL);
	rc = print_list(s, map, as_json);
	tempo_map_free(map);
	session_free(s);
	return rc;
}

enum change { ADD, MOVE, RENAME, REMOVE };

/* One change through its action, then the marker as it is now. */
static int change(enum change what, const char *dir, const char *name,
                  const char *arg)
{
	struct control *ctl;
	int rc = cli_open_offline(dir, "markers", &ctl);
	if (rc)
		return rc;
	struct error err;
	enum rl_status st = RL_OK;
	if (what == ADD)
		st = action_marker_add(ctl, name, arg, &err);
	else if (what == MOVE)
		st = action_marker_move(ctl, name, arg, &err);
	else if (what == RENAME)
		st = action_marker_rename(ctl, name, arg, &err);
	else
		st = action_marker_remove(ctl, name, &err);
	const struct session *s = control_session(ctl);
	int i = session_find_marker(s, what == RENAME ? arg : name);
	if (st == RL_OK && what == REMOVE)
		printf("marker \"%s\" removed\n", name);
	else if (st == RL_OK && i >= 0)
		print_marker(s, control_tempo_map(ctl), &s->markers[i]);
	control_close(ctl);
	return st == RL_OK ? 0 : cli_fail(&err);
}

/* argc counts the sub-command: exactly `want` arguments after it. */
static int want_args(int argc, int want, const char *what)
{
	if (argc - 1 == want)
		return 0;
	return usage_error("%s: %s", what, argc - 1 < want
	                                   ? "missing arguments"
	                                   : "too many arguments");
}

int cmd_markers(int argc, char **argv)
{
	if (argc < 2) {
		markers_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		markers_usage(stdout);
		return 0;
	}
	static const struct {
		const char *name, *usage;
		enum change what;
		int args;
	} subs[] = {
		{ "add", "add SESSION_DIR NAME POSITION", ADD, 3 },
		{ "move", "move SESSION_DIR NAME POSITION", MOVE, 3 },
		{ "rename", "rename SESSION_DIR NAME NEW_NAME", RENAME, 3 },
		{ "remove", "remove SESSION_DIR NAME", REMOVE, 2 },
	};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (strcmp(sub, subs[i].name))
			continue;
		int rc = want_args(argc - 1, subs[i].args, subs[i].usage);
		return rc ? rc : change(subs[i].what, argv[2], argv[3],
		                        subs[i].args == 3 ? argv[4] : NULL);
	}
	/* A session directory called like a sub-command is ./add. */
	if (!strcmp(sub, "list"))
		return list_markers(argc - 1, argv + 1);
	return list_markers(argc, argv);
}
