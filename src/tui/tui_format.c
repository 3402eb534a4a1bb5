/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Numbers and layout of the terminal UI, free of curses so the unit test
 * can check them (tests/unit/test_tui_format.c).
 */
#include "tui_format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

char *tui_format_clock(char *out, size_t size, int64_t frame, uint32_t rate)
{
	if (rate == 0) {
		snprintf(out, size, "-:--.---");
		return out;
	}
	/* Milliseconds in integers: a float would show 0:00.999 for a frame
	 * that is exactly one second. Rounded down, like a tape counter. */
	bool neg = frame < 0;
	uint64_t f = neg ? (uint64_t)(-(frame + 1)) + 1 : (uint64_t)frame;
	uint64_t ms = f / rate * 1000 + f % rate * 1000 / rate;
	uint64_t s = ms / 1000, m = s / 60, h = m / 60;
	if (h > 0)
		snprintf(out, size, "%s%" PRIu64 ":%02u:%02u.%03u", neg ? "-" : "",
		         h, (unsigned)(m % 60), (unsigned)(s % 60),
		         (unsigned)(ms % 1000));
	else
		snprintf(out, size, "%s%" PRIu64 ":%02u.%03u", neg ? "-" : "", m,
		         (unsigned)(s % 60), (unsigned)(ms % 1000));
	return out;
}

char *tui_format_length(char *out, size_t size, uint64_t frames,
                        uint32_t rate)
{
	if (rate == 0) {
		snprintf(out, size, "?");
		return out;
	}
	uint64_t tenths = frames / rate * 10 + frames % rate * 10 / rate;
	uint64_t s = tenths / 10, m = s / 60;
	if (m >= 60)
		snprintf(out, size, "%" PRIu64 ":%02u:%02u", m / 60,
		         (unsigned)(m % 60), (unsigned)(s % 60));
	else
		snprintf(out, size, "%" PRIu64 ":%02u.%u", m, (unsigned)(s % 60),
		         (unsigned)(tenths % 10));
	return out;
}

char *tui_format_time_left(char *out, size_t size, double seconds)
{
	if (isnan(seconds) || isinf(seconds) || seconds > 1e9) {
		snprintf(out, size, "--");
		return out;
	}
	if (seconds < 0)
		seconds = 0;
	uint64_t s = (uint64_t)seconds;
	if (s >= 3600)
		snprintf(out, size, "%" PRIu64 "h%02um", s / 3600,
		         (unsigned)(s / 60 % 60));
	else if (s >= 60)
		snprintf(out, size, "%um%02us", (unsigned)(s / 60),
		         (unsigned)(s % 60));
	else
		snprintf(out, size, "%us", (unsigned)s);
	return out;
}

char *tui_format_db(char *out, size_t size, double db)
{
	if (isnan(db) || (isinf(db) && db < 0) || db < -999.0)
		snprintf(out, size, "-inf");
	else if (db > 0.05)
		snprintf(out, size, "+%.1f", db > 99.0 ? 99.0 : db);
	else if (db > -0.05)
		snprintf(out, size, "0.0"); /* never "-0.0" */
	else
		snprintf(out, size, "%.1f", db);
	return out;
}

int tui_meter_units(double db, int width, int sub)
{
	if (width <= 0 || sub <= 0 || isnan(db) || db <= TUI_METER_FLOOR_DB)
		return 0;
	int total = width * sub;
	if (db >= 0.0)
		return total;
	double units = (db - TUI_METER_FLOOR_DB) / -TUI_METER_FLOOR_DB * total;
	int u = (int)floor(units);
	return u < 0 ? 0 : u > total ? total : u;
}

int tui_meter_zone(int cell, int width)
{
	if (width <= 0)
		return 0;
	double db = TUI_METER_FLOOR_DB +
	            -TUI_METER_FLOOR_DB * (double)cell / (double)width;
	/* A cell is red as soon as any of it lies above -3 dBFS: the red end
	 * must show however narrow the meter is. */
	double right = TUI_METER_FLOOR_DB +
	               -TUI_METER_FLOOR_DB * (double)(cell + 1) / (double)width;
	if (right > TUI_METER_RED_DB + 1e-9)
		return 2;
	return db >= TUI_METER_YELLOW_DB - 1e-9 ? 1 : 0;
}

