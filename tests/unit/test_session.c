/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for the session module: directory layout, session.json round
 * trip, atomic save, take-number reservation, malformed files.
 * Standalone: exits non-zero if any check fails. Works in a fresh mkdtemp
 * directory under $TMPDIR (or /tmp), removed afterwards when all passed.
 */
#include "check.h"
#include "redlight/session.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[512];

/* ---------------------------------------------------------------------- */
/* File helpers                                                           */

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

/* Fresh, not yet existing directory path under the test root. */
static void new_dir_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", root, name);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Leftover "session.json.tmp-*" files in dir. */
static int count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "session.json.tmp", 16) == 0)
			n++;
	closedir(d);
	return n;
}

/* Replace the first occurrence of from in text by to; exits if absent
 * (a broken test, not a broken module). Caller frees. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at) {
		fprintf(stderr, "test bug: \"%s\" not in base text\n", from);
		exit(2);
	}
	size_t pre = (size_t)(at - text);
	size_t len = strlen(text) - strlen(from) + strlen(to);
	char *out = malloc(len + 1);
	memcpy(out, text, pre);
	strcpy(out + pre, to);
	strcat(out, at + strlen(from));
	return out;
}

/* ---------------------------------------------------------------------- */
/* Comparisons                                                            */

static void check_take_equal(const struct session_take *a,
                             const struct session_take *b, const char *file,
                             int line)
{
	CHECK_AT(a->number == b->number, file, line);
	CHECK_AT(strcmp(a->started_at, b->started_at) == 0, file, line);
	CHECK_AT(a->start_frame == b->start_frame, file, line);
	CHECK_AT(a->length == b->length, file, line);
	CHECK_AT(a->sample_rate == b->sample_rate, file, line);
	CHECK_AT(a->format == b->format, file, line);
	CHECK_AT(a->xruns == b->xruns, file, line);
	CHECK_AT(a->dropped_frames == b->dropped_frames, file, line);
	CHECK_AT(a->recovered == b->recovered, file, line);
	CHECK_AT(a->complete == b->complete, file, line);
	CHECK_AT(strcmp(a->end_reason, b->end_reason) == 0, file, line);
	CHECK_AT(a->rating == b->rating, file, line);
	CHECK_AT(strcmp(a->note, b->note) == 0, file, line);
	CHECK_AT(a->discarded == b->discarded, file, line);
	CHECK_AT(strcmp(a->trash_dir, b->trash_dir) == 0, file, line);
	CHECK_AT(a->marker_count == b->marker_count, file, line);
	for (size_t i = 0; i < a->marker_count && i < b->marker_count; i++) {
		CHECK_AT(a->markers[i].frame == b->markers[i].frame, file,
		         line);
		CHECK_AT(strcmp(a->markers[i].name, b->markers[i].name) == 0,
		         file, line);
	}
	CHECK_AT(a->file_count == b->file_count, file, line);
	if (a->file_count != b->file_count)
		return;
	for (size_t i = 0; i < a->file_count; i++) {
		const struct session_take_file *fa = &a->files[i];
		const struct session_take_file *fb = &b->files[i];
		CHECK_AT(fa->track == fb->track, file, line);
		CHECK_AT(strcmp(fa->track_name, fb->track_name) == 0, file,
		         line);
		CHECK_AT(strcmp(fa->path, fb->path) == 0, file, line);
		/* exact: -INFINITY == -INFINITY, and reals must round-trip */
		CHECK_AT(fa->peak_dbfs == fb->peak_dbfs, file, line);
		CHECK_AT(fa->clips == fb->clips, file, line);
		CHECK_AT(fa->dropped_frames == fb->dropped_frames, file, line);
		CHECK_AT(fa->keeper == fb->keeper, file, line);
		CHECK_AT(fa->dropped_range_count == fb->dropped_range_count,
		         file, line);
		if (fa->dropped_range_count != fb->dropped_range_count)
			continue;
		for (size_t j = 0; j < fa->dropped_range_count; j++) {
			CHECK_AT(fa->dropped_ranges[j].start ==
			         fb->dropped_ranges[j].start, file, line);
			CHECK_AT(fa->dropped_ranges[j].length ==
			         fb->dropped_ranges[j].length, file, line);
		}
	}
}

#define CHECK_TAKE_EQUAL(a, b) check_take_equal(a, b, __FILE__, __LINE__)

static void check_session_equal(const struct session *a,
                                const struct session *b, const char *file,
                                int line)
{
	CHECK_AT(a->sample_rate == b->sample_rate, file, line);
	CHECK_AT(a->format == b->format, file, line);
	CHECK_AT(a->track_count == b->track_count, file, line);
	for (size_t i = 0; i < a->track_count && i < b->track_count; i++) {
		CHECK_AT(strcmp(a->tracks[i].name, b->tracks[i].name) == 0,
		         file, line);
		CHECK_AT(strcmp(a->tracks[i].source, b->tracks[i].source) == 0,
		         file, line);
	}
	CHECK_AT(a->take_count == b->take_count, file, line);
	for (size_t i = 0; i < a->take_count && i < b->take_count; i++)
		check_take_equal(&a->takes[i], &b->takes[i], file, line);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */

static const char empty_session_json[] =
	"{\n"
	"  \"redlight_session\": 1,\n"
	"  \"sample_rate\": 0,\n"
	"  \"format\": \"pcm24\",\n"
	"  \"settings\": {\n"
	"    \"count_in_bars\": 0,\n"
	"    \"pre_roll_bars\": 0,\n"
	"    \"click\": true,\n"
	"    \"count_in_click\": true,\n"
	"    \"click_sound\": \"beep\",\n"
	"    \"click_level_db\": 0.0,\n"
	"    \"tempo_bpm\": 120.0,\n"
	"    \"meter_beats\": 4,\n"
	"    \"meter_denominator\": 4,\n"
	"    \"jack_transport\": \"internal\",\n"
	"    \"scratch\": \"\",\n"
	"    \"scratch_offset\": 0,\n"
	"    \"cue_click_db\": 0.0,\n"
	"    \"cue_scratch_db\": 0.0,\n"
	"    \"osc_port\": 0,\n"
	"    \"punch_in\": null,\n"
	"    \"punch_out\": null,\n"
	"    \"punch_in_on\": false,\n"
	"    \"punch_out_on\": false\n"
	"  },\n"
	"  \"tracks\": [],\n"
	"  \"takes\": [],\n"
	"  \"comps\": [],\n"
	"  \"markers\": []\n"
	"}\n";

static void test_open_creates_layout(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];

	new_dir_path(dir, sizeof dir, "layout");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK(is_dir(dir));
	path_in(p, sizeof p, dir, "takes");
	CHECK(is_dir(p));
	path_in(p, sizeof p, dir, "trash");
	CHECK(is_dir(p));
	CHECK_STR(s->dir, dir);
	CHECK(s->track_count == 0 && s->take_count == 0);
	CHECK(s->sample_rate == 0);
	CHECK(s->format == TAKE_FORMAT_PCM24);

	size_t len;
	path_in(p, sizeof p, dir, "session.json");
	char *text = read_all(p, &len);
	CHECK(text != NULL);
	if (text)
		CHECK_STR(text, empty_session_json);
	free(text);
	CHECK(count_temp_files(dir) == 0);
	session_free(s);

	/* Reopen the existing one; a trailing slash names the same dir. */
	char slashed[700];
	snprintf(slashed, sizeof slashed, "%s//", dir);
	s = NULL;
	CHECK_OK(session_open(slashed, &s, &err), &err);
	if (s)
		CHECK_STR(s->dir, dir);
	session_free(s);

	/* An existing empty directory becomes a session. */
	new_dir_path(dir, sizeof dir, "existing-empty");
	CHECK(mkdir(dir, 0777) == 0);
	s = NULL;
	CHECK_OK(session_open(dir, &s, &err), &err);
	path_in(p, sizeof p, dir, "session.json");
	CHECK(exists(p));
	session_free(s);

	session_free(NULL); /* no-op */
}

static void test_open_errors(void)
{
	struct error err = { 0 };
	static struct session sentinel;
	struct session *s = &sentinel; /* must be reset */
	char dir[600], p[700];

	/* Parent missing: only the last component is ever created. */
	new_dir_path(dir, sizeof dir, "no-such-parent/session");
	CHECK(session_open(dir, &s, &err) == RL_ERR_NOT_FOUND);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, dir);
	CHECK_CONTAINS(err.message, "does not exist");
	new_dir_path(p, sizeof p, "no-such-parent");
	CHECK(!exists(p));

	/* A regular file where the directory should be. */
	new_dir_path(dir, sizeof dir, "a-file");
	write_text(dir, "hello\n");
	CHECK(session_open(dir, &s, &err) == RL_ERR_INVALID);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.message, "not a directory");

	CHECK(session_open("", &s, &err) == RL_ERR_INVALID);
	CHECK(session_open(NULL, &s, &err) == RL_ERR_INVALID);

	/* session.json that is a directory */
	new_dir_path(dir, sizeof dir, "json-is-dir");
	CHECK(mkdir(dir, 0777) == 0);
	path_in(p, sizeof p, dir, "session.json");
	CHECK(mkdir(p, 0777) == 0);
	CHECK(session_open(dir, &s, &err) != RL_OK);
	CHECK_CONTAINS(err.message, p);
}

static void test_tracks(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600];
	size_t idx = 99;

	new_dir_path(dir, sizeof dir, "tracks");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_add_track(s, "kick", "system:capture_1", &idx, &err),
	         &err);
	CHECK(idx == 0);
	CHECK_OK(session_add_track(s, "snare", NULL, &idx, &err), &err);
	CHECK(idx == 1);
	CHECK_STR(s->tracks[1].source, "");
	CHECK_OK(session_add_track(s, "hat", "system:capture_3", NULL, &err),
	         &err);
	CHECK(s->track_count == 3);

	CHECK(session_add_track(s, "kick", NULL, NULL, &err) == RL_ERR_EXISTS);
	CHECK_CONTAINS(err.message, "kick");
	CHECK(session_add_track(s, "", NULL, NULL, &err) == RL_ERR_INVALID);
	CHECK(session_add_track(s, NULL, NULL, NULL, &err) == RL_ERR_INVALID);

	char name[80];
	memset(name, 'x', 63);
	name[63] = '\0';
	CHECK_OK(session_add_track(s, name, NULL, NULL, &err), &err);
	memset(name, 'y', 64);
	name[64] = '\0';
	CHECK(session_add_track(s, name, NULL, NULL, &err) == RL_ERR_INVALID);
	CHECK(session_add_track(s, "bad\xff", NULL, NULL, &err) ==
	      RL_ERR_INVALID);
	CHECK(session_add_track(s, "ok", "src\xc0\xaf", NULL, &err) ==
	      RL_ERR_INVALID);
	CHECK_OK(session_add_track(s, "Gesang \xc3\xa4", NULL, NULL, &err),
	         &err);
	CHECK(s->track_count == 5);

	CHECK(session_find_track(s, "kick") == 0);
	CHECK(session_find_track(s, "hat") == 2);
	CHECK(session_find_track(s, "Gesang \xc3\xa4") == 4);
	CHECK(session_find_track(s, "tom") == -1);
	CHECK(session_find_track(s, NULL) == -1);
	session_free(s);
}

/* A take with two files; file 2 has a silent (-INFINITY) peak. */
static void fill_take(struct session_take *t, uint32_t number,
                      struct session_take_file files[2],
                      struct session_dropped_range ranges[3])
{
	memset(t, 0, sizeof *t);
	memset(files, 0, 2 * sizeof *files);
	t->number = number;
	snprintf(t->started_at, sizeof t->started_at,
	         "2026-11-22T10:%02u:00+0100", number % 60);
	t->start_frame = 5000000000ULL + number; /* > 2^32 */
	t->length = (1ULL << 40) + 7;
	t->sample_rate = 48000;
	t->format = TAKE_FORMAT_FLOAT;
	t->xruns = 3;
	t->dropped_frames = 64 + 128;
	t->complete = number != 2;
	t->recovered = number == 3;
	snprintf(t->end_reason, sizeof t->end_reason, "%s",
	         number == 3 ? "disk full on /rec" : "");

	ranges[0] = (struct session_dropped_range){ 1000, 64 };
	ranges[1] = (struct session_dropped_range){ (1ULL << 53) + 1, 128 };
	ranges[2] = (struct session_dropped_range){ INT64_MAX, 1 };

	files[0].track = 1;
	snprintf(files[0].track_name, sizeof files[0].track_name, "kick");
	session_take_file_relpath(number, 1, "kick", files[0].path,
	                          sizeof files[0].path);
	files[0].peak_dbfs = -3.2;
	files[0].clips = 5000000001ULL;
	files[0].dropped_frames = 192;
	files[0].dropped_range_count = 3;
	files[0].dropped_ranges = ranges;

