/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SESSION_VERSION 1
#define SESSION_FILE "session.json"

/* Room for s->dir plus any name this module appends to it
 * ("/session.json.tmp-<pid>", "/takes/4294967295"). */
#define PATH_BUF (SESSION_PATH_MAX + 64)

/* Every uint64_t field goes through json_int_t; values above INT64_MAX are
 * refused when saving rather than written as negative numbers. */
_Static_assert(sizeof(json_int_t) >= sizeof(int64_t),
               "json_int_t must hold 64-bit values");

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

/* jansson refuses (and would never load back) strings that are not valid
 * UTF-8, so names are checked when they enter the session rather than when
 * a save fails much later. Same rules as jansson: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	while (*p) {
		unsigned long c = *p;
		unsigned long min;
		int n;

		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < n; i++, p++) {
			/* also stops at the terminating NUL */
			if ((*p & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
	}
	return true;
}

bool session_utf8_valid(const char *text)
{
	return text && utf8_valid(text);
}

/* Parse a take number at the start of name. whole: the name must be only
 * digits. Numbers that do not fit a uint32_t are not take numbers this
 * program could ever hand out, so they are ignored rather than blocking
 * every further reservation. */
static bool parse_take_number(const char *name, bool whole, uint32_t *out)
{
	uint64_t n = 0;
	const char *p = name;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return false;
	}
	if (whole && *p)
		return false;
	*out = (uint32_t)n;
	return true;
}

static void session_file_path(const struct session *s, char *out, size_t size)
{
	snprintf(out, size, "%s/" SESSION_FILE, s->dir);
}

/* ---------------------------------------------------------------------- */
/* Lifetime                                                               */

void session_take_cleanup(struct session_take *take)
{
	if (!take)
		return;
	for (size_t i = 0; i < take->file_count; i++) {
		free(take->files[i].dropped_ranges);
		take->files[i].dropped_ranges = NULL;
		take->files[i].dropped_range_count = 0;
	}
	free(take->files);
	take->files = NULL;
	take->file_count = 0;
	free(take->xrun_markers);
	take->xrun_markers = NULL;
	take->xrun_marker_count = 0;
	free(take->markers);
	take->markers = NULL;
	take->marker_count = 0;
}

void session_comp_cleanup(struct session_comp *comp)
{
	if (!comp)
		return;
	free(comp->pieces);
	comp->pieces = NULL;
	comp->piece_count = 0;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->take_count; i++)
		session_take_cleanup(&s->takes[i]);
	free(s->takes);
	for (size_t i = 0; i < s->comp_count; i++)
		session_comp_cleanup(&s->comps[i]);
	free(s->comps);
	free(s->tracks);
	free(s);
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                */

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

/* A level for the file: null for off. */
static json_t *level_json(double db)
{
	return isinf(db) && db < 0 ? json_null() : json_real(db);
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
	if ((rc = get_array(ld, o, where, "dropped_ranges", &arr)))
		return rc;

	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	f->dropped_ranges = calloc(n, sizeof *f->dropped_ranges);
	if (!f->dropped_ranges)
		return nomem(ld);
	f->dropped_range_count = n;
	for (size_t i = 0; i < n; i++) {
		struct session_dropped_range *r = &f->dropped_ranges[i];
		const json_t *ro = json_array_get(arr, i);
		char rwhere[128];

		snprintf(rwhere, sizeof rwhere, "%s.dropped_ranges[%zu]",
		         where, i);
		if (!json_is_object(ro))
			return field_error(ld, rwhere, NULL,
			                   "expected an object");
		if ((rc = get_uint(ld, ro, rwhere, "start", UINT64_MAX,
		                   &r->start)))
			return rc;
		if ((rc = get_uint(ld, ro, rwhere, "length", UINT64_MAX,
		                   &r->length)))
			return rc;
	}
	return RL_OK;
}

/* "trash/NAME" with NAME one plain directory entry: restoring moves this
 * directory back into takes/, so it must never reach outside trash/. */
static bool trash_dir_valid(const char *dir)
{
	const char *name = dir + strlen("trash/");
	return strncmp(dir, "trash/", strlen("trash/")) == 0 && name[0] &&
	       !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* The user's metadata of a take: every member optional (sessions written
 * before it existed load with the defaults), present ones checked. */
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
	if (t->trash_dir[0] && !trash_dir_valid(t->trash_dir))
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

	const json_t *arr = json_object_get(o, "markers");
	if (!arr)
		return RL_OK;
	if (!json_is_array(arr))
		return field_error(ld, where, "markers", "expected an array");
	size_t n = json_array_size(arr);
	if (n == 0)
		return RL_OK;
	t->markers = calloc(n, sizeof *t->markers);
	if (!t->markers)
		return nomem(ld);
	t->marker_count = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *mo = json_array_get(arr, i);
		char mwhere[96];
		snprintf(mwhere, sizeof mwhere, "%s.markers[%zu]", where, i);
		if (!json_is_object(mo))
			return field_error(ld, mwhere, NULL,
			                   "expected an object");
		if ((rc = get_uint(ld, mo, mwhere, "frame", UINT64_MAX,
		                   &t->markers[i].frame)))
			return rc;
		if ((rc = get_string(ld, mo, mwhere, "name",
		                     t->markers[i].name,
		                     sizeof t->markers[i].name)))
			return rc;
	}
	return RL_OK;
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

/* The keeper rules across takes, broken at takes[take].files[file]. */
struct keeper_fault {
	size_t take, file;
	char text[160];
};

/* At most one keeper per track in the whole session, and never a
 * discarded take. Shared by loading (a file that breaks them is refused)
 * and saving (so a file is never written that could not be loaded).
 * Keepers are few (one per track), so pairs of them are compared. */
