/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cue view: what the players hear in their headphones (cue_l/cue_r)
 * -- the click, the scratch track, each track's input (monitoring on or
 * off) and each keeper's playback -- one level per row, and click_out's
 * own level. Every change goes through the control API, which makes it
 * the session's from then on.
 */
#include "tui_internal.h"

#include "redlight/actions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cue_kind { CUE_CLICK, CUE_CLICK_OUT, CUE_SCRATCH, CUE_INPUT, CUE_PLAY };

struct cue_row {
	enum cue_kind kind;
	size_t track; /* index into s.tracks for CUE_INPUT / CUE_PLAY */
};

#define CUE_FADER_MIN_DB (-60.0)

/* The rows: click, click_out, scratch, then per track its input (if this
 * run records it) and its playback (if it has a keeper or comp). */
static size_t cue_rows(const struct tui *ui, struct cue_row *rows, size_t max)
{
	size_t n = 0;
	const enum cue_kind fixed[3] = { CUE_CLICK, CUE_CLICK_OUT, CUE_SCRATCH };
	for (size_t i = 0; i < 3; i++, n++)
		if (rows && n < max)
			rows[n] = (struct cue_row){ fixed[i], 0 };
	for (size_t i = 0; i < ui->s.track_count; i++) {
		const struct control_track *t = &ui->s.tracks[i];
		if (t->has_input) {
			if (rows && n < max)
				rows[n] = (struct cue_row){ CUE_INPUT, i };
			n++;
		}
		if (t->keeper_take || t->comp) {
			if (rows && n < max)
				rows[n] = (struct cue_row){ CUE_PLAY, i };
			n++;
		}
	}
	return n;
}

/* A row's level and whether it is on. */
static double row_level(const struct tui *ui, const struct cue_row *r,
                        bool *on)
{
	const struct tui_state *s = &ui->s;
	const struct control_track *t =
		r->track < s->track_count ? &s->tracks[r->track] : NULL;
	double db = 0.0;
	switch (r->kind) {
	case CUE_CLICK:
		db = s->cue_click_db;
		break;
	case CUE_CLICK_OUT:
		db = s->click_out_db;
		break;
	case CUE_SCRATCH:
		db = s->cue_scratch_db;
		break;
	case CUE_INPUT:
		*on = t && t->monitor;
		return t ? t->monitor_db : 0.0;
	case CUE_PLAY:
		db = t ? t->cue_db : 0.0;
		break;
	}
	*on = !isinf(db);
	return db;
}

