/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file control.h
 * The one control API. Every front-end (the headless command line, and
 * later the terminal UI and OSC) calls only this; nothing else touches the
 * engine, the disk writer or the session.
 *
 * A struct control ties together a session, the JACK client, the engine
 * and the disk writer. Thread: all functions are for one control thread at
 * a time (front-ends serialise their calls); control_poll() must be called
 * regularly (every 50-250 ms) to collect finished takes and react to disk
 * and JACK failures.
 */
#ifndef REDLIGHT_CONTROL_H
#define REDLIGHT_CONTROL_H

#include "redlight/engine.h"
#include "redlight/error.h"
#include "redlight/session.h"
#include "redlight/take_file.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct control_config {
	const char *session_dir;
	const char *client_name;   /**< JACK client name, default "redlight" */
	const char *server_name;   /**< NULL: $JACK_DEFAULT_SERVER / default */
	enum take_format format;
	double buffer_seconds;     /**< per-track ring length, default 4 s */
};

/** What the last finished take looked like (for the summary line). */
struct control_take_summary {
	uint32_t number;
	uint32_t tracks;
	uint64_t frames;
	uint64_t dropped_frames;
	uint64_t xruns;
	char dir[SESSION_PATH_MAX];
	char end_reason[128];
};

struct control;

/**
 * Open the session (creating it if needed) and connect to JACK. Nothing
 * runs yet. *out is owned by the caller (control_close()).
 */
enum rl_status control_open(const struct control_config *config,
                            struct control **out, struct error *err);

/**
 * Make one track per source port (reusing a session track of the same
 * name), allocate the engine for them, start the disk writer, activate
 * JACK and connect the ports. The tracks are armed. Call once.
 */
enum rl_status control_start_with_sources(struct control *c,
                                          const char *const *sources,
                                          size_t count, struct error *err);

/** Source ports matching regex (NULL = all), natural order. */
enum rl_status control_find_sources(struct control *c, const char *regex,
                                    char ***names, size_t *count,
                                    struct error *err);

/** Free a name array from control_find_sources(). */
void control_free_names(char **names);

/** Arm or disarm engine track t (0-based). Not while recording. */
enum rl_status control_arm(struct control *c, uint32_t t, bool on,
                           struct error *err);

/**
 * Start a new take on every armed track: reserves the take number,
 * creates the files, records the take in session.json as incomplete, then
 * tells the audio thread to start on engine clock frame `at` (0, or a
 * frame already past: the next cycle). With length > 0 the take stops by
 * itself exactly `length` frames after the frame it started on.
 */
enum rl_status control_record(struct control *c, uint64_t at,
                              uint64_t length, struct error *err);

/**
 * Stop recording on engine clock frame `at` (0: the next cycle), on the
 * same frame for every track.
 */
enum rl_status control_stop(struct control *c, uint64_t at,
                            struct error *err);

/**
 * Collect finished takes into session.json, stop the take if the disk
 * writer failed, finish it if JACK died. Returns RL_OK, or the first
 * failure seen (the caller decides whether to quit). Control thread.
 */
enum rl_status control_poll(struct control *c, struct error *err);

/**
 * Block until the take being recorded is finished and saved, polling.
 * Use after control_stop() before exiting.
 */
enum rl_status control_wait_idle(struct control *c, struct error *err);

/** True while a take is being recorded or finished. */
bool control_busy(struct control *c);

/** Summary of the last finished take; false if none finished yet. */
bool control_last_take(const struct control *c,
                       struct control_take_summary *out);

/** Engine state (transport, counters). */
void control_snapshot(const struct control *c, struct engine_snapshot *out);

/** Engine cycle-time statistics. */
void control_cycle_stats(const struct control *c,
                         struct engine_cycle_stats *out);

/** Sample rate of the JACK server. */
uint32_t control_sample_rate(const struct control *c);

/**
 * Stop everything in order (stop a running take and wait for it, then
 * deactivate JACK, stop the writer) and free. NULL is a no-op.
 */
void control_close(struct control *c);

#endif
