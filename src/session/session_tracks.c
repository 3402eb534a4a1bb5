/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Track edits of a session (session.h, "Track edits"): rename, reorder,
 * input port, group, colour, rec-safe, rough-mix gain and pan. Control
 * thread only. Every function checks everything before it changes
 * anything, so a refusal leaves the session as it was.
 */
#include "redlight/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

/* The track at index in *out, or RL_ERR_NOT_FOUND naming the session. */
static enum rl_status track_at(struct session *s, size_t index,
                               struct session_track **out, struct error *err)
{
	*out = NULL;
	if (!s)
		return error_set(err, RL_ERR_INVALID, "no session");
	if (index >= s->track_count)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "%s: no track %zu (the session has %zu "
		                 "track%s)", s->dir, index + 1, s->track_count,
		                 s->track_count == 1 ? "" : "s");
	*out = &s->tracks[index];
	return RL_OK;
}

/* Control characters (C0 and DEL) have no business in a name shown in a
 * terminal or used in a file name. */
static bool has_control(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

/* Short free text of a track (group, port): "" allowed, at most cap - 1
 * bytes, UTF-8 (or session.json could not be written), no control
 * characters. what: "group", "input port". */
static enum rl_status check_text(const struct session *s, size_t index,
                                 const char *what, const char *text,
                                 size_t cap, struct error *err)
{
	const char *name = s->tracks[index].name;
	size_t len = strlen(text);
	if (len >= cap)
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): %s \"%.24s...\" is %zu bytes, "
		                 "at most %zu", index + 1, name, what, text, len,
		                 cap - 1);
	if (!session_utf8_valid(text))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): %s is not valid UTF-8",
		                 index + 1, name, what);
	if (has_control(text))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): %s contains a control "
		                 "character", index + 1, name, what);
	return RL_OK;
}

/* session_check_track_name(), where track `self` (its own name is fine)
 * may be SIZE_MAX for none. */
static enum rl_status check_name(const struct session *s, const char *name,
                                 size_t self, struct error *err)
{
	if (!s)
		return error_set(err, RL_ERR_INVALID, "no session");
	if (!name || !name[0])
		return error_set(err, RL_ERR_INVALID,
		                 "a track needs a name (it is empty)");
	size_t len = strlen(name);
	if (len >= SESSION_NAME_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "track name \"%.20s...\" is %zu bytes, at most "
		                 "%d", name, len, SESSION_NAME_MAX - 1);
	if (!session_utf8_valid(name))
		return error_set(err, RL_ERR_INVALID,
		                 "track name is not valid UTF-8");
	/* File names are built from track names (takes/NNN/TT-name.wav):
	 * a '/' would read as a directory there. */
	if (strchr(name, '/'))
		return error_set(err, RL_ERR_INVALID,
		                 "track name \"%s\" contains a '/'", name);
	if (has_control(name))
		return error_set(err, RL_ERR_INVALID,
		                 "track name contains a control character");
	int other = session_find_track(s, name);
	if (other >= 0 && (size_t)other != self)
		return error_set(err, RL_ERR_EXISTS,
		                 "track %d is already named \"%s\"", other + 1,
		                 name);
	return RL_OK;
}

/*
 * Renumber every track reference of the session: `map` has `map_len`
 * entries, map[old_number] = new_number (entry 0 unused; numbers at or
 * above map_len are left alone). The one place that knows which records
 * carry track numbers, so every change of numbering (move today; insert
 * or remove one day) renumbers all of them alike.
 *
 * What carries a track number today:
 * - take files (struct session_take_file.track): keeper flags are per
 *   file, so they move with their files;
 * - comps (struct session_comp.track): a comp, and whether it is the
 *   active one, stays with its track. Its file keeps its name on disk.
 * Anything new that refers to a track by number must be added here.
 */
static void renumber_tracks(struct session *s, const uint32_t *map,
                            size_t map_len)
{
	for (size_t k = 0; k < s->take_count; k++) {
		struct session_take *t = &s->takes[k];
		for (size_t i = 0; i < t->file_count; i++) {
			uint32_t n = t->files[i].track;
			if (n > 0 && n < map_len)
				t->files[i].track = map[n];
		}
	}
	for (size_t k = 0; k < s->comp_count; k++) {
		uint32_t n = s->comps[k].track;
		if (n > 0 && n < map_len)
			s->comps[k].track = map[n];
	}
}

/* ---------------------------------------------------------------------- */
/* Name and order                                                         */

enum rl_status session_check_track_name(const struct session *s,
                                        const char *name, struct error *err)
{
	return check_name(s, name, SIZE_MAX, err);
}

