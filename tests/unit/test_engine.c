/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine: the process cycle driven directly with buffers — record start
 * and stop on exact frames inside a cycle, arming, meters, and exact
 * dropped-frame accounting when a ring is full. */
#include "check.h"
#include "redlight/click.h"
#include "redlight/engine.h"
#include "engine_cmd.h"
#include "redlight/tempo_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRACKS 3
#define BLOCK 64

static float inbuf[TRACKS][BLOCK];
static const float *inputs[TRACKS] = { inbuf[0], inbuf[1], inbuf[2] };
static uint64_t source_frame; /* frame counter of the fake inputs */


/* Every input sample carries its own frame number and track. */
static void cycle(struct engine *e, uint32_t n)
{
	for (int t = 0; t < TRACKS; t++)
		for (uint32_t i = 0; i < n; i++)
			inbuf[t][i] = (float)((source_frame + i) % 100000) /
			              1000000.0f + (float)t * 0.2f;
	engine_process(e, inputs, NULL, n);
	source_frame += n;
}

static struct engine *make(size_t ring_frames)
{
	struct engine_config cfg = { .track_count = TRACKS,
	                             .sample_rate = 48000,
	                             .ring_frames = ring_frames,
	                             .gap_slots = 4 };
	struct engine *e = NULL;
	struct error err;
	CHECK(engine_new(&cfg, &e, &err) == RL_OK);
	source_frame = 0;
	return e;
}

static void send(struct engine *e, uint32_t type, uint32_t track,
                 int64_t value, uint64_t at)
{
	struct engine_command c;
	engine_command_init(&c, type);
	c.track = track;
	c.value = value;
	c.at = at;
	CHECK(engine_send(e, &c, NULL) == RL_OK);
}

static float expected(uint64_t frame, int t)
{
	return (float)(frame % 100000) / 1000000.0f + (float)t * 0.2f;
}

static void test_start_stop_exact(void)
{
	struct engine *e = make(8192);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_ARM, 2, 1, 0);
	cycle(e, BLOCK);                       /* frames 0..63, stopped */
	send(e, ENGINE_CMD_RECORD, 0, 7, 100); /* inside the 2nd cycle */
	send(e, ENGINE_CMD_STOP, 0, 0, 300);   /* inside the 5th cycle */
	for (int i = 0; i < 6; i++)
		cycle(e, BLOCK);

	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.take, 7);
	CHECK_EQ_U64(ev.clock_frame, 100);
	CHECK_EQ_U64(ev.timeline_frame, 0);
	CHECK_EQ_U64(ev.track_count, 2);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 200);
	CHECK_EQ_U64(ev.clock_frame, 300);
	CHECK(!engine_next_event(e, &ev));

	/* Armed tracks hold frames 100..299 exactly; track 1 nothing. */
	for (int t = 0; t < TRACKS; t++) {
		struct ring *r = engine_track_ring(e, (uint32_t)t);
		if (t == 1) {
			CHECK_EQ_U64(ring_read_space(r), 0);
			continue;
		}
		CHECK_EQ_U64(ring_read_space(r), 200 * sizeof(float));
		float got[200];
		CHECK(ring_read(r, got, sizeof got));
		int bad = 0;
		for (int i = 0; i < 200; i++)
			bad += got[i] != expected(100 + (uint64_t)i, t);
		CHECK(bad == 0);
	}
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	CHECK_EQ_U64(s.transport, ENGINE_STOPPED);
	CHECK_EQ_U64(s.clock, 7 * BLOCK);
	CHECK_EQ_U64(s.timeline, 200); /* moved only while recording */
	CHECK_EQ_U64(s.take_frames, 200);

	/* A second take continues the timeline and starts asap. */
	send(e, ENGINE_CMD_RECORD, 0, 8, 0);
	cycle(e, 32);
	send(e, ENGINE_CMD_STOP, 0, 0, 0);
	cycle(e, 32);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.take, 8);
	CHECK_EQ_U64(ev.timeline_frame, 200);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.length, 32);
	engine_free(e);
}

/* A take with a length stops that many frames after its real start, even
 * when the start frame asked for had already passed. */
static void test_fixed_length(void)
{
	struct engine *e = make(8192);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	cycle(e, BLOCK);
	cycle(e, BLOCK);
	struct engine_command c = make_cmd(ENGINE_CMD_RECORD, 0, 3, 10, 150);
	CHECK(engine_send(e, &c, NULL) == RL_OK);
	for (int i = 0; i < 5; i++)
		cycle(e, BLOCK);
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.clock_frame, 2 * BLOCK); /* 10 had passed */
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 150);
	CHECK_EQ_U64(ev.clock_frame, 2 * BLOCK + 150);
	engine_free(e);
}

