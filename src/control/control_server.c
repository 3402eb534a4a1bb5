/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A JACK server that goes away and comes back. When the server dies under
 * `redlight SESSION` the take it was recording is finished as before
 * (control_poll(): every file cut at the last frame the audio thread
 * published); then, instead of ending, the recorder is taken down and the
 * session stays open, the UI and OSC up, saying the server is gone. Once a
 * second a new JACK client is tried; when a server answers, the recorder
 * starts again as it ran: the same ports (tracks whose port is not there
 * wait for it, control_inputs.c), the click on or off, the outputs
 * connected where they were.
 *
 * A frozen server (the stall guard) is not restarted: its client cannot
 * be closed and may wake up (control_free_recorder()).
 */
#include "control_internal.h"

#include "redlight/jack_backend.h"

#include <stdlib.h>
#include <string.h>

#define RETRY_NS 1000000000LL

enum rl_status control_keep_sources(struct control *c,
                                    const char *const *sources,
                                    size_t count, struct error *err)
{
	if (c->start_sources)
		return RL_OK; /* a restart, from these very names */
	c->start_sources = calloc(count + 1, sizeof *c->start_sources);
	for (size_t i = 0; c->start_sources && i < count; i++) {
		c->start_sources[i] = strdup(sources[i]);
		if (!c->start_sources[i]) {
			control_free_names(c->start_sources);
			c->start_sources = NULL;
		}
	}
	if (!c->start_sources)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	c->start_source_count = count;
	return RL_OK;
}

void control_keep_link(struct control *c, enum engine_output output,
                       const char *dest)
{
	for (size_t i = 0; i < c->link_count; i++)
		if (c->links[i].output == output &&
		    !strcmp(c->links[i].dest, dest))
			return;
	if (c->link_count == sizeof c->links / sizeof c->links[0])
		return; /* more than a studio patches: not restored */
	c->links[c->link_count].output = output;
	snprintf(c->links[c->link_count].dest,
	         sizeof c->links[c->link_count].dest, "%s", dest);
	c->link_count++;
}

static int64_t ns_since(const struct timespec *then)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - then->tv_sec) * 1000000000LL +
	       (now.tv_nsec - then->tv_nsec);
}

/* The recorder again, on the server that answered, as it ran. */
static enum rl_status restart(struct control *c, struct error *err)
{
	enum rl_status st = control_start_with_sources(
		c, (const char *const *)c->start_sources,
		c->start_source_count, err);
	if (st == RL_OK)
		st = control_set_click(c, c->click_on, err);
	for (size_t i = 0; st == RL_OK && i < c->link_count; i++) {
		struct error lerr;
		if (jack_backend_connect_output(c->jb, c->links[i].output,
		                                c->links[i].dest, &lerr) != RL_OK)
			control_post(c, CONTROL_WARNING, "%s", lerr.message);
	}
	return st;
}

/* Once a second: is there a server again? */
static void try_server(struct control *c)
{
	if (ns_since(&c->server_tried) < RETRY_NS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &c->server_tried);
	struct error err;
	if (jack_backend_try_open(c->config.client_name, c->config.server_name,
	                          &c->jb, &err) != RL_OK)
		return; /* still none: the next try in a second */
	c->jack_dead_handled = false;
	c->failure_handled = false;
	c->stall_watching = false;
	if (restart(c, &err) != RL_OK) {
		control_post(c, CONTROL_ERROR, "JACK server is back, but the "
		             "recorder cannot start on it: %s (trying again)",
		             err.message);
		control_free_recorder(c);
		return;
	}
	c->server_lost = false;
	control_post(c, CONTROL_WARNING, "JACK server is back: the recorder "
	             "runs again (%u Hz)", control_sample_rate(c));
}

void control_follow_server(struct control *c)
{
	if (!c->config.reconnect)
		return;
	if (!c->engine) {
		if (c->server_lost)
			try_server(c);
		return;
	}
	char reason[256];
	if (c->server_frozen || control_takes_open(c) ||
	    !jack_backend_dead(c->jb, reason, sizeof reason))
		return;
	/* Nothing records any more (the take was finished by
	 * control_poll()): take the recorder down and wait. */
	control_post(c, CONTROL_ERROR, "%s: waiting for a JACK server; the "
	             "recorder starts again when one runs", reason);
	control_free_recorder(c);
	c->server_lost = true;
	clock_gettime(CLOCK_MONOTONIC, &c->server_tried);
}
