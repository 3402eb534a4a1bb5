/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The transport bar: two rows at the top of every view. The left end is
 * the record tally, red while a take records, readable from across the
 * room; then where the song is (clock, bar|beat|tick, section, tempo,
 * meter) and what the next record press will do.
 */
#include "tui_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The state block: what is happening, in one word, in its colour. */
static int draw_state(struct tui *ui, int y)
{
	const struct control_status *st = &ui->s.st;
	char text[48];
	enum tui_style style;
	bool u = ui->utf8;
	if (st->server_lost) {
		/* Nothing rolls until a server is back (control_server.c). */
		snprintf(text, sizeof text, " %s NO JACK ", u ? "\u2715" : "x");
		style = TUI_TALLY;
	} else if (st->recording) {
		snprintf(text, sizeof text, " %s REC %03u ", u ? "\u25cf" : "*",
		         st->take);
		style = TUI_TALLY;
	} else if (st->transport == ENGINE_COUNT_IN) {
		snprintf(text, sizeof text, " %s COUNT-IN %u ", u ? "\u25cf" : "*",
		         st->count_in_beats);
		style = TUI_COUNTING;
	} else if (st->record_ready) {
		/* Blinking, so it reads "about to record" from across the
		 * room, not "recording". */
		snprintf(text, sizeof text, " %s READY ", u ? "\u25cf" : "*");
		style = fmod(ui->now, 1.0) < 0.5 ? TUI_TALLY : TUI_TITLE;
	} else if (st->transport == ENGINE_ROLLING ||
	           st->transport == ENGINE_RECORDING) {
		snprintf(text, sizeof text, " %s PLAYING ", u ? "\u25b6" : ">");
		style = TUI_PLAYING;
	} else {
		snprintf(text, sizeof text, " %s STOPPED ", u ? "\u25a0" : "#");
		style = TUI_TITLE;
	}
	/* Fixed width, so the clock does not jump when the state changes. */
	return tui_put(ui, y, 0, 14, tui_attr(ui, style) | A_BOLD, text);
}

void tui_transport_draw(struct tui *ui, int y)
{
	const struct control_status *st = &ui->s.st;
	const struct control_position *p = &st->pos;
	int x = draw_state(ui, y);
	x += tui_put(ui, y, x, 1, A_NORMAL, "");

	char clock[32];
	tui_format_clock(clock, sizeof clock, p->frame, st->sample_rate);
	x += tui_put(ui, y, x, 12, tui_attr(ui, TUI_BOLD), clock);

	char bbt[48];
	snprintf(bbt, sizeof bbt, "%lld|%d|%04d", (long long)p->bbt.bar,
	         p->bbt.beat, p->bbt.tick);
	x += tui_put(ui, y, x, 12, tui_attr(ui, TUI_BOLD), bbt);

	x += tui_put(ui, y, x, ui->cols >= 120 ? 20 : 12, tui_attr(ui, TUI_CYAN),
	             p->section[0] ? p->section : "-");

	char tempo[48];
	snprintf(tempo, sizeof tempo, "%.1f bpm %d/%d", p->bpm,
	         p->beats_per_bar, p->denominator);
	x += tui_put(ui, y, x, 15, A_NORMAL, tempo);

	/* The rest of the row: how many tracks a take records now, and on
	 * a wide terminal the session. */
	char right[SESSION_NAME_MAX + 64];
	snprintf(right, sizeof right, "%u/%u armed", st->armed_tracks,
	         st->track_count);
	int rw = (int)strlen(right);
	if (ui->cols - x >= rw + 1) {
		int sw = 0;
		if (ui->cols - x > rw + 40) {
			tui_put(ui, y, x, 2, A_NORMAL, "");
			tui_utf8_fit(ui->s.session_name, ui->cols - x - rw - 6, &sw);
			tui_put(ui, y, x + 2, sw, tui_attr(ui, TUI_DIM),
			        ui->s.session_name);
			sw += 2;
		}
		tui_put(ui, y, x + sw, ui->cols - x - sw - rw - 1, A_NORMAL, "");
		tui_put(ui, y, ui->cols - rw - 1, rw + 1,
		        tui_attr(ui, st->armed_tracks ? TUI_RED : TUI_DIM), right);
	} else {
		tui_put(ui, y, x, ui->cols - x, A_NORMAL, "");
	}

	/* Row 2: what record and play will do, and the take. */
	int y2 = y + 1;
	x = 0;
	char buf[96];
	if (st->recording)
		snprintf(buf, sizeof buf, " take %03u ", st->take);
	else if (st->record_armed)
		snprintf(buf, sizeof buf, " REC ARMED ");
	else
		snprintf(buf, sizeof buf, " next take ");
	x += tui_put(ui, y2, x, 14,
	             tui_attr(ui, st->recording || st->record_armed ? TUI_RED
	                                                            : TUI_DIM),
	             buf);
	x += tui_put(ui, y2, x, -1,
	             tui_attr(ui, st->click_on ? TUI_GREEN : TUI_DIM),
	             st->click_on ? "click on" : "click off");
	x += tui_put(ui, y2, x, 2, A_NORMAL, "");
	if (ui->s.count_in_bars) {
		snprintf(buf, sizeof buf, "count-in %u  ", ui->s.count_in_bars);
		x += tui_put(ui, y2, x, -1, A_NORMAL, buf);
	}
	if (ui->s.pre_roll_bars) {
		snprintf(buf, sizeof buf, "pre-roll %u  ", ui->s.pre_roll_bars);
		x += tui_put(ui, y2, x, -1, A_NORMAL, buf);
	}
	/* The ranges: lit while they apply, dim while only set. */
	if (ui->s.loop_label[0]) {
		snprintf(buf, sizeof buf,
		         st->loop_on ? " LOOP %s " : "loop %s ", ui->s.loop_label);
		x += tui_put(ui, y2, x, -1, tui_attr(ui, st->loop_on ? TUI_TITLE
		                                                     : TUI_DIM),
		             buf);
		x += tui_put(ui, y2, x, 1, A_NORMAL, "");
	}
	if (ui->s.punch_label[0]) {
		bool lit = ui->s.punch_lit;
		snprintf(buf, sizeof buf, lit ? " PUNCH %s " : "punch %s ",
		         ui->s.punch_label);
		x += tui_put(ui, y2, x, -1, tui_attr(ui, lit ? TUI_COUNTING
		                                             : TUI_DIM), buf);
		x += tui_put(ui, y2, x, 1, A_NORMAL, "");
	}
	x += tui_markers_draw_near(ui, y2, x);
	if (st->last_take) {
		snprintf(buf, sizeof buf, "last take %03u", st->last_take);
		x += tui_put(ui, y2, x, -1, A_NORMAL, buf);
	}
	const char *range = ui->view == TUI_VIEW_TRACKS ? ui->track_range : "";
	int w = (int)strlen(range);
	if (x < ui->cols) {
		tui_put(ui, y2, x, ui->cols - x, A_NORMAL, "");
		if (w && ui->cols - x > w + 2)
			tui_put(ui, y2, ui->cols - w - 1, w, tui_attr(ui, TUI_DIM),
			        range);
	}
}
