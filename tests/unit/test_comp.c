/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of the comp (keeper per section) and of comps in the
 * session: planning against a real tempo map, rendering real files and
 * reading them back with libsndfile, session.json round trip and its
 * errors, and what each track plays back.
 *
 * The session runs at 1000 Hz so files stay small: at 120 BPM in 4/4 a
 * bar is 2000 frames. The map: intro [0, 2000), verse [2000, 6000),
 * chorus [6000, 10000). Take k's file holds the constant k / 16 (exact
 * in every format), so every output frame names the take it came from.
 */
#include "check.h"
#include "redlight/comp.h"
#include "redlight/session.h"
#include "redlight/tempo_map.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE 1000
#define SONG "intro: 1 120\nverse: 2 120\nchorus: 2 120\n"

static char root[512];

static float take_level(uint32_t take)
{
	return (float)take / 16.0f;
}

/* A mono float WAV of `frames` frames of the constant `level`. */
static void write_wav(const char *path, sf_count_t frames, float level)
{
	SF_INFO info = { .samplerate = RATE, .channels = 1,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf) {
		fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
		exit(2);
	}
	float buf[256];
	for (size_t i = 0; i < 256; i++)
		buf[i] = level;
	for (sf_count_t done = 0; done < frames;) {
		sf_count_t n = frames - done < 256 ? frames - done : 256;
		sf_writef_float(sf, buf, n);
		done += n;
	}
	sf_close(sf);
}

/* Take `number` of track 1 ("vox"), and of track 2 ("gtr") if both. */
static void add_take(struct session *s, uint32_t number, uint64_t start,
                     uint64_t length, bool both)
{
	struct error err;
	char dir[700], path[800];
	struct session_take_file files[2];
	memset(files, 0, sizeof files);
	struct session_take t = {
		.number = number, .start_frame = start, .length = length,
		.sample_rate = RATE, .format = TAKE_FORMAT_FLOAT,
		.complete = true, .file_count = both ? 2 : 1, .files = files,
	};
	snprintf(dir, sizeof dir, "%s/takes/%03u", s->dir, number);
	mkdir(dir, 0777);
	for (uint32_t k = 0; k < t.file_count; k++) {
		files[k].track = k + 1;
		snprintf(files[k].track_name, sizeof files[k].track_name, "%s",
		         s->tracks[k].name);
		session_take_file_relpath(number, k + 1, s->tracks[k].name,
		                          files[k].path, sizeof files[k].path);
		files[k].peak_dbfs = -INFINITY;
		snprintf(path, sizeof path, "%s/%s", s->dir, files[k].path);
		write_wav(path, (sf_count_t)length, take_level(number));
	}
	CHECK_OK(session_put_take(s, &t, &err), &err);
}

/* A session in root/name: tracks vox and gtr; takes 1-3 cover the song
 * [0, 10000); take 4 is a punch-in on vox only, [7000, 8000). */
static struct session *make_session(const char *name)
{
	struct error err;
	char dir[600];
	struct session *s = NULL;
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	CHECK_OK(session_open(dir, &s, &err), &err);
	if (!s)
		exit(2);
	s->sample_rate = RATE;
	s->format = TAKE_FORMAT_FLOAT;
	CHECK_OK(session_add_track(s, "vox", NULL, NULL, &err), &err);
	CHECK_OK(session_add_track(s, "gtr", NULL, NULL, &err), &err);
	add_take(s, 1, 0, 10000, true);
	add_take(s, 2, 0, 10000, true);
	add_take(s, 3, 0, 10000, true);
	add_take(s, 4, 7000, 1000, false);
	CHECK_OK(session_set_keeper(s, 1, 0, &err), &err);
	CHECK_OK(session_save(s, &err), &err);
	return s;
}

static struct tempo_map *song_map(void)
{
	struct error err;
	struct tempo_map *map = NULL;
	CHECK_OK(tempo_map_parse(SONG, strlen(SONG), "song.map", RATE, &map,
	                         &err), &err);
	if (!map)
		exit(2);
	return map;
}

struct want_piece {
	int64_t from, to;
	uint32_t take;
	const char *section;
};

