/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The user actions (actions.h): what a key, an OSC message or a command
 * line asks for, decided once. Each public function takes the control
 * lock and runs a static body named for it (action_record: record()),
 * or a control call directly; the bodies call each other freely, since
 * they all run under the lock.
 * Any front-end thread.
 */
#include "actions_internal.h"

#include "redlight/comp.h"
#include "redlight/tempo_map.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

static bool label_is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * The span [*start, *end) of a song section: consecutive map entries of
 * one section are one range, a labelled entry starts a new one. The
 * section is the one called `label`, or (label NULL) the one that holds
 * `frame`. False if there is none.
 */
static bool section_span(const struct tempo_map *map, const char *label,
                         int64_t frame, int64_t *start, int64_t *end)
{
	size_t n = map ? tempo_map_entry_count(map) : 0;
	bool open = false;
	const char *name = NULL;
	for (size_t i = 0; i < n; i++) {
		struct tempo_map_entry_info e;
		tempo_map_entry(map, i, &e);
		bool same = open && !e.label && label_is(e.section, name) &&
		            *end == e.start_frame;
		if (same) {
			*end = e.end_frame;
			continue;
		}
		if (open && (label ? label_is(name, label)
		                   : frame >= *start && frame < *end))
			return true;
		open = e.section != NULL;
		name = e.section;
		*start = e.start_frame;
		*end = e.end_frame;
	}
	return open && (label ? label_is(name, label)
	                      : frame >= *start && frame < *end);
}

/* Take 0 is the last take finished. */
static enum rl_status resolve_take(struct control *c, uint32_t *take,
                                   struct error *err)
{
	if (*take)
		return RL_OK;
	struct control_status st;
	control_status(c, &st);
	*take = st.last_take;
	if (!*take)
		return error_set(err, RL_ERR_NOT_FOUND, "take 0 means the last "
		                 "take, and none has finished yet");
	return RL_OK;
}

static const char *track_name(const struct control *c, uint32_t number)
{
	const struct session *s = control_session(c);
	return number >= 1 && number <= s->track_count
	               ? s->tracks[number - 1].name
	               : "?";
}

/* Every track as control_tracks() shows it; *out is the caller's to
 * free. */
static enum rl_status read_tracks(struct control *c,
                                  struct control_track **out, size_t *count,
                                  struct error *err)
{
	*count = control_tracks(c, NULL, 0);
	*out = calloc(*count ? *count : 1, sizeof **out);
	if (!*out)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	*count = control_tracks(c, *out, *count);
	return RL_OK;
}

/* One track's state; RL_ERR_NOT_FOUND if there is no such number. */
static enum rl_status read_track(struct control *c, uint32_t number,
                                 struct control_track *out,
                                 struct error *err)
{
	struct control_track *all;
	size_t n;
	enum rl_status st = read_tracks(c, &all, &n, err);
	if (st != RL_OK)
		return st;
	st = error_set(err, RL_ERR_NOT_FOUND, "no track %u (the session has "
	               "%zu)", number, n);
	for (size_t i = 0; i < n; i++) {
		if (all[i].number == number) {
			*out = all[i];
			error_clear(err);
			st = RL_OK;
		}
	}
	free(all);
	return st;
}

/* ---- bodies (under the lock) ------------------------------------------ */

/* Play: from a stopped transport with record-ready on, a record press
 * instead (a DAW's record-enable then play). With nothing armed there is
 * nothing to record: it plays, and says why. */
static enum rl_status roll(struct control *c, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	if (!st.record_ready || st.record_armed ||
	    st.transport != ENGINE_STOPPED)
		return control_play(c, err);
	if (st.armed_tracks == 0) {
		control_post(c, CONTROL_WARNING, "record-ready, but no track "
		             "is armed: playing without recording");
		return control_play(c, err);
	}
	enum rl_status rs = actions_record_now(c, err);
	/* Following JACK's transport a record only waits for it to roll
	 * (as `r` does); play is what starts it rolling. As its master,
	 * the record has started it already. */
	if (rs == RL_OK &&
	    control_transport_mode(c) == JACK_TRANSPORT_FOLLOW)
		rs = control_play(c, err);
	return rs;
}

