/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The terminal UI's numbers and layout as plain functions (no curses), so
 * tests/unit/test_tui_format.c checks them without a terminal. Private to the
 * tui module, like tui_internal.h.
 *
 * Thread: any (pure functions, output into the caller's buffers).
 */
#ifndef REDLIGHT_TUI_FORMAT_H
#define REDLIGHT_TUI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Lowest level a meter shows (its left end); 0 dBFS is its right end. */
#define TUI_METER_FLOOR_DB (-60.0)
/** Above this the meter is red (SESSION_HOT_DBFS), from TUI_METER_YELLOW_DB
 *  yellow, green below. */
#define TUI_METER_RED_DB (-3.0)
#define TUI_METER_YELLOW_DB (-18.0)

/**
 * Timeline position as a clock: "0:01.250", "-0:00.500", "1:02:03.456".
 * frame / rate; rate 0 gives "-:--.---". Returns out.
 */
char *tui_format_clock(char *out, size_t size, int64_t frame, uint32_t rate);

/** A length in frames as "1:02.3" (minutes:seconds.tenths) or
 *  "1:02:03" past an hour. Returns out. */
char *tui_format_length(char *out, size_t size, uint64_t frames,
                        uint32_t rate);

/** Record time left: "12h05m", "42m10s", "59s", "--" for INFINITY or NaN,
 *  "0s" for none. Returns out. */
char *tui_format_time_left(char *out, size_t size, double seconds);

/** A level: "-12.0", "0.0", "+3.0" (above zero), "-inf". Returns out. */
char *tui_format_db(char *out, size_t size, double db);

/**
 * Lit part of a meter `width` cells wide with `sub` steps per cell (8 with
 * Unicode eighth blocks, 1 with ASCII), for level db: 0 at or below
 * TUI_METER_FLOOR_DB (and for -INFINITY/NaN), width * sub at 0 dBFS and
 * above. Rounded down, so a lit step is always at or below the level.
 */
int tui_meter_units(double db, int width, int sub);

/** Colour zone of meter cell `cell` of `width`: 0 green, 1 yellow (from
 *  -18 dBFS), 2 red (above -3 dBFS), by the level at the cell's left edge. */
int tui_meter_zone(int cell, int width);

/** Cell of a meter `width` wide where level db is drawn (the peak-hold
 *  mark, a scale label): 0 .. width - 1, -1 below the floor. */
int tui_meter_cell(double db, int width);

/** Field widths of one column of the track list. */
struct tui_track_layout {
	int columns;     /**< side by side */
	int width;       /**< of one column, separator included */
	int name, group, input, meter; /**< widths; group 0: not shown */
	bool show_peak;  /**< the numeric peak next to the meter */
};

/**
 * Lay out `tracks` tracks in a body of cols x rows cells: as many columns
 * as fit side by side (each at least 96 cells wide) when one column would
 * not hold them all, then the widest fields that fit. cols must be >= 60.
 */
void tui_track_layout(int cols, int rows, size_t tracks,
                      struct tui_track_layout *out);

/**
 * Bytes of UTF-8 `text` that fit in `width` terminal columns, whole
 * characters only; *cols_out (may be NULL) gets the columns they take.
 * Invalid bytes count as one column each (they are shown as '?').
 */
size_t tui_utf8_fit(const char *text, int width, int *cols_out);

/** Bytes of the last UTF-8 character of text[0, len) (for backspace):
 *  0 for an empty text. */
size_t tui_utf8_last_len(const char *text, size_t len);

/** Stars for a rating 0-5 into out: "***.." (ascii) or "★★★☆☆". */
char *tui_format_rating(char *out, size_t size, uint32_t rating, bool utf8);

/** 64-bit FNV-1a of a buffer, chained through h (start: TUI_HASH_INIT):
 *  what the track list compares to see that a row changed. */
#define TUI_HASH_INIT 1469598103934665603ull
uint64_t tui_hash(uint64_t h, const void *data, size_t size);

#endif