static bool find_keeper_fault(const struct session_take *takes, size_t n,
                              struct keeper_fault *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct session_take *t = &takes[i];
		for (size_t j = 0; j < t->file_count; j++) {
			const struct session_take_file *f = &t->files[j];
			if (!f->keeper)
				continue;
			*out = (struct keeper_fault){ .take = i, .file = j };
			if (t->discarded) {
				snprintf(out->text, sizeof out->text,
				         "take %u is discarded and cannot be a "
				         "keeper", t->number);
				return true;
			}
			for (size_t a = 0; a <= i; a++) {
				const struct session_take *u = &takes[a];
				size_t end = a == i ? j : u->file_count;
				for (size_t b = 0; b < end; b++) {
					if (!u->files[b].keeper ||
					    u->files[b].track != f->track)
						continue;
					snprintf(out->text, sizeof out->text,
					         "track %u already has a keeper "
					         "(takes[%zu].files[%zu], take "
					         "%u)", f->track, a, b,
					         u->number);
					return true;
				}
			}
		}
	}
	return false;
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

	struct keeper_fault kf;
	if (find_keeper_fault(s->takes, n, &kf)) {
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

/* A comp's file lives under comps/ and nowhere else: a hand-edited path
 * must not make playback or a bounce read an arbitrary file. */
static bool comp_path_valid(const char *path)
{
	return strncmp(path, "comps/", 6) == 0 && path[6] &&
	       !strchr(path + 6, '/') && path[6] != '.';
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
	if (!comp_path_valid(c->path))
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

void session_settings_init(struct session_settings *st)
{
	*st = (struct session_settings){
		.click = true,
		.count_in_click = true,
		.tempo_bpm = 120.0,
		.meter_beats = 4,
		.meter_denominator = 4,
	};
	snprintf(st->click_sound, sizeof st->click_sound, "beep");
	snprintf(st->jack_transport, sizeof st->jack_transport, "internal");
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
	return load_comps(ld, root, s);
}

/* Takes ownership of fd. */
static enum rl_status load_file(struct session *s, const char *path, int fd,
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

/* ---------------------------------------------------------------------- */
/* Saving                                                                 */

struct builder {
	const char *file; /* path of session.json, for messages */
	struct error *err;
	enum rl_status status; /* first failure; later ones are ignored */
};

static void build_fail_nomem(struct builder *b)
{
	if (b->status == RL_OK)
		b->status = error_set(b->err, RL_ERR_NOMEM,
		                      "cannot save %s: out of memory", b->file);
}

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

/* json_object_set_new() consumes value even when it fails, and fails on a
 * NULL value, so this one check covers every allocation of the tree. */
static void put(struct builder *b, json_t *obj, const char *key, json_t *value)
{
	if (json_object_set_new(obj, key, value) != 0)
		build_fail_nomem(b);
}

static void append(struct builder *b, json_t *arr, json_t *value)
{
	if (json_array_append_new(arr, value) != 0)
		build_fail_nomem(b);
}

static void put_uint(struct builder *b, json_t *obj, const char *where,
                     const char *key, uint64_t v)
{
	if (v > INT64_MAX) {
		build_fail(b, where, key, "%llu does not fit a JSON integer",
		           (unsigned long long)v);
		return;
	}
	put(b, obj, key, json_integer((json_int_t)v));
}

static void put_string(struct builder *b, json_t *obj, const char *where,
                       const char *key, const char *str, size_t cap)
{
	if (strnlen(str, cap) == cap) {
		build_fail(b, where, key, "not NUL-terminated");
		return;
	}
	if (!utf8_valid(str)) {
		build_fail(b, where, key, "not valid UTF-8");
		return;
	}
	put(b, obj, key, json_string(str));
}

static json_t *new_object(struct builder *b)
{
	json_t *o = json_object();
	if (!o)
		build_fail_nomem(b);
	return o;
}

static json_t *new_array(struct builder *b)
{
	json_t *a = json_array();
	if (!a)
		build_fail_nomem(b);
	return a;
}

static json_t *build_file(struct builder *b, const char *where,
                          const struct session_take_file *f)
{
	json_t *o = new_object(b);
	if (!o)
		return NULL;
	put_uint(b, o, where, "track", f->track);
	put_string(b, o, where, "track_name", f->track_name,
	           sizeof f->track_name);
	put_string(b, o, where, "path", f->path, sizeof f->path);
	if (f->peak_dbfs == -INFINITY)
		put(b, o, "peak_dbfs", json_null());
	else if (!isfinite(f->peak_dbfs))
		build_fail(b, where, "peak_dbfs", "%g is not a level",
		           f->peak_dbfs);
	else
		put(b, o, "peak_dbfs", json_real(f->peak_dbfs));
	put_uint(b, o, where, "clips", f->clips);
	put_uint(b, o, where, "dropped_frames", f->dropped_frames);
	put(b, o, "keeper", json_boolean(f->keeper));

	json_t *ranges = new_array(b);
	for (size_t i = 0; ranges && i < f->dropped_range_count; i++) {
		const struct session_dropped_range *r = &f->dropped_ranges[i];
		char rwhere[128];
		json_t *ro = new_object(b);
		if (!ro)
			break;
		snprintf(rwhere, sizeof rwhere, "%s.dropped_ranges[%zu]",
		         where, i);
		put_uint(b, ro, rwhere, "start", r->start);
		put_uint(b, ro, rwhere, "length", r->length);
		append(b, ranges, ro);
	}
	put(b, o, "dropped_ranges", ranges);
	return o;
}

static json_t *build_take(struct builder *b, const char *where,
                          const struct session_take *t)
{
	json_t *o = new_object(b);
	if (!o)
		return NULL;
	put_uint(b, o, where, "number", t->number);
	put_string(b, o, where, "started_at", t->started_at,
	           sizeof t->started_at);
	put_uint(b, o, where, "start_frame", t->start_frame);
	put_uint(b, o, where, "length", t->length);
	put_uint(b, o, where, "sample_rate", t->sample_rate);
	put(b, o, "format", json_string(take_format_name(t->format)));
	put_uint(b, o, where, "xruns", t->xruns);
	put_uint(b, o, where, "dropped_frames", t->dropped_frames);
	put(b, o, "complete", json_boolean(t->complete));
	put(b, o, "recovered", json_boolean(t->recovered));
	put_uint(b, o, where, "latency_correction", t->latency_correction);
	put_string(b, o, where, "end_reason", t->end_reason,
	           sizeof t->end_reason);
	if (t->rating > SESSION_RATING_MAX)
		build_fail(b, where, "rating", "%u is out of range (0 to %d)",
		           t->rating, SESSION_RATING_MAX);
	put_uint(b, o, where, "rating", t->rating);
	put_string(b, o, where, "note", t->note, sizeof t->note);
	put(b, o, "discarded", json_boolean(t->discarded));
	put_string(b, o, where, "trash_dir", t->trash_dir,
	           sizeof t->trash_dir);
	/* The rules the loader enforces, so a file that could not be
	 * loaded back is never written. */
	if (t->trash_dir[0] && strnlen(t->trash_dir, sizeof t->trash_dir) <
	    sizeof t->trash_dir && !trash_dir_valid(t->trash_dir))
		build_fail(b, where, "trash_dir",
		           "\"%s\" is not a directory directly under trash/",
		           t->trash_dir);
	if (t->discarded != (t->trash_dir[0] != '\0'))
		build_fail(b, where, "trash_dir",
		           t->discarded ? "missing for a discarded take"
		                        : "set, but the take is not discarded");

	json_t *user_markers = new_array(b);
	for (size_t i = 0; user_markers && i < t->marker_count; i++) {
		char mwhere[96];
		json_t *mo = new_object(b);
		if (!mo)
			break;
		snprintf(mwhere, sizeof mwhere, "%s.markers[%zu]", where, i);
		put_uint(b, mo, mwhere, "frame", t->markers[i].frame);
		put_string(b, mo, mwhere, "name", t->markers[i].name,
		           sizeof t->markers[i].name);
		append(b, user_markers, mo);
	}
	put(b, o, "markers", user_markers);

	json_t *markers = new_array(b);
	for (size_t i = 0; markers && i < t->xrun_marker_count; i++) {
		char mwhere[96];
		json_t *mo = new_object(b);
		if (!mo)
			break;
		snprintf(mwhere, sizeof mwhere, "%s.xrun_markers[%zu]", where, i);
		put_uint(b, mo, mwhere, "frame", t->xrun_markers[i].frame);
		put_uint(b, mo, mwhere, "jump", t->xrun_markers[i].jump);
		append(b, markers, mo);
	}
	put(b, o, "xrun_markers", markers);

	json_t *files = new_array(b);
	for (size_t i = 0; files && i < t->file_count; i++) {
		char fwhere[64];
		snprintf(fwhere, sizeof fwhere, "%s.files[%zu]", where, i);
		append(b, files, build_file(b, fwhere, &t->files[i]));
	}
	put(b, o, "files", files);
	return o;
}

static json_t *build_comp(struct builder *b, const char *where,
                          const struct session_comp *c)
{
	json_t *o = new_object(b);
	if (!o)
		return NULL;
	put_uint(b, o, where, "number", c->number);
	put_uint(b, o, where, "track", c->track);
	put_string(b, o, where, "path", c->path, sizeof c->path);
	if (strnlen(c->path, sizeof c->path) < sizeof c->path &&
	    !comp_path_valid(c->path))
		build_fail(b, where, "path", "\"%s\" is not a file directly "
		           "under comps/", c->path);
	put_string(b, o, where, "created_at", c->created_at,
	           sizeof c->created_at);
	put_uint(b, o, where, "start_frame", c->start_frame);
	put_uint(b, o, where, "length", c->length);
	put_uint(b, o, where, "sample_rate", c->sample_rate);
	put(b, o, "format", json_string(take_format_name(c->format)));
	put_uint(b, o, where, "base_take", c->base_take);
	put_uint(b, o, where, "fade_frames", c->fade_frames);
	put(b, o, "active", json_boolean(c->active));
	json_t *pieces = new_array(b);
	for (size_t i = 0; pieces && i < c->piece_count; i++) {
		const struct session_comp_piece *p = &c->pieces[i];
		char pwhere[64];
		json_t *po = new_object(b);
		if (!po)
			break;
		snprintf(pwhere, sizeof pwhere, "%s.pieces[%zu]", where, i);
		put_string(b, po, pwhere, "section", p->section,
		           sizeof p->section);
		put_uint(b, po, pwhere, "take", p->take);
		if (p->from < 0 || p->to <= p->from)
			build_fail(b, pwhere, "from", "bad range [%lld, %lld)",
			           (long long)p->from, (long long)p->to);
		put_uint(b, po, pwhere, "from", (uint64_t)(p->from < 0 ? 0 : p->from));
		put_uint(b, po, pwhere, "to", (uint64_t)(p->to < 0 ? 0 : p->to));
		append(b, pieces, po);
	}
	put(b, o, "pieces", pieces);
	return o;
}

/* Returns the tree, or NULL with b->status set. Key order is the order of
 * insertion (jansson keeps it), which is the documented schema order. */
static json_t *build_root(struct builder *b, const struct session *s)
{
	json_t *root = new_object(b);
	if (!root)
		return NULL;
	put(b, root, "redlight_session", json_integer(SESSION_VERSION));
	put_uint(b, root, "", "sample_rate", s->sample_rate);
	put(b, root, "format", json_string(take_format_name(s->format)));

	const struct session_settings *st = &s->settings;
	json_t *so = new_object(b);
	if (so) {
		put_uint(b, so, "settings", "count_in_bars", st->count_in_bars);
		put_uint(b, so, "settings", "pre_roll_bars", st->pre_roll_bars);
		put(b, so, "click", json_boolean(st->click));
		put(b, so, "count_in_click", json_boolean(st->count_in_click));
		put_string(b, so, "settings", "click_sound", st->click_sound,
		           sizeof st->click_sound);
		put(b, so, "click_level_db", level_json(st->click_level_db));
		put(b, so, "tempo_bpm", json_real(st->tempo_bpm));
		put_uint(b, so, "settings", "meter_beats", st->meter_beats);
		put_uint(b, so, "settings", "meter_denominator",
		         st->meter_denominator);
		put_string(b, so, "settings", "jack_transport",
		           st->jack_transport, sizeof st->jack_transport);
		put_string(b, so, "settings", "scratch", st->scratch,
		           sizeof st->scratch);
		put(b, so, "scratch_offset", json_integer(st->scratch_offset));
		put(b, so, "cue_click_db", level_json(st->cue_click_db));
		put(b, so, "cue_scratch_db", level_json(st->cue_scratch_db));
		put_uint(b, so, "settings", "osc_port", st->osc_port);
		put(b, root, "settings", so);
	}

	json_t *tracks = new_array(b);
	for (size_t i = 0; tracks && i < s->track_count; i++) {
		const struct session_track *t = &s->tracks[i];
		char where[32];
		json_t *o = new_object(b);
		if (!o)
			break;
		snprintf(where, sizeof where, "tracks[%zu]", i);
		put_uint(b, o, where, "number", i + 1);
		put_string(b, o, where, "name", t->name, sizeof t->name);
		put_string(b, o, where, "source", t->source,
		           sizeof t->source);
		if (t->source_right[0])
			put_string(b, o, where, "source_right", t->source_right,
			           sizeof t->source_right);
		put(b, o, "gain_db", isinf(t->gain_db) ? json_null()
		                                        : json_real(t->gain_db));
		put(b, o, "pan", json_real(t->pan));
		put_string(b, o, where, "group", t->group, sizeof t->group);
		put_string(b, o, where, "colour", t->colour, sizeof t->colour);
		put(b, o, "rec_safe", json_boolean(t->rec_safe));
		put(b, o, "cue_db", level_json(t->cue_db));
		put(b, o, "monitor", json_boolean(t->monitor));
		put(b, o, "monitor_db", level_json(t->monitor_db));
		append(b, tracks, o);
	}
	put(b, root, "tracks", tracks);

	json_t *takes = new_array(b);
	for (size_t i = 0; takes && i < s->take_count; i++) {
		char where[32];
		snprintf(where, sizeof where, "takes[%zu]", i);
		append(b, takes, build_take(b, where, &s->takes[i]));
	}
	put(b, root, "takes", takes);

	json_t *comps = new_array(b);
	for (size_t i = 0; comps && i < s->comp_count; i++) {
		char where[32];
		snprintf(where, sizeof where, "comps[%zu]", i);
		append(b, comps, build_comp(b, where, &s->comps[i]));
	}
	put(b, root, "comps", comps);

	struct keeper_fault kf;
	if (find_keeper_fault(s->takes, s->take_count, &kf)) {
		char where[64];
		snprintf(where, sizeof where, "takes[%zu].files[%zu]", kf.take,
		         kf.file);
		build_fail(b, where, "keeper", "%s", kf.text);
	}

	if (b->status != RL_OK) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static enum rl_status save_error(const char *file, const char *what,
                                 const char *path, int errnum,
                                 struct error *err)
{
	return error_set(err, rl_status_from_errno(errnum),
	                 "cannot save %s: %s %s: %s", file, what, path,
	                 strerror(errnum));
}

enum rl_status session_save(const struct session *s, struct error *err)
{
	char file[PATH_BUF], tmp[PATH_BUF + 32];

	if (!s)
		return error_set(err, RL_ERR_INVALID,
		                 "session_save: no session");
	session_file_path(s, file, sizeof file);
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", file, (long)getpid());

	struct builder b = { .file = file, .err = err, .status = RL_OK };
	json_t *root = build_root(&b, s);
	if (!root)
		return b.status;
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot save %s: out of memory", file);

	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST) {
		/* Only a process with our pid uses this name, so an existing
		 * one was left by a crash of an earlier process that had the
		 * same pid: a half-written copy, never anyone's data. */
		if (unlink(tmp) == 0)
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			          0666);
	}
	if (fd < 0) {
		enum rl_status rc = save_error(file, "cannot create", tmp,
		                               errno, err);
		free(text);
		return rc;
	}

	int e = 0;
	const char *what = NULL;
	if (write_all(fd, text, strlen(text)) != 0 ||
	    write_all(fd, "\n", 1) != 0) {
		e = errno;
		what = "cannot write";
	} else if (fsync(fd) != 0) {
		e = errno;
		what = "cannot fsync";
	}
	free(text);
	/* close() can report a deferred write error (NFS, quota): the data
	 * is not known to be on disk then, so it fails the save too. */
	if (close(fd) != 0 && !what) {
		e = errno;
		what = "cannot close";
	}
	if (!what && rename(tmp, file) != 0) {
		e = errno;
		what = "cannot rename";
	}
	if (what) {
		enum rl_status rc = save_error(file, what, tmp, e, err);
		unlink(tmp);
		return rc;
	}

	/* The rename is only durable once the directory entry is: without
	 * this a power cut can bring back the old session.json. */
	int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return save_error(file, "cannot open directory", s->dir, errno,
		                  err);
	/* Some file systems cannot fsync a directory (EINVAL); the rename
	 * is then as durable as they make it, which is not our error. */
	if (fsync(dfd) != 0 && errno != EINVAL) {
		e = errno;
		close(dfd);
		return save_error(file, "cannot fsync directory", s->dir, e,
		                  err);
	}
	close(dfd);
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                */

static enum rl_status make_session_dir(const char *dir, struct error *err)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return RL_OK;
	int e = errno;
	if (e == EEXIST) {
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return RL_OK;
		return error_set(err, RL_ERR_INVALID,
		                 "cannot use %s as a session directory: it "
		                 "exists and is not a directory", dir);
	}
	if (e == ENOENT) {
		/* Only the last component is created: a typo in the parent
		 * should not silently grow a tree somewhere else. */
		char parent[PATH_BUF];
		snprintf(parent, sizeof parent, "%s", dir);
		char *slash = strrchr(parent, '/');
		if (!slash)
			snprintf(parent, sizeof parent, ".");
		else if (slash == parent)
			slash[1] = '\0';
		else
			*slash = '\0';
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "cannot create session directory %s: parent "
		                 "directory %s does not exist", dir, parent);
	}
	return error_set(err, rl_status_from_errno(e),
	                 "cannot create session directory %s: %s", dir,
	                 strerror(e));
}

static enum rl_status make_subdir(const struct session *s, const char *name,
                                  struct error *err)
{
	char path[PATH_BUF];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	if (mkdir(path, 0777) == 0)
		return RL_OK;
	int e = errno;
	if (e == EEXIST) {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return RL_OK;
		return error_set(err, RL_ERR_INVALID,
		                 "%s exists and is not a directory", path);
	}
	return error_set(err, rl_status_from_errno(e),
	                 "cannot create directory %s: %s", path, strerror(e));
}

enum rl_status session_open(const char *dir, struct session **out,
                            struct error *err)
{
	enum rl_status rc;

	if (out)
		*out = NULL;
	if (!dir || !dir[0] || !out)
		return error_set(err, RL_ERR_INVALID,
		                 "session_open: no session directory given");
	size_t len = strlen(dir);
	/* "dir/" and "dir" are the same directory; dropping the slash keeps
	 * every path built from it free of "//". */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len >= SESSION_PATH_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "session directory path too long (%zu bytes, "
		                 "at most %d)", len, SESSION_PATH_MAX - 1);

	struct session *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, RL_ERR_NOMEM, "%.*s: out of memory",
		                 (int)len, dir);
	memcpy(s->dir, dir, len);
	s->dir[len] = '\0';
	session_settings_init(&s->settings);
	s->format = TAKE_FORMAT_PCM24;

	if ((rc = make_session_dir(s->dir, err)))
		goto fail;

	char file[PATH_BUF];
	session_file_path(s, file, sizeof file);
	bool fresh = false;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* Loading comes before creating takes/ and trash/ so that a
		 * session.json we cannot read leaves the directory exactly
		 * as it was. */
		if ((rc = load_file(s, file, fd, err)))
			goto fail;
	} else if (errno == ENOENT) {
		fresh = true;
	} else {
		int e = errno;
		rc = error_set(err, rl_status_from_errno(e),
		               "cannot open %s: %s", file, strerror(e));
		goto fail;
	}

	if ((rc = make_subdir(s, "takes", err)) ||
	    (rc = make_subdir(s, "trash", err)))
		goto fail;
	if (fresh && (rc = session_save(s, err)))
		goto fail;

	*out = s;
	return RL_OK;

