/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * engine_jack.c: what the JACK backend calls on the audio thread besides
 * the cycle itself (engine.c): an xrun's marker in the take, the followed
 * transport, the timebase master's position, the cycle-time histograms.
 * Called once a cycle at most, so nothing here needs inlining into
 * engine_process().
 *
 * Threads: the JACK process thread only; every function is REALTIME.
 */
#include "engine_internal.h"

#include "redlight/tempo_map.h"

#include <stdatomic.h>

REALTIME void engine_mark_xrun(struct engine *e, uint32_t nframes)
{
	if (!e->take)
		return;
	struct engine_event ev = {
		.type = ENGINE_EVENT_XRUN, .take = e->take,
		.clock_frame = e->clock,
		.timeline_frame = (uint64_t)e->timeline,
		.length = nframes,
	};
	if (!ring_write(e->events, &ev, sizeof ev))
		atomic_fetch_add_explicit(&e->events_lost, 1,
		                          memory_order_relaxed);
}

REALTIME bool engine_clock_jumped(struct engine_frame_clock *c, uint32_t now,
                                  uint32_t nframes, uint32_t sample_rate,
                                  uint32_t *jump)
{
	bool jumped = c->started && now != c->next;
	if (jumped) {
		/* Unsigned: a clock that wrapped past 2^32 on time gives 0
		 * here, never a jump; one that went back gives a huge value. */
		uint32_t ahead = now - c->next;
		*jump = ahead < 60u * sample_rate ? ahead : 0;
	}
	c->next = now + nframes; /* wraps as JACK's clock does */
	c->started = true;
	return jumped;
}

REALTIME int64_t engine_transport_frame(int64_t timeline, uint32_t position,
                                        uint32_t window)
{
	if (timeline < 0)
		return position;
	/* The distance both ways round the 2^32 circle, unsigned. */
	uint32_t ahead = position - (uint32_t)timeline;
	uint32_t behind = (uint32_t)timeline - position;
	if (ahead <= window)
		return timeline + ahead;
	if (behind <= window && (uint64_t)timeline >= behind)
		return timeline - behind;
	return position;
}

REALTIME int64_t engine_timeline_of(const struct engine *e,
                                    uint32_t position)
{
	return engine_transport_frame(e->timeline, position, e->sample_rate);
}

REALTIME void engine_follow_transport(struct engine *e, bool rolling,
                                      uint32_t position)
{
	e->ext_valid = true;
	e->ext_rolling = rolling;
	/* The timeline is where this cycle starts while rolling on: a
	 * position equal to it modulo 2^32 is no relocation. */
	e->ext_frame = engine_timeline_of(e, position);
}

REALTIME bool engine_position_at(const struct engine *e, int64_t frame,
                                 struct tempo_map_bbt *bbt,
                                 struct tempo_map_beat *beat, double *bpm)
{
	/* e->map only changes on the audio thread (commands), which is
	 * also the thread JACK calls the timebase callback from. */
	if (!e->map)
		return false;
	tempo_map_frame_to_bbt(e->map, frame, bbt);
	tempo_map_beat_at(e->map, frame, beat);
	*bpm = tempo_map_bpm_at(e->map, frame);
	return true;
}

REALTIME static void hist_note(struct cycle_hist *h, uint64_t used_ns,
                               uint64_t period_ns)
{
	if (period_ns == 0)
		return;
	/* Buckets of 0.05 % of the period; single writer, so load+store. */
	uint64_t x10 = used_ns * 100000 / period_ns; /* 0.001 % units */
	uint64_t b = x10 / 50;
	if (b >= ENGINE_LOAD_BUCKETS)
		b = ENGINE_LOAD_BUCKETS - 1;
	atomic_store_explicit(&h->hist[b],
	                      atomic_load_explicit(&h->hist[b],
	                                           memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	if (x10 > atomic_load_explicit(&h->max_x10, memory_order_relaxed)) {
		atomic_store_explicit(&h->max_x10, x10, memory_order_relaxed);
		atomic_store_explicit(&h->max_ns, used_ns, memory_order_relaxed);
	}
}

REALTIME void engine_note_cycle_time(struct engine *e, uint64_t used_ns,
                                     uint64_t period_ns)
{
	hist_note(&e->load, used_ns, period_ns);
}

REALTIME void engine_note_cycle_part(struct engine *e,
                                     enum engine_cycle_part part,
                                     uint64_t used_ns, uint64_t period_ns)
{
	if ((unsigned)part < ENGINE_PART_COUNT)
		hist_note(&e->part[part], used_ns, period_ns);
}

REALTIME uint32_t engine_writer_epoch(const struct engine *e)
{
	return atomic_load_explicit(&e->writer_epoch, memory_order_relaxed);
}

REALTIME void engine_note_cycle_overlap(struct engine *e, uint64_t used_ns,
                                        uint64_t period_ns,
                                        uint32_t epoch_at_start)
{
	uint32_t now = atomic_load_explicit(&e->writer_epoch,
	                                    memory_order_relaxed);
	/* Busy at the start (odd), or it began or ended a pass since. */
	if ((epoch_at_start & 1u) || now != epoch_at_start)
		hist_note(&e->load_writer, used_ns, period_ns);
}
