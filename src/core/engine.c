/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * engine.c: the real-time cycle, engine_process(). Each cycle applies the
 * queued commands, runs the transport through the period in segments cut
 * at the exact frames where something changes (count-in end, punch in and
 * out, record length, splits, loop end, commands due on a frame),
 * captures every track of the take into its ring (or the pre-record
 * history), updates the meters, renders click, playback and cue, and
 * publishes the state as atomics. The other calls JACK makes from its
 * process thread (xruns, the followed transport, the timebase position,
 * the cycle-time histograms) are in engine_jack.c.
 *
 * Threads: the JACK process thread (the audio thread) only. Every
 * function here is REALTIME: no allocation, lock, log or blocking call.
 * They stay in this one file on purpose: the cycle's helpers are static,
 * so the compiler inlines them into engine_process() (there is no LTO);
 * moving one to another file would cost cycle time at hundreds of tracks.
 * Construction is in engine_setup.c, the other threads' side in
 * engine_control.c, struct engine in engine_internal.h.
 */
#include "engine_internal.h"

#include "redlight/peak.h"

#include "redlight/click.h"
#include "redlight/disk_reader.h"
#include "redlight/tempo_map.h"

#include <math.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>

REALTIME static bool push_event(struct engine *e, const struct engine_event *ev)
{
	return ring_write(e->events, ev, sizeof *ev);
}

/* Hand a map or click back to the control thread once this cycle's
 * output no longer needs it. */
REALTIME static void retire_later(struct engine *e,
                                  const struct tempo_map *map,
                                  const struct click *click)
{
	if (!map && !click)
		return;
	if (e->to_retire_count < sizeof e->to_retire / sizeof e->to_retire[0])
		e->to_retire[e->to_retire_count++] =
			(struct retired){ map, click };
	/* else: more than four retirements in one cycle cannot happen with
	 * one SET_CLICK and one count-in per cycle; leaking beats freeing
	 * something still in use. */
}

REALTIME static void start_take(struct engine *e, uint32_t take,
                                uint64_t clock_frame, int64_t timeline_frame)
{
	uint32_t count = 0;
	for (uint32_t t = 0; t < e->track_count; t++)
		count += e->tracks[t].armed;
	struct engine_event ev = {
		.type = ENGINE_EVENT_TAKE_START, .take = take,
		.clock_frame = clock_frame,
		.timeline_frame = (uint64_t)timeline_frame,
		.track_count = count,
		.stream_base = e->captured_total,
	};
	/* Pre-record: the take begins with the history, unless the writer
	 * is still copying the last one (a split or loop pass follows its
	 * take without a pause, so there is nothing before it anyway). */
	bool with_history = e->history && e->history_fill > 0 &&
	                    !atomic_load_explicit(&e->history_busy,
	                                          memory_order_acquire);
	if (with_history) {
		ev.pre_frames = e->history_fill < e->pre_record_frames
		                ? e->history_fill : e->pre_record_frames;
		ev.history_end = e->history_pos;
	}
	/* A take the writer never hears of would be recorded into nothing:
	 * refuse to start rather than lose it, and say so. */
	if (e->stop_event_owed || !push_event(e, &ev)) {
		atomic_fetch_add_explicit(&e->events_lost, 1,
		                          memory_order_relaxed);
		return;
	}
	if (with_history)
		atomic_store_explicit(&e->history_busy, true,
		                      memory_order_relaxed);
	e->history_fill = 0;
	for (uint32_t t = 0; t < e->track_count; t++) {
		struct engine_track *tr = &e->tracks[t];
		tr->in_take = tr->armed;
		tr->stream_pos = 0;
		tr->gap_length = 0;
		tr->dropped = 0;
		atomic_store_explicit(&tr->pub_dropped, 0, memory_order_relaxed);
	}
	e->take = take;
	e->take_frames = 0;
	atomic_store_explicit(&e->pub_last_started, take, memory_order_relaxed);
}

REALTIME static void flush_stop_event(struct engine *e)
{
	if (e->stop_event_owed && push_event(e, &e->stop_event)) {
		e->stop_event_owed = false;
		sem_post(&e->wake);
	}
}