fail:
	session_free(s);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Tracks                                                                 */

int session_find_track(const struct session *s, const char *name)
{
	if (!s || !name)
		return -1;
	for (size_t i = 0; i < s->track_count; i++) {
		if (strcmp(s->tracks[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

enum rl_status session_add_track(struct session *s, const char *name,
                                 const char *source, size_t *index,
                                 struct error *err)
{
	if (!s || !name || !name[0])
		return error_set(err, RL_ERR_INVALID,
		                 "a track needs a name");
	if (!source)
		source = "";
	if (strlen(name) >= SESSION_NAME_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "track name \"%.*s...\" is longer than %d "
		                 "bytes", 20, name, SESSION_NAME_MAX - 1);
	if (!utf8_valid(name))
		return error_set(err, RL_ERR_INVALID,
		                 "track name is not valid UTF-8");
	if (strlen(source) >= SESSION_PORT_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "source of track \"%s\" is longer than %d "
		                 "bytes", name, SESSION_PORT_MAX - 1);
	if (!utf8_valid(source))
		return error_set(err, RL_ERR_INVALID,
		                 "source of track \"%s\" is not valid UTF-8",
		                 name);
	if (session_find_track(s, name) >= 0)
		return error_set(err, RL_ERR_EXISTS,
		                 "there is already a track named \"%s\"", name);
	/* Track numbers are positions + 1 and appear in JSON as integers
	 * (and as "%02u" in file names), so stay well inside uint32. */
	if (s->track_count >= UINT32_MAX - 1)
		return error_set(err, RL_ERR_INVALID, "too many tracks");

	struct session_track *tracks =
		realloc(s->tracks, (s->track_count + 1) * sizeof *tracks);
	if (!tracks)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot add track \"%s\": out of memory", name);
	s->tracks = tracks;
	struct session_track *t = &tracks[s->track_count];
	memset(t, 0, sizeof *t);
	strcpy(t->name, name);
	strcpy(t->source, source);
	if (index)
		*index = s->track_count;
	s->track_count++;
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* Takes                                                                  */

/* Raise *max to the highest take number found in dir. whole: names must be
 * all digits (takes/NNN); otherwise a leading number counts (trash/ holds
 * "003" as well as "003-<why>"). A missing directory has no numbers. */
static enum rl_status scan_numbers(const char *dir, bool whole, uint32_t *max,
                                   struct error *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return RL_OK;
		int e = errno;
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read directory %s: %s", dir,
		                 strerror(e));
	}
	for (;;) {
		errno = 0;
		struct dirent *ent = readdir(d);
		if (!ent)
			break;
		uint32_t n;
		if (parse_take_number(ent->d_name, whole, &n) && n > *max)
			*max = n;
	}
	int e = errno;
	closedir(d);
	if (e)
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read directory %s: %s", dir,
		                 strerror(e));
	return RL_OK;
}

enum rl_status session_reserve_take(struct session *s, uint32_t *number,
                                    char *take_dir, size_t take_dir_size,
                                    struct error *err)
{
	char path[PATH_BUF];
	enum rl_status rc;
	uint32_t max = 0;

	if (!s)
		return error_set(err, RL_ERR_INVALID,
		                 "session_reserve_take: no session");
	/* Checked before mkdir with the widest possible number, so a take
	 * directory is never created that the caller cannot be told of. */
	if (take_dir &&
	    take_dir_size < strlen(s->dir) + sizeof "/takes/4294967295")
		return error_set(err, RL_ERR_INVALID,
		                 "take directory buffer too small for %s/takes/",
		                 s->dir);

	for (size_t i = 0; i < s->take_count; i++) {
		if (s->takes[i].number > max)
			max = s->takes[i].number;
	}
	snprintf(path, sizeof path, "%s/takes", s->dir);
	if ((rc = scan_numbers(path, true, &max, err)))
		return rc;
	snprintf(path, sizeof path, "%s/trash", s->dir);
	if ((rc = scan_numbers(path, false, &max, err)))
		return rc;

	/* mkdir is the reservation: it either creates the directory or
	 * fails with EEXIST, atomically, so another process (or a take
	 * directory that appeared since the scan) can never share a number;
	 * we move on instead of reusing. */
	for (;;) {
		if (max == UINT32_MAX)
			return error_set(err, RL_ERR_INVALID,
			                 "%s: no take numbers left", s->dir);
		uint32_t n = max + 1;
		snprintf(path, sizeof path, "%s/takes/%03u", s->dir, n);
		if (mkdir(path, 0777) == 0) {
			if (number)
				*number = n;
			if (take_dir)
				snprintf(take_dir, take_dir_size, "%s", path);
			return RL_OK;
		}
		if (errno != EEXIST) {
			int e = errno;
			return error_set(err, rl_status_from_errno(e),
			                 "cannot create take directory %s: %s",
			                 path, strerror(e));
		}
		max = n;
	}
}

/* A track name as a file name: characters that are unsafe there ('/',
 * control characters, a leading '.') become '_'; "track" if empty. */
static void file_safe_name(const char *track_name, char name[SESSION_NAME_MAX])
{
	size_t len = track_name ? strlen(track_name) : 0;

	if (len >= SESSION_NAME_MAX) {
		len = SESSION_NAME_MAX - 1;
		/* do not cut a UTF-8 sequence in half */
		while (len > 0 && ((unsigned char)track_name[len] & 0xc0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)track_name[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' ||
		    (i == 0 && c == '.'))
			c = '_';
		name[i] = (char)c;
	}
	name[len] = '\0';
	if (len == 0)
		snprintf(name, SESSION_NAME_MAX, "track");
}

void session_take_file_relpath(uint32_t take_number, uint32_t track_number,
                               const char *track_name, char *out,
                               size_t out_size)
{
	char name[SESSION_NAME_MAX];

	if (!out || out_size == 0)
		return;
	file_safe_name(track_name, name);
	snprintf(out, out_size, "takes/%03u/%02u-%s.wav", take_number,
	         track_number, name);
}

/* Deep copy; on failure dst owns nothing. Strings are re-terminated so a
 * caller's unterminated array can never make a later save read past it. */
static enum rl_status copy_take(struct session_take *dst,
                                const struct session_take *src)
{
	*dst = *src;
	dst->files = NULL;
	dst->file_count = 0;
	dst->xrun_markers = NULL;
	dst->xrun_marker_count = 0;
	dst->markers = NULL;
	dst->marker_count = 0;
	dst->started_at[sizeof dst->started_at - 1] = '\0';
	dst->end_reason[sizeof dst->end_reason - 1] = '\0';
	dst->note[sizeof dst->note - 1] = '\0';
	dst->trash_dir[sizeof dst->trash_dir - 1] = '\0';
	if (src->marker_count) {
		dst->markers = malloc(src->marker_count * sizeof *dst->markers);
		if (!dst->markers)
			return RL_ERR_NOMEM;
		memcpy(dst->markers, src->markers,
		       src->marker_count * sizeof *dst->markers);
		dst->marker_count = src->marker_count;
		for (size_t i = 0; i < dst->marker_count; i++)
			dst->markers[i].name[sizeof dst->markers[i].name - 1] =
				'\0';
	}
	if (src->xrun_marker_count) {
		dst->xrun_markers = malloc(src->xrun_marker_count *
		                           sizeof *dst->xrun_markers);
		if (!dst->xrun_markers) {
			session_take_cleanup(dst);
			return RL_ERR_NOMEM;
		}
		memcpy(dst->xrun_markers, src->xrun_markers,
		       src->xrun_marker_count * sizeof *dst->xrun_markers);
		dst->xrun_marker_count = src->xrun_marker_count;
	}
	if (src->file_count == 0)
		return RL_OK;

	dst->files = calloc(src->file_count, sizeof *dst->files);
	if (!dst->files) {
		session_take_cleanup(dst);
		return RL_ERR_NOMEM;
	}
	dst->file_count = src->file_count;
	for (size_t i = 0; i < src->file_count; i++) {
		const struct session_take_file *sf = &src->files[i];
		struct session_take_file *df = &dst->files[i];

		*df = *sf;
		df->track_name[sizeof df->track_name - 1] = '\0';
		df->path[sizeof df->path - 1] = '\0';
		df->dropped_ranges = NULL;
		df->dropped_range_count = 0;
		if (sf->dropped_range_count == 0)
			continue;
		df->dropped_ranges = malloc(sf->dropped_range_count *
		                            sizeof *df->dropped_ranges);
		if (!df->dropped_ranges) {
			session_take_cleanup(dst);
			return RL_ERR_NOMEM;
		}
		memcpy(df->dropped_ranges, sf->dropped_ranges,
		       sf->dropped_range_count * sizeof *df->dropped_ranges);
		df->dropped_range_count = sf->dropped_range_count;
	}
	return RL_OK;
}

/* Index of the first take whose number is >= number (binary search over
 * the sorted array). */
static size_t take_lower_bound(const struct session *s, uint32_t number)
{
	size_t lo = 0, hi = s->take_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->takes[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum rl_status session_put_take(struct session *s,
                                const struct session_take *take,
                                struct error *err)
{
	if (!s || !take)
		return error_set(err, RL_ERR_INVALID,
		                 "session_put_take: no session or take");
	if (take->number == 0)
		return error_set(err, RL_ERR_INVALID,
		                 "take numbers start at 1");
	if (take->file_count > 0 && !take->files)
		return error_set(err, RL_ERR_INVALID,
		                 "take %u: %zu files but no file array",
		                 take->number, take->file_count);
	if (take->marker_count > 0 && !take->markers)
		return error_set(err, RL_ERR_INVALID,
		                 "take %u: %zu markers but no marker array",
		                 take->number, take->marker_count);
	if (take->xrun_marker_count > 0 && !take->xrun_markers)
		return error_set(err, RL_ERR_INVALID,
		                 "take %u: %zu xrun markers but no marker "
		                 "array", take->number, take->xrun_marker_count);
	for (size_t i = 0; i < take->file_count; i++) {
		if (take->files[i].dropped_range_count > 0 &&
		    !take->files[i].dropped_ranges)
			return error_set(err, RL_ERR_INVALID,
			                 "take %u, file %zu: dropped ranges "
			                 "counted but missing", take->number, i);
	}

	/* Copy first, so a failure leaves the session as it was. */
	struct session_take copy;
	if (copy_take(&copy, take) != RL_OK)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot store take %u: out of memory",
		                 take->number);

	size_t pos = take_lower_bound(s, take->number);
	if (pos < s->take_count && s->takes[pos].number == take->number) {
		session_take_cleanup(&s->takes[pos]);
		s->takes[pos] = copy;
		return RL_OK;
	}

	struct session_take *takes =
		realloc(s->takes, (s->take_count + 1) * sizeof *takes);
	if (!takes) {
		session_take_cleanup(&copy);
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot store take %u: out of memory",
		                 take->number);
	}
	s->takes = takes;
	memmove(&takes[pos + 1], &takes[pos],
	        (s->take_count - pos) * sizeof *takes);
	takes[pos] = copy;
	s->take_count++;
	return RL_OK;
}

struct session_take *session_find_take(struct session *s, uint32_t number)
{
	if (!s)
		return NULL;
	size_t pos = take_lower_bound(s, number);
	if (pos < s->take_count && s->takes[pos].number == number)
		return &s->takes[pos];
	return NULL;
}

void session_remove_take(struct session *s, uint32_t number)
{
	size_t pos = take_lower_bound(s, number);
	if (pos >= s->take_count || s->takes[pos].number != number)
		return;
	session_take_cleanup(&s->takes[pos]);
	memmove(&s->takes[pos], &s->takes[pos + 1],
	        (s->take_count - pos - 1) * sizeof *s->takes);
	s->take_count--;
}

/* rename() that never replaces what is at `to`: plain rename() silently
 * replaces an empty directory. -1 with errno EEXIST if `to` exists. */
static int move_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: look, then move. Only a
	 * process creating `to` in between could be hurt, and no redlight
	 * process creates names under trash/ other than this way. */
	struct stat st;
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/* Make a directory entry change durable; best effort (the move is done,
 * and some file systems cannot fsync a directory). */
static void sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Sync takes/ and trash/ after moving a take between them. */
static void sync_take_dirs(const struct session *s)
{
	char path[PATH_BUF];
	snprintf(path, sizeof path, "%s/takes", s->dir);
	sync_dir(path);
	snprintf(path, sizeof path, "%s/trash", s->dir);
	sync_dir(path);
}

enum rl_status session_trash_take_dir_to(const struct session *s,
                                         uint32_t number, char *trash_dir,
                                         size_t trash_dir_size,
                                         struct error *err)
{
	char from[PATH_BUF], to[PATH_BUF + SESSION_NAME_MAX];
	char rel[SESSION_NAME_MAX];

	if (!s)
		return error_set(err, RL_ERR_INVALID,
		                 "session_trash_take_dir: no session");
	if (trash_dir && trash_dir_size < sizeof "trash/4294967295-999")
		return error_set(err, RL_ERR_INVALID,
		                 "trash directory buffer too small");
	snprintf(from, sizeof from, "%s/takes/%03u", s->dir, number);
	/* Never replace anything already in the trash: the first free
	 * name wins, atomically. */
	for (int i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(rel, sizeof rel, "trash/%03u", number);
		else
			snprintf(rel, sizeof rel, "trash/%03u-%d", number, i);
		snprintf(to, sizeof to, "%s/%s", s->dir, rel);
		if (move_noreplace(from, to) == 0) {
			sync_take_dirs(s);
			if (trash_dir)
				snprintf(trash_dir, trash_dir_size, "%s", rel);
			return RL_OK;
		}
		int e = errno;
		if (e != EEXIST && e != ENOTEMPTY)
			return error_set(err, rl_status_from_errno(e),
			                 "cannot move %s to %s: %s", from, to,
			                 strerror(e));
	}
	return error_set(err, RL_ERR_EXISTS,
	                 "cannot move %s to the trash: %s/trash/%03u and "
	                 "%03u-1 to %03u-999 all exist", from, s->dir, number,
	                 number, number);
}

enum rl_status session_trash_take_dir(const struct session *s,
                                      uint32_t number, struct error *err)
{
	return session_trash_take_dir_to(s, number, NULL, 0, err);
}

/* ---------------------------------------------------------------------- */
/* Take metadata                                                          */

static enum rl_status find_take_or_fail(struct session *s, uint32_t number,
                                        struct session_take **out,
                                        struct error *err)
{
	*out = NULL;
	if (!s)
		return error_set(err, RL_ERR_INVALID, "no session");
	*out = session_find_take(s, number);
	if (!*out)
		return error_set(err, RL_ERR_NOT_FOUND, "%s: no take %u",
		                 s->dir, number);
	return RL_OK;
}

/* The take's file of a track, or NULL. */
static struct session_take_file *file_of(const struct session_take *t,
                                         uint32_t track)
{
	for (size_t i = 0; i < t->file_count; i++) {
		if (t->files[i].track == track)
			return &t->files[i];
	}
	return NULL;
}

enum rl_status session_take_set_rating(struct session *s, uint32_t number,
                                       uint32_t rating, struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (rating > SESSION_RATING_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "a rating is 0 to %d, not %u",
		                 SESSION_RATING_MAX, rating);
	t->rating = rating;
	return RL_OK;
}

enum rl_status session_take_set_note(struct session *s, uint32_t number,
                                     const char *text, struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (!text)
		text = "";
	size_t len = strlen(text);
	if (len >= sizeof t->note)
		return error_set(err, RL_ERR_INVALID,
		                 "note for take %u is %zu bytes, at most %zu",
		                 number, len, sizeof t->note - 1);
	if (!utf8_valid(text))
		return error_set(err, RL_ERR_INVALID,
		                 "note for take %u is not valid UTF-8", number);
	memcpy(t->note, text, len + 1);
	return RL_OK;
}

enum rl_status session_take_add_marker(struct session *s, uint32_t number,
                                       uint64_t frame, const char *name,
                                       struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (!name || !name[0])
		return error_set(err, RL_ERR_INVALID, "a marker needs a name");
	size_t len = strlen(name);
	if (len >= SESSION_NAME_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "marker name \"%.*s...\" is %zu bytes, at most "
		                 "%d", 20, name, len, SESSION_NAME_MAX - 1);
	if (!utf8_valid(name))
		return error_set(err, RL_ERR_INVALID,
		                 "marker name is not valid UTF-8");
	struct session_marker *m =
		realloc(t->markers, (t->marker_count + 1) * sizeof *m);
	if (!m)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot add a marker to take %u: out of memory",
		                 number);
	t->markers = m;
	m = &m[t->marker_count++];
	m->frame = frame;
	memcpy(m->name, name, len + 1);
	return RL_OK;
}

enum rl_status session_set_keeper(struct session *s, uint32_t number,
                                  uint32_t track_number, struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (t->discarded)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is discarded (in %s/%s): restore it "
		                 "before keeping it", number, s->dir,
		                 t->trash_dir);
	if (!t->complete)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is not complete: it is still "
		                 "recording, or a crash cut it off (run "
		                 "`redlight recover %s` first)", number, s->dir);
	if (t->file_count == 0)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "take %u has no files", number);
	if (track_number != 0 && !file_of(t, track_number)) {
		const char *name = track_number <= s->track_count
		                   ? s->tracks[track_number - 1].name : "";
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "take %u has no file of track %u%s%s%s", number,
		                 track_number, name[0] ? " (" : "", name,
		                 name[0] ? ")" : "");
	}

	for (size_t i = 0; i < t->file_count; i++) {
		uint32_t track = t->files[i].track;
		if (track_number != 0 && track != track_number)
			continue;
		for (size_t k = 0; k < s->take_count; k++) {
			struct session_take *u = &s->takes[k];
			for (size_t j = 0; j < u->file_count; j++) {
				if (u->files[j].track == track)
					u->files[j].keeper = false;
			}
		}
		t->files[i].keeper = true;
		for (size_t c = 0; c < s->comp_count; c++) {
			if (s->comps[c].track == track)
				s->comps[c].active = false;
		}
	}
	return RL_OK;
}

