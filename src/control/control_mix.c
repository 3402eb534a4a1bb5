/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cue mix: what plays in it (the scratch track and each track's
 * keeper take or comp, as disk reader streams), how loud (click, streams,
 * input monitoring, placed by each track's pan as in the bounce), and
 * saving the levels into session.json without an fsync per fader step.
 */
#include "control_internal.h"

#include "redlight/disk_reader.h"
#include "redlight/jack_backend.h"
#include "redlight/mixdown.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What session track si plays back: its active comp, else its keeper
 * take (session_playback_of()). */
static bool playback_of(const struct session *s, size_t si,
                        struct session_playback *pb)
{
	return session_playback_of(s, (uint32_t)(si + 1), pb);
}

/* The engine track of session track si (the left one of a stereo pair:
 * armed as one), ENGINE_NO_TRACK if this run does not record it. */
static uint32_t engine_track_of_session(const struct control *c, size_t si,
                                        size_t count)
{
	for (uint32_t t = 0; t < count; t++)
		if (c->session_track[t] == si && c->channel[t] == 0)
			return t;
	return ENGINE_NO_TRACK;
}

/*
 * Every session track with a keeper (or a comp in use) plays it back on
 * play_<track>, so an overdub is heard against it: the tracks this run
 * does not record, and the recorded ones too, which are silent while
 * armed (ENGINE_NO_TRACK otherwise, see engine_config.stream_track) and
 * play as soon as the engineer disarms them. keeper_engine[i] is the
 * engine track of keeper i; a rec-safe track is never armed, so it
 * always plays. The arrays have room for every session track: one that
 * gets a keeper later takes the next stream (add_keeper_streams()).
 */
enum rl_status control_find_keepers(struct control *c, size_t count)
{
	size_t tracks = c->session->track_count;
	c->stream_slots = 1 + tracks;
	c->keeper_track = calloc(tracks + 1, sizeof *c->keeper_track);
	c->keeper_engine = calloc(tracks + 2, sizeof *c->keeper_engine);
	c->stream_mute_sent = calloc(tracks + 2, sizeof *c->stream_mute_sent);
	if (!c->keeper_track || !c->keeper_engine || !c->stream_mute_sent)
		return RL_ERR_NOMEM;
	for (size_t i = 0; i < tracks + 2; i++)
		c->keeper_engine[i] = ENGINE_NO_TRACK; /* 0: the scratch */
	for (size_t si = 0; si < tracks; si++) {
		struct session_playback pb;
		if (!playback_of(c->session, si, &pb))
			continue;
		c->keeper_track[c->keeper_count++] = si;
		c->keeper_engine[c->keeper_count] =
			engine_track_of_session(c, si, count);
	}
	/* The engine starts with keeper_engine (engine_config). */
	memcpy(c->stream_mute_sent, c->keeper_engine,
	       (tracks + 2) * sizeof *c->stream_mute_sent);
	return RL_OK;
}

/* Tell the engine which track mutes stream i (only if it changed: the
 * command queue is not for a flood). */
static enum rl_status send_stream_mute(struct control *c, uint32_t i,
                                       uint32_t track, struct error *err)
{
	if (c->stream_mute_sent[i] == track)
		return RL_OK;
	enum rl_status st = control_send_simple(c, ENGINE_CMD_STREAM_TRACK, i,
	                                        track == ENGINE_NO_TRACK
	                                        ? -1 : (int64_t)track,
	                                        0, err);
	if (st == RL_OK)
		c->stream_mute_sent[i] = track;
	return st;
}

/* Keeper stream i + 1 (of session track si): its file, or silence. A
 * take listened back to plays on its tracks even while they are armed. */
static enum rl_status set_keeper_stream(struct control *c, size_t i,
                                        struct error *err)
{
	size_t si = c->keeper_track[i];
	uint32_t stream = (uint32_t)(i + 1);
	struct session_playback pb;
	bool silent = false;
	bool listened = control_listen_playback(c, si, &pb, &silent);
	enum rl_status st = send_stream_mute(
		c, stream, listened ? ENGINE_NO_TRACK : c->keeper_engine[i + 1],
		err);
	if (st != RL_OK)
		return st;
	if (silent || (!listened && !playback_of(c->session, si, &pb))) {
		/* Alone, or its take was discarded since. */
		disk_reader_clear_stream(c->reader, stream);
		return RL_OK;
	}
	char path[SESSION_PATH_MAX * 2 + 2];
	snprintf(path, sizeof path, "%s/%s", c->session_dir, pb.path);
	return disk_reader_set_stream(c->reader, stream, path,
	                              (int64_t)pb.start_frame, err);
}

/* Open every stream's file: the scratch from the session's settings and
 * the keepers at their takes' positions (or the take listened back to).
 * They play from the reader's next locate on. */
enum rl_status control_set_streams(struct control *c, struct error *err)
{
	const struct session_settings *set = &c->session->settings;
	bool alone = c->listen.take && c->listen.alone;
	if (set->scratch[0] && !alone) {
		char path[SESSION_PATH_MAX + SESSION_NAME_MAX + 2];
		snprintf(path, sizeof path, "%s/%s", c->session_dir, set->scratch);
		enum rl_status st = disk_reader_set_stream(c->reader, 0, path,
		                                           set->scratch_offset,
		                                           err);
		if (st != RL_OK)
			return st;
	} else if (set->scratch[0]) {
		disk_reader_clear_stream(c->reader, 0);
	}
	for (size_t i = 0; i < c->keeper_count; i++) {
		enum rl_status st = set_keeper_stream(c, i, err);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

/* "play_<track>" for keeper stream i + 1; NULL if out of memory. */
static char *play_name(const struct control *c, size_t i)
{
	const char *tn = c->session->tracks[c->keeper_track[i]].name;
	size_t len = strlen(tn) + 6;
	char *name = malloc(len);
	if (name)
		snprintf(name, len, "play_%s", tn);
	return name;
}

/* Output port names of the streams: scratch_out, play_<track>..., and
 * NULL for the slots of tracks with nothing to play yet. */
char **control_stream_names(const struct control *c)
{
	char **names = calloc(c->stream_slots + 1, sizeof *names);
	if (!names)
		return NULL;
	bool ok = (names[0] = strdup("scratch_out")) != NULL;
	for (size_t i = 0; ok && i < c->keeper_count; i++)
		ok = (names[i + 1] = play_name(c, i)) != NULL;
	if (!ok) {
		control_free_stream_names(c, names);
		return NULL;
	}
	return names;
}

void control_free_stream_names(const struct control *c, char **names)
{
	for (size_t i = 0; names && i < c->stream_slots; i++)
		free(names[i]);
	free(names);
}

static enum rl_status send_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err);

/* True if session track si has a stream (a play port) already. */
static bool has_stream(const struct control *c, size_t si)
{
	for (size_t i = 0; i < c->keeper_count; i++)
		if (c->keeper_track[i] == si)
			return true;
	return false;
}

/*
 * Session track si gets the next stream: the engine learns which track
 * mutes it, JACK a port play_<track> (registered here, on the control
 * thread, while the client runs), the cue its level. The reader and the
 * engine made room for it at start.
 */
static enum rl_status add_keeper_stream(struct control *c, size_t si,
                                        struct error *err)
{
	size_t i = c->keeper_count;
	uint32_t stream = (uint32_t)(i + 1);
	c->keeper_track[i] = si;
	c->keeper_engine[i + 1] = engine_track_of_session(c, si,
	                                                  c->track_count);
	char *name = play_name(c, i);
	if (!name)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	enum rl_status st = send_stream_mute(c, stream,
	                                     c->keeper_engine[i + 1], err);
	if (st == RL_OK)
		st = jack_backend_add_output(c->jb, stream, name, err);
	free(name);
	if (st != RL_OK)
		return st;
	c->keeper_count++;
	const struct control_config *cf = &c->config;
	return send_stream_level(c, stream, cf->has_keeper_level
	                                    ? cf->keeper_level_db
	                                    : c->session->tracks[si].cue_db,
	                         err);
}

/*
 * Every track that has something to play now and had nothing when the
 * recorder started (its first take finished, a keeper or comp chosen, a
 * take listened back to) gets its stream and port; one message names
 * them (a band's first take gives a dozen at once).
 */
static enum rl_status add_keeper_streams(struct control *c,
                                         struct error *err)
{
	char names[200] = "";
	size_t added = 0, named = 0, len = 0;
	enum rl_status st = RL_OK;
	for (size_t si = 0; st == RL_OK && si < c->session->track_count;
	     si++) {
		struct session_playback pb;
		bool silent;
		if (has_stream(c, si) || c->keeper_count + 1 >= c->stream_slots ||
		    (!playback_of(c->session, si, &pb) &&
		     !control_listen_playback(c, si, &pb, &silent)))
			continue;
		st = add_keeper_stream(c, si, err);
		if (st != RL_OK)
			break;
		added++;
		const char *tn = c->session->tracks[si].name;
		int n = named < added - 1 ? -1 /* full: the rest is counted */
		        : snprintf(names + len, sizeof names - len, "%s play_%s",
		                   len ? "," : "", tn);
		if (n > 0 && (size_t)n < sizeof names - len) {
			len += (size_t)n;
			named++;
		} else {
			names[len] = '\0';
		}
	}
	if (added == named && added)
		control_post(c, CONTROL_INFO, "new play port%s:%s",
		             added > 1 ? "s" : "", names);
	else if (added)
		control_post(c, CONTROL_INFO, "new play ports:%s and %zu more",
		             names, added - named);
	return st;
}

/* The streams take their new files at the reader's next locate: now, at
 * the position the transport stands at. */
static enum rl_status relocate_streams(struct control *c,
                                       const struct engine_snapshot *snap,
                                       struct error *err)
{
	if (c->config.transport != JACK_TRANSPORT_INTERNAL)
		/* Following JACK a LOCATE only refreshes the streams. */
		return control_send_simple(c, ENGINE_CMD_LOCATE, 0, 0, 0, err);
	return control_send_locate(c, control_timeline_of(c, snap), err);
}

enum rl_status control_refresh_streams(struct control *c, struct error *err)
{
	if (!c->reader || !c->engine)
		return RL_OK; /* offline: nothing plays */
	enum rl_status st = add_keeper_streams(c, err);
	if (st == RL_OK)
		st = control_set_streams(c, err);
	struct engine_snapshot snap;
	if (st == RL_OK && control_stopped(c, &snap)) {
		c->streams_dirty = false;
		st = relocate_streams(c, &snap, err);
	} else if (st == RL_OK) {
		/* Rolling: the next locate takes the new files; a stop
		 * brings them in for the next play (control_poll()). */
		c->streams_dirty = true;
	}
	return st;
}

size_t control_keeper_count(const struct control *c)
{
	return c->keeper_count;
}

const char *control_keeper_track(const struct control *c, size_t i)
{
	return i < c->keeper_count
	       ? c->session->tracks[c->keeper_track[i]].name : NULL;
}

/* Started, transport stopped, nothing recording: streams may change. */
bool control_stopped(const struct control *c, struct engine_snapshot *snap)
{
	if (!c->reader)
		return false;
	engine_snapshot(c->engine, snap);
	return snap->transport == ENGINE_STOPPED && c->open_count == 0;
}

/* Play session file `name` as the scratch from timeline frame `offset`,
 * remember it in the settings, and relocate so the reader takes it. */
static enum rl_status play_scratch(struct control *c, const char *name,
                                   int64_t offset,
                                   const struct engine_snapshot *snap,
                                   struct error *err)
{
	char path[SESSION_PATH_MAX + SESSION_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", c->session_dir, name);
	enum rl_status st = disk_reader_set_stream(c->reader, 0, path, offset,
	                                           err);
	if (st != RL_OK)
		return st;
	struct session_settings *set = &c->session->settings;
	snprintf(set->scratch, sizeof set->scratch, "%s", name);
	set->scratch_offset = offset;
	st = session_save(c->session, err);
	if (st == RL_OK)
		st = control_send_simple(c, ENGINE_CMD_LOCATE, 0,
		                         control_timeline_of(c, snap), 0, err);
	return st;
}

enum rl_status control_set_scratch(struct control *c, const char *file,
                                   int64_t offset, struct error *err)
{
	struct engine_snapshot snap;
	if (!control_stopped(c, &snap))
		return error_set(err, RL_ERR_STATE,
		                 "stop the transport to change the scratch track");
	char name[SESSION_NAME_MAX], path[SESSION_PATH_MAX + SESSION_NAME_MAX + 2];
	/* Imported once into the session (converted to the session's rate
	 * if needed), under a name never used before: nothing overwritten. */
	enum rl_status st = RL_ERR_EXISTS;
	for (int i = 1; st == RL_ERR_EXISTS && i < 1000; i++) {
		if (i == 1)
			snprintf(name, sizeof name, "scratch.wav");
		else
			snprintf(name, sizeof name, "scratch-%d.wav", i);
		snprintf(path, sizeof path, "%s/%s", c->session_dir, name);
		st = disk_reader_import(file, path, control_sample_rate(c), err);
	}
	if (st != RL_OK)
		return st;
	return play_scratch(c, name, offset, &snap, err);
}

enum rl_status control_set_scratch_offset(struct control *c, int64_t offset,
                                          struct error *err)
{
	struct session_settings *set = &c->session->settings;
	if (!set->scratch[0])
		return error_set(err, RL_ERR_STATE, "the session has no scratch "
		                 "track");
	struct engine_snapshot snap;
	if (!control_stopped(c, &snap))
		return error_set(err, RL_ERR_STATE,
		                 "stop the transport to move the scratch track");
	char name[SESSION_NAME_MAX];
	snprintf(name, sizeof name, "%s", set->scratch);
	return play_scratch(c, name, offset, &snap, err);
}

/* dB to gain; -inf mutes; nothing louder than +6 dB. */
static enum rl_status db_to_gain(double db, float *gain, struct error *err)
{
	if (isnan(db) || db > SESSION_CUE_MAX_DB)
		return error_set(err, RL_ERR_INVALID,
		                 "level %.1f dB: want -inf to +6 dB", db);
	*gain = isinf(db) ? 0.0f : (float)pow(10.0, db / 20.0);
	return RL_OK;
}

static enum rl_status send_click_level(struct control *c, bool cue,
                                       double db, struct error *err)
{
	float gain = 0.0f;
	enum rl_status st = db_to_gain(db, &gain, err);
	if (st != RL_OK)
		return st;
	return control_send_simple(c, ENGINE_CMD_SET_LEVEL,
	                           cue ? ENGINE_LEVEL_CUE_CLICK
	                               : ENGINE_LEVEL_CLICK,
	                           0, gain, err);
}

enum rl_status control_set_click_level(struct control *c, bool cue,
                                       double db, struct error *err)
{
	enum rl_status st = send_click_level(c, cue, db, err);
	if (st == RL_OK) {
		struct session_settings *set = &c->session->settings;
		*(cue ? &set->cue_click_db : &set->click_level_db) = db;
		c->mix_dirty = true;
	}
	return st;
}

/* A command with a gain for each side of the cue. */
static enum rl_status send_cue_gains(struct control *c, uint32_t type,
                                     uint32_t index, float left, float right,
                                     struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	struct engine_command cmd;
	engine_command_init(&cmd, type);
	cmd.track = index;
	cmd.level = left;
	cmd.level_right = right;
	return engine_send(c->engine, &cmd, err);
}

/* Monitoring of engine track t and its stereo partner, placed in the cue
 * by the track's pan as in the bounce: a mono input with the pan law, a
 * stereo pair side by side with pan as a balance. */
static enum rl_status send_monitor(struct control *c, uint32_t t, bool on,
                                   double db, struct error *err)
{
	if (on) {
		float gain = 0.0f;
		enum rl_status st = db_to_gain(db, &gain, err);
		if (st != RL_OK)
			return st;
	}
	double pan = c->session->tracks[c->session_track[t]].pan;
	double level = on ? db : -INFINITY;
	float l = 0.0f, r = 0.0f;
	if (c->partner[t] == UINT32_MAX) {
		mixdown_pan_gains(level, pan, &l, &r);
		return send_cue_gains(c, ENGINE_CMD_MONITOR, t, l, r, err);
	}
	mixdown_balance_gains(level, pan, &l, &r);
	uint32_t left = c->channel[t] ? c->partner[t] : t;
	uint32_t right = c->channel[t] ? t : c->partner[t];
	enum rl_status st = send_cue_gains(c, ENGINE_CMD_MONITOR, left, l,
	                                   0.0f, err);
	if (st == RL_OK)
		st = send_cue_gains(c, ENGINE_CMD_MONITOR, right, 0.0f, r,
		                    err);
	return st;
}

enum rl_status control_monitor(struct control *c, uint32_t t, bool on,
                               double db, struct error *err)
{
	if (t >= c->track_count)
		return error_set(err, RL_ERR_INVALID, "no track %u (have %u)",
		                 t + 1, c->track_count);
	enum rl_status st = send_monitor(c, t, on, db, err);
	if (st == RL_OK) {
		struct session_track *tr =
			&c->session->tracks[c->session_track[t]];
		tr->monitor = on && !isinf(db);
		if (tr->monitor)
			tr->monitor_db = db;
		c->mix_dirty = true;
	}
	return st;
}

enum rl_status control_monitor_track(struct control *c, uint32_t number,
                                     bool on, double db, struct error *err)
{
	uint32_t t = 0;
	enum rl_status st = control_input_of(c, number, &t, err);
	return st == RL_OK ? control_monitor(c, t, on, db, err) : st;
}

static enum rl_status send_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err)
{
	if (!c->reader || stream > c->keeper_count)
		return error_set(err, RL_ERR_INVALID, "no playback stream %u",
		                 stream);
	float gain = 0.0f;
	enum rl_status st = db_to_gain(db, &gain, err);
	if (st != RL_OK)
		return st;
	if (stream == 0) /* the scratch, in the centre at its level */
		return send_cue_gains(c, ENGINE_CMD_STREAM_LEVEL, 0, gain, gain,
		                      err);
	/* A keeper where the track's pan puts it in the bounce (a stereo
	 * keeper plays as its channels' average: a mono source). */
	float l = 0.0f, r = 0.0f;
	mixdown_pan_gains(db, c->session->tracks[c->keeper_track[stream - 1]].pan,
	                  &l, &r);
	return send_cue_gains(c, ENGINE_CMD_STREAM_LEVEL, stream, l, r, err);
}

enum rl_status control_set_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err)
{
	enum rl_status st = send_stream_level(c, stream, db, err);
	if (st == RL_OK) {
		if (stream == 0)
			c->session->settings.cue_scratch_db = db;
		else
			c->session->tracks[c->keeper_track[stream - 1]].cue_db = db;
		c->mix_dirty = true;
	}
	return st;
}

enum rl_status control_set_track_cue(struct control *c, uint32_t number,
                                     double db, struct error *err)
{
	enum rl_status st = session_set_track_cue(c->session, number - 1, db,
	                                          err);
	if (st != RL_OK)
		return st;
	c->mix_dirty = true;
	for (size_t i = 0; i < c->keeper_count; i++) {
		if (c->keeper_track[i] == number - 1)
			return send_stream_level(c, (uint32_t)(i + 1), db, err);
	}
	return RL_OK;
}

/* The session's mix (click, cue, monitoring) into the engine, or this
 * run's levels from the config where it has them. Not remembered: it
 * is what the session says, or a one-run override. */
enum rl_status control_apply_mix(struct control *c, struct error *err)
{
	const struct session_settings *set = &c->session->settings;
	const struct control_config *cf = &c->config;
	enum rl_status st = send_click_level(
		c, false, cf->has_click_level ? cf->click_level_db
		                              : set->click_level_db, err);
	if (st == RL_OK)
		st = send_click_level(c, true, set->cue_click_db, err);
	if (st == RL_OK)
		st = send_stream_level(c, 0, cf->has_scratch_level
		                             ? cf->scratch_level_db
		                             : set->cue_scratch_db, err);
	for (size_t i = 0; st == RL_OK && i < c->keeper_count; i++) {
		const struct session_track *tr =
			&c->session->tracks[c->keeper_track[i]];
		st = send_stream_level(c, (uint32_t)(i + 1),
		                       cf->has_keeper_level ? cf->keeper_level_db
		                                            : tr->cue_db, err);
	}
	for (uint32_t t = 0; st == RL_OK && t < c->track_count; t++) {
		const struct session_track *tr =
			&c->session->tracks[c->session_track[t]];
		if (c->channel[t] == 0 && (cf->monitor_all || tr->monitor))
			st = send_monitor(c, t, true,
			                  cf->monitor_all ? 0.0 : tr->monitor_db,
			                  err);
	}
	return st;
}

/* Levels changed through the API go to session.json, at most once a
 * second, without waiting for the disk (a fader moved during a take
 * must not hold up its stop); with force now, and waited for. A failed
 * background save sets mix_dirty too (control_poll()): this saves the
 * whole session again. */
enum rl_status control_save_mix(struct control *c, bool force,
                                struct error *err)
{
	if (!c->mix_dirty)
		return RL_OK;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double since = (double)(now.tv_sec - c->mix_saved.tv_sec) +
	               (double)(now.tv_nsec - c->mix_saved.tv_nsec) / 1e9;
	if (!force && since < 1.0)
		return RL_OK;
	c->mix_saved = now;
	enum rl_status st = force ? session_save(c->session, err)
	                          : session_save_later(c->session, NULL, err);
	if (st == RL_OK)
		c->mix_dirty = false; /* else tried again next time */
	return st;
}
