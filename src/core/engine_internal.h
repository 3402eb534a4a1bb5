/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * engine_internal.h: what the files of the engine share -- struct engine,
 * its per-track state and the few sizes more than one file needs. Private
 * to src/core/: everything else includes only redlight/engine.h.
 *
 * The engine, one job per file:
 *   engine.c          the real-time cycle: commands, transport transitions
 *                     on exact frames, capture into the rings, pre-record,
 *                     meters, click, playback and cue, the published state,
 *                     the cycle-time histograms. Every REALTIME function is
 *                     here, so the cycle's helpers stay static and inlined.
 *   engine_setup.c    engine_new() / engine_free(): allocate, touch and
 *                     mlock everything the cycle uses, before activation
 *   engine_control.c  the other threads' side: commands in, events and
 *                     retired maps out, snapshots, meters, the writer's
 *                     rings and wake-ups, cycle statistics
 *
 * Threads: engine_new() fixes the sizes, rings and buffers before the
 * audio thread starts. From then on the plain fields of struct engine and
 * struct engine_track are the audio thread's alone; other threads use the
 * atomics (pub_*, history_busy, writer_epoch, the histograms), their own
 * ends of the rings, and what send_lock guards.
 */
#ifndef REDLIGHT_ENGINE_INTERNAL_H
#define REDLIGHT_ENGINE_INTERNAL_H

#include "redlight/engine.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Cycles longer than this are processed in chunks (JACK's maximum buffer
 * size is 8192), so the engine's scratch buffers have a fixed size. */
#define CHUNK_FRAMES 8192
/* Transport changes inside one cycle: each makes a new segment. */
#define MAX_SEGMENTS 16

struct engine_track {
	struct ring *ring; /* floats */
	struct ring *gaps; /* struct engine_gap */

	/* Audio-thread state. */
	bool armed;
	bool in_take;
	uint64_t stream_pos;  /* frames of the take accounted for */
	uint64_t gap_start;   /* pending gap not yet in the gap ring */
	uint64_t gap_length;
	struct engine_gap owed; /* the gap a take ended in (stop_take()) */
	bool has_owed;
	float meter_peak;
	float meter_hold;
	uint64_t hold_left;   /* frames until the hold falls back */
	uint64_t clips;
	uint64_t dropped;
	float monitor_l, monitor_r; /* gains in the cue, 0: not monitored */
	/* Where the input's buffer last changed: JACK hands an input port
	 * the buffer of its one source, or its own zeroed one once nothing
	 * is connected, so a new pointer is the cycle a source came or went.
	 * ENGINE_CMD_INPUT_MARK places its mark there (the control thread
	 * hears of the port later, from JACK's notification thread). */
	const float *last_input;
	int64_t input_changed_at;    /* timeline frame of that cycle */
	uint32_t input_changed_take; /* the take recording then, 0: none */

	/* Published for readers. Floats travel as their bit patterns. */
	_Atomic uint32_t pub_peak;
	_Atomic uint32_t pub_hold;
	_Atomic uint64_t pub_clips;
	_Atomic uint64_t pub_dropped;
	_Atomic bool pub_armed;
};

/* Histogram of cycle durations as a share of the period. */
struct cycle_hist {
	_Atomic uint64_t hist[ENGINE_LOAD_BUCKETS];
	_Atomic uint64_t max_ns;
	_Atomic uint64_t max_x10; /* max in 0.001 % units */
};

/* A stretch of one cycle with one transport state, for the output pass. */
enum segment_kind { SEG_STOPPED, SEG_ROLLING, SEG_COUNT_IN };
struct segment {
	uint32_t offset, length;
	enum segment_kind kind;
	int64_t position; /* timeline frame, or count-in frame */
	const struct tempo_map *count_in_map;
};

struct retired {
	const struct tempo_map *map;
	const struct click *click;
};

struct engine {
	uint32_t track_count;
	uint32_t sample_rate;
	struct engine_track *tracks;

	struct ring *commands; /* struct engine_command, non-RT -> RT */
	pthread_mutex_t send_lock;
	uint64_t commands_sent;      /* under send_lock */
	struct ring *events;   /* struct engine_event, RT -> disk writer */
	sem_t wake;

