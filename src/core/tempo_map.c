/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The tempo map: klick's text format and exact frame <-> bar|beat|tick.
 *
 * Model. The map is a list of entries (one per line). An entry knows the
 * exact time, in double seconds, of its start (a compensated sum of the
 * closed-form durations of the entries before it) and how to turn a
 * continuous beat position p in [0, beats] into seconds since its start
 * and back (entry_time / entry_pos: closed forms for constant tempo and
 * ramps, a per-beat prefix array for tempo lists). The onset frame of beat
 * k is llround((start + entry_time(k)) * rate): one rounding, nothing
 * accumulated per beat.
 *
 * Before frame 0 and after the last entry there are two implicit regions
 * of constant tempo (the first entry's meter and start tempo, the last
 * entry's meter and end tempo) that work the same way with their origin
 * at 0 s and at the map's end.
 *
 * Every query first "locates" a frame: region, entry, beat index k with
 * onset(k) <= frame < onset(k+1) on the *rounded* onsets, and the exact
 * continuous position inside that beat. The candidate k comes from the
 * analytic inverse; since rounding moves an onset by at most half a frame
 * and a beat is at least 3.75 frames long (tempo <= 1000, denominator
 * <= 64, rate >= 1000), at most one step corrects it. bbt_to_frame and
 * bar_frame use the very same beat_seconds() path as the onsets, so tick 0
 * of a beat lands on that beat's onset frame bit for bit.
 */
#include "redlight/tempo_map.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The same position must give the same frame on every code path; a fused
 * multiply-add in one place and not another would break "tick 0 is the
 * onset" by one frame now and then. GCC already contracts nothing in ISO C
 * mode (and warns about this pragma). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Sane limits (klick only asks for > 0). They keep every product and sum
 * below far inside int64 and double's exact integer range. */
#define MAX_TEMPO 1000.0
#define MAX_BEATS 64
#define MAX_DENOMINATOR 64
#define MAX_BARS 100000
#define MAX_VOLUME 10.0
#define MIN_RATE 1000u
#define MAX_RATE 1000000u
/* tempo_map_load refuses bigger files: a tempo map is a few kB of text. */
#define MAX_FILE_BYTES (4u << 20)
/* Frames are exact integers in a double up to 2^53; a map must end before
 * (about 5.9 years at 48 kHz), so every in-map frame is exact. */
#define MAX_MAP_FRAMES 9007199254740992.0

enum entry_kind {
	KIND_CONSTANT, /* one tempo */
	KIND_RAMP,     /* T1-T2, linear in the beat position */
	KIND_LIST,     /* T1,T2,...: one tempo per beat */
};

struct entry {
	char label[TEMPO_MAP_LABEL_MAX + 1]; /* "" if the line has none */
	const char *section; /* set once the entry array is final */
	int32_t line;
	int32_t bars;        /* 0 for the endless entry of a simple map */
	int32_t beats;       /* per bar */
	int32_t denom;
	enum entry_kind kind;
	double t1, t2;       /* tempo at the first beat / at the end */
	double beat_sec;     /* 240 / (t1 · denom): a beat at tempo t1 */
	double slope;        /* RAMP: (t2 - t1) / nbeats, bpm per beat */
	double *tempi;       /* LIST: nbeats tempi, then nbeats+1 prefix times */
	double *prefix;      /* LIST: prefix[i] = seconds from start to beat i */
	int64_t nbeats;      /* bars · beats; INT64_MAX if endless */
	int64_t first_bar;
	double start_sec;
	int64_t start_frame;
	int64_t end_frame;
	uint8_t pattern[MAX_BEATS]; /* enum tempo_map_beat_type per beat */
	float volume;
};

struct tempo_map {
	uint32_t rate;
	char *name;           /* for messages */
	struct entry *entries;
	size_t count;
	bool endless;         /* tempo_map_new_simple: no region after */
	double end_sec;       /* exact end of the last entry */
	int64_t end_frame;    /* INT64_MAX if endless */
	int64_t after_bar;    /* first bar after the map */
	double pre_beat_sec;  /* beat length before frame 0 */
	double post_beat_sec; /* beat length after the end */
};

/* ---------------------------------------------------------------------- */
/* Arithmetic the queries share (all REALTIME)                            */

/* Seconds -> frame, rounded once, saturating instead of overflowing (only
 * frames near ±2^63, far outside any map, ever saturate). */
REALTIME static int64_t to_frame(double seconds, uint32_t rate)
{
	double x = seconds * (double)rate;
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (!(x > -9223372036854775808.0))
		return INT64_MIN;
	return llround(x);
}

/* floor() of a double as an int64, saturating (also for NaN, which no
 * query produces, but a conversion out of range would be undefined). */
REALTIME static int64_t floor_i64(double x)
{
	x = floor(x);
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (!(x > -9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)x;
}

REALTIME static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* Seconds of one beat of the tempo list entry (same expression at parse
 * time and at query time, so prefix sums and queries agree). */
REALTIME static double list_beat_sec(const struct entry *e, int64_t i)
{
	return 240.0 / (e->tempi[i] * (double)e->denom);
}

/* Seconds from the entry's start to beat position p (0 <= p <= nbeats).
 * Ramp: tempo(x) = t1 + slope·x, time = ∫ 240/(d·tempo(x)) dx
 *     = 240·p/(d·t1) · ln(1+u)/u  with u = slope·p/t1,
 * which is the klick formula p·240/(d·logmean(t1, tempo(p))) written so it
 * stays exact when the ramp is nearly flat (log1p; u == 0 is constant). */
REALTIME static double entry_time(const struct entry *e, double p)
{
	switch (e->kind) {
	case KIND_RAMP: {
		double lin = p * e->beat_sec;
		double u = e->slope * p / e->t1;
		if (u == 0.0)
			return lin;
		return lin * log1p(u) / u;
	}
	case KIND_LIST: {
		if (!(p > 0.0))
			return 0.0;
		if (p >= (double)e->nbeats)
			return e->prefix[e->nbeats];
		int64_t i = (int64_t)p;
		return e->prefix[i] + (p - (double)i) * list_beat_sec(e, i);
	}
	case KIND_CONSTANT:
		break;
	}
	return p * e->beat_sec;
}

/* Inverse of entry_time: beat position at t seconds after the start.
 * Ramp: p = t1·(exp(t·d·slope/240) - 1)/slope, as lin·expm1(v)/v. */
REALTIME static double entry_pos(const struct entry *e, double t)
{
	switch (e->kind) {
	case KIND_RAMP: {
		double lin = t / e->beat_sec;
		double v = e->slope * lin / e->t1;
		if (v == 0.0)
			return lin;
		return lin * expm1(v) / v;
	}
	case KIND_LIST: {
		if (!(t > 0.0))
			return 0.0;
		/* Last beat i with prefix[i] <= t. */
		int64_t lo = 0, hi = e->nbeats - 1;
		while (lo < hi) {
			int64_t mid = lo + (hi - lo + 1) / 2;
			if (e->prefix[mid] <= t)
				lo = mid;
			else
				hi = mid - 1;
		}
		return (double)lo + (t - e->prefix[lo]) / list_beat_sec(e, lo);
	}
	case KIND_CONSTANT:
		break;
	}
	return t / e->beat_sec;
}

REALTIME static double entry_tempo(const struct entry *e, double p, int64_t k)
{
	switch (e->kind) {
	case KIND_RAMP:
		return e->t1 + e->slope * p;
	case KIND_LIST:
		return e->tempi[k];
	case KIND_CONSTANT:
		break;
	}
	return e->t1;
}

/* Where a frame or a beat is. */
enum region { BEFORE = -1, INSIDE = 0, AFTER = 1 };

struct spot {
	enum region region;
	size_t e;      /* entry (INSIDE; for BEFORE 0, for AFTER the last) */
	int64_t k;     /* beat index: in the entry, from the end (AFTER), or
	                  negative, from frame 0 (BEFORE) */
	int64_t frame; /* onset of beat k */
	int64_t next;  /* onset of beat k+1 */
	double pos;    /* continuous beat position, in [k, k+1), == k on the
	                  onset frame */
};

/* Exact seconds of beat position p in a region. The one function every
 * onset, bar and bbt frame goes through. */
REALTIME static double beat_seconds(const struct tempo_map *map,
                                    enum region region, size_t e, double p)
{
	if (region == BEFORE)
		return p * map->pre_beat_sec;
	if (region == AFTER)
		return map->end_sec + p * map->post_beat_sec;
	const struct entry *en = &map->entries[e];
	return en->start_sec + entry_time(en, p);
}

REALTIME static int64_t onset(const struct tempo_map *map,
                              enum region region, size_t e, int64_t k)
{
	return to_frame(beat_seconds(map, region, e, (double)k), map->rate);
}

/* Beat index range of a region: [lo, hi]. */
REALTIME static void region_range(const struct tempo_map *map,
                                  enum region region, size_t e,
                                  int64_t *lo, int64_t *hi)
{
	if (region == BEFORE) {
		*lo = INT64_MIN / 2;
		*hi = -1;
	} else if (region == AFTER) {
		*lo = 0;
		*hi = INT64_MAX / 2;
	} else {
		*lo = 0;
		*hi = map->entries[e].nbeats - 1;
	}
}

/* Onset of the beat after the last one of a region: where the next
 * region starts. */
REALTIME static int64_t region_end(const struct tempo_map *map,
                                   enum region region, size_t e)
{
	if (region == BEFORE)
		return 0;
	if (region == AFTER)
		return INT64_MAX;
	return map->entries[e].end_frame;
}

/* The beat whose rounded onset is at or before frame, with the exact
 * continuous position of frame. */
REALTIME static void locate(const struct tempo_map *map, int64_t frame,
                            struct spot *s)
{
	double sec = (double)frame / (double)map->rate;
	double p;

	if (frame < 0) {
		s->region = BEFORE;
		s->e = 0;
		p = sec / map->pre_beat_sec;
	} else if (!map->endless && frame >= map->end_frame) {
		s->region = AFTER;
		s->e = map->count - 1;
		p = (sec - map->end_sec) / map->post_beat_sec;
	} else {
		/* Last entry starting at or before frame. */
		size_t lo = 0, hi = map->count - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;
			if (map->entries[mid].start_frame <= frame)
				lo = mid;
			else
				hi = mid - 1;
		}
		const struct entry *en = &map->entries[lo];
		s->region = INSIDE;
		s->e = lo;
		p = entry_pos(en, sec - en->start_sec);
	}

	int64_t lo, hi;
	region_range(map, s->region, s->e, &lo, &hi);
	int64_t k = floor_i64(p);
	if (k < lo)
		k = lo;
	if (k > hi)
		k = hi;
	/* Correct the analytic guess on the rounded onsets. One step is all
	 * rounding can need; the bound only keeps frames near ±2^63, where
	 * doubles no longer resolve single frames, from looping. */
	int64_t at = onset(map, s->region, s->e, k);
	for (int n = 0; n < 8 && k > lo && at > frame; n++)
		at = onset(map, s->region, s->e, --k);
	int64_t next = k < hi ? onset(map, s->region, s->e, k + 1)
	                      : region_end(map, s->region, s->e);
	for (int n = 0; n < 8 && k < hi && next <= frame; n++) {
		k++;
		at = next;
		next = k < hi ? onset(map, s->region, s->e, k + 1)
		              : region_end(map, s->region, s->e);
	}
	s->k = k;
	s->frame = at;
	s->next = next;
	/* The position is exact, but rounding puts onsets up to half a frame
	 * away from it: keep it inside the beat the rounded onsets say. */
	double fk = (double)k;
	if (frame == at || !(p > fk))
		p = fk;
	else if (p >= fk + 1.0)
		p = nextafter(fk + 1.0, fk);
	s->pos = p;
}

/* Bar and beat of beat index k of a spot. */
REALTIME static void spot_bar(const struct tempo_map *map,
                              enum region region, size_t e, int64_t k,
                              int64_t *bar, int32_t *beat)
{
	const struct entry *en = &map->entries[e];
	int64_t beats = en->beats;
	if (region == BEFORE) {
		int64_t q = floor_div(k, beats);
		*bar = 1 + q;
		*beat = (int32_t)(k - q * beats) + 1;
	} else {
		int64_t first = region == AFTER ? map->after_bar : en->first_bar;
		*bar = first + k / beats;
		*beat = (int32_t)(k % beats) + 1;
	}
}

REALTIME static void fill_beat(const struct tempo_map *map,
                               const struct spot *s,
                               struct tempo_map_beat *out)
{
	const struct entry *en = &map->entries[s->e];
	out->frame = s->frame;
	out->next_frame = s->next;
	spot_bar(map, s->region, s->e, s->k, &out->bar, &out->beat);
	out->beats_per_bar = en->beats;
	out->denominator = en->denom;
	if (s->region == INSIDE) {
		out->type = (enum tempo_map_beat_type)
		            en->pattern[out->beat - 1];
		out->volume = en->volume;
		out->bpm = entry_tempo(en, (double)s->k, s->k);
		out->entry = (int32_t)s->e;
		out->section = en->section;
	} else {
		out->type = TEMPO_MAP_SILENT;
		out->volume = 0.0f;
		out->bpm = s->region == BEFORE ? en->t1 : en->t2;
		out->entry = -1;
		out->section = NULL;
	}
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                */

REALTIME uint32_t tempo_map_rate(const struct tempo_map *map)
{
	return map->rate;
}

REALTIME int64_t tempo_map_end_frame(const struct tempo_map *map)
{
	return map->end_frame;
}

REALTIME void tempo_map_beat_at(const struct tempo_map *map, int64_t frame,
                                struct tempo_map_beat *out)
{
	struct spot s;
	locate(map, frame, &s);
	fill_beat(map, &s, out);
}

REALTIME void tempo_map_next_beat(const struct tempo_map *map, int64_t frame,
                                  struct tempo_map_beat *out)
{
	struct spot s;
	locate(map, frame, &s);
	if (s.frame < frame && s.next > s.frame)
		locate(map, s.next, &s);
	fill_beat(map, &s, out);
}

REALTIME void tempo_map_frame_to_bbt(const struct tempo_map *map,
                                     int64_t frame,
                                     struct tempo_map_bbt *out)
{
	struct spot s;
	locate(map, frame, &s);
	spot_bar(map, s.region, s.e, s.k, &out->bar, &out->beat);
	double t = floor((s.pos - (double)s.k) * TEMPO_MAP_TICKS_PER_BEAT);
	int32_t tick = t > 0.0 ? (int32_t)t : 0;
	if (tick > TEMPO_MAP_TICKS_PER_BEAT - 1)
		tick = TEMPO_MAP_TICKS_PER_BEAT - 1;
	out->tick = tick;
}

/* Region, entry and beat index of the first beat of a bar; false if the
 * index does not fit an int64 (bars near ±2^63). */
REALTIME static bool bar_spot(const struct tempo_map *map, int64_t bar,
                              enum region *region, size_t *e, int64_t *k)
{
	int64_t first, rel;

	if (bar <= 0) {
		*region = BEFORE;
		*e = 0;
		first = 1;
	} else if (!map->endless && bar >= map->after_bar) {
		*region = AFTER;
		*e = map->count - 1;
		first = map->after_bar;
	} else {
		size_t lo = 0, hi = map->count - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;
			if (map->entries[mid].first_bar <= bar)
				lo = mid;
			else
				hi = mid - 1;
		}
		*region = INSIDE;
		*e = lo;
		first = map->entries[lo].first_bar;
	}
	return !__builtin_sub_overflow(bar, first, &rel) &&
	       !__builtin_mul_overflow(rel, (int64_t)map->entries[*e].beats, k);
}

REALTIME enum rl_status tempo_map_bbt_to_frame(const struct tempo_map *map,
                                               const struct tempo_map_bbt *bbt,
                                               int64_t *frame)
{
	enum region region;
	size_t e;
	int64_t k;
	bool fits = bar_spot(map, bbt->bar, &region, &e, &k);

	if (bbt->beat < 1 || bbt->beat > map->entries[e].beats ||
	    bbt->tick < 0 || bbt->tick >= TEMPO_MAP_TICKS_PER_BEAT)
		return RL_ERR_INVALID;
	if (!fits || __builtin_add_overflow(k, (int64_t)bbt->beat - 1, &k)) {
		*frame = bbt->bar < 0 ? INT64_MIN : INT64_MAX;
		return RL_OK;
	}
	/* Tick 0 adds exactly 0.0: the same double as the onset's (double)k,
	 * so the same frame. */
	double p = (double)k +
	           (double)bbt->tick / (double)TEMPO_MAP_TICKS_PER_BEAT;
	*frame = to_frame(beat_seconds(map, region, e, p), map->rate);
	return RL_OK;
}

REALTIME int64_t tempo_map_bar_frame(const struct tempo_map *map, int64_t bar)
{
	enum region region;
	size_t e;
	int64_t k;
	if (!bar_spot(map, bar, &region, &e, &k))
		return bar < 0 ? INT64_MIN : INT64_MAX;
	return onset(map, region, e, k);
}

REALTIME double tempo_map_bpm_at(const struct tempo_map *map, int64_t frame)
{
	struct spot s;
	locate(map, frame, &s);
	const struct entry *en = &map->entries[s.e];
	if (s.region == BEFORE)
		return en->t1;
	if (s.region == AFTER)
		return en->t2;
	return entry_tempo(en, s.pos, s.k);
}

REALTIME const char *tempo_map_section_at(const struct tempo_map *map,
                                          int64_t frame)
{
	if (frame < 0 || (!map->endless && frame >= map->end_frame))
		return NULL;
	struct spot s;
	locate(map, frame, &s);
	return map->entries[s.e].section;
}

enum rl_status tempo_map_section_frame(const struct tempo_map *map,
                                       const char *label, int64_t *frame,
                                       struct error *err)
{
	if (!label)
		return error_set(err, RL_ERR_INVALID, "%s: no section label given",
		                 map->name);
	for (size_t i = 0; i < map->count; i++) {
		if (map->entries[i].label[0] &&
		    strcmp(map->entries[i].label, label) == 0) {
			*frame = map->entries[i].start_frame;
			return RL_OK;
		}
	}
	/* List each section once, in order, as far as the message goes. */
	char list[512];
	size_t len = 0;
	list[0] = '\0';
	for (size_t i = 0; i < map->count && len < sizeof list; i++) {
		const char *l = map->entries[i].label;
		bool seen = false;
		if (!l[0])
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(map->entries[j].label, l) == 0;
		if (seen)
			continue;
		int n = snprintf(list + len, sizeof list - len, "%s%s",
		                 len ? ", " : "", l);
		if (n < 0 || (size_t)n >= sizeof list - len) {
			/* Cut: end the list with "..." where it stopped. */
			memcpy(list + sizeof list - 4, "...", 4);
			len = sizeof list;
			break;
		}
		len += (size_t)n;
	}
	if (!list[0])
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "%s: no section '%s' (the map has no labels)",
		                 map->name, label);
	return error_set(err, RL_ERR_NOT_FOUND,
	                 "%s: no section '%s' (sections: %s)", map->name,
	                 label, list);
}

