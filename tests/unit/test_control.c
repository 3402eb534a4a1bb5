/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control layer without jackd: the real control, engine, disk writer
 * and session on top of the test backend (test_backend.h), whose thread
 * runs the engine's cycles at four times real time on a frame counter.
 * Every take is read back with libsndfile: each file as long as the take,
 * every frame there once and in order, all tracks starting on the same
 * frame. Exact frames come from `at` commands sent while the backend's
 * cycles are paused, so the results do not depend on the host's timing;
 * only the stall guard and the save cadence measure wall time, as the
 * rules they test are about wall time.
 *
 * The TSan suite runs this too: the control thread (this one), the
 * backend's audio thread, the disk writer and reader all meet here.
 */
#include "check.h"
#include "test_backend.h"

#include "redlight/comp.h"
#include "redlight/control.h"
#include "redlight/session.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE 48000
#define PERIOD 256
/* Four times real time: fast, and the writer still keeps up under TSan. */
#define CYCLE_US (PERIOD * 1000000 / RATE / 4)

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* Every session of the run, in one check_tmpdir() directory. */
static char tmp_root[512];

static void session_dir(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", tmp_root, name);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static const struct test_source three_sources[] = {
	{ .name = "system:capture_1" },
	{ .name = "system:capture_2" },
	{ .name = "system:capture_3" },
};

/* The source a track records: the one its name came from. */
static int source_of(const struct test_source *src, size_t n,
                     const char *track_name)
{
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(src[i].name, ':');
		if (!strcmp(colon ? colon + 1 : src[i].name, track_name))
			return (int)i;
	}
	return -1;
}

struct rig {
	char dir[512];
	struct control *c;
	struct jack_backend *jb;
	const struct test_source *src;
	size_t src_count;
	/* The first failure control_poll() reported, and how many. */
	enum rl_status poll_status;
	struct error poll_err;
	unsigned poll_failures;
};

/* A session `name` recording every source, started; NULL on failure. */
static bool rig_start(struct rig *r, const char *name,
                      const struct test_source *src, size_t n,
                      uint32_t playback_latency)
{
	*r = (struct rig){ .src = src, .src_count = n };
	session_dir(name, r->dir, sizeof r->dir);
	struct test_backend_config bc = {
		.sample_rate = RATE, .period = PERIOD, .cycle_us = CYCLE_US,
		.sources = src, .source_count = n,
		.playback_latency = playback_latency,
	};
	test_backend_configure(&bc);
	struct control_config cc = {
		.session_dir = r->dir,
		.format = TAKE_FORMAT_PCM24,
		.buffer_seconds = 8.0, /* two seconds of wall time */
	};
	struct error err;
	if (control_open(&cc, &r->c, &err) != RL_OK) {
		fprintf(stderr, "control_open: %s\n", err.message);
		return false;
	}
	control_set_quiet(r->c, true); /* the messages go to the log */
	r->jb = test_backend_last();
	const char *names[8];
	for (size_t i = 0; i < n; i++)
		names[i] = src[i].name;
	if (control_start_with_sources(r->c, names, n, &err) != RL_OK) {
		fprintf(stderr, "control_start_with_sources: %s\n", err.message);
		control_close(r->c);
		r->c = NULL;
		return false;
	}
	return true;
}

static void rig_poll(struct rig *r)
{
	struct error err = { 0 };
	enum rl_status st = control_poll(r->c, &err);
	if (st != RL_OK) {
		if (r->poll_failures++ == 0) {
			r->poll_status = st;
			r->poll_err = err;
		}
	}
}

/* Poll as a front-end does (every 5 ms) until `done`; false on timeout. */
static bool rig_poll_until(struct rig *r, bool (*done)(struct rig *),
                           unsigned timeout_ms)
{
	double end = now_s() + timeout_ms / 1e3;
	for (;;) {
		rig_poll(r);
		if (done(r))
			return true;
		if (now_s() > end)
			return false;
		nap_ms(5);
	}
}

static bool idle(struct rig *r)
{
	return !control_busy(r->c);
}

static bool rolling(struct rig *r)
{
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	return snap.transport == ENGINE_ROLLING;
}

static bool stopped(struct rig *r)
{
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	return snap.transport == ENGINE_STOPPED;
}

static uint64_t take_frames(struct rig *r)
{
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	return snap.take_frames;
}

/* A take started after the last finished one records, and holds at
 * least `frames` (the snapshot keeps the last take's count until the next
 * one starts). */
static bool take_recording(struct rig *r, uint64_t frames)
{
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	struct control_take_summary last = { 0 };
	control_last_take(r->c, &last);
	return snap.transport == ENGINE_RECORDING && snap.take > last.number &&
	       snap.take_frames >= frames;
}

/* Poll until the take recording now holds at least `frames`. */
static bool record_for(struct rig *r, uint64_t frames)
{
	double end = now_s() + 20.0;
	/* Twice in a row: the snapshot's fields are read one by one. */
	while (!take_recording(r, frames) || !take_recording(r, frames)) {
		rig_poll(r);
		if (now_s() > end)
			return false;
		nap_ms(5);
	}
	return true;
}

static struct session *load_session(const char *dir)
{
	struct session *s = NULL;
	struct error err;
	if (session_open(dir, &s, &err) != RL_OK) {
		fprintf(stderr, "session_open %s: %s\n", dir, err.message);
		return NULL;
	}
	return s;
}

/*
 * Read every file of take `t` back and check that each is the take's
 * length, holds its source's frame counter with every frame once and in
 * order, and starts on the same frame as the others. Returns that first
 * frame (the engine clock frame the take started on), UINT64_MAX if any
 * check failed.
 */
