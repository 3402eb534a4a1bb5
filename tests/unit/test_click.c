/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * click: the built-in sounds keep click.h's promises; rendering is
 * stateless (any cycle split and any start frame give the same samples);
 * the output is exactly the sum of the sounds placed on tempo_map's beat
 * frames, built here independently; no drift over a ten-minute map with
 * ramps; sounds from files (resampling, mixdown, errors naming the file).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "check.h"
#include "redlight/click.h"
#include "redlight/tempo_map.h"

#include <sndfile.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Not NULL and not a click: constructors must reset *out on error. */
#define POISON ((struct click *)(uintptr_t)1)

/* Cycle sizes the renders are split into, in turn. */
static const uint32_t cycle_sizes[] = { 1, 17, 64, 1024, 4093 };
#define CYCLE_KINDS (sizeof cycle_sizes / sizeof cycle_sizes[0])

static const enum click_builtin all_builtins[] = {
	CLICK_BEEP, CLICK_SQUARE, CLICK_WOOD,
};

/* ---------------------------------------------------------------------- */
/* Helpers */

static struct tempo_map *parse_map(const char *text, uint32_t rate)
{
	struct tempo_map *map = NULL;
	struct error err;
	CHECK_OK(tempo_map_parse(text, strlen(text), "test.map", rate, &map,
	                         &err), &err);
	return map;
}

/* The two sounds of a click, padded with zeros to click_length(). */
struct sounds {
	size_t length;
	float *accent;
	float *normal;
};

/*
 * Read a click's sounds back: render a map whose only beat (at frame 0,
 * three seconds long) is an accent, then one whose only beat is normal.
 * Everything else in these tests is built from these two arrays without
 * click_render().
 */
static void extract_sounds(const struct click *c, uint32_t rate,
                           struct sounds *s)
{
	s->length = click_length(c);
	s->accent = calloc(s->length, sizeof(float));
	s->normal = calloc(s->length, sizeof(float));
	struct tempo_map *ma = parse_map("1 1/4 20 X\n", rate);
	struct tempo_map *mn = parse_map("1 1/4 20 x\n", rate);
	if (ma && mn) {
		click_render(c, ma, 0, (uint32_t)s->length, 1.0f, s->accent);
		click_render(c, mn, 0, (uint32_t)s->length, 1.0f, s->normal);
	}
	tempo_map_free(ma);
	tempo_map_free(mn);
}

static void free_sounds(struct sounds *s)
{
	free(s->accent);
	free(s->normal);
}

/* Index of the last non-zero sample + 1. */
static size_t sound_extent(const float *x, size_t n)
{
	while (n > 0 && x[n - 1] == 0.0f)
		n--;
	return n;
}

/*
 * The header's definition, written out directly: for frames
 * [start, start + n), the sum over tempo_map's beats of
 * sound[x - onset] * volume * gain, beats in onset order.
 */
static void expected_render(const struct tempo_map *map,
                            const struct sounds *s, int64_t start, size_t n,
                            float gain, float *out)
{
	struct tempo_map_beat b;
	int64_t end = start + (int64_t)n;

	memset(out, 0, n * sizeof *out);
	for (tempo_map_next_beat(map, start - (int64_t)s->length, &b);
	     b.frame < end; tempo_map_next_beat(map, b.next_frame, &b)) {
		if (b.type == TEMPO_MAP_SILENT)
			continue;
		const float *snd = b.type == TEMPO_MAP_ACCENT ? s->accent
		                                              : s->normal;
		float v = b.volume * gain;
		for (size_t i = 0; i < s->length; i++) {
			int64_t x = b.frame + (int64_t)i;
			if (x >= start && x < end)
				out[x - start] += snd[i] * v;
		}
	}
}

/* Render [start, start + n) in cycles whose sizes rotate from `kind`. */
static void render_cycles(const struct click *c, const struct tempo_map *m,
                          int64_t start, size_t n, float gain, size_t kind,
                          float *out)
{
	size_t done = 0;
	memset(out, 0, n * sizeof *out);
	while (done < n) {
		uint32_t len = cycle_sizes[kind++ % CYCLE_KINDS];
		if (len > n - done)
			len = (uint32_t)(n - done);
		click_render(c, m, start + (int64_t)done, len, gain, out + done);
		done += len;
	}
}

/* Number of samples that differ (== on floats: -0 equals +0). */
static size_t count_diff(const float *a, const float *b, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += a[i] != b[i];
	return bad;
}

