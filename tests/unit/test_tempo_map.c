/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tempo_map: klick's format (every form, every error with its position),
 * exact onsets against an independent long double model (closed forms and
 * numerical integration), and the query properties on every beat of a
 * ten-minute map with ramps, meter changes and per-beat tempi. */
#include "check.h"
#include "redlight/tempo_map.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TICKS TEMPO_MAP_TICKS_PER_BEAT

/* Put in *out before a call that must set it to NULL. */
static char poison_byte;
#define POISON ((struct tempo_map *)(void *)&poison_byte)

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static struct tempo_map *parse_ok(const char *text, uint32_t rate)
{
	struct tempo_map *map = NULL;
	struct error err;
	error_clear(&err);
	enum rl_status rc = tempo_map_parse(text, strlen(text), "t.map", rate,
	                                    &map, &err);
	if (rc != RL_OK)
		fprintf(stderr, "unexpected parse error: %s\n", err.message);
	CHECK(rc == RL_OK);
	CHECK(map != NULL);
	return map;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A parse that must fail: RL_ERR_FORMAT, *out NULL, the message starts
 * with `where` ("song.map:2:7: ") and contains `what`. */
static void expect_error_n(int line, const char *text, size_t len,
                           const char *where, const char *what)
{
	struct tempo_map *map = POISON; /* must be reset */
	struct error err;
	error_clear(&err);
	enum rl_status rc = tempo_map_parse(text, len, "song.map", 48000,
	                                    &map, &err);
	bool ok = rc == RL_ERR_FORMAT && map == NULL &&
	          err.status == RL_ERR_FORMAT &&
	          strncmp(err.message, where, strlen(where)) == 0 &&
	          strstr(err.message, what) != NULL;
	if (!ok) {
		fprintf(stderr, "%s:%d: error case failed: rc %d, map %p, "
		        "message \"%s\"; wanted \"%s...%s\"\n", __FILE__, line,
		        (int)rc, (void *)map, err.message, where, what);
		check_failures++;
	}
	if (rc == RL_OK)
		tempo_map_free(map);
}

#define expect_error(text, where, what) \
	expect_error_n(__LINE__, text, strlen(text), where, what)

/* ---------------------------------------------------------------------- */
/* An independent model: long double, closed forms written the way the    */
/* brief states them (logarithmic mean), plus numerical integration.      */

enum { M_CONST, M_RAMP, M_LIST };

struct mentry {
	const char *label; /* NULL: none */
	int bars, beats, denom;
	bool meter;        /* write the meter even if 4/4 */
	int kind;
	double t1, t2;
	double tempi[64];  /* M_LIST: bars·beats values */
	const char *pattern; /* NULL: default */
	double volume;     /* < 0: not written (1.0) */
};

static long m_beats(const struct mentry *e)
{
	return (long)e->bars * e->beats;
}

static long double m_tempo(const struct mentry *e, long double x)
{
	if (e->kind == M_RAMP)
		return (long double)e->t1 +
		       ((long double)e->t2 - e->t1) * x / m_beats(e);
	if (e->kind == M_LIST)
		return e->tempi[(long)x];
	return e->t1;
}

/* Seconds from the entry start to beat k (0 <= k <= beats). */
static long double m_time(const struct mentry *e, long k)
{
	long double d = e->denom;
	if (e->kind == M_LIST) {
		long double t = 0;
		for (long j = 0; j < k; j++)
			t += 240.0L / (e->tempi[j] * d);
		return t;
	}
	if (e->kind == M_RAMP && k > 0) {
		long double a = e->t1, b = m_tempo(e, (long double)k);
		if (a != b) {
			long double mean = (b - a) / (logl(b) - logl(a));
			return (long double)k * 240.0L / (mean * d);
		}
	}
	return (long double)k * 240.0L / ((long double)e->t1 * d);
}

/* The same by Simpson's rule on 240/(d·tempo(x)), 64 steps per beat. */
static long double m_time_numeric(const struct mentry *e, long k)
{
	long double d = e->denom, sum = 0;
	long steps = 64 * k;
	if (k == 0)
		return 0;
	long double h = (long double)k / steps;
	for (long i = 0; i <= steps; i++) {
		long double x = i * h;
		long double f = 240.0L / (d * m_tempo(e, x));
		long double w = (i == 0 || i == steps) ? 1 : (i % 2 ? 4 : 2);
		sum += w * f;
	}
	return sum * h / 3;
}

/* Start seconds of every entry, and the end. */
static void m_starts(const struct mentry *m, size_t n, long double *start)
{
	start[0] = 0;
	for (size_t i = 0; i < n; i++)
		start[i + 1] = start[i] + m_time(&m[i], m_beats(&m[i]));
}

static int64_t m_frame(long double seconds, uint32_t rate)
{
	return (int64_t)llroundl(seconds * rate);
}

/* The map text for a model. */
static char *m_text(const struct mentry *m, size_t n)
{
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	for (size_t i = 0; i < n; i++) {
		const struct mentry *e = &m[i];
		len += (size_t)snprintf(text + len, cap - len, "%s%s%d",
		                        e->label ? e->label : "",
		                        e->label ? ": " : "\t", e->bars);
		if (e->meter || e->beats != 4 || e->denom != 4)
			len += (size_t)snprintf(text + len, cap - len, " %d/%d",
			                        e->beats, e->denom);
		if (e->kind == M_LIST) {
			for (long j = 0; j < m_beats(e); j++)
				len += (size_t)snprintf(text + len, cap - len,
				                        "%s%.10g", j ? "," : " ",
				                        e->tempi[j]);
		} else {
			len += (size_t)snprintf(text + len, cap - len,
			                        " %.10g", e->t1);
			if (e->kind == M_RAMP)
				len += (size_t)snprintf(text + len, cap - len,
				                        "-%.10g", e->t2);
		}
		if (e->pattern)
			len += (size_t)snprintf(text + len, cap - len, " %s",
			                        e->pattern);
		if (e->volume >= 0)
			len += (size_t)snprintf(text + len, cap - len, " %g",
			                        e->volume);
		len += (size_t)snprintf(text + len, cap - len,
		                        i % 3 == 0 ? "   # entry %zu\n" : "\n",
		                        i);
	}
	return text;
}

/* Where check_against_model's walk through the beats stands. */
struct model_walk {
	const struct tempo_map *map;
	uint32_t rate;
	bool numeric;                    /* also against m_time_numeric */
	struct tempo_map_beat b, prev;   /* the beat at hand, the one before */
	int64_t bar;                     /* first bar of the entry at hand */
	const char *section;             /* the section it is in, or NULL */
	long total, onset_mismatch, numeric_off;
};

/* Entry e (model me, starting at start[e]) as tempo_map_entry and the
 * section queries give it; w->section is already the entry's. */
static void check_model_entry(const struct model_walk *w,
                              const struct mentry *me, size_t e,
                              const long double *start)
{
	const struct tempo_map *map = w->map;
	struct tempo_map_entry_info info;
	tempo_map_entry(map, e, &info);
	CHECK(str_eq(info.label, me->label));
	CHECK(str_eq(info.section, w->section));
	CHECK(info.first_bar == w->bar);
	CHECK(info.bars == me->bars);
	CHECK(info.beats_per_bar == me->beats);
	CHECK(info.denominator == me->denom);
	CHECK(info.start_frame == m_frame(start[e], w->rate));
	CHECK(info.end_frame == m_frame(start[e + 1], w->rate));
	CHECK(tempo_map_bpm_at(map, info.start_frame) == info.tempo_start);
	CHECK(info.tempo_start == (me->kind == M_LIST ? me->tempi[0]
	                                                : me->t1));
	if (me->label) {
		int64_t f = -1;
		CHECK(tempo_map_section_frame(map, me->label, &f, NULL) ==
		      RL_OK);
		CHECK(f == info.start_frame);
		CHECK(str_eq(tempo_map_section_at(map, f), me->label));
	}
}

/* Count the onset of beat k of entry e (starting at entry_start
 * seconds) against the closed form and, for ramps, the integration. */
static void count_model_onset(struct model_walk *w, const struct mentry *me,
                              size_t e, long k, long double entry_start)
{
	const struct tempo_map_beat *b = &w->b;
	int64_t want = m_frame(entry_start + m_time(me, k), w->rate);
	if (b->frame != want)
		fprintf(stderr, "entry %zu beat %ld: onset %" PRId64 ", model %"
		        PRId64 " (%.6Lf)\n", e, k, b->frame, want,
		        (entry_start + m_time(me, k)) * w->rate);
	w->onset_mismatch += b->frame != want;
	if (w->numeric && me->kind == M_RAMP) {
		int64_t approx = m_frame(entry_start + m_time_numeric(me, k),
		                         w->rate);
		w->numeric_off += llabs(b->frame - approx) > 1;
	}
}

/* The fields of beat k of entry e, which is beat `beat` of its bar. */
static void check_model_beat(const struct model_walk *w,
                             const struct mentry *me, size_t e, long k,
                             int32_t beat)
{
	const struct tempo_map *map = w->map;
	const struct tempo_map_beat *b = &w->b;
	int64_t this_bar = w->bar + k / me->beats;
	CHECK(b->bar == this_bar);
	CHECK(b->beat == beat);
	CHECK(b->beats_per_bar == me->beats);
	CHECK(b->denominator == me->denom);
	CHECK(b->entry == (int32_t)e);
	CHECK(str_eq(b->section, w->section));
	CHECK(b->volume == (float)(me->volume < 0 ? 1.0 : me->volume));
	enum tempo_map_beat_type type =
	        beat == 1 ? TEMPO_MAP_ACCENT : TEMPO_MAP_NORMAL;
	if (me->pattern)
		type = me->pattern[beat - 1] == 'X'
		       ? TEMPO_MAP_ACCENT
		       : me->pattern[beat - 1] == 'x'
		       ? TEMPO_MAP_NORMAL : TEMPO_MAP_SILENT;
	CHECK(b->type == type);
	if (!(fabsl(b->bpm - m_tempo(me, (long double)k)) < 1e-9))
		fprintf(stderr, "entry %zu beat %ld: bpm %.17g, model %.17Lg\n",
		        e, k, b->bpm, m_tempo(me, (long double)k));
	CHECK(fabsl(b->bpm - m_tempo(me, (long double)k)) < 1e-9);
	CHECK(tempo_map_bpm_at(map, b->frame) == b->bpm);
	CHECK(str_eq(tempo_map_section_at(map, b->frame), w->section));
}

/* Bar, beat and tick of the beat at hand (beat `beat` of its bar) and
 * back: on its onset, on the frame before, half a beat in. */
static void check_model_round_trips(const struct model_walk *w, int32_t beat)
{
	const struct tempo_map *map = w->map;
	const struct tempo_map_beat *b = &w->b, *prev = &w->prev;

	/* Round trips on the onset. */
	struct tempo_map_bbt t;
	tempo_map_frame_to_bbt(map, b->frame, &t);
	CHECK(t.bar == b->bar && t.beat == b->beat && t.tick == 0);
	int64_t f = -1;
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK);
	CHECK(f == b->frame);
	if (beat == 1)
		CHECK(tempo_map_bar_frame(map, b->bar) == b->frame);

	/* The frame before belongs to the previous beat, at the end of
	 * it. */
	tempo_map_frame_to_bbt(map, b->frame - 1, &t);
	if (w->total > 0) {
		int64_t len = prev->next_frame - prev->frame;
		CHECK(t.bar == prev->bar && t.beat == prev->beat);
		CHECK(t.tick <= TICKS - 1);
		CHECK(t.tick >= TICKS - 1 - 2 * TICKS / len - 1);
	} else {
		CHECK(t.bar == 0 && t.tick <= TICKS - 1);
	}

	/* Half a beat in: tick 960 and back, to within the ticks half a
	 * frame is worth. */
	t.bar = b->bar;
	t.beat = b->beat;
	t.tick = TICKS / 2;
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK);
	CHECK(f > b->frame && f < b->next_frame);
	tempo_map_frame_to_bbt(map, f, &t);
	CHECK(t.bar == b->bar && t.beat == b->beat);
	int64_t slack = TICKS / (b->next_frame - b->frame) + 1;
	CHECK(llabs(t.tick - TICKS / 2) <= slack);
	if (b->next_frame - b->frame > 2 * TICKS)
		CHECK(t.tick == TICKS / 2 || t.tick == TICKS / 2 - 1);
}