static uint64_t check_take_files(const struct rig *r,
                                 const struct session_take *t)
{
	uint64_t first_all = UINT64_MAX;
	bool ok = t->file_count > 0;
	CHECK(t->file_count > 0);
	for (size_t i = 0; i < t->file_count; i++) {
		const struct session_take_file *f = &t->files[i];
		int s = source_of(r->src, r->src_count, f->track_name);
		CHECK(s >= 0);
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", r->dir, f->path);
		SF_INFO info = { 0 };
		SNDFILE *sf = sf_open(path, SFM_READ, &info);
		CHECK(sf != NULL);
		if (!sf || s < 0) {
			if (sf)
				sf_close(sf);
			ok = false;
			continue;
		}
		CHECK_EQ_U64(info.channels, 1);
		CHECK_EQ_U64(info.frames, t->length);
		ok &= info.channels == 1 && (uint64_t)info.frames == t->length;
		size_t n = (size_t)info.frames;
		int *data = malloc((n ? n : 1) * sizeof *data);
		if (!data) {
			sf_close(sf);
			return UINT64_MAX;
		}
		sf_count_t got = sf_readf_int(sf, data, (sf_count_t)n);
		sf_close(sf);
		CHECK_EQ_U64(got, n);
		uint64_t first = n ? test_backend_counter_frame(
		                             (uint32_t)s, data[0] >> 8)
		                   : UINT64_MAX;
		uint64_t bad = 0;
		for (size_t k = 0; k < n; k++) {
			uint64_t fr = test_backend_counter_frame((uint32_t)s,
			                                         data[k] >> 8);
			if (fr == first + k)
				continue;
			if (bad++ == 0)
				fprintf(stderr, "take %u %s: frame %zu holds "
				        "clock frame %lld, want %llu\n",
				        t->number, f->path, k,
				        fr == UINT64_MAX ? -1LL : (long long)fr,
				        (unsigned long long)(first + k));
		}
		free(data);
		CHECK_EQ_U64(bad, 0);
		ok &= bad == 0;
		if (i == 0)
			first_all = first;
		else
			CHECK_EQ_U64(first, first_all);
		ok &= first == first_all;
	}
	return ok ? first_all : UINT64_MAX;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

/*
 * A take from clock frame A to B (sent while the cycles are paused): every
 * file is B - A frames of the counter from A, on every track. The next
 * take, started and stopped "now", continues the timeline where the first
 * stopped.
 */
static void test_record_stop(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "record", three_sources, 3, 0));
	struct control_record_options opt;
	control_record_options_init(&opt);

	test_backend_pause(r.jb);
	uint64_t at = test_backend_frames(r.jb) + 3 * PERIOD + 17;
	uint64_t length = 30011;
	opt.at = at;
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(control_busy(r.c));
	CHECK_OK(control_stop(r.c, at + length, &err), &err);
	test_backend_resume(r.jb);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 0);

	struct control_take_summary sum;
	CHECK(control_next_finished(r.c, &sum));
	CHECK_EQ_U64(sum.number, 1);
	CHECK_EQ_U64(sum.tracks, 3);
	CHECK_EQ_U64(sum.frames, length);
	CHECK_EQ_U64(sum.dropped_frames, 0);
	CHECK(!control_next_finished(r.c, &sum));
	CHECK_EQ_U64(control_takes_finished(r.c), 1);
	CHECK(stopped(&r));

	/* A second take, now until a little later. */
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 5000));
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 0);
	CHECK_EQ_U64(control_takes_finished(r.c), 2);
	control_close(r.c);
	CHECK(test_backend_last() == NULL); /* control freed its backend */

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ_U64(s->take_count, 2);
	CHECK_EQ_U64(s->track_count, 3);
	CHECK_EQ_U64(s->sample_rate, RATE);
	const struct session_take *t1 = session_find_take(s, 1);
	const struct session_take *t2 = session_find_take(s, 2);
	CHECK(t1 && t2);
	if (t1 && t2) {
		CHECK(t1->complete && t2->complete);
		CHECK_EQ_U64(t1->length, length);
		CHECK_EQ_U64(t1->start_frame, 0);
		CHECK_EQ_U64(t1->file_count, 3);
		CHECK(t1->end_reason[0] == '\0');
		CHECK_EQ_U64(check_take_files(&r, t1), at);
		/* The transport stopped where take 1 ended. */
		CHECK_EQ_U64(t2->start_frame, length);
		CHECK(t2->length >= 5000);
		uint64_t first2 = check_take_files(&r, t2);
		CHECK(first2 != UINT64_MAX && first2 > at + length);
	}
	session_free(s);
}

