/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Record-ready and the punch and loop ranges (actions.h), on the real
 * control, engine and disk writer over the test backend (as
 * test_control.c, whose cycles run at four times real time): a punch
 * range set at typed positions and at the play head records exactly
 * that stretch from a record press and is kept in session.json;
 * record-ready makes play record and stays on after stop, off stops a
 * take; the loop range is set one end at a time; and the refusals, each
 * with its reason.
 */
#include "check.h"
#include "test_backend.h"

#include "redlight/actions.h"
#include "redlight/control.h"
#include "redlight/session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define RATE 48000
#define PERIOD 256
#define CYCLE_US (PERIOD * 1000000 / RATE / 4)
/* The default map: 120 bpm in 4/4, two seconds a bar. */
#define BAR ((int64_t)2 * RATE)
#define BAR_AT(n) (((int64_t)(n) - 1) * BAR)

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

/* A started recorder on the two sources in session `name`, on JACK
 * transport `mode`. */
static struct control *start_mode(const char *name, char *dir, size_t size,
                                  struct jack_backend **jb,
                                  enum jack_transport_mode mode)
{
	snprintf(dir, size, "%s/%s", tmp_root, name);
	struct test_backend_config bc = {
		.sample_rate = RATE, .period = PERIOD, .cycle_us = CYCLE_US,
		.sources = sources, .source_count = 2,
	};
	test_backend_configure(&bc);
	struct control_config cc = { .session_dir = dir,
	                             .format = TAKE_FORMAT_PCM24,
	                             .buffer_seconds = 8.0 };
	struct control *c = NULL;
	struct error err;
	if (control_open(&cc, &c, &err) != RL_OK) {
		fprintf(stderr, "control_open: %s\n", err.message);
		return NULL;
	}
	control_set_quiet(c, true);
	*jb = test_backend_last();
	control_set_transport_mode(c, mode);
	const char *names[] = { sources[0].name, sources[1].name };
	if (control_start_with_sources(c, names, 2, &err) != RL_OK) {
		fprintf(stderr, "start: %s\n", err.message);
		control_close(c);
		return NULL;
	}
	return c;
}

static struct control *start(const char *name, char *dir, size_t size,
                             struct jack_backend **jb)
{
	return start_mode(name, dir, size, jb, JACK_TRANSPORT_INTERNAL);
}

static struct control_status status_of(struct control *c)
{
	struct control_status st;
	control_lock(c);
	control_status(c, &st);
	control_unlock(c);
	return st;
}

/* Poll as a front-end does until `n` takes have finished (and nothing
 * is open), or 20 s. */
static bool wait_takes(struct control *c, uint32_t n)
{
	for (int i = 0; i < 4000; i++) {
		struct error err;
		control_lock(c);
		control_poll(c, &err);
		bool done = control_takes_finished(c) >= n && !control_busy(c);
		control_unlock(c);
		if (done)
			return true;
		nap_ms(5);
	}
	return false;
}

/* Poll until the transport is `want`, or 10 s. */
static bool wait_transport(struct control *c, enum engine_transport want)
{
	for (int i = 0; i < 2000; i++) {
		struct error err;
		control_lock(c);
		control_poll(c, &err);
		control_unlock(c);
		if (status_of(c).transport == want)
			return true;
		nap_ms(5);
	}
	return false;
}

/* The latest message, for CHECK_CONTAINS. */
static const char *last_message(struct control *c, char *buf, size_t size)
{
	struct control_status st = status_of(c);
	struct control_message m = { 0 };
	bool have = false;
	uint64_t after = st.message_seq > 1 ? st.message_seq - 1 : 0;
	control_lock(c);
	have = control_next_message(c, after, &m);
	control_unlock(c);
	snprintf(buf, size, "%s", have ? m.text : "(none)");
	return buf;
}

static const struct session_take *take_of(struct control *c, uint32_t n)
{
	const struct session *s = control_session(c);
	for (size_t i = 0; i < s->take_count; i++)
		if (s->takes[i].number == n)
			return &s->takes[i];
	return NULL;
}

/*
 * A punch range from typed positions and from the play head: `r` from
 * bar 1 records exactly bar 3 to bar 5 while the transport rolls on; the
 * range is in session.json and back after a restart.
 */