static bool all_zero(const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i] != 0.0f)
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Built-in sounds */

static void test_builtin_sounds(void)
{
	static const uint32_t rates[] = { 22050, 44100, 48000, 96000 };
	struct error err;

	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		for (size_t k = 0; k < CLICK_BUILTIN_COUNT; k++) {
			uint32_t rate = rates[r];
			struct click *c = NULL, *c2 = NULL;
			CHECK_OK(click_new_builtin(all_builtins[k], rate, &c,
			                           &err), &err);
			CHECK_OK(click_new_builtin(all_builtins[k], rate, &c2,
			                           &err), &err);
			if (!c || !c2) {
				click_free(c);
				click_free(c2);
				continue;
			}
			struct sounds s, s2;
			extract_sounds(c, rate, &s);
			extract_sounds(c2, rate, &s2);
			size_t n = s.length;
			CHECK(n > 0);
			CHECK(n <= (size_t)(0.080 * rate));
			CHECK(n > (size_t)(0.020 * rate));
			/* Peaks on the first sample, exactly as promised. */
			CHECK(fabsf(s.accent[0]) == 0.5f);
			CHECK(fabsf(s.normal[0]) == 0.35f);
			size_t above = 0;
			for (size_t i = 1; i < n; i++) {
				above += fabsf(s.accent[i]) > fabsf(s.accent[0]);
				above += fabsf(s.normal[i]) > fabsf(s.normal[0]);
			}
			CHECK_EQ_U64(above, 0);
			/* The longer sound fills click_length(). */
			size_t ea = sound_extent(s.accent, n);
			size_t en = sound_extent(s.normal, n);
			CHECK_EQ_U64(ea > en ? ea : en, n);
			CHECK(ea > 0 && en > 0);
			/* Faded out: the last samples are near zero. */
			CHECK(fabsf(s.accent[ea - 1]) < 0.01f);
			CHECK(fabsf(s.normal[en - 1]) < 0.01f);
			/* Not just the first sample: a real sound, with
			 * at least 5 ms above -40 dBFS. */
			size_t loud_a = 0, loud_n = 0;
			for (size_t i = 0; i < n; i++) {
				loud_a += fabsf(s.accent[i]) > 0.01f;
				loud_n += fabsf(s.normal[i]) > 0.01f;
			}
			CHECK(loud_a >= rate / 200);
			CHECK(loud_n >= rate / 200);
			/* Deterministic, and accent differs from normal. */
			CHECK_EQ_U64(count_diff(s.accent, s2.accent, n), 0);
			CHECK_EQ_U64(count_diff(s.normal, s2.normal, n), 0);
			CHECK(count_diff(s.accent, s.normal, n) > n / 2);
			free_sounds(&s);
			free_sounds(&s2);
			click_free(c);
			click_free(c2);
		}
	}

	/* All-or-nothing on bad arguments. */
	struct click *c = POISON;
	CHECK(click_new_builtin(CLICK_BUILTIN_COUNT, 48000, &c, &err)
	      == RL_ERR_INVALID);
	CHECK(c == NULL);
	c = POISON;
	CHECK(click_new_builtin(CLICK_BEEP, 0, &c, &err) == RL_ERR_INVALID);
	CHECK(c == NULL);
	CHECK_CONTAINS(err.message, "sample rate");
	click_free(NULL);
}

static void test_builtin_names(void)
{
	static const char *const names[] = { "beep", "square", "wood" };
	struct error err;
	enum click_builtin b = CLICK_BUILTIN_COUNT;

	for (size_t i = 0; i < 3; i++) {
		CHECK_OK(click_builtin_from_name(names[i], &b, &err), &err);
		CHECK_EQ_U64(b, all_builtins[i]);
	}
	static const char *const bad[] = { "Beep", "klack", "", "beep " };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = CLICK_BUILTIN_COUNT;
		error_clear(&err);
		CHECK(click_builtin_from_name(bad[i], &b, &err)
		      == RL_ERR_INVALID);
		CHECK_EQ_U64(b, CLICK_BUILTIN_COUNT);
		CHECK(err.status == RL_ERR_INVALID);
		CHECK_CONTAINS(err.message, "beep");
		CHECK_CONTAINS(err.message, "square");
		CHECK_CONTAINS(err.message, "wood");
		char quoted[64];
		snprintf(quoted, sizeof quoted, "\"%s\"", bad[i]);
		CHECK_CONTAINS(err.message, quoted);
	}
	CHECK(click_builtin_from_name(NULL, &b, NULL) == RL_ERR_INVALID);
}