/* Walking: every frame of the beat at hand finds it, the next beat
 * starts exactly at next_frame; then that next beat is the one at
 * hand. */
static void step_model_beat(struct model_walk *w)
{
	const struct tempo_map *map = w->map;
	const struct tempo_map_beat *b = &w->b;
	struct tempo_map_beat x;
	tempo_map_beat_at(map, b->next_frame - 1, &x);
	CHECK(x.frame == b->frame && x.next_frame == b->next_frame);
	tempo_map_next_beat(map, b->frame, &x);
	CHECK(x.frame == b->frame);
	tempo_map_next_beat(map, b->frame + 1, &x);
	CHECK(x.frame == b->next_frame);
	struct tempo_map_beat next;
	tempo_map_beat_at(map, b->next_frame, &next);
	CHECK(next.frame == b->next_frame);
	CHECK(next.frame > b->frame);
	w->prev = w->b;
	w->b = next;
}

/* Check every beat of a map against its model, and every query
 * property on the way. */
static void check_against_model(const struct mentry *m, size_t n,
                                uint32_t rate, bool numeric)
{
	char *text = m_text(m, n);
	struct tempo_map *map = parse_ok(text, rate);
	free(text);
	if (!map)
		return;
	long double *start = malloc((n + 1) * sizeof *start);
	m_starts(m, n, start);
	CHECK_EQ_U64(tempo_map_entry_count(map), n);
	CHECK(tempo_map_end_frame(map) == m_frame(start[n], rate));

	struct model_walk w = { .map = map, .rate = rate, .numeric = numeric,
	                        .bar = 1 };
	tempo_map_beat_at(map, 0, &w.b);
	for (size_t e = 0; e < n; e++) {
		const struct mentry *me = &m[e];
		if (me->label)
			w.section = me->label;
		check_model_entry(&w, me, e, start);
		for (long k = 0; k < m_beats(me); k++, w.total++) {
			int32_t beat = (int32_t)(k % me->beats) + 1;
			count_model_onset(&w, me, e, k, start[e]);
			check_model_beat(&w, me, e, k, beat);
			check_model_round_trips(&w, beat);
			step_model_beat(&w);
		}
		w.bar += me->bars;
	}
	if (w.onset_mismatch)
		fprintf(stderr, "%ld of %ld onsets differ from the model\n",
		        w.onset_mismatch, w.total);
	CHECK(w.onset_mismatch == 0);
	CHECK(w.numeric_off == 0);
	/* After the last beat: the map's end, silent. */
	const struct tempo_map_beat *b = &w.b;
	CHECK(b->frame == tempo_map_end_frame(map));
	CHECK(b->entry == -1 && b->type == TEMPO_MAP_SILENT);
	CHECK(b->bar == w.bar && b->beat == 1);
	CHECK(tempo_map_bar_frame(map, w.bar) == tempo_map_end_frame(map));
	free(start);
	tempo_map_free(map);
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                */

/* klick's manual example, lines and all. */
static const char manual_map[] =
	"# klick manual example\n"
	"intro:    8 120           # play 8 measures at 120 bpm (4/4)\n"
	"verse1:   12 120 X.x.     # 12 measures at 120 bpm, playing only "
	"the 1st and 3rd beat\n"
	"          4 120-140 X.x.  # gradually increase tempo to 140 bpm\n"
	"chorus1:  16 140\n"
	"bridge:   8 3/4 140 0.5   # change to 3/4 time, reduce volume\n"
	"          8 3/4 140       # normal volume again\n"
	"\n"
	"verse2:   12 120          # back to 4/4 (implied)\n"
	"chorus2:  16 140          # jump to 140 bpm\n"
	"outro:    6 140\n"
	"          2 140-80        # ritardando over the last 2 bars\n";

static const struct mentry manual_model[] = {
	{ "intro", 8, 4, 4, false, M_CONST, 120, 120, { 0 }, NULL, -1 },
	{ "verse1", 12, 4, 4, false, M_CONST, 120, 120, { 0 }, "X.x.", -1 },
	{ NULL, 4, 4, 4, false, M_RAMP, 120, 140, { 0 }, "X.x.", -1 },
	{ "chorus1", 16, 4, 4, false, M_CONST, 140, 140, { 0 }, NULL, -1 },
	{ "bridge", 8, 3, 4, false, M_CONST, 140, 140, { 0 }, NULL, 0.5 },
	{ NULL, 8, 3, 4, false, M_CONST, 140, 140, { 0 }, NULL, -1 },
	{ "verse2", 12, 4, 4, false, M_CONST, 120, 120, { 0 }, NULL, -1 },
	{ "chorus2", 16, 4, 4, false, M_CONST, 140, 140, { 0 }, NULL, -1 },
	{ "outro", 6, 4, 4, false, M_CONST, 140, 140, { 0 }, NULL, -1 },
	{ NULL, 2, 4, 4, false, M_RAMP, 140, 80, { 0 }, NULL, -1 },
};

static void test_manual_example(void)
{
	struct tempo_map *map = parse_ok(manual_map, 48000);
	if (!map)
		return;
	static const int32_t lines[] = { 2, 3, 4, 5, 6, 7, 9, 10, 11, 12 };
	static const int64_t first_bars[] = { 1, 9, 21, 25, 41, 49, 57, 69,
	                                      85, 91 };
	static const char *const sections[] = {
		"intro", "verse1", "verse1", "chorus1", "bridge", "bridge",
		"verse2", "chorus2", "outro", "outro",
	};
	long double start[11];
	m_starts(manual_model, 10, start);
	CHECK_EQ_U64(tempo_map_entry_count(map), 10);
	for (size_t i = 0; i < 10; i++) {
		struct tempo_map_entry_info info;
		tempo_map_entry(map, i, &info);
		CHECK(info.line == lines[i]);
		CHECK(info.first_bar == first_bars[i]);
		CHECK(str_eq(info.section, sections[i]));
		CHECK(str_eq(info.label, manual_model[i].label));
		CHECK(info.start_frame == m_frame(start[i], 48000));
		CHECK(tempo_map_bar_frame(map, first_bars[i]) ==
		      info.start_frame);
	}
	/* Frames by hand: the intro is 32 beats of 0.5 s. */
	CHECK(tempo_map_bar_frame(map, 9) == 16 * 48000);
	CHECK(tempo_map_bar_frame(map, 21) == 40 * 48000);
	/* 4 bars 120 -> 140: 16 beats, 48·ln(7/6) s. */
	CHECK(tempo_map_bar_frame(map, 25) ==
	      (int64_t)llroundl((40 + 48 * logl(7.0L / 6)) * 48000));

	struct tempo_map_entry_info info;
	tempo_map_entry(map, 4, &info);
	CHECK(info.beats_per_bar == 3 && info.denominator == 4);
	CHECK(info.volume == 0.5f);
	tempo_map_entry(map, 5, &info);
	CHECK(info.volume == 1.0f && info.label == NULL);
	tempo_map_entry(map, 9, &info);
	CHECK(info.tempo_start == 140 && info.tempo_end == 80);
	CHECK(info.bars == 2);
	CHECK(info.end_frame == tempo_map_end_frame(map));

	int64_t f = 0;
	CHECK(tempo_map_section_frame(map, "verse2", &f, NULL) == RL_OK);
	CHECK(f == tempo_map_bar_frame(map, 57));
	CHECK(str_eq(tempo_map_section_at(map, f), "verse2"));
	CHECK(str_eq(tempo_map_section_at(map, f - 1), "bridge"));
	/* The unlabelled ramp is still verse1; its pattern is X.x. */
	struct tempo_map_beat b;
	tempo_map_beat_at(map, tempo_map_bar_frame(map, 22) + 1, &b);
	CHECK(str_eq(b.section, "verse1") && b.entry == 2);
	CHECK(b.bar == 22 && b.beat == 1 && b.type == TEMPO_MAP_ACCENT);
	tempo_map_beat_at(map, b.next_frame, &b);
	CHECK(b.beat == 2 && b.type == TEMPO_MAP_SILENT);
	tempo_map_beat_at(map, b.next_frame, &b);
	CHECK(b.beat == 3 && b.type == TEMPO_MAP_NORMAL);
	/* Bridge: 3/4, volume 0.5. */
	tempo_map_beat_at(map, tempo_map_bar_frame(map, 41), &b);
	CHECK(b.beats_per_bar == 3 && b.volume == 0.5f && b.bpm == 140);
	/* Sections unknown: listed once each, in order. */
	struct error err;
	error_clear(&err);
	CHECK(tempo_map_section_frame(map, "solo", &f, &err) ==
	      RL_ERR_NOT_FOUND);
	CHECK(strstr(err.message, "'solo'") != NULL);
	CHECK(strstr(err.message, "t.map") != NULL);
	CHECK(strstr(err.message, "intro, verse1, chorus1, bridge, verse2, "
	                          "chorus2, outro") != NULL);
	tempo_map_free(map);

	check_against_model(manual_model, 10, 48000, true);
}

/* Every field, tabs, a comment glued on, no final newline. */
static void test_forms_every_field(void)
{
	struct tempo_map *map = parse_ok(
	        "\tA_b-9:\t2  7/8\t97.5\tX..x..x\t0.25# comment", 44100);
	if (map) {
		struct tempo_map_entry_info i;
		tempo_map_entry(map, 0, &i);
		CHECK(str_eq(i.label, "A_b-9") && str_eq(i.section, "A_b-9"));
		CHECK(i.line == 1 && i.bars == 2 && i.beats_per_bar == 7);
		CHECK(i.denominator == 8 && i.tempo_start == 97.5);
		CHECK(i.tempo_end == 97.5 && i.volume == 0.25f);
		struct tempo_map_beat b;
		tempo_map_beat_at(map, 0, &b);
		CHECK(b.type == TEMPO_MAP_ACCENT && b.volume == 0.25f);
		tempo_map_beat_at(map, b.next_frame, &b);
		CHECK(b.type == TEMPO_MAP_SILENT);
		tempo_map_beat_at(map, b.next_frame, &b);
		tempo_map_beat_at(map, b.next_frame, &b);
		CHECK(b.beat == 4 && b.type == TEMPO_MAP_NORMAL);
		tempo_map_free(map);
	}
}

/* Label glued to the bars, '.5'-style and '120.' numbers, volume
 * right after the tempo, a lone-'.' pattern in 1/4. */
static void test_forms_terse(void)
{
	struct tempo_map *map = parse_ok(
	        "x:1 .5\n2 120. 0\n3 1/4 60 .\n1 1/4 60 . .5\n"
	        "1 2/4 60 .X\n", 48000);
	if (map) {
		struct tempo_map_entry_info i;
		CHECK_EQ_U64(tempo_map_entry_count(map), 5);
		tempo_map_entry(map, 0, &i);
		CHECK(str_eq(i.label, "x") && i.tempo_start == 0.5);
		tempo_map_entry(map, 1, &i);
		CHECK(i.tempo_start == 120 && i.volume == 0.0f);
		CHECK(str_eq(i.section, "x") && i.label == NULL);
		struct tempo_map_beat b;
		tempo_map_beat_at(map, i.start_frame, &b);
		CHECK(b.volume == 0.0f && b.type == TEMPO_MAP_ACCENT);
		tempo_map_entry(map, 2, &i);
		tempo_map_beat_at(map, i.start_frame, &b);
		CHECK(b.type == TEMPO_MAP_SILENT && b.volume == 1.0f);
		tempo_map_entry(map, 3, &i);
		CHECK(i.volume == 0.5f);
		tempo_map_entry(map, 4, &i);
		tempo_map_beat_at(map, i.start_frame, &b);
		CHECK(b.type == TEMPO_MAP_SILENT);
		tempo_map_beat_at(map, b.next_frame, &b);
		CHECK(b.type == TEMPO_MAP_ACCENT);
		tempo_map_free(map);
	}
}

/* CRLF, blank and comment-only lines, a byte order mark, blanks
 * with CR, comments with UTF-8. */
static void test_forms_crlf_bom(void)
{
	struct tempo_map *map = parse_ok(
	        "\xef\xbb\xbf# Tempo – Karte\r\n\r\n   \r\n"
	        "a: 1 120\r\n\t# nur Kommentar ä\r\n"
	        "1 3/4 90 X.x 0.5 # bis hier\r\n", 48000);
	if (map) {
		struct tempo_map_entry_info i;
		CHECK_EQ_U64(tempo_map_entry_count(map), 2);
		tempo_map_entry(map, 0, &i);
		CHECK(i.line == 4 && str_eq(i.label, "a"));
		CHECK(i.end_frame == 2 * 48000);
		tempo_map_entry(map, 1, &i);
		CHECK(i.line == 6 && i.beats_per_bar == 3 && i.volume == 0.5f);
		CHECK(i.tempo_start == 90 && str_eq(i.section, "a"));
		tempo_map_free(map);
	}
}

/* Per-beat tempi: exact seconds per beat, tempo per beat. */
static void test_forms_per_beat_tempi(void)
{
	struct tempo_map *map = parse_ok("1 3/4 100,110,120\n", 48000);
	if (map) {
		struct tempo_map_beat b;
		tempo_map_beat_at(map, 0, &b);
		CHECK(b.bpm == 100 && b.frame == 0);
		CHECK(b.next_frame == 28800); /* 0.6 s */
		CHECK(tempo_map_bpm_at(map, 28799) == 100);
		tempo_map_beat_at(map, b.next_frame, &b);
		CHECK(b.bpm == 110 && b.beat == 2);
		CHECK(b.next_frame ==
		      (int64_t)llroundl((0.6L + 240.0L / 440) * 48000));
		tempo_map_beat_at(map, b.next_frame, &b);
		CHECK(b.bpm == 120 && b.beat == 3);
		CHECK(b.next_frame == tempo_map_end_frame(map));
		CHECK(b.next_frame ==
		      (int64_t)llroundl((0.6L + 240.0L / 440 + 0.5L) * 48000));
		struct tempo_map_entry_info i;
		tempo_map_entry(map, 0, &i);
		CHECK(i.tempo_start == 100 && i.tempo_end == 120);
		tempo_map_free(map);
	}
}

/* Duplicate labels are fine (as in klick); the first one wins. */
static void test_forms_duplicate_labels(void)
{
	struct tempo_map *map =
	        parse_ok("a: 1 120\nb: 1 120\na: 1 60\n", 48000);
	if (map) {
		int64_t f = -1;
		CHECK(tempo_map_section_frame(map, "a", &f, NULL) == RL_OK);
		CHECK(f == 0);
		CHECK(tempo_map_section_frame(map, "b", &f, NULL) == RL_OK);
		CHECK(f == 96000);
		CHECK(str_eq(tempo_map_section_at(map, 2 * 96000), "a"));
		struct error err;
		error_clear(&err);
		CHECK(tempo_map_section_frame(map, "c", &f, &err) ==
		      RL_ERR_NOT_FOUND);
		CHECK(strstr(err.message, "'c' (sections: a, b)") != NULL);
		tempo_map_free(map);
	}
}

/* No labels at all: no sections anywhere. */
static void test_forms_no_labels(void)
{
	struct tempo_map *map = parse_ok("4 120\n", 48000);
	if (map) {
		struct error err;
		int64_t f = 123;
		error_clear(&err);
		CHECK(tempo_map_section_at(map, 0) == NULL);
		CHECK(tempo_map_section_frame(map, "x", &f, &err) ==
		      RL_ERR_NOT_FOUND);
		CHECK(f == 123);
		CHECK(strstr(err.message, "no section 'x'") != NULL);
		tempo_map_free(map);
	}
}

/* The limits themselves are allowed. */
static void test_forms_limits(void)
{
	char label[TEMPO_MAP_LABEL_MAX + 32];
	memset(label, 'l', TEMPO_MAP_LABEL_MAX);
	snprintf(label + TEMPO_MAP_LABEL_MAX, 32, ": 1 120\n");
	struct tempo_map *map = parse_ok(label, 48000);
	if (map) {
		struct tempo_map_entry_info i;
		tempo_map_entry(map, 0, &i);
		CHECK(strlen(i.label) == TEMPO_MAP_LABEL_MAX);
		tempo_map_free(map);
	}
	tempo_map_free(parse_ok("100000 64/64 1000 10\n1 1/1 0.001 0\n",
	                        48000));
	tempo_map_free(parse_ok("1 1/1 1000-0.5\n1 2/1 0.5,1000\n", 48000));
}

/* Ticks finer than a frame (64ths at 1000 bpm, 8 kHz: 30 frames a
 * beat): the last tick of a beat is still inside it, not on the next
 * beat's onset (found by tests/fuzz/fuzz_tempo_map.c). */
static void test_ticks_finer_than_frames(void)
{
	struct tempo_map *map = parse_ok("2 64/64 1000\n", 8000);
	if (!map)
		return;
	struct tempo_map_bbt last = { .bar = 1, .beat = 64,
	                              .tick = TEMPO_MAP_TICKS_PER_BEAT - 1 };
	int64_t f = -1;
	CHECK(tempo_map_bbt_to_frame(map, &last, &f) == RL_OK);
	CHECK(f == 64 * 30 - 1);
	struct tempo_map_bbt back;
	tempo_map_frame_to_bbt(map, f, &back);
	CHECK(back.bar == 1 && back.beat == 64);
	/* The map's very last tick, and the same after the map. */
	last.bar = 2;
	CHECK(tempo_map_bbt_to_frame(map, &last, &f) == RL_OK);
	CHECK(f == tempo_map_end_frame(map) - 1);
	last.bar = 3;
	CHECK(tempo_map_bbt_to_frame(map, &last, &f) == RL_OK);
	CHECK(f == tempo_map_end_frame(map) + 64 * 30 - 1);
	tempo_map_free(map);
}

/* A rate outside 1000..1000000 Hz is an argument error. */
static void test_forms_bad_rate(void)
{
	struct tempo_map *bad = POISON;
	CHECK(tempo_map_parse("1 120", 5, "x", 0, &bad, NULL) ==
	      RL_ERR_INVALID);
	CHECK(bad == NULL);
	CHECK(tempo_map_parse("1 120", 5, "x", 999, &bad, NULL) ==
	      RL_ERR_INVALID);
}

/* Entry index out of range: zeroed, not a crash. */
static void test_forms_entry_out_of_range(void)
{
	struct tempo_map *map = parse_ok("1 120", 48000);
	if (map) {
		struct tempo_map_entry_info i;
		memset(&i, 0xff, sizeof i);
		tempo_map_entry(map, 1, &i);
		CHECK(i.label == NULL && i.bars == 0 && i.start_frame == 0);
		CHECK(tempo_map_rate(map) == 48000);
		tempo_map_free(map);
	}
}

/* Errors in labels. */
static void test_errors_labels(void)
{
	expect_error("intro:\n", "song.map:1:7: ",
	             "expected the number of bars after label 'intro', "
	             "found end of line");
	expect_error("8 120\nintro:   # later\n", "song.map:2:10: ",
	             "expected the number of bars after label 'intro', "
	             "found end of line");
	expect_error("v.1: 8 120\n", "song.map:1:2: ",
	             "expected a letter, digit, '_' or '-' in label 'v.1', "
	             "found '.'");
	expect_error("  intr\xc3\xb6: 8 120\n", "song.map:1:7: ",
	             "found '\\xc3'");
	expect_error(": 8 120\n", "song.map:1:1: ",
	             "expected a label before ':'");
	char longlabel[TEMPO_MAP_LABEL_MAX + 32];
	memset(longlabel, 'l', TEMPO_MAP_LABEL_MAX + 1);
	snprintf(longlabel + TEMPO_MAP_LABEL_MAX + 1, 31, ": 1 120\n");
	expect_error(longlabel, "song.map:1:1: ",
	             "label is 65 characters long, at most 64");
}

/* Errors in the number of bars. */
static void test_errors_bars(void)
{
	expect_error("X.x. 120\n", "song.map:1:1: ",
	             "expected the number of bars (a whole number), found "
	             "'X.x.'");
	expect_error("intro: 3/4 120\n", "song.map:1:8: ",
	             "expected the number of bars (a whole number), found "
	             "'3/4'");
	expect_error("intro 8 120\n", "song.map:1:1: ",
	             "expected the number of bars (a whole number), found "
	             "'intro'");
	expect_error("-8 120\n", "song.map:1:1: ", "found '-8'");
	expect_error("8x 120\n", "song.map:1:1: ", "found '8x'");
	expect_error("0 120\n", "song.map:1:1: ",
	             "expected a number of bars from 1 to 100000, found '0'");
	expect_error("100001 120\n", "song.map:1:1: ",
	             "expected a number of bars from 1 to 100000, found "
	             "'100001'");
	expect_error("18446744073709551617 120\n", "song.map:1:1: ",
	             "found '18446744073709551617'");
}

/* Errors in the meter. */
static void test_errors_meter(void)
{
	expect_error("8 4/ 120\n", "song.map:1:3: ",
	             "expected a meter like 3/4 or 6/8, found '4/'");
	expect_error("8 /4 120\n", "song.map:1:3: ",
	             "expected a meter like 3/4 or 6/8, found '/4'");
	expect_error("8 3/4/4 120\n", "song.map:1:3: ",
	             "expected a meter like 3/4 or 6/8, found '3/4/4'");
	expect_error("8 0/4 120\n", "song.map:1:3: ",
	             "expected 1 to 64 beats per bar, found '0'");
	expect_error("8 65/4 120\n", "song.map:1:3: ",
	             "expected 1 to 64 beats per bar, found '65'");
	expect_error("8 4/0 120\n", "song.map:1:5: ",
	             "expected a meter denominator from 1 to 64, found '0'");
	expect_error("8 4/128 120\n", "song.map:1:5: ",
	             "expected a meter denominator from 1 to 64, found "
	             "'128'");
	expect_error("8 99999999999999999999/4 120\n", "song.map:1:3: ",
	             "beats per bar");
}

/* Errors in the tempo: one value, a ramp, a list per beat. */
static void test_errors_tempo(void)
{
	expect_error("8\n", "song.map:1:2: ",
	             "expected a tempo (120, 120-140 or 120,122,...), found "
	             "end of line");
	expect_error("8 3/4 # no tempo\n", "song.map:1:7: ",
	             "expected a tempo (120, 120-140 or 120,122,...), found "
	             "end of line");
	expect_error("8 abc\n", "song.map:1:3: ",
	             "expected a tempo (120, 120-140 or 120,122,...), found "
	             "'abc'");
	expect_error("8 -120\n", "song.map:1:3: ", "found '-120'");
	expect_error("8 120x\n", "song.map:1:3: ", "found '120x'");
	expect_error("8 120.5.3\n", "song.map:1:3: ", "found '120.5.3'");
	expect_error("8 1e3\n", "song.map:1:3: ", "found '1e3'");
	expect_error("8 120-abc\n", "song.map:1:7: ",
	             "expected the end tempo of a ramp after '-' (as in "
	             "120-140), found 'abc'");
	expect_error("8 120-\n", "song.map:1:7: ",
	             "expected the end tempo of a ramp after '-' (as in "
	             "120-140), found end of line");
	expect_error("8 120-140-160\n", "song.map:1:3: ",
	             "found '120-140-160'");
	expect_error("8 120,abc\n", "song.map:1:7: ",
	             "expected a tempo value after ',' (as in 120,122,...), "
	             "found 'abc'");
	expect_error("1 120,130-140,150,160\n", "song.map:1:3: ",
	             "found '120,130-140,150,160'");
	expect_error("2 120,121,122,123,124,125,126,127,128,129,130,131,132,"
	             "133,134,135\n", "song.map:1:3: ",
	             "16 tempo values, the entry has 8 beats (2 bars of "
	             "4/4)");
	expect_error("1 3/4 120,121\n", "song.map:1:7: ",
	             "2 tempo values, the entry has 3 beats (1 bar of 3/4)");
	expect_error("8 0\n", "song.map:1:3: ",
	             "expected a tempo greater than 0 and at most 1000 bpm, "
	             "found '0'");
	expect_error("8 .0\n", "song.map:1:3: ", "found '.0'");
	expect_error("8 1000.001\n", "song.map:1:3: ",
	             "at most 1000 bpm, found '1000.001'");
	expect_error("8 99999999999999999999999999999999\n", "song.map:1:3: ",
	             "at most 1000 bpm");
	expect_error("8 120-0\n", "song.map:1:7: ",
	             "greater than 0 and at most 1000 bpm, found '0'");
	expect_error("1 2/4 120,0\n", "song.map:1:11: ",
	             "greater than 0 and at most 1000 bpm, found '0'");
	expect_error("8 .\n", "song.map:1:3: ", "expected a tempo");
}

/* Errors in the pattern, the volume and the rest of the line. */
static void test_errors_pattern_volume(void)
{
	expect_error("8 120 X.x\n", "song.map:1:7: ",
	             "pattern 'X.x' has 3 beats, meter 4/4 has 4");
	expect_error("8 3/4 120 X.x.\n", "song.map:1:11: ",
	             "pattern 'X.x.' has 4 beats, meter 3/4 has 3");
	expect_error("8 120 X.y.\n", "song.map:1:7: ",
	             "expected a pattern of 'X', 'x' and '.' (like X.x.), "
	             "found 'X.y.'");
	expect_error("8 120 foo\n", "song.map:1:7: ",
	             "expected a pattern (like X.x.), a volume (like 0.5) or "
	             "end of line, found 'foo'");
	expect_error("8 120 X.x. foo\n", "song.map:1:12: ",
	             "expected a volume (like 0.5) or end of line, found "
	             "'foo'");
	expect_error("8 120 X.x. 0.5 foo\n", "song.map:1:16: ",
	             "expected end of line (or a '#' comment) after the "
	             "volume, found 'foo'");
	expect_error("8 120 0.5 X.x.\n", "song.map:1:11: ",
	             "after the volume, found 'X.x.'");
	expect_error("8 120 0.5 1\n", "song.map:1:11: ",
	             "after the volume, found '1'");
	expect_error("8 120 11\n", "song.map:1:7: ",
	             "expected a volume from 0 to 10, found '11'");
	expect_error("8 120 -1\n", "song.map:1:7: ", "found '-1'");
	expect_error("8 120 3/4\n", "song.map:1:7: ", "found '3/4'");
}

/* Error positions across lines, CRLF, tabs. */
static void test_errors_positions(void)
{
	expect_error("intro: 8 120\n\n  verse: 4 3/4 abc\n", "song.map:3:16: ",
	             "found 'abc'");
	expect_error("8 120\r\n8 abc\r\n", "song.map:2:3: ", "found 'abc'");
	expect_error("8 120\r\n\t8\tabc\r\n", "song.map:2:4: ", "found 'abc'");
}

/* Not text: NUL bytes and control characters. */
static void test_errors_not_text(void)
{
	expect_error_n(__LINE__, "8 120\n8 1\0 20\n", 14, "song.map:2:4: ",
	               "unexpected NUL byte");
	expect_error_n(__LINE__, "8 120 # \0 in a comment\n", 23,
	               "song.map:1:9: ", "unexpected NUL byte");
	expect_error("\x7f" "ELF\x02\x01\x01", "song.map:1:1: ",
	             "unexpected control character 0x7f");
	expect_error("8 120\r8 120\n", "song.map:1:6: ",
	             "unexpected control character 0x0d");
}

/* Nothing in it: no entries. */
static void test_errors_empty(void)
{
	expect_error("", "song.map: ", "song.map: no entries (a tempo map "
	             "needs at least one line like '8 120')");
	expect_error("# only a comment\n\n \t \r\n", "song.map: ",
	             "no entries");
	expect_error_n(__LINE__, NULL, 0, "song.map: ", "no entries");
}

/* So slow it would not fit in 2^53 frames. */
static void test_errors_too_long(void)
{
	expect_error("1 120\n100000 1/1 0.0000001\n", "song.map:2: ",
	             "too long");
}

/* A long token is cut in the message. */
static void test_errors_long_token(void)
{
	expect_error("8 120 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	             "xxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "song.map:1:7: ",
	             "pattern 'xxxxxxxx");
	expect_error("8 120 0.5 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	             "yyyyyyyyyyyyyyy\n", "song.map:1:11: ",
	             "found 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...'");
}

/* A one-entry map padded with comment lines to exactly `total` bytes. */
static void write_padded(const char *path, long total)
{
	FILE *f = fopen(path, "w");
	char line[64];
	memset(line, '#', sizeof line - 1);
	line[sizeof line - 1] = '\n';
	fputs("1 120\n", f);
	long left = total - 6;
	for (; left >= 64; left -= 64)
		fwrite(line, 1, 64, f);
	fwrite(line + 64 - left, 1, (size_t)left, f);
	fclose(f);
}

static void test_load(void)
{
	char dir[200];
	if (!check_tmpdir(dir, sizeof dir, "tempo_map")) {
		CHECK(!"check_tmpdir");
		return;
	}
	char path[256];
	struct tempo_map *map = POISON;
	struct error err;

	/* Missing file. */
	snprintf(path, sizeof path, "%s/missing.map", dir);
	error_clear(&err);
	CHECK(tempo_map_load(path, 48000, &map, &err) == RL_ERR_NOT_FOUND);
	CHECK(map == NULL && strstr(err.message, path) != NULL);

	/* A directory. */
	error_clear(&err);
	CHECK(tempo_map_load(dir, 48000, &map, &err) == RL_ERR_IO);
	CHECK(map == NULL && strstr(err.message, dir) != NULL);

	/* A good file; then a bad one, named in the message. */
	snprintf(path, sizeof path, "%s/song.map", dir);
	FILE *f = fopen(path, "w");
	fputs(manual_map, f);
	fclose(f);
	CHECK(tempo_map_load(path, 48000, &map, &err) == RL_OK);
	if (map) {
		CHECK_EQ_U64(tempo_map_entry_count(map), 10);
		tempo_map_free(map);
	}
	f = fopen(path, "w");
	fputs("intro: 8 120\nverse: 8 3/4 fast\n", f);
	fclose(f);
	error_clear(&err);
	map = POISON;
	CHECK(tempo_map_load(path, 48000, &map, &err) == RL_ERR_FORMAT);
	CHECK(map == NULL);
	char want[300];
	snprintf(want, sizeof want, "%s:2:14: expected a tempo", path);
	CHECK(strncmp(err.message, want, strlen(want)) == 0);

	/* Larger than 4 MiB: refused before parsing. Exactly 4 MiB is
	 * fine. */
	write_padded(path, (4 << 20) + 1);
	error_clear(&err);
	map = POISON;
	CHECK(tempo_map_load(path, 48000, &map, &err) == RL_ERR_FORMAT);
	CHECK(map == NULL && strstr(err.message, "4 MiB") != NULL);
	write_padded(path, 4 << 20);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == (4 << 20));
	error_clear(&err);
	CHECK(tempo_map_load(path, 48000, &map, &err) == RL_OK);
	if (err.status)
		fprintf(stderr, "%s\n", err.message);
	tempo_map_free(map);

	check_rmtree(dir);
}

