/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.json's text: the session written out as JSON (json_out.c, the
 * layout jansson's JSON_INDENT(2) gives it), refusing anything the loader
 * (session_load.c) would refuse, so a file is never written that could
 * not be loaded back. Writing the text to disk is session_save.c's.
 *
 * A session of 1000 takes of 32 tracks is 9 MB of text, nearly all of it
 * takes that have not changed since the last save: each take's text is
 * kept with its key (the exact bytes it is made of) and written again
 * only when the key differs, so a save after a take costs the new take
 * and a copy of the rest (doc/tuning.md, "Long sessions").
 *
 * Threads: whoever saves (the control thread, under control_lock()); one
 * save of a session at a time.
 */
#include "session_internal.h"

#include "json_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct builder {
	const char *file; /* path of session.json, for messages */
	struct error *err;
	enum rl_status status; /* first failure; later ones are ignored */
	struct json_out out;
	/* The texts of the last save (NULL: none kept), and those of this
	 * one as they are made. */
	struct session_json_cache *old, *made;
	size_t old_next; /* old->v[] below this are behind us */
	struct json_out key; /* scratch: the take's key */
};

__attribute__((format(printf, 4, 5)))
static void build_fail(struct builder *b, const char *where, const char *key,
                       const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (b->status != RL_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	b->status = error_set(b->err, RL_ERR_INVALID,
	                      "cannot save %s: %s%s%s: %s", b->file, where,
	                      where[0] ? "." : "", key, text);
}

/* The values of members, written in the documented schema order (the
 * order of the calls). Integers are written as JSON integers, which the
 * loader reads as int64: values above INT64_MAX are refused rather than
 * written as a number no reader takes back. */
static void put_uint(struct builder *b, const char *where, const char *key,
                     uint64_t v)
{
	if (v > INT64_MAX)
		build_fail(b, where, key, "%llu does not fit a JSON integer",
		           (unsigned long long)v);
	json_out_member(&b->out, key);
	json_out_uint(&b->out, v);
}

static void put_int(struct builder *b, const char *key, int64_t v)
{
	json_out_member(&b->out, key);
	json_out_int(&b->out, v);
}

static void put_bool(struct builder *b, const char *key, bool v)
{
	json_out_member(&b->out, key);
	json_out_bool(&b->out, v);
}

static void put_null(struct builder *b, const char *key)
{
	json_out_member(&b->out, key);
	json_out_null(&b->out);
}

/* JSON has no NaN or infinity: such a value is refused, not written. */
static void put_real(struct builder *b, const char *where, const char *key,
                     double v)
{
	if (!isfinite(v))
		build_fail(b, where, key, "%g is not a number JSON can hold",
		           v);
	json_out_member(&b->out, key);
	json_out_real(&b->out, isfinite(v) ? v : 0.0);
}

static void put_string(struct builder *b, const char *where, const char *key,
                       const char *str, size_t cap)
{
	if (strnlen(str, cap) == cap) {
		build_fail(b, where, key, "not NUL-terminated");
		str = "";
	} else if (!session_utf8_valid(str)) {
		build_fail(b, where, key, "not valid UTF-8");
		str = "";
	}
	json_out_member(&b->out, key);
	json_out_string(&b->out, str);
}

/* A level for the file: null for off. */
static void put_level(struct builder *b, const char *where, const char *key,
                      double db)
{
	if (isinf(db) && db < 0)
		put_null(b, key);
	else
		put_real(b, where, key, db);
}

/* Member `key` (NULL: an element of an array) opening { or [. */
static void open_member(struct builder *b, const char *key, char bracket)
{
	json_out_member(&b->out, key);
	json_out_open(&b->out, bracket);
}

/* [{start, length}, ...] of n ranges, member `key` of `where`. */
static void put_ranges(struct builder *b, const char *where, const char *key,
                       const struct session_dropped_range *v, size_t n)
{
	open_member(b, key, '[');
	for (size_t i = 0; i < n; i++) {
		char rwhere[128];
		snprintf(rwhere, sizeof rwhere, "%s.%s[%zu]", where, key, i);
		open_member(b, NULL, '{');
		put_uint(b, rwhere, "start", v[i].start);
		put_uint(b, rwhere, "length", v[i].length);
		json_out_close(&b->out, '}');
	}
	json_out_close(&b->out, ']');
}

static void build_file(struct builder *b, const char *where,
                       const struct session_take_file *f)
{
	open_member(b, NULL, '{');
	put_uint(b, where, "track", f->track);
	put_string(b, where, "track_name", f->track_name,
	           sizeof f->track_name);
	put_string(b, where, "path", f->path, sizeof f->path);
	if (f->peak_dbfs == -INFINITY)
		put_null(b, "peak_dbfs");
	else if (!isfinite(f->peak_dbfs))
		build_fail(b, where, "peak_dbfs", "%g is not a level",
		           f->peak_dbfs);
	else
		put_real(b, where, "peak_dbfs", f->peak_dbfs);
	put_uint(b, where, "clips", f->clips);
	put_uint(b, where, "dropped_frames", f->dropped_frames);
	put_bool(b, "keeper", f->keeper);

	put_ranges(b, where, "dropped_ranges", f->dropped_ranges,
	           f->dropped_range_count);
	if (f->no_input_range_count)
		put_ranges(b, where, "no_input_ranges", f->no_input_ranges,
		           f->no_input_range_count);
	json_out_close(&b->out, '}');
}

/* Take t as one value. Every field it writes is in take_key() as well:
 * a field missing there would be written once and then never again. */
static void build_take(struct builder *b, const char *where,
                       const struct session_take *t)
{
	json_out_open(&b->out, '{');
	put_uint(b, where, "number", t->number);
	put_string(b, where, "started_at", t->started_at,
	           sizeof t->started_at);
	put_uint(b, where, "start_frame", t->start_frame);
	put_uint(b, where, "length", t->length);
	put_uint(b, where, "sample_rate", t->sample_rate);
	put_string(b, where, "format", take_format_name(t->format), 16);
	put_uint(b, where, "xruns", t->xruns);
	put_uint(b, where, "dropped_frames", t->dropped_frames);
	put_bool(b, "complete", t->complete);
	put_bool(b, "recovered", t->recovered);
	put_uint(b, where, "latency_correction", t->latency_correction);
	put_string(b, where, "end_reason", t->end_reason,
	           sizeof t->end_reason);
	if (t->rating > SESSION_RATING_MAX)
		build_fail(b, where, "rating", "%u is out of range (0 to %d)",
		           t->rating, SESSION_RATING_MAX);
	put_uint(b, where, "rating", t->rating);
	put_string(b, where, "note", t->note, sizeof t->note);
	put_bool(b, "discarded", t->discarded);
	put_string(b, where, "trash_dir", t->trash_dir,
	           sizeof t->trash_dir);
	/* The rules the loader enforces, so a file that could not be
	 * loaded back is never written. */
	if (t->trash_dir[0] && strnlen(t->trash_dir, sizeof t->trash_dir) <
	    sizeof t->trash_dir && !session_trash_dir_valid(t->trash_dir))
		build_fail(b, where, "trash_dir",
		           "\"%s\" is not a directory directly under trash/",
		           t->trash_dir);
	if (t->discarded != (t->trash_dir[0] != '\0'))
		build_fail(b, where, "trash_dir",
		           t->discarded ? "missing for a discarded take"
		                        : "set, but the take is not discarded");

	open_member(b, "markers", '[');
	for (size_t i = 0; i < t->marker_count; i++) {
		char mwhere[96];
		snprintf(mwhere, sizeof mwhere, "%s.markers[%zu]", where, i);
		open_member(b, NULL, '{');
		put_uint(b, mwhere, "frame", t->markers[i].frame);
		put_string(b, mwhere, "name", t->markers[i].name,
		           sizeof t->markers[i].name);
		json_out_close(&b->out, '}');
	}
	json_out_close(&b->out, ']');

	open_member(b, "xrun_markers", '[');
	for (size_t i = 0; i < t->xrun_marker_count; i++) {
		char mwhere[96];
		snprintf(mwhere, sizeof mwhere, "%s.xrun_markers[%zu]", where, i);
		open_member(b, NULL, '{');
		put_uint(b, mwhere, "frame", t->xrun_markers[i].frame);
		put_uint(b, mwhere, "jump", t->xrun_markers[i].jump);
		json_out_close(&b->out, '}');
	}
	json_out_close(&b->out, ']');

	open_member(b, "files", '[');
	for (size_t i = 0; i < t->file_count; i++) {
		char fwhere[64];
		snprintf(fwhere, sizeof fwhere, "%s.files[%zu]", where, i);
		build_file(b, fwhere, &t->files[i]);
	}
	json_out_close(&b->out, ']');
	json_out_close(&b->out, '}');
}

static void build_comp(struct builder *b, const char *where,
                       const struct session_comp *c)
{
	open_member(b, NULL, '{');
	put_uint(b, where, "number", c->number);
	put_uint(b, where, "track", c->track);
	put_string(b, where, "path", c->path, sizeof c->path);
	if (strnlen(c->path, sizeof c->path) < sizeof c->path &&
	    !session_comp_path_valid(c->path))
		build_fail(b, where, "path", "\"%s\" is not a file directly "
		           "under comps/", c->path);
	put_string(b, where, "created_at", c->created_at,
	           sizeof c->created_at);
	put_uint(b, where, "start_frame", c->start_frame);
	put_uint(b, where, "length", c->length);
	put_uint(b, where, "sample_rate", c->sample_rate);
	put_string(b, where, "format", take_format_name(c->format), 16);
	put_uint(b, where, "base_take", c->base_take);
	put_uint(b, where, "fade_frames", c->fade_frames);
	put_bool(b, "active", c->active);
	open_member(b, "pieces", '[');
	for (size_t i = 0; i < c->piece_count; i++) {
		const struct session_comp_piece *p = &c->pieces[i];
		char pwhere[64];
		snprintf(pwhere, sizeof pwhere, "%s.pieces[%zu]", where, i);
		open_member(b, NULL, '{');
		put_string(b, pwhere, "section", p->section,
		           sizeof p->section);
		put_uint(b, pwhere, "take", p->take);
		if (p->from < 0 || p->to <= p->from)
			build_fail(b, pwhere, "from", "bad range [%lld, %lld)",
			           (long long)p->from, (long long)p->to);
		put_uint(b, pwhere, "from", (uint64_t)(p->from < 0 ? 0 : p->from));
		put_uint(b, pwhere, "to", (uint64_t)(p->to < 0 ? 0 : p->to));
		json_out_close(&b->out, '}');
	}
	json_out_close(&b->out, ']');
	json_out_close(&b->out, '}');
}

/* A punch point: null while unset. */
static void put_frame(struct builder *b, const char *key, int64_t frame)
{
	if (frame == SESSION_NO_FRAME)
		put_null(b, key);
	else
		put_int(b, key, frame);
}

static void build_settings(struct builder *b,
                           const struct session_settings *st)
{
	open_member(b, "settings", '{');
	put_uint(b, "settings", "count_in_bars", st->count_in_bars);
	put_uint(b, "settings", "pre_roll_bars", st->pre_roll_bars);
	put_bool(b, "click", st->click);
	put_bool(b, "count_in_click", st->count_in_click);
	put_string(b, "settings", "click_sound", st->click_sound,
	           sizeof st->click_sound);
	put_level(b, "settings", "click_level_db", st->click_level_db);
	put_real(b, "settings", "tempo_bpm", st->tempo_bpm);
	put_uint(b, "settings", "meter_beats", st->meter_beats);
	put_uint(b, "settings", "meter_denominator", st->meter_denominator);
	put_string(b, "settings", "jack_transport", st->jack_transport,
	           sizeof st->jack_transport);
	put_string(b, "settings", "scratch", st->scratch,
	           sizeof st->scratch);
	put_int(b, "scratch_offset", st->scratch_offset);
	put_level(b, "settings", "cue_click_db", st->cue_click_db);
	put_level(b, "settings", "cue_scratch_db", st->cue_scratch_db);
	put_uint(b, "settings", "osc_port", st->osc_port);
	put_frame(b, "punch_in", st->punch_in);
	put_frame(b, "punch_out", st->punch_out);
	put_bool(b, "punch_in_on", st->punch_in_on);
	put_bool(b, "punch_out_on", st->punch_out_on);
	json_out_close(&b->out, '}');
}

/* Track `number` (its position + 1: the loader insists they agree). */
static void build_track(struct builder *b, const char *where,
                        size_t number, const struct session_track *t)
{
	open_member(b, NULL, '{');
	put_uint(b, where, "number", number);
	put_string(b, where, "name", t->name, sizeof t->name);
	put_string(b, where, "source", t->source, sizeof t->source);
	if (t->source_right[0])
		put_string(b, where, "source_right", t->source_right,
		           sizeof t->source_right);
	if (isinf(t->gain_db))
		put_null(b, "gain_db");
	else
		put_real(b, where, "gain_db", t->gain_db);
	put_real(b, where, "pan", t->pan);
	put_string(b, where, "group", t->group, sizeof t->group);
	put_string(b, where, "colour", t->colour, sizeof t->colour);
	put_bool(b, "rec_safe", t->rec_safe);
	put_level(b, where, "cue_db", t->cue_db);
	put_bool(b, "monitor", t->monitor);
	put_level(b, where, "monitor_db", t->monitor_db);
	json_out_close(&b->out, '}');
}

/* ---------------------------------------------------------------------- */
/* The takes' texts, kept from one save to the next                      */

/*
 * A take's key: every byte build_take() turns into text (numbers as their
 * bytes, strings with their length), so two takes with equal keys have
 * equal texts. Exact on purpose, not a hash: a take whose key matched by
 * chance would be saved with stale data.
 */
static void key_bytes(struct json_out *k, const void *p, size_t n)
{
	json_out_raw(k, p, n);
}

static void key_u64(struct json_out *k, uint64_t v)
{
	key_bytes(k, &v, sizeof v);
}

static void key_string(struct json_out *k, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	key_u64(k, n);
	key_bytes(k, s, n);
}

static void key_ranges(struct json_out *k,
                       const struct session_dropped_range *v, size_t n)
{
	key_u64(k, n);
	for (size_t i = 0; i < n; i++) {
		key_u64(k, v[i].start);
		key_u64(k, v[i].length);
	}
}

static void take_key(struct json_out *k, const struct session_take *t)
{
	k->len = 0;
	key_u64(k, t->number);
	key_string(k, t->started_at, sizeof t->started_at);
	key_u64(k, t->start_frame);
	key_u64(k, t->length);
	key_u64(k, t->sample_rate);
	key_u64(k, (uint64_t)t->format);
	key_u64(k, t->xruns);
	key_u64(k, t->dropped_frames);
	key_u64(k, (uint64_t)t->complete << 1 | t->recovered);
	key_u64(k, t->latency_correction);
	key_string(k, t->end_reason, sizeof t->end_reason);
	key_u64(k, t->rating);
	key_string(k, t->note, sizeof t->note);
	key_u64(k, t->discarded);
	key_string(k, t->trash_dir, sizeof t->trash_dir);
	key_u64(k, t->marker_count);
	for (size_t i = 0; i < t->marker_count; i++) {
		key_u64(k, t->markers[i].frame);
		key_string(k, t->markers[i].name, sizeof t->markers[i].name);
	}
	key_u64(k, t->xrun_marker_count);
	for (size_t i = 0; i < t->xrun_marker_count; i++) {
		key_u64(k, t->xrun_markers[i].frame);
		key_u64(k, t->xrun_markers[i].jump);
	}
	key_u64(k, t->file_count);
	for (size_t i = 0; i < t->file_count; i++) {
		const struct session_take_file *f = &t->files[i];
		key_u64(k, f->track);
		key_string(k, f->track_name, sizeof f->track_name);
		key_string(k, f->path, sizeof f->path);
		key_bytes(k, &f->peak_dbfs, sizeof f->peak_dbfs);
		key_u64(k, f->clips);
		key_u64(k, f->dropped_frames);
		key_u64(k, f->keeper);
		key_ranges(k, f->dropped_ranges, f->dropped_range_count);
		key_ranges(k, f->no_input_ranges, f->no_input_range_count);
	}
}

static void free_entries(struct session_json_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].text);
	}
	if (c) {
		free(c->v);
		c->v = NULL;
		c->n = 0;
	}
}

