/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file session.h
 * The session directory on disk: SESSION/session.json (tracks, takes and
 * their files, settings), SESSION/takes/NNN/, SESSION/trash/.
 *
 * Thread: main / control thread only (never RT). A struct session is owned
 * by whoever called session_open(); it is not internally locked.
 *
 * session.json is always written atomically: temp file in the same
 * directory, fsync, rename, fsync of the directory. A malformed file is
 * never overwritten: session_open() reports the file, line/column or the
 * JSON field at fault.
 */
#ifndef REDLIGHT_SESSION_H
#define REDLIGHT_SESSION_H

#include "redlight/error.h"
#include "redlight/take_file.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_NAME_MAX 64
#define SESSION_PORT_MAX 320
#define SESSION_PATH_MAX 4096
/** A take file's path relative to the session: takes/NNN/TT-name.wav is
 *  under 100 bytes. Small because a session of 1000 takes of 32 tracks
 *  holds 32 000 of them: 4096 bytes each made it 134 MB in memory. */
#define SESSION_FILE_PATH_MAX 256
#define SESSION_NOTE_MAX 1024 /**< a take's note: at most 1023 bytes */
#define SESSION_RATING_MAX 5  /**< ratings are 0 (unrated) to 5 */

/** A track of the session. Number = position in tracks[] + 1. */
struct session_track {
	char name[SESSION_NAME_MAX];   /**< unique within the session */
	char source[SESSION_PORT_MAX]; /**< JACK port it records from, or ""
	                                    (a stereo track's left channel) */
	char source_right[SESSION_PORT_MAX]; /**< a stereo track's right
	                                          channel; "" for mono */
	double gain_db;                /**< rough-mix gain, -INFINITY: muted */
	double pan;                    /**< -1 left .. 0 centre .. +1 right */
	char group[32];                /**< "drums", "guitars", ... or "" */
	char colour[16];               /**< "#rrggbb" or a name, or "" */
	bool rec_safe;                 /**< cannot be armed by accident */
	double cue_db;                 /**< its playback in the cue mix, dB
	                                    (<= +6, -INFINITY: off) */
	bool monitor;                  /**< input monitoring in the cue */
	double monitor_db;             /**< its input's level there, dB */
};

/** A run of frames that never reached the disk (ring overrun). */
struct session_dropped_range {
	uint64_t start; /**< timeline frame of the first missing frame */
	uint64_t length;
};

/**
 * Where JACK reported an xrun during a take: its clock jumped by `jump`
 * frames before the cycle recorded at timeline frame `frame`. The audio
 * is left as it arrived (nothing is padded: whether frames were really
 * lost depends on the driver); the marker says where to listen.
 */
struct session_xrun_marker {
	uint64_t frame; /**< timeline frame of the first frame after it */
	uint64_t jump;  /**< frames JACK's clock jumped */
};

/**
 * A named position on the timeline ("verse 2 starts", "bad note"). The
 * session keeps a list of them (session.markers: set while stopped,
 * playing or recording, listed, moved, renamed, used as positions); a
 * take keeps, besides, the ones set while it recorded
 * (control_add_marker(), `redlight record --marker-at`, SIGUSR2), on its
 * own frames.
 */
struct session_marker {
	uint64_t frame;                /**< timeline frame */
	char name[SESSION_NAME_MAX];   /**< at most 63 bytes, UTF-8; unique
	                                    in the session's list */
	uint32_t take;                 /**< in the session's list: the take
	                                    recording when it was set, 0 for
	                                    none; 0 in a take's own list */
};

