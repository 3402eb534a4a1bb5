/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writing session.json (session_json.c, json_out.c, session_save.c):
 * the text is byte for byte what jansson's JSON_INDENT(2) writes, so it
 * stays readable by hand and the same session always makes the same
 * file; a take's text kept from the last save is used only while every
 * field of the take is unchanged (each field changed in turn must reach
 * the file); the saver thread writes texts in order, reports a failed
 * write once and leaves the last good file in place.
 */
#include "check.h"

#include "redlight/session.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[512];

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static void session_file(const struct session *s, char *out, size_t size)
{
	snprintf(out, size, "%s/session.json", s->dir);
}

/* Every string JSON has to escape, and UTF-8 it must not. */
static const char awkward[] = "a \"quoted\" \\ word\nnext\tline\r\x01\x1f"
                              " / caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8e\xb8";

static struct session_take_file files_of[4][3];
static struct session_dropped_range ranges_of[4][2];
static struct session_marker markers_of[4][2];
static struct session_xrun_marker xruns_of[4][1];

/* Take `number` with three files, markers, xruns and ranges; slot k of
 * the static arrays holds what it points to. */
static void make_take(struct session_take *t, uint32_t number, int k)
{
	memset(t, 0, sizeof *t);
	t->number = number;
	snprintf(t->started_at, sizeof t->started_at,
	         "2026-03-0%uT10:00:00+0100", number % 9 + 1);
	t->start_frame = 5000000000ULL + number;
	t->length = 48000 * number;
	t->sample_rate = 48000;
	t->format = TAKE_FORMAT_PCM24;
	t->xruns = 1;
	t->complete = true;
	t->latency_correction = 512;
	t->rating = number % 6;
	snprintf(t->note, sizeof t->note, "%s", number == 2 ? awkward : "");
	markers_of[k][0] = (struct session_marker){ .frame = t->start_frame };
	snprintf(markers_of[k][0].name, sizeof markers_of[k][0].name,
	         "verse %u", number);
	t->markers = markers_of[k];
	t->marker_count = 1;
	xruns_of[k][0] = (struct session_xrun_marker){ t->start_frame + 9,
	                                               256 };
	t->xrun_markers = xruns_of[k];
	t->xrun_marker_count = 1;
	ranges_of[k][0] = (struct session_dropped_range){ 100, 64 };
	ranges_of[k][1] = (struct session_dropped_range){ 900, 32 };
	for (uint32_t i = 0; i < 3; i++) {
		struct session_take_file *f = &files_of[k][i];
		memset(f, 0, sizeof *f);
		f->track = i + 1;
		snprintf(f->track_name, sizeof f->track_name, "t%u", i + 1);
		session_take_file_relpath(number, i + 1, f->track_name,
		                          f->path, sizeof f->path);
		f->peak_dbfs = i == 2 ? -INFINITY : -6.0 - 0.1 * number - i;
		f->clips = i;
	}
	files_of[k][1].dropped_ranges = ranges_of[k];
	files_of[k][1].dropped_range_count = 1;
	files_of[k][1].dropped_frames = 64;
	files_of[k][2].no_input_ranges = &ranges_of[k][1];
	files_of[k][2].no_input_range_count = 1;
	t->dropped_frames = 64;
	t->files = files_of[k];
	t->file_count = 3;
}

/* A session of three tracks and takes 1, 2, 4, 5 in dir/name. */
static struct session *make_session(const char *name)
{
	char dir[700];
	struct error err = { 0 };
	struct session *s = NULL;
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	if (session_open(dir, &s, &err) != RL_OK) {
		CHECK_MSG(false, "%s", err.message);
		return NULL;
	}
	s->sample_rate = 48000;
	for (int i = 1; i <= 3; i++) {
		char tn[8], src[32];
		snprintf(tn, sizeof tn, "t%d", i);
		snprintf(src, sizeof src, "system:capture_%d", i);
		CHECK_OK(session_add_track(s, tn, src, NULL, &err), &err);
	}
	s->tracks[0].gain_db = -3.5;
	s->tracks[1].pan = -0.25;
	s->tracks[1].gain_db = -INFINITY;
	s->tracks[2].cue_db = 1e-5;
	snprintf(s->tracks[2].group, sizeof s->tracks[2].group, "%s", "dr\"ums");
	s->settings.tempo_bpm = 97.5;
	s->settings.punch_in = 48000;
	static const uint32_t numbers[] = { 1, 2, 4, 5 };
	for (int k = 0; k < 4; k++) {
		struct session_take t;
		make_take(&t, numbers[k], k);
		CHECK_OK(session_put_take(s, &t, &err), &err);
	}
	CHECK_OK(session_add_marker(s, 96000, "the \"end\" \\ caf\xc3\xa9", 2,
	                            NULL, &err), &err);
	return s;
}

