/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The recorder's saves of session.json go through the saver thread (real
 * control, engine and disk writer on the test backend, no jackd): while
 * session.json cannot be written the takes record all the same, a
 * finished take is still told, the failure is said once with the path
 * and tried again every second, and "saved again" is said when the disk
 * takes it; control_wait_idle() reports a failure that lasts.
 */
#include "check.h"
#include "test_backend.h"

#include "redlight/actions.h"
#include "redlight/control.h"
#include "redlight/session.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE 48000
#define PERIOD 256

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

static struct control *start(const char *name, char *dir, size_t size)
{
	snprintf(dir, size, "%s/%s", tmp_root, name);
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
	struct error err;
	if (control_open(&cc, &c, &err) != RL_OK) {
		fprintf(stderr, "control_open: %s\n", err.message);
		return NULL;
	}
	control_set_quiet(c, true);
	const char *names[] = { sources[0].name, sources[1].name };
	if (control_start_with_sources(c, names, 2, &err) != RL_OK) {
		fprintf(stderr, "start: %s\n", err.message);
		control_close(c);
		return NULL;
	}
	return c;
}

/* A directory with a file in it where session.json's temporary file
 * goes: no write can make it (not even root's), unlink cannot clear it. */
static void block_saves(const char *dir, bool on)
{
	char tmp[1024], inside[1100];
	snprintf(tmp, sizeof tmp, "%s/session.json.tmp-%ld", dir,
	         (long)getpid());
	snprintf(inside, sizeof inside, "%s/x", tmp);
	if (on) {
		CHECK(mkdir(tmp, 0777) == 0);
		FILE *f = fopen(inside, "w");
		CHECK(f != NULL);
		if (f)
			fclose(f);
	} else {
		CHECK(unlink(inside) == 0 && rmdir(tmp) == 0);
	}
}

/* Messages after `after` containing `text`. */
static int messages_with(struct control *c, uint64_t after, const char *text)
{
	int n = 0;
	struct control_message m;
	control_lock(c);
	while (control_next_message(c, after, &m)) {
		n += strstr(m.text, text) != NULL;
		after = m.seq;
	}
	control_unlock(c);
	return n;
}

static uint64_t last_seq(struct control *c)
{
	struct control_status st;
	control_lock(c);
	control_status(c, &st);
	control_unlock(c);
	return st.message_seq;
}

/* Poll as a front-end does for `ms`, or until done(c) if given. */
static bool poll_for(struct control *c, unsigned ms,
                     bool (*done)(struct control *))
{
	for (unsigned t = 0; t < ms; t += 5) {
		struct error err;
		control_lock(c);
		control_poll(c, &err);
		bool ok = done && done(c);
		control_unlock(c);
		if (ok)
			return true;
		nap_ms(5);
	}
	return false;
}

static bool take_told(struct control *c)
{
	return control_takes_finished(c) >= 1 && !control_busy(c);
}

static bool recording(struct control *c)
{
	struct engine_snapshot s;
	control_snapshot(c, &s);
	return s.transport == ENGINE_RECORDING;
}

/* Take `number` as session.json on disk has it, complete or not; -1:
 * not there. */
static int saved_take(const char *dir, uint32_t number)
{
	struct session *s = NULL;
	struct error err;
	/* Reading only: an existing session.json is never written by
	 * session_open(). */
	if (session_open(dir, &s, &err) != RL_OK)
		return -2;
	const struct session_take *t = session_find_take(s, number);
	int v = t ? t->complete : -1;
	session_free(s);
	return v;
}

static void test_failing_saves(void)
{
	char dir[600];
	struct error err = { 0 };
	struct control *c = start("failing", dir, sizeof dir);
	REQUIRE(c);
	uint64_t before = last_seq(c);
	block_saves(dir, true);
	CHECK_OK(action_record(c, &err), &err);
	CHECK(poll_for(c, 10000, recording));
	poll_for(c, 300, NULL);
	CHECK_OK(action_stop(c, &err), &err);
	CHECK(poll_for(c, 20000, take_told)); /* told all the same */
	poll_for(c, 2500, NULL);              /* two retries, at least */
	CHECK_EQ(messages_with(c, before, "cannot save"), 1);
	CHECK_EQ(messages_with(c, before, "trying again every second"), 1);
	CHECK_EQ(saved_take(dir, 1), -1); /* the last good file */
	/* The disk takes it again: said, and the take is in the file. */
	block_saves(dir, false);
	poll_for(c, 3000, NULL);
	CHECK_EQ(messages_with(c, before, "session.json saved again"), 1);
	CHECK_EQ(saved_take(dir, 1), 1);

	/* Stopped while it fails: control_wait_idle() says so. */
	before = last_seq(c);
	block_saves(dir, true);
	CHECK_OK(action_record(c, &err), &err);
	CHECK(poll_for(c, 10000, recording));
	control_lock(c);
	CHECK_OK(control_stop(c, 0, &err), &err);
	enum rl_status st = control_wait_idle(c, &err);
	control_unlock(c);
	CHECK(st != RL_OK);
	CHECK_MSG(strstr(err.message, "cannot save"), "%s", err.message);
	block_saves(dir, false);
	control_close(c); /* the saver writes what it has before it ends */
	CHECK_EQ(saved_take(dir, 2), 1);
}

int main(void)
{
	if (!check_tmpdir(tmp_root, sizeof tmp_root, "control_save"))
		return 2;
	test_failing_saves();
	if (check_failures) {
		fprintf(stderr, "test_control_save: %d of %d checks failed "
		        "(files kept in %s)\n", check_failures, check_count,
		        tmp_root);
		return 1;
	}
	check_rmtree(tmp_root);
	printf("test_control_save: all %d checks passed\n", check_count);
	return 0;
}