size_t tempo_map_entry_count(const struct tempo_map *map)
{
	return map->count;
}

void tempo_map_entry(const struct tempo_map *map, size_t i,
                     struct tempo_map_entry_info *out)
{
	memset(out, 0, sizeof *out);
	if (i >= map->count)
		return;
	const struct entry *e = &map->entries[i];
	out->label = e->label[0] ? e->label : NULL;
	out->section = e->section;
	out->line = e->line;
	out->first_bar = e->first_bar;
	out->bars = e->bars;
	out->beats_per_bar = e->beats;
	out->denominator = e->denom;
	out->tempo_start = e->t1;
	out->tempo_end = e->t2;
	out->volume = e->volume;
	out->start_frame = e->start_frame;
	out->end_frame = e->end_frame;
}

/* ---------------------------------------------------------------------- */
/* Building                                                               */

void tempo_map_free(struct tempo_map *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->count; i++)
		free(map->entries[i].tempi);
	free(map->entries);
	free(map->name);
	free(map);
}

static enum rl_status check_rate(uint32_t rate, struct error *err)
{
	if (rate < MIN_RATE || rate > MAX_RATE)
		return error_set(err, RL_ERR_INVALID,
		                 "sample rate %" PRIu32 " Hz is out of range "
		                 "(%u to %u)", rate, MIN_RATE, MAX_RATE);
	return RL_OK;
}

