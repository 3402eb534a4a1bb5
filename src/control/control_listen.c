/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Listen-back: play a take from its start on its tracks, with the other
 * tracks' keepers (or alone), and put everything back when the transport
 * stops -- what a band asks for after every take. It is the keeper
 * streams' machinery (control_refresh_streams()) pointed at the take's
 * files for a while: control_set_streams() asks control_listen_playback()
 * what each track plays, the take's tracks play even while armed, and
 * control_listen_poll() stops at the take's end, then restores the
 * keepers and locates back to where the transport was.
 */
#include "control_internal.h"

#include <stdio.h>

bool control_listen_playback(const struct control *c, size_t si,
                             struct session_playback *pb, bool *silent)
{
	*silent = false;
	if (!c->listen.take)
		return false;
	const struct session_take *t =
		session_find_take(c->session, c->listen.take);
	for (size_t k = 0; t && !t->discarded && k < t->file_count; k++) {
		if (t->files[k].track != si + 1)
			continue;
		*pb = (struct session_playback){
			.path = t->files[k].path,
			.start_frame = t->start_frame,
			.take = t->number,
		};
		return true;
	}
	*silent = c->listen.alone;
	return false;
}

uint32_t control_listening(const struct control *c)
{
	return c->listen.take;
}

/* Why `take` cannot be listened back to, or RL_OK. */
static enum rl_status check_take(struct control *c, uint32_t take,
                                 const struct session_take **out,
                                 struct error *err)
{
	const struct session_take *t = session_find_take(c->session, take);
	*out = t;
	if (!t)
		return error_set(err, RL_ERR_NOT_FOUND, "no take %u in %s",
		                 take, c->session_dir);
	if (t->discarded)
		return error_set(err, RL_ERR_STATE, "take %03u is in the trash: "
		                 "restore it to listen to it", take);
	if (!t->complete || t->length == 0 || t->file_count == 0)
		return error_set(err, RL_ERR_STATE, "take %03u has nothing to "
		                 "play (empty, or not finished)", take);
	return RL_OK;
}

enum rl_status control_listen_take(struct control *c, uint32_t take,
                                   bool alone, struct error *err)
{
	if (!c->engine || !c->reader)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (control_takes_open(c))
		return error_set(err, RL_ERR_STATE, "not while recording: "
		                 "listen back once the take is done");
	if (c->loop_on)
		return error_set(err, RL_ERR_STATE, "the loop is on: turn it "
		                 "off to listen back to a take");
	const struct session_take *t;
	enum rl_status st = check_take(c, take, &t, err);
	if (st != RL_OK)
		return st;
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	/* Another take while listening: back to where it all began. */
	int64_t back = c->listen.take ? c->listen.back_to
	                              : control_timeline_of(c, &snap);
	c->listen.take = take;
	c->listen.alone = alone;
	c->listen.back_to = back;
	c->listen.end = (int64_t)(t->start_frame + t->length);
	c->listen.stop_sent = false;
	c->listen.rolled = false;
	st = control_refresh_streams(c, err);
	if (st == RL_OK)
		st = control_send_locate(c, (int64_t)t->start_frame, err);
	if (st == RL_OK)
		st = control_play(c, err);
	if (st != RL_OK) {
		/* Nothing half done: the keepers play again. */
		struct error ignored;
		c->listen.take = 0;
		control_refresh_streams(c, &ignored);
		return st;
	}
	c->listen.play_seq = engine_commands_sent(c->engine);
	return RL_OK;
}

/* The transport stopped: the keepers play again, from where it was. */
static void end_listen(struct control *c)
{
	uint32_t take = c->listen.take;
	int64_t back = c->listen.back_to;
	c->listen.take = 0;
	struct error err;
	enum rl_status st = control_set_streams(c, &err);
	if (st == RL_OK)
		st = control_send_locate(c, back, &err);
	if (st != RL_OK) {
		control_post(c, CONTROL_ERROR, "after listening to take %03u: "
		             "%s", take, err.message);
		return;
	}
	c->streams_dirty = false;
	char at[48];
	control_position_text(c, back, at, sizeof at);
	control_post(c, CONTROL_INFO, "listened to take %03u: the keepers "
	             "play again, the transport is back at %s", take, at);
}

void control_listen_poll(struct control *c)
{
	if (!c->listen.take || !c->engine)
		return;
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	/* Judge only what the engine did after our locate and play. */
	if (snap.commands_applied < c->listen.play_seq)
		return;
	if (snap.transport == ENGINE_ROLLING) {
		c->listen.rolled = true;
		if (!c->listen.stop_sent && snap.timeline >= c->listen.end) {
			c->listen.stop_sent = true;
			control_stop(c, 0, NULL);
		}
		return;
	}
	/* Following JACK, the roll starts at JACK's next cycle: a stop
	 * counts once it rolled. Ours rolls as soon as PLAY is applied. */
	bool ours = c->config.transport == JACK_TRANSPORT_INTERNAL;
	if (snap.transport == ENGINE_STOPPED && (c->listen.rolled || ours) &&
	    !control_takes_open(c))
		end_listen(c);
}
