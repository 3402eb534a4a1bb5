/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What each OSC address does (doc/osc.md): check every argument first,
 * then take the control lock for the one control call and let go. A
 * failure before the lock is bad input (logged as such, nothing
 * changed); a failure of the control call is the recorder refusing a
 * well-formed command ("not while recording"), logged as an error.
 * Runs on the OSC thread only.
 */
#include "osc_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Handlers                                                               */

/* Commands run under the lock; a failure here is the recorder refusing
 * a well-formed command (reported as such). */
typedef enum rl_status (*command_fn)(struct osc_request *r, void *arg,
                                     struct error *err);

static enum rl_status locked(struct osc_request *r, command_fn fn,
                             void *arg, struct error *err)
{
	control_lock(r->s->c);
	enum rl_status st = fn(r, arg, err);
	control_unlock(r->s->c);
	if (st != RL_OK)
		r->refused = true;
	return st;
}

static enum rl_status cmd_play(struct osc_request *r, void *a,
                               struct error *err)
{
	(void)a;
	return control_play(r->s->c, err);
}

static enum rl_status cmd_stop(struct osc_request *r, void *a,
                               struct error *err)
{
	(void)a;
	return control_stop(r->s->c, 0, err);
}

static enum rl_status cmd_record(struct osc_request *r, void *a,
                                 struct error *err)
{
	(void)a;
	return control_record_now(r->s->c, err);
}

static enum rl_status cmd_toggle_roll(struct osc_request *r, void *a,
                                      struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	return st.transport == ENGINE_STOPPED ? control_play(r->s->c, err)
	                                      : control_stop(r->s->c, 0, err);
}

/* Ardour's record button, REAPER's /record: record if nothing is
 * pending, else stop (redlight has no "record off, keep rolling"). */
static enum rl_status cmd_record_toggle(struct osc_request *r, void *a,
                                        struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	return st.record_armed ? control_stop(r->s->c, 0, err)
	                       : control_record_now(r->s->c, err);
}

static enum rl_status cmd_stop_after_pass(struct osc_request *r, void *a,
                                          struct error *err)
{
	(void)a;
	return control_stop_after_pass(r->s->c, err);
}

static enum rl_status cmd_start(struct osc_request *r, void *a,
                                struct error *err)
{
	(void)a;
	return control_return_to_start(r->s->c, err);
}

static enum rl_status cmd_new_take(struct osc_request *r, void *a,
                                   struct error *err)
{
	(void)a;
	return control_new_take(r->s->c, err);
}

static enum rl_status cmd_reset_meters(struct osc_request *r, void *a,
                                       struct error *err)
{
	(void)a;
	return control_reset_meters(r->s->c, err);
}

static enum rl_status cmd_marker(struct osc_request *r, void *a,
                                 struct error *err)
{
	return control_add_marker(r->s->c, a, err);
}

static enum rl_status cmd_loop_toggle(struct osc_request *r, void *a,
                                      struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	if (st.loop_on)
		return control_loop(r->s->c, false, 0, 0, err);
	if (st.loop_end <= st.loop_start)
		return error_set(err, RL_ERR_STATE, "no loop range yet: send "
		                 "/redlight/loop 1 FROM TO once");
	return control_loop(r->s->c, true, st.loop_start, st.loop_end, err);
}

static enum rl_status cmd_click_toggle(struct osc_request *r, void *a,
                                       struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	return control_set_click(r->s->c, !st.click_on, err);
}

/* A button: act on press (no argument, 1), ignore the release (0). */
static enum rl_status trigger(struct osc_request *r, command_fn fn, void *a,
                              struct error *err)
{
	bool fire;
	enum rl_status st = osc_address_trigger(r->types, r->argv, r->argc,
	                                        &fire, err);
	if (st != RL_OK || !fire)
		return st;
	return locked(r, fn, a, err);
}

struct locate_arg {
	enum { BY_FRAME, BY_TEXT, BY_BAR, BY_SECTION, BY_JUMP } by;
	int64_t frame;
	const char *text;
	bool roll;
};

static enum rl_status cmd_locate(struct osc_request *r, void *a,
                                 struct error *err)
{
	struct locate_arg *l = a;
	struct control *c = r->s->c;
	enum rl_status st;
	switch (l->by) {
	case BY_FRAME:
		st = control_locate(c, l->frame, err);
		break;
	case BY_TEXT: {
		int64_t frame;
		st = control_parse_position(c, l->text, &frame, err);
		if (st == RL_OK)
			st = control_locate(c, frame, err);
		break;
	}
	case BY_BAR:
		st = control_locate_bar(c, l->frame, err);
		break;
	case BY_SECTION:
		st = control_locate_section(c, l->text, err);
		break;
	case BY_JUMP: {
		struct control_position pos;
		control_position(c, &pos);
		int64_t bar = pos.bbt.bar + l->frame;
		st = control_locate_bar(c, bar < 1 ? 1 : bar, err);
		break;
	}
	default:
		st = RL_ERR_INVALID;
	}
	if (st == RL_OK && l->roll)
		st = control_play(c, err);
	return st;
}

/* The UI's [ and ]: the start of the next section after here, or of
 * the last one before (with a quarter second of grace, so pressing it
 * twice while rolling gets past the start just located to). */
