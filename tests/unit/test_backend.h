/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file test_backend.h
 * A JACK backend without JACK, for unit tests of the control layer: a
 * second implementation of every function of redlight/jack_backend.h,
 * linked in place of src/io/jack_backend.c (tests/meson.build).
 *
 * It has the source ports a test names (with their capture latencies),
 * and once activated it runs engine_process() on a thread of its own,
 * cycle after cycle, with plain buffers: each connected track gets its
 * source's signal (a frame counter unless the test gives another), the
 * outputs' peaks are kept. The test can pause the cycles (a frozen
 * server), wait for a frame, or stop the server for good (it died).
 *
 * Cycles are paced (config.cycle_us of wall time each) so the disk
 * writer keeps up as it would with JACK; exact frames come from the
 * engine's `at` commands sent while the cycles are paused, never from
 * timing.
 *
 * Threads: the test_backend_* functions are for the test's thread.
 */
#ifndef REDLIGHT_TESTS_TEST_BACKEND_H
#define REDLIGHT_TESTS_TEST_BACKEND_H

#include "redlight/jack_backend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One output port of another client, which tracks can record. */
struct test_source {
	const char *name;          /**< full name, "system:capture_1" */
	uint32_t capture_latency;  /**< frames (the upstream port's figure) */
	/** Its sample at absolute frame `frame` (the backend's frame count
	 *  since activation = the engine's clock); NULL: the frame counter,
	 *  test_backend_counter(). Called on the backend's thread. */
	float (*signal)(uint32_t source, uint64_t frame);
};

struct test_backend_config {
	uint32_t sample_rate;       /**< 0: 48000 */
	uint32_t period;            /**< frames per cycle, 0: 256 */
	unsigned cycle_us;          /**< wall time per cycle; 0: no pacing */
	const struct test_source *sources; /**< copied */
	size_t source_count;
	uint32_t playback_latency;  /**< of the outputs (click, cue) */
	/** Input ports of other clients outputs can connect to (copied). */
	const char *const *sinks;
	size_t sink_count;
};

/**
 * What the next jack_backend_open() makes (the control layer opens the
 * backend itself). The config's strings are copied.
 */
void test_backend_configure(const struct test_backend_config *config);

/** The backend opened last, NULL once it has been freed. */
struct jack_backend *test_backend_last(void);

/**
 * The frame counter of source `source` at `frame`: a sample exact in
 * 24-bit PCM, never zero, never clipping, different per source.
 */
float test_backend_counter(uint32_t source, uint64_t frame);

/**
 * The frame a 24-bit sample of the counter (the integer, e.g.
 * sf_readf_int() >> 8) of source `source` stands for: exact for frames
 * below TEST_BACKEND_COUNTER_SPAN. UINT64_MAX for 0 (silence, padding).
 */
#define TEST_BACKEND_COUNTER_SPAN 8000000u
uint64_t test_backend_counter_frame(uint32_t source, int32_t sample24);

/**
 * Let no cycle start until test_backend_resume(); returns once no cycle
 * runs (the server froze). Works before activation too.
 */
void test_backend_pause(struct jack_backend *jb);
void test_backend_resume(struct jack_backend *jb);

/** Frames processed so far (the engine's clock). */
uint64_t test_backend_frames(struct jack_backend *jb);

/** Wait until at least `frames` have been processed. False on timeout
 *  (or if the cycles stopped for good). */
bool test_backend_wait_frames(struct jack_backend *jb, uint64_t frames,
                              unsigned timeout_ms);

/** Cycles run so far. */
uint64_t test_backend_cycles(struct jack_backend *jb);

/**
 * Highest |sample| of output `output` (ENGINE_OUT_CLICK, ..., or
 * ENGINE_OUT_COUNT + stream) since the last reset; with reset, start
 * over.
 */
float test_backend_output_peak(struct jack_backend *jb, size_t output,
                               bool reset);

/** Name of output `output` (ENGINE_OUT_COUNT + stream for a playback
 *  stream), NULL while it has no port (jack_backend_add_output()). */
const char *test_backend_output_name(struct jack_backend *jb, size_t output);

/** Name of track t's input port ("in_<track>"), NULL if none. */
const char *test_backend_port_name(struct jack_backend *jb, uint32_t t);

/** The source connected to track t's input, -1 if none. */
int test_backend_port_source(struct jack_backend *jb, uint32_t t);

/**
 * The server dies: no cycle runs again, and jack_backend_dead() reports
 * `reason` as JACK's shutdown callback would ("JACK server stopped: ...").
 */
void test_backend_kill(struct jack_backend *jb, const char *reason);

#endif