/* ---------------------------------------------------------------------- */

/* The file is what jansson makes of the same values: load it with
 * jansson, dump it with the flags redlight used to save with, compare. */
static void test_layout_is_janssons(void)
{
	struct session *s = make_session("layout");
	REQUIRE(s);
	struct error err = { 0 };
	CHECK_OK(session_save(s, &err), &err);
	char path[1024];
	session_file(s, path, sizeof path);
	size_t len = 0;
	char *text = read_file(path, &len);
	REQUIRE_OR(text && len > 1 && text[len - 1] == '\n', session_free(s));
	json_error_t jerr;
	json_t *root_json = json_loadb(text, len, JSON_REJECT_DUPLICATES,
	                               &jerr);
	CHECK_MSG(root_json, "%d:%d: %s", jerr.line, jerr.column, jerr.text);
	char *dump = root_json ? json_dumps(root_json, JSON_INDENT(2) |
	                                    JSON_PRESERVE_ORDER) : NULL;
	CHECK(dump && strlen(dump) == len - 1 && !memcmp(dump, text, len - 1));
	if (dump && strcmp(dump, text) && strlen(dump) != len - 1)
		fprintf(stderr, "jansson:\n%s\nredlight:\n%s\n", dump, text);
	/* Two spaces a level, one member a line, reals with a point. */
	CHECK(strstr(text, "\n  \"takes\": [\n    {\n      \"number\": 1,\n"));
	CHECK(strstr(text, "\"tempo_bpm\": 97.5,"));
	CHECK(strstr(text, "\"gain_db\": null,"));
	CHECK(strstr(text, "\"cue_db\": 1.0000000000000001e-5,"));
	CHECK(strstr(text, "\"note\": \"a \\\"quoted\\\" \\\\ word\\nnext"
	                   "\\tline\\r\\u0001\\u001F / caf\xc3\xa9"));
	CHECK(strstr(text, "\"comps\": [],"));
	free(dump);
	json_decref(root_json);
	free(text);

	/* The same session saved again: the same bytes. */
	char *first = read_file(path, &len);
	CHECK_OK(session_save(s, &err), &err);
	size_t len2 = 0;
	char *second = read_file(path, &len2);
	CHECK(first && second && len == len2 && !memcmp(first, second, len));
	free(first);
	free(second);
	session_free(s);
}

/* ---------------------------------------------------------------------- */

static bool same_ranges(const struct session_dropped_range *a, size_t na,
                        const struct session_dropped_range *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].start != b[i].start || a[i].length != b[i].length)
			return false;
	return true;
}

static bool same_peak(double a, double b)
{
	return a == b || (isinf(a) && isinf(b) && (a < 0) == (b < 0));
}

/* Every field of two takes, as the file has them. */
static bool same_take(const struct session_take *a,
                      const struct session_take *b)
{
	bool same = a->number == b->number &&
	    !strcmp(a->started_at, b->started_at) &&
	    a->start_frame == b->start_frame && a->length == b->length &&
	    a->sample_rate == b->sample_rate && a->format == b->format &&
	    a->xruns == b->xruns && a->dropped_frames == b->dropped_frames &&
	    a->complete == b->complete && a->recovered == b->recovered &&
	    a->latency_correction == b->latency_correction &&
	    !strcmp(a->end_reason, b->end_reason) &&
	    a->rating == b->rating && !strcmp(a->note, b->note) &&
	    a->discarded == b->discarded &&
	    !strcmp(a->trash_dir, b->trash_dir) &&
	    a->marker_count == b->marker_count &&
	    a->xrun_marker_count == b->xrun_marker_count &&
	    a->file_count == b->file_count;
	for (size_t i = 0; same && i < a->marker_count; i++)
		same = a->markers[i].frame == b->markers[i].frame &&
		       !strcmp(a->markers[i].name, b->markers[i].name);
	for (size_t i = 0; same && i < a->xrun_marker_count; i++)
		same = a->xrun_markers[i].frame == b->xrun_markers[i].frame &&
		       a->xrun_markers[i].jump == b->xrun_markers[i].jump;
	for (size_t i = 0; same && i < a->file_count; i++) {
		const struct session_take_file *f = &a->files[i];
		const struct session_take_file *g = &b->files[i];
		same = f->track == g->track &&
		       !strcmp(f->track_name, g->track_name) &&
		       !strcmp(f->path, g->path) &&
		       same_peak(f->peak_dbfs, g->peak_dbfs) &&
		       f->clips == g->clips &&
		       f->dropped_frames == g->dropped_frames &&
		       f->keeper == g->keeper &&
		       same_ranges(f->dropped_ranges, f->dropped_range_count,
		                   g->dropped_ranges, g->dropped_range_count) &&
		       same_ranges(f->no_input_ranges, f->no_input_range_count,
		                   g->no_input_ranges,
		                   g->no_input_range_count);
	}
	return same;
}

