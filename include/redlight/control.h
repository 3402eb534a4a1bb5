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

/** Defaults: start now, no length, no count-in, pre-roll or punch. */
void control_record_options_init(struct control_record_options *o);

/**
 * Record a take on every armed track: reserves the take number, creates
 * the files, records the take in session.json as incomplete, then tells
 * the audio thread to record. The take starts on one frame for all armed
 * tracks: after the count-in (count_in_bars of click at the tempo and
 * meter of the record point, timeline held), when the rolling timeline
 * reaches punch_in (or at once), and never before timeline 0. With
 * pre_roll_bars the transport first locates that many bars before the
 * record point. It ends at punch_out (transport keeps rolling), after
 * `length` frames (transport stops; the takes of splits and loop passes
 * count together), or on control_stop().
 */
enum rl_status control_record(struct control *c,
                              const struct control_record_options *opt,
                              struct error *err);

/**
 * Stop the transport and any take on engine clock frame `at` (0: the next
 * cycle), on the same frame for every track.
 */
enum rl_status control_stop(struct control *c, uint64_t at,
                            struct error *err);

/** Choose the JACK transport mode before control_start_with_sources()
 *  (the session's setting is a front-end's default). */
void control_set_transport_mode(struct control *c,
                                enum jack_transport_mode mode);

/**
 * Loop [start, end) of the timeline while rolling (on), or stop looping.
 * Recording in a loop makes every pass a take of its own, gapless. Not
 * while recording.
 */
enum rl_status control_loop(struct control *c, bool on, int64_t start,
                            int64_t end, struct error *err);

/** While looping: stop the transport (and the take) exactly where the
 *  current pass ends. */
enum rl_status control_stop_after_pass(struct control *c, struct error *err);

/**
 * While a take records: end it now and start the next take on the same
 * frame (no gap, no overlap). RL_ERR_STATE if nothing records. A call
 * while the audio thread has not yet taken the previous one asks for the
 * same split ("on the next cycle") and adds none.
 */
enum rl_status control_new_take(struct control *c, struct error *err);

/**
 * While a take records: add a marker named `name` (NULL or "": "marker N",
 * N counting the session's markers) to it, at the current timeline
 * position of the take as the engine snapshot shows it (so within one
 * JACK period of "now"). The frame is a timeline frame like the take's
 * start_frame: the latency correction that moves the take earlier moves
 * its markers with it, so a marker sits on the frame of the take's files
 * that was arriving when it was set. It goes into the take's entry in
 * session.json at once (saved now, so a crash keeps it) and stays with
 * the take when it is finished and saved; with splits and loop passes it
 * belongs to the take recording at that frame. RL_ERR_STATE when nothing
 * records, RL_ERR_INVALID for a name that is not 1-63 bytes of UTF-8. If
 * only the save fails, the error says so and the marker is still saved
 * with the take. Control thread.
 */
enum rl_status control_add_marker(struct control *c, const char *name,
                                  struct error *err);

/**
 * The last marker control_add_marker() added (its take's number in *take,
 * name and frame in *out; either may be NULL), for a front-end to show.
 * False if none yet. The frame is the one saved unless the take started
 * within its latency correction of timeline 0, where the shift is only
 * known exactly once the take is finished. Control thread.
 */
bool control_last_marker(const struct control *c, uint32_t *take,
                         struct session_marker *out);

/** Roll from the current position without recording (in follow/master
 *  mode: start JACK's transport). */
enum rl_status control_play(struct control *c, struct error *err);

/**
 * Move the transport to a timeline frame (may be negative: before the
 * song; not with JACK transport). RL_ERR_STATE while a take is recording.
 */
enum rl_status control_locate(struct control *c, int64_t frame,
                              struct error *err);

/** Locate to the first beat of `bar` (from 1) of the tempo map. */
enum rl_status control_locate_bar(struct control *c, int64_t bar,
                                  struct error *err);

/** Locate to the start of song section `label` (RL_ERR_NOT_FOUND lists
 *  the sections). */
enum rl_status control_locate_section(struct control *c, const char *label,
                                      struct error *err);

/** Locate to timeline frame 0. */
enum rl_status control_return_to_start(struct control *c, struct error *err);

/** Click while rolling on or off (the count-in clicks either way). */
enum rl_status control_set_click(struct control *c, bool on,
                                 struct error *err);

/** Level (dB, <= +6; -INFINITY mutes) of click_out or of the click in
 *  the cue mix. Like every level set through the control API it is the
 *  session's from now on (settings.click_level_db / cue_click_db, saved
 *  within a second by control_poll(), and at control_close()). */
enum rl_status control_set_click_level(struct control *c, bool cue,
                                       double db, struct error *err);

/** Input monitoring of track t in the cue mix: level in dB, -INFINITY
 *  (or on == false) for off. Both channels of a stereo track. Remembered
 *  in the session (the track's monitor, monitor_db). */
