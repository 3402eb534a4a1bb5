/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The take queue: what a take records (arming), and every way one starts
 * and ends -- record with count-in, pre-roll and punch points, stop, loop
 * passes and splits (each a take of its own, prepared ahead and queued in
 * the engine), markers set while it records. control_poll() follows the
 * queue through control_track_open_takes() and hands finished takes back
 * through control_end_open_take().
 */
#include "control_internal.h"

#include "redlight/disk_writer.h"
#include "redlight/jack_backend.h"
#include "redlight/tempo_map.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum rl_status control_arm(struct control *c, uint32_t t, bool on,
                           struct error *err)
{
	if (t >= c->track_count)
		return error_set(err, RL_ERR_INVALID, "no track %u (have %u)",
		                 t + 1, c->track_count);
	if (on && c->session->tracks[c->session_track[t]].rec_safe)
		return error_set(err, RL_ERR_STATE,
		                 "track %s is rec-safe: it cannot be armed",
		                 c->session->tracks[c->session_track[t]].name);
	if (on && control_input_absent(c, t))
		return error_set(err, RL_ERR_STATE, "track %s has no input "
		                 "(%s is not there or not connected)",
		                 c->session->tracks[c->session_track[t]].name,
		                 c->inputs[t].source);
	/* The set of files of a take is fixed when it starts. */
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE,
		                 "cannot change arming while recording");
	/* Both channels of a stereo track, or neither. */
	uint32_t both[2] = { t, c->partner[t] };
	enum rl_status st = RL_OK;
	for (int k = 0; k < 2 && st == RL_OK && both[k] != UINT32_MAX; k++) {
		struct engine_command cmd = { .type = ENGINE_CMD_ARM,
		                              .track = both[k], .value = on };
		st = engine_send(c->engine, &cmd, err);
		if (st == RL_OK)
			c->armed[both[k]] = on;
	}
	return st;
}

/*
 * Reserve the next take number and make everything for it: the files of
 * every armed track (so an unwritable disk is an error now, not later),
 * its entry in the session (so `redlight recover` finds it after a crash,
 * once saved: the caller does, with save_prepared(), right after it sent
 * the command that starts it) and its latency correction. `where` is the
 * expected timeline position.
 */
static enum rl_status prepare_take(struct control *c, int64_t where,
                                   uint32_t *out, uint64_t *out_correction,
                                   struct error *err)
{
	uint32_t number;
	char take_dir[SESSION_PATH_MAX];
	enum rl_status st = session_reserve_take(c->session, &number, take_dir,
	                                         sizeof take_dir, err);
	if (st != RL_OK)
		return st;
	size_t armed = 0;
	for (uint32_t t = 0; t < c->track_count; t++)
		armed += c->armed[t];

	struct disk_writer_track *wt = calloc(armed, sizeof *wt);
	char (*paths)[SESSION_PATH_MAX] = calloc(armed, sizeof *paths);
	char (*rel)[SESSION_PATH_MAX] = calloc(armed, sizeof *rel);
	struct session_take take = { .number = number };
	take.files = calloc(armed, sizeof *take.files);
	if (!wt || !paths || !rel || !take.files) {
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		/* A stereo track's right channel is in its left's file. */
		if (!c->armed[t] || c->channel[t] == 1)
			continue;
		size_t si = c->session_track[t];
		const struct session_track *tr = &c->session->tracks[si];
		session_take_file_relpath(number, (uint32_t)si + 1, tr->name,
		                          rel[k], sizeof rel[k]);
		snprintf(paths[k], sizeof paths[k], "%s/%s", c->session_dir,
		         rel[k]);
		wt[k] = (struct disk_writer_track){
			.engine_track = t, .number = (uint32_t)si + 1,
			.name = tr->name, .path = paths[k], .relpath = rel[k],
			.channels = c->partner[t] != UINT32_MAX ? 2 : 1,
			.engine_track_right = c->partner[t],
		};
		struct session_take_file *f = &take.files[k];
		f->track = (uint32_t)si + 1;
		snprintf(f->track_name, sizeof f->track_name, "%s", tr->name);
		snprintf(f->path, sizeof f->path, "%s", rel[k]);
		f->peak_dbfs = -INFINITY;
		k++;
	}
	take.file_count = k;
	/* Latency compensation: what the performer played in time with
	 * timeline frame T reaches us capture + playback latency later. One
	 * figure per take (the worst input) keeps its files aligned with each
	 * other. */
	jack_backend_recompute_latencies(c->jb);
	uint32_t capture = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		uint32_t l = c->armed[t] ? jack_backend_capture_latency(c->jb, t)
		                         : 0;
		capture = l > capture ? l : capture;
	}
	uint64_t correction = (uint64_t)capture +
	                      jack_backend_playback_latency(c->jb);
	*out_correction = correction;
	st = disk_writer_prepare_take(c->writer, number, wt, k, correction,
	                              err);
	if (st != RL_OK)
		goto out;
	/* The take is in session.json before a single frame is recorded, so
	 * `redlight recover` finds it after a crash. */
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(take.started_at, sizeof take.started_at, "%Y-%m-%dT%H:%M:%S%z",
	         &tm);
	take.start_frame = where > 0 ? (uint64_t)where : 0;
	take.sample_rate = engine_sample_rate(c->engine);
	take.format = c->config.format;
	take.complete = false;
	st = session_put_take(c->session, &take, err);
	if (st != RL_OK)
		disk_writer_cancel_take(c->writer, number);