/*
 * Make the samples capture() streamed into the rings readable: one fence
 * for all of them, then each ring's index. Before the writer can learn of
 * anything that counts them: the cycle's captured total, and a take's STOP
 * (which it takes as "every sample of the take is in the rings"; seeing it
 * early, it would pad the missing end with silence).
 */
REALTIME static void publish_captured(struct engine *e)
{
	if (!e->samples_held)
		return;
	ring_stream_fence();
	for (uint32_t t = 0; t < e->track_count; t++)
		ring_publish(e->tracks[t].ring);
	e->samples_held = false;
}

/*
 * A take that ends inside a gap must queue that gap: the writer counts the
 * take's samples in the ring by its gap records, and the next take's
 * samples follow in the same ring. If the gap ring is full the record is
 * owed, and capture() drops the track's blocks until it is queued.
 */
REALTIME static void stop_take(struct engine *e, uint64_t clock_frame)
{
	publish_captured(e);
	for (uint32_t t = 0; t < e->track_count; t++) {
		struct engine_track *tr = &e->tracks[t];
		if (tr->in_take && tr->gap_length > 0 && !tr->has_owed &&
		    tr->gap_start < e->take_frames) {
			uint64_t len = e->take_frames - tr->gap_start;
			if (len > tr->gap_length)
				len = tr->gap_length;
			tr->owed = (struct engine_gap){ tr->gap_start, len,
			                                e->take };
			tr->has_owed = !ring_write(tr->gaps, &tr->owed,
			                           sizeof tr->owed);
		}
		tr->gap_length = 0;
		tr->in_take = false;
	}
	e->record_done += e->take_frames;
	e->stop_event = (struct engine_event){
		.type = ENGINE_EVENT_TAKE_STOP, .take = e->take,
		.clock_frame = clock_frame, .length = e->take_frames,
	};
	e->stop_event_owed = true;
	e->take = 0;
	flush_stop_event(e);
}

/* Playback follows the timeline: after any jump that is not a loop wrap,
 * the reader refills from the new position (with the loop, if any, so
 * the passes play gaplessly). */
REALTIME static void reader_locate(struct engine *e)
{
	if (!e->reader)
		return;
	disk_reader_locate_loop(e->reader, e->timeline,
	                        e->loop_on ? e->loop_start : 0,
	                        e->loop_on ? e->loop_end : 0);
}

/* Internal transport: a roll waits (timeline held) until the reader has
 * the data of the position, so playback starts on its exact frame. */
REALTIME static bool holding(struct engine *e)
{
	return e->rolling && !e->follow && e->reader &&
	       !disk_reader_ready(e->reader);
}

/* The take number for the next pass or split, 0 if none is queued. */
REALTIME static uint32_t next_queued_take(struct engine *e)
{
	if (!e->queue_count)
		return 0;
	uint32_t n = e->take_queue[e->queue_head];
	e->queue_head = (e->queue_head + 1) % 8;
	e->queue_count--;
	return n;
}

/* The RECORD is over: nothing more records until the next one, and the
 * numbers still queued for it are the control thread's to cancel. */
REALTIME static void end_record(struct engine *e)
{
	e->record_enabled = false;
	e->record_take = 0;
	e->queue_count = 0;
}

/* A take ended but the RECORD goes on (loop pass, split, punch-out in a
 * loop): the next take needs a queued number, else recording ends. */
REALTIME static void continue_recording(struct engine *e)
{
	e->record_take = next_queued_take(e);
	if (!e->record_take)
		end_record(e);
}

REALTIME static void end_count_in(struct engine *e)
{
	if (!e->counting_in)
		return;
	e->counting_in = false;
	retire_later(e, e->count_in_map, NULL);
	e->count_in_map = NULL;
}

/* STOP: the take ends, the transport stops, the RECORD is over. */
REALTIME static void do_stop(struct engine *e, uint64_t now)
{
	if (e->take)
		stop_take(e, now);
	end_count_in(e);
	if (e->pending_record) {
		e->pending_record = false;
		retire_later(e, e->record_cmd.map, NULL);
	}
	e->rolling = false;
	end_record(e);
	e->pending_play = false;
	e->pending_stop = false;
	e->pending_split = false;
	e->stop_at_loop_end = false;
}

