/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The track list: one row per track (number, colour, name, group, input,
 * arm / rec-safe / monitor, meter with peak hold and clip, peak of the
 * last two seconds, keeper take). More tracks than rows: on a wide
 * terminal several columns side by side, and the list pages with the
 * cursor.
 *
 * This is what runs 30 times a second with every meter moving, so a row
 * is drawn whole only when something other than its meter changed; else
 * only the meter (one array copy of pre-built cells) and the peak text,
 * and only if they changed. curses then sends the terminal just the cells
 * that differ.
 */
#include "tui_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the fields of one column start. */
struct row_x {
	int cursor, number, swatch, name, group, input, state, meter, clip,
	    peak, keep, end;
};

static void row_positions(const struct tui_track_layout *L, int x0,
                          struct row_x *p)
{
	int x = x0;
	p->cursor = x;
	x += 1;
	p->number = x;
	x += 3 + 1;
	p->swatch = x;
	x += 1 + 1;
	p->name = x;
	x += L->name + 1;
	p->group = x;
	if (L->group)
		x += L->group + 1;
	p->input = x;
	x += L->input + 1;
	p->state = x;
	x += 3 + 1;
	p->meter = x;
	x += L->meter;
	p->clip = x;
	x += 5;
	p->peak = x;
	if (L->show_peak)
		x += 6;
	p->keep = x + 1;
	x += 1 + 4;
	p->end = x0 + L->width;
}

/* The input column: the port, or its end when it is too long (the end of
 * "system:capture_12" is what tells two ports apart). */
static void input_text(const struct tui *ui, const struct control_track *t,
                       int width, char *out, size_t size)
{
	if (t->input_absent) {
		/* Its port is not there: say so, then which port (without
		 * its client if that is what fits). */
		const char *colon = strchr(t->source, ':');
		snprintf(out, size, "no input: %s", t->source);
		if ((int)strlen(out) > width && colon && !t->stereo)
			snprintf(out, size, "no input: %s", colon + 1);
		if ((int)strlen(out) > width)
			snprintf(out, size, "(no input)");
		return;
	}
	if (!t->has_input) {
		snprintf(out, size, "%s", t->source[0] ? "(not here)" : "(no input)");
		return;
	}
	int cols = 0;
	tui_utf8_fit(t->source, 1 << 20, &cols);
	if (cols <= width) {
		snprintf(out, size, "%s", t->source);
		return;
	}
	const char *colon = strchr(t->source, ':');
	const char *tail = colon && !t->stereo ? colon + 1 : t->source;
	tui_utf8_fit(tail, 1 << 20, &cols);
	if (cols <= width) {
		/* The port without its client ("capture_12"). */
		snprintf(out, size, "%s", tail);
		return;
	}
	while (*tail && cols > width - 1) {
		tail++;
		while (((unsigned char)*tail & 0xc0) == 0x80)
			tail++;
		tui_utf8_fit(tail, 1 << 20, &cols);
	}
	snprintf(out, size, "%s%s", ui->utf8 ? "\u2026" : "~", tail);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return tui_hash(h, s, strlen(s) + 1);
}

/* Everything of a row but its meter and peak text. */
static uint64_t static_hash(const struct control_track *t, bool selected)
{
	uint64_t h = TUI_HASH_INIT;
	h = tui_hash(h, &t->number, sizeof t->number);
	h = hash_str(h, t->name);
	h = hash_str(h, t->group);
	h = hash_str(h, t->colour);
	h = hash_str(h, t->source);
	unsigned char flags[7] = { t->armed, t->rec_safe, t->monitor,
	                           t->has_input, t->stereo, selected,
	                           t->input_absent };
	h = tui_hash(h, flags, sizeof flags);
	h = tui_hash(h, &t->keeper_take, sizeof t->keeper_take);
	h = tui_hash(h, &t->comp, sizeof t->comp);
	return h;
}

static void draw_peak(struct tui *ui, int y, const struct row_x *p,
                      const char *text, float hold)
{
	enum tui_style s = hold > TUI_METER_RED_DB ? TUI_RED
	                   : hold >= TUI_METER_YELLOW_DB ? TUI_YELLOW
	                                                 : TUI_NORMAL;
	char buf[16];
	snprintf(buf, sizeof buf, " %5s", text);
	tui_put(ui, y, p->peak, 6, tui_attr(ui, s), buf);
}

