/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file engine.h
 * The real-time engine: one process cycle runs the transport (stopped,
 * count-in, rolling, recording) on exact frames, copies every track that
 * is part of the current take into that track's lock-free ring, keeps the
 * meters, and renders the click and the cue mix.
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

/** "No frame": an unset punch point. */
#define ENGINE_NO_FRAME INT64_MIN

struct disk_reader;
struct tempo_map;
struct tempo_map_bbt;
struct tempo_map_beat;
struct click;

struct engine_config {
	uint32_t track_count;
	uint32_t sample_rate;
	/** Frames each track's ring holds: how long the disk may stall. */
	size_t ring_frames;
	/** Gap records each track can queue before gaps merge. */
	size_t gap_slots;
	/** Pre-record: while no take records, keep the last so many frames
	 *  of every track; a take that starts from a RECORD then begins with
	 *  them (0: off). */
	size_t pre_record_frames;
	/** Playback streams (scratch, keeper takes), or NULL. Not owned;
	 *  must outlive the engine. Stream i plays on output
	 *  ENGINE_OUT_COUNT + i. */
	struct disk_reader *reader;
	/** Per stream (stream_count of the reader), the track whose keeper
	 *  it plays, or ENGINE_NO_TRACK (the scratch; a track not recorded
	 *  in this run). While that track is armed the stream is silent (it
	 *  still advances): the performer hears the input, not the take
	 *  being replaced. Copied; NULL means no stream has a track. */
	const uint32_t *stream_track;
};

/** engine_config.stream_track: the stream belongs to no recorded track. */
#define ENGINE_NO_TRACK UINT32_MAX

/**
 * Transport states. Recording implies rolling; COUNT_IN plays the count-in
 * click with the timeline held at the record point.
 */
enum engine_transport {
	ENGINE_STOPPED = 0,
	ENGINE_ROLLING = 1,
	ENGINE_RECORDING = 2,
	ENGINE_COUNT_IN = 3,
};

/** Output buffers engine_process() fills (any may be NULL); the
 *  playback streams follow at ENGINE_OUT_COUNT + stream. */
enum engine_output {
	ENGINE_OUT_CLICK = 0,
	ENGINE_OUT_CUE_L,
	ENGINE_OUT_CUE_R,
	ENGINE_OUT_COUNT,
};

/** Levels the audio thread mixes with (ENGINE_CMD_SET_LEVEL .track). */
enum engine_level {
	ENGINE_LEVEL_CLICK = 0,     /**< click_out gain (count-in too) */
	ENGINE_LEVEL_CUE_CLICK,     /**< click in the cue mix */
	ENGINE_LEVEL_COUNT,
};

enum engine_command_type {
	ENGINE_CMD_ARM = 1,      /**< track, value: 1 arm, 0 disarm */
	ENGINE_CMD_RECORD,       /**< record enable + roll; see below */
	ENGINE_CMD_STOP,         /**< at: clock frame; stops transport and take;
	                              value 1 while looping: stop where the
	                              current pass ends (the loop end) */
	ENGINE_CMD_RESET_METERS, /**< clears peak hold and clip counts */
	ENGINE_CMD_PLAY,         /**< at: clock frame; roll without recording */
	ENGINE_CMD_LOCATE,       /**< value: timeline frame; ignored while a
	                              take records */
	ENGINE_CMD_SET_CLICK,    /**< map, click: the song's map and sound
	                              (NULL map: no click); old ones retire */
	ENGINE_CMD_CLICK_ON,     /**< value: click while rolling (1) or not */
	ENGINE_CMD_SET_LEVEL,    /**< track: enum engine_level, level: gain */
	ENGINE_CMD_MONITOR,      /**< track, level / level_right: its gains
	                              in the cue's left / right (0 = not
	                              monitored) */
	ENGINE_CMD_STREAM_LEVEL, /**< track: playback stream, level /
	                              level_right: its gains in the cue's
	                              left / right */
	ENGINE_CMD_LOOP,         /**< value 1: loop [punch_in, punch_out) of
	                              the timeline while rolling; 0: off */
	ENGINE_CMD_QUEUE_TAKE,   /**< value: take number for the next take a
	                              loop pass or a split starts */
	ENGINE_CMD_NEW_TAKE,     /**< at: end the take on that clock frame and
	                              start the next queued one on the same
	                              frame (no gap, no overlap) */
	ENGINE_CMD_FOLLOW,       /**< value 1: follow the transport given by
	                              engine_follow_transport() (JACK's);
	                              0: internal transport */
	ENGINE_CMD_INPUT_MARK,   /**< track: its source port went away
	                              (value 0) or is back (1): the take it
	                              records gets an ENGINE_EVENT_INPUT at
	                              the frame its input buffer changed
	                              (see engine_process()) */
	ENGINE_CMD_STREAM_TRACK, /**< track: playback stream, value: the
	                              track that mutes it while armed, or
	                              ENGINE_NO_TRACK (as
	                              engine_config.stream_track) */
};