/* ---------------------------------------------------------------------- */
/* Statelessness */

static void test_stateless(void)
{
	const uint32_t rate = 48000;
	const size_t n = 10 * rate;
	struct tempo_map *map = NULL;
	struct click *c = NULL;
	struct error err;

	CHECK_OK(tempo_map_new_simple(120, 4, 4, rate, &map, &err), &err);
	CHECK_OK(click_new_builtin(CLICK_WOOD, rate, &c, &err), &err);
	if (!map || !c)
		goto out;

	float *whole = calloc(n, sizeof *whole);
	float *cyc = calloc(n, sizeof *cyc);
	float *exp = calloc(n, sizeof *exp);
	click_render(c, map, 0, (uint32_t)n, 1.0f, whole);

	/* Not trivially zero: 20 beats of 120 bpm, 5 of them accents. */
	size_t onsets = 0, accents = 0;
	for (size_t i = 0; i < n; i += rate / 2) {
		onsets += whole[i] != 0.0f;
		accents += fabsf(whole[i]) == 0.5f;
	}
	CHECK_EQ_U64(onsets, 20);
	CHECK_EQ_U64(accents, 5);

	struct sounds s;
	extract_sounds(c, rate, &s);
	expected_render(map, &s, 0, n, 1.0f, exp);
	CHECK_EQ_U64(count_diff(whole, exp, n), 0);

	/* Every cycle split gives the same samples. */
	for (size_t kind = 0; kind < CYCLE_KINDS; kind++) {
		render_cycles(c, map, 0, n, 1.0f, kind, cyc);
		CHECK_EQ_U64(count_diff(whole, cyc, n), 0);
	}
	/* Fixed sizes too, each on its own. */
	for (size_t kind = 0; kind < CYCLE_KINDS; kind++) {
		uint32_t len = cycle_sizes[kind];
		memset(cyc, 0, n * sizeof *cyc);
		for (size_t at = 0; at < n; at += len) {
			uint32_t m = at + len <= n ? len : (uint32_t)(n - at);
			click_render(c, map, (int64_t)at, m, 1.0f, cyc + at);
		}
		CHECK_EQ_U64(count_diff(whole, cyc, n), 0);
	}

	/* Locate: a render that starts anywhere, even inside a sound,
	 * continues that sound. */
	size_t len = s.length;
	const size_t starts[] = {
		0, 1, 12345, 24000 - 1, 24000, 24001, 24000 + len / 2,
		24000 + len - 1, 24000 + len, 96000 + 7, 479000,
	};
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		size_t from = starts[i];
		size_t m = n - from < 30000 ? n - from : 30000;
		render_cycles(c, map, (int64_t)from, m, 1.0f, i, cyc);
		CHECK_EQ_U64(count_diff(whole + from, cyc, m), 0);
	}
	/* Pseudo-random starts and cycle lengths. */
	uint32_t seed = 12345;
	size_t bad = 0;
	for (int i = 0; i < 300; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t from = (seed >> 4) % (n - 5000);
		seed = seed * 1103515245u + 12345u;
		uint32_t m = 1 + (seed >> 4) % 4999;
		memset(cyc, 0, m * sizeof *cyc);
		click_render(c, map, (int64_t)from, m, 1.0f, cyc);
		bad += count_diff(whole + from, cyc, m);
	}
	CHECK_EQ_U64(bad, 0);

	/* The output is accumulated into, not overwritten. */
	for (size_t i = 0; i < n; i++)
		cyc[i] = 0.25f;
	click_render(c, map, 0, (uint32_t)n, 1.0f, cyc);
	bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += cyc[i] != 0.25f + whole[i];
	CHECK_EQ_U64(bad, 0);

	/* Before frame 0 the map's beats are silent. */
	memset(cyc, 0, 4 * rate * sizeof *cyc);
	click_render(c, map, -(int64_t)(2 * rate), 4 * rate, 1.0f, cyc);
	CHECK(all_zero(cyc, 2 * rate));
	CHECK_EQ_U64(count_diff(cyc + 2 * rate, whole, 2 * rate), 0);

	free_sounds(&s);
	free(whole);
	free(cyc);
	free(exp);
out:
	click_free(c);
	tempo_map_free(map);
}

/* ---------------------------------------------------------------------- */
/* The output is the sum of the sounds on tempo_map's beat frames */

