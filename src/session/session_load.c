/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading session.json: parse it with jansson and check every field
 * (types, ranges, the rules across tracks, takes and comps) before the
 * session takes it, so a malformed or hand-broken file is refused with one
 * line naming the file and the JSON path of the field at fault
 * ("takes[2].length: expected an integer"), and never overwritten.
 * Members added after version 1 are optional: older files load with the
 * defaults. The writer is session_save.c.
 */
#include "session_internal.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct loader {
	const char *file; /* path of session.json, for messages */
	struct error *err;
};

/* "FILE: where.key: message". where is the JSON path of the containing
 * value ("" for the top level, "takes[2]"), key the member (or NULL when
 * the value at `where` itself is at fault). */
__attribute__((format(printf, 4, 5)))
static enum rl_status field_error(const struct loader *ld, const char *where,
                                  const char *key, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return error_set(ld->err, RL_ERR_FORMAT, "%s: %s%s%s: %s", ld->file,
	                 where, (where[0] && key) ? "." : "", key ? key : "",
	                 text);
}

static enum rl_status get_member(const struct loader *ld, const json_t *obj,
                                 const char *where, const char *key,
                                 json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out)
		return field_error(ld, where, key, "missing");
	return RL_OK;
}

static enum rl_status get_uint(const struct loader *ld, const json_t *obj,
                               const char *where, const char *key,
                               uint64_t max, uint64_t *out)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (!json_is_integer(v))
		return field_error(ld, where, key, "expected an integer");
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return field_error(ld, where, key,
		                   "%lld is out of range (0 to %llu)",
		                   (long long)i, (unsigned long long)max);
	*out = (uint64_t)i;
	return RL_OK;
}

static enum rl_status get_u32(const struct loader *ld, const json_t *obj,
                              const char *where, const char *key,
                              uint32_t *out)
{
	uint64_t v = 0;
	enum rl_status rc = get_uint(ld, obj, where, key, UINT32_MAX, &v);
	if (rc == RL_OK)
		*out = (uint32_t)v;
	return rc;
}

static enum rl_status get_string(const struct loader *ld, const json_t *obj,
                                 const char *where, const char *key,
                                 char *buf, size_t size)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (!json_is_string(v))
		return field_error(ld, where, key, "expected a string");
	/* jansson rejects "\u0000" unless JSON_ALLOW_NUL, so the length is
	 * also the C string length. */
	size_t len = json_string_length(v);
	if (len >= size)
		return field_error(ld, where, key, "longer than %zu bytes",
		                   size - 1);
	memcpy(buf, json_string_value(v), len + 1);
	return RL_OK;
}

static enum rl_status get_bool(const struct loader *ld, const json_t *obj,
                               const char *where, const char *key, bool *out)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (!json_is_boolean(v))
		return field_error(ld, where, key, "expected true or false");
	*out = json_is_true(v);
	return RL_OK;
}

static enum rl_status get_format(const struct loader *ld, const json_t *obj,
                                 const char *where, const char *key,
                                 enum take_format *out)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (!json_is_string(v))
		return field_error(ld, where, key, "expected a string");
	if (take_format_parse(json_string_value(v), out, NULL) != RL_OK)
		return field_error(ld, where, key,
		                   "unknown format \"%.32s\" (expected pcm24, "
		                   "float or pcm16)", json_string_value(v));
	return RL_OK;
}

static enum rl_status get_array(const struct loader *ld, const json_t *obj,
                                const char *where, const char *key,
                                json_t **out)
{
	enum rl_status rc = get_member(ld, obj, where, key, out);
	if (rc)
		return rc;
	if (!json_is_array(*out))
		return field_error(ld, where, key, "expected an array");
	return RL_OK;
}

/* Silence has no finite level: -INFINITY in memory, null in the file
 * (JSON has no infinity). */
static enum rl_status get_peak(const struct loader *ld, const json_t *obj,
                               const char *where, const char *key,
                               double *out)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (json_is_null(v))
		*out = -INFINITY;
	else if (json_is_number(v))
		*out = json_number_value(v);
	else
		return field_error(ld, where, key,
		                   "expected a number or null");
	return RL_OK;
}

/* A level in dB of a mix: at most `max`; null is off (-INFINITY: JSON
 * has no infinity). */
static enum rl_status get_level(const struct loader *ld, const json_t *obj,
                                const char *where, const char *key,
                                double max, double *out)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (json_is_null(v)) {
		*out = -INFINITY;
		return RL_OK;
	}
	if (!json_is_number(v))
		return field_error(ld, where, key,
		                   "expected a number (dB) or null (off)");
	if (!(json_number_value(v) <= max))
		return field_error(ld, where, key, "%g is louder than +%g dB",
		                   json_number_value(v), max);
	*out = json_number_value(v);
	return RL_OK;
}