static void test_meters(void)
{
	struct engine *e = make(8192);
	for (int t = 0; t < TRACKS; t++)
		memset(inbuf[t], 0, sizeof inbuf[t]);
	inbuf[0][5] = -0.5f;
	inbuf[1][7] = 1.0f;  /* full scale: a clip */
	inbuf[1][8] = -1.0f; /* and another */
	engine_process(e, inputs, NULL, BLOCK);
	struct engine_meter m;
	engine_track_meter(e, 0, &m);
	CHECK(m.peak == 0.5f);
	CHECK(m.hold == 0.5f);
	CHECK_EQ_U64(m.clips, 0);
	engine_track_meter(e, 1, &m);
	CHECK(m.peak == 1.0f);
	CHECK_EQ_U64(m.clips, 2);
	engine_track_meter(e, 2, &m);
	CHECK(m.peak == 0.0f);

	/* Silence: the peak falls 20 dB in 1.7 s, the hold stays 2 s. */
	memset(inbuf[0], 0, sizeof inbuf[0]);
	memset(inbuf[1], 0, sizeof inbuf[1]);
	uint32_t frames = 0;
	while (frames < (uint32_t)(1.7 * 48000)) {
		engine_process(e, inputs, NULL, BLOCK);
		frames += BLOCK;
	}
	engine_track_meter(e, 0, &m);
	double db = 20 * log10(m.peak / 0.5);
	CHECK(db < -19.5 && db > -20.5);
	CHECK(m.hold == 0.5f);
	while (frames < 2 * 48000 + BLOCK) {
		engine_process(e, inputs, NULL, BLOCK);
		frames += BLOCK;
	}
	engine_track_meter(e, 0, &m);
	CHECK(m.hold < 0.5f);
	send(e, ENGINE_CMD_RESET_METERS, 0, 0, 0);
	engine_process(e, inputs, NULL, BLOCK);
	engine_track_meter(e, 1, &m);
	CHECK_EQ_U64(m.clips, 0);
	engine_free(e);
}

/* The meter scan runs four samples at a time with a scalar tail: peaks
 * and clips in either part, on every lane, NaN ignored, -0 and denormals
 * as magnitudes. */
static void test_meter_lanes(void)
{
	for (uint32_t n = 61; n <= 64; n++) {
		for (uint32_t at = 0; at < n; at++) {
			struct engine *e = make(8192);
			for (int t = 0; t < TRACKS; t++)
				memset(inbuf[t], 0, sizeof inbuf[t]);
			inbuf[0][at] = -0.25f;
			inbuf[0][(at + 1) % n] = NAN;
			inbuf[0][(at + 2) % n] = -0.0f;
			inbuf[1][at] = -1.0f;           /* a clip */
			inbuf[1][(at + 3) % n] = 1e-40f; /* a denormal */
			inbuf[2][(at + 1) % n] = 0x1p-30f;
			engine_process(e, inputs, NULL, n);
			struct engine_meter m;
			engine_track_meter(e, 0, &m);
			CHECK(m.peak == 0.25f);
			CHECK_EQ_U64(m.clips, 0);
			engine_track_meter(e, 1, &m);
			CHECK(m.peak == 1.0f);
			CHECK_EQ_U64(m.clips, 1);
			engine_track_meter(e, 2, &m);
			CHECK(m.peak == 0x1p-30f);
			engine_free(e);
		}
	}
}

/* A ring of 1024 frames that nobody drains: blocks that do not fit are
 * dropped whole, counted, and described by one gap record queued before
 * the samples that follow it. */
static void test_dropped_frames(void)
{
	struct engine *e = make(1024);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_RECORD, 0, 1, 0);
	for (int i = 0; i < 20; i++) /* 1280 frames: 256 do not fit */
		cycle(e, BLOCK);
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	CHECK_EQ_U64(s.dropped_frames, 256);
	struct engine_meter m;
	engine_track_meter(e, 0, &m);
	CHECK_EQ_U64(m.dropped, 256);

	struct ring *r = engine_track_ring(e, 0);
	struct ring *g = engine_track_gaps(e, 0);
	CHECK_EQ_U64(ring_read_space(g), 0); /* gap still pending */
	static float first[1024];
	CHECK(ring_read(r, first, sizeof first));
	CHECK(first[1023] == expected(1023, 0));
	/* Room again: the next block queues the gap, then its samples. */
	cycle(e, BLOCK);
	struct engine_gap gap;
	CHECK(ring_read(g, &gap, sizeof gap));
	CHECK_EQ_U64(gap.start, 1024);
	CHECK_EQ_U64(gap.length, 256);
	float next[BLOCK];
	CHECK(ring_read(r, next, sizeof next));
	CHECK(next[0] == expected(1280, 0));
	engine_free(e);
}

