/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * engine_control.c: the engine as the other threads see it. Commands go
 * in through engine_send(); events, retired tempo maps and clicks, the
 * tracks' sample and gap rings and the pre-record history come out to the
 * disk writer and control; snapshots and meters are read from the atomics
 * the cycle publishes; the cycle-time histograms become quantiles here.
 *
 * Threads: any but the audio thread (engine.h says which for each:
 * control, the disk writer, JACK's xrun callback). Nothing here is
 * REALTIME; engine.c holds everything the process cycle runs.
 */
#include "engine_internal.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

uint32_t engine_track_count(const struct engine *e) { return e->track_count; }
uint32_t engine_sample_rate(const struct engine *e) { return e->sample_rate; }

void engine_note_writer_busy(struct engine *e, bool busy)
{
	uint32_t v = atomic_load_explicit(&e->writer_epoch,
	                                  memory_order_relaxed);
	if (((v & 1u) != 0) != busy)
		atomic_store_explicit(&e->writer_epoch, v + 1,
		                      memory_order_relaxed);
}

void engine_command_init(struct engine_command *cmd, uint32_t type)
{
	*cmd = (struct engine_command){
		.type = type,
		.punch_in = ENGINE_NO_FRAME,
		.punch_out = ENGINE_NO_FRAME,
		.level_right = -1.0f,
	};
}

bool engine_next_retired(struct engine *e, const struct tempo_map **map,
                         const struct click **click)
{
	struct retired r;
	if (!ring_read(e->retire, &r, sizeof r))
		return false;
	*map = r.map;
	*click = r.click;
	return true;
}

void engine_note_xrun(struct engine *e)
{
	atomic_fetch_add_explicit(&e->xruns, 1, memory_order_relaxed);
}

enum rl_status engine_send(struct engine *e, const struct engine_command *cmd,
                           struct error *err)
{
	pthread_mutex_lock(&e->send_lock);
	bool ok = ring_write(e->commands, cmd, sizeof *cmd);
	e->commands_sent += ok;
	pthread_mutex_unlock(&e->send_lock);
	if (!ok)
		return error_set(err, RL_ERR_STATE,
		                 "engine command queue full (is the audio "
		                 "thread running?)");
	return RL_OK;
}

uint64_t engine_commands_sent(struct engine *e)
{
	pthread_mutex_lock(&e->send_lock);
	uint64_t n = e->commands_sent;
	pthread_mutex_unlock(&e->send_lock);
	return n;
}

uint64_t engine_captured_frames(const struct engine *e)
{
	return atomic_load_explicit(&e->pub_captured, memory_order_acquire);
}

void engine_snapshot(const struct engine *e, struct engine_snapshot *out)
{
	out->commands_applied = atomic_load_explicit(&e->pub_commands_applied,
	                                             memory_order_acquire);
	out->clock = atomic_load_explicit(&e->pub_clock, memory_order_acquire);
	out->take_frames = atomic_load_explicit(&e->pub_take_frames,
	                                        memory_order_acquire);
	out->transport = (enum engine_transport)atomic_load_explicit(
		&e->pub_transport, memory_order_relaxed);
	out->timeline = atomic_load_explicit(&e->pub_timeline,
	                                     memory_order_relaxed);
	out->record_enabled = atomic_load_explicit(&e->pub_record_enabled,
	                                           memory_order_relaxed);
	out->click_on = atomic_load_explicit(&e->pub_click_on,
	                                     memory_order_relaxed);
	out->count_in_left = atomic_load_explicit(&e->pub_count_in_left,
	                                          memory_order_relaxed);
	out->punch_in = atomic_load_explicit(&e->pub_punch_in,
	                                     memory_order_relaxed);
	out->punch_out = atomic_load_explicit(&e->pub_punch_out,
	                                      memory_order_relaxed);
	out->loop_on = atomic_load_explicit(&e->pub_loop_on,
	                                    memory_order_relaxed);
	out->loop_start = atomic_load_explicit(&e->pub_loop_start,
	                                       memory_order_relaxed);
	out->loop_end = atomic_load_explicit(&e->pub_loop_end,
	                                     memory_order_relaxed);
	out->takes_queued = atomic_load_explicit(&e->pub_takes_queued,
	                                         memory_order_relaxed);
	out->take = atomic_load_explicit(&e->pub_take, memory_order_relaxed);
	out->dropped_frames = atomic_load_explicit(&e->pub_dropped,
	                                           memory_order_relaxed);
	out->xruns = atomic_load_explicit(&e->xruns, memory_order_relaxed);
	out->cycles = atomic_load_explicit(&e->pub_cycles, memory_order_relaxed);
	out->events_lost = atomic_load_explicit(&e->events_lost,
	                                        memory_order_relaxed);
	out->last_started_take = atomic_load_explicit(&e->pub_last_started,
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

/* The upper edge of the bucket where `per_mille` of the cycles have been
 * seen: never flatter the figure. */
static double hist_quantile(const struct cycle_hist *h, uint64_t total,
                            uint64_t per_mille)
{
	uint64_t seen = 0;
	for (size_t b = 0; b < ENGINE_LOAD_BUCKETS; b++) {
		seen += atomic_load_explicit(&h->hist[b], memory_order_relaxed);
		if (seen * 1000 >= total * per_mille)
			return (double)(b + 1) * 0.05;
	}
	return (double)ENGINE_LOAD_BUCKETS * 0.05;
}

static void hist_stats(const struct cycle_hist *h,
                       struct engine_cycle_stats *out)
{
	uint64_t total = 0;
	for (size_t b = 0; b < ENGINE_LOAD_BUCKETS; b++)
		total += atomic_load_explicit(&h->hist[b], memory_order_relaxed);
	out->cycles = total;
	out->median_pct = total ? hist_quantile(h, total, 500) : 0;
	out->p90_pct = total ? hist_quantile(h, total, 900) : 0;
	out->p95_pct = total ? hist_quantile(h, total, 950) : 0;
	out->p99_pct = total ? hist_quantile(h, total, 990) : 0;
	out->p999_pct = total ? hist_quantile(h, total, 999) : 0;
	out->max_pct = (double)atomic_load_explicit(&h->max_x10,
	                                            memory_order_relaxed) / 1000.0;
	out->max_us = (double)atomic_load_explicit(&h->max_ns,
	                                           memory_order_relaxed) / 1000.0;
}

void engine_cycle_stats(const struct engine *e, struct engine_cycle_stats *out)
{
	hist_stats(&e->load, out);
}

void engine_cycle_part_stats(const struct engine *e,
                             enum engine_cycle_part part,
                             struct engine_cycle_stats *out)
{
	if ((unsigned)part < ENGINE_PART_COUNT)
		hist_stats(&e->part[part], out);
	else
		memset(out, 0, sizeof *out);
}

void engine_cycle_writer_stats(const struct engine *e,
                               struct engine_cycle_stats *during,
                               struct engine_cycle_stats *outside)
{
	hist_stats(&e->load_writer, during);
	/* The cycles outside a pass are all cycles minus those during one,
	 * bucket by bucket (the two loads are not one snapshot, so clamp). */
	struct cycle_hist rest; /* 16 KB; called from ordinary threads */
	uint64_t top = 0;
	for (size_t b = 0; b < ENGINE_LOAD_BUCKETS; b++) {
		uint64_t all = atomic_load_explicit(&e->load.hist[b],
		                                    memory_order_relaxed);
		uint64_t in = atomic_load_explicit(&e->load_writer.hist[b],
		                                   memory_order_relaxed);
		uint64_t n = all > in ? all - in : 0;
		atomic_store_explicit(&rest.hist[b], n, memory_order_relaxed);
		if (n)
			top = b + 1;
	}
	atomic_store_explicit(&rest.max_x10, top * 50, memory_order_relaxed);
	atomic_store_explicit(&rest.max_ns, 0, memory_order_relaxed);
	hist_stats(&rest, outside);
}

bool engine_next_event(struct engine *e, struct engine_event *out)
{
	return ring_read(e->events, out, sizeof *out);
}

struct ring *engine_track_ring(struct engine *e, uint32_t t)
{
	return e->tracks[t].ring;
}

const float *engine_track_history(const struct engine *e, uint32_t t,
                                  size_t *size)
{
	*size = e->history_size;
	return e->history ? (const float *)(void *)e->history[t]->buf : NULL;
}

void engine_history_release(struct engine *e)
{
	atomic_store_explicit(&e->history_busy, false, memory_order_release);
}

struct ring *engine_track_gaps(struct engine *e, uint32_t t)
{
	return e->tracks[t].gaps;
}

bool engine_wait(struct engine *e, unsigned timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	int rc;
	while ((rc = sem_timedwait(&e->wake, &ts)) != 0 && errno == EINTR)
		;
	/* Several posts may have piled up; one drain serves them all. */
	while (sem_trywait(&e->wake) == 0)
		;
	return rc == 0;
}

void engine_wake(struct engine *e)
{
	sem_post(&e->wake);
}