/** One file of one take (one track). */
struct session_take_file {
	uint32_t track;                 /**< track number, from 1 */
	char track_name[SESSION_NAME_MAX];
	char path[SESSION_FILE_PATH_MAX]; /**< relative to the session
	                                       directory; keeps naming
	                                       takes/NNN/ while the take is
	                                       discarded (the file is then
	                                       under the take's trash_dir) */
	double peak_dbfs;               /**< -INFINITY for silence; JSON null */
	uint64_t clips;
	uint64_t dropped_frames;
	bool keeper;                    /**< this take is the keeper of this
	                                     track; at most one per track
	                                     across the session */
	size_t dropped_range_count;
	struct session_dropped_range *dropped_ranges; /**< owned */
	/** Where the track's source port was gone (unplugged, its client
	 *  quit): the file holds silence there. Timeline frames, as
	 *  dropped_ranges. JSON "no_input_ranges", absent when empty. */
	size_t no_input_range_count;
	struct session_dropped_range *no_input_ranges; /**< owned */
};

/** One take: one record pass over the armed tracks. */
struct session_take {
	uint32_t number;           /**< from 1, never reused */
	char started_at[40];       /**< wall clock, ISO 8601 local with offset */
	uint64_t start_frame;      /**< timeline frame of the first sample,
	                                latency-corrected */
	uint64_t latency_correction; /**< frames the take was moved earlier
	                                  (capture + playback latency) */
	uint64_t length;           /**< frames, same for every file */
	uint32_t sample_rate;
	enum take_format format;
	uint64_t xruns;            /**< JACK xruns while recording */
	uint64_t dropped_frames;   /**< sum over files */
	bool recovered;            /**< repaired by `redlight recover` */
	bool complete;             /**< false while recording / after a crash */
	char end_reason[128];      /**< "", "disk full on …", "JACK server stopped" */
	uint32_t rating;           /**< 0 (unrated, default) to 5 */
	char note[SESSION_NOTE_MAX]; /**< free text, UTF-8, "" for none */
	bool discarded;            /**< moved to the trash (never deleted) */
	char trash_dir[SESSION_NAME_MAX]; /**< where a discarded take's
	                                       directory went, relative to the
	                                       session ("trash/005",
	                                       "trash/005-1"); "" otherwise */
	size_t xrun_marker_count;
	struct session_xrun_marker *xrun_markers; /**< owned */
	size_t marker_count;
	struct session_marker *markers; /**< owned, set while recording */
	size_t file_count;
	struct session_take_file *files; /**< owned */
};

/** Room for a comp piece's sections: "verse1+chorus1" when one take was
 *  chosen for neighbouring sections (a label alone is at most 64 bytes). */
#define SESSION_SECTIONS_MAX 160

/** One stretch of a comp: timeline frames [from, to) come from `take`. */
struct session_comp_piece {
	char section[SESSION_SECTIONS_MAX]; /**< the section(s) chosen for it,
	                                         "" where the base take plays */
	uint32_t take;
	int64_t from, to;
};

/**
 * A rendered comp: one track assembled from several takes, a different
 * take per song section, in a file of its own under comps/ (the takes are
 * never touched). While `active` it is what the track plays back and what
 * a bounce mixes, instead of the keeper take.
 */
struct session_comp {
	uint32_t number;              /**< from 1, never reused */
	uint32_t track;               /**< track number, from 1 (follows the
	                                   track when tracks move) */
	char path[SESSION_PATH_MAX];  /**< relative to the session directory:
	                                   "comps/NNN-TT-name.wav" */
	char created_at[40];          /**< wall clock, ISO 8601 with offset */
	uint64_t start_frame;         /**< timeline frame of its first sample */
	uint64_t length;              /**< frames */
	uint32_t sample_rate;
	enum take_format format;
	uint32_t base_take;           /**< the take heard outside the chosen
	                                   sections */
	uint32_t fade_frames;         /**< crossfade length at each join */
	bool active;                  /**< plays back and bounces; at most one
	                                   per track */
	size_t piece_count;
	struct session_comp_piece *pieces; /**< owned, in timeline order */
};

/**
 * Per-session transport and click settings ("settings" in session.json;
 * every field optional there, defaults as below). Command-line flags
 * override them for one run.
 */
