/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The actions of record-ready and the punch and loop ranges (actions.h):
 * what a DAW's record-enable, punch switches and range markers do,
 * decided once for the UI's keys and the OSC paths. The state is the
 * control layer's (control_ranges.c); play and record read it
 * (actions.c: roll(), record()). Any front-end thread.
 */
#include "actions_internal.h"

#include "redlight/tempo_map.h"

#include <stdio.h>

/* "bar|beat|tick" of a timeline frame, for the messages. */
/* A record from here that the punch range leaves nothing to record:
 * the play head is at or past the punch-out and no pre-roll goes back
 * before it. The take stays pending; the engineer should know why. */
static void warn_past_punch(struct control *c)
{
	struct control_status st;
	control_status(c, &st);
	bool pre_roll = st.punch.in_on && control_settings(c)->pre_roll_bars;
	if (!st.punch.out_on || pre_roll ||
	    control_play_head(c) < st.punch.out)
		return;
	char at[48];
	control_position_text(c, st.punch.out, at, sizeof at);
	control_post(c, CONTROL_WARNING, "the play head is past the punch-out "
	             "(%s): nothing records until the transport is back "
	             "before it", at);
}

enum rl_status actions_record_now(struct control *c, struct error *err)
{
	enum rl_status st = control_record_now(c, err);
	if (st == RL_OK)
		warn_past_punch(c);
	return st;
}

static enum rl_status record_ready(struct control *c, bool on,
                                   struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	enum rl_status rs = control_set_record_ready(c, on, err);
	if (rs != RL_OK)
		return rs;
	/* Ardour stops recording and rolls on; redlight cannot end a take
	 * and keep rolling, so off ends the take the way stop does. */
	if (!on && st.record_armed)
		return control_stop(c, 0, err);
	/* On while rolling: recording from here, as Ardour's does. */
	if (on && st.transport == ENGINE_ROLLING && !st.record_armed &&
	    st.armed_tracks)
		return actions_record_now(c, err);
	return RL_OK;
}

static enum rl_status record_ready_toggle(struct control *c,
                                          struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	return record_ready(c, !(st.record_ready || st.record_armed), err);
}

/* A position as typed, or (NULL, "") the play head. */
static enum rl_status position_or_here(struct control *c, const char *text,
                                       int64_t *frame, struct error *err)
{
	if (text && text[0])
		return control_parse_position(c, text, frame, err);
	*frame = control_play_head(c);
	return RL_OK;
}

/* Set the punch range to *p and say where it is now. */
static enum rl_status punch_apply(struct control *c,
                                  const struct control_punch *p,
                                  const char *cleared, struct error *err)
{
	enum rl_status st = control_set_punch(c, p, err);
	if (st != RL_OK)
		return st;
	char a[48] = "none", b[48] = "none";
	if (p->in != ENGINE_NO_FRAME)
		control_position_text(c, p->in, a, sizeof a);
	if (p->out != ENGINE_NO_FRAME)
		control_position_text(c, p->out, b, sizeof b);
	control_post(c, CONTROL_INFO, "punch-in %s, punch-out %s: %s%s", a, b,
	             p->in_on || p->out_on ? "on" : "off", cleared);
	return RL_OK;
}

static enum rl_status punch_set(struct control *c, const char *from,
                                const char *to, struct error *err)
{
	int64_t a = 0, b = 0;
	enum rl_status st = actions_range_bounds(c, "punch", from, to, &a, &b,
	                                         err);
	struct control_punch p = { .in = a, .out = b, .in_on = true,
	                           .out_on = true };
	return st == RL_OK ? punch_apply(c, &p, "", err) : st;
}

/* One end of the punch range at `position`, and on; the other end is
 * cleared if it is no longer on its side. */
static enum rl_status punch_end(struct control *c, bool out,
                                const char *position, struct error *err)
{
	int64_t f;
	enum rl_status st = position_or_here(c, position, &f, err);
	if (st != RL_OK)
		return st;
	struct control_status cs;
	control_status(c, &cs);
	struct control_punch p = cs.punch;
	int64_t *mine = out ? &p.out : &p.in, *other = out ? &p.in : &p.out;
	bool *mine_on = out ? &p.out_on : &p.in_on;
	bool *other_on = out ? &p.in_on : &p.out_on;
	*mine = f;
	*mine_on = true;
	const char *cleared = "";
	if (*other != ENGINE_NO_FRAME && (out ? *other >= f : *other <= f)) {
		*other = ENGINE_NO_FRAME;
		*other_on = false;
		cleared = out ? "; the punch-in after it is cleared"
		              : "; the punch-out before it is cleared";
	}
	return punch_apply(c, &p, cleared, err);
}

