/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file disk_reader.h
 * The disk-reader thread: streams the scratch track and the keeper takes
 * from disk into one lock-free ring per stream, ahead of the play head, so
 * the audio thread can play them sample-aligned with the timeline.
 *
 * A stream is one mono signal placed on the session timeline: file frame
 * 0 sits at timeline frame `offset`. Before the file starts and after it
 * ends the stream is silence (the reader writes zeros, so the audio thread
 * never has to know where a file begins).
 *
 * Play position protocol (all inside this module; the engine only calls
 * the REALTIME functions):
 * - The rings hold, for every stream, the samples of consecutive timeline
 *   frames starting at the position of the last disk_reader_locate().
 * - disk_reader_locate(frame) (audio thread) starts a new "epoch": from
 *   that call on the audio thread does not touch the rings until
 *   disk_reader_ready() says the reader has refilled them for the new
 *   position. The reader sees the request (an atomic sequence number plus
 *   the frame, read seqlock-style), empties the rings (safe: the audio
 *   thread is not using them), prefills at least `prefill_frames` of every
 *   stream from the new position, and publishes the epoch as ready
 *   (release). A second locate before the first is served simply
 *   supersedes it.
 * - A stream with no file in an epoch is silence without its ring: the
 *   reader leaves the ring empty and the audio thread writes zeros.
 * - disk_reader_read() (audio thread) takes the next n frames of a stream.
 *   If the ring runs dry (disk too slow) the missing frames are output as
 *   silence, counted as underrun frames, and skipped when they arrive, so
 *   the stream stays aligned with the timeline.
 * - The reader thread is woken by sem_post from disk_reader_read() /
 *   disk_reader_locate() and also wakes every 50 ms by itself; it tops
 *   every ring up to full.
 *
 * Threads: _new, _free, _set_stream, _clear_stream, _import and the stats
 * functions are for the control thread; the REALTIME functions are for
 * the audio thread only (one audio thread). Changing streams:
 * disk_reader_set_stream() / _clear_stream() park the change under the
 * reader's mutex (never the audio thread's business), at any time; it
 * takes effect at the next locate, which the caller sends when it wants
 * the change heard (control locates at once while stopped).
 */
#ifndef REDLIGHT_DISK_READER_H
#define REDLIGHT_DISK_READER_H

#include "redlight/error.h"
#include "redlight/realtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disk_reader_config {
	uint32_t sample_rate;
	uint32_t stream_count;   /**< fixed for the reader's life */
	size_t ring_frames;      /**< per stream; default (0): 4 s */
	size_t prefill_frames;   /**< ready after this much; default (0):
	                              ring_frames / 2 */
};

/** Counters of one stream (any thread, approximate while running). */
struct disk_reader_stats {
	uint64_t underrun_frames; /**< frames played as silence: ring dry */
	uint64_t underruns;       /**< times the ring ran dry */
	size_t ring_fill;         /**< frames ready now */
	bool has_file;
};

struct disk_reader;

/**
 * Allocate the rings (page-touched, mlocked) and start the thread. All
 * streams start empty (silence). All or nothing; the caller owns *out.
 * Control thread.
 */
enum rl_status disk_reader_new(const struct disk_reader_config *config,
                               struct disk_reader **out, struct error *err);

/** Stop the thread and free. NULL is a no-op. After the audio thread
 *  stopped calling in. */
void disk_reader_free(struct disk_reader *r);

/**
 * Play `path` on stream i with its frame 0 at timeline frame `offset`.
 * Any channel count (more than one is mixed to mono: the average of the
 * channels) at the reader's sample rate: another rate is
 * RL_ERR_FORMAT naming both rates and pointing at disk_reader_import().
 * Errors name the path. Takes effect at the next locate. Control thread,
 * rolling or not.
 */
enum rl_status disk_reader_set_stream(struct disk_reader *r, uint32_t i,
                                      const char *path, int64_t offset,
                                      struct error *err);

/** Stream i plays silence from the next locate on. Control thread. */
void disk_reader_clear_stream(struct disk_reader *r, uint32_t i);

/**
 * Convert any file libsndfile reads into a mono float WAV at `rate` (once,
 * with libsamplerate's best sinc converter if the rates differ; a copy
 * otherwise) at dest_path, which must not exist (never overwrite:
 * RL_ERR_EXISTS). Stereo and wider files are mixed down (average of the
 * channels). Errors name the file. Control thread (slow: seconds for a
 * song).
 */
enum rl_status disk_reader_import(const char *src_path, const char *dest_path,
                                  uint32_t rate, struct error *err);

/** Counters of stream i. Any non-RT thread. */
void disk_reader_stats(const struct disk_reader *r, uint32_t i,
                       struct disk_reader_stats *out);

/** Number of streams. Any thread. */
REALTIME uint32_t disk_reader_stream_count(const struct disk_reader *r);

/**
 * Ask for the rings to be refilled from timeline frame `frame`. From now
 * until disk_reader_ready() returns true the audio thread must not call
 * disk_reader_read(). Audio thread only.
 */
REALTIME void disk_reader_locate(struct disk_reader *r, int64_t frame);

/**
 * Locate with a loop: the rings then hold the frames in play order — up
 * to loop_end, then from loop_start again, for ever — so a rolling
 * transport that jumps back at the loop end keeps playing without a gap.
 * The loop applies only if frame < loop_end (a play that starts past the
 * loop runs straight on); loop_end <= loop_start means no loop. The audio
 * thread must end a read on loop_end (cut its cycle there). Audio thread
 * only.
 */
REALTIME void disk_reader_locate_loop(struct disk_reader *r, int64_t frame,
                                      int64_t loop_start, int64_t loop_end);

/**
 * True once the rings hold the data of the last locate (at least
 * prefill_frames of every stream, or everything up to the end of every
 * file). Audio thread only.
 */
REALTIME bool disk_reader_ready(struct disk_reader *r);

/**
 * The timeline frame the next disk_reader_read() of a stream starts at
 * (the last locate plus what has been read since, wrapped at the loop
 * end). Audio thread only.
 */
REALTIME int64_t disk_reader_position(const struct disk_reader *r);

/**
 * Copy the next `nframes` frames of stream i into out (overwrites). Every
 * stream must be read the same number of frames per cycle (call it for
 * every stream, or call disk_reader_skip()). Missing frames become
 * silence and underrun frames (see file comment). Only while ready.
 * Audio thread only.
 */
REALTIME void disk_reader_read(struct disk_reader *r, uint32_t i, float *out,
                               uint32_t nframes);

/**
 * Advance stream i by nframes without copying (an output nobody listens
 * to). Audio thread only.
 */
REALTIME void disk_reader_skip(struct disk_reader *r, uint32_t i,
                               uint32_t nframes);

#endif
