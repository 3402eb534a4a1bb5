/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The takes view: every pass, newest first, with rating, note, keeper
 * and headroom; Left/Right narrows it to one track's takes (per track:
 * that file's peak, and keep makes the take that track's keeper). Below
 * the takes, the comps (keeper per section), which Enter puts to use or
 * sets aside; at the bottom, the selected take's files.
 *
 * The session is read only under the control lock, in tui_takes_copy(),
 * at most twice a second while this view shows (and at once after an
 * action or a finished take): copying hundreds of takes of 256 files
 * every frame would be waste.
 */
#include "tui_internal.h"

#include "redlight/actions.h"

#include "redlight/comp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tui_takes_copy(struct tui *ui)
{
	struct tui_state *s = &ui->s;
	const struct session *ss = control_session(ui->c);
	if (!ss)
		return;
	size_t files = 0;
	for (size_t i = 0; i < ss->take_count; i++)
		files += ss->takes[i].file_count;
	/* Out of memory: keep showing the last copy. */
	if (!tui_grow((void **)&s->takes, &s->take_cap, ss->take_count,
	          sizeof *s->takes) ||
	    !tui_grow((void **)&s->files, &s->file_cap, files, sizeof *s->files) ||
	    !tui_grow((void **)&s->comps, &s->comp_cap, ss->comp_count,
	          sizeof *s->comps))
		return;
	size_t f = 0;
	for (size_t i = 0; i < ss->take_count; i++) {
		const struct session_take *t = &ss->takes[i];
		struct tui_take *o = &s->takes[i];
		o->number = t->number;
		snprintf(o->started_at, sizeof o->started_at, "%s", t->started_at);
		o->start_frame = t->start_frame;
		o->length = t->length;
		o->sample_rate = t->sample_rate;
		o->rating = t->rating;
		snprintf(o->note, sizeof o->note, "%s", t->note);
		o->discarded = t->discarded;
		o->complete = t->complete;
		o->recovered = t->recovered;
		o->xruns = t->xruns;
		o->dropped = t->dropped_frames;
		o->marker_count = t->marker_count;
		snprintf(o->first_marker, sizeof o->first_marker, "%s",
		         t->marker_count ? t->markers[0].name : "");
		snprintf(o->end_reason, sizeof o->end_reason, "%s", t->end_reason);
		o->file_first = f;
		o->file_count = t->file_count;
		for (size_t k = 0; k < t->file_count; k++, f++) {
			const struct session_take_file *sf = &t->files[k];
			struct tui_take_file *of = &s->files[f];
			of->track = sf->track;
			snprintf(of->track_name, sizeof of->track_name, "%s",
			         sf->track_name);
			of->peak_dbfs = sf->peak_dbfs;
			of->clips = sf->clips;
			of->dropped = sf->dropped_frames;
			of->flags = session_headroom_flags(sf);
			of->keeper = sf->keeper;
		}
	}
	s->take_count = ss->take_count;
	s->file_count = f;
	for (size_t i = 0; i < ss->comp_count; i++) {
		const struct session_comp *c = &ss->comps[i];
		struct tui_comp *o = &s->comps[i];
		o->number = c->number;
		o->track = c->track;
		o->base_take = c->base_take;
		o->length = c->length;
		o->active = c->active;
		const char *name = c->track >= 1 && c->track <= ss->track_count
		                   ? ss->tracks[c->track - 1].name : "?";
		snprintf(o->track_name, sizeof o->track_name, "%s", name);
		size_t used = 0;
		o->pieces[0] = '\0';
		for (size_t k = 0; k < c->piece_count; k++) {
			const struct session_comp_piece *p = &c->pieces[k];
			if (!p->section[0] || used >= sizeof o->pieces)
				continue;
			int n = snprintf(o->pieces + used, sizeof o->pieces - used,
			                 "%s%s=%u", used ? " " : "", p->section,
			                 p->take);
			used += n > 0 ? (size_t)n : 0;
		}
	}
	s->comp_count = ss->comp_count;
}