/* Ramps up and down, meter changes (6/8, 7/8, 5/4, 2/2, 8/16), per-beat
 * tempi, patterns with silent beats, entry volumes (0.5, 0.75, 0), and
 * sixteenths at 400 bpm (37.5 ms apart), so every sound overlaps the
 * next. */
static const char complex_map[] =
	"# every feature of the format\n"
	"intro: 2 4/4 100\n"
	"verse: 2 3/4 90-130 X.x\n"
	"1 6/8 120 X.xx.x 0.5\n"
	"1 7/8 140 Xx.xXxx\n"
	"bridge: 1 4/4 100,110,120,130 X.xX\n"
	"fast: 2 8/16 400 XxxxXxxx\n"
	"2 5/4 160-80 Xx.x. 0.75\n"
	"1 4/4 120 xxxx 0\n"
	"outro: 1 2/2 90\n";

static void test_sum_of_sounds(void)
{
	static const uint32_t rates[] = { 44100, 48000 };
	struct error err;

	for (size_t r = 0; r < 2; r++) {
		uint32_t rate = rates[r];
		struct tempo_map *map = parse_map(complex_map, rate);
		if (!map)
			continue;
		int64_t end = tempo_map_end_frame(map);
		CHECK(end > 0 && end < 60 * (int64_t)rate);
		for (size_t k = 0; k < CLICK_BUILTIN_COUNT; k++) {
			struct click *c = NULL;
			CHECK_OK(click_new_builtin(all_builtins[k], rate, &c,
			                           &err), &err);
			if (!c)
				continue;
			struct sounds s;
			extract_sounds(c, rate, &s);
			int64_t len = (int64_t)s.length;
			/* From well before the map to well after it. */
			int64_t start = -2 * len - 11;
			size_t n = (size_t)(end + 3 * len - start);
			float *got = malloc(n * sizeof *got);
			float *exp = malloc(n * sizeof *exp);

			for (size_t kind = 0; kind < CYCLE_KINDS; kind++) {
				render_cycles(c, map, start, n, 1.0f, kind, got);
				expected_render(map, &s, start, n, 1.0f, exp);
				CHECK_EQ_U64(count_diff(got, exp, n), 0);
			}
			/* Gain scales every sample. */
			render_cycles(c, map, start, n, 0.5f, 3, got);
			expected_render(map, &s, start, n, 0.5f, exp);
			CHECK_EQ_U64(count_diff(got, exp, n), 0);
			/* Gain 0 renders nothing, not even -0. */
			for (size_t i = 0; i < n; i++)
				got[i] = 1.0f;
			for (size_t at = 0; at < n; at += 1024) {
				uint32_t m = n - at < 1024 ? (uint32_t)(n - at)
				                           : 1024;
				click_render(c, map, start + (int64_t)at, m,
				             0.0f, got + at);
			}
			size_t touched = 0;
			for (size_t i = 0; i < n; i++)
				touched += got[i] != 1.0f
				           || signbit(got[i]);
			CHECK_EQ_U64(touched, 0);

			/* Beat by beat: onset values, silences. */
			render_cycles(c, map, start, n, 1.0f, 4, got);
			CHECK(all_zero(got, (size_t)-start));
			CHECK(all_zero(got + (end + len - start),
			               (size_t)(2 * len)));
			struct tempo_map_beat b;
			int64_t last_sound = INT64_MIN / 2;
			size_t accents = 0, normals = 0, silents = 0;
			size_t overlapped = 0, quiet = 0, beats = 0;
			for (tempo_map_next_beat(map, 0, &b); b.frame < end;
			     tempo_map_next_beat(map, b.next_frame, &b)) {
				beats++;
				const float *at = got + (b.frame - start);
				bool clear = b.frame - last_sound > len;
				float v = b.volume;
				if (b.type == TEMPO_MAP_SILENT || v == 0.0f) {
					/* Nothing from this beat: where no
					 * earlier sound lasts, all zeros
					 * until the next beat. */
					if (clear) {
						int64_t stop = b.next_frame;
						if (stop > b.frame + len)
							stop = b.frame + len;
						size_t m = (size_t)(stop - b.frame);
						CHECK(all_zero(at, m));
						if (b.type == TEMPO_MAP_SILENT)
							silents++;
						else
							quiet++;
					}
					continue;
				}
				if (!clear) {
					overlapped++;
				} else {
					/* A clean onset: silence before it,
					 * the sound's first sample times the
					 * entry's volume on it. */
					CHECK(at[-1] == 0.0f);
					if (b.type == TEMPO_MAP_ACCENT) {
						CHECK(fabsf(at[0]) == 0.5f * v);
						accents++;
					} else {
						CHECK(fabsf(at[0]) == 0.35f * v);
						normals++;
					}
				}
				last_sound = b.frame;
			}
			/* The map really exercised all of it. */
			CHECK(beats > 60);
			CHECK(accents >= 8);
			CHECK(normals >= 15);
			CHECK(silents >= 8);
			CHECK(quiet == 4);
			CHECK(overlapped >= 12);

			free(got);
			free(exp);
			free_sounds(&s);
			click_free(c);
		}
		tempo_map_free(map);
	}
}