enum rl_status control_monitor(struct control *c, uint32_t t, bool on,
                               double db, struct error *err);

/**
 * A timeline position from text, as front-ends take it: "17" (bar 17),
 * "17|3" or "17|3|960" (bar|beat|tick), "12.5s" (seconds), "48000f"
 * (frames), or a section label ("chorus1"). Errors say which forms exist.
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
 * in the cue from now on. Only while stopped.
 */
enum rl_status control_set_scratch(struct control *c, const char *file,
                                   int64_t offset, struct error *err);

/** Move the session's scratch track on the timeline. Only while stopped. */
enum rl_status control_set_scratch_offset(struct control *c, int64_t offset,
                                          struct error *err);

/** Level (dB) in the cue mix of playback stream `stream`: 0 is the
 *  scratch, 1.. the keepers (control_keeper_track()). Remembered in the
 *  session (settings.cue_scratch_db, the track's cue_db). */
enum rl_status control_set_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err);

/** Keeper tracks playing back (stream i + 1, port play_<track>). */
size_t control_keeper_count(const struct control *c);
const char *control_keeper_track(const struct control *c, size_t i);

/** The session's settings (count-in, pre-roll, click), for front-ends'
 *  defaults. Owned by control. */
const struct session_settings *control_settings(const struct control *c);

/** Where the transport is, in the song's terms (for the UI and OSC). */
struct control_position {
	int64_t frame;           /**< timeline frame */
	struct tempo_map_bbt bbt;
	int32_t beats_per_bar, denominator;
	double bpm;              /**< quarter notes per minute */
	char section[TEMPO_MAP_LABEL_MAX + 1]; /**< "" outside every section */
};

/** The transport position now. Any time after control_start_with_sources. */
void control_position(const struct control *c, struct control_position *out);

/** Playback underruns so far: frames played as silence because the disk
 *  was late, summed over the streams. */
uint64_t control_playback_underruns(const struct control *c);

/** The tempo map in use (owned by control; valid until control_close()).
 *  NULL before control_start_with_sources(). */
const struct tempo_map *control_tempo_map(const struct control *c);

/**
 * Connect one of redlight's outputs (click_out, cue_l, cue_r) to a JACK
 * input port. After control_start_with_sources().
 */
enum rl_status control_connect_output(struct control *c,
                                      enum engine_output output,
                                      const char *dest, struct error *err);

/**
 * Collect finished takes into session.json, stop the take if the disk
 * writer failed, finish it if JACK died. Returns RL_OK, or the first
 * failure seen (the caller decides whether to quit). Control thread.
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
 * Block until the take being recorded is finished and saved, polling.
 * Use after control_stop() before exiting. Returns even if the JACK
 * server froze: see CONTROL_STALL_MS. Control thread.
 */
enum rl_status control_wait_idle(struct control *c, struct error *err);

/** True while a take is being recorded or finished. */
bool control_busy(struct control *c);

/** Finished takes in order, each once (the last 16 are kept). */
bool control_next_finished(struct control *c,
                           struct control_take_summary *out);

/** Number of takes finished since control_open() (loop passes and
 *  splits each count). */
uint32_t control_takes_finished(const struct control *c);

/** Summary of the last finished take; false if none finished yet. */
bool control_last_take(const struct control *c,
                       struct control_take_summary *out);

/** Engine state (transport, counters). */
void control_snapshot(const struct control *c, struct engine_snapshot *out);

/** Engine cycle-time statistics. */
void control_cycle_stats(const struct control *c,
                         struct engine_cycle_stats *out);

/** Statistics of a part of the cycles (only with REDLIGHT_CYCLE_CPUTIME=1). */
void control_cycle_part_stats(const struct control *c,
                              enum engine_cycle_part part,
                              struct engine_cycle_stats *out);

/**
 * Cycle statistics split by whether the disk writer was busy during the
 * cycle (only with REDLIGHT_CYCLE_CPUTIME=1). Control thread.
 */
void control_cycle_writer_stats(const struct control *c,
                                struct engine_cycle_stats *during,
                                struct engine_cycle_stats *outside);

/** Sample rate of the JACK server. */
uint32_t control_sample_rate(const struct control *c);

/**
 * Stop everything in order (stop a running take and wait for it, then
 * deactivate JACK, stop the writer) and free. NULL is a no-op.
 */
void control_close(struct control *c);

/* ---------------------------------------------------------------------- */
/* Front-ends: the terminal UI, OSC, the headless loop                    */
/*
 * Several front-ends run at once on threads of their own (the UI thread,
 * the OSC server thread, the main loop). Every call into this API, and
 * every use of what it returns, is made between control_lock() and
 * control_unlock(): the control functions themselves do not lock. The
 * lock is never taken by the audio thread or the disk threads, so holding
 * it never delays the recording -- only the other front-ends. Keep it for
 * microseconds (a command, a status copy), never across a redraw or a
 * socket send.
 */