out:
	if (st == RL_OK)
		*out = number;
	else
		session_trash_take_dir(c->session, number, NULL);
	free(wt);
	free(paths);
	free(rel);
	free(take.files);
	return st;
}

/*
 * The entry of a prepared take to session.json: after the command that
 * starts it is sent, and without waiting for the disk (the saver thread
 * writes it), so neither making the text of a big session nor the disk
 * holds up the start (doc/reliability.md, "Long sessions"). It is on
 * disk milliseconds later, before the disk writer's first block of the
 * take's audio. A failure is said; the take records all the same, and
 * its end saves the session again.
 */
static void save_prepared(struct control *c)
{
	struct error err;
	if (session_save_later(c->session, NULL, &err) != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", err.message);
}

/*
 * A prepared take that will never start: the writer forgets it, its empty
 * directory goes to trash/ (redlight deletes nothing; the number is never
 * used again) and it leaves session.json.
 */
static enum rl_status unprepare_take(struct control *c, uint32_t number)
{
	struct error err;
	if (!disk_writer_cancel_take(c->writer, number))
		return RL_ERR_STATE; /* it started after all: it will finish */
	session_remove_take(c->session, number);
	enum rl_status st = session_trash_take_dir(c->session, number, &err);
	if (st == RL_OK)
		st = session_save_later(c->session, NULL, &err);
	if (st != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", err.message);
	return RL_OK;
}

/* Prepare `count` more takes and queue their numbers in the engine for
 * the next loop passes or splits. The caller saves them
 * (save_prepared()) once its last command is sent. */
static enum rl_status queue_takes(struct control *c, size_t count,
                                  struct error *err)
{
	for (size_t i = 0; i < count; i++) {
		if (c->open_count >= OPEN_TAKES_MAX)
			return RL_OK;
		struct engine_snapshot snap;
		engine_snapshot(c->engine, &snap);
		uint32_t number;
		uint64_t correction = 0;
		enum rl_status st = prepare_take(c, c->loop_on ? c->loop_start
		                                              : snap.timeline,
		                                 &number, &correction, err);
		if (st == RL_OK)
			st = control_send_simple(c, ENGINE_CMD_QUEUE_TAKE, 0,
			                         number, 0, err);
		if (st != RL_OK)
			return st;
		c->open[c->open_count++] = (struct open_take){
			.number = number, .correction = correction };
	}
	return RL_OK;
}

void control_record_options_init(struct control_record_options *o)
{
	*o = (struct control_record_options){
		.punch_in = ENGINE_NO_FRAME,
		.punch_out = ENGINE_NO_FRAME,
		.count_in_click = -1,
	};
}

/* Frame of the same position `bars` bars earlier (pre-roll). */
static int64_t bars_before(const struct tempo_map *map, int64_t frame,
                           uint32_t bars)
{
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(map, frame, &bbt);
	int64_t bar_start = tempo_map_bar_frame(map, bbt.bar);
	return tempo_map_bar_frame(map, bbt.bar - (int64_t)bars) +
	       (frame - bar_start);
}

/* A count-in of `bars` bars at the tempo and meter of `frame`: its own
 * little map, rendered from its frame 0 while the timeline waits. */
static enum rl_status count_in_map(const struct control *c, int64_t frame,
                                   uint32_t bars, struct tempo_map **out,
                                   uint64_t *frames, struct error *err)
{
	struct tempo_map_beat beat;
	tempo_map_beat_at(c->map, frame, &beat);
	double bpm = tempo_map_bpm_at(c->map, frame);
	enum rl_status st = tempo_map_new_simple(
		bpm, beat.beats_per_bar, beat.denominator,
		tempo_map_rate(c->map), out, err);
	if (st == RL_OK)
		*frames = (uint64_t)tempo_map_bar_frame(*out, 1 + (int64_t)bars);
	return st;
}

enum rl_status control_record(struct control *c,
                              const struct control_record_options *opt,
                              struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE, "already recording");
	if (c->listen.take)
		return error_set(err, RL_ERR_STATE, "listening back to take "
		                 "%03u: stop first", c->listen.take);
	char reason[256];
	if (jack_backend_dead(c->jb, reason, sizeof reason))
		return error_set(err, RL_ERR_JACK, "%s", reason);
	size_t armed = 0;
	for (uint32_t t = 0; t < c->track_count; t++)
		armed += c->armed[t];
	if (armed == 0)
		return error_set(err, RL_ERR_STATE, "no track is armed");
	if (opt->punch_in != ENGINE_NO_FRAME &&
	    opt->punch_out != ENGINE_NO_FRAME &&
	    opt->punch_out <= opt->punch_in)
		return error_set(err, RL_ERR_INVALID,
		                 "punch-out (frame %lld) must come after "
		                 "punch-in (frame %lld)",
		                 (long long)opt->punch_out,
		                 (long long)opt->punch_in);
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	int64_t punch_in = opt->punch_in;
	int64_t here = control_timeline_of(c, &snap);
	int64_t record_point = punch_in != ENGINE_NO_FRAME ? punch_in : here;
	bool locate_first = false;
	int64_t roll_from = here;
	if (opt->pre_roll_bars && snap.transport == ENGINE_STOPPED) {
		roll_from = bars_before(c->map, record_point, opt->pre_roll_bars);
		locate_first = true;
		if (punch_in == ENGINE_NO_FRAME)
			punch_in = record_point;
	}
	if (opt->count_in_bars && c->config.transport != JACK_TRANSPORT_INTERNAL)
		return error_set(err, RL_ERR_STATE,
		                 "a count-in needs redlight's own transport: JACK "
		                 "transport starts rolling at once (use pre-roll)");
	struct tempo_map *cmap = NULL;
	uint64_t count_frames = 0;
	if (opt->count_in_bars && snap.transport == ENGINE_STOPPED) {
		enum rl_status st = count_in_map(c, roll_from, opt->count_in_bars,
		                                 &cmap, &count_frames, err);
		if (st != RL_OK)
			return st;
	}

	uint32_t number;
	uint64_t correction = 0;
	enum rl_status st = prepare_take(c, record_point, &number, &correction,
	                                 err);
	if (st != RL_OK) {
		tempo_map_free(cmap);
		return st;
	}
	if (locate_first)
		st = control_send_locate(c, roll_from, err);
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_RECORD);
	cmd.value = number;
	cmd.at = opt->at;
	cmd.length = opt->length;
	cmd.punch_in = punch_in;
	cmd.punch_out = opt->punch_out;
	cmd.count_in = count_frames;
	cmd.map = cmap;
	/* The count-in clicks even with the click off, unless the session
	 * (or this record) asks for a silent one: the timeline is held all
	 * the same, the performer counts along with the scratch or a cue. */
	bool count_in_clicks = opt->count_in_click >= 0
	                       ? opt->count_in_click != 0
	                       : c->session->settings.count_in_click;
	cmd.silent_count_in = !count_in_clicks;
	if (st == RL_OK)
		st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK && c->config.transport == JACK_TRANSPORT_MASTER)
		jack_backend_transport_start(c->jb); /* we are the master */
	if (st == RL_OK) {
		cmap = NULL; /* the engine's now; it comes back retired */
		c->open[0] = (struct open_take){ .number = number,
		                                 .correction = correction };
		c->open_count = 1;
		c->stop_sent = false;
		c->stop_after_pass_sent = false;
		c->failure_handled = false;
		/* Loop passes each need a take of their own. */
		if (c->loop_on)
			st = queue_takes(c, LOOP_QUEUE, err);
		save_prepared(c);
	} else {
		unprepare_take(c, number);
	}
	tempo_map_free(cmap);
	return st;
}

