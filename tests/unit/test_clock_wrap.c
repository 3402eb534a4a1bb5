/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Days of uptime: JACK's frame clock and transport position are 32 bits
 * and wrap after 2^32 frames (24.8 hours at 48 kHz). The backend's
 * per-cycle arithmetic (engine_clock_jumped(): xrun detection;
 * engine_transport_frame(): the followed transport) across the wrap, and
 * a real engine driven through both wraps the way jack_backend.c's
 * on_process() drives it: a take recording through them goes on, exact,
 * with no xrun marker and no relocation, its timeline past 2^32; a real
 * jump of the clock across the wrap is marked with its true size; a real
 * relocation near the wrap still ends the take. Last, the whole recorder
 * (control, engine, disk writer) on the test backend, following a JACK
 * transport that rolls past 2^32 - 1 to 0 during a take: one take, every
 * frame in its files, in session.json where it was.
 */
#include "check.h"
#include "test_backend.h"

#include "engine_cmd.h"
#include "redlight/actions.h"
#include "redlight/control.h"
#include "redlight/engine.h"
#include "redlight/ring.h"
#include "redlight/session.h"

#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE 48000u
#define PERIOD 256u
#define TRACKS 2
#define WRAP 4294967296ULL /* 2^32 */

/* ---------------------------------------------------------------------- */
/* The pure arithmetic                                                    */

static void test_clock_jumped(void)
{
	struct engine_frame_clock c = { 0 };
	uint32_t jump = 12345;
	/* First cycle: nothing to compare with. */
	uint32_t now = (uint32_t)(WRAP - 3 * PERIOD);
	CHECK(!engine_clock_jumped(&c, now, PERIOD, RATE, &jump));
	/* On time through the wrap: ..., 2^32 - 256, 0, 256. */
	for (int i = 0; i < 6; i++) {
		now += PERIOD; /* uint32_t: wraps as JACK's clock does */
		CHECK_MSG(!engine_clock_jumped(&c, now, PERIOD, RATE, &jump),
		          "cycle at %u", now);
	}
	CHECK_EQ_U64(now, 3 * PERIOD);

	/* Forward across the wrap: due at 2^32 - 128, came at 384. */
	c = (struct engine_frame_clock){ .started = true,
	                                 .next = (uint32_t)(WRAP - 128) };
	CHECK(engine_clock_jumped(&c, 384, PERIOD, RATE, &jump));
	CHECK_EQ_U64(jump, 512);
	CHECK_EQ_U64(c.next, 384 + PERIOD);
	/* Backwards across the wrap: a jump, of no length worth telling. */
	c = (struct engine_frame_clock){ .started = true, .next = 100 };
	jump = 1;
	CHECK(engine_clock_jumped(&c, (uint32_t)(WRAP - 100), PERIOD, RATE,
	                          &jump));
	CHECK_EQ_U64(jump, 0);
	/* Forward by just under and by a minute. */
	c = (struct engine_frame_clock){ .started = true,
	                                 .next = (uint32_t)(WRAP - 10) };
	CHECK(engine_clock_jumped(&c, (uint32_t)(WRAP - 10) + 60 * RATE - 1,
	                          PERIOD, RATE, &jump));
	CHECK_EQ_U64(jump, 60 * RATE - 1);
	c = (struct engine_frame_clock){ .started = true,
	                                 .next = (uint32_t)(WRAP - 10) };
	CHECK(engine_clock_jumped(&c, (uint32_t)(WRAP - 10) + 60 * RATE,
	                          PERIOD, RATE, &jump));
	CHECK_EQ_U64(jump, 0);

	/* Any start, cycles of any size, jumps here and there: exactly the
	 * jumps made are found, wherever the wrap falls. */
	uint32_t seed = 12345;
	for (int run = 0; run < 200; run++) {
		seed = seed * 1664525u + 1013904223u;
		uint32_t t = run % 2 ? seed : (uint32_t)(WRAP - (seed % 100000));
		c = (struct engine_frame_clock){ 0 };
		int wrong = 0;
		for (int i = 0; i < 2000; i++) {
			seed = seed * 1664525u + 1013904223u;
			uint32_t n = 16u << (seed % 8); /* 16 .. 2048 */
			uint32_t made = seed % 97 == 0 ? 1 + seed % 5000 : 0;
			t += made;
			uint32_t got = 0;
			bool jumped = engine_clock_jumped(&c, t, n, RATE, &got);
			wrong += i > 0 && (jumped != (made > 0) ||
			                   (made && got != made));
			t += n;
		}
		CHECK_MSG(wrong == 0, "run %d: %d cycles judged wrong", run,
		          wrong);
	}
}

