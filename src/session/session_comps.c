/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Comps of a session, as bookkeeping: their numbers and file names under
 * comps/, the list (in number order), which comp a track uses, and
 * what each track plays back (its active comp, else its keeper take).
 * Rendering a comp's audio is comp.c. Control / main thread only.
 */
#include "session_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void session_comp_cleanup(struct session_comp *comp)
{
	if (!comp)
		return;
	free(comp->pieces);
	comp->pieces = NULL;
	comp->piece_count = 0;
}

bool session_comp_path_valid(const char *path)
{
	return strncmp(path, "comps/", 6) == 0 && path[6] &&
	       !strchr(path + 6, '/') && path[6] != '.';
}

enum rl_status session_reserve_comp(struct session *s, uint32_t track_number,
                                    uint32_t *number, char *relpath,
                                    size_t relpath_size, struct error *err)
{
	char path[PATH_BUF];
	uint32_t max = 0;
	enum rl_status rc;

	if (track_number == 0 || track_number > s->track_count)
		return error_set(err, RL_ERR_NOT_FOUND, "%s has no track %u",
		                 s->dir, track_number);
	for (size_t i = 0; i < s->comp_count; i++) {
		if (s->comps[i].number > max)
			max = s->comps[i].number;
	}
	if ((rc = session_make_subdir(s, "comps", err)))
		return rc;
	/* Files left by a render whose save failed keep their numbers too:
	 * nothing under comps/ is ever replaced. */
	snprintf(path, sizeof path, "%s/comps", s->dir);
	if ((rc = session_scan_numbers(path, false, &max, err)))
		return rc;
	if (max == UINT32_MAX)
		return error_set(err, RL_ERR_INVALID, "%s: no comp numbers left",
		                 s->dir);
	char name[SESSION_NAME_MAX];
	session_file_safe_name(s->tracks[track_number - 1].name, name);
	int n = snprintf(relpath, relpath_size, "comps/%03u-%02u-%s.wav",
	                 max + 1, track_number, name);
	if (n < 0 || (size_t)n >= relpath_size)
		return error_set(err, RL_ERR_INVALID,
		                 "comp path buffer too small");
	*number = max + 1;
	return RL_OK;
}

struct session_comp *session_find_comp(struct session *s, uint32_t number)
{
	for (size_t i = 0; i < s->comp_count; i++) {
		if (s->comps[i].number == number)
			return &s->comps[i];
	}
	return NULL;
}

enum rl_status session_put_comp(struct session *s,
                                const struct session_comp *comp,
                                struct error *err)
{
	if (comp->number == 0 || session_find_comp(s, comp->number))
		return error_set(err, RL_ERR_EXISTS, "%s: comp %u exists "
		                 "already", s->dir, comp->number);
	if (comp->track == 0 || comp->track > s->track_count)
		return error_set(err, RL_ERR_INVALID, "%s has no track %u",
		                 s->dir, comp->track);
	if (!session_comp_path_valid(comp->path))
		return error_set(err, RL_ERR_INVALID, "comp %u: \"%s\" is not "
		                 "a file directly under comps/", comp->number,
		                 comp->path);
	if (comp->piece_count == 0)
		return error_set(err, RL_ERR_INVALID, "comp %u has no pieces",
		                 comp->number);
	for (size_t i = 0; i < comp->piece_count; i++) {
		const struct session_comp_piece *p = &comp->pieces[i];
		if (p->from < 0 || p->to <= p->from ||
		    (i > 0 && p->from != comp->pieces[i - 1].to))
			return error_set(err, RL_ERR_INVALID, "comp %u: piece "
			                 "%zu [%lld, %lld) is out of order",
			                 comp->number, i, (long long)p->from,
			                 (long long)p->to);
	}
	struct session_comp_piece *pieces =
		malloc(comp->piece_count * sizeof *pieces);
	struct session_comp *grown =
		realloc(s->comps, (s->comp_count + 1) * sizeof *s->comps);
	if (grown)
		s->comps = grown;
	if (!pieces || !grown) {
		free(pieces);
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", s->dir);
	}
	memcpy(pieces, comp->pieces, comp->piece_count * sizeof *pieces);
	for (size_t i = 0; i < comp->piece_count; i++)
		pieces[i].section[sizeof pieces[i].section - 1] = '\0';
	/* Numbers only grow (session_reserve_comp), so appending keeps the
	 * array in number order. */
	size_t at = s->comp_count;
	while (at > 0 && s->comps[at - 1].number > comp->number)
		at--;
	memmove(&s->comps[at + 1], &s->comps[at],
	        (s->comp_count - at) * sizeof *s->comps);
	struct session_comp *c = &s->comps[at];
	*c = *comp;
	c->pieces = pieces;
	c->path[sizeof c->path - 1] = '\0';
	c->created_at[sizeof c->created_at - 1] = '\0';
	s->comp_count++;
	if (c->active) {
		for (size_t i = 0; i < s->comp_count; i++) {
			if (&s->comps[i] != c && s->comps[i].track == c->track)
				s->comps[i].active = false;
		}
	}
	return RL_OK;
}

enum rl_status session_use_comp(struct session *s, uint32_t number, bool on,
                                struct error *err)
{
	struct session_comp *c = session_find_comp(s, number);
	if (!c)
		return error_set(err, RL_ERR_NOT_FOUND, "%s: no comp %u", s->dir,
		                 number);
	for (size_t i = 0; on && i < s->comp_count; i++) {
		if (s->comps[i].track == c->track)
			s->comps[i].active = false;
	}
	c->active = on;
	return RL_OK;
}

const struct session_comp *session_active_comp(const struct session *s,
                                               uint32_t track_number)
{
	for (size_t i = 0; i < s->comp_count; i++) {
		if (s->comps[i].active && s->comps[i].track == track_number)
			return &s->comps[i];
	}
	return NULL;
}

bool session_playback_of(const struct session *s, uint32_t track_number,
                         struct session_playback *out)
{
	*out = (struct session_playback){ 0 };
	const struct session_comp *c = session_active_comp(s, track_number);
	if (c) {
		*out = (struct session_playback){ .path = c->path,
		                                  .start_frame = c->start_frame,
		                                  .comp = c->number };
		return true;
	}
	const struct session_take_file *f;
	const struct session_take *t = session_keeper_of(s, track_number, &f);
	if (!t || !f)
		return false;
	*out = (struct session_playback){ .path = f->path,
	                                  .start_frame = t->start_frame,
	                                  .take = t->number };
	return true;
}
