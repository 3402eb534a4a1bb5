/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Keeper per section. Planning is pure arithmetic on the session and the
 * tempo map; rendering is mixdown_comp()'s. The plan is made of
 * stretches: the timeline between two points where the map's section
 * changes. A chosen take only covers its section where it has audio (a
 * punch-in take of the chorus may start late): the rest of the section
 * keeps the base take, so a comp never falls silent where some take has
 * the part.
 */
#include "redlight/comp.h"
#include "redlight/mixdown.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum rl_status comp_session_map(const struct session *s, uint32_t rate,
                                struct tempo_map **out, struct error *err)
{
	char path[SESSION_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/tempo.map", s->dir);
	if (access(path, F_OK) == 0)
		return tempo_map_load(path, rate, out, err);
	const struct session_settings *st = &s->settings;
	return tempo_map_new_simple(st->tempo_bpm, (int32_t)st->meter_beats,
	                            (int32_t)st->meter_denominator, rate, out,
	                            err);
}

/* The take and its file of `track`, if a comp may use it. */
static enum rl_status usable_take(const struct session *s, uint32_t number,
                                  uint32_t track,
                                  const struct session_take **take,
                                  const struct session_take_file **file,
                                  struct error *err)
{
	const struct session_take *t =
		session_find_take((struct session *)s, number);
	if (!t)
		return error_set(err, RL_ERR_NOT_FOUND, "%s: no take %u",
		                 s->dir, number);
	if (t->discarded)
		return error_set(err, RL_ERR_STATE, "take %u is discarded (in "
		                 "%s/%s): restore it to use it in a comp",
		                 number, s->dir, t->trash_dir);
	if (!t->complete)
		return error_set(err, RL_ERR_STATE, "take %u is not complete "
		                 "(recording, or cut off by a crash: run "
		                 "`redlight recover %s`)", number, s->dir);
	const struct session_take_file *f = NULL;
	for (size_t i = 0; i < t->file_count && !f; i++) {
		if (t->files[i].track == track)
			f = &t->files[i];
	}
	if (!f || t->length == 0)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "take %u has no recording of track %s", number,
		                 s->tracks[track - 1].name);
	if (t->sample_rate != s->sample_rate)
		return error_set(err, RL_ERR_FORMAT, "take %u was recorded at "
		                 "%u Hz, the session runs at %u Hz", number,
		                 t->sample_rate, s->sample_rate);
	*take = t;
	if (file)
		*file = f;
	return RL_OK;
}

static bool same_label(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A growing list of pieces; neighbours of the same take merge. */
struct plan {
	struct session_comp_piece *v;
	size_t count, cap;
};

static enum rl_status plan_add(struct plan *p, int64_t from, int64_t to,
                               uint32_t take, const char *section,
                               struct error *err)
{
	if (from >= to)
		return RL_OK;
	struct session_comp_piece *last = p->count ? &p->v[p->count - 1] : NULL;
	if (last && last->take == take && last->to == from) {
		last->to = to;
		/* One take chosen for neighbouring sections: name them both. */
		size_t len = strlen(last->section);
		if (section && section[0] && strcmp(last->section, section) &&
		    len + 1 + strlen(section) < sizeof last->section)
			snprintf(last->section + len, sizeof last->section - len,
			         "%s%s", len ? "+" : "", section);
		return RL_OK;
	}
	if (p->count == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct session_comp_piece *v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return error_set(err, RL_ERR_NOMEM, "comp: out of memory");
		p->v = v;
		p->cap = cap;
	}
	struct session_comp_piece *n = &p->v[p->count++];
	memset(n, 0, sizeof *n);
	n->from = from;
	n->to = to;
	n->take = take;
	snprintf(n->section, sizeof n->section, "%s", section ? section : "");
	return RL_OK;
}

/* The choice for section `label`, or NULL. */
static const struct comp_choice *choice_of(const struct comp_choice *choices,
                                           size_t n, const char *label)
{
	for (size_t i = 0; label && i < n; i++) {
		if (strcmp(choices[i].section, label) == 0)
			return &choices[i];
	}
	return NULL;
}

static enum rl_status check_choices(const struct session *s,
                                    const struct tempo_map *map,
                                    uint32_t track,
                                    const struct comp_choice *choices,
                                    size_t n, int64_t *lo, int64_t *hi,
                                    struct error *err)
{
	for (size_t i = 0; i < n; i++) {
		int64_t frame;
		const struct session_take *t;
		enum rl_status st = tempo_map_section_frame(
			map, choices[i].section, &frame, err);
		if (st != RL_OK)
			return st;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(choices[k].section, choices[i].section) == 0)
				return error_set(err, RL_ERR_INVALID,
				                 "section %s is chosen twice (takes "
				                 "%u and %u)", choices[i].section,
				                 choices[k].take, choices[i].take);
		}
		if ((st = usable_take(s, choices[i].take, track, &t, NULL, err)))
			return st;
		*lo = *lo < (int64_t)t->start_frame ? *lo
		                                    : (int64_t)t->start_frame;
		int64_t end = (int64_t)(t->start_frame + t->length);
		*hi = *hi > end ? *hi : end;
	}
	return RL_OK;
}

