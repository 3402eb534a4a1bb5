/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The timeline's markers from the front-ends: set at a frame, moved,
 * renamed, removed and listed, each saved at once (session.json's
 * "markers"). Setting one at the play head, or inside a take while it
 * records, is control_add_marker()'s (control_takes.c).
 */
#include "control_internal.h"

#include <stdio.h>
#include <string.h>

/* A marker is a place on the song's timeline, which starts at 0. */
static enum rl_status check_frame(int64_t frame, struct error *err)
{
	if (frame < 0)
		return error_set(err, RL_ERR_INVALID, "a marker must be at or "
		                 "after the start of the timeline (frame %lld "
		                 "is before it)", (long long)frame);
	return RL_OK;
}

/* The index of marker `name`, or an error listing how many there are. */
static enum rl_status find(const struct control *c, const char *name,
                           size_t *index, struct error *err)
{
	int i = session_find_marker(c->session, name);
	if (i < 0)
		return error_set(err, RL_ERR_NOT_FOUND, "no marker \"%s\" (the "
		                 "session has %zu%s)", name ? name : "",
		                 c->session->marker_count,
		                 c->session->marker_count
		                 ? ": `redlight markers list` names them" : "");
	*index = (size_t)i;
	return RL_OK;
}

enum rl_status control_marker_add_at(struct control *c, const char *name,
                                     int64_t frame, struct error *err)
{
	enum rl_status st = check_frame(frame, err);
	size_t at = 0;
	if (st == RL_OK)
		st = session_add_marker(c->session, (uint64_t)frame, name, 0,
		                        &at, err);
	if (st != RL_OK)
		return st;
	c->have_marker = true;
	c->marker_take = 0;
	c->marker = c->session->markers[at];
	return session_save(c->session, err);
}

enum rl_status control_marker_move(struct control *c, const char *name,
                                   int64_t frame, struct error *err)
{
	size_t at = 0;
	enum rl_status st = find(c, name, &at, err);
	if (st == RL_OK)
		st = check_frame(frame, err);
	if (st == RL_OK)
		st = session_move_marker(c->session, &at, (uint64_t)frame, err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

enum rl_status control_marker_rename(struct control *c, const char *name,
                                     const char *new_name, struct error *err)
{
	size_t at = 0;
	enum rl_status st = find(c, name, &at, err);
	if (st == RL_OK)
		st = session_rename_marker(c->session, at, new_name, err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

enum rl_status control_marker_remove(struct control *c, const char *name,
                                     struct session_marker *removed,
                                     struct error *err)
{
	size_t at = 0;
	enum rl_status st = find(c, name, &at, err);
	if (st != RL_OK)
		return st;
	if (removed)
		*removed = c->session->markers[at];
	st = session_remove_marker(c->session, at, err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

size_t control_markers(const struct control *c, struct session_marker *out,
                       size_t max)
{
	size_t n = c->session->marker_count;
	if (out && max)
		memcpy(out, c->session->markers,
		       (n < max ? n : max) * sizeof *out);
	return n;
}

bool control_marker_frame(const struct control *c, const char *name,
                          int64_t *frame)
{
	int i = session_find_marker(c->session, name);
	if (i >= 0)
		*frame = (int64_t)c->session->markers[i].frame;
	return i >= 0;
}
