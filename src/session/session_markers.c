/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The session's timeline markers: named frames, unique names, kept in
 * frame order. Reading an older session.json (markers only inside takes)
 * makes the list from the takes' markers. Control / main thread only.
 */
#include "session_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "17", "17|3|0", "12.5s", "48000f", "-2s": what control_parse_position()
 * reads before it looks for a marker; a marker so named could never be
 * reached by its name. Leading spaces too, as strtod() and sscanf() skip
 * them (" 410" is bar 410: found by tests/fuzz/fuzz_position.c). */
static bool looks_like_position(const char *name)
{
	while (*name == ' ')
		name++;
	if (!name[0] || !strchr("0123456789+-.", name[0]))
		return false;
	char *end = NULL;
	(void)strtod(name, &end);
	if (end != name && (!end[0] || (strchr("sf", end[0]) && !end[1])))
		return true;
	long long a, b, c;
	int used = 0;
	size_t len = strlen(name);
	int n = sscanf(name, "%lld%n|%lld%n|%lld%n", &a, &used, &b, &used, &c,
	               &used);
	return n >= 1 && used == (int)len;
}

enum rl_status session_check_marker_name(const struct session *s,
                                         const char *name,
                                         struct error *err)
{
	if (!name || !name[0])
		return error_set(err, RL_ERR_INVALID, "a marker needs a name");
	size_t len = strlen(name);
	if (len >= SESSION_NAME_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "marker name \"%.*s...\" is %zu bytes, at most "
		                 "%d", 20, name, len, SESSION_NAME_MAX - 1);
	if (!session_utf8_valid(name))
		return error_set(err, RL_ERR_INVALID,
		                 "marker name is not valid UTF-8");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':')
			return error_set(err, RL_ERR_INVALID,
			                 "marker name \"%s\" has a %s", name,
			                 *p == ':' ? "':' (a range is START:END)"
			                           : "control character");
	if (looks_like_position(name))
		return error_set(err, RL_ERR_INVALID,
		                 "marker name \"%s\" reads as a position (a bar, "
		                 "bar|beat|tick, seconds or frames): give it a "
		                 "word", name);
	if (session_find_marker(s, name) >= 0)
		return error_set(err, RL_ERR_EXISTS,
		                 "there is already a marker \"%s\"", name);
	return RL_OK;
}

int session_find_marker(const struct session *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->marker_count; i++)
		if (!strcmp(s->markers[i].name, name))
			return (int)i;
	return -1;
}

void session_marker_default_name(const struct session *s,
                                 char out[SESSION_NAME_MAX])
{
	size_t n = s->marker_count + 1;
	do
		snprintf(out, SESSION_NAME_MAX, "marker %zu", n++);
	while (session_find_marker(s, out) >= 0);
}

void session_marker_unique_name(const struct session *s, const char *name,
                                char out[SESSION_NAME_MAX])
{
	snprintf(out, SESSION_NAME_MAX, "%s", name);
	for (unsigned n = 2; session_find_marker(s, out) >= 0; n++) {
		char tail[16];
		int tl = snprintf(tail, sizeof tail, " %u", n);
		/* Cut the name on a character boundary to fit the tail. */
		size_t keep = strlen(name);
		if (keep > SESSION_NAME_MAX - 1 - (size_t)tl)
			keep = SESSION_NAME_MAX - 1 - (size_t)tl;
		while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80)
			keep--;
		snprintf(out, SESSION_NAME_MAX, "%.*s%s", (int)keep, name, tail);
	}
}

/* Where a marker at `frame` goes: after every marker at or before it. */
static size_t slot_for(const struct session *s, uint64_t frame)
{
	size_t i = s->marker_count;
	while (i > 0 && s->markers[i - 1].frame > frame)
		i--;
	return i;
}