int tui_meter_cell(double db, int width)
{
	if (width <= 0 || isnan(db) || db < TUI_METER_FLOOR_DB)
		return -1;
	if (db >= 0.0)
		return width - 1;
	int cell = (int)floor((db - TUI_METER_FLOOR_DB) /
	                      -TUI_METER_FLOOR_DB * width);
	return cell < 0 ? 0 : cell >= width ? width - 1 : cell;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Cells of a row that are not name, group, input, meter or peak: cursor,
 * number, colour swatch, state (R M), clip, keeper and the spaces. */
enum { FIXED_CELLS = 1 + 3 + 1 + 1 + 1 + 1 + 1 + 3 + 1 + 5 + 1 + 4,
       PEAK_CELLS = 6, MIN_COLUMN = 96, MIN_METER = 16, MAX_METER = 100 };

void tui_track_layout(int cols, int rows, size_t tracks,
                      struct tui_track_layout *out)
{
	memset(out, 0, sizeof *out);
	int columns = 1;
	if (rows > 0 && tracks > (size_t)rows && cols >= 2 * MIN_COLUMN) {
		size_t need = (tracks + (size_t)rows - 1) / (size_t)rows;
		columns = cols / MIN_COLUMN;
		if ((size_t)columns > need)
			columns = (int)need;
	}
	out->columns = columns;
	out->width = cols / columns;
	int avail = out->width - FIXED_CELLS - (columns > 1 ? 1 : 0);
	out->show_peak = true;
	int rest = avail - PEAK_CELLS;
	out->name = clampi(rest * 18 / 100, 8, 20);
	out->input = clampi(rest * 22 / 100, 8, 28);
	out->group = rest >= 110 ? clampi(rest * 8 / 100, 8, 12) : 0;
	out->meter = rest - out->name - out->input - 1 -
	             (out->group ? out->group + 1 : 0);
	if (out->meter < MIN_METER) {
		/* Narrow: the meter matters more than its number. */
		out->show_peak = false;
		rest = avail;
		out->meter = rest - out->name - out->input - 1;
	}
	while (out->meter < MIN_METER && (out->input > 6 || out->name > 6)) {
		if (out->input > 6)
			out->input--;
		else
			out->name--;
		out->meter = rest - out->name - out->input - 1;
	}
	if (out->meter > MAX_METER) {
		/* Very wide: longer names and ports before an endless meter. */
		int spare = out->meter - MAX_METER;
		int grow = clampi(spare, 0, 20 - out->name);
		out->name += grow;
		spare -= grow;
		grow = clampi(spare, 0, 40 - out->input);
		out->input += grow;
		out->meter = MAX_METER;
	}
	if (out->meter < 1)
		out->meter = 1;
}

/* Length of the UTF-8 sequence starting with byte b, 0 if b cannot start
 * one. */
static size_t utf8_seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

/* Columns of a code point: 2 for the wide East Asian ranges, 0 for
 * combining marks, else 1. A small table is enough for names and notes:
 * getting a rare character's width wrong shifts one row by one cell. */
static int codepoint_width(uint32_t cp)
{
	if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t tui_utf8_fit(const char *text, int width, int *cols_out)
{
	size_t i = 0;
	int cols = 0;
	const unsigned char *t = (const unsigned char *)text;
	while (t[i]) {
		size_t n = utf8_seq_len(t[i]);
		uint32_t cp = t[i];
		bool ok = n > 0;
		for (size_t k = 1; ok && k < n; k++)
			ok = (t[i + k] & 0xc0) == 0x80;
		if (ok && n > 1) {
			cp = t[i] & (0xff >> (n + 1));
			for (size_t k = 1; k < n; k++)
				cp = cp << 6 | (t[i + k] & 0x3f);
		}
		if (!ok)
			n = 1;
		int w = ok ? codepoint_width(cp) : 1;
		if (cols + w > width)
			break;
		cols += w;
		i += n;
	}
	if (cols_out)
		*cols_out = cols;
	return i;
}

size_t tui_utf8_last_len(const char *text, size_t len)
{
	if (len == 0)
		return 0;
	size_t n = 1;
	while (n < len && n < 4 &&
	       ((unsigned char)text[len - n] & 0xc0) == 0x80)
		n++;
	/* A lone continuation byte (broken text) goes one byte at a time. */
	if (utf8_seq_len((unsigned char)text[len - n]) != n)
		return 1;
	return n;
}

char *tui_format_rating(char *out, size_t size, uint32_t rating, bool utf8)
{
	size_t used = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < 5; i++) {
		const char *star = i < rating ? (utf8 ? "\u2605" : "*")
		                              : (utf8 ? "\u2606" : ".");
		size_t n = strlen(star);
		if (used + n + 1 > size)
			break;
		memcpy(out + used, star, n + 1);
		used += n;
	}
	return out;
}

uint64_t tui_hash(uint64_t h, const void *data, size_t size)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}