/* Entry volume and gain multiply: the same beat at volume 1 with gain 0.8
 * and at volume 0.5 with gain 1. */
static void test_volume(void)
{
	const uint32_t rate = 48000;
	struct tempo_map *m1 = parse_map("1 1/4 60 X 1.0\n", rate);
	struct tempo_map *m2 = parse_map("1 1/4 60 X 0.5\n", rate);
	struct click *c = NULL;
	struct error err;
	CHECK_OK(click_new_builtin(CLICK_BEEP, rate, &c, &err), &err);
	if (m1 && m2 && c) {
		struct sounds s;
		extract_sounds(c, rate, &s);
		size_t n = s.length + 10;
		float *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
		click_render(c, m1, 0, (uint32_t)n, 0.8f, a);
		click_render(c, m2, 0, (uint32_t)n, 1.0f, b);
		size_t bad = 0;
		for (size_t i = 0; i < s.length; i++) {
			bad += a[i] != s.accent[i] * 0.8f;
			bad += b[i] != s.accent[i] * 0.5f;
		}
		CHECK_EQ_U64(bad, 0);
		CHECK(all_zero(a + s.length, 10));
		CHECK(a[0] == 0.5f * 0.8f);
		CHECK(b[0] == 0.25f);
		free(a);
		free(b);
		free_sounds(&s);
	}
	click_free(c);
	tempo_map_free(m1);
	tempo_map_free(m2);
}

/* ---------------------------------------------------------------------- */
/* No drift over ten minutes */

struct entry_spec {
	int bars, beats, denom;
	double t1, t2;        /* t2 == t1: constant */
	const char *pattern;  /* NULL: default */
	bool per_beat;        /* tempi from per_beat_tempi */
};

static const double per_beat_tempi[] = { 100, 104.5, 110, 97, 120, 88 };

static const struct entry_spec drift_entries[] = {
	{ 8, 4, 4, 90, 150, NULL, false },
	{ 8, 4, 4, 150, 90, NULL, false },
	{ 4, 7, 8, 133, 133, "Xx.xXxx", false },
	{ 4, 6, 8, 100, 180, "X..x..", false },
	{ 2, 3, 4, 0, 0, NULL, true },
	{ 3, 5, 4, 72, 72, NULL, false },
	{ 5, 3, 4, 171.3, 64.7, "Xxx", false },
};
#define DRIFT_KINDS (sizeof drift_entries / sizeof drift_entries[0])

/* Exact onset time (s) of beat k of an entry starting at time t0. */
static long double beat_time(const struct entry_spec *e, long double t0,
                             int k)
{
	int n = e->bars * e->beats;
	long double unit = 240.0L / e->denom; /* seconds per beat at 1 bpm */
	if (e->per_beat) {
		long double t = t0;
		for (int i = 0; i < k; i++)
			t += unit / per_beat_tempi[i];
		return t;
	}
	if (e->t1 == e->t2)
		return t0 + unit * k / e->t1;
	long double slope = ((long double)e->t2 - e->t1) / n;
	long double tk = e->t1 + slope * k;
	return t0 + unit / slope * logl(tk / e->t1);
}