	files[1].track = 2;
	snprintf(files[1].track_name, sizeof files[1].track_name, "snare");
	session_take_file_relpath(number, 2, "snare", files[1].path,
	                          sizeof files[1].path);
	files[1].peak_dbfs = -INFINITY;
	files[1].clips = 0;
	files[1].dropped_frames = 0;
	files[1].dropped_range_count = 0;
	files[1].dropped_ranges = NULL;

	t->file_count = 2;
	t->files = files;
}

static void test_round_trip(void)
{
	struct error err = { 0 };
	struct session *s = NULL, *r = NULL;
	char dir[600], p[700], expect[700];

	new_dir_path(dir, sizeof dir, "roundtrip");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	s->sample_rate = 48000;
	s->format = TAKE_FORMAT_PCM16;
	CHECK_OK(session_add_track(s, "kick", "system:capture_1", NULL, &err),
	         &err);
	CHECK_OK(session_add_track(s, "snare", "system:capture_2", NULL, &err),
	         &err);

	for (uint32_t want = 1; want <= 3; want++) {
		uint32_t n = 0;
		char take_dir[SESSION_PATH_MAX];
		CHECK_OK(session_reserve_take(s, &n, take_dir, sizeof take_dir,
		                              &err), &err);
		CHECK(n == want);
		snprintf(expect, sizeof expect, "%s/takes/%03u", dir, want);
		CHECK_STR(take_dir, expect);
		CHECK(is_dir(take_dir));
	}

	/* Put out of order: the session keeps them sorted. */
	struct session_take t[3];
	struct session_take_file files[3][2];
	struct session_dropped_range ranges[3][3];
	for (int i = 0; i < 3; i++)
		fill_take(&t[i], (uint32_t)i + 1, files[i], ranges[i]);
	CHECK_OK(session_put_take(s, &t[2], &err), &err);
	CHECK_OK(session_put_take(s, &t[0], &err), &err);
	CHECK_OK(session_put_take(s, &t[1], &err), &err);
	CHECK(s->take_count == 3);
	for (size_t i = 0; i < s->take_count; i++)
		CHECK(s->takes[i].number == i + 1);

	/* Replacing take 2 (it completed) keeps the count. */
	t[1].complete = true;
	t[1].length = 480000;
	CHECK_OK(session_put_take(s, &t[1], &err), &err);
	CHECK(s->take_count == 3);
	CHECK(session_find_take(s, 2) != NULL);
	if (session_find_take(s, 2)) {
		CHECK(session_find_take(s, 2)->complete);
		CHECK_TAKE_EQUAL(session_find_take(s, 2), &t[1]);
	}
	CHECK(session_find_take(s, 4) == NULL);
	CHECK(session_find_take(s, 0) == NULL);

	/* Deep copy: the caller's arrays are still the caller's. */
	ranges[0][0].start = 42;
	files[0][0].clips = 1;
	CHECK(s->takes[0].files[0].dropped_ranges[0].start == 1000);
	CHECK(s->takes[0].files[0].clips == 5000000001ULL);
	CHECK(s->takes[0].files[0].dropped_ranges != ranges[0]);
	ranges[0][0].start = 1000;
	files[0][0].clips = 5000000001ULL;

	CHECK_OK(session_save(s, &err), &err);
	CHECK(count_temp_files(dir) == 0);

	size_t len1, len2;
	path_in(p, sizeof p, dir, "session.json");
	char *text1 = read_all(p, &len1);
	CHECK(text1 != NULL);
	if (text1) {
		CHECK_CONTAINS(text1, "\"peak_dbfs\": null");
		CHECK_CONTAINS(text1, "\"start\": 9007199254740993");
		CHECK_CONTAINS(text1, "\"start\": 9223372036854775807");
		CHECK_CONTAINS(text1, "\"format\": \"pcm16\"");
		CHECK_CONTAINS(text1, "\"path\": \"takes/001/01-kick.wav\"");
		CHECK_CONTAINS(text1, "\"source\": \"system:capture_1\"");
		CHECK(text1[len1 - 1] == '\n');
	}

	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		check_session_equal(s, r, __FILE__, __LINE__);
		CHECK(r->takes[0].files[1].peak_dbfs == -INFINITY);
		CHECK(r->takes[0].start_frame == 5000000001ULL);
		CHECK(r->takes[0].length == (1ULL << 40) + 7);
		CHECK(r->takes[0].files[0].dropped_ranges[1].start ==
		      (1ULL << 53) + 1);
		/* Saving what was loaded changes nothing. */
		CHECK_OK(session_save(r, &err), &err);
		char *text2 = read_all(p, &len2);
		CHECK(text1 && text2 && len1 == len2 &&
		      memcmp(text1, text2, len1) == 0);
		free(text2);
	}
	free(text1);
	session_free(r);
	session_free(s);
}

static void test_put_take_errors(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600];

	new_dir_path(dir, sizeof dir, "put-errors");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	struct session_take t = { 0 };
	CHECK(session_put_take(s, &t, &err) == RL_ERR_INVALID); /* number 0 */
	t.number = 1;
	t.file_count = 1;
	CHECK(session_put_take(s, &t, &err) == RL_ERR_INVALID); /* no files */
	CHECK(session_put_take(s, NULL, &err) == RL_ERR_INVALID);
	CHECK(s->take_count == 0);
	t.file_count = 0;
	CHECK_OK(session_put_take(s, &t, &err), &err);
	CHECK(s->take_count == 1 && s->takes[0].files == NULL);

	/* session_take_cleanup frees what a loaded/copied take owns */
	struct session_take_file f = { .track = 1 };
	struct session_take src = { .number = 2, .file_count = 1, .files = &f };
	CHECK_OK(session_put_take(s, &src, &err), &err);
	struct session_take *got = session_find_take(s, 2);
	CHECK(got && got->files != &f);
	session_take_cleanup(NULL);
	session_free(s);
}

static void test_reserve_never_reuses(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];
	uint32_t n = 0;

	new_dir_path(dir, sizeof dir, "reserve");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	CHECK(n == 1);

	/* A discarded take in the trash and a take directory that
	 * session.json does not know: neither number may come back. */
	path_in(p, sizeof p, dir, "trash/004-discarded");
	CHECK(mkdir(p, 0777) == 0);
	path_in(p, sizeof p, dir, "takes/007");
	CHECK(mkdir(p, 0777) == 0);
	/* Not take numbers: ignored. */
	path_in(p, sizeof p, dir, "takes/notes.txt");
	write_text(p, "x");
	path_in(p, sizeof p, dir, "takes/12a");
	CHECK(mkdir(p, 0777) == 0);
	path_in(p, sizeof p, dir, "trash/junk");
	write_text(p, "x");
	path_in(p, sizeof p, dir, "trash/99999999999-too-big");
	write_text(p, "x");

	char take_dir[SESSION_PATH_MAX], expect[700];
	CHECK_OK(session_reserve_take(s, &n, take_dir, sizeof take_dir, &err),
	         &err);
	CHECK(n == 8);
	snprintf(expect, sizeof expect, "%s/takes/008", dir);
	CHECK_STR(take_dir, expect);
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	CHECK(n == 9);

	/* A take only session.json knows of (its directory was moved). */
	struct session_take t = { .number = 20 };
	CHECK_OK(session_put_take(s, &t, &err), &err);
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	CHECK(n == 21);

	/* A trash entry that is just the number. */
	path_in(p, sizeof p, dir, "trash/030");
	CHECK(mkdir(p, 0777) == 0);
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	CHECK(n == 31);

	/* Past 999 the number just grows a digit. */
	path_in(p, sizeof p, dir, "takes/999");
	CHECK(mkdir(p, 0777) == 0);
	CHECK_OK(session_reserve_take(s, &n, take_dir, sizeof take_dir, &err),
	         &err);
	CHECK(n == 1000);
	snprintf(expect, sizeof expect, "%s/takes/1000", dir);
	CHECK_STR(take_dir, expect);

	/* Too small an output buffer: refused before anything is created. */
	char small[8];
	CHECK(session_reserve_take(s, &n, small, sizeof small, &err) ==
	      RL_ERR_INVALID);
	path_in(p, sizeof p, dir, "takes/1001");
	CHECK(!exists(p));

	/* A fresh session object on the same directory continues the
	 * numbering from the disk. */
	session_free(s);
	s = NULL;
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (s) {
		CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
		CHECK(n == 1001);
	}
	session_free(s);
}

static void test_relpath(void)
{
	char out[SESSION_PATH_MAX];

	session_take_file_relpath(1, 1, "kick", out, sizeof out);
	CHECK_STR(out, "takes/001/01-kick.wav");
	session_take_file_relpath(12, 3, "a/b\\c\x01" "d\x7f", out, sizeof out);
	CHECK_STR(out, "takes/012/03-a_b_c_d_.wav");
	session_take_file_relpath(5, 2, ".hidden", out, sizeof out);
	CHECK_STR(out, "takes/005/02-_hidden.wav");
	session_take_file_relpath(5, 2, "..", out, sizeof out);
	CHECK_STR(out, "takes/005/02-_..wav");
	session_take_file_relpath(5, 2, "a.b", out, sizeof out);
	CHECK_STR(out, "takes/005/02-a.b.wav");
	session_take_file_relpath(5, 2, "", out, sizeof out);
	CHECK_STR(out, "takes/005/02-track.wav");
	session_take_file_relpath(5, 2, NULL, out, sizeof out);
	CHECK_STR(out, "takes/005/02-track.wav");
	session_take_file_relpath(1000, 100, "Gesang \xc3\xa4", out, sizeof out);
	CHECK_STR(out, "takes/1000/100-Gesang \xc3\xa4.wav");

	/* Over-long names are cut to 63 bytes, never inside a UTF-8
	 * sequence: 62 'x' + "ä" (2 bytes) -> the "ä" goes. */
	char name[80];
	memset(name, 'x', 62);
	strcpy(name + 62, "\xc3\xa4zz");
	session_take_file_relpath(1, 1, name, out, sizeof out);
	char expect[120];
	snprintf(expect, sizeof expect, "takes/001/01-%.62s.wav", name);
	CHECK_STR(out, expect);

	/* Truncated output stays terminated. */
	char tiny[10];
	session_take_file_relpath(1, 1, "kick", tiny, sizeof tiny);
	CHECK_STR(tiny, "takes/001");
}

/* A valid session file with unknown keys at every level (forward
 * compatibility) and values unique enough to be edited by replace(). */
static const char base_json[] =
	"{\n"
	"  \"redlight_session\": 1,\n"
	"  \"sample_rate\": 48000,\n"
	"  \"format\": \"pcm24\",\n"
	"  \"future_top\": {\"anything\": [1, 2, 3]},\n"
	"  \"tracks\": [\n"
	"    { \"number\": 1, \"name\": \"kick\", \"source\": \"system:capture_1\", \"colour\": \"red\" },\n"
	"    { \"number\": 2, \"name\": \"snare\", \"source\": \"\" }\n"
	"  ],\n"
	"  \"takes\": [\n"
	"    { \"number\": 9, \"started_at\": \"2026-11-22T10:05:00+0100\",\n"
	"      \"start_frame\": 96000, \"length\": 1234, \"sample_rate\": 48000,\n"
	"      \"format\": \"pcm24\", \"xruns\": 0, \"dropped_frames\": 0,\n"
	"      \"complete\": true, \"recovered\": false, \"end_reason\": \"\",\n"
	"      \"files\": [] },\n"
	"    { \"number\": 5, \"started_at\": \"2026-11-22T10:00:00+0100\",\n"
	"      \"start_frame\": 0, \"length\": 480000, \"sample_rate\": 44100,\n"
	"      \"format\": \"float\", \"xruns\": 0, \"dropped_frames\": 64,\n"
	"      \"complete\": true, \"recovered\": false, \"end_reason\": \"\",\n"
	"      \"rating\": 5,\n"
	"      \"files\": [ { \"track\": 1, \"track_name\": \"kick\",\n"
	"        \"path\": \"takes/005/01-kick.wav\", \"peak_dbfs\": -3.25,\n"
	"        \"clips\": 0, \"dropped_frames\": 64, \"future_file\": null,\n"
	"        \"dropped_ranges\": [ { \"start\": 1000, \"length\": 64 } ] } ] }\n"
	"  ]\n"
	"}\n";

