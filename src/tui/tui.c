/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engineer's terminal: the loop, the terminal's set-up and restore,
 * signals, messages and the copy of the state each frame draws from.
 * Keys and questions are in tui_keys.c, the drawing helpers in
 * tui_draw.c, the views in tui_transport.c, tui_tracks.c, tui_status.c,
 * tui_takes.c, tui_cue.c, tui_log.c and tui_help.c.
 *
 * One thread (the caller's) runs all of it and is the only one that calls
 * curses. Once a frame it takes the control lock, calls control_poll()
 * (the UI's loop is the recorder's main loop), copies the status, the
 * tracks and the new messages, and lets go; it draws from that copy, so
 * the lock is held for microseconds and never across terminal output.
 *
 * Drawing goes into curses' virtual screen and reaches the terminal in
 * one doupdate() a frame, which sends only the cells that changed: no
 * erase is ever sent to the terminal (no flicker). The track list goes
 * further and redraws only the rows and meter cells that changed, so 256
 * moving meters cost little (scripts/bench measures it).
 */
#include "tui_internal.h"

#include "redlight/actions.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

/* ---- signals -----------------------------------------------------------
 * The handlers only set flags and write one byte to the wake-up pipe
 * (both async-signal-safe), except the crash handler, which must give
 * the terminal back before the process dies. */

static volatile sig_atomic_t winch_pending, hup_pending, curses_active;
static int wake_fd = -1;        /* write end of the wake-up pipe */
static int saved_stderr = -1;   /* the real stderr while the UI owns it */

static const int crash_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE,
                                     SIGILL };
#define CRASH_SIGNALS (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction old_crash[CRASH_SIGNALS], old_winch, old_hup;

static void wake_up(void)
{
	int saved = errno;
	if (wake_fd >= 0) {
		ssize_t n = write(wake_fd, "w", 1);
		(void)n; /* a full pipe is already a wake-up */
	}
	errno = saved;
}

static void on_winch(int sig)
{
	(void)sig;
	winch_pending = 1;
	wake_up();
}

static void on_hup(int sig)
{
	(void)sig;
	hup_pending = 1;
	wake_up();
}

/* A crash: give the terminal back (endwin is not async-signal-safe, but a
 * dying process with the terminal left in raw mode is worse), give stderr
 * back for the report, and let the signal's previous disposition (the
 * sanitizer's report, or the default core dump) take over. */
static void on_crash(int sig)
{
	if (curses_active) {
		curses_active = 0;
		endwin();
	}
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	for (size_t i = 0; i < CRASH_SIGNALS; i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &old_crash[i], NULL);
	raise(sig);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &old_winch);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = on_crash;
	sa.sa_flags = 0;
	for (size_t i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &sa, &old_crash[i]);
}