/**
 * A command for the audio thread. `at` is an engine clock frame: the
 * command takes effect on exactly that frame, or on the first frame of the
 * next cycle if that frame has passed (0 = as soon as possible).
 *
 * ENGINE_CMD_RECORD: value = take number; enables recording and starts the
 * transport (after `count_in` frames of the count-in click rendered from
 * `map`, with the timeline held, if count_in > 0). The take starts when
 * the rolling timeline is inside [punch_in, punch_out) (ENGINE_NO_FRAME:
 * open end) and at or after frame 0, on that exact frame for every armed
 * track; it ends at punch_out (the transport keeps rolling), once the
 * RECORD has recorded `length` frames (0: no limit; the transport stops
 * too; the takes of splits and loop passes count together, so a split
 * never lengthens the recording), or on STOP. The count-in map is the engine's until it retires it.
 *
 * Loop recording: when the rolling timeline reaches the loop end it
 * continues at the loop start on the next frame. A take running there
 * ends at the loop end and the next queued take (ENGINE_CMD_QUEUE_TAKE)
 * starts at the loop start, so passes are gapless; with punch points each
 * pass records its punch range into the next queued take. With no take
 * queued, recording ends and the transport keeps looping.
 */
struct engine_command {
	uint32_t type;
	uint32_t track;
	int64_t value;
	uint64_t at;
	uint64_t length;
	int64_t punch_in;
	int64_t punch_out;
	uint64_t count_in;
	const struct tempo_map *map;
	const struct click *click;
	float level;
	/** RECORD: the count-in clicks only while the click is on (it holds
	 *  the timeline all the same); false: it always clicks. */
	bool silent_count_in;
	/** MONITOR, STREAM_LEVEL: the right side's gain; negative (the
	 *  default): the same as level, a source in the centre. */
	float level_right;
};

/**
 * Fill in a command's defaults (no punch points, no count-in). Any thread.
 */
void engine_command_init(struct engine_command *cmd, uint32_t type);

enum engine_event_type {
	ENGINE_EVENT_TAKE_START = 1,
	ENGINE_EVENT_TAKE_STOP,
	ENGINE_EVENT_XRUN,       /**< JACK's clock jumped while recording */
	ENGINE_EVENT_INPUT,      /**< a track of the take lost its source
	                              port (length 0) or got it back (1) */
};

/** Audio thread -> disk writer, in stream order. */
struct engine_event {
	uint32_t type;
	uint32_t take;
	uint64_t clock_frame;    /**< engine clock frame it happened on */
	uint64_t timeline_frame; /**< TAKE_START, XRUN, INPUT: timeline
	                              position */
	uint64_t length;         /**< TAKE_STOP: frames in every track;
	                              XRUN: frames JACK's clock jumped;
	                              INPUT: 1 connected, 0 lost */
	uint32_t track_count;    /**< TAKE_START: tracks in the take */
	uint32_t track;          /**< INPUT: the engine track */
	uint64_t pre_frames;     /**< TAKE_START: frames of pre-record that
	                              come before the ring's samples, from the
	                              history (engine_track_history()) ending
	                              at history frame `history_end` */
	uint64_t history_end;
	uint64_t stream_base;    /**< TAKE_START: engine_captured_frames()
	                              when it started */
};

/** Frames of a track's take stream that never reached its ring. */
struct engine_gap {
	uint64_t start;  /**< offset in the take's stream */
	uint64_t length;
	uint32_t take;   /**< the take whose stream it is in: after a split
	                      or a loop pass the next take's gap may be
	                      queued while the writer still drains the last
	                      take's samples */
};

/** A copy of the engine's published state. */
struct engine_snapshot {
	enum engine_transport transport;
	uint64_t clock;          /**< frames processed since start */
	int64_t timeline;        /**< transport position (frames) */
	bool record_enabled;     /**< a RECORD is active (due at a later
	                              frame, waiting for its punch-in,
	                              counting in, or recording) */
	bool click_on;
	uint64_t count_in_left;  /**< frames of count-in still to play */
	int64_t punch_in, punch_out; /**< of the active RECORD */
	bool loop_on;
	int64_t loop_start, loop_end;
	uint32_t takes_queued;   /**< take numbers waiting for a pass/split */
	uint32_t take;           /**< take being recorded, 0 if none */
	uint64_t take_frames;    /**< frames recorded in the current take */
	uint64_t dropped_frames; /**< total frames lost to full rings */
	uint64_t xruns;
	uint64_t cycles;
	uint32_t events_lost;    /**< takes that could not start (queue full) */
	uint32_t last_started_take; /**< number of the last take started */
	uint64_t commands_applied;  /**< commands the audio thread has taken */
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
	double p90_pct, p95_pct, p999_pct; /**< the shape of the tail */
	double max_us;
};

