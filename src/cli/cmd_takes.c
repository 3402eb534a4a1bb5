/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight takes`: list the takes of a session and choose among them
 * from the shell -- keepers, ratings, notes, discard and restore, and a
 * headroom check. Every change is saved to session.json at once (atomic
 * save) under the session lock, so it is refused while a recorder holds
 * the session.
 */
#include "redlight/actions.h"
#include "redlight/cli.h"
#include "redlight/session.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void takes_usage(FILE *f)
{
	fputs("usage: redlight takes [list] SESSION_DIR [--all] [--json]\n"
	      "       redlight takes keep SESSION_DIR TAKE [TRACK ...]\n"
	      "       redlight takes rate SESSION_DIR TAKE 0..5\n"
	      "       redlight takes note SESSION_DIR TAKE TEXT\n"
	      "       redlight takes discard SESSION_DIR TAKE\n"
	      "       redlight takes restore SESSION_DIR TAKE\n"
	      "       redlight takes headroom SESSION_DIR TAKE\n"
	      "TAKE: a take number (3 or 003). TRACK: a track name or number;\n"
	      "none: every track of the take.\n",
	      f);
}

static double seconds(uint64_t frames, uint32_t rate)
{
	return rate ? (double)frames / rate : 0.0;
}

/* "***--" for 3 of 5, "unrated" for 0. */
static const char *stars(uint32_t rating, char *buf, size_t size)
{
	if (rating == 0 || rating > SESSION_RATING_MAX)
		return "unrated";
	size_t i = 0;
	for (; i < SESSION_RATING_MAX && i + 1 < size; i++)
		buf[i] = i < rating ? '*' : '-';
	buf[i] = '\0';
	return buf;
}

static const char *track_name_of(const struct session *s,
                                 const struct session_take_file *f)
{
	if (f->track_name[0])
		return f->track_name;
	if (f->track >= 1 && f->track <= s->track_count)
		return s->tracks[f->track - 1].name;
	return "?";
}

/* ---------------------------------------------------------------------- */
/* Listing                                                                */

static void print_take(const struct session *s, const struct session_take *t)
{
	char buf[8];
	printf("take %03u  %s  %s", t->number,
	       t->started_at[0] ? t->started_at : "(no start time)",
	       stars(t->rating, buf, sizeof buf));
	if (t->rating)
		printf(" (%u/%d)", t->rating, SESSION_RATING_MAX);
	if (t->discarded)
		printf("  [discarded: %s]", t->trash_dir);
	if (!t->complete)
		printf("  [incomplete: recording, or run `redlight recover`]");
	if (t->recovered)
		printf("  [recovered]");
	printf("\n  start %llu frames (%.3f s), length %.3f s (%llu frames), "
	       "%zu track%s", (unsigned long long)t->start_frame,
	       seconds(t->start_frame, t->sample_rate),
	       seconds(t->length, t->sample_rate),
	       (unsigned long long)t->length, t->file_count,
	       t->file_count == 1 ? "" : "s");
	for (size_t i = 0; i < t->file_count; i++)
		printf("%s%s", i ? ", " : ": ", track_name_of(s, &t->files[i]));
	putchar('\n');

	bool any = false;
	for (size_t i = 0; i < t->file_count; i++) {
		if (!t->files[i].keeper)
			continue;
		printf("%s%s", any ? ", " : "  keeper of: ",
		       track_name_of(s, &t->files[i]));
		any = true;
	}
	if (any)
		putchar('\n');

	printf("  %llu dropped frames, %llu xruns",
	       (unsigned long long)t->dropped_frames,
	       (unsigned long long)t->xruns);
	if (t->end_reason[0])
		printf("; stopped: %s", t->end_reason);
	putchar('\n');
	if (t->note[0])
		printf("  note: %s\n", t->note);

	any = false;
	for (size_t i = 0; i < t->file_count; i++) {
		const struct session_take_file *f = &t->files[i];
		unsigned flags = session_headroom_flags(f);
		if (!flags)
			continue;
		printf("%s", any ? "; " : "  ");
		if (flags & SESSION_HEADROOM_CLIP)
			printf("CLIP: %s %llu clip%s", track_name_of(s, f),
			       (unsigned long long)f->clips,
			       f->clips == 1 ? "" : "s");
		else
			printf("HOT: %s %.1f dBFS", track_name_of(s, f),
			       f->peak_dbfs);
		any = true;
	}
	if (any)
		putchar('\n');
}

static json_t *peak_json(double peak)
{
	return isfinite(peak) ? json_real(peak) : json_null();
}

/* Every field, for scripts and the UI. Keys in a stable order. */
static json_t *take_json(const struct session *s, const struct session_take *t)
{
	json_t *o = json_object();
	json_t *files = json_array(), *keepers = json_array();
	json_t *plays_back = json_array(), *markers = json_array();
	json_t *xruns = json_array();
	if (!o || !files || !keepers || !plays_back || !markers || !xruns) {
		json_decref(o);
		json_decref(files);
		json_decref(keepers);
		json_decref(plays_back);
		json_decref(markers);
		json_decref(xruns);
		return NULL;
	}
	json_object_set_new(o, "number", json_integer(t->number));
	json_object_set_new(o, "started_at", json_string(t->started_at));
	json_object_set_new(o, "start_frame", json_integer((json_int_t)t->start_frame));
	json_object_set_new(o, "start_seconds",
	                    json_real(seconds(t->start_frame, t->sample_rate)));
	json_object_set_new(o, "length", json_integer((json_int_t)t->length));
	json_object_set_new(o, "length_seconds",
	                    json_real(seconds(t->length, t->sample_rate)));
	json_object_set_new(o, "sample_rate", json_integer(t->sample_rate));
	json_object_set_new(o, "format",
	                    json_string(take_format_name(t->format)));
	json_object_set_new(o, "rating", json_integer(t->rating));
	json_object_set_new(o, "note", json_string(t->note));
	json_object_set_new(o, "discarded", json_boolean(t->discarded));
	json_object_set_new(o, "trash_dir", json_string(t->trash_dir));
	json_object_set_new(o, "complete", json_boolean(t->complete));
	json_object_set_new(o, "recovered", json_boolean(t->recovered));
	json_object_set_new(o, "end_reason", json_string(t->end_reason));
	json_object_set_new(o, "dropped_frames",
	                    json_integer((json_int_t)t->dropped_frames));
	json_object_set_new(o, "xruns", json_integer((json_int_t)t->xruns));
	for (size_t i = 0; i < t->file_count; i++) {
		const struct session_take_file *f = &t->files[i];
		/* An active comp plays instead of any take. */
		struct session_playback pb;
		bool plays = session_playback_of(s, f->track, &pb) &&
		             pb.take == t->number;
		json_t *fo = json_object();
		if (!fo)
			continue;
		json_object_set_new(fo, "track", json_integer(f->track));
		json_object_set_new(fo, "track_name",
		                    json_string(track_name_of(s, f)));
		json_object_set_new(fo, "path", json_string(f->path));
		json_object_set_new(fo, "peak_dbfs", peak_json(f->peak_dbfs));
		json_object_set_new(fo, "clips",
		                    json_integer((json_int_t)f->clips));
		json_object_set_new(fo, "headroom",
		                    json_string(session_headroom_label(
		                            session_headroom_flags(f))));
		json_object_set_new(fo, "dropped_frames",
		                    json_integer((json_int_t)f->dropped_frames));
		json_object_set_new(fo, "keeper", json_boolean(f->keeper));
		json_object_set_new(fo, "plays_back", json_boolean(plays));
		json_array_append_new(files, fo);
		if (f->keeper)
			json_array_append_new(keepers,
			                      json_string(track_name_of(s, f)));
		if (plays)
			json_array_append_new(plays_back,
			                      json_string(track_name_of(s, f)));
	}
	json_object_set_new(o, "keeper_tracks", keepers);
	json_object_set_new(o, "plays_back_tracks", plays_back);
	for (size_t i = 0; i < t->marker_count; i++) {
		json_t *mo = json_pack("{s:I,s:s}", "frame",
		                       (json_int_t)t->markers[i].frame, "name",
		                       t->markers[i].name);
		if (mo)
			json_array_append_new(markers, mo);
	}
	json_object_set_new(o, "markers", markers);
	for (size_t i = 0; i < t->xrun_marker_count; i++) {
		json_t *mo = json_pack("{s:I,s:I}", "frame",
		                       (json_int_t)t->xrun_markers[i].frame,
		                       "jump",
		                       (json_int_t)t->xrun_markers[i].jump);
		if (mo)
			json_array_append_new(xruns, mo);
	}
	json_object_set_new(o, "xrun_markers", xruns);
	json_object_set_new(o, "files", files);
	return o;
}

static int list_takes(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false, as_json = false;
	int c;
	while ((c = getopt_long(argc, argv, "ajh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			takes_usage(stdout);
			return 0;
		default:
			takes_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(takes_usage, "%s", argc - optind
		                       ? "one SESSION_DIR, please"
		                       : "which session? (SESSION_DIR missing)");

	struct session *s = NULL;
	int rc = cli_open_session(argv[optind], &s);
	if (rc)
		return rc;

	size_t shown = 0, hidden = 0;
	if (as_json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < s->take_count; i++) {
			const struct session_take *t = &s->takes[i];
			if (t->discarded && !all)
				continue;
			json_t *o = take_json(s, t);
			if (!o || json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		}
		session_free(s);
		return cli_print_json(arr);
	}

	for (size_t i = 0; i < s->take_count; i++) {
		const struct session_take *t = &s->takes[i];
		if (t->discarded && !all) {
			hidden++;
			continue;
		}
		print_take(s, t);
		shown++;
	}
	if (!shown)
		printf("%s: no takes\n", s->dir);
	if (hidden)
		printf("(%zu discarded take%s not shown: --all)\n", hidden,
		       hidden == 1 ? "" : "s");
	session_free(s);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Changes                                                                */

/* Arguments after the sub-command: exactly `want` or at least `want`. */
static int check_args(int argc, int want, bool more_ok)
{
	if (argc - 1 < want || (!more_ok && argc - 1 > want)) {
		takes_usage(stderr);
		return 2;
	}
	return 0;
}

static int parse_take(const char *text, uint32_t *number)
{
	if (!cli_parse_uint(text, 1, UINT32_MAX, number))
		return cli_usage_error(takes_usage, "'%s' is not a take number",
		                       text);
	return 0;
}

/* Take `number` of s, which the action just changed (so it is there). */
static const struct session_take *take_of(const struct session *s,
                                          uint32_t number)
{
	for (size_t i = 0; i < s->take_count; i++)
		if (s->takes[i].number == number)
			return &s->takes[i];
	return NULL;
}

/* The start every take-changing command shares: its arguments (exactly
 * or at least `want`), the take number, and the control layer on the
 * session without JACK (it holds the lock). 0, or the exit status. */
static int open_take_command(int argc, char **argv, int want, bool more_ok,
                             uint32_t *number, struct control **ctl)
{
	int rc = check_args(argc, want, more_ok);
	if (rc || (rc = parse_take(argv[2], number)))
		return rc;
	return cli_open_offline(argv[1], "takes", ctl);
}

static int keep_take(int argc, char **argv)
{
	uint32_t number;
	struct control *ctl;
	int rc = open_take_command(argc, argv, 2, true, &number, &ctl);
	if (rc)
		return rc;

	/* Every track named first: a wrong one changes nothing. */
	struct error err;
	enum rl_status st = RL_OK;
	uint32_t *tracks = calloc((size_t)argc, sizeof *tracks);
	if (!tracks)
		st = error_set(&err, RL_ERR_NOMEM, "out of memory");
	for (int i = 3; st == RL_OK && i < argc; i++)
		st = action_find_track(ctl, argv[i], &tracks[i], &err);
	if (st == RL_OK && argc == 3)
		st = action_take_keep(ctl, number, 0, &err);
	for (int i = 3; st == RL_OK && i < argc; i++)
		st = action_take_keep(ctl, number, tracks[i], &err);
	if (st == RL_OK) {
		const struct session *s = control_session(ctl);
		const struct session_take *t = take_of(s, number);
		printf("take %03u: keeper of", number);
		bool any = false;
		for (size_t i = 0; i < t->file_count; i++) {
			if (t->files[i].keeper) {
				printf("%s%s", any ? ", " : " ",
				       track_name_of(s, &t->files[i]));
				any = true;
			}
		}
		putchar('\n');
	}
	free(tracks);
	control_close(ctl);
	return st == RL_OK ? 0 : cli_fail(&err);
}

static int rate_take(int argc, char **argv)
{
	uint32_t number, rating;
	int rc = check_args(argc, 3, false);
	if (rc || (rc = parse_take(argv[2], &number)))
		return rc;
	if (!cli_parse_uint(argv[3], 0, SESSION_RATING_MAX, &rating))
		return cli_usage_error(takes_usage, "a rating is 0 (unrated) "
		                       "to 5, not '%s'", argv[3]);
	struct control *ctl;
	if ((rc = cli_open_offline(argv[1], "takes", &ctl)))
		return rc;
	struct error err;
	enum rl_status st = action_take_rate(ctl, number, rating, &err);
	char buf[8];
	if (st == RL_OK)
		printf("take %03u: %s (%u/%d)\n", number,
		       stars(rating, buf, sizeof buf), rating,
		       SESSION_RATING_MAX);
	control_close(ctl);
	return st == RL_OK ? 0 : cli_fail(&err);
}

static int note_take(int argc, char **argv)
{
	uint32_t number;
	int rc = check_args(argc, 3, true);
	if (rc || (rc = parse_take(argv[2], &number)))
		return rc;
	/* The rest of the line is the note: quoting is optional. */
	char text[SESSION_NOTE_MAX + 1];
	size_t len = 0;
	for (int i = 3; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (len + n + (i > 3) >= sizeof text) {
			fprintf(stderr, "redlight: the note is longer than %d "
			        "bytes\n", SESSION_NOTE_MAX - 1);
			return 1;
		}
		if (i > 3)
			text[len++] = ' ';
		memcpy(text + len, argv[i], n);
		len += n;
	}
	text[len] = '\0';
	struct control *ctl;
	if ((rc = cli_open_offline(argv[1], "takes", &ctl)))
		return rc;
	struct error err;
	enum rl_status st = action_take_note(ctl, number, text, &err);
	if (st == RL_OK)
		printf("take %03u: %s\n", number,
		       text[0] ? "note set" : "note cleared");
	control_close(ctl);
	return st == RL_OK ? 0 : cli_fail(&err);
}

static int move_take(int argc, char **argv, bool discard)
{
	uint32_t number;
	struct control *ctl;
	int rc = open_take_command(argc, argv, 2, false, &number, &ctl);
	if (rc)
		return rc;
	struct error err;
	enum rl_status st = discard ? action_take_discard(ctl, number, &err)
	                            : action_take_restore(ctl, number, &err);
	if (st == RL_OK) {
		const struct session *s = control_session(ctl);
		const struct session_take *t = take_of(s, number);
		if (discard)
			printf("take %03u: discarded, its files are in %s/%s\n",
			       number, s->dir, t->trash_dir);
		else
			printf("take %03u: restored to %s/takes/%03u\n", number,
			       s->dir, number);
	}
	control_close(ctl);
	return st == RL_OK ? 0 : cli_fail(&err);
}

static int headroom_take(int argc, char **argv)
{
	uint32_t number;
	int rc = check_args(argc, 2, false);
	if (rc || (rc = parse_take(argv[2], &number)))
		return rc;
	struct session *s;
	if ((rc = cli_open_session(argv[1], &s)))
		return rc;
	const struct session_take *t = take_of(s, number);
	if (!t) {
		fprintf(stderr, "redlight: %s: no take %u\n", s->dir, number);
		session_free(s);
		return 1;
	}
	int width = 1;
	for (size_t i = 0; i < t->file_count; i++) {
		int n = (int)strlen(track_name_of(s, &t->files[i]));
		width = n > width ? n : width;
	}
	for (size_t i = 0; i < t->file_count; i++) {
		const struct session_take_file *f = &t->files[i];
		char peak[32];
		if (isfinite(f->peak_dbfs))
			snprintf(peak, sizeof peak, "%6.1f", f->peak_dbfs);
		else
			snprintf(peak, sizeof peak, "  -inf");
		printf("%-*s  %s dBFS  %llu clip%s  %s\n", width,
		       track_name_of(s, f), peak, (unsigned long long)f->clips,
		       f->clips == 1 ? "" : "s",
		       session_headroom_label(session_headroom_flags(f)));
	}
	session_free(s);
	return 0;
}

int cmd_takes(int argc, char **argv)
{
	if (argc < 2) {
		takes_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		takes_usage(stdout);
		return 0;
	}
	/* A session directory that happens to be called like a sub-command
	 * is reached as ./keep. */
	if (!strcmp(sub, "list"))
		return list_takes(argc - 1, argv + 1);
	if (!strcmp(sub, "keep"))
		return keep_take(argc - 1, argv + 1);
	if (!strcmp(sub, "rate"))
		return rate_take(argc - 1, argv + 1);
	if (!strcmp(sub, "note"))
		return note_take(argc - 1, argv + 1);
	if (!strcmp(sub, "discard"))
		return move_take(argc - 1, argv + 1, true);
	if (!strcmp(sub, "restore"))
		return move_take(argc - 1, argv + 1, false);
	if (!strcmp(sub, "headroom"))
		return headroom_take(argc - 1, argv + 1);
	return list_takes(argc, argv);
}