const struct session_take *
session_keeper_of(const struct session *s, uint32_t track_number,
                  const struct session_take_file **file)
{
	if (file)
		*file = NULL;
	if (!s || track_number == 0)
		return NULL;
	/* The engineer's choice first, whatever it sounds like. */
	for (size_t k = 0; k < s->take_count; k++) {
		const struct session_take *t = &s->takes[k];
		const struct session_take_file *f = file_of(t, track_number);
		if (!t->discarded && f && f->keeper) {
			if (file)
				*file = f;
			return t;
		}
	}
	for (size_t k = s->take_count; k-- > 0;) {
		const struct session_take *t = &s->takes[k];
		if (t->discarded || !t->complete || t->length == 0)
			continue;
		const struct session_take_file *f = file_of(t, track_number);
		if (f) {
			if (file)
				*file = f;
			return t;
		}
	}
	return NULL;
}

enum rl_status session_discard_take(struct session *s, uint32_t number,
                                    struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (t->discarded)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is already discarded (in %s/%s)",
		                 number, s->dir, t->trash_dir);
	if (!t->complete)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is not complete: it is still "
		                 "recording, or a crash cut it off (run "
		                 "`redlight recover %s` first)", number, s->dir);

	/* Remembered so a failed save can put everything back. */
	bool *was_keeper = calloc(t->file_count + 1, sizeof *was_keeper);
	if (!was_keeper)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot discard take %u: out of memory", number);
	char rel[SESSION_NAME_MAX];
	enum rl_status rc = session_trash_take_dir_to(s, number, rel,
	                                              sizeof rel, err);
	if (rc) {
		free(was_keeper);
		return rc;
	}
	t->discarded = true;
	snprintf(t->trash_dir, sizeof t->trash_dir, "%s", rel);
	for (size_t i = 0; i < t->file_count; i++) {
		was_keeper[i] = t->files[i].keeper;
		t->files[i].keeper = false;
	}
	rc = session_save(s, err);
	if (rc) {
		char from[PATH_BUF + SESSION_NAME_MAX], to[PATH_BUF];
		snprintf(from, sizeof from, "%s/%s", s->dir, rel);
		snprintf(to, sizeof to, "%s/takes/%03u", s->dir, number);
		if (move_noreplace(from, to) == 0) {
			sync_take_dirs(s);
		} else if (err) {
			int e = errno;
			size_t len = strlen(err->message);
			snprintf(err->message + len, sizeof err->message - len,
			         "; the take's directory stays in %s (cannot "
			         "move it back: %s)", from, strerror(e));
		}
		t->discarded = false;
		t->trash_dir[0] = '\0';
		for (size_t i = 0; i < t->file_count; i++)
			t->files[i].keeper = was_keeper[i];
	}
	free(was_keeper);
	return rc;
}