static enum rl_status toggle_roll(struct control *c, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	if (st.transport != ENGINE_STOPPED || st.record_armed)
		return control_stop(c, 0, err);
	return roll(c, err);
}

static enum rl_status record(struct control *c, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	if (st.recording)
		return error_set(err, RL_ERR_STATE, "already recording take %03u "
		                 "(stop first, or start a new take)", st.take);
	if (st.record_armed)
		return error_set(err, RL_ERR_STATE, "already recording (waiting "
		                 "to start)");
	/* control_record() refuses the rest, the first that applies of: a
	 * recorder not started, a server gone, no track armed. */
	return actions_record_now(c, err);
}

static enum rl_status record_toggle(struct control *c, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	return st.record_armed ? control_stop(c, 0, err) : record(c, err);
}

static enum rl_status record_punch(struct control *c, const char *from,
                                   const char *to, struct error *err)
{
	struct control_record_options o;
	control_record_options_init(&o);
	const struct session_settings *set = control_settings(c);
	o.count_in_bars = set->count_in_bars;
	o.pre_roll_bars = set->pre_roll_bars;
	enum rl_status st = control_parse_position(c, from, &o.punch_in, err);
	if (st == RL_OK && to && to[0])
		st = control_parse_position(c, to, &o.punch_out, err);
	if (st != RL_OK)
		return st;
	if (o.punch_out != ENGINE_NO_FRAME && o.punch_out <= o.punch_in)
		return error_set(err, RL_ERR_INVALID, "the punch-out ('%s') must "
		                 "come after the punch-in ('%s')", to, from);
	return control_record(c, &o, err);
}

static enum rl_status marker(struct control *c, const char *name,
                             struct error *err)
{
	enum rl_status st = control_add_marker(c, name, err);
	uint32_t take = 0;
	struct session_marker mk;
	const struct tempo_map *map = control_tempo_map(c);
	if (st == RL_OK && map && control_last_marker(c, &take, &mk)) {
		char at[48], in_take[32] = "";
		control_position_text(c, (int64_t)mk.frame, at, sizeof at);
		if (take)
			snprintf(in_take, sizeof in_take, " in take %03u", take);
		control_post(c, CONTROL_INFO, "marker \"%s\"%s at %s",
		             mk.name, in_take, at);
	}
	return st;
}

static enum rl_status locate(struct control *c, const char *position,
                             struct error *err)
{
	int64_t frame;
	enum rl_status st = control_parse_position(c, position, &frame, err);
	return st == RL_OK ? control_locate(c, frame, err) : st;
}

static enum rl_status locate_frame(struct control *c, int64_t frame,
                                   bool roll_after, struct error *err)
{
	enum rl_status st = control_locate(c, frame, err);
	return st == RL_OK && roll_after ? roll(c, err) : st;
}

static enum rl_status locate_seconds(struct control *c, double seconds,
                                     struct error *err)
{
	if (!(seconds >= 0 && seconds <= 1e7))
		return error_set(err, RL_ERR_INVALID, "a time must be 0 to "
		                 "10000000 s, got %g", seconds);
	return control_locate(c, llround(seconds * control_sample_rate(c)),
	                      err);
}

static enum rl_status jump_bars(struct control *c, int64_t bars,
                                struct error *err)
{
	if (bars == 0)
		return RL_OK;
	struct control_position pos;
	control_position(c, &pos);
	/* The bar's first frame, not its tick 0: a tick is 12 frames and
	 * more, and a play head a few frames into the bar is inside it. */
	const struct tempo_map *map = control_tempo_map(c);
	bool on_bar = map && pos.frame == tempo_map_bar_frame(map, pos.bbt.bar);
	int64_t bar = pos.bbt.bar + bars + (bars < 0 && !on_bar ? 1 : 0);
	return control_locate_bar(c, bar < 1 ? 1 : bar, err);
}