/* A take that ends while its blocks are being dropped queues that gap at
 * the stop, up to the take's last frame, so a writer can tell this take's
 * samples from the next take's in the same ring; with the gap ring full
 * the record is owed and the next take's blocks wait behind it (dropped,
 * as that take's own gap). Also: engine_captured_frames() counts every
 * take's frames, and a take's START carries where it begins. */
static void test_take_ends_in_gap(void)
{
	struct engine *e = make(1024);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_RECORD, 0, 1, 0);
	for (int i = 0; i < 20; i++) /* 1280 frames: the last 256 dropped */
		cycle(e, BLOCK);
	send(e, ENGINE_CMD_STOP, 0, 0, 0);
	cycle(e, BLOCK);
	CHECK_EQ_U64(engine_captured_frames(e), 1280);
	struct ring *r = engine_track_ring(e, 0);
	struct ring *g = engine_track_gaps(e, 0);
	struct engine_gap gap;
	CHECK(ring_read(g, &gap, sizeof gap));
	CHECK_EQ_U64(gap.start, 1024);
	CHECK_EQ_U64(gap.length, 256);
	CHECK_EQ_U64(gap.take, 1);
	ring_read_advance(r, 1024 * sizeof(float));

	/* Take 2 starts where take 1's frames end in the count. */
	send(e, ENGINE_CMD_RECORD, 0, 2, 0);
	cycle(e, BLOCK);
	struct engine_event ev;
	bool started = false;
	while (engine_next_event(e, &ev))
		if (ev.type == ENGINE_EVENT_TAKE_START && ev.take == 2) {
			started = true;
			CHECK_EQ_U64(ev.stream_base, 1280);
		}
	CHECK(started);
	CHECK_EQ_U64(engine_captured_frames(e), 1280 + BLOCK);
	CHECK_EQ_U64(ring_read_space(r), BLOCK * sizeof(float));
	send(e, ENGINE_CMD_STOP, 0, 0, 0);
	cycle(e, BLOCK);
	engine_free(e);

	/* The gap ring full at the stop: the record is owed. */
	e = make(1024);
	r = engine_track_ring(e, 0);
	g = engine_track_gaps(e, 0);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_RECORD, 0, 1, 0);
	for (int i = 0; i < 20; i++)
		cycle(e, BLOCK);
	struct engine_gap filler = { 0, 0, 99 };
	while (ring_write(g, &filler, sizeof filler))
		;
	send(e, ENGINE_CMD_STOP, 0, 0, 0);
	cycle(e, BLOCK);
	ring_read_advance(r, ring_read_space(r)); /* take 1's samples */
	send(e, ENGINE_CMD_RECORD, 0, 2, 0);
	cycle(e, BLOCK); /* owed: take 2's first block waits (dropped) */
	CHECK_EQ_U64(ring_read_space(r), 0);
	ring_read_advance(g, ring_read_space(g)); /* the writer catches up */
	cycle(e, BLOCK); /* the owed record, take 2's gap, its samples */
	CHECK(ring_read(g, &gap, sizeof gap));
	CHECK_EQ_U64(gap.take, 1);
	CHECK_EQ_U64(gap.start, 1024);
	CHECK_EQ_U64(gap.length, 256);
	CHECK(ring_read(g, &gap, sizeof gap));
	CHECK_EQ_U64(gap.take, 2);
	CHECK_EQ_U64(gap.start, 0);
	CHECK_EQ_U64(gap.length, BLOCK);
	CHECK_EQ_U64(ring_read_space(r), BLOCK * sizeof(float));
	send(e, ENGINE_CMD_STOP, 0, 0, 0);
	cycle(e, BLOCK);
	engine_free(e);
}

/* A jump of JACK's clock while recording becomes an xrun marker at the
 * take position, between the take's start and stop; the audio is left as
 * it arrived (no gap, no padding, nothing counted as dropped). Outside a
 * take nothing is queued. */
static void test_xrun_marker(void)
{
	struct engine *e = make(8192);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	engine_mark_xrun(e, 64); /* stopped: ignored */
	send(e, ENGINE_CMD_RECORD, 0, 1, 0);
	cycle(e, BLOCK);
	engine_mark_xrun(e, 2 * BLOCK);
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_STOP, 0, 0, 0);
	cycle(e, BLOCK);
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_XRUN);
	CHECK_EQ_U64(ev.timeline_frame, BLOCK);
	CHECK_EQ_U64(ev.length, 2 * BLOCK);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 2 * BLOCK);
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	CHECK_EQ_U64(s.dropped_frames, 0);
	CHECK_EQ_U64(ring_read_space(engine_track_gaps(e, 0)), 0);
	CHECK_EQ_U64(ring_read_space(engine_track_ring(e, 0)),
	             2 * BLOCK * sizeof(float));
	engine_free(e);
}

