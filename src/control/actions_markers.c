/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The marker actions (actions.h, "markers"): add at a position, move,
 * rename, remove -- each saved by control and posted here, so the log
 * reads the same whichever front-end acted. Any front-end thread.
 */
#include "actions_internal.h"

#include "redlight/tempo_map.h"

#include <inttypes.h>
#include <stdio.h>

/* "17|1|0 (frame 768000)", or the frame alone without a tempo map. */
static void where(const struct control *c, int64_t frame, char *out,
                  size_t size)
{
	const struct tempo_map *map = control_tempo_map(c);
	if (!map) {
		snprintf(out, size, "frame %" PRId64, frame);
		return;
	}
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(map, frame, &bbt);
	snprintf(out, size, "%lld|%d|%d (frame %" PRId64 ")",
	         (long long)bbt.bar, bbt.beat, bbt.tick, frame);
}

/* A position, or the play head (NULL or "") of a running recorder. */
static enum rl_status position_of(struct control *c, const char *text,
                                  int64_t *frame, struct error *err)
{
	if (text && text[0])
		return control_parse_position(c, text, frame, err);
	if (!control_started(c))
		return error_set(err, RL_ERR_STATE, "recorder not started: "
		                 "give a position");
	struct control_position pos;
	control_position(c, &pos);
	*frame = pos.frame;
	return RL_OK;
}

static void post_marker(struct control *c, const char *what,
                        const char *name, int64_t frame)
{
	char at[96];
	where(c, frame, at, sizeof at);
	control_post(c, CONTROL_INFO, "marker \"%s\" %s %s", name, what, at);
}

static enum rl_status marker_add(struct control *c, const char *name,
                                 const char *position, struct error *err)
{
	int64_t frame = 0;
	enum rl_status st;
	if (!position || !position[0]) {
		if (!control_started(c))
			return error_set(err, RL_ERR_STATE, "recorder not "
			                 "started: give a position");
		/* The play head, and the take while one records. */
		st = control_add_marker(c, name, err);
	} else {
		st = control_parse_position(c, position, &frame, err);
		if (st == RL_OK)
			st = control_marker_add_at(c, name, frame, err);
	}
	uint32_t take = 0;
	struct session_marker mk;
	if (st == RL_OK && control_last_marker(c, &take, &mk))
		post_marker(c, take ? "added in the take at" : "added at",
		            mk.name, (int64_t)mk.frame);
	return st;
}

static enum rl_status marker_move(struct control *c, const char *name,
                                  const char *position, struct error *err)
{
	int64_t frame = 0;
	enum rl_status st = position_of(c, position, &frame, err);
	if (st == RL_OK)
		st = control_marker_move(c, name, frame, err);
	if (st == RL_OK)
		post_marker(c, "moved to", name, frame);
	return st;
}

static enum rl_status marker_rename(struct control *c, const char *name,
                                    const char *new_name, struct error *err)
{
	enum rl_status st = control_marker_rename(c, name, new_name, err);
	if (st == RL_OK)
		control_post(c, CONTROL_INFO, "marker \"%s\" renamed \"%s\"",
		             name, new_name);
	return st;
}

static enum rl_status marker_remove(struct control *c, const char *name,
                                    struct error *err)
{
	struct session_marker was;
	enum rl_status st = control_marker_remove(c, name, &was, err);
	if (st == RL_OK)
		post_marker(c, "removed; it was at", was.name,
		            (int64_t)was.frame);
	return st;
}

enum rl_status action_marker_add(struct control *c, const char *name,
                                 const char *position, struct error *err)
{
	LOCKED(marker_add(c, name, position, err));
}

enum rl_status action_marker_move(struct control *c, const char *name,
                                  const char *position, struct error *err)
{
	LOCKED(marker_move(c, name, position, err));
}

enum rl_status action_marker_rename(struct control *c, const char *name,
                                    const char *new_name, struct error *err)
{
	LOCKED(marker_rename(c, name, new_name, err));
}

enum rl_status action_marker_remove(struct control *c, const char *name,
                                    struct error *err)
{
	LOCKED(marker_remove(c, name, err));
}
