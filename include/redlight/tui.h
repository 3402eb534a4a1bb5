/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file tui.h
 * The engineer's terminal: the ncurses front-end of the recorder.
 *
 * Thread: tui_run() runs on the thread that calls it (the main thread)
 * and is the only code that calls curses. It polls stdin and a wake-up
 * fd, takes the control lock only to send a command or copy the status
 * (control_status(), control_tracks(), control_next_message()), draws
 * from that copy about 30 times a second, and never blocks on the engine.
 * It also calls control_poll() (under the lock) every frame: the UI's
 * loop is the recorder's main loop.
 */
#ifndef REDLIGHT_TUI_H
#define REDLIGHT_TUI_H

#include "redlight/control.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct tui_config {
	/** Frames per second of redraw (0: 30). */
	unsigned fps;
	/** Set (to non-zero) by a signal handler to leave tui_run() as if
	 *  the engineer quit (SIGTERM); NULL: none. */
	volatile sig_atomic_t *stop;
	/** Subscribed OSC clients, for the status line (NULL: no OSC). */
	uint32_t (*osc_clients)(void *ctx);
	void *osc_ctx;
};

/**
 * Run the UI until the engineer quits (q; asks first while recording) or
 * *config->stop is set. Restores the terminal on every way out, crash
 * signals included. Returns the process exit status (0: quit normally).
 * The caller has started the recorder (control_start_with_sources()) and
 * owns c; tui_run() stops a take still recording before it returns.
 */
int tui_run(struct control *c, const struct tui_config *config);

#endif
