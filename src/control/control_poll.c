/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * control_poll(), the control thread's regular duty: collect finished
 * takes into session.json, stop a take on a disk error, finish it when
 * JACK dies or freezes (the stall guard), reset the streams after a
 * keeper change, save changed levels. Also control_wait_idle() and the
 * finished-take summaries front-ends show.
 */
#include "control_internal.h"

#include "redlight/click.h"
#include "redlight/disk_writer.h"
#include "redlight/jack_backend.h"
#include "redlight/tempo_map.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* A finished take, told: the summary front-ends get from
 * control_last_take() and control_next_finished(). */
static void publish(struct control *c, const struct control_take_summary *sum)
{
	c->have_last = true;
	c->last = *sum;
	c->takes_finished++;
	if (c->finished_count == FINISHED_KEPT) {
		/* nobody collects: keep the newest */
		c->finished_head = (c->finished_head + 1) % FINISHED_KEPT;
		c->finished_count--;
	}
	c->finished[(c->finished_head + c->finished_count++) % FINISHED_KEPT] =
		*sum;
}

/* Finished takes are told once session.json holds them (the saver thread
 * writes it, session_save_later()): whoever hears "take 3 finished" --
 * the UI, OSC, `redlight record` -- finds it there. A save that failed
 * is over too; its error is the log's (control_poll()). */
static void publish_saved(struct control *c)
{
	size_t n = 0;
	while (n < c->unsaved_count &&
	       session_save_done(c->session, c->unsaved[n].save))
		publish(c, &c->unsaved[n++].sum);
	memmove(c->unsaved, c->unsaved + n,
	        (c->unsaved_count - n) * sizeof c->unsaved[0]);
	c->unsaved_count -= n;
}

/* A finished take: out of the open takes (so the next can start at
 * once), into session.json, and told when that is written. */
static enum rl_status take_finished(struct control *c,
                                    struct session_take *take,
                                    struct error *err)
{
	control_end_open_take(c, take);
	struct control_take_summary sum = {
		.number = take->number,
		.tracks = (uint32_t)take->file_count,
		.frames = take->length,
		.sample_rate = take->sample_rate,
		.dropped_frames = take->dropped_frames,
		.xruns = take->xruns,
	};
	snprintf(sum.dir, sizeof sum.dir, "%s/takes/%03u", c->session_dir,
	         take->number);
	snprintf(sum.end_reason, sizeof sum.end_reason, "%s",
	         take->end_reason);
	/* The newest take is a track's keeper until one is chosen: heard
	 * from the next play or locate. */
	c->streams_dirty = true;
	uint64_t seq = 0;
	enum rl_status st = session_put_take(c->session, take, err);
	if (st == RL_OK)
		st = session_save_later(c->session, &seq, err);
	if (c->unsaved_count == FINISHED_KEPT) {
		/* That many takes ended within one write: the oldest is
		 * told now rather than waited for. */
		publish(c, &c->unsaved[0].sum);
		memmove(c->unsaved, c->unsaved + 1,
		        --c->unsaved_count * sizeof c->unsaved[0]);
	}
	c->unsaved[c->unsaved_count++] = (struct unsaved_take){
		.sum = sum, .save = st == RL_OK ? seq : 0 };
	return st;
}

/* Free what the audio thread has let go of (count-in maps, replaced maps
 * and sounds), unless it is still ours. */
void control_collect_retired(struct control *c)
{
	const struct tempo_map *map;
	const struct click *click;
	while (engine_next_retired(c->engine, &map, &click)) {
		if (map && map != c->map)
			tempo_map_free((struct tempo_map *)map);
		if (click && click != c->click)
			click_free((struct click *)click);
	}
}

/*
 * A stop was asked for and JACK has not run our process callback for
 * CONTROL_STALL_MS: the server is frozen (stopped, hung driver, a
 * debugger) without having died, so neither the stop nor a shutdown
 * callback will ever come. Waiting would keep the take's files open
 * forever and the recorder from exiting; instead the take is finished
 * at the last length the audio thread published, like a dead server,
 * and the engineer is told why. Only while stopping: a stalled server
 * that recovers before anybody asks to stop loses nothing, and a take
 * must not be cut under a server that is only slow.
 */
static bool check_stalled(struct control *c, char *reason, size_t size)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* A stop where the loop pass ends is a stop asked for too: a frozen
	 * server never reaches the loop's end either. */
	bool stopping = c->stop_sent || c->stop_after_pass_sent;
	if (!stopping || snap.cycles != c->stall_cycles ||
	    !c->stall_watching) {
		c->stall_watching = stopping;
		c->stall_cycles = snap.cycles;
		c->stall_moved = now;
		return false;
	}
	double ms = (now.tv_sec - c->stall_moved.tv_sec) * 1e3 +
	            (now.tv_nsec - c->stall_moved.tv_nsec) / 1e6;
	if (ms < CONTROL_STALL_MS)
		return false;
	snprintf(reason, size,
	         "JACK stopped running redlight's audio for %.1f s while a "
	         "stop was pending (server frozen?): the take ends at the "
	         "%llu frames that reached the recorder", ms / 1e3,
	         (unsigned long long)snap.take_frames);
	return true;
}

