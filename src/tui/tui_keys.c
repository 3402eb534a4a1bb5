/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Keys: the questions on the bottom line (y/n, a line of text), the
 * keys every view shares, and which view a key goes to first. Each key
 * that does something to the recorder is one action (actions.h) and
 * the report of its refusal; the rest only change what the UI shows.
 * UI thread.
 */
#include "tui_internal.h"

#include "redlight/actions.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* ---- modal questions -------------------------------------------------- */

/* A new question of `kind` on the bottom line, in place of any other. */
static struct tui_modal *ask(struct tui *ui, enum tui_modal_kind kind,
                             const char *fmt, va_list ap)
{
	struct tui_modal *m = &ui->modal;
	memset(m, 0, sizeof *m);
	vsnprintf(m->question, sizeof m->question, fmt, ap);
	m->kind = kind;
	return m;
}

void tui_confirm(struct tui *ui, tui_confirm_fn on_yes, uint32_t arg,
                 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct tui_modal *m = ask(ui, TUI_MODAL_CONFIRM, fmt, ap);
	va_end(ap);
	m->on_yes = on_yes;
	m->arg = arg;
}

void tui_prompt(struct tui *ui, tui_prompt_fn on_text, uint32_t arg,
                const char *initial, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct tui_modal *m = ask(ui, TUI_MODAL_PROMPT, fmt, ap);
	va_end(ap);
	m->on_text = on_text;
	m->arg = arg;
	snprintf(m->text, sizeof m->text, "%s", initial ? initial : "");
	m->len = strlen(m->text);
}

/* A key while a question is open: it gets every key, so nothing else
 * happens by accident while the engineer answers. */
static void modal_key(struct tui *ui, wint_t ch, bool func)
{
	struct tui_modal *m = &ui->modal;
	if (m->kind == TUI_MODAL_CONFIRM) {
		tui_confirm_fn fn = m->on_yes;
		uint32_t arg = m->arg;
		m->kind = TUI_MODAL_NONE;
		ui->body_dirty = true;
		if (!func && (ch == 'y' || ch == 'Y'))
			fn(ui, arg);
		return;
	}
	bool enter = (!func && (ch == '\r' || ch == '\n')) ||
	             (func && ch == KEY_ENTER);
	if (enter) {
		char text[sizeof m->text];
		memcpy(text, m->text, sizeof text);
		tui_prompt_fn fn = m->on_text;
		uint32_t arg = m->arg;
		m->kind = TUI_MODAL_NONE;
		ui->body_dirty = true;
		fn(ui, arg, text);
		return;
	}
	if (!func && ch == TUI_KEY_ESC) {
		m->kind = TUI_MODAL_NONE;
		ui->body_dirty = true;
		return;
	}
	if ((func && ch == KEY_BACKSPACE) || (!func && (ch == 127 || ch == 8))) {
		m->len -= tui_utf8_last_len(m->text, m->len);
		m->text[m->len] = '\0';
		return;
	}
	if (!func && ch == TUI_CTRL('u')) {
		m->len = 0;
		m->text[0] = '\0';
		return;
	}
	if (func || ch < 0x20 || ch == 127)
		return;
	char mb[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || m->len + n + 1 > sizeof m->text)
		return;
	memcpy(m->text + m->len, mb, n);
	m->len += n;
	m->text[m->len] = '\0';
}

/* ---- the keys every view shares --------------------------------------- */

static void on_marker_name(struct tui *ui, uint32_t arg, const char *text)
{
	(void)arg;
	struct error err;
	tui_report(ui, "marker", action_marker(ui->c, text, &err), &err);
}

static void on_goto(struct tui *ui, uint32_t arg, const char *text)
{
	(void)arg;
	struct error err;
	if (text[0])
		tui_report(ui, "go to", action_locate(ui->c, text, &err), &err);
}

/* A range prompt's "-": clear the range (no position reads so). */
static bool clears(const char *text)
{
	return !strcmp(text, "-");
}

static void on_loop_range(struct tui *ui, uint32_t arg, const char *text)
{
	(void)arg;
	struct error err;
	if (clears(text))
		tui_report(ui, "loop", action_loop_clear(ui->c, &err), &err);
	else if (text[0])
		tui_report(ui, "loop", action_loop_range(ui->c, text, NULL, &err),
		       &err);
}