/* ---- the rows --------------------------------------------------------- */

/* The rows of the list as keys: takes newest first (only those with a
 * file of the filtered track), then comps. Returns the row count. */
static size_t list_rows(const struct tui *ui, uint32_t *keys, size_t max)
{
	const struct tui_state *s = &ui->s;
	size_t n = 0;
	for (size_t i = s->take_count; i-- > 0;) {
		const struct tui_take *t = &s->takes[i];
		bool has = ui->take_filter == 0;
		for (size_t k = 0; !has && k < t->file_count; k++)
			has = s->files[t->file_first + k].track == ui->take_filter;
		if (has) {
			if (keys && n < max)
				keys[n] = t->number;
			n++;
		}
	}
	for (size_t i = 0; i < s->comp_count; i++) {
		const struct tui_comp *c = &s->comps[i];
		if (ui->take_filter && c->track != ui->take_filter)
			continue;
		if (keys && n < max)
			keys[n] = c->number | TUI_COMP_KEY;
		n++;
	}
	return n;
}

static const struct tui_take *find_take(const struct tui *ui, uint32_t number)
{
	for (size_t i = 0; i < ui->s.take_count; i++)
		if (ui->s.takes[i].number == number)
			return &ui->s.takes[i];
	return NULL;
}

static const struct tui_comp *find_comp(const struct tui *ui, uint32_t number)
{
	for (size_t i = 0; i < ui->s.comp_count; i++)
		if (ui->s.comps[i].number == number)
			return &ui->s.comps[i];
	return NULL;
}

/* The file of track `track` in take t, or NULL. */
static const struct tui_take_file *take_file(const struct tui *ui,
                                             const struct tui_take *t,
                                             uint32_t track)
{
	for (size_t k = 0; k < t->file_count; k++)
		if (ui->s.files[t->file_first + k].track == track)
			return &ui->s.files[t->file_first + k];
	return NULL;
}

/* Row index of the cursor (the first row if its take is gone). */
static size_t cursor_row(const struct tui *ui, const uint32_t *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i] == ui->take_sel_key)
			return i;
	return 0;
}

/* One take in a row; with filter (a track number) its columns are that
 * track's file's. */