static void test_punch_record(void)
{
	char dir[600], msg[256];
	struct jack_backend *jb;
	struct error err = { 0 };
	struct control *c = start("punch", dir, sizeof dir, &jb);
	REQUIRE(c != NULL);

	/* Typed: in at 2, out at 6; then from the play head: in at bar 3
	 * (after a locate not yet taken), out at bar 5. */
	CHECK_OK(action_punch_in(c, "2", &err), &err);
	CHECK_OK(action_punch_out(c, "6", &err), &err);
	struct control_status st = status_of(c);
	CHECK(st.punch.in == BAR_AT(2) && st.punch.out == BAR_AT(6));
	CHECK(st.punch.in_on && st.punch.out_on);
	CHECK_OK(action_locate(c, "3", &err), &err);
	CHECK_OK(action_punch_in(c, NULL, &err), &err);
	CHECK_CONTAINS(last_message(c, msg, sizeof msg),
	               "punch-in 3|1|0, punch-out 6|1|0: on");
	CHECK_OK(action_locate(c, "5", &err), &err);
	CHECK_OK(action_punch_out(c, "", &err), &err);
	st = status_of(c);
	CHECK_EQ(st.punch.in, BAR_AT(3));
	CHECK_EQ(st.punch.out, BAR_AT(5));

	/* r from bar 1: the take is exactly the punch range, and the
	 * transport rolls on past it. */
	CHECK_OK(action_return_to_start(c, &err), &err);
	CHECK_OK(action_record(c, &err), &err);
	CHECK(wait_takes(c, 1));
	st = status_of(c);
	CHECK(st.transport == ENGINE_ROLLING);
	const struct session_take *t = take_of(c, 1);
	REQUIRE(t != NULL);
	CHECK_EQ_U64(t->start_frame, (uint64_t)BAR_AT(3));
	CHECK_EQ_U64(t->length, (uint64_t)(2 * BAR));
	CHECK_EQ_U64(t->file_count, 2);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_STOPPED));

	/* Past the punch-out, a record press says why nothing records. */
	CHECK_OK(action_locate(c, "7", &err), &err);
	CHECK_OK(action_record(c, &err), &err);
	CHECK_CONTAINS(last_message(c, msg, sizeof msg),
	               "past the punch-out (5|1|0)");
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_takes(c, 0));
	control_close(c);

	/* Kept in the session, and back after a restart. */
	c = start("punch", dir, sizeof dir, &jb);
	REQUIRE(c != NULL);
	st = status_of(c);
	CHECK_EQ(st.punch.in, BAR_AT(3));
	CHECK_EQ(st.punch.out, BAR_AT(5));
	CHECK(st.punch.in_on && st.punch.out_on);
	CHECK_OK(action_punch_toggle(c, &err), &err);
	st = status_of(c);
	CHECK(!st.punch.in_on && !st.punch.out_on && st.punch.in == BAR_AT(3));
	CHECK_OK(action_punch_clear(c, &err), &err);
	st = status_of(c);
	CHECK(st.punch.in == ENGINE_NO_FRAME &&
	      st.punch.out == ENGINE_NO_FRAME);
	control_close(c);
}

/*
 * Record-ready: play records (and stop leaves it on), toggling off
 * while recording stops the take; on while rolling records from there;
 * with nothing armed play only plays.
 */
static void test_record_ready(void)
{
	char dir[600], msg[256];
	struct jack_backend *jb;
	struct error err = { 0 };
	struct control *c = start("ready", dir, sizeof dir, &jb);
	REQUIRE(c != NULL);

	CHECK_OK(action_record_ready(c, true, &err), &err);
	CHECK(status_of(c).record_ready);
	CHECK_OK(action_play(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_RECORDING));
	nap_ms(100);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_takes(c, 1));
	struct control_status st = status_of(c);
	CHECK(st.record_ready && st.transport == ENGINE_STOPPED);
	CHECK_EQ(st.last_take, 1);

	/* space (toggle_roll) records again; ready's toggle stops it and
	 * turns it off. */
	CHECK_OK(action_toggle_roll(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_RECORDING));
	CHECK_OK(action_record_ready_toggle(c, &err), &err);
	CHECK(wait_takes(c, 2));
	st = status_of(c);
	CHECK(!st.record_ready && st.transport == ENGINE_STOPPED);

	/* Off: play only rolls. On while rolling: records from here. */
	CHECK_OK(action_play(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_ROLLING));
	nap_ms(50);
	CHECK(!status_of(c).record_armed);
	CHECK_OK(action_record_ready_toggle(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_RECORDING));
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_takes(c, 3));
	CHECK(status_of(c).record_ready);

	/* Nothing armed: play plays, and says why. */
	CHECK_OK(action_arm_all(c, 0, &err), &err);
	CHECK_OK(action_play(c, &err), &err);
	CHECK_CONTAINS(last_message(c, msg, sizeof msg), "no track is armed");
	CHECK(wait_transport(c, ENGINE_ROLLING));
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_STOPPED));
	CHECK_EQ(control_takes_finished(c), 3);
	control_close(c);
}

/* Following JACK's transport, a record only waits for it to roll: play
 * with record-ready starts it, and the take records. */
static void test_record_ready_follow(void)
{
	char dir[600];
	struct jack_backend *jb;
	struct error err = { 0 };
	struct control *c = start_mode("follow", dir, sizeof dir, &jb,
	                               JACK_TRANSPORT_FOLLOW);
	REQUIRE(c != NULL);
	CHECK_OK(action_record_ready(c, true, &err), &err);
	CHECK_OK(action_play(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_RECORDING));
	nap_ms(100);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_takes(c, 1));
	const struct session_take *t = take_of(c, 1);
	CHECK(t && t->length > 0 && t->file_count == 2);
	CHECK(status_of(c).record_ready);
	control_close(c);
}