static void on_punch_range(struct tui *ui, uint32_t arg, const char *text)
{
	(void)arg;
	struct error err;
	if (clears(text))
		tui_report(ui, "punch", action_punch_clear(ui->c, &err), &err);
	else if (text[0])
		tui_report(ui, "punch",
		           action_punch_set(ui->c, text, NULL, &err), &err);
}

/* Keys of record-ready and the punch and loop ranges: false if `key` is
 * none of them. Points are set at the play head; P and L take typed
 * ones. */
static bool range_key(struct tui *ui, int key)
{
	struct error err;
	switch (key) {
	case 'R':
		tui_report(ui, "record-ready",
		           action_record_ready_toggle(ui->c, &err), &err);
		return true;
	case 'I':
		tui_report(ui, "punch-in", action_punch_in(ui->c, NULL, &err),
		           &err);
		return true;
	case 'O':
		tui_report(ui, "punch-out", action_punch_out(ui->c, NULL, &err),
		           &err);
		return true;
	case 'p':
		tui_report(ui, "punch", action_punch_toggle(ui->c, &err), &err);
		return true;
	case 'P':
		tui_prompt(ui, on_punch_range, 0, NULL,
		           "Punch IN:OUT or a section:");
		return true;
	case '{':
		tui_report(ui, "loop start",
		           action_loop_start(ui->c, NULL, &err), &err);
		return true;
	case '}':
		tui_report(ui, "loop end", action_loop_end(ui->c, NULL, &err),
		           &err);
		return true;
	default:
		return false;
	}
}

/* 1-9 and 0: the track of that number; a, i: the selected one. */
static void arm_number(struct tui *ui, uint32_t number)
{
	struct error err;
	char what[32];
	snprintf(what, sizeof what, "arm track %u", number);
	tui_report(ui, what, action_arm_toggle(ui->c, number, &err), &err);
}

static void act_arm_selected(struct tui *ui)
{
	const struct control_track *t = tui_selected_track(ui);
	if (t)
		arm_number(ui, t->number);
}

static void act_monitor(struct tui *ui)
{
	const struct control_track *t = tui_selected_track(ui);
	struct error err;
	if (t)
		tui_report(ui, "monitor", action_monitor_toggle(ui->c, t->number,
		                                            &err), &err);
}

static void act_clear_clips(struct tui *ui)
{
	/* The engine's counts go back to zero (for OSC too); the baseline
	 * hides the clips already seen until the reset has gone through. */
	struct error err;
	tui_report(ui, "clear clips", action_reset_meters(ui->c, &err), &err);
	for (size_t i = 0; i < ui->s.track_count && i < ui->clip_base_len; i++)
		ui->clip_base[i] = 0;
}

static void on_quit_yes(struct tui *ui, uint32_t arg)
{
	(void)arg;
	ui->quit = true;
}

static void act_quit(struct tui *ui)
{
	struct control_status st;
	control_lock(ui->c);
	control_status(ui->c, &st);
	control_unlock(ui->c);
	if (st.recording)
		tui_confirm(ui, on_quit_yes, 0, "Take %03u is recording. Stop it "
		            "and quit? (y/n)", st.take);
	else if (st.record_armed)
		tui_confirm(ui, on_quit_yes, 0, "A take is about to record. Stop "
		            "and quit? (y/n)");
	else
		ui->quit = true;
}

static void set_view(struct tui *ui, enum tui_view v)
{
	if (ui->view == v)
		return;
	ui->view = v;
	ui->full_redraw = true;
	if (v == TUI_VIEW_TAKES)
		tui_takes_changed(ui);
	if (v == TUI_VIEW_LOG)
		ui->log_follow = true;
}