enum rl_status session_restore_take(struct session *s, uint32_t number,
                                    struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (!t->discarded)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is not discarded", number);
	char from[PATH_BUF + SESSION_NAME_MAX], to[PATH_BUF];
	snprintf(from, sizeof from, "%s/%s", s->dir, t->trash_dir);
	snprintf(to, sizeof to, "%s/takes/%03u", s->dir, number);
	if (move_noreplace(from, to) != 0) {
		int e = errno;
		if (e == EEXIST || e == ENOTEMPTY)
			return error_set(err, RL_ERR_EXISTS,
			                 "cannot restore take %u: %s exists",
			                 number, to);
		return error_set(err, rl_status_from_errno(e),
		                 "cannot restore take %u: cannot move %s to "
		                 "%s: %s", number, from, to, strerror(e));
	}
	sync_take_dirs(s);
	char rel[SESSION_NAME_MAX];
	memcpy(rel, t->trash_dir, sizeof rel);
	t->discarded = false;
	t->trash_dir[0] = '\0';
	enum rl_status rc = session_save(s, err);
	if (rc) {
		if (move_noreplace(to, from) == 0) {
			sync_take_dirs(s);
		} else if (err) {
			int e = errno;
			size_t len = strlen(err->message);
			snprintf(err->message + len, sizeof err->message - len,
			         "; the take's directory stays in %s (cannot "
			         "move it back: %s)", to, strerror(e));
		}
		t->discarded = true;
		memcpy(t->trash_dir, rel, sizeof rel);
	}
	return rc;
}

