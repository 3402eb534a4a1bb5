/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The status line (is the recording safe?) and the message line under
 * it (what went wrong last). Each figure turns yellow, then red, before
 * it costs audio: little disk left, rings filling, xruns, dropped frames,
 * DSP load.
 */
#include "tui_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One "label value" item; returns the columns used. */
static int item(struct tui *ui, int y, int x, const char *label,
                const char *value, enum tui_style style)
{
	if (x >= ui->cols)
		return 0;
	int w = tui_put(ui, y, x, -1, tui_attr(ui, TUI_DIM), label);
	w += tui_put(ui, y, x + w, -1, tui_attr(ui, style), value);
	w += tui_put(ui, y, x + w, 2, A_NORMAL, "");
	return w;
}

void tui_status_draw(struct tui *ui, int y)
{
	const struct control_status *st = &ui->s.st;
	char v[64];
	int x = 0;

	tui_format_time_left(v, sizeof v, st->disk_seconds_left);
	enum tui_style s = st->disk_seconds_left < 120.0 ? TUI_RED
	                   : st->disk_seconds_left < 600.0 ? TUI_YELLOW
	                                                   : TUI_NORMAL;
	x += item(ui, y, x, "disk ", v, s);

	snprintf(v, sizeof v, "%.0f%%", st->ring_fill_pct);
	s = st->ring_fill_pct >= 75.0 ? TUI_RED
	    : st->ring_fill_pct >= 40.0 ? TUI_YELLOW : TUI_NORMAL;
	x += item(ui, y, x, "ring ", v, s);

	snprintf(v, sizeof v, "%llu", (unsigned long long)st->xruns);
	x += item(ui, y, x, "xruns ", v, st->xruns ? TUI_YELLOW : TUI_NORMAL);

	snprintf(v, sizeof v, "%llu", (unsigned long long)st->dropped_frames);
	x += item(ui, y, x, "dropped ", v,
	          st->dropped_frames ? TUI_RED : TUI_NORMAL);

	snprintf(v, sizeof v, "%.0f%%", st->dsp_load_pct);
	s = st->dsp_load_pct >= 90.0 ? TUI_RED
	    : st->dsp_load_pct >= 70.0 ? TUI_YELLOW : TUI_NORMAL;
	x += item(ui, y, x, "DSP ", v, s);

	if (ui->s.osc) {
		snprintf(v, sizeof v, "%u", ui->s.osc_clients);
		x += item(ui, y, x, "OSC ", v,
		          ui->s.osc_clients ? TUI_GREEN : TUI_NORMAL);
	} else {
		x += item(ui, y, x, "OSC ", "off", TUI_DIM);
	}
	if (st->playback_underruns) {
		snprintf(v, sizeof v, "%llu",
		         (unsigned long long)st->playback_underruns);
		x += item(ui, y, x, "underruns ", v, TUI_YELLOW);
	}
	if (st->sample_rate && ui->cols - x > 16) {
		snprintf(v, sizeof v, "%u Hz/%u", st->sample_rate,
		         st->buffer_size);
		x += item(ui, y, x, "", v, TUI_DIM);
	}
	if (x < ui->cols)
		tui_put(ui, y, x, ui->cols - x, A_NORMAL, "");

	/* The newest message, with the time it arrived. */
	int y2 = y + 1;
	if (ui->msg_count == 0) {
		tui_put(ui, y2, 0, ui->cols, tui_attr(ui, TUI_DIM),
		        "no messages yet (w: message log)");
		return;
	}
	const struct tui_message *m =
		&ui->msgs[(ui->msg_head + ui->msg_count - 1) % TUI_MESSAGES_KEPT];
	char when[16];
	struct tm tm;
	localtime_r(&m->when, &tm);
	strftime(when, sizeof when, "%H:%M:%S ", &tm);
	x = tui_put(ui, y2, 0, -1, tui_attr(ui, TUI_DIM), when);
	enum tui_style ms = m->m.level == CONTROL_ERROR ? TUI_RED
	                    : m->m.level == CONTROL_WARNING ? TUI_YELLOW
	                                                    : TUI_NORMAL;
	const char *tag = m->m.level == CONTROL_ERROR ? "error: "
	                  : m->m.level == CONTROL_WARNING ? "warning: " : "";
	x += tui_put(ui, y2, x, -1, tui_attr(ui, ms), tag);
	/* More problems than this line shows: say so, at the right end. */
	unsigned more = ui->unseen_problems -
	                (m->m.level >= CONTROL_WARNING && ui->unseen_problems);
	char extra[48] = "";
	if (more)
		snprintf(extra, sizeof extra, " +%u warning%s (w) ", more,
		         more == 1 ? "" : "s");
	int ew = (int)strlen(extra);
	if (ui->cols - x <= ew + 10)
		ew = 0;
	tui_put(ui, y2, x, ui->cols - x - ew,
	        tui_attr(ui, ms == TUI_RED ? TUI_BOLD : TUI_NORMAL), m->m.text);
	if (ew)
		tui_put(ui, y2, ui->cols - ew, ew, tui_attr(ui, TUI_COUNTING),
		        extra);
}