static void test_no_drift(void)
{
	const uint32_t rate = 44100;
	char *text = malloc(65536);
	size_t used = 0;
	size_t entries = 0;
	long double total = 0.0L;

	/* Append entries in turn until the map lasts ten minutes. */
	while (total < 600.0L) {
		const struct entry_spec *e =
			&drift_entries[entries % DRIFT_KINDS];
		used += (size_t)snprintf(text + used, 65536 - used, "%d %d/%d ",
		                         e->bars, e->beats, e->denom);
		if (e->per_beat) {
			for (int i = 0; i < 6; i++)
				used += (size_t)snprintf(text + used, 65536 - used,
				                         "%s%g", i ? "," : "",
				                         per_beat_tempi[i]);
		} else if (e->t1 == e->t2) {
			used += (size_t)snprintf(text + used, 65536 - used,
			                         "%g", e->t1);
		} else {
			used += (size_t)snprintf(text + used, 65536 - used,
			                         "%g-%g", e->t1, e->t2);
		}
		used += (size_t)snprintf(text + used, 65536 - used, " %s\n",
		                         e->pattern ? e->pattern : "");
		total = beat_time(e, total, e->bars * e->beats);
		entries++;
	}

	struct tempo_map *map = parse_map(text, rate);
	struct click *c = NULL;
	struct error err;
	CHECK_OK(click_new_builtin(CLICK_WOOD, rate, &c, &err), &err);
	if (!map || !c)
		goto out;
	CHECK_EQ_U64(tempo_map_entry_count(map), entries);

	/* The map's own frames agree with the closed form everywhere: to
	 * the frame, except where the exact position is within 1e-6 of
	 * a half frame (then either rounding is right). */
	int64_t end = tempo_map_end_frame(map);
	long double exact_end = total * rate;
	CHECK(llabs(end - llroundl(exact_end)) <= 1);
	CHECK(end == llroundl(exact_end)
	      || fabsl(exact_end - floorl(exact_end) - 0.5L) < 1e-6L);

	/* Expected onsets: every sounding beat's frame from tempo_map,
	 * checked against the closed form on the way. */
	size_t cap = 1 << 16, count = 0, form_bad = 0, beat_index = 0;
	int64_t *onset = malloc(cap * sizeof *onset);
	struct tempo_map_beat b;
	long double t0 = 0.0L;
	size_t entry = 0;
	int k = 0;
	for (tempo_map_next_beat(map, 0, &b); b.frame < end;
	     tempo_map_next_beat(map, b.next_frame, &b), beat_index++) {
		const struct entry_spec *e =
			&drift_entries[entry % DRIFT_KINDS];
		long double x = beat_time(e, t0, k) * rate;
		if (b.frame != llroundl(x)
		    && !(fabsl(x - floorl(x) - 0.5L) < 1e-6L
		         && llabs(b.frame - llroundl(x)) <= 1))
			form_bad++;
		CHECK_EQ_U64(b.entry, entry);
		if (b.type != TEMPO_MAP_SILENT && count < cap)
			onset[count++] = b.frame;
		if (++k == e->bars * e->beats) {
			t0 = beat_time(e, t0, k);
			k = 0;
			entry++;
		}
	}
	CHECK_EQ_U64(form_bad, 0);
	CHECK_EQ_U64(entry, entries);
	CHECK(count > 1000);

	/* Render it all in JACK-sized cycles and detect onsets: the first
	 * sample above 1e-4 after at least 2 ms of exact zeros (beats are
	 * >= 150 ms apart here, sounds <= 80 ms: nothing overlaps). */
	size_t len = click_length(c);
	int64_t total_frames = end + (int64_t)len + rate;
	float buf[1024];
	size_t found = 0, wrong = 0, zeros = (size_t)rate;
	const size_t min_zeros = rate / 500;
	for (int64_t f = 0; f < total_frames; f += 1024) {
		uint32_t m = 1024;
		if (total_frames - f < m)
			m = (uint32_t)(total_frames - f);
		memset(buf, 0, sizeof buf);
		click_render(c, map, f, m, 1.0f, buf);
		for (uint32_t i = 0; i < m; i++) {
			if (buf[i] == 0.0f) {
				zeros++;
				continue;
			}
			if (zeros >= min_zeros && fabsf(buf[i]) > 1e-4f) {
				if (found >= count || onset[found] != f + i) {
					if (wrong++ < 5)
						fprintf(stderr, "onset %zu at "
						        "%lld, expected %lld\n",
						        found, (long long)(f + i),
						        found < count
						        ? (long long)onset[found]
						        : -1LL);
				}
				found++;
			}
			zeros = 0;
		}
	}
	CHECK_EQ_U64(found, count);
	CHECK_EQ_U64(wrong, 0);
	free(onset);
out:
	free(text);
	click_free(c);
	tempo_map_free(map);
}

/* ---------------------------------------------------------------------- */
/* Sounds from files */

static char tmpdir[512];