struct session_settings {
	uint32_t count_in_bars;      /**< 0: no count-in */
	uint32_t pre_roll_bars;      /**< 0: no pre-roll */
	bool click;                  /**< click while rolling (default true) */
	bool count_in_click;         /**< the count-in clicks even when the
	                                  click is off for the take (default
	                                  true); false: then it is silent */
	char click_sound[SESSION_PATH_MAX]; /**< "beep" or file(s) */
	double click_level_db;       /**< click_out level, default 0 */
	double tempo_bpm;            /**< without tempo.map, default 120 */
	uint32_t meter_beats;        /**< default 4 */
	uint32_t meter_denominator;  /**< default 4 */
	char jack_transport[16];     /**< "internal", "follow" or "master" */
	char scratch[SESSION_NAME_MAX]; /**< scratch file in the session dir,
	                                     "" for none */
	int64_t scratch_offset;      /**< timeline frame of its frame 0 */
	double cue_click_db;         /**< the click in the cue mix (<= +6,
	                                  -INFINITY: off), default 0 */
	double cue_scratch_db;       /**< the scratch in the cue mix */
	uint32_t osc_port;           /**< UDP port of the OSC server, 0: the
	                                  default (3819) */
	/** The punch range a record press uses (doc/actions.md, "Punch and
	 *  loop ranges"): timeline frames, SESSION_NO_FRAME unset; each end
	 *  applies while it is on. */
	int64_t punch_in, punch_out;
	bool punch_in_on, punch_out_on;
};

/** An unset frame (a punch point); equal to ENGINE_NO_FRAME. */
#define SESSION_NO_FRAME INT64_MIN

/** Fill in the defaults. */
void session_settings_init(struct session_settings *st);

struct session {
	char dir[SESSION_PATH_MAX];  /**< session directory, as given */
	struct session_settings settings;
	uint32_t sample_rate;        /**< 0 until the first take */
	enum take_format format;     /**< default format for new takes */
	size_t track_count;
	struct session_track *tracks; /**< owned */
	size_t take_count;
	struct session_take *takes;   /**< owned, in take-number order */
	size_t comp_count;
	struct session_comp *comps;   /**< owned, in comp-number order */
	size_t marker_count;
	struct session_marker *markers; /**< owned: the timeline's markers,
	                                     in frame order (equal frames in
	                                     the order they were set) */
	struct session_store *store;  /**< the session module's own: the
	                                   last save's text, the saver
	                                   thread (session_save.c) */
};

/**
 * Open the session in dir, creating dir, takes/ and trash/ and an empty
 * session.json if it does not exist yet. A session.json that cannot be
 * parsed is an RL_ERR_FORMAT error naming file, line and column (or the
 * field path, e.g. "takes[2].length: expected an integer") and is left
 * untouched. On success *out is owned by the caller (session_free()).
 */
enum rl_status session_open(const char *dir, struct session **out,
                            struct error *err);

/** Free a session. session_free(NULL) is a no-op. Does not save. */
void session_free(struct session *s);

/** Write session.json atomically. Errors name the path. */
enum rl_status session_save(const struct session *s, struct error *err);

/**
 * From now on s's session.json is written by a thread of its own
 * ("rl-save"; the live recorder starts it): session_save() hands it the
 * text and waits for the write, session_save_later() does not wait.
 * Texts reach the disk in the order they were made. session_free()
 * stops it once everything given to it is written. Call it from the
 * thread that owns s, before other threads save it.
 */
enum rl_status session_saver_start(struct session *s, struct error *err);

/**
 * session_save() for the paths of a take (its entry before it starts,
 * its end, its markers, levels): the text is made now -- a field the
 * loader would refuse is refused now -- and the saver thread writes it
 * without the caller waiting for the disk; a newer save replaces a text
 * not written yet. *seq (may be NULL) numbers this save for
 * session_save_done(). Without a saver thread this is session_save().
 * A failed write is told by session_save_failed().
 */
enum rl_status session_save_later(const struct session *s, uint64_t *seq,
                                  struct error *err);

/** True once save `seq` (session_save_later()) is over, written or
 *  failed; always true without a saver thread. */
bool session_save_done(const struct session *s, uint64_t seq);

/** Wait up to `ms` milliseconds for session_save_done(); its result. */
bool session_save_wait(const struct session *s, uint64_t seq, int ms);

