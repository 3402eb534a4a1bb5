/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/engine.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define COMMAND_SLOTS 256
#define EVENT_SLOTS 256
/* IEC 60268-18 peak programme meter return: 20 dB in 1.7 s. */
#define METER_FALL_DB 20.0
#define METER_FALL_SECONDS 1.7
#define METER_HOLD_SECONDS 2.0

struct engine_track {
	struct ring *ring; /* floats */
	struct ring *gaps; /* struct engine_gap */

	/* Audio-thread state. */
	bool armed;
	bool in_take;
	uint64_t stream_pos;  /* frames of the take accounted for */
	uint64_t gap_start;   /* pending gap not yet in the gap ring */
	uint64_t gap_length;
	float meter_peak;
	float meter_hold;
	uint64_t hold_left;   /* frames until the hold falls back */
	uint64_t clips;
	uint64_t dropped;

	/* Published for readers. Floats travel as their bit patterns. */
	_Atomic uint32_t pub_peak;
	_Atomic uint32_t pub_hold;
	_Atomic uint64_t pub_clips;
	_Atomic uint64_t pub_dropped;
	_Atomic bool pub_armed;
};

struct engine {
	uint32_t track_count;
	uint32_t sample_rate;
	struct engine_track *tracks;

	struct ring *commands; /* struct engine_command, non-RT -> RT */
	pthread_mutex_t send_lock;
	struct ring *events;   /* struct engine_event, RT -> disk writer */
	sem_t wake;

	/* Audio-thread state. */
	enum engine_transport transport;
	uint64_t clock;
	uint64_t timeline;
	uint32_t take;
	uint64_t take_frames;
	bool pending_start;
	struct engine_command start_cmd;
	bool pending_stop;
	uint64_t stop_at;
	bool stop_event_owed;  /* TAKE_STOP not yet queued (event ring full) */
	struct engine_event stop_event;
	uint64_t frames_since_wake;
	uint64_t wake_interval;
	float fall_per_frame;  /* log10 decay per frame, see meter_update */
	uint64_t hold_frames;
	uint64_t dropped_total;

	_Atomic int pub_transport;
	_Atomic uint64_t pub_clock;
	_Atomic uint64_t pub_timeline;
	_Atomic uint32_t pub_take;
	_Atomic uint64_t pub_take_frames;
	_Atomic uint64_t pub_dropped;
	_Atomic uint64_t pub_cycles;
	_Atomic uint64_t xruns;
	_Atomic uint32_t events_lost;

	/* Cycle-time histogram: written by the audio thread only. */
	_Atomic uint64_t load_hist[ENGINE_LOAD_BUCKETS];
	_Atomic uint64_t load_max_ns;
	_Atomic uint64_t load_max_permille_x10; /* max as 0.001 % units */
};

static uint32_t float_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float bits_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

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
	bool ok = e->tracks && e->commands && e->events;
	size_t gap_slots = config->gap_slots ? config->gap_slots : 256;
	for (uint32_t t = 0; ok && t < e->track_count; t++) {
		e->tracks[t].ring = ring_new(config->ring_frames * sizeof(float));
		e->tracks[t].gaps = ring_new(gap_slots * sizeof(struct engine_gap));
		ok = e->tracks[t].ring && e->tracks[t].gaps;
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
		for (uint32_t t = 0; t < e->track_count; t++) {
			ring_free(e->tracks[t].ring);
			ring_free(e->tracks[t].gaps);
		}
		munlock(e->tracks, e->track_count * sizeof *e->tracks);
		free(e->tracks);
	}
	ring_free(e->commands);
	ring_free(e->events);
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

uint32_t engine_track_count(const struct engine *e) { return e->track_count; }
uint32_t engine_sample_rate(const struct engine *e) { return e->sample_rate; }

/* ---- audio thread ---------------------------------------------------- */

REALTIME static bool push_event(struct engine *e, const struct engine_event *ev)
{
	return ring_write(e->events, ev, sizeof *ev);
}

REALTIME static void start_take(struct engine *e, uint32_t take,
                                uint64_t clock_frame, uint64_t timeline_frame)
{
	uint32_t count = 0;
	for (uint32_t t = 0; t < e->track_count; t++)
		count += e->tracks[t].armed;
	struct engine_event ev = {
		.type = ENGINE_EVENT_TAKE_START, .take = take,
		.clock_frame = clock_frame, .timeline_frame = timeline_frame,
		.track_count = count,
	};
	/* A take the writer never hears of would be recorded into nothing:
	 * refuse to start rather than lose it, and say so. */
	if (e->stop_event_owed || !push_event(e, &ev)) {
		atomic_fetch_add_explicit(&e->events_lost, 1,
		                          memory_order_relaxed);
		return;
	}
	for (uint32_t t = 0; t < e->track_count; t++) {
		struct engine_track *tr = &e->tracks[t];
		tr->in_take = tr->armed;
		tr->stream_pos = 0;
		tr->gap_length = 0;
		tr->dropped = 0;
		atomic_store_explicit(&tr->pub_dropped, 0, memory_order_relaxed);
	}
	e->transport = ENGINE_RECORDING;
	e->take = take;
	e->take_frames = 0;
}