static enum rl_status cmd_section_step(struct osc_request *r, void *a,
                                       struct error *err)
{
	int dir = *(int *)a;
	struct control *c = r->s->c;
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
		if (!e.label)
			continue;
		int64_t at = e.start_frame;
		if (dir > 0 && at > pos.frame && (!found || at < best)) {
			best = at;
			found = true;
		}
		if (dir < 0 && at < pos.frame - grace && (!found || at > best)) {
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

/* The UI's A: arm every track that can be, or if all are, disarm them
 * (on < 0: that toggle). Rec-safe tracks and tracks without an input
 * are left alone. */
static enum rl_status cmd_arm_all(struct osc_request *r, void *a,
                                  struct error *err)
{
	int on = *(int *)a;
	size_t n = osc_read_tracks(r->s);
	const struct control_track *t = r->s->tracks;
	if (on < 0) {
		on = 0;
		for (size_t i = 0; i < n; i++) {
			if (t[i].has_input && !t[i].rec_safe && !t[i].armed)
				on = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!t[i].has_input || t[i].rec_safe || t[i].armed == (on != 0))
			continue;
		enum rl_status st = control_arm_track(r->s->c, t[i].number,
		                                      on != 0, err);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

struct loop_arg {
	bool on;
	const char *from, *to;
};

static enum rl_status cmd_loop(struct osc_request *r, void *a,
                               struct error *err)
{
	struct loop_arg *l = a;
	struct control *c = r->s->c;
	if (!l->on)
		return control_loop(c, false, 0, 0, err);
	int64_t start, end;
	if (l->from) {
		enum rl_status st = control_parse_position(c, l->from, &start,
		                                           err);
		if (st == RL_OK)
			st = control_parse_position(c, l->to, &end, err);
		if (st != RL_OK)
			return st;
	} else {
		struct control_status s;
		control_status(c, &s);
		start = s.loop_start;
		end = s.loop_end;
		if (end <= start)
			return error_set(err, RL_ERR_STATE, "no loop range yet: "
			                 "give one (/redlight/loop 1 FROM TO)");
	}
	if (end <= start)
		return error_set(err, RL_ERR_INVALID, "the loop must end after "
		                 "it starts ('%s' to '%s')", l->from, l->to);
	return control_loop(c, true, start, end, err);
}

struct punch_arg {
	const char *from, *to;
};

static enum rl_status cmd_punch(struct osc_request *r, void *a,
                                struct error *err)
{
	struct punch_arg *p = a;
	struct control *c = r->s->c;
	struct control_record_options o;
	control_record_options_init(&o);
	const struct session_settings *set = control_settings(c);
	o.count_in_bars = set->count_in_bars;
	o.pre_roll_bars = set->pre_roll_bars;
	enum rl_status st = control_parse_position(c, p->from, &o.punch_in,
	                                           err);
	if (st == RL_OK && p->to[0])
		st = control_parse_position(c, p->to, &o.punch_out, err);
	if (st != RL_OK)
		return st;
	if (o.punch_out != ENGINE_NO_FRAME && o.punch_out <= o.punch_in)
		return error_set(err, RL_ERR_INVALID, "the punch-out ('%s') "
		                 "must come after the punch-in ('%s')", p->to,
		                 p->from);
	return control_record(c, &o, err);
}

struct level_arg {
	enum { LVL_CLICK_OUT, LVL_CUE_CLICK, LVL_CUE_SCRATCH } which;
	double db;
};

static enum rl_status cmd_level(struct osc_request *r, void *a,
                                struct error *err)
{
	struct level_arg *l = a;
	if (l->which == LVL_CUE_SCRATCH)
		return control_set_stream_level(r->s->c, 0, l->db, err);
	return control_set_click_level(r->s->c, l->which == LVL_CUE_CLICK,
	                               l->db, err);
}

static enum rl_status cmd_click(struct osc_request *r, void *a,
                                struct error *err)
{
	return control_set_click(r->s->c, *(bool *)a, err);
}

/* Track commands: the track by number or name, resolved under the
 * lock (the session's names). */
struct track_arg {
	const char *text;
	enum { TR_ARM, TR_ARM_TOGGLE, TR_MONITOR, TR_CUE } what;
	bool on;
	double db;
};

static enum rl_status resolve_track(struct osc_request *r, const char *text,
                                    uint32_t *number, struct error *err)
{
	*number = control_find_track(r->s->c, text);
	if (*number)
		return RL_OK;
	size_t n = control_session(r->s->c)->track_count;
	return error_set(err, RL_ERR_NOT_FOUND, "no track '%s' (the session "
	                 "has %zu: give 1-%zu or a name)", text, n, n);
}

static enum rl_status cmd_track(struct osc_request *r, void *a,
                                struct error *err)
{
	struct track_arg *t = a;
	struct control *c = r->s->c;
	uint32_t number;
	enum rl_status st = resolve_track(r, t->text, &number, err);
	if (st != RL_OK)
		return st;
	switch (t->what) {
	case TR_ARM_TOGGLE: {
		size_t n = osc_read_tracks(r->s);
		bool armed = number <= n && number <= r->s->tracks_cap &&
		             r->s->tracks[number - 1].armed;
		return control_arm_track(c, number, !armed, err);
	}
	case TR_ARM:
		return control_arm_track(c, number, t->on, err);
	case TR_MONITOR:
		return control_monitor_track(c, number, t->on, t->db, err);
	case TR_CUE:
		return control_set_track_cue(c, number, t->db, err);
	}
	return RL_ERR_INVALID;
}

/* Takes: 0 stands for the last take finished. */
struct take_arg {
	enum { TK_KEEP, TK_RATE, TK_NOTE, TK_DISCARD, TK_RESTORE,
	       TK_COMP } what;
	int64_t take;
	const char *track;   /* keep: NULL for every track */
	int64_t value;       /* rating, comp on */
	const char *text;
};

static enum rl_status cmd_take(struct osc_request *r, void *a,
                               struct error *err)
{
	struct take_arg *t = a;
	struct control *c = r->s->c;
	uint32_t take = (uint32_t)t->take;
	if (t->what != TK_COMP && take == 0) {
		struct control_status st;
		control_status(c, &st);
		take = st.last_take;
		if (!take)
			return error_set(err, RL_ERR_NOT_FOUND, "take 0 means the "
			                 "last take, and none has finished yet");
	}
	switch (t->what) {
	case TK_KEEP: {
		uint32_t track = 0;
		if (t->track) {
			enum rl_status st = resolve_track(r, t->track, &track,
			                                  err);
			if (st != RL_OK)
				return st;
		}
		return control_take_keep(c, take, track, err);
	}
	case TK_RATE:
		return control_take_rate(c, take, (uint32_t)t->value, err);
	case TK_NOTE:
		return control_take_note(c, take, t->text, err);
	case TK_DISCARD:
		return control_take_discard(c, take, err);
	case TK_RESTORE:
		return control_take_restore(c, take, err);
	case TK_COMP:
		return control_use_comp(c, take, t->value != 0, err);
	}
	return RL_ERR_INVALID;
}

/* ---------------------------------------------------------------------- */
/* Feedback requests                                                      */

static enum rl_status parse_subscribe(struct osc_request *r,
                                      struct osc_feedback_prefs *p,
                                      bool *single, uint16_t *port,
                                      double *timeout, struct error *err)
{
	*p = (struct osc_feedback_prefs){ .dialect = OSC_FEEDBACK_REDLIGHT };
	*single = false;
	*port = 0;
	*timeout = OSC_DEFAULT_TIMEOUT;
	enum rl_status st = osc_address_count(r->argc, 0, 2, "[port] "
	                                      "[options]", err);
	for (int i = 0; st == RL_OK && i < r->argc; i++) {
		char t = r->types[i];
		if (t == LO_STRING || t == LO_SYMBOL) {
			char opts[256];
			snprintf(opts, sizeof opts, "%s", (const char *)r->argv[i]);
			char *save = NULL;
			for (char *tok = strtok_r(opts, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				char *end;
				if (!strcmp(tok, "meters")) {
					p->meters = true;
				} else if (!strcmp(tok, "single")) {
					*single = true;
				} else if (!strcmp(tok, "reaper")) {
					p->dialect = OSC_FEEDBACK_REAPER;
				} else if (!strncmp(tok, "timeout=", 8) &&
				           (*timeout = strtod(tok + 8, &end),
				            end != tok + 8 && !*end &&
				            *timeout >= 0 && *timeout <= 86400)) {
					/* 0: until unsubscribed or the port
					 * closes */
				} else {
					return error_set(err, RL_ERR_INVALID,
					                 "unknown option '%s' (meters, "
					                 "reaper, single, "
					                 "timeout=SECONDS)",
					                 tok);
				}
			}
		} else {
			int64_t v;
			st = osc_address_int(r->types, r->argv, i, "port", 0,
			                     65535, &v, err);
			*port = (uint16_t)v;
		}
	}
	return st;
}

/* Ardour's /set_surface with up to nine numbers; only feedback (3rd)
 * and port (7th) matter here, bank_size limits the strips. */
static enum rl_status set_surface(struct osc_request *r, int which,
                                  struct error *err)
{
	struct osc_server *s = r->s;
	int64_t v[9] = { 0 };
	enum rl_status st = osc_address_count(r->argc, 1, which < 0 ? 9 : 1,
	                                      r->route->args, err);
	for (int i = 0; st == RL_OK && i < r->argc; i++)
		st = osc_address_int(r->types, r->argv, i, "value", 0,
		                     INT32_MAX, &v[i], err);
	if (st != RL_OK)
		return st;
	struct osc_client *cl = osc_find_client(s, r->from, OSC_FEEDBACK_ARDOUR);
	if (!cl) {
		/* Feedback may go to another port of the sender. */
		for (size_t i = 0; i < OSC_MAX_CLIENTS && !cl; i++) {
			struct osc_client *x = &s->clients[i];
			if (x->used && x->prefs.dialect == OSC_FEEDBACK_ARDOUR &&
			    osc_same_addr(&x->origin, r->from))
				cl = x;
		}
	}
	struct osc_feedback_prefs p = { .dialect = OSC_FEEDBACK_ARDOUR };
	uint16_t port = 0;
	if (cl) {
		p = cl->prefs;
		port = osc_get_port(&cl->dest);
	}
	if (which < 0) {
		p.bank_size = (uint32_t)v[0];
		p.ardour_bits = r->argc > 2 ? (uint32_t)v[2] : 0;
		if (r->argc > 6)
			port = v[6] > 65535 ? 0 : (uint16_t)v[6];
	} else if (which == OSC_ARDOUR_SURFACE_FEEDBACK) {
		p.ardour_bits = (uint32_t)v[0];
	} else if (which == OSC_ARDOUR_SURFACE_BANK_SIZE) {
		p.bank_size = (uint32_t)v[0];
	} else if (which == OSC_ARDOUR_SURFACE_PORT) {
		if (v[0] > 65535)
			return error_set(err, RL_ERR_INVALID, "port must be 0 to "
			                 "65535, got %" PRId64, v[0]);
		port = (uint16_t)v[0];
		if (cl)
			osc_drop_client(s, cl, "moved to another port");
		cl = NULL;
	}
	if (p.ardour_bits == 0) {
		/* Ardour: feedback 0 is a surface that wants nothing. */
		if (cl)
			osc_drop_client(s, cl, "feedback set to 0");
		return RL_OK;
	}
	/* Ardour surfaces never answer pings: they stay until feedback 0,
	 * or until ICMP says their port is closed. */
	return osc_subscribe(r, &p, false, port, 0.0, err);
}

/* A whole state in one go (query): redlight's paths, with meters and
 * what feedback leaves out. */
struct query_take {
	uint32_t number, tracks, rating;
	uint64_t start, length;
	bool discarded, complete;
	char note[SESSION_NOTE_MAX];
};

static void send_query(struct osc_request *r)
{
	struct osc_server *s = r->s;
	struct control *c = s->c;
	struct osc_feedback_state state;
	osc_feedback_state_init(&state);
	struct control_status st;
	struct session_settings set;
	struct query_take *takes = NULL;
	size_t take_count = 0;
	char (*sections)[TEMPO_MAP_LABEL_MAX + 1] = NULL;
	size_t section_count = 0;
	char dir[SESSION_PATH_MAX];

	control_lock(c);
	control_status(c, &st);
	size_t n = osc_read_tracks(s);
	set = *control_settings(c);
	const struct session *ses = control_session(c);
	snprintf(dir, sizeof dir, "%s", ses->dir);
	takes = calloc(ses->take_count ? ses->take_count : 1, sizeof *takes);
	for (size_t i = 0; takes && i < ses->take_count; i++) {
		const struct session_take *t = &ses->takes[i];
		takes[i] = (struct query_take){
			.number = t->number, .tracks = (uint32_t)t->file_count,
			.rating = t->rating, .start = t->start_frame,
			.length = t->length, .discarded = t->discarded,
			.complete = t->complete,
		};
		snprintf(takes[i].note, sizeof takes[i].note, "%s", t->note);
		take_count++;
	}
	const struct tempo_map *map = control_tempo_map(c);
	size_t entries = map ? tempo_map_entry_count(map) : 0;
	sections = calloc(entries ? entries : 1, sizeof *sections);
	for (size_t i = 0; sections && i < entries; i++) {
		struct tempo_map_entry_info e;
		tempo_map_entry(map, i, &e);
		if (e.label)
			snprintf(sections[section_count++], sizeof *sections,
			         "%s", e.label);
	}
	control_unlock(c);

	struct osc_out e;
	osc_out_init(&e, s, r->from, r->from_len, false);
	struct osc_feedback_prefs prefs = { .dialect = OSC_FEEDBACK_REDLIGHT,
	                                    .meters = true };
	if (osc_feedback_state_set(&state, &st, s->tracks, n, dir, NULL) ==
	    RL_OK) {
		state.error_seq = s->state.error_seq;
		snprintf(state.error, sizeof state.error, "%s", s->state.error);
		osc_feedback_diff(&prefs, NULL, &state, osc_out_emit, &e);
	}
	char path[96];
	lo_message m;
#define SEND(p, ...)                                                     \
	do {                                                             \
		if ((m = lo_message_new())) {                            \
			__VA_ARGS__;                                     \
			osc_out_add(&e, (p), m);                         \
			lo_message_free(m);                              \
		}                                                        \
	} while (0)
	SEND("/redlight/rate", lo_message_add_int32(m, (int32_t)st.sample_rate));
	SEND("/redlight/buffer", lo_message_add_int32(m, (int32_t)st.buffer_size));
	SEND("/redlight/dsp", lo_message_add_float(m, (float)st.dsp_load_pct));
	SEND("/redlight/ring", lo_message_add_float(m, (float)st.ring_fill_pct));
	SEND("/redlight/loop/range", lo_message_add_int64(m, st.loop_start);
	     lo_message_add_int64(m, st.loop_end));
	SEND("/redlight/punch",
	     lo_message_add_int64(m, st.punch_in == ENGINE_NO_FRAME ? -1
	                                                            : st.punch_in);
	     lo_message_add_int64(m, st.punch_out == ENGINE_NO_FRAME ? -1
	                                                             : st.punch_out));
	SEND("/redlight/settings/count_in",
	     lo_message_add_int32(m, (int32_t)set.count_in_bars));
	SEND("/redlight/settings/pre_roll",
	     lo_message_add_int32(m, (int32_t)set.pre_roll_bars));
	SEND("/redlight/cue/click/level",
	     lo_message_add_float(m, isfinite(set.cue_click_db)
	                              ? (float)set.cue_click_db : -200.0f));
	SEND("/redlight/click/level/db",
	     lo_message_add_float(m, isfinite(set.click_level_db)
	                              ? (float)set.click_level_db : -200.0f));
	SEND("/redlight/cue/scratch/level",
	     lo_message_add_float(m, isfinite(set.cue_scratch_db)
	                              ? (float)set.cue_scratch_db : -200.0f));
	for (size_t i = 0; i < n; i++) {
		const struct control_track *t = &s->tracks[i];
		snprintf(path, sizeof path, "/redlight/track/%u/info", t->number);
		SEND(path, lo_message_add_int32(m, t->rec_safe);
		     lo_message_add_int32(m, t->monitor);
		     lo_message_add_float(m, isfinite(t->monitor_db)
		                              ? (float)t->monitor_db : -200.0f);
		     lo_message_add_float(m, isfinite(t->cue_db)
		                              ? (float)t->cue_db : -200.0f);
		     lo_message_add_int32(m, (int32_t)t->keeper_take);
		     lo_message_add_string(m, t->group);
		     lo_message_add_int32(m, t->clips > INT32_MAX
		                             ? INT32_MAX : (int32_t)t->clips));
	}
	SEND("/redlight/sections", for (size_t i = 0; i < section_count; i++)
	             lo_message_add_string(m, sections[i]));
	SEND("/redlight/takes", lo_message_add_int32(m, (int32_t)take_count));
	for (size_t i = 0; i < take_count; i++) {
		const struct query_take *t = &takes[i];
		SEND("/redlight/take/info",
		     lo_message_add_int32(m, (int32_t)t->number);
		     lo_message_add_int64(m, (int64_t)t->start);
		     lo_message_add_int64(m, (int64_t)t->length);
		     lo_message_add_int32(m, (int32_t)t->tracks);
		     lo_message_add_int32(m, (int32_t)t->rating);
		     lo_message_add_int32(m, t->discarded);
		     lo_message_add_int32(m, t->complete);
		     lo_message_add_string(m, t->note));
	}
	SEND("/redlight/query/end", lo_message_add_int32(m, (int32_t)e.sent));
	osc_out_flush(&e);
#undef SEND
	free(takes);
	free(sections);
	osc_feedback_state_cleanup(&state);
}

/* ---------------------------------------------------------------------- */
/* Dispatch                                                               */

static const struct {
	int action;
	enum osc_address_id as;
} reaper_actions[] = {
	{ 1007, OSC_PLAY }, { 1016, OSC_STOP }, { 1013, OSC_REAPER_RECORD },
	{ 40042, OSC_LOCATE_START }, { 40157, OSC_MARKER },
	{ 1068, OSC_REAPER_REPEAT }, { 40364, OSC_REAPER_CLICK },
};

static enum rl_status dispatch(struct osc_request *r, enum osc_address_id id,
                               struct error *err);

static enum rl_status reaper_action(struct osc_request *r, int64_t action,
                                    struct error *err)
{
	for (size_t i = 0; i < sizeof reaper_actions / sizeof *reaper_actions;
	     i++) {
		if (reaper_actions[i].action == action) {
			r->argc = 0; /* the action itself is the press */
			return dispatch(r, reaper_actions[i].as, err);
		}
	}
	return error_set(err, RL_ERR_INVALID, "REAPER action %" PRId64 " is "
	                 "not one redlight knows (1007 play, 1016 stop, 1013 "
	                 "record, 40042 go to start, 40157 marker, 1068 "
	                 "repeat, 40364 metronome)", action);
}

static enum rl_status dispatch(struct osc_request *r, enum osc_address_id id,
                               struct error *err)
{
	struct osc_server *s = r->s;
	const char *ty = r->types;
	lo_arg **av = r->argv;
	int ac = r->argc;
	const char *args = r->route->args;
	enum rl_status st = RL_OK;
	switch (id) {
	case OSC_PING: {
		/* The pong carries back whatever the ping carried: a client
		 * can match answers to its questions. */
		osc_send_to(s, r->from, r->from_len, "/redlight/pong", r->msg);
		return RL_OK;
	}
	case OSC_PONG: {
		/* heard_from() has already counted an answer from the
		 * subscriber's own address; the token finds one that answers
		 * from another port. */
		int64_t token;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK ||
		    ac == 0)
			return st;
		if ((st = osc_address_int(ty, av, 0, "token", INT32_MIN,
		                          INT32_MAX, &token, err)) != RL_OK)
			return st;
		for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
			struct osc_client *cl = &s->clients[i];
			if (cl->used && cl->token == token)
				cl->last_heard = r->now;
		}
		return RL_OK;
	}
	case OSC_QUERY:
		if ((st = osc_address_count(ac, 0, 0, "none", err)) != RL_OK)
			return st;
		if (r->now - s->query_window >= 1.0) {
			s->query_window = r->now;
			s->queries = 0;
		}
		if (++s->queries > OSC_QUERIES_PER_SECOND)
			return error_set(err, RL_ERR_STATE, "more than %d "
			                 "queries a second: this one is not "
			                 "answered", OSC_QUERIES_PER_SECOND);
		send_query(r);
		return RL_OK;
	case OSC_SUBSCRIBE: {
		struct osc_feedback_prefs p;
		uint16_t port;
		double timeout;
		bool single;
		st = parse_subscribe(r, &p, &single, &port, &timeout, err);
		return st == RL_OK ? osc_subscribe(r, &p, single, port, timeout, err)
		                  : st;
	}
	case OSC_UNSUBSCRIBE: {
		int64_t port = 0;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK ||
		    (ac && (st = osc_address_int(ty, av, 0, "port", 0, 65535,
		                                 &port, err)) != RL_OK))
			return st;
		/* Either dialect /redlight/subscribe gave it. */
		st = osc_unsubscribe(r, OSC_FEEDBACK_REDLIGHT, (uint16_t)port,
		                     err);
		if (st != RL_OK)
			st = osc_unsubscribe(r, OSC_FEEDBACK_REAPER,
			                     (uint16_t)port, err);
		return st;
	}

	case OSC_PLAY:
	case OSC_ARDOUR_PLAY:
	case OSC_REAPER_PLAY:
		return trigger(r, cmd_play, NULL, err);
	case OSC_STOP:
	case OSC_ARDOUR_STOP:
	case OSC_REAPER_STOP:
		return trigger(r, cmd_stop, NULL, err);
	case OSC_RECORD:
		return trigger(r, cmd_record, NULL, err);
	case OSC_ARDOUR_REC_TOGGLE:
	case OSC_REAPER_RECORD:
		return trigger(r, cmd_record_toggle, NULL, err);
	case OSC_TOGGLE_ROLL:
	case OSC_ARDOUR_TOGGLE_ROLL:
		return trigger(r, cmd_toggle_roll, NULL, err);
	case OSC_STOP_AFTER_PASS:
		return trigger(r, cmd_stop_after_pass, NULL, err);
	case OSC_LOCATE_START:
	case OSC_ARDOUR_GOTO_START:
		return trigger(r, cmd_start, NULL, err);
	case OSC_LOCATE_NEXT_SECTION:
	case OSC_LOCATE_PREV_SECTION: {
		int dir = id == OSC_LOCATE_NEXT_SECTION ? 1 : -1;
		return trigger(r, cmd_section_step, &dir, err);
	}
	case OSC_ARM_ALL: {
		int on = -1;
		bool b;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK ||
		    (ac == 1 && (st = osc_address_bool(ty, av, 0, "on", &b,
		                                       err)) != RL_OK))
			return st;
		if (ac == 1)
			on = b;
		return locked(r, cmd_arm_all, &on, err);
	}
	case OSC_TAKE_NEW:
		return trigger(r, cmd_new_take, NULL, err);
	case OSC_METERS_RESET:
		return trigger(r, cmd_reset_meters, NULL, err);
	case OSC_ARDOUR_LOOP_TOGGLE:
	case OSC_REAPER_REPEAT:
		return trigger(r, cmd_loop_toggle, NULL, err);
	case OSC_ARDOUR_TOGGLE_CLICK:
	case OSC_REAPER_CLICK:
		return trigger(r, cmd_click_toggle, NULL, err);

	case OSC_MARKER:
	case OSC_ARDOUR_ADD_MARKER: {
		/* A name, or a button (no argument, 1 press, 0 release). */
		if (ac == 1 && (ty[0] == LO_STRING || ty[0] == LO_SYMBOL)) {
			const char *name = (const char *)av[0];
			return locked(r, cmd_marker, (void *)name, err);
		}
		return trigger(r, cmd_marker, NULL, err);
	}

	case OSC_RECORD_PUNCH: {
		struct punch_arg p;
		if ((st = osc_address_count(ac, 2, 2, args, err)) != RL_OK ||
		    (st = osc_address_text(ty, av, 0, "from", &p.from,
		                           err)) != RL_OK ||
		    (st = osc_address_text(ty, av, 1, "to", &p.to, err)) != RL_OK)
			return st;
		return locked(r, cmd_punch, &p, err);
	}
	case OSC_LOCATE: {
		struct locate_arg l = { .by = BY_FRAME };
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK)
			return st;
		if (ty[0] == LO_STRING || ty[0] == LO_SYMBOL) {
			l.by = BY_TEXT;
			l.text = (const char *)av[0];
		} else if ((st = osc_address_int(ty, av, 0, "frame",
		                                 -(INT64_C(1) << 40),
		                                 INT64_C(1) << 48, &l.frame,
		                                 err)) != RL_OK) {
			return st;
		}
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOCATE_BAR: {
		struct locate_arg l = { .by = BY_BAR };
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, "bar", 1, 1000000, &l.frame,
		                          err)) != RL_OK)
			return st;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOCATE_SECTION: {
		struct locate_arg l = { .by = BY_SECTION };
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_text(ty, av, 0, "label", &l.text,
		                           err)) != RL_OK)
			return st;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOCATE_JUMP:
	case OSC_ARDOUR_JUMP_BARS: {
		struct locate_arg l = { .by = BY_JUMP };
		double bars;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_number(ty, av, 0, "bars", &bars,
		                             err)) != RL_OK)
			return st;
		if (fabs(bars) > 100000)
			return error_set(err, RL_ERR_INVALID, "argument 1 (bars) "
			                 "must be within +-100000, got %g", bars);
		l.frame = (int64_t)llround(bars);
		if (l.frame == 0)
			return RL_OK;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_ARDOUR_LOCATE: {
		struct locate_arg l = { .by = BY_FRAME };
		if ((st = osc_address_count(ac, 1, 2, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, "sample", 0,
		                          INT64_C(1) << 48, &l.frame,
		                          err)) != RL_OK ||
		    (ac > 1 && (st = osc_address_bool(ty, av, 1, "roll", &l.roll,
		                                      err)) != RL_OK))
			return st;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_REAPER_TIME: {
		struct locate_arg l = { .by = BY_FRAME };
		double secs;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_number(ty, av, 0, "seconds", &secs,
		                             err)) != RL_OK)
			return st;
		if (secs < 0 || secs > 1e7)
			return error_set(err, RL_ERR_INVALID, "argument 1 "
			                 "(seconds) must be 0 to 10000000, got %g",
			                 secs);
		control_lock(s->c);
		uint32_t rate = control_sample_rate(s->c);
		control_unlock(s->c);
		l.frame = (int64_t)llround(secs * rate);
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOOP: {
		struct loop_arg l = { 0 };
		if ((st = osc_address_count(ac, 1, 3, args, err)) != RL_OK ||
		    (st = osc_address_bool(ty, av, 0, "on", &l.on, err)) != RL_OK)
			return st;
		if (ac == 2)
			return error_set(err, RL_ERR_INVALID, "a loop range is two "
			                 "positions, FROM and TO; got one");
		if (ac == 3 &&
		    ((st = osc_address_text(ty, av, 1, "from", &l.from,
		                            err)) != RL_OK ||
		     (st = osc_address_text(ty, av, 2, "to", &l.to,
		                            err)) != RL_OK))
			return st;
		return locked(r, cmd_loop, &l, err);
	}
	case OSC_CLICK: {
		bool on;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK)
			return st;
		if (ac == 0)
			return locked(r, cmd_click_toggle, NULL, err);
		if ((st = osc_address_bool(ty, av, 0, "on", &on, err)) != RL_OK)
			return st;
		return locked(r, cmd_click, &on, err);
	}
	case OSC_CLICK_LEVEL:
	case OSC_CUE_CLICK:
	case OSC_CUE_SCRATCH: {
		struct level_arg l = {
			.which = id == OSC_CLICK_LEVEL ? LVL_CLICK_OUT
			         : id == OSC_CUE_CLICK ? LVL_CUE_CLICK
			                               : LVL_CUE_SCRATCH,
		};
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_level(ty, av, 0, "dB", &l.db,
		                            err)) != RL_OK)
			return st;
		return locked(r, cmd_level, &l, err);
	}

	case OSC_TAKE_KEEP:
	case OSC_TAKE_RATE:
	case OSC_TAKE_NOTE:
	case OSC_TAKE_DISCARD:
	case OSC_TAKE_RESTORE:
	case OSC_COMP_USE: {
		struct take_arg t = { 0 };
		char track[SESSION_NAME_MAX];
		int min = 1, max = 1;
		switch (id) {
		case OSC_TAKE_KEEP: t.what = TK_KEEP; max = 2; break;
		case OSC_TAKE_RATE: t.what = TK_RATE; min = max = 2; break;
		case OSC_TAKE_NOTE: t.what = TK_NOTE; min = max = 2; break;
		case OSC_TAKE_DISCARD: t.what = TK_DISCARD; break;
		case OSC_TAKE_RESTORE: t.what = TK_RESTORE; break;
		default: t.what = TK_COMP; min = max = 2; break;
		}
		if ((st = osc_address_count(ac, min, max, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, t.what == TK_COMP ? "comp"
		                                                       : "take",
		                          t.what == TK_COMP ? 1 : 0, 999999,
		                          &t.take, err)) != RL_OK)
			return st;
		if (t.what == TK_KEEP && ac == 2) {
			if ((st = osc_address_track(ty, av, 1, track, sizeof track,
			                            err)) != RL_OK)
				return st;
			t.track = track;
		} else if (t.what == TK_RATE) {
			st = osc_address_int(ty, av, 1, "rating", 0,
			                     SESSION_RATING_MAX, &t.value, err);
		} else if (t.what == TK_NOTE) {
			st = osc_address_text(ty, av, 1, "text", &t.text, err);
		} else if (t.what == TK_COMP) {
			bool on;
			st = osc_address_bool(ty, av, 1, "on", &on, err);
			t.value = on;
		}
		if (st != RL_OK)
			return st;
		return locked(r, cmd_take, &t, err);
	}

	case OSC_TRACK_ARM:
	case OSC_TRACK_MONITOR:
	case OSC_TRACK_CUE:
	case OSC_TRACKN_ARM:
	case OSC_TRACKN_MONITOR:
	case OSC_TRACKN_CUE:
	case OSC_ARDOUR_RECENABLE:
	case OSC_ARDOUR_RECENABLE_N:
	case OSC_REAPER_RECARM:
	case OSC_REAPER_RECARM_TOGGLE: {
		/* Where the track is: first argument, or in the path. */
		char track[SESSION_NAME_MAX];
		bool in_path = id == OSC_TRACKN_ARM || id == OSC_TRACKN_MONITOR ||
		               id == OSC_TRACKN_CUE ||
		               id == OSC_ARDOUR_RECENABLE_N ||
		               id == OSC_REAPER_RECARM ||
		               id == OSC_REAPER_RECARM_TOGGLE;
		int first = in_path ? 0 : 1;
		struct track_arg t = { .text = track };
		if (in_path) {
			snprintf(track, sizeof track, "%s", r->capture);
		} else {
			if (ac < 1)
				return osc_address_count(ac, 1, 3, args, err);
			if ((st = osc_address_track(ty, av, 0, track,
			                            sizeof track, err)) != RL_OK)
				return st;
		}
		int rest = ac - first;
		switch (id) {
		case OSC_REAPER_RECARM_TOGGLE: {
			bool fire;
			if ((st = osc_address_trigger(ty, av, ac, &fire,
			                              err)) != RL_OK || !fire)
				return st;
			t.what = TR_ARM_TOGGLE;
			break;
		}
		case OSC_TRACK_ARM:
		case OSC_TRACKN_ARM:
		case OSC_ARDOUR_RECENABLE:
		case OSC_ARDOUR_RECENABLE_N:
		case OSC_REAPER_RECARM:
			if ((st = osc_address_count(ac, first, first + 1, args,
			                            err)) != RL_OK)
				return st;
			if (id == OSC_ARDOUR_RECENABLE && rest == 0)
				return osc_address_count(ac, 2, 2, args, err);
			t.what = TR_ARM_TOGGLE;
			if (rest == 1) {
				if ((st = osc_address_bool(ty, av, first, "on",
				                           &t.on, err)) != RL_OK)
					return st;
				t.what = TR_ARM;
			}
			break;
		case OSC_TRACK_MONITOR:
		case OSC_TRACKN_MONITOR:
			if ((st = osc_address_count(ac, first + 1, first + 2,
			                            args, err)) != RL_OK ||
			    (st = osc_address_bool(ty, av, first, "on", &t.on,
			                           err)) != RL_OK)
				return st;
			t.what = TR_MONITOR;
			if (rest == 2 &&
			    (st = osc_address_level(ty, av, first + 1, "dB",
			                            &t.db, err)) != RL_OK)
				return st;
			break;
		default: /* cue */
			if ((st = osc_address_count(ac, first + 1, first + 1,
			                            args, err)) != RL_OK ||
			    (st = osc_address_level(ty, av, first, "dB", &t.db,
			                            err)) != RL_OK)
				return st;
			t.what = TR_CUE;
			break;
		}
		return locked(r, cmd_track, &t, err);
	}

	case OSC_ARDOUR_SET_SURFACE:
		return set_surface(r, -1, err);
	case OSC_ARDOUR_SURFACE_FEEDBACK:
	case OSC_ARDOUR_SURFACE_BANK_SIZE:
	case OSC_ARDOUR_SURFACE_PORT:
		return set_surface(r, (int)id, err);
	case OSC_ARDOUR_SURFACE_IGNORED: {
		/* Accepted so Ardour layouts connect without a complaint;
		 * nothing here depends on them. */
		int64_t v;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK)
			return st;
		return osc_address_int(ty, av, 0, "value", 0, INT32_MAX, &v, err);
	}
	case OSC_ARDOUR_REFRESH: {
		bool fire;
		if ((st = osc_address_trigger(ty, av, ac, &fire, err)) != RL_OK ||
		    !fire)
			return st;
		for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
			struct osc_client *cl = &s->clients[i];
			if (cl->used && (osc_same_addr(&cl->origin, r->from) ||
			                 osc_same_addr(&cl->dest, r->from)))
				cl->sent = false; /* everything again */
		}
		return RL_OK;
	}
	case OSC_ARDOUR_TRANSPORT_FRAME:
	case OSC_ARDOUR_TRANSPORT_SPEED:
	case OSC_ARDOUR_RECORD_ENABLED: {
		if ((st = osc_address_count(ac, 0, 0, "none", err)) != RL_OK)
			return st;
		struct control_status cs;
		control_lock(s->c);
		control_status(s->c, &cs);
		control_unlock(s->c);
		lo_message m = lo_message_new();
		if (!m)
			return RL_OK;
		if (id == OSC_ARDOUR_TRANSPORT_FRAME)
			lo_message_add_int64(m, cs.pos.frame);
		else if (id == OSC_ARDOUR_TRANSPORT_SPEED)
			lo_message_add_float(m, cs.transport == ENGINE_STOPPED
			                        ? 0.0f : 1.0f);
		else
			lo_message_add_int32(m, cs.record_armed);
		osc_send_to(s, r->from, r->from_len, r->route->pattern, m);
		lo_message_free(m);
		return RL_OK;
	}
	case OSC_REAPER_ACTION: {
		int64_t action;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, "action", 0, INT32_MAX,
		                          &action, err)) != RL_OK)
			return st;
		return reaper_action(r, action, err);
	}
	case OSC_REAPER_ACTION_N: {
		char *end;
		long long action = strtoll(r->capture, &end, 10);
		if (*end || r->capture[0] < '0' || r->capture[0] > '9')
			return error_set(err, RL_ERR_INVALID, "'%s' is not a "
			                 "REAPER action number", r->capture);
		bool fire;
		if ((st = osc_address_trigger(ty, av, ac, &fire, err)) != RL_OK ||
		    !fire)
			return st;
		return reaper_action(r, action, err);
	}
	}
	return error_set(err, RL_ERR_INVALID, "no handler");
}

enum rl_status osc_dispatch(struct osc_request *r, struct error *err)
{
	return dispatch(r, r->route->id, err);
}
