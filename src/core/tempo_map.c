/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The tempo map: its timing model and every query, exact frame <->
 * bar|beat|tick, tempo and sections; building the one-entry map of
 * tempo_map_new_simple() and freeing. Reading klick's text format is
 * tempo_map_parse.c's job.
 *
 * Threads: the frame and bar|beat|tick queries are REALTIME (the
 * engine's cycle and the click call them on the JACK process thread);
 * tempo_map_section_frame() formats its message and is non-RT; the entry
 * listing is for any thread. Building and freeing are non-RT (control,
 * main thread, offline tools).
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
#include "tempo_map_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Arithmetic the queries share (all REALTIME; to_frame() is in          */
/* tempo_map_internal.h, the parser rounds entry starts with it too)      */

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
	if (bbt->tick > 0) {
		/* A beat shorter than TICKS_PER_BEAT frames (a fast tempo
		 * in 16ths, a low rate) has ticks closer than a frame: the
		 * rounding must not carry the last ticks onto the next
		 * beat's onset, or the position would read back as that
		 * beat (found by tests/fuzz/fuzz_tempo_map.c). */
		int64_t lo, hi;
		region_range(map, region, e, &lo, &hi);
		int64_t next = k < hi ? onset(map, region, e, k + 1)
		                      : region_end(map, region, e);
		if (*frame >= next)
			*frame = next - 1;
	}
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

enum rl_status tempo_map_check_rate(uint32_t rate, struct error *err)
{
	if (rate < MIN_RATE || rate > MAX_RATE)
		return error_set(err, RL_ERR_INVALID,
		                 "sample rate %" PRIu32 " Hz is out of range "
		                 "(%u to %u)", rate, MIN_RATE, MAX_RATE);
	return RL_OK;
}

struct tempo_map *tempo_map_alloc(const char *name, uint32_t rate)
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

void tempo_map_default_pattern(struct entry *e)
{
	for (int i = 0; i < e->beats; i++)
		e->pattern[i] = i == 0 ? TEMPO_MAP_ACCENT : TEMPO_MAP_NORMAL;
}

/* Derived timing of an entry whose kind, meter, tempi and bar count are
 * set: beat length, slope, prefix times, and the duration. */
double tempo_map_entry_prepare(struct entry *e)
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
void tempo_map_finish(struct tempo_map *map)
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
	enum rl_status rc = tempo_map_check_rate(rate, err);
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

	struct tempo_map *map = tempo_map_alloc("tempo map", rate);
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
	tempo_map_default_pattern(e);
	map->endless = true;
	map->end_sec = INFINITY; /* never used: there is no region after */
	map->end_frame = INT64_MAX;
	tempo_map_finish(map);
	*out = map;
	return RL_OK;
}