unsigned session_headroom_flags(const struct session_take_file *f)
{
	unsigned flags = 0;
	if (!f)
		return 0;
	/* -INFINITY (silence) and NaN compare false: never hot. */
	if (f->peak_dbfs > SESSION_HOT_DBFS)
		flags |= SESSION_HEADROOM_HOT;
	if (f->clips > 0)
		flags |= SESSION_HEADROOM_CLIP;
	return flags;
}

size_t session_headroom(const struct session_take *t,
                        struct session_headroom *out, size_t max)
{
	if (!t)
		return 0;
	for (size_t i = 0; out && i < t->file_count && i < max; i++) {
		const struct session_take_file *f = &t->files[i];
		out[i] = (struct session_headroom){
			.track = f->track,
			.track_name = f->track_name,
			.peak_dbfs = f->peak_dbfs,
			.clips = f->clips,
			.flags = session_headroom_flags(f),
		};
	}
	return t->file_count;
}

const char *session_headroom_label(unsigned flags)
{
	if (flags & SESSION_HEADROOM_CLIP)
		return "clip";
	if (flags & SESSION_HEADROOM_HOT)
		return "hot";
	return "ok";
}

/* ---------------------------------------------------------------------- */
/* Comps and playback                                                     */

enum rl_status session_reserve_comp(struct session *s, uint32_t track_number,
                                    uint32_t *number, char *relpath,
                                    size_t relpath_size, struct error *err)
{
	char path[PATH_BUF];
	uint32_t max = 0;
	enum rl_status rc;

	if (track_number == 0 || track_number > s->track_count)
		return error_set(err, RL_ERR_NOT_FOUND, "%s has no track %u",
		                 s->dir, track_number);
	for (size_t i = 0; i < s->comp_count; i++) {
		if (s->comps[i].number > max)
			max = s->comps[i].number;
	}
	if ((rc = make_subdir(s, "comps", err)))
		return rc;
	/* Files left by a render whose save failed keep their numbers too:
	 * nothing under comps/ is ever replaced. */
	snprintf(path, sizeof path, "%s/comps", s->dir);
	if ((rc = scan_numbers(path, false, &max, err)))
		return rc;
	if (max == UINT32_MAX)
		return error_set(err, RL_ERR_INVALID, "%s: no comp numbers left",
		                 s->dir);
	char name[SESSION_NAME_MAX];
	file_safe_name(s->tracks[track_number - 1].name, name);
	int n = snprintf(relpath, relpath_size, "comps/%03u-%02u-%s.wav",
	                 max + 1, track_number, name);
	if (n < 0 || (size_t)n >= relpath_size)
		return error_set(err, RL_ERR_INVALID,
		                 "comp path buffer too small");
	*number = max + 1;
	return RL_OK;
}

