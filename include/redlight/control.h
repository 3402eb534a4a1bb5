/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file control.h
 * The one control API. A struct control ties together a session, its
 * lock, the JACK client, the engine and the disk writer and reader. The
 * front-ends call only this and actions.h (what a user can do, one
 * function each, built on this file and taking control_lock() itself);
 * none of them touches the engine, the disk threads or the session while
 * the recorder runs:
 *
 *  - the terminal UI (src/tui/), on the main thread of
 *    `redlight SESSION_DIR`;
 *  - the OSC server (src/osc/), on a thread of its own ("rl-osc"), next
 *    to the UI or to the plain poll loop of `redlight SESSION_DIR
 *    --headless`;
 *  - the command line (src/cli/): `redlight record` drives the recorder
 *    alone on its main thread; `redlight SESSION_DIR` opens and starts
 *    it (with the flags' setup) before the UI and OSC take over, and
 *    closes it after them.
 *
 * Threads. Each front-end runs on its own thread and all of them are
 * serialised by control_lock() (see "Front-ends" below): "control thread"
 * in this file means whichever thread holds that lock, or the only thread
 * when one uses the recorder alone (`redlight record`). The lifecycle
 * functions (control_open(), control_set_transport_mode(),
 * control_start_with_sources(), control_close()) belong to the main
 * thread while no other front-end thread runs. No function here is called
 * by the JACK process callback or the disk threads, and none makes the
 * audio thread wait: commands reach it through a lock-free queue, state
 * comes back as atomics (engine_snapshot()).
 *
 * control_poll() must be called regularly (every 50-250 ms) to collect
 * finished takes and react to disk and JACK failures.
 *
 * Ownership: the caller owns the struct control from control_open() to
 * control_close(). What a function returns by pointer (settings, the
 * session, the tempo map, a track name) is control's, valid until
 * control_close() and read under the lock; what it fills in (*out
 * structs, messages, summaries) is the caller's copy.
 */
#ifndef REDLIGHT_CONTROL_H
#define REDLIGHT_CONTROL_H

#include "redlight/engine.h"
#include "redlight/error.h"
#include "redlight/jack_backend.h"
#include "redlight/tempo_map.h"
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
	/** Tempo map file; NULL: SESSION/tempo.map if it exists, else a
	 *  simple map of tempo_bpm in meter_beats/meter_denominator (0: the
	 *  session's settings). */
	const char *tempo_map_path;
	double tempo_bpm;          /**< 0: 120 */
	int32_t meter_beats;       /**< 0: 4 */
	int32_t meter_denominator; /**< 0: 4 */
	/** Click sound: "beep", "square", "wood", or a file, or
	 *  "ACCENT.wav,NORMAL.wav". NULL: the session's setting. */
	const char *click_sound;
	/** JACK transport: internal (default), follow, or master. */
	enum jack_transport_mode transport;
	/** Pre-record: a take started by control_record() begins with the
	 *  last so many seconds before it (0: off). */
	double pre_record_seconds;
	/** Levels for this run only (a flag of the command line): where
	 *  has_* is false the session's own are used (its click_level_db,
	 *  cue_scratch_db, each track's cue_db and monitor). Never saved. */
	bool has_click_level, has_scratch_level, has_keeper_level;
	double click_level_db;     /**< click_out */
	double scratch_level_db;   /**< the scratch in the cue */
	double keeper_level_db;    /**< every keeper in the cue */
	bool monitor_all;          /**< monitor every track at 0 dB */
	/** When the JACK server goes away, finish the take, keep running
	 *  and start the recorder again on the same ports once a server is
	 *  back (`redlight SESSION`); false: stay down (`redlight record`,
	 *  which then ends). */
	bool reconnect;
};

/** How a record pass starts and ends (control_record_options_init()). */
struct control_record_options {
	uint64_t at;            /**< engine clock frame to start on, 0: now */
	uint64_t length;        /**< stop after so many frames, 0: on stop */
	uint32_t count_in_bars; /**< bars of click before rolling, 0: none */
	uint32_t pre_roll_bars; /**< start rolling so many bars before the
	                             record point (punch-in, else here) */
	int64_t punch_in;       /**< timeline frames, ENGINE_NO_FRAME: none */
	int64_t punch_out;
	int count_in_click;     /**< -1 (init): the session's count_in_click;
	                             0: a silent count-in when the click is
	                             off; 1: the count-in clicks */
};

/** What the last finished take looked like (for the summary line). */
struct control_take_summary {
	uint32_t number;
	uint32_t tracks;
	uint64_t frames;
	uint32_t sample_rate;   /**< the take's (the server may be gone) */
	uint64_t dropped_frames;
	uint64_t xruns;
	char dir[SESSION_PATH_MAX];
	char end_reason[128];
};

struct control;

