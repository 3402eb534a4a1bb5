/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit test of the terminal UI's numbers and layout (src/tui/tui_format.c):
 * what the engineer reads must be right to the frame and the decibel, and
 * the track list must fit every terminal from 60 columns up. The screen
 * itself is tested in tmux by tests/ui/.
 */
#include "tui_format.h"
#include "check.h"

#include <math.h>
#include <string.h>

static void test_clock(void)
{
	char b[32];
	CHECK_STR(tui_format_clock(b, sizeof b, 0, 48000), "0:00.000");
	/* Exactly one second is 1.000, never 0.999. */
	CHECK_STR(tui_format_clock(b, sizeof b, 48000, 48000), "0:01.000");
	CHECK_STR(tui_format_clock(b, sizeof b, 47999, 48000), "0:00.999");
	CHECK_STR(tui_format_clock(b, sizeof b, -24000, 48000), "-0:00.500");
	CHECK_STR(tui_format_clock(b, sizeof b, 48000LL * 3723 + 21888, 48000),
	          "1:02:03.456");
	CHECK_STR(tui_format_clock(b, sizeof b, 44100 * 61, 44100), "1:01.000");
	CHECK_STR(tui_format_clock(b, sizeof b, INT64_MIN, 48000)[0] == '-'
	          ? "-" : "?", "-");
	CHECK_STR(tui_format_clock(b, sizeof b, 5, 0), "-:--.---");

	CHECK_STR(tui_format_length(b, sizeof b, 48000 * 62 + 14400, 48000),
	          "1:02.3");
	CHECK_STR(tui_format_length(b, sizeof b, 48000ULL * 3725, 48000),
	          "1:02:05");
}

static void test_time_left_and_db(void)
{
	char b[32];
	CHECK_STR(tui_format_time_left(b, sizeof b, INFINITY), "--");
	CHECK_STR(tui_format_time_left(b, sizeof b, NAN), "--");
	CHECK_STR(tui_format_time_left(b, sizeof b, 12 * 3600 + 5 * 60 + 59),
	          "12h05m");
	CHECK_STR(tui_format_time_left(b, sizeof b, 42 * 60 + 10.9), "42m10s");
	CHECK_STR(tui_format_time_left(b, sizeof b, 59.9), "59s");
	CHECK_STR(tui_format_time_left(b, sizeof b, -3), "0s");

	CHECK_STR(tui_format_db(b, sizeof b, -INFINITY), "-inf");
	CHECK_STR(tui_format_db(b, sizeof b, NAN), "-inf");
	CHECK_STR(tui_format_db(b, sizeof b, -12.04), "-12.0");
	CHECK_STR(tui_format_db(b, sizeof b, -0.01), "0.0");
	CHECK_STR(tui_format_db(b, sizeof b, 3.0), "+3.0");
}

static void test_meter(void)
{
	/* The scale: -60 dBFS is empty, 0 dBFS full, and a lit step never
	 * shows more than the level. */
	CHECK_EQ_U64(tui_meter_units(-INFINITY, 30, 8), 0);
	CHECK_EQ_U64(tui_meter_units(NAN, 30, 8), 0);
	CHECK_EQ_U64(tui_meter_units(-60.0, 30, 8), 0);
	CHECK_EQ_U64(tui_meter_units(0.0, 30, 8), 240);
	CHECK_EQ_U64(tui_meter_units(6.0, 30, 8), 240);
	CHECK_EQ_U64(tui_meter_units(-30.0, 30, 8), 120);
	CHECK_EQ_U64(tui_meter_units(-30.0, 30, 1), 15);
	/* -12.04 dBFS (the frame counter's peak) on 31 cells. */
	CHECK_EQ_U64(tui_meter_units(-12.04, 31, 8), 198);
	for (int w = 1; w <= 100; w++)
		for (double db = -61; db <= 1; db += 0.25) {
			int u = tui_meter_units(db, w, 8);
			double shown = -60.0 + 60.0 * u / (w * 8);
			CHECK(u >= 0 && u <= w * 8);
			CHECK(db >= 0 || shown <= db + 1e-9 || u == 0);
		}

	/* Colours: red above -3 dBFS, yellow from -18, green below; the
	 * last cell is red however narrow the meter is. */
	for (int w = 1; w <= 100; w++) {
		CHECK(tui_meter_zone(w - 1, w) == 2);
		for (int c = 0; c < w; c++) {
			double left = -60.0 + 60.0 * c / w;
			double right = -60.0 + 60.0 * (c + 1) / w;
			int z = tui_meter_zone(c, w);
			if (right <= -3.0 - 1e-9)
				CHECK(z != 2);
			if (left > -3.0)
				CHECK(z == 2);
			if (right <= -18.0 - 1e-9)
				CHECK(z == 0);
		}
	}
	CHECK(tui_meter_zone(0, 60) == 0);
	CHECK(tui_meter_zone(42, 60) == 1); /* -18 .. -17 */
	CHECK(tui_meter_zone(41, 60) == 0); /* -19 .. -18 */
	CHECK(tui_meter_zone(57, 60) == 2); /* -3 .. -2 */
	CHECK(tui_meter_zone(56, 60) == 1); /* -4 .. -3 */

	CHECK(tui_meter_cell(-INFINITY, 30) == -1);
	CHECK(tui_meter_cell(-70, 30) == -1);
	CHECK(tui_meter_cell(-60, 30) == 0);
	CHECK(tui_meter_cell(0, 30) == 29);
	CHECK(tui_meter_cell(-30, 30) == 15);
}