/* The last save's entry for take t if its key is still the same, moved
 * into the new cache; NULL if there is none. Both lists are in take
 * number order, so one pass over the old one serves the whole save. */
static struct session_json_take *reuse(struct builder *b,
                                       const struct session_take *t)
{
	struct session_json_cache *old = b->old;
	while (old && b->old_next < old->n &&
	       old->v[b->old_next].number < t->number)
		b->old_next++;
	if (!old || b->old_next >= old->n ||
	    old->v[b->old_next].number != t->number)
		return NULL;
	struct session_json_take *e = &old->v[b->old_next];
	if (e->key_len != b->key.len || memcmp(e->key, b->key.buf, e->key_len))
		return NULL;
	struct session_json_take *n = &b->made->v[b->made->n++];
	*n = *e;
	e->key = e->text = NULL;
	b->old_next++;
	return n;
}

/* Take t written apart, at the depth it has in the file, and kept. */
static struct session_json_take *render(struct builder *b, const char *where,
                                        const struct session_take *t)
{
	struct builder tb = { .file = b->file, .err = b->err };
	json_out_init_at(&tb.out, 2); /* root { "takes": [ here */
	build_take(&tb, where, t);
	char *key = malloc(b->key.len ? b->key.len : 1);
	if (tb.status != RL_OK || tb.out.failed || !key) {
		if (tb.status != RL_OK)
			b->status = tb.status;
		b->out.failed = true; /* out of memory, if nothing else */
		json_out_cleanup(&tb.out);
		free(key);
		return NULL;
	}
	memcpy(key, b->key.buf, b->key.len);
	struct session_json_take *n = &b->made->v[b->made->n++];
	*n = (struct session_json_take){
		.number = t->number, .key = key, .key_len = b->key.len,
		.text = tb.out.buf, .text_len = tb.out.len,
	};
	return n;
}

