/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The session's markers over OSC: the answer to /redlight/markers (and
 * part of /redlight/query's), one message a marker. Runs on the OSC
 * thread only.
 */
#include "osc_internal.h"

#include "redlight/tempo_map.h"

#include <stdio.h>
#include <stdlib.h>

void osc_send_markers(struct osc_server *s, struct osc_out *o)
{
	/* A copy under the lock; sent without it. */
	control_lock(s->c);
	size_t n = control_markers(s->c, NULL, 0);
	struct session_marker *mk = calloc(n ? n : 1, sizeof *mk);
	n = mk ? control_markers(s->c, mk, n) : 0;
	const struct tempo_map *map = control_tempo_map(s->c);
	char (*bbt)[48] = calloc(n ? n : 1, sizeof *bbt);
	for (size_t i = 0; bbt && i < n; i++) {
		struct tempo_map_bbt b = { 0 };
		if (map)
			tempo_map_frame_to_bbt(map, (int64_t)mk[i].frame, &b);
		snprintf(bbt[i], sizeof bbt[i], "%lld|%d|%d",
		         (long long)b.bar, b.beat, b.tick);
	}
	control_unlock(s->c);
	if (!bbt)
		n = 0;

	lo_message m = lo_message_new();
	if (m) {
		lo_message_add_int32(m, (int32_t)n);
		osc_out_add(o, "/redlight/markers", m);
		lo_message_free(m);
	}
	for (size_t i = 0; i < n; i++) {
		m = lo_message_new();
		if (!m)
			break;
		lo_message_add_string(m, mk[i].name);
		lo_message_add_int64(m, (int64_t)mk[i].frame);
		lo_message_add_string(m, bbt[i]);
		lo_message_add_int32(m, (int32_t)mk[i].take);
		osc_out_add(o, "/redlight/marker/info", m);
		lo_message_free(m);
	}
	free(mk);
	free(bbt);
}

enum rl_status osc_handle_markers(struct osc_request *r,
                                  const struct osc_value *v,
                                  struct error *err)
{
	(void)v;
	enum rl_status st = osc_query_allowed(r, err);
	if (st != RL_OK)
		return st;
	struct osc_out o;
	osc_out_init(&o, r->s, r->from, r->from_len, false);
	osc_send_markers(r->s, &o);
	osc_out_flush(&o);
	return RL_OK;
}