static void draw_take_row(struct tui *ui, int y, const struct tui_take *t,
                          bool sel, uint32_t filter)
{
	attr_t base = t->discarded ? tui_attr(ui, TUI_DIM) : A_NORMAL;
	attr_t sa = sel ? tui_attr(ui, TUI_SELECTED) : base;
	int x = 0;
	x += tui_put(ui, y, x, 1, sa, sel ? ">" : "");
	x += tui_putf(ui, y, x, 4, sa, "%03u", t->number);
	x += tui_put(ui, y, x, 1, A_NORMAL, "");
	/* "2026-11-22T10:00:00+0100": the time of day, and the date on a
	 * wide terminal. */
	char when[24] = "";
	if (strlen(t->started_at) >= 19)
		snprintf(when, sizeof when, "%.*s", ui->cols >= 120 ? 19 : 8,
		         t->started_at + (ui->cols >= 120 ? 0 : 11));
	if (ui->cols >= 120 && when[10] == 'T')
		when[10] = ' ';
	int ww = ui->cols >= 120 ? 20 : 9;
	x += tui_put(ui, y, x, ww, base, when);
	char len[24];
	tui_format_length(len, sizeof len, t->length, t->sample_rate);
	x += tui_putf(ui, y, x, 9, base, "%8s ", len);
	x += tui_putf(ui, y, x, 4, base, "%3zu ", t->file_count);
	char stars[32];
	tui_format_rating(stars, sizeof stars, t->rating, ui->utf8);
	x += tui_put(ui, y, x, 6, tui_attr(ui, t->rating ? TUI_YELLOW : TUI_DIM),
	             stars);

	char keep[16] = "", level[16] = "";
	enum tui_style ls = TUI_NORMAL;
	if (filter) {
		const struct tui_take_file *f = take_file(ui, t, filter);
		if (f) {
			if (f->keeper)
				snprintf(keep, sizeof keep, "K");
			tui_format_db(level, sizeof level, f->peak_dbfs);
			if (f->flags & SESSION_HEADROOM_CLIP)
				snprintf(level, sizeof level, "clip");
			ls = f->flags & SESSION_HEADROOM_CLIP ? TUI_RED
			     : f->flags & SESSION_HEADROOM_HOT ? TUI_YELLOW : TUI_NORMAL;
		}
	} else {
		size_t keepers = 0;
		unsigned flags = 0;
		for (size_t k = 0; k < t->file_count; k++) {
			const struct tui_take_file *f = &ui->s.files[t->file_first + k];
			keepers += f->keeper;
			flags |= f->flags;
		}
		if (keepers && keepers == t->file_count)
			snprintf(keep, sizeof keep, "K all");
		else if (keepers)
			snprintf(keep, sizeof keep, "K %zu", keepers);
		snprintf(level, sizeof level, "%s", t->file_count
		         ? session_headroom_label(flags) : "");
		ls = flags & SESSION_HEADROOM_CLIP ? TUI_RED
		     : flags & SESSION_HEADROOM_HOT ? TUI_YELLOW : TUI_GREEN;
	}
	x += tui_put(ui, y, x, 6, tui_attr(ui, TUI_CYAN) | A_BOLD, keep);
	x += tui_put(ui, y, x, 6, tui_attr(ui, ls), level);

	char state[32] = "";
	enum tui_style ss = TUI_DIM;
	if (t->discarded) {
		snprintf(state, sizeof state, "trash");
	} else if (!t->complete) {
		snprintf(state, sizeof state, "%s",
		         ui->s.st.take == t->number ? "REC" : "cut");
		ss = TUI_RED;
	} else if (t->dropped) {
		snprintf(state, sizeof state, "drop");
		ss = TUI_RED;
	} else if (t->recovered) {
		snprintf(state, sizeof state, "recov");
		ss = TUI_YELLOW;
	} else if (t->xruns) {
		snprintf(state, sizeof state, "xrun");
		ss = TUI_YELLOW;
	}
	x += tui_put(ui, y, x, 6, tui_attr(ui, ss), state);
	tui_put(ui, y, x, ui->cols - x, base, t->note);
}

static void draw_comp_row(struct tui *ui, int y, const struct tui_comp *c,
                          bool sel)
{
	attr_t sa = sel ? tui_attr(ui, TUI_SELECTED) : A_NORMAL;
	int x = 0;
	x += tui_put(ui, y, x, 1, sa, sel ? ">" : "");
	x += tui_putf(ui, y, x, 5, sa, "c%03u", c->number);
	x += tui_put(ui, y, x, 1, A_NORMAL, "");
	x += tui_putf(ui, y, x, 16, A_NORMAL, "%u %s", c->track, c->track_name);
	x += tui_putf(ui, y, x, 9, A_NORMAL, "base %u", c->base_take);
	x += tui_put(ui, y, x, 8, tui_attr(ui, c->active ? TUI_GREEN : TUI_DIM),
	             c->active ? "ACTIVE" : "off");
	tui_put(ui, y, x, ui->cols - x, A_NORMAL, c->pieces);
}