/* Every refusal: the right status and a message that says why. */
static void test_refusals(void)
{
	struct rig r;
	struct error err = { 0 };
	char dir[512];
	session_dir("refusals", dir, sizeof dir);
	/* A session whose track "capture_2" is rec-safe. */
	struct session *s = NULL;
	REQUIRE_OK(session_open(dir, &s, &err), &err);
	size_t idx = 0;
	CHECK_OK(session_add_track(s, "capture_2", "system:capture_2", &idx,
	                           &err), &err);
	CHECK_OK(session_set_track_rec_safe(s, idx, true, &err), &err);
	CHECK_OK(session_save(s, &err), &err);
	session_free(s);

	/* Before the recorder starts. */
	struct test_backend_config bc = { .sample_rate = RATE,
		.period = PERIOD, .cycle_us = CYCLE_US,
		.sources = three_sources, .source_count = 2 };
	test_backend_configure(&bc);
	struct control_config cc = { .session_dir = dir,
	                             .buffer_seconds = 8.0 };
	struct control *c = NULL;
	REQUIRE_OK(control_open(&cc, &c, &err), &err);
	control_set_quiet(c, true);
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_REFUSED(control_record(c, &opt, &err), RL_ERR_STATE,
	              "not started", &err);
	CHECK_REFUSED(control_play(c, &err), RL_ERR_STATE, "not started", &err);
	CHECK_REFUSED(control_loop(c, true, 0, 100, &err), RL_ERR_STATE,
	              "not started", &err);
	CHECK_REFUSED(control_stop_after_pass(c, &err), RL_ERR_STATE,
	              "not looping", &err);
	CHECK_REFUSED(control_start_with_sources(c, NULL, 0, &err),
	              RL_ERR_INVALID, "no tracks", &err);
	control_close(c);

	/* A source that does not exist (in a session of its own: the
	 * track made for it stays in that session). */
	char dir2[512];
	session_dir("refusals-port", dir2, sizeof dir2);
	struct control_config cc2 = { .session_dir = dir2,
	                              .buffer_seconds = 8.0 };
	test_backend_configure(&bc);
	REQUIRE_OK(control_open(&cc2, &c, &err), &err);
	control_set_quiet(c, true);
	const char *missing[] = { "system:capture_9" };
	CHECK_REFUSED(control_start_with_sources(c, missing, 1, &err),
	              RL_ERR_NOT_FOUND, "system:capture_9", &err);
	control_close(c);

	test_backend_configure(&bc);
	REQUIRE_OK(control_open(&cc, &c, &err), &err);
	control_set_quiet(c, true);
	r = (struct rig){ .c = c, .jb = test_backend_last(),
	                  .src = three_sources, .src_count = 2 };
	snprintf(r.dir, sizeof r.dir, "%s", dir);
	const char *names[] = { "system:capture_1", "system:capture_2" };
	REQUIRE_OR(control_start_with_sources(c, names, 2, &err) == RL_OK,
	           control_close(c));
	CHECK_REFUSED(control_start_with_sources(c, names, 2, &err),
	              RL_ERR_STATE, "already started", &err);
	/* Track 1 is the rec-safe capture_2, track 2 is capture_1. */
	struct control_track tracks[4];
	REQUIRE_OR(control_tracks(c, tracks, 4) == 2, control_close(c));
	CHECK(tracks[0].rec_safe && !tracks[0].armed && tracks[0].has_input);
	CHECK(!tracks[1].rec_safe && tracks[1].armed);

	/* Stopped. */
	CHECK_REFUSED(control_arm_track(c, 1, true, &err), RL_ERR_STATE,
	              "rec-safe", &err);
	CHECK_REFUSED(control_arm_track(c, 9, true, &err), RL_ERR_NOT_FOUND,
	              "no track 9", &err);
	CHECK_REFUSED(control_arm(c, 7, true, &err), RL_ERR_INVALID,
	              "no track 8", &err);
	CHECK_REFUSED(control_monitor_track(c, 0, true, 0.0, &err),
	              RL_ERR_NOT_FOUND, "no track 0", &err);
	CHECK_REFUSED(control_loop(c, true, 4800, 4800, &err), RL_ERR_INVALID,
	              "the end must come after the start", &err);
	CHECK_REFUSED(control_loop(c, true, -1, 4800, &err), RL_ERR_INVALID,
	              "at or after 0", &err);
	CHECK_REFUSED(control_new_take(c, &err), RL_ERR_STATE,
	              "needs a take recording", &err);
	CHECK_REFUSED(control_add_marker(c, "verse", &err), RL_ERR_STATE,
	              "needs a take recording", &err);
	CHECK_REFUSED(control_stop_after_pass(c, &err), RL_ERR_STATE,
	              "not looping", &err);
	CHECK_REFUSED(control_take_keep(c, 7, 0, &err), RL_ERR_NOT_FOUND,
	              "no take 7", &err);
	CHECK_REFUSED(control_take_rate(c, 7, 3, &err), RL_ERR_NOT_FOUND,
	              "no take 7", &err);
	CHECK_REFUSED(control_take_note(c, 7, "good", &err),
	              RL_ERR_NOT_FOUND, "no take 7", &err);
	CHECK_REFUSED(control_take_discard(c, 7, &err), RL_ERR_NOT_FOUND,
	              "no take 7", &err);
	CHECK_REFUSED(control_use_comp(c, 3, true, &err), RL_ERR_NOT_FOUND,
	              "3", &err);
	CHECK_REFUSED(control_set_scratch_offset(c, 100, &err), RL_ERR_STATE,
	              "no scratch", &err);
	CHECK_REFUSED(control_set_click_level(c, false, 7.0, &err),
	              RL_ERR_INVALID, "want -inf to +6 dB", &err);
	CHECK_REFUSED(control_set_click_level(c, true, NAN, &err),
	              RL_ERR_INVALID, "want -inf to +6 dB", &err);
	CHECK_REFUSED(control_set_stream_level(c, 5, 0.0, &err),
	              RL_ERR_INVALID, "no playback stream 5", &err);
	CHECK_REFUSED(control_locate_bar(c, 0, &err), RL_ERR_INVALID,
	              "bars count from 1", &err);
	CHECK_REFUSED(control_locate_section(c, "chorus9", &err),
	              RL_ERR_NOT_FOUND, "chorus9", &err);
	int64_t frame = 0;
	CHECK_REFUSED(control_parse_position(c, "soon", &frame, &err),
	              RL_ERR_NOT_FOUND, "is not a bar", &err);
	CHECK_OK(control_parse_position(c, "2", &frame, &err), &err);
	CHECK_EQ_U64(frame, 2 * RATE); /* bar 2 at 120 bpm in 4/4 */
	opt.punch_in = 9600;
	opt.punch_out = 9600;
	CHECK_REFUSED(control_record(c, &opt, &err), RL_ERR_INVALID,
	              "must come after punch-in", &err);
	control_record_options_init(&opt);
	CHECK_OK(control_arm_track(c, 2, false, &err), &err);
	CHECK_REFUSED(control_record(c, &opt, &err), RL_ERR_STATE,
	              "no track is armed", &err);
	CHECK_OK(control_arm_track(c, 2, true, &err), &err);
	CHECK(!control_busy(c));

	/* Rolling, not recording: the scratch track waits for a stop. */
	CHECK_OK(control_play(c, &err), &err);
	CHECK(rig_poll_until(&r, rolling, 5000));
	CHECK_REFUSED(control_set_scratch(c, "/nonexistent.wav", 0, &err),
	              RL_ERR_STATE, "stop the transport", &err);
	CHECK_OK(control_stop(c, 0, &err), &err);
	CHECK(rig_poll_until(&r, stopped, 5000));

	/* Recording. */
	CHECK_OK(control_record(c, &opt, &err), &err);
	CHECK(record_for(&r, 2000));
	CHECK_REFUSED(control_record(c, &opt, &err), RL_ERR_STATE,
	              "already recording", &err);
	CHECK_REFUSED(control_record_now(c, &err), RL_ERR_STATE,
	              "already recording", &err);
	CHECK_REFUSED(control_arm_track(c, 2, false, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_arm(c, 0, true, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_locate(c, 0, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_locate_bar(c, 3, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_return_to_start(c, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_loop(c, true, 0, 48000, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_loop(c, false, 0, 0, &err), RL_ERR_STATE,
	              "while recording", &err);
	CHECK_REFUSED(control_set_scratch(c, "/nonexistent.wav", 0, &err),
	              RL_ERR_STATE, "stop the transport", &err);
	struct comp_choice choice = { .section = "verse", .take = 1 };
	uint32_t comp = 0;
	CHECK_REFUSED(control_make_comp(c, 2, 0, &choice, 1, 10.0, &comp,
	                                &err),
	              RL_ERR_STATE, "not while recording", &err);
	CHECK_REFUSED(control_take_keep(c, 1, 0, &err), RL_ERR_STATE,
	              "not complete", &err);
	char longname[80];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_REFUSED(control_add_marker(c, longname, &err), RL_ERR_INVALID,
	              "at most 63", &err);
	CHECK_REFUSED(control_stop_after_pass(c, &err), RL_ERR_STATE,
	              "not looping", &err);
	CHECK_OK(control_stop(c, 0, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 0);

	/* Stopped again: nothing records. */
	CHECK_REFUSED(control_new_take(c, &err), RL_ERR_STATE,
	              "needs a take recording", &err);
	CHECK_REFUSED(control_add_marker(c, NULL, &err), RL_ERR_STATE,
	              "needs a take recording", &err);
	/* The take only has track 2 (capture_1): track 1 was rec-safe. */
	CHECK_REFUSED(control_take_keep(c, 1, 1, &err), RL_ERR_NOT_FOUND,
	              "no file of track 1", &err);
	CHECK_REFUSED(control_take_rate(c, 1, 6, &err), RL_ERR_INVALID,
	              "0 to 5", &err);
	CHECK_OK(control_take_keep(c, 1, 2, &err), &err);
	CHECK_OK(control_take_rate(c, 1, 4, &err), &err);
	control_close(c);

	s = load_session(dir);
	REQUIRE(s);
	const struct session_take *t = session_find_take(s, 1);
	CHECK(t != NULL);
	if (t) {
		CHECK_EQ_U64(t->file_count, 1);
		CHECK_EQ_U64(t->files[0].track, 2);
		CHECK(t->files[0].keeper);
		CHECK_EQ_U64(t->rating, 4);
		CHECK_EQ_U64(t->marker_count, 0);
		CHECK(check_take_files(&r, t) != UINT64_MAX);
	}
	CHECK_EQ_U64(s->take_count, 1);
	session_free(s);
}

/*
 * Recording in a loop: each pass is a take of its own, exactly the loop's
 * length, the next one starting on the frame after the last one's end
 * (gapless); control keeps take numbers queued for the passes. Stop after
 * the pass ends the last take on the loop's end; the numbers queued for
 * passes that never came are cancelled (their directories to trash/,
 * gone from session.json). A plain stop cuts the pass short the same way.
 * With the loop off the take runs past the old loop end.
 */
static void test_loop(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "loop", three_sources, 2, 0));
	const int64_t start = 4800, end = 4800 + 9600;
	CHECK_OK(control_loop(r.c, true, start, end, &err), &err);
	CHECK_OK(control_locate(r.c, start, &err), &err);
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	double t0 = now_s();
	while (control_takes_finished(r.c) < 4 && now_s() - t0 < 20.0) {
		rig_poll(&r);
		nap_ms(5);
	}
	CHECK(control_takes_finished(r.c) >= 4);
	CHECK_OK(control_stop_after_pass(r.c, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK(rig_poll_until(&r, stopped, 5000));
	CHECK_EQ_U64(r.poll_failures, 0);
	uint32_t passes = control_takes_finished(r.c);
	CHECK(passes >= 5);

	/* Cut a pass short with a plain stop. */
	CHECK_OK(control_locate(r.c, start, &err), &err);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	t0 = now_s();
	while (control_takes_finished(r.c) < passes + 1 && now_s() - t0 < 20.0) {
		rig_poll(&r);
		nap_ms(5);
	}
	/* Stop at a cycle boundary well inside a pass: the pass ends on
	 * the frame the cycles paused at. */
	bool inside = false;
	for (int i = 0; i < 1000 && !inside; i++) {
		test_backend_pause(r.jb);
		uint64_t n = take_frames(&r);
		inside = n >= 1000 && n + 1000 <= (uint64_t)(end - start);
		if (!inside) {
			test_backend_resume(r.jb);
			nap_ms(2);
		}
	}
	CHECK(inside);
	uint64_t cut_length = take_frames(&r);
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	test_backend_resume(r.jb);
	CHECK(rig_poll_until(&r, idle, 20000));
	uint32_t cut = control_takes_finished(r.c);
	CHECK(cut >= passes + 2);

	/* Loop off: one take, past the old loop end. */
	CHECK_OK(control_loop(r.c, false, 0, 0, &err), &err);
	CHECK_OK(control_locate(r.c, start, &err), &err);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 2 * 9600));
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(control_takes_finished(r.c), cut + 1);
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(r.c);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ_U64(s->take_count, cut + 1);
	uint64_t prev_first = 0, prev_len = 0;
	uint32_t prev_number = 0;
	for (size_t i = 0; i < s->take_count; i++) {
		const struct session_take *t = &s->takes[i];
		CHECK(t->complete);
		CHECK(t->number > prev_number);
		uint64_t first = check_take_files(&r, t);
		CHECK(first != UINT64_MAX);
		if (i < passes) {
			/* Every pass of the first recording: whole, gapless. */
			CHECK_EQ_U64(t->start_frame, start);
			CHECK_EQ_U64(t->length, end - start);
			CHECK_EQ_U64(t->number, i + 1);
			if (i > 0)
				CHECK_EQ_U64(first, prev_first + prev_len);
		} else if (i < cut) {
			CHECK_EQ_U64(t->start_frame, start);
			if (i == passes) /* a new RECORD: new numbers */
				CHECK(t->number > prev_number + 1);
			else
				CHECK_EQ_U64(first, prev_first + prev_len);
			if (i + 1 < cut)
				CHECK_EQ_U64(t->length, end - start);
			else
				CHECK_EQ_U64(t->length, cut_length);
		} else {
			CHECK_EQ_U64(t->start_frame, start);
			CHECK(t->length >= 2 * 9600);
		}
		prev_first = first;
		prev_len = t->length;
		prev_number = t->number;
	}
	session_free(s);
	/* The queued numbers that got no pass went to trash/. */
	char trash[600];
	snprintf(trash, sizeof trash, "%s/trash", r.dir);
	CHECK(count_entries(trash) >= 2);
	char takes[600];
	snprintf(takes, sizeof takes, "%s/takes", r.dir);
	CHECK_EQ_U64(count_entries(takes), cut + 1);
}

/*
 * A split: the next take starts on the frame the last one ended, on the
 * timeline and in the samples; two calls the audio thread takes in one
 * cycle make one split. A marker goes to the take recording.
 */
static void test_split(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "split", three_sources, 2, 0));
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 6000));
	test_backend_pause(r.jb);
	CHECK_OK(control_new_take(r.c, &err), &err);
	/* The same split: no take 3. */
	CHECK_OK(control_new_take(r.c, &err), &err);
	test_backend_resume(r.jb);
	double t0 = now_s();
	struct engine_snapshot snap;
	do {
		rig_poll(&r);
		control_snapshot(r.c, &snap);
		nap_ms(2);
	} while (snap.take != 2 && now_s() - t0 < 10.0);
	CHECK_EQ_U64(snap.take, 2);
	CHECK(record_for(&r, 3000));
	CHECK_OK(control_add_marker(r.c, "second", &err), &err);
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 0);
	CHECK_EQ_U64(control_takes_finished(r.c), 2);
	uint32_t mtake = 0;
	CHECK(control_last_marker(r.c, &mtake, NULL));
	CHECK_EQ_U64(mtake, 2);
	control_close(r.c);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ_U64(s->take_count, 2);
	const struct session_take *a = session_find_take(s, 1);
	const struct session_take *b = session_find_take(s, 2);
	REQUIRE_OR(a && b, session_free(s));
	uint64_t fa = check_take_files(&r, a), fb = check_take_files(&r, b);
	CHECK(fa != UINT64_MAX);
	CHECK(a->length >= 6000);
	CHECK_EQ_U64(fb, fa + a->length);
	CHECK_EQ_U64(b->start_frame, a->start_frame + a->length);
	CHECK_EQ_U64(a->marker_count, 0);
	CHECK_EQ_U64(b->marker_count, 1);
	if (b->marker_count == 1) {
		CHECK(!strcmp(b->markers[0].name, "second"));
		CHECK(b->markers[0].frame >= b->start_frame + 3000);
		CHECK(b->markers[0].frame < b->start_frame + b->length);
	}
	session_free(s);
}

