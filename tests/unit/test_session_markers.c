/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The session's timeline markers (session_markers.c): add, move, rename,
 * remove with their rules; frame order; session.json's top-level
 * "markers" saved and read back; an older session.json (markers only
 * inside its takes) read into the list; a malformed list refused.
 */
#include "check.h"

#include "redlight/session.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static char root[512];

static void new_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", root, name);
}

static void write_session(const char *dir, const char *text)
{
	char p[700];
	CHECK(mkdir(dir, 0777) == 0);
	snprintf(p, sizeof p, "%s/session.json", dir);
	FILE *f = fopen(p, "w");
	REQUIRE(f);
	fputs(text, f);
	fclose(f);
}

/* Names in list order, "a,b,c". */
static const char *names(const struct session *s, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < s->marker_count; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		         i ? "," : "", s->markers[i].name);
	return buf;
}

static void test_edit(void)
{
	struct error err = { 0 };
	struct session *s = NULL;
	char dir[600], buf[256];
	new_dir(dir, sizeof dir, "edit");
	REQUIRE_OK(session_open(dir, &s, &err), &err);

	size_t at = 99;
	CHECK_OK(session_add_marker(s, 96000, "chorus", 0, &at, &err), &err);
	CHECK_EQ_U64(at, 0);
	CHECK_OK(session_add_marker(s, 48000, "verse", 3, &at, &err), &err);
	CHECK_EQ_U64(at, 0);
	/* Equal frames keep the order they were set in. */
	CHECK_OK(session_add_marker(s, 48000, NULL, 0, &at, &err), &err);
	CHECK_EQ_U64(at, 1);
	CHECK_STR(names(s, buf, sizeof buf), "verse,marker 3,chorus");
	CHECK_EQ_U64(s->markers[0].take, 3);

	/* Refusals name what is wrong and change nothing. */
	CHECK_REFUSED(session_add_marker(s, 0, "verse", 0, NULL, &err),
	              RL_ERR_EXISTS, "already a marker \"verse\"", &err);
	CHECK_REFUSED(session_add_marker(s, 0, "17", 0, NULL, &err),
	              RL_ERR_INVALID, "reads as a position", &err);
	/* " 410" too: the parser skips leading spaces (found by
	 * tests/fuzz/fuzz_position.c). */
	const char *positions[] = { "17|3", "17|3|0", "12.5s", "48000f",
	                            "-2s", "0", " 410", "  12.5s" };
	for (size_t i = 0; i < sizeof positions / sizeof *positions; i++)
		CHECK_REFUSED(session_check_marker_name(s, positions[i], &err),
		              RL_ERR_INVALID, "reads as a position", &err);
	CHECK_OK(session_check_marker_name(s, "17th bar", &err), &err);
	CHECK_OK(session_check_marker_name(s, "fills", &err), &err);
	CHECK_OK(session_check_marker_name(s, " fills", &err), &err);
	CHECK_REFUSED(session_check_marker_name(s, "a:b", &err),
	              RL_ERR_INVALID, "START:END", &err);
	CHECK_REFUSED(session_check_marker_name(s, "a\tb", &err),
	              RL_ERR_INVALID, "control character", &err);
	CHECK_REFUSED(session_check_marker_name(s, "bad\xff", &err),
	              RL_ERR_INVALID, "UTF-8", &err);
	CHECK_REFUSED(session_check_marker_name(s, "", &err), RL_ERR_INVALID,
	              "needs a name", &err);
	char big[80];
	memset(big, 'x', 64);
	big[64] = '\0';
	CHECK_REFUSED(session_check_marker_name(s, big, &err),
	              RL_ERR_INVALID, "at most 63", &err);
	CHECK_EQ_U64(s->marker_count, 3);

	/* Moving keeps frame order. */
	at = (size_t)session_find_marker(s, "verse");
	CHECK_OK(session_move_marker(s, &at, 200000, &err), &err);
	CHECK_EQ_U64(at, 2);
	CHECK_STR(names(s, buf, sizeof buf), "marker 3,chorus,verse");
	CHECK_EQ_U64(s->markers[2].frame, 200000);
	at = 7;
	CHECK_REFUSED(session_move_marker(s, &at, 1, &err), RL_ERR_NOT_FOUND,
	              "no marker 8", &err);

	CHECK_OK(session_rename_marker(s, 0, "intro", &err), &err);
	CHECK_OK(session_rename_marker(s, 0, "intro", &err), &err);
	CHECK_REFUSED(session_rename_marker(s, 0, "chorus", &err),
	              RL_ERR_EXISTS, "already a marker", &err);
	CHECK_STR(names(s, buf, sizeof buf), "intro,chorus,verse");

	CHECK_OK(session_remove_marker(s, 1, &err), &err);
	CHECK_STR(names(s, buf, sizeof buf), "intro,verse");
	CHECK_REFUSED(session_remove_marker(s, 2, &err), RL_ERR_NOT_FOUND,
	              "no marker 3", &err);

	/* Default and unique names skip the ones in use. */
	char name[SESSION_NAME_MAX];
	CHECK_OK(session_add_marker(s, 5, "marker 3", 0, NULL, &err), &err);
	session_marker_default_name(s, name);
	CHECK_STR(name, "marker 4");
	session_marker_unique_name(s, "verse", name);
	CHECK_STR(name, "verse 2");
	session_marker_unique_name(s, "new", name);
	CHECK_STR(name, "new");
	/* A long name is cut (on a character) to make room for the tail. */
	char longname[SESSION_NAME_MAX];
	memset(longname, 'y', 61);
	memcpy(longname + 61, "\xc3\xa4", 3); /* 63 bytes */
	CHECK_OK(session_add_marker(s, 9, longname, 0, NULL, &err), &err);
	session_marker_unique_name(s, longname, name);
	CHECK_EQ_U64(strlen(name), 63);
	CHECK(session_utf8_valid(name));
	CHECK(!strcmp(name + 61, " 2"));
	session_free(s);
}