static enum rl_status punch_clear(struct control *c, struct error *err)
{
	struct control_punch p = { .in = ENGINE_NO_FRAME,
	                           .out = ENGINE_NO_FRAME };
	enum rl_status st = control_set_punch(c, &p, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "punch range cleared");
	return st;
}

static enum rl_status punch(struct control *c, bool on, struct error *err)
{
	struct control_status cs;
	control_status(c, &cs);
	struct control_punch p = cs.punch;
	if (on && p.in == ENGINE_NO_FRAME && p.out == ENGINE_NO_FRAME)
		return error_set(err, RL_ERR_STATE, "no punch range yet: set a "
		                 "punch-in or punch-out first");
	p.in_on = p.out_on = on;
	return punch_apply(c, &p, "", err);
}

static enum rl_status punch_toggle(struct control *c, struct error *err)
{
	struct control_status cs;
	control_status(c, &cs);
	return punch(c, !(cs.punch.in_on || cs.punch.out_on), err);
}

/* Ardour's two switches: one end on or off. */
static enum rl_status punch_end_toggle(struct control *c, bool out,
                                       struct error *err)
{
	struct control_status cs;
	control_status(c, &cs);
	struct control_punch p = cs.punch;
	if ((out ? p.out : p.in) == ENGINE_NO_FRAME)
		return error_set(err, RL_ERR_STATE, "no punch-%s set yet",
		                 out ? "out" : "in");
	if (out)
		p.out_on = !p.out_on;
	else
		p.in_on = !p.in_on;
	return punch_apply(c, &p, "", err);
}

/* One end of the loop range at `position`, the other cleared if it is no
 * longer on its side. */
static enum rl_status loop_end_at(struct control *c, bool end,
                                  const char *position, struct error *err)
{
	int64_t f;
	enum rl_status st = position_or_here(c, position, &f, err);
	if (st != RL_OK)
		return st;
	struct control_status cs;
	control_status(c, &cs);
	int64_t a = end ? cs.loop_start : f, b = end ? f : cs.loop_end;
	bool cleared = a != ENGINE_NO_FRAME && b != ENGINE_NO_FRAME && b <= a;
	if (cleared && end)
		a = ENGINE_NO_FRAME;
	else if (cleared)
		b = ENGINE_NO_FRAME;
	st = control_set_loop_range(c, a, b, err);
	if (st != RL_OK)
		return st;
	char at[48];
	control_position_text(c, f, at, sizeof at);
	control_post(c, CONTROL_INFO, "loop %s at %s%s%s",
	             end ? "end" : "start", at, cleared ? (end ? "; the start after it is cleared"
	                                : "; the end before it is cleared")
	                         : "",
	             cleared && cs.loop_on ? " (looping stopped)" : "");
	return RL_OK;
}

static enum rl_status loop_clear(struct control *c, struct error *err)
{
	enum rl_status st = control_set_loop_range(c, ENGINE_NO_FRAME,
	                                           ENGINE_NO_FRAME, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "loop range cleared");
	return st;
}

/* ---- the actions ------------------------------------------------------ */

enum rl_status action_record_ready(struct control *c, bool on,
                                   struct error *err)
{
	LIVE(record_ready(c, on, err));
}

enum rl_status action_record_ready_toggle(struct control *c,
                                          struct error *err)
{
	LIVE(record_ready_toggle(c, err));
}

enum rl_status action_punch_set(struct control *c, const char *from,
                                const char *to, struct error *err)
{
	LIVE(punch_set(c, from, to, err));
}

enum rl_status action_punch_in(struct control *c, const char *position,
                               struct error *err)
{
	LIVE(punch_end(c, false, position, err));
}

enum rl_status action_punch_out(struct control *c, const char *position,
                                struct error *err)
{
	LIVE(punch_end(c, true, position, err));
}

enum rl_status action_punch_clear(struct control *c, struct error *err)
{
	LIVE(punch_clear(c, err));
}

enum rl_status action_punch(struct control *c, bool on, struct error *err)
{
	LIVE(punch(c, on, err));
}

enum rl_status action_punch_toggle(struct control *c, struct error *err)
{
	LIVE(punch_toggle(c, err));
}

enum rl_status action_punch_in_toggle(struct control *c, struct error *err)
{
	LIVE(punch_end_toggle(c, false, err));
}

enum rl_status action_punch_out_toggle(struct control *c, struct error *err)
{
	LIVE(punch_end_toggle(c, true, err));
}

enum rl_status action_loop_start(struct control *c, const char *position,
                                 struct error *err)
{
	LIVE(loop_end_at(c, false, position, err));
}

enum rl_status action_loop_end(struct control *c, const char *position,
                               struct error *err)
{
	LIVE(loop_end_at(c, true, position, err));
}

enum rl_status action_loop_clear(struct control *c, struct error *err)
{
	LIVE(loop_clear(c, err));
}