/* The sample of take t's file of source `src` at `offset`, as its
 * counter's clock frame. */
static uint64_t clock_frame_at(const struct rig *r,
                               const struct session_take *t, uint32_t src,
                               uint64_t offset)
{
	for (size_t i = 0; i < t->file_count; i++) {
		const struct session_take_file *f = &t->files[i];
		if (source_of(r->src, r->src_count, f->track_name) != (int)src)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", r->dir, f->path);
		SF_INFO info = { 0 };
		SNDFILE *sf = sf_open(path, SFM_READ, &info);
		if (!sf)
			return UINT64_MAX;
		int v = 0;
		bool ok = sf_seek(sf, (sf_count_t)offset, SEEK_SET) >= 0 &&
		          sf_readf_int(sf, &v, 1) == 1;
		sf_close(sf);
		return ok ? test_backend_counter_frame(src, v >> 8) : UINT64_MAX;
	}
	return UINT64_MAX;
}

/* Locate (stopped) and wait until the engine is there. */
static bool locate_and_wait(struct rig *r, int64_t frame)
{
	struct error err;
	if (control_locate(r->c, frame, &err) != RL_OK)
		return false;
	double t0 = now_s();
	struct engine_snapshot snap;
	do {
		nap_ms(2);
		control_snapshot(r->c, &snap);
	} while (snap.timeline != frame && now_s() - t0 < 5.0);
	return snap.timeline == frame;
}