enum rl_status control_record_now(struct control *c, struct error *err)
{
	struct control_record_options o;
	control_record_options_init(&o);
	o.count_in_bars = c->session->settings.count_in_bars;
	o.pre_roll_bars = c->session->settings.pre_roll_bars;
	/* The punch range's ends that are on (control_set_punch()). */
	const struct session_settings *set = &c->session->settings;
	if (set->punch_in_on)
		o.punch_in = set->punch_in;
	if (set->punch_out_on)
		o.punch_out = set->punch_out;
	return control_record(c, &o, err);
}

/* True while any take of a RECORD is prepared, recording or finishing. */
bool control_takes_open(const struct control *c)
{
	return c->open_count > 0;
}

static void forget_open(struct control *c, size_t i)
{
	memmove(&c->open[i], &c->open[i + 1],
	        (c->open_count - i - 1) * sizeof c->open[0]);
	c->open_count--;
}

enum rl_status control_stop(struct control *c, uint64_t at,
                            struct error *err)
{
	if (!c->engine)
		return RL_OK;
	if (control_takes_open(c) && c->stop_sent)
		return RL_OK;
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_STOP);
	cmd.at = at;
	enum rl_status st = engine_send(c->engine, &cmd, err);
	if (st != RL_OK)
		return st;
	/* The take ends on our frame; JACK's transport stops at its next
	 * cycle (and the engine, following it, stays stopped). */
	if (c->config.transport == JACK_TRANSPORT_MASTER)
		jack_backend_transport_stop(c->jb);
	if (control_takes_open(c))
		c->stop_sent = true;
	return st;
}