/* Saved and read back, as an exporter sees it. */
static void test_round_trip(void)
{
	struct error err = { 0 };
	struct session *s = NULL, *r = NULL;
	char dir[600], buf[256];
	new_dir(dir, sizeof dir, "round");
	REQUIRE_OK(session_open(dir, &s, &err), &err);
	CHECK_OK(session_add_marker(s, 480000, "solo \xc3\xa4", 2, NULL, &err),
	         &err);
	CHECK_OK(session_add_marker(s, 0, "top", 0, NULL, &err), &err);
	CHECK_OK(session_save(s, &err), &err);
	REQUIRE_OK(session_open(dir, &r, &err), &err);
	CHECK_STR(names(r, buf, sizeof buf), "top,solo \xc3\xa4");
	CHECK_EQ_U64(r->markers[1].frame, 480000);
	CHECK_EQ_U64(r->markers[1].take, 2);
	CHECK_EQ_U64(r->markers[0].take, 0);
	session_free(r);
	session_free(s);
}

#define TAKE(n, start, markers)                                              \
	"    { \"number\": " #n ", \"started_at\": \"2026-11-22T10:00:00+0100\",\n" \
	"      \"start_frame\": " #start ", \"length\": 96000, \"sample_rate\": 48000,\n" \
	"      \"format\": \"pcm24\", \"xruns\": 0, \"dropped_frames\": 0,\n"    \
	"      \"complete\": true, \"recovered\": false, \"end_reason\": \"\",\n" \
	"      \"markers\": [" markers "], \"files\": [] }"