/**
 * Open the session (creating it if needed), take its lock
 * (RL_ERR_LOCKED while another redlight holds it) and connect to JACK.
 * Nothing runs yet.
 * Main thread. *out is owned by the caller (control_close()); NULL on
 * failure.
 */
enum rl_status control_open(const struct control_config *config,
                            struct control **out, struct error *err);

/** control_open_offline(): an existing session, or a new one. */
enum control_offline {
	CONTROL_EXISTING, /**< session.json must be there (a mistyped
	                       directory is an error, never a new session) */
	CONTROL_NEW,      /**< session.json must not be there: it is made */
};

/**
 * The control layer without JACK, for the shell's commands that change a
 * session between runs (`redlight takes keep`, `tracks`, `comp use`,
 * `new`): takes the session's lock as `who` (RL_ERR_LOCKED while a
 * recorder or another command holds it) and reads session.json, or makes
 * it (CONTROL_NEW, saved at once). The actions of actions.h that change
 * only the session work on it; those that need the recorder refuse
 * (RL_ERR_STATE "recorder not started"). Messages go to the session's
 * log, warnings and errors to stderr too. Main thread; *out is the
 * caller's (control_close()); NULL on failure.
 */
enum rl_status control_open_offline(const char *dir, const char *who,
                                    enum control_offline mode,
                                    struct control **out, struct error *err);

/**
 * Make one track per source port: a port that is a session track's input
 * records into that track (both ports of a stereo track must be given),
 * a port named like a mono track becomes its input, any other port gets
 * a new track. Then allocate the engine, start the disk writer and
 * reader (the scratch on scratch_out, each track's keeper or comp on
 * play_<track>), load the tempo map and click, activate JACK, connect the
 * ports and apply the session's mix. Every track is armed except the
 * rec-safe ones. Call once (RL_ERR_STATE after), from the main thread
 * before other front-end threads start. `sources` stays the caller's.
 */
enum rl_status control_start_with_sources(struct control *c,
                                          const char *const *sources,
                                          size_t count, struct error *err);

/** Output ports of other JACK clients whose name matches the extended
 *  regex (NULL = all), in natural order. *names is NULL-terminated and
 *  the caller's (control_free_names()). Control thread. */
enum rl_status control_find_sources(struct control *c, const char *regex,
                                    char ***names, size_t *count,
                                    struct error *err);

/** Free a name array from control_find_sources(); NULL is a no-op. Any
 *  thread. */
void control_free_names(char **names);

/**
 * Arm or disarm engine track t (0-based; both channels of a stereo
 * track). RL_ERR_INVALID: no such track; RL_ERR_STATE: arming a rec-safe
 * track, or any change while a take is open (prepared, counting in,
 * recording or finishing: the files of a take are fixed when it starts).
 * Control thread.
 */
enum rl_status control_arm(struct control *c, uint32_t t, bool on,
                           struct error *err);

/** Defaults: start now, no length, no count-in, pre-roll or punch; the
 *  session's count-in click. Any thread. */
void control_record_options_init(struct control_record_options *o);

/**
 * Record a take on every armed track: reserves the take number, creates
 * the files, records the take in session.json as incomplete, then tells
 * the audio thread to record. The take starts on one frame for all armed
 * tracks: after the count-in (count_in_bars of click at the tempo and
 * meter of the record point, timeline held), when the rolling timeline
 * reaches punch_in (or at once), and never before timeline 0. With
 * pre_roll_bars the transport first locates that many bars before the
 * record point. Pre-roll and count-in apply only from a stopped
 * transport. It ends at punch_out (transport keeps rolling), after
 * `length` frames (transport stops; the takes of splits and loop passes
 * count together), or on control_stop(). While looping, every pass is a
 * take of its own. Refused: before start or while a take is open
 * (RL_ERR_STATE), no track armed (RL_ERR_STATE), the JACK server gone
 * (RL_ERR_JACK), punch_out not after punch_in (RL_ERR_INVALID), a
 * count-in under JACK transport (RL_ERR_STATE). Control thread; the take
 * is collected by control_poll().
 */
enum rl_status control_record(struct control *c,
                              const struct control_record_options *opt,
                              struct error *err);

/**
 * Stop the transport and any take on engine clock frame `at` (0: the next
 * cycle), on the same frame for every track (as JACK transport master,
 * JACK's transport too). Returns at once: control_poll() or
 * control_wait_idle() collects the take. A no-op before start, or while
 * a stop of the open take is already on its way. Control thread.
 */
enum rl_status control_stop(struct control *c, uint64_t at,
                            struct error *err);

/** Choose the JACK transport mode before control_start_with_sources()
 *  (the session's setting is a front-end's default). Main thread. */
void control_set_transport_mode(struct control *c,
                                enum jack_transport_mode mode);