enum rl_status session_rename_track(struct session *s, size_t index,
                                    const char *new_name, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	if ((rc = check_name(s, new_name, index, err))) {
		/* Name the track: the message above only names the name. */
		if (err) {
			char text[sizeof err->message];
			snprintf(text, sizeof text, "%s", err->message);
			snprintf(err->message, sizeof err->message,
			         "cannot rename track %zu (%s): %s", index + 1,
			         t->name, text);
		}
		return rc;
	}
	/* Take files name their track so a session.json read by hand (or
	 * with a track gone missing) still says what each file is; they
	 * follow the name, their paths do not (files are never renamed). */
	uint32_t number = (uint32_t)(index + 1);
	for (size_t k = 0; k < s->take_count; k++) {
		struct session_take *take = &s->takes[k];
		for (size_t i = 0; i < take->file_count; i++) {
			struct session_take_file *f = &take->files[i];
			if (f->track == number)
				snprintf(f->track_name, sizeof f->track_name,
				         "%s", new_name);
		}
	}
	snprintf(t->name, sizeof t->name, "%s", new_name);
	return RL_OK;
}

enum rl_status session_move_track(struct session *s, size_t from_index,
                                  size_t to_index, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, from_index, &t, err);
	if (rc)
		return rc;
	if (to_index >= s->track_count)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "cannot move track %zu (%s) to position %zu: "
		                 "the session has %zu track%s", from_index + 1,
		                 t->name, to_index + 1, s->track_count,
		                 s->track_count == 1 ? "" : "s");
	if (from_index == to_index)
		return RL_OK;

	/* Allocated before anything moves, so running out of memory
	 * leaves the session as it was. */
	size_t n = s->track_count;
	uint32_t *map = malloc((n + 1) * sizeof *map);
	if (!map)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot move track %zu (%s): out of memory",
		                 from_index + 1, t->name);
	map[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t to = i;
		if (i == from_index)
			to = to_index;
		else if (from_index < to_index && i > from_index &&
		         i <= to_index)
			to = i - 1; /* moved up to make room */
		else if (to_index < from_index && i >= to_index &&
		         i < from_index)
			to = i + 1; /* moved down to make room */
		map[i + 1] = (uint32_t)(to + 1);
	}

	struct session_track moving = *t;
	if (from_index < to_index)
		memmove(&s->tracks[from_index], &s->tracks[from_index + 1],
		        (to_index - from_index) * sizeof *s->tracks);
	else
		memmove(&s->tracks[to_index + 1], &s->tracks[to_index],
		        (from_index - to_index) * sizeof *s->tracks);
	s->tracks[to_index] = moving;
	renumber_tracks(s, map, n + 1);
	free(map);
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* Input, group, colour                                                   */

/* CLIENT:PORT, both parts there. */
static bool client_and_port(const char *port)
{
	const char *colon = strchr(port, ':');
	return colon && colon != port && colon[1];
}

bool session_port_name_valid(const char *port)
{
	return port && port[0] && strlen(port) < SESSION_PORT_MAX &&
	       session_utf8_valid(port) && !has_control(port) &&
	       client_and_port(port);
}

/* `port` may be an input of track `index` (as `what`): a JACK port name,
 * nobody else's input. */
static enum rl_status check_port(const struct session *s, size_t index,
                                 const char *what, const char *port,
                                 struct error *err)
{
	const struct session_track *t = &s->tracks[index];
	enum rl_status rc = check_text(s, index, what, port, sizeof t->source,
	                               err);
	if (rc || !port[0])
		return rc;
	if (!client_and_port(port))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): \"%s\" is not a JACK "
		                 "port name (CLIENT:PORT)", index + 1,
		                 t->name, port);
	for (size_t i = 0; i < s->track_count; i++) {
		const struct session_track *o = &s->tracks[i];
		if (i != index && (!strcmp(o->source, port) ||
		                   !strcmp(o->source_right, port)))
			return error_set(err, RL_ERR_EXISTS,
			                 "track %zu (%s): %s is already "
			                 "the input of track %zu (%s)",
			                 index + 1, t->name, port, i + 1,
			                 o->name);
	}
	return RL_OK;
}

enum rl_status session_set_track_sources(struct session *s, size_t index,
                                         const char *left, const char *right,
                                         struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	if (!left)
		left = "";
	if (!right)
		right = "";
	if ((rc = check_port(s, index, "input port", left, err)) ||
	    (rc = check_port(s, index, "right input port", right, err)))
		return rc;
	if (right[0] && !left[0])
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): a right input needs a left "
		                 "one", index + 1, t->name);
	if (right[0] && !strcmp(left, right))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): %s cannot be both the left "
		                 "and the right input", index + 1, t->name,
		                 left);
	snprintf(t->source, sizeof t->source, "%s", left);
	snprintf(t->source_right, sizeof t->source_right, "%s", right);
	return RL_OK;
}