static void test_transport_frame(void)
{
	/* Rolling on past 2^32: the position wraps, the timeline does not. */
	CHECK_EQ(engine_transport_frame(WRAP - 256, 0, RATE), WRAP);
	CHECK_EQ(engine_transport_frame(WRAP, 0, RATE), WRAP);
	CHECK_EQ(engine_transport_frame(WRAP + 1000, 1000, RATE), WRAP + 1000);
	CHECK_EQ(engine_transport_frame(WRAP + 1000, 1256, RATE), WRAP + 1256);
	CHECK_EQ(engine_transport_frame(WRAP + 1000, 500, RATE), WRAP + 500);
	CHECK_EQ(engine_transport_frame(WRAP - 100, 156, RATE), WRAP + 156);
	CHECK_EQ(engine_transport_frame(WRAP + 100, (uint32_t)(WRAP - 156),
	                                RATE), WRAP - 156);
	CHECK_EQ(engine_transport_frame(5 * WRAP + 7, 7, RATE), 5 * WRAP + 7);
	/* Farther than the window: a relocation, as JACK gives it. */
	CHECK_EQ(engine_transport_frame(WRAP + 1000, 4800000, RATE), 4800000);
	CHECK_EQ(engine_transport_frame(WRAP + 1000, 1000 + RATE + 1, RATE),
	         1000 + RATE + 1);
	CHECK_EQ(engine_transport_frame(WRAP + 1000, 1000 + RATE, RATE),
	         WRAP + 1000 + RATE);
	/* Never before frame 0: near 0, a position just under 2^32 is
	 * itself. */
	CHECK_EQ(engine_transport_frame(100, (uint32_t)(WRAP - 50), RATE),
	         WRAP - 50);
	CHECK_EQ(engine_transport_frame(-5, 7, RATE), 7);
	/* Far from the wrap it is the position, near or far. */
	CHECK_EQ(engine_transport_frame(96000, 96256, RATE), 96256);
	CHECK_EQ(engine_transport_frame(96000, 10, RATE), 10);
	CHECK_EQ(engine_transport_frame(0, 0, RATE), 0);
}

/* ---------------------------------------------------------------------- */
/* An engine driven across the wraps                                      */

/* JACK as on_process() sees it: its 32-bit clocks, and the inputs, whose
 * every sample is its frame's number since the run began (exact in a
 * float below 2^24). */
struct fake_jack {
	uint32_t clock;      /* jack_last_frame_time() of the next cycle */
	uint32_t position;   /* jack_position_t.frame of the next cycle */
	bool rolling;
	uint64_t sent;       /* frames delivered so far */
	struct engine_frame_clock watch; /* the backend's (jack_backend.c) */
	float in[TRACKS][PERIOD];
};

/* One cycle as on_process() runs it, then JACK moves on. */
static void jack_cycle(struct engine *e, struct fake_jack *j)
{
	uint32_t jump;
	if (engine_clock_jumped(&j->watch, j->clock, PERIOD, RATE, &jump))
		engine_mark_xrun(e, jump);
	engine_follow_transport(e, j->rolling, j->position);
	const float *inputs[TRACKS];
	for (int t = 0; t < TRACKS; t++) {
		for (uint32_t i = 0; i < PERIOD; i++)
			j->in[t][i] = (float)(j->sent + i);
		inputs[t] = j->in[t];
	}
	engine_process(e, inputs, NULL, PERIOD);
	j->sent += PERIOD;
	j->clock += PERIOD;
	if (j->rolling)
		j->position += PERIOD;
}

static struct engine *make_following(void)
{
	struct engine_config cfg = { .track_count = TRACKS,
	                             .sample_rate = RATE,
	                             .ring_frames = 1 << 16,
	                             .gap_slots = 4 };
	struct engine *e = NULL;
	struct error err;
	CHECK_OK(engine_new(&cfg, &e, &err), &err);
	if (!e)
		return NULL;
	struct engine_command c = make_cmd(ENGINE_CMD_FOLLOW, 0, 1, 0, 0);
	CHECK_OK(engine_send(e, &c, &err), &err);
	for (uint32_t t = 0; t < TRACKS; t++) {
		c = make_cmd(ENGINE_CMD_ARM, t, 1, 0, 0);
		CHECK_OK(engine_send(e, &c, &err), &err);
	}
	return e;
}

static void record(struct engine *e, uint32_t take)
{
	struct engine_command c = make_cmd(ENGINE_CMD_RECORD, 0, take, 0, 0);
	c.punch_in = ENGINE_NO_FRAME;
	c.punch_out = ENGINE_NO_FRAME;
	struct error err;
	CHECK_OK(engine_send(e, &c, &err), &err);
}