/*
 * One marker at a paused cycle boundary. Returns the clock frame that
 * arrived next (what the marker must point at in the files) and the
 * timeline the snapshot showed.
 */
static void marker_now(struct rig *r, const char *name, uint64_t *clock,
                       int64_t *timeline, struct session_marker *saved)
{
	struct error err = { 0 };
	test_backend_pause(r->jb);
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	*clock = test_backend_frames(r->jb);
	*timeline = snap.timeline;
	CHECK_OK(control_add_marker(r->c, name, &err), &err);
	CHECK(control_last_marker(r->c, NULL, saved));
	test_backend_resume(r->jb);
}

/*
 * Latency: capture_1 arrives 300 frames late, capture_2 100, the outputs
 * play 200 late; a take moves earlier by the worst armed input plus the
 * playback latency (never before frame 0), and so does each marker, so
 * it sits on the frame of the files that was arriving when it was set.
 */
static void test_marker_latency(void)
{
	static const struct test_source late[] = {
		{ .name = "system:capture_1", .capture_latency = 300 },
		{ .name = "system:capture_2", .capture_latency = 100 },
	};
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "latency", late, 2, 200));
	struct control_record_options opt;
	control_record_options_init(&opt);

	/* Far from frame 0: the whole correction, 300 + 200. */
	CHECK(locate_and_wait(&r, 48000));
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 5000));
	uint64_t clock1, clock2;
	int64_t tl1, tl2;
	struct session_marker m1, m2;
	marker_now(&r, "verse", &clock1, &tl1, &m1);
	CHECK_EQ_U64(m1.frame, tl1 - 500);
	CHECK(!strcmp(m1.name, "verse"));
	/* Saved at once, while the take records. */
	struct session *s = load_session(r.dir);
	REQUIRE_OR(s, control_close(r.c));
	const struct session_take *t = session_find_take(s, 1);
	CHECK(t && !t->complete && t->marker_count == 1);
	if (t && t->marker_count == 1)
		CHECK_EQ_U64(t->markers[0].frame, tl1 - 500);
	session_free(s);
	CHECK(record_for(&r, 9000));
	marker_now(&r, NULL, &clock2, &tl2, &m2);
	CHECK(!strcmp(m2.name, "marker 2"));
	CHECK(record_for(&r, 9000 + 2 * PERIOD + (uint64_t)(tl2 - tl1)));
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));

	/* Near frame 0 with only capture_2 armed: 100 + 200 = 300, of
	 * which the take can only move 200. */
	CHECK_OK(control_arm(r.c, 0, false, &err), &err);
	CHECK(locate_and_wait(&r, 200));
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 4000));
	uint64_t clock3;
	int64_t tl3;
	struct session_marker m3;
	marker_now(&r, "low", &clock3, &tl3, &m3);
	CHECK_EQ_U64(m3.frame, tl3 - 200);
	/* A marker set just as the take stops: the frame arriving next
	 * never makes it into the take, the marker goes on its last one. */
	CHECK(record_for(&r, 8000));
	test_backend_pause(r.jb);
	CHECK_OK(control_add_marker(r.c, "end", &err), &err);
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	test_backend_resume(r.jb);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(r.c);

	s = load_session(r.dir);
	REQUIRE(s);
	const struct session_take *a = session_find_take(s, 1);
	const struct session_take *b = session_find_take(s, 2);
	REQUIRE_OR(a && b, session_free(s));
	CHECK_EQ_U64(a->latency_correction, 500);
	CHECK_EQ_U64(a->start_frame, 48000 - 500);
	CHECK(check_take_files(&r, a) != UINT64_MAX);
	CHECK_EQ_U64(a->marker_count, 2);
	if (a->marker_count == 2) {
		CHECK_EQ_U64(a->markers[0].frame, m1.frame);
		CHECK_EQ_U64(a->markers[1].frame, m2.frame);
		/* On the frame that arrived next when it was set. */
		for (uint32_t src = 0; src < 2; src++) {
			CHECK_EQ_U64(clock_frame_at(&r, a, src,
			             a->markers[0].frame - a->start_frame),
			             clock1);
			CHECK_EQ_U64(clock_frame_at(&r, a, src,
			             a->markers[1].frame - a->start_frame),
			             clock2);
		}
	}
	CHECK_EQ_U64(b->latency_correction, 200);
	CHECK_EQ_U64(b->start_frame, 0);
	CHECK_EQ_U64(b->file_count, 1);
	CHECK(check_take_files(&r, b) != UINT64_MAX);
	CHECK_EQ_U64(b->marker_count, 2);
	if (b->marker_count == 2) {
		CHECK_EQ_U64(b->markers[0].frame, m3.frame);
		CHECK_EQ_U64(clock_frame_at(&r, b, 1,
		                            b->markers[0].frame - b->start_frame),
		             clock3);
		CHECK_EQ_U64(b->markers[1].frame,
		             b->start_frame + b->length - 1);
	}
	session_free(s);
}