/** Wait up to `ms` milliseconds until every save made so far is over;
 *  true if they are. */
bool session_save_flush(const struct session *s, int ms);

/**
 * True, with the error (path and reason) in *err, if a write of the saver
 * thread failed since the last call (or since a session_save() that
 * reported it). What failed is not tried again by itself: the caller
 * saves again (control does, once a second).
 */
bool session_save_failed(const struct session *s, struct error *err);

/** True while the saver thread's last write failed (until one succeeds);
 *  false without a saver thread. */
bool session_save_failing(const struct session *s);

/** Find a track by name; returns its index or -1. */
int session_find_track(const struct session *s, const char *name);

/**
 * Append a track. name must be unique and non-empty (RL_ERR_EXISTS /
 * RL_ERR_INVALID otherwise); source may be NULL. Returns its index in
 * *index if index is not NULL.
 */
enum rl_status session_add_track(struct session *s, const char *name,
                                 const char *source, size_t *index,
                                 struct error *err);

/**
 * Reserve the next take number and create its directory takes/NNN
 * (mkdir, so two processes can never get the same one). The number is one
 * above the highest ever used: in session.json, under takes/ and under
 * trash/. Writes the number and the directory's path (absolute or
 * relative to the cwd, as dir was given) to the outputs.
 */
enum rl_status session_reserve_take(struct session *s, uint32_t *number,
                                    char *take_dir, size_t take_dir_size,
                                    struct error *err);

/**
 * File path of track `track_number` (from 1) named `track_name` in take
 * `take_number`, relative to the session directory:
 * "takes/NNN/TT-name.wav". Characters that are unsafe in file names
 * ('/', control characters, leading '.') are replaced by '_'.
 */
void session_take_file_relpath(uint32_t take_number, uint32_t track_number,
                               const char *track_name, char *out,
                               size_t out_size);

/**
 * Append a take (deep copy: files and their dropped ranges are copied; the
 * caller keeps ownership of *take). If a take with the same number exists
 * it is replaced (used to update a take while it records and when it
 * completes).
 */
enum rl_status session_put_take(struct session *s,
                                const struct session_take *take,
                                struct error *err);

/** Find a take by number, or NULL. */
struct session_take *session_find_take(struct session *s, uint32_t number);

/** Remove take `number` from the session (not from disk); no-op if it is
 *  not there. Does not save. */
void session_remove_take(struct session *s, uint32_t number);

/**
 * Take folders under takes/ that session.json does not name -- a crash
 * between a take's start and the save of its entry, which follows it by
 * milliseconds -- made takes of s again from their files: the folder's
 * number, each TT-name.wav's track (named as the session's track TT now,
 * else as the file), the bext start frame and date, the rate and format,
 * the frames every file has (each header repaired first,
 * take_file_recover()), levels read back. Marked complete and recovered,
 * with an end_reason that says so. A folder without a take file is left
 * as it is. Up to `max` numbers adopted go to numbers[], *count of them;
 * the caller saves. A folder that cannot be adopted (a file that is not
 * a take file redlight could have written) is the error returned, naming
 * it; the others are adopted all the same. Main thread.
 */
enum rl_status session_adopt_take_dirs(struct session *s, uint32_t *numbers,
                                       size_t max, size_t *count,
                                       struct error *err);

/** Peak (dBFS) and clip count of the take file at `path`, read back from
 *  disk, into f; f is left as it is if the file cannot be read. */
void session_scan_levels(const char *path, struct session_take_file *f);

/**
 * Move the directory takes/NNN to trash/NNN (trash/NNN-1, ... if that
 * exists): redlight never deletes a take, and nothing already in the
 * trash is ever replaced. Errors name both paths. Does not change the
 * session (see session_discard_take() for that).
 */
enum rl_status session_trash_take_dir(const struct session *s,
                                      uint32_t number, struct error *err);

/**
 * session_trash_take_dir() that also reports where the directory went,
 * relative to the session directory ("trash/005" or "trash/005-1"), in
 * trash_dir (trash_dir_size bytes; SESSION_NAME_MAX is always enough).
 * trash_dir may be NULL.
 */
