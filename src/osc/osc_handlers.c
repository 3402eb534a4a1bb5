/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The routes that are OSC's own business, not the recorder's: answers
 * to the sender (ping, query, Ardour's status questions), subscriptions
 * to feedback in redlight's and REAPER's dialects, and Ardour's
 * surfaces. osc_routes.c says which path runs which, with arguments
 * already checked against the route's spec; the user actions are there
 * too, one call each. Runs on the OSC thread only.
 */
#include "osc_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Questions                                                              */

/* The pong carries back whatever the ping carried: a client can match
 * answers to its questions. */
enum rl_status osc_handle_ping(struct osc_request *r,
                               const struct osc_value *v, struct error *err)
{
	(void)v;
	(void)err;
	osc_send_to(r->s, r->from, r->from_len, "/redlight/pong", r->msg);
	return RL_OK;
}

/* heard_from() has already counted an answer from the subscriber's own
 * address; the token finds one that answers from another port. */
enum rl_status osc_handle_pong(struct osc_request *r,
                               const struct osc_value *v, struct error *err)
{
	(void)err;
	for (size_t i = 0; v[0].given && i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &r->s->clients[i];
		if (cl->used && cl->token == v[0].i)
			cl->last_heard = r->now;
	}
	return RL_OK;
}

static void send_query(struct osc_request *r);

enum rl_status osc_query_allowed(struct osc_request *r, struct error *err)
{
	struct osc_server *s = r->s;
	if (r->now - s->query_window >= 1.0) {
		s->query_window = r->now;
		s->queries = 0;
	}
	if (++s->queries > OSC_QUERIES_PER_SECOND)
		return error_set(err, RL_ERR_STATE, "more than %d queries a "
		                 "second: this one is not answered",
		                 OSC_QUERIES_PER_SECOND);
	return RL_OK;
}

enum rl_status osc_handle_query(struct osc_request *r,
                                const struct osc_value *v, struct error *err)
{
	(void)v;
	enum rl_status st = osc_query_allowed(r, err);
	if (st == RL_OK)
		send_query(r);
	return st;
}

/* Ardour's questions about the transport, answered to the sender on
 * the path it asked on. */
static enum rl_status reply_status(struct osc_request *r, char what)
{
	struct control_status cs;
	control_lock(r->s->c);
	control_status(r->s->c, &cs);
	control_unlock(r->s->c);
	lo_message m = lo_message_new();
	if (!m)
		return RL_OK;
	if (what == 'f')
		lo_message_add_int64(m, cs.pos.frame);
	else if (what == 's')
		lo_message_add_float(m, cs.transport == ENGINE_STOPPED ? 0.0f
		                                                       : 1.0f);
	else
		lo_message_add_int32(m, cs.record_ready || cs.record_armed);
	osc_send_to(r->s, r->from, r->from_len, r->route->pattern, m);
	lo_message_free(m);
	return RL_OK;
}

enum rl_status osc_handle_transport_frame(struct osc_request *r,
                                          const struct osc_value *v,
                                          struct error *err)
{
	(void)v;
	(void)err;
	return reply_status(r, 'f');
}

enum rl_status osc_handle_transport_speed(struct osc_request *r,
                                          const struct osc_value *v,
                                          struct error *err)
{
	(void)v;
	(void)err;
	return reply_status(r, 's');
}

enum rl_status osc_handle_record_enabled(struct osc_request *r,
                                         const struct osc_value *v,
                                         struct error *err)
{
	(void)v;
	(void)err;
	return reply_status(r, 'r');
}

/* ---------------------------------------------------------------------- */
/* Subscriptions                                                          */

/* One argument of /redlight/subscribe: a port, or the options. */
static enum rl_status subscribe_arg(struct osc_request *r, int i,
                                    struct osc_feedback_prefs *p,
                                    bool *single, uint16_t *port,
                                    double *timeout, struct error *err)
{
	char t = r->types[i];
	if (t != LO_STRING && t != LO_SYMBOL) {
		int64_t v;
		enum rl_status st = osc_address_int(r->types, r->argv, i, "port",
		                                    0, 65535, &v, err);
		*port = (uint16_t)v;
		return st;
	}
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
		            end != tok + 8 && !*end && *timeout >= 0 &&
		            *timeout <= 86400)) {
			/* 0: until unsubscribed or the port closes */
		} else {
			return error_set(err, RL_ERR_INVALID, "unknown option "
			                 "'%s' (meters, reaper, single, "
			                 "timeout=SECONDS)", tok);
		}
	}
	return RL_OK;
}