REALTIME static void begin_record(struct engine *e,
                                  const struct engine_command *c)
{
	bool use_count_in = c->count_in > 0 && c->map && !e->rolling &&
	                    !e->counting_in;
	if (!use_count_in)
		retire_later(e, c->map, NULL);
	if (e->take || e->record_enabled)
		return; /* one RECORD at a time; control refuses a second */
	e->record_enabled = true;
	e->record_take = (uint32_t)c->value;
	e->punch_in = c->punch_in;
	e->punch_out = c->punch_out;
	e->record_length = c->length;
	e->record_done = 0;
	e->stop_with_take = c->length > 0;
	if (use_count_in && !e->follow) {
		e->counting_in = true;
		e->count_in_left = c->count_in;
		e->count_in_pos = 0;
		e->count_in_map = c->map;
		e->count_in_silent = c->silent_count_in;
	} else if (!e->follow) {
		e->rolling = true;
	} else if (use_count_in) {
		retire_later(e, c->map, NULL); /* the master decides: no count-in */
	}
}

/* Following JACK's transport: take its state and position for this
 * cycle before anything else happens in it. */
REALTIME static void follow_external(struct engine *e)
{
	if (!e->follow || !e->ext_valid)
		return;
	e->ext_valid = false;
	if (e->ext_frame != e->timeline) {
		/* Someone relocated the transport. */
		if (e->take) {
			stop_take(e, e->clock);
			end_record(e);
		}
		e->timeline = e->ext_frame;
		reader_locate(e);
	}
	if (e->ext_rolling && !e->rolling) {
		end_count_in(e);
		e->rolling = true;
	} else if (!e->ext_rolling && e->rolling) {
		do_stop(e, e->clock);
	}
}

/* Track t's source came or went: tell the take it records where, at the
 * cycle its input buffer changed if that was in this take, else here. */
REALTIME static void mark_input(struct engine *e, uint32_t t, bool connected)
{
	struct engine_track *tr = &e->tracks[t];
	if (!e->take || !tr->in_take)
		return;
	struct engine_event ev = {
		.type = ENGINE_EVENT_INPUT, .take = e->take,
		.clock_frame = e->clock,
		.timeline_frame = (uint64_t)(tr->input_changed_take == e->take
		                             ? tr->input_changed_at
		                             : e->timeline),
		.length = connected,
		.track = t,
	};
	if (!push_event(e, &ev))
		atomic_fetch_add_explicit(&e->events_lost, 1,
		                          memory_order_relaxed);
}

