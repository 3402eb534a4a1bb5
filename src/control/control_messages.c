/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The front-ends' side of control: the lock that serialises the UI, OSC
 * and main threads, and the messages for the engineer (a ring of the last
 * ones, SESSION/redlight.log, stderr).
 */
#include "control_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void control_lock(struct control *c)
{
	pthread_mutex_lock(&c->fe_lock);
}

void control_unlock(struct control *c)
{
	pthread_mutex_unlock(&c->fe_lock);
}

void control_set_quiet(struct control *c, bool quiet)
{
	c->quiet = quiet;
}

static const char *level_name(enum control_level level)
{
	switch (level) {
	case CONTROL_INFO: return "info";
	case CONTROL_WARNING: return "warning";
	case CONTROL_ERROR: return "error";
	}
	return "?";
}

void control_post(struct control *c, enum control_level level,
                  const char *fmt, ...)
{
	size_t at = (c->msg_head + c->msg_count) % CONTROL_MESSAGES_KEPT;
	if (c->msg_count == CONTROL_MESSAGES_KEPT)
		c->msg_head = (c->msg_head + 1) % CONTROL_MESSAGES_KEPT;
	else
		c->msg_count++;
	struct control_message *m = &c->msgs[at];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof m->text, fmt, ap);
	va_end(ap);
	m->level = level;
	m->seq = ++c->msg_seq;

	/* The log outlives the screen: what the status line showed for a
	 * moment is there after the session. */
	if (!c->log) {
		char path[SESSION_PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/redlight.log", c->session_dir);
		c->log = fopen(path, "ae");
	}
	if (c->log) {
		char when[40];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
		fprintf(c->log, "%s %s: %s\n", when, level_name(level),
		        m->text);
		fflush(c->log);
	}
	if (!c->quiet && level != CONTROL_INFO)
		fprintf(stderr, "redlight: %s%s\n",
		        level == CONTROL_WARNING ? "warning: " : "", m->text);
}

bool control_next_message(const struct control *c, uint64_t after,
                          struct control_message *out)
{
	for (size_t i = 0; i < c->msg_count; i++) {
		const struct control_message *m =
			&c->msgs[(c->msg_head + i) % CONTROL_MESSAGES_KEPT];
		if (m->seq > after) {
			*out = *m;
			return true;
		}
	}
	return false;
}