static enum rl_status nomem(const struct loader *ld)
{
	return error_set(ld->err, RL_ERR_NOMEM, "%s: out of memory", ld->file);
}

/* The track's mix and look: every member optional (files written before
 * them load with unity gain, centre, no group, not rec-safe). */
static enum rl_status load_track_mix(const struct loader *ld, const json_t *o,
                                     const char *where,
                                     struct session_track *t)
{
	enum rl_status rc = RL_OK;
	const json_t *g = json_object_get(o, "gain_db");
	if (g && json_is_null(g))
		t->gain_db = -INFINITY; /* muted: JSON has no infinity */
	else if (g && !json_is_number(g))
		return field_error(ld, where, "gain_db",
		                   "expected a number or null (muted)");
	else if (g && !(json_number_value(g) <= 24.0))
		return field_error(ld, where, "gain_db",
		                   "%g is louder than +24 dB",
		                   json_number_value(g));
	else if (g)
		t->gain_db = json_number_value(g);
	const json_t *p = json_object_get(o, "pan");
	if (p && !json_is_number(p))
		return field_error(ld, where, "pan", "expected a number");
	if (p && !(json_number_value(p) >= -1.0 && json_number_value(p) <= 1.0))
		return field_error(ld, where, "pan",
		                   "%g is out of range (-1 to 1)",
		                   json_number_value(p));
	if (p)
		t->pan = json_number_value(p);
	if (!rc && json_object_get(o, "group"))
		rc = get_string(ld, o, where, "group", t->group,
		                sizeof t->group);
	if (!rc && json_object_get(o, "colour"))
		rc = get_string(ld, o, where, "colour", t->colour,
		                sizeof t->colour);
	if (!rc && json_object_get(o, "rec_safe"))
		rc = get_bool(ld, o, where, "rec_safe", &t->rec_safe);
	if (!rc && json_object_get(o, "cue_db"))
		rc = get_level(ld, o, where, "cue_db", 6.0, &t->cue_db);
	if (!rc && json_object_get(o, "monitor"))
		rc = get_bool(ld, o, where, "monitor", &t->monitor);
	if (!rc && json_object_get(o, "monitor_db"))
		rc = get_level(ld, o, where, "monitor_db", 6.0, &t->monitor_db);
	if (!rc && json_object_get(o, "source_right"))
		rc = get_string(ld, o, where, "source_right", t->source_right,
		                sizeof t->source_right);
	if (!rc && t->source_right[0] && !t->source[0])
		rc = field_error(ld, where, "source_right", "a stereo track "
		                 "needs its left \"source\" too");
	if (!rc && t->source_right[0] && !strcmp(t->source, t->source_right))
		rc = field_error(ld, where, "source_right", "the same port as "
		                 "\"source\" (%s)", t->source);
	return rc;
}

static enum rl_status load_tracks(const struct loader *ld, const json_t *root,
                                  struct session *s)
{
	json_t *arr;
	enum rl_status rc = get_array(ld, root, "", "tracks", &arr);
	if (rc)
		return rc;
	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	s->tracks = calloc(n, sizeof *s->tracks);
	if (!s->tracks)
		return nomem(ld);
	s->track_count = n;

	for (size_t i = 0; i < n; i++) {
		struct session_track *t = &s->tracks[i];
		const json_t *o = json_array_get(arr, i);
		char where[64];
		uint32_t number;

		snprintf(where, sizeof where, "tracks[%zu]", i);
		if (!json_is_object(o))
			return field_error(ld, where, NULL,
			                   "expected an object");
		if ((rc = get_u32(ld, o, where, "number", &number)))
			return rc;
		/* The number is redundant with the position; insisting they
		 * agree catches a hand-edit that reordered or dropped a
		 * track, which would silently re-route every take file. */
		if (number != i + 1)
			return field_error(ld, where, "number",
			                   "expected %zu (tracks are numbered 1, "
			                   "2, 3, ... in order), found %u",
			                   i + 1, number);
		if ((rc = get_string(ld, o, where, "name", t->name,
		                     sizeof t->name)))
			return rc;
		if (!t->name[0])
			return field_error(ld, where, "name", "empty");
		for (size_t j = 0; j < i; j++) {
			if (strcmp(s->tracks[j].name, t->name) == 0)
				return field_error(ld, where, "name",
				                   "\"%s\" is also the name of "
				                   "tracks[%zu]", t->name, j);
		}
		if ((rc = get_string(ld, o, where, "source", t->source,
		                     sizeof t->source)))
			return rc;
		if ((rc = load_track_mix(ld, o, where, t)))
			return rc;
	}
	return RL_OK;
}