static const char old_json[] =
	"{ \"redlight_session\": 1, \"sample_rate\": 48000, \"format\": \"pcm24\",\n"
	"  \"tracks\": [],\n"
	"  \"takes\": [\n"
	TAKE(1, 48000, "{ \"frame\": 60000, \"name\": \"verse\" },"
	               "{ \"frame\": 50000, \"name\": \"marker 1\" }") ",\n"
	TAKE(2, 0, "{ \"frame\": 10000, \"name\": \"verse\" }") "\n"
	"  ] }\n";

/* An older session.json: its takes' markers become the timeline's. */
static void test_old_form(void)
{
	struct error err = { 0 };
	struct session *s = NULL, *r = NULL;
	char dir[600], buf[256];
	new_dir(dir, sizeof dir, "old");
	write_session(dir, old_json);
	REQUIRE_OK(session_open(dir, &s, &err), &err);
	CHECK_STR(names(s, buf, sizeof buf), "verse 2,marker 1,verse");
	CHECK_EQ_U64(s->markers[0].frame, 10000);
	CHECK_EQ_U64(s->markers[0].take, 2);
	CHECK_EQ_U64(s->markers[2].take, 1);
	/* The takes keep theirs. */
	CHECK_EQ_U64(session_find_take(s, 1)->marker_count, 2);
	/* Saved, the list is read as it is: no second copy. */
	CHECK_OK(session_remove_marker(s, 1, &err), &err);
	CHECK_OK(session_save(s, &err), &err);
	REQUIRE_OK(session_open(dir, &r, &err), &err);
	CHECK_STR(names(r, buf, sizeof buf), "verse 2,verse");
	session_free(r);
	session_free(s);
}

static void expect_refused(const char *name, const char *markers,
                           const char *what)
{
	char dir[600], text[1024];
	new_dir(dir, sizeof dir, name);
	snprintf(text, sizeof text, "{ \"redlight_session\": 1, "
	         "\"sample_rate\": 0, \"format\": \"pcm24\", \"tracks\": [], "
	         "\"takes\": [], \"markers\": %s }\n", markers);
	write_session(dir, text);
	struct session *s = NULL;
	struct error err = { 0 };
	CHECK_REFUSED(session_open(dir, &s, &err), RL_ERR_FORMAT, what, &err);
	session_free(s);
}

/* A hand-edited list out of order is sorted; a broken one refused. */
static void test_hand_written(void)
{
	char dir[600], buf[256];
	new_dir(dir, sizeof dir, "hand");
	write_session(dir, "{ \"redlight_session\": 1, \"sample_rate\": 0, "
	              "\"format\": \"pcm24\", \"tracks\": [], \"takes\": [], "
	              "\"markers\": [ { \"name\": \"b\", \"frame\": 9 }, "
	              "{ \"name\": \"a\", \"frame\": 3, \"take\": 4 } ] }\n");
	struct session *s = NULL;
	struct error err = { 0 };
	REQUIRE_OK(session_open(dir, &s, &err), &err);
	CHECK_STR(names(s, buf, sizeof buf), "a,b");
	CHECK_EQ_U64(s->markers[0].take, 4);
	session_free(s);

	expect_refused("dup", "[ { \"name\": \"a\", \"frame\": 1 }, "
	               "{ \"name\": \"a\", \"frame\": 2 } ]",
	               "markers[1].name: \"a\" is the name of markers[0] too");
	expect_refused("noframe", "[ { \"name\": \"a\" } ]",
	               "markers[0].frame");
	expect_refused("notarray", "{}", "markers: expected an array");
}

int main(void)
{
	if (!check_tmpdir(root, sizeof root, "session_markers"))
		return 2;
	test_edit();
	test_round_trip();
	test_old_form();
	test_hand_written();
	if (check_failures) {
		fprintf(stderr, "test_session_markers: %d of %d checks failed "
		        "(files kept in %s)\n", check_failures, check_count,
		        root);
		return 1;
	}
	check_rmtree(root);
	printf("test_session_markers: all %d checks passed\n", check_count);
	return 0;
}