static struct tempo_map *map_alloc(const char *name, uint32_t rate)
{
	struct tempo_map *map = calloc(1, sizeof *map);
	if (!map)
		return NULL;
	map->name = strdup(name);
	if (!map->name) {
		free(map);
		return NULL;
	}
	map->rate = rate;
	return map;
}

static void default_pattern(struct entry *e)
{
	for (int i = 0; i < e->beats; i++)
		e->pattern[i] = i == 0 ? TEMPO_MAP_ACCENT : TEMPO_MAP_NORMAL;
}

/* Derived timing of an entry whose kind, meter, tempi and bar count are
 * set: beat length, slope, prefix times, and the duration. */
static double entry_prepare(struct entry *e)
{
	e->beat_sec = 240.0 / (e->t1 * (double)e->denom);
	if (e->kind == KIND_RAMP)
		e->slope = (e->t2 - e->t1) / (double)e->nbeats;
	if (e->kind == KIND_LIST) {
		/* Neumaier summation: the prefix times stay exact to the last
		 * bit or two however many beats the entry has. */
		double sum = 0.0, comp = 0.0;
		e->prefix[0] = 0.0;
		for (int64_t i = 0; i < e->nbeats; i++) {
			double x = list_beat_sec(e, i);
			double t = sum + x;
			if (fabs(sum) >= fabs(x))
				comp += (sum - t) + x;
			else
				comp += (x - t) + sum;
			sum = t;
			e->prefix[i + 1] = sum + comp;
		}
	}
	return entry_time(e, (double)e->nbeats);
}