static void draw_clip(struct tui *ui, int y, const struct row_x *p, bool clip)
{
	tui_put(ui, y, p->clip, 1, A_NORMAL, "");
	tui_put(ui, y, p->clip + 1, 4,
	        clip ? tui_attr(ui, TUI_CLIP) : A_NORMAL, clip ? "CLIP" : "");
}

static void draw_row(struct tui *ui, int y, const struct tui_track_layout *L,
                     const struct row_x *p, size_t i,
                     struct tui_row_cache *cache, bool full)
{
	const struct tui_state *s = &ui->s;
	if (i >= s->track_count) {
		if (full || !cache->valid || cache->track != SIZE_MAX)
			tui_put(ui, y, p->cursor, p->end - p->cursor, A_NORMAL, "");
		cache->valid = true;
		cache->track = SIZE_MAX;
		return;
	}
	const struct control_track *t = &s->tracks[i];
	bool sel = i == ui->track_sel;
	uint64_t h = static_hash(t, sel);
	int units = tui_meter_units(t->peak_dbfs, L->meter, tui_meter_sub(ui));
	int hold = tui_meter_cell(t->hold_dbfs, L->meter);
	char peak[8];
	tui_format_db(peak, sizeof peak, t->hold_dbfs);
	bool clip = i < ui->clip_base_len && t->clips > ui->clip_base[i];

	bool whole = full || !cache->valid || cache->track != i ||
	             cache->static_hash != h;
	if (whole) {
		attr_t sa = sel ? tui_attr(ui, TUI_SELECTED) : A_NORMAL;
		tui_put(ui, y, p->cursor, 1, sa, sel ? ">" : "");
		tui_putf(ui, y, p->number, 3, sa, "%3u", t->number);
		tui_put(ui, y, p->number + 3, 1, A_NORMAL, "");
		attr_t ca = tui_colour_attr(ui, t->colour);
		tui_put(ui, y, p->swatch, 1, ca,
		        t->colour[0] ? (ui->utf8 ? "\u2588" : "#") : "");
		tui_put(ui, y, p->swatch + 1, 1, A_NORMAL, "");
		tui_put(ui, y, p->name, L->name,
		        sa | (t->armed ? A_BOLD : 0), t->name);
		tui_put(ui, y, p->name + L->name, 1, A_NORMAL, "");
		if (L->group) {
			tui_put(ui, y, p->group, L->group, ca, t->group);
			tui_put(ui, y, p->group + L->group, 1, A_NORMAL, "");
		}
		char in[SESSION_PORT_MAX * 2 + 8];
		input_text(ui, t, L->input, in, sizeof in);
		tui_put(ui, y, p->input, L->input + 1,
		        tui_attr(ui, t->has_input ? TUI_NORMAL : TUI_DIM), in);
		const char *dot = ui->utf8 ? "\u00b7" : ".";
		if (!t->has_input)
			tui_put(ui, y, p->state, 1, A_NORMAL, "");
		else if (t->armed)
			tui_put(ui, y, p->state, 1, tui_attr(ui, TUI_ARMED), "R");
		else if (t->rec_safe)
			tui_put(ui, y, p->state, 1, tui_attr(ui, TUI_YELLOW), "S");
		else
			tui_put(ui, y, p->state, 1, tui_attr(ui, TUI_DIM), dot);
		tui_put(ui, y, p->state + 1, 1, A_NORMAL, "");
		tui_put(ui, y, p->state + 2, 2,
		        tui_attr(ui, t->monitor ? TUI_GREEN : TUI_DIM),
		        t->monitor ? "M" : dot);
		tui_draw_meter(ui, y, p->meter, L->meter, units, hold);
		draw_clip(ui, y, p, clip);
		if (L->show_peak)
			draw_peak(ui, y, p, peak, t->hold_dbfs);
		char keep[16] = "";
		if (t->comp)
			snprintf(keep, sizeof keep, "c%u", t->comp);
		else if (t->keeper_take)
			snprintf(keep, sizeof keep, "%u", t->keeper_take);
		tui_put(ui, y, p->keep - 1, 1, A_NORMAL, "");
		tui_putf(ui, y, p->keep, p->end - p->keep,
		         tui_attr(ui, TUI_CYAN), "%4s", keep);
	} else {
		if (units != cache->meter_units || hold != cache->hold_cell)
			tui_draw_meter(ui, y, p->meter, L->meter, units, hold);
		if (clip != cache->clip)
			draw_clip(ui, y, p, clip);
		if (L->show_peak && strcmp(peak, cache->peak))
			draw_peak(ui, y, p, peak, t->hold_dbfs);
	}
	cache->valid = true;
	cache->track = i;
	cache->static_hash = h;
	cache->meter_units = units;
	cache->hold_cell = hold;
	cache->clip = clip;
	snprintf(cache->peak, sizeof cache->peak, "%s", peak);
}