enum rl_status session_trash_take_dir_to(const struct session *s,
                                         uint32_t number, char *trash_dir,
                                         size_t trash_dir_size,
                                         struct error *err);

/* ---------------------------------------------------------------------- */
/* Track edits: name, order, input, group, colour, rec-safe, gain, pan    */
/*
 * All of these: control / main thread only, never RT (a recorder that has
 * the session open must not have its tracks changed under it: callers hold
 * the session lock, see session_lock.h). `index` is the track's position
 * in tracks[] (track number - 1). A refusal returns an RL_ERR_* status
 * with one line naming the track ("track 2 (snare): ...") and leaves the
 * session exactly as it was. None of them saves: call session_save().
 */

#define SESSION_TRACK_GAIN_MAX_DB 24.0 /**< loudest rough-mix gain */

/**
 * True if text is valid UTF-8 by the rules session.json is written with
 * (jansson's: no overlong forms, no surrogates, nothing above U+10FFFF).
 * NULL is not valid. Any thread.
 */
bool session_utf8_valid(const char *text);

/**
 * True if `port` may be a track's input: a JACK port name CLIENT:PORT
 * (both parts non-empty), at most SESSION_PORT_MAX - 1 bytes of valid
 * UTF-8 without control characters. The rule session_set_track_sources()
 * applies (before its check that no other track has the port), for
 * readers that check first and act later (templates). Any thread.
 */
bool session_port_name_valid(const char *port);

/**
 * Check a name a track could be given (added or renamed to): non-empty,
 * at most SESSION_NAME_MAX - 1 bytes, valid UTF-8, no '/' and no control
 * characters (RL_ERR_INVALID), and no other track of s has it
 * (RL_ERR_EXISTS). Changes nothing.
 */
enum rl_status session_check_track_name(const struct session *s,
                                        const char *name, struct error *err);

/**
 * Rename track `index` to new_name (rules of session_check_track_name();
 * its own current name is accepted and changes nothing). The
 * track_name of every take file of the track follows the new name; the
 * files' paths keep the name they were recorded with: nothing is renamed
 * on disk. Does not save.
 */
enum rl_status session_rename_track(struct session *s, size_t index,
                                    const char *new_name, struct error *err);

/**
 * Move track `from_index` to position `to_index` (both < track_count;
 * RL_ERR_NOT_FOUND otherwise); the tracks between shift by one. Track
 * numbers are positions + 1, so the `track` number of every take file and
 * comp is renumbered: each file (with its keeper flag) and each comp (with
 * its active flag) stays with the track it belongs to. Paths on disk keep
 * their old TT- prefix. Does not save.
 */
enum rl_status session_move_track(struct session *s, size_t from_index,
                                  size_t to_index, struct error *err);

/**
 * Set the JACK port track `index` records from, making it a mono track
 * (a stereo track's source_right is cleared): "CLIENT:PORT", at most
 * SESSION_PORT_MAX - 1 bytes of UTF-8 without control characters
 * (RL_ERR_INVALID), not an input (left or right) of another track
 * (RL_ERR_EXISTS: the recorder routes a port to the first track that
 * names it, so a second one would never record). NULL or "" clears it.
 * The port need not exist now. Does not save.
 */
enum rl_status session_set_track_source(struct session *s, size_t index,
                                        const char *port, struct error *err);

/**
 * Set both inputs of track `index`: `left` as for
 * session_set_track_source(), and `right` (NULL or "": none, the track is
 * mono) makes it a stereo track recording one two-channel file a take.
 * The right port follows the same rules, must differ from the left, and
 * needs a left one (RL_ERR_INVALID). Does not save.
 */
enum rl_status session_set_track_sources(struct session *s, size_t index,
                                         const char *left, const char *right,
                                         struct error *err);

/**
 * Set the group of track `index` ("drums", "guitars"; NULL or "" for
 * none): at most 31 bytes of UTF-8 without control characters
 * (RL_ERR_INVALID). Does not save.
 */