/* Everything after the entries: sections (pointers into the final array),
 * the regions before and after. */
static void map_finish(struct tempo_map *map)
{
	const char *section = NULL;
	for (size_t i = 0; i < map->count; i++) {
		struct entry *e = &map->entries[i];
		if (e->label[0])
			section = e->label;
		e->section = section;
	}
	const struct entry *first = &map->entries[0];
	const struct entry *last = &map->entries[map->count - 1];
	map->pre_beat_sec = 240.0 / (first->t1 * (double)first->denom);
	map->post_beat_sec = 240.0 / (last->t2 * (double)last->denom);
	map->after_bar = last->bars ? last->first_bar + last->bars : INT64_MAX;
}

enum rl_status tempo_map_new_simple(double bpm, int32_t beats_per_bar,
                                    int32_t denominator, uint32_t rate,
                                    struct tempo_map **out,
                                    struct error *err)
{
	*out = NULL;
	enum rl_status rc = check_rate(rate, err);
	if (rc)
		return rc;
	if (!(bpm > 0.0 && bpm <= MAX_TEMPO))
		return error_set(err, RL_ERR_INVALID,
		                 "tempo %g is out of range (more than 0, at "
		                 "most %g)", bpm, MAX_TEMPO);
	if (beats_per_bar < 1 || beats_per_bar > MAX_BEATS)
		return error_set(err, RL_ERR_INVALID,
		                 "%" PRId32 " beats per bar is out of range "
		                 "(1 to %d)", beats_per_bar, MAX_BEATS);
	if (denominator < 1 || denominator > MAX_DENOMINATOR)
		return error_set(err, RL_ERR_INVALID,
		                 "meter denominator %" PRId32 " is out of range "
		                 "(1 to %d)", denominator, MAX_DENOMINATOR);