static void draw_fader(struct tui *ui, int y, int x, int w, double db,
                       bool on)
{
	if (w <= 2)
		return;
	const double span = SESSION_CUE_MAX_DB - CUE_FADER_MIN_DB;
	int sub = tui_meter_sub(ui);
	int units = 0;
	if (on && !isinf(db) && db > CUE_FADER_MIN_DB)
		units = (int)floor((db - CUE_FADER_MIN_DB) / span * w * sub);
	int zero = (int)floor(-CUE_FADER_MIN_DB / span * w);
	char buf[TUI_METER_MAX * 4 + 8];
	size_t used = 0;
	for (int i = 0; i < w && i < TUI_METER_MAX; i++) {
		int lit = units - i * sub;
		lit = lit < 0 ? 0 : lit > sub ? sub : lit;
		const char *cell;
		char one[8];
		if (lit == sub) {
			cell = ui->utf8 ? "\u2588" : "=";
		} else if (lit > 0) {
			/* U+258F .. U+2589: one to seven eighths. */
			unsigned cp = 0x2590u - (unsigned)lit;
			one[0] = (char)(0xe0 | (cp >> 12));
			one[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			one[2] = (char)(0x80 | (cp & 0x3f));
			one[3] = '\0';
			cell = one;
		} else if (i == zero) {
			cell = "|";
		} else {
			cell = ui->utf8 ? "\u00b7" : ".";
		}
		size_t n = strlen(cell);
		memcpy(buf + used, cell, n);
		used += n;
	}
	buf[used] = '\0';
	tui_put(ui, y, x, w, tui_attr(ui, on ? TUI_CYAN : TUI_DIM), buf);
}

void tui_cue_draw(struct tui *ui, int y, int h)
{
	size_t n = cue_rows(ui, NULL, 0);
	struct cue_row *rows = malloc(n * sizeof *rows);
	if (!rows)
		return;
	cue_rows(ui, rows, n);
	if (ui->cue_sel >= n)
		ui->cue_sel = n - 1;

	tui_put(ui, y, 0, ui->cols, tui_attr(ui, TUI_BOLD),
	        "cue mix: what the players hear on cue_l / cue_r");
	int name_w = ui->cols >= 120 ? 36 : 28;
	int fader_x = 1 + name_w + 6 + 9;
	int fader_w = ui->cols - fader_x - 1;
	if (fader_w > 66)
		fader_w = 66;
	char head[128];
	snprintf(head, sizeof head, " %-*s %-5s %8s  -60", name_w, "source",
	         "on", "level");
	tui_put(ui, y + 1, 0, ui->cols, tui_attr(ui, TUI_DIM), head);
	if (fader_w > 10) {
		int zero = (int)floor(-CUE_FADER_MIN_DB /
		                      (SESSION_CUE_MAX_DB - CUE_FADER_MIN_DB) *
		                      fader_w);
		tui_put(ui, y + 1, fader_x + zero, 1, tui_attr(ui, TUI_DIM), "0");
		tui_put(ui, y + 1, fader_x + fader_w - 2, 2,
		        tui_attr(ui, TUI_DIM), "+6");
	}

	int list_h = h - 2;
	if (ui->cue_sel < ui->cue_top)
		ui->cue_top = ui->cue_sel;
	if (list_h > 0 && ui->cue_sel >= ui->cue_top + (size_t)list_h)
		ui->cue_top = ui->cue_sel - (size_t)list_h + 1;
	for (int r = 0; r < list_h && ui->cue_top + (size_t)r < n; r++) {
		size_t i = ui->cue_top + (size_t)r;
		const struct cue_row *row = &rows[i];
		const struct control_track *t =
			row->track < ui->s.track_count ? &ui->s.tracks[row->track]
			                               : NULL;
		char label[SESSION_NAME_MAX + 96];
		bool avail = true;
		switch (row->kind) {
		case CUE_CLICK:
			snprintf(label, sizeof label, "click");
			break;
		case CUE_CLICK_OUT:
			snprintf(label, sizeof label, "click_out port (not the cue)");
			break;
		case CUE_SCRATCH:
			avail = ui->s.has_scratch;
			snprintf(label, sizeof label, "scratch %s",
			         avail ? ui->s.scratch : "(none)");
			break;
		case CUE_INPUT:
			snprintf(label, sizeof label, "%3u %s input", t->number,
			         t->name);
			break;
		case CUE_PLAY:
			if (t->comp)
				snprintf(label, sizeof label, "%3u %s plays comp %u",
				         t->number, t->name, t->comp);
			else
				snprintf(label, sizeof label, "%3u %s plays take %u",
				         t->number, t->name, t->keeper_take);
			break;
		}
		bool sel = i == ui->cue_sel;
		bool on = false;
		double db = row_level(ui, row, &on);
		int yy = y + 2 + r;
		attr_t base = avail ? A_NORMAL : tui_attr(ui, TUI_DIM);
		tui_put(ui, yy, 0, 1, sel ? tui_attr(ui, TUI_SELECTED) : A_NORMAL,
		        sel ? ">" : "");
		tui_put(ui, yy, 1, name_w + 1,
		        sel ? tui_attr(ui, TUI_SELECTED) : base, label);
		tui_put(ui, yy, 1 + name_w + 1, 5,
		        tui_attr(ui, on && avail ? TUI_GREEN : TUI_DIM),
		        !avail ? "-" : on ? "on" : "off");
		char lv[16];
		tui_format_db(lv, sizeof lv, db);
		tui_putf(ui, yy, fader_x - 9, 9, base, "%5s dB ", lv);
		draw_fader(ui, yy, fader_x, fader_w, db, on && avail);
	}
	free(rows);
}

/* One step of a level: off is below -60 dB; nothing above +6. */
static double step_db(double db, double delta)
{
	if (isinf(db) || isnan(db))
		return delta > 0 ? CUE_FADER_MIN_DB : -INFINITY;
	db = round(db) + delta;
	if (db < CUE_FADER_MIN_DB)
		return -INFINITY;
	return db > SESSION_CUE_MAX_DB ? SESSION_CUE_MAX_DB : db;
}

/* Set a row to db (for an input: monitor on at that level). */
static void set_level(struct tui *ui, const struct cue_row *r, double db,
                      bool on)
{
	struct error err;
	const struct control_track *t =
		r->track < ui->s.track_count ? &ui->s.tracks[r->track] : NULL;
	switch (r->kind) {
	case CUE_CLICK:
		tui_report(ui, "click level",
		           action_click_level(ui->c, true, db, &err), &err);
		break;
	case CUE_CLICK_OUT:
		tui_report(ui, "click_out level",
		           action_click_level(ui->c, false, db, &err), &err);
		break;
	case CUE_SCRATCH:
		tui_report(ui, "scratch level",
		           action_scratch_level(ui->c, db, &err), &err);
		break;
	case CUE_INPUT:
		if (t)
			tui_report(ui, "monitor", action_monitor(ui->c, t->number,
			                                         on, db, &err), &err);
		break;
	case CUE_PLAY:
		if (t)
			tui_report(ui, "playback level",
			           action_track_cue(ui->c, t->number, db, &err),
			           &err);
		break;
	}
}

bool tui_cue_key(struct tui *ui, int key)
{
	size_t n = cue_rows(ui, NULL, 0);
	struct cue_row *rows = malloc(n * sizeof *rows);
	if (!rows)
		return false;
	cue_rows(ui, rows, n);
	if (ui->cue_sel >= n)
		ui->cue_sel = n - 1;
	const struct cue_row *r = &rows[ui->cue_sel];
	bool on = false;
	double db = row_level(ui, r, &on);
	double delta = 0;
	bool used = true;
	size_t page = ui->rows > 10 ? (size_t)ui->rows - 9 : 1;
	switch (key) {
	case KEY_UP:
		if (ui->cue_sel > 0)
			ui->cue_sel--;
		break;
	case KEY_DOWN:
		if (ui->cue_sel + 1 < n)
			ui->cue_sel++;
		break;
	case KEY_PPAGE:
		ui->cue_sel = ui->cue_sel > page ? ui->cue_sel - page : 0;
		break;
	case KEY_NPAGE:
		ui->cue_sel = ui->cue_sel + page < n ? ui->cue_sel + page : n - 1;
		break;
	case KEY_END:
		ui->cue_sel = n - 1;
		break;
	case KEY_LEFT:
	case '-':
		delta = -1;
		break;
	case KEY_RIGHT:
	case '+':
	case '=':
		delta = 1;
		break;
	case KEY_SLEFT:
		delta = -6;
		break;
	case KEY_SRIGHT:
		delta = 6;
		break;
	case 'z':
		set_level(ui, r, 0.0, true);
		break;
	case 'o':
	case TUI_KEY_ENTER:
	case KEY_ENTER:
		if (r->kind == CUE_INPUT)
			set_level(ui, r, isinf(db) ? 0.0 : db, !on);
		else
			set_level(ui, r, on ? -INFINITY : 0.0, !on);
		break;
	default:
		used = false;
		break;
	}
	if (delta != 0) {
		/* An input's level turns its monitoring on: turning a knob
		 * you cannot hear would be no use. */
		double nd = step_db(db, delta);
		if (r->kind == CUE_INPUT)
			set_level(ui, r, isinf(nd) ? db : nd, !isinf(nd));
		else
			set_level(ui, r, nd, !isinf(nd));
	}
	/* The track of the cursor row is the one a and i act on. */
	if (ui->cue_sel < n && ui->cue_sel >= 3)
		ui->track_sel = rows[ui->cue_sel].track;
	free(rows);
	return used;
}