enum rl_status control_stop_after_pass(struct control *c, struct error *err)
{
	if (!c->engine || !c->loop_on)
		return error_set(err, RL_ERR_STATE, "not looping");
	if (c->stop_sent || c->stop_after_pass_sent)
		return RL_OK;
	enum rl_status st = control_send_simple(c, ENGINE_CMD_STOP, 0, 1, 0,
	                                        err);
	if (st == RL_OK && control_takes_open(c))
		c->stop_after_pass_sent = true;
	return st;
}

enum rl_status control_new_take(struct control *c, struct error *err)
{
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	if (snap.transport != ENGINE_RECORDING)
		return error_set(err, RL_ERR_STATE,
		                 "a new take needs a take recording");
	/* A split still on its way happens on the next cycle, which is when
	 * this one would: they are one split. Sending a second could land a
	 * cycle later, with no number queued for it, and end the recording. */
	if (snap.commands_applied < c->split_seq)
		return RL_OK;
	/* The split takes the next queued number: make sure there is one. */
	size_t unstarted = 0;
	for (size_t i = 0; i < c->open_count; i++)
		unstarted += !c->open[i].started &&
		             c->open[i].number > snap.last_started_take;
	enum rl_status st = RL_OK;
	if (unstarted == 0)
		st = queue_takes(c, 1, err);
	if (st == RL_OK)
		st = control_send_simple(c, ENGINE_CMD_NEW_TAKE, 0, 0, 0, err);
	if (st == RL_OK)
		c->split_seq = engine_commands_sent(c->engine);
	if (unstarted == 0)
		save_prepared(c);
	return st;
}