static enum rl_status step_section(struct control *c, int dir,
                                   struct error *err)
{
	const struct tempo_map *map = control_tempo_map(c);
	struct control_position pos;
	control_position(c, &pos);
	int64_t grace = control_sample_rate(c) / 4;
	size_t n = map ? tempo_map_entry_count(map) : 0;
	bool found = false;
	int64_t best = 0;
	for (size_t i = 0; i < n; i++) {
		struct tempo_map_entry_info e;
		tempo_map_entry(map, i, &e);
		int64_t at = e.start_frame;
		bool later = dir > 0 && at > pos.frame && (!found || at < best);
		bool earlier = dir < 0 && at < pos.frame - grace &&
		               (!found || at > best);
		if (e.label && (later || earlier)) {
			best = at;
			found = true;
		}
	}
	if (!found)
		return error_set(err, RL_ERR_NOT_FOUND, "no %s section%s",
		                 dir > 0 ? "next" : "previous",
		                 n ? "" : " (the tempo map has none)");
	return control_locate(c, best, err);
}

/* actions_internal.h */
enum rl_status actions_range_bounds(struct control *c, const char *what,
                                    const char *from, const char *to,
                                    int64_t *a, int64_t *b,
                                    struct error *err)
{
	char left[256];
	snprintf(left, sizeof left, "%s", from);
	char *colon = to ? NULL : strchr(left, ':');
	if (!to && !colon) {
		if (section_span(control_tempo_map(c), left, 0, a, b))
			return RL_OK;
		return error_set(err, RL_ERR_INVALID, "%s '%s': want START:END "
		                 "(17:25, verse1:chorus1, 12s:20s) or a section",
		                 what, from);
	}
	if (colon)
		*colon = '\0';
	enum rl_status st = control_parse_position(c, left, a, err);
	if (st == RL_OK)
		st = control_parse_position(c, colon ? colon + 1 : to, b, err);
	if (st == RL_OK && *b <= *a)
		st = error_set(err, RL_ERR_INVALID, "'%s' to '%s': the %s "
		               "must end after it starts", left,
		               colon ? colon + 1 : to, what);
	return st;
}

static enum rl_status loop_range(struct control *c, const char *from,
                                 const char *to, struct error *err)
{
	int64_t a = 0, b = 0;
	enum rl_status st = actions_range_bounds(c, "loop", from, to, &a, &b,
	                                         err);
	return st == RL_OK ? control_loop(c, true, a, b, err) : st;
}

static enum rl_status loop(struct control *c, bool on, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	int64_t a = st.loop_start, b = st.loop_end;
	/* Off keeps the range, so that on loops it again. */
	if (!on)
		return control_loop(c, false, a, b, err);
	if ((a == ENGINE_NO_FRAME) != (b == ENGINE_NO_FRAME))
		return error_set(err, RL_ERR_STATE, "the loop range has no %s "
		                 "yet: set it, or clear the range",
		                 a == ENGINE_NO_FRAME ? "start" : "end");
	if (b <= a && !section_span(control_tempo_map(c), NULL, st.pos.frame,
	                            &a, &b))
		return error_set(err, RL_ERR_STATE, "no loop range yet, and the "
		                 "play head is in no section: give a range "
		                 "(START:END or a section)");
	return control_loop(c, true, a, b, err);
}

static enum rl_status loop_toggle(struct control *c, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	return loop(c, !st.loop_on, err);
}

static enum rl_status click_toggle(struct control *c, struct error *err)
{
	struct control_status st;
	control_status(c, &st);
	return control_set_click(c, !st.click_on, err);
}

