/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file engine.h
 * The real-time engine: one process cycle copies every track that is part
 * of the current take into that track's lock-free ring, keeps the meters,
 * and runs the transport (stopped / recording) on exact frames.
 *
 * It knows nothing of JACK: engine_process() takes an array of input
 * buffers, so tests and benchmarks drive it directly.
 *
 * Threads:
 * - engine_process() and everything marked REALTIME: the audio thread only.
 * - engine_send(): any non-RT thread; senders are serialised by a mutex so
 *   arm and record commands from different front-ends keep one order.
 * - engine_next_event(), engine_track_ring(), engine_track_gaps(),
 *   engine_wait(): the disk writer (the single consumer).
 * - engine_snapshot(), engine_track_meter(): any non-RT thread (atomics).
 *
 * Sample stream contract (engine -> disk writer), per track in a take:
 * the take is `length` frames long (from ENGINE_EVENT_TAKE_STOP). The ring
 * holds the samples that made it; a struct engine_gap in the gap ring says
 * "frames [start, start+length) of this take's stream never made it" and is
 * always pushed before any sample that follows the gap. Frames missing at
 * the end of the take have no gap record: the writer pads up to `length`.
 */
#ifndef REDLIGHT_ENGINE_H
#define REDLIGHT_ENGINE_H

#include "redlight/error.h"
#include "redlight/realtime.h"
#include "redlight/ring.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A sample at or above this magnitude is full scale in 24-bit PCM. */
#define ENGINE_CLIP_LEVEL (8388607.0f / 8388608.0f)

struct engine_config {
	uint32_t track_count;
	uint32_t sample_rate;
	/** Frames each track's ring holds: how long the disk may stall. */
	size_t ring_frames;
	/** Gap records each track can queue before gaps merge. */
	size_t gap_slots;
};

enum engine_transport {
	ENGINE_STOPPED = 0,
	ENGINE_RECORDING = 2,
};

enum engine_command_type {
	ENGINE_CMD_ARM = 1,      /**< track, value: 1 arm, 0 disarm */
	ENGINE_CMD_RECORD,       /**< value: take number; at: clock frame;
	                              length: stop after so many frames
	                              (0: until ENGINE_CMD_STOP) */
	ENGINE_CMD_STOP,         /**< at: clock frame */
	ENGINE_CMD_RESET_METERS, /**< clears peak hold and clip counts */
};

/**
 * A command for the audio thread. `at` is an engine clock frame: the
 * command takes effect on exactly that frame, or on the first frame of the
 * next cycle if that frame has passed (0 = as soon as possible).
 */
struct engine_command {
	uint32_t type;
	uint32_t track;
	int64_t value;
	uint64_t at;
	uint64_t length;
};

enum engine_event_type {
	ENGINE_EVENT_TAKE_START = 1,
	ENGINE_EVENT_TAKE_STOP,
	ENGINE_EVENT_XRUN,       /**< JACK's clock jumped while recording */
};

/** Audio thread -> disk writer, in stream order. */
struct engine_event {
	uint32_t type;
	uint32_t take;
	uint64_t clock_frame;    /**< engine clock frame it happened on */
	uint64_t timeline_frame; /**< TAKE_START, XRUN: timeline position */
	uint64_t length;         /**< TAKE_STOP: frames in every track;
	                              XRUN: frames JACK's clock jumped */
	uint32_t track_count;    /**< TAKE_START: tracks in the take */
	uint32_t pad_;
};

/** Frames of a track's take stream that never reached its ring. */
struct engine_gap {
	uint64_t start;  /**< offset in the take's stream */
	uint64_t length;
};

/** A copy of the engine's published state. */
struct engine_snapshot {
	enum engine_transport transport;
	uint64_t clock;          /**< frames processed since start */
	uint64_t timeline;       /**< transport position */
	uint32_t take;           /**< take being recorded, 0 if none */
	uint64_t take_frames;    /**< frames recorded in the current take */
	uint64_t dropped_frames; /**< total frames lost to full rings */
	uint64_t xruns;
	uint64_t cycles;
	uint32_t events_lost;    /**< takes that could not start (queue full) */
};

