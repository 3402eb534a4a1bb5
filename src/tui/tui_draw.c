/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What every view draws with: the styles and track colours, clipped
 * text, and the meters (eighth-cell blocks on a UTF-8 terminal, '#'
 * otherwise). UI thread only, like every curses call.
 */
#include "tui_internal.h"

#include <langinfo.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* ---- styles and colours ----------------------------------------------- */

enum {
	PAIR_GREEN = 1, PAIR_YELLOW, PAIR_RED, PAIR_CYAN, PAIR_TALLY,
	PAIR_PLAYING, PAIR_COUNTING, PAIR_TITLE, PAIR_FIRST_TRACK_COLOUR,
};
#define TRACK_COLOURS_MAX 48

static attr_t style_attr[TUI_STYLE_COUNT];
static struct {
	char name[16];
	short pair;
} track_colours[TRACK_COLOURS_MAX];
static size_t track_colour_count;

void tui_init_styles(struct tui *ui)
{
	ui->colour = has_colors() && start_color() == OK;
	if (ui->colour) {
		use_default_colors();
		init_pair(PAIR_GREEN, COLOR_GREEN, -1);
		init_pair(PAIR_YELLOW, COLOR_YELLOW, -1);
		init_pair(PAIR_RED, COLOR_RED, -1);
		init_pair(PAIR_CYAN, COLOR_CYAN, -1);
		init_pair(PAIR_TALLY, COLOR_WHITE, COLOR_RED);
		init_pair(PAIR_PLAYING, COLOR_BLACK, COLOR_GREEN);
		init_pair(PAIR_COUNTING, COLOR_BLACK, COLOR_YELLOW);
		init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
	}
	bool c = ui->colour;
	style_attr[TUI_NORMAL] = A_NORMAL;
	style_attr[TUI_DIM] = A_DIM;
	style_attr[TUI_BOLD] = A_BOLD;
	style_attr[TUI_GREEN] = c ? COLOR_PAIR(PAIR_GREEN) : A_NORMAL;
	style_attr[TUI_YELLOW] = c ? COLOR_PAIR(PAIR_YELLOW) | A_BOLD : A_BOLD;
	style_attr[TUI_RED] = c ? COLOR_PAIR(PAIR_RED) | A_BOLD : A_BOLD;
	style_attr[TUI_CYAN] = c ? COLOR_PAIR(PAIR_CYAN) : A_NORMAL;
	style_attr[TUI_TALLY] = c ? COLOR_PAIR(PAIR_TALLY) | A_BOLD
	                          : A_REVERSE | A_BOLD;
	style_attr[TUI_PLAYING] = c ? COLOR_PAIR(PAIR_PLAYING) : A_REVERSE;
	style_attr[TUI_COUNTING] = c ? COLOR_PAIR(PAIR_COUNTING) | A_BOLD
	                             : A_REVERSE | A_BLINK;
	style_attr[TUI_TITLE] = c ? COLOR_PAIR(PAIR_TITLE) : A_REVERSE;
	style_attr[TUI_SELECTED] = A_REVERSE;
	style_attr[TUI_ARMED] = c ? COLOR_PAIR(PAIR_TALLY) | A_BOLD
	                          : A_REVERSE | A_BOLD;
	style_attr[TUI_CLIP] = c ? COLOR_PAIR(PAIR_TALLY) | A_BOLD
	                         : A_REVERSE | A_BOLD;
	track_colour_count = 0;
}

attr_t tui_attr(const struct tui *ui, enum tui_style style)
{
	(void)ui;
	return style < TUI_STYLE_COUNT ? style_attr[style] : A_NORMAL;
}

/* The terminal colour closest to a track colour: the xterm 256-colour
 * cube where there is one, else one of the eight basic colours. */
static short colour_number(const char *colour)
{
	static const struct { const char *name; short basic, rich; } named[] = {
		{ "red", COLOR_RED, 196 },        { "green", COLOR_GREEN, 46 },
		{ "blue", COLOR_BLUE, 33 },       { "yellow", COLOR_YELLOW, 226 },
		{ "magenta", COLOR_MAGENTA, 201 }, { "cyan", COLOR_CYAN, 51 },
		{ "white", COLOR_WHITE, 231 },    { "orange", COLOR_YELLOW, 208 },
		{ "purple", COLOR_MAGENTA, 129 },
	};
	bool rich = COLORS >= 256;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (!strcasecmp(colour, named[i].name))
			return rich ? named[i].rich : named[i].basic;
	unsigned r, g, b;
	if (colour[0] == '#' && strlen(colour) == 7 &&
	    sscanf(colour + 1, "%2x%2x%2x", &r, &g, &b) == 3) {
		if (rich)
			return (short)(16 + 36 * ((r * 5 + 127) / 255) +
			               6 * ((g * 5 + 127) / 255) +
			               (b * 5 + 127) / 255);
		short n = (short)((r > 127 ? COLOR_RED : 0) |
		                  (g > 127 ? COLOR_GREEN : 0) |
		                  (b > 127 ? COLOR_BLUE : 0));
		return n == COLOR_BLACK ? COLOR_WHITE : n;
	}
	return -1;
}