/* The selected take's files and details, in the bottom rows. */
static void draw_detail(struct tui *ui, int y, int h, uint32_t key)
{
	attr_t d = tui_attr(ui, TUI_DIM);
	if (ui->utf8) {
		tui_put(ui, y, 0, ui->cols, d, "");
		for (int x = 0; x < ui->cols; x++)
			tui_put(ui, y, x, 1, d, "\u2500");
	} else {
		attrset(d);
		mvhline(y, 0, '-', ui->cols);
		attrset(A_NORMAL);
	}
	if (key & TUI_COMP_KEY) {
		const struct tui_comp *c = find_comp(ui, key & ~TUI_COMP_KEY);
		if (c) {
			char len[24];
			tui_format_length(len, sizeof len, c->length,
			                  ui->s.st.sample_rate);
			tui_putf(ui, y + 1, 0, ui->cols, A_NORMAL,
			         "comp %03u of track %u (%s): base take %u, %s; %s. "
			         "Enter: %s", c->number, c->track, c->track_name,
			         c->base_take, c->pieces[0] ? c->pieces : "no sections",
			         len, c->active ? "set it aside (the keeper take plays)"
			                        : "play it instead of the keeper");
		}
		return;
	}
	const struct tui_take *t = find_take(ui, key);
	if (!t)
		return;
	char len[24];
	tui_format_length(len, sizeof len, t->length, t->sample_rate);
	int x = tui_putf(ui, y + 1, 0, -1, A_BOLD, "take %03u", t->number);
	char info[512], when[24];
	/* "2026-11-22T10:00:00+0100" as "2026-11-22 10:00:00". */
	snprintf(when, sizeof when, "%.19s", t->started_at);
	if (when[10] == 'T')
		when[10] = ' ';
	snprintf(info, sizeof info, "  %s  %s  %zu files  xruns %llu  dropped "
	         "%llu  markers %zu%s%s%s%s%s", when, len, t->file_count,
	         (unsigned long long)t->xruns, (unsigned long long)t->dropped,
	         t->marker_count, t->marker_count ? " (\"" : "",
	         t->first_marker, t->marker_count ? "\"...)" : "",
	         t->end_reason[0] ? "  ended: " : "", t->end_reason);
	tui_put(ui, y + 1, x, ui->cols - x, A_NORMAL, info);
	/* The files flow over the remaining rows. */
	int row = y + 2, col = 0;
	for (size_t k = 0; k < t->file_count && row < y + h; k++) {
		const struct tui_take_file *f = &ui->s.files[t->file_first + k];
		char db[16], cell[SESSION_NAME_MAX + 48];
		tui_format_db(db, sizeof db, f->peak_dbfs);
		snprintf(cell, sizeof cell, "%02u %s %s%s%s", f->track,
		         f->track_name, f->flags & SESSION_HEADROOM_CLIP ? "clip" : db,
		         f->keeper ? " K" : "", f->dropped ? " drop" : "");
		int w = 0;
		tui_utf8_fit(cell, 1 << 20, &w);
		if (col > 0 && col + w > ui->cols) {
			row++;
			col = 0;
			if (row >= y + h)
				break;
		}
		enum tui_style s = f->flags & SESSION_HEADROOM_CLIP ? TUI_RED
		                   : f->flags & SESSION_HEADROOM_HOT ? TUI_YELLOW
		                                                     : TUI_NORMAL;
		col += tui_put(ui, row, col, -1, tui_attr(ui, s), cell);
		col += tui_put(ui, row, col, 3, A_NORMAL, "");
	}
}