enum rl_status session_set_track_group(struct session *s, size_t index,
                                       const char *group, struct error *err);

/**
 * Set the colour of track `index`: "#rrggbb" (hex digits, either case) or
 * one of red, green, blue, yellow, magenta, cyan, white, orange, purple
 * (either case); stored in lower case. NULL or "" clears it. Anything
 * else is RL_ERR_INVALID. Does not save.
 */
enum rl_status session_set_track_colour(struct session *s, size_t index,
                                        const char *colour, struct error *err);

/** True if colour is one session_set_track_colour() accepts (not ""). */
bool session_colour_valid(const char *colour);

/** Make track `index` rec-safe (it is never armed) or not. Does not save. */
enum rl_status session_set_track_rec_safe(struct session *s, size_t index,
                                          bool rec_safe, struct error *err);

/**
 * Set the rough-mix gain of track `index` in dB: -INFINITY mutes; NaN and
 * anything above SESSION_TRACK_GAIN_MAX_DB are RL_ERR_INVALID. Does not
 * save.
 */
enum rl_status session_set_track_gain(struct session *s, size_t index,
                                      double gain_db, struct error *err);

/**
 * Set the rough-mix pan of track `index`: -1 (left) to +1 (right), 0 is
 * the centre; NaN or outside the range is RL_ERR_INVALID. Does not save.
 */
enum rl_status session_set_track_pan(struct session *s, size_t index,
                                     double pan, struct error *err);

/** Loudest level of anything in the cue mix, dB (as the engine takes it). */
#define SESSION_CUE_MAX_DB 6.0

/**
 * The cue (headphone) mix of track `index`: the level of its playback
 * there (`cue_db`), and whether its input is monitored there and at what
 * level. Levels: -INFINITY is off; NaN or above SESSION_CUE_MAX_DB is
 * RL_ERR_INVALID. Does not save; a running recorder takes them at its
 * next start (the control API changes them live).
 */
enum rl_status session_set_track_cue(struct session *s, size_t index,
                                     double cue_db, struct error *err);
enum rl_status session_set_track_monitor(struct session *s, size_t index,
                                         bool on, double db,
                                         struct error *err);

/* ---------------------------------------------------------------------- */
/* Take metadata: rating, note, keeper, discard/restore, headroom         */

/**
 * Rate take `number` 0 (unrated) to 5. RL_ERR_NOT_FOUND if there is no
 * such take, RL_ERR_INVALID for a rating above 5. Does not save.
 */
enum rl_status session_take_set_rating(struct session *s, uint32_t number,
                                       uint32_t rating, struct error *err);

/**
 * Set the note of take `number` (NULL or "" clears it). The text must be
 * valid UTF-8 and at most SESSION_NOTE_MAX - 1 bytes (RL_ERR_INVALID).
 * Does not save.
 */
enum rl_status session_take_set_note(struct session *s, uint32_t number,
                                     const char *text, struct error *err);

/**
 * Append a marker at timeline frame `frame` named `name` (non-empty, at
 * most SESSION_NAME_MAX - 1 bytes of valid UTF-8: RL_ERR_INVALID) to take
 * `number` (RL_ERR_NOT_FOUND if there is none). Markers keep the order
 * they were added in. Does not save.
 */
enum rl_status session_take_add_marker(struct session *s, uint32_t number,
                                       uint64_t frame, const char *name,
                                       struct error *err);

/**
 * Make take `number` the keeper of track `track_number` (from 1): its
 * file of that track gets the keeper flag, and the flag of that track is
 * cleared in every other take, and the track's active comp (if any) is
 * set aside: the latest choice is what plays. track_number 0: every
 * track of that take.
 * Refused, with the session unchanged: no such take (RL_ERR_NOT_FOUND),
 * the take is discarded or not complete (RL_ERR_STATE), the take has no
 * file of that track (RL_ERR_NOT_FOUND). Does not save.
 */
enum rl_status session_set_keeper(struct session *s, uint32_t number,
                                  uint32_t track_number, struct error *err);