static enum rl_status scratch_level(struct control *c, double db,
                                    struct error *err)
{
	if (!control_settings(c)->scratch[0])
		return error_set(err, RL_ERR_NOT_FOUND, "the session has no "
		                 "scratch track (redlight record --scratch FILE)");
	return control_set_stream_level(c, 0, db, err);
}

static enum rl_status find_track(struct control *c, const char *text,
                                 uint32_t *number, struct error *err)
{
	*number = control_find_track(c, text);
	if (*number)
		return RL_OK;
	size_t n = control_session(c)->track_count;
	return error_set(err, RL_ERR_NOT_FOUND, "no track '%s' (the session "
	                 "has %zu: give 1-%zu or a name)", text, n, n);
}

static enum rl_status arm_toggle(struct control *c, uint32_t number,
                                 struct error *err)
{
	struct control_track t;
	enum rl_status st = read_track(c, number, &t, err);
	return st == RL_OK ? control_arm_track(c, number, !t.armed, err) : st;
}

static bool can_arm(const struct control_track *t)
{
	return t->has_input && !t->rec_safe;
}

static enum rl_status arm_all(struct control *c, int on, struct error *err)
{
	struct control_track *t;
	size_t n;
	enum rl_status st = read_tracks(c, &t, &n, err);
	if (st != RL_OK)
		return st;
	if (on < 0) {
		on = 0;
		for (size_t i = 0; i < n; i++)
			if (can_arm(&t[i]) && !t[i].armed)
				on = 1;
	}
	for (size_t i = 0; i < n && st == RL_OK; i++)
		if (can_arm(&t[i]) && t[i].armed != (on != 0))
			st = control_arm_track(c, t[i].number, on != 0, err);
	free(t);
	return st;
}

static enum rl_status monitor_toggle(struct control *c, uint32_t number,
                                     struct error *err)
{
	struct control_track t;
	enum rl_status st = read_track(c, number, &t, err);
	if (st != RL_OK)
		return st;
	return control_monitor_track(c, number, !t.monitor, t.monitor_db, err);
}

static enum rl_status take_keep(struct control *c, uint32_t take,
                                uint32_t track, struct error *err)
{
	enum rl_status st = resolve_take(c, &take, err);
	if (st == RL_OK)
		st = control_take_keep(c, take, track, err);
	if (st == RL_OK && track)
		control_post(c, CONTROL_INFO, "take %03u is the keeper of track "
		             "%u (%s), heard from the next play or locate",
		             take, track, track_name(c, track));
	else if (st == RL_OK)
		control_post(c, CONTROL_INFO, "take %03u is the keeper of every "
		             "track it has, heard from the next play or locate",
		             take);
	return st;
}

static enum rl_status take_play(struct control *c, uint32_t take, bool alone,
                                struct error *err)
{
	enum rl_status st = resolve_take(c, &take, err);
	if (st == RL_OK)
		st = control_listen_take(c, take, alone, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "listening to take %03u%s from its "
		             "start; stop returns to where the transport was",
		             take, alone ? " alone" : " with the keepers");
	return st;
}

static enum rl_status take_rate(struct control *c, uint32_t take,
                                uint32_t rating, struct error *err)
{
	enum rl_status st = resolve_take(c, &take, err);
	return st == RL_OK ? control_take_rate(c, take, rating, err) : st;
}

static enum rl_status take_note(struct control *c, uint32_t take,
                                const char *text, struct error *err)
{
	enum rl_status st = resolve_take(c, &take, err);
	return st == RL_OK ? control_take_note(c, take, text, err) : st;
}

static enum rl_status take_discard(struct control *c, uint32_t take,
                                   struct error *err)
{
	enum rl_status st = resolve_take(c, &take, err);
	if (st == RL_OK)
		st = control_take_discard(c, take, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "take %03u moved to the trash "
		             "(restore brings it back)", take);
	return st;
}

static enum rl_status take_restore(struct control *c, uint32_t take,
                                   struct error *err)
{
	enum rl_status st = resolve_take(c, &take, err);
	if (st == RL_OK)
		st = control_take_restore(c, take, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "take %03u restored", take);
	return st;
}