REALTIME static void flush_stop_event(struct engine *e)
{
	if (e->stop_event_owed && push_event(e, &e->stop_event)) {
		e->stop_event_owed = false;
		sem_post(&e->wake);
	}
}

REALTIME static void stop_take(struct engine *e, uint64_t clock_frame)
{
	for (uint32_t t = 0; t < e->track_count; t++)
		e->tracks[t].in_take = false;
	e->stop_event = (struct engine_event){
		.type = ENGINE_EVENT_TAKE_STOP, .take = e->take,
		.clock_frame = clock_frame, .length = e->take_frames,
	};
	e->stop_event_owed = true;
	e->transport = ENGINE_STOPPED;
	e->take = 0;
	flush_stop_event(e);
}

REALTIME static void apply_command(struct engine *e,
                                   const struct engine_command *c)
{
	switch (c->type) {
	case ENGINE_CMD_ARM:
		if (c->track < e->track_count) {
			e->tracks[c->track].armed = c->value != 0;
			atomic_store_explicit(&e->tracks[c->track].pub_armed,
			                      c->value != 0, memory_order_relaxed);
		}
		break;
	case ENGINE_CMD_RECORD:
		if (e->transport != ENGINE_RECORDING) {
			e->pending_start = true;
			e->start_cmd = *c;
		}
		break;
	case ENGINE_CMD_STOP:
		if (e->transport == ENGINE_RECORDING || e->pending_start) {
			e->pending_stop = true;
			e->stop_at = c->at;
		}
		break;
	case ENGINE_CMD_RESET_METERS:
		for (uint32_t t = 0; t < e->track_count; t++) {
			e->tracks[t].clips = 0;
			e->tracks[t].meter_hold = 0;
		}
		break;
	default:
		break;
	}
}

/* Offset in this cycle where a command due at `at` takes effect. */
REALTIME static uint32_t due_offset(const struct engine *e, uint64_t at,
                                    uint32_t nframes, bool *due)
{
	if (at <= e->clock) {
		*due = true;
		return 0;
	}
	*due = at < e->clock + nframes;
	return *due ? (uint32_t)(at - e->clock) : nframes;
}

/* `fall` is the meter's fall-back factor for a cycle of nframes. */
REALTIME static void meter_update(struct engine *e, struct engine_track *tr,
                                  const float *in, uint32_t nframes,
                                  float fall)
{
	float peak = 0.0f;
	uint64_t clips = 0;
	for (uint32_t i = 0; i < nframes; i++) {
		float a = fabsf(in[i]);
		peak = a > peak ? a : peak;
		clips += a >= ENGINE_CLIP_LEVEL;
	}
	/* Fall back by a constant number of dB per second. */
	float fallen = tr->meter_peak * fall;
	tr->meter_peak = peak > fallen ? peak : fallen;
	/* Peak hold: a new maximum restarts the hold; when the hold time runs
	 * out it drops to the current (falling) meter value. */
	if (peak >= tr->meter_hold || tr->hold_left <= nframes) {
		tr->meter_hold = peak >= tr->meter_hold ? peak : tr->meter_peak;
		tr->hold_left = e->hold_frames;
	} else {
		tr->hold_left -= nframes;
	}
	tr->clips += clips;
	atomic_store_explicit(&tr->pub_peak, float_bits(tr->meter_peak),
	                      memory_order_relaxed);
	atomic_store_explicit(&tr->pub_hold, float_bits(tr->meter_hold),
	                      memory_order_relaxed);
	atomic_store_explicit(&tr->pub_clips, tr->clips, memory_order_relaxed);
}

/*
 * Copy frames [from, to) of this cycle into the track's ring. A block that
 * does not fit whole is dropped whole and remembered as a gap; the gap is
 * queued before the next block that fits, so the writer can pad exactly
 * where the frames went missing.
 */