/* The titles, and the dB scale over the meter. */
static void draw_header(struct tui *ui, int y, const struct tui_track_layout *L,
                        const struct row_x *p)
{
	attr_t d = tui_attr(ui, TUI_DIM);
	tui_put(ui, y, p->cursor, p->end - p->cursor, A_NORMAL, "");
	tui_put(ui, y, p->number, 3, d, "  #");
	tui_put(ui, y, p->name, L->name, d, "name");
	if (L->group)
		tui_put(ui, y, p->group, L->group, d, "group");
	tui_put(ui, y, p->input, L->input, d, "input");
	tui_put(ui, y, p->state, 3, d, "R M");
	static const int marks[] = { -60, -48, -36, -24, -18, -12, -6, -3, 0 };
	int next_free = p->meter;
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		char label[8];
		snprintf(label, sizeof label, "%d", marks[k]);
		int len = (int)strlen(label);
		int x = marks[k] == 0 ? p->meter + L->meter - len
		                      : p->meter + tui_meter_cell(marks[k], L->meter);
		if (marks[k] == -60)
			x = p->meter;
		if (x < next_free || x + len > p->meter + L->meter)
			continue;
		enum tui_style s = marks[k] > TUI_METER_RED_DB ? TUI_RED
		                   : marks[k] >= TUI_METER_YELLOW_DB ? TUI_YELLOW
		                                                     : TUI_GREEN;
		tui_put(ui, y, x, len, tui_attr(ui, s) | A_DIM, label);
		next_free = x + len + 1;
	}
	tui_put(ui, y, p->clip + 1, 4, d, "clip");
	if (L->show_peak)
		tui_put(ui, y, p->peak + 1, 5, d, " peak");
	tui_put(ui, y, p->keep, 4, d, "keep");
}

/* The rows under the tracks: recent takes, then messages. Redrawn only
 * when what they show changed. */
static void draw_panel(struct tui *ui, int y, int h, bool full)
{
	const struct tui_state *s = &ui->s;
	uint64_t key = TUI_HASH_INIT;
	uint64_t parts[6] = { ui->msg_seq, s->take_count, s->st.last_take,
	                      s->st.take, (uint64_t)ui->cols,
	                      (uint64_t)(s->takes_copied * 1000.0) };
	key = tui_hash(key, parts, sizeof parts);
	if (!full && key == ui->panel_key)
		return;
	ui->panel_key = key;
	for (int r = 0; r < h; r++)
		tui_put(ui, y + r, 0, ui->cols, A_NORMAL, "");
	attr_t t = tui_attr(ui, TUI_DIM) | A_BOLD;
	/* Half for the takes (as many as there are), the rest messages. */
	int takes = (h - 3) / 2;
	if ((size_t)takes > s->take_count)
		takes = s->take_count ? (int)s->take_count : 1;
	tui_put(ui, y + 1, 0, ui->cols, t, " recent takes (t: all of them)");
	tui_takes_draw_recent(ui, y + 2, takes);
	int my = y + 2 + takes + 1;
	tui_put(ui, my, 0, ui->cols, t, " messages (w: the log)");
	tui_log_draw_recent(ui, my + 1, y + h - my - 1);
}

