/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file cli.h
 * The sub-commands of the `redlight` program. Each takes the arguments
 * after its own name (argv[0] is the sub-command) and returns the process
 * exit status: 0 success, 1 failure at run time, 2 bad usage. Main thread.
 */
#ifndef REDLIGHT_CLI_H
#define REDLIGHT_CLI_H

#include "redlight/control.h"
#include "redlight/error.h"
#include "redlight/session.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** `redlight record [options] SESSION_DIR`: headless recording of a take. */
int cmd_record(int argc, char **argv);

/** `redlight recover SESSION_DIR`: repair files a crash left behind. */
int cmd_recover(int argc, char **argv);

/** `redlight new SESSION_DIR [--template NAME|FILE]`: a new session. */
int cmd_new(int argc, char **argv);

/** `redlight takes [list|keep|rate|note|discard|restore] ...`: the takes
 *  of a session from the shell. */
int cmd_takes(int argc, char **argv);

/** `redlight tracks [list|add|rename|move|input|set] ...`: the tracks of
 *  a session (name, order, input, group, colour, gain, pan, rec-safe). */
int cmd_tracks(int argc, char **argv);

/** `redlight [run] SESSION_DIR [options]`: the live recorder, the terminal
 *  UI (or --headless, OSC only). */
int cmd_run(int argc, char **argv);

/** `redlight markers ...`: the timeline's markers: list, add, move,
 *  rename, remove. */
int cmd_markers(int argc, char **argv);

/** `redlight comp ...`: keeper per section, rendered to a comp file. */
int cmd_comp(int argc, char **argv);

/** `redlight bounce SESSION_DIR [-o FILE]`: rough mix to a stereo WAV. */
int cmd_bounce(int argc, char **argv);

/* ---------------------------------------------------------------------- */
/* Shared by the sub-commands that work on an existing session            */

/** Print "redlight: MESSAGE" to stderr; returns 1 (a run-time failure). */
int cli_fail(const struct error *err);

/** A whole decimal number in [min, max] (no sign, no spaces). */
bool cli_parse_uint(const char *text, uint32_t min, uint32_t max,
                    uint32_t *out);

/**
 * Open the session in dir for reading; never creates one (a directory
 * without session.json is an error). Returns 0 and *s (caller frees), or
 * the exit status after printing why.
 */
int cli_open_session(const char *dir, struct session **s);

/**
 * The control layer on an existing session without JACK
 * (control_open_offline()), for a command that changes it through the
 * actions of actions.h. Returns 0, or the exit status after printing
 * why. Close with control_close().
 */
int cli_open_offline(const char *dir, const char *who, struct control **ctl);

/** One summary line on stdout per take finished since the last call
 *  (number, tracks, frames, dropped frames, xruns, files); the caller
 *  holds the control lock if front-ends share c. */
void cli_print_finished(struct control *ctl);

/** --scratch FILE and --scratch-offset POS (either may be NULL): FILE is
 *  imported as the session's scratch track (never over an earlier one)
 *  at POS or at the session's offset; with only POS the session's
 *  scratch moves there. POS is a position as control_parse_position()
 *  reads it (bar, bar.beat, seconds or frames). Main thread, before the
 *  front-ends start. */
enum rl_status cli_setup_scratch(struct control *ctl, const char *file,
                                 const char *offset, struct error *err);

/** --click-to PORT and --cue-to LEFT[,RIGHT]: connect redlight's click
 *  and cue outputs (either may be NULL). */
enum rl_status cli_connect_outputs(struct control *ctl, const char *click_to,
                                   const char *cue_to, struct error *err);

/**
 * A usage error: "redlight: MESSAGE" on stderr, then the sub-command's
 * usage(stderr). Returns 2.
 */
int cli_usage_error(void (*usage)(FILE *f), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct json_t;

/**
 * Print a JSON value (indented, keys in insertion order) and a newline on
 * stdout, then drop the reference to it (it may be NULL: a failed
 * allocation while building it). Returns 0, or 1 after "out of memory".
 */
int cli_print_json(struct json_t *value);

/* ---------------------------------------------------------------------- */
/* Shared by the sub-commands that run the recorder (record, run)         */

/** --meter BEATS/DENOMINATOR, each 1 to 64 ("4/4", "7/8"). False, and
 *  *beats and *denominator untouched, if text is anything else. */
bool cli_parse_meter(const char *text, int32_t *beats, int32_t *denominator);

/** --jack-transport MODE (flag; NULL: the session's setting) parsed and
 *  set on ctl. Main thread, before control_start_with_sources(). */
enum rl_status cli_set_transport_mode(struct control *ctl, const char *flag,
                                      struct error *err);

/**
 * The ports to record from --input PORT ... (input_count of them, used as
 * given: *sources is inputs) or else from --inputs REGEX (NULL: every
 * output port; none matching is RL_ERR_NOT_FOUND). *names is NULL or the
 * array behind *sources, for the caller to free with control_free_names()
 * after control_start_with_sources(), also after an error. Main thread.
 */
enum rl_status cli_find_sources(struct control *ctl, const char *const *inputs,
                                size_t input_count, const char *regex,
                                const char *const **sources, size_t *count,
                                char ***names, struct error *err);

/** What cli_choose_sources() does when no session track has an input. */
enum cli_no_track_inputs {
	CLI_NO_INPUTS_FAIL,       /**< RL_ERR_NOT_FOUND, saying how to set
	                               them (`redlight SESSION_DIR`) */
	CLI_NO_INPUTS_RECORD_ALL, /**< every output port of every other
	                               client (`redlight record`) */
};

/**
 * The ports the recorder starts on, the same way for `redlight record`
 * and `redlight SESSION_DIR`: --input PORT ... or --inputs REGEX as
 * cli_find_sources() reads them; without either, the inputs of the
 * session's tracks in track order (both ports of a stereo track), each
 * recording into its own track; if no track has an input, as `none`
 * says. Arming is control_start_with_sources()'s: every track but the
 * rec-safe ones. *names is NULL or the array behind *sources, for the
 * caller to free with control_free_names() (also after an error). Main
 * thread, before the recorder starts.
 */
enum rl_status cli_choose_sources(struct control *ctl,
                                  const char *const *inputs,
                                  size_t input_count, const char *regex,
                                  enum cli_no_track_inputs none,
                                  const char *const **sources, size_t *count,
                                  char ***names, struct error *err);

/**
 * control_start_with_sources(), then name every track it added to the
 * session (a port that no track records from) and every track whose
 * input it set (a port named like the track): "redlight: added track 5
 * 'out_3' for port redlight-source:out_3" on stderr, and the same as a
 * CONTROL_INFO message (the session's log, the UI's status line). Main
 * thread, before other front-end threads start.
 */
enum rl_status cli_start_recorder(struct control *ctl,
                                  const char *const *sources, size_t count,
                                  struct error *err);

#endif