static void send_cmd(struct engine *e, const struct engine_command *c)
{
	CHECK(engine_send(e, c, NULL) == RL_OK);
}

static struct engine_snapshot snap(struct engine *e)
{
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	return s;
}

/* PLAY rolls the timeline frame by frame, STOP on an exact frame, LOCATE
 * moves it; nothing is recorded without RECORD. */
static void test_play_stop_locate(void)
{
	struct engine *e = make(8192);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	cycle(e, BLOCK);
	CHECK_EQ_U64(snap(e).transport, ENGINE_STOPPED);
	CHECK_EQ_U64(snap(e).timeline, 0);
	send(e, ENGINE_CMD_PLAY, 0, 0, BLOCK + 10); /* clock frame 74 */
	cycle(e, BLOCK);
	CHECK_EQ_U64(snap(e).transport, ENGINE_ROLLING);
	CHECK_EQ_U64(snap(e).timeline, BLOCK - 10);
	send(e, ENGINE_CMD_STOP, 0, 0, 3 * BLOCK + 5);
	cycle(e, BLOCK);
	cycle(e, BLOCK);
	CHECK_EQ_U64(snap(e).transport, ENGINE_STOPPED);
	CHECK_EQ_U64(snap(e).timeline, 2 * BLOCK - 5);
	send(e, ENGINE_CMD_LOCATE, 0, 48000, 0);
	cycle(e, BLOCK);
	CHECK_EQ_U64(snap(e).timeline, 48000);
	/* Locate while rolling jumps; the roll continues from there. */
	send(e, ENGINE_CMD_PLAY, 0, 0, 0);
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_LOCATE, 0, 1000, 0);
	cycle(e, BLOCK);
	CHECK_EQ_U64(snap(e).timeline, 1000 + BLOCK);
	struct engine_event ev;
	CHECK(!engine_next_event(e, &ev));
	CHECK_EQ_U64(ring_read_space(engine_track_ring(e, 0)), 0);
	engine_free(e);
}

/* Punch in/out: recording only inside [in, out), entered and left on the
 * exact frames while rolling; the transport rolls on after punch-out. */
static void test_punch(void)
{
	struct engine *e = make(16384);
	send(e, ENGINE_CMD_ARM, 1, 1, 0);
	send(e, ENGINE_CMD_LOCATE, 0, 200, 0);
	cycle(e, BLOCK);
	struct engine_command c;
	engine_command_init(&c, ENGINE_CMD_RECORD);
	c.value = 5;
	c.punch_in = 1000;
	c.punch_out = 3001;
	send_cmd(e, &c);
	uint64_t rolled_at = source_frame; /* timeline 200 on this frame */
	for (int i = 0; i < 60; i++) {
		cycle(e, BLOCK);
		if (i == 10) { /* waiting for the punch-in */
			struct engine_snapshot s = snap(e);
			CHECK_EQ_U64(s.transport, ENGINE_ROLLING);
			CHECK(s.record_enabled);
			CHECK_EQ_U64(s.punch_in, 1000);
		}
	}
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.take, 5);
	CHECK_EQ_U64(ev.timeline_frame, 1000);
	CHECK_EQ_U64(ev.clock_frame, rolled_at + 800);
	CHECK_EQ_U64(ev.track_count, 1);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 2001);
	CHECK_EQ_U64(ev.clock_frame, rolled_at + 2801);
	struct engine_snapshot s = snap(e);
	CHECK_EQ_U64(s.transport, ENGINE_ROLLING);
	CHECK(!s.record_enabled);
	CHECK_EQ_U64(s.timeline, 200 + 60 * BLOCK);
	struct ring *r = engine_track_ring(e, 1);
	CHECK_EQ_U64(ring_read_space(r), 2001 * sizeof(float));
	float got[2001];
	CHECK(ring_read(r, got, sizeof got));
	int bad = 0;
	for (int i = 0; i < 2001; i++)
		bad += got[i] != expected(rolled_at + 800 + (uint64_t)i, 1);
	CHECK(bad == 0);
	engine_free(e);
}

/* A take never starts before timeline 0, so a roll from a negative
 * position (pre-roll before the song) records from frame 0 on. */
static void test_negative_start(void)
{
	struct engine *e = make(8192);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_LOCATE, 0, -100, 0);
	send(e, ENGINE_CMD_RECORD, 0, 1, 0);
	cycle(e, BLOCK);
	cycle(e, BLOCK);
	cycle(e, BLOCK);
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.timeline_frame, 0);
	CHECK_EQ_U64(ev.clock_frame, 100);
	CHECK_EQ_U64(snap(e).take_frames, 3 * BLOCK - 100);
	engine_free(e);
}