/* ---------------------------------------------------------------------- */
/* Exact values                                                           */

static void test_simple(void)
{
	struct tempo_map *map = NULL;
	struct error err;
	CHECK(tempo_map_new_simple(120, 4, 4, 48000, &map, &err) == RL_OK);
	if (!map)
		return;
	CHECK(tempo_map_end_frame(map) == INT64_MAX);
	CHECK(tempo_map_rate(map) == 48000);
	CHECK_EQ_U64(tempo_map_entry_count(map), 1);
	struct tempo_map_entry_info i;
	tempo_map_entry(map, 0, &i);
	CHECK(i.label == NULL && i.section == NULL && i.first_bar == 1);
	CHECK(i.start_frame == 0 && i.end_frame == INT64_MAX);
	CHECK(i.tempo_start == 120 && i.tempo_end == 120 && i.volume == 1.0f);
	CHECK(i.beats_per_bar == 4 && i.denominator == 4);

	/* Beat k at 24000·k, forever. */
	for (int64_t k = 0; k < 2000; k++) {
		struct tempo_map_beat b;
		tempo_map_beat_at(map, 24000 * k + (k % 7) * 3000, &b);
		CHECK(b.frame == 24000 * k && b.next_frame == 24000 * (k + 1));
		CHECK(b.bar == k / 4 + 1 && b.beat == k % 4 + 1);
		CHECK(b.type == (k % 4 ? TEMPO_MAP_NORMAL : TEMPO_MAP_ACCENT));
		CHECK(b.volume == 1.0f && b.bpm == 120 && b.entry == 0);
		struct tempo_map_bbt t;
		tempo_map_frame_to_bbt(map, 24000 * k + 12000, &t);
		CHECK(t.bar == k / 4 + 1 && t.beat == k % 4 + 1);
		CHECK(t.tick == 960);
		tempo_map_frame_to_bbt(map, 24000 * k + 6000, &t);
		CHECK(t.tick == 480);
	}
	/* 2^53 frames in (about six years): still exact, no overflow. */
	int64_t big = INT64_C(1) << 53;
	struct tempo_map_beat b;
	tempo_map_beat_at(map, big, &b);
	int64_t k = big / 24000;
	CHECK(b.frame == k * 24000 && b.next_frame == (k + 1) * 24000);
	CHECK(b.bar == k / 4 + 1 && b.beat == (int32_t)(k % 4) + 1);
	CHECK(tempo_map_bar_frame(map, k / 4 + 1) == (k - k % 4) * 24000);
	struct tempo_map_bbt t;
	tempo_map_frame_to_bbt(map, big, &t);
	CHECK(t.bar == b.bar && t.beat == b.beat);
	CHECK(llabs(t.tick - (big - b.frame) * 1920 / 24000) <= 1);
	/* The extremes saturate instead of overflowing. */
	tempo_map_beat_at(map, INT64_MAX, &b);
	CHECK(b.frame <= INT64_MAX && b.bar > 0 && b.beat >= 1 && b.beat <= 4);
	tempo_map_next_beat(map, INT64_MAX, &b);
	tempo_map_beat_at(map, INT64_MIN, &b);
	CHECK(b.bar < 0 && b.beat >= 1 && b.beat <= 4);
	tempo_map_frame_to_bbt(map, INT64_MIN, &t);
	CHECK(t.tick >= 0 && t.tick < TICKS);
	tempo_map_frame_to_bbt(map, INT64_MAX, &t);
	CHECK(t.tick >= 0 && t.tick < TICKS);
	CHECK(tempo_map_bar_frame(map, INT64_MAX) == INT64_MAX);
	CHECK(tempo_map_bar_frame(map, INT64_MIN) == INT64_MIN);
	int64_t f = 0;
	t = (struct tempo_map_bbt){ INT64_MAX, 4, 1919 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK && f == INT64_MAX);
	t = (struct tempo_map_bbt){ INT64_MAX / 4, 4, 1919 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK && f > 0);
	t = (struct tempo_map_bbt){ INT64_MIN, 1, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK && f == INT64_MIN);
	(void)tempo_map_bpm_at(map, INT64_MAX);
	CHECK(tempo_map_section_at(map, INT64_MAX) == NULL);
	tempo_map_free(map);

	/* 6/8 at 120: an eighth is 12000 frames. */
	CHECK(tempo_map_new_simple(120, 6, 8, 48000, &map, NULL) == RL_OK);
	if (map) {
		for (int64_t j = -12; j < 120; j++) {
			tempo_map_beat_at(map, 12000 * j + 11999, &b);
			CHECK(b.frame == 12000 * j);
			CHECK(b.bar == 1 + (j >= 0 ? j / 6 : -((5 - j) / 6)));
			CHECK(b.beat == (int32_t)(((j % 6) + 6) % 6) + 1);
			CHECK(b.beats_per_bar == 6 && b.denominator == 8);
		}
		CHECK(tempo_map_bar_frame(map, 3) == 144000);
		tempo_map_free(map);
	}

	/* Bad arguments. */
	static const struct { double bpm; int32_t beats, denom; uint32_t rate; }
	bad[] = {
		{ 0, 4, 4, 48000 }, { -120, 4, 4, 48000 },
		{ 1000.5, 4, 4, 48000 }, { NAN, 4, 4, 48000 },
		{ INFINITY, 4, 4, 48000 }, { 120, 0, 4, 48000 },
		{ 120, 65, 4, 48000 }, { 120, 4, 0, 48000 },
		{ 120, 4, 65, 48000 }, { 120, 4, 4, 0 },
	};
	for (size_t n = 0; n < sizeof bad / sizeof bad[0]; n++) {
		map = POISON;
		error_clear(&err);
		CHECK(tempo_map_new_simple(bad[n].bpm, bad[n].beats,
		                           bad[n].denom, bad[n].rate, &map,
		                           &err) == RL_ERR_INVALID);
		CHECK(map == NULL && err.message[0] != '\0');
	}
	CHECK(tempo_map_new_simple(1000, 64, 64, 48000, &map, NULL) == RL_OK);
	tempo_map_free(map);
	tempo_map_free(NULL);
}