	struct ring *retire;   /* struct retired, RT -> control */
	struct ring **sample_rings; /* the tracks' rings, one block */
	/* Pre-record: per track a circular history (the buffers of a ring
	 * set, used as plain arrays). */
	struct ring **history;
	size_t history_size;      /* frames, power of two; 0: off */
	uint64_t history_pos;     /* frames written so far (all tracks) */
	uint64_t history_fill;    /* of them, since the last take */
	uint64_t pre_record_frames;
	_Atomic bool history_busy; /* the writer is copying it */

	/* Audio-thread state: the transport. */
	uint64_t clock;
	int64_t timeline;
	bool rolling;
	bool record_enabled;   /* a RECORD is active */
	uint32_t record_take;  /* its take number until the take starts */
	int64_t punch_in, punch_out;
	uint64_t record_length;
	/* Frames the RECORD's earlier takes (splits, loop passes) recorded:
	 * record_length is the length of the whole RECORD, so a split never
	 * makes the recording longer. */
	uint64_t record_done;
	bool stop_with_take;   /* the take's end stops the transport */
	bool counting_in;
	uint64_t count_in_left, count_in_pos;
	const struct tempo_map *count_in_map;
	const struct tempo_map *map;
	const struct click *click;
	bool click_on;
	bool count_in_silent; /* this count-in clicks only if click_on */
	float levels[ENGINE_LEVEL_COUNT];
	uint32_t take;         /* take recording now, 0 if none */
	uint64_t take_frames;
	bool pending_record;
	struct engine_command record_cmd;
	bool pending_play;
	uint64_t play_at;
	bool pending_stop;
	uint64_t stop_at;
	struct segment segments[MAX_SEGMENTS];
	size_t segment_count;
	struct retired to_retire[4]; /* retired after this cycle's output */
	size_t to_retire_count;
	float *scratch;        /* CHUNK_FRAMES floats */
	const float **chunk_inputs;
	bool any_monitor;
	bool loop_on;
	int64_t loop_start, loop_end;
	uint32_t take_queue[8]; /* numbers for the next passes / splits */
	uint32_t queue_head, queue_count;
	bool pending_split;
	uint64_t split_at;
	bool stop_at_loop_end;
	struct disk_reader *reader; /* playback, may be NULL */
	uint32_t stream_count;
	float *stream_cue;     /* per stream: gains in the cue, left, right */
	uint32_t *stream_track;/* per stream: its track, ENGINE_NO_TRACK */
	float **chunk_outputs; /* ENGINE_OUT_COUNT + stream_count */
	bool follow;           /* the transport is JACK's */
	bool ext_valid;        /* engine_follow_transport() this cycle */
	bool ext_rolling;
	int64_t ext_frame;
	bool stop_event_owed;  /* TAKE_STOP not yet queued (event ring full) */
	struct engine_event stop_event;
	uint64_t frames_since_wake;
	uint64_t wake_interval;
	float fall_per_frame;  /* log10 decay per frame, see meter_update */
	uint64_t hold_frames;
	uint64_t dropped_total;

	_Atomic int pub_transport;
	_Atomic uint64_t pub_clock;
	_Atomic int64_t pub_timeline;
	_Atomic bool pub_record_enabled;
	_Atomic bool pub_click_on;
	_Atomic uint64_t pub_count_in_left;
	_Atomic int64_t pub_punch_in, pub_punch_out;
	_Atomic bool pub_loop_on;
	_Atomic int64_t pub_loop_start, pub_loop_end;
	_Atomic uint32_t pub_takes_queued;
	_Atomic uint32_t pub_take;
	_Atomic uint64_t pub_take_frames;
	uint64_t captured_total;      /* see engine_captured_frames() */
	_Atomic uint64_t pub_captured;
	_Atomic uint64_t pub_dropped;
	_Atomic uint64_t pub_cycles;
	_Atomic uint64_t xruns;
	_Atomic uint32_t events_lost;
	_Atomic uint32_t pub_last_started;
	_Atomic uint64_t pub_commands_applied;
	uint64_t commands_applied;

	/* Cycle-time histograms, written by the audio thread only: wall
	 * time, and (measurement mode) its parts (enum engine_cycle_part). */
	struct cycle_hist load, part[ENGINE_PART_COUNT];
	/* Measurement mode: the cycles (a subset of `load`) during which the
	 * disk writer was busy; writer_epoch is odd while it is. */
	struct cycle_hist load_writer;
	/* capture() streamed samples that publish_captured() has not yet
	 * made readable. */
	bool samples_held;
	_Atomic uint32_t writer_epoch;
};

/* Meter values travel to other threads as their bit patterns. */
static inline uint32_t float_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static inline float bits_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

#endif