/* Count-in: the click of the count-in map for exactly count_in frames
 * with the timeline held, then the take starts on the next frame; the
 * count-in map comes back through the retire queue. */
static void test_count_in_and_click(void)
{
	struct engine *e = make(1 << 16);
	struct error err;
	struct tempo_map *song = NULL, *count = NULL;
	struct click *click = NULL;
	CHECK(tempo_map_new_simple(120, 4, 4, 48000, &song, &err) == RL_OK);
	CHECK(tempo_map_new_simple(120, 4, 4, 48000, &count, &err) == RL_OK);
	CHECK(click_new_builtin(CLICK_BEEP, 48000, &click, &err) == RL_OK);
	if (!song || !count || !click)
		return;
	struct engine_command c;
	engine_command_init(&c, ENGINE_CMD_SET_CLICK);
	c.map = song;
	c.click = click;
	send_cmd(e, &c);
	send(e, ENGINE_CMD_CLICK_ON, 0, 1, 0);
	engine_command_init(&c, ENGINE_CMD_MONITOR);
	c.track = 2;
	c.level = 0.5f;        /* panned: more on the left */
	c.level_right = 0.25f;
	send_cmd(e, &c);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_LOCATE, 0, 24000, 0); /* beat 2 of bar 1 */
	engine_command_init(&c, ENGINE_CMD_RECORD);
	c.value = 9;
	c.count_in = 2 * 48000; /* one bar of 4/4 at 120 */
	c.map = count;
	c.length = 30000;
	send_cmd(e, &c);

	/* Render 3 s in odd-sized cycles; keep the outputs. */
	enum { TOTAL = 3 * 48000 };
	static float click_out[TOTAL], cue_l[TOTAL], cue_r[TOTAL];
	static float want_click[TOTAL];
	uint64_t done = 0;
	while (done < TOTAL) {
		uint32_t n = (uint32_t)(TOTAL - done < 1000 ? TOTAL - done
		                                             : 1000);
		if (n > BLOCK)
			n = BLOCK;
		float *outs[ENGINE_OUT_COUNT] = { click_out + done,
		                                  cue_l + done, cue_r + done };
		for (int t = 0; t < TRACKS; t++)
			for (uint32_t i = 0; i < n; i++)
				inbuf[t][i] = expected(source_frame + i, t);
		if (done == 48000) {
			struct engine_snapshot s = snap(e);
			CHECK_EQ_U64(s.transport, ENGINE_COUNT_IN);
			CHECK_EQ_U64(s.timeline, 24000);
			CHECK_EQ_U64(s.count_in_left, 48000);
		}
		engine_process(e, inputs, outs, n);
		source_frame += n;
		done += n;
	}
	/* Expected click: the count-in bar from frame 0, then the song's
	 * click from timeline 24000 while the take runs, then nothing. */
	click_render(click, count, 0, 96000, 1.0f, want_click);
	click_render(click, song, 24000, 30000, 1.0f, want_click + 96000);
	int bad = 0, bad_cue = 0;
	for (int i = 0; i < TOTAL; i++) {
		bad += click_out[i] != want_click[i];
		/* The click in the centre, the input at its two gains. */
		float in = expected((uint64_t)i, 2);
		bad_cue += fabsf(cue_l[i] - (want_click[i] + 0.5f * in)) > 1e-6f ||
		           fabsf(cue_r[i] - (want_click[i] + 0.25f * in)) > 1e-6f;
	}
	CHECK(bad == 0);
	CHECK(bad_cue == 0);
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.clock_frame, 96000);
	CHECK_EQ_U64(ev.timeline_frame, 24000);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 30000);
	struct engine_snapshot s = snap(e);
	CHECK_EQ_U64(s.transport, ENGINE_STOPPED); /* length stops it */
	CHECK_EQ_U64(s.timeline, 54000);
	const struct tempo_map *m;
	const struct click *k;
	CHECK(engine_next_retired(e, &m, &k));
	CHECK(m == count && k == NULL);
	CHECK(!engine_next_retired(e, &m, &k));
	/* Replacing the click retires the old map and sound. */
	engine_command_init(&c, ENGINE_CMD_SET_CLICK);
	send_cmd(e, &c);
	cycle(e, BLOCK);
	int seen = 0;
	while (engine_next_retired(e, &m, &k))
		seen += (m == song) + 2 * (k == click);
	CHECK_EQ_U64(seen, 3);
	engine_free(e);
	tempo_map_free(song);
	tempo_map_free(count);
	click_free(click);
}

/* Pop every event; return how many TAKE_START/STOP pairs, filling
 * numbers, timeline starts and lengths in order. */