/**
 * Loop [start, end) of the timeline while rolling (on), or stop looping.
 * Recording in a loop makes every pass a take of its own, gapless.
 * RL_ERR_STATE before start or while a take is open; RL_ERR_INVALID
 * unless 0 <= start < end. Control thread.
 */
enum rl_status control_loop(struct control *c, bool on, int64_t start,
                            int64_t end, struct error *err);

/** While looping: stop the transport (and the take) exactly where the
 *  current pass ends. RL_ERR_STATE when not looping; a no-op once a stop
 *  is on its way. Control thread. */
enum rl_status control_stop_after_pass(struct control *c, struct error *err);

/**
 * While a take records: end it now and start the next take on the same
 * frame (no gap, no overlap). RL_ERR_STATE if nothing records. A call
 * while the audio thread has not yet taken the previous one asks for the
 * same split ("on the next cycle") and adds none. Control thread.
 */
enum rl_status control_new_take(struct control *c, struct error *err);

/**
 * Add a marker named `name` (NULL or "": "marker N", N counting the
 * session's markers) at the play head: on the session's timeline
 * (session.markers, control_markers()) and, while a take records, in
 * that take too. Stopped or rolling it goes at the timeline frame the
 * engine snapshot shows (the position a locate already sent will have);
 * a play head before timeline 0 is refused (RL_ERR_INVALID), as is a
 * name taken by another marker (RL_ERR_EXISTS) or not valid
 * (session_check_marker_name()). While a take records it goes at the
 * take's current position (within one JACK period of "now"), as a frame
 * like the take's start_frame: the latency correction that moves the
 * take earlier moves the marker with it, so it sits on the frame of the
 * take's files that was arriving when it was set; a name given twice
 * then becomes "NAME 2" rather than being refused mid-take. It goes into
 * the take's entry in session.json at once (saved now, so a crash keeps
 * it) and stays with the take when it is finished and saved; with
 * splits and loop passes it belongs to the take recording at that frame.
 * RL_ERR_STATE before start. If only the save fails, the error says so
 * and the marker is still saved later. Control thread.
 */
enum rl_status control_add_marker(struct control *c, const char *name,
                                  struct error *err);

/**
 * Add a timeline marker named `name` (NULL or "": "marker N") at
 * timeline frame `frame` (>= 0, else RL_ERR_INVALID), and save. Works
 * on a session opened without the recorder. Names as
 * control_add_marker(). Control thread.
 */
enum rl_status control_marker_add_at(struct control *c, const char *name,
                                     int64_t frame, struct error *err);

/** Move marker `name` to timeline frame `frame` (>= 0) and save.
 *  RL_ERR_NOT_FOUND: no such marker. Control thread. */
enum rl_status control_marker_move(struct control *c, const char *name,
                                   int64_t frame, struct error *err);

/** Rename marker `name` to `new_name` (session_check_marker_name()) and
 *  save. Control thread. */
enum rl_status control_marker_rename(struct control *c, const char *name,
                                     const char *new_name, struct error *err);

/** Remove marker `name` from the timeline (what it was goes to *removed
 *  if not NULL) and save; a take keeps its own copy of a marker set
 *  while it recorded. Control thread. */
enum rl_status control_marker_remove(struct control *c, const char *name,
                                     struct session_marker *removed,
                                     struct error *err);

/** The session's markers in frame order: copies the first `max` into
 *  out (the caller's; may be NULL with max 0) and returns how many there
 *  are. Control thread. */
size_t control_markers(const struct control *c, struct session_marker *out,
                       size_t max);

/** The frame of marker `name` in *frame; false if there is none.
 *  Control thread. */
bool control_marker_frame(const struct control *c, const char *name,
                          int64_t *frame);

/**
 * The last marker control_add_marker() or control_marker_add_at() added
 * (its take's number in *take, 0 for none; name and frame in *out;
 * either may be NULL), for a front-end to show.
 * False if none yet. The frame is the one saved unless the take started
 * within its latency correction of timeline 0, where the shift is only
 * known exactly once the take is finished. Control thread.
 */
bool control_last_marker(const struct control *c, uint32_t *take,
                         struct session_marker *out);

/** Roll from the current position without recording (in follow/master
 *  mode: start JACK's transport). RL_ERR_STATE before start. Control
 *  thread. */
enum rl_status control_play(struct control *c, struct error *err);

/**
 * Move the transport to a timeline frame (may be negative: before the
 * song; not with JACK transport). With JACK transport this waits until
 * JACK has moved. RL_ERR_STATE before start and while a take is
 * recording. Control thread.
 */
enum rl_status control_locate(struct control *c, int64_t frame,
                              struct error *err);

/** Locate to the first beat of `bar` (from 1, else RL_ERR_INVALID) of
 *  the tempo map, as control_locate(). Control thread. */
enum rl_status control_locate_bar(struct control *c, int64_t bar,
                                  struct error *err);