/**
 * What the benchmark's measurement mode times of each cycle besides its
 * wall time: telling whose time a slow cycle was.
 */
enum engine_cycle_part {
	ENGINE_PART_CPU,     /**< the thread's own CPU time for the cycle
	                          (CLOCK_THREAD_CPUTIME_ID: leaves out the time
	                          it was preempted) */
	ENGINE_PART_PORTS,   /**< getting every port's buffer from JACK */
	ENGINE_PART_PROCESS, /**< engine_process(): redlight's own work */
	ENGINE_PART_COUNT
};

struct engine;

/**
 * Cycle statistics of the cycles that overlapped a disk-writer pass
 * (`during`) and of those that did not (`outside`); measurement mode only,
 * else both are empty. outside's max is the upper edge of its highest
 * bucket. Any non-RT thread.
 */
void engine_cycle_writer_stats(const struct engine *e,
                               struct engine_cycle_stats *during,
                               struct engine_cycle_stats *outside);

/**
 * Frames of take streams captured since the engine was made, over all
 * takes (monotonic), published with release after the ring contents and
 * gap records that make them up. The disk writer bounds an open take by
 * it (minus the take's stream_base): the next take's samples follow in
 * the same rings, and the take's STOP event may not be visible yet.
 * Any thread (acquire load).
 */
uint64_t engine_captured_frames(const struct engine *e);

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
 * One process cycle: apply due commands, run the transport, meter every
 * input, copy the frames of the take into the rings, then render the
 * outputs. inputs[t] is track t's buffer of nframes samples; outputs is
 * NULL or an array of ENGINE_OUT_COUNT + stream-count buffers (entries
 * may be NULL) that are overwritten. Inputs are all read before any output is written, so
 * an input that JACK aliases to one of our outputs still reads the
 * previous cycle. Audio thread only.
 */
REALTIME void engine_process(struct engine *e, const float *const *inputs,
                             float *const *outputs, uint32_t nframes);

/**
 * Next tempo map, click or count-in map the audio thread no longer uses,
 * for the control thread to free (the engine never frees). Returns false
 * when there is none. Control thread.
 */