static int collect_takes(struct engine *e, uint32_t *numbers, int64_t *starts,
                         uint64_t *lengths, uint64_t *clock_starts, int max)
{
	struct engine_event ev;
	int n = 0;
	while (engine_next_event(e, &ev)) {
		if (ev.type == ENGINE_EVENT_TAKE_START && n < max) {
			numbers[n] = ev.take;
			starts[n] = (int64_t)ev.timeline_frame;
			clock_starts[n] = ev.clock_frame;
		} else if (ev.type == ENGINE_EVENT_TAKE_STOP && n < max) {
			CHECK_EQ_U64(ev.take, numbers[n]);
			lengths[n++] = ev.length;
		}
	}
	return n;
}

/* An engine with track 0 armed, looping [start, end). */
static struct engine *looping_engine(int64_t start, int64_t end)
{
	struct engine *e = make(1 << 16);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	struct engine_command c;
	engine_command_init(&c, ENGINE_CMD_LOOP);
	c.value = 1;
	c.punch_in = start;
	c.punch_out = end;
	send_cmd(e, &c);
	return e;
}

/* Loop recording: each pass is a new take from the queue, gapless: the
 * takes' streams, one after the other, are exactly the input stream. With
 * no number left, recording ends and the loop goes on. */
static void test_loop_passes(void)
{
	struct engine *e = looping_engine(1000, 3000);
	send(e, ENGINE_CMD_LOCATE, 0, 500, 0);
	send(e, ENGINE_CMD_RECORD, 0, 10, 0);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 11, 0);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 12, 0);
	uint64_t first = source_frame;
	while (source_frame < first + 2500 + 3 * 2000 + 700)
		cycle(e, 37); /* cycles that straddle the loop end */
	uint32_t num[8];
	int64_t start[8];
	uint64_t len[8], clk[8];
	int n = collect_takes(e, num, start, len, clk, 8);
	CHECK_EQ_U64(n, 3);
	if (n == 3) {
		CHECK(num[0] == 10 && num[1] == 11 && num[2] == 12);
		CHECK(start[0] == 500 && start[1] == 1000 && start[2] == 1000);
		CHECK(len[0] == 2500 && len[1] == 2000 && len[2] == 2000);
		CHECK_EQ_U64(clk[0], first);
		CHECK_EQ_U64(clk[1], first + 2500);
		CHECK_EQ_U64(clk[2], first + 4500);
	}
	struct ring *r = engine_track_ring(e, 0);
	CHECK_EQ_U64(ring_read_space(r), 6500 * sizeof(float));
	static float got[6500];
	CHECK(ring_read(r, got, sizeof got));
	int bad = 0;
	for (int i = 0; i < 6500; i++)
		bad += got[i] != expected(first + (uint64_t)i, 0);
	CHECK(bad == 0);
	struct engine_snapshot s = snap(e);
	CHECK(!s.record_enabled);
	CHECK_EQ_U64(s.transport, ENGINE_ROLLING);
	CHECK(s.loop_on && s.loop_start == 1000 && s.loop_end == 3000);
	CHECK(s.timeline >= 1000 && s.timeline < 3000);
	engine_free(e);
}

/* Punch inside a loop: every pass records its punch range into the next
 * queued take. */
static void test_loop_punch(void)
{
	struct engine *e = looping_engine(1000, 3000);
	struct engine_command c;
	send(e, ENGINE_CMD_LOCATE, 0, 1000, 0);
	engine_command_init(&c, ENGINE_CMD_RECORD);
	c.value = 20;
	c.punch_in = 1500;
	c.punch_out = 2500;
	send_cmd(e, &c);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 21, 0);
	uint64_t first = source_frame;
	while (source_frame < first + 3 * 2000)
		cycle(e, 64);
	uint32_t num[8];
	int64_t start[8];
	uint64_t len[8], clk[8];
	int n = collect_takes(e, num, start, len, clk, 8);
	CHECK_EQ_U64(n, 2);
	for (int i = 0; i < n && i < 2; i++) {
		CHECK_EQ_U64(num[i], 20 + (uint32_t)i);
		CHECK_EQ_U64(start[i], 1500);
		CHECK_EQ_U64(len[i], 1000);
		CHECK_EQ_U64(clk[i], first + 500 + 2000 * (uint64_t)i);
	}
	CHECK(!snap(e).record_enabled);
	engine_free(e);
}

/* A new take while rolling: the split is on one frame, no gap, no
 * overlap; the next number comes from the queue. */