static void restore_signals(void)
{
	sigaction(SIGWINCH, &old_winch, NULL);
	if (hup_pending) {
		/* The terminal is gone and the shell with it: the kernel
		 * sends the foreground group another SIGHUP when the session
		 * leader exits. The recorder must still finish closing its
		 * files, so the rest of its life ignores hangups. */
		struct sigaction ign;
		memset(&ign, 0, sizeof ign);
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		sigaction(SIGHUP, &ign, NULL);
	} else {
		sigaction(SIGHUP, &old_hup, NULL);
	}
	for (size_t i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &old_crash[i], NULL);
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- messages, refusals ----------------------------------------------- */

void tui_refused(struct tui *ui, const char *what, const struct error *err)
{
	control_lock(ui->c);
	control_post(ui->c, CONTROL_ERROR, "%s: %s", what,
	             err && err->message[0] ? err->message
	                                    : rl_strerror(err ? err->status
	                                                      : RL_ERR_STATE));
	control_unlock(ui->c);
}

void tui_report(struct tui *ui, const char *what, enum rl_status st,
                const struct error *err)
{
	if (st != RL_OK)
		tui_refused(ui, what, err);
}

static void keep_message(struct tui *ui, const struct control_message *m)
{
	size_t slot = (ui->msg_head + ui->msg_count) % TUI_MESSAGES_KEPT;
	if (ui->msg_count == TUI_MESSAGES_KEPT) {
		slot = ui->msg_head;
		ui->msg_head = (ui->msg_head + 1) % TUI_MESSAGES_KEPT;
	} else {
		ui->msg_count++;
	}
	ui->msgs[slot].m = *m;
	ui->msgs[slot].when = time(NULL);
	if (ui->view == TUI_VIEW_LOG)
		ui->body_dirty = true;
	else if (m->level >= CONTROL_WARNING)
		ui->unseen_problems++;
}

/* The last line another front-end or a library wrote to stderr, posted
 * as a warning once it is complete. */
static char stderr_line[256];
static size_t stderr_len;

static void read_stderr_pipe(struct tui *ui, int fd)
{
	char buf[1024];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];
			if (ch != '\n' && stderr_len + 1 < sizeof stderr_line) {
				if (ch != '\r')
					stderr_line[stderr_len++] = ch;
				continue;
			}
			stderr_line[stderr_len] = '\0';
			if (stderr_len > 0) {
				control_lock(ui->c);
				control_post(ui->c, CONTROL_WARNING, "%s", stderr_line);
				control_unlock(ui->c);
			}
			stderr_len = 0;
		}
	}
}

/* ---- the copy of the state -------------------------------------------- */

const struct control_track *tui_selected_track(const struct tui *ui)
{
	return ui->track_sel < ui->s.track_count ? &ui->s.tracks[ui->track_sel]
	                                         : NULL;
}

const char *tui_track_name(const struct tui *ui, uint32_t number)
{
	for (size_t i = 0; i < ui->s.track_count; i++)
		if (ui->s.tracks[i].number == number)
			return ui->s.tracks[i].name;
	return "?";
}

void tui_takes_changed(struct tui *ui)
{
	ui->takes_want_copy = true;
	ui->body_dirty = true;
}

/* The song's sections from the tempo map: consecutive entries of one
 * section are one range. Under the control lock. */
static void copy_sections(struct tui_state *s, const struct tempo_map *map)
{
	s->map = map;
	s->section_count = 0;
	size_t n = map ? tempo_map_entry_count(map) : 0;
	for (size_t i = 0; i < n; i++) {
		struct tempo_map_entry_info e;
		tempo_map_entry(map, i, &e);
		if (!e.section)
			continue;
		struct tui_section *last =
			s->section_count ? &s->sections[s->section_count - 1] : NULL;
		if (last && !strcmp(last->label, e.section) && !e.label &&
		    last->end == e.start_frame) {
			last->end = e.end_frame;
			continue;
		}
		if (s->section_count == TUI_SECTIONS_MAX)
			break;
		struct tui_section *sec = &s->sections[s->section_count++];
		snprintf(sec->label, sizeof sec->label, "%s", e.section);
		sec->start = e.start_frame;
		sec->end = e.end_frame;
	}
}

/* "9|1-17|1" for a range of the timeline ("" when off); either end may
 * be ENGINE_NO_FRAME (open). */
static void range_label(char *out, size_t size, const struct tempo_map *map,
                        bool on, int64_t a, int64_t b)
{
	out[0] = '\0';
	if (!on || !map)
		return;
	char x[24] = "", y[24] = "";
	struct tempo_map_bbt bbt;
	if (a != ENGINE_NO_FRAME) {
		tempo_map_frame_to_bbt(map, a, &bbt);
		snprintf(x, sizeof x, "%lld|%d", (long long)bbt.bar, bbt.beat);
	}
	if (b != ENGINE_NO_FRAME) {
		tempo_map_frame_to_bbt(map, b, &bbt);
		snprintf(y, sizeof y, "%lld|%d", (long long)bbt.bar, bbt.beat);
	}
	snprintf(out, size, "%s-%s", x, y);
}