struct session_comp *session_find_comp(struct session *s, uint32_t number)
{
	for (size_t i = 0; i < s->comp_count; i++) {
		if (s->comps[i].number == number)
			return &s->comps[i];
	}
	return NULL;
}

enum rl_status session_put_comp(struct session *s,
                                const struct session_comp *comp,
                                struct error *err)
{
	if (comp->number == 0 || session_find_comp(s, comp->number))
		return error_set(err, RL_ERR_EXISTS, "%s: comp %u exists "
		                 "already", s->dir, comp->number);
	if (comp->track == 0 || comp->track > s->track_count)
		return error_set(err, RL_ERR_INVALID, "%s has no track %u",
		                 s->dir, comp->track);
	if (!comp_path_valid(comp->path))
		return error_set(err, RL_ERR_INVALID, "comp %u: \"%s\" is not "
		                 "a file directly under comps/", comp->number,
		                 comp->path);
	if (comp->piece_count == 0)
		return error_set(err, RL_ERR_INVALID, "comp %u has no pieces",
		                 comp->number);
	for (size_t i = 0; i < comp->piece_count; i++) {
		const struct session_comp_piece *p = &comp->pieces[i];
		if (p->from < 0 || p->to <= p->from ||
		    (i > 0 && p->from != comp->pieces[i - 1].to))
			return error_set(err, RL_ERR_INVALID, "comp %u: piece "
			                 "%zu [%lld, %lld) is out of order",
			                 comp->number, i, (long long)p->from,
			                 (long long)p->to);
	}
	struct session_comp_piece *pieces =
		malloc(comp->piece_count * sizeof *pieces);
	struct session_comp *grown =
		realloc(s->comps, (s->comp_count + 1) * sizeof *s->comps);
	if (grown)
		s->comps = grown;
	if (!pieces || !grown) {
		free(pieces);
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", s->dir);
	}
	memcpy(pieces, comp->pieces, comp->piece_count * sizeof *pieces);
	for (size_t i = 0; i < comp->piece_count; i++)
		pieces[i].section[sizeof pieces[i].section - 1] = '\0';
	/* Numbers only grow (session_reserve_comp), so appending keeps the
	 * array in number order. */
	size_t at = s->comp_count;
	while (at > 0 && s->comps[at - 1].number > comp->number)
		at--;
	memmove(&s->comps[at + 1], &s->comps[at],
	        (s->comp_count - at) * sizeof *s->comps);
	struct session_comp *c = &s->comps[at];
	*c = *comp;
	c->pieces = pieces;
	c->path[sizeof c->path - 1] = '\0';
	c->created_at[sizeof c->created_at - 1] = '\0';
	s->comp_count++;
	if (c->active) {
		for (size_t i = 0; i < s->comp_count; i++) {
			if (&s->comps[i] != c && s->comps[i].track == c->track)
				s->comps[i].active = false;
		}
	}
	return RL_OK;
}