static void test_valid_hand_written(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];

	new_dir_path(dir, sizeof dir, "handwritten");
	CHECK(mkdir(dir, 0777) == 0);
	path_in(p, sizeof p, dir, "session.json");
	write_text(p, base_json);
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK(s->sample_rate == 48000);
	CHECK(s->track_count == 2);
	CHECK_STR(s->tracks[0].name, "kick");
	CHECK_STR(s->tracks[0].source, "system:capture_1");
	/* sorted by number although the file lists 9 before 5 */
	CHECK(s->take_count == 2);
	CHECK(s->takes[0].number == 5 && s->takes[1].number == 9);
	CHECK(s->takes[0].format == TAKE_FORMAT_FLOAT);
	CHECK(s->takes[0].sample_rate == 44100);
	CHECK(s->takes[0].file_count == 1);
	if (s->takes[0].file_count == 1) {
		CHECK(s->takes[0].files[0].peak_dbfs == -3.25);
		CHECK(s->takes[0].files[0].dropped_range_count == 1);
		CHECK(s->takes[0].files[0].dropped_ranges[0].start == 1000);
		CHECK(s->takes[0].files[0].dropped_ranges[0].length == 64);
	}
	/* No "settings": the defaults. */
	CHECK(s->settings.count_in_bars == 0 && s->settings.click &&
	      s->settings.count_in_click);
	CHECK_STR(s->settings.click_sound, "beep");
	CHECK(s->settings.tempo_bpm == 120.0 && s->settings.meter_beats == 4);
	session_free(s);
}

/* A track's mix and look load (muted gain is null in the file) and
 * survive a save/reopen; files without them get unity, centre. */
static void test_track_mix(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];

	new_dir_path(dir, sizeof dir, "trackmix");
	CHECK(mkdir(dir, 0777) == 0);
	path_in(p, sizeof p, dir, "session.json");
	char *text = replace(base_json, "\"colour\": \"red\"",
	                     "\"colour\": \"red\", \"gain_db\": -4.5, "
	                     "\"pan\": -0.25, \"group\": \"drums\", "
	                     "\"rec_safe\": true, \"cue_db\": -6, "
	                     "\"monitor\": true, \"monitor_db\": -3.5");
	char *text2 = replace(text, "\"source\": \"\" }",
	                      "\"source\": \"\", \"gain_db\": null, "
	                      "\"cue_db\": null }");
	write_text(p, text2);
	free(text);
	free(text2);
	for (int round = 0; round < 2; round++) {
		CHECK_OK(session_open(dir, &s, &err), &err);
		if (!s)
			return;
		CHECK(s->tracks[0].gain_db == -4.5 && s->tracks[0].pan == -0.25);
		CHECK_STR(s->tracks[0].group, "drums");
		CHECK_STR(s->tracks[0].colour, "red");
		CHECK(s->tracks[0].rec_safe);
		CHECK(isinf(s->tracks[1].gain_db) && s->tracks[1].gain_db < 0);
		CHECK(s->tracks[1].pan == 0.0 && !s->tracks[1].rec_safe);
		CHECK(s->tracks[0].cue_db == -6.0 && s->tracks[0].monitor &&
		      s->tracks[0].monitor_db == -3.5);
		CHECK(isinf(s->tracks[1].cue_db) && !s->tracks[1].monitor &&
		      s->tracks[1].monitor_db == 0.0);
		CHECK_OK(session_save(s, &err), &err);
		session_free(s);
		s = NULL;
	}
}

/* Settings written by hand load, and survive a save/reopen. */
static void test_settings_round_trip(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];

	new_dir_path(dir, sizeof dir, "settings");
	CHECK(mkdir(dir, 0777) == 0);
	path_in(p, sizeof p, dir, "session.json");
	char *text = replace(base_json, "\"future_top\"",
	                     "\"settings\": {\"count_in_bars\": 2, "
	                     "\"pre_roll_bars\": 1, \"click\": false, "
	                     "\"count_in_click\": false, "
	                     "\"click_sound\": \"wood\", "
	                     "\"click_level_db\": -6.5, \"tempo_bpm\": 96.5, "
	                     "\"meter_beats\": 7, \"meter_denominator\": 8, "
	                     "\"jack_transport\": \"master\", "
	                     "\"scratch\": \"scratch.wav\", "
	                     "\"scratch_offset\": -48000, "
	                     "\"punch_in\": 96000, \"punch_out\": null, "
	                     "\"punch_in_on\": true, "
	                     "\"punch_out_on\": true}, "
	                     "\"future_top\"");
	write_text(p, text);
	free(text);
	for (int round = 0; round < 2; round++) {
		CHECK_OK(session_open(dir, &s, &err), &err);
		if (!s)
			return;
		const struct session_settings *st = &s->settings;
		CHECK(st->count_in_bars == 2 && st->pre_roll_bars == 1);
		CHECK(!st->click);
		CHECK(!st->count_in_click);
		CHECK_STR(st->click_sound, "wood");
		CHECK(st->click_level_db == -6.5 && st->tempo_bpm == 96.5);
		CHECK(st->meter_beats == 7 && st->meter_denominator == 8);
		CHECK_STR(st->jack_transport, "master");
		CHECK_STR(st->scratch, "scratch.wav");
		CHECK(st->scratch_offset == -48000);
		/* A switch without its point is off. */
		CHECK(st->punch_in == 96000 && st->punch_in_on);
		CHECK(st->punch_out == SESSION_NO_FRAME && !st->punch_out_on);
		CHECK_OK(session_save(s, &err), &err);
		session_free(s);
		s = NULL;
	}
}

struct malformed_case {
	const char *name;
	const char *from; /* NULL: use `to` as the whole file */
	const char *to;
	const char *expect; /* substring of the message after the path */
};

static void check_malformed_text(const struct malformed_case *c, char *text,
                                 int line);

static void check_malformed(const struct malformed_case *c, int line)
{
	check_malformed_text(c, c->from ? replace(base_json, c->from, c->to)
	                                : strdup(c->to), line);
}

/* Takes ownership of text: written as the case's session.json, which must
 * be refused with c->expect and left untouched. */
static void check_malformed_text(const struct malformed_case *c, char *text,
                                 int line)
{
	struct error err = { 0 };
	static struct session sentinel;
	struct session *s = &sentinel;
	char dir[600], p[700], q[700];

	new_dir_path(dir, sizeof dir, c->name);
	CHECK_AT(mkdir(dir, 0777) == 0, __FILE__, line);
	path_in(p, sizeof p, dir, "session.json");
	write_text(p, text);

	enum rl_status rc = session_open(dir, &s, &err);
	if (rc != RL_ERR_FORMAT)
		fprintf(stderr, "%s:%d: case %s: status %s: %s\n", __FILE__,
		        line, c->name, rl_strerror(rc), err.message);
	CHECK_AT(rc == RL_ERR_FORMAT, __FILE__, line);
	if (rc == RL_OK)
		session_free(s);
	else
		CHECK_AT(s == NULL, __FILE__, line);
	if (!strstr(err.message, p) || !strstr(err.message, c->expect))
		fprintf(stderr, "%s:%d: case %s: message \"%s\" lacks "
		        "\"%s\" or \"%s\"\n", __FILE__, line, c->name,
		        err.message, p, c->expect);
	CHECK_AT(strncmp(err.message, p, strlen(p)) == 0, __FILE__, line);
	CHECK_AT(strstr(err.message, c->expect) != NULL, __FILE__, line);

	/* Nothing written: the file is byte-identical, and not even the
	 * subdirectories were created. */
	size_t len;
	char *after = read_all(p, &len);
	CHECK_AT(after && len == strlen(text) && memcmp(after, text, len) == 0,
	         __FILE__, line);
	free(after);
	path_in(q, sizeof q, dir, "takes");
	CHECK_AT(!exists(q), __FILE__, line);
	path_in(q, sizeof q, dir, "trash");
	CHECK_AT(!exists(q), __FILE__, line);
	CHECK_AT(count_temp_files(dir) == 0, __FILE__, line);
	free(text);
}

/* Changes of base_json (from -> to), or whole files (from NULL), that
 * session_open must refuse with the message expected. */
static const struct malformed_case malformed_cases[] = {
	{ "track-pan", "\"colour\": \"red\"",
	  "\"colour\": \"red\", \"pan\": 2",
	  ": tracks[0].pan: 2 is out of range" },
	{ "track-gain", "\"colour\": \"red\"",
	  "\"colour\": \"red\", \"gain_db\": \"loud\"",
	  ": tracks[0].gain_db: expected a number or null" },
	{ "track-gain-hot", "\"colour\": \"red\"",
	  "\"colour\": \"red\", \"gain_db\": 40",
	  ": tracks[0].gain_db: 40 is louder than +24 dB" },
	{ "track-cue", "\"colour\": \"red\"",
	  "\"colour\": \"red\", \"cue_db\": \"x\"",
	  ": tracks[0].cue_db: expected a number (dB) or null (off)" },
	{ "track-monitor-hot", "\"colour\": \"red\"",
	  "\"colour\": \"red\", \"monitor_db\": 10",
	  ": tracks[0].monitor_db: 10 is louder than +6 dB" },
	{ "settings-osc", "\"future_top\"",
	  "\"settings\": {\"osc_port\": 70000}, \"future_top\"",
	  ": settings.osc_port: 70000 is out of range (0 to 65535)" },
	{ "settings-cue", "\"future_top\"",
	  "\"settings\": {\"cue_scratch_db\": 7}, \"future_top\"",
	  ": settings.cue_scratch_db: 7 is louder than +6 dB" },
	{ "track-rec-safe", "\"colour\": \"red\"",
	  "\"colour\": \"red\", \"rec_safe\": 1",
	  ": tracks[0].rec_safe: expected true or false" },
	{ "settings-punch-order", "\"future_top\"",
	  "\"settings\": {\"punch_in\": 9600, \"punch_out\": 4800}, "
	  "\"future_top\"",
	  ": settings.punch_out: 4800 is not after punch_in (9600)" },
	{ "settings-punch-negative", "\"future_top\"",
	  "\"settings\": {\"punch_in\": -1}, \"future_top\"",
	  ": settings.punch_in: -1 is out of range" },
	{ "settings-range", "\"future_top\"",
	  "\"settings\": {\"count_in_bars\": 99}, \"future_top\"",
	  ": settings.count_in_bars: 99 is out of range" },
	{ "settings-type", "\"future_top\"",
	  "\"settings\": {\"click\": \"yes\"}, \"future_top\"",
	  ": settings.click: expected true or false" },
	{ "settings-meter", "\"future_top\"",
	  "\"settings\": {\"meter_beats\": 0}, \"future_top\"",
	  ": settings.meter_beats: 0 is out of range" },
	{ "settings-tempo", "\"future_top\"",
	  "\"settings\": {\"tempo_bpm\": \"fast\"}, \"future_top\"",
	  ": settings.tempo_bpm: expected a number" },
	{ "settings-transport", "\"future_top\"",
	  "\"settings\": {\"jack_transport\": \"slave\"}, \"future_top\"",
	  ": settings.jack_transport: \"slave\" is not internal" },
	{ "settings-scratch-path", "\"future_top\"",
	  "\"settings\": {\"scratch\": \"../x.wav\"}, \"future_top\"",
	  ": settings.scratch: \"../x.wav\" must be a file name" },
	{ "settings-not-object", "\"future_top\"",
	  "\"settings\": [], \"future_top\"",
	  ": settings: expected an object" },
	{ "bad-type", "\"length\": 480000", "\"length\": \"480000\"",
	  ": takes[1].length: expected an integer" },
	{ "bad-real", "\"length\": 480000", "\"length\": 480000.5",
	  ": takes[1].length: expected an integer" },
	{ "negative", "\"start\": 1000", "\"start\": -1",
	  ": takes[1].files[0].dropped_ranges[0].start: -1 is out of "
	  "range" },
	{ "missing", "\"sample_rate\": 44100,", "",
	  ": takes[1].sample_rate: missing" },
	{ "missing-top", "\"format\": \"pcm24\",\n  \"future_top\"",
	  "\"future_top\"", ": format: missing" },
	{ "version-2", "\"redlight_session\": 1",
	  "\"redlight_session\": 2",
	  ": version 2 is newer than this redlight (1)" },
	{ "version-0", "\"redlight_session\": 1",
	  "\"redlight_session\": 0",
	  ": redlight_session: unsupported version 0" },
	{ "version-str", "\"redlight_session\": 1",
	  "\"redlight_session\": \"1\"",
	  ": redlight_session: expected an integer" },
	{ "no-version", "\"redlight_session\": 1,", "",
	  "not a redlight session" },
	{ "dup-take", "\"number\": 9", "\"number\": 5",
	  ": takes[1].number: take 5 appears twice (also takes[0])" },
	{ "take-zero", "\"number\": 9", "\"number\": 0",
	  ": takes[0].number:" },
	{ "track-order", "\"number\": 2", "\"number\": 3",
	  ": tracks[1].number: expected 2" },
	{ "dup-track", "\"name\": \"snare\"", "\"name\": \"kick\"",
	  ": tracks[1].name: \"kick\" is also the name of tracks[0]" },
	{ "long-track", "\"name\": \"kick\"",
	  "\"name\": \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"",
	  ": tracks[0].name: longer than 63 bytes" },
	{ "bad-peak", "\"peak_dbfs\": -3.25", "\"peak_dbfs\": \"loud\"",
	  ": takes[1].files[0].peak_dbfs: expected a number or null" },
	{ "bad-format", "\"format\": \"float\"", "\"format\": \"mp3\"",
	  ": takes[1].format: unknown format \"mp3\"" },
	{ "bad-bool", "\"recovered\": false", "\"recovered\": 0",
	  ": takes[0].recovered: expected true or false" },
	{ "file-not-object", "\"files\": []", "\"files\": [ 7 ]",
	  ": takes[0].files[0]: expected an object" },
	{ "tracks-not-array", "\"tracks\": [", "\"tracks\": 1, \"x\": [",
	  ": tracks: expected an array" },
	{ "rate-too-big", "\"sample_rate\": 48000",
	  "\"sample_rate\": 4294967296",
	  ": sample_rate: 4294967296 is out of range" },
	{ "top-array", NULL, "[1, 2]\n",
	  ": expected a JSON object at the top level" },
	{ "dup-key", "\"sample_rate\": 48000,",
	  "\"sample_rate\": 48000, \"sample_rate\": 48000,",
	  ":3:" },
	{ "empty", NULL, "", ":1:" },
};

