/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Feedback: a state per client, and the messages of a difference.
 *
 * Each message of every dialect is one comparison here: "was it sent
 * with this value?" -- with old == NULL everything was never sent. The
 * strings a client shows (time, bar|beat) are formatted on both sides of
 * the comparison, so a frame change too small to show sends nothing.
 */
#include "osc_feedback.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void osc_feedback_state_init(struct osc_feedback_state *s)
{
	*s = (struct osc_feedback_state){ .disk_seconds = -1 };
}

void osc_feedback_state_cleanup(struct osc_feedback_state *s)
{
	free(s->tracks);
	s->tracks = NULL;
	s->track_cap = s->track_count = 0;
}

static enum rl_status reserve(struct osc_feedback_state *s, size_t count,
                              struct error *err)
{
	if (count <= s->track_cap)
		return RL_OK;
	size_t cap = s->track_cap ? s->track_cap : 16;
	while (cap < count)
		cap *= 2;
	struct osc_feedback_track *t = realloc(s->tracks, cap * sizeof *t);
	if (!t)
		return error_set(err, RL_ERR_NOMEM, "out of memory (OSC "
		                 "feedback for %zu tracks)", count);
	s->tracks = t;
	s->track_cap = cap;
	return RL_OK;
}

static int16_t quantise_meter(float dbfs)
{
	/* Below -120 dBFS nobody reads a meter; Ardour draws -193 there. */
	if (!(dbfs > -120.0f))
		return OSC_FEEDBACK_SILENT;
	if (dbfs > 60.0f)
		dbfs = 60.0f;
	return (int16_t)lrintf(dbfs * 2.0f);
}

enum rl_status osc_feedback_state_set(struct osc_feedback_state *s,
                                      const struct control_status *st,
                                      const struct control_track *tracks,
                                      size_t count, const char *session_dir,
                                      struct error *err)
{
	enum rl_status rs = reserve(s, count, err);
	if (rs != RL_OK)
		return rs;
	s->server_lost = st->server_lost;
	s->transport = st->transport;
	s->recording = st->recording;
	s->record_armed = st->record_armed;
	s->record_ready = st->record_ready;
	s->punch = st->punch;
	s->loop_start = st->loop_start;
	s->loop_end = st->loop_end;
	s->click_on = st->click_on;
	s->loop_on = st->loop_on;
	s->take = st->take;
	s->last_take = st->last_take;
	s->count_in_beats = st->count_in_beats;
	s->armed_tracks = st->armed_tracks;
	s->frame = st->pos.frame;
	s->sample_rate = st->sample_rate;
	s->bbt = st->pos.bbt;
	snprintf(s->section, sizeof s->section, "%s", st->pos.section);
	const char *slash = session_dir ? strrchr(session_dir, '/') : NULL;
	/* "takes/" style trailing slashes name the directory before them. */
	if (slash && slash[1] == '\0') {
		const char *p = slash;
		while (p > session_dir && p[-1] != '/')
			p--;
		snprintf(s->session_name, sizeof s->session_name, "%.*s",
		         (int)(slash - p), p);
	} else {
		snprintf(s->session_name, sizeof s->session_name, "%s",
		         slash ? slash + 1 : session_dir ? session_dir : "");
	}
	double left = st->disk_seconds_left;
	s->disk_seconds = isfinite(left) && left >= 0.0 ? (int64_t)left : -1;
	s->xruns = st->xruns;
	s->dropped = st->dropped_frames;
	s->underruns = st->playback_underruns;
	s->track_count = count;
	for (size_t i = 0; i < count; i++) {
		struct osc_feedback_track *t = &s->tracks[i];
		snprintf(t->name, sizeof t->name, "%s", tracks[i].name);
		t->armed = tracks[i].armed;
		t->has_input = tracks[i].has_input;
		t->meter_half_db = quantise_meter(tracks[i].peak_dbfs);
	}
	return RL_OK;
}