static enum rl_status use_comp(struct control *c, uint32_t comp, bool on,
                               struct error *err)
{
	enum rl_status st = control_use_comp(c, comp, on, err);
	if (st == RL_OK && on)
		control_post(c, CONTROL_INFO, "comp %03u plays on its track "
		             "(heard from the next play or locate)", comp);
	else if (st == RL_OK)
		control_post(c, CONTROL_INFO, "comp %03u set aside: the keeper "
		             "take plays (heard from the next play or locate)",
		             comp);
	return st;
}

static enum rl_status make_comp(struct control *c, uint32_t track,
                                uint32_t base_take,
                                const struct comp_choice *choices,
                                size_t count, double fade_ms,
                                uint32_t *number, struct error *err)
{
	enum rl_status st = control_make_comp(c, track, base_take, choices,
	                                      count, fade_ms, number, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "comp %03u of %s made: heard "
		             "from the next play or locate", *number,
		             track_name(c, track));
	return st;
}

static enum rl_status track_add(struct control *c, const char *name,
                                const struct control_track_change *change,
                                uint32_t *number, struct error *err)
{
	static const struct control_track_change none;
	*number = 0;
	return control_edit_track(c, true, name, change ? change : &none,
	                          number, err);
}

/* ---- the actions: each body under the lock ---------------------------- */

enum rl_status action_play(struct control *c, struct error *err)
{
	LIVE(roll(c, err));
}

enum rl_status action_stop(struct control *c, struct error *err)
{
	LIVE(control_stop(c, 0, err));
}

enum rl_status action_toggle_roll(struct control *c, struct error *err)
{
	LIVE(toggle_roll(c, err));
}

enum rl_status action_record(struct control *c, struct error *err)
{
	LIVE(record(c, err));
}

enum rl_status action_record_toggle(struct control *c, struct error *err)
{
	LIVE(record_toggle(c, err));
}

enum rl_status action_record_punch(struct control *c, const char *from,
                                   const char *to, struct error *err)
{
	LIVE(record_punch(c, from, to, err));
}

enum rl_status action_stop_after_pass(struct control *c, struct error *err)
{
	LIVE(control_stop_after_pass(c, err));
}

enum rl_status action_new_take(struct control *c, struct error *err)
{
	LIVE(control_new_take(c, err));
}

enum rl_status action_marker(struct control *c, const char *name,
                             struct error *err)
{
	LIVE(marker(c, name, err));
}

enum rl_status action_locate(struct control *c, const char *position,
                             struct error *err)
{
	LIVE(locate(c, position, err));
}

enum rl_status action_locate_frame(struct control *c, int64_t frame,
                                   bool roll, struct error *err)
{
	LIVE(locate_frame(c, frame, roll, err));
}

enum rl_status action_locate_seconds(struct control *c, double seconds,
                                     struct error *err)
{
	LIVE(locate_seconds(c, seconds, err));
}

enum rl_status action_locate_bar(struct control *c, int64_t bar,
                                 struct error *err)
{
	LIVE(control_locate_bar(c, bar, err));
}

enum rl_status action_locate_section(struct control *c, const char *label,
                                     struct error *err)
{
	LIVE(control_locate_section(c, label, err));
}

enum rl_status action_return_to_start(struct control *c, struct error *err)
{
	LIVE(control_return_to_start(c, err));
}

enum rl_status action_jump_bars(struct control *c, int64_t bars,
                                struct error *err)
{
	LIVE(jump_bars(c, bars, err));
}

enum rl_status action_step_section(struct control *c, int dir,
                                   struct error *err)
{
	LIVE(step_section(c, dir, err));
}

enum rl_status action_loop_range(struct control *c, const char *from,
                                 const char *to, struct error *err)
{
	LIVE(loop_range(c, from, to, err));
}