bool engine_next_retired(struct engine *e, const struct tempo_map **map,
                         const struct click **click);

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
 * The external (JACK) transport for this cycle: rolling or not, and JACK's
 * position of the cycle's first frame (jack_position_t.frame), read as a
 * timeline frame by engine_transport_frame() (one second's window). While
 * following, the engine rolls and stops with it and takes its position as
 * the timeline; a jump of the position during a take ends the take there
 * (a take is one continuous stretch). RECORD then only enables recording:
 * the transport master starts the roll. Call before engine_process().
 * Audio thread.
 */
REALTIME void engine_follow_transport(struct engine *e, bool rolling,
                                      uint32_t position);

/*
 * JACK's 32-bit clocks. jack_nframes_t wraps after 2^32 frames: 24.8 hours
 * at 48 kHz, 12.4 at 96 kHz. The frame clock (jack_last_frame_time())
 * wraps that long after the server started, whatever it does; the
 * transport position (jack_position_t.frame) after that long rolling.
 * redlight's own clock and timeline are 64 bits; what it reads from JACK
 * goes through these two, which are pure arithmetic so that the unit test
 * can drive them (and the engine) across the wrap without a server.
 */

/** The backend's memory of JACK's frame clock between cycles
 *  (engine_clock_jumped()). Zeroed: no cycle seen yet. */
struct engine_frame_clock {
	bool started;
	uint32_t next; /**< the frame time the next cycle is due at */
};

/**
 * JACK's frame time at the start of this cycle (`now`) against the time
 * the last cycle let us expect, modulo 2^32, so the wrap is no jump. True
 * if it jumped (after an xrun, see engine_mark_xrun()): *jump is then the
 * frames it jumped forward, or 0 for a jump backwards or of a minute or
 * more (a length not worth reporting). False on the first cycle. Then
 * expects the next cycle `nframes` later. Audio thread (any thread: it
 * touches only *c).
 */
REALTIME bool engine_clock_jumped(struct engine_frame_clock *c, uint32_t now,
                                  uint32_t nframes, uint32_t sample_rate,
                                  uint32_t *jump);

/**
 * JACK's transport position as a timeline frame: the 64-bit frame with
 * the same low 32 bits nearest to `timeline` (where redlight's timeline
 * stands) if that one is within `window` frames of it -- a transport that
 * rolls on past 2^32 goes on past it, and a position read a cycle late is
 * no jump -- else `position` itself: a relocation, taken as JACK gives it.
 * Never negative. Pure arithmetic: any thread.
 */
REALTIME int64_t engine_transport_frame(int64_t timeline, uint32_t position,
                                        uint32_t window);

/**
 * JACK's transport position as this engine's timeline frame:
 * engine_transport_frame() against where the timeline stands, with a
 * second's window. The timebase callback's frame goes through it, so
 * bar|beat|tick go on past JACK's wrap with the timeline. Audio thread.
 */
REALTIME int64_t engine_timeline_of(const struct engine *e,
                                    uint32_t position);

/**
 * bar|beat|tick, tempo and meter of timeline frame `frame` from the song's
 * tempo map (for the JACK timebase callback). False if there is no map.
 * Audio thread (JACK calls the timebase callback from it).
 */
REALTIME bool engine_position_at(const struct engine *e, int64_t frame,
                                 struct tempo_map_bbt *bbt,
                                 struct tempo_map_beat *beat, double *bpm);

/**
 * Record a cycle's duration (ns) against its period (ns) into the cycle
 * histogram. Called by the backend around engine_process(). Audio thread.
 */
REALTIME void engine_note_cycle_time(struct engine *e, uint64_t used_ns,
                                     uint64_t period_ns);

/**
 * Measurement mode only (REDLIGHT_CYCLE_CPUTIME=1): a part of the cycle,
 * or the cycle's own CPU time, timed on its own, into that part's
 * histogram. Audio thread.
 */
REALTIME void engine_note_cycle_part(struct engine *e,
                                     enum engine_cycle_part part,
                                     uint64_t used_ns, uint64_t period_ns);

/**
 * The disk writer brackets each pass over the rings (and each header
 * refresh) with busy=true / busy=false, so the benchmark can tell the
 * audio thread's cycles that overlap the writer's work from the rest.
 * Disk-writer thread.
 */
void engine_note_writer_busy(struct engine *e, bool busy);

/**
 * Measurement mode: a token of the writer's state, read at the start of a
 * cycle and handed to engine_note_cycle_overlap() at its end. Audio thread.
 */
REALTIME uint32_t engine_writer_epoch(const struct engine *e);

/**
 * Measurement mode: if the writer was busy at any moment between the
 * cycle's start (`epoch_at_start`) and now, also count the cycle's
 * duration into the histogram of cycles that overlapped a writer pass.
 * Audio thread.
 */
REALTIME void engine_note_cycle_overlap(struct engine *e, uint64_t used_ns,
                                        uint64_t period_ns,
                                        uint32_t epoch_at_start);

/** Count one xrun. Any thread. */
void engine_note_xrun(struct engine *e);

/**
 * Queue a command for the audio thread. RL_ERR_STATE if the queue is full.
 * Any non-RT thread.
 */
enum rl_status engine_send(struct engine *e, const struct engine_command *cmd,
                           struct error *err);

/**
 * Commands queued so far (engine_send() successes). When the snapshot's
 * commands_applied reaches this, the audio thread has seen them all.
 * Any non-RT thread.
 */
uint64_t engine_commands_sent(struct engine *e);

/** Copy the published state. Any non-RT thread. */
void engine_snapshot(const struct engine *e, struct engine_snapshot *out);

/** Statistics of one part of the cycles (measurement mode), cycles == 0
 *  otherwise. Non-RT. */
void engine_cycle_part_stats(const struct engine *e,
                             enum engine_cycle_part part,
                             struct engine_cycle_stats *out);

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

/**
 * Track t's pre-record history: a circular buffer of *size frames (a
 * power of two); history frame h is at index h & (size - 1). While a
 * TAKE_START with pre_frames > 0 is being served, the audio thread leaves
 * the history alone until engine_history_release(). Disk writer.
 */
const float *engine_track_history(const struct engine *e, uint32_t t,
                                  size_t *size);

/** The writer has copied the pre-record history: the audio thread may
 *  write it again. Disk writer. */
void engine_history_release(struct engine *e);

/** Track t's gap ring (struct engine_gap). Disk writer reads it. */
struct ring *engine_track_gaps(struct engine *e, uint32_t t);

/**
 * Block until the audio thread posts new data (or engine_wake()) or
 * timeout_ms passes. Returns true if woken by a post. Disk writer thread.
 */
bool engine_wait(struct engine *e, unsigned timeout_ms);

/** Wake engine_wait() from a non-RT thread (shutdown, forced stop). */
void engine_wake(struct engine *e);

#endif