enum rl_status osc_feedback_state_copy(struct osc_feedback_state *dst,
                                       const struct osc_feedback_state *src,
                                       struct error *err)
{
	enum rl_status st = reserve(dst, src->track_count, err);
	if (st != RL_OK)
		return st;
	struct osc_feedback_track *keep = dst->tracks;
	size_t cap = dst->track_cap;
	*dst = *src;
	dst->tracks = keep;
	dst->track_cap = cap;
	if (src->track_count)
		memcpy(dst->tracks, src->tracks,
		       src->track_count * sizeof *src->tracks);
	return RL_OK;
}

const char *osc_feedback_transport_name(enum engine_transport t)
{
	switch (t) {
	case ENGINE_STOPPED: return "stopped";
	case ENGINE_ROLLING: return "rolling";
	case ENGINE_RECORDING: return "recording";
	case ENGINE_COUNT_IN: return "count-in";
	}
	return "unknown";
}

/* Split |frame| into h, m, s and a fraction in `unit` parts of a
 * second. */
static void split_time(int64_t frame, uint32_t rate, unsigned unit,
                       bool *negative, uint64_t *h, unsigned *m,
                       unsigned *s, unsigned *part)
{
	if (rate == 0)
		rate = 48000;
	*negative = frame < 0;
	uint64_t f = frame < 0 ? (uint64_t)0 - (uint64_t)frame
	                       : (uint64_t)frame;
	uint64_t secs = f / rate;
	*part = (unsigned)((f % rate) * unit / rate);
	*h = secs / 3600;
	*m = (unsigned)(secs / 60 % 60);
	*s = (unsigned)(secs % 60);
}

void osc_feedback_time_string(int64_t frame, uint32_t rate, char *buf,
                              size_t size)
{
	bool neg;
	uint64_t h;
	unsigned m, s, ms;
	split_time(frame, rate, 1000, &neg, &h, &m, &s, &ms);
	snprintf(buf, size, "%s%02" PRIu64 ":%02u:%02u.%03u", neg ? "-" : "",
	         h, m, s, ms);
}

void osc_feedback_timecode_string(int64_t frame, uint32_t rate, char *buf,
                                  size_t size)
{
	bool neg;
	uint64_t h;
	unsigned m, s, ff;
	split_time(frame, rate, 30, &neg, &h, &m, &s, &ff);
	snprintf(buf, size, "%s%02" PRIu64 ":%02u:%02u:%02u", neg ? "-" : "",
	         h, m, s, ff);
}

/* REAPER shows minutes:seconds.milliseconds. */
static void reaper_time_string(int64_t frame, uint32_t rate, char *buf,
                               size_t size)
{
	bool neg;
	uint64_t h;
	unsigned m, s, ms;
	split_time(frame, rate, 1000, &neg, &h, &m, &s, &ms);
	snprintf(buf, size, "%s%" PRIu64 ":%02u.%03u", neg ? "-" : "",
	         h * 60 + m, s, ms);
}

static void bbt_string(const struct tempo_map_bbt *b, char *buf, size_t size)
{
	snprintf(buf, size, "%lld|%d|%d", (long long)b->bar, b->beat,
	         b->tick);
}

static void ardour_bbt_string(const struct tempo_map_bbt *b, char *buf,
                              size_t size)
{
	snprintf(buf, size, "%03lld|%02d|%04d", (long long)b->bar, b->beat,
	         b->tick);
}

/* REAPER's "measure.beat.hundredths". */
static void reaper_beat_string(const struct tempo_map_bbt *b, char *buf,
                               size_t size)
{
	snprintf(buf, size, "%lld.%d.%02d", (long long)b->bar, b->beat,
	         b->tick * 100 / TEMPO_MAP_TICKS_PER_BEAT);
}

static void disk_string(int64_t secs, char *buf, size_t size)
{
	if (secs < 0)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%" PRId64 ":%02d:%02d", secs / 3600,
		         (int)(secs / 60 % 60), (int)(secs % 60));
}

