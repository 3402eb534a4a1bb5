/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Takes and comps from the front-ends: keep, rate, note, discard, restore,
 * make and use comps. The session's rules (session.h, comp.h), saved at
 * once; a change to what the tracks play is heard from the next play or
 * locate (control_refresh_streams()).
 */
#include "control_internal.h"

#include "redlight/comp.h"

const struct session *control_session(const struct control *c)
{
	return c->session;
}

/* What the tracks play changed: the streams follow it (at once if
 * stopped, from the next locate if rolling). The change itself is made
 * and saved; a file that cannot be played is said, not a refusal. */
static void streams_follow(struct control *c)
{
	struct error serr;
	if (control_refresh_streams(c, &serr) != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", serr.message);
}

/* A change to what tracks play: saved now, heard from the next play or
 * locate. */
static enum rl_status playback_changed(struct control *c, enum rl_status st,
                                       struct error *err)
{
	if (st == RL_OK)
		st = session_save(c->session, err);
	if (st == RL_OK)
		streams_follow(c);
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
		streams_follow(c);
	return st;
}

enum rl_status control_take_restore(struct control *c, uint32_t take,
                                    struct error *err)
{
	enum rl_status st = session_restore_take(c->session, take, err);
	if (st == RL_OK)
		streams_follow(c);
	return st;
}

enum rl_status control_use_comp(struct control *c, uint32_t number, bool on,
                                struct error *err)
{
	return playback_changed(c, session_use_comp(c->session, number, on,
	                                            err), err);
}

/* Without the recorder (the shell's `redlight comp`), the map is read
 * from the session for this comp alone. */
static enum rl_status offline_comp(struct control *c, uint32_t track_number,
                                   uint32_t base_take,
                                   const struct comp_choice *choices,
                                   size_t count, double fade_ms,
                                   uint32_t *number, struct error *err)
{
	struct session *s = c->session;
	if (s->sample_rate == 0)
		return error_set(err, RL_ERR_STATE, "%s has no takes yet",
		                 s->dir);
	struct tempo_map *map = NULL;
	enum rl_status st = comp_session_map(s, s->sample_rate, &map, err);
	if (st == RL_OK)
		st = comp_make(s, map, track_number, base_take, choices, count,
		               fade_ms, number, err);
	tempo_map_free(map);
	return playback_changed(c, st, err);
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
	if (!c->engine)
		return offline_comp(c, track_number, base_take, choices, count,
		                    fade_ms, number, err);
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return playback_changed(c, comp_make(c->session, c->map, track_number,
	                                     base_take, choices, count,
	                                     fade_ms, number, err), err);
}

/* Apply ch to track *index (which follows the track if it moves). */
static enum rl_status apply_track_change(struct session *s, size_t *index,
                                         const struct control_track_change *ch,
                                         struct error *err)
{
	enum rl_status st = RL_OK;
	if (!st && ch->name)
		st = session_rename_track(s, *index, ch->name, err);
	if (!st && ch->set_source)
		st = session_set_track_sources(s, *index, ch->source,
		                               ch->source_right, err);
	if (!st && ch->set_group)
		st = session_set_track_group(s, *index, ch->group, err);
	if (!st && ch->set_colour)
		st = session_set_track_colour(s, *index, ch->colour, err);
	if (!st && ch->set_gain)
		st = session_set_track_gain(s, *index, ch->gain_db, err);
	if (!st && ch->set_pan)
		st = session_set_track_pan(s, *index, ch->pan, err);
	if (!st && ch->set_rec_safe)
		st = session_set_track_rec_safe(s, *index, ch->rec_safe, err);
	if (!st && ch->set_cue)
		st = session_set_track_cue(s, *index, ch->cue_db, err);
	if (!st && ch->set_monitor)
		st = session_set_track_monitor(s, *index, ch->monitor,
		                               ch->monitor_db, err);
	if (!st && ch->move) {
		st = session_move_track(s, *index, ch->position, err);
		if (!st)
			*index = ch->position;
	}
	return st;
}

/* Forget a half-made change: session.json is what it was. */
static void reload_session(struct control *c)
{
	struct session *fresh = NULL;
	struct error ignored;
	if (session_open(c->session_dir, &fresh, &ignored) == RL_OK) {
		session_free(c->session);
		c->session = fresh;
	}
}

enum rl_status control_edit_track(struct control *c, bool add,
                                  const char *name,
                                  const struct control_track_change *change,
                                  uint32_t *number, struct error *err)
{
	if (c->engine)
		return error_set(err, RL_ERR_STATE, "the tracks of a running "
		                 "recorder are fixed (its ports and rings are "
		                 "made at start): change them between runs");
	struct session *s = c->session;
	size_t index = *number ? *number - 1 : 0;
	enum rl_status st = RL_OK;
	if (add) {
		st = session_check_track_name(s, name, err);
		if (st == RL_OK)
			st = session_add_track(s, name, NULL, &index, err);
	} else if (*number == 0 || *number > s->track_count) {
		return error_set(err, RL_ERR_NOT_FOUND, "no track %u (the "
		                 "session has %zu)", *number, s->track_count);
	}
	if (st == RL_OK)
		st = apply_track_change(s, &index, change, err);
	if (st == RL_OK)
		st = session_save(s, err);
	if (st != RL_OK) {
		reload_session(c);
		return st;
	}
	*number = (uint32_t)index + 1;
	return RL_OK;
}
