/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the two files of the tempo map share and nobody else needs: the
 * map's struct, its limits, the one rounding from seconds to frames and
 * the building steps both constructors use. tempo_map.c holds the timing
 * model and the queries (REALTIME, called from the JACK process thread by
 * the engine's cycle and the click) and builds the simple map;
 * tempo_map_parse.c reads klick's text format (non-RT: control and main
 * thread, offline tools). The public API is redlight/tempo_map.h.
 */
#ifndef REDLIGHT_TEMPO_MAP_INTERNAL_H
#define REDLIGHT_TEMPO_MAP_INTERNAL_H

#include "redlight/tempo_map.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The same position must give the same frame on every code path; a fused
 * multiply-add in one place and not another would break "tick 0 is the
 * onset" by one frame now and then. GCC already contracts nothing in ISO C
 * mode (and warns about this pragma). Here, so that every file of the map
 * (entry start times are summed by the parser, onsets by the queries)
 * computes the same way. */
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

/* Seconds -> frame, rounded once, saturating instead of overflowing (only
 * frames near ±2^63, far outside any map, ever saturate). Inline here so
 * the queries compile as before and the parser's entry start frames are
 * the very same expression. */
REALTIME static inline int64_t to_frame(double seconds, uint32_t rate)
{
	double x = seconds * (double)rate;
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (!(x > -9223372036854775808.0))
		return INT64_MIN;
	return llround(x);
}

/* ---------------------------------------------------------------------- */
/* Building (tempo_map.c). Non-RT: they allocate or fill a new map.       */

/** RL_ERR_INVALID, with the range in the message, unless rate is usable. */
enum rl_status tempo_map_check_rate(uint32_t rate, struct error *err);

/**
 * An empty map (no entries) named name (copied, for messages) at rate;
 * NULL if out of memory. The caller owns it (tempo_map_free()).
 */
struct tempo_map *tempo_map_alloc(const char *name, uint32_t rate);

/** e's pattern for its meter: accent on the first beat, normal after. */
void tempo_map_default_pattern(struct entry *e);

/**
 * Derived timing of an entry whose kind, meter, tempi and bar count are
 * set: beat length, slope, prefix times (same arithmetic as the queries
 * use). Returns the entry's exact duration in seconds.
 */
double tempo_map_entry_prepare(struct entry *e);

/**
 * Everything after the entries of a map with at least one entry:
 * sections (pointers into the final array) and the regions before and
 * after the map.
 */
void tempo_map_finish(struct tempo_map *map);

#endif