REALTIME static void capture(struct engine *e, struct engine_track *tr,
                             const float *in, uint32_t from, uint32_t to)
{
	uint32_t n = to - from;
	size_t bytes = (size_t)n * sizeof(float);
	if (tr->gap_length > 0 && ring_write_space(tr->ring) >= bytes) {
		struct engine_gap gap = { tr->gap_start, tr->gap_length };
		if (ring_write(tr->gaps, &gap, sizeof gap))
			tr->gap_length = 0;
	}
	if (tr->gap_length == 0 && ring_write(tr->ring, in + from, bytes)) {
		tr->stream_pos += n;
		return;
	}
	if (tr->gap_length == 0)
		tr->gap_start = tr->stream_pos;
	tr->gap_length += n;
	tr->stream_pos += n;
	tr->dropped += n;
	e->dropped_total += n;
	atomic_store_explicit(&tr->pub_dropped, tr->dropped,
	                      memory_order_relaxed);
}

REALTIME void engine_process(struct engine *e, const float *const *inputs,
                             uint32_t nframes)
{
	struct engine_command cmd;
	while (ring_read(e->commands, &cmd, sizeof cmd))
		apply_command(e, &cmd);
	flush_stop_event(e);

	/* Where in this cycle recording runs: [rec_from, rec_to). */
	uint32_t rec_from = nframes, rec_to = nframes;
	if (e->transport == ENGINE_RECORDING)
		rec_from = 0;
	if (e->pending_start) {
		bool due;
		uint32_t off = due_offset(e, e->start_cmd.at, nframes, &due);
		if (due) {
			e->pending_start = false;
			start_take(e, (uint32_t)e->start_cmd.value, e->clock + off,
			           e->timeline);
			if (e->transport == ENGINE_RECORDING) {
				rec_from = off;
				/* A fixed length counts from the frame the
				 * take really started on. */
				if (e->start_cmd.length) {
					e->pending_stop = true;
					e->stop_at = e->clock + off +
					             e->start_cmd.length;
				}
			}
		}
	}
	bool stop_now = false;
	if (e->pending_stop && e->transport == ENGINE_RECORDING) {
		bool due;
		uint32_t off = due_offset(e, e->stop_at, nframes, &due);
		if (due && off >= rec_from) {
			rec_to = off;
			stop_now = true;
		}
	} else if (e->pending_stop && !e->pending_start) {
		e->pending_stop = false; /* nothing to stop any more */
	}

	/* Same for every track: once per cycle, not once per track. */
	float fall = exp10f(-e->fall_per_frame * (float)nframes);
	for (uint32_t t = 0; t < e->track_count; t++) {
		struct engine_track *tr = &e->tracks[t];
		meter_update(e, tr, inputs[t], nframes, fall);
		if (tr->in_take && rec_to > rec_from)
			capture(e, tr, inputs[t], rec_from, rec_to);
	}
	if (rec_to > rec_from)
		e->take_frames += rec_to - rec_from;
	if (stop_now) {
		e->pending_stop = false;
		stop_take(e, e->clock + rec_to);
	}

	/* The timeline moves only while the transport runs. */
	if (rec_to > rec_from)
		e->timeline += rec_to - rec_from;
	e->clock += nframes;

	e->frames_since_wake += nframes;
	if (e->frames_since_wake >= e->wake_interval) {
		e->frames_since_wake = 0;
		sem_post(&e->wake);
	}

	atomic_store_explicit(&e->pub_transport, (int)e->transport,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_take, e->take, memory_order_relaxed);
	atomic_store_explicit(&e->pub_timeline, e->timeline,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_dropped, e->dropped_total,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_cycles,
	                      atomic_load_explicit(&e->pub_cycles,
	                                           memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	/* Release: a reader that sees this take length also sees the ring
	 * contents and gap records that make it up. */
	atomic_store_explicit(&e->pub_take_frames, e->take_frames,
	                      memory_order_release);
	atomic_store_explicit(&e->pub_clock, e->clock, memory_order_release);
}

REALTIME void engine_mark_xrun(struct engine *e, uint32_t nframes)
{
	if (e->transport != ENGINE_RECORDING)
		return;
	struct engine_event ev = {
		.type = ENGINE_EVENT_XRUN, .take = e->take,
		.clock_frame = e->clock, .timeline_frame = e->timeline,
		.length = nframes,
	};
	if (!push_event(e, &ev))
		atomic_fetch_add_explicit(&e->events_lost, 1,
		                          memory_order_relaxed);
}

REALTIME void engine_note_cycle_time(struct engine *e, uint64_t used_ns,
                                     uint64_t period_ns)
{
	if (period_ns == 0)
		return;
	/* Buckets of 0.05 % of the period; single writer, so load+store. */
	uint64_t x10 = used_ns * 100000 / period_ns; /* 0.001 % units */
	uint64_t b = x10 / 50;
	if (b >= ENGINE_LOAD_BUCKETS)
		b = ENGINE_LOAD_BUCKETS - 1;
	atomic_store_explicit(&e->load_hist[b],
	                      atomic_load_explicit(&e->load_hist[b],
	                                           memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	if (x10 > atomic_load_explicit(&e->load_max_permille_x10,
	                               memory_order_relaxed)) {
		atomic_store_explicit(&e->load_max_permille_x10, x10,
		                      memory_order_relaxed);
		atomic_store_explicit(&e->load_max_ns, used_ns,
		                      memory_order_relaxed);
	}
}

/* ---- non-RT side ------------------------------------------------------ */

void engine_note_xrun(struct engine *e)
{
	atomic_fetch_add_explicit(&e->xruns, 1, memory_order_relaxed);
}

enum rl_status engine_send(struct engine *e, const struct engine_command *cmd,
                           struct error *err)
{
	pthread_mutex_lock(&e->send_lock);
	bool ok = ring_write(e->commands, cmd, sizeof *cmd);
	pthread_mutex_unlock(&e->send_lock);
	if (!ok)
		return error_set(err, RL_ERR_STATE,
		                 "engine command queue full (is the audio "
		                 "thread running?)");
	return RL_OK;
}

void engine_snapshot(const struct engine *e, struct engine_snapshot *out)
{
	out->clock = atomic_load_explicit(&e->pub_clock, memory_order_acquire);
	out->take_frames = atomic_load_explicit(&e->pub_take_frames,
	                                        memory_order_acquire);
	out->transport = (enum engine_transport)atomic_load_explicit(
		&e->pub_transport, memory_order_relaxed);
	out->timeline = atomic_load_explicit(&e->pub_timeline,
	                                     memory_order_relaxed);
	out->take = atomic_load_explicit(&e->pub_take, memory_order_relaxed);
	out->dropped_frames = atomic_load_explicit(&e->pub_dropped,
	                                           memory_order_relaxed);
	out->xruns = atomic_load_explicit(&e->xruns, memory_order_relaxed);
	out->cycles = atomic_load_explicit(&e->pub_cycles, memory_order_relaxed);
	out->events_lost = atomic_load_explicit(&e->events_lost,
	                                        memory_order_relaxed);
}

void engine_track_meter(const struct engine *e, uint32_t t,
                        struct engine_meter *out)
{
	const struct engine_track *tr = &e->tracks[t];
	out->peak = bits_float(atomic_load_explicit(&tr->pub_peak,
	                                            memory_order_relaxed));
	out->hold = bits_float(atomic_load_explicit(&tr->pub_hold,
	                                            memory_order_relaxed));
	out->clips = atomic_load_explicit(&tr->pub_clips, memory_order_relaxed);
	out->dropped = atomic_load_explicit(&tr->pub_dropped,
	                                    memory_order_relaxed);
	out->armed = atomic_load_explicit(&tr->pub_armed, memory_order_relaxed);
	out->ring_fill = ring_read_space(tr->ring);
	out->ring_size = tr->ring->size;
}

void engine_cycle_stats(const struct engine *e, struct engine_cycle_stats *out)
{
	uint64_t total = 0;
	for (size_t b = 0; b < ENGINE_LOAD_BUCKETS; b++)
		total += atomic_load_explicit(&e->load_hist[b],
		                              memory_order_relaxed);
	out->cycles = total;
	out->median_pct = out->p99_pct = 0;
	uint64_t seen = 0;
	bool have_median = false;
	for (size_t b = 0; b < ENGINE_LOAD_BUCKETS && total; b++) {
		seen += atomic_load_explicit(&e->load_hist[b],
		                             memory_order_relaxed);
		/* Report the bucket's upper edge: never flatter the figure. */
		double pct = (double)(b + 1) * 0.05;
		if (!have_median && seen * 2 >= total) {
			out->median_pct = pct;
			have_median = true;
		}
		if (seen * 100 >= total * 99) {
			out->p99_pct = pct;
			break;
		}
	}
	out->max_pct = (double)atomic_load_explicit(&e->load_max_permille_x10,
	                                            memory_order_relaxed) / 1000.0;
	out->max_us = (double)atomic_load_explicit(&e->load_max_ns,
	                                           memory_order_relaxed) / 1000.0;
}

bool engine_next_event(struct engine *e, struct engine_event *out)
{
	return ring_read(e->events, out, sizeof *out);
}

struct ring *engine_track_ring(struct engine *e, uint32_t t)
{
	return e->tracks[t].ring;
}

struct ring *engine_track_gaps(struct engine *e, uint32_t t)
{
	return e->tracks[t].gaps;
}

void engine_wait(struct engine *e, unsigned timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&e->wake, &ts) != 0 && errno == EINTR)
		;
	/* Several posts may have piled up; one drain serves them all. */
	while (sem_trywait(&e->wake) == 0)
		;
}

void engine_wake(struct engine *e)
{
	sem_post(&e->wake);
}