/* Frames in [lo, hi) where the map's section changes, ascending, with lo
 * and hi themselves; *count of them. Entries are in timeline order. */
static enum rl_status section_cuts(const struct tempo_map *map, int64_t lo,
                                   int64_t hi, int64_t **cuts, size_t *count,
                                   struct error *err)
{
	size_t entries = tempo_map_entry_count(map);
	int64_t *v = malloc((entries + 3) * sizeof *v);
	if (!v)
		return error_set(err, RL_ERR_NOMEM, "comp: out of memory");
	size_t n = 0;
	v[n++] = lo;
	for (size_t i = 0; i <= entries; i++) {
		/* Entry starts, then the end of the map. */
		int64_t f;
		if (i < entries) {
			struct tempo_map_entry_info e;
			tempo_map_entry(map, i, &e);
			f = e.start_frame;
		} else {
			f = tempo_map_end_frame(map);
		}
		if (f <= v[n - 1] || f >= hi)
			continue;
		if (same_label(tempo_map_section_at(map, f - 1),
		               tempo_map_section_at(map, f)))
			continue;
		v[n++] = f;
	}
	v[n++] = hi;
	*cuts = v;
	*count = n;
	return RL_OK;
}

enum rl_status comp_plan(const struct session *s, const struct tempo_map *map,
                         uint32_t track, uint32_t base_take,
                         const struct comp_choice *choices, size_t n,
                         struct session_comp_piece **pieces, size_t *count,
                         struct error *err)
{
	*pieces = NULL;
	*count = 0;
	if (track == 0 || track > s->track_count)
		return error_set(err, RL_ERR_NOT_FOUND, "%s has no track %u",
		                 s->dir, track);
	const char *name = s->tracks[track - 1].name;
	if (base_take == 0) {
		const struct session_take *k = session_keeper_of(s, track, NULL);
		if (!k)
			return error_set(err, RL_ERR_NOT_FOUND, "track %s has "
			                 "no take to comp from", name);
		base_take = k->number;
	}
	const struct session_take *base;
	enum rl_status st = usable_take(s, base_take, track, &base, NULL, err);
	if (st != RL_OK)
		return st;
	int64_t lo = (int64_t)base->start_frame;
	int64_t hi = (int64_t)(base->start_frame + base->length);
	if ((st = check_choices(s, map, track, choices, n, &lo, &hi, err)))
		return st;

	int64_t *cuts = NULL;
	size_t ncuts = 0;
	if ((st = section_cuts(map, lo, hi, &cuts, &ncuts, err)))
		return st;
	/* plays[i]: choice i is heard somewhere. */
	bool *plays = calloc(n ? n : 1, sizeof *plays);
	if (!plays) {
		free(cuts);
		return error_set(err, RL_ERR_NOMEM, "comp: out of memory");
	}
	struct plan p = { 0 };
	for (size_t i = 0; st == RL_OK && i + 1 < ncuts; i++) {
		int64_t a = cuts[i], b = cuts[i + 1];
		const char *label = tempo_map_section_at(map, a);
		const struct comp_choice *c = choice_of(choices, n, label);
		if (!c) {
			st = plan_add(&p, a, b, base_take, NULL, err);
			continue;
		}
		const struct session_take *t;
		usable_take(s, c->take, track, &t, NULL, err); /* checked */
		int64_t ta = (int64_t)t->start_frame;
		int64_t tb = (int64_t)(t->start_frame + t->length);
		int64_t in = a > ta ? a : ta, out = b < tb ? b : tb;
		if (in >= out) {
			st = plan_add(&p, a, b, base_take, NULL, err);
			continue;
		}
		plays[c - choices] = true;
		st = plan_add(&p, a, in, base_take, NULL, err);
		if (st == RL_OK)
			st = plan_add(&p, in, out, c->take, label, err);
		if (st == RL_OK)
			st = plan_add(&p, out, b, base_take, NULL, err);
	}
	free(cuts);
	/* A choice that plays nowhere is a mistake worth hearing about: the
	 * take does not reach its section, or the section is outside every
	 * take used. */
	for (size_t i = 0; st == RL_OK && i < n; i++) {
		if (!plays[i])
			st = error_set(err, RL_ERR_INVALID, "take %u has no "
			               "audio in section %s of track %s",
			               choices[i].take, choices[i].section, name);
	}
	free(plays);
	if (st != RL_OK) {
		free(p.v);
		return st;
	}
	*pieces = p.v;
	*count = p.count;
	return RL_OK;
}

