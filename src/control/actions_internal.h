/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * actions_internal.h: what the files of the actions share (actions.c,
 * actions_markers.c, actions_ranges.c): the lock macros every public
 * action is made of and the few bodies one file offers another. Private
 * to src/control/. The bodies run under the control lock (the caller
 * holds it).
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

/* A record press: from here with the session's count-in, pre-roll and
 * punch range (control_record_now()); says so when the punch range
 * leaves nothing to record from here. */
enum rl_status actions_record_now(struct control *c, struct error *err);

/* "START:END", or a section label (to NULL); two positions otherwise.
 * `what` names the range in the errors ("loop", "punch"). */
enum rl_status actions_range_bounds(struct control *c, const char *what,
                                    const char *from, const char *to,
                                    int64_t *a, int64_t *b,
                                    struct error *err);

#endif