/** Locate to the start of song section `label` (RL_ERR_NOT_FOUND lists
 *  the sections), as control_locate(). Control thread. */
enum rl_status control_locate_section(struct control *c, const char *label,
                                      struct error *err);

/** Locate to timeline frame 0, as control_locate(). Control thread. */
enum rl_status control_return_to_start(struct control *c, struct error *err);

/** Click while rolling on or off (the count-in clicks either way), for
 *  this run: the session's `click` setting is a front-end's default.
 *  RL_ERR_STATE before start. Control thread. */
enum rl_status control_set_click(struct control *c, bool on,
                                 struct error *err);

/** Level (dB, <= +6; -INFINITY mutes) of click_out or of the click in
 *  the cue mix. Like every level set through the control API it is the
 *  session's from now on (settings.click_level_db / cue_click_db, saved
 *  within a second by control_poll(), and at control_close()).
 *  RL_ERR_INVALID for NaN or above +6 dB, RL_ERR_STATE before start.
 *  Control thread. */
enum rl_status control_set_click_level(struct control *c, bool cue,
                                       double db, struct error *err);

/** Input monitoring of engine track t (0-based) in the cue mix: level in
 *  dB, -INFINITY (or on == false) for off. Both channels of a stereo
 *  track, placed by the track's pan. Remembered in the session (the
 *  track's monitor, monitor_db). Control thread. */
enum rl_status control_monitor(struct control *c, uint32_t t, bool on,
                               double db, struct error *err);

/** The farthest a position may be from timeline frame 0, either way:
 *  2^53 frames (about 5900 years at 48 kHz, the tempo map's own limit),
 *  so far inside int64 that the timeline's arithmetic -- a position
 *  plus a cycle, a range's length -- cannot overflow. */
#define CONTROL_POSITION_MAX (INT64_C(1) << 53)

/**
 * A timeline position from text, as front-ends take it: "17" (bar 17),
 * "17|3" or "17|3|960" (bar|beat|tick), "12.5s" (seconds), "48000f"
 * (frames), a section label ("chorus1"), or a marker's name (looked for
 * after the sections: a section and a marker of one name is the
 * section). Errors say which forms exist. Frames and markers need no
 * tempo map; the rest need the recorder's, or on a session opened
 * without it (control_open_offline()) the session's own (its tempo.map
 * or tempo, at the rate it was last recorded at: RL_ERR_STATE for a
 * session that never ran). A position further than CONTROL_POSITION_MAX
 * from frame 0 is RL_ERR_INVALID. Control thread.
 */
enum rl_status control_parse_position(const struct control *c,
                                      const char *text, int64_t *frame,
                                      struct error *err);

/**
 * Make `file` (anything libsndfile reads) the session's scratch track,
 * its frame 0 at timeline frame `offset`: imported once into the session
 * directory as scratch.wav (scratch-2.wav ... if that exists: nothing is
 * overwritten), converted to the session's rate with libsamplerate if
 * needed, saved in the session's settings, and played on scratch_out and
 * in the cue from now on. RL_ERR_STATE unless started, stopped and no
 * take open. Control thread; the import (and conversion) runs on it.
 */
enum rl_status control_set_scratch(struct control *c, const char *file,
                                   int64_t offset, struct error *err);

/** Move the session's scratch track on the timeline. RL_ERR_STATE if the
 *  session has none, or as control_set_scratch(). Control thread. */
enum rl_status control_set_scratch_offset(struct control *c, int64_t offset,
                                          struct error *err);

/** Level (dB) in the cue mix of playback stream `stream`: 0 is the
 *  scratch, 1.. the keepers (control_keeper_track()), placed by the
 *  track's pan. Remembered in the session (settings.cue_scratch_db, the
 *  track's cue_db). RL_ERR_INVALID: no such stream (none before start),
 *  or a level above +6 dB. Control thread. */
enum rl_status control_set_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err);

/** How many tracks play back a keeper or comp in this run (stream i + 1,
 *  port play_<track>). Control thread. */
size_t control_keeper_count(const struct control *c);
/** The name of the session track keeper stream i + 1 plays, NULL past the
 *  last. Control's (the session's), valid under the lock. Control
 *  thread. */
const char *control_keeper_track(const struct control *c, size_t i);

/** The session's settings (count-in, pre-roll, click), for front-ends'
 *  defaults. Owned by control, valid until control_close(); change them
 *  only through this API. Control thread. */
const struct session_settings *control_settings(const struct control *c);

/** Where the transport is, in the song's terms (for the UI and OSC). */
struct control_position {
	int64_t frame;           /**< timeline frame */
	struct tempo_map_bbt bbt;
	int32_t beats_per_bar, denominator;
	double bpm;              /**< quarter notes per minute */
	char section[TEMPO_MAP_LABEL_MAX + 1]; /**< "" outside every section */
};