/*
 * A write of the saver thread failed: said in the log (the path and why)
 * once, and the session saved again within a second (control_save_mix()
 * does) until a write succeeds, which is said too. The recorder goes on;
 * control_wait_idle() reports a failure that lasts.
 */
static void check_saver(struct control *c)
{
	struct error serr;
	if (session_save_failed(c->session, &serr)) {
		c->mix_dirty = true;
		if (!c->save_failing)
			control_post(c, CONTROL_ERROR, "%s (trying again every "
			             "second)", serr.message);
		c->save_failing = true;
	} else if (c->save_failing && !session_save_failing(c->session)) {
		c->save_failing = false;
		control_post(c, CONTROL_INFO, "%s/session.json saved again",
		             c->session_dir);
	}
}

enum rl_status control_poll(struct control *c, struct error *err)
{
	enum rl_status result = RL_OK;
	check_saver(c);
	publish_saved(c);
	if (!c->engine) {
		control_save_mix(c, false, NULL);
		control_follow_server(c);
		return result;
	}
	control_collect_retired(c);
	control_follow_inputs(c);
	if (control_takes_open(c))
		result = control_track_open_takes(c, err);
	char reason[256];
	if (control_takes_open(c) && !c->jack_dead_handled &&
	    (jack_backend_dead(c->jb, reason, sizeof reason) ||
	     check_stalled(c, reason, sizeof reason))) {
		/* The audio thread is gone: everything it published is in
		 * the rings; finish the take at the last published length. */
		struct engine_snapshot snap;
		engine_snapshot(c->engine, &snap);
		control_cancel_never_started(c, &snap);
		disk_writer_force_stop(c->writer, snap.take_frames, reason);
		c->jack_dead_handled = true;
		c->server_frozen = !jack_backend_dead(c->jb, NULL, 0);
		result = error_set(err, RL_ERR_JACK, "%s", reason);
	}
	struct error werr;
	if (control_takes_open(c) && !c->failure_handled &&
	    disk_writer_failed(c->writer, &werr)) {
		/* Stop now, even if a stop at a later frame is pending. */
		c->failure_handled = true;
		c->stop_sent = false;
		control_stop(c, 0, NULL);
		if (result == RL_OK) {
			if (err)
				*err = werr;
			result = werr.status;
		}
	}
	struct session_take take;
	while (disk_writer_poll(c->writer, &take)) {
		struct error serr;
		if (take_finished(c, &take, &serr) != RL_OK &&
		    result == RL_OK) {
			if (err)
				*err = serr;
			result = serr.status;
		}
		session_take_cleanup(&take);
	}
	publish_saved(c);
	struct engine_snapshot ssnap;
	if (c->streams_dirty && control_stopped(c, &ssnap)) {
		/* What the tracks play changed (a keeper, a comp, a take)
		 * while rolling: take it from where the transport stands. */
		struct error serr;
		c->streams_dirty = false;
		if (control_refresh_streams(c, &serr) != RL_OK)
			control_post(c, CONTROL_ERROR, "%s", serr.message);
	}
	control_listen_poll(c);
	struct error merr;
	if (control_save_mix(c, false, &merr) != RL_OK && result == RL_OK) {
		if (err)
			*err = merr;
		result = merr.status;
	}
	/* Last: it may take the recorder down. */
	control_follow_server(c);
	return result;
}

enum rl_status control_wait_idle(struct control *c, struct error *err)
{
	enum rl_status result = RL_OK;
	while (control_busy(c)) {
		if (c->writer && control_takes_open(c))
			disk_writer_wait(c->writer, 200);
		else if (c->unsaved_count)
			session_save_wait(c->session, c->unsaved[0].save,
			                  200);
		struct error e2;
		enum rl_status st = control_poll(c, &e2);
		if (st != RL_OK && result == RL_OK) {
			result = st;
			if (err)
				*err = e2;
		}
	}
	/* Every take is in session.json only if its last write worked:
	 * if not, once more, waited for, and a failure is the caller's. */
	struct error se;
	if (c->session && (c->save_failing ||
	                   session_save_failing(c->session))) {
		if (session_save(c->session, &se) == RL_OK) {
			c->save_failing = false;
		} else if (result == RL_OK) {
			result = se.status;
			if (err)
				*err = se;
		}
	}
	return result;
}

bool control_busy(struct control *c)
{
	return control_takes_open(c) || c->unsaved_count > 0;
}

bool control_next_finished(struct control *c,
                           struct control_take_summary *out)
{
	if (!c->finished_count)
		return false;
	*out = c->finished[c->finished_head];
	c->finished_head = (c->finished_head + 1) % FINISHED_KEPT;
	c->finished_count--;
	return true;
}

uint32_t control_takes_finished(const struct control *c)
{
	return c->takes_finished;
}

bool control_last_take(const struct control *c,
                       struct control_take_summary *out)
{
	if (c->have_last)
		*out = c->last;
	return c->have_last;
}
