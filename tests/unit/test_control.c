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

#include "redlight/actions.h"
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
	/* What the poll saved is written by the saver thread: on disk
	 * before the test looks. */
	CHECK(session_save_flush(control_session(r->c), 10000));
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

	/* Half a second on (an eighth of wall time): a roll waits for the
	 * disk reader to have its position, and just after start that can
	 * take the reader thread longer than a few cycles (under TSan it
	 * did: the take started 751 frames late). */
	test_backend_pause(r.jb);
	uint64_t at = test_backend_frames(r.jb) + RATE / 2 + 17;
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

/* Every refusal: the right status and a message that says why. Long on
 * purpose: one list, state by state, each line one refusal. */
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

	/* A source that is not there (in a session of its own: the track
	 * made for it stays in that session): the recorder starts, the
	 * track has no input and cannot be armed. */
	char dir2[512];
	session_dir("refusals-port", dir2, sizeof dir2);
	struct control_config cc2 = { .session_dir = dir2,
	                              .buffer_seconds = 8.0 };
	test_backend_configure(&bc);
	REQUIRE_OK(control_open(&cc2, &c, &err), &err);
	control_set_quiet(c, true);
	const char *missing[] = { "system:capture_9" };
	CHECK_OK(control_start_with_sources(c, missing, 1, &err), &err);
	struct control_track tr;
	CHECK(control_tracks(c, &tr, 1) == 1);
	CHECK(tr.input_absent && !tr.has_input && !tr.armed);
	CHECK_REFUSED(control_arm_track(c, 1, true, &err), RL_ERR_STATE,
	              "system:capture_9 is not there", &err);
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
	/* Stopped, a marker marks the timeline at the play head. */
	CHECK_OK(control_add_marker(c, "verse", &err), &err);
	CHECK_EQ_U64(control_markers(c, NULL, 0), 1);
	CHECK_REFUSED(control_add_marker(c, "verse", &err), RL_ERR_EXISTS,
	              "already a marker \"verse\"", &err);
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
	/* A bar whose frame does not fit an int64 (it saturated), and
	 * one that fits but is past 2^53 frames: refused, not passed on to
	 * the engine's timeline (found by tests/fuzz/fuzz_position.c). */
	CHECK_REFUSED(control_parse_position(c, "92233720375807", &frame,
	                                     &err),
	              RL_ERR_INVALID, "more than 2^53 frames", &err);
	CHECK_REFUSED(control_parse_position(c, "5000000000000", &frame,
	                                     &err),
	              RL_ERR_INVALID, "more than 2^53 frames", &err);
	CHECK_EQ_U64(frame, 2 * RATE);
	CHECK_REFUSED(control_locate(c, INT64_MAX, &err), RL_ERR_INVALID,
	              "more than 2^53 frames", &err);
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
	CHECK_OK(control_add_marker(c, NULL, &err), &err);
	struct session_marker listed[4];
	CHECK_EQ_U64(control_markers(c, listed, 4), 2);
	CHECK(!strcmp(listed[1].name, "marker 2") && listed[1].take == 0);
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
	/* Saved at once, while the take records (by the saver thread). */
	CHECK(session_save_flush(control_session(r.c), 10000));
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
	/* Each is on the timeline too, settled with its take's copy. */
	CHECK_EQ_U64(s->marker_count, a->marker_count + b->marker_count);
	for (int k = 0; k < 2; k++) {
		const struct session_take *tk = k ? b : a;
		for (size_t i = 0; i < tk->marker_count; i++) {
			int at = session_find_marker(s, tk->markers[i].name);
			REQUIRE_OR(at >= 0, session_free(s));
			CHECK_EQ_U64(s->markers[at].frame, tk->markers[i].frame);
			CHECK_EQ_U64(s->markers[at].take, tk->number);
		}
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

/* ---------------------------------------------------------------------- */
/* The actions (actions.h) on the test backend                            */

/* The song of the action tests: 4/4 at 120 bpm, so a bar is two seconds;
 * bars 1-2 are in no section, then intro (bars 3-4), verse (5-8, two
 * entries: the second has no label of its own) and chorus (9-10). */
static const char song_map[] =
	"# Two bars before the song, in no section.\n"
	"2 120\n"
	"intro: 2 120\n"
	"verse: 2 120\n"
	"       2 120\n"
	"chorus: 2 120\n";
#define BAR ((int64_t)2 * RATE)
/* The timeline frame of the first beat of bar n. */
#define BAR_AT(n) (((int64_t)(n) - 1) * BAR)
/* action_step_section()'s grace, a quarter second. */
#define GRACE ((int64_t)RATE / 4)

/*
 * Session `name` as the action tests find it: tracks 1 capture_1, 2
 * capture_2 (rec-safe), 3 ghost (its input, system:capture_9, is in no
 * run), the song's tempo map in tempo.map, `count_in` bars of count-in.
 * Started on the three sources, capture_3 becomes track 4.
 */
static bool make_song_session(const char *name, uint32_t count_in)
{
	char dir[512], path[600];
	session_dir(name, dir, sizeof dir);
	struct error err = { 0 };
	struct session *s = NULL;
	enum rl_status st = session_open(dir, &s, &err);
	size_t idx = 0;
	if (st == RL_OK)
		st = session_add_track(s, "capture_1", "system:capture_1",
		                       &idx, &err);
	if (st == RL_OK)
		st = session_add_track(s, "capture_2", "system:capture_2",
		                       &idx, &err);
	if (st == RL_OK)
		st = session_set_track_rec_safe(s, idx, true, &err);
	if (st == RL_OK)
		st = session_add_track(s, "ghost", "system:capture_9", &idx,
		                       &err);
	if (st == RL_OK) {
		s->settings.count_in_bars = count_in;
		st = session_save(s, &err);
	}
	session_free(s);
	if (st != RL_OK) {
		fprintf(stderr, "session %s: %s\n", dir, err.message);
		return false;
	}
	snprintf(path, sizeof path, "%s/tempo.map", dir);
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(song_map, f) >= 0;
	if (f)
		ok &= fclose(f) == 0;
	if (!ok)
		perror(path);
	return ok;
}

/* Let the engine take every command sent so far: wait until three more
 * cycles have run (one may have been under way when they were sent). */
static void sync_engine(struct rig *r)
{
	uint64_t f = test_backend_frames(r->jb);
	CHECK(test_backend_wait_frames(r->jb, f + 3 * PERIOD, 5000));
}

/* The timeline once the engine has taken what was sent. */
static int64_t timeline_now(struct rig *r)
{
	sync_engine(r);
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	return snap.timeline;
}

static struct control_status status_now(struct rig *r)
{
	struct control_status st;
	control_status(r->c, &st);
	return st;
}

/* The sequence number of the latest message. */
static uint64_t message_seq(struct control *c)
{
	struct control_status st;
	control_status(c, &st);
	return st.message_seq;
}

/*
 * The message posted after `seq`, if it is the only one and says INFO;
 * else what there is, marked ("(none)", "(level 2) ...", "... (and
 * more)") so that a CHECK_STR of it shows what went wrong.
 */
static const char *posted_info(struct control *c, uint64_t seq, char *buf,
                               size_t size)
{
	struct control_message m;
	if (!control_next_message(c, seq, &m))
		return "(none)";
	struct control_message more;
	bool extra = control_next_message(c, m.seq, &more);
	if (m.level != CONTROL_INFO)
		snprintf(buf, size, "(level %d) %s", (int)m.level, m.text);
	else
		snprintf(buf, size, "%s%s", m.text, extra ? " (and more)" : "");
	return buf;
}

/* Session track `number`'s state as control_tracks() has it. */
static struct control_track track_state(struct rig *r, uint32_t number)
{
	struct control_track t[8];
	size_t n = control_tracks(r->c, t, 8);
	struct control_track none = { 0 };
	return number >= 1 && number <= n && n <= 8 ? t[number - 1] : none;
}

static bool counting_in(struct rig *r)
{
	return status_now(r).transport == ENGINE_COUNT_IN;
}

/*
 * What the actions refuse on top of control.h, each with its status and
 * why: stopped, with a record pending (due at a later frame, or counting
 * in) and while a take records. A pending record is stopped by
 * action_toggle_roll(), as a rolling transport is, and leaves no take.
 * Long on purpose: one list, state by state, each line one refusal.
 */
static void test_action_refusals(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(make_song_session("act_refusals", 1));
	REQUIRE(rig_start(&r, "act_refusals", three_sources, 3, 0));
	struct control *c = r.c;

	/* Stopped, no take yet. */
	CHECK_REFUSED(action_scratch_level(c, -6.0, &err), RL_ERR_NOT_FOUND,
	              "the session has no scratch track", &err);
	uint32_t number = 99;
	CHECK_REFUSED(action_find_track(c, "bass", &number, &err),
	              RL_ERR_NOT_FOUND, "no track 'bass' (the session has 4",
	              &err);
	CHECK_REFUSED(action_find_track(c, "5", &number, &err),
	              RL_ERR_NOT_FOUND, "no track '5'", &err);
	CHECK_OK(action_find_track(c, "ghost", &number, &err), &err);
	CHECK_EQ(number, 3);
	CHECK_OK(action_find_track(c, "4", &number, &err), &err);
	CHECK_EQ(number, 4);
	const char *last = "take 0 means the last take, and none has finished";
	CHECK_REFUSED(action_take_keep(c, 0, 0, &err), RL_ERR_NOT_FOUND, last,
	              &err);
	CHECK_REFUSED(action_take_rate(c, 0, 3, &err), RL_ERR_NOT_FOUND, last,
	              &err);
	CHECK_REFUSED(action_take_note(c, 0, "good", &err), RL_ERR_NOT_FOUND,
	              last, &err);
	CHECK_REFUSED(action_take_discard(c, 0, &err), RL_ERR_NOT_FOUND, last,
	              &err);
	CHECK_REFUSED(action_take_restore(c, 0, &err), RL_ERR_NOT_FOUND, last,
	              &err);
	/* At frame 0, in no section, and no range given yet. */
	CHECK_EQ(timeline_now(&r), 0);
	CHECK_REFUSED(action_loop(c, true, &err), RL_ERR_STATE,
	              "no loop range yet, and the play head is in no section",
	              &err);
	CHECK_REFUSED(action_loop_toggle(c, &err), RL_ERR_STATE,
	              "no loop range yet", &err);
	CHECK_REFUSED(action_loop_range(c, "solo", NULL, &err),
	              RL_ERR_INVALID, "'solo': want START:END", &err);
	CHECK_REFUSED(action_loop_range(c, "7:5", NULL, &err), RL_ERR_INVALID,
	              "'7' to '5': the loop must end after it starts", &err);
	CHECK_REFUSED(action_loop_range(c, "chorus", "intro", &err),
	              RL_ERR_INVALID, "the loop must end after it starts",
	              &err);
	CHECK(!status_now(&r).loop_on);
	CHECK_REFUSED(action_stop_after_pass(c, &err), RL_ERR_STATE,
	              "not looping", &err);
	CHECK_REFUSED(action_step_section(c, -1, &err), RL_ERR_NOT_FOUND,
	              "no previous section", &err);
	CHECK_REFUSED(action_record_punch(c, "9", "5", &err), RL_ERR_INVALID,
	              "the punch-out ('5') must come after the punch-in ('9')",
	              &err);
	CHECK_REFUSED(action_locate_seconds(c, -1.0, &err), RL_ERR_INVALID,
	              "a time must be 0 to 10000000 s", &err);
	CHECK_REFUSED(action_locate_seconds(c, NAN, &err), RL_ERR_INVALID,
	              "a time must be 0 to 10000000 s", &err);
	uint32_t added = 99;
	CHECK_REFUSED(action_track_add(c, "bass", NULL, &added, &err),
	              RL_ERR_STATE, "the tracks of a running recorder are "
	              "fixed", &err);
	CHECK_EQ(added, 0);
	struct control_track_change rename = { .name = "vox" };
	uint32_t track = 1;
	CHECK_REFUSED(action_track_edit(c, &track, &rename, &err),
	              RL_ERR_STATE, "the tracks of a running recorder are "
	              "fixed", &err);
	CHECK_EQ(track, 1);
	CHECK_EQ(control_session(c)->track_count, 4);
	CHECK_STR(control_session(c)->tracks[0].name, "capture_1");
	CHECK_OK(action_arm_all(c, 0, &err), &err);
	CHECK_EQ(status_now(&r).armed_tracks, 0);
	CHECK_REFUSED(action_record(c, &err), RL_ERR_STATE,
	              "no track is armed", &err);
	CHECK_OK(action_arm_all(c, 1, &err), &err);
	CHECK_EQ(status_now(&r).armed_tracks, 2);

	/* A record due at a later frame: pending while stopped. */
	struct control_record_options opt;
	control_record_options_init(&opt);
	opt.at = test_backend_frames(r.jb) + 60 * RATE;
	CHECK_OK(control_record(c, &opt, &err), &err);
	sync_engine(&r);
	struct control_status st = status_now(&r);
	CHECK(st.record_armed && !st.recording);
	CHECK_EQ(st.transport, ENGINE_STOPPED);
	CHECK_REFUSED(action_record(c, &err), RL_ERR_STATE,
	              "already recording (waiting to start)", &err);
	CHECK_OK(action_toggle_roll(c, &err), &err); /* stops, never plays */
	sync_engine(&r);
	st = status_now(&r);
	CHECK(!st.record_armed);
	CHECK_EQ(st.transport, ENGINE_STOPPED);
	CHECK(rig_poll_until(&r, idle, 5000));

	/* Counting in (the session's one bar). */
	CHECK_OK(action_record(c, &err), &err);
	CHECK(rig_poll_until(&r, counting_in, 5000));
	test_backend_pause(r.jb);
	st = status_now(&r);
	CHECK(st.record_armed && !st.recording && st.count_in_beats > 0);
	CHECK_REFUSED(action_record(c, &err), RL_ERR_STATE,
	              "already recording (waiting to start)", &err);
	CHECK_OK(action_toggle_roll(c, &err), &err);
	test_backend_resume(r.jb);
	sync_engine(&r);
	st = status_now(&r);
	CHECK(!st.record_armed);
	CHECK_EQ(st.transport, ENGINE_STOPPED);
	CHECK(rig_poll_until(&r, idle, 5000));
	CHECK_EQ(control_takes_finished(c), 0);

	/* Recording. */
	CHECK_OK(action_record(c, &err), &err);
	CHECK(record_for(&r, 2000));
	st = status_now(&r);
	char want[80];
	snprintf(want, sizeof want, "already recording take %03u (stop "
	         "first", st.take);
	CHECK_REFUSED(action_record(c, &err), RL_ERR_STATE, want, &err);
	CHECK_REFUSED(action_record_punch(c, "9", NULL, &err), RL_ERR_STATE,
	              "already recording", &err);
	CHECK_REFUSED(action_arm_all(c, -1, &err), RL_ERR_STATE,
	              "cannot change arming while recording", &err);
	CHECK_REFUSED(action_arm_toggle(c, 1, &err), RL_ERR_STATE,
	              "cannot change arming while recording", &err);
	CHECK_REFUSED(action_loop_range(c, "5:7", NULL, &err), RL_ERR_STATE,
	              "cannot change the loop while recording", &err);
	CHECK_REFUSED(action_loop(c, false, &err), RL_ERR_STATE,
	              "cannot change the loop while recording", &err);
	CHECK_REFUSED(action_jump_bars(c, -1, &err), RL_ERR_STATE,
	              "cannot locate while recording", &err);
	CHECK_REFUSED(action_step_section(c, 1, &err), RL_ERR_STATE,
	              "cannot locate while recording", &err);
	CHECK_REFUSED(action_locate(c, "intro", &err), RL_ERR_STATE,
	              "cannot locate while recording", &err);
	CHECK_REFUSED(action_stop_after_pass(c, &err), RL_ERR_STATE,
	              "not looping", &err);
	CHECK_REFUSED(action_track_add(c, "bass", NULL, &added, &err),
	              RL_ERR_STATE, "the tracks of a running recorder are "
	              "fixed", &err);
	CHECK_OK(action_toggle_roll(c, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	CHECK(rig_poll_until(&r, stopped, 5000));
	CHECK_EQ(control_takes_finished(c), 1);
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(c);

	/* Only the take that recorded is in the session. */
	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ(s->take_count, 1);
	if (s->take_count == 1) {
		CHECK_EQ(s->takes[0].number, st.take);
		CHECK_EQ(s->takes[0].file_count, 2);
		CHECK(check_take_files(&r, &s->takes[0]) != UINT64_MAX);
	}
	session_free(s);
}

/* Locate to `position` (action_locate()) and check the engine got there. */
static void locate_to(struct rig *r, const char *position, int64_t frame,
                      int line)
{
	struct error err = { 0 };
	CHECK_OK(action_locate(r->c, position, &err), &err);
	int64_t at = timeline_now(r);
	CHECK_MSG(at == frame, "line %d: locate %s: at %lld, want %lld", line,
	          position, (long long)at, (long long)frame);
}

/* Where `what` (an action already called, returning `st`) took the play
 * head: it must be `frame`. */
#define CHECK_MOVED(r, st, frame)                                          \
	do {                                                               \
		enum rl_status mv_st_ = (st);                              \
		int64_t mv_at_ = timeline_now(r);                          \
		CHECK_MSG(mv_st_ == RL_OK && mv_at_ == (int64_t)(frame),   \
		          "status %d (%s), at %lld, want %lld (bar %.4g)", \
		          (int)mv_st_, mv_st_ ? err.message : "",          \
		          (long long)mv_at_, (long long)(frame),           \
		          (double)(frame) / (double)BAR + 1.0);            \
	} while (0)

/*
 * Where action_jump_bars() and action_step_section() go, stopped, on
 * the song's map: back from inside a bar to its start, from a bar's start
 * a whole bar, never before bar 1; sections by their labels only, with a
 * quarter second of grace going back. action_toggle_roll() plays and
 * stops.
 */
static void test_action_locate(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(make_song_session("act_locate", 0));
	REQUIRE(rig_start(&r, "act_locate", three_sources, 2, 0));
	struct control *c = r.c;

	/* Bars back: to this bar's start first, then whole bars. */
	locate_to(&r, "5|3", BAR_AT(5) + BAR / 2, __LINE__);
	CHECK_MOVED(&r, action_jump_bars(c, -1, &err), BAR_AT(5));
	CHECK_MOVED(&r, action_jump_bars(c, -1, &err), BAR_AT(4));
	CHECK_MOVED(&r, action_jump_bars(c, -2, &err), BAR_AT(2));
	CHECK_MOVED(&r, action_jump_bars(c, -5, &err), BAR_AT(1));
	CHECK_MOVED(&r, action_jump_bars(c, -1, &err), BAR_AT(1));
	locate_to(&r, "7|4|100", BAR_AT(7) + 3 * BAR / 4 + 1250, __LINE__);
	CHECK_MOVED(&r, action_jump_bars(c, -3, &err), BAR_AT(5));
	locate_to(&r, "2|2", BAR_AT(2) + BAR / 4, __LINE__);
	CHECK_MOVED(&r, action_jump_bars(c, -4, &err), BAR_AT(1));
	/* One frame into the bar is inside it, though still tick 0. */
	locate_to(&r, "384001f", BAR_AT(5) + 1, __LINE__);
	CHECK_MOVED(&r, action_jump_bars(c, -1, &err), BAR_AT(5));
	/* On: from the start of the bar the play head is in. */
	locate_to(&r, "3|2|960", BAR_AT(3) + 3 * BAR / 8, __LINE__);
	CHECK_MOVED(&r, action_jump_bars(c, 1, &err), BAR_AT(4));
	CHECK_MOVED(&r, action_jump_bars(c, 2, &err), BAR_AT(6));
	CHECK_MOVED(&r, action_jump_bars(c, 0, &err), BAR_AT(6));

	/* Sections on: labels only (bar 7 starts an entry of the verse). */
	locate_to(&r, "1", 0, __LINE__);
	CHECK_MOVED(&r, action_step_section(c, 1, &err), BAR_AT(3));
	CHECK_MOVED(&r, action_step_section(c, 1, &err), BAR_AT(5));
	CHECK_MOVED(&r, action_step_section(c, 1, &err), BAR_AT(9));
	CHECK_REFUSED(action_step_section(c, 1, &err), RL_ERR_NOT_FOUND,
	              "no next section", &err);
	CHECK_EQ(timeline_now(&r), BAR_AT(9));
	/* Back: from the chorus's start to the verse's; from inside the
	 * verse (bar 7) to its start. */
	CHECK_MOVED(&r, action_step_section(c, -1, &err), BAR_AT(5));
	locate_to(&r, "7", BAR_AT(7), __LINE__);
	CHECK_MOVED(&r, action_step_section(c, 1, &err), BAR_AT(9));
	locate_to(&r, "7", BAR_AT(7), __LINE__);
	CHECK_MOVED(&r, action_step_section(c, -1, &err), BAR_AT(5));
	/* The grace: within a quarter second of a section's start, back
	 * goes past it to the one before; a frame later, to it. */
	locate_to(&r, "396000f", BAR_AT(5) + GRACE, __LINE__);
	CHECK_MOVED(&r, action_step_section(c, -1, &err), BAR_AT(3));
	locate_to(&r, "396001f", BAR_AT(5) + GRACE + 1, __LINE__);
	CHECK_MOVED(&r, action_step_section(c, -1, &err), BAR_AT(5));
	/* Before the first section there is none to go back to. */
	locate_to(&r, "2", BAR_AT(2), __LINE__);
	CHECK_REFUSED(action_step_section(c, -1, &err), RL_ERR_NOT_FOUND,
	              "no previous section", &err);
	CHECK_EQ(timeline_now(&r), BAR_AT(2));

	/* Play and stop on one button. */
	CHECK_OK(action_toggle_roll(c, &err), &err);
	CHECK(rig_poll_until(&r, rolling, 5000));
	CHECK_OK(action_toggle_roll(c, &err), &err);
	CHECK(rig_poll_until(&r, stopped, 5000));
	int64_t here = timeline_now(&r);
	CHECK(here > BAR_AT(2));
	CHECK_EQ(timeline_now(&r), here); /* stays stopped */
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(c);
}

/* The loop is `on` over [start, end) as status shows it at once, and in
 * the engine once it has taken it. */
static void check_loop(struct rig *r, bool on, int64_t start, int64_t end,
                       int line)
{
	struct control_status st = status_now(r);
	CHECK_MSG(st.loop_on == on && st.loop_start == start &&
	          st.loop_end == end, "line %d: status: loop %s %lld-%lld, "
	          "want %s %lld-%lld", line, st.loop_on ? "on" : "off",
	          (long long)st.loop_start, (long long)st.loop_end,
	          on ? "on" : "off", (long long)start, (long long)end);
	sync_engine(r);
	struct engine_snapshot snap;
	control_snapshot(r->c, &snap);
	CHECK_MSG(snap.loop_on == on && snap.loop_start == start &&
	          snap.loop_end == end, "line %d: engine: loop %s %lld-%lld, "
	          "want %s %lld-%lld", line, snap.loop_on ? "on" : "off",
	          (long long)snap.loop_start, (long long)snap.loop_end,
	          on ? "on" : "off", (long long)start, (long long)end);
}

/*
 * The loop's range from what a user writes (START:END, two positions, a
 * section, whose entries are one range), or with none given from the
 * section the play head is in; off keeps the range and on loops it again
 * (rolling: the play head comes back to its start), even when off is
 * asked for in the same cycle as the range.
 */
static void test_action_loop(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(make_song_session("act_loop", 0));
	REQUIRE(rig_start(&r, "act_loop", three_sources, 2, 0));
	struct control *c = r.c;

	/* No range yet: the section of the play head (bar 7 is in the
	 * verse's second entry: the whole verse). */
	locate_to(&r, "7|2", BAR_AT(7) + BAR / 4, __LINE__);
	CHECK_OK(action_loop(c, true, &err), &err);
	check_loop(&r, true, BAR_AT(5), BAR_AT(9), __LINE__);
	CHECK_OK(action_loop_range(c, "intro", NULL, &err), &err);
	check_loop(&r, true, BAR_AT(3), BAR_AT(5), __LINE__);
	CHECK_OK(action_loop_range(c, "verse", NULL, &err), &err);
	check_loop(&r, true, BAR_AT(5), BAR_AT(9), __LINE__);
	CHECK_OK(action_loop_range(c, "5:7", NULL, &err), &err);
	check_loop(&r, true, BAR_AT(5), BAR_AT(7), __LINE__);
	CHECK_OK(action_loop_range(c, "intro:chorus", NULL, &err), &err);
	check_loop(&r, true, BAR_AT(3), BAR_AT(9), __LINE__);
	CHECK_OK(action_loop_range(c, "2s:3.5s", NULL, &err), &err);
	check_loop(&r, true, 2 * RATE, 7 * RATE / 2, __LINE__);
	CHECK_OK(action_loop_range(c, "6", "8|3", &err), &err);
	check_loop(&r, true, BAR_AT(6), BAR_AT(8) + BAR / 2, __LINE__);
	/* A refused range leaves the loop as it was. */
	CHECK_REFUSED(action_loop_range(c, "8:6", NULL, &err), RL_ERR_INVALID,
	              "the loop must end after it starts", &err);
	check_loop(&r, true, BAR_AT(6), BAR_AT(8) + BAR / 2, __LINE__);

	/* Off keeps the range; on loops it again. */
	CHECK_OK(action_loop_range(c, "5:6", NULL, &err), &err);
	CHECK_OK(action_loop(c, false, &err), &err);
	check_loop(&r, false, BAR_AT(5), BAR_AT(6), __LINE__);
	CHECK_OK(action_loop_toggle(c, &err), &err);
	check_loop(&r, true, BAR_AT(5), BAR_AT(6), __LINE__);
	CHECK_OK(action_loop_toggle(c, &err), &err);
	check_loop(&r, false, BAR_AT(5), BAR_AT(6), __LINE__);
	CHECK_OK(action_loop(c, true, &err), &err);
	check_loop(&r, true, BAR_AT(5), BAR_AT(6), __LINE__);
	/* Rolling from bar 5 for two and a half bars: inside the loop. */
	locate_to(&r, "5", BAR_AT(5), __LINE__);
	uint64_t f = test_backend_frames(r.jb);
	CHECK_OK(action_play(c, &err), &err);
	CHECK(test_backend_wait_frames(r.jb, f + (uint64_t)(5 * BAR / 2),
	                               10000));
	int64_t at = timeline_now(&r);
	CHECK_MSG(at >= BAR_AT(5) && at < BAR_AT(6), "at %lld", (long long)at);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(rig_poll_until(&r, stopped, 5000));

	/* A range and off in one cycle: off keeps that range, not the one
	 * the engine had. */
	test_backend_pause(r.jb);
	CHECK_OK(action_loop_range(c, "3:4", NULL, &err), &err);
	CHECK_OK(action_loop(c, false, &err), &err);
	test_backend_resume(r.jb);
	check_loop(&r, false, BAR_AT(3), BAR_AT(4), __LINE__);
	test_backend_pause(r.jb);
	CHECK_OK(action_loop_toggle(c, &err), &err);
	CHECK_OK(action_loop_toggle(c, &err), &err);
	test_backend_resume(r.jb);
	check_loop(&r, false, BAR_AT(3), BAR_AT(4), __LINE__);
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(c);
}

/* Take `number` of control's session (session_find_take() wants it
 * writable; control's is only to read). */
static const struct session_take *control_take(struct control *c,
                                               uint32_t number)
{
	const struct session *s = control_session(c);
	for (size_t i = 0; i < s->take_count; i++)
		if (s->takes[i].number == number)
			return &s->takes[i];
	return NULL;
}

/* A second of a 440 Hz sine at RATE in `path`, for a scratch track. */
static bool write_sine(const char *path)
{
	SF_INFO info = { .samplerate = RATE, .channels = 1,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf)
		return false;
	static float buf[RATE];
	for (size_t i = 0; i < RATE; i++)
		buf[i] = 0.25f * sinf(2.0f * 3.14159265f * 440.0f * (float)i /
		                      (float)RATE);
	bool ok = sf_writef_float(sf, buf, RATE) == RATE;
	return sf_close(sf) == 0 && ok;
}

/* Which session tracks are armed: bit n for track n. */
static unsigned armed_set(struct rig *r)
{
	unsigned bits = 0;
	for (uint32_t n = 1; n <= 4; n++)
		bits |= track_state(r, n).armed ? 1u << n : 0u;
	return bits;
}

/*
 * Arming all, markers and the takes by number 0. action_arm_all(-1)
 * arms every track it can (not the rec-safe one, not the one without an
 * input) or, when they all are, disarms them; the take records what is
 * armed. action_marker() and action_take_keep() post what they did, take
 * 0 being the last take finished; rate, note, discard and restore take 0
 * the same way. action_scratch_level() sets the scratch once there is
 * one. Long on purpose: one session's story, each step on the state the
 * one before left.
 */
static void test_action_takes(void)
{
	struct rig r;
	struct error err = { 0 };
	char buf[300], want[300];
	REQUIRE(make_song_session("act_takes", 0));
	REQUIRE(rig_start(&r, "act_takes", three_sources, 3, 0));
	struct control *c = r.c;
	const unsigned armable = 1u << 1 | 1u << 4; /* capture_1, capture_3 */
	CHECK(track_state(&r, 2).has_input);
	CHECK(track_state(&r, 2).rec_safe);
	CHECK(!track_state(&r, 3).has_input);
	CHECK_EQ(armed_set(&r), armable);

	CHECK_OK(action_arm(c, 1, false, &err), &err);
	CHECK_EQ(armed_set(&r), 1u << 4);
	CHECK_OK(action_arm_all(c, -1, &err), &err); /* some were not */
	CHECK_EQ(armed_set(&r), armable);
	CHECK_OK(action_arm_all(c, -1, &err), &err); /* all were */
	CHECK_EQ(armed_set(&r), 0);
	CHECK_OK(action_arm_all(c, -1, &err), &err);
	CHECK_EQ(armed_set(&r), armable);
	CHECK_OK(action_arm_all(c, 0, &err), &err);
	CHECK_EQ(armed_set(&r), 0);
	CHECK_OK(action_arm_all(c, 1, &err), &err);
	CHECK_OK(action_arm_all(c, 1, &err), &err);
	CHECK_EQ(armed_set(&r), armable);
	CHECK_OK(action_arm_toggle(c, 4, &err), &err);
	CHECK_EQ(armed_set(&r), 1u << 1);
	CHECK_OK(action_arm_toggle(c, 4, &err), &err);
	CHECK_EQ(armed_set(&r), armable);

	/* Take 1 with two markers, each posted with where it went. */
	CHECK_OK(action_record(c, &err), &err);
	CHECK(record_for(&r, 3000));
	test_backend_pause(r.jb);
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	uint64_t seq = message_seq(c);
	CHECK_OK(action_marker(c, "verse", &err), &err);
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(control_tempo_map(c), snap.timeline, &bbt);
	snprintf(want, sizeof want, "marker \"verse\" in take 001 at "
	         "%lld|%d|%d", (long long)bbt.bar, bbt.beat, bbt.tick);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf), want);
	struct session_marker mk;
	CHECK(control_last_marker(c, NULL, &mk));
	CHECK_EQ(mk.frame, snap.timeline);
	test_backend_resume(r.jb);
	CHECK(record_for(&r, (uint64_t)(snap.take_frames + 2 * BAR / 3)));
	test_backend_pause(r.jb);
	control_snapshot(c, &snap);
	seq = message_seq(c);
	CHECK_OK(action_marker(c, NULL, &err), &err);
	tempo_map_frame_to_bbt(control_tempo_map(c), snap.timeline, &bbt);
	snprintf(want, sizeof want, "marker \"marker 2\" in take 001 at "
	         "%lld|%d|%d", (long long)bbt.bar, bbt.beat, bbt.tick);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf), want);
	test_backend_resume(r.jb);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	/* Stopped: at the play head, on the timeline alone. */
	seq = message_seq(c);
	CHECK_OK(action_marker(c, "late", &err), &err);
	control_snapshot(c, &snap);
	tempo_map_frame_to_bbt(control_tempo_map(c), snap.timeline, &bbt);
	snprintf(want, sizeof want, "marker \"late\" at %lld|%d|%d",
	         (long long)bbt.bar, bbt.beat, bbt.tick);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf), want);
	seq = message_seq(c);
	CHECK_REFUSED(action_marker(c, "late", &err), RL_ERR_EXISTS,
	              "already a marker", &err);
	CHECK_EQ_U64(message_seq(c), seq); /* a refusal posts nothing */

	/* Take 0 is take 1 now. */
	const struct session_take *t = control_take(c, 1);
	REQUIRE_OR(t && t->file_count == 2, control_close(c));
	CHECK_EQ(t->marker_count, 2);
	seq = message_seq(c);
	CHECK_OK(action_take_keep(c, 0, 0, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "take 001 is the keeper of every track it has, heard from the next play or locate");
	t = control_take(c, 1);
	CHECK(t->files[0].keeper && t->files[1].keeper);
	seq = message_seq(c);
	CHECK_OK(action_take_keep(c, 0, 4, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "take 001 is the keeper of track 4 (capture_3), heard from the next play or locate");
	CHECK_OK(action_take_rate(c, 0, 4, &err), &err);
	CHECK_OK(action_take_note(c, 0, "the one", &err), &err);
	t = control_take(c, 1);
	CHECK_EQ(t->rating, 4);
	CHECK_STR(t->note, "the one");
	seq = message_seq(c);
	CHECK_OK(action_take_discard(c, 0, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "take 001 moved to the trash (restore brings it back)");
	CHECK(control_take(c, 1)->discarded);
	seq = message_seq(c);
	CHECK_OK(action_take_restore(c, 0, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf), "take 001 restored");
	CHECK(!control_take(c, 1)->discarded);

	/* Take 2, on capture_1 alone: take 0 follows. */
	CHECK_OK(action_arm(c, 4, false, &err), &err);
	CHECK_OK(action_record(c, &err), &err);
	CHECK(record_for(&r, 3000));
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	seq = message_seq(c);
	CHECK_OK(action_take_keep(c, 0, 1, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "take 002 is the keeper of track 1 (capture_1), heard from the next play or locate");
	CHECK_REFUSED(action_take_keep(c, 0, 4, &err), RL_ERR_NOT_FOUND,
	              "no file of track 4", &err);
	t = control_take(c, 2);
	CHECK(t && t->file_count == 1 && t->files[0].track == 1 &&
	      t->files[0].keeper);

	/* A scratch track: its level in the cue is the session's. */
	char wav[600];
	snprintf(wav, sizeof wav, "%s/sine.wav", tmp_root);
	CHECK(write_sine(wav));
	CHECK_OK(control_set_scratch(c, wav, 0, &err), &err);
	CHECK_OK(action_scratch_level(c, -9.0, &err), &err);
	CHECK(control_settings(c)->cue_scratch_db == -9.0);
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(c);

	struct session *saved = load_session(r.dir);
	REQUIRE(saved);
	t = session_find_take(saved, 1);
	CHECK(t && t->complete && t->marker_count == 2);
	if (t && t->marker_count == 2) {
		CHECK_STR(t->markers[0].name, "verse");
		CHECK_STR(t->markers[1].name, "marker 2");
		CHECK(check_take_files(&r, t) != UINT64_MAX);
	}
	CHECK(saved->settings.cue_scratch_db == -9.0);
	session_free(saved);
}

/* The whole of file `path` as a string (the caller's to free); NULL if
 * it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			char *more = realloc(buf, cap);
			if (!more)
				break;
			buf = more;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static bool same_text(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The frame of marker `name` as control_markers() lists it, -1: none. */
static int64_t marker_at(struct control *c, const char *name)
{
	struct session_marker m[8];
	size_t n = control_markers(c, m, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (!strcmp(m[i].name, name))
			return (int64_t)m[i].frame;
	return -1;
}

/*
 * The marker actions, stopped: at the play head or a position, moved,
 * renamed, removed, each posted; a marker's name is a position (after
 * the sections). Then without the recorder: positions read with the
 * session's own tempo map, the play head refused.
 */
static void test_action_markers(void)
{
	struct rig r;
	struct error err = { 0 };
	char buf[256];
	REQUIRE(make_song_session("act_markers", 0));
	REQUIRE(rig_start(&r, "act_markers", three_sources, 2, 0));
	struct control *c = r.c;

	locate_to(&r, "5", BAR_AT(5), __LINE__);
	uint64_t seq = message_seq(c);
	CHECK_OK(action_marker_add(c, "solo", NULL, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "marker \"solo\" added at 5|1|0 (frame 384000)");
	CHECK_EQ(marker_at(c, "solo"), BAR_AT(5));
	CHECK_OK(action_marker_add(c, "end", "9|2", &err), &err);
	CHECK_EQ(marker_at(c, "end"), BAR_AT(9) + BAR / 4);
	/* A marker called like a section: the section is the position. */
	CHECK_OK(action_marker_add(c, "verse", "1f", &err), &err);
	CHECK_REFUSED(action_marker_add(c, "solo", "1", &err), RL_ERR_EXISTS,
	              "already a marker \"solo\"", &err);
	CHECK_REFUSED(action_marker_add(c, "x", "nowhere", &err),
	              RL_ERR_NOT_FOUND, "a section or a marker", &err);
	CHECK_MOVED(&r, action_locate(c, "end", &err), BAR_AT(9) + BAR / 4);
	CHECK_MOVED(&r, action_locate(c, "verse", &err), BAR_AT(5));
	locate_to(&r, "solo", BAR_AT(5), __LINE__);

	locate_to(&r, "7", BAR_AT(7), __LINE__);
	seq = message_seq(c);
	CHECK_OK(action_marker_move(c, "solo", NULL, &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "marker \"solo\" moved to 7|1|0 (frame 576000)");
	CHECK_EQ(marker_at(c, "solo"), BAR_AT(7));
	CHECK_OK(action_marker_move(c, "end", "solo", &err), &err);
	CHECK_EQ(marker_at(c, "end"), BAR_AT(7));
	seq = message_seq(c);
	CHECK_OK(action_marker_rename(c, "solo", "guitar solo", &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "marker \"solo\" renamed \"guitar solo\"");
	CHECK_REFUSED(action_marker_rename(c, "guitar solo", "end", &err),
	              RL_ERR_EXISTS, "already a marker", &err);
	seq = message_seq(c);
	CHECK_OK(action_marker_remove(c, "end", &err), &err);
	CHECK_STR(posted_info(c, seq, buf, sizeof buf),
	          "marker \"end\" removed; it was at 7|1|0 (frame 576000)");
	CHECK_REFUSED(action_marker_remove(c, "end", &err), RL_ERR_NOT_FOUND,
	              "no marker \"end\"", &err);
	CHECK_EQ_U64(control_markers(c, NULL, 0), 2);
	CHECK_EQ_U64(r.poll_failures, 0);
	control_close(c);

	/* Without the recorder: the session's map at its last rate. */
	REQUIRE_OK(control_open_offline(r.dir, "markers", CONTROL_EXISTING,
	                                &c, &err), &err);
	control_set_quiet(c, true);
	CHECK_OK(action_marker_add(c, "bridge", "chorus", &err), &err);
	CHECK_EQ(marker_at(c, "bridge"), BAR_AT(9));
	CHECK_OK(action_marker_move(c, "bridge", "2s", &err), &err);
	CHECK_EQ(marker_at(c, "bridge"), RATE * 2);
	int64_t frame = 0;
	CHECK_OK(control_parse_position(c, "guitar solo", &frame, &err), &err);
	CHECK_EQ(frame, BAR_AT(7));
	CHECK_REFUSED(action_marker_move(c, "bridge", NULL, &err),
	              RL_ERR_STATE, "give a position", &err);
	CHECK_REFUSED(action_marker(c, NULL, &err), RL_ERR_STATE,
	              "recorder not started", &err);
	control_close(c);
	struct session *s = load_session(r.dir);
	REQUIRE(s);
	CHECK_EQ_U64(s->marker_count, 3);
	session_free(s);
}

/*
 * control_open_offline(): an existing session or a new one, never the
 * other; the session's lock held meanwhile. Actions that need the
 * recorder refuse; the track actions work, all or nothing: a change
 * refused in its second part leaves session.json as it was, on disk and
 * in control_session(). Long on purpose: one list of what works and what
 * is refused there, each line one case.
 */
static void test_offline(void)
{
	struct error err = { 0 };
	struct control *c = NULL, *other = NULL;
	char dir[512], empty[512], missing[512], json[600];
	session_dir("offline", dir, sizeof dir);
	session_dir("offline-empty", empty, sizeof empty);
	session_dir("offline-missing", missing, sizeof missing);
	snprintf(json, sizeof json, "%s/session.json", dir);
	REQUIRE(mkdir(empty, 0777) == 0 && mkdir(dir, 0777) == 0);

	/* Not a session: nothing is made of it. */
	CHECK_REFUSED(control_open_offline(empty, "takes", CONTROL_EXISTING,
	                                   &c, &err),
	              RL_ERR_NOT_FOUND, "is not a redlight session", &err);
	CHECK(c == NULL);
	CHECK_EQ(count_entries(empty), 0);
	CHECK_REFUSED(control_open_offline(missing, "takes", CONTROL_EXISTING,
	                                   &c, &err),
	              RL_ERR_NOT_FOUND, "is not a redlight session", &err);
	CHECK(access(missing, F_OK) != 0);

	REQUIRE_OK(control_open_offline(dir, "new", CONTROL_NEW, &c, &err),
	           &err);
	CHECK(access(json, F_OK) == 0);
	/* The lock is held: neither a command nor a recorder gets in. */
	CHECK_REFUSED(control_open_offline(dir, "tracks", CONTROL_EXISTING,
	                                   &other, &err),
	              RL_ERR_LOCKED, "in use by redlight", &err);
	CHECK_CONTAINS(err.message, "(new)");
	CHECK(other == NULL);
	struct test_backend_config bc = { .sample_rate = RATE,
		.period = PERIOD, .cycle_us = CYCLE_US,
		.sources = three_sources, .source_count = 1 };
	test_backend_configure(&bc);
	struct control_config cc = { .session_dir = dir };
	CHECK_REFUSED(control_open(&cc, &other, &err), RL_ERR_LOCKED,
	              "in use by redlight", &err);
	CHECK(other == NULL);

	/* What needs the recorder. */
	const char *ns = "recorder not started";
	CHECK_REFUSED(action_play(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_toggle_roll(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_record(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_record_punch(c, "5", NULL, &err), RL_ERR_STATE,
	              ns, &err);
	CHECK_REFUSED(action_locate(c, "5", &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_locate_frame(c, 0, true, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_locate_seconds(c, 1.0, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_locate_bar(c, 2, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_locate_section(c, "verse", &err), RL_ERR_STATE,
	              ns, &err);
	CHECK_REFUSED(action_return_to_start(c, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_jump_bars(c, 1, &err), RL_ERR_STATE, ns, &err);
	/* No map to step in (it asked JACK for the rate, and crashed). */
	CHECK_REFUSED(action_step_section(c, -1, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_loop_range(c, "5:7", NULL, &err), RL_ERR_STATE,
	              ns, &err);
	CHECK_REFUSED(action_loop(c, false, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_click(c, true, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_click_toggle(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_click_level(c, false, -6.0, &err), RL_ERR_STATE,
	              ns, &err);
	CHECK_REFUSED(action_reset_meters(c, &err), RL_ERR_STATE, ns, &err);
	/* Each says so alike, not what its first check finds missing. */
	CHECK_REFUSED(action_stop(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_record_toggle(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_stop_after_pass(c, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_new_take(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_marker(c, NULL, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_loop(c, true, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_loop_toggle(c, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_scratch_level(c, -6.0, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_arm(c, 1, true, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_arm_toggle(c, 1, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_arm_all(c, -1, &err), RL_ERR_STATE, ns, &err);
	CHECK_REFUSED(action_monitor(c, 1, true, 0.0, &err), RL_ERR_STATE, ns,
	              &err);
	CHECK_REFUSED(action_monitor_toggle(c, 1, &err), RL_ERR_STATE, ns,
	              &err);

	/* Tracks, between runs. */
	uint32_t bass = 0, keys = 0, track = 0;
	struct control_track_change in1 = { .set_source = true,
	                                    .source = "system:capture_1" };
	CHECK_OK(action_track_add(c, "bass", &in1, &bass, &err), &err);
	CHECK_OK(action_track_add(c, "keys", NULL, &keys, &err), &err);
	CHECK_EQ(bass, 1);
	CHECK_EQ(keys, 2);
	CHECK_OK(action_find_track(c, "keys", &track, &err), &err);
	CHECK_EQ(track, 2);
	char *before = slurp(json);
	CHECK(before && strstr(before, "\"keys\""));

	/* Refused in a second part: nothing changes. */
	struct control_track_change pan = { .name = "lead", .set_pan = true,
	                                    .pan = 3.0 };
	track = 1;
	CHECK_REFUSED(action_track_edit(c, &track, &pan, &err),
	              RL_ERR_INVALID, "pan 3 is out of range", &err);
	struct control_track_change move = { .name = "lead", .move = true,
	                                     .position = 5 };
	track = 2;
	CHECK_REFUSED(action_track_edit(c, &track, &move, &err),
	              RL_ERR_NOT_FOUND, "to position 6", &err);
	uint32_t drums = 0;
	CHECK_REFUSED(action_track_add(c, "drums", &pan, &drums, &err),
	              RL_ERR_INVALID, "out of range", &err);
	track = 9;
	CHECK_REFUSED(action_track_edit(c, &track, &pan, &err),
	              RL_ERR_NOT_FOUND, "no track 9", &err);
	char *after = slurp(json);
	CHECK(same_text(before, after));
	free(after);
	const struct session *s = control_session(c);
	CHECK_EQ(s->track_count, 2);
	if (s->track_count == 2) {
		CHECK_STR(s->tracks[0].name, "bass");
		CHECK_STR(s->tracks[0].source, "system:capture_1");
		CHECK(s->tracks[0].pan == 0.0);
		CHECK_STR(s->tracks[1].name, "keys");
	}

	/* The whole change: renamed and moved, and the number follows. */
	move.position = 1;
	track = 1;
	CHECK_OK(action_track_edit(c, &track, &move, &err), &err);
	CHECK_EQ(track, 2);
	control_close(c);
	c = NULL;

	struct session *saved = load_session(dir);
	REQUIRE_OR(saved, free(before));
	CHECK_EQ(saved->track_count, 2);
	if (saved->track_count == 2) {
		CHECK_STR(saved->tracks[0].name, "keys");
		CHECK_STR(saved->tracks[1].name, "lead");
		CHECK_STR(saved->tracks[1].source, "system:capture_1");
	}
	session_free(saved);

	/* A session is never made again; the lock went with the close. */
	free(before);
	before = slurp(json);
	CHECK_REFUSED(control_open_offline(dir, "new", CONTROL_NEW, &c, &err),
	              RL_ERR_EXISTS, "is already a session", &err);
	CHECK(c == NULL);
	after = slurp(json);
	CHECK(same_text(before, after));
	free(after);
	free(before);
	CHECK_OK(control_open_offline(dir, "takes", CONTROL_EXISTING, &c,
	                              &err), &err);
	control_close(c);
}

static bool not_listening(struct rig *r)
{
	return control_listening(r->c) == 0;
}

/* The peak of playback stream `stream` over the next quarter second. */
static float stream_peak(struct rig *r, uint32_t stream)
{
	test_backend_output_peak(r->jb, ENGINE_OUT_COUNT + stream, true);
	uint64_t now = test_backend_frames(r->jb);
	test_backend_wait_frames(r->jb, now + RATE / 4, 5000);
	return test_backend_output_peak(r->jb, ENGINE_OUT_COUNT + stream, false);
}

/*
 * What the tracks play follows the session while the recorder runs: a
 * fresh session starts with no play port; its first take gives its
 * tracks theirs (the newest take is the keeper until one is chosen),
 * silent while armed, playing once disarmed; a listen-back plays the
 * take on the armed tracks, stops at the take's end and locates back.
 */
static void test_action_listen(void)
{
	struct rig r;
	struct error err = { 0 };
	REQUIRE(rig_start(&r, "act_listen", three_sources, 2, 0));
	struct control *c = r.c;
	CHECK_EQ(control_keeper_count(c), 0);
	CHECK(!test_backend_output_name(r.jb, ENGINE_OUT_COUNT + 1));
	CHECK_REFUSED(action_take_play(c, 0, false, &err), RL_ERR_NOT_FOUND,
	              "none has finished yet", &err);

	CHECK_OK(action_record(c, &err), &err);
	CHECK(record_for(&r, RATE));
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(rig_poll_until(&r, idle, 20000));
	rig_poll(&r);
	REQUIRE_OR(control_keeper_count(c) == 2, control_close(c));
	CHECK_STR(test_backend_output_name(r.jb, ENGINE_OUT_COUNT + 1),
	          "play_capture_1");
	CHECK_STR(test_backend_output_name(r.jb, ENGINE_OUT_COUNT + 2),
	          "play_capture_2");
	const struct session_take *t = control_take(c, 1);
	REQUIRE_OR(t && t->length >= RATE, control_close(c));
	int64_t end = (int64_t)(t->start_frame + t->length);

	/* Armed, its keeper is silent; disarmed, it plays. */
	CHECK_OK(action_locate_frame(c, (int64_t)t->start_frame, true, &err),
	         &err);
	CHECK(rig_poll_until(&r, rolling, 5000));
	CHECK(stream_peak(&r, 1) == 0.0f);
	CHECK_OK(action_arm(c, 1, false, &err), &err);
	CHECK(stream_peak(&r, 1) > 0.0f);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(rig_poll_until(&r, stopped, 5000));
	CHECK_OK(action_arm(c, 1, true, &err), &err);

	/* Listen-back from past the take: both armed tracks play it, and
	 * at its end the transport is back. */
	int64_t back = end + RATE;
	CHECK_OK(action_locate_frame(c, back, false, &err), &err);
	CHECK_OK(action_take_play(c, 0, false, &err), &err);
	CHECK_EQ(control_listening(c), 1);
	CHECK_REFUSED(action_record(c, &err), RL_ERR_STATE,
	              "listening back to take 001", &err);
	CHECK(rig_poll_until(&r, rolling, 5000));
	CHECK(stream_peak(&r, 1) > 0.0f);
	CHECK(stream_peak(&r, 2) > 0.0f);
	CHECK(rig_poll_until(&r, not_listening, 20000));
	CHECK(rig_poll_until(&r, stopped, 5000));
	struct engine_snapshot snap;
	for (int i = 0; i < 200; i++) {
		control_snapshot(c, &snap);
		if (snap.timeline == back)
			break;
		nap_ms(5);
	}
	CHECK_EQ(snap.timeline, back);
	/* Armed as before: inside the take, its keeper is silent. */
	CHECK_OK(action_locate_frame(c, (int64_t)t->start_frame, true, &err),
	         &err);
	CHECK(rig_poll_until(&r, rolling, 5000));
	CHECK(stream_peak(&r, 1) == 0.0f);
	CHECK_OK(action_stop(c, &err), &err);
	control_close(c);
}

/* Named on the command line: run only those (test_control act_loop). */
static bool chosen(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return argc < 2;
}

int main(int argc, char **argv)
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
		{ "act_refusals", test_action_refusals },
		{ "act_locate", test_action_locate },
		{ "act_loop", test_action_loop },
		{ "act_takes", test_action_takes },
		{ "act_markers", test_action_markers },
		{ "act_listen", test_action_listen },
		{ "offline", test_offline },
	};
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		if (!chosen(argc, argv, tests[i].name))
			continue;
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