/*
 * A write error (RLIMIT_FSIZE: EFBIG, as a full disk gives ENOSPC) stops
 * the take on one frame for every track, and control_poll() says so once.
 * The next take, with room again, records normally.
 */
static void test_disk_error(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "disk_error", three_sources, 3, 0));
	struct rlimit old, lim;
	REQUIRE_OR(getrlimit(RLIMIT_FSIZE, &old) == 0, control_close(r.c));
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	/* 64 KiB: about 21800 frames of 24-bit mono; session.json and the
	 * log stay far below. */
	lim = old;
	lim.rlim_cur = 64 * 1024;
	REQUIRE_OR(setrlimit(RLIMIT_FSIZE, &lim) == 0, control_close(r.c));
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	double t0 = now_s();
	while (r.poll_failures == 0 && now_s() - t0 < 20.0) {
		rig_poll(&r);
		nap_ms(5);
	}
	CHECK_EQ_U64(r.poll_failures, 1);
	CHECK(r.poll_status == RL_ERR_IO);
	CHECK(strstr(r.poll_err.message, "takes/001/") != NULL);
	CHECK(strstr(r.poll_err.message, strerror(EFBIG)) != NULL);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK(rig_poll_until(&r, stopped, 5000));
	CHECK_EQ_U64(r.poll_failures, 1); /* told once */
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	struct control_take_summary sum;
	CHECK(control_last_take(r.c, &sum));
	CHECK_EQ_U64(sum.number, 1);
	/* Every file is cut to where the shortest got when the first write
	 * failed (the writer stops writing the take then): no later than
	 * where the failing file gave out. */
	const char *after = strstr(r.poll_err.message, " after ");
	unsigned long long reached = after ? strtoull(after + 7, NULL, 10) : 0;
	CHECK(reached > 0 && reached < 64 * 1024 / 3);
	CHECK(sum.frames > 0 && sum.frames <= reached);
	CHECK(strstr(sum.end_reason, strerror(EFBIG)) != NULL);

	/* Room again: the next take records whole. */
	uint32_t failures = r.poll_failures;
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 30000));
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, failures);
	control_close(r.c);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	const struct session_take *a = session_find_take(s, 1);
	const struct session_take *b = session_find_take(s, 2);
	REQUIRE_OR(a && b, session_free(s));
	CHECK(a->complete);
	CHECK_EQ_U64(a->length, sum.frames);
	CHECK_EQ_U64(a->file_count, 3);
	CHECK(strstr(a->end_reason, strerror(EFBIG)) != NULL);
	CHECK(check_take_files(&r, a) != UINT64_MAX);
	CHECK(b->complete && b->length >= 30000 && !b->end_reason[0]);
	CHECK(check_take_files(&r, b) != UINT64_MAX);
	session_free(s);
}

/*
 * control leaves a frozen server's client, and what its audio thread uses,
 * to the process exit (libjack could block for ever); so does the test,
 * once the backend's thread is stopped: kept here, the backend keeps the
 * engine (and its reader, map and click) reachable, where control's one
 * slot for them holds only the last frozen run.
 */
static struct jack_backend *frozen_backends[4];
static size_t frozen_count;

static void leave_frozen(struct jack_backend *jb)
{
	jack_backend_deactivate(jb);
	if (frozen_count < sizeof frozen_backends / sizeof frozen_backends[0])
		frozen_backends[frozen_count++] = jb;
}

/*
 * The stall guard. Cycles that stop while nobody asked to stop lose
 * nothing (the server may come back); a stop pending while they have
 * stopped for CONTROL_STALL_MS finishes the take at what reached the
 * recorder, and control_poll() says why. A short stall under a pending
 * stop, on the other hand, only delays the stop.
 */