	struct tempo_map *map = map_alloc("tempo map", rate);
	if (map)
		map->entries = calloc(1, sizeof *map->entries);
	if (!map || !map->entries) {
		tempo_map_free(map);
		return error_set(err, RL_ERR_NOMEM, "out of memory for a tempo map");
	}
	map->count = 1;
	struct entry *e = &map->entries[0];
	e->bars = 0; /* endless */
	e->beats = beats_per_bar;
	e->denom = denominator;
	e->kind = KIND_CONSTANT;
	e->t1 = e->t2 = bpm;
	e->nbeats = INT64_MAX;
	e->first_bar = 1;
	e->volume = 1.0f;
	e->beat_sec = 240.0 / (bpm * (double)denominator);
	e->end_frame = INT64_MAX;
	default_pattern(e);
	map->endless = true;
	map->end_sec = INFINITY; /* never used: there is no region after */
	map->end_frame = INT64_MAX;
	map_finish(map);
	*out = map;
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* Parsing                                                                */

struct parser {
	const char *name;
	int32_t line;
	const char *ls; /* line start (columns count from here) */
	const char *le; /* line end, without "\r\n" */
	struct error *err;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_' || c == '-';
}

static const char *skip_blanks(const char *p, const char *le)
{
	while (p < le && is_blank(*p))
		p++;
	return p;
}

/* End of the token at p: up to a blank, a comment or the end. */
static const char *token_end(const char *p, const char *le)
{
	while (p < le && !is_blank(*p) && *p != '#')
		p++;
	return p;
}

static bool at_end(const char *p, const char *le)
{
	return p == le || *p == '#';
}

/* Room for a described token: 40 bytes shown, each up to 4 chars. */
#define FOUND_SIZE 192

/* "'TOKEN'" for messages, bytes outside printable ASCII as \xNN, cut
 * after 40 bytes; "end of line" if there is no token. */
static void describe(const char *p, const char *le, char *buf)
{
	if (at_end(p, le)) {
		snprintf(buf, FOUND_SIZE, "end of line");
		return;
	}
	const char *end = token_end(p, le);
	size_t n = 0;
	buf[n++] = '\'';
	for (int shown = 0; p < end; p++, shown++) {
		unsigned char c = (unsigned char)*p;
		if (shown == 40) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f)
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, FOUND_SIZE - n,
			                      "\\x%02x", c);
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

__attribute__((format(printf, 3, 4)))
static enum rl_status fail(const struct parser *ps, const char *at,
                           const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return error_set(ps->err, RL_ERR_FORMAT, "%s:%" PRId32 ":%td: %s",
	                 ps->name, ps->line, at - ps->ls + 1, text);
}

/* "expected WHAT, found 'TOKEN'" with the column of the token. */
static enum rl_status expected(const struct parser *ps, const char *at,
                               const char *what)
{
	char found[FOUND_SIZE];
	describe(at, ps->le, found);
	return fail(ps, at, "expected %s, found %s", what, found);
}

/* "WHAT, found 'NUMBER'" for a number [at, end) out of range. */
static enum rl_status out_of_range(const struct parser *ps, const char *at,
                                   const char *end, const char *what)
{
	char found[FOUND_SIZE];
	describe(at, end, found);
	return fail(ps, at, "%s, found %s", what, found);
}

/* INT: one or more digits. Saturates (at 2^40, far above every limit)
 * instead of wrapping. */
static bool lex_uint(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	if (p == end || !is_digit(*p))
		return false;
	for (; p < end && is_digit(*p); p++) {
		if (v < (UINT64_C(1) << 40))
			v = v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*out = v;
	return true;
}

/* FLOAT as klick has it: digits [. digits*] | . digits. No sign, no
 * exponent, no locale (strtod would read "120,5" in some locales and stop
 * at "120.5" in others). Up to 18 significant digits are kept, the value
 * is one correctly rounded division for any sane input. */
static bool lex_float(const char **pp, const char *end, double *out)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
		1e21, 1e22,
	};
	const char *p = *pp;
	uint64_t mant = 0;
	long exp10 = 0;
	int sig = 0;
	bool digits = false;