/* The [{start, length}, ...] array `arr`, member `key` of `where`, into
 * *out (owned; NULL when empty). */
static enum rl_status load_ranges(const struct loader *ld, const json_t *arr,
                                  const char *where, const char *key,
                                  struct session_dropped_range **out,
                                  size_t *count)
{
	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	*out = calloc(n, sizeof **out);
	if (!*out)
		return nomem(ld);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *ro = json_array_get(arr, i);
		char rwhere[128];
		enum rl_status rc;
		snprintf(rwhere, sizeof rwhere, "%s.%s[%zu]", where, key, i);
		if (!json_is_object(ro))
			return field_error(ld, rwhere, NULL,
			                   "expected an object");
		if ((rc = get_uint(ld, ro, rwhere, "start", UINT64_MAX,
		                   &(*out)[i].start)) ||
		    (rc = get_uint(ld, ro, rwhere, "length", UINT64_MAX,
		                   &(*out)[i].length)))
			return rc;
	}
	return RL_OK;
}

static enum rl_status load_take_file(const struct loader *ld, const json_t *o,
                                     const char *where,
                                     struct session_take_file *f)
{
	enum rl_status rc;
	json_t *arr;

	if (!json_is_object(o))
		return field_error(ld, where, NULL, "expected an object");
	if ((rc = get_u32(ld, o, where, "track", &f->track)))
		return rc;
	if (f->track == 0)
		return field_error(ld, where, "track",
		                   "expected a track number from 1");
	if ((rc = get_string(ld, o, where, "track_name", f->track_name,
	                     sizeof f->track_name)))
		return rc;
	if ((rc = get_string(ld, o, where, "path", f->path, sizeof f->path)))
		return rc;
	if ((rc = get_peak(ld, o, where, "peak_dbfs", &f->peak_dbfs)))
		return rc;
	if ((rc = get_uint(ld, o, where, "clips", UINT64_MAX, &f->clips)))
		return rc;
	if ((rc = get_uint(ld, o, where, "dropped_frames", UINT64_MAX,
	                   &f->dropped_frames)))
		return rc;
	/* Optional: sessions written before keepers could be chosen. */
	f->keeper = false;
	if (json_object_get(o, "keeper") &&
	    (rc = get_bool(ld, o, where, "keeper", &f->keeper)))
		return rc;
	if ((rc = get_array(ld, o, where, "dropped_ranges", &arr)) ||
	    (rc = load_ranges(ld, arr, where, "dropped_ranges",
	                      &f->dropped_ranges, &f->dropped_range_count)))
		return rc;
	/* Optional: sessions written before inputs could come and go. */
	if (!json_object_get(o, "no_input_ranges"))
		return RL_OK;
	if ((rc = get_array(ld, o, where, "no_input_ranges", &arr)))
		return rc;
	return load_ranges(ld, arr, where, "no_input_ranges",
	                   &f->no_input_ranges, &f->no_input_range_count);
}

/* The user's metadata of a take: every member optional (sessions written
 * before it existed load with the defaults), present ones checked. */

/*
 * The "markers" list of object o (a take's, or the session's with
 * with_take: each may say the take it was set in). Absent: none.
 */
static enum rl_status load_markers(const struct loader *ld, const json_t *o,
                                   const char *where, bool with_take,
                                   struct session_marker **out,
                                   size_t *count)
{
	enum rl_status rc;
	const json_t *arr = json_object_get(o, "markers");
	if (!arr)
		return RL_OK;
	if (!json_is_array(arr))
		return field_error(ld, where, "markers", "expected an array");
	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	struct session_marker *m = calloc(n, sizeof *m);
	if (!m)
		return nomem(ld);
	*out = m;
	*count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *mo = json_array_get(arr, i);
		char mwhere[96];
		snprintf(mwhere, sizeof mwhere, "%s%smarkers[%zu]", where,
		         where[0] ? "." : "", i);
		if (!json_is_object(mo))
			return field_error(ld, mwhere, NULL,
			                   "expected an object");
		if ((rc = get_uint(ld, mo, mwhere, "frame", UINT64_MAX,
		                   &m[i].frame)))
			return rc;
		if ((rc = get_string(ld, mo, mwhere, "name", m[i].name,
		                     sizeof m[i].name)))
			return rc;
		if (with_take && json_object_get(mo, "take") &&
		    (rc = get_u32(ld, mo, mwhere, "take", &m[i].take)))
			return rc;
		for (size_t k = 0; with_take && k < i; k++)
			if (!strcmp(m[k].name, m[i].name))
				return field_error(ld, mwhere, "name",
				                   "\"%s\" is the name of "
				                   "markers[%zu] too", m[i].name,
				                   k);
	}
	return RL_OK;
}