/* Each malformed case refused with its message, nothing written. */
static void test_malformed(void)
{
	size_t n = sizeof malformed_cases / sizeof malformed_cases[0];
	for (size_t i = 0; i < n; i++)
		check_malformed(&malformed_cases[i], __LINE__);
}

/* Truncated: the message is "PATH:LINE:COLUMN: text". */
static void test_malformed_truncated(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];
	new_dir_path(dir, sizeof dir, "truncated");
	CHECK(mkdir(dir, 0777) == 0);
	path_in(p, sizeof p, dir, "session.json");
	char *text = strdup(base_json);
	text[strlen(text) / 2] = '\0';
	write_text(p, text);
	CHECK(session_open(dir, &s, &err) == RL_ERR_FORMAT);
	CHECK(s == NULL);
	CHECK(strncmp(err.message, p, strlen(p)) == 0);
	int line = 0, column = 0;
	char colon = 0;
	CHECK(sscanf(err.message + strlen(p), ":%d:%d%c", &line, &column,
	             &colon) == 3);
	CHECK(line == 15 && column > 0 && colon == ':');
	if (line != 15)
		fprintf(stderr, "  message: %s\n", err.message);
	size_t len;
	char *after = read_all(p, &len);
	CHECK(after && len == strlen(text) && memcmp(after, text, len) == 0);
	free(after);
	free(text);
	CHECK(count_temp_files(dir) == 0);
}

static void test_save_failures(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700], q[800];
	size_t len0, len1;

	new_dir_path(dir, sizeof dir, "save-fail");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	CHECK_OK(session_save(s, &err), &err);
	path_in(p, sizeof p, dir, "session.json");
	char *before = read_all(p, &len0);

	/* 1. The write fails (root ignores permissions, but not the file
	 * size limit): error names the path, temp file removed, old file
	 * untouched. */
	struct rlimit old_limit, limit;
	CHECK(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
	limit = old_limit;
	limit.rlim_cur = 16;
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
	enum rl_status rc = session_save(s, &err);
	setrlimit(RLIMIT_FSIZE, &old_limit);
	signal(SIGXFSZ, old_handler);
	CHECK(rc == RL_ERR_IO);
	CHECK_CONTAINS(err.message, p);
	CHECK_CONTAINS(err.message, "cannot write");
	CHECK(count_temp_files(dir) == 0);
	char *after = read_all(p, &len1);
	CHECK(after && before && len0 == len1 &&
	      memcmp(before, after, len0) == 0);
	free(after);

	/* 2. A value JSON integers cannot hold: refused, nothing written. */
	struct session_take t = { .number = 1, .length = UINT64_MAX };
	CHECK_OK(session_put_take(s, &t, &err), &err);
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, p);
	CHECK_CONTAINS(err.message, "takes[0].length");
	CHECK(count_temp_files(dir) == 0);

	/* 3. A peak that is no level (NaN). */
	t.length = 10;
	struct session_take_file f = { .track = 1, .peak_dbfs = NAN };
	t.files = &f;
	t.file_count = 1;
	CHECK_OK(session_put_take(s, &t, &err), &err);
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[0].files[0].peak_dbfs");

	/* 4. A name that is not UTF-8 (bypassing session_add_track) must
	 * not produce a file that could never be loaded again. */
	f.peak_dbfs = -1.0;
	strcpy(f.track_name, "bad\xfe");
	CHECK_OK(session_put_take(s, &t, &err), &err);
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[0].files[0].track_name");
	CHECK(count_temp_files(dir) == 0);
	after = read_all(p, &len1);
	CHECK(after && before && len0 == len1 &&
	      memcmp(before, after, len0) == 0);
	free(after);
	strcpy(f.track_name, "kick");
	CHECK_OK(session_put_take(s, &t, &err), &err);

	/* 5. A stale temp file with our pid (a crashed earlier process that
	 * had it) does not block saving. */
	snprintf(q, sizeof q, "%s.tmp-%ld", p, (long)getpid());
	write_text(q, "half-written");
	CHECK_OK(session_save(s, &err), &err);
	CHECK(count_temp_files(dir) == 0);

	/* 6. The rename fails: session.json is a non-empty directory. */
	path_in(q, sizeof q, dir, "aside.json");
	CHECK(rename(p, q) == 0); /* keep the real file aside */
	CHECK(mkdir(p, 0777) == 0);
	char inner[800];
	snprintf(inner, sizeof inner, "%s/keep", p);
	write_text(inner, "x");
	rc = session_save(s, &err);
	CHECK(rc != RL_OK);
	CHECK_CONTAINS(err.message, p);
	CHECK_CONTAINS(err.message, "cannot rename");
	CHECK(count_temp_files(dir) == 0);
	CHECK(is_dir(p) && exists(inner));
	CHECK(unlink(inner) == 0 && rmdir(p) == 0 && rename(q, p) == 0);

	/* 7. The session directory vanished. */
	char moved[700];
	new_dir_path(moved, sizeof moved, "save-fail-moved");
	CHECK(rename(dir, moved) == 0);
	CHECK(session_save(s, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, dir);
	CHECK(!exists(dir));
	CHECK(count_temp_files(moved) == 0);

	free(before);
	session_free(s);
}

/* ---------------------------------------------------------------------- */
/* Take metadata                                                          */

/* Keeper flags of every take's file of `track`, as a string of take
 * numbers ("2" or "" or "2,3" -- the last would be a bug). */
static void keepers_of(const struct session *s, uint32_t track, char *out,
                       size_t size)
{
	out[0] = '\0';
	for (size_t k = 0; k < s->take_count; k++) {
		for (size_t i = 0; i < s->takes[k].file_count; i++) {
			const struct session_take_file *f = &s->takes[k].files[i];
			if (f->track != track || !f->keeper)
				continue;
			size_t len = strlen(out);
			snprintf(out + len, size - len, "%s%u", len ? "," : "",
			         s->takes[k].number);
		}
	}
}

/* A complete take of the given tracks (kick = 1, snare = 2, ...) with a
 * real, reserved directory holding one small file per track. */
static void add_disk_take(struct session *s, const uint32_t *tracks,
                          size_t count, uint32_t *number_out)
{
	struct error err = { 0 };
	struct session_take t = { 0 };
	struct session_take_file files[4];
	char take_dir[SESSION_PATH_MAX], p[SESSION_PATH_MAX + 80];
	uint32_t number = 0;

	CHECK_OK(session_reserve_take(s, &number, take_dir, sizeof take_dir,
	                              &err), &err);
	memset(files, 0, sizeof files);
	t.number = number;
	snprintf(t.started_at, sizeof t.started_at, "2026-11-22T11:00:00+0100");
	t.length = 48000;
	t.sample_rate = 48000;
	t.complete = true;
	for (size_t i = 0; i < count && i < 4; i++) {
		struct session_take_file *f = &files[i];
		f->track = tracks[i];
		snprintf(f->track_name, sizeof f->track_name, "%s",
		         s->tracks[tracks[i] - 1].name);
		session_take_file_relpath(number, tracks[i], f->track_name,
		                          f->path, sizeof f->path);
		f->peak_dbfs = -12.0;
		snprintf(p, sizeof p, "%s/%s", s->dir, f->path);
		char content[64];
		snprintf(content, sizeof content, "take %u track %u\n", number,
		         tracks[i]);
		write_text(p, content);
	}
	t.files = files;
	t.file_count = count;
	CHECK_OK(session_put_take(s, &t, &err), &err);
	if (number_out)
		*number_out = number;
}

static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = read_all(a, &la), *y = read_all(b, &lb);
	bool same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

static void test_metadata_round_trip(void)
{
	struct error err = { 0 };
	struct session *s = NULL, *r = NULL;
	char dir[600], p[700];

	new_dir_path(dir, sizeof dir, "meta-roundtrip");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	s->sample_rate = 48000;
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	CHECK_OK(session_add_track(s, "snare", NULL, NULL, &err), &err);

	struct session_take t[3];
	struct session_take_file files[3][2];
	struct session_dropped_range ranges[3][3];
	struct session_marker markers[2] = {
		{ .frame = 96000, .name = "verse 2" },
		{ .frame = (1ULL << 40) + 3, .name = "Br\xc3\xbc" "cke" },
	};
	for (int i = 0; i < 3; i++)
		fill_take(&t[i], (uint32_t)i + 1, files[i], ranges[i]);
	t[0].rating = 4;
	snprintf(t[0].note, sizeof t[0].note,
	         "great feel, \"late\" entry at bar 9\nsecond line \xc3\xa4");
	t[0].marker_count = 2;
	t[0].markers = markers;
	files[0][1].keeper = true; /* take 1 keeps snare */
	t[2].rating = 5;
	t[2].discarded = true;
	snprintf(t[2].trash_dir, sizeof t[2].trash_dir, "trash/003-1");
	files[1][0].keeper = true; /* take 2 keeps kick */
	for (int i = 0; i < 3; i++)
		CHECK_OK(session_put_take(s, &t[i], &err), &err);
	/* deep copy of the markers */
	markers[0].frame = 1;
	CHECK(s->takes[0].markers != markers &&
	      s->takes[0].markers[0].frame == 96000);
	markers[0].frame = 96000;
	CHECK_OK(session_save(s, &err), &err);

	size_t len1, len2;
	path_in(p, sizeof p, dir, "session.json");
	char *text1 = read_all(p, &len1);
	CHECK(text1 != NULL);
	if (text1) {
		CHECK_CONTAINS(text1, "\"rating\": 4");
		CHECK_CONTAINS(text1, "\"rating\": 0");
		CHECK_CONTAINS(text1, "\"note\": \"great feel, \\\"late\\\" "
		                      "entry at bar 9\\nsecond line");
		CHECK_CONTAINS(text1, "\"discarded\": true");
		CHECK_CONTAINS(text1, "\"trash_dir\": \"trash/003-1\"");
		CHECK_CONTAINS(text1, "\"keeper\": true");
		CHECK_CONTAINS(text1, "\"frame\": 1099511627779");
		CHECK_CONTAINS(text1, "\"name\": \"verse 2\"");
	}
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		check_session_equal(s, r, __FILE__, __LINE__);
		CHECK(r->takes[0].rating == 4 && r->takes[1].rating == 0);
		CHECK(r->takes[0].marker_count == 2);
		CHECK(r->takes[2].discarded);
		CHECK(r->takes[0].files[1].keeper && r->takes[1].files[0].keeper);
		CHECK(!r->takes[0].files[0].keeper);
		CHECK_OK(session_save(r, &err), &err);
		char *text2 = read_all(p, &len2);
		CHECK(text1 && text2 && len1 == len2 &&
		      memcmp(text1, text2, len1) == 0);
		free(text2);
	}
	free(text1);
	session_free(r);

	/* What the loader refuses is never written either. */
	struct session_take *t3 = session_find_take(s, 3);
	t3->files[0].keeper = true; /* discarded take as keeper */
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[2].files[0].keeper");
	t3->files[0].keeper = false;
	t3->trash_dir[0] = '\0';
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[2].trash_dir");
	snprintf(t3->trash_dir, sizeof t3->trash_dir, "trash/../takes");
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[2].trash_dir");
	snprintf(t3->trash_dir, sizeof t3->trash_dir, "trash/003-1");
	t3->rating = 6;
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[2].rating");
	t3->rating = 5;
	session_find_take(s, 1)->files[0].keeper = true; /* 2nd kick keeper */
	CHECK(session_save(s, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "takes[1].files[0].keeper: track 1 "
	                            "already has a keeper");
	session_find_take(s, 1)->files[0].keeper = false;
	CHECK_OK(session_save(s, &err), &err);
	session_free(s);
}