void tui_tracks_draw(struct tui *ui, int y, int h, bool full)
{
	size_t n = ui->s.track_count;
	int rows = h - 1;
	if (rows < 1)
		return;
	struct tui_track_layout L;
	tui_track_layout(ui->cols, rows, n, &L);
	/* A tall terminal with rows to spare: the recent takes and
	 * messages under the tracks. */
	int all_rows = rows;
	bool panel = L.columns == 1 && n + 8 <= (size_t)rows;
	ui->panel_takes = panel;
	if (panel)
		rows = (int)n;
	size_t page = (size_t)L.columns * (size_t)rows;
	size_t top = ui->track_top;
	if (L.columns > 1) {
		/* Whole pages: every track keeps its place while the cursor
		 * moves within the page. */
		top = ui->track_sel / page * page;
	} else {
		if (ui->track_sel < top)
			top = ui->track_sel;
		if (ui->track_sel >= top + (size_t)rows)
			top = ui->track_sel - (size_t)rows + 1;
		if (n <= (size_t)rows)
			top = 0;
		else if (top + (size_t)rows > n)
			top = n - (size_t)rows;
	}
	ui->track_top = top;
	ui->track_page_rows = panel ? all_rows : rows;
	ui->track_columns = L.columns;
	if (n > page) {
		size_t last = top + page < n ? top + page : n;
		snprintf(ui->track_range, sizeof ui->track_range,
		         "tracks %zu-%zu of %zu", top + 1, last, n);
	} else {
		ui->track_range[0] = '\0';
	}

	/* A new layout, scroll position or screen: everything again. */
	uint64_t key = TUI_HASH_INIT;
	int dims[5] = { ui->cols, h, y, L.columns, rows };
	key = tui_hash(key, dims, sizeof dims);
	key = tui_hash(key, &top, sizeof top);
	if (key != ui->track_frame_key) {
		full = true;
		ui->track_frame_key = key;
	}
	if (ui->row_cache_len < page) {
		struct tui_row_cache *rc = realloc(ui->row_cache,
		                                   page * sizeof *rc);
		if (!rc)
			return;
		ui->row_cache = rc;
		ui->row_cache_len = page;
		full = true;
	}
	if (full)
		for (size_t i = 0; i < ui->row_cache_len; i++)
			ui->row_cache[i].valid = false;

	for (int k = 0; k < L.columns; k++) {
		struct row_x p;
		row_positions(&L, k * L.width, &p);
		if (full) {
			draw_header(ui, y, &L, &p);
			if (L.columns > 1 && k > 0)
				mvvline(y, k * L.width - 1, ' ', h);
		}
		for (int r = 0; r < rows; r++) {
			size_t slot = (size_t)k * (size_t)rows + (size_t)r;
			draw_row(ui, y + 1 + r, &L, &p, top + slot,
			         &ui->row_cache[slot], full);
		}
	}
	if (full && n == 0)
		tui_put(ui, y + 2, 2, ui->cols - 4, tui_attr(ui, TUI_DIM),
		        "no tracks: start redlight with --inputs REGEX or --input "
		        "PORT, or add tracks with `redlight tracks add`");
	if (panel)
		draw_panel(ui, y + 1 + rows, all_rows - rows, full);
}

bool tui_tracks_key(struct tui *ui, int key)
{
	size_t n = ui->s.track_count;
	if (n == 0)
		return false;
	size_t page = ui->track_page_rows > 0 ? (size_t)ui->track_page_rows : 1;
	if (ui->track_columns > 1)
		page *= (size_t)ui->track_columns;
	switch (key) {
	case KEY_UP:
		if (ui->track_sel > 0)
			ui->track_sel--;
		return true;
	case KEY_DOWN:
		if (ui->track_sel + 1 < n)
			ui->track_sel++;
		return true;
	case KEY_PPAGE:
		/* A page key turns the page: the list moves with the cursor. */
		ui->track_sel = ui->track_sel > page ? ui->track_sel - page : 0;
		ui->track_top = ui->track_top > page ? ui->track_top - page : 0;
		return true;
	case KEY_NPAGE:
		ui->track_sel = ui->track_sel + page < n ? ui->track_sel + page
		                                         : n - 1;
		ui->track_top += page;
		return true;
	case KEY_END:
		ui->track_sel = n - 1;
		return true;
	default:
		return false;
	}
}