static void test_stall_guard(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "stall", three_sources, 2, 0));
	struct control_record_options opt;
	control_record_options_init(&opt);

	/* A short stall with a stop pending: the stop happens as asked. */
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 4000));
	test_backend_pause(r.jb);
	uint64_t stop_at = test_backend_frames(r.jb) + 1000;
	CHECK_OK(control_stop(r.c, stop_at, &err), &err);
	double t0 = now_s();
	while (now_s() - t0 < 1.0) {
		rig_poll(&r);
		nap_ms(20);
	}
	CHECK(control_busy(r.c));
	test_backend_resume(r.jb);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 0);
	struct control_take_summary sum;
	CHECK(control_last_take(r.c, &sum));
	CHECK(!sum.end_reason[0]);

	/* Frozen with nothing pending: control waits, whatever the time. */
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 4000));
	test_backend_pause(r.jb);
	struct engine_snapshot snap;
	control_snapshot(r.c, &snap);
	uint64_t frozen_frames = snap.take_frames;
	t0 = now_s();
	while (now_s() - t0 < CONTROL_STALL_MS / 1e3 + 0.3) {
		rig_poll(&r);
		nap_ms(20);
	}
	CHECK_EQ_U64(r.poll_failures, 0);
	CHECK(control_busy(r.c));

	/* A stop now: given up on after CONTROL_STALL_MS, not before. */
	CHECK_OK(control_stop(r.c, 0, &err), &err);
	t0 = now_s();
	double gave_up = 0;
	while (now_s() - t0 < CONTROL_STALL_MS / 1e3 + 3.0) {
		rig_poll(&r);
		if (r.poll_failures && !gave_up)
			gave_up = now_s() - t0;
		if (gave_up && !control_busy(r.c))
			break;
		nap_ms(20);
	}
	CHECK(gave_up >= CONTROL_STALL_MS / 1e3 - 0.05);
	CHECK(gave_up < CONTROL_STALL_MS / 1e3 + 1.5);
	CHECK_EQ_U64(r.poll_failures, 1);
	CHECK(r.poll_status == RL_ERR_JACK);
	CHECK(strstr(r.poll_err.message, "server frozen") != NULL);
	CHECK(!control_busy(r.c));
	CHECK(control_last_take(r.c, &sum));
	CHECK_EQ_U64(sum.number, 2);
	CHECK_EQ_U64(sum.frames, frozen_frames);
	CHECK(strstr(sum.end_reason, "server frozen") != NULL);
	struct jack_backend *jb = r.jb;
	control_close(r.c);
	CHECK(test_backend_last() == jb);
	leave_frozen(jb);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	const struct session_take *a = session_find_take(s, 1);
	const struct session_take *b = session_find_take(s, 2);
	REQUIRE_OR(a && b, session_free(s));
	uint64_t first = check_take_files(&r, a);
	CHECK(first != UINT64_MAX);
	CHECK_EQ_U64(first + a->length, stop_at);
	CHECK(b->complete);
	CHECK_EQ_U64(b->length, frozen_frames);
	CHECK(check_take_files(&r, b) != UINT64_MAX);
	session_free(s);
}

/*
 * The stall guard under a stop where the loop pass ends: that end never
 * comes either, so the guard gives up the same way, and the numbers
 * queued for later passes are cancelled.
 */
static void test_stall_guard_after_pass(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "stall_pass", three_sources, 2, 0));
	CHECK_OK(control_loop(r.c, true, 0, 4 * RATE, &err), &err);
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 2000));
	CHECK_OK(control_stop_after_pass(r.c, &err), &err);
	test_backend_pause(r.jb);
	struct engine_snapshot snap;
	control_snapshot(r.c, &snap);
	CHECK(snap.take_frames < 4 * RATE); /* still in the first pass */
	CHECK(rig_poll_until(&r, idle, CONTROL_STALL_MS + 3000));
	CHECK_EQ_U64(r.poll_failures, 1);
	CHECK(r.poll_status == RL_ERR_JACK);
	CHECK(strstr(r.poll_err.message, "server frozen") != NULL);
	CHECK_EQ_U64(control_takes_finished(r.c), 1);
	struct control_take_summary sum;
	CHECK(control_last_take(r.c, &sum));
	CHECK_EQ_U64(sum.frames, snap.take_frames);
	struct jack_backend *jb = r.jb;
	control_close(r.c);
	CHECK(test_backend_last() == jb);
	leave_frozen(jb);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ_U64(s->take_count, 1);
	if (s->take_count == 1) {
		CHECK(s->takes[0].complete);
		CHECK_EQ_U64(s->takes[0].length, snap.take_frames);
		CHECK(check_take_files(&r, &s->takes[0]) != UINT64_MAX);
	}
	session_free(s);
}

/*
 * The server dies mid-take: the take ends at what reached the recorder,
 * control_poll() reports JACK's reason, and recording is refused after.
 */
static void test_server_died(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "died", three_sources, 2, 0));
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	CHECK(record_for(&r, 8000));
	test_backend_kill(r.jb, "killed by the test");
	struct engine_snapshot snap;
	control_snapshot(r.c, &snap);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK_EQ_U64(r.poll_failures, 1);
	CHECK(r.poll_status == RL_ERR_JACK);
	CHECK(strstr(r.poll_err.message,
	             "JACK server stopped: killed by the test") != NULL);
	struct control_take_summary sum;
	CHECK(control_last_take(r.c, &sum));
	CHECK_EQ_U64(sum.frames, snap.take_frames);
	CHECK(strstr(sum.end_reason, "killed by the test") != NULL);
	CHECK_REFUSED(control_record(r.c, &opt, &err), RL_ERR_JACK,
	              "killed by the test", &err);
	control_close(r.c);
	CHECK(test_backend_last() == NULL);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	const struct session_take *t = session_find_take(s, 1);
	REQUIRE_OR(t, session_free(s));
	CHECK(t->complete);
	CHECK_EQ_U64(t->length, snap.take_frames);
	CHECK(check_take_files(&r, t) != UINT64_MAX);
	session_free(s);
}

/*
 * The server dies while a loop records: the pass recording is cut where
 * it got to, the passes before it are whole, and the numbers queued for
 * passes that will never come are cancelled as a stop cancels them, so
 * the recorder becomes idle (and can exit) instead of waiting for them.
 */
static void test_server_died_in_loop(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "died_loop", three_sources, 2, 0));
	const int64_t pass = 9600;
	CHECK_OK(control_loop(r.c, true, 0, pass, &err), &err);
	struct control_record_options opt;
	control_record_options_init(&opt);
	CHECK_OK(control_record(r.c, &opt, &err), &err);
	double t0 = now_s();
	while (control_takes_finished(r.c) < 2 && now_s() - t0 < 20.0) {
		rig_poll(&r);
		nap_ms(5);
	}
	CHECK(record_for(&r, 1000));
	test_backend_kill(r.jb, "killed in a loop");
	struct engine_snapshot snap;
	control_snapshot(r.c, &snap);
	CHECK(snap.takes_queued > 0); /* numbers were waiting for passes */
	CHECK(rig_poll_until(&r, idle, 10000));
	CHECK_EQ_U64(r.poll_failures, 1);
	CHECK(r.poll_status == RL_ERR_JACK);
	uint32_t finished = control_takes_finished(r.c);
	CHECK(finished >= 3);
	struct control_take_summary sum;
	CHECK(control_last_take(r.c, &sum));
	CHECK_EQ_U64(sum.number, snap.take);
	CHECK_EQ_U64(sum.frames, snap.take_frames);
	control_close(r.c);

	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ_U64(s->take_count, finished);
	uint64_t prev_end = 0;
	for (size_t i = 0; i < s->take_count; i++) {
		const struct session_take *t = &s->takes[i];
		CHECK(t->complete);
		uint64_t first = check_take_files(&r, t);
		if (i > 0)
			CHECK_EQ_U64(first, prev_end);
		prev_end = first + t->length;
		if (i + 1 < s->take_count) {
			CHECK_EQ_U64(t->length, pass);
		} else {
			CHECK_EQ_U64(t->length, snap.take_frames);
			CHECK(strstr(t->end_reason, "killed in a loop") != NULL);
		}
	}
	session_free(s);
	char trash[600];
	snprintf(trash, sizeof trash, "%s/trash", r.dir);
	CHECK_EQ_U64(count_entries(trash), snap.takes_queued);
}

