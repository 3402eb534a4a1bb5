/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What front-ends show: the recorder's status, the tracks with their
 * meters, and the engine's snapshot and statistics; finding a track by
 * name or number and arming it. Reads, apart from arming and resetting
 * the meters.
 */
#include "control_internal.h"

#include "redlight/disk_reader.h"
#include "redlight/jack_backend.h"
#include "redlight/take_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

void control_snapshot(const struct control *c, struct engine_snapshot *out)
{
	if (c->engine)
		engine_snapshot(c->engine, out);
	else
		memset(out, 0, sizeof *out);
}

void control_cycle_stats(const struct control *c,
                         struct engine_cycle_stats *out)
{
	if (c->engine)
		engine_cycle_stats(c->engine, out);
	else
		memset(out, 0, sizeof *out);
}

void control_cycle_part_stats(const struct control *c,
                              enum engine_cycle_part part,
                              struct engine_cycle_stats *out)
{
	if (c->engine)
		engine_cycle_part_stats(c->engine, part, out);
	else
		memset(out, 0, sizeof *out);
}

void control_cycle_writer_stats(const struct control *c,
                                struct engine_cycle_stats *during,
                                struct engine_cycle_stats *outside)
{
	if (c->engine) {
		engine_cycle_writer_stats(c->engine, during, outside);
	} else {
		memset(during, 0, sizeof *during);
		memset(outside, 0, sizeof *outside);
	}
}

uint32_t control_sample_rate(const struct control *c)
{
	/* control_open_offline() has no JACK client to ask. */
	return c->jb ? jack_backend_sample_rate(c->jb) : 0;
}

bool control_started(const struct control *c)
{
	return c->engine != NULL;
}

bool control_server_lost(const struct control *c)
{
	return c->server_lost;
}

const struct session_settings *control_settings(const struct control *c)
{
	return &c->session->settings;
}

const struct tempo_map *control_tempo_map(const struct control *c)
{
	return c->map;
}

void control_position_text(const struct control *c, int64_t frame,
                           char *buf, size_t size)
{
	struct tempo_map_bbt bbt = { .bar = 1, .beat = 1 };
	if (c->map)
		tempo_map_frame_to_bbt(c->map, frame, &bbt);
	snprintf(buf, size, "%lld|%d|%d", (long long)bbt.bar, bbt.beat,
	         bbt.tick);
}

uint64_t control_playback_underruns(const struct control *c)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; c->reader && i <= c->keeper_count; i++) {
		struct disk_reader_stats st;
		disk_reader_stats(c->reader, i, &st);
		sum += st.underrun_frames;
	}
	return sum;
}

/* Engine track of session track index si (its left channel), or -1. */
static int64_t engine_track_of(const struct control *c, size_t si)
{
	for (uint32_t t = 0; t < c->track_count; t++) {
		if (c->session_track[t] == si && c->channel[t] == 0)
			return t;
	}
	return -1;
}

static float meter_dbfs(float amplitude)
{
	return amplitude > 0.0f ? 20.0f * log10f(amplitude) : -INFINITY;
}

/* Free bytes on the session's disk; statvfs at most once a second. */
static double disk_bytes_free(struct control *c)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double since = (double)(now.tv_sec - c->disk_checked.tv_sec) +
	               (double)(now.tv_nsec - c->disk_checked.tv_nsec) / 1e9;
	if (c->disk_bytes_free < 0.0 || since >= 1.0) {
		struct statvfs vfs;
		c->disk_checked = now;
		if (statvfs(c->session_dir, &vfs) == 0)
			c->disk_bytes_free = (double)vfs.f_bavail *
			                     (double)vfs.f_frsize;
	}
	return c->disk_bytes_free;
}

void control_status(struct control *c, struct control_status *out)
{
	*out = (struct control_status){ .punch_in = ENGINE_NO_FRAME,
	                                .punch_out = ENGINE_NO_FRAME,
	                                .disk_seconds_left = INFINITY,
	                                .track_count =
	                                        (uint32_t)c->session->track_count,
	                                .message_seq = c->msg_seq,
	                                .loop_start = c->loop_start,
	                                .loop_end = c->loop_end,
	                                .record_ready = c->record_ready };
	const struct session_settings *set = &c->session->settings;
	out->punch = (struct control_punch){
		.in = set->punch_in, .out = set->punch_out,
		.in_on = set->punch_in_on, .out_on = set->punch_out_on };
	if (c->have_last)
		out->last_take = c->last.number;
	out->server_lost = c->server_lost;
	if (!c->engine)
		return;
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	out->transport = snap.transport;
	out->recording = snap.transport == ENGINE_RECORDING && snap.take != 0;
	out->record_armed = snap.record_enabled;
	out->take = snap.transport == ENGINE_RECORDING ? snap.take : 0;
	control_position(c, &out->pos);
	if (snap.count_in_left > 0 && out->pos.bpm > 0.0) {
		double beat = (double)engine_sample_rate(c->engine) * 60.0 /
		              out->pos.bpm * 4.0 /
		              (out->pos.denominator > 0 ? out->pos.denominator
		                                        : 4);
		out->count_in_beats = (uint32_t)ceil((double)snap.count_in_left /
		                                     beat);
	}
	out->click_on = snap.click_on;
	/* The loop as control set it: the engine takes it at its next
	 * cycle, and nothing else changes it, so the snapshot only lags. An
	 * action reading the loop right after another set it (off after a
	 * new range, a toggle after a toggle) must see the new one. */
	out->loop_on = c->loop_on;
	if (snap.record_enabled) {
		out->punch_in = snap.punch_in;
		out->punch_out = snap.punch_out;
	}
	out->sample_rate = engine_sample_rate(c->engine);
	out->buffer_size = jack_backend_buffer_size(c->jb);
	out->xruns = snap.xruns;
	out->dropped_frames = snap.dropped_frames;
	out->playback_underruns = control_playback_underruns(c);
	out->dsp_load_pct = jack_backend_cpu_load(c->jb);
	uint64_t channels = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		if (!c->armed[t])
			continue;
		struct engine_meter m;
		engine_track_meter(c->engine, t, &m);
		double fill = m.ring_size ? 100.0 * (double)m.ring_fill /
		                            (double)m.ring_size : 0.0;
		if (fill > out->ring_fill_pct)
			out->ring_fill_pct = fill;
		channels++;
		if (c->channel[t] == 0)
			out->armed_tracks++;
	}
	double bytes = disk_bytes_free(c);
	double rate = (double)out->sample_rate * (double)channels *
	              take_format_bytes(c->config.format);
	if (channels > 0 && bytes >= 0.0 && rate > 0.0)
		out->disk_seconds_left = bytes / rate;
}

