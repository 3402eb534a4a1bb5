/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file disk_writer.h
 * The disk-writer thread: drains every track's ring into that track's
 * take file, pads exactly the frames the audio thread had to drop, keeps
 * headers fresh, and finalizes each take on the frame the engine stopped.
 *
 * Threads: disk_writer_new() starts the thread; the other functions are
 * for the control thread (they take an internal mutex, never touched by
 * the audio thread). The writer is the single consumer of the engine's
 * rings and events.
 *
 * Nothing is lost silently: a dropped block becomes silence of the same
 * length at the same place plus a dropped range in the take's result; a
 * write error (disk full) cuts every file of the take to the same last
 * frame, finalizes them all and reports the path in the result.
 */
#ifndef REDLIGHT_DISK_WRITER_H
#define REDLIGHT_DISK_WRITER_H

#include "redlight/engine.h"
#include "redlight/error.h"
#include "redlight/session.h"
#include "redlight/take_file.h"

#include <stdbool.h>
#include <stdint.h>

struct disk_writer_config {
	enum take_format format;
	uint32_t sample_rate;
	const char *session_name;   /**< for the bext description */
	unsigned header_refresh_ms; /**< 0 = 1000 */
};

/** A file holds one (mono) or two (stereo) engine tracks. */
#define DISK_WRITER_MAX_CHANNELS 2

/** One file of a take about to be recorded. Strings are copied. */
struct disk_writer_track {
	uint32_t engine_track; /**< index into the engine's tracks (the left
	                            channel of a stereo file) */
	uint32_t number;       /**< track number in the session, from 1 */
	const char *name;
	const char *path;      /**< full path of the file to create */
	const char *relpath;   /**< path relative to the session dir */
	uint32_t channels;     /**< 0 or 1: mono; 2: stereo, interleaved */
	uint32_t engine_track_right; /**< the right channel (stereo only) */
};

struct disk_writer;

/**
 * Start the writer thread for engine e. The writer does not own e; e must
 * outlive it. *out is owned by the caller (disk_writer_free()).
 */
enum rl_status disk_writer_new(struct engine *e,
                               const struct disk_writer_config *config,
                               struct disk_writer **out, struct error *err);

/**
 * Stop the thread (after finishing every take it can finish) and free.
 * disk_writer_free(NULL) is a no-op. Control thread.
 */
void disk_writer_free(struct disk_writer *w);

/**
 * Create the files of take `number` now, so that an unwritable path is an
 * error before recording starts rather than after. Call before sending
 * ENGINE_CMD_RECORD for that take; the tracks must be exactly those armed
 * in the engine at that moment (each armed engine track in exactly one
 * file; a stereo file takes two). `latency_correction` (frames: capture plus
 * playback latency) moves the take that much earlier on the timeline (its
 * start_frame, bext time reference and xrun markers), never before frame
 * 0; the result's latency_correction says how much was applied. Control
 * thread.
 */
enum rl_status disk_writer_prepare_take(struct disk_writer *w, uint32_t number,
                                        const struct disk_writer_track *tracks,
                                        size_t count,
                                        uint64_t latency_correction,
                                        struct error *err);

/**
 * The audio thread is gone (JACK server died): finish the take being
 * recorded at the length the engine last published, as if it had stopped
 * there; a take prepared but never started ends empty. Either way its
 * result carries `reason`. Only call once the audio thread can no longer
 * run. Control thread.
 */
void disk_writer_force_stop(struct disk_writer *w, uint64_t length,
                            const char *reason);

/**
 * Forget prepared take `number` that the engine will never start (the
 * transport stopped before its punch-in): its files are closed, empty.
 * Returns false if the writer has already started it (then it finishes
 * normally). Control thread.
 */
bool disk_writer_cancel_take(struct disk_writer *w, uint32_t number);

/**
 * Take the next finished take, if any: fills *out (caller owns it:
 * session_take_cleanup()) with files, peaks, clips, dropped ranges and the
 * end reason. Returns false if none is ready. Control thread.
 */
bool disk_writer_poll(struct disk_writer *w, struct session_take *out);

/**
 * Wait up to timeout_ms for a finished take (then disk_writer_poll()).
 * Returns true if one is ready. Control thread.
 */
bool disk_writer_wait(struct disk_writer *w, unsigned timeout_ms);

/**
 * True if a write error (disk full, I/O error) stopped the current take;
 * copies the message. The control thread then stops the engine. Control
 * thread.
 */
bool disk_writer_failed(struct disk_writer *w, struct error *err);

/** True while a prepared or recording take is not yet finished. */
bool disk_writer_busy(struct disk_writer *w);

#endif