/* Save s, read the file back: every take as s has it; with `changes`,
 * the file must differ from the one before (the change is a real one). */
static void check_saved(struct session *s, const char *what, bool changes,
                        int line)
{
	struct error err = { 0 };
	char path[1024];
	session_file(s, path, sizeof path);
	size_t before_len = 0, after_len = 0;
	char *before = changes ? read_file(path, &before_len) : NULL;
	enum rl_status st = session_save(s, &err);
	char *after = changes ? read_file(path, &after_len) : NULL;
	if (changes) {
		bool differ = before && after && (before_len != after_len ||
		              memcmp(before, after, before_len));
		CHECK_AT(differ, __FILE__, line);
		if (!differ)
			fprintf(stderr, "  %s: the file did not change\n",
			        what);
	}
	free(before);
	free(after);
	CHECK_AT(st == RL_OK, __FILE__, line);
	if (st != RL_OK) {
		fprintf(stderr, "  %s: %s\n", what, err.message);
		return;
	}
	struct session *r = NULL;
	st = session_open(s->dir, &r, &err);
	CHECK_AT(st == RL_OK, __FILE__, line);
	if (st != RL_OK) {
		fprintf(stderr, "  %s: %s\n", what, err.message);
		return;
	}
	bool same = r->take_count == s->take_count;
	for (size_t i = 0; same && i < s->take_count; i++)
		same = same_take(&s->takes[i], &r->takes[i]);
	CHECK_AT(same, __FILE__, line);
	if (!same)
		fprintf(stderr, "  %s: the file does not hold the change\n",
		        what);
	session_free(r);
}

static struct session_take *take3(struct session *s)
{
	return session_find_take(s, 4);
}