enum rl_status action_loop(struct control *c, bool on, struct error *err)
{
	LIVE(loop(c, on, err));
}

enum rl_status action_loop_toggle(struct control *c, struct error *err)
{
	LIVE(loop_toggle(c, err));
}

enum rl_status action_click(struct control *c, bool on, struct error *err)
{
	LIVE(control_set_click(c, on, err));
}

enum rl_status action_click_toggle(struct control *c, struct error *err)
{
	LIVE(click_toggle(c, err));
}

enum rl_status action_click_level(struct control *c, bool cue, double db,
                                  struct error *err)
{
	LIVE(control_set_click_level(c, cue, db, err));
}

enum rl_status action_scratch_level(struct control *c, double db,
                                    struct error *err)
{
	LIVE(scratch_level(c, db, err));
}

enum rl_status action_find_track(struct control *c, const char *text,
                                 uint32_t *number, struct error *err)
{
	LOCKED(find_track(c, text, number, err));
}

enum rl_status action_arm(struct control *c, uint32_t track, bool on,
                          struct error *err)
{
	LIVE(control_arm_track(c, track, on, err));
}

enum rl_status action_arm_toggle(struct control *c, uint32_t track,
                                 struct error *err)
{
	LIVE(arm_toggle(c, track, err));
}

enum rl_status action_arm_all(struct control *c, int on, struct error *err)
{
	LIVE(arm_all(c, on, err));
}

enum rl_status action_monitor(struct control *c, uint32_t track, bool on,
                              double db, struct error *err)
{
	LIVE(control_monitor_track(c, track, on, db, err));
}

enum rl_status action_monitor_toggle(struct control *c, uint32_t track,
                                     struct error *err)
{
	LIVE(monitor_toggle(c, track, err));
}

enum rl_status action_track_cue(struct control *c, uint32_t track, double db,
                                struct error *err)
{
	LOCKED(control_set_track_cue(c, track, db, err));
}

enum rl_status action_track_add(struct control *c, const char *name,
                                const struct control_track_change *change,
                                uint32_t *number, struct error *err)
{
	LOCKED(track_add(c, name, change, number, err));
}

enum rl_status action_track_edit(struct control *c, uint32_t *track,
                                 const struct control_track_change *change,
                                 struct error *err)
{
	LOCKED(control_edit_track(c, false, NULL, change, track, err));
}

enum rl_status action_reset_meters(struct control *c, struct error *err)
{
	LIVE(control_reset_meters(c, err));
}

enum rl_status action_take_keep(struct control *c, uint32_t take,
                                uint32_t track, struct error *err)
{
	LOCKED(take_keep(c, take, track, err));
}

enum rl_status action_take_rate(struct control *c, uint32_t take,
                                uint32_t rating, struct error *err)
{
	LOCKED(take_rate(c, take, rating, err));
}

enum rl_status action_take_note(struct control *c, uint32_t take,
                                const char *text, struct error *err)
{
	LOCKED(take_note(c, take, text, err));
}

enum rl_status action_take_discard(struct control *c, uint32_t take,
                                   struct error *err)
{
	LOCKED(take_discard(c, take, err));
}

enum rl_status action_take_restore(struct control *c, uint32_t take,
                                   struct error *err)
{
	LOCKED(take_restore(c, take, err));
}

enum rl_status action_comp_use(struct control *c, uint32_t comp, bool on,
                               struct error *err)
{
	LOCKED(use_comp(c, comp, on, err));
}

enum rl_status action_take_play(struct control *c, uint32_t take, bool alone,
                                struct error *err)
{
	LIVE(take_play(c, take, alone, err));
}

enum rl_status action_comp_make(struct control *c, uint32_t track,
                                uint32_t base_take,
                                const struct comp_choice *choices,
                                size_t count, double fade_ms,
                                uint32_t *number, struct error *err)
{
	LOCKED(make_comp(c, track, base_take, choices, count, fade_ms, number,
	                 err));
}