static void check_pieces(const struct session_comp_piece *got, size_t n,
                         const struct want_piece *want, size_t wn, int line)
{
	if (n != wn) {
		fprintf(stderr, "test_comp.c:%d: %zu pieces, want %zu\n", line,
		        n, wn);
		check_failures++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (got[i].from != want[i].from || got[i].to != want[i].to ||
		    got[i].take != want[i].take ||
		    strcmp(got[i].section, want[i].section)) {
			fprintf(stderr, "test_comp.c:%d: piece %zu is [%lld, "
			        "%lld) take %u \"%s\", want [%lld, %lld) take "
			        "%u \"%s\"\n", line, i, (long long)got[i].from,
			        (long long)got[i].to, got[i].take,
			        got[i].section, (long long)want[i].from,
			        (long long)want[i].to, want[i].take,
			        want[i].section);
			check_failures++;
		}
	}
}

#define PLAN_IS(s, map, track, base, choices, want)                        \
	do {                                                               \
		struct error e_;                                           \
		struct session_comp_piece *p_ = NULL;                      \
		size_t n_ = 0;                                             \
		CHECK_OK(comp_plan((s), (map), (track), (base), (choices), \
		                   sizeof(choices) / sizeof(choices)[0],   \
		                   &p_, &n_, &e_), &e_);                   \
		check_pieces(p_, n_, (want), sizeof(want) / sizeof(want)[0], \
		             __LINE__);                                    \
		free(p_);                                                  \
	} while (0)

static void test_plan(void)
{
	struct session *s = make_session("plan");
	struct tempo_map *map = song_map();

	/* The base (keeper, take 1) outside the chosen sections. */
	const struct comp_choice c1[] = { { "verse", 2 }, { "chorus", 3 } };
	const struct want_piece w1[] = {
		{ 0, 2000, 1, "" }, { 2000, 6000, 2, "verse" },
		{ 6000, 10000, 3, "chorus" },
	};
	PLAN_IS(s, map, 1, 0, c1, w1);

	/* One take for two neighbouring sections is one piece; an explicit
	 * base. */
	const struct comp_choice c2[] = { { "verse", 2 }, { "chorus", 2 } };
	const struct want_piece w2[] = {
		{ 0, 2000, 3, "" }, { 2000, 10000, 2, "verse+chorus" },
	};
	PLAN_IS(s, map, 1, 3, c2, w2);

	/* A punch-in take covers only part of its section: the base plays
	 * around it, never silence. */
	const struct comp_choice c3[] = { { "chorus", 4 } };
	const struct want_piece w3[] = {
		{ 0, 7000, 1, "" }, { 7000, 8000, 4, "chorus" },
		{ 8000, 10000, 1, "" },
	};
	PLAN_IS(s, map, 1, 0, c3, w3);

	/* No choices: the base alone. */
	const struct comp_choice c4[] = { { "intro", 1 } };
	const struct want_piece w4[] = { { 0, 10000, 1, "intro" } };
	PLAN_IS(s, map, 1, 0, c4, w4);

	/* The comp spans every take it uses: take 4 as the base spans only
	 * [7000, 8000), take 2 in the verse widens it to [0, 10000). */
	const struct comp_choice c5[] = { { "verse", 2 } };
	const struct want_piece w5[] = {
		{ 0, 2000, 4, "" }, { 2000, 6000, 2, "verse" },
		{ 6000, 10000, 4, "" },
	};
	PLAN_IS(s, map, 1, 4, c5, w5);

	tempo_map_free(map);
	session_free(s);
}