attr_t tui_colour_attr(struct tui *ui, const char *colour)
{
	if (!ui->colour || !colour || !colour[0])
		return A_NORMAL;
	for (size_t i = 0; i < track_colour_count; i++)
		if (!strcmp(track_colours[i].name, colour))
			return COLOR_PAIR(track_colours[i].pair);
	short fg = colour_number(colour);
	short pair = (short)(PAIR_FIRST_TRACK_COLOUR + track_colour_count);
	if (fg < 0 || track_colour_count >= TRACK_COLOURS_MAX ||
	    pair >= COLOR_PAIRS || init_pair(pair, fg, -1) != OK)
		return A_NORMAL;
	snprintf(track_colours[track_colour_count].name,
	         sizeof track_colours[0].name, "%s", colour);
	track_colours[track_colour_count++].pair = pair;
	return COLOR_PAIR(pair);
}

/* ---- drawing helpers -------------------------------------------------- */

int tui_put(struct tui *ui, int y, int x, int width, attr_t attr,
            const char *text)
{
	if (y < 0 || y >= ui->rows || x < 0 || x >= ui->cols)
		return 0;
	int room = ui->cols - x;
	int limit = width < 0 || width > room ? room : width;
	int used = 0;
	size_t n = tui_utf8_fit(text, limit, &used);
	attrset(attr);
	if (ui->utf8) {
		mvaddnstr(y, x, text, (int)n);
	} else {
		/* Without UTF-8 a multi-byte character would show as junk:
		 * one '?' per byte keeps the columns. */
		move(y, x);
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)text[i];
			addch(ch < 0x80 && ch >= 0x20 ? ch : '?');
		}
	}
	if (width > used) {
		int pad = (width < room ? width : room) - used;
		if (pad > 0)
			mvhline(y, x + used, ' ', pad);
	}
	attrset(A_NORMAL);
	return width >= 0 ? limit : used;
}

int tui_putf(struct tui *ui, int y, int x, int width, attr_t attr,
             const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_put(ui, y, x, width, attr, buf);
}

int tui_meter_sub(const struct tui *ui)
{
	return ui->utf8 && REDLIGHT_WIDE_CURSES ? 8 : 1;
}

/* Pre-built meter cells, so a meter is one array copy into the virtual
 * screen: per colour zone, the lit levels 0 (unlit) .. 8 and the
 * peak-hold mark. */
#if REDLIGHT_WIDE_CURSES
static cchar_t meter_cell[3][9], meter_hold[3];
#endif
static chtype meter_ch[3][2], meter_hold_ch[3];
static int zone_width = -1;
static unsigned char zone_of[TUI_METER_MAX];

void tui_init_meter_cells(struct tui *ui)
{
	const enum tui_style zs[3] = { TUI_GREEN, TUI_YELLOW, TUI_RED };
	for (int z = 0; z < 3; z++) {
		attr_t a = tui_attr(ui, zs[z]);
		meter_ch[z][0] = '.' | A_DIM;
		meter_ch[z][1] = '#' | a;
		meter_hold_ch[z] = '|' | a | A_BOLD;
#if REDLIGHT_WIDE_CURSES
		short pair = (short)PAIR_NUMBER(a);
		attr_t plain = a & ~A_COLOR;
		wchar_t w[2] = { 0, 0 };
		w[0] = L'\u00b7';
		setcchar(&meter_cell[z][0], w, A_DIM, 0, NULL);
		for (int lit = 1; lit <= 8; lit++) {
			/* U+258F (one eighth) .. U+2588 (full block). */
			w[0] = (wchar_t)(0x2590 - lit);
			setcchar(&meter_cell[z][lit], w, plain, pair, NULL);
		}
		w[0] = L'|';
		setcchar(&meter_hold[z], w, plain | A_BOLD, pair, NULL);
#endif
	}
	zone_width = -1;
}

void tui_draw_meter(struct tui *ui, int y, int x, int width, int units,
                    int hold_cell)
{
	if (width > TUI_METER_MAX)
		width = TUI_METER_MAX;
	if (width <= 0 || y < 0 || y >= ui->rows || x + width > ui->cols)
		return;
	if (zone_width != width) {
		for (int i = 0; i < width; i++)
			zone_of[i] = (unsigned char)tui_meter_zone(i, width);
		zone_width = width;
	}
#if REDLIGHT_WIDE_CURSES
	if (tui_meter_sub(ui) == 8) {
		cchar_t line[TUI_METER_MAX];
		for (int i = 0; i < width; i++) {
			int lit = units - i * 8;
			lit = lit < 0 ? 0 : lit > 8 ? 8 : lit;
			line[i] = i == hold_cell && lit < 8 ? meter_hold[zone_of[i]]
			                                    : meter_cell[zone_of[i]][lit];
		}
		mvadd_wchnstr(y, x, line, width);
		return;
	}
#endif
	chtype line[TUI_METER_MAX];
	for (int i = 0; i < width; i++) {
		bool lit = units > i;
		line[i] = i == hold_cell && !lit ? meter_hold_ch[zone_of[i]]
		                                 : meter_ch[zone_of[i]][lit];
	}
	mvaddchnstr(y, x, line, width);
}