enum rl_status control_loop(struct control *c, bool on, int64_t start,
                            int64_t end, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE,
		                 "cannot change the loop while recording");
	if (on && (end <= start || start < 0))
		return error_set(err, RL_ERR_INVALID,
		                 "loop from frame %lld to %lld: the end must come "
		                 "after the start, and the start at or after 0",
		                 (long long)start, (long long)end);
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_LOOP);
	cmd.value = on;
	cmd.punch_in = start;
	cmd.punch_out = end;
	enum rl_status st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK) {
		c->loop_on = on;
		c->loop_start = start;
		c->loop_end = end;
	}
	return st;
}

/* While a take records: the marker goes into the take's entry (on its
 * frames, see below) and onto the timeline, both under one name. */
static enum rl_status take_marker(struct control *c, struct open_take *ot,
                                  const struct engine_snapshot *snap,
                                  const char *name, struct error *err)
{
	/* The take's files hold, at timeline frame start_frame + k, what
	 * arrived k frames after the take started (the writer moved it
	 * earlier by the latency correction, never before timeline 0): the
	 * frame arriving now is the transport position less that shift.
	 * The writer decides the shift from the exact start frame; until the
	 * take is finished this uses the start the snapshot shows, and
	 * keep_markers() settles the difference, if any. */
	if (!ot->have_marker_shift) {
		uint64_t timeline = snap->timeline > 0 ? (uint64_t)snap->timeline
		                                       : 0;
		uint64_t started = timeline > snap->take_frames
		                   ? timeline - snap->take_frames : 0;
		ot->marker_shift = ot->correction < started ? ot->correction
		                                           : started;
		ot->have_marker_shift = true;
	}
	uint64_t frame = snap->timeline > (int64_t)ot->marker_shift
	                 ? (uint64_t)snap->timeline - ot->marker_shift : 0;
	/* A name given twice is not refused mid-take: "chorus 2". */
	char unique[SESSION_NAME_MAX];
	enum rl_status st = RL_OK;
	if (!name || !name[0]) {
		session_marker_default_name(c->session, unique);
	} else {
		st = session_check_marker_name(c->session, name, err);
		if (st != RL_OK && st != RL_ERR_EXISTS)
			return st;
		error_clear(err);
		session_marker_unique_name(c->session, name, unique);
		st = RL_OK;
	}
	/* Into the take's entry in session.json at once, so a crash keeps
	 * it (`redlight recover` completes that entry). */
	if (st == RL_OK)
		st = session_take_add_marker(c->session, ot->number, frame,
		                             unique, err);
	if (st == RL_OK)
		st = session_add_marker(c->session, frame, unique, ot->number,
		                        NULL, err);
	if (st != RL_OK)
		return st;
	c->have_marker = true;
	c->marker_take = ot->number;
	c->marker.frame = frame;
	c->marker.take = ot->number;
	snprintf(c->marker.name, sizeof c->marker.name, "%s", unique);
	return session_save_later(c->session, NULL, err);
}

enum rl_status control_add_marker(struct control *c, const char *name,
                                  struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	for (size_t i = 0; snap.transport == ENGINE_RECORDING && snap.take &&
	                   i < c->open_count; i++)
		if (c->open[i].number == snap.take)
			return take_marker(c, &c->open[i], &snap, name, err);
	/* Stopped or rolling: at the play head. */
	return control_marker_add_at(c, name, control_timeline_of(c, &snap),
	                             err);
}

bool control_last_marker(const struct control *c, uint32_t *take,
                         struct session_marker *out)
{
	if (!c->have_marker)
		return false;
	if (take)
		*take = c->marker_take;
	if (out)
		*out = c->marker;
	return true;
}

/* The timeline's copy of a take's marker (same take, name and saved
 * frame: one the user has since moved or renamed stays where it is put)
 * follows it to the settled frame. */
static void settle_timeline_marker(struct control *c, uint32_t take,
                                   const struct session_marker *m,
                                   uint64_t saved)
{
	int i = session_find_marker(c->session, m->name);
	if (i < 0 || m->frame == saved)
		return;
	size_t at = (size_t)i;
	const struct session_marker *tm = &c->session->markers[at];
	if (tm->take == take && tm->frame == saved)
		session_move_marker(c->session, &at, m->frame, NULL);
}