bool tui_grow(void **array, size_t *cap, size_t want, size_t elem)
{
	if (want <= *cap)
		return true;
	size_t n = *cap ? *cap : 16;
	while (n < want)
		n *= 2;
	void *p = realloc(*array, n * elem);
	if (!p)
		return false;
	*array = p;
	*cap = n;
	return true;
}

static void copy_state(struct tui *ui)
{
	struct tui_state *s = &ui->s;
	struct error err;
	error_clear(&err);
	control_lock(ui->c);
	if (control_poll(ui->c, &err) != RL_OK) {
		/* control_poll() repeats a failure until it is over: one
		 * line for it, not thirty a second. */
		if (strcmp(err.message, ui->poll_error)) {
			snprintf(ui->poll_error, sizeof ui->poll_error, "%s",
			         err.message);
			control_post(ui->c, CONTROL_ERROR, "%s", err.message);
		}
	} else {
		ui->poll_error[0] = '\0';
	}
	control_status(ui->c, &s->st);
	size_t n = control_tracks(ui->c, s->tracks, s->track_cap);
	if (n > s->track_cap &&
	    tui_grow((void **)&s->tracks, &s->track_cap, n, sizeof *s->tracks))
		n = control_tracks(ui->c, s->tracks, s->track_cap);
	s->track_count = n < s->track_cap ? n : s->track_cap;

	const struct session_settings *set = control_settings(ui->c);
	s->click_out_db = set->click_level_db;
	s->cue_click_db = set->cue_click_db;
	s->cue_scratch_db = set->cue_scratch_db;
	s->has_scratch = set->scratch[0] != '\0';
	snprintf(s->scratch, sizeof s->scratch, "%s", set->scratch);

	const struct session *sess = control_session(ui->c);
	if (sess && !s->session_name[0]) {
		const char *dir = sess->dir, *slash;
		size_t len = strlen(dir);
		while (len > 1 && dir[len - 1] == '/')
			len--;
		slash = memrchr(dir, '/', len > 0 ? len - 1 : 0);
		const char *base = slash ? slash + 1 : dir;
		snprintf(s->session_name, sizeof s->session_name, "session %.*s",
		         (int)(len - (size_t)(base - dir)), base);
	}
	s->count_in_bars = set->count_in_bars;
	s->pre_roll_bars = set->pre_roll_bars;

	const struct tempo_map *map = control_tempo_map(ui->c);
	if (map != s->map)
		copy_sections(s, map);
	const struct control_status *st = &s->st;
	range_label(s->loop_label, sizeof s->loop_label, map,
	            st->loop_start != ENGINE_NO_FRAME ||
	            st->loop_end != ENGINE_NO_FRAME,
	            st->loop_start, st->loop_end);
	/* The punch of the record under way, else the session's range. */
	bool rec_punch = st->record_armed &&
	                 (st->punch_in != ENGINE_NO_FRAME ||
	                  st->punch_out != ENGINE_NO_FRAME);
	int64_t pin = rec_punch ? st->punch_in : st->punch.in;
	int64_t pout = rec_punch ? st->punch_out : st->punch.out;
	range_label(s->punch_label, sizeof s->punch_label, map,
	            pin != ENGINE_NO_FRAME || pout != ENGINE_NO_FRAME, pin,
	            pout);
	s->punch_lit = rec_punch || st->punch.in_on || st->punch.out_on;

	/* A finished take is news: one line, like the headless recorder's
	 * summary (and so in the session's log too). */
	struct control_take_summary sum;
	while (control_next_finished(ui->c, &sum)) {
		char len[32];
		tui_format_length(len, sizeof len, sum.frames, s->st.sample_rate);
		control_post(ui->c, sum.dropped_frames || sum.end_reason[0]
		                    ? CONTROL_WARNING : CONTROL_INFO,
		             "take %03u: %u tracks, %s, %llu dropped frames, "
		             "%llu xruns%s%s", sum.number, sum.tracks, len,
		             (unsigned long long)sum.dropped_frames,
		             (unsigned long long)sum.xruns,
		             sum.end_reason[0] ? "; " : "", sum.end_reason);
		tui_takes_changed(ui);
	}
	struct control_message m;
	while (control_next_message(ui->c, ui->msg_seq, &m)) {
		keep_message(ui, &m);
		ui->msg_seq = m.seq;
	}
	bool takes_shown = ui->view == TUI_VIEW_TAKES ||
	                   (ui->view == TUI_VIEW_TRACKS && ui->panel_takes);
	if (takes_shown &&
	    (ui->takes_want_copy || ui->now - s->takes_copied > 0.5 ||
	     s->st.last_take != s->takes_seen_last)) {
		tui_takes_copy(ui);
		s->takes_copied = ui->now;
		s->takes_seen_last = s->st.last_take;
		ui->takes_want_copy = false;
		ui->body_dirty = true;
	}
	tui_markers_copy(ui);
	control_unlock(ui->c);

	/* No OSC server: no function, or (as cmd_run passes it) no
	 * server behind it. */
	s->osc = ui->cfg->osc_clients != NULL && ui->cfg->osc_ctx != NULL;
	s->osc_clients = s->osc ? ui->cfg->osc_clients(ui->cfg->osc_ctx) : 0;

	if (ui->clip_base_len < s->track_count) {
		uint64_t *p = realloc(ui->clip_base,
		                      s->track_count * sizeof *p);
		if (p) {
			memset(p + ui->clip_base_len, 0,
			       (s->track_count - ui->clip_base_len) * sizeof *p);
			ui->clip_base = p;
			ui->clip_base_len = s->track_count;
		}
	}
	if (s->track_count && ui->track_sel >= s->track_count)
		ui->track_sel = s->track_count - 1;
}