static void write_wav(const char *path, int rate, int channels,
                      const float *data, sf_count_t frames)
{
	SF_INFO info = { .samplerate = rate, .channels = channels,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	CHECK(sf != NULL);
	if (!sf)
		return;
	if (frames > 0)
		CHECK(sf_writef_float(sf, data, frames) == frames);
	sf_close(sf);
}

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

/* A test sound: a decaying 700 Hz tone with a fixed seed of noise. */
static float *make_sound(int rate, size_t n, double amp)
{
	float *x = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(amp * cos(2 * M_PI * 700.0 * (double)i / rate)
		               * exp(-(double)i / (0.01 * rate)));
	return x;
}

/* The files the steps of test_files read, and the sounds in them. */
struct click_files {
	char accent_path[600], normal_path[600], stereo_path[600];
	char empty_path[600], long_path[600], junk_path[600];
	char missing_path[600];
	float *accent, *normal; /* in accent.wav and normal.wav */
	size_t an, nn;          /* their lengths */
};

/* Same rate: the samples come back exactly; no normal file: the
 * accent 3 dB down. */
static void check_files_accent_only(const struct click_files *fx)
{
	const char *accent_path = fx->accent_path;
	const float *accent = fx->accent;
	const size_t an = fx->an;
	struct error err;
	struct click *c = NULL;

	CHECK_OK(click_new_from_files(accent_path, NULL, 44100, &c, &err),
	         &err);
	if (c) {
		struct sounds s;
		extract_sounds(c, 44100, &s);
		CHECK_EQ_U64(s.length, an);
		CHECK_EQ_U64(count_diff(s.accent, accent, an), 0);
		float g = (float)pow(10.0, -3.0 / 20.0);
		size_t bad = 0;
		for (size_t i = 0; i < an; i++)
			bad += s.normal[i] != accent[i] * g;
		CHECK_EQ_U64(bad, 0);
		free_sounds(&s);
		click_free(c);
	}
}

/* Two files. */
static void check_files_two(const struct click_files *fx)
{
	const char *accent_path = fx->accent_path;
	const char *normal_path = fx->normal_path;
	const float *accent = fx->accent, *normal = fx->normal;
	const size_t an = fx->an, nn = fx->nn;
	struct error err;
	struct click *c = NULL;

	CHECK_OK(click_new_from_files(accent_path, normal_path, 44100, &c,
	                              &err), &err);
	if (c) {
		struct sounds s;
		extract_sounds(c, 44100, &s);
		CHECK_EQ_U64(s.length, an);
		CHECK_EQ_U64(count_diff(s.accent, accent, an), 0);
		CHECK_EQ_U64(count_diff(s.normal, normal, nn), 0);
		CHECK(all_zero(s.normal + nn, an - nn));
		free_sounds(&s);
		click_free(c);
	}
}

/* Another rate: converted, length scaled, shape kept. */
static void check_files_other_rate(const struct click_files *fx)
{
	const char *accent_path = fx->accent_path;
	const char *normal_path = fx->normal_path;
	const size_t an = fx->an, nn = fx->nn;
	struct error err;
	struct click *c = NULL;

	CHECK_OK(click_new_from_files(accent_path, normal_path, 48000, &c,
	                              &err), &err);
	if (c) {
		struct sounds s;
		extract_sounds(c, 48000, &s);
		double want = (double)an * 48000.0 / 44100.0;
		CHECK(fabs((double)s.length - want) <= 2.0);
		size_t en = sound_extent(s.normal, s.length);
		CHECK(fabs((double)en - (double)nn * 48000.0 / 44100.0)
		      <= 2.0);
		/* Compare with the tone computed at 48 kHz away from the
		 * attack (the step at the start rings a little). */
		float *ref = make_sound(48000, s.length, 0.8);
		double err_max = 0.0;
		for (size_t i = 48; i + 48 < s.length; i++) {
			double d = fabs((double)s.accent[i] - ref[i]);
			if (d > err_max)
				err_max = d;
		}
		CHECK(err_max < 0.02);
		free(ref);
		free_sounds(&s);
		click_free(c);
	}
}

/* Stereo is mixed down: the mean of the channels. */
static void check_files_stereo(const struct click_files *fx)
{
	const char *stereo_path = fx->stereo_path;
	const float *accent = fx->accent, *normal = fx->normal;
	const size_t an = fx->an, nn = fx->nn;
	struct error err;
	struct click *c = NULL;

	float *stereo = malloc(2 * an * sizeof *stereo);
	for (size_t i = 0; i < an; i++) {
		stereo[2 * i] = accent[i];
		stereo[2 * i + 1] = 0.5f * normal[i % nn];
	}
	write_wav(stereo_path, 44100, 2, stereo, (sf_count_t)an);
	CHECK_OK(click_new_from_files(stereo_path, NULL, 44100, &c, &err),
	         &err);
	if (c) {
		struct sounds s;
		extract_sounds(c, 44100, &s);
		size_t bad = 0;
		for (size_t i = 0; i < an; i++) {
			float m = (float)(((double)stereo[2 * i]
			                   + (double)stereo[2 * i + 1]) / 2.0);
			bad += s.accent[i] != m;
		}
		CHECK_EQ_U64(bad, 0);
		free_sounds(&s);
		click_free(c);
	}
	free(stereo);
}

/* Errors name the file and leave *out NULL. */
static void check_files_errors(const struct click_files *fx)
{
	const char *accent_path = fx->accent_path;
	const char *empty_path = fx->empty_path, *long_path = fx->long_path;
	const char *junk_path = fx->junk_path;
	const char *missing_path = fx->missing_path;
	struct error err;
	struct click *c = NULL;

	write_wav(empty_path, 44100, 1, NULL, 0);
	size_t long_n = (size_t)(2.5 * 44100);
	float *longer = make_sound(44100, long_n, 0.5);
	write_wav(long_path, 44100, 1, longer, (sf_count_t)long_n);
	free(longer);
	FILE *junk = fopen(junk_path, "w");
	if (junk) {
		fputs("this is not audio\n", junk);
		fclose(junk);
	}
	struct {
		const char *accent, *normal, *named;
		enum rl_status status;
		const char *words;
	} bad[] = {
		{ missing_path, NULL, missing_path, RL_ERR_NOT_FOUND, "" },
		{ empty_path, NULL, empty_path, RL_ERR_FORMAT, "empty" },
		{ long_path, NULL, long_path, RL_ERR_INVALID, "2.50 s" },
		{ junk_path, NULL, junk_path, RL_ERR_FORMAT, "" },
		{ accent_path, missing_path, missing_path, RL_ERR_NOT_FOUND,
		  "" },
		{ accent_path, long_path, long_path, RL_ERR_INVALID, "long" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = POISON;
		error_clear(&err);
		CHECK_EQ_U64(click_new_from_files(bad[i].accent, bad[i].normal,
		                                  48000, &c, &err),
		             bad[i].status);
		CHECK(c == NULL);
		CHECK_CONTAINS(err.message, bad[i].named);
		CHECK_CONTAINS(err.message, bad[i].words);
	}
	c = POISON;
	CHECK(click_new_from_files(accent_path, NULL, 0, &c, &err)
	      == RL_ERR_INVALID);
	CHECK(c == NULL);
}

/* Sounds read from files: one, two, at another rate, stereo; then the
 * files that are refused. */
static void test_files(void)
{
	struct click_files fx;

	if (!check_tmpdir(tmpdir, sizeof tmpdir, "click")) {
		CHECK(!"check_tmpdir");
		return;
	}
	path_in(fx.accent_path, sizeof fx.accent_path, "accent.wav");
	path_in(fx.normal_path, sizeof fx.normal_path, "normal.wav");
	path_in(fx.stereo_path, sizeof fx.stereo_path, "stereo.wav");
	path_in(fx.empty_path, sizeof fx.empty_path, "empty.wav");
	path_in(fx.long_path, sizeof fx.long_path, "long.wav");
	path_in(fx.junk_path, sizeof fx.junk_path, "junk.wav");
	path_in(fx.missing_path, sizeof fx.missing_path, "missing.wav");

	fx.an = 1323; /* 30 ms at 44100 */
	fx.nn = 900;  /* ~20 ms */
	fx.accent = make_sound(44100, fx.an, 0.8);
	fx.normal = make_sound(44100, fx.nn, -0.3);
	write_wav(fx.accent_path, 44100, 1, fx.accent, (sf_count_t)fx.an);
	write_wav(fx.normal_path, 44100, 1, fx.normal, (sf_count_t)fx.nn);

	check_files_accent_only(&fx);
	check_files_two(&fx);
	check_files_other_rate(&fx);
	check_files_stereo(&fx);
	check_files_errors(&fx);

	free(fx.accent);
	free(fx.normal);
	const char *all[] = { fx.accent_path, fx.normal_path, fx.stereo_path,
	                      fx.empty_path, fx.long_path, fx.junk_path };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		unlink(all[i]);
	CHECK(rmdir(tmpdir) == 0);
}

int main(void)
{
	test_builtin_names();
	test_builtin_sounds();
	test_stateless();
	test_sum_of_sounds();
	test_volume();
	test_no_drift();
	test_files();
	return CHECK_DONE();
}