/**
 * The take that plays back on track `track_number` (from 1): the take
 * whose file of that track is flagged keeper; without one, the latest
 * (highest-numbered) complete, non-discarded take with a non-empty file
 * of that track. NULL if there is none. *file (if file is not NULL) is
 * set to that take's file of the track, or NULL.
 */
const struct session_take *
session_keeper_of(const struct session *s, uint32_t track_number,
                  const struct session_take_file **file);

/**
 * Discard take `number`: move takes/NNN to the trash
 * (session_trash_take_dir_to()), set discarded and trash_dir, clear its
 * keeper flags (the tracks fall back to the latest other take), and save
 * session.json, so the file and the directories never disagree for
 * longer than a crash between the two (if the save fails, the directory
 * is moved back). Nothing is deleted. Refused: no such take
 * (RL_ERR_NOT_FOUND), already discarded or not complete -- still
 * recording, or cut off by a crash and not yet recovered (RL_ERR_STATE).
 */
enum rl_status session_discard_take(struct session *s, uint32_t number,
                                    struct error *err);

/**
 * Undo session_discard_take(): move the take's trash_dir back to
 * takes/NNN (refused with RL_ERR_EXISTS if takes/NNN exists), clear
 * discarded and trash_dir, and save session.json (moving the directory
 * back to the trash if the save fails). Keeper flags are not brought
 * back. RL_ERR_STATE if the take is not discarded.
 */
enum rl_status session_restore_take(struct session *s, uint32_t number,
                                    struct error *err);

/**
 * Level check of a take's files. Studio practice: peaks between -18 and
 * -6 dBFS leave comfortable headroom; above SESSION_HOT_DBFS a take is
 * "hot" (one louder performance from clipping), and any clipped sample
 * (at the format's full scale) is a "clip".
 */
#define SESSION_HOT_DBFS (-3.0)

enum {
	SESSION_HEADROOM_HOT = 1u << 0,  /**< peak_dbfs > SESSION_HOT_DBFS */
	SESSION_HEADROOM_CLIP = 1u << 1, /**< clips > 0 */
};

/** One line of a headroom report: one file of a take. */
struct session_headroom {
	uint32_t track;          /**< track number, from 1 */
	const char *track_name;  /**< points into the take */
	double peak_dbfs;        /**< -INFINITY for silence */
	uint64_t clips;
	unsigned flags;          /**< SESSION_HEADROOM_* */
};

/** SESSION_HEADROOM_* flags of one file. */
unsigned session_headroom_flags(const struct session_take_file *f);

/**
 * Fill out[0 .. max-1] with one line per file of take t, in file order.
 * Returns t's file count (which may exceed max: then only max lines are
 * filled). out may be NULL when max is 0.
 */
size_t session_headroom(const struct session_take *t,
                        struct session_headroom *out, size_t max);

/** "clip" (clips, whatever the peak), "hot" or "ok", for flags. */
const char *session_headroom_label(unsigned flags);

/* ---------------------------------------------------------------------- */
/* Comps and what each track plays back                                   */

/**
 * Reserve the next comp number and its file path for track `track_number`
 * (from 1): one above the highest in session.json and under comps/
 * (created if missing). Writes "comps/NNN-TT-name.wav" (relative to the
 * session directory) to relpath. The file itself is not created: the
 * renderer creates it exclusively, so a number raced by another process
 * fails cleanly instead of overwriting. Control thread. Does not save.
 */
enum rl_status session_reserve_comp(struct session *s, uint32_t track_number,
                                    uint32_t *number, char *relpath,
                                    size_t relpath_size, struct error *err);

/**
 * Add a rendered comp (deep copy; the caller keeps *comp). RL_ERR_EXISTS
 * if its number is taken, RL_ERR_INVALID for a track that does not exist
 * or pieces out of order. If comp->active, every other comp of its track
 * is deactivated. Does not save.
 */
enum rl_status session_put_comp(struct session *s,
                                const struct session_comp *comp,
                                struct error *err);