/* A file from before take metadata loads with the defaults. */
static void test_metadata_defaults(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700];

	new_dir_path(dir, sizeof dir, "meta-defaults");
	CHECK(mkdir(dir, 0777) == 0);
	path_in(p, sizeof p, dir, "session.json");
	write_text(p, base_json);
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	const struct session_take *t9 = session_find_take(s, 9);
	const struct session_take *t5 = session_find_take(s, 5);
	CHECK(t9 && t5);
	if (t9 && t5) {
		CHECK(t9->rating == 0 && t5->rating == 5);
		CHECK_STR(t9->note, "");
		CHECK(!t9->discarded);
		CHECK_STR(t9->trash_dir, "");
		CHECK(t9->marker_count == 0 && t9->markers == NULL);
		CHECK(t5->file_count == 1 && !t5->files[0].keeper);
	}
	/* The file without a flag: the latest complete take that has the
	 * track plays. */
	const struct session_take_file *f = NULL;
	CHECK(session_keeper_of(s, 1, &f) == t5);
	CHECK(f == &t5->files[0]);
	session_free(s);
}

static void test_metadata_malformed(void)
{
	static const struct malformed_case cases[] = {
		{ "meta-rating-6", "\"rating\": 5", "\"rating\": 6",
		  ": takes[1].rating: 6 is out of range (0 to 5)" },
		{ "meta-rating-str", "\"rating\": 5", "\"rating\": \"x\"",
		  ": takes[1].rating: expected an integer" },
		{ "meta-rating-neg", "\"rating\": 5", "\"rating\": -1",
		  ": takes[1].rating: -1 is out of range" },
		{ "meta-note-type", "\"rating\": 5", "\"rating\": 5, \"note\": 3",
		  ": takes[1].note: expected a string" },
		{ "meta-markers-object", "\"rating\": 5",
		  "\"rating\": 5, \"markers\": {}",
		  ": takes[1].markers: expected an array" },
		{ "meta-marker-frame", "\"rating\": 5",
		  "\"rating\": 5, \"markers\": [ {\"frame\": -5, \"name\": \"a\"} ]",
		  ": takes[1].markers[0].frame: -5 is out of range" },
		{ "meta-marker-name", "\"rating\": 5",
		  "\"rating\": 5, \"markers\": [ {\"frame\": 5, \"name\": "
		  "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"} ]",
		  ": takes[1].markers[0].name: longer than 63 bytes" },
		{ "meta-marker-missing", "\"rating\": 5",
		  "\"rating\": 5, \"markers\": [ {\"frame\": 5} ]",
		  ": takes[1].markers[0].name: missing" },
		{ "meta-keeper-int", "\"future_file\": null",
		  "\"future_file\": null, \"keeper\": 1",
		  ": takes[1].files[0].keeper: expected true or false" },
		{ "meta-discarded-str", "\"rating\": 5",
		  "\"rating\": 5, \"discarded\": \"yes\"",
		  ": takes[1].discarded: expected true or false" },
		{ "meta-discarded-no-dir", "\"rating\": 5",
		  "\"rating\": 5, \"discarded\": true",
		  ": takes[1].trash_dir: missing" },
		{ "meta-dir-not-discarded", "\"rating\": 5",
		  "\"rating\": 5, \"trash_dir\": \"trash/005\"",
		  ": takes[1].trash_dir: set, but the take is not discarded" },
		{ "meta-dir-escape", "\"rating\": 5",
		  "\"rating\": 5, \"discarded\": true, \"trash_dir\": \"trash/../..\"",
		  ": takes[1].trash_dir: \"trash/../..\" is not a directory "
		  "directly under trash/" },
		{ "meta-dir-outside", "\"rating\": 5",
		  "\"rating\": 5, \"discarded\": true, \"trash_dir\": \"/etc\"",
		  ": takes[1].trash_dir: \"/etc\" is not a directory" },
		{ "meta-discarded-keeper", "\"future_file\": null",
		  "\"future_file\": null, \"keeper\": true",
		  ": takes[1].files[0].keeper: take 5 is discarded" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct malformed_case *c = &cases[i];
		if (strcmp(c->name, "meta-discarded-keeper") == 0) {
			/* two edits: discarded and keeper */
			char *a = replace(base_json, c->from, c->to);
			char *b = replace(a, "\"rating\": 5",
			                  "\"rating\": 5, \"discarded\": true, "
			                  "\"trash_dir\": \"trash/005\"");
			free(a);
			check_malformed_text(c, b, __LINE__);
			continue;
		}
		check_malformed(c, __LINE__);
	}

	/* A note of 1024 bytes (the limit is 1023). */
	char *long_note = malloc(2000);
	char *q = long_note + sprintf(long_note, "\"rating\": 5, \"note\": \"");
	memset(q, 'n', 1024);
	strcpy(q + 1024, "\"");
	struct malformed_case note_case = {
		"meta-note-long", "\"rating\": 5", long_note,
		": takes[1].note: longer than 1023 bytes",
	};
	check_malformed(&note_case, __LINE__);
	/* A take file's path has room for 255 bytes (SESSION_FILE_PATH_MAX):
	 * a longer one, hand-written, is refused by name. */
	char long_path[400];
	char *pq = long_path + sprintf(long_path, "\"path\": \"takes/005/");
	memset(pq, 'p', 256 - 10);
	strcpy(pq + 256 - 10, "\"");
	struct malformed_case path_case = {
		"file-path-long", "\"path\": \"takes/005/01-kick.wav\"",
		long_path, ": takes[1].files[0].path: longer than 255 bytes",
	};
	check_malformed(&path_case, __LINE__);
	/* 1023 is fine */
	strcpy(q + 1023, "\"");
	{
		struct error err = { 0 };
		struct session *s = NULL;
		char dir[600], p[700];
		new_dir_path(dir, sizeof dir, "meta-note-1023");
		CHECK(mkdir(dir, 0777) == 0);
		path_in(p, sizeof p, dir, "session.json");
		char *text = replace(base_json, "\"rating\": 5", long_note);
		write_text(p, text);
		free(text);
		CHECK_OK(session_open(dir, &s, &err), &err);
		if (s)
			CHECK(strlen(session_find_take(s, 5)->note) == 1023);
		session_free(s);
	}
	free(long_note);

	/* Two keepers of one track, in different takes. */
	char *a = replace(base_json, "\"files\": [] }",
	                  "\"files\": [ { \"track\": 1, \"track_name\": "
	                  "\"kick\", \"path\": \"takes/009/01-kick.wav\", "
	                  "\"peak_dbfs\": null, \"clips\": 0, "
	                  "\"dropped_frames\": 0, \"keeper\": true, "
	                  "\"dropped_ranges\": [] } ] }");
	char *b = replace(a, "\"future_file\": null",
	                  "\"future_file\": null, \"keeper\": true");
	free(a);
	struct malformed_case two = {
		"meta-two-keepers", NULL, NULL,
		": takes[1].files[0].keeper: track 1 already has a keeper "
		"(takes[0].files[0], take 9)",
	};
	check_malformed_text(&two, b, __LINE__);
}