static void test_layout(void)
{
	struct tui_track_layout L;
	/* 80x24: one column, 18 rows; names, ports and a usable meter. */
	tui_track_layout(80, 18, 8, &L);
	CHECK(L.columns == 1);
	CHECK(L.width == 80);
	CHECK(L.name >= 8 && L.input >= 8 && L.meter >= 24);
	CHECK(L.show_peak);
	/* Everything fits the width: 23 fixed cells, the peak, the fields. */
	CHECK(23 + 6 + L.name + L.input + L.meter + (L.group ? L.group + 1 : 0)
	      <= 80);

	/* 256 tracks on 200x50: two columns side by side. */
	tui_track_layout(200, 44, 256, &L);
	CHECK(L.columns == 2);
	CHECK(L.width == 100);
	CHECK(L.meter >= 30);
	/* ... but 8 tracks on 200 columns: one wide column. */
	tui_track_layout(200, 44, 8, &L);
	CHECK(L.columns == 1);
	CHECK(L.group > 0);
	CHECK(L.meter <= 100);
	/* 300 columns, 256 tracks, 20 rows: three columns. */
	tui_track_layout(300, 20, 256, &L);
	CHECK(L.columns == 3);
	/* The narrowest terminal: still a meter. */
	tui_track_layout(60, 5, 256, &L);
	CHECK(L.columns == 1);
	CHECK(L.meter >= 16);
	CHECK(23 + (L.show_peak ? 6 : 0) + L.name + L.input + L.meter <= 60);
	for (int cols = 60; cols <= 400; cols++) {
		for (size_t n = 1; n <= 256; n *= 4) {
			tui_track_layout(cols, 20, n, &L);
			int used = 23 + (L.show_peak ? 6 : 0) + L.name + L.input +
			           L.meter + (L.group ? L.group + 1 : 0) +
			           (L.columns > 1 ? 1 : 0);
			CHECK(used <= L.width);
			CHECK(L.width * L.columns <= cols);
			CHECK(L.meter >= 1 && L.meter <= 128);
		}
	}
}

static void test_utf8(void)
{
	int cols = 0;
	CHECK_EQ_U64(tui_utf8_fit("kick", 10, &cols), 4);
	CHECK(cols == 4);
	CHECK_EQ_U64(tui_utf8_fit("kick", 2, &cols), 2);
	/* "Bässe" is 6 bytes, 5 columns; cut at 2 columns keeps "Bä". */
	CHECK_EQ_U64(tui_utf8_fit("B\xc3\xa4sse", 10, &cols), 6);
	CHECK(cols == 5);
	CHECK_EQ_U64(tui_utf8_fit("B\xc3\xa4sse", 2, &cols), 3);
	/* A wide character never half fits. */
	CHECK_EQ_U64(tui_utf8_fit("\xe5\xa3\xb0x", 1, &cols), 0);
	CHECK_EQ_U64(tui_utf8_fit("\xe5\xa3\xb0x", 3, &cols), 4);
	CHECK(cols == 3);
	/* Broken bytes count as one column each. */
	CHECK_EQ_U64(tui_utf8_fit("\xff\xfe", 5, &cols), 2);
	CHECK(cols == 2);

	CHECK_EQ_U64(tui_utf8_last_len("", 0), 0);
	CHECK_EQ_U64(tui_utf8_last_len("ab", 2), 1);
	CHECK_EQ_U64(tui_utf8_last_len("a\xc3\xa4", 3), 2);
	CHECK_EQ_U64(tui_utf8_last_len("\xe2\x98\x85", 3), 3);
	CHECK_EQ_U64(tui_utf8_last_len("a\x80", 2), 1);

	char b[32];
	CHECK_STR(tui_format_rating(b, sizeof b, 3, false), "***..");
	CHECK_STR(tui_format_rating(b, sizeof b, 0, false), ".....");
	CHECK_STR(tui_format_rating(b, sizeof b, 5, true),
	          "\u2605\u2605\u2605\u2605\u2605");
	CHECK_STR(tui_format_rating(b, sizeof b, 1, true),
	          "\u2605\u2606\u2606\u2606\u2606");
}

int main(void)
{
	test_clock();
	test_time_left_and_db();
	test_meter();
	test_layout();
	test_utf8();
	return CHECK_DONE();
}