/* A constant map against llround of the exact value, at 44100. */
static void test_exact_constant(void)
{
	/* 7/8 at 97: an eighth is 240/776 s = 13639.175... frames. */
	struct mentry seven = { NULL, 50, 7, 8, true, M_CONST, 97, 97, { 0 },
	                        NULL, -1 };
	check_against_model(&seven, 1, 44100, false);
	struct tempo_map *map = parse_ok("50 7/8 97\n", 44100);
	if (map) {
		for (int64_t k = 0; k < 350; k++) {
			int64_t want = (int64_t)llroundl(k * 240.0L * 44100 /
			                                 (97 * 8));
			struct tempo_map_beat b;
			tempo_map_next_beat(map, want - 5, &b);
			CHECK(b.frame == want);
		}
		tempo_map_free(map);
	}

	/* No drift: ten minutes at 97 bpm, one entry or 243 entries of one
	 * bar: the last beat is still exactly llround of its time. */
	map = parse_ok("243 4/4 97\n", 44100);
	size_t cap = 243 * 16 + 1, len = 0;
	char *text = malloc(cap);
	for (int i = 0; i < 243; i++)
		len += (size_t)snprintf(text + len, cap - len, "1 97\n");
	struct tempo_map *split = parse_ok(text, 44100);
	free(text);
	if (map && split) {
		int64_t want = (int64_t)llroundl(971 * 60.0L * 44100 / 97);
		struct tempo_map_beat b, c;
		tempo_map_beat_at(map, tempo_map_end_frame(map) - 1, &b);
		tempo_map_beat_at(split, tempo_map_end_frame(split) - 1, &c);
		CHECK(b.bar == 243 && b.beat == 4 && b.frame == want);
		CHECK(c.bar == 243 && c.beat == 4 && c.frame == want);
		CHECK(tempo_map_end_frame(map) ==
		      (int64_t)llroundl(972 * 60.0L * 44100 / 97));
		CHECK(tempo_map_end_frame(split) == tempo_map_end_frame(map));
		CHECK(want > 600 * 44100);
		/* Every bar line agrees between the two. */
		int bad = 0;
		for (int64_t bar = -3; bar <= 250; bar++)
			bad += tempo_map_bar_frame(map, bar) !=
			       tempo_map_bar_frame(split, bar);
		CHECK(bad == 0);
	}
	tempo_map_free(map);
	tempo_map_free(split);
}