static void read_keys(struct tui *ui)
{
	for (int i = 0; i < 256; i++) {
		/* Each key acts on the state after the one before it (three
		 * Lefts in one read are -3 dB, not -1 dB three times). */
		if (i > 0)
			copy_state(ui);
#if REDLIGHT_WIDE_CURSES
		wint_t ch;
		int r = get_wch(&ch);
		if (r == ERR)
			return;
		tui_handle_key(ui, ch, r == KEY_CODE_YES);
#else
		int k = getch();
		if (k == ERR)
			return;
		tui_handle_key(ui, (wint_t)k, k >= KEY_MIN);
#endif
	}
}

/* ---- drawing a frame -------------------------------------------------- */

static const char *const view_names[TUI_VIEW_COUNT] = {
	"Tracks", "Takes", "Cue", "Log",
};

static const char *view_hints(const struct tui *ui)
{
	switch (ui->view) {
	case TUI_VIEW_TRACKS:
		return "spc play  r rec  a arm  m mark  ? help  q quit";
	case TUI_VIEW_TAKES:
		return "\u23ce keep  0-5 rate  e note  d discard  u restore  ? help";
	case TUI_VIEW_CUE:
		return "\u2190\u2192 level  o on/off  z 0 dB  \u2191\u2193 select  ? help";
	default:
		return "\u2191\u2193 scroll  End follow  ? help  q quit";
	}
}