static void test_split(void)
{
	struct engine *e = make(1 << 16);
	send(e, ENGINE_CMD_ARM, 2, 1, 0);
	send(e, ENGINE_CMD_RECORD, 0, 30, 0);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 31, 0);
	uint64_t first = source_frame;
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_NEW_TAKE, 0, 0, first + 100);
	cycle(e, BLOCK);
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_NEW_TAKE, 0, 0, 0); /* nothing queued: ends */
	cycle(e, BLOCK);
	cycle(e, BLOCK);
	uint32_t num[8];
	int64_t start[8];
	uint64_t len[8], clk[8];
	int n = collect_takes(e, num, start, len, clk, 8);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK(num[0] == 30 && num[1] == 31);
		CHECK_EQ_U64(len[0], 100);
		CHECK_EQ_U64(start[1], 100);
		CHECK_EQ_U64(clk[1], first + 100);
		CHECK_EQ_U64(len[1], 3 * BLOCK - 100);
	}
	CHECK(!snap(e).record_enabled);
	CHECK_EQ_U64(snap(e).transport, ENGINE_ROLLING);
	CHECK_EQ_U64(ring_read_space(engine_track_ring(e, 2)),
	             3 * BLOCK * sizeof(float));
	engine_free(e);
}

/* A RECORD with a length lasts that long in all: splits cut it into
 * takes that add up to it exactly, and a split due on the frame where it
 * ends starts nothing. */
static void test_split_length(void)
{
	struct engine *e = make(1 << 16);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	struct engine_command c = make_cmd(ENGINE_CMD_RECORD, 0, 40, 0,
	                                   3 * BLOCK);
	CHECK(engine_send(e, &c, NULL) == RL_OK);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 41, 0);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 42, 0);
	uint64_t first = source_frame;
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_NEW_TAKE, 0, 0, first + 100);
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_NEW_TAKE, 0, 0, first + 3 * BLOCK);
	for (int i = 0; i < 4; i++)
		cycle(e, BLOCK);
	uint32_t num[8];
	int64_t start[8];
	uint64_t len[8], clk[8];
	int n = collect_takes(e, num, start, len, clk, 8);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK(num[0] == 40 && num[1] == 41);
		CHECK_EQ_U64(len[0], 100);
		CHECK_EQ_U64(clk[1], first + 100);
		CHECK_EQ_U64(len[1], 3 * BLOCK - 100);
	}
	struct engine_snapshot s = snap(e);
	CHECK(!s.record_enabled);
	CHECK_EQ_U64(s.transport, ENGINE_STOPPED);
	CHECK_EQ_U64(ring_read_space(engine_track_ring(e, 0)),
	             3 * BLOCK * sizeof(float));
	engine_free(e);
}

/* Pre-record: while nothing records the engine keeps the last N frames
 * of every track; a RECORD's take begins with them (the history, up to
 * the frame the take starts on), a split's take does not. */
static void test_pre_record(void)
{
	struct engine_config cfg = { .track_count = TRACKS,
	                             .sample_rate = 48000,
	                             .ring_frames = 1 << 14,
	                             .pre_record_frames = 1000 };
	struct engine *e = NULL;
	CHECK(engine_new(&cfg, &e, NULL) == RL_OK);
	if (!e)
		return;
	source_frame = 0;
	send(e, ENGINE_CMD_ARM, 1, 1, 0);
	for (int i = 0; i < 47; i++)
		cycle(e, BLOCK);                  /* 3008 frames, stopped */
	send(e, ENGINE_CMD_RECORD, 0, 4, 0);
	send(e, ENGINE_CMD_QUEUE_TAKE, 0, 5, 0);
	cycle(e, BLOCK);
	send(e, ENGINE_CMD_NEW_TAKE, 0, 0, 0);
	cycle(e, BLOCK);
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.pre_frames, 1000);
	CHECK_EQ_U64(ev.history_end, 3008);
	size_t size;
	const float *h = engine_track_history(e, 1, &size);
	CHECK(h != NULL && size >= 1000);
	int bad = 0;
	for (uint64_t f = 2008; h && f < 3008; f++)
		bad += h[f & (size - 1)] != expected(f, 1);
	CHECK(bad == 0);
	/* The ring goes on from the record frame. */
	float first;
	CHECK(ring_peek(engine_track_ring(e, 1), &first, sizeof first));
	CHECK(first == expected(3008, 1));
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK(engine_next_event(e, &ev));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.take, 5);
	CHECK_EQ_U64(ev.pre_frames, 0); /* a split has nothing before it */
	engine_history_release(e);
	engine_free(e);
}

static void test_bad_config(void)
{
	struct engine_config cfg = { 0 };
	struct engine *e = (struct engine *)1;
	struct error err;
	CHECK(engine_new(&cfg, &e, &err) == RL_ERR_INVALID);
	CHECK(e == NULL);
	engine_free(NULL);
}

/* The samples streamed into the rings are readable at the end of every
 * cycle, and by the time a take's STOP is queued: the writer takes the
 * STOP as "the whole take is in the rings" and pads what it cannot see. */