/** Find a comp by number, or NULL. */
struct session_comp *session_find_comp(struct session *s, uint32_t number);

/**
 * Make comp `number` what its track plays back (on), or stop using it
 * (off: the track plays its keeper take again). RL_ERR_NOT_FOUND if there
 * is no such comp. Does not save.
 */
enum rl_status session_use_comp(struct session *s, uint32_t number, bool on,
                                struct error *err);

/** The active comp of track `track_number`, or NULL. */
const struct session_comp *session_active_comp(const struct session *s,
                                               uint32_t track_number);

/** What a track plays back and bounces: a comp or a take's file. */
struct session_playback {
	const char *path;       /**< relative to the session directory; points
	                             into the session */
	uint64_t start_frame;   /**< timeline frame of the file's frame 0 */
	uint32_t take;          /**< the take, 0 for a comp */
	uint32_t comp;          /**< the comp, 0 for a take */
};

/**
 * What track `track_number` (from 1) plays: its active comp if it has
 * one, else its keeper take's file (session_keeper_of()). False, with
 * *out zeroed, if it has neither.
 */
bool session_playback_of(const struct session *s, uint32_t track_number,
                         struct session_playback *out);

/* ---------------------------------------------------------------------- */
/* Timeline markers (session_markers.c)                                   */
/*
 * The session's markers: named timeline frames, in session.json's
 * top-level "markers" list as {"name", "frame", "take"} (take 0: set
 * outside a take). Names are unique, so a name is how a user (and an
 * exporter) refers to one. Control / main thread. None of these saves.
 */

/**
 * Check a name a marker could be given: non-empty, at most
 * SESSION_NAME_MAX - 1 bytes of valid UTF-8 without control characters
 * or ':' (a loop range is "START:END"), and not written like a position
 * ("17", "17|3", "12.5s", "48000f": it could never be told from one)
 * -- RL_ERR_INVALID; and no other marker has it (RL_ERR_EXISTS).
 */
enum rl_status session_check_marker_name(const struct session *s,
                                         const char *name,
                                         struct error *err);

/** The index of the marker called `name` in s->markers, or -1. */
int session_find_marker(const struct session *s, const char *name);

/** "marker N" for the next marker: N one above the number of markers,
 *  or the first after it that no marker has. */
void session_marker_default_name(const struct session *s,
                                 char out[SESSION_NAME_MAX]);

/**
 * `name` if no marker has it, else "name 2", "name 3", ... (shortened
 * to fit): for markers that must not be refused (set while recording,
 * read from a take of an older session.json).
 */
void session_marker_unique_name(const struct session *s, const char *name,
                                char out[SESSION_NAME_MAX]);

/**
 * Add a marker at timeline frame `frame` called `name` (NULL or "":
 * session_marker_default_name()), set in take `take` (0: none). The
 * name must pass session_check_marker_name(). Its index in s->markers
 * goes to *index (may be NULL).
 */
enum rl_status session_add_marker(struct session *s, uint64_t frame,
                                  const char *name, uint32_t take,
                                  size_t *index, struct error *err);

/** Move marker `index` to `frame` (the list stays in frame order; its
 *  new index goes to *index). RL_ERR_NOT_FOUND for no such index. */
enum rl_status session_move_marker(struct session *s, size_t *index,
                                   uint64_t frame, struct error *err);

/** Rename marker `index` (rules of session_check_marker_name(); its own
 *  name is accepted and changes nothing). */
enum rl_status session_rename_marker(struct session *s, size_t index,
                                     const char *name, struct error *err);

/** Remove marker `index` from the list; RL_ERR_NOT_FOUND if none. A take's
 *  own list keeps the markers set while it recorded. */
enum rl_status session_remove_marker(struct session *s, size_t index,
                                     struct error *err);

/** Free what a session_comp owns (its pieces); not the struct itself. */
void session_comp_cleanup(struct session_comp *comp);

/** Free what a session_take owns (files, ranges, xrun markers, markers);
 * not the struct itself. */
void session_take_cleanup(struct session_take *take);

#endif