static void draw_bottom(struct tui *ui, int y)
{
	const struct tui_modal *m = &ui->modal;
	if (m->kind == TUI_MODAL_CONFIRM) {
		tui_put(ui, y, 0, ui->cols, tui_attr(ui, TUI_COUNTING), m->question);
		return;
	}
	if (m->kind == TUI_MODAL_PROMPT) {
		int used = tui_put(ui, y, 0, -1, tui_attr(ui, TUI_BOLD),
		                   m->question);
		/* The end of a long text stays in sight. */
		int room = ui->cols - used - 2;
		const char *text = m->text;
		int cols = 0;
		tui_utf8_fit(text, 1 << 20, &cols);
		while (*text && cols > room) {
			/* Drop one whole character from the front. */
			text++;
			while (((unsigned char)*text & 0xc0) == 0x80)
				text++;
			tui_utf8_fit(text, 1 << 20, &cols);
		}
		tui_put(ui, y, used, ui->cols - used, A_NORMAL, "");
		tui_put(ui, y, used + 1, ui->cols - used - 1, A_NORMAL, text);
		int w = 0;
		tui_utf8_fit(text, ui->cols - used - 1, &w);
		move(y, used + 1 + w);
		return;
	}
	int x = 0;
	for (int v = 0; v < (int)TUI_VIEW_COUNT; v++) {
		char label[32];
		snprintf(label, sizeof label, " %s ", view_names[v]);
		x += tui_put(ui, y, x, -1,
		             v == (int)ui->view ? tui_attr(ui, TUI_TITLE) | A_BOLD
		                           : tui_attr(ui, TUI_DIM),
		             label);
	}
	x += tui_put(ui, y, x, 2, A_NORMAL, "");
	const char *hints = view_hints(ui);
	if (!ui->utf8)
		hints = ui->view == TUI_VIEW_TAKES
		        ? "Enter keep  0-5 rate  e note  d discard  u restore"
		        : ui->view == TUI_VIEW_CUE
		        ? "<> level  o on/off  z 0 dB  ? help"
		        : ui->view == TUI_VIEW_LOG ? "scroll  End follow  ? help"
		                                   : hints;
	tui_put(ui, y, x, ui->cols - x, tui_attr(ui, TUI_DIM), hints);
}

static void draw_frame(struct tui *ui)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows != ui->rows || cols != ui->cols) {
		ui->rows = rows;
		ui->cols = cols;
		ui->full_redraw = true;
	}
	bool full = ui->full_redraw;
	ui->full_redraw = false;
	if (full)
		erase();
	if (rows < 10 || cols < 60) {
		/* Still running (the take records on): only too small to
		 * show. */
		erase();
		tui_putf(ui, 0, 0, cols, tui_attr(ui, TUI_BOLD),
		         "redlight: terminal %dx%d is too small (need 60x10)",
		         cols, rows);
		const struct control_status *st = &ui->s.st;
		if (rows > 1 && st->recording)
			tui_putf(ui, 1, 0, cols, tui_attr(ui, TUI_TALLY),
			         "REC take %03u", st->take);
		curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		ui->row_cache_len = 0;
		ui->full_redraw = true;
		return;
	}
	int body_y = 2, body_h = rows - 5;
	if (!ui->help) {
		/* The other views change rarely, but not only by this UI's
		 * keys (OSC sets levels and rates takes too): four times a
		 * second is soon enough and costs nothing. */
		bool body = full || ui->body_dirty ||
		            ui->now - ui->body_drawn > 0.25;
		if (body)
			ui->body_drawn = ui->now;
		if (ui->view == TUI_VIEW_TRACKS) {
			tui_tracks_draw(ui, body_y, body_h, full);
		} else if (body) {
			for (int y = body_y; y < body_y + body_h; y++)
				mvhline(y, 0, ' ', cols);
			if (ui->view == TUI_VIEW_TAKES)
				tui_takes_draw(ui, body_y, body_h);
			else if (ui->view == TUI_VIEW_CUE)
				tui_cue_draw(ui, body_y, body_h);
			else
				tui_log_draw(ui, body_y, body_h);
		}
	}
	ui->body_dirty = false;
	/* After the body: the transport bar shows which tracks the list
	 * has just drawn. */
	tui_transport_draw(ui, 0);
	tui_status_draw(ui, rows - 3);
	if (ui->help)
		tui_help_draw(ui);
	else if (ui->markers_open)
		tui_markers_draw(ui);
	draw_bottom(ui, rows - 1);
	bool prompt = ui->modal.kind == TUI_MODAL_PROMPT;
	curs_set(prompt ? 1 : 0);
	leaveok(stdscr, prompt ? FALSE : TRUE);
	wnoutrefresh(stdscr);
	doupdate();
}

