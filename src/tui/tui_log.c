/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The message log: every message of this run the UI received (the last
 * TUI_MESSAGES_KEPT), newest at the bottom, for when several arrive at
 * once and the status line shows only the last. The whole history is in
 * SESSION/redlight.log.
 */
#include "tui_internal.h"

#include <stdio.h>
#include <string.h>

/* Messages [top, top + rows) of those kept, one a row from y. */
static void draw_lines(struct tui *ui, int y, size_t top, size_t rows)
{
	size_t n = ui->msg_count;
	for (size_t r = 0; r < rows && top + r < n; r++) {
		const struct tui_message *m =
			&ui->msgs[(ui->msg_head + top + r) % TUI_MESSAGES_KEPT];
		char when[16];
		struct tm tm;
		localtime_r(&m->when, &tm);
		strftime(when, sizeof when, "%H:%M:%S ", &tm);
		int yy = y + (int)r;
		int x = tui_put(ui, yy, 0, -1, tui_attr(ui, TUI_DIM), when);
		enum tui_style s = m->m.level == CONTROL_ERROR ? TUI_RED
		                   : m->m.level == CONTROL_WARNING ? TUI_YELLOW
		                                                   : TUI_NORMAL;
		const char *tag = m->m.level == CONTROL_ERROR ? "error: "
		                  : m->m.level == CONTROL_WARNING ? "warning: "
		                                                  : "";
		x += tui_put(ui, yy, x, -1, tui_attr(ui, s), tag);
		tui_put(ui, yy, x, ui->cols - x, A_NORMAL, m->m.text);
	}
}

void tui_log_draw(struct tui *ui, int y, int h)
{
	tui_put(ui, y, 0, ui->cols, tui_attr(ui, TUI_BOLD),
	        "messages (all of them are also in SESSION/redlight.log)");
	ui->unseen_problems = 0;
	int list_h = h - 1;
	size_t n = ui->msg_count;
	if (n == 0) {
		tui_put(ui, y + 1, 2, ui->cols - 2, tui_attr(ui, TUI_DIM),
		        "no messages yet");
		return;
	}
	size_t rows = list_h > 0 ? (size_t)list_h : 1;
	if (ui->log_follow || ui->log_top + rows > n)
		ui->log_top = n > rows ? n - rows : 0;
	draw_lines(ui, y + 1, ui->log_top, rows);
}

void tui_log_draw_recent(struct tui *ui, int y, int h)
{
	if (h <= 0)
		return;
	size_t rows = (size_t)h, n = ui->msg_count;
	if (n == 0)
		tui_put(ui, y, 2, ui->cols - 2, tui_attr(ui, TUI_DIM),
		        "no messages yet");
	draw_lines(ui, y, n > rows ? n - rows : 0, rows);
}

bool tui_log_key(struct tui *ui, int key)
{
	size_t n = ui->msg_count;
	size_t page = ui->rows > 8 ? (size_t)ui->rows - 8 : 1;
	switch (key) {
	case KEY_UP:
		ui->log_follow = false;
		if (ui->log_top > 0)
			ui->log_top--;
		return true;
	case KEY_DOWN:
		if (ui->log_top + 1 < n)
			ui->log_top++;
		return true;
	case KEY_PPAGE:
		ui->log_follow = false;
		ui->log_top = ui->log_top > page ? ui->log_top - page : 0;
		return true;
	case KEY_NPAGE:
		ui->log_top += page;
		return true;
	case KEY_END:
		ui->log_follow = true;
		return true;
	default:
		return false;
	}
}