static void test_plan_refusals(void)
{
	struct session *s = make_session("refusals");
	struct tempo_map *map = song_map();
	struct error err;
	struct session_comp_piece *p = NULL;
	size_t n = 99;

	const struct comp_choice bridge[] = { { "bridge", 2 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, bridge, 1, &p, &n, &err),
	            RL_ERR_NOT_FOUND, "bridge", &err);
	CHECK(strstr(err.message, "verse") != NULL); /* lists them */
	CHECK(p == NULL && n == 0);
	const struct comp_choice twice[] = { { "verse", 2 }, { "verse", 3 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, twice, 2, &p, &n, &err),
	            RL_ERR_INVALID, "section verse is chosen twice", &err);
	const struct comp_choice none[] = { { "verse", 9 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, none, 1, &p, &n, &err),
	            RL_ERR_NOT_FOUND, "no take 9", &err);
	/* Take 4 has no gtr, and no audio in the verse. */
	const struct comp_choice gtr[] = { { "chorus", 4 } };
	CHECK_FAILS(comp_plan(s, map, 2, 0, gtr, 1, &p, &n, &err),
	            RL_ERR_NOT_FOUND, "take 4 has no recording of track gtr",
	            &err);
	const struct comp_choice silent[] = { { "verse", 4 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, silent, 1, &p, &n, &err),
	            RL_ERR_INVALID, "take 4 has no audio in section verse",
	            &err);
	CHECK_FAILS(comp_plan(s, map, 3, 0, NULL, 0, &p, &n, &err),
	            RL_ERR_NOT_FOUND, "has no track 3", &err);
	CHECK_FAILS(comp_plan(s, map, 1, 7, NULL, 0, &p, &n, &err),
	            RL_ERR_NOT_FOUND, "no take 7", &err);

	/* Discarded and incomplete takes are not material for a comp. */
	CHECK_OK(session_discard_take(s, 2, &err), &err);
	const struct comp_choice two[] = { { "verse", 2 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, two, 1, &p, &n, &err),
	            RL_ERR_STATE, "take 2 is discarded", &err);
	session_find_take(s, 3)->complete = false;
	const struct comp_choice three[] = { { "verse", 3 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, three, 1, &p, &n, &err),
	            RL_ERR_STATE, "take 3 is not complete", &err);

	/* A track with no take at all has no base. */
	CHECK_OK(session_add_track(s, "keys", NULL, NULL, &err), &err);
	CHECK_FAILS(comp_plan(s, map, 3, 0, NULL, 0, &p, &n, &err),
	            RL_ERR_NOT_FOUND, "track keys has no take to comp from",
	            &err);
	CHECK(p == NULL);
	tempo_map_free(map);

	/* A section whose name starts like another's is its own: take 4
	 * has nothing in "verse", however well it covers "verse2". */
	static const char similar[] = "intro: 1 120\nverse: 2 120\n"
	                              "verse2: 2 120\n";
	CHECK_OK(tempo_map_parse(similar, strlen(similar), "similar.map",
	                         RATE, &map, &err), &err);
	const struct comp_choice sim[] = { { "verse", 4 }, { "verse2", 4 } };
	CHECK_FAILS(comp_plan(s, map, 1, 0, sim, 2, &p, &n, &err),
	            RL_ERR_INVALID, "take 4 has no audio in section verse of",
	            &err);
	tempo_map_free(map);

	/* Long labels, one take for all of them: one piece, nothing
	 * refused because the joined names are long. */
	static const char longer[] =
		"a_section_label_that_is_quite_long_1: 1 120\n"
		"a_section_label_that_is_quite_long_2: 2 120\n"
		"a_section_label_that_is_quite_long_3: 2 120\n";
	CHECK_OK(tempo_map_parse(longer, strlen(longer), "long.map", RATE,
	                         &map, &err), &err);
	const struct comp_choice ln[] = {
		{ "a_section_label_that_is_quite_long_1", 1 },
		{ "a_section_label_that_is_quite_long_2", 1 },
		{ "a_section_label_that_is_quite_long_3", 1 },
	};
	CHECK_OK(comp_plan(s, map, 1, 0, ln, 3, &p, &n, &err), &err);
	CHECK(n == 1 && p && p[0].take == 1 && p[0].from == 0 &&
	      p[0].to == 10000);
	free(p);
	tempo_map_free(map);
	session_free(s);
}

/* Frames [from, to) of file `path` all equal `level` (exact). */
static void check_level(const char *path, sf_count_t from, sf_count_t to,
                        float level, int line)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		fprintf(stderr, "test_comp.c:%d: %s: %s\n", line, path,
		        sf_strerror(NULL));
		check_failures++;
		return;
	}
	float v;
	sf_seek(sf, from, SEEK_SET);
	for (sf_count_t f = from; f < to; f++) {
		if (sf_readf_float(sf, &v, 1) != 1 || v != level) {
			fprintf(stderr, "test_comp.c:%d: %s frame %lld is %g, "
			        "want %g\n", line, path, (long long)f, v, level);
			check_failures++;
			break;
		}
	}
	sf_close(sf);
}