/** The transport position now (all zero before
 *  control_start_with_sources()). Control thread. */
void control_position(const struct control *c, struct control_position *out);

/** Playback underruns so far: frames played as silence because the disk
 *  was late, summed over the streams. Control thread. */
uint64_t control_playback_underruns(const struct control *c);

/** The tempo map in use (owned by control; valid until control_close()).
 *  NULL before control_start_with_sources(). Control thread. */
const struct tempo_map *control_tempo_map(const struct control *c);

/** Timeline frame `frame` as the engineer reads it, "bar|beat|tick" in
 *  the tempo map in use ("1|1|0" before there is one), into buf (size
 *  bytes, always terminated). Control thread. */
void control_position_text(const struct control *c, int64_t frame,
                           char *buf, size_t size);

/**
 * Connect one of redlight's outputs (click_out, cue_l, cue_r) to a JACK
 * input port. After control_start_with_sources() (RL_ERR_STATE before).
 * Control thread.
 */
enum rl_status control_connect_output(struct control *c,
                                      enum engine_output output,
                                      const char *dest, struct error *err);

/**
 * The control thread's regular duty: collect finished takes into
 * session.json, keep takes queued for loop passes and cancel those that
 * will never start, stop the take if the disk writer failed, finish it if
 * JACK died or froze (CONTROL_STALL_MS), free what the audio thread let
 * go of, reset the streams once stopped after a keeper or comp change,
 * and save changed levels (at most once a second). session.json is
 * written by the session's saver thread: a finished take is told
 * (control_next_finished(), control_last_take()) once it holds the take,
 * and a write that failed is said in the log once and tried again every
 * second. Returns RL_OK, or the first failure seen (the caller decides
 * whether to quit). Control thread.
 */
enum rl_status control_poll(struct control *c, struct error *err);

/**
 * How long control_poll() lets JACK go without running the process
 * callback while a stop is pending before it gives up on the audio
 * thread and finishes the take at what reached the recorder (RL_ERR_JACK,
 * as if the server had died). Periods are at most a few hundred ms.
 */
#define CONTROL_STALL_MS 3000

/**
 * Block until the take being recorded is finished and saved, polling
 * (a write of session.json that failed is tried once more, waited for,
 * and its failure returned). Use after control_stop() before exiting.
 * Returns even if the JACK server froze: see CONTROL_STALL_MS. Control
 * thread; it holds the lock all the while, so with other front-ends
 * running call control_poll() in a loop instead (as `redlight
 * SESSION_DIR --headless` does).
 */
enum rl_status control_wait_idle(struct control *c, struct error *err);

/** True while a take is open: prepared (counting in, waiting for the
 *  punch-in), recording, or being finished until control_poll() has
 *  collected it. Control thread. */
bool control_busy(struct control *c);

/** Finished takes in order, each once, into *out (the caller's); false
 *  when none is left. If nobody collects them the last 16 are kept.
 *  Control thread. */
bool control_next_finished(struct control *c,
                           struct control_take_summary *out);

/** Number of takes finished since control_open() (loop passes and
 *  splits each count). Control thread. */
uint32_t control_takes_finished(const struct control *c);

/** Summary of the last finished take into *out; false if none finished
 *  yet. Control thread. */
bool control_last_take(const struct control *c,
                       struct control_take_summary *out);

/** Engine state (transport, counters) into *out; all zero before
 *  control_start_with_sources(). Control thread. */
void control_snapshot(const struct control *c, struct engine_snapshot *out);

/** Engine cycle-time statistics into *out; all zero before start.
 *  Control thread. */
void control_cycle_stats(const struct control *c,
                         struct engine_cycle_stats *out);

/** Statistics of a part of the cycles (only with REDLIGHT_CYCLE_CPUTIME=1);
 *  all zero before start. Control thread. */
void control_cycle_part_stats(const struct control *c,
                              enum engine_cycle_part part,
                              struct engine_cycle_stats *out);

/**
 * Cycle statistics split by whether the disk writer was busy during the
 * cycle (only with REDLIGHT_CYCLE_CPUTIME=1); all zero before start.
 * Control thread.
 */
void control_cycle_writer_stats(const struct control *c,
                                struct engine_cycle_stats *during,
                                struct engine_cycle_stats *outside);

/** Sample rate of the JACK server; 0 without one
 *  (control_open_offline()). Any time after control_open(); control
 *  thread. */
uint32_t control_sample_rate(const struct control *c);

/** The JACK server went away and the recorder waits for one to come
 *  back (control_config.reconnect). Control thread. */
bool control_server_lost(const struct control *c);

/** True once control_start_with_sources() has built the recorder (the
 *  engine runs); false before it and for control_open_offline(). Control
 *  thread. */
bool control_started(const struct control *c);

