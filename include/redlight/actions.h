/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file actions.h
 * What a user can do to a running recorder, one function each. The
 * terminal UI's keys, the OSC paths and the command line translate a
 * key, a message or an argument into one of these and show the result;
 * none of them decides anything of its own. doc/actions.md lists every
 * action with its key, its OSC path(s) and its command-line form
 * (tests/unit/test_actions_doc.c keeps the two in step).
 *
 * Threads: any front-end thread (the UI, the OSC server, the main loop).
 * Each action takes the control lock for its own duration
 * (control_lock()), so the caller must NOT hold it. A refusal returns
 * its status with err saying why in words for the engineer ("not while
 * recording"); the front-end shows it (the UI on its message line, OSC
 * in the log). An action whose effect shows nowhere else (a keeper
 * chosen, a take moved to the trash, a marker placed) posts one INFO
 * message saying what it did, so the log reads the same whichever
 * front-end acted.
 *
 * On a session opened without the recorder (control_open_offline(): the
 * shell's commands), the actions of the transport, locate, loop, click,
 * arming, monitoring and the click's and scratch's levels refuse with
 * RL_ERR_STATE "recorder not started"; those of takes, comps, tracks and
 * a track's playback level (action_track_cue) work there.
 *
 * Tracks are session track numbers (from 1), as control_tracks() lists
 * them; action_find_track() turns what a user typed into one. Takes are
 * take numbers; 0 stands for the last take finished.
 */
#ifndef REDLIGHT_ACTIONS_H
#define REDLIGHT_ACTIONS_H

#include "redlight/control.h"
#include "redlight/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- transport -------------------------------------------------------- */

/** Roll from here without recording. */
enum rl_status action_play(struct control *c, struct error *err);

/** Stop the transport and any take (one frame for every track). */
enum rl_status action_stop(struct control *c, struct error *err);

/** Play / stop on one button: stop if the transport moves or a record is
 *  pending (counting in, waiting for the punch-in), else play. */
enum rl_status action_toggle_roll(struct control *c, struct error *err);

/**
 * Record a take on every armed track from here, with the session's
 * count-in and pre-roll. Refused (RL_ERR_STATE) while a take records or
 * is pending, and when no track is armed.
 */
enum rl_status action_record(struct control *c, struct error *err);

/** REAPER's record button: record at once if nothing is pending, else
 *  stop (redlight has no "record off, keep rolling"). Ardour's is
 *  action_record_ready_toggle(). */
enum rl_status action_record_toggle(struct control *c, struct error *err);

/**
 * Record with a punch range: the take starts at position `from` and ends
 * at `to` (NULL or "": on stop); positions as control_parse_position()
 * reads them. Count-in and pre-roll from the session.
 */
enum rl_status action_record_punch(struct control *c, const char *from,
                                   const char *to, struct error *err);

/** While looping: stop where the current pass ends. */
enum rl_status action_stop_after_pass(struct control *c, struct error *err);

/** While recording: end this take and start the next on the same frame. */
enum rl_status action_new_take(struct control *c, struct error *err);

/** A marker called `name` (NULL or "": "marker N") at the play head:
 *  on the timeline, and in the take too while one records (at the take's
 *  current position, latency-corrected); posts where it went. */
enum rl_status action_marker(struct control *c, const char *name,
                             struct error *err);

/* ---- markers ---------------------------------------------------------- */
/*
 * The timeline's markers (session.json's "markers"), by name. These work
 * on a session opened without the recorder too, except where they need
 * the play head. Each saves at once and posts what it did.
 */

/** A marker called `name` (NULL or "": "marker N") at `position` (as
 *  control_parse_position() reads it; NULL or "": the play head, as
 *  action_marker()). */
enum rl_status action_marker_add(struct control *c, const char *name,
                                 const char *position, struct error *err);

/** Move marker `name` to `position` (NULL or "": the play head). */
enum rl_status action_marker_move(struct control *c, const char *name,
                                  const char *position, struct error *err);

/** Rename marker `name` to `new_name` (unique; not written like a
 *  position). */
enum rl_status action_marker_rename(struct control *c, const char *name,
                                    const char *new_name, struct error *err);

/** Remove marker `name` from the timeline (logged with where it was; a
 *  take keeps its own copy of one set while it recorded). */
enum rl_status action_marker_remove(struct control *c, const char *name,
                                    struct error *err);

/* ---- locate ----------------------------------------------------------- */

/** To a position as a user writes it: "17", "17|3", "12.5s", "48000f",
 *  a section label, a marker's name (control_parse_position()). */
enum rl_status action_locate(struct control *c, const char *position,
                             struct error *err);

/** To a timeline frame; roll afterwards if `roll`. */
enum rl_status action_locate_frame(struct control *c, int64_t frame,
                                   bool roll, struct error *err);

/** To a time in seconds from timeline 0 (REAPER's /time). */
enum rl_status action_locate_seconds(struct control *c, double seconds,
                                     struct error *err);

/** To the first beat of `bar` (from 1). */
enum rl_status action_locate_bar(struct control *c, int64_t bar,
                                 struct error *err);

/** To the start of song section `label`. */
enum rl_status action_locate_section(struct control *c, const char *label,
                                     struct error *err);

/** To timeline frame 0. */
enum rl_status action_return_to_start(struct control *c, struct error *err);

/**
 * `bars` bars on (positive) or back (negative), as a DAW's rewind and
 * fast-forward: on from the start of the current bar; back first to the
 * start of the bar the play head is inside, then whole bars. Never
 * before bar 1. 0 does nothing.
 */
enum rl_status action_jump_bars(struct control *c, int64_t bars,
                                struct error *err);

/**
 * To the start of the next section (dir > 0) or of the one before
 * (dir < 0). Back has a quarter second of grace, so pressing it again at
 * once while rolling gets past the start just located to.
 */
enum rl_status action_step_section(struct control *c, int dir,
                                   struct error *err);

/* ---- loop ------------------------------------------------------------- */

/**
 * Loop over a range while rolling: `from` and `to` are positions
 * ("17", "verse1", "12s"); with `to` NULL, `from` is "START:END" or one
 * section label (that whole section). Not while recording.
 */
enum rl_status action_loop_range(struct control *c, const char *from,
                                 const char *to, struct error *err);

/**
 * Loop on over the last range (with none yet: the section the play head
 * is in), or off (the range is kept for the next time).
 */
enum rl_status action_loop(struct control *c, bool on, struct error *err);

/** action_loop() with the other state. */
enum rl_status action_loop_toggle(struct control *c, struct error *err);

/* ---- record-ready, punch and loop ranges ------------------------------ */

/**
 * Record-ready (Ardour's global record enable) on or off. While it is
 * on, play (action_play(), action_toggle_roll(), a locate that rolls)
 * from a stopped transport records a take instead, with the session's
 * count-in, pre-roll and punch range, as action_record() does; stop
 * ends the take and record-ready stays on. On while rolling records
 * from here. Off while a record is pending or recording stops it (and
 * the transport: redlight has no "record off, keep rolling"). Per run.
 */
enum rl_status action_record_ready(struct control *c, bool on,
                                   struct error *err);

/** Ardour's /rec_enable_toggle: off if record-ready is on or a record
 *  is pending or recording (what its button shows), else on. */
enum rl_status action_record_ready_toggle(struct control *c,
                                          struct error *err);

/**
 * The punch range a record press uses from now on (kept in the
 * session): `from` and `to` are positions, or with `to` NULL `from` is
 * "IN:OUT" or one section label (that whole section). Both ends on.
 * Not while recording.
 */
enum rl_status action_punch_set(struct control *c, const char *from,
                                const char *to, struct error *err);

/** The punch-in at `position` (NULL or "": the play head), and on. A
 *  punch-out at or before it is cleared (the message says so). */
enum rl_status action_punch_in(struct control *c, const char *position,
                               struct error *err);

/** The punch-out at `position` (NULL or "": the play head), and on. A
 *  punch-in at or after it is cleared (the message says so). */
enum rl_status action_punch_out(struct control *c, const char *position,
                                struct error *err);

/** Forget the punch range: records start and end where they are asked
 *  to again. */
enum rl_status action_punch_clear(struct control *c, struct error *err);

/** Punching on (every end that is set) or off (the range is kept). On
 *  with no range refuses. */
enum rl_status action_punch(struct control *c, bool on, struct error *err);

/** action_punch() with the other state (on if any end is on: off). */
enum rl_status action_punch_toggle(struct control *c, struct error *err);

/** Ardour's punch-in switch: the punch-in on or off, the punch-out as it
 *  is. Refused with no punch-in set. */
enum rl_status action_punch_in_toggle(struct control *c, struct error *err);

/** Ardour's punch-out switch, as action_punch_in_toggle(). */
enum rl_status action_punch_out_toggle(struct control *c, struct error *err);

/** The loop start at `position` (NULL or "": the play head); an end at
 *  or before it is cleared. While looping the loop follows at once. */
enum rl_status action_loop_start(struct control *c, const char *position,
                                 struct error *err);

/** The loop end at `position` (NULL or "": the play head); a start at
 *  or after it is cleared. */
enum rl_status action_loop_end(struct control *c, const char *position,
                               struct error *err);

/** Forget the loop range (looping stops). */
enum rl_status action_loop_clear(struct control *c, struct error *err);

/* ---- click and cue ---------------------------------------------------- */

/** The click while rolling on or off (the count-in clicks either way). */
enum rl_status action_click(struct control *c, bool on, struct error *err);

/** action_click() with the other state. */
enum rl_status action_click_toggle(struct control *c, struct error *err);

/** Level in dB (<= +6, -INFINITY off) of click_out (cue false) or of the
 *  click in the cue mix (cue true); remembered in the session. */
enum rl_status action_click_level(struct control *c, bool cue, double db,
                                  struct error *err);

/** Level of the scratch track in the cue; RL_ERR_NOT_FOUND without one. */
enum rl_status action_scratch_level(struct control *c, double db,
                                    struct error *err);

/* ---- tracks ----------------------------------------------------------- */

/**
 * The session track a user means by `text`: a track name first (a track
 * may be called "2"), else its number. RL_ERR_NOT_FOUND says how many
 * tracks there are.
 */
enum rl_status action_find_track(struct control *c, const char *text,
                                 uint32_t *number, struct error *err);

/** Arm or disarm a track (both channels of a stereo one). Refused while
 *  recording, for a rec-safe track and for one with no input. */
enum rl_status action_arm(struct control *c, uint32_t track, bool on,
                          struct error *err);

/** action_arm() with the other state. */
enum rl_status action_arm_toggle(struct control *c, uint32_t track,
                                 struct error *err);

/**
 * Arm (on 1) or disarm (0) every track that has an input and is not
 * rec-safe; on -1: arm them all, or disarm them all if all are armed.
 */
enum rl_status action_arm_all(struct control *c, int on, struct error *err);

/** Input monitoring of a track in the cue: on at `db`, or off. */
enum rl_status action_monitor(struct control *c, uint32_t track, bool on,
                              double db, struct error *err);

/** Monitoring on (at the track's last level) or off, the other way. */
enum rl_status action_monitor_toggle(struct control *c, uint32_t track,
                                     struct error *err);

/** Level of a track's playback (its keeper) in the cue. */
enum rl_status action_track_cue(struct control *c, uint32_t track, double db,
                                struct error *err);

/** Clear every track's peak hold and clip count. */
enum rl_status action_reset_meters(struct control *c, struct error *err);

/**
 * Add a track called `name` with `change` (its input, group, colour,
 * ...; may be NULL) and save; its number goes to *number. Between runs
 * only (control_edit_track()).
 */
enum rl_status action_track_add(struct control *c, const char *name,
                                const struct control_track_change *change,
                                uint32_t *number, struct error *err);

/** Rename, move, re-patch or set a track (control_edit_track()): all of
 *  `change` or nothing. *track follows the track if it moves. */
enum rl_status action_track_edit(struct control *c, uint32_t *track,
                                 const struct control_track_change *change,
                                 struct error *err);

/* ---- takes and comps -------------------------------------------------- */

/** Take `take` (0: the last) is the keeper of `track` (0: of every track
 *  it has); heard from the next play or locate (while stopped: at once;
 *  a track that had nothing to play gets its play port now). */
enum rl_status action_take_keep(struct control *c, uint32_t take,
                                uint32_t track, struct error *err);

/** Rating 0 (unrated) to 5. */
enum rl_status action_take_rate(struct control *c, uint32_t take,
                                uint32_t rating, struct error *err);

/** The take's note ("" clears it). */
enum rl_status action_take_note(struct control *c, uint32_t take,
                                const char *text, struct error *err);

/** Move the take to trash/ (nothing is deleted). */
enum rl_status action_take_discard(struct control *c, uint32_t take,
                                   struct error *err);

/** Bring a discarded take back. */
enum rl_status action_take_restore(struct control *c, uint32_t take,
                                   struct error *err);

/** Make comp `comp` what its track plays (on), or set it aside; heard
 *  from the next play or locate. */
enum rl_status action_comp_use(struct control *c, uint32_t comp, bool on,
                               struct error *err);

struct comp_choice;

/**
 * Render a comp of `track`: a take per section (`choices`), take
 * `base_take` elsewhere (0: the keeper), crossfades of `fade_ms`; it
 * becomes what the track plays. Offline work of seconds, on the caller's
 * thread, refused while recording. The comp's number goes to *number.
 */
enum rl_status action_comp_make(struct control *c, uint32_t track,
                                uint32_t base_take,
                                const struct comp_choice *choices,
                                size_t count, double fade_ms,
                                uint32_t *number, struct error *err);

/**
 * Listen back to take `take` (0: the last): the transport plays it from
 * its start on its tracks, with the other tracks' keepers, or without
 * them (and the scratch) with `alone`; at the take's end, or when the
 * transport is stopped, the keepers play again and the transport is back
 * where it was. Refused while recording or looping. Needs the recorder.
 */
enum rl_status action_take_play(struct control *c, uint32_t take, bool alone,
                                struct error *err);

#endif