static void test_exact_ramps(void)
{
	/* Up, down, in 3/4, nearly flat, per-beat: onsets equal the
	 * independent closed form and the numerical integral (±1). */
	struct mentry ramps[] = {
		{ "up", 4, 4, 4, false, M_RAMP, 120, 140, { 0 }, NULL, -1 },
		{ "down", 2, 3, 4, false, M_RAMP, 140, 80, { 0 }, NULL, -1 },
		{ NULL, 8, 4, 4, false, M_RAMP, 120, 120.000001, { 0 }, NULL,
		  -1 },
		{ NULL, 3, 5, 8, false, M_RAMP, 60, 240, { 0 }, NULL, -1 },
		{ "steps", 1, 6, 8, false, M_LIST, 0, 0,
		  { 100, 103, 107.5, 111, 115.25, 120 }, NULL, -1 },
		{ NULL, 16, 4, 4, false, M_RAMP, 1000, 40, { 0 }, NULL, -1 },
	};
	ramps[4].t1 = 100;
	check_against_model(ramps, sizeof ramps / sizeof ramps[0], 48000, true);
	check_against_model(ramps, sizeof ramps / sizeof ramps[0], 44100, true);
	/* Extreme: 1000 down to 1 bpm (the last beat lasts ~17 s). Simpson
	 * would need far finer steps there; the closed forms must agree. */
	struct mentry extreme[] = {
		{ NULL, 16, 4, 4, false, M_RAMP, 1000, 1, { 0 }, NULL, -1 },
		{ NULL, 16, 4, 4, false, M_RAMP, 1, 1000, { 0 }, NULL, -1 },
	};
	check_against_model(extreme, 2, 48000, false);

	/* Short beats (about 166 frames): half a frame is several ticks,
	 * so an onset rounded down must still read as tick 0. */
	struct mentry fast[] = {
		{ NULL, 2, 64, 64, false, M_CONST, 997, 997, { 0 }, NULL, -1 },
		{ NULL, 2, 64, 64, false, M_RAMP, 999, 611.5, { 0 }, NULL, -1 },
		{ NULL, 1, 64, 64, false, M_LIST, 0, 0, { 0 }, NULL, -1 },
	};
	for (int j = 0; j < 64; j++)
		fast[2].tempi[j] = 1000 - 1.75 * j;
	fast[2].t1 = fast[2].tempi[0];
	check_against_model(fast, 3, 44100, true);
	check_against_model(fast, 3, 1000, false);

	/* bpm_at inside a ramp follows it; a flat ramp is constant. */
	struct tempo_map *map = parse_ok("4 120-140\n1 100-100\n", 48000);
	if (map) {
		double prev = 0;
		bool rising = true;
		for (int64_t f = 0; f < tempo_map_bar_frame(map, 5); f += 1000) {
			double bpm = tempo_map_bpm_at(map, f);
			rising &= bpm >= prev && bpm >= 120 && bpm <= 140;
			prev = bpm;
		}
		CHECK(rising);
		CHECK(prev > 139.5);
		CHECK(tempo_map_bpm_at(map, tempo_map_bar_frame(map, 5)) == 100);
		CHECK(tempo_map_bar_frame(map, 6) ==
		      tempo_map_bar_frame(map, 5) + 4 * 28800);
		tempo_map_free(map);
	}
}