/* [port] [options], in either order (REAPER layouts send only the
 * options): the spec lets any two arguments through, read here. */
enum rl_status osc_handle_subscribe(struct osc_request *r,
                                    const struct osc_value *v,
                                    struct error *err)
{
	(void)v;
	struct osc_feedback_prefs p = { .dialect = OSC_FEEDBACK_REDLIGHT };
	bool single = false;
	uint16_t port = 0;
	double timeout = OSC_DEFAULT_TIMEOUT;
	for (int i = 0; i < r->argc; i++) {
		enum rl_status st = subscribe_arg(r, i, &p, &single, &port,
		                                  &timeout, err);
		if (st != RL_OK)
			return st;
	}
	return osc_subscribe(r, &p, single, port, timeout, err);
}

enum rl_status osc_handle_unsubscribe(struct osc_request *r,
                                      const struct osc_value *v,
                                      struct error *err)
{
	/* Either dialect /redlight/subscribe gave it. */
	uint16_t port = (uint16_t)v[0].i;
	enum rl_status st = osc_unsubscribe(r, OSC_FEEDBACK_REDLIGHT, port,
	                                    err);
	if (st != RL_OK)
		st = osc_unsubscribe(r, OSC_FEEDBACK_REAPER, port, err);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Ardour's surfaces                                                      */

enum surface_change { SURFACE_ALL, SURFACE_FEEDBACK, SURFACE_BANK_SIZE,
                      SURFACE_PORT };

/* The Ardour surface of the sender, or NULL: feedback may go to another
 * port of it. */
static struct osc_client *surface_of(struct osc_request *r)
{
	struct osc_server *s = r->s;
	struct osc_client *cl = osc_find_client(s, r->from, OSC_FEEDBACK_ARDOUR);
	for (size_t i = 0; i < OSC_MAX_CLIENTS && !cl; i++) {
		struct osc_client *x = &s->clients[i];
		if (x->used && x->prefs.dialect == OSC_FEEDBACK_ARDOUR &&
		    osc_same_addr(&x->origin, r->from))
			cl = x;
	}
	return cl;
}

/* Ardour's /set_surface (up to nine numbers: only feedback, the 3rd,
 * and port, the 7th, matter here; bank_size limits the strips) and its
 * sub-paths that change one of them. */
static enum rl_status set_surface(struct osc_request *r,
                                  enum surface_change which,
                                  const struct osc_value *v,
                                  struct error *err)
{
	struct osc_client *cl = surface_of(r);
	struct osc_feedback_prefs p = { .dialect = OSC_FEEDBACK_ARDOUR };
	uint16_t port = 0;
	if (cl) {
		p = cl->prefs;
		port = osc_get_port(&cl->dest);
	}
	switch (which) {
	case SURFACE_ALL:
		p.bank_size = (uint32_t)v[0].i;
		p.ardour_bits = (uint32_t)v[2].i; /* 0 if not given */
		if (v[6].given)
			port = v[6].i > 65535 ? 0 : (uint16_t)v[6].i;
		break;
	case SURFACE_FEEDBACK:
		p.ardour_bits = (uint32_t)v[0].i;
		break;
	case SURFACE_BANK_SIZE:
		p.bank_size = (uint32_t)v[0].i;
		break;
	case SURFACE_PORT:
		port = (uint16_t)v[0].i;
		if (cl)
			osc_drop_client(r->s, cl, "moved to another port");
		cl = NULL;
		break;
	}
	if (p.ardour_bits == 0) {
		/* Ardour: feedback 0 is a surface that wants nothing. */
		if (cl)
			osc_drop_client(r->s, cl, "feedback set to 0");
		return RL_OK;
	}
	/* Ardour surfaces never answer pings: they stay until feedback 0,
	 * or until ICMP says their port is closed. */
	return osc_subscribe(r, &p, false, port, 0.0, err);
}

enum rl_status osc_handle_set_surface(struct osc_request *r,
                                      const struct osc_value *v,
                                      struct error *err)
{
	return set_surface(r, SURFACE_ALL, v, err);
}

enum rl_status osc_handle_surface_feedback(struct osc_request *r,
                                           const struct osc_value *v,
                                           struct error *err)
{
	return set_surface(r, SURFACE_FEEDBACK, v, err);
}

enum rl_status osc_handle_surface_bank_size(struct osc_request *r,
                                            const struct osc_value *v,
                                            struct error *err)
{
	return set_surface(r, SURFACE_BANK_SIZE, v, err);
}

enum rl_status osc_handle_surface_port(struct osc_request *r,
                                       const struct osc_value *v,
                                       struct error *err)
{
	return set_surface(r, SURFACE_PORT, v, err);
}

/* Accepted so Ardour layouts connect without a complaint; nothing here
 * depends on them. */
enum rl_status osc_handle_surface_ignored(struct osc_request *r,
                                          const struct osc_value *v,
                                          struct error *err)
{
	(void)r;
	(void)v;
	(void)err;
	return RL_OK;
}

/* Everything again to the sender's surfaces. */
enum rl_status osc_handle_refresh(struct osc_request *r,
                                  const struct osc_value *v,
                                  struct error *err)
{
	(void)v;
	(void)err;
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &r->s->clients[i];
		if (cl->used && (osc_same_addr(&cl->origin, r->from) ||
		                 osc_same_addr(&cl->dest, r->from)))
			cl->sent = false;
	}
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* The query                                                              */

/* A whole state in one go (query): redlight's paths, with meters and
 * what feedback leaves out. What it shows is copied under the lock,
 * then sent without it. */
struct query_take {
	uint32_t number, tracks, rating;
	uint64_t start, length;
	bool discarded, complete;
	char note[SESSION_NOTE_MAX];
};

struct query {
	struct control_status st;
	struct session_settings set;
	size_t track_count;          /* in s->tracks */
	struct query_take *takes;
	size_t take_count;
	char (*sections)[TEMPO_MAP_LABEL_MAX + 1];
	size_t section_count;
	char dir[SESSION_PATH_MAX];
};

static void query_copy(struct osc_server *s, struct query *q)
{
	struct control *c = s->c;
	control_lock(c);
	control_status(c, &q->st);
	q->track_count = osc_read_tracks(s);
	q->set = *control_settings(c);
	const struct session *ses = control_session(c);
	snprintf(q->dir, sizeof q->dir, "%s", ses->dir);
	q->takes = calloc(ses->take_count ? ses->take_count : 1,
	                  sizeof *q->takes);
	for (size_t i = 0; q->takes && i < ses->take_count; i++) {
		const struct session_take *t = &ses->takes[i];
		q->takes[i] = (struct query_take){
			.number = t->number, .tracks = (uint32_t)t->file_count,
			.rating = t->rating, .start = t->start_frame,
			.length = t->length, .discarded = t->discarded,
			.complete = t->complete,
		};
		snprintf(q->takes[i].note, sizeof q->takes[i].note, "%s",
		         t->note);
		q->take_count++;
	}
	const struct tempo_map *map = control_tempo_map(c);
	size_t entries = map ? tempo_map_entry_count(map) : 0;
	q->sections = calloc(entries ? entries : 1, sizeof *q->sections);
	for (size_t i = 0; q->sections && i < entries; i++) {
		struct tempo_map_entry_info e;
		tempo_map_entry(map, i, &e);
		if (e.label)
			snprintf(q->sections[q->section_count++],
			         sizeof *q->sections, "%s", e.label);
	}
	control_unlock(c);
}

/* One message to o, its arguments added by the statements after p. */
#define SEND(o, p, ...)                                                  \
	do {                                                             \
		lo_message m = lo_message_new();                         \
		if (m) {                                                 \
			__VA_ARGS__;                                     \
			osc_out_add((o), (p), m);                        \
			lo_message_free(m);                              \
		}                                                        \
	} while (0)

/* -200 for off, as feedback shows levels. */
static float level_of(double db)
{
	return isfinite(db) ? (float)db : -200.0f;
}

/* The engine's figures and the session's settings. */
static void query_send_settings(struct osc_out *o, const struct query *q)
{
	const struct control_status *st = &q->st;
	SEND(o, "/redlight/rate",
	     lo_message_add_int32(m, (int32_t)st->sample_rate));
	SEND(o, "/redlight/buffer",
	     lo_message_add_int32(m, (int32_t)st->buffer_size));
	SEND(o, "/redlight/dsp",
	     lo_message_add_float(m, (float)st->dsp_load_pct));
	SEND(o, "/redlight/ring",
	     lo_message_add_float(m, (float)st->ring_fill_pct));
	SEND(o, "/redlight/punch",
	     lo_message_add_int64(m, st->punch_in == ENGINE_NO_FRAME
	                             ? -1 : st->punch_in);
	     lo_message_add_int64(m, st->punch_out == ENGINE_NO_FRAME
	                             ? -1 : st->punch_out));
	SEND(o, "/redlight/settings/count_in",
	     lo_message_add_int32(m, (int32_t)q->set.count_in_bars));
	SEND(o, "/redlight/settings/pre_roll",
	     lo_message_add_int32(m, (int32_t)q->set.pre_roll_bars));
	SEND(o, "/redlight/cue/click/level",
	     lo_message_add_float(m, level_of(q->set.cue_click_db)));
	SEND(o, "/redlight/click/level/db",
	     lo_message_add_float(m, level_of(q->set.click_level_db)));
	SEND(o, "/redlight/cue/scratch/level",
	     lo_message_add_float(m, level_of(q->set.cue_scratch_db)));
}

/* Per track, the sections, per take. */
static void query_send_lists(struct osc_out *o, const struct query *q,
                             const struct control_track *tracks)
{
	char path[96];
	for (size_t i = 0; i < q->track_count; i++) {
		const struct control_track *t = &tracks[i];
		snprintf(path, sizeof path, "/redlight/track/%u/info", t->number);
		SEND(o, path, lo_message_add_int32(m, t->rec_safe);
		     lo_message_add_int32(m, t->monitor);
		     lo_message_add_float(m, level_of(t->monitor_db));
		     lo_message_add_float(m, level_of(t->cue_db));
		     lo_message_add_int32(m, (int32_t)t->keeper_take);
		     lo_message_add_string(m, t->group);
		     lo_message_add_int32(m, t->clips > INT32_MAX
		                             ? INT32_MAX : (int32_t)t->clips));
	}
	SEND(o, "/redlight/sections",
	     for (size_t i = 0; i < q->section_count; i++)
	             lo_message_add_string(m, q->sections[i]));
	SEND(o, "/redlight/takes",
	     lo_message_add_int32(m, (int32_t)q->take_count));
	for (size_t i = 0; i < q->take_count; i++) {
		const struct query_take *t = &q->takes[i];
		SEND(o, "/redlight/take/info",
		     lo_message_add_int32(m, (int32_t)t->number);
		     lo_message_add_int64(m, (int64_t)t->start);
		     lo_message_add_int64(m, (int64_t)t->length);
		     lo_message_add_int32(m, (int32_t)t->tracks);
		     lo_message_add_int32(m, (int32_t)t->rating);
		     lo_message_add_int32(m, t->discarded);
		     lo_message_add_int32(m, t->complete);
		     lo_message_add_string(m, t->note));
	}
}

static void send_query(struct osc_request *r)
{
	struct osc_server *s = r->s;
	struct query q = { 0 };
	query_copy(s, &q);

	struct osc_out o;
	osc_out_init(&o, s, r->from, r->from_len, false);
	struct osc_feedback_prefs prefs = { .dialect = OSC_FEEDBACK_REDLIGHT,
	                                    .meters = true };
	struct osc_feedback_state state;
	osc_feedback_state_init(&state);
	if (osc_feedback_state_set(&state, &q.st, s->tracks, q.track_count,
	                           q.dir, NULL) == RL_OK) {
		state.error_seq = s->state.error_seq;
		snprintf(state.error, sizeof state.error, "%s", s->state.error);
		osc_feedback_diff(&prefs, NULL, &state, osc_out_emit, &o);
	}
	query_send_settings(&o, &q);
	query_send_lists(&o, &q, s->tracks);
	osc_send_markers(s, &o);
	SEND(&o, "/redlight/query/end",
	     lo_message_add_int32(m, (int32_t)o.sent));
	osc_out_flush(&o);
	free(q.takes);
	free(q.sections);
	osc_feedback_state_cleanup(&state);
}

#undef SEND
