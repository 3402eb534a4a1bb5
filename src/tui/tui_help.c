/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The help overlay: every key, by view, in a box over the screen (two
 * columns where they fit, scrolled with the arrows where even that does
 * not). doc/redlight.1 lists the same keys: change both together.
 */
#include "tui_internal.h"

#include <stdio.h>
#include <string.h>

struct help_line {
	const char *keys; /* NULL: a heading */
	const char *what;
};

static const struct help_line help[] = {
	{ NULL, "Transport (every view)" },
	{ "space", "play / stop" },
	{ "r", "record (count-in)" },
	{ "R", "record-ready on/off" },
	{ "n", "new take now, no gap" },
	{ "m  M", "marker / named marker" },
	{ "'", "markers: go to, move, rename" },
	{ "Home", "return to start" },
	{ "Left Right", "bar back / forward" },
	{ "[  ]", "previous / next section" },
	{ "g", "go to bar/section/time" },
	{ "l  L", "loop on/off / loop range" },
	{ "{  }", "loop start / end here" },
	{ "E", "stop where the loop pass ends" },
	{ "I  O", "punch-in / punch-out here" },
	{ "p  P", "punch on/off / range" },
	{ "L  P then -", "clear loop / punch range" },
	{ "k", "click on/off" },
	{ NULL, "Tracks" },
	{ "1-9  0", "arm track 1-9, 10" },
	{ "a  A", "arm selected / all" },
	{ "i", "input monitoring on/off" },
	{ "x", "clear clip indicators" },
	{ "Up Down", "select a track" },
	{ "PgUp/Dn End", "page, last track" },
	{ NULL, "Views" },
	{ "Tab  S-Tab", "next / previous view" },
	{ "F2-F5", "tracks takes cue log" },
	{ "Esc t c w", "tracks takes cue log" },
	{ "F1  ?  h", "this help" },
	{ "Ctrl-L", "redraw the screen" },
	{ "q  Ctrl-C", "quit, asks if recording" },
	{ NULL, "Takes view" },
	{ "Enter  K", "keeper / use the comp" },
	{ "Left Right", "one track's takes / all" },
	{ "0-5  + -", "rate the take" },
	{ "e", "write a note" },
	{ "d  Del", "discard (asks first)" },
	{ "u", "restore from trash/" },
	{ "p  P", "listen back / the take alone" },
	{ "s  C", "take for a section / make comp" },
	{ NULL, "Markers list (')" },
	{ "Enter", "go to the marker" },
	{ "m", "move it to the play head" },
	{ "e  d", "rename / remove (asks)" },
	{ NULL, "Cue view" },
	{ "Left Right", "level -1 / +1 dB (- +)" },
	{ "S-Left/Right", "level -6 / +6 dB" },
	{ "o  Enter", "on / off" },
	{ "z", "0 dB" },
	{ NULL, "Questions" },
	{ "y  Esc", "yes / no (any key: no)" },
};
#define HELP_LINES (sizeof help / sizeof help[0])

/* Key column width: the longest key label and a space. */
enum { KEY_W = 13 };

/* Two columns from 74 terminal columns up. */
static int help_columns(int inner_w)
{
	return inner_w >= 72 ? 2 : 1;
}

void tui_help_draw(struct tui *ui)
{
	/* As big as it needs, up to the whole screen but the bottom line:
	 * at 80x24 every key fits without scrolling. */
	int bw = ui->cols < 104 ? ui->cols : 104;
	int inner_w = bw - 2;
	int cols = help_columns(inner_w);
	int per_col = (int)((HELP_LINES + (size_t)cols - 1) / (size_t)cols);
	int bh = per_col + 3;
	int max_h = ui->rows - 1;
	if (bh > max_h)
		bh = max_h;
	int inner_h = bh - 3;
	int top = (ui->rows - 1 - bh) / 2, left = (ui->cols - bw) / 2;
	int scroll_max = per_col - inner_h > 0 ? per_col - inner_h : 0;
	if (ui->help_scroll > scroll_max)
		ui->help_scroll = scroll_max;

	attr_t frame = tui_attr(ui, TUI_TITLE);
	char title[96];
	snprintf(title, sizeof title, " redlight keys%s ",
	         scroll_max ? " (Up/Down scroll; any other key closes)"
	                    : " (any key closes)");
	tui_put(ui, top, left, bw, frame, title);
	for (int r = 1; r < bh; r++) {
		tui_put(ui, top + r, left, 1, frame, "");
		tui_put(ui, top + r, left + 1, inner_w, A_NORMAL, "");
		tui_put(ui, top + r, left + bw - 1, 1, frame, "");
	}
	tui_put(ui, top + bh - 1, left, bw, frame, "");
	int col_w = inner_w / cols;
	for (int c = 0; c < cols; c++) {
		for (int r = 0; r < inner_h; r++) {
			size_t i = (size_t)c * (size_t)per_col +
			           (size_t)(r + ui->help_scroll);
			if (r + ui->help_scroll >= per_col || i >= HELP_LINES)
				break;
			int y = top + 1 + r, x = left + 2 + c * col_w;
			if (!help[i].keys) {
				tui_put(ui, y, x, col_w - 1, tui_attr(ui, TUI_BOLD) |
				        A_UNDERLINE, help[i].what);
				continue;
			}
			tui_put(ui, y, x, KEY_W, tui_attr(ui, TUI_CYAN) | A_BOLD,
			        help[i].keys);
			tui_put(ui, y, x + KEY_W, col_w - KEY_W - 1, A_NORMAL,
			        help[i].what);
		}
	}
}

bool tui_help_key(struct tui *ui, int key)
{
	switch (key) {
	case KEY_UP:
		if (ui->help_scroll > 0)
			ui->help_scroll--;
		return true;
	case KEY_DOWN:
		ui->help_scroll++;
		return true;
	case KEY_PPAGE:
		ui->help_scroll = ui->help_scroll > 10 ? ui->help_scroll - 10 : 0;
		return true;
	case KEY_NPAGE:
		ui->help_scroll += 10;
		return true;
	default:
		return false;
	}
}