/* ---------------------------------------------------------------------- */
/* Before 0 and after the end                                             */

static void test_outside(void)
{
	struct tempo_map *map = parse_ok("intro: 2 3/4 100-200\n"
	                                 "1 4/4 120\n"
	                                 "end: 1 3/4 60-90\n", 48000);
	if (!map)
		return;
	struct tempo_map_beat b;
	struct tempo_map_bbt t;

	/* Before: 3/4 at 100 (the start tempo): 28800 frames a beat. */
	tempo_map_beat_at(map, -1, &b);
	CHECK(b.frame == -28800 && b.next_frame == 0);
	CHECK(b.bar == 0 && b.beat == 3 && b.beats_per_bar == 3);
	CHECK(b.denominator == 4 && b.bpm == 100);
	CHECK(b.type == TEMPO_MAP_SILENT && b.volume == 0.0f);
	CHECK(b.entry == -1 && b.section == NULL);
	tempo_map_beat_at(map, -3 * 28800, &b);
	CHECK(b.bar == 0 && b.beat == 1 && b.frame == -86400);
	tempo_map_beat_at(map, -3 * 28800 - 1, &b);
	CHECK(b.bar == -1 && b.beat == 3 && b.frame == -115200);
	tempo_map_beat_at(map, -1000 * 86400 + 5, &b);
	CHECK(b.bar == -999 && b.beat == 1 && b.frame == -1000 * 86400);
	CHECK(tempo_map_bar_frame(map, 0) == -86400);
	CHECK(tempo_map_bar_frame(map, -1) == -172800);
	CHECK(tempo_map_bar_frame(map, -99) == -100 * 86400);
	tempo_map_frame_to_bbt(map, -1, &t);
	CHECK(t.bar == 0 && t.beat == 3 && t.tick == 1919);
	tempo_map_frame_to_bbt(map, -14400, &t);
	CHECK(t.bar == 0 && t.beat == 3 && t.tick == 960);
	int64_t f = 1;
	t = (struct tempo_map_bbt){ 0, 3, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK && f == -28800);
	t = (struct tempo_map_bbt){ 0, 3, 960 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK && f == -14400);
	t = (struct tempo_map_bbt){ 0, 4, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);
	tempo_map_next_beat(map, -28799, &b);
	CHECK(b.frame == 0 && b.bar == 1 && b.beat == 1 && b.entry == 0);
	CHECK(b.type == TEMPO_MAP_ACCENT && str_eq(b.section, "intro"));
	CHECK(tempo_map_section_at(map, -1) == NULL);
	CHECK(tempo_map_section_at(map, 0) != NULL);
	CHECK(tempo_map_bpm_at(map, -1) == 100);
	CHECK(tempo_map_bpm_at(map, INT64_MIN) == 100);

	/* After: 3/4 at 90 (the end tempo), silent, from bar 5 on. The
	 * ramp is 3 beats from 60 to 90: 180/logmean(60, 90) seconds. */
	long double ramp = 180.0L / (30.0L / logl(1.5L));
	long double rampup = 6 * 240.0L / (4 * (100.0L / logl(2.0L)));
	long double end = rampup + 2.0L + ramp;
	int64_t end_frame = (int64_t)llroundl(end * 48000);
	CHECK(tempo_map_end_frame(map) == end_frame);
	CHECK(tempo_map_bar_frame(map, 3) ==
	      (int64_t)llroundl(rampup * 48000));
	tempo_map_beat_at(map, end_frame - 1, &b);
	CHECK(b.bar == 4 && b.beat == 3 && b.entry == 2);
	CHECK(b.next_frame == end_frame && str_eq(b.section, "end"));
	CHECK(str_eq(tempo_map_section_at(map, end_frame - 1), "end"));
	CHECK(tempo_map_section_at(map, end_frame) == NULL);
	for (int64_t k = 0; k < 30; k++) {
		int64_t want = (int64_t)llroundl((end + k * (2.0L / 3)) * 48000);
		tempo_map_beat_at(map, want, &b);
		CHECK(b.frame == want);
		CHECK(b.bar == 5 + k / 3 && b.beat == k % 3 + 1);
		CHECK(b.type == TEMPO_MAP_SILENT && b.volume == 0.0f);
		CHECK(b.entry == -1 && b.section == NULL && b.bpm == 90);
		CHECK(b.beats_per_bar == 3 && b.denominator == 4);
		if (k % 3 == 0)
			CHECK(tempo_map_bar_frame(map, 5 + k / 3) == want);
		tempo_map_frame_to_bbt(map, want, &t);
		CHECK(t.bar == b.bar && t.beat == b.beat && t.tick == 0);
		tempo_map_next_beat(map, want - 1, &b);
		CHECK(b.frame == want);
	}
	CHECK(tempo_map_bpm_at(map, end_frame + 1000000) == 90);
	CHECK(tempo_map_bpm_at(map, INT64_MAX) == 90);
	tempo_map_beat_at(map, INT64_MAX, &b);
	CHECK(b.entry == -1 && b.beat >= 1 && b.beat <= 3);
	CHECK(tempo_map_bar_frame(map, INT64_MAX) == INT64_MAX);
	t = (struct tempo_map_bbt){ 5, 4, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);

	/* Invalid bar|beat|tick inside. */
	t = (struct tempo_map_bbt){ 3, 0, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);
	t = (struct tempo_map_bbt){ 3, 5, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);
	t = (struct tempo_map_bbt){ 3, 4, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_OK);
	t = (struct tempo_map_bbt){ 4, 4, 0 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);
	t = (struct tempo_map_bbt){ 3, 1, -1 };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);
	t = (struct tempo_map_bbt){ 3, 1, TICKS };
	CHECK(tempo_map_bbt_to_frame(map, &t, &f) == RL_ERR_INVALID);
	tempo_map_free(map);
}

