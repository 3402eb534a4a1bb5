/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Inputs that come and go. A track records through its own JACK input
 * (in_<name>) connected to the port the session names; that port may not
 * be there when the recorder starts (an 8-input interface under an
 * 11-track template), may appear later (the interface is plugged in, a
 * stage box joins) and may vanish mid-take (unplugged, its client quit).
 *
 * None of that stops the recorder: a track without its port shows "no
 * input" and is not armed; it is connected the moment the port appears
 * and armed again once no take records. A port that vanishes mid-take
 * leaves its track recording silence -- JACK hands an unconnected input
 * a zeroed buffer -- and the take's file entry says from which frame
 * (no_input_ranges in session.json), placed by the audio thread at the
 * cycle the input's buffer changed (ENGINE_CMD_INPUT_MARK).
 *
 * JACK tells us of ports and connections on its notification thread,
 * which only counts them (jack_backend_graph_changes()); the work is
 * done here, on the control thread, from control_poll().
 */
#include "control_internal.h"

#include "redlight/jack_backend.h"

#include <stdlib.h>
#include <string.h>

/* Look again at least this often even if JACK said nothing: a JACK
 * implementation that is sparing with its notifications (PipeWire's)
 * still gets its ports followed. */
#define RECHECK_NS 1000000000LL

enum rl_status control_inputs_init(struct control *c,
                                   const char *const *sources, size_t count,
                                   struct error *err)
{
	c->inputs = calloc(count, sizeof *c->inputs);
	if (!c->inputs)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++)
		snprintf(c->inputs[i].source, sizeof c->inputs[i].source, "%s",
		         sources[i]);
	return RL_OK;
}

/* The session track of engine track t, for messages. */
static const char *name_of(const struct control *c, uint32_t t)
{
	return c->session->tracks[c->session_track[t]].name;
}

enum rl_status control_connect_inputs(struct control *c, struct error *err)
{
	for (uint32_t t = 0; t < c->track_count; t++) {
		struct control_input *in = &c->inputs[t];
		struct error cerr;
		enum rl_status st = jack_backend_connect(c->jb, t, in->source,
		                                         &cerr);
		if (st == RL_ERR_NOT_FOUND) {
			in->state = CONTROL_INPUT_MISSING;
			in->rearm = true;
			control_post(c, CONTROL_WARNING, "track %s: no input "
			             "(%s is not there); it connects when the "
			             "port appears", name_of(c, t), in->source);
		} else if (st != RL_OK) {
			if (err)
				*err = cerr;
			return st;
		}
	}
	c->graph_seen = jack_backend_graph_changes(c->jb);
	return RL_OK;
}

bool control_input_absent(const struct control *c, uint32_t t)
{
	if (!c->inputs || t >= c->track_count)
		return false;
	uint32_t p = c->partner[t];
	return c->inputs[t].state != CONTROL_INPUT_CONNECTED ||
	       (p != UINT32_MAX && c->inputs[p].state !=
	                           CONTROL_INPUT_CONNECTED);
}

/* Tell the take track t records (if any) that its input went (false) or
 * came back (true); the audio thread puts the frame. */
static void mark_take(struct control *c, uint32_t t, bool connected)
{
	if (!control_takes_open(c))
		return;
	struct error err;
	if (control_send_simple(c, ENGINE_CMD_INPUT_MARK, t, connected, 0,
	                        &err) != RL_OK)
		control_post(c, CONTROL_ERROR, "track %s: %s", name_of(c, t),
		             err.message);
}

/* Track t's input is no longer connected to its port. */
static void input_lost(struct control *c, uint32_t t)
{
	struct control_input *in = &c->inputs[t];
	bool gone = !jack_backend_port_exists(c->jb, in->source);
	in->state = gone ? CONTROL_INPUT_MISSING : CONTROL_INPUT_UNPATCHED;
	mark_take(c, t, false);
	control_post(c, CONTROL_WARNING, "track %s: lost its input %s (%s)%s",
	             name_of(c, t), in->source,
	             gone ? "the port is gone" : "disconnected",
	             control_takes_open(c) ? "; it records silence from "
	                                     "there, marked in the take"
	                                   : "");
}

/* Track t's port is there again (or for the first time). */
static void input_found(struct control *c, uint32_t t)
{
	struct control_input *in = &c->inputs[t];
	if (in->state == CONTROL_INPUT_MISSING) {
		struct error err;
		if (jack_backend_connect(c->jb, t, in->source, &err) != RL_OK) {
			control_post(c, CONTROL_ERROR, "track %s: %s",
			             name_of(c, t), err.message);
			return;
		}
	}
	in->state = CONTROL_INPUT_CONNECTED;
	mark_take(c, t, true);
	control_post(c, CONTROL_INFO, "track %s: input %s connected",
	             name_of(c, t), in->source);
}

/* Nothing records: a track without its input is not armed, and one whose
 * input came back is armed again if it lost its arming that way. */
static void follow_arming(struct control *c)
{
	if (control_takes_open(c))
		return;
	for (uint32_t t = 0; t < c->track_count; t++) {
		if (c->channel[t] != 0)
			continue;
		struct control_input *in = &c->inputs[t];
		bool absent = control_input_absent(c, t);
		struct error err;
		if (absent && c->armed[t]) {
			if (control_arm(c, t, false, &err) == RL_OK)
				in->rearm = true;
		} else if (!absent && in->rearm && !c->armed[t]) {
			in->rearm = false;
			if (control_arm(c, t, true, &err) == RL_OK)
				control_post(c, CONTROL_INFO, "track %s armed",
				             name_of(c, t));
		}
	}
}

void control_follow_inputs(struct control *c)
{
	if (!c->inputs || !c->jb || c->jack_dead_handled)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (now.tv_sec - c->inputs_checked.tv_sec) * 1000000000LL +
	             (now.tv_nsec - c->inputs_checked.tv_nsec);
	uint64_t changes = jack_backend_graph_changes(c->jb);
	if (changes != c->graph_seen || ns >= RECHECK_NS) {
		c->graph_seen = changes;
		c->inputs_checked = now;
		for (uint32_t t = 0; t < c->track_count; t++) {
			struct control_input *in = &c->inputs[t];
			/* libjack complains of a port that is not there:
			 * ask about connections only once it is. */
			bool there = jack_backend_port_exists(c->jb,
			                                      in->source);
			bool on = there && jack_backend_input_connected(
				c->jb, t, in->source);
			if (in->state == CONTROL_INPUT_CONNECTED && !on)
				input_lost(c, t);
			else if (in->state == CONTROL_INPUT_UNPATCHED &&
			         !there)
				/* Disconnected on its way out (a client
				 * that quits): connect it when it is back. */
				in->state = CONTROL_INPUT_MISSING;
			else if (in->state != CONTROL_INPUT_CONNECTED && there &&
			         (on || in->state == CONTROL_INPUT_MISSING))
				input_found(c, t);
		}
	}
	follow_arming(c);
}