/* Every frame in track t's ring, in order, from frame `first` on: how
 * many there were, or -1 at the first one out of place. */
static long ring_frames_from(struct engine *e, uint32_t t, uint64_t first)
{
	struct ring *r = engine_track_ring(e, t);
	long n = 0;
	float v;
	while (ring_read_space(r) >= sizeof v) {
		ring_read(r, &v, sizeof v);
		if (v != (float)(first + (uint64_t)n))
			return -1;
		n++;
	}
	return n;
}

/* A take recording while JACK's frame clock and its transport position
 * both wrap: on, exact, unmarked; the timeline goes past 2^32. */
static void test_take_across_both_wraps(void)
{
	struct engine *e = make_following();
	REQUIRE(e);
	struct fake_jack j = {
		.clock = (uint32_t)(WRAP - 10 * PERIOD),
		.position = (uint32_t)(WRAP - 5 * PERIOD),
		.rolling = true,
	};
	record(e, 1);
	for (int i = 0; i < 40; i++)
		jack_cycle(e, &j);
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	CHECK_EQ_U64(s.transport, ENGINE_RECORDING);
	CHECK_EQ_U64(s.take, 1);
	CHECK_EQ((int64_t)s.timeline, (int64_t)(WRAP + 35 * PERIOD));
	CHECK_EQ_U64(s.take_frames, 40 * PERIOD);
	/* What the timebase callback asks of the next cycle's position. */
	CHECK_EQ(engine_timeline_of(e, j.position),
	         (int64_t)(WRAP + 35 * PERIOD));
	/* The transport stops: the take ends there. */
	j.rolling = false;
	jack_cycle(e, &j);
	struct engine_event ev;
	REQUIRE_OR(engine_next_event(e, &ev), engine_free(e));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.timeline_frame, WRAP - 5 * PERIOD);
	REQUIRE_OR(engine_next_event(e, &ev), engine_free(e));
	CHECK_MSG(ev.type == ENGINE_EVENT_TAKE_STOP,
	          "event %u at timeline %llu (an xrun marker or a "
	          "relocation at a wrap?)", ev.type,
	          (unsigned long long)ev.timeline_frame);
	CHECK_EQ_U64(ev.length, 40 * PERIOD);
	CHECK(!engine_next_event(e, &ev));
	for (uint32_t t = 0; t < TRACKS; t++)
		CHECK_EQ(ring_frames_from(e, t, 0), 40 * PERIOD);
	engine_free(e);
}

/* A real jump of the clock across the wrap is marked, its size true; a
 * real relocation near the wrap of the position ends the take. */
static void test_real_jumps_at_the_wrap(void)
{
	struct engine *e = make_following();
	REQUIRE(e);
	struct fake_jack j = {
		.clock = (uint32_t)(WRAP - 4 * PERIOD),
		.position = 1000,
		.rolling = true,
	};
	record(e, 1);
	for (int i = 0; i < 3; i++)
		jack_cycle(e, &j);
	j.clock += 2 * PERIOD; /* the server lost two periods: 2^32 - 256
	                        * was due, 256 came */
	for (int i = 0; i < 3; i++)
		jack_cycle(e, &j);
	j.position = (uint32_t)(WRAP - 2 * PERIOD); /* someone relocated */
	jack_cycle(e, &j);
	struct engine_event ev;
	REQUIRE_OR(engine_next_event(e, &ev), engine_free(e));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_START);
	CHECK_EQ_U64(ev.timeline_frame, 1000);
	REQUIRE_OR(engine_next_event(e, &ev), engine_free(e));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_XRUN);
	CHECK_EQ_U64(ev.length, 2 * PERIOD);
	CHECK_EQ_U64(ev.timeline_frame, 1000 + 3 * PERIOD);
	REQUIRE_OR(engine_next_event(e, &ev), engine_free(e));
	CHECK_EQ_U64(ev.type, ENGINE_EVENT_TAKE_STOP);
	CHECK_EQ_U64(ev.length, 6 * PERIOD);
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	CHECK_EQ((int64_t)s.timeline, (int64_t)(WRAP - PERIOD));
	CHECK_EQ_U64(s.take, 0);
	engine_free(e);
}

/* ---------------------------------------------------------------------- */
/* The recorder following a JACK transport that wraps                     */

static char tmp_root[512];

static const struct test_source sources[] = {
	{ .name = "system:capture_1" },
	{ .name = "system:capture_2" },
};