/* Remember the cycle an input's buffer changed (see engine_track). */
REALTIME static void note_input_buffers(struct engine *e,
                                        const float *const *inputs)
{
	for (uint32_t t = 0; t < e->track_count; t++) {
		struct engine_track *tr = &e->tracks[t];
		if (inputs[t] == tr->last_input)
			continue;
		tr->last_input = inputs[t];
		tr->input_changed_at = e->timeline;
		tr->input_changed_take = e->take;
	}
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
		if (e->pending_record)
			retire_later(e, e->record_cmd.map, NULL);
		e->pending_record = true;
		e->record_cmd = *c;
		break;
	case ENGINE_CMD_STOP:
		if (c->value == 1 && e->loop_on && e->rolling) {
			e->stop_at_loop_end = true;
			break;
		}
		e->pending_stop = true;
		e->stop_at = c->at;
		break;
	case ENGINE_CMD_PLAY:
		if (e->follow)
			break; /* the transport master starts the roll */
		e->pending_play = true;
		e->play_at = c->at;
		break;
	case ENGINE_CMD_LOCATE:
		/* A take is one continuous stretch of the timeline. The
		 * master locates a followed transport. */
		if (!e->take) {
			/* Following, the position is JACK's; a LOCATE then
			 * only refreshes the playback streams. */
			if (!e->follow)
				e->timeline = c->value;
			reader_locate(e);
		}
		break;
	case ENGINE_CMD_SET_CLICK:
		if (c->map != e->map)
			retire_later(e, e->map, NULL);
		if (c->click != e->click)
			retire_later(e, NULL, e->click);
		e->map = c->map;
		e->click = c->click;
		break;
	case ENGINE_CMD_CLICK_ON:
		e->click_on = c->value != 0;
		break;
	case ENGINE_CMD_SET_LEVEL:
		if (c->track < ENGINE_LEVEL_COUNT)
			e->levels[c->track] = c->level;
		break;
	case ENGINE_CMD_MONITOR:
		if (c->track < e->track_count) {
			struct engine_track *tr = &e->tracks[c->track];
			tr->monitor_l = c->level;
			tr->monitor_r = c->level_right < 0.0f ? c->level
			                                      : c->level_right;
			e->any_monitor = false;
			for (uint32_t t = 0; t < e->track_count; t++)
				e->any_monitor |= e->tracks[t].monitor_l != 0.0f ||
				                  e->tracks[t].monitor_r != 0.0f;
		}
		break;
	case ENGINE_CMD_FOLLOW:
		e->follow = c->value != 0;
		break;
	case ENGINE_CMD_LOOP:
		e->loop_on = c->value != 0 && c->punch_out > c->punch_in;
		e->loop_start = c->punch_in;
		e->loop_end = c->punch_out;
		if (!e->take)
			reader_locate(e); /* the reader must know the loop */
		break;
	case ENGINE_CMD_STREAM_LEVEL:
		if (c->track < e->stream_count) {
			e->stream_cue[2 * c->track] = c->level;
			e->stream_cue[2 * c->track + 1] =
				c->level_right < 0.0f ? c->level : c->level_right;
		}
		break;
	case ENGINE_CMD_QUEUE_TAKE:
		if (e->queue_count < 8) {
			e->take_queue[(e->queue_head + e->queue_count) % 8] =
				(uint32_t)c->value;
			e->queue_count++;
		}
		break;
	case ENGINE_CMD_NEW_TAKE:
		e->pending_split = true;
		e->split_at = c->at;
		break;
	case ENGINE_CMD_INPUT_MARK:
		if (c->track < e->track_count)
			mark_input(e, c->track, c->value != 0);
		break;
	case ENGINE_CMD_RESET_METERS:
		for (uint32_t t = 0; t < e->track_count; t++) {
			e->tracks[t].clips = 0;
			e->tracks[t].meter_hold = 0;
		}
		break;
	case ENGINE_CMD_STREAM_TRACK:
		if (c->track < e->stream_count)
			e->stream_track[c->track] =
				c->value >= 0 && c->value < e->track_count
				? (uint32_t)c->value : ENGINE_NO_TRACK;
		break;
	default:
		break;
	}
}

/*
 * Apply everything due at offset `off` of this cycle: commands whose
 * clock frame has come, the end of the count-in, the end of the take
 * (punch-out, length), the start of the take (punch-in). Order matters
 * when several fall on one frame: a stop wins over a start on that frame.
 */