static void apply_resize(struct tui *ui)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	ui->full_redraw = true;
	/* The old screen contents are gone from the terminal's point of
	 * view (it may have re-flowed them): repaint every cell. */
	clearok(curscr, TRUE);
}

/* ---- shutting down ---------------------------------------------------- */

/* Stop a take still recording and wait until its files are finished,
 * drawing meanwhile (finishing can take a second or two on a slow disk).
 * The lock is taken per poll, never across the wait. */
static void finish_recording(struct tui *ui)
{
	struct error err;
	struct control_status st;
	control_lock(ui->c);
	control_status(ui->c, &st);
	control_unlock(ui->c);
	if (st.transport != ENGINE_STOPPED || st.record_armed)
		tui_report(ui, "stop", action_stop(ui->c, &err), &err);
	for (;;) {
		control_lock(ui->c);
		bool busy = control_busy(ui->c);
		control_unlock(ui->c);
		if (!busy)
			break;
		ui->now = mono_now();
		copy_state(ui);
		if (curses_active && !hup_pending) {
			draw_frame(ui);
			tui_put(ui, ui->rows - 1, 0, ui->cols,
			        tui_attr(ui, TUI_COUNTING),
			        "Stopping: finishing the take's files...");
			wnoutrefresh(stdscr);
			doupdate();
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* The finished take's summary reaches the log. */
	copy_state(ui);
}

/* ---- the loop --------------------------------------------------------- */

static int set_cloexec_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Everything written to stderr while the UI owns the terminal (by JACK,
 * a library, another thread) goes into a pipe the loop reads and posts
 * as warnings: nothing scribbles over the screen, and it is all in the
 * session's log. The write end is non-blocking: a full pipe loses a line
 * rather than stall whoever writes. */
static int capture_stderr(int *read_fd)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	if (set_cloexec_nonblock(p[0]) < 0 || set_cloexec_nonblock(p[1]) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
#ifdef F_SETPIPE_SZ
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
#endif
	fflush(stderr);
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		if (saved_stderr >= 0)
			close(saved_stderr);
		saved_stderr = -1;
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	*read_fd = p[0];
	return 0;
}

static void release_stderr(struct tui *ui, int read_fd)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	read_stderr_pipe(ui, read_fd);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	close(read_fd);
}

static void tui_free(struct tui *ui)
{
	free(ui->s.tracks);
	free(ui->s.takes);
	free(ui->s.files);
	free(ui->s.comps);
	free(ui->s.markers);
	free(ui->row_cache);
	free(ui->clip_base);
	free(ui);
}

/* The terminal in the modes the UI needs; NULL (said why) if it cannot
 * be used. */
static SCREEN *open_terminal(struct tui *ui)
{
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		const char *term = getenv("TERM");
		fprintf(stderr, "redlight: cannot use the terminal (TERM=%s); "
		        "use --headless to run without one\n", term ? term : "");
		return NULL;
	}
	set_term(screen);
	curses_active = 1;
	/* raw: Ctrl-C and Ctrl-Z are keys, so neither can end or suspend a
	 * take behind the engineer's back (q asks first). */
	raw();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	tui_init_styles(ui);
	tui_init_meter_cells(ui);
	return screen;
}

/* What woke the loop's poll() up: the wake-up pipe, a resize, the
 * captured stderr, the terminal. False when the terminal went away. */
static bool handle_wakeup(struct tui *ui, const struct pollfd *fds,
                          int err_fd, bool *draw_now)
{
	if (fds[1].revents & POLLIN) {
		char buf[64];
		while (read(fds[1].fd, buf, sizeof buf) > 0)
			;
	}
	if (winch_pending) {
		winch_pending = 0;
		apply_resize(ui);
		*draw_now = true;
	}
	if (err_fd >= 0 && (fds[2].revents & POLLIN))
		read_stderr_pipe(ui, err_fd);
	if (fds[0].revents & (POLLHUP | POLLERR)) {
		/* The terminal went away: act as on SIGHUP. */
		hup_pending = 1;
		return false;
	}
	if (fds[0].revents & POLLIN) {
		read_keys(ui);
		*draw_now = true;
	}
	return true;
}