static enum rl_status load_take_meta(const struct loader *ld, const json_t *o,
                                     const char *where,
                                     struct session_take *t)
{
	enum rl_status rc;
	uint64_t u;

	t->rating = 0;
	if (json_object_get(o, "rating")) {
		if ((rc = get_uint(ld, o, where, "rating", SESSION_RATING_MAX,
		                   &u)))
			return rc;
		t->rating = (uint32_t)u;
	}
	t->note[0] = '\0';
	if (json_object_get(o, "note") &&
	    (rc = get_string(ld, o, where, "note", t->note, sizeof t->note)))
		return rc;
	t->discarded = false;
	if (json_object_get(o, "discarded") &&
	    (rc = get_bool(ld, o, where, "discarded", &t->discarded)))
		return rc;
	t->trash_dir[0] = '\0';
	if (json_object_get(o, "trash_dir") &&
	    (rc = get_string(ld, o, where, "trash_dir", t->trash_dir,
	                     sizeof t->trash_dir)))
		return rc;
	if (t->trash_dir[0] && !session_trash_dir_valid(t->trash_dir))
		return field_error(ld, where, "trash_dir",
		                   "\"%s\" is not a directory directly under "
		                   "trash/", t->trash_dir);
	if (t->discarded && !t->trash_dir[0])
		return field_error(ld, where, "trash_dir",
		                   "missing: a discarded take needs the "
		                   "directory it was moved to");
	if (!t->discarded && t->trash_dir[0])
		return field_error(ld, where, "trash_dir",
		                   "set, but the take is not discarded");

	return load_markers(ld, o, where, false, &t->markers,
	                    &t->marker_count);
}

static enum rl_status load_take(const struct loader *ld, const json_t *o,
                                const char *where, struct session_take *t)
{
	enum rl_status rc;
	json_t *arr;

	if (!json_is_object(o))
		return field_error(ld, where, NULL, "expected an object");
	if ((rc = get_u32(ld, o, where, "number", &t->number)))
		return rc;
	if (t->number == 0)
		return field_error(ld, where, "number",
		                   "expected a take number from 1");
	if ((rc = get_string(ld, o, where, "started_at", t->started_at,
	                     sizeof t->started_at)))
		return rc;
	if ((rc = get_uint(ld, o, where, "start_frame", UINT64_MAX,
	                   &t->start_frame)))
		return rc;
	if ((rc = get_uint(ld, o, where, "length", UINT64_MAX, &t->length)))
		return rc;
	if ((rc = get_u32(ld, o, where, "sample_rate", &t->sample_rate)))
		return rc;
	if ((rc = get_format(ld, o, where, "format", &t->format)))
		return rc;
	if ((rc = get_uint(ld, o, where, "xruns", UINT64_MAX, &t->xruns)))
		return rc;
	if ((rc = get_uint(ld, o, where, "dropped_frames", UINT64_MAX,
	                   &t->dropped_frames)))
		return rc;
	if ((rc = get_bool(ld, o, where, "complete", &t->complete)))
		return rc;
	if ((rc = get_bool(ld, o, where, "recovered", &t->recovered)))
		return rc;
	if ((rc = get_string(ld, o, where, "end_reason", t->end_reason,
	                     sizeof t->end_reason)))
		return rc;
	/* Optional: sessions written before latency compensation. */
	t->latency_correction = 0;
	if (json_object_get(o, "latency_correction") &&
	    (rc = get_uint(ld, o, where, "latency_correction", UINT32_MAX,
	                   &t->latency_correction)))
		return rc;
	/* Optional: sessions written before markers existed have none. */
	const json_t *marr = json_object_get(o, "xrun_markers");
	if (marr && !json_is_array(marr))
		return field_error(ld, where, "xrun_markers", "expected an array");
	size_t mn = marr ? json_array_size(marr) : 0;
	if (mn) {
		t->xrun_markers = calloc(mn, sizeof *t->xrun_markers);
		if (!t->xrun_markers)
			return nomem(ld);
		t->xrun_marker_count = mn;
	}
	for (size_t i = 0; i < mn; i++) {
		const json_t *mo = json_array_get(marr, i);
		char mwhere[96];
		snprintf(mwhere, sizeof mwhere, "%s.xrun_markers[%zu]", where, i);
		if (!json_is_object(mo))
			return field_error(ld, mwhere, NULL, "expected an object");
		if ((rc = get_uint(ld, mo, mwhere, "frame", UINT64_MAX,
		                   &t->xrun_markers[i].frame)))
			return rc;
		if ((rc = get_uint(ld, mo, mwhere, "jump", UINT64_MAX,
		                   &t->xrun_markers[i].jump)))
			return rc;
	}
	if ((rc = load_take_meta(ld, o, where, t)))
		return rc;
	if ((rc = get_array(ld, o, where, "files", &arr)))
		return rc;

	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	t->files = calloc(n, sizeof *t->files);
	if (!t->files)
		return nomem(ld);
	t->file_count = n;
	for (size_t i = 0; i < n; i++) {
		char fwhere[64];
		snprintf(fwhere, sizeof fwhere, "%s.files[%zu]", where, i);
		if ((rc = load_take_file(ld, json_array_get(arr, i), fwhere,
		                         &t->files[i])))
			return rc;
	}
	return RL_OK;
}

