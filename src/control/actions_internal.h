/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the files of the actions share (actions.c, actions_markers.c):
 * how an action's body runs under the control lock. Private to
 * src/control/.
 */
#ifndef REDLIGHT_ACTIONS_INTERNAL_H
#define REDLIGHT_ACTIONS_INTERNAL_H

#include "redlight/actions.h"

/* Run `call` (an expression using c and err) under the control lock. */
#define LOCKED(call)                                   \
	do {                                           \
		control_lock(c);                       \
		enum rl_status st_ = (call);           \
		control_unlock(c);                     \
		return st_;                            \
	} while (0)

/* The same for an action that needs the recorder running (transport,
 * arming, monitoring, markers): on a session opened without it
 * (control_open_offline()) every one of them says so alike, rather than
 * whatever its first check happens to find missing. */
#define LIVE(call)                                               \
	do {                                                     \
		control_lock(c);                                 \
		enum rl_status st_ = control_started(c)          \
			? (call)                                 \
			: error_set(err, RL_ERR_STATE, "%s",     \
			            control_server_lost(c)       \
			            ? "no JACK server: waiting for " \
			              "one to come back"         \
			            : "recorder not started");   \
		control_unlock(c);                               \
		return st_;                                      \
	} while (0)

#endif