	for (; p < end && is_digit(*p); p++) {
		digits = true;
		if (sig < 18) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			sig += mant != 0;
		} else {
			exp10++;
		}
	}
	if (p < end && *p == '.') {
		const char *frac = p + 1;
		const char *q = frac;
		for (; q < end && is_digit(*q); q++) {
			if (sig < 18) {
				mant = mant * 10 + (uint64_t)(*q - '0');
				sig += mant != 0;
				exp10--;
			}
		}
		if (!digits && q == frac)
			return false; /* a lone '.' */
		digits = true;
		p = q;
	}
	if (!digits)
		return false;

	double v = (double)mant;
	if (mant == 0)
		v = 0.0;
	else if (exp10 > 22)
		v = HUGE_VAL;
	else if (exp10 >= 0)
		v *= pow10[exp10];
	else if (exp10 >= -22)
		v /= pow10[-exp10];
	else
		v = v / 1e22 / pow(10.0, (double)(-exp10 - 22));
	*pp = p;
	*out = v;
	return true;
}

/* One tempo value in (0, MAX_TEMPO]. */
static enum rl_status tempo_value(const struct parser *ps, const char **pp,
                                  const char *end, const char *what,
                                  double *out)
{
	const char *at = *pp;
	if (!lex_float(pp, end, out))
		return expected(ps, at, what);
	if (!(*out > 0.0 && *out <= MAX_TEMPO)) {
		return out_of_range(ps, at, *pp,
		                    "expected a tempo greater than 0 and at "
		                    "most 1000 bpm");
	}
	return RL_OK;
}

#define WHAT_TEMPO "a tempo (120, 120-140 or 120,122,...)"

/* The tempo token [p, end): T, T1-T2 or T1,T2,... . A list's values go to
 * e->tempi (allocated here). */
static enum rl_status parse_tempo(const struct parser *ps, const char *p,
                                  const char *end, struct entry *e)
{
	const char *tok = p;
	enum rl_status rc = tempo_value(ps, &p, end, WHAT_TEMPO, &e->t1);
	if (rc)
		return rc;
	e->t2 = e->t1;
	e->kind = KIND_CONSTANT;

	if (p < end && *p == '-') {
		p++;
		rc = tempo_value(ps, &p, end,
		                 "the end tempo of a ramp after '-' (as in "
		                 "120-140)", &e->t2);
		if (rc)
			return rc;
		e->kind = KIND_RAMP;
	} else if (p < end && *p == ',') {
		/* Every value first (each error at its own column), then the
		 * count, as klick checks it; then store them. */
		const char *first = p;
		int64_t count = 1;
		double v;
		while (p < end && *p == ',') {
			p++;
			rc = tempo_value(ps, &p, end,
			                 "a tempo value after ',' (as in "
			                 "120,122,...)", &v);
			if (rc)
				return rc;
			count++;
		}
		if (p != end)
			return expected(ps, tok, WHAT_TEMPO);
		if (count != e->nbeats) {
			return fail(ps, tok,
			            "%" PRId64 " tempo values, the entry has %"
			            PRId64 " beats (%" PRId32 " bar%s of %"
			            PRId32 "/%" PRId32 ")", count, e->nbeats,
			            e->bars, e->bars == 1 ? "" : "s",
			            e->beats, e->denom);
		}
		/* tempi[count], then prefix[count + 1]. */
		e->tempi = malloc(((size_t)count * 2 + 1) * sizeof *e->tempi);
		if (!e->tempi)
			return error_set(ps->err, RL_ERR_NOMEM,
			                 "%s:%" PRId32 ": out of memory for %"
			                 PRId64 " tempo values", ps->name,
			                 ps->line, count);
		e->prefix = e->tempi + count;
		e->tempi[0] = e->t1;
		p = first;
		for (int64_t i = 1; i < count; i++) {
			p++;
			lex_float(&p, end, &e->tempi[i]);
		}
		e->t2 = e->tempi[count - 1];
		e->kind = KIND_LIST;
	}
	if (p != end)
		return expected(ps, tok, WHAT_TEMPO);
	return RL_OK;
}

/* One line with an entry: "[label:] bars [meter] tempo [pattern] [volume]
 * [# comment]". *has_entry is false for blank and comment lines. */