struct take_order {
	uint32_t number;
	size_t index;
};

static int cmp_take_order(const void *a, const void *b)
{
	const struct take_order *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_take(const void *a, const void *b)
{
	const struct session_take *x = a, *y = b;
	return x->number < y->number ? -1 : x->number > y->number;
}

static enum rl_status load_takes(const struct loader *ld, const json_t *root,
                                 struct session *s)
{
	json_t *arr;
	enum rl_status rc = get_array(ld, root, "", "takes", &arr);
	if (rc)
		return rc;
	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	/* calloc + count up front: session_free() can then clean up a
	 * half-loaded array, since a zeroed take owns nothing. */
	s->takes = calloc(n, sizeof *s->takes);
	if (!s->takes)
		return nomem(ld);
	s->take_count = n;
	for (size_t i = 0; i < n; i++) {
		char where[32];
		snprintf(where, sizeof where, "takes[%zu]", i);
		if ((rc = load_take(ld, json_array_get(arr, i), where,
		                    &s->takes[i])))
			return rc;
	}

	struct session_keeper_fault kf;
	if (session_find_keeper_fault(s->takes, n, &kf)) {
		char where[64];
		snprintf(where, sizeof where, "takes[%zu].files[%zu]", kf.take,
		         kf.file);
		return field_error(ld, where, "keeper", "%s", kf.text);
	}

	/* Duplicate numbers are found on a sorted copy that remembers the
	 * file order, so the message can name both entries as they appear
	 * in the file. */
	struct take_order *order = malloc(n * sizeof *order);
	if (!order)
		return nomem(ld);
	for (size_t i = 0; i < n; i++) {
		order[i].number = s->takes[i].number;
		order[i].index = i;
	}
	qsort(order, n, sizeof *order, cmp_take_order);
	for (size_t i = 1; i < n; i++) {
		if (order[i].number == order[i - 1].number) {
			char where[32];
			snprintf(where, sizeof where, "takes[%zu]",
			         order[i].index);
			rc = field_error(ld, where, "number",
			                 "take %u appears twice (also "
			                 "takes[%zu])", order[i].number,
			                 order[i - 1].index);
			free(order);
			return rc;
		}
	}
	free(order);
	qsort(s->takes, n, sizeof *s->takes, cmp_take);
	return RL_OK;
}

static enum rl_status load_comp_piece(const struct loader *ld,
                                      const json_t *o, const char *where,
                                      struct session_comp_piece *p)
{
	enum rl_status rc;
	uint64_t from, to;
	if (!json_is_object(o))
		return field_error(ld, where, NULL, "expected an object");
	if ((rc = get_string(ld, o, where, "section", p->section,
	                     sizeof p->section)) ||
	    (rc = get_u32(ld, o, where, "take", &p->take)) ||
	    (rc = get_uint(ld, o, where, "from", INT64_MAX, &from)) ||
	    (rc = get_uint(ld, o, where, "to", INT64_MAX, &to)))
		return rc;
	if (to <= from)
		return field_error(ld, where, "to", "%llu is not after from "
		                   "(%llu)", (unsigned long long)to,
		                   (unsigned long long)from);
	p->from = (int64_t)from;
	p->to = (int64_t)to;
	return RL_OK;
}

static enum rl_status load_comp(const struct loader *ld, const json_t *o,
                                const char *where, size_t track_count,
                                struct session_comp *c)
{
	enum rl_status rc;
	json_t *arr;
	uint64_t fade;
	if (!json_is_object(o))
		return field_error(ld, where, NULL, "expected an object");
	if ((rc = get_u32(ld, o, where, "number", &c->number)) ||
	    (rc = get_u32(ld, o, where, "track", &c->track)) ||
	    (rc = get_string(ld, o, where, "path", c->path, sizeof c->path)) ||
	    (rc = get_string(ld, o, where, "created_at", c->created_at,
	                     sizeof c->created_at)) ||
	    (rc = get_uint(ld, o, where, "start_frame", INT64_MAX,
	                   &c->start_frame)) ||
	    (rc = get_uint(ld, o, where, "length", INT64_MAX, &c->length)) ||
	    (rc = get_u32(ld, o, where, "sample_rate", &c->sample_rate)) ||
	    (rc = get_format(ld, o, where, "format", &c->format)) ||
	    (rc = get_u32(ld, o, where, "base_take", &c->base_take)) ||
	    (rc = get_uint(ld, o, where, "fade_frames", UINT32_MAX, &fade)) ||
	    (rc = get_bool(ld, o, where, "active", &c->active)) ||
	    (rc = get_array(ld, o, where, "pieces", &arr)))
		return rc;
	c->fade_frames = (uint32_t)fade;
	if (c->number == 0)
		return field_error(ld, where, "number", "comps count from 1");
	if (c->track == 0 || c->track > track_count)
		return field_error(ld, where, "track", "no track %u (the "
		                   "session has %zu)", c->track, track_count);
	if (!session_comp_path_valid(c->path))
		return field_error(ld, where, "path", "\"%s\" is not a file "
		                   "directly under comps/", c->path);
	size_t n = json_array_size(arr);
	if (n == 0)
		return field_error(ld, where, "pieces", "a comp has at least "
		                   "one piece");
	c->pieces = calloc(n, sizeof *c->pieces);
	if (!c->pieces)
		return nomem(ld);
	c->piece_count = n;
	for (size_t i = 0; i < n; i++) {
		char pwhere[64];
		snprintf(pwhere, sizeof pwhere, "%s.pieces[%zu]", where, i);
		if ((rc = load_comp_piece(ld, json_array_get(arr, i), pwhere,
		                          &c->pieces[i])))
			return rc;
		if (i > 0 && c->pieces[i].from != c->pieces[i - 1].to)
			return field_error(ld, pwhere, "from", "%lld: pieces "
			                   "must follow each other (the one "
			                   "before ends at %lld)",
			                   (long long)c->pieces[i].from,
			                   (long long)c->pieces[i - 1].to);
	}
	return RL_OK;
}

static int cmp_comp(const void *a, const void *b)
{
	uint32_t x = ((const struct session_comp *)a)->number;
	uint32_t y = ((const struct session_comp *)b)->number;
	return (x > y) - (x < y);
}

/* "comps" is optional: sessions written before comps existed have none. */
static enum rl_status load_comps(const struct loader *ld, const json_t *root,
                                 struct session *s)
{
	enum rl_status rc;
	json_t *arr;
	if (!json_object_get(root, "comps"))
		return RL_OK;
	if ((rc = get_array(ld, root, "", "comps", &arr)))
		return rc;
	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	s->comps = calloc(n, sizeof *s->comps);
	if (!s->comps)
		return nomem(ld);
	s->comp_count = n;
	for (size_t i = 0; i < n; i++) {
		char where[32];
		snprintf(where, sizeof where, "comps[%zu]", i);
		if ((rc = load_comp(ld, json_array_get(arr, i), where,
		                    s->track_count, &s->comps[i])))
			return rc;
		for (size_t k = 0; k < i; k++) {
			const struct session_comp *c = &s->comps[k];
			if (c->number == s->comps[i].number)
				return field_error(ld, where, "number",
				                   "comp %u appears twice (also "
				                   "comps[%zu])", c->number, k);
			if (c->active && s->comps[i].active &&
			    c->track == s->comps[i].track)
				return field_error(ld, where, "active",
				                   "track %u already plays comp "
				                   "%u (comps[%zu])", c->track,
				                   c->number, k);
		}
	}
	qsort(s->comps, n, sizeof *s->comps, cmp_comp);
	return RL_OK;
}

static enum rl_status get_number(const struct loader *ld, const json_t *obj,
                                 const char *where, const char *key,
                                 double min, double max, double *out)
{
	json_t *v;
	enum rl_status rc = get_member(ld, obj, where, key, &v);
	if (rc)
		return rc;
	if (!json_is_number(v))
		return field_error(ld, where, key, "expected a number");
	double d = json_number_value(v);
	if (!(d >= min && d <= max))
		return field_error(ld, where, key, "%g is out of range (%g to %g)",
		                   d, min, max);
	*out = d;
	return RL_OK;
}

/* A punch point: null (unset) or a frame at or after 0; absent is
 * unset (files from before it existed). */
static enum rl_status get_punch_frame(const struct loader *ld,
                                      const json_t *o, const char *key,
                                      int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return RL_OK;
	uint64_t u;
	enum rl_status rc = get_uint(ld, o, "settings", key, INT64_MAX, &u);
	if (rc == RL_OK)
		*out = (int64_t)u;
	return rc;
}

/* The punch range of the settings (doc/session-format.md). */
static enum rl_status load_punch(const struct loader *ld, const json_t *o,
                                 struct session_settings *st)
{
	const char *w = "settings";
	enum rl_status rc = get_punch_frame(ld, o, "punch_in", &st->punch_in);
	if (!rc)
		rc = get_punch_frame(ld, o, "punch_out", &st->punch_out);
	if (!rc && json_object_get(o, "punch_in_on"))
		rc = get_bool(ld, o, w, "punch_in_on", &st->punch_in_on);
	if (!rc && json_object_get(o, "punch_out_on"))
		rc = get_bool(ld, o, w, "punch_out_on", &st->punch_out_on);
	if (!rc && st->punch_in != SESSION_NO_FRAME &&
	    st->punch_out != SESSION_NO_FRAME && st->punch_out <= st->punch_in)
		return field_error(ld, w, "punch_out", "%lld is not after "
		                   "punch_in (%lld)", (long long)st->punch_out,
		                   (long long)st->punch_in);
	/* A switch without its point has nothing to switch. */
	if (st->punch_in == SESSION_NO_FRAME)
		st->punch_in_on = false;
	if (st->punch_out == SESSION_NO_FRAME)
		st->punch_out_on = false;
	return rc;
}

/* "settings" and each of its members are optional (files written before
 * they existed load with the defaults); present ones must be right. */
static enum rl_status load_settings(const struct loader *ld, const json_t *root,
                                    struct session_settings *st)
{
	session_settings_init(st);
	const json_t *o = json_object_get(root, "settings");
	if (!o)
		return RL_OK;
	if (!json_is_object(o))
		return field_error(ld, "", "settings", "expected an object");
	enum rl_status rc = RL_OK;
	uint64_t u;
	const char *w = "settings";
	if (!rc && json_object_get(o, "count_in_bars") &&
	    !(rc = get_uint(ld, o, w, "count_in_bars", 64, &u)))
		st->count_in_bars = (uint32_t)u;
	if (!rc && json_object_get(o, "pre_roll_bars") &&
	    !(rc = get_uint(ld, o, w, "pre_roll_bars", 64, &u)))
		st->pre_roll_bars = (uint32_t)u;
	if (!rc && json_object_get(o, "click"))
		rc = get_bool(ld, o, w, "click", &st->click);
	if (!rc && json_object_get(o, "count_in_click"))
		rc = get_bool(ld, o, w, "count_in_click", &st->count_in_click);
	if (!rc && json_object_get(o, "click_sound"))
		rc = get_string(ld, o, w, "click_sound", st->click_sound,
		                sizeof st->click_sound);
	if (!rc && json_object_get(o, "click_level_db"))
		rc = get_level(ld, o, w, "click_level_db", 6.0,
		               &st->click_level_db);
	if (!rc && json_object_get(o, "tempo_bpm"))
		rc = get_number(ld, o, w, "tempo_bpm", 1, 1000, &st->tempo_bpm);
	if (!rc && json_object_get(o, "meter_beats") &&
	    !(rc = get_uint(ld, o, w, "meter_beats", 64, &u))) {
		if (u == 0)
			return field_error(ld, w, "meter_beats",
			                   "0 is out of range (1 to 64)");
		st->meter_beats = (uint32_t)u;
	}
	if (!rc && json_object_get(o, "jack_transport")) {
		rc = get_string(ld, o, w, "jack_transport", st->jack_transport,
		                sizeof st->jack_transport);
		if (!rc && strcmp(st->jack_transport, "internal") &&
		    strcmp(st->jack_transport, "follow") &&
		    strcmp(st->jack_transport, "master"))
			return field_error(ld, w, "jack_transport",
			                   "\"%s\" is not internal, follow or "
			                   "master", st->jack_transport);
	}
	if (!rc && json_object_get(o, "scratch")) {
		rc = get_string(ld, o, w, "scratch", st->scratch,
		                sizeof st->scratch);
		if (!rc && (strchr(st->scratch, '/') || st->scratch[0] == '.'))
			return field_error(ld, w, "scratch",
			                   "\"%s\" must be a file name in the "
			                   "session directory", st->scratch);
	}
	if (!rc && json_object_get(o, "scratch_offset")) {
		const json_t *v = json_object_get(o, "scratch_offset");
		if (!json_is_integer(v))
			return field_error(ld, w, "scratch_offset",
			                   "expected an integer");
		st->scratch_offset = json_integer_value(v);
	}
	if (!rc && json_object_get(o, "osc_port") &&
	    !(rc = get_uint(ld, o, w, "osc_port", 65535, &u)))
		st->osc_port = (uint32_t)u;
	if (!rc && json_object_get(o, "cue_click_db"))
		rc = get_level(ld, o, w, "cue_click_db", 6.0, &st->cue_click_db);
	if (!rc && json_object_get(o, "cue_scratch_db"))
		rc = get_level(ld, o, w, "cue_scratch_db", 6.0,
		               &st->cue_scratch_db);
	if (!rc && json_object_get(o, "meter_denominator") &&
	    !(rc = get_uint(ld, o, w, "meter_denominator", 64, &u))) {
		if (u == 0)
			return field_error(ld, w, "meter_denominator",
			                   "0 is out of range (1 to 64)");
		st->meter_denominator = (uint32_t)u;
	}
	if (!rc)
		rc = load_punch(ld, o, st);
	return rc;
}

static enum rl_status load_root(const struct loader *ld, const json_t *root,
                                struct session *s)
{
	enum rl_status rc;

	if (!json_is_object(root))
		return error_set(ld->err, RL_ERR_FORMAT,
		                 "%s: expected a JSON object at the top level",
		                 ld->file);
	/* The version comes first: a newer file may have changed any other
	 * field, and "too new" is the useful message then. */
	const json_t *v = json_object_get(root, "redlight_session");
	if (!v)
		return error_set(ld->err, RL_ERR_FORMAT,
		                 "%s: not a redlight session (no "
		                 "\"redlight_session\" key)", ld->file);
	if (!json_is_integer(v))
		return field_error(ld, "", "redlight_session",
		                   "expected an integer");
	json_int_t version = json_integer_value(v);
	if (version > SESSION_VERSION)
		return error_set(ld->err, RL_ERR_FORMAT,
		                 "%s: version %lld is newer than this redlight "
		                 "(%d)", ld->file, (long long)version,
		                 SESSION_VERSION);
	if (version < 1)
		return field_error(ld, "", "redlight_session",
		                   "unsupported version %lld",
		                   (long long)version);

	if ((rc = get_u32(ld, root, "", "sample_rate", &s->sample_rate)))
		return rc;
	if ((rc = get_format(ld, root, "", "format", &s->format)))
		return rc;
	if ((rc = load_settings(ld, root, &s->settings)))
		return rc;
	if ((rc = load_tracks(ld, root, s)))
		return rc;
	if ((rc = load_takes(ld, root, s)))
		return rc;
	if ((rc = load_comps(ld, root, s)))
		return rc;
	/* Written before the timeline had markers: the takes' ones. */
	if (!json_object_get(root, "markers"))
		return session_markers_from_takes(s, ld->err);
	rc = load_markers(ld, root, "", true, &s->markers, &s->marker_count);
	if (rc == RL_OK)
		session_sort_markers(s);
	return rc;
}

enum rl_status session_load_file(struct session *s, const char *path, int fd,
                                 struct error *err)
{
	struct loader ld = { .file = path, .err = err };
	struct stat st;

	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read %s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, RL_ERR_IO, "%s: not a regular file",
		                 path);
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		int e = errno;
		close(fd);
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read %s: %s", path, strerror(e));
	}

	/* json_loadf on our own FILE rather than json_load_file: a read
	 * error is then told apart from a syntax error (ferror + errno)
	 * instead of surfacing as "premature end of input". Duplicate keys
	 * are refused because a hand-edited file with two "length"s has no
	 * single meaning. */
	json_error_t jerr;
	errno = 0;
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		int e = errno;
		enum rl_status rc;
		if (ferror(f))
			rc = error_set(err, rl_status_from_errno(e),
			               "cannot read %s: %s", path,
			               strerror(e));
		else
			rc = error_set(err, RL_ERR_FORMAT, "%s:%d:%d: %s", path,
			               jerr.line, jerr.column, jerr.text);
		fclose(f);
		return rc;
	}
	fclose(f);

	enum rl_status rc = load_root(&ld, root, s);
	json_decref(root);
	return rc;
}
