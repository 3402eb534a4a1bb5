/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * engine_setup.c: the engine's construction and teardown. engine_new()
 * allocates everything the audio thread will touch -- the engine itself
 * (page-aligned: its histograms are big), the per-track state, the command,
 * event and retire rings, the sample rings and pre-record history as one
 * block each, the scratch buffers -- and locks it in memory (or touches
 * it, see ring.c) so that the process cycle never page-faults. All of it
 * or nothing.
 *
 * Threads: main (or whoever owns the engine), before the audio thread
 * starts and after it has stopped; never while engine_process() can run.
 */
#include "engine_internal.h"

#include "redlight/disk_reader.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define COMMAND_SLOTS 256
#define EVENT_SLOTS 256
#define RETIRE_SLOTS 64
/* IEC 60268-18 peak programme meter return: 20 dB in 1.7 s. */
#define METER_FALL_DB 20.0
#define METER_FALL_SECONDS 1.7
#define METER_HOLD_SECONDS 2.0

enum rl_status engine_new(const struct engine_config *config,
                          struct engine **out, struct error *err)
{
	*out = NULL;
	if (config->track_count == 0 || config->sample_rate == 0 ||
	    config->ring_frames < 1024)
		return error_set(err, RL_ERR_INVALID,
		                 "engine: need tracks, a sample rate and rings of "
		                 "at least 1024 frames");

	/* The engine is big (histogram) and touched by the audio thread:
	 * allocate it page-aligned so it can be locked as a whole. */
	struct engine *e = NULL;
	if (posix_memalign((void **)&e, 4096, sizeof *e) != 0)
		return error_set(err, RL_ERR_NOMEM, "engine: out of memory");
	memset(e, 0, sizeof *e);
	e->track_count = config->track_count;
	e->sample_rate = config->sample_rate;
	e->tracks = calloc(config->track_count, sizeof *e->tracks);
	e->commands = ring_new(COMMAND_SLOTS * sizeof(struct engine_command));
	e->events = ring_new(EVENT_SLOTS * sizeof(struct engine_event));
	e->retire = ring_new(RETIRE_SLOTS * sizeof(struct retired));
	e->scratch = calloc(CHUNK_FRAMES, sizeof *e->scratch);
	e->chunk_inputs = calloc(config->track_count, sizeof *e->chunk_inputs);
	e->reader = config->reader;
	e->stream_count = e->reader ? disk_reader_stream_count(e->reader) : 0;
	e->stream_cue = calloc(2 * e->stream_count + 2, sizeof *e->stream_cue);
	e->stream_track = calloc(e->stream_count + 1, sizeof *e->stream_track);
	e->chunk_outputs = calloc(ENGINE_OUT_COUNT + e->stream_count,
	                          sizeof *e->chunk_outputs);
	bool ok = e->tracks && e->commands && e->events && e->retire &&
	          e->scratch && e->chunk_inputs && e->stream_cue &&
	          e->stream_track && e->chunk_outputs;
	for (uint32_t i = 0; ok && i < e->stream_count; i++) {
		uint32_t t = config->stream_track ? config->stream_track[i]
		                                  : ENGINE_NO_TRACK;
		e->stream_track[i] = t < e->track_count ? t : ENGINE_NO_TRACK;
	}
	size_t gap_slots = config->gap_slots ? config->gap_slots : 256;
	/* All sample rings in one block (huge pages, see ring_new_set()). */
	if (ok) {
		e->sample_rings = ring_new_set(e->track_count,
		                               config->ring_frames * sizeof(float));
		ok = e->sample_rings != NULL;
	}
	if (ok && config->pre_record_frames) {
		/* Room for the history plus a cycle in flight. */
		e->history = ring_new_set(e->track_count,
		                          (config->pre_record_frames +
		                           CHUNK_FRAMES) * sizeof(float));
		ok = e->history != NULL;
		if (ok) {
			e->history_size = e->history[0]->size / sizeof(float);
			e->pre_record_frames = config->pre_record_frames;
		}
	}
	for (uint32_t t = 0; ok && t < e->track_count; t++) {
		e->tracks[t].ring = e->sample_rings[t];
		e->tracks[t].gaps = ring_new(gap_slots * sizeof(struct engine_gap));
		ok = e->tracks[t].gaps != NULL;
	}
	if (!ok || sem_init(&e->wake, 0, 0) != 0) {
		engine_free(e);
		return error_set(err, RL_ERR_NOMEM,
		                 "engine: cannot allocate rings for %u tracks of "
		                 "%zu frames", config->track_count,
		                 config->ring_frames);
	}
	pthread_mutex_init(&e->send_lock, NULL);
	mlock(e, sizeof *e);
	mlock(e->tracks, e->track_count * sizeof *e->tracks);
	mlock(e->scratch, CHUNK_FRAMES * sizeof *e->scratch);
	mlock(e->chunk_inputs, e->track_count * sizeof *e->chunk_inputs);
	mlock(e->stream_cue, (2 * e->stream_count + 2) * sizeof *e->stream_cue);
	mlock(e->stream_track, (e->stream_count + 1) * sizeof *e->stream_track);
	mlock(e->chunk_outputs,
	      (ENGINE_OUT_COUNT + e->stream_count) * sizeof *e->chunk_outputs);
	for (uint32_t i = 0; i < 2 * e->stream_count; i++)
		e->stream_cue[i] = 1.0f;
	e->punch_in = e->punch_out = ENGINE_NO_FRAME;
	e->levels[ENGINE_LEVEL_CLICK] = 1.0f;
	e->levels[ENGINE_LEVEL_CUE_CLICK] = 1.0f;
	atomic_store(&e->pub_punch_in, ENGINE_NO_FRAME);
	atomic_store(&e->pub_punch_out, ENGINE_NO_FRAME);

	/* Wake the writer seldom enough that it writes big blocks (one
	 * system call per track per wake-up) but long before a ring can
	 * fill: every quarter ring, at most every 250 ms. */
	size_t ring_frames = e->tracks[0].ring->size / sizeof(float);
	e->wake_interval = ring_frames / 4;
	if (e->wake_interval > e->sample_rate / 4)
		e->wake_interval = e->sample_rate / 4;
	e->fall_per_frame = (float)(METER_FALL_DB / 20.0 /
	                            (METER_FALL_SECONDS * e->sample_rate));
	e->hold_frames = (uint64_t)(METER_HOLD_SECONDS * e->sample_rate);
	*out = e;
	return RL_OK;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->tracks) {
		for (uint32_t t = 0; t < e->track_count; t++)
			ring_free(e->tracks[t].gaps);
		ring_free_set(e->sample_rings, e->track_count);
		ring_free_set(e->history, e->track_count);
		munlock(e->tracks, e->track_count * sizeof *e->tracks);
		free(e->tracks);
	}
	ring_free(e->commands);
	ring_free(e->events);
	ring_free(e->retire);
	if (e->scratch)
		munlock(e->scratch, CHUNK_FRAMES * sizeof *e->scratch);
	free(e->scratch);
	free(e->chunk_inputs);
	free(e->stream_cue);
	free(e->stream_track);
	free(e->chunk_outputs);
	if (e->commands) {
		sem_destroy(&e->wake);
		pthread_mutex_destroy(&e->send_lock);
	}
	munlock(e, sizeof *e);
	free(e);
}

bool engine_memory_locked(const struct engine *e)
{
	if (!e->commands->locked || !e->events->locked)
		return false;
	for (uint32_t t = 0; t < e->track_count; t++)
		if (!e->tracks[t].ring->locked || !e->tracks[t].gaps->locked)
			return false;
	return true;
}