/* session.json's identity: every save writes a new file and renames it
 * over the old one, so a new inode means a save. */
static ino_t session_inode(const struct rig *r)
{
	char path[600];
	snprintf(path, sizeof path, "%s/session.json", r->dir);
	struct stat st;
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static double saved_click_db(const struct rig *r)
{
	struct session *s = load_session(r->dir);
	double db = s ? s->settings.click_level_db : NAN;
	session_free(s);
	return db;
}

/*
 * Levels changed through control go to session.json from control_poll(),
 * at most once a second (a fader dragged in the UI must not rewrite the
 * file per step), never from the call itself; control_close() saves what
 * is left. The level reaches the audio at once: the click's output
 * follows it.
 */
static void test_save_cadence(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "cadence", three_sources, 2, 0));
	/* The click at 0 dB while rolling, then muted. */
	CHECK_OK(control_set_click(r.c, true, &err), &err);
	CHECK_OK(control_play(r.c, &err), &err);
	uint64_t f = test_backend_frames(r.jb);
	CHECK(test_backend_wait_frames(r.jb, f + RATE, 10000));
	CHECK(test_backend_output_peak(r.jb, ENGINE_OUT_CLICK, true) > 0.1f);

	ino_t ino = session_inode(&r);
	CHECK(ino != 0);
	CHECK_OK(control_set_click_level(r.c, false, -INFINITY, &err), &err);
	CHECK(session_inode(&r) == ino); /* not saved by the call */
	f = test_backend_frames(r.jb);
	CHECK(test_backend_wait_frames(r.jb, f + RATE / 4, 10000));
	test_backend_output_peak(r.jb, ENGINE_OUT_CLICK, true);
	f = test_backend_frames(r.jb);
	CHECK(test_backend_wait_frames(r.jb, f + RATE, 10000));
	CHECK(test_backend_output_peak(r.jb, ENGINE_OUT_CLICK, false) == 0.0f);
	CHECK_OK(control_stop(r.c, 0, &err), &err);

	/* The first poll saves: no save for a second before. */
	CHECK_OK(control_set_click_level(r.c, false, -6.0, &err), &err);
	CHECK(session_inode(&r) == ino);
	CHECK(saved_click_db(&r) == 0.0);
	double saved_at = now_s(); /* the save's clock starts after this */
	rig_poll(&r);
	CHECK(session_inode(&r) != ino);
	ino = session_inode(&r);
	CHECK(saved_click_db(&r) == -6.0);
	CHECK(session_inode(&r) == ino); /* reading it does not save */

	/* A fader dragged: many changes, one save about a second later. */
	for (int i = 0; i < 20; i++) {
		CHECK_OK(control_set_click_level(r.c, false, -7.0 - i, &err),
		         &err);
		CHECK_OK(control_monitor_track(r.c, 1, true, -3.0 - i, &err),
		         &err);
		CHECK_OK(control_set_stream_level(r.c, 0, -9.0 - i, &err),
		         &err);
		rig_poll(&r);
	}
	CHECK(session_inode(&r) == ino); /* none within the second */
	unsigned saves = 0;
	double second_save = 0;
	while (now_s() - saved_at < 2.5) {
		rig_poll(&r);
		ino_t now_ino = session_inode(&r);
		if (now_ino != ino) {
			saves++;
			ino = now_ino;
			if (!second_save)
				second_save = now_s() - saved_at;
		}
		nap_ms(10);
	}
	CHECK_EQ_U64(saves, 1);
	CHECK(second_save >= 1.0);
	CHECK(second_save < 1.6);
	CHECK_EQ_U64(r.poll_failures, 0);
	struct session *s = load_session(r.dir);
	REQUIRE_OR(s, control_close(r.c));
	CHECK(s->settings.click_level_db == -26.0);
	CHECK(s->settings.cue_scratch_db == -28.0);
	CHECK(s->tracks[0].monitor && s->tracks[0].monitor_db == -22.0);
	session_free(s);

	/* What is left when the recorder closes is saved then. */
	CHECK_OK(control_set_click_level(r.c, true, -12.0, &err), &err);
	control_close(r.c);
	s = load_session(r.dir);
	REQUIRE(s);
	CHECK(s->settings.cue_click_db == -12.0);
	CHECK(s->settings.click_level_db == -26.0);
	session_free(s);
}

int main(void)
{
	if (!check_tmpdir(tmp_root, sizeof tmp_root, "control"))
		return 1;
	struct {
		const char *name;
		void (*run)(void);
	} tests[] = {
		{ "record_stop", test_record_stop },
		{ "refusals", test_refusals },
		{ "loop", test_loop },
		{ "split", test_split },
		{ "marker_latency", test_marker_latency },
		{ "disk_error", test_disk_error },
		{ "server_died", test_server_died },
		{ "server_died_loop", test_server_died_in_loop },
		{ "save_cadence", test_save_cadence },
		{ "stall_guard", test_stall_guard },
		{ "stall_after_pass", test_stall_guard_after_pass },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int before = check_failures;
		double t0 = now_s();
		tests[i].run();
		fprintf(stderr, "%-16s %s (%.1f s)\n", tests[i].name,
		        check_failures == before ? "ok" : "FAILED",
		        now_s() - t0);
	}
	if (check_failures)
		fprintf(stderr, "sessions kept in %s\n", tmp_root);
	else
		check_rmtree(tmp_root);
	return CHECK_DONE();
}