void tui_takes_draw(struct tui *ui, int y, int h)
{
	size_t n = list_rows(ui, NULL, 0);
	uint32_t *keys = n ? malloc(n * sizeof *keys) : NULL;
	if (n && !keys)
		return;
	list_rows(ui, keys, n);
	size_t cur = n ? cursor_row(ui, keys, n) : 0;
	if (n)
		ui->take_sel_key = keys[cur];

	char title[SESSION_NAME_MAX + 64];
	if (ui->take_filter)
		snprintf(title, sizeof title, "takes of track %u (%s)",
		         ui->take_filter, tui_track_name(ui, ui->take_filter));
	else
		snprintf(title, sizeof title, "takes of every track");
	int x = tui_put(ui, y, 0, -1, tui_attr(ui, TUI_BOLD), title);
	if (ui->take_filter && ui->comp_track == ui->take_filter &&
	    ui->comp_count) {
		/* The comp being put together with `s`, until C renders it. */
		char pending[160];
		size_t used = 0;
		pending[0] = '\0';
		for (size_t i = 0; i < ui->comp_count &&
		     used < sizeof pending; i++) {
			int w = snprintf(pending + used, sizeof pending - used,
			                 " %s=%u", ui->comp_sections[i],
			                 ui->comp_takes[i]);
			used += w > 0 ? (size_t)w : 0;
		}
		tui_putf(ui, y, x, ui->cols - x, tui_attr(ui, TUI_YELLOW),
		         "  comp:%s (C renders)", pending);
	} else {
		tui_putf(ui, y, x, ui->cols - x, tui_attr(ui, TUI_DIM),
		         "  (%zu takes, %zu comps; %s)", ui->s.take_count,
		         ui->s.comp_count, ui->utf8
		         ? "\u2190\u2192 one track / all" : "<- -> one track / all");
	}
	int ww = ui->cols >= 120 ? 20 : 9;
	char head[160];
	snprintf(head, sizeof head, " take %-*s  length  trk rating keep  %-5s "
	         "state note", ww - 1, "started", ui->take_filter ? "peak" : "level");
	tui_put(ui, y + 1, 0, ui->cols, tui_attr(ui, TUI_DIM), head);

	int detail = h >= 14 ? 5 : 0;
	int list_h = h - 2 - detail;
	if (n == 0) {
		tui_put(ui, y + 2, 2, ui->cols - 2, tui_attr(ui, TUI_DIM),
		        ui->take_filter ? "this track has no takes yet"
		                        : "no takes yet: arm tracks and press r");
		free(keys);
		return;
	}
	if (cur < ui->take_top)
		ui->take_top = cur;
	if (list_h > 0 && cur >= ui->take_top + (size_t)list_h)
		ui->take_top = cur - (size_t)list_h + 1;
	for (int r = 0; r < list_h && ui->take_top + (size_t)r < n; r++) {
		size_t i = ui->take_top + (size_t)r;
		if (keys[i] & TUI_COMP_KEY) {
			const struct tui_comp *c = find_comp(ui, keys[i] & ~TUI_COMP_KEY);
			if (c)
				draw_comp_row(ui, y + 2 + r, c, i == cur);
		} else {
			const struct tui_take *t = find_take(ui, keys[i]);
			if (t)
				draw_take_row(ui, y + 2 + r, t, i == cur,
				              ui->take_filter);
		}
	}
	if (detail)
		draw_detail(ui, y + h - detail, detail, keys[cur]);
	free(keys);
}

void tui_takes_draw_recent(struct tui *ui, int y, int h)
{
	const struct tui_state *s = &ui->s;
	if (h <= 0)
		return;
	if (s->take_count == 0) {
		tui_put(ui, y, 2, ui->cols - 2, tui_attr(ui, TUI_DIM),
		        "no takes yet: arm tracks and press r");
		return;
	}
	for (int r = 0; r < h && (size_t)r < s->take_count; r++)
		draw_take_row(ui, y + r, &s->takes[s->take_count - 1 - (size_t)r],
		              false, 0);
}

/* ---- actions ---------------------------------------------------------- */

static void done(struct tui *ui)
{
	tui_takes_changed(ui);
}

static void keep(struct tui *ui, uint32_t number)
{
	struct error err;
	tui_report(ui, "keep", action_take_keep(ui->c, number, ui->take_filter,
	                                        &err), &err);
	done(ui);
}

/* `p` / `P`: listen back to the take, with the keepers or alone. */
static void listen_back(struct tui *ui, uint32_t number, bool alone)
{
	struct error err;
	tui_report(ui, "listen back", action_take_play(ui->c, number, alone,
	                                               &err), &err);
	done(ui);
}

static void use_comp(struct tui *ui, const struct tui_comp *c)
{
	struct error err;
	bool on = !c->active;
	tui_report(ui, on ? "use comp" : "set comp aside",
	           action_comp_use(ui->c, c->number, on, &err), &err);
	done(ui);
}