/**
 * Stop everything in order (stop a running take and wait for it, save
 * changed levels, deactivate JACK, stop the writer), free, and release
 * the session's lock last. NULL is a no-op. Main thread, once no other
 * front-end thread calls in. If JACK froze (CONTROL_STALL_MS) the JACK
 * client and what the audio thread uses are left to the process exit on
 * purpose: closing a frozen server's client would block.
 */
void control_close(struct control *c);

/* ---------------------------------------------------------------------- */
/* Front-ends: the terminal UI, the OSC server, the command line          */
/*
 * Several front-ends run at once on threads of their own (the UI or the
 * headless loop on the main thread, the OSC server on its thread). Every
 * call into this API, and every use of what it returns, is then made
 * between control_lock() and control_unlock(): the control functions
 * themselves do not lock (a front-end alone, `redlight record`, needs no
 * lock). The lock is never taken by the audio thread or the disk
 * threads, so holding it never delays the recording -- only the other
 * front-ends. Keep it for microseconds (a command, a status copy), never
 * across a redraw or a socket send.
 */

/** Take the front-ends' lock (a plain mutex, not recursive: never while
 *  holding it). Any front-end thread. */
void control_lock(struct control *c);
/** Release the lock; the thread that took it. */
void control_unlock(struct control *c);

/** How loud a message is. */
enum control_level {
	CONTROL_INFO = 0,    /**< "take 004 started" */
	CONTROL_WARNING = 1, /**< "port in_vox disconnected", xruns */
	CONTROL_ERROR = 2,   /**< "disk full on /srv", a refused command */
};

/** One line for the engineer, with its sequence number (from 1). */
struct control_message {
	uint64_t seq;
	enum control_level level;
	char text[256];
};

/**
 * Tell the engineer something: kept in a ring of the last
 * CONTROL_MESSAGES_KEPT messages, appended to SESSION/redlight.log (with
 * the wall-clock time), and printed on stderr unless control_set_quiet()
 * (a full-screen UI owns the terminal). Front-ends post what they refuse
 * (a wrong OSC message) here too. printf-style. Control thread (the ring
 * and the log are the lock's).
 */