static void iso_now(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* Where each piece's take file is, for the renderer. */
static enum rl_status piece_sources(const struct session *s, uint32_t track,
                                    const struct session_comp_piece *pieces,
                                    size_t count, struct mixdown_piece *out,
                                    char (*paths)[SESSION_PATH_MAX * 2],
                                    struct error *err)
{
	for (size_t i = 0; i < count; i++) {
		const struct session_take *t;
		const struct session_take_file *f;
		enum rl_status st = usable_take(s, pieces[i].take, track, &t, &f,
		                                err);
		if (st != RL_OK)
			return st;
		snprintf(paths[i], sizeof paths[i], "%s/%s", s->dir, f->path);
		out[i] = (struct mixdown_piece){
			.path = paths[i],
			.file_start = (int64_t)t->start_frame,
			.from = pieces[i].from,
			.to = pieces[i].to,
		};
	}
	return RL_OK;
}

enum rl_status comp_make(struct session *s, const struct tempo_map *map,
                         uint32_t track, uint32_t base_take,
                         const struct comp_choice *choices, size_t n,
                         double fade_ms, uint32_t *number,
                         struct error *err)
{
	if (!(fade_ms >= 0.0 && fade_ms <= 1000.0))
		return error_set(err, RL_ERR_INVALID, "a crossfade is 0 to 1000 "
		                 "ms, not %g", fade_ms);
	struct session_comp comp = { .active = true };
	enum rl_status st = comp_plan(s, map, track, base_take, choices, n,
	                              &comp.pieces, &comp.piece_count, err);
	if (st != RL_OK)
		return st;
	comp.track = track;
	comp.base_take = base_take;
	if (!comp.base_take)
		comp.base_take = session_keeper_of(s, track, NULL)->number;
	comp.sample_rate = s->sample_rate;
	comp.format = session_find_take(s, comp.base_take)->format;
	comp.fade_frames = (uint32_t)lround(fade_ms * s->sample_rate / 1000.0);
	comp.start_frame = (uint64_t)comp.pieces[0].from;

	struct mixdown_piece *mp = calloc(comp.piece_count, sizeof *mp);
	char (*paths)[SESSION_PATH_MAX * 2] =
		calloc(comp.piece_count, sizeof *paths);
	if (!mp || !paths)
		st = error_set(err, RL_ERR_NOMEM, "comp: out of memory");
	if (st == RL_OK)
		st = piece_sources(s, track, comp.pieces, comp.piece_count, mp,
		                   paths, err);
	if (st == RL_OK)
		st = session_reserve_comp(s, track, &comp.number, comp.path,
		                          sizeof comp.path, err);
	char dest[SESSION_PATH_MAX * 2 + 2];
	snprintf(dest, sizeof dest, "%s/%s", s->dir, comp.path);
	if (st == RL_OK)
		st = mixdown_comp(mp, comp.piece_count, s->sample_rate,
		                  comp.fade_frames, comp.format, dest,
		                  &comp.length, err);
	free(mp);
	free(paths);
	if (st == RL_OK) {
		iso_now(comp.created_at, sizeof comp.created_at);
		st = session_put_comp(s, &comp, err);
		if (st == RL_OK)
			st = session_save(s, err);
		if (st != RL_OK) {
			/* The file is whole and stays; say where it is. */
			char why[sizeof err->message];
			snprintf(why, sizeof why, "%s",
			         err ? err->message : rl_strerror(st));
			st = error_set(err, st, "comp rendered to %s, but it "
			               "could not be recorded: %s", dest, why);
		}
	}
	if (st == RL_OK && number)
		*number = comp.number;
	free(comp.pieces);
	return st;
}