/* Each field of one take changed in turn, saved, read back. */
static void test_changed_field_reaches_file(void)
{
	struct session *s = make_session("fields");
	REQUIRE(s);
	check_saved(s, "first save", false, __LINE__);
	struct session_take *t = take3(s);
	REQUIRE_OR(t, session_free(s));
	struct session_take_file *f = &t->files[1];
#define CHANGE(stmt)                                                       \
	do {                                                               \
		stmt;                                                      \
		check_saved(s, #stmt, true, __LINE__);                           \
	} while (0)
	CHANGE(t->started_at[3] = '7');
	CHANGE(t->start_frame++);
	CHANGE(t->length--);
	CHANGE(t->sample_rate = 96000);
	CHANGE(t->format = TAKE_FORMAT_FLOAT);
	CHANGE(t->xruns = 9);
	CHANGE(t->dropped_frames = 65);
	CHANGE(t->complete = false);
	CHANGE(t->recovered = true);
	CHANGE(t->latency_correction = 0);
	CHANGE(snprintf(t->end_reason, sizeof t->end_reason, "disk full"));
	CHANGE(t->rating = 5);
	CHANGE(snprintf(t->note, sizeof t->note, "%s", awkward));
	CHANGE(t->note[5] = 'Q');
	CHANGE(t->markers[0].frame++);
	CHANGE(t->markers[0].name[0] = 'V');
	CHANGE(t->marker_count = 0);
	CHANGE(t->xrun_markers[0].jump = 512);
	CHANGE(t->xrun_markers[0].frame = 7);
	CHANGE(t->xrun_marker_count = 0);
	CHANGE(f->track = 3);
	CHANGE(f->track_name[1] = '9');
	CHANGE(f->path[strlen(f->path) - 5] = 'x');
	CHANGE(f->peak_dbfs = -6.000000000000001);
	CHANGE(f->peak_dbfs = -INFINITY);
	CHANGE(f->clips = 12345);
	CHANGE(f->dropped_frames = 0);
	CHANGE(f->keeper = true);
	CHANGE(f->dropped_ranges[0].start++);
	CHANGE(f->dropped_ranges[0].length++);
	CHANGE(f->dropped_range_count = 0);
	struct session_dropped_range *gone = malloc(sizeof *gone);
	REQUIRE_OR(gone, session_free(s));
	*gone = (struct session_dropped_range){ 5000, 700 };
	/* The session owns it from here. */
	CHANGE((f->no_input_ranges = gone, f->no_input_range_count = 1));
	CHANGE(t->files[2].no_input_range_count = 0);
	/* The last file goes (the session frees what it owned). */
	free(t->files[2].no_input_ranges);
	t->files[2].no_input_ranges = NULL;
	CHANGE(t->file_count = 2);
#undef CHANGE
	/* The takes around it: one added before, one removed after. */
	struct error err = { 0 };
	struct session_take nt;
	make_take(&nt, 3, 3);
	CHECK_OK(session_put_take(s, &nt, &err), &err);
	check_saved(s, "take 3 added", true, __LINE__);
	session_remove_take(s, 5);
	check_saved(s, "take 5 removed", true, __LINE__);
	t = take3(s);
	REQUIRE_OR(t, session_free(s));

	/* A save refused (a rating the loader would refuse) writes nothing;
	 * the next good one writes the take as it is then. */
	char path[1024];
	session_file(s, path, sizeof path);
	size_t before_len = 0, after_len = 0;
	char *before = read_file(path, &before_len);
	t->rating = 9;
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_MSG(strstr(err.message, "takes[3].rating: 9 is out of range"),
	          "%s", err.message);
	char *after = read_file(path, &after_len);
	CHECK(before && after && before_len == after_len &&
	      !memcmp(before, after, before_len));
	free(before);
	free(after);
	t->rating = 2;
	check_saved(s, "rating back in range", true, __LINE__);
	session_free(s);
}

/* ---------------------------------------------------------------------- */

static uint32_t saved_rating(const char *dir, uint32_t take)
{
	struct session *r = NULL;
	struct error err;
	if (session_open(dir, &r, &err) != RL_OK)
		return 99;
	const struct session_take *t = session_find_take(r, take);
	uint32_t v = t ? t->rating : 98;
	session_free(r);
	return v;
}

/* The saver thread: texts in order, the newest wins, a failure told
 * once and the last good file left in place, nothing lost at the end. */
static void test_saver(void)
{
	struct session *s = make_session("saver");
	REQUIRE(s);
	struct error err = { 0 };
	CHECK_OK(session_saver_start(s, &err), &err);
	CHECK_OK(session_saver_start(s, &err), &err); /* once is enough */
	struct session_take *t = take3(s);
	REQUIRE_OR(t, session_free(s));
	uint64_t seq = 0, last = 0;
	for (uint32_t r = 0; r <= 5; r++) {
		t->rating = r;
		CHECK_OK(session_save_later(s, &seq, &err), &err);
		CHECK(seq > last);
		last = seq;
	}
	CHECK(session_save_wait(s, seq, 10000));
	CHECK(session_save_done(s, seq));
	CHECK_EQ(saved_rating(s->dir, 4), 5);
	CHECK(!session_save_failed(s, &err));

	/* A write that cannot happen: a directory where the temporary file
	 * goes (even root cannot create a file there). */
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s/session.json.tmp-%ld", s->dir,
	         (long)getpid());
	REQUIRE_OR(mkdir(tmp, 0777) == 0, session_free(s));
	char blocker[1100];
	snprintf(blocker, sizeof blocker, "%s/x", tmp);
	FILE *bf = fopen(blocker, "w"); /* unlink() of a full directory fails */
	if (bf)
		fclose(bf);
	t->rating = 1;
	CHECK_OK(session_save_later(s, &seq, &err), &err);
	CHECK(session_save_wait(s, seq, 10000));
	CHECK(session_save_failed(s, &err));
	CHECK(strstr(err.message, "cannot create"));
	CHECK(!session_save_failed(s, &err)); /* told once */
	CHECK_EQ(saved_rating(s->dir, 4), 5); /* the last good file */
	/* A save that waits hears of its own failure. */
	t->rating = 2;
	CHECK(session_save(s, &err) != RL_OK);
	CHECK(strstr(err.message, "cannot create"));
	CHECK(!session_save_failed(s, &err));
	unlink(blocker);
	rmdir(tmp);
	CHECK_OK(session_save(s, &err), &err);
	CHECK_EQ(saved_rating(s->dir, 4), 2);

	/* What is handed over last is written before session_free()
	 * returns. */
	t->rating = 3;
	CHECK_OK(session_save_later(s, NULL, &err), &err);
	char dir[700];
	snprintf(dir, sizeof dir, "%s", s->dir);
	session_free(s);
	CHECK_EQ(saved_rating(dir, 4), 3);
}

int main(void)
{
	if (!check_tmpdir(root, sizeof root, "session_save"))
		return 2;
	test_layout_is_janssons();
	test_changed_field_reaches_file();
	test_saver();
	if (check_failures) {
		fprintf(stderr, "test_session_save: %d of %d checks failed "
		        "(files kept in %s)\n", check_failures, check_count,
		        root);
		return 1;
	}
	check_rmtree(root);
	printf("test_session_save: all %d checks passed\n", check_count);
	return 0;
}