static enum rl_status parse_line(const struct parser *ps, struct entry *e,
                                 bool *has_entry)
{
	const char *le = ps->le;
	const char *p = skip_blanks(ps->ls, le);
	const char *end;
	uint64_t n;
	enum rl_status rc;

	*has_entry = false;
	if (at_end(p, le))
		return RL_OK;
	*has_entry = true;
	memset(e, 0, sizeof *e);
	e->line = ps->line;

	/* Label: the first token, if it has a ':'. klick allows the bars
	 * right after the colon ("intro:8 120"). */
	end = token_end(p, le);
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (colon) {
		if (colon == p)
			return fail(ps, p, "expected a label before ':', "
			                   "found nothing");
		for (const char *q = p; q < colon; q++) {
			if (!is_label_char(*q)) {
				char label[FOUND_SIZE], found[FOUND_SIZE];
				describe(p, colon, label);
				describe(q, q + 1, found);
				return fail(ps, q,
				            "expected a letter, digit, '_' or '-' "
				            "in label %s, found %s", label, found);
			}
		}
		size_t len = (size_t)(colon - p);
		if (len > TEMPO_MAP_LABEL_MAX)
			return fail(ps, p,
			            "label is %zu characters long, at most %d "
			            "are allowed", len, TEMPO_MAP_LABEL_MAX);
		memcpy(e->label, p, len);
		e->label[len] = '\0';
		p = skip_blanks(colon + 1, le);
		if (at_end(p, le)) {
			char what[128];
			snprintf(what, sizeof what,
			         "the number of bars after label '%s'", e->label);
			return expected(ps, p, what);
		}
	}

	/* Bars. */
	end = token_end(p, le);
	const char *at = p;
	if (!lex_uint(&p, end, &n) || p != end)
		return expected(ps, at, "the number of bars (a whole number)");
	if (n < 1 || n > MAX_BARS)
		return out_of_range(ps, at, end,
		                    "expected a number of bars from 1 to 100000");
	e->bars = (int32_t)n;
	e->beats = 4;
	e->denom = 4;

	/* Meter: a token with a '/'. */
	p = skip_blanks(p, le);
	end = token_end(p, le);
	if (!at_end(p, le) && memchr(p, '/', (size_t)(end - p))) {
		at = p;
		uint64_t beats, denom;
		if (!lex_uint(&p, end, &beats) || p == end || *p != '/')
			return expected(ps, at, "a meter like 3/4 or 6/8");
		const char *dat = ++p;
		if (!lex_uint(&p, end, &denom) || p != end)
			return expected(ps, at, "a meter like 3/4 or 6/8");
		if (beats < 1 || beats > MAX_BEATS)
			return out_of_range(ps, at, dat - 1,
			                    "expected 1 to 64 beats per bar");
		if (denom < 1 || denom > MAX_DENOMINATOR)
			return out_of_range(ps, dat, end,
			                    "expected a meter denominator from "
			                    "1 to 64");
		e->beats = (int32_t)beats;
		e->denom = (int32_t)denom;
		p = skip_blanks(p, le);
		end = token_end(p, le);
	}
	e->nbeats = (int64_t)e->bars * e->beats;

	/* Tempo. */
	if (at_end(p, le))
		return expected(ps, p, WHAT_TEMPO);
	rc = parse_tempo(ps, p, end, e);
	if (rc)
		return rc;
	p = skip_blanks(end, le);
	end = token_end(p, le);

	/* Pattern: X, x and '.'; ".5" is a volume, not a pattern. */
	default_pattern(e);
	bool pattern = false;
	if (!at_end(p, le) &&
	    (*p == 'X' || *p == 'x' ||
	     (*p == '.' && !(p + 1 < end && is_digit(p[1]))))) {
		at = p;
		for (; p < end; p++) {
			if (*p != 'X' && *p != 'x' && *p != '.')
				return expected(ps, at,
				                "a pattern of 'X', 'x' and '.' "
				                "(like X.x.)");
		}
		if (end - at != e->beats)
			return fail(ps, at,
			            "pattern '%.*s' has %td beat%s, meter %"
			            PRId32 "/%" PRId32 " has %" PRId32,
			            (int)(end - at > 64 ? 64 : end - at), at,
			            end - at, end - at == 1 ? "" : "s",
			            e->beats, e->denom, e->beats);
		for (int i = 0; i < e->beats; i++)
			e->pattern[i] = at[i] == 'X' ? TEMPO_MAP_ACCENT
			              : at[i] == 'x' ? TEMPO_MAP_NORMAL
			                             : TEMPO_MAP_SILENT;
		pattern = true;
		p = skip_blanks(end, le);
		end = token_end(p, le);
	}

	/* Volume. */
	e->volume = 1.0f;
	if (!at_end(p, le)) {
		double v;
		at = p;
		if (!lex_float(&p, end, &v) || p != end)
			return expected(ps, at,
			                pattern ? "a volume (like 0.5) or end of "
			                          "line"
			                        : "a pattern (like X.x.), a volume "
			                          "(like 0.5) or end of line");
		if (v > MAX_VOLUME)
			return out_of_range(ps, at, end,
			                    "expected a volume from 0 to 10");
		e->volume = (float)v;
		p = skip_blanks(end, le);
		if (!at_end(p, le))
			return expected(ps, p,
			                "end of line (or a '#' comment) after the "
			                "volume");
	}
	return RL_OK;
}

