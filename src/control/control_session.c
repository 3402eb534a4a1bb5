/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Takes and comps from the front-ends: keep, rate, note, discard, restore,
 * make and use comps. The session's rules (session.h, comp.h), saved at
 * once; a change to what the tracks play is heard from the next stop.
 */
#include "control_internal.h"

#include "redlight/comp.h"

const struct session *control_session(const struct control *c)
{
	return c->session;
}

/* A change to what tracks play: saved now, heard from the next stop. */
static enum rl_status playback_changed(struct control *c, enum rl_status st,
                                       struct error *err)
{
	if (st == RL_OK)
		st = session_save(c->session, err);
	if (st == RL_OK)
		c->streams_dirty = true;
	return st;
}

enum rl_status control_take_keep(struct control *c, uint32_t take,
                                 uint32_t track_number, struct error *err)
{
	return playback_changed(c, session_set_keeper(c->session, take,
	                                              track_number, err), err);
}

enum rl_status control_take_rate(struct control *c, uint32_t take,
                                 uint32_t rating, struct error *err)
{
	enum rl_status st = session_take_set_rating(c->session, take, rating,
	                                            err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

enum rl_status control_take_note(struct control *c, uint32_t take,
                                 const char *text, struct error *err)
{
	enum rl_status st = session_take_set_note(c->session, take, text, err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

enum rl_status control_take_discard(struct control *c, uint32_t take,
                                    struct error *err)
{
	/* session_discard_take() saves by itself. */
	enum rl_status st = session_discard_take(c->session, take, err);
	if (st == RL_OK)
		c->streams_dirty = true;
	return st;
}

enum rl_status control_take_restore(struct control *c, uint32_t take,
                                    struct error *err)
{
	enum rl_status st = session_restore_take(c->session, take, err);
	if (st == RL_OK)
		c->streams_dirty = true;
	return st;
}

enum rl_status control_use_comp(struct control *c, uint32_t number, bool on,
                                struct error *err)
{
	return playback_changed(c, session_use_comp(c->session, number, on,
	                                            err), err);
}

enum rl_status control_make_comp(struct control *c, uint32_t track_number,
                                 uint32_t base_take,
                                 const struct comp_choice *choices,
                                 size_t count, double fade_ms,
                                 uint32_t *number, struct error *err)
{
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE, "not while recording: a "
		                 "comp is rendered when the take is done");
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return playback_changed(c, comp_make(c->session, c->map, track_number,
	                                     base_take, choices, count,
	                                     fade_ms, number, err), err);
}