static void nap_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Poll as a front-end does until done(c) or 20 s. */
static bool poll_until(struct control *c, bool (*done)(struct control *))
{
	for (int i = 0; i < 4000; i++) {
		struct error err;
		control_lock(c);
		control_poll(c, &err);
		bool ok = done(c);
		control_unlock(c);
		if (ok)
			return true;
		nap_ms(5);
	}
	return false;
}

static bool recording(struct control *c)
{
	struct engine_snapshot s;
	control_snapshot(c, &s);
	return s.transport == ENGINE_RECORDING;
}

/* Past JACK's wrap by a second. */
static bool past_wrap(struct control *c)
{
	struct engine_snapshot s;
	control_snapshot(c, &s);
	return s.timeline >= (int64_t)(WRAP + RATE);
}

static bool one_take_done(struct control *c)
{
	return control_takes_finished(c) >= 1 && !control_busy(c);
}

/* Frames of file `path` that hold source s's counter, one after the
 * other from the first; -1 if any is out of place. */
static long counter_run(const char *path, uint32_t s)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return -1;
	int *data = malloc(((size_t)info.frames + 1) * sizeof *data);
	sf_count_t n = data ? sf_readf_int(sf, data, info.frames) : 0;
	sf_close(sf);
	long good = n > 0 ? 1 : 0;
	uint64_t first = n > 0 ? test_backend_counter_frame(s, data[0] >> 8)
	                       : 0;
	for (sf_count_t k = 1; k < n; k++) {
		if (test_backend_counter_frame(s, data[k] >> 8) !=
		    first + (uint64_t)k) {
			good = -1;
			break;
		}
		good++;
	}
	free(data);
	return good;
}

static void test_recorder_follows_across_wrap(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/follow", tmp_root);
	struct test_backend_config bc = {
		.sample_rate = RATE, .period = PERIOD,
		.cycle_us = PERIOD * 1000000 / RATE / 4,
		.sources = sources, .source_count = 2,
	};
	test_backend_configure(&bc);
	struct control_config cc = { .session_dir = dir,
	                             .format = TAKE_FORMAT_PCM24,
	                             .buffer_seconds = 8.0 };
	struct control *c = NULL;
	struct error err = { 0 };
	REQUIRE_OK(control_open(&cc, &c, &err), &err);
	control_set_quiet(c, true);
	control_set_transport_mode(c, JACK_TRANSPORT_FOLLOW);
	const char *names[] = { sources[0].name, sources[1].name };
	REQUIRE_OR(control_start_with_sources(c, names, 2, &err) == RL_OK,
	           control_close(c));
	/* Half a second before JACK's position wraps. */
	const int64_t from = (int64_t)(WRAP - RATE / 2);
	char where[32];
	snprintf(where, sizeof where, "%lldf", (long long)from);
	CHECK_OK(action_locate(c, where, &err), &err);
	CHECK_OK(action_record_ready(c, true, &err), &err);
	CHECK_OK(action_play(c, &err), &err);
	CHECK(poll_until(c, recording));
	CHECK(poll_until(c, past_wrap));
	CHECK(recording(c)); /* the wrap ended nothing */
	CHECK_OK(action_record_ready(c, false, &err), &err); /* stops it */
	CHECK(poll_until(c, one_take_done));
	control_lock(c);
	const struct session *s = control_session(c);
	const struct session_take *t = s->take_count ? &s->takes[0] : NULL;
	CHECK(s->take_count == 1);
	if (t) {
		CHECK_EQ((int64_t)t->start_frame, from);
		CHECK((int64_t)(t->start_frame + t->length) >
		      (int64_t)(WRAP + RATE));
		CHECK(t->complete && t->xruns == 0 &&
		      t->xrun_marker_count == 0);
		CHECK_MSG(!t->end_reason[0], "end_reason: %s", t->end_reason);
		for (size_t i = 0; i < t->file_count; i++) {
			char path[1024];
			snprintf(path, sizeof path, "%s/%s", dir,
			         t->files[i].path);
			CHECK_EQ(counter_run(path, (uint32_t)i),
			         (long)t->length);
		}
	}
	control_unlock(c);
	control_close(c);
}

int main(void)
{
	if (!check_tmpdir(tmp_root, sizeof tmp_root, "clock_wrap"))
		return 2;
	test_clock_jumped();
	test_transport_frame();
	test_take_across_both_wraps();
	test_real_jumps_at_the_wrap();
	test_recorder_follows_across_wrap();
	if (check_failures) {
		fprintf(stderr, "test_clock_wrap: %d of %d checks failed "
		        "(files kept in %s)\n", check_failures, check_count,
		        tmp_root);
		return 1;
	}
	check_rmtree(tmp_root);
	printf("test_clock_wrap: all %d checks passed\n", check_count);
	return 0;
}