static void test_samples_published(void)
{
	struct engine *e = make(8192);
	send(e, ENGINE_CMD_ARM, 0, 1, 0);
	send(e, ENGINE_CMD_RECORD, 0, 1, 0);
	cycle(e, BLOCK);
	struct ring *r = engine_track_ring(e, 0);
	CHECK_EQ_U64(ring_read_space(r), BLOCK * sizeof(float));
	CHECK_EQ_U64(ring_write_space(r) + ring_read_space(r), r->size);
	cycle(e, BLOCK);
	CHECK_EQ_U64(ring_read_space(r), 2 * BLOCK * sizeof(float));
	/* A stop inside the next cycle: every frame up to it is readable
	 * once the cycle is over. */
	send(e, ENGINE_CMD_STOP, 0, 0, 2 * BLOCK + 10);
	cycle(e, BLOCK);
	CHECK_EQ_U64(ring_read_space(r), (2 * BLOCK + 10) * sizeof(float));
	struct engine_event ev;
	CHECK(engine_next_event(e, &ev) && ev.type == ENGINE_EVENT_TAKE_START);
	CHECK(engine_next_event(e, &ev) && ev.type == ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 2 * BLOCK + 10);
	float got[2 * BLOCK + 10];
	CHECK(ring_read(r, got, sizeof got));
	int bad = 0;
	for (uint64_t i = 0; i < 2 * BLOCK + 10; i++)
		bad += got[i] != expected(i, 0);
	CHECK(bad == 0);
	engine_free(e);
}

/* The benchmark's figures: histogram quantiles (upper bucket edges), the
 * parts, and the split by the writer's passes. */
static void test_cycle_stats(void)
{
	struct engine *e = make(8192);
	const uint64_t period = 1000000; /* 1 ms */
	for (int i = 0; i < 99; i++) {
		uint32_t epoch = engine_writer_epoch(e);
		engine_note_cycle_time(e, 10000, period); /* 1 % */
		engine_note_cycle_overlap(e, 10000, period, epoch);
	}
	/* A slow cycle during a writer pass, one that saw a pass begin. */
	engine_note_writer_busy(e, true);
	uint32_t epoch = engine_writer_epoch(e);
	engine_note_cycle_time(e, 500000, period); /* 50 % */
	engine_note_cycle_overlap(e, 500000, period, epoch);
	engine_note_writer_busy(e, false);
	engine_note_writer_busy(e, false); /* idle again: no change */
	epoch = engine_writer_epoch(e);
	engine_note_writer_busy(e, true);
	engine_note_cycle_time(e, 20000, period);
	engine_note_cycle_overlap(e, 20000, period, epoch);
	engine_note_writer_busy(e, false);

	struct engine_cycle_stats all, in, out, part;
	engine_cycle_stats(e, &all);
	CHECK_EQ_U64(all.cycles, 101);
	CHECK(fabs(all.median_pct - 1.05) < 1e-9);
	CHECK(fabs(all.max_pct - 50.0) < 1e-9);
	CHECK(fabs(all.max_us - 500.0) < 1e-9);
	engine_cycle_writer_stats(e, &in, &out);
	CHECK_EQ_U64(in.cycles, 2);
	CHECK(fabs(in.max_pct - 50.0) < 1e-9);
	CHECK_EQ_U64(out.cycles, 99);
	CHECK(fabs(out.p99_pct - 1.05) < 1e-9);
	CHECK(fabs(out.max_pct - 1.05) < 1e-9);

	engine_cycle_part_stats(e, ENGINE_PART_PORTS, &part);
	CHECK_EQ_U64(part.cycles, 0);
	engine_note_cycle_part(e, ENGINE_PART_PORTS, 30000, period);
	engine_note_cycle_part(e, ENGINE_PART_PROCESS, 40000, period);
	engine_cycle_part_stats(e, ENGINE_PART_PORTS, &part);
	CHECK_EQ_U64(part.cycles, 1);
	CHECK(fabs(part.median_pct - 3.05) < 1e-9);
	engine_cycle_part_stats(e, ENGINE_PART_PROCESS, &part);
	CHECK(fabs(part.median_pct - 4.05) < 1e-9);
	engine_cycle_part_stats(e, ENGINE_PART_CPU, &part);
	CHECK_EQ_U64(part.cycles, 0);
	engine_free(e);
}

int main(void)
{
	test_samples_published();
	test_cycle_stats();
	test_start_stop_exact();
	test_fixed_length();
	test_meters();
	test_meter_lanes();
	test_take_ends_in_gap();
	test_dropped_frames();
	test_xrun_marker();
	test_play_stop_locate();
	test_punch();
	test_negative_start();
	test_count_in_and_click();
	test_loop_passes();
	test_loop_punch();
	test_split();
	test_split_length();
	test_pre_record();
	test_bad_config();
	return CHECK_DONE();
}