static void test_make(void)
{
	struct session *s = make_session("make");
	struct tempo_map *map = song_map();
	struct error err;
	uint32_t number = 0;
	char path[1200];

	const struct comp_choice c1[] = { { "verse", 2 }, { "chorus", 3 } };
	CHECK_OK(comp_make(s, map, 1, 0, c1, 2, 0.0, &number, &err), &err);
	CHECK_EQ_U64(number, 1);
	const struct session_comp *c = session_find_comp(s, 1);
	CHECK(c && c->active && c->track == 1 && c->base_take == 1);
	CHECK(c && !strcmp(c->path, "comps/001-01-vox.wav"));
	CHECK(c && c->length == 10000 && c->start_frame == 0 &&
	      c->fade_frames == 0 && c->piece_count == 3 &&
	      c->sample_rate == RATE && c->format == TAKE_FORMAT_FLOAT);
	CHECK(c && c->created_at[0] == '2');
	snprintf(path, sizeof path, "%s/comps/001-01-vox.wav", s->dir);
	check_level(path, 0, 2000, take_level(1), __LINE__);
	check_level(path, 2000, 6000, take_level(2), __LINE__);
	check_level(path, 6000, 10000, take_level(3), __LINE__);

	/* What vox plays is the comp; gtr still plays its keeper. */
	struct session_playback pb;
	CHECK(session_playback_of(s, 1, &pb) && pb.comp == 1 && pb.take == 0 &&
	      !strcmp(pb.path, "comps/001-01-vox.wav") && pb.start_frame == 0);
	CHECK(session_playback_of(s, 2, &pb) && pb.comp == 0 && pb.take == 1);

	/* 10 ms at 1000 Hz: 10 frames, centred on the joins; outside them
	 * each take exactly, inside a blend of the two. */
	CHECK_OK(comp_make(s, map, 1, 0, c1, 2, 10.0, &number, &err), &err);
	CHECK_EQ_U64(number, 2);
	CHECK(!session_find_comp(s, 1)->active);
	CHECK(session_find_comp(s, 2)->active);
	CHECK_EQ_U64(session_find_comp(s, 2)->fade_frames, 10);
	snprintf(path, sizeof path, "%s/comps/002-01-vox.wav", s->dir);
	check_level(path, 0, 1995, take_level(1), __LINE__);
	check_level(path, 2005, 5995, take_level(2), __LINE__);
	check_level(path, 6005, 10000, take_level(3), __LINE__);

	/* session.json holds the comps: a reopened session has them. */
	struct session *r = NULL;
	CHECK_OK(session_open(s->dir, &r, &err), &err);
	CHECK(r && r->comp_count == 2);
	if (r && r->comp_count == 2) {
		const struct session_comp *a = &r->comps[1];
		CHECK(a->number == 2 && a->active && a->fade_frames == 10 &&
		      a->piece_count == 3 && a->pieces[1].take == 2 &&
		      a->pieces[1].from == 2000 && a->pieces[1].to == 6000 &&
		      !strcmp(a->pieces[1].section, "verse") &&
		      !strcmp(a->created_at,
		              session_find_comp(s, 2)->created_at));
		CHECK(!r->comps[0].active);
	}
	session_free(r);

	/* Keeping a take sets the comp aside; use brings it back. */
	CHECK_OK(session_set_keeper(s, 3, 1, &err), &err);
	CHECK(!session_find_comp(s, 2)->active);
	CHECK(session_playback_of(s, 1, &pb) && pb.take == 3);
	CHECK_OK(session_use_comp(s, 1, true, &err), &err);
	CHECK(session_playback_of(s, 1, &pb) && pb.comp == 1);
	CHECK_OK(session_use_comp(s, 2, true, &err), &err);
	CHECK(!session_find_comp(s, 1)->active);
	CHECK_OK(session_use_comp(s, 2, false, &err), &err);
	CHECK(session_active_comp(s, 1) == NULL);
	CHECK_FAILS(session_use_comp(s, 5, true, &err), RL_ERR_NOT_FOUND,
	            "no comp 5", &err);

	/* A file under comps/ keeps its number, and is never written over. */
	snprintf(path, sizeof path, "%s/comps/004-02-gtr.wav", s->dir);
	FILE *f = fopen(path, "w");
	fputs("stray", f);
	fclose(f);
	const struct comp_choice g[] = { { "verse", 2 } };
	CHECK_OK(comp_make(s, map, 2, 0, g, 1, 5.0, &number, &err), &err);
	CHECK_EQ_U64(number, 5);
	CHECK(!strcmp(session_find_comp(s, 5)->path, "comps/005-02-gtr.wav"));
	f = fopen(path, "r");
	char text[16] = { 0 };
	CHECK(f && fgets(text, sizeof text, f) && !strcmp(text, "stray"));
	if (f)
		fclose(f);

	CHECK_FAILS(comp_make(s, map, 1, 0, c1, 2, 1500.0, &number, &err),
	            RL_ERR_INVALID, "0 to 1000 ms", &err);
	CHECK_FAILS(comp_make(s, map, 1, 0, c1, 2, NAN, &number, &err),
	            RL_ERR_INVALID, "0 to 1000 ms", &err);
	tempo_map_free(map);
	session_free(s);
}