/** Meter readings of one track (linear amplitudes). */
struct engine_meter {
	float peak;      /**< with peak-meter fall-back (20 dB in 1.7 s) */
	float hold;      /**< highest peak of the last 2 s */
	uint64_t clips;  /**< samples at full scale since reset */
	uint64_t dropped;/**< frames lost in the current/last take */
	bool armed;
	size_t ring_fill;/**< bytes waiting for the writer */
	size_t ring_size;
};

/** Histogram of process-cycle durations as a share of the period. */
#define ENGINE_LOAD_BUCKETS 2001 /**< 0.05 % steps, last = >= 100 % */
struct engine_cycle_stats {
	uint64_t cycles;
	double median_pct, p99_pct, max_pct;
	double max_us;
};

struct engine;

/**
 * Allocate an engine and all memory the audio thread will touch (rings,
 * per-track state, queues), pre-faulted and mlock()ed. All or nothing.
 * Non-RT; the caller owns the engine (engine_free()).
 */
enum rl_status engine_new(const struct engine_config *config,
                          struct engine **out, struct error *err);

/** Free. engine_free(NULL) is a no-op. Only after the audio thread stopped. */
void engine_free(struct engine *e);

/** True if every ring could be mlock()ed. Non-RT. */
bool engine_memory_locked(const struct engine *e);

/**
 * One process cycle: apply due commands, meter every input, copy the
 * frames of the take into the rings. inputs[t] is track t's buffer of
 * nframes samples. Audio thread only.
 */
REALTIME void engine_process(struct engine *e, const float *const *inputs,
                             uint32_t nframes);

/**
 * JACK's frame clock jumped by `nframes` before this cycle (an xrun).
 * While recording, queue an xrun marker at the current take position for
 * the writer. The audio is not touched: jack2 also jumps its clock when a
 * client merely runs late (it reads the next cycle's time), so a jump
 * does not prove that frames were lost, and padding would then put
 * silence into audio that did arrive. The marker tells the engineer where
 * to listen. Call before engine_process(). Audio thread only.
 */
REALTIME void engine_mark_xrun(struct engine *e, uint32_t nframes);

/**
 * Record a cycle's duration (ns) against its period (ns) into the cycle
 * histogram. Called by the backend around engine_process(). Audio thread.
 */
REALTIME void engine_note_cycle_time(struct engine *e, uint64_t used_ns,
                                     uint64_t period_ns);

/** Count one xrun. Any thread. */
void engine_note_xrun(struct engine *e);

/**
 * Queue a command for the audio thread. RL_ERR_STATE if the queue is full.
 * Any non-RT thread.
 */
enum rl_status engine_send(struct engine *e, const struct engine_command *cmd,
                           struct error *err);

/** Copy the published state. Any non-RT thread. */
void engine_snapshot(const struct engine *e, struct engine_snapshot *out);

/** Meter of track t. Any non-RT thread. */
void engine_track_meter(const struct engine *e, uint32_t t,
                        struct engine_meter *out);

/** Cycle-time statistics so far. Non-RT; approximate while running. */
void engine_cycle_stats(const struct engine *e, struct engine_cycle_stats *out);

uint32_t engine_track_count(const struct engine *e);
uint32_t engine_sample_rate(const struct engine *e);

/* --- Consumer side: the disk writer only. --- */

/** Pop the next event; false if none. Disk writer thread. */
bool engine_next_event(struct engine *e, struct engine_event *out);

/** Track t's sample ring (floats). Disk writer reads it. */
struct ring *engine_track_ring(struct engine *e, uint32_t t);

/** Track t's gap ring (struct engine_gap). Disk writer reads it. */
struct ring *engine_track_gaps(struct engine *e, uint32_t t);

/**
 * Block until the audio thread posts new data or timeout_ms passes.
 * Disk writer thread.
 */
void engine_wait(struct engine *e, unsigned timeout_ms);

/** Wake engine_wait() from a non-RT thread (shutdown, forced stop). */
void engine_wake(struct engine *e);

#endif