/* ---------------------------------------------------------------------- */
/* Every beat of a long map                                               */

static void test_long_map(void)
{
	enum { REPS = 10, PER = 9 };
	struct mentry m[REPS * PER];
	static char labels[REPS][4][16];
	size_t n = 0;
	for (int r = 0; r < REPS; r++) {
		snprintf(labels[r][0], 16, "intro%d", r);
		snprintf(labels[r][1], 16, "verse%d", r);
		snprintf(labels[r][2], 16, "chorus%d", r);
		snprintf(labels[r][3], 16, "bridge%d", r);
		double base = 90 + 7 * r;
		m[n++] = (struct mentry){ labels[r][0], 4, 4, 4, r % 2, M_CONST,
		                          120, 120, { 0 }, NULL, -1 };
		m[n++] = (struct mentry){ labels[r][1], 8, 7, 8, false, M_CONST,
		                          base, base, { 0 }, "X..x..x", 0.8 };
		m[n++] = (struct mentry){ NULL, 4, 7, 8, false, M_RAMP, base,
		                          base + 41.5, { 0 }, "X..x.x.", -1 };
		m[n++] = (struct mentry){ labels[r][2], 8, 6, 8, false, M_CONST,
		                          base + 41.5, base + 41.5, { 0 },
		                          NULL, -1 };
		m[n++] = (struct mentry){ NULL, 2, 5, 4, false, M_RAMP,
		                          base + 41.5, 72, { 0 }, "Xx.xx", 1.5 };
		m[n] = (struct mentry){ labels[r][3], 2, 3, 4, false, M_LIST, 0,
		                        0, { 0 }, NULL, -1 };
		for (int j = 0; j < 6; j++)
			m[n].tempi[j] = 70 + 3.25 * j + r;
		m[n].t1 = m[n].tempi[0];
		n++;
		m[n++] = (struct mentry){ NULL, 3, 2, 2, false, M_CONST, 80, 80,
		                          { 0 }, "X.", 0 };
		m[n++] = (struct mentry){ NULL, 6, 12, 16, false, M_RAMP, 133,
		                          150, { 0 }, NULL, -1 };
		m[n++] = (struct mentry){ NULL, 2, 4, 4, false, M_RAMP, 150,
		                          101, { 0 }, NULL, 2 };
	}
	long double start[REPS * PER + 1];
	m_starts(m, n, start);
	CHECK(start[n] > 600); /* at least ten minutes */
	check_against_model(m, n, 44100, true);
	check_against_model(m, n, 48000, false);
	check_against_model(m, n, 96000, false);

	/* Every bar line from bar_frame is the onset of that bar's beat 1,
	 * and bars are increasing. */
	char *text = m_text(m, n);
	struct tempo_map *map = parse_ok(text, 48000);
	free(text);
	if (!map)
		return;
	int bad = 0;
	int64_t prev = INT64_MIN;
	for (int64_t bar = -5; bar < 1000; bar++) {
		int64_t f = tempo_map_bar_frame(map, bar);
		struct tempo_map_beat b;
		tempo_map_beat_at(map, f, &b);
		bad += b.bar != bar || b.beat != 1 || b.frame != f || f <= prev;
		prev = f;
	}
	CHECK(bad == 0);
	tempo_map_free(map);
}

int main(void)
{
	test_manual_example();
	test_forms_every_field();
	test_forms_terse();
	test_forms_crlf_bom();
	test_forms_per_beat_tempi();
	test_forms_duplicate_labels();
	test_forms_no_labels();
	test_forms_limits();
	test_forms_bad_rate();
	test_ticks_finer_than_frames();
	test_forms_entry_out_of_range();
	test_errors_labels();
	test_errors_bars();
	test_errors_meter();
	test_errors_tempo();
	test_errors_pattern_volume();
	test_errors_positions();
	test_errors_not_text();
	test_errors_empty();
	test_errors_too_long();
	test_errors_long_token();
	test_load();
	test_simple();
	test_exact_constant();
	test_exact_ramps();
	test_outside();
	test_long_map();
	return CHECK_DONE();
}