/*
 * The finished take replaces its entry in session.json: bring along the
 * markers saved into that entry while it recorded, now on the shift the
 * writer really applied (`shift` is the one they were saved with).
 */
static void keep_markers(struct control *c, struct session_take *take,
                         uint64_t shift)
{
	const struct session_take *rec = session_find_take(c->session,
	                                                   take->number);
	if (!rec || rec->marker_count == 0 || take->markers)
		return;
	take->markers = malloc(rec->marker_count * sizeof *take->markers);
	if (!take->markers) {
		control_post(c, CONTROL_ERROR, "out of memory: the markers "
		             "of take %u are lost", take->number);
		return;
	}
	take->marker_count = rec->marker_count;
	uint64_t end = take->start_frame + take->length;
	for (size_t i = 0; i < rec->marker_count; i++) {
		struct session_marker m = rec->markers[i];
		uint64_t saved = m.frame;
		m.frame = m.frame + shift >= take->latency_correction
		          ? m.frame + shift - take->latency_correction : 0;
		/* On one of the take's frames, even if it was cut short after
		 * a failure: a marker belongs to the take it was set in. */
		uint64_t last = take->length ? end - 1 : end;
		m.frame = m.frame < take->start_frame ? take->start_frame
		          : m.frame > last ? last : m.frame;
		take->markers[i] = m;
		settle_timeline_marker(c, take->number, &m, saved);
	}
}

/*
 * The writer has finished `take` (control_poll()): it leaves the open
 * takes, its xruns counted from when it started, and keeps the markers
 * set while it recorded.
 */
void control_end_open_take(struct control *c, struct session_take *take)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	uint64_t shift = take->latency_correction;
	for (size_t i = 0; i < c->open_count; i++) {
		if (c->open[i].number != take->number)
			continue;
		take->xruns = snap.xruns - c->open[i].xruns_at_start;
		if (c->open[i].have_marker_shift)
			shift = c->open[i].marker_shift;
		forget_open(c, i);
		break;
	}
	keep_markers(c, take, shift);
}

/* Every open take the engine has not started (and never will) goes:
 * its number, files and entry to the trash. One whose cancel fails did
 * start after all, and will finish. */
static void cancel_unstarted(struct control *c)
{
	for (size_t i = 0; i < c->open_count;) {
		if (c->open[i].started) {
			i++;
			continue;
		}
		if (unprepare_take(c, c->open[i].number) != RL_OK) {
			c->open[i].started = true; /* it did: it will finish */
			i++;
			continue;
		}
		forget_open(c, i);
	}
}

/*
 * Follow the RECORD: note which open takes have started (the engine
 * starts them in number order), keep numbers queued while a loop records,
 * and once the engine has seen every command we sent and recording is
 * over, cancel the takes it will never start (stopped before the
 * punch-in, or queued for passes that did not happen).
 */
enum rl_status control_track_open_takes(struct control *c, struct error *err)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	for (size_t i = 0; i < c->open_count; i++) {
		if (!c->open[i].started &&
		    c->open[i].number <= snap.last_started_take) {
			c->open[i].started = true;
			c->open[i].xruns_at_start = snap.xruns;
		}
	}
	bool all_applied = snap.commands_applied >= engine_commands_sent(c->engine);
	if (snap.record_enabled && c->loop_on && !c->stop_sent &&
	    all_applied && snap.takes_queued < LOOP_QUEUE) {
		enum rl_status st = queue_takes(c, LOOP_QUEUE -
		                                snap.takes_queued, err);
		save_prepared(c);
		return st;
	}
	if (!all_applied || snap.record_enabled ||
	    snap.transport == ENGINE_COUNT_IN)
		return RL_OK;
	cancel_unstarted(c);
	return RL_OK;
}

void control_cancel_never_started(struct control *c,
                                  const struct engine_snapshot *snap)
{
	bool any_started = false;
	for (size_t i = 0; i < c->open_count; i++) {
		if (c->open[i].number <= snap->last_started_take)
			c->open[i].started = true;
		any_started |= c->open[i].started;
	}
	if (any_started)
		cancel_unstarted(c);
}