/* Control characters and NUL mean this is not a tempo map (a binary file,
 * a wrong path): say so with the position rather than a puzzling grammar
 * error. Comments may hold any other bytes (UTF-8, Latin-1). */
static enum rl_status check_text(const struct parser *ps)
{
	for (const char *q = ps->ls; q < ps->le; q++) {
		unsigned char c = (unsigned char)*q;
		if (c == 0)
			return fail(ps, q, "unexpected NUL byte (this is not a "
			                   "text file)");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, q, "unexpected control character 0x%02x "
			                   "(this is not a text file)", c);
	}
	return RL_OK;
}

static enum rl_status append(struct tempo_map *map, size_t *cap,
                             const struct entry *e)
{
	if (map->count == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct entry *grown = realloc(map->entries, n * sizeof *grown);
		if (!grown)
			return RL_ERR_NOMEM;
		map->entries = grown;
		*cap = n;
	}
	map->entries[map->count++] = *e;
	return RL_OK;
}

enum rl_status tempo_map_parse(const char *text, size_t length,
                               const char *name, uint32_t rate,
                               struct tempo_map **out, struct error *err)
{
	*out = NULL;
	if (!name)
		name = "tempo map";
	enum rl_status rc = check_rate(rate, err);
	if (rc)
		return rc;
	struct tempo_map *map = map_alloc(name, rate);
	if (!map)
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", name);

	struct parser ps = { .name = name, .line = 0, .err = err };
	const char *p = text ? text : "";
	const char *end = p + (text ? length : 0);
	size_t cap = 0;
	double start_sec = 0.0, comp = 0.0; /* Neumaier sum of durations */
	int64_t bar = 1;

	/* A UTF-8 byte order mark some editors write: not part of line 1. */
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ps.line++;
		ps.ls = p;
		ps.le = nl ? nl : end;
		if (ps.le > ps.ls && ps.le[-1] == '\r')
			ps.le--; /* CRLF */
		p = nl ? nl + 1 : end;
		if (ps.line == INT32_MAX) {
			rc = fail(&ps, ps.ls, "too many lines");
			goto fail;
		}

		struct entry e = { .tempi = NULL };
		bool has_entry = false;
		rc = check_text(&ps);
		if (!rc)
			rc = parse_line(&ps, &e, &has_entry);
		if (rc) {
			if (has_entry)
				free(e.tempi);
			goto fail;
		}
		if (!has_entry)
			continue;

		e.first_bar = bar;
		bar += e.bars;
		e.start_sec = start_sec + comp;
		e.start_frame = to_frame(e.start_sec, rate);
		double dur = entry_prepare(&e);
		double t = start_sec + dur;
		if (fabs(start_sec) >= fabs(dur))
			comp += (start_sec - t) + dur;
		else
			comp += (dur - t) + start_sec;
		start_sec = t;
		if (!((start_sec + comp) * (double)rate <= MAX_MAP_FRAMES)) {
			free(e.tempi);
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%" PRId32 ": the map is too long (more "
			               "than 2^53 frames at %" PRIu32 " Hz)", name,
			               ps.line, rate);
			goto fail;
		}
		if (append(map, &cap, &e)) {
			free(e.tempi);
			rc = error_set(err, RL_ERR_NOMEM, "%s: out of memory",
			               name);
			goto fail;
		}
	}
	if (map->count == 0) {
		rc = error_set(err, RL_ERR_FORMAT,
		               "%s: no entries (a tempo map needs at least one "
		               "line like '8 120')", name);
		goto fail;
	}

	/* Entry ends are the next entry's start: same double, same frame. */
	map->end_sec = start_sec + comp;
	map->end_frame = to_frame(map->end_sec, rate);
	for (size_t i = 0; i < map->count; i++)
		map->entries[i].end_frame = i + 1 < map->count
		                            ? map->entries[i + 1].start_frame
		                            : map->end_frame;
	map_finish(map);
	*out = map;
	return RL_OK;

fail:
	tempo_map_free(map);
	return rc;
}

enum rl_status tempo_map_load(const char *path, uint32_t rate,
                              struct tempo_map **out, struct error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return error_set(err, e == ENOENT ? RL_ERR_NOT_FOUND : RL_ERR_IO,
		                 "%s: cannot open tempo map: %s", path,
		                 strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, RL_ERR_IO,
		                 "%s: cannot read tempo map: is a directory", path);
	}

	/* Read to the end whatever fstat says (pipes, /proc), one byte past
	 * the limit to know it was passed. */
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);
	enum rl_status rc = RL_OK;
	if (!buf) {
		close(fd);
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", path);
	}
	for (;;) {
		if (len == cap) {
			if (cap > MAX_FILE_BYTES) {
				rc = error_set(err, RL_ERR_FORMAT,
				               "%s: larger than %u MiB, not a "
				               "tempo map", path,
				               MAX_FILE_BYTES >> 20);
				break;
			}
			size_t ncap = cap * 2;
			if (ncap > MAX_FILE_BYTES + 1)
				ncap = MAX_FILE_BYTES + 1;
			char *grown = realloc(buf, ncap);
			if (!grown) {
				rc = error_set(err, RL_ERR_NOMEM,
				               "%s: out of memory", path);
				break;
			}
			buf = grown;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			rc = error_set(err, rl_status_from_errno(e),
			               "%s: cannot read tempo map: %s", path,
			               strerror(e));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc == RL_OK)
		rc = tempo_map_parse(buf, len, path, rate, out, err);
	free(buf);
	return rc;
}