/* The loop range one end at a time, and what is refused. */
static void test_ranges_refused(void)
{
	char dir[600], msg[256];
	struct jack_backend *jb;
	struct error err = { 0 };
	struct control *c = start("ranges", dir, sizeof dir, &jb);
	REQUIRE(c != NULL);

	CHECK_REFUSED(action_punch(c, true, &err), RL_ERR_STATE,
	              "no punch range yet", &err);
	CHECK_REFUSED(action_punch_in_toggle(c, &err), RL_ERR_STATE,
	              "no punch-in set yet", &err);
	CHECK_REFUSED(action_punch_set(c, "5:3", NULL, &err), RL_ERR_INVALID,
	              "the punch must end after it starts", &err);
	CHECK_REFUSED(action_punch_in(c, "nowhere", &err), RL_ERR_NOT_FOUND,
	              "position 'nowhere'", &err);
	/* A punch-in past the punch-out clears the punch-out. */
	CHECK_OK(action_punch_set(c, "3:5", NULL, &err), &err);
	CHECK_OK(action_punch_in(c, "6", &err), &err);
	CHECK_CONTAINS(last_message(c, msg, sizeof msg),
	               "the punch-out before it is cleared");
	struct control_status st = status_of(c);
	CHECK(st.punch.in == BAR_AT(6) && st.punch.out == ENGINE_NO_FRAME);
	CHECK(st.punch.in_on && !st.punch.out_on);
	/* Ardour's switches, one end each. */
	CHECK_OK(action_punch_in_toggle(c, &err), &err);
	CHECK(!status_of(c).punch.in_on);
	CHECK_REFUSED(action_punch_out_toggle(c, &err), RL_ERR_STATE,
	              "no punch-out set yet", &err);

	/* Not while recording. */
	CHECK_OK(action_punch_clear(c, &err), &err);
	CHECK_OK(action_record(c, &err), &err);
	CHECK(wait_transport(c, ENGINE_RECORDING));
	CHECK_REFUSED(action_punch_in(c, NULL, &err), RL_ERR_STATE,
	              "cannot change the punch range while recording", &err);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(wait_takes(c, 1));

	/* The loop: a start alone is no range to loop yet. */
	CHECK_OK(action_locate(c, "5", &err), &err);
	CHECK_OK(action_loop_start(c, NULL, &err), &err);
	st = status_of(c);
	CHECK(st.loop_start == BAR_AT(5) && st.loop_end == ENGINE_NO_FRAME);
	CHECK_REFUSED(action_loop(c, true, &err), RL_ERR_STATE,
	              "the loop range has no end yet", &err);
	CHECK_OK(action_loop_end(c, "7", &err), &err);
	CHECK_OK(action_loop(c, true, &err), &err);
	st = status_of(c);
	CHECK(st.loop_on && st.loop_start == BAR_AT(5) &&
	      st.loop_end == BAR_AT(7));
	/* While looping the loop follows; a start past the end clears the
	 * end and stops looping. */
	CHECK_OK(action_loop_start(c, "6", &err), &err);
	st = status_of(c);
	CHECK(st.loop_on && st.loop_start == BAR_AT(6));
	CHECK_OK(action_loop_start(c, "8", &err), &err);
	CHECK_CONTAINS(last_message(c, msg, sizeof msg), "looping stopped");
	st = status_of(c);
	CHECK(!st.loop_on && st.loop_start == BAR_AT(8) &&
	      st.loop_end == ENGINE_NO_FRAME);
	CHECK_OK(action_loop_clear(c, &err), &err);
	st = status_of(c);
	CHECK(st.loop_start == ENGINE_NO_FRAME &&
	      st.loop_end == ENGINE_NO_FRAME);
	control_close(c);

	/* A session opened without the recorder refuses them alike. */
	CHECK_OK(control_open_offline(dir, "test", CONTROL_EXISTING, &c, &err),
	         &err);
	CHECK_REFUSED(action_record_ready(c, true, &err), RL_ERR_STATE,
	              "recorder not started", &err);
	CHECK_REFUSED(action_punch_in(c, "3", &err), RL_ERR_STATE,
	              "recorder not started", &err);
	control_close(c);
}

int main(void)
{
	if (!check_tmpdir(tmp_root, sizeof tmp_root, "control-ranges"))
		return 1;
	test_punch_record();
	test_record_ready();
	test_record_ready_follow();
	test_ranges_refused();
	if (check_failures)
		fprintf(stderr, "sessions kept in %s\n", tmp_root);
	else
		check_rmtree(tmp_root);
	return CHECK_DONE();
}