enum rl_status session_set_track_source(struct session *s, size_t index,
                                        const char *port, struct error *err)
{
	/* One port makes the track mono: a right channel left behind would
	 * pair with the new port, or (port "") be a right channel without
	 * a left one, which session.json refuses. */
	return session_set_track_sources(s, index, port, NULL, err);
}

enum rl_status session_set_track_group(struct session *s, size_t index,
                                       const char *group, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	if (!group)
		group = "";
	if ((rc = check_text(s, index, "group", group, sizeof t->group, err)))
		return rc;
	snprintf(t->group, sizeof t->group, "%s", group);
	return RL_OK;
}

/* The names a track colour may have: the ones every UI can draw (the
 * eight terminal colours but black, which is the background, plus the two
 * most asked for). */
static const char *const colour_names[] = {
	"red", "green", "blue", "yellow", "magenta", "cyan", "white",
	"orange", "purple",
};

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

bool session_colour_valid(const char *colour)
{
	if (!colour)
		return false;
	if (colour[0] == '#') {
		for (int i = 1; i <= 6; i++) {
			if (!is_hex(colour[i]))
				return false;
		}
		return colour[7] == '\0';
	}
	for (size_t i = 0; i < sizeof colour_names / sizeof *colour_names;
	     i++) {
		if (!strcasecmp(colour, colour_names[i]))
			return true;
	}
	return false;
}

enum rl_status session_set_track_colour(struct session *s, size_t index,
                                        const char *colour, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	if (!colour)
		colour = "";
	if (colour[0] && !session_colour_valid(colour))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): \"%.20s\" is not a colour "
		                 "(#rrggbb, or red, green, blue, yellow, "
		                 "magenta, cyan, white, orange, purple)",
		                 index + 1, t->name, colour);
	/* One spelling per colour, so front ends compare strings. */
	size_t i = 0;
	for (; colour[i] && i + 1 < sizeof t->colour; i++) {
		char c = colour[i];
		t->colour[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a')
		                                      : c;
	}
	t->colour[i] = '\0';
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* Rec-safe and rough mix                                                 */

enum rl_status session_set_track_rec_safe(struct session *s, size_t index,
                                          bool rec_safe, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	t->rec_safe = rec_safe;
	return RL_OK;
}

enum rl_status session_set_track_gain(struct session *s, size_t index,
                                      double gain_db, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	/* The loader's limit, so a saved session always loads back; NaN
	 * fails the comparison too. -INFINITY (muted) passes. */
	if (!(gain_db <= SESSION_TRACK_GAIN_MAX_DB))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): gain %g dB is not a level "
		                 "from muted to %+g dB", index + 1, t->name,
		                 gain_db, SESSION_TRACK_GAIN_MAX_DB);
	t->gain_db = gain_db;
	return RL_OK;
}

enum rl_status session_set_track_pan(struct session *s, size_t index,
                                     double pan, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (rc)
		return rc;
	if (!(pan >= -1.0 && pan <= 1.0))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): pan %g is out of range (-1 "
		                 "left to +1 right)", index + 1, t->name, pan);
	t->pan = pan;
	return RL_OK;
}

/* A cue level the session can save and load back. */
static enum rl_status check_cue_level(const struct session_track *t,
                                      size_t index, const char *what,
                                      double db, struct error *err)
{
	if (!(db <= SESSION_CUE_MAX_DB))
		return error_set(err, RL_ERR_INVALID,
		                 "track %zu (%s): %s %g dB is not a level from "
		                 "off to %+g dB", index + 1, t->name, what, db,
		                 SESSION_CUE_MAX_DB);
	return RL_OK;
}

enum rl_status session_set_track_cue(struct session *s, size_t index,
                                     double cue_db, struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (!rc)
		rc = check_cue_level(t, index, "cue level", cue_db, err);
	if (!rc)
		t->cue_db = cue_db;
	return rc;
}

enum rl_status session_set_track_monitor(struct session *s, size_t index,
                                         bool on, double db,
                                         struct error *err)
{
	struct session_track *t;
	enum rl_status rc = track_at(s, index, &t, err);
	if (!rc)
		rc = check_cue_level(t, index, "monitor level", db, err);
	if (!rc) {
		t->monitor = on;
		t->monitor_db = db;
	}
	return rc;
}