/* A take session.json with one comp, edited into each broken form. */
static void test_malformed(void)
{
	struct session *s = make_session("malformed");
	struct tempo_map *map = song_map();
	struct error err;
	uint32_t number;
	const struct comp_choice c1[] = { { "verse", 2 } };
	CHECK_OK(comp_make(s, map, 1, 0, c1, 1, 0.0, &number, &err), &err);
	CHECK_OK(comp_make(s, map, 2, 0, c1, 1, 0.0, &number, &err), &err);
	char file[700];
	snprintf(file, sizeof file, "%s/session.json", s->dir);
	FILE *f = fopen(file, "rb");
	static char good[1 << 16];
	size_t len = f ? fread(good, 1, sizeof good - 1, f) : 0;
	if (f)
		fclose(f);
	good[len] = '\0';

	static const struct {
		const char *from, *to, *want;
	} cases[] = {
		{ "\"track\": 1,\n      \"path\"", "\"track\": 9,\n      \"path\"",
		  "comps[0].track: no track 9" },
		{ "\"comps/001-01-vox.wav\"", "\"takes/001/01-vox.wav\"",
		  "comps[0].path: \"takes/001/01-vox.wav\" is not a file "
		  "directly under comps/" },
		{ "\"comps/001-01-vox.wav\"", "\"comps/../x.wav\"",
		  "is not a file directly under comps/" },
		{ "\"number\": 2,\n      \"track\"", "\"number\": 1,\n      \"track\"",
		  "comps[1].number: comp 1 appears twice" },
		{ "\"from\": 2000", "\"from\": 2001",
		  "comps[0].pieces[1].from: 2001: pieces must follow each other" },
		{ "\"to\": 2000", "\"to\": 0",
		  "comps[0].pieces[0].to: 0 is not after from" },
		{ "\"fade_frames\": 0", "\"fade_frames\": -1",
		  "comps[0].fade_frames: -1 is out of range" },
		{ "\"pieces\": [", "\"pieces\": 3, \"x\": [",
		  "comps[0].pieces: expected an array" },
		{ "\"active\": true", "\"active\": 1",
		  "comps[0].active: expected true or false" },
		{ "\"comps\": [", "\"comps\": 5, \"later\": [",
		  "comps: expected an array" },
		{ "\"track\": 2,\n      \"path\"", "\"track\": 1,\n      \"path\"",
		  "comps[1].active: track 1 already plays comp 1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *at = strstr(good, cases[i].from);
		if (!at) {
			fprintf(stderr, "test bug: case %zu: \"%s\" not in "
			        "session.json\n", i, cases[i].from);
			check_failures++;
			continue;
		}
		static char bad[1 << 16];
		snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - good), good,
		         cases[i].to, at + strlen(cases[i].from));
		f = fopen(file, "wb");
		fputs(bad, f);
		fclose(f);
		struct session *r = NULL;
		enum rl_status st = session_open(s->dir, &r, &err);
		if (st != RL_ERR_FORMAT ||
		    !strstr(err.message, cases[i].want)) {
			fprintf(stderr, "case %zu: status %d \"%s\", want \"%s\"\n",
			        i, st, st ? err.message : "", cases[i].want);
			check_failures++;
		}
		session_free(r);
		/* Never overwritten: the broken file is as it was. */
		f = fopen(file, "rb");
		static char after[1 << 16];
		size_t n = f ? fread(after, 1, sizeof after - 1, f) : 0;
		if (f)
			fclose(f);
		after[n] = '\0';
		CHECK(strcmp(after, bad) == 0);
	}
	/* A file from before comps existed (no "comps" key) loads. */
	char *at = strstr(good, ",\n  \"comps\": [");
	CHECK(at != NULL);
	if (at) {
		f = fopen(file, "wb");
		fprintf(f, "%.*s\n}\n", (int)(at - good), good);
		fclose(f);
		struct session *r = NULL;
		CHECK_OK(session_open(s->dir, &r, &err), &err);
		CHECK(r && r->comp_count == 0 && r->take_count == 4);
		session_free(r);
	}
	tempo_map_free(map);
	session_free(s);
}

int main(void)
{
	if (!check_tmpdir(root, sizeof root, "comp"))
		return 2;
	test_plan();
	test_plan_refusals();
	test_make();
	test_malformed();
	check_rmtree(root);
	return CHECK_DONE();
}