enum rl_status session_add_marker(struct session *s, uint64_t frame,
                                  const char *name, uint32_t take,
                                  size_t *index, struct error *err)
{
	char def[SESSION_NAME_MAX];
	if (!name || !name[0]) {
		session_marker_default_name(s, def);
		name = def;
	}
	enum rl_status st = session_check_marker_name(s, name, err);
	if (st != RL_OK)
		return st;
	struct session_marker *m =
		realloc(s->markers, (s->marker_count + 1) * sizeof *m);
	if (!m)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot add marker \"%s\": out of memory", name);
	s->markers = m;
	size_t at = slot_for(s, frame);
	memmove(&m[at + 1], &m[at], (s->marker_count - at) * sizeof *m);
	s->marker_count++;
	m[at] = (struct session_marker){ .frame = frame, .take = take };
	snprintf(m[at].name, sizeof m[at].name, "%s", name);
	if (index)
		*index = at;
	return RL_OK;
}

static enum rl_status no_marker(const struct session *s, size_t index,
                                struct error *err)
{
	return error_set(err, RL_ERR_NOT_FOUND, "no marker %zu (the session "
	                 "has %zu)", index + 1, s->marker_count);
}

enum rl_status session_move_marker(struct session *s, size_t *index,
                                   uint64_t frame, struct error *err)
{
	if (*index >= s->marker_count)
		return no_marker(s, *index, err);
	struct session_marker m = s->markers[*index];
	size_t tail = s->marker_count - *index - 1;
	memmove(&s->markers[*index], &s->markers[*index + 1],
	        tail * sizeof m);
	s->marker_count--;
	m.frame = frame;
	size_t at = slot_for(s, frame);
	memmove(&s->markers[at + 1], &s->markers[at],
	        (s->marker_count - at) * sizeof m);
	s->markers[at] = m;
	s->marker_count++;
	*index = at;
	return RL_OK;
}

enum rl_status session_rename_marker(struct session *s, size_t index,
                                     const char *name, struct error *err)
{
	if (index >= s->marker_count)
		return no_marker(s, index, err);
	if (name && !strcmp(s->markers[index].name, name))
		return RL_OK;
	enum rl_status st = session_check_marker_name(s, name, err);
	if (st == RL_OK)
		snprintf(s->markers[index].name, sizeof s->markers[index].name,
		         "%s", name);
	return st;
}

enum rl_status session_remove_marker(struct session *s, size_t index,
                                     struct error *err)
{
	if (index >= s->marker_count)
		return no_marker(s, index, err);
	memmove(&s->markers[index], &s->markers[index + 1],
	        (s->marker_count - index - 1) * sizeof *s->markers);
	s->marker_count--;
	return RL_OK;
}

void session_sort_markers(struct session *s)
{
	/* Insertion sort: stable, and a file redlight wrote is in order. */
	for (size_t i = 1; i < s->marker_count; i++) {
		struct session_marker m = s->markers[i];
		size_t j = i;
		for (; j > 0 && s->markers[j - 1].frame > m.frame; j--)
			s->markers[j] = s->markers[j - 1];
		s->markers[j] = m;
	}
}

enum rl_status session_markers_from_takes(struct session *s,
                                          struct error *err)
{
	for (size_t i = 0; i < s->take_count; i++) {
		const struct session_take *t = &s->takes[i];
		for (size_t k = 0; k < t->marker_count; k++) {
			const struct session_marker *m = &t->markers[k];
			/* Any name an older redlight took, made unique, and
			 * one that reads as a position still loads. */
			char name[SESSION_NAME_MAX];
			session_marker_unique_name(s, m->name, name);
			struct session_marker *grown = realloc(
				s->markers, (s->marker_count + 1) * sizeof *grown);
			if (!grown)
				return error_set(err, RL_ERR_NOMEM,
				                 "out of memory");
			s->markers = grown;
			grown[s->marker_count] = (struct session_marker){
				.frame = m->frame, .take = t->number };
			snprintf(grown[s->marker_count].name,
			         sizeof grown->name, "%s", name);
			s->marker_count++;
		}
	}
	session_sort_markers(s);
	return RL_OK;
}