/* Take i of the file: its text from the last save if nothing in it
 * changed, else written now. Without a cache, written in place. */
static void put_take(struct builder *b, size_t i, const struct session_take *t)
{
	char where[32];
	snprintf(where, sizeof where, "takes[%zu]", i);
	json_out_member(&b->out, NULL);
	if (!b->made) {
		build_take(b, where, t);
		return;
	}
	take_key(&b->key, t);
	if (b->key.failed) {
		b->out.failed = true;
		return;
	}
	const struct session_json_take *e = reuse(b, t);
	if (!e)
		e = render(b, where, t);
	if (e)
		json_out_raw(&b->out, e->text, e->text_len);
}

/* The whole file in b->out, or b->status set. Members are written in the
 * documented schema order (doc/session-format.md), the layout jansson's
 * JSON_INDENT(2) gives: the same session always makes the same bytes. */
static void build_root(struct builder *b, const struct session *s)
{
	json_out_open(&b->out, '{');
	put_int(b, "redlight_session", SESSION_VERSION);
	put_uint(b, "", "sample_rate", s->sample_rate);
	put_string(b, "", "format", take_format_name(s->format), 16);
	build_settings(b, &s->settings);

	open_member(b, "tracks", '[');
	for (size_t i = 0; i < s->track_count; i++) {
		char where[32];
		snprintf(where, sizeof where, "tracks[%zu]", i);
		build_track(b, where, i + 1, &s->tracks[i]);
	}
	json_out_close(&b->out, ']');

	open_member(b, "takes", '[');
	for (size_t i = 0; i < s->take_count && b->status == RL_OK; i++)
		put_take(b, i, &s->takes[i]);
	json_out_close(&b->out, ']');

	open_member(b, "comps", '[');
	for (size_t i = 0; i < s->comp_count; i++) {
		char where[32];
		snprintf(where, sizeof where, "comps[%zu]", i);
		build_comp(b, where, &s->comps[i]);
	}
	json_out_close(&b->out, ']');

	/* Plain for an exporter: name and frame, and the take if any. */
	open_member(b, "markers", '[');
	for (size_t i = 0; i < s->marker_count; i++) {
		char where[32];
		snprintf(where, sizeof where, "markers[%zu]", i);
		open_member(b, NULL, '{');
		put_string(b, where, "name", s->markers[i].name,
		           sizeof s->markers[i].name);
		put_uint(b, where, "frame", s->markers[i].frame);
		if (s->markers[i].take)
			put_uint(b, where, "take", s->markers[i].take);
		json_out_close(&b->out, '}');
	}
	json_out_close(&b->out, ']');
	json_out_close(&b->out, '}');

	struct session_keeper_fault kf;
	if (session_find_keeper_fault(s->takes, s->take_count, &kf)) {
		char where[64];
		snprintf(where, sizeof where, "takes[%zu].files[%zu]", kf.take,
		         kf.file);
		build_fail(b, where, "keeper", "%s", kf.text);
	}
	if (b->out.failed && b->status == RL_OK)
		b->status = error_set(b->err, RL_ERR_NOMEM,
		                      "cannot save %s: out of memory", b->file);
}


void session_json_cache_clear(struct session_json_cache *cache)
{
	free_entries(cache);
}

enum rl_status session_json_text(const struct session *s,
                                 struct session_json_cache *cache,
                                 const char *file, char **text, size_t *len,
                                 struct error *err)
{
	struct builder b = { .file = file, .err = err, .status = RL_OK };
	json_out_init(&b.out);
	json_out_init(&b.key);
	struct session_json_cache made = { 0 };
	if (cache && s->take_count) {
		made.v = calloc(s->take_count, sizeof *made.v);
		if (made.v) { /* else this save keeps nothing */
			b.old = cache;
			b.made = &made;
		}
	}
	build_root(&b, s);
	json_out_cleanup(&b.key);
	if (cache) {
		/* Entries this save did not take over are gone from the
		 * session; after a failure the next save writes every take. */
		free_entries(cache);
		if (b.status == RL_OK && b.made)
			*cache = made;
		else
			free_entries(&made);
	}
	if (b.status != RL_OK) {
		json_out_cleanup(&b.out);
		return b.status;
	}
	*text = b.out.buf;
	*len = b.out.len;
	return RL_OK;
}