/* Each key is one action (actions.h) and its report, or a view change. */
static void global_key(struct tui *ui, int key)
{
	struct error err;
	switch (key) {
	case ' ':
		tui_report(ui, "play/stop", action_toggle_roll(ui->c, &err), &err);
		break;
	case 'r':
		tui_report(ui, "record", action_record(ui->c, &err), &err);
		break;
	case 'n':
		tui_report(ui, "new take", action_new_take(ui->c, &err), &err);
		break;
	case 'm':
		tui_report(ui, "marker", action_marker(ui->c, NULL, &err), &err);
		break;
	case 'M':
		tui_prompt(ui, on_marker_name, 0, NULL, "Marker name:");
		break;
	case '\'':
		ui->markers_open = true;
		ui->full_redraw = true;
		break;
	case KEY_HOME:
		tui_report(ui, "return to start", action_return_to_start(ui->c, &err),
		       &err);
		break;
	case KEY_LEFT:
	case KEY_RIGHT:
		tui_report(ui, "locate", action_jump_bars(ui->c, key == KEY_LEFT ? -1
		                                                              : 1,
		                                      &err), &err);
		break;
	case '[':
	case ']':
		tui_report(ui, "locate", action_step_section(ui->c, key == '[' ? -1
		                                                           : 1,
		                                         &err), &err);
		break;
	case 'g':
		tui_prompt(ui, on_goto, 0, NULL,
		           "Go to (bar, bar|beat, section, marker, 12.5s):");
		break;
	case 'l':
		tui_report(ui, "loop", action_loop_toggle(ui->c, &err), &err);
		break;
	case 'E':
		tui_report(ui, "stop after this pass",
		           action_stop_after_pass(ui->c, &err), &err);
		break;
	case 'L':
		tui_prompt(ui, on_loop_range, 0, NULL,
		           "Loop START:END or a section:");
		break;
	case 'k':
		tui_report(ui, "click", action_click_toggle(ui->c, &err), &err);
		break;
	case 'a':
		act_arm_selected(ui);
		break;
	case 'A':
		tui_report(ui, "arm all", action_arm_all(ui->c, -1, &err), &err);
		break;
	case 'i':
		act_monitor(ui);
		break;
	case 'x':
		act_clear_clips(ui);
		break;
	case '\t':
		set_view(ui, (enum tui_view)((ui->view + 1) % TUI_VIEW_COUNT));
		break;
	case KEY_BTAB:
		set_view(ui, (enum tui_view)((ui->view + TUI_VIEW_COUNT - 1) %
		                             TUI_VIEW_COUNT));
		break;
	case KEY_F(2):
	case TUI_KEY_ESC:
		set_view(ui, TUI_VIEW_TRACKS);
		break;
	case KEY_F(3):
	case 't':
		set_view(ui, TUI_VIEW_TAKES);
		break;
	case KEY_F(4):
	case 'c':
		set_view(ui, TUI_VIEW_CUE);
		break;
	case KEY_F(5):
	case 'w':
		set_view(ui, TUI_VIEW_LOG);
		break;
	case KEY_F(1):
	case '?':
	case 'h':
		ui->help = true;
		ui->help_scroll = 0;
		break;
	case TUI_CTRL('l'):
		clearok(curscr, TRUE);
		ui->full_redraw = true;
		break;
	case 'q':
	case 'Q':
	case TUI_CTRL('c'):
		act_quit(ui);
		break;
	default:
		if (range_key(ui, key))
			break;
		if (key >= '0' && key <= '9')
			arm_number(ui, key == '0' ? 10 : (uint32_t)(key - '0'));
		break;
	}
}

void tui_handle_key(struct tui *ui, wint_t ch, bool func)
{
	if (ui->modal.kind != TUI_MODAL_NONE) {
		modal_key(ui, ch, func);
		return;
	}
	/* Command keys are ASCII or KEY_* codes; a wide character that
	 * happens to share a KEY_* number must not act as one. */
	int key = func ? (int)ch : ch < 0x80 ? (int)ch : -1;
	if (key < 0)
		return;
	if (!func && key == '\n')
		key = '\r';
	if (ui->help) {
		if (!tui_help_key(ui, key)) {
			ui->help = false;
			ui->full_redraw = true;
		}
		return;
	}
	if (ui->markers_open) {
		if (!tui_markers_key(ui, key)) {
			ui->markers_open = false;
			ui->full_redraw = true;
		}
		return;
	}
	bool used = false;
	switch (ui->view) {
	case TUI_VIEW_TRACKS:
		used = tui_tracks_key(ui, key);
		break;
	case TUI_VIEW_TAKES:
		used = tui_takes_key(ui, key);
		break;
	case TUI_VIEW_CUE:
		used = tui_cue_key(ui, key);
		break;
	case TUI_VIEW_LOG:
		used = tui_log_key(ui, key);
		break;
	case TUI_VIEW_COUNT:
		break;
	}
	if (!used)
		global_key(ui, key);
	ui->body_dirty = true;
}