REALTIME static void transitions(struct engine *e, uint32_t off)
{
	uint64_t now = e->clock + off;
	if (e->pending_stop && e->stop_at <= now)
		do_stop(e, now);
	if (e->pending_record && e->record_cmd.at <= now) {
		e->pending_record = false;
		begin_record(e, &e->record_cmd);
	}
	if (e->pending_play && e->play_at <= now) {
		e->pending_play = false;
		if (!e->counting_in)
			e->rolling = true;
	}
	if (e->counting_in && e->count_in_left == 0) {
		end_count_in(e);
		e->rolling = true;
	}
	if (e->take) {
		bool punched_out = e->punch_out != ENGINE_NO_FRAME &&
		                   e->timeline >= e->punch_out;
		bool long_enough = e->record_length &&
		                   e->record_done + e->take_frames >=
		                   e->record_length;
		if (long_enough) {
			stop_take(e, now);
			end_record(e);
			if (e->stop_with_take)
				e->rolling = false;
		} else if (punched_out) {
			stop_take(e, now);
			/* In a loop the next pass punches in again. */
			if (e->loop_on)
				continue_recording(e);
			else
				end_record(e);
		}
	}
	/* After the end checks: a split due on the frame where the RECORD
	 * ends anyway must not start a take there. */
	if (e->pending_split && e->split_at <= now) {
		e->pending_split = false;
		if (e->take) {
			stop_take(e, now);
			continue_recording(e);
		}
	}
	if (e->rolling && e->loop_on && e->timeline == e->loop_end &&
	    e->stop_at_loop_end) {
		do_stop(e, now); /* the last pass ends where the loop does */
	} else if (e->rolling && e->loop_on && e->timeline == e->loop_end) {
		if (e->take) {
			stop_take(e, now);
			continue_recording(e);
		}
		e->timeline = e->loop_start;
	}
	if (e->rolling && e->record_enabled && !e->take && e->record_take &&
	    !holding(e)) {
		/* Takes start at or after timeline 0: the file's time
		 * reference cannot be negative. */
		int64_t from = e->punch_in > 0 ? e->punch_in : 0;
		bool inside = e->timeline >= from &&
		              (e->punch_out == ENGINE_NO_FRAME ||
		               e->timeline < e->punch_out);
		if (inside) {
			start_take(e, e->record_take, now, e->timeline);
			if (e->take)
				e->record_take = 0;
			else
				end_record(e); /* could not start */
		}
	}
}

REALTIME static void candidate(uint64_t *end, uint64_t at)
{
	if (at < *end)
		*end = at;
}

/* Offset in this cycle of the next frame where transitions() may change
 * something, or nframes. Always > off. */
REALTIME static uint32_t next_boundary(const struct engine *e, uint32_t off,
                                       uint32_t nframes)
{
	uint64_t end = nframes;
	uint64_t now = e->clock + off;
	if (e->pending_stop && e->stop_at > now)
		candidate(&end, e->stop_at - e->clock);
	if (e->pending_record && e->record_cmd.at > now)
		candidate(&end, e->record_cmd.at - e->clock);
	if (e->pending_play && e->play_at > now)
		candidate(&end, e->play_at - e->clock);
	if (e->counting_in)
		candidate(&end, off + e->count_in_left);
	if (e->rolling && e->record_enabled && !e->take && e->record_take) {
		int64_t from = e->punch_in > 0 ? e->punch_in : 0;
		if (e->timeline < from)
			candidate(&end, off + (uint64_t)(from - e->timeline));
	}
	if (e->take && e->punch_out != ENGINE_NO_FRAME &&
	    e->timeline < e->punch_out)
		candidate(&end, off + (uint64_t)(e->punch_out - e->timeline));
	if (e->take && e->record_length &&
	    e->record_done + e->take_frames < e->record_length)
		candidate(&end, off + (e->record_length - e->record_done -
		                       e->take_frames));
	if (e->pending_split && e->split_at > now)
		candidate(&end, e->split_at - e->clock);
	if (e->rolling && e->loop_on && e->timeline < e->loop_end)
		candidate(&end, off + (uint64_t)(e->loop_end - e->timeline));
	return (uint32_t)end;
}

