/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file tempo_map.h
 * The song's tempo map: klick's text format, read unchanged, and exact
 * conversions between timeline frames and bar|beat|tick.
 *
 * File format (one entry per line, played in order; see doc/tempo-map.md):
 *
 *     [label:] bars [meter] tempo [pattern] [volume]     # comment
 *
 * - label: [A-Za-z0-9_-]+ followed by ':' — a song section (intro, verse1).
 *   An unlabelled entry belongs to the section of the entry before it.
 * - bars: integer > 0.
 * - meter: beats/denominator, default 4/4.
 * - tempo: quarter notes per minute, whatever the meter: `T`, `T1-T2`
 *   (tempo changes linearly with the beat position over the entry, as in
 *   klick: the tempo at beat position b of an entry of N beats is
 *   T1 + (T2-T1)·b/N, and time is the integral of 60/tempo), or
 *   `T1,T2,...` (one tempo per beat; exactly bars·beats values).
 *   A beat of a meter with denominator d lasts 240/(tempo·d) seconds.
 * - pattern: one of X (accent) x (normal) . (silent) per beat of the bar;
 *   default: accent on the first beat, normal on the others.
 * - volume: float >= 0, default 1.0.
 *
 * Timing model: the exact onset time of every beat is computed in closed
 * form from the start of its entry (entry start times are exact sums of
 * closed-form entry durations), and turned into a frame by rounding once
 * (llround(seconds · rate)). Nothing is accumulated beat by beat, so a
 * ten-minute map with ramps has no drift. Everything else (bar|beat|tick,
 * sections) is defined on those rounded onset frames, so the click, the
 * display and locate agree to the frame.
 *
 * Past the end of the map, time continues with the last entry's meter and
 * its final tempo; those beats are silent (the click stops, like klick's)
 * and belong to no section. Before frame 0 the first entry's meter and
 * starting tempo extend backwards (bars 0, -1, ...; silent, no section):
 * useful for count-in and pre-roll display.
 *
 * Threads: a map is immutable after it is built. Building and freeing are
 * non-RT (they allocate). Every query marked REALTIME is safe on the
 * audio thread: no allocation, no locks, no I/O, O(log entries) — the
 * click generator calls them there. Any number of threads may query one map at once.
 */
#ifndef REDLIGHT_TEMPO_MAP_H
#define REDLIGHT_TEMPO_MAP_H

#include "redlight/error.h"
#include "redlight/realtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Ticks per beat in bar|beat|tick (JACK's and klick's usual value). */
#define TEMPO_MAP_TICKS_PER_BEAT 1920

/** Longest section label kept (longer labels are an error). */
#define TEMPO_MAP_LABEL_MAX 64

enum tempo_map_beat_type {
	TEMPO_MAP_SILENT = 0, /**< '.' */
	TEMPO_MAP_NORMAL = 1, /**< 'x' */
	TEMPO_MAP_ACCENT = 2, /**< 'X' */
};

/** Bar|beat|tick; bar and beat count from 1 (bar <= 0 before the map). */
struct tempo_map_bbt {
	int64_t bar;
	int32_t beat;
	int32_t tick; /**< 0 .. TEMPO_MAP_TICKS_PER_BEAT-1 */
};

/** One beat of the map, as the click and the display need it. */
struct tempo_map_beat {
	int64_t frame;       /**< onset frame (rounded once) */
	int64_t next_frame;  /**< onset frame of the following beat */
	int64_t bar;         /**< from 1 (<= 0 before the map) */
	int32_t beat;        /**< from 1 */
	int32_t beats_per_bar;
	int32_t denominator;
	enum tempo_map_beat_type type; /**< SILENT outside the map */
	float volume;        /**< entry volume (0 outside the map) */
	double bpm;          /**< tempo at this onset, quarter notes/min */
	int32_t entry;       /**< index of its entry, -1 outside the map */
	const char *section; /**< label of its section, NULL if none;
	                          owned by the map */
};

/** One entry (line) of the map, for display and the session. */
struct tempo_map_entry_info {
	const char *label;   /**< this line's own label, NULL if none */
	const char *section; /**< the section it belongs to, NULL if none */
	int32_t line;        /**< line in the file, from 1 */
	int64_t first_bar;   /**< bar number of its first bar, from 1 */
	int32_t bars;
	int32_t beats_per_bar;
	int32_t denominator;
	double tempo_start;  /**< bpm at its first beat */
	double tempo_end;    /**< bpm at its end (== start unless it ramps) */
	float volume;
	int64_t start_frame; /**< onset of its first beat */
	int64_t end_frame;   /**< onset of the first beat after it */
};

struct tempo_map;

/**
 * Parse a map from text. `name` is used in error messages (the file name).
 * `rate` is the sample rate all frames refer to (rebuild the map if JACK's
 * rate changes). On error returns RL_ERR_FORMAT with
 * "NAME:LINE:COLUMN: expected WHAT, found 'TOKEN'" (or another precise
 * reason, e.g. "pattern has 3 beats, meter 4/4 has 4") and *out is NULL.
 * An empty map (no entries) is an error. Non-RT; the caller owns *out.
 */
enum rl_status tempo_map_parse(const char *text, size_t length,
                               const char *name, uint32_t rate,
                               struct tempo_map **out, struct error *err);

/**
 * Read and parse a tempo map file (see tempo_map_parse). A missing or
 * unreadable file gives RL_ERR_NOT_FOUND / RL_ERR_IO naming the path.
 * Non-RT; the caller owns *out.
 */
enum rl_status tempo_map_load(const char *path, uint32_t rate,
                              struct tempo_map **out, struct error *err);

/**
 * A map of one endless entry: `bpm` in beats_per_bar/denominator with the
 * default pattern, no label (what `--tempo 120 --meter 4/4` means, like
 * `klick 4/4 120`). RL_ERR_INVALID for a tempo <= 0 or > 1000, beats
 * outside 1..64 or a denominator outside 1..64. Non-RT; caller owns *out.
 */
enum rl_status tempo_map_new_simple(double bpm, int32_t beats_per_bar,
                                    int32_t denominator, uint32_t rate,
                                    struct tempo_map **out,
                                    struct error *err);

/** Free a map. tempo_map_free(NULL) is a no-op. Non-RT. */
void tempo_map_free(struct tempo_map *map);

/** The sample rate the map was built for. Any thread. */
REALTIME uint32_t tempo_map_rate(const struct tempo_map *map);

/** Frame just after the map's last beat (INT64_MAX if it is endless). */
REALTIME int64_t tempo_map_end_frame(const struct tempo_map *map);

/**
 * The beat whose onset is at or before `frame` (any frame, also negative
 * or past the end). Any thread, REALTIME.
 */
REALTIME void tempo_map_beat_at(const struct tempo_map *map, int64_t frame,
                                struct tempo_map_beat *out);

/**
 * The first beat whose onset is at or after `frame`. Walking a cycle's
 * beats: b = next_beat(f); while (b.frame < f + n) { ...;
 * b = next_beat(b.next_frame); }. Any thread, REALTIME.
 */
REALTIME void tempo_map_next_beat(const struct tempo_map *map, int64_t frame,
                                  struct tempo_map_beat *out);

/**
 * bar|beat|tick of a frame. The beat is the one whose rounded onset is at
 * or before the frame (so every onset frame maps to tick 0); ticks come
 * from the exact beat position, clamped to the beat. Any thread, REALTIME.
 */
REALTIME void tempo_map_frame_to_bbt(const struct tempo_map *map,
                                     int64_t frame,
                                     struct tempo_map_bbt *out);

/**
 * Frame of a bar|beat|tick: the exact time of that beat position, rounded
 * once (tick 0 gives exactly the beat's onset frame). RL_ERR_INVALID if the
 * beat is outside 1..beats_per_bar of that bar or the tick is outside
 * 0..TICKS_PER_BEAT-1. Any thread,
 * REALTIME.
 */
REALTIME enum rl_status tempo_map_bbt_to_frame(const struct tempo_map *map,
                                               const struct tempo_map_bbt *bbt,
                                               int64_t *frame);

/** Onset frame of the first beat of `bar` (any bar number). REALTIME. */
REALTIME int64_t tempo_map_bar_frame(const struct tempo_map *map,
                                     int64_t bar);

/** Tempo (bpm) at a frame, ramps included. Any thread, REALTIME. */
REALTIME double tempo_map_bpm_at(const struct tempo_map *map, int64_t frame);

/**
 * Section label at a frame, NULL outside every section. The string is
 * owned by the map. Any thread, REALTIME.
 */
REALTIME const char *tempo_map_section_at(const struct tempo_map *map,
                                          int64_t frame);

/**
 * Frame where section `label` starts (its first labelled entry, if a label
 * is used twice). RL_ERR_NOT_FOUND naming the label and listing the
 * sections if there is none. Non-RT (formats the message).
 */
enum rl_status tempo_map_section_frame(const struct tempo_map *map,
                                       const char *label, int64_t *frame,
                                       struct error *err);

/** Number of entries (lines with a bar count). Any thread. */
size_t tempo_map_entry_count(const struct tempo_map *map);

/** Entry i (0 <= i < entry_count). Any thread. Strings owned by the map. */
void tempo_map_entry(const struct tempo_map *map, size_t i,
                     struct tempo_map_entry_info *out);

#endif