enum rl_status session_use_comp(struct session *s, uint32_t number, bool on,
                                struct error *err)
{
	struct session_comp *c = session_find_comp(s, number);
	if (!c)
		return error_set(err, RL_ERR_NOT_FOUND, "%s: no comp %u", s->dir,
		                 number);
	for (size_t i = 0; on && i < s->comp_count; i++) {
		if (s->comps[i].track == c->track)
			s->comps[i].active = false;
	}
	c->active = on;
	return RL_OK;
}

const struct session_comp *session_active_comp(const struct session *s,
                                               uint32_t track_number)
{
	for (size_t i = 0; i < s->comp_count; i++) {
		if (s->comps[i].active && s->comps[i].track == track_number)
			return &s->comps[i];
	}
	return NULL;
}

bool session_playback_of(const struct session *s, uint32_t track_number,
                         struct session_playback *out)
{
	*out = (struct session_playback){ 0 };
	const struct session_comp *c = session_active_comp(s, track_number);
	if (c) {
		*out = (struct session_playback){ .path = c->path,
		                                  .start_frame = c->start_frame,
		                                  .comp = c->number };
		return true;
	}
	const struct session_take_file *f;
	const struct session_take *t = session_keeper_of(s, track_number, &f);
	if (!t || !f)
		return false;
	*out = (struct session_playback){ .path = f->path,
	                                  .start_frame = t->start_frame,
	                                  .take = t->number };
	return true;
}