static void rate(struct tui *ui, uint32_t number, uint32_t rating)
{
	struct error err;
	tui_report(ui, "rate", action_take_rate(ui->c, number, rating, &err),
	           &err);
	done(ui);
}

static void on_note(struct tui *ui, uint32_t number, const char *text)
{
	struct error err;
	tui_report(ui, "note", action_take_note(ui->c, number, text, &err),
	           &err);
	done(ui);
}

static void on_discard_yes(struct tui *ui, uint32_t number)
{
	struct error err;
	tui_report(ui, "discard", action_take_discard(ui->c, number, &err),
	           &err);
	done(ui);
}

static void restore(struct tui *ui, uint32_t number)
{
	struct error err;
	tui_report(ui, "restore", action_take_restore(ui->c, number, &err),
	           &err);
	done(ui);
}

/* `s` on a take, in one track's list: the take plays in that section of
 * the comp being put together (a section chosen again takes the new
 * take). */
static void on_section(struct tui *ui, uint32_t number, const char *text)
{
	struct error err;
	error_clear(&err);
	if (ui->comp_track != ui->take_filter) {
		ui->comp_track = ui->take_filter;
		ui->comp_count = 0;
	}
	int64_t frame;
	control_lock(ui->c);
	const struct tempo_map *map = control_tempo_map(ui->c);
	enum rl_status st = map ? tempo_map_section_frame(map, text, &frame,
	                                                  &err)
	                        : error_set(&err, RL_ERR_STATE, "no tempo map");
	control_unlock(ui->c);
	size_t i = 0;
	while (st == RL_OK && i < ui->comp_count &&
	       strcmp(ui->comp_sections[i], text))
		i++;
	if (st == RL_OK && i == TUI_COMP_CHOICES_MAX)
		st = error_set(&err, RL_ERR_INVALID, "at most %d sections a "
		               "comp here", TUI_COMP_CHOICES_MAX);
	if (st != RL_OK) {
		tui_refused(ui, "section", &err);
		return;
	}
	snprintf(ui->comp_sections[i], sizeof ui->comp_sections[i], "%s",
	         text);
	ui->comp_takes[i] = number;
	if (i == ui->comp_count)
		ui->comp_count++;
	control_lock(ui->c);
	control_post(ui->c, CONTROL_INFO, "comp of %s: %s from take %03u "
	             "(%zu section%s; C renders it)",
	             tui_track_name(ui, ui->comp_track), text, number,
	             ui->comp_count, ui->comp_count == 1 ? "" : "s");
	control_unlock(ui->c);
}

/* `C`: render the comp put together with `s`, the keeper elsewhere. */
static void make_comp(struct tui *ui)
{
	struct error err;
	if (!ui->comp_track || ui->comp_track != ui->take_filter ||
	    ui->comp_count == 0) {
		error_set(&err, RL_ERR_INVALID, "choose sections first: s on "
		          "a take in one track's list");
		tui_refused(ui, "comp", &err);
		return;
	}
	struct comp_choice choices[TUI_COMP_CHOICES_MAX];
	for (size_t i = 0; i < ui->comp_count; i++)
		choices[i] = (struct comp_choice){ ui->comp_sections[i],
		                                   ui->comp_takes[i] };
	uint32_t number = 0;
	enum rl_status st = action_comp_make(ui->c, ui->comp_track, 0, choices,
	                                     ui->comp_count,
	                                     COMP_DEFAULT_FADE_MS, &number,
	                                     &err);
	tui_report(ui, "comp", st, &err);
	if (st == RL_OK)
		ui->comp_count = 0;
	done(ui);
}