#define CONTROL_MESSAGES_KEPT 64
void control_post(struct control *c, enum control_level level,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Messages go to the log (and the ring) only, not to stderr (quiet), or
 *  to stderr too. Control thread. */
void control_set_quiet(struct control *c, bool quiet);

/**
 * The oldest kept message with a sequence number above `after` (0: the
 * oldest kept), copied into *out. False if there is none. A front-end
 * remembers the last seq it showed. Control thread.
 */
bool control_next_message(const struct control *c, uint64_t after,
                          struct control_message *out);

/**
 * The punch range of the session (settings.punch_*, kept in
 * session.json): timeline frames, ENGINE_NO_FRAME for an end not set.
 * An end applies to a record press (control_record_now()) while it is
 * on: the take starts at punch-in and ends at punch-out (the transport
 * rolls on), as Ardour's punch-in and punch-out switches.
 */
struct control_punch {
	int64_t in, out;
	bool in_on, out_on;
};

/** Everything a front-end shows about the recorder as a whole. */
struct control_status {
	/** The JACK server went away: the recorder waits for one to come
	 *  back (control_config.reconnect); nothing else here is live. */
	bool server_lost;
	enum engine_transport transport;
	bool recording;            /**< the record tally: a take records now */
	bool record_armed;         /**< a record is pending (count-in, waiting
	                                for the punch-in) or recording */
	uint32_t take;             /**< take recording now, 0 if none */
	uint32_t last_take;        /**< the last take finished, 0 if none */
	uint32_t count_in_beats;   /**< beats of count-in still to play */
	struct control_position pos;
	bool click_on;
	bool loop_on;
	int64_t loop_start, loop_end;   /**< timeline frames of the loop
	                                     range (also while off),
	                                     ENGINE_NO_FRAME: unset */
	int64_t punch_in, punch_out;    /**< of the record pending or
	                                     recording, ENGINE_NO_FRAME:
	                                     none */
	bool record_ready;         /**< record-ready: play records */
	struct control_punch punch; /**< the punch range a record press
	                                 uses (control_set_punch()) */
	uint32_t sample_rate;
	uint32_t buffer_size;
	uint64_t xruns;
	uint64_t dropped_frames;   /**< frames lost to full rings, all takes */
	uint64_t playback_underruns;
	double dsp_load_pct;       /**< JACK's DSP load, 0-100 */
	double ring_fill_pct;      /**< the fullest armed track's ring */
	double disk_seconds_left;  /**< record time left on the session's
	                                disk at the armed tracks and format
	                                (INFINITY with nothing armed) */
	uint32_t armed_tracks;     /**< files a take would record now */
	uint32_t track_count;      /**< control tracks (control_tracks()) */
	uint64_t message_seq;      /**< the latest message's seq, 0: none */
};

/** Fill *out. Cheap (atomics and a statvfs at most once a second).
 *  Before control_start_with_sources() only track_count, last_take and
 *  message_seq are set, the rest as if stopped. Control thread. */
void control_status(struct control *c, struct control_status *out);

/** One track as a front-end shows it (a stereo track is one). */
struct control_track {
	uint32_t number;            /**< session track number, from 1: what
	                                 users (and OSC) call the track by */
	char name[SESSION_NAME_MAX];
	char group[32];
	char colour[16];
	char source[2 * SESSION_PORT_MAX + 4]; /**< "PORT" or "L + R" */
	bool stereo;
	bool armed;
	bool rec_safe;
	bool monitor;               /**< input monitoring in the cue */
	double monitor_db;
	double cue_db;              /**< its playback in the cue */
	bool has_input;             /**< this run records it (else it only
	                                 plays back, or is silent) */
	bool input_absent;          /**< this run would record it, but its
	                                 port is not there (or somebody
	                                 disconnected it): "no input", not
	                                 armed until the port is back */
	float peak_dbfs;            /**< meter, with fall-back; -INFINITY */
	float hold_dbfs;            /**< highest peak of the last 2 s */
	uint64_t clips;             /**< samples at full scale this run */
	uint64_t dropped;           /**< frames lost in the current take */
	uint32_t keeper_take;       /**< what it plays back: a take ... */
	uint32_t comp;              /**< ... or a comp (0: none) */
};

/**
 * The session's tracks in session order, up to max into out (out may be
 * NULL with max 0; copies, the caller's); returns how many there are.
 * Control thread.
 */
size_t control_tracks(struct control *c, struct control_track *out,
                      size_t max);

/**
 * Arm or disarm session track `number` (from 1; both channels of a stereo
 * track). Refused: no such track or this run has no input for it
 * (RL_ERR_NOT_FOUND), rec-safe (RL_ERR_STATE), while recording
 * (RL_ERR_STATE: the files of a take are fixed when it starts). Control
 * thread.
 */
enum rl_status control_arm_track(struct control *c, uint32_t number, bool on,
                                 struct error *err);

/** Clear every track's peak hold and clip count (the engineer saw them).
 *  RL_ERR_STATE before start. Control thread. */
enum rl_status control_reset_meters(struct control *c, struct error *err);

/** Session track number of the track called `name`, or of "7" (a number
 *  within the session's tracks): 0 if none. Control thread. */
uint32_t control_find_track(const struct control *c, const char *name);

/** Input monitoring of session track `number` in the cue (control_monitor()
 *  by track number). RL_ERR_NOT_FOUND: no such track, or no input in this
 *  run. Control thread. */
enum rl_status control_monitor_track(struct control *c, uint32_t number,
                                     bool on, double db, struct error *err);

/** Level of session track `number`'s playback in the cue, remembered
 *  (the track's cue_db; live if it plays back in this run). Refused as
 *  session_set_track_cue() refuses. Control thread. */
enum rl_status control_set_track_cue(struct control *c, uint32_t number,
                                     double db, struct error *err);

/**
 * Record with the session's settings (count-in, pre-roll, and the punch
 * range's ends that are on) from where the transport is: what a
 * front-end's record button does. Refused as control_record() refuses.
 * Control thread.
 */
enum rl_status control_record_now(struct control *c, struct error *err);

/* Record-ready and the punch and loop ranges (control_ranges.c): state
 * the front-ends set and show; what a press does with them is decided
 * by the actions (actions.h). Control thread. */

/** Record-ready on or off (Ardour's global record enable): nothing
 *  records by itself, the actions read it. Per run, off at start.
 *  RL_ERR_STATE before start. */
enum rl_status control_set_record_ready(struct control *c, bool on,
                                        struct error *err);

/**
 * Set the session's punch range (*p, as control_status() shows it) and
 * save it. An end not set is off whatever p says. RL_ERR_INVALID: an end
 * before frame 0, or the punch-out not after the punch-in (the message
 * names both); RL_ERR_STATE while a take is open (the range of the take
 * is fixed when it is asked for). A failed save says so, and the range
 * is set all the same.
 */
enum rl_status control_set_punch(struct control *c,
                                 const struct control_punch *p,
                                 struct error *err);

/**
 * Set the loop range (ENGINE_NO_FRAME: that end unset), per run. While
 * looping the loop follows it at once (as control_loop(), so refused
 * while a take is open), and stops if an end is unset. RL_ERR_INVALID:
 * an end before frame 0, or the end not after the start. RL_ERR_STATE
 * before start.
 */
enum rl_status control_set_loop_range(struct control *c, int64_t start,
                                      int64_t end, struct error *err);

/** The timeline frame of the play head, counting a locate already sent
 *  and not yet taken by the audio thread (so "here" right after a
 *  locate is where it went); 0 before start. */
int64_t control_play_head(const struct control *c);

/** The JACK transport mode of this run (control_set_transport_mode()). */
enum jack_transport_mode control_transport_mode(const struct control *c);

/* Takes, from the front-ends: the same rules and refusals as the session
 * functions (session.h), saved at once. A keeper or comp change is heard
 * from the next time the transport stops (control_poll() resets the
 * streams then); a track that had nothing to play when the recorder
 * started gets its play_ port at the next start. All of them: control
 * thread. */

/** The session, for listing takes and comps: control's, valid while
 *  locked; change it only through this API. Control thread. */
const struct session *control_session(const struct control *c);

/**
 * A change to one track, as `redlight tracks` and `new` make them: each
 * set_* (or non-NULL name, or move) applies, in the order of the fields.
 */
struct control_track_change {
	const char *name;           /**< rename to, or NULL */
	bool set_source, set_group, set_colour, set_gain, set_pan,
	     set_rec_safe, set_cue, set_monitor;
	const char *source;         /**< NULL: no input */
	const char *source_right;   /**< a stereo track's right input, or NULL */
	const char *group, *colour; /**< NULL clears */
	double gain_db, pan;
	bool rec_safe;
	double cue_db, monitor_db;
	bool monitor;
	bool move;
	size_t position;            /**< move to this index (from 0) */
};

/**
 * Add a track called `name` (add true; *number is set to it) or change
 * track *number (add false; *number follows it if it moves), then save.
 * All or nothing: if one part is refused nothing is saved and the session
 * is read again from disk. Only between runs (RL_ERR_STATE once the
 * recorder started: its ports and rings are made at start). Control
 * thread.
 */
enum rl_status control_edit_track(struct control *c, bool add,
                                  const char *name,
                                  const struct control_track_change *change,
                                  uint32_t *number, struct error *err);

/** Make `take` the keeper of session track `track_number` (0: of every
 *  track it has), as session_set_keeper(), and save. */
enum rl_status control_take_keep(struct control *c, uint32_t take,
                                 uint32_t track_number, struct error *err);
/** Rate `take` 0 (unrated) to 5, as session_take_set_rating(), and save. */
enum rl_status control_take_rate(struct control *c, uint32_t take,
                                 uint32_t rating, struct error *err);
/** Set the note of `take` (NULL or "" clears it), as
 *  session_take_set_note(), and save. */
enum rl_status control_take_note(struct control *c, uint32_t take,
                                 const char *text, struct error *err);
/** Move `take` to the trash and mark it discarded, as
 *  session_discard_take() (which saves). Nothing is deleted. */
enum rl_status control_take_discard(struct control *c, uint32_t take,
                                    struct error *err);
/** Bring a discarded `take` back from the trash, as
 *  session_restore_take() (which saves); its keeper flags stay off. */
enum rl_status control_take_restore(struct control *c, uint32_t take,
                                    struct error *err);
/**
 * Keeper per section: render a comp of session track `track_number` (see
 * comp_make(): `choices` name a take per tempo-map section, `base_take`
 * 0 is the track's keeper, crossfades of `fade_ms`) with the recorder's
 * tempo map, make it what the track plays, and save. Offline work of a
 * few seconds for a long song, done on the caller's thread: refused while
 * a take is open (RL_ERR_STATE) so it never competes with the disk
 * writer, and before start (RL_ERR_STATE: no tempo map). The comp's
 * number goes to *number. Control thread, holding the lock throughout.
 */
struct comp_choice;
enum rl_status control_make_comp(struct control *c, uint32_t track_number,
                                 uint32_t base_take,
                                 const struct comp_choice *choices,
                                 size_t count, double fade_ms,
                                 uint32_t *number, struct error *err);

/** Make comp `number` what its track plays (on) or set it aside, as
 *  session_use_comp(), and save. Control thread. */
enum rl_status control_use_comp(struct control *c, uint32_t number, bool on,
                                struct error *err);

/**
 * Listen back to `take`: its tracks play its files (even while armed),
 * the other tracks their keepers, or nothing with `alone` (the scratch
 * too); the transport locates to the take's start and plays. At the
 * take's end it stops; once stopped (also by the user) the keepers play
 * again and the transport locates back to where it was before
 * (control_poll() sees to it). Another take while listening keeps that
 * first position. RL_ERR_STATE while recording, looping, or for a take
 * discarded or with nothing to play; RL_ERR_NOT_FOUND: no such take.
 * Control thread.
 */
enum rl_status control_listen_take(struct control *c, uint32_t take,
                                   bool alone, struct error *err);

/** The take being listened back to, 0 if none. Control thread. */
uint32_t control_listening(const struct control *c);

#endif