static void test_rating_note(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600];

	new_dir_path(dir, sizeof dir, "meta-rating");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	uint32_t n;
	const uint32_t kick[] = { 1 };
	add_disk_take(s, kick, 1, &n);
	CHECK_OK(session_take_set_rating(s, n, 3, &err), &err);
	CHECK(session_find_take(s, n)->rating == 3);
	CHECK(session_take_set_rating(s, n, 6, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "0 to 5");
	CHECK(session_find_take(s, n)->rating == 3);
	CHECK(session_take_set_rating(s, 42, 1, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "no take 42");
	CHECK_OK(session_take_set_rating(s, n, 0, &err), &err);

	CHECK_OK(session_take_set_note(s, n, "nice \xc3\xa4", &err), &err);
	CHECK_STR(session_find_take(s, n)->note, "nice \xc3\xa4");
	CHECK(session_take_set_note(s, n, "bad\xff", &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "UTF-8");
	char big[1100];
	memset(big, 'x', 1024);
	big[1024] = '\0';
	CHECK(session_take_set_note(s, n, big, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "at most 1023");
	CHECK_STR(session_find_take(s, n)->note, "nice \xc3\xa4");
	big[1023] = '\0';
	CHECK_OK(session_take_set_note(s, n, big, &err), &err);
	CHECK_OK(session_take_set_note(s, n, NULL, &err), &err);
	CHECK_STR(session_find_take(s, n)->note, "");
	CHECK(session_take_set_note(s, 42, "x", &err) == RL_ERR_NOT_FOUND);
	session_free(s);
}

/* Markers are added one by one while a take records and come back from
 * session.json in that order. */
static void test_add_marker(void)
{
	struct error err = { 0 };
	struct session *s = NULL, *r = NULL;
	char dir[600];

	new_dir_path(dir, sizeof dir, "meta-marker");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	uint32_t n;
	const uint32_t kick[] = { 1 };
	add_disk_take(s, kick, 1, &n);
	CHECK_OK(session_take_add_marker(s, n, 24000, "verse \xc3\xa4", &err),
	         &err);
	CHECK_OK(session_take_add_marker(s, n, 12000, "marker 2", &err), &err);
	CHECK(session_take_add_marker(s, n, 1, "", &err) == RL_ERR_INVALID);
	CHECK(session_take_add_marker(s, n, 1, NULL, &err) == RL_ERR_INVALID);
	CHECK(session_take_add_marker(s, n, 1, "bad\xff", &err) ==
	      RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "UTF-8");
	char big[80];
	memset(big, 'x', 64);
	big[64] = '\0';
	CHECK(session_take_add_marker(s, n, 1, big, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "at most 63");
	CHECK(session_take_add_marker(s, 42, 1, "x", &err) == RL_ERR_NOT_FOUND);
	CHECK(session_find_take(s, n)->marker_count == 2);
	CHECK_OK(session_save(s, &err), &err);
	CHECK_OK(session_open(dir, &r, &err), &err);
	const struct session_take *t = r ? session_find_take(r, n) : NULL;
	CHECK(t && t->marker_count == 2);
	if (t && t->marker_count == 2) {
		CHECK(t->markers[0].frame == 24000);
		CHECK_STR(t->markers[0].name, "verse \xc3\xa4");
		CHECK(t->markers[1].frame == 12000);
		CHECK_STR(t->markers[1].name, "marker 2");
	}
	session_free(r);
	session_free(s);
}

static void test_keepers(void)
{
	struct error err = { 0 };
	struct session *s = NULL, *r = NULL;
	char dir[600], k[64];

	new_dir_path(dir, sizeof dir, "keepers");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	CHECK_OK(session_add_track(s, "snare", NULL, NULL, &err), &err);
	CHECK_OK(session_add_track(s, "vox", NULL, NULL, &err), &err);
	const uint32_t both[] = { 1, 2 }, kick[] = { 1 };
	add_disk_take(s, both, 2, NULL); /* 1 */
	add_disk_take(s, both, 2, NULL); /* 2 */
	add_disk_take(s, kick, 1, NULL); /* 3 */
	const struct session_take_file *f = NULL;

	/* No flags: the latest complete take with the track. */
	CHECK(session_keeper_of(s, 1, &f) == session_find_take(s, 3));
	CHECK(f && f->track == 1);
	CHECK(session_keeper_of(s, 2, &f) == session_find_take(s, 2));
	CHECK(session_keeper_of(s, 3, &f) == NULL && f == NULL);
	CHECK(session_keeper_of(s, 0, NULL) == NULL);
	CHECK(session_keeper_of(s, 99, NULL) == NULL);

	/* Every track of take 1. */
	CHECK_OK(session_set_keeper(s, 1, 0, &err), &err);
	keepers_of(s, 1, k, sizeof k);
	CHECK_STR(k, "1");
	keepers_of(s, 2, k, sizeof k);
	CHECK_STR(k, "1");
	CHECK(session_keeper_of(s, 1, &f) == session_find_take(s, 1));
	CHECK(f == &session_find_take(s, 1)->files[0]);
	CHECK(session_keeper_of(s, 2, NULL) == session_find_take(s, 1));

	/* One track of take 3: only that track's flag moves. */
	CHECK_OK(session_set_keeper(s, 3, 1, &err), &err);
	keepers_of(s, 1, k, sizeof k);
	CHECK_STR(k, "3");
	keepers_of(s, 2, k, sizeof k);
	CHECK_STR(k, "1");
	/* Again, and all of take 2: still one per track. */
	CHECK_OK(session_set_keeper(s, 3, 1, &err), &err);
	CHECK_OK(session_set_keeper(s, 2, 0, &err), &err);
	keepers_of(s, 1, k, sizeof k);
	CHECK_STR(k, "2");
	keepers_of(s, 2, k, sizeof k);
	CHECK_STR(k, "2");

	/* Refusals leave everything as it was. */
	CHECK(session_set_keeper(s, 9, 0, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "no take 9");
	CHECK(session_set_keeper(s, 3, 2, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "take 3 has no file of track 2 (snare)");
	CHECK(session_set_keeper(s, 3, 7, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "track 7");
	session_find_take(s, 3)->complete = false;
	CHECK(session_set_keeper(s, 3, 1, &err) == RL_ERR_STATE);
	CHECK_CONTAINS(err.message, "not complete");
	session_find_take(s, 3)->complete = true;
	keepers_of(s, 1, k, sizeof k);
	CHECK_STR(k, "2");

	/* The flagged keeper wins over a later take; it survives a save. */
	CHECK_OK(session_save(s, &err), &err);
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		CHECK(session_keeper_of(r, 1, NULL) == session_find_take(r, 2));
		keepers_of(r, 2, k, sizeof k);
		CHECK_STR(k, "2");
	}
	session_free(r);

	/* Discarding the keeper clears its flags: the tracks fall back to
	 * the latest other take; a discarded take cannot be kept. */
	CHECK_OK(session_discard_take(s, 2, &err), &err);
	keepers_of(s, 1, k, sizeof k);
	CHECK_STR(k, "");
	CHECK(session_keeper_of(s, 1, NULL) == session_find_take(s, 3));
	CHECK(session_keeper_of(s, 2, NULL) == session_find_take(s, 1));
	CHECK(session_set_keeper(s, 2, 0, &err) == RL_ERR_STATE);
	CHECK_CONTAINS(err.message, "discarded");
	/* Incomplete and empty takes are skipped by the fallback. */
	session_find_take(s, 3)->complete = false;
	CHECK(session_keeper_of(s, 1, NULL) == session_find_take(s, 1));
	session_find_take(s, 3)->complete = true;
	session_find_take(s, 3)->length = 0;
	CHECK(session_keeper_of(s, 1, NULL) == session_find_take(s, 1));
	session_free(s);
}

/* What the steps of test_discard_restore share: one session with tracks
 * kick and snare and takes 1 to 3, its directory, and copies (outside
 * the session) of take 2's files to compare with. */
struct discard_fixture {
	struct session *s;
	char dir[600];
	char kick[800], snare[800]; /* take 2's 01-kick.wav, 02-snare.wav */
};

/* Tracks, three takes on disk, saved; the copies of take 2's files. */
static void discard_fixture_fill(struct discard_fixture *fx)
{
	struct error err = { 0 };
	struct session *s = fx->s;
	char p[700], q[700];
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	CHECK_OK(session_add_track(s, "snare", NULL, NULL, &err), &err);
	const uint32_t both[] = { 1, 2 };
	for (int i = 0; i < 3; i++)
		add_disk_take(s, both, 2, NULL);
	CHECK_OK(session_save(s, &err), &err);
	/* Copies of take 2's files, outside the session, to compare with. */
	path_in(p, sizeof p, fx->dir, "takes/002/01-kick.wav");
	path_in(q, sizeof q, fx->dir, "takes/002/02-snare.wav");
	new_dir_path(fx->kick, sizeof fx->kick, "discard-kick.orig");
	new_dir_path(fx->snare, sizeof fx->snare, "discard-snare.orig");
	size_t len;
	char *x = read_all(p, &len);
	write_text(fx->kick, x ? x : "");
	free(x);
	x = read_all(q, &len);
	write_text(fx->snare, x ? x : "");
	free(x);
	CHECK(same_file(p, fx->kick) && same_file(q, fx->snare));
}

/* Discarding take 2 moves its folder to trash/002 and is saved;
 * restoring moves it back; neither is done twice. */
static void check_discard_then_restore(struct discard_fixture *fx)
{
	struct error err = { 0 };
	struct session *s = fx->s, *r = NULL;
	const char *dir = fx->dir, *a = fx->kick, *b = fx->snare;
	char p[700];

	CHECK_OK(session_discard_take(s, 2, &err), &err);
	const struct session_take *t2 = session_find_take(s, 2);
	CHECK(t2 && t2->discarded);
	CHECK_STR(t2->trash_dir, "trash/002");
	path_in(p, sizeof p, dir, "takes/002");
	CHECK(!exists(p));
	path_in(p, sizeof p, dir, "trash/002/01-kick.wav");
	CHECK(same_file(p, a));
	path_in(p, sizeof p, dir, "trash/002/02-snare.wav");
	CHECK(same_file(p, b));
	/* saved: a fresh open sees it */
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		CHECK(session_find_take(r, 2)->discarded);
		CHECK_STR(session_find_take(r, 2)->trash_dir, "trash/002");
	}
	session_free(r);
	r = NULL;
	CHECK(session_discard_take(s, 2, &err) == RL_ERR_STATE);
	CHECK_CONTAINS(err.message, "already discarded");
	CHECK(session_discard_take(s, 7, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "no take 7");

	CHECK_OK(session_restore_take(s, 2, &err), &err);
	CHECK(!t2->discarded);
	CHECK_STR(t2->trash_dir, "");
	path_in(p, sizeof p, dir, "trash/002");
	CHECK(!exists(p));
	path_in(p, sizeof p, dir, "takes/002/01-kick.wav");
	CHECK(same_file(p, a));
	path_in(p, sizeof p, dir, "takes/002/02-snare.wav");
	CHECK(same_file(p, b));
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r)
		CHECK(!session_find_take(r, 2)->discarded);
	session_free(r);
	r = NULL;
	CHECK(session_restore_take(s, 2, &err) == RL_ERR_STATE);
	CHECK_CONTAINS(err.message, "not discarded");
}

/* The same number discarded again while trash/002 is taken (by
 * anything): trash/002-1, nothing replaced -- not even an empty
 * directory. Restore refuses to replace a takes/002 that came back. */
static void check_discard_restore_in_the_way(struct discard_fixture *fx)
{
	struct error err = { 0 };
	struct session *s = fx->s;
	const char *dir = fx->dir, *a = fx->kick, *b = fx->snare;
	const struct session_take *t2 = session_find_take(s, 2);
	char p[700];

	path_in(p, sizeof p, dir, "trash/002");
	CHECK(mkdir(p, 0777) == 0);
	CHECK_OK(session_discard_take(s, 2, &err), &err);
	CHECK_STR(t2->trash_dir, "trash/002-1");
	CHECK(is_dir(p));
	path_in(p, sizeof p, dir, "trash/002-1/01-kick.wav");
	CHECK(same_file(p, a));
	/* Restore refuses to replace a takes/002 that came back. */
	path_in(p, sizeof p, dir, "takes/002");
	CHECK(mkdir(p, 0777) == 0);
	CHECK(session_restore_take(s, 2, &err) == RL_ERR_EXISTS);
	CHECK_CONTAINS(err.message, p);
	CHECK(t2->discarded);
	CHECK(rmdir(p) == 0);
	CHECK_OK(session_restore_take(s, 2, &err), &err);
	path_in(p, sizeof p, dir, "takes/002/02-snare.wav");
	CHECK(same_file(p, b));
}

/* An incomplete take (recording, or crashed) is not discarded. */
static void check_discard_incomplete(struct discard_fixture *fx)
{
	struct error err = { 0 };
	struct session *s = fx->s;
	char p[700];

	session_find_take(s, 3)->complete = false;
	CHECK(session_discard_take(s, 3, &err) == RL_ERR_STATE);
	CHECK_CONTAINS(err.message, "not complete");
	path_in(p, sizeof p, fx->dir, "takes/003");
	CHECK(is_dir(p));
	session_find_take(s, 3)->complete = true;
}

/* Numbers are never reused: discard the highest take, the next
 * reservation is above it -- also when only the trash knows the number,
 * and after the highest take is restored. Frees the session. */
static void check_discarded_numbers_not_reused(struct discard_fixture *fx)
{
	struct error err = { 0 };
	struct session *s = fx->s;
	const char *dir = fx->dir;
	char p[700];

	CHECK_OK(session_discard_take(s, 3, &err), &err);
	uint32_t n = 0;
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	CHECK(n == 4);
	/* Even when only the trash knows the number: 3 is not in this
	 * session object any more, and 4's directory went away. */
	session_remove_take(s, 3);
	path_in(p, sizeof p, dir, "takes/004");
	CHECK(rmdir(p) == 0);
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	CHECK(n == 4);
	session_free(s);
	s = fx->s = NULL;

	/* After a restore of the highest take too. */
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (s) {
		CHECK_OK(session_restore_take(s, 3, &err), &err);
		CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
		CHECK(n == 5);
	}
	session_free(s);
}

/* Moving a take that is not there names both paths. */
static void check_discard_moved_away(const char *dir)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char p[700], q[700];

	CHECK_OK(session_open(dir, &s, &err), &err);
	if (s) {
		path_in(p, sizeof p, dir, "takes/001");
		path_in(q, sizeof q, dir, "moved-001");
		CHECK(rename(p, q) == 0);
		CHECK(session_discard_take(s, 1, &err) == RL_ERR_NOT_FOUND);
		CHECK_CONTAINS(err.message, p);
		CHECK(!session_find_take(s, 1)->discarded);
	}
	session_free(s);
}

/* Discard and restore, one session through all the steps in turn: each
 * step starts from the state the one before left. */
static void test_discard_restore(void)
{
	struct error err = { 0 };
	struct discard_fixture fx = { 0 };

	new_dir_path(fx.dir, sizeof fx.dir, "discard");
	CHECK_OK(session_open(fx.dir, &fx.s, &err), &err);
	if (!fx.s)
		return;
	discard_fixture_fill(&fx);
	check_discard_then_restore(&fx);
	check_discard_restore_in_the_way(&fx);
	check_discard_incomplete(&fx);
	check_discarded_numbers_not_reused(&fx);
	check_discard_moved_away(fx.dir);
}

/* A save that fails after the move puts the directory and the flags
 * back: session.json and the disk never disagree. */
static void test_discard_save_fails(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700], q[700], inner[800];

	new_dir_path(dir, sizeof dir, "discard-rollback");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	CHECK_OK(session_add_track(s, "kick", NULL, NULL, &err), &err);
	const uint32_t kick[] = { 1 };
	uint32_t n;
	add_disk_take(s, kick, 1, &n);
	CHECK_OK(session_set_keeper(s, n, 0, &err), &err);
	CHECK_OK(session_save(s, &err), &err);

	/* session.json replaced by a non-empty directory: rename fails */
	path_in(p, sizeof p, dir, "session.json");
	path_in(q, sizeof q, dir, "aside.json");
	CHECK(rename(p, q) == 0);
	CHECK(mkdir(p, 0777) == 0);
	snprintf(inner, sizeof inner, "%s/keep", p);
	write_text(inner, "x");

	CHECK(session_discard_take(s, n, &err) != RL_OK);
	CHECK_CONTAINS(err.message, "cannot rename");
	struct session_take *t = session_find_take(s, n);
	CHECK(!t->discarded && !t->trash_dir[0] && t->files[0].keeper);
	path_in(q, sizeof q, dir, "takes/001/01-kick.wav");
	CHECK(exists(q));
	path_in(q, sizeof q, dir, "trash/001");
	CHECK(!exists(q));

	/* and the same for a restore */
	CHECK(unlink(inner) == 0 && rmdir(p) == 0);
	path_in(q, sizeof q, dir, "aside.json");
	CHECK(rename(q, p) == 0);
	CHECK_OK(session_discard_take(s, n, &err), &err);
	CHECK(rename(p, q) == 0);
	CHECK(mkdir(p, 0777) == 0);
	write_text(inner, "x");
	CHECK(session_restore_take(s, n, &err) != RL_OK);
	CHECK(t->discarded);
	CHECK_STR(t->trash_dir, "trash/001");
	path_in(q, sizeof q, dir, "trash/001/01-kick.wav");
	CHECK(exists(q));
	path_in(q, sizeof q, dir, "takes/001");
	CHECK(!exists(q));
	session_free(s);
}

static void test_trash_take_dir(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], p[700], rel[SESSION_NAME_MAX];

	new_dir_path(dir, sizeof dir, "trash-to");
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		return;
	for (int i = 0; i < 3; i++) {
		path_in(p, sizeof p, dir, "takes/012");
		CHECK(mkdir(p, 0777) == 0);
		CHECK_OK(session_trash_take_dir_to(s, 12, rel, sizeof rel, &err),
		         &err);
		CHECK_STR(rel, i == 0 ? "trash/012"
		               : i == 1 ? "trash/012-1" : "trash/012-2");
	}
	path_in(p, sizeof p, dir, "takes/012");
	CHECK(mkdir(p, 0777) == 0);
	CHECK_OK(session_trash_take_dir(s, 12, &err), &err);
	path_in(p, sizeof p, dir, "trash/012-3");
	CHECK(is_dir(p));
	char small[8];
	CHECK(session_trash_take_dir_to(s, 12, small, sizeof small, &err) ==
	      RL_ERR_INVALID);
	session_free(s);
}

static void test_headroom(void)
{
	struct session_take_file files[4] = {
		{ .track = 1, .track_name = "kick", .peak_dbfs = -12.0 },
		{ .track = 2, .track_name = "vox", .peak_dbfs = -1.2 },
		{ .track = 3, .track_name = "bass", .peak_dbfs = 0.0,
		  .clips = 3 },
		{ .track = 4, .track_name = "room", .peak_dbfs = -INFINITY },
	};
	struct session_take t = { .number = 1, .file_count = 4,
	                          .files = files };

	CHECK(session_headroom_flags(&files[0]) == 0);
	CHECK(session_headroom_flags(&files[1]) == SESSION_HEADROOM_HOT);
	CHECK(session_headroom_flags(&files[2]) ==
	      (SESSION_HEADROOM_HOT | SESSION_HEADROOM_CLIP));
	CHECK(session_headroom_flags(&files[3]) == 0);
	files[0].peak_dbfs = -3.0; /* exactly -3 is not hot */
	CHECK(session_headroom_flags(&files[0]) == 0);
	files[0].peak_dbfs = -2.99;
	CHECK(session_headroom_flags(&files[0]) == SESSION_HEADROOM_HOT);
	files[0].peak_dbfs = -40.0;
	files[0].clips = 1; /* a clip is a clip, however quiet the peak */
	CHECK(session_headroom_flags(&files[0]) == SESSION_HEADROOM_CLIP);
	files[0].clips = 0;
	CHECK(session_headroom_flags(NULL) == 0);

	CHECK_STR(session_headroom_label(0), "ok");
	CHECK_STR(session_headroom_label(SESSION_HEADROOM_HOT), "hot");
	CHECK_STR(session_headroom_label(SESSION_HEADROOM_HOT |
	                                 SESSION_HEADROOM_CLIP), "clip");

	struct session_headroom h[4];
	CHECK(session_headroom(&t, h, 4) == 4);
	CHECK(h[1].track == 2 && strcmp(h[1].track_name, "vox") == 0);
	CHECK(h[1].peak_dbfs == -1.2 && h[1].flags == SESSION_HEADROOM_HOT);
	CHECK(h[2].clips == 3 && (h[2].flags & SESSION_HEADROOM_CLIP));
	CHECK(h[3].peak_dbfs == -INFINITY && h[3].flags == 0);
	memset(h, 0, sizeof h);
	CHECK(session_headroom(&t, h, 2) == 4); /* only two filled */
	CHECK(h[1].track == 2 && h[2].track == 0);
	CHECK(session_headroom(&t, NULL, 0) == 4);
	CHECK(session_headroom(NULL, h, 4) == 0);
}

/* ---------------------------------------------------------------------- */
/* Track edits                                                            */

/* session.json as s saves now (it is saved). Caller frees. */
static char *tr_saved_json(struct session *s)
{
	struct error err = { 0 };
	char p[SESSION_PATH_MAX + 32];
	size_t len;
	CHECK_OK(session_save(s, &err), &err);
	snprintf(p, sizeof p, "%s/session.json", s->dir);
	return read_all(p, &len);
}

/* A refusal must leave the session as it was: what it saves is what it
 * saved before. */
#define CHECK_UNCHANGED(s, before)                                         \
	do {                                                               \
		char *now_ = tr_saved_json(s);                             \
		CHECK(now_ && strcmp(now_, (before)) == 0);                \
		free(now_);                                                \
	} while (0)

/* Every take file's number names the track its track_name says: the
 * invariant a move must keep. */
static bool tr_files_consistent(const struct session *s)
{
	for (size_t k = 0; k < s->take_count; k++) {
		const struct session_take *t = &s->takes[k];
		for (size_t i = 0; i < t->file_count; i++) {
			const struct session_take_file *f = &t->files[i];
			if (f->track == 0 || f->track > s->track_count ||
			    strcmp(s->tracks[f->track - 1].name, f->track_name))
				return false;
		}
	}
	return true;
}

/* A new session in the test root's directory `name` with the tracks
 * named in `tracks` (blank-separated), no inputs. NULL if it cannot be
 * made (the checks say why). */
static struct session *tr_session(const char *name, const char *tracks)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], list[256];

	new_dir_path(dir, sizeof dir, name);
	CHECK_OK(session_open(dir, &s, &err), &err);
	snprintf(list, sizeof list, "%s", tracks);
	for (char *t = strtok(list, " "); s && t; t = strtok(NULL, " "))
		CHECK_OK(session_add_track(s, t, NULL, NULL, &err), &err);
	return s;
}