/* `fall` is the meter's fall-back factor for a cycle of nframes. */
REALTIME static void meter_update(struct engine *e, struct engine_track *tr,
                                  const float *in, uint32_t nframes,
                                  float fall)
{
	uint64_t clips = 0;
	float peak = peak_scan(in, nframes, ENGINE_CLIP_LEVEL, &clips);
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
	if (tr->has_owed && ring_write(tr->gaps, &tr->owed, sizeof tr->owed))
		tr->has_owed = false;
	if (tr->has_owed) {
		/* The last take's end is not queued: nothing may follow. */
	} else if (tr->gap_length > 0 && ring_write_space(tr->ring) >= bytes) {
		struct engine_gap gap = { tr->gap_start, tr->gap_length,
		                          e->take };
		if (ring_write(tr->gaps, &gap, sizeof gap))
			tr->gap_length = 0;
	}
	if (!tr->has_owed && tr->gap_length == 0 &&
	    ring_write_streamed(tr->ring, in + from, bytes)) {
		e->samples_held = true; /* publish_captured() */
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

/* Pre-record: frames [from, to) of every track into its history, while
 * the writer is not copying it. */
REALTIME static void keep_history(struct engine *e, const float *const *inputs,
                                  uint32_t from, uint32_t to)
{
	if (atomic_load_explicit(&e->history_busy, memory_order_acquire)) {
		e->history_fill = 0; /* what we keep must be contiguous */
		return;
	}
	size_t mask = e->history_size - 1;
	uint32_t n = to - from;
	size_t at = (size_t)(e->history_pos & mask);
	size_t first = e->history_size - at < n ? e->history_size - at : n;
	for (uint32_t t = 0; t < e->track_count; t++) {
		float *h = (float *)(void *)e->history[t]->buf;
		memcpy(h + at, inputs[t] + from, first * sizeof(float));
		memcpy(h, inputs[t] + from + first, (n - first) * sizeof(float));
	}
	e->history_pos += n;
	e->history_fill += n;
	if (e->history_fill > e->pre_record_frames)
		e->history_fill = e->pre_record_frames;
}

/* Pass 1: run the transport through the cycle, capturing as it goes. */
REALTIME static void run_transport(struct engine *e,
                                   const float *const *inputs,
                                   uint32_t nframes)
{
	e->segment_count = 0;
	uint32_t off = 0;
	while (off < nframes) {
		transitions(e, off);
		bool hold = holding(e);
		uint32_t end = hold ? nframes : next_boundary(e, off, nframes);
		uint32_t len = end - off;
		struct segment seg = {
			.offset = off, .length = len,
			.kind = e->counting_in ? SEG_COUNT_IN :
			        e->rolling && !hold ? SEG_ROLLING : SEG_STOPPED,
			.position = e->counting_in ? (int64_t)e->count_in_pos
			                           : e->timeline,
			.count_in_map = e->count_in_map,
		};
		if (e->segment_count < MAX_SEGMENTS)
			e->segments[e->segment_count++] = seg;
		else /* cannot happen in practice; keep the output sane */
			e->segments[MAX_SEGMENTS - 1].kind = SEG_STOPPED;
		if (e->take) {
			for (uint32_t t = 0; t < e->track_count; t++) {
				struct engine_track *tr = &e->tracks[t];
				if (tr->in_take)
					capture(e, tr, inputs[t], off, end);
			}
			e->take_frames += len;
			e->captured_total += len;
		} else if (e->history) {
			keep_history(e, inputs, off, end);
		}
		if (e->rolling && !hold)
			e->timeline += len;
		if (e->counting_in) {
			e->count_in_pos += len;
			e->count_in_left -= len;
		}
		off = end;
	}
	publish_captured(e);
	/* Changes due on the cycle's last frame + 1 show in this cycle's
	 * published state; a command due then is applied next cycle at 0. */
	e->clock += nframes;
	transitions(e, 0);
	e->clock -= nframes;
}

/*
 * Playback streams for this cycle's rolling segments, silence elsewhere.
 * The reader's position must be the segment's timeline position: after a
 * locate in a followed transport (JACK rolled on while the reader filled)
 * the reader is ahead of nothing and behind the timeline, so skip to it;
 * anything else out of step gets a fresh locate.
 */
REALTIME static void render_playback(struct engine *e, float *const *outputs,
                                     uint32_t nframes)
{
	if (!e->reader)
		return;
	for (size_t s = 0; s < e->segment_count; s++) {
		const struct segment *seg = &e->segments[s];
		bool play = seg->kind == SEG_ROLLING &&
		            disk_reader_ready(e->reader);
		if (play) {
			int64_t have = disk_reader_position(e->reader);
			int64_t gap = seg->position - have;
			if (gap > 0 && gap < (int64_t)e->sample_rate) {
				for (uint32_t i = 0; i < e->stream_count; i++)
					disk_reader_skip(e->reader, i,
					                 (uint32_t)gap);
			} else if (gap != 0) {
				disk_reader_locate_loop(
					e->reader, seg->position,
					e->loop_on ? e->loop_start : 0,
					e->loop_on ? e->loop_end : 0);
				play = false;
			}
		}
		for (uint32_t i = 0; i < e->stream_count; i++) {
			float *out = outputs ? outputs[ENGINE_OUT_COUNT + i]
			                     : NULL;
			uint32_t t = e->stream_track[i];
			bool muted = t != ENGINE_NO_TRACK && e->tracks[t].armed;
			if (play && out && !muted) {
				disk_reader_read(e->reader, i, out + seg->offset,
				                 seg->length);
				continue;
			}
			if (play) /* keep its place on the timeline */
				disk_reader_skip(e->reader, i, seg->length);
			if (out)
				memset(out + seg->offset, 0,
				       seg->length * sizeof *out);
		}
	}
	(void)nframes;
}

/* The cycle's click (rendered at unity in raw) at a level, or silence. */
REALTIME static void scaled_click(float *out, const float *raw, bool any_click,
                                  float gain, uint32_t nframes)
{
	if (!any_click) {
		memset(out, 0, nframes * sizeof *out);
		return;
	}
	for (uint32_t i = 0; i < nframes; i++)
		out[i] = raw[i] * gain;
}

/*
 * One side of the cue (0 left, 1 right): the click in the centre, every
 * monitored input and every playback stream at its gain for that side
 * (control puts the track's pan into them).
 */
REALTIME static void mix_cue_side(struct engine *e, const float *const *inputs,
                                  float *const *outputs, const float *raw,
                                  bool any_click, int side, float *cue,
                                  uint32_t nframes)
{
	scaled_click(cue, raw, any_click, e->levels[ENGINE_LEVEL_CUE_CLICK],
	             nframes);
	for (uint32_t t = 0; e->any_monitor && t < e->track_count; t++) {
		float g = side ? e->tracks[t].monitor_r : e->tracks[t].monitor_l;
		if (g == 0.0f)
			continue;
		const float *in = inputs[t];
		for (uint32_t i = 0; i < nframes; i++)
			cue[i] += in[i] * g;
	}
	for (uint32_t i = 0; i < e->stream_count; i++) {
		const float *play = outputs[ENGINE_OUT_COUNT + i];
		float g = e->stream_cue[2 * i + (uint32_t)side];
		if (!play || g == 0.0f)
			continue;
		for (uint32_t k = 0; k < nframes; k++)
			cue[k] += play[k] * g;
	}
}

/*
 * Pass 2: click and cue mix, after every input has been read. The click
 * is rendered once at unity into scratch; click_out and the cue take it
 * at their own levels, so muting click_out keeps the click in the cue.
 */
REALTIME static void render_outputs(struct engine *e,
                                    const float *const *inputs,
                                    float *const *outputs, uint32_t nframes)
{
	float *raw = e->scratch;
	memset(raw, 0, nframes * sizeof *raw);
	bool any_click = false;
	for (size_t s = 0; e->click && s < e->segment_count; s++) {
		const struct segment *seg = &e->segments[s];
		const struct tempo_map *map =
			seg->kind == SEG_ROLLING && e->click_on ? e->map :
			seg->kind == SEG_COUNT_IN &&
			(e->click_on || !e->count_in_silent)
			? seg->count_in_map : NULL;
		if (!map)
			continue;
		click_render(e->click, map, seg->position, seg->length, 1.0f,
		             raw + seg->offset);
		any_click = true;
	}
	float *click = outputs ? outputs[ENGINE_OUT_CLICK] : NULL;
	if (click)
		scaled_click(click, raw, any_click, e->levels[ENGINE_LEVEL_CLICK],
		             nframes);
	render_playback(e, outputs, nframes);
	float *cue_l = outputs ? outputs[ENGINE_OUT_CUE_L] : NULL;
	float *cue_r = outputs ? outputs[ENGINE_OUT_CUE_R] : NULL;
	if (cue_l)
		mix_cue_side(e, inputs, outputs, raw, any_click, 0, cue_l,
		             nframes);
	if (cue_r)
		mix_cue_side(e, inputs, outputs, raw, any_click, 1, cue_r,
		             nframes);
}

REALTIME static void publish(struct engine *e)
{
	enum engine_transport tp = e->counting_in ? ENGINE_COUNT_IN :
	                           e->take ? ENGINE_RECORDING :
	                           e->rolling ? ENGINE_ROLLING : ENGINE_STOPPED;
	atomic_store_explicit(&e->pub_transport, (int)tp, memory_order_relaxed);
	atomic_store_explicit(&e->pub_take, e->take, memory_order_relaxed);
	atomic_store_explicit(&e->pub_timeline, e->timeline,
	                      memory_order_relaxed);
	/* A RECORD waiting for its clock frame counts as active. */
	atomic_store_explicit(&e->pub_record_enabled,
	                      e->record_enabled || e->pending_record,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_click_on, e->click_on,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_count_in_left,
	                      e->counting_in ? e->count_in_left : 0,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_punch_in,
	                      e->record_enabled ? e->punch_in : ENGINE_NO_FRAME,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_punch_out,
	                      e->record_enabled ? e->punch_out : ENGINE_NO_FRAME,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_loop_on, e->loop_on, memory_order_relaxed);
	atomic_store_explicit(&e->pub_loop_start, e->loop_start,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_loop_end, e->loop_end,
	                      memory_order_relaxed);
	atomic_store_explicit(&e->pub_takes_queued, e->queue_count,
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
	atomic_store_explicit(&e->pub_captured, e->captured_total,
	                      memory_order_release);
	atomic_store_explicit(&e->pub_clock, e->clock, memory_order_release);
	/* Last, with release: a reader that sees these commands applied
	 * (it loads this first, with acquire) sees everything above from
	 * this cycle or a later one, never an older state. */
	atomic_store_explicit(&e->pub_commands_applied, e->commands_applied,
	                      memory_order_release);
}

REALTIME static void process_chunk(struct engine *e,
                                   const float *const *inputs,
                                   float *const *outputs, uint32_t nframes)
{
	run_transport(e, inputs, nframes);

	/* Same for every track: once per cycle, not once per track. */
	float fall = exp10f(-e->fall_per_frame * (float)nframes);
	for (uint32_t t = 0; t < e->track_count; t++)
		meter_update(e, &e->tracks[t], inputs[t], nframes, fall);

	render_outputs(e, inputs, outputs, nframes);
	for (size_t i = 0; i < e->to_retire_count; i++)
		if (!ring_write(e->retire, &e->to_retire[i],
		                sizeof e->to_retire[i]))
			break; /* control is not collecting: leak, never free
			          in use */
	e->to_retire_count = 0;
	e->clock += nframes;

	e->frames_since_wake += nframes;
	if (e->frames_since_wake >= e->wake_interval) {
		e->frames_since_wake = 0;
		sem_post(&e->wake);
	}
}

REALTIME void engine_process(struct engine *e, const float *const *inputs,
                             float *const *outputs, uint32_t nframes)
{
	struct engine_command cmd;
	note_input_buffers(e, inputs);
	while (ring_read(e->commands, &cmd, sizeof cmd)) {
		apply_command(e, &cmd);
		e->commands_applied++;
	}
	flush_stop_event(e);
	follow_external(e);

	if (nframes <= CHUNK_FRAMES) {
		process_chunk(e, inputs, outputs, nframes);
	} else {
		uint32_t nout = ENGINE_OUT_COUNT + e->stream_count;
		for (uint32_t done = 0; done < nframes;) {
			uint32_t n = nframes - done;
			n = n < CHUNK_FRAMES ? n : CHUNK_FRAMES;
			for (uint32_t t = 0; t < e->track_count; t++)
				e->chunk_inputs[t] = inputs[t] + done;
			for (uint32_t o = 0; o < nout; o++)
				e->chunk_outputs[o] = outputs && outputs[o]
				                      ? outputs[o] + done : NULL;
			process_chunk(e, e->chunk_inputs,
			              outputs ? e->chunk_outputs : NULL, n);
			done += n;
		}
	}
	publish(e);
}
