/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight tracks`: the tracks of a session from the shell -- list them,
 * add, rename and reorder them, set their input port, group, colour,
 * rough-mix gain and pan, and rec-safe. Every change is made under the
 * session lock (so it is refused while a recorder holds the session) and
 * saved to session.json at once, atomically; a change that is refused
 * changes nothing. The rules are the session module's (session.h, "Track
 * edits"); this file only parses the command line and prints.
 */
#include "redlight/actions.h"
#include "redlight/cli.h"
#include "redlight/session.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void tracks_usage(FILE *f)
{
	fputs("usage: redlight tracks [list] SESSION_DIR [--json]\n"
	      "       redlight tracks add SESSION_DIR NAME [--input PORT] [--group G]\n"
	      "                           [--colour C]\n"
	      "       redlight tracks rename SESSION_DIR TRACK NEW_NAME\n"
	      "       redlight tracks move SESSION_DIR TRACK POSITION\n"
	      "       redlight tracks input SESSION_DIR TRACK PORT [RIGHT_PORT]|none\n"
	      "       redlight tracks set SESSION_DIR TRACK SETTING ...\n"
	      "TRACK: a track name or number. SETTING: group=G, colour=C (#rrggbb,\n"
	      "red, green, blue, yellow, magenta, cyan, white, orange, purple),\n"
	      "gain=DB|mute (up to +24), pan=P (-1..1, or L50, C, R100),\n"
	      "rec-safe=on|off; an empty value or none clears group and colour.\n",
	      f);
}

/* "redlight: MESSAGE", the usage, exit status 2. */
#define usage_error(...) cli_usage_error(tracks_usage, __VA_ARGS__)

/* ---------------------------------------------------------------------- */
/* Values as they are typed and printed                                   */

static bool is_none(const char *text)
{
	return !text[0] || !strcmp(text, "none");
}

/* "-4.5", "+3dB", "-6 dB", "mute" (also "muted", "-inf"). */
static bool parse_gain(const char *text, double *db)
{
	if (!strcasecmp(text, "mute") || !strcasecmp(text, "muted") ||
	    !strcasecmp(text, "-inf")) {
		*db = -INFINITY;
		return true;
	}
	char *end;
	double v = strtod(text, &end);
	if (end == text)
		return false;
	while (*end == ' ')
		end++;
	if (!strncasecmp(end, "db", 2))
		end += 2;
	if (*end)
		return false;
	*db = v;
	return true;
}

/* A number from -1 (left) to +1 (right), or how a console writes it: C,
 * L50 (half left), R100 (hard right), L and R alone for hard left and
 * right. Range is the session's to check. */
static bool parse_pan(const char *text, double *pan)
{
	double side = 0;
	if (!strcasecmp(text, "C") || !strcasecmp(text, "centre") ||
	    !strcasecmp(text, "center")) {
		*pan = 0;
		return true;
	}
	if (text[0] == 'L' || text[0] == 'l')
		side = -1;
	else if (text[0] == 'R' || text[0] == 'r')
		side = 1;
	if (side != 0 && !text[1]) {
		*pan = side;
		return true;
	}
	const char *num = side != 0 ? text + 1 : text;
	/* L-50 would be right: a side takes a plain percentage. */
	if (side != 0 && !((*num >= '0' && *num <= '9') || *num == '.'))
		return false;
	char *end;
	double v = strtod(num, &end);
	if (end == num || *end)
		return false;
	*pan = side != 0 ? side * v / 100.0 : v;
	return true;
}

static bool parse_on_off(const char *text, bool *on)
{
	if (!strcmp(text, "on") || !strcmp(text, "yes") || !strcmp(text, "true")) {
		*on = true;
		return true;
	}
	if (!strcmp(text, "off") || !strcmp(text, "no") || !strcmp(text, "false")) {
		*on = false;
		return true;
	}
	return false;
}

static const char *gain_text(double db, char *buf, size_t size)
{
	if (isinf(db) && db < 0)
		return "muted";
	snprintf(buf, size, "%+.1f dB", db);
	return buf;
}

/* C, L25, R100: what parse_pan() reads back. */
static const char *pan_text(double pan, char *buf, size_t size)
{
	if (pan == 0)
		return "C";
	snprintf(buf, size, "%c%.3g", pan < 0 ? 'L' : 'R', fabs(pan) * 100.0);
	return buf;
}

static const char *or_dash(const char *text)
{
	return text[0] ? text : "-";
}

/* What track `number` plays back: "take 002 (keeper)" when a take is
 * flagged the keeper, "take 003 (latest)" when it is the fallback. */
static const char *keeper_text(const struct session *s, uint32_t number,
                               char *buf, size_t size)
{
	const struct session_comp *c = session_active_comp(s, number);
	if (c) {
		snprintf(buf, size, "comp %03u", c->number);
		return buf;
	}
	const struct session_take_file *f;
	const struct session_take *t = session_keeper_of(s, number, &f);
	if (!t)
		return "-";
	snprintf(buf, size, "take %03u (%s)", t->number,
	         f && f->keeper ? "keeper" : "latest");
	return buf;
}

/* "PORT", "LEFT + RIGHT" for a stereo track, "-" for none. */
static const char *input_text(const struct session_track *t, char *buf,
                              size_t size)
{
	if (!t->source_right[0])
		return or_dash(t->source);
	snprintf(buf, size, "%s + %s", t->source, t->source_right);
	return buf;
}

/* One line saying all there is to a track, after a change. */
static void print_track_state(const struct session *s, size_t index)
{
	const struct session_track *t = &s->tracks[index];
	char gain[32], pan[32], keeper[48], input[2 * SESSION_PORT_MAX + 4];
	printf("track %zu (%s): input %s, group %s, colour %s, gain %s, "
	       "pan %s, rec-safe %s, plays %s\n", index + 1, t->name,
	       t->source[0] ? input_text(t, input, sizeof input) : "none",
	       or_dash(t->group),
	       or_dash(t->colour), gain_text(t->gain_db, gain, sizeof gain),
	       pan_text(t->pan, pan, sizeof pan), t->rec_safe ? "on" : "off",
	       keeper_text(s, (uint32_t)index + 1, keeper, sizeof keeper));
}

/* What one command changes on one track; everything is checked by the
 * session before the file is saved, and nothing is saved if any of it
 * is refused. */

/* The options of `list` (as_json set: --json) and of `add` (add set:
 * --input, --group, --colour): one table, so --help and mistakes behave
 * the same in both. -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, bool *as_json,
                         struct control_track_change *add)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "input", required_argument, NULL, 'i' },
		{ "group", required_argument, NULL, 'g' },
		{ "colour", required_argument, NULL, 'c' },
		{ "color", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, add ? "i:g:c:h" : "jh", opts,
	                          NULL)) != -1) {
		if (opt == 'h') {
			tracks_usage(stdout);
			return 0;
		}
		if (opt == 'j' && as_json) {
			*as_json = true;
		} else if (opt == 'i' && add) {
			add->set_source = true;
			add->source = is_none(optarg) ? NULL : optarg;
		} else if (opt == 'g' && add) {
			add->set_group = true;
			add->group = is_none(optarg) ? NULL : optarg;
		} else if (opt == 'c' && add) {
			add->set_colour = true;
			add->colour = is_none(optarg) ? NULL : optarg;
		} else {
			/* '?': getopt said why; else another sub-command's */
			if (opt != '?')
				fprintf(stderr, "redlight: tracks %s\n", add
				        ? "add takes --input, --group, --colour"
				        : "list takes only --json");
			tracks_usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* ---------------------------------------------------------------------- */
/* Listing                                                                */

/* Columns are padded by characters, not bytes, so a name in UTF-8
 * ("Gesang ä") lines up. */
static size_t text_width(const char *text)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

static void print_cell(const char *text, size_t width, bool last)
{
	fputs(text, stdout);
	if (last)
		return;
	for (size_t n = text_width(text); n < width + 2; n++)
		putchar(' ');
}

enum { COL_NUM, COL_NAME, COL_INPUT, COL_GROUP, COL_COLOUR, COL_GAIN,
       COL_PAN, COL_SAFE, COL_PLAYS, COL_COUNT };

struct track_row {
	char num[16], gain[32], pan[32], plays[48];
	char input[2 * SESSION_PORT_MAX + 4];
	const char *cell[COL_COUNT];
};

static void track_row(const struct session *s, size_t i, struct track_row *r)
{
	const struct session_track *t = &s->tracks[i];
	snprintf(r->num, sizeof r->num, "%zu", i + 1);
	r->cell[COL_NUM] = r->num;
	r->cell[COL_NAME] = t->name;
	r->cell[COL_INPUT] = input_text(t, r->input, sizeof r->input);
	r->cell[COL_GROUP] = or_dash(t->group);
	r->cell[COL_COLOUR] = or_dash(t->colour);
	r->cell[COL_GAIN] = gain_text(t->gain_db, r->gain, sizeof r->gain);
	r->cell[COL_PAN] = pan_text(t->pan, r->pan, sizeof r->pan);
	r->cell[COL_SAFE] = t->rec_safe ? "on" : "off";
	r->cell[COL_PLAYS] = keeper_text(s, (uint32_t)i + 1, r->plays,
	                                 sizeof r->plays);
}

static void print_table(const struct session *s)
{
	static const char *const head[COL_COUNT] = {
		"#", "name", "input", "group", "colour", "gain", "pan",
		"rec-safe", "plays",
	};
	size_t width[COL_COUNT];
	struct track_row row;

	for (int c = 0; c < COL_COUNT; c++)
		width[c] = text_width(head[c]);
	for (size_t i = 0; i < s->track_count; i++) {
		track_row(s, i, &row);
		for (int c = 0; c < COL_COUNT; c++) {
			size_t w = text_width(row.cell[c]);
			width[c] = w > width[c] ? w : width[c];
		}
	}
	for (int c = 0; c < COL_COUNT; c++)
		print_cell(head[c], width[c], c == COL_COUNT - 1);
	putchar('\n');
	for (size_t i = 0; i < s->track_count; i++) {
		track_row(s, i, &row);
		for (int c = 0; c < COL_COUNT; c++)
			print_cell(row.cell[c], width[c], c == COL_COUNT - 1);
		putchar('\n');
	}
}

/* Every field, for scripts and front ends. Keys in a stable order. */
static json_t *track_json(const struct session *s, size_t i)
{
	const struct session_track *t = &s->tracks[i];
	const struct session_take_file *f;
	const struct session_take *k = session_keeper_of(s, (uint32_t)i + 1,
	                                                 &f);
	bool muted = isinf(t->gain_db) && t->gain_db < 0;
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "number", json_integer((json_int_t)i + 1));
	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "source", json_string(t->source));
	json_object_set_new(o, "source_right", json_string(t->source_right));
	json_object_set_new(o, "group", json_string(t->group));
	json_object_set_new(o, "colour", json_string(t->colour));
	json_object_set_new(o, "gain_db", muted ? json_null()
	                                        : json_real(t->gain_db));
	json_object_set_new(o, "muted", json_boolean(muted));
	json_object_set_new(o, "pan", json_real(t->pan));
	json_object_set_new(o, "rec_safe", json_boolean(t->rec_safe));
	json_object_set_new(o, "cue_db", isinf(t->cue_db) ? json_null()
	                                                  : json_real(t->cue_db));
	json_object_set_new(o, "monitor", json_boolean(t->monitor));
	json_object_set_new(o, "monitor_db", isinf(t->monitor_db)
	                                     ? json_null()
	                                     : json_real(t->monitor_db));
	json_object_set_new(o, "keeper_take",
	                    k ? json_integer(k->number) : json_null());
	json_object_set_new(o, "keeper_flagged",
	                    json_boolean(f && f->keeper));
	json_object_set_new(o, "keeper_path",
	                    f ? json_string(f->path) : json_null());
	/* An active comp plays instead of the keeper. */
	const struct session_comp *comp = session_active_comp(s, (uint32_t)i + 1);
	json_object_set_new(o, "plays_comp",
	                    comp ? json_integer(comp->number) : json_null());
	return o;
}

static int print_json(const struct session *s)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < s->track_count; i++) {
		json_t *o = track_json(s, i);
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return cli_print_json(arr);
}

static int list_tracks(int argc, char **argv)
{
	bool as_json = false;
	int rc = parse_options(argc, argv, &as_json, NULL);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("%s", argc - optind
		                         ? "one SESSION_DIR, please"
		                         : "which session? (SESSION_DIR missing)");

	struct session *s = NULL;
	if ((rc = cli_open_session(argv[optind], &s)))
		return rc;
	if (as_json)
		rc = print_json(s);
	else if (s->track_count == 0)
		printf("%s: no tracks\n", s->dir);
	else
		print_table(s);
	session_free(s);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Changes                                                                */

static void print_order(const struct session *s)
{
	printf("order:");
	for (size_t i = 0; i < s->track_count; i++)
		printf("%s %zu %s", i ? "," : "", i + 1, s->tracks[i].name);
	putchar('\n');
}

/*
 * Find TRACK (name first, then number), or add a track called add_name
 * when TRACK is NULL; apply c (all or nothing) and print the result.
 * The control layer holds the session's lock meanwhile.
 */
static int change_track(const char *dir, const char *track,
                        const char *add_name,
                        const struct control_track_change *c)
{
	struct control *ctl;
	struct error err;
	if (control_open_offline(dir, "tracks", CONTROL_EXISTING, &ctl,
	                         &err) != RL_OK)
		return cli_fail(&err);
	uint32_t number = 0;
	enum rl_status st;
	if (add_name) {
		st = action_track_add(ctl, add_name, c, &number, &err);
	} else {
		st = action_find_track(ctl, track, &number, &err);
		if (st == RL_OK)
			st = action_track_edit(ctl, &number, c, &err);
	}
	if (st == RL_OK) {
		print_track_state(control_session(ctl), number - 1);
		if (c->move)
			print_order(control_session(ctl));
	}
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

static int add_track(int argc, char **argv)
{
	struct control_track_change c = { 0 };
	int rc = parse_options(argc, argv, NULL, &c);
	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return usage_error("add: SESSION_DIR and NAME, please");
	return change_track(argv[optind], NULL, argv[optind + 1], &c);
}

static int rename_track(int argc, char **argv)
{
	int rc = want_args(argc, 3, "rename SESSION_DIR TRACK NEW_NAME");
	if (rc)
		return rc;
	struct control_track_change c = { .name = argv[3] };
	return change_track(argv[1], argv[2], NULL, &c);
}

static int move_track(int argc, char **argv)
{
	int rc = want_args(argc, 3, "move SESSION_DIR TRACK POSITION");
	if (rc)
		return rc;
	uint32_t pos;
	if (!cli_parse_uint(argv[3], 1, UINT32_MAX, &pos))
		return usage_error("'%s' is not a track position (1, 2, ...)",
		                   argv[3]);
	struct control_track_change c = { .move = true, .position = pos - 1 };
	return change_track(argv[1], argv[2], NULL, &c);
}

static int input_track(int argc, char **argv)
{
	/* Two ports: a stereo track. */
	int rc = argc == 5 ? 0
	                   : want_args(argc, 3, "input SESSION_DIR TRACK "
	                                        "PORT [RIGHT_PORT]|none");
	if (rc)
		return rc;
	struct control_track_change c = {
		.set_source = true,
		.source = is_none(argv[3]) ? NULL : argv[3],
		.source_right = argc == 5 ? argv[4] : NULL,
	};
	return change_track(argv[1], argv[2], NULL, &c);
}

/* One SETTING of `set` into c; 2 (usage) if it cannot be read. Whether
 * the value is allowed is the session's to say. */
static int parse_setting(const char *arg, struct control_track_change *c)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return usage_error("'%s' is not a SETTING=VALUE", arg);
	size_t klen = (size_t)(eq - arg);
	const char *v = eq + 1;
#define KEY(k) (klen == strlen(k) && !strncmp(arg, k, klen))
	if (KEY("group")) {
		c->set_group = true;
		c->group = is_none(v) ? NULL : v;
	} else if (KEY("colour") || KEY("color")) {
		c->set_colour = true;
		c->colour = is_none(v) ? NULL : v;
	} else if (KEY("gain")) {
		if (!parse_gain(v, &c->gain_db))
			return usage_error("gain: '%s' is not a level in dB "
			                   "(-6, +3.5, mute)", v);
		c->set_gain = true;
	} else if (KEY("pan")) {
		if (!parse_pan(v, &c->pan))
			return usage_error("pan: '%s' is not a position (-1 to "
			                   "1, or L50, C, R100)", v);
		c->set_pan = true;
	} else if (KEY("rec-safe") || KEY("rec_safe")) {
		if (!parse_on_off(v, &c->rec_safe))
			return usage_error("rec-safe: '%s' is not on or off", v);
		c->set_rec_safe = true;
	} else if (KEY("cue")) {
		/* Its playback in the headphone mix: a level, or off. */
		if (!strcasecmp(v, "off"))
			c->cue_db = -INFINITY;
		else if (!parse_gain(v, &c->cue_db))
			return usage_error("cue: '%s' is not a level in dB (-6, "
			                   "0, off)", v);
		c->set_cue = true;
	} else if (KEY("monitor")) {
		/* Input monitoring: on (at 0 dB), off, or on at a level. */
		c->monitor_db = 0.0;
		if (!parse_on_off(v, &c->monitor)) {
			if (!parse_gain(v, &c->monitor_db) ||
			    isinf(c->monitor_db))
				return usage_error("monitor: '%s' is not on, off "
				                   "or a level in dB", v);
			c->monitor = true;
		}
		c->set_monitor = true;
	} else {
		return usage_error("unknown setting '%.*s' (group, colour, "
		                   "gain, pan, rec-safe, cue, monitor)",
		                   (int)klen, arg);
	}
#undef KEY
	return 0;
}

static int set_track(int argc, char **argv)
{
	if (argc < 4)
		return usage_error("set SESSION_DIR TRACK SETTING ...: %s",
		                   argc < 3 ? "missing arguments"
		                            : "which setting?");
	struct control_track_change c = { 0 };
	for (int i = 3; i < argc; i++) {
		int rc = parse_setting(argv[i], &c);
		if (rc)
			return rc;
	}
	return change_track(argv[1], argv[2], NULL, &c);
}

int cmd_tracks(int argc, char **argv)
{
	if (argc < 2) {
		tracks_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		tracks_usage(stdout);
		return 0;
	}
	/* A session directory called like a sub-command is ./add. */
	if (!strcmp(sub, "list"))
		return list_tracks(argc - 1, argv + 1);
	if (!strcmp(sub, "add"))
		return add_track(argc - 1, argv + 1);
	if (!strcmp(sub, "rename"))
		return rename_track(argc - 1, argv + 1);
	if (!strcmp(sub, "move"))
		return move_track(argc - 1, argv + 1);
	if (!strcmp(sub, "input"))
		return input_track(argc - 1, argv + 1);
	if (!strcmp(sub, "set"))
		return set_track(argc - 1, argv + 1);
	return list_tracks(argc, argv);
}
