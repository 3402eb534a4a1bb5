/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The timeline's markers in the UI: the ones around the play head on the
 * transport bar, and a list over the screen (`'`) to go to one, move it
 * to the play head, rename or remove it -- each an action (actions.h).
 * UI thread.
 */
#include "tui_internal.h"

#include "redlight/actions.h"

#include <stdio.h>
#include <string.h>

void tui_markers_copy(struct tui *ui)
{
	struct tui_state *s = &ui->s;
	size_t n = control_markers(ui->c, s->markers, s->marker_cap);
	if (n > s->marker_cap &&
	    tui_grow((void **)&s->markers, &s->marker_cap, n, sizeof *s->markers))
		n = control_markers(ui->c, s->markers, s->marker_cap);
	s->marker_count = n < s->marker_cap ? n : s->marker_cap;
	if (ui->marker_sel >= s->marker_count)
		ui->marker_sel = s->marker_count ? s->marker_count - 1 : 0;
}

/* The last marker at or before the play head, and the next one after. */
static void around(const struct tui_state *s, const struct session_marker **at,
                   const struct session_marker **next)
{
	int64_t head = s->st.pos.frame;
	*at = *next = NULL;
	for (size_t i = 0; i < s->marker_count; i++) {
		if ((int64_t)s->markers[i].frame <= head)
			*at = &s->markers[i];
		else if (!*next)
			*next = &s->markers[i];
	}
}

int tui_markers_draw_near(struct tui *ui, int y, int x)
{
	const struct session_marker *at, *next;
	around(&ui->s, &at, &next);
	if (!at && !next)
		return 0;
	bool u = ui->utf8;
	char buf[2 * SESSION_NAME_MAX + 32];
	snprintf(buf, sizeof buf, "%s %s%s%s%s  ", u ? "\u25c6" : "@",
	         at ? at->name : "", at && next ? " " : "",
	         next ? (u ? "\u25b8 " : "> ") : "", next ? next->name : "");
	if (ui->cols - x < 8)
		return 0;
	return tui_put(ui, y, x, -1, tui_attr(ui, TUI_CYAN), buf);
}

/* ---- the list overlay ------------------------------------------------- */

void tui_markers_draw(struct tui *ui)
{
	const struct tui_state *s = &ui->s;
	int bw = ui->cols < 72 ? ui->cols : 72;
	int max_h = ui->rows - 1;
	int bh = (int)s->marker_count + 4;
	if (bh < 6)
		bh = 6;
	if (bh > max_h)
		bh = max_h;
	int inner_h = bh - 4;
	int top = (ui->rows - 1 - bh) / 2, left = (ui->cols - bw) / 2;
	if (ui->marker_sel < ui->marker_top)
		ui->marker_top = ui->marker_sel;
	if (inner_h > 0 && ui->marker_sel >= ui->marker_top + (size_t)inner_h)
		ui->marker_top = ui->marker_sel - (size_t)inner_h + 1;

	attr_t frame = tui_attr(ui, TUI_TITLE);
	tui_put(ui, top, left, bw, frame, " markers (Esc closes) ");
	for (int r = 1; r < bh; r++) {
		tui_put(ui, top + r, left, 1, frame, "");
		tui_put(ui, top + r, left + 1, bw - 2, A_NORMAL, "");
		tui_put(ui, top + r, left + bw - 1, 1, frame, "");
	}
	tui_put(ui, top + bh - 2, left + 2, bw - 4, tui_attr(ui, TUI_DIM),
	        "Enter go to  m move here  e rename  d remove");
	tui_put(ui, top + bh - 1, left, bw, frame, "");
	if (s->marker_count == 0)
		tui_put(ui, top + 1, left + 2, bw - 4, tui_attr(ui, TUI_DIM),
		        "no markers yet: m sets one at the play head");
	const struct tempo_map *map = s->map;
	for (int r = 0; r < inner_h; r++) {
		size_t i = ui->marker_top + (size_t)r;
		if (i >= s->marker_count)
			break;
		const struct session_marker *m = &s->markers[i];
		char clock[32], bbt[48] = "";
		tui_format_clock(clock, sizeof clock, (int64_t)m->frame,
		                 s->st.sample_rate);
		if (map) {
			struct tempo_map_bbt b;
			tempo_map_frame_to_bbt(map, (int64_t)m->frame, &b);
			snprintf(bbt, sizeof bbt, "%lld|%d|%d", (long long)b.bar,
			         b.beat, b.tick);
		}
		attr_t a = i == ui->marker_sel ? A_REVERSE : A_NORMAL;
		tui_putf(ui, top + 1 + r, left + 2, bw - 4, a, "%-28.28s %-12s %s",
		         m->name, bbt, clock);
	}
}

static void on_rename(struct tui *ui, uint32_t arg, const char *text)
{
	(void)arg;
	struct error err;
	if (text[0])
		tui_report(ui, "rename marker",
		           action_marker_rename(ui->c, ui->marker_target, text,
		                                &err), &err);
}

static void on_remove_yes(struct tui *ui, uint32_t arg)
{
	(void)arg;
	struct error err;
	tui_report(ui, "remove marker",
	           action_marker_remove(ui->c, ui->marker_target, &err), &err);
}

bool tui_markers_key(struct tui *ui, int key)
{
	const struct tui_state *s = &ui->s;
	const struct session_marker *m = ui->marker_sel < s->marker_count
	                                 ? &s->markers[ui->marker_sel] : NULL;
	struct error err;
	if (m)
		snprintf(ui->marker_target, sizeof ui->marker_target, "%s",
		         m->name);
	switch (key) {
	case KEY_UP:
		if (ui->marker_sel > 0)
			ui->marker_sel--;
		return true;
	case KEY_DOWN:
		if (ui->marker_sel + 1 < s->marker_count)
			ui->marker_sel++;
		return true;
	case '\r':
	case KEY_ENTER:
		if (m)
			tui_report(ui, "go to marker",
			           action_locate(ui->c, m->name, &err), &err);
		return true;
	case 'm':
		if (m)
			tui_report(ui, "move marker",
			           action_marker_move(ui->c, m->name, NULL, &err),
			           &err);
		return true;
	case 'e':
		if (m)
			tui_prompt(ui, on_rename, 0, m->name, "Rename marker:");
		return true;
	case 'd':
	case KEY_DC:
		if (m)
			tui_confirm(ui, on_remove_yes, 0, "Remove marker \"%s\"? "
			            "(y/n)", m->name);
		return true;
	default:
		return false;
	}
}
