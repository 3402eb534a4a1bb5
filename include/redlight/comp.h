/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file comp.h
 * Keeper per section: a track's comp. The engineer picks, for some song
 * sections of the tempo map (verse1, chorus1 ...), the take that track
 * should play there; everywhere else the base take plays (the track's
 * keeper unless another is named). The comp is rendered offline to a new
 * file under SESSION/comps/ with short equal-power crossfades at the
 * joins (mixdown_comp()), recorded in session.json and made what the
 * track plays back and bounces. No take is ever changed.
 *
 * Thread: control thread (offline, seconds of disk I/O for a long song).
 */
#ifndef REDLIGHT_COMP_H
#define REDLIGHT_COMP_H

#include "redlight/error.h"
#include "redlight/session.h"
#include "redlight/tempo_map.h"

#include <stddef.h>
#include <stdint.h>

/** Default crossfade at each join, milliseconds: long enough that no
 *  join clicks, short enough that two performances are never heard
 *  together for more than an instant. */
#define COMP_DEFAULT_FADE_MS 10.0

/** In section `section` (a label of the tempo map), play take `take`. */
struct comp_choice {
	const char *section;
	uint32_t take;
};

/**
 * The session's song map at `rate`: SESSION/tempo.map if there is one,
 * else the simple map of the session's settings (tempo, meter; no
 * sections). The caller owns *out (tempo_map_free()). Errors name the
 * file and line.
 */
enum rl_status comp_session_map(const struct session *s, uint32_t rate,
                                struct tempo_map **out, struct error *err);

/**
 * Plan track `track`'s comp: the timeline is cut where the map's section
 * changes; each stretch plays the take chosen for its section, or
 * `base_take` (0: the track's keeper take, session_keeper_of()). The comp
 * covers the union of the spans of the takes it uses; neighbouring
 * stretches of the same take are one piece. Refused, with a message
 * naming what is wrong: an unknown section (the message lists them), a
 * section chosen twice, a take that does not exist, is discarded or
 * incomplete, or has no file of that track; no base take. On success
 * *pieces (owned by the caller, free()) has *count pieces.
 */
enum rl_status comp_plan(const struct session *s, const struct tempo_map *map,
                         uint32_t track, uint32_t base_take,
                         const struct comp_choice *choices, size_t n,
                         struct session_comp_piece **pieces, size_t *count,
                         struct error *err);

/**
 * Plan, render and record a comp of track `track` (see comp_plan()) with
 * crossfades of `fade_ms` milliseconds (0: hard cuts; at most 1000): the
 * file comps/NNN-TT-name.wav is created exclusively (never over anything),
 * the comp is added to the session as the track's active comp and
 * session.json is saved. If the save fails the rendered file stays (it is
 * complete; its number is never reused) and the error says where it is.
 * The caller holds the session lock. Writes the comp's number to *number.
 */
enum rl_status comp_make(struct session *s, const struct tempo_map *map,
                         uint32_t track, uint32_t base_take,
                         const struct comp_choice *choices, size_t n,
                         double fade_ms, uint32_t *number,
                         struct error *err);

#endif