/** Take / release the front-ends' lock (a plain mutex, not recursive). */
void control_lock(struct control *c);
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
 * (a wrong OSC message) here too. printf-style.
 */
#define CONTROL_MESSAGES_KEPT 64
void control_post(struct control *c, enum control_level level,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Messages go to the log (and the ring) only, not to stderr. */
void control_set_quiet(struct control *c, bool quiet);

/**
 * The oldest kept message with a sequence number above `after` (0: the
 * oldest kept). False if there is none. A front-end remembers the last
 * seq it showed.
 */
bool control_next_message(const struct control *c, uint64_t after,
                          struct control_message *out);

/** Everything a front-end shows about the recorder as a whole. */
struct control_status {
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
	int64_t loop_start, loop_end;   /**< timeline frames */
	int64_t punch_in, punch_out;    /**< ENGINE_NO_FRAME: none */
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

/** Fill *out. Cheap (atomics and a statvfs at most once a second). */
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
	float peak_dbfs;            /**< meter, with fall-back; -INFINITY */
	float hold_dbfs;            /**< highest peak of the last 2 s */
	uint64_t clips;             /**< samples at full scale this run */
	uint64_t dropped;           /**< frames lost in the current take */
	uint32_t keeper_take;       /**< what it plays back: a take ... */
	uint32_t comp;              /**< ... or a comp (0: none) */
};

/**
 * The session's tracks in session order, up to max into out (out may be
 * NULL with max 0); returns how many there are.
 */
size_t control_tracks(struct control *c, struct control_track *out,
                      size_t max);

/**
 * Arm or disarm session track `number` (from 1; both channels of a stereo
 * track). Refused: no such track or this run has no input for it
 * (RL_ERR_NOT_FOUND), rec-safe (RL_ERR_STATE), while recording
 * (RL_ERR_STATE: the files of a take are fixed when it starts).
 */
enum rl_status control_arm_track(struct control *c, uint32_t number, bool on,
                                 struct error *err);

/** Clear every track's peak hold and clip count (the engineer saw them). */
enum rl_status control_reset_meters(struct control *c, struct error *err);

/** Session track number of the track called `name`, or of "7": 0 if none. */
uint32_t control_find_track(const struct control *c, const char *name);

/** Input monitoring of session track `number` in the cue (control_monitor()
 *  by track number). */
enum rl_status control_monitor_track(struct control *c, uint32_t number,
                                     bool on, double db, struct error *err);

/** Level of session track `number`'s playback in the cue, remembered
 *  (the track's cue_db; live if it plays back in this run). */
enum rl_status control_set_track_cue(struct control *c, uint32_t number,
                                     double db, struct error *err);

/**
 * Record with the session's settings (count-in, pre-roll) from where the
 * transport is: what a front-end's record button does.
 */
enum rl_status control_record_now(struct control *c, struct error *err);

/* Takes, from the front-ends: the same rules as the session functions
 * (session.h), saved at once. A keeper or comp change is heard from the
 * next time the transport stops (the streams are reset then); a track
 * that had nothing to play when the recorder started gets its play_
 * port at the next start. */

/** The session, for listing takes and comps (valid while locked). */
const struct session *control_session(const struct control *c);

enum rl_status control_take_keep(struct control *c, uint32_t take,
                                 uint32_t track_number, struct error *err);
enum rl_status control_take_rate(struct control *c, uint32_t take,
                                 uint32_t rating, struct error *err);
enum rl_status control_take_note(struct control *c, uint32_t take,
                                 const char *text, struct error *err);
enum rl_status control_take_discard(struct control *c, uint32_t take,
                                    struct error *err);
enum rl_status control_take_restore(struct control *c, uint32_t take,
                                    struct error *err);
/**
 * Keeper per section: render a comp of session track `track_number` (see
 * comp_make(): `choices` name a take per tempo-map section, `base_take`
 * 0 is the track's keeper, crossfades of `fade_ms`) with the recorder's
 * tempo map, make it what the track plays, and save. Offline work of a
 * few seconds for a long song, done on the caller's thread: refused while
 * a take records (RL_ERR_STATE) so it never competes with the disk
 * writer. The comp's number goes to *number.
 */
struct comp_choice;
enum rl_status control_make_comp(struct control *c, uint32_t track_number,
                                 uint32_t base_take,
                                 const struct comp_choice *choices,
                                 size_t count, double fade_ms,
                                 uint32_t *number, struct error *err);

/** Make comp `number` what its track plays (on) or set it aside. */
enum rl_status control_use_comp(struct control *c, uint32_t number, bool on,
                                struct error *err);

#endif