size_t control_tracks(struct control *c, struct control_track *out,
                      size_t max)
{
	const struct session *s = c->session;
	for (size_t i = 0; i < s->track_count && i < max; i++) {
		const struct session_track *tr = &s->tracks[i];
		struct control_track *o = &out[i];
		*o = (struct control_track){
			.number = (uint32_t)i + 1,
			.stereo = tr->source_right[0] != '\0',
			.rec_safe = tr->rec_safe,
			.monitor = tr->monitor,
			.monitor_db = tr->monitor_db,
			.cue_db = tr->cue_db,
			.peak_dbfs = -INFINITY,
			.hold_dbfs = -INFINITY,
		};
		snprintf(o->name, sizeof o->name, "%s", tr->name);
		snprintf(o->group, sizeof o->group, "%s", tr->group);
		snprintf(o->colour, sizeof o->colour, "%s", tr->colour);
		if (o->stereo)
			snprintf(o->source, sizeof o->source, "%s + %s",
			         tr->source, tr->source_right);
		else
			snprintf(o->source, sizeof o->source, "%s", tr->source);
		struct session_playback pb;
		if (session_playback_of(s, (uint32_t)i + 1, &pb)) {
			o->keeper_take = pb.take;
			o->comp = pb.comp;
		}
		int64_t t = c->engine ? engine_track_of(c, i) : -1;
		if (t < 0)
			continue;
		o->has_input = !control_input_absent(c, (uint32_t)t);
		o->input_absent = !o->has_input;
		o->armed = c->armed[t];
		uint32_t both[2] = { (uint32_t)t, c->partner[t] };
		for (int k = 0; k < 2 && both[k] != UINT32_MAX; k++) {
			struct engine_meter m;
			engine_track_meter(c->engine, both[k], &m);
			float p = meter_dbfs(m.peak), h = meter_dbfs(m.hold);
			o->peak_dbfs = p > o->peak_dbfs ? p : o->peak_dbfs;
			o->hold_dbfs = h > o->hold_dbfs ? h : o->hold_dbfs;
			o->clips += m.clips;
			o->dropped = m.dropped > o->dropped ? m.dropped
			                                    : o->dropped;
		}
	}
	return s->track_count;
}

enum rl_status control_reset_meters(struct control *c, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return control_send_simple(c, ENGINE_CMD_RESET_METERS, 0, 0, 0, err);
}

uint32_t control_find_track(const struct control *c, const char *name)
{
	int idx = session_find_track(c->session, name);
	if (idx >= 0)
		return (uint32_t)idx + 1;
	char *end;
	unsigned long n = strtoul(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !*end && n >= 1 &&
	    n <= c->session->track_count)
		return (uint32_t)n;
	return 0;
}

/* The engine track of session track `number`, or an error saying why
 * there is none. */
enum rl_status control_input_of(const struct control *c, uint32_t number,
                                uint32_t *t, struct error *err)
{
	if (number == 0 || number > c->session->track_count)
		return error_set(err, RL_ERR_NOT_FOUND, "no track %u (the "
		                 "session has %zu)", number,
		                 c->session->track_count);
	int64_t e = c->engine ? engine_track_of(c, number - 1) : -1;
	if (e < 0)
		return error_set(err, RL_ERR_NOT_FOUND, "track %u (%s) has no "
		                 "input in this run", number,
		                 c->session->tracks[number - 1].name);
	*t = (uint32_t)e;
	return RL_OK;
}

enum rl_status control_arm_track(struct control *c, uint32_t number, bool on,
                                 struct error *err)
{
	uint32_t t = 0;
	enum rl_status st = control_input_of(c, number, &t, err);
	return st == RL_OK ? control_arm(c, t, on, err) : st;
}
