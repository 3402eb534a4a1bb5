/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The transport without recording: play, locate (to a frame, a bar, a
 * section), the click on or off, the JACK transport mode, and positions
 * in the song's terms -- parsing a position from text and telling where
 * the transport is (a marker's name is a position too). Recording and
 * stopping are the take queue's
 * (control_takes.c).
 */
#include "control_internal.h"

#include "redlight/comp.h"
#include "redlight/jack_backend.h"
#include "redlight/tempo_map.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool jack_transport_on(const struct control *c)
{
	return c->config.transport != JACK_TRANSPORT_INTERNAL;
}

/* Move the transport: ours, or JACK's when we follow it. */
enum rl_status control_send_locate(struct control *c, int64_t frame,
                                   struct error *err)
{
	/* Frames from session.json (a marker, a take's start) may be as
	 * large as int64 goes; the timeline must stay far from that. */
	if (frame > CONTROL_POSITION_MAX || frame < -CONTROL_POSITION_MAX)
		return error_set(err, RL_ERR_INVALID, "cannot locate to frame "
		                 "%lld: more than 2^53 frames from the start",
		                 (long long)frame);
	if (jack_transport_on(c))
		/* Waits until JACK has moved: its position is the truth. */
		return jack_backend_transport_locate(c->jb, frame, err);
	enum rl_status st = control_send_simple(c, ENGINE_CMD_LOCATE, 0, frame,
	                                        0, err);
	if (st == RL_OK) {
		c->located_to = frame;
		c->locate_seq = engine_commands_sent(c->engine);
	}
	return st;
}

/* The timeline as the engine will have it once it has taken the commands
 * already sent: a record right after a locate starts from there. */
int64_t control_timeline_of(const struct control *c,
                            const struct engine_snapshot *snap)
{
	if (c->config.transport != JACK_TRANSPORT_INTERNAL)
		/* JACK's 32-bit position, read as the engine reads it: past
		 * a roll over 2^32 the timeline is past it too. */
		return engine_transport_frame(
			snap->timeline,
			(uint32_t)jack_backend_transport_frame(c->jb),
			engine_sample_rate(c->engine));
	return snap->commands_applied < c->locate_seq ? c->located_to
	                                               : snap->timeline;
}

void control_set_transport_mode(struct control *c,
                                enum jack_transport_mode mode)
{
	c->config.transport = mode;
}

enum rl_status control_play(struct control *c, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (jack_transport_on(c)) {
		jack_backend_transport_start(c->jb);
		return RL_OK;
	}
	return control_send_simple(c, ENGINE_CMD_PLAY, 0, 0, 0, err);
}

enum rl_status control_locate(struct control *c, int64_t frame,
                              struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	/* A take is one continuous stretch of the timeline. */
	if (snap.transport == ENGINE_RECORDING)
		return error_set(err, RL_ERR_STATE,
		                 "cannot locate while recording (stop first)");
	return control_send_locate(c, frame, err);
}

enum rl_status control_locate_bar(struct control *c, int64_t bar,
                                  struct error *err)
{
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (bar < 1)
		return error_set(err, RL_ERR_INVALID,
		                 "bars count from 1 (got %lld)", (long long)bar);
	return control_locate(c, tempo_map_bar_frame(c->map, bar), err);
}

enum rl_status control_locate_section(struct control *c, const char *label,
                                      struct error *err)
{
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	int64_t frame;
	enum rl_status st = tempo_map_section_frame(c->map, label, &frame, err);
	if (st != RL_OK)
		return st;
	return control_locate(c, frame, err);
}

enum rl_status control_return_to_start(struct control *c, struct error *err)
{
	return control_locate(c, 0, err);
}

enum rl_status control_set_click(struct control *c, bool on,
                                 struct error *err)
{
	enum rl_status st = control_send_simple(c, ENGINE_CMD_CLICK_ON, 0, on,
	                                        0, err);
	if (st == RL_OK)
		c->click_on = on; /* for a restart (control_server.c) */
	return st;
}

void control_load_offline_map(struct control *c)
{
	struct error err;
	error_clear(&err);
	uint32_t rate = c->session->sample_rate;
	if (!rate)
		snprintf(c->map_error, sizeof c->map_error, "the session has "
		         "never run, so it has no sample rate yet");
	else if (comp_session_map(c->session, rate, &c->map, &err) != RL_OK)
		snprintf(c->map_error, sizeof c->map_error, "%s", err.message);
}

/* A position that needs the tempo map, and there is none. */
static enum rl_status no_map(const struct control *c, const char *text,
                             struct error *err)
{
	if (c->jb)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return error_set(err, RL_ERR_STATE, "position '%s' needs the song's "
	                 "tempo map, and %s: give frames (48000f) or a "
	                 "marker", text, c->map_error);
}

/* "12.5s" or "48000f": true if text is one (*st says how it went). */
static bool seconds_or_frames(const struct control *c, const char *text,
                              int64_t *frame, enum rl_status *st,
                              struct error *err)
{
	size_t len = strlen(text);
	if (len < 2 || (text[len - 1] != 's' && text[len - 1] != 'f'))
		return false;
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (end != text + len - 1 || errno != 0 || !isfinite(v))
		return false;
	if (text[len - 1] == 's' && !c->map) {
		*st = no_map(c, text, err);
		return true;
	}
	double f = text[len - 1] == 's' ? v * tempo_map_rate(c->map) : v;
	if (fabs(f) > (double)CONTROL_POSITION_MAX)
		return false;
	*frame = (int64_t)llround(f);
	*st = RL_OK;
	return true;
}

/* A bar, a section or a marker can be anywhere an int64 reaches (a
 * bar 2^46, a marker from a hand-edited session.json): keep positions
 * where the timeline's arithmetic is safe. */
static enum rl_status within_reach(const char *text, int64_t frame,
                                   struct error *err)
{
	if (frame > CONTROL_POSITION_MAX || frame < -CONTROL_POSITION_MAX)
		return error_set(err, RL_ERR_INVALID, "position '%s' is more "
		                 "than 2^53 frames from the start", text);
	return RL_OK;
}

static enum rl_status parse_position(const struct control *c,
                                     const char *text, int64_t *frame,
                                     struct error *err)
{
	enum rl_status st = RL_OK;
	if (seconds_or_frames(c, text, frame, &st, err))
		return st;
	if (!c->map)
		return control_marker_frame(c, text, frame)
		       ? RL_OK : no_map(c, text, err);
	long long bar = 0, beat = 1, tick = 0;
	int used = 0;
	size_t len = strlen(text);
	int n = sscanf(text, "%lld%n|%lld%n|%lld%n", &bar, &used, &beat, &used,
	               &tick, &used);
	if (n >= 1 && used == (int)len) {
		struct tempo_map_bbt bbt = { .bar = bar, .beat = (int32_t)beat,
		                             .tick = (int32_t)tick };
		if (bar < 1 || beat < 1 || beat > INT32_MAX || tick < 0 ||
		    tick >= TEMPO_MAP_TICKS_PER_BEAT ||
		    tempo_map_bbt_to_frame(c->map, &bbt, frame) != RL_OK)
			return error_set(err, RL_ERR_INVALID,
			                 "position '%s': no such bar|beat|tick "
			                 "in the tempo map", text);
		return RL_OK;
	}
	st = tempo_map_section_frame(c->map, text, frame, err);
	if (st == RL_ERR_NOT_FOUND && control_marker_frame(c, text, frame)) {
		error_clear(err);
		return RL_OK;
	}
	if (st == RL_ERR_NOT_FOUND && err) {
		char msg[sizeof err->message];
		snprintf(msg, sizeof msg, "%s", err->message);
		error_set(err, st, "position '%s' is not a bar (17), "
		          "bar|beat|tick (17|3|0), seconds (12.5s), frames "
		          "(48000f), a section or a marker (%zu): %s", text,
		          control_markers(c, NULL, 0), msg);
	}
	return st;
}

enum rl_status control_parse_position(const struct control *c,
                                      const char *text, int64_t *frame,
                                      struct error *err)
{
	int64_t f = 0;
	enum rl_status st = parse_position(c, text, &f, err);
	if (st == RL_OK)
		st = within_reach(text, f, err);
	if (st == RL_OK)
		*frame = f;
	return st;
}

void control_position(const struct control *c, struct control_position *out)
{
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	memset(out, 0, sizeof *out);
	out->frame = snap.timeline;
	if (!c->map)
		return;
	struct tempo_map_beat beat;
	tempo_map_frame_to_bbt(c->map, snap.timeline, &out->bbt);
	tempo_map_beat_at(c->map, snap.timeline, &beat);
	out->beats_per_bar = beat.beats_per_bar;
	out->denominator = beat.denominator;
	out->bpm = tempo_map_bpm_at(c->map, snap.timeline);
	const char *sec = tempo_map_section_at(c->map, snap.timeline);
	snprintf(out->section, sizeof out->section, "%s", sec ? sec : "");
}