static void test_track_add_defaults(void)
{
	struct error err = { 0 };
	/* The array grows with realloc, which does not zero: every new
	 * track must still start at unity gain, centre, no group or colour,
	 * not rec-safe. */
	struct session *s = tr_session("track-defaults", "t0 t1 t2");
	if (!s)
		return;
	for (size_t i = 0; i < s->track_count; i++) {
		const struct session_track *t = &s->tracks[i];
		CHECK(t->gain_db == 0.0 && t->pan == 0.0 && !t->rec_safe);
		CHECK_STR(t->group, "");
		CHECK_STR(t->colour, "");
	}
	CHECK_OK(session_check_track_name(s, "new", &err), &err);
	CHECK(session_check_track_name(s, "t1", &err) == RL_ERR_EXISTS);
	CHECK_CONTAINS(err.message, "track 2 is already named \"t1\"");
	CHECK(session_check_track_name(s, "a/b", &err) == RL_ERR_INVALID);
	CHECK(session_check_track_name(NULL, "x", &err) == RL_ERR_INVALID);
	session_free(s);
}

static void test_track_rename(void)
{
	struct error err = { 0 };
	struct session *r = NULL;
	struct session *s = tr_session("track-rename", "kick snare vox");
	if (!s)
		return;
	const char *dir = s->dir;
	const uint32_t both[] = { 1, 2 }, snare[] = { 2 };
	add_disk_take(s, both, 2, NULL);  /* 1 */
	add_disk_take(s, snare, 1, NULL); /* 2 */

	CHECK_OK(session_rename_track(s, 1, "snare-top", &err), &err);
	CHECK_STR(s->tracks[1].name, "snare-top");
	CHECK(session_find_track(s, "snare") == -1);
	CHECK(session_find_track(s, "snare-top") == 1);
	const struct session_take *t1 = session_find_take(s, 1);
	const struct session_take *t2 = session_find_take(s, 2);
	CHECK_STR(t1->files[0].track_name, "kick");
	CHECK_STR(t1->files[1].track_name, "snare-top");
	CHECK_STR(t2->files[0].track_name, "snare-top");
	/* Nothing is renamed on disk: the paths keep the recorded name. */
	CHECK_STR(t1->files[1].path, "takes/001/02-snare.wav");
	CHECK_STR(t2->files[0].path, "takes/002/02-snare.wav");
	char p[SESSION_PATH_MAX + 80];
	snprintf(p, sizeof p, "%s/%s", dir, t2->files[0].path);
	CHECK(exists(p));
	/* Its own name is no clash. */
	CHECK_OK(session_rename_track(s, 1, "snare-top", &err), &err);
	char name[80];
	memset(name, 'n', 63);
	name[63] = '\0';
	CHECK_OK(session_rename_track(s, 2, name, &err), &err);
	CHECK_OK(session_rename_track(s, 2, "Gesang \xc3\xa4", &err), &err);

	char *before = tr_saved_json(s);
	CHECK(before != NULL);
	CHECK(session_rename_track(s, 1, "kick", &err) == RL_ERR_EXISTS);
	CHECK_CONTAINS(err.message, "cannot rename track 2 (snare-top)");
	CHECK_CONTAINS(err.message, "\"kick\"");
	CHECK(session_rename_track(s, 1, "", &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "snare-top");
	CHECK(session_rename_track(s, 1, NULL, &err) == RL_ERR_INVALID);
	CHECK(session_rename_track(s, 1, "snare/top", &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "'/'");
	CHECK(session_rename_track(s, 1, "snare\ttop", &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "control character");
	CHECK(session_rename_track(s, 1, "snare\x7f", &err) == RL_ERR_INVALID);
	CHECK(session_rename_track(s, 1, "bad\xff", &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "UTF-8");
	memset(name, 'y', 64);
	name[64] = '\0';
	CHECK(session_rename_track(s, 1, name, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "at most 63");
	CHECK(session_rename_track(s, 3, "x", &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "no track 4");
	CHECK(session_rename_track(NULL, 0, "x", &err) == RL_ERR_INVALID);
	CHECK_UNCHANGED(s, before);
	free(before);

	/* Round trip. */
	CHECK_OK(session_save(s, &err), &err);
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		CHECK_STR(r->tracks[1].name, "snare-top");
		CHECK_STR(r->tracks[2].name, "Gesang \xc3\xa4");
		CHECK_STR(session_find_take(r, 1)->files[1].track_name,
		          "snare-top");
		CHECK_STR(session_find_take(r, 2)->files[0].path,
		          "takes/002/02-snare.wav");
		CHECK(tr_files_consistent(r));
	}
	session_free(r);
	session_free(s);
}

/* Take number and path of what plays on track `name`, "-" for nothing. */
static void tr_plays(const struct session *s, const char *name, char *out,
                     size_t size)
{
	int idx = session_find_track(s, name);
	const struct session_take_file *f = NULL;
	const struct session_take *t =
		idx >= 0 ? session_keeper_of(s, (uint32_t)idx + 1, &f) : NULL;
	if (t && f)
		snprintf(out, size, "%u %s%s", t->number, f->path,
		         f->keeper ? " kept" : "");
	else
		snprintf(out, size, "-");
}

static void test_track_move(void)
{
	struct error err = { 0 };
	struct session *r = NULL;
	static const char *const names[] = { "a", "b", "c", "d" };
	char expect[4][SESSION_PATH_MAX + 32], got[SESSION_PATH_MAX + 32];
	struct session *s = tr_session("track-move", "a b c d");
	if (!s)
		return;
	const char *dir = s->dir;
	const uint32_t all[] = { 1, 2, 3, 4 }, bd[] = { 2, 4 }, ac[] = { 1, 3 };
	add_disk_take(s, all, 4, NULL); /* 1 */
	add_disk_take(s, bd, 2, NULL);  /* 2 */
	add_disk_take(s, ac, 2, NULL);  /* 3 */
	/* b: flagged keeper take 1 (over the later take 2); a, c: latest
	 * take 3; d: latest take 2. */
	CHECK_OK(session_set_keeper(s, 1, 2, &err), &err);
	for (int i = 0; i < 4; i++)
		tr_plays(s, names[i], expect[i], sizeof expect[i]);
	CHECK_STR(expect[0], "3 takes/003/01-a.wav");
	CHECK_STR(expect[1], "1 takes/001/02-b.wav kept");
	CHECK_STR(expect[3], "2 takes/002/04-d.wav");

	static const struct { size_t from, to; const char *order; } moves[] = {
		{ 0, 3, "bcda" }, /* to the end */
		{ 3, 0, "abcd" }, /* and back */
		{ 1, 2, "acbd" }, /* neighbours */
		{ 3, 1, "adcb" }, /* up, past one */
		{ 2, 2, "adcb" }, /* nowhere */
	};
	for (size_t m = 0; m < sizeof moves / sizeof *moves; m++) {
		CHECK_OK(session_move_track(s, moves[m].from, moves[m].to,
		                            &err), &err);
		char order[8] = "";
		for (size_t i = 0; i < s->track_count && i < 4; i++)
			order[i] = s->tracks[i].name[0];
		CHECK_STR(order, moves[m].order);
		CHECK(tr_files_consistent(s));
		for (int i = 0; i < 4; i++) {
			tr_plays(s, names[i], got, sizeof got);
			CHECK_STR(got, expect[i]);
		}
	}
	/* The keeper flag is still one per track, and follows b. */
	int b = session_find_track(s, "b");
	CHECK(b == 3);
	CHECK(session_keeper_of(s, (uint32_t)b + 1, NULL) ==
	      session_find_take(s, 1));
	char k[64];
	keepers_of(s, (uint32_t)b + 1, k, sizeof k);
	CHECK_STR(k, "1");
	keepers_of(s, 2, k, sizeof k); /* d is track 2 now: no flag */
	CHECK_STR(k, "");

	char *before = tr_saved_json(s);
	CHECK(before != NULL);
	CHECK(session_move_track(s, 4, 0, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "no track 5");
	CHECK(session_move_track(s, 1, 4, &err) == RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "cannot move track 2 (d) to position 5");
	CHECK(session_move_track(NULL, 0, 0, &err) == RL_ERR_INVALID);
	CHECK_UNCHANGED(s, before);
	free(before);

	/* Round trip: numbers and keepers as moved. */
	CHECK_OK(session_save(s, &err), &err);
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		CHECK(tr_files_consistent(r));
		for (int i = 0; i < 4; i++) {
			tr_plays(r, names[i], got, sizeof got);
			CHECK_STR(got, expect[i]);
		}
		CHECK(session_find_take(r, 1)->files[1].track == 4);
		CHECK_STR(session_find_take(r, 1)->files[1].path,
		          "takes/001/02-b.wav");
	}
	session_free(r);

	/* Comps carry track numbers too; they follow their track. */
	s->comps = calloc(2, sizeof *s->comps);
	if (s->comps) {
		s->comp_count = 2;
		s->comps[0].number = 1;
		s->comps[0].track = 4; /* b */
		s->comps[1].number = 2;
		s->comps[1].track = 1; /* a */
		CHECK_OK(session_move_track(s, 3, 0, &err), &err); /* badc */
		CHECK(s->comps[0].track == 1 && s->comps[1].track == 2);
	}
	session_free(s);
}

static void test_track_source(void)
{
	struct error err = { 0 };
	struct session *s = tr_session("track-source", "kick snare");
	if (!s)
		return;
	CHECK_OK(session_set_track_source(s, 0, "system:capture_1", &err),
	         &err);
	CHECK_OK(session_set_track_source(s, 1, "system:capture_2", &err),
	         &err);
	CHECK_STR(s->tracks[1].source, "system:capture_2");
	/* Its own port again is fine. */
	CHECK_OK(session_set_track_source(s, 1, "system:capture_2", &err),
	         &err);
	CHECK_OK(session_set_track_source(s, 1, NULL, &err), &err);
	CHECK_STR(s->tracks[1].source, "");
	CHECK_OK(session_set_track_source(s, 1, "USB Audio:capture_1", &err),
	         &err);
	CHECK_OK(session_set_track_source(s, 1, "", &err), &err);
	CHECK_STR(s->tracks[1].source, "");
	char port[400];
	memset(port, 'p', sizeof port);
	memcpy(port, "c:", 2);
	port[SESSION_PORT_MAX - 1] = '\0';
	CHECK_OK(session_set_track_source(s, 1, port, &err), &err);
	CHECK_OK(session_set_track_source(s, 1, "system:capture_2", &err),
	         &err);
	/* A port is one track's, also as a stereo track's right input; one
	 * port makes a stereo track mono. */
	snprintf(s->tracks[0].source_right, sizeof s->tracks[0].source_right,
	         "system:capture_9");
	CHECK(session_set_track_source(s, 1, "system:capture_9", &err) ==
	      RL_ERR_EXISTS);
	CHECK_CONTAINS(err.message, "input of track 1 (kick)");
	CHECK_OK(session_set_track_source(s, 0, "system:capture_1", &err),
	         &err);
	CHECK_STR(s->tracks[0].source_right, "");

	char *before = tr_saved_json(s);
	CHECK(before != NULL);
	CHECK(session_set_track_source(s, 1, "system:capture_1", &err) ==
	      RL_ERR_EXISTS);
	CHECK_CONTAINS(err.message, "track 2 (snare)");
	CHECK_CONTAINS(err.message, "input of track 1 (kick)");
	CHECK(session_set_track_source(s, 1, "capture_2", &err) ==
	      RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "CLIENT:PORT");
	CHECK(session_set_track_source(s, 1, ":x", &err) == RL_ERR_INVALID);
	CHECK(session_set_track_source(s, 1, "x:", &err) == RL_ERR_INVALID);
	CHECK(session_set_track_source(s, 1, "a:b\n", &err) == RL_ERR_INVALID);
	CHECK(session_set_track_source(s, 1, "a:\xc0\xaf", &err) ==
	      RL_ERR_INVALID);
	port[SESSION_PORT_MAX - 1] = 'p';
	port[SESSION_PORT_MAX] = '\0';
	CHECK(session_set_track_source(s, 1, port, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "at most 319");
	CHECK(session_set_track_source(s, 2, "a:b", &err) == RL_ERR_NOT_FOUND);
	CHECK_UNCHANGED(s, before);
	free(before);
	session_free(s);
}

static void test_track_group_colour(void)
{
	struct error err = { 0 };
	struct session *s = tr_session("track-look", "kick");
	if (!s)
		return;
	CHECK_OK(session_set_track_group(s, 0, "drums", &err), &err);
	CHECK_STR(s->tracks[0].group, "drums");
	CHECK_OK(session_set_track_group(s, 0, NULL, &err), &err);
	CHECK_STR(s->tracks[0].group, "");
	char group[40];
	memset(group, 'g', sizeof group);
	group[31] = '\0';
	CHECK_OK(session_set_track_group(s, 0, group, &err), &err);
	CHECK_OK(session_set_track_group(s, 0, "Schlagzeug \xc3\xa4", &err),
	         &err);

	static const char *const good[] = {
		"red", "green", "blue", "yellow", "magenta", "cyan", "white",
		"orange", "purple", "#a0b1c2", "#000000",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		CHECK(session_colour_valid(good[i]));
		CHECK_OK(session_set_track_colour(s, 0, good[i], &err), &err);
		CHECK_STR(s->tracks[0].colour, good[i]);
	}
	CHECK_OK(session_set_track_colour(s, 0, "#A0B1c2", &err), &err);
	CHECK_STR(s->tracks[0].colour, "#a0b1c2");
	CHECK_OK(session_set_track_colour(s, 0, "Orange", &err), &err);
	CHECK_STR(s->tracks[0].colour, "orange");
	CHECK_OK(session_set_track_colour(s, 0, "", &err), &err);
	CHECK_STR(s->tracks[0].colour, "");
	CHECK_OK(session_set_track_colour(s, 0, NULL, &err), &err);
	CHECK_OK(session_set_track_colour(s, 0, "cyan", &err), &err);

	char *before = tr_saved_json(s);
	CHECK(before != NULL);
	static const char *const bad[] = {
		"mauve", "black", "#12345", "#1234567", "#12345g", "123456",
		"#", "red ", "reddish-orange-brown",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(!session_colour_valid(bad[i]));
		CHECK(session_set_track_colour(s, 0, bad[i], &err) ==
		      RL_ERR_INVALID);
		CHECK_CONTAINS(err.message, "track 1 (kick)");
		CHECK_CONTAINS(err.message, "not a colour");
	}
	CHECK(!session_colour_valid(NULL) && !session_colour_valid(""));
	group[31] = 'g';
	group[32] = '\0';
	CHECK(session_set_track_group(s, 0, group, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "at most 31");
	CHECK(session_set_track_group(s, 0, "dr\x01ms", &err) ==
	      RL_ERR_INVALID);
	CHECK(session_set_track_group(s, 0, "dr\xffms", &err) ==
	      RL_ERR_INVALID);
	CHECK(session_set_track_group(s, 1, "x", &err) == RL_ERR_NOT_FOUND);
	CHECK(session_set_track_colour(s, 1, "red", &err) ==
	      RL_ERR_NOT_FOUND);
	CHECK_UNCHANGED(s, before);
	free(before);
	session_free(s);
}

static void test_track_mix_edits(void)
{
	struct error err = { 0 };
	struct session *r = NULL;
	struct session *s = tr_session("track-mix-edits", "kick vox");
	if (!s)
		return;
	const char *dir = s->dir;
	CHECK_OK(session_set_track_rec_safe(s, 0, true, &err), &err);
	CHECK(s->tracks[0].rec_safe);
	CHECK_OK(session_set_track_rec_safe(s, 0, false, &err), &err);
	CHECK(!s->tracks[0].rec_safe);
	CHECK_OK(session_set_track_gain(s, 0, 24.0, &err), &err);
	CHECK_OK(session_set_track_gain(s, 0, -INFINITY, &err), &err);
	CHECK(isinf(s->tracks[0].gain_db) && s->tracks[0].gain_db < 0);
	CHECK_OK(session_set_track_gain(s, 0, -4.5, &err), &err);
	CHECK(s->tracks[0].gain_db == -4.5);
	CHECK_OK(session_set_track_pan(s, 0, -1.0, &err), &err);
	CHECK_OK(session_set_track_pan(s, 0, 1.0, &err), &err);
	CHECK_OK(session_set_track_pan(s, 0, -0.25, &err), &err);
	CHECK(s->tracks[0].pan == -0.25);

	char *before = tr_saved_json(s);
	CHECK(before != NULL);
	CHECK(session_set_track_gain(s, 0, 24.001, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "track 1 (kick)");
	CHECK_CONTAINS(err.message, "+24 dB");
	CHECK(session_set_track_gain(s, 0, NAN, &err) == RL_ERR_INVALID);
	CHECK(session_set_track_gain(s, 0, INFINITY, &err) == RL_ERR_INVALID);
	CHECK(session_set_track_pan(s, 0, 1.01, &err) == RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "pan 1.01 is out of range");
	CHECK(session_set_track_pan(s, 0, -1.01, &err) == RL_ERR_INVALID);
	CHECK(session_set_track_pan(s, 0, NAN, &err) == RL_ERR_INVALID);
	CHECK(session_set_track_pan(s, 0, 2.0, &err) == RL_ERR_INVALID);
	CHECK(session_set_track_gain(s, 2, 0, &err) == RL_ERR_NOT_FOUND);
	CHECK(session_set_track_pan(s, 2, 0, &err) == RL_ERR_NOT_FOUND);
	CHECK(session_set_track_rec_safe(s, 2, true, &err) ==
	      RL_ERR_NOT_FOUND);
	CHECK_CONTAINS(err.message, "no track 3 (the session has 2 tracks)");
	CHECK_UNCHANGED(s, before);
	free(before);

	/* Everything survives a save and reopen; mute as null. */
	CHECK_OK(session_set_track_gain(s, 1, -INFINITY, &err), &err);
	CHECK_OK(session_set_track_pan(s, 1, 0.5, &err), &err);
	CHECK_OK(session_set_track_rec_safe(s, 1, true, &err), &err);
	CHECK_OK(session_set_track_group(s, 1, "vocals", &err), &err);
	CHECK_OK(session_set_track_colour(s, 1, "#FFaa00", &err), &err);
	CHECK_OK(session_set_track_source(s, 1, "system:capture_9", &err),
	         &err);
	CHECK_OK(session_save(s, &err), &err);
	CHECK_OK(session_open(dir, &r, &err), &err);
	if (r) {
		const struct session_track *k = &r->tracks[0], *v = &r->tracks[1];
		CHECK(k->gain_db == -4.5 && k->pan == -0.25 && !k->rec_safe);
		CHECK(isinf(v->gain_db) && v->gain_db < 0);
		CHECK(v->pan == 0.5 && v->rec_safe);
		CHECK_STR(v->group, "vocals");
		CHECK_STR(v->colour, "#ffaa00");
		CHECK_STR(v->source, "system:capture_9");
	}
	session_free(r);
	session_free(s);
}

int main(void)
{
	if (!check_tmpdir(root, sizeof root, "session"))
		return 2;

	test_open_creates_layout();
	test_open_errors();
	test_tracks();
	test_round_trip();
	test_put_take_errors();
	test_reserve_never_reuses();
	test_relpath();
	test_valid_hand_written();
	test_settings_round_trip();
	test_track_mix();
	test_malformed();
	test_malformed_truncated();
	test_save_failures();
	test_metadata_round_trip();
	test_metadata_defaults();
	test_metadata_malformed();
	test_rating_note();
	test_add_marker();
	test_keepers();
	test_discard_restore();
	test_discard_save_fails();
	test_trash_take_dir();
	test_headroom();
	test_track_add_defaults();
	test_track_rename();
	test_track_move();
	test_track_source();
	test_track_group_colour();
	test_track_mix_edits();

	if (check_failures) {
		fprintf(stderr, "test_session: %d of %d checks failed (files "
		        "kept in %s)\n", check_failures, check_count, root);
		return 1;
	}
	check_rmtree(root);
	printf("test_session: all %d checks passed\n", check_count);
	return 0;
}
