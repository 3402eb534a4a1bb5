/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Record-ready and the ranges a DAW keeps beside the transport: the
 * punch range (the session's, saved in session.json) and the loop range
 * (this run's). Only the state lives here; what play, record and the
 * toggles do with it is the actions' to decide (actions.c), and
 * control_record_now() (control_takes.c) reads the punch range.
 */
#include "control_internal.h"

#include <stdio.h>

enum rl_status control_set_record_ready(struct control *c, bool on,
                                        struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	c->record_ready = on;
	return RL_OK;
}

/* An end of a range is unset or at or after timeline frame 0: before the
 * song nothing is ever recorded (a file's time reference cannot be
 * negative). */
static enum rl_status check_end(const char *what, int64_t frame,
                                struct error *err)
{
	if (frame != ENGINE_NO_FRAME && frame < 0)
		return error_set(err, RL_ERR_INVALID, "the %s (frame %lld) is "
		                 "before the start of the song", what,
		                 (long long)frame);
	return RL_OK;
}

/* Both ends set: the second must come after the first. */
static enum rl_status check_order(const char *first, int64_t a,
                                  const char *second, int64_t b,
                                  struct error *err)
{
	enum rl_status st = check_end(first, a, err);
	if (st == RL_OK)
		st = check_end(second, b, err);
	if (st == RL_OK && a != ENGINE_NO_FRAME && b != ENGINE_NO_FRAME &&
	    b <= a)
		st = error_set(err, RL_ERR_INVALID, "the %s (frame %lld) must "
		               "come after the %s (frame %lld)", second,
		               (long long)b, first, (long long)a);
	return st;
}

enum rl_status control_set_punch(struct control *c,
                                 const struct control_punch *p,
                                 struct error *err)
{
	enum rl_status st = check_order("punch-in", p->in, "punch-out",
	                                p->out, err);
	if (st != RL_OK)
		return st;
	/* The punch points of a take are fixed when it is asked for: a
	 * change now would show a range the take does not use. */
	if (control_takes_open(c))
		return error_set(err, RL_ERR_STATE, "cannot change the punch "
		                 "range while recording");
	struct session_settings *set = &c->session->settings;
	set->punch_in = p->in;
	set->punch_out = p->out;
	set->punch_in_on = p->in_on && p->in != ENGINE_NO_FRAME;
	set->punch_out_on = p->out_on && p->out != ENGINE_NO_FRAME;
	return session_save(c->session, err);
}

enum rl_status control_set_loop_range(struct control *c, int64_t start,
                                      int64_t end, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	enum rl_status st = check_order("loop start", start, "loop end", end,
	                                err);
	if (st != RL_OK)
		return st;
	if (c->loop_on) {
		bool whole = start != ENGINE_NO_FRAME && end != ENGINE_NO_FRAME;
		return control_loop(c, whole, start, end, err);
	}
	c->loop_start = start;
	c->loop_end = end;
	return RL_OK;
}

int64_t control_play_head(const struct control *c)
{
	if (!c->engine)
		return 0;
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	return control_timeline_of(c, &snap);
}

enum jack_transport_mode control_transport_mode(const struct control *c)
{
	return c->config.transport;
}