/* OSC has 32-bit ints everywhere; counters saturate rather than wrap. */
static int32_t sat32(uint64_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

struct out {
	osc_feedback_emit emit;
	void *ctx;
	size_t count;
};

static void put(struct out *o, const char *path, lo_message m)
{
	if (!m)
		return;
	o->emit(o->ctx, path, m);
	lo_message_free(m);
	o->count++;
}

static void put_i(struct out *o, const char *path, int32_t v)
{
	lo_message m = lo_message_new();
	if (m)
		lo_message_add_int32(m, v);
	put(o, path, m);
}

static void put_h(struct out *o, const char *path, int64_t v)
{
	lo_message m = lo_message_new();
	if (m)
		lo_message_add_int64(m, v);
	put(o, path, m);
}

static void put_f(struct out *o, const char *path, float v)
{
	lo_message m = lo_message_new();
	if (m)
		lo_message_add_float(m, v);
	put(o, path, m);
}

static void put_s(struct out *o, const char *path, const char *v)
{
	lo_message m = lo_message_new();
	if (m)
		lo_message_add_string(m, v);
	put(o, path, m);
}

/* Ardour strips: "/strip/X ssid value", or "/strip/X/ssid value" with
 * the SSID-in-path bit. Returns a message with the ssid added if needed
 * and the path in buf. */
static lo_message strip_message(const struct osc_feedback_prefs *p,
                                const char *what, uint32_t ssid, char *buf,
                                size_t size)
{
	lo_message m = lo_message_new();
	if (!m)
		return NULL;
	if (p->ardour_bits & OSC_ARDOUR_FB_SSID_IN_PATH) {
		snprintf(buf, size, "/strip/%s/%u", what, ssid);
	} else {
		snprintf(buf, size, "/strip/%s", what);
		lo_message_add_int32(m, (int32_t)ssid);
	}
	return m;
}

#define CHANGED(field) (!old || old->field != now->field)

/* A frame a client reads as a number: -1 for one not set. */
static int64_t frame_or_none(int64_t frame)
{
	return frame == ENGINE_NO_FRAME ? -1 : frame;
}

static void put_range(struct out *o, const char *path, int64_t a, int64_t b)
{
	lo_message m = lo_message_new();
	if (m) {
		lo_message_add_int64(m, frame_or_none(a));
		lo_message_add_int64(m, frame_or_none(b));
	}
	put(o, path, m);
}

/* Record-ready, the punch range and the loop range, redlight's paths. */
static void diff_ranges(const struct osc_feedback_state *old,
                        const struct osc_feedback_state *now, struct out *o)
{
	if (CHANGED(record_ready))
		put_i(o, "/redlight/record/ready", now->record_ready);
	bool on = now->punch.in_on || now->punch.out_on;
	if (!old || on != (old->punch.in_on || old->punch.out_on))
		put_i(o, "/redlight/punch/on", on);
	if (CHANGED(punch.in) || CHANGED(punch.out))
		put_range(o, "/redlight/punch/range", now->punch.in,
		          now->punch.out);
	if (CHANGED(loop_start) || CHANGED(loop_end))
		put_range(o, "/redlight/loop/range", now->loop_start,
		          now->loop_end);
}

static bool str_changed(const char *a, const char *b)
{
	return strcmp(a, b) != 0;
}

static void diff_redlight(const struct osc_feedback_prefs *p,
                          const struct osc_feedback_state *old,
                          const struct osc_feedback_state *now,
                          struct out *o)
{
	char a[64], b[64], path[96];
	if (CHANGED(server_lost))
		put_i(o, "/redlight/jack", !now->server_lost);
	if (CHANGED(transport))
		put_s(o, "/redlight/transport",
		      osc_feedback_transport_name(now->transport));
	if (CHANGED(recording))
		put_i(o, "/redlight/recording", now->recording);
	if (CHANGED(record_armed))
		put_i(o, "/redlight/record/armed", now->record_armed);
	if (CHANGED(count_in_beats))
		put_i(o, "/redlight/count_in", (int32_t)now->count_in_beats);
	if (CHANGED(take))
		put_i(o, "/redlight/take", (int32_t)now->take);
	if (CHANGED(last_take))
		put_i(o, "/redlight/take/last", (int32_t)now->last_take);
	if (CHANGED(click_on))
		put_i(o, "/redlight/click", now->click_on);
	if (CHANGED(loop_on))
		put_i(o, "/redlight/loop", now->loop_on);
	diff_ranges(old, now, o);
	osc_feedback_time_string(now->frame, now->sample_rate, a, sizeof a);
	if (old)
		osc_feedback_time_string(old->frame, old->sample_rate, b,
		                         sizeof b);
	if (!old || str_changed(a, b)) {
		put_s(o, "/redlight/time", a);
		put_h(o, "/redlight/frame", now->frame);
	}
	bbt_string(&now->bbt, a, sizeof a);
	if (old)
		bbt_string(&old->bbt, b, sizeof b);
	if (!old || str_changed(a, b))
		put_s(o, "/redlight/bbt", a);
	if (!old || str_changed(now->section, old->section))
		put_s(o, "/redlight/section", now->section);
	if (!old || str_changed(now->session_name, old->session_name))
		put_s(o, "/redlight/session", now->session_name);
	if (CHANGED(armed_tracks))
		put_i(o, "/redlight/armed", (int32_t)now->armed_tracks);
	if (CHANGED(track_count))
		put_i(o, "/redlight/tracks", (int32_t)now->track_count);
	for (size_t i = 0; i < now->track_count; i++) {
		const struct osc_feedback_track *t = &now->tracks[i];
		const struct osc_feedback_track *was =
			old && i < old->track_count ? &old->tracks[i] : NULL;
		unsigned n = (unsigned)i + 1;
		if (!was || str_changed(t->name, was->name)) {
			snprintf(path, sizeof path, "/redlight/track/%u/name", n);
			put_s(o, path, t->name);
		}
		if (!was || t->armed != was->armed) {
			snprintf(path, sizeof path, "/redlight/track/%u/armed", n);
			put_i(o, path, t->armed);
		}
		if (!was || t->has_input != was->has_input) {
			snprintf(path, sizeof path, "/redlight/track/%u/input", n);
			put_i(o, path, t->has_input);
		}
		if (p->meters && (!was || t->meter_half_db != was->meter_half_db)) {
			snprintf(path, sizeof path, "/redlight/track/%u/meter", n);
			put_f(o, path, t->meter_half_db == OSC_FEEDBACK_SILENT
			               ? -200.0f : (float)t->meter_half_db / 2.0f);
		}
	}
	if (CHANGED(disk_seconds)) {
		put_f(o, "/redlight/disk", (float)now->disk_seconds);
		disk_string(now->disk_seconds, a, sizeof a);
		put_s(o, "/redlight/disk/str", a);
	}
	if (CHANGED(xruns))
		put_i(o, "/redlight/xruns", sat32(now->xruns));
	if (CHANGED(dropped))
		put_i(o, "/redlight/dropped", sat32(now->dropped));
	if (CHANGED(underruns))
		put_i(o, "/redlight/underruns", sat32(now->underruns));
	if (now->error_seq && CHANGED(error_seq))
		put_s(o, "/redlight/error", now->error);
}

static void diff_ardour(const struct osc_feedback_prefs *p,
                        const struct osc_feedback_state *old,
                        const struct osc_feedback_state *now,
                        struct out *o)
{
	uint32_t bits = p->ardour_bits;
	char a[64], b[64], path[96];
	if (bits & OSC_ARDOUR_FB_MASTER) {
		bool play = now->transport != ENGINE_STOPPED;
		bool was_play = old && old->transport != ENGINE_STOPPED;
		if (!old || play != was_play) {
			put_i(o, "/transport_play", play);
			put_i(o, "/transport_stop", !play);
		}
		/* Ardour's global record enable: lit while record-ready or
		 * a record is pending or recording. */
		bool rec = now->record_ready || now->record_armed;
		if (!old || rec != (old->record_ready || old->record_armed))
			put_i(o, "/rec_enable_toggle", rec);
		if (CHANGED(punch.in_on))
			put_i(o, "/toggle_punch_in", now->punch.in_on);
		if (CHANGED(punch.out_on))
			put_i(o, "/toggle_punch_out", now->punch.out_on);
		if (CHANGED(recording))
			put_i(o, "/record_tally", now->recording);
		if (CHANGED(loop_on))
			put_i(o, "/loop_toggle", now->loop_on);
		if (!old || str_changed(now->session_name, old->session_name))
			put_s(o, "/session_name", now->session_name);
	}
	if (bits & OSC_ARDOUR_FB_BBT) {
		ardour_bbt_string(&now->bbt, a, sizeof a);
		if (old)
			ardour_bbt_string(&old->bbt, b, sizeof b);
		if (!old || str_changed(a, b))
			put_s(o, "/position/bbt", a);
	}
	if (bits & OSC_ARDOUR_FB_TIMECODE) {
		osc_feedback_timecode_string(now->frame, now->sample_rate, a,
		                             sizeof a);
		if (old)
			osc_feedback_timecode_string(old->frame, old->sample_rate,
			                             b, sizeof b);
		if (!old || str_changed(a, b))
			put_s(o, "/position/smpte", a);
	}
	if ((bits & OSC_ARDOUR_FB_SAMPLES) && CHANGED(frame)) {
		snprintf(a, sizeof a, "%" PRId64, now->frame);
		put_s(o, "/position/samples", a);
	}
	if (bits & OSC_ARDOUR_FB_TIME) {
		osc_feedback_time_string(now->frame, now->sample_rate, a,
		                         sizeof a);
		if (old)
			osc_feedback_time_string(old->frame, old->sample_rate, b,
			                         sizeof b);
		if (!old || str_changed(a, b))
			put_s(o, "/position/time", a);
	}
	size_t strips = now->track_count;
	if (p->bank_size && p->bank_size < strips)
		strips = p->bank_size;
	for (size_t i = 0; i < strips; i++) {
		const struct osc_feedback_track *t = &now->tracks[i];
		const struct osc_feedback_track *was =
			old && i < old->track_count ? &old->tracks[i] : NULL;
		uint32_t ssid = (uint32_t)i + 1;
		lo_message m;
		if (bits & OSC_ARDOUR_FB_STRIP_BUTTONS) {
			if (!was || str_changed(t->name, was->name)) {
				m = strip_message(p, "name", ssid, path,
				                  sizeof path);
				if (m)
					lo_message_add_string(m, t->name);
				put(o, path, m);
			}
			if (!was || t->armed != was->armed) {
				m = strip_message(p, "recenable", ssid, path,
				                  sizeof path);
				if (m)
					lo_message_add_float(m, t->armed);
				put(o, path, m);
			}
		}
		bool meter_changed = !was ||
		                     t->meter_half_db != was->meter_half_db;
		float db = t->meter_half_db == OSC_FEEDBACK_SILENT
		           ? -193.0f : (float)t->meter_half_db / 2.0f;
		if ((bits & OSC_ARDOUR_FB_METER) && meter_changed) {
			m = strip_message(p, "meter", ssid, path, sizeof path);
			if (m)
				lo_message_add_float(m, db);
			put(o, path, m);
		} else if ((bits & OSC_ARDOUR_FB_METER_LED) && meter_changed) {
			/* Ardour's 16-LED bar: one LED per 3.75 dB from
			 * -54 dBFS. */
			int lit = (int)((db + 54.0f) / 3.75f);
			lit = lit < 0 ? 0 : lit > 16 ? 16 : lit;
			m = strip_message(p, "meter", ssid, path, sizeof path);
			if (m)
				lo_message_add_int32(m, (int32_t)((1u << lit) - 1u));
			put(o, path, m);
		}
		if (bits & OSC_ARDOUR_FB_SIGNAL) {
			bool sig = db >= -40.0f;
			bool was_sig = was && was->meter_half_db !=
			               OSC_FEEDBACK_SILENT &&
			               was->meter_half_db >= -80;
			if (!was || sig != was_sig) {
				m = strip_message(p, "signal", ssid, path,
				                  sizeof path);
				if (m)
					lo_message_add_float(m, sig);
				put(o, path, m);
			}
		}
	}
}

static void diff_reaper(const struct osc_feedback_prefs *p,
                        const struct osc_feedback_state *old,
                        const struct osc_feedback_state *now,
                        struct out *o)
{
	char a[64], b[64], path[96];
	bool play = now->transport != ENGINE_STOPPED;
	bool was_play = old && old->transport != ENGINE_STOPPED;
	if (!old || play != was_play) {
		put_f(o, "/play", play);
		put_f(o, "/stop", !play);
	}
	if (CHANGED(record_armed))
		put_f(o, "/record", now->record_armed);
	if (CHANGED(loop_on))
		put_f(o, "/repeat", now->loop_on);
	if (CHANGED(click_on))
		put_f(o, "/click", now->click_on);
	reaper_time_string(now->frame, now->sample_rate, a, sizeof a);
	if (old)
		reaper_time_string(old->frame, old->sample_rate, b, sizeof b);
	if (!old || str_changed(a, b)) {
		put_s(o, "/time/str", a);
		put_f(o, "/time", now->sample_rate
		      ? (float)((double)now->frame / now->sample_rate) : 0.0f);
	}
	if (CHANGED(frame)) {
		put_f(o, "/samples", (float)now->frame);
		snprintf(a, sizeof a, "%" PRId64, now->frame);
		put_s(o, "/samples/str", a);
	}
	reaper_beat_string(&now->bbt, a, sizeof a);
	if (old)
		reaper_beat_string(&old->bbt, b, sizeof b);
	if (!old || str_changed(a, b))
		put_s(o, "/beat/str", a);
	for (size_t i = 0; i < now->track_count; i++) {
		const struct osc_feedback_track *t = &now->tracks[i];
		const struct osc_feedback_track *was =
			old && i < old->track_count ? &old->tracks[i] : NULL;
		unsigned n = (unsigned)i + 1;
		if (!was || str_changed(t->name, was->name)) {
			snprintf(path, sizeof path, "/track/%u/name", n);
			put_s(o, path, t->name);
		}
		if (!was || t->armed != was->armed) {
			snprintf(path, sizeof path, "/track/%u/recarm", n);
			put_f(o, path, t->armed);
		}
		if (p->meters && (!was || t->meter_half_db != was->meter_half_db)) {
			/* REAPER's VU is 0..1; here 0 is -60 dBFS, 1 is 0 dBFS. */
			float v = t->meter_half_db == OSC_FEEDBACK_SILENT
			          ? 0.0f
			          : ((float)t->meter_half_db / 2.0f + 60.0f) / 60.0f;
			v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
			snprintf(path, sizeof path, "/track/%u/vu", n);
			put_f(o, path, v);
		}
	}
}

size_t osc_feedback_diff(const struct osc_feedback_prefs *prefs,
                         const struct osc_feedback_state *old,
                         const struct osc_feedback_state *now,
                         osc_feedback_emit emit, void *ctx)
{
	struct out o = { emit, ctx, 0 };
	switch (prefs->dialect) {
	case OSC_FEEDBACK_REDLIGHT:
		diff_redlight(prefs, old, now, &o);
		break;
	case OSC_FEEDBACK_ARDOUR:
		diff_ardour(prefs, old, now, &o);
		break;
	case OSC_FEEDBACK_REAPER:
		diff_reaper(prefs, old, now, &o);
		break;
	}
	return o.count;
}