/* Draw at the frame rate, or at once after a key; sleep in poll()
 * between frames. Until quit, a stop request or a hang-up. */
static void run_loop(struct tui *ui, int wake_read, int err_fd)
{
	const struct tui_config *config = ui->cfg;
	double period = 1.0 / (config->fps ? config->fps : 30);
	double next = mono_now();
	bool draw_now = true;
	while (!ui->quit) {
		ui->now = mono_now();
		if (draw_now || ui->now >= next) {
			copy_state(ui);
			draw_frame(ui);
			draw_now = false;
			if (ui->now >= next) {
				next += period;
				/* Late (a slow terminal): skip, do not catch up. */
				if (next < ui->now)
					next = ui->now + period;
			}
		}
		if ((config->stop && *config->stop) || hup_pending)
			break;
		struct pollfd fds[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = wake_read, .events = POLLIN },
			{ .fd = err_fd, .events = POLLIN },
		};
		int timeout = (int)ceil((next - mono_now()) * 1000.0);
		int n = poll(fds, err_fd >= 0 ? 3 : 2, timeout < 0 ? 0 : timeout);
		if (n < 0 && errno != EINTR) {
			control_lock(ui->c);
			control_post(ui->c, CONTROL_ERROR, "poll: %s",
			             strerror(errno));
			control_unlock(ui->c);
			break;
		}
		if (n > 0 && !handle_wakeup(ui, fds, err_fd, &draw_now))
			continue;
	}
}

int tui_run(struct control *c, const struct tui_config *config)
{
	static const struct tui_config no_config;
	if (!config)
		config = &no_config;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		/* The UI never started: the terminal is still the shell's. */
		fprintf(stderr, "redlight: the live recorder needs a terminal "
		        "(stdin and stdout); use --headless to run without one\n");
		return 1;
	}
	struct tui *ui = calloc(1, sizeof *ui);
	if (!ui) {
		fprintf(stderr, "redlight: out of memory\n");
		return 1;
	}
	hup_pending = 0;
	ui->c = c;
	ui->cfg = config;
	ui->full_redraw = true;
	ui->log_follow = true;

	control_lock(c);
	control_set_quiet(c, true);
	control_unlock(c);

	/* Only the character type: numbers (session.json, positions) keep
	 * the C locale's decimal point. */
	setlocale(LC_CTYPE, "");
	ui->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");

	int wake[2] = { -1, -1 };
	if (pipe(wake) < 0 || set_cloexec_nonblock(wake[0]) < 0 ||
	    set_cloexec_nonblock(wake[1]) < 0) {
		fprintf(stderr, "redlight: pipe: %s\n", strerror(errno));
		if (wake[0] >= 0) {
			close(wake[0]);
			close(wake[1]);
		}
		tui_free(ui);
		return 1;
	}
	SCREEN *screen = open_terminal(ui);
	if (!screen) {
		close(wake[0]);
		close(wake[1]);
		tui_free(ui);
		return 1;
	}
	wake_fd = wake[1];
	install_signals();
	int err_fd = -1;
	if (capture_stderr(&err_fd) < 0)
		err_fd = -1;

	run_loop(ui, wake[0], err_fd);
	if (hup_pending) {
		control_lock(c);
		control_post(c, CONTROL_WARNING, "the terminal closed: stopping");
		control_unlock(c);
	}
	finish_recording(ui);

	if (!hup_pending) {
		/* Leave a clean screen behind the shell's prompt. */
		erase();
		refresh();
	}
	curses_active = 0;
	endwin();
	delscreen(screen);
	restore_signals();
	wake_fd = -1;
	close(wake[0]);
	close(wake[1]);
	if (err_fd >= 0)
		release_stderr(ui, err_fd);
	winch_pending = 0;
	tui_free(ui);
	return 0;
}
