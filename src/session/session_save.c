/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writing session.json: build the JSON tree from the session, refusing
 * anything the loader (session_load.c) would refuse, so a file is never
 * written that could not be loaded back, and write it atomically (temp
 * file in the same directory, fsync, rename, fsync of the directory).
 */
#include "session_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every uint64_t field goes through json_int_t; values above INT64_MAX are
 * refused when saving rather than written as negative numbers. */
_Static_assert(sizeof(json_int_t) >= sizeof(int64_t),
               "json_int_t must hold 64-bit values");

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
	if (!session_utf8_valid(str)) {
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

/* A level for the file: null for off. */
static json_t *level_json(double db)
{
	return isinf(db) && db < 0 ? json_null() : json_real(db);
}


/* [{start, length}, ...] of n ranges, member `key` of `where`. */
static json_t *build_ranges(struct builder *b, const char *where,
                            const char *key,
                            const struct session_dropped_range *v, size_t n)
{
	json_t *ranges = new_array(b);
	for (size_t i = 0; ranges && i < n; i++) {
		char rwhere[128];
		json_t *ro = new_object(b);
		if (!ro)
			break;
		snprintf(rwhere, sizeof rwhere, "%s.%s[%zu]", where, key, i);
		put_uint(b, ro, rwhere, "start", v[i].start);
		put_uint(b, ro, rwhere, "length", v[i].length);
		append(b, ranges, ro);
	}
	return ranges;
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

	put(b, o, "dropped_ranges", build_ranges(b, where, "dropped_ranges",
	                                         f->dropped_ranges,
	                                         f->dropped_range_count));
	if (f->no_input_range_count)
		put(b, o, "no_input_ranges",
		    build_ranges(b, where, "no_input_ranges",
		                 f->no_input_ranges, f->no_input_range_count));
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
	    sizeof t->trash_dir && !session_trash_dir_valid(t->trash_dir))
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
	    !session_comp_path_valid(c->path))
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

/* A punch point: null while unset. */
static json_t *frame_json(int64_t frame)
{
	return frame == SESSION_NO_FRAME ? json_null() : json_integer(frame);
}

static json_t *build_settings(struct builder *b,
                              const struct session_settings *st)
{
	json_t *so = new_object(b);
	if (!so)
		return NULL;
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
	put_string(b, so, "settings", "jack_transport", st->jack_transport,
	           sizeof st->jack_transport);
	put_string(b, so, "settings", "scratch", st->scratch,
	           sizeof st->scratch);
	put(b, so, "scratch_offset", json_integer(st->scratch_offset));
	put(b, so, "cue_click_db", level_json(st->cue_click_db));
	put(b, so, "cue_scratch_db", level_json(st->cue_scratch_db));
	put_uint(b, so, "settings", "osc_port", st->osc_port);
	put(b, so, "punch_in", frame_json(st->punch_in));
	put(b, so, "punch_out", frame_json(st->punch_out));
	put(b, so, "punch_in_on", json_boolean(st->punch_in_on));
	put(b, so, "punch_out_on", json_boolean(st->punch_out_on));
	return so;
}

/* Track `number` (its position + 1: the loader insists they agree). */
static json_t *build_track(struct builder *b, const char *where,
                           size_t number, const struct session_track *t)
{
	json_t *o = new_object(b);
	if (!o)
		return NULL;
	put_uint(b, o, where, "number", number);
	put_string(b, o, where, "name", t->name, sizeof t->name);
	put_string(b, o, where, "source", t->source, sizeof t->source);
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

	json_t *so = build_settings(b, &s->settings);
	if (so)
		put(b, root, "settings", so);

	json_t *tracks = new_array(b);
	for (size_t i = 0; tracks && i < s->track_count; i++) {
		char where[32];
		snprintf(where, sizeof where, "tracks[%zu]", i);
		json_t *o = build_track(b, where, i + 1, &s->tracks[i]);
		if (!o)
			break;
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

	/* Plain for an exporter: name and frame, and the take if any. */
	json_t *markers = new_array(b);
	for (size_t i = 0; markers && i < s->marker_count; i++) {
		char where[32];
		json_t *mo = new_object(b);
		if (!mo)
			break;
		snprintf(where, sizeof where, "markers[%zu]", i);
		put_string(b, mo, where, "name", s->markers[i].name,
		           sizeof s->markers[i].name);
		put_uint(b, mo, where, "frame", s->markers[i].frame);
		if (s->markers[i].take)
			put_uint(b, mo, where, "take", s->markers[i].take);
		append(b, markers, mo);
	}
	put(b, root, "markers", markers);

	struct session_keeper_fault kf;
	if (session_find_keeper_fault(s->takes, s->take_count, &kf)) {
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
