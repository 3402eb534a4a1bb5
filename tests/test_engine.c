/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine: the process cycle driven directly with buffers — record start
 * and stop on exact frames inside a cycle, arming, meters, and exact
 * dropped-frame accounting when a ring is full. */
#include "check.h"
#include "redlight/engine.h"

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
	engine_process(e, inputs, n);
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
	struct engine_command c = { type, track, value, at, 0 };
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
	struct engine_command c = { ENGINE_CMD_RECORD, 0, 3, 10, 150 };
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
	engine_process(e, inputs, BLOCK);
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
		engine_process(e, inputs, BLOCK);
		frames += BLOCK;
	}
	engine_track_meter(e, 0, &m);
	double db = 20 * log10(m.peak / 0.5);
	CHECK(db < -19.5 && db > -20.5);
	CHECK(m.hold == 0.5f);
	while (frames < 2 * 48000 + BLOCK) {
		engine_process(e, inputs, BLOCK);
		frames += BLOCK;
	}
	engine_track_meter(e, 0, &m);
	CHECK(m.hold < 0.5f);
	send(e, ENGINE_CMD_RESET_METERS, 0, 0, 0);
	engine_process(e, inputs, BLOCK);
	engine_track_meter(e, 1, &m);
	CHECK_EQ_U64(m.clips, 0);
	engine_free(e);
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

static void test_bad_config(void)
{
	struct engine_config cfg = { 0 };
	struct engine *e = (struct engine *)1;
	struct error err;
	CHECK(engine_new(&cfg, &e, &err) == RL_ERR_INVALID);
	CHECK(e == NULL);
	engine_free(NULL);
}

int main(void)
{
	test_start_stop_exact();
	test_fixed_length();
	test_meters();
	test_dropped_frames();
	test_xrun_marker();
	test_bad_config();
	return CHECK_DONE();
}