/* Left/Right: all tracks, then each track in turn. */
static void next_filter(struct tui *ui, int dir)
{
	size_t n = ui->s.track_count;
	if (n == 0) {
		ui->take_filter = 0;
		return;
	}
	size_t pos = 0; /* 0: all; i + 1: track i */
	for (size_t i = 0; i < n; i++)
		if (ui->s.tracks[i].number == ui->take_filter)
			pos = i + 1;
	pos = (pos + n + 1 + (size_t)(dir > 0 ? 1 : -1)) % (n + 1);
	ui->take_filter = pos ? ui->s.tracks[pos - 1].number : 0;
	ui->take_top = 0;
}

bool tui_takes_key(struct tui *ui, int key)
{
	size_t n = list_rows(ui, NULL, 0);
	uint32_t *keys = n ? malloc(n * sizeof *keys) : NULL;
	if (n && !keys)
		return false;
	list_rows(ui, keys, n);
	size_t cur = n ? cursor_row(ui, keys, n) : 0;
	uint32_t sel = n ? keys[cur] : 0;
	const struct tui_take *t = sel && !(sel & TUI_COMP_KEY)
	                           ? find_take(ui, sel) : NULL;
	const struct tui_comp *c = sel & TUI_COMP_KEY
	                           ? find_comp(ui, sel & ~TUI_COMP_KEY) : NULL;
	bool used = true;
	size_t page = ui->rows > 12 ? (size_t)ui->rows - 12 : 1;
	switch (key) {
	case KEY_UP:
		if (cur > 0)
			ui->take_sel_key = keys[cur - 1];
		break;
	case KEY_DOWN:
		if (cur + 1 < n)
			ui->take_sel_key = keys[cur + 1];
		break;
	case KEY_PPAGE:
		if (n)
			ui->take_sel_key = keys[cur > page ? cur - page : 0];
		break;
	case KEY_NPAGE:
		if (n)
			ui->take_sel_key = keys[cur + page < n ? cur + page : n - 1];
		break;
	case KEY_END:
		if (n)
			ui->take_sel_key = keys[n - 1];
		break;
	case KEY_LEFT:
		next_filter(ui, -1);
		break;
	case KEY_RIGHT:
		next_filter(ui, 1);
		break;
	case TUI_KEY_ENTER:
	case KEY_ENTER:
	case 'K':
		if (t)
			keep(ui, t->number);
		else if (c)
			use_comp(ui, c);
		break;
	case '+':
	case '=':
		if (t)
			rate(ui, t->number, t->rating < SESSION_RATING_MAX
			                    ? t->rating + 1 : SESSION_RATING_MAX);
		break;
	case '-':
		if (t)
			rate(ui, t->number, t->rating ? t->rating - 1 : 0);
		break;
	case 'e':
		if (t)
			tui_prompt(ui, on_note, t->number, t->note,
			           "Note for take %03u:", t->number);
		break;
	case 'd':
	case KEY_DC:
		if (t)
			tui_confirm(ui, on_discard_yes, t->number,
			            "Discard take %03u? Its files move to trash/, "
			            "nothing is deleted. (y/n)", t->number);
		break;
	case 'u':
		if (t)
			restore(ui, t->number);
		break;
	case 'p':
	case 'P':
		if (t)
			listen_back(ui, t->number, key == 'P');
		break;
	case 's':
		if (t && ui->take_filter)
			tui_prompt(ui, on_section, t->number, NULL,
			           "Section for take %03u on %s:", t->number,
			           tui_track_name(ui, ui->take_filter));
		else if (t) {
			control_lock(ui->c);
			control_post(ui->c, CONTROL_WARNING, "choose a track "
			             "first (Left/Right), then s on a take");
			control_unlock(ui->c);
		}
		break;
	case 'C':
		make_comp(ui);
		break;
	default:
		if (key >= '0' && key <= '9') {
			/* Digits rate here (6-9 do nothing rather than arm a
			 * track from a view that does not show arming). */
			if (t && key <= '5')
				rate(ui, t->number, (uint32_t)(key - '0'));
		} else {
			used = false;
		}
		break;
	}
	free(keys);
	return used;
}
